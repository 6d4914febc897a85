//! Preferences and CompanyInfo: company-wide singletons (`Id` "1"). Updates
//! merge section by section; settings QBO never lets an API client change
//! (turning multicurrency off, the home currency, the country) are refused.

use super::fault::QboError;
use super::kind::Kind;
use super::table::Row;
use super::value::{Obj, canonicalize, get_str, ref_value};
use super::write::{Ctx, check_len, finish};
use serde_json::Value;

fn deep_merge(into: &mut Obj, patch: Obj) {
    for (k, v) in patch {
        match (into.get_mut(&k), v) {
            (Some(Value::Object(dst)), Value::Object(src)) => deep_merge(dst, src),
            (_, Value::Null) => {
                into.shift_remove(&k);
            }
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

fn currency_prefs(o: &Obj) -> (bool, Option<String>) {
    let c = o.get("CurrencyPrefs");
    (
        c.and_then(|c| c.get("MultiCurrencyEnabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        c.and_then(|c| ref_value(c.get("HomeCurrency"))),
    )
}

/// Merge `patch` into a singleton, returning the new object (not stored).
/// `strict` applies the API's immutability rules.
pub(crate) fn merged(kind: Kind, cur: &Row, mut patch: Obj, strict: bool) -> Result<Obj, QboError> {
    for k in ["domain", "sparse", "status", "SyncToken", "MetaData", "Id"] {
        patch.shift_remove(k);
    }
    let mut o = cur.obj.clone();
    deep_merge(&mut o, patch);
    if strict {
        match kind {
            Kind::Preferences => {
                let (was_multi, was_home) = currency_prefs(&cur.obj);
                let (multi, home) = currency_prefs(&o);
                if was_multi && !multi {
                    return Err(QboError::business(
                        "Multicurrency cannot be turned off once enabled.",
                    ));
                }
                if was_home != home {
                    return Err(QboError::business("The home currency cannot be changed."));
                }
            }
            _ => {
                if get_str(&cur.obj, "Country") != get_str(&o, "Country") {
                    return Err(QboError::business("The company country cannot be changed."));
                }
                check_len(&o, "CompanyName", 1024)?;
            }
        }
    }
    Ok(canonicalize(kind.fields(), o))
}

/// `POST /preferences` or `POST /companyinfo`.
pub(crate) fn update(ctx: &mut Ctx, kind: Kind, patch: Obj) -> Result<Value, QboError> {
    let cur = if kind == Kind::Preferences {
        ctx.realm.preferences.clone()
    } else {
        ctx.realm.company_info.clone()
    };
    match patch.get("SyncToken") {
        None | Some(Value::Null) => return Err(QboError::required("SyncToken")),
        Some(v) => {
            let given = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            if given.parse::<u64>().ok() != Some(cur.sync_token()) {
                return Err(QboError::stale());
            }
        }
    }
    let o = merged(kind, &cur, patch, true)?;
    if o == cur.obj {
        return Ok(Value::Object(cur.obj));
    }
    let created = cur.meta("CreateTime").unwrap_or("").to_string();
    let stamp = ctx.stamp();
    let row = Row::new(finish(kind, o, 1, cur.sync_token() + 1, &created, &stamp));
    let entity = Value::Object(row.obj.clone());
    if kind == Kind::Preferences {
        ctx.realm.preferences = row;
    } else {
        ctx.realm.company_info = row;
    }
    Ok(entity)
}
