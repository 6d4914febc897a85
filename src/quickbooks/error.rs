//! QuickBooks errors: the three fault body shapes (data-service `Fault`,
//! gateway lower-case `fault`, XML `IntuitResponse`) parsed into one
//! [`QboFault`], with the `intuit_tid` of every response.

use crate::http::{DecodeError, HttpError, header_loose, snippet};
use reqwest::header::HeaderMap;
use serde_json::Value as J;

/// One entry of a fault's `Error` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QboFaultError {
    /// `code` (a string: `"6240"`, `"5010"`, `"3200"`, …).
    pub code: String,
    /// `Message`.
    pub message: String,
    /// `Detail`.
    pub detail: Option<String>,
    /// `element` (field name) when given and non-empty.
    pub element: Option<String>,
}

/// Which body shape a fault came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultShape {
    /// `{"Fault":{"Error":[…],"type":…}}`.
    DataService,
    /// Gateway: `{"fault":{"error":[…],"type":…}}`.
    Gateway,
    /// `<IntuitResponse><Fault type=…><Error code=…>…`.
    Xml,
    /// Anything else (HTML page, empty body): synthesized from the status.
    Other,
}

/// A QuickBooks error response (or a batch item's fault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QboFault {
    /// Endpoint label.
    pub endpoint: String,
    /// HTTP status (200 for batch items).
    pub status: u16,
    /// Fault `type` (`ValidationFault`, `SystemFault`, `AUTHENTICATION`, `SERVICE`, …).
    pub fault_type: String,
    /// The errors (at least one).
    pub errors: Vec<QboFaultError>,
    /// `intuit_tid` response header.
    pub intuit_tid: Option<String>,
    /// The body shape.
    pub shape: FaultShape,
}

impl std::fmt::Display for QboFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: HTTP {} {}",
            self.endpoint, self.status, self.fault_type
        )?;
        for (i, e) in self.errors.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            write!(f, "[{}] {}", e.code, e.message)?;
            if let Some(d) = &e.detail
                && d != &e.message
            {
                write!(f, " ({d})")?;
            }
            if let Some(el) = &e.element {
                write!(f, " [element {el}]")?;
            }
        }
        if let Some(t) = &self.intuit_tid {
            write!(f, " (intuit_tid {t})")?;
        }
        Ok(())
    }
}

impl QboFault {
    /// The first error's code.
    pub fn code(&self) -> Option<&str> {
        self.errors.first().map(|e| e.code.as_str())
    }

    /// Whether any error has `code`.
    pub fn has_code(&self, code: &str) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    /// 5010 Stale Object Error: the SyncToken is out of date; re-read.
    pub fn is_stale(&self) -> bool {
        self.has_code("5010")
    }

    /// 6240 Duplicate Name Exists.
    pub fn is_duplicate_name(&self) -> bool {
        self.has_code("6240")
    }

    /// 610 Object Not Found.
    pub fn is_not_found(&self) -> bool {
        self.has_code("610")
    }

    /// 3001 throttled.
    pub fn is_throttled(&self) -> bool {
        self.status == 429 || self.has_code("3001")
    }

    /// Build from a response of any shape.
    pub fn from_response(endpoint: &str, status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        let tid = header_loose(headers, "intuit_tid");
        let mut f = parse_body(body).unwrap_or_else(|| QboFault {
            endpoint: String::new(),
            status,
            fault_type: "HTTP".into(),
            errors: vec![QboFaultError {
                code: status.to_string(),
                message: {
                    let s = snippet(body, 300);
                    if s.trim().is_empty() {
                        format!("empty response body (HTTP {status})")
                    } else {
                        s
                    }
                },
                detail: None,
                element: None,
            }],
            intuit_tid: None,
            shape: FaultShape::Other,
        });
        f.endpoint = endpoint.to_string();
        f.status = status;
        f.intuit_tid = tid;
        f
    }

    /// Build from a JSON `Fault` object (batch items).
    pub fn from_json(endpoint: &str, fault: &J, intuit_tid: Option<String>) -> Self {
        let mut f = fault_from_json(fault, FaultShape::DataService).unwrap_or_else(|| QboFault {
            endpoint: String::new(),
            status: 200,
            fault_type: "Unknown".into(),
            errors: vec![QboFaultError {
                code: "unknown".into(),
                message: crate::secret::scrub(&fault.to_string()),
                detail: None,
                element: None,
            }],
            intuit_tid: None,
            shape: FaultShape::DataService,
        });
        f.endpoint = endpoint.to_string();
        f.status = 200;
        f.intuit_tid = intuit_tid;
        f
    }
}

fn parse_body(body: &[u8]) -> Option<QboFault> {
    let text = std::str::from_utf8(body)
        .ok()?
        .trim_start_matches('\u{feff}')
        .trim();
    if text.starts_with('<') {
        return parse_xml_fault(text);
    }
    let v: J = serde_json::from_str(text).ok()?;
    if let Some(f) = v.get("Fault") {
        return fault_from_json(f, FaultShape::DataService);
    }
    if let Some(f) = v.get("fault").filter(|f| !f.is_null()) {
        return fault_from_json(f, FaultShape::Gateway);
    }
    None
}

/// Accepts either capitalisation (`Error`/`error`, `Message`/`message`, …).
fn fault_from_json(f: &J, shape: FaultShape) -> Option<QboFault> {
    let get = |o: &J, k: &str| -> Option<J> {
        let lower = k.to_ascii_lowercase();
        o.get(k).or_else(|| o.get(lower.as_str())).cloned()
    };
    let errs = get(f, "Error")?;
    let arr = match errs {
        J::Array(a) => a,
        o @ J::Object(_) => vec![o],
        _ => return None,
    };
    let text = |o: &J, k: &str| -> Option<String> {
        match get(o, k)? {
            J::String(s) => Some(s),
            J::Null => None,
            other => Some(other.to_string()),
        }
    };
    let errors: Vec<QboFaultError> = arr
        .iter()
        .map(|e| QboFaultError {
            code: text(e, "code").unwrap_or_default(),
            message: crate::secret::scrub(&text(e, "Message").unwrap_or_default()),
            detail: text(e, "Detail").map(|d| crate::secret::scrub(&d)),
            element: text(e, "element").filter(|s| !s.is_empty()),
        })
        .collect();
    if errors.is_empty() {
        return None;
    }
    Some(QboFault {
        endpoint: String::new(),
        status: 0,
        fault_type: text(f, "type").unwrap_or_default(),
        errors,
        intuit_tid: None,
        shape,
    })
}

/// A small, panic-free reader for the XML fault page.
fn parse_xml_fault(text: &str) -> Option<QboFault> {
    let fault_start = text.find("<Fault")?;
    let rest = &text[fault_start..];
    let tag_end = rest.find('>')?;
    let fault_type = attr(&rest[..tag_end], "type").unwrap_or_default();
    let mut errors = Vec::new();
    let mut cur = &rest[tag_end..];
    while let Some(i) = cur.find("<Error") {
        let e = &cur[i..];
        let open_end = e.find('>')?;
        let open = &e[..open_end];
        let close = e.find("</Error>").unwrap_or(e.len());
        let inner = &e[open_end.min(close)..close];
        errors.push(QboFaultError {
            code: attr(open, "code").unwrap_or_default(),
            message: crate::secret::scrub(&element_text(inner, "Message").unwrap_or_default()),
            detail: element_text(inner, "Detail").map(|d| crate::secret::scrub(&d)),
            element: attr(open, "element").filter(|s| !s.is_empty()),
        });
        cur = &e[close.min(e.len())..];
        if close == e.len() {
            break;
        }
    }
    if errors.is_empty() {
        return None;
    }
    Some(QboFault {
        endpoint: String::new(),
        status: 0,
        fault_type,
        errors,
        intuit_tid: None,
        shape: FaultShape::Xml,
    })
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let pat = format!("{name}=\"");
    let mut search = tag;
    loop {
        let i = search.find(&pat)?;
        // Require a word boundary before the attribute name.
        let boundary = i == 0 || search[..i].ends_with(char::is_whitespace);
        let after = &search[i + pat.len()..];
        if boundary {
            let end = after.find('"')?;
            return Some(xml_unescape(&after[..end]));
        }
        search = after;
    }
}

fn element_text(inner: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let s = inner.find(&open)? + open.len();
    let e = inner[s..].find(&close)? + s;
    Some(xml_unescape(inner[s..e].trim()))
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Errors of the QuickBooks client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum QboError {
    /// QuickBooks answered with a fault.
    #[error("QuickBooks {0}")]
    Fault(QboFault),
    /// The refresh token was rejected (`invalid_grant`): expired, revoked or
    /// superseded. Not retried.
    #[error(
        "QuickBooks rejected the refresh token for company {realm_id} (invalid_grant: {description}). \
         The connection has expired or was revoked: reconnect the app (re-authorize hsqb in QuickBooks) \
         and store the new refresh token{}",
        intuit_tid.as_ref().map(|t| format!(" (intuit_tid {t})")).unwrap_or_default()
    )]
    Reconnect {
        /// Company id.
        realm_id: String,
        /// `error_description`.
        description: String,
        /// `intuit_tid`.
        intuit_tid: Option<String>,
    },
    /// The token endpoint failed otherwise (bad client credentials, …).
    #[error("QuickBooks token endpoint: HTTP {status} {error}: {description}{}", intuit_tid.as_ref().map(|t| format!(" (intuit_tid {t})")).unwrap_or_default())]
    Token {
        /// HTTP status.
        status: u16,
        /// `error`.
        error: String,
        /// `error_description`.
        description: String,
        /// `intuit_tid`.
        intuit_tid: Option<String>,
    },
    /// The rotated refresh token could not be persisted; the new access token
    /// was not used.
    #[error(
        "could not persist the rotated QuickBooks refresh token for company {realm_id}: {message}"
    )]
    TokenPersist {
        /// Company id.
        realm_id: String,
        /// The sink's error.
        message: String,
    },
    /// Transport, decoding or unknown-outcome failure.
    #[error("QuickBooks {0}")]
    Http(#[from] HttpError),
    /// An invalid query (bad field name, …).
    #[error("invalid QuickBooks query: {0}")]
    Query(String),
    /// A response that decodes but makes no sense.
    #[error("QuickBooks {endpoint}: unexpected response: {message}")]
    Unexpected {
        /// Endpoint label.
        endpoint: String,
        /// What is wrong.
        message: String,
    },
}

impl From<DecodeError> for QboError {
    fn from(e: DecodeError) -> Self {
        QboError::Http(HttpError::Decode(e))
    }
}

impl QboError {
    /// The fault, when QuickBooks answered with one.
    pub fn fault(&self) -> Option<&QboFault> {
        match self {
            QboError::Fault(f) => Some(f),
            _ => None,
        }
    }

    /// Whether a write behind this error may have happened.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, QboError::Http(e) if e.outcome_unknown())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_service_fault() {
        let body = br#"{"Fault":{"Error":[{"Message":"Duplicate Name Exists Error","Detail":"The name supplied already exists. : null","code":"6240","element":""}],"type":"ValidationFault"},"time":"2020-09-29T06:58:50.262-07:00"}"#;
        let mut h = HeaderMap::new();
        h.insert(
            "intuit_tid",
            "1-5f7330f0-039c03dd45f293121d775612".parse().unwrap(),
        );
        let f = QboFault::from_response("POST /customer", 400, &h, body);
        assert_eq!(f.shape, FaultShape::DataService);
        assert!(f.is_duplicate_name());
        assert_eq!(f.errors[0].element, None);
        assert_eq!(
            f.intuit_tid.as_deref(),
            Some("1-5f7330f0-039c03dd45f293121d775612")
        );
        let s = f.to_string();
        assert!(
            s.contains("[6240] Duplicate Name Exists Error") && s.contains("intuit_tid"),
            "{s}"
        );
    }

    #[test]
    fn gateway_fault_scrubs_token_prefix() {
        let _tok = crate::secret::Secret::new("AB016canarytokenvalue0123456789");
        let body = br#"{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed; errorCode=003200; statusCode=401","detail":"Token expired: AB016canaryto...","code":"3200","element":null}],"type":"AUTHENTICATION"},"report":null,"queryResponse":null,"batchItemResponse":[],"attachableResponse":[],"syncErrorResponse":null,"requestId":null,"time":1601391072830,"status":null,"cdcresponse":[]}"#;
        let f = QboFault::from_response("GET /query", 401, &HeaderMap::new(), body);
        assert_eq!(f.shape, FaultShape::Gateway);
        assert_eq!(f.code(), Some("3200"));
        assert_eq!(f.fault_type, "AUTHENTICATION");
        assert_eq!(f.errors[0].element, None);
        assert!(!f.to_string().contains("AB016canaryto"), "{f}");
    }

    #[test]
    fn xml_throttle_and_multi_error_faults() {
        let body = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<IntuitResponse time="2016-12-07T15:27:09.527-08:00" xmlns="http://schema.intuit.com/finance/v3">
  <Fault type="SERVICE"><Error code="3001">
    <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>
    <Detail>The request limit was reached.  Try again later</Detail></Error></Fault></IntuitResponse>"#;
        let f = QboFault::from_response("GET /query", 429, &HeaderMap::new(), body);
        assert_eq!(f.shape, FaultShape::Xml);
        assert_eq!(f.fault_type, "SERVICE");
        assert!(f.is_throttled());
        assert_eq!(
            f.errors[0].detail.as_deref(),
            Some("The request limit was reached.  Try again later")
        );
        let body = br#"<Fault type="ValidationFault"><Error code="2050" element="firstname"><Message>Length exceeds limit</Message><Detail>Length &amp; more</Detail></Error><Error code="2080" element="postalcode"><Message>Illegal number format</Message></Error></Fault>"#;
        let f = QboFault::from_response("x", 400, &HeaderMap::new(), body);
        assert_eq!(f.errors.len(), 2);
        assert_eq!(f.errors[0].element.as_deref(), Some("firstname"));
        assert_eq!(f.errors[0].detail.as_deref(), Some("Length & more"));
        assert_eq!(f.errors[1].code, "2080");
        assert_eq!(f.errors[1].detail, None);
    }

    #[test]
    fn garbage_bodies_never_panic() {
        for body in [
            &b""[..],
            b"<html><body>Bad gateway</body></html>",
            b"<Fault type=\"x\"><Error code=\"1\"",
            b"<Fault",
            b"{\"Fault\":{\"Error\":5}}",
            b"{\"fault\":null}",
            b"\xff\xfe",
        ] {
            let f = QboFault::from_response("x", 502, &HeaderMap::new(), body);
            assert!(!f.errors.is_empty());
        }
    }
}
