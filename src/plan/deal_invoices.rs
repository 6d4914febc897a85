//! HubSpot deals → QuickBooks draft invoices.
//!
//! Which deals: the block's filters on deal properties. Lines: the deal's line
//! items, or its published, unexpired quote's line items. Customer: the deal's
//! first associated contact, via its link, then match keys; when none exists
//! the policy decides (create it, or fail unless the contact is eligible under
//! the contact sync, which then creates it). Exactly one invoice per deal: the
//! deal's link property holds the QBO invoice Id, and every invoice carries a
//! `PrivateNote` marker so a crash between create and link-back is recovered
//! by linking, never by creating again.

use super::builder::{Builder, hs_ref, qbo_ref};
use super::filter;
use super::input::{HubSpotSnapshot, QboSnapshot};
use super::model::*;
use super::names::{self, NameRegistry};
use super::template;
use crate::manifest::defaults as d;
use crate::manifest::{
    ContactMatchKey, DealInvoicesSync, DueDate, InvoiceDate, InvoiceSource, Manifest,
    MissingCustomer, OnCreate, ProductMatchKey, SyncBlock,
};
use crate::model::{HsRecord, ObjectKind, QboRecord, System, Value, ValueType};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// The marker written into `PrivateNote` of every invoice created from a deal.
pub fn marker(deal_id: &str) -> String {
    format!("hsqb:deal:{deal_id}")
}

/// The deal id in an invoice's `PrivateNote` marker, if any.
pub fn marked_deal(inv: &QboRecord) -> Option<String> {
    let note = inv.get_str("PrivateNote")?;
    let start = note.find("hsqb:deal:")? + "hsqb:deal:".len();
    let id: String = note[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    (!id.is_empty()).then_some(id)
}

/// An invoice this plan creates in QBO, for the invoices block to mirror into
/// HubSpot in the same apply.
#[derive(Debug, Clone)]
pub struct PlannedInvoice {
    /// The create change.
    pub change: String,
    /// The deal.
    pub deal_id: String,
    /// The contact (customer).
    pub contact_id: String,
    /// The contact's primary company, if any.
    pub company_id: Option<String>,
    /// Currency code.
    pub currency: String,
    /// Total of the lines.
    pub total: Decimal,
    /// Invoice date.
    pub txn_date: NaiveDate,
    /// Due date, when known at plan time.
    pub due_date: Option<NaiveDate>,
    /// Document number, when hsqb supplies it.
    pub doc_number: Option<String>,
    /// Customer display name, when known.
    pub recipient: Option<String>,
}

/// Everything the block needs besides the snapshots.
pub struct Ctx<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// The block.
    pub block: &'a DealInvoicesSync,
    /// QBO company name.
    pub company: String,
    /// The planner's clock.
    pub now: DateTime<Utc>,
    /// Change ids to depend on (property ensures).
    pub property_deps: Vec<String>,
    /// Home currency when multicurrency is on (new customers need a `CurrencyRef`).
    pub multicurrency_home: Option<String>,
}

fn link_property_of_contacts(m: &Manifest) -> String {
    m.sync
        .contacts
        .as_ref()
        .map(|c| c.link_property().to_string())
        .unwrap_or_else(|| d::CONTACT_LINK_PROPERTY.to_string())
}

fn link_property_of_products(m: &Manifest) -> String {
    m.sync
        .products
        .as_ref()
        .map(|p| p.link_property().to_string())
        .unwrap_or_else(|| d::PRODUCT_LINK_PROPERTY.to_string())
}

/// Plan the block. Returns the invoices it creates.
pub fn plan_block(
    cx: &Ctx<'_>,
    hs: &HubSpotSnapshot,
    qbo: &QboSnapshot,
    names_reg: &mut NameRegistry,
    b: &mut Builder,
) -> Vec<PlannedInvoice> {
    let blk = cx.block;
    let deal_link = blk.link_property().to_string();
    let mut out = Vec::new();

    // Setting-level problems refuse the whole block.
    if qbo.facts.custom_txn_numbers && blk.doc_number.is_none() {
        b.blocking(
            "custom_txn_numbers",
            Block::DealInvoices,
            format!(
                "QuickBooks company `{}` has custom transaction numbers turned on, so QuickBooks will not number new invoices and hsqb would create them without a number",
                cx.company
            ),
            "Either turn it off in QuickBooks (Settings → Account and settings → Sales → Custom transaction numbers), or set `sync.deal_invoices.doc_number` (e.g. \"HS-{{deal.id}}\") so hsqb numbers the invoices itself.",
        );
        return out;
    }
    let term = match &blk.terms {
        None => None,
        Some(t) => match find_by_name_or_id(qbo.records("Term"), t.as_str()) {
            Some(r) => Some(r),
            None => {
                b.blocking(
                    "unknown_term",
                    Block::DealInvoices,
                    format!("payment term `{}` does not exist in QuickBooks company `{}`", t.as_str(), cx.company),
                    "Use the exact name of an active term (QuickBooks → Settings → All lists → Terms).",
                );
                return out;
            }
        },
    };

    let existing_invoices: BTreeMap<&str, &QboRecord> = qbo
        .records("Invoice")
        .iter()
        .map(|r| (r.id.as_str(), r))
        .collect();
    let marked: BTreeMap<String, &QboRecord> = qbo
        .records("Invoice")
        .iter()
        .filter_map(|r| marked_deal(r).map(|d| (d, r)))
        .collect();
    let mut doc_numbers: BTreeSet<String> = qbo
        .records("Invoice")
        .iter()
        .filter_map(|r| r.get_str("DocNumber").map(|s| s.to_lowercase()))
        .collect();
    let contact_link = link_property_of_contacts(cx.manifest);
    let product_link = link_property_of_products(cx.manifest);
    let mut planned_customers: BTreeMap<String, String> = BTreeMap::new();

    let mut deals: Vec<&HsRecord> = hs.records("deals").iter().filter(|d| !d.archived).collect();
    deals.sort_by(|a, b| (a.id.len(), &a.id).cmp(&(b.id.len(), &b.id)));
    for deal in deals {
        let get = |k: &str| deal.prop(k).map(str::to_string);
        if !filter::matches_all(&blk.deals, &get) {
            continue;
        }
        let rec = hs_ref(ObjectKind::Deal, &deal.id);
        let label = deal
            .prop("dealname")
            .map(str::to_string)
            .unwrap_or_else(|| format!("deal {}", deal.id));
        // Exactly one invoice per deal.
        if let Some(inv_id) = deal.prop(&deal_link) {
            if !existing_invoices.contains_key(inv_id) && qbo.complete("Invoice") {
                b.record_diag(
                    Severity::Info,
                    "invoice_deleted",
                    Block::DealInvoices,
                    Some(rec.clone()),
                    Some(label),
                    format!("its QuickBooks invoice {inv_id} no longer exists; hsqb does not create a second one"),
                    Some("Clear the deal's link property to have hsqb create a new invoice."),
                );
            }
            continue;
        }
        if let Some(inv) = marked.get(&deal.id) {
            // Created by an earlier run whose link write-back did not happen.
            b.push(link_deal(
                &deal.id,
                &label,
                &deal_link,
                inv,
                &cx.company,
                cx.property_deps.clone(),
            ));
            continue;
        }
        if blk.enabled == Some(false) {
            continue;
        }
        match plan_deal(
            cx,
            hs,
            qbo,
            deal,
            &label,
            term,
            &contact_link,
            &product_link,
            &mut doc_numbers,
            &mut planned_customers,
            names_reg,
            b,
        ) {
            Ok(p) => out.push(p),
            Err(()) => b.skip(&rec),
        }
    }
    out
}

fn link_deal(
    deal_id: &str,
    label: &str,
    prop: &str,
    inv: &QboRecord,
    company: &str,
    deps: Vec<String>,
) -> Change {
    Change {
        id: format!("deal_invoices/link/hubspot/{deal_id}"),
        block: Block::DealInvoices,
        action: Action::Link,
        system: System::Hubspot,
        object: ObjectKind::Deal,
        company: None,
        target_id: Some(deal_id.to_string()),
        source: Some(qbo_ref(ObjectKind::Invoice, company, &inv.id)),
        label: label.to_string(),
        match_key: Some(format!("PrivateNote marker {}", marker(deal_id))),
        fields: vec![FieldChange { field: prop.to_string(), before: Value::Null, after: Value::Text(inv.id.clone()), note: None }],
        preconditions: Vec::new(),
        reason: "QuickBooks already has this deal's invoice (an earlier apply created it but did not record the link)".into(),
        payload: Payload::Link { property: prop.to_string(), qbo_id: Some(inv.id.clone()) },
        depends_on: deps,
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }
}

fn find_by_name_or_id<'a>(records: &'a [QboRecord], key: &str) -> Option<&'a QboRecord> {
    records
        .iter()
        .filter(|r| r.active)
        .find(|r| r.id == key)
        .or_else(|| {
            records.iter().filter(|r| r.active).find(|r| {
                r.get_str("Name")
                    .is_some_and(|n| n.eq_ignore_ascii_case(key.trim()))
            })
        })
}

struct Line {
    item: ItemRef,
    qty: Decimal,
    price: Decimal,
    description: String,
    tax: Option<String>,
}

enum ItemRef {
    Existing(String),
    Planned(String),
}

#[allow(clippy::too_many_arguments)]
fn plan_deal(
    cx: &Ctx<'_>,
    hs: &HubSpotSnapshot,
    qbo: &QboSnapshot,
    deal: &HsRecord,
    label: &str,
    term: Option<&QboRecord>,
    contact_link: &str,
    product_link: &str,
    doc_numbers: &mut BTreeSet<String>,
    planned_customers: &mut BTreeMap<String, String>,
    names_reg: &mut NameRegistry,
    b: &mut Builder,
) -> Result<PlannedInvoice, ()> {
    let blk = cx.block;
    let rec = hs_ref(ObjectKind::Deal, &deal.id);
    let fail = |b: &mut Builder, code: &str, message: String, hint: &str| {
        b.record_diag(
            Severity::Error,
            code,
            Block::DealInvoices,
            Some(rec.clone()),
            Some(label.to_string()),
            message,
            Some(hint),
        );
    };

    // Contact and customer.
    let Some(contact) = hs
        .associated("deals", &deal.id, "contacts")
        .first()
        .and_then(|id| hs.record("contacts", id))
    else {
        fail(
            b,
            "no_contact",
            "has no associated contact to bill; no invoice is created".into(),
            "Associate a contact with the deal.",
        );
        return Err(());
    };
    let company_id = hs
        .associated("contacts", &contact.id, "companies")
        .first()
        .map(|s| s.to_string());
    let mut deps = cx.property_deps.clone();
    let mut fills = Vec::new();
    let customer = resolve_customer(
        cx,
        hs,
        qbo,
        contact,
        contact_link,
        planned_customers,
        names_reg,
        b,
    );
    let (customer_id, recipient) = match customer {
        Ok(CustomerRef::Existing(q)) => (
            Some(q.id.clone()),
            q.get_str("DisplayName").map(str::to_string),
        ),
        Ok(CustomerRef::Planned(change, name)) => {
            deps.push(change.clone());
            fills.push(Fill {
                from_change: change,
                source: "Id".into(),
                target: "/CustomerRef/value".into(),
                value_type: ValueType::Text,
            });
            (None, name)
        }
        Err(msg) => {
            fail(b, "no_customer", msg.0, msg.1);
            return Err(());
        }
    };

    // Lines.
    let (line_records, quote) = match blk.source {
        InvoiceSource::LineItems => (hs.associated("deals", &deal.id, "line_items"), None),
        InvoiceSource::Quote => {
            let today = cx.now.date_naive();
            let quote = hs
                .associated("deals", &deal.id, "quotes")
                .into_iter()
                .filter_map(|id| hs.record("quotes", id))
                .filter(|q| {
                    matches!(
                        q.prop("hs_status"),
                        Some("APPROVAL_NOT_NEEDED" | "APPROVED")
                    )
                })
                .filter(|q| {
                    q.prop("hs_expiration_date")
                        .and_then(|d| crate::model::value::parse_date_any(d).ok())
                        .is_none_or(|exp| exp >= today)
                })
                .max_by(|a, b| (a.updated_at, &a.id).cmp(&(b.updated_at, &b.id)));
            match quote {
                Some(q) => (hs.associated("quotes", &q.id, "line_items"), Some(q)),
                None => {
                    fail(
                        b,
                        "no_published_quote",
                        "has no published, unexpired quote; no invoice is created (source: quote)"
                            .into(),
                        "Publish a quote on the deal (status approved or approval not needed) that has not expired, or use `source: line_items`.",
                    );
                    return Err(());
                }
            }
        }
    };
    if line_records.is_empty() {
        fail(
            b,
            "no_lines",
            "has no line items; no invoice is created".into(),
            "Add line items to the deal (or its quote).",
        );
        return Err(());
    }
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for li_id in &line_records {
        let Some(li) = hs.record("line_items", li_id) else {
            continue;
        };
        let product = li
            .prop("hs_product_id")
            .and_then(|p| hs.record("products", p));
        let sku = li
            .prop("hs_sku")
            .or_else(|| product.and_then(|p| p.prop("hs_sku")))
            .map(str::to_string);
        let name = li
            .prop("name")
            .or_else(|| product.and_then(|p| p.prop("name")))
            .unwrap_or("")
            .to_string();
        let qty = li
            .prop("quantity")
            .and_then(|q| crate::model::value::parse_decimal(q).ok())
            .unwrap_or(Decimal::ONE);
        let price = li
            .prop("price")
            .or_else(|| product.and_then(|p| p.prop("price")))
            .and_then(|p| crate::model::value::parse_decimal(p).ok())
            .unwrap_or_default();
        let Some(item) = resolve_item(cx, qbo, product, product_link, sku.as_deref(), &name, b)
        else {
            problems.push(format!(
                "line \"{name}\"{} matches no QuickBooks item",
                sku.as_deref()
                    .map(|s| format!(" (SKU {s})"))
                    .unwrap_or_default()
            ));
            continue;
        };
        let tax = if qbo.facts.is_us() {
            None
        } else {
            let key = sku.clone().unwrap_or_else(|| name.clone());
            let code = blk.tax.per_product.get(&key).or(blk.tax.default.as_ref());
            match code.map(|c| find_tax_code(qbo, c.as_str())) {
                Some(Some(id)) => Some(id),
                Some(None) => {
                    problems.push(format!(
                        "tax code `{}` does not exist in QuickBooks",
                        code.map(|c| c.as_str()).unwrap_or("")
                    ));
                    continue;
                }
                None => {
                    problems.push(format!(
                        "line \"{name}\" needs a tax code (QuickBooks company in {} is not a US company)",
                        qbo.facts.country
                    ));
                    continue;
                }
            }
        };
        lines.push(Line {
            item,
            qty,
            price,
            description: name,
            tax,
        });
    }
    if !problems.is_empty() {
        fail(
            b,
            "invoice_lines",
            format!(
                "no invoice is created (no partial invoices): {}",
                problems.join("; ")
            ),
            "Sync the products to QuickBooks (products block) or fix the SKU/name; for non-US companies set `sync.deal_invoices.tax.default` or `per_product`.",
        );
        return Err(());
    }

    // Dates, message, number.
    let txn_date = match &blk.invoice_date {
        InvoiceDate::Today => Some(cx.now.date_naive()),
        InvoiceDate::CloseDate => deal
            .prop("closedate")
            .and_then(|d| crate::model::value::parse_date_any(d).ok()),
        InvoiceDate::Property(p) => deal
            .prop(p.as_str())
            .and_then(|d| crate::model::value::parse_date_any(d).ok()),
    };
    let Some(txn_date) = txn_date else {
        fail(
            b,
            "no_invoice_date",
            "the deal has no value for the invoice-date property".into(),
            "Fill the deal's close date (or the configured property), or use `invoice_date: today`.",
        );
        return Err(());
    };
    let due_date = match &blk.due_date {
        DueDate::FromTerms => term
            .and_then(|t| t.get("DueDays").and_then(|v| v.as_i64()))
            .map(|days| txn_date + chrono::Duration::days(days)),
        DueDate::DaysAfterInvoice(n) => Some(txn_date + chrono::Duration::days(i64::from(*n))),
        DueDate::Property(p) => deal
            .prop(p.as_str())
            .and_then(|d| crate::model::value::parse_date_any(d).ok()),
    };
    let vars = |key: &str| -> Option<String> {
        let (obj, prop) = key.split_once('.')?;
        let r = match obj {
            "deal" => Some(deal),
            "contact" => Some(contact),
            "company" => company_id
                .as_deref()
                .and_then(|c| hs.record("companies", c)),
            "quote" => quote,
            _ => None,
        }?;
        if prop == "id" {
            Some(r.id.clone())
        } else {
            r.prop(prop).map(str::to_string)
        }
    };
    let memo = blk
        .message
        .as_ref()
        .map(|m| template::render(m.as_str(), &vars).text);
    if memo.as_ref().is_some_and(|m| m.chars().count() > 1000) {
        fail(
            b,
            "invalid_value",
            "the rendered customer message exceeds 1000 characters".into(),
            "Shorten `sync.deal_invoices.message`.",
        );
        return Err(());
    }
    let doc_number = match &blk.doc_number {
        None => None,
        Some(t) => {
            let r = template::render(t.as_str(), &vars);
            let n = r.text.trim().to_string();
            if n.is_empty() || !r.missing.is_empty() {
                fail(
                    b,
                    "doc_number",
                    format!(
                        "the document number template leaves {} empty",
                        r.missing.join(", ")
                    ),
                    "Use variables the deal always has, e.g. {{deal.id}}.",
                );
                return Err(());
            }
            if n.chars().count() > 21 {
                fail(
                    b,
                    "doc_number",
                    format!("document number \"{n}\" is longer than QuickBooks' 21 characters"),
                    "Shorten `sync.deal_invoices.doc_number`.",
                );
                return Err(());
            }
            if !doc_numbers.insert(n.to_lowercase()) {
                fail(
                    b,
                    "duplicate_doc_number",
                    format!("document number \"{n}\" is already used by another invoice"),
                    "Make the template unique per deal, e.g. include {{deal.id}}.",
                );
                return Err(());
            }
            Some(n)
        }
    };

    // Body.
    let mut body = serde_json::Map::new();
    let mut total = Decimal::ZERO;
    let mut json_lines = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let amount = (l.qty * l.price)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        total += amount;
        let item_id = match &l.item {
            ItemRef::Existing(id) => id.clone(),
            ItemRef::Planned(change) => {
                deps.push(change.clone());
                fills.push(Fill {
                    from_change: change.clone(),
                    source: "Id".into(),
                    target: format!("/Line/{i}/SalesItemLineDetail/ItemRef/value"),
                    value_type: ValueType::Text,
                });
                String::new()
            }
        };
        let mut detail = serde_json::json!({
            "ItemRef": {"value": item_id},
            "Qty": Value::Number(l.qty).to_qbo(),
            "UnitPrice": Value::Number(l.price).to_qbo(),
        });
        if let Some(t) = &l.tax {
            detail["TaxCodeRef"] = serde_json::json!({"value": t});
        }
        json_lines.push(serde_json::json!({
            "DetailType": "SalesItemLineDetail",
            "Amount": Value::Money(amount).to_qbo(),
            "Description": l.description,
            "SalesItemLineDetail": detail,
        }));
    }
    body.insert(
        "CustomerRef".into(),
        serde_json::json!({"value": customer_id.clone().unwrap_or_default()}),
    );
    body.insert("Line".into(), serde_json::Value::Array(json_lines));
    body.insert("TxnDate".into(), txn_date.to_string().into());
    if !matches!(blk.due_date, DueDate::FromTerms)
        && let Some(dd) = due_date
    {
        body.insert("DueDate".into(), dd.to_string().into());
    }
    if let Some(t) = term {
        body.insert("SalesTermRef".into(), serde_json::json!({"value": t.id}));
    }
    if let Some(m) = &memo {
        body.insert("CustomerMemo".into(), serde_json::json!({"value": m}));
    }
    if let Some(n) = &doc_number {
        body.insert("DocNumber".into(), n.clone().into());
    }
    let note = match quote {
        Some(q) => format!(
            "{} quote {} — created by hsqb from HubSpot",
            marker(&deal.id),
            q.id
        ),
        None => format!("{} — created by hsqb from HubSpot", marker(&deal.id)),
    };
    body.insert("PrivateNote".into(), note.into());
    body.insert("EmailStatus".into(), "NotSet".into());
    let currency = deal
        .prop("deal_currency_code")
        .map(str::to_string)
        .unwrap_or_else(|| qbo.facts.home_currency.clone());
    if qbo.facts.multicurrency {
        body.insert("CurrencyRef".into(), serde_json::json!({"value": currency}));
    }

    let mut fields = vec![
        FieldChange {
            field: "CustomerRef".into(),
            before: Value::Null,
            after: match (&customer_id, &recipient) {
                (Some(id), Some(n)) => Value::Text(format!("{n} ({id})")),
                (Some(id), None) => Value::Text(id.clone()),
                (None, Some(n)) => Value::Text(format!("{n} ({KNOWN_AFTER_APPLY})")),
                (None, None) => Value::Text(KNOWN_AFTER_APPLY.into()),
            },
            note: None,
        },
        FieldChange {
            field: "TxnDate".into(),
            before: Value::Null,
            after: Value::Date(txn_date),
            note: None,
        },
    ];
    if let Some(dd) = due_date {
        fields.push(FieldChange {
            field: "DueDate".into(),
            before: Value::Null,
            after: Value::Date(dd),
            note: matches!(blk.due_date, DueDate::FromTerms)
                .then(|| "from the payment term".to_string()),
        });
    }
    for (i, l) in lines.iter().enumerate() {
        fields.push(FieldChange {
            field: format!("Line[{}]", i + 1),
            before: Value::Null,
            after: Value::Text(format!(
                "{} × {} @ {}",
                l.description,
                l.qty.normalize(),
                Value::Money(l.price).display()
            )),
            note: None,
        });
    }
    fields.push(FieldChange {
        field: "TotalAmt".into(),
        before: Value::Null,
        after: Value::Money(total),
        note: None,
    });
    if let Some(m) = &memo {
        fields.push(FieldChange {
            field: "CustomerMemo".into(),
            before: Value::Null,
            after: Value::Text(m.clone()),
            note: None,
        });
    }
    fields.push(FieldChange {
        field: "DocNumber".into(),
        before: Value::Null,
        after: Value::Text(
            doc_number
                .clone()
                .unwrap_or_else(|| KNOWN_AFTER_APPLY.into()),
        ),
        note: doc_number
            .is_none()
            .then(|| "numbered by QuickBooks".to_string()),
    });
    deps.sort();
    deps.dedup();
    let change_id = format!("deal_invoices/create/quickbooks/deal:{}", deal.id);
    let source_word = if quote.is_some() {
        "its published quote"
    } else {
        "its line items"
    };
    b.push(Change {
        id: change_id.clone(),
        block: Block::DealInvoices,
        action: Action::Create,
        system: System::Quickbooks,
        object: ObjectKind::Invoice,
        company: Some(cx.company.clone()),
        target_id: None,
        source: Some(hs_ref(ObjectKind::Deal, &deal.id)),
        label: label.to_string(),
        match_key: None,
        fields,
        preconditions: vec![Precondition {
            record: hs_ref(ObjectKind::Deal, &deal.id),
            updated_at: Some(deal.updated_at),
            sync_token: None,
            absent_key: None,
        }],
        reason: format!("deal matches the deal_invoices filters and has no invoice; draft created from {source_word}, not emailed"),
        payload: Payload::Quickbooks {
            entity: "Invoice".into(),
            body,
            natural_key: Some(NaturalKey { field: "PrivateNote".into(), value: marker(&deal.id) }),
        },
        depends_on: deps,
        link_back: Some(LinkBack { object: "deals".into(), id: deal.id.clone(), property: blk.link_property().to_string() }),
        baseline: None,
        fills,
    });
    Ok(PlannedInvoice {
        change: change_id,
        deal_id: deal.id.clone(),
        contact_id: contact.id.clone(),
        company_id,
        currency,
        total,
        txn_date,
        due_date,
        doc_number,
        recipient,
    })
}

fn find_tax_code(qbo: &QboSnapshot, key: &str) -> Option<String> {
    find_by_name_or_id(qbo.records("TaxCode"), key).map(|r| r.id.clone())
}

enum CustomerRef<'a> {
    Existing(&'a QboRecord),
    /// A create change in this plan (id) and the display name it will have.
    Planned(String, Option<String>),
}

/// A failure message and hint.
struct Why(String, &'static str);

#[allow(clippy::too_many_arguments)]
fn resolve_customer<'a>(
    cx: &Ctx<'_>,
    _hs: &HubSpotSnapshot,
    qbo: &'a QboSnapshot,
    contact: &HsRecord,
    contact_link: &str,
    planned: &mut BTreeMap<String, String>,
    names_reg: &mut NameRegistry,
    b: &mut Builder,
) -> Result<CustomerRef<'a>, Why> {
    let customers = qbo.records("Customer");
    if let Some(id) = contact.prop(contact_link) {
        return match customers.iter().find(|c| c.id == id && c.active) {
            Some(c) => Ok(CustomerRef::Existing(c)),
            None => Err(Why(
                format!(
                    "the contact's linked QuickBooks customer {id} is inactive or missing; no invoice is created"
                ),
                "Reactivate the customer in QuickBooks, or clear the contact's link so it is matched again.",
            )),
        };
    }
    let keys = cx.block.customer.effective_match_keys();
    let email = contact.prop("email").map(|e| e.trim().to_lowercase());
    let matches = |c: &QboRecord, key: &ContactMatchKey| {
        let ce = c
            .get_str("PrimaryEmailAddr.Address")
            .map(|e| e.trim().to_lowercase());
        match key {
            ContactMatchKey::Email => email.is_some() && ce == email,
            ContactMatchKey::NameAndEmail => {
                email.is_some()
                    && ce == email
                    && eq_ci(c.get_str("GivenName"), contact.prop("firstname"))
                    && eq_ci(c.get_str("FamilyName"), contact.prop("lastname"))
            }
        }
    };
    for key in &keys {
        let cands: Vec<&QboRecord> = customers
            .iter()
            .filter(|c| c.active && matches(c, key))
            .collect();
        match cands.as_slice() {
            [one] => return Ok(CustomerRef::Existing(one)),
            [] => {}
            many => {
                return Err(Why(
                    format!(
                        "the contact matches {} QuickBooks customers ({}); no invoice is created",
                        many.len(),
                        many.iter()
                            .map(|c| c.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "Make the customer unique, or link the contact with `hsqb import`.",
                ));
            }
        }
    }
    // Only a deactivated ("deleted") customer matches: never a second one.
    let deactivated: Vec<&str> = customers
        .iter()
        .filter(|c| !c.active && keys.iter().any(|k| matches(c, k)))
        .map(|c| c.id.as_str())
        .collect();
    if !deactivated.is_empty() {
        return Err(Why(
            format!(
                "the contact matches only the deactivated QuickBooks customer {}; no invoice is created",
                deactivated.join(", ")
            ),
            "Reactivate the customer in QuickBooks (hsqb then links it), or adopt the pair with `hsqb import`.",
        ));
    }
    // The contact sync may already create this customer in this plan.
    let contacts_create = format!("contacts/create/quickbooks/hs:{}", contact.id);
    if let Some(c) = b.changes.iter().find(|c| c.id == contacts_create) {
        let name = match &c.payload {
            Payload::Quickbooks {
                natural_key: Some(k),
                ..
            } => Some(k.value.clone()),
            _ => None,
        };
        return Ok(CustomerRef::Planned(contacts_create, name));
    }
    if let Some(change) = planned.get(&contact.id) {
        return Ok(CustomerRef::Planned(change.clone(), None));
    }
    match cx.block.customer.on_missing {
        MissingCustomer::Fail => Err(Why(
            if eligible_for_contact_sync(cx.manifest, contact) {
                "no QuickBooks customer matches the contact yet; it will be created by the contact sync".into()
            } else {
                "no QuickBooks customer matches the deal's contact, and the contact is not eligible under the contact sync filters; no customer is created (customer.on_missing: fail)".into()
            },
            "Make the contact eligible under `sync.contacts` (filters, direction), or set `sync.deal_invoices.customer.on_missing: create`.",
        )),
        MissingCustomer::Create => {
            let change = create_customer(cx, contact, contact_link, names_reg, b)?;
            planned.insert(contact.id.clone(), change.clone());
            Ok(CustomerRef::Planned(change, None))
        }
    }
}

fn eq_ci(a: Option<&str>, b: Option<&str>) -> bool {
    a.unwrap_or("").trim().to_lowercase() == b.unwrap_or("").trim().to_lowercase()
}

/// Whether the contact sync would create this contact's customer.
fn eligible_for_contact_sync(m: &Manifest, contact: &HsRecord) -> bool {
    let Some(c) = m.contacts() else { return false };
    let get = |k: &str| contact.prop(k).map(str::to_string);
    c.direction.writes_quickbooks()
        && c.on_create == OnCreate::Create
        && filter::matches_all(&c.filter.hubspot, &get)
}

/// Plan a customer create for a deal's contact (legacy behaviour).
fn create_customer(
    cx: &Ctx<'_>,
    contact: &HsRecord,
    contact_link: &str,
    names_reg: &mut NameRegistry,
    b: &mut Builder,
) -> Result<String, Why> {
    let templates = cx
        .manifest
        .sync
        .contacts
        .as_ref()
        .map(|c| c.display_name.effective_templates())
        .unwrap_or_else(|| {
            d::DISPLAY_NAME_TEMPLATES
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
    let strategy = cx
        .manifest
        .sync
        .contacts
        .as_ref()
        .map(|c| c.display_name.on_collision)
        .unwrap_or_default();
    let look = |k: &str| contact.prop(k).map(str::to_string);
    let Some(base) = templates
        .iter()
        .map(|t| template::render(t, &look))
        .find(|r| r.missing.is_empty() && !r.text.trim().is_empty())
        .map(|r| r.text)
    else {
        return Err(Why(
            "the contact has no name, company or email to name a QuickBooks customer".into(),
            "Fill the contact's name or email.",
        ));
    };
    let name = names_reg
        .assign("person", &base, contact.prop("email"), strategy, 500)
        .map_err(|e| Why(format!("{e}; no customer (and no invoice) is created"), "Rename the existing QuickBooks name, or set `sync.contacts.display_name.on_collision: suffix`."))?;
    let mut body = serde_json::Map::new();
    body.insert("DisplayName".into(), name.clone().into());
    if let Some(cur) = &cx.multicurrency_home {
        body.insert("CurrencyRef".into(), serde_json::json!({"value": cur}));
    }
    let mut fields = vec![FieldChange {
        field: "DisplayName".into(),
        before: Value::Null,
        after: Value::Text(name.clone()),
        note: None,
    }];
    for (prop, path) in [
        ("firstname", "GivenName"),
        ("lastname", "FamilyName"),
        ("company", "CompanyName"),
        ("email", "PrimaryEmailAddr.Address"),
        ("phone", "PrimaryPhone.FreeFormNumber"),
    ] {
        if let Some(v) = contact.prop(prop) {
            let max = crate::model::catalog::qbo_field("Customer", path)
                .and_then(|f| f.max_len)
                .unwrap_or(usize::MAX);
            if v.chars().count() <= max {
                crate::model::FieldPath::from(path).set(&mut body, v.into());
                fields.push(FieldChange {
                    field: path.into(),
                    before: Value::Null,
                    after: Value::Text(v.into()),
                    note: None,
                });
            }
        }
    }
    let id = format!("deal_invoices/customer/quickbooks/hs:{}", contact.id);
    let label = [contact.prop("firstname"), contact.prop("lastname")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    b.push(Change {
        id: id.clone(),
        block: Block::DealInvoices,
        action: Action::Create,
        system: System::Quickbooks,
        object: ObjectKind::Customer,
        company: Some(cx.company.clone()),
        target_id: None,
        source: Some(hs_ref(ObjectKind::Contact, &contact.id)),
        label: if label.is_empty() { name.clone() } else { label },
        match_key: None,
        fields,
        preconditions: vec![Precondition {
            record: hs_ref(ObjectKind::Contact, &contact.id),
            updated_at: Some(contact.updated_at),
            sync_token: None,
            absent_key: Some(format!("DisplayName = {name}")),
        }],
        reason: "billed by a deal invoice and no QuickBooks customer matches (customer.on_missing: create)".into(),
        payload: Payload::Quickbooks { entity: "Customer".into(), body, natural_key: Some(NaturalKey { field: "DisplayName".into(), value: name }) },
        depends_on: cx.property_deps.clone(),
        link_back: Some(LinkBack { object: "contacts".into(), id: contact.id.clone(), property: contact_link.to_string() }),
        baseline: None,
        fills: Vec::new(),
    });
    Ok(id)
}

fn resolve_item(
    cx: &Ctx<'_>,
    qbo: &QboSnapshot,
    product: Option<&HsRecord>,
    product_link: &str,
    sku: Option<&str>,
    name: &str,
    b: &Builder,
) -> Option<ItemRef> {
    let items = qbo.records("Item");
    if let Some(id) = product.and_then(|p| p.prop(product_link))
        && items.iter().any(|i| i.id == id && i.active)
    {
        return Some(ItemRef::Existing(id.to_string()));
    }
    for key in cx.block.effective_item_match() {
        let hit: Vec<&QboRecord> = match key {
            ProductMatchKey::Sku => match sku {
                Some(s) => items
                    .iter()
                    .filter(|i| i.active && i.get_str("Sku").map(str::trim) == Some(s.trim()))
                    .collect(),
                None => Vec::new(),
            },
            ProductMatchKey::Name => items
                .iter()
                .filter(|i| {
                    i.active
                        && i.get_str("Name").is_some_and(|n| {
                            names::norm(names::strip_deleted(n)) == names::norm(name)
                        })
                })
                .collect(),
        };
        if let [one] = hit.as_slice() {
            return Some(ItemRef::Existing(one.id.clone()));
        }
    }
    // The products block may create the item in this plan.
    let planned = product.map(|p| format!("products/create/quickbooks/hs:{}", p.id))?;
    b.changes
        .iter()
        .any(|c| c.id == planned)
        .then_some(ItemRef::Planned(planned))
}
