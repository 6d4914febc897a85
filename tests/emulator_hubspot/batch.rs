//! Batch endpoints, 207 multi-status, upsert, unique values on every write path.

use super::*;

// ---------------------------------------------------------------- batch

#[tokio::test]
async fn batch_limits_create_201_and_207_per_input_errors() {
    let hs = Hs::start(config()).await;
    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"properties": {"name": format!("p{i}")}}))
        .collect();
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/create",
            json!({"inputs": too_many}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["category"], "VALIDATION_ERROR");
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/read",
            json!({"inputs": (0..101).map(|i| json!({"id": i.to_string()})).collect::<Vec<_>>()}),
        )
        .await;
    assert_eq!(r.status, 400);

    let inputs: Vec<Value> = (0..100)
        .map(|i| json!({"properties": {"name": format!("p{i}"), "price": "1"}}))
        .collect();
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/create",
            json!({"inputs": inputs}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["status"], "COMPLETE");
    assert_eq!(r.body["results"].as_array().unwrap().len(), 100);
    assert!(r.body.get("errors").is_none());
    let created = ids(&r.body);

    // batch read with unknown ids → 207, one OBJECT_NOT_FOUND listing them
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/read",
            json!({"inputs": [{"id": created[0]}, {"id": "999999"}, {"id": "888888"}], "properties": ["price"]}),
        )
        .await;
    assert_eq!(r.status, 207);
    assert_eq!(r.body["numErrors"], 1);
    let e = &r.body["errors"][0];
    assert_eq!(e["status"], "error");
    assert_eq!(e["category"], "OBJECT_NOT_FOUND");
    assert_eq!(e["context"]["ids"], json!(["999999", "888888"]));
    assert!(e["errors"].is_array() && e["links"].is_object());
    assert_eq!(r.body["results"][0]["properties"]["price"], "1");

    // batch update: unknown id and an invalid value → 207, the rest applied
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/update",
            json!({"inputs": [
                {"id": created[0], "properties": {"price": "2"}},
                {"id": "999999", "properties": {"price": "3"}},
                {"id": created[1], "properties": {"price": "cheap"}}
            ]}),
        )
        .await;
    assert_eq!(r.status, 207, "{}", r.text);
    assert_eq!(r.body["numErrors"], 2);
    assert_eq!(ids(&r.body), vec![created[0].clone()]);
    let cats: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["category"].as_str().unwrap())
        .collect();
    assert!(cats.contains(&"VALIDATION_ERROR") && cats.contains(&"OBJECT_NOT_FOUND"));
    // duplicate ids in one batch update → 400
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/update",
            json!({"inputs": [{"id": created[0], "properties": {}}, {"id": created[0], "properties": {}}]}),
        )
        .await;
    assert_eq!(r.status, 400);
    hs.stop().await;
}

#[tokio::test]
async fn upsert_by_unique_property_reports_new_flags() {
    let hs = Hs::start(config()).await;
    let existing = hs
        .create(
            "contacts",
            json!({"email": "a@example.com", "firstname": "A"}),
        )
        .await;
    let r = hs
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [
                {"id": "A@example.com", "idProperty": "email", "properties": {"firstname": "Ann"}},
                {"id": "b@example.com", "idProperty": "email", "properties": {"firstname": "Bob"}}
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let res = r.body["results"].as_array().unwrap();
    assert_eq!(res[0]["id"], existing.as_str());
    assert_eq!(res[0]["new"], false);
    assert_eq!(res[0]["properties"]["firstname"], "Ann");
    assert_eq!(res[1]["new"], true);
    assert_eq!(res[1]["properties"]["email"], "b@example.com");
    // again: nothing new
    let r = hs
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [{"id": "b@example.com", "idProperty": "email", "properties": {"lastname": "B"}}]}),
        )
        .await;
    assert_eq!(r.body["results"][0]["new"], false);
    assert_eq!(count(&hs, "contacts"), 2);
    // idProperty must be a unique property
    let r = hs
        .post(
            "/crm/v3/objects/contacts/batch/upsert",
            json!({"inputs": [{"id": "x", "idProperty": "firstname", "properties": {}}]}),
        )
        .await;
    assert_eq!(r.status, 207);
    assert_eq!(r.body["errors"][0]["category"], "VALIDATION_ERROR");
    hs.stop().await;
}

#[tokio::test]
async fn contact_email_duplicate_is_a_409_naming_the_existing_id() {
    let hs = Hs::start(config()).await;
    let id = hs
        .create("contacts", json!({"email": "jane@example.com"}))
        .await;
    let r = hs
        .post(
            "/crm/v3/objects/contacts",
            json!({"properties": {"email": "Jane@Example.com"}}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["status"], "error");
    assert_eq!(r.body["category"], "CONFLICT");
    assert_eq!(
        r.body["message"],
        format!("Contact already exists. Existing ID: {id}")
    );
    assert!(r.body["correlationId"].is_string());
    // after archiving, the email is free again
    hs.delete(&format!("/crm/v3/objects/contacts/{id}")).await;
    hs.create("contacts", json!({"email": "jane@example.com"}))
        .await;
    hs.stop().await;
}

#[tokio::test]
async fn unique_values_are_enforced_on_every_write_path() {
    let hs = Hs::start(config()).await;
    let r = hs
        .post(
            "/crm/v3/properties/products",
            json!({"name": "qbo_item_id", "label": "QBO item id", "type": "string", "fieldType": "text",
                   "groupName": "productinformation", "hasUniqueValue": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["hasUniqueValue"], true);
    let a = hs
        .create("products", json!({"name": "A", "qbo_item_id": "1"}))
        .await;
    let b = hs
        .create("products", json!({"name": "B", "qbo_item_id": "2"}))
        .await;

    // single create
    let r = hs
        .post(
            "/crm/v3/objects/products",
            json!({"properties": {"qbo_item_id": "1"}}),
        )
        .await;
    assert_eq!(r.status, 409);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .ends_with(&format!("Existing ID: {a}"))
    );
    // single update
    let r = hs
        .patch(
            &format!("/crm/v3/objects/products/{b}"),
            json!({"properties": {"qbo_item_id": "1"}}),
        )
        .await;
    assert_eq!(r.status, 409);
    // updating a record to its own value is fine
    let r = hs
        .patch(
            &format!("/crm/v3/objects/products/{a}"),
            json!({"properties": {"qbo_item_id": "1"}}),
        )
        .await;
    assert_eq!(r.status, 200);
    // batch create: against existing and within the batch
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/create",
            json!({"inputs": [
                {"properties": {"qbo_item_id": "2"}, "objectWriteTraceId": "t1"},
                {"properties": {"qbo_item_id": "3"}, "objectWriteTraceId": "t2"},
                {"properties": {"qbo_item_id": "3"}, "objectWriteTraceId": "t3"}
            ]}),
        )
        .await;
    assert_eq!(r.status, 207, "{}", r.text);
    assert_eq!(r.body["numErrors"], 2);
    assert_eq!(r.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["results"][0]["objectWriteTraceId"], "t2");
    let traces: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(e["category"], "CONFLICT");
            e["objectWriteTraceId"].as_str().unwrap()
        })
        .collect();
    assert_eq!(traces, ["t1", "t3"]);
    // batch update
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/update",
            json!({"inputs": [{"id": b, "properties": {"qbo_item_id": "1"}}]}),
        )
        .await;
    assert_eq!(r.status, 207);
    assert_eq!(r.body["errors"][0]["category"], "CONFLICT");
    // batch upsert: by the unique property itself (updates), and setting another's value
    let r = hs
        .post(
            "/crm/v3/objects/products/batch/upsert",
            json!({"inputs": [
                {"id": "2", "idProperty": "qbo_item_id", "properties": {"name": "B2"}},
                {"id": b, "properties": {"qbo_item_id": "1"}}
            ]}),
        )
        .await;
    assert_eq!(r.status, 207, "{}", r.text);
    assert_eq!(r.body["results"][0]["new"], false);
    assert_eq!(r.body["results"][0]["id"], b.as_str());
    assert_eq!(r.body["errors"][0]["category"], "CONFLICT");
    // read by the unique property
    let r = hs
        .get("/crm/v3/objects/products/2?idProperty=qbo_item_id&properties=name")
        .await;
    assert_eq!(r.body["properties"]["name"], "B2");
    // and in-process writes too
    let err = hs
        .emu
        .shared()
        .hubspot
        .lock()
        .unwrap()
        .insert_record("products", [("qbo_item_id", "1")], crate::hs_harness::t0())
        .unwrap_err();
    assert_eq!(err.status, 409);
    hs.stop().await;
}
