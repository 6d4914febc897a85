//! Leaf value types of the manifest: interpolated strings, secrets, scalars and
//! durations. Each keeps where it came from so semantic validation can point at
//! `file:line:column`.

use crate::secret::Secret;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// A position in the manifest file (1-based line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    /// Line, 1-based.
    pub line: usize,
    /// Column, 1-based.
    pub column: usize,
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
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        Str {
            value: s.to_string(),
            loc: None,
        }
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
        let value = String::deserialize(d)?;
        Ok(Str { value, loc: None })
    }
}

impl JsonSchema for Str {
    fn schema_name() -> Cow<'static, str> {
        "Str".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "string"})
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

impl<'de> Deserialize<'de> for SecretStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = String::deserialize(d)?;
        Ok(SecretStr {
            secret: Secret::new(value),
            var: None,
            loc: None,
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
/// exact decimals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The scalar's text (`"42"`, `"true"`, `"closedwon"`).
    pub text: String,
    /// Where it was written.
    pub loc: Option<Loc>,
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_string(),
                    loc: None,
                })
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_string(),
                    loc: None,
                })
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_string(),
                    loc: None,
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar {
                    text: v.to_string(),
                    loc: None,
                })
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                // Rust prints the shortest text that round-trips, so `9.99` stays `9.99`.
                Ok(Scalar {
                    text: v.to_string(),
                    loc: None,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["string", "number", "boolean"]})
    }
}

/// A duration written as `30s`, `5m`, `24h` or `7d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationStr(pub Duration);

impl DurationStr {
    /// Parse `<n><unit>` with unit `s`, `m`, `h` or `d`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (num, unit) = s.split_at(split);
        let n: u64 = num
            .parse()
            .map_err(|_| format!("`{s}` is not a duration (use e.g. 30s, 5m, 24h, 7d)"))?;
        let secs = match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86_400,
            _ => {
                return Err(format!(
                    "`{s}` is not a duration (use e.g. 30s, 5m, 24h, 7d)"
                ));
            }
        };
        Ok(DurationStr(Duration::from_secs(secs)))
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
