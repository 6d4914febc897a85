//! The HubSpot client against the in-process emulator over real HTTP: paging,
//! archived reads, long property lists, incremental search past the 10,000
//! cap (including more than 10,000 records on one timestamp), batch writes
//! with per-input outcomes, unknown outcomes after dropped connections,
//! properties, associations, dated paths, OAuth, rate limits and faults.

#[path = "common/client_emu.rs"]
mod emu;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use emu::{Emu, nth, real_limits, t0, transient_mix, unlimited};
use hsqb::emulator::EmulatorConfig;
use hsqb::emulator::faults::FaultKind;
use hsqb::http::{RateLimit, RetryPolicy};
use hsqb::hubspot::{
    EnsureOutcome, HsCreate, HsOutcome, HsUpdate, HsUpsert, HubSpotAuth, HubSpotClient,
    HubSpotConfig, HubSpotLimits, PathStyle, assoc_types,
};
use hsqb::model::{Association, HsPropertyDef, HsRecord};
use hsqb::secret::Secret;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Insert `n` contacts, the i-th modified at `at(i)`; returns their ids.
fn seed_contacts(e: &Emu, n: usize, at: impl Fn(usize) -> DateTime<Utc>) -> Vec<String> {
    e.hs(|st| {
        (0..n)
            .map(|i| {
                st.insert_record(
                    "contacts",
                    [
                        ("email", format!("c{i}@example.com")),
                        ("firstname", format!("Zoë O'Neil {i}")),
                    ],
                    at(i),
                )
                .expect("insert")
            })
            .collect()
    })
}

/// The client's records equal the emulator's for `names`.
fn assert_same_as_emulator(e: &Emu, object: &str, recs: &[HsRecord], names: &[&str]) {
    e.hs(|st| {
        for r in recs {
            let view = st.record(object, &r.id).expect("exists in emulator");
            for n in names {
                assert_eq!(
                    r.properties.get(*n),
                    view.properties.get(*n),
                    "{} {n}",
                    r.id
                );
            }
            assert_eq!(r.updated_at, view.updated_at);
            assert_eq!(r.created_at, view.created_at);
            assert_eq!(r.archived, view.archived);
        }
    });
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[tokio::test]
async fn full_reads_page_by_100_and_see_archived_records() {
    let e = Emu::start(unlimited()).await;
    let ids = seed_contacts(&e, 250, |_| t0());
    e.hs(|st| {
        for id in &ids[..7] {
            assert!(st.archive_by_id("contacts", id, t0()).unwrap());
        }
    });
    let c = e.hubspot(|_| {});
    let live = c
        .list_all("contacts", &names(&["email", "firstname"]))
        .await
        .unwrap();
    let archived = c
        .list_archived("contacts", &names(&["email"]))
        .await
        .unwrap();
    assert_eq!(live.len(), 243);
    assert_eq!(archived.len(), 7);
    assert!(archived.iter().all(|r| r.archived));
    let got: BTreeSet<&str> = live
        .iter()
        .chain(&archived)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect());
    assert_same_as_emulator(&e, "contacts", &live, &["email", "firstname"]);
    assert_eq!(
        e.calls("hubspot", "GET /crm/v3/objects/{objectType}"),
        3 + 1,
        "ceil(243/100) + 1 pages"
    );
    assert_eq!(c.stats().total().calls, 4);
}

#[tokio::test]
async fn hundreds_of_properties_move_into_a_batch_read_body() {
    let e = Emu::start(unlimited()).await;
    let custom: Vec<String> = (0..300)
        .map(|i| format!("hsqb_custom_property_{i:03}"))
        .collect();
    e.hs(|st| {
        for p in &custom {
            let def = serde_json::json!({"name": p, "label": p, "type": "string", "fieldType": "text", "groupName": "contactinformation"});
            st.create_property("contacts", &def, t0()).expect("property");
        }
    });
    let ids = e.hs(|st| {
        (0..150)
            .map(|i| {
                let mut p: Vec<(String, String)> =
                    vec![("email".into(), format!("p{i}@example.com"))];
                p.push((custom[i % 300].clone(), format!("value {i}")));
                p.push((custom[299].clone(), "last".into()));
                st.insert_record("contacts", p, t0()).unwrap()
            })
            .collect::<Vec<_>>()
    });
    let c = e.hubspot(|_| {});
    let mut wanted = custom.clone();
    wanted.push("email".into());
    let recs = c.list_all("contacts", &wanted).await.unwrap();
    assert_eq!(recs.len(), 150);
    for (i, id) in ids.iter().enumerate() {
        let r = recs.iter().find(|r| &r.id == id).unwrap();
        assert_eq!(
            r.prop(&custom[i % 300]),
            Some(format!("value {i}").as_str())
        );
        assert_eq!(r.prop(&custom[299]), Some("last"));
    }
    assert_eq!(
        e.calls("hubspot", "batch/read"),
        2,
        "one batch read per list page"
    );
    assert_eq!(e.calls("hubspot", "GET /crm/v3/objects/{objectType}"), 2);
    for (label, _) in c.stats().endpoints {
        assert!(!label.contains("414"), "{label}");
    }
}

/// Search returns each matching record exactly once; compare with the
/// emulator's own view.
fn assert_exactly(recs: &[HsRecord], expected: &BTreeSet<String>) {
    let got: Vec<&str> = recs.iter().map(|r| r.id.as_str()).collect();
    let set: BTreeSet<String> = got.iter().map(|s| s.to_string()).collect();
    assert_eq!(got.len(), set.len(), "no duplicates");
    assert_eq!(&set, expected);
}

fn search_emulator() -> EmulatorConfig {
    // Search keeps its real 4/s limit, on a clock running 100× faster; the
    // client's limiter is scaled the same way.
    let mut cfg = unlimited();
    cfg.limits.hubspot_search_per_sec = Some(4);
    cfg.time_scale = 100.0;
    cfg
}

fn search_client(e: &Emu) -> HubSpotClient {
    e.hubspot(|c| c.limits = HubSpotLimits::professional().scaled(100.0))
}

#[tokio::test]
async fn search_past_the_cap_when_more_than_10000_records_share_one_timestamp() {
    let e = Emu::start(search_emulator()).await;
    let t = t0() - ChronoDuration::hours(1);
    let same = seed_contacts(&e, 10_050, |_| t);
    let later = e.hs(|st| {
        (0..250)
            .map(|i| {
                st.insert_record(
                    "contacts",
                    [("email", format!("late{i}@example.com"))],
                    t + ChronoDuration::milliseconds(1 + i as i64 / 3),
                )
                .unwrap()
            })
            .collect::<Vec<_>>()
    });
    let _older = e.hs(|st| {
        st.insert_record(
            "contacts",
            [("email", "old@example.com")],
            t - ChronoDuration::hours(5),
        )
        .unwrap()
    });
    let c = search_client(&e);
    let out = c
        .search_modified_since(
            "contacts",
            t - ChronoDuration::minutes(1),
            &names(&["email"]),
        )
        .await
        .unwrap();
    let expected: BTreeSet<String> = same.iter().chain(&later).cloned().collect();
    assert_exactly(&out.records, &expected);
    assert_eq!(
        out.watermark,
        Some(t + ChronoDuration::milliseconds(1 + 249 / 3))
    );
    // Ordered by (timestamp, id).
    assert_eq!(out.records[0].id, same[0]);
    assert_eq!(out.records.last().unwrap().id, *later.last().unwrap());
    assert_eq!(e.throttled("hubspot"), 0, "search stayed under 4/s");
    assert_same_as_emulator(
        &e,
        "contacts",
        &out.records[..50],
        &["email", "lastmodifieddate"],
    );
}

#[tokio::test]
async fn search_past_the_cap_with_ties_spread_over_many_timestamps() {
    let e = Emu::start(search_emulator()).await;
    let t = t0() - ChronoDuration::hours(2);
    // 10,300 records, three per millisecond: the cap falls inside a tie.
    let ids = seed_contacts(&e, 10_300, |i| {
        t + ChronoDuration::milliseconds(i as i64 / 3)
    });
    let c = search_client(&e);
    let out = c
        .search_modified_since("contacts", t, &names(&["email"]))
        .await
        .unwrap();
    assert_exactly(&out.records, &ids.iter().cloned().collect());
    // 50 capped pages + the tie (1 page) + the rest (2 pages).
    let pages = c
        .stats()
        .endpoint("POST /crm/v3/objects/{objectType}/search")
        .calls;
    assert!(pages <= 54, "{pages} search pages");
    // Below the cap, a window costs exactly ceil(n / 200) pages.
    c.reset_stats();
    let small = c
        .search_modified_since(
            "contacts",
            t + ChronoDuration::milliseconds(3000),
            &names(&["email"]),
        )
        .await
        .unwrap();
    let expect_small = ids.len() - 9000;
    assert_eq!(small.records.len(), expect_small);
    assert_eq!(c.stats().total().calls, expect_small.div_ceil(200) as u64);
}

#[tokio::test]
async fn records_hidden_by_index_lag_are_found_by_the_next_read() {
    let mut cfg = unlimited();
    cfg.limits.hubspot_search_lag = Duration::from_secs(30);
    let e = Emu::start(cfg).await;
    let now = t0();
    let a = e.hs(|st| {
        st.insert_record(
            "contacts",
            [("email", "a@example.com")],
            now - ChronoDuration::seconds(60),
        )
        .unwrap()
    });
    let b = e.hs(|st| {
        st.insert_record(
            "contacts",
            [("email", "b@example.com")],
            now - ChronoDuration::seconds(10),
        )
        .unwrap()
    });
    let c = e.hubspot(|c| c.search_lookback = Duration::from_secs(120));
    let first = c
        .search_modified_since("contacts", now - ChronoDuration::seconds(90), &[])
        .await
        .unwrap();
    let ids =
        |r: &hsqb::hubspot::HsChanges| r.records.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&first), vec![a.clone()], "b is not indexed yet");
    let mark = first.watermark.unwrap();
    assert_eq!(mark, now - ChronoDuration::seconds(60));
    e.emu.shared().clock.advance(ChronoDuration::seconds(60));
    let second = c
        .search_modified_since("contacts", mark, &[])
        .await
        .unwrap();
    // The look-back (120 s before the watermark) re-covers a; b is now visible.
    assert_eq!(ids(&second), vec![a, b.clone()]);
    assert_eq!(second.watermark, Some(now - ChronoDuration::seconds(10)));
    // Without a look-back the filter starts exactly at the watermark.
    let strict = e.hubspot(|_| {});
    let third = strict
        .search_modified_since("contacts", second.watermark.unwrap(), &[])
        .await
        .unwrap();
    assert_eq!(ids(&third), vec![b]);
}

#[tokio::test]
async fn batch_writes_report_each_input_by_key() {
    let e = Emu::start(unlimited()).await;
    let existing = e.hs(|st| {
        st.insert_record("contacts", [("email", "taken@example.com")], t0())
            .unwrap()
    });
    let c = e.hubspot(|_| {});
    let mut inputs: Vec<(String, HsCreate)> = (0..148)
        .map(|i| {
            (
                format!("k{i}"),
                HsCreate {
                    properties: props(&[
                        ("email", &format!("n{i}@example.com")),
                        ("firstname", "Ann"),
                    ]),
                    associations: vec![],
                },
            )
        })
        .collect();
    inputs.insert(
        40,
        (
            "bad-email".into(),
            HsCreate {
                properties: props(&[("email", "not an email")]),
                associations: vec![],
            },
        ),
    );
    inputs.insert(
        120,
        (
            "dup".into(),
            HsCreate {
                properties: props(&[("email", "taken@example.com")]),
                associations: vec![],
            },
        ),
    );
    let out = c.batch_create("contacts", inputs).await.unwrap();
    assert_eq!(out.len(), 150);
    let mut created = BTreeMap::new();
    for (k, o) in &out {
        match (k.as_str(), o) {
            ("bad-email", HsOutcome::Failed(e)) => {
                assert_eq!(e.category, "VALIDATION_ERROR", "{e}")
            }
            ("dup", HsOutcome::Failed(e)) => assert!(
                e.message.contains(&existing) || e.category == "CONFLICT",
                "{e}"
            ),
            (k, HsOutcome::Done(r)) => {
                let i: usize = k[1..].parse().unwrap();
                assert_eq!(r.prop("email"), Some(format!("n{i}@example.com").as_str()));
                created.insert(k.to_string(), r.id.clone());
            }
            (k, other) => panic!("{k}: {other:?}"),
        }
    }
    assert_eq!(created.len(), 148);
    assert_eq!(e.hs(|st| st.count("contacts")), 149);
    assert_eq!(e.calls("hubspot", "batch/create"), 2, "chunks of 100");

    // Update: one unknown id among real ones.
    let mut updates: Vec<(String, HsUpdate)> = created
        .iter()
        .take(5)
        .map(|(k, id)| {
            (
                k.clone(),
                HsUpdate {
                    id: id.clone(),
                    properties: props(&[("lastname", "Smith")]),
                },
            )
        })
        .collect();
    updates.push((
        "ghost".into(),
        HsUpdate {
            id: "999999999".into(),
            properties: props(&[("lastname", "X")]),
        },
    ));
    let out = c.batch_update("contacts", updates).await.unwrap();
    for (k, o) in &out {
        match o {
            HsOutcome::Done(r) => assert_eq!(r.prop("lastname"), Some("Smith"), "{k}"),
            HsOutcome::Failed(err) => {
                assert_eq!(k, "ghost");
                assert_eq!(err.category, "OBJECT_NOT_FOUND");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(
        out.iter()
            .filter(|(_, o)| matches!(o, HsOutcome::Failed(_)))
            .count(),
        1
    );

    // Upsert by email: two existing, one new.
    let ups = vec![
        (
            "u1",
            HsUpsert {
                id_property: "email".into(),
                id_value: "n0@example.com".into(),
                properties: props(&[("firstname", "Up")]),
            },
        ),
        (
            "u2",
            HsUpsert {
                id_property: "email".into(),
                id_value: "fresh@example.com".into(),
                properties: props(&[("firstname", "New")]),
            },
        ),
        (
            "u3",
            HsUpsert {
                id_property: "email".into(),
                id_value: "taken@example.com".into(),
                properties: props(&[("firstname", "T")]),
            },
        ),
    ];
    let out = c.batch_upsert("contacts", ups).await.unwrap();
    let created: Vec<(&str, bool)> = out
        .iter()
        .map(|(k, o)| (*k, o.done().unwrap().created))
        .collect();
    assert_eq!(created, vec![("u1", false), ("u2", true), ("u3", false)]);
    assert_eq!(out[2].1.done().unwrap().record.id, existing);

    // Archive.
    let out = c
        .batch_archive("contacts", vec![("a", existing.clone())])
        .await
        .unwrap();
    assert!(matches!(out[0].1, HsOutcome::Done(())));
    assert!(e.hs(|st| st.record("contacts", &existing).unwrap().archived));
}

#[tokio::test]
async fn a_batch_create_dropped_after_the_write_happens_exactly_once() {
    let e = Emu::start(unlimited()).await;
    e.faults(
        vec![nth(
            "hubspot",
            "batch/create",
            FaultKind::DropAfterWrite,
            &[1],
        )],
        1,
    );
    let c = e.hubspot(|_| {});
    let inputs: Vec<(usize, HsCreate)> = (0..30)
        .map(|i| {
            (
                i,
                HsCreate {
                    properties: props(&[("email", &format!("d{i}@example.com"))]),
                    associations: vec![],
                },
            )
        })
        .collect();
    let out = c.batch_create("contacts", inputs).await.unwrap();
    assert!(
        out.iter()
            .all(|(_, o)| matches!(o, HsOutcome::Unknown { .. })),
        "{out:?}"
    );
    assert_eq!(e.calls("hubspot", "batch/create"), 1, "not resent");
    assert_eq!(e.hs(|st| st.count("contacts")), 30, "written once");
    // What apply does next: re-read by the link property.
    let emails: Vec<String> = (0..30).map(|i| format!("d{i}@example.com")).collect();
    let found = c
        .batch_read(
            "contacts",
            &emails,
            &names(&["email"]),
            Some("email"),
            false,
        )
        .await
        .unwrap();
    assert_eq!(found.records.len(), 30);
    assert!(found.missing.is_empty());
}

#[tokio::test]
async fn an_upsert_dropped_after_the_write_is_retried_and_still_writes_once() {
    let e = Emu::start(unlimited()).await;
    e.faults(
        vec![nth(
            "hubspot",
            "batch/upsert",
            FaultKind::DropAfterWrite,
            &[1],
        )],
        1,
    );
    let c = e.hubspot(|_| {});
    let ups: Vec<(usize, HsUpsert)> = (0..20)
        .map(|i| {
            (
                i,
                HsUpsert {
                    id_property: "email".into(),
                    id_value: format!("u{i}@example.com"),
                    properties: props(&[("firstname", "U")]),
                },
            )
        })
        .collect();
    let out = c.batch_upsert("contacts", ups).await.unwrap();
    assert!(out.iter().all(|(_, o)| o.done().is_some()), "{out:?}");
    assert_eq!(e.calls("hubspot", "batch/upsert"), 2);
    assert_eq!(e.hs(|st| st.count("contacts")), 20);
}

fn qbo_id_def() -> HsPropertyDef {
    HsPropertyDef {
        name: "qbo_customer_id".into(),
        label: "QuickBooks customer id".into(),
        type_: "string".into(),
        field_type: "text".into(),
        group_name: "qbo_sync".into(),
        has_unique_value: true,
        read_only: false,
        options: vec![],
        hubspot_defined: false,
    }
}

#[tokio::test]
async fn properties_and_groups_are_ensured_idempotently() {
    let e = Emu::start(unlimited()).await;
    let c = e.hubspot(|_| {});
    assert_eq!(
        c.ensure_group("contacts", "qbo_sync", "QuickBooks sync")
            .await
            .unwrap(),
        EnsureOutcome::Created
    );
    assert_eq!(
        c.ensure_group("contacts", "qbo_sync", "QuickBooks sync")
            .await
            .unwrap(),
        EnsureOutcome::Exists
    );
    let def = qbo_id_def();
    assert_eq!(
        c.ensure_property("contacts", &def).await.unwrap(),
        EnsureOutcome::Created
    );
    assert_eq!(
        c.ensure_property("contacts", &def).await.unwrap(),
        EnsureOutcome::Exists
    );
    let other = HsPropertyDef {
        type_: "number".into(),
        field_type: "number".into(),
        has_unique_value: false,
        ..def.clone()
    };
    match c.ensure_property("contacts", &other).await.unwrap() {
        EnsureOutcome::Mismatch(d) => assert!(
            d.iter().any(|s| s.contains("type")) && d.iter().any(|s| s.contains("hasUniqueValue")),
            "{d:?}"
        ),
        o => panic!("{o:?}"),
    }
    let all = c.properties("contacts").await.unwrap();
    let mine = all.iter().find(|p| p.name == "qbo_customer_id").unwrap();
    assert!(mine.has_unique_value && !mine.read_only && !mine.hubspot_defined);
    let id = all.iter().find(|p| p.name == "hs_object_id").unwrap();
    assert!(id.read_only && id.hubspot_defined);
    let lm = all.iter().find(|p| p.name == "lastmodifieddate").unwrap();
    assert!(lm.read_only);
    // The unique property works as an upsert key.
    let out = c
        .batch_upsert(
            "contacts",
            vec![(
                (),
                HsUpsert {
                    id_property: "qbo_customer_id".into(),
                    id_value: "70".into(),
                    properties: props(&[("email", "q@example.com")]),
                },
            )],
        )
        .await
        .unwrap();
    assert!(out[0].1.done().unwrap().created);
}

#[tokio::test]
async fn associations_are_created_and_read_back_in_batches() {
    let e = Emu::start(unlimited()).await;
    let contacts = seed_contacts(&e, 2, |_| t0());
    let invoices: Vec<String> = e.hs(|st| {
        (0..1200)
            .map(|_| {
                st.insert_record("invoices", [("hs_currency", "USD")], t0())
                    .unwrap()
            })
            .collect()
    });
    let c = e.hubspot(|_| {});
    let wanted: Vec<Association> = invoices
        .iter()
        .enumerate()
        .map(|(i, inv)| Association {
            from_id: inv.clone(),
            to_id: contacts[i % 2].clone(),
            type_id: assoc_types::INVOICE_TO_CONTACT,
        })
        .collect();
    let out = c
        .associations_create("invoices", "contacts", &wanted)
        .await
        .unwrap();
    assert!(
        out.iter().all(|(_, r)| r.is_ok()),
        "{:?}",
        out.iter().find(|(_, r)| r.is_err())
    );
    assert_eq!(e.calls("hubspot", "batch/create"), 12, "100 per request");
    let back = c
        .associations_read("invoices", "contacts", &invoices)
        .await
        .unwrap();
    let expected: BTreeSet<Association> = wanted.iter().cloned().collect();
    assert_eq!(back.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(
        e.calls("hubspot", "batch/read"),
        2,
        "1000 inputs per request"
    );
    // Each contact has 600 invoices, more than one page (500) per input.
    let reverse = c
        .associations_read("contacts", "invoices", &contacts)
        .await
        .unwrap();
    assert_eq!(reverse.len(), 1200);
    assert!(reverse.iter().all(|a| a.type_id == 178));
    // An id without associations is simply absent.
    let none = c
        .associations_read("contacts", "deals", &contacts)
        .await
        .unwrap();
    assert!(none.is_empty());
    e.hs(|st| {
        let got = st.associated_ids("invoices", &invoices[0], "contacts");
        assert_eq!(got, vec![(contacts[0].clone(), vec![177])]);
    });
}

#[tokio::test]
async fn dated_paths_and_account_currency() {
    let e = Emu::start(unlimited()).await;
    e.hs(|st| st.set_currencies("EUR", &["USD"]));
    seed_contacts(&e, 120, |_| t0());
    let c = e.hubspot(|c| c.path_style = PathStyle::dated_2026_03());
    assert_eq!(
        c.list_all("contacts", &names(&["email"]))
            .await
            .unwrap()
            .len(),
        120
    );
    let found = c
        .search_modified_since("contacts", t0() - ChronoDuration::hours(1), &[])
        .await
        .unwrap();
    assert_eq!(found.records.len(), 120);
    assert!(!c.properties("contacts").await.unwrap().is_empty());
    assert_eq!(c.account_currency().await.unwrap(), "EUR");
    for label in c.stats().endpoints.keys() {
        assert!(
            !label.contains("/v3/objects") && !label.contains("/v3/properties"),
            "{label}"
        );
    }
    assert!(e.calls("hubspot", "/crm/objects/2026-03/") >= 3);
}

#[tokio::test]
async fn oauth_tokens_are_refreshed_before_they_expire() {
    let mut cfg = unlimited();
    cfg.limits.hubspot_access_token_ttl = Duration::from_secs(1);
    let e = Emu::start(cfg).await;
    seed_contacts(&e, 3, |_| t0());
    let shared = e.emu.shared();
    let mut conf = HubSpotConfig::new(
        e.base.parse().unwrap(),
        HubSpotAuth::OAuth {
            client_id: shared.config.hubspot_client_id.clone(),
            client_secret: Secret::new(shared.config.hubspot_client_secret.clone()),
            refresh_token: Secret::new(shared.config.hubspot_refresh_token.clone()),
            token_url: None,
        },
    );
    conf.limits = HubSpotLimits::unlimited();
    conf.retry = RetryPolicy::fast(3, 1);
    let c = HubSpotClient::new(conf).unwrap();
    // Requests over ~2.4 s against 1 s tokens: the client refreshes ahead of
    // expiry and never gets a 401.
    for _ in 0..8 {
        assert_eq!(c.list_all("contacts", &[]).await.unwrap().len(), 3);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let token_calls = e.calls("hubspot", "/oauth/");
    assert!((3..=8).contains(&token_calls), "{token_calls} refreshes");
    let statuses: u64 = e
        .stats("hubspot")
        .values()
        .map(|v| v.statuses.get(&401).copied().unwrap_or(0))
        .sum();
    assert_eq!(statuses, 0);
}

#[tokio::test]
async fn a_sliding_window_client_never_meets_a_429() {
    // Server: 20 requests per 10 s on a 100× clock (100 ms real windows).
    let mut cfg = unlimited();
    cfg.limits.hubspot_per_10s = Some(20);
    cfg.time_scale = 100.0;
    let e = Emu::start(cfg).await;
    seed_contacts(&e, 1, |_| t0());
    let c = e.hubspot(|c| {
        c.limits = HubSpotLimits {
            burst: Some(RateLimit::new(20, Duration::from_secs(10))),
            ..HubSpotLimits::unlimited()
        }
        .scaled(100.0);
        c.retry = RetryPolicy::fast(1, 1); // a 429 would surface as an error
    });
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..25 {
                c.list_all("contacts", &[]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(e.calls("hubspot", "GET /crm/v3/objects/{objectType}"), 200);
    assert_eq!(e.throttled("hubspot"), 0);
    assert_eq!(c.stats().total().throttled, 0);
}

#[tokio::test]
async fn the_client_adopts_a_lower_server_limit_from_headers() {
    let mut cfg = unlimited();
    cfg.limits.hubspot_per_10s = Some(10);
    cfg.time_scale = 100.0;
    let e = Emu::start(cfg).await;
    seed_contacts(&e, 1, |_| t0());
    // Configured for 40, the server allows 10: the first answer's headers
    // lower the limiter before the second request.
    let c = e.hubspot(|c| {
        c.limits = HubSpotLimits {
            burst: Some(RateLimit::new(40, Duration::from_secs(10))),
            ..HubSpotLimits::unlimited()
        }
        .scaled(100.0);
        c.retry = RetryPolicy::fast(1, 1);
    });
    for _ in 0..60 {
        c.list_all("contacts", &[]).await.unwrap();
    }
    assert_eq!(e.throttled("hubspot"), 0);
}

/// The "done when", part 1: at the emulator's default (real) limits,
/// reading 10,000 records uses exactly the minimum number of pages and meets
/// no 429.
#[tokio::test]
async fn done_when_10k_records_at_real_limits_take_the_minimum_pages_and_no_429() {
    let e = Emu::start(real_limits()).await;
    let ids = seed_contacts(&e, 10_000, |i| t0() - ChronoDuration::seconds(i as i64));
    let c = e.hubspot(|c| c.limits = HubSpotLimits::professional());
    let recs = c
        .list_all("contacts", &names(&["email", "firstname"]))
        .await
        .unwrap();
    assert_eq!(recs.len(), 10_000);
    assert_eq!(
        recs.iter().map(|r| r.id.clone()).collect::<BTreeSet<_>>(),
        ids.iter().cloned().collect()
    );
    assert_same_as_emulator(&e, "contacts", &recs, &["email", "firstname"]);
    assert_eq!(
        e.calls("hubspot", "GET /crm/v3/objects/{objectType}"),
        100,
        "minimum pages"
    );
    assert_eq!(e.throttled("hubspot"), 0);
    assert_eq!(c.stats().total().throttled, 0);
    assert_eq!(c.stats().total().retries, 0);
}

/// Part 2: with 10% injected faults (429, 500, 502, 503, timeouts, dropped
/// connections, slow answers) the read still returns exactly the emulator's
/// data. Real limit values on a 100× clock, so injected 429s (which report
/// no remaining budget) cost 100 ms instead of 10 s.
#[tokio::test]
async fn done_when_10k_records_under_10_percent_faults_are_exact() {
    let mut cfg = real_limits();
    cfg.time_scale = 100.0;
    let e = Emu::start(cfg).await;
    let ids = seed_contacts(&e, 10_000, |i| t0() - ChronoDuration::seconds(i as i64));
    let companies: Vec<String> = e.hs(|st| {
        (0..10_000)
            .map(|i| {
                st.insert_record("companies", [("name", format!("Acme {i} & Søn"))], t0())
                    .unwrap()
            })
            .collect()
    });
    let clean = e
        .hubspot(|_| {})
        .list_all("contacts", &names(&["email", "firstname"]))
        .await
        .unwrap();
    e.reset_stats();
    e.faults(transient_mix("hubspot", 0.10, 3_000), 42);
    let c = e.hubspot(|c| {
        c.limits = HubSpotLimits::professional().scaled(100.0);
        c.retry = RetryPolicy::fast(10, 3);
        c.timeout = Duration::from_secs(2);
    });
    let faulted = c
        .list_all("contacts", &names(&["email", "firstname"]))
        .await
        .unwrap();
    let comp = c.list_all("companies", &names(&["name"])).await.unwrap();
    let injected = e.faulted("hubspot");
    assert!(injected >= 10, "faults were injected: {injected}");
    assert_eq!(
        e.throttled("hubspot"),
        0,
        "no rate-limit 429 from the emulator"
    );
    assert_eq!(faulted, clean, "exactly the same data");
    assert_eq!(
        faulted
            .iter()
            .map(|r| r.id.clone())
            .collect::<BTreeSet<_>>(),
        ids.iter().cloned().collect()
    );
    assert_eq!(
        comp.iter().map(|r| r.id.clone()).collect::<BTreeSet<_>>(),
        companies.iter().cloned().collect()
    );
    assert_same_as_emulator(&e, "companies", &comp, &["name"]);
    let s = c.stats().total();
    assert_eq!(
        s.calls,
        200 + s.retries,
        "every extra call is a counted retry"
    );
    assert!(s.retries > 0);
    assert_eq!(
        s.calls,
        e.calls("hubspot", "GET /crm/v3/objects/{objectType}"),
        "client and emulator count the same attempts"
    );
}

#[tokio::test]
async fn a_429_storm_is_absorbed() {
    let mut cfg = real_limits();
    cfg.time_scale = 100.0;
    let e = Emu::start(cfg).await;
    seed_contacts(&e, 250, |_| t0());
    e.faults(
        vec![nth(
            "hubspot",
            "GET",
            FaultKind::TooManyRequests,
            &[1, 2, 3, 4, 5, 7, 9],
        )],
        1,
    );
    let c = e.hubspot(|c| {
        c.limits = HubSpotLimits::professional().scaled(100.0);
        c.retry = RetryPolicy::fast(8, 5);
    });
    assert_eq!(c.list_all("contacts", &[]).await.unwrap().len(), 250);
    assert_eq!(e.faulted("hubspot"), 7);
    let s = c.stats().endpoint("GET /crm/v3/objects/{objectType}");
    assert_eq!((s.calls, s.throttled, s.retries), (10, 7, 7));
}

#[tokio::test]
async fn concurrent_search_and_list_from_many_tasks_share_limits() {
    let e = Emu::start(search_emulator()).await;
    seed_contacts(&e, 600, |i| t0() - ChronoDuration::seconds(i as i64));
    let c = search_client(&e);
    let since = t0() - ChronoDuration::days(1);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            c.search_modified_since("contacts", since, &[])
                .await
                .unwrap()
                .records
                .len()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 600);
    }
    assert_eq!(e.throttled("hubspot"), 0);
}
