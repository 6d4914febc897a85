//! Crash safety: `kill -9` the apply process at seeded random points, then run
//! `apply --auto-approve` again until a plan shows `No changes.`. Every trial
//! must end exactly where an uninterrupted run ends (same records, same field
//! values, same links), with no duplicate on either side, and the state files
//! must parse after every kill.
//!
//! Kill points come from a seeded RNG in two flavours:
//! - **after the N-th request**: a `slow` fault holds the response of the N-th
//!   request the emulator receives (the request itself is fully performed), and
//!   the test kills hsqb while it waits — the worst case, a write that landed
//!   but whose outcome hsqb never learns;
//! - **after a random delay** within the length of an uninterrupted apply (every
//!   response slightly slowed to widen the window), which also lands between
//!   requests, in journal and state writes.
//!
//! Scenarios: a first sync (creates both ways, links, collisions), a second
//! sync (updates, conflicts, archives), and invoices (closed-won deals become
//! draft QuickBooks invoices, mirrored into HubSpot with deal properties).
//!
//! Trials: 20 + 16 + 16 by default (52, the figure the crash suite promises);
//! `HSQB_LONG_TESTS=1` runs 60 + 40 + 40.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use hsqb::emulator::FaultRule;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn long() -> bool {
    std::env::var("HSQB_LONG_TESTS").is_ok_and(|v| v == "1")
}

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

/// First sync: creates both ways (several QuickBooks batches, each followed by
/// a link write-back), links by email, display-name collisions, products.
fn seed_first_sync(w: &World) {
    for i in 0..40 {
        let company = if i % 10 == 0 {
            "Shared Co".to_string()
        } else {
            format!("Co {i:02}")
        };
        w.contact(&[
            ("email", &format!("h{i:02}@x.test")),
            ("firstname", &format!("Hs{i:02}")),
            ("lastname", "O'Hara"),
            ("company", &company),
            ("phone", &format!("555-{i:04}")),
        ]);
    }
    for i in 0..35 {
        w.customer(json!({
            "DisplayName": format!("Qbo Customer {i:02}"),
            "GivenName": format!("Q{i:02}"),
            "PrimaryEmailAddr": {"Address": format!("q{i:02}@x.test")},
            "BillAddr": {"City": "Zürich"}
        }));
    }
    // Pairs that already agree: adopted by email.
    for i in 0..8 {
        let email = format!("pair{i}@x.test");
        w.contact(&[("email", &email), ("firstname", &format!("Pair{i}"))]);
        w.customer(json!({
            "DisplayName": format!("Pair {i}"), "GivenName": format!("Pair{i}"),
            "PrimaryEmailAddr": {"Address": email}
        }));
    }
    for i in 0..35 {
        w.product(&[
            ("name", &format!("Product {i:02}")),
            ("hs_sku", &format!("P-{i:02}")),
            ("price", &format!("{i}.25")),
            ("hs_cost_of_goods_sold", "1.5"),
        ]);
    }
    for i in 0..8 {
        w.item(json!({
            "Name": format!("Item {i}"), "Sku": format!("I-{i}"), "Type": "Service",
            "UnitPrice": i + 1, "IncomeAccountRef": {"value": "1"}
        }));
    }
    w.manifest(MANIFEST);
}

/// Id of the live contact with `email`.
fn contact_id(w: &World, email: &str) -> String {
    w.hs_live("contacts")
        .into_iter()
        .find(|r| r.properties.get("email").map(String::as_str) == Some(email))
        .unwrap_or_else(|| panic!("no contact {email}"))
        .id
}

/// Second sync on top of a converged first one: updates each way, conflicts,
/// archives each way, and new records.
fn edit_after_first_sync(w: &World) {
    w.advance(chrono::Duration::minutes(1));
    for i in 0..10 {
        let h = contact_id(w, &format!("h{i:02}@x.test"));
        w.hs_patch("contacts", &h, &[("city", &format!("City {i}"))]);
    }
    for i in 0..10 {
        let h = contact_id(w, &format!("q{i:02}@x.test"));
        let q = w
            .hs_prop("contacts", &h, "hsqb_qbo_customer_id")
            .expect("linked");
        w.qbo_patch("Customer", &q, json!({"FamilyName": format!("Family {i}")}));
    }
    // Conflicts: HubSpot first, QuickBooks later → QuickBooks wins (newest).
    for i in 10..15 {
        let h = contact_id(w, &format!("h{i:02}@x.test"));
        let q = w
            .hs_prop("contacts", &h, "hsqb_qbo_customer_id")
            .expect("linked");
        w.hs_patch("contacts", &h, &[("phone", "from hubspot")]);
        w.advance(chrono::Duration::seconds(1));
        w.qbo_patch(
            "Customer",
            &q,
            json!({"PrimaryPhone": {"FreeFormNumber": "from qbo"}}),
        );
    }
    for i in 20..23 {
        let h = contact_id(w, &format!("h{i:02}@x.test"));
        w.hs_archive("contacts", &h);
    }
    for i in 0..12 {
        w.contact(&[
            ("email", &format!("new{i:02}@x.test")),
            ("firstname", &format!("New{i:02}")),
            ("company", "Shared Co"),
        ]);
        w.customer(json!({
            "DisplayName": format!("New Qbo {i:02}"),
            "PrimaryEmailAddr": {"Address": format!("newq{i:02}@x.test")}
        }));
    }
    let products = w.hs_live("products");
    for p in products.iter().take(10) {
        w.hs_patch("products", &p.id, &[("description", "edited in HubSpot")]);
    }
}

/// Contents with QuickBooks' collision suffixes (` (2)`, ` (3)`) removed from
/// display names: which of several same-named contacts gets which suffix
/// depends on the order creates landed in, which a crash may change. The
/// no-duplicates check runs on the raw names.
/// What a trial's end is compared on: [`Contents`] (names canonical) and
/// the invoice rows.
#[derive(Debug, PartialEq)]
struct End {
    contents: Contents,
    invoices: Vec<BTreeMap<String, String>>,
}

fn end_of(w: &World) -> End {
    End {
        contents: canonical(w),
        invoices: invoice_rows(w),
    }
}

fn canonical(w: &World) -> Contents {
    fn strip(s: &str) -> String {
        match s.rsplit_once(" (") {
            Some((base, n)) if n.trim_end_matches(')').parse::<u32>().is_ok() => base.to_string(),
            _ => s.to_string(),
        }
    }
    let mut c = w.contents();
    for row in c.customers.iter_mut() {
        if let Some(v) = row.get_mut("DisplayName") {
            *v = strip(v);
        }
    }
    for row in c.contacts.iter_mut() {
        if let Some(v) = row.get_mut("hsqb_qbo_customer_id") {
            *v = strip(v);
        }
    }
    c.customers.sort();
    c.contacts.sort();
    c
}

/// The uninterrupted run of a scenario: its end state, the number of requests
/// of the apply that trials interrupt, and how long that apply took.
struct Reference {
    end: End,
    requests: u64,
    duration: Duration,
}

#[derive(Clone, Copy, Debug)]
enum Scenario {
    FirstSync,
    SecondSync,
    Invoices,
}

impl Scenario {
    /// Seed `w` up to the apply that gets interrupted.
    fn prepare(self, w: &World) {
        match self {
            Scenario::FirstSync => seed_first_sync(w),
            Scenario::SecondSync => {
                seed_first_sync(w);
                w.converge(2);
                edit_after_first_sync(w);
            }
            Scenario::Invoices => seed_invoices(w),
        }
    }
}

const INVOICE_MANIFEST: &str = "\
sync:
  contacts:
    direction: hubspot_to_quickbooks
  invoices: {}
  deal_invoices:
    deals: [{field: dealstage, op: eq, value: closedwon}]
    customer: {on_missing: create}
    terms: Net 30
    message: \"Thank you, {{contact.firstname}}!\"
";

/// Closed-won deals, each with a contact at a company and two line items
/// whose SKUs match QuickBooks items: one apply creates the customers, the
/// draft invoices (one QuickBooks batch), links the deals, mirrors the
/// invoices into HubSpot with their associations and sets deal properties.
fn seed_invoices(w: &World) {
    w.item(json!({"Name": "Design hours", "Sku": "SRV-DESIGN", "Type": "Service", "UnitPrice": 110, "IncomeAccountRef": {"value": "1"}}));
    w.item(json!({"Name": "Guide", "Sku": "DOC-GUIDE", "Type": "Service", "UnitPrice": 250, "IncomeAccountRef": {"value": "1"}}));
    for i in 0..12 {
        let stage = if i % 6 == 5 {
            "qualifiedtobuy"
        } else {
            "closedwon"
        };
        w.deal_with_line_items(
            &[
                ("email", &format!("buyer{i:02}@x.test")),
                ("firstname", &format!("Buyer{i:02}")),
                ("lastname", "Souza"),
            ],
            &format!("Studio {i:02}"),
            &[
                ("dealname", &format!("Deal {i:02}")),
                ("dealstage", stage),
                ("pipeline", "default"),
            ],
            &[
                ("Design hours", "SRV-DESIGN", &(i + 1).to_string(), "110"),
                ("Guide", "DOC-GUIDE", "1", "250"),
            ],
        );
    }
    w.manifest(INVOICE_MANIFEST);
}

/// Id-free rows for invoices: QuickBooks invoices (by the deal they came
/// from, their customer's email, amounts and memo), their HubSpot mirrors
/// and the deals' invoice properties, with every link and invoice number
/// resolved to the invoice it names (a crash may change which invoice got
/// which QuickBooks number, never how many or what they say).
fn invoice_rows(w: &World) -> Vec<BTreeMap<String, String>> {
    let invoices = w.qbo_all("Invoice");
    let customers = w.qbo_all("Customer");
    let by_id = |id: &str| invoices.iter().find(|i| i["Id"].as_str() == Some(id));
    let name_of = |inv: &serde_json::Value| {
        format!("→ {}", inv["PrivateNote"].as_str().unwrap_or("(no note)"))
    };
    let mut rows = Vec::new();
    for inv in &invoices {
        let mut row = BTreeMap::new();
        row.insert("kind".into(), "qbo invoice".into());
        for f in [
            "PrivateNote",
            "TotalAmt",
            "Balance",
            "EmailStatus",
            "CustomerMemo.value",
            "SalesTermRef.value",
        ] {
            if let Some(v) = harness::path(inv, f) {
                row.insert(f.to_string(), v);
            }
        }
        let customer = inv["CustomerRef"]["value"]
            .as_str()
            .and_then(|id| customers.iter().find(|c| c["Id"].as_str() == Some(id)));
        row.insert(
            "customer".into(),
            customer
                .and_then(|c| harness::path(c, "PrimaryEmailAddr.Address"))
                .unwrap_or_else(|| "missing customer".into()),
        );
        rows.push(row);
    }
    for (object, number_prop) in [("invoices", "hs_number"), ("deals", "hsqb_invoice_number")] {
        for r in w.hs_live(object) {
            let mut row = BTreeMap::new();
            row.insert("kind".into(), format!("hubspot {object}"));
            let linked = r
                .properties
                .get("hsqb_qbo_invoice_id")
                .filter(|v| !v.is_empty());
            for (k, v) in &r.properties {
                if v.is_empty()
                    || k.starts_with("hs_object")
                    || k.contains("createdate")
                    || k.contains("lastmodifieddate")
                {
                    continue;
                }
                let v = if k == "hsqb_qbo_invoice_id" {
                    by_id(v)
                        .map(name_of)
                        .unwrap_or_else(|| format!("→ missing Id {v}"))
                } else if k == number_prop {
                    // The number must be the linked invoice's DocNumber.
                    let doc = linked
                        .and_then(|id| by_id(id))
                        .and_then(|i| i["DocNumber"].as_str());
                    if doc == Some(v.as_str()) {
                        "= linked DocNumber".into()
                    } else {
                        format!("{v} ≠ linked DocNumber {doc:?}")
                    }
                } else {
                    v.clone()
                };
                row.insert(k.clone(), v);
            }
            rows.push(row);
        }
    }
    rows.sort();
    rows
}

fn reference(s: Scenario) -> Reference {
    let w = World::new();
    s.prepare(&w);
    w.reset_stats();
    let started = Instant::now();
    w.apply().expect_code(0);
    let duration = started.elapsed();
    let requests = w.total_calls();
    let p = w.plan();
    assert_eq!(
        p.code, 0,
        "the uninterrupted run is clean after one apply: {p}"
    );
    w.assert_no_duplicates();
    let end = end_of(&w);
    if let Scenario::Invoices = s {
        // Ten closed-won deals: ten QuickBooks invoices, ten mirrors, ten
        // deals carrying the invoice's properties (two deals are not won).
        let kinds = |k: &str| end.invoices.iter().filter(|r| r["kind"] == k).count();
        assert_eq!(kinds("qbo invoice"), 10, "{:#?}", end.invoices);
        assert_eq!(kinds("hubspot invoices"), 10, "{:#?}", end.invoices);
        let billed = end
            .invoices
            .iter()
            .filter(|r| r["kind"] == "hubspot deals" && r.contains_key("hsqb_invoice_status"))
            .count();
        assert_eq!(billed, 10, "{:#?}", end.invoices);
    }
    Reference {
        end,
        requests,
        duration,
    }
}

fn slow_rule(nth: Vec<u64>, rate: Option<f64>, delay_ms: u64) -> FaultRule {
    FaultRule {
        nth,
        rate,
        delay_ms: Some(delay_ms),
        ..rule(None, "slow", 0.0)
    }
}

/// One trial: interrupt the apply at a point drawn from `rng`, re-run until
/// clean, compare with the reference. Returns a description of the kill point.
fn trial(s: Scenario, r: &Reference, rng: &mut ChaCha8Rng, n: usize) -> String {
    let w = World::new();
    s.prepare(&w);
    w.reset_stats();
    let by_request = rng.random::<bool>();
    let point;
    let mut child;
    if by_request {
        let nth = rng.random_range(1..=r.requests.max(1));
        // Hold the N-th response for "ever" (10 minutes); the kill comes first.
        w.faults(vec![slow_rule(vec![nth], None, 600_000)], n as u64);
        child = w.spawn(&["apply", "--auto-approve"]);
        wait_until("the N-th request or the end of apply", || {
            w.faults_fired() > 0 || child.exited()
        });
        let extra = rng.random_range(0..20u64);
        std::thread::sleep(Duration::from_millis(extra));
        point = format!("after request {nth} (+{extra} ms)");
    } else {
        // Every response 2 ms late: more, and more evenly spread, kill points.
        w.faults(vec![slow_rule(Vec::new(), Some(1.0), 2)], n as u64);
        let window = (r.duration.as_millis() as u64).max(50) * 3 / 2;
        let delay = rng.random_range(0..window);
        child = w.spawn(&["apply", "--auto-approve"]);
        std::thread::sleep(Duration::from_millis(delay));
        point = format!("after {delay} ms");
    }
    child.kill(); // SIGKILL on unix
    // Reaped here: a zombie would still look alive to the stale-lock check.
    let killed = child.finish().code == -1;
    w.clear_faults();
    w.assert_state_parses();
    let lock_left = w.state_sibling(".lock").exists();
    // What a cron job does next: apply again (it takes over the dead run's
    // lock, if one was left), then until a plan shows no changes.
    let rerun = w.apply();
    assert_eq!(
        rerun.code, 0,
        "trial {n} ({point}): the re-run after the crash succeeds\n{rerun}"
    );
    assert_eq!(
        rerun.stderr.contains("took over a stale lock"),
        lock_left,
        "trial {n} ({point}): a lock left by the dead run (and only then) is taken over\n{rerun}"
    );
    w.converge(3);
    w.assert_state_parses();
    w.assert_no_duplicates();
    let end = end_of(&w);
    if end != r.end {
        panic!(
            "trial {n} ({s:?}, killed {point}, killed={killed}): end state differs from the uninterrupted run\n{}",
            diff(&r.end, &end)
        );
    }
    format!(
        "{point}{}{}",
        if killed { "" } else { " (finished first)" },
        if lock_left { ", lock taken over" } else { "" }
    )
}

fn diff(a: &End, b: &End) -> String {
    let side = |name: &str, x: &[BTreeMap<String, String>], y: &[BTreeMap<String, String>]| {
        let mut out = String::new();
        for r in x.iter().filter(|r| !y.contains(r)) {
            out.push_str(&format!("  {name} only in reference: {r:?}\n"));
        }
        for r in y.iter().filter(|r| !x.contains(r)) {
            out.push_str(&format!("  {name} only after the crash: {r:?}\n"));
        }
        if x.len() != y.len() {
            out.push_str(&format!(
                "  {name}s: {} in reference, {} after the crash (duplicates?)\n",
                x.len(),
                y.len()
            ));
        }
        out
    };
    let (x, y) = (&a.contents, &b.contents);
    side("contact", &x.contacts, &y.contacts)
        + &side("customer", &x.customers, &y.customers)
        + &side("product", &x.products, &y.products)
        + &side("item", &x.items, &y.items)
        + &side("invoice row", &a.invoices, &b.invoices)
}

fn run_trials(s: Scenario, seed: u64, trials: usize) {
    let r = reference(s);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut points = Vec::new();
    for n in 0..trials {
        points.push(trial(s, &r, &mut rng, n));
    }
    // Shown with --nocapture: where each trial was cut.
    println!(
        "{s:?}: {trials} trials over {} requests: {points:?}",
        r.requests
    );
    let killed = points
        .iter()
        .filter(|p| !p.contains("finished first"))
        .count();
    assert!(
        killed * 2 >= trials,
        "most trials must really interrupt the apply: {points:?}"
    );
}

#[test]
fn kill_during_a_first_sync_converges_without_duplicates() {
    run_trials(Scenario::FirstSync, 0xC0FFEE, if long() { 60 } else { 20 });
}

#[test]
fn kill_during_a_second_sync_loses_no_update() {
    run_trials(Scenario::SecondSync, 0xBEEF, if long() { 40 } else { 16 });
}

#[test]
fn kill_during_invoice_creation_never_bills_twice() {
    run_trials(Scenario::Invoices, 0xF00D, if long() { 40 } else { 16 });
}

#[test]
fn a_torn_journal_tail_does_not_wedge_later_runs() {
    // A run that died mid-append leaves half a line; the next runs must go on.
    let w = World::new();
    w.contact(&[("email", "t@x.test"), ("firstname", "T")]);
    w.manifest(MANIFEST);
    std::fs::create_dir_all(w.state_path().parent().unwrap()).unwrap();
    std::fs::write(
        w.state_sibling(".journal"),
        b"{\"run\":\"dead\",\"changes\":[\"a\"",
    )
    .unwrap();
    w.converge(1);
    w.assert_state_parses();
    assert_eq!(w.qbo_all("Customer").len(), 1);
}
