//! The HubSpot half: companies, contacts, products, deals with line items,
//! and quotes, written through `HsState`'s in-process API.

use super::names::{self, ItemKind, NameKind, Person};
use super::pick::{self, categories, flags, money_text, sample};
use super::{ContactInfo, Edge, Gen, GenerateError, MatchKind, ProductInfo};
use crate::emulator::hubspot::{HsError, HsState};
use rand::RngExt;
use rust_decimal::Decimal;
use std::collections::HashSet;

/// Currencies used for foreign-currency records (the home one is skipped).
pub(crate) const FOREIGN: [&str; 3] = ["EUR", "GBP", "CAD"];

/// What the QuickBooks half needs from this half.
pub(crate) struct HsPlan {
    /// Products (planned before writing: items match them).
    pub(crate) products: Vec<ProductInfo>,
    /// Contacts as written.
    pub(crate) contacts: Vec<ContactInfo>,
}

fn err(what: impl Into<String>) -> impl FnOnce(HsError) -> GenerateError {
    let what = what.into();
    move |source| GenerateError::HubSpot {
        what,
        source: Box::new(source),
    }
}

/// Plan the products and which of them items will match.
pub(crate) fn plan(g: &mut Gen) -> HsPlan {
    let n = g.spec.products;
    let kinds = categories(
        &mut g.rng,
        n,
        &[
            (NameKind::Apostrophe, 0.03),
            (NameKind::Unicode, 0.04),
            (NameKind::Duplicate, 0.02),
        ],
        NameKind::Plain,
    );
    let long = flags(&mut g.rng, n, 0.005, |_| true);
    let mut products: Vec<ProductInfo> = Vec::with_capacity(n);
    for (&kind, &long) in kinds.iter().zip(&long) {
        let item_kind = ItemKind::random(&mut g.rng);
        let (name, sku) = g.names.product(kind, item_kind);
        let price = match item_kind {
            ItemKind::Service => pick::price(&mut g.rng, 50, 300),
            ItemKind::NonInventory => pick::price(&mut g.rng, 5, 200),
            ItemKind::Inventory => pick::price(&mut g.rng, 10, 1500),
        };
        products.push(ProductInfo {
            id: String::new(),
            name,
            // One product in ten has no SKU (matched by name, if at all).
            sku: (g.rng.random_range(0..10) > 0).then_some(sku),
            price,
            kind: item_kind,
            matched: None,
            name_kind: kind,
            long,
        });
    }
    // Duplicates copy the name of another (non-duplicate) product.
    let originals: Vec<usize> = (0..n)
        .filter(|&i| kinds[i] != NameKind::Duplicate)
        .collect();
    for i in 0..n {
        if kinds[i] == NameKind::Duplicate && !originals.is_empty() {
            let j = originals[g.rng.random_range(0..originals.len())];
            products[i].name = products[j].name.clone();
        }
    }
    // Which products items will match, and how.
    let want = (g.spec.items * g.spec.sku_overlap as usize + 50) / 100;
    let m = want.min(n);
    let all: Vec<usize> = (0..n).collect();
    let chosen = sample(&mut g.rng, &all, m);
    let how = categories(
        &mut g.rng,
        m,
        &[(MatchKind::NameOnly, 0.1), (MatchKind::SkuOnly, 0.1)],
        MatchKind::SkuAndName,
    );
    for (&i, &k) in chosen.iter().zip(&how) {
        let p = &mut products[i];
        p.matched = Some(k);
        match k {
            MatchKind::NameOnly => p.sku = None,
            MatchKind::SkuOnly | MatchKind::SkuAndName => {
                if p.sku.is_none() {
                    p.sku = Some(g.names.sku(p.kind));
                }
            }
        }
    }
    HsPlan {
        products,
        contacts: Vec::new(),
    }
}

/// Write the HubSpot portal: companies, contacts, products, deals, quotes.
pub(crate) fn write(g: &mut Gen, hs: &mut HsState, plan: &mut HsPlan) -> Result<(), GenerateError> {
    let home = hs.account().company_currency.clone();
    if g.spec.multicurrency {
        let mut extra: Vec<String> = hs.account().additional_currencies.clone();
        for c in FOREIGN {
            if c != home && !extra.iter().any(|e| e == c) {
                extra.push(c.to_string());
            }
        }
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        hs.set_currencies(&home, &extra);
    }
    let companies = companies(g, hs)?;
    plan.contacts = contacts(g, hs, &companies)?;
    products(g, hs, &mut plan.products)?;
    let deals = deals(g, hs, &home, &plan.contacts, &companies, &plan.products)?;
    quotes(g, hs, &deals)?;
    Ok(())
}

/// (id, name) of each company.
type Companies = Vec<(String, String)>;

fn companies(g: &mut Gen, hs: &mut HsState) -> Result<Companies, GenerateError> {
    let n = g.spec.companies;
    let kinds = categories(
        &mut g.rng,
        n,
        &[(NameKind::Apostrophe, 0.04), (NameKind::Unicode, 0.05)],
        NameKind::Plain,
    );
    let mut domains = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for kind in kinds {
        let name = g.names.company(kind);
        let domain = names::company_domain(&name, &mut domains);
        let mut props = vec![
            ("name", name.clone()),
            ("domain", domain),
            ("city", names::city(&mut g.rng).to_string()),
        ];
        if g.rng.random_bool(0.6) {
            props.push(("phone", names::phone(&mut g.rng)));
        }
        let at = g.clock.next();
        let id = hs
            .insert_record("companies", props, at)
            .map_err(err(format!("company {name:?}")))?;
        mark_name(g, kind, "companies", &id);
        out.push((id, name));
    }
    g.report.created.companies = out.len();
    Ok(out)
}

fn mark_name(g: &mut Gen, kind: NameKind, object: &'static str, id: &str) {
    match kind {
        NameKind::Apostrophe => g.report.mark(Edge::ApostropheName, object, id),
        NameKind::Unicode => g.report.mark(Edge::UnicodeName, object, id),
        NameKind::Duplicate => g.report.mark(Edge::DuplicateName, object, id),
        NameKind::Plain => {}
    }
}

/// People for `n` records: plain, apostrophe, unicode and duplicate names at
/// their rates (shared by contacts and customers).
pub(crate) fn people(g: &mut Gen, n: usize, duplicates: bool) -> Vec<Person> {
    let mut rates = vec![(NameKind::Apostrophe, 0.04), (NameKind::Unicode, 0.06)];
    if duplicates {
        rates.push((NameKind::Duplicate, 0.02));
    }
    let kinds = categories(&mut g.rng, n, &rates, NameKind::Plain);
    let mut out: Vec<Person> = kinds.iter().map(|&k| g.names.person(k)).collect();
    let originals: Vec<usize> = (0..n)
        .filter(|&i| kinds[i] != NameKind::Duplicate)
        .collect();
    for i in 0..n {
        if kinds[i] == NameKind::Duplicate && !originals.is_empty() {
            let j = originals[g.rng.random_range(0..originals.len())];
            let mut p = out[j].clone();
            p.kind = NameKind::Duplicate;
            out[i] = p;
        }
    }
    out
}

const LIFECYCLE: [(&str, u32); 7] = [
    ("customer", 40),
    ("lead", 20),
    ("subscriber", 10),
    ("marketingqualifiedlead", 8),
    ("salesqualifiedlead", 7),
    ("opportunity", 10),
    ("other", 5),
];

fn weighted<T: Copy>(g: &mut Gen, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut x = g.rng.random_range(0..total.max(1));
    for &(v, w) in table {
        if x < w {
            return v;
        }
        x -= w;
    }
    table[0].0
}

fn contacts(
    g: &mut Gen,
    hs: &mut HsState,
    companies: &Companies,
) -> Result<Vec<ContactInfo>, GenerateError> {
    let n = g.spec.contacts;
    let people = people(g, n, true);
    let missing = flags(&mut g.rng, n, 0.05, |_| true);
    let mut emails: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for (person, no_email) in people.into_iter().zip(missing) {
        let company = (!companies.is_empty() && g.rng.random_bool(0.7))
            .then(|| companies[g.rng.random_range(0..companies.len())].clone());
        let city = names::city(&mut g.rng);
        let phone = g.rng.random_bool(0.7).then(|| names::phone(&mut g.rng));
        let domain = names::domain(&mut g.rng);
        let mut email = (!no_email).then(|| names::unique_email(&person.slug, domain, &mut emails));
        let lifecycle = weighted(g, &LIFECYCLE);
        let jobtitle = g.rng.random_bool(0.3);
        let at = g.clock.next();
        // A seed fixture may already hold an address: pick another one.
        let id = loop {
            let mut props = vec![
                ("firstname", person.given.clone()),
                ("lastname", person.family.clone()),
                ("city", city.to_string()),
                ("lifecyclestage", lifecycle.to_string()),
            ];
            if let Some(e) = &email {
                props.push(("email", e.clone()));
            }
            if let Some(p) = &phone {
                props.push(("phone", p.clone()));
            }
            if let Some((_, name)) = &company {
                props.push(("company", name.clone()));
            }
            if jobtitle {
                props.push(("jobtitle", "Office Manager".to_string()));
            }
            match hs.insert_record("contacts", props, at) {
                Ok(id) => break id,
                Err(e) if e.status == 409 && email.is_some() => {
                    email = Some(names::unique_email(&person.slug, domain, &mut emails));
                }
                Err(e) => return Err(err(format!("contact {:?}", person.display))(e)),
            }
        };
        mark_name(g, person.kind, "contacts", &id);
        if email.is_none() {
            g.report.mark(Edge::MissingEmail, "contacts", &id);
        }
        if let Some((cid, _)) = &company {
            for t in [None, Some(1)] {
                hs.associate("contacts", &id, "companies", cid, t)
                    .map_err(err(format!("contact {id} → company {cid}")))?;
                g.report.created.associations += 1;
            }
        }
        out.push(ContactInfo {
            id,
            person,
            email,
            phone,
            city,
            company,
        });
    }
    g.report.created.contacts = out.len();
    Ok(out)
}

fn products(
    g: &mut Gen,
    hs: &mut HsState,
    products: &mut [ProductInfo],
) -> Result<(), GenerateError> {
    for p in products.iter_mut() {
        let long = p.long;
        let mut props = vec![
            ("name", p.name.clone()),
            ("price", money_text(p.price)),
            ("hs_product_type", p.kind.hubspot().to_string()),
        ];
        if let Some(s) = &p.sku {
            props.push(("hs_sku", s.clone()));
        }
        if long {
            props.push(("description", names::long_text(&mut g.rng, 3900)));
        } else if g.rng.random_bool(0.6) {
            props.push(("description", format!("{} — {}", p.name, p.kind.hubspot())));
        }
        if p.kind == ItemKind::Inventory {
            props.push((
                "hs_cost_of_goods_sold",
                money_text(p.price * Decimal::new(6, 1)),
            ));
        }
        let at = g.clock.next();
        p.id = hs
            .insert_record("products", props, at)
            .map_err(err(format!("product {:?}", p.name)))?;
        mark_name(g, p.name_kind, "products", &p.id);
        if long {
            g.report.mark(Edge::LongText, "products", &p.id);
        }
    }
    g.report.created.products = products.len();
    Ok(())
}

/// A deal as written (quotes are built on these).
pub(crate) struct DealInfo {
    id: String,
    name: String,
    stage: &'static str,
    currency: String,
    contact: Option<String>,
    line_items: Vec<String>,
}

const STAGES: [(&str, f64); 6] = [
    ("appointmentscheduled", 0.15),
    ("qualifiedtobuy", 0.12),
    ("presentationscheduled", 0.10),
    ("decisionmakerboughtin", 0.08),
    ("contractsent", 0.10),
    ("closedlost", 0.12),
];

fn deals(
    g: &mut Gen,
    hs: &mut HsState,
    home: &str,
    contacts: &[ContactInfo],
    companies: &Companies,
    products: &[ProductInfo],
) -> Result<Vec<DealInfo>, GenerateError> {
    let n = g.spec.deals;
    let stages = categories(&mut g.rng, n, &STAGES, "closedwon");
    let no_contact = flags(&mut g.rng, n, 0.03, |_| !contacts.is_empty());
    let no_lines = flags(&mut g.rng, n, 0.03, |_| true);
    let long = flags(&mut g.rng, n, 0.005, |_| true);
    let multi = g.spec.multicurrency;
    let foreign = flags(&mut g.rng, n, 0.03, |_| multi);
    let line_counts: Vec<usize> = no_lines
        .iter()
        .map(|&none| if none { 0 } else { g.rng.random_range(1..=4) })
        .collect();
    let total_lines: usize = line_counts.iter().sum();
    // Custom lines (no product) at 3%; all of them when there are no products.
    let custom = flags(&mut g.rng, total_lines, 0.03, |_| true);
    let foreign_codes: Vec<&str> = FOREIGN.iter().copied().filter(|c| *c != home).collect();
    let mut line_k = 0usize;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let stage = stages[i];
        let contact = (!no_contact[i] && !contacts.is_empty())
            .then(|| &contacts[g.rng.random_range(0..contacts.len())]);
        let second = (contact.is_some() && contacts.len() > 1 && g.rng.random_bool(0.05))
            .then(|| &contacts[g.rng.random_range(0..contacts.len())])
            .filter(|c| Some(c.id.as_str()) != contact.map(|c| c.id.as_str()));
        let company = match contact.and_then(|c| c.company.clone()) {
            Some(c) => Some(c),
            None if !companies.is_empty() && g.rng.random_bool(0.3) => {
                Some(companies[g.rng.random_range(0..companies.len())].clone())
            }
            None => None,
        };
        let who = company
            .as_ref()
            .map(|c| c.1.clone())
            .or_else(|| contact.map(|c| c.person.display.clone()))
            .unwrap_or_else(|| "New prospect".into());
        let name = format!("{who} — {}", names::deal_topic(&mut g.rng));
        let currency = if foreign[i] && !foreign_codes.is_empty() {
            foreign_codes[g.rng.random_range(0..foreign_codes.len())].to_string()
        } else {
            home.to_string()
        };
        // Lines: (product index or None, price, quantity).
        let mut lines = Vec::new();
        for _ in 0..line_counts[i] {
            let is_custom = custom[line_k] || products.is_empty();
            line_k += 1;
            let qty = Decimal::from(g.rng.random_range(1..=10));
            if is_custom {
                lines.push((None, pick::price(&mut g.rng, 20, 500), qty));
            } else {
                let p = g.rng.random_range(0..products.len());
                let price = if g.rng.random_bool(0.2) {
                    pick::cents(products[p].price * Decimal::new(9, 1))
                } else {
                    products[p].price
                };
                lines.push((Some(p), price, qty));
            }
        }
        let amount: Decimal = lines.iter().map(|(_, p, q)| *p * *q).sum();
        let amount = if lines.is_empty() {
            pick::price(&mut g.rng, 500, 20_000)
        } else {
            amount
        };
        let close = if stage.starts_with("closed") {
            pick::shift(g.today, -g.rng.random_range(1..60))
        } else {
            pick::shift(g.today, g.rng.random_range(7..90))
        };
        let mut props = vec![
            ("dealname", name.clone()),
            ("dealstage", stage.to_string()),
            ("pipeline", "default".to_string()),
            ("amount", money_text(amount)),
            (
                "closedate",
                format!("{}T00:00:00.000Z", pick::date_str(close)),
            ),
        ];
        if multi {
            props.push(("deal_currency_code", currency.clone()));
        }
        if long[i] {
            props.push(("description", names::long_text(&mut g.rng, 3000)));
        }
        let at = g.clock.next();
        let id = hs
            .insert_record("deals", props, at)
            .map_err(err(format!("deal {name:?}")))?;
        *g.report
            .deals_by_stage
            .entry(stage.to_string())
            .or_default() += 1;
        if contact.is_none() {
            g.report.mark(Edge::DealWithoutContact, "deals", &id);
        }
        if lines.is_empty() {
            g.report.mark(Edge::DealWithoutLineItems, "deals", &id);
        }
        if long[i] {
            g.report.mark(Edge::LongText, "deals", &id);
        }
        if currency != home {
            g.report.mark(Edge::ForeignCurrency, "deals", &id);
        }
        for c in [contact, second].into_iter().flatten() {
            hs.associate("deals", &id, "contacts", &c.id, None)
                .map_err(err(format!("deal {id} → contact {}", c.id)))?;
            g.report.created.associations += 1;
        }
        if let Some((cid, _)) = &company {
            for t in [None, Some(5)] {
                hs.associate("deals", &id, "companies", cid, t)
                    .map_err(err(format!("deal {id} → company {cid}")))?;
                g.report.created.associations += 1;
            }
        }
        let mut line_ids = Vec::with_capacity(lines.len());
        for (pos, (product, price, qty)) in lines.into_iter().enumerate() {
            let mut props = vec![("quantity", qty.to_string())];
            match product {
                Some(p) => {
                    props.push(("hs_product_id", products[p].id.clone()));
                    if price != products[p].price {
                        props.push(("price", money_text(price)));
                    }
                }
                None => {
                    props.push(("name", "Custom work (not in the product library)".into()));
                    props.push(("price", money_text(price)));
                }
            }
            if multi {
                props.push(("hs_line_item_currency_code", currency.clone()));
            }
            props.push(("hs_position_on_quote", pos.to_string()));
            let at = g.clock.next();
            let lid = hs
                .insert_record("line_items", props, at)
                .map_err(err(format!("line item of deal {id}")))?;
            if product.is_none() {
                g.report
                    .mark(Edge::LineItemWithoutProduct, "line_items", &lid);
            }
            hs.associate("deals", &id, "line_items", &lid, None)
                .map_err(err(format!("deal {id} → line item {lid}")))?;
            g.report.created.associations += 1;
            g.report.created.line_items += 1;
            line_ids.push(lid);
        }
        out.push(DealInfo {
            id,
            name,
            stage,
            currency,
            contact: contact.map(|c| c.id.clone()),
            line_items: line_ids,
        });
    }
    g.report.created.deals = out.len();
    Ok(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteKind {
    Published,
    Expired,
    Draft,
}

fn quotes(g: &mut Gen, hs: &mut HsState, deals: &[DealInfo]) -> Result<(), GenerateError> {
    let n = g.spec.quotes;
    if n == 0 || deals.is_empty() {
        return Ok(());
    }
    let kinds = categories(
        &mut g.rng,
        n,
        &[(QuoteKind::Draft, 0.2), (QuoteKind::Expired, 0.15)],
        QuoteKind::Published,
    );
    // Quotes go on deals with line items, late-stage ones first; when there
    // are more quotes than deals, deals get several.
    let mut order: Vec<usize> = (0..deals.len())
        .filter(|&i| !deals[i].line_items.is_empty())
        .collect();
    if order.is_empty() {
        order = (0..deals.len()).collect();
    }
    let late = |i: &usize| matches!(deals[*i].stage, "closedwon" | "contractsent");
    let (mut first, rest): (Vec<usize>, Vec<usize>) = order.into_iter().partition(late);
    first.extend(sample(&mut g.rng, &rest, rest.len()));
    for (q, kind) in kinds.into_iter().enumerate() {
        let deal = &deals[first[q % first.len()]];
        let (status, expires) = match kind {
            QuoteKind::Published => (
                if g.rng.random_bool(0.7) {
                    "APPROVAL_NOT_NEEDED"
                } else {
                    "APPROVED"
                },
                pick::shift(g.today, g.rng.random_range(14..60)),
            ),
            QuoteKind::Expired => (
                "APPROVAL_NOT_NEEDED",
                pick::shift(g.today, -g.rng.random_range(1..30)),
            ),
            QuoteKind::Draft => ("DRAFT", pick::shift(g.today, 30)),
        };
        let title: String = format!("Quote for {}", deal.name)
            .chars()
            .take(200)
            .collect();
        let props = vec![
            ("hs_title", title),
            ("hs_status", status.to_string()),
            ("hs_expiration_date", pick::date_str(expires)),
            ("hs_currency", deal.currency.clone()),
        ];
        let at = g.clock.next();
        let id = hs
            .insert_record("quotes", props, at)
            .map_err(err(format!("quote on deal {}", deal.id)))?;
        g.report.mark(
            match kind {
                QuoteKind::Published => Edge::QuotePublished,
                QuoteKind::Expired => Edge::QuoteExpired,
                QuoteKind::Draft => Edge::QuoteDraft,
            },
            "quotes",
            &id,
        );
        let mut links = vec![("deals", deal.id.clone())];
        links.extend(deal.line_items.iter().map(|l| ("line_items", l.clone())));
        links.extend(deal.contact.iter().map(|c| ("contacts", c.clone())));
        for (object, to) in links {
            hs.associate("quotes", &id, object, &to, None)
                .map_err(err(format!("quote {id} → {object} {to}")))?;
            g.report.created.associations += 1;
        }
        g.report.created.quotes += 1;
    }
    Ok(())
}
