//! Shared HTTP plumbing: retries with backoff, one rate limiter per limit
//! class, request accounting, response decoding with JSON paths, and secret
//! redaction.
//!
//! Architecture invariant: nothing here knows either API's payloads. The
//! HubSpot and QuickBooks clients describe calls ([`Call`]) and plug their
//! behaviour in through [`Hooks`]; every request of both goes through
//! [`Transport::execute`].

mod decode;
mod error;
mod limiter;
mod retry;
mod stats;
mod transport;

pub use decode::{DecodeError, decode, snippet};
pub use error::{HttpError, TransportKind};
pub use limiter::{ConcurrencyLimit, RateLimit, RateLimiter, RatePermit};
pub use retry::{Backoff, RetryPolicy, retry_after};
pub use stats::{Accounting, Attempt, EndpointStats, StatsSnapshot};
pub use transport::{
    Call, CallBody, Hooks, Idempotency, MAX_RESPONSE_BYTES, RawResponse, Transport, Verdict,
    build_client, default_verdict, install_crypto_provider,
};

/// Percent-encode a query-string value the way the real services' clients do
/// (`%20` for spaces, not `+`).
pub fn encode_query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The first value of header `name`, matched case-insensitively with `_` and
/// `-` treated alike (QBO sends `intuit_tid`, recorders show `Intuit-Tid`).
pub fn header_loose(headers: &reqwest::header::HeaderMap, name: &str) -> Option<String> {
    let want = name.to_ascii_lowercase().replace('-', "_");
    headers.iter().find_map(|(k, v)| {
        (k.as_str().replace('-', "_") == want)
            .then(|| v.to_str().ok().map(str::to_string))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_use_percent_twenty() {
        assert_eq!(
            encode_query_value("SELECT * FROM Customer WHERE DisplayName = 'A+B & C'"),
            "SELECT%20*%20FROM%20Customer%20WHERE%20DisplayName%20%3D%20%27A%2BB%20%26%20C%27"
        );
    }

    #[test]
    fn loose_header_names() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("intuit_tid", "1-abc".parse().unwrap());
        assert_eq!(header_loose(&h, "Intuit-Tid").as_deref(), Some("1-abc"));
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("Intuit-Tid", "1-def".parse().unwrap());
        assert_eq!(header_loose(&h, "intuit_tid").as_deref(), Some("1-def"));
        assert_eq!(header_loose(&h, "x-other"), None);
    }
}
