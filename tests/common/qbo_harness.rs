//! Shared harness for the QuickBooks emulator tests: an in-process emulator on
//! 127.0.0.1:0 and a raw `reqwest` client (never hsqb's own QuickBooks client).

#![allow(dead_code)]

use hsqb::emulator::{Emulator, EmulatorConfig, Limits, serve_emulator};
use reqwest::header::HeaderMap;
use serde_json::Value;
use tokio::sync::oneshot;

/// A running emulator.
pub struct Qbo {
    pub base: String,
    pub emu: Emulator,
    pub client: reqwest::Client,
    pub realm: String,
    pub token: String,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A fixed data-clock start so timestamps are deterministic.
pub fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-03-02T17:00:00Z")
        .unwrap()
        .to_utc()
}

/// A configuration with rate limits off and a frozen-start data clock.
pub fn config() -> EmulatorConfig {
    EmulatorConfig {
        limits: Limits::unlimited(),
        start_time: Some(t0()),
        seed: 7,
        ..EmulatorConfig::default()
    }
}

/// A response: status, headers, body text and parsed JSON (Null when not JSON).
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    /// The first fault error code, if this is a Fault.
    pub fn code(&self) -> Option<&str> {
        self.json["Fault"]["Error"][0]["code"].as_str()
    }
}

impl Qbo {
    /// Start an emulator with `config`.
    pub async fn start(config: EmulatorConfig) -> Qbo {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let realm = config.realms[0].clone();
        let token = config.qbo_access_token.clone();
        let emu = Emulator::new(config).expect("emulator starts");
        emu.shared().clock.freeze(true);
        emu.shared().clock.set(t0());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let e2 = emu.clone();
        let server = tokio::spawn(async move {
            let _ = serve_emulator(listener, e2, async {
                let _ = rx.await;
            })
            .await;
        });
        Qbo {
            base: format!("http://{addr}"),
            emu,
            client: reqwest::Client::new(),
            realm,
            token,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Start with the default test configuration.
    pub async fn default() -> Qbo {
        Qbo::start(config()).await
    }

    /// `/v3/company/{realm}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/v3/company/{}{}", self.base, self.realm, path)
    }

    async fn finish(r: reqwest::Response) -> Resp {
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            text,
            json,
        }
    }

    /// GET an absolute URL with the bearer token.
    pub async fn get_url(&self, url: &str) -> Resp {
        let r = self
            .client
            .get(url)
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        Self::finish(r).await
    }

    /// GET `{company}{path}`.
    pub async fn get(&self, path: &str) -> Resp {
        self.get_url(&self.url(path)).await
    }

    /// POST JSON to an absolute URL.
    pub async fn post_url(&self, url: &str, body: &Value) -> Resp {
        let r = self
            .client
            .post(url)
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        Self::finish(r).await
    }

    /// POST JSON to `{company}{path}`.
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        self.post_url(&self.url(path), body).await
    }

    /// Run a query (GET).
    pub async fn query(&self, statement: &str) -> Resp {
        let url = reqwest::Url::parse_with_params(
            &self.url("/query"),
            &[("query", statement), ("minorversion", "75")],
        )
        .unwrap();
        self.get_url(url.as_str()).await
    }

    /// Create an entity, asserting success; returns the entity object.
    pub async fn create(&self, resource: &str, body: Value) -> Value {
        let r = self.post(&format!("/{resource}"), &body).await;
        assert_eq!(r.status, 200, "create {resource}: {}", r.text);
        let (_, v) = r.json.as_object().unwrap().iter().next().unwrap();
        v.clone()
    }

    /// Shut the server down and wait until it has finished (and persisted), so
    /// another emulator can open the same data directory.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.server.take() {
            let _ = h.await;
        }
    }

    /// Advance the frozen data clock.
    pub fn advance(&self, d: chrono::Duration) {
        self.emu.shared().clock.advance(d);
    }
}

impl Drop for Qbo {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
