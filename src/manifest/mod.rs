//! The `hsqb.yaml` manifest (v1): serde model, `${ENV}` interpolation, semantic
//! validation with `file:line:column` spans, and JSON Schema generation.
//!
//! Entry point: [`load`] reads, checks and validates a manifest and returns a
//! [`LoadedManifest`] or a [`ManifestReport`] listing every problem (render it
//! with [`ManifestReport::render`]). The pipeline:
//!
//! 1. read the file (refusing more than 1 MiB without reading it), decode UTF-8;
//! 2. parse into a located YAML tree under budgets (depth, nodes, alias
//!    expansion), duplicate keys being errors ([`node`]);
//! 3. check the tree against the JSON Schema generated from the types: every
//!    unknown key, wrong type and missing key at once, plus `${ENV}`
//!    references and secrets ([`structure`]);
//! 4. deserialize the typed [`Manifest`], interpolating `${ENV}`;
//! 5. semantic checks ([`validate`]).
//!
//! Architecture invariant: this module does no IO beyond reading the manifest
//! file; the environment is passed in, never read directly.

pub mod currency;
pub mod defaults;
mod diagnostic;
mod effective;
pub mod interp;
mod load;
mod node;
mod scalar;
mod schema;
mod source;
mod structure;
mod suggest;
mod types;
mod validate;

pub use diagnostic::{Diagnostic, ManifestReport, Severity, Snippet, render_diagnostic};
pub use effective::{
    BlockKind, DealPropertyNames, EffectiveMapping, HUBSPOT_BASE_URL, MappingOrigin,
    QBO_PRODUCTION_BASE_URL, QBO_SANDBOX_BASE_URL, QBO_TOKEN_URL, SANDBOX_COMPANY,
    SANDBOX_DATA_DIR, STATE_PATH, SyncBlock,
};
pub use load::{LoadedManifest, load, load_bytes, parse_str};
pub use scalar::{DurationStr, Loc, Scalar, SecretStr, Str};
pub use schema::{schema_json, schema_value};
pub use source::MAX_MANIFEST_BYTES;
pub use types::*;
