//! Typed field values and their conversions from and to both wire formats.
//!
//! HubSpot sends every property as a string; QuickBooks sends JSON numbers,
//! booleans and strings. A [`Value`] is what the planner compares, so two values
//! that mean the same thing (`"12.50"` and `12.5`) compare equal.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The type of a mapped field, as declared in the field catalogs and manifests.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Free text.
    Text,
    /// A decimal number.
    Number,
    /// A decimal amount of money (always `rust_decimal`, never a float).
    Money,
    /// A calendar date without time.
    Date,
    /// An instant with an offset.
    Datetime,
    /// `true` / `false`.
    Bool,
    /// One value out of a fixed set.
    Enumeration,
}

impl ValueType {
    /// Lower-case name used in messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::Number => "number",
            ValueType::Money => "money",
            ValueType::Date => "date",
            ValueType::Datetime => "datetime",
            ValueType::Bool => "bool",
            ValueType::Enumeration => "enumeration",
        }
    }

    /// Whether a value of type `self` can be written into a field of type `target`
    /// without losing meaning. Anything can be written into text; numbers and
    /// money convert into each other; dates and datetimes convert into each other
    /// (a datetime written to a date keeps the UTC calendar day).
    pub fn converts_to(self, target: ValueType) -> bool {
        use ValueType::*;
        match (self, target) {
            (a, b) if a == b => true,
            (_, Text) => true,
            (Number | Money, Number | Money) => true,
            (Date | Datetime, Date | Datetime) => true,
            (Text | Enumeration, Enumeration) => true,
            (Enumeration, Bool) | (Bool, Enumeration) => true,
            _ => false,
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A typed value. `Null` means "no value" (absent on the QBO side, empty string
/// or missing property on the HubSpot side): the two APIs do not distinguish
/// them reliably, so neither do we.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// No value.
    Null,
    /// Text.
    Text(String),
    /// A number.
    Number(
        #[serde(with = "rust_decimal::serde::str")]
        #[schemars(with = "String")]
        Decimal,
    ),
    /// Money.
    Money(
        #[serde(with = "rust_decimal::serde::str")]
        #[schemars(with = "String")]
        Decimal,
    ),
    /// A date.
    Date(NaiveDate),
    /// An instant (kept with its offset for display; compared as an instant).
    Datetime(DateTime<FixedOffset>),
    /// A boolean.
    Bool(bool),
    /// An enumeration's internal value.
    Enum(String),
}

impl Value {
    /// True for [`Value::Null`] and for empty text.
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Text(s) | Value::Enum(s) => s.is_empty(),
            _ => false,
        }
    }

    /// Semantic equality: numbers compare numerically (so `12.5 == 12.50`),
    /// datetimes as instants, empty text equals null.
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (a, b) if a.is_empty() && b.is_empty() => true,
            (Value::Number(a) | Value::Money(a), Value::Number(b) | Value::Money(b)) => a == b,
            (Value::Datetime(a), Value::Datetime(b)) => {
                a.timestamp_millis() == b.timestamp_millis()
            }
            (Value::Text(a) | Value::Enum(a), Value::Text(b) | Value::Enum(b)) => a == b,
            (a, b) => a == b,
        }
    }

    /// Human/plan rendering of the value (what a reviewer reads).
    pub fn display(&self) -> String {
        match self {
            Value::Null => "(none)".to_string(),
            Value::Text(s) | Value::Enum(s) => s.clone(),
            Value::Number(d) => d.normalize().to_string(),
            Value::Money(d) => money_string(*d),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Datetime(d) => d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            Value::Bool(b) => b.to_string(),
        }
    }

    /// Parse a HubSpot property string into a value of type `ty`.
    /// Empty strings are `Null`. Dates accept `YYYY-MM-DD`, epoch millis and ISO
    /// datetimes (HubSpot uses all three); datetimes accept millis and ISO.
    pub fn from_hubspot(raw: &str, ty: ValueType) -> Result<Value, String> {
        if raw.is_empty() {
            return Ok(Value::Null);
        }
        match ty {
            ValueType::Text => Ok(Value::Text(raw.to_string())),
            ValueType::Enumeration => Ok(Value::Enum(raw.to_string())),
            ValueType::Number => parse_decimal(raw).map(Value::Number),
            ValueType::Money => parse_decimal(raw).map(Value::Money),
            ValueType::Bool => match raw {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                other => Err(format!(
                    "`{other}` is not a HubSpot boolean (\"true\"/\"false\")"
                )),
            },
            ValueType::Date => parse_date_any(raw).map(Value::Date),
            ValueType::Datetime => parse_datetime_any(raw).map(Value::Datetime),
        }
    }

    /// The HubSpot wire string for this value (all HubSpot values are strings).
    /// Dates are sent as epoch millis at midnight UTC; datetimes as epoch millis;
    /// `Null` as `""` (which clears the property).
    pub fn to_hubspot(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Text(s) | Value::Enum(s) => s.clone(),
            Value::Number(d) => d.normalize().to_string(),
            Value::Money(d) => money_string(*d),
            Value::Bool(b) => b.to_string(),
            Value::Date(d) => {
                let midnight = Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN));
                midnight.timestamp_millis().to_string()
            }
            Value::Datetime(d) => d.timestamp_millis().to_string(),
        }
    }

    /// Whether [`Value::to_hubspot`] would give `s` (without allocating for
    /// text, the common case).
    pub fn hubspot_eq(&self, s: &str) -> bool {
        match self {
            Value::Null => s.is_empty(),
            Value::Text(t) | Value::Enum(t) => t == s,
            other => other.to_hubspot() == s,
        }
    }

    /// Convert a QBO JSON value into a value of type `ty`.
    pub fn from_qbo(raw: &serde_json::Value, ty: ValueType) -> Result<Value, String> {
        use serde_json::Value as J;
        match raw {
            J::Null => Ok(Value::Null),
            J::Bool(b) => match ty {
                ValueType::Bool => Ok(Value::Bool(*b)),
                ValueType::Text => Ok(Value::Text(b.to_string())),
                ValueType::Enumeration => Ok(Value::Enum(b.to_string())),
                other => Err(format!("boolean cannot be read as {other}")),
            },
            J::Number(n) => {
                let d = parse_decimal(&n.to_string())?;
                match ty {
                    ValueType::Number => Ok(Value::Number(d)),
                    ValueType::Money => Ok(Value::Money(d)),
                    ValueType::Text => Ok(Value::Text(n.to_string())),
                    ValueType::Enumeration => Ok(Value::Enum(n.to_string())),
                    other => Err(format!("number cannot be read as {other}")),
                }
            }
            J::String(s) => {
                if s.is_empty() {
                    return Ok(Value::Null);
                }
                match ty {
                    ValueType::Text => Ok(Value::Text(s.clone())),
                    ValueType::Enumeration => Ok(Value::Enum(s.clone())),
                    ValueType::Number => parse_decimal(s).map(Value::Number),
                    ValueType::Money => parse_decimal(s).map(Value::Money),
                    ValueType::Date => parse_date_any(s).map(Value::Date),
                    ValueType::Datetime => parse_datetime_any(s).map(Value::Datetime),
                    ValueType::Bool => match s.as_str() {
                        "true" => Ok(Value::Bool(true)),
                        "false" => Ok(Value::Bool(false)),
                        other => Err(format!("`{other}` is not a boolean")),
                    },
                }
            }
            J::Array(_) | J::Object(_) => {
                Err("a list or object cannot be mapped to a single field".into())
            }
        }
    }

    /// The QBO JSON for this value. Money and numbers become JSON numbers that
    /// carry their exact decimal digits (serde_json `arbitrary_precision`).
    pub fn to_qbo(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Text(s) | Value::Enum(s) => J::String(s.clone()),
            Value::Number(d) => decimal_to_json(d.normalize()),
            Value::Money(d) => decimal_to_json(money_decimal(*d)),
            Value::Bool(b) => J::Bool(*b),
            Value::Date(d) => J::String(d.format("%Y-%m-%d").to_string()),
            Value::Datetime(d) => J::String(d.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
        }
    }

    /// Convert to another type (used when a mapping crosses types, for example
    /// a datetime into a date field or a number into text).
    pub fn convert(&self, target: ValueType) -> Result<Value, String> {
        if self.is_empty() {
            return Ok(Value::Null);
        }
        match (self, target) {
            (_, ValueType::Text) => Ok(Value::Text(self.display_plain())),
            (Value::Number(d) | Value::Money(d), ValueType::Number) => Ok(Value::Number(*d)),
            (Value::Number(d) | Value::Money(d), ValueType::Money) => Ok(Value::Money(*d)),
            (Value::Datetime(d), ValueType::Date) => {
                Ok(Value::Date(d.with_timezone(&Utc).date_naive()))
            }
            (Value::Date(d), ValueType::Datetime) => Ok(Value::Datetime(
                Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))
                    .fixed_offset(),
            )),
            (Value::Date(_), ValueType::Date) | (Value::Datetime(_), ValueType::Datetime) => {
                Ok(self.clone())
            }
            (Value::Bool(b), ValueType::Bool) => Ok(Value::Bool(*b)),
            (Value::Bool(b), ValueType::Enumeration) => Ok(Value::Enum(b.to_string())),
            (Value::Text(s) | Value::Enum(s), ValueType::Enumeration) => Ok(Value::Enum(s.clone())),
            (Value::Text(s) | Value::Enum(s), ValueType::Bool) => match s.as_str() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                other => Err(format!("`{other}` is not a boolean")),
            },
            (Value::Text(s), ValueType::Number) => parse_decimal(s).map(Value::Number),
            (Value::Text(s), ValueType::Money) => parse_decimal(s).map(Value::Money),
            (Value::Text(s), ValueType::Date) => parse_date_any(s).map(Value::Date),
            (Value::Text(s), ValueType::Datetime) => parse_datetime_any(s).map(Value::Datetime),
            (v, t) => Err(format!(
                "a {} value cannot be written to a {t} field",
                v.type_name()
            )),
        }
    }

    /// Plain string form used when a value is written into a text field.
    pub fn display_plain(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Number(d) => d.normalize().to_string(),
            other => other.display(),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Text(_) => "text",
            Value::Number(_) => "number",
            Value::Money(_) => "money",
            Value::Date(_) => "date",
            Value::Datetime(_) => "datetime",
            Value::Bool(_) => "bool",
            Value::Enum(_) => "enumeration",
        }
    }
}

/// Parse a decimal exactly (no float), accepting an optional exponent.
pub fn parse_decimal(raw: &str) -> Result<Decimal, String> {
    let s = raw.trim();
    Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .map_err(|_| format!("`{raw}` is not a decimal number"))
}

/// Money rounded to cents with banker's rounding avoided (QBO rounds half away
/// from zero), rendered with at least two decimals.
fn money_decimal(d: Decimal) -> Decimal {
    let mut d = if d.scale() > 2 {
        let r = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        if r == d { r } else { d }
    } else {
        d
    };
    if d.scale() < 2 {
        d.rescale(2);
    }
    d
}

fn money_string(d: Decimal) -> String {
    money_decimal(d).to_string()
}

fn decimal_to_json(d: Decimal) -> serde_json::Value {
    // With `arbitrary_precision`, a Number parsed from the decimal's digits keeps
    // them exactly (no f64 round trip).
    serde_json::from_str(&d.to_string()).unwrap_or(serde_json::Value::Null)
}

/// Parse a date from `YYYY-MM-DD`, epoch millis (must be midnight UTC) or an
/// ISO datetime (its UTC calendar day).
pub fn parse_date_any(raw: &str) -> Result<NaiveDate, String> {
    let s = raw.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    if let Ok(ms) = s.parse::<i64>() {
        let dt = DateTime::<Utc>::from_timestamp_millis(ms)
            .ok_or_else(|| format!("`{raw}` is out of range for a date"))?;
        return Ok(dt.date_naive());
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.with_timezone(&Utc).date_naive());
    }
    Err(format!("`{raw}` is not a date (expected YYYY-MM-DD)"))
}

/// Parse a datetime from epoch millis, RFC 3339, or a bare date (midnight UTC).
pub fn parse_datetime_any(raw: &str) -> Result<DateTime<FixedOffset>, String> {
    let s = raw.trim();
    if let Ok(ms) = s.parse::<i64>() {
        return DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|d| d.fixed_offset())
            .ok_or_else(|| format!("`{raw}` is out of range for a datetime"));
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt);
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(Utc
            .from_utc_datetime(&d.and_time(NaiveTime::MIN))
            .fixed_offset());
    }
    Err(format!(
        "`{raw}` is not a datetime (expected RFC 3339 or epoch millis)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_exact_and_compares_numerically() {
        let a = Value::from_hubspot("12.50", ValueType::Money).unwrap();
        let b = Value::from_qbo(&serde_json::from_str("12.5").unwrap(), ValueType::Money).unwrap();
        assert!(a.same_as(&b));
        assert_eq!(a.to_hubspot(), "12.50");
        assert_eq!(b.to_qbo().to_string(), "12.50");
        let big = Value::from_hubspot("12345678901234567890.01", ValueType::Money).unwrap();
        assert_eq!(big.to_qbo().to_string(), "12345678901234567890.01");
    }

    #[test]
    fn dates_cross_formats() {
        let d = Value::from_hubspot("1430438400000", ValueType::Date).unwrap();
        assert_eq!(d, Value::Date(NaiveDate::from_ymd_opt(2015, 5, 1).unwrap()));
        assert_eq!(d.to_hubspot(), "1430438400000");
        assert_eq!(d.to_qbo(), serde_json::json!("2015-05-01"));
        let iso = Value::from_hubspot("2015-05-01", ValueType::Date).unwrap();
        assert!(d.same_as(&iso));
    }

    #[test]
    fn datetimes_compare_as_instants() {
        let a = Value::from_qbo(
            &serde_json::json!("2020-09-29T05:58:16-07:00"),
            ValueType::Datetime,
        )
        .unwrap();
        let b = Value::from_hubspot("2020-09-29T12:58:16.000Z", ValueType::Datetime).unwrap();
        assert!(a.same_as(&b));
        assert_eq!(
            a.convert(ValueType::Date).unwrap(),
            Value::Date(NaiveDate::from_ymd_opt(2020, 9, 29).unwrap())
        );
    }

    #[test]
    fn empty_and_null_are_the_same() {
        assert!(Value::Text(String::new()).same_as(&Value::Null));
        assert_eq!(
            Value::from_hubspot("", ValueType::Number).unwrap(),
            Value::Null
        );
        assert!(!Value::Text("a".into()).same_as(&Value::Null));
    }

    #[test]
    fn booleans_are_strings_on_hubspot() {
        assert_eq!(
            Value::from_hubspot("true", ValueType::Bool).unwrap(),
            Value::Bool(true)
        );
        assert!(Value::from_hubspot("yes", ValueType::Bool).is_err());
        assert_eq!(Value::Bool(false).to_hubspot(), "false");
    }

    #[test]
    fn type_compatibility() {
        assert!(ValueType::Number.converts_to(ValueType::Text));
        assert!(ValueType::Datetime.converts_to(ValueType::Date));
        assert!(!ValueType::Text.converts_to(ValueType::Money));
        assert!(!ValueType::Bool.converts_to(ValueType::Date));
    }
}
