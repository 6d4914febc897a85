//! Associations v4 and associations on object reads/creates.

use super::*;

// ---------------------------------------------------------------- associations

#[tokio::test]
async fn associations_v4_both_directions_type_ids_and_batch() {
    let hs = Hs::start(config()).await;
    let contact = hs
        .create("contacts", json!({"email": "c@example.com"}))
        .await;
    let co1 = hs.create("companies", json!({"name": "One"})).await;
    let co2 = hs.create("companies", json!({"name": "Two"})).await;
    let deal = hs.create("deals", json!({"dealname": "D"})).await;

    // labelled PUT (primary) also creates the unlabeled association
    let r = hs
        .put(
            &format!("/crm/v4/objects/contacts/{contact}/associations/companies/{co1}"),
            Some(json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 1}])),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["fromObjectTypeId"], "0-1");
    assert_eq!(r.body["fromObjectId"], contact.parse::<u64>().unwrap());
    assert_eq!(r.body["toObjectTypeId"], "0-2");
    assert_eq!(r.body["labels"], json!(["Primary"]));
    let r = hs
        .put(
            &format!("/crm/v4/objects/contacts/{contact}/associations/default/companies/{co2}"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["results"][0]["associationSpec"]["associationTypeId"],
        279
    );

    let r = hs
        .get(&format!(
            "/crm/v4/objects/contacts/{contact}/associations/companies"
        ))
        .await;
    assert_eq!(r.status, 200);
    let res = r.body["results"].as_array().unwrap();
    assert_eq!(res.len(), 2);
    assert_eq!(
        res[0]["toObjectId"],
        co1.parse::<u64>().unwrap(),
        "ids are JSON numbers"
    );
    assert_eq!(
        res[0]["associationTypes"],
        json!([{"category": "HUBSPOT_DEFINED", "typeId": 1, "label": "Primary"},
               {"category": "HUBSPOT_DEFINED", "typeId": 279, "label": null}])
    );
    // the reverse direction carries the reverse type ids
    let r = hs
        .get(&format!(
            "/crm/v4/objects/companies/{co1}/associations/contacts"
        ))
        .await;
    assert_eq!(
        r.body["results"][0]["associationTypes"],
        json!([{"category": "HUBSPOT_DEFINED", "typeId": 2, "label": "Primary"},
               {"category": "HUBSPOT_DEFINED", "typeId": 280, "label": null}])
    );
    // the dated path is the same data
    let d = hs
        .get(&format!("/crm/objects/2026-03/0-2/{co1}/associations/0-1"))
        .await;
    assert_eq!(d.body, r.body);
    // a type id that belongs to another pair is refused
    let r = hs
        .put(
            &format!("/crm/v4/objects/deals/{deal}/associations/contacts/{contact}"),
            Some(json!([{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}])),
        )
        .await;
    assert_eq!(r.status, 400);

    // batch create deal→contact (3) and read both ways
    let r = hs
        .post(
            "/crm/v4/associations/deals/contacts/batch/create",
            json!({"inputs": [{"from": {"id": deal}, "to": {"id": contact}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]},
                              {"from": {"id": deal}, "to": {"id": "999999"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}]}]}),
        )
        .await;
    assert_eq!(r.status, 207, "{}", r.text);
    assert_eq!(r.body["results"].as_array().unwrap().len(), 1);
    let r = hs
        .post(
            "/crm/v4/associations/contacts/deals/batch/read",
            json!({"inputs": [{"id": contact}, {"id": co1}]}),
        )
        .await;
    assert_eq!(
        r.status, 207,
        "input without associations is an error: {}",
        r.text
    );
    assert_eq!(r.body["results"][0]["from"]["id"], contact.as_str());
    assert_eq!(
        r.body["results"][0]["to"][0]["toObjectId"],
        deal.parse::<u64>().unwrap()
    );
    assert_eq!(
        r.body["results"][0]["to"][0]["associationTypes"][0]["typeId"],
        4
    );
    assert_eq!(
        r.body["errors"][0]["subCategory"],
        "crm.associations.NO_ASSOCIATIONS_FOUND"
    );

    // v3 GET with associations=
    let r = hs
        .get(&format!(
            "/crm/v3/objects/contacts/{contact}?associations=companies,deals"
        ))
        .await;
    let co = r.body["associations"]["companies"]["results"]
        .as_array()
        .unwrap();
    assert!(co.contains(&json!({"id": co1, "type": "contact_to_company"})));
    assert!(co.contains(&json!({"id": co1, "type": "contact_to_company_unlabeled"})));
    assert_eq!(
        r.body["associations"]["deals"]["results"][0],
        json!({"id": deal, "type": "contact_to_deal"})
    );

    // archiving a record hides its associations
    hs.delete(&format!("/crm/v3/objects/companies/{co1}")).await;
    let r = hs
        .get(&format!(
            "/crm/v4/objects/contacts/{contact}/associations/companies"
        ))
        .await;
    assert_eq!(r.body["results"].as_array().unwrap().len(), 1);
    assert_eq!(
        r.body["results"][0]["toObjectId"],
        co2.parse::<u64>().unwrap()
    );

    // batch archive and DELETE remove associations
    let r = hs
        .post(
            "/crm/v4/associations/contacts/companies/batch/archive",
            json!({"inputs": [{"from": {"id": contact}, "to": [{"id": co2}]}]}),
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(
        hs.delete(&format!(
            "/crm/v4/objects/deals/{deal}/associations/contacts/{contact}"
        ))
        .await
        .status,
        204
    );
    let r = hs
        .get(&format!(
            "/crm/v4/objects/contacts/{contact}/associations/deals"
        ))
        .await;
    assert_eq!(r.body["results"], json!([]));
    hs.stop().await;
}

#[tokio::test]
async fn association_labels_and_create_with_associations() {
    let hs = Hs::start(config()).await;
    let r = hs
        .get("/crm/v4/associations/invoices/line_items/labels")
        .await;
    assert_eq!(
        r.body["results"],
        json!([{"category": "HUBSPOT_DEFINED", "typeId": 409, "label": null}])
    );
    let r = hs
        .get("/crm/associations/v4/contacts/companies/labels")
        .await;
    let tids: Vec<u64> = r.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["typeId"].as_u64().unwrap())
        .collect();
    assert_eq!(tids, vec![279, 1]);
    for (from, to, id, rev) in [
        ("deals", "companies", 341, 342),
        ("deals", "line_items", 19, 20),
        ("deals", "quotes", 63, 64),
        ("quotes", "line_items", 67, 68),
        ("quotes", "contacts", 69, 70),
        ("invoices", "deals", 175, 176),
        ("invoices", "contacts", 177, 178),
        ("invoices", "companies", 179, 180),
        ("invoices", "line_items", 409, 410),
    ] {
        let a = hs
            .get(&format!("/crm/associations/2026-03/{from}/{to}/labels"))
            .await;
        let b = hs
            .get(&format!("/crm/v4/associations/{to}/{from}/labels"))
            .await;
        assert_eq!(a.body["results"][0]["typeId"], id, "{from}->{to}");
        assert_eq!(b.body["results"][0]["typeId"], rev, "{to}->{from}");
    }
    assert_eq!(
        hs.get("/crm/v4/associations/products/line_items/labels")
            .await
            .status,
        400
    );

    let c = hs
        .create("contacts", json!({"email": "x@example.com"}))
        .await;
    let r = hs
        .post(
            "/crm/v3/objects/invoices",
            json!({"properties": {"hs_currency": "USD"},
                   "associations": [{"to": {"id": c}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 177}]}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let inv = r.body["id"].as_str().unwrap().to_string();
    let r = hs
        .get(&format!(
            "/crm/v4/objects/contacts/{c}/associations/invoices"
        ))
        .await;
    assert_eq!(
        r.body["results"][0]["toObjectId"],
        inv.parse::<u64>().unwrap()
    );
    assert_eq!(r.body["results"][0]["associationTypes"][0]["typeId"], 178);
    // an association to a missing record fails the create entirely
    let before = count(&hs, "invoices");
    let r = hs
        .post(
            "/crm/v3/objects/invoices",
            json!({"properties": {"hs_currency": "USD"},
                   "associations": [{"to": {"id": "424242"}, "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 177}]}]}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(count(&hs, "invoices"), before);
    hs.stop().await;
}
