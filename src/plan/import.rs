//! `hsqb import`: adopt existing HubSpot ⇄ QuickBooks pairs without changing
//! any data. The result is an ordinary [`Plan`] made only of `link` changes
//! (plus the link property's `ensure` when HubSpot lacks it), so it is
//! rendered, saved and applied like any plan: idempotent and journaled.
//!
//! Three sources of pairs:
//! - [`ImportSource::MatchKeys`]: the manifest's `match` rules (the planner's
//!   own pairing, keeping only its links);
//! - [`ImportSource::Pairs`]: explicit id pairs (a CSV file). Every row is
//!   validated; any bad row refuses the whole import ([`RowError`]s with line
//!   numbers), because a half-imported list is hard to reason about;
//! - [`ImportSource::FromProperty`]: HubSpot records that already carry a QBO
//!   id in some property (e.g. left by HubSpot's own integration). Records
//!   that cannot be linked are skipped with a diagnostic, like the planner does.
//!
//! Pure like the planner: no IO, same input ⇒ same plan.

use super::builder::{Builder, hs_ref, qbo_ref};
use super::input::PlanInput;
use super::model::*;
use crate::manifest::SyncBlock;
use crate::model::{HsRecord, ObjectKind, QboRecord, System, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Where the pairs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// The blocks' `match` rules.
    MatchKeys,
    /// Explicit pairs (from `--csv`).
    Pairs(Vec<PairRow>),
    /// A HubSpot property holding the QBO id.
    FromProperty(String),
}

/// One pair to adopt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRow {
    /// Line in the source file (1-based; the header is line 1).
    pub line: usize,
    /// `contacts` or `products`.
    pub block: String,
    /// HubSpot record id.
    pub hubspot_id: String,
    /// QuickBooks record id.
    pub quickbooks_id: String,
    /// QuickBooks company name (optional: the block's company).
    pub company: Option<String>,
}

/// A rejected pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line in the source file (0 when not from a file).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

/// Parse a pairs CSV: a header naming the columns `block`, `hubspot_id`,
/// `quickbooks_id` and optionally `company` (any order), then one pair per
/// line. Fields may be double-quoted (`""` inside quotes is a quote). Blank
/// lines and lines starting with `#` are ignored.
pub fn parse_pairs_csv(text: &str) -> Result<Vec<PairRow>, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let mut columns: Option<BTreeMap<String, usize>> = None;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
            continue;
        }
        let fields = match split_csv_line(raw) {
            Ok(f) => f,
            Err(m) => {
                errors.push(RowError { line, message: m });
                continue;
            }
        };
        let Some(cols) = &columns else {
            let map: BTreeMap<String, usize> = fields
                .iter()
                .enumerate()
                .map(|(i, f)| (f.trim().to_ascii_lowercase(), i))
                .collect();
            let missing: Vec<&str> = ["block", "hubspot_id", "quickbooks_id"]
                .into_iter()
                .filter(|c| !map.contains_key(*c))
                .collect();
            if !missing.is_empty() {
                return Err(vec![RowError {
                    line,
                    message: format!(
                        "the header must name the columns block,hubspot_id,quickbooks_id[,company]; missing: {}",
                        missing.join(", ")
                    ),
                }]);
            }
            if let Some(extra) = map.keys().find(|k| {
                !["block", "hubspot_id", "quickbooks_id", "company"].contains(&k.as_str())
            }) {
                return Err(vec![RowError {
                    line,
                    message: format!(
                        "unknown column `{extra}` (columns: block, hubspot_id, quickbooks_id, company)"
                    ),
                }]);
            }
            columns = Some(map);
            continue;
        };
        if fields.len() != cols.len() {
            errors.push(RowError {
                line,
                message: format!("{} field(s), the header has {}", fields.len(), cols.len()),
            });
            continue;
        }
        let get = |c: &str| cols.get(c).map(|i| fields[*i].trim().to_string());
        let row = PairRow {
            line,
            block: get("block").unwrap_or_default(),
            hubspot_id: get("hubspot_id").unwrap_or_default(),
            quickbooks_id: get("quickbooks_id").unwrap_or_default(),
            company: get("company").filter(|c| !c.is_empty()),
        };
        let mut bad = Vec::new();
        for (name, v) in [
            ("block", &row.block),
            ("hubspot_id", &row.hubspot_id),
            ("quickbooks_id", &row.quickbooks_id),
        ] {
            if v.is_empty() {
                bad.push(format!("`{name}` is empty"));
            }
        }
        for (name, v) in [
            ("hubspot_id", &row.hubspot_id),
            ("quickbooks_id", &row.quickbooks_id),
        ] {
            if !v.is_empty() && !v.chars().all(|c| c.is_ascii_digit()) {
                bad.push(format!("`{name}` `{v}` is not a record id (digits only)"));
            }
        }
        if bad.is_empty() {
            rows.push(row);
        } else {
            errors.push(RowError {
                line,
                message: bad.join("; "),
            });
        }
    }
    if columns.is_none() {
        errors.push(RowError {
            line: 1,
            message:
                "the file is empty (expected a header block,hubspot_id,quickbooks_id[,company])"
                    .into(),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn split_csv_line(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut was_quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cur.push(c),
            (false, '"') if cur.trim().is_empty() && !was_quoted => {
                cur.clear();
                quoted = true;
                was_quoted = true;
            }
            (false, ',') => {
                out.push(std::mem::take(&mut cur));
                was_quoted = false;
            }
            (false, '"') => return Err("a quote inside an unquoted field".into()),
            (false, c) => cur.push(c),
        }
    }
    if quoted {
        return Err("an unterminated quoted field".into());
    }
    out.push(cur);
    Ok(out)
}

/// What an import block needs to know.
struct Target {
    block: Block,
    hs_object: &'static str,
    hs_kind: ObjectKind,
    qbo_entity: &'static str,
    qbo_kind: ObjectKind,
    company: String,
    link: String,
}

fn targets(input: PlanInput<'_>) -> Vec<Target> {
    let m = input.manifest;
    let mut out = Vec::new();
    if let Some(c) = m.contacts()
        && let Some(company) = m.qbo_company_for(c)
    {
        out.push(Target {
            block: Block::Contacts,
            hs_object: "contacts",
            hs_kind: ObjectKind::Contact,
            qbo_entity: "Customer",
            qbo_kind: ObjectKind::Customer,
            company: company.to_string(),
            link: c.link_property().to_string(),
        });
    }
    if let Some(p) = m.products()
        && let Some(company) = m.qbo_company_for(p)
    {
        out.push(Target {
            block: Block::Products,
            hs_object: "products",
            hs_kind: ObjectKind::Product,
            qbo_entity: "Item",
            qbo_kind: ObjectKind::Item,
            company: company.to_string(),
            link: p.link_property().to_string(),
        });
    }
    out
}

/// Make the import plan. `Err` lists every bad row of a [`ImportSource::Pairs`]
/// import (nothing is planned then).
pub fn import_plan(input: PlanInput<'_>, source: &ImportSource) -> Result<Plan, Vec<RowError>> {
    let full = super::plan(input);
    let mut b = Builder::default();
    // The link properties' ensure changes (and any blocking diagnostic about
    // them, e.g. an existing non-unique property) come from the planner.
    let ensures: BTreeMap<String, Change> = full
        .changes
        .iter()
        .filter(|c| c.action == Action::Ensure)
        .map(|c| (c.id.clone(), c.clone()))
        .collect();
    for d in full
        .diagnostics
        .iter()
        .filter(|d| d.code == "link_property_not_unique" || d.code == "unknown_company")
    {
        b.diags.push(d.clone());
    }
    let mut links: Vec<Change> = Vec::new();
    match source {
        ImportSource::MatchKeys => {
            links.extend(
                full.changes
                    .iter()
                    .filter(|c| c.action == Action::Link)
                    .cloned(),
            );
            const PAIRING: &[&str] = &[
                "ambiguous_match",
                "missing_match_key",
                "duplicate_link",
                "duplicate_email",
                "counterpart_not_read",
            ];
            b.diags.extend(
                full.diagnostics
                    .iter()
                    .filter(|d| PAIRING.contains(&d.code.as_str()))
                    .cloned(),
            );
        }
        ImportSource::Pairs(rows) => {
            let (ok, errors) = validate_rows(input, rows);
            if !errors.is_empty() {
                return Err(errors);
            }
            for (t, hs, q, note) in ok {
                links.push(link_change(&t, hs, q, note));
            }
        }
        ImportSource::FromProperty(prop) => {
            for t in targets(input) {
                let rows: Vec<PairRow> = input
                    .hubspot
                    .records(t.hs_object)
                    .iter()
                    .filter(|r| !r.archived)
                    .filter_map(|r| {
                        let v = r.prop(prop)?.trim();
                        (r.prop(&t.link) != Some(v)).then(|| PairRow {
                            line: 0,
                            block: t.block.name().to_string(),
                            hubspot_id: r.id.clone(),
                            quickbooks_id: v.to_string(),
                            company: None,
                        })
                    })
                    .collect();
                for row in rows {
                    let (ok, errors) = validate_rows(input, std::slice::from_ref(&row));
                    for (t, hs, q, _) in ok {
                        links.push(link_change(&t, hs, q, format!("{prop}={}", q.id)));
                    }
                    for e in errors {
                        let rec = hs_ref(t.hs_kind, &row.hubspot_id);
                        b.skip(&rec);
                        b.record_diag(
                            Severity::Warning,
                            "import_skipped",
                            t.block,
                            Some(rec),
                            None,
                            e.message,
                            Some("fix the record (or its link) in HubSpot, or link it with `hsqb import --csv`"),
                        );
                    }
                }
            }
        }
    }
    // Only the links to write, each depending on its property's ensure.
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for c in &mut links {
        for t in targets(input).iter().filter(|t| t.block == c.block) {
            let id = format!("properties/ensure/{}/{}", t.hs_object, t.link);
            if ensures.contains_key(&id) {
                needed.insert(id.clone());
                if !c.depends_on.contains(&id) {
                    c.depends_on.push(id);
                }
            }
        }
        c.depends_on.retain(|d| ensures.contains_key(d));
        needed.extend(c.depends_on.iter().cloned());
    }
    if !links.is_empty() {
        for id in needed {
            if let Some(e) = ensures.get(&id) {
                b.push(e.clone());
            }
        }
    }
    for c in links {
        b.push(c);
    }
    let summary = b.finish();
    // No watermarks: an import syncs nothing else, so the next plan must
    // still read what changed. (Links of two-way pairs found by match keys
    // carry the planner's baseline on the change itself.)
    Ok(super::engine::sealed_plan(
        &mut b,
        input.options,
        summary,
        StateUpdates::default(),
    ))
}

type Valid<'a> = (Target, &'a HsRecord, &'a QboRecord, String);

/// Check each row; returns the valid pairs and the errors.
fn validate_rows<'a>(input: PlanInput<'a>, rows: &[PairRow]) -> (Vec<Valid<'a>>, Vec<RowError>) {
    let mut ok = Vec::new();
    let mut errors = Vec::new();
    // (block, id) → first line using it, within the import.
    let mut seen_hs: BTreeMap<(Block, String), usize> = BTreeMap::new();
    let mut seen_q: BTreeMap<(Block, String), usize> = BTreeMap::new();
    for row in rows {
        let err = |m: String| RowError {
            line: row.line,
            message: m,
        };
        let Some(t) = targets(input)
            .into_iter()
            .find(|t| t.block.name() == row.block)
        else {
            errors.push(err(format!(
                "block `{}` is not an enabled contacts or products block of the manifest",
                row.block
            )));
            continue;
        };
        if let Some(c) = &row.company
            && c != &t.company
        {
            errors.push(err(format!(
                "the {} block syncs with QuickBooks company `{}`, not `{c}`",
                row.block, t.company
            )));
            continue;
        }
        let mut problems = Vec::new();
        let hs_noun = t.hs_kind.noun();
        let q_noun = t.qbo_kind.noun();
        let hs = input
            .hubspot
            .records(t.hs_object)
            .iter()
            .find(|r| r.id == row.hubspot_id);
        match hs {
            None => problems.push(format!(
                "HubSpot {hs_noun} {} does not exist",
                row.hubspot_id
            )),
            Some(r) if r.archived => {
                problems.push(format!("HubSpot {hs_noun} {} is archived", row.hubspot_id))
            }
            Some(r) => match r.prop(&t.link) {
                Some(v) if v == row.quickbooks_id => {}
                Some(v) => problems.push(format!(
                    "HubSpot {hs_noun} {} is already linked to QuickBooks {q_noun} {v}",
                    row.hubspot_id
                )),
                None => {}
            },
        }
        let q = input.quickbooks.get(&t.company).and_then(|s| {
            s.records(t.qbo_entity)
                .iter()
                .find(|q| q.id == row.quickbooks_id)
        });
        match q {
            None => problems.push(format!(
                "QuickBooks {q_noun} {} does not exist in company `{}`",
                row.quickbooks_id, t.company
            )),
            Some(q) if !q.active => problems.push(format!(
                "QuickBooks {q_noun} {} is inactive",
                row.quickbooks_id
            )),
            Some(_) => {}
        }
        // The link property is unique-valued: no other HubSpot record may hold it.
        if let Some(other) = input.hubspot.records(t.hs_object).iter().find(|r| {
            r.id != row.hubspot_id && !r.archived && r.prop(&t.link) == Some(&row.quickbooks_id)
        }) {
            problems.push(format!(
                "QuickBooks {q_noun} {} is already linked to HubSpot {hs_noun} {} (`{}` is unique)",
                row.quickbooks_id, other.id, t.link
            ));
        }
        if let Some(p) = input.hubspot.property(t.hs_object, &t.link)
            && !p.has_unique_value
        {
            problems.push(format!(
                "HubSpot property {}.{} is not unique-valued, so it cannot hold links",
                t.hs_object, t.link
            ));
        }
        if let Some(first) = seen_hs.get(&(t.block, row.hubspot_id.clone())) {
            problems.push(format!(
                "HubSpot {hs_noun} {} is already paired on line {first}",
                row.hubspot_id
            ));
        }
        if let Some(first) = seen_q.get(&(t.block, row.quickbooks_id.clone())) {
            problems.push(format!(
                "QuickBooks {q_noun} {} is already paired on line {first}",
                row.quickbooks_id
            ));
        }
        seen_hs
            .entry((t.block, row.hubspot_id.clone()))
            .or_insert(row.line);
        seen_q
            .entry((t.block, row.quickbooks_id.clone()))
            .or_insert(row.line);
        if !problems.is_empty() {
            errors.push(err(problems.join("; ")));
            continue;
        }
        let (Some(hs), Some(q)) = (hs, q) else {
            continue;
        };
        if hs.prop(&t.link) == Some(q.id.as_str()) {
            // Already linked exactly so: nothing to do (imports are idempotent).
            continue;
        }
        let note = if row.line > 0 {
            format!("csv line {}", row.line)
        } else {
            String::new()
        };
        ok.push((t, hs, q, note));
    }
    (ok, errors)
}

fn link_change(t: &Target, hs: &HsRecord, q: &QboRecord, key: String) -> Change {
    Change {
        id: format!("{}/link/hubspot/{}", t.block.name(), hs.id),
        block: t.block,
        action: Action::Link,
        system: System::Hubspot,
        object: t.hs_kind,
        company: None,
        target_id: Some(hs.id.clone()),
        source: Some(qbo_ref(t.qbo_kind, &t.company, &q.id)),
        label: super::records::hs_record_label(t.block, hs),
        match_key: (!key.is_empty()).then_some(key),
        fields: vec![FieldChange {
            field: t.link.clone(),
            before: hs
                .prop(&t.link)
                .map_or(Value::Null, |v| Value::Text(v.to_string())),
            after: Value::Text(q.id.clone()),
            note: None,
        }],
        preconditions: vec![
            Precondition {
                record: hs_ref(t.hs_kind, &hs.id),
                updated_at: Some(hs.updated_at),
                sync_token: None,
                absent_key: None,
            },
            Precondition {
                record: qbo_ref(t.qbo_kind, &t.company, &q.id),
                updated_at: None,
                sync_token: Some(q.sync_token.clone()),
                absent_key: None,
            },
        ],
        reason: format!(
            "import: HubSpot {} {} and QuickBooks {} {} are the same record; only the link is written",
            t.hs_kind.noun(),
            hs.id,
            t.qbo_kind.noun(),
            q.id
        ),
        payload: Payload::Link {
            property: t.link.clone(),
            qbo_id: Some(q.id.clone()),
        },
        depends_on: Vec::new(),
        link_back: None,
        baseline: None,
        fills: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_parses_quoted_fields_any_column_order_and_reports_lines() {
        let rows = parse_pairs_csv(
            "\u{feff}hubspot_id,block,quickbooks_id,company\n# comment\n\n101,contacts,\"58\",main\n\"102\", products ,7,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 4);
        assert_eq!(rows[0].company.as_deref(), Some("main"));
        assert_eq!(rows[1].block, "products");
        assert_eq!(rows[1].company, None);

        let errs = parse_pairs_csv(
            "block,hubspot_id,quickbooks_id\ncontacts,1\ncontacts,x,2\ncontacts,\"3,4\n",
        )
        .unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        assert!(errs[1].message.contains("not a record id"));
        assert!(errs[2].message.contains("unterminated"));

        assert!(
            parse_pairs_csv("a,b\n").unwrap_err()[0]
                .message
                .contains("missing")
        );
        assert!(
            parse_pairs_csv("").unwrap_err()[0]
                .message
                .contains("empty")
        );
        assert!(
            parse_pairs_csv("block,hubspot_id,quickbooks_id,extra\n").unwrap_err()[0]
                .message
                .contains("unknown column")
        );
    }
}
