//! A builder for QBO query statements that escapes values correctly and always
//! states the `Active` condition of name-list entities explicitly.
//!
//! Grammar: `SELECT * FROM <Entity> [WHERE c AND c …] [ORDERBY f [ASC|DESC]]
//! STARTPOSITION n MAXRESULTS m`. String literals are single-quoted with
//! backslash escapes: `\\` for a backslash, `\'` for an apostrophe, and — only
//! inside `LIKE` patterns — `\%` for a literal percent sign (`%` unescaped is
//! the wildcard). Non-ASCII text is sent as is (the statement is URL-encoded
//! as UTF-8).

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

/// Name-list entities: QBO hides inactive rows unless the query says otherwise.
pub const NAME_LIST_ENTITIES: &[&str] = &[
    "Customer",
    "Item",
    "Vendor",
    "Employee",
    "Account",
    "Term",
    "TaxCode",
    "Class",
    "Department",
    "PaymentMethod",
];

/// Whether `entity` has an `Active` flag.
pub fn is_name_list(entity: &str) -> bool {
    NAME_LIST_ENTITIES
        .iter()
        .any(|e| e.eq_ignore_ascii_case(entity))
}

/// Which rows to include by their `Active` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Active {
    /// `Active = true`.
    Only,
    /// `Active = false`.
    Inactive,
    /// `Active IN (true, false)`: both (no condition for entities without
    /// an `Active` flag, such as Invoice and Payment).
    Any,
    /// The entity has no `Active` flag (transactions: Invoice, Payment).
    NotApplicable,
}

/// A literal value in a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum QValue {
    /// A string (escaped and quoted).
    Str(String),
    /// `true` / `false` (bare).
    Bool(bool),
    /// A number (bare, exact digits).
    Num(Decimal),
    /// A date (`'YYYY-MM-DD'`).
    Date(NaiveDate),
    /// A datetime (`'2015-03-01T10:00:00-07:00'`).
    DateTime(DateTime<FixedOffset>),
}

impl From<&str> for QValue {
    fn from(s: &str) -> Self {
        QValue::Str(s.to_string())
    }
}
impl From<String> for QValue {
    fn from(s: String) -> Self {
        QValue::Str(s)
    }
}
impl From<bool> for QValue {
    fn from(b: bool) -> Self {
        QValue::Bool(b)
    }
}
impl From<Decimal> for QValue {
    fn from(d: Decimal) -> Self {
        QValue::Num(d)
    }
}
impl From<NaiveDate> for QValue {
    fn from(d: NaiveDate) -> Self {
        QValue::Date(d)
    }
}
impl From<DateTime<FixedOffset>> for QValue {
    fn from(d: DateTime<FixedOffset>) -> Self {
        QValue::DateTime(d)
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Cond {
    Cmp(String, Op, QValue),
    In(String, Vec<QValue>),
    /// Field, pattern pieces: literal text and wildcards.
    Like(String, Vec<LikePart>),
}

/// A piece of a `LIKE` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LikePart {
    /// Text matched literally (its `%` are escaped).
    Text(String),
    /// `%`: any run of characters.
    Any,
}

/// A `SELECT * FROM …` statement under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    entity: String,
    active: Active,
    conds: Vec<Cond>,
    order_by: Option<(String, bool)>,
}

impl Query {
    /// `SELECT * FROM entity` with an explicit `Active` choice.
    pub fn select(entity: &str, active: Active) -> Self {
        Query {
            entity: entity.to_string(),
            active,
            conds: Vec::new(),
            order_by: None,
        }
    }

    /// `SELECT * FROM entity` choosing `Active IN (true, false)` for
    /// name-list entities and nothing for transactions.
    pub fn all(entity: &str) -> Self {
        let active = if is_name_list(entity) {
            Active::Any
        } else {
            Active::NotApplicable
        };
        Query::select(entity, active)
    }

    /// The entity.
    pub fn entity(&self) -> &str {
        &self.entity
    }

    /// `field op value`.
    pub fn filter(mut self, field: &str, op: Op, value: impl Into<QValue>) -> Self {
        self.conds
            .push(Cond::Cmp(field.to_string(), op, value.into()));
        self
    }

    /// `field = value`.
    pub fn eq(self, field: &str, value: impl Into<QValue>) -> Self {
        self.filter(field, Op::Eq, value)
    }

    /// `field IN (v1, v2, …)`.
    pub fn in_list(mut self, field: &str, values: Vec<QValue>) -> Self {
        self.conds.push(Cond::In(field.to_string(), values));
        self
    }

    /// `field LIKE pattern` from literal pieces and wildcards.
    pub fn like(mut self, field: &str, parts: Vec<LikePart>) -> Self {
        self.conds.push(Cond::Like(field.to_string(), parts));
        self
    }

    /// `field LIKE '%text%'` (text matched literally).
    pub fn contains(self, field: &str, text: &str) -> Self {
        self.like(
            field,
            vec![LikePart::Any, LikePart::Text(text.into()), LikePart::Any],
        )
    }

    /// `field LIKE 'text%'`.
    pub fn starts_with(self, field: &str, text: &str) -> Self {
        self.like(field, vec![LikePart::Text(text.into()), LikePart::Any])
    }

    /// `ORDERBY field ASC|DESC`.
    pub fn order_by(mut self, field: &str, ascending: bool) -> Self {
        self.order_by = Some((field.to_string(), ascending));
        self
    }

    /// The statement for one page (`start` is 1-based).
    pub fn statement(&self, start: u64, max: u64) -> Result<String, String> {
        let mut s = self.head("*")?;
        if let Some((f, asc)) = &self.order_by {
            check_ident(f)?;
            s.push_str(&format!(
                " ORDERBY {f} {}",
                if *asc { "ASC" } else { "DESC" }
            ));
        }
        s.push_str(&format!(
            " STARTPOSITION {} MAXRESULTS {}",
            start.max(1),
            max.clamp(1, 1000)
        ));
        Ok(s)
    }

    /// `SELECT COUNT(*) …` with the same conditions.
    pub fn count_statement(&self) -> Result<String, String> {
        self.head("COUNT(*)")
    }

    fn head(&self, what: &str) -> Result<String, String> {
        check_ident(&self.entity)?;
        if self.active == Active::NotApplicable && is_name_list(&self.entity) {
            return Err(format!(
                "{} is a name-list entity: state the Active condition explicitly",
                self.entity
            ));
        }
        let mut parts = Vec::new();
        for c in &self.conds {
            parts.push(render_cond(c)?);
        }
        match self.active {
            Active::Only => parts.push("Active = true".into()),
            Active::Inactive => parts.push("Active = false".into()),
            Active::Any if is_name_list(&self.entity) => {
                parts.push("Active IN (true, false)".into())
            }
            // Transactions have no Active flag: "any" means no condition.
            Active::Any | Active::NotApplicable => {}
        }
        let mut s = format!("SELECT {what} FROM {}", self.entity);
        if !parts.is_empty() {
            s.push_str(" WHERE ");
            s.push_str(&parts.join(" AND "));
        }
        Ok(s)
    }
}

fn check_ident(f: &str) -> Result<(), String> {
    let ok = !f.is_empty()
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && !f.starts_with('.')
        && !f.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(format!("`{f}` is not a valid field or entity name"))
    }
}

fn render_cond(c: &Cond) -> Result<String, String> {
    Ok(match c {
        Cond::Cmp(f, op, v) => {
            check_ident(f)?;
            format!("{f} {} {}", op.as_str(), render_value(v))
        }
        Cond::In(f, vs) => {
            check_ident(f)?;
            if vs.is_empty() {
                return Err(format!("IN list for `{f}` is empty"));
            }
            let items: Vec<String> = vs.iter().map(render_value).collect();
            format!("{f} IN ({})", items.join(", "))
        }
        Cond::Like(f, parts) => {
            check_ident(f)?;
            let mut pat = String::from("'");
            for p in parts {
                match p {
                    LikePart::Any => pat.push('%'),
                    LikePart::Text(t) => pat.push_str(&escape_like(t)),
                }
            }
            pat.push('\'');
            format!("{f} LIKE {pat}")
        }
    })
}

/// Escape a string for the inside of a quoted literal.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            c => out.push(c),
        }
    }
    out
}

/// Escape literal text inside a `LIKE` pattern (also escapes `%`).
pub fn escape_like(s: &str) -> String {
    escape(s).replace('%', "\\%")
}

/// `'…'` with `s` escaped.
pub fn quote(s: &str) -> String {
    format!("'{}'", escape(s))
}

fn render_value(v: &QValue) -> String {
    match v {
        QValue::Str(s) => quote(s),
        QValue::Bool(b) => b.to_string(),
        QValue::Num(d) => d.to_string(),
        QValue::Date(d) => format!("'{}'", d.format("%Y-%m-%d")),
        QValue::DateTime(d) => format!(
            "'{}'",
            d.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tiny unescaper: read the quoted literal starting at `s[0] == '\''`,
    /// returning its value and the rest of the input. `like` decodes `\%`.
    fn read_literal(s: &str, like: bool) -> Option<(String, &str)> {
        let mut chars = s.char_indices();
        if chars.next()?.1 != '\'' {
            return None;
        }
        let mut out = String::new();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    let (_, n) = chars.next()?;
                    match n {
                        '\\' | '\'' => out.push(n),
                        '%' if like => out.push_str("\u{0}PCT"),
                        _ => return None,
                    }
                }
                '\'' => return Some((out, &s[i + 1..])),
                c => out.push(c),
            }
        }
        None
    }

    #[test]
    fn the_recorded_apostrophe_query() {
        let q = Query::select("Customer", Active::Any).eq("DisplayName", "Amy's Bird Sanctuary");
        assert_eq!(
            q.statement(1, 1000).unwrap(),
            "SELECT * FROM Customer WHERE DisplayName = 'Amy\\'s Bird Sanctuary' AND Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000"
        );
        // The recorded URL: …DisplayName%20=%20%27Amy%5C%27s%20Bird%20Sanctuary%27
        let enc = crate::http::encode_query_value("DisplayName = 'Amy\\'s Bird Sanctuary'");
        assert_eq!(
            enc,
            "DisplayName%20%3D%20%27Amy%5C%27s%20Bird%20Sanctuary%27"
        );
    }

    #[test]
    fn active_is_always_explicit_for_name_lists() {
        assert!(
            Query::select("Customer", Active::NotApplicable)
                .statement(1, 10)
                .is_err()
        );
        assert_eq!(
            Query::select("Item", Active::Only)
                .statement(1, 10)
                .unwrap(),
            "SELECT * FROM Item WHERE Active = true STARTPOSITION 1 MAXRESULTS 10"
        );
        assert_eq!(
            Query::select("Payment", Active::Any)
                .statement(1, 5)
                .unwrap(),
            "SELECT * FROM Payment STARTPOSITION 1 MAXRESULTS 5"
        );
        assert_eq!(
            Query::all("Invoice").statement(1001, 1000).unwrap(),
            "SELECT * FROM Invoice STARTPOSITION 1001 MAXRESULTS 1000"
        );
        assert_eq!(
            Query::all("Vendor").count_statement().unwrap(),
            "SELECT COUNT(*) FROM Vendor WHERE Active IN (true, false)"
        );
    }

    #[test]
    fn values_and_like() {
        let d = DateTime::parse_from_rfc3339("2015-03-01T10:00:00-07:00").unwrap();
        let q = Query::all("Invoice")
            .filter("MetaData.LastUpdatedTime", Op::Ge, d)
            .in_list("Id", vec!["5".into(), "6".into()])
            .filter("TotalAmt", Op::Gt, Decimal::new(30000, 2))
            .starts_with("DocNumber", "50%\\x")
            .order_by("Id", true);
        assert_eq!(
            q.statement(1, 5000).unwrap(),
            "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '2015-03-01T10:00:00-07:00' AND Id IN ('5', '6') AND TotalAmt > 300.00 AND DocNumber LIKE '50\\%\\\\x%' ORDERBY Id ASC STARTPOSITION 1 MAXRESULTS 1000"
        );
    }

    #[test]
    fn field_names_cannot_inject() {
        assert!(
            Query::all("Invoice")
                .eq("Id = '1' OR 1", "x")
                .statement(1, 1)
                .is_err()
        );
        assert!(
            Query::select("Customer; DROP", Active::Any)
                .statement(1, 1)
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn literals_round_trip(s in "\\PC*") {
            let q = quote(&s);
            let (back, rest) = read_literal(&q, false).expect("parses");
            prop_assert_eq!(back, s);
            prop_assert_eq!(rest, "");
        }

        #[test]
        fn statement_value_cannot_escape_its_literal(s in "[a-zA-Z0-9 '\\\\%_é漢😀]{0,40}") {
            let stmt = Query::select("Customer", Active::Any).eq("DisplayName", s.as_str()).statement(1, 1000).unwrap();
            let prefix = "SELECT * FROM Customer WHERE DisplayName = ";
            prop_assert!(stmt.starts_with(prefix));
            let (back, rest) = read_literal(&stmt[prefix.len()..], false).expect("literal");
            prop_assert_eq!(back, s);
            prop_assert_eq!(rest, " AND Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000");
        }

        #[test]
        fn like_text_round_trips(s in "\\PC{0,30}") {
            let stmt = Query::all("Invoice").contains("DocNumber", &s).statement(1, 10).unwrap();
            let prefix = "SELECT * FROM Invoice WHERE DocNumber LIKE ";
            let (back, rest) = read_literal(&stmt[prefix.len()..], true).expect("literal");
            // Decoded literal percent markers become `%` again; the two
            // unescaped wildcards frame the text.
            let expected = format!("%{}%", s.replace('%', "\u{0}PCT"));
            prop_assert_eq!(back, expected);
            prop_assert_eq!(rest, " STARTPOSITION 1 MAXRESULTS 10");
        }
    }
}
