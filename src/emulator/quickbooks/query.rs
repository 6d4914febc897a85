//! The QBO query language subset, parsed strictly:
//!
//! ```text
//! SELECT * | COUNT(*) FROM <Entity>
//!   [WHERE <prop> <op> <value> [AND ...]]
//!   [ORDERBY <prop> [ASC|DESC] [, ...]] [STARTPOSITION n] [MAXRESULTS n]
//! ```
//!
//! Keywords are case-insensitive, entity names case-sensitive; `OR` is not part
//! of the language. Strings are single-quoted with backslash escapes (`\'`,
//! `\\`). Every error is a `4001 Invalid query` fault.

use super::fault::QboError;
use super::kind::Kind;
use super::value::dec_of;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Default page size when `MAXRESULTS` is absent.
pub(crate) const DEFAULT_MAX: usize = 100;
/// Largest accepted `MAXRESULTS` (larger values are rejected with 4001).
pub(crate) const MAX_MAX: usize = 1000;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
    In,
    Like,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Str(String),
    Num(Decimal),
    Bool(bool),
}

/// One `WHERE` condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cond {
    /// Canonical dotted property path (`MetaData.LastUpdatedTime`).
    pub prop: String,
    pub op: Op,
    /// One value, or several for `IN`.
    pub values: Vec<Lit>,
}

/// A parsed statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    pub kind: Kind,
    pub count: bool,
    pub conds: Vec<Cond>,
    /// (canonical property, descending).
    pub order: Vec<(String, bool)>,
    /// 1-based.
    pub start: usize,
    pub max: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Star,
    LParen,
    RParen,
    Comma,
    Cmp(&'static str),
    End,
}

struct Lexer {
    toks: Vec<(Tok, usize)>,
    pos: usize,
}

fn parse_err(found: &str, col: usize) -> QboError {
    QboError::invalid_query(format!(
        "QueryParserError: Encountered \"{found}\" at line 1, column {col}."
    ))
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, QboError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(parse_err("<EOF>", chars.len() + 1)),
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some(n) => s.push(*n),
                            None => return Err(parse_err("<EOF>", chars.len() + 1)),
                        }
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(ch) => {
                        s.push(*ch);
                        i += 1;
                    }
                }
            }
            out.push((Tok::Str(s), col));
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push((Tok::Num(chars[start..i].iter().collect()), col));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), col));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let (tok, len) = match (c, two.as_str()) {
                (_, "<=") => (Tok::Cmp("<="), 2),
                (_, ">=") => (Tok::Cmp(">="), 2),
                ('*', _) => (Tok::Star, 1),
                ('(', _) => (Tok::LParen, 1),
                (')', _) => (Tok::RParen, 1),
                (',', _) => (Tok::Comma, 1),
                ('=', _) => (Tok::Cmp("="), 1),
                ('<', _) => (Tok::Cmp("<"), 1),
                ('>', _) => (Tok::Cmp(">"), 1),
                _ => return Err(parse_err(&c.to_string(), col)),
            };
            out.push((tok, col));
            i += len;
        }
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

impl Lexer {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn next(&mut self) -> (Tok, usize) {
        let t = self.toks[self.pos].clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn err_here(&self) -> QboError {
        let (t, col) = &self.toks[self.pos];
        parse_err(&describe(t), *col)
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), QboError> {
        if self.is_kw(kw) {
            self.next();
            Ok(())
        } else {
            Err(self.err_here())
        }
    }

    fn expect(&mut self, t: Tok) -> Result<(), QboError> {
        if *self.peek() == t {
            self.next();
            Ok(())
        } else {
            Err(self.err_here())
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(s) | Tok::Num(s) => s.clone(),
        Tok::Str(s) => format!("'{s}'"),
        Tok::Star => "*".into(),
        Tok::LParen => "(".into(),
        Tok::RParen => ")".into(),
        Tok::Comma => ",".into(),
        Tok::Cmp(c) => (*c).into(),
        Tok::End => "<EOF>".into(),
    }
}

/// Map a property as written to its canonical spelling, checking it may be
/// used (`allowed` is the filterable or sortable list).
fn resolve_prop(kind: Kind, written: &str, allowed: &[&'static str]) -> Result<String, QboError> {
    if let Some(p) = allowed.iter().find(|p| p.eq_ignore_ascii_case(written)) {
        return Ok((*p).to_string());
    }
    let top = written.split('.').next().unwrap_or(written);
    if kind.fields().iter().any(|f| f.eq_ignore_ascii_case(top)) {
        Err(QboError::invalid_query(format!(
            "QueryValidationError: property '{written}' is not queryable for {}",
            kind.name()
        )))
    } else {
        Err(QboError::invalid_query(format!(
            "QueryValidationError: Property {written} not found for Entity {}",
            kind.name()
        )))
    }
}

fn literal(lx: &mut Lexer) -> Result<Lit, QboError> {
    match lx.next() {
        (Tok::Str(s), _) => Ok(Lit::Str(s)),
        (Tok::Num(n), col) => Decimal::from_str(&n)
            .map(Lit::Num)
            .map_err(|_| parse_err(&n, col)),
        (Tok::Ident(s), _) if s.eq_ignore_ascii_case("true") => Ok(Lit::Bool(true)),
        (Tok::Ident(s), _) if s.eq_ignore_ascii_case("false") => Ok(Lit::Bool(false)),
        (t, col) => Err(parse_err(&describe(&t), col)),
    }
}

fn positive(lx: &mut Lexer) -> Result<usize, QboError> {
    match lx.next() {
        (Tok::Num(n), col) => n.parse::<usize>().map_err(|_| parse_err(&n, col)),
        (t, col) => Err(parse_err(&describe(&t), col)),
    }
}

/// Parse a statement.
pub(crate) fn parse(src: &str) -> Result<Query, QboError> {
    if src.trim().is_empty() {
        return Err(QboError::invalid_query(
            "QueryParserError: Encountered \"<EOF>\" at line 1, column 1.",
        ));
    }
    let mut lx = Lexer {
        toks: lex(src)?,
        pos: 0,
    };
    lx.expect_kw("select")?;
    let count = if *lx.peek() == Tok::Star {
        lx.next();
        false
    } else if lx.is_kw("count") {
        lx.next();
        lx.expect(Tok::LParen)?;
        lx.expect(Tok::Star)?;
        lx.expect(Tok::RParen)?;
        true
    } else {
        return Err(lx.err_here());
    };
    lx.expect_kw("from")?;
    let kind = match lx.next() {
        (Tok::Ident(name), _) => Kind::from_name(&name).ok_or_else(|| {
            QboError::invalid_query(format!(
                "QueryValidationError: invalid context declaration: {name}"
            ))
        })?,
        (t, col) => return Err(parse_err(&describe(&t), col)),
    };
    let filterable = kind.filterable();
    let sortable = kind.sortable();
    let mut q = Query {
        kind,
        count,
        conds: Vec::new(),
        order: Vec::new(),
        start: 1,
        max: DEFAULT_MAX,
    };
    if lx.is_kw("where") {
        lx.next();
        loop {
            let (prop, _) = match lx.next() {
                (Tok::Ident(p), col) => (p, col),
                (t, col) => return Err(parse_err(&describe(&t), col)),
            };
            let prop = resolve_prop(kind, &prop, &filterable)?;
            let cond = if lx.is_kw("in") {
                lx.next();
                lx.expect(Tok::LParen)?;
                let mut values = vec![literal(&mut lx)?];
                while *lx.peek() == Tok::Comma {
                    lx.next();
                    values.push(literal(&mut lx)?);
                }
                lx.expect(Tok::RParen)?;
                Cond {
                    prop,
                    op: Op::In,
                    values,
                }
            } else if lx.is_kw("like") {
                lx.next();
                match lx.next() {
                    (Tok::Str(s), _) => Cond {
                        prop,
                        op: Op::Like,
                        values: vec![Lit::Str(s)],
                    },
                    (t, col) => return Err(parse_err(&describe(&t), col)),
                }
            } else {
                let op = match lx.next() {
                    (Tok::Cmp("="), _) => Op::Eq,
                    (Tok::Cmp("<"), _) => Op::Lt,
                    (Tok::Cmp(">"), _) => Op::Gt,
                    (Tok::Cmp("<="), _) => Op::Le,
                    (Tok::Cmp(">="), _) => Op::Ge,
                    (t, col) => return Err(parse_err(&describe(&t), col)),
                };
                Cond {
                    prop,
                    op,
                    values: vec![literal(&mut lx)?],
                }
            };
            q.conds.push(cond);
            if lx.is_kw("and") {
                lx.next();
                continue;
            }
            break;
        }
    }
    let (mut seen_order, mut seen_start, mut seen_max) = (false, false, false);
    loop {
        if lx.is_kw("orderby") || lx.is_kw("order") {
            if seen_order {
                return Err(lx.err_here());
            }
            seen_order = true;
            let two_words = lx.is_kw("order");
            lx.next();
            if two_words {
                lx.expect_kw("by")?;
            }
            loop {
                let prop = match lx.next() {
                    (Tok::Ident(p), _) => resolve_prop(kind, &p, &sortable)?,
                    (t, col) => return Err(parse_err(&describe(&t), col)),
                };
                let desc = if lx.is_kw("desc") {
                    lx.next();
                    true
                } else {
                    if lx.is_kw("asc") {
                        lx.next();
                    }
                    false
                };
                q.order.push((prop, desc));
                if *lx.peek() == Tok::Comma {
                    lx.next();
                    continue;
                }
                break;
            }
        } else if lx.is_kw("startposition") && !seen_start {
            seen_start = true;
            lx.next();
            let n = positive(&mut lx)?;
            if n < 1 {
                return Err(QboError::invalid_query(format!(
                    "QueryValidationError: value {n} is too small. Min allowed value is 1"
                )));
            }
            q.start = n;
        } else if lx.is_kw("maxresults") && !seen_max {
            seen_max = true;
            lx.next();
            let n = positive(&mut lx)?;
            if n < 1 {
                return Err(QboError::invalid_query(format!(
                    "QueryValidationError: value {n} is too small. Min allowed value is 1"
                )));
            }
            if n > MAX_MAX {
                return Err(QboError::invalid_query(format!(
                    "QueryValidationError: value {n} is too large. Max allowed value is {MAX_MAX}"
                )));
            }
            q.max = n;
        } else if *lx.peek() == Tok::End {
            break;
        } else {
            return Err(lx.err_here());
        }
    }
    Ok(q)
}

/// Whether the query states an `Active` condition (otherwise name lists only
/// return active rows).
pub(crate) fn mentions_active(q: &Query) -> bool {
    q.conds.iter().any(|c| c.prop == "Active")
}

/// Decimal value of a literal, if numeric.
pub(crate) fn lit_dec(l: &Lit) -> Option<Decimal> {
    match l {
        Lit::Num(d) => Some(*d),
        Lit::Str(s) => dec_of(&serde_json::Value::String(s.clone())),
        Lit::Bool(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_recorded_statements() {
        let q = parse("SELECT count(*) FROM Customer WHERE Id IN ('5', '6', '7')").unwrap();
        assert!(q.count);
        assert_eq!(q.conds[0].op, Op::In);
        assert_eq!(q.conds[0].values.len(), 3);
        let q = parse("SELECT * FROM Customer WHERE Id IN ('5') AND Active IN ( true, false ) MAXRESULTS 2 STARTPOSITION 3").unwrap();
        assert_eq!((q.start, q.max), (3, 2));
        assert!(mentions_active(&q));
        let q =
            parse("SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary'").unwrap();
        assert_eq!(
            q.conds[0].values,
            vec![Lit::Str("Amy's Bird Sanctuary".into())]
        );
        let q = parse("select * from Vendor orderby DisplayName desc, Id").unwrap();
        assert_eq!(
            q.order,
            vec![("DisplayName".into(), true), ("Id".into(), false)]
        );
        let q = parse("SELECT * FROM Customer WHERE metadata.lastupdatedtime >= '2020-01-01' ORDER BY MetaData.LastUpdatedTime").unwrap();
        assert_eq!(q.conds[0].prop, "MetaData.LastUpdatedTime");
    }

    #[test]
    fn rejects_what_qbo_rejects() {
        let code = |s: &str| parse(s).unwrap_err().code().to_string();
        assert_eq!(code("SELECT * FROM Custmoer"), "4001");
        assert_eq!(code("SELECT * FROM customer"), "4001");
        assert_eq!(
            code("SELECT * FROM Customer WHERE Active = true OR Id = '1'"),
            "4001"
        );
        assert_eq!(code("SELECT * FROM Customer MAXRESULTS 0"), "4001");
        assert_eq!(code("SELECT * FROM Customer MAXRESULTS 1001"), "4001");
        assert_eq!(code("SELECT * FROM Customer WHERE Notes = 'x'"), "4001");
        assert_eq!(code("SELECT * FROM Customer WHERE Nope = 'x'"), "4001");
        assert_eq!(
            code("SELECT * FROM Customer WHERE DisplayName = 'open"),
            "4001"
        );
        assert_eq!(code("SELECT Id FROM Customer"), "4001");
        assert_eq!(code(""), "4001");
        let e = parse("SELECT * FROM Custmoer").unwrap_err();
        assert_eq!(
            e.errors[0].detail.as_deref(),
            Some("QueryValidationError: invalid context declaration: Custmoer")
        );
    }

    proptest::proptest! {
        #[test]
        fn escaped_strings_round_trip(s in "\\PC*") {
            let esc = s.replace('\\', "\\\\").replace('\'', "\\'");
            let q = parse(&format!("SELECT * FROM Customer WHERE DisplayName = '{esc}'")).unwrap();
            proptest::prop_assert_eq!(&q.conds[0].values[0], &Lit::Str(s));
        }

        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
            let _ = parse(&format!("SELECT * FROM Customer WHERE {s}"));
        }
    }

    #[test]
    fn backslash_escapes_and_unicode() {
        let q = parse("SELECT * FROM Customer WHERE DisplayName = 'a\\\\b\\'c – ü'").unwrap();
        assert_eq!(q.conds[0].values, vec![Lit::Str("a\\b'c – ü".into())]);
    }
}
