//! Query execution over a company's tables.
//!
//! Paging never sorts the whole table when it can walk an index instead: the
//! default order (by name, or by Id for transactions), `ORDERBY Id`, `ORDERBY
//! MetaData.LastUpdatedTime` and `ORDERBY <name field>` iterate a `BTreeMap`/
//! `BTreeSet` and stop after `STARTPOSITION + MAXRESULTS` matches; `Id = / IN`
//! and `MetaData.LastUpdatedTime >= / >` conditions narrow the candidates first.

use super::kind::Kind;
use super::query::{Cond, Lit, Op, Query, lit_dec, mentions_active};
use super::store::{Realm, Row};
use super::value::{Obj, dec_of, parse_instant};
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::HashSet;

/// Entities hidden from a statement (created earlier in the same batch).
pub(crate) type Hidden = HashSet<(Kind, u64)>;

/// The value a property path designates: nested objects stand for their
/// `value` (references), `Address` (emails), `FreeFormNumber` or `URI`.
pub(crate) fn extract<'a>(obj: &'a Obj, path: &str) -> Option<&'a Value> {
    let mut segs = path.split('.');
    let mut cur = obj.get(segs.next()?)?;
    for s in segs {
        cur = cur.as_object()?.get(s)?;
    }
    if let Value::Object(m) = cur {
        return ["value", "Address", "FreeFormNumber", "URI"]
            .iter()
            .find_map(|k| m.get(*k));
    }
    Some(cur)
}

fn is_id_like(prop: &str) -> bool {
    prop == "Id" || prop.ends_with("Ref")
}

fn is_time_like(prop: &str) -> bool {
    let last = prop.rsplit('.').next().unwrap_or(prop);
    last.ends_with("Time") || last.ends_with("Date")
}

fn cmp_lit(v: &Value, l: &Lit, prop: &str, off: i32) -> Option<Ordering> {
    match v {
        Value::Bool(b) => match l {
            Lit::Bool(x) => Some(b.cmp(x)),
            Lit::Str(s) if s.eq_ignore_ascii_case("true") => Some(b.cmp(&true)),
            Lit::Str(s) if s.eq_ignore_ascii_case("false") => Some(b.cmp(&false)),
            _ => None,
        },
        Value::Number(_) => Some(dec_of(v)?.cmp(&lit_dec(l)?)),
        Value::String(s) => {
            let lit = match l {
                Lit::Str(x) => x.clone(),
                Lit::Num(d) => d.to_string(),
                Lit::Bool(b) => b.to_string(),
            };
            if is_id_like(prop)
                && let (Ok(a), Ok(b)) = (s.parse::<u64>(), lit.parse::<u64>())
            {
                return Some(a.cmp(&b));
            }
            if is_time_like(prop) {
                return Some(parse_instant(s, off)?.cmp(&parse_instant(&lit, off)?));
            }
            // String comparisons are case-insensitive (an assumption, see docs).
            Some(s.to_lowercase().cmp(&lit.to_lowercase()))
        }
        _ => None,
    }
}

fn like(v: &Value, pattern: &str) -> bool {
    let Value::String(s) = v else {
        return false;
    };
    let s = s.to_lowercase();
    let p = pattern.to_lowercase();
    let parts: Vec<&str> = p.split('%').collect();
    if parts.len() == 1 {
        return s == p;
    }
    let mut rest = s.as_str();
    let first = parts[0];
    if !rest.starts_with(first) {
        return false;
    }
    rest = &rest[first.len()..];
    let last = parts[parts.len() - 1];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn matches(row: &Row, c: &Cond, off: i32) -> bool {
    let Some(v) = extract(&row.obj, &c.prop) else {
        return false;
    };
    let one = || c.values.first().and_then(|l| cmp_lit(v, l, &c.prop, off));
    match c.op {
        Op::In => c
            .values
            .iter()
            .any(|l| cmp_lit(v, l, &c.prop, off) == Some(Ordering::Equal)),
        Op::Like => match c.values.first() {
            Some(Lit::Str(p)) => like(v, p),
            _ => false,
        },
        Op::Eq => one() == Some(Ordering::Equal),
        Op::Lt => one() == Some(Ordering::Less),
        Op::Gt => one() == Some(Ordering::Greater),
        Op::Le => matches!(one(), Some(Ordering::Less | Ordering::Equal)),
        Op::Ge => matches!(one(), Some(Ordering::Greater | Ordering::Equal)),
    }
}

fn value_cmp(a: Option<&Value>, b: Option<&Value>, prop: &str, off: i32) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => match (x, y) {
            (Value::Number(_), Value::Number(_)) => dec_of(x).cmp(&dec_of(y)),
            (Value::Bool(p), Value::Bool(q)) => p.cmp(q),
            (Value::String(p), Value::String(q)) => {
                if is_id_like(prop)
                    && let (Ok(m), Ok(n)) = (p.parse::<u64>(), q.parse::<u64>())
                {
                    return m.cmp(&n);
                }
                if is_time_like(prop)
                    && let (Some(m), Some(n)) = (parse_instant(p, off), parse_instant(q, off))
                {
                    return m.cmp(&n);
                }
                p.as_bytes().cmp(q.as_bytes())
            }
            _ => Ordering::Equal,
        },
    }
}

fn default_cmp(kind: Kind, a: &Row, b: &Row) -> Ordering {
    if let Some(f) = kind.sort_field() {
        let ka = a.obj.get(f).and_then(Value::as_str).unwrap_or("");
        let kb = b.obj.get(f).and_then(Value::as_str).unwrap_or("");
        ka.as_bytes().cmp(kb.as_bytes()).then(a.id().cmp(&b.id()))
    } else {
        (b.updated(), b.id()).cmp(&(a.updated(), a.id()))
    }
}

fn order_cmp(q: &Query, a: &Row, b: &Row, off: i32) -> Ordering {
    for (prop, desc) in &q.order {
        let o = value_cmp(extract(&a.obj, prop), extract(&b.obj, prop), prop, off);
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    a.id().cmp(&b.id())
}

/// Ids named by an `Id = x` / `Id IN (...)` condition.
fn id_candidates(q: &Query) -> Option<Vec<u64>> {
    let c = q
        .conds
        .iter()
        .find(|c| c.prop == "Id" && matches!(c.op, Op::Eq | Op::In))?;
    let mut ids: Vec<u64> = c
        .values
        .iter()
        .filter_map(|l| match l {
            Lit::Str(s) => s.trim().parse().ok(),
            Lit::Num(d) => d.to_string().parse().ok(),
            Lit::Bool(_) => None,
        })
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// Lower bound (epoch secs) from `MetaData.LastUpdatedTime >= / > X`.
fn updated_lower_bound(q: &Query, off: i32) -> Option<i64> {
    q.conds
        .iter()
        .filter(|c| c.prop == "MetaData.LastUpdatedTime" && matches!(c.op, Op::Ge | Op::Gt))
        .filter_map(|c| match c.values.first()? {
            Lit::Str(s) => parse_instant(s, off).map(|t| t.timestamp()),
            _ => None,
        })
        .max()
}

/// Run `q` against `realm`, returning the `QueryResponse` object.
pub(crate) fn run(realm: &Realm, q: &Query, hidden: &Hidden) -> Value {
    let off = realm.utc_offset;
    if q.kind.is_singleton() {
        let row = if q.kind == Kind::Preferences {
            &realm.preferences
        } else {
            &realm.company_info
        };
        let hit = q.conds.iter().all(|c| matches(row, c, off));
        if q.count {
            return json!({"totalCount": usize::from(hit)});
        }
        if !hit || q.start > 1 {
            return json!({});
        }
        let mut m = Obj::new();
        m.insert(
            q.kind.name().into(),
            Value::Array(vec![Value::Object(row.obj.clone())]),
        );
        m.insert("maxResults".into(), json!(1));
        return Value::Object(m);
    }
    let kind = q.kind;
    let table = realm.table(kind);
    let implicit_active = kind.is_name_list() && !mentions_active(q);
    let pred = |row: &&Row| {
        (!implicit_active || row.active())
            && !hidden.contains(&(kind, row.id()))
            && q.conds.iter().all(|c| matches(row, c, off))
    };
    let skip = q.start - 1;

    // Narrow the candidates when a condition allows it; otherwise walk an index.
    let narrowed: Option<Vec<&Row>> = if let Some(ids) = id_candidates(q) {
        Some(
            ids.iter()
                .filter_map(|id| table.get(*id))
                .filter(pred)
                .collect(),
        )
    } else {
        updated_lower_bound(q, off)
            .map(|since| table.iter_updated_since(since).filter(pred).collect())
    };
    if q.count {
        let n = match narrowed {
            Some(v) => v.len(),
            None => table.iter_by_id(false).filter(pred).count(),
        };
        return json!({"totalCount": n});
    }
    let page: Vec<&Row> = match narrowed {
        Some(mut rows) => {
            if q.order.is_empty() {
                rows.sort_by(|a, b| default_cmp(kind, a, b));
            } else {
                rows.sort_by(|a, b| order_cmp(q, a, b, off));
            }
            rows.into_iter().skip(skip).take(q.max).collect()
        }
        None => {
            let single = match q.order.as_slice() {
                [] => Some(table.iter_default()),
                [(p, d)] if p == "Id" => Some(table.iter_by_id(*d)),
                [(p, d)] if p == "MetaData.LastUpdatedTime" => Some(table.iter_by_updated(*d)),
                [(p, d)] if Some(p.as_str()) == kind.sort_field() => Some(if *d {
                    table.iter_default_rev()
                } else {
                    table.iter_default()
                }),
                _ => None,
            };
            match single {
                Some(it) => it.filter(pred).skip(skip).take(q.max).collect(),
                None => {
                    let mut rows: Vec<&Row> = table.iter_by_id(false).filter(pred).collect();
                    let end = (skip + q.max).min(rows.len());
                    if skip >= rows.len() {
                        Vec::new()
                    } else {
                        // Partition around the page end, then sort only the prefix.
                        if end < rows.len() {
                            rows.select_nth_unstable_by(end, |a, b| order_cmp(q, a, b, off));
                            rows.truncate(end);
                        }
                        rows.sort_by(|a, b| order_cmp(q, a, b, off));
                        rows.into_iter().skip(skip).collect()
                    }
                }
            }
        }
    };
    if page.is_empty() {
        return json!({});
    }
    let n = page.len();
    let mut m = Obj::new();
    m.insert(
        kind.name().into(),
        Value::Array(
            page.into_iter()
                .map(|r| Value::Object(r.obj.clone()))
                .collect(),
        ),
    );
    m.insert("startPosition".into(), json!(q.start));
    m.insert("maxResults".into(), json!(n));
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_supports_percent_anywhere() {
        let v = Value::String("Amy's Bird Sanctuary".into());
        assert!(like(&v, "%bird%"));
        assert!(like(&v, "amy%"));
        assert!(like(&v, "%sanctuary"));
        assert!(like(&v, "Amy's Bird Sanctuary"));
        assert!(like(&v, "%"));
        assert!(!like(&v, "bird%"));
        assert!(!like(&v, "%birds%"));
        assert!(like(&v, "a%b%y"));
    }
}
