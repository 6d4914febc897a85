//! The committed plan JSON Schema is current, and every sample plan's JSON
//! validates against it (with the `jsonschema` crate, draft 2020-12).
//!
//! Regenerate the schema with:
//! `UPDATE_SCHEMAS=1 cargo test --test render_schema`

#[path = "common/render_samples.rs"]
mod render_samples;

use hsqb::render;
use std::path::PathBuf;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/plan.schema.json")
}

#[test]
fn committed_schema_is_current() {
    let generated = render::plan_schema();
    let path = schema_path();
    if std::env::var_os("UPDATE_SCHEMAS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "schemas/plan.schema.json is stale (the plan types changed).\n\
         Regenerate it with: UPDATE_SCHEMAS=1 cargo test --test render_schema\n\
         and commit the result. If the change is breaking for readers of saved plans, \
         bump FORMAT_VERSION and document it in docs/plan-format.md."
    );
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&render::plan_schema()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(validator: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sample_plans_validate_against_the_schema() {
    let validator = validator();
    // `huge` adds nothing over `big` here and is slow to serialise in debug builds.
    for (name, plan) in render_samples::snapshot_samples() {
        for rendered in [render::json(&plan), render::json_compact(&plan)] {
            let instance: serde_json::Value = serde_json::from_str(&rendered).unwrap();
            let errs = errors(&validator, &instance);
            assert!(errs.is_empty(), "{name}: {errs:#?}");
        }
    }
}

/// The schema is not vacuous: it rejects plans that break the contract.
#[test]
fn schema_rejects_broken_plans() {
    let validator = validator();
    let good: serde_json::Value =
        serde_json::from_str(&render::json(&render_samples::updates())).unwrap();
    assert!(errors(&validator, &good).is_empty());

    let mut missing_version = good.clone();
    missing_version
        .as_object_mut()
        .unwrap()
        .remove("format_version");
    let mut bad_action = good.clone();
    bad_action["changes"][0]["action"] = "explode".into();
    let mut bad_value = good.clone();
    bad_value["changes"][0]["fields"][0]["after"] =
        serde_json::json!({"type": "colour", "value": "red"});
    let mut money_as_number = good.clone();
    money_as_number["changes"][0]["fields"][4]["after"] =
        serde_json::json!({"type": "money", "value": 12.75});
    let mut bad_payload = good.clone();
    bad_payload["changes"][0]["payload"] = serde_json::json!({"kind": "ftp"});
    let mut negative_count = good;
    negative_count["summary"]["create"] = (-1).into();

    for (what, instance) in [
        ("missing format_version", missing_version),
        ("unknown action", bad_action),
        ("unknown value type", bad_value),
        ("money as a JSON number", money_as_number),
        ("unknown payload kind", bad_payload),
        ("negative count", negative_count),
    ] {
        assert!(
            !errors(&validator, &instance).is_empty(),
            "schema accepted a plan with {what}"
        );
    }
}
