//! Properties API: read definitions, and *ensure* custom properties and
//! property groups idempotently (create when missing, accept "already
//! exists", report a definition that differs instead of silently accepting).

use super::client::{HubSpotClient, LimitClass};
use super::error::HubSpotError;
use super::objects::unexpected;
use super::wire::{GroupCreate, OptionOut, PropertyCreate, PropertyList, WireProperty};
use crate::http::{CallBody, Idempotency};
use crate::model::HsPropertyDef;
use reqwest::Method;

/// What an `ensure_*` call found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnsureOutcome {
    /// It did not exist and was created.
    Created,
    /// It exists with a compatible definition.
    Exists,
    /// It exists but differs: each entry describes one difference. Nothing
    /// was changed.
    Mismatch(Vec<String>),
}

impl HubSpotClient {
    /// All property definitions of `object`.
    pub async fn properties(&self, object: &str) -> Result<Vec<HsPropertyDef>, HubSpotError> {
        let (path, label) = self.properties_path(object, "", "");
        let url = self.url(&path, &[])?;
        let call = self.call(
            Method::GET,
            url,
            &label,
            CallBody::None,
            Idempotency::Idempotent,
            LimitClass::Burst,
        );
        let list: PropertyList = self.json(call).await?;
        Ok(list
            .results
            .into_iter()
            .map(WireProperty::into_def)
            .collect())
    }

    /// One property definition; `None` when it does not exist.
    pub async fn property(
        &self,
        object: &str,
        name: &str,
    ) -> Result<Option<HsPropertyDef>, HubSpotError> {
        let (path, label) = self.properties_path(object, &format!("/{name}"), "/{propertyName}");
        let url = self.url(&path, &[])?;
        let call = self.call(
            Method::GET,
            url,
            &label,
            CallBody::None,
            Idempotency::Idempotent,
            LimitClass::Burst,
        );
        let resp = self.send(call).await?;
        if resp.status == 404 {
            return Ok(None);
        }
        if !resp.is_success() {
            return Err(self.error(&resp));
        }
        let p: WireProperty = crate::http::decode(&resp.endpoint, &resp.body)?;
        Ok(Some(p.into_def()))
    }

    /// Make sure property `want.name` exists on `object` as described (name,
    /// label, type, fieldType, groupName, hasUniqueValue, options). Reads it
    /// first; creates it when missing; a 409 from a concurrent create is
    /// fine. An existing property with a different type, field type,
    /// uniqueness or missing options is reported as a mismatch.
    pub async fn ensure_property(
        &self,
        object: &str,
        want: &HsPropertyDef,
    ) -> Result<EnsureOutcome, HubSpotError> {
        if let Some(have) = self.property(object, &want.name).await? {
            return Ok(compare(want, &have));
        }
        let body = PropertyCreate {
            name: &want.name,
            label: &want.label,
            type_: &want.type_,
            field_type: &want.field_type,
            group_name: &want.group_name,
            has_unique_value: want.has_unique_value,
            options: want
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| OptionOut {
                    label: o,
                    value: o,
                    display_order: i as i32,
                    hidden: false,
                })
                .collect(),
        };
        let (path, label) = self.properties_path(object, "", "");
        let url = self.url(&path, &[])?;
        let body = CallBody::json(&body).map_err(|e| unexpected(&label, e))?;
        // Creating twice yields 409, which we handle, so resending is safe.
        let call = self.call(
            Method::POST,
            url,
            &label,
            body,
            Idempotency::Idempotent,
            LimitClass::Burst,
        );
        let resp = self.send(call).await?;
        match resp.status {
            200 | 201 => Ok(EnsureOutcome::Created),
            409 => match self.property(object, &want.name).await? {
                Some(have) => Ok(compare(want, &have)),
                None => Err(self.error(&resp)),
            },
            _ => Err(self.error(&resp)),
        }
    }

    /// Make sure property group `name` exists on `object` (409 = exists).
    pub async fn ensure_group(
        &self,
        object: &str,
        name: &str,
        label_text: &str,
    ) -> Result<EnsureOutcome, HubSpotError> {
        let (path, label) = self.properties_path(object, "/groups", "/groups");
        let url = self.url(&path, &[])?;
        let body = GroupCreate {
            name,
            label: label_text,
            display_order: -1,
        };
        let body = CallBody::json(&body).map_err(|e| unexpected(&label, e))?;
        let call = self.call(
            Method::POST,
            url,
            &label,
            body,
            Idempotency::Idempotent,
            LimitClass::Burst,
        );
        let resp = self.send(call).await?;
        match resp.status {
            200 | 201 => Ok(EnsureOutcome::Created),
            409 => Ok(EnsureOutcome::Exists),
            _ => Err(self.error(&resp)),
        }
    }
}

/// Differences that matter for syncing (labels and groups are cosmetic).
fn compare(want: &HsPropertyDef, have: &HsPropertyDef) -> EnsureOutcome {
    let mut diffs = Vec::new();
    if want.type_ != have.type_ {
        diffs.push(format!(
            "type is `{}`, expected `{}`",
            have.type_, want.type_
        ));
    }
    if want.field_type != have.field_type {
        diffs.push(format!(
            "fieldType is `{}`, expected `{}`",
            have.field_type, want.field_type
        ));
    }
    if want.has_unique_value != have.has_unique_value {
        diffs.push(format!(
            "hasUniqueValue is {}, expected {}",
            have.has_unique_value, want.has_unique_value
        ));
    }
    let missing: Vec<&String> = want
        .options
        .iter()
        .filter(|o| !have.options.contains(o))
        .collect();
    if !missing.is_empty() {
        diffs.push(format!(
            "options lack {}",
            missing
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if have.read_only && !want.read_only {
        diffs.push("the existing property is read-only".into());
    }
    if diffs.is_empty() {
        EnsureOutcome::Exists
    } else {
        EnsureOutcome::Mismatch(diffs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(type_: &str, field: &str, unique: bool, options: &[&str]) -> HsPropertyDef {
        HsPropertyDef {
            name: "qbo_id".into(),
            label: "QBO id".into(),
            type_: type_.into(),
            field_type: field.into(),
            group_name: "qbo".into(),
            has_unique_value: unique,
            read_only: false,
            options: options.iter().map(|s| s.to_string()).collect(),
            hubspot_defined: false,
        }
    }

    #[test]
    fn compare_reports_differences() {
        let want = def("string", "text", true, &[]);
        assert_eq!(compare(&want, &want.clone()), EnsureOutcome::Exists);
        let have = HsPropertyDef {
            label: "other".into(),
            ..want.clone()
        };
        assert_eq!(compare(&want, &have), EnsureOutcome::Exists);
        match compare(&want, &def("number", "number", false, &[])) {
            EnsureOutcome::Mismatch(d) => assert_eq!(d.len(), 3, "{d:?}"),
            other => panic!("{other:?}"),
        }
        let want = def("enumeration", "select", false, &["a", "b"]);
        match compare(&want, &def("enumeration", "select", false, &["a", "c"])) {
            EnsureOutcome::Mismatch(d) => assert!(d[0].contains("`b`")),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            compare(
                &want,
                &def("enumeration", "select", false, &["a", "b", "c"])
            ),
            EnsureOutcome::Exists
        );
    }
}
