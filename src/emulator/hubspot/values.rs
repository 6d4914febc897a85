//! Property value formats: every value is a string on the wire; this module
//! checks and normalizes writes per property type and parses values back into
//! comparable forms for search.
//!
//! Stored forms: `date` as `YYYY-MM-DD`, `datetime` as ISO-8601 UTC with
//! milliseconds, `bool` as `true`/`false`, everything else as written.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Timelike};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A property's data type (`type` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PropType {
    /// Free text.
    String,
    /// Decimal number.
    Number,
    /// Date without time.
    Date,
    /// Instant (millisecond precision).
    Datetime,
    /// One (or, for `checkbox`, several `;`-joined) option values.
    Enumeration,
    /// `true` / `false`.
    Bool,
    /// Phone number (free text).
    PhoneNumber,
}

impl PropType {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PropType::String => "string",
            PropType::Number => "number",
            PropType::Date => "date",
            PropType::Datetime => "datetime",
            PropType::Enumeration => "enumeration",
            PropType::Bool => "bool",
            PropType::PhoneNumber => "phone_number",
        }
    }

    /// Parse a wire name.
    pub fn parse(s: &str) -> Option<PropType> {
        Some(match s {
            "string" => PropType::String,
            "number" => PropType::Number,
            "date" => PropType::Date,
            "datetime" => PropType::Datetime,
            "enumeration" => PropType::Enumeration,
            "bool" => PropType::Bool,
            "phone_number" => PropType::PhoneNumber,
            _ => return None,
        })
    }

    /// The `fieldType`s this type may be shown as.
    pub fn field_types(self) -> &'static [&'static str] {
        match self {
            PropType::String => &[
                "text",
                "textarea",
                "html",
                "phonenumber",
                "file",
                "calculation_equation",
            ],
            PropType::Number => &["number", "calculation_equation"],
            PropType::Date | PropType::Datetime => &["date"],
            PropType::Enumeration => &[
                "select",
                "radio",
                "checkbox",
                "booleancheckbox",
                "calculation_equation",
            ],
            PropType::Bool => &["booleancheckbox"],
            PropType::PhoneNumber => &["phonenumber"],
        }
    }
}

/// Format epoch millis as HubSpot's ISO form `2019-10-30T03:30:17.883Z`.
pub fn iso_millis(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parse a datetime input: epoch millis, ISO-8601 with offset or `Z`, an ISO
/// datetime without zone (taken as UTC) or a bare date (midnight UTC).
pub fn parse_instant(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty()
        && s.bytes()
            .enumerate()
            .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
    {
        return s.parse::<i64>().ok();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc().timestamp_millis());
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

/// Check a `date` input (`YYYY-MM-DD` or epoch millis at midnight UTC) and
/// return the stored `YYYY-MM-DD` form, or HubSpot's error message.
pub fn normalize_date(s: &str) -> Result<String, String> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.format("%Y-%m-%d").to_string());
    }
    let ms: i64 = s.parse().map_err(|_| {
        format!(
            "{s} is not a valid date (expected YYYY-MM-DD or epoch milliseconds at midnight UTC)"
        )
    })?;
    let t = DateTime::from_timestamp_millis(ms).ok_or_else(|| format!("{s} is out of range"))?;
    if t.num_seconds_from_midnight() != 0 || t.timestamp_subsec_millis() != 0 {
        return Err(format!(
            "{s} is at {}:{:02}:{:02}.{:03} UTC, not midnight!",
            t.hour(),
            t.minute(),
            t.second(),
            t.timestamp_subsec_millis()
        ));
    }
    Ok(t.date_naive().format("%Y-%m-%d").to_string())
}

/// Check a `datetime` input (epoch millis or ISO) and return the stored ISO form.
pub fn normalize_datetime(s: &str) -> Result<String, String> {
    parse_instant(s)
        .filter(|ms| DateTime::from_timestamp_millis(*ms).is_some())
        .map(iso_millis)
        .ok_or_else(|| {
            format!("{s} is not a valid datetime (expected epoch milliseconds or ISO-8601)")
        })
}

/// Parse a decimal number written as HubSpot accepts it: optional sign,
/// digits, optional fraction (no exponent, no grouping).
pub fn parse_number(s: &str) -> Option<Decimal> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return None;
    }
    Decimal::from_str(s.strip_prefix('+').unwrap_or(s)).ok()
}

/// Normalize a `bool` input.
pub fn normalize_bool(s: &str) -> Option<&'static str> {
    if s.eq_ignore_ascii_case("true") {
        Some("true")
    } else if s.eq_ignore_ascii_case("false") {
        Some("false")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_has_millis_and_z() {
        assert_eq!(iso_millis(1_572_406_217_883), "2019-10-30T03:30:17.883Z");
        assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn dates_must_be_midnight() {
        assert_eq!(normalize_date("2015-05-01").unwrap(), "2015-05-01");
        assert_eq!(normalize_date("1430438400000").unwrap(), "2015-05-01");
        assert_eq!(
            normalize_date("1430453433600").unwrap_err(),
            "1430453433600 is at 4:10:33.600 UTC, not midnight!"
        );
        assert!(normalize_date("2015-13-01").is_err());
        assert!(normalize_date("yesterday").is_err());
    }

    #[test]
    fn datetimes_accept_millis_and_iso() {
        assert_eq!(
            normalize_datetime("1572406217883").unwrap(),
            "2019-10-30T03:30:17.883Z"
        );
        assert_eq!(
            normalize_datetime("2019-10-30T05:30:17.883+02:00").unwrap(),
            "2019-10-30T03:30:17.883Z"
        );
        assert_eq!(
            normalize_datetime("2019-10-30").unwrap(),
            "2019-10-30T00:00:00.000Z"
        );
        assert!(normalize_datetime("soon").is_err());
    }

    #[test]
    fn numbers_are_plain_decimals() {
        assert_eq!(parse_number("17"), Some(Decimal::from(17)));
        assert_eq!(parse_number("-1234.50").unwrap().to_string(), "-1234.50");
        assert_eq!(parse_number(".5").unwrap().to_string(), "0.5");
        for bad in ["", "-", ".", "1e3", "1,000", "1 000", "abc", "1.2.3"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
    }

    #[test]
    fn field_types_pair_with_types() {
        assert!(PropType::Bool.field_types().contains(&"booleancheckbox"));
        assert!(!PropType::Number.field_types().contains(&"text"));
        assert_eq!(PropType::parse("phone_number"), Some(PropType::PhoneNumber));
    }
}
