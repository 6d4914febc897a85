//! The planner's scenario corpus: each scenario is a manifest plus snapshots of
//! both systems; its plan is snapshotted in all three formats (text, Markdown,
//! JSON), the JSON is validated against `schemas/plan.schema.json`, and planning
//! is shown to be independent of input order.

use hsqb::model::{Association, HsRecord, QboRecord};
use hsqb::plan::testkit::*;
use hsqb::plan::{
    BaselineEntry, Block, Plan, PlanInput, QboSnapshot, StateView, input::baseline_key,
};
use hsqb::render;
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;

/// (block, HubSpot id, QBO id, agreed values) of a stored baseline.
type BaselineSpec = (
    Block,
    &'static str,
    &'static str,
    Vec<(&'static str, &'static str)>,
);

struct Scenario {
    name: &'static str,
    manifest: &'static str,
    hubspot: Vec<(&'static str, Vec<HsRecord>)>,
    associations: Vec<(&'static str, &'static str, &'static str, &'static str, u32)>,
    quickbooks: Vec<(&'static str, Vec<QboRecord>)>,
    baselines: Vec<BaselineSpec>,
    setup: fn(&mut QboSnapshot),
}

fn no_setup(_: &mut QboSnapshot) {}

const TWO_WAY: &str = "version: 1\nsandbox: {}\nsync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n";

fn links() -> Vec<(&'static str, hsqb::model::HsPropertyDef)> {
    vec![
        ("contacts", prop_def("hsqb_qbo_customer_id", "string", true)),
        ("products", prop_def("hsqb_qbo_item_id", "string", true)),
        ("deals", prop_def("hsqb_qbo_invoice_id", "string", true)),
        ("invoices", prop_def("hsqb_qbo_invoice_id", "string", true)),
    ]
}

fn customer(id: &str, name: &str, email: &str, extra: serde_json::Value) -> QboRecord {
    let mut body = json!({"DisplayName": name, "PrimaryEmailAddr": {"Address": email}});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    qbo(id, "1", 10, body)
}

fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "create_both_ways",
            manifest: TWO_WAY,
            hubspot: vec![(
                "contacts",
                vec![
                    hs(
                        "101",
                        0,
                        &[
                            ("email", "ana@souza.test"),
                            ("firstname", "Ana"),
                            ("lastname", "Souza"),
                            ("company", "Souza Design"),
                        ],
                    ),
                    hs("102", 0, &[("email", "bo@bee.test"), ("firstname", "Bo")]),
                ],
            )],
            associations: vec![],
            quickbooks: vec![(
                "Customer",
                vec![
                    customer("1", "Bo Bee", "BO@bee.test", json!({"GivenName": "Bo"})),
                    customer(
                        "2",
                        "Cy Corp",
                        "cy@corp.test",
                        json!({"GivenName": "Cy", "CompanyName": "Cy Corp"}),
                    ),
                ],
            )],
            baselines: vec![],
            setup: no_setup,
        },
        Scenario {
            name: "updates_each_direction",
            manifest: "version: 1\nsandbox: {}\nsync:\n  contacts:\n    direction: hubspot_to_quickbooks\n  products:\n    direction: quickbooks_to_hubspot\n",
            hubspot: vec![
                (
                    "contacts",
                    vec![hs(
                        "101",
                        0,
                        &[
                            ("email", "a@x.test"),
                            ("phone", "555-0200"),
                            ("hsqb_qbo_customer_id", "1"),
                        ],
                    )],
                ),
                (
                    "products",
                    vec![hs(
                        "301",
                        0,
                        &[
                            ("name", "Widget"),
                            ("price", "10"),
                            ("hsqb_qbo_item_id", "40"),
                        ],
                    )],
                ),
            ],
            associations: vec![],
            quickbooks: vec![
                (
                    "Customer",
                    vec![customer(
                        "1",
                        "A",
                        "a@x.test",
                        json!({"PrimaryPhone": {"FreeFormNumber": "555-0100"}}),
                    )],
                ),
                (
                    "Item",
                    vec![qbo(
                        "40",
                        "3",
                        0,
                        json!({"Name": "Widget", "UnitPrice": 12.50, "Description": "Now with\nmulti-line\ndescription text that is long enough to be shown as a line diff in the plan"}),
                    )],
                ),
            ],
            baselines: vec![],
            setup: no_setup,
        },
        Scenario {
            name: "conflicts_three_way",
            manifest: TWO_WAY,
            hubspot: vec![(
                "contacts",
                vec![
                    hs(
                        "101",
                        0,
                        &[
                            ("email", "a@x.test"),
                            ("phone", "2"),
                            ("city", "Oslo"),
                            ("hsqb_qbo_customer_id", "1"),
                        ],
                    ),
                    hs(
                        "102",
                        30,
                        &[
                            ("email", "b@x.test"),
                            ("phone", "hs-new"),
                            ("hsqb_qbo_customer_id", "2"),
                        ],
                    ),
                ],
            )],
            associations: vec![],
            quickbooks: vec![(
                "Customer",
                vec![
                    customer(
                        "1",
                        "A",
                        "a@x.test",
                        json!({"PrimaryPhone": {"FreeFormNumber": "1"}, "BillAddr": {"City": "Bergen"}}),
                    ),
                    customer(
                        "2",
                        "B",
                        "b@x.test",
                        json!({"PrimaryPhone": {"FreeFormNumber": "qbo-new"}}),
                    ),
                ],
            )],
            baselines: vec![
                (
                    Block::Contacts,
                    "101",
                    "1",
                    vec![("email", "a@x.test"), ("phone", "1"), ("city", "Oslo")],
                ),
                (
                    Block::Contacts,
                    "102",
                    "2",
                    vec![("email", "b@x.test"), ("phone", "old")],
                ),
            ],
            setup: no_setup,
        },
        Scenario {
            name: "deletes_and_safety",
            manifest: "version: 1\nsandbox: {}\nsafety: {max_deletes: 1}\nsync:\n  contacts:\n    direction: two_way\n    conflict: hubspot_wins\n    on_delete: archive\n",
            hubspot: vec![(
                "contacts",
                vec![
                    {
                        let mut r = hs(
                            "101",
                            0,
                            &[("email", "a@x.test"), ("hsqb_qbo_customer_id", "1")],
                        );
                        r.archived = true;
                        r
                    },
                    hs(
                        "102",
                        0,
                        &[("email", "b@x.test"), ("hsqb_qbo_customer_id", "2")],
                    ),
                ],
            )],
            associations: vec![],
            quickbooks: vec![(
                "Customer",
                vec![
                    customer("1", "A", "a@x.test", json!({})),
                    customer("2", "B (deleted)", "b@x.test", json!({"Active": false})),
                ],
            )],
            baselines: vec![],
            setup: no_setup,
        },
        Scenario {
            name: "filters_ambiguity_and_names",
            manifest: "version: 1\nsandbox: {}\nsync:\n  contacts:\n    direction: hubspot_to_quickbooks\n    filter:\n      hubspot:\n        - {field: lifecyclestage, op: eq, value: customer}\n",
            hubspot: vec![(
                "contacts",
                vec![
                    hs(
                        "101",
                        0,
                        &[("email", "dup@x.test"), ("lifecyclestage", "customer")],
                    ),
                    hs(
                        "102",
                        0,
                        &[("email", "lead@x.test"), ("lifecyclestage", "lead")],
                    ),
                    hs(
                        "103",
                        0,
                        &[
                            ("email", "z@x.test"),
                            ("firstname", "Zoë"),
                            ("lastname", "Müller"),
                            ("company", "Northwind"),
                            ("lifecyclestage", "customer"),
                        ],
                    ),
                    hs(
                        "104",
                        0,
                        &[
                            ("firstname", "No"),
                            ("lastname", "Email"),
                            ("lifecyclestage", "customer"),
                        ],
                    ),
                    hs(
                        "105",
                        0,
                        &[
                            ("email", "long@x.test"),
                            ("firstname", "Ünïcødé 李雷 O'Brien"),
                            ("lastname", &*Box::leak("x".repeat(120).into_boxed_str())),
                            ("lifecyclestage", "customer"),
                        ],
                    ),
                ],
            )],
            associations: vec![],
            quickbooks: vec![
                (
                    "Customer",
                    vec![
                        customer("1", "D1", "dup@x.test", json!({})),
                        customer("2", "D2", "DUP@x.test", json!({})),
                    ],
                ),
                (
                    "Vendor",
                    vec![qbo("50", "0", 0, json!({"DisplayName": "Northwind"}))],
                ),
            ],
            baselines: vec![],
            setup: no_setup,
        },
        Scenario {
            name: "money_precision",
            manifest: "version: 1\nsandbox: {}\nsync:\n  products:\n    direction: quickbooks_to_hubspot\n",
            hubspot: vec![(
                "products",
                vec![
                    hs(
                        "1",
                        0,
                        &[("name", "A"), ("price", "12.5"), ("hsqb_qbo_item_id", "40")],
                    ),
                    hs(
                        "2",
                        0,
                        &[("name", "B"), ("price", "0.1"), ("hsqb_qbo_item_id", "41")],
                    ),
                ],
            )],
            associations: vec![],
            quickbooks: vec![(
                "Item",
                vec![
                    qbo(
                        "40",
                        "0",
                        0,
                        serde_json::from_str(r#"{"Name":"A","UnitPrice":12.50}"#)
                            .unwrap_or_default(),
                    ),
                    qbo(
                        "41",
                        "0",
                        0,
                        serde_json::from_str(r#"{"Name":"B","UnitPrice":0.10000000000000000001}"#)
                            .unwrap_or_default(),
                    ),
                ],
            )],
            baselines: vec![],
            setup: no_setup,
        },
        Scenario {
            name: "deal_invoices_and_mirror",
            manifest: "version: 1\nsandbox: {}\nsync:\n  invoices: {}\n  deal_invoices:\n    deals: [{field: dealstage, op: eq, value: closedwon}]\n    customer: {on_missing: create}\n    message: \"Thank you, {{contact.firstname}}!\"\n",
            hubspot: vec![
                (
                    "contacts",
                    vec![hs(
                        "101",
                        0,
                        &[
                            ("email", "ana@souza.test"),
                            ("firstname", "Ana"),
                            ("lastname", "Souza"),
                        ],
                    )],
                ),
                ("companies", vec![hs("201", 0, &[("name", "Souza Design")])]),
                (
                    "deals",
                    vec![hs(
                        "301",
                        0,
                        &[("dealname", "Brand refresh"), ("dealstage", "closedwon")],
                    )],
                ),
                (
                    "line_items",
                    vec![hs(
                        "401",
                        0,
                        &[
                            ("name", "Design hours"),
                            ("hs_sku", "SRV-DESIGN"),
                            ("quantity", "20"),
                            ("price", "110"),
                        ],
                    )],
                ),
                ("invoices", vec![]),
            ],
            associations: vec![
                ("deals", "301", "contacts", "101", 3),
                ("deals", "301", "line_items", "401", 19),
                ("contacts", "101", "companies", "201", 279),
            ],
            quickbooks: vec![(
                "Item",
                vec![qbo(
                    "11",
                    "0",
                    0,
                    json!({"Name": "Design hours", "Sku": "SRV-DESIGN"}),
                )],
            )],
            baselines: vec![],
            setup: no_setup,
        },
        Scenario {
            name: "invoice_statuses",
            manifest: "version: 1\nsandbox: {}\nsync:\n  invoices:\n    rules: [{customer_linked: true}]\n",
            hubspot: vec![
                (
                    "contacts",
                    vec![hs(
                        "101",
                        0,
                        &[("email", "ana@souza.test"), ("hsqb_qbo_customer_id", "7")],
                    )],
                ),
                (
                    "invoices",
                    vec![hs(
                        "601",
                        0,
                        &[
                            ("hsqb_qbo_invoice_id", "903"),
                            ("hs_number", "1004"),
                            ("hsqb_invoice_status", "Sent to customer"),
                            ("hs_currency", "USD"),
                        ],
                    )],
                ),
            ],
            associations: vec![],
            quickbooks: vec![
                (
                    "Customer",
                    vec![customer("7", "Souza", "ana@souza.test", json!({}))],
                ),
                (
                    "Invoice",
                    vec![
                        qbo(
                            "900",
                            "0",
                            0,
                            json!({"DocNumber": "1001", "DueDate": "2026-07-01", "TotalAmt": 100.00, "Balance": 100.00, "CustomerRef": {"value": "7", "name": "Souza"}}),
                        ),
                        qbo(
                            "901",
                            "0",
                            0,
                            json!({"DocNumber": "1002", "DueDate": "2026-05-01", "TotalAmt": 100.00, "Balance": 40.00, "EmailStatus": "EmailSent", "CustomerRef": {"value": "7"}}),
                        ),
                        qbo(
                            "902",
                            "0",
                            0,
                            json!({"DocNumber": "1003", "DueDate": "2026-07-01", "TotalAmt": 50.00, "Balance": 0, "CustomerRef": {"value": "7"}}),
                        ),
                        qbo(
                            "903",
                            "1",
                            0,
                            json!({"DocNumber": "1004", "DueDate": "2026-07-01", "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided", "CustomerRef": {"value": "7"}}),
                        ),
                    ],
                ),
            ],
            baselines: vec![],
            setup: no_setup,
        },
        Scenario {
            name: "custom_transaction_numbers_blocked",
            manifest: "version: 1\nsandbox: {}\nsync:\n  deal_invoices:\n    deals: [{field: dealstage, op: eq, value: closedwon}]\n",
            hubspot: vec![(
                "deals",
                vec![hs(
                    "301",
                    0,
                    &[("dealname", "X"), ("dealstage", "closedwon")],
                )],
            )],
            associations: vec![],
            quickbooks: vec![],
            baselines: vec![],
            setup: |q| q.facts.custom_txn_numbers = true,
        },
    ]
}

fn plan_of(s: &Scenario, reverse: bool) -> Plan {
    let manifest = hsqb::manifest::parse_str(s.manifest, &|_| None)
        .map(|(m, _)| m)
        .unwrap_or_else(|r| panic!("{}: {r}", s.name));
    let mut objects: Vec<(&str, Vec<HsRecord>)> =
        s.hubspot.iter().map(|(o, r)| (*o, r.clone())).collect();
    let mut entities: Vec<(&str, Vec<QboRecord>)> =
        s.quickbooks.iter().map(|(e, r)| (*e, r.clone())).collect();
    if reverse {
        objects.iter_mut().for_each(|(_, r)| r.reverse());
        entities.iter_mut().for_each(|(_, r)| r.reverse());
    }
    let mut hsnap = hubspot(objects, links());
    for (f, fid, t, tid, ty) in &s.associations {
        hsnap
            .associations
            .entry((f.to_string(), t.to_string()))
            .or_default()
            .push(Association {
                from_id: fid.to_string(),
                to_id: tid.to_string(),
                type_id: *ty,
            });
    }
    let mut q = quickbooks(entities);
    (s.setup)(&mut q);
    let mut state = StateView::default();
    for (block, h, qid, values) in &s.baselines {
        state.baselines.insert(
            baseline_key(*block, h, qid),
            BaselineEntry {
                block: *block,
                hubspot_id: Some(h.to_string()),
                qbo_id: Some(qid.to_string()),
                values: values
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
        );
    }
    let mut qbs = BTreeMap::new();
    qbs.insert(hsqb::manifest::SANDBOX_COMPANY.to_string(), q);
    let opts = options();
    hsqb::plan::plan(PlanInput {
        manifest: &manifest,
        hubspot: &hsnap,
        quickbooks: &qbs,
        state: &state,
        options: &opts,
    })
}

#[test]
fn scenario_plans_in_all_formats() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/plan.schema.json"
        ))
        .expect("schema"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for s in scenarios() {
        let plan = plan_of(&s, false);
        let text = render::text(&plan, &render::TextOptions::default());
        insta::assert_snapshot!(format!("{}__text", s.name), text);
        insta::assert_snapshot!(format!("{}__markdown", s.name), render::markdown(&plan));
        let json = render::json(&plan);
        insta::assert_snapshot!(format!("{}__json", s.name), json);
        let instance: serde_json::Value = serde_json::from_str(&json).expect("plan json parses");
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}: plan JSON does not match the schema: {errors:?}",
            s.name
        );
        // Saved plans round-trip exactly.
        assert_eq!(
            Plan::from_file_json(&plan.to_file_json()).expect("round trip"),
            plan,
            "{}",
            s.name
        );
    }
}

#[test]
fn input_order_does_not_change_the_plan() {
    for s in scenarios() {
        assert_eq!(
            plan_of(&s, false).to_file_json(),
            plan_of(&s, true).to_file_json(),
            "{}",
            s.name
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    /// Shuffling the records of both systems never changes a byte of the plan.
    #[test]
    fn shuffled_inputs_give_byte_identical_plans(seed in any::<u64>()) {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let m = hsqb::manifest::parse_str(TWO_WAY, &|_| None).map(|(m, _)| m).expect("manifest");
        let mut contacts: Vec<HsRecord> = (0..40)
            .map(|i| hs(&format!("{}", 100 + i), i, &[("email", &format!("u{i}@x.test")), ("company", if i % 4 == 0 { "Same Co" } else { "" }), ("phone", &format!("{}", i % 7))]))
            .collect();
        let mut customers: Vec<QboRecord> = (0..30)
            .map(|i| customer(&format!("{}", i + 1), &format!("C{i}"), &format!("u{}@x.test", i * 2), json!({"PrimaryPhone": {"FreeFormNumber": format!("{}", i % 5)}})))
            .collect();
        let build = |c: Vec<HsRecord>, q: Vec<QboRecord>| {
            let mut qbs = BTreeMap::new();
            qbs.insert(hsqb::manifest::SANDBOX_COMPANY.to_string(), quickbooks(vec![("Customer", q)]));
            let h = hubspot(vec![("contacts", c)], links());
            let opts = options();
            hsqb::plan::plan(PlanInput { manifest: &m, hubspot: &h, quickbooks: &qbs, state: &StateView::default(), options: &opts }).to_file_json()
        };
        let a = build(contacts.clone(), customers.clone());
        contacts.shuffle(&mut rng);
        customers.shuffle(&mut rng);
        prop_assert_eq!(a, build(contacts, customers));
    }
}
