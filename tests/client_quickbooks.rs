//! The QuickBooks client against the in-process emulator over real HTTP:
//! query paging, escaping (property-tested through the emulator), CDC window
//! splitting and fallbacks, creates with the read-before-retry guard and
//! `requestid` replay, sparse updates and stale SyncTokens, deactivation,
//! invoice void/delete, batch, preferences, OAuth rotation, limits, faults.

#[path = "common/client_emu.rs"]
mod emu;

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use emu::{Emu, nth, real_limits, t0, transient_mix, unlimited};
use hsqb::emulator::faults::FaultKind;
use hsqb::http::{RateLimit, RetryPolicy};
use hsqb::quickbooks::{
    Active, MemorySink, NaturalKey, QboBatchOp, QboBatchOutcome, QboClient, QboError, QboLimits,
    Query, SinkError, TokenSink, WriteOptions,
};
use hsqb::secret::Secret;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("not an object"),
    }
}

/// Insert `n` customers in-process, the i-th at `at(i)`; returns their ids.
fn seed_customers(e: &Emu, n: usize, at: impl Fn(usize) -> DateTime<Utc>) -> Vec<String> {
    let realm = e.realm();
    e.qbo(|st| {
        (0..n)
            .map(|i| {
                st.insert(
                    &realm,
                    "Customer",
                    json!({"DisplayName": format!("Customer {i:05} O'Brien & Søn")}),
                    at(i),
                )
                .expect("insert")
            })
            .collect()
    })
}

fn ids(recs: &[hsqb::model::QboRecord]) -> BTreeSet<String> {
    recs.iter().map(|r| r.id.clone()).collect()
}

/// Each record's body equals the emulator's stored entity.
fn assert_same_as_emulator(e: &Emu, entity: &str, recs: &[hsqb::model::QboRecord]) {
    let realm = e.realm();
    e.qbo(|st| {
        for r in recs {
            let stored = st.get(&realm, entity, &r.id).expect("stored");
            assert_eq!(Value::Object(r.body.clone()), stored, "{entity} {}", r.id);
        }
    });
}

#[tokio::test]
async fn query_all_pages_by_1000_and_states_active_explicitly() {
    let e = Emu::start(unlimited()).await;
    let ids_all = seed_customers(&e, 2_500, |_| t0());
    let realm = e.realm();
    e.qbo(|st| {
        for id in &ids_all[..10] {
            let cur = st.get(&realm, "Customer", id).unwrap();
            st.save(
                &realm,
                "Customer",
                json!({"Id": id, "SyncToken": cur["SyncToken"], "sparse": true, "Active": false}),
                t0(),
            )
            .unwrap();
        }
    });
    let c = e.quickbooks(|_| {});
    let all = c.query_all(&Query::all("Customer")).await.unwrap();
    assert_eq!(ids(&all), ids_all.iter().cloned().collect());
    assert_eq!(all.iter().filter(|r| !r.active).count(), 10);
    assert_same_as_emulator(&e, "Customer", &all);
    assert_eq!(
        e.calls("quickbooks", "/query"),
        4,
        "a full first page, COUNT(*), then the two remaining pages at once (the last one short)"
    );
    let active = c
        .query_all(&Query::select("Customer", Active::Only))
        .await
        .unwrap();
    assert_eq!(active.len(), 2_490);
    let inactive = c
        .query_all(&Query::select("Customer", Active::Inactive))
        .await
        .unwrap();
    assert_eq!(inactive.len(), 10);
    assert!(
        inactive
            .iter()
            .all(|r| r.get_str("DisplayName").unwrap().ends_with(" (deleted)"))
    );
}

#[tokio::test]
async fn query_all_reads_counted_pages_at_once_and_goes_on_past_the_count() {
    let e = Emu::start(unlimited()).await;
    let ids_all = seed_customers(&e, 3_000, |_| t0());
    let c = e.quickbooks(|_| {});
    let before = e.calls("quickbooks", "/query");
    let all = c.query_all(&Query::all("Customer")).await.unwrap();
    assert_eq!(ids(&all), ids_all.iter().cloned().collect());
    assert_eq!(
        e.calls("quickbooks", "/query") - before,
        4,
        "exactly the counted rows: no empty page after three full ones"
    );

    // Rows the count did not see: the COUNT(*) answer (the second query) is
    // held while 1,500 more rows arrive. 2,500 were counted, so the third page
    // should have been short; it is full, and reading goes on to a short page.
    let e = Emu::start(unlimited()).await;
    let mut ids_all = seed_customers(&e, 2_500, |_| t0());
    e.faults(
        vec![hsqb::emulator::FaultRule {
            delay_ms: Some(300),
            ..nth("quickbooks", "/query", FaultKind::Slow, &[2])
        }],
        1,
    );
    let c = e.quickbooks(|_| {});
    let reading = tokio::spawn(async move { c.query_all(&Query::all("Customer")).await });
    let fired = || -> u64 { e.emu.shared().faults.rules().iter().map(|r| r.fired).sum() };
    while fired() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let realm = e.realm();
    ids_all.extend(e.qbo(|st| {
        (0..1_500)
            .map(|i| {
                st.insert(
                    &realm,
                    "Customer",
                    json!({"DisplayName": format!("Late {i}")}),
                    t0(),
                )
                .unwrap()
            })
            .collect::<Vec<_>>()
    }));
    let all = reading.await.unwrap().unwrap();
    assert_eq!(ids(&all), ids_all.iter().cloned().collect());
    assert_eq!(
        e.calls("quickbooks", "/query"),
        6,
        "page 1, count, pages 2–3 at once, then 4 and a short 5"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_escaping_round_trips_through_the_emulator() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let e = Emu::start(unlimited()).await;
    let c = e.quickbooks(|_| {});
    let realm = e.realm();
    let handle = tokio::runtime::Handle::current();
    let counter = Mutex::new(0u32);
    let mut runner = TestRunner::new(Config {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(7),
        ..Config::default()
    });
    let strategy = "[a-zA-Z0-9 '\\\\%_&\"é漢😀ß-]{1,24}";
    runner
        .run(&strategy, |raw| {
            let n = {
                let mut g = counter.lock().unwrap();
                *g += 1;
                *g
            };
            // Unique and without leading/trailing blanks (QBO trims names).
            let name = format!("{n}:{raw}.").replace(':', "-");
            let id = e
                .qbo(|st| st.insert(&realm, "Customer", json!({"DisplayName": name}), t0()))
                .map_err(|err| TestCaseError::fail(format!("{err:?}")))?;
            let found = tokio::task::block_in_place(|| {
                handle.block_on(c.query_all(
                    &Query::select("Customer", Active::Any).eq("DisplayName", name.as_str()),
                ))
            })
            .map_err(|err| TestCaseError::fail(err.to_string()))?;
            prop_assert_eq!(found.len(), 1, "{}", name);
            prop_assert_eq!(&found[0].id, &id);
            prop_assert_eq!(found[0].get_str("DisplayName"), Some(name.as_str()));
            if !raw.contains('%') && !raw.trim().is_empty() {
                let like = tokio::task::block_in_place(|| {
                    handle.block_on(
                        c.query_all(
                            &Query::select("Customer", Active::Any)
                                .contains("DisplayName", &format!("{n}-{raw}")),
                        ),
                    )
                })
                .map_err(|err| TestCaseError::fail(err.to_string()))?;
                prop_assert!(
                    like.iter().any(|r| r.id == id),
                    "LIKE found {:?}",
                    like.iter()
                        .map(|r| r.get_str("DisplayName"))
                        .collect::<Vec<_>>()
                );
            }
            Ok(())
        })
        .unwrap();
}

#[tokio::test]
async fn cdc_splits_a_full_window_and_reports_deletions() {
    let e = Emu::start(unlimited()).await;
    let base = t0() - ChronoDuration::days(2);
    // 2,300 changes spread over seconds: more than two full CDC responses.
    let customers = seed_customers(&e, 2_300, |i| base + ChronoDuration::seconds(i as i64 / 2));
    let realm = e.realm();
    let c = e.quickbooks(|_| {});
    // Two invoices; one deleted through the client.
    let inv = |amount: &str| {
        obj(
            json!({"CustomerRef": {"value": customers[0]}, "Line": [{"Amount": serde_json::from_str::<Value>(amount).unwrap(), "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}),
        )
    };
    let kept = c
        .create("Invoice", inv("337.50"), &WriteOptions::default())
        .await
        .unwrap();
    let gone = c
        .create("Invoice", inv("12.00"), &WriteOptions::default())
        .await
        .unwrap();
    let d = c.delete_invoice(&gone.id, &gone.sync_token).await.unwrap();
    assert_eq!(d.id, gone.id);
    e.reset_stats();
    let out = c
        .cdc(
            &["Customer", "Invoice"],
            (base - ChronoDuration::hours(1)).fixed_offset(),
        )
        .await
        .unwrap();
    assert!(out.full_read.is_empty(), "{:?}", out.full_read);
    let got = ids(out.records.get("Customer").unwrap());
    assert_eq!(got, customers.iter().cloned().collect());
    assert_eq!(out.records["Customer"].len(), 2_300, "each once");
    let invs = &out.records["Invoice"];
    assert_eq!(invs.len(), 1);
    assert_eq!(invs[0].id, kept.id);
    assert_eq!(invs[0].get("TotalAmt").unwrap().to_string(), "337.50");
    assert_eq!(out.deleted.len(), 1);
    assert_eq!(
        (out.deleted[0].entity.as_str(), out.deleted[0].id.as_str()),
        ("Invoice", gone.id.as_str())
    );
    assert!(e.calls("quickbooks", "/cdc") >= 3, "the window was split");
    // The next watermark is the server's time (its data clock is frozen at t0).
    assert_eq!((out.time.to_utc() - t0()).num_seconds(), 0, "{}", out.time);
    let _ = realm;
}

#[tokio::test]
async fn cdc_falls_back_to_a_full_read_when_too_old_or_too_dense() {
    let e = Emu::start(unlimited()).await;
    let old = t0() - ChronoDuration::days(45);
    let customers = seed_customers(&e, 1_200, |_| t0() - ChronoDuration::days(1));
    let c = e.quickbooks(|_| {});
    let out = c.cdc(&["Customer"], old.fixed_offset()).await.unwrap();
    assert_eq!(out.full_read, vec!["Customer".to_string()]);
    assert_eq!(
        ids(&out.records["Customer"]),
        customers.iter().cloned().collect()
    );
    assert_eq!(
        e.calls("quickbooks", "/cdc"),
        0,
        "decided from the clock, no refused call"
    );
    // The server refuses the window even though the client's clock thinks it
    // is fine: still a full read.
    let lying = e
        .quickbooks(|c| c.clock = hsqb::quickbooks::QboClock::fixed(old + ChronoDuration::days(1)));
    let out = lying.cdc(&["Customer"], old.fixed_offset()).await.unwrap();
    assert_eq!(out.full_read, vec!["Customer".to_string()]);
    assert_eq!(out.records["Customer"].len(), 1_200);
    // 1,200 changes inside one second cannot be split: full read.
    let out = c
        .cdc(
            &["Customer"],
            (t0() - ChronoDuration::days(2)).fixed_offset(),
        )
        .await
        .unwrap();
    assert_eq!(out.full_read, vec!["Customer".to_string()]);
    assert_eq!(out.records["Customer"].len(), 1_200);
}

fn customer_body(name: &str) -> Map<String, Value> {
    obj(json!({"DisplayName": name, "PrimaryEmailAddr": {"Address": "a@example.com"}}))
}

#[tokio::test]
async fn a_create_dropped_after_the_write_is_found_by_its_natural_key() {
    let e = Emu::start(unlimited()).await;
    e.faults(
        vec![nth(
            "quickbooks",
            "POST /v3/company/{realm}/{entity}",
            FaultKind::DropAfterWrite,
            &[1],
        )],
        1,
    );
    let c = e.quickbooks(|_| {});
    let r = c
        .create(
            "Customer",
            customer_body("Amy's Bird Sanctuary"),
            &WriteOptions::with_key(NaturalKey::eq("DisplayName", "Amy's Bird Sanctuary")),
        )
        .await
        .unwrap();
    assert_eq!(r.get_str("DisplayName"), Some("Amy's Bird Sanctuary"));
    assert_eq!(
        e.qbo(|st| st.count(&e.realm(), "Customer")),
        1,
        "written exactly once"
    );
    assert_eq!(
        e.calls("quickbooks", "POST /v3/company/{realm}/{entity}"),
        1,
        "not resent"
    );
    assert_eq!(e.calls("quickbooks", "/query"), 1, "looked up once");
}

#[tokio::test]
async fn a_create_dropped_before_the_write_is_resent_with_the_same_requestid() {
    let e = Emu::start(unlimited()).await;
    e.faults(
        vec![nth(
            "quickbooks",
            "POST /v3/company/{realm}/{entity}",
            FaultKind::Drop,
            &[1],
        )],
        1,
    );
    let c = e.quickbooks(|_| {});
    let r = c
        .create(
            "Customer",
            customer_body("Zoë"),
            &WriteOptions::with_key(NaturalKey::eq("DisplayName", "Zoë")),
        )
        .await
        .unwrap();
    assert_eq!(r.get_str("DisplayName"), Some("Zoë"));
    assert_eq!(e.qbo(|st| st.count(&e.realm(), "Customer")), 1);
    assert_eq!(
        e.calls("quickbooks", "POST /v3/company/{realm}/{entity}"),
        2
    );
}

#[tokio::test]
async fn without_a_natural_key_the_requestid_replay_makes_a_rerun_safe() {
    let e = Emu::start(unlimited()).await;
    e.faults(
        vec![nth(
            "quickbooks",
            "POST /v3/company/{realm}/{entity}",
            FaultKind::DropAfterWrite,
            &[1],
        )],
        1,
    );
    let c = e.quickbooks(|_| {});
    let opts = WriteOptions {
        request_id: Some("plan-change-42".into()),
        natural_key: None,
    };
    let err = c
        .create("Customer", customer_body("Replay"), &opts)
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err}");
    assert_eq!(e.qbo(|st| st.count(&e.realm(), "Customer")), 1);
    // A re-run (e.g. after a crash) sends the same deterministic requestid:
    // QBO replays the original answer instead of creating a duplicate.
    let again = c
        .create("Customer", customer_body("Replay"), &opts)
        .await
        .unwrap();
    assert_eq!(again.get_str("DisplayName"), Some("Replay"));
    assert_eq!(e.qbo(|st| st.count(&e.realm(), "Customer")), 1);
}

#[tokio::test]
async fn sparse_updates_stale_sync_tokens_and_uncertain_retries() {
    let e = Emu::start(unlimited()).await;
    let c = e.quickbooks(|_| {});
    let r = c
        .create(
            "Customer",
            customer_body("Stale Co"),
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    let v1 = c
        .sparse_update(
            "Customer",
            &r.id,
            &r.sync_token,
            obj(json!({"CompanyName": "Stale Co Ltd"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(v1.sync_token, "1");
    assert_eq!(v1.get_str("CompanyName"), Some("Stale Co Ltd"));
    // An old SyncToken: 5010.
    let err = c
        .sparse_update(
            "Customer",
            &r.id,
            &r.sync_token,
            obj(json!({"CompanyName": "X"})),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.fault().unwrap().is_stale(), "{err}");
    // An injected stale fault.
    e.faults(
        vec![nth("quickbooks", "POST", FaultKind::StaleSyncToken, &[1])],
        1,
    );
    let err = c
        .sparse_update(
            "Customer",
            &r.id,
            &v1.sync_token,
            obj(json!({"CompanyName": "Y"})),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.fault().unwrap().is_stale());
    // Dropped after the write: resent with the same requestid, replayed.
    e.faults(
        vec![nth("quickbooks", "POST", FaultKind::DropAfterWrite, &[1])],
        1,
    );
    let v2 = c
        .sparse_update(
            "Customer",
            &r.id,
            &v1.sync_token,
            obj(json!({"CompanyName": "Z"})),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        (v2.sync_token.as_str(), v2.get_str("CompanyName")),
        ("2", Some("Z"))
    );
    // Dropped after the write, and the resend answered "stale": the client
    // re-reads and recognises its own write.
    e.faults(
        vec![
            nth("quickbooks", "POST", FaultKind::DropAfterWrite, &[1]),
            nth("quickbooks", "POST", FaultKind::StaleSyncToken, &[2]),
        ],
        1,
    );
    let v3 = c
        .sparse_update(
            "Customer",
            &r.id,
            &v2.sync_token,
            obj(json!({"BillAddr": {"City": "Oslo"}})),
            Some("upd-oslo-1".into()),
        )
        .await
        .unwrap();
    assert_eq!(v3.sync_token, "3");
    assert_eq!(v3.get_str("BillAddr.City"), Some("Oslo"));
    let stored = e.qbo(|st| st.get(&e.realm(), "Customer", &r.id).unwrap());
    assert_eq!(stored["SyncToken"], "3", "applied once");
}

#[tokio::test]
async fn deactivation_renames_and_frees_the_name() {
    let e = Emu::start(unlimited()).await;
    let c = e.quickbooks(|_| {});
    let r = c
        .create(
            "Customer",
            customer_body("Thrifty Meats"),
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    let d = c
        .deactivate("Customer", &r.id, &r.sync_token)
        .await
        .unwrap();
    assert!(!d.active);
    assert_eq!(d.get_str("DisplayName"), Some("Thrifty Meats (deleted)"));
    let again = c
        .create(
            "Customer",
            customer_body("Thrifty Meats"),
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    assert_ne!(again.id, r.id);
    let dup = c
        .create(
            "Customer",
            customer_body("Thrifty Meats"),
            &WriteOptions {
                request_id: Some("other".into()),
                natural_key: None,
            },
        )
        .await
        .unwrap_err();
    assert!(dup.fault().unwrap().is_duplicate_name(), "{dup}");
}

#[tokio::test]
async fn invoices_void_and_delete_and_money_stays_exact() {
    let e = Emu::start(unlimited()).await;
    let c = e.quickbooks(|_| {});
    let cust = c
        .create(
            "Customer",
            customer_body("Billable"),
            &WriteOptions::default(),
        )
        .await
        .unwrap();
    let body = obj(
        json!({"CustomerRef": {"value": cust.id}, "Line": [{"Amount": serde_json::from_str::<Value>("337.50").unwrap(), "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}),
    );
    let inv = c
        .create(
            "Invoice",
            body.clone(),
            &WriteOptions::with_key(NaturalKey::eq("DocNumber", "1001")),
        )
        .await
        .unwrap();
    assert_eq!(inv.get("TotalAmt").unwrap().to_string(), "337.50");
    let read = c.read("Invoice", &inv.id).await.unwrap();
    assert_eq!(read.body, inv.body);
    let voided = c.void_invoice(&inv.id, &inv.sync_token).await.unwrap();
    assert_eq!(voided.sync_token, "1");
    assert_eq!(
        rust_decimal::Decimal::from_str_exact(&voided.get("TotalAmt").unwrap().to_string())
            .unwrap(),
        rust_decimal::Decimal::ZERO
    );
    let other = c
        .create(
            "Invoice",
            body,
            &WriteOptions {
                request_id: Some("second".into()),
                natural_key: None,
            },
        )
        .await
        .unwrap();
    let del = c
        .delete_invoice(&other.id, &other.sync_token)
        .await
        .unwrap();
    assert_eq!(del.id, other.id);
    let err = c.read("Invoice", &other.id).await.unwrap_err();
    assert!(err.fault().is_some());
    // A delete dropped after the write is recognised on the resend.
    let third = c.create("Invoice", obj(json!({"CustomerRef": {"value": cust.id}, "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]})), &WriteOptions::default()).await.unwrap();
    e.faults(
        vec![nth(
            "quickbooks",
            "operation=delete",
            FaultKind::DropAfterWrite,
            &[1],
        )],
        1,
    );
    let del = c
        .delete_invoice(&third.id, &third.sync_token)
        .await
        .unwrap();
    assert_eq!(del.id, third.id);
    // A 30-digit amount stored raw reads back with every digit, no panic.
    let realm = e.realm();
    let raw_id = e.qbo(|st| {
        let mut v = st.get(&realm, "Customer", &cust.id).unwrap();
        let m = v.as_object_mut().unwrap();
        m.remove("Id");
        m.insert("DisplayName".into(), json!("Huge"));
        m.insert(
            "Balance".into(),
            serde_json::from_str("123456789012345678901234567890.12").unwrap(),
        );
        st.insert_raw(&realm, "Customer", v, t0()).unwrap()
    });
    let huge = c.read("Customer", &raw_id).await.unwrap();
    assert_eq!(
        huge.get("Balance").unwrap().to_string(),
        "123456789012345678901234567890.12"
    );
}

#[tokio::test]
async fn batches_of_30_report_each_item_by_key() {
    let e = Emu::start(unlimited()).await;
    let c = e.quickbooks(|_| {});
    let existing = c
        .create("Customer", customer_body("Taken"), &WriteOptions::default())
        .await
        .unwrap();
    let mut items: Vec<(String, QboBatchOp)> = (0..64)
        .map(|i| {
            (
                format!("c{i}"),
                QboBatchOp::Create {
                    entity: "Customer".into(),
                    body: customer_body(&format!("Batch {i}")),
                },
            )
        })
        .collect();
    items.insert(
        10,
        (
            "dup".into(),
            QboBatchOp::Create {
                entity: "Customer".into(),
                body: customer_body("Taken"),
            },
        ),
    );
    items.insert(
        40,
        (
            "q".into(),
            QboBatchOp::Query(Query::select("Customer", Active::Any).eq("DisplayName", "Taken")),
        ),
    );
    items.push((
        "upd".into(),
        QboBatchOp::Update {
            entity: "Customer".into(),
            body: obj(json!({"Id": existing.id, "SyncToken": existing.sync_token, "sparse": true, "CompanyName": "Taken Inc"})),
        },
    ));
    items.push((
        "stale".into(),
        QboBatchOp::Update {
            entity: "Customer".into(),
            body: obj(
                json!({"Id": existing.id, "SyncToken": "0", "sparse": true, "CompanyName": "Late"}),
            ),
        },
    ));
    let out = c.batch(items).await.unwrap();
    assert_eq!(out.len(), 68);
    assert_eq!(
        e.calls("quickbooks", "/batch"),
        3,
        "68 items in chunks of 30"
    );
    for (k, o) in &out {
        match (k.as_str(), o) {
            ("dup", QboBatchOutcome::Fault(f)) => assert!(f.is_duplicate_name(), "{f}"),
            ("q", QboBatchOutcome::Query(rows)) => assert_eq!(rows[0].id, existing.id),
            ("upd", QboBatchOutcome::Entity(r)) => {
                assert_eq!(r.get_str("CompanyName"), Some("Taken Inc"))
            }
            ("stale", QboBatchOutcome::Fault(f)) => assert!(f.is_stale(), "{f}"),
            (k, QboBatchOutcome::Entity(r)) if k.starts_with('c') => {
                assert_eq!(
                    r.get_str("DisplayName"),
                    Some(format!("Batch {}", &k[1..]).as_str())
                )
            }
            (k, o) => panic!("{k}: {o:?}"),
        }
    }
    assert_eq!(e.qbo(|st| st.count(&e.realm(), "Customer")), 65);
    // A batch with creates whose answer is lost: every item is Unknown, and
    // nothing is written twice.
    e.faults(
        vec![nth("quickbooks", "/batch", FaultKind::DropAfterWrite, &[1])],
        1,
    );
    let more: Vec<(usize, QboBatchOp)> = (0..5)
        .map(|i| {
            (
                i,
                QboBatchOp::Create {
                    entity: "Customer".into(),
                    body: customer_body(&format!("Lost {i}")),
                },
            )
        })
        .collect();
    let out = c.batch(more).await.unwrap();
    assert!(
        out.iter()
            .all(|(_, o)| matches!(o, QboBatchOutcome::Unknown { .. })),
        "{out:?}"
    );
    assert_eq!(e.calls("quickbooks", "/batch"), 4);
    assert_eq!(e.qbo(|st| st.count(&e.realm(), "Customer")), 70);
}

#[tokio::test]
async fn preferences_and_company_info_are_typed() {
    let e = Emu::start(unlimited()).await;
    let realm = e.realm();
    e.qbo(|st| {
        st.set_preferences(&realm, json!({"SalesFormsPrefs": {"CustomTxnNumbers": true}, "CurrencyPrefs": {"MultiCurrencyEnabled": true, "HomeCurrency": {"value": "CAD"}}}), t0()).unwrap();
        st.set_company_info(&realm, json!({"Country": "CA"}), t0()).unwrap();
    });
    let c = e.quickbooks(|_| {});
    let p = c.preferences().await.unwrap();
    assert!(p.custom_txn_numbers && p.multicurrency_enabled);
    assert_eq!(p.home_currency.as_deref(), Some("CAD"));
    let info = c.company_info().await.unwrap();
    assert_eq!(info.country.as_deref(), Some("CA"));
    assert!(info.company_name.starts_with("Sandbox Company"));
}

/// Records each persisted token with the number of API (non-token) requests
/// the emulator had served at that moment; can be told to fail.
struct ProbeSink {
    emu: hsqb::emulator::Emulator,
    log: Mutex<Vec<(String, u64)>>,
    fail: bool,
}

impl ProbeSink {
    fn api_calls(&self) -> u64 {
        let snap = self.emu.shared().stats.snapshot();
        snap.get("quickbooks")
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !k.contains("oauth2"))
                    .map(|(_, v)| v.count)
                    .sum()
            })
            .unwrap_or(0)
    }
    fn latest(&self) -> Option<String> {
        self.log.lock().unwrap().last().map(|(t, _)| t.clone())
    }
}

impl TokenSink for ProbeSink {
    fn persist(&self, _realm: &str, token: &Secret) -> Result<(), SinkError> {
        let calls = self.api_calls();
        self.log
            .lock()
            .unwrap()
            .push((token.expose().to_string(), calls));
        if self.fail {
            Err("simulated crash before the token reached disk".into())
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_and_are_persisted_before_use() {
    let mut cfg = unlimited();
    cfg.limits.qbo_access_token_ttl = Duration::from_secs(1);
    let e = Emu::start(cfg).await;
    seed_customers(&e, 3, |_| t0());
    let initial = e.emu.shared().config.qbo_refresh_token.clone();
    let sink = Arc::new(ProbeSink {
        emu: e.emu.clone(),
        log: Mutex::new(vec![]),
        fail: false,
    });
    let c = e.quickbooks_refresh(&initial, sink.clone(), |_| {});
    // Requests over ~2.4 s against 1 s access tokens.
    for _ in 0..8 {
        assert_eq!(c.query_all(&Query::all("Customer")).await.unwrap().len(), 3);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let log = sink.log.lock().unwrap().clone();
    assert!(log.len() >= 3, "rotated on every refresh: {}", log.len());
    // The first token was persisted before any API call; each later one
    // before the calls that used it.
    assert_eq!(log[0].1, 0);
    let distinct: BTreeSet<&String> = log.iter().map(|(t, _)| t).collect();
    assert_eq!(distinct.len(), log.len());
    assert_eq!(
        sink.latest().unwrap(),
        e.qbo(|st| st.current_refresh_token().to_string())
    );
    let unauthorized: u64 = e
        .stats("quickbooks")
        .values()
        .map(|v| v.statuses.get(&401).copied().unwrap_or(0))
        .sum();
    assert_eq!(unauthorized, 0, "refreshed ahead of expiry");
    // Crash simulation: a new process starts from what the sink holds.
    drop(c);
    let next = e.quickbooks_refresh(&sink.latest().unwrap(), sink.clone(), |_| {});
    assert_eq!(
        next.query_all(&Query::all("Customer")).await.unwrap().len(),
        3
    );
}

#[tokio::test]
async fn a_failed_persist_loses_nothing() {
    let e = Emu::start(unlimited()).await;
    let initial = e.emu.shared().config.qbo_refresh_token.clone();
    let failing = Arc::new(ProbeSink {
        emu: e.emu.clone(),
        log: Mutex::new(vec![]),
        fail: true,
    });
    let c = e.quickbooks_refresh(&initial, failing.clone(), |_| {});
    let err = c.preferences().await.unwrap_err();
    assert!(matches!(err, QboError::TokenPersist { .. }), "{err}");
    assert_eq!(
        failing.api_calls(),
        0,
        "the new access token was never used"
    );
    // The process "crashes"; the next one starts from the old token on disk,
    // which is still inside QBO's grace period.
    drop(c);
    let sink = MemorySink::new();
    let next = e.quickbooks_refresh(&initial, sink.clone(), |_| {});
    next.preferences().await.unwrap();
    assert_eq!(
        sink.latest().unwrap().expose(),
        e.qbo(|st| st.current_refresh_token().to_string())
    );
}

#[tokio::test]
async fn an_invalid_refresh_token_asks_to_reconnect() {
    let e = Emu::start(unlimited()).await;
    let c = e.quickbooks_refresh("not-a-valid-refresh-token", MemorySink::new(), |_| {});
    let err = c.preferences().await.unwrap_err();
    assert!(matches!(err, QboError::Reconnect { .. }), "{err}");
    assert!(err.to_string().contains("reconnect"));
    assert_eq!(e.calls("quickbooks", "oauth2"), 1, "not retried");
    // A static token the server does not know: the gateway fault, typed.
    let bad = e.quickbooks(|c| {
        c.auth = hsqb::quickbooks::QboAuth::Static(Secret::new("wrong-static-token-123"))
    });
    let err = bad.preferences().await.unwrap_err();
    let f = err.fault().unwrap();
    assert_eq!((f.status, f.code()), (401, Some("3200")));
    assert!(f.intuit_tid.is_some());
}

#[tokio::test]
async fn client_limits_keep_the_emulator_from_throttling() {
    // Per-minute 60, batch 4/min, 3 in flight, on a 100× clock.
    let mut cfg = unlimited();
    cfg.limits.qbo_per_minute = Some(60);
    cfg.limits.qbo_batch_per_minute = Some(4);
    cfg.limits.qbo_concurrency = Some(3);
    cfg.time_scale = 100.0;
    let e = Emu::start(cfg).await;
    seed_customers(&e, 5, |_| t0());
    let c = e.quickbooks(|c| {
        c.limits = QboLimits {
            per_minute: Some(RateLimit::new(60, Duration::from_secs(60))),
            batch: Some(RateLimit::new(4, Duration::from_secs(60))),
            concurrency: Some(3),
        }
        .scaled(100.0);
        c.retry = RetryPolicy::fast(1, 1); // a 429 would be an error
    });
    let mut tasks = Vec::new();
    for t in 0..8 {
        let c: QboClient = c.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                if (t + i) % 5 == 0 {
                    let q = vec![((), QboBatchOp::Query(Query::all("Customer")))];
                    let out = c.batch(q).await.unwrap();
                    assert!(matches!(out[0].1, QboBatchOutcome::Query(ref r) if r.len() == 5));
                } else {
                    assert_eq!(c.query_all(&Query::all("Customer")).await.unwrap().len(), 5);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(e.throttled("quickbooks"), 0);
    assert_eq!(e.calls("quickbooks", ""), 120);
}

/// The "done when" for QuickBooks: at default (real) limits 10,000
/// customers take the minimum pages and meet no 429; with 10% injected
/// faults the read returns exactly the emulator's data.
#[tokio::test]
async fn done_when_10k_customers_minimum_pages_no_429_and_exact_under_faults() {
    let e = Emu::start(real_limits()).await;
    let all = seed_customers(&e, 10_000, |i| t0() - ChronoDuration::seconds(i as i64));
    let c = e.quickbooks(|c| c.limits = QboLimits::production());
    let clean = c.query_all(&Query::all("Customer")).await.unwrap();
    assert_eq!(ids(&clean), all.iter().cloned().collect());
    assert_eq!(
        e.calls("quickbooks", "/query"),
        11,
        "10 full pages and the empty one that ends the read"
    );
    assert_eq!(e.throttled("quickbooks"), 0);
    e.reset_stats();
    e.faults(transient_mix("quickbooks", 0.10, 300), 9);
    let f = e.quickbooks(|c| {
        c.limits = QboLimits::production();
        c.retry = RetryPolicy::fast(10, 4);
        c.timeout = Duration::from_secs(2);
    });
    let mut faulted = Vec::new();
    for _ in 0..3 {
        faulted = f.query_all(&Query::all("Customer")).await.unwrap();
        assert_eq!(faulted, clean, "exactly the emulator's data");
    }
    assert!(
        e.faulted("quickbooks") >= 2,
        "faults were injected: {}",
        e.faulted("quickbooks")
    );
    assert_eq!(e.throttled("quickbooks"), 0);
    assert_same_as_emulator(&e, "Customer", &faulted[..200]);
}
