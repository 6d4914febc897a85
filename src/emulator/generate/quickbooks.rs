//! The QuickBooks half's lists: customers (matching contacts by e-mail at
//! the configured overlap), vendors and employees (some holding contacts'
//! names), items (matching products by SKU or name), and the deactivations
//! done after invoicing.

use super::hubspot::{FOREIGN, HsPlan, people};
use super::names::{self, ItemKind, NameKind, Person};
use super::pick::{self, categories, flags, money_json, quota, sample};
use super::{Edge, Gen, GenerateError, MatchKind};
use crate::emulator::quickbooks::{QboError, QboState};
use rand::RngExt;
use rand::seq::SliceRandom;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::collections::HashSet;

/// A generated customer, as the invoice generator needs it.
pub(crate) struct CustomerInfo {
    pub(crate) id: String,
    pub(crate) currency: String,
    pub(crate) email: Option<String>,
    pub(crate) inactive: bool,
}

/// A generated item, as the invoice generator needs it.
pub(crate) struct ItemInfo {
    pub(crate) id: String,
    pub(crate) price: Decimal,
    pub(crate) inactive: bool,
}

/// The generated company, for invoicing and deactivation.
pub(crate) struct Company {
    pub(crate) home: String,
    pub(crate) customers: Vec<CustomerInfo>,
    pub(crate) items: Vec<ItemInfo>,
}

pub(crate) fn err(what: impl Into<String>) -> impl FnOnce(QboError) -> GenerateError {
    let what = what.into();
    move |source| GenerateError::QuickBooks {
        what,
        source: Box::new(source),
    }
}

/// Exchange rates (home-currency units per foreign unit, for a USD home).
pub(crate) fn exchange_rate(code: &str) -> &'static str {
    match code {
        "EUR" => "1.08",
        "GBP" => "1.27",
        "CAD" => "0.73",
        _ => "1",
    }
}

/// Insert `body` as `entity`; when QuickBooks answers 6240 (a fixture or
/// default record already has the name), make `body[field]` unique and retry.
/// Returns the Id and whether the name changed.
fn insert_named(
    g: &mut Gen,
    qbo: &mut QboState,
    entity: &str,
    mut body: Map<String, Value>,
    field: &str,
    used: &mut HashSet<String>,
) -> Result<(String, bool), GenerateError> {
    let at = g.clock.next();
    let mut changed = false;
    for _ in 0..50 {
        match qbo.insert(&g.realm, entity, Value::Object(body.clone()), at) {
            Ok(id) => return Ok((id, changed)),
            Err(e) if e.code() == "6240" => {
                let name = body.get(field).and_then(Value::as_str).unwrap_or_default();
                let (next, _) = names::unique_name(name, used, 100);
                body.insert(field.into(), Value::String(next));
                changed = true;
            }
            Err(e) => {
                let name = body.get(field).and_then(Value::as_str).unwrap_or_default();
                return Err(err(format!("{entity} {name:?}"))(e));
            }
        }
    }
    Err(GenerateError::QuickBooks {
        what: format!("{entity} name"),
        source: Box::new(QboError::business("no free name after 50 attempts")),
    })
}

fn first_id(qbo: &QboState, realm: &str, entity: &str, statements: &[&str]) -> Option<String> {
    statements.iter().find_map(|s| {
        qbo.query(realm, s).ok().and_then(|r| {
            r.get(entity)?
                .as_array()?
                .first()?
                .get("Id")?
                .as_str()
                .map(str::to_string)
        })
    })
}

/// Account Ids items need.
struct Accounts {
    service_income: String,
    product_income: String,
    cogs: String,
    inventory: String,
}

fn accounts(qbo: &QboState, realm: &str) -> Result<Accounts, GenerateError> {
    let q = |stmts: &[&str], what: &str| {
        first_id(qbo, realm, "Account", stmts).ok_or_else(|| GenerateError::QuickBooks {
            what: format!("items ({what} account)"),
            source: Box::new(QboError::business(format!(
                "the company has no active {what} account"
            ))),
        })
    };
    let income = "SELECT * FROM Account WHERE AccountType = 'Income'";
    Ok(Accounts {
        service_income: q(
            &[
                "SELECT * FROM Account WHERE AccountSubType = 'ServiceFeeIncome'",
                income,
            ],
            "income",
        )?,
        product_income: q(
            &[
                "SELECT * FROM Account WHERE AccountSubType = 'SalesOfProductIncome'",
                income,
            ],
            "income",
        )?,
        cogs: q(
            &["SELECT * FROM Account WHERE AccountType = 'Cost of Goods Sold'"],
            "cost of goods sold",
        )?,
        inventory: q(
            &[
                "SELECT * FROM Account WHERE AccountSubType = 'Inventory'",
                "SELECT * FROM Account WHERE AccountType = 'Other Current Asset'",
            ],
            "inventory asset",
        )?,
    })
}

fn home_currency(qbo: &QboState, realm: &str) -> String {
    qbo.get(realm, "Preferences", "1")
        .and_then(|p| {
            p.get("CurrencyPrefs")?
                .get("HomeCurrency")?
                .get("value")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "USD".into())
}

fn mark_person(g: &mut Gen, p: &Person, object: &'static str, id: &str) {
    match p.kind {
        NameKind::Apostrophe => g.report.mark(Edge::ApostropheName, object, id),
        NameKind::Unicode => g.report.mark(Edge::UnicodeName, object, id),
        _ => {}
    }
}

/// Write customers, vendors, employees and items.
pub(crate) fn write(
    g: &mut Gen,
    qbo: &mut QboState,
    plan: &HsPlan,
) -> Result<Company, GenerateError> {
    let realm = g.realm.clone();
    let home = home_currency(qbo, &realm);
    if g.spec.multicurrency {
        let at = g.clock.next();
        qbo.set_preferences(
            &realm,
            json!({"CurrencyPrefs": {"MultiCurrencyEnabled": true}}),
            at,
        )
        .map_err(err("Preferences (multicurrency)"))?;
    }
    // Active DisplayNames are unique across customers, vendors and employees.
    let mut used: HashSet<String> = HashSet::new();
    let mut emails: HashSet<String> = plan
        .contacts
        .iter()
        .filter_map(|c| c.email.as_ref().map(|e| e.to_lowercase()))
        .collect();
    let (customers, matched) = customers(g, qbo, plan, &home, &mut used, &mut emails)?;
    let unmatched: Vec<usize> = (0..plan.contacts.len())
        .filter(|i| !matched.contains(i))
        .collect();
    let mut free = sample(&mut g.rng, &unmatched, unmatched.len());
    people_lists(g, qbo, plan, &home, &mut used, &mut emails, &mut free)?;
    let items = items(g, qbo, plan)?;
    Ok(Company {
        home,
        customers,
        items,
    })
}

enum Source {
    Matched(usize),
    Fresh(Person),
}

fn customers(
    g: &mut Gen,
    qbo: &mut QboState,
    plan: &HsPlan,
    home: &str,
    used: &mut HashSet<String>,
    emails: &mut HashSet<String>,
) -> Result<(Vec<CustomerInfo>, HashSet<usize>), GenerateError> {
    let n = g.spec.customers;
    let with_email: Vec<usize> = (0..plan.contacts.len())
        .filter(|&i| plan.contacts[i].email.is_some())
        .collect();
    let want = (n * g.spec.email_overlap as usize + 50) / 100;
    let matched_idx = sample(&mut g.rng, &with_email, want.min(with_email.len()));
    let fresh = people(g, n - matched_idx.len(), false);
    let mut sources: Vec<Source> = matched_idx
        .iter()
        .map(|&i| Source::Matched(i))
        .chain(fresh.into_iter().map(Source::Fresh))
        .collect();
    sources.shuffle(&mut g.rng);
    let is_fresh = |s: &Source| matches!(s, Source::Fresh(_));
    let multi = g.spec.multicurrency;
    let inactive = flags(&mut g.rng, n, 0.03, |_| true);
    let foreign = flags(&mut g.rng, n, 0.03, |i| multi && !inactive[i]);
    let sub = flags(&mut g.rng, n, 0.01, |i| {
        is_fresh(&sources[i]) && !inactive[i] && !foreign[i]
    });
    let business = flags(&mut g.rng, n, 0.25, |i| is_fresh(&sources[i]) && !sub[i]);
    let no_email = flags(&mut g.rng, n, 0.05, |i| is_fresh(&sources[i]) && !sub[i]);
    let case = flags(&mut g.rng, n, 0.05, |i| !is_fresh(&sources[i]));
    let long = flags(&mut g.rng, n, 0.005, |i| !sub[i]);
    let foreign_codes: Vec<&str> = FOREIGN.iter().copied().filter(|c| *c != home).collect();

    let mut out: Vec<CustomerInfo> = Vec::with_capacity(n);
    // Top-level customers first: sub-customers need their parents.
    for i in (0..n).filter(|&i| !sub[i]) {
        let mut body = Map::new();
        let mut email = None;
        let person = match &sources[i] {
            Source::Matched(ci) => {
                let c = &plan.contacts[*ci];
                let e = c.email.clone().unwrap_or_default();
                email = Some(if case[i] { case_variant(&e) } else { e });
                if let Some((_, company)) = c.company.as_ref().filter(|_| g.rng.random_bool(0.2)) {
                    body.insert("DisplayName".into(), json!(company));
                    body.insert("CompanyName".into(), json!(company));
                }
                if let Some(p) = &c.phone {
                    let phone = if g.rng.random_bool(0.3) {
                        names::phone(&mut g.rng)
                    } else {
                        p.clone()
                    };
                    body.insert("PrimaryPhone".into(), json!({"FreeFormNumber": phone}));
                }
                body.insert("BillAddr".into(), json!({"City": c.city}));
                c.person.clone()
            }
            Source::Fresh(p) => {
                if business[i] {
                    let company = g.names.company(NameKind::Plain);
                    body.insert("DisplayName".into(), json!(company));
                    body.insert("CompanyName".into(), json!(company));
                }
                if !no_email[i] {
                    let local = if business[i] {
                        format!("billing.{}", p.slug)
                    } else {
                        p.slug.clone()
                    };
                    let domain = names::domain(&mut g.rng);
                    email = Some(names::unique_email(&local, domain, emails));
                }
                if g.rng.random_bool(0.6) {
                    body.insert(
                        "PrimaryPhone".into(),
                        json!({"FreeFormNumber": names::phone(&mut g.rng)}),
                    );
                }
                body.insert(
                    "BillAddr".into(),
                    json!({"Line1": format!("{} Main Street", g.rng.random_range(1..9999)), "City": names::city(&mut g.rng)}),
                );
                p.clone()
            }
        };
        body.insert("GivenName".into(), json!(trunc(&person.given, 100)));
        body.insert("FamilyName".into(), json!(trunc(&person.family, 100)));
        let display = body
            .get("DisplayName")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| person.display.clone());
        let (display, mut renamed) = names::unique_name(&display, used, 500);
        body.insert("DisplayName".into(), json!(display));
        if let Some(e) = &email {
            body.insert("PrimaryEmailAddr".into(), json!({"Address": e}));
        }
        let currency = if foreign[i] && !foreign_codes.is_empty() {
            foreign_codes[g.rng.random_range(0..foreign_codes.len())].to_string()
        } else {
            home.to_string()
        };
        if multi {
            body.insert("CurrencyRef".into(), json!({"value": currency}));
        }
        if long[i] {
            body.insert("Notes".into(), json!(names::long_text(&mut g.rng, 1000)));
        }
        let (id, retried) = insert_named(g, qbo, "Customer", body, "DisplayName", used)?;
        renamed |= retried;
        match &sources[i] {
            Source::Matched(_) => {
                g.report.mark(Edge::CustomerMatchesContact, "Customer", &id);
                if case[i] {
                    g.report.mark(Edge::EmailCaseMismatch, "Customer", &id);
                }
            }
            Source::Fresh(_) if email.is_none() => {
                g.report.mark(Edge::MissingEmail, "Customer", &id)
            }
            Source::Fresh(_) => {}
        }
        mark_person(g, &person, "Customer", &id);
        if renamed {
            g.report
                .mark(Edge::DisambiguatedDisplayName, "Customer", &id);
        }
        if long[i] {
            g.report.mark(Edge::LongText, "Customer", &id);
        }
        if currency != home {
            g.report.mark(Edge::ForeignCurrency, "Customer", &id);
        }
        out.push(CustomerInfo {
            id,
            currency,
            email,
            inactive: inactive[i],
        });
    }
    // Sub-customers (jobs) under active home-currency parents.
    let parents: Vec<usize> = (0..out.len())
        .filter(|&j| !out[j].inactive && out[j].currency == home)
        .collect();
    let mut jobs: HashSet<String> = HashSet::new();
    for _ in (0..n).filter(|&i| sub[i]) {
        let parent = match parents.as_slice() {
            [] => None,
            p => Some(out[p[g.rng.random_range(0..p.len())]].id.clone()),
        };
        let base = names::job_name(&mut g.rng);
        let mut body = Map::new();
        match &parent {
            Some(pid) => {
                // Jobs are unique per parent (QuickBooks compares the
                // FullyQualifiedName `Parent:Job`).
                let mut job = base.to_string();
                let mut k = 2;
                while !jobs.insert(format!("{pid}/{}", job.to_lowercase())) {
                    job = format!("{base} ({k})");
                    k += 1;
                }
                body.insert("DisplayName".into(), json!(job));
                body.insert("ParentRef".into(), json!({"value": pid}));
                body.insert("BillWithParent".into(), json!(true));
            }
            None => {
                let (job, _) = names::unique_name(base, used, 500);
                body.insert("DisplayName".into(), json!(job));
            }
        }
        if multi {
            body.insert("CurrencyRef".into(), json!({"value": home}));
        }
        let (id, _) = insert_named(g, qbo, "Customer", body, "DisplayName", used)?;
        if parent.is_some() {
            g.report.mark(Edge::SubCustomer, "Customer", &id);
        }
        out.push(CustomerInfo {
            id,
            currency: home.to_string(),
            email: None,
            inactive: false,
        });
    }
    g.report.created.customers = out.len();
    Ok((out, matched_idx.into_iter().collect()))
}

/// `Ana.Souza@Example.com` for `ana.souza@example.com`.
fn case_variant(email: &str) -> String {
    let mut up = true;
    email
        .chars()
        .map(|c| {
            let out = if up { c.to_ascii_uppercase() } else { c };
            up = matches!(c, '.' | '@');
            out
        })
        .collect()
}

fn trunc(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Vendors and employees: a fifth of each take the name of a contact that
/// has no customer (`free`), the rest are new companies or people.
fn people_lists(
    g: &mut Gen,
    qbo: &mut QboState,
    plan: &HsPlan,
    home: &str,
    used: &mut HashSet<String>,
    emails: &mut HashSet<String>,
    free: &mut Vec<usize>,
) -> Result<(), GenerateError> {
    for entity in ["Vendor", "Employee"] {
        let n = if entity == "Vendor" {
            g.spec.vendors
        } else {
            g.spec.employees
        };
        let k = quota(n, 0.2).min(free.len());
        let mut taken: Vec<bool> = (0..n).map(|i| i < k).collect();
        taken.shuffle(&mut g.rng);
        let mut created = 0;
        for take in taken {
            let mut body = Map::new();
            let contact = if take {
                // Skip contacts whose name is already used (duplicates).
                loop {
                    match free.pop() {
                        Some(ci)
                            if !used.contains(&plan.contacts[ci].person.display.to_lowercase()) =>
                        {
                            break Some(ci);
                        }
                        Some(_) => continue,
                        None => break None,
                    }
                }
            } else {
                None
            };
            let person = match contact {
                Some(ci) => plan.contacts[ci].person.clone(),
                None => g.names.person(NameKind::Plain),
            };
            let business = entity == "Vendor" && contact.is_none() && g.rng.random_bool(0.7);
            let display = if business {
                let company = g.names.company(NameKind::Plain);
                body.insert("CompanyName".into(), json!(company));
                company
            } else {
                body.insert("GivenName".into(), json!(trunc(&person.given, 100)));
                body.insert("FamilyName".into(), json!(trunc(&person.family, 100)));
                person.display.clone()
            };
            let (display, _) = names::unique_name(&display, used, 500);
            body.insert("DisplayName".into(), json!(display));
            if g.rng.random_bool(0.5) {
                let domain = names::domain(&mut g.rng);
                let e = names::unique_email(&format!("{}.ap", person.slug), domain, emails);
                body.insert("PrimaryEmailAddr".into(), json!({"Address": e}));
            }
            if entity == "Vendor" && g.spec.multicurrency {
                body.insert("CurrencyRef".into(), json!({"value": home}));
            }
            let (id, renamed) = insert_named(g, qbo, entity, body, "DisplayName", used)?;
            if contact.is_some() && !renamed {
                g.report
                    .mark(Edge::DisplayNameTakenByOtherType, entity, &id);
            }
            created += 1;
        }
        if entity == "Vendor" {
            g.report.created.vendors = created;
        } else {
            g.report.created.employees = created;
        }
    }
    Ok(())
}

fn items(g: &mut Gen, qbo: &mut QboState, plan: &HsPlan) -> Result<Vec<ItemInfo>, GenerateError> {
    let n = g.spec.items;
    if n == 0 {
        return Ok(Vec::new());
    }
    let realm = g.realm.clone();
    let acc = accounts(qbo, &realm)?;
    let matched: Vec<usize> = (0..plan.products.len())
        .filter(|&i| plan.products[i].matched.is_some())
        .take(n)
        .collect();
    let fresh = n - matched.len();
    let kinds = categories(
        &mut g.rng,
        fresh,
        &[(NameKind::Apostrophe, 0.03), (NameKind::Unicode, 0.04)],
        NameKind::Plain,
    );
    // (product index, name kind) per item, in random order.
    let mut sources: Vec<(Option<usize>, NameKind)> = matched
        .iter()
        .map(|&p| (Some(p), NameKind::Plain))
        .chain(kinds.into_iter().map(|k| (None, k)))
        .collect();
    sources.shuffle(&mut g.rng);
    let inactive = flags(&mut g.rng, n, 0.04, |_| true);
    let long = flags(&mut g.rng, n, 0.005, |_| true);
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(n);
    for (i, (product, name_kind)) in sources.into_iter().enumerate() {
        let (name, sku, kind, price, how) = match product {
            Some(p) => {
                let p = &plan.products[p];
                let name = match p.matched {
                    Some(MatchKind::SkuOnly) => format!("{} - QB", trunc(&p.name, 90)),
                    _ => p.name.clone(),
                };
                let price = if g.rng.random_bool(0.2) {
                    pick::cents(p.price * Decimal::new(11, 1))
                } else {
                    p.price
                };
                (name, p.sku.clone(), p.kind, price, p.matched)
            }
            None => {
                let kind = ItemKind::random(&mut g.rng);
                let (name, sku) = g.names.product(name_kind, kind);
                let price = pick::price(&mut g.rng, 5, 800);
                (
                    name,
                    g.rng.random_bool(0.85).then_some(sku),
                    kind,
                    price,
                    None,
                )
            }
        };
        let (name, _) = names::unique_name(&name, &mut used, 100);
        let mut body = Map::new();
        body.insert("Name".into(), json!(name));
        body.insert("Type".into(), json!(kind.qbo()));
        body.insert("UnitPrice".into(), money_json(price));
        if let Some(s) = &sku {
            body.insert("Sku".into(), json!(s));
        }
        if long[i] {
            body.insert(
                "Description".into(),
                json!(names::long_text(&mut g.rng, 4000)),
            );
        } else if g.rng.random_bool(0.5) {
            body.insert(
                "Description".into(),
                json!(format!("{name} ({})", kind.hubspot())),
            );
        }
        let income = match kind {
            ItemKind::Service => &acc.service_income,
            _ => &acc.product_income,
        };
        body.insert("IncomeAccountRef".into(), json!({"value": income}));
        if kind == ItemKind::Inventory {
            body.insert("AssetAccountRef".into(), json!({"value": acc.inventory}));
            body.insert("ExpenseAccountRef".into(), json!({"value": acc.cogs}));
            body.insert("QtyOnHand".into(), json!(g.rng.random_range(0..500)));
            body.insert(
                "InvStartDate".into(),
                json!(pick::date_str(pick::shift(g.today, -365))),
            );
            body.insert(
                "PurchaseCost".into(),
                money_json(pick::cents(price * Decimal::new(6, 1))),
            );
        }
        let (id, _) = insert_named(g, qbo, "Item", body, "Name", &mut used)?;
        match how {
            Some(MatchKind::NameOnly) => g.report.mark(Edge::ItemMatchesProductByName, "Item", &id),
            Some(_) => g.report.mark(Edge::ItemMatchesProductBySku, "Item", &id),
            None => match name_kind {
                NameKind::Apostrophe => g.report.mark(Edge::ApostropheName, "Item", &id),
                NameKind::Unicode => g.report.mark(Edge::UnicodeName, "Item", &id),
                _ => {}
            },
        }
        if long[i] {
            g.report.mark(Edge::LongText, "Item", &id);
        }
        out.push(ItemInfo {
            id,
            price,
            inactive: inactive[i],
        });
    }
    g.report.created.items = out.len();
    Ok(out)
}

/// Deactivate the customers and items flagged inactive (after invoicing, so
/// old invoices may reference inactive items, as in real companies).
pub(crate) fn deactivate(
    g: &mut Gen,
    qbo: &mut QboState,
    company: &Company,
) -> Result<(), GenerateError> {
    let realm = g.realm.clone();
    let targets: Vec<(&str, &str, Edge)> = company
        .customers
        .iter()
        .filter(|c| c.inactive)
        .map(|c| ("Customer", c.id.as_str(), Edge::InactiveCustomer))
        .chain(
            company
                .items
                .iter()
                .filter(|i| i.inactive)
                .map(|i| ("Item", i.id.as_str(), Edge::InactiveItem)),
        )
        .collect();
    for (entity, id, edge) in targets {
        let sync = qbo
            .get(&realm, entity, id)
            .and_then(|v| {
                v.get("SyncToken")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| "0".into());
        let at = g.clock.next();
        qbo.save(
            &realm,
            entity,
            json!({"Id": id, "SyncToken": sync, "sparse": true, "Active": false}),
            at,
        )
        .map_err(err(format!("deactivating {entity} {id}")))?;
        g.report.mark(edge, entity, id);
    }
    Ok(())
}
