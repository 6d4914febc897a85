//! Behaviour tests of the emulated QuickBooks Online API, over real HTTP with a
//! raw `reqwest` client and `serde_json::Value`.

#[path = "common/qbo_harness.rs"]
mod qbo_harness;

use chrono::Duration;
use qbo_harness::*;
use serde_json::{Value, json};

fn ids(r: &Resp, kind: &str) -> Vec<String> {
    r.json["QueryResponse"][kind]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["Id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn names(r: &Resp, kind: &str) -> Vec<String> {
    r.json["QueryResponse"][kind]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| c["DisplayName"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn n(q: &Qbo, statement: &str) -> Vec<String> {
    names(&q.query(statement).await, "Customer")
}

async fn customer(q: &Qbo, name: &str) -> Value {
    q.create("customer", json!({"DisplayName": name})).await
}

async fn service_item(q: &Qbo, name: &str, price: &str) -> Value {
    let body: Value = serde_json::from_str(&format!(
        r#"{{"Name":"{name}","Type":"Service","UnitPrice":{price},"IncomeAccountRef":{{"value":"1"}}}}"#
    ))
    .unwrap();
    q.create("item", body).await
}

async fn invoice(q: &Qbo, customer_id: &str, item_id: &str, amount: &str) -> Value {
    let body: Value = serde_json::from_str(&format!(
        r#"{{"CustomerRef":{{"value":"{customer_id}"}},"Line":[{{"Amount":{amount},"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"{item_id}"}}}}}}]}}"#
    ))
    .unwrap();
    q.create("invoice", body).await
}

// ---------------------------------------------------------------- query grammar

#[tokio::test]
async fn query_operators_compare_strings_numbers_booleans_and_times() {
    let q = Qbo::default().await;
    for (name, bal) in [
        ("Alpha", "10"),
        ("Bravo", "20.50"),
        ("Charlie", "30"),
        ("Delta", "0"),
    ] {
        let body: Value =
            serde_json::from_str(&format!(r#"{{"DisplayName":"{name}","Balance":{bal}}}"#))
                .unwrap();
        q.create("customer", body).await;
        q.advance(Duration::minutes(1));
    }
    assert_eq!(
        n(&q, "SELECT * FROM Customer WHERE DisplayName = 'Bravo'").await,
        ["Bravo"]
    );
    assert_eq!(
        n(&q, "SELECT * FROM Customer WHERE DisplayName = 'bravo'").await,
        ["Bravo"],
        "string equality ignores case"
    );
    assert_eq!(
        n(&q, "SELECT * FROM Customer WHERE Balance > '10.00'").await,
        ["Bravo", "Charlie"]
    );
    assert_eq!(
        n(&q, "SELECT * FROM Customer WHERE Balance >= 10").await,
        ["Alpha", "Bravo", "Charlie"]
    );
    assert_eq!(
        n(&q, "SELECT * FROM Customer WHERE Balance < 20.5").await,
        ["Alpha", "Delta"]
    );
    assert_eq!(
        n(&q, "SELECT * FROM Customer WHERE Balance <= 20.5").await,
        ["Alpha", "Bravo", "Delta"]
    );
    assert_eq!(
        n(
            &q,
            "SELECT * FROM Customer WHERE DisplayName IN ('Alpha', 'Delta', 'Zulu')"
        )
        .await,
        ["Alpha", "Delta"]
    );
    assert_eq!(
        n(
            &q,
            "SELECT * FROM Customer WHERE DisplayName LIKE '%a%' AND Balance > '0'"
        )
        .await,
        ["Alpha", "Bravo", "Charlie"]
    );
    assert_eq!(
        n(&q, "SELECT * FROM Customer WHERE DisplayName LIKE 'ch%'").await,
        ["Charlie"]
    );
    assert_eq!(
        n(
            &q,
            "SELECT * FROM Customer WHERE Active = true AND Balance = '0'"
        )
        .await,
        ["Delta"]
    );
    // Times: created one minute apart from 10:00 -07:00.
    assert_eq!(
        n(
            &q,
            "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '2026-03-02T10:02:00-07:00'"
        )
        .await,
        ["Charlie", "Delta"]
    );
    assert_eq!(
        n(
            &q,
            "SELECT * FROM Customer WHERE MetaData.CreateTime < '2026-03-02T17:01:00Z'"
        )
        .await,
        ["Alpha"]
    );
    assert_eq!(
        n(
            &q,
            "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2026-03-02'"
        )
        .await
        .len(),
        4
    );
    assert!(
        n(
            &q,
            "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2026-03-03'"
        )
        .await
        .is_empty()
    );
    // Keywords are case-insensitive.
    assert_eq!(n(&q, "select * from Customer where displayname = 'Alpha' orderby DisplayName asc maxresults 5").await, ["Alpha"]);
}

#[tokio::test]
async fn query_strings_use_backslash_escapes_and_keep_unicode() {
    let q = Qbo::default().await;
    for name in [
        "Amy's Bird Sanctuary",
        "Back\\slash Ltd",
        "Zoë & Søn – 東京 🚀",
    ] {
        customer(&q, name).await;
    }
    let r = q
        .query("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'")
        .await;
    assert_eq!(names(&r, "Customer"), ["Amy's Bird Sanctuary"]);
    let r = q
        .query("SELECT * FROM Customer WHERE DisplayName = 'Back\\\\slash Ltd'")
        .await;
    assert_eq!(names(&r, "Customer"), ["Back\\slash Ltd"]);
    let r = q
        .query("SELECT * FROM Customer WHERE DisplayName = 'Zoë & Søn – 東京 🚀'")
        .await;
    assert_eq!(names(&r, "Customer"), ["Zoë & Søn – 東京 🚀"]);
    // An unescaped quote ends the string early: the rest is a syntax error.
    let r = q
        .query("SELECT * FROM Customer WHERE DisplayName = 'Amy's Bird Sanctuary'")
        .await;
    assert_eq!((r.status, r.code()), (400, Some("4001")));
}

#[tokio::test]
async fn query_paging_orderby_and_count() {
    let q = Qbo::default().await;
    q.emu
        .shared()
        .quickbooks
        .lock()
        .unwrap()
        .clear(&q.realm, "Vendor")
        .unwrap();
    let mut expected = Vec::new();
    for i in 0..23 {
        let name = format!("Vendor {i:02}");
        q.create("vendor", json!({"DisplayName": name})).await;
        expected.push(name);
    }
    let mut seen = Vec::new();
    let mut start = 1;
    loop {
        let r = q
            .query(&format!(
                "SELECT * FROM Vendor ORDERBY DisplayName DESC STARTPOSITION {start} MAXRESULTS 5"
            ))
            .await;
        assert_eq!(r.status, 200);
        let page = names(&r, "Vendor");
        if page.is_empty() {
            assert_eq!(
                r.text.split("\"time\"").next().unwrap(),
                "{\"QueryResponse\":{},",
                "empty page shape"
            );
            break;
        }
        assert_eq!(r.json["QueryResponse"]["startPosition"], json!(start));
        assert_eq!(r.json["QueryResponse"]["maxResults"], json!(page.len()));
        seen.extend(page);
        start += 5;
    }
    expected.reverse();
    assert_eq!(seen, expected);
    let r = q
        .query("SELECT COUNT(*) FROM Vendor WHERE DisplayName LIKE 'Vendor 1%'")
        .await;
    assert_eq!(r.json["QueryResponse"], json!({"totalCount": 10}));
    let r = q
        .query("SELECT count(*) FROM Vendor STARTPOSITION 5 MAXRESULTS 2")
        .await;
    assert_eq!(
        r.json["QueryResponse"],
        json!({"totalCount": 23}),
        "COUNT ignores paging"
    );
    // Several ORDERBY keys and ORDER BY spelling; default page size is 100.
    let r = q
        .query("SELECT * FROM Vendor ORDER BY Active DESC, DisplayName")
        .await;
    assert_eq!(names(&r, "Vendor")[0], "Vendor 00");
    let r = q
        .query("SELECT * FROM Vendor ORDERBY Id DESC MAXRESULTS 1")
        .await;
    assert_eq!(names(&r, "Vendor"), ["Vendor 22"]);
    let r = q
        .query("SELECT * FROM Vendor ORDERBY MetaData.LastUpdatedTime DESC MAXRESULTS 1")
        .await;
    assert_eq!(names(&r, "Vendor"), ["Vendor 22"]);
}

#[tokio::test]
async fn bad_queries_are_4001() {
    let q = Qbo::default().await;
    let cases = [
        (
            "SELECT * FROM Custmoer",
            Some("QueryValidationError: invalid context declaration: Custmoer"),
        ),
        (
            "SELECT * FROM customer",
            Some("QueryValidationError: invalid context declaration: customer"),
        ),
        (
            "SELECT * FROM Customer WHERE Active = true OR DisplayName = 'x'",
            None,
        ),
        ("SELECT * FROM Customer WHERE Notes = 'x'", None),
        ("SELECT * FROM Customer WHERE Shoe = 'x'", None),
        ("SELECT * FROM Customer ORDERBY Notes", None),
        (
            "SELECT * FROM Customer MAXRESULTS 0",
            Some("QueryValidationError: value 0 is too small. Min allowed value is 1"),
        ),
        ("SELECT * FROM Customer MAXRESULTS 1001", None),
        ("SELECT * FROM Customer STARTPOSITION 0", None),
        (
            "SELECT * FROM Customer WHERE DisplayName = 'unterminated",
            None,
        ),
        ("SELECT DisplayName FROM Customer", None),
        ("DELETE FROM Customer", None),
        ("", None),
    ];
    for (stmt, detail) in cases {
        let r = q.query(stmt).await;
        assert_eq!(
            (r.status, r.code()),
            (400, Some("4001")),
            "{stmt}: {}",
            r.text
        );
        assert_eq!(r.json["Fault"]["Error"][0]["Message"], "Invalid query");
        assert_eq!(r.json["Fault"]["type"], "ValidationFault");
        if let Some(d) = detail {
            assert_eq!(r.json["Fault"]["Error"][0]["Detail"], d);
        }
    }
    let r = q.query("SELECT * FROM Customer MAXRESULTS 1000").await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn query_by_post_with_application_text() {
    let q = Qbo::default().await;
    customer(&q, "Posted").await;
    let r = q
        .client
        .post(q.url("/query?minorversion=75"))
        .bearer_auth(&q.token)
        .header("Accept", "application/json")
        .header("Content-Type", "application/text")
        .body("SELECT * FROM Customer WHERE DisplayName = 'Posted'")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["QueryResponse"]["Customer"][0]["DisplayName"], "Posted");
}

#[tokio::test]
async fn name_lists_hide_inactive_rows_unless_the_query_states_active() {
    let q = Qbo::default().await;
    let a = customer(&q, "Keeper").await;
    let b = customer(&q, "Leaver").await;
    let r = q
        .post(
            "/customer",
            &json!({"Id": b["Id"], "SyncToken": "0", "sparse": true, "Active": false}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        names(&q.query("SELECT * FROM Customer").await, "Customer"),
        ["Keeper"]
    );
    assert_eq!(
        q.query("SELECT COUNT(*) FROM Customer").await.json["QueryResponse"]["totalCount"],
        json!(1)
    );
    assert_eq!(
        names(
            &q.query("SELECT * FROM Customer WHERE Active = false").await,
            "Customer"
        ),
        ["Leaver (deleted)"]
    );
    assert_eq!(
        names(
            &q.query("SELECT * FROM Customer WHERE Active IN (true, false)")
                .await,
            "Customer"
        ),
        ["Keeper", "Leaver (deleted)"]
    );
    // By Id the inactive row is still reachable only with an Active condition.
    let by_id = format!(
        "SELECT * FROM Customer WHERE Id IN ('{}', '{}')",
        a["Id"].as_str().unwrap(),
        b["Id"].as_str().unwrap()
    );
    assert_eq!(ids(&q.query(&by_id).await, "Customer").len(), 1);
    // Transactions and tax codes are not name lists: no implicit Active filter there.
    let r = q.query("SELECT * FROM Item").await;
    assert_eq!(r.json["QueryResponse"]["Item"][0]["Name"], "Services");
}

// ---------------------------------------------------------------- create defaults

#[tokio::test]
async fn customer_create_fills_recorded_defaults() {
    let q = Qbo::default().await;
    let c = customer(&q, "Doe5, Jane").await;
    let keys: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "Taxable",
            "Job",
            "BillWithParent",
            "Balance",
            "BalanceWithJobs",
            "CurrencyRef",
            "PreferredDeliveryMethod",
            "domain",
            "sparse",
            "Id",
            "SyncToken",
            "MetaData",
            "FullyQualifiedName",
            "DisplayName",
            "PrintOnCheckName",
            "Active",
            "DefaultTaxCodeRef"
        ]
    );
    assert_eq!(
        c["CurrencyRef"],
        json!({"value": "USD", "name": "United States Dollar"})
    );
    assert_eq!(c["MetaData"]["CreateTime"], "2026-03-02T10:00:00-07:00");
    assert_eq!(c["SyncToken"], "0");
    // Generated DisplayName, PrintOnCheckName from CompanyName, sub-customers.
    let g = q
        .create("customer", json!({"Title": "Dr.", "GivenName": "Ada", "FamilyName": "Lovelace", "CompanyName": "Engines Ltd"}))
        .await;
    assert_eq!(g["DisplayName"], "Dr. Ada Lovelace");
    assert_eq!(g["PrintOnCheckName"], "Engines Ltd");
    let job = q
        .create("customer", json!({"DisplayName": "Project X", "ParentRef": {"value": g["Id"]}, "BillAddr": {"Line1": "1 Main St", "City": "Town"}}))
        .await;
    assert_eq!(job["FullyQualifiedName"], "Dr. Ada Lovelace:Project X");
    assert_eq!(
        (job["Job"].clone(), job["Level"].clone()),
        (json!(true), json!(1))
    );
    assert!(
        job["BillAddr"]["Id"].as_str().is_some(),
        "addresses get an Id"
    );
    // Opening balance on create.
    let o: Value = serde_json::from_str(r#"{"DisplayName":"Owes","Balance":12.5}"#).unwrap();
    let o = q.create("customer", o).await;
    assert_eq!(
        (o["Balance"].to_string(), o["BalanceWithJobs"].to_string()),
        ("12.50".into(), "12.50".into())
    );
}

#[tokio::test]
async fn invoice_create_fills_recorded_defaults() {
    let q = Qbo::default().await;
    let c = q
        .create("customer", json!({"DisplayName": "Billy", "BillAddr": {"Line1": "4581 Finch St.", "City": "Bayshore"}}))
        .await;
    let cid = c["Id"].as_str().unwrap();
    let item = service_item(&q, "Design", "75").await;
    let body: Value = serde_json::from_str(&format!(
        r#"{{"CustomerRef":{{"value":"{cid}"}},"Line":[{{"Description":"Custom Design","Amount":337.5,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"{}"}},"UnitPrice":75,"Qty":4.5}}}},{{"Amount":100.0,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"1"}}}}}}]}}"#,
        item["Id"].as_str().unwrap()
    ))
    .unwrap();
    let r = q.post("/invoice", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let inv = &r.json["Invoice"];
    let text = &r.text;
    assert!(
        text.contains(r#""Amount":337.50,"DetailType":"SalesItemLineDetail""#),
        "{text}"
    );
    assert!(
        text.contains(r#""UnitPrice":75,"Qty":4.5,"TaxCodeRef":{"value":"NON"}"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"{"Amount":437.50,"DetailType":"SubTotalLineDetail","SubTotalLineDetail":{}}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#""TxnTaxDetail":{"TotalTax":0}"#), "{text}");
    assert!(
        text.contains(r#""TotalAmt":437.50"#) && text.contains(r#""Balance":437.50"#),
        "{text}"
    );
    assert_eq!(inv["DocNumber"], "1001");
    assert_eq!(inv["TxnDate"], "2026-03-02");
    assert_eq!(inv["DueDate"], "2026-04-01", "30 days without terms");
    assert_eq!(inv["Line"][0]["Id"], "1");
    assert_eq!(inv["Line"][1]["LineNum"], json!(2));
    assert_eq!(
        inv["Line"][0]["SalesItemLineDetail"]["ItemRef"],
        json!({"value": item["Id"], "name": "Design"})
    );
    assert_eq!(inv["CustomerRef"], json!({"value": cid, "name": "Billy"}));
    assert_eq!(
        inv["BillAddr"], c["BillAddr"],
        "billing address copied from the customer"
    );
    assert_eq!(inv["EmailStatus"], "NotSet");
    assert_eq!(inv["PrintStatus"], "NeedToPrint");
    assert_eq!(inv["LinkedTxn"], json!([]));
    assert_eq!(
        inv["CurrencyRef"],
        json!({"value": "USD", "name": "United States Dollar"})
    );
    let keys: Vec<&str> = inv
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        &keys[..5],
        [
            "AllowIPNPayment",
            "AllowOnlinePayment",
            "AllowOnlineCreditCardPayment",
            "AllowOnlineACHPayment",
            "domain"
        ]
    );
    // The next invoice gets the next number; terms drive the due date.
    let second = q
        .create("invoice", json!({"CustomerRef": {"value": cid}, "SalesTermRef": {"value": "2"},
            "Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}))
        .await;
    assert_eq!(
        (second["DocNumber"].as_str(), second["DueDate"].as_str()),
        (Some("1002"), Some("2026-03-17"))
    );
    // The customer's balance follows its open invoices.
    let c = q.get(&format!("/customer/{cid}")).await;
    assert_eq!(c.json["Customer"]["Balance"].to_string(), "442.50");
}

#[tokio::test]
async fn invoice_validation_errors() {
    let q = Qbo::default().await;
    let c = customer(&q, "Val").await;
    let cid = c["Id"].as_str().unwrap().to_string();
    let line = json!({"Amount": 10, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}});
    let cases = vec![
        (json!({"CustomerRef": {"value": cid}}), "2020", "Line"),
        (json!({"Line": [line]}), "2020", "CustomerRef"),
        (
            json!({"CustomerRef": {"value": "999"}, "Line": [line]}),
            "2500",
            "CustomerRef",
        ),
        (
            json!({"CustomerRef": {"value": cid}, "Line": [{"Amount": 10, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "77"}}}]}),
            "2500",
            "ItemRef",
        ),
        (
            json!({"CustomerRef": {"value": cid}, "Line": [{"Amount": 10.01, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "UnitPrice": 2.5, "Qty": 4}}]}),
            "6070",
            "Line.Amount",
        ),
        (
            json!({"CustomerRef": {"value": cid}, "SalesTermRef": {"value": "99"}, "Line": [line]}),
            "2500",
            "SalesTermRef",
        ),
        (
            json!({"CustomerRef": {"value": cid}, "DocNumber": "1234567890123456789012", "Line": [line]}),
            "2050",
            "DocNumber",
        ),
        (
            json!({"CustomerRef": {"value": cid}, "Line": [line], "Color": "red"}),
            "2010",
            "",
        ),
    ];
    for (body, code, element) in cases {
        let r = q.post("/invoice", &body).await;
        assert_eq!(
            (r.status, r.code()),
            (400, Some(code)),
            "{body}: {}",
            r.text
        );
        assert_eq!(
            r.json["Fault"]["Error"][0]["element"], element,
            "{}",
            r.text
        );
    }
    // Absurd numbers are refused, never overflow.
    let huge: Value = serde_json::from_str(&format!(
        r#"{{"CustomerRef":{{"value":"{cid}"}},"Line":[{{"Amount":1e20,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"1"}}}}}}]}}"#
    ))
    .unwrap();
    assert_eq!(q.post("/invoice", &huge).await.code(), Some("2010"));
    let product: Value = serde_json::from_str(&format!(
        r#"{{"CustomerRef":{{"value":"{cid}"}},"Line":[{{"Amount":1,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{{"ItemRef":{{"value":"1"}},"UnitPrice":999999999999999,"Qty":999999999999999}}}}]}}"#
    ))
    .unwrap();
    assert_eq!(q.post("/invoice", &product).await.code(), Some("6070"));
    // UnitPrice × Qty rounded to cents is accepted.
    let ok = q
        .post("/invoice", &json!({"CustomerRef": {"value": cid}, "Line": [{"Amount": 3.33, "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "UnitPrice": 1.111, "Qty": 3}}]}))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    // An inactive customer cannot be invoiced.
    q.post(
        "/customer",
        &json!({"Id": cid, "SyncToken": "0", "sparse": true, "Active": false}),
    )
    .await;
    let r = q
        .post(
            "/invoice",
            &json!({"CustomerRef": {"value": cid}, "Line": [line]}),
        )
        .await;
    assert_eq!(r.code(), Some("610"));
}

#[tokio::test]
async fn custom_transaction_numbers_and_duplicate_doc_numbers() {
    let q = Qbo::default().await;
    let c = customer(&q, "Numbers").await;
    let line = json!({"Amount": 1, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}});
    let prefs = q.get("/preferences").await;
    assert_eq!(
        prefs.json["Preferences"]["SalesFormsPrefs"]["CustomTxnNumbers"],
        json!(false)
    );
    let r = q
        .post("/preferences", &json!({"Id": "1", "SyncToken": "0", "sparse": true, "SalesFormsPrefs": {"CustomTxnNumbers": true}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["Preferences"]["SyncToken"], "1");
    let inv = q
        .create(
            "invoice",
            json!({"CustomerRef": {"value": c["Id"]}, "Line": [line]}),
        )
        .await;
    assert!(
        inv.get("DocNumber").is_none(),
        "no auto-numbering with custom transaction numbers"
    );
    q.create(
        "invoice",
        json!({"CustomerRef": {"value": c["Id"]}, "DocNumber": "A-1", "Line": [line]}),
    )
    .await;
    let dup = q
        .post(
            "/invoice",
            &json!({"CustomerRef": {"value": c["Id"]}, "DocNumber": "A-1", "Line": [line]}),
        )
        .await;
    assert_eq!(dup.code(), Some("6140"));
    // Home currency and multicurrency cannot be switched back through the API.
    let r = q
        .post("/preferences", &json!({"SyncToken": "1", "sparse": true, "CurrencyPrefs": {"HomeCurrency": {"value": "EUR"}}}))
        .await;
    assert_eq!(r.code(), Some("6000"));
}

// ---------------------------------------------------------------- updates

#[tokio::test]
async fn sparse_and_full_updates() {
    let q = Qbo::default().await;
    let c = q
        .create("customer", json!({"DisplayName": "Upd", "CompanyName": "Upd Co", "PrimaryEmailAddr": {"Address": "a@b.co"}}))
        .await;
    let id = c["Id"].as_str().unwrap();
    q.advance(Duration::seconds(5));
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "0", "sparse": true, "GivenName": "Mark"}),
        )
        .await;
    let s = &r.json["Customer"];
    assert_eq!(
        (
            s["SyncToken"].as_str(),
            s["GivenName"].as_str(),
            s["CompanyName"].as_str()
        ),
        (Some("1"), Some("Mark"), Some("Upd Co"))
    );
    assert_eq!(s["sparse"], json!(false));
    assert_eq!(
        s["MetaData"]["LastUpdatedTime"],
        "2026-03-02T10:00:05-07:00"
    );
    assert_eq!(s["MetaData"]["CreateTime"], "2026-03-02T10:00:00-07:00");

    // A no-op sparse update keeps SyncToken and LastUpdatedTime.
    q.advance(Duration::seconds(5));
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "1", "sparse": true, "GivenName": "Mark"}),
        )
        .await;
    assert_eq!(r.json["Customer"]["SyncToken"], "1");
    assert_eq!(
        r.json["Customer"]["MetaData"]["LastUpdatedTime"],
        "2026-03-02T10:00:05-07:00"
    );

    // Stale SyncToken.
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "0", "sparse": true, "GivenName": "Late"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (400, Some("5010")));
    assert!(
        r.json["Fault"]["Error"][0]["Detail"]
            .as_str()
            .unwrap()
            .starts_with("Stale Object Error : You and ")
    );

    // A full update nulls the writable fields it omits.
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "1", "DisplayName": "Upd"}),
        )
        .await;
    let f = &r.json["Customer"];
    assert_eq!(f["SyncToken"], "2");
    assert!(
        f.get("CompanyName").is_none()
            && f.get("PrimaryEmailAddr").is_none()
            && f.get("GivenName").is_none(),
        "{f}"
    );
    assert_eq!(f["PrintOnCheckName"], "Upd");
    assert_eq!(f["Active"], json!(true));

    // Unknown Id, non-numeric Id, missing SyncToken.
    let r = q
        .post(
            "/customer",
            &json!({"Id": "4242", "SyncToken": "0", "sparse": true}),
        )
        .await;
    assert_eq!(r.code(), Some("610"));
    let r = q
        .post(
            "/customer",
            &json!({"Id": "x1", "SyncToken": "0", "sparse": true}),
        )
        .await;
    assert_eq!(r.code(), Some("2030"));
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "sparse": true, "Notes": "n"}),
        )
        .await;
    assert_eq!(r.code(), Some("2020"));
}

#[tokio::test]
async fn unknown_properties_and_length_limits() {
    let q = Qbo::default().await;
    let r = q
        .post("/customer", &json!({"DisplayName": "P", "Nickname": "x"}))
        .await;
    assert_eq!((r.status, r.code()), (400, Some("2010")));
    let detail = r.json["Fault"]["Error"][0]["Detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Property Name:Unrecognized field \"Nickname\""),
        "{detail}"
    );
    assert!(
        detail.contains("\"DisplayName\"")
            && detail.ends_with("specified is unsupported or invalid"),
        "{detail}"
    );
    let r = q
        .post(
            "/customer",
            &json!({"DisplayName": "P", "BillAddr": {"Street": "x"}}),
        )
        .await;
    assert_eq!(r.code(), Some("2010"));
    let r = q
        .post_url(&q.url("/customer"), &Value::String("not an object".into()))
        .await;
    assert_eq!(r.code(), Some("2010"));

    let long = |n: usize| "x".repeat(n);
    let cases = vec![
        ("customer", json!({"DisplayName": long(501)}), "DisplayName"),
        (
            "customer",
            json!({"DisplayName": "a", "GivenName": long(101)}),
            "GivenName",
        ),
        (
            "customer",
            json!({"DisplayName": "a", "FamilyName": long(101)}),
            "FamilyName",
        ),
        (
            "customer",
            json!({"DisplayName": "a", "CompanyName": long(101)}),
            "CompanyName",
        ),
        (
            "customer",
            json!({"DisplayName": "a", "Title": long(17)}),
            "Title",
        ),
        (
            "customer",
            json!({"DisplayName": "a", "Suffix": long(17)}),
            "Suffix",
        ),
        (
            "customer",
            json!({"DisplayName": "a", "PrimaryEmailAddr": {"Address": format!("{}@b.co", long(96))}}),
            "PrimaryEmailAddr.Address",
        ),
        (
            "customer",
            json!({"DisplayName": "a", "PrimaryPhone": {"FreeFormNumber": long(22)}}),
            "PrimaryPhone.FreeFormNumber",
        ),
        ("vendor", json!({"DisplayName": long(501)}), "DisplayName"),
        (
            "item",
            json!({"Name": long(101), "Type": "Service", "IncomeAccountRef": {"value": "1"}}),
            "Name",
        ),
        (
            "item",
            json!({"Name": "ok", "Sku": long(101), "Type": "Service", "IncomeAccountRef": {"value": "1"}}),
            "Sku",
        ),
    ];
    for (res, body, element) in cases {
        let r = q.post(&format!("/{res}"), &body).await;
        assert_eq!(
            (r.status, r.code()),
            (400, Some("2050")),
            "{res} {element}: {}",
            r.text
        );
        assert_eq!(r.json["Fault"]["Error"][0]["element"], element);
    }
    // Exactly at the limit is fine (characters, not bytes).
    let r = q
        .post("/customer", &json!({"DisplayName": "é".repeat(500)}))
        .await;
    assert_eq!(r.status, 200);
    // Names cannot contain ':' or tab/newline; e-mails need '@' and '.'.
    for body in [
        json!({"DisplayName": "a:b"}),
        json!({"DisplayName": "a\tb"}),
        json!({"DisplayName": "ok", "GivenName": "x\ny"}),
        json!({"DisplayName": "ok2", "PrimaryEmailAddr": {"Address": "nope"}}),
    ] {
        let r = q.post("/customer", &body).await;
        assert_eq!(r.code(), Some("6000"), "{body}");
    }
    // Item required fields.
    for (body, missing) in [
        (
            json!({"Type": "Service", "IncomeAccountRef": {"value": "1"}}),
            "Name",
        ),
        (
            json!({"Name": "n1", "IncomeAccountRef": {"value": "1"}}),
            "Type",
        ),
        (
            json!({"Name": "n2", "Type": "NonInventory"}),
            "IncomeAccountRef",
        ),
        (
            json!({"Name": "n3", "Type": "Inventory", "IncomeAccountRef": {"value": "1"}}),
            "AssetAccountRef",
        ),
    ] {
        let r = q.post("/item", &body).await;
        assert_eq!(
            (r.code(), r.json["Fault"]["Error"][0]["element"].as_str()),
            (Some("2020"), Some(missing)),
            "{}",
            r.text
        );
    }
}

// ---------------------------------------------------------------- names

#[tokio::test]
async fn display_names_are_unique_across_customers_vendors_and_employees() {
    let q = Qbo::default().await;
    let c = customer(&q, "Shared Name").await;
    for res in ["customer", "vendor", "employee"] {
        let r = q
            .post(&format!("/{res}"), &json!({"DisplayName": "shared name"}))
            .await;
        assert_eq!((r.status, r.code()), (400, Some("6240")), "{res}");
        assert_eq!(
            r.json["Fault"]["Error"][0]["Message"],
            "Duplicate Name Exists Error"
        );
        assert_eq!(
            r.json["Fault"]["Error"][0]["Detail"],
            "The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name."
        );
    }
    // The default employee's name is taken as well.
    assert_eq!(
        q.post("/customer", &json!({"DisplayName": "Emily Emulator"}))
            .await
            .code(),
        Some("6240")
    );
    // Renaming onto a taken name fails; onto a free one works.
    let v = q.create("vendor", json!({"DisplayName": "Other"})).await;
    let r = q
        .post(
            "/vendor",
            &json!({"Id": v["Id"], "SyncToken": "0", "sparse": true, "DisplayName": "Shared Name"}),
        )
        .await;
    assert_eq!(r.code(), Some("6240"));
    // Deactivating frees the name.
    let r = q
        .post(
            "/customer",
            &json!({"Id": c["Id"], "SyncToken": "0", "sparse": true, "Active": false}),
        )
        .await;
    assert_eq!(r.json["Customer"]["DisplayName"], "Shared Name (deleted)");
    q.create("vendor", json!({"DisplayName": "Shared Name"}))
        .await;
    // Items: unique among items only.
    service_item(&q, "Widget", "1").await;
    let r = q
        .post(
            "/item",
            &json!({"Name": "WIDGET", "Type": "Service", "IncomeAccountRef": {"value": "1"}}),
        )
        .await;
    assert_eq!(r.code(), Some("6240"));
    q.create("customer", json!({"DisplayName": "Widget"})).await;
}

#[tokio::test]
async fn deactivation_renames_hides_and_reactivation_restores() {
    let q = Qbo::default().await;
    let c = q
        .create(
            "customer",
            json!({"DisplayName": "Thrifty Meats", "CompanyName": "Neo Pets"}),
        )
        .await;
    let id = c["Id"].as_str().unwrap().to_string();
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "0", "sparse": true, "Active": false}),
        )
        .await;
    let d = &r.json["Customer"];
    assert_eq!(d["DisplayName"], "Thrifty Meats (deleted)");
    assert_eq!(d["FullyQualifiedName"], "Thrifty Meats (deleted)");
    assert_eq!(
        d["PrintOnCheckName"], "Neo Pets",
        "PrintOnCheckName is not renamed (recorded)"
    );
    assert_eq!(
        (d["Active"].clone(), d["SyncToken"].clone()),
        (json!(false), json!("1"))
    );
    // Deactivating again is a no-op.
    let again = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "1", "sparse": true, "Active": false}),
        )
        .await;
    assert_eq!(again.json["Customer"]["SyncToken"], "1");
    // Reactivation restores the original name.
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "1", "sparse": true, "Active": true}),
        )
        .await;
    assert_eq!(
        (
            r.json["Customer"]["DisplayName"].as_str(),
            r.json["Customer"]["SyncToken"].as_str()
        ),
        (Some("Thrifty Meats"), Some("2"))
    );
    // ... unless someone took it meanwhile.
    q.post(
        "/customer",
        &json!({"Id": id, "SyncToken": "2", "sparse": true, "Active": false}),
    )
    .await;
    customer(&q, "Thrifty Meats").await;
    let r = q
        .post(
            "/customer",
            &json!({"Id": id, "SyncToken": "3", "sparse": true, "Active": true}),
        )
        .await;
    assert_eq!(r.code(), Some("6240"));
    // Items, accounts and terms rename Name and FullyQualifiedName.
    let it = service_item(&q, "Gadget", "2").await;
    let r = q
        .post(
            "/item",
            &json!({"Id": it["Id"], "SyncToken": "0", "sparse": true, "Active": false}),
        )
        .await;
    assert_eq!(
        (
            r.json["Item"]["Name"].as_str(),
            r.json["Item"]["FullyQualifiedName"].as_str()
        ),
        (Some("Gadget (deleted)"), Some("Gadget (deleted)"))
    );
    let r = q
        .post(
            "/term",
            &json!({"Id": "4", "SyncToken": "0", "sparse": true, "Active": false}),
        )
        .await;
    assert_eq!(r.json["Term"]["Name"], "Net 60 (deleted)");
    let r = q.query("SELECT * FROM Term").await;
    assert_eq!(r.json["QueryResponse"]["Term"].as_array().unwrap().len(), 3);
    // Customers, vendors and items cannot be deleted.
    let r = q
        .post(
            "/customer?operation=delete",
            &json!({"Id": id, "SyncToken": "3"}),
        )
        .await;
    assert_eq!(r.code(), Some("500"));
}

// ---------------------------------------------------------------- transactions

#[tokio::test]
async fn invoice_void_delete_and_send() {
    let q = Qbo::default().await;
    let c = q
        .create(
            "customer",
            json!({"DisplayName": "Voidy", "PrimaryEmailAddr": {"Address": "v@example.com"}}),
        )
        .await;
    let cid = c["Id"].as_str().unwrap();
    let a = invoice(&q, cid, "1", "100.00").await;
    let b = invoice(&q, cid, "1", "50").await;
    let bal = || async {
        q.get(&format!("/customer/{cid}")).await.json["Customer"]["Balance"].to_string()
    };
    assert_eq!(bal().await, "150.00");

    let r = q
        .post(
            "/invoice?operation=void",
            &json!({"Id": a["Id"], "SyncToken": "0"}),
        )
        .await;
    let v = &r.json["Invoice"];
    assert_eq!(
        (v["SyncToken"].as_str(), v["PrivateNote"].as_str()),
        (Some("1"), Some("Voided"))
    );
    assert!(r.text.contains(r#""TotalAmt":0"#) && r.text.contains(r#""Balance":0"#));
    assert!(
        v["Line"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["Amount"] == json!(0))
    );
    assert_eq!(bal().await, "50.00");

    let r = q
        .post(
            "/invoice?operation=delete",
            &json!({"Id": b["Id"], "SyncToken": "1"}),
        )
        .await;
    assert_eq!(r.code(), Some("5010"));
    let r = q
        .post(
            "/invoice?operation=delete",
            &json!({"Id": b["Id"], "SyncToken": "0"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let body = r.text.split(",\"time\"").next().unwrap().to_string();
    assert_eq!(
        body,
        format!(
            r#"{{"Invoice":{{"domain":"QBO","status":"Deleted","Id":"{}"}}"#,
            b["Id"].as_str().unwrap()
        )
    );
    assert_eq!(
        q.get(&format!("/invoice/{}", b["Id"].as_str().unwrap()))
            .await
            .code(),
        Some("610")
    );
    assert_eq!(bal().await, "0");

    // Send: EmailStatus EmailSent, BillEmail from sendTo.
    let c2 = invoice(&q, cid, "1", "10").await;
    let url = q.url(&format!(
        "/invoice/{}/send?sendTo=billing@example.com",
        c2["Id"].as_str().unwrap()
    ));
    let r = q
        .client
        .post(url)
        .bearer_auth(&q.token)
        .header("Accept", "application/json")
        .header("Content-Type", "application/octet-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["Invoice"]["EmailStatus"], "EmailSent");
    assert_eq!(v["Invoice"]["BillEmail"]["Address"], "billing@example.com");
    assert_eq!(v["Invoice"]["SyncToken"], "1");
    let stats = q.emu.shared().stats.snapshot();
    for label in [
        "POST /v3/company/{realm}/{entity}?operation=void",
        "POST /v3/company/{realm}/{entity}?operation=delete",
        "POST /v3/company/{realm}/{entity}/{id}/{*rest}",
    ] {
        assert!(
            stats["quickbooks"].contains_key(label),
            "{label}: {:?}",
            stats["quickbooks"].keys()
        );
    }
    // Without any address it is refused.
    let c3 = invoice(&q, cid, "1", "10").await;
    let r = q
        .post(
            &format!("/invoice/{}/send", c3["Id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(r.code(), Some("6000"));
}

#[tokio::test]
async fn payments_reduce_invoice_balances() {
    let q = Qbo::default().await;
    let c = customer(&q, "Payer").await;
    let cid = c["Id"].as_str().unwrap();
    let inv = invoice(&q, cid, "1", "100").await;
    let iid = inv["Id"].as_str().unwrap();
    let pay = q
        .post(
            "/payment",
            &json!({"CustomerRef": {"value": cid}, "TotalAmt": 50,
            "Line": [{"Amount": 40, "LinkedTxn": [{"TxnId": iid, "TxnType": "Invoice"}]}]}),
        )
        .await;
    assert_eq!(pay.status, 200, "{}", pay.text);
    let p = &pay.json["Payment"];
    assert!(
        pay.text
            .contains(r#""TotalAmt":50.00,"UnappliedAmt":10.00"#),
        "{}",
        pay.text
    );
    assert_eq!(p["DepositToAccountRef"]["value"], "4");
    let pid = p["Id"].as_str().unwrap().to_string();
    let i = q.get(&format!("/invoice/{iid}")).await.json["Invoice"].clone();
    assert_eq!(i["Balance"].to_string(), "60.00");
    assert_eq!(
        i["LinkedTxn"],
        json!([{"TxnId": pid, "TxnType": "Payment"}])
    );
    assert_eq!(i["SyncToken"], "1");
    assert_eq!(
        q.get(&format!("/customer/{cid}")).await.json["Customer"]["Balance"].to_string(),
        "60.00"
    );

    // Over-applying is refused; the invoice cannot be deleted while paid.
    let r = q
        .post(
            "/payment",
            &json!({"CustomerRef": {"value": cid}, "TotalAmt": 70,
            "Line": [{"Amount": 70, "LinkedTxn": [{"TxnId": iid, "TxnType": "Invoice"}]}]}),
        )
        .await;
    assert_eq!(r.code(), Some("6000"));
    let r = q
        .post(
            "/invoice?operation=delete",
            &json!({"Id": iid, "SyncToken": "1"}),
        )
        .await;
    assert_eq!(r.code(), Some("6000"));
    let r = q.post("/payment", &json!({"TotalAmt": 1})).await;
    assert_eq!(r.code(), Some("2020"));

    // Raising the applied amount by sparse update, then voiding the payment.
    let r = q
        .post(
            "/payment",
            &json!({"Id": pid, "SyncToken": "0", "sparse": true, "TotalAmt": 100,
            "Line": [{"Amount": 100, "LinkedTxn": [{"TxnId": iid, "TxnType": "Invoice"}]}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let i = q.get(&format!("/invoice/{iid}")).await.json["Invoice"].clone();
    assert_eq!(i["Balance"], json!(0));
    let r = q
        .post(
            "/payment?operation=void",
            &json!({"Id": pid, "SyncToken": "1"}),
        )
        .await;
    assert_eq!(r.json["Payment"]["PrivateNote"], "Voided");
    let i = q.get(&format!("/invoice/{iid}")).await.json["Invoice"].clone();
    assert_eq!(
        (i["Balance"].to_string(), i["LinkedTxn"].clone()),
        ("100.00".into(), json!([]))
    );
    // A second payment, deleted: the balance comes back.
    let p2 = q
        .create(
            "payment",
            json!({"CustomerRef": {"value": cid}, "TotalAmt": 25,
            "Line": [{"Amount": 25, "LinkedTxn": [{"TxnId": iid, "TxnType": "Invoice"}]}]}),
        )
        .await;
    let r = q
        .post(
            "/payment?operation=delete",
            &json!({"Id": p2["Id"], "SyncToken": "0"}),
        )
        .await;
    assert_eq!(r.json["Payment"]["status"], "Deleted");
    let i = q.get(&format!("/invoice/{iid}")).await.json["Invoice"].clone();
    assert_eq!(i["Balance"].to_string(), "100.00");
    assert_eq!(
        q.get(&format!("/customer/{cid}")).await.json["Customer"]["Balance"].to_string(),
        "100.00"
    );
}

// ---------------------------------------------------------------- CDC

async fn cdc(q: &Qbo, entities: &str, since: &str) -> Resp {
    let url = reqwest::Url::parse_with_params(
        &q.url("/cdc"),
        &[
            ("entities", entities),
            ("changedSince", since),
            ("minorversion", "75"),
        ],
    )
    .unwrap();
    q.get_url(url.as_str()).await
}

#[tokio::test]
async fn cdc_returns_changes_deleted_stubs_and_enforces_the_window() {
    let q = Qbo::default().await;
    let a = customer(&q, "Early").await;
    q.advance(Duration::hours(1));
    let since = "2026-03-02T10:30:00-07:00";
    let b = customer(&q, "Late").await;
    let inv = invoice(&q, b["Id"].as_str().unwrap(), "1", "5").await;
    q.post(
        "/invoice?operation=delete",
        &json!({"Id": inv["Id"], "SyncToken": "0"}),
    )
    .await;
    // Deactivation comes back as a normal updated object.
    q.advance(Duration::minutes(1));
    q.post(
        "/customer",
        &json!({"Id": a["Id"], "SyncToken": "0", "sparse": true, "Active": false}),
    )
    .await;

    let r = cdc(&q, "customer,Invoice,Item", since).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let qr = &r.json["CDCResponse"][0]["QueryResponse"];
    let customers = qr[0]["Customer"].as_array().unwrap();
    let cnames: Vec<&str> = customers
        .iter()
        .map(|c| c["DisplayName"].as_str().unwrap())
        .collect();
    assert_eq!(cnames, ["Late", "Early (deleted)"]);
    assert_eq!(customers[1]["Active"], json!(false));
    assert_eq!(
        (qr[0]["startPosition"].clone(), qr[0]["maxResults"].clone()),
        (json!(1), json!(2))
    );
    let invoices = qr[1]["Invoice"].as_array().unwrap();
    assert_eq!(invoices.len(), 1);
    assert_eq!(
        invoices[0],
        json!({"domain": "QBO", "status": "Deleted", "Id": inv["Id"], "MetaData": {"LastUpdatedTime": "2026-03-02T11:00:00-07:00"}})
    );
    assert_eq!(qr[2], json!({}), "nothing changed among items");
    assert!(r.json["time"].is_string());

    let r = cdc(&q, "Customer", "2026-01-30T10:00:00-07:00").await;
    assert_eq!(
        (r.status, r.code()),
        (400, Some("4001")),
        "older than 30 days"
    );
    let r = cdc(&q, "Customer", "2026-02-01").await;
    assert_eq!(r.status, 200, "within 30 days");
    let r = cdc(&q, "Custmoer", since).await;
    assert_eq!(r.code(), Some("4001"));
    let r = q.get("/cdc?entities=Customer").await;
    assert_eq!(r.code(), Some("2020"));
}

#[tokio::test]
async fn cdc_returns_at_most_1000_objects_oldest_first() {
    let q = Qbo::default().await;
    {
        let shared = q.emu.shared();
        let mut st = shared.quickbooks.lock().unwrap();
        for i in 0..1010 {
            let at = t0() + Duration::seconds(i);
            st.insert(
                &q.realm,
                "Customer",
                json!({"DisplayName": format!("Bulk {i:04}")}),
                at,
            )
            .unwrap();
        }
    }
    let r = cdc(&q, "Customer", "2026-03-02T09:00:00-07:00").await;
    let list = r.json["CDCResponse"][0]["QueryResponse"][0]["Customer"]
        .as_array()
        .unwrap();
    assert_eq!(list.len(), 1000);
    assert_eq!(list[0]["DisplayName"], "Bulk 0000");
    assert_eq!(list[999]["DisplayName"], "Bulk 0999");
    // The client splits the window: the rest comes from a later changedSince.
    let r = cdc(&q, "Customer", "2026-03-02T10:16:40-07:00").await;
    let list = r.json["CDCResponse"][0]["QueryResponse"][0]["Customer"]
        .as_array()
        .unwrap();
    assert_eq!(list.len(), 10);
}

// ---------------------------------------------------------------- batch

#[tokio::test]
async fn batch_answers_per_item_and_items_do_not_see_each_other() {
    let q = Qbo::default().await;
    let existing = customer(&q, "Batch Existing").await;
    let new_id = (existing["Id"].as_str().unwrap().parse::<u64>().unwrap() + 1).to_string();
    let body = json!({"BatchItemRequest": [
        {"bId": "bid1", "operation": "create", "Customer": {"DisplayName": "Batch New"}},
        {"bId": "bid2", "operation": "create", "Invoice": {"CustomerRef": {"value": new_id},
            "Line": [{"Amount": 1, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]}},
        {"bId": "bid3", "Query": "select * from Customer where DisplayName = 'Batch New'"},
        {"bId": "bid4", "operation": "update", "Customer": {"Id": existing["Id"], "SyncToken": "7", "sparse": true, "Notes": "x"}},
        {"bId": "bid5", "operation": "delete", "Invoice": {"Id": "129", "SyncToken": "0"}},
        {"bId": "bid6", "operation": "create", "Vendor": {"DisplayName": "batch existing"}},
        {"bId": "bid7", "operation": "update", "Customer": {"Id": new_id, "SyncToken": "0", "sparse": true, "Notes": "x"}},
        {"bId": "bid8", "Query": "select * from Customer where DisplayName = 'Batch Existing'"}
    ]});
    let r = q.post("/batch", &body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.json["BatchItemResponse"].as_array().unwrap();
    let get = |bid: &str| items.iter().find(|i| i["bId"] == bid).unwrap().clone();
    assert_eq!(get("bid1")["Customer"]["Id"], json!(new_id));
    let keys: Vec<&str> = items[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["Customer", "bId"]);
    assert_eq!(
        get("bid2")["Fault"]["Error"][0]["code"],
        "2500",
        "the new customer is invisible to item 2"
    );
    assert_eq!(
        get("bid3")["QueryResponse"],
        json!({}),
        "and to queries in the batch"
    );
    assert_eq!(get("bid4")["Fault"]["Error"][0]["code"], "5010");
    assert_eq!(get("bid5")["Fault"]["Error"][0]["code"], "610");
    assert_eq!(get("bid5")["Fault"]["type"], "ValidationFault");
    assert_eq!(get("bid6")["Fault"]["Error"][0]["code"], "6240");
    assert_eq!(get("bid7")["Fault"]["Error"][0]["code"], "610");
    assert_eq!(
        get("bid8")["QueryResponse"]["Customer"][0]["DisplayName"],
        "Batch Existing"
    );
    assert!(r.json["time"].is_string());
    // After the batch the creation is visible.
    assert_eq!(
        names(
            &q.query("SELECT * FROM Customer WHERE DisplayName = 'Batch New'")
                .await,
            "Customer"
        ),
        ["Batch New"]
    );
}

#[tokio::test]
async fn batch_size_limits_are_whole_request_faults() {
    let q = Qbo::default().await;
    let r = q.post("/batch", &json!({"BatchItemRequest": []})).await;
    assert_eq!(
        (r.status, r.json["Fault"]["Error"][0]["Detail"].as_str()),
        (400, Some("Batch Request is Empty"))
    );
    let items: Vec<Value> = (0..31)
        .map(|i| json!({"bId": format!("b{i}"), "Query": "select * from Term"}))
        .collect();
    let r = q.post("/batch", &json!({"BatchItemRequest": items})).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["Fault"]["Error"][0]["Message"], "MalformedRequest");
    let items: Vec<Value> = (0..30)
        .map(|i| json!({"bId": format!("b{i}"), "Query": "select * from Term"}))
        .collect();
    let r = q.post("/batch", &json!({"BatchItemRequest": items})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["BatchItemResponse"].as_array().unwrap().len(), 30);
}

// ---------------------------------------------------------------- requestid

#[tokio::test]
async fn requestid_replays_the_first_response_without_a_second_write() {
    let q = Qbo::default().await;
    let url = q.url("/customer?requestid=abc-123&minorversion=75");
    let first = q.post_url(&url, &json!({"DisplayName": "Once"})).await;
    q.advance(Duration::seconds(30));
    let again = q.post_url(&url, &json!({"DisplayName": "Once"})).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.text, again.text, "byte-for-byte replay");
    let other = q
        .post_url(
            &q.url("/customer?requestid=other"),
            &json!({"DisplayName": "Once"}),
        )
        .await;
    assert_eq!(
        other.code(),
        Some("6240"),
        "a new requestid is a new request"
    );
    let count = q
        .emu
        .shared()
        .quickbooks
        .lock()
        .unwrap()
        .count(&q.realm, "Customer");
    assert_eq!(count, 1);
    // Replays are per realm and apply to batch too.
    let b = json!({"BatchItemRequest": [{"bId": "1", "operation": "create", "Customer": {"DisplayName": "Batched"}}]});
    let x = q.post_url(&q.url("/batch?requestid=r2"), &b).await;
    let y = q.post_url(&q.url("/batch?requestid=r2"), &b).await;
    assert_eq!(x.text, y.text);
    assert_eq!(
        q.emu
            .shared()
            .quickbooks
            .lock()
            .unwrap()
            .count(&q.realm, "Customer"),
        2
    );
}

// ---------------------------------------------------------------- OAuth and gateway

async fn token_request(q: &Qbo, form: &[(&str, &str)], creds: Option<(&str, &str)>) -> Resp {
    let mut req = q
        .client
        .post(format!("{}/oauth2/v1/tokens/bearer", q.base))
        .header("Accept", "application/json")
        .form(form);
    if let Some((id, secret)) = creds {
        req = req.basic_auth(id, Some(secret));
    }
    let r = req.send().await.unwrap();
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

const CREDS: Option<(&str, &str)> = Some((
    hsqb::emulator::DEFAULT_QBO_CLIENT_ID,
    hsqb::emulator::DEFAULT_QBO_CLIENT_SECRET,
));

async fn refresh(q: &Qbo, token: &str) -> Resp {
    token_request(
        q,
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
        CREDS,
    )
    .await
}

async fn get_with_token(q: &Qbo, token: &str) -> Resp {
    let r = q
        .client
        .get(q.url(&format!("/companyinfo/{}", q.realm)))
        .bearer_auth(token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
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

#[tokio::test]
async fn oauth_refresh_rotates_with_grace_and_access_tokens_expire() {
    // 2000× scaled time: the 2000 s grace and lifetime last one second of real time.
    let mut cfg = config();
    cfg.time_scale = 2_000.0;
    cfg.limits.qbo_refresh_grace = std::time::Duration::from_secs(2000);
    cfg.limits.qbo_access_token_ttl = std::time::Duration::from_secs(2000);
    let q = Qbo::start(cfg).await;
    let initial = hsqb::emulator::DEFAULT_QBO_REFRESH_TOKEN;

    let r1 = refresh(&q, initial).await;
    assert_eq!(r1.status, 200, "{}", r1.text);
    let keys: Vec<&str> = r1
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "x_refresh_token_expires_in",
            "refresh_token",
            "access_token",
            "token_type",
            "expires_in"
        ]
    );
    assert_eq!(
        (
            r1.json["x_refresh_token_expires_in"].clone(),
            r1.json["token_type"].clone(),
            r1.json["expires_in"].clone()
        ),
        (json!(8726400), json!("bearer"), json!(2000))
    );
    assert_eq!(r1.headers["content-type"], "application/json;charset=UTF-8");
    assert!(r1.headers.contains_key("intuit_tid"));
    let rt1 = r1.json["refresh_token"].as_str().unwrap().to_string();
    let at1 = r1.json["access_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, initial, "every refresh returns a new refresh token");
    assert_eq!(get_with_token(&q, &at1).await.status, 200);

    // The previous token still works during the grace period (and rotates again).
    let r2 = refresh(&q, initial).await;
    assert_eq!(r2.status, 200);
    let rt2 = r2.json["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt2, rt1);
    assert_eq!(
        q.emu
            .shared()
            .quickbooks
            .lock()
            .unwrap()
            .current_refresh_token(),
        rt2
    );

    q.emu
        .shared()
        .clock
        .sleep(std::time::Duration::from_secs(2100))
        .await;
    let late = refresh(&q, initial).await;
    assert_eq!(
        (late.status, late.text.as_str()),
        (
            400,
            r#"{"error_description":"Token invalid","error":"invalid_grant"}"#
        )
    );
    assert_eq!(
        refresh(&q, &rt1).await.status,
        400,
        "superseded and past grace"
    );
    let expired = get_with_token(&q, &at1).await;
    assert_eq!(expired.status, 401);
    assert!(
        expired.json["fault"]["error"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("Token expired: ")
    );
    assert!(
        !expired.text.contains(&at1),
        "tokens never appear in responses"
    );
    assert_eq!(
        q.get(&format!("/companyinfo/{}", q.realm)).await.status,
        200,
        "the static token never expires"
    );
    let r3 = refresh(&q, &rt2).await;
    assert_eq!(r3.status, 200, "the newest refresh token is still good");

    assert_eq!(
        refresh(&q, "never-issued").await.json["error"],
        "invalid_grant"
    );
    let bad = token_request(
        &q,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt2)],
        Some(("x", "y")),
    )
    .await;
    assert_eq!(
        (bad.status, bad.json["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let none = token_request(
        &q,
        &[("grant_type", "refresh_token"), ("refresh_token", &rt2)],
        None,
    )
    .await;
    assert_eq!(none.status, 401);
    let post_creds = token_request(
        &q,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", r3.json["refresh_token"].as_str().unwrap()),
            ("client_id", hsqb::emulator::DEFAULT_QBO_CLIENT_ID),
            ("client_secret", hsqb::emulator::DEFAULT_QBO_CLIENT_SECRET),
        ],
        None,
    )
    .await;
    assert_eq!(post_creds.status, 200, "client_secret_post is accepted too");
    let grant = token_request(&q, &[("grant_type", "password")], CREDS).await;
    assert_eq!(
        (grant.status, grant.json["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn gateway_faults_for_authentication_and_unknown_realms() {
    let q = Qbo::default().await;
    let r = get_with_token(&q, "not-a-token").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.headers["www-authenticate"],
        "Bearer realm=\"Intuit\", error=\"invalid_token\""
    );
    let keys: Vec<&str> = r
        .json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "warnings",
            "intuitObject",
            "fault",
            "report",
            "queryResponse",
            "batchItemResponse",
            "attachableResponse",
            "syncErrorResponse",
            "requestId",
            "time",
            "status",
            "cdcresponse"
        ]
    );
    let e = &r.json["fault"]["error"][0];
    assert_eq!(
        e["message"],
        "message=AuthenticationFailed; errorCode=003200; statusCode=401"
    );
    assert_eq!(
        (e["code"].as_str(), e["element"].clone()),
        (Some("3200"), Value::Null)
    );
    assert_eq!(r.json["fault"]["type"], "AUTHENTICATION");
    assert!(r.json["time"].is_i64(), "gateway time is epoch millis");
    assert!(r.headers.contains_key("intuit_tid"));

    let r = q
        .client
        .get(q.url("/preferences"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "no Authorization header");

    let other = format!("{}/v3/company/123/preferences", q.base);
    let r = q.get_url(&other).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.json["fault"]["error"][0]["code"], "3100");
    assert_eq!(r.json["fault"]["type"], "SERVICE");

    // JSON only with Accept: application/json.
    let r = q
        .client
        .get(q.url("/preferences"))
        .bearer_auth(&q.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    assert!(r.headers().contains_key("intuit_tid"));
    // minorversion is accepted with any value.
    assert_eq!(q.get("/preferences?minorversion=4").await.status, 200);
    assert_eq!(q.get("/preferences?minorversion=75").await.status, 200);
}

#[tokio::test]
async fn every_response_carries_a_distinct_intuit_tid() {
    let q = Qbo::default().await;
    let mut tids = std::collections::HashSet::new();
    let responses = vec![
        q.get("/preferences").await,
        q.query("SELECT * FROM Nope").await,
        get_with_token(&q, "bad").await,
        q.get("/customer/99").await,
        q.get("/customer/1/5").await,
        refresh(&q, "bad").await,
    ];
    for r in responses {
        let tid = r.headers["intuit_tid"].to_str().unwrap().to_string();
        let parts: Vec<&str> = tid.split('-').collect();
        assert_eq!(
            (parts.len(), parts[0], parts[1].len(), parts[2].len()),
            (3, "1", 8, 24),
            "{tid}"
        );
        assert!(tids.insert(tid));
    }
}

// ---------------------------------------------------------------- rate limits

#[tokio::test]
async fn rate_limits_per_minute_and_per_batch_answer_429_xml() {
    let mut cfg = config();
    cfg.realms = vec!["1111".into(), "2222".into()];
    cfg.time_scale = 60.0; // a minute lasts one second
    cfg.limits.qbo_per_minute = Some(3);
    cfg.limits.qbo_batch_per_minute = Some(1);
    let q = Qbo::start(cfg).await;
    for _ in 0..3 {
        assert_eq!(q.get("/preferences").await.status, 200);
    }
    let r = q.get("/preferences").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers["content-type"], "application/xml");
    assert!(
        r.text.contains(r#"<Fault type="SERVICE">"#) && r.text.contains(r#"<Error code="3001">"#),
        "{}",
        r.text
    );
    assert!(
        r.text.contains(
            "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
        )
    );
    assert!(
        r.text
            .contains("<Detail>The request limit was reached.  Try again later</Detail>")
    );
    let stats = q.emu.shared().stats.snapshot();
    let ep = &stats["quickbooks"]["GET /v3/company/{realm}/preferences"];
    assert_eq!((ep.count, ep.throttled, ep.statuses[&429]), (4, 1, 1));

    // Another company has its own budget; batches have their own, smaller one.
    let other = format!("{}/v3/company/2222", q.base);
    let batch = json!({"BatchItemRequest": [{"bId": "1", "Query": "select * from Term"}]});
    assert_eq!(
        q.post_url(&format!("{other}/batch"), &batch).await.status,
        200
    );
    assert_eq!(
        q.post_url(&format!("{other}/batch"), &batch).await.status,
        429
    );
    assert_eq!(q.get_url(&format!("{other}/preferences")).await.status, 200);

    // The window slides: a (scaled) minute later the first company is served again.
    q.emu
        .shared()
        .clock
        .sleep(std::time::Duration::from_secs(61))
        .await;
    assert_eq!(q.get("/preferences").await.status, 200);
}

async fn set_faults(q: &Qbo, rules: Value) {
    let r = q
        .client
        .post(format!("{}/_emulator/faults", q.base))
        .json(&json!({"rules": rules}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

#[tokio::test]
async fn concurrency_limit_throttles_requests_in_flight() {
    let mut cfg = config();
    cfg.limits.qbo_concurrency = Some(1);
    let q = Qbo::start(cfg).await;
    set_faults(&q, json!([{"api": "quickbooks", "endpoint": "/preferences", "kind": "slow", "nth": [1], "delay_ms": 600}])).await;
    let slow_url = q.url("/preferences");
    let client = q.client.clone();
    let token = q.token.clone();
    let slow = tokio::spawn(async move {
        client
            .get(slow_url)
            .bearer_auth(token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap()
            .status()
    });
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    let r = q.query("SELECT * FROM Term").await;
    assert_eq!(r.status, 429, "a second request while one is in flight");
    assert_eq!(slow.await.unwrap(), 200);
    assert_eq!(
        q.query("SELECT * FROM Term").await.status,
        200,
        "the slot is released"
    );
}

// ---------------------------------------------------------------- fault injection

#[tokio::test]
async fn injected_faults_render_like_qbo_and_are_counted() {
    let q = Qbo::default().await;
    // A rule counts only the calls that reach it (earlier rules that fire stop
    // the evaluation), so each of these fires on the next query in turn.
    set_faults(&q, json!([
        {"api": "quickbooks", "endpoint": "GET /v3/company/{realm}/query", "kind": "500", "nth": [1]},
        {"api": "quickbooks", "endpoint": "GET /v3/company/{realm}/query", "kind": "502", "nth": [1]},
        {"api": "quickbooks", "endpoint": "GET /v3/company/{realm}/query", "kind": "503", "nth": [1]},
        {"api": "quickbooks", "endpoint": "GET /v3/company/{realm}/query", "kind": "429", "nth": [1]},
        {"api": "quickbooks", "endpoint": "GET /v3/company/{realm}/query", "kind": "timeout", "nth": [1], "delay_ms": 50},
        {"api": "quickbooks", "endpoint": "POST /v3/company/{realm}/{entity}", "kind": "stale_sync_token", "nth": [1]}
    ]))
    .await;
    let r = q.query("SELECT * FROM Term").await;
    assert_eq!(
        (r.status, r.code(), r.json["Fault"]["type"].as_str()),
        (500, Some("10000"), Some("SystemFault"))
    );
    assert_eq!(q.query("SELECT * FROM Term").await.status, 502);
    assert_eq!(q.query("SELECT * FROM Term").await.status, 503);
    let t = q.query("SELECT * FROM Term").await;
    assert_eq!(t.status, 429);
    assert!(t.text.contains("ThrottleExceeded"));
    assert_eq!(q.query("SELECT * FROM Term").await.status, 504);
    assert_eq!(q.query("SELECT * FROM Term").await.status, 200);

    let r = q.post("/customer", &json!({"DisplayName": "Stale"})).await;
    assert_eq!(r.code(), Some("5010"));
    assert!(
        names(&q.query("SELECT * FROM Customer").await, "Customer").is_empty(),
        "nothing written"
    );
    assert_eq!(
        q.post("/customer", &json!({"DisplayName": "Stale"}))
            .await
            .status,
        200
    );

    let stats = q.emu.shared().stats.snapshot();
    let ep = &stats["quickbooks"]["GET /v3/company/{realm}/query"];
    assert_eq!((ep.count, ep.faulted, ep.throttled), (7, 5, 0));
    assert_eq!(ep.statuses[&200], 2);
    let post = &stats["quickbooks"]["POST /v3/company/{realm}/{entity}"];
    assert_eq!((post.count, post.faulted), (2, 1));
}

#[tokio::test]
async fn dropped_connections_with_and_without_the_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.data_dir = Some(dir.path().to_path_buf());
    let q = Qbo::start(cfg).await;
    set_faults(
        &q,
        json!([
            {"api": "quickbooks", "endpoint": "/customer", "kind": "drop", "nth": [1]},
            {"api": "quickbooks", "endpoint": "/customer", "kind": "drop_after_write", "nth": [1]}
        ]),
    )
    .await;
    let send = |name: &'static str| {
        let req = q
            .client
            .post(q.url("/customer"))
            .bearer_auth(&q.token)
            .header("Accept", "application/json")
            .header("Content-Type", "application/json")
            .body(json!({"DisplayName": name}).to_string());
        async move {
            match req.send().await {
                Ok(r) => r.bytes().await.map(|_| ()),
                Err(e) => Err(e),
            }
        }
    };
    assert!(
        send("Dropped").await.is_err(),
        "the client sees a broken connection"
    );
    assert!(
        send("Written").await.is_err(),
        "the client sees a broken connection"
    );
    let got = names(&q.query("SELECT * FROM Customer").await, "Customer");
    assert_eq!(
        got,
        ["Written"],
        "drop does no work; drop_after_write does the write"
    );
    // An injected stale-SyncToken answer is not remembered under its requestid.
    set_faults(
        &q,
        json!([{"api": "quickbooks", "endpoint": "/customer", "kind": "stale_sync_token", "nth": [1]}]),
    )
    .await;
    let stale_url = q.url("/customer?requestid=stale-1");
    let first = q
        .post_url(&stale_url, &json!({"DisplayName": "After Stale"}))
        .await;
    assert_eq!(first.code(), Some("5010"));
    let second = q
        .post_url(&stale_url, &json!({"DisplayName": "After Stale"}))
        .await;
    assert_eq!(second.status, 200, "{}", second.text);
    // The retry pattern: a dropped write retried with the same requestid replays
    // the original response instead of writing twice.
    set_faults(
        &q,
        json!([{"api": "quickbooks", "endpoint": "/customer", "kind": "drop_after_write", "nth": [1]}]),
    )
    .await;
    let url = q.url("/customer?requestid=retry-1");
    let lost = q
        .client
        .post(&url)
        .bearer_auth(&q.token)
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .body(json!({"DisplayName": "Retried"}).to_string())
        .send()
        .await;
    assert!(lost.is_err() || lost.unwrap().bytes().await.is_err());
    let retry = q.post_url(&url, &json!({"DisplayName": "Retried"})).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.json["Customer"]["DisplayName"], "Retried");
    assert_eq!(
        q.emu
            .shared()
            .quickbooks
            .lock()
            .unwrap()
            .count(&q.realm, "Customer"),
        3
    );
    let saved = std::fs::read_to_string(dir.path().join("quickbooks.json")).unwrap();
    assert!(
        saved.contains("Written") && !saved.contains("Dropped"),
        "the write was persisted before the break"
    );
}

// ---------------------------------------------------------------- persistence, realms, seeds

#[tokio::test]
async fn state_and_tokens_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config();
    cfg.data_dir = Some(dir.path().to_path_buf());
    let (first_id, replay, rt) = {
        let q = Qbo::start(cfg.clone()).await;
        let c = customer(&q, "Persisted").await;
        let replay = q
            .post_url(
                &q.url("/customer?requestid=keep"),
                &json!({"DisplayName": "Replayed"}),
            )
            .await;
        let rt = refresh(&q, hsqb::emulator::DEFAULT_QBO_REFRESH_TOKEN)
            .await
            .json["refresh_token"]
            .as_str()
            .unwrap()
            .to_string();
        let out = (
            c["Id"].as_str().unwrap().parse::<u64>().unwrap(),
            replay.text,
            rt,
        );
        q.stop().await;
        out
    };
    let q = Qbo::start(cfg).await;
    assert_eq!(
        names(&q.query("SELECT * FROM Customer").await, "Customer"),
        ["Persisted", "Replayed"]
    );
    let again = q
        .post_url(
            &q.url("/customer?requestid=keep"),
            &json!({"DisplayName": "Replayed"}),
        )
        .await;
    assert_eq!(again.text, replay, "requestid cache persisted");
    let next = customer(&q, "After restart").await;
    assert_eq!(
        next["Id"].as_str().unwrap().parse::<u64>().unwrap(),
        first_id + 2,
        "Ids continue"
    );
    assert_eq!(
        refresh(&q, &rt).await.status,
        200,
        "the current refresh token persisted"
    );
    assert_eq!(
        refresh(&q, hsqb::emulator::DEFAULT_QBO_REFRESH_TOKEN)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn realms_are_isolated_companies() {
    let mut cfg = config();
    cfg.realms = vec!["1111".into(), "2222".into()];
    let q = Qbo::start(cfg).await;
    let b = format!("{}/v3/company/2222", q.base);
    let a1 = customer(&q, "Same Name").await;
    let r = q
        .post_url(
            &format!("{b}/customer"),
            &json!({"DisplayName": "Same Name"}),
        )
        .await;
    assert_eq!(r.status, 200, "names are unique per company only");
    assert_eq!(
        r.json["Customer"]["Id"], a1["Id"],
        "each company numbers its own entities"
    );
    customer(&q, "Only In A").await;
    let rb = q
        .get_url(&format!("{b}/query?query=SELECT%20*%20FROM%20Customer"))
        .await;
    assert_eq!(names(&rb, "Customer"), ["Same Name"]);
    let ca = q.get("/companyinfo/1111").await.json["CompanyInfo"]["CompanyName"].clone();
    let cb = q.get_url(&format!("{b}/companyinfo/2222")).await.json["CompanyInfo"]["CompanyName"]
        .clone();
    assert_ne!(ca, cb);
    assert_eq!(
        q.get("/companyinfo/1111").await.json["CompanyInfo"]["Country"],
        "US"
    );
}

#[tokio::test]
async fn seed_fixtures_load_verbatim_or_through_validation() {
    let seed = tempfile::tempdir().unwrap();
    let base = seed.path().join("quickbooks");
    std::fs::create_dir_all(base.join("2222")).unwrap();
    std::fs::write(
        base.join("settings.json"),
        r#"{"utc_offset": "+01:00", "next_doc_number": 5001}"#,
    )
    .unwrap();
    std::fs::write(
        base.join("customers.json"),
        r#"[{"Taxable":false,"Job":false,"BillWithParent":false,"Balance":85.00,"BalanceWithJobs":85.00,
             "CurrencyRef":{"value":"USD","name":"United States Dollar"},"PreferredDeliveryMethod":"Print",
             "Id":"100","SyncToken":"3","MetaData":{"CreateTime":"2015-10-01T16:49:28-07:00","LastUpdatedTime":"2015-10-08T12:56:01-07:00"},
             "FullyQualifiedName":"Raw Row","DisplayName":"Raw Row","PrintOnCheckName":"Raw Row","Active":true},
            {"DisplayName": "Validated"}]"#,
    )
    .unwrap();
    std::fs::write(
        base.join("invoices.json"),
        r#"[{"CustomerRef":{"value":"101"},"Line":[{"Amount":20,"DetailType":"SalesItemLineDetail","SalesItemLineDetail":{"ItemRef":{"value":"1"}}}]}]"#,
    )
    .unwrap();
    std::fs::write(
        base.join("2222").join("company_info.json"),
        r#"{"Country": "CA", "CompanyName": "Maple Ltd"}"#,
    )
    .unwrap();
    let mut cfg = config();
    cfg.realms = vec!["1111".into(), "2222".into()];
    cfg.seed_dir = Some(seed.path().to_path_buf());
    let q = Qbo::start(cfg.clone()).await;
    let raw = q.get("/customer/100").await;
    assert_eq!(raw.json["Customer"]["SyncToken"], "3");
    assert!(raw.text.contains(r#""Balance":85.00"#));
    let v = q
        .query("SELECT * FROM Customer WHERE DisplayName = 'Validated'")
        .await;
    let v = &v.json["QueryResponse"]["Customer"][0];
    assert_eq!(
        (v["Id"].as_str(), v["Balance"].to_string()),
        (Some("101"), "20.00".to_string())
    );
    assert_eq!(v["MetaData"]["CreateTime"], "2026-03-02T18:00:00+01:00");
    let inv = q.query("SELECT * FROM Invoice").await;
    assert_eq!(inv.json["QueryResponse"]["Invoice"][0]["DocNumber"], "5001");
    let other = q
        .get_url(&format!("{}/v3/company/2222/companyinfo/2222", q.base))
        .await;
    assert_eq!(
        (
            other.json["CompanyInfo"]["Country"].as_str(),
            other.json["CompanyInfo"]["CompanyName"].as_str()
        ),
        (Some("CA"), Some("Maple Ltd"))
    );

    std::fs::write(
        base.join("vendors.json"),
        r#"[{"DisplayName": "Bad", "Colour": "red"}]"#,
    )
    .unwrap();
    let err = hsqb::emulator::Emulator::new(cfg)
        .err()
        .expect("a bad seed file is an error");
    assert!(err.to_string().contains("vendors.json"), "{err}");
}

// ---------------------------------------------------------------- in-process API and scale

#[test]
fn in_process_api_for_generators() {
    let emu = hsqb::emulator::Emulator::new(config()).unwrap();
    let realm = hsqb::emulator::DEFAULT_REALM;
    let shared = emu.shared();
    shared.clock.freeze(true);
    shared.clock.set(t0());
    let mut st = shared.quickbooks.lock().unwrap();
    let now = t0();
    let id = st
        .insert(realm, "Customer", json!({"DisplayName": "Gen"}), now)
        .unwrap();
    assert_eq!(
        st.get(realm, "customer", &id).unwrap()["DisplayName"],
        "Gen"
    );
    assert_eq!(
        st.insert(realm, "Customer", json!({"DisplayName": "gen"}), now)
            .unwrap_err()
            .code(),
        "6240"
    );
    let updated = st
        .save(
            realm,
            "Customer",
            json!({"Id": id, "SyncToken": "0", "sparse": true, "Notes": "n"}),
            now,
        )
        .unwrap();
    assert_eq!(updated["SyncToken"], "1");
    assert_eq!(st.count(realm, "Customer"), 1);
    assert_eq!(st.count(realm, "Term"), 4);
    let q = st.query(realm, "SELECT COUNT(*) FROM Customer").unwrap();
    assert_eq!(q["totalCount"], json!(1));
    st.set_preferences(
        realm,
        json!({"SalesFormsPrefs": {"CustomTxnNumbers": true}}),
        now,
    )
    .unwrap();
    let line = json!([{"Amount": 1, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}]);
    let inv = st
        .insert(
            realm,
            "Invoice",
            json!({"CustomerRef": {"value": id}, "Line": line}),
            now,
        )
        .unwrap();
    assert!(
        st.get(realm, "Invoice", &inv)
            .unwrap()
            .get("DocNumber")
            .is_none()
    );
    // A non-US company needs a tax code on every line.
    st.set_company_info(realm, json!({"Country": "CA"}), now)
        .unwrap();
    let e = st
        .insert(
            realm,
            "Invoice",
            json!({"CustomerRef": {"value": id}, "Line": line}),
            now,
        )
        .unwrap_err();
    assert_eq!(e.code(), "6000");
    let with_tax = json!([{"Amount": 1, "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": "2"}}}]);
    st.insert(
        realm,
        "Invoice",
        json!({"CustomerRef": {"value": id}, "Line": with_tax}),
        now,
    )
    .unwrap();
    // Multicurrency: foreign customers become possible.
    st.set_preferences(
        realm,
        json!({"CurrencyPrefs": {"MultiCurrencyEnabled": true}}),
        now,
    )
    .unwrap();
    let eur = st
        .insert(
            realm,
            "Customer",
            json!({"DisplayName": "Euro", "CurrencyRef": {"value": "EUR"}}),
            now,
        )
        .unwrap();
    assert_eq!(
        st.get(realm, "Customer", &eur).unwrap()["CurrencyRef"]["name"],
        "Euro"
    );
    // Verbatim rows and clearing a list.
    let raw = st
        .insert_raw(
            realm,
            "Vendor",
            json!({"DisplayName": "Raw Vendor", "Active": false}),
            now,
        )
        .unwrap();
    assert_eq!(st.get(realm, "Vendor", &raw).unwrap()["SyncToken"], "0");
    st.clear(realm, "Vendor").unwrap();
    assert_eq!(st.count(realm, "Vendor"), 0);
    assert!(st.insert(realm, "Nope", json!({}), now).is_err());
    assert!(
        st.insert("0000", "Customer", json!({"DisplayName": "x"}), now)
            .is_err()
    );
    drop(st);
    // The same through the Shared helper, stamped with the data clock.
    let id = shared
        .with_quickbooks(|st, now| {
            st.insert(
                realm,
                "Customer",
                json!({"DisplayName": "Via Shared", "CurrencyRef": {"value": "USD"}}),
                now,
            )
        })
        .unwrap();
    let c = shared
        .with_quickbooks(|st, _| st.get(realm, "Customer", &id))
        .unwrap();
    assert_eq!(c["MetaData"]["CreateTime"], "2026-03-02T10:00:00-07:00");
}

#[tokio::test]
async fn paging_through_thousands_of_customers_in_several_orders() {
    let q = Qbo::default().await;
    let n = 5_000;
    {
        let shared = q.emu.shared();
        let mut st = shared.quickbooks.lock().unwrap();
        for i in 0..n {
            // Creation order differs from name order, and every 10th is inactive.
            let name = format!("Scale {:05}", (i * 7919) % n);
            let id = st
                .insert(
                    &q.realm,
                    "Customer",
                    json!({"DisplayName": name}),
                    t0() + Duration::seconds(i as i64),
                )
                .unwrap();
            if i % 10 == 0 {
                st.save(
                    &q.realm,
                    "Customer",
                    json!({"Id": id, "SyncToken": "0", "sparse": true, "Active": false}),
                    t0(),
                )
                .unwrap();
            }
        }
    }
    let count = q.query("SELECT COUNT(*) FROM Customer").await;
    assert_eq!(count.json["QueryResponse"]["totalCount"], json!(n - n / 10));
    for (order, all) in [
        ("", true),
        (" ORDERBY DisplayName DESC", true),
        (" ORDERBY MetaData.LastUpdatedTime", false),
    ] {
        let filter = if all {
            " WHERE Active IN (true, false)"
        } else {
            ""
        };
        let mut seen = Vec::new();
        let mut start = 1;
        loop {
            let r = q
                .query(&format!(
                    "SELECT * FROM Customer{filter}{order} STARTPOSITION {start} MAXRESULTS 1000"
                ))
                .await;
            let page = names(&r, "Customer");
            if page.is_empty() {
                break;
            }
            seen.extend(page);
            start += 1000;
        }
        let expected = if all { n } else { n - n / 10 };
        assert_eq!(seen.len(), expected, "{order}");
        let distinct: std::collections::HashSet<&String> = seen.iter().collect();
        assert_eq!(distinct.len(), expected, "no row twice: {order}");
        if order.contains("DESC") {
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.reverse();
            assert_eq!(seen, sorted);
        }
    }
    let r = q
        .query(
            "SELECT * FROM Customer WHERE DisplayName = 'scale 01234' AND Active IN (true, false)",
        )
        .await;
    assert_eq!(names(&r, "Customer").len(), 1);
}

#[tokio::test]
async fn tax_codes_list_the_us_pseudo_codes_first() {
    let q = Qbo::default().await;
    let r = q.query("SELECT * FROM TaxCode").await;
    let list = r.json["QueryResponse"]["TaxCode"].as_array().unwrap();
    let got: Vec<&str> = list.iter().map(|t| t["Id"].as_str().unwrap()).collect();
    assert_eq!(got, ["TAX", "NON", "2", "3"]);
    assert_eq!(
        list[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        [
            "Name",
            "Description",
            "Taxable",
            "TaxGroup",
            "Id",
            "MetaData"
        ]
    );
    let t = q.get("/taxcode/NON").await;
    assert_eq!(t.json["TaxCode"]["Taxable"], json!(false));
    assert_eq!(
        q.get("/taxcode/2").await.json["TaxCode"]["Name"],
        "California"
    );
    let r = q.query("SELECT * FROM TaxCode WHERE Name = 'TAX'").await;
    assert_eq!(r.json["QueryResponse"]["maxResults"], json!(1));
    assert_eq!(
        q.query("SELECT COUNT(*) FROM TaxCode").await.json["QueryResponse"]["totalCount"],
        json!(4)
    );
    // Tax codes are read-only here (created through the tax service in QBO).
    assert_eq!(
        q.post("/taxcode", &json!({"Name": "New"})).await.code(),
        Some("500")
    );
    // A non-US company has no pseudo codes.
    q.emu
        .shared()
        .quickbooks
        .lock()
        .unwrap()
        .set_company_info(&q.realm, json!({"Country": "GB"}), t0())
        .unwrap();
    let r = q.query("SELECT * FROM TaxCode").await;
    assert_eq!(
        r.json["QueryResponse"]["TaxCode"].as_array().unwrap().len(),
        2
    );
}
