//! Create / update / delete / void / send: the common pipeline every entity
//! write goes through (unknown-property check, Id and SyncToken checks, sparse vs
//! full merge, no-op detection, server fields), dispatching to the per-entity
//! rules in `people`, `lists`, `sales`, `payment` and `settings`.

use super::fault::QboError;
use super::kind::{Kind, is_ref, nested_fields};
use super::select::Hidden;
use super::store::Realm;
use super::table::Row;
use super::value::{Obj, char_len, get_bool, get_str, ref_value, reference, ts};
use super::{lists, payment, people, sales, settings};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The write being performed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Operation {
    /// Create, or update when the body carries an `Id`.
    Save,
    /// `?operation=update` (the body must carry an `Id`).
    Update,
    /// `?operation=delete`.
    Delete,
    /// `?operation=void`.
    Void,
    /// `POST /invoice/{id}/send[?sendTo=]`.
    Send {
        /// The invoice Id from the path.
        id: String,
        /// `sendTo` address, if given.
        to: Option<String>,
    },
}

/// Everything a write needs.
pub(crate) struct Ctx<'a> {
    /// The company.
    pub realm: &'a mut Realm,
    /// Data-clock time of the request.
    pub now: DateTime<Utc>,
    /// Entities invisible to this write (created earlier in the same batch).
    pub hidden: &'a Hidden,
}

/// A finished entity-level change.
pub(crate) struct Written {
    /// The entity body to answer with.
    pub entity: Value,
    /// Id of a newly created entity.
    pub created: Option<u64>,
}

/// Result of an entity's rule set: the full object (without `domain`, `Id`,
/// `SyncToken`, `MetaData`) and, for a deactivated name, its original name.
pub(crate) struct Prepared {
    pub obj: Obj,
    pub original_name: Option<String>,
}

impl Ctx<'_> {
    /// `MetaData` timestamp for now.
    pub fn stamp(&self) -> String {
        ts(self.now, self.realm.utc_offset)
    }

    /// Resolve a reference property to a visible row: missing → 2500, inactive →
    /// 610 (QBO's "has been made inactive" fault).
    pub fn lookup(&self, kind: Kind, field: &str, v: Option<&Value>) -> Result<Row, QboError> {
        let Some(id) = ref_value(v) else {
            return Err(QboError::required(&format!("{field}.value")));
        };
        let Ok(n) = id.parse::<u64>() else {
            return Err(QboError::invalid_ref(kind, field, &id));
        };
        match self.realm.get(kind, n) {
            Some(r) if !self.hidden.contains(&(kind, n)) => {
                if r.active() {
                    Ok(r)
                } else {
                    Err(QboError::not_found())
                }
            }
            _ => Err(QboError::invalid_ref(kind, field, &id)),
        }
    }

    /// A visible row or 610.
    pub fn visible(&self, kind: Kind, id: u64) -> Result<Row, QboError> {
        if self.hidden.contains(&(kind, id)) {
            return Err(QboError::not_found());
        }
        self.realm.get(kind, id).ok_or_else(QboError::not_found)
    }

    /// The company's home currency code.
    pub fn home_currency(&self) -> String {
        self.realm
            .preferences
            .obj
            .get("CurrencyPrefs")
            .and_then(|c| ref_value(c.get("HomeCurrency")))
            .unwrap_or_else(|| "USD".into())
    }

    /// Whether multicurrency is on.
    pub fn multicurrency(&self) -> bool {
        self.realm
            .preferences
            .obj
            .get("CurrencyPrefs")
            .and_then(|c| c.get("MultiCurrencyEnabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `CompanyInfo.Country` (`US` by default).
    pub fn country(&self) -> String {
        get_str(&self.realm.company_info.obj, "Country")
            .unwrap_or("US")
            .to_string()
    }

    /// Give every address property of `o` an `Id` (QBO numbers addresses).
    pub fn number_addresses(&mut self, o: &mut Obj, fields: &[&str]) {
        for f in fields {
            if let Some(Value::Object(a)) = o.get_mut(*f)
                && !a.contains_key("Id")
            {
                let id = self.realm.alloc_addr_id();
                a.insert("Id".into(), Value::String(id.to_string()));
            }
        }
    }
}

/// A currency's display name (`CurrencyRef.name`).
pub(crate) fn currency_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "USD" => "United States Dollar",
        "CAD" => "Canadian Dollar",
        "EUR" => "Euro",
        "GBP" => "British Pound Sterling",
        "AUD" => "Australian Dollar",
        "NZD" => "New Zealand Dollar",
        "INR" => "Indian Rupee",
        "JPY" => "Japanese Yen",
        "MXN" => "Mexican Peso",
        "CHF" => "Swiss Franc",
        "SEK" => "Swedish Krona",
        "DKK" => "Danish Krone",
        "NOK" => "Norwegian Krone",
        "ZAR" => "South African Rand",
        "SGD" => "Singapore Dollar",
        "HKD" => "Hong Kong Dollar",
        "CNY" => "Chinese Yuan Renminbi",
        "BRL" => "Brazilian Real",
        _ => return None,
    })
}

/// A `CurrencyRef` with its name.
pub(crate) fn currency_ref(code: &str) -> Value {
    reference(code, currency_name(code))
}

/// Reject properties the type does not have (2010), recursing into the nested
/// structures the emulator knows.
pub(crate) fn check_known(kind: Kind, o: &Obj) -> Result<(), QboError> {
    check_fields(kind.name(), kind.fields(), o)
}

fn check_fields(class: &str, known: &[&str], o: &Obj) -> Result<(), QboError> {
    for (k, v) in o {
        if !known.contains(&k.as_str()) {
            return Err(QboError::unknown_property(class, k, known));
        }
        check_nested(k, v)?;
    }
    Ok(())
}

fn check_nested(k: &str, v: &Value) -> Result<(), QboError> {
    let Some(inner) = nested_fields(k) else {
        return Ok(());
    };
    match v {
        Value::Object(m) => check_fields(k, inner, m),
        Value::Array(items) => {
            for i in items {
                match i {
                    Value::Object(m) => check_fields(k, inner, m)?,
                    Value::Null => {}
                    _ => return Err(QboError::malformed(format!("{k} must be an object"))),
                }
            }
            Ok(())
        }
        Value::Null => Ok(()),
        // A bare string for a reference is what the XML form carries; JSON wants an object.
        _ if is_ref(k) => Err(QboError::malformed(format!("{k} must be an object"))),
        _ => Err(QboError::malformed(format!("{k} must be an object"))),
    }
}

/// Enforce a maximum length (2050) on a string at `path` (dotted).
pub(crate) fn check_len(o: &Obj, path: &str, max: usize) -> Result<(), QboError> {
    let mut segs = path.split('.');
    let Some(first) = segs.next() else {
        return Ok(());
    };
    let mut cur = o.get(first);
    for s in segs {
        cur = cur.and_then(|v| v.get(s));
    }
    if let Some(Value::String(s)) = cur {
        let n = char_len(s);
        if n > max {
            return Err(QboError::too_long(path, max, n));
        }
    }
    Ok(())
}

/// Require a string property to be a string when present.
pub(crate) fn check_string(o: &Obj, k: &str) -> Result<(), QboError> {
    match o.get(k) {
        None | Some(Value::String(_)) => Ok(()),
        Some(_) => Err(QboError::malformed(format!("{k} must be a string"))),
    }
}

/// Require a boolean property to be a boolean when present.
pub(crate) fn check_bool(o: &Obj, k: &str) -> Result<(), QboError> {
    match o.get(k) {
        None | Some(Value::Bool(_)) => Ok(()),
        Some(Value::String(s)) if s == "true" || s == "false" => Ok(()),
        Some(_) => Err(QboError::malformed(format!("{k} must be a boolean"))),
    }
}

/// Normalise a boolean given as a string to a JSON boolean.
pub(crate) fn normalise_bool(o: &mut Obj, k: &str) {
    if let Some(b) = get_bool(o, k) {
        o.insert(k.into(), Value::Bool(b));
    }
}

/// An email address must contain `@` and `.`.
pub(crate) fn check_email(o: &Obj, field: &str) -> Result<(), QboError> {
    if let Some(addr) = o
        .get(field)
        .and_then(|e| e.get("Address"))
        .and_then(Value::as_str)
    {
        let ok = addr
            .split(',')
            .all(|a| a.contains('@') && a.contains('.') && !a.trim().is_empty());
        if !ok {
            return Err(QboError::business(format!(
                "Email Address does not conform to the syntax rules of RFC 822. Supplied value:{addr}"
            )));
        }
    }
    Ok(())
}

/// Names must not contain `:`, tab or newline.
pub(crate) fn check_name_chars(o: &Obj, fields: &[&str]) -> Result<(), QboError> {
    for f in fields {
        if let Some(s) = get_str(o, f)
            && s.contains([':', '\t', '\n', '\r'])
        {
            return Err(QboError::business(format!(
                "{f} can not contain a colon (:), tab or new line. Supplied value:{s}"
            )));
        }
    }
    Ok(())
}

/// Properties removed from every request body before the entity rules run.
const ENVELOPE: &[&str] = &["domain", "sparse", "status", "SyncToken", "MetaData", "Id"];

fn strip(kind: Kind, o: &mut Obj) {
    for k in ENVELOPE.iter().chain(kind.server_managed()) {
        o.shift_remove(*k);
    }
}

/// Properties a full update keeps from the stored object when the body omits
/// them (create-only or immutable ones; `Active` is never implicitly flipped).
fn kept_on_full_update(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Customer | Kind::Vendor => &["Balance", "OpenBalanceDate", "CurrencyRef", "Active"],
        Kind::Employee | Kind::Term => &["Active"],
        Kind::Item => &["Active", "QtyOnHand", "InvStartDate", "Type"],
        Kind::Account => &["Active", "CurrencyRef"],
        // CustomField lists the company's custom-field definitions: QBO keeps
        // printing them (recorded full update of a SalesReceipt).
        Kind::Invoice | Kind::SalesReceipt => {
            &["DocNumber", "TxnDate", "CurrencyRef", "CustomField"]
        }
        Kind::Payment => &["TxnDate", "CurrencyRef", "CustomField"],
        _ => &[],
    }
}

/// Parse an entity Id (2030 when not a number).
pub(crate) fn parse_id(v: &Value) -> Result<u64, QboError> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    s.trim()
        .parse::<u64>()
        .map_err(|_| QboError::invalid_id(&s))
}

fn as_object(body: Value) -> Result<Obj, QboError> {
    match body {
        Value::Object(o) => Ok(o),
        _ => Err(QboError::malformed(
            "the request body must be a JSON object",
        )),
    }
}

/// Run one entity write.
pub(crate) fn write(
    ctx: &mut Ctx,
    kind: Kind,
    op: Operation,
    body: Value,
) -> Result<Written, QboError> {
    match op {
        Operation::Send { id, to } => {
            if kind != Kind::Invoice {
                return Err(QboError::unsupported_op("Send"));
            }
            let id = parse_id(&Value::String(id))?;
            sales::send(ctx, id, to.as_deref()).map(|entity| Written {
                entity,
                created: None,
            })
        }
        Operation::Delete | Operation::Void => {
            let o = as_object(body)?;
            check_known(kind, &o)?;
            if !kind.is_txn() {
                return Err(QboError::unsupported_op(if op == Operation::Delete {
                    "Delete"
                } else {
                    "Void"
                }));
            }
            let id = parse_id(o.get("Id").ok_or_else(|| QboError::required("Id"))?)?;
            let current = ctx.visible(kind, id)?;
            check_sync_token(&o, &current)?;
            let entity = if op == Operation::Delete {
                delete_txn(ctx, kind, current)?
            } else {
                void_txn(ctx, kind, current)?
            };
            Ok(Written {
                entity,
                created: None,
            })
        }
        Operation::Save | Operation::Update => {
            let o = as_object(body)?;
            check_known(kind, &o)?;
            if kind.is_singleton() {
                return settings::update(ctx, kind, o).map(|entity| Written {
                    entity,
                    created: None,
                });
            }
            if kind == Kind::TaxCode {
                return Err(QboError::unsupported_op("Create"));
            }
            let has_id = o.get("Id").is_some_and(|v| !v.is_null());
            if has_id {
                update(ctx, kind, o)
            } else if op == Operation::Update {
                Err(QboError::required("Id"))
            } else {
                create(ctx, kind, o)
            }
        }
    }
}

fn check_sync_token(o: &Obj, current: &Row) -> Result<(), QboError> {
    let given = match o.get("SyncToken") {
        None | Some(Value::Null) => return Err(QboError::required("SyncToken")),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(QboError::stale()),
    };
    if given.trim().parse::<u64>().ok() != Some(current.sync_token()) {
        return Err(QboError::stale());
    }
    Ok(())
}

fn prepare(
    ctx: &mut Ctx,
    kind: Kind,
    o: Obj,
    cur: Option<&Row>,
    fill: bool,
) -> Result<Prepared, QboError> {
    match kind {
        Kind::Customer | Kind::Vendor | Kind::Employee => people::prepare(ctx, kind, o, cur, fill),
        Kind::Item => lists::prepare_item(ctx, o, cur, fill),
        Kind::Account => lists::prepare_account(ctx, o, cur, fill),
        Kind::Term => lists::prepare_term(ctx, o, cur, fill),
        Kind::Invoice | Kind::SalesReceipt => sales::prepare(ctx, kind, o, cur, fill),
        Kind::Payment => payment::prepare(ctx, o, cur, fill),
        _ => Err(QboError::unsupported_op("Create")),
    }
}

fn envelope(mut o: Obj, id: u64, sync: u64, created: &str, updated: &str) -> Obj {
    o.insert("domain".into(), json!("QBO"));
    o.insert("sparse".into(), json!(false));
    o.insert("Id".into(), Value::String(id.to_string()));
    o.insert("SyncToken".into(), Value::String(sync.to_string()));
    o.insert(
        "MetaData".into(),
        json!({"CreateTime": created, "LastUpdatedTime": updated}),
    );
    o
}

/// Finish an object: server envelope plus wire key order.
pub(crate) fn finish(kind: Kind, o: Obj, id: u64, sync: u64, created: &str, updated: &str) -> Obj {
    super::value::canonicalize(kind.fields(), envelope(o, id, sync, created, updated))
}

fn create(ctx: &mut Ctx, kind: Kind, mut o: Obj) -> Result<Written, QboError> {
    strip(kind, &mut o);
    let p = prepare(ctx, kind, o, None, true)?;
    let id = ctx.realm.alloc_id(kind.id_space());
    let stamp = ctx.stamp();
    let row = Row {
        obj: finish(kind, p.obj, id, 0, &stamp, &stamp),
        original_name: p.original_name,
    };
    effects(ctx, kind, None, Some(&row))?;
    let entity = Value::Object(row.obj.clone());
    ctx.realm.put(kind, row);
    Ok(Written {
        entity,
        created: Some(id),
    })
}

fn update(ctx: &mut Ctx, kind: Kind, mut o: Obj) -> Result<Written, QboError> {
    let id = parse_id(o.get("Id").unwrap_or(&Value::Null))?;
    let current = ctx.visible(kind, id)?;
    check_sync_token(&o, &current)?;
    let sparse = get_bool(&o, "sparse").unwrap_or(false);
    strip(kind, &mut o);
    let merged = if sparse {
        let mut m = current.obj.clone();
        for (k, v) in o {
            if v.is_null() {
                // DisplayName / PrintOnCheckName cannot be removed by a sparse update.
                if k != "DisplayName" && k != "PrintOnCheckName" {
                    m.shift_remove(&k);
                }
            } else {
                m.insert(k, v);
            }
        }
        for k in ENVELOPE {
            m.shift_remove(*k);
        }
        m
    } else {
        let mut m = Obj::new();
        for k in kind
            .server_managed()
            .iter()
            .chain(kept_on_full_update(kind))
        {
            if let Some(v) = current.obj.get(*k) {
                m.insert((*k).to_string(), v.clone());
            }
        }
        for (k, v) in o {
            if !v.is_null() {
                m.insert(k, v);
            }
        }
        m
    };
    let p = prepare(ctx, kind, merged, Some(&current), !sparse)?;
    let created = current.meta("CreateTime").unwrap_or("").to_string();
    let updated = current.meta("LastUpdatedTime").unwrap_or("").to_string();
    let same = finish(
        kind,
        p.obj.clone(),
        id,
        current.sync_token(),
        &created,
        &updated,
    );
    if same == current.obj && p.original_name == current.original_name {
        // A no-op update keeps SyncToken and LastUpdatedTime (recorded).
        return Ok(Written {
            entity: Value::Object(current.obj),
            created: None,
        });
    }
    let stamp = ctx.stamp();
    let row = Row {
        obj: finish(kind, p.obj, id, current.sync_token() + 1, &created, &stamp),
        original_name: p.original_name,
    };
    effects(ctx, kind, Some(&current), Some(&row))?;
    let entity = Value::Object(row.obj.clone());
    ctx.realm.put(kind, row);
    Ok(Written {
        entity,
        created: None,
    })
}

/// Side effects on other entities (customer balances, invoice payments).
fn effects(
    ctx: &mut Ctx,
    kind: Kind,
    old: Option<&Row>,
    new: Option<&Row>,
) -> Result<(), QboError> {
    match kind {
        Kind::Invoice => sales::invoice_effects(ctx, old, new),
        Kind::Payment => payment::effects(ctx, old, new),
        _ => Ok(()),
    }
}

fn has_payments(row: &Row) -> bool {
    row.obj
        .get("LinkedTxn")
        .and_then(Value::as_array)
        .is_some_and(|l| l.iter().any(|t| get_str_v(t, "TxnType") == Some("Payment")))
}

fn get_str_v<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn delete_txn(ctx: &mut Ctx, kind: Kind, current: Row) -> Result<Value, QboError> {
    if kind == Kind::Invoice && has_payments(&current) {
        return Err(QboError::business(
            "This invoice has payments applied to it. Delete or unapply the payments before deleting the invoice.",
        ));
    }
    effects(ctx, kind, Some(&current), None)?;
    let stamp = ctx.stamp();
    let id = current.id();
    ctx.realm.delete(kind, id, stamp);
    Ok(json!({"domain": "QBO", "status": "Deleted", "Id": id.to_string()}))
}

fn void_txn(ctx: &mut Ctx, kind: Kind, current: Row) -> Result<Value, QboError> {
    if kind == Kind::Invoice && has_payments(&current) {
        return Err(QboError::business(
            "This invoice has payments applied to it. Delete or unapply the payments before voiding the invoice.",
        ));
    }
    let mut o = current.obj.clone();
    match kind {
        Kind::Payment => payment::zero(&mut o),
        _ => sales::zero(&mut o),
    }
    o.insert("PrivateNote".into(), json!("Voided"));
    let created = current.meta("CreateTime").unwrap_or("").to_string();
    let stamp = ctx.stamp();
    let row = Row {
        obj: finish(
            kind,
            o,
            current.id(),
            current.sync_token() + 1,
            &created,
            &stamp,
        ),
        original_name: None,
    };
    effects(ctx, kind, Some(&current), Some(&row))?;
    let entity = Value::Object(row.obj.clone());
    ctx.realm.put(kind, row);
    Ok(entity)
}

/// Rewrite a stored row in place as a server-side change: new content, same
/// SyncToken unless `bump`, LastUpdatedTime now.
pub(crate) fn touch(ctx: &mut Ctx, kind: Kind, mut row: Row, bump: bool) {
    let stamp = ctx.stamp();
    if let Some(Value::Object(m)) = row.obj.get_mut("MetaData") {
        m.insert("LastUpdatedTime".into(), Value::String(stamp));
    }
    if bump {
        let next = row.sync_token() + 1;
        row.obj
            .insert("SyncToken".into(), Value::String(next.to_string()));
    }
    ctx.realm.put(kind, row);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_properties_are_rejected_with_2010() {
        let o: Obj = serde_json::from_str(r#"{"DisplayName":"x","Nickname":"y"}"#).unwrap();
        let e = check_known(Kind::Customer, &o).unwrap_err();
        assert_eq!(e.code(), "2010");
        let d = e.errors[0].detail.clone().unwrap();
        assert!(d.contains("Unrecognized field \"Nickname\""), "{d}");
        assert!(d.contains("\"DisplayName\""), "{d}");
        let o: Obj = serde_json::from_str(r#"{"BillAddr":{"Street":"y"}}"#).unwrap();
        assert_eq!(check_known(Kind::Customer, &o).unwrap_err().code(), "2010");
        let o: Obj = serde_json::from_str(r#"{"CurrencyRef":"USD"}"#).unwrap();
        assert_eq!(check_known(Kind::Customer, &o).unwrap_err().code(), "2010");
    }

    #[test]
    fn lengths_count_characters() {
        let o: Obj =
            serde_json::from_str(r#"{"Title":"ÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄÄ","Suffix":"12345678901234567"}"#)
                .unwrap();
        assert!(check_len(&o, "Title", 16).is_ok());
        assert_eq!(check_len(&o, "Suffix", 16).unwrap_err().code(), "2050");
    }
}
