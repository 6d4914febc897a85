//! Decoding response bodies into wire types with precise errors: the JSON path
//! of a type mismatch (`results[3].properties.email: invalid type …`), and
//! clear messages for HTML pages, empty bodies, invalid UTF-8 and truncated
//! JSON. Never panics on any input.

use serde::de::DeserializeOwned;

/// Why a response body could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The body was empty where JSON was expected.
    #[error("{endpoint}: empty response body (expected JSON)")]
    Empty {
        /// Endpoint label.
        endpoint: String,
    },
    /// The body is not valid UTF-8.
    #[error("{endpoint}: response body is not valid UTF-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Endpoint label.
        endpoint: String,
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The body is markup (an HTML error page or XML) rather than JSON.
    #[error("{endpoint}: expected JSON but received {kind}: {snippet}")]
    NotJson {
        /// Endpoint label.
        endpoint: String,
        /// `an HTML page`, `XML`, or `text`.
        kind: &'static str,
        /// The start of the body (secrets scrubbed).
        snippet: String,
    },
    /// The JSON ends early.
    #[error("{endpoint}: truncated JSON response ({message})")]
    Truncated {
        /// Endpoint label.
        endpoint: String,
        /// Parser message (line/column).
        message: String,
    },
    /// The JSON is malformed or does not match the expected shape.
    #[error("{endpoint}: malformed response at `{path}`: {message}")]
    Invalid {
        /// Endpoint label.
        endpoint: String,
        /// JSON path of the offending value (`.` for the root).
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Up to `max` characters of `body`, scrubbed of secrets, for error messages.
pub fn snippet(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let mut s: String = text.chars().take(max).collect();
    if text.chars().count() > max {
        s.push('…');
    }
    crate::secret::scrub(&s.replace(['\n', '\r'], " "))
}

/// Decode `body` (from `endpoint`) as JSON into `T`.
pub fn decode<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T, DecodeError> {
    let text = std::str::from_utf8(body).map_err(|e| DecodeError::NotUtf8 {
        endpoint: endpoint.to_string(),
        offset: e.valid_up_to(),
    })?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.is_empty() {
        return Err(DecodeError::Empty {
            endpoint: endpoint.to_string(),
        });
    }
    if trimmed.starts_with('<') {
        let lower: String = trimmed.chars().take(200).collect::<String>().to_lowercase();
        let kind = if lower.contains("<html") || lower.contains("<!doctype html") {
            "an HTML page"
        } else {
            "XML"
        };
        return Err(DecodeError::NotJson {
            endpoint: endpoint.to_string(),
            kind,
            snippet: snippet(trimmed.as_bytes(), 200),
        });
    }
    let mut de = serde_json::Deserializer::from_str(trimmed);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        classify(endpoint, path, inner, trimmed)
    })?;
    de.end().map_err(|e| DecodeError::Invalid {
        endpoint: endpoint.to_string(),
        path: ".".into(),
        message: e.to_string(),
    })?;
    Ok(value)
}

fn classify(endpoint: &str, path: String, e: serde_json::Error, text: &str) -> DecodeError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Eof => DecodeError::Truncated {
            endpoint: endpoint.to_string(),
            message: e.to_string(),
        },
        Category::Syntax if !text.trim_start().starts_with(['{', '[', '"']) => {
            DecodeError::NotJson {
                endpoint: endpoint.to_string(),
                kind: "text",
                snippet: snippet(text.as_bytes(), 200),
            }
        }
        _ => DecodeError::Invalid {
            endpoint: endpoint.to_string(),
            path,
            message: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        results: Vec<Rec>,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Rec {
        id: String,
        properties: BTreeMap<String, Option<String>>,
    }

    #[test]
    fn path_of_type_errors() {
        let body =
            br#"{"results":[{"id":"1","properties":{}},{"id":"2","properties":{"email":5}}]}"#;
        let err = decode::<Page>("GET /x", body).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("results[1].properties.email"), "{msg}");
        assert!(msg.contains("GET /x"), "{msg}");
    }

    #[test]
    fn html_empty_utf8_truncated() {
        let e =
            decode::<Page>("GET /x", b"<!DOCTYPE html><html><body>502</body></html>").unwrap_err();
        assert!(
            matches!(
                e,
                DecodeError::NotJson {
                    kind: "an HTML page",
                    ..
                }
            ),
            "{e}"
        );
        let e = decode::<Page>("GET /x", b"  ").unwrap_err();
        assert!(matches!(e, DecodeError::Empty { .. }));
        let e = decode::<Page>("GET /x", b"{\"results\":[\xff]}").unwrap_err();
        assert!(matches!(e, DecodeError::NotUtf8 { offset: 12, .. }), "{e}");
        let e = decode::<Page>("GET /x", br#"{"results":[{"id":"1","#).unwrap_err();
        assert!(matches!(e, DecodeError::Truncated { .. }), "{e}");
        let e = decode::<Page>("GET /x", b"Service Unavailable").unwrap_err();
        assert!(
            matches!(e, DecodeError::NotJson { kind: "text", .. }),
            "{e}"
        );
        let e = decode::<Page>("GET /x", br#"{"results":[]} trailing"#).unwrap_err();
        assert!(matches!(e, DecodeError::Invalid { .. }), "{e}");
    }

    #[test]
    fn huge_numbers_do_not_panic_and_stay_exact() {
        let body = br#"{"Amount":123456789012345678901234567890.123456789}"#;
        let v: serde_json::Value = decode("GET /x", body).unwrap();
        assert_eq!(
            v["Amount"].to_string(),
            "123456789012345678901234567890.123456789"
        );
    }
}
