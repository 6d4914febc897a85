//! hsqb keeps HubSpot CRM and QuickBooks Online in sync the way Terraform keeps
//! infrastructure in sync: a YAML manifest declares what should flow where, `plan`
//! shows a per-record, per-field diff of the two live systems, `apply` executes it
//! idempotently.
//!
//! The crate is one package with a library (this) and the `hsqb` binary. See
//! `ARCHITECTURE.md` for the code map and the invariants each module keeps.

pub mod apply;
pub mod cli;
pub mod connect;
pub mod emulator;
pub mod http;
pub mod hubspot;
pub mod manifest;
pub mod model;
pub mod plan;
pub mod quickbooks;
pub mod refresh;
pub mod render;
pub mod secret;
pub mod state;
