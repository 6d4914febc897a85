//! What to generate: record counts per object plus a few knobs, parsed from
//! `contacts=1000,customers=800,…` (the `hsqb emulator --generate` syntax).

use std::fmt;
use std::str::FromStr;

/// Largest count accepted for one object type (keeps a typo such as an extra
/// zero from exhausting memory).
pub const MAX_COUNT: usize = 2_000_000;

/// How many records of each kind to generate, and how they relate.
///
/// Counts are what the generator creates; the emulator's own defaults (a
/// fresh QuickBooks company has one vendor, one employee and the "Services"
/// item) and seed fixtures come on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSpec {
    /// HubSpot contacts.
    pub contacts: usize,
    /// HubSpot companies (contacts are associated with them).
    pub companies: usize,
    /// HubSpot products.
    pub products: usize,
    /// HubSpot deals (with associated contacts, companies and line items).
    pub deals: usize,
    /// HubSpot quotes (on deals, with the deal's line items).
    pub quotes: usize,
    /// QuickBooks customers.
    pub customers: usize,
    /// QuickBooks vendors.
    pub vendors: usize,
    /// QuickBooks employees.
    pub employees: usize,
    /// QuickBooks items.
    pub items: usize,
    /// QuickBooks invoices (with payments for the paid ones).
    pub invoices: usize,
    /// Percent (0–100) of customers that match a contact by e-mail.
    pub email_overlap: u8,
    /// Percent (0–100) of items that match a product (by SKU, else by name).
    pub sku_overlap: u8,
    /// Turn on QuickBooks multicurrency and generate foreign-currency
    /// customers, invoices and deals. Off by default: it is a company-wide
    /// switch (every customer and vendor create then needs a `CurrencyRef`,
    /// and QuickBooks cannot turn it off again), not a per-record edge case.
    pub multicurrency: bool,
    /// QuickBooks company to fill (`None`: the first configured realm).
    pub realm: Option<String>,
}

impl Default for GenerateSpec {
    fn default() -> Self {
        GenerateSpec {
            contacts: 0,
            companies: 0,
            products: 0,
            deals: 0,
            quotes: 0,
            customers: 0,
            vendors: 0,
            employees: 0,
            items: 0,
            invoices: 0,
            email_overlap: 50,
            sku_overlap: 50,
            multicurrency: false,
            realm: None,
        }
    }
}

/// Every key the spec syntax accepts, in documentation order.
pub const KEYS: [&str; 14] = [
    "contacts",
    "companies",
    "products",
    "deals",
    "quotes",
    "customers",
    "vendors",
    "employees",
    "items",
    "invoices",
    "email_overlap",
    "sku_overlap",
    "multicurrency",
    "realm",
];

/// A spec that does not parse or does not make sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

impl GenerateSpec {
    /// Total number of records the spec asks for (both systems).
    pub fn total(&self) -> usize {
        self.contacts
            + self.companies
            + self.products
            + self.deals
            + self.quotes
            + self.customers
            + self.vendors
            + self.employees
            + self.items
            + self.invoices
    }

    /// Check the relations between counts (invoices need customers, quotes
    /// need deals).
    pub fn validate(&self) -> Result<(), SpecError> {
        if self.invoices > 0 && self.customers == 0 {
            return Err(SpecError(format!(
                "invoices={} needs customers (invoices are billed to generated customers): add customers=N",
                self.invoices
            )));
        }
        if self.quotes > 0 && self.deals == 0 {
            return Err(SpecError(format!(
                "quotes={} needs deals (each quote belongs to a generated deal): add deals=N",
                self.quotes
            )));
        }
        Ok(())
    }
}

fn parse_count(key: &str, value: &str) -> Result<usize, SpecError> {
    let n: usize = value.parse().map_err(|_| {
        SpecError(format!(
            "{key}={value}: expected a whole number of records (e.g. {key}=1000)"
        ))
    })?;
    if n > MAX_COUNT {
        return Err(SpecError(format!(
            "{key}={n}: at most {MAX_COUNT} records per kind"
        )));
    }
    Ok(n)
}

fn parse_percent(key: &str, value: &str) -> Result<u8, SpecError> {
    let v = value.strip_suffix('%').unwrap_or(value);
    match v.parse::<u8>() {
        Ok(p) if p <= 100 => Ok(p),
        _ => Err(SpecError(format!(
            "{key}={value}: expected a percentage from 0 to 100 (e.g. {key}=50)"
        ))),
    }
}

fn suggestion(key: &str) -> String {
    let best = KEYS
        .iter()
        .map(|k| (strsim::jaro_winkler(key, k), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!(" (did you mean `{k}`?)"),
        None => String::new(),
    }
}

impl FromStr for GenerateSpec {
    type Err = SpecError;

    /// Parse `key=value` pairs separated by commas, e.g.
    /// `contacts=1000,customers=800,email_overlap=50`.
    fn from_str(s: &str) -> Result<Self, SpecError> {
        let mut spec = GenerateSpec::default();
        let mut seen: Vec<String> = Vec::new();
        let parts: Vec<&str> = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            return Err(SpecError(format!(
                "empty generator spec: give counts such as contacts=1000,customers=800 (keys: {})",
                KEYS.join(", ")
            )));
        }
        for part in parts {
            let Some((key, value)) = part.split_once('=') else {
                return Err(SpecError(format!(
                    "`{part}`: expected key=value (e.g. contacts=1000)"
                )));
            };
            let (key, value) = (key.trim(), value.trim());
            if seen.iter().any(|k| k == key) {
                return Err(SpecError(format!("`{key}` is given twice")));
            }
            match key {
                "contacts" => spec.contacts = parse_count(key, value)?,
                "companies" => spec.companies = parse_count(key, value)?,
                "products" => spec.products = parse_count(key, value)?,
                "deals" => spec.deals = parse_count(key, value)?,
                "quotes" => spec.quotes = parse_count(key, value)?,
                "customers" => spec.customers = parse_count(key, value)?,
                "vendors" => spec.vendors = parse_count(key, value)?,
                "employees" => spec.employees = parse_count(key, value)?,
                "items" => spec.items = parse_count(key, value)?,
                "invoices" => spec.invoices = parse_count(key, value)?,
                "email_overlap" => spec.email_overlap = parse_percent(key, value)?,
                "sku_overlap" => spec.sku_overlap = parse_percent(key, value)?,
                "multicurrency" => {
                    spec.multicurrency = match value {
                        "true" => true,
                        "false" => false,
                        _ => {
                            return Err(SpecError(format!(
                                "multicurrency={value}: expected true or false"
                            )));
                        }
                    }
                }
                "realm" => {
                    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(SpecError(format!(
                            "realm={value}: a QuickBooks realm id is digits"
                        )));
                    }
                    spec.realm = Some(value.to_string());
                }
                _ => {
                    return Err(SpecError(format!(
                        "unknown generator key `{key}`{}; valid keys: {}",
                        suggestion(key),
                        KEYS.join(", ")
                    )));
                }
            }
            seen.push(key.to_string());
        }
        spec.validate()?;
        Ok(spec)
    }
}

impl fmt::Display for GenerateSpec {
    /// The canonical `key=value,…` form (every count, then the knobs that
    /// differ from their defaults); parses back to the same spec.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "contacts={},companies={},products={},deals={},quotes={},customers={},vendors={},employees={},items={},invoices={},email_overlap={},sku_overlap={}",
            self.contacts,
            self.companies,
            self.products,
            self.deals,
            self.quotes,
            self.customers,
            self.vendors,
            self.employees,
            self.items,
            self.invoices,
            self.email_overlap,
            self.sku_overlap
        )?;
        if self.multicurrency {
            f.write_str(",multicurrency=true")?;
        }
        if let Some(r) = &self.realm {
            write!(f, ",realm={r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_knobs() {
        let s: GenerateSpec =
            "contacts=10, customers=8,products=3,items=2,deals=4,invoices=5,email_overlap=25%,multicurrency=true,realm=123"
                .parse()
                .unwrap();
        assert_eq!(s.contacts, 10);
        assert_eq!(s.customers, 8);
        assert_eq!(s.products, 3);
        assert_eq!(s.items, 2);
        assert_eq!(s.deals, 4);
        assert_eq!(s.invoices, 5);
        assert_eq!(s.email_overlap, 25);
        assert_eq!(s.sku_overlap, 50);
        assert!(s.multicurrency);
        assert_eq!(s.realm.as_deref(), Some("123"));
        assert_eq!(s.total(), 32);
    }

    #[test]
    fn display_round_trips() {
        let s: GenerateSpec = "contacts=10,quotes=1,deals=2,sku_overlap=0,multicurrency=true"
            .parse()
            .unwrap();
        assert_eq!(s.to_string().parse::<GenerateSpec>().unwrap(), s);
    }

    #[test]
    fn rejects_bad_input_with_clear_messages() {
        let err = |s: &str| s.parse::<GenerateSpec>().unwrap_err().0;
        assert!(
            err("contact=5").contains("unknown generator key `contact` (did you mean `contacts`?)")
        );
        assert!(err("colour=5").contains("valid keys: contacts, companies"));
        assert!(err("contacts=five").contains("expected a whole number"));
        assert!(err("contacts=-1").contains("expected a whole number"));
        assert!(err("contacts=99999999").contains("at most"));
        assert!(err("contacts=1,contacts=2").contains("given twice"));
        assert!(err("contacts").contains("expected key=value"));
        assert!(err("").contains("empty generator spec"));
        assert!(err("email_overlap=101").contains("percentage"));
        assert!(err("multicurrency=yes").contains("true or false"));
        assert!(err("realm=abc").contains("digits"));
        assert!(err("invoices=3").contains("needs customers"));
        assert!(err("quotes=3").contains("needs deals"));
    }
}
