//! Records as the planner sees them, independent of either API's wire types.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Which system a record or change belongs to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum System {
    /// HubSpot CRM.
    Hubspot,
    /// QuickBooks Online.
    Quickbooks,
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            System::Hubspot => "hubspot",
            System::Quickbooks => "quickbooks",
        })
    }
}

/// The kinds of objects hsqb reads or writes, on either side.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// HubSpot contact (`0-1`).
    Contact,
    /// HubSpot company (`0-2`).
    Company,
    /// HubSpot deal (`0-3`).
    Deal,
    /// HubSpot product (`0-7`).
    Product,
    /// HubSpot line item (`0-8`).
    LineItem,
    /// HubSpot quote (`0-14`).
    Quote,
    /// HubSpot invoice (`0-53`).
    HsInvoice,
    /// QBO Customer.
    Customer,
    /// QBO Item.
    Item,
    /// QBO Invoice.
    Invoice,
    /// QBO Vendor (read for DisplayName uniqueness).
    Vendor,
    /// QBO Employee (read for DisplayName uniqueness).
    Employee,
    /// QBO Payment.
    Payment,
    /// QBO Term.
    Term,
    /// QBO TaxCode.
    TaxCode,
    /// A HubSpot property definition (created by `ensure` changes).
    Property,
}

impl ObjectKind {
    /// The system this kind lives in.
    pub fn system(self) -> System {
        use ObjectKind::*;
        match self {
            Contact | Company | Deal | Product | LineItem | Quote | HsInvoice | Property => {
                System::Hubspot
            }
            Customer | Item | Invoice | Vendor | Employee | Payment | Term | TaxCode => {
                System::Quickbooks
            }
        }
    }

    /// HubSpot object path name (`contacts`, `invoices`, …); `None` for QBO kinds.
    pub fn hubspot_name(self) -> Option<&'static str> {
        use ObjectKind::*;
        Some(match self {
            Contact => "contacts",
            Company => "companies",
            Deal => "deals",
            Product => "products",
            LineItem => "line_items",
            Quote => "quotes",
            HsInvoice => "invoices",
            _ => return None,
        })
    }

    /// QBO entity name (`Customer`, `Item`, …); `None` for HubSpot kinds.
    pub fn qbo_name(self) -> Option<&'static str> {
        use ObjectKind::*;
        Some(match self {
            Customer => "Customer",
            Item => "Item",
            Invoice => "Invoice",
            Vendor => "Vendor",
            Employee => "Employee",
            Payment => "Payment",
            Term => "Term",
            TaxCode => "TaxCode",
            _ => return None,
        })
    }

    /// Singular noun for messages ("contact", "customer", …).
    pub fn noun(self) -> &'static str {
        use ObjectKind::*;
        match self {
            Contact => "contact",
            Company => "company",
            Deal => "deal",
            Product => "product",
            LineItem => "line item",
            Quote => "quote",
            HsInvoice => "invoice",
            Customer => "customer",
            Item => "item",
            Invoice => "invoice",
            Vendor => "vendor",
            Employee => "employee",
            Payment => "payment",
            Term => "term",
            TaxCode => "tax code",
            Property => "property",
        }
    }
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// A dotted path into a QBO entity (`BillAddr.City`, `PrimaryEmailAddr.Address`,
/// `SalesTermRef.value`, `CustomField[Sales Rep]`) or a HubSpot property name.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct FieldPath(pub String);

impl FieldPath {
    /// The path's segments.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('.')
    }

    /// Look the path up in a QBO JSON object. `CustomField[Name]` selects the
    /// custom field with that `Name` and yields its `StringValue`.
    pub fn get<'a>(
        &self,
        obj: &'a serde_json::Map<String, serde_json::Value>,
    ) -> Option<&'a serde_json::Value> {
        let mut segs = self.segments();
        let first = segs.next()?;
        let mut cur = get_segment(obj, first)?;
        for seg in segs {
            cur = get_segment(cur.as_object()?, seg)?;
        }
        Some(cur)
    }

    /// Set the path in a QBO JSON object, creating intermediate objects.
    pub fn set(
        &self,
        obj: &mut serde_json::Map<String, serde_json::Value>,
        value: serde_json::Value,
    ) {
        let segs: Vec<&str> = self.segments().collect();
        set_in(obj, &segs, value);
    }
}

fn custom_field_name(seg: &str) -> Option<&str> {
    seg.strip_prefix("CustomField[")
        .and_then(|s| s.strip_suffix(']'))
}

fn get_segment<'a>(
    obj: &'a serde_json::Map<String, serde_json::Value>,
    seg: &str,
) -> Option<&'a serde_json::Value> {
    if let Some(name) = custom_field_name(seg) {
        return obj.get("CustomField")?.as_array()?.iter().find_map(|cf| {
            let cf = cf.as_object()?;
            (cf.get("Name")?.as_str()? == name)
                .then(|| cf.get("StringValue"))
                .flatten()
        });
    }
    obj.get(seg)
}

fn set_in(
    obj: &mut serde_json::Map<String, serde_json::Value>,
    segs: &[&str],
    value: serde_json::Value,
) {
    let Some((first, rest)) = segs.split_first() else {
        return;
    };
    if let Some(name) = custom_field_name(first) {
        let list = obj
            .entry("CustomField")
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if !list.is_array() {
            *list = serde_json::Value::Array(Vec::new());
        }
        let arr = list.as_array_mut().expect("just made an array");
        let pos = arr
            .iter()
            .position(|cf| cf.get("Name").and_then(|n| n.as_str()) == Some(name));
        let entry = match pos {
            Some(i) => &mut arr[i],
            None => {
                arr.push(serde_json::json!({"Name": name, "Type": "StringType"}));
                arr.last_mut().expect("just pushed")
            }
        };
        if let Some(m) = entry.as_object_mut() {
            m.insert("StringValue".into(), value);
        }
        return;
    }
    if rest.is_empty() {
        obj.insert((*first).to_string(), value);
        return;
    }
    let child = obj
        .entry((*first).to_string())
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    if !child.is_object() {
        *child = serde_json::Value::Object(Default::default());
    }
    if let Some(m) = child.as_object_mut() {
        set_in(m, rest, value);
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for FieldPath {
    fn from(s: &str) -> Self {
        FieldPath(s.to_string())
    }
}

/// A HubSpot CRM record (any object type). Property values are the raw wire
/// strings; typing happens in the planner with the property definitions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsRecord {
    /// Record id (numeric string).
    pub id: String,
    /// Property values as sent by HubSpot. A property with no value is absent.
    pub properties: BTreeMap<String, String>,
    /// `createdAt`.
    pub created_at: DateTime<Utc>,
    /// `updatedAt`: the precondition apply checks before writing.
    pub updated_at: DateTime<Utc>,
    /// Archived (in the recycle bin).
    pub archived: bool,
}

impl HsRecord {
    /// A property's value, treating empty strings as absent.
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.properties
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }
}

/// A QBO entity (Customer, Item, Invoice, …) kept as its JSON object so that
/// any field path can be mapped; the envelope fields are lifted out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QboRecord {
    /// Entity `Id`.
    pub id: String,
    /// `SyncToken`: the precondition apply checks (and sends) on update.
    pub sync_token: String,
    /// `Active` (name-list entities); `true` when absent.
    pub active: bool,
    /// `MetaData.CreateTime`.
    pub created: Option<DateTime<FixedOffset>>,
    /// `MetaData.LastUpdatedTime`.
    pub updated: DateTime<FixedOffset>,
    /// The whole entity object as QBO sent it (numbers keep their exact digits).
    pub body: serde_json::Map<String, serde_json::Value>,
}

impl QboRecord {
    /// Value at a field path.
    pub fn get(&self, path: &str) -> Option<&serde_json::Value> {
        FieldPath(path.to_string()).get(&self.body)
    }

    /// String value at a field path (`None` when absent or not a string).
    pub fn get_str(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(|v| v.as_str())
    }
}

/// A QBO deletion seen through change data capture (`status: "Deleted"` stub).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QboDeleted {
    /// Entity name (`Invoice`, …).
    pub entity: String,
    /// Entity `Id`.
    pub id: String,
    /// When it was deleted.
    pub when: DateTime<FixedOffset>,
}

/// A HubSpot property definition (from the Properties API).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HsPropertyDef {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// `type` (string, number, date, datetime, enumeration, bool, phone_number).
    pub type_: String,
    /// `fieldType` (text, number, select, …).
    pub field_type: String,
    /// Group name.
    pub group_name: String,
    /// `hasUniqueValue`.
    pub has_unique_value: bool,
    /// `modificationMetadata.readOnlyValue` (or calculated).
    pub read_only: bool,
    /// Enumeration option values.
    pub options: Vec<String>,
    /// HubSpot-defined (not custom).
    pub hubspot_defined: bool,
}

/// One association between two HubSpot records (v4).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Association {
    /// Source record id.
    pub from_id: String,
    /// Target record id.
    pub to_id: String,
    /// Association type id (e.g. 177 invoice → contact).
    pub type_id: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_get_and_set() {
        let mut obj: serde_json::Map<String, serde_json::Value> = serde_json::from_str(
            r#"{"BillAddr":{"City":"Oslo"},"CustomField":[{"DefinitionId":"1","Name":"Rep","Type":"StringType","StringValue":"Ann"}]}"#,
        )
        .unwrap();
        assert_eq!(FieldPath::from("BillAddr.City").get(&obj).unwrap(), "Oslo");
        assert_eq!(
            FieldPath::from("CustomField[Rep]").get(&obj).unwrap(),
            "Ann"
        );
        FieldPath::from("PrimaryEmailAddr.Address").set(&mut obj, "a@b.co".into());
        FieldPath::from("CustomField[Rep]").set(&mut obj, "Bo".into());
        assert_eq!(obj["PrimaryEmailAddr"]["Address"], "a@b.co");
        assert_eq!(FieldPath::from("CustomField[Rep]").get(&obj).unwrap(), "Bo");
        assert!(FieldPath::from("ShipAddr.City").get(&obj).is_none());
    }
}
