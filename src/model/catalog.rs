//! What hsqb knows offline about both APIs' fields: QuickBooks entity field
//! paths (type, length limit, writability) and HubSpot's built-in properties.
//! Used by manifest validation, the planner's mapping and `hsqb mappings`.
//! HubSpot custom properties are only known live (Properties API).

use super::ValueType;

/// How a field may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write.
    ReadWrite,
    /// Written on create only (e.g. QBO `DisplayName` we never rename,
    /// `CurrencyRef` which is immutable once set).
    CreateOnly,
    /// Computed or system-maintained: never written.
    ReadOnly,
}

/// One known field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// QBO field path or HubSpot property name.
    pub path: &'static str,
    /// Value type.
    pub ty: ValueType,
    /// Maximum length in characters (QBO rejects longer values with 2050).
    pub max_len: Option<usize>,
    /// Writability.
    pub access: Access,
}

const fn f(path: &'static str, ty: ValueType, max_len: Option<usize>, access: Access) -> FieldSpec {
    FieldSpec {
        path,
        ty,
        max_len,
        access,
    }
}

use Access::*;
use ValueType::*;

macro_rules! addr {
    ($p:literal) => {
        [
            f(concat!($p, ".Line1"), Text, Some(500), ReadWrite),
            f(concat!($p, ".Line2"), Text, Some(500), ReadWrite),
            f(concat!($p, ".Line3"), Text, Some(500), ReadWrite),
            f(concat!($p, ".Line4"), Text, Some(500), ReadWrite),
            f(concat!($p, ".Line5"), Text, Some(500), ReadWrite),
            f(concat!($p, ".City"), Text, Some(255), ReadWrite),
            f(
                concat!($p, ".CountrySubDivisionCode"),
                Text,
                Some(255),
                ReadWrite,
            ),
            f(concat!($p, ".PostalCode"), Text, Some(30), ReadWrite),
            f(concat!($p, ".Country"), Text, Some(255), ReadWrite),
        ]
    };
}

const CUSTOMER_BASE: &[FieldSpec] = &[
    f("Id", Text, None, ReadOnly),
    f("DisplayName", Text, Some(500), CreateOnly),
    f("Title", Text, Some(16), ReadWrite),
    f("GivenName", Text, Some(100), ReadWrite),
    f("MiddleName", Text, Some(100), ReadWrite),
    f("FamilyName", Text, Some(100), ReadWrite),
    f("Suffix", Text, Some(16), ReadWrite),
    f("CompanyName", Text, Some(100), ReadWrite),
    f("PrintOnCheckName", Text, Some(110), ReadWrite),
    f("FullyQualifiedName", Text, None, ReadOnly),
    f("PrimaryEmailAddr.Address", Text, Some(100), ReadWrite),
    f("PrimaryPhone.FreeFormNumber", Text, Some(21), ReadWrite),
    f("Mobile.FreeFormNumber", Text, Some(21), ReadWrite),
    f("AlternatePhone.FreeFormNumber", Text, Some(21), ReadWrite),
    f("Fax.FreeFormNumber", Text, Some(21), ReadWrite),
    f("WebAddr.URI", Text, Some(1000), ReadWrite),
    f("Notes", Text, Some(1024), ReadWrite),
    f("Active", Bool, None, ReadWrite),
    f("Taxable", Bool, None, ReadWrite),
    f("Balance", Money, None, ReadOnly),
    f("BalanceWithJobs", Money, None, ReadOnly),
    f("CurrencyRef.value", Enumeration, None, CreateOnly),
    f("PreferredDeliveryMethod", Enumeration, None, ReadWrite),
    f("ResaleNum", Text, Some(16), ReadWrite),
    f("SalesTermRef.value", Text, None, ReadWrite),
    f("CustomerTypeRef.value", Text, None, ReadWrite),
    f("MetaData.CreateTime", Datetime, None, ReadOnly),
    f("MetaData.LastUpdatedTime", Datetime, None, ReadOnly),
];
const CUSTOMER_BILL: [FieldSpec; 9] = addr!("BillAddr");
const CUSTOMER_SHIP: [FieldSpec; 9] = addr!("ShipAddr");

const ITEM: &[FieldSpec] = &[
    f("Id", Text, None, ReadOnly),
    f("Name", Text, Some(100), ReadWrite),
    f("Sku", Text, Some(100), ReadWrite),
    f("Description", Text, Some(4000), ReadWrite),
    f("PurchaseDesc", Text, Some(4000), ReadWrite),
    f("UnitPrice", Money, None, ReadWrite),
    f("PurchaseCost", Money, None, ReadWrite),
    f("Type", Enumeration, None, CreateOnly),
    f("Active", Bool, None, ReadWrite),
    f("Taxable", Bool, None, ReadWrite),
    f("TrackQtyOnHand", Bool, None, CreateOnly),
    f("QtyOnHand", Number, None, ReadWrite),
    f("InvStartDate", Date, None, ReadWrite),
    f("IncomeAccountRef.value", Text, None, ReadWrite),
    f("ExpenseAccountRef.value", Text, None, ReadWrite),
    f("AssetAccountRef.value", Text, None, ReadWrite),
    f("FullyQualifiedName", Text, None, ReadOnly),
    f("MetaData.CreateTime", Datetime, None, ReadOnly),
    f("MetaData.LastUpdatedTime", Datetime, None, ReadOnly),
];

const INVOICE: &[FieldSpec] = &[
    f("Id", Text, None, ReadOnly),
    f("DocNumber", Text, Some(21), ReadWrite),
    f("TxnDate", Date, None, ReadWrite),
    f("DueDate", Date, None, ReadWrite),
    f("ShipDate", Date, None, ReadWrite),
    f("TrackingNum", Text, Some(31), ReadWrite),
    f("TotalAmt", Money, None, ReadOnly),
    f("Balance", Money, None, ReadOnly),
    f("HomeTotalAmt", Money, None, ReadOnly),
    f("HomeBalance", Money, None, ReadOnly),
    f("Deposit", Money, None, ReadWrite),
    f("TxnTaxDetail.TotalTax", Money, None, ReadOnly),
    f("CustomerMemo.value", Text, Some(1000), ReadWrite),
    f("PrivateNote", Text, Some(4000), ReadWrite),
    f("CurrencyRef.value", Enumeration, None, CreateOnly),
    f("ExchangeRate", Number, None, ReadWrite),
    f("EmailStatus", Enumeration, None, ReadWrite),
    f("PrintStatus", Enumeration, None, ReadWrite),
    f("BillEmail.Address", Text, Some(100), ReadWrite),
    f("CustomerRef.value", Text, None, ReadWrite),
    f("CustomerRef.name", Text, None, ReadOnly),
    f("SalesTermRef.value", Text, None, ReadWrite),
    f("MetaData.CreateTime", Datetime, None, ReadOnly),
    f("MetaData.LastUpdatedTime", Datetime, None, ReadOnly),
];

/// QBO custom fields (`CustomField[Name]`) hold at most 31 characters of text.
pub const QBO_CUSTOM_FIELD: FieldSpec = f("CustomField[]", Text, Some(31), ReadWrite);

/// Look up a QBO field path on an entity (`Customer`, `Item`, `Invoice`).
/// `CustomField[Name]` is accepted on every entity.
pub fn qbo_field(entity: &str, path: &str) -> Option<FieldSpec> {
    if path.starts_with("CustomField[") && path.ends_with(']') && path.len() > "CustomField[]".len()
    {
        return Some(QBO_CUSTOM_FIELD);
    }
    qbo_fields(entity).into_iter().find(|s| s.path == path)
}

/// Every known field path of a QBO entity.
pub fn qbo_fields(entity: &str) -> Vec<FieldSpec> {
    match entity {
        "Customer" => CUSTOMER_BASE
            .iter()
            .chain(CUSTOMER_BILL.iter())
            .chain(CUSTOMER_SHIP.iter())
            .copied()
            .collect(),
        "Item" => ITEM.to_vec(),
        "Invoice" => INVOICE.to_vec(),
        _ => Vec::new(),
    }
}

const HS_CONTACTS: &[FieldSpec] = &[
    f("email", Text, None, ReadWrite),
    f("firstname", Text, None, ReadWrite),
    f("lastname", Text, None, ReadWrite),
    f("company", Text, None, ReadWrite),
    f("phone", Text, None, ReadWrite),
    f("mobilephone", Text, None, ReadWrite),
    f("address", Text, None, ReadWrite),
    f("city", Text, None, ReadWrite),
    f("state", Text, None, ReadWrite),
    f("zip", Text, None, ReadWrite),
    f("country", Text, None, ReadWrite),
    f("website", Text, None, ReadWrite),
    f("jobtitle", Text, None, ReadWrite),
    f("lifecyclestage", Enumeration, None, ReadWrite),
    f("hs_object_id", Number, None, ReadOnly),
    f("createdate", Datetime, None, ReadOnly),
    f("lastmodifieddate", Datetime, None, ReadOnly),
];

const HS_COMPANIES: &[FieldSpec] = &[
    f("name", Text, None, ReadWrite),
    f("domain", Text, None, ReadWrite),
    f("phone", Text, None, ReadWrite),
    f("city", Text, None, ReadWrite),
    f("country", Text, None, ReadWrite),
    f("hs_object_id", Number, None, ReadOnly),
    f("createdate", Datetime, None, ReadOnly),
    f("hs_lastmodifieddate", Datetime, None, ReadOnly),
];

const HS_DEALS: &[FieldSpec] = &[
    f("dealname", Text, None, ReadWrite),
    f("amount", Number, None, ReadWrite),
    f("dealstage", Enumeration, None, ReadWrite),
    f("pipeline", Enumeration, None, ReadWrite),
    f("closedate", Datetime, None, ReadWrite),
    f("deal_currency_code", Enumeration, None, ReadWrite),
    f("hs_object_id", Number, None, ReadOnly),
    f("createdate", Datetime, None, ReadOnly),
    f("hs_lastmodifieddate", Datetime, None, ReadOnly),
];

const HS_PRODUCTS: &[FieldSpec] = &[
    f("name", Text, None, ReadWrite),
    f("description", Text, None, ReadWrite),
    f("price", Number, None, ReadWrite),
    f("hs_sku", Text, None, ReadWrite),
    f("hs_cost_of_goods_sold", Number, None, ReadWrite),
    f("hs_object_id", Number, None, ReadOnly),
    f("createdate", Datetime, None, ReadOnly),
    f("hs_lastmodifieddate", Datetime, None, ReadOnly),
];

const HS_LINE_ITEMS: &[FieldSpec] = &[
    f("name", Text, None, ReadWrite),
    f("description", Text, None, ReadWrite),
    f("hs_product_id", Text, None, ReadWrite),
    f("quantity", Number, None, ReadWrite),
    f("price", Number, None, ReadWrite),
    f("amount", Number, None, ReadOnly),
    f("hs_sku", Text, None, ReadWrite),
    f("hs_object_id", Number, None, ReadOnly),
    f("createdate", Datetime, None, ReadOnly),
    f("hs_lastmodifieddate", Datetime, None, ReadOnly),
];

const HS_QUOTES: &[FieldSpec] = &[
    f("hs_title", Text, None, ReadWrite),
    f("hs_status", Enumeration, None, ReadWrite),
    f("hs_expiration_date", Date, None, ReadWrite),
    f("hs_currency", Enumeration, None, ReadWrite),
    f("hs_object_id", Number, None, ReadOnly),
    f("createdate", Datetime, None, ReadOnly),
    f("hs_lastmodifieddate", Datetime, None, ReadOnly),
];

const HS_INVOICES: &[FieldSpec] = &[
    f("hs_currency", Enumeration, None, ReadWrite),
    f("hs_invoice_status", Enumeration, None, ReadWrite),
    f("hs_number", Text, None, ReadWrite),
    f("hs_invoice_date", Date, None, ReadWrite),
    f("hs_due_date", Date, None, ReadWrite),
    f("hs_amount_billed", Number, None, ReadOnly),
    f("hs_balance_due", Number, None, ReadOnly),
    f("hs_comments", Text, None, ReadWrite),
    f("hs_title", Text, None, ReadWrite),
    f("hs_object_id", Number, None, ReadOnly),
    f("createdate", Datetime, None, ReadOnly),
    f("hs_lastmodifieddate", Datetime, None, ReadOnly),
];

/// HubSpot's built-in properties of an object (`contacts`, `products`, …) that
/// hsqb knows offline. Custom properties are discovered live.
pub fn hubspot_builtin(object: &str) -> &'static [FieldSpec] {
    match object {
        "contacts" => HS_CONTACTS,
        "companies" => HS_COMPANIES,
        "deals" => HS_DEALS,
        "products" => HS_PRODUCTS,
        "line_items" => HS_LINE_ITEMS,
        "quotes" => HS_QUOTES,
        "invoices" => HS_INVOICES,
        _ => &[],
    }
}

/// Look up a built-in HubSpot property.
pub fn hubspot_property(object: &str, name: &str) -> Option<FieldSpec> {
    hubspot_builtin(object)
        .iter()
        .find(|s| s.path == name)
        .copied()
}

/// Map a HubSpot property definition's `type` to a [`ValueType`].
pub fn hubspot_type(type_: &str, field_type: &str) -> ValueType {
    match type_ {
        "number" => Number,
        "date" => Date,
        "datetime" => Datetime,
        "bool" => Bool,
        "enumeration" if field_type == "booleancheckbox" => Bool,
        "enumeration" => Enumeration,
        _ => Text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert_eq!(
            qbo_field("Customer", "BillAddr.City").unwrap().max_len,
            Some(255)
        );
        assert_eq!(qbo_field("Invoice", "TotalAmt").unwrap().access, ReadOnly);
        assert_eq!(qbo_field("Item", "CustomField[Color]").unwrap().ty, Text);
        assert!(qbo_field("Customer", "BillAddr.Citty").is_none());
        assert!(qbo_field("Customer", "CustomField[]").is_none());
        assert_eq!(hubspot_property("contacts", "email").unwrap().ty, Text);
        assert_eq!(hubspot_type("enumeration", "booleancheckbox"), Bool);
    }
}
