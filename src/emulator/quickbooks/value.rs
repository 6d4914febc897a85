//! Wire-value helpers: exact decimals (money printed the way QBO prints it),
//! company-offset timestamps, references, and putting keys in wire order.
//!
//! Money never passes through `f64`: JSON numbers are kept as their exact digits
//! (serde_json `arbitrary_precision`) and computed with `rust_decimal`.

use super::kind::nested_fields;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Number, Value};
use std::str::FromStr;

/// A JSON object.
pub(crate) type Obj = Map<String, Value>;

/// The decimal value of a JSON number (or numeric string, which QBO's Jackson
/// mapping also accepts).
pub(crate) fn dec_of(v: &Value) -> Option<Decimal> {
    let s = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_string(),
        _ => return None,
    };
    Decimal::from_str(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .ok()
}

/// Amounts, quantities and rates a client sends must be smaller than this in
/// magnitude (QBO's own limits are lower); it keeps every sum and product the
/// emulator computes far inside `Decimal`'s range.
const MAX_INPUT: i64 = 1_000_000_000_000_000;

/// [`dec_of`] for values from a request: `None` when not a number or too large.
pub(crate) fn input_dec(v: &Value) -> Option<Decimal> {
    dec_of(v).filter(|d| d.abs() < Decimal::from(MAX_INPUT))
}

/// Round a currency amount to cents, half away from zero.
pub(crate) fn round_money(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn number(s: &str) -> Value {
    // Only ever called with digits produced by `Decimal`'s formatter.
    Number::from_str(s)
        .map(Value::Number)
        .unwrap_or_else(|_| Value::String(s.to_string()))
}

/// A currency amount as QBO prints it: two decimals (`337.50`, `100.00`), but a
/// zero amount as `0` (recorded: `"Balance":0`, `"TotalTax":0`).
pub(crate) fn money(d: Decimal) -> Value {
    let r = round_money(d);
    if r.is_zero() {
        return number("0");
    }
    let mut r = r;
    r.rescale(2);
    number(&r.to_string())
}

/// A quantity or rate as QBO prints it: no trailing zeros (`75`, `4.5`).
pub(crate) fn plain(d: Decimal) -> Value {
    number(&d.normalize().to_string())
}

/// The company's UTC offset.
pub(crate) fn offset(secs: i32) -> FixedOffset {
    FixedOffset::east_opt(secs).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
}

/// `MetaData` timestamp: second precision with the company offset
/// (`2020-09-29T05:58:16-07:00`).
pub(crate) fn ts(t: DateTime<Utc>, off: i32) -> String {
    t.with_timezone(&offset(off))
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// Envelope `time`: milliseconds with the company offset
/// (`2020-09-29T05:58:16.187-07:00`).
pub(crate) fn ts_ms(t: DateTime<Utc>, off: i32) -> String {
    t.with_timezone(&offset(off))
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// Today's date in the company's time zone.
pub(crate) fn today(t: DateTime<Utc>, off: i32) -> NaiveDate {
    t.with_timezone(&offset(off)).date_naive()
}

/// Parse a date (`2015-03-01`, start of that day in the company offset) or a
/// date-time (with or without offset; without means company offset) to an
/// instant.
pub(crate) fn parse_instant(s: &str, off: i32) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    let tz = offset(off);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, fmt) {
            return tz.from_local_datetime(&n).single().map(|t| t.to_utc());
        }
    }
    // An offset without seconds or with a `Z`-less compact form is not accepted.
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()
        .map(|t| t.to_utc())
}

/// Parse an `xs:date` (`YYYY-MM-DD`).
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Seconds since the epoch of a stored `MetaData` timestamp.
pub(crate) fn epoch_secs(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

/// A reference `{"value": id}` or `{"value": id, "name": name}`.
pub(crate) fn reference(value: &str, name: Option<&str>) -> Value {
    let mut m = Obj::new();
    m.insert("value".into(), Value::String(value.to_string()));
    if let Some(n) = name {
        m.insert("name".into(), Value::String(n.to_string()));
    }
    Value::Object(m)
}

/// The `value` of a reference property, if well-formed.
pub(crate) fn ref_value(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Object(m) => match m.get("value")? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        },
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

/// A string property.
pub(crate) fn get_str<'a>(o: &'a Obj, k: &str) -> Option<&'a str> {
    o.get(k).and_then(Value::as_str)
}

/// A boolean property (also accepts `"true"`/`"false"` strings).
pub(crate) fn get_bool(o: &Obj, k: &str) -> Option<bool> {
    match o.get(k)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        _ => None,
    }
}

/// Rebuild `obj` with keys in `order` (then any others in their original order),
/// recursing into nested structures the emulator knows.
pub(crate) fn canonicalize(order: &[&str], mut obj: Obj) -> Obj {
    let mut out = Obj::new();
    for k in order {
        if let Some(v) = obj.shift_remove(*k) {
            out.insert((*k).to_string(), canonical_nested(k, v));
        }
    }
    for (k, v) in obj {
        let v = canonical_nested(&k, v);
        out.insert(k, v);
    }
    out
}

fn canonical_nested(key: &str, v: Value) -> Value {
    let Some(order) = nested_fields(key) else {
        return v;
    };
    match v {
        Value::Object(m) => Value::Object(canonicalize(order, m)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|i| match i {
                    Value::Object(m) => Value::Object(canonicalize(order, m)),
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

/// Character length (QBO limits count characters, not bytes).
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_prints_like_qbo() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(money(d("337.5")).to_string(), "337.50");
        assert_eq!(money(d("100")).to_string(), "100.00");
        assert_eq!(money(d("0.00")).to_string(), "0");
        assert_eq!(money(d("0.004")).to_string(), "0");
        assert_eq!(money(d("1.005")).to_string(), "1.01");
        assert_eq!(money(d("-2.5")).to_string(), "-2.50");
        assert_eq!(plain(d("75.00")).to_string(), "75");
        assert_eq!(plain(d("4.50")).to_string(), "4.5");
    }

    #[test]
    fn numbers_parse_exactly() {
        let v: Value = serde_json::from_str("337.50").unwrap();
        assert_eq!(dec_of(&v).unwrap().to_string(), "337.50");
        assert_eq!(
            dec_of(&Value::String("1e2".into())).unwrap(),
            Decimal::from(100)
        );
        assert_eq!(dec_of(&Value::Bool(true)), None);
    }

    #[test]
    fn timestamps_use_company_offset() {
        let t = DateTime::parse_from_rfc3339("2020-09-29T12:58:16.187Z")
            .unwrap()
            .to_utc();
        assert_eq!(ts(t, -7 * 3600), "2020-09-29T05:58:16-07:00");
        assert_eq!(ts_ms(t, -7 * 3600), "2020-09-29T05:58:16.187-07:00");
        assert_eq!(ts(t, 0), "2020-09-29T12:58:16+00:00");
        let p = parse_instant("2020-09-29", -7 * 3600).unwrap();
        assert_eq!(ts(p, -7 * 3600), "2020-09-29T00:00:00-07:00");
        let q = parse_instant("2020-09-29T05:58:16-07:00", 0).unwrap();
        assert_eq!(
            q,
            DateTime::parse_from_rfc3339("2020-09-29T12:58:16Z").unwrap()
        );
        assert!(parse_instant("yesterday", 0).is_none());
    }

    #[test]
    fn canonicalize_orders_nested() {
        let o: Obj = serde_json::from_str(
            r#"{"Zed":1,"BillAddr":{"City":"X","Id":"2"},"Id":"5","CurrencyRef":{"name":"n","value":"USD"}}"#,
        )
        .unwrap();
        let c = canonicalize(&["Id", "BillAddr", "CurrencyRef"], o);
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            r#"{"Id":"5","BillAddr":{"Id":"2","City":"X"},"CurrencyRef":{"value":"USD","name":"n"},"Zed":1}"#
        );
    }
}
