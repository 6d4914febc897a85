#[path = "common/e2e_harness.rs"]
mod harness;
use harness::*;
use serde_json::json;
#[test]
fn dbg() {
    let w = World::new();
    let h = w.contact(&[("email", "eve@x.test"), ("firstname", "Eve"), ("city", "Oslo")]);
    w.advance(chrono::Duration::minutes(1));
    let q = w.customer(json!({
        "DisplayName": "Eve", "GivenName": "Eve", "PrimaryEmailAddr": {"Address": "eve@x.test"},
        "BillAddr": {"City": "Bergen"}
    }));
    w.manifest("sync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n");
    for _ in 0..3 { let p = w.plan(); println!("{p}"); let a = w.apply(); println!("{}", a.stdout.lines().rev().take(4).collect::<Vec<_>>().join("\n")); }
    println!("{}", std::fs::read_to_string(w.state_path()).unwrap());
    println!("{:?} {}", w.hs_prop("contacts", &h, "city"), w.qbo_get("Customer", &q));
}
