//! The in-process API on [`QboState`] for tests and data generators: seed and
//! inspect companies without HTTP, through the same validation the HTTP API
//! applies (or verbatim with [`QboState::insert_raw`]).
//!
//! Callers hold `shared.quickbooks`'s lock while calling these and should call
//! `shared.persist_quickbooks()` once after a bulk load (not per row).

use super::QboState;
use super::fault::QboError;
use super::kind::Kind;
use super::people::base_name;
use super::query;
use super::select::{self, Hidden};
use super::settings;
use super::store::Realm;
use super::table::Row;
use super::value::{Obj, get_str, parse_instant, ts};
use super::write::{self, Ctx, Operation, check_known, finish, parse_id};
use chrono::{DateTime, Utc};
use serde_json::Value;

fn unknown_realm(realm: &str) -> QboError {
    QboError::business(format!("Unknown realm {realm}"))
}

fn unknown_entity(entity: &str) -> QboError {
    QboError::invalid_query(format!(
        "QueryValidationError: invalid context declaration: {entity}"
    ))
}

fn kind_of(entity: &str) -> Result<Kind, QboError> {
    Kind::from_name_ci(entity).ok_or_else(|| unknown_entity(entity))
}

/// Store `obj` (which carries an `Id`) verbatim: envelope defaults filled,
/// keys put in wire order, no business rules applied.
pub(crate) fn import_raw(
    realm: &mut Realm,
    kind: Kind,
    obj: Value,
    now: DateTime<Utc>,
) -> Result<u64, QboError> {
    let Value::Object(mut o) = obj else {
        return Err(QboError::malformed("an entity must be a JSON object"));
    };
    check_known(kind, &o)?;
    if kind.is_singleton()
        || kind == Kind::TaxCode
            && o.get("Id")
                .and_then(Value::as_str)
                .is_some_and(|s| s.parse::<u64>().is_err())
    {
        return Err(QboError::unsupported_op("raw import"));
    }
    let id = match o.get("Id") {
        Some(v) => parse_id(v)?,
        None => realm.alloc_id(kind.id_space()),
    };
    let sync = get_str(&o, "SyncToken")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let stamp = ts(now, realm.utc_offset);
    let meta = |k: &str| {
        o.get("MetaData")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .filter(|s| parse_instant(s, 0).is_some())
            .map(str::to_string)
    };
    let created = meta("CreateTime").unwrap_or_else(|| stamp.clone());
    let updated = meta("LastUpdatedTime").unwrap_or_else(|| created.clone());
    for k in ["domain", "sparse", "status", "SyncToken", "MetaData", "Id"] {
        o.shift_remove(k);
    }
    let mut row = Row::new(finish(kind, o, id, sync, &created, &updated));
    if kind.is_name_list()
        && !row.active()
        && let Some(n) = kind.name_field().and_then(|f| get_str(&row.obj, f))
    {
        row.original_name = Some(base_name(n).to_string());
    }
    if matches!(kind, Kind::Invoice | Kind::SalesReceipt)
        && let Some(n) = get_str(&row.obj, "DocNumber").and_then(|d| d.parse::<u64>().ok())
        && n >= realm.next_doc_number
        && n < u64::MAX
    {
        realm.next_doc_number = n + 1;
    }
    realm.put(kind, row);
    Ok(id)
}

impl QboState {
    fn realm_ref(&self, realm: &str) -> Result<&Realm, QboError> {
        self.realms.get(realm).ok_or_else(|| unknown_realm(realm))
    }

    fn realm_mut(&mut self, realm: &str) -> Result<&mut Realm, QboError> {
        self.realms
            .get_mut(realm)
            .ok_or_else(|| unknown_realm(realm))
    }

    /// The realm Ids this state holds.
    pub fn realm_ids(&self) -> Vec<String> {
        self.realms.keys().cloned().collect()
    }

    /// Create an entity (`entity` is the wire name, e.g. `"Customer"`, matched
    /// case-insensitively) through the same rules as `POST /{entity}`; returns
    /// its Id.
    pub fn insert(
        &mut self,
        realm: &str,
        entity: &str,
        body: Value,
        now: DateTime<Utc>,
    ) -> Result<String, QboError> {
        if body.get("Id").is_some_and(|v| !v.is_null()) {
            return Err(QboError::malformed("Id (use save() to update)"));
        }
        let v = self.save(realm, entity, body, now)?;
        Ok(v.get("Id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string())
    }

    /// Create or update (body with `Id` + `SyncToken`, optionally `sparse`)
    /// exactly like `POST /{entity}`; returns the stored entity.
    pub fn save(
        &mut self,
        realm: &str,
        entity: &str,
        body: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, QboError> {
        let kind = kind_of(entity)?;
        let r = self.realm_mut(realm)?;
        let hidden = Hidden::new();
        let mut ctx = Ctx {
            realm: r,
            now,
            hidden: &hidden,
        };
        write::write(&mut ctx, kind, Operation::Save, body).map(|w| w.entity)
    }

    /// Void a transaction (body `{Id, SyncToken}`) exactly like
    /// `POST /{entity}?operation=void`; returns the voided entity.
    pub fn void(
        &mut self,
        realm: &str,
        entity: &str,
        body: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, QboError> {
        let kind = kind_of(entity)?;
        let r = self.realm_mut(realm)?;
        let hidden = Hidden::new();
        let mut ctx = Ctx {
            realm: r,
            now,
            hidden: &hidden,
        };
        write::write(&mut ctx, kind, Operation::Void, body).map(|w| w.entity)
    }

    /// Store an entity verbatim (an `Id` is allocated when absent): for seeding
    /// recorded payloads or states the business rules would not produce.
    pub fn insert_raw(
        &mut self,
        realm: &str,
        entity: &str,
        obj: Value,
        now: DateTime<Utc>,
    ) -> Result<String, QboError> {
        let kind = kind_of(entity)?;
        import_raw(self.realm_mut(realm)?, kind, obj, now).map(|id| id.to_string())
    }

    /// Remove every entity of a type (no CDC tombstones; Ids keep counting up),
    /// e.g. the default vendor and employee before loading a recorded company.
    pub fn clear(&mut self, realm: &str, entity: &str) -> Result<(), QboError> {
        let kind = kind_of(entity)?;
        if kind.is_singleton() {
            return Err(QboError::unsupported_op("clear"));
        }
        self.realm_mut(realm)?.clear(kind);
        Ok(())
    }

    /// An entity by Id (`Preferences` / `CompanyInfo` ignore the Id).
    pub fn get(&self, realm: &str, entity: &str, id: &str) -> Option<Value> {
        let kind = Kind::from_name_ci(entity)?;
        let r = self.realms.get(realm)?;
        match kind {
            Kind::Preferences => Some(Value::Object(r.preferences.obj.clone())),
            Kind::CompanyInfo => Some(Value::Object(r.company_info.obj.clone())),
            _ => r
                .get(kind, id.parse().ok()?)
                .map(|row| Value::Object(row.obj)),
        }
    }

    /// Number of stored entities of a type (active and inactive; deleted
    /// transactions excluded).
    pub fn count(&self, realm: &str, entity: &str) -> usize {
        match (Kind::from_name_ci(entity), self.realms.get(realm)) {
            (Some(k), Some(r)) if !k.is_singleton() => r.table(k).len(),
            (Some(_), Some(_)) => 1,
            _ => 0,
        }
    }

    /// Run a query statement; returns the `QueryResponse` object.
    pub fn query(&self, realm: &str, statement: &str) -> Result<Value, QboError> {
        let q = query::parse(statement)?;
        Ok(select::run(
            self.realm_ref(realm)?,
            &q,
            &Hidden::new(),
            None,
        ))
    }

    /// Merge `patch` into Preferences without the API's immutability rules
    /// (e.g. `{"SalesFormsPrefs":{"CustomTxnNumbers":true}}`,
    /// `{"CurrencyPrefs":{"MultiCurrencyEnabled":true,"HomeCurrency":{"value":"CAD"}}}`).
    pub fn set_preferences(
        &mut self,
        realm: &str,
        patch: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, QboError> {
        self.set_singleton(realm, Kind::Preferences, patch, now)
    }

    /// Merge `patch` into CompanyInfo (e.g. `{"Country":"CA"}`) without the
    /// API's immutability rules.
    pub fn set_company_info(
        &mut self,
        realm: &str,
        patch: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, QboError> {
        self.set_singleton(realm, Kind::CompanyInfo, patch, now)
    }

    fn set_singleton(
        &mut self,
        realm: &str,
        kind: Kind,
        patch: Value,
        now: DateTime<Utc>,
    ) -> Result<Value, QboError> {
        let Value::Object(patch) = patch else {
            return Err(QboError::malformed("the patch must be a JSON object"));
        };
        check_known(kind, &patch)?;
        let r = self.realm_mut(realm)?;
        let cur = if kind == Kind::Preferences {
            r.preferences.clone()
        } else {
            r.company_info.clone()
        };
        let o: Obj = settings::merged(kind, &cur, patch, false)?;
        if o == cur.obj {
            return Ok(Value::Object(o));
        }
        let stamp = ts(now, r.utc_offset);
        let created = cur.meta("CreateTime").unwrap_or("").to_string();
        let row = Row::new(finish(kind, o, 1, cur.sync_token() + 1, &created, &stamp));
        let v = Value::Object(row.obj.clone());
        if kind == Kind::Preferences {
            r.preferences = row;
        } else {
            if let Some(c) = get_str(&row.obj, "Country") {
                r.default_tax_code = if c == "US" {
                    r.default_tax_code.clone().or(Some("2".into()))
                } else {
                    None
                };
            }
            r.company_info = row;
        }
        Ok(v)
    }

    /// Set a company's UTC offset (seconds east of UTC) used for timestamps and
    /// "today".
    pub fn set_utc_offset(&mut self, realm: &str, secs: i32) -> Result<(), QboError> {
        self.realm_mut(realm)?.utc_offset = secs;
        Ok(())
    }

    /// The refresh token a client should currently hold.
    pub fn current_refresh_token(&self) -> &str {
        self.oauth.current_refresh()
    }
}

impl crate::emulator::Shared {
    /// Run `f` on the QuickBooks state with the data clock's current time, under
    /// one lock (e.g. a generator inserting thousands of rows). Call
    /// [`Shared::persist_quickbooks`](crate::emulator::Shared::persist_quickbooks)
    /// afterwards when a data directory is configured.
    pub fn with_quickbooks<R>(&self, f: impl FnOnce(&mut QboState, DateTime<Utc>) -> R) -> R {
        let now = self.clock.now();
        let mut st = self.quickbooks.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut st, now)
    }
}
