//! Query execution over a company's tables.
//!
//! Cost model (100k-row tables): conditions on `Active`, `Id` and
//! `MetaData.LastUpdatedTime` are answered from stored fields; others parse
//! the candidate rows. `Id`, name (`DisplayName` / `Name`), `DocNumber` and
//! `LastUpdatedTime >=` conditions narrow the candidates through indexes. A
//! first page in an index order (default order, `Id`, `LastUpdatedTime`, the
//! name) stops after `MAXRESULTS` matches; later pages slice a cached list of
//! the matching Ids (valid until the table changes), so paging through a whole
//! table costs one scan, not one per page.

use super::kind::Kind;
use super::query::{Cond, Lit, Op, Query, lit_dec, mentions_active};
use super::store::Realm;
use super::table::{Row, Stored, key_field};
use super::value::{Obj, dec_of, parse_instant};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::cmp::Ordering;
use std::collections::{HashSet, VecDeque};

/// Entities hidden from a statement (created earlier in the same batch).
pub(crate) type Hidden = HashSet<(Kind, u64)>;

/// How many query shapes keep a cached Id list.
const PAGE_CACHE_ENTRIES: usize = 8;

/// Ordered matching Ids of recent query shapes, for paging.
#[derive(Debug, Default)]
pub(crate) struct PageCache {
    entries: VecDeque<(String, u64, Vec<u64>)>,
}

impl PageCache {
    fn get(&mut self, key: &str, generation: u64) -> Option<&Vec<u64>> {
        let pos = self
            .entries
            .iter()
            .position(|(k, g, _)| k == key && *g == generation)?;
        let e = self.entries.remove(pos)?;
        self.entries.push_front(e);
        self.entries.front().map(|(_, _, ids)| ids)
    }

    fn put(&mut self, key: String, generation: u64, ids: Vec<u64>) {
        self.entries.retain(|(k, _, _)| *k != key);
        self.entries.push_front((key, generation, ids));
        self.entries.truncate(PAGE_CACHE_ENTRIES);
    }
}

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

fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Str(x) => x.clone(),
        Lit::Num(d) => d.to_string(),
        Lit::Bool(b) => b.to_string(),
    }
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
            let lit = lit_text(l);
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

fn op_holds(op: Op, o: Option<Ordering>) -> bool {
    match op {
        Op::Eq | Op::In => o == Some(Ordering::Equal),
        Op::Lt => o == Some(Ordering::Less),
        Op::Gt => o == Some(Ordering::Greater),
        Op::Le => matches!(o, Some(Ordering::Less | Ordering::Equal)),
        Op::Ge => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
        Op::Like => false,
    }
}

fn value_matches(v: &Value, c: &Cond, off: i32) -> bool {
    match c.op {
        Op::In => c
            .values
            .iter()
            .any(|l| cmp_lit(v, l, &c.prop, off) == Some(Ordering::Equal)),
        Op::Like => match c.values.first() {
            Some(Lit::Str(p)) => like(v, p),
            _ => false,
        },
        op => op_holds(
            op,
            c.values.first().and_then(|l| cmp_lit(v, l, &c.prop, off)),
        ),
    }
}

/// Whether an object satisfies a condition.
pub(crate) fn matches(obj: &Obj, c: &Cond, off: i32) -> bool {
    extract(obj, &c.prop).is_some_and(|v| value_matches(v, c, off))
}

/// A condition answered from stored fields, or one that needs the object.
enum Check<'q> {
    Active(&'q Cond),
    Id(&'q Cond),
    Updated(Op, Vec<Option<DateTime<Utc>>>),
    Other(&'q Cond),
}

fn compile<'q>(q: &'q Query, off: i32) -> Vec<Check<'q>> {
    q.conds
        .iter()
        .map(|c| match c.prop.as_str() {
            "Active" => Check::Active(c),
            "Id" => Check::Id(c),
            "MetaData.LastUpdatedTime" if c.op != Op::Like => Check::Updated(
                c.op,
                c.values
                    .iter()
                    .map(|l| parse_instant(&lit_text(l), off))
                    .collect(),
            ),
            _ => Check::Other(c),
        })
        .collect()
}

fn check_stored(ch: &Check, s: &Stored, off: i32) -> bool {
    match ch {
        Check::Active(c) => value_matches(&Value::Bool(s.active()), c, off),
        Check::Id(c) => value_matches(&Value::String(s.id().to_string()), c, off),
        Check::Updated(op, lits) => {
            let t = DateTime::from_timestamp(s.updated(), 0);
            let cmp = |l: &Option<DateTime<Utc>>| match (t, l) {
                (Some(t), Some(l)) => Some(t.cmp(l)),
                _ => None,
            };
            match op {
                Op::In => lits.iter().any(|l| cmp(l) == Some(Ordering::Equal)),
                op => op_holds(*op, lits.first().and_then(cmp)),
            }
        }
        Check::Other(_) => true,
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

fn default_cmp(kind: Kind, a: &Stored, b: &Stored) -> Ordering {
    if kind.sort_field().is_some() {
        a.sort_key()
            .as_bytes()
            .cmp(b.sort_key().as_bytes())
            .then(a.id().cmp(&b.id()))
    } else {
        (b.updated(), b.id()).cmp(&(a.updated(), a.id()))
    }
}

/// A property value prepared for sorting (parsed once per row, not per
/// comparison). Variants order missing values first, as `value_cmp` does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Missing,
    Bool(bool),
    Num(rust_decimal::Decimal),
    Id(u64),
    Time(DateTime<Utc>),
    Text(Vec<u8>),
    Other,
}

fn sort_key(v: Option<&Value>, prop: &str, off: i32) -> SortKey {
    match v {
        None => SortKey::Missing,
        Some(Value::Bool(b)) => SortKey::Bool(*b),
        Some(n @ Value::Number(_)) => dec_of(n).map(SortKey::Num).unwrap_or(SortKey::Other),
        Some(Value::String(t)) => {
            if is_id_like(prop)
                && let Ok(n) = t.parse::<u64>()
            {
                return SortKey::Id(n);
            }
            if is_time_like(prop)
                && let Some(i) = parse_instant(t, off)
            {
                return SortKey::Time(i);
            }
            SortKey::Text(t.as_bytes().to_vec())
        }
        Some(_) => SortKey::Other,
    }
}

/// Sort stored rows by the query's `ORDERBY` (ties by Id). Orders the indexes
/// know (`Id`, `MetaData.LastUpdatedTime`, the name) use stored fields; others
/// parse each row once.
fn sort_by_order<'a>(q: &Query, mut rows: Vec<&'a Stored>, off: i32) -> Vec<&'a Stored> {
    if let [(p, desc)] = q.order.as_slice() {
        let fast: Option<fn(&Stored, &Stored) -> Ordering> = if p == "Id" {
            Some(|a, b| a.id().cmp(&b.id()))
        } else if p == "MetaData.LastUpdatedTime" {
            Some(|a, b| (a.updated(), a.id()).cmp(&(b.updated(), b.id())))
        } else if Some(p.as_str()) == q.kind.sort_field() {
            Some(|a, b| (a.sort_key().as_bytes(), a.id()).cmp(&(b.sort_key().as_bytes(), b.id())))
        } else {
            None
        };
        if let Some(f) = fast {
            rows.sort_by(|a, b| if *desc { f(b, a) } else { f(a, b) });
            return rows;
        }
    }
    let mut keyed: Vec<(Vec<SortKey>, &Stored)> = rows
        .into_iter()
        .map(|s| {
            let o = s.obj();
            let keys = q
                .order
                .iter()
                .map(|(p, _)| sort_key(extract(&o, p), p, off))
                .collect();
            (keys, s)
        })
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        for (i, (_, desc)) in q.order.iter().enumerate() {
            let o = ka[i].cmp(&kb[i]);
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id().cmp(&b.id())
    });
    keyed.into_iter().map(|(_, s)| s).collect()
}

/// Lower-case fragments one of which a row's JSON text must contain for a
/// string condition to possibly hold: checked before parsing the row. `None`
/// when the condition cannot be pre-filtered this way (numbers, times, Ids,
/// values JSON would escape).
fn needles(c: &Cond) -> Option<Vec<String>> {
    if is_id_like(&c.prop) || is_time_like(&c.prop) {
        return None;
    }
    let plain = |t: &str| {
        !t.is_empty()
            && !t.contains(['"', '\\'])
            && !t.chars().any(char::is_control)
            && t.parse::<rust_decimal::Decimal>().is_err()
    };
    let texts: Vec<&str> = c
        .values
        .iter()
        .map(|l| match l {
            Lit::Str(t) => Some(t.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    match c.op {
        Op::Eq | Op::In if texts.iter().all(|t| plain(t)) => {
            Some(texts.iter().map(|t| t.to_lowercase()).collect())
        }
        Op::Like => {
            let longest = texts.first()?.split('%').max_by_key(|f| f.len())?;
            plain(longest).then(|| vec![longest.to_lowercase()])
        }
        _ => None,
    }
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
        .filter_map(|l| lit_text(l).trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Some(ids)
}

/// Ids from the name / DocNumber index for `prop = 'x'` / `prop IN (...)`.
fn key_candidates(q: &Query, realm: &Realm) -> Option<Vec<u64>> {
    let field = key_field(q.kind)?;
    let c = q
        .conds
        .iter()
        .find(|c| c.prop == field && matches!(c.op, Op::Eq | Op::In))?;
    let table = realm.table(q.kind);
    let mut ids: Vec<u64> = c
        .values
        .iter()
        .flat_map(|l| table.ids_by_key(&lit_text(l)).iter().copied())
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
        .filter_map(|c| parse_instant(&lit_text(c.values.first()?), off).map(|t| t.timestamp()))
        .max()
}

fn page_response(kind: Kind, start: usize, page: Vec<Obj>) -> Value {
    if page.is_empty() {
        return json!({});
    }
    let n = page.len();
    let mut m = Obj::new();
    m.insert(
        kind.name().into(),
        Value::Array(page.into_iter().map(Value::Object).collect()),
    );
    m.insert("startPosition".into(), json!(start));
    m.insert("maxResults".into(), json!(n));
    Value::Object(m)
}

fn singleton(realm: &Realm, q: &Query) -> Value {
    let off = realm.utc_offset;
    let row = if q.kind == Kind::Preferences {
        &realm.preferences
    } else {
        &realm.company_info
    };
    let hit = q.conds.iter().all(|c| matches(&row.obj, c, off));
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
    Value::Object(m)
}

/// Run `q` against `realm`, returning the `QueryResponse` object. `cache`
/// (when given) keeps ordered Id lists for later pages of the same query.
pub(crate) fn run(
    realm: &Realm,
    q: &Query,
    hidden: &Hidden,
    cache: Option<&mut PageCache>,
) -> Value {
    if q.kind.is_singleton() {
        return singleton(realm, q);
    }
    let off = realm.utc_offset;
    let kind = q.kind;
    let table = realm.table(kind);
    let implicit_active = kind.is_name_list() && !mentions_active(q);
    let checks = compile(q, off);
    let others: Vec<&Cond> = checks
        .iter()
        .filter_map(|c| match c {
            Check::Other(c) => Some(*c),
            _ => None,
        })
        .collect();
    let prefilter: Vec<Vec<String>> = others.iter().filter_map(|c| needles(c)).collect();
    let pred = |s: &Stored| {
        (!implicit_active || s.active())
            && !hidden.contains(&(kind, s.id()))
            && checks.iter().all(|c| check_stored(c, s, off))
            && (others.is_empty() || {
                let text_ok = prefilter.is_empty() || {
                    let lower = s.text().to_lowercase();
                    prefilter
                        .iter()
                        .all(|alts| alts.iter().any(|n| lower.contains(n.as_str())))
                };
                text_ok && {
                    let o = s.obj();
                    others.iter().all(|c| matches(&o, c, off))
                }
            })
    };
    let skip = q.start - 1;
    let page_of = |ids: &[u64]| -> Vec<Obj> {
        ids.iter()
            .skip(skip)
            .take(q.max)
            .filter_map(|id| table.stored(*id).map(Stored::obj))
            .collect()
    };

    if kind == Kind::TaxCode {
        // A handful of rows, two with non-numeric Ids (`TAX`, `NON`, listed
        // first as QBO does in US companies): filter the parsed rows directly.
        let us = realm
            .company_info
            .obj
            .get("Country")
            .and_then(Value::as_str)
            == Some("US");
        let pseudo = realm.pseudo_tax_codes.iter().filter(|_| us).cloned();
        let real = table.iter_default().map(Stored::row);
        let mut rows: Vec<Row> = pseudo
            .chain(real)
            .filter(|r| q.conds.iter().all(|c| matches(&r.obj, c, off)))
            .collect();
        if q.count {
            return json!({"totalCount": rows.len()});
        }
        if !q.order.is_empty() {
            rows.sort_by(|a, b| {
                for (prop, desc) in &q.order {
                    let o = value_cmp(extract(&a.obj, prop), extract(&b.obj, prop), prop, off);
                    let o = if *desc { o.reverse() } else { o };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                Ordering::Equal
            });
        }
        let page = rows
            .into_iter()
            .skip(skip)
            .take(q.max)
            .map(|r| r.obj)
            .collect();
        return page_response(kind, q.start, page);
    }

    // Narrow the candidates through an index when a condition allows it.
    let narrowed: Option<Vec<&Stored>> = id_candidates(q)
        .or_else(|| key_candidates(q, realm))
        .map(|ids| {
            ids.iter()
                .filter_map(|id| table.stored(*id))
                .filter(|s| pred(s))
                .collect()
        })
        .or_else(|| {
            updated_lower_bound(q, off).map(|since| {
                table
                    .iter_updated_since(since)
                    .filter(|s| pred(s))
                    .collect()
            })
        });
    if q.count {
        let n = match narrowed {
            Some(v) => v.len(),
            None => table.iter_by_id(false).filter(|s| pred(s)).count(),
        };
        return json!({"totalCount": n});
    }
    if let Some(rows) = narrowed {
        let ids: Vec<u64> = sort_rows(q, rows, off)
            .into_iter()
            .map(Stored::id)
            .collect();
        return page_response(kind, q.start, page_of(&ids));
    }

    let index_order = match q.order.as_slice() {
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
    // A first page in an index order: stop after MAXRESULTS matches.
    if q.start == 1
        && let Some(it) = index_order
    {
        let page = it
            .filter(|s| pred(s))
            .take(q.max)
            .map(Stored::obj)
            .collect();
        return page_response(kind, q.start, page);
    }
    // Later pages (or a non-index order): the full ordered Id list, cached.
    let key = format!("{}|{:?}|{:?}|{:?}", realm.id, kind, q.conds, q.order);
    let generation = table.generation();
    let cacheable = hidden.is_empty();
    if cacheable && let Some(c) = cache {
        if let Some(ids) = c.get(&key, generation) {
            return page_response(kind, q.start, page_of(ids));
        }
        let ids = ordered_ids(q, table, &pred, off);
        let page = page_of(&ids);
        c.put(key, generation, ids);
        return page_response(kind, q.start, page);
    }
    let ids = ordered_ids(q, table, &pred, off);
    page_response(kind, q.start, page_of(&ids))
}

fn sort_rows<'a>(q: &Query, mut rows: Vec<&'a Stored>, off: i32) -> Vec<&'a Stored> {
    if q.order.is_empty() {
        rows.sort_by(|a, b| default_cmp(q.kind, a, b));
        rows
    } else {
        sort_by_order(q, rows, off)
    }
}

/// Every matching Id in the query's order.
fn ordered_ids(
    q: &Query,
    table: &super::table::Table,
    pred: &dyn Fn(&Stored) -> bool,
    off: i32,
) -> Vec<u64> {
    let in_index_order = match q.order.as_slice() {
        [] => Some(table.iter_default()),
        [(p, d)] if p == "Id" => Some(table.iter_by_id(*d)),
        [(p, d)] if p == "MetaData.LastUpdatedTime" => Some(table.iter_by_updated(*d)),
        [(p, d)] if Some(p.as_str()) == q.kind.sort_field() => Some(if *d {
            table.iter_default_rev()
        } else {
            table.iter_default()
        }),
        _ => None,
    };
    match in_index_order {
        Some(it) => it.filter(|s| pred(s)).map(Stored::id).collect(),
        None => {
            let rows: Vec<&Stored> = table.iter_by_id(false).filter(|s| pred(s)).collect();
            sort_rows(q, rows, off)
                .into_iter()
                .map(Stored::id)
                .collect()
        }
    }
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

    #[test]
    fn page_cache_is_keyed_by_shape_and_generation() {
        let mut c = PageCache::default();
        c.put("a".into(), 1, vec![1, 2]);
        assert!(c.get("a", 2).is_none(), "a changed table invalidates");
        assert_eq!(c.get("a", 1), Some(&vec![1, 2]));
        for i in 0..PAGE_CACHE_ENTRIES {
            c.put(format!("k{i}"), 1, vec![]);
        }
        assert!(c.get("a", 1).is_none(), "least recently used is evicted");
    }
}
