//! Shared HTTP plumbing: retries with backoff, one rate limiter per limit class, request accounting, secret redaction.
