//! Field mappings as the planner uses them: the manifest's defaults + changes,
//! resolved against live HubSpot property definitions and the QBO catalog, and
//! the value pipeline (read → transform → convert) in either direction.

use super::input::HubSpotSnapshot;
use super::model::{Block, Diagnostic, Severity};
use super::template;
use crate::manifest::{Direction, EffectiveMapping, PropertySpec, Transform};
use crate::model::catalog::{self, Access, FieldSpec};
use crate::model::{FieldPath, HsRecord, QboRecord, Value, ValueType};

/// The way a value flows through a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// HubSpot → QuickBooks.
    ToQbo,
    /// QuickBooks → HubSpot.
    ToHubspot,
}

/// One resolved mapping.
#[derive(Debug, Clone)]
pub struct FieldMap {
    /// HubSpot property.
    pub hubspot: String,
    /// QBO field path.
    pub qbo: FieldPath,
    /// Effective direction (block direction narrowed by per-field direction and
    /// writability).
    pub direction: Direction,
    /// Transforms in HubSpot → QBO order.
    pub transforms: Vec<Transform>,
    /// HubSpot value type.
    pub hs_type: ValueType,
    /// QBO value type.
    pub qbo_type: ValueType,
    /// QBO field facts (length limit, access).
    pub qbo_spec: Option<FieldSpec>,
    /// QBO field may only be written on create.
    pub qbo_create_only: bool,
}

impl FieldMap {
    /// Whether values flow into QBO.
    pub fn writes_qbo(&self) -> bool {
        self.direction.writes_quickbooks()
    }

    /// Whether values flow into HubSpot.
    pub fn writes_hubspot(&self) -> bool {
        self.direction.writes_hubspot()
    }

    /// The HubSpot side's current value.
    pub fn hs_value(&self, rec: &HsRecord) -> Result<Value, String> {
        match rec.prop(&self.hubspot) {
            None => Ok(Value::Null),
            Some(raw) => Value::from_hubspot(raw, self.hs_type),
        }
    }

    /// The QBO side's current value.
    pub fn qbo_value(&self, rec: &QboRecord) -> Result<Value, String> {
        match self.qbo.get(&rec.body) {
            None => Ok(Value::Null),
            Some(raw) => Value::from_qbo(raw, self.qbo_type),
        }
    }

    /// The value QBO should hold given HubSpot's value.
    pub fn to_qbo(&self, hs: &Value, rec: Option<&HsRecord>) -> Result<Value, String> {
        if self.transforms.is_empty() {
            return hs.convert(self.qbo_type);
        }
        let lookup = |name: &str| rec.and_then(|r| r.prop(name).map(str::to_string));
        let v = apply_transforms(hs.clone(), &self.transforms, Flow::ToQbo, &lookup);
        v.convert(self.qbo_type)
    }

    /// The value HubSpot should hold given QBO's value.
    pub fn to_hubspot(&self, qbo: &Value, rec: Option<&QboRecord>) -> Result<Value, String> {
        if self.transforms.is_empty() {
            return qbo.convert(self.hs_type);
        }
        let lookup = |path: &str| {
            rec.and_then(|r| r.get(path)).map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let v = apply_transforms(qbo.clone(), &self.transforms, Flow::ToHubspot, &lookup);
        v.convert(self.hs_type)
    }
}

/// Apply transforms to a value flowing in `flow`. In the QBO → HubSpot flow the
/// transforms run in reverse order and value maps are inverted, so a two-way
/// mapping round-trips.
pub fn apply_transforms(
    mut v: Value,
    transforms: &[Transform],
    flow: Flow,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Value {
    let ordered: Vec<&Transform> = match flow {
        Flow::ToQbo => transforms.iter().collect(),
        Flow::ToHubspot => transforms.iter().rev().collect(),
    };
    for t in ordered {
        v = match (t, v) {
            (Transform::Trim, Value::Text(s)) => Value::Text(s.trim().to_string()),
            (Transform::Trim, Value::Enum(s)) => Value::Enum(s.trim().to_string()),
            (Transform::Lower, Value::Text(s)) => Value::Text(s.to_lowercase()),
            (Transform::Lower, Value::Enum(s)) => Value::Enum(s.to_lowercase()),
            (Transform::Upper, Value::Text(s)) => Value::Text(s.to_uppercase()),
            (Transform::Upper, Value::Enum(s)) => Value::Enum(s.to_uppercase()),
            (Transform::Map(table), v @ (Value::Text(_) | Value::Enum(_) | Value::Bool(_))) => {
                let key = v.display_plain();
                let hit = match flow {
                    Flow::ToQbo => table.get(&key).cloned(),
                    Flow::ToHubspot => table
                        .iter()
                        .find(|(_, to)| **to == key)
                        .map(|(from, _)| from.clone()),
                };
                match hit {
                    Some(s) => Value::Text(s),
                    None => v,
                }
            }
            (Transform::Template(t), _) => {
                let r = template::render(t.as_str(), lookup);
                if r.text.trim().is_empty() {
                    Value::Null
                } else {
                    Value::Text(r.text)
                }
            }
            (Transform::Default(d), v) if v.is_empty() => Value::Text(d.text.clone()),
            (_, v) => v,
        };
    }
    v
}

struct Raw {
    hubspot: String,
    qbo: String,
    direction: Direction,
    transforms: Vec<Transform>,
    declared_type: Option<ValueType>,
}

/// What the block maps between.
#[derive(Debug, Clone, Copy)]
pub struct MappingContext<'a> {
    /// Block.
    pub block: Block,
    /// HubSpot object path name.
    pub hs_object: &'a str,
    /// QBO entity name.
    pub qbo_entity: &'a str,
    /// The block's direction.
    pub direction: Direction,
}

/// Resolve a block's effective mappings (defaults merged with `remove` and
/// `fields` by the manifest): typed from live definitions, `properties:`
/// declarations, the built-in catalog or the mapping's `type:`. Problems become
/// diagnostics and drop or narrow the mapping.
pub fn resolve(
    ctx: MappingContext<'_>,
    effective: Vec<EffectiveMapping>,
    declared: &[PropertySpec],
    hubspot: &HubSpotSnapshot,
    diags: &mut Vec<Diagnostic>,
) -> Vec<FieldMap> {
    let raws = effective.into_iter().map(|e| Raw {
        hubspot: e.hubspot,
        qbo: e.quickbooks,
        direction: e.direction,
        transforms: e.transforms,
        declared_type: e.value_type,
    });
    let mut out = Vec::new();
    for r in raws {
        let Some(qbo_spec) = catalog::qbo_field(ctx.qbo_entity, &r.qbo) else {
            diags.push(mapping_diag(
                ctx.block,
                Severity::Error,
                "unknown_qbo_field",
                format!(
                    "QuickBooks {} has no field `{}`; the mapping from `{}` is ignored.",
                    ctx.qbo_entity, r.qbo, r.hubspot
                ),
                "Fix the field path in the manifest (see docs/manifest.md for the known paths).",
            ));
            continue;
        };
        let live = hubspot.property(ctx.hs_object, &r.hubspot);
        let declared_spec = declared
            .iter()
            .find(|p| p.object_path() == ctx.hs_object && p.name.as_str() == r.hubspot);
        let builtin = catalog::hubspot_property(ctx.hs_object, &r.hubspot);
        if live.is_none() && declared_spec.is_none() && hubspot.knows_properties(ctx.hs_object) {
            diags.push(mapping_diag(
                ctx.block,
                Severity::Error,
                "unknown_hubspot_property",
                format!("HubSpot {} have no property `{}`; the mapping to `{}` is ignored.", ctx.hs_object, r.hubspot, r.qbo),
                "Create the property in HubSpot, or declare it under `properties:` so hsqb creates it.",
            ));
            continue;
        }
        let hs_type = live
            .map(|d| catalog::hubspot_type(&d.type_, &d.field_type))
            .or(declared_spec.map(|p| p.value_type))
            .or(builtin.map(|b| b.ty))
            .or(r.declared_type)
            .unwrap_or(ValueType::Text);
        let hs_read_only = live
            .map(|d| d.read_only)
            .or(builtin.map(|b| b.access == Access::ReadOnly))
            .unwrap_or(false);

        let mut direction = r.direction;
        if hs_read_only && direction.writes_hubspot() {
            if direction == Direction::TwoWay {
                direction = Direction::HubspotToQuickbooks;
            } else {
                diags.push(mapping_diag(
                    ctx.block,
                    Severity::Warning,
                    "read_only_target",
                    format!(
                        "HubSpot property `{}` is read-only; the mapping from `{}` is ignored.",
                        r.hubspot, r.qbo
                    ),
                    "Map the value to a writable (custom) property instead.",
                ));
                continue;
            }
        }
        if qbo_spec.access == Access::ReadOnly && direction.writes_quickbooks() {
            if direction == Direction::TwoWay {
                direction = Direction::QuickbooksToHubspot;
            } else {
                diags.push(mapping_diag(
                    ctx.block,
                    Severity::Warning,
                    "read_only_target",
                    format!(
                        "QuickBooks field `{}` is read-only; the mapping from `{}` is ignored.",
                        r.qbo, r.hubspot
                    ),
                    "Map the value in the other direction, or to a writable field.",
                ));
                continue;
            }
        }
        out.push(FieldMap {
            hubspot: r.hubspot,
            qbo: FieldPath(r.qbo),
            direction,
            transforms: r.transforms,
            hs_type,
            qbo_type: qbo_spec.ty,
            qbo_create_only: qbo_spec.access == Access::CreateOnly,
            qbo_spec: Some(qbo_spec),
        });
    }
    out
}

fn mapping_diag(
    block: Block,
    severity: Severity,
    code: &str,
    message: String,
    hint: &str,
) -> Diagnostic {
    Diagnostic {
        severity,
        code: code.into(),
        block,
        record: None,
        label: None,
        message,
        hint: Some(hint.into()),
        blocking: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Scalar;
    use indexmap::IndexMap;

    #[test]
    fn transforms_round_trip_in_both_flows() {
        let mut table = IndexMap::new();
        table.insert("CA".to_string(), "California".to_string());
        let ts = vec![Transform::Trim, Transform::Map(table)];
        let none = |_: &str| None;
        let to_qbo = apply_transforms(Value::Text(" CA ".into()), &ts, Flow::ToQbo, &none);
        assert_eq!(to_qbo, Value::Text("California".into()));
        let back = apply_transforms(to_qbo, &ts, Flow::ToHubspot, &none);
        assert_eq!(back, Value::Text("CA".into()));
    }

    #[test]
    fn default_and_template() {
        let look = |k: &str| (k == "firstname").then(|| "Ann".to_string());
        let d = vec![Transform::Default(Scalar {
            text: "n/a".into(),
            loc: None,
        })];
        assert_eq!(
            apply_transforms(Value::Null, &d, Flow::ToQbo, &look),
            Value::Text("n/a".into())
        );
        assert_eq!(
            apply_transforms(Value::Text("x".into()), &d, Flow::ToQbo, &look),
            Value::Text("x".into())
        );
        let t = vec![Transform::Template("Dear {{firstname}}".into())];
        assert_eq!(
            apply_transforms(Value::Null, &t, Flow::ToQbo, &look),
            Value::Text("Dear Ann".into())
        );
        assert_eq!(
            apply_transforms(
                Value::Text(" MiXed ".into()),
                &[Transform::Trim, Transform::Lower],
                Flow::ToQbo,
                &look
            ),
            Value::Text("mixed".into())
        );
    }
}
