//! Plan (and apply) output of the real binary against the emulator, snapshot
//! with insta. Stable by construction: the emulator's data clock is frozen at
//! a fixed instant (advanced explicitly where edits must be ordered), hsqb
//! plans with `--now` at that instant and a full refresh (watermarks are wall
//! time; the frozen data clock is in the past), ids come from fresh emulators.
//! The only redaction is the emulator's port.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use serde_json::json;

const NOW: &str = "2026-03-02T17:00:00Z";

fn frozen() -> World {
    World::with(Opts {
        frozen: true,
        ..Opts::default()
    })
}

/// Run hsqb with `--now` and a full refresh; redact the port.
fn run(w: &World, args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--now", NOW, "--refresh", "full"]);
    let r = w.hsqb(&all);
    let text = format!(
        "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        r.code, r.stdout, r.stderr
    );
    text.replace(&w.base, "http://127.0.0.1:PORT")
}

#[test]
fn first_sync_plan_and_apply() {
    let w = frozen();
    w.contact(&[
        ("email", "liam@obrien.test"),
        ("firstname", "Liam"),
        ("lastname", "O'Brien"),
        ("company", "O'Brien & Sons"),
        ("city", "Dún Laoghaire"),
    ]);
    w.contact(&[
        ("email", "zoe@northwind.test"),
        ("firstname", "Zoë"),
        ("lastname", "Müller"),
        ("company", "Northwind"),
    ]);
    w.contact(&[
        ("email", "ana@souza.test"),
        ("firstname", "Ana"),
        ("lastname", "Souza"),
    ]);
    w.contact(&[("firstname", "No"), ("lastname", "Email")]);
    w.customer(json!({"DisplayName": "Ana Souza", "GivenName": "Ana", "FamilyName": "Souza", "PrimaryEmailAddr": {"Address": "ana@souza.test"}}));
    w.customer(json!({"DisplayName": "Fjord AS", "GivenName": "Ingrid", "CompanyName": "Fjord AS", "PrimaryEmailAddr": {"Address": "ingrid@fjord.test"}, "BillAddr": {"City": "Bergen", "Country": "Norway"}}));
    w.qbo_insert("Vendor", json!({"DisplayName": "Northwind"}));
    w.manifest("sync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n");
    insta::assert_snapshot!("first_sync_plan", run(&w, &["plan"]));
    insta::assert_snapshot!("first_sync_apply", run(&w, &["apply", "--auto-approve"]));
    insta::assert_snapshot!("first_sync_replan", run(&w, &["plan"]));
}

#[test]
fn second_sync_updates_conflicts_and_blanking() {
    let w = frozen();
    let h = w.contact(&[
        ("email", "hal@x.test"),
        ("firstname", "Hal"),
        ("phone", "100"),
        ("city", "Austin"),
        ("website", "https://hal.test"),
    ]);
    w.manifest("sync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n");
    run(&w, &["apply", "--auto-approve"]);
    let q = w.hs_prop("contacts", &h, "hsqb_qbo_customer_id").unwrap();
    w.advance(chrono::Duration::minutes(1));
    w.hs_patch("contacts", &h, &[("phone", "200"), ("website", "")]);
    w.advance(chrono::Duration::minutes(1));
    w.qbo_patch(
        "Customer",
        &q,
        json!({"PrimaryPhone": {"FreeFormNumber": "300"}, "BillAddr": {"City": "Dallas"}}),
    );
    insta::assert_snapshot!("second_sync_plan", run(&w, &["plan"]));
}

#[test]
fn products_and_money_as_markdown() {
    let w = frozen();
    w.item(
        serde_json::from_str(
            r#"{"Name": "Tiny", "Sku": "T-1", "Type": "Service", "UnitPrice": 0.10000000000000000001, "IncomeAccountRef": {"value": "1"}}"#,
        )
        .unwrap(),
    );
    w.item(
        serde_json::from_str(
            r#"{"Name": "Half", "Sku": "H-1", "Type": "Service", "UnitPrice": 12.50, "IncomeAccountRef": {"value": "1"}}"#,
        )
        .unwrap(),
    );
    w.product(&[("name", "half"), ("price", "12.5")]);
    w.product(&[
        ("name", "Widget"),
        ("hs_sku", "W-1"),
        ("price", "19.999"),
        ("hs_cost_of_goods_sold", "4"),
    ]);
    w.manifest(
        "sync:\n  products:\n    direction: two_way\n    conflict: quickbooks_wins\n    income_account: Services\n",
    );
    insta::assert_snapshot!(
        "products_plan_markdown",
        run(&w, &["plan", "--format", "markdown"])
    );
}

#[test]
fn deletes_beyond_the_guard_block_the_plan() {
    let w = frozen();
    let ids: Vec<String> = (0..3)
        .map(|i| {
            w.contact(&[
                ("email", &format!("d{i}@x.test")),
                ("firstname", &format!("D{i}")),
            ])
        })
        .collect();
    w.manifest(
        "safety: {max_deletes: 2, max_delete_percent: 100}\nsync:\n  contacts:\n    direction: two_way\n    conflict: hubspot_wins\n    on_delete: archive\n",
    );
    run(&w, &["apply", "--auto-approve"]);
    w.advance(chrono::Duration::minutes(1));
    for id in &ids {
        w.hs_archive("contacts", id);
    }
    insta::assert_snapshot!("deletes_blocked_plan", run(&w, &["plan"]));
}
