//! End to end, products ⇄ items: pairing by SKU then name, creates both ways
//! with the income account, and exact money (no float ever holds a price).

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use serde_json::{Value, json};

const TWO_WAY: &str = "sync:\n  products:\n    direction: two_way\n    conflict: quickbooks_wins\n    income_account: Services\n";

/// Parse JSON keeping exact decimals (the harness's serde_json has
/// `arbitrary_precision`, so `json!` literals would go through f64).
fn exact(text: &str) -> Value {
    serde_json::from_str(text).expect("valid JSON")
}

#[test]
fn products_pair_by_sku_then_name_and_create_both_ways() {
    let w = World::new();
    // SKU match although the names differ.
    let widget = w.product(&[("name", "Widget"), ("hs_sku", "W-1"), ("price", "12.5")]);
    w.item(exact(r#"{"Name": "Widget renamed", "Sku": "W-1", "Type": "Service", "UnitPrice": 12.50, "IncomeAccountRef": {"value": "1"}}"#));
    // Name match (case-insensitive) without a SKU.
    let gadget = w.product(&[("name", "Gadget"), ("price", "3")]);
    w.item(exact(r#"{"Name": "gadget", "Type": "Service", "UnitPrice": 3, "IncomeAccountRef": {"value": "1"}}"#));
    // Only in HubSpot → a new Service item with the income account.
    w.product(&[
        ("name", "Brand New"),
        ("hs_sku", "BN-1"),
        ("price", "1.00"),
        ("hs_cost_of_goods_sold", "0.40"),
        ("description", "fresh"),
    ]);
    // Only in QuickBooks → a new product.
    w.item(exact(r#"{"Name": "Legacy Kit", "Sku": "LK-9", "Type": "NonInventory", "UnitPrice": 99.99, "IncomeAccountRef": {"value": "1"}}"#));
    w.manifest(TWO_WAY);
    let p = w.plan();
    assert!(p.stdout.contains("match: sku=W-1"), "{p}");
    assert!(p.stdout.contains("match: name=Gadget"), "{p}");
    // Linked pairs whose fields differ are reconciled by the second apply.
    let applies = w.converge(2);
    assert_eq!(applies.len(), 2);
    w.assert_no_duplicates();
    let c = w.contents();
    // The default "Services" item is only in QuickBooks: it becomes a product too.
    assert_eq!(c.items.len(), 5, "{:#?}", c.items);
    assert_eq!(c.products.len(), 5, "{:#?}", c.products);
    let bn = c.item("Brand New");
    assert_eq!(bn["Sku"], "BN-1");
    assert_eq!(bn["Type"], "Service");
    assert_eq!(bn["IncomeAccountRef.value"], "1");
    assert_eq!(bn["Description"], "fresh");
    assert_eq!(c.product("Legacy Kit")["price"], "99.99");
    assert_eq!(c.product("Legacy Kit")["hsqb_qbo_item_id"], "→ Legacy Kit");
    // quickbooks_wins: the paired names converge on QuickBooks' spelling.
    assert_eq!(
        w.hs_prop("products", &widget, "hsqb_qbo_item_id")
            .map(|id| w.qbo_get("Item", &id)["Name"].clone()),
        Some(json!("Widget renamed"))
    );
    assert_eq!(
        w.hs_prop("products", &widget, "name").as_deref(),
        Some("Widget renamed")
    );
    assert_eq!(
        w.hs_prop("products", &gadget, "name").as_deref(),
        Some("gadget")
    );
}

#[test]
fn money_is_exact_from_quickbooks_to_hubspot() {
    let w = World::new();
    w.item(exact(r#"{"Name": "Tiny", "Type": "Service", "UnitPrice": 0.10000000000000000001, "IncomeAccountRef": {"value": "1"}}"#));
    w.item(exact(r#"{"Name": "Half", "Type": "Service", "UnitPrice": 12.50, "PurchaseCost": 7.125, "IncomeAccountRef": {"value": "1"}}"#));
    // Already paired with an equal price written differently: no update.
    let same = w.item(exact(r#"{"Name": "Same", "Type": "Service", "UnitPrice": 12.5, "IncomeAccountRef": {"value": "1"}}"#));
    let same_h = w.product(&[("name", "Same"), ("price", "12.50")]);
    w.manifest("sync:\n  products:\n    direction: quickbooks_to_hubspot\n");
    w.converge(2);
    let c = w.contents();
    assert_eq!(c.product("Tiny")["price"], "0.10000000000000000001");
    // QuickBooks prints 12.50 as 12.5 (as the real API does).
    assert_eq!(c.product("Half")["price"], "12.5");
    assert_eq!(c.product("Half")["hs_cost_of_goods_sold"], "7.125");
    assert_eq!(
        w.hs_prop("products", &same_h, "hsqb_qbo_item_id")
            .as_deref(),
        Some(same.as_str())
    );
    // 12.50 vs 12.5 is not a change: HubSpot keeps its own spelling.
    assert_eq!(
        w.hs_prop("products", &same_h, "price").as_deref(),
        Some("12.50")
    );
    // A later price change of one ten-thousandth flows exactly.
    w.advance(chrono::Duration::minutes(1));
    w.qbo_patch("Item", &same, exact(r#"{"UnitPrice": 12.5001}"#));
    w.converge(1);
    assert_eq!(
        w.hs_prop("products", &same_h, "price").as_deref(),
        Some("12.5001")
    );
}

#[test]
fn money_is_exact_from_hubspot_to_quickbooks() {
    let w = World::new();
    w.product(&[("name", "Precise"), ("hs_sku", "P-1"), ("price", "19.999")]);
    w.product(&[("name", "Cents"), ("hs_sku", "C-1"), ("price", "0.01")]);
    w.manifest(
        "sync:\n  products:\n    direction: hubspot_to_quickbooks\n    income_account: Services\n",
    );
    w.converge(1);
    let item = |name: &str| {
        w.qbo_all("Item")
            .into_iter()
            .find(|i| i["Name"] == name)
            .unwrap_or_else(|| panic!("no item {name}"))
    };
    // Compare the exact JSON number text, never a float.
    assert_eq!(item("Precise")["UnitPrice"].to_string(), "19.999");
    assert_eq!(item("Cents")["UnitPrice"].to_string(), "0.01");
}

#[test]
fn unknown_income_account_is_a_diagnostic_and_nothing_is_created() {
    let w = World::new();
    w.product(&[("name", "Orphan"), ("price", "1")]);
    w.manifest(
        "sync:\n  products:\n    direction: hubspot_to_quickbooks\n    income_account: No Such Account\n",
    );
    w.converge(1);
    let p = w.plan();
    assert!(p.stdout.contains("No Such Account"), "{p}");
    assert!(w.qbo_all("Item").iter().all(|i| i["Name"] != "Orphan"));
}

#[test]
fn products_and_contacts_together_in_one_apply() {
    let w = World::new();
    for i in 0..3 {
        w.product(&[
            ("name", &format!("P{i}")),
            ("hs_sku", &format!("SKU-{i}")),
            ("price", "5"),
            ("hs_cost_of_goods_sold", "2"),
        ]);
        w.contact(&[
            ("email", &format!("c{i}@x.test")),
            ("firstname", &format!("C{i}")),
        ]);
    }
    w.manifest(&format!(
        "{TWO_WAY}  contacts:\n    direction: two_way\n    conflict: newest_wins\n"
    ));
    let applies = w.converge(1);
    assert_eq!(applies.len(), 1);
    w.assert_no_duplicates();
    let c = w.contents();
    assert_eq!(c.customers.len(), 3);
    assert_eq!(c.items.len(), 4);
    assert!(
        c.contacts
            .iter()
            .all(|r| r.contains_key("hsqb_qbo_customer_id"))
    );
    assert!(
        c.products
            .iter()
            .all(|r| r.contains_key("hsqb_qbo_item_id"))
    );
}

/// Known planner bug: a two-way product created in QuickBooks gets server
/// defaults for mapped fields HubSpot left empty (`PurchaseCost: 0`), and the
/// next plan copies them back to HubSpot as a conflict "with no baseline yet":
/// plan → apply → plan is not `No changes.`. The create's baseline (or payload)
/// should account for the defaults QuickBooks fills in.
#[test]
#[ignore = "planner bug: QBO server defaults of a two-way create show up as a change on the next plan"]
fn a_two_way_item_create_is_clean_after_one_apply() {
    let w = World::new();
    w.product(&[("name", "No Cost"), ("hs_sku", "NC-1"), ("price", "5")]);
    w.manifest(TWO_WAY);
    assert_eq!(w.converge(2).len(), 1);
}
