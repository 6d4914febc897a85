//! Seeded choices: the RNG, edge-case quotas (a rate with a floor of one, so
//! small data sets still contain every edge case), subsets, the monotonic
//! timeline of write times, and money helpers.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rust_decimal::{Decimal, RoundingStrategy};

/// The generator's RNG: ChaCha8, portable and reproducible across platforms.
pub type Rng = rand_chacha::ChaCha8Rng;

/// The RNG for `seed`.
pub fn rng(seed: u64) -> Rng {
    Rng::seed_from_u64(seed)
}

/// How many of `n` records get an edge case of `rate` (0–1): the rounded
/// share, but at least one when `n > 0`, at most `n`.
pub fn quota(n: usize, rate: f64) -> usize {
    if n == 0 {
        return 0;
    }
    // Rates are small constants and n ≤ MAX_COUNT: exact enough in f64.
    let share = (n as f64 * rate).round() as usize;
    share.clamp(1, n)
}

/// `k` distinct positions of `pool`, in random order.
pub fn sample(rng: &mut Rng, pool: &[usize], k: usize) -> Vec<usize> {
    let mut v = pool.to_vec();
    v.shuffle(rng);
    v.truncate(k);
    v
}

/// Flags for `n` records: `true` at `quota(n, rate)` random positions among
/// those `eligible` allows (never more than there are eligible records).
pub fn flags(rng: &mut Rng, n: usize, rate: f64, eligible: impl Fn(usize) -> bool) -> Vec<bool> {
    let pool: Vec<usize> = (0..n).filter(|&i| eligible(i)).collect();
    let k = quota(pool.len(), rate);
    let mut out = vec![false; n];
    for i in sample(rng, &pool, k) {
        out[i] = true;
    }
    out
}

/// Assign one of several mutually exclusive categories to each of `n`
/// records: category `c` gets `quota(n, rates[c])` records (in order, while
/// records remain), the rest get `default`. Returned in random order.
pub fn categories<T: Copy>(rng: &mut Rng, n: usize, rates: &[(T, f64)], default: T) -> Vec<T> {
    let mut out = Vec::with_capacity(n);
    for &(cat, rate) in rates {
        let k = quota(n, rate).min(n - out.len());
        out.extend(std::iter::repeat_n(cat, k));
    }
    out.resize(n, default);
    out.shuffle(rng);
    out
}

/// Write times: evenly spread from 90 days before the anchor to one hour
/// before it, in creation order, so ids and timestamps grow together.
pub struct Timeline {
    start: DateTime<Utc>,
    step_ms: i64,
    end: DateTime<Utc>,
    n: i64,
}

impl Timeline {
    /// A timeline for about `writes` writes ending before `anchor`.
    pub fn new(anchor: DateTime<Utc>, writes: usize) -> Self {
        let start = anchor - Duration::days(90);
        let end = anchor - Duration::hours(1);
        let span = (end - start).num_milliseconds();
        let step_ms = (span / writes.max(1) as i64).max(1);
        Timeline {
            start,
            step_ms,
            end,
            n: 0,
        }
    }

    /// The next write time (never after the end of the timeline).
    pub fn next(&mut self) -> DateTime<Utc> {
        let t = self.start + Duration::milliseconds(self.n.saturating_mul(self.step_ms));
        self.n += 1;
        t.min(self.end)
    }
}

/// `d` shifted by `days` (negative: earlier).
pub fn shift(d: NaiveDate, days: i64) -> NaiveDate {
    d.checked_add_signed(Duration::days(days)).unwrap_or(d)
}

/// `YYYY-MM-DD`.
pub fn date_str(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A price with two decimals between `lo` and `hi` whole units.
pub fn price(rng: &mut Rng, lo: i64, hi: i64) -> Decimal {
    Decimal::new(rng.random_range(lo * 100..=hi * 100), 2)
}

/// Round to cents, half away from zero (what QuickBooks does).
pub fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A money amount with exactly two decimals, as text.
pub fn money_text(d: Decimal) -> String {
    let mut d = cents(d);
    d.rescale(2);
    d.to_string()
}

/// A money amount as an exact JSON number with two decimals (serde_json's
/// `arbitrary_precision` keeps the digits).
pub fn money_json(d: Decimal) -> serde_json::Value {
    number_json(&money_text(d))
}

/// An exact JSON number from its decimal text.
pub fn number_json(text: &str) -> serde_json::Value {
    // The text comes from a Decimal, so it is always a valid JSON number.
    serde_json::from_str::<serde_json::Number>(text)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_has_a_floor_of_one_and_a_ceiling_of_n() {
        assert_eq!(quota(0, 0.5), 0);
        assert_eq!(quota(3, 0.01), 1);
        assert_eq!(quota(1000, 0.03), 30);
        assert_eq!(quota(2, 0.9), 2);
    }

    #[test]
    fn categories_fill_quotas_then_default() {
        let mut r = rng(1);
        let v = categories(&mut r, 10, &[('a', 0.2), ('b', 0.01)], 'z');
        assert_eq!(v.iter().filter(|&&c| c == 'a').count(), 2);
        assert_eq!(v.iter().filter(|&&c| c == 'b').count(), 1);
        assert_eq!(v.iter().filter(|&&c| c == 'z').count(), 7);
        let few = categories(&mut r, 1, &[('a', 0.2), ('b', 0.01)], 'z');
        assert_eq!(few, vec!['a']);
    }

    #[test]
    fn flags_respect_eligibility() {
        let mut r = rng(2);
        let f = flags(&mut r, 100, 0.1, |i| i % 2 == 0);
        assert_eq!(f.iter().filter(|&&b| b).count(), 5);
        assert!(f.iter().enumerate().all(|(i, &b)| !b || i % 2 == 0));
    }

    #[test]
    fn timeline_is_monotonic_and_ends_before_the_anchor() {
        let anchor = DateTime::parse_from_rfc3339("2026-03-02T00:00:00Z")
            .unwrap()
            .to_utc();
        let mut t = Timeline::new(anchor, 3);
        let times: Vec<_> = (0..6).map(|_| t.next()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(times.iter().all(|x| *x < anchor));
    }

    #[test]
    fn money_text_has_two_decimals() {
        assert_eq!(money_text(Decimal::new(5, 0)), "5.00");
        assert_eq!(money_text(Decimal::new(12345, 3)), "12.35");
        assert_eq!(money_json(Decimal::new(1, 1)).to_string(), "0.10");
    }
}
