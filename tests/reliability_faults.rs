//! Faults: about 10% of all requests to both APIs fail — 429, 500, 502, 503,
//! timeouts (the client gives up first), connections dropped before the
//! request is performed, and connections dropped *after* the write was done
//! (`drop_after_write`, the case where hsqb cannot know whether it happened).
//! `apply --auto-approve` is re-run until a plan shows `No changes.`; the end
//! state must equal a fault-free run's, with every record written exactly once
//! (counts match, no duplicates).
//!
//! A third test reaches QuickBooks with OAuth while access tokens expire at
//! chosen calls mid-run (an injected `Token expired` 401), superseded refresh
//! tokens die almost at once, and QuickBooks answers half of the writes with
//! a stale-`SyncToken` fault.
//! (Per-item failures inside a batch: `apply_partial.rs`.)
//!
//! The emulator and hsqb run 50× faster than real time (`time_scale` and
//! `HSQB_TIME_SCALE`), so 429 waits and timeouts cost milliseconds.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use hsqb::emulator::FaultRule;
use serde_json::json;

const MANIFEST: &str = "safety: {max_deletes: 20, max_delete_percent: 100}
sync:
  contacts:
    direction: two_way
    conflict: newest_wins
    on_delete: archive
  products:
    direction: two_way
    conflict: quickbooks_wins
    income_account: Services
";

const SCALE: f64 = 50.0;

/// ~10% of requests fail, spread over every kind of fault.
fn ten_percent() -> Vec<FaultRule> {
    let kinds = [
        "429",
        "500",
        "502",
        "503",
        "timeout",
        "drop",
        "drop_after_write",
    ];
    let per_kind = 1.0 - 0.9f64.powf(1.0 / kinds.len() as f64);
    kinds
        .iter()
        .map(|k| FaultRule {
            // Longer than hsqb's (scaled) per-attempt timeout: the client times out.
            delay_ms: (*k == "timeout").then_some(600_000),
            ..rule(None, k, per_kind)
        })
        .collect()
}

fn seed(w: &World) {
    for i in 0..35 {
        w.contact(&[
            ("email", &format!("h{i:02}@x.test")),
            ("firstname", &format!("H{i:02}")),
            ("company", if i % 7 == 0 { "Same Name Ltd" } else { "" }),
            ("phone", &format!("555-{i:04}")),
        ]);
    }
    for i in 0..25 {
        w.customer(json!({
            "DisplayName": format!("Q {i:02}"), "GivenName": format!("Q{i:02}"),
            "PrimaryEmailAddr": {"Address": format!("q{i:02}@x.test")}
        }));
    }
    for i in 0..5 {
        let email = format!("pair{i}@x.test");
        w.contact(&[("email", &email), ("firstname", "Pair")]);
        w.customer(json!({"DisplayName": format!("Pair {i}"), "GivenName": "Pair", "PrimaryEmailAddr": {"Address": email}}));
    }
    for i in 0..32 {
        w.product(&[
            ("name", &format!("Product {i:02}")),
            ("hs_sku", &format!("P-{i:02}")),
            ("price", &format!("{i}.5")),
            ("hs_cost_of_goods_sold", "1"),
        ]);
    }
    for i in 0..6 {
        w.item(json!({"Name": format!("Item {i}"), "Type": "Service", "UnitPrice": i, "IncomeAccountRef": {"value": "1"}}));
    }
    w.manifest(MANIFEST);
}

/// Updates both ways, a conflict, archives and new records.
fn edit(w: &World) {
    w.advance(chrono::Duration::minutes(1));
    let contacts = w.hs_live("contacts");
    let by_email = |e: &str| {
        contacts
            .iter()
            .find(|r| r.properties.get("email").map(String::as_str) == Some(e))
            .unwrap_or_else(|| panic!("no contact {e}"))
            .clone()
    };
    for i in 0..8 {
        let h = by_email(&format!("h{i:02}@x.test"));
        w.hs_patch("contacts", &h.id, &[("city", "Lisboa")]);
        let q = by_email(&format!("q{i:02}@x.test"));
        let qid = &q.properties["hsqb_qbo_customer_id"];
        w.qbo_patch("Customer", qid, json!({"FamilyName": "Sousa"}));
    }
    for i in 10..13 {
        let h = by_email(&format!("h{i:02}@x.test"));
        w.hs_archive("contacts", &h.id);
    }
    for i in 0..6 {
        w.contact(&[
            ("email", &format!("n{i}@x.test")),
            ("company", "Same Name Ltd"),
        ]);
        w.customer(json!({"DisplayName": format!("New {i}"), "PrimaryEmailAddr": {"Address": format!("nq{i}@x.test")}}));
    }
    for p in w.hs_live("products").iter().take(8) {
        w.hs_patch("products", &p.id, &[("description", "new text")]);
    }
}

fn opts(seed: u64) -> Opts {
    Opts {
        time_scale: SCALE,
        seed,
        ..Opts::default()
    }
}

/// The fault-free end states after the first and the second sync.
fn reference() -> (Contents, Contents) {
    let w = World::with(opts(1));
    seed(&w);
    w.converge(1);
    let first = w.contents();
    edit(&w);
    w.converge(1);
    (first, w.contents())
}

fn counts(c: &Contents) -> [usize; 4] {
    [
        c.contacts.len(),
        c.customers.len(),
        c.products.len(),
        c.items.len(),
    ]
}

#[test]
fn ten_percent_faults_everywhere_converge_to_exactly_once() {
    let (first, second) = reference();
    for fault_seed in [11u64, 12] {
        let w = World::with(opts(fault_seed));
        seed(&w);
        w.faults(ten_percent(), fault_seed);
        let applies = w.converge(12);
        let fired_first = w.faults_fired();
        w.assert_no_duplicates();
        w.assert_state_parses();
        assert_eq!(
            counts(&w.contents()),
            counts(&first),
            "seed {fault_seed}: record counts"
        );
        assert_eq!(
            w.contents(),
            first,
            "seed {fault_seed}: first sync end state"
        );

        edit(&w);
        w.faults(ten_percent(), fault_seed + 100);
        let more = w.converge(12);
        w.assert_no_duplicates();
        assert_eq!(
            w.contents(),
            second,
            "seed {fault_seed}: second sync end state"
        );
        let fired = fired_first + w.faults_fired();
        println!(
            "seed {fault_seed}: {} + {} applies, {fired} faults injected over {} requests",
            applies.len(),
            more.len(),
            w.total_calls()
        );
        assert!(fired >= 5, "the faults really fired ({fired})");
        // Writes whose outcome was unknown were resolved without a second
        // copy; if any apply failed, the report named the failed records.
        for a in applies.iter().chain(more.iter()).filter(|a| a.code != 0) {
            assert!(
                a.stdout.contains("FAILED") || a.stderr.contains("error"),
                "a failed apply says why:\n{a}"
            );
        }
    }
}

#[test]
fn dropped_responses_to_every_create_batch_make_no_duplicates() {
    // Every QuickBooks batch and HubSpot create/upsert is performed, then its
    // connection dropped: hsqb never sees a single create response.
    let w = World::with(opts(3));
    seed(&w);
    let drop_writes = |api: &str, endpoint: &str| FaultRule {
        endpoint: Some(endpoint.to_string()),
        ..rule(Some(api), "drop_after_write", 1.0)
    };
    w.faults(
        vec![
            drop_writes("quickbooks", "/batch"),
            drop_writes("hubspot", "batch/upsert"),
        ],
        3,
    );
    let a = w.apply();
    assert_eq!(a.code, 1, "unknown outcomes are failures of this run:\n{a}");
    w.clear_faults();
    w.converge(3);
    w.assert_no_duplicates();
    let (first, _) = reference();
    assert_eq!(w.contents(), first);
}

#[test]
fn tokens_expiring_and_rotating_mid_run_and_stale_sync_tokens_converge() {
    let mut limits = hsqb::emulator::Limits::unlimited();
    // A superseded refresh token is refused 0.1 s (5 s emulated) after its
    // successor was issued: only the newest, persisted token keeps working.
    limits.qbo_refresh_grace = std::time::Duration::from_secs(5);
    let w = World::with(Opts { limits, ..opts(5) });
    seed(&w);
    w.manifest_oauth(MANIFEST);
    let (first, second) = reference();
    w.converge(4);
    assert_eq!(w.contents(), first, "first sync end state");

    edit(&w);
    // Access tokens "expire" at chosen QuickBooks API calls (never two in a
    // row, so each refresh is followed by a good call), and half of the
    // writes meet a stale SyncToken.
    w.faults(
        vec![
            FaultRule {
                endpoint: Some("POST".into()),
                ..rule(Some("quickbooks"), "stale_sync_token", 0.5)
            },
            FaultRule {
                endpoint: Some("/v3/company".into()),
                nth: vec![2, 6, 11, 17, 24],
                rate: None,
                ..rule(Some("quickbooks"), "expired_token", 0.0)
            },
        ],
        5,
    );
    let applies = w.converge(12);
    let fired: Vec<u64> = w
        .emu
        .shared()
        .faults
        .rules()
        .iter()
        .map(|r| r.fired)
        .collect();
    let (stale, expired_faults) = (fired[0], fired[1]);
    w.clear_faults();
    w.assert_no_duplicates();
    w.assert_state_parses();
    assert_eq!(w.contents(), second, "second sync end state");
    assert!(
        stale >= 3,
        "stale SyncTokens really answered writes ({stale})"
    );

    let refreshes = w.calls("tokens/bearer");
    let expired: u64 = w
        .stats()
        .get("quickbooks")
        .into_iter()
        .flat_map(|m| m.values())
        .map(|s| s.statuses.get(&401).copied().unwrap_or(0))
        .sum();
    println!(
        "{} applies, {stale} stale SyncTokens, {refreshes} token refreshes, {expired} expired-token 401s",
        applies.len()
    );
    assert_eq!(expired, expired_faults, "every 401 was an injected expiry");
    assert!(expired >= 3, "access tokens expired mid-run ({expired})");
    assert!(
        refreshes >= 4,
        "access tokens expired and were refreshed mid-run ({refreshes} refreshes over {} applies)",
        applies.len()
    );
    let current = w
        .emu
        .shared()
        .quickbooks
        .lock()
        .unwrap()
        .current_refresh_token()
        .to_string();
    assert_ne!(current, hsqb::emulator::DEFAULT_QBO_REFRESH_TOKEN);
    // The manifest's refresh token is long dead; a later run still connects
    // because every rotated token was persisted before it was used.
    w.advance(chrono::Duration::minutes(5));
    let p = w.plan();
    assert_eq!(p.code, 0, "a later run uses the persisted token: {p}");
    for run in applies.iter().chain([&p]) {
        assert!(
            !run.stdout.contains(&current) && !run.stderr.contains(&current),
            "the refresh token never reaches output"
        );
    }
}
