//! The `hsqb.yaml` manifest (v1): serde model, `${ENV}` interpolation, validation, JSON Schema.
