//! How many API calls apply will make, per endpoint, and how long they take
//! under the configured rate limits. Mirrors the executor's batching: HubSpot
//! batches of 100, QBO batches of 30, one link write-back batch per QBO batch.

use super::input::EstimateLimits;
use super::model::{Action, Change, Estimate, Payload};
use crate::model::System;
use std::collections::BTreeMap;

/// HubSpot batch size.
pub const HUBSPOT_BATCH: usize = 100;
/// QBO batch size.
pub const QBO_BATCH: usize = 30;

fn batches(n: usize, size: usize) -> u64 {
    n.div_ceil(size) as u64
}

/// Estimate the calls and duration of applying `changes`.
pub fn estimate(changes: &[Change], limits: &EstimateLimits) -> Estimate {
    // Group the changes the way the executor batches them.
    let mut groups: BTreeMap<String, (System, usize)> = BTreeMap::new();
    let mut link_backs: BTreeMap<String, usize> = BTreeMap::new();
    for c in changes {
        let object = c
            .object
            .hubspot_name()
            .or(c.object.qbo_name())
            .unwrap_or("record");
        let key = match (c.system, c.action, &c.payload) {
            (System::Hubspot, Action::Ensure, _) => {
                "hubspot POST /crm/v3/properties/{object}".to_string()
            }
            (
                System::Hubspot,
                Action::Create,
                Payload::Hubspot {
                    upsert_by: Some(_), ..
                },
            ) => {
                format!("hubspot POST /crm/v3/objects/{object}/batch/upsert")
            }
            (System::Hubspot, Action::Create, _) => {
                format!("hubspot POST /crm/v3/objects/{object}/batch/create")
            }
            (System::Hubspot, Action::Update | Action::Link, _) => {
                format!("hubspot POST /crm/v3/objects/{object}/batch/update")
            }
            (System::Hubspot, Action::Archive | Action::Delete, _) => {
                format!("hubspot POST /crm/v3/objects/{object}/batch/archive")
            }
            (System::Hubspot, Action::Associate, _) => {
                "hubspot POST /crm/v4/associations/batch/create".to_string()
            }
            (System::Quickbooks, _, _) => format!(
                "quickbooks POST /v3/company/{{realm}}/batch ({})",
                c.company.as_deref().unwrap_or("")
            ),
        };
        let e = groups.entry(key).or_insert((c.system, 0));
        e.1 += 1;
        if let Some(lb) = &c.link_back {
            *link_backs.entry(lb.object.clone()).or_default() += 1;
        }
        if let Payload::Hubspot { associations, .. } = &c.payload
            && !associations.is_empty()
        {
            groups
                .entry("hubspot POST /crm/v4/associations/batch/create".to_string())
                .or_insert((System::Hubspot, 0))
                .1 += associations.len();
        }
    }
    let mut calls = BTreeMap::new();
    let (mut hs_calls, mut qbo_calls) = (0u64, 0u64);
    for (key, (system, n)) in &groups {
        let c = match system {
            System::Hubspot if key.contains("/properties/") => *n as u64,
            System::Hubspot => batches(*n, HUBSPOT_BATCH),
            System::Quickbooks => batches(*n, QBO_BATCH),
        };
        match system {
            System::Hubspot => hs_calls += c,
            System::Quickbooks => qbo_calls += c,
        }
        calls.insert(key.clone(), c);
    }
    for (object, n) in link_backs {
        // One write-back batch follows each QBO batch of creates.
        let c = batches(n, QBO_BATCH);
        hs_calls += c;
        *calls
            .entry(format!(
                "hubspot POST /crm/v3/objects/{object}/batch/update (links)"
            ))
            .or_default() += c;
    }
    let hs_secs = hs_calls as f64 * 10.0 / f64::from(limits.hubspot_per_10s.max(1));
    let qbo_secs = (qbo_calls as f64 * 60.0 / f64::from(limits.qbo_batch_per_minute.max(1)))
        .max(qbo_calls as f64 * 60.0 / f64::from(limits.qbo_per_minute.max(1)));
    let (seconds, bound_by) = if hs_calls + qbo_calls == 0 {
        (0.0, "nothing to do".to_string())
    } else if qbo_secs >= hs_secs {
        (qbo_secs, "QuickBooks batch requests per minute".to_string())
    } else {
        (hs_secs, "HubSpot requests per 10 seconds".to_string())
    };
    Estimate {
        total_calls: hs_calls + qbo_calls,
        calls,
        seconds: (seconds * 10.0).round() / 10.0,
        bound_by,
    }
}
