//! The `hsqb.yaml` manifest (v1): serde model, `${ENV}` interpolation, semantic
//! validation with `file:line:column` spans, and JSON Schema generation.
//!
//! Architecture invariant: this module does no IO beyond reading the manifest
//! file; the environment is passed in, never read directly.

pub mod defaults;
mod scalar;
mod types;

pub use scalar::{DurationStr, Loc, Scalar, SecretStr, Str};
pub use types::*;
