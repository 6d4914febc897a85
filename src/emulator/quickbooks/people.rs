//! Customer, Vendor and Employee rules: generated `DisplayName`, uniqueness
//! across all three (active records only), sub-customers, the ` (deleted)`
//! rename on deactivation, and the defaults the recorded create response shows.

use super::fault::QboError;
use super::kind::Kind;
use super::table::Row;
use super::value::{Obj, get_bool, get_str, input_dec, money, plain, ref_value, reference};
use super::write::{
    Ctx, Prepared, check_bool, check_email, check_len, check_name_chars, check_string,
    currency_name, currency_ref, normalise_bool,
};
use serde_json::{Value, json};

/// The suffix QBO appends to a deactivated entity's name.
pub(crate) const DELETED: &str = " (deleted)";

/// Strip a ` (deleted)` suffix.
pub(crate) fn base_name(s: &str) -> &str {
    s.strip_suffix(DELETED).unwrap_or(s)
}

/// Apply the deactivation naming rule to a name-list entity. Returns the name to
/// show and the original name to remember while inactive.
///
/// Deactivating renames `X` to `X (deleted)`; staying inactive with the shown
/// name unchanged is a no-op; reactivating (with the shown name unchanged)
/// restores the remembered original name.
pub(crate) fn deactivation(
    name_in: &str,
    cur: Option<&Row>,
    name_field: &str,
    new_active: bool,
) -> (String, Option<String>) {
    let cur_active = cur.map(Row::active);
    let cur_shown = cur.and_then(|r| get_str(&r.obj, name_field));
    let remembered = cur
        .and_then(|r| r.original_name.clone())
        .unwrap_or_else(|| base_name(name_in).to_string());
    match (cur_active, new_active) {
        (Some(false), true) => {
            let base = if Some(name_in) == cur_shown {
                remembered
            } else {
                base_name(name_in).to_string()
            };
            (base, None)
        }
        (_, true) => (name_in.to_string(), None),
        (Some(false), false) if Some(name_in) == cur_shown => {
            (name_in.to_string(), Some(remembered))
        }
        (_, false) => {
            let base = base_name(name_in).to_string();
            (format!("{base}{DELETED}"), Some(base))
        }
    }
}

const NAME_PARTS: [&str; 5] = ["Title", "GivenName", "MiddleName", "FamilyName", "Suffix"];

const ADDRESS_LIMITS: [(&str, usize); 9] = [
    ("Line1", 500),
    ("Line2", 500),
    ("Line3", 500),
    ("Line4", 500),
    ("Line5", 500),
    ("City", 255),
    ("Country", 255),
    ("CountrySubDivisionCode", 255),
    ("PostalCode", 30),
];

/// Length limits of a physical address property.
pub(crate) fn check_address(o: &Obj, field: &str) -> Result<(), QboError> {
    for (k, max) in ADDRESS_LIMITS {
        check_len(o, &format!("{field}.{k}"), max)?;
    }
    Ok(())
}

fn check_people_fields(o: &Obj) -> Result<(), QboError> {
    for k in [
        "DisplayName",
        "Title",
        "GivenName",
        "MiddleName",
        "FamilyName",
        "Suffix",
        "CompanyName",
        "PrintOnCheckName",
        "Notes",
        "ResaleNum",
        "AcctNum",
        "PreferredDeliveryMethod",
    ] {
        check_string(o, k)?;
    }
    let limits: [(&str, usize); 16] = [
        ("DisplayName", 500),
        ("Title", 16),
        ("GivenName", 100),
        ("MiddleName", 100),
        ("FamilyName", 100),
        ("Suffix", 16),
        ("CompanyName", 100),
        ("PrintOnCheckName", 110),
        ("PrimaryEmailAddr.Address", 100),
        ("PrimaryPhone.FreeFormNumber", 21),
        ("AlternatePhone.FreeFormNumber", 21),
        ("Mobile.FreeFormNumber", 21),
        ("Fax.FreeFormNumber", 21),
        ("WebAddr.URI", 1000),
        ("Notes", 1024),
        ("ResaleNum", 16),
    ];
    for (k, max) in limits {
        check_len(o, k, max)?;
    }
    for a in ["BillAddr", "ShipAddr", "PrimaryAddr"] {
        check_address(o, a)?;
    }
    check_name_chars(
        o,
        &[
            "DisplayName",
            "Title",
            "GivenName",
            "MiddleName",
            "FamilyName",
            "Suffix",
            "PrintOnCheckName",
        ],
    )?;
    check_email(o, "PrimaryEmailAddr")
}

/// Apply the Customer / Vendor / Employee rules to a create body (`cur` None) or
/// a merged update, filling defaults when `fill` (create and full update).
pub(crate) fn prepare(
    ctx: &mut Ctx,
    kind: Kind,
    mut o: Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<Prepared, QboError> {
    for k in [
        "Active",
        "Taxable",
        "Job",
        "BillWithParent",
        "Vendor1099",
        "BillableTime",
    ] {
        check_bool(&o, k)?;
        normalise_bool(&mut o, k);
    }
    check_people_fields(&o)?;
    if let Some(m) = get_str(&o, "PreferredDeliveryMethod")
        && !["Print", "Email", "None"].contains(&m)
    {
        return Err(QboError::malformed(format!(
            "PreferredDeliveryMethod value {m}"
        )));
    }

    let display = match get_str(&o, "DisplayName").filter(|s| !s.trim().is_empty()) {
        Some(s) => s.to_string(),
        None => {
            let parts: Vec<&str> = NAME_PARTS
                .iter()
                .filter_map(|k| get_str(&o, k))
                .filter(|s| !s.trim().is_empty())
                .collect();
            if parts.is_empty() {
                return Err(QboError::required("DisplayName"));
            }
            parts.join(" ")
        }
    };
    let new_active = get_bool(&o, "Active").unwrap_or_else(|| cur.map(Row::active).unwrap_or(true));
    let (shown, original) = deactivation(&display, cur, "DisplayName", new_active);
    o.insert("DisplayName".into(), Value::String(shown.clone()));
    o.insert("Active".into(), Value::Bool(new_active));

    let mut unique_key = shown.clone();
    if kind == Kind::Customer {
        let parent = o.get("ParentRef").filter(|v| !v.is_null()).cloned();
        let fqn = if let Some(pref) = parent {
            let p = ctx.lookup(Kind::Customer, "ParentRef", Some(&pref))?;
            if cur.is_some_and(|c| c.id() == p.id()) {
                return Err(QboError::business("A customer cannot be its own parent."));
            }
            let level = p.obj.get("Level").and_then(Value::as_u64).unwrap_or(0) + 1;
            if level > 4 {
                return Err(QboError::business(
                    "Sub-customers can be nested at most 4 levels deep.",
                ));
            }
            let pname = get_str(&p.obj, "FullyQualifiedName")
                .or_else(|| get_str(&p.obj, "DisplayName"))
                .unwrap_or("");
            o.insert("ParentRef".into(), reference(&p.id().to_string(), None));
            o.insert("Level".into(), json!(level));
            if fill && get_bool(&o, "Job").is_none() {
                o.insert("Job".into(), Value::Bool(true));
            }
            format!("{pname}:{shown}")
        } else {
            o.shift_remove("Level");
            shown.clone()
        };
        o.insert("FullyQualifiedName".into(), Value::String(fqn.clone()));
        unique_key = fqn;
    }
    if new_active
        && let Some(owner) = ctx.realm.name_owner(kind, &unique_key)
        && Some(owner) != cur.map(|r| (kind, r.id()))
    {
        return Err(QboError::duplicate_name(kind));
    }

    if fill && get_str(&o, "PrintOnCheckName").is_none() {
        let base = super::people::base_name(&shown).to_string();
        let p = get_str(&o, "CompanyName")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or(base);
        let p: String = p.chars().take(110).collect();
        o.insert("PrintOnCheckName".into(), Value::String(p));
    }

    if kind != Kind::Employee {
        currency(ctx, &mut o, cur, fill)?;
    }

    // Opening balances are write-once; afterwards the server maintains them.
    if matches!(kind, Kind::Customer | Kind::Vendor) {
        match cur {
            Some(c) => {
                for k in ["Balance", "OpenBalanceDate"] {
                    match c.obj.get(k) {
                        Some(v) => o.insert(k.into(), v.clone()),
                        None => o.shift_remove(k),
                    };
                }
            }
            None => {
                let bal = match o.get("Balance") {
                    None | Some(Value::Null) => rust_decimal::Decimal::ZERO,
                    Some(v) => input_dec(v)
                        .ok_or_else(|| QboError::malformed("Balance must be a number"))?,
                };
                o.insert("Balance".into(), money(bal));
                if kind == Kind::Customer {
                    o.insert("BalanceWithJobs".into(), money(bal));
                }
            }
        }
    }
    for k in ["CreditLimit"] {
        if let Some(v) = o.get(k).cloned() {
            let d = input_dec(&v)
                .ok_or_else(|| QboError::malformed(format!("{k} must be a number")))?;
            o.insert(k.into(), money(d));
        }
    }
    for k in ["BillRate", "CostRate"] {
        if let Some(v) = o.get(k).cloned() {
            let d = input_dec(&v)
                .ok_or_else(|| QboError::malformed(format!("{k} must be a number")))?;
            o.insert(k.into(), plain(d));
        }
    }

    if let Some(v) = o.get("DefaultTaxCodeRef").filter(|v| !v.is_null()).cloned() {
        let t = ctx.lookup(Kind::TaxCode, "DefaultTaxCodeRef", Some(&v))?;
        o.insert(
            "DefaultTaxCodeRef".into(),
            reference(&t.id().to_string(), None),
        );
    }
    for (k, kind_ref) in [("SalesTermRef", Kind::Term), ("TermRef", Kind::Term)] {
        if let Some(v) = o.get(k).filter(|v| !v.is_null()).cloned() {
            let t = ctx.lookup(kind_ref, k, Some(&v))?;
            o.insert(k.into(), reference(&t.id().to_string(), None));
        }
    }

    if fill {
        match kind {
            Kind::Customer => {
                let taxable_default = ctx.realm.default_tax_code.is_some();
                let taxable = get_bool(&o, "Taxable").unwrap_or(taxable_default);
                o.insert("Taxable".into(), Value::Bool(taxable));
                if get_bool(&o, "Job").is_none() {
                    o.insert("Job".into(), Value::Bool(false));
                }
                if get_bool(&o, "BillWithParent").is_none() {
                    o.insert("BillWithParent".into(), Value::Bool(false));
                }
                if get_str(&o, "PreferredDeliveryMethod").is_none() {
                    o.insert("PreferredDeliveryMethod".into(), json!("Print"));
                }
                if taxable
                    && cur.is_none()
                    && !o.contains_key("DefaultTaxCodeRef")
                    && let Some(code) = ctx.realm.default_tax_code.clone()
                {
                    o.insert("DefaultTaxCodeRef".into(), reference(&code, None));
                }
            }
            Kind::Vendor => {
                if get_bool(&o, "Vendor1099").is_none() {
                    o.insert("Vendor1099".into(), Value::Bool(false));
                }
            }
            _ => {
                if get_bool(&o, "BillableTime").is_none() {
                    o.insert("BillableTime".into(), Value::Bool(false));
                }
            }
        }
    }
    ctx.number_addresses(&mut o, &["BillAddr", "ShipAddr", "PrimaryAddr"]);
    Ok(Prepared {
        obj: o,
        original_name: original,
    })
}

/// `CurrencyRef` rules: defaults to the home currency, must be a known code,
/// foreign only with multicurrency on, and never changes once set.
pub(crate) fn currency(
    ctx: &mut Ctx,
    o: &mut Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<(), QboError> {
    let home = ctx.home_currency();
    match ref_value(o.get("CurrencyRef")) {
        None => {
            if let Some(c) = cur.and_then(|c| c.obj.get("CurrencyRef")) {
                o.insert("CurrencyRef".into(), c.clone());
            } else if fill {
                if ctx.multicurrency() {
                    return Err(QboError::required("CurrencyRef"));
                }
                o.insert("CurrencyRef".into(), currency_ref(&home));
            }
        }
        Some(code) => {
            if currency_name(&code).is_none() {
                return Err(QboError::business(format!(
                    "Currency {code} is not supported."
                )));
            }
            if code != home && !ctx.multicurrency() {
                return Err(QboError::business(format!(
                    "Multicurrency is not enabled; the currency must be the home currency {home}."
                )));
            }
            if let Some(prev) = cur.and_then(|c| ref_value(c.obj.get("CurrencyRef")))
                && prev != code
            {
                return Err(QboError::business(
                    "The currency of a customer or vendor cannot be changed once set.",
                ));
            }
            o.insert("CurrencyRef".into(), currency_ref(&code));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, active: bool, original: Option<&str>) -> Row {
        let mut r = Row::new(
            json!({"Id": "1", "DisplayName": name, "Active": active})
                .as_object()
                .unwrap()
                .clone(),
        );
        r.original_name = original.map(str::to_string);
        r
    }

    #[test]
    fn deactivation_renames_and_reactivation_restores() {
        let active = row("Emily Platt", true, None);
        assert_eq!(
            deactivation("Emily Platt", Some(&active), "DisplayName", false),
            ("Emily Platt (deleted)".into(), Some("Emily Platt".into()))
        );
        let inactive = row("Emily Platt (deleted)", false, Some("Emily Platt"));
        assert_eq!(
            deactivation(
                "Emily Platt (deleted)",
                Some(&inactive),
                "DisplayName",
                false
            ),
            ("Emily Platt (deleted)".into(), Some("Emily Platt".into()))
        );
        assert_eq!(
            deactivation(
                "Emily Platt (deleted)",
                Some(&inactive),
                "DisplayName",
                true
            ),
            ("Emily Platt".into(), None)
        );
        assert_eq!(
            deactivation("Emily P.", Some(&inactive), "DisplayName", true),
            ("Emily P.".into(), None)
        );
        assert_eq!(
            deactivation("New", None, "DisplayName", true),
            ("New".into(), None)
        );
    }
}
