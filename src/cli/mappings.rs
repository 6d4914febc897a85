//! `hsqb mappings`: every effective field mapping with its live status.

use super::{CliError, Output, common, exit};
use crate::manifest::{Direction, EffectiveMapping, Manifest};
use crate::model::ValueType;
use crate::model::catalog::{self, Access};
use serde::Serialize;
use std::path::Path;

/// One-line help.
pub const ABOUT: &str = "List every field mapping with its live status in HubSpot";

/// `--help` text.
pub const LONG_ABOUT: &str = "For each enabled block, list the effective mappings (defaults plus \
your changes) with the effective direction, both types, and whether the HubSpot property \
exists, is writable and has a compatible type. Reads HubSpot's property definitions; writes \
nothing.

Example:
  hsqb mappings -f hsqb.yaml";

/// Arguments of `hsqb mappings`.
#[derive(Debug, Clone, clap::Args)]
pub struct MappingsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct Row {
    block: &'static str,
    hubspot: String,
    quickbooks: String,
    direction: &'static str,
    hubspot_type: Option<ValueType>,
    quickbooks_type: Option<ValueType>,
    status: String,
    ok: bool,
}

/// Run `hsqb mappings`.
pub fn run(file: &Path, args: &MappingsArgs, out: &Output) -> Result<u8, CliError> {
    let loaded = common::load_manifest(file, out)?;
    let rt = common::runtime()?;
    let rows = rt.block_on(async {
        let store = common::open_store(&loaded).await?;
        let conns = common::connect(&loaded, &store).await?;
        let m = &loaded.manifest;
        let mut blocks: Vec<(
            &'static str,
            &'static str,
            &'static str,
            Vec<EffectiveMapping>,
        )> = Vec::new();
        if let Some(c) = m.contacts() {
            blocks.push(("contacts", "contacts", "Customer", c.mappings_effective()));
        }
        if let Some(p) = m.products() {
            blocks.push(("products", "products", "Item", p.mappings_effective()));
        }
        if let Some(i) = m.invoices() {
            blocks.push(("invoices", "invoices", "Invoice", i.mappings_effective()));
        }
        let mut rows = Vec::new();
        for (block, object, entity, maps) in blocks {
            let defs =
                conns.hubspot.properties(object).await.map_err(|e| {
                    CliError::new(format!("reading HubSpot {object} properties: {e}"))
                })?;
            for em in maps {
                rows.push(row(m, block, object, entity, &em, &defs));
            }
        }
        if let Some(sb) = conns.sandbox {
            sb.close().await;
        }
        Ok::<_, CliError>(rows)
    })?;
    if args.json {
        out.data(&(serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"));
    } else {
        out.data(&table(&rows));
    }
    Ok(exit::OK)
}

fn row(
    m: &Manifest,
    block: &'static str,
    object: &str,
    entity: &str,
    em: &EffectiveMapping,
    defs: &[crate::model::HsPropertyDef],
) -> Row {
    let live = defs.iter().find(|d| d.name == em.hubspot);
    let declared = m
        .properties
        .iter()
        .find(|p| p.object_path() == object && p.name.as_str() == em.hubspot);
    let qspec = catalog::qbo_field(entity, &em.quickbooks);
    let hs_type = live
        .map(|d| catalog::hubspot_type(&d.type_, &d.field_type))
        .or(declared.map(|p| p.value_type))
        .or(em.value_type);
    let q_type = qspec.map(|s| s.ty);
    let direction = match em.direction {
        Direction::TwoWay => "⇄",
        Direction::HubspotToQuickbooks => "→",
        Direction::QuickbooksToHubspot => "←",
    };
    let mut problems = Vec::new();
    match (live, declared) {
        (None, Some(_)) => problems.push(
            "missing in HubSpot; the plan creates it (declared under properties:)".to_string(),
        ),
        (None, None) => problems.push("HubSpot property does not exist".to_string()),
        (Some(d), _) if d.read_only && em.direction.writes_hubspot() => {
            problems.push("read-only in HubSpot: only flows to QuickBooks".to_string())
        }
        _ => {}
    }
    match qspec {
        None => problems.push("unknown QuickBooks field".to_string()),
        Some(s) if s.access == Access::ReadOnly && em.direction.writes_quickbooks() => {
            problems.push("read-only in QuickBooks: only flows to HubSpot".to_string())
        }
        Some(s) if s.access == Access::CreateOnly && em.direction.writes_quickbooks() => {
            problems.push("QuickBooks sets it on create only".to_string())
        }
        _ => {}
    }
    if let (Some(h), Some(q)) = (hs_type, q_type) {
        if em.direction.writes_quickbooks() && !h.converts_to(q) {
            problems.push(format!("{h} cannot be written to a {q} field"));
        }
        if em.direction.writes_hubspot() && !q.converts_to(h) {
            problems.push(format!("{q} cannot be written to a {h} property"));
        }
    }
    let ok = problems.is_empty();
    Row {
        block,
        hubspot: em.hubspot.clone(),
        quickbooks: em.quickbooks.clone(),
        direction,
        hubspot_type: hs_type,
        quickbooks_type: q_type,
        status: if ok { "ok".into() } else { problems.join("; ") },
        ok,
    }
}

fn table(rows: &[Row]) -> String {
    let w_h = rows
        .iter()
        .map(|r| r.hubspot.chars().count())
        .max()
        .unwrap_or(0)
        .max(7);
    let w_q = rows
        .iter()
        .map(|r| r.quickbooks.chars().count())
        .max()
        .unwrap_or(0)
        .max(10);
    let mut out = String::new();
    let mut current = "";
    for r in rows {
        if r.block != current {
            current = r.block;
            out.push_str(&format!("{current}:\n"));
        }
        let types = format!(
            "{} {} {}",
            r.hubspot_type.map(|t| t.name()).unwrap_or("?"),
            r.direction,
            r.quickbooks_type.map(|t| t.name()).unwrap_or("?")
        );
        out.push_str(&format!(
            "  {:<w_h$} {} {:<w_q$}  {:<22} {}\n",
            r.hubspot, r.direction, r.quickbooks, types, r.status
        ));
    }
    if rows.is_empty() {
        out.push_str("No enabled block has field mappings.\n");
    }
    let bad = rows.iter().filter(|r| !r.ok).count();
    out.push_str(&format!(
        "{} mappings, {} need attention.\n",
        rows.len(),
        bad
    ));
    out
}
