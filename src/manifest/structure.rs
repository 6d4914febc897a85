//! The structural pass: checks the located YAML tree against the manifest's
//! JSON Schema (generated from the Rust types, so the two cannot disagree) and
//! reports every unknown key (with "did you mean"), wrong type, unknown enum
//! value and missing key at once. It also checks the leaf types: `${ENV}`
//! references in strings, secrets written only as `${VAR}`, and durations.
//!
//! Only the schema subset schemars emits for our types is interpreted: `$ref`,
//! `anyOf`/`oneOf` (options and externally tagged enums), `type`, `const`,
//! `properties`/`additionalProperties`/`required`, `items` and integer bounds.

use super::diagnostic::{Diagnostic, Sink, Span};
use super::interp::{self, EnvSnapshot, Piece};
use super::node::{Node, NodeKind, Seg, path_string};
use super::scalar::{DurationStr, Loc};
use super::suggest::did_you_mean;
use serde_json::Value;
use std::collections::HashSet;

/// The outcome of the structural pass.
pub(crate) struct Structure {
    /// Errors that make typed deserialization impossible (unknown keys, wrong
    /// types, …). Problems with `${ENV}` references do not block it.
    pub blocking: usize,
    /// Every referenced environment variable and its value.
    pub env: EnvSnapshot,
    /// Locations of strings whose references could not be resolved; semantic
    /// checks skip their (meaningless) values.
    pub unresolved: HashSet<Loc>,
}

/// Check `root` against `schema` (the manifest's root schema with `$defs`).
pub(crate) fn check(
    root: &Node,
    schema: &Value,
    env: &dyn Fn(&str) -> Option<String>,
    sink: &mut Sink<'_>,
) -> Structure {
    let mut c = Checker {
        root: schema,
        env,
        sink,
        out: Structure {
            blocking: 0,
            env: EnvSnapshot::new(),
            unresolved: HashSet::new(),
        },
    };
    c.check(root, schema, &mut Vec::new(), None);
    c.out
}

struct Checker<'a, 's, 'k> {
    root: &'a Value,
    env: &'a dyn Fn(&str) -> Option<String>,
    sink: &'k mut Sink<'s>,
    out: Structure,
}

fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn is_null_schema(schema: &Value) -> bool {
    types_of(schema) == ["null"]
}

fn const_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn describe_types(types: &[&str]) -> String {
    let words: Vec<&str> = types
        .iter()
        .filter(|t| **t != "null")
        .map(|t| match *t {
            "object" => "a mapping",
            "array" => "a list",
            "string" => "text",
            "integer" => "a whole number",
            "number" => "a number",
            "boolean" => "true or false",
            other => other,
        })
        .collect();
    match words.as_slice() {
        [] => "nothing".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn where_(path: &[Seg]) -> String {
    if path.is_empty() {
        "at the top level".to_string()
    } else {
        format!("in {}", path_string(path))
    }
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl<'a> Checker<'a, '_, '_> {
    /// Follow `$ref`s; returns the schema and the name of the last definition.
    fn resolve(&self, mut schema: &'a Value) -> (&'a Value, Option<&'a str>) {
        let mut name = None;
        for _ in 0..16 {
            let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
                break;
            };
            let Some(def) = r.strip_prefix("#/$defs/") else {
                break;
            };
            match self.root.get("$defs").and_then(|d| d.get(def)) {
                Some(s) => {
                    schema = s;
                    name = Some(def);
                }
                None => break,
            }
        }
        (schema, name)
    }

    fn block(&mut self, d: Diagnostic, span: Option<Span>) {
        self.out.blocking += 1;
        self.sink.push(d, span);
    }

    fn check(&mut self, node: &Node, schema: &'a Value, path: &mut Vec<Seg>, key: Option<&Node>) {
        let (schema, name) = self.resolve(schema);
        match name {
            Some("Str") => return self.leaf_text(node, path, key, false),
            Some("Scalar") => return self.leaf_text(node, path, key, true),
            Some("SecretStr") => return self.leaf_secret(node, path, key),
            Some("Duration") => return self.leaf_duration(node, path, key),
            _ => {}
        }
        if let Some(opts) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Value::as_array)
        {
            return self.union(node, opts, path, key);
        }
        let types = types_of(schema);
        if !types.is_empty() && !accepts(&types, node) {
            return self.type_error(node, &describe_types(&types), &types, path, key);
        }
        if let Some(c) = schema.get("const")
            && !node_equals(node, c)
        {
            return self.const_error(node, c, path);
        }
        match &node.kind {
            NodeKind::Map(entries) => self.object(node, entries, schema, path, key),
            NodeKind::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        path.push(Seg::Index(i));
                        self.check(item, item_schema, path, None);
                        path.pop();
                    }
                }
            }
            NodeKind::Int(i) => self.integer_bounds(node, *i, schema, path),
            NodeKind::Str(s)
                if types.contains(&"number") && schema.get("pattern").is_some()
                // A decimal written as text.
                && rust_decimal::Decimal::from_str_exact(s.trim()).is_err() =>
            {
                self.block(
                    Diagnostic::error(format!(
                        "`{}` must be a number, found `{s}`",
                        path_string(path)
                    ))
                    .with_hint("write a decimal number such as `5` or `2.5`"),
                    node.span(),
                );
            }
            _ => {}
        }
    }

    fn integer_bounds(&mut self, node: &Node, i: i128, schema: &Value, path: &[Seg]) {
        let min = schema
            .get("minimum")
            .and_then(Value::as_i64)
            .map(i128::from);
        let max = match schema.get("format").and_then(Value::as_str) {
            Some("uint32") => Some(i128::from(u32::MAX)),
            Some("uint64") => Some(i128::from(u64::MAX)),
            _ => None,
        };
        if min.is_some_and(|m| i < m) || max.is_some_and(|m| i > m) {
            self.block(
                Diagnostic::error(format!("`{}` is out of range: `{i}`", path_string(path)))
                    .with_hint(match max {
                        Some(m) => format!("use a whole number from {} to {m}", min.unwrap_or(0)),
                        None => "use a non-negative whole number".to_string(),
                    }),
                node.span(),
            );
        }
    }

    fn const_error(&mut self, node: &Node, c: &Value, path: &[Seg]) {
        let p = path_string(path);
        let found = node.key_text();
        let d = if p == "version" {
            Diagnostic::error(format!("unsupported manifest version `{found}`")).with_hint(format!(
                "this hsqb reads manifest `version: {}`",
                const_text(c)
            ))
        } else {
            Diagnostic::error(format!(
                "`{p}` must be `{}`, found `{found}`",
                const_text(c)
            ))
        };
        self.block(d, node.span());
    }

    fn type_error(
        &mut self,
        node: &Node,
        expected: &str,
        types: &[&str],
        path: &[Seg],
        key: Option<&Node>,
    ) {
        let p = path_string(path);
        let shown = if p.is_empty() {
            "the manifest".to_string()
        } else {
            format!("`{p}`")
        };
        let mut d = Diagnostic::error(format!(
            "{shown} must be {expected}, found {}",
            node.describe()
        ));
        let line = node
            .loc
            .and_then(|l| self.sink.source().line(l.line))
            .unwrap_or_default();
        let keyname = key.map(Node::key_text).unwrap_or_default();
        let hint = match (&node.kind, types) {
            _ if path.is_empty() => Some(
                "a manifest is a mapping of top-level keys: start with `version: 1`, then `sync:` and the connections".to_string(),
            ),
            (NodeKind::Null, t) if t.contains(&"object") => Some(format!(
                "`{keyname}:` has no value: give its settings below it, write `{keyname}: {{}}` for an empty mapping, or remove the key"
            )),
            (NodeKind::Null, t) if t.contains(&"array") => Some(format!(
                "`{keyname}:` has no value: list items below it (`- item`), write `{keyname}: []` for an empty list, or remove the key"
            )),
            (NodeKind::Map(_) | NodeKind::Seq(_), t)
                if t.contains(&"string") && line.contains("{{") =>
            {
                Some("text starting with `{` must be quoted: write `\"{{name}} …\"`".to_string())
            }
            (k, t) if t.contains(&"array") => Some(if node.is_scalar() {
                let _ = k;
                format!("write a list: `{keyname}: [{}]`", node.key_text())
            } else {
                format!("write a list: `{keyname}: [a, b]` or one `- item` per line")
            }),
            (NodeKind::Str(s), t) if t.contains(&"boolean") => {
                Some(format!("write `true` or `false` (not `{s}`)"))
            }
            (NodeKind::Str(_), t) if t.contains(&"integer") || t.contains(&"number") => {
                Some("write the number without quotes".to_string())
            }
            _ if keyname.is_empty() => Some(format!("write {expected} here")),
            _ => Some(format!("give `{keyname}` {expected}")),
        };
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.block(d, node.span());
    }

    fn union(&mut self, node: &Node, opts: &'a [Value], path: &mut Vec<Seg>, key: Option<&Node>) {
        let resolved: Vec<(&'a Value, &'a Value)> =
            opts.iter().map(|o| (o, self.resolve(o).0)).collect();
        let allows_null = resolved.iter().any(|(_, s)| types_of(s).contains(&"null"));
        let non_null: Vec<(&'a Value, &'a Value)> = resolved
            .into_iter()
            .filter(|(_, s)| !is_null_schema(s))
            .collect();
        if matches!(node.kind, NodeKind::Null) && allows_null {
            // `contacts:` with nothing after it reads as null, which would
            // silently mean "absent": almost certainly not what was meant.
            let settings =
                !non_null.is_empty() && non_null.iter().all(|(_, s)| types_of(s) == ["object"]);
            if settings {
                let keyname = key.map(Node::key_text).unwrap_or_default();
                self.block(
                    Diagnostic::error(format!("`{}` has no value", path_string(path)))
                        .with_hint(format!(
                            "write `{keyname}: {{}}` to use its defaults (and add any required settings), or remove the key"
                        )),
                    key.and_then(Node::span).or_else(|| node.span()),
                );
            }
            return;
        }
        if let [(original, _)] = non_null.as_slice() {
            return self.check(node, original, path, key);
        }
        // An enum: unit variants are `const` strings, data-carrying variants
        // are single-key mappings.
        let consts: Vec<String> = non_null
            .iter()
            .filter_map(|(_, s)| s.get("const").map(const_text))
            .collect();
        let variants: Vec<(String, &'a Value)> = non_null
            .iter()
            .filter_map(|(_, s)| {
                let props = s.get("properties")?.as_object()?;
                if props.len() != 1 {
                    return None;
                }
                let (k, v) = props.iter().next()?;
                Some((k.clone(), v))
            })
            .collect();
        let mut all: Vec<String> = consts.clone();
        all.extend(variants.iter().map(|(k, _)| format!("{k}: …")));
        let p = path_string(path);
        match &node.kind {
            k if node.is_scalar() => {
                let text = node.key_text();
                if consts.contains(&text) {
                    return;
                }
                if let NodeKind::Str(_) | NodeKind::Int(_) | NodeKind::Bool(_) | NodeKind::Float(_) =
                    k
                    && variants.iter().any(|(v, _)| *v == text)
                {
                    return self.block(
                        Diagnostic::error(format!("`{p}: {text}` needs a value"))
                            .with_hint(format!("write it as a mapping: `{text}: …`")),
                        node.span(),
                    );
                }
                let mut candidates: Vec<&str> = consts.iter().map(String::as_str).collect();
                candidates.extend(variants.iter().map(|(k, _)| k.as_str()));
                let hint = match did_you_mean(&text, candidates.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? Valid values: {}", quote_list(&all)),
                    None => format!("valid values: {}", quote_list(&all)),
                };
                self.block(
                    Diagnostic::error(format!("unknown value `{text}` for `{p}`")).with_hint(hint),
                    node.span(),
                );
            }
            NodeKind::Map(entries) if !variants.is_empty() => {
                if let [(k, v)] = entries.as_slice() {
                    let name = k.key_text();
                    if let Some((_, vs)) = variants.iter().find(|(vk, _)| *vk == name) {
                        path.push(Seg::Key(name));
                        self.check(v, vs, path, Some(k));
                        path.pop();
                        return;
                    }
                    let candidates = variants.iter().map(|(k, _)| k.as_str());
                    let hint = match did_you_mean(&name, candidates) {
                        Some(s) => {
                            format!("did you mean `{s}`? Valid values: {}", quote_list(&all))
                        }
                        None => format!("valid values: {}", quote_list(&all)),
                    };
                    return self.block(
                        Diagnostic::error(format!("unknown key `{name}` in {p}")).with_hint(hint),
                        k.span(),
                    );
                }
                self.block(
                    Diagnostic::error(format!(
                        "`{p}` must have exactly one key, found {}",
                        entries.len()
                    ))
                    .with_hint(format!("valid values: {}", quote_list(&all))),
                    node.span(),
                );
            }
            _ => {
                let expected = if all.is_empty() {
                    "a valid value".to_string()
                } else {
                    format!("one of {}", quote_list(&all))
                };
                let hint = if all.is_empty() {
                    "see docs/manifest.md for the accepted values".to_string()
                } else {
                    format!("valid values: {}", quote_list(&all))
                };
                self.block(
                    Diagnostic::error(format!(
                        "`{p}` must be {expected}, found {}",
                        node.describe()
                    ))
                    .with_hint(hint),
                    node.span(),
                );
            }
        }
    }

    fn object(
        &mut self,
        node: &Node,
        entries: &[(Node, Node)],
        schema: &'a Value,
        path: &mut Vec<Seg>,
        key: Option<&Node>,
    ) {
        let props = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (k, v) in entries {
            let name = k.key_text();
            path.push(Seg::Key(name.clone()));
            match (props.and_then(|p| p.get(&name)), additional) {
                (Some(ps), _) => self.check(v, ps, path, Some(k)),
                (None, Some(Value::Bool(false))) => {
                    path.pop();
                    self.unknown_key(k, &name, props, path);
                    continue;
                }
                (None, Some(s)) if s.is_object() => {
                    if !k.is_scalar() {
                        self.block(
                            Diagnostic::error(format!(
                                "keys {} must be text",
                                where_(&path[..path.len() - 1])
                            )),
                            k.span(),
                        );
                    } else {
                        self.check(v, s, path, Some(k));
                    }
                }
                _ => {}
            }
            path.pop();
        }
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        let known: Vec<&str> = props
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        for r in required {
            if entries.iter().any(|(k, _)| k.key_text() == r) {
                continue;
            }
            // A misspelt key already reported with "did you mean `r`?".
            let misspelt = entries.iter().any(|(k, _)| {
                let name = k.key_text();
                !known.contains(&name.as_str())
                    && did_you_mean(&name, known.iter().copied()) == Some(r)
            });
            if misspelt {
                continue;
            }
            let example = props
                .and_then(|p| p.get(r))
                .map(|s| self.example_value(s))
                .unwrap_or_else(|| "…".to_string());
            let hint = if path.is_empty() && r == "version" {
                "add `version: 1` as the first line".to_string()
            } else {
                format!("add `{r}: {example}`")
            };
            let span = key.and_then(Node::span).or_else(|| {
                // The root mapping: point at its first key.
                entries.first().and_then(|(k, _)| k.span())
            });
            let _ = node;
            self.block(
                Diagnostic::error(format!("missing key `{r}` {}", where_(path))).with_hint(hint),
                span,
            );
        }
    }

    /// A short example for a missing key's value.
    fn example_value(&self, schema: &'a Value) -> String {
        let (s, _) = self.resolve(schema);
        if let Some(opts) = s.get("oneOf").and_then(Value::as_array) {
            let consts: Vec<String> = opts
                .iter()
                .filter_map(|o| o.get("const").map(const_text))
                .collect();
            if !consts.is_empty() {
                return format!("<one of {}>", consts.join(", "));
            }
        }
        if let Some(c) = s.get("const") {
            return const_text(c);
        }
        "…".to_string()
    }

    fn unknown_key(
        &mut self,
        k: &Node,
        name: &str,
        props: Option<&serde_json::Map<String, Value>>,
        path: &[Seg],
    ) {
        let known: Vec<&str> = props
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let hint = match did_you_mean(name, known.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None if known.is_empty() => "remove it".to_string(),
            None => format!(
                "valid keys here: {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let what = if path.is_empty() {
            format!("unknown top-level key `{name}`")
        } else {
            format!("unknown key `{name}` in {}", path_string(path))
        };
        self.block(Diagnostic::error(what).with_hint(hint), k.span());
    }

    /// Text (`Str`) or an operand (`Scalar`): any scalar; strings may hold
    /// `${ENV}` references.
    fn leaf_text(&mut self, node: &Node, path: &[Seg], key: Option<&Node>, scalar: bool) {
        match &node.kind {
            NodeKind::Str(s) => self.references(node, s, path),
            NodeKind::Null => {
                let expected = if scalar { "a value" } else { "text" };
                self.type_error(node, expected, &["string"], path, key)
            }
            NodeKind::Seq(_) | NodeKind::Map(_) => {
                let expected = if scalar {
                    "text, a number or true/false"
                } else {
                    "text"
                };
                self.type_error(node, expected, &["string"], path, key)
            }
            _ => {}
        }
    }

    /// Check and resolve the `${NAME}` references of string `s` at `node`.
    fn references(&mut self, node: &Node, s: &str, path: &[Seg]) {
        for piece in interp::pieces(s) {
            match piece {
                Piece::Var { name, .. } => {
                    let value = (self.env)(name);
                    if value.is_none() {
                        let span = self.reference_span(node, &format!("${{{name}}}"));
                        self.sink.push(
                            Diagnostic::error(format!(
                                "environment variable `{name}` is not set (used by `{}`)",
                                path_string(path)
                            ))
                            .with_hint(format!(
                                "set it before running hsqb (e.g. `export {name}=…`); write `$${{` for a literal `${{`"
                            )),
                            span,
                        );
                        self.unresolved(node);
                    }
                    self.out.env.insert(name.to_string(), value);
                }
                Piece::Bad { text, .. } => {
                    let span = self.reference_span(node, text);
                    self.sink.push(
                        Diagnostic::error(format!("invalid environment reference `{text}`"))
                            .with_hint(
                                "write `${NAME}` (letters, digits and underscores), or `$${` for a literal `${`",
                            ),
                        span,
                    );
                    self.unresolved(node);
                }
                Piece::Lit(_) | Piece::Escape => {}
            }
        }
    }

    fn unresolved(&mut self, node: &Node) {
        if let Some(l) = node.loc {
            self.out.unresolved.insert(l);
        }
    }

    /// The span of `needle` (a reference as written) on the node's first line,
    /// else the node itself.
    fn reference_span(&self, node: &Node, needle: &str) -> Option<Span> {
        let loc = node.loc?;
        let line = self.sink.source().line(loc.line)?;
        let start = line
            .char_indices()
            .nth(loc.column.saturating_sub(1))
            .map_or(line.len(), |(i, _)| i);
        match line[start..].find(needle) {
            Some(rel) => {
                let col = line[..start + rel].chars().count() + 1;
                Some(Span::new(Loc::new(loc.line, col), needle.chars().count()))
            }
            None => node.span(),
        }
    }

    fn leaf_secret(&mut self, node: &Node, path: &[Seg], key: Option<&Node>) {
        let p = path_string(path);
        let keyname = key.map(Node::key_text).unwrap_or_else(|| "secret".into());
        match &node.kind {
            NodeKind::Str(s) => {
                if let Some(name) = interp::sole_reference(s) {
                    let value = (self.env)(name);
                    match &value {
                        None => {
                            let span = self.reference_span(node, &format!("${{{name}}}"));
                            self.sink.push(
                                Diagnostic::error(format!(
                                    "environment variable `{name}` is not set (used by `{p}`)"
                                ))
                                .with_hint(format!(
                                    "set it before running hsqb (e.g. `export {name}=…` in your shell or CI secrets)"
                                )),
                                span,
                            );
                            self.unresolved(node);
                        }
                        Some(v) if v.trim().is_empty() => {
                            let span = self.reference_span(node, &format!("${{{name}}}"));
                            self.sink.push(
                                Diagnostic::error(format!(
                                    "environment variable `{name}` is set but empty (used by `{p}`)"
                                ))
                                .with_hint(format!("give `{name}` the secret's value")),
                                span,
                            );
                            self.unresolved(node);
                        }
                        Some(_) => {}
                    }
                    self.out.env.insert(name.to_string(), value);
                    return;
                }
                self.literal_secret(node, &p, &keyname);
            }
            NodeKind::Null | NodeKind::Seq(_) | NodeKind::Map(_) => self.type_error(
                node,
                "an environment reference such as `${NAME}`",
                &["string"],
                path,
                key,
            ),
            _ => self.literal_secret(node, &p, &keyname),
        }
    }

    fn literal_secret(&mut self, node: &Node, path: &str, keyname: &str) {
        let var = suggested_var(path);
        self.sink.push_redacted(
            Diagnostic::error(format!(
                "`{path}` is a secret and must not be written in the manifest"
            ))
            .with_hint(format!(
                "put it in an environment variable and write `{keyname}: ${{{var}}}`"
            )),
            node.span(),
        );
        self.unresolved(node);
    }

    fn leaf_duration(&mut self, node: &Node, path: &[Seg], key: Option<&Node>) {
        let p = path_string(path);
        match &node.kind {
            NodeKind::Str(s) => {
                if let Err(e) = DurationStr::parse(s) {
                    self.block(
                        Diagnostic::error(format!("`{p}`: {e}")).with_hint(
                            "write a whole number with a unit: s (seconds), m (minutes), h (hours) or d (days)",
                        ),
                        node.span(),
                    );
                }
            }
            NodeKind::Int(i) => self.block(
                Diagnostic::error(format!("`{p}`: `{i}` has no unit"))
                    .with_hint(format!("write `{i}s`, `{i}m`, `{i}h` or `{i}d`")),
                node.span(),
            ),
            _ => self.type_error(node, "a duration such as `5m`", &["string"], path, key),
        }
    }
}

/// The environment variable name suggested for a literal secret at `path`.
fn suggested_var(path: &str) -> &'static str {
    if path.starts_with("hubspot.oauth.client_secret") {
        "HUBSPOT_CLIENT_SECRET"
    } else if path.starts_with("hubspot.oauth.refresh_token") {
        "HUBSPOT_REFRESH_TOKEN"
    } else if path.starts_with("hubspot") {
        "HUBSPOT_TOKEN"
    } else if path.ends_with("access_token") {
        "QBO_ACCESS_TOKEN"
    } else if path.ends_with("client_secret") {
        "QBO_CLIENT_SECRET"
    } else if path.ends_with("refresh_token") {
        "QBO_REFRESH_TOKEN"
    } else if path.starts_with("state") {
        "DATABASE_URL"
    } else {
        "SECRET"
    }
}

fn accepts(types: &[&str], node: &Node) -> bool {
    let has = |t: &str| types.contains(&t);
    match &node.kind {
        NodeKind::Null => has("null"),
        // serde-saphyr reads any plain scalar into a string field as written.
        NodeKind::Bool(_) => has("boolean") || has("string"),
        NodeKind::Int(_) => has("integer") || has("number") || has("string"),
        NodeKind::Float(_) => has("number") || has("string"),
        NodeKind::Str(_) => has("string"),
        NodeKind::Seq(_) => has("array"),
        NodeKind::Map(_) => has("object"),
    }
}

fn node_equals(node: &Node, c: &Value) -> bool {
    match (&node.kind, c) {
        (NodeKind::Int(i), Value::Number(n)) => n.to_string() == i.to_string(),
        (NodeKind::Str(s), Value::String(t)) => s == t,
        (NodeKind::Bool(b), Value::Bool(t)) => b == t,
        _ => false,
    }
}
