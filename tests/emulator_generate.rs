//! The deterministic data generator (`hsqb::emulator::generate`): same spec
//! and seed give the same data, counts are exact, and every planted edge case
//! is really there — checked over HTTP with a raw `reqwest` client, the way a
//! client of the emulated APIs sees it.

use chrono::{DateTime, NaiveDate, Utc};
use hsqb::emulator::generate::{Edge, GenerateReport, GenerateSpec, populate, populate_at};
use hsqb::emulator::{Emulator, EmulatorConfig, Limits, serve_emulator};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;
use tokio::sync::oneshot;

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T17:00:00Z")
        .unwrap()
        .to_utc()
}

fn anchor() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
        .unwrap()
        .to_utc()
}

fn config() -> EmulatorConfig {
    EmulatorConfig {
        limits: Limits::unlimited(),
        start_time: Some(t0()),
        ..EmulatorConfig::default()
    }
}

fn spec(s: &str) -> GenerateSpec {
    s.parse().unwrap()
}

const MIXED: &str = "contacts=300,companies=30,products=60,deals=80,quotes=20,customers=250,vendors=20,employees=10,items=50,invoices=200,multicurrency=true";

/// The generated records of both systems, as data (no clock-stamped
/// defaults of the fresh portal, which depend on when the emulator started).
fn dump(emu: &Emulator) -> Value {
    let hs = serde_json::to_value(&*emu.shared().hubspot.lock().unwrap()).unwrap();
    let qbo = serde_json::to_value(&*emu.shared().quickbooks.lock().unwrap()).unwrap();
    json!({
        "hubspot": {
            "account": hs["account"],
            "next_id": hs["next_id"],
            "objects": hs["objects"],
            "associations": hs["associations"],
        },
        "quickbooks": qbo,
    })
}

fn generated(s: &str, seed: u64) -> (Emulator, GenerateReport) {
    let emu = Emulator::new(config()).unwrap();
    emu.shared().clock.freeze(true);
    let report = populate_at(&emu, &spec(s), seed, anchor()).unwrap();
    (emu, report)
}

#[test]
fn same_spec_and_seed_give_identical_data() {
    let (a, ra) = generated(MIXED, 42);
    let (b, rb) = generated(MIXED, 42);
    assert_eq!(ra, rb);
    let (da, db) = (dump(&a), dump(&b));
    assert!(
        da == db,
        "two runs with the same spec and seed differ in their data"
    );
    let (c, rc) = generated(MIXED, 43);
    assert_ne!(ra.edge_cases, rc.edge_cases);
    assert_ne!(dump(&c), da, "another seed gives other data");
}

#[test]
fn counts_are_exactly_the_spec() {
    let s = spec(MIXED);
    let (emu, r) = generated(MIXED, 7);
    let c = &r.created;
    assert_eq!(
        (c.contacts, c.companies, c.products, c.deals, c.quotes),
        (s.contacts, s.companies, s.products, s.deals, s.quotes)
    );
    assert_eq!(
        (c.customers, c.vendors, c.employees, c.items, c.invoices),
        (s.customers, s.vendors, s.employees, s.items, s.invoices)
    );
    let hs = emu.shared().hubspot.lock().unwrap();
    for (object, n) in [
        ("contacts", s.contacts),
        ("companies", s.companies),
        ("products", s.products),
        ("deals", s.deals),
        ("quotes", s.quotes),
        ("line_items", c.line_items),
    ] {
        assert_eq!(hs.count(object), n, "{object}");
    }
    drop(hs);
    let qbo = emu.shared().quickbooks.lock().unwrap();
    let realm = r.realm.as_str();
    // A fresh company already has one vendor, one employee and one item.
    for (entity, n) in [
        ("Customer", s.customers),
        ("Vendor", s.vendors + 1),
        ("Employee", s.employees + 1),
        ("Item", s.items + 1),
        ("Invoice", s.invoices),
        ("Payment", c.payments),
    ] {
        assert_eq!(qbo.count(realm, entity), n, "{entity}");
    }
    assert!(c.payments >= r.count(Edge::InvoicePartiallyPaid) + r.count(Edge::InvoicePaid));
    assert_eq!(r.deals_by_stage.values().sum::<usize>(), s.deals);
    assert_eq!(r.deals_by_stage.len(), 7, "every deal stage is used");
    // The overlaps: 50% of 250 customers match a contact, 50% of 50 items a product.
    assert_eq!(r.count(Edge::CustomerMatchesContact), 125);
    assert_eq!(
        r.count(Edge::ItemMatchesProductBySku) + r.count(Edge::ItemMatchesProductByName),
        25
    );
}

#[test]
fn overlaps_are_configurable() {
    let (_, r) = generated(
        "contacts=50,customers=40,email_overlap=100,products=20,items=10,sku_overlap=0",
        2,
    );
    // Every customer matches a contact (40 of the ~47 contacts with an e-mail).
    assert_eq!(r.count(Edge::CustomerMatchesContact), 40);
    assert_eq!(r.count(Edge::ItemMatchesProductBySku), 0);
    assert_eq!(r.count(Edge::ItemMatchesProductByName), 0);
    let (_, r) = generated(
        "contacts=50,customers=40,email_overlap=0,products=20,items=10,sku_overlap=100",
        2,
    );
    assert_eq!(r.count(Edge::CustomerMatchesContact), 0);
    assert_eq!(
        r.count(Edge::ItemMatchesProductBySku) + r.count(Edge::ItemMatchesProductByName),
        10
    );
}

#[test]
fn an_empty_kind_creates_nothing_and_small_sets_still_get_every_edge_case() {
    let (emu, r) = generated("contacts=20,customers=20,invoices=7,items=3", 1);
    assert_eq!(r.created.products, 0);
    assert_eq!(r.created.deals, 0);
    assert_eq!(emu.shared().hubspot.lock().unwrap().count("deals"), 0);
    for e in [
        Edge::ApostropheName,
        Edge::UnicodeName,
        Edge::DuplicateName,
        Edge::MissingEmail,
        Edge::CustomerMatchesContact,
        Edge::InactiveCustomer,
        Edge::InactiveItem,
        Edge::InvoiceOpen,
        Edge::InvoiceSent,
        Edge::InvoiceOverdue,
        Edge::InvoicePartiallyPaid,
        Edge::InvoicePaid,
        Edge::InvoiceVoided,
    ] {
        assert!(r.count(e) >= 1, "{e} missing from a small data set");
    }
    // Without multicurrency nothing is in a foreign currency.
    assert_eq!(r.count(Edge::ForeignCurrency), 0);
    assert_eq!(r.count(Edge::InvoiceForeignCurrency), 0);
}

#[test]
fn an_unknown_realm_is_refused() {
    let emu = Emulator::new(config()).unwrap();
    let err = populate(&emu, &spec("contacts=1,realm=1234"), 0).unwrap_err();
    assert!(
        err.to_string().contains("realm 1234 is not configured"),
        "{err}"
    );
}

#[test]
fn generation_on_top_of_the_sandbox_fixtures_avoids_their_names() {
    let emu = Emulator::new(EmulatorConfig {
        seed_dir: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/sandbox").into()),
        ..config()
    })
    .unwrap();
    let before = emu.shared().hubspot.lock().unwrap().count("contacts");
    assert!(before > 0, "the sandbox fixtures loaded");
    let r = populate_at(&emu, &spec(MIXED), 3, anchor()).unwrap();
    assert_eq!(
        emu.shared().hubspot.lock().unwrap().count("contacts"),
        before + r.created.contacts
    );
}

#[test]
fn a_second_run_on_the_same_data_works_around_every_taken_name() {
    // The same seed again: every customer, vendor, employee and item name and
    // every e-mail is already taken, so each write first collides (QuickBooks
    // 6240, HubSpot 409) and is retried under a free name.
    let (emu, first) = generated(MIXED, 21);
    let second = populate_at(&emu, &spec(MIXED), 21, anchor()).unwrap();
    assert_eq!(second.created, first.created);
    // Names of the first run's deactivated customers are free again.
    let top_level = spec(MIXED).customers
        - second.count(Edge::SubCustomer)
        - first.count(Edge::InactiveCustomer);
    assert!(
        second.count(Edge::DisambiguatedDisplayName) >= top_level,
        "{} of {top_level}",
        second.count(Edge::DisambiguatedDisplayName)
    );
    let hs = emu.shared().hubspot.lock().unwrap();
    assert_eq!(hs.count("contacts"), 2 * first.created.contacts);
}

/// Not ignored: about 8 s of CPU in a debug build. The assertions are on the
/// result, never on the time.
#[test]
fn a_hundred_thousand_contacts_generate() {
    let (emu, r) = generated("contacts=100000", 5);
    assert_eq!(r.created.contacts, 100_000);
    assert_eq!(
        emu.shared().hubspot.lock().unwrap().count("contacts"),
        100_000
    );
    assert!(r.count(Edge::MissingEmail) > 4_000);
}

// ---------------------------------------------------------------- over HTTP

/// A served emulator and a raw HTTP client.
struct Served {
    base: String,
    realm: String,
    client: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

impl Served {
    async fn start(emu: Emulator) -> Served {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let realm = emu.shared().config.realms[0].clone();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = serve_emulator(listener, emu, async {
                let _ = rx.await;
            })
            .await;
        });
        Served {
            base,
            realm,
            client: reqwest::Client::new(),
            _stop: tx,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder, token: &str) -> Value {
        let r = req
            .bearer_auth(token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.is_success(), "{status}: {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// GET a QuickBooks entity.
    async fn qbo(&self, entity: &str, id: &str) -> Value {
        let url = format!(
            "{}/v3/company/{}/{}/{id}",
            self.base,
            self.realm,
            entity.to_lowercase()
        );
        let v = self
            .send(
                self.client.get(url),
                hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN,
            )
            .await;
        v[entity].clone()
    }

    /// Run a QuickBooks query; the rows of `entity`.
    async fn qbo_query(&self, entity: &str, statement: &str) -> Vec<Value> {
        let url = format!("{}/v3/company/{}/query", self.base, self.realm);
        let v = self
            .send(
                self.client.get(url).query(&[("query", statement)]),
                hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN,
            )
            .await;
        v["QueryResponse"][entity]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// GET a HubSpot record with `properties`.
    async fn hs(&self, object: &str, id: &str, properties: &str) -> Value {
        let url = format!("{}/crm/v3/objects/{object}/{id}", self.base);
        self.send(
            self.client.get(url).query(&[("properties", properties)]),
            hsqb::emulator::DEFAULT_HUBSPOT_TOKEN,
        )
        .await
    }

    /// HubSpot search with one EQ filter per (property, value); the results.
    async fn hs_search(&self, object: &str, filters: &[(&str, &str)]) -> Vec<Value> {
        let url = format!("{}/crm/v3/objects/{object}/search", self.base);
        let filters: Vec<Value> = filters
            .iter()
            .map(|(p, v)| json!({"propertyName": p, "operator": "EQ", "value": v}))
            .collect();
        let body = json!({"filterGroups": [{"filters": filters}], "limit": 100,
            "properties": ["hs_sku", "name", "firstname", "lastname", "email"]});
        let v = self
            .send(
                self.client.post(url).json(&body),
                hsqb::emulator::DEFAULT_HUBSPOT_TOKEN,
            )
            .await;
        v["results"].as_array().cloned().unwrap_or_default()
    }

    /// Ids of the records of `to` associated with a HubSpot record.
    async fn hs_assoc(&self, object: &str, id: &str, to: &str) -> Vec<Value> {
        let url = format!(
            "{}/crm/v4/objects/{object}/{id}/associations/{to}",
            self.base
        );
        let v = self
            .send(self.client.get(url), hsqb::emulator::DEFAULT_HUBSPOT_TOKEN)
            .await;
        v["results"].as_array().cloned().unwrap_or_default()
    }
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(v.to_string().trim_matches('"')).unwrap()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// At most three records of each edge case, as (object, id).
fn some(r: &GenerateReport, e: Edge) -> Vec<(&'static str, String)> {
    let v: Vec<_> = r
        .records(e)
        .iter()
        .take(3)
        .map(|x| (x.object, x.id.clone()))
        .collect();
    assert!(!v.is_empty(), "no record carries {e}");
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_edge_case_is_visible_over_the_apis() {
    let emu = Emulator::new(config()).unwrap();
    emu.shared().clock.freeze(true);
    let r = populate(&emu, &spec(MIXED), 11).unwrap();
    let today: NaiveDate = emu.shared().clock.now().date_naive();
    let api = Served::start(emu).await;

    // QuickBooks invoices.
    for (_, id) in some(&r, Edge::InvoicePartiallyPaid) {
        let inv = api.qbo("Invoice", &id).await;
        let (bal, total) = (dec(&inv["Balance"]), dec(&inv["TotalAmt"]));
        assert!(Decimal::ZERO < bal && bal < total, "{inv}");
        assert!(inv["LinkedTxn"].to_string().contains("Payment"), "{inv}");
    }
    for (_, id) in some(&r, Edge::InvoicePaid) {
        let inv = api.qbo("Invoice", &id).await;
        assert_eq!(dec(&inv["Balance"]), Decimal::ZERO, "{inv}");
        assert!(dec(&inv["TotalAmt"]) > Decimal::ZERO, "{inv}");
    }
    for (_, id) in some(&r, Edge::InvoiceOverdue) {
        let inv = api.qbo("Invoice", &id).await;
        let due = NaiveDate::from_str(s(&inv["DueDate"])).unwrap();
        assert!(due < today, "{inv}");
        assert!(dec(&inv["Balance"]) > Decimal::ZERO, "{inv}");
    }
    for (_, id) in some(&r, Edge::InvoiceOpen) {
        let inv = api.qbo("Invoice", &id).await;
        let due = NaiveDate::from_str(s(&inv["DueDate"])).unwrap();
        assert!(due > today, "{inv}");
        assert_eq!(dec(&inv["Balance"]), dec(&inv["TotalAmt"]), "{inv}");
        assert_eq!(inv["EmailStatus"], "NotSet", "{inv}");
    }
    for (_, id) in some(&r, Edge::InvoiceSent) {
        let inv = api.qbo("Invoice", &id).await;
        assert_eq!(inv["EmailStatus"], "EmailSent", "{inv}");
    }
    for (_, id) in some(&r, Edge::InvoiceVoided) {
        let inv = api.qbo("Invoice", &id).await;
        assert_eq!(dec(&inv["TotalAmt"]), Decimal::ZERO, "{inv}");
        assert_eq!(inv["PrivateNote"], "Voided", "{inv}");
    }
    for (_, id) in some(&r, Edge::InvoiceForeignCurrency) {
        let inv = api.qbo("Invoice", &id).await;
        assert_ne!(inv["CurrencyRef"]["value"], "USD", "{inv}");
        assert!(inv["ExchangeRate"].is_number(), "{inv}");
    }
    for (object, id) in some(&r, Edge::LongText) {
        if object == "Invoice" {
            let inv = api.qbo("Invoice", &id).await;
            assert_eq!(s(&inv["PrivateNote"]).chars().count(), 4000);
        }
    }

    // QuickBooks lists.
    for (_, id) in some(&r, Edge::InactiveCustomer) {
        let c = api.qbo("Customer", &id).await;
        assert_eq!(c["Active"], false, "{c}");
        assert!(s(&c["DisplayName"]).ends_with(" (deleted)"), "{c}");
    }
    for (_, id) in some(&r, Edge::InactiveItem) {
        let i = api.qbo("Item", &id).await;
        assert_eq!(i["Active"], false, "{i}");
        assert!(s(&i["Name"]).ends_with(" (deleted)"), "{i}");
    }
    for (_, id) in some(&r, Edge::SubCustomer) {
        let c = api.qbo("Customer", &id).await;
        assert_eq!(c["Job"], true, "{c}");
        assert!(s(&c["FullyQualifiedName"]).contains(':'), "{c}");
    }
    for (object, id) in some(&r, Edge::ForeignCurrency) {
        if object == "Customer" {
            let c = api.qbo("Customer", &id).await;
            assert_ne!(c["CurrencyRef"]["value"], "USD", "{c}");
        } else {
            let d = api.hs("deals", &id, "deal_currency_code").await;
            assert_ne!(d["properties"]["deal_currency_code"], "USD", "{d}");
        }
    }

    // The overlap: matching customers find their contact by e-mail.
    for (_, id) in some(&r, Edge::CustomerMatchesContact) {
        let c = api.qbo("Customer", &id).await;
        let email = s(&c["PrimaryEmailAddr"]["Address"]).to_lowercase();
        let hits = api.hs_search("contacts", &[("email", &email)]).await;
        assert_eq!(hits.len(), 1, "{email}");
    }
    for (_, id) in some(&r, Edge::EmailCaseMismatch) {
        let c = api.qbo("Customer", &id).await;
        let email = s(&c["PrimaryEmailAddr"]["Address"]);
        assert_ne!(email, email.to_lowercase());
    }
    for (_, id) in some(&r, Edge::ItemMatchesProductBySku) {
        let i = api.qbo("Item", &id).await;
        let hits = api.hs_search("products", &[("hs_sku", s(&i["Sku"]))]).await;
        assert_eq!(hits.len(), 1, "{i}");
    }
    for (_, id) in some(&r, Edge::ItemMatchesProductByName) {
        let i = api.qbo("Item", &id).await;
        let name = s(&i["Name"]).trim_end_matches(" (deleted)");
        let hits = api.hs_search("products", &[("name", name)]).await;
        assert!(!hits.is_empty(), "{i}");
        assert!(
            hits.iter().any(|p| p["properties"]["hs_sku"].is_null()),
            "{hits:?}"
        );
    }
    for (entity, id) in some(&r, Edge::DisplayNameTakenByOtherType) {
        let v = api.qbo(entity, &id).await;
        let name = s(&v["DisplayName"]).replace('\'', "\\'");
        let customers = api
            .qbo_query(
                "Customer",
                &format!("SELECT * FROM Customer WHERE DisplayName = '{name}'"),
            )
            .await;
        assert!(customers.is_empty(), "{v}");
        let contacts = api
            .hs_search(
                "contacts",
                &[
                    ("firstname", s(&v["GivenName"])),
                    ("lastname", s(&v["FamilyName"])),
                ],
            )
            .await;
        assert!(!contacts.is_empty(), "{v}");
    }

    // HubSpot names.
    for (object, id) in some(&r, Edge::ApostropheName) {
        if object == "contacts" {
            let c = api.hs("contacts", &id, "lastname").await;
            assert!(s(&c["properties"]["lastname"]).contains('\''), "{c}");
        }
    }
    for (object, id) in some(&r, Edge::UnicodeName) {
        if object == "contacts" {
            let c = api.hs("contacts", &id, "firstname,lastname").await;
            let full = format!(
                "{}{}",
                c["properties"]["firstname"], c["properties"]["lastname"]
            );
            assert!(!full.is_ascii(), "{c}");
        }
    }
    for (object, id) in some(&r, Edge::DuplicateName) {
        if object == "contacts" {
            let c = api.hs("contacts", &id, "firstname,lastname").await;
            let (f, l) = (
                s(&c["properties"]["firstname"]),
                s(&c["properties"]["lastname"]),
            );
            let hits = api
                .hs_search("contacts", &[("firstname", f), ("lastname", l)])
                .await;
            assert!(hits.len() >= 2, "{c}");
        }
    }
    for (object, id) in some(&r, Edge::MissingEmail) {
        if object == "contacts" {
            let c = api.hs("contacts", &id, "email").await;
            assert!(c["properties"]["email"].is_null(), "{c}");
        } else {
            let c = api.qbo("Customer", &id).await;
            assert!(c.get("PrimaryEmailAddr").is_none(), "{c}");
        }
    }

    // HubSpot deals, line items, quotes.
    for (_, id) in some(&r, Edge::DealWithoutContact) {
        assert!(api.hs_assoc("deals", &id, "contacts").await.is_empty());
    }
    for (_, id) in some(&r, Edge::DealWithoutLineItems) {
        assert!(api.hs_assoc("deals", &id, "line_items").await.is_empty());
    }
    for (_, id) in some(&r, Edge::LineItemWithoutProduct) {
        let l = api.hs("line_items", &id, "hs_product_id,price").await;
        assert!(l["properties"]["hs_product_id"].is_null(), "{l}");
        assert!(!l["properties"]["price"].is_null(), "{l}");
    }
    for (_, id) in some(&r, Edge::QuoteExpired) {
        let q = api.hs("quotes", &id, "hs_expiration_date,hs_status").await;
        let exp = NaiveDate::from_str(s(&q["properties"]["hs_expiration_date"])).unwrap();
        assert!(exp < today, "{q}");
        assert!(!api.hs_assoc("quotes", &id, "deals").await.is_empty());
    }
    for (_, id) in some(&r, Edge::QuotePublished) {
        let q = api.hs("quotes", &id, "hs_expiration_date,hs_status").await;
        assert!(
            matches!(
                s(&q["properties"]["hs_status"]),
                "APPROVED" | "APPROVAL_NOT_NEEDED"
            ),
            "{q}"
        );
        let exp = NaiveDate::from_str(s(&q["properties"]["hs_expiration_date"])).unwrap();
        assert!(exp > today, "{q}");
    }
    // Deals with line items are associated with them.
    let deal = r
        .records(Edge::LineItemWithoutProduct)
        .first()
        .map(|l| l.id.clone())
        .unwrap();
    assert_eq!(api.hs_assoc("line_items", &deal, "deals").await.len(), 1);
}
