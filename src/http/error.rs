//! Errors of the shared transport (no API-specific payload knowledge).

use super::decode::DecodeError;

/// How a request failed without an HTTP response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The connection could not be established: nothing was sent.
    Connect,
    /// No complete response within the timeout.
    Timeout,
    /// The connection broke after the request was (possibly) sent.
    Reset,
    /// Anything else (request could not be built, TLS, …).
    Other,
    /// The response body exceeded [`super::MAX_RESPONSE_BYTES`]; reading stopped
    /// there (a broken or hostile server must not exhaust memory). Not retried.
    TooLarge,
}

impl TransportKind {
    /// Whether the server certainly did not receive the request.
    pub fn not_sent(self) -> bool {
        matches!(self, TransportKind::Connect)
    }
}

impl std::fmt::Display for TransportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "connection failed",
            TransportKind::Timeout => "timed out",
            TransportKind::Reset => "connection dropped",
            TransportKind::Other => "request failed",
            TransportKind::TooLarge => "response too large",
        })
    }
}

/// A failure of the shared transport.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    /// No usable response after all attempts.
    #[error("{endpoint}: {kind} after {attempts} attempt(s): {message}")]
    Transport {
        /// Endpoint label.
        endpoint: String,
        /// What went wrong.
        kind: TransportKind,
        /// The underlying error (secrets scrubbed).
        message: String,
        /// Attempts made.
        attempts: u32,
    },
    /// A non-idempotent request was sent but no definite answer came back
    /// (timeout, dropped connection, 5xx): the write may or may not have
    /// happened. It was **not** resent; the caller decides (re-read first).
    #[error("{endpoint}: outcome unknown ({reason}); the write may or may not have happened")]
    OutcomeUnknown {
        /// Endpoint label.
        endpoint: String,
        /// Why the outcome is unknown.
        reason: String,
    },
    /// The response body could not be decoded.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The request could not be built (bad base URL, header value, …).
    #[error("{endpoint}: invalid request: {message}")]
    InvalidRequest {
        /// Endpoint label.
        endpoint: String,
        /// What is wrong.
        message: String,
    },
}

impl HttpError {
    /// Whether the write behind this error may have happened.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, HttpError::OutcomeUnknown { .. })
    }
}
