//! Name builders: people, companies, products, e-mails and long text.
//!
//! Every builder maps an index through a bijection onto the combinations of
//! its pools (`pools`), adding a middle initial or a numeral once the space
//! is used up, so distinct indexes give distinct names. A [`Namer`] hands out
//! fresh indexes per builder: duplicates only appear where the generator
//! plants them (at a controlled rate), never by chance.

use super::pick::Rng;
use super::pools::*;
use rand::RngExt;
use std::collections::HashSet;

/// Multiplier of the bijection `c ↦ c·STRIDE mod space`: a prime larger than
/// every pool product's factors, hence coprime with each space.
const STRIDE: u64 = 48_271;

/// The `k`-th combination of pools of sizes `dims` (in a scrambled but fixed
/// order) and how many times `k` went around the whole space.
fn combo<const N: usize>(k: u64, dims: [usize; N]) -> ([usize; N], u64) {
    let space: u64 = dims.iter().map(|&d| d as u64).product();
    let mut c = (k % space) * STRIDE % space;
    let mut out = [0; N];
    for (slot, &d) in out.iter_mut().zip(&dims) {
        *slot = (c % d as u64) as usize;
        c /= d as u64;
    }
    (out, k / space)
}

/// ` K.` (then ` K2.`, …) for the `round`-th trip around a name space.
fn initial(round: u64) -> String {
    if round == 0 {
        return String::new();
    }
    let letter = char::from(b'A' + ((round - 1) % 26) as u8);
    match (round - 1) / 26 {
        0 => format!(" {letter}."),
        n => format!(" {letter}{n}."),
    }
}

/// ` 2`, ` 3`, … for the `round`-th trip around a company or product space.
fn numeral(round: u64) -> String {
    if round == 0 {
        String::new()
    } else {
        format!(" {}", round + 1)
    }
}

const LAST_COUNT: usize = LAST_PREFIX.len() * LAST_SUFFIX.len() + LAST_REAL.len();

fn last_name(i: usize) -> String {
    let composed = LAST_PREFIX.len() * LAST_SUFFIX.len();
    if i < composed {
        format!(
            "{}{}",
            LAST_PREFIX[i / LAST_SUFFIX.len()],
            LAST_SUFFIX[i % LAST_SUFFIX.len()]
        )
    } else {
        LAST_REAL[(i - composed) % LAST_REAL.len()].to_string()
    }
}

/// How a name was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Plain ASCII.
    Plain,
    /// With an apostrophe (O'Brien).
    Apostrophe,
    /// With non-ASCII letters (Zoë Müller, 李雷).
    Unicode,
    /// A copy of another record's name.
    Duplicate,
}

/// A generated person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Given (first) name, with the middle initial when there is one.
    pub given: String,
    /// Family (last) name.
    pub family: String,
    /// Full name as displayed (`Given Family`, or family first without a
    /// space for East Asian names).
    pub display: String,
    /// ASCII local part for e-mail addresses.
    pub slug: String,
    /// How the name was built.
    pub kind: NameKind,
}

fn western(given: String, family: String, slug: String, kind: NameKind) -> Person {
    Person {
        display: format!("{given} {family}"),
        given,
        family,
        slug,
        kind,
    }
}

/// An ASCII e-mail local part from a display fragment.
pub fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn plain_person(k: u64) -> Person {
    let ([f, l], round) = combo(k, [FIRST.len(), LAST_COUNT]);
    let given = format!("{}{}", FIRST[f], initial(round));
    let family = last_name(l);
    let slug = format!("{}.{}", slug(&given), slug(&family));
    western(given, family, slug, NameKind::Plain)
}

fn apostrophe_person(k: u64) -> Person {
    let ([f, l], round) = combo(k, [FIRST.len(), APOSTROPHE_LAST.len()]);
    let given = format!("{}{}", FIRST[f], initial(round));
    let family = APOSTROPHE_LAST[l].to_string();
    let slug = format!("{}.{}", slug(&given), slug(&family));
    western(given, family, slug, NameKind::Apostrophe)
}

const EAST_SPACE: u64 = (EAST_GIVEN.len() * EAST_FAMILY.len()) as u64;

fn unicode_person(k: u64) -> Person {
    // Every fifth one is East Asian while that (small) space lasts.
    if k % 5 == 4 && k / 5 < EAST_SPACE {
        let ([g, f], _) = combo(k / 5, [EAST_GIVEN.len(), EAST_FAMILY.len()]);
        let (given, gs) = EAST_GIVEN[g];
        let (family, fs) = EAST_FAMILY[f];
        return Person {
            given: given.into(),
            family: family.into(),
            display: format!("{family}{given}"),
            slug: format!("{gs}.{fs}"),
            kind: NameKind::Unicode,
        };
    }
    let ([g, f], round) = combo(k, [UNI_GIVEN.len(), UNI_FAMILY.len()]);
    let (given, gs) = UNI_GIVEN[g];
    let (family, fs) = UNI_FAMILY[f];
    let middle = initial(round);
    western(
        format!("{given}{middle}"),
        family.into(),
        format!("{gs}{}.{fs}", slug(&middle)),
        NameKind::Unicode,
    )
}

fn company(k: u64) -> String {
    let ([l, i, s], round) = combo(k, [LAST_COUNT, INDUSTRY.len(), COMPANY_SUFFIX.len()]);
    format!(
        "{} {}{} {}",
        last_name(l),
        INDUSTRY[i],
        numeral(round),
        COMPANY_SUFFIX[s]
    )
}

fn apostrophe_company(k: u64) -> String {
    let ([l, i, s], round) = combo(
        k,
        [APOSTROPHE_LAST.len(), INDUSTRY.len(), COMPANY_SUFFIX.len()],
    );
    format!(
        "{} {}{} {}",
        APOSTROPHE_LAST[l],
        INDUSTRY[i],
        numeral(round),
        COMPANY_SUFFIX[s]
    )
}

fn unicode_company(k: u64) -> String {
    let ([l, i, s], round) = combo(
        k,
        [UNI_FAMILY.len(), INDUSTRY.len(), UNI_COMPANY_SUFFIX.len()],
    );
    format!(
        "{} {}{} {}",
        UNI_FAMILY[l].0,
        INDUSTRY[i],
        numeral(round),
        UNI_COMPANY_SUFFIX[s]
    )
}

fn product(kind: ItemKind, k: u64) -> String {
    let nouns: &[&str] = match kind {
        ItemKind::Service => &SERVICES,
        _ => &GOODS,
    };
    let ([a, n], round) = combo(k, [PRODUCT_ADJ.len(), nouns.len()]);
    format!("{} {}{}", PRODUCT_ADJ[a], nouns[n], numeral(round))
}

fn special_product(pool: &[&str], k: u64) -> String {
    let ([a, n], round) = combo(k, [PRODUCT_ADJ.len(), pool.len()]);
    format!("{} {}{}", PRODUCT_ADJ[a], pool[n], numeral(round))
}

/// Hands out fresh indexes per name builder, starting at seeded offsets.
#[derive(Debug, Clone)]
pub struct Namer {
    person: [u64; 3],
    company: [u64; 3],
    product: [u64; 3],
    sku: u64,
}

fn slot(kind: NameKind) -> usize {
    match kind {
        NameKind::Plain | NameKind::Duplicate => 0,
        NameKind::Apostrophe => 1,
        NameKind::Unicode => 2,
    }
}

impl Namer {
    /// Offsets drawn from `rng`, so other seeds give other names.
    pub fn new(rng: &mut Rng) -> Self {
        let mut off = |n: u64| rng.random_range(0..n);
        Namer {
            person: [off(50_000), off(1_000), off(200)],
            company: [off(50_000), off(2_000), off(2_000)],
            product: [off(500), off(100), off(100)],
            sku: off(10_000),
        }
    }

    fn next(counter: &mut u64) -> u64 {
        let k = *counter;
        *counter += 1;
        k
    }

    /// A person of `kind` not handed out before (`Duplicate` gives a plain
    /// one; the caller copies the name it duplicates).
    pub fn person(&mut self, kind: NameKind) -> Person {
        let k = Self::next(&mut self.person[slot(kind)]);
        match kind {
            NameKind::Apostrophe => apostrophe_person(k),
            NameKind::Unicode => unicode_person(k),
            _ => plain_person(k),
        }
    }

    /// A company name of `kind` not handed out before.
    pub fn company(&mut self, kind: NameKind) -> String {
        let k = Self::next(&mut self.company[slot(kind)]);
        match kind {
            NameKind::Apostrophe => apostrophe_company(k),
            NameKind::Unicode => unicode_company(k),
            _ => company(k),
        }
    }

    /// A product name of `kind` and a fresh SKU for an item of `item`.
    pub fn product(&mut self, kind: NameKind, item: ItemKind) -> (String, String) {
        let k = Self::next(&mut self.product[slot(kind)]);
        let name = match kind {
            NameKind::Apostrophe => special_product(&APOSTROPHE_PRODUCTS, k),
            NameKind::Unicode => special_product(&UNICODE_PRODUCTS, k),
            _ => product(item, k),
        };
        (name, self.sku(item))
    }

    /// A fresh SKU for an item of `item`.
    pub fn sku(&mut self, item: ItemKind) -> String {
        let k = Self::next(&mut self.sku);
        format!("{}-{k:05}", item.sku_prefix())
    }
}

/// An e-mail address for `local` not yet in `used` (a digit is appended on
/// collision); records it in `used` (lower-cased).
pub fn unique_email(local: &str, domain: &str, used: &mut HashSet<String>) -> String {
    let mut n = 1u32;
    loop {
        let candidate = if n == 1 {
            format!("{local}@{domain}")
        } else {
            format!("{local}{n}@{domain}")
        };
        if used.insert(candidate.to_lowercase()) {
            return candidate;
        }
        n += 1;
    }
}

/// A random e-mail domain.
pub fn domain(rng: &mut Rng) -> &'static str {
    DOMAINS[rng.random_range(0..DOMAINS.len())]
}

/// A random city (a few with non-ASCII letters or an apostrophe).
pub fn city(rng: &mut Rng) -> &'static str {
    CITIES[rng.random_range(0..CITIES.len())]
}

/// A US-style phone number.
pub fn phone(rng: &mut Rng) -> String {
    format!(
        "+1 {} 555 {:04}",
        rng.random_range(201..990),
        rng.random_range(0..10_000)
    )
}

/// A web domain for a company name, unique in `used`.
pub fn company_domain(name: &str, used: &mut HashSet<String>) -> String {
    let base = match slug(name) {
        s if s.is_empty() => "company".to_string(),
        s => s.chars().take(40).collect(),
    };
    let mut n = 1u32;
    loop {
        let d = if n == 1 {
            format!("{base}.example")
        } else {
            format!("{base}{n}.example")
        };
        if used.insert(d.clone()) {
            return d;
        }
        n += 1;
    }
}

/// The catalogue kind of a product / item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// QuickBooks `Service`, HubSpot `service`.
    Service,
    /// QuickBooks `NonInventory`, HubSpot `non_inventory`.
    NonInventory,
    /// QuickBooks `Inventory`, HubSpot `inventory`.
    Inventory,
}

impl ItemKind {
    /// A random kind (55% services, 30% non-inventory, 15% inventory).
    pub fn random(rng: &mut Rng) -> Self {
        match rng.random_range(0..100) {
            0..55 => ItemKind::Service,
            55..85 => ItemKind::NonInventory,
            _ => ItemKind::Inventory,
        }
    }

    /// The QuickBooks `Type`.
    pub fn qbo(self) -> &'static str {
        match self {
            ItemKind::Service => "Service",
            ItemKind::NonInventory => "NonInventory",
            ItemKind::Inventory => "Inventory",
        }
    }

    /// The HubSpot `hs_product_type` option.
    pub fn hubspot(self) -> &'static str {
        match self {
            ItemKind::Service => "service",
            ItemKind::NonInventory => "non_inventory",
            ItemKind::Inventory => "inventory",
        }
    }

    /// SKU prefix.
    pub fn sku_prefix(self) -> &'static str {
        match self {
            ItemKind::Service => "SRV",
            ItemKind::NonInventory => "NIN",
            ItemKind::Inventory => "INV",
        }
    }
}

/// A job (sub-customer) name.
pub fn job_name(rng: &mut Rng) -> &'static str {
    JOBS[rng.random_range(0..JOBS.len())]
}

/// A deal topic ("renewal", "pilot", …).
pub fn deal_topic(rng: &mut Rng) -> &'static str {
    DEAL_TOPICS[rng.random_range(0..DEAL_TOPICS.len())]
}

/// Text of exactly `chars` characters (not bytes) mixing ASCII, accented
/// and CJK words, so length limits counted in characters are exercised.
pub fn long_text(rng: &mut Rng, chars: usize) -> String {
    let mut out = String::with_capacity(chars * 2);
    let mut n = 0;
    while n < chars {
        if n > 0 {
            out.push(' ');
            n += 1;
        }
        let w = WORDS[rng.random_range(0..WORDS.len())];
        out.push_str(w);
        n += w.chars().count();
    }
    let mut s: String = out.chars().take(chars).collect();
    // A trailing space would be trimmed by some systems; end on a letter.
    if s.ends_with(' ') {
        s.pop();
        s.push('.');
    }
    s
}

/// Make `name` unique in `used` (compared case-insensitively) by appending
/// ` (2)`, ` (3)`, …; records the result. Returns the name and whether it
/// had to change.
pub fn unique_name(name: &str, used: &mut HashSet<String>, max_chars: usize) -> (String, bool) {
    let mut n = 1u32;
    loop {
        let candidate = if n == 1 {
            name.chars().take(max_chars).collect::<String>()
        } else {
            let suffix = format!(" ({n})");
            let keep = max_chars.saturating_sub(suffix.chars().count());
            format!("{}{suffix}", name.chars().take(keep).collect::<String>())
        };
        if used.insert(candidate.to_lowercase()) {
            return (candidate, n > 1);
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distinct(names: impl Iterator<Item = String>) {
        let mut seen = HashSet::new();
        for n in names {
            assert!(seen.insert(n.to_lowercase()), "duplicate {n}");
        }
    }

    #[test]
    fn people_are_unique_past_their_space_and_kinds_never_collide() {
        let plain = (FIRST.len() * LAST_COUNT) as u64;
        distinct((0..plain + 3_000).map(|k| plain_person(k).display));
        distinct((0..5_000).map(|k| apostrophe_person(k).display));
        distinct((0..5_000).map(|k| unicode_person(k).display));
        // First + last name (what HubSpot stores) is unique too.
        distinct((plain - 10..plain + 10).map(|k| {
            let p = plain_person(k);
            format!("{}|{}", p.given, p.family)
        }));
        let all = (0..2_000)
            .map(|k| plain_person(k).display)
            .chain((0..2_000).map(|k| apostrophe_person(k).display))
            .chain((0..2_000).map(|k| unicode_person(k).display));
        distinct(all);
        assert!((0..100).all(|k| unicode_person(k).slug.is_ascii()));
        assert!((0..100).all(|k| !unicode_person(k).display.is_ascii()));
        assert!((0..100).all(|k| apostrophe_person(k).family.contains('\'')));
    }

    #[test]
    fn companies_and_products_are_unique() {
        distinct((0..5_000).map(company));
        distinct((0..5_000).map(apostrophe_company));
        distinct((0..5_000).map(unicode_company));
        distinct((0..5_000).map(|k| product(ItemKind::Service, k)));
        distinct((0..5_000).map(|k| product(ItemKind::Inventory, k)));
        distinct((0..2_000).map(|k| special_product(&UNICODE_PRODUCTS, k)));
    }

    #[test]
    fn namer_hands_out_fresh_names_and_skus() {
        let mut rng = super::super::pick::rng(9);
        let mut n = Namer::new(&mut rng);
        let a = n.person(NameKind::Plain);
        let b = n.person(NameKind::Duplicate);
        assert_ne!(a.display, b.display);
        let (p1, s1) = n.product(NameKind::Unicode, ItemKind::Service);
        let (p2, s2) = n.product(NameKind::Unicode, ItemKind::Service);
        assert_ne!(p1, p2);
        assert_ne!(s1, s2);
        assert!(s1.starts_with("SRV-"));
    }

    #[test]
    fn long_text_counts_characters() {
        let mut rng = super::super::pick::rng(3);
        let t = long_text(&mut rng, 1000);
        assert_eq!(t.chars().count(), 1000);
        assert!(t.len() > 1000, "multi-byte characters are included");
    }

    #[test]
    fn unique_names_get_suffixes_within_the_limit() {
        let mut used = HashSet::new();
        assert_eq!(
            unique_name("Ana Souza", &mut used, 100),
            ("Ana Souza".into(), false)
        );
        assert_eq!(
            unique_name("ana souza", &mut used, 100),
            ("ana souza (2)".into(), true)
        );
        let long = "x".repeat(120);
        let (a, _) = unique_name(&long, &mut used, 100);
        let (b, changed) = unique_name(&long, &mut used, 100);
        assert_eq!(a.chars().count(), 100);
        assert_eq!(b.chars().count(), 100);
        assert!(changed && b.ends_with(" (2)"));
    }
}
