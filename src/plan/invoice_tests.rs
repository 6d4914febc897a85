//! Planner tests for the invoice blocks: deals → QBO invoices and QBO invoices
//! → HubSpot (status, associations, deal properties).

use super::input::*;
use super::model::*;
use super::testkit::*;
use crate::manifest::Manifest;
use crate::model::{Association, System, Value};
use serde_json::json;
use std::collections::BTreeMap;

fn manifest(yaml: &str) -> Manifest {
    serde_saphyr::from_str(yaml).expect("test manifest parses")
}

fn run(m: &Manifest, hs: &HubSpotSnapshot, q: QboSnapshot) -> Plan {
    let mut qbs = BTreeMap::new();
    qbs.insert(crate::manifest::SANDBOX_COMPANY.to_string(), q);
    let opts = options();
    super::plan(PlanInput {
        manifest: m,
        hubspot: hs,
        quickbooks: &qbs,
        state: &StateView::default(),
        options: &opts,
    })
}

fn change<'a>(p: &'a Plan, id: &str) -> &'a Change {
    p.changes.iter().find(|c| c.id == id).unwrap_or_else(|| {
        panic!(
            "no change {id}; have {:?}",
            p.changes.iter().map(|c| &c.id).collect::<Vec<_>>()
        )
    })
}

fn diag<'a>(p: &'a Plan, code: &str) -> &'a Diagnostic {
    p.diagnostics
        .iter()
        .find(|d| d.code == code)
        .unwrap_or_else(|| {
            panic!(
                "no diagnostic {code}; have {:?}",
                p.diagnostics.iter().map(|d| &d.code).collect::<Vec<_>>()
            )
        })
}

fn assoc(
    map: &mut BTreeMap<(String, String), Vec<Association>>,
    from: &str,
    fid: &str,
    to: &str,
    tid: &str,
    type_id: u32,
) {
    map.entry((from.into(), to.into()))
        .or_default()
        .push(Association {
            from_id: fid.into(),
            to_id: tid.into(),
            type_id,
        });
}

/// A deal (closed won) with a contact, a company and two line items.
fn deal_world(extra_contact: &[(&str, &str)]) -> HubSpotSnapshot {
    let mut contact = vec![
        ("email", "ana@souza.test"),
        ("firstname", "Ana"),
        ("lastname", "Souza"),
    ];
    contact.extend_from_slice(extra_contact);
    let mut hs = hubspot(
        vec![
            ("contacts", vec![hs("101", 0, &contact)]),
            ("companies", vec![hs("201", 0, &[("name", "Souza Design")])]),
            (
                "deals",
                vec![
                    hs(
                        "301",
                        0,
                        &[
                            ("dealname", "Brand refresh"),
                            ("dealstage", "closedwon"),
                            ("closedate", "2026-05-20T00:00:00Z"),
                        ],
                    ),
                    hs(
                        "302",
                        0,
                        &[
                            ("dealname", "Open deal"),
                            ("dealstage", "appointmentscheduled"),
                        ],
                    ),
                ],
            ),
            (
                "line_items",
                vec![
                    hs(
                        "401",
                        0,
                        &[
                            ("name", "Design hours"),
                            ("hs_sku", "SRV-DESIGN"),
                            ("quantity", "20"),
                            ("price", "110.00"),
                        ],
                    ),
                    hs(
                        "402",
                        0,
                        &[
                            ("name", "Guide"),
                            ("hs_sku", "DOC-GUIDE"),
                            ("quantity", "1"),
                            ("price", "250"),
                        ],
                    ),
                ],
            ),
            ("quotes", vec![]),
            ("products", vec![]),
            ("invoices", vec![]),
        ],
        vec![
            ("contacts", prop_def("hsqb_qbo_customer_id", "string", true)),
            ("deals", prop_def("hsqb_qbo_invoice_id", "string", true)),
            ("invoices", prop_def("hsqb_qbo_invoice_id", "string", true)),
        ],
    );
    assoc(&mut hs.associations, "deals", "301", "contacts", "101", 3);
    assoc(
        &mut hs.associations,
        "deals",
        "301",
        "line_items",
        "401",
        19,
    );
    assoc(
        &mut hs.associations,
        "deals",
        "301",
        "line_items",
        "402",
        19,
    );
    assoc(
        &mut hs.associations,
        "contacts",
        "101",
        "companies",
        "201",
        279,
    );
    hs
}

fn items() -> Vec<crate::model::QboRecord> {
    vec![
        qbo(
            "11",
            "0",
            0,
            json!({"Name": "Design hours", "Sku": "SRV-DESIGN", "Type": "Service"}),
        ),
        qbo(
            "12",
            "0",
            0,
            json!({"Name": "Guide", "Sku": "DOC-GUIDE", "Type": "Service"}),
        ),
    ]
}

const DEALS_ONLY: &str = r#"
version: 1
sandbox: {}
sync:
  deal_invoices:
    deals: [{field: dealstage, op: eq, value: closedwon}]
    customer: {on_missing: create}
    terms: Net 30
    message: "Thanks, {{contact.firstname}}! Re: {{deal.dealname}}"
"#;

fn qbo_world(customers: Vec<crate::model::QboRecord>) -> QboSnapshot {
    quickbooks(vec![
        ("Customer", customers),
        ("Item", items()),
        (
            "Term",
            vec![qbo("3", "0", 0, json!({"Name": "Net 30", "DueDays": 30}))],
        ),
    ])
}

#[test]
fn deal_becomes_a_draft_invoice_from_line_items() {
    let m = manifest(DEALS_ONLY);
    let p = run(
        &m,
        &deal_world(&[]),
        qbo_world(vec![qbo(
            "7",
            "0",
            0,
            json!({"DisplayName": "Souza", "PrimaryEmailAddr": {"Address": "ANA@souza.test"}}),
        )]),
    );
    let c = change(&p, "deal_invoices/create/quickbooks/deal:301");
    assert_eq!(c.system, System::Quickbooks);
    let Payload::Quickbooks {
        body, natural_key, ..
    } = &c.payload
    else {
        panic!()
    };
    assert_eq!(body["CustomerRef"]["value"], "7");
    assert_eq!(body["SalesTermRef"]["value"], "3");
    assert_eq!(body["EmailStatus"], "NotSet", "a draft, not emailed");
    assert_eq!(body["TxnDate"], "2026-06-01");
    assert!(
        body.get("DueDate").is_none(),
        "QBO derives it from the term"
    );
    assert_eq!(body["Line"][0]["Amount"].to_string(), "2200.00");
    assert_eq!(
        body["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"],
        "11"
    );
    assert_eq!(
        body["Line"][1]["SalesItemLineDetail"]["ItemRef"]["value"],
        "12"
    );
    assert!(
        body["Line"][0]["SalesItemLineDetail"]
            .get("TaxCodeRef")
            .is_none(),
        "US companies send no tax code"
    );
    assert_eq!(
        body["CustomerMemo"]["value"],
        "Thanks, Ana! Re: Brand refresh"
    );
    assert!(
        body["PrivateNote"]
            .as_str()
            .unwrap()
            .contains("hsqb:deal:301")
    );
    assert_eq!(natural_key.as_ref().unwrap().field, "PrivateNote");
    assert_eq!(c.link_back.as_ref().unwrap().object, "deals");
    assert!(
        c.fields
            .iter()
            .any(|f| f.field == "TotalAmt" && f.after == Value::Money("2450.00".parse().unwrap()))
    );
    assert!(
        !p.changes.iter().any(|c| c.id.contains("deal:302")),
        "only closed-won deals"
    );
}

#[test]
fn exactly_one_invoice_per_deal() {
    let m = manifest(DEALS_ONLY);
    // Linked deal: nothing to do.
    let mut hs = deal_world(&[]);
    hs.objects.get_mut("deals").unwrap().records[0]
        .properties
        .insert("hsqb_qbo_invoice_id".into(), "900".into());
    let mut q = qbo_world(vec![qbo(
        "7",
        "0",
        0,
        json!({"DisplayName": "Souza", "PrimaryEmailAddr": {"Address": "ana@souza.test"}}),
    )]);
    q.entities.get_mut("Invoice").unwrap().records.push(qbo("900", "0", 0, json!({"DocNumber": "1001", "TotalAmt": 2450.00, "Balance": 2450.00, "CustomerRef": {"value": "7"}})));
    let p = run(&m, &hs, q.clone());
    assert!(
        !p.changes.iter().any(|c| c.block == Block::DealInvoices),
        "{:?}",
        p.changes
    );
    // Created by a crashed run but never linked: link, don't create again.
    let hs = deal_world(&[]);
    q.entities.get_mut("Invoice").unwrap().records[0]
        .body
        .insert(
            "PrivateNote".into(),
            "hsqb:deal:301 — created by hsqb".into(),
        );
    let p = run(&m, &hs, q);
    let l = change(&p, "deal_invoices/link/hubspot/301");
    assert_eq!(
        l.payload,
        Payload::Link {
            property: "hsqb_qbo_invoice_id".into(),
            qbo_id: Some("900".into())
        }
    );
    assert!(
        !p.changes
            .iter()
            .any(|c| c.id == "deal_invoices/create/quickbooks/deal:301")
    );
}

#[test]
fn missing_customer_follows_the_policy() {
    // Legacy: create the customer, and the invoice fills its CustomerRef from it.
    let m = manifest(DEALS_ONLY);
    let p = run(&m, &deal_world(&[]), qbo_world(vec![]));
    let cust = change(&p, "deal_invoices/customer/quickbooks/hs:101");
    let inv = change(&p, "deal_invoices/create/quickbooks/deal:301");
    assert!(inv.depends_on.contains(&cust.id));
    assert!(
        inv.fills
            .iter()
            .any(|f| f.from_change == cust.id && f.target == "/CustomerRef/value")
    );
    // Newer: fail when the contact is not eligible under the contact sync.
    let strict = manifest(&DEALS_ONLY.replace("on_missing: create", "on_missing: fail"));
    let p = run(&strict, &deal_world(&[]), qbo_world(vec![]));
    assert!(!p.changes.iter().any(|c| c.block == Block::DealInvoices));
    assert!(diag(&p, "no_customer").message.contains("not eligible"));
    // Newer, eligible contact: the contact sync creates it and the invoice follows.
    let eligible = manifest(&format!(
        "{}  contacts:\n    direction: hubspot_to_quickbooks\n",
        DEALS_ONLY.replace("on_missing: create", "on_missing: fail")
    ));
    let p = run(&eligible, &deal_world(&[]), qbo_world(vec![]));
    let inv = change(&p, "deal_invoices/create/quickbooks/deal:301");
    assert!(
        inv.depends_on
            .contains(&"contacts/create/quickbooks/hs:101".to_string())
    );
}

#[test]
fn unmatched_product_creates_no_partial_invoice() {
    let m = manifest(DEALS_ONLY);
    let mut q = qbo_world(vec![qbo(
        "7",
        "0",
        0,
        json!({"DisplayName": "Souza", "PrimaryEmailAddr": {"Address": "ana@souza.test"}}),
    )]);
    q.entities.get_mut("Item").unwrap().records.truncate(1);
    let p = run(&m, &deal_world(&[]), q);
    assert!(!p.changes.iter().any(|c| c.block == Block::DealInvoices));
    let d = diag(&p, "invoice_lines");
    assert!(
        d.message.contains("DOC-GUIDE") && d.message.contains("no partial"),
        "{}",
        d.message
    );
}

#[test]
fn non_us_companies_need_tax_codes() {
    let m = manifest(DEALS_ONLY);
    let mut q = qbo_world(vec![qbo(
        "7",
        "0",
        0,
        json!({"DisplayName": "Souza", "PrimaryEmailAddr": {"Address": "ana@souza.test"}}),
    )]);
    q.facts.country = "CA".into();
    q.entities.get_mut("TaxCode").unwrap().records = vec![
        qbo("5", "0", 0, json!({"Name": "GST"})),
        qbo("6", "0", 0, json!({"Name": "Zero-rated"})),
    ];
    let p = run(&m, &deal_world(&[]), q.clone());
    assert!(
        diag(&p, "invoice_lines")
            .message
            .contains("needs a tax code")
    );
    let with_tax = manifest(&format!(
        "{DEALS_ONLY}    tax:\n      default: GST\n      per_product: {{DOC-GUIDE: Zero-rated}}\n"
    ));
    let p = run(&with_tax, &deal_world(&[]), q);
    let Payload::Quickbooks { body, .. } =
        &change(&p, "deal_invoices/create/quickbooks/deal:301").payload
    else {
        panic!()
    };
    assert_eq!(
        body["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"],
        "5"
    );
    assert_eq!(
        body["Line"][1]["SalesItemLineDetail"]["TaxCodeRef"]["value"],
        "6"
    );
}

#[test]
fn custom_transaction_numbers_need_a_template() {
    let m = manifest(DEALS_ONLY);
    let mut q = qbo_world(vec![qbo(
        "7",
        "0",
        0,
        json!({"DisplayName": "Souza", "PrimaryEmailAddr": {"Address": "ana@souza.test"}}),
    )]);
    q.facts.custom_txn_numbers = true;
    let p = run(&m, &deal_world(&[]), q.clone());
    assert!(p.is_blocked());
    let d = diag(&p, "custom_txn_numbers");
    assert!(d.hint.as_deref().unwrap().contains("doc_number"));
    let numbered = manifest(&format!(
        "{DEALS_ONLY}    doc_number: \"HS-{{{{deal.id}}}}\"\n"
    ));
    q.entities.get_mut("Invoice").unwrap().records.push(qbo(
        "900",
        "0",
        0,
        json!({"DocNumber": "HS-999"}),
    ));
    let p = run(&numbered, &deal_world(&[]), q.clone());
    assert!(!p.is_blocked());
    let Payload::Quickbooks { body, .. } =
        &change(&p, "deal_invoices/create/quickbooks/deal:301").payload
    else {
        panic!()
    };
    assert_eq!(body["DocNumber"], "HS-301");
    // A number already used is refused, not duplicated.
    q.entities.get_mut("Invoice").unwrap().records.push(qbo(
        "901",
        "0",
        0,
        json!({"DocNumber": "hs-301"}),
    ));
    let p = run(&numbered, &deal_world(&[]), q);
    assert!(diag(&p, "duplicate_doc_number").message.contains("HS-301"));
}

#[test]
fn quote_source_uses_the_published_unexpired_quote() {
    let m = manifest(&DEALS_ONLY.replace("customer:", "source: quote\n    customer:"));
    let mut hs = deal_world(&[]);
    hs.objects.get_mut("quotes").unwrap().records = vec![
        hs_quote("501", "DRAFT", "2026-12-31"),
        hs_quote("502", "APPROVED", "2026-05-01"), // expired
        hs_quote("503", "APPROVAL_NOT_NEEDED", "2026-12-31"),
    ];
    for q in ["501", "502", "503"] {
        assoc(&mut hs.associations, "deals", "301", "quotes", q, 63);
    }
    assoc(
        &mut hs.associations,
        "quotes",
        "503",
        "line_items",
        "402",
        67,
    );
    let q = qbo_world(vec![qbo(
        "7",
        "0",
        0,
        json!({"DisplayName": "Souza", "PrimaryEmailAddr": {"Address": "ana@souza.test"}}),
    )]);
    let p = run(&m, &hs, q.clone());
    let Payload::Quickbooks { body, .. } =
        &change(&p, "deal_invoices/create/quickbooks/deal:301").payload
    else {
        panic!()
    };
    let lines = body["Line"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "only the published quote's line");
    assert!(body["PrivateNote"].as_str().unwrap().contains("quote 503"));
    // No published quote → diagnostic.
    hs.objects.get_mut("quotes").unwrap().records.truncate(2);
    let p = run(&m, &hs, q);
    assert!(diag(&p, "no_published_quote").message.contains("unexpired"));
}

fn hs_quote(id: &str, status: &str, exp: &str) -> crate::model::HsRecord {
    hs(
        id,
        0,
        &[
            ("hs_title", "Quote"),
            ("hs_status", status),
            ("hs_expiration_date", exp),
        ],
    )
}

const INVOICES_ONLY: &str = r#"
version: 1
sandbox: {}
sync:
  invoices:
    rules:
      - {customer_linked: true}
"#;

fn invoice(
    id: &str,
    minutes: i64,
    doc: &str,
    total: &str,
    balance: &str,
    due: &str,
    currency: &str,
) -> crate::model::QboRecord {
    qbo(
        id,
        "0",
        minutes,
        serde_json::from_str(&format!(
            r#"{{"DocNumber":"{doc}","TxnDate":"2026-05-01","DueDate":"{due}","TotalAmt":{total},"Balance":{balance},"CustomerRef":{{"value":"7","name":"Souza"}},"CurrencyRef":{{"value":"{currency}"}},"EmailStatus":"EmailSent"}}"#
        ))
        .unwrap(),
    )
}

#[test]
fn qbo_invoices_mirror_into_hubspot_with_status_and_associations() {
    let m = manifest(INVOICES_ONLY);
    let hs = deal_world(&[("hsqb_qbo_customer_id", "7")]);
    let q = quickbooks(vec![
        (
            "Customer",
            vec![qbo("7", "0", 0, json!({"DisplayName": "Souza"}))],
        ),
        (
            "Invoice",
            vec![
                invoice("900", 0, "1001", "100.00", "40.00", "2026-05-15", "USD"), // partially paid, past due → overdue
                invoice("901", 0, "1002", "80.00", "0", "2026-07-01", "USD"),
            ],
        ),
    ]);
    let p = run(&m, &hs, q);
    let c = change(&p, "invoices/create/hubspot/qbo:sandbox:900");
    let Payload::Hubspot {
        properties,
        upsert_by,
        associations,
    } = &c.payload
    else {
        panic!()
    };
    assert_eq!(upsert_by.as_deref(), Some("hsqb_qbo_invoice_id"));
    assert_eq!(properties["hsqb_qbo_invoice_id"], "900");
    assert_eq!(properties["hs_number"], "1001");
    assert_eq!(properties["hsqb_invoice_status"], "Overdue");
    assert_eq!(
        properties["hsqb_invoice_balance"], "40",
        "HubSpot numbers are plain decimals"
    );
    assert_eq!(properties["hs_invoice_date"], "1777593600000");
    let targets: Vec<(&str, &str, u32)> = associations
        .iter()
        .map(|a| (a.to_object.as_str(), a.to_id.as_str(), a.type_id))
        .collect();
    assert_eq!(
        targets,
        vec![("contacts", "101", 177), ("companies", "201", 179)]
    );
    let paid = change(&p, "invoices/create/hubspot/qbo:sandbox:901");
    let Payload::Hubspot { properties, .. } = &paid.payload else {
        panic!()
    };
    assert_eq!(properties["hsqb_invoice_status"], "Fully paid");
}

#[test]
fn deal_properties_follow_the_latest_invoice_unless_foreign() {
    let yaml = r#"
version: 1
sandbox: {}
sync:
  invoices: {}
  deal_invoices:
    deals: [{field: dealstage, op: eq, value: closedwon}]
"#;
    let m = manifest(yaml);
    let mut hs = deal_world(&[("hsqb_qbo_customer_id", "7")]);
    hs.objects.get_mut("deals").unwrap().records[0]
        .properties
        .insert("hsqb_qbo_invoice_id".into(), "900".into());
    // Two invoices on the deal: 901 was updated in QBO later, so it wins.
    let mut older = invoice("900", 0, "1001", "100.00", "100.00", "2026-07-01", "USD");
    older
        .body
        .insert("PrivateNote".into(), "hsqb:deal:301".into());
    let mut newer = invoice("901", 30, "1002", "80.00", "20.00", "2026-07-15", "USD");
    newer
        .body
        .insert("PrivateNote".into(), "hsqb:deal:301".into());
    let q = quickbooks(vec![
        (
            "Customer",
            vec![qbo("7", "0", 0, json!({"DisplayName": "Souza"}))],
        ),
        ("Invoice", vec![older.clone(), newer]),
    ]);
    let p = run(&m, &hs, q);
    let d = change(&p, "invoices/deal/hubspot/301");
    let Payload::Hubspot { properties, .. } = &d.payload else {
        panic!()
    };
    assert_eq!(properties["hsqb_invoice_number"], "1002");
    assert_eq!(properties["hsqb_invoice_amount_due"], "20.00");
    assert_eq!(properties["hsqb_invoice_status"], "Partially paid");
    assert_eq!(properties["hsqb_invoice_due_date"], "1784073600000");
    // The latest invoice in a foreign currency leaves the deal alone.
    let mut foreign = invoice("902", 60, "1003", "80.00", "80.00", "2026-07-15", "EUR");
    foreign
        .body
        .insert("PrivateNote".into(), "hsqb:deal:301".into());
    let q = quickbooks(vec![
        (
            "Customer",
            vec![qbo("7", "0", 0, json!({"DisplayName": "Souza"}))],
        ),
        ("Invoice", vec![older, foreign]),
    ]);
    let p = run(&m, &hs, q);
    assert!(
        !p.changes
            .iter()
            .any(|c| c.id == "invoices/deal/hubspot/301")
    );
    assert!(diag(&p, "deal_currency_mismatch").message.contains("EUR"));
}

#[test]
fn attach_entries_add_qbo_created_invoices() {
    let yaml = r#"
version: 1
sandbox: {}
attach:
  - {invoice: "1001", deal: "302", contact: "ana@souza.test"}
  - {invoice: "9999", deal: "301"}
sync:
  invoices: {}
"#;
    let m = manifest(yaml);
    let hs = deal_world(&[]);
    let q = quickbooks(vec![(
        "Invoice",
        vec![invoice(
            "900",
            0,
            "1001",
            "10.00",
            "10.00",
            "2026-07-01",
            "USD",
        )],
    )]);
    let p = run(&m, &hs, q);
    let c = change(&p, "invoices/create/hubspot/qbo:sandbox:900");
    let Payload::Hubspot { associations, .. } = &c.payload else {
        panic!()
    };
    assert!(
        associations
            .iter()
            .any(|a| a.to_object == "deals" && a.to_id == "302" && a.type_id == 175)
    );
    assert!(
        associations
            .iter()
            .any(|a| a.to_object == "contacts" && a.to_id == "101")
    );
    assert!(
        diag(&p, "attach_not_found")
            .label
            .as_deref()
            .unwrap()
            .contains("9999")
    );
}

#[test]
fn voids_and_deletes_follow_their_policies() {
    let yaml = "version: 1\nsandbox: {}\nsync:\n  invoices:\n    on_void: archive\n    on_delete: archive\n";
    let m = manifest(yaml);
    let mut world = deal_world(&[]);
    world.objects.get_mut("invoices").unwrap().records = vec![
        hs(
            "601",
            0,
            &[("hsqb_qbo_invoice_id", "900"), ("hs_number", "1001")],
        ),
        hs(
            "602",
            0,
            &[("hsqb_qbo_invoice_id", "901"), ("hs_number", "1002")],
        ),
    ];
    let mut voided = invoice("900", 0, "1001", "0", "0", "2026-07-01", "USD");
    voided.body.insert("PrivateNote".into(), "Voided".into());
    let q = quickbooks(vec![("Invoice", vec![voided])]);
    let p = run(&m, &world, q);
    assert_eq!(
        change(&p, "invoices/archive/hubspot/601").reason,
        "voided in QuickBooks; on_void: archive"
    );
    assert!(
        change(&p, "invoices/archive/hubspot/602")
            .reason
            .contains("deleted in QuickBooks")
    );
}
