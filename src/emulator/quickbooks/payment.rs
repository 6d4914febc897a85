//! Payment rules: applied to invoices through `Line[].LinkedTxn`, each paid
//! invoice's `Balance` drops and it gains a `LinkedTxn` of type `Payment`; the
//! customer's balance follows. Updates, voids and deletes re-apply the
//! difference.

use super::fault::QboError;
use super::kind::Kind;
use super::sales::{adjust_customer_balance, undeposited_funds};
use super::table::Row;
use super::value::{
    Obj, dec_of, get_str, input_dec, money, parse_date, ref_value, reference, round_money, today,
};
use super::write::{Ctx, Prepared, check_len, check_string, currency_ref, touch};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// (invoice Id, amount) pairs a payment applies.
pub(crate) fn applications(o: &Obj) -> Vec<(u64, Decimal)> {
    let mut out = Vec::new();
    for l in o
        .get("Line")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let amount = l.get("Amount").and_then(dec_of).unwrap_or_default();
        for t in l
            .get("LinkedTxn")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if t.get("TxnType").and_then(Value::as_str) == Some("Invoice")
                && let Some(id) = t
                    .get("TxnId")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
            {
                out.push((id, amount));
            }
        }
    }
    out
}

fn per_invoice(apps: &[(u64, Decimal)]) -> BTreeMap<u64, Decimal> {
    let mut m = BTreeMap::new();
    for (id, a) in apps {
        *m.entry(*id).or_insert(Decimal::ZERO) += *a;
    }
    m
}

/// Payment rules.
pub(crate) fn prepare(
    ctx: &mut Ctx,
    mut o: Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<Prepared, QboError> {
    for k in ["TxnDate", "PrivateNote", "PaymentRefNum"] {
        check_string(&o, k)?;
    }
    check_len(&o, "PrivateNote", 4000)?;
    check_len(&o, "PaymentRefNum", 21)?;
    let cref = o
        .get("CustomerRef")
        .filter(|v| !v.is_null())
        .cloned()
        .ok_or_else(|| QboError::required("CustomerRef"))?;
    let customer = ctx.lookup(Kind::Customer, "CustomerRef", Some(&cref))?;
    let cname = get_str(&customer.obj, "FullyQualifiedName")
        .or_else(|| get_str(&customer.obj, "DisplayName"))
        .unwrap_or("")
        .to_string();
    o.insert(
        "CustomerRef".into(),
        reference(&customer.id().to_string(), Some(&cname)),
    );
    let total = match o.get("TotalAmt") {
        None | Some(Value::Null) => return Err(QboError::required("TotalAmt")),
        Some(v) => input_dec(v).ok_or_else(|| QboError::malformed("TotalAmt must be a number"))?,
    };
    if total.is_sign_negative() {
        return Err(QboError::business("The payment amount cannot be negative."));
    }
    let total = round_money(total);
    o.insert("TotalAmt".into(), money(total));

    let previous = cur
        .map(|c| per_invoice(&applications(&c.obj)))
        .unwrap_or_default();
    let mut lines = Vec::new();
    let mut per_inv: BTreeMap<u64, Decimal> = BTreeMap::new();
    let mut sum = Decimal::ZERO;
    let input = match o.get("Line") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ls)) => ls.clone(),
        Some(_) => return Err(QboError::malformed("Line must be an array")),
    };
    for l in input {
        let Value::Object(l) = l else {
            return Err(QboError::malformed("Line must be an object"));
        };
        let amount = match l.get("Amount") {
            None | Some(Value::Null) => return Err(QboError::required("Line.Amount")),
            Some(v) => round_money(
                input_dec(v).ok_or_else(|| QboError::malformed("Line.Amount must be a number"))?,
            ),
        };
        if amount.is_sign_negative() {
            return Err(QboError::business("An applied amount cannot be negative."));
        }
        let links = l
            .get("LinkedTxn")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if links.len() != 1 {
            return Err(QboError::business(
                "Each payment line must link exactly one invoice (LinkedTxn).",
            ));
        }
        let t = &links[0];
        if t.get("TxnType").and_then(Value::as_str) != Some("Invoice") {
            return Err(QboError::business(
                "Payments can only be applied to invoices (LinkedTxn.TxnType \"Invoice\").",
            ));
        }
        let tid = ref_value(Some(
            &json!({"value": t.get("TxnId").cloned().unwrap_or(Value::Null)}),
        ))
        .ok_or_else(|| QboError::required("Line.LinkedTxn.TxnId"))?;
        let inv_id: u64 = tid
            .parse()
            .map_err(|_| QboError::invalid_ref(Kind::Invoice, "LinkedTxn.TxnId", &tid))?;
        let inv = match ctx.visible(Kind::Invoice, inv_id) {
            Ok(r) => r,
            Err(_) => {
                return Err(QboError::invalid_ref(
                    Kind::Invoice,
                    "LinkedTxn.TxnId",
                    &tid,
                ));
            }
        };
        if ref_value(inv.obj.get("CustomerRef")) != Some(customer.id().to_string()) {
            return Err(QboError::business(format!(
                "Invoice {inv_id} belongs to another customer than the payment."
            )));
        }
        let open = inv.obj.get("Balance").and_then(dec_of).unwrap_or_default()
            + previous.get(&inv_id).copied().unwrap_or_default();
        let applied = per_inv.entry(inv_id).or_insert(Decimal::ZERO);
        *applied += amount;
        if *applied > open {
            return Err(QboError::business(format!(
                "The amount applied to invoice {inv_id} ({applied}) exceeds its open balance ({open})."
            )));
        }
        sum += amount;
        lines.push(json!({
            "Amount": money(amount),
            "LinkedTxn": [{"TxnId": inv_id.to_string(), "TxnType": "Invoice"}]
        }));
    }
    if sum > total {
        return Err(QboError::business(format!(
            "The amounts applied ({sum}) exceed the payment amount ({total})."
        )));
    }
    if lines.is_empty() {
        o.shift_remove("Line");
    } else {
        o.insert("Line".into(), Value::Array(lines));
    }
    o.insert("UnappliedAmt".into(), money(total - sum));

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
    let ccy = ref_value(customer.obj.get("CurrencyRef")).unwrap_or_else(|| ctx.home_currency());
    if let Some(given) = ref_value(o.get("CurrencyRef"))
        && given != ccy
    {
        return Err(QboError::business(format!(
            "The payment currency {given} must match the customer's currency {ccy}."
        )));
    }
    o.insert("CurrencyRef".into(), currency_ref(&ccy));
    if fill {
        if !o.contains_key("ProcessPayment") {
            o.insert("ProcessPayment".into(), json!(false));
        }
        if o.get("DepositToAccountRef").is_none_or(Value::is_null)
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
        // Payments carry the account Id only (ruckus payment captures).
        let a = ctx.lookup(Kind::Account, "DepositToAccountRef", Some(&v))?;
        o.insert(
            "DepositToAccountRef".into(),
            reference(&a.id().to_string(), None),
        );
    }
    Ok(Prepared {
        obj: o,
        original_name: None,
    })
}

/// Zero every amount of a voided payment.
pub(crate) fn zero(o: &mut Obj) {
    if let Some(Value::Array(lines)) = o.get_mut("Line") {
        for l in lines {
            if let Value::Object(m) = l {
                m.insert("Amount".into(), json!(0));
            }
        }
    }
    for k in ["TotalAmt", "UnappliedAmt"] {
        o.insert(k.into(), json!(0));
    }
}

fn customer_of(row: Option<&Row>) -> Option<u64> {
    ref_value(row?.obj.get("CustomerRef"))?.parse().ok()
}

/// Re-apply a payment change to the invoices and customer balances it touches.
pub(crate) fn effects(ctx: &mut Ctx, old: Option<&Row>, new: Option<&Row>) -> Result<(), QboError> {
    let Some(pid) = new.or(old).map(Row::id) else {
        return Ok(());
    };
    let before = old
        .map(|r| per_invoice(&applications(&r.obj)))
        .unwrap_or_default();
    let after = new
        .map(|r| per_invoice(&applications(&r.obj)))
        .unwrap_or_default();
    let mut ids: Vec<u64> = before.keys().chain(after.keys()).copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let pid_s = pid.to_string();
    for inv_id in ids {
        let was = before.get(&inv_id).copied().unwrap_or_default();
        let now = after.get(&inv_id).copied().unwrap_or_default();
        let Some(mut inv) = ctx.realm.get(Kind::Invoice, inv_id) else {
            continue;
        };
        let links = inv
            .obj
            .get("LinkedTxn")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let is_link = |t: &Value| {
            t.get("TxnType").and_then(Value::as_str) == Some("Payment")
                && t.get("TxnId").and_then(Value::as_str) == Some(pid_s.as_str())
        };
        let linked_before = links.iter().any(is_link);
        let linked_after = now > Decimal::ZERO;
        if was == now && linked_before == linked_after {
            continue;
        }
        let bal = inv.obj.get("Balance").and_then(dec_of).unwrap_or_default();
        inv.obj.insert("Balance".into(), money(bal + was - now));
        let mut links: Vec<Value> = links.into_iter().filter(|t| !is_link(t)).collect();
        if linked_after {
            links.push(json!({"TxnId": pid_s, "TxnType": "Payment"}));
        }
        inv.obj.insert("LinkedTxn".into(), Value::Array(links));
        touch(ctx, Kind::Invoice, inv, true);
    }
    let total = |m: &BTreeMap<u64, Decimal>| m.values().copied().sum::<Decimal>();
    let mut net: BTreeMap<u64, Decimal> = BTreeMap::new();
    if let Some(c) = customer_of(old) {
        *net.entry(c).or_default() += total(&before);
    }
    if let Some(c) = customer_of(new) {
        *net.entry(c).or_default() -= total(&after);
    }
    for (c, d) in net {
        adjust_customer_balance(ctx, c, d);
    }
    Ok(())
}
