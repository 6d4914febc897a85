//! Refresh: read both systems into planner snapshots.
//!
//! Full refresh reads every record (live and archived/inactive) of the objects
//! the enabled blocks use. Incremental refresh reads only what changed since the
//! watermarks of the last successful apply (HubSpot search on the last-modified
//! property, QuickBooks change data capture), then fetches the counterparts the
//! planner needs to pair those records: the linked record on the other side,
//! match-key candidates, and the names a create must not collide with.

use crate::connect::Connections;
use crate::hubspot::{HubSpotClient, HubSpotError};
use crate::manifest::defaults as d;
use crate::manifest::{EffectiveMapping, Filter, Manifest, SyncBlock};
use crate::model::{HsRecord, QboRecord};
use crate::plan::input::{
    HsObjectSet, HubSpotSnapshot, QboCompanyFacts, QboEntitySet, QboSnapshot,
};
use crate::plan::model::RefreshMode;
use crate::plan::template;
use crate::quickbooks::{Active, QValue, QboClient, QboError, Query};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// What the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshRequest {
    /// Incremental where watermarks allow, full elsewhere (default).
    Auto,
    /// Everything.
    Full,
    /// Incremental (sources without a watermark are still read in full).
    Incremental,
}

/// Snapshots plus the watermarks to store once a plan from them is applied.
#[derive(Debug)]
pub struct Refreshed {
    /// HubSpot snapshot.
    pub hubspot: HubSpotSnapshot,
    /// QuickBooks snapshots by company.
    pub quickbooks: BTreeMap<String, QboSnapshot>,
    /// Full when every source was read in full.
    pub mode: RefreshMode,
    /// New watermarks by source.
    pub watermarks: BTreeMap<String, DateTime<Utc>>,
}

/// Refresh errors (the API errors carry endpoint, status and correlation id).
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// HubSpot failed.
    #[error("reading HubSpot: {0}")]
    Hubspot(#[from] HubSpotError),
    /// QuickBooks failed.
    #[error("reading QuickBooks company `{company}`: {source}")]
    Quickbooks {
        /// Company name.
        company: String,
        /// Cause.
        source: QboError,
    },
    /// The manifest references a company that has no connection.
    #[error("QuickBooks company `{0}` has no connection")]
    UnknownCompany(String),
}

/// One record block's refresh needs.
#[derive(Debug, Clone)]
struct Need {
    hs_object: &'static str,
    qbo_entity: &'static str,
    company: String,
    link_property: String,
    properties: Vec<String>,
    incremental: bool,
    lookback: chrono::Duration,
    writes_qbo: bool,
    full_every: Option<chrono::Duration>,
}

fn collect_props(
    base: &[&str],
    mappings: &[EffectiveMapping],
    filters: &[Filter],
    link: &str,
) -> Vec<String> {
    let mut s: BTreeSet<String> = base.iter().map(|p| p.to_string()).collect();
    s.extend(mappings.iter().map(|m| m.hubspot.clone()));
    s.extend(filters.iter().map(|f| f.field.value.clone()));
    s.insert(link.to_string());
    s.into_iter().collect()
}

fn needs(m: &Manifest) -> Vec<Need> {
    let mut out = Vec::new();
    let lookback = |inc: &crate::manifest::Incremental| {
        chrono::Duration::from_std(inc.lookback()).unwrap_or(chrono::Duration::minutes(5))
    };
    let every = |inc: &crate::manifest::Incremental| {
        inc.full_refresh_every()
            .and_then(|e| chrono::Duration::from_std(e).ok())
    };
    if let Some(c) = m.contacts()
        && let Some(company) = m.qbo_company_for(c)
    {
        let link = c.link_property().to_string();
        let mut props = collect_props(
            &[
                "email",
                "firstname",
                "lastname",
                "company",
                "lastmodifieddate",
            ],
            &c.mappings_effective(),
            &c.filter.hubspot,
            &link,
        );
        for t in c.display_name.effective_templates() {
            props.extend(template::placeholders(&t));
        }
        props.sort();
        props.dedup();
        out.push(Need {
            hs_object: "contacts",
            qbo_entity: "Customer",
            company: company.to_string(),
            link_property: link,
            properties: props,
            incremental: c.incremental.is_enabled(),
            lookback: lookback(&c.incremental),
            writes_qbo: c.direction.writes_quickbooks(),
            full_every: every(&c.incremental),
        });
    }
    if let Some(p) = m.products()
        && let Some(company) = m.qbo_company_for(p)
    {
        let link = p.link_property().to_string();
        out.push(Need {
            hs_object: "products",
            qbo_entity: "Item",
            company: company.to_string(),
            properties: collect_props(
                &["name", "hs_sku", "hs_lastmodifieddate"],
                &p.mappings_effective(),
                &p.filter.hubspot,
                &link,
            ),
            link_property: link,
            incremental: p.incremental.is_enabled(),
            lookback: lookback(&p.incremental),
            writes_qbo: p.direction.writes_quickbooks(),
            full_every: every(&p.incremental),
        });
    }
    out
}

/// Watermark key of a HubSpot object.
pub fn hs_source(object: &str) -> String {
    format!("hubspot:{object}")
}

/// Watermark key of a QBO entity in a company.
pub fn qbo_source(company: &str, entity: &str) -> String {
    format!("quickbooks:{company}:{entity}")
}

/// Read both systems.
pub async fn refresh(
    m: &Manifest,
    conns: &Connections,
    watermarks: &BTreeMap<String, DateTime<Utc>>,
    last_full: Option<DateTime<Utc>>,
    request: RefreshRequest,
    wall_now: DateTime<Utc>,
) -> Result<Refreshed, RefreshError> {
    refresh_with(m, conns, watermarks, last_full, request, wall_now, &[]).await
}

/// [`refresh`], also reading `extra_properties` of every HubSpot record
/// (`hsqb import --from-property` reads the property holding QBO ids).
pub async fn refresh_with(
    m: &Manifest,
    conns: &Connections,
    watermarks: &BTreeMap<String, DateTime<Utc>>,
    last_full: Option<DateTime<Utc>>,
    request: RefreshRequest,
    wall_now: DateTime<Utc>,
    extra_properties: &[String],
) -> Result<Refreshed, RefreshError> {
    let mut hs = HubSpotSnapshot::default();
    let mut qbo: BTreeMap<String, QboSnapshot> = BTreeMap::new();
    let mut new_marks = BTreeMap::new();
    let mut all_full = true;

    // Company facts and the names every create must not collide with.
    let mut needs = needs(m);
    for n in &mut needs {
        n.properties.extend(extra_properties.iter().cloned());
        n.properties.sort();
        n.properties.dedup();
    }
    let companies: BTreeSet<String> = needs.iter().map(|n| n.company.clone()).collect();
    for company in &companies {
        let client = conns
            .quickbooks
            .get(company)
            .ok_or_else(|| RefreshError::UnknownCompany(company.clone()))?;
        let qe = |source| RefreshError::Quickbooks {
            company: company.clone(),
            source,
        };
        let (prefs, info) =
            tokio::try_join!(client.preferences(), client.company_info()).map_err(qe)?;
        let snap = qbo.entry(company.clone()).or_default();
        snap.realm_id = client.realm_id().to_string();
        snap.facts = QboCompanyFacts {
            custom_txn_numbers: prefs.custom_txn_numbers,
            home_currency: prefs.home_currency.clone().unwrap_or_else(|| "USD".into()),
            multicurrency: prefs.multicurrency_enabled,
            country: info.country.clone().unwrap_or_else(|| "US".into()),
        };
    }

    let mut objects: Vec<&'static str> = needs.iter().map(|n| n.hs_object).collect();
    objects.sort();
    objects.dedup();
    for object in &objects {
        let defs = conns.hubspot.properties(object).await?;
        hs.properties.insert(object.to_string(), defs);
    }

    for need in &needs {
        let client = conns
            .quickbooks
            .get(&need.company)
            .ok_or_else(|| RefreshError::UnknownCompany(need.company.clone()))?;
        let qe = |source| RefreshError::Quickbooks {
            company: need.company.clone(),
            source,
        };
        let hs_key = hs_source(need.hs_object);
        let qbo_key = qbo_source(&need.company, need.qbo_entity);
        let stale_full = match (need.full_every, last_full) {
            (Some(every), Some(last)) => wall_now - last >= every,
            (Some(_), None) => true,
            _ => false,
        };
        let marks = match (request, watermarks.get(&hs_key), watermarks.get(&qbo_key)) {
            (RefreshRequest::Full, _, _) => None,
            (_, Some(h), Some(q)) if need.incremental && !stale_full => Some((*h, *q)),
            _ => None,
        };
        match marks {
            None => {
                // Full read of both sides, concurrently (separate rate limits).
                let (live, archived, records) = tokio::try_join!(
                    async {
                        conns
                            .hubspot
                            .list_all(need.hs_object, &need.properties)
                            .await
                            .map_err(RefreshError::from)
                    },
                    async {
                        conns
                            .hubspot
                            .list_archived(need.hs_object, &need.properties)
                            .await
                            .map_err(RefreshError::from)
                    },
                    async {
                        client
                            .query_all(&Query::select(need.qbo_entity, Active::Any))
                            .await
                            .map_err(qe)
                    },
                )?;
                let mut recs = live;
                recs.extend(archived);
                hs.objects.insert(
                    need.hs_object.to_string(),
                    HsObjectSet {
                        records: recs,
                        complete: true,
                        context: Default::default(),
                    },
                );
                let snap = qbo.entry(need.company.clone()).or_default();
                snap.entities.insert(
                    need.qbo_entity.to_string(),
                    QboEntitySet {
                        records,
                        complete: true,
                        context: Default::default(),
                    },
                );
                new_marks.insert(hs_key, wall_now);
                new_marks.insert(qbo_key, wall_now);
            }
            Some((hs_mark, qbo_mark)) => {
                all_full = false;
                let since_q = (qbo_mark - need.lookback).fixed_offset();
                let (changes, archived, qchanges) = tokio::try_join!(
                    async {
                        conns
                            .hubspot
                            .search_modified_since(
                                need.hs_object,
                                hs_mark - need.lookback,
                                &need.properties,
                            )
                            .await
                            .map_err(RefreshError::from)
                    },
                    async {
                        conns
                            .hubspot
                            .list_archived(need.hs_object, &need.properties)
                            .await
                            .map_err(RefreshError::from)
                    },
                    async { client.cdc(&[need.qbo_entity], since_q).await.map_err(qe) },
                )?;
                let cutoff = hs_mark - need.lookback;
                let mut hs_recs: Vec<HsRecord> = changes.records;
                hs_recs.extend(archived.into_iter().filter(|r| r.updated_at >= cutoff));
                let complete_q = qchanges.full_read.iter().any(|e| e == need.qbo_entity);
                let mut q_recs: Vec<QboRecord> = qchanges
                    .records
                    .get(need.qbo_entity)
                    .cloned()
                    .unwrap_or_default();
                let deleted: Vec<_> = qchanges
                    .deleted
                    .iter()
                    .filter(|x| x.entity == need.qbo_entity)
                    .cloned()
                    .collect();
                counterparts(
                    &conns.hubspot,
                    client,
                    need,
                    &mut hs_recs,
                    &mut q_recs,
                    &deleted,
                )
                .await
                .map_err(|e| match e {
                    Either::H(h) => RefreshError::Hubspot(h),
                    Either::Q(q) => RefreshError::Quickbooks {
                        company: need.company.clone(),
                        source: q,
                    },
                })?;
                hs.objects.insert(
                    need.hs_object.to_string(),
                    HsObjectSet {
                        records: dedup_hs(hs_recs),
                        complete: false,
                        context: Default::default(),
                    },
                );
                let snap = qbo.entry(need.company.clone()).or_default();
                snap.entities.insert(
                    need.qbo_entity.to_string(),
                    QboEntitySet {
                        records: dedup_qbo(q_recs),
                        complete: complete_q,
                        context: Default::default(),
                    },
                );
                snap.deleted.extend(deleted);
                new_marks.insert(
                    hs_key,
                    changes.watermark.map(|w| w.max(hs_mark)).unwrap_or(hs_mark),
                );
                new_marks.insert(qbo_key, qchanges.time.with_timezone(&Utc));
            }
        }
        // Names a create must not collide with (customers share a namespace with
        // vendors and employees), and the accounts items are created with.
        if need.writes_qbo {
            let snap = qbo.entry(need.company.clone()).or_default();
            if need.qbo_entity == "Customer" {
                for e in ["Vendor", "Employee"] {
                    if !snap.entities.contains_key(e) {
                        let recs = client
                            .query_all(&Query::select(e, Active::Only))
                            .await
                            .map_err(qe)?;
                        snap.entities.insert(
                            e.to_string(),
                            QboEntitySet {
                                records: recs,
                                complete: true,
                                context: Default::default(),
                            },
                        );
                    }
                }
                if !snap.complete("Customer") {
                    let names = candidate_names(m, hs.records(need.hs_object), need);
                    let extra = names_in_use(client, "Customer", "DisplayName", &names)
                        .await
                        .map_err(qe)?;
                    merge_qbo(snap, "Customer", extra);
                }
            } else if need.qbo_entity == "Item" {
                if !snap.entities.contains_key("Account") {
                    let recs = client
                        .query_all(&Query::select("Account", Active::Only))
                        .await
                        .map_err(qe)?;
                    snap.entities.insert(
                        "Account".into(),
                        QboEntitySet {
                            records: recs,
                            complete: true,
                            context: Default::default(),
                        },
                    );
                }
                if !snap.complete("Item") {
                    let names: Vec<String> = hs
                        .records(need.hs_object)
                        .iter()
                        .filter(|r| r.prop(&need.link_property).is_none())
                        .filter_map(|r| r.prop("name").map(str::to_string))
                        .collect();
                    let extra = names_in_use(client, "Item", "Name", &names)
                        .await
                        .map_err(qe)?;
                    merge_qbo(snap, "Item", extra);
                }
            }
        }
    }
    for n in &needs {
        hs.objects.entry(n.hs_object.to_string()).or_default();
    }
    let invoice_blocks = m.invoices().is_some() || m.deal_invoices().is_some();
    if invoice_blocks {
        read_invoice_world(m, conns, &mut hs, &mut qbo).await?;
    }
    if !needs.is_empty() || invoice_blocks {
        hs.currency = Some(conns.hubspot.account_currency().await?);
    }
    let mode = if all_full {
        RefreshMode::Full
    } else {
        RefreshMode::Incremental
    };
    Ok(Refreshed {
        hubspot: hs,
        quickbooks: qbo,
        mode,
        watermarks: new_marks,
    })
}

enum Either {
    H(HubSpotError),
    Q(QboError),
}

/// Properties to read per HubSpot object for the invoice blocks.
fn invoice_properties(m: &Manifest) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut p: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    let mut add = |o: &'static str, names: &[&str]| {
        p.entry(o)
            .or_default()
            .extend(names.iter().map(|s| s.to_string()))
    };
    add(
        "contacts",
        &[
            "email",
            "firstname",
            "lastname",
            "company",
            "phone",
            "lastmodifieddate",
        ],
    );
    add("companies", &["name", "domain"]);
    add(
        "deals",
        &[
            "dealname",
            "dealstage",
            "pipeline",
            "amount",
            "closedate",
            "deal_currency_code",
            "hs_lastmodifieddate",
        ],
    );
    add(
        "line_items",
        &[
            "name",
            "hs_sku",
            "quantity",
            "price",
            "amount",
            "hs_product_id",
            "description",
        ],
    );
    add(
        "quotes",
        &["hs_title", "hs_status", "hs_expiration_date", "hs_currency"],
    );
    add("products", &["name", "hs_sku", "price"]);
    add(
        "invoices",
        &[
            "hs_number",
            "hs_currency",
            "hs_invoice_date",
            "hs_due_date",
            "hs_comments",
        ],
    );
    let contact_link = m
        .sync
        .contacts
        .as_ref()
        .map_or(d::CONTACT_LINK_PROPERTY, |c| c.link_property())
        .to_string();
    let product_link = m
        .sync
        .products
        .as_ref()
        .map_or(d::PRODUCT_LINK_PROPERTY, |c| c.link_property())
        .to_string();
    p.entry("contacts").or_default().insert(contact_link);
    p.entry("products").or_default().insert(product_link);
    if let Some(di) = m.deal_invoices() {
        let deals = p.entry("deals").or_default();
        deals.insert(di.link_property().to_string());
        deals.extend(di.deals.iter().map(|f| f.field.value.clone()));
        for t in [&di.message, &di.doc_number].into_iter().flatten() {
            for ph in template::placeholders(t.as_str()) {
                if let Some((obj, prop)) = ph.split_once('.') {
                    let o = match obj {
                        "deal" => "deals",
                        "contact" => "contacts",
                        "company" => "companies",
                        "quote" => "quotes",
                        _ => continue,
                    };
                    if prop != "id" {
                        p.entry(o).or_default().insert(prop.to_string());
                    }
                }
            }
        }
        if let crate::manifest::InvoiceDate::Property(x) = &di.invoice_date {
            p.entry("deals").or_default().insert(x.value.clone());
        }
        if let crate::manifest::DueDate::Property(x) = &di.due_date {
            p.entry("deals").or_default().insert(x.value.clone());
        }
    }
    if let Some(inv) = m.invoices() {
        let i = p.entry("invoices").or_default();
        i.insert(inv.link_property().to_string());
        i.insert(inv.status_property().to_string());
        i.extend(inv.mappings_effective().into_iter().map(|e| e.hubspot));
        let names = inv.deal_properties.names();
        let deals = p.entry("deals").or_default();
        for (_, n) in names.iter() {
            deals.insert(n.to_string());
        }
        deals.insert(
            m.deal_invoices()
                .map_or(d::INVOICE_LINK_PROPERTY, |di| di.link_property())
                .to_string(),
        );
        for r in &inv.rules {
            if let Some(dp) = &r.deal_property {
                deals.insert(dp.value.clone());
            }
        }
    }
    p
}

/// Read everything the invoice blocks pair and build from: deals, line items,
/// quotes, companies, HubSpot invoices and their associations; QBO invoices,
/// terms and tax codes. Always a full read (see ARCHITECTURE.md).
async fn read_invoice_world(
    m: &Manifest,
    conns: &Connections,
    hs: &mut HubSpotSnapshot,
    qbo: &mut BTreeMap<String, QboSnapshot>,
) -> Result<(), RefreshError> {
    let props = invoice_properties(m);
    for (object, wanted) in &props {
        if hs.complete(object) {
            // Already read in full by a record block; add missing properties by re-reading.
            let have = hs
                .records(object)
                .first()
                .map(|r| r.properties.len())
                .unwrap_or(0);
            if have > 0
                && wanted.iter().all(|p| {
                    hs.records(object)
                        .iter()
                        .any(|r| r.properties.contains_key(p))
                })
            {
                continue;
            }
        }
        let list: Vec<String> = wanted.iter().cloned().collect();
        if !hs.properties.contains_key(*object) {
            let defs = conns.hubspot.properties(object).await?;
            hs.properties.insert(object.to_string(), defs);
        }
        let mut recs = conns.hubspot.list_all(object, &list).await?;
        if matches!(*object, "invoices" | "deals") {
            recs.extend(conns.hubspot.list_archived(object, &list).await?);
        }
        // Keep records a record block read (with its properties) and add the
        // rest; when that block read incrementally, the additions are context
        // only, so it never plans records whose counterparts it did not read.
        let managed = hs.objects.contains_key(*object);
        let set = hs.objects.entry(object.to_string()).or_default();
        let incremental = managed && !set.complete;
        let mut by_id: BTreeMap<String, HsRecord> =
            set.records.drain(..).map(|r| (r.id.clone(), r)).collect();
        for r in recs {
            match by_id.get_mut(&r.id) {
                Some(old) => {
                    for (k, v) in r.properties {
                        old.properties.entry(k).or_insert(v);
                    }
                }
                None => {
                    if incremental {
                        set.context.insert(r.id.clone());
                    }
                    by_id.insert(r.id.clone(), r);
                }
            }
        }
        set.records = by_id.into_values().collect();
        if !incremental {
            set.complete = true;
        }
    }
    for (from, to) in [
        ("deals", "contacts"),
        ("deals", "line_items"),
        ("deals", "quotes"),
        ("quotes", "line_items"),
        ("contacts", "companies"),
        ("invoices", "contacts"),
        ("invoices", "companies"),
        ("invoices", "deals"),
    ] {
        let ids: Vec<String> = hs
            .records(from)
            .iter()
            .filter(|r| !r.archived)
            .map(|r| r.id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let assocs = conns.hubspot.associations_read(from, to, &ids).await?;
        hs.associations
            .insert((from.to_string(), to.to_string()), assocs);
    }
    let mut companies: BTreeSet<String> = BTreeSet::new();
    if let Some(c) = m.invoices().and_then(|b| m.qbo_company_for(b)) {
        companies.insert(c.to_string());
    }
    if let Some(c) = m.deal_invoices().and_then(|b| m.qbo_company_for(b)) {
        companies.insert(c.to_string());
    }
    for company in companies {
        let client = conns
            .quickbooks
            .get(&company)
            .ok_or_else(|| RefreshError::UnknownCompany(company.clone()))?;
        let qe = |source| RefreshError::Quickbooks {
            company: company.clone(),
            source,
        };
        let snap = qbo.entry(company.clone()).or_default();
        if snap.realm_id.is_empty() {
            snap.realm_id = client.realm_id().to_string();
            let (prefs, info) =
                tokio::try_join!(client.preferences(), client.company_info()).map_err(qe)?;
            snap.facts = QboCompanyFacts {
                custom_txn_numbers: prefs.custom_txn_numbers,
                home_currency: prefs.home_currency.clone().unwrap_or_else(|| "USD".into()),
                multicurrency: prefs.multicurrency_enabled,
                country: info.country.clone().unwrap_or_else(|| "US".into()),
            };
        }
        for (entity, active) in [
            ("Invoice", Active::NotApplicable),
            ("Customer", Active::Any),
            ("Item", Active::Any),
            ("Term", Active::Only),
            ("TaxCode", Active::Only),
        ] {
            if snap.complete(entity) {
                continue;
            }
            let recs = client
                .query_all(&Query::select(entity, active))
                .await
                .map_err(qe)?;
            match snap.entities.get_mut(entity) {
                // Read incrementally by a record block: add the rest as context.
                Some(set) => {
                    let have: BTreeSet<String> = set.records.iter().map(|r| r.id.clone()).collect();
                    for r in recs.into_iter().filter(|r| !have.contains(&r.id)) {
                        set.context.insert(r.id.clone());
                        set.records.push(r);
                    }
                }
                None => {
                    snap.entities.insert(
                        entity.to_string(),
                        QboEntitySet {
                            records: recs,
                            complete: true,
                            context: BTreeSet::new(),
                        },
                    );
                }
            }
        }
    }
    Ok(())
}

/// Fetch what the planner needs to pair the changed records.
async fn counterparts(
    hubspot: &HubSpotClient,
    client: &QboClient,
    need: &Need,
    hs_recs: &mut Vec<HsRecord>,
    q_recs: &mut Vec<QboRecord>,
    deleted: &[crate::model::QboDeleted],
) -> Result<(), Either> {
    // QBO records linked from changed HubSpot records.
    let have_q: HashSet<String> = q_recs.iter().map(|q| q.id.clone()).collect();
    let gone: HashSet<&str> = deleted.iter().map(|d| d.id.as_str()).collect();
    let want_q: Vec<String> = hs_recs
        .iter()
        .filter_map(|h| h.prop(&need.link_property))
        .filter(|id| !have_q.contains(*id) && !gone.contains(*id))
        .map(str::to_string)
        .collect();
    for chunk in want_q.chunks(100) {
        let q = Query::select(need.qbo_entity, Active::Any)
            .in_list("Id", chunk.iter().map(|i| QValue::Str(i.clone())).collect());
        q_recs.extend(client.query_all(&q).await.map_err(Either::Q)?);
    }
    // HubSpot records linked to changed QBO records.
    let have_h: HashSet<String> = hs_recs
        .iter()
        .filter_map(|h| h.prop(&need.link_property).map(str::to_string))
        .collect();
    let want_h: Vec<String> = q_recs
        .iter()
        .map(|q| q.id.clone())
        .chain(deleted.iter().map(|d| d.id.clone()))
        .filter(|id| !have_h.contains(id))
        .collect();
    if !want_h.is_empty() {
        let found = hubspot
            .batch_read(
                need.hs_object,
                &want_h,
                &need.properties,
                Some(&need.link_property),
                false,
            )
            .await
            .map_err(Either::H)?;
        hs_recs.extend(found.records);
    }
    // Match-key candidates for unlinked records on either side.
    let linked_q: HashSet<String> = hs_recs
        .iter()
        .filter_map(|h| h.prop(&need.link_property).map(str::to_string))
        .collect();
    match need.hs_object {
        "contacts" => {
            let emails: Vec<String> = hs_recs
                .iter()
                .filter(|h| !h.archived && h.prop(&need.link_property).is_none())
                .filter_map(|h| h.prop("email").map(|e| e.trim().to_lowercase()))
                .collect();
            for chunk in emails.chunks(50) {
                let q = Query::select(need.qbo_entity, Active::Only).in_list(
                    "PrimaryEmailAddr",
                    chunk.iter().map(|e| QValue::Str(e.clone())).collect(),
                );
                q_recs.extend(client.query_all(&q).await.map_err(Either::Q)?);
            }
            let q_emails: Vec<String> = q_recs
                .iter()
                .filter(|q| q.active && !linked_q.contains(&q.id))
                .filter_map(|q| {
                    q.get_str("PrimaryEmailAddr.Address")
                        .map(|e| e.trim().to_lowercase())
                })
                .collect();
            if !q_emails.is_empty() {
                let found = hubspot
                    .batch_read(
                        need.hs_object,
                        &q_emails,
                        &need.properties,
                        Some("email"),
                        false,
                    )
                    .await
                    .map_err(Either::H)?;
                hs_recs.extend(found.records);
            }
        }
        _ => {
            let unlinked_h: Vec<&HsRecord> = hs_recs
                .iter()
                .filter(|h| !h.archived && h.prop(&need.link_property).is_none())
                .collect();
            let skus: Vec<String> = unlinked_h
                .iter()
                .filter_map(|h| h.prop("hs_sku").map(str::to_string))
                .collect();
            let names: Vec<String> = unlinked_h
                .iter()
                .filter_map(|h| h.prop("name").map(str::to_string))
                .collect();
            for (field, values) in [("Sku", skus), ("Name", names)] {
                for chunk in values.chunks(50) {
                    let q = Query::select(need.qbo_entity, Active::Only).in_list(
                        field,
                        chunk.iter().map(|v| QValue::Str(v.clone())).collect(),
                    );
                    q_recs.extend(client.query_all(&q).await.map_err(Either::Q)?);
                }
            }
            // HubSpot has no cheap lookup by SKU or name without search: when an
            // unlinked QBO item changed, read the (usually small) product list.
            if q_recs.iter().any(|q| q.active && !linked_q.contains(&q.id)) {
                hs_recs.extend(
                    hubspot
                        .list_all(need.hs_object, &need.properties)
                        .await
                        .map_err(Either::H)?,
                );
            }
        }
    }
    Ok(())
}

/// Display names the contacts that may be created would take (base names from
/// the templates), to check against existing customers.
fn candidate_names(m: &Manifest, records: &[HsRecord], need: &Need) -> Vec<String> {
    let templates: Vec<String> = m
        .contacts()
        .map(|c| c.display_name.effective_templates())
        .unwrap_or_default();
    records
        .iter()
        .filter(|r| !r.archived && r.prop(&need.link_property).is_none())
        .filter_map(|r| {
            let look = |k: &str| r.prop(k).map(str::to_string);
            templates
                .iter()
                .map(|t| template::render(t, &look))
                .find(|x| x.missing.is_empty() && !x.text.trim().is_empty())
                .map(|x| x.text)
        })
        .collect()
}

/// Records whose name starts with any of `names` (so suffixed variants like
/// `Acme (2)` are seen too).
async fn names_in_use(
    client: &QboClient,
    entity: &str,
    field: &str,
    names: &[String],
) -> Result<Vec<QboRecord>, QboError> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for n in names {
        if !seen.insert(n.trim().to_lowercase()) {
            continue;
        }
        out.extend(
            client
                .query_all(&Query::select(entity, Active::Only).starts_with(field, n.trim()))
                .await?,
        );
    }
    Ok(out)
}

fn merge_qbo(snap: &mut QboSnapshot, entity: &str, extra: Vec<QboRecord>) {
    let set = snap.entities.entry(entity.to_string()).or_default();
    set.records.extend(extra);
    set.records = dedup_qbo(std::mem::take(&mut set.records));
}

fn dedup_hs(recs: Vec<HsRecord>) -> Vec<HsRecord> {
    let mut by_id: BTreeMap<String, HsRecord> = BTreeMap::new();
    for r in recs {
        by_id.insert(r.id.clone(), r);
    }
    by_id.into_values().collect()
}

fn dedup_qbo(recs: Vec<QboRecord>) -> Vec<QboRecord> {
    let mut by_id: BTreeMap<String, QboRecord> = BTreeMap::new();
    for r in recs {
        by_id.insert(r.id.clone(), r);
    }
    by_id.into_values().collect()
}
