//! PostgreSQL-only behaviour of the state store: locks across sessions (two
//! runners, a killed holder, a hung holder), migrations, key separation.
//! Skipped with a notice when `HSQB_TEST_DATABASE_URL` is not set (see `pg`).

mod pg;

use chrono::Utc;
use hsqb::secret::Secret;
use hsqb::state::{
    Liveness, LockHolder, PostgresOptions, PostgresStore, SCHEMA_VERSION, StateError, Store,
};
use std::time::Duration;

fn holder() -> LockHolder {
    LockHolder::this_process("apply", Utc::now())
}

/// Poll `cond` (bounded): the server notices a closed session asynchronously.
async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}

async fn same_key_stores(label: &str) -> Option<(PostgresStore, PostgresStore)> {
    let opts = pg::options(label)?;
    let a = PostgresStore::connect(opts.clone()).await.unwrap();
    let b = PostgresStore::connect(opts).await.unwrap();
    Some((a, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_racing_for_the_lock_never_both_get_it() {
    let Some((a, b)) = same_key_stores("race").await else {
        return;
    };
    for _ in 0..5 {
        let (ha, hb) = (holder(), holder());
        let (ra, rb) = tokio::join!(a.lock(&ha, Duration::ZERO), b.lock(&hb, Duration::ZERO));
        let winners = [ra.is_ok(), rb.is_ok()];
        assert_eq!(
            winners.iter().filter(|w| **w).count(),
            1,
            "exactly one runner holds the lock: {ra:?} {rb:?}"
        );
        let loser = if ra.is_ok() { rb } else { ra };
        assert!(matches!(
            loser,
            Err(StateError::Locked { .. }) | Err(StateError::Backend(_))
        ));
        if winners[0] {
            a.unlock(&ha).await.unwrap();
        } else {
            b.unlock(&hb).await.unwrap();
        }
    }
    // A waiting runner gets the lock once the holder releases it.
    let (ha, hb) = (holder(), holder());
    a.lock(&ha, Duration::ZERO).await.unwrap();
    let waiter = {
        let b = b.clone();
        let hb = hb.clone();
        tokio::spawn(async move { b.lock(&hb, Duration::from_secs(30)).await })
    };
    // While it waits, the holder is still a.
    assert_eq!(b.lock_info().await.unwrap().unwrap().id, ha.id);
    a.unlock(&ha).await.unwrap();
    assert!(waiter.await.unwrap().unwrap().is_none());
    assert_eq!(a.lock_info().await.unwrap().unwrap().id, hb.id);
    b.unlock(&hb).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_holder_is_visible_then_force_unlocked_or_taken_over() {
    let Some(opts) = pg::options("killed") else {
        return;
    };
    // Runner A takes the lock, then dies without unlocking: dropping its store
    // closes the dedicated lock connection, as a killed process would.
    let dead = holder();
    {
        let a = PostgresStore::connect(opts.clone()).await.unwrap();
        a.lock(&dead, Duration::ZERO).await.unwrap();
    }
    let b = PostgresStore::connect(opts.clone()).await.unwrap();
    // The record stays: anyone can see who held it …
    assert_eq!(b.lock_info().await.unwrap().unwrap().id, dead.id);
    // … and that its session is gone.
    eventually("the dead session is noticed", || async {
        matches!(
            b.lock_status().await.unwrap().map(|s| s.liveness),
            Some(Liveness::Stale(_))
        )
    })
    .await;
    // force-unlock by id releases it.
    assert_eq!(b.force_unlock(&dead.id).await.unwrap().id, dead.id);
    assert!(b.lock_info().await.unwrap().is_none());

    // Same again, this time the next runner simply takes the stale lock over.
    let dead2 = holder();
    {
        let a = PostgresStore::connect(opts.clone()).await.unwrap();
        a.lock(&dead2, Duration::ZERO).await.unwrap();
    }
    let me = holder();
    let stale = b.lock(&me, Duration::from_secs(10)).await.unwrap();
    assert_eq!(stale.map(|h| h.id), Some(dead2.id));
    assert_eq!(b.lock_info().await.unwrap().unwrap().id, me.id);
    b.unlock(&me).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn force_unlock_ends_the_session_of_a_hung_holder() {
    let Some((a, b)) = same_key_stores("hung").await else {
        return;
    };
    // A holds the lock and stays connected (a hung run).
    let hung = holder();
    a.lock(&hung, Duration::ZERO).await.unwrap();
    let me = holder();
    assert!(matches!(
        b.lock(&me, Duration::ZERO).await,
        Err(StateError::Locked { .. })
    ));
    assert_eq!(
        b.lock_status().await.unwrap().unwrap().liveness,
        Liveness::Alive
    );
    // force-unlock from another runner removes the record and terminates the
    // session holding the advisory lock, so the lock is really free.
    assert_eq!(b.force_unlock(&hung.id).await.unwrap().id, hung.id);
    assert!(
        b.lock(&me, Duration::from_secs(10))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(b.lock_info().await.unwrap().unwrap().id, me.id);
    b.unlock(&me).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_heartbeat_is_reported() {
    let Some(mut opts) = pg::options("heartbeat") else {
        return;
    };
    // A holder whose heartbeat is far apart from a zero TTL: reported as
    // possibly hung (not stale: its session still holds the lock).
    opts.heartbeat = Duration::from_secs(3600);
    opts.lock_ttl = Duration::ZERO;
    let s = PostgresStore::connect(opts).await.unwrap();
    let h = holder();
    s.lock(&h, Duration::ZERO).await.unwrap();
    eventually("the heartbeat ages", || async {
        matches!(
            s.lock_status().await.unwrap().map(|x| x.liveness),
            Some(Liveness::Unknown(_))
        )
    })
    .await;
    s.unlock(&h).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_separate_manifests_sharing_one_database() {
    let Some(a) = pg::store("key-a").await else {
        return;
    };
    let b = pg::store("key-b").await.unwrap();
    a.update(|d| {
        d.watermarks.insert("hubspot:contacts".into(), Utc::now());
    })
    .await
    .unwrap();
    assert!(b.load().await.unwrap().watermarks.is_empty());
    // Locks are per key too.
    let (ha, hb) = (holder(), holder());
    a.lock(&ha, Duration::ZERO).await.unwrap();
    b.lock(&hb, Duration::ZERO).await.unwrap();
    a.unlock(&ha).await.unwrap();
    b.unlock(&hb).await.unwrap();
    let keys = a.keys().await.unwrap();
    assert!(keys.contains(&a.key().to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_are_idempotent_concurrent_and_refuse_a_newer_schema() {
    let Some(url) = pg::url() else {
        return;
    };
    let schema = format!("mig_{}", uuid::Uuid::new_v4().simple());
    let raw = pg::raw(&url).await;
    raw.batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let scoped = pg::with_schema(&url, &schema);
    let opts = PostgresOptions::new(Secret::new(scoped.clone()), "migrations");
    // Four runners connecting to an empty database at once: one migrates, the
    // others wait for it and find nothing left to do.
    let connects = (0..4).map(|_| PostgresStore::connect(opts.clone()));
    let stores: Vec<PostgresStore> = futures_util::future::join_all(connects)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    let versions = stores[0].schema_versions().await.unwrap();
    assert_eq!(versions, (1..=SCHEMA_VERSION).collect::<Vec<_>>());
    // Running the migrations again changes nothing.
    assert!(stores[0].migrate().await.unwrap().is_empty());
    assert_eq!(stores[1].schema_versions().await.unwrap(), versions);
    let tables: i64 = raw
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1",
            &[&schema],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(tables, 6, "schema_version + 5 state tables, no duplicates");
    // The store works in that schema.
    let s = Store::Postgres(stores[2].clone());
    s.update(|d| {
        d.last_full_refresh = Some(Utc::now());
    })
    .await
    .unwrap();
    assert!(s.load().await.unwrap().last_full_refresh.is_some());

    // A database migrated by a newer hsqb is refused with a clear message.
    raw.batch_execute(&format!(
        "INSERT INTO {schema}.hsqb_schema_version (version, description) VALUES (999, 'future')"
    ))
    .await
    .unwrap();
    let err = PostgresStore::connect(opts).await.unwrap_err().to_string();
    assert!(err.contains("newer than this hsqb"), "{err}");
    assert!(!err.contains("hsqb-test-password"), "no password in errors");
    raw.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

#[tokio::test]
async fn connection_errors_name_the_database_but_never_the_password() {
    // A port nothing listens on (the test server's port + 1 is never used).
    let url =
        "postgres://someone:very-secret-pw-123@127.0.0.1:1/hsqb?sslmode=disable&connect_timeout=2";
    let err = PostgresStore::connect(PostgresOptions::new(Secret::new(url), "k"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("postgres://someone@127.0.0.1:1/hsqb"), "{err}");
    assert!(!err.contains("very-secret-pw-123"), "{err}");
    let bad = PostgresStore::connect(PostgresOptions::new(
        Secret::new("postgres://u@h/db?sslmode=bogus"),
        "k",
    ))
    .await
    .unwrap_err()
    .to_string();
    assert!(bad.contains("not a valid postgres URL"), "{bad}");
}
