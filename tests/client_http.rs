//! Transport behaviour over real HTTP against a scripted, misbehaving server
//! (the emulator is always well-formed): retries on 429/5xx/drops/timeouts,
//! no blind resend of creates, the QBO read-before-retry guard, malformed
//! payloads, token refresh ordering, and secrets kept out of logs.

#[path = "common/client_stub.rs"]
mod stub;

use hsqb::http::RetryPolicy;
use hsqb::hubspot::{
    HsCreate, HsOutcome, HubSpotAuth, HubSpotClient, HubSpotConfig, HubSpotError, HubSpotLimits,
};
use hsqb::quickbooks::{
    MemorySink, NaturalKey, QboAuth, QboClient, QboConfig, QboError, QboLimits, SinkError,
    TokenSink, WriteOptions,
};
use hsqb::secret::Secret;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stub::{Action, Stub, json};

const PAGE: &str = r#"{"results":[{"id":"1","properties":{"email":"a@b.co"},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-02T00:00:00.000Z","archived":false}]}"#;

fn hs(stub: &Stub, attempts: u32) -> HubSpotClient {
    let mut c = HubSpotConfig::new(
        stub.base.parse().unwrap(),
        HubSpotAuth::Token(Secret::new("pat-na1-canary-token-0001")),
    );
    c.limits = HubSpotLimits::unlimited();
    c.retry = RetryPolicy::fast(attempts, 1);
    c.timeout = Duration::from_millis(500);
    HubSpotClient::new(c).unwrap()
}

fn qbo(stub: &Stub, auth: QboAuth, sink: Arc<dyn TokenSink>) -> QboClient {
    let mut c = QboConfig::new(stub.base.parse().unwrap(), "123", auth);
    c.limits = QboLimits::unlimited();
    c.retry = RetryPolicy::fast(4, 2);
    c.timeout = Duration::from_millis(500);
    QboClient::new(c, sink).unwrap()
}

fn static_qbo(stub: &Stub) -> QboClient {
    qbo(
        stub,
        QboAuth::Static(Secret::new("qbo-static-canary-0001")),
        MemorySink::new(),
    )
}

fn throttle() -> Action {
    Action::Respond(
        429,
        vec![("retry-after".into(), "0".into())],
        br#"{"status":"error","message":"You have reached your ten secondly limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#.to_vec(),
    )
}

#[tokio::test]
async fn a_429_storm_is_absorbed_and_counted() {
    let stub = Stub::start(vec![throttle(), throttle(), throttle()], json(200, PAGE)).await;
    let c = hs(&stub, 5);
    let recs = c.list_all("contacts", &["email".into()]).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].prop("email"), Some("a@b.co"));
    let s = c.stats().endpoint("GET /crm/v3/objects/{objectType}");
    assert_eq!((s.calls, s.retries, s.throttled), (4, 3, 3));
    assert_eq!(stub.seen().len(), 4);
}

#[tokio::test]
async fn the_daily_limit_is_final() {
    let daily = json(
        429,
        r#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c-1","policyName":"DAILY"}"#,
    );
    let stub = Stub::start(vec![daily], json(200, PAGE)).await;
    let err = hs(&stub, 5).list_all("contacts", &[]).await.unwrap_err();
    assert!(matches!(err, HubSpotError::DailyLimit(_)), "{err}");
    assert_eq!(err.api().unwrap().correlation_id.as_deref(), Some("c-1"));
    assert_eq!(stub.seen().len(), 1);
}

#[tokio::test]
async fn reads_survive_drops_5xx_and_timeouts() {
    let script = vec![
        Action::Drop,
        json(503, "<html>unavailable</html>"),
        Action::Delay(Duration::from_secs(3), Box::new(json(200, PAGE))),
        Action::Truncate(200, PAGE.as_bytes().to_vec()),
    ];
    let stub = Stub::start(script, json(200, PAGE)).await;
    let c = hs(&stub, 6);
    let recs = c.list_all("contacts", &[]).await.unwrap();
    assert_eq!(recs.len(), 1);
    assert_eq!(stub.seen().len(), 5);
    let s = c.stats().endpoint("GET /crm/v3/objects/{objectType}");
    assert_eq!(s.retries, 4);
    assert_eq!(s.transport_errors, 3, "drop, timeout, truncated body");
}

#[tokio::test]
async fn a_batch_create_is_not_resent_when_its_outcome_is_unknown() {
    let stub = Stub::start(
        vec![Action::Drop],
        json(201, r#"{"status":"COMPLETE","results":[]}"#),
    )
    .await;
    let c = hs(&stub, 5);
    let input = HsCreate {
        properties: [("email".to_string(), "x@y.co".to_string())].into(),
        associations: vec![],
    };
    let out = c
        .batch_create("contacts", vec![("k1", input.clone()), ("k2", input)])
        .await
        .unwrap();
    assert_eq!(out.len(), 2);
    for (_, o) in &out {
        assert!(matches!(o, HsOutcome::Unknown { .. }), "{o:?}");
    }
    assert_eq!(stub.seen().len(), 1, "sent exactly once");
}

#[tokio::test]
async fn a_batch_create_is_resent_after_a_429() {
    let ok = json(
        201,
        r#"{"status":"COMPLETE","results":[{"id":"7","properties":{"email":"x@y.co"},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z","archived":false,"objectWriteTraceId":"hsqb-0"}]}"#,
    );
    let stub = Stub::start(vec![throttle(), ok], json(500, "{}")).await;
    let input = HsCreate {
        properties: [("email".to_string(), "x@y.co".to_string())].into(),
        associations: vec![],
    };
    let out = hs(&stub, 5)
        .batch_create("contacts", vec![("k1", input)])
        .await
        .unwrap();
    match &out[0].1 {
        HsOutcome::Done(r) => assert_eq!(r.id, "7"),
        other => panic!("{other:?}"),
    }
    assert_eq!(stub.seen().len(), 2);
    let body: serde_json::Value = serde_json::from_slice(&stub.seen()[1].body).unwrap();
    assert_eq!(body["inputs"][0]["objectWriteTraceId"], "hsqb-0");
}

#[tokio::test]
async fn malformed_payloads_say_where() {
    let bad_type = r#"{"results":[{"id":"1","properties":{},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"},{"id":"2","properties":{"email":5},"createdAt":"2024-01-01T00:00:00.000Z","updatedAt":"2024-01-01T00:00:00.000Z"}]}"#;
    let cases: Vec<(Action, &str)> = vec![
        (json(200, bad_type), "results[1].properties.email"),
        (
            json(200, "<!DOCTYPE html><html><body>Login</body></html>"),
            "an HTML page",
        ),
        (json(200, ""), "empty response body"),
        (
            Action::Respond(200, vec![], b"{\"results\":[\xff]}".to_vec()),
            "not valid UTF-8",
        ),
        (json(200, r#"{"results":[{"id":"1","#), "truncated JSON"),
        (
            json(
                200,
                r#"{"results":[{"id":"1","properties":{},"createdAt":"yesterday","updatedAt":"2024-01-01T00:00:00.000Z"}]}"#,
            ),
            "results[0].createdAt",
        ),
    ];
    for (action, needle) in cases {
        let stub = Stub::start(vec![action], json(500, "{}")).await;
        let err = hs(&stub, 1)
            .list_all("contacts", &[])
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{needle}: {err}");
        assert!(err.contains("GET /crm/v3/objects/{objectType}"), "{err}");
    }
}

#[tokio::test]
async fn conflicts_carry_the_existing_id_and_correlation_header() {
    let conflict = Action::Respond(
        409,
        vec![("x-hubspot-correlation-id".into(), "corr-9".into())],
        br#"{"status":"error","message":"Contact already exists. Existing ID: 2926551","category":"CONFLICT"}"#.to_vec(),
    );
    let stub = Stub::start(vec![conflict], json(500, "{}")).await;
    let err = hs(&stub, 1).account_currency().await.unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.existing_id.as_deref(), Some("2926551"));
    assert_eq!(api.correlation_id.as_deref(), Some("corr-9"));
    assert_eq!(api.status, 409);
}

const CUSTOMER: &str = r#"{"Customer":{"DisplayName":"Amy's","Id":"70","SyncToken":"0","Active":true,"Balance":0,"MetaData":{"CreateTime":"2020-09-29T05:58:16-07:00","LastUpdatedTime":"2020-09-29T05:58:16-07:00"}},"time":"2020-09-29T05:58:16.187-07:00"}"#;
const FOUND: &str = r#"{"QueryResponse":{"Customer":[{"DisplayName":"Amy's","Id":"70","SyncToken":"0","Active":true,"MetaData":{"CreateTime":"2020-09-29T05:58:16-07:00","LastUpdatedTime":"2020-09-29T05:58:16-07:00"}}],"startPosition":1,"maxResults":1},"time":"2020-09-29T05:58:17.187-07:00"}"#;

fn customer_body() -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_str(r#"{"DisplayName":"Amy's"}"#).unwrap()
}

fn query_param(target: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(&format!("http://x{target}")).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.to_string())
}

#[tokio::test]
async fn qbo_create_with_unknown_outcome_finds_the_record_by_natural_key() {
    let stub = Stub::start(vec![Action::Drop, json(200, FOUND)], json(500, "{}")).await;
    let c = static_qbo(&stub);
    let r = c
        .create(
            "Customer",
            customer_body(),
            &WriteOptions::with_key(NaturalKey::eq("DisplayName", "Amy's")),
        )
        .await
        .unwrap();
    assert_eq!(r.id, "70");
    let seen = stub.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].method, "POST");
    assert_eq!(seen[1].method, "GET");
    let q = query_param(&seen[1].target, "query").unwrap();
    assert_eq!(
        q,
        "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s' AND Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000"
    );
}

#[tokio::test]
async fn qbo_create_resends_with_the_same_requestid_when_not_found() {
    let empty = r#"{"QueryResponse":{},"time":"2020-09-29T05:58:17.187-07:00"}"#;
    let stub = Stub::start(
        vec![Action::Drop, json(200, empty), json(200, CUSTOMER)],
        json(500, "{}"),
    )
    .await;
    let c = static_qbo(&stub);
    let r = c
        .create(
            "Customer",
            customer_body(),
            &WriteOptions::with_key(NaturalKey::eq("DisplayName", "Amy's")),
        )
        .await
        .unwrap();
    assert_eq!((r.id.as_str(), r.sync_token.as_str()), ("70", "0"));
    let posts: Vec<_> = stub
        .seen()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    let a = query_param(&posts[0].target, "requestid").unwrap();
    let b = query_param(&posts[1].target, "requestid").unwrap();
    assert_eq!(a, b, "same requestid on the resend");
    assert!(a.len() <= 50);
}

#[tokio::test]
async fn qbo_create_without_a_natural_key_reports_unknown() {
    let stub = Stub::start(
        vec![json(502, "<html>bad gateway</html>")],
        json(200, CUSTOMER),
    )
    .await;
    let err = static_qbo(&stub)
        .create("Customer", customer_body(), &WriteOptions::default())
        .await
        .unwrap_err();
    assert!(err.outcome_unknown(), "{err}");
    assert_eq!(stub.seen().len(), 1);
}

#[tokio::test]
async fn every_qbo_call_has_minorversion_accept_and_a_post_requestid() {
    let stub = Stub::start(
        vec![json(200, CUSTOMER), json(200, CUSTOMER)],
        json(200, FOUND),
    )
    .await;
    let c = static_qbo(&stub);
    c.read("Customer", "70").await.unwrap();
    c.create("Customer", customer_body(), &WriteOptions::default())
        .await
        .unwrap();
    c.query_all(&hsqb::quickbooks::Query::all("Customer"))
        .await
        .unwrap();
    for s in stub.seen() {
        assert_eq!(
            query_param(&s.target, "minorversion").as_deref(),
            Some("75"),
            "{}",
            s.target
        );
        assert_eq!(s.header("accept"), Some("application/json"));
        assert_eq!(
            s.header("authorization"),
            Some("Bearer qbo-static-canary-0001")
        );
        if s.method == "POST" {
            assert!(query_param(&s.target, "requestid").is_some());
            assert_eq!(s.header("content-type"), Some("application/json"));
        }
        assert!(s.target.starts_with("/v3/company/123/"), "{}", s.target);
    }
}

#[tokio::test]
async fn qbo_xml_throttle_is_waited_out_and_faults_carry_intuit_tid() {
    let xml = br#"<?xml version="1.0"?><IntuitResponse xmlns="http://schema.intuit.com/finance/v3"><Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message><Detail>The request limit was reached.</Detail></Error></Fault></IntuitResponse>"#;
    let fault = Action::Respond(
        400,
        vec![("intuit_tid".into(), "1-5f7330f0-039c03dd45f293121d775612".into())],
        br#"{"Fault":{"Error":[{"Message":"Invalid ID","Detail":"Id should be a valid number. Supplied value:1.5","code":"2030","element":"Id"}],"type":"ValidationFault"}}"#.to_vec(),
    );
    let stub = Stub::start(
        vec![
            Action::Respond(429, vec![], xml.to_vec()),
            json(200, CUSTOMER),
            fault,
        ],
        json(500, "{}"),
    )
    .await;
    let c = static_qbo(&stub);
    assert_eq!(c.read("Customer", "70").await.unwrap().id, "70");
    assert_eq!(c.stats().total().throttled, 1);
    let err = c.read("Customer", "1.5").await.unwrap_err();
    let f = err.fault().unwrap();
    assert_eq!(f.code(), Some("2030"));
    assert_eq!(f.errors[0].element.as_deref(), Some("Id"));
    assert_eq!(
        f.intuit_tid.as_deref(),
        Some("1-5f7330f0-039c03dd45f293121d775612")
    );
    assert!(err.to_string().contains("intuit_tid 1-5f7330f0"), "{err}");
}

/// A sink that notes how many requests the server had seen when it ran.
struct OrderSink {
    stub: Stub,
    log: Mutex<Vec<(usize, String)>>,
    fail: bool,
}

impl TokenSink for OrderSink {
    fn persist(&self, _realm: &str, token: &Secret) -> Result<(), SinkError> {
        self.log
            .lock()
            .unwrap()
            .push((self.stub.seen().len(), token.expose().to_string()));
        if self.fail {
            Err("disk full".into())
        } else {
            Ok(())
        }
    }
}

fn refresh_auth(stub: &Stub) -> QboAuth {
    QboAuth::Refresh {
        client_id: "cid".into(),
        client_secret: Secret::new("client-secret-canary-42"),
        refresh_token: Secret::new("refresh-token-canary-0"),
        token_url: format!("{}/oauth2/v1/tokens/bearer", stub.base)
            .parse()
            .unwrap(),
    }
}

const TOKEN: &str = r#"{"access_token":"access-canary-1111","refresh_token":"refresh-token-canary-1","expires_in":3600,"x_refresh_token_expires_in":8726400,"token_type":"bearer"}"#;

#[tokio::test]
async fn rotated_refresh_tokens_are_persisted_before_use() {
    let stub = Stub::start(vec![json(200, TOKEN)], json(200, CUSTOMER)).await;
    let sink = Arc::new(OrderSink {
        stub: stub.clone(),
        log: Mutex::new(vec![]),
        fail: false,
    });
    let c = qbo(&stub, refresh_auth(&stub), sink.clone());
    c.read("Customer", "70").await.unwrap();
    c.read("Customer", "70").await.unwrap();
    let seen = stub.seen();
    assert_eq!(seen.len(), 3, "one refresh, two reads (token reused)");
    let tok = &seen[0];
    assert_eq!(tok.method, "POST");
    assert_eq!(tok.header("accept"), Some("application/json"));
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        "cid:client-secret-canary-42",
    );
    assert_eq!(
        tok.header("authorization"),
        Some(format!("Basic {basic}").as_str())
    );
    assert_eq!(
        String::from_utf8(tok.body.clone()).unwrap(),
        "grant_type=refresh_token&refresh_token=refresh-token-canary-0"
    );
    assert_eq!(
        *sink.log.lock().unwrap(),
        vec![(1, "refresh-token-canary-1".to_string())],
        "persisted when only the token call had happened"
    );
    assert_eq!(
        seen[1].header("authorization"),
        Some("Bearer access-canary-1111")
    );
}

#[tokio::test]
async fn a_failing_sink_fails_the_call_before_the_new_token_is_used() {
    let stub = Stub::start(vec![json(200, TOKEN)], json(200, CUSTOMER)).await;
    let sink = Arc::new(OrderSink {
        stub: stub.clone(),
        log: Mutex::new(vec![]),
        fail: true,
    });
    let err = qbo(&stub, refresh_auth(&stub), sink)
        .read("Customer", "70")
        .await
        .unwrap_err();
    assert!(matches!(err, QboError::TokenPersist { .. }), "{err}");
    assert!(err.to_string().contains("disk full"));
    assert_eq!(stub.seen().len(), 1, "the API was never called");
}

#[tokio::test]
async fn invalid_grant_asks_to_reconnect_and_is_not_retried() {
    let bad = Action::Respond(
        400,
        vec![("intuit_tid".into(), "1234-1234-1234-123".into())],
        br#"{"error_description":"Token invalid","error":"invalid_grant"}"#.to_vec(),
    );
    let stub = Stub::start(vec![bad], json(200, CUSTOMER)).await;
    let err = qbo(&stub, refresh_auth(&stub), MemorySink::new())
        .read("Customer", "70")
        .await
        .unwrap_err();
    assert!(matches!(err, QboError::Reconnect { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("reconnect the app") && msg.contains("1234-1234-1234-123"),
        "{msg}"
    );
    assert_eq!(stub.seen().len(), 1);
}

#[tokio::test]
async fn hubspot_oauth_refreshes_from_expires_in_not_on_401() {
    let tok = |n: u32, ttl: u32| {
        json(
            200,
            &format!(
                r#"{{"access_token":"hs-access-{n}","refresh_token":"hs-refresh","expires_in":{ttl},"token_type":"bearer","token_use":"access_token"}}"#
            ),
        )
    };
    // A zero lifetime forces a refresh before every call; an hour does not.
    for (ttl, expected_token_calls) in [(0, 2), (1800, 1)] {
        let stub = Stub::start(
            vec![tok(1, ttl), json(200, PAGE), tok(2, ttl)],
            json(200, PAGE),
        )
        .await;
        let mut c = HubSpotConfig::new(
            stub.base.parse().unwrap(),
            HubSpotAuth::OAuth {
                client_id: "app".into(),
                client_secret: Secret::new("hs-client-secret-canary"),
                refresh_token: Secret::new("hs-refresh-canary"),
                token_url: None,
            },
        );
        c.limits = HubSpotLimits::unlimited();
        c.retry = RetryPolicy::fast(2, 1);
        let c = HubSpotClient::new(c).unwrap();
        c.list_all("contacts", &[]).await.unwrap();
        c.list_all("contacts", &[]).await.unwrap();
        let seen = stub.seen();
        let token_calls: Vec<_> = seen
            .iter()
            .filter(|s| s.target == "/oauth/v1/token")
            .collect();
        assert_eq!(token_calls.len(), expected_token_calls, "ttl {ttl}");
        let form = String::from_utf8(token_calls[0].body.clone()).unwrap();
        assert!(
            form.starts_with("grant_type=refresh_token&client_id=app&client_secret="),
            "{form}"
        );
        assert_eq!(seen[1].header("authorization"), Some("Bearer hs-access-1"));
    }
    // A 401 is reported, not answered with a refresh.
    let stub = Stub::start(
        vec![
            json(200, r#"{"access_token":"hs-a","expires_in":1800}"#),
            json(
                401,
                r#"{"category":"EXPIRED_AUTHENTICATION","message":"expired"}"#,
            ),
        ],
        json(200, PAGE),
    )
    .await;
    let mut c = HubSpotConfig::new(
        stub.base.parse().unwrap(),
        HubSpotAuth::OAuth {
            client_id: "app".into(),
            client_secret: Secret::new("hs-client-secret-canary"),
            refresh_token: Secret::new("hs-refresh-canary"),
            token_url: None,
        },
    );
    c.limits = HubSpotLimits::unlimited();
    let err = HubSpotClient::new(c)
        .unwrap()
        .list_all("contacts", &[])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(stub.seen().len(), 2);
}

/// Collects everything the tracing subscriber writes.
#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_never_reach_logs_or_errors() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let gateway = br#"{"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: access-canary-11","code":"3200","element":null}],"type":"AUTHENTICATION"},"time":1601391072830}"#;
    let stub = Stub::start(
        vec![
            json(200, TOKEN),
            json(200, CUSTOMER),
            Action::Respond(401, vec![], gateway.to_vec()),
            json(200, TOKEN),
        ],
        Action::Respond(401, vec![], gateway.to_vec()),
    )
    .await;
    let c = qbo(&stub, refresh_auth(&stub), MemorySink::new());
    c.read("Customer", "70").await.unwrap();
    let err = c.read("Customer", "70").await.unwrap_err();
    let hs_stub = Stub::start(vec![], json(200, PAGE)).await;
    hs(&hs_stub, 1).list_all("contacts", &[]).await.unwrap();
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("http"), "spans were recorded: {logs}");
    assert!(
        logs.contains("status=200") && logs.contains("path=/v3/company/123/customer/70"),
        "{logs}"
    );
    let text = format!("{logs}\n{err}\n{err:?}\n{c:?}");
    for canary in [
        "access-canary-1111",
        "refresh-token-canary-0",
        "refresh-token-canary-1",
        "client-secret-canary-42",
        "pat-na1-canary-token-0001",
        "access-canary-11",
    ] {
        assert!(!text.contains(canary), "{canary} leaked:\n{text}");
    }
    assert_eq!(err.fault().unwrap().code(), Some("3200"));
}
