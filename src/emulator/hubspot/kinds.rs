//! The CRM object types the emulated portal serves, addressed on the wire by
//! plural name (`contacts`) or object type id (`0-1`).

use serde::{Deserialize, Serialize};

/// One CRM object type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// `contacts` / `0-1`.
    Contacts,
    /// `companies` / `0-2`.
    Companies,
    /// `deals` / `0-3`.
    Deals,
    /// `products` / `0-7`.
    Products,
    /// `line_items` / `0-8`.
    LineItems,
    /// `quotes` / `0-14`.
    Quotes,
    /// `invoices` / `0-53`.
    Invoices,
}

impl ObjectKind {
    /// Every kind, in a fixed order (also the seed loading order: products
    /// before line items, which reference them).
    pub const ALL: [ObjectKind; 7] = [
        ObjectKind::Contacts,
        ObjectKind::Companies,
        ObjectKind::Deals,
        ObjectKind::Products,
        ObjectKind::LineItems,
        ObjectKind::Quotes,
        ObjectKind::Invoices,
    ];

    /// Plural path name (`line_items`).
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Contacts => "contacts",
            ObjectKind::Companies => "companies",
            ObjectKind::Deals => "deals",
            ObjectKind::Products => "products",
            ObjectKind::LineItems => "line_items",
            ObjectKind::Quotes => "quotes",
            ObjectKind::Invoices => "invoices",
        }
    }

    /// Object type id (`0-8`).
    pub fn type_id(self) -> &'static str {
        match self {
            ObjectKind::Contacts => "0-1",
            ObjectKind::Companies => "0-2",
            ObjectKind::Deals => "0-3",
            ObjectKind::Products => "0-7",
            ObjectKind::LineItems => "0-8",
            ObjectKind::Quotes => "0-14",
            ObjectKind::Invoices => "0-53",
        }
    }

    /// Singular name used in association type names (`line_item`).
    pub fn singular(self) -> &'static str {
        match self {
            ObjectKind::Contacts => "contact",
            ObjectKind::Companies => "company",
            ObjectKind::Deals => "deal",
            ObjectKind::Products => "product",
            ObjectKind::LineItems => "line_item",
            ObjectKind::Quotes => "quote",
            ObjectKind::Invoices => "invoice",
        }
    }

    /// Upper-case name used in error messages (`LINE_ITEM`).
    pub fn upper(self) -> String {
        self.singular().to_ascii_uppercase()
    }

    /// Parse a path segment: the plural name or the type id (exact match).
    pub fn parse(s: &str) -> Option<ObjectKind> {
        ObjectKind::ALL
            .into_iter()
            .find(|k| k.name() == s || k.type_id() == s)
    }

    /// The read-only "last modified" property: `lastmodifieddate` on
    /// contacts, `hs_lastmodifieddate` on every other object.
    pub fn modified_prop(self) -> &'static str {
        match self {
            ObjectKind::Contacts => "lastmodifieddate",
            _ => "hs_lastmodifieddate",
        }
    }

    /// The read-only creation-date properties of this object.
    pub fn created_props(self) -> &'static [&'static str] {
        match self {
            ObjectKind::Quotes | ObjectKind::Invoices => &["hs_createdate"],
            _ => &["createdate", "hs_createdate"],
        }
    }

    /// Properties returned when a read does not ask for any.
    pub fn default_props(self) -> &'static [&'static str] {
        match self {
            ObjectKind::Contacts => &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
            ObjectKind::Companies => &[
                "createdate",
                "domain",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
            ],
            ObjectKind::Deals => &[
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ],
            ObjectKind::Products => &[
                "createdate",
                "description",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
                "price",
            ],
            ObjectKind::LineItems => &[
                "amount",
                "createdate",
                "hs_lastmodifieddate",
                "hs_object_id",
                "name",
                "price",
                "quantity",
            ],
            ObjectKind::Quotes => &[
                "hs_createdate",
                "hs_expiration_date",
                "hs_lastmodifieddate",
                "hs_object_id",
                "hs_status",
                "hs_title",
            ],
            ObjectKind::Invoices => &[
                "hs_createdate",
                "hs_currency",
                "hs_invoice_status",
                "hs_lastmodifieddate",
                "hs_object_id",
            ],
        }
    }

    /// Text properties searched by the free-text `query` of a search request.
    pub fn query_props(self) -> &'static [&'static str] {
        match self {
            ObjectKind::Contacts => &["firstname", "lastname", "email", "phone", "company"],
            ObjectKind::Companies => &["name", "domain", "phone", "website"],
            ObjectKind::Deals => &["dealname"],
            ObjectKind::Products => &["name", "description", "hs_sku"],
            ObjectKind::LineItems => &["name", "hs_sku"],
            ObjectKind::Quotes => &["hs_title"],
            ObjectKind::Invoices => &["hs_number", "hs_title"],
        }
    }

    /// The default property group of this object.
    pub fn default_group(self) -> (&'static str, &'static str) {
        match self {
            ObjectKind::Contacts => ("contactinformation", "Contact information"),
            ObjectKind::Companies => ("companyinformation", "Company information"),
            ObjectKind::Deals => ("dealinformation", "Deal information"),
            ObjectKind::Products => ("productinformation", "Product information"),
            ObjectKind::LineItems => ("lineiteminformation", "Line item information"),
            ObjectKind::Quotes => ("quoteinformation", "Quote information"),
            ObjectKind::Invoices => ("invoiceinformation", "Invoice information"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_and_type_ids_only() {
        for k in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(k.name()), Some(k));
            assert_eq!(ObjectKind::parse(k.type_id()), Some(k));
        }
        assert_eq!(ObjectKind::parse("0-53"), Some(ObjectKind::Invoices));
        assert_eq!(ObjectKind::parse("contact"), None);
        assert_eq!(ObjectKind::parse("Contacts"), None);
    }
}
