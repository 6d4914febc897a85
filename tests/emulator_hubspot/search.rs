//! Search: operators, groups, sorting and ties, paging, the 10k cap, index lag.

use super::*;

// ---------------------------------------------------------------- search

async fn search(hs: &Hs, object: &str, body: Value) -> Value {
    let r = hs
        .post(&format!("/crm/v3/objects/{object}/search"), body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

fn f(prop: &str, op: &str, value: &str) -> Value {
    json!({"propertyName": prop, "operator": op, "value": value})
}

#[tokio::test]
async fn search_operators_groups_and_typed_comparisons() {
    let hs = Hs::start(config()).await;
    let d = hs.seed("deals", 6, |i| {
        let mut v = kv(&[
            ("dealname", format!("Deal {i} acme")),
            (
                "amount",
                ["9", "10", "100", "1000.5", "20", "3"][i].to_string(),
            ),
        ]);
        if i % 2 == 0 {
            v.push(("dealstage".into(), "closedwon".into()));
        }
        if i == 5 {
            v.retain(|(k, _)| k != "amount");
        }
        v
    });
    let q = |filters: Vec<Value>| json!({"filterGroups": [{"filters": filters}]});
    // numbers compare numerically, not as strings
    let r = search(&hs, "deals", q(vec![f("amount", "GT", "9")])).await;
    assert_eq!(
        ids(&r),
        vec![d[1].clone(), d[2].clone(), d[3].clone(), d[4].clone()]
    );
    assert_eq!(r["total"], 4);
    let r = search(&hs, "deals", q(vec![f("amount", "LTE", "10")])).await;
    assert_eq!(ids(&r), vec![d[0].clone(), d[1].clone()]);
    let r = search(&hs, "deals", q(vec![json!({"propertyName": "amount", "operator": "BETWEEN", "value": "10", "highValue": "100"})])).await;
    assert_eq!(ids(&r), vec![d[1].clone(), d[2].clone(), d[4].clone()]);
    let r = search(
        &hs,
        "deals",
        q(vec![
            json!({"propertyName": "amount", "operator": "IN", "values": ["9", "20"]}),
        ]),
    )
    .await;
    assert_eq!(ids(&r), vec![d[0].clone(), d[4].clone()]);
    // missing values: only negative operators match them
    let r = search(&hs, "deals", q(vec![json!({"propertyName": "amount", "operator": "NOT_IN", "values": ["9", "20", "10", "100"]})])).await;
    assert_eq!(ids(&r), vec![d[3].clone(), d[5].clone()]);
    let r = search(
        &hs,
        "deals",
        q(vec![
            json!({"propertyName": "amount", "operator": "NOT_HAS_PROPERTY"}),
        ]),
    )
    .await;
    assert_eq!(ids(&r), vec![d[5].clone()]);
    let r = search(
        &hs,
        "deals",
        q(vec![
            json!({"propertyName": "dealstage", "operator": "HAS_PROPERTY"}),
        ]),
    )
    .await;
    assert_eq!(r["total"], 3);
    let r = search(&hs, "deals", q(vec![f("dealstage", "NEQ", "closedwon")])).await;
    assert_eq!(ids(&r), vec![d[1].clone(), d[3].clone(), d[5].clone()]);
    // AND inside a group, OR across groups
    let r = search(
        &hs,
        "deals",
        json!({"filterGroups": [
            {"filters": [f("dealstage", "EQ", "CLOSEDWON"), f("amount", "GTE", "100")]},
            {"filters": [f("amount", "EQ", "20.00")]}
        ]}),
    )
    .await;
    assert_eq!(ids(&r), vec![d[2].clone(), d[4].clone()]);
    // tokens
    let r = search(
        &hs,
        "deals",
        q(vec![f("dealname", "CONTAINS_TOKEN", "ACME")]),
    )
    .await;
    assert_eq!(r["total"], 6);
    let r = search(
        &hs,
        "deals",
        q(vec![f("dealname", "NOT_CONTAINS_TOKEN", "3")]),
    )
    .await;
    assert_eq!(r["total"], 5);
    let r = search(&hs, "deals", q(vec![f("hs_object_id", "EQ", &d[4])])).await;
    assert_eq!(ids(&r), vec![d[4].clone()]);
    // search results carry the default properties plus the requested ones
    let r = search(
        &hs,
        "deals",
        json!({"properties": ["dealtype"], "limit": 1}),
    )
    .await;
    assert!(r["results"][0]["properties"].get("dealtype").is_some());
    assert!(r["results"][0]["properties"].get("hs_object_id").is_some());
    // free-text query over the object's text properties
    let r = search(&hs, "deals", json!({"query": "deal 3"})).await;
    assert_eq!(ids(&r), vec![d[3].clone()]);
    // bad filters are 400s
    for bad in [
        q(vec![f("amount", "GT", "lots")]),
        q(vec![f("nope", "EQ", "1")]),
        q(vec![f("amount", "ROUGHLY", "1")]),
        q(vec![
            json!({"propertyName": "amount", "operator": "BETWEEN", "value": "1"}),
        ]),
        json!({"limit": 201}),
        json!({"sorts": [{"propertyName": "amount"}, {"propertyName": "dealname"}]}),
    ] {
        let r = hs.post("/crm/v3/objects/deals/search", bad.clone()).await;
        assert_eq!(r.status, 400, "{bad}");
        assert_eq!(r.body["category"], "VALIDATION_ERROR");
    }
    hs.stop().await;
}

#[tokio::test]
async fn search_sorts_dates_with_deterministic_ties_and_pages_by_offset() {
    let hs = Hs::start(config()).await;
    // three records share a timestamp, two are later
    let first = hs.seed("companies", 3, |i| kv(&[("name", format!("c{i}"))]));
    hs.advance_ms(5_000);
    let later = hs.seed("companies", 2, |i| kv(&[("name", format!("d{i}"))]));
    let t_first = crate::hs_harness::t0().timestamp_millis().to_string();
    let by = |dir: &str| json!({"sorts": [{"propertyName": "hs_lastmodifieddate", "direction": dir}], "limit": 10});
    let asc = search(&hs, "companies", by("ASCENDING")).await;
    let expected_asc: Vec<String> = first.iter().chain(later.iter()).cloned().collect();
    assert_eq!(ids(&asc), expected_asc);
    let desc = search(&hs, "companies", by("DESCENDING")).await;
    let expected_desc: Vec<String> = later.iter().chain(first.iter()).cloned().collect();
    assert_eq!(ids(&desc), expected_desc, "ties broken by id ascending");
    // string form of sorts
    let s = search(&hs, "companies", json!({"sorts": ["-name"]})).await;
    assert_eq!(ids(&s)[0], later[1]);
    // epoch-millis and ISO filters on datetimes agree
    let eq_ms = search(
        &hs,
        "companies",
        json!({"filterGroups": [{"filters": [f("hs_lastmodifieddate", "EQ", &t_first)]}]}),
    )
    .await;
    assert_eq!(ids(&eq_ms), first);
    let gt_iso = search(
        &hs,
        "companies",
        json!({"filterGroups": [{"filters": [f("createdate", "GT", "2026-01-15T12:00:00Z")]}]}),
    )
    .await;
    assert_eq!(ids(&gt_iso), later);
    // offset paging with total; no paging on the last page
    let p1 = search(&hs, "companies", json!({"limit": 2})).await;
    assert_eq!(p1["total"], 5);
    assert_eq!(p1["paging"]["next"]["after"], "2");
    let p3 = search(&hs, "companies", json!({"limit": 2, "after": "4"})).await;
    assert_eq!(ids(&p3), vec![later[1].clone()]);
    assert!(p3.get("paging").is_none());
    // search responses have no rate-limit headers
    let r = hs.post("/crm/v3/objects/companies/search", json!({})).await;
    assert!(r.header("x-hubspot-ratelimit-max").is_none());
    assert!(r.header("x-hubspot-correlation-id").is_some());
    hs.stop().await;
}

#[tokio::test]
async fn search_filter_group_limits() {
    let hs = Hs::start(config()).await;
    let group = |n: usize| json!({"filters": (0..n).map(|_| f("name", "HAS_PROPERTY", "")).collect::<Vec<_>>()});
    let ok = json!({"filterGroups": (0..5).map(|_| group(5)).collect::<Vec<_>>()});
    assert_eq!(
        hs.post("/crm/v3/objects/companies/search", ok).await.status,
        200
    );
    for bad in [
        json!({"filterGroups": (0..6).map(|_| group(1)).collect::<Vec<_>>()}),
        json!({"filterGroups": [group(11)]}),
        json!({"filterGroups": (0..3).map(|_| group(9)).collect::<Vec<_>>()}),
    ] {
        let r = hs.post("/crm/v3/objects/companies/search", bad).await;
        assert_eq!(r.status, 400, "{}", r.text);
    }
    hs.stop().await;
}

#[tokio::test]
async fn search_cannot_page_past_ten_thousand_results() {
    let hs = Hs::start(config()).await;
    let all = hs.seed("contacts", 10_050, |i| {
        kv(&[("firstname", format!("n{i}"))])
    });
    let r = search(&hs, "contacts", json!({"limit": 200, "after": "9900"})).await;
    assert_eq!(r["total"], 10_050);
    assert_eq!(
        ids(&r),
        all[9900..10_000].to_vec(),
        "results stop at the cap"
    );
    assert_eq!(r["paging"]["next"]["after"], "10000");
    let r = hs
        .post(
            "/crm/v3/objects/contacts/search",
            json!({"limit": 100, "after": "10000"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["category"], "VALIDATION_ERROR");
    // the standard workaround: filter on hs_object_id GT the last id seen
    let r = search(
        &hs,
        "contacts",
        json!({"filterGroups": [{"filters": [f("hs_object_id", "GT", &all[9999])]}],
               "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}], "limit": 100}),
    )
    .await;
    assert_eq!(r["total"], 50);
    assert_eq!(ids(&r), all[10_000..].to_vec());
    hs.stop().await;
}

#[tokio::test]
async fn search_index_lag_hides_recent_changes() {
    let mut cfg = config();
    cfg.limits.hubspot_search_lag = std::time::Duration::from_secs(5);
    let hs = Hs::start(cfg).await;
    let id = hs
        .create("contacts", json!({"email": "lag@example.com"}))
        .await;
    let q = json!({"filterGroups": [{"filters": [f("email", "EQ", "lag@example.com")]}]});
    assert_eq!(search(&hs, "contacts", q.clone()).await["total"], 0);
    // the record exists (the create→search→409 trap)
    let r = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "lag@example.com"}}),
        )
        .await;
    assert_eq!(r.status, 409);
    hs.advance_ms(5_000);
    assert_eq!(
        ids(&search(&hs, "contacts", q.clone()).await),
        vec![id.clone()]
    );
    // an update makes it invisible again until the index catches up
    hs.patch(
        &format!("/crm/v3/objects/contacts/{id}"),
        json!({"properties": {"firstname": "L"}}),
    )
    .await;
    assert_eq!(search(&hs, "contacts", q.clone()).await["total"], 0);
    hs.advance_ms(5_001);
    assert_eq!(search(&hs, "contacts", q).await["total"], 1);
    hs.stop().await;
}
