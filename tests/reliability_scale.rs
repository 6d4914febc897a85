//! Scale check (the apply issue's "done when"): applying 10,000 new contacts
//! from QuickBooks customers issues exactly the minimum number of batch calls
//! — 100 HubSpot batch upserts of 100 — and meets no 429 at the emulator's
//! default (real) rate limits: hsqb's own limiter keeps it under them.
//! Verified through the emulator's request statistics. Counts only, no timing.
//!
//! Ignored in the default run (about a minute in a debug build); `.ci/run`
//! runs it explicitly: `cargo test --test reliability_scale -- --ignored`.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use hsqb::emulator::Limits;
use serde_json::{Value, json};

const N: usize = 10_000;
const UPSERT: &str = "POST /crm/v3/objects/{objectType}/batch/upsert";

#[test]
#[ignore = "about a minute in a debug build; .ci/run runs it explicitly"]
fn ten_thousand_new_contacts_take_exactly_one_hundred_batch_upserts_and_no_429() {
    let w = World::with(Opts {
        limits: Limits::default(),
        ..Opts::default()
    });
    {
        let now = w.now();
        let mut st = w.emu.shared().quickbooks.lock().unwrap();
        for i in 0..N {
            st.insert(
                REALM,
                "Customer",
                json!({
                    "DisplayName": format!("Customer {i:05}"),
                    "GivenName": format!("Given{i}"),
                    "FamilyName": "Scale",
                    "PrimaryEmailAddr": {"Address": format!("c{i:05}@scale.test")}
                }),
                now,
            )
            .expect("seed customer");
        }
    }
    w.manifest("sync:\n  contacts:\n    direction: quickbooks_to_hubspot\n");

    // The plan announces the same minimum.
    let p = w.hsqb(&["plan", "--format", "json"]);
    p.expect_code(0);
    let plan: Value = serde_json::from_str(&p.stdout).expect("plan JSON");
    assert_eq!(plan["summary"]["create"], N);
    let estimated: u64 = plan["estimate"]["calls"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| k.contains("batch/upsert"))
        .map(|(_, v)| v.as_u64().unwrap())
        .sum();
    assert_eq!(estimated, 100, "{:#}", plan["estimate"]);

    w.reset_stats();
    let a = w.apply();
    a.expect_code(0);
    assert!(
        a.stdout.contains(&format!("Apply complete: {N} created")),
        "{}",
        a.last_line()
    );
    let stats = w.stats();
    let hs = &stats["hubspot"];
    assert_eq!(hs[UPSERT].count, 100, "exactly N/100 batch upserts");
    assert_eq!(hs[UPSERT].statuses.get(&200), Some(&100));
    let throttled: u64 = stats
        .values()
        .flat_map(|m| m.values())
        .map(|s| s.throttled + s.statuses.get(&429).copied().unwrap_or(0))
        .sum();
    assert_eq!(throttled, 0, "no request met a rate limit: {stats:#?}");
    // Reads are at the floor too: 10 QuickBooks pages of 1000.
    let qbo_queries = stats["quickbooks"]
        .iter()
        .filter(|(k, _)| k.contains("/query"))
        .map(|(_, s)| s.count)
        .sum::<u64>();
    assert_eq!(
        qbo_queries,
        (N / 1000) as u64 + 1,
        "{:#?}",
        stats["quickbooks"]
    );
    let writes = w.writes();
    let other_writes: u64 = writes
        .iter()
        .filter(|(k, _)| !k.contains("batch/upsert") && !k.contains("/properties/"))
        .map(|(_, n)| *n)
        .sum();
    assert_eq!(other_writes, 0, "{writes:#?}");

    assert_eq!(w.emu.shared().hubspot.lock().unwrap().count("contacts"), N);
    // The next (incremental) plan reads the 10,000 changed contacts back
    // through search, past its 10,000-result cap, and finds nothing to do.
    let p = w.plan();
    assert_eq!(p.code, 0, "{}", p.last_line());
    assert_eq!(p.last_line(), "No changes.");
}
