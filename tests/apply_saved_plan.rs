//! Saved plans: `hsqb plan --out plan.json` then `hsqb apply plan.json`
//! applies exactly that plan — and refuses, writing nothing, when any record
//! it touches changed in either system since planning.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use serde_json::json;

const MANIFEST: &str = "sync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n";

/// A converged pair world plus pending work of every kind; returns the world
/// and (contact to update in QBO, contact whose HubSpot record gets updated).
struct Pending {
    w: World,
    /// HubSpot contact whose change updates a QBO customer.
    hs_source: String,
    /// Its QBO customer (the update's target).
    qbo_target: String,
    /// HubSpot contact that a QBO change updates (the target).
    hs_target: String,
}

fn pending() -> Pending {
    let w = World::new();
    let a = w.contact(&[("email", "a@x.test"), ("firstname", "A"), ("phone", "1")]);
    w.customer(json!({"DisplayName": "B Corp", "GivenName": "B", "PrimaryEmailAddr": {"Address": "b@x.test"}}));
    w.manifest(MANIFEST);
    w.converge(1);
    let qa = w.hs_prop("contacts", &a, "hsqb_qbo_customer_id").unwrap();
    let b = w
        .hs_live("contacts")
        .into_iter()
        .find(|r| r.properties["email"] == "b@x.test")
        .unwrap()
        .id;
    let qb = w.hs_prop("contacts", &b, "hsqb_qbo_customer_id").unwrap();
    w.advance(chrono::Duration::minutes(1));
    w.hs_patch("contacts", &a, &[("phone", "2")]); // → update QBO customer qa
    w.qbo_patch("Customer", &qb, json!({"FamilyName": "Bee"})); // → update HubSpot b
    w.contact(&[
        ("email", "c@x.test"),
        ("firstname", "C"),
        ("company", "C Works"),
    ]); // → create in QBO
    w.customer(json!({"DisplayName": "D Ltd", "PrimaryEmailAddr": {"Address": "d@x.test"}})); // → create in HubSpot
    Pending {
        w,
        hs_source: a,
        qbo_target: qa,
        hs_target: b,
    }
}

fn plan_out(w: &World) -> String {
    let out = w.dir.path().join("plan.json");
    let p = w.hsqb(&["plan", "--out", out.to_str().unwrap()]);
    p.expect_code(0);
    assert!(p.stderr.contains("Saved the plan"), "{p}");
    out.to_string_lossy().into_owned()
}

#[test]
fn an_unchanged_saved_plan_applies_exactly() {
    let Pending {
        w,
        qbo_target,
        hs_target,
        ..
    } = pending();
    let file = plan_out(&w);
    let a = w.hsqb(&["apply", &file]);
    a.expect_code(0);
    assert!(a.stdout.contains("2 created, 2 updated"), "{a}");
    let p = w.plan();
    assert_eq!(p.code, 0, "{p}");
    assert_eq!(
        w.qbo_get("Customer", &qbo_target)["PrimaryPhone"]["FreeFormNumber"],
        "2"
    );
    assert_eq!(
        w.hs_prop("contacts", &hs_target, "lastname").as_deref(),
        Some("Bee")
    );
    w.assert_no_duplicates();

    // The same file again: its records changed (by that apply) — refused, and
    // nothing is written twice.
    w.reset_stats();
    let again = w.hsqb(&["apply", &file]);
    assert_eq!(again.code, 1, "{again}");
    assert!(
        again.stderr.contains("changed since the plan was made"),
        "{again}"
    );
    assert!(w.writes().is_empty(), "{:?}", w.writes());
}

#[test]
fn a_stale_saved_plan_names_every_changed_record_and_writes_nothing() {
    let Pending {
        w,
        hs_source,
        qbo_target,
        hs_target,
    } = pending();
    let file = plan_out(&w);
    // Edits behind hsqb's back, in both systems, after planning:
    w.advance(chrono::Duration::minutes(1));
    w.qbo_patch(
        "Customer",
        &qbo_target,
        json!({"Notes": "edited in QuickBooks"}),
    );
    w.hs_patch("contacts", &hs_target, &[("city", "edited in HubSpot")]);
    // …and a customer with the name the plan would create.
    let squatter = w.customer(
        json!({"DisplayName": "C Works", "PrimaryEmailAddr": {"Address": "other@x.test"}}),
    );
    let before = w.contents();
    w.reset_stats();

    let a = w.hsqb(&["apply", &file]);
    assert_eq!(a.code, 1, "{a}");
    let err = &a.stderr;
    assert!(
        err.contains("3 record(s) changed since the plan was made; nothing was written"),
        "{a}"
    );
    assert!(
        err.contains(&format!("quickbooks customer {qbo_target} in main")),
        "{a}"
    );
    assert!(err.contains("SyncToken is"), "{a}");
    assert!(err.contains(&format!("hubspot contact {hs_target}")), "{a}");
    assert!(err.contains("modified at"), "{a}");
    assert!(
        err.contains(&format!("quickbooks customer {squatter} in main")),
        "{a}"
    );
    assert!(err.contains("\"C Works\" now exists"), "{a}");
    assert!(
        err.contains("hsqb plan --out"),
        "the hint says what to do: {a}"
    );
    // The untouched record is not named.
    assert!(
        !err.contains(&format!("hubspot contact {hs_source}:")),
        "{a}"
    );
    assert!(
        w.writes().is_empty(),
        "a refused plan wrote: {:?}",
        w.writes()
    );
    assert_eq!(w.contents(), before);

    // A fresh plan picks the new situation up and converges.
    w.converge(2);
    w.assert_no_duplicates();
    assert_eq!(
        w.qbo_get("Customer", &qbo_target)["Notes"],
        "edited in QuickBooks"
    );
}

#[test]
fn a_plan_for_another_manifest_is_refused() {
    let Pending { w, .. } = pending();
    let file = plan_out(&w);
    w.manifest(&format!("{MANIFEST}    on_update: ignore\n"));
    w.reset_stats();
    let a = w.hsqb(&["apply", &file]);
    assert_eq!(a.code, 1, "{a}");
    assert!(a.stderr.contains("different manifest"), "{a}");
    assert!(w.writes().is_empty());
}

#[test]
fn a_tampered_plan_file_is_refused() {
    let Pending { w, .. } = pending();
    let file = plan_out(&w);
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("\"2\"", "\"3\"")).unwrap();
    w.reset_stats();
    let a = w.hsqb(&["apply", &file]);
    assert_eq!(a.code, 1, "{a}");
    assert!(w.writes().is_empty());
    let t = w.hsqb(&["apply", "/nonexistent/plan.json"]);
    assert_eq!(t.code, 1, "{t}");
}
