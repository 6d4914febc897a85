//! `hsqb state list|show|rm|migrate` and `hsqb force-unlock` end to end: the
//! real binary over a seeded local state file and (when
//! `HSQB_TEST_DATABASE_URL` is set) a PostgreSQL database.

mod pg;

use chrono::{TimeZone, Utc};
use hsqb::plan::{BaselineEntry, Block};
use hsqb::state::inspect::Snapshot;
use hsqb::state::{
    JournalEntry, JournalPhase, LocalStore, LockHolder, PostgresOptions, PostgresStore, StateData,
    Store, StoredToken,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SEALED: &str = "c2VhbGVkLXRva2VuLWNpcGhlcnRleHQtMDAx";

fn hsqb(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hsqb"));
    c.args(args)
        .current_dir(dir)
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    if let Ok(u) = std::env::var("HSQB_TEST_DATABASE_URL") {
        c.env("HSQB_TEST_DATABASE_URL", u);
    }
    c.output().expect("run hsqb")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A sandbox manifest (never connected to by these commands) with `state`.
fn manifest(dir: &Path, state: &str) {
    std::fs::write(
        dir.join("hsqb.yaml"),
        format!(
            "version: 1\nsandbox:\n  data_dir: sandbox-data\nstate:\n{state}\nsync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n"
        ),
    )
    .unwrap();
}

async fn seed(store: &Store) {
    let mut data = StateData::default();
    data.watermarks.insert(
        "hubspot:contacts".into(),
        Utc.timestamp_opt(1_700_000_000, 5).unwrap(),
    );
    data.watermarks.insert(
        "quickbooks:main:Customer".into(),
        Utc.timestamp_opt(1_700_000_001, 0).unwrap(),
    );
    data.last_full_refresh = Some(Utc.timestamp_opt(1_699_000_000, 0).unwrap());
    for (i, block) in [Block::Contacts, Block::Contacts, Block::Products]
        .into_iter()
        .enumerate()
    {
        let (h, q) = (format!("{}", 100 + i), format!("{}", 50 + i));
        data.baselines.insert(
            format!("{}:{h}:{q}", block.name()),
            BaselineEntry {
                block,
                hubspot_id: Some(h),
                qbo_id: Some(q),
                values: BTreeMap::from([("name".to_string(), format!("O'Brien {i} — ü"))]),
            },
        );
    }
    store.save(&data).await.unwrap();
    store
        .save_token(
            "9341453050298764",
            StoredToken {
                sealed: SEALED.into(),
                received_at: Utc.timestamp_opt(1_700_000_002, 7).unwrap(),
                origin: Some("abc".into()),
                version: 0,
            },
            0,
        )
        .await
        .unwrap();
    store
        .append_journal(&JournalEntry {
            run: "r1".into(),
            changes: vec!["contacts/update/hubspot/100".into()],
            phase: JournalPhase::Intent,
            results: BTreeMap::new(),
            at: Utc.timestamp_opt(1_700_000_003, 0).unwrap(),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn list_show_and_rm_on_a_local_state() {
    let dir = tempfile::tempdir().unwrap();
    manifest(dir.path(), "  path: state.json");
    let store = Store::Local(LocalStore::new(dir.path().join("state.json")));
    seed(&store).await;

    let o = hsqb(dir.path(), &["state", "list"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("Baselines (linked pairs with recorded values): 3 (contacts 2, products 1)"),
        "{out}"
    );
    assert!(
        out.contains("watermark:hubspot:contacts  2023-11-14T22:13:20Z"),
        "{out}"
    );
    assert!(out.contains("Last full refresh: 2023-11-03"), "{out}");
    assert!(out.contains("Lock: free"), "{out}");
    assert!(out.contains("token:9341453050298764  version 1"), "{out}");
    assert!(out.contains("Journal: 1 entries"), "{out}");
    assert!(!out.contains(SEALED), "token ciphertext never shown");

    let o = hsqb(dir.path(), &["state", "list", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["baselines_total"], 3);
    assert_eq!(v["tokens"][0]["version"], 1);
    assert!(!String::from_utf8_lossy(&o.stdout).contains(SEALED));

    let o = hsqb(dir.path(), &["state", "show", "baseline:products:102:52"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["qbo_id"], "52");
    assert_eq!(v["values"]["name"], "O'Brien 2 — ü");
    let o = hsqb(dir.path(), &["state", "show", "token:9341453050298764"]);
    let (out, _) = text(&o);
    assert!(
        out.contains("\"version\": 1") && !out.contains(SEALED) && !out.contains("sealed"),
        "{out}"
    );
    let o = hsqb(dir.path(), &["state", "show", "watermark:nope"]);
    assert_eq!(o.status.code(), Some(1));
    let o = hsqb(dir.path(), &["state", "show", "bogus"]);
    assert_eq!(o.status.code(), Some(64));

    // rm asks first; without a terminal and without --yes nothing changes.
    let o = hsqb(dir.path(), &["state", "rm", "watermark:hubspot:contacts"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("--yes"));
    assert_eq!(store.load().await.unwrap().watermarks.len(), 2);
    let o = hsqb(
        dir.path(),
        &["state", "rm", "watermark:hubspot:contacts", "--yes"],
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let after = store.load().await.unwrap();
    assert_eq!(after.watermarks.len(), 1);
    assert_eq!(after.baselines.len(), 3, "nothing else touched");
    let o = hsqb(dir.path(), &["state", "rm", "token:9341453050298764", "-y"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(store.tokens().await.unwrap().tokens.is_empty());
    let o = hsqb(
        dir.path(),
        &["state", "rm", "baseline:contacts:100:50", "-y"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(store.load().await.unwrap().baselines.len(), 2);
    let o = hsqb(dir.path(), &["state", "rm", "lock", "-y"]);
    assert_eq!(o.status.code(), Some(64));

    // rm refuses while another run holds the lock.
    let h = LockHolder::this_process("apply", Utc::now());
    store.lock(&h, std::time::Duration::ZERO).await.unwrap();
    let o = hsqb(dir.path(), &["state", "rm", "last_full_refresh", "-y"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains(&h.id));
    assert!(store.load().await.unwrap().last_full_refresh.is_some());
    let o = hsqb(dir.path(), &["state", "list"]);
    assert!(
        text(&o)
            .0
            .contains(&format!("Lock: {} held by `hsqb apply`", h.id))
    );
    // force-unlock (local) by id.
    let o = hsqb(dir.path(), &["force-unlock", &h.id]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(store.lock_info().await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_local_to_postgres_and_back_is_lossless() {
    let Some(url) = pg::url() else {
        return;
    };
    let key = pg::unique_key("migrate-cli");
    let dir = tempfile::tempdir().unwrap();
    manifest(dir.path(), &format!("  path: original.json\n  key: {key}"));
    let original = Store::Local(LocalStore::new(dir.path().join("original.json")));
    seed(&original).await;
    let before = Snapshot::read(&original).await.unwrap();

    let env_flag = ["--database-url-env", "HSQB_TEST_DATABASE_URL"];
    let mut args = vec!["state", "migrate", "--from", "local", "--to", "postgres"];
    args.extend(env_flag);
    let o = hsqb(dir.path(), &args);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains("Copied 3 baseline(s), 2 watermark(s), 1 token(s) and 1 journal entry"),
        "{out}"
    );
    assert!(!out.contains("hsqb-test-password") && !err.contains("hsqb-test-password"));

    // The copy in Postgres equals the source.
    let pg_store = Store::Postgres(
        PostgresStore::connect(PostgresOptions::new(
            hsqb::secret::Secret::new(url.clone()),
            key.clone(),
        ))
        .await
        .unwrap(),
    );
    assert_eq!(Snapshot::read(&pg_store).await.unwrap(), before);

    // Again without --force: refused, nothing written.
    let o = hsqb(dir.path(), &args);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("already holds state"));

    // And back into a new local file: identical to the original.
    let mut back = vec![
        "state",
        "migrate",
        "--from",
        "postgres",
        "--to",
        "local",
        "--local-path",
        "back.json",
    ];
    back.extend(env_flag);
    let o = hsqb(dir.path(), &back);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let round = Store::Local(LocalStore::new(dir.path().join("back.json")));
    assert_eq!(Snapshot::read(&round).await.unwrap(), before);

    // With the manifest on postgres, list/show/force-unlock use the database.
    manifest(
        dir.path(),
        &format!("  backend: postgres\n  url: ${{HSQB_TEST_DATABASE_URL}}\n  key: {key}"),
    );
    let o = hsqb(dir.path(), &["state", "list"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(
        out.contains(&format!("(state key `{key}`) (postgres)")),
        "{out}"
    );
    assert!(out.contains("3 (contacts 2, products 1)"));
    assert!(!out.contains("hsqb-test-password"));
    let h = LockHolder::this_process("apply", Utc::now());
    {
        // A runner that died holding the lock.
        let dying = PostgresStore::connect(PostgresOptions::new(
            hsqb::secret::Secret::new(url.clone()),
            key.clone(),
        ))
        .await
        .unwrap();
        dying.lock(&h, std::time::Duration::ZERO).await.unwrap();
    }
    let o = hsqb(dir.path(), &["state", "show", "lock"]);
    assert!(text(&o).0.contains(&h.id), "{:?}", text(&o));
    let o = hsqb(dir.path(), &["force-unlock", &h.id]);
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(pg_store.lock_info().await.unwrap().is_none());
}

/// Rotated QuickBooks refresh tokens reach the Postgres state through the QBO
/// client's token sink, and the next run uses them: the emulator invalidates a
/// superseded refresh token at once (no grace), so the second run only works
/// because the first one stored the rotated token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotated_refresh_tokens_are_persisted_to_postgres_and_reused() {
    use hsqb::emulator::{self, Emulator, EmulatorConfig, Limits, serve_emulator};
    let Some(url) = pg::url() else {
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut limits = Limits::unlimited();
    limits.qbo_refresh_grace = std::time::Duration::ZERO;
    let config = EmulatorConfig {
        seed_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sandbox")),
        limits,
        ..EmulatorConfig::default()
    };
    let env: Vec<(&str, String)> = vec![
        ("HS_TOKEN", config.hubspot_token.clone()),
        ("QBO_CLIENT_ID", config.qbo_client_id.clone()),
        ("QBO_CLIENT_SECRET", config.qbo_client_secret.clone()),
        ("QBO_REFRESH_TOKEN", config.qbo_refresh_token.clone()),
        ("HSQB_TEST_DATABASE_URL", url.clone()),
    ];
    let initial = config.qbo_refresh_token.clone();
    let emu = Emulator::new(config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (_stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = serve_emulator(listener, emu, async {
            let _ = rx.await;
        })
        .await;
    });
    let key = pg::unique_key("rotation");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hsqb.yaml"),
        format!(
            "version: 1\nhubspot:\n  base_url: {base}\n  token: ${{HS_TOKEN}}\nquickbooks:\n  main:\n    base_url: {base}\n    token_url: {base}/oauth2/v1/tokens/bearer\n    realm_id: \"{realm}\"\n    client_id: ${{QBO_CLIENT_ID}}\n    client_secret: ${{QBO_CLIENT_SECRET}}\n    refresh_token: ${{QBO_REFRESH_TOKEN}}\nstate:\n  backend: postgres\n  url: ${{HSQB_TEST_DATABASE_URL}}\n  key: {key}\nsync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n",
            realm = emulator::DEFAULT_REALM
        ),
    )
    .unwrap();
    let run_args = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hsqb"))
            .args(args)
            .current_dir(dir.path())
            .env_clear()
            .env("NO_COLOR", "1")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let run = || run_args(&["plan"]);
    let store = Store::Postgres(
        PostgresStore::connect(PostgresOptions::new(
            hsqb::secret::Secret::new(url.clone()),
            key.clone(),
        ))
        .await
        .unwrap(),
    );
    let o = run();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(!out.contains(&initial) && !err.contains(&initial));
    let t1 = store.tokens().await.unwrap().tokens[emulator::DEFAULT_REALM].clone();
    assert_eq!(t1.version, 1);
    assert!(!t1.sealed.contains(&initial), "stored encrypted");
    // The manifest's token is dead now; the second run uses the stored one.
    let o = run();
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    let t2 = store.tokens().await.unwrap().tokens[emulator::DEFAULT_REALM].clone();
    assert_eq!(
        t2.version, 2,
        "the second run rotated from the stored token"
    );
    let o = run_args(&["state", "list"]);
    let (out, err) = text(&o);
    assert!(
        out.contains(&format!("token:{}  version 2", emulator::DEFAULT_REALM)),
        "{out}{err}"
    );
    assert!(!out.contains(&t2.sealed), "ciphertext never shown");
}
