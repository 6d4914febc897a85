//! Evaluation of manifest filters against a record's field values.

use crate::manifest::{Filter, FilterOp};
use crate::model::value::{parse_datetime_any, parse_decimal};
use std::cmp::Ordering;

/// Whether every filter holds for the record whose fields `get` returns.
pub fn matches_all(filters: &[Filter], get: &dyn Fn(&str) -> Option<String>) -> bool {
    filters.iter().all(|f| matches(f, get))
}

/// Whether one filter holds.
pub fn matches(f: &Filter, get: &dyn Fn(&str) -> Option<String>) -> bool {
    let value = get(f.field.as_str()).filter(|v| !v.is_empty());
    let operand = f.value.as_ref().map(|s| s.text.as_str());
    match f.op {
        FilterOp::Exists => value.is_some(),
        FilterOp::NotExists => value.is_none(),
        FilterOp::Eq => match (value, operand) {
            (Some(v), Some(o)) => compare(&v, o) == Some(Ordering::Equal),
            (None, Some(o)) => o.is_empty(),
            _ => false,
        },
        FilterOp::Neq => match (value, operand) {
            (Some(v), Some(o)) => compare(&v, o) != Some(Ordering::Equal),
            (None, Some(o)) => !o.is_empty(),
            _ => false,
        },
        FilterOp::In | FilterOp::NotIn => {
            let hit = value.as_ref().is_some_and(|v| {
                f.values
                    .iter()
                    .flatten()
                    .any(|o| compare(v, &o.text) == Some(Ordering::Equal))
            });
            hit == (f.op == FilterOp::In)
        }
        FilterOp::Gt | FilterOp::Gte | FilterOp::Lt | FilterOp::Lte => {
            let (Some(v), Some(o)) = (value, operand) else {
                return false;
            };
            let Some(ord) = compare(&v, o) else {
                return false;
            };
            match f.op {
                FilterOp::Gt => ord == Ordering::Greater,
                FilterOp::Gte => ord != Ordering::Less,
                FilterOp::Lt => ord == Ordering::Less,
                _ => ord != Ordering::Greater,
            }
        }
        FilterOp::Contains => match (value, operand) {
            (Some(v), Some(o)) => v.to_lowercase().contains(&o.to_lowercase()),
            _ => false,
        },
        FilterOp::StartsWith => match (value, operand) {
            (Some(v), Some(o)) => v.to_lowercase().starts_with(&o.to_lowercase()),
            _ => false,
        },
    }
}

/// Compare numerically when both sides are numbers, as instants when both are
/// dates/datetimes, else as text. `None` when the comparison is meaningless.
fn compare(value: &str, operand: &str) -> Option<Ordering> {
    if let (Ok(a), Ok(b)) = (parse_decimal(value), parse_decimal(operand)) {
        // Epoch millis vs a date operand are handled below; two plain numbers here.
        return Some(a.cmp(&b));
    }
    if let (Ok(a), Ok(b)) = (parse_datetime_any(value), parse_datetime_any(operand)) {
        return Some(a.cmp(&b));
    }
    Some(value.cmp(operand))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Scalar, Str};

    fn filter(field: &str, op: FilterOp, value: Option<&str>, values: Option<&[&str]>) -> Filter {
        Filter {
            field: Str::from(field),
            op,
            value: value.map(|v| Scalar {
                text: v.into(),
                loc: None,
            }),
            values: values.map(|vs| {
                vs.iter()
                    .map(|v| Scalar {
                        text: (*v).into(),
                        loc: None,
                    })
                    .collect()
            }),
        }
    }

    #[test]
    fn operators() {
        let rec = |k: &str| match k {
            "stage" => Some("closedwon".to_string()),
            "amount" => Some("1000.50".to_string()),
            "closedate" => Some("2026-03-01T00:00:00Z".to_string()),
            "empty" => Some(String::new()),
            _ => None,
        };
        assert!(matches(
            &filter("stage", FilterOp::Eq, Some("closedwon"), None),
            &rec
        ));
        assert!(!matches(
            &filter("stage", FilterOp::Neq, Some("closedwon"), None),
            &rec
        ));
        assert!(matches(
            &filter("amount", FilterOp::Gt, Some("999"), None),
            &rec
        ));
        assert!(matches(
            &filter("amount", FilterOp::Lte, Some("1000.5"), None),
            &rec
        ));
        assert!(matches(
            &filter("closedate", FilterOp::Gte, Some("2026-01-01"), None),
            &rec
        ));
        assert!(matches(
            &filter("stage", FilterOp::In, None, Some(&["a", "closedwon"])),
            &rec
        ));
        assert!(matches(
            &filter("stage", FilterOp::NotIn, None, Some(&["a"])),
            &rec
        ));
        assert!(matches(
            &filter("stage", FilterOp::Contains, Some("WON"), None),
            &rec
        ));
        assert!(matches(
            &filter("empty", FilterOp::NotExists, None, None),
            &rec
        ));
        assert!(!matches(
            &filter("missing", FilterOp::Exists, None, None),
            &rec
        ));
        assert!(!matches(
            &filter("missing", FilterOp::Gt, Some("1"), None),
            &rec
        ));
    }
}
