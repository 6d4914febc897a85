//! Client-side rate limiting: one [`RateLimiter`] per limit class (HubSpot
//! burst, HubSpot search, QBO per-minute, QBO batch) and a [`ConcurrencyLimit`]
//! for QBO's concurrent-request cap.
//!
//! The limiter is a *sliding window* (not fixed buckets): at most `count`
//! requests in any `period`. A slot is taken **before** the request is sent and
//! its timestamp is moved to the moment the response was fully read; a slot only
//! frees `period` after that. The server stamps a request when it receives it,
//! which is always between our two timestamps, so the server's rolling window
//! can never see more than `count` of our requests: a healthy run receives no
//! 429 by construction, even when request latency varies.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// A rate limit: at most `count` requests in any `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests allowed per period.
    pub count: u32,
    /// The rolling window.
    pub period: Duration,
}

impl RateLimit {
    /// `count` requests per `period`.
    pub const fn new(count: u32, period: Duration) -> Self {
        RateLimit { count, period }
    }

    /// The same limit with its period divided by `factor` (for tests that run
    /// the emulator with a time scale).
    pub fn scaled(self, factor: f64) -> Self {
        let factor = if factor.is_finite() && factor > 0.0 {
            factor
        } else {
            1.0
        };
        RateLimit {
            count: self.count,
            period: self.period.div_f64(factor),
        }
    }
}

#[derive(Debug)]
enum Slot {
    /// Sent (or about to be), response not yet read: cannot expire.
    InFlight(u64),
    /// Finished at this instant; frees `period` later.
    Done(Instant),
}

#[derive(Debug)]
struct Window {
    limit: u32,
    period: Duration,
    slots: VecDeque<Slot>,
    next_id: u64,
}

impl Window {
    fn prune(&mut self, now: Instant) {
        let period = self.period;
        self.slots
            .retain(|s| !matches!(s, Slot::Done(t) if now.saturating_duration_since(*t) >= period));
    }

    /// Time until the earliest finished slot frees, if any slot is finished.
    fn earliest_free(&self, now: Instant) -> Option<Duration> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Done(t) => Some((*t + self.period).saturating_duration_since(now)),
                Slot::InFlight(_) => None,
            })
            .min()
    }
}

/// A sliding-window rate limiter shared by every task of one client.
#[derive(Debug)]
pub struct RateLimiter {
    name: &'static str,
    window: Mutex<Window>,
    /// Wakes waiters when an in-flight slot finishes (its expiry time becomes
    /// known) or the limit changes.
    notify: Notify,
}

/// A taken slot. Dropping it marks the request finished (now), which starts
/// the slot's `period` countdown.
#[derive(Debug)]
pub struct RatePermit {
    limiter: Arc<RateLimiter>,
    id: u64,
}

impl Drop for RatePermit {
    fn drop(&mut self) {
        let now = Instant::now();
        let mut w = self.limiter.lock();
        for s in w.slots.iter_mut() {
            if matches!(s, Slot::InFlight(id) if *id == self.id) {
                *s = Slot::Done(now);
                break;
            }
        }
        drop(w);
        self.limiter.notify.notify_waiters();
    }
}

impl RateLimiter {
    /// A limiter named `name` (used in logs) enforcing `limit`.
    pub fn new(name: &'static str, limit: RateLimit) -> Arc<Self> {
        Arc::new(RateLimiter {
            name,
            window: Mutex::new(Window {
                limit: limit.count.max(1),
                period: limit.period,
                slots: VecDeque::new(),
                next_id: 0,
            }),
            notify: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        // A poisoned lock only means another task panicked mid-update; the
        // window is still a valid (conservative) list of slots.
        self.window.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The limit class name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The current limit (may have been lowered by server headers).
    pub fn limit(&self) -> RateLimit {
        let w = self.lock();
        RateLimit::new(w.limit, w.period)
    }

    /// Wait until a slot is free, then take it.
    pub async fn acquire(self: &Arc<Self>) -> RatePermit {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            // Register interest before checking, so a release between the
            // check and the wait is not missed.
            notified.as_mut().enable();
            let wait = {
                let now = Instant::now();
                let mut w = self.lock();
                w.prune(now);
                if (w.slots.len() as u32) < w.limit {
                    let id = w.next_id;
                    w.next_id += 1;
                    w.slots.push_back(Slot::InFlight(id));
                    return RatePermit {
                        limiter: self.clone(),
                        id,
                    };
                }
                w.earliest_free(now)
            };
            tracing::trace!(limiter = self.name, ?wait, "rate limit reached; waiting");
            match wait {
                Some(d) => {
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = &mut notified => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// Adapt to what the server reports (`X-HubSpot-RateLimit-Max` /
    /// `-Remaining`): lower the limit when the server's is lower, and when the
    /// server has seen more requests than we sent (another process shares the
    /// budget), occupy the difference with slots stamped now. The period is not
    /// adopted from the server: tests run the server on a scaled clock.
    pub fn observe(&self, max: Option<u32>, remaining: Option<u32>) {
        let now = Instant::now();
        let mut w = self.lock();
        if let Some(m) = max
            && m > 0
            && m < w.limit
        {
            w.limit = m;
        }
        if let Some(rem) = remaining {
            w.prune(now);
            let server_used = w.limit.saturating_sub(rem) as usize;
            let local_used = w.slots.len();
            for _ in local_used..server_used {
                w.slots.push_back(Slot::Done(now));
            }
        }
    }

    /// Slots currently counted (in flight or finished within the period).
    pub fn in_window(&self) -> usize {
        let mut w = self.lock();
        w.prune(Instant::now());
        w.slots.len()
    }
}

/// A cap on concurrent requests (QBO: 10 per realm).
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit {
    sem: Arc<Semaphore>,
}

impl ConcurrencyLimit {
    /// At most `n` requests at once.
    pub fn new(n: usize) -> Self {
        ConcurrencyLimit {
            sem: Arc::new(Semaphore::new(n.max(1))),
        }
    }

    /// Wait for a free slot; held until the response is read.
    pub async fn acquire(&self) -> Option<OwnedSemaphorePermit> {
        // The semaphore is never closed, so this only fails if it were.
        self.sem.clone().acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sliding_window_never_exceeds_limit() {
        let l = RateLimiter::new("t", RateLimit::new(3, Duration::from_secs(10)));
        let start = Instant::now();
        let mut stamps = Vec::new();
        for _ in 0..9 {
            let p = l.acquire().await;
            stamps.push(Instant::now().duration_since(start));
            drop(p);
        }
        // Any 10 s window holds at most 3 acquisitions.
        for (i, a) in stamps.iter().enumerate() {
            let n = stamps[i..]
                .iter()
                .filter(|b| b.saturating_sub(*a) < Duration::from_secs(10))
                .count();
            assert!(n <= 3, "window starting at {a:?} holds {n}");
        }
        assert_eq!(stamps[3], Duration::from_secs(10));
        assert_eq!(stamps[8], Duration::from_secs(20));
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_slots_free_only_after_completion() {
        let l = RateLimiter::new("t", RateLimit::new(1, Duration::from_secs(1)));
        let p = l.acquire().await;
        let l2 = l.clone();
        let waiter = tokio::spawn(async move {
            let t0 = Instant::now();
            let _p = l2.acquire().await;
            t0.elapsed()
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(p); // finished at t=5 s: frees at t=6 s
        let waited = waiter.await.unwrap();
        assert_eq!(waited, Duration::from_secs(6));
    }

    #[tokio::test(start_paused = true)]
    async fn observe_lowers_limit_and_fills_remaining() {
        let l = RateLimiter::new("t", RateLimit::new(10, Duration::from_secs(10)));
        l.observe(Some(5), Some(2));
        assert_eq!(l.limit().count, 5);
        assert_eq!(l.in_window(), 3);
        let start = Instant::now();
        let _a = l.acquire().await;
        let _b = l.acquire().await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
