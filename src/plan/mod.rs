//! The pure planning engine: pairing (links, then match keys), mapping
//! (transforms, type conversion), three-way diff against baselines, policies,
//! invoice rules and diagnostics.
//!
//! Architecture invariant: the planner is a pure function of (manifest,
//! snapshots, state, `now`): no IO, no clock, no environment. Same inputs give a
//! byte-identical plan (ordered maps everywhere output order matters).

pub mod model;

pub use model::*;
