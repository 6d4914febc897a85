//! ISO 4217 currency codes (the active list, plus codes withdrawn recently
//! that QuickBooks companies may still hold).

/// Every accepted code, sorted.
const CODES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR",
    "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW",
    "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD",
    "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
    "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
    "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
    "ZWL",
];

/// Whether `code` is an ISO 4217 currency code (upper case, as QuickBooks and
/// HubSpot write them).
pub fn is_currency_code(code: &str) -> bool {
    CODES.binary_search(&code).is_ok()
}

/// Every accepted code (for suggestions).
pub fn currency_codes() -> &'static [&'static str] {
    CODES
}

/// Fields that hold a currency code: QuickBooks `CurrencyRef.value`, HubSpot
/// `hs_currency` (quotes, invoices) and `deal_currency_code` (deals).
pub fn is_currency_field(name: &str) -> bool {
    matches!(
        name,
        "CurrencyRef.value" | "hs_currency" | "deal_currency_code"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_checks() {
        assert!(
            CODES.windows(2).all(|w| w[0] < w[1]),
            "CODES must stay sorted"
        );
        assert!(is_currency_code("USD"));
        assert!(is_currency_code("GBP"));
        assert!(!is_currency_code("usd"));
        assert!(!is_currency_code("USX"));
        assert!(!is_currency_code("EURO"));
    }
}
