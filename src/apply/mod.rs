//! Executes a saved or fresh plan: dependency order, batching, idempotency keys, journal, per-record results.
