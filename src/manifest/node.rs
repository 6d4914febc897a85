//! A located YAML tree: the first parsing pass.
//!
//! The manifest is parsed twice with serde-saphyr: first into this untyped tree
//! (every node and key with its span), which the structural check walks to
//! report *every* unknown key, wrong type or missing key at once (serde's derive
//! stops at the first); then, once the shape is right, into the typed
//! [`super::Manifest`]. The tree also gives semantic validation a path →
//! location index for values that carry no location of their own (enums,
//! booleans, numbers).
//!
//! Hostile input is refused here, quickly: budgets cap nesting depth, node and
//! event counts and alias expansion ("billion laughs"), duplicate keys are
//! errors, and only one document is allowed.

use super::diagnostic::{Diagnostic, Span};
use super::scalar::Loc;
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashMap;
use std::fmt;

/// Deepest nesting accepted. A manifest needs about ten levels; the cap also
/// bounds recursion (and so stack use) in every pass over the tree.
pub(crate) const MAX_DEPTH: usize = 24;

/// serde-saphyr options shared by both passes.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
            max_nodes: 50_000,
            max_events: 200_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_merge_keys: 1_000,
            max_documents: 1,
            max_total_scalar_bytes: 2 * 1024 * 1024,
            max_recorded_anchor_events: 20_000,
            max_recorded_anchor_bytes: 1024 * 1024,
        },
        alias_limits: serde_saphyr::alias_limits! {
            // An alias bomb expands exponentially; a real manifest replays a few
            // hundred events at most (shared mapping lists).
            max_total_replayed_events: 10_000,
            max_replay_stack_depth: 16,
        },
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        // `yes`/`no`/`on`/`off` are text, not booleans (the "Norway problem").
        strict_booleans: true,
        with_snippet: false,
    }
}

/// A YAML node with its location and width (in characters).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub loc: Option<Loc>,
    pub width: usize,
}

/// The node's content.
#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub(crate) fn span(&self) -> Option<Span> {
        self.loc.map(|l| Span::new(l, self.width))
    }

    /// The node as map-key text (scalars only).
    pub(crate) fn key_text(&self) -> String {
        match &self.kind {
            NodeKind::Str(s) => s.clone(),
            NodeKind::Int(i) => i.to_string(),
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Null => "null".into(),
            NodeKind::Seq(_) => "[…]".into(),
            NodeKind::Map(_) => "{…}".into(),
        }
    }

    /// What kind of value this is, for messages ("a list", "text", …).
    pub(crate) fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Null => "nothing (null)",
            NodeKind::Bool(_) => "true/false",
            NodeKind::Int(_) => "an integer",
            NodeKind::Float(_) => "a number",
            NodeKind::Str(_) => "text",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }

    pub(crate) fn is_scalar(&self) -> bool {
        !matches!(
            self.kind,
            NodeKind::Seq(_) | NodeKind::Map(_) | NodeKind::Null
        )
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<NodeKind>::deserialize(d)?;
        // Point at the definition (for an alias, the anchored original: that is
        // what a user must edit).
        let l = if s.defined.line() > 0 {
            s.defined
        } else {
            s.referenced
        };
        // Collections report an empty span: let the snippet work out the
        // width from the source (0).
        let width = match s.value {
            NodeKind::Seq(_) | NodeKind::Map(_) => 0,
            _ => usize::try_from(l.span().len()).unwrap_or(1).max(1),
        };
        Ok(Node {
            kind: s.value,
            loc: Loc::from_saphyr(&l),
            width,
        })
    }
}

impl<'de> Deserialize<'de> for NodeKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = NodeKind;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_unit<E>(self) -> Result<NodeKind, E> {
                Ok(NodeKind::Null)
            }
            fn visit_none<E>(self) -> Result<NodeKind, E> {
                Ok(NodeKind::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<NodeKind, D::Error> {
                NodeKind::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<NodeKind, E> {
                Ok(NodeKind::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<NodeKind, E> {
                Ok(NodeKind::Int(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<NodeKind, E> {
                Ok(NodeKind::Int(v.into()))
            }
            fn visit_i128<E>(self, v: i128) -> Result<NodeKind, E> {
                Ok(NodeKind::Int(v))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<NodeKind, E> {
                i128::try_from(v)
                    .map(NodeKind::Int)
                    .map_err(|_| E::custom("integer too large"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<NodeKind, E> {
                Ok(NodeKind::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<NodeKind, E> {
                Ok(NodeKind::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<NodeKind, E> {
                Ok(NodeKind::Str(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<NodeKind, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = a.next_element::<Node>()? {
                    items.push(n);
                }
                Ok(NodeKind::Seq(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<NodeKind, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = a.next_key::<Node>()? {
                    let v = a.next_value::<Node>()?;
                    entries.push((k, v));
                }
                Ok(NodeKind::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Parse `text` into a located tree, or explain why it is not acceptable YAML.
pub(crate) fn parse(text: &str) -> Result<Node, Box<(Diagnostic, Option<Span>)>> {
    serde_saphyr::from_str_with_options::<Node>(text, yaml_options())
        .map_err(|e| Box::new(yaml_error(&e)))
}

/// Turn a serde-saphyr error into a diagnostic with a friendly message.
pub(crate) fn yaml_error(e: &serde_saphyr::Error) -> (Diagnostic, Option<Span>) {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach as B;
    let inner = match e.without_snippet() {
        E::AliasError { error, .. } => error.as_ref(),
        other => other,
    };
    let loc = e.location().and_then(|l| {
        Loc::from_saphyr(&l).map(|loc| {
            Span::new(
                loc,
                usize::try_from(l.span().len()).unwrap_or(1).clamp(1, 80),
            )
        })
    });
    let limits = "the manifest exceeds hsqb's limits for a configuration file";
    let d = match inner {
        E::DuplicateMappingKey { key, .. } => {
            let k = key.as_deref().unwrap_or("?");
            Diagnostic::error(format!("duplicate key `{k}`")).with_hint(
                "each key may appear only once in a mapping (so each QuickBooks company name once, too); remove or rename one of them",
            )
        }
        E::Budget { breach, .. } => match breach {
            B::Depth { .. } => Diagnostic::error(format!(
                "the manifest is nested too deeply (more than {MAX_DEPTH} levels)"
            ))
            .with_hint(limits),
            B::Aliases { .. }
            | B::Anchors { .. }
            | B::AliasAnchorRatio { .. }
            | B::RecordedAnchorEvents { .. }
            | B::RecordedAnchorBytes { .. } => {
                Diagnostic::error("the manifest uses too many YAML anchors or aliases")
                    .with_hint(limits)
            }
            B::Nodes { .. } | B::Events { .. } | B::ScalarBytes { .. } => {
                Diagnostic::error("the manifest has too many values").with_hint(limits)
            }
            B::Documents { .. } => Diagnostic::error("the manifest must be a single YAML document")
                .with_hint("remove the extra `---` document separators"),
            other => Diagnostic::error(format!("YAML limit exceeded: {other:?}")).with_hint(limits),
        },
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. }
        | E::AliasReplayCounterOverflow { .. } => Diagnostic::error(
            "YAML aliases expand to too much data (an alias bomb?)",
        )
        .with_hint("use anchors and aliases sparingly; a manifest never needs more than a few"),
        E::MultipleDocuments { .. } => {
            Diagnostic::error("the manifest must be a single YAML document")
                .with_hint("remove the extra `---` document separators")
        }
        E::UnknownAnchor { .. } => Diagnostic::error("alias refers to an unknown anchor")
            .with_hint("define the anchor (`&name`) before using it (`*name`)"),
        other if other.to_string().contains("recursion limit") => Diagnostic::error(format!(
            "the manifest is nested too deeply (more than {MAX_DEPTH} levels)"
        ))
        .with_hint(limits),
        other => {
            let text = other.to_string();
            let msg = strip_location(&text);
            Diagnostic::error(format!("invalid YAML: {msg}")).with_hint(
                "check indentation (spaces, not tabs), quotes and the `key: value` layout around this point",
            )
        }
    };
    (d, loc)
}

/// Drop serde-saphyr's " at line L, column C …" suffix (we print our own).
fn strip_location(msg: &str) -> &str {
    msg.find(" at line ").map_or(msg, |i| &msg[..i]).trim()
}

/// One path segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Render a path as `sync.contacts.mappings.fields[2]`.
pub(crate) fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Where each path of the tree is: its key (for mapping entries) and its value.
#[derive(Debug, Default)]
pub(crate) struct PathIndex {
    entries: HashMap<String, (Option<Span>, Option<Span>)>,
}

impl PathIndex {
    pub(crate) fn build(root: &Node) -> Self {
        let mut idx = PathIndex::default();
        idx.walk(root, &mut Vec::new(), None);
        idx
    }

    fn walk(&mut self, node: &Node, path: &mut Vec<Seg>, key: Option<Span>) {
        self.entries.insert(path_string(path), (key, node.span()));
        match &node.kind {
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    path.push(Seg::Key(k.key_text()));
                    self.walk(v, path, k.span());
                    path.pop();
                }
            }
            NodeKind::Seq(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    self.walk(v, path, None);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// The value at `path`.
    #[cfg(test)]
    pub(crate) fn value(&self, path: &str) -> Option<Span> {
        self.entries.get(path).and_then(|(_, v)| *v)
    }

    /// The key of the entry at `path` (falls back to the value).
    pub(crate) fn key(&self, path: &str) -> Option<Span> {
        self.entries.get(path).and_then(|(k, v)| k.or(*v))
    }

    /// The nearest located path: `path`'s value, else its key, else the
    /// nearest ancestor's key.
    pub(crate) fn nearest(&self, path: &str) -> Option<Span> {
        let mut p = path.to_string();
        loop {
            if let Some((k, v)) = self.entries.get(&p)
                && let Some(s) = v.or(*k)
            {
                return Some(s);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p.truncate(i),
                None => return None,
            }
        }
    }

    /// Whether `path` was written in the file.
    pub(crate) fn contains(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_has_locations() {
        let n = parse("a: 1\nb:\n  - x\n  - {c: true}\n").unwrap();
        let idx = PathIndex::build(&n);
        assert_eq!(idx.key("b").unwrap().loc, Loc::new(2, 1));
        assert_eq!(idx.value("b[0]").unwrap().loc, Loc::new(3, 5));
        assert_eq!(idx.key("b[1].c").unwrap().loc, Loc::new(4, 6));
        assert_eq!(idx.nearest("b[1].zzz").unwrap().loc, Loc::new(4, 5));
    }

    #[test]
    fn hostile_yaml_is_refused() {
        let (d, _) = *parse("a: 1\na: 2\n").unwrap_err();
        assert!(d.message.contains("duplicate key `a`"), "{}", d.message);
        let deep = format!("a: {}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(parse(&deep).is_err());
        let mut block = String::new();
        for i in 0..200 {
            block.push_str(&" ".repeat(i * 2));
            block.push_str("a:\n");
        }
        let (d, _) = *parse(&block).unwrap_err();
        assert!(d.message.contains("nested too deeply"), "{}", d.message);
        let (d, _) = *parse("a: 1\n---\nb: 2\n").unwrap_err();
        assert!(d.message.contains("single YAML document"), "{}", d.message);
        let (d, _) = *parse("a: [1, 2\n").unwrap_err();
        assert!(d.message.starts_with("invalid YAML"), "{}", d.message);
    }
}
