//! A corpus of hand-made plans that exercise every rendering path. Shared by
//! the `render_*` test files (`#[path = "common/render_samples.rs"] mod …`).
//!
//! The plans are realistic: payloads, preconditions and link-backs are what
//! the planner would produce, so the JSON snapshots double as examples of the
//! `format_version` 1 contract.
#![allow(dead_code)]

#[path = "render_builders.rs"]
mod builders;

pub use builders::*;
use hsqb::model::{ObjectKind, System, Value};
use hsqb::plan::*;
use serde_json::json;
use std::collections::BTreeMap;

/// Every sample, by name (snapshot names derive from these).
pub fn all() -> Vec<(&'static str, Plan)> {
    vec![
        ("empty", empty()),
        ("empty_with_diagnostics", empty_with_diagnostics()),
        ("creates", creates()),
        ("updates", updates()),
        ("long_text", long_text()),
        ("hostile_text", hostile_text()),
        ("links_and_removals", links_and_removals()),
        ("properties_and_associations", properties_and_associations()),
        ("diagnostics", diagnostics()),
        ("two_companies", two_companies()),
        ("big", big()),
        ("huge", huge()),
    ]
}

/// Samples small enough to snapshot in every format (all but `huge`, whose
/// Markdown is snapshotted but whose text/JSON would be megabytes).
pub fn snapshot_samples() -> Vec<(&'static str, Plan)> {
    all().into_iter().filter(|(n, _)| *n != "huge").collect()
}

// ---------------------------------------------------------------- samples

/// Nothing to do.
pub fn empty() -> Plan {
    let mut p = base();
    p.refresh = RefreshMode::Incremental;
    finish(p)
}

/// Nothing to write, but things to know.
pub fn empty_with_diagnostics() -> Plan {
    let mut p = base();
    p.refresh = RefreshMode::Incremental;
    p.summary.skipped = 1;
    p.diagnostics = vec![
        diag(
            Severity::Info,
            "incremental_window",
            Block::Contacts,
            "read records changed since 2026-03-01T11:00:00Z",
        ),
        Diagnostic {
            record: Some(hs(ObjectKind::Contact, "1042")),
            label: Some("Pat Smith".into()),
            hint: Some("add an email in HubSpot, or match contacts by name".into()),
            ..diag(
                Severity::Warning,
                "missing_email",
                Block::Contacts,
                "skipped: contacts are matched by email and this one has none",
            )
        },
    ];
    finish(p)
}

/// Creates on both systems.
pub fn creates() -> Plan {
    let mut p = base();
    p.changes = vec![
        customer_create("1001", "Jane Doe", "jane@example.com"),
        contact_create("58", "Amy", "Lee", "amy@lee.example"),
        Change {
            id: "products/create/quickbooks/hs:5001".into(),
            block: Block::Products,
            action: Action::Create,
            system: System::Quickbooks,
            object: ObjectKind::Item,
            company: Some("main".into()),
            target_id: None,
            source: Some(hs(ObjectKind::Product, "5001")),
            label: "Consulting hour (CONS-1)".into(),
            match_key: None,
            fields: vec![
                field("Name", Value::Null, text("Consulting hour")),
                field("Sku", Value::Null, text("CONS-1")),
                field("Type", Value::Null, Value::Enum("Service".into())),
                field("UnitPrice", Value::Null, money("150")),
                field("Taxable", Value::Null, Value::Bool(false)),
            ],
            preconditions: vec![absent(qbo(ObjectKind::Item, ""), "Name=Consulting hour")],
            reason: "new HubSpot product; no item with SKU CONS-1 or this name".into(),
            payload: Payload::Quickbooks {
                entity: "Item".into(),
                body: json!({
                    "Name": "Consulting hour",
                    "Sku": "CONS-1",
                    "Type": "Service",
                    "UnitPrice": num("150.00"),
                    "Taxable": false,
                    "IncomeAccountRef": { "value": "79" }
                })
                .as_object()
                .cloned()
                .unwrap(),
                natural_key: Some(NaturalKey {
                    field: "Name".into(),
                    value: "Consulting hour".into(),
                }),
            },
            depends_on: vec![],
            link_back: Some(LinkBack {
                object: "products".into(),
                id: "5001".into(),
                property: "hsqb_qbo_item_id".into(),
            }),
            baseline: None,
            fills: Vec::new(),
        },
    ];
    p.estimate = estimate(
        &[
            ("hubspot POST /crm/v3/objects/contacts/batch/upsert", 1),
            ("hubspot POST /crm/v3/objects/batch/update", 1),
            ("quickbooks POST /v3/company/{realm}/batch", 1),
        ],
        2.6,
        "quickbooks batch per minute",
    );
    finish(p)
}

/// Updates with every kind of value.
pub fn updates() -> Plan {
    let mut p = base();
    let customer = Change {
        id: "contacts/update/quickbooks/qbo:main:58".into(),
        block: Block::Contacts,
        action: Action::Update,
        system: System::Quickbooks,
        object: ObjectKind::Customer,
        company: Some("main".into()),
        target_id: Some("58".into()),
        source: Some(hs(ObjectKind::Contact, "1001")),
        label: "Jane Doe <jane@example.com>".into(),
        match_key: Some("email=jane@example.com".into()),
        fields: vec![
            noted(
                "CompanyName",
                text("Doe Consulting"),
                text("Doe & Partners"),
                "changed in HubSpot since the last sync",
            ),
            field(
                "PrimaryPhone.FreeFormNumber",
                Value::Null,
                text("+1 555 0100"),
            ),
            noted(
                "Fax.FreeFormNumber",
                text("+1 555 0199"),
                Value::Null,
                "removed in HubSpot; hubspot_wins",
            ),
            field("Taxable", Value::Bool(true), Value::Bool(false)),
            field("Balance", money("12.5"), money("12.75")),
            // Exact decimals: nothing rounds 19.999 away.
            field("CreditLimit", money("20"), money("19.999")),
            // 12.5 and 12.50 read the same once normalised: shown exactly.
            field("DiscountPercent", number("12.5"), number("12.50")),
            field("OpenBalanceDate", date(2025, 12, 31), date(2026, 1, 15)),
            field(
                "MetaData.LastUpdatedTime",
                datetime("2026-02-27T09:30:00-08:00"),
                datetime("2026-03-01T11:59:00Z"),
            ),
            field(
                "CustomerTypeRef.value",
                Value::Enum("retail".into()),
                Value::Enum("wholesale".into()),
            ),
        ],
        preconditions: vec![
            sync_token(qbo(ObjectKind::Customer, "58"), "7"),
            updated_at(hs(ObjectKind::Contact, "1001"), "2026-02-28T16:20:00Z"),
        ],
        reason: "two-way: HubSpot changed since the last sync".into(),
        payload: Payload::Quickbooks {
            entity: "Customer".into(),
            body: json!({
                "sparse": true,
                "CompanyName": "Doe & Partners",
                "PrimaryPhone": { "FreeFormNumber": "+1 555 0100" },
                "Fax": { "FreeFormNumber": "" },
                "Taxable": false,
                "CreditLimit": num("19.999")
            })
            .as_object()
            .cloned()
            .unwrap(),
            natural_key: None,
        },
        depends_on: vec![],
        link_back: None,
        baseline: Some(BaselineEntry {
            block: Block::Contacts,
            hubspot_id: Some("1001".into()),
            qbo_id: Some("58".into()),
            values: BTreeMap::from([
                ("company".into(), "Doe & Partners".into()),
                ("phone".into(), "+1 555 0100".into()),
            ]),
        }),
        fills: Vec::new(),
    };
    let contact = Change {
        id: "contacts/update/hubspot/hs:1002".into(),
        block: Block::Contacts,
        action: Action::Update,
        system: System::Hubspot,
        object: ObjectKind::Contact,
        company: None,
        target_id: Some("1002".into()),
        source: Some(qbo(ObjectKind::Customer, "59")),
        label: "Bob Stone <bob@stone.example>".into(),
        match_key: None,
        fields: vec![
            field("city", text("Springfield"), text("Shelbyville")),
            noted(
                "hsqb_balance",
                money("0"),
                money("1234567.89"),
                "QuickBooks owns this field",
            ),
        ],
        preconditions: vec![updated_at(
            hs(ObjectKind::Contact, "1002"),
            "2026-02-20T08:00:00Z",
        )],
        reason: "QuickBooks changed since the last sync".into(),
        payload: Payload::Hubspot {
            properties: BTreeMap::from([
                ("city".into(), "Shelbyville".into()),
                ("hsqb_balance".into(), "1234567.89".into()),
            ]),
            upsert_by: None,
            associations: vec![],
        },
        depends_on: vec![],
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    };
    p.changes = vec![customer, contact];
    p.estimate = estimate(
        &[
            ("hubspot POST /crm/v3/objects/contacts/batch/update", 1),
            ("quickbooks POST /v3/company/{realm}/batch", 1),
        ],
        1.5,
        "quickbooks batch per minute",
    );
    finish(p)
}

const NOTES_BEFORE: &str = "Prefers email over phone.\nInvoices go to accounts@doe.example.\nNet 30 agreed in 2024.\nDo not call before 10am.\nVIP since 2019.\n";
const NOTES_AFTER: &str = "Prefers email over phone.\nInvoices go to billing@doe.example.\nNet 30 agreed in 2024.\nDo not call before 10am.\nVIP since 2019.\nAsked for quarterly statements.\n";

/// Long and multi-line text: line diffs.
pub fn long_text() -> Plan {
    let mut p = base();
    let long_before = "Full-service bookkeeping, payroll and quarterly tax filings for small businesses in the tri-state area";
    let long_after = "Full-service bookkeeping, payroll, quarterly tax filings and advisory for small businesses in the tri-state area";
    p.changes = vec![Change {
        id: "contacts/update/quickbooks/qbo:main:58".into(),
        block: Block::Contacts,
        action: Action::Update,
        system: System::Quickbooks,
        object: ObjectKind::Customer,
        company: Some("main".into()),
        target_id: Some("58".into()),
        source: Some(hs(ObjectKind::Contact, "1001")),
        label: "Jane Doe <jane@example.com>".into(),
        match_key: Some("email=jane@example.com".into()),
        fields: vec![
            noted(
                "Notes",
                text(NOTES_BEFORE),
                text(NOTES_AFTER),
                "changed in HubSpot since the last sync",
            ),
            field("BusinessDescription", text(long_before), text(long_after)),
            field(
                "BillAddr.Line1",
                Value::Null,
                text("Suite 400\r\n1 Main Street"),
            ),
            field("Memo", text("Line one\nLine two"), Value::Null),
        ],
        preconditions: vec![sync_token(qbo(ObjectKind::Customer, "58"), "8")],
        reason: "two-way: HubSpot changed since the last sync".into(),
        payload: Payload::Quickbooks {
            entity: "Customer".into(),
            body: json!({
                "sparse": true,
                "Notes": NOTES_AFTER,
                "BusinessDescription": long_after,
                "BillAddr": { "Line1": "Suite 400\r\n1 Main Street" },
                "Memo": ""
            })
            .as_object()
            .cloned()
            .unwrap(),
            natural_key: None,
        },
        depends_on: vec![],
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }];
    p.estimate = estimate(
        &[("quickbooks POST /v3/company/{realm}/batch", 1)],
        0.4,
        "quickbooks batch per minute",
    );
    finish(p)
}

/// Unicode, RTL, emoji, combining marks, and user data that tries to break
/// the layout or the terminal.
pub fn hostile_text() -> Plan {
    let mut p = base();
    let names = [
        ("2001", "José Müller-Łukasz", "jose@müller.example"),
        ("2002", "שרה כהן", "sara@example.co.il"),
        ("2003", "شركة النور", "info@alnoor.example"),
        ("2004", "🍕 Pizza Co 👩‍👩‍👧", "eat@pizza.example"),
        ("2005", "Zoe\u{308} Ac\u{327}ai", "zoe@example.com"),
        ("2006", "Bob \"The Builder\" O'Neil", "bob@builder.example"),
        ("2007", "A|B Ltd | Pipes || Inc", "ab@pipes.example"),
        ("2008", "```rm -rf /``` `tick`", "tick@example.com"),
        (
            "2009",
            "<script>alert(1)</script> &amp; <b>bold</b>",
            "xss@example.com",
        ),
        (
            "2010",
            "**bold** _it_ [link](http://x.example) @octocat $x^2$ ~~s~~",
            "md@example.com",
        ),
        ("2011", "invoice\u{202E}fdp.exe", "bidi@example.com"),
        (
            "2012",
            "\u{1b}[2J\u{1b}[31mEvil\u{1b}[0m\u{7}",
            "esc@example.com",
        ),
        ("2013", "Line1\nLine2\t\\n", "nl@example.com"),
    ];
    let mut changes: Vec<Change> = names
        .iter()
        .map(|(id, name, email)| customer_create(id, name, email))
        .collect();
    // A hostile value in a field table, a hostile multi-line diff, a hostile
    // reason, match key and note.
    changes.push(Change {
        id: "contacts/update/hubspot/hs:2014".into(),
        block: Block::Contacts,
        action: Action::Update,
        system: System::Hubspot,
        object: ObjectKind::Contact,
        company: None,
        target_id: Some("2014|x".into()),
        source: None,
        label: "Pipe | Table".into(),
        match_key: Some("email=a|b@example.com".into()),
        fields: vec![
            noted(
                "company",
                text("A | B"),
                text("<i>C</i> | `D`"),
                "note with | pipe and <tag>",
            ),
            field(
                "notes",
                text("ok\n```\nstill code?"),
                text("ok\n````\n</details>\n| a | b |\n\u{1b}[31mred"),
            ),
        ],
        preconditions: vec![],
        reason: "reason with **stars** and @team".into(),
        payload: Payload::Hubspot {
            properties: BTreeMap::from([
                ("company".into(), "<i>C</i> | `D`".into()),
                (
                    "notes".into(),
                    "ok\n````\n</details>\n| a | b |\n\u{1b}[31mred".into(),
                ),
            ]),
            upsert_by: None,
            associations: vec![],
        },
        depends_on: vec![],
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    });
    p.changes = changes;
    p.diagnostics = vec![Diagnostic {
        record: Some(hs(ObjectKind::Contact, "2012")),
        label: Some("\u{1b}[2JEvil | <b>".into()),
        hint: Some("rename it in HubSpot (`Evil` → something)".into()),
        ..diag(
            Severity::Warning,
            "suspicious_label",
            Block::Contacts,
            "label has control characters: \u{1b}[0m <br> |",
        )
    }];
    p.estimate = estimate(
        &[
            ("hubspot POST /crm/v3/objects/contacts/batch/update", 2),
            ("quickbooks POST /v3/company/{realm}/batch", 1),
        ],
        3.0,
        "quickbooks batch per minute",
    );
    finish(p)
}

/// Links, archives, deactivations, deletes and voids.
pub fn links_and_removals() -> Plan {
    let mut p = base();
    p.changes = vec![
        Change {
            id: "contacts/link/hubspot/hs:1003".into(),
            block: Block::Contacts,
            action: Action::Link,
            system: System::Hubspot,
            object: ObjectKind::Contact,
            company: None,
            target_id: Some("1003".into()),
            source: Some(qbo(ObjectKind::Customer, "61")),
            label: "Carla Ruiz <carla@ruiz.example>".into(),
            match_key: Some("email=carla@ruiz.example".into()),
            fields: vec![],
            preconditions: vec![
                updated_at(hs(ObjectKind::Contact, "1003"), "2026-02-01T10:00:00Z"),
                sync_token(qbo(ObjectKind::Customer, "61"), "2"),
            ],
            reason: "same email on both sides; data already agrees".into(),
            payload: Payload::Link {
                property: "hsqb_qbo_customer_id".into(),
                qbo_id: Some("61".into()),
            },
            depends_on: vec![],
            link_back: None,
            baseline: Some(BaselineEntry {
                block: Block::Contacts,
                hubspot_id: Some("1003".into()),
                qbo_id: Some("61".into()),
                values: BTreeMap::from([("email".into(), "carla@ruiz.example".into())]),
            }),
            fills: Vec::new(),
        },
        Change {
            id: "products/link/hubspot/hs:5002".into(),
            block: Block::Products,
            action: Action::Link,
            system: System::Hubspot,
            object: ObjectKind::Product,
            company: None,
            target_id: Some("5002".into()),
            source: None,
            label: "Setup fee (SETUP)".into(),
            match_key: Some("sku=SETUP".into()),
            fields: vec![],
            preconditions: vec![],
            reason: "same SKU on both sides".into(),
            payload: Payload::Link {
                property: "hsqb_qbo_item_id".into(),
                qbo_id: Some("12".into()),
            },
            depends_on: vec![],
            link_back: None,
            baseline: None,
            fills: Vec::new(),
        },
        removal(
            "contacts/archive/hubspot/hs:1010",
            Block::Contacts,
            Action::Archive,
            hs(ObjectKind::Contact, "1010"),
            "Old Lead <old@lead.example>",
            "archive",
            "customer 70 was made inactive in QuickBooks; on_delete: archive",
        ),
        removal(
            "contacts/archive/quickbooks/qbo:main:71",
            Block::Contacts,
            Action::Archive,
            qbo(ObjectKind::Customer, "71"),
            "Gone Corp",
            "deactivate",
            "contact 1011 was archived in HubSpot; on_delete: archive",
        ),
        removal(
            "invoices/delete/hubspot/hs:9001",
            Block::Invoices,
            Action::Delete,
            hs(ObjectKind::HsInvoice, "9001"),
            "Invoice 1037",
            "delete",
            "invoice 1037 was deleted in QuickBooks; on_delete: delete",
        ),
        removal(
            "deal_invoices/delete/quickbooks/qbo:main:130",
            Block::DealInvoices,
            Action::Delete,
            qbo(ObjectKind::Invoice, "130"),
            "Invoice 1040 for deal \"Big Deal\"",
            "void",
            "deal 7001 lost; on_delete: delete (sent invoices are voided)",
        ),
    ];
    p.estimate = estimate(
        &[
            ("hubspot POST /crm/v3/objects/contacts/batch/archive", 1),
            ("hubspot POST /crm/v3/objects/contacts/batch/update", 1),
            ("hubspot POST /crm/v3/objects/invoices/batch/archive", 1),
            ("hubspot POST /crm/v3/objects/products/batch/update", 1),
            ("quickbooks POST /v3/company/{realm}/batch", 1),
        ],
        1.0,
        "hubspot requests per 10 seconds",
    );
    finish(p)
}

/// Ensure-property lines, an invoice create with associations, and an
/// associate change.
pub fn properties_and_associations() -> Plan {
    let mut p = base();
    let ensure = |name: &str, object: &str, label: &str, unique: bool, options: &[&str]| Change {
        id: format!("properties/ensure/hubspot/{object}.{name}"),
        block: Block::Properties,
        action: Action::Ensure,
        system: System::Hubspot,
        object: ObjectKind::Property,
        company: None,
        target_id: None,
        source: None,
        label: label.into(),
        match_key: None,
        fields: vec![],
        preconditions: vec![],
        reason: "hsqb needs this property and it does not exist".into(),
        payload: Payload::Property {
            object: object.into(),
            definition: PropertyDefinition {
                name: name.into(),
                label: label.into(),
                type_: if options.is_empty() {
                    "string".into()
                } else {
                    "enumeration".into()
                },
                field_type: if options.is_empty() {
                    "text".into()
                } else {
                    "select".into()
                },
                group_name: "hsqb".into(),
                has_unique_value: unique,
                options: options.iter().map(|o| o.to_string()).collect(),
                description: "Managed by hsqb.".into(),
            },
        },
        depends_on: vec![],
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    };
    let invoice_props = BTreeMap::from([
        ("hs_invoice_number".to_string(), "1037".to_string()),
        ("hs_amount_billed".to_string(), "1250.00".to_string()),
        ("hs_balance_due".to_string(), "250.00".to_string()),
        ("hs_currency".to_string(), "USD".to_string()),
        ("hsqb_qbo_invoice_id".to_string(), "130".to_string()),
    ]);
    p.changes = vec![
        ensure(
            "hsqb_qbo_customer_id",
            "contacts",
            "QuickBooks customer id",
            true,
            &[],
        ),
        ensure(
            "hsqb_invoice_status",
            "deals",
            "Invoice status",
            false,
            &[
                "Ready to send",
                "Sent to customer",
                "Partially paid",
                "Fully paid",
                "Overdue",
                "Voided",
            ],
        ),
        Change {
            id: "invoices/create/hubspot/qbo:main:130".into(),
            block: Block::Invoices,
            action: Action::Create,
            system: System::Hubspot,
            object: ObjectKind::HsInvoice,
            company: None,
            target_id: None,
            source: Some(qbo(ObjectKind::Invoice, "130")),
            label: "Invoice 1037".into(),
            match_key: None,
            fields: vec![
                field("hs_invoice_number", Value::Null, text("1037")),
                field("hs_amount_billed", Value::Null, money("1250")),
                field("hs_balance_due", Value::Null, money("250.00")),
                field("hs_due_date", Value::Null, date(2026, 3, 31)),
                field(
                    "hs_invoice_status",
                    Value::Null,
                    Value::Enum("Partially paid".into()),
                ),
            ],
            preconditions: vec![],
            reason: "QuickBooks invoice created by hsqb from deal 7001".into(),
            payload: Payload::Hubspot {
                properties: invoice_props,
                upsert_by: Some("hsqb_qbo_invoice_id".into()),
                associations: vec![
                    AssociationSpec {
                        from_object: "invoices".into(),
                        from_id: None,
                        to_object: "contacts".into(),
                        to_id: "1001".into(),
                        type_id: 177,
                    },
                    AssociationSpec {
                        from_object: "invoices".into(),
                        from_id: None,
                        to_object: "deals".into(),
                        to_id: "7001".into(),
                        type_id: 175,
                    },
                ],
            },
            depends_on: vec!["properties/ensure/hubspot/deals.hsqb_invoice_status".into()],
            link_back: None,
            baseline: None,
            fills: Vec::new(),
        },
        Change {
            id: "invoices/associate/hubspot/hs:9002".into(),
            block: Block::Invoices,
            action: Action::Associate,
            system: System::Hubspot,
            object: ObjectKind::HsInvoice,
            company: None,
            target_id: Some("9002".into()),
            source: Some(qbo(ObjectKind::Invoice, "131")),
            label: "Invoice 1038".into(),
            match_key: None,
            fields: vec![],
            preconditions: vec![],
            reason: "the invoice's customer is now linked to a contact and a company".into(),
            payload: Payload::Associations {
                items: vec![
                    AssociationSpec {
                        from_object: "invoices".into(),
                        from_id: Some("9002".into()),
                        to_object: "contacts".into(),
                        to_id: "1002".into(),
                        type_id: 177,
                    },
                    AssociationSpec {
                        from_object: "invoices".into(),
                        from_id: Some("9002".into()),
                        to_object: "companies".into(),
                        to_id: "3001".into(),
                        type_id: 179,
                    },
                ],
            },
            depends_on: vec![],
            link_back: None,
            baseline: None,
            fills: Vec::new(),
        },
    ];
    p.estimate = estimate(
        &[
            ("hubspot POST /crm/v3/properties/contacts", 1),
            ("hubspot POST /crm/v3/properties/deals", 1),
            ("hubspot POST /crm/v3/objects/invoices/batch/upsert", 1),
            (
                "hubspot POST /crm/v4/associations/invoices/contacts/batch/create",
                1,
            ),
            (
                "hubspot POST /crm/v4/associations/invoices/companies/batch/create",
                1,
            ),
        ],
        0.5,
        "hubspot requests per 10 seconds",
    );
    finish(p)
}

/// Diagnostics of every severity, one of them blocking.
pub fn diagnostics() -> Plan {
    let mut p = base();
    p.changes = vec![customer_create("1001", "Jane Doe", "jane@example.com")];
    p.summary.skipped = 2;
    p.diagnostics = vec![
        diag(
            Severity::Info,
            "incremental_window",
            Block::Contacts,
            "read records changed since 2026-03-01T11:00:00Z",
        ),
        Diagnostic {
            record: Some(hs(ObjectKind::Contact, "1042")),
            label: Some("Pat Smith".into()),
            hint: Some("add an email in HubSpot, or match contacts by name".into()),
            ..diag(
                Severity::Warning,
                "missing_email",
                Block::Contacts,
                "skipped: contacts are matched by email and this one has none",
            )
        },
        Diagnostic {
            record: Some(hs(ObjectKind::Contact, "1043")),
            label: Some("Acme Supplies".into()),
            hint: Some(
                "rename one of them, or set contacts.display_name to a template that adds the email"
                    .into(),
            ),
            ..diag(
                Severity::Error,
                "display_name_collision",
                Block::Contacts,
                "QuickBooks vendor 12 already uses the display name \"Acme Supplies\" \
                 (names are unique across customers, vendors and employees)",
            )
        },
        Diagnostic {
            hint: Some(
                "review the archives, then raise safety.max_deletes or run with a full refresh"
                    .into(),
            ),
            blocking: true,
            ..diag(
                Severity::Error,
                "max_deletes_exceeded",
                Block::Contacts,
                "the plan archives 140 contacts, more than max_deletes (100)",
            )
        },
        Diagnostic {
            record: Some(qbo(ObjectKind::Item, "44")),
            label: Some("Gadget".into()),
            ..diag(
                Severity::Warning,
                "ambiguous_match",
                Block::Products,
                "two HubSpot products are named \"Gadget\" and neither has a SKU; not paired",
            )
        },
        diag(
            Severity::Info,
            "custom_txn_numbers",
            Block::DealInvoices,
            "custom transaction numbers are on; document numbers come from the manifest template",
        ),
    ];
    p.estimate = estimate(
        &[("quickbooks POST /v3/company/{realm}/batch", 1)],
        0.3,
        "quickbooks batch per minute",
    );
    finish(p)
}

/// Two QBO companies: company names are shown.
pub fn two_companies() -> Plan {
    let mut p = base();
    p.target
        .quickbooks
        .insert("canada".into(), "4620816365000000".into());
    let mut ca = customer_create("1005", "Maple Ltd", "hello@maple.example");
    ca.id = "contacts/create/quickbooks-canada/hs:1005".into();
    ca.company = Some("canada".into());
    let us = customer_create("1006", "Eagle Inc", "hi@eagle.example");
    let mut link = links_and_removals().changes.remove(0);
    if let Some(src) = &mut link.source {
        src.company = Some("canada".into());
    }
    p.changes = vec![ca, us, link];
    p.diagnostics = vec![Diagnostic {
        record: Some(RecordRef {
            company: Some("canada".into()),
            ..qbo(ObjectKind::Invoice, "88")
        }),
        label: Some("Invoice 2001".into()),
        hint: Some("set a tax code for the product, or a default tax code for canada".into()),
        ..diag(
            Severity::Error,
            "missing_tax_code",
            Block::DealInvoices,
            "non-US company needs a tax code on every line",
        )
    }];
    p.estimate = estimate(
        &[("quickbooks POST /v3/company/{realm}/batch", 2)],
        3.0,
        "quickbooks batch per minute",
    );
    finish(p)
}

/// More than 20 changes per block, still under the Markdown size cap.
pub fn big() -> Plan {
    let mut p = base();
    let mut changes: Vec<Change> = (0..25)
        .map(|i| {
            customer_create(
                &(3000 + i).to_string(),
                &format!("Customer {i:02}"),
                &format!("c{i:02}@example.com"),
            )
        })
        .collect();
    changes.extend((0..22).map(item_update));
    p.changes = changes;
    p.estimate = estimate(
        &[("quickbooks POST /v3/company/{realm}/batch", 2)],
        3.0,
        "quickbooks batch per minute",
    );
    finish(p)
}

/// A plan whose Markdown would exceed GitHub's comment limit many times over,
/// with a small block after the big ones and many diagnostics.
pub fn huge() -> Plan {
    let mut p = base();
    let mut changes: Vec<Change> = (0..3000)
        .map(|i| {
            customer_create(
                &(10_000 + i).to_string(),
                &format!("Bulk Customer {i:04}"),
                &format!("bulk{i:04}@example.com"),
            )
        })
        .collect();
    changes.extend((0..400).map(item_update));
    changes.push(removal(
        "invoices/delete/hubspot/hs:9001",
        Block::Invoices,
        Action::Delete,
        hs(ObjectKind::HsInvoice, "9001"),
        "Invoice 1037",
        "delete",
        "invoice 1037 was deleted in QuickBooks; on_delete: delete",
    ));
    p.changes = changes;
    p.diagnostics = (0..600)
        .map(|i| Diagnostic {
            record: Some(hs(ObjectKind::Contact, &(50_000 + i).to_string())),
            label: Some(format!("No Email {i:03}")),
            hint: Some("add an email in HubSpot, or match contacts by name".into()),
            ..diag(
                Severity::Warning,
                "missing_email",
                Block::Contacts,
                "skipped: contacts are matched by email and this one has none",
            )
        })
        .collect();
    p.diagnostics.push(Diagnostic {
        blocking: true,
        ..diag(
            Severity::Error,
            "max_deletes_exceeded",
            Block::Invoices,
            "the plan deletes 1 invoice, more than max_deletes (0)",
        )
    });
    p.summary.skipped = 600;
    p.estimate = estimate(
        &[
            ("hubspot POST /crm/v3/objects/contacts/batch/update", 30),
            ("quickbooks POST /v3/company/{realm}/batch", 114),
        ],
        171.0,
        "quickbooks batch per minute",
    );
    finish(p)
}
