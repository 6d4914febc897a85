//! Request/response plumbing shared by the handlers: query strings (repeated
//! or comma-separated lists), JSON bodies with HubSpot-shaped errors, object
//! type segments, cursors, and the marker that tells the middleware a request
//! changed the state (so it persists).

use super::errors::{HsError, json_response};
use super::kinds::ObjectKind;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// Response extension: the request mutated the state.
#[derive(Debug, Clone, Copy)]
pub struct Mutated;

/// A JSON response; `mutated` marks it for persistence.
pub fn reply(status: u16, body: &Value, mutated: bool) -> Response {
    let mut r = json_response(status, body);
    if mutated {
        r.extensions_mut().insert(Mutated);
    }
    r
}

/// 204 No Content; `mutated` marks it for persistence.
pub fn no_content(mutated: bool) -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = axum::http::StatusCode::NO_CONTENT;
    if mutated {
        r.extensions_mut().insert(Mutated);
    }
    r
}

/// Decoded query parameters, in order, repeated keys kept.
#[derive(Debug, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parse a raw query string.
    pub fn parse(raw: Option<&str>) -> Self {
        Query(
            raw.map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    /// The first value of `key`.
    pub fn one(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// All values of `key`, repeated and/or comma-separated, trimmed, non-empty.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// `archived=true|false` (absent = false).
    pub fn archived(&self) -> Result<bool, HsError> {
        match self.one("archived") {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(o) => Err(HsError::validation(format!(
                "Invalid value '{o}' for 'archived': expected true or false"
            ))),
        }
    }

    /// `limit`, defaulting to `default`, refused above `max` or below 1.
    pub fn limit(&self, default: usize, max: usize) -> Result<usize, HsError> {
        match self.one("limit") {
            None => Ok(default),
            Some(s) => parse_limit(&Value::String(s.into()), max),
        }
    }
}

/// Parse a `limit` (number or numeric string) in `1..=max`.
pub fn parse_limit(v: &Value, max: usize) -> Result<usize, HsError> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        _ => Err(HsError::validation(format!(
            "Invalid limit '{}': must be an integer between 1 and {max}",
            match v {
                Value::String(s) => s.clone(),
                o => o.to_string(),
            }
        ))),
    }
}

/// The object type of a path segment, or HubSpot's 400.
pub fn kind_of(segment: &str) -> Result<ObjectKind, HsError> {
    ObjectKind::parse(segment)
        .ok_or_else(|| HsError::validation(format!("Unable to infer object type from: {segment}")))
}

/// Parse a JSON request body (an object).
pub fn body_object(bytes: &[u8]) -> Result<Map<String, Value>, HsError> {
    match body_value(bytes)? {
        Value::Object(m) => Ok(m),
        _ => Err(HsError::validation(
            "Invalid input JSON: expected an object",
        )),
    }
}

/// Parse any JSON request body.
pub fn body_value(bytes: &[u8]) -> Result<Value, HsError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(HsError::validation(
            "Invalid input JSON: the request body is empty",
        ));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        HsError::validation(format!(
            "Invalid input JSON on line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })
}

/// The `inputs` array of a batch body, refused above `max`.
pub fn inputs(body: &Map<String, Value>, max: usize) -> Result<Vec<Value>, HsError> {
    let arr = match body.get("inputs") {
        Some(Value::Array(a)) => a.clone(),
        _ => {
            return Err(HsError::validation(
                "'inputs' is required and must be an array",
            ));
        }
    };
    if arr.len() > max {
        return Err(HsError::validation(format!(
            "Too many inputs: {} were given, but at most {max} inputs are allowed per batch request",
            arr.len()
        ))
        .with_context("maxInputs", vec![max.to_string()]));
    }
    Ok(arr)
}

/// A string list field of a body (`properties: [...]`).
pub fn string_list(body: &Map<String, Value>, key: &str) -> Result<Vec<String>, HsError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    HsError::validation(format!("'{key}' must be an array of strings"))
                })
            })
            .collect(),
        Some(_) => Err(HsError::validation(format!(
            "'{key}' must be an array of strings"
        ))),
    }
}

/// An id given as a JSON string or number.
pub fn id_string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An opaque list cursor for the record id `next`.
pub fn encode_cursor(next: u64) -> String {
    URL_SAFE_NO_PAD.encode(next.to_string())
}

/// Decode a list cursor.
pub fn decode_cursor(s: &str) -> Result<u64, HsError> {
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| t.parse::<u64>().ok())
        .ok_or_else(|| HsError::validation(format!("Invalid paging cursor 'after': {s}")))
}

/// `paging.next` for cursor `after`.
pub fn paging(after: &str) -> Value {
    serde_json::json!({"next": {"after": after, "link": format!("?after={after}")}})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_accept_repeated_and_comma_separated() {
        let q = Query::parse(Some(
            "properties=a,b&properties=c&limit=5&properties=%20d%20",
        ));
        assert_eq!(q.list("properties"), vec!["a", "b", "c", "d"]);
        assert_eq!(q.limit(10, 100).unwrap(), 5);
        assert!(Query::parse(Some("limit=101")).limit(10, 100).is_err());
        assert!(Query::parse(Some("limit=0")).limit(10, 100).is_err());
        assert!(Query::parse(Some("limit=x")).limit(10, 100).is_err());
        assert_eq!(Query::parse(None).limit(10, 100).unwrap(), 10);
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = encode_cursor(10_042);
        assert_eq!(decode_cursor(&c).unwrap(), 10_042);
        assert!(decode_cursor("not a cursor!").is_err());
    }
}
