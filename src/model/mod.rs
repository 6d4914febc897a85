//! Canonical records and values shared by the clients, the planner and apply.
//!
//! Architecture invariant: nothing here knows about HTTP or YAML. The API clients
//! convert their private wire types into these; the planner only ever sees these.

pub mod catalog;
mod record;
pub mod value;

pub use record::{
    Association, FieldPath, HsPropertyDef, HsRecord, ObjectKind, QboDeleted, QboRecord, System,
};
pub use value::{Value, ValueType};
