//! QBO response envelopes and their conversion into model types. Entities stay
//! JSON objects (numbers keep their exact digits); only the envelope fields
//! are lifted into [`QboRecord`].

use crate::model::{QboDeleted, QboRecord};
use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde_json::{Map, Value as J};

pub(crate) type Obj = Map<String, J>;

/// Convert one entity object. `path` names it in errors (`QueryResponse.Customer[3]`).
pub(crate) fn to_record(obj: Obj, path: &str) -> Result<QboRecord, String> {
    let id = str_field(&obj, "Id").ok_or_else(|| format!("{path}.Id: missing or not a string"))?;
    let sync_token = str_field(&obj, "SyncToken").unwrap_or_else(|| "0".into());
    let active = match obj.get("Active") {
        None | Some(J::Null) => true,
        Some(J::Bool(b)) => *b,
        Some(other) => return Err(format!("{path}.Active: expected a boolean, found {other}")),
    };
    let meta = obj.get("MetaData").and_then(J::as_object);
    let created = match meta.and_then(|m| m.get("CreateTime")).and_then(J::as_str) {
        Some(s) => Some(parse_time(s).map_err(|e| format!("{path}.MetaData.CreateTime: {e}"))?),
        None => None,
    };
    let updated = match meta
        .and_then(|m| m.get("LastUpdatedTime"))
        .and_then(J::as_str)
    {
        Some(s) => parse_time(s).map_err(|e| format!("{path}.MetaData.LastUpdatedTime: {e}"))?,
        None => return Err(format!("{path}.MetaData.LastUpdatedTime: missing")),
    };
    Ok(QboRecord {
        id,
        sync_token,
        active,
        created,
        updated,
        body: obj,
    })
}

/// Whether an entity object is a `status: "Deleted"` stub.
pub(crate) fn is_deleted_stub(obj: &Obj) -> bool {
    obj.get("status").and_then(J::as_str) == Some("Deleted")
}

/// Convert a deleted stub (`when` = `MetaData.LastUpdatedTime`, else `fallback`).
pub(crate) fn to_deleted(
    entity: &str,
    obj: &Obj,
    fallback: DateTime<FixedOffset>,
    path: &str,
) -> Result<QboDeleted, String> {
    let id = str_field(obj, "Id").ok_or_else(|| format!("{path}.Id: missing"))?;
    let when = obj
        .get("MetaData")
        .and_then(|m| m.get("LastUpdatedTime"))
        .and_then(J::as_str)
        .map(parse_time)
        .transpose()
        .map_err(|e| format!("{path}.MetaData.LastUpdatedTime: {e}"))?
        .unwrap_or(fallback);
    Ok(QboDeleted {
        entity: entity.to_string(),
        id,
        when,
    })
}

fn str_field(obj: &Obj, k: &str) -> Option<String> {
    match obj.get(k)? {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Parse a QBO timestamp (`2020-09-29T05:58:16-07:00`, with or without millis).
pub(crate) fn parse_time(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s).map_err(|e| format!("`{s}` is not an RFC 3339 time ({e})"))
}

/// Entity arrays inside a `QueryResponse` object (ignores `startPosition`,
/// `maxResults`, `totalCount`).
pub(crate) fn query_rows(qr: Obj) -> Vec<(String, Vec<J>)> {
    qr.into_iter()
        .filter_map(|(k, v)| match v {
            J::Array(a) => Some((k, a)),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct QueryEnvelope {
    #[serde(rename = "QueryResponse", default)]
    pub query_response: Obj,
    #[serde(default)]
    pub time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CdcEnvelope {
    #[serde(rename = "CDCResponse", default)]
    pub cdc_response: Vec<CdcBlock>,
    #[serde(default)]
    pub time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CdcBlock {
    #[serde(rename = "QueryResponse", default)]
    pub query_response: Vec<Obj>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct BatchEnvelope {
    #[serde(rename = "BatchItemResponse", default)]
    pub items: Vec<Obj>,
    #[serde(default)]
    pub time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct TokenErrorBody {
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// Company preferences hsqb needs (`GET /preferences`).
#[derive(Debug, Clone, PartialEq)]
pub struct QboPreferences {
    /// `SalesFormsPrefs.CustomTxnNumbers`: when true, QBO does not number
    /// invoices itself and hsqb must supply `DocNumber`.
    pub custom_txn_numbers: bool,
    /// `CurrencyPrefs.HomeCurrency.value` (e.g. `USD`).
    pub home_currency: Option<String>,
    /// `CurrencyPrefs.MultiCurrencyEnabled`.
    pub multicurrency_enabled: bool,
    /// The whole preferences object.
    pub body: Obj,
}

impl QboPreferences {
    pub(crate) fn from_obj(body: Obj) -> Self {
        let get = |a: &str, b: &str| body.get(a).and_then(|o| o.get(b)).cloned();
        QboPreferences {
            custom_txn_numbers: get("SalesFormsPrefs", "CustomTxnNumbers")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            home_currency: get("CurrencyPrefs", "HomeCurrency").and_then(|v| match v {
                J::Object(m) => m.get("value").and_then(J::as_str).map(str::to_string),
                J::String(s) => Some(s),
                _ => None,
            }),
            multicurrency_enabled: get("CurrencyPrefs", "MultiCurrencyEnabled")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            body,
        }
    }
}

/// Company information (`GET /companyinfo/{realmId}`).
#[derive(Debug, Clone, PartialEq)]
pub struct QboCompanyInfo {
    /// `CompanyName`.
    pub company_name: String,
    /// `LegalName`.
    pub legal_name: Option<String>,
    /// `Country` (`US`, `CA`, `GB`, … or ISO-3 on newer companies).
    pub country: Option<String>,
    /// The whole object.
    pub body: Obj,
}

impl QboCompanyInfo {
    pub(crate) fn from_obj(body: Obj) -> Self {
        let s = |k: &str| body.get(k).and_then(J::as_str).map(str::to_string);
        QboCompanyInfo {
            company_name: s("CompanyName").unwrap_or_default(),
            legal_name: s("LegalName"),
            country: s("Country"),
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_envelope_fields() {
        let obj: Obj = serde_json::from_str(
            r#"{"Id":"70","SyncToken":"3","Active":false,"Balance":639.00,"MetaData":{"CreateTime":"2020-09-29T05:58:16-07:00","LastUpdatedTime":"2020-09-29T06:00:00-07:00"}}"#,
        )
        .unwrap();
        let r = to_record(obj, "Customer").unwrap();
        assert_eq!(
            (r.id.as_str(), r.sync_token.as_str(), r.active),
            ("70", "3", false)
        );
        assert_eq!(r.body["Balance"].to_string(), "639.00");
        assert!(r.created.is_some());
        let bad: Obj =
            serde_json::from_str(r#"{"Id":"1","MetaData":{"LastUpdatedTime":"yesterday"}}"#)
                .unwrap();
        let e = to_record(bad, "QueryResponse.Customer[0]").unwrap_err();
        assert!(
            e.contains("QueryResponse.Customer[0].MetaData.LastUpdatedTime"),
            "{e}"
        );
    }

    #[test]
    fn preferences_and_company_info() {
        let p: Obj = serde_json::from_str(
            r#"{"SalesFormsPrefs":{"CustomTxnNumbers":true},"CurrencyPrefs":{"MultiCurrencyEnabled":false,"HomeCurrency":{"value":"USD"}}}"#,
        )
        .unwrap();
        let p = QboPreferences::from_obj(p);
        assert!(p.custom_txn_numbers && !p.multicurrency_enabled);
        assert_eq!(p.home_currency.as_deref(), Some("USD"));
        let c: Obj =
            serde_json::from_str(r#"{"CompanyName":"Sandbox Co","Country":"US"}"#).unwrap();
        let c = QboCompanyInfo::from_obj(c);
        assert_eq!(
            (c.company_name.as_str(), c.country.as_deref()),
            ("Sandbox Co", Some("US"))
        );
    }

    #[test]
    fn recorded_token_bodies() {
        let ok: [&[u8]; 4] = [
            include_bytes!("../../tests/data/qbo_recorded/tokenResponse.json"),
            include_bytes!("../../tests/data/qbo_recorded/refreshResponse.json"),
            include_bytes!("../../tests/data/qbo_recorded/bearer-token.json"),
            // Starts with a UTF-8 byte-order mark.
            include_bytes!("../../tests/data/qbo_recorded/success_refreshtoken_response.json"),
        ];
        for body in ok {
            let t: TokenResponse = crate::http::decode("t", body).unwrap();
            assert_eq!(t.expires_in, 3600);
            assert!(t.refresh_token.is_some() && !t.access_token.is_empty());
        }
        let recorded: J = serde_json::from_slice(include_bytes!(
            "../../tests/data/qbo_recorded/errorResponse.json"
        ))
        .unwrap();
        let body = recorded["body"].as_str().unwrap();
        let e: TokenErrorBody = crate::http::decode("t", body.as_bytes()).unwrap();
        assert_eq!(e.error.as_deref(), Some("invalid_grant"));
        assert_eq!(e.error_description.as_deref(), Some("Token invalid"));
        let e: TokenErrorBody = crate::http::decode(
            "t",
            include_bytes!("../../tests/data/qbo_recorded/failure_token_response.json"),
        )
        .unwrap();
        assert_eq!(e.error.as_deref(), Some("error"));
    }
}
