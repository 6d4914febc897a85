//! Seed fixtures: JSON files under `<seed_dir>/quickbooks/` (for the first
//! configured realm) and `<seed_dir>/quickbooks/<realmId>/` (for that realm).
//!
//! | file | content |
//! |---|---|
//! | `settings.json` | `{"utc_offset": "-07:00", "next_doc_number": 1001, "default_tax_code": "2"}` (all optional) |
//! | `company_info.json`, `preferences.json` | an object merged into the defaults |
//! | `accounts.json`, `terms.json`, `tax_codes.json`, `vendors.json`, `employees.json`, `customers.json`, `items.json`, `invoices.json`, `sales_receipts.json`, `payments.json` | an array of entity objects |
//!
//! Files load in that order. An entity with an `Id` is stored verbatim (as
//! QBO would print it: recorded payloads can be pasted); one without goes
//! through the same rules as `POST /{entity}` (defaults, validation, balances).

use super::QboState;
use super::api::import_raw;
use super::kind::Kind;
use super::select::Hidden;
use super::settings;
use super::store::Realm;
use super::value::{Obj, ts};
use super::write::{self, Ctx, Operation, finish};
use crate::emulator::EmulatorError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::path::Path;

const ENTITY_FILES: [(&str, Kind); 10] = [
    ("accounts.json", Kind::Account),
    ("terms.json", Kind::Term),
    ("tax_codes.json", Kind::TaxCode),
    ("vendors.json", Kind::Vendor),
    ("employees.json", Kind::Employee),
    ("customers.json", Kind::Customer),
    ("items.json", Kind::Item),
    ("invoices.json", Kind::Invoice),
    ("sales_receipts.json", Kind::SalesReceipt),
    ("payments.json", Kind::Payment),
];

fn bad(path: &Path, message: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::BadFile {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

fn read(path: &Path) -> Result<Option<Value>, EmulatorError> {
    if !path.exists() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(|source| EmulatorError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| bad(path, e))
}

/// Parse `"-07:00"` / `"+05:30"` / seconds.
fn parse_offset(v: &Value) -> Option<i32> {
    match v {
        Value::Number(n) => n.as_i64().and_then(|s| i32::try_from(s).ok()),
        Value::String(s) => {
            let (sign, rest) = match s.as_bytes().first()? {
                b'-' => (-1, &s[1..]),
                b'+' => (1, &s[1..]),
                _ => (1, s.as_str()),
            };
            let (h, m) = rest.split_once(':')?;
            Some(sign * (h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60))
        }
        _ => None,
    }
}

fn merge_singleton(
    realm: &mut Realm,
    kind: Kind,
    patch: Value,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<(), EmulatorError> {
    let Value::Object(patch) = patch else {
        return Err(bad(path, "expected a JSON object"));
    };
    write::check_known(kind, &patch).map_err(|e| bad(path, e))?;
    let cur = if kind == Kind::Preferences {
        realm.preferences.clone()
    } else {
        realm.company_info.clone()
    };
    let o: Obj = settings::merged(kind, &cur, patch, false).map_err(|e| bad(path, e))?;
    let stamp = ts(now, realm.utc_offset);
    let created = cur.meta("CreateTime").unwrap_or(&stamp).to_string();
    let row = super::table::Row::new(finish(kind, o, 1, cur.sync_token(), &created, &stamp));
    if kind == Kind::Preferences {
        realm.preferences = row;
    } else {
        if let Some(c) = row.obj.get("Country").and_then(Value::as_str)
            && c != "US"
        {
            realm.default_tax_code = None;
        }
        realm.company_info = row;
    }
    Ok(())
}

fn load_dir(realm: &mut Realm, dir: &Path, now: DateTime<Utc>) -> Result<(), EmulatorError> {
    let settings_path = dir.join("settings.json");
    if let Some(s) = read(&settings_path)? {
        if let Some(v) = s.get("utc_offset") {
            realm.utc_offset = parse_offset(v)
                .ok_or_else(|| bad(&settings_path, "utc_offset must look like \"-07:00\""))?;
        }
        if let Some(n) = s.get("next_doc_number").and_then(Value::as_u64) {
            realm.next_doc_number = n;
        }
        match s.get("default_tax_code") {
            Some(Value::Null) => realm.default_tax_code = None,
            Some(Value::String(c)) => realm.default_tax_code = Some(c.clone()),
            _ => {}
        }
    }
    for (file, kind) in [
        ("company_info.json", Kind::CompanyInfo),
        ("preferences.json", Kind::Preferences),
    ] {
        let path = dir.join(file);
        if let Some(v) = read(&path)? {
            merge_singleton(realm, kind, v, &path, now)?;
        }
    }
    for (file, kind) in ENTITY_FILES {
        let path = dir.join(file);
        let Some(v) = read(&path)? else {
            continue;
        };
        let Value::Array(items) = v else {
            return Err(bad(&path, "expected a JSON array of entities"));
        };
        for (i, item) in items.into_iter().enumerate() {
            let result = if item.get("Id").is_some_and(|v| !v.is_null()) {
                import_raw(realm, kind, item, now).map(|_| ())
            } else {
                let hidden = Hidden::new();
                let mut ctx = Ctx {
                    realm: &mut *realm,
                    now,
                    hidden: &hidden,
                };
                write::write(&mut ctx, kind, Operation::Save, item).map(|_| ())
            };
            result.map_err(|e| bad(&path, format!("entry {i}: {e}")))?;
        }
    }
    Ok(())
}

impl QboState {
    pub(crate) fn load_seed_dir(
        &mut self,
        dir: &Path,
        realms: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), EmulatorError> {
        let base = dir.join("quickbooks");
        if !base.is_dir() {
            return Ok(());
        }
        if let Some(first) = realms.first()
            && let Some(r) = self.realms.get_mut(first)
        {
            load_dir(r, &base, now)?;
        }
        for id in realms {
            let sub = base.join(id);
            if sub.is_dir()
                && let Some(r) = self.realms.get_mut(id)
            {
                load_dir(r, &sub, now)?;
            }
        }
        Ok(())
    }
}
