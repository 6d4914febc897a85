//! Planner unit tests: pairing, mapping, three-way diff, policies.

use super::input::*;
use super::model::*;
use super::testkit::*;
use crate::manifest::Manifest;
use crate::model::{System, Value};
use serde_json::json;
use std::collections::BTreeMap;

fn manifest(yaml: &str) -> Manifest {
    serde_saphyr::from_str(yaml).expect("test manifest parses")
}

const CONTACTS_TWO_WAY: &str = r#"
version: 1
sandbox: {}
sync:
  contacts:
    direction: two_way
    conflict: newest_wins
"#;

fn link_def() -> Vec<(&'static str, crate::model::HsPropertyDef)> {
    vec![
        ("contacts", prop_def("hsqb_qbo_customer_id", "string", true)),
        ("products", prop_def("hsqb_qbo_item_id", "string", true)),
    ]
}

fn run(m: &Manifest, hs: &HubSpotSnapshot, q: QboSnapshot, state: &StateView) -> Plan {
    let mut qbs = BTreeMap::new();
    qbs.insert(crate::manifest::SANDBOX_COMPANY.to_string(), q);
    let opts = options();
    super::plan(PlanInput {
        manifest: m,
        hubspot: hs,
        quickbooks: &qbs,
        state,
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

#[test]
fn creates_both_ways_and_links_matches() {
    let m = manifest(CONTACTS_TWO_WAY);
    let hs_snap = hubspot(
        vec![(
            "contacts",
            vec![
                hs(
                    "101",
                    0,
                    &[
                        ("email", "ann@acme.test"),
                        ("firstname", "Ann"),
                        ("lastname", "Lee"),
                        ("company", "Acme"),
                    ],
                ),
                hs(
                    "102",
                    0,
                    &[("email", "BOB@bee.test "), ("firstname", "Bob")],
                ),
            ],
        )],
        link_def(),
    );
    let q = quickbooks(vec![(
        "Customer",
        vec![
            qbo(
                "1",
                "0",
                0,
                json!({"DisplayName": "Bob B", "PrimaryEmailAddr": {"Address": "bob@bee.test"}, "GivenName": "Bob"}),
            ),
            qbo(
                "2",
                "3",
                0,
                json!({"DisplayName": "Cy Corp", "PrimaryEmailAddr": {"Address": "cy@corp.test"}, "GivenName": "Cy", "CompanyName": "Cy Corp"}),
            ),
        ],
    )]);
    let p = run(&m, &hs_snap, q, &StateView::default());

    let create_q = change(&p, "contacts/create/quickbooks/hs:101");
    assert_eq!(create_q.system, System::Quickbooks);
    let Payload::Quickbooks {
        body, natural_key, ..
    } = &create_q.payload
    else {
        panic!("payload")
    };
    assert_eq!(body["DisplayName"], "Acme");
    assert_eq!(body["PrimaryEmailAddr"]["Address"], "ann@acme.test");
    assert_eq!(body["GivenName"], "Ann");
    assert_eq!(natural_key.as_ref().unwrap().value, "Acme");
    assert_eq!(create_q.link_back.as_ref().unwrap().id, "101");

    let link = change(&p, "contacts/link/hubspot/102");
    assert_eq!(link.match_key.as_deref(), Some("email=bob@bee.test"));
    let Payload::Link { qbo_id, .. } = &link.payload else {
        panic!("payload")
    };
    assert_eq!(qbo_id.as_deref(), Some("1"));

    let create_h = change(&p, "contacts/create/hubspot/qbo:sandbox:2");
    let Payload::Hubspot {
        properties,
        upsert_by,
        ..
    } = &create_h.payload
    else {
        panic!("payload")
    };
    assert_eq!(upsert_by.as_deref(), Some("hsqb_qbo_customer_id"));
    assert_eq!(properties["hsqb_qbo_customer_id"], "2");
    assert_eq!(properties["email"], "cy@corp.test");
    assert_eq!(properties["company"], "Cy Corp");
    assert_eq!(p.summary.create, 2);
    assert_eq!(p.summary.link, 1);
    assert!(!p.is_blocked());
}

#[test]
fn missing_link_property_is_ensured_first() {
    let m = manifest(CONTACTS_TWO_WAY);
    let hs_snap = hubspot(
        vec![("contacts", vec![hs("101", 0, &[("email", "a@x.test")])])],
        vec![],
    );
    let p = run(&m, &hs_snap, quickbooks(vec![]), &StateView::default());
    let ensure = change(&p, "properties/ensure/contacts/hsqb_qbo_customer_id");
    let Payload::Property { definition, .. } = &ensure.payload else {
        panic!()
    };
    assert!(definition.has_unique_value);
    let create = change(&p, "contacts/create/quickbooks/hs:101");
    assert_eq!(create.depends_on, vec![ensure.id.clone()]);
    assert_eq!(p.summary.ensure, 1);
}

fn linked_pair(
    hs_props: &[(&str, &str)],
    hs_min: i64,
    q_body: serde_json::Value,
    q_min: i64,
) -> (HubSpotSnapshot, QboSnapshot) {
    let mut props = hs_props.to_vec();
    props.push(("hsqb_qbo_customer_id", "7"));
    (
        hubspot(
            vec![("contacts", vec![hs("201", hs_min, &props)])],
            link_def(),
        ),
        quickbooks(vec![("Customer", vec![qbo("7", "4", q_min, q_body)])]),
    )
}

fn baseline(values: &[(&str, &str)]) -> StateView {
    let mut s = StateView::default();
    s.baselines.insert(
        baseline_key(Block::Contacts, "201", "7"),
        BaselineEntry {
            block: Block::Contacts,
            hubspot_id: Some("201".into()),
            qbo_id: Some("7".into()),
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            qbo_values: Default::default(),
            from_created: Vec::new(),
        },
    );
    s
}

#[test]
fn three_way_only_the_changed_side_wins() {
    let m = manifest(CONTACTS_TWO_WAY);
    // HubSpot changed the phone since the baseline; QuickBooks changed the city.
    // HubSpot's record is older, so a naive newest-wins would overwrite its phone.
    let (h, q) = linked_pair(
        &[
            ("email", "a@x.test"),
            ("phone", "555-0200"),
            ("city", "Oslo"),
        ],
        0,
        json!({"DisplayName": "A", "PrimaryEmailAddr": {"Address": "a@x.test"}, "PrimaryPhone": {"FreeFormNumber": "555-0100"}, "BillAddr": {"City": "Bergen"}}),
        30,
    );
    let state = baseline(&[
        ("email", "a@x.test"),
        ("phone", "555-0100"),
        ("city", "Oslo"),
    ]);
    let p = run(&m, &h, q, &state);
    let to_q = change(&p, "contacts/update/quickbooks/sandbox:7");
    assert_eq!(to_q.fields.len(), 1);
    assert_eq!(to_q.fields[0].field, "PrimaryPhone.FreeFormNumber");
    assert_eq!(to_q.fields[0].after, Value::Text("555-0200".into()));
    assert_eq!(to_q.preconditions[0].sync_token.as_deref(), Some("4"));
    let Payload::Quickbooks { body, .. } = &to_q.payload else {
        panic!()
    };
    assert_eq!(
        body,
        json!({"PrimaryPhone": {"FreeFormNumber": "555-0200"}})
            .as_object()
            .unwrap()
    );
    let to_h = change(&p, "contacts/update/hubspot/201");
    assert_eq!(to_h.fields.len(), 1);
    assert_eq!(to_h.fields[0].field, "city");
    assert_eq!(to_h.fields[0].after, Value::Text("Bergen".into()));
    // Both changes carry the same post-sync baseline.
    let be = to_h.baseline.as_ref().unwrap();
    assert_eq!(to_q.baseline.as_ref(), Some(be));
    assert_eq!(be.values["phone"], "555-0200");
    assert_eq!(be.values["city"], "Bergen");
}

#[test]
fn an_equal_pair_plans_nothing_and_refreshes_only_a_stale_baseline() {
    let m = manifest(CONTACTS_TWO_WAY);
    let (h, q) = linked_pair(
        &[("email", "a@x.test"), ("phone", "555")],
        0,
        json!({"DisplayName": "A", "PrimaryEmailAddr": {"Address": "a@x.test"}, "PrimaryPhone": {"FreeFormNumber": "555"}}),
        30,
    );
    // A stale baseline (an old value, a field no longer mapped, a field
    // missing, a known difference): no change, but the baseline is brought
    // up to date — the full comparison's answer.
    let stale = baseline(&[("email", "a@x.test"), ("phone", "000")]);
    let mut with_known_difference = stale.clone();
    for b in with_known_difference.baselines.values_mut() {
        b.values.insert("phone".into(), "555".into());
        b.qbo_values.insert("phone".into(), "000".into());
    }
    let mut refreshed = Vec::new();
    for st in [
        stale,
        baseline(&[("email", "a@x.test"), ("phone", "555"), ("gone", "x")]),
        baseline(&[("email", "a@x.test")]),
        with_known_difference,
    ] {
        let p = run(&m, &h, q.clone(), &st);
        assert!(p.changes.is_empty(), "{st:?}: {:?}", p.changes);
        assert_eq!(p.state.baselines.len(), 1, "{st:?}");
        refreshed.push(p.state.baselines[0].clone());
    }
    let be = refreshed[0].clone();
    assert!(refreshed.iter().all(|b| *b == be), "{refreshed:?}");
    assert_eq!(be.values["phone"], "555");
    assert!(be.qbo_values.is_empty());
    // With exactly that baseline: nothing to do, nothing to record.
    let mut exact = StateView::default();
    exact
        .baselines
        .insert(baseline_key(Block::Contacts, "201", "7"), be);
    let p = run(&m, &h, q, &exact);
    assert!(
        p.changes.is_empty() && p.state.baselines.is_empty(),
        "{p:?}"
    );
}

#[test]
fn real_conflicts_follow_the_rule() {
    for (rule, expect_system) in [
        ("hubspot_wins", System::Quickbooks),
        ("quickbooks_wins", System::Hubspot),
        ("newest_wins", System::Hubspot), // QuickBooks modified later (30 > 0)
    ] {
        let m = manifest(&CONTACTS_TWO_WAY.replace("newest_wins", rule));
        let (h, q) = linked_pair(
            &[("email", "a@x.test"), ("phone", "1")],
            0,
            json!({"DisplayName": "A", "PrimaryEmailAddr": {"Address": "a@x.test"}, "PrimaryPhone": {"FreeFormNumber": "2"}}),
            30,
        );
        let p = run(
            &m,
            &h,
            q,
            &baseline(&[("email", "a@x.test"), ("phone", "0")]),
        );
        let updates: Vec<_> = p
            .changes
            .iter()
            .filter(|c| c.action == Action::Update)
            .collect();
        assert_eq!(updates.len(), 1, "{rule}");
        assert_eq!(updates[0].system, expect_system, "{rule}");
        assert!(
            updates[0].fields[0].note.as_deref().unwrap().contains(rule),
            "{rule}"
        );
    }
}

#[test]
fn winner_never_blanks_unless_allowed() {
    let m = manifest(CONTACTS_TWO_WAY);
    let (h, q) = linked_pair(
        &[("email", "a@x.test")],
        10,
        json!({"DisplayName": "A", "PrimaryEmailAddr": {"Address": "a@x.test"}, "PrimaryPhone": {"FreeFormNumber": "555"}}),
        0,
    );
    // HubSpot cleared the phone since the last sync.
    let st = baseline(&[("email", "a@x.test"), ("phone", "555")]);
    let p = run(&m, &h, q.clone(), &st);
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert!(p.diagnostics.iter().any(|d| d.code == "not_blanking"));
    let m2 = manifest(&format!("{CONTACTS_TWO_WAY}    allow_blanking: true\n"));
    let p2 = run(&m2, &h, q, &st);
    let c = change(&p2, "contacts/update/quickbooks/sandbox:7");
    assert_eq!(c.fields[0].after, Value::Null);
}

#[test]
fn ambiguous_matches_are_diagnostics_not_guesses() {
    let m = manifest(CONTACTS_TWO_WAY);
    let h = hubspot(
        vec![("contacts", vec![hs("1", 0, &[("email", "dup@x.test")])])],
        link_def(),
    );
    let q = quickbooks(vec![(
        "Customer",
        vec![
            qbo(
                "10",
                "0",
                0,
                json!({"DisplayName": "D1", "PrimaryEmailAddr": {"Address": "dup@x.test"}}),
            ),
            qbo(
                "11",
                "0",
                0,
                json!({"DisplayName": "D2", "PrimaryEmailAddr": {"Address": "DUP@x.test"}}),
            ),
        ],
    )]);
    let p = run(&m, &h, q, &StateView::default());
    assert!(
        p.changes
            .iter()
            .all(|c| c.source.as_ref().map(|s| s.id.as_str()) != Some("1"))
    );
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "ambiguous_match")
        .unwrap();
    assert!(d.message.contains("10, 11"), "{}", d.message);
    // The two QuickBooks customers share the contact's email, which HubSpot keeps
    // unique: neither becomes a second HubSpot contact.
    assert_eq!(p.summary.create, 0);
    assert_eq!(
        p.diagnostics
            .iter()
            .filter(|d| d.code == "duplicate_email")
            .count(),
        2
    );
}

#[test]
fn display_name_collisions_across_vendors_and_employees() {
    let m = manifest(CONTACTS_TWO_WAY);
    let h = hubspot(
        vec![(
            "contacts",
            vec![
                hs("1", 0, &[("email", "a@acme.test"), ("company", "Acme")]),
                hs("2", 0, &[("email", "b@acme.test"), ("company", "Acme")]),
            ],
        )],
        link_def(),
    );
    let q = quickbooks(vec![(
        "Vendor",
        vec![qbo("50", "0", 0, json!({"DisplayName": "ACME"}))],
    )]);
    let p = run(&m, &h, q.clone(), &StateView::default());
    let names: Vec<String> = p
        .changes
        .iter()
        .filter_map(|c| match &c.payload {
            Payload::Quickbooks { body, .. } => body
                .get("DisplayName")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["Acme (2)", "Acme (3)"]);
    let fail = manifest(&format!(
        "{CONTACTS_TWO_WAY}    display_name:\n      on_collision: fail\n"
    ));
    let p = run(&fail, &h, q, &StateView::default());
    assert_eq!(p.summary.create, 0);
    assert_eq!(
        p.diagnostics
            .iter()
            .filter(|d| d.code == "display_name_collision")
            .count(),
        2
    );
}

#[test]
fn deletes_follow_policy_and_safety() {
    let yaml = r#"
version: 1
sandbox: {}
safety: {max_deletes: 1, max_delete_percent: 100}
sync:
  contacts:
    direction: two_way
    conflict: hubspot_wins
    on_delete: archive
"#;
    let m = manifest(yaml);
    let mut gone = hs(
        "1",
        0,
        &[("email", "a@x.test"), ("hsqb_qbo_customer_id", "10")],
    );
    gone.archived = true;
    let h = hubspot(
        vec![(
            "contacts",
            vec![
                gone,
                hs(
                    "2",
                    0,
                    &[("email", "b@x.test"), ("hsqb_qbo_customer_id", "11")],
                ),
            ],
        )],
        link_def(),
    );
    let q = quickbooks(vec![(
        "Customer",
        vec![
            qbo(
                "10",
                "2",
                0,
                json!({"DisplayName": "A", "PrimaryEmailAddr": {"Address": "a@x.test"}}),
            ),
            qbo(
                "11",
                "0",
                0,
                json!({"DisplayName": "B (deleted)", "Active": false, "PrimaryEmailAddr": {"Address": "b@x.test"}}),
            ),
        ],
    )]);
    let p = run(&m, &h, q.clone(), &StateView::default());
    let deact = change(&p, "contacts/archive/quickbooks/sandbox:10");
    assert_eq!(
        deact.payload,
        Payload::Remove {
            operation: "deactivate".into()
        }
    );
    let arch = change(&p, "contacts/archive/hubspot/2");
    assert_eq!(
        arch.payload,
        Payload::Remove {
            operation: "archive".into()
        }
    );
    assert_eq!(p.summary.delete, 2);
    assert!(p.is_blocked(), "2 deletes > max_deletes 1");
    let ignore = manifest(&yaml.replace("on_delete: archive", "on_delete: ignore"));
    let p = run(&ignore, &h, q, &StateView::default());
    assert_eq!(p.summary.delete, 0);
    assert!(!p.is_blocked());
}

#[test]
fn products_match_by_sku_then_name_and_need_an_income_account() {
    let yaml = r#"
version: 1
sandbox: {}
sync:
  products:
    direction: hubspot_to_quickbooks
"#;
    let m = manifest(yaml);
    let h = hubspot(
        vec![(
            "products",
            vec![
                hs(
                    "1",
                    0,
                    &[("name", "Widget"), ("hs_sku", "W-1"), ("price", "12.5")],
                ),
                hs("2", 0, &[("name", "Gadget"), ("price", "3")]),
                hs("3", 0, &[("name", "Brand New"), ("price", "1.00")]),
            ],
        )],
        link_def(),
    );
    let q = quickbooks(vec![
        (
            "Item",
            vec![
                qbo(
                    "40",
                    "0",
                    0,
                    json!({"Name": "Widget renamed", "Sku": "W-1", "UnitPrice": 12.50, "Type": "Service"}),
                ),
                qbo(
                    "41",
                    "0",
                    0,
                    json!({"Name": "Gadget (deleted)", "Active": false, "UnitPrice": 3}),
                ),
                qbo("42", "0", 0, json!({"Name": "gadget", "UnitPrice": 3})),
            ],
        ),
        (
            "Account",
            vec![qbo(
                "79",
                "0",
                0,
                json!({"Name": "Sales of Product Income", "AccountType": "Income"}),
            )],
        ),
    ]);
    let p = run(&m, &h, q.clone(), &StateView::default());
    assert_eq!(
        change(&p, "products/link/hubspot/1").match_key.as_deref(),
        Some("sku=W-1")
    );
    assert_eq!(
        change(&p, "products/link/hubspot/2").match_key.as_deref(),
        Some("name=Gadget")
    );
    assert!(
        p.diagnostics
            .iter()
            .any(|d| d.code == "missing_income_account")
    );
    assert_eq!(p.summary.create, 0);

    let m2 = manifest(&format!(
        "{yaml}    income_account: Sales of Product Income\n"
    ));
    let p2 = run(&m2, &h, q, &StateView::default());
    let c = change(&p2, "products/create/quickbooks/hs:3");
    let Payload::Quickbooks { body, .. } = &c.payload else {
        panic!()
    };
    assert_eq!(body["IncomeAccountRef"]["value"], "79");
    assert_eq!(body["Type"], "Service");
    assert_eq!(body["UnitPrice"].to_string(), "1.00");
}

#[test]
fn money_precision_is_exact() {
    let yaml =
        "version: 1\nsandbox: {}\nsync:\n  products:\n    direction: quickbooks_to_hubspot\n";
    let m = manifest(yaml);
    let h = hubspot(
        vec![(
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
        link_def(),
    );
    let q = quickbooks(vec![(
        "Item",
        vec![
            qbo(
                "40",
                "0",
                0,
                serde_json::from_str(r#"{"Name":"A","UnitPrice":12.50}"#).unwrap(),
            ),
            qbo(
                "41",
                "0",
                0,
                serde_json::from_str(r#"{"Name":"B","UnitPrice":0.10000000000000000001}"#).unwrap(),
            ),
        ],
    )]);
    let p = run(&m, &h, q, &StateView::default());
    assert_eq!(p.summary.update, 1, "{:?}", p.changes);
    let c = change(&p, "products/update/hubspot/2");
    let Payload::Hubspot { properties, .. } = &c.payload else {
        panic!()
    };
    assert_eq!(properties["price"], "0.10000000000000000001");
}

#[test]
fn missing_email_and_over_long_values_are_diagnostics() {
    let m = manifest(CONTACTS_TWO_WAY);
    let long = "x".repeat(101);
    let h = hubspot(
        vec![(
            "contacts",
            vec![
                hs("1", 0, &[("firstname", "NoMail")]),
                hs("2", 0, &[("email", "l@x.test"), ("firstname", &long)]),
            ],
        )],
        link_def(),
    );
    let p = run(&m, &h, quickbooks(vec![]), &StateView::default());
    assert_eq!(p.summary.create, 0);
    assert!(p.diagnostics.iter().any(|d| d.code == "missing_match_key"));
    let d = p
        .diagnostics
        .iter()
        .find(|d| d.code == "invalid_value")
        .unwrap();
    assert!(d.message.contains("at most 100"), "{}", d.message);
    assert_eq!(p.summary.skipped, 2);
}

#[test]
fn filters_gate_entry_only_by_default() {
    let yaml = r#"
version: 1
sandbox: {}
sync:
  contacts:
    direction: hubspot_to_quickbooks
    filter:
      hubspot:
        - {field: lifecyclestage, op: eq, value: customer}
"#;
    let m = manifest(yaml);
    let h = hubspot(
        vec![(
            "contacts",
            vec![
                hs(
                    "1",
                    0,
                    &[
                        ("email", "in@x.test"),
                        ("lifecyclestage", "customer"),
                        ("firstname", "In"),
                    ],
                ),
                hs(
                    "2",
                    0,
                    &[
                        ("email", "out@x.test"),
                        ("lifecyclestage", "lead"),
                        ("firstname", "Out"),
                    ],
                ),
                hs(
                    "3",
                    0,
                    &[
                        ("email", "paired@x.test"),
                        ("lifecyclestage", "lead"),
                        ("phone", "9"),
                        ("hsqb_qbo_customer_id", "5"),
                    ],
                ),
            ],
        )],
        link_def(),
    );
    let q = quickbooks(vec![(
        "Customer",
        vec![qbo(
            "5",
            "0",
            0,
            json!({"DisplayName": "P", "PrimaryEmailAddr": {"Address": "paired@x.test"}}),
        )],
    )]);
    let p = run(&m, &h, q.clone(), &StateView::default());
    assert!(
        p.changes
            .iter()
            .any(|c| c.id == "contacts/create/quickbooks/hs:1")
    );
    assert!(
        !p.changes
            .iter()
            .any(|c| c.id == "contacts/create/quickbooks/hs:2")
    );
    assert!(
        p.changes
            .iter()
            .any(|c| c.id == "contacts/update/quickbooks/sandbox:5"),
        "paired records keep syncing"
    );
    let cont = manifest(&format!("{yaml}      scope: continuous\n"));
    let p = run(&cont, &h, q, &StateView::default());
    assert!(
        !p.changes
            .iter()
            .any(|c| c.id == "contacts/update/quickbooks/sandbox:5")
    );
}

#[test]
fn same_inputs_in_any_order_give_identical_plans() {
    let m = manifest(CONTACTS_TWO_WAY);
    let records: Vec<_> = (0..30)
        .map(|i| {
            hs(
                &format!("{}", 100 + i),
                i,
                &[
                    ("email", &format!("u{i}@x.test")),
                    ("company", if i % 3 == 0 { "Same" } else { "" }),
                ],
            )
        })
        .collect();
    let customers: Vec<_> = (0..20)
        .map(|i| qbo(&format!("{}", i + 1), "0", i, json!({"DisplayName": format!("C{i}"), "PrimaryEmailAddr": {"Address": format!("u{}@x.test", i * 2)}})))
        .collect();
    let a = run(
        &m,
        &hubspot(vec![("contacts", records.clone())], link_def()),
        quickbooks(vec![("Customer", customers.clone())]),
        &StateView::default(),
    );
    let mut r2 = records;
    r2.reverse();
    let mut c2 = customers;
    c2.rotate_left(7);
    let b = run(
        &m,
        &hubspot(vec![("contacts", r2)], link_def()),
        quickbooks(vec![("Customer", c2)]),
        &StateView::default(),
    );
    assert_eq!(a.to_file_json(), b.to_file_json());
}

#[test]
fn saved_plans_refuse_tampering_and_future_versions() {
    let m = manifest(CONTACTS_TWO_WAY);
    let h = hubspot(
        vec![("contacts", vec![hs("1", 0, &[("email", "a@x.test")])])],
        link_def(),
    );
    let p = run(&m, &h, quickbooks(vec![]), &StateView::default());
    let text = p.to_file_json();
    assert_eq!(Plan::from_file_json(&text).unwrap(), p);
    let tampered = text.replace("a@x.test", "evil@x.test");
    assert!(
        Plan::from_file_json(&tampered)
            .unwrap_err()
            .contains("modified")
    );
    let future = text.replace("\"format_version\": 1", "\"format_version\": 2");
    assert!(
        Plan::from_file_json(&future)
            .unwrap_err()
            .contains("format_version 2")
    );
    assert!(
        Plan::from_file_json(&text[..text.len() / 2])
            .unwrap_err()
            .contains("truncated")
    );
}
