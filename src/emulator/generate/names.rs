//! Name pools and builders: people, companies, products, e-mails and long
//! text. Plain names are unique by construction (an index is mapped through
//! a bijection onto first × last × middle initial), so duplicates only
//! appear where the generator plants them.

use super::pick::Rng;
use rand::RngExt;
use std::collections::HashSet;

const FIRST: [&str; 112] = [
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Donald",
    "Ashley",
    "Steven",
    "Kimberly",
    "Paul",
    "Emily",
    "Andrew",
    "Donna",
    "Joshua",
    "Michelle",
    "Kenneth",
    "Dorothy",
    "Kevin",
    "Carol",
    "Brian",
    "Amanda",
    "George",
    "Melissa",
    "Edward",
    "Deborah",
    "Ronald",
    "Stephanie",
    "Timothy",
    "Rebecca",
    "Jason",
    "Sharon",
    "Jeffrey",
    "Laura",
    "Ryan",
    "Cynthia",
    "Jacob",
    "Kathleen",
    "Gary",
    "Amy",
    "Nicholas",
    "Shirley",
    "Eric",
    "Angela",
    "Jonathan",
    "Helen",
    "Stephen",
    "Anna",
    "Larry",
    "Brenda",
    "Justin",
    "Pamela",
    "Scott",
    "Nicole",
    "Brandon",
    "Emma",
    "Benjamin",
    "Samantha",
    "Samuel",
    "Katherine",
    "Gregory",
    "Christine",
    "Frank",
    "Debra",
    "Alexander",
    "Rachel",
    "Raymond",
    "Catherine",
    "Patrick",
    "Carolyn",
    "Jack",
    "Janet",
    "Dennis",
    "Ruth",
    "Jerry",
    "Maria",
    "Ana",
    "Kenji",
    "Ingrid",
    "Priya",
    "Omar",
    "Lucas",
    "Mateo",
    "Sofia",
    "Aisha",
    "Wei",
    "Liam",
    "Noah",
];

const LAST_REAL: [&str; 56] = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Souza",
    "Sato",
    "Berg",
    "Patel",
    "Kim",
    "Khan",
    "Novak",
];

const LAST_PREFIX: [&str; 36] = [
    "Ash", "Black", "Brad", "Brook", "Cald", "Carl", "Craw", "Dal", "Ell", "Fair", "Fen", "Gar",
    "Hal", "Hart", "Hol", "Kings", "Lang", "Lind", "Mar", "Mill", "Mor", "North", "Oak", "Pem",
    "Ral", "Red", "Ross", "Shel", "Stan", "Stock", "Thorn", "Wake", "Wal", "West", "Whit", "Win",
];

const LAST_SUFFIX: [&str; 16] = [
    "ford", "well", "ton", "ley", "by", "wood", "field", "more", "ridge", "worth", "stead",
    "brook", "combe", "dale", "hurst", "mere",
];

const APOSTROPHE_LAST: [&str; 12] = [
    "O'Brien",
    "O'Connor",
    "O'Neil",
    "D'Angelo",
    "D'Souza",
    "O'Hara",
    "Dell'Orto",
    "N'Diaye",
    "O'Malley",
    "D'Amico",
    "O'Sullivan",
    "L'Estrange",
];

/// (given, family, given slug, family slug, family name first).
const UNICODE_PEOPLE: [(&str, &str, &str, &str, bool); 18] = [
    ("Zoë", "Müller", "zoe", "muller", false),
    ("José", "Núñez", "jose", "nunez", false),
    ("François", "Lefèvre", "francois", "lefevre", false),
    ("Søren", "Ærø", "soren", "aero", false),
    ("Björk", "Guðmundsdóttir", "bjork", "gudmundsdottir", false),
    ("Łukasz", "Żółkiewski", "lukasz", "zolkiewski", false),
    ("Antonín", "Dvořák", "antonin", "dvorak", false),
    ("Ελένη", "Παπαδοπούλου", "eleni", "papadopoulou", false),
    ("Дмитрий", "Иванов", "dmitry", "ivanov", false),
    ("雷", "李", "lei", "li", true),
    ("健", "佐藤", "ken", "sato", true),
    ("민준", "김", "minjun", "kim", true),
    ("An", "Nguyễn Văn", "an", "nguyen", true),
    ("Çağla", "Öztürk", "cagla", "ozturk", false),
    ("Siobhán", "Ní Bhriain", "siobhan", "nibhriain", false),
    ("Renée", "Dubois-Lévesque", "renee", "dubois", false),
    ("محمد", "علي", "mohammed", "ali", false),
    ("Mikael", "Ærøskøbing", "mikael", "aeroskobing", false),
];

const CITIES: [&str; 24] = [
    "San Francisco",
    "New York",
    "Chicago",
    "Austin",
    "Seattle",
    "Denver",
    "Boston",
    "Portland",
    "Toronto",
    "London",
    "Zürich",
    "München",
    "Ærøskøbing",
    "São Paulo",
    "Kraków",
    "Reykjavík",
    "Montréal",
    "Malmö",
    "東京",
    "Coeur d'Alene",
    "Dublin",
    "Sydney",
    "Atlanta",
    "Phoenix",
];

const DOMAINS: [&str; 10] = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example",
    "corp.example",
    "acme.example",
    "globex.example",
    "initech.example",
    "umbrella.example",
    "hooli.example",
];

const INDUSTRY: [&str; 24] = [
    "Design",
    "Logistics",
    "Consulting",
    "Bakery",
    "Plumbing",
    "Analytics",
    "Builders",
    "Media",
    "Dental",
    "Landscaping",
    "Software",
    "Printing",
    "Catering",
    "Outfitters",
    "Architects",
    "Robotics",
    "Pharmacy",
    "Studios",
    "Labs",
    "Roofing",
    "Travel",
    "Legal",
    "Imports",
    "Textiles",
];

const COMPANY_SUFFIX: [&str; 8] = [
    "Inc.", "LLC", "Ltd.", "Co.", "Group", "GmbH", "& Sons", "Partners",
];

const UNICODE_COMPANIES: [&str; 10] = [
    "Ærøskøbing Trading ApS",
    "Müller Holzbau GmbH",
    "Société Générale de Café",
    "北京科技有限公司",
    "Ñandú Diseños S.L.",
    "Kärnten Konsult AB",
    "Łódź Logistyka Sp. z o.o.",
    "Ōsaka Kōgei K.K.",
    "Café Crème Bistro",
    "Straße & Söhne KG",
];

const PRODUCT_ADJ: [&str; 30] = [
    "Premium",
    "Classic",
    "Ergonomic",
    "Compact",
    "Deluxe",
    "Rugged",
    "Eco",
    "Smart",
    "Heavy-Duty",
    "Portable",
    "Modular",
    "Vintage",
    "Wireless",
    "Organic",
    "Industrial",
    "Essential",
    "Pro",
    "Lite",
    "Advanced",
    "Standard",
    "Custom",
    "Annual",
    "Express",
    "Signature",
    "Studio",
    "Outdoor",
    "Digital",
    "Handmade",
    "Certified",
    "Reinforced",
];

const GOODS: [&str; 24] = [
    "Widget",
    "Desk Lamp",
    "Office Chair",
    "Notebook",
    "USB Cable",
    "Monitor Stand",
    "Water Bottle",
    "Backpack",
    "Coffee Beans",
    "Tool Kit",
    "Bookshelf",
    "Headset",
    "Keyboard",
    "Planter",
    "Blanket",
    "Toner Cartridge",
    "Safety Gloves",
    "Router",
    "Whiteboard",
    "Tripod",
    "Label Printer",
    "Door Mat",
    "Tea Sampler",
    "Gift Box",
];

const SERVICES: [&str; 16] = [
    "Consulting Hour",
    "Design Session",
    "Support Plan",
    "Audit",
    "Workshop",
    "Training Day",
    "Installation",
    "Maintenance Visit",
    "Onboarding",
    "Strategy Review",
    "Copywriting",
    "Photography Session",
    "Bookkeeping Month",
    "Hosting Month",
    "Repair Call",
    "Site Survey",
];

const APOSTROPHE_PRODUCTS: [&str; 6] = [
    "Chef's Knife",
    "Artist's Easel",
    "Baker's Dozen Box",
    "O'Reilly's Field Guide",
    "Carpenter's Square",
    "Rock 'n' Roll Poster",
];

const UNICODE_PRODUCTS: [&str; 8] = [
    "Café Crème Blend",
    "Smörgåsbord Platter",
    "Jalapeño Sauce",
    "Crème Brûlée Torch",
    "抹茶 Matcha Tin",
    "Ærø Wool Blanket",
    "Piñata Kit",
    "Façade Cleaning",
];

const JOBS: [&str; 10] = [
    "Kitchen remodel",
    "Website redesign",
    "Annual audit",
    "Office move",
    "Spring campaign",
    "Roof repair",
    "Brand refresh",
    "Data migration",
    "Warehouse fit-out",
    "Garden makeover",
];

const DEAL_TOPICS: [&str; 12] = [
    "annual contract",
    "brand refresh",
    "consulting",
    "expansion",
    "renewal",
    "pilot",
    "new website",
    "support upgrade",
    "hardware order",
    "training package",
    "rollout",
    "retainer",
];

const WORDS: [&str; 40] = [
    "the",
    "quarterly",
    "delivery",
    "includes",
    "naïve",
    "café",
    "résumé",
    "Zürich",
    "façade",
    "über",
    "smörgåsbord",
    "jalapeño",
    "coöperation",
    "invoice",
    "schedule",
    "and",
    "customer",
    "requested",
    "changes",
    "to",
    "scope",
    "—",
    "please",
    "note",
    "that",
    "O'Brien's",
    "team",
    "will",
    "follow",
    "up",
    "on",
    "every",
    "item",
    "listed",
    "below",
    "…",
    "with",
    "care",
    "李雷",
    "Ærøskøbing",
];

/// How a person's name was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Plain ASCII, unique by construction.
    Plain,
    /// A family name with an apostrophe.
    Apostrophe,
    /// Non-ASCII letters.
    Unicode,
    /// A copy of another record's name.
    Duplicate,
}

/// A generated person.
#[derive(Debug, Clone)]
pub struct Person {
    /// Given (first) name.
    pub given: String,
    /// Family (last) name.
    pub family: String,
    /// Full name as displayed (`Given Family`, or family first for CJK names).
    pub display: String,
    /// ASCII local part for e-mail addresses.
    pub slug: String,
    /// How the name was built.
    pub kind: NameKind,
}

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

const LAST_COUNT: usize = LAST_PREFIX.len() * LAST_SUFFIX.len() + LAST_REAL.len();
const NAME_SPACE: u64 = (FIRST.len() * LAST_COUNT) as u64;
/// Multiplier of the bijection `k ↦ k·P mod NAME_SPACE` (coprime with it).
const NAME_STRIDE: u64 = 48_271;

/// An ASCII e-mail local part from a display fragment.
pub fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The `k`-th plain person: distinct `k` give distinct names.
pub fn plain_person(k: u64) -> Person {
    let block = k / NAME_SPACE;
    let c = (k % NAME_SPACE) * NAME_STRIDE % NAME_SPACE;
    let given = FIRST[(c % FIRST.len() as u64) as usize].to_string();
    let family = last_name((c / FIRST.len() as u64) as usize);
    // Past the first block, a middle initial (then a numeral) keeps names unique.
    let middle = match block {
        0 => None,
        b => {
            let letter = char::from(b'A' + ((b - 1) % 26) as u8);
            let round = (b - 1) / 26;
            Some(if round == 0 {
                format!("{letter}.")
            } else {
                format!("{letter}{round}.")
            })
        }
    };
    let display = match &middle {
        Some(m) => format!("{given} {m} {family}"),
        None => format!("{given} {family}"),
    };
    let slug = match &middle {
        Some(m) => format!("{}.{}.{}", slug(&given), slug(m), slug(&family)),
        None => format!("{}.{}", slug(&given), slug(&family)),
    };
    Person {
        given,
        family,
        display,
        slug,
        kind: NameKind::Plain,
    }
}

/// A person with an apostrophe in the family name.
pub fn apostrophe_person(rng: &mut Rng) -> Person {
    let given = FIRST[rng.random_range(0..FIRST.len())].to_string();
    let family = APOSTROPHE_LAST[rng.random_range(0..APOSTROPHE_LAST.len())].to_string();
    Person {
        display: format!("{given} {family}"),
        slug: format!("{}.{}", slug(&given), slug(&family)),
        given,
        family,
        kind: NameKind::Apostrophe,
    }
}

/// A person with a non-ASCII name.
pub fn unicode_person(rng: &mut Rng) -> Person {
    let (given, family, gs, fs, family_first) =
        UNICODE_PEOPLE[rng.random_range(0..UNICODE_PEOPLE.len())];
    let display = if family_first {
        if family.chars().all(|c| !c.is_ascii()) {
            format!("{family}{given}")
        } else {
            format!("{family} {given}")
        }
    } else {
        format!("{given} {family}")
    };
    Person {
        given: given.into(),
        family: family.into(),
        display,
        slug: format!("{gs}.{fs}"),
        kind: NameKind::Unicode,
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

/// The `k`-th plain company name (unique for distinct `k` below ~150,000).
pub fn company_name(k: u64) -> String {
    let space = (LAST_COUNT * INDUSTRY.len() * COMPANY_SUFFIX.len()) as u64;
    let c = (k % space) * NAME_STRIDE % space;
    let suffix = COMPANY_SUFFIX[(c % COMPANY_SUFFIX.len() as u64) as usize];
    let rest = c / COMPANY_SUFFIX.len() as u64;
    let industry = INDUSTRY[(rest % INDUSTRY.len() as u64) as usize];
    let last = last_name((rest / INDUSTRY.len() as u64) as usize);
    let round = k / space;
    if round == 0 {
        format!("{last} {industry} {suffix}")
    } else {
        format!("{last} {industry} {round} {suffix}")
    }
}

/// A company name with an apostrophe.
pub fn apostrophe_company(rng: &mut Rng) -> String {
    let last = APOSTROPHE_LAST[rng.random_range(0..APOSTROPHE_LAST.len())];
    let industry = INDUSTRY[rng.random_range(0..INDUSTRY.len())];
    format!("{last} {industry}")
}

/// A company name with non-ASCII letters.
pub fn unicode_company(rng: &mut Rng) -> String {
    UNICODE_COMPANIES[rng.random_range(0..UNICODE_COMPANIES.len())].to_string()
}

/// A web domain for a company name.
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

/// The `k`-th plain product name of `kind` (unique for distinct `k`).
pub fn product_name(kind: ItemKind, k: u64) -> String {
    let nouns: &[&str] = match kind {
        ItemKind::Service => &SERVICES,
        _ => &GOODS,
    };
    let space = (PRODUCT_ADJ.len() * nouns.len()) as u64;
    let c = (k % space) * NAME_STRIDE % space;
    let adj = PRODUCT_ADJ[(c % PRODUCT_ADJ.len() as u64) as usize];
    let noun = nouns[(c / PRODUCT_ADJ.len() as u64) as usize];
    let series = k / space;
    if series == 0 {
        format!("{adj} {noun}")
    } else {
        format!("{adj} {noun} {}-{series}", &kind.sku_prefix()[..1])
    }
}

/// A product name with an apostrophe (made unique by the caller).
pub fn apostrophe_product(rng: &mut Rng) -> String {
    APOSTROPHE_PRODUCTS[rng.random_range(0..APOSTROPHE_PRODUCTS.len())].to_string()
}

/// A product name with non-ASCII letters (made unique by the caller).
pub fn unicode_product(rng: &mut Rng) -> String {
    UNICODE_PRODUCTS[rng.random_range(0..UNICODE_PRODUCTS.len())].to_string()
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

    #[test]
    fn plain_people_are_unique_across_blocks() {
        let mut seen = HashSet::new();
        for k in 0..NAME_SPACE + 3_000 {
            let p = plain_person(k);
            assert!(seen.insert(p.display.clone()), "duplicate {}", p.display);
            assert!(p.slug.is_ascii());
        }
    }

    #[test]
    fn plain_companies_and_products_are_unique() {
        let mut seen = HashSet::new();
        for k in 0..5_000 {
            assert!(seen.insert(company_name(k)));
        }
        let mut seen = HashSet::new();
        for k in 0..5_000 {
            assert!(seen.insert(product_name(ItemKind::Service, k)));
        }
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
