//! `hsqb emulator` end to end: the real binary on free loopback ports, talked
//! to with a raw `reqwest` client. Every child process sits in a guard that
//! kills it on drop, so a failing test leaks nothing.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REALM: &str = "9341453050298764";

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A running `hsqb emulator`, killed when dropped.
struct Emu {
    child: Child,
    /// The `KEY=value` lines it printed on stdout.
    env: BTreeMap<String, String>,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Emu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hsqb"));
    c.arg("emulator")
        .args(["--hubspot-port", "0", "--quickbooks-port", "0"])
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG");
    c
}

impl Emu {
    /// Start and wait for the credentials block (the last line names the
    /// QuickBooks refresh token).
    fn start(args: &[&str]) -> Emu {
        let mut child = command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn hsqb emulator");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut err_pipe = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut emu = Emu {
            child,
            env: BTreeMap::new(),
            stderr,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(l) => l,
                Err(_) => panic!(
                    "the emulator printed no credentials; stderr:\n{}",
                    emu.stderr.lock().unwrap()
                ),
            };
            if let Some((k, v)) = line.split_once('=')
                && !line.starts_with('#')
            {
                emu.env.insert(k.to_string(), v.to_string());
                if k == "QUICKBOOKS_REFRESH_TOKEN" {
                    break;
                }
            }
        }
        emu
    }

    fn var(&self, k: &str) -> &str {
        self.env.get(k).unwrap_or_else(|| panic!("{k} not printed"))
    }

    fn hs(&self, path: &str) -> String {
        format!("{}{path}", self.var("HUBSPOT_BASE_URL"))
    }

    fn qb(&self, path: &str) -> String {
        format!(
            "{}/v3/company/{}{path}",
            self.var("QUICKBOOKS_BASE_URL"),
            self.var("QUICKBOOKS_REALM_ID")
        )
    }

    /// Send SIGTERM and wait for a clean exit; returns stderr.
    #[cfg(unix)]
    fn terminate(mut self) -> String {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "no exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "exit status {status}");
        // Let the reader thread drain what is left.
        std::thread::sleep(Duration::from_millis(100));
        let err = self.stderr.lock().unwrap().clone();
        drop(self);
        err
    }
}

fn rt() -> tokio::runtime::Runtime {
    let _ = rustls::crypto::ring::default_provider().install_default();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// (status, JSON body or the text as a JSON string).
async fn call(req: reqwest::RequestBuilder) -> (u16, Value) {
    let r = req
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn qbo_query(c: &reqwest::Client, emu: &Emu, token: &str, q: &str) -> (u16, Value) {
    call(
        c.get(emu.qb("/query"))
            .query(&[("query", q)])
            .bearer_auth(token),
    )
    .await
}

async fn hs_total(c: &reqwest::Client, emu: &Emu, object: &str) -> u64 {
    let (s, v) = call(
        c.post(emu.hs(&format!("/crm/v3/objects/{object}/search")))
            .bearer_auth(emu.var("HUBSPOT_TOKEN"))
            .json(&json!({"limit": 1})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["total"].as_u64().unwrap()
}

async fn qbo_count(c: &reqwest::Client, emu: &Emu, entity: &str, active_flag: bool) -> u64 {
    let mut total = 0;
    let conds: &[&str] = if active_flag {
        &[" WHERE Active = true", " WHERE Active = false"]
    } else {
        &[""]
    };
    for cond in conds {
        let q = format!("SELECT COUNT(*) FROM {entity}{cond}");
        let (s, v) = qbo_query(c, emu, emu.var("QUICKBOOKS_ACCESS_TOKEN"), &q).await;
        assert_eq!(s, 200, "{v}");
        total += v["QueryResponse"]["totalCount"].as_u64().unwrap();
    }
    total
}

#[test]
fn serves_both_apis_with_the_printed_credentials_and_rejects_others() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emu::start(&[
        "--data",
        dir.path().to_str().unwrap(),
        "--limits",
        "unlimited",
    ]);
    assert_eq!(emu.var("QUICKBOOKS_REALM_ID"), REALM);
    assert_eq!(
        emu.var("HUBSPOT_TOKEN"),
        hsqb::emulator::DEFAULT_HUBSPOT_TOKEN
    );
    assert_ne!(emu.var("HUBSPOT_BASE_URL"), emu.var("QUICKBOOKS_BASE_URL"));
    rt().block_on(async {
        let c = reqwest::Client::new();
        // HubSpot: the printed token works, another does not.
        let contacts = emu.hs("/crm/v3/objects/contacts");
        let (s, _) = call(c.get(&contacts).bearer_auth(emu.var("HUBSPOT_TOKEN"))).await;
        assert_eq!(s, 200);
        let (s, v) = call(c.get(&contacts).bearer_auth("not-the-token")).await;
        assert_eq!(s, 401, "{v}");
        // HubSpot OAuth with the printed app credentials.
        let (s, v) = call(c.post(emu.hs("/oauth/v1/token")).form(&[
            ("grant_type", "refresh_token"),
            ("client_id", emu.var("HUBSPOT_CLIENT_ID")),
            ("client_secret", emu.var("HUBSPOT_CLIENT_SECRET")),
            ("refresh_token", emu.var("HUBSPOT_REFRESH_TOKEN")),
        ]))
        .await;
        assert_eq!(s, 200, "{v}");
        let hs_access = v["access_token"].as_str().unwrap().to_string();
        let (s, _) = call(c.get(&contacts).bearer_auth(&hs_access)).await;
        assert_eq!(s, 200);

        // QuickBooks: the printed access token works, another does not.
        let q = "SELECT * FROM CompanyInfo";
        let (s, v) = qbo_query(&c, &emu, emu.var("QUICKBOOKS_ACCESS_TOKEN"), q).await;
        assert_eq!(s, 200, "{v}");
        assert!(v["QueryResponse"]["CompanyInfo"].is_array(), "{v}");
        let (s, _) = qbo_query(&c, &emu, "not-the-token", q).await;
        assert_eq!(s, 401);
        // QuickBooks OAuth with the printed app credentials and refresh token.
        let token_url = emu.var("QUICKBOOKS_TOKEN_URL");
        let (s, v) = call(
            c.post(token_url)
                .basic_auth(
                    emu.var("QUICKBOOKS_CLIENT_ID"),
                    Some(emu.var("QUICKBOOKS_CLIENT_SECRET")),
                )
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", emu.var("QUICKBOOKS_REFRESH_TOKEN")),
                ]),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        let access = v["access_token"].as_str().unwrap().to_string();
        let (s, _) = qbo_query(&c, &emu, &access, q).await;
        assert_eq!(s, 200);
        let (s, _) = call(
            c.post(token_url)
                .basic_auth(emu.var("QUICKBOOKS_CLIENT_ID"), Some("wrong-secret"))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", emu.var("QUICKBOOKS_REFRESH_TOKEN")),
                ]),
        )
        .await;
        assert_eq!(s, 401);

        // Both ports serve both APIs and the control endpoints.
        let cross = format!("{}/crm/v3/objects/contacts", emu.var("QUICKBOOKS_BASE_URL"));
        let (s, _) = call(c.get(cross).bearer_auth(emu.var("HUBSPOT_TOKEN"))).await;
        assert_eq!(s, 200);
        let (s, v) = call(c.get(emu.hs("/_emulator/health"))).await;
        assert_eq!((s, v), (200, Value::String("ok".into())));
    });
}

#[test]
fn custom_credentials_and_realms_replace_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emu::start(&[
        "--data",
        dir.path().to_str().unwrap(),
        "--hubspot-token",
        "my-hs-token",
        "--quickbooks-access-token",
        "my-qbo-token",
        "--realm",
        "1111",
        "--realm",
        "2222",
    ]);
    assert_eq!(emu.var("HUBSPOT_TOKEN"), "my-hs-token");
    assert_eq!(emu.var("QUICKBOOKS_REALM_ID"), "1111");
    assert_eq!(emu.var("QUICKBOOKS_REALM_IDS"), "1111,2222");
    rt().block_on(async {
        let c = reqwest::Client::new();
        let contacts = emu.hs("/crm/v3/objects/contacts");
        let (s, _) = call(c.get(&contacts).bearer_auth("my-hs-token")).await;
        assert_eq!(s, 200);
        let (s, _) = call(
            c.get(&contacts)
                .bearer_auth(hsqb::emulator::DEFAULT_HUBSPOT_TOKEN),
        )
        .await;
        assert_eq!(s, 401, "the default token is no longer accepted");
        for realm in ["1111", "2222"] {
            let url = format!(
                "{}/v3/company/{realm}/query",
                emu.var("QUICKBOOKS_BASE_URL")
            );
            let (s, v) = call(
                c.get(url)
                    .query(&[("query", "SELECT * FROM CompanyInfo")])
                    .bearer_auth("my-qbo-token"),
            )
            .await;
            assert_eq!(s, 200, "{realm}: {v}");
        }
        let (s, _) = qbo_query(
            &c,
            &emu,
            hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN,
            "SELECT * FROM CompanyInfo",
        )
        .await;
        assert_eq!(s, 401);
    });
}

#[cfg(unix)]
#[test]
fn state_persists_across_a_restart_and_sigterm_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let data = data.to_str().unwrap();
    let emu = Emu::start(&["--data", data, "--limits", "unlimited"]);
    let rotated = rt().block_on(async {
        let c = reqwest::Client::new();
        let (s, v) = call(
            c.post(emu.hs("/crm/v3/objects/contacts"))
                .bearer_auth(emu.var("HUBSPOT_TOKEN"))
                .json(&json!({"properties": {"email": "kept@example.com", "firstname": "Kept"}})),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        let (s, v) = call(
            c.post(emu.qb("/customer"))
                .bearer_auth(emu.var("QUICKBOOKS_ACCESS_TOKEN"))
                .json(&json!({"DisplayName": "Kept O'Customer"})),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        // Rotate the QuickBooks refresh token: the next run must print the new one.
        let (s, v) = call(
            c.post(emu.var("QUICKBOOKS_TOKEN_URL"))
                .basic_auth(
                    emu.var("QUICKBOOKS_CLIENT_ID"),
                    Some(emu.var("QUICKBOOKS_CLIENT_SECRET")),
                )
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", emu.var("QUICKBOOKS_REFRESH_TOKEN")),
                ]),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        v["refresh_token"].as_str().unwrap().to_string()
    });
    let stderr = emu.terminate();
    assert!(
        stderr.contains("Stopped (terminated); state saved in"),
        "{stderr}"
    );

    let emu = Emu::start(&["--data", data, "--limits", "unlimited"]);
    assert_eq!(emu.var("QUICKBOOKS_REFRESH_TOKEN"), rotated);
    rt().block_on(async {
        let c = reqwest::Client::new();
        let (s, v) = call(
            c.get(emu.hs("/crm/v3/objects/contacts/kept@example.com"))
                .query(&[("idProperty", "email")])
                .bearer_auth(emu.var("HUBSPOT_TOKEN")),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["properties"]["firstname"], "Kept");
        let (s, v) = qbo_query(
            &c,
            &emu,
            emu.var("QUICKBOOKS_ACCESS_TOKEN"),
            "SELECT * FROM Customer WHERE DisplayName = 'Kept O\\'Customer'",
        )
        .await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(v["QueryResponse"]["Customer"].as_array().unwrap().len(), 1);
    });
}

fn json_len(path: &Path) -> usize {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_array().unwrap().len()
}

#[test]
fn seed_loads_the_sandbox_fixtures_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let sandbox = crate_dir().join("examples/sandbox");
    let seed = sandbox.to_str().unwrap();
    let contacts = json_len(&sandbox.join("hubspot/contacts.json")) as u64;
    let customers = json_len(&sandbox.join("quickbooks/customers.json")) as u64;
    let items = json_len(&sandbox.join("quickbooks/items.json")) as u64;
    let check = |emu: &Emu| {
        rt().block_on(async {
            let c = reqwest::Client::new();
            assert_eq!(hs_total(&c, emu, "contacts").await, contacts);
            assert_eq!(
                hs_total(&c, emu, "deals").await,
                json_len(&sandbox.join("hubspot/deals.json")) as u64
            );
            assert_eq!(qbo_count(&c, emu, "Customer", true).await, customers);
            // A fresh company has the "Services" item besides the fixtures.
            assert_eq!(qbo_count(&c, emu, "Item", true).await, items + 1);
            let (s, v) = call(
                c.get(emu.hs("/crm/v3/objects/contacts/ana.souza@example.com"))
                    .query(&[("idProperty", "email"), ("associations", "companies")])
                    .bearer_auth(emu.var("HUBSPOT_TOKEN")),
            )
            .await;
            assert_eq!(s, 200, "{v}");
            let (s, v) = qbo_query(
                &c,
                emu,
                emu.var("QUICKBOOKS_ACCESS_TOKEN"),
                "SELECT * FROM Customer WHERE DisplayName = 'Souza Design'",
            )
            .await;
            assert_eq!(s, 200);
            assert_eq!(
                v["QueryResponse"]["Customer"][0]["PrimaryEmailAddr"]["Address"],
                "ana.souza@example.com"
            );
        });
    };
    let emu = Emu::start(&["--data", data, "--seed", seed, "--limits", "unlimited"]);
    check(&emu);
    drop(emu);
    // A second start with --seed continues from the state: nothing loads twice.
    let emu = Emu::start(&["--data", data, "--seed", seed, "--limits", "unlimited"]);
    check(&emu);
    let err = emu.stderr.lock().unwrap().clone();
    assert!(err.contains("--seed is not loaded again"), "{err}");
}

#[test]
fn generate_fills_a_new_directory_with_the_requested_counts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let spec = "contacts=40,companies=6,products=12,items=10,deals=15,quotes=4,customers=30,vendors=5,employees=3,invoices=25";
    let args = [
        "--data",
        data,
        "--limits",
        "unlimited",
        "--generate",
        spec,
        "--seed-value",
        "9",
    ];
    let check = |emu: &Emu| {
        rt().block_on(async {
            let c = reqwest::Client::new();
            for (object, n) in [
                ("contacts", 40),
                ("companies", 6),
                ("products", 12),
                ("deals", 15),
                ("quotes", 4),
            ] {
                assert_eq!(hs_total(&c, emu, object).await, n, "{object}");
            }
            // A fresh company has one vendor, one employee and one item of its own.
            for (entity, n) in [
                ("Customer", 30),
                ("Vendor", 6),
                ("Employee", 4),
                ("Item", 11),
            ] {
                assert_eq!(qbo_count(&c, emu, entity, true).await, n, "{entity}");
            }
            assert_eq!(qbo_count(&c, emu, "Invoice", false).await, 25);
        });
    };
    let emu = Emu::start(&args);
    check(&emu);
    let err = emu.stderr.lock().unwrap().clone();
    assert!(err.contains("HubSpot: 40 contacts"), "{err}");
    drop(emu);

    // The directory now holds state: --generate refuses it without --reset.
    let out = command(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--generate needs a data directory without emulator state"),
        "{err}"
    );
    assert!(err.contains("--reset"), "{err}");

    // With --reset it starts over: the same counts, not twice as many.
    let mut again = args.to_vec();
    again.push("--reset");
    let emu = Emu::start(&again);
    check(&emu);
}

#[test]
fn bad_invocations_fail_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let run = |args: &[&str]| {
        let out = command(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--data", data, "--generate", "contact=5"]);
    assert_eq!(code, Some(64));
    assert!(
        err.contains("unknown generator key `contact` (did you mean `contacts`?)"),
        "{err}"
    );
    let (code, err) = run(&["--data", data, "--seed", "/nonexistent/fixtures"]);
    assert_eq!(code, Some(64));
    assert!(err.contains("not a directory"), "{err}");
    let (code, err) = run(&["--data", data, "--time-scale", "-1"]);
    assert_eq!(code, Some(64), "{err}");

    // A port that is taken is an error naming the flag to change.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_hsqb"))
        .args([
            "emulator",
            "--data",
            data,
            "--quickbooks-port",
            "0",
            "--hubspot-port",
            &port,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(err.contains("--hubspot-port"), "{err}");
}

/// The manifest `docs/emulator.md` shows, pointed at a running emulator
/// through the variables it prints: `hsqb plan` reads both systems.
#[test]
fn hsqb_plans_against_the_running_emulator_with_the_printed_variables() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let seed = crate_dir().join("examples/sandbox");
    let emu = Emu::start(&[
        "--data",
        data.to_str().unwrap(),
        "--seed",
        seed.to_str().unwrap(),
        "--limits",
        "unlimited",
    ]);
    let manifest = dir.path().join("emulated.yaml");
    std::fs::write(
        &manifest,
        "version: 1
hubspot:
  base_url: ${HUBSPOT_BASE_URL}
  token: ${HUBSPOT_TOKEN}
quickbooks:
  emulated:
    realm_id: ${QUICKBOOKS_REALM_ID}
    base_url: ${QUICKBOOKS_BASE_URL}
    access_token: ${QUICKBOOKS_ACCESS_TOKEN}
sync:
  contacts: {direction: two_way, conflict: newest_wins}
",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_hsqb"))
        .args(["-f", manifest.to_str().unwrap(), "plan"])
        .env_clear()
        .env("NO_COLOR", "1")
        .envs(emu.env.iter())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.contains("Plan: "), "{stdout}");
    assert!(
        stdout.contains("Ana Souza") || stdout.contains("ana.souza@example.com"),
        "{stdout}"
    );
}
