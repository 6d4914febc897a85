//! QuickBooks invoices in every state hsqb derives a status from: open, sent,
//! overdue, partially paid (with payments), paid, voided, and in a foreign
//! currency.

use super::pick::{self, categories, date_str, flags, money_json, number_json, shift};
use super::quickbooks::{Company, ItemInfo, err, exchange_rate};
use super::{Edge, Gen, GenerateError, names};
use crate::emulator::quickbooks::{QboError, QboState};
use chrono::NaiveDate;
use rand::RngExt;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Open,
    Sent,
    Overdue,
    Partial,
    Paid,
    Voided,
    Foreign,
}

fn decimal(v: Option<&Value>) -> Option<Decimal> {
    match v? {
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    }
}

/// Items to invoice: the generated ones, else the company's active items.
fn invoice_items(g: &Gen, qbo: &QboState, company: &Company) -> Vec<ItemInfo> {
    if !company.items.is_empty() {
        return company
            .items
            .iter()
            .map(|i| ItemInfo {
                id: i.id.clone(),
                price: i.price,
                inactive: i.inactive,
            })
            .collect();
    }
    qbo.query(
        &g.realm,
        "SELECT * FROM Item WHERE Active = true MAXRESULTS 1000",
    )
    .ok()
    .and_then(|r| r.get("Item").and_then(Value::as_array).cloned())
    .unwrap_or_default()
    .iter()
    .filter(|i| i.get("Type").and_then(Value::as_str) != Some("Category"))
    .filter_map(|i| {
        Some(ItemInfo {
            id: i.get("Id")?.as_str()?.to_string(),
            price: decimal(i.get("UnitPrice"))
                .filter(|p| *p > Decimal::ZERO)
                .unwrap_or(Decimal::new(10000, 2)),
            inactive: false,
        })
    })
    .collect()
}

/// Write the invoices, their payments and voids.
pub(crate) fn write(
    g: &mut Gen,
    qbo: &mut QboState,
    company: &mut Company,
) -> Result<(), GenerateError> {
    let n = g.spec.invoices;
    if n == 0 {
        return Ok(());
    }
    let items = invoice_items(g, qbo, company);
    if items.is_empty() {
        return Err(GenerateError::QuickBooks {
            what: "invoices".into(),
            source: Box::new(QboError::business(
                "the company has no active item to invoice",
            )),
        });
    }
    let active: Vec<usize> = (0..company.customers.len())
        .filter(|&i| !company.customers[i].inactive)
        .collect();
    let home: Vec<usize> = active
        .iter()
        .copied()
        .filter(|&i| company.customers[i].currency == company.home)
        .collect();
    let with_email: Vec<usize> = home
        .iter()
        .copied()
        .filter(|&i| company.customers[i].email.is_some())
        .collect();
    let foreign: Vec<usize> = active
        .iter()
        .copied()
        .filter(|&i| company.customers[i].currency != company.home)
        .collect();
    if active.is_empty() {
        return Err(GenerateError::QuickBooks {
            what: "invoices".into(),
            source: Box::new(QboError::business(
                "no active generated customer to invoice",
            )),
        });
    }
    let mut rates = vec![
        (Status::Sent, 0.15),
        (Status::Overdue, 0.15),
        (Status::Partial, 0.15),
        (Status::Paid, 0.20),
        (Status::Voided, 0.05),
    ];
    if !foreign.is_empty() {
        rates.push((Status::Foreign, 0.05));
    }
    let statuses = categories(&mut g.rng, n, &rates, Status::Open);
    let long = flags(&mut g.rng, n, 0.005, |_| true);
    let realm = g.realm.clone();
    for (i, status) in statuses.into_iter().enumerate() {
        let pool = match status {
            Status::Foreign => &foreign,
            Status::Sent if !with_email.is_empty() => &with_email,
            _ if !home.is_empty() => &home,
            _ => &active,
        };
        let customer = &company.customers[pool[g.rng.random_range(0..pool.len())]];
        let (txn, due) = dates(g, status);
        let lines = lines(g, &items);
        let mut body = Map::new();
        body.insert("CustomerRef".into(), json!({"value": customer.id}));
        body.insert("Line".into(), Value::Array(lines));
        body.insert("TxnDate".into(), json!(date_str(txn)));
        body.insert("DueDate".into(), json!(date_str(due)));
        if status == Status::Sent {
            body.insert("EmailStatus".into(), json!("EmailSent"));
            if let Some(e) = &customer.email {
                body.insert("BillEmail".into(), json!({"Address": e}));
            }
        }
        if customer.currency != company.home {
            body.insert(
                "ExchangeRate".into(),
                number_json(exchange_rate(&customer.currency)),
            );
        }
        if long[i] {
            body.insert(
                "CustomerMemo".into(),
                json!({"value": names::long_text(&mut g.rng, 1000)}),
            );
            body.insert(
                "PrivateNote".into(),
                json!(names::long_text(&mut g.rng, 4000)),
            );
        }
        let at = g.clock.next();
        let id = qbo
            .insert(&realm, "Invoice", Value::Object(body), at)
            .map_err(err(format!("invoice for customer {}", customer.id)))?;
        g.report.created.invoices += 1;
        let stored = qbo.get(&realm, "Invoice", &id).unwrap_or(Value::Null);
        let total = decimal(stored.get("TotalAmt")).unwrap_or_default();
        let customer_id = customer.id.clone();
        let edge = match status {
            Status::Open => Edge::InvoiceOpen,
            Status::Sent => Edge::InvoiceSent,
            Status::Overdue => Edge::InvoiceOverdue,
            Status::Partial => {
                let share = Decimal::new(g.rng.random_range(20..=80), 2);
                let mut paid = pick::cents(total * share);
                if paid <= Decimal::ZERO || paid >= total {
                    paid = pick::cents(total / Decimal::TWO);
                }
                let date = pay_date(g, txn);
                payment(g, qbo, &customer_id, &id, paid, date)?;
                Edge::InvoicePartiallyPaid
            }
            Status::Paid => {
                if g.rng.random_bool(0.15) && total > Decimal::ONE {
                    let first = pick::cents(total * Decimal::new(g.rng.random_range(40..=60), 2));
                    let d1 = pay_date(g, txn);
                    payment(g, qbo, &customer_id, &id, first, d1)?;
                    let d2 = pay_date(g, d1);
                    payment(g, qbo, &customer_id, &id, total - first, d2)?;
                } else {
                    let date = pay_date(g, txn);
                    payment(g, qbo, &customer_id, &id, total, date)?;
                }
                Edge::InvoicePaid
            }
            Status::Voided => {
                let sync = stored
                    .get("SyncToken")
                    .and_then(Value::as_str)
                    .unwrap_or("0")
                    .to_string();
                let at = g.clock.next();
                qbo.void(&realm, "Invoice", json!({"Id": id, "SyncToken": sync}), at)
                    .map_err(err(format!("voiding invoice {id}")))?;
                Edge::InvoiceVoided
            }
            Status::Foreign => Edge::InvoiceForeignCurrency,
        };
        g.report.mark(edge, "Invoice", &id);
        if long[i] {
            g.report.mark(Edge::LongText, "Invoice", &id);
        }
    }
    Ok(())
}

/// Transaction and due dates: open ones are due at least ten days after the
/// anchor, overdue ones at least fifteen days before it (clear of any time
/// zone's idea of "today").
fn dates(g: &mut Gen, status: Status) -> (NaiveDate, NaiveDate) {
    let txn = match status {
        Status::Open | Status::Sent | Status::Partial | Status::Foreign => {
            shift(g.today, -g.rng.random_range(0..=20))
        }
        Status::Overdue => shift(g.today, -g.rng.random_range(45..=150)),
        Status::Paid | Status::Voided => shift(g.today, -g.rng.random_range(0..=150)),
    };
    (txn, shift(txn, 30))
}

/// A payment date between `after` and the anchor's day.
fn pay_date(g: &mut Gen, after: NaiveDate) -> NaiveDate {
    let span = (g.today - after).num_days().max(0);
    shift(after, g.rng.random_range(0..=span))
}

fn lines(g: &mut Gen, items: &[ItemInfo]) -> Vec<Value> {
    let count = match g.rng.random_range(0..10) {
        0..4 => 1,
        4..7 => 2,
        7..9 => 3,
        _ => 4,
    };
    (0..count)
        .map(|_| {
            let item = &items[g.rng.random_range(0..items.len())];
            let qty = if g.rng.random_bool(0.1) {
                Decimal::new(g.rng.random_range(3..=19) * 5, 1)
            } else {
                Decimal::from(g.rng.random_range(1..=10))
            };
            let unit = if g.rng.random_bool(0.15) {
                pick::cents(item.price * Decimal::new(95, 2))
            } else {
                item.price
            };
            let amount = pick::cents(unit * qty);
            json!({
                "Amount": money_json(amount),
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": item.id},
                    "Qty": number_json(&qty.normalize().to_string()),
                    "UnitPrice": number_json(&unit.normalize().to_string()),
                }
            })
        })
        .collect()
}

fn payment(
    g: &mut Gen,
    qbo: &mut QboState,
    customer: &str,
    invoice: &str,
    amount: Decimal,
    date: NaiveDate,
) -> Result<(), GenerateError> {
    let body = json!({
        "CustomerRef": {"value": customer},
        "TotalAmt": money_json(amount),
        "TxnDate": date_str(date),
        "PaymentRefNum": format!("CHK-{}", g.rng.random_range(1000..99_999)),
        "Line": [{
            "Amount": money_json(amount),
            "LinkedTxn": [{"TxnId": invoice, "TxnType": "Invoice"}]
        }]
    });
    let at = g.clock.next();
    qbo.insert(&g.realm, "Payment", body, at)
        .map_err(err(format!("payment on invoice {invoice}")))?;
    g.report.created.payments += 1;
    Ok(())
}
