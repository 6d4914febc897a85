//! `hsqb import` end to end: the real binary against an in-process emulator
//! (HTTP on 127.0.0.1:0, seeded from `examples/sandbox`), checking that only
//! link properties are written — every other HubSpot property and every QBO
//! record stays exactly as it was — and that a re-run links nothing twice.

use hsqb::emulator::{self, Emulator, EmulatorConfig, Limits, serve_emulator};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const LINK: &str = "hsqb_qbo_customer_id";

struct Emu {
    base: String,
    http: reqwest::Client,
    hs_token: String,
    qbo_token: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Emu {
    async fn start() -> Emu {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = EmulatorConfig {
            seed_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/sandbox")),
            limits: Limits::unlimited(),
            ..EmulatorConfig::default()
        };
        let (hs_token, qbo_token) = (
            config.hubspot_token.clone(),
            config.qbo_access_token.clone(),
        );
        let emu = Emulator::new(config).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = serve_emulator(listener, emu, async {
                let _ = rx.await;
            })
            .await;
        });
        Emu {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            hs_token,
            qbo_token,
            _stop: tx,
        }
    }

    async fn hs(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut r = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.hs_token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().await.unwrap();
        assert!(resp.status().is_success(), "{path}: {}", resp.status());
        resp.json().await.unwrap_or(Value::Null)
    }

    async fn contact(&self, id: &str) -> BTreeMap<String, Value> {
        let v = self
            .hs(
                reqwest::Method::GET,
                &format!("/crm/v3/objects/contacts/{id}?properties=email,firstname,lastname,company,phone,city,lifecyclestage,legacy_qbo_id,{LINK}"),
                None,
            )
            .await;
        serde_json::from_value(v["properties"].clone()).unwrap()
    }

    async fn customers(&self) -> BTreeMap<String, Value> {
        let q = "select * from Customer";
        let v: Value = self
            .http
            .get(format!(
                "{}/v3/company/{}/query",
                self.base,
                emulator::DEFAULT_REALM
            ))
            .query(&[("query", q)])
            .bearer_auth(&self.qbo_token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["QueryResponse"]["Customer"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["DisplayName"].as_str().unwrap().to_string(), c.clone()))
            .collect()
    }

    fn manifest(&self, dir: &Path) {
        std::fs::write(
            dir.join("hsqb.yaml"),
            format!(
                "version: 1\nhubspot:\n  base_url: {base}\n  token: ${{HS_TOKEN}}\nquickbooks:\n  main:\n    base_url: {base}\n    realm_id: \"{realm}\"\n    access_token: ${{QBO_TOKEN}}\nstate:\n  path: state.json\nsync:\n  contacts:\n    direction: two_way\n    conflict: newest_wins\n",
                base = self.base,
                realm = emulator::DEFAULT_REALM
            ),
        )
        .unwrap();
    }

    fn hsqb(&self, dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_hsqb"))
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("NO_COLOR", "1")
            .env("HS_TOKEN", &self.hs_token)
            .env("QBO_TOKEN", &self.qbo_token)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn id(c: &BTreeMap<String, Value>, name: &str) -> String {
    c[name]["Id"].as_str().unwrap().to_string()
}

/// Everything but the link and HubSpot's own bookkeeping.
fn data(c: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    c.iter()
        .filter(|(k, _)| {
            k.as_str() != LINK && !k.starts_with("hs_") && k.as_str() != "lastmodifieddate"
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_import_validates_every_row_then_writes_only_links() {
    let emu = Emu::start().await;
    let dir = tempfile::tempdir().unwrap();
    emu.manifest(dir.path());
    let customers = emu.customers().await;
    let (souza, kenji, fjord) = (
        id(&customers, "Souza Design"),
        id(&customers, "Kenji Sato"),
        id(&customers, "Fjord Logistics"),
    );
    let before: Vec<_> =
        futures_util::future::join_all(["101", "102", "103", "104"].map(|i| emu.contact(i))).await;

    // A file with bad rows: nothing is written, each bad line is named.
    std::fs::write(
        dir.path().join("bad.csv"),
        format!(
            "block,hubspot_id,quickbooks_id\ncontacts,101,{souza}\ncontacts,999,{kenji}\ncontacts,102,424242\ncontacts,103,{souza}\ninvoices,104,{kenji}\n"
        ),
    )
    .unwrap();
    let o = emu.hsqb(
        dir.path(),
        &["import", "--csv", "bad.csv", "--auto-approve"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("4 bad row(s); nothing was imported"), "{t}");
    assert!(
        t.contains("line 3: HubSpot contact 999 does not exist"),
        "{t}"
    );
    assert!(
        t.contains("line 4: QuickBooks customer 424242 does not exist"),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "line 5: QuickBooks customer {souza} is already paired on line 2"
        )),
        "{t}"
    );
    assert!(t.contains("line 6: block `invoices`"), "{t}");
    assert!(
        emu.contact("101")
            .await
            .get(LINK)
            .is_none_or(|v| v.is_null())
    );

    // A good file: a plan of links, applied; only the link property changes.
    std::fs::write(
        dir.path().join("pairs.csv"),
        format!("block,hubspot_id,quickbooks_id,company\ncontacts,101,{souza},main\n\"contacts\",104,\"{kenji}\",\n"),
    )
    .unwrap();
    let o = emu.hsqb(
        dir.path(),
        &["import", "--csv", "pairs.csv", "--auto-approve"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("<= "), "link actions rendered: {t}");
    assert!(t.contains("to link"), "{t}");
    let after: Vec<_> =
        futures_util::future::join_all(["101", "102", "103", "104"].map(|i| emu.contact(i))).await;
    assert_eq!(after[0][LINK], Value::String(souza.clone()));
    assert_eq!(after[3][LINK], Value::String(kenji.clone()));
    assert!(after[1].get(LINK).is_none_or(|v| v.is_null()));
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(data(b), data(a), "no other HubSpot data changed");
    }
    assert_eq!(emu.customers().await, customers, "QuickBooks untouched");

    // Re-running is a no-op.
    let o = emu.hsqb(
        dir.path(),
        &["import", "--csv", "pairs.csv", "--auto-approve"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("No changes."), "{t}");

    // A pair that would steal a linked QuickBooks record is refused.
    std::fs::write(
        dir.path().join("steal.csv"),
        format!("block,hubspot_id,quickbooks_id\ncontacts,103,{kenji}\ncontacts,101,{fjord}\n"),
    )
    .unwrap();
    let o = emu.hsqb(
        dir.path(),
        &["import", "--csv", "steal.csv", "--auto-approve"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains(&format!(
            "line 2: QuickBooks customer {kenji} is already linked to HubSpot contact 104"
        )),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "line 3: HubSpot contact 101 is already linked to QuickBooks customer {souza}"
        )),
        "{t}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn property_and_match_key_imports_adopt_pairs() {
    let emu = Emu::start().await;
    let dir = tempfile::tempdir().unwrap();
    emu.manifest(dir.path());
    let customers = emu.customers().await;
    let (souza, kenji, fjord) = (
        id(&customers, "Souza Design"),
        id(&customers, "Kenji Sato"),
        id(&customers, "Fjord Logistics"),
    );
    // HubSpot's own integration left QBO ids in a property.
    emu.hs(
        reqwest::Method::POST,
        "/crm/v3/properties/contacts",
        Some(serde_json::json!({"name": "legacy_qbo_id", "label": "Legacy QBO id", "type": "string", "fieldType": "text", "groupName": "contactinformation"})),
    )
    .await;
    for (contact, qbo) in [("103", fjord.as_str()), ("102", "777777")] {
        emu.hs(
            reqwest::Method::PATCH,
            &format!("/crm/v3/objects/contacts/{contact}"),
            Some(serde_json::json!({"properties": {"legacy_qbo_id": qbo}})),
        )
        .await;
    }
    let before_103 = emu.contact("103").await;

    // --dry-run shows the plan and writes nothing.
    let o = emu.hsqb(
        dir.path(),
        &["import", "--from-property", "legacy_qbo_id", "--dry-run"],
    );
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("legacy_qbo_id="), "{t}");
    assert!(
        t.contains("777777"),
        "the unlinkable record is reported: {t}"
    );
    assert!(
        emu.contact("103")
            .await
            .get(LINK)
            .is_none_or(|v| v.is_null())
    );

    let o = emu.hsqb(
        dir.path(),
        &[
            "import",
            "--from-property",
            "legacy_qbo_id",
            "--auto-approve",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let after_103 = emu.contact("103").await;
    assert_eq!(after_103[LINK], Value::String(fjord.clone()));
    assert_eq!(data(&before_103), data(&after_103));
    assert!(
        emu.contact("102")
            .await
            .get(LINK)
            .is_none_or(|v| v.is_null())
    );

    // Match keys (email): Ana and Kenji have QBO customers with their email.
    let o = emu.hsqb(dir.path(), &["import", "--format", "json", "--dry-run"]);
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    let links: Vec<&Value> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "link")
        .collect();
    assert_eq!(links.len(), 2, "{plan:#}");
    assert!(
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["action"] == "link")
    );
    let o = emu.hsqb(dir.path(), &["import", "--auto-approve"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(emu.contact("101").await[LINK], Value::String(souza));
    assert_eq!(emu.contact("104").await[LINK], Value::String(kenji));
    assert_eq!(emu.customers().await, customers, "QuickBooks untouched");
    let o = emu.hsqb(dir.path(), &["import"]);
    assert!(text(&o).contains("No changes."), "{}", text(&o));
}
