//! Hostile API responses. An "evil proxy" stands between hsqb and the
//! emulator: it forwards every request, except that the responses of one
//! endpoint are replaced by a hostile body (truncated JSON, wrong types,
//! unknown enum values, 30-digit numbers, HTML error pages, empty bodies,
//! enormous pages, invalid UTF-8). hsqb's clients, and the `hsqb plan` /
//! `hsqb apply` binaries pointed at the proxy, must fail with an error naming
//! the endpoint and the JSON path, never panic, and never write.

#[path = "common/bench_env.rs"]
mod bench_env;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use bench_env::{EmuThread, both, code, hsqb, is_write};
use std::sync::{Arc, Mutex};

/// How the evil proxy corrupts the target endpoint's responses.
#[derive(Clone)]
enum Evil {
    /// The upstream JSON cut in half.
    Truncate,
    /// The upstream JSON with the value at a JSON pointer (when the page has
    /// it) replaced by raw JSON text.
    Set(&'static str, &'static str),
    /// A fixed status and body with a content type.
    Fixed(u16, &'static str, Vec<u8>),
}

#[derive(Clone)]
struct Target {
    method: &'static str,
    /// The request path ends with this (`/crm/v3/objects/contacts`, `/query`).
    suffix: &'static str,
    evil: Evil,
}

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    target: Arc<Mutex<Option<Target>>>,
    /// Every write request the proxy saw (method + path).
    writes: Arc<Mutex<Vec<String>>>,
    /// How many responses were corrupted.
    hits: Arc<Mutex<u32>>,
}

async fn forward(
    State(p): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    if is_write(&format!("{method} {path}")) {
        p.writes.lock().unwrap().push(format!("{method} {path}"));
    }
    let target = p.target.lock().unwrap().clone();
    let hit = target
        .as_ref()
        .filter(|t| t.method == method.as_str() && path.ends_with(t.suffix));
    if let Some(Target {
        evil: Evil::Fixed(status, ctype, bytes),
        ..
    }) = hit
    {
        *p.hits.lock().unwrap() += 1;
        return (
            StatusCode::from_u16(*status).unwrap(),
            [("content-type", *ctype)],
            bytes.clone(),
        )
            .into_response();
    }
    let url = format!(
        "{}{}",
        p.upstream,
        uri.path_and_query().map(|x| x.as_str()).unwrap_or("/")
    );
    let mut req = p.client.request(method.clone(), url).body(body.to_vec());
    for (k, v) in headers.iter() {
        if k != "host" && k != "content-length" {
            req = req.header(k, v);
        }
    }
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = resp.status().as_u16();
    let mut out_headers = Vec::new();
    for (k, v) in resp.headers() {
        if k != "content-length" && k != "transfer-encoding" {
            out_headers.push((k.clone(), v.clone()));
        }
    }
    let mut bytes = resp.bytes().await.unwrap_or_default().to_vec();
    if let Some(t) = hit {
        *p.hits.lock().unwrap() += 1;
        bytes = match &t.evil {
            Evil::Truncate => bytes[..bytes.len() / 2].to_vec(),
            Evil::Set(pointer, raw) => {
                let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                if let Some(slot) = v.pointer_mut(pointer) {
                    *slot = serde_json::from_str(raw).unwrap();
                }
                serde_json::to_vec(&v).unwrap()
            }
            Evil::Fixed(..) => unreachable!("handled above"),
        };
    }
    let mut r = (StatusCode::from_u16(status).unwrap(), bytes).into_response();
    for (k, v) in out_headers {
        r.headers_mut().insert(k, v);
    }
    r
}

/// The proxy, served from its own thread, in front of an emulator.
struct Evil2 {
    emu: EmuThread,
    proxy: Proxy,
    base: String,
    _rt: tokio::runtime::Runtime,
}

fn start() -> Evil2 {
    hsqb::http::install_crypto_provider();
    let emu = EmuThread::start(EmuThread::default_config());
    emu.seed_customers(0..3);
    emu.seed_contacts(3);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let proxy = Proxy {
        upstream: emu.base.clone(),
        client: reqwest::Client::new(),
        target: Arc::new(Mutex::new(None)),
        writes: Arc::new(Mutex::new(Vec::new())),
        hits: Arc::new(Mutex::new(0)),
    };
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .fallback(forward)
        .with_state(proxy.clone());
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Evil2 {
        emu,
        proxy,
        base,
        _rt: rt,
    }
}

impl Evil2 {
    fn set(&self, t: Option<Target>) {
        *self.proxy.target.lock().unwrap() = t;
        *self.proxy.hits.lock().unwrap() = 0;
    }
    fn hits(&self) -> u32 {
        *self.proxy.hits.lock().unwrap()
    }
    fn writes(&self) -> Vec<String> {
        self.proxy.writes.lock().unwrap().clone()
    }
}

fn html() -> Vec<u8> {
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>".to_vec()
}

/// A list page far larger than the 100 records asked for.
fn enormous_hubspot_page() -> Vec<u8> {
    let mut s = String::from("{\"results\":[");
    for i in 0..50_000 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "{{\"id\":\"{}\",\"properties\":{{\"email\":\"bulk{i}@example.test\",\"firstname\":\"Bulk\"}},\"createdAt\":\"2026-01-01T00:00:00Z\",\"updatedAt\":\"2026-01-01T00:00:00Z\",\"archived\":false}}",
            900_000 + i
        ));
    }
    s.push_str("],\"paging\":{\"next\":{\"after\":\"");
    s.push_str(&"9".repeat(200));
    s.push_str("\"}}}");
    s.into_bytes()
}

/// A body far past any sane page size: 80 MiB of JSON whitespace.
fn oversized() -> Vec<u8> {
    let mut v = b"{\"results\":[".to_vec();
    v.resize(80 * 1024 * 1024, b' ');
    v.extend_from_slice(b"]}");
    v
}

struct Case {
    name: &'static str,
    target: Target,
    /// Every needle must appear in the error.
    needles: Vec<&'static str>,
}

impl Case {
    /// A status the clients retry with real backoff (seconds): only the
    /// client test (fast retry policy) runs it.
    fn retried(&self) -> bool {
        matches!(self.target.evil, Evil::Fixed(s, ..) if s >= 500)
    }
}

fn hs_list(evil: Evil) -> Target {
    Target {
        method: "GET",
        suffix: "/crm/v3/objects/contacts",
        evil,
    }
}

fn qbo_query(evil: Evil) -> Target {
    Target {
        method: "GET",
        suffix: "/query",
        evil,
    }
}

const HS_LIST: &str = "GET /crm/v3/objects/{objectType}";
const QBO_QUERY: &str = "GET /v3/company/{realmId}/query";

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "hubspot truncated JSON",
            target: hs_list(Evil::Truncate),
            needles: vec![HS_LIST, "truncated JSON"],
        },
        Case {
            name: "hubspot wrong type",
            target: hs_list(Evil::Set("/results/1/properties/email", "5")),
            needles: vec![HS_LIST, "results[1].properties.email"],
        },
        Case {
            name: "hubspot wrong type (id object)",
            target: hs_list(Evil::Set("/results/2/id", r#"{"nested": true}"#)),
            needles: vec![HS_LIST, "results[2].id"],
        },
        Case {
            name: "hubspot bad timestamp",
            target: hs_list(Evil::Set("/results/0/updatedAt", r#""last tuesday""#)),
            needles: vec![HS_LIST, "results[0].updatedAt"],
        },
        Case {
            name: "hubspot 30-digit number",
            target: hs_list(Evil::Set(
                "/results/0/updatedAt",
                "123456789012345678901234567890",
            )),
            needles: vec![HS_LIST, "results[0].updatedAt"],
        },
        Case {
            name: "hubspot archived flag is an unknown enum",
            target: hs_list(Evil::Set("/results/0/archived", r#""SOMETIMES""#)),
            needles: vec![HS_LIST, "results[0].archived"],
        },
        Case {
            name: "hubspot HTML error page (200)",
            target: hs_list(Evil::Fixed(200, "text/html", html())),
            needles: vec![HS_LIST, "HTML page", "502 Bad Gateway"],
        },
        Case {
            name: "hubspot empty body",
            target: hs_list(Evil::Fixed(200, "application/json", Vec::new())),
            needles: vec![HS_LIST, "empty response body"],
        },
        Case {
            name: "hubspot invalid UTF-8",
            target: hs_list(Evil::Fixed(
                200,
                "application/json",
                b"{\"results\":[\"\xff\xfe\"]}".to_vec(),
            )),
            needles: vec![HS_LIST, "not valid UTF-8"],
        },
        Case {
            name: "hubspot top-level array",
            target: hs_list(Evil::Fixed(200, "application/json", b"[1,2,3]".to_vec())),
            needles: vec![HS_LIST, "malformed response"],
        },
        Case {
            name: "hubspot oversized body",
            target: hs_list(Evil::Fixed(200, "application/json", oversized())),
            needles: vec![HS_LIST, "larger than"],
        },
        Case {
            name: "qbo truncated JSON",
            target: qbo_query(Evil::Truncate),
            needles: vec![QBO_QUERY, "truncated JSON"],
        },
        Case {
            name: "qbo wrong type",
            target: qbo_query(Evil::Set("/QueryResponse/Customer/1/Active", r#""yes""#)),
            needles: vec![QBO_QUERY, "QueryResponse.Customer[1].Active"],
        },
        Case {
            name: "qbo Id is an object",
            target: qbo_query(Evil::Set(
                "/QueryResponse/Customer/0/Id",
                r#"{"value": "7"}"#,
            )),
            needles: vec![QBO_QUERY, "QueryResponse.Customer[0].Id"],
        },
        Case {
            name: "qbo bad timestamp",
            target: qbo_query(Evil::Set(
                "/QueryResponse/Customer/2/MetaData/LastUpdatedTime",
                r#""2026-13-45T99:00:00""#,
            )),
            needles: vec![
                QBO_QUERY,
                "QueryResponse.Customer[2].MetaData.LastUpdatedTime",
            ],
        },
        Case {
            name: "qbo row is not an object",
            target: qbo_query(Evil::Set("/QueryResponse/Customer/1", r#"["x"]"#)),
            needles: vec![QBO_QUERY, "QueryResponse.Customer[1]"],
        },
        Case {
            name: "qbo HTML error page (503)",
            target: qbo_query(Evil::Fixed(503, "text/html", html())),
            needles: vec![QBO_QUERY, "503"],
        },
        Case {
            name: "qbo HTML error page (400)",
            target: qbo_query(Evil::Fixed(400, "text/html", html())),
            needles: vec![QBO_QUERY, "400"],
        },
        Case {
            name: "qbo empty body",
            target: qbo_query(Evil::Fixed(200, "application/json", Vec::new())),
            needles: vec![QBO_QUERY, "empty response body"],
        },
        Case {
            name: "qbo invalid UTF-8",
            target: qbo_query(Evil::Fixed(
                200,
                "application/json",
                b"{\"QueryResponse\":{\"x\":\"\xc3\x28\"}}".to_vec(),
            )),
            needles: vec![QBO_QUERY, "not valid UTF-8"],
        },
        Case {
            name: "qbo plain text",
            target: qbo_query(Evil::Fixed(
                200,
                "text/plain",
                b"Service temporarily unavailable".to_vec(),
            )),
            needles: vec![QBO_QUERY, "Service temporarily unavailable"],
        },
    ]
}

/// The clients alone: the error names the endpoint and the JSON path.
#[test]
fn clients_report_hostile_responses_with_endpoint_and_path() {
    let evil = start();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = url::Url::parse(&evil.base).unwrap();
    let mut hs_cfg = hsqb::hubspot::HubSpotConfig::new(
        base.clone(),
        hsqb::hubspot::HubSpotAuth::Token(hsqb::secret::Secret::new(
            hsqb::emulator::DEFAULT_HUBSPOT_TOKEN,
        )),
    );
    hs_cfg.retry = hsqb::http::RetryPolicy::fast(2, 1);
    let hs = hsqb::hubspot::HubSpotClient::new(hs_cfg).unwrap();
    let mut q_cfg = hsqb::quickbooks::QboConfig::new(
        base,
        evil.emu.realm.clone(),
        hsqb::quickbooks::QboAuth::Static(hsqb::secret::Secret::new(
            hsqb::emulator::DEFAULT_QBO_ACCESS_TOKEN,
        )),
    );
    q_cfg.retry = hsqb::http::RetryPolicy::fast(2, 1);
    let qbo = hsqb::quickbooks::QboClient::new(q_cfg, hsqb::quickbooks::MemorySink::new()).unwrap();
    let props: Vec<String> = ["email", "firstname"]
        .iter()
        .map(|s| s.to_string())
        .collect();

    // Sanity: through the proxy, untouched, both reads work.
    evil.set(None);
    rt.block_on(async {
        assert_eq!(hs.list_all("contacts", &props).await.unwrap().len(), 3);
        let q = hsqb::quickbooks::Query::select("Customer", hsqb::quickbooks::Active::Any);
        assert_eq!(qbo.query_all(&q).await.unwrap().len(), 3);
    });

    for case in cases() {
        evil.set(Some(case.target.clone()));
        let err = rt.block_on(async {
            if case.target.suffix == "/query" {
                let q = hsqb::quickbooks::Query::select("Customer", hsqb::quickbooks::Active::Any);
                qbo.query_all(&q)
                    .await
                    .map(|r| r.len())
                    .map_err(|e| e.to_string())
            } else {
                hs.list_all("contacts", &props)
                    .await
                    .map(|r| r.len())
                    .map_err(|e| e.to_string())
            }
        });
        assert!(
            evil.hits() > 0,
            "{}: the proxy corrupted nothing",
            case.name
        );
        let err = match err {
            Err(e) => e,
            Ok(n) => panic!("{}: accepted a hostile response ({n} records)", case.name),
        };
        for n in &case.needles {
            assert!(err.contains(n), "{}: error lacks {n:?}: {err}", case.name);
        }
        assert!(
            err.len() < 2000,
            "{}: error is {} bytes long",
            case.name,
            err.len()
        );
    }

    // An enormous page (50,000 records where 100 were asked for) is data, not
    // an attack on memory: it is read, and the paging cursor is followed.
    evil.set(Some(hs_list(Evil::Fixed(
        200,
        "application/json",
        enormous_hubspot_page(),
    ))));
    let got = rt.block_on(hs.list_all("contacts", &props));
    match got {
        Ok(records) => assert!(records.len() >= 50_000, "{}", records.len()),
        Err(e) => {
            let e = e.to_string();
            assert!(e.contains(HS_LIST), "{e}");
        }
    }
    assert!(evil.writes().is_empty(), "reads wrote: {:?}", evil.writes());
}

/// The binaries: `hsqb plan` and `hsqb apply` fail cleanly and write nothing.
#[test]
fn plan_and_apply_fail_cleanly_and_write_nothing() {
    let evil = start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("hsqb.yaml"),
        bench_env::manifest_yaml(&evil.base, &evil.emu.realm, "two_way"),
    )
    .unwrap();
    let env = bench_env::base_env();
    // Sanity: with the proxy transparent, the plan has work to do.
    evil.set(None);
    let ok = hsqb(d, &["plan", "--detailed-exitcode"], &env);
    assert_eq!(code(&ok), 2, "{}", both(&ok));

    for case in cases().into_iter().filter(|c| !c.retried()) {
        for args in [vec!["plan"], vec!["apply", "--auto-approve"]] {
            evil.set(Some(case.target.clone()));
            let before = bench_env::files(d);
            let out = hsqb(d, &args, &env);
            let text = both(&out);
            assert_eq!(code(&out), 1, "{} / {args:?}:\n{text}", case.name);
            assert!(evil.hits() > 0, "{}: nothing corrupted", case.name);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{}: panic\n{text}", case.name);
            for n in &case.needles {
                assert!(
                    stderr.contains(n),
                    "{} / {args:?}: stderr lacks {n:?}\n{text}",
                    case.name
                );
            }
            assert!(
                evil.writes().is_empty(),
                "{} / {args:?} wrote {:?}",
                case.name,
                evil.writes()
            );
            assert_eq!(
                bench_env::files(d),
                before,
                "{} / {args:?} changed files",
                case.name
            );
        }
    }
}
