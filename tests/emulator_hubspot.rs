//! The HubSpot half of the emulator, exercised over real HTTP with raw
//! requests (never hsqb's own client): objects, paging, batch, search,
//! properties, associations, account, auth/OAuth, limits, faults, stats,
//! persistence.

#[path = "common/hs_harness.rs"]
mod hs_harness;

use hs_harness::{Hs, config, kv};
use serde_json::{Value, json};

fn ids(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

fn inner_errors(message: &str) -> Value {
    let json = message
        .strip_prefix("Property values were not valid: ")
        .expect("property validation message");
    serde_json::from_str(json).expect("embedded JSON array")
}
/// Live records of `object`, counted in-process.
fn count(hs: &Hs, object: &str) -> usize {
    hs.emu.shared().hubspot.lock().expect("lock").count(object)
}

#[path = "emulator_hubspot/associations.rs"]
mod associations;
#[path = "emulator_hubspot/batch.rs"]
mod batch;
#[path = "emulator_hubspot/objects.rs"]
mod objects;
#[path = "emulator_hubspot/platform.rs"]
mod platform;
#[path = "emulator_hubspot/properties.rs"]
mod properties;
#[path = "emulator_hubspot/search.rs"]
mod search;
