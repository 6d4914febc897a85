//! Deterministic planner inputs of any size: N HubSpot contacts and N QBO
//! customers, with a chosen mix of linked-and-equal pairs, linked pairs that
//! differ, pairs found by match key, and records on one side only.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use hsqb::manifest::Manifest;
use hsqb::model::{HsRecord, QboRecord};
use hsqb::plan::input::{
    EstimateLimits, HsObjectSet, HubSpotSnapshot, QboEntitySet, QboSnapshot, StateView,
};
use hsqb::plan::model::RefreshMode;
use hsqb::plan::{Plan, PlanInput, PlanOptions, testkit};
use std::collections::BTreeMap;

/// The manifest every planner benchmark uses: contacts both ways.
pub const MANIFEST: &str = "version: 1\nsandbox: {}\nsync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n";

/// Which records the data set holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mix {
    /// Every pair linked, equal, with baselines in state: the steady state
    /// (pairing and mapping every record, no change).
    Steady,
    /// Per ten records: six linked and equal, one linked with a differing phone
    /// (an update, newest side wins), one unlinked pair with the same email (a
    /// link by match key), one HubSpot-only and one QBO-only record (creates).
    Mixed,
}

/// Everything `plan()` reads, owned.
pub struct Inputs {
    /// The manifest.
    pub manifest: Manifest,
    /// HubSpot snapshot.
    pub hubspot: HubSpotSnapshot,
    /// QBO snapshots by company.
    pub quickbooks: BTreeMap<String, QboSnapshot>,
    /// State (baselines).
    pub state: StateView,
    /// Options.
    pub options: PlanOptions,
}

impl Inputs {
    /// Run the planner.
    pub fn plan(&self) -> Plan {
        hsqb::plan::plan(PlanInput {
            manifest: &self.manifest,
            hubspot: &self.hubspot,
            quickbooks: &self.quickbooks,
            state: &self.state,
            options: &self.options,
        })
    }
}

fn last_name(i: usize) -> String {
    match i % 17 {
        0 => format!("O'Brien-{i}"),
        5 => format!("Zoë Müller {i}"),
        9 => format!("Smith & Sons {i}"),
        _ => format!("Lastname{i}"),
    }
}

fn hs_contact(id: usize, i: usize, link: Option<&str>, phone: &str, minutes: i64) -> HsRecord {
    let mut p = BTreeMap::new();
    p.insert(
        "email".to_string(),
        format!("person{i}@example{}.test", i % 97),
    );
    p.insert("firstname".to_string(), format!("First{i}"));
    p.insert("lastname".to_string(), last_name(i));
    p.insert("company".to_string(), format!("Company {i} Ltd"));
    p.insert("phone".to_string(), phone.to_string());
    p.insert("city".to_string(), format!("City {}", i % 50));
    if let Some(l) = link {
        p.insert("hsqb_qbo_customer_id".to_string(), l.to_string());
    }
    HsRecord {
        id: id.to_string(),
        properties: p,
        created_at: testkit::t0() - Duration::days(30),
        updated_at: testkit::at(minutes),
        archived: false,
    }
}

fn qbo_customer(id: usize, i: usize, phone: &str, minutes: i64) -> QboRecord {
    let offset = FixedOffset::west_opt(7 * 3600).unwrap_or(FixedOffset::east_opt(0).unwrap());
    let body = serde_json::json!({
        "Id": id.to_string(),
        "SyncToken": "0",
        "DisplayName": format!("Company {i} Ltd"),
        "GivenName": format!("First{i}"),
        "FamilyName": last_name(i),
        "CompanyName": format!("Company {i} Ltd"),
        "PrimaryEmailAddr": {"Address": format!("person{i}@example{}.test", i % 97)},
        "PrimaryPhone": {"FreeFormNumber": phone},
        "BillAddr": {"City": format!("City {}", i % 50)},
        "Active": true,
    });
    let serde_json::Value::Object(body) = body else {
        unreachable!("json! object")
    };
    let t0: DateTime<Utc> = testkit::t0();
    QboRecord {
        id: id.to_string(),
        sync_token: "0".into(),
        active: true,
        created: Some((t0 - Duration::days(30)).with_timezone(&offset)),
        updated: testkit::at(minutes).with_timezone(&offset),
        body,
    }
}

fn phone(i: usize) -> String {
    format!("+1 555 {:03} {:04}", i % 1000, i % 10_000)
}

/// Build `n` records per side with `mix`.
pub fn build(n: usize, mix: Mix) -> Inputs {
    let (manifest, _) = hsqb::manifest::parse_str(MANIFEST, &|_| None)
        .unwrap_or_else(|r| panic!("bench manifest: {r:?}"));
    let mut hs = Vec::with_capacity(n);
    let mut qb = Vec::with_capacity(n);
    for i in 0..n {
        let hs_id = 1000 + i;
        let q_id = 1 + i;
        let cat = match mix {
            Mix::Steady => 0,
            Mix::Mixed => i % 10,
        };
        match cat {
            6 => {
                // Linked, phone differs; the newer side wins.
                let hs_newer = i % 20 < 10;
                let (hm, qm) = if hs_newer { (-10, -20) } else { (-20, -10) };
                let link = q_id.to_string();
                hs.push(hs_contact(hs_id, i, Some(&link), "+1 555 000 0000", hm));
                qb.push(qbo_customer(q_id, i, &phone(i), qm));
            }
            7 => {
                // Same person on both sides, not linked yet: paired by email.
                hs.push(hs_contact(hs_id, i, None, &phone(i), -60));
                qb.push(qbo_customer(q_id, i, &phone(i), -60));
            }
            8 => {
                // A HubSpot-only contact and an unrelated QBO-only customer.
                hs.push(hs_contact(hs_id, i, None, &phone(i), -60));
                qb.push(qbo_customer(q_id, n + i, &phone(n + i), -60));
            }
            9 => {
                hs.push(hs_contact(hs_id, n + i, None, &phone(n + i), -60));
                qb.push(qbo_customer(q_id, i, &phone(i), -60));
            }
            _ => {
                let link = q_id.to_string();
                hs.push(hs_contact(hs_id, i, Some(&link), &phone(i), -60));
                qb.push(qbo_customer(q_id, i, &phone(i), -60));
            }
        }
    }
    let mut hubspot = testkit::hubspot(
        Vec::new(),
        vec![(
            "contacts",
            testkit::prop_def("hsqb_qbo_customer_id", "string", true),
        )],
    );
    hubspot.objects.insert(
        "contacts".into(),
        HsObjectSet {
            records: hs,
            complete: true,
            ..Default::default()
        },
    );
    let mut q = testkit::quickbooks(Vec::new());
    q.entities.insert(
        "Customer".into(),
        QboEntitySet {
            records: qb,
            complete: true,
            ..Default::default()
        },
    );
    let mut quickbooks = BTreeMap::new();
    quickbooks.insert(hsqb::manifest::SANDBOX_COMPANY.to_string(), q);
    let options = PlanOptions {
        now: testkit::t0(),
        refresh: RefreshMode::Full,
        targets: Vec::new(),
        manifest_hash: "0".repeat(64),
        target: Default::default(),
        watermarks: BTreeMap::new(),
        limits: EstimateLimits::default(),
    };
    let mut inputs = Inputs {
        manifest,
        hubspot,
        quickbooks,
        state: StateView::default(),
        options,
    };
    // Baselines as a previous apply would have recorded them: every agreeing
    // pair has one, so the steady state plans no state update either.
    let first = inputs.plan();
    for b in &first.state.baselines {
        if let (Some(h), Some(q)) = (&b.hubspot_id, &b.qbo_id) {
            inputs
                .state
                .baselines
                .insert(hsqb::plan::input::baseline_key(b.block, h, q), b.clone());
        }
    }
    inputs
}
