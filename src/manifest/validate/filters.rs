//! Filters (`filter.hubspot`, `filter.quickbooks`, `deal_invoices.deals`),
//! invoice rules and currency values.
//!
//! A QuickBooks filter field must be in the offline catalog (error otherwise);
//! a HubSpot filter field unknown offline is a warning (a custom property is
//! checked live). Operators must come with the operand they need.

use super::{Ctx, is_property_name};
use crate::manifest::currency::{currency_codes, is_currency_code, is_currency_field};
use crate::manifest::scalar::Scalar;
use crate::manifest::suggest::did_you_mean;
use crate::manifest::types::{Filter, FilterOp, HubSpotObject, InvoiceRule};
use crate::model::ValueType;
use crate::model::catalog;

/// Which side's fields a filter names.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Side {
    /// HubSpot properties of an object.
    HubSpot(HubSpotObject),
    /// QuickBooks field paths of an entity.
    QuickBooks(&'static str),
}

fn op_name(op: FilterOp) -> &'static str {
    match op {
        FilterOp::Eq => "eq",
        FilterOp::Neq => "neq",
        FilterOp::In => "in",
        FilterOp::NotIn => "not_in",
        FilterOp::Gt => "gt",
        FilterOp::Gte => "gte",
        FilterOp::Lt => "lt",
        FilterOp::Lte => "lte",
        FilterOp::Contains => "contains",
        FilterOp::StartsWith => "starts_with",
        FilterOp::Exists => "exists",
        FilterOp::NotExists => "not_exists",
    }
}

/// Whether `text` is a valid operand for a field of type `ty`.
pub(crate) fn value_fits(ty: ValueType, text: &str) -> Result<(), String> {
    use std::str::FromStr;
    let t = text.trim();
    match ty {
        ValueType::Text | ValueType::Enumeration => Ok(()),
        ValueType::Number | ValueType::Money => rust_decimal::Decimal::from_str(t)
            .or_else(|_| rust_decimal::Decimal::from_scientific(t))
            .map(|_| ())
            .map_err(|_| format!("`{text}` is not a number")),
        ValueType::Bool => match text {
            "true" | "false" => Ok(()),
            other => Err(format!("`{other}` is not `true` or `false`")),
        },
        ValueType::Date => chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(|_| ())
            .map_err(|_| format!("`{text}` is not a date (write YYYY-MM-DD)")),
        ValueType::Datetime => chrono::DateTime::parse_from_rfc3339(t)
            .map(|_| ())
            .or_else(|_| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").map(|_| ()))
            .map_err(|_| {
                format!("`{text}` is not a date or datetime (write YYYY-MM-DD or RFC 3339)")
            }),
    }
}

impl Ctx<'_, '_, '_> {
    /// The type a HubSpot property gets from a mapping's `type:` in the block
    /// that syncs `object`.
    fn mapped_hs_type(&self, object: HubSpotObject, name: &str) -> Option<ValueType> {
        let s = &self.m.sync;
        let mappings = match object {
            HubSpotObject::Contacts => s.contacts.as_ref().map(|b| &b.mappings),
            HubSpotObject::Products => s.products.as_ref().map(|b| &b.mappings),
            HubSpotObject::Invoices => s.invoices.as_ref().map(|b| &b.mappings),
            _ => None,
        }?;
        mappings
            .fields
            .iter()
            .find(|f| f.hubspot.value == name)
            .and_then(|f| f.value_type)
    }

    /// Check a list of filters at `path`.
    pub(crate) fn filters(&mut self, path: &str, list: &[Filter], side: Side) {
        for (i, f) in list.iter().enumerate() {
            self.filter(&format!("{path}[{i}]"), f, side);
        }
    }

    fn filter(&mut self, path: &str, f: &Filter, side: Side) {
        let field = f.field.value.trim();
        let ty = if !self.resolved(&f.field) {
            None
        } else {
            match side {
                Side::QuickBooks(entity) => match catalog::qbo_field(entity, field) {
                    Some(spec) => Some(spec.ty),
                    None => {
                        let fields = catalog::qbo_fields(entity);
                        let hint = match did_you_mean(field, fields.iter().map(|f| f.path)) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "use a QuickBooks {entity} field path such as `BillAddr.Country`, or `CustomField[Name]`"
                            ),
                        };
                        self.error(
                            self.at_str(&f.field),
                            format!("unknown QuickBooks {entity} field `{field}` in `{path}`"),
                            hint,
                        );
                        None
                    }
                },
                Side::HubSpot(object) => {
                    if !is_property_name(field) {
                        self.error(
                            self.at_str(&f.field),
                            format!("`{field}` is not a valid HubSpot property name (in `{path}`)"),
                            "use the property's internal name (lower-case, e.g. `lifecyclestage`), not its label",
                        );
                        None
                    } else if let Some(k) = self.hs_property(object, field) {
                        Some(k.ty)
                    } else if let Some(t) = self.mapped_hs_type(object, field) {
                        Some(t)
                    } else {
                        let hint = match self.suggest_hs(object, field) {
                            Some(s) => format!(
                                "did you mean `{s}`? (a custom property is fine: it is checked when planning)"
                            ),
                            None => format!(
                                "if it is a custom property, declare it under `properties` (object: {}) so its type is known",
                                object.api_name()
                            ),
                        };
                        self.warn(
                            self.at_str(&f.field),
                            format!(
                                "`{field}` is not a known HubSpot {} property (in `{path}`)",
                                object.api_name()
                            ),
                            hint,
                        );
                        None
                    }
                }
            }
        };
        self.operands(path, f, ty);
    }

    fn operands(&mut self, path: &str, f: &Filter, ty: Option<ValueType>) {
        let op = op_name(f.op);
        let at_op = self.at(&format!("{path}.op"));
        let operands: Vec<&Scalar> = match f.op {
            FilterOp::Exists | FilterOp::NotExists => {
                if f.value.is_some() || f.values.is_some() {
                    let key = if f.value.is_some() { "value" } else { "values" };
                    self.error(
                        self.at_key(&format!("{path}.{key}")),
                        format!("`{op}` takes no `{key}` (in `{path}`)"),
                        format!("remove `{key}`"),
                    );
                }
                Vec::new()
            }
            FilterOp::In | FilterOp::NotIn => match (&f.value, &f.values) {
                (Some(v), None) => {
                    self.error(
                        self.at_key(&format!("{path}.value")),
                        format!("`{op}` takes `values` (a list), not `value` (in `{path}`)"),
                        format!("write `values: [{}]`", v.text),
                    );
                    Vec::new()
                }
                (value, None) => {
                    let _ = value;
                    self.error(
                        at_op,
                        format!("`{op}` needs `values` (in `{path}`)"),
                        "add `values: [a, b]`",
                    );
                    Vec::new()
                }
                (value, Some(v)) => {
                    if value.is_some() {
                        self.error(
                            self.at_key(&format!("{path}.value")),
                            format!("`{op}` takes `values`, not `value` (in `{path}`)"),
                            "remove `value`",
                        );
                    }
                    if v.is_empty() {
                        self.error(
                            self.at(&format!("{path}.values")),
                            format!("`values` of `{op}` is empty (in `{path}`)"),
                            "list at least one value",
                        );
                    }
                    v.iter().collect()
                }
            },
            _ => match (&f.value, &f.values) {
                (None, Some(_)) => {
                    self.error(
                        self.at_key(&format!("{path}.values")),
                        format!("`{op}` takes one `value`, not `values` (in `{path}`)"),
                        "write `value: …`, or use `op: in` for a list",
                    );
                    Vec::new()
                }
                (None, None) => {
                    self.error(
                        at_op,
                        format!("`{op}` needs a `value` (in `{path}`)"),
                        "add `value: …`",
                    );
                    Vec::new()
                }
                (Some(v), values) => {
                    if values.is_some() {
                        self.error(
                            self.at_key(&format!("{path}.values")),
                            format!("`{op}` takes one `value`, not `values` (in `{path}`)"),
                            "remove `values`, or use `op: in` for a list",
                        );
                    }
                    vec![v]
                }
            },
        };
        let Some(ty) = ty else { return };
        let ordered = matches!(
            f.op,
            FilterOp::Gt | FilterOp::Gte | FilterOp::Lt | FilterOp::Lte
        );
        let textual = matches!(f.op, FilterOp::Contains | FilterOp::StartsWith);
        if ordered
            && !matches!(
                ty,
                ValueType::Number | ValueType::Money | ValueType::Date | ValueType::Datetime
            )
        {
            self.error(
                at_op,
                format!(
                    "`{op}` compares numbers or dates, but `{}` is {ty}",
                    f.field.value
                ),
                "use `eq`, `neq`, `in` or `not_in`",
            );
            return;
        }
        if textual && !matches!(ty, ValueType::Text | ValueType::Enumeration) {
            self.error(
                at_op,
                format!("`{op}` works on text, but `{}` is {ty}", f.field.value),
                "use `eq`, `neq`, `in` or a comparison",
            );
            return;
        }
        let currency = is_currency_field(f.field.value.trim());
        for v in operands {
            if currency && !textual {
                self.currency_value(v, path);
            } else if !textual && let Err(e) = value_fits(ty, &v.text) {
                self.error(
                    v.loc.map(|l| crate::manifest::diagnostic::Span::new(l, 0)),
                    format!("{e} (`{}` is {ty}, in `{path}`)", f.field.value),
                    "give an operand of the field's type",
                );
            }
        }
    }

    /// A currency code operand.
    pub(crate) fn currency_value(&mut self, v: &Scalar, path: &str) {
        if is_currency_code(&v.text) {
            return;
        }
        let hint = match did_you_mean(&v.text, currency_codes().iter().copied()) {
            Some(s) => {
                format!("did you mean `{s}`? Currencies are ISO 4217 codes such as USD, EUR, GBP")
            }
            None => "currencies are ISO 4217 codes such as USD, EUR, GBP".to_string(),
        };
        self.error(
            v.loc.map(|l| crate::manifest::diagnostic::Span::new(l, 0)),
            format!("`{}` is not a currency code (in `{path}`)", v.text),
            hint,
        );
    }

    /// Check `sync.invoices.rules`.
    pub(crate) fn invoice_rules(&mut self, path: &str, rules: &[InvoiceRule]) {
        for (i, r) in rules.iter().enumerate() {
            let rp = format!("{path}[{i}]");
            if r.customer_linked.is_none()
                && r.txn_date_from.is_none()
                && r.doc_number_prefix.is_none()
            {
                self.warn(
                    self.at(&rp),
                    format!("`{rp}` has no condition: it adds every QuickBooks invoice"),
                    "add `customer_linked: true`, `txn_date_from:` or `doc_number_prefix:` to narrow it",
                );
            }
            if let Some(d) = &r.txn_date_from
                && self.resolved(d)
                && value_fits(ValueType::Date, &d.value).is_err()
            {
                self.error(
                    self.at_str(d),
                    format!("`{rp}.txn_date_from` is not a date: `{}`", d.value),
                    "write the day as YYYY-MM-DD, e.g. `2024-01-01`",
                );
            }
            if let Some(p) = &r.doc_number_prefix
                && self.resolved(p)
                && (p.value.is_empty() || p.value.chars().count() > 21)
            {
                self.error(
                    self.at_str(p),
                    format!("`{rp}.doc_number_prefix` must be 1 to 21 characters"),
                    "QuickBooks invoice numbers are at most 21 characters",
                );
            }
            if let Some(dp) = &r.deal_property
                && self.resolved(dp)
                && !is_property_name(&dp.value)
            {
                self.error(
                    self.at_str(dp),
                    format!("`{}` is not a valid HubSpot property name", dp.value),
                    "use the deal property's internal name (lower-case, e.g. `po_number`)",
                );
            }
        }
    }
}
