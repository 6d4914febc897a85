//! The state store contract, one test body run against every backend: the
//! local file always, PostgreSQL when `HSQB_TEST_DATABASE_URL` is set (CI sets
//! it via `.ci/postgres.sh`; locally the Postgres half is skipped with a notice).
//! Postgres-only behaviour (advisory locks, sessions, migrations) is in
//! `state_postgres.rs`.

mod pg;

use chrono::{TimeZone, Utc};
use hsqb::plan::{BaselineEntry, Block};
use hsqb::state::{
    JournalEntry, JournalPhase, Liveness, LocalStore, LockHolder, StateData, StateDelta,
    StateError, Store, StoredToken, TokenWrite,
};
use std::collections::BTreeMap;
use std::time::Duration;

fn token(sealed: &str, secs: i64) -> StoredToken {
    StoredToken {
        sealed: sealed.into(),
        received_at: Utc
            .timestamp_opt(1_700_000_000 + secs, 123_456_789)
            .unwrap(),
        origin: Some("origin-hash".into()),
        version: 0,
    }
}

fn baseline(h: &str, q: &str) -> BaselineEntry {
    BaselineEntry {
        block: Block::Contacts,
        hubspot_id: Some(h.into()),
        qbo_id: Some(q.into()),
        values: BTreeMap::from([
            ("email".to_string(), format!("{h}@example.com")),
            ("amount".to_string(), "1234.50".to_string()),
        ]),
        qbo_values: Default::default(),
        from_created: Vec::new(),
    }
}

/// Everything both backends must do the same way.
async fn contract(store: &Store) {
    // Empty at first.
    let empty = store.load().await.unwrap();
    assert!(empty.baselines.is_empty() && empty.watermarks.is_empty());
    assert!(empty.last_full_refresh.is_none());
    assert!(store.tokens().await.unwrap().tokens.is_empty());
    assert!(store.journal().await.unwrap().is_empty());
    assert!(store.lock_info().await.unwrap().is_none());

    // Save and load round-trip exactly (nanosecond timestamps, decimals as text).
    let mut data = StateData::default();
    data.watermarks.insert(
        "hubspot:contacts".into(),
        Utc.timestamp_opt(1_700_000_000, 987_654_321).unwrap(),
    );
    data.last_full_refresh = Some(Utc.timestamp_opt(1_700_000_100, 1).unwrap());
    for i in 0..50 {
        let (h, q) = (format!("{i}"), format!("{}", 1000 + i));
        data.baselines
            .insert(format!("contacts:{h}:{q}"), baseline(&h, &q));
    }
    store.save(&data).await.unwrap();
    let back = store.load().await.unwrap();
    assert_eq!(back.watermarks, data.watermarks);
    assert_eq!(back.last_full_refresh, data.last_full_refresh);
    assert_eq!(back.baselines, data.baselines);

    // Update: read-modify-write; removals and changes persist.
    store
        .update(|d| {
            d.baselines.remove("contacts:0:1000");
            d.baselines
                .get_mut("contacts:1:1001")
                .unwrap()
                .values
                .insert("email".into(), "changed@example.com".into());
            d.baselines
                .insert("contacts:x:y".into(), baseline("x", "y"));
            d.watermarks.insert(
                "quickbooks:main:Customer".into(),
                Utc.timestamp_opt(1_700_000_200, 0).unwrap(),
            );
        })
        .await
        .unwrap();
    let after = store.load().await.unwrap();
    assert!(!after.baselines.contains_key("contacts:0:1000"));
    assert_eq!(
        after.baselines["contacts:1:1001"].values["email"],
        "changed@example.com"
    );
    assert!(after.baselines.contains_key("contacts:x:y"));
    assert_eq!(after.baselines.len(), 50);
    assert_eq!(after.watermarks.len(), 2);

    // What an apply records: watermarks alone, then baselines too; the meta
    // read never carries baselines, the baselines read carries all of them.
    let t3 = Utc.timestamp_opt(1_700_000_300, 0).unwrap();
    store
        .record(&StateDelta {
            watermarks: BTreeMap::from([("hubspot:contacts".to_string(), t3)]),
            ..Default::default()
        })
        .await
        .unwrap();
    let meta = store.load_meta().await.unwrap();
    assert!(meta.baselines.is_empty());
    assert_eq!(meta.watermarks["hubspot:contacts"], t3);
    assert_eq!(store.load_baselines().await.unwrap().len(), 50);
    store
        .record(&StateDelta {
            baselines: vec![("contacts:r:s".into(), baseline("r", "s"))],
            forget: vec!["contacts:x:y".into()],
            last_full_refresh: Some(t3),
            ..Default::default()
        })
        .await
        .unwrap();
    let after = store.load().await.unwrap();
    assert_eq!(after.baselines.len(), 50);
    assert!(after.baselines.contains_key("contacts:r:s"));
    assert!(!after.baselines.contains_key("contacts:x:y"));
    assert_eq!(after.last_full_refresh, Some(t3));
    assert_eq!(after.watermarks["hubspot:contacts"], t3);

    // Concurrent updates from many tasks all land (none lost).
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            s.update(move |d| {
                d.watermarks
                    .insert(format!("src:{i}"), Utc.timestamp_opt(i, 0).unwrap());
            })
            .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(store.load().await.unwrap().watermarks.len(), 10);

    // Tokens: compare-and-set, never older over newer.
    let w1 = store.save_token("111", token("t1", 0), 0).await.unwrap();
    assert_eq!(w1, TokenWrite::Stored { version: 1 });
    // A runner that read version 1 rotates: accepted.
    let w2 = store.save_token("111", token("t2", 10), 1).await.unwrap();
    assert_eq!(w2, TokenWrite::Stored { version: 2 });
    // A runner that also read version 1 but received its token *earlier*
    // than t2: refused, t2 stays.
    let stale = store.save_token("111", token("t-old", 5), 1).await.unwrap();
    assert_eq!(stale, TokenWrite::Superseded { version: 2 });
    let t = store.tokens().await.unwrap();
    assert_eq!(t.tokens["111"].sealed, "t2");
    assert_eq!(t.tokens["111"].version, 2);
    // A runner that read version 1 but received its token *later*: it holds
    // the newest token, accepted.
    let newer = store.save_token("111", token("t3", 20), 1).await.unwrap();
    assert_eq!(newer, TokenWrite::Stored { version: 3 });
    // Blocking variant (the QBO token sink's path) from sync code in the runtime.
    let s2 = store.clone();
    let blocking =
        tokio::task::spawn_blocking(move || s2.save_token_blocking("222", token("r2", 0), 0))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(blocking, TokenWrite::Stored { version: 1 });
    let t = store.tokens().await.unwrap();
    assert_eq!(t.tokens["111"].sealed, "t3");
    assert_eq!(
        t.tokens["111"].received_at,
        token("t3", 20).received_at,
        "received_at keeps nanoseconds"
    );
    assert_eq!(t.tokens["222"].sealed, "r2");
    assert!(store.remove_token("222").await.unwrap());
    assert!(!store.remove_token("222").await.unwrap());
    // put_tokens replaces as is (migrate).
    let mut copy = store.tokens().await.unwrap();
    copy.tokens.get_mut("111").unwrap().version = 41;
    store.put_tokens(&copy).await.unwrap();
    assert_eq!(store.tokens().await.unwrap().tokens["111"].version, 41);

    // Journal: appends in order, survives concurrent writers, clears.
    let entry = |run: &str, n: usize, phase| JournalEntry {
        run: run.into(),
        changes: vec![format!("c{n}")],
        phase,
        results: BTreeMap::from([(
            format!("c{n}"),
            serde_json::json!({"ok": true, "id": n.to_string(), "amount": serde_json::Number::from_string_unchecked("10.50".into())}),
        )]),
        at: Utc.timestamp_opt(1_700_000_000, n as u32).unwrap(),
    };
    store
        .append_journal(&entry("r", 0, JournalPhase::Intent))
        .await
        .unwrap();
    store
        .append_journal(&entry("r", 0, JournalPhase::Done))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 1..=12 {
        let s = store.clone();
        let e = entry("p", n, JournalPhase::Intent);
        tasks.push(tokio::spawn(async move { s.append_journal(&e).await }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let j = store.journal().await.unwrap();
    assert_eq!(j.len(), 14);
    assert_eq!(j[0], entry("r", 0, JournalPhase::Intent));
    assert_eq!(j[1].phase, JournalPhase::Done);
    let mut ns: Vec<String> = j[2..].iter().map(|e| e.changes[0].clone()).collect();
    ns.sort();
    ns.dedup();
    assert_eq!(ns.len(), 12, "every concurrent entry exactly once");
    store.clear_journal().await.unwrap();
    assert!(store.journal().await.unwrap().is_empty());

    // Lock: one holder at a time; the other fails naming the holder.
    let a = LockHolder::this_process("apply", Utc::now());
    let b = LockHolder::this_process("apply", Utc::now());
    assert!(store.lock(&a, Duration::ZERO).await.unwrap().is_none());
    match store.lock(&b, Duration::from_millis(300)).await {
        Err(StateError::Locked { holder }) => assert_eq!(holder.id, a.id),
        other => panic!("expected Locked, got {other:?}"),
    }
    assert_eq!(store.lock_info().await.unwrap().unwrap().id, a.id);
    let status = store.lock_status().await.unwrap().unwrap();
    assert_eq!(status.holder.id, a.id);
    assert_eq!(status.liveness, Liveness::Alive);
    assert!(matches!(
        store.force_unlock("not-the-id").await,
        Err(StateError::WrongLock { .. })
    ));
    store.unlock(&a).await.unwrap();
    assert!(store.lock_info().await.unwrap().is_none());
    assert!(store.lock(&b, Duration::ZERO).await.unwrap().is_none());
    assert_eq!(store.force_unlock(&b.id).await.unwrap().id, b.id);
    assert!(store.lock_info().await.unwrap().is_none());
    assert!(matches!(
        store.force_unlock(&b.id).await,
        Err(StateError::WrongLock { .. })
    ));
    // State survived all of it.
    assert_eq!(store.load().await.unwrap().baselines.len(), 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::Local(LocalStore::new(dir.path().join("state.json")));
    contract(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_store_keeps_the_contract() {
    let Some(store) = pg::store("contract").await else {
        return;
    };
    contract(&Store::Postgres(store)).await;
}

#[tokio::test]
async fn postgres_token_writes_work_from_a_current_thread_runtime() {
    // `persist` on a current-thread runtime cannot block on the shared
    // connection; the store uses a helper thread with its own connection.
    let Some(store) = pg::store("current-thread").await else {
        return;
    };
    let store = Store::Postgres(store);
    let w = store.save_token_blocking("9", token("ct", 0), 0).unwrap();
    assert_eq!(w, TokenWrite::Stored { version: 1 });
    let w = store
        .save_token_blocking("9", token("ct-older", -5), 0)
        .unwrap();
    assert_eq!(w, TokenWrite::Superseded { version: 1 });
    assert_eq!(store.tokens().await.unwrap().tokens["9"].sealed, "ct");
}
