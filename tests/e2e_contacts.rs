//! End to end, contacts ⇄ customers: for each scenario, seed both emulated
//! systems, run the real binary until a plan shows `No changes.`, and check
//! what landed on each side (the planner's unit tests check the plans; these
//! check that apply makes them true and that nothing is left over).

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use serde_json::json;

const TWO_WAY: &str = "sync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n";

fn two_way(conflict: &str, extra: &str) -> String {
    format!("sync:\n  contacts:\n    direction: two_way\n    conflict: {conflict}\n{extra}")
}

#[test]
fn creates_both_ways_link_back_and_stay_clean() {
    let w = World::new();
    let ann = w.contact(&[
        ("email", "ann@acme.test"),
        ("firstname", "Ann"),
        ("lastname", "Lee"),
        ("company", "Acme"),
        ("phone", "+1 555 0100"),
        ("city", "Boston"),
    ]);
    let bob = w.contact(&[
        ("email", "bob@bee.test"),
        ("firstname", "Bob"),
        ("lastname", "Bee"),
    ]);
    let cy = w.customer(json!({
        "DisplayName": "Cy Corp", "GivenName": "Cy", "FamilyName": "Young", "CompanyName": "Cy Corp",
        "PrimaryEmailAddr": {"Address": "cy@corp.test"}, "BillAddr": {"City": "Denver", "PostalCode": "80202"}
    }));
    w.manifest(TWO_WAY);
    let applies = w.converge(1);
    assert_eq!(applies.len(), 1, "one apply does all the work");
    w.assert_no_duplicates();
    let c = w.contents();
    assert_eq!(c.contacts.len(), 3);
    assert_eq!(c.customers.len(), 3);
    // HubSpot → QuickBooks, with the display name from the company and the
    // new Id written back into the contact's link property.
    let acme = c.customer("Acme");
    assert_eq!(acme["PrimaryEmailAddr.Address"], "ann@acme.test");
    assert_eq!(acme["PrimaryPhone.FreeFormNumber"], "+1 555 0100");
    assert_eq!(acme["BillAddr.City"], "Boston");
    assert_eq!(c.contact("ann@acme.test")["hsqb_qbo_customer_id"], "→ Acme");
    // Without a company the name comes from first and last name.
    assert_eq!(
        c.contact("bob@bee.test")["hsqb_qbo_customer_id"],
        "→ Bob Bee"
    );
    // QuickBooks → HubSpot, created by an upsert on the link property.
    let cy_contact = c.contact("cy@corp.test");
    assert_eq!(cy_contact["firstname"], "Cy");
    assert_eq!(cy_contact["zip"], "80202");
    assert_eq!(cy_contact["hsqb_qbo_customer_id"], "→ Cy Corp");
    // The seeded records were linked in place, not copied.
    assert!(
        w.hs_prop("contacts", &ann, "hsqb_qbo_customer_id")
            .is_some()
    );
    assert!(
        w.hs_prop("contacts", &bob, "hsqb_qbo_customer_id")
            .is_some()
    );
    assert_eq!(w.qbo_get("Customer", &cy)["DisplayName"], "Cy Corp");
}

#[test]
fn existing_pairs_are_linked_by_email_without_copies() {
    let w = World::new();
    // Case and whitespace differ: emails are trimmed and case-folded.
    let h = w.contact(&[
        ("email", "Dana@Example.test"),
        ("firstname", "Dana"),
        ("lastname", "Diaz"),
    ]);
    let q = w.customer(json!({
        "DisplayName": "Dana Diaz", "GivenName": "Dana", "FamilyName": "Diaz",
        "PrimaryEmailAddr": {"Address": "dana@example.test"}
    }));
    w.manifest(TWO_WAY);
    let first = w.plan();
    assert!(first.stdout.contains("<= link hubspot contact"), "{first}");
    w.converge(2);
    w.assert_no_duplicates();
    assert_eq!(w.hs_live("contacts").len(), 1);
    assert_eq!(w.qbo_all("Customer").len(), 1);
    assert_eq!(
        w.hs_prop("contacts", &h, "hsqb_qbo_customer_id").as_deref(),
        Some(q.as_str())
    );
}

#[test]
fn a_contact_matching_only_a_deactivated_customer_is_not_created_again() {
    let w = World::new();
    let h = w.contact(&[("email", "gone@example.test"), ("firstname", "Gone")]);
    let q = w.customer(json!({
        "DisplayName": "Gone Customer",
        "PrimaryEmailAddr": {"Address": "Gone@example.test"}
    }));
    w.qbo_patch("Customer", &q, json!({"Active": false}));
    w.manifest(TWO_WAY);
    let p = w.plan();
    assert!(
        p.stdout.contains("0 to create"),
        "nothing created, the link property only: {p}"
    );
    assert!(
        p.stdout.contains(&format!(
            "matches only the deactivated (\"deleted\") QuickBooks customer {q}"
        )),
        "{p}"
    );
    assert!(p.stdout.contains("Reactivate it in QuickBooks"), "{p}");
    w.apply().expect_code(0);
    assert_eq!(w.qbo_all("Customer").len(), 1, "no second customer");
    assert_eq!(w.hs_prop("contacts", &h, "hsqb_qbo_customer_id"), None);

    // Reactivated in QuickBooks: now it is linked, still one customer.
    w.qbo_patch("Customer", &q, json!({"Active": true}));
    w.converge(2);
    w.assert_no_duplicates();
    assert_eq!(w.qbo_all("Customer").len(), 1);
    assert_eq!(
        w.hs_prop("contacts", &h, "hsqb_qbo_customer_id").as_deref(),
        Some(q.as_str())
    );
    // The first name, empty in QuickBooks, was filled from HubSpot whatever
    // the timestamps said (a filled side beats an empty one at first sight).
    assert_eq!(w.qbo_get("Customer", &q)["GivenName"], "Gone");
}

/// A pair adopted by match key is linked first and reconciled on the next run.
/// Writing the link bumps the HubSpot record's `updatedAt`, so the linking plan
/// decides the differing fields by the conflict rule with the users' timestamps
/// and records the loser's value as the baseline (`plan_link`): on the next run
/// the winner reads as "changed since the last sync".
#[test]
fn a_linked_pair_that_differs_is_reconciled_after_linking() {
    let w = World::new();
    let h = w.contact(&[
        ("email", "eve@x.test"),
        ("firstname", "Eve"),
        ("city", "Oslo"),
    ]);
    w.advance(chrono::Duration::minutes(1));
    // QuickBooks was edited later: under newest_wins its city wins.
    let q = w.customer(json!({
        "DisplayName": "Eve", "GivenName": "Eve", "PrimaryEmailAddr": {"Address": "eve@x.test"},
        "BillAddr": {"City": "Bergen"}
    }));
    w.manifest(TWO_WAY);
    w.converge(3);
    assert_eq!(w.hs_prop("contacts", &h, "city").as_deref(), Some("Bergen"));
    assert_eq!(w.qbo_get("Customer", &q)["BillAddr"]["City"], "Bergen");
}

#[test]
fn one_way_updates_flow_from_hubspot_and_overwrite_quickbooks_edits() {
    let w = World::new();
    let h = w.contact(&[
        ("email", "fay@x.test"),
        ("firstname", "Fay"),
        ("phone", "1"),
    ]);
    w.manifest("sync:\n  contacts:\n    direction: hubspot_to_quickbooks\n");
    w.converge(1);
    let q = w
        .hs_prop("contacts", &h, "hsqb_qbo_customer_id")
        .expect("linked");
    // A HubSpot edit flows; a QuickBooks-only edit of a mapped field is put back.
    w.advance(chrono::Duration::minutes(1));
    w.hs_patch("contacts", &h, &[("phone", "2"), ("lastname", "Fox")]);
    w.qbo_patch("Customer", &q, json!({"BillAddr": {"City": "Nowhere"}}));
    let p = w.plan();
    assert_eq!(p.code, 2, "{p}");
    assert!(p.stdout.contains("~ update quickbooks customer"), "{p}");
    w.converge(1);
    let cust = w.qbo_get("Customer", &q);
    assert_eq!(cust["PrimaryPhone"]["FreeFormNumber"], "2");
    assert_eq!(cust["FamilyName"], "Fox");
    // HubSpot has no city, and the winner never blanks a filled field.
    assert_eq!(cust["BillAddr"]["City"], "Nowhere");
    // Nothing flowed back to HubSpot.
    assert_eq!(w.hs_prop("contacts", &h, "city"), None);
}

#[test]
fn one_way_updates_flow_from_quickbooks() {
    let w = World::new();
    let q = w.customer(json!({
        "DisplayName": "Gus Inc", "GivenName": "Gus", "CompanyName": "Gus Inc",
        "PrimaryEmailAddr": {"Address": "gus@x.test"}, "PrimaryPhone": {"FreeFormNumber": "10"}
    }));
    w.manifest("sync:\n  contacts:\n    direction: quickbooks_to_hubspot\n");
    w.converge(1);
    let h = w.hs_live("contacts")[0].id.clone();
    w.advance(chrono::Duration::minutes(1));
    w.qbo_patch(
        "Customer",
        &q,
        json!({"PrimaryPhone": {"FreeFormNumber": "11"}, "CompanyName": "Gus & Co"}),
    );
    w.hs_patch("contacts", &h, &[("firstname", "Gustav")]);
    w.converge(1);
    assert_eq!(w.hs_prop("contacts", &h, "phone").as_deref(), Some("11"));
    assert_eq!(
        w.hs_prop("contacts", &h, "company").as_deref(),
        Some("Gus & Co")
    );
    // QuickBooks is the source: the HubSpot edit is put back.
    assert_eq!(
        w.hs_prop("contacts", &h, "firstname").as_deref(),
        Some("Gus")
    );
    assert_eq!(w.qbo_get("Customer", &q)["GivenName"], "Gus");
    assert_eq!(w.hs_live("contacts").len(), 1);
}

/// A linked, baselined pair; returns (world, contact id, customer id).
fn synced_pair(conflict: &str, extra: &str) -> (World, String, String) {
    let w = World::new();
    let h = w.contact(&[
        ("email", "hal@x.test"),
        ("firstname", "Hal"),
        ("lastname", "Holt"),
        ("phone", "100"),
        ("city", "Austin"),
    ]);
    w.manifest(&two_way(conflict, extra));
    w.converge(1);
    let q = w
        .hs_prop("contacts", &h, "hsqb_qbo_customer_id")
        .expect("linked");
    (w, h, q)
}

#[test]
fn two_way_changes_on_different_fields_both_flow() {
    let (w, h, q) = synced_pair("hubspot_wins", "");
    w.advance(chrono::Duration::minutes(1));
    w.hs_patch("contacts", &h, &[("phone", "200")]);
    w.advance(chrono::Duration::minutes(1));
    w.qbo_patch("Customer", &q, json!({"BillAddr": {"City": "Dallas"}}));
    w.converge(1);
    let cust = w.qbo_get("Customer", &q);
    assert_eq!(cust["PrimaryPhone"]["FreeFormNumber"], "200");
    assert_eq!(cust["BillAddr"]["City"], "Dallas");
    assert_eq!(w.hs_prop("contacts", &h, "phone").as_deref(), Some("200"));
    assert_eq!(w.hs_prop("contacts", &h, "city").as_deref(), Some("Dallas"));
}

#[test]
fn two_way_conflicts_follow_each_rule() {
    // (rule, which side edits last, expected phone on both sides)
    for (rule, hubspot_last, expect) in [
        ("hubspot_wins", false, "hs"),
        ("hubspot_wins", true, "hs"),
        ("quickbooks_wins", true, "qbo"),
        ("quickbooks_wins", false, "qbo"),
        ("newest_wins", true, "hs"),
        ("newest_wins", false, "qbo"),
    ] {
        let (w, h, q) = synced_pair(rule, "");
        let edit_hs = || w.hs_patch("contacts", &h, &[("phone", "hs")]);
        let edit_qbo = || {
            w.qbo_patch(
                "Customer",
                &q,
                json!({"PrimaryPhone": {"FreeFormNumber": "qbo"}}),
            )
        };
        w.advance(chrono::Duration::minutes(1));
        if hubspot_last {
            edit_qbo();
            w.advance(chrono::Duration::minutes(1));
            edit_hs();
        } else {
            edit_hs();
            w.advance(chrono::Duration::minutes(1));
            edit_qbo();
        }
        let p = w.plan();
        assert!(
            p.stdout.contains(rule),
            "the plan names the rule {rule}: {p}"
        );
        w.converge(1);
        let case = format!("{rule}, hubspot last: {hubspot_last}");
        assert_eq!(
            w.hs_prop("contacts", &h, "phone").as_deref(),
            Some(expect),
            "{case}"
        );
        assert_eq!(
            w.qbo_get("Customer", &q)["PrimaryPhone"]["FreeFormNumber"],
            expect,
            "{case}"
        );
    }
}

#[test]
fn a_winner_never_blanks_a_filled_field_unless_allowed() {
    let (w, h, q) = synced_pair("hubspot_wins", "");
    w.advance(chrono::Duration::minutes(1));
    w.hs_patch("contacts", &h, &[("phone", "")]);
    let p = w.plan();
    assert_eq!(p.code, 0, "clearing in HubSpot plans nothing: {p}");
    assert!(
        p.stdout.contains("not_blanking") || p.stdout.contains("blank"),
        "{p}"
    );
    assert_eq!(
        w.qbo_get("Customer", &q)["PrimaryPhone"]["FreeFormNumber"],
        "100"
    );

    let (w, h, q) = synced_pair("hubspot_wins", "    allow_blanking: true\n");
    w.advance(chrono::Duration::minutes(1));
    w.hs_patch("contacts", &h, &[("phone", "")]);
    w.converge(1);
    assert_eq!(
        path(&w.qbo_get("Customer", &q), "PrimaryPhone.FreeFormNumber"),
        None
    );
    assert_eq!(w.hs_prop("contacts", &h, "phone"), None);
}

const DELETES: &str = "safety: {max_deletes: 10, max_delete_percent: 100}\n";

#[test]
fn archive_policy_deactivates_and_archives_counterparts() {
    let w = World::new();
    let h1 = w.contact(&[
        ("email", "ida@x.test"),
        ("firstname", "Ida"),
        ("lastname", "Ito"),
    ]);
    let h2 = w.contact(&[
        ("email", "jon@x.test"),
        ("firstname", "Jon"),
        ("lastname", "Jay"),
    ]);
    let keep = w.contact(&[
        ("email", "kim@x.test"),
        ("firstname", "Kim"),
        ("lastname", "Ko"),
    ]);
    w.manifest(&format!(
        "{DELETES}{}",
        two_way("hubspot_wins", "    on_delete: archive\n")
    ));
    w.converge(1);
    let q1 = w.hs_prop("contacts", &h1, "hsqb_qbo_customer_id").unwrap();
    let q2 = w.hs_prop("contacts", &h2, "hsqb_qbo_customer_id").unwrap();
    w.advance(chrono::Duration::minutes(1));
    // Deleted in HubSpot → deactivated in QuickBooks.
    w.hs_archive("contacts", &h1);
    // Deactivated in QuickBooks → archived in HubSpot.
    w.qbo_patch("Customer", &q2, json!({"Active": false}));
    let p = w.plan();
    assert!(p.stdout.contains("- archive"), "{p}");
    w.converge(1);
    assert_eq!(w.qbo_get("Customer", &q1)["Active"], false);
    assert!(w.hs_record("contacts", &h2).archived);
    assert!(!w.hs_record("contacts", &keep).archived);
    assert_eq!(w.hs_live("contacts").len(), 1);
    let active: Vec<_> = w
        .qbo_all("Customer")
        .into_iter()
        .filter(|c| c["Active"] == true)
        .collect();
    assert_eq!(active.len(), 1, "{active:#?}");
}

#[test]
fn delete_guards_block_the_plan_and_nothing_is_written() {
    let w = World::new();
    let ids: Vec<String> = (0..4)
        .map(|i| {
            w.contact(&[
                ("email", &format!("p{i}@x.test")),
                ("firstname", &format!("P{i}")),
            ])
        })
        .collect();
    w.manifest(&format!(
        "safety: {{max_deletes: 2, max_delete_percent: 100}}\n{}",
        two_way("hubspot_wins", "    on_delete: archive\n")
    ));
    w.converge(1);
    w.advance(chrono::Duration::minutes(1));
    for id in &ids[..3] {
        w.hs_archive("contacts", id);
    }
    let p = w.plan();
    assert_eq!(p.code, 1, "a blocked plan is an error: {p}");
    w.reset_stats();
    let a = w.apply();
    assert_eq!(a.code, 1, "{a}");
    assert!(a.stderr.contains("blocked"), "{a}");
    assert!(
        w.writes().is_empty(),
        "blocked apply wrote: {:?}",
        w.writes()
    );
    assert_eq!(
        w.qbo_all("Customer")
            .iter()
            .filter(|c| c["Active"] == true)
            .count(),
        4
    );
}

#[test]
fn entry_filters_admit_records_once_and_keep_syncing_pairs() {
    let filter =
        "    filter:\n      hubspot:\n        - {field: lifecyclestage, op: eq, value: customer}\n";
    for scope in ["entry", "continuous"] {
        let w = World::new();
        let inside = w.contact(&[
            ("email", "in@x.test"),
            ("firstname", "In"),
            ("lifecyclestage", "customer"),
            ("phone", "1"),
        ]);
        let outside = w.contact(&[
            ("email", "out@x.test"),
            ("firstname", "Out"),
            ("lifecyclestage", "lead"),
        ]);
        w.manifest(&format!(
            "sync:\n  contacts:\n    direction: hubspot_to_quickbooks\n{filter}      scope: {scope}\n"
        ));
        w.converge(1);
        assert_eq!(w.qbo_all("Customer").len(), 1, "{scope}");
        assert_eq!(
            w.hs_prop("contacts", &outside, "hsqb_qbo_customer_id"),
            None
        );
        let q = w
            .hs_prop("contacts", &inside, "hsqb_qbo_customer_id")
            .unwrap();
        // The paired contact leaves the filter and changes its phone.
        w.advance(chrono::Duration::minutes(1));
        w.hs_patch(
            "contacts",
            &inside,
            &[("lifecyclestage", "lead"), ("phone", "2")],
        );
        w.converge(1);
        let phone = w.qbo_get("Customer", &q)["PrimaryPhone"]["FreeFormNumber"].clone();
        match scope {
            "entry" => assert_eq!(phone, "2", "entry: paired records keep syncing"),
            _ => assert_eq!(
                phone, "1",
                "continuous: a pair that stops matching is skipped"
            ),
        }
        assert_eq!(w.qbo_all("Customer").len(), 1, "{scope}");
    }
}

#[test]
fn ambiguous_matches_stay_diagnostics_and_nothing_is_guessed() {
    let w = World::new();
    let h = w.contact(&[("email", "dup@x.test"), ("firstname", "Dup")]);
    w.customer(json!({"DisplayName": "Dup One", "PrimaryEmailAddr": {"Address": "dup@x.test"}}));
    w.customer(json!({"DisplayName": "Dup Two", "PrimaryEmailAddr": {"Address": "DUP@x.test"}}));
    w.manifest(TWO_WAY);
    w.converge(1);
    let p = w.plan();
    assert!(p.stdout.contains("ambiguous"), "still reported: {p}");
    assert_eq!(w.hs_prop("contacts", &h, "hsqb_qbo_customer_id"), None);
    assert_eq!(w.hs_live("contacts").len(), 1);
    assert_eq!(w.qbo_all("Customer").len(), 2);
}

#[test]
fn display_name_collisions_follow_on_collision() {
    let seed = |w: &World| {
        w.qbo_insert("Vendor", json!({"DisplayName": "ACME"}));
        w.contact(&[
            ("email", "a@acme.test"),
            ("firstname", "A"),
            ("company", "Acme"),
        ]);
        w.contact(&[
            ("email", "b@acme.test"),
            ("firstname", "B"),
            ("company", "Acme"),
        ]);
    };
    let names = |w: &World| {
        let mut n: Vec<String> = w
            .qbo_all("Customer")
            .iter()
            .map(|c| c["DisplayName"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let w = World::new();
    seed(&w);
    w.manifest(&two_way("hubspot_wins", ""));
    w.converge(1);
    assert_eq!(names(&w), ["Acme (2)", "Acme (3)"]);

    let w = World::new();
    seed(&w);
    w.manifest(&two_way(
        "hubspot_wins",
        "    display_name:\n      on_collision: email\n",
    ));
    w.converge(1);
    // docs/manifest.md says ` <email>`; the planner appends ` (email)`.
    assert_eq!(names(&w), ["Acme (a@acme.test)", "Acme (b@acme.test)"]);

    let w = World::new();
    seed(&w);
    w.manifest(&two_way(
        "hubspot_wins",
        "    display_name:\n      on_collision: fail\n",
    ));
    w.converge(1);
    assert!(names(&w).is_empty());
    let p = w.plan();
    assert!(
        p.stdout.contains("display_name_collision") || p.stdout.contains("collid"),
        "{p}"
    );
    w.assert_no_duplicates();
}

#[test]
fn unicode_and_apostrophes_round_trip() {
    let w = World::new();
    w.contact(&[
        ("email", "liam.obrien@example.test"),
        ("firstname", "Liam"),
        ("lastname", "O'Brien"),
        ("company", "O'Brien & Sons"),
        ("city", "Dún Laoghaire"),
    ]);
    w.contact(&[
        ("email", "zoe@example.test"),
        ("firstname", "Zoë"),
        ("lastname", "Müller"),
        ("company", "Björk \"Nordic\" AB"),
    ]);
    w.contact(&[
        ("email", "li@example.test"),
        ("firstname", "李"),
        ("lastname", "小龍 🐉"),
    ]);
    w.customer(json!({
        "DisplayName": "D'Angelo's Café", "GivenName": "Ana", "FamilyName": "D'Angelo",
        "PrimaryEmailAddr": {"Address": "ana@dangelo.test"}, "BillAddr": {"City": "Québec"}
    }));
    // An existing customer whose name a create must avoid (query escaping of ').
    w.qbo_insert("Vendor", json!({"DisplayName": "O'Brien & Sons"}));
    w.manifest(TWO_WAY);
    w.converge(2);
    w.assert_no_duplicates();
    let c = w.contents();
    assert_eq!(
        c.customer("O'Brien & Sons (2)")["BillAddr.City"],
        "Dún Laoghaire"
    );
    assert_eq!(c.customer("Björk \"Nordic\" AB")["GivenName"], "Zoë");
    assert_eq!(c.customer("李 小龍 🐉")["FamilyName"], "小龍 🐉");
    let ana = c.contact("ana@dangelo.test");
    assert_eq!(ana["lastname"], "D'Angelo");
    assert_eq!(ana["city"], "Québec");
    assert_eq!(ana["hsqb_qbo_customer_id"], "→ D'Angelo's Café");
    assert_eq!(c.contacts.len(), 4);
}

#[test]
fn a_second_run_after_a_lost_state_file_creates_nothing() {
    // Links live in the systems: losing hsqb's state never duplicates.
    let w = World::new();
    for i in 0..5 {
        w.contact(&[
            ("email", &format!("s{i}@x.test")),
            ("firstname", &format!("S{i}")),
        ]);
        w.customer(json!({"DisplayName": format!("Q{i}"), "PrimaryEmailAddr": {"Address": format!("q{i}@x.test")}}));
    }
    w.manifest(TWO_WAY);
    w.converge(1);
    let before = w.contents();
    std::fs::remove_file(w.state_path()).unwrap();
    let p = w.plan();
    assert_eq!(p.code, 0, "{p}");
    assert_eq!(w.contents(), before);
}

#[test]
fn on_create_and_on_update_ignore_write_nothing_of_that_kind() {
    let w = World::new();
    let h = w.contact(&[("email", "u@x.test"), ("firstname", "U"), ("phone", "1")]);
    w.manifest("sync:\n  contacts:\n    direction: hubspot_to_quickbooks\n");
    w.converge(1);
    let q = w.hs_prop("contacts", &h, "hsqb_qbo_customer_id").unwrap();
    w.manifest(
        "sync:\n  contacts:\n    direction: hubspot_to_quickbooks\n    on_create: ignore\n    on_update: ignore\n",
    );
    w.advance(chrono::Duration::minutes(1));
    w.hs_patch("contacts", &h, &[("phone", "2")]);
    w.contact(&[("email", "new@x.test"), ("firstname", "New")]);
    w.reset_stats();
    w.converge(1);
    assert!(w.writes().is_empty(), "{:?}", w.writes());
    assert_eq!(w.qbo_all("Customer").len(), 1);
    assert_eq!(
        w.qbo_get("Customer", &q)["PrimaryPhone"]["FreeFormNumber"],
        "1"
    );
}
