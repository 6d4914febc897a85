//! The state store: watermarks, baselines, rotated refresh tokens and the apply journal.
