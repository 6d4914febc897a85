//! What the harness compares: both systems' records without ids or
//! timestamps ([`Contents`]), and the no-duplicates check.

use super::World;
use serde_json::Value;
use std::collections::BTreeMap;

impl World {
    /// A canonical, id-free picture of both systems (see [`Contents`]).
    pub fn contents(&self) -> Contents {
        let customers = self.qbo_all("Customer");
        let items = self.qbo_all("Item");
        let name_of = |list: &[Value], field: &str, id: &str| -> String {
            list.iter()
                .find(|v| v["Id"].as_str() == Some(id))
                .and_then(|v| v[field].as_str())
                .map(|n| format!("→ {n}"))
                .unwrap_or_else(|| format!("→ missing Id {id}"))
        };
        let hs_side = |object: &str, fields: &[&str], link: &str, list: &[Value], name: &str| {
            let mut rows: Vec<BTreeMap<String, String>> = self
                .hs_live(object)
                .into_iter()
                .map(|r| {
                    let mut row = BTreeMap::new();
                    for f in fields {
                        if let Some(v) = r.properties.get(*f).filter(|v| !v.is_empty()) {
                            row.insert(f.to_string(), v.clone());
                        }
                    }
                    if let Some(id) = r.properties.get(link).filter(|v| !v.is_empty()) {
                        row.insert(link.to_string(), name_of(list, name, id));
                    }
                    row
                })
                .collect();
            rows.sort();
            rows
        };
        let qbo_side = |list: &[Value], fields: &[&str]| {
            let mut rows: Vec<BTreeMap<String, String>> = list
                .iter()
                .map(|v| {
                    let mut row = BTreeMap::new();
                    for f in fields {
                        if let Some(x) = path(v, f) {
                            row.insert(f.to_string(), x);
                        }
                    }
                    row
                })
                .collect();
            rows.sort();
            rows
        };
        Contents {
            contacts: hs_side(
                "contacts",
                CONTACT_PROPS,
                "hsqb_qbo_customer_id",
                &customers,
                "DisplayName",
            ),
            customers: qbo_side(&customers, CUSTOMER_FIELDS),
            products: hs_side(
                "products",
                PRODUCT_PROPS,
                "hsqb_qbo_item_id",
                &items,
                "Name",
            ),
            items: qbo_side(&items, ITEM_FIELDS),
        }
    }

    /// Assert that neither side holds a duplicate: no two live contacts share
    /// an email or a link, no two customers share an email (case-folded) or a
    /// display name, no two products share a link or SKU, no two items share
    /// a name or SKU, and every link points at an existing record.
    #[track_caller]
    pub fn assert_no_duplicates(&self) {
        let c = self.contents();
        fn dups(rows: &[BTreeMap<String, String>], key: &str, fold: bool) -> Vec<String> {
            let mut seen = BTreeMap::new();
            for r in rows {
                if let Some(v) = r.get(key) {
                    let k = if fold {
                        v.trim().to_lowercase()
                    } else {
                        v.clone()
                    };
                    *seen.entry(k).or_insert(0) += 1;
                }
            }
            seen.into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(k, n)| format!("{key}={k} ×{n}"))
                .collect()
        }
        let mut problems = Vec::new();
        problems.extend(dups(&c.contacts, "email", true));
        problems.extend(dups(&c.contacts, "hsqb_qbo_customer_id", false));
        problems.extend(dups(&c.customers, "PrimaryEmailAddr.Address", true));
        problems.extend(dups(&c.customers, "DisplayName", true));
        problems.extend(dups(&c.products, "hsqb_qbo_item_id", false));
        problems.extend(dups(&c.products, "hs_sku", false));
        problems.extend(dups(&c.items, "Name", true));
        problems.extend(dups(&c.items, "Sku", false));
        for r in c.contacts.iter().chain(c.products.iter()) {
            for (k, v) in r {
                if v.starts_with("→ missing") {
                    problems.push(format!("{k} {v}"));
                }
            }
        }
        assert!(problems.is_empty(), "duplicates: {problems:#?}\n{c:#?}");
    }

    /// Assert the state file (if any) and its journal parse.
    #[track_caller]
    pub fn assert_state_parses(&self) {
        let store = hsqb::state::LocalStore::new(self.state_path());
        if let Err(e) = store.load() {
            panic!("state file does not parse: {e}");
        }
        if let Err(e) = store.journal() {
            panic!("journal does not parse: {e}");
        }
        if let Err(e) = store.lock_info() {
            panic!("lock file does not parse: {e}");
        }
    }
}

/// A JSON value at a dotted path, as text (numbers keep their exact digits).
pub fn path(v: &Value, p: &str) -> Option<String> {
    let mut cur = v;
    for part in p.split('.') {
        cur = cur.get(part)?;
    }
    match cur {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Contact properties compared by [`World::contents`].
pub const CONTACT_PROPS: &[&str] = &[
    "email",
    "firstname",
    "lastname",
    "company",
    "phone",
    "mobilephone",
    "address",
    "city",
    "state",
    "zip",
    "country",
    "website",
    "lifecyclestage",
];

/// Customer fields compared by [`World::contents`].
pub const CUSTOMER_FIELDS: &[&str] = &[
    "DisplayName",
    "Active",
    "GivenName",
    "FamilyName",
    "CompanyName",
    "PrimaryEmailAddr.Address",
    "PrimaryPhone.FreeFormNumber",
    "Mobile.FreeFormNumber",
    "BillAddr.Line1",
    "BillAddr.City",
    "BillAddr.CountrySubDivisionCode",
    "BillAddr.PostalCode",
    "BillAddr.Country",
    "WebAddr.URI",
];

/// Product properties compared by [`World::contents`].
pub const PRODUCT_PROPS: &[&str] = &[
    "name",
    "hs_sku",
    "description",
    "price",
    "hs_cost_of_goods_sold",
];

/// Item fields compared by [`World::contents`].
pub const ITEM_FIELDS: &[&str] = &[
    "Name",
    "Active",
    "Sku",
    "Type",
    "Description",
    "UnitPrice",
    "PurchaseCost",
    "IncomeAccountRef.value",
];

/// Both systems' records, without ids or timestamps: HubSpot link properties
/// are resolved to the linked QuickBooks record's name (`→ Acme`), so two runs
/// that assigned different ids compare equal when they did the same work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// Live HubSpot contacts.
    pub contacts: Vec<BTreeMap<String, String>>,
    /// QBO customers (active and inactive).
    pub customers: Vec<BTreeMap<String, String>>,
    /// Live HubSpot products.
    pub products: Vec<BTreeMap<String, String>>,
    /// QBO items (active and inactive).
    pub items: Vec<BTreeMap<String, String>>,
}

impl Contents {
    /// The contact with this email.
    #[track_caller]
    pub fn contact(&self, email: &str) -> &BTreeMap<String, String> {
        self.contacts
            .iter()
            .find(|c| c.get("email").map(String::as_str) == Some(email))
            .unwrap_or_else(|| panic!("no contact {email} in {:#?}", self.contacts))
    }

    /// The customer with this display name.
    #[track_caller]
    pub fn customer(&self, name: &str) -> &BTreeMap<String, String> {
        self.customers
            .iter()
            .find(|c| c.get("DisplayName").map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no customer {name} in {:#?}", self.customers))
    }

    /// The product with this name.
    #[track_caller]
    pub fn product(&self, name: &str) -> &BTreeMap<String, String> {
        self.products
            .iter()
            .find(|c| c.get("name").map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no product {name} in {:#?}", self.products))
    }

    /// The item with this name.
    #[track_caller]
    pub fn item(&self, name: &str) -> &BTreeMap<String, String> {
        self.items
            .iter()
            .find(|c| c.get("Name").map(String::as_str) == Some(name))
            .unwrap_or_else(|| panic!("no item {name} in {:#?}", self.items))
    }
}
