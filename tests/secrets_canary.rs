//! Secrets canary: every command, on success and error paths, at `-vvv` and
//! with `--log-format json`, runs with recognisable fake credentials that the
//! emulator accepts. None of them — nor any token the emulator issues in
//! exchange (`AT1-…` access tokens, rotated `RT1-…` refresh tokens) — may
//! appear in stdout, stderr, the logs, the saved plan, or any file written
//! next to the manifest (state, tokens, journal, lock).

#[path = "common/bench_env.rs"]
mod bench_env;

use bench_env::{EmuThread, both, code, files, hsqb};
use hsqb::emulator::EmulatorConfig;
use std::path::Path;

const HS_TOKEN: &str = "pat-na1-CANARY0-hs-token-7f3e9a1c-5b2d-4e8f-a6c0-1d2e3f4a5b6c";
const HS_CLIENT_SECRET: &str = "CANARY1-hs-client-secret-0a9b8c7d6e5f";
const HS_REFRESH: &str = "CANARY2-hs-refresh-na1-11112222-3333-4444-5555-666677778888";
const QBO_CLIENT_SECRET: &str = "CANARY3-qbo-client-secret-Zx9Yw8Vu7Ts6";
const QBO_REFRESH: &str = "CANARY4-qbo-refresh-AB11600000000000000000000000000000000";
const QBO_ACCESS: &str = "CANARY5-qbo-access-eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0";
/// Wrong credentials for the error paths: they must not leak either.
const HS_WRONG: &str = "pat-na1-CANARY6-wrong-token-9999aaaa-bbbb-cccc-dddd-eeeeffff0000";
const QBO_WRONG_REFRESH: &str = "CANARY7-qbo-refresh-revoked-CD22700000000000000000";

const CANARIES: &[&str] = &[
    HS_TOKEN,
    HS_CLIENT_SECRET,
    HS_REFRESH,
    QBO_CLIENT_SECRET,
    QBO_REFRESH,
    QBO_ACCESS,
    HS_WRONG,
    QBO_WRONG_REFRESH,
];

fn emulator() -> EmuThread {
    let config = EmulatorConfig {
        hubspot_token: HS_TOKEN.into(),
        hubspot_client_id: "canary-hs-client-id".into(),
        hubspot_client_secret: HS_CLIENT_SECRET.into(),
        hubspot_refresh_token: HS_REFRESH.into(),
        qbo_access_token: QBO_ACCESS.into(),
        qbo_client_id: "canary-qbo-client-id".into(),
        qbo_client_secret: QBO_CLIENT_SECRET.into(),
        qbo_refresh_token: QBO_REFRESH.into(),
        ..EmuThread::default_config()
    };
    let emu = EmuThread::start(config);
    emu.seed_customers(0..3);
    emu.seed_contacts(2);
    emu
}

/// Private-app token on HubSpot, OAuth refresh (with rotation) on QBO.
fn manifest_token_and_refresh(base: &str, realm: &str) -> String {
    format!(
        "version: 1\nhubspot:\n  base_url: {base}\n  token: ${{HUBSPOT_TOKEN}}\nquickbooks:\n  main:\n    realm_id: \"{realm}\"\n    base_url: {base}\n    client_id: canary-qbo-client-id\n    client_secret: ${{QBO_CLIENT_SECRET}}\n    refresh_token: ${{QBO_REFRESH_TOKEN}}\n    token_url: {base}/oauth2/v1/tokens/bearer\nstate:\n  path: state/state.json\nsync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n"
    )
}

/// OAuth on HubSpot, a static access token on QBO.
fn manifest_oauth_and_static(base: &str, realm: &str) -> String {
    format!(
        "version: 1\nhubspot:\n  base_url: {base}\n  oauth:\n    client_id: canary-hs-client-id\n    client_secret: ${{HUBSPOT_CLIENT_SECRET}}\n    refresh_token: ${{HUBSPOT_REFRESH_TOKEN}}\nquickbooks:\n  main:\n    realm_id: \"{realm}\"\n    base_url: {base}\n    access_token: ${{QBO_ACCESS_TOKEN}}\nstate:\n  path: state/state.json\nsync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n"
    )
}

fn env(hs_token: &str, qbo_refresh: &str) -> Vec<(String, String)> {
    vec![
        ("NO_COLOR".into(), "1".into()),
        ("HUBSPOT_TOKEN".into(), hs_token.into()),
        ("HUBSPOT_CLIENT_SECRET".into(), HS_CLIENT_SECRET.into()),
        ("HUBSPOT_REFRESH_TOKEN".into(), HS_REFRESH.into()),
        ("QBO_CLIENT_SECRET".into(), QBO_CLIENT_SECRET.into()),
        ("QBO_REFRESH_TOKEN".into(), qbo_refresh.into()),
        ("QBO_ACCESS_TOKEN".into(), QBO_ACCESS.into()),
    ]
}

/// Every secret-looking string: the canaries, prefixes QBO-style errors echo
/// (12 characters), and tokens the emulator issued (`AT1-`/`RT1-` + hex).
fn leaks(text: &str, issued: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for c in CANARIES
        .iter()
        .copied()
        .map(str::to_string)
        .chain(issued.iter().cloned())
    {
        if text.contains(&c) {
            found.push(format!("{c} (whole)"));
        } else if text.contains(&c[..12]) && !c.starts_with("pat-na1-") {
            found.push(format!("{} (prefix)", &c[..12]));
        } else if c.starts_with("pat-na1-") && text.contains(&c[..20]) {
            found.push(format!("{} (prefix)", &c[..20]));
        }
    }
    for marker in ["AT1-", "RT1-"] {
        let mut rest = text;
        while let Some(i) = rest.find(marker) {
            let tail: String = rest[i + 4..].chars().take(16).collect();
            if tail.len() == 16 && tail.chars().all(|c| c.is_ascii_hexdigit()) {
                found.push(format!("{marker}{tail}… (issued token)"));
            }
            rest = &rest[i + 4..];
        }
    }
    found
}

struct Runner<'a> {
    dir: &'a Path,
    emu: &'a EmuThread,
    runs: usize,
}

impl Runner<'_> {
    /// Run `args` at -vvv in both log formats (and once more with
    /// `RUST_LOG=trace`, which also enables the HTTP stack's own logs), check
    /// every output for leaks, and return the last exit code.
    fn run(&mut self, args: &[&str], env: &[(String, String)], want: i32) -> i32 {
        self.run_after(None, args, env, want)
    }

    /// [`Runner::run`], running `before` (checked for leaks too) ahead of each
    /// variant: a saved plan is applied once, so each variant needs a new one.
    fn run_after(
        &mut self,
        before: Option<&[&str]>,
        args: &[&str],
        env: &[(String, String)],
        want: i32,
    ) -> i32 {
        let mut last = -1;
        let mut logged = false;
        let variants: Vec<(Vec<&str>, Option<&str>)> = vec![
            (vec!["-vvv"], None),
            (vec!["-vvv", "--log-format", "json"], None),
            (vec!["--log-format", "json"], Some("trace")),
        ];
        for (flags, rust_log) in variants {
            if let Some(b) = before {
                let out = hsqb(self.dir, b, env);
                assert_eq!(code(&out), 0, "{b:?}:\n{}", both(&out));
                let found = leaks(&both(&out), &issued(self.emu));
                assert!(found.is_empty(), "{b:?} leaked {found:?}");
            }
            let mut all: Vec<&str> = flags.clone();
            all.extend_from_slice(args);
            let mut e = env.to_vec();
            if let Some(l) = rust_log {
                e.push(("RUST_LOG".into(), l.into()));
            }
            let out = hsqb(self.dir, &all, &e);
            self.runs += 1;
            let text = both(&out);
            last = code(&out);
            assert_eq!(last, want, "{all:?} exit code:\n{text}");
            let issued = issued(self.emu);
            let found = leaks(&text, &issued);
            assert!(found.is_empty(), "{all:?} leaked {found:?}:\n{text}");
            logged |= flags.contains(&"-vvv") && !out.stderr.is_empty();
            check_files(self.dir, &issued);
        }
        // Logs really were produced (the leak checks are not vacuous).
        if matches!(args.first(), Some(&("plan" | "apply" | "mappings"))) {
            assert!(logged, "{args:?}: no log output at -vvv");
        }
        last
    }
}

fn issued(emu: &EmuThread) -> Vec<String> {
    let q = emu.emu.shared().quickbooks.lock().expect("qbo lock");
    vec![q.current_refresh_token().to_string()]
}

fn check_files(dir: &Path, issued: &[String]) {
    for (path, bytes) in files(dir) {
        let text = String::from_utf8_lossy(&bytes);
        let found = leaks(&text, issued);
        assert!(found.is_empty(), "{} leaked {found:?}", path.display());
    }
}

#[test]
fn no_command_leaks_a_secret() {
    let emu = emulator();
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut r = Runner {
        dir: d,
        emu: &emu,
        runs: 0,
    };

    // Set A: HubSpot private-app token, QBO OAuth with refresh-token rotation.
    std::fs::write(
        d.join("hsqb.yaml"),
        manifest_token_and_refresh(&emu.base, &emu.realm),
    )
    .expect("manifest");
    let good = env(HS_TOKEN, QBO_REFRESH);
    r.run(&["validate"], &good, 0);
    r.run(&["schema"], &good, 0);
    r.run(&["plan", "--out", "plan.json"], &good, 0);
    r.run(&["plan", "--format", "json"], &good, 0);
    r.run(&["plan", "--format", "markdown"], &good, 0);
    r.run(&["show", "plan.json"], &good, 0);
    r.run(&["show", "plan.json", "--format", "json"], &good, 0);
    r.run(&["mappings"], &good, 0);
    // The rotation really happened and was persisted (encrypted).
    assert!(
        d.join("state/state.json.tokens").exists(),
        "no rotated token was stored"
    );
    assert_ne!(
        issued(&emu)[0],
        QBO_REFRESH,
        "the refresh token never rotated"
    );
    // New data for every saved plan to carry.
    r.run_after(
        Some(&["plan", "--out", "plan.json"]),
        &["apply", "plan.json"],
        &good,
        0,
    );
    r.run(&["apply", "--auto-approve"], &good, 0);
    // force-unlock: a wrong id (error path), then a real lock.
    r.run(&["force-unlock", "no-such-lock"], &good, 1);
    let store = hsqb::state::LocalStore::new(d.join("state/state.json"));
    let holder = hsqb::state::LockHolder::this_process("canary", chrono::Utc::now());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(store.lock(&holder, std::time::Duration::ZERO))
        .expect("take the lock");
    r.run(&["apply", "--auto-approve"], &good, 1); // locked: error path
    let lock_id = holder.id.clone();
    let out = hsqb(d, &["force-unlock", &lock_id], &good);
    assert_eq!(code(&out), 0, "{}", both(&out));
    assert!(leaks(&both(&out), &issued(&emu)).is_empty());

    // Error paths: a revoked HubSpot token (401), a revoked QBO refresh token.
    let bad_hs = env(HS_WRONG, QBO_REFRESH);
    let c = r.run(&["plan"], &bad_hs, 1);
    assert_eq!(c, 1);
    let bad_qbo = env(HS_TOKEN, QBO_WRONG_REFRESH);
    // The state holds a rotated token descended from QBO_REFRESH; a different
    // manifest token means the user re-authorised: hsqb must use (and fail
    // with) the new one.
    r.run(&["plan"], &bad_qbo, 1);
    r.run(&["apply", "--auto-approve"], &bad_hs, 1);

    // Set B: HubSpot OAuth (client secret + refresh token), static QBO token.
    std::fs::write(
        d.join("hsqb.yaml"),
        manifest_oauth_and_static(&emu.base, &emu.realm),
    )
    .expect("manifest");
    r.run(&["validate"], &good, 0);
    r.run(&["plan", "--out", "plan-b.json"], &good, 0);
    r.run(&["show", "plan-b.json"], &good, 0);
    r.run(&["mappings"], &good, 0);
    r.run(&["apply", "--auto-approve"], &good, 0);
    let mut bad_oauth = good.clone();
    bad_oauth.retain(|(k, _)| k != "HUBSPOT_REFRESH_TOKEN");
    bad_oauth.push(("HUBSPOT_REFRESH_TOKEN".into(), HS_WRONG.into()));
    r.run(&["plan"], &bad_oauth, 1);

    // The checks ran over real output and real files.
    assert!(r.runs >= 60, "only {} runs", r.runs);
    let written = files(d);
    assert!(written.keys().any(|p| p.ends_with("plan.json")));
    assert!(written.keys().any(|p| p.ends_with("state/state.json")));
}

#[test]
fn the_leak_detector_sees_leaks() {
    let issued = vec!["RT1-0123456789abcdef0123456789abcdef".to_string()];
    assert!(!leaks(&format!("token={HS_TOKEN}"), &[]).is_empty());
    assert!(!leaks(&format!("expired: {}…", &QBO_REFRESH[..14]), &[]).is_empty());
    assert!(!leaks("Bearer AT1-0123456789abcdef0123", &[]).is_empty());
    assert!(!leaks("x RT1-0123456789abcdef0123456789abcdef y", &issued).is_empty());
    assert!(leaks("Authorization: ***, fingerprint 1a2b3c4d", &issued).is_empty());
}
