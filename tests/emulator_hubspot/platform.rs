//! Account details, routing, auth and OAuth, rate limits, faults, stats,
//! persistence, seed fixtures, reset.

use super::*;

// ---------------------------------------------------------------- account, routes

#[tokio::test]
async fn account_details_and_pipelines() {
    let hs = Hs::start(config()).await;
    let r = hs.get("/account-info/v3/details").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["timeZone"], "US/Eastern");
    assert_eq!(r.body["companyCurrency"], "USD");
    assert_eq!(r.body["utcOffset"], "-05:00");
    assert_eq!(r.body["utcOffsetMilliseconds"], -18_000_000);
    assert_eq!(r.body["uiDomain"], "app.hubspot.com");
    assert_eq!(r.body["dataHostingLocation"], "na1");
    assert_eq!(
        r.body["portalId"],
        hsqb::emulator::hubspot::DEFAULT_PORTAL_ID
    );
    assert!(r.body["additionalCurrencies"].is_array());
    let r = hs.get("/crm/v3/pipelines/deals").await;
    let stages: Vec<&str> = r.body["results"][0]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(stages.contains(&"closedwon"));
    assert_eq!(r.body["results"][0]["id"], "default");
    hs.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let hs = Hs::start(config()).await;
    let r = hs.get("/crm/v3/nothing/here").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["status"], "error");
    assert!(r.header("x-hubspot-correlation-id").is_some());
    let r = hs.call_with("GET", "/crm/v9/whatever", None, None).await;
    assert_eq!(
        r.status, 404,
        "no auth needed to learn a route does not exist"
    );
    let r = hs
        .call("PUT", "/crm/v3/objects/contacts", Some(json!({})))
        .await;
    assert_eq!(r.status, 405);
    assert_eq!(r.body["status"], "error");
    let r = hs.call("POST", "/crm/v3/objects/contacts", None).await;
    assert_eq!(r.status, 400);
    let r = hs
        .client
        .post(hs.url("/crm/v3/objects/contacts"))
        .bearer_auth(&hs.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let r = crate::hs_harness::into_resp(r).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid input JSON")
    );
    hs.stop().await;
}

// ---------------------------------------------------------------- auth

#[tokio::test]
async fn requests_without_a_valid_bearer_token_get_401() {
    let hs = Hs::start(config()).await;
    let r = hs
        .call_with("GET", "/crm/v3/objects/contacts", None, None)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["status"], "error");
    assert_eq!(r.body["category"], "INVALID_AUTHENTICATION");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Authentication credentials not found")
    );
    assert!(r.body["correlationId"].is_string());
    assert!(r.header("x-hubspot-correlation-id").is_some());
    let r = hs
        .call_with(
            "GET",
            "/crm/v3/objects/contacts",
            None,
            Some("pat-na1-wrong"),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["category"], "INVALID_AUTHENTICATION");
    let r = hs
        .client
        .get(hs.url("/crm/v3/objects/contacts"))
        .header("authorization", format!("Basic {}", hs.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = hs
        .call_with("GET", "/crm/v3/objects/contacts?hapikey=x", None, None)
        .await;
    assert_eq!(r.status, 401, "API keys are dead");
    hs.stop().await;
}

async fn refresh(hs: &Hs, path: &str, form: &[(&str, &str)]) -> crate::hs_harness::Resp {
    let r = hs
        .client
        .post(hs.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    crate::hs_harness::into_resp(r).await
}

#[tokio::test]
async fn oauth_refresh_issues_tokens_that_expire_on_the_scaled_clock() {
    let mut cfg = config();
    cfg.time_scale = 1000.0;
    cfg.limits.hubspot_access_token_ttl = std::time::Duration::from_secs(900);
    cfg.limits.hubspot_per_10s = Some(1000);
    cfg.limits.hubspot_daily = Some(1000);
    let c = cfg.clone();
    let hs = Hs::start(cfg).await;
    let good = [
        ("grant_type", "refresh_token"),
        ("client_id", c.hubspot_client_id.as_str()),
        ("client_secret", c.hubspot_client_secret.as_str()),
        ("refresh_token", c.hubspot_refresh_token.as_str()),
    ];
    for path in ["/oauth/v1/token", "/oauth/v3/token", "/oauth/2026-03/token"] {
        let r = refresh(&hs, path, &good).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(r.body["expires_in"], 900);
        assert_eq!(r.body["token_type"], "bearer");
        assert_eq!(r.body["token_use"], "access_token");
        assert_eq!(
            r.body["refresh_token"],
            c.hubspot_refresh_token.as_str(),
            "HubSpot refresh tokens do not rotate"
        );
        assert!(r.body["hub_id"].is_u64());
    }
    let r = refresh(&hs, "/oauth/v1/token", &good).await;
    let access = r.body["access_token"].as_str().unwrap().to_string();
    // the access token works, with rate headers but no daily ones (OAuth)
    let r = hs
        .call_with("GET", "/crm/v3/objects/contacts", None, Some(&access))
        .await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-hubspot-ratelimit-max").is_some());
    assert!(r.header("x-hubspot-ratelimit-daily").is_none());
    let r = hs.get("/crm/v3/objects/contacts").await;
    assert_eq!(r.header("x-hubspot-ratelimit-daily"), Some("1000"));
    // wrong credentials
    let mut bad = good;
    bad[3] = ("refresh_token", "stolen");
    let r = refresh(&hs, "/oauth/v1/token", &bad).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["status"], "BAD_REFRESH_TOKEN");
    let mut bad = good;
    bad[1] = ("client_id", "other-app");
    assert_eq!(
        refresh(&hs, "/oauth/v1/token", &bad).await.body["status"],
        "BAD_CLIENT_ID"
    );
    // 900 scaled seconds pass in 900 real milliseconds (the margin keeps a loaded machine from expiring the token early)
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    let r = hs
        .call_with("GET", "/crm/v3/objects/contacts", None, Some(&access))
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["category"], "EXPIRED_AUTHENTICATION");
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .starts_with("The OAuth token used to make this call expired")
    );
    // the static token keeps working
    assert_eq!(hs.get("/crm/v3/objects/contacts").await.status, 200);
    hs.stop().await;
}

// ---------------------------------------------------------------- limits

#[tokio::test]
async fn ten_second_limit_answers_429_with_headers_and_search_has_its_own_limit() {
    let mut cfg = config();
    cfg.limits = hsqb::emulator::Limits {
        hubspot_per_10s: Some(3),
        hubspot_daily: Some(1000),
        hubspot_search_per_sec: Some(2),
        ..hsqb::emulator::Limits::unlimited()
    };
    let hs = Hs::start(cfg).await;
    for rem in ["2", "1", "0"] {
        let r = hs.get("/crm/v3/objects/contacts").await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-hubspot-ratelimit-max"), Some("3"));
        assert_eq!(r.header("x-hubspot-ratelimit-remaining"), Some(rem));
        assert_eq!(
            r.header("x-hubspot-ratelimit-interval-milliseconds"),
            Some("10000")
        );
        assert_eq!(r.header("x-hubspot-ratelimit-daily"), Some("1000"));
    }
    let r = hs.get("/crm/v3/objects/contacts").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["status"], "error");
    assert_eq!(
        r.body["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    assert_eq!(r.body["errorType"], "RATE_LIMIT");
    assert_eq!(r.body["policyName"], "TEN_SECONDLY_ROLLING");
    assert!(r.body["correlationId"].is_string() && r.body["requestId"].is_string());
    assert!(r.body.get("category").is_none());
    assert_eq!(r.header("x-hubspot-ratelimit-remaining"), Some("0"));
    // search does not count against the burst window and has no headers
    for _ in 0..2 {
        let r = hs.post("/crm/v3/objects/contacts/search", json!({})).await;
        assert_eq!(r.status, 200);
        assert!(r.header("x-hubspot-ratelimit-max").is_none());
    }
    let r = hs.post("/crm/v3/objects/contacts/search", json!({})).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["policyName"], "SECONDLY");
    // association batch endpoints are exempt from the ten-second limit
    let r = hs
        .get("/crm/v4/associations/contacts/companies/labels")
        .await;
    assert_eq!(r.status, 200);
    let stats = hs.emu.shared().stats.snapshot();
    let list = &stats["hubspot"]["GET /crm/v3/objects/{objectType}"];
    assert_eq!(list.count, 4);
    assert_eq!(list.throttled, 1);
    assert_eq!(list.statuses[&429], 1);
    assert_eq!(
        stats["hubspot"]["POST /crm/v3/objects/{objectType}/search"].throttled,
        1
    );
    hs.stop().await;
}

// ---------------------------------------------------------------- faults, stats

async fn set_faults(hs: &Hs, rules: Value) {
    let r = hs
        .client
        .post(hs.url("/_emulator/faults"))
        .json(&json!({"rules": rules}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
}

#[tokio::test]
async fn injected_faults_fail_the_nth_call_and_drop_connections() {
    let hs = Hs::start(config()).await;
    set_faults(
        &hs,
        json!([{"api": "hubspot", "endpoint": "batch/create", "kind": "500", "nth": [2]}]),
    )
    .await;
    let body = json!({"inputs": [{"properties": {"name": "x"}}]});
    assert_eq!(
        hs.post("/crm/v3/objects/products/batch/create", body.clone())
            .await
            .status,
        201
    );
    let r = hs
        .post("/crm/v3/objects/products/batch/create", body.clone())
        .await;
    assert_eq!(r.status, 500);
    assert_eq!(r.body["status"], "error");
    assert_eq!(
        hs.post("/crm/v3/objects/products/batch/create", body)
            .await
            .status,
        201
    );
    assert_eq!(count(&hs, "products"), 2, "the failed call wrote nothing");

    // drop: no response, nothing written
    set_faults(&hs, json!([{"api": "hubspot", "endpoint": "POST /crm/v3/objects/{objectType}", "kind": "drop", "nth": [1]}])).await;
    let sent = hs
        .client
        .post(hs.url("/crm/v3/objects/companies"))
        .bearer_auth(&hs.token)
        .json(&json!({"properties": {"name": "dropped"}}))
        .send()
        .await;
    let failed = match sent {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(failed, "the client must see a broken connection");
    assert_eq!(count(&hs, "companies"), 0);

    // drop after write: the client sees a broken response, the record exists
    set_faults(&hs, json!([{"api": "hubspot", "endpoint": "POST /crm/v3/objects/{objectType}", "kind": "drop_after_write", "nth": [1]}])).await;
    let sent = hs
        .client
        .post(hs.url("/crm/v3/objects/companies"))
        .bearer_auth(&hs.token)
        .json(&json!({"properties": {"name": "written"}}))
        .send()
        .await;
    let outcome = match sent {
        Err(e) => Err(e.to_string()),
        Ok(r) => r.json::<Value>().await.map_err(|e| e.to_string()),
    };
    assert!(
        outcome.is_err(),
        "incomplete response expected, got {outcome:?}"
    );
    {
        let st = hs.emu.shared().hubspot.lock().unwrap();
        assert_eq!(st.count("companies"), 1);
        let id = st.ids("companies")[0].clone();
        assert_eq!(
            st.record("companies", &id).unwrap().properties["name"],
            "written"
        );
    }

    // timeout → 504 gateway page after the (scaled) delay; 502/503 HTML too
    set_faults(&hs, json!([{"api": "hubspot", "endpoint": "GET /crm/v3/objects/{objectType}", "kind": "timeout", "nth": [1], "delay_ms": 20}])).await;
    let r = hs.get("/crm/v3/objects/companies").await;
    assert_eq!(r.status, 504);
    assert!(r.text.contains("Gateway Timeout"));
    set_faults(&hs, json!([{"api": "hubspot", "endpoint": "GET /crm/v3/objects/{objectType}", "kind": "503", "nth": [1]}])).await;
    let r = hs.get("/crm/v3/objects/companies").await;
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(hs.get("/crm/v3/objects/companies").await.status, 200);

    // statistics count every request, faults separately
    let stats = hs.emu.shared().stats.snapshot();
    let bc = &stats["hubspot"]["POST /crm/v3/objects/{objectType}/batch/create"];
    assert_eq!(
        (bc.count, bc.faulted, bc.statuses[&201], bc.statuses[&500]),
        (3, 1, 2, 1)
    );
    let create = &stats["hubspot"]["POST /crm/v3/objects/{objectType}"];
    assert_eq!((create.count, create.faulted), (2, 2));
    let list = &stats["hubspot"]["GET /crm/v3/objects/{objectType}"];
    assert_eq!((list.count, list.faulted), (3, 2));
    // also served over HTTP
    let r = hs
        .client
        .get(hs.url("/_emulator/stats"))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["hubspot"]["GET /crm/v3/objects/{objectType}"]["count"], 3);
    hs.stop().await;
}

#[tokio::test]
async fn injected_429_uses_the_rate_limit_shape() {
    let hs = Hs::start(config()).await;
    set_faults(&hs, json!([{"api": "hubspot", "kind": "429", "nth": [1]}])).await;
    let r = hs.get("/crm/v3/objects/deals").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["policyName"], "TEN_SECONDLY_ROLLING");
    assert!(r.body.get("category").is_none());
    assert_eq!(hs.get("/crm/v3/objects/deals").await.status, 200);
    hs.stop().await;
}

// ---------------------------------------------------------------- persistence, seed

#[tokio::test]
async fn state_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.data_dir = Some(dir.path().to_path_buf());
    let hs = Hs::start(cfg.clone()).await;
    let r = hs
        .post(
            "/crm/v3/properties/contacts",
            json!({"name": "qbo_customer_id", "label": "QBO id", "type": "string", "fieldType": "text",
                   "groupName": "contactinformation", "hasUniqueValue": true}),
        )
        .await;
    assert_eq!(r.status, 201);
    let c = hs
        .create(
            "contacts",
            json!({"email": "p@example.com", "qbo_customer_id": "58"}),
        )
        .await;
    let co = hs.create("companies", json!({"name": "Persisted"})).await;
    hs.put(
        &format!("/crm/v4/objects/contacts/{c}/associations/default/companies/{co}"),
        None,
    )
    .await;
    let before = hs
        .get(&format!(
            "/crm/v3/objects/contacts/{c}?properties=qbo_customer_id"
        ))
        .await
        .body;
    // the write is on disk before the response returns
    let on_disk = std::fs::read_to_string(dir.path().join("hubspot.json")).unwrap();
    assert!(on_disk.contains("p@example.com"));
    hs.stop().await;

    let hs = Hs::start(cfg).await;
    let after = hs
        .get(&format!(
            "/crm/v3/objects/contacts/{c}?properties=qbo_customer_id"
        ))
        .await
        .body;
    assert_eq!(after, before);
    let r = hs
        .get("/crm/v3/objects/contacts/58?idProperty=qbo_customer_id")
        .await;
    assert_eq!(r.status, 200, "unique index rebuilt on load");
    let r = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "P@example.com"}}),
        )
        .await;
    assert_eq!(r.status, 409, "email index rebuilt on load");
    let r = hs
        .get(&format!(
            "/crm/v4/objects/companies/{co}/associations/contacts"
        ))
        .await;
    assert_eq!(r.body["results"][0]["associationTypes"][0]["typeId"], 280);
    let next = hs
        .create("deals", json!({"dealname": "after restart"}))
        .await;
    assert!(
        next.parse::<u64>().unwrap() > co.parse::<u64>().unwrap(),
        "ids keep increasing"
    );
    hs.stop().await;
}

#[tokio::test]
async fn seed_fixtures_load_through_api_validation() {
    let dir = tempfile::tempdir().unwrap();
    let hsdir = dir.path().join("hubspot");
    std::fs::create_dir_all(&hsdir).unwrap();
    let write = |name: &str, v: Value| {
        std::fs::write(hsdir.join(name), serde_json::to_vec_pretty(&v).unwrap()).unwrap()
    };
    write(
        "account.json",
        json!({"portalId": 777, "companyCurrency": "EUR", "additionalCurrencies": ["USD"]}),
    );
    write(
        "groups.json",
        json!({"products": [{"name": "qbo", "label": "QuickBooks"}]}),
    );
    write(
        "properties.json",
        json!({"products": [{"name": "qbo_item_id", "label": "QBO item", "type": "string", "fieldType": "text", "groupName": "qbo", "hasUniqueValue": true}]}),
    );
    write(
        "products.json",
        json!([{"id": "500", "properties": {"name": "Widget", "price": "2.5", "qbo_item_id": "7"}}]),
    );
    write(
        "line_items.json",
        json!([{"id": "501", "properties": {"hs_product_id": "500", "quantity": "4"}, "createdAt": "2025-12-01T00:00:00Z"}]),
    );
    write(
        "deals.json",
        json!([{"id": "502", "properties": {"dealname": "Seeded", "deal_currency_code": "USD"}},
                               {"id": "503", "properties": {"dealname": "Gone"}, "archived": true}]),
    );
    write(
        "associations.json",
        json!([{"fromObjectType": "deals", "fromId": "502", "toObjectType": "line_items", "toId": "501"}]),
    );
    let mut cfg = config();
    cfg.seed_dir = Some(dir.path().to_path_buf());
    let hs = Hs::start(cfg).await;
    let r = hs.get("/account-info/v3/details").await;
    assert_eq!(
        (
            r.body["portalId"].as_u64(),
            r.body["companyCurrency"].as_str()
        ),
        (Some(777), Some("EUR"))
    );
    let r = hs
        .get("/crm/v3/objects/products/7?idProperty=qbo_item_id")
        .await;
    assert_eq!(r.body["id"], "500");
    let r = hs.get("/crm/v3/objects/line_items/501").await;
    assert_eq!(r.body["properties"]["amount"], "10.0");
    assert_eq!(r.body["createdAt"], "2025-12-01T00:00:00.000Z");
    let r = hs
        .get("/crm/v4/objects/line_items/501/associations/deals")
        .await;
    assert_eq!(r.body["results"][0]["toObjectId"], 502);
    assert_eq!(r.body["results"][0]["associationTypes"][0]["typeId"], 20);
    assert_eq!(
        hs.get("/crm/v3/objects/deals/503?archived=true")
            .await
            .status,
        200
    );
    // seeded ids below the counter leave it alone
    assert_eq!(
        hs.create("contacts", json!({"email": "n@example.com"}))
            .await,
        "10001"
    );
    hs.stop().await;

    // invalid seed data is reported with its file
    write("contacts.json", json!([{"properties": {"nope": "x"}}]));
    let mut cfg = config();
    cfg.seed_dir = Some(dir.path().to_path_buf());
    let err = hsqb::emulator::Emulator::new(cfg)
        .err()
        .expect("bad seed refused");
    let msg = err.to_string();
    assert!(
        msg.contains("contacts.json") && msg.contains("PROPERTY_DOESNT_EXIST"),
        "{msg}"
    );
}

#[tokio::test]
async fn control_reset_restores_the_default_portal() {
    let hs = Hs::start(config()).await;
    hs.create("contacts", json!({"email": "r@example.com"}))
        .await;
    let r = hs
        .client
        .post(hs.url("/_emulator/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(
        hs.get("/crm/v3/objects/contacts").await.body["results"],
        json!([])
    );
    assert_eq!(
        hs.create("contacts", json!({"email": "r@example.com"}))
            .await,
        "10001"
    );
    hs.stop().await;
}
