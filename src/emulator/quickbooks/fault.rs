//! The three error shapes QBO answers with, built exactly as recorded:
//! the data-service `Fault` (most 4xx/5xx and batch items), the gateway's
//! lower-case `fault` (authentication/authorization at the edge), and the XML
//! throttle body (429).

use super::kind::Kind;
use serde_json::{Value, json};

/// A data-service fault: HTTP status plus one or more errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QboError {
    /// HTTP status the fault is served with.
    pub status: u16,
    /// `ValidationFault`, `SystemFault`, ...
    pub fault_type: String,
    /// The errors (usually one).
    pub errors: Vec<ErrorItem>,
    /// Whether the envelope carries `time` (recorded: `2030 Invalid ID` has none).
    pub with_time: bool,
}

/// One entry of `Fault.Error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorItem {
    /// `Message`.
    pub message: String,
    /// `Detail` (optional).
    pub detail: Option<String>,
    /// `code` (a string on the wire).
    pub code: String,
    /// `element` (optional: absent, `""` or a property name).
    pub element: Option<String>,
}

impl std::fmt::Display for QboError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for e in &self.errors {
            write!(
                f,
                "{} {}: {}",
                e.code,
                e.message,
                e.detail.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for QboError {}

/// The detail QBO gives for a missing or inactive object (recorded in batch).
pub const NOT_FOUND_DETAIL: &str = "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.";

impl QboError {
    fn one(status: u16, code: &str, message: &str, detail: Option<String>) -> Self {
        QboError {
            status,
            fault_type: "ValidationFault".into(),
            errors: vec![ErrorItem {
                message: message.into(),
                detail,
                code: code.into(),
                element: None,
            }],
            with_time: true,
        }
    }

    fn element(mut self, e: &str) -> Self {
        for item in &mut self.errors {
            item.element = Some(e.to_string());
        }
        self
    }

    /// The first error's code.
    pub fn code(&self) -> &str {
        self.errors.first().map(|e| e.code.as_str()).unwrap_or("")
    }

    /// `4001 Invalid query` (recorded: no `element`).
    pub fn invalid_query(detail: impl Into<String>) -> Self {
        Self::one(400, "4001", "Invalid query", Some(detail.into()))
    }

    /// `610 Object Not Found`.
    pub fn not_found() -> Self {
        Self::one(
            400,
            "610",
            "Object Not Found",
            Some(NOT_FOUND_DETAIL.into()),
        )
        .element("")
    }

    /// `2030 Invalid ID` (recorded without `time`).
    pub fn invalid_id(supplied: &str) -> Self {
        let mut e = Self::one(
            400,
            "2030",
            "Invalid ID",
            Some(format!(
                "Id should be a valid number. Supplied value:{supplied}"
            )),
        )
        .element("Id");
        e.with_time = false;
        e
    }

    /// `2010` for a property the entity type does not have. The detail names the
    /// property and lists the known ones, like the Jackson message QBO relays.
    pub fn unknown_property(class: &str, field: &str, known: &[&str]) -> Self {
        let list = known
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect::<Vec<_>>()
            .join(", ");
        Self::malformed(format!(
            "Unrecognized field \"{field}\" (class com.intuit.schema.finance.v3.{class}), not marked as ignorable ({} known properties: {list}])",
            known.len()
        ))
        .element("")
    }

    /// `2010` for a body that cannot be read (bad JSON, wrong value type).
    pub fn malformed(what: impl std::fmt::Display) -> Self {
        Self::one(
            400,
            "2010",
            "Request has invalid or unsupported property",
            Some(format!(
                "Property Name:{what} specified is unsupported or invalid"
            )),
        )
    }

    /// `2020 Required param missing`.
    pub fn required(param: &str) -> Self {
        Self::one(
            400,
            "2020",
            "Required param missing, need to supply the required value for the API",
            Some(format!(
                "Required parameter {param} is missing in the request"
            )),
        )
        .element(param)
    }

    /// `2050` string too long.
    pub fn too_long(field: &str, max: usize, len: usize) -> Self {
        Self::one(
            400,
            "2050",
            "String length is either shorter or longer than supported by specification",
            Some(format!(
                "String length specified does not match the supported length. Min:0 Max:{max} supplied length:{len}"
            )),
        )
        .element(field)
    }

    /// `2500 Invalid Reference Id` (a reference to an object that does not exist).
    pub fn invalid_ref(kind: Kind, field: &str, id: &str) -> Self {
        Self::one(
            400,
            "2500",
            "Invalid Reference Id",
            Some(format!(
                "Invalid Reference Id : {} {id} assigned to {field} does not exist",
                kind.name()
            )),
        )
        .element(field)
    }

    /// `5010 Stale Object Error` (recorded detail shape).
    pub fn stale() -> Self {
        Self::one(
            400,
            "5010",
            "Stale Object Error",
            Some("Stale Object Error : You and Emulator User were working on this at the same time. Emulator User finished before you did, so your work was not saved.".into()),
        )
        .element("")
    }

    /// `6000` business validation error.
    pub fn business(detail: impl std::fmt::Display) -> Self {
        Self::one(
            400,
            "6000",
            "A business validation error has occurred while processing your request",
            Some(format!("Business Validation Error: {detail}")),
        )
        .element("")
    }

    /// `6240 Duplicate Name Exists Error`.
    pub fn duplicate_name(kind: Kind) -> Self {
        let who = match kind {
            Kind::Customer | Kind::Vendor | Kind::Employee => "customer, vendor or employee",
            Kind::Item => "product or service",
            Kind::Account => "account",
            Kind::Term => "term",
            _ => "object",
        };
        Self::one(
            400,
            "6240",
            "Duplicate Name Exists Error",
            Some(format!(
                "The name supplied already exists. : Another {who} is already using this name. Please use a different name."
            )),
        )
        .element("")
    }

    /// `6140 Duplicate Document Number Error`.
    pub fn duplicate_doc_number(doc: &str) -> Self {
        Self::one(
            400,
            "6140",
            "Duplicate Document Number Error",
            Some(format!(
                "Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber={doc}"
            )),
        )
        .element("")
    }

    /// `6070` line amount differs from `UnitPrice × Qty`.
    pub fn amount_mismatch(amount: &str) -> Self {
        Self::one(
            400,
            "6070",
            "Amount calculation incorrect in the request",
            Some(format!(
                "Amount is not equal to UnitPrice * Qty. Supplied value:{amount}"
            )),
        )
        .element("Line.Amount")
    }

    /// `6520 Missing Inventory Item Quantity`.
    pub fn missing_inventory_qty() -> Self {
        Self::one(
            400,
            "6520",
            "Missing Inventory Item Quantity",
            Some("Business Validation Error: Please enter a quantity for every inventory item on this transaction.".into()),
        )
        .element("")
    }

    /// `500 Unsupported Operation` for a path or operation QBO does not serve
    /// (recorded for `GET /customer/1/5`).
    pub fn unsupported(path: &str) -> Self {
        Self::one(
            400,
            "500",
            "Unsupported Operation",
            Some(format!(
                "Operation Could not find resource for relative : {path} of full path: https://c50.sandbox.qbo.intuit.com/qbo50{path} is not supported."
            )),
        )
    }

    /// `500 Unsupported Operation` for an operation the entity does not support
    /// (deleting a customer, creating a tax code).
    pub fn unsupported_op(op: &str) -> Self {
        Self::one(
            400,
            "500",
            "Unsupported Operation",
            Some(format!("Operation {op} is not supported.")),
        )
        .element("")
    }

    /// `10000` system failure (HTTP 500).
    pub fn system(detail: &str) -> Self {
        let mut e = Self::one(
            500,
            "10000",
            "An application error has occurred while processing your request",
            Some(format!("System Failure Error: {detail}")),
        );
        e.fault_type = "SystemFault".into();
        e
    }

    /// A whole-batch request error (empty or too many items).
    pub fn batch_malformed(detail: &str) -> Self {
        Self::one(400, "400", "MalformedRequest", Some(detail.into())).element("")
    }

    /// `{"Fault": {...}}` without the envelope `time`.
    pub fn fault_value(&self) -> Value {
        let errors: Vec<Value> = self
            .errors
            .iter()
            .map(|e| {
                let mut m = serde_json::Map::new();
                m.insert("Message".into(), Value::String(e.message.clone()));
                if let Some(d) = &e.detail {
                    m.insert("Detail".into(), Value::String(d.clone()));
                }
                m.insert("code".into(), Value::String(e.code.clone()));
                if let Some(el) = &e.element {
                    m.insert("element".into(), Value::String(el.clone()));
                }
                Value::Object(m)
            })
            .collect();
        json!({"Error": errors, "type": self.fault_type})
    }

    /// The full response body, with `time` when this fault carries it.
    pub fn body(&self, time: &str) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("Fault".into(), self.fault_value());
        if self.with_time {
            m.insert("time".into(), Value::String(time.into()));
        }
        Value::Object(m)
    }
}

/// The gateway's lower-case fault body (401 authentication, 403 authorization),
/// with `time` as epoch milliseconds.
pub fn gateway_fault(
    message: &str,
    detail: Option<&str>,
    code: &str,
    typ: &str,
    time_ms: i64,
) -> Value {
    json!({
        "warnings": null,
        "intuitObject": null,
        "fault": {
            "error": [{
                "message": message,
                "detail": detail,
                "code": code,
                "element": null
            }],
            "type": typ
        },
        "report": null,
        "queryResponse": null,
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": null,
        "requestId": null,
        "time": time_ms,
        "status": null,
        "cdcresponse": []
    })
}

/// The XML throttle body served with 429 (`ruckus/too_many_requests_error.xml`).
pub fn throttle_xml(time: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<IntuitResponse time=\"{time}\" xmlns=\"http://schema.intuit.com/finance/v3\">\n  <Fault type=\"SERVICE\">\n    <Error code=\"3001\">\n      <Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>\n      <Detail>The request limit was reached.  Try again later</Detail>\n    </Error>\n  </Fault>\n</IntuitResponse>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_shapes_match_recordings() {
        let e =
            QboError::invalid_query("QueryValidationError: invalid context declaration: Custmoer");
        assert_eq!(
            serde_json::to_string(&e.body("2020-09-29T06:52:56.527-07:00")).unwrap(),
            r#"{"Fault":{"Error":[{"Message":"Invalid query","Detail":"QueryValidationError: invalid context declaration: Custmoer","code":"4001"}],"type":"ValidationFault"},"time":"2020-09-29T06:52:56.527-07:00"}"#
        );
        let e = QboError::invalid_id("1.5");
        assert_eq!(
            serde_json::to_string(&e.body("x")).unwrap(),
            r#"{"Fault":{"Error":[{"Message":"Invalid ID","Detail":"Id should be a valid number. Supplied value:1.5","code":"2030","element":"Id"}],"type":"ValidationFault"}}"#
        );
    }

    #[test]
    fn gateway_fault_has_lowercase_shape() {
        let v = gateway_fault(
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            Some("Token expired: x"),
            "3200",
            "AUTHENTICATION",
            1,
        );
        let s = serde_json::to_string(&v).unwrap();
        assert!(
            s.starts_with(r#"{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"#)
        );
        assert!(s.ends_with(r#""requestId":null,"time":1,"status":null,"cdcresponse":[]}"#));
    }
}
