//! The pure planning engine: pairing (links, then match keys), mapping
//! (transforms, type conversion), three-way diff against baselines, policies,
//! invoice rules and diagnostics.
//!
//! Architecture invariant: the planner is a pure function of (manifest,
//! snapshots, state, `now`): no IO, no clock, no environment. Same inputs give a
//! byte-identical plan (ordered maps everywhere output order matters).

pub mod model;

pub use model::*;
pub mod builder;
pub mod deal_invoices;
pub mod engine;
pub mod estimate;
pub mod filter;
pub mod import;
pub mod input;
pub mod invoices;
pub mod mapping;
pub mod names;
pub mod records;
mod seal;
pub mod status;
pub mod template;

pub use engine::plan;
pub use input::{
    HubSpotSnapshot, PlanInput, PlanOptions, QboSnapshot, StateView, baselines_needed,
};
#[cfg(test)]
mod invoice_tests;
pub mod testkit;
#[cfg(test)]
mod tests;
