//! Properties API and property groups.

use super::*;

// ---------------------------------------------------------------- properties

#[tokio::test]
async fn properties_api_create_conflict_validation_update_archive() {
    let hs = Hs::start(config()).await;
    let r = hs.get("/crm/v3/properties/invoices").await;
    assert_eq!(r.status, 200);
    assert!(r.body.get("paging").is_none());
    let names: Vec<&str> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for n in [
        "hs_currency",
        "hs_invoice_status",
        "hs_due_date",
        "hs_balance_due",
        "hs_lastmodifieddate",
    ] {
        assert!(names.contains(&n), "{n}");
    }
    let cur = hs
        .get("/crm/properties/2026-03/deals/deal_currency_code")
        .await;
    assert_eq!(cur.body["type"], "enumeration");
    assert_eq!(cur.body["options"][0]["value"], "USD");
    let ro = hs.get("/crm/v3/properties/contacts/lastmodifieddate").await;
    assert_eq!(ro.body["modificationMetadata"]["readOnlyValue"], true);
    assert_eq!(ro.body["type"], "datetime");

    let def = json!({"name": "qbo_terms", "label": "Terms", "type": "enumeration", "fieldType": "select",
                     "groupName": "dealinformation",
                     "options": [{"label": "Net 30", "value": "net30", "hidden": false},
                                 {"label": "Net 60", "value": "net60", "hidden": false}]});
    let r = hs.post("/crm/v3/properties/deals", def.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["hubspotDefined"], false);
    assert_eq!(r.body["options"].as_array().unwrap().len(), 2);
    let r = hs.post("/crm/v3/properties/deals", def).await;
    assert_eq!(r.status, 409);
    for (bad, why) in [
        (
            json!({"name": "x1", "label": "X", "type": "enumeration", "fieldType": "select", "groupName": "dealinformation"}),
            "options",
        ),
        (
            json!({"name": "x2", "label": "X", "type": "number", "fieldType": "text", "groupName": "dealinformation"}),
            "pair",
        ),
        (
            json!({"name": "x3", "label": "X", "type": "money", "fieldType": "number", "groupName": "dealinformation"}),
            "type",
        ),
        (
            json!({"name": "x4", "label": "X", "type": "string", "fieldType": "text", "groupName": "nogroup"}),
            "group",
        ),
        (
            json!({"name": "Bad Name", "label": "X", "type": "string", "fieldType": "text", "groupName": "dealinformation"}),
            "name",
        ),
        (
            json!({"label": "X", "type": "string", "fieldType": "text", "groupName": "dealinformation"}),
            "required",
        ),
    ] {
        let r = hs.post("/crm/v3/properties/deals", bad).await;
        assert_eq!(r.status, 400, "{why}: {}", r.text);
    }
    // values are validated against the options
    let r = hs
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"qbo_terms": "net90"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    let r = hs
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"qbo_terms": "net60"}}),
        )
        .await;
    assert_eq!(r.status, 201);
    // update adds an option
    let r = hs
        .patch(
            "/crm/v3/properties/deals/qbo_terms",
            json!({"label": "Payment terms", "options": [{"label": "Net 30", "value": "net30"}, {"label": "Net 60", "value": "net60"}, {"label": "Net 90", "value": "net90"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["label"], "Payment terms");
    assert_eq!(
        hs.post(
            "/crm/v3/objects/deals",
            json!({"properties": {"qbo_terms": "net90"}})
        )
        .await
        .status,
        201
    );
    assert_eq!(
        hs.patch(
            "/crm/v3/properties/deals/qbo_terms",
            json!({"hasUniqueValue": true})
        )
        .await
        .status,
        400
    );
    assert_eq!(
        hs.patch("/crm/v3/properties/deals/dealname", json!({"label": "x"}))
            .await
            .status,
        400
    );
    // archive: HubSpot-defined refuses; custom disappears from list and writes
    assert_eq!(
        hs.delete("/crm/v3/properties/deals/dealname").await.status,
        400
    );
    assert_eq!(
        hs.delete("/crm/v3/properties/deals/qbo_terms").await.status,
        204
    );
    assert_eq!(
        hs.get("/crm/v3/properties/deals/qbo_terms").await.status,
        404
    );
    assert_eq!(
        hs.get("/crm/v3/properties/deals/qbo_terms?archived=true")
            .await
            .status,
        200
    );
    let r = hs
        .post(
            "/crm/v3/objects/deals",
            json!({"properties": {"qbo_terms": "net30"}}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        inner_errors(r.body["message"].as_str().unwrap())[0]["error"],
        "PROPERTY_DOESNT_EXIST"
    );
    hs.stop().await;
}

#[tokio::test]
async fn property_groups_list_create_read() {
    let hs = Hs::start(config()).await;
    let r = hs
        .post(
            "/crm/v3/properties/deals/groups",
            json!({"name": "qbo_sync", "label": "QuickBooks sync", "displayOrder": -1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body,
        json!({"name": "qbo_sync", "label": "QuickBooks sync", "displayOrder": -1, "archived": false})
    );
    assert_eq!(
        hs.post(
            "/crm/v3/properties/deals/groups",
            json!({"name": "qbo_sync", "label": "again"})
        )
        .await
        .status,
        409
    );
    let r = hs.get("/crm/v3/properties/deals/groups").await;
    let names: Vec<&str> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"qbo_sync") && names.contains(&"dealinformation"));
    assert_eq!(
        hs.get("/crm/v3/properties/deals/groups/qbo_sync")
            .await
            .body["label"],
        "QuickBooks sync"
    );
    assert_eq!(
        hs.get("/crm/v3/properties/deals/groups/nope").await.status,
        404
    );
    let r = hs
        .post(
            "/crm/v3/properties/deals",
            json!({"name": "qbo_invoice_number", "label": "Invoice number", "type": "string", "fieldType": "text", "groupName": "qbo_sync"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    hs.stop().await;
}
