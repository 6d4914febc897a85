//! Invoices end to end on the emulator: a closed-won deal becomes exactly one
//! draft QBO invoice, mirrored into HubSpot with its associations and the
//! deal's invoice properties; payments and due dates move the status; custom
//! transaction numbers; re-runs create nothing; a killed apply never creates a
//! second invoice.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use hsqb::emulator::FaultRule;
use serde_json::{Value, json};

const INVOICES: &str = "\
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

/// A contact at a company with a closed-won deal of two line items whose
/// SKUs match two QBO items.
fn seed(w: &World) -> Deal {
    w.item(json!({"Name": "Design hours", "Sku": "SRV-DESIGN", "Type": "Service", "UnitPrice": 110, "IncomeAccountRef": {"value": "1"}}));
    w.item(json!({"Name": "Guide", "Sku": "DOC-GUIDE", "Type": "Service", "UnitPrice": 250, "IncomeAccountRef": {"value": "1"}}));
    w.deal_with_line_items(
        &[
            ("email", "ana@souza.test"),
            ("firstname", "Ana"),
            ("lastname", "Souza"),
        ],
        "Souza Design",
        &[
            ("dealname", "Brand refresh"),
            ("dealstage", "closedwon"),
            ("pipeline", "default"),
        ],
        &[
            ("Design hours", "SRV-DESIGN", "20", "110"),
            ("Guide", "DOC-GUIDE", "1", "250"),
        ],
    )
}

fn hs_invoices(w: &World) -> Vec<hsqb::emulator::hubspot::RecordView> {
    w.hs_live("invoices")
}

fn associated(w: &World, from: &str, id: &str, to: &str) -> Vec<String> {
    let st = w.emu.shared().hubspot.lock().unwrap();
    st.associated_ids(from, id, to)
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

fn marked(w: &World) -> Vec<Value> {
    w.qbo_all("Invoice")
        .into_iter()
        .filter(|i| {
            i["PrivateNote"]
                .as_str()
                .is_some_and(|n| n.contains("hsqb:deal:"))
        })
        .collect()
}

#[test]
fn a_closed_won_deal_becomes_one_draft_invoice_mirrored_into_hubspot() {
    let w = World::new();
    let d = seed(&w);
    w.manifest(INVOICES);
    let applies = w.converge(3);
    assert!(!applies.is_empty());
    for a in &applies {
        a.expect_code(0);
    }

    // QuickBooks: one draft invoice for the deal, billed to the new customer.
    let invoices = marked(&w);
    assert_eq!(invoices.len(), 1, "{invoices:?}");
    let inv = &invoices[0];
    assert_eq!(inv["TotalAmt"].to_string(), "2450.00");
    assert_eq!(
        inv["EmailStatus"], "NotSet",
        "created as a draft, not emailed"
    );
    assert_eq!(inv["CustomerMemo"]["value"], "Thank you, Ana!");
    let customer = w.qbo_get("Customer", inv["CustomerRef"]["value"].as_str().unwrap());
    assert_eq!(customer["PrimaryEmailAddr"]["Address"], "ana@souza.test");
    let inv_id = inv["Id"].as_str().unwrap().to_string();

    // HubSpot: the deal is linked; the invoice object mirrors it with its
    // associations; the deal carries the invoice properties.
    assert_eq!(
        w.hs_prop("deals", &d.deal, "hsqb_qbo_invoice_id")
            .as_deref(),
        Some(inv_id.as_str())
    );
    assert_eq!(
        w.hs_prop("contacts", &d.contact, "hsqb_qbo_customer_id")
            .as_deref(),
        customer["Id"].as_str()
    );
    let mirrors = hs_invoices(&w);
    assert_eq!(mirrors.len(), 1);
    let hs_inv = &mirrors[0];
    let prop = |k: &str| hs_inv.properties.get(k).cloned();
    assert_eq!(
        prop("hsqb_qbo_invoice_id").as_deref(),
        Some(inv_id.as_str())
    );
    assert_eq!(prop("hs_number").as_deref(), inv["DocNumber"].as_str());
    assert_eq!(
        prop("hsqb_invoice_status").as_deref(),
        Some("Ready to send")
    );
    assert_eq!(
        associated(&w, "invoices", &hs_inv.id, "contacts"),
        vec![d.contact.clone()]
    );
    assert_eq!(
        associated(&w, "invoices", &hs_inv.id, "companies"),
        vec![d.company.clone()]
    );
    assert_eq!(
        associated(&w, "invoices", &hs_inv.id, "deals"),
        vec![d.deal.clone()]
    );
    assert_eq!(
        w.hs_prop("deals", &d.deal, "hsqb_invoice_number")
            .as_deref(),
        inv["DocNumber"].as_str()
    );
    assert_eq!(
        w.hs_prop("deals", &d.deal, "hsqb_invoice_status")
            .as_deref(),
        Some("Ready to send")
    );

    // Re-running writes nothing.
    w.reset_stats();
    w.apply().expect_code(0);
    assert!(w.writes().is_empty(), "a re-run wrote: {:?}", w.writes());
    assert_eq!(marked(&w).len(), 1);
}

#[test]
fn payments_and_due_dates_move_the_status_on_the_invoice_and_the_deal() {
    let w = World::new();
    let d = seed(&w);
    w.manifest(INVOICES);
    w.converge(3);
    let inv = marked(&w).remove(0);
    let inv_id = inv["Id"].as_str().unwrap().to_string();
    // A partial payment in QuickBooks.
    w.qbo_insert(
        "Payment",
        json!({"CustomerRef": inv["CustomerRef"].clone(), "TotalAmt": 1000.00,
               "Line": [{"Amount": 1000.00, "LinkedTxn": [{"TxnId": inv_id, "TxnType": "Invoice"}]}]}),
    );
    w.converge(2);
    assert_eq!(
        w.hs_prop("deals", &d.deal, "hsqb_invoice_status")
            .as_deref(),
        Some("Partially paid")
    );
    assert_eq!(
        w.hs_prop("deals", &d.deal, "hsqb_invoice_amount_due")
            .as_deref(),
        Some("1450.00")
    );
    // Past the due date with money owed: overdue (the planner's clock is `--now`).
    let due = w.qbo_get("Invoice", &inv_id)["DueDate"]
        .as_str()
        .unwrap()
        .to_string();
    let later =
        chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").unwrap() + chrono::Duration::days(1);
    let now = format!("{later}T12:00:00Z");
    let p = w.hsqb(&["plan", "--now", &now]);
    p.expect_code(0);
    assert!(p.stdout.contains("\"Partially paid\" → \"Overdue\""), "{p}");
    w.hsqb(&["apply", "--auto-approve", "--now", &now])
        .expect_code(0);
    assert_eq!(
        w.hs_prop("deals", &d.deal, "hsqb_invoice_status")
            .as_deref(),
        Some("Overdue")
    );
    let mirror = &hs_invoices(&w)[0];
    assert_eq!(
        mirror
            .properties
            .get("hsqb_invoice_status")
            .map(String::as_str),
        Some("Overdue")
    );
}

#[test]
fn custom_transaction_numbers_are_refused_or_supplied_by_a_template() {
    let w = World::new();
    let d = seed(&w);
    {
        let now = w.now();
        let mut st = w.emu.shared().quickbooks.lock().unwrap();
        st.set_preferences(
            REALM,
            json!({"SalesFormsPrefs": {"CustomTxnNumbers": true}}),
            now,
        )
        .unwrap();
    }
    w.manifest(INVOICES);
    let p = w.plan();
    p.expect_code(1);
    assert!(p.stdout.contains("custom transaction numbers"), "{p}");
    assert!(marked(&w).is_empty());
    w.manifest(&format!(
        "{INVOICES}    doc_number: \"HS-{{{{deal.id}}}}\"\n"
    ));
    w.converge(3);
    let inv = marked(&w).remove(0);
    assert_eq!(
        inv["DocNumber"].as_str(),
        Some(format!("HS-{}", d.deal).as_str())
    );
}

#[test]
fn a_killed_apply_never_creates_a_second_invoice() {
    // Hold the response of the invoice create batch (it is performed), kill
    // hsqb while it waits, then converge: still one invoice, now linked.
    for nth in [1u64, 2] {
        let w = World::new();
        let d = seed(&w);
        w.manifest(INVOICES);
        w.faults(
            vec![FaultRule {
                api: Some("quickbooks".into()),
                endpoint: Some("batch".into()),
                kind: hsqb::emulator::faults::FaultKind::Slow,
                rate: None,
                nth: vec![nth],
                max: Some(1),
                delay_ms: Some(60_000),
                seen: 0,
                fired: 0,
            }],
            1,
        );
        let mut child = w.spawn(&["apply", "--auto-approve"]);
        wait_until("the held batch", || w.faults_fired() >= 1 || child.exited());
        std::thread::sleep(std::time::Duration::from_millis(200));
        child.kill();
        let _ = child.finish();
        w.clear_faults();
        w.converge(4);
        let invoices = marked(&w);
        assert_eq!(invoices.len(), 1, "nth {nth}: {invoices:?}");
        assert_eq!(hs_invoices(&w).len(), 1, "nth {nth}");
        assert_eq!(
            w.hs_prop("deals", &d.deal, "hsqb_qbo_invoice_id")
                .as_deref(),
            invoices[0]["Id"].as_str(),
            "nth {nth}"
        );
        w.assert_no_duplicates();
    }
}

/// Every invoice option at once (the invoice half of `examples/full.yaml`,
/// on one company): QuickBooks-created invoices included by a rule and by
/// attach entries, void handling, associations, deal properties under custom
/// names, a mapped field, a custom property; draft invoices from published
/// quotes with every deal-invoice setting.
const EVERY_OPTION: &str = "\
sync:
  contacts:
    direction: two_way
    conflict: newest_wins
  products:
    direction: quickbooks_to_hubspot
  invoices:
    on_create: create
    on_update: update
    on_delete: ignore
    on_void: update
    rules:
      - customer_linked: true
        txn_date_from: \"2020-01-01\"
    associations: {contact: true, company: true, deal: true}
    deal_properties:
      enabled: true
      amount_due: qbo_amount_due
      recipient: qbo_recipient
      number: qbo_number
      status: qbo_status
      due_date: qbo_due_date
    mappings:
      fields:
        - {hubspot: hs_title, quickbooks: PrivateNote}
  deal_invoices:
    deals:
      - {field: dealstage, op: eq, value: closedwon}
      - {field: amount, op: gt, value: 0}
    source: quote
    customer:
      match: [email]
      on_missing: create
    item_match: [sku, name]
    terms: Net 30
    invoice_date: close_date
    due_date: {days_after_invoice: 45}
    message: \"Thank you, {{contact.firstname}}, for {{quote.hs_title}} ({{deal.dealname}}).\"
    doc_number: \"HS-{{deal.id}}\"
properties:
  - object: contacts
    name: sales_region
    label: Sales region
    type: enumeration
    options: [emea, amer, apac]
safety: {max_deletes: 1000, max_delete_percent: 100}
";

#[test]
fn every_invoice_option_on_a_generated_dataset_applies_and_then_plans_no_changes() {
    use hsqb::emulator::generate::{GenerateSpec, populate};
    let w = World::new();
    let spec: GenerateSpec =
        "contacts=120,companies=20,products=30,deals=60,quotes=30,customers=100,items=30,invoices=80"
            .parse()
            .unwrap();
    populate(&w.emu, &spec, 11).unwrap();
    // Two QuickBooks-created invoices attached explicitly: one to a deal, one
    // to a contact (by email) and a company.
    let qbo_made: Vec<Value> = w.qbo_all("Invoice");
    let deal = w.hs_live("deals").remove(0).id;
    let contact = w.hs_live("contacts").remove(0);
    let email = contact.properties["email"].clone();
    let company = w.hs_live("companies").remove(0).id;
    let attach = format!(
        "attach:\n  - invoice: \"{}\"\n    deal: \"{deal}\"\n  - invoice: \"{}\"\n    contact: {email}\n    company: \"{company}\"\n",
        qbo_made[0]["DocNumber"].as_str().unwrap(),
        qbo_made[1]["DocNumber"].as_str().unwrap(),
    );
    w.manifest(&format!("{EVERY_OPTION}{attach}"));

    let applies = w.converge(4);
    assert!(!applies.is_empty());
    for a in &applies {
        a.expect_code(0);
    }
    w.assert_no_duplicates();

    // Drafts from quotes: one per qualifying deal, numbered by the template.
    let drafts = marked(&w);
    assert!(
        !drafts.is_empty(),
        "some closed-won deals have published quotes"
    );
    let mut numbers: Vec<&str> = drafts
        .iter()
        .map(|i| i["DocNumber"].as_str().unwrap())
        .collect();
    assert!(numbers.iter().all(|n| n.starts_with("HS-")), "{numbers:?}");
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), drafts.len(), "one invoice per deal");
    for d in &drafts {
        let deal_id = d["DocNumber"].as_str().unwrap().trim_start_matches("HS-");
        assert_eq!(
            w.hs_prop("deals", deal_id, "hsqb_qbo_invoice_id")
                .as_deref(),
            d["Id"].as_str(),
            "the deal links its invoice"
        );
    }

    // Mirrors: every draft, both attached invoices and the rule's invoices
    // of linked customers, each once, with its status and mapped field.
    let mirrors = hs_invoices(&w);
    let mirrored: std::collections::BTreeSet<String> = mirrors
        .iter()
        .map(|m| m.properties["hsqb_qbo_invoice_id"].clone())
        .collect();
    assert_eq!(mirrored.len(), mirrors.len(), "no invoice mirrored twice");
    for inv in drafts.iter().chain(&qbo_made[..2]) {
        assert!(mirrored.contains(inv["Id"].as_str().unwrap()), "{inv}");
    }
    assert!(
        mirrors.len() > drafts.len() + 2,
        "the rule included linked customers' invoices"
    );
    for m in &mirrors {
        assert!(
            m.properties
                .get("hsqb_invoice_status")
                .is_some_and(|s| !s.is_empty()),
            "{m:?}"
        );
    }
    let attached = mirrors
        .iter()
        .find(|m| m.properties["hsqb_qbo_invoice_id"] == qbo_made[1]["Id"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        associated(&w, "invoices", &attached.id, "contacts"),
        vec![contact.id.clone()]
    );
    assert_eq!(
        associated(&w, "invoices", &attached.id, "companies"),
        vec![company.clone()]
    );
    assert_eq!(
        attached.properties.get("hs_title").map(String::as_str),
        qbo_made[1]["PrivateNote"]
            .as_str()
            .filter(|s| !s.is_empty()),
        "the mapped field"
    );

    // Deal properties under their custom names; the custom property exists.
    assert!(
        w.hs_prop("deals", &deal, "qbo_number").is_some(),
        "the attached invoice's deal carries its number"
    );
    let st = w.emu.shared().hubspot.lock().unwrap();
    assert!(st.has_property("contacts", "sales_region"));
    assert!(st.has_property("deals", "qbo_status"));
}
