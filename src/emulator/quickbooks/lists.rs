//! Item, Account and Term rules: required fields, unique names among active
//! rows, the ` (deleted)` rename, account classification and item accounts.

use super::fault::QboError;
use super::kind::Kind;
use super::people::{base_name, deactivation};
use super::table::Row;
use super::value::{
    Obj, dec_of, get_bool, get_str, input_dec, money, parse_date, plain, reference,
};
use super::write::{
    Ctx, Prepared, check_bool, check_len, check_name_chars, check_string, normalise_bool,
};
use serde_json::{Value, json};

/// Item types the emulator accepts.
const ITEM_TYPES: [&str; 5] = ["Service", "Inventory", "NonInventory", "Category", "Group"];

/// Resolve the name of a name-list entity (required, renamed on deactivation),
/// returning the shown name and the remembered original.
fn name_and_active(
    o: &mut Obj,
    cur: Option<&Row>,
    max: usize,
) -> Result<(String, bool, Option<String>), QboError> {
    check_string(o, "Name")?;
    check_bool(o, "Active")?;
    normalise_bool(o, "Active");
    let name = match get_str(o, "Name").filter(|s| !s.trim().is_empty()) {
        Some(n) => n.to_string(),
        None => return Err(QboError::required("Name")),
    };
    check_len(o, "Name", max + super::people::DELETED.len())?;
    check_name_chars(o, &["Name"])?;
    let active = get_bool(o, "Active").unwrap_or_else(|| cur.map(Row::active).unwrap_or(true));
    let (shown, original) = deactivation(&name, cur, "Name", active);
    if super::value::char_len(base_name(&shown)) > max {
        return Err(QboError::too_long(
            "Name",
            max,
            super::value::char_len(&shown),
        ));
    }
    o.insert("Name".into(), Value::String(shown.clone()));
    o.insert("Active".into(), Value::Bool(active));
    Ok((shown, active, original))
}

fn unique(
    ctx: &Ctx,
    kind: Kind,
    key: &str,
    active: bool,
    cur: Option<&Row>,
) -> Result<(), QboError> {
    if active
        && let Some(owner) = ctx.realm.name_owner(kind, key)
        && Some(owner) != cur.map(|r| (kind, r.id()))
    {
        return Err(QboError::duplicate_name(kind));
    }
    Ok(())
}

fn decimal_field(o: &mut Obj, k: &str, as_money: bool) -> Result<(), QboError> {
    if let Some(v) = o.get(k).cloned() {
        if v.is_null() {
            o.shift_remove(k);
            return Ok(());
        }
        let d =
            input_dec(&v).ok_or_else(|| QboError::malformed(format!("{k} must be a number")))?;
        o.insert(k.into(), if as_money { money(d) } else { plain(d) });
    }
    Ok(())
}

fn account_ref(ctx: &Ctx, o: &mut Obj, field: &str) -> Result<(), QboError> {
    if let Some(v) = o.get(field).filter(|v| !v.is_null()).cloned() {
        let a = ctx.lookup(Kind::Account, field, Some(&v))?;
        let name = get_str(&a.obj, "Name").unwrap_or("").to_string();
        o.insert(field.into(), reference(&a.id().to_string(), Some(&name)));
    }
    Ok(())
}

/// Item rules.
pub(crate) fn prepare_item(
    ctx: &mut Ctx,
    mut o: Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<Prepared, QboError> {
    let (shown, active, original) = name_and_active(&mut o, cur, 100)?;
    for k in ["Sku", "Description", "PurchaseDesc", "Type"] {
        check_string(&o, k)?;
    }
    for (k, max) in [("Sku", 100), ("Description", 4000), ("PurchaseDesc", 4000)] {
        check_len(&o, k, max)?;
    }
    for k in [
        "Taxable",
        "TrackQtyOnHand",
        "SubItem",
        "SalesTaxIncluded",
        "PurchaseTaxIncluded",
    ] {
        check_bool(&o, k)?;
        normalise_bool(&mut o, k);
    }
    let typ = match get_str(&o, "Type") {
        Some(t) if ITEM_TYPES.contains(&t) => t.to_string(),
        Some(t) => return Err(QboError::malformed(format!("Type value {t}"))),
        None => return Err(QboError::required("Type")),
    };
    if let Some(prev) = cur.and_then(|c| get_str(&c.obj, "Type"))
        && prev != typ
        && (prev == "Inventory" || typ == "Inventory")
    {
        return Err(QboError::business(
            "An item's type cannot be changed to or from Inventory.",
        ));
    }
    let needs_income = matches!(typ.as_str(), "Service" | "NonInventory" | "Inventory");
    if needs_income && o.get("IncomeAccountRef").is_none_or(Value::is_null) {
        return Err(QboError::required("IncomeAccountRef"));
    }
    if typ == "Inventory" {
        for k in [
            "AssetAccountRef",
            "ExpenseAccountRef",
            "QtyOnHand",
            "InvStartDate",
        ] {
            if o.get(k).is_none_or(Value::is_null) {
                return Err(QboError::required(k));
            }
        }
        if let Some(d) = get_str(&o, "InvStartDate")
            && parse_date(d).is_none()
        {
            return Err(QboError::malformed(format!("InvStartDate value {d}")));
        }
        o.insert("TrackQtyOnHand".into(), Value::Bool(true));
    }
    for k in ["IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"] {
        account_ref(ctx, &mut o, k)?;
    }
    if let Some(v) = o.get("SalesTaxCodeRef").filter(|v| !v.is_null()).cloned() {
        let t = ctx.lookup(Kind::TaxCode, "SalesTaxCodeRef", Some(&v))?;
        let name = get_str(&t.obj, "Name").unwrap_or("").to_string();
        o.insert(
            "SalesTaxCodeRef".into(),
            reference(&t.id().to_string(), Some(&name)),
        );
    }
    let mut fqn = shown.clone();
    if let Some(pref) = o.get("ParentRef").filter(|v| !v.is_null()).cloned() {
        let p = ctx.lookup(Kind::Item, "ParentRef", Some(&pref))?;
        let pname = get_str(&p.obj, "FullyQualifiedName")
            .unwrap_or("")
            .to_string();
        let level = p.obj.get("Level").and_then(Value::as_u64).unwrap_or(0) + 1;
        o.insert(
            "ParentRef".into(),
            reference(&p.id().to_string(), Some(&pname)),
        );
        o.insert("SubItem".into(), Value::Bool(true));
        o.insert("Level".into(), json!(level));
        fqn = format!("{pname}:{shown}");
    }
    o.insert("FullyQualifiedName".into(), Value::String(fqn.clone()));
    unique(ctx, Kind::Item, &fqn, active, cur)?;
    for k in ["UnitPrice", "PurchaseCost", "QtyOnHand", "ReorderPoint"] {
        decimal_field(&mut o, k, false)?;
    }
    if fill {
        for (k, v) in [("Taxable", json!(false)), ("TrackQtyOnHand", json!(false))] {
            if !o.contains_key(k) {
                o.insert(k.into(), v);
            }
        }
        if typ != "Category" {
            for k in ["UnitPrice", "PurchaseCost"] {
                if !o.contains_key(k) {
                    o.insert(k.into(), json!(0));
                }
            }
        }
    }
    Ok(Prepared {
        obj: o,
        original_name: original,
    })
}

/// Account type → (classification, default sub-type).
fn account_type(t: &str) -> Option<(&'static str, &'static str)> {
    Some(match t {
        "Bank" => ("Asset", "Checking"),
        "Other Current Asset" => ("Asset", "OtherCurrentAssets"),
        "Fixed Asset" => ("Asset", "OtherFixedAssets"),
        "Other Asset" => ("Asset", "OtherLongTermAssets"),
        "Accounts Receivable" => ("Asset", "AccountsReceivable"),
        "Equity" => ("Equity", "OpeningBalanceEquity"),
        "Expense" => ("Expense", "OtherMiscellaneousServiceCost"),
        "Other Expense" => ("Expense", "OtherMiscellaneousExpense"),
        "Cost of Goods Sold" => ("Expense", "SuppliesMaterialsCogs"),
        "Accounts Payable" => ("Liability", "AccountsPayable"),
        "Credit Card" => ("Liability", "CreditCard"),
        "Long Term Liability" => ("Liability", "OtherLongTermLiabilities"),
        "Other Current Liability" => ("Liability", "OtherCurrentLiabilities"),
        "Income" => ("Revenue", "SalesOfProductIncome"),
        "Other Income" => ("Revenue", "OtherMiscellaneousIncome"),
        _ => return None,
    })
}

/// Account rules.
pub(crate) fn prepare_account(
    ctx: &mut Ctx,
    mut o: Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<Prepared, QboError> {
    let (shown, active, original) = name_and_active(&mut o, cur, 100)?;
    for k in ["AccountType", "AccountSubType", "Description", "AcctNum"] {
        check_string(&o, k)?;
    }
    check_len(&o, "Description", 100)?;
    check_len(&o, "AcctNum", 20)?;
    check_bool(&o, "SubAccount")?;
    normalise_bool(&mut o, "SubAccount");
    let typ = get_str(&o, "AccountType")
        .ok_or_else(|| QboError::required("AccountType"))?
        .to_string();
    let (class, sub) = account_type(&typ)
        .ok_or_else(|| QboError::malformed(format!("AccountType value {typ}")))?;
    o.insert("Classification".into(), json!(class));
    if get_str(&o, "AccountSubType").is_none() {
        o.insert("AccountSubType".into(), json!(sub));
    }
    let mut fqn = shown.clone();
    if let Some(pref) = o.get("ParentRef").filter(|v| !v.is_null()).cloned() {
        let p = ctx.lookup(Kind::Account, "ParentRef", Some(&pref))?;
        let pname = get_str(&p.obj, "FullyQualifiedName")
            .unwrap_or("")
            .to_string();
        o.insert("ParentRef".into(), reference(&p.id().to_string(), None));
        o.insert("SubAccount".into(), Value::Bool(true));
        fqn = format!("{pname}:{shown}");
    }
    o.insert("FullyQualifiedName".into(), Value::String(fqn.clone()));
    unique(ctx, Kind::Account, &fqn, active, cur)?;
    super::people::currency(ctx, &mut o, cur, fill)?;
    if fill {
        if !o.contains_key("SubAccount") {
            o.insert("SubAccount".into(), json!(false));
        }
        for k in ["CurrentBalance", "CurrentBalanceWithSubAccounts"] {
            if !o.contains_key(k) {
                o.insert(k.into(), json!(0));
            }
        }
    }
    Ok(Prepared {
        obj: o,
        original_name: original,
    })
}

/// Term rules.
pub(crate) fn prepare_term(
    ctx: &mut Ctx,
    mut o: Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<Prepared, QboError> {
    let (shown, active, original) = name_and_active(&mut o, cur, 31)?;
    unique(ctx, Kind::Term, &shown, active, cur)?;
    check_string(&o, "Type")?;
    let typ = get_str(&o, "Type").unwrap_or("STANDARD").to_string();
    if typ != "STANDARD" && typ != "DATE_DRIVEN" {
        return Err(QboError::malformed(format!("Type value {typ}")));
    }
    o.insert("Type".into(), json!(typ));
    for k in [
        "DueDays",
        "DiscountDays",
        "DayOfMonthDue",
        "DueNextMonthDays",
        "DiscountDayOfMonth",
    ] {
        if let Some(v) = o.get(k).cloned() {
            let n = input_dec(&v)
                .filter(|d| d.fract().is_zero() && !d.is_sign_negative())
                .ok_or_else(|| {
                    QboError::malformed(format!("{k} must be a non-negative integer"))
                })?;
            o.insert(k.into(), plain(n));
        }
    }
    decimal_field(&mut o, "DiscountPercent", false)?;
    if let Some(p) = o.get("DiscountPercent").and_then(dec_of)
        && (p.is_sign_negative() || p > rust_decimal::Decimal::from(100))
    {
        return Err(QboError::business(
            "DiscountPercent must be between 0 and 100.",
        ));
    }
    if fill && typ == "STANDARD" && !o.contains_key("DueDays") {
        o.insert("DueDays".into(), json!(0));
    }
    if typ == "DATE_DRIVEN" && !o.contains_key("DayOfMonthDue") {
        return Err(QboError::required("DayOfMonthDue"));
    }
    Ok(Prepared {
        obj: o,
        original_name: original,
    })
}
