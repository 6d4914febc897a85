//! What the generator created: counts per object and the records that carry
//! each edge case (so tests and benchmarks can look them up).

use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// A generated record: the HubSpot object (`contacts`, `deals`, …) or the
/// QuickBooks entity (`Customer`, `Invoice`, …) and its id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RecordRef {
    /// HubSpot object name (lower-case plural) or QuickBooks entity name.
    pub object: &'static str,
    /// The record's id.
    pub id: String,
}

impl fmt::Display for RecordRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.object, self.id)
    }
}

/// An edge case the generator plants at a controlled rate. Each variant says
/// which records it lists in [`GenerateReport::edge_cases`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Edge {
    /// A name with an apostrophe (O'Brien): contacts, companies, customers,
    /// products.
    ApostropheName,
    /// A non-ASCII name (Zoë Müller, 李雷, Ærøskøbing): contacts, companies,
    /// customers, products.
    UnicodeName,
    /// A name another record of the same type already has: contacts
    /// (same first and last name, other e-mail) and products (same name,
    /// other SKU).
    DuplicateName,
    /// No e-mail address: contacts and customers.
    MissingEmail,
    /// A text field near the API's length limit (QuickBooks `Notes`,
    /// `Description`, `CustomerMemo`/`PrivateNote`; HubSpot descriptions):
    /// customers, items, invoices, products, deals.
    LongText,
    /// A customer that matches a contact by e-mail (the overlap).
    CustomerMatchesContact,
    /// A matching customer whose e-mail differs from the contact's only in
    /// letter case.
    EmailCaseMismatch,
    /// A vendor or employee whose DisplayName is the name of a contact that
    /// has no customer: creating that customer would collide (QuickBooks
    /// names are unique across customers, vendors and employees).
    DisplayNameTakenByOtherType,
    /// A customer whose name had to be made unique (`Jane Doe (2)`) because
    /// another customer, vendor or employee already used it.
    DisambiguatedDisplayName,
    /// A sub-customer (job) under a parent customer.
    SubCustomer,
    /// A deactivated customer (renamed `… (deleted)`).
    InactiveCustomer,
    /// A deactivated item (renamed `… (deleted)`).
    InactiveItem,
    /// An item matching a product by SKU (and usually name).
    ItemMatchesProductBySku,
    /// An item matching a product by name only (the product has no SKU).
    ItemMatchesProductByName,
    /// A record in a currency other than the home currency: customers and
    /// deals (only with `multicurrency`).
    ForeignCurrency,
    /// An open invoice, not sent, not yet due.
    InvoiceOpen,
    /// An open invoice marked sent by e-mail, not yet due.
    InvoiceSent,
    /// An unpaid invoice whose due date is before the data clock's today.
    InvoiceOverdue,
    /// An invoice with payments covering part of it (0 < Balance < TotalAmt).
    InvoicePartiallyPaid,
    /// An invoice fully paid by one or two payments (Balance 0).
    InvoicePaid,
    /// A voided invoice (amounts zero, `PrivateNote` "Voided").
    InvoiceVoided,
    /// An open invoice in a foreign currency (only with `multicurrency`).
    InvoiceForeignCurrency,
    /// A deal with no associated contact.
    DealWithoutContact,
    /// A deal with no line items.
    DealWithoutLineItems,
    /// A line item that names no product (a custom line).
    LineItemWithoutProduct,
    /// A published (approved or approval-not-needed), unexpired quote.
    QuotePublished,
    /// A published quote whose expiration date has passed.
    QuoteExpired,
    /// A draft quote.
    QuoteDraft,
}

impl Edge {
    /// The snake_case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Edge::ApostropheName => "apostrophe_name",
            Edge::UnicodeName => "unicode_name",
            Edge::DuplicateName => "duplicate_name",
            Edge::MissingEmail => "missing_email",
            Edge::LongText => "long_text",
            Edge::CustomerMatchesContact => "customer_matches_contact",
            Edge::EmailCaseMismatch => "email_case_mismatch",
            Edge::DisplayNameTakenByOtherType => "display_name_taken_by_other_type",
            Edge::DisambiguatedDisplayName => "disambiguated_display_name",
            Edge::SubCustomer => "sub_customer",
            Edge::InactiveCustomer => "inactive_customer",
            Edge::InactiveItem => "inactive_item",
            Edge::ItemMatchesProductBySku => "item_matches_product_by_sku",
            Edge::ItemMatchesProductByName => "item_matches_product_by_name",
            Edge::ForeignCurrency => "foreign_currency",
            Edge::InvoiceOpen => "invoice_open",
            Edge::InvoiceSent => "invoice_sent",
            Edge::InvoiceOverdue => "invoice_overdue",
            Edge::InvoicePartiallyPaid => "invoice_partially_paid",
            Edge::InvoicePaid => "invoice_paid",
            Edge::InvoiceVoided => "invoice_voided",
            Edge::InvoiceForeignCurrency => "invoice_foreign_currency",
            Edge::DealWithoutContact => "deal_without_contact",
            Edge::DealWithoutLineItems => "deal_without_line_items",
            Edge::LineItemWithoutProduct => "line_item_without_product",
            Edge::QuotePublished => "quote_published",
            Edge::QuoteExpired => "quote_expired",
            Edge::QuoteDraft => "quote_draft",
        }
    }
}

impl fmt::Display for Edge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Records created per object type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Created {
    /// HubSpot contacts.
    pub contacts: usize,
    /// HubSpot companies.
    pub companies: usize,
    /// HubSpot products.
    pub products: usize,
    /// HubSpot deals.
    pub deals: usize,
    /// HubSpot line items (on deals).
    pub line_items: usize,
    /// HubSpot quotes.
    pub quotes: usize,
    /// HubSpot associations written.
    pub associations: usize,
    /// QuickBooks customers (sub-customers included).
    pub customers: usize,
    /// QuickBooks vendors.
    pub vendors: usize,
    /// QuickBooks employees.
    pub employees: usize,
    /// QuickBooks items.
    pub items: usize,
    /// QuickBooks invoices.
    pub invoices: usize,
    /// QuickBooks payments.
    pub payments: usize,
}

/// What [`populate`](super::populate) created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GenerateReport {
    /// The RNG seed used.
    pub seed: u64,
    /// The time the data is relative to (midnight UTC of the data clock's
    /// day): record timestamps lie in the 90 days before it; due dates,
    /// close dates and expirations are placed around it.
    pub anchor: DateTime<Utc>,
    /// The QuickBooks company filled.
    pub realm: String,
    /// Records created per type.
    pub created: Created,
    /// Deals per `dealstage`.
    pub deals_by_stage: BTreeMap<String, usize>,
    /// The records carrying each edge case.
    pub edge_cases: BTreeMap<Edge, Vec<RecordRef>>,
}

impl GenerateReport {
    pub(super) fn new(seed: u64, anchor: DateTime<Utc>, realm: String) -> Self {
        GenerateReport {
            seed,
            anchor,
            realm,
            created: Created::default(),
            deals_by_stage: BTreeMap::new(),
            edge_cases: BTreeMap::new(),
        }
    }

    pub(super) fn mark(&mut self, edge: Edge, object: &'static str, id: &str) {
        self.edge_cases.entry(edge).or_default().push(RecordRef {
            object,
            id: id.to_string(),
        });
    }

    /// How many records carry `edge`.
    pub fn count(&self, edge: Edge) -> usize {
        self.edge_cases.get(&edge).map_or(0, Vec::len)
    }

    /// The records carrying `edge` (empty when none).
    pub fn records(&self, edge: Edge) -> &[RecordRef] {
        self.edge_cases.get(&edge).map_or(&[], Vec::as_slice)
    }

    /// The ids of the records of `object` carrying `edge`.
    pub fn ids(&self, edge: Edge, object: &str) -> Vec<&str> {
        self.records(edge)
            .iter()
            .filter(|r| r.object == object)
            .map(|r| r.id.as_str())
            .collect()
    }
}

impl fmt::Display for GenerateReport {
    /// A short human summary (counts, then edge cases).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.created;
        writeln!(
            f,
            "HubSpot: {} contacts, {} companies, {} products, {} deals ({} line items), {} quotes, {} associations",
            c.contacts, c.companies, c.products, c.deals, c.line_items, c.quotes, c.associations
        )?;
        writeln!(
            f,
            "QuickBooks (realm {}): {} customers, {} vendors, {} employees, {} items, {} invoices, {} payments",
            self.realm, c.customers, c.vendors, c.employees, c.items, c.invoices, c.payments
        )?;
        if !self.edge_cases.is_empty() {
            let parts: Vec<String> = self
                .edge_cases
                .iter()
                .map(|(e, v)| format!("{e} {}", v.len()))
                .collect();
            writeln!(f, "Edge cases: {}", parts.join(", "))?;
        }
        Ok(())
    }
}
