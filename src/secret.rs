//! Secrets: a string type whose `Debug`/`Display` never show the value, plus a
//! process-wide registry of every secret value seen so that the one place that
//! writes output (`cli/`) can scrub anything that slipped into an error body or a
//! log line (QuickBooks, for instance, echoes a prefix of an expired token in its
//! 401 body).
//!
//! Architecture invariant: a secret's value is only reachable through
//! [`Secret::expose`], and only HTTP header construction calls it.

use std::fmt;
use std::sync::{OnceLock, RwLock};

/// Shortest value the registry scrubs: shorter strings are too likely to be
/// ordinary words (and real tokens are far longer).
const MIN_SCRUB_LEN: usize = 8;

fn registry() -> &'static RwLock<Vec<String>> {
    static REGISTRY: OnceLock<RwLock<Vec<String>>> = OnceLock::new();
    REGISTRY.get_or_init(|| RwLock::new(Vec::new()))
}

/// Remember `value` as secret so that [`scrub`] removes it from output.
pub fn register(value: &str) {
    if value.len() < MIN_SCRUB_LEN {
        return;
    }
    let mut reg = registry().write().unwrap_or_else(|e| e.into_inner());
    if !reg.iter().any(|v| v == value) {
        reg.push(value.to_string());
        // Longest first, so a secret that contains another is replaced whole.
        reg.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }
}

/// Replace every registered secret (and any 12+ character prefix of one, which is
/// what APIs echo back in "token expired: AB01…" messages) with `***`.
pub fn scrub(text: &str) -> String {
    let reg = registry().read().unwrap_or_else(|e| e.into_inner());
    if reg.is_empty() {
        return text.to_string();
    }
    let mut out = text.to_string();
    for secret in reg.iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "***");
        }
        let prefix_len = 12.min(secret.len());
        if secret.len() > prefix_len {
            let prefix = &secret[..floor_char_boundary(secret, prefix_len)];
            if out.contains(prefix) {
                out = out.replace(prefix, "***");
            }
        }
    }
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A secret string (token, client secret, password in a URL). Its `Debug` and
/// `Display` print `***`; serializing it is impossible by construction (no
/// `Serialize` impl), so it cannot reach a plan or state file by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value and register it for output scrubbing.
    pub fn new(value: impl Into<String>) -> Self {
        let value = value.into();
        register(&value);
        Secret(value)
    }

    /// The raw value. Call only where the value must go on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let s = Secret::new("pat-na1-canary-0000-1111");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "Secret(***)");
        assert_eq!(s.expose(), "pat-na1-canary-0000-1111");
    }

    #[test]
    fn scrub_removes_values_and_prefixes() {
        let _s = Secret::new("AB01canarycanarycanary42");
        let text = "Token expired: AB01canaryca… and full AB01canarycanarycanary42";
        let out = scrub(text);
        assert!(!out.contains("AB01canarycanarycanary42"), "{out}");
        assert!(!out.contains("AB01canaryca"), "{out}");
    }

    #[test]
    fn short_values_are_not_registered() {
        register("abc");
        assert_eq!(scrub("abc def"), "abc def");
    }
}
