//! The HubSpot-defined property catalog of a fresh portal, per object, and the
//! default deal pipeline. Documented in `docs/emulator-hubspot.md`.

use super::kinds::ObjectKind;
use super::props::{Derived, PropOption, PropertyDef};
use super::values::PropType;

/// The default deal pipeline's stages: (id, label, probability, closed).
pub const DEAL_STAGES: [(&str, &str, &str, bool); 7] = [
    (
        "appointmentscheduled",
        "Appointment Scheduled",
        "0.2",
        false,
    ),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", false),
    (
        "presentationscheduled",
        "Presentation Scheduled",
        "0.6",
        false,
    ),
    (
        "decisionmakerboughtin",
        "Decision Maker Bought-In",
        "0.8",
        false,
    ),
    ("contractsent", "Contract Sent", "0.9", false),
    ("closedwon", "Closed Won", "1.0", true),
    ("closedlost", "Closed Lost", "0.0", true),
];

/// Quote statuses; a quote is "published" when APPROVAL_NOT_NEEDED or APPROVED.
pub const QUOTE_STATUSES: [&str; 5] = [
    "DRAFT",
    "PENDING_APPROVAL",
    "APPROVAL_NOT_NEEDED",
    "APPROVED",
    "REJECTED",
];

/// Invoice statuses.
pub const INVOICE_STATUSES: [&str; 4] = ["draft", "open", "paid", "voided"];

const LIFECYCLE: [(&str, &str); 8] = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];

struct Builder {
    group: &'static str,
    out: Vec<PropertyDef>,
}

impl Builder {
    fn add(&mut self, name: &str, label: &str, t: PropType, field: &str) -> &mut PropertyDef {
        let d = PropertyDef::builtin(name, label, t, field, self.group);
        self.out.push(d);
        let n = self.out.len() - 1;
        &mut self.out[n]
    }
    fn text(&mut self, name: &str, label: &str) {
        self.add(name, label, PropType::String, "text");
    }
    fn textarea(&mut self, name: &str, label: &str) {
        self.add(name, label, PropType::String, "textarea");
    }
    fn number(&mut self, name: &str, label: &str) {
        self.add(name, label, PropType::Number, "number");
    }
    fn phone(&mut self, name: &str, label: &str) {
        self.add(name, label, PropType::String, "phonenumber");
    }
    fn date(&mut self, name: &str, label: &str) {
        self.add(name, label, PropType::Date, "date");
    }
    fn datetime(&mut self, name: &str, label: &str) {
        self.add(name, label, PropType::Datetime, "date");
    }
    fn select(&mut self, name: &str, label: &str, opts: &[(&str, &str)]) {
        let d = self.add(name, label, PropType::Enumeration, "select");
        d.options = opts
            .iter()
            .enumerate()
            .map(|(i, (v, l))| PropOption {
                label: (*l).into(),
                value: (*v).into(),
                description: String::new(),
                display_order: i as i64,
                hidden: false,
            })
            .collect();
    }
    fn currency(&mut self, name: &str, label: &str) {
        let d = self.add(name, label, PropType::Enumeration, "select");
        d.currency = true;
    }
    fn derived(&mut self, name: &str, label: &str, t: PropType, how: Derived) {
        let field = match t {
            PropType::Datetime => "date",
            PropType::Bool => "booleancheckbox",
            _ => "calculation_equation",
        };
        let d = self.add(name, label, t, field);
        d.read_only_value = true;
        d.form_field = false;
        d.derived = Some(how);
    }
}

/// The HubSpot-defined properties of `kind`, stamped with `now` (epoch ms).
pub fn default_properties(kind: ObjectKind, now: i64) -> Vec<PropertyDef> {
    let mut b = Builder {
        group: kind.default_group().0,
        out: Vec::new(),
    };
    b.derived(
        "hs_object_id",
        "Record ID",
        PropType::Number,
        Derived::ObjectId,
    );
    for p in kind.created_props() {
        b.derived(p, "Create Date", PropType::Datetime, Derived::CreatedAt);
    }
    b.derived(
        kind.modified_prop(),
        "Last Modified Date",
        PropType::Datetime,
        Derived::UpdatedAt,
    );
    let same = |(v, l): &(&'static str, &'static str)| (*v, *l);
    match kind {
        ObjectKind::Contacts => {
            b.text("email", "Email");
            b.text("firstname", "First Name");
            b.text("lastname", "Last Name");
            b.phone("phone", "Phone Number");
            b.phone("mobilephone", "Mobile Phone Number");
            b.text("company", "Company Name");
            b.text("address", "Street Address");
            b.text("city", "City");
            b.text("state", "State/Region");
            b.text("zip", "Postal Code");
            b.text("country", "Country/Region");
            b.text("website", "Website URL");
            b.text("jobtitle", "Job Title");
            let lc: Vec<_> = LIFECYCLE.iter().map(same).collect();
            b.select("lifecyclestage", "Lifecycle Stage", &lc);
        }
        ObjectKind::Companies => {
            b.text("name", "Company name");
            b.text("domain", "Company Domain Name");
            b.phone("phone", "Phone Number");
            b.text("address", "Street Address");
            b.text("city", "City");
            b.text("state", "State/Region");
            b.text("zip", "Postal Code");
            b.text("country", "Country/Region");
            b.text("website", "Website URL");
            b.textarea("description", "Description");
            b.number("numberofemployees", "Number of Employees");
            b.number("annualrevenue", "Annual Revenue");
            let lc: Vec<_> = LIFECYCLE.iter().map(same).collect();
            b.select("lifecyclestage", "Lifecycle Stage", &lc);
        }
        ObjectKind::Deals => {
            b.text("dealname", "Deal Name");
            b.number("amount", "Amount");
            let stages: Vec<_> = DEAL_STAGES.iter().map(|s| (s.0, s.1)).collect();
            b.select("dealstage", "Deal Stage", &stages);
            b.select("pipeline", "Pipeline", &[("default", "Sales Pipeline")]);
            b.datetime("closedate", "Close Date");
            b.currency("deal_currency_code", "Currency");
            b.select(
                "dealtype",
                "Deal Type",
                &[
                    ("newbusiness", "New Business"),
                    ("existingbusiness", "Existing Business"),
                ],
            );
            b.textarea("description", "Deal Description");
            b.derived(
                "hs_is_closed",
                "Is Deal Closed?",
                PropType::Bool,
                Derived::DealIsClosed,
            );
            b.derived(
                "hs_is_closed_won",
                "Is Closed Won",
                PropType::Bool,
                Derived::DealIsClosedWon,
            );
        }
        ObjectKind::Products => {
            b.text("name", "Name");
            b.textarea("description", "Description");
            b.number("price", "Unit price");
            b.text("hs_sku", "SKU");
            b.number("hs_cost_of_goods_sold", "Unit cost");
            b.select(
                "hs_product_type",
                "Product Type",
                &[
                    ("inventory", "Inventory"),
                    ("non_inventory", "Non-Inventory"),
                    ("service", "Service"),
                ],
            );
            b.text("hs_url", "URL");
        }
        ObjectKind::LineItems => {
            b.text("name", "Name");
            b.text("hs_product_id", "Product ID");
            b.number("quantity", "Quantity");
            b.number("price", "Unit price");
            b.derived(
                "amount",
                "Net price",
                PropType::Number,
                Derived::LineItemAmount,
            );
            b.text("hs_sku", "SKU");
            b.textarea("description", "Description");
            b.number("hs_cost_of_goods_sold", "Unit cost");
            b.currency("hs_line_item_currency_code", "Currency");
            b.number("hs_position_on_quote", "Position on quote");
        }
        ObjectKind::Quotes => {
            b.text("hs_title", "Quote Name");
            let st: Vec<_> = QUOTE_STATUSES.iter().map(|s| (*s, *s)).collect();
            b.select("hs_status", "Quote approval status", &st);
            b.date("hs_expiration_date", "Quote expiration date");
            b.currency("hs_currency", "Currency");
            b.text("hs_quote_number", "Quote number");
            b.textarea("hs_comments", "Comments");
            b.derived(
                "hs_quote_amount",
                "Quote amount",
                PropType::Number,
                Derived::QuoteAmount,
            );
        }
        ObjectKind::Invoices => {
            b.currency("hs_currency", "Currency");
            let st: Vec<_> = INVOICE_STATUSES.iter().map(|s| (*s, *s)).collect();
            b.select("hs_invoice_status", "Invoice status", &st);
            b.text("hs_number", "Invoice number");
            b.text("hs_title", "Title");
            b.date("hs_invoice_date", "Invoice date");
            b.date("hs_due_date", "Due date");
            b.textarea("hs_comments", "Comments");
            b.text("hs_purchase_order_number", "Purchase order number");
            b.derived(
                "hs_amount_billed",
                "Amount billed",
                PropType::Number,
                Derived::InvoiceBilled,
            );
            b.derived(
                "hs_balance_due",
                "Balance due",
                PropType::Number,
                Derived::InvoiceBalance,
            );
        }
    }
    for d in &mut b.out {
        d.created_at = now;
        d.updated_at = now;
    }
    b.out
}

/// Properties that must be present when a record of `kind` is created.
pub fn required_on_create(kind: ObjectKind) -> &'static [&'static str] {
    match kind {
        ObjectKind::Invoices => &["hs_currency"],
        ObjectKind::Quotes => &["hs_title", "hs_expiration_date"],
        _ => &[],
    }
}

/// Values set on create when the input does not give them.
pub fn create_defaults(kind: ObjectKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        ObjectKind::Invoices => &[("hs_invoice_status", "draft")],
        ObjectKind::Quotes => &[("hs_status", "DRAFT")],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_has_id_and_timestamps_and_defaults_exist() {
        for k in ObjectKind::ALL {
            let props = default_properties(k, 0);
            let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
            assert!(names.contains(&"hs_object_id"));
            assert!(names.contains(&k.modified_prop()));
            for d in k.default_props() {
                assert!(names.contains(d), "{k:?} default {d} missing from catalog");
            }
            for q in k.query_props() {
                assert!(names.contains(q), "{k:?} query prop {q} missing");
            }
            let mut sorted = names.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "{k:?} has duplicate names");
        }
    }
}
