//! The manifest's JSON Schema, generated from the Rust types with schemars.
//! `hsqb schema` prints it; `schemas/manifest.schema.json` is a committed copy
//! kept current by a test; the structural check validates against it.

use super::types::Manifest;
use serde_json::Value;
use std::sync::OnceLock;

/// The manifest JSON Schema (draft 2020-12).
pub fn schema_value() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let schema = schemars::schema_for!(Manifest);
        let mut v = schema.to_value();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("title".into(), Value::String("hsqb manifest".into()));
            // Header keys first, for people reading the file.
            let mut ordered = serde_json::Map::new();
            for key in ["$schema", "title", "description"] {
                if let Some(val) = obj.remove(key) {
                    ordered.insert(key.into(), val);
                }
            }
            ordered.append(obj);
            *obj = ordered;
        }
        v
    })
}

/// The schema as pretty-printed JSON with a trailing newline (the exact
/// content of `schemas/manifest.schema.json`).
pub fn schema_json() -> String {
    let mut s = serde_json::to_string_pretty(schema_value()).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
