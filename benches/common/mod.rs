//! Helpers shared by the benchmark binaries (and `examples/scale.rs`).
#![allow(dead_code)]

pub mod alloc;
pub mod planner_data;
