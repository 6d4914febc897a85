//! Semantic validation: the checks a schema cannot express (connections,
//! company references, field paths, types, directions, policies, templates,
//! currencies, …). Runs on the typed manifest once its shape is right and
//! reports every problem it finds; see `docs/manifest.md` ("Errors and
//! warnings") for the list.
//!
//! Values without a location of their own (enums, booleans, numbers) are
//! located through the [`PathIndex`] of the YAML tree.

mod blocks;
mod connections;
mod filters;
mod mappings;
mod templates;

use super::diagnostic::{Diagnostic, Sink, Span};
use super::effective::SyncBlock;
use super::node::PathIndex;
use super::scalar::{Loc, Str};
use super::suggest::did_you_mean;
use super::types::{HubSpotObject, Manifest};
use crate::model::ValueType;
use crate::model::catalog::{self, Access};
use std::collections::HashSet;

/// Run every semantic check.
pub(crate) fn validate(
    m: &Manifest,
    idx: &PathIndex,
    unresolved: &HashSet<Loc>,
    sink: &mut Sink<'_>,
) {
    let mut cx = Ctx {
        m,
        idx,
        unresolved,
        sink,
    };
    connections::check(&mut cx);
    blocks::check(&mut cx);
}

/// What validation knows about a HubSpot property offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HsKnown {
    pub ty: ValueType,
    pub access: Access,
    /// "a HubSpot built-in property", "declared under `properties`", …
    pub origin: &'static str,
}

pub(crate) struct Ctx<'a, 's, 'k> {
    pub m: &'a Manifest,
    pub idx: &'a PathIndex,
    pub unresolved: &'a HashSet<Loc>,
    pub sink: &'k mut Sink<'s>,
}

impl Ctx<'_, '_, '_> {
    /// Where a string was written (width from the source).
    pub fn at_str(&self, s: &Str) -> Option<Span> {
        s.loc.map(|l| Span::new(l, 0))
    }

    /// The value at `path`, else the nearest written ancestor.
    pub fn at(&self, path: &str) -> Option<Span> {
        self.idx.nearest(path)
    }

    /// The key of `path`, else the nearest written ancestor.
    pub fn at_key(&self, path: &str) -> Option<Span> {
        self.idx.key(path).or_else(|| self.idx.nearest(path))
    }

    /// Whether `path` is written in the file.
    pub fn written(&self, path: &str) -> bool {
        self.idx.contains(path)
    }

    pub fn error(
        &mut self,
        span: Option<Span>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let hint = hint.into();
        let mut d = Diagnostic::error(message);
        if !hint.is_empty() {
            d = d.with_hint(hint);
        }
        self.sink.push(d, span);
    }

    pub fn warn(
        &mut self,
        span: Option<Span>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let hint = hint.into();
        let mut d = Diagnostic::warning(message);
        if !hint.is_empty() {
            d = d.with_hint(hint);
        }
        self.sink.push(d, span);
    }

    /// False for a string whose `${ENV}` reference failed (already reported;
    /// its value says nothing).
    pub fn resolved(&self, s: &Str) -> bool {
        s.loc.is_none_or(|l| !self.unresolved.contains(&l))
    }

    /// A HubSpot property of `object` known offline: built-in, declared under
    /// `properties`, or one hsqb itself creates.
    pub fn hs_property(&self, object: HubSpotObject, name: &str) -> Option<HsKnown> {
        if let Some(spec) = catalog::hubspot_property(object.api_name(), name) {
            return Some(HsKnown {
                ty: spec.ty,
                access: spec.access,
                origin: "a HubSpot built-in property",
            });
        }
        if let Some(p) = self
            .m
            .properties
            .iter()
            .find(|p| p.object == object && p.name.value == name)
        {
            return Some(HsKnown {
                ty: p.value_type,
                access: Access::ReadWrite,
                origin: "declared under `properties`",
            });
        }
        self.hsqb_properties(object)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, ty)| HsKnown {
                ty,
                access: Access::ReadWrite,
                origin: "a property hsqb creates",
            })
    }

    /// Every property name of `object` known offline (for suggestions).
    pub fn hs_property_names(&self, object: HubSpotObject) -> Vec<String> {
        let mut names: Vec<String> = catalog::hubspot_builtin(object.api_name())
            .iter()
            .map(|s| s.path.to_string())
            .collect();
        names.extend(
            self.m
                .properties
                .iter()
                .filter(|p| p.object == object)
                .map(|p| p.name.value.clone()),
        );
        names.extend(self.hsqb_properties(object).into_iter().map(|(n, _)| n));
        names
    }

    /// The properties hsqb creates on `object` for this manifest.
    pub fn hsqb_properties(&self, object: HubSpotObject) -> Vec<(String, ValueType)> {
        use super::defaults as d;
        let m = self.m;
        let mut out = Vec::new();
        match object {
            HubSpotObject::Contacts => {
                if let Some(b) = &m.sync.contacts {
                    out.push((b.link_property().to_string(), ValueType::Text));
                }
            }
            HubSpotObject::Products => {
                if let Some(b) = &m.sync.products {
                    out.push((b.link_property().to_string(), ValueType::Text));
                }
            }
            HubSpotObject::Invoices => {
                if let Some(b) = &m.sync.invoices {
                    out.push((b.link_property().to_string(), ValueType::Text));
                    out.push((b.status_property().to_string(), ValueType::Enumeration));
                    out.push((d::INVOICE_TOTAL_PROPERTY.into(), ValueType::Number));
                    out.push((d::INVOICE_BALANCE_PROPERTY.into(), ValueType::Number));
                    out.push((d::INVOICE_RECIPIENT_PROPERTY.into(), ValueType::Text));
                }
            }
            HubSpotObject::Deals => {
                if let Some(b) = &m.sync.deal_invoices {
                    out.push((b.link_property().to_string(), ValueType::Text));
                }
                if let Some(b) = &m.sync.invoices {
                    let n = b.deal_properties.names();
                    out.push((n.amount_due, ValueType::Number));
                    out.push((n.recipient, ValueType::Text));
                    out.push((n.number, ValueType::Text));
                    out.push((n.status, ValueType::Enumeration));
                    out.push((n.due_date, ValueType::Date));
                }
            }
            _ => {}
        }
        out
    }

    /// A "did you mean" hint over HubSpot property names of `object`.
    pub fn suggest_hs(&self, object: HubSpotObject, name: &str) -> Option<String> {
        let names = self.hs_property_names(object);
        did_you_mean(name, names.iter().map(String::as_str)).map(str::to_string)
    }
}

/// HubSpot internal property names: lower-case letters, digits and
/// underscores, starting with a letter.
pub(crate) fn is_property_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Check an HTTP(S) URL; returns the problem.
pub(crate) fn url_problem(s: &str) -> Option<String> {
    match url::Url::parse(s) {
        Err(e) => Some(format!("`{s}` is not a valid URL ({e})")),
        Ok(u) if u.scheme() != "https" && u.scheme() != "http" => {
            Some(format!("`{s}` must be an http:// or https:// URL"))
        }
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Some(format!("`{s}` has no host name")),
        Ok(_) => None,
    }
}

/// `a`, `b` and `c` → "`a`, `b`, `c`".
pub(crate) fn quoted(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
