//! `${ENV_VAR}` interpolation.
//!
//! Rules (documented in `docs/manifest.md`):
//! - `${NAME}` (NAME = `[A-Za-z_][A-Za-z0-9_]*`) is replaced by the variable's value;
//! - `$${` is a literal `${` (the rest is not interpreted);
//! - any other `$` is literal;
//! - a `${` that does not form a valid reference is an error (so a typo such as
//!   `${HUBSPOT TOKEN}` never passes through silently);
//! - interpolation is a single pass: a value taken from the environment is never
//!   interpolated again.
//!
//! The environment is never read here: callers pass a lookup function. During
//! [`super::load`] the typed deserialization runs inside [`with_env`], which makes
//! a snapshot of the variables the manifest references available to the
//! `Deserialize` impls of [`super::Str`], [`super::SecretStr`] and [`super::Scalar`]
//! (serde's derive offers no other way to pass context down).

use std::cell::RefCell;
use std::collections::HashMap;

/// A problem with a `${...}` reference inside one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpError {
    /// The variable is not set.
    Missing {
        /// Variable name.
        name: String,
        /// Byte offset of the `${` in the raw string.
        offset: usize,
        /// Length in bytes of the whole `${NAME}` reference.
        len: usize,
    },
    /// `${` not followed by a valid name and `}`.
    Malformed {
        /// Byte offset of the `${`.
        offset: usize,
        /// The text that was found (up to the closing brace or the end).
        text: String,
    },
}

/// One piece of a string with references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Literal text.
    Lit(&'a str),
    /// `$${`, meaning a literal `${`.
    Escape,
    /// A `${NAME}` reference at byte `offset` (length `len`).
    Var {
        /// Variable name.
        name: &'a str,
        /// Byte offset of the `${`.
        offset: usize,
        /// Length of `${NAME}` in bytes.
        len: usize,
    },
    /// A malformed `${...` at byte `offset`.
    Bad {
        /// Byte offset of the `${`.
        offset: usize,
        /// The offending text.
        text: &'a str,
    },
}

/// True for a valid environment variable name.
pub fn is_var_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Split `raw` into literal text, escapes and references.
pub fn pieces(raw: &str) -> Vec<Piece<'_>> {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'$' {
            i += 1;
            continue;
        }
        if raw[i..].starts_with("$${") {
            if lit_start < i {
                out.push(Piece::Lit(&raw[lit_start..i]));
            }
            out.push(Piece::Escape);
            i += 3;
            lit_start = i;
            continue;
        }
        if raw[i..].starts_with("${") {
            if lit_start < i {
                out.push(Piece::Lit(&raw[lit_start..i]));
            }
            let body_start = i + 2;
            match raw[body_start..].find('}') {
                Some(rel) if is_var_name(&raw[body_start..body_start + rel]) => {
                    let end = body_start + rel + 1;
                    out.push(Piece::Var {
                        name: &raw[body_start..body_start + rel],
                        offset: i,
                        len: end - i,
                    });
                    i = end;
                }
                found => {
                    // Report up to the closing brace when it is near, else the rest
                    // of the token, so the message shows what was written.
                    let end = match found {
                        Some(rel) if rel <= 64 => body_start + rel + 1,
                        _ => raw[body_start..]
                            .find(char::is_whitespace)
                            .map_or(raw.len(), |r| body_start + r),
                    };
                    out.push(Piece::Bad {
                        offset: i,
                        text: &raw[i..end],
                    });
                    i = end;
                }
            }
            lit_start = i;
            continue;
        }
        i += 1;
    }
    if lit_start < raw.len() {
        out.push(Piece::Lit(&raw[lit_start..]));
    }
    out
}

/// The names of every `${NAME}` reference in `raw`, in order.
pub fn references(raw: &str) -> Vec<&str> {
    pieces(raw)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name),
            _ => None,
        })
        .collect()
}

/// Interpolate `raw` with `lookup`. Every problem is returned, not just the first.
pub fn interpolate(
    raw: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Vec<InterpError>> {
    let mut out = String::with_capacity(raw.len());
    let mut errors = Vec::new();
    for piece in pieces(raw) {
        match piece {
            Piece::Lit(s) => out.push_str(s),
            Piece::Escape => out.push_str("${"),
            Piece::Var { name, offset, len } => match lookup(name) {
                Some(v) => out.push_str(&v),
                None => errors.push(InterpError::Missing {
                    name: name.to_string(),
                    offset,
                    len,
                }),
            },
            Piece::Bad { offset, text } => errors.push(InterpError::Malformed {
                offset,
                text: text.to_string(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// If `raw` is exactly one reference (`${NAME}`, surrounding whitespace
/// allowed), its name.
pub fn sole_reference(raw: &str) -> Option<&str> {
    match pieces(raw.trim()).as_slice() {
        [Piece::Var { name, .. }] => Some(name),
        _ => None,
    }
}

/// The variables a manifest references, resolved once: name → value (`None`
/// when unset).
pub type EnvSnapshot = HashMap<String, Option<String>>;

thread_local! {
    /// The environment snapshot visible to `Deserialize` impls during
    /// [`with_env`]. Thread-local because serde's derive cannot pass context;
    /// always cleared by a guard, even on panic.
    static ENV: RefCell<Option<EnvSnapshot>> = const { RefCell::new(None) };
}

struct Guard(Option<EnvSnapshot>);

impl Drop for Guard {
    fn drop(&mut self) {
        let previous = self.0.take();
        ENV.with(|e| *e.borrow_mut() = previous);
    }
}

/// Run `f` with `env` visible to the manifest's leaf `Deserialize` impls.
pub(crate) fn with_env<R>(env: EnvSnapshot, f: impl FnOnce() -> R) -> R {
    let previous = ENV.with(|e| e.borrow_mut().replace(env));
    let _guard = Guard(previous);
    f()
}

/// Interpolate `raw` with the snapshot installed by [`with_env`]. Returns `None`
/// outside of it (then strings are taken literally). Unset variables become
/// empty: their errors were already reported by the structural pass.
pub(crate) fn interpolate_in_context(raw: &str) -> Option<String> {
    ENV.with(|e| {
        let env = e.borrow();
        let env = env.as_ref()?;
        let lookup = |name: &str| Some(env.get(name).cloned().flatten().unwrap_or_default());
        Some(interpolate(raw, &lookup).unwrap_or_else(|_| raw.to_string()))
    })
}

/// The value of `name` in the installed snapshot: `None` outside [`with_env`],
/// `Some(None)` when unset.
pub(crate) fn lookup_in_context(name: &str) -> Option<Option<String>> {
    ENV.with(|e| {
        e.borrow()
            .as_ref()
            .map(|env| env.get(name).cloned().flatten())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("alpha".into()),
            "EMPTY" => Some(String::new()),
            "NESTED" => Some("${A}".into()),
            _ => None,
        }
    }

    #[test]
    fn replaces_references() {
        assert_eq!(interpolate("x-${A}-y", &env).unwrap(), "x-alpha-y");
        assert_eq!(interpolate("${A}${A}", &env).unwrap(), "alphaalpha");
        assert_eq!(interpolate("${EMPTY}", &env).unwrap(), "");
    }

    #[test]
    fn escape_gives_literal() {
        assert_eq!(interpolate("$${A}", &env).unwrap(), "${A}");
        assert_eq!(interpolate("a $${ b", &env).unwrap(), "a ${ b");
        assert_eq!(interpolate("$$$${A}", &env).unwrap(), "$$${A}");
        assert_eq!(
            interpolate("cost $5 and $$", &env).unwrap(),
            "cost $5 and $$"
        );
    }

    #[test]
    fn values_are_not_interpolated_twice() {
        assert_eq!(interpolate("${NESTED}", &env).unwrap(), "${A}");
    }

    #[test]
    fn missing_and_malformed_are_all_reported() {
        let errs = interpolate("${NOPE} ${A} ${bad name} ${}", &env).unwrap_err();
        assert_eq!(
            errs,
            vec![
                InterpError::Missing {
                    name: "NOPE".into(),
                    offset: 0,
                    len: 7
                },
                InterpError::Malformed {
                    offset: 13,
                    text: "${bad name}".into()
                },
                InterpError::Malformed {
                    offset: 25,
                    text: "${}".into()
                },
            ]
        );
        let errs = interpolate("x ${UNCLOSED", &env).unwrap_err();
        assert_eq!(
            errs,
            vec![InterpError::Malformed {
                offset: 2,
                text: "${UNCLOSED".into()
            }]
        );
    }

    #[test]
    fn lists_references() {
        assert_eq!(references("${A}-$${B}-${C}-${bad name}"), ["A", "C"]);
        assert!(references("no refs $ here").is_empty());
    }

    #[test]
    fn sole_reference_detection() {
        assert_eq!(sole_reference("${HUBSPOT_TOKEN}"), Some("HUBSPOT_TOKEN"));
        assert_eq!(sole_reference(" ${X} "), Some("X"));
        assert_eq!(sole_reference("pat-${X}"), None);
        assert_eq!(sole_reference("pat-na1-123"), None);
        assert_eq!(sole_reference("$${X}"), None);
    }

    #[test]
    fn context_is_scoped() {
        assert_eq!(interpolate_in_context("${A}"), None);
        let mut snap = EnvSnapshot::new();
        snap.insert("A".into(), Some("v".into()));
        let inside = with_env(snap, || interpolate_in_context("[${A}]"));
        assert_eq!(inside.as_deref(), Some("[v]"));
        assert_eq!(interpolate_in_context("${A}"), None);
    }

    proptest! {
        #[test]
        fn strings_without_references_survive(s in any::<String>()) {
            prop_assume!(!s.contains("${"));
            prop_assert_eq!(interpolate(&s, &|_| None).unwrap(), s);
        }

        #[test]
        fn escaped_text_round_trips(s in "[a-z ${}]{0,40}") {
            // Escaping every `${` as `$${` yields the original text back.
            let escaped = s.replace("${", "$${");
            prop_assert_eq!(interpolate(&escaped, &|_| None).unwrap(), s);
        }

        #[test]
        fn references_are_replaced(prefix in "[a-z ]{0,10}", value in "[^$]{0,20}") {
            let raw = format!("{prefix}${{V}}{prefix}");
            let got = interpolate(&raw, &|n| (n == "V").then(|| value.clone())).unwrap();
            prop_assert_eq!(got, format!("{prefix}{value}{prefix}"));
        }
    }
}
