//! Default field mappings per object and the default names of the HubSpot
//! properties hsqb owns. `docs/manifest.md` documents these tables; a test keeps
//! the two in agreement.

use super::types::Direction;

/// One default mapping. `direction: None` follows the block's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultMapping {
    /// HubSpot property.
    pub hubspot: &'static str,
    /// QuickBooks field path.
    pub quickbooks: &'static str,
    /// Fixed direction, when the mapping can only flow one way.
    pub direction: Option<Direction>,
}

const fn m(hubspot: &'static str, quickbooks: &'static str) -> DefaultMapping {
    DefaultMapping {
        hubspot,
        quickbooks,
        direction: None,
    }
}

const fn to_hs(hubspot: &'static str, quickbooks: &'static str) -> DefaultMapping {
    DefaultMapping {
        hubspot,
        quickbooks,
        direction: Some(Direction::QuickbooksToHubspot),
    }
}

/// Contacts ⇄ customers. `DisplayName` is not mapped: it is derived by the
/// display-name rule when hsqb creates a customer.
pub const CONTACTS: &[DefaultMapping] = &[
    m("email", "PrimaryEmailAddr.Address"),
    m("firstname", "GivenName"),
    m("lastname", "FamilyName"),
    m("company", "CompanyName"),
    m("phone", "PrimaryPhone.FreeFormNumber"),
    m("mobilephone", "Mobile.FreeFormNumber"),
    m("address", "BillAddr.Line1"),
    m("city", "BillAddr.City"),
    m("state", "BillAddr.CountrySubDivisionCode"),
    m("zip", "BillAddr.PostalCode"),
    m("country", "BillAddr.Country"),
    m("website", "WebAddr.URI"),
];

/// Products ⇄ items.
pub const PRODUCTS: &[DefaultMapping] = &[
    m("name", "Name"),
    m("hs_sku", "Sku"),
    m("description", "Description"),
    m("price", "UnitPrice"),
    m("hs_cost_of_goods_sold", "PurchaseCost"),
];

/// QBO invoices → HubSpot invoices. Amounts go to hsqb's own properties
/// because HubSpot computes `hs_amount_billed`/`hs_balance_due` from line items.
pub const INVOICES: &[DefaultMapping] = &[
    to_hs("hs_number", "DocNumber"),
    to_hs("hs_invoice_date", "TxnDate"),
    to_hs("hs_due_date", "DueDate"),
    to_hs("hs_currency", "CurrencyRef.value"),
    to_hs("hs_comments", "CustomerMemo.value"),
    to_hs(INVOICE_TOTAL_PROPERTY, "TotalAmt"),
    to_hs(INVOICE_BALANCE_PROPERTY, "Balance"),
    to_hs(INVOICE_RECIPIENT_PROPERTY, "CustomerRef.name"),
];

/// Default link property on contacts (QBO customer Id).
pub const CONTACT_LINK_PROPERTY: &str = "hsqb_qbo_customer_id";
/// Default link property on products (QBO item Id).
pub const PRODUCT_LINK_PROPERTY: &str = "hsqb_qbo_item_id";
/// Default link property on HubSpot invoices and on deals (QBO invoice Id).
pub const INVOICE_LINK_PROPERTY: &str = "hsqb_qbo_invoice_id";
/// Default HubSpot invoice status property.
pub const INVOICE_STATUS_PROPERTY: &str = "hsqb_invoice_status";
/// HubSpot invoice property receiving `TotalAmt`.
pub const INVOICE_TOTAL_PROPERTY: &str = "hsqb_invoice_total";
/// HubSpot invoice property receiving `Balance`.
pub const INVOICE_BALANCE_PROPERTY: &str = "hsqb_invoice_balance";
/// HubSpot invoice property receiving the customer's name.
pub const INVOICE_RECIPIENT_PROPERTY: &str = "hsqb_invoice_recipient";
/// Default property group for hsqb's properties.
pub const PROPERTY_GROUP: &str = "hsqb";

/// Default deal property names (amount due, recipient, number, status, due date).
pub const DEAL_AMOUNT_DUE: &str = "hsqb_invoice_amount_due";
/// Default deal recipient property.
pub const DEAL_RECIPIENT: &str = "hsqb_invoice_recipient";
/// Default deal invoice-number property.
pub const DEAL_NUMBER: &str = "hsqb_invoice_number";
/// Default deal invoice-status property.
pub const DEAL_STATUS: &str = "hsqb_invoice_status";
/// Default deal due-date property.
pub const DEAL_DUE_DATE: &str = "hsqb_invoice_due_date";

/// Default display-name templates.
pub const DISPLAY_NAME_TEMPLATES: &[&str] =
    &["{{company}}", "{{firstname}} {{lastname}}", "{{email}}"];
