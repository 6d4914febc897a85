//! Property definitions (the portal's schema): the stored form, the wire form
//! served by the properties API, and validation of custom definitions.

use super::errors::HsError;
use super::values::{PropType, iso_millis};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// How the emulator computes a calculated (read-only) property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derived {
    /// The record id.
    ObjectId,
    /// The record's creation time.
    CreatedAt,
    /// The record's last modification time.
    UpdatedAt,
    /// Line item: `price × quantity`.
    LineItemAmount,
    /// Quote: sum of associated line items' amounts.
    QuoteAmount,
    /// Invoice: sum of associated line items' amounts.
    InvoiceBilled,
    /// Invoice: amount billed, or 0 once `paid`/`voided`.
    InvoiceBalance,
    /// Deal: dealstage is closedwon or closedlost.
    DealIsClosed,
    /// Deal: dealstage is closedwon.
    DealIsClosedWon,
}

/// One option of an enumeration property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropOption {
    /// Display label.
    pub label: String,
    /// Internal value (what is written and read).
    pub value: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Display order.
    #[serde(default)]
    pub display_order: i64,
    /// Hidden in forms.
    #[serde(default)]
    pub hidden: bool,
}

/// A property definition (stored form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyDef {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Data type.
    pub ptype: PropType,
    /// Field type.
    pub field_type: String,
    /// Group name.
    pub group_name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Options (enumerations).
    #[serde(default)]
    pub options: Vec<PropOption>,
    /// Display order.
    #[serde(default)]
    pub display_order: i64,
    /// Values must be unique across the object's records.
    #[serde(default)]
    pub has_unique_value: bool,
    /// Hidden in the UI.
    #[serde(default)]
    pub hidden: bool,
    /// Usable in forms.
    #[serde(default)]
    pub form_field: bool,
    /// Defined by HubSpot (not archivable or editable).
    #[serde(default)]
    pub hubspot_defined: bool,
    /// Values cannot be written through the API.
    #[serde(default)]
    pub read_only_value: bool,
    /// Computed by the emulator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived: Option<Derived>,
    /// An enumeration whose options are the portal's currencies.
    #[serde(default)]
    pub currency: bool,
    /// Creation time (epoch ms).
    pub created_at: i64,
    /// Update time (epoch ms).
    pub updated_at: i64,
    /// Archive time (epoch ms) when archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<i64>,
}

impl PropertyDef {
    /// A HubSpot-defined, writable property.
    pub fn builtin(
        name: &str,
        label: &str,
        ptype: PropType,
        field_type: &str,
        group: &str,
    ) -> Self {
        PropertyDef {
            name: name.into(),
            label: label.into(),
            ptype,
            field_type: field_type.into(),
            group_name: group.into(),
            description: String::new(),
            options: Vec::new(),
            display_order: -1,
            has_unique_value: false,
            hidden: false,
            form_field: true,
            hubspot_defined: true,
            read_only_value: false,
            derived: None,
            currency: false,
            created_at: 0,
            updated_at: 0,
            archived_at: None,
        }
    }

    /// Whether the property is multi-valued (`checkbox` enumeration).
    pub fn multi(&self) -> bool {
        self.ptype == PropType::Enumeration && self.field_type == "checkbox"
    }

    /// The wire form (`Property`), with the portal's currencies as options of
    /// currency enumerations.
    pub fn to_wire(&self, currencies: &[String]) -> Value {
        let options: Vec<Value> = if self.currency {
            currencies
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    json!({"label": c, "value": c, "description": "", "displayOrder": i, "hidden": false})
                })
                .collect()
        } else {
            self.options
                .iter()
                .map(|o| {
                    json!({"label": o.label, "value": o.value, "description": o.description,
                           "displayOrder": o.display_order, "hidden": o.hidden})
                })
                .collect()
        };
        let mut m = Map::new();
        m.insert("updatedAt".into(), iso_millis(self.updated_at).into());
        m.insert("createdAt".into(), iso_millis(self.created_at).into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("label".into(), self.label.clone().into());
        m.insert("type".into(), self.ptype.as_str().into());
        m.insert("fieldType".into(), self.field_type.clone().into());
        m.insert("description".into(), self.description.clone().into());
        m.insert("groupName".into(), self.group_name.clone().into());
        m.insert("options".into(), Value::Array(options));
        m.insert("displayOrder".into(), self.display_order.into());
        m.insert("calculated".into(), self.derived.is_some().into());
        m.insert("externalOptions".into(), false.into());
        m.insert("hasUniqueValue".into(), self.has_unique_value.into());
        m.insert("hidden".into(), self.hidden.into());
        m.insert("hubspotDefined".into(), self.hubspot_defined.into());
        m.insert(
            "modificationMetadata".into(),
            json!({"archivable": !self.hubspot_defined,
                   "readOnlyDefinition": self.hubspot_defined,
                   "readOnlyValue": self.read_only_value}),
        );
        m.insert("formField".into(), self.form_field.into());
        m.insert("dataSensitivity".into(), "non_sensitive".into());
        m.insert("archived".into(), self.archived_at.is_some().into());
        if let Some(a) = self.archived_at {
            m.insert("archivedAt".into(), iso_millis(a).into());
        }
        Value::Object(m)
    }
}

/// A property group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyGroup {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Display order.
    pub display_order: i64,
    /// Archived.
    #[serde(default)]
    pub archived: bool,
}

impl PropertyGroup {
    /// Wire form.
    pub fn to_wire(&self) -> Value {
        json!({"name": self.name, "label": self.label, "displayOrder": self.display_order,
               "archived": self.archived})
    }
}

fn str_field<'a>(body: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, HsError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(HsError::validation(format!("'{key}' must be a string"))),
    }
}

fn bool_field(body: &Map<String, Value>, key: &str) -> Result<Option<bool>, HsError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(HsError::validation(format!("'{key}' must be a boolean"))),
    }
}

fn int_field(body: &Map<String, Value>, key: &str) -> Result<Option<i64>, HsError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| HsError::validation(format!("'{key}' must be an integer"))),
        Some(_) => Err(HsError::validation(format!("'{key}' must be an integer"))),
    }
}

fn parse_options(v: Option<&Value>) -> Result<Option<Vec<PropOption>>, HsError> {
    let Some(v) = v else { return Ok(None) };
    if v.is_null() {
        return Ok(None);
    }
    let arr = v
        .as_array()
        .ok_or_else(|| HsError::validation("'options' must be an array"))?;
    let mut out: Vec<PropOption> = Vec::with_capacity(arr.len());
    for (i, o) in arr.iter().enumerate() {
        let o = o
            .as_object()
            .ok_or_else(|| HsError::validation("each option must be an object"))?;
        let label = str_field(o, "label")?
            .ok_or_else(|| HsError::validation(format!("options[{i}].label is required")))?;
        let value = str_field(o, "value")?
            .ok_or_else(|| HsError::validation(format!("options[{i}].value is required")))?;
        if out.iter().any(|p| p.value == value) {
            return Err(HsError::validation(format!(
                "Duplicate option value: {value}"
            )));
        }
        out.push(PropOption {
            label: label.into(),
            value: value.into(),
            description: str_field(o, "description")?.unwrap_or_default().into(),
            display_order: int_field(o, "displayOrder")?.unwrap_or(i as i64),
            hidden: bool_field(o, "hidden")?.unwrap_or(false),
        });
    }
    Ok(Some(out))
}

fn check_type_pair(ptype: PropType, field_type: &str) -> Result<(), HsError> {
    if ptype.field_types().contains(&field_type) {
        Ok(())
    } else {
        Err(HsError::validation(format!(
            "Invalid fieldType '{field_type}' for property type '{}'; allowed: {}",
            ptype.as_str(),
            ptype.field_types().join(", ")
        )))
    }
}

/// Validate a `PropertyCreate` body into a custom definition (group existence
/// and name uniqueness are checked by the caller).
pub fn parse_create(body: &Map<String, Value>, now: i64) -> Result<PropertyDef, HsError> {
    let req = |k: &str| -> Result<&str, HsError> {
        str_field(body, k)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| HsError::validation(format!("'{k}' is required")))
    };
    let name = req("name")?;
    let label = req("label")?;
    let type_s = req("type")?;
    let field_type = req("fieldType")?;
    let group = req("groupName")?;
    let valid_name = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 100;
    if !valid_name {
        return Err(HsError::validation(format!(
            "Property name '{name}' is invalid: use lowercase letters, digits and underscores, starting with a letter"
        )));
    }
    if name.starts_with("hs_") {
        return Err(HsError::validation(format!(
            "Property name '{name}' is invalid: the 'hs_' prefix is reserved for HubSpot-defined properties"
        )));
    }
    let ptype = PropType::parse(type_s)
        .ok_or_else(|| HsError::validation(format!("Invalid property type '{type_s}'")))?;
    check_type_pair(ptype, field_type)?;
    let options = parse_options(body.get("options"))?.unwrap_or_default();
    if ptype == PropType::Enumeration && options.is_empty() {
        return Err(HsError::validation(
            "Enumeration properties require at least one option in 'options'",
        ));
    }
    if ptype != PropType::Enumeration && !options.is_empty() {
        return Err(HsError::validation(format!(
            "Options are only allowed on enumeration properties, not '{}'",
            ptype.as_str()
        )));
    }
    let unique = bool_field(body, "hasUniqueValue")?.unwrap_or(false);
    if unique && !matches!(ptype, PropType::String | PropType::Number) {
        return Err(HsError::validation(
            "hasUniqueValue is only supported on string and number properties",
        ));
    }
    Ok(PropertyDef {
        name: name.into(),
        label: label.into(),
        ptype,
        field_type: field_type.into(),
        group_name: group.into(),
        description: str_field(body, "description")?.unwrap_or_default().into(),
        options,
        display_order: int_field(body, "displayOrder")?.unwrap_or(-1),
        has_unique_value: unique,
        hidden: bool_field(body, "hidden")?.unwrap_or(false),
        form_field: bool_field(body, "formField")?.unwrap_or(false),
        hubspot_defined: false,
        read_only_value: false,
        derived: None,
        currency: false,
        created_at: now,
        updated_at: now,
        archived_at: None,
    })
}

/// Apply a `PropertyUpdate` body to a custom definition.
pub fn apply_update(
    def: &mut PropertyDef,
    body: &Map<String, Value>,
    now: i64,
) -> Result<(), HsError> {
    if def.hubspot_defined {
        return Err(HsError::validation(format!(
            "The property '{}' is HubSpot-defined and its definition is read-only",
            def.name
        )));
    }
    if let Some(u) = bool_field(body, "hasUniqueValue")?
        && u != def.has_unique_value
    {
        return Err(HsError::validation(
            "hasUniqueValue can't be changed once the property exists",
        ));
    }
    let mut next = def.clone();
    if let Some(l) = str_field(body, "label")? {
        next.label = l.into();
    }
    if let Some(d) = str_field(body, "description")? {
        next.description = d.into();
    }
    if let Some(g) = str_field(body, "groupName")? {
        next.group_name = g.into();
    }
    if let Some(t) = str_field(body, "type")? {
        next.ptype = PropType::parse(t)
            .ok_or_else(|| HsError::validation(format!("Invalid property type '{t}'")))?;
    }
    if let Some(f) = str_field(body, "fieldType")? {
        next.field_type = f.into();
    }
    check_type_pair(next.ptype, &next.field_type)?;
    if let Some(opts) = parse_options(body.get("options"))? {
        next.options = opts;
    }
    if next.ptype == PropType::Enumeration && next.options.is_empty() {
        return Err(HsError::validation(
            "Enumeration properties require at least one option in 'options'",
        ));
    }
    if let Some(o) = int_field(body, "displayOrder")? {
        next.display_order = o;
    }
    if let Some(h) = bool_field(body, "hidden")? {
        next.hidden = h;
    }
    if let Some(f) = bool_field(body, "formField")? {
        next.form_field = f;
    }
    next.updated_at = now;
    *def = next;
    Ok(())
}
