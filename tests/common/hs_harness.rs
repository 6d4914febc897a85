//! Test harness for the HubSpot emulator: an in-process server on
//! 127.0.0.1:0 and raw `reqwest` calls returning `serde_json::Value`s
//! (deliberately not hsqb's own HubSpot client).

#![allow(dead_code)]

use chrono::{DateTime, Utc};
use hsqb::emulator::{Emulator, EmulatorConfig, Limits, serve_emulator};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The fixed data-clock start used by the tests.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-01-15T12:00:00Z")
        .expect("valid time")
        .to_utc()
}

/// A config with no rate limits and a fixed start time.
pub fn config() -> EmulatorConfig {
    EmulatorConfig {
        limits: Limits::unlimited(),
        start_time: Some(t0()),
        ..EmulatorConfig::default()
    }
}

/// A response: status, headers and parsed JSON body (`Null` when empty or not JSON).
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A running emulator.
pub struct Hs {
    pub base: String,
    pub client: reqwest::Client,
    pub emu: Emulator,
    pub token: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Hs {
    /// Start with `config`; the data clock is frozen at its start.
    pub async fn start(config: EmulatorConfig) -> Hs {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let token = config.hubspot_token.clone();
        let start = config.start_time;
        let emu = Emulator::new(config).expect("emulator starts");
        emu.shared().clock.freeze(true);
        // Freezing reads the running clock, which has moved on since `new` on a
        // loaded machine: pin it back to the configured start exactly.
        if let Some(t) = start {
            emu.shared().clock.set(t);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let e2 = emu.clone();
        let task = tokio::spawn(async move {
            let _ = serve_emulator(listener, e2, async {
                let _ = rx.await;
            })
            .await;
        });
        Hs {
            base: format!("http://{addr}"),
            client: reqwest::Client::new(),
            emu,
            token,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Stop the server and wait for it (it persists on the way out).
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Send a request with the default bearer token.
    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Resp {
        self.call_with(method, path, body, Some(&self.token.clone()))
            .await
    }

    /// Send a request with an explicit bearer token (or none).
    pub async fn call_with(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> Resp {
        let m = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut rb = self.client.request(m, self.url(path));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("request sent");
        into_resp(r).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call("POST", path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call("PATCH", path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Option<Value>) -> Resp {
        self.call("PUT", path, body).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.call("DELETE", path, None).await
    }

    /// Create a record over HTTP and return its id (asserts 201).
    pub async fn create(&self, object: &str, props: Value) -> String {
        let r = self
            .post(
                &format!("/crm/v3/objects/{object}"),
                serde_json::json!({"properties": props}),
            )
            .await;
        assert_eq!(r.status, 201, "create {object}: {}", r.text);
        r.body["id"].as_str().expect("id").to_string()
    }

    /// Insert records in-process (no HTTP) and return their ids.
    pub fn seed(
        &self,
        object: &str,
        n: usize,
        f: impl Fn(usize) -> Vec<(String, String)>,
    ) -> Vec<String> {
        let mut st = self.emu.shared().hubspot.lock().expect("lock");
        let now = self.emu.shared().clock.now();
        (0..n)
            .map(|i| st.insert_record(object, f(i), now).expect("insert"))
            .collect()
    }

    /// Move the data clock forward.
    pub fn advance_ms(&self, ms: i64) {
        self.emu
            .shared()
            .clock
            .advance(chrono::Duration::milliseconds(ms));
    }
}

pub async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
        text,
    }
}

/// Owned string pairs for `Hs::seed`.
pub fn kv(pairs: &[(&str, String)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}
