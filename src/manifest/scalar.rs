//! Leaf value types of the manifest: interpolated strings, secrets, scalars and
//! durations. Each keeps where it came from so semantic validation can point at
//! `file:line:column`.
//!
//! Locations come from serde-saphyr's `Spanned<T>`; outside a YAML
//! deserializer (e.g. `serde_json`) they are `None`. `${ENV}` references are
//! replaced only inside [`super::load`] (see [`super::interp`]); elsewhere the
//! text is kept as written.

use super::interp;
use crate::secret::Secret;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// A position in the manifest file (1-based line and column, counted in
/// characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Loc {
    /// Line, 1-based.
    pub line: usize,
    /// Column, 1-based.
    pub column: usize,
}

impl Loc {
    /// A location.
    pub fn new(line: usize, column: usize) -> Self {
        Loc { line, column }
    }

    /// From a serde-saphyr location; `None` when unknown (line 0).
    pub(crate) fn from_saphyr(l: &serde_saphyr::Location) -> Option<Loc> {
        (l.line() > 0).then(|| Loc {
            line: usize::try_from(l.line()).unwrap_or(usize::MAX),
            column: usize::try_from(l.column()).unwrap_or(usize::MAX).max(1),
        })
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The location to report for a spanned value: where it is defined (for an
/// alias, the anchored original, which is what the user must edit).
fn spanned_loc<T>(s: &Spanned<T>) -> Option<Loc> {
    Loc::from_saphyr(&s.defined).or_else(|| Loc::from_saphyr(&s.referenced))
}

/// A string value after `${ENV}` interpolation, with its location.
#[derive(Clone, PartialEq, Eq)]
pub struct Str {
    /// The interpolated value.
    pub value: String,
    /// Where it was written.
    pub loc: Option<Loc>,
}

impl Str {
    /// The value.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// A value with a location (for tests and synthesized values).
    pub fn at(value: impl Into<String>, loc: Loc) -> Self {
        Str {
            value: value.into(),
            loc: Some(loc),
        }
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str {
            value: s.to_string(),
            loc: None,
        }
    }
}

impl From<String> for Str {
    fn from(value: String) -> Self {
        Str { value, loc: None }
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.value == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.value == *other
    }
}

impl fmt::Debug for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

impl fmt::Display for Str {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<String>::deserialize(d)?;
        let loc = spanned_loc(&spanned);
        let raw = spanned.value;
        let value = interp::interpolate_in_context(&raw).unwrap_or(raw);
        Ok(Str { value, loc })
    }
}

impl JsonSchema for Str {
    fn schema_name() -> Cow<'static, str> {
        "Str".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "Text. `${NAME}` is replaced by the environment variable NAME; write `$${` for a literal `${`."
        })
    }
}

/// A secret that must come from the environment (`${VAR}`); never literal.
#[derive(Clone, Debug)]
pub struct SecretStr {
    /// The resolved secret.
    pub secret: Secret,
    /// The environment variable it came from.
    pub var: Option<String>,
    /// Where it was written.
    pub loc: Option<Loc>,
}

impl SecretStr {
    /// A secret taken from `var` (for tests and synthesized values).
    pub fn from_env(var: &str, value: impl Into<String>) -> Self {
        SecretStr {
            secret: Secret::new(value),
            var: Some(var.to_string()),
            loc: None,
        }
    }

    /// The raw value; call only where it goes on the wire.
    pub fn expose(&self) -> &str {
        self.secret.expose()
    }
}

impl<'de> Deserialize<'de> for SecretStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<String>::deserialize(d)?;
        let loc = spanned_loc(&spanned);
        let raw = spanned.value;
        let var = interp::sole_reference(&raw).map(str::to_string);
        let value = match &var {
            // Inside `load`: the value of the variable (its absence was
            // reported by the structural pass). Outside: the text as written.
            Some(name) => match interp::lookup_in_context(name) {
                Some(v) => v.unwrap_or_default(),
                None => raw,
            },
            // A literal secret: `load` reports it as an error; it is still
            // wrapped (and so registered for scrubbing) so it cannot leak.
            None => raw,
        };
        Ok(SecretStr {
            secret: Secret::new(value),
            var,
            loc,
        })
    }
}

impl JsonSchema for SecretStr {
    fn schema_name() -> Cow<'static, str> {
        "SecretStr".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$",
            "description": "A secret, given only as an environment reference such as ${HUBSPOT_TOKEN}."
        })
    }
}

/// A scalar operand (text, number or boolean), kept as its text so numbers stay
/// exact decimals. Text is `${ENV}`-interpolated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The scalar's text (`"42"`, `"true"`, `"closedwon"`).
    pub text: String,
    /// Where it was written.
    pub loc: Option<Loc>,
}

impl Scalar {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl From<&str> for Scalar {
    fn from(s: &str) -> Self {
        Scalar {
            text: s.to_string(),
            loc: None,
        }
    }
}

/// The text of a scalar, before location wrapping.
struct ScalarText(String);

impl<'de> Deserialize<'de> for ScalarText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ScalarText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ScalarText, E> {
                let text = interp::interpolate_in_context(v).unwrap_or_else(|| v.to_string());
                Ok(ScalarText(text))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<ScalarText, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ScalarText, E> {
                // Rust prints the shortest text that round-trips, so `9.99` stays
                // `9.99`. (Write money as a quoted string to keep trailing zeros.)
                Ok(ScalarText(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<ScalarText>::deserialize(d)?;
        Ok(Scalar {
            loc: spanned_loc(&spanned),
            text: spanned.value.0,
        })
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number", "boolean"],
            "description": "A text, number or boolean operand. Text may use `${NAME}` references."
        })
    }
}

/// A duration written as `30s`, `5m`, `24h` or `7d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationStr(pub Duration);

impl DurationStr {
    /// Parse `<n><unit>` with unit `s`, `m`, `h` or `d` (no sign, no fraction).
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a duration (use e.g. 30s, 5m, 24h, 7d)");
        let t = s.trim();
        let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        if num.is_empty() {
            return Err(bad());
        }
        let n: u64 = num.parse().map_err(|_| bad())?;
        let per = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        let secs = n
            .checked_mul(per)
            .filter(|s| *s <= MAX_DURATION_SECS)
            .ok_or_else(|| format!("`{s}` is too long (at most 36500d)"))?;
        Ok(DurationStr(Duration::from_secs(secs)))
    }

    /// The duration.
    pub fn duration(self) -> Duration {
        self.0
    }
}

/// A century: longer durations are certainly mistakes.
const MAX_DURATION_SECS: u64 = 36_500 * 86_400;

impl fmt::Display for DurationStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.as_secs();
        if s != 0 && s.is_multiple_of(86_400) {
            write!(f, "{}d", s / 86_400)
        } else if s != 0 && s.is_multiple_of(3600) {
            write!(f, "{}h", s / 3600)
        } else if s != 0 && s.is_multiple_of(60) {
            write!(f, "{}m", s / 60)
        } else {
            write!(f, "{s}s")
        }
    }
}

impl<'de> Deserialize<'de> for DurationStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DurationStr::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DurationStr {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string", "pattern": "^[0-9]+[smhd]$", "description": "A duration such as 30s, 5m, 24h or 7d."})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            DurationStr::parse("30s").unwrap().0,
            Duration::from_secs(30)
        );
        assert_eq!(
            DurationStr::parse("5m").unwrap().0,
            Duration::from_secs(300)
        );
        assert_eq!(
            DurationStr::parse("24h").unwrap().0,
            Duration::from_secs(86_400)
        );
        assert_eq!(
            DurationStr::parse(" 7d ").unwrap().0,
            Duration::from_secs(604_800)
        );
        assert_eq!(DurationStr::parse("0s").unwrap().0, Duration::ZERO);
        for bad in ["", "s", "5", "5 m", "-5m", "1.5h", "5w", "5min", "h5"] {
            assert!(
                DurationStr::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(
            DurationStr::parse("99999999999999999999d")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(
            DurationStr::parse("40000d")
                .unwrap_err()
                .contains("too long")
        );
        assert_eq!(DurationStr::parse("90m").unwrap().to_string(), "90m");
        assert_eq!(DurationStr::parse("120m").unwrap().to_string(), "2h");
        assert_eq!(DurationStr::parse("0s").unwrap().to_string(), "0s");
    }

    #[test]
    fn secret_debug_redacts() {
        let s = SecretStr::from_env("HUBSPOT_TOKEN", "pat-na1-secret-value-42");
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("pat-na1-secret-value-42"), "{dbg}");
        assert!(dbg.contains("HUBSPOT_TOKEN"));
        assert_eq!(s.expose(), "pat-na1-secret-value-42");
        assert_eq!(
            crate::secret::scrub("token pat-na1-secret-value-42"),
            "token ***"
        );
    }

    #[test]
    fn outside_load_strings_are_literal_and_located() {
        let s: Str = serde_saphyr::from_str("\n  \"a ${X}\"\n").unwrap();
        assert_eq!(s.value, "a ${X}");
        assert_eq!(s.loc, Some(Loc::new(2, 3)));
        let j: Str = serde_json::from_str("\"plain\"").unwrap();
        assert_eq!(j.value, "plain");
        assert_eq!(j.loc, None);
        let sc: Scalar = serde_saphyr::from_str("12.50").unwrap();
        assert_eq!(sc.text, "12.5");
        let sc: Scalar = serde_saphyr::from_str("'12.50'").unwrap();
        assert_eq!(sc.text, "12.50");
    }

    #[test]
    fn secrets_resolve_inside_load_context() {
        let mut env = interp::EnvSnapshot::new();
        env.insert("TOK".into(), Some("resolved-token-value".into()));
        let s: SecretStr = interp::with_env(env, || serde_saphyr::from_str("${TOK}").unwrap());
        assert_eq!(s.expose(), "resolved-token-value");
        assert_eq!(s.var.as_deref(), Some("TOK"));
        assert_eq!(format!("{}", s.secret), "***");
    }
}
