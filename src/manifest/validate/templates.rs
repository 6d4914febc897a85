//! `{{placeholder}}` templates: display names, transform templates, the deal
//! invoice `message` and `doc_number`.
//!
//! Variables (documented in `docs/manifest.md`):
//! - display names: HubSpot contact properties, bare (`{{firstname}}`);
//! - transform templates: the source record's fields, bare — HubSpot
//!   properties when the mapping flows to QuickBooks, QuickBooks field paths
//!   (`{{BillAddr.City}}`) when it flows to HubSpot;
//! - deal invoices: `{{deal.<property>}}`, `{{contact.<property>}}`,
//!   `{{company.<property>}}` and, with `source: quote`, `{{quote.<property>}}`;
//!   `id` is the record id in every namespace.
//!
//! Unknown namespaces and unknown QuickBooks fields are errors (they are known
//! offline). An unknown HubSpot property is a warning: it may be a custom
//! property that exists in the portal, checked live by `hsqb plan`.

use super::Ctx;
use crate::manifest::diagnostic::Span;
use crate::manifest::scalar::{Loc, Str};
use crate::manifest::suggest::did_you_mean;
use crate::manifest::types::HubSpotObject;
use crate::model::catalog;

/// One `{{name}}` placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placeholder {
    /// The trimmed name.
    pub name: String,
    /// Byte offset of `{{` in the template.
    pub offset: usize,
    /// Length of `{{ … }}` in bytes.
    pub len: usize,
}

/// Parse the placeholders of `s`. An unclosed or empty `{{` is an error
/// (byte offset, message).
pub(crate) fn placeholders(s: &str) -> Result<Vec<Placeholder>, (usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(rel) = s[i..].find("{{") {
        let start = i + rel;
        let body = start + 2;
        let Some(close) = s[body..].find("}}") else {
            return Err((start, "`{{` without a closing `}}`".to_string()));
        };
        let name = s[body..body + close].trim();
        if name.is_empty() {
            return Err((start, "empty placeholder `{{}}`".to_string()));
        }
        if name.contains("{{") {
            return Err((start, "`{{` without a closing `}}`".to_string()));
        }
        out.push(Placeholder {
            name: name.to_string(),
            offset: start,
            len: body + close + 2 - start,
        });
        i = body + close + 2;
    }
    Ok(out)
}

/// The namespaces of deal-invoice templates.
const NAMESPACES: [&str; 4] = ["deal", "contact", "company", "quote"];

/// Where the variables of a template come from.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Vars {
    /// Bare HubSpot properties of one object.
    HubSpot(HubSpotObject),
    /// Bare QuickBooks field paths of one entity.
    QuickBooks(&'static str),
    /// `deal.` / `contact.` / `company.` (/ `quote.` when `quote` is true).
    Deal { quote: bool },
}

impl Ctx<'_, '_, '_> {
    /// The span of a placeholder inside a template string (on its first line
    /// when the template text is found there), else the string itself.
    fn placeholder_span(&self, s: &Str, needle: &str) -> Option<Span> {
        let loc = s.loc?;
        let line = self.sink.source().line(loc.line)?;
        let start = line
            .char_indices()
            .nth(loc.column.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i);
        match line[start..].find(needle) {
            Some(rel) => Some(Span::new(
                Loc::new(loc.line, line[..start + rel].chars().count() + 1),
                needle.chars().count(),
            )),
            None => self.at_str(s),
        }
    }

    /// Check template `s` (at manifest `path`); returns its placeholders.
    pub(crate) fn template(&mut self, s: &Str, path: &str, vars: Vars) -> Vec<Placeholder> {
        if !self.resolved(s) {
            return Vec::new();
        }
        let list = match placeholders(&s.value) {
            Ok(l) => l,
            Err((offset, msg)) => {
                let needle: String = s.value[offset..].chars().take(40).collect();
                let span = self.placeholder_span(s, &needle);
                self.error(
                    span,
                    format!("`{path}`: {msg}"),
                    "write placeholders as `{{name}}`",
                );
                return Vec::new();
            }
        };
        for p in &list {
            let written = &s.value[p.offset..p.offset + p.len];
            let span = self.placeholder_span(s, written);
            self.variable(span, path, &p.name, vars);
        }
        list
    }

    fn variable(&mut self, span: Option<Span>, path: &str, name: &str, vars: Vars) {
        match vars {
            Vars::HubSpot(object) => {
                if name.contains('.') {
                    self.error(
                        span,
                        format!("unknown template variable `{name}` in `{path}`"),
                        format!(
                            "variables here are HubSpot {} properties, written bare: `{{{{email}}}}`",
                            object.api_name()
                        ),
                    );
                } else {
                    self.hs_variable(span, path, object, name);
                }
            }
            Vars::QuickBooks(entity) => {
                if catalog::qbo_field(entity, name).is_none() {
                    let fields = catalog::qbo_fields(entity);
                    let hint = match did_you_mean(name, fields.iter().map(|f| f.path)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "variables here are QuickBooks {entity} fields such as `{{{{DisplayName}}}}` or `{{{{BillAddr.City}}}}`"
                        ),
                    };
                    self.error(
                        span,
                        format!("unknown template variable `{name}` in `{path}`: not a QuickBooks {entity} field"),
                        hint,
                    );
                }
            }
            Vars::Deal { quote } => {
                let Some((ns, prop)) = name.split_once('.') else {
                    self.error(
                        span,
                        format!("unknown template variable `{name}` in `{path}`"),
                        "write `{{deal.<property>}}`, `{{contact.<property>}}`, `{{company.<property>}}` or `{{quote.<property>}}`",
                    );
                    return;
                };
                let object = match ns {
                    "deal" => HubSpotObject::Deals,
                    "contact" => HubSpotObject::Contacts,
                    "company" => HubSpotObject::Companies,
                    "quote" if quote => HubSpotObject::Quotes,
                    "quote" => {
                        self.error(
                            span,
                            format!("`{{{{{name}}}}}` in `{path}` needs `source: quote`"),
                            "quote variables exist only when invoices are made from the deal's quote; use `deal.` variables or set `source: quote`",
                        );
                        return;
                    }
                    other => {
                        let hint = match did_you_mean(other, NAMESPACES) {
                            Some(s) => format!(
                                "did you mean `{s}`? Namespaces: deal, contact, company, quote"
                            ),
                            None => "namespaces: deal, contact, company, quote".to_string(),
                        };
                        self.error(
                            span,
                            format!("unknown template variable `{name}` in `{path}`"),
                            hint,
                        );
                        return;
                    }
                };
                if prop.is_empty() || prop.contains('.') {
                    self.error(
                        span,
                        format!("unknown template variable `{name}` in `{path}`"),
                        format!("write `{{{{{ns}.<property>}}}}`"),
                    );
                } else if prop != "id" {
                    self.hs_variable(span, path, object, prop);
                }
            }
        }
    }

    /// A HubSpot property used as a variable: fine when known offline; else a
    /// warning (it may be a custom property, checked live).
    fn hs_variable(&mut self, span: Option<Span>, path: &str, object: HubSpotObject, prop: &str) {
        if self.hs_property(object, prop).is_some() || prop == "id" {
            return;
        }
        let mapped = self
            .m
            .sync
            .contacts
            .as_ref()
            .filter(|_| object == HubSpotObject::Contacts)
            .is_some_and(|c| c.mappings.fields.iter().any(|f| f.hubspot.value == prop));
        if mapped {
            return;
        }
        let hint = match self.suggest_hs(object, prop) {
            Some(s) => format!(
                "did you mean `{s}`? (a custom property is fine: it is checked when planning)"
            ),
            None => format!(
                "if it is a custom property, declare it under `properties` (object: {}) or make sure it exists in HubSpot",
                object.api_name()
            ),
        };
        self.warn(
            span,
            format!(
                "template variable `{prop}` in `{path}` is not a known HubSpot {} property",
                object.api_name()
            ),
            hint,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_placeholders() {
        let p = placeholders("HS-{{ deal.id }}/{{x}}").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "deal.id");
        assert_eq!((p[0].offset, p[0].len), (3, 13));
        assert_eq!(p[1].name, "x");
        assert!(placeholders("a {{b").is_err());
        assert!(placeholders("{{ }}").is_err());
        assert!(placeholders("{{a {{b}}").is_err());
        assert_eq!(placeholders("no vars { } }}").unwrap(), vec![]);
    }
}
