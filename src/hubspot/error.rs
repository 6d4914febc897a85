//! Typed HubSpot errors: HTTP status, category, message, correlation id,
//! endpoint; plus the per-input errors of batch calls.

use crate::http::{HttpError, header_loose, snippet};
use reqwest::header::HeaderMap;
use serde_json::Value as J;
use std::collections::BTreeMap;

/// An error response from the HubSpot API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsApiError {
    /// Endpoint label (`POST /crm/v3/objects/{objectType}/batch/create`).
    pub endpoint: String,
    /// HTTP status.
    pub status: u16,
    /// `category` (or `errorType` on 429 bodies), e.g. `VALIDATION_ERROR`.
    pub category: Option<String>,
    /// `subCategory` when present.
    pub sub_category: Option<String>,
    /// `message` (or the start of a non-JSON body).
    pub message: String,
    /// `correlationId` from the body, else the `X-HubSpot-Correlation-Id` header.
    pub correlation_id: Option<String>,
    /// `policyName` on 429 bodies (`DAILY`, `TEN_SECONDLY_ROLLING`, …).
    pub policy_name: Option<String>,
    /// The existing record id of a 409 "already exists. Existing ID: N".
    pub existing_id: Option<String>,
    /// Nested `errors[].message`.
    pub details: Vec<String>,
}

impl std::fmt::Display for HsApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: HTTP {}", self.endpoint, self.status)?;
        if let Some(c) = &self.category {
            write!(f, " {c}")?;
        }
        write!(f, ": {}", self.message)?;
        for d in &self.details {
            if !self.message.contains(d.as_str()) {
                write!(f, "; {d}")?;
            }
        }
        if let Some(c) = &self.correlation_id {
            write!(f, " (correlation id {c})")?;
        }
        Ok(())
    }
}

impl HsApiError {
    /// Build from a response (body may be JSON, HTML or empty).
    pub(crate) fn from_response(
        endpoint: &str,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Self {
        let header_cid = header_loose(headers, "x-hubspot-correlation-id");
        let parsed: Option<J> = std::str::from_utf8(body)
            .ok()
            .and_then(|s| serde_json::from_str(s).ok())
            .filter(|v: &J| v.is_object());
        let Some(v) = parsed else {
            let text = snippet(body, 300);
            return HsApiError {
                endpoint: endpoint.to_string(),
                status,
                category: None,
                sub_category: None,
                message: if text.trim().is_empty() {
                    format!("empty response body (HTTP {status})")
                } else {
                    text
                },
                correlation_id: header_cid,
                policy_name: None,
                existing_id: None,
                details: Vec::new(),
            };
        };
        let s = |k: &str| v.get(k).and_then(J::as_str).map(str::to_string);
        let message = crate::secret::scrub(&s("message").unwrap_or_else(|| snippet(body, 300)));
        let details: Vec<String> = v
            .get("errors")
            .and_then(J::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|e| e.get("message").and_then(J::as_str))
                    .map(crate::secret::scrub)
                    .collect()
            })
            .unwrap_or_default();
        let existing_id =
            existing_id(&message).or_else(|| details.iter().find_map(|d| existing_id(d)));
        HsApiError {
            endpoint: endpoint.to_string(),
            status,
            category: s("category").or_else(|| s("errorType")),
            sub_category: s("subCategory"),
            message,
            correlation_id: s("correlationId").or(header_cid),
            policy_name: s("policyName"),
            existing_id,
            details,
        }
    }
}

/// Parse `Existing ID: 123` out of a 409 message.
pub fn existing_id(message: &str) -> Option<String> {
    let idx = message.find("Existing ID:")?;
    let rest = message[idx + "Existing ID:".len()..].trim_start();
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    (!digits.is_empty()).then_some(digits)
}

/// Errors of the HubSpot client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HubSpotError {
    /// The API answered with an error status.
    #[error("HubSpot {0}")]
    Api(Box<HsApiError>),
    /// The portal's daily request limit is used up; retrying today is pointless.
    #[error("HubSpot daily API limit reached: {0}")]
    DailyLimit(Box<HsApiError>),
    /// The OAuth token refresh failed.
    #[error("HubSpot OAuth token refresh failed: {0}")]
    Auth(String),
    /// Transport, decoding or unknown-outcome failure.
    #[error("HubSpot {0}")]
    Http(#[from] HttpError),
    /// A response that decodes but makes no sense (missing fields, …).
    #[error("HubSpot {endpoint}: unexpected response: {message}")]
    Unexpected {
        /// Endpoint label.
        endpoint: String,
        /// What is wrong.
        message: String,
    },
}

impl From<crate::http::DecodeError> for HubSpotError {
    fn from(e: crate::http::DecodeError) -> Self {
        HubSpotError::Http(HttpError::Decode(e))
    }
}

impl HubSpotError {
    /// The API error, when the server answered with one.
    pub fn api(&self) -> Option<&HsApiError> {
        match self {
            HubSpotError::Api(e) | HubSpotError::DailyLimit(e) => Some(e),
            _ => None,
        }
    }

    /// HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        self.api().map(|e| e.status)
    }
}

/// One input's failure inside a batch call (from a 207 `errors[]` entry, or
/// the whole chunk's error when HubSpot rejected the request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsItemError {
    /// HTTP status of the chunk when the whole request failed; `None` for 207 items.
    pub status: Option<u16>,
    /// `category`, e.g. `OBJECT_NOT_FOUND`, `VALIDATION_ERROR`.
    pub category: String,
    /// `message`.
    pub message: String,
    /// `context` (e.g. `ids`).
    pub context: BTreeMap<String, Vec<String>>,
    /// Correlation id of the response.
    pub correlation_id: Option<String>,
}

impl std::fmt::Display for HsItemError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.category, self.message)?;
        if let Some(c) = &self.correlation_id {
            write!(f, " (correlation id {c})")?;
        }
        Ok(())
    }
}

impl HsItemError {
    pub(crate) fn from_api(e: &HsApiError) -> Self {
        HsItemError {
            status: Some(e.status),
            category: e.category.clone().unwrap_or_else(|| "ERROR".into()),
            message: e.to_string(),
            context: BTreeMap::new(),
            correlation_id: e.correlation_id.clone(),
        }
    }

    /// All strings in `context` (ids, trace ids, values).
    pub(crate) fn mentions(&self, needle: &str) -> bool {
        self.context.values().flatten().any(|v| v == needle)
    }
}

/// Per-input outcome of a batch write.
#[derive(Debug, Clone, PartialEq)]
pub enum HsOutcome<T> {
    /// Written.
    Done(T),
    /// HubSpot refused this input; nothing was written for it.
    Failed(HsItemError),
    /// The request was sent but no definite answer came back: the write may
    /// or may not have happened. Re-read (e.g. by the link property) before
    /// deciding to write again.
    Unknown {
        /// Why.
        reason: String,
    },
}

impl<T> HsOutcome<T> {
    /// The written value.
    pub fn done(&self) -> Option<&T> {
        match self {
            HsOutcome::Done(t) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_conflict_with_existing_id() {
        let body = br#"{"status":"error","message":"Contact already exists. Existing ID: 2926551","correlationId":"abc-1","category":"CONFLICT"}"#;
        let e = HsApiError::from_response(
            "POST /crm/v3/objects/{objectType}",
            409,
            &HeaderMap::new(),
            body,
        );
        assert_eq!(e.existing_id.as_deref(), Some("2926551"));
        assert_eq!(e.category.as_deref(), Some("CONFLICT"));
        assert_eq!(e.correlation_id.as_deref(), Some("abc-1"));
        assert!(e.to_string().contains("HTTP 409 CONFLICT"));
    }

    #[test]
    fn parses_newer_conflict_and_rate_limit_shapes() {
        let body = br#"{"status":"error","message":"Conflict","category":"OBJECT_ALREADY_EXISTS","errors":[{"message":"A contact with email a@b.co already exists. Existing ID: 77","in":"email"}]}"#;
        let mut h = HeaderMap::new();
        h.insert("x-hubspot-correlation-id", "hdr-1".parse().unwrap());
        let e = HsApiError::from_response("x", 409, &h, body);
        assert_eq!(e.existing_id.as_deref(), Some("77"));
        assert_eq!(e.correlation_id.as_deref(), Some("hdr-1"));
        let body = br#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c0","policyName":"DAILY"}"#;
        let e = HsApiError::from_response("x", 429, &HeaderMap::new(), body);
        assert_eq!(e.category.as_deref(), Some("RATE_LIMIT"));
        assert_eq!(e.policy_name.as_deref(), Some("DAILY"));
    }

    #[test]
    fn non_json_bodies() {
        let e = HsApiError::from_response(
            "x",
            404,
            &HeaderMap::new(),
            b"<html><body>Not Found</body></html>",
        );
        assert!(e.message.contains("Not Found"));
        let e = HsApiError::from_response("x", 502, &HeaderMap::new(), b"");
        assert!(e.message.contains("empty"));
        let e = HsApiError::from_response(
            "x",
            404,
            &HeaderMap::new(),
            br#"{"message":"resource not found"}"#,
        );
        assert_eq!(e.message, "resource not found");
    }
}
