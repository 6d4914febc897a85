//! Field mappings: QuickBooks field paths, HubSpot property types, read-only
//! targets, per-field directions, transforms and two mappings writing one
//! field.

use super::templates::Vars;
use super::{Ctx, is_property_name};
use crate::manifest::currency::is_currency_field;
use crate::manifest::effective::{BlockKind, EffectiveMapping, MappingOrigin};
use crate::manifest::scalar::Scalar;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::types::{Direction, Mapping, Mappings, Transform};
use crate::model::ValueType;
use crate::model::catalog::{self, Access};
use std::collections::HashMap;

/// The block whose mappings are checked.
pub(crate) struct BlockMappings<'a> {
    pub kind: BlockKind,
    /// The direction data may flow in this block.
    pub direction: Direction,
    pub mappings: &'a Mappings,
    pub link_property: &'a str,
}

impl Ctx<'_, '_, '_> {
    pub(crate) fn mappings(&mut self, b: &BlockMappings<'_>) {
        let mp = format!("{}.mappings", b.kind.path());
        let defaults = b.kind.default_mappings();
        if !b.mappings.defaults_enabled() && !b.mappings.remove.is_empty() {
            self.warn(
                self.at_key(&format!("{mp}.remove")),
                format!("`{mp}.remove` has no effect with `defaults: false`"),
                "remove it",
            );
        }
        for r in &b.mappings.remove {
            if !self.resolved(r) || defaults.iter().any(|d| d.hubspot == r.value) {
                continue;
            }
            let names: Vec<&str> = defaults.iter().map(|d| d.hubspot).collect();
            let hint = match did_you_mean(&r.value, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the default mappings are: {}", super::quoted(&names)),
            };
            self.error(
                self.at_str(r),
                format!(
                    "`{}` is not a default mapping of {}",
                    r.value,
                    b.kind.path()
                ),
                hint,
            );
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, f) in b.mappings.fields.iter().enumerate() {
            let fp = format!("{mp}.fields[{i}]");
            self.mapping(&fp, f, b);
            if let Some(first) = seen.insert(f.hubspot.value.as_str(), i) {
                self.error(
                    self.at_str(&f.hubspot),
                    format!(
                        "HubSpot property `{}` is mapped twice (also in `{mp}.fields[{first}]`)",
                        f.hubspot.value
                    ),
                    "keep one mapping per HubSpot property",
                );
            }
        }
        self.duplicate_targets(b, &mp);
    }

    /// Two effective mappings writing the same QuickBooks field (HubSpot
    /// properties are unique per mapping, checked above).
    fn duplicate_targets(&mut self, b: &BlockMappings<'_>, mp: &str) {
        let eff = b.mappings.effective(b.kind.default_mappings(), b.direction);
        let mut writers: HashMap<&str, &EffectiveMapping> = HashMap::new();
        for e in &eff {
            if !e.direction.writes_quickbooks() {
                continue;
            }
            let Some(prev) = writers.insert(e.quickbooks.as_str(), e) else {
                continue;
            };
            let (custom, other) = match (prev.origin, e.origin) {
                (_, MappingOrigin::Custom(_)) => (e, prev),
                (MappingOrigin::Custom(_), _) => (prev, e),
                _ => (e, prev),
            };
            let label = |m: &EffectiveMapping| match m.origin {
                MappingOrigin::Default => format!("`{}` (a default mapping)", m.hubspot),
                MappingOrigin::Custom(i) => format!("`{}` (`{mp}.fields[{i}]`)", m.hubspot),
            };
            let hint = match other.origin {
                MappingOrigin::Default => format!(
                    "drop the default with `mappings.remove: [{}]`, or make one of them flow `quickbooks_to_hubspot` only",
                    other.hubspot
                ),
                MappingOrigin::Custom(_) => {
                    "remove one of them, or make one flow `quickbooks_to_hubspot` only".to_string()
                }
            };
            let span = custom
                .loc
                .map(|l| crate::manifest::diagnostic::Span::new(l, 0));
            self.error(
                span,
                format!(
                    "two mappings write QuickBooks `{}`: {} and {}",
                    e.quickbooks,
                    label(other),
                    label(custom)
                ),
                hint,
            );
        }
    }

    fn mapping(&mut self, fp: &str, f: &Mapping, b: &BlockMappings<'_>) {
        let entity = b.kind.qbo_entity();
        let object = b.kind.hubspot_object();
        let hs = f.hubspot.value.trim();
        let qb = f.quickbooks.value.trim();
        let mut hs_ok = self.resolved(&f.hubspot);
        if hs_ok && !is_property_name(hs) {
            self.error(
                self.at_str(&f.hubspot),
                format!("`{hs}` is not a valid HubSpot property name"),
                "use the property's internal name (lower-case, e.g. `firstname`), not its label",
            );
            hs_ok = false;
        }
        let qspec = if self.resolved(&f.quickbooks) {
            let spec = catalog::qbo_field(entity, qb);
            if spec.is_none() {
                let fields = catalog::qbo_fields(entity);
                let hint = match did_you_mean(qb, fields.iter().map(|s| s.path)) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "use a QuickBooks {entity} field path (see docs/manifest.md), or `CustomField[Name]` for a custom field"
                    ),
                };
                self.error(
                    self.at_str(&f.quickbooks),
                    format!("unknown QuickBooks {entity} field `{qb}`"),
                    hint,
                );
            }
            spec
        } else {
            None
        };
        let d = match f.direction {
            Some(fd) if !b.direction.allows(fd) => {
                self.error(
                    self.at(&format!("{fp}.direction")),
                    format!(
                        "mapping direction `{}` is not allowed in a `{}` block",
                        fd.as_str(),
                        b.direction.as_str()
                    ),
                    "a one-way block's mappings all flow its way: remove this `direction`, or make the block `two_way`",
                );
                b.direction
            }
            Some(fd) => fd,
            None => b.direction,
        };
        let known = if hs_ok {
            self.hs_property(object, hs)
        } else {
            None
        };
        let hs_ty = match (known, f.value_type) {
            (Some(k), Some(t)) if k.ty != t => {
                self.error(
                    self.at(&format!("{fp}.type")),
                    format!(
                        "`type: {t}` contradicts `{hs}`, which is {} of type {}",
                        k.origin, k.ty
                    ),
                    "remove `type:`",
                );
                Some(k.ty)
            }
            (Some(k), _) => Some(k.ty),
            (None, t) => t,
        };
        if hs_ok && hs == b.link_property {
            self.error(
                self.at_str(&f.hubspot),
                format!("`{hs}` is the link property of {} (it holds the QuickBooks Id); it cannot be mapped", b.kind.path()),
                "map another property",
            );
        }
        let hs_read_only =
            d.writes_hubspot() && known.is_some_and(|k| k.access == Access::ReadOnly);
        let qb_read_only =
            d.writes_quickbooks() && qspec.is_some_and(|q| q.access == Access::ReadOnly);
        if hs_read_only {
            let hint = if b.direction.allows(Direction::HubspotToQuickbooks) {
                "HubSpot computes it: give this mapping `direction: hubspot_to_quickbooks`, or map another property"
            } else {
                "HubSpot computes it: map another property"
            };
            self.error(
                self.at_str(&f.hubspot),
                format!(
                    "HubSpot `{hs}` is read-only, but this mapping writes it ({})",
                    d.as_str()
                ),
                hint,
            );
        }
        if let Some(q) = qspec {
            if qb_read_only {
                let hint = if b.direction.allows(Direction::QuickbooksToHubspot) {
                    "QuickBooks computes it: give this mapping `direction: quickbooks_to_hubspot`, or map another field"
                } else {
                    "QuickBooks computes it: map another field"
                };
                self.error(
                    self.at_str(&f.quickbooks),
                    format!(
                        "QuickBooks `{qb}` is read-only, but this mapping writes it ({})",
                        d.as_str()
                    ),
                    hint,
                );
            } else if d.writes_quickbooks() && q.access == Access::CreateOnly {
                self.warn(
                    self.at_str(&f.quickbooks),
                    format!("QuickBooks `{qb}` can only be set when hsqb creates the {entity}"),
                    "later HubSpot changes to it are not written to QuickBooks",
                );
            }
        }
        let mut template = false;
        for (ti, t) in f.transform.iter().enumerate() {
            let tp = format!("{fp}.transform[{ti}]");
            match t {
                Transform::Template(s) => {
                    template = true;
                    if d == Direction::TwoWay {
                        self.error(
                            self.at_key(&format!("{tp}.template")),
                            "a `template` transform works one way only".to_string(),
                            "give this mapping `direction: hubspot_to_quickbooks` (or `quickbooks_to_hubspot`)",
                        );
                    } else {
                        let vars = if d.writes_quickbooks() {
                            Vars::HubSpot(object)
                        } else {
                            Vars::QuickBooks(entity)
                        };
                        self.template(s, &format!("{tp}.template"), vars);
                    }
                }
                Transform::Map(table) => {
                    if d == Direction::TwoWay {
                        let mut back: HashMap<&str, &str> = HashMap::new();
                        for (k, v) in table {
                            if let Some(first) = back.insert(v.as_str(), k.as_str()) {
                                self.error(
                                    self.at(&format!("{tp}.map.{k}")),
                                    format!("`map` sends both `{first}` and `{k}` to `{v}`, so it cannot be reversed for two_way"),
                                    "make the values distinct, or make this mapping one-way",
                                );
                            }
                        }
                    }
                    for (k, v) in table {
                        let span = self.at(&format!("{tp}.map.{k}"));
                        if is_currency_field(qb) {
                            self.currency_value(
                                &Scalar {
                                    text: v.clone(),
                                    loc: span.map(|s| s.loc),
                                },
                                &tp,
                            );
                        }
                        if is_currency_field(hs) {
                            let key_span = self.at_key(&format!("{tp}.map.{k}"));
                            self.currency_value(
                                &Scalar {
                                    text: k.clone(),
                                    loc: key_span.map(|s| s.loc),
                                },
                                &tp,
                            );
                        }
                    }
                }
                Transform::Default(v) => {
                    let targets: Vec<(Option<ValueType>, &str)> = [
                        (d.writes_quickbooks(), qspec.map(|q| q.ty), qb),
                        (d.writes_hubspot(), hs_ty, hs),
                    ]
                    .into_iter()
                    .filter(|(w, _, _)| *w)
                    .map(|(_, t, n)| (t, n))
                    .collect();
                    for (ty, name) in targets {
                        if is_currency_field(name) {
                            self.currency_value(v, &tp);
                        } else if let Some(ty) = ty
                            && let Err(e) = super::filters::value_fits(ty, &v.text)
                        {
                            self.error(
                                v.loc.map(|l| crate::manifest::diagnostic::Span::new(l, 0)),
                                format!("default {e} (`{name}` is {ty})"),
                                "give a default of the target field's type",
                            );
                        }
                    }
                }
                Transform::Trim | Transform::Lower | Transform::Upper => {}
            }
        }
        let (Some(hty), Some(q)) = (hs_ty, qspec) else {
            return;
        };
        if d.writes_hubspot() && !hs_read_only {
            let src = if template { ValueType::Text } else { q.ty };
            if !src.converts_to(hty) {
                self.error(
                    self.at_str(&f.hubspot),
                    format!(
                        "QuickBooks `{qb}` ({src}) cannot be written to HubSpot `{hs}` ({hty})"
                    ),
                    format!("map a field whose type converts to {hty}, or make this mapping flow `hubspot_to_quickbooks` only"),
                );
            }
        }
        if d.writes_quickbooks() && !qb_read_only {
            let src = if template { ValueType::Text } else { hty };
            if !src.converts_to(q.ty) {
                self.error(
                    self.at_str(&f.hubspot),
                    format!(
                        "HubSpot `{hs}` ({src}) cannot be written to QuickBooks `{qb}` ({})",
                        q.ty
                    ),
                    format!("map a property whose type converts to {}, or make this mapping flow `quickbooks_to_hubspot` only", q.ty),
                );
            }
        }
    }
}
