//! The versioned JSON form of a plan (`format_version` 1) and its JSON Schema.
//!
//! The JSON is the serde form of [`Plan`]: keys in struct-field order, maps
//! sorted (`BTreeMap`) or in the planner's deterministic insertion order
//! (QBO bodies), numbers with their exact digits. Rendering the same plan twice
//! gives identical bytes.

use crate::plan::Plan;

/// Pretty-printed JSON (two-space indent), ending with a newline. This is the
/// format of saved plan files (`hsqb plan --out`) and `hsqb show --json`.
pub fn render(plan: &Plan) -> String {
    let mut s = serde_json::to_string_pretty(plan).unwrap_or_else(|e| unserializable(&e));
    s.push('\n');
    s
}

/// Single-line JSON, ending with a newline (for logs and pipes).
pub fn render_compact(plan: &Plan) -> String {
    let mut s = serde_json::to_string(plan).unwrap_or_else(|e| unserializable(&e));
    s.push('\n');
    s
}

/// The JSON Schema of the plan format, generated from [`Plan`] with schemars,
/// pretty-printed and ending with a newline: the exact content of
/// `schemas/plan.schema.json`.
pub fn plan_schema() -> String {
    let schema = schemars::schema_for!(Plan);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_else(|e| unserializable(&e));
    s.push('\n');
    s
}

/// Serialising a `Plan` cannot fail: every map has string keys and every
/// type's `Serialize` is derived or infallible. A failure is a bug in this
/// crate's types, not in any input.
fn unserializable(e: &serde_json::Error) -> ! {
    panic!("internal error: the plan types failed to serialise: {e}")
}
