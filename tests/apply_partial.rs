//! Partial failure: one record the API rejects fails alone — with the API's
//! code, message and correlation id in the `--format json` report — while the
//! independent records land; the run exits 1 and a re-run converges.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use hsqb::emulator::FaultRule;
use serde_json::{Value, json};

/// The JSON documents `apply --format json` prints: the plan, then the results.
fn documents(stdout: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("apply --format json prints JSON documents: {e}\n{stdout}"))
}

fn results(run: &Run) -> Value {
    let docs = documents(&run.stdout);
    let last = docs.last().cloned().expect("a results document");
    assert_eq!(last["format_version"], 1, "{last:#}");
    last
}

#[test]
fn a_name_taken_between_plan_and_write_fails_alone_with_code_and_correlation_id() {
    let w = World::new();
    for i in 0..9 {
        w.contact(&[
            ("email", &format!("ok{i}@x.test")),
            ("company", &format!("Firm {i}")),
        ]);
    }
    let victim = w.contact(&[("email", "victim@x.test"), ("company", "Victim Co")]);
    w.manifest("sync:\n  contacts:\n    direction: hubspot_to_quickbooks\n");
    let (run, squatter) = apply_with_a_name_taken_behind_the_back(
        &w,
        "Victim Co",
        &["apply", "--auto-approve", "--format", "json"],
    );
    assert_eq!(run.code, 1, "a failed record makes the run fail: {run}");
    let report = results(&run);
    assert_eq!(report["failed"], 1, "{report:#}");
    assert_eq!(report["summary"]["created"], 9, "{report:#}");
    let failed: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"]["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    let f = failed[0];
    assert!(
        f["label"].as_str().unwrap().contains("victim@x.test"),
        "{f:#}"
    );
    assert_eq!(f["outcome"]["code"], "6240", "{f:#}");
    let message = f["outcome"]["message"].as_str().unwrap();
    assert!(
        message.to_lowercase().contains("duplicate name"),
        "{message}"
    );
    let tid = f["outcome"]["correlation_id"].as_str().unwrap_or("");
    assert!(tid.starts_with("1-"), "the intuit_tid is reported: {f:#}");
    // The others landed and were linked; the victim was not.
    assert_eq!(w.qbo_all("Customer").len(), 10);
    assert_eq!(w.hs_prop("contacts", &victim, "hsqb_qbo_customer_id"), None);
    let linked = w
        .hs_live("contacts")
        .iter()
        .filter(|r| r.properties.contains_key("hsqb_qbo_customer_id"))
        .count();
    assert_eq!(linked, 9);

    // A re-run sees the taken name and picks the next free one.
    w.converge(1);
    w.assert_no_duplicates();
    let q = w
        .hs_prop("contacts", &victim, "hsqb_qbo_customer_id")
        .unwrap();
    assert_ne!(q, squatter);
    assert_eq!(w.qbo_get("Customer", &q)["DisplayName"], "Victim Co (2)");
}

#[test]
fn a_record_hubspot_rejects_fails_alone_with_its_correlation_id() {
    let w = World::new();
    for i in 0..5 {
        w.customer(json!({"DisplayName": format!("Good {i}"), "PrimaryEmailAddr": {"Address": format!("good{i}@x.test")}}));
    }
    // QuickBooks accepts this address; HubSpot's email validation does not.
    w.customer(json!({"DisplayName": "Broken", "PrimaryEmailAddr": {"Address": "ap@broken.test,ceo@broken.test"}}));
    w.manifest("sync:\n  contacts:\n    direction: quickbooks_to_hubspot\n");
    let run = w.hsqb(&["apply", "--auto-approve", "--format", "json"]);
    assert_eq!(run.code, 1, "{run}");
    let report = results(&run);
    assert_eq!(report["failed"], 1, "{report:#}");
    assert_eq!(report["summary"]["created"], 5, "{report:#}");
    let f = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"]["status"] == "failed")
        .unwrap()
        .clone();
    assert!(f["label"].as_str().unwrap().contains("Broken"), "{f:#}");
    assert!(
        f["outcome"]["code"].as_str().is_some_and(|c| !c.is_empty()),
        "{f:#}"
    );
    assert!(
        f["outcome"]["message"]
            .as_str()
            .unwrap()
            .contains("ap@broken.test,ceo@broken.test"),
        "the message names the value: {f:#}"
    );
    assert!(
        f["outcome"]["correlation_id"]
            .as_str()
            .is_some_and(|c| !c.is_empty()),
        "HubSpot's correlationId is reported: {f:#}"
    );
    assert_eq!(w.hs_live("contacts").len(), 5);
    // The failure is stable and keeps failing alone; nothing is duplicated.
    let again = w.apply();
    assert_eq!(again.code, 1, "{again}");
    assert!(
        again.stdout.contains("FAILED hubspot contact \"Broken"),
        "{again}"
    );
    assert!(again.stdout.contains("0 created"), "{again}");
    assert_eq!(w.hs_live("contacts").len(), 5);
    w.assert_no_duplicates();
}

/// Hold the last read of planning (the portal's currency, `GET
/// /account-info/v3/details`) and create `squatter` in QuickBooks meanwhile:
/// hsqb's snapshot misses it, and the create meets QuickBooks' 6240.
fn apply_with_a_name_taken_behind_the_back(w: &World, taken: &str, args: &[&str]) -> (Run, String) {
    w.faults(
        vec![FaultRule {
            endpoint: Some("account-info".into()),
            nth: vec![1],
            delay_ms: Some(3_000),
            ..rule(Some("hubspot"), "slow", 0.0)
        }],
        1,
    );
    let mut apply = w.spawn(args);
    wait_until("planning to finish reading", || {
        w.faults_fired() > 0 || apply.exited()
    });
    assert!(!apply.exited());
    let squatter = w.customer(
        json!({"DisplayName": taken, "PrimaryEmailAddr": {"Address": "someone.else@x.test"}}),
    );
    let run = apply.finish();
    w.clear_faults();
    (run, squatter)
}

#[test]
fn a_failed_create_is_retried_with_a_fresh_request_id_once_the_cause_is_gone() {
    // QuickBooks replays the original response of a known `requestid`. A
    // one-record batch that failed must not replay that failure forever once
    // the user has fixed the cause.
    let w = World::new();
    let victim = w.contact(&[("email", "solo@x.test"), ("company", "Solo Co")]);
    w.manifest("sync:\n  contacts:\n    direction: hubspot_to_quickbooks\n");
    let (run, squatter) =
        apply_with_a_name_taken_behind_the_back(&w, "Solo Co", &["apply", "--auto-approve"]);
    assert_eq!(run.code, 1, "{run}");
    assert!(run.stdout.contains("[code 6240]"), "{run}");
    // The user frees the name; the next plan is byte-for-byte the same create.
    w.advance(chrono::Duration::minutes(1));
    w.qbo_patch(
        "Customer",
        &squatter,
        json!({"DisplayName": "Someone Else"}),
    );
    let a = w.apply();
    a.expect_code(0);
    assert!(a.stdout.contains("created quickbooks customer"), "{a}");
    w.converge(1);
    w.assert_no_duplicates();
    let q = w
        .hs_prop("contacts", &victim, "hsqb_qbo_customer_id")
        .unwrap();
    assert_eq!(w.qbo_get("Customer", &q)["DisplayName"], "Solo Co");
    assert_eq!(w.qbo_all("Customer").len(), 2);
}
