//! The pure planning engine: pairing, mapping, three-way diff, policies and diagnostics.
