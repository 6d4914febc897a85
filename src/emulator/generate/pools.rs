//! Word pools the name builders combine. Kept compact on purpose (one pool per
//! line group); the builders in `names` turn them into unique names.

#[rustfmt::skip]
pub(super) const FIRST: [&str; 112] = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa", "Matthew", "Betty", "Anthony",
    "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly", "Paul", "Emily",
    "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Dorothy", "Kevin", "Carol", "Brian",
    "Amanda", "George", "Melissa", "Edward", "Deborah", "Ronald", "Stephanie", "Timothy",
    "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura", "Ryan", "Cynthia", "Jacob", "Kathleen",
    "Gary", "Amy", "Nicholas", "Shirley", "Eric", "Angela", "Jonathan", "Helen", "Stephen", "Anna",
    "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Emma", "Benjamin",
    "Samantha", "Samuel", "Katherine", "Gregory", "Christine", "Frank", "Debra", "Alexander",
    "Rachel", "Raymond", "Catherine", "Patrick", "Carolyn", "Jack", "Janet", "Dennis", "Ruth",
    "Jerry", "Maria", "Ana", "Kenji", "Ingrid", "Priya", "Omar", "Lucas", "Mateo", "Sofia",
    "Aisha", "Wei", "Liam", "Noah",
];

#[rustfmt::skip]
pub(super) const LAST_REAL: [&str; 56] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera",
    "Campbell", "Mitchell", "Carter", "Roberts", "Souza", "Sato", "Berg", "Patel", "Kim", "Khan",
    "Novak",
];

#[rustfmt::skip]
pub(super) const LAST_PREFIX: [&str; 36] = [
    "Ash", "Black", "Brad", "Brook", "Cald", "Carl", "Craw", "Dal", "Ell", "Fair", "Fen", "Gar",
    "Hal", "Hart", "Hol", "Kings", "Lang", "Lind", "Mar", "Mill", "Mor", "North", "Oak", "Pem",
    "Ral", "Red", "Ross", "Shel", "Stan", "Stock", "Thorn", "Wake", "Wal", "West", "Whit", "Win",
];

#[rustfmt::skip]
pub(super) const LAST_SUFFIX: [&str; 16] = [
    "ford", "well", "ton", "ley", "by", "wood", "field", "more", "ridge", "worth", "stead",
    "brook", "combe", "dale", "hurst", "mere",
];

#[rustfmt::skip]
pub(super) const APOSTROPHE_LAST: [&str; 12] = [
    "O'Brien", "O'Connor", "O'Neil", "D'Angelo", "D'Souza", "O'Hara", "Dell'Orto", "N'Diaye",
    "O'Malley", "D'Amico", "O'Sullivan", "L'Estrange",
];

/// (name, ASCII slug): given names in Latin, Greek and Cyrillic scripts.
#[rustfmt::skip]
pub(super) const UNI_GIVEN: [(&str, &str); 16] = [
    ("Zoë", "zoe"), ("José", "jose"), ("François", "francois"), ("Søren", "soren"),
    ("Björk", "bjork"), ("Łukasz", "lukasz"), ("Antonín", "antonin"), ("Ελένη", "eleni"),
    ("Дмитрий", "dmitry"), ("Çağla", "cagla"), ("Siobhán", "siobhan"), ("Renée", "renee"),
    ("Jürgen", "jurgen"), ("Noémie", "noemie"), ("Åsa", "asa"), ("Iñigo", "inigo"),
];

/// (name, ASCII slug): family names written after the given name.
#[rustfmt::skip]
pub(super) const UNI_FAMILY: [(&str, &str); 16] = [
    ("Müller", "muller"), ("Núñez", "nunez"), ("Lefèvre", "lefevre"), ("Ærø", "aero"),
    ("Guðmundsdóttir", "gudmundsdottir"), ("Żółkiewski", "zolkiewski"), ("Dvořák", "dvorak"),
    ("Παπαδοπούλου", "papadopoulou"), ("Иванов", "ivanov"), ("Öztürk", "ozturk"),
    ("Ní Bhriain", "nibhriain"), ("Dubois-Lévesque", "duboislevesque"), ("Ærøskøbing", "aeroskobing"),
    ("Ångström", "angstrom"), ("Šimić", "simic"), ("Peña", "pena"),
];

/// (name, ASCII slug): East Asian given names (family name first, no space).
#[rustfmt::skip]
pub(super) const EAST_GIVEN: [(&str, &str); 8] = [
    ("雷", "lei"), ("健", "ken"), ("민준", "minjun"), ("芳", "fang"), ("花子", "hanako"),
    ("伟", "wei"), ("서연", "seoyeon"), ("翔太", "shota"),
];

/// (name, ASCII slug): East Asian family names.
#[rustfmt::skip]
pub(super) const EAST_FAMILY: [(&str, &str); 8] = [
    ("李", "li"), ("佐藤", "sato"), ("김", "kim"), ("王", "wang"), ("田中", "tanaka"),
    ("张", "zhang"), ("박", "park"), ("鈴木", "suzuki"),
];

#[rustfmt::skip]
pub(super) const CITIES: [&str; 24] = [
    "San Francisco", "New York", "Chicago", "Austin", "Seattle", "Denver", "Boston", "Portland",
    "Toronto", "London", "Zürich", "München", "Ærøskøbing", "São Paulo", "Kraków", "Reykjavík",
    "Montréal", "Malmö", "東京", "Coeur d'Alene", "Dublin", "Sydney", "Atlanta", "Phoenix",
];

#[rustfmt::skip]
pub(super) const DOMAINS: [&str; 10] = [
    "example.com", "example.org", "example.net", "mail.example", "corp.example", "acme.example",
    "globex.example", "initech.example", "umbrella.example", "hooli.example",
];

#[rustfmt::skip]
pub(super) const INDUSTRY: [&str; 24] = [
    "Design", "Logistics", "Consulting", "Bakery", "Plumbing", "Analytics", "Builders", "Media",
    "Dental", "Landscaping", "Software", "Printing", "Catering", "Outfitters", "Architects",
    "Robotics", "Pharmacy", "Studios", "Labs", "Roofing", "Travel", "Legal", "Imports", "Textiles",
];

#[rustfmt::skip]
pub(super) const COMPANY_SUFFIX: [&str; 8] = [
    "Inc.", "LLC", "Ltd.", "Co.", "Group", "GmbH", "& Sons", "Partners",
];

#[rustfmt::skip]
pub(super) const UNI_COMPANY_SUFFIX: [&str; 8] = [
    "GmbH", "ApS", "S.A.", "AB", "S.à r.l.", "Sp. z o.o.", "K.K.", "Société",
];

#[rustfmt::skip]
pub(super) const PRODUCT_ADJ: [&str; 30] = [
    "Premium", "Classic", "Ergonomic", "Compact", "Deluxe", "Rugged", "Eco", "Smart", "Heavy-Duty",
    "Portable", "Modular", "Vintage", "Wireless", "Organic", "Industrial", "Essential", "Pro",
    "Lite", "Advanced", "Standard", "Custom", "Annual", "Express", "Signature", "Studio",
    "Outdoor", "Digital", "Handmade", "Certified", "Reinforced",
];

#[rustfmt::skip]
pub(super) const GOODS: [&str; 24] = [
    "Widget", "Desk Lamp", "Office Chair", "Notebook", "USB Cable", "Monitor Stand",
    "Water Bottle", "Backpack", "Coffee Beans", "Tool Kit", "Bookshelf", "Headset", "Keyboard",
    "Planter", "Blanket", "Toner Cartridge", "Safety Gloves", "Router", "Whiteboard", "Tripod",
    "Label Printer", "Door Mat", "Tea Sampler", "Gift Box",
];

#[rustfmt::skip]
pub(super) const SERVICES: [&str; 16] = [
    "Consulting Hour", "Design Session", "Support Plan", "Audit", "Workshop", "Training Day",
    "Installation", "Maintenance Visit", "Onboarding", "Strategy Review", "Copywriting",
    "Photography Session", "Bookkeeping Month", "Hosting Month", "Repair Call", "Site Survey",
];

#[rustfmt::skip]
pub(super) const APOSTROPHE_PRODUCTS: [&str; 6] = [
    "Chef's Knife", "Artist's Easel", "Baker's Dozen Box", "O'Reilly's Field Guide",
    "Carpenter's Square", "Rock 'n' Roll Poster",
];

#[rustfmt::skip]
pub(super) const UNICODE_PRODUCTS: [&str; 8] = [
    "Café Crème Blend", "Smörgåsbord Platter", "Jalapeño Sauce", "Crème Brûlée Torch",
    "抹茶 Matcha Tin", "Ærø Wool Blanket", "Piñata Kit", "Façade Cleaning",
];

#[rustfmt::skip]
pub(super) const JOBS: [&str; 10] = [
    "Kitchen remodel", "Website redesign", "Annual audit", "Office move", "Spring campaign",
    "Roof repair", "Brand refresh", "Data migration", "Warehouse fit-out", "Garden makeover",
];

#[rustfmt::skip]
pub(super) const DEAL_TOPICS: [&str; 12] = [
    "annual contract", "brand refresh", "consulting", "expansion", "renewal", "pilot",
    "new website", "support upgrade", "hardware order", "training package", "rollout", "retainer",
];

#[rustfmt::skip]
pub(super) const WORDS: [&str; 40] = [
    "the", "quarterly", "delivery", "includes", "naïve", "café", "résumé", "Zürich", "façade",
    "über", "smörgåsbord", "jalapeño", "coöperation", "invoice", "schedule", "and", "customer",
    "requested", "changes", "to", "scope", "—", "please", "note", "that", "O'Brien's", "team",
    "will", "follow", "up", "on", "every", "item", "listed", "below", "…", "with", "care",
    "李雷", "Ærøskøbing",
];
