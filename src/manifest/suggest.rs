//! "Did you mean …?" suggestions.

/// The candidate closest to `word`, when it is close enough to be a likely
/// typo (case-insensitive Damerau–Levenshtein: at most a third of the word's
/// length, and at least one edit allowed).
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = word.to_lowercase();
    let limit = (w.chars().count() / 3).max(1);
    let prefix: String = w.chars().take(3).collect();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = strsim::damerau_levenshtein(&w, &c.to_lowercase());
        // A different case only (`Email` for `email`) is the closest match.
        let d = if c.eq_ignore_ascii_case(word) { 0 } else { d };
        let close = d <= limit || (d <= limit + 1 && c.to_lowercase().starts_with(&prefix));
        if close && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_words_only() {
        let keys = ["direction", "conflict", "enabled", "quickbooks"];
        assert_eq!(did_you_mean("direktion", keys), Some("direction"));
        assert_eq!(did_you_mean("conflcit", keys), Some("conflict"));
        assert_eq!(did_you_mean("quickbook", keys), Some("quickbooks"));
        assert_eq!(did_you_mean("Enabled", keys), Some("enabled"));
        assert_eq!(did_you_mean("colour", keys), None);
        assert_eq!(did_you_mean("x", keys), None);
        assert_eq!(
            did_you_mean("BillAddr.Citty", ["BillAddr.City", "ShipAddr.City"]),
            Some("BillAddr.City")
        );
    }
}
