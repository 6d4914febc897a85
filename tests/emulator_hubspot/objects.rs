//! Single-record endpoints, paging, value formats, calculated properties.

use super::*;

// ---------------------------------------------------------------- objects

#[tokio::test]
async fn create_read_update_archive_round_trip() {
    let hs = Hs::start(config()).await;
    let r = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "jane@example.com", "firstname": "Jane", "phone": "+1 555"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_string();
    assert_eq!(id, "10001");
    assert_eq!(r.body["properties"]["hs_object_id"], id.as_str());
    assert_eq!(r.body["properties"]["phone"], "+1 555");
    assert_eq!(r.body["createdAt"], "2026-01-15T12:00:00.000Z");
    assert_eq!(
        r.body["properties"]["createdate"],
        "2026-01-15T12:00:00.000Z"
    );
    assert_eq!(r.body["archived"], false);
    assert!(r.header("x-hubspot-correlation-id").is_some());

    // defaults only, unknown requested property silently dropped, null for empty
    let r = hs
        .get(&format!("/crm/v3/objects/contacts/{id}?properties=nope"))
        .await;
    assert_eq!(r.status, 200);
    let keys: Vec<&String> = r.body["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "createdate",
            "email",
            "firstname",
            "hs_object_id",
            "lastmodifieddate",
            "lastname"
        ]
    );
    assert_eq!(r.body["properties"]["lastname"], Value::Null);

    hs.advance_ms(1_000);
    let r = hs
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"firstname": "", "city": "Oslo"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["properties"]["firstname"], Value::Null);
    assert_eq!(r.body["updatedAt"], "2026-01-15T12:00:01.000Z");
    assert_eq!(
        r.body["properties"]["lastmodifieddate"],
        "2026-01-15T12:00:01.000Z"
    );

    // an update that changes nothing leaves lastmodifieddate alone
    hs.advance_ms(1_000);
    let r = hs
        .patch(
            &format!("/crm/v3/objects/contacts/{id}"),
            json!({"properties": {"city": "Oslo"}}),
        )
        .await;
    assert_eq!(r.body["updatedAt"], "2026-01-15T12:00:01.000Z");

    // read by idProperty=email (case-insensitive)
    let r = hs
        .get("/crm/v3/objects/contacts/JANE@example.com?idProperty=email&properties=city")
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["id"], id.as_str());
    assert_eq!(r.body["properties"]["city"], "Oslo");
    let r = hs
        .get("/crm/v3/objects/contacts/Oslo?idProperty=city")
        .await;
    assert_eq!(r.status, 400);

    assert_eq!(
        hs.delete(&format!("/crm/v3/objects/contacts/{id}"))
            .await
            .status,
        204
    );
    let r = hs.get(&format!("/crm/v3/objects/contacts/{id}")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["category"], "OBJECT_NOT_FOUND");
    let r = hs
        .get(&format!("/crm/v3/objects/contacts/{id}?archived=true"))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["archived"], true);
    assert!(r.body["archivedAt"].is_string());
    // archiving something absent is still 204
    assert_eq!(
        hs.delete("/crm/v3/objects/contacts/999999").await.status,
        204
    );
    hs.stop().await;
}

#[tokio::test]
async fn archived_records_visible_only_with_archived_true_and_never_in_search() {
    let hs = Hs::start(config()).await;
    let ids_all = hs.seed("companies", 5, |i| kv(&[("name", format!("Co {i}"))]));
    assert_eq!(
        hs.delete(&format!("/crm/v3/objects/companies/{}", ids_all[1]))
            .await
            .status,
        204
    );
    let r = hs
        .post(
            "/crm/v3/objects/companies/batch/archive",
            json!({"inputs": [{"id": ids_all[3]}]}),
        )
        .await;
    assert_eq!(r.status, 204);
    let live = hs.get("/crm/v3/objects/companies").await;
    assert_eq!(
        ids(&live.body),
        vec![ids_all[0].clone(), ids_all[2].clone(), ids_all[4].clone()]
    );
    let arch = hs.get("/crm/v3/objects/companies?archived=true").await;
    assert_eq!(
        ids(&arch.body),
        vec![ids_all[1].clone(), ids_all[3].clone()]
    );
    assert!(arch.body["results"][0]["archived"].as_bool().unwrap());
    let s = hs.post("/crm/v3/objects/companies/search", json!({})).await;
    assert_eq!(s.body["total"], 3);
    // batch read sees archived ones only with ?archived=true
    let body = json!({"inputs": [{"id": ids_all[1]}]});
    let r = hs
        .post("/crm/v3/objects/companies/batch/read", body.clone())
        .await;
    assert_eq!(r.status, 207);
    let r = hs
        .post("/crm/v3/objects/companies/batch/read?archived=true", body)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(ids(&r.body), vec![ids_all[1].clone()]);
    hs.stop().await;
}

#[tokio::test]
async fn list_pages_across_boundaries_with_opaque_cursor() {
    let hs = Hs::start(config()).await;
    let all = hs.seed("contacts", 250, |i| kv(&[("firstname", format!("n{i}"))]));
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &after {
            Some(a) => format!("/crm/v3/objects/contacts?limit=100&after={a}&properties=firstname"),
            None => "/crm/v3/objects/contacts?limit=100&properties=firstname".to_string(),
        };
        let r = hs.get(&path).await;
        assert_eq!(r.status, 200, "{}", r.text);
        pages += 1;
        seen.extend(ids(&r.body));
        match r.body.get("paging") {
            Some(p) => {
                let a = p["next"]["after"].as_str().unwrap().to_string();
                assert!(a.parse::<u64>().is_err(), "cursor should be opaque: {a}");
                after = Some(a);
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);
    // default limit is 10; over 100 is refused; repeated properties accepted
    let r = hs
        .get("/crm/v3/objects/contacts?properties=firstname&properties=city")
        .await;
    assert_eq!(r.body["results"].as_array().unwrap().len(), 10);
    assert!(r.body["results"][0]["properties"].get("city").is_some());
    let r = hs.get("/crm/v3/objects/contacts?limit=101").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["category"], "VALIDATION_ERROR");
    assert_eq!(r.body["status"], "error");
    assert!(r.body["correlationId"].as_str().unwrap().len() == 36);
    let r = hs.get("/crm/v3/objects/contacts?after=%%%").await;
    assert_eq!(r.status, 400);
    hs.stop().await;
}

#[tokio::test]
async fn dated_and_type_id_paths_serve_the_same_data() {
    let hs = Hs::start(config()).await;
    let id = hs
        .create(
            "deals",
            json!({"dealname": "Big", "amount": "100.50", "dealstage": "closedwon"}),
        )
        .await;
    let a = hs.get(&format!("/crm/v3/objects/deals/{id}")).await;
    let b = hs.get(&format!("/crm/objects/2026-03/deals/{id}")).await;
    let c = hs.get(&format!("/crm/v3/objects/0-3/{id}")).await;
    let d = hs.get(&format!("/crm/objects/2026-03/0-3/{id}")).await;
    for r in [&b, &c, &d] {
        assert_eq!(r.status, 200);
        assert_eq!(r.body, a.body);
    }
    assert_eq!(a.body["properties"]["pipeline"], "default");
    let r = hs
        .post(
            "/crm/objects/2026-03/0-53",
            json!({"properties": {"hs_currency": "USD"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["properties"]["hs_invoice_status"], "draft");
    let r = hs.get("/crm/v3/objects/0-99").await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("Unable to infer object type")
    );
    hs.stop().await;
}

#[tokio::test]
async fn property_values_are_validated_per_type() {
    let hs = Hs::start(config()).await;
    let bad = hs
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "x", "nope": "1", "amount": "12,5", "dealstage": "won",
                                  "hs_object_id": "5", "closedate": "yesterday"}}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["category"], "VALIDATION_ERROR");
    let errs = inner_errors(bad.body["message"].as_str().unwrap());
    let codes: Vec<(&str, &str)> = errs
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["error"].as_str().unwrap()))
        .collect();
    for expected in [
        ("nope", "PROPERTY_DOESNT_EXIST"),
        ("amount", "INVALID_NUMBER"),
        ("dealstage", "INVALID_OPTION"),
        ("hs_object_id", "READ_ONLY_VALUE"),
        ("closedate", "INVALID_DATETIME"),
    ] {
        assert!(codes.contains(&expected), "{expected:?} not in {codes:?}");
    }
    assert_eq!(count(&hs, "deals"), 0, "nothing written on a 400");

    // currency validated against the portal, HubSpot's message
    let r = hs
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"deal_currency_code": "BRL"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let e = inner_errors(r.body["message"].as_str().unwrap());
    assert_eq!(e[0]["error"], "INVALID_OPTION");
    assert!(
        e[0]["message"].as_str().unwrap().starts_with(
            "\"BRL\" is not a part of the current effective currency codes for portal"
        )
    );
    // invoices need hs_currency on create
    let r = hs
        .post("/crm/v3/objects/invoices", json!({"properties": {}}))
        .await;
    assert_eq!(r.status, 400);
    assert!(r.body["message"].as_str().unwrap().contains("hs_currency"));
    // contact emails must look like emails
    let r = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "not an email"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        inner_errors(r.body["message"].as_str().unwrap())[0]["error"],
        "INVALID_EMAIL"
    );
    // bools, datetimes in ISO or millis, JSON numbers accepted as strings
    let r = hs
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"dealname": "y", "amount": 42, "closedate": "1767225600000"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["properties"]["amount"], "42");
    assert_eq!(
        r.body["properties"]["closedate"],
        "2026-01-01T00:00:00.000Z"
    );
    hs.stop().await;
}

#[tokio::test]
async fn date_properties_must_be_midnight_and_read_back_as_dates() {
    let hs = Hs::start(config()).await;
    let r = hs
        .post(
            "/crm/v3/objects/invoices",
            json!({"properties": {"hs_currency": "USD", "hs_due_date": "1430453433600"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let e = inner_errors(r.body["message"].as_str().unwrap());
    assert_eq!(e[0]["name"], "hs_due_date");
    assert_eq!(
        e[0]["message"],
        "1430453433600 is at 4:10:33.600 UTC, not midnight!"
    );
    let r = hs
        .post(
            "/crm/v3/objects/invoices",
            json!({"properties": {"hs_currency": "USD", "hs_due_date": "1430438400000", "hs_invoice_date": "2015-04-01"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["properties"]["hs_due_date"], "2015-05-01");
    assert_eq!(r.body["properties"]["hs_invoice_date"], "2015-04-01");
    hs.stop().await;
}

#[tokio::test]
async fn calculated_amounts_follow_line_items() {
    let hs = Hs::start(config()).await;
    let prod = hs
        .create(
            "products",
            json!({"name": "Widget", "price": "10.50", "hs_sku": "W-1"}),
        )
        .await;
    let li = hs
        .create(
            "line_items",
            json!({"hs_product_id": prod, "quantity": "3"}),
        )
        .await;
    let r = hs
        .get(&format!(
            "/crm/v3/objects/line_items/{li}?properties=hs_sku"
        ))
        .await;
    assert_eq!(
        r.body["properties"]["name"], "Widget",
        "copied from the product"
    );
    assert_eq!(r.body["properties"]["hs_sku"], "W-1");
    assert_eq!(r.body["properties"]["amount"], "31.50");
    let r = hs
        .patch(
            &format!("/crm/v3/objects/line_items/{li}"),
            json!({"properties": {"amount": "1"}}),
        )
        .await;
    assert_eq!(r.status, 400, "amount is read-only");
    let r = hs
        .post(
            "/crm/v3/objects/line_items",
            json!({"properties": {"hs_product_id": "424242"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let inv = hs.create("invoices", json!({"hs_currency": "USD"})).await;
    let r = hs
        .put(
            &format!("/crm/v4/objects/invoices/{inv}/associations/default/line_items/{li}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = hs
        .get(&format!(
            "/crm/v3/objects/invoices/{inv}?properties=hs_amount_billed,hs_balance_due"
        ))
        .await;
    assert_eq!(r.body["properties"]["hs_amount_billed"], "31.50");
    assert_eq!(r.body["properties"]["hs_balance_due"], "31.50");
    hs.patch(
        &format!("/crm/v3/objects/invoices/{inv}"),
        json!({"properties": {"hs_invoice_status": "paid"}}),
    )
    .await;
    let r = hs
        .get(&format!(
            "/crm/v3/objects/invoices/{inv}?properties=hs_balance_due"
        ))
        .await;
    assert_eq!(r.body["properties"]["hs_balance_due"], "0");
    hs.stop().await;
}
