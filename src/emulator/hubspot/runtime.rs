//! Process-lifetime state of the HubSpot API that is not persisted: rate-limit
//! windows (measured on the scaled monotonic clock) and issued OAuth access
//! tokens (their lifetime is also measured on the scaled clock).

use super::errors::HsError;
use crate::emulator::{Limits, RateWindow};
use std::collections::HashMap;
use std::time::Duration;

/// How a request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// The static token (private app / service key): daily headers are sent.
    Static,
    /// An OAuth access token: daily headers are absent.
    OAuth,
}

/// Rate-limit headers to attach to a response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateHeaders {
    /// `(max, remaining)` of the ten-second window.
    pub burst: Option<(u32, u32)>,
    /// `(max, remaining)` of the daily limit (static-token calls only).
    pub daily: Option<(u32, u32)>,
}

/// Not-persisted runtime state.
#[derive(Debug, Default)]
pub struct Runtime {
    burst: Option<RateWindow>,
    search: Option<RateWindow>,
    day: i64,
    day_count: u32,
    /// access token → expiry (scaled elapsed time).
    tokens: HashMap<String, Duration>,
    token_seq: u64,
}

impl Runtime {
    /// Take one slot of the ten-second window and the daily budget; on
    /// refusal, the policy name (`TEN_SECONDLY_ROLLING` / `DAILY`).
    /// `day` is the current day number in the portal's time zone.
    pub fn acquire_burst(
        &mut self,
        limits: &Limits,
        now: Duration,
        day: i64,
        auth: AuthKind,
    ) -> Result<RateHeaders, (&'static str, RateHeaders)> {
        if self.day != day {
            self.day = day;
            self.day_count = 0;
        }
        let mut h = RateHeaders::default();
        if let Some(d) = limits.hubspot_daily {
            if auth == AuthKind::Static {
                h.daily = Some((d, d.saturating_sub(self.day_count)));
            }
            if self.day_count >= d {
                return Err(("DAILY", h));
            }
        }
        if let Some(l) = limits.hubspot_per_10s {
            let w = self
                .burst
                .get_or_insert_with(|| RateWindow::new(l, Duration::from_secs(10)));
            match w.try_acquire(now) {
                Ok(rem) => h.burst = Some((l, rem)),
                Err(_) => {
                    h.burst = Some((l, 0));
                    return Err(("TEN_SECONDLY_ROLLING", h));
                }
            }
        }
        if let Some(d) = limits.hubspot_daily {
            self.day_count += 1;
            if auth == AuthKind::Static {
                h.daily = Some((d, d.saturating_sub(self.day_count)));
            }
        }
        Ok(h)
    }

    /// Take one slot of the per-second search window.
    pub fn acquire_search(&mut self, limits: &Limits, now: Duration) -> Result<(), HsError> {
        if let Some(l) = limits.hubspot_search_per_sec {
            let w = self
                .search
                .get_or_insert_with(|| RateWindow::new(l, Duration::from_secs(1)));
            w.try_acquire(now)
                .map_err(|_| HsError::rate_limited("SECONDLY"))?;
        }
        Ok(())
    }

    /// Issue an access token valid until `now + ttl` (scaled).
    pub fn issue_token(&mut self, seed: u64, now: Duration, ttl: Duration) -> String {
        use sha2::{Digest, Sha256};
        self.token_seq += 1;
        let digest = Sha256::digest(format!(
            "hsqb-emulator-hubspot-oauth:{seed}:{}",
            self.token_seq
        ));
        let token = format!(
            "hs-emu-oauth-{}-{}",
            self.token_seq,
            hex::encode(&digest[..12])
        );
        self.tokens.insert(token.clone(), now + ttl);
        token
    }

    /// `Some(Ok(remaining))` for a live issued token, `Some(Err(expired_for))`
    /// for an expired one, `None` for an unknown token.
    pub fn token_status(&self, token: &str, now: Duration) -> Option<Result<Duration, Duration>> {
        self.tokens.get(token).map(|exp| {
            if now < *exp {
                Ok(*exp - now)
            } else {
                Err(now - *exp)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_and_daily_budgets() {
        let limits = Limits {
            hubspot_per_10s: Some(2),
            hubspot_daily: Some(3),
            ..Limits::default()
        };
        let mut rt = Runtime::default();
        let s = Duration::from_secs;
        let h = rt
            .acquire_burst(&limits, s(0), 1, AuthKind::Static)
            .unwrap();
        assert_eq!(h.burst, Some((2, 1)));
        assert_eq!(h.daily, Some((3, 2)));
        rt.acquire_burst(&limits, s(1), 1, AuthKind::OAuth).unwrap();
        let (e, h) = rt
            .acquire_burst(&limits, s(2), 1, AuthKind::Static)
            .unwrap_err();
        assert_eq!(e, "TEN_SECONDLY_ROLLING");
        assert_eq!(h.burst, Some((2, 0)));
        rt.acquire_burst(&limits, s(11), 1, AuthKind::Static)
            .unwrap();
        let (e, _) = rt
            .acquire_burst(&limits, s(30), 1, AuthKind::Static)
            .unwrap_err();
        assert_eq!(e, "DAILY");
        // a new day resets the daily budget
        rt.acquire_burst(&limits, s(40), 2, AuthKind::Static)
            .unwrap();
    }

    #[test]
    fn tokens_expire_on_the_scaled_clock() {
        let mut rt = Runtime::default();
        let t = rt.issue_token(1, Duration::from_secs(5), Duration::from_secs(1800));
        assert!(t.starts_with("hs-emu-oauth-1-"));
        assert_eq!(
            rt.token_status(&t, Duration::from_secs(6)),
            Some(Ok(Duration::from_secs(1799)))
        );
        assert_eq!(
            rt.token_status(&t, Duration::from_secs(1812)),
            Some(Err(Duration::from_secs(7)))
        );
        assert_eq!(rt.token_status("nope", Duration::ZERO), None);
    }
}
