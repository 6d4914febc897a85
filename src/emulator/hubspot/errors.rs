//! HubSpot's error shapes: the `Error` body
//! (`{"status":"error","message","correlationId","category",…}`), the batch
//! `StandardError`, the 429 body (`errorType`/`policyName`, no `category`), the
//! OAuth endpoint's body and gateway HTML pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Header carrying the correlation id on every response.
pub const CORRELATION_HEADER: &str = "x-hubspot-correlation-id";

/// Body family of an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// The standard `Error` body.
    Standard,
    /// The rate limiter's body for `policy` (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`).
    RateLimit(&'static str),
    /// The OAuth token endpoint's body (`{"status":"BAD_REFRESH_TOKEN",…}`).
    OAuth(&'static str),
    /// A gateway HTML page (502/503/504).
    Html,
}

/// An API error: renders as HubSpot does, and doubles as the in-process API's
/// error type.
#[derive(Debug, Clone, PartialEq)]
pub struct HsError {
    /// HTTP status.
    pub status: u16,
    /// `category` (e.g. `VALIDATION_ERROR`, `CONFLICT`, `OBJECT_NOT_FOUND`).
    pub category: &'static str,
    /// Human message.
    pub message: String,
    /// Optional `subCategory`.
    pub sub_category: Option<&'static str>,
    /// Optional `context` (map of string lists).
    pub context: BTreeMap<String, Vec<String>>,
    /// Body family.
    pub shape: Shape,
}

/// One invalid property value, reported inside HubSpot's
/// `Property values were not valid: [...]` message.
#[derive(Debug, Clone, PartialEq)]
pub struct PropIssue {
    /// Property name.
    pub name: String,
    /// Error code (`PROPERTY_DOESNT_EXIST`, `INVALID_OPTION`, `READ_ONLY_VALUE`, …).
    pub code: &'static str,
    /// Message.
    pub message: String,
}

impl std::fmt::Display for HsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status, self.category, self.message)
    }
}

impl std::error::Error for HsError {}

impl HsError {
    /// A standard error.
    pub fn new(status: u16, category: &'static str, message: impl Into<String>) -> Self {
        HsError {
            status,
            category,
            message: message.into(),
            sub_category: None,
            context: BTreeMap::new(),
            shape: Shape::Standard,
        }
    }

    /// 400 `VALIDATION_ERROR`.
    pub fn validation(message: impl Into<String>) -> Self {
        HsError::new(400, "VALIDATION_ERROR", message)
    }

    /// 404 `OBJECT_NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        HsError::new(404, "OBJECT_NOT_FOUND", message)
    }

    /// 409 `CONFLICT` naming the existing record (`Existing ID: N`).
    pub fn conflict(message: impl Into<String>, existing: u64) -> Self {
        HsError::new(409, "CONFLICT", message)
            .with_context("existingId", vec![existing.to_string()])
    }

    /// 400 `VALIDATION_ERROR` listing invalid property values in HubSpot's
    /// `Property values were not valid: [...]` form.
    pub fn properties(issues: &[PropIssue], portal_id: u64) -> Self {
        let arr: Vec<Value> = issues
            .iter()
            .map(|i| {
                json!({"isValid": false, "message": i.message, "error": i.code, "name": i.name,
                       "localizedErrorMessage": i.message, "portalId": portal_id})
            })
            .collect();
        let text = serde_json::to_string(&arr).unwrap_or_default();
        let mut e = HsError::validation(format!("Property values were not valid: {text}"));
        e.context.insert(
            "propertyName".into(),
            issues.iter().map(|i| i.name.clone()).collect(),
        );
        e
    }

    /// 401 `INVALID_AUTHENTICATION`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        HsError::new(401, "INVALID_AUTHENTICATION", message)
    }

    /// 429 from the rate limiter for `policy`.
    pub fn rate_limited(policy: &'static str) -> Self {
        let what = match policy {
            "DAILY" => "daily",
            "SECONDLY" => "secondly",
            _ => "ten_secondly_rolling",
        };
        let mut e = HsError::new(
            429,
            "RATE_LIMITS",
            format!("You have reached your {what} limit."),
        );
        e.shape = Shape::RateLimit(policy);
        e
    }

    /// An OAuth endpoint error (`{"status":"BAD_REFRESH_TOKEN","message":…}`).
    pub fn oauth(status: &'static str, message: impl Into<String>) -> Self {
        let mut e = HsError::new(400, status, message);
        e.shape = Shape::OAuth(status);
        e
    }

    /// A gateway HTML error page.
    pub fn gateway(status: u16) -> Self {
        let mut e = HsError::new(status, "GATEWAY", gateway_reason(status));
        e.shape = Shape::Html;
        e
    }

    /// Add a `context` entry.
    pub fn with_context(mut self, key: &str, values: Vec<String>) -> Self {
        self.context.insert(key.into(), values);
        self
    }

    /// Set `subCategory`.
    pub fn with_sub_category(mut self, s: &'static str) -> Self {
        self.sub_category = Some(s);
        self
    }

    /// The batch `StandardError` form of this error (inside a 207 body).
    pub fn to_standard(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), "error".into());
        m.insert("category".into(), self.category.into());
        if let Some(s) = self.sub_category {
            m.insert("subCategory".into(), s.into());
        }
        m.insert("message".into(), self.message.clone().into());
        m.insert("context".into(), json!(self.context));
        m.insert("errors".into(), json!([]));
        m.insert("links".into(), json!({}));
        Value::Object(m)
    }

    /// The response body for correlation id `cid`.
    pub fn body(&self, cid: &str) -> Value {
        let mut m = Map::new();
        match &self.shape {
            Shape::RateLimit(policy) => {
                m.insert("status".into(), "error".into());
                m.insert("message".into(), self.message.clone().into());
                m.insert("errorType".into(), "RATE_LIMIT".into());
                m.insert("correlationId".into(), cid.into());
                m.insert("policyName".into(), (*policy).into());
                m.insert("requestId".into(), new_correlation_id().into());
            }
            Shape::OAuth(status) => {
                m.insert("status".into(), (*status).into());
                m.insert("message".into(), self.message.clone().into());
                m.insert("correlationId".into(), cid.into());
                m.insert("requestId".into(), new_correlation_id().into());
            }
            Shape::Standard | Shape::Html => {
                m.insert("status".into(), "error".into());
                m.insert("message".into(), self.message.clone().into());
                m.insert("correlationId".into(), cid.into());
                m.insert("category".into(), self.category.into());
                if let Some(s) = self.sub_category {
                    m.insert("subCategory".into(), s.into());
                }
                if !self.context.is_empty() {
                    m.insert("context".into(), json!(self.context));
                }
            }
        }
        Value::Object(m)
    }
}

fn gateway_reason(status: u16) -> &'static str {
    match status {
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Error",
    }
}

/// A fresh correlation id (UUID v4).
pub fn new_correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A JSON response with HubSpot's content type and a correlation id header.
pub fn json_response(status: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        bytes,
    )
        .into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    resp
}

impl IntoResponse for HsError {
    fn into_response(self) -> Response {
        let cid = new_correlation_id();
        let mut resp = if self.shape == Shape::Html {
            let html = format!(
                "<html>\r\n<head><title>{0} {1}</title></head>\r\n<body>\r\n<center><h1>{0} {1}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n",
                self.status, self.message
            );
            let mut r = (
                StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY),
                html,
            )
                .into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            r
        } else {
            json_response(self.status, &self.body(&cid))
        };
        if let Ok(v) = HeaderValue::from_str(&cid) {
            resp.headers_mut().insert(CORRELATION_HEADER, v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_issue_message_embeds_a_json_array() {
        let e = HsError::properties(
            &[PropIssue {
                name: "deal_currency_code".into(),
                code: "INVALID_OPTION",
                message:
                    "\"BRL\" is not a part of the current effective currency codes for portal 7"
                        .into(),
            }],
            7,
        );
        assert_eq!(e.status, 400);
        let inner = e
            .message
            .strip_prefix("Property values were not valid: ")
            .unwrap();
        let arr: Value = serde_json::from_str(inner).unwrap();
        assert_eq!(arr[0]["error"], "INVALID_OPTION");
        assert_eq!(arr[0]["name"], "deal_currency_code");
    }

    #[test]
    fn rate_limit_body_has_no_category() {
        let b = HsError::rate_limited("TEN_SECONDLY_ROLLING").body("c");
        assert_eq!(b["errorType"], "RATE_LIMIT");
        assert_eq!(b["policyName"], "TEN_SECONDLY_ROLLING");
        assert_eq!(
            b["message"],
            "You have reached your ten_secondly_rolling limit."
        );
        assert!(b.get("category").is_none());
    }
}
