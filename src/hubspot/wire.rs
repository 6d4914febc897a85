//! Private wire types of the HubSpot API and their conversion into model
//! types. Nothing outside `hubspot/` sees these.

use super::error::HsItemError;
use crate::model::{HsPropertyDef, HsRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value as J;
use std::collections::BTreeMap;

/// An id that may arrive as a JSON string or number (v4 associations).
pub(crate) fn de_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(serde_json::Number),
    }
    Ok(match Id::deserialize(d)? {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireObject {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
    #[serde(default)]
    pub properties: BTreeMap<String, Option<String>>,
    #[serde(rename = "createdAt")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "updatedAt")]
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub archived: bool,
    #[serde(rename = "objectWriteTraceId", default)]
    pub trace_id: Option<String>,
    #[serde(default)]
    pub new: Option<bool>,
}

impl WireObject {
    pub fn into_record(self) -> HsRecord {
        HsRecord {
            id: self.id,
            properties: self
                .properties
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            archived: self.archived,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NextPage {
    pub after: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub next: Option<NextPage>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListPage {
    #[serde(default)]
    pub results: Vec<WireObject>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

impl ListPage {
    pub fn next_after(&self) -> Option<String> {
        self.paging
            .as_ref()
            .and_then(|p| p.next.as_ref())
            .map(|n| n.after.clone())
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SearchPage {
    #[serde(default)]
    #[allow(dead_code)]
    pub total: Option<u64>,
    #[serde(default)]
    pub results: Vec<WireObject>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireStandardError {
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub context: Option<J>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(rename = "objectWriteTraceId", default)]
    pub trace_id: Option<String>,
}

impl WireStandardError {
    pub fn into_item(self, correlation_id: Option<String>) -> HsItemError {
        let mut context: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(J::Object(m)) = self.context {
            for (k, v) in m {
                let vals = match v {
                    J::Array(a) => a.into_iter().map(json_scalar_string).collect(),
                    other => vec![json_scalar_string(other)],
                };
                context.insert(k, vals);
            }
        }
        if let Some(id) = self.id {
            context.entry("id".into()).or_default().push(id);
        }
        if let Some(t) = self.trace_id {
            context
                .entry("objectWriteTraceId".into())
                .or_default()
                .push(t);
        }
        HsItemError {
            status: None,
            category: self.category.unwrap_or_else(|| "ERROR".into()),
            message: crate::secret::scrub(&self.message.unwrap_or_default()),
            context,
            correlation_id,
        }
    }
}

fn json_scalar_string(v: J) -> String {
    match v {
        J::String(s) => s,
        other => other.to_string(),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct BatchResponse {
    #[serde(default)]
    pub results: Vec<WireObject>,
    #[serde(default)]
    pub errors: Vec<WireStandardError>,
}

#[derive(Debug, Serialize)]
pub(crate) struct AssocSpec {
    #[serde(rename = "associationCategory")]
    pub category: String,
    #[serde(rename = "associationTypeId")]
    pub type_id: u32,
}

#[derive(Debug, Serialize)]
pub(crate) struct IdRef {
    pub id: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct CreateAssoc {
    pub to: IdRef,
    pub types: Vec<AssocSpec>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CreateInput<'a> {
    pub properties: &'a BTreeMap<String, String>,
    pub associations: Vec<CreateAssoc>,
    #[serde(rename = "objectWriteTraceId")]
    pub trace_id: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct UpdateInput<'a> {
    pub id: &'a str,
    pub properties: &'a BTreeMap<String, String>,
    #[serde(rename = "objectWriteTraceId")]
    pub trace_id: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct UpsertInput<'a> {
    pub id: &'a str,
    #[serde(rename = "idProperty")]
    pub id_property: &'a str,
    pub properties: &'a BTreeMap<String, String>,
    #[serde(rename = "objectWriteTraceId")]
    pub trace_id: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Inputs<T> {
    pub inputs: Vec<T>,
}

#[derive(Debug, Serialize)]
pub(crate) struct BatchReadBody<'a> {
    pub inputs: Vec<IdRef>,
    pub properties: &'a [String],
    #[serde(rename = "idProperty", skip_serializing_if = "Option::is_none")]
    pub id_property: Option<&'a str>,
}

// ---- properties ----

#[derive(Debug, Deserialize)]
pub(crate) struct WireOption {
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WireModMeta {
    #[serde(rename = "readOnlyValue", default)]
    pub read_only_value: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WireProperty {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(rename = "fieldType", default)]
    pub field_type: String,
    #[serde(rename = "groupName", default)]
    pub group_name: String,
    #[serde(rename = "hasUniqueValue", default)]
    pub has_unique_value: bool,
    #[serde(default)]
    pub calculated: bool,
    #[serde(rename = "hubspotDefined", default)]
    pub hubspot_defined: Option<bool>,
    #[serde(rename = "modificationMetadata", default)]
    pub modification_metadata: Option<WireModMeta>,
    #[serde(default)]
    pub options: Vec<WireOption>,
}

impl WireProperty {
    pub fn into_def(self) -> HsPropertyDef {
        HsPropertyDef {
            read_only: self.calculated
                || self
                    .modification_metadata
                    .as_ref()
                    .is_some_and(|m| m.read_only_value),
            name: self.name,
            label: self.label,
            type_: self.type_,
            field_type: self.field_type,
            group_name: self.group_name,
            has_unique_value: self.has_unique_value,
            options: self.options.into_iter().map(|o| o.value).collect(),
            hubspot_defined: self.hubspot_defined.unwrap_or(false),
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct PropertyList {
    #[serde(default)]
    pub results: Vec<WireProperty>,
}

#[derive(Debug, Serialize)]
pub(crate) struct OptionOut<'a> {
    pub label: &'a str,
    pub value: &'a str,
    #[serde(rename = "displayOrder")]
    pub display_order: i32,
    pub hidden: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct PropertyCreate<'a> {
    pub name: &'a str,
    pub label: &'a str,
    #[serde(rename = "type")]
    pub type_: &'a str,
    #[serde(rename = "fieldType")]
    pub field_type: &'a str,
    #[serde(rename = "groupName")]
    pub group_name: &'a str,
    #[serde(rename = "hasUniqueValue")]
    pub has_unique_value: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionOut<'a>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct GroupCreate<'a> {
    pub name: &'a str,
    pub label: &'a str,
    #[serde(rename = "displayOrder")]
    pub display_order: i32,
}

// ---- associations v4 ----

#[derive(Debug, Serialize)]
pub(crate) struct AssocReadInput {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssocFrom {
    #[serde(deserialize_with = "de_id")]
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssocType {
    #[serde(rename = "typeId")]
    pub type_id: u32,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssocTo {
    #[serde(rename = "toObjectId", deserialize_with = "de_id")]
    pub to_object_id: String,
    #[serde(rename = "associationTypes", default)]
    pub association_types: Vec<AssocType>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssocReadResult {
    pub from: AssocFrom,
    #[serde(default)]
    pub to: Vec<AssocTo>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssocReadResponse {
    #[serde(default)]
    pub results: Vec<AssocReadResult>,
}

#[derive(Debug, Serialize)]
pub(crate) struct AssocCreateInput {
    pub from: IdRef,
    pub to: IdRef,
    pub types: Vec<AssocSpec>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssocCreated {
    #[serde(rename = "fromObjectId", deserialize_with = "de_id")]
    pub from_object_id: String,
    #[serde(rename = "toObjectId", deserialize_with = "de_id")]
    pub to_object_id: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AssocCreateResponse {
    #[serde(default)]
    pub results: Vec<AssocCreated>,
    #[serde(default)]
    pub errors: Vec<WireStandardError>,
}

// ---- account, oauth ----

#[derive(Debug, Deserialize)]
pub(crate) struct AccountDetails {
    #[serde(rename = "companyCurrency")]
    pub company_currency: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_decode_with_null_properties() {
        let body = br#"{"results":[{"id":"512","properties":{"email":"a@b.co","phone":null,"amount":"12.50"},"createdAt":"2019-10-30T03:30:17.883Z","updatedAt":"2019-12-07T16:50:06.678Z","archived":false}],"paging":{"next":{"after":"NTI1Cg%3D%3D","link":"?after=NTI1Cg%3D%3D"}}}"#;
        let page: ListPage = crate::http::decode("GET /x", body).unwrap();
        assert_eq!(page.next_after().as_deref(), Some("NTI1Cg%3D%3D"));
        let rec = page.results.into_iter().next().unwrap().into_record();
        assert_eq!(rec.id, "512");
        assert_eq!(rec.prop("amount"), Some("12.50"));
        assert!(!rec.properties.contains_key("phone"));
        assert_eq!(rec.updated_at.timestamp_millis(), 1575737406678);
    }

    #[test]
    fn association_ids_as_numbers_or_strings() {
        let body = br#"{"status":"COMPLETE","results":[{"from":{"id":"1001"},"to":[{"toObjectId":2002,"associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":177,"label":null}]},{"toObjectId":"2003","associationTypes":[{"category":"HUBSPOT_DEFINED","typeId":177}]}]}]}"#;
        let r: AssocReadResponse = crate::http::decode("x", body).unwrap();
        assert_eq!(r.results[0].to[0].to_object_id, "2002");
        assert_eq!(r.results[0].to[1].to_object_id, "2003");
    }

    #[test]
    fn property_read_only_flags() {
        let body = br#"{"results":[{"name":"hs_object_id","label":"Record ID","type":"number","fieldType":"number","groupName":"contactinformation","hubspotDefined":true,"modificationMetadata":{"archivable":false,"readOnlyDefinition":true,"readOnlyValue":true}},{"name":"qbo_id","label":"QBO id","type":"string","fieldType":"text","groupName":"qbo","hasUniqueValue":true,"modificationMetadata":{"readOnlyValue":false}},{"name":"calc","label":"c","type":"number","fieldType":"calculation_equation","groupName":"g","calculated":true,"options":[]}]}"#;
        let l: PropertyList = crate::http::decode("x", body).unwrap();
        let defs: Vec<_> = l.results.into_iter().map(WireProperty::into_def).collect();
        assert!(defs[0].read_only && defs[0].hubspot_defined);
        assert!(!defs[1].read_only && defs[1].has_unique_value);
        assert!(defs[2].read_only);
    }
}
