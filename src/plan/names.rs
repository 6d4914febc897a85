//! QuickBooks display names: derived from a template, unique across customers,
//! vendors and employees (QBO error 6240 otherwise — the most common failure of
//! HubSpot's own integration), checked at plan time.

use crate::manifest::CollisionStrategy;
use std::collections::{BTreeMap, BTreeSet};

/// The suffix QBO appends to deactivated names.
pub const DELETED_SUFFIX: &str = " (deleted)";

/// Strip QBO's `" (deleted)"` suffix.
pub fn strip_deleted(name: &str) -> &str {
    name.strip_suffix(DELETED_SUFFIX).unwrap_or(name)
}

/// Normalise a name for uniqueness checks (QBO compares case-insensitively and
/// ignores surrounding whitespace).
pub fn norm(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Names taken in one QBO company (per namespace: `person` = customers, vendors
/// and employees; `item` = items), including names this plan assigns.
#[derive(Debug, Default, Clone)]
pub struct NameRegistry {
    taken: BTreeMap<String, BTreeSet<String>>,
}

impl NameRegistry {
    /// Mark `name` as taken in `namespace`.
    pub fn take(&mut self, namespace: &str, name: &str) {
        self.taken
            .entry(namespace.to_string())
            .or_default()
            .insert(norm(name));
    }

    /// Whether `name` is taken in `namespace`.
    pub fn is_taken(&self, namespace: &str, name: &str) -> bool {
        self.taken
            .get(namespace)
            .is_some_and(|s| s.contains(&norm(name)))
    }

    /// Pick a free name for `base` under `strategy`, or explain why none.
    pub fn assign(
        &mut self,
        namespace: &str,
        base: &str,
        email: Option<&str>,
        strategy: CollisionStrategy,
        max_len: usize,
    ) -> Result<String, String> {
        let base = base.trim();
        if !self.is_taken(namespace, base) {
            self.take(namespace, base);
            return Ok(base.to_string());
        }
        match strategy {
            CollisionStrategy::Fail => Err(format!(
                "the QuickBooks display name \"{base}\" is already used by another customer, vendor or employee"
            )),
            CollisionStrategy::Email => {
                let Some(email) = email.filter(|e| !e.trim().is_empty()) else {
                    return Err(format!(
                        "the display name \"{base}\" is taken and the contact has no email to disambiguate it"
                    ));
                };
                let candidate = format!("{base} ({})", email.trim());
                if candidate.chars().count() > max_len || self.is_taken(namespace, &candidate) {
                    return Err(format!(
                        "the display names \"{base}\" and \"{candidate}\" are both taken"
                    ));
                }
                self.take(namespace, &candidate);
                Ok(candidate)
            }
            CollisionStrategy::Suffix => {
                for n in 2..10_000 {
                    let candidate = format!("{base} ({n})");
                    if candidate.chars().count() > max_len {
                        break;
                    }
                    if !self.is_taken(namespace, &candidate) {
                        self.take(namespace, &candidate);
                        return Ok(candidate);
                    }
                }
                Err(format!("no free display name derived from \"{base}\""))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategies() {
        let mut r = NameRegistry::default();
        r.take("person", "Acme Inc");
        assert_eq!(
            r.assign("person", "acme inc ", None, CollisionStrategy::Suffix, 500)
                .unwrap(),
            "acme inc (2)"
        );
        assert_eq!(
            r.assign("person", "Acme Inc", None, CollisionStrategy::Suffix, 500)
                .unwrap(),
            "Acme Inc (3)"
        );
        assert!(
            r.assign("person", "Acme Inc", None, CollisionStrategy::Fail, 500)
                .is_err()
        );
        assert_eq!(
            r.assign(
                "person",
                "Acme Inc",
                Some("a@x.io"),
                CollisionStrategy::Email,
                500
            )
            .unwrap(),
            "Acme Inc (a@x.io)"
        );
        assert!(
            r.assign("person", "Acme Inc", None, CollisionStrategy::Email, 500)
                .is_err()
        );
        assert_eq!(
            r.assign("person", "New Co", None, CollisionStrategy::Fail, 500)
                .unwrap(),
            "New Co"
        );
        assert!(!r.is_taken("item", "Acme Inc"));
        assert_eq!(strip_deleted("Widget (deleted)"), "Widget");
    }
}
