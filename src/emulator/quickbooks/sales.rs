//! Invoice and SalesReceipt rules: lines (Ids, `LineNum`, `UnitPrice × Qty`
//! check, the appended `SubTotalLineDetail` line), totals and balance, DocNumber
//! sequence and duplicates, dates and terms, addresses copied from the
//! customer; plus the invoice's effect on customer balances and `send`.

use super::fault::QboError;
use super::kind::Kind;
use super::people::check_address;
use super::table::Row;
use super::value::{
    Obj, dec_of, get_bool, get_str, input_dec, money, parse_date, plain, ref_value, reference,
    round_money, today,
};
use super::write::{
    Ctx, Prepared, check_email, check_len, check_string, currency_name, currency_ref, finish, touch,
};
use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

const PRINT_STATUS: [&str; 3] = ["NotSet", "NeedToPrint", "PrintComplete"];
const EMAIL_STATUS: [&str; 3] = ["NotSet", "NeedToSend", "EmailSent"];

fn dec_field(l: &Obj, k: &str, what: &str) -> Result<Option<Decimal>, QboError> {
    match l.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => input_dec(v)
            .map(Some)
            .ok_or_else(|| QboError::malformed(format!("{what} must be a number"))),
    }
}

fn line_ids(row: Option<&Row>) -> Vec<u64> {
    row.and_then(|r| r.obj.get("Line"))
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .filter_map(|l| l.get("Id")?.as_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

struct Totals {
    subtotal: Decimal,
    discount: Decimal,
}

/// Validate and number the lines; returns the lines (with the subtotal line
/// appended) and the totals.
fn build_lines(ctx: &Ctx, o: &Obj, cur: Option<&Row>) -> Result<(Vec<Value>, Totals), QboError> {
    let input: Vec<Obj> = match o.get("Line") {
        Some(Value::Array(ls)) => ls
            .iter()
            .map(|l| match l {
                Value::Object(m) => Ok(m.clone()),
                _ => Err(QboError::malformed("Line must be an object")),
            })
            .collect::<Result<_, _>>()?,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err(QboError::malformed("Line must be an array")),
    };
    let input: Vec<Obj> = input
        .into_iter()
        .filter(|l| get_str(l, "DetailType") != Some("SubTotalLineDetail"))
        .collect();
    if input.is_empty() {
        return Err(QboError::required("Line"));
    }
    let us = ctx.country() == "US";
    let mut next_id = line_ids(cur)
        .into_iter()
        .chain(
            input
                .iter()
                .filter_map(|l| get_str(l, "Id").and_then(|s| s.parse::<u64>().ok())),
        )
        .max()
        .unwrap_or(0)
        + 1;
    let mut used = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut totals = Totals {
        subtotal: Decimal::ZERO,
        discount: Decimal::ZERO,
    };
    let mut pending_discounts = Vec::new();
    for (n, mut l) in input.into_iter().enumerate() {
        check_string(&l, "Description")?;
        if let Some(d) = get_str(&l, "Description") {
            let len = super::value::char_len(d);
            if len > 4000 {
                return Err(QboError::too_long("Line.Description", 4000, len));
            }
        }
        let id = match get_str(&l, "Id").and_then(|s| s.parse::<u64>().ok()) {
            Some(id) if used.insert(id) => id,
            _ => {
                let id = next_id;
                next_id += 1;
                used.insert(id);
                id
            }
        };
        l.insert("Id".into(), Value::String(id.to_string()));
        l.insert("LineNum".into(), json!(n + 1));
        let detail_type = get_str(&l, "DetailType")
            .ok_or_else(|| QboError::required("Line.DetailType"))?
            .to_string();
        match detail_type.as_str() {
            "SalesItemLineDetail" => {
                let amount = dec_field(&l, "Amount", "Line.Amount")?
                    .ok_or_else(|| QboError::required("Line.Amount"))?;
                let mut d = match l.get("SalesItemLineDetail") {
                    Some(Value::Object(m)) => m.clone(),
                    _ => return Err(QboError::required("Line.SalesItemLineDetail")),
                };
                let item_ref = d.get("ItemRef").cloned();
                if item_ref.is_none() {
                    return Err(QboError::required("Line.SalesItemLineDetail.ItemRef"));
                }
                let item = ctx.lookup(Kind::Item, "ItemRef", item_ref.as_ref())?;
                let item_type = get_str(&item.obj, "Type").unwrap_or("");
                if item_type == "Category" {
                    return Err(QboError::business(
                        "A category cannot be used on a transaction line.",
                    ));
                }
                let iname = get_str(&item.obj, "FullyQualifiedName")
                    .or_else(|| get_str(&item.obj, "Name"))
                    .unwrap_or("")
                    .to_string();
                d.insert(
                    "ItemRef".into(),
                    reference(&item.id().to_string(), Some(&iname)),
                );
                let price = dec_field(&d, "UnitPrice", "UnitPrice")?;
                let qty = dec_field(&d, "Qty", "Qty")?;
                if let Some(p) = price {
                    d.insert("UnitPrice".into(), plain(p));
                }
                if let Some(q) = qty {
                    d.insert("Qty".into(), plain(q));
                }
                if let (Some(p), Some(q)) = (price, qty)
                    && p.checked_mul(q).map(round_money) != Some(round_money(amount))
                {
                    return Err(QboError::amount_mismatch(&amount.to_string()));
                }
                if item_type == "Inventory" && qty.is_none() {
                    return Err(QboError::missing_inventory_qty());
                }
                if let Some(sd) = get_str(&d, "ServiceDate")
                    && parse_date(sd).is_none()
                {
                    return Err(QboError::malformed(format!("ServiceDate value {sd}")));
                }
                let tax = ref_value(d.get("TaxCodeRef"));
                let tax = match tax {
                    Some(t) if us && (t == "TAX" || t == "NON") => t,
                    Some(t) => {
                        let row =
                            ctx.lookup(Kind::TaxCode, "TaxCodeRef", Some(&json!({"value": t})))?;
                        row.id().to_string()
                    }
                    None if us => {
                        if get_bool(&item.obj, "Taxable").unwrap_or(false) {
                            "TAX".to_string()
                        } else {
                            "NON".to_string()
                        }
                    }
                    None => {
                        return Err(QboError::business(
                            "Make sure all your transactions have a tax rate (TaxCodeRef) on every line before you save.",
                        ));
                    }
                };
                d.insert("TaxCodeRef".into(), reference(&tax, None));
                l.insert("SalesItemLineDetail".into(), Value::Object(d));
                l.insert("Amount".into(), money(amount));
                totals.subtotal += round_money(amount);
            }
            "DescriptionOnly" => {
                if let Some(a) = dec_field(&l, "Amount", "Line.Amount")? {
                    l.insert("Amount".into(), money(a));
                }
            }
            "DiscountLineDetail" => {
                let d = match l.get("DiscountLineDetail") {
                    Some(Value::Object(m)) => m.clone(),
                    _ => return Err(QboError::required("Line.DiscountLineDetail")),
                };
                let pct = if get_bool(&d, "PercentBased").unwrap_or(false) {
                    dec_field(&d, "DiscountPercent", "DiscountPercent")?
                } else {
                    None
                };
                let amount = dec_field(&l, "Amount", "Line.Amount")?;
                if pct.is_none() && amount.is_none() {
                    return Err(QboError::required("Line.Amount"));
                }
                pending_discounts.push((out.len(), pct, amount));
            }
            other => {
                return Err(QboError::business(format!(
                    "Line DetailType {other} is not supported on this transaction."
                )));
            }
        }
        out.push(Value::Object(l));
    }
    for (idx, pct, amount) in pending_discounts {
        let amt = match pct {
            Some(p) => totals
                .subtotal
                .checked_mul(p)
                .map(|x| round_money(x / Decimal::from(100)))
                .ok_or_else(|| QboError::malformed("DiscountPercent is too large"))?,
            None => round_money(amount.unwrap_or_default()),
        };
        totals.discount += amt;
        if let Some(Value::Object(l)) = out.get_mut(idx) {
            l.insert("Amount".into(), money(amt));
        }
    }
    out.push(json!({"Amount": money(totals.subtotal), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}));
    Ok((out, totals))
}

/// Sum applied to invoice `inv` by the payments it links.
fn applied(ctx: &Ctx, inv: &Obj, inv_id: u64) -> Decimal {
    let mut sum = Decimal::ZERO;
    let links = inv.get("LinkedTxn").and_then(Value::as_array);
    for t in links.into_iter().flatten() {
        if t.get("TxnType").and_then(Value::as_str) != Some("Payment") {
            continue;
        }
        let Some(pid) = t
            .get("TxnId")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
        else {
            continue;
        };
        if let Some(p) = ctx.realm.get(Kind::Payment, pid) {
            sum += super::payment::applications(&p.obj)
                .into_iter()
                .filter(|(i, _)| *i == inv_id)
                .map(|(_, a)| a)
                .sum::<Decimal>();
        }
    }
    sum
}

fn pref_bool(ctx: &Ctx, section: &str, key: &str) -> bool {
    ctx.realm
        .preferences
        .obj
        .get(section)
        .and_then(|s| s.get(key))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn due_date(term: &Row, txn: NaiveDate) -> NaiveDate {
    let n = |k: &str| {
        term.obj
            .get(k)
            .and_then(dec_of)
            .and_then(|d| u32::try_from(d.trunc().mantissa()).ok())
    };
    if get_str(&term.obj, "Type") == Some("DATE_DRIVEN") {
        let day = n("DayOfMonthDue").unwrap_or(1).max(1);
        let next = txn.checked_add_months(Months::new(1)).unwrap_or(txn);
        let mut d = day.min(28);
        while d < day {
            if next.with_day(d + 1).is_none() {
                break;
            }
            d += 1;
        }
        next.with_day(d).unwrap_or(next)
    } else {
        txn.checked_add_days(Days::new(u64::from(n("DueDays").unwrap_or(0))))
            .unwrap_or(txn)
    }
}

fn next_doc_number(ctx: &mut Ctx, kind: Kind) -> String {
    loop {
        let n = ctx.realm.next_doc_number;
        ctx.realm.next_doc_number += 1;
        let s = n.to_string();
        if ctx.realm.doc_number_count(kind, &s) == 0 {
            return s;
        }
    }
}

/// Invoice / SalesReceipt rules.
pub(crate) fn prepare(
    ctx: &mut Ctx,
    kind: Kind,
    mut o: Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<Prepared, QboError> {
    for k in [
        "DocNumber",
        "TxnDate",
        "DueDate",
        "PrivateNote",
        "PrintStatus",
        "EmailStatus",
        "PaymentRefNum",
    ] {
        check_string(&o, k)?;
    }
    for (k, max) in [
        ("DocNumber", 21),
        ("PrivateNote", 4000),
        ("CustomerMemo.value", 1000),
        ("BillEmail.Address", 100),
        ("PaymentRefNum", 21),
    ] {
        check_len(&o, k, max)?;
    }
    check_address(&o, "BillAddr")?;
    check_address(&o, "ShipAddr")?;
    check_email(&o, "BillEmail")?;

    let (lines, totals) = build_lines(ctx, &o, cur)?;
    let customer = match o.get("CustomerRef").filter(|v| !v.is_null()).cloned() {
        Some(r) => Some(ctx.lookup(Kind::Customer, "CustomerRef", Some(&r))?),
        None if kind == Kind::Invoice => return Err(QboError::required("CustomerRef")),
        None => None,
    };
    o.insert("Line".into(), Value::Array(lines));
    if let Some(c) = &customer {
        let name = get_str(&c.obj, "FullyQualifiedName")
            .or_else(|| get_str(&c.obj, "DisplayName"))
            .unwrap_or("")
            .to_string();
        o.insert(
            "CustomerRef".into(),
            reference(&c.id().to_string(), Some(&name)),
        );
    }

    // Currency follows the customer.
    let home = ctx.home_currency();
    let cust_ccy = customer
        .as_ref()
        .and_then(|c| ref_value(c.obj.get("CurrencyRef")))
        .unwrap_or_else(|| home.clone());
    if let Some(given) = ref_value(o.get("CurrencyRef"))
        && given != cust_ccy
    {
        return Err(QboError::business(format!(
            "The transaction currency {given} must match the customer's currency {cust_ccy}."
        )));
    }
    if currency_name(&cust_ccy).is_none() {
        return Err(QboError::business(format!(
            "Currency {cust_ccy} is not supported."
        )));
    }
    o.insert("CurrencyRef".into(), currency_ref(&cust_ccy));
    if cust_ccy != home {
        let rate = dec_field(&o, "ExchangeRate", "ExchangeRate")?.unwrap_or(Decimal::ONE);
        o.insert("ExchangeRate".into(), plain(rate));
    } else {
        o.shift_remove("ExchangeRate");
    }

    // DocNumber.
    let custom = pref_bool(ctx, "SalesFormsPrefs", "CustomTxnNumbers");
    match get_str(&o, "DocNumber").map(str::to_string) {
        Some(d) if d == "AUTO_GENERATE" => {
            let n = next_doc_number(ctx, kind);
            o.insert("DocNumber".into(), json!(n));
        }
        Some(d) => {
            let mine =
                usize::from(cur.and_then(|c| get_str(&c.obj, "DocNumber")) == Some(d.as_str()));
            if custom && ctx.realm.doc_number_count(kind, &d) > mine {
                return Err(QboError::duplicate_doc_number(&d));
            }
            if let Ok(n) = d.parse::<u64>()
                && n >= ctx.realm.next_doc_number
                && n < u64::MAX
            {
                ctx.realm.next_doc_number = n + 1;
            }
        }
        None if cur.is_none() && !custom => {
            let n = next_doc_number(ctx, kind);
            o.insert("DocNumber".into(), json!(n));
        }
        None => {}
    }

    // Dates and terms.
    let txn_date = match get_str(&o, "TxnDate") {
        Some(s) => {
            parse_date(s).ok_or_else(|| QboError::malformed(format!("TxnDate value {s}")))?
        }
        None => today(ctx.now, ctx.realm.utc_offset),
    };
    o.insert(
        "TxnDate".into(),
        json!(txn_date.format("%Y-%m-%d").to_string()),
    );
    if kind == Kind::Invoice {
        let term_ref = o
            .get("SalesTermRef")
            .filter(|v| !v.is_null())
            .cloned()
            .or_else(|| {
                customer
                    .as_ref()
                    .and_then(|c| c.obj.get("SalesTermRef").cloned())
            })
            .or_else(|| {
                ctx.realm
                    .preferences
                    .obj
                    .get("SalesFormsPrefs")
                    .and_then(|s| s.get("DefaultTerms"))
                    .cloned()
            });
        let term = match term_ref {
            Some(r) => {
                let t = ctx.lookup(Kind::Term, "SalesTermRef", Some(&r))?;
                o.insert("SalesTermRef".into(), reference(&t.id().to_string(), None));
                Some(t)
            }
            None => None,
        };
        match get_str(&o, "DueDate") {
            Some(s) => {
                parse_date(s).ok_or_else(|| QboError::malformed(format!("DueDate value {s}")))?;
            }
            None => {
                let due = match &term {
                    Some(t) => due_date(t, txn_date),
                    None => txn_date.checked_add_days(Days::new(30)).unwrap_or(txn_date),
                };
                o.insert("DueDate".into(), json!(due.format("%Y-%m-%d").to_string()));
            }
        }
    }

    // Addresses default to the customer's.
    if cur.is_none()
        && let Some(c) = &customer
    {
        for k in ["BillAddr", "ShipAddr"] {
            if !o.contains_key(k)
                && let Some(a) = c.obj.get(k)
            {
                o.insert(k.into(), a.clone());
            }
        }
    }
    ctx.number_addresses(&mut o, &["BillAddr", "ShipAddr"]);

    // Tax and totals.
    let mut tax_detail = Obj::new();
    let mut total_tax = Decimal::ZERO;
    if let Some(Value::Object(t)) = o.get("TxnTaxDetail") {
        if let Some(r) = t.get("TxnTaxCodeRef").filter(|v| !v.is_null()) {
            let row = ctx.lookup(Kind::TaxCode, "TxnTaxCodeRef", Some(r))?;
            tax_detail.insert(
                "TxnTaxCodeRef".into(),
                reference(&row.id().to_string(), None),
            );
        }
        total_tax = dec_field(t, "TotalTax", "TotalTax")?.unwrap_or_default();
    }
    tax_detail.insert("TotalTax".into(), money(total_tax));
    o.insert("TxnTaxDetail".into(), Value::Object(tax_detail));
    let total = round_money(totals.subtotal - totals.discount + total_tax);
    o.insert("TotalAmt".into(), money(total));
    if kind == Kind::Invoice {
        let paid = match cur {
            Some(c) => applied(ctx, &o, c.id()),
            None => Decimal::ZERO,
        };
        if paid > total {
            return Err(QboError::business(format!(
                "The invoice total {total} is less than the payments applied to it ({paid})."
            )));
        }
        o.insert("Balance".into(), money(total - paid));
        if !o.contains_key("LinkedTxn") {
            o.insert("LinkedTxn".into(), json!([]));
        }
    } else {
        o.insert("Balance".into(), json!(0));
    }

    for (k, allowed) in [
        ("PrintStatus", &PRINT_STATUS),
        ("EmailStatus", &EMAIL_STATUS),
    ] {
        if let Some(s) = get_str(&o, k)
            && !allowed.contains(&s)
        {
            return Err(QboError::malformed(format!("{k} value {s}")));
        }
    }
    if get_str(&o, "EmailStatus") == Some("NeedToSend")
        && o.get("BillEmail").and_then(|e| e.get("Address")).is_none()
    {
        return Err(QboError::business(
            "An email address (BillEmail) is required when EmailStatus is NeedToSend.",
        ));
    }
    if fill {
        let mut defaults = vec![
            ("ApplyTaxAfterDiscount", json!(false)),
            ("PrintStatus", json!("NeedToPrint")),
            ("EmailStatus", json!("NotSet")),
        ];
        if kind == Kind::Invoice {
            defaults.extend([
                ("AllowIPNPayment", json!(false)),
                ("AllowOnlinePayment", json!(false)),
                ("AllowOnlineCreditCardPayment", json!(false)),
                ("AllowOnlineACHPayment", json!(false)),
            ]);
        }
        for (k, v) in defaults {
            if !o.contains_key(k) {
                o.insert(k.into(), v);
            }
        }
        if kind == Kind::SalesReceipt
            && o.get("DepositToAccountRef").is_none_or(Value::is_null)
            && let Some(acct) = undeposited_funds(ctx)
        {
            o.insert("DepositToAccountRef".into(), acct);
        }
    }
    if let Some(v) = o
        .get("DepositToAccountRef")
        .filter(|v| !v.is_null())
        .cloned()
    {
        let a = ctx.lookup(Kind::Account, "DepositToAccountRef", Some(&v))?;
        let name = get_str(&a.obj, "Name").unwrap_or("").to_string();
        o.insert(
            "DepositToAccountRef".into(),
            reference(&a.id().to_string(), Some(&name)),
        );
    }
    Ok(Prepared {
        obj: o,
        original_name: None,
    })
}

/// The company's Undeposited Funds account as a reference.
pub(crate) fn undeposited_funds(ctx: &Ctx) -> Option<Value> {
    ctx.realm
        .table(Kind::Account)
        .iter_by_id(false)
        .filter(|a| a.active())
        .map(super::table::Stored::row)
        .find(|a| get_str(&a.obj, "AccountSubType") == Some("UndepositedFunds"))
        .map(|a| reference(&a.id().to_string(), get_str(&a.obj, "Name")))
}

/// Zero every amount of a voided sales transaction.
pub(crate) fn zero(o: &mut Obj) {
    if let Some(Value::Array(lines)) = o.get_mut("Line") {
        for l in lines {
            if let Value::Object(m) = l
                && m.contains_key("Amount")
            {
                m.insert("Amount".into(), json!(0));
            }
        }
    }
    for k in [
        "TotalAmt",
        "Balance",
        "HomeTotalAmt",
        "HomeBalance",
        "Deposit",
    ] {
        if o.contains_key(k) {
            o.insert(k.into(), json!(0));
        }
    }
    if let Some(Value::Object(t)) = o.get_mut("TxnTaxDetail") {
        t.insert("TotalTax".into(), json!(0));
    }
}

fn balance_of(row: Option<&Row>) -> Option<(u64, Decimal)> {
    let r = row?;
    let c = ref_value(r.obj.get("CustomerRef"))?.parse().ok()?;
    let b = r.obj.get("Balance").and_then(dec_of).unwrap_or_default();
    Some((c, b))
}

/// An invoice's effect on its customer's balance (and parents' BalanceWithJobs).
pub(crate) fn invoice_effects(
    ctx: &mut Ctx,
    old: Option<&Row>,
    new: Option<&Row>,
) -> Result<(), QboError> {
    let mut deltas: Vec<(u64, Decimal)> = Vec::new();
    if let Some((c, b)) = balance_of(old) {
        deltas.push((c, -b));
    }
    if let Some((c, b)) = balance_of(new) {
        match deltas.iter_mut().find(|(x, _)| *x == c) {
            Some(d) => d.1 += b,
            None => deltas.push((c, b)),
        }
    }
    for (c, d) in deltas {
        adjust_customer_balance(ctx, c, d);
    }
    Ok(())
}

/// Add `delta` to a customer's open balance: `Balance` and `BalanceWithJobs`
/// of the customer, `BalanceWithJobs` of its parents. QBO refreshes the
/// customer's `LastUpdatedTime` but not its SyncToken (recorded: the customer
/// of a new invoice shows the invoice's time with SyncToken "0").
pub(crate) fn adjust_customer_balance(ctx: &mut Ctx, customer: u64, delta: Decimal) {
    if delta.is_zero() {
        return;
    }
    let mut id = Some(customer);
    let mut first = true;
    let mut depth = 0;
    while let Some(cid) = id {
        let Some(mut row) = ctx.realm.get(Kind::Customer, cid) else {
            break;
        };
        let keys: &[&str] = if first {
            &["Balance", "BalanceWithJobs"]
        } else {
            &["BalanceWithJobs"]
        };
        for k in keys {
            let cur = row.obj.get(*k).and_then(dec_of).unwrap_or_default();
            row.obj.insert((*k).to_string(), money(cur + delta));
        }
        id = ref_value(row.obj.get("ParentRef")).and_then(|s| s.parse().ok());
        touch(ctx, Kind::Customer, row, false);
        first = false;
        depth += 1;
        if depth > 8 {
            break;
        }
    }
}

/// `POST /invoice/{id}/send`: mark the invoice sent.
pub(crate) fn send(ctx: &mut Ctx, id: u64, to: Option<&str>) -> Result<Value, QboError> {
    let cur = ctx.visible(Kind::Invoice, id)?;
    let mut o = cur.obj.clone();
    let addr = match to {
        Some(t) => t.to_string(),
        None => o
            .get("BillEmail")
            .and_then(|e| e.get("Address"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                QboError::business("An email address is required to send this invoice.")
            })?,
    };
    let probe: Obj =
        serde_json::from_value(json!({"BillEmail": {"Address": addr}})).unwrap_or_default();
    check_email(&probe, "BillEmail")?;
    if to.is_some() {
        o.insert("BillEmail".into(), json!({"Address": addr}));
    }
    let stamp = ctx.stamp();
    o.insert("EmailStatus".into(), json!("EmailSent"));
    o.insert(
        "DeliveryInfo".into(),
        json!({"DeliveryType": "Email", "DeliveryTime": stamp}),
    );
    let created = cur.meta("CreateTime").unwrap_or("").to_string();
    let row = Row {
        obj: finish(Kind::Invoice, o, id, cur.sync_token() + 1, &created, &stamp),
        original_name: None,
    };
    let entity = Value::Object(row.obj.clone());
    ctx.realm.put(Kind::Invoice, row);
    Ok(entity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_driven_terms_land_next_month() {
        let t = Row::new(
            json!({"Type":"DATE_DRIVEN","DayOfMonthDue":31})
                .as_object()
                .unwrap()
                .clone(),
        );
        let d = due_date(&t, NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        assert_eq!(d, NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        let t = Row::new(
            json!({"Type":"STANDARD","DueDays":15})
                .as_object()
                .unwrap()
                .clone(),
        );
        let d = due_date(&t, NaiveDate::from_ymd_opt(2024, 1, 20).unwrap());
        assert_eq!(d, NaiveDate::from_ymd_opt(2024, 2, 4).unwrap());
    }
}
