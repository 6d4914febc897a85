//! Two clocks: the *data clock* (timestamps the emulator writes on records,
//! settable and freezable so tests are deterministic) and the *scaled monotonic
//! clock* (what rate-limit windows, token lifetimes and injected timeouts are
//! measured on; `time_scale` makes it run faster than real time).

use chrono::{DateTime, Utc};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The emulator's clocks.
#[derive(Debug)]
pub struct Clock {
    scale: f64,
    origin: Instant,
    inner: Mutex<DataClock>,
}

#[derive(Debug)]
struct DataClock {
    /// Data time at `anchor` (scaled elapsed time).
    base: DateTime<Utc>,
    anchor: Duration,
    frozen: bool,
}

impl Clock {
    /// A clock running `scale` times faster than real time, with the data clock
    /// starting at `start` (or now).
    pub fn new(scale: f64, start: Option<DateTime<Utc>>) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Clock {
            scale,
            origin: Instant::now(),
            inner: Mutex::new(DataClock {
                base: start.unwrap_or_else(Utc::now),
                anchor: Duration::ZERO,
                frozen: false,
            }),
        }
    }

    /// The time-scale factor.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Scaled time elapsed since the emulator started.
    pub fn elapsed(&self) -> Duration {
        self.origin.elapsed().mul_f64(self.scale)
    }

    /// Current data time, truncated to milliseconds (HubSpot's precision).
    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = self.elapsed();
        let dc = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let t = if dc.frozen {
            dc.base
        } else {
            dc.base
                + chrono::Duration::from_std(elapsed.saturating_sub(dc.anchor)).unwrap_or_default()
        };
        DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
    }

    /// Set the data time (keeps running unless frozen).
    pub fn set(&self, t: DateTime<Utc>) {
        let elapsed = self.elapsed();
        let mut dc = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        dc.base = t;
        dc.anchor = elapsed;
    }

    /// Move the data time forward.
    pub fn advance(&self, d: chrono::Duration) {
        let now = self.now();
        self.set(now + d);
    }

    /// Freeze or unfreeze the data clock.
    pub fn freeze(&self, frozen: bool) {
        let now = self.now();
        let elapsed = self.elapsed();
        let mut dc = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        dc.base = now;
        dc.anchor = elapsed;
        dc.frozen = frozen;
    }

    /// Whether the data clock is frozen.
    pub fn is_frozen(&self) -> bool {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).frozen
    }

    /// Sleep for `d` of scaled time.
    pub async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d.div_f64(self.scale)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_does_not_move_and_can_be_advanced() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .to_utc();
        let c = Clock::new(1.0, Some(start));
        c.freeze(true);
        let a = c.now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.now(), a);
        c.advance(chrono::Duration::seconds(10));
        assert_eq!(c.now(), a + chrono::Duration::seconds(10));
    }

    #[test]
    fn scaled_elapsed_runs_faster() {
        let c = Clock::new(100.0, None);
        std::thread::sleep(Duration::from_millis(20));
        assert!(c.elapsed() >= Duration::from_secs(2));
    }
}
