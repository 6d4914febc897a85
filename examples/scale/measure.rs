//! Measuring: process and per-thread CPU time, wall time, request counts per
//! endpoint against their minimum, and the rate-limit floor per limit class.

use crate::emu::{EmuCounts, THREAD_PREFIX};
use std::time::{Duration, Instant};

#[repr(C)]
struct Timespec {
    tv_sec: i64,
    tv_nsec: i64,
}

unsafe extern "C" {
    fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
}

const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;

/// CPU time of the whole process (every thread, including exited ones).
pub fn process_cpu() -> Duration {
    let mut ts = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant
    // every Linux kernel supports.
    let rc = unsafe { clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// CPU time of the emulator's threads (names starting with `emu-`), from
/// `/proc/self/task/*/schedstat` (nanoseconds on CPU).
pub fn emulator_cpu() -> Duration {
    let mut total = 0u64;
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    for t in dir.flatten() {
        let p = t.path();
        let name = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        if !name.trim_end().starts_with(THREAD_PREFIX) {
            continue;
        }
        let stat = std::fs::read_to_string(p.join("schedstat")).unwrap_or_default();
        total += stat
            .split_whitespace()
            .next()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Duration::from_nanos(total)
}

/// A section's wall and CPU time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing {
    /// Wall time.
    pub wall: Duration,
    /// CPU time of everything but the emulator (the client: hsqb's code).
    pub client_cpu: Duration,
    /// CPU time of the emulator threads.
    pub emulator_cpu: Duration,
}

/// Time `f` (an async section run on the caller's runtime).
pub async fn timed<T>(f: impl std::future::Future<Output = T>) -> (T, Timing) {
    let (p0, e0, w0) = (process_cpu(), emulator_cpu(), Instant::now());
    let out = f.await;
    let wall = w0.elapsed();
    let (p1, e1) = (process_cpu(), emulator_cpu());
    let emu = e1.saturating_sub(e0);
    (
        out,
        Timing {
            wall,
            client_cpu: p1.saturating_sub(p0).saturating_sub(emu),
            emulator_cpu: emu,
        },
    )
}

/// Requests per endpoint made during a section (emulator counts after minus
/// before).
pub fn delta(before: &EmuCounts, after: &EmuCounts) -> EmuCounts {
    after
        .iter()
        .filter_map(|(k, (n, t))| {
            let (n0, t0) = before.get(k).copied().unwrap_or((0, 0));
            (n > &n0).then(|| (k.clone(), (n - n0, t - t0)))
        })
        .collect()
}

/// The minimum number of requests for the work of one endpoint.
#[derive(Debug, Clone)]
pub struct Minimum {
    /// `hubspot` / `quickbooks`.
    pub api: &'static str,
    /// HTTP method of the endpoint.
    pub method: &'static str,
    /// How the endpoint's route ends (`/query`, `/batch/upsert`, …).
    pub suffix: &'static str,
    /// Minimum requests.
    pub min: u64,
    /// How the minimum is derived.
    pub why: String,
}

impl Minimum {
    /// A minimum for `method … suffix` on `api`.
    pub fn new(
        api: &'static str,
        method: &'static str,
        suffix: &'static str,
        min: u64,
        why: impl Into<String>,
    ) -> Self {
        Minimum {
            api,
            method,
            suffix,
            min,
            why: why.into(),
        }
    }

    fn matches(&self, api: &str, label: &str) -> bool {
        let path = label.split('?').next().unwrap_or(label);
        self.api == api && label.starts_with(self.method) && path.ends_with(self.suffix)
    }
}

/// A rate-limit class.
#[derive(Debug, Clone, Copy)]
pub struct LimitClass {
    /// Name.
    pub name: &'static str,
    /// API it applies to.
    pub api: &'static str,
    /// Requests allowed per period.
    pub count: u32,
    /// The period (unscaled).
    pub period: Duration,
    /// Which endpoints count against it.
    pub applies: fn(&str) -> bool,
}

fn not_oauth(label: &str) -> bool {
    !label.contains("/oauth")
}

fn hs_burst(label: &str) -> bool {
    not_oauth(label) && !label.ends_with("/search")
}

fn hs_search(label: &str) -> bool {
    label.ends_with("/search")
}

fn qbo_batch(label: &str) -> bool {
    label.ends_with("/batch")
}

/// The real limits (HubSpot Professional private app, QBO production).
pub fn real_limits() -> Vec<LimitClass> {
    vec![
        LimitClass {
            name: "HubSpot burst 190/10 s",
            api: "hubspot",
            count: 190,
            period: Duration::from_secs(10),
            applies: hs_burst,
        },
        LimitClass {
            name: "HubSpot search 4/s",
            api: "hubspot",
            count: 4,
            period: Duration::from_secs(1),
            applies: hs_search,
        },
        LimitClass {
            name: "QBO 500/min",
            api: "quickbooks",
            count: 500,
            period: Duration::from_secs(60),
            applies: not_oauth,
        },
        LimitClass {
            name: "QBO batch 40/min",
            api: "quickbooks",
            count: 40,
            period: Duration::from_secs(60),
            applies: qbo_batch,
        },
    ]
}

/// Floors of one class for `n` requests: the steady-rate floor (n ÷ rate) and
/// the sliding-window floor ((⌈n/count⌉ − 1) × period: the first window's
/// requests may all go at once).
pub fn floors(class: &LimitClass, n: u64) -> (f64, f64) {
    let period = class.period.as_secs_f64();
    let rate = n as f64 * period / class.count as f64;
    let windows = n.div_ceil(class.count as u64).saturating_sub(1);
    (rate, windows as f64 * period)
}

/// Print a section's report; returns (requests, minimum, rate floor s,
/// window floor s) totals.
pub fn report(
    title: &str,
    counts: &EmuCounts,
    minimums: &[Minimum],
    timing: Timing,
    time_scale: f64,
    limits: Option<&[LimitClass]>,
) -> Summary {
    println!("\n### {title}\n");
    println!(
        "| api | endpoint | requests | minimum | requests/min | 429s | minimum derived from |"
    );
    println!("|---|---|---:|---:|---:|---:|---|");
    let mut total = 0;
    let mut total_min = 0;
    let mut throttled = 0;
    let mut used = vec![false; minimums.len()];
    for ((api, ep), (n, t)) in counts {
        let idx = minimums.iter().position(|m| m.matches(api, ep));
        let (min, why) = match idx {
            Some(i) if !used[i] => {
                used[i] = true;
                (minimums[i].min, minimums[i].why.clone())
            }
            Some(_) => (0, "(counted in the row above)".to_string()),
            None => (0, "not needed for this work".to_string()),
        };
        total += n;
        total_min += min;
        throttled += t;
        println!(
            "| {api} | `{ep}` | {n} | {min} | {} | {t} | {why} |",
            ratio(*n as f64, min as f64)
        );
    }
    for (i, m) in minimums.iter().enumerate() {
        if !used[i] {
            total_min += m.min;
            println!(
                "| {} | `{} …{}` | 0 | {} | – | 0 | {} |",
                m.api, m.method, m.suffix, m.min, m.why
            );
        }
    }
    println!(
        "| **total** | | **{total}** | **{total_min}** | **{}** | {throttled} | |",
        ratio(total as f64, total_min as f64)
    );
    let wall = timing.wall.as_secs_f64() * time_scale;
    let mut summary = Summary {
        requests: total,
        minimum: total_min,
        wall_unscaled: wall,
        client_cpu: timing.client_cpu,
        emulator_cpu: timing.emulator_cpu,
        rate_floor: 0.0,
        window_floor: 0.0,
        binding: String::new(),
        throttled,
    };
    if let Some(classes) = limits {
        println!();
        println!("| limit class | requests | steady-rate floor | sliding-window floor |");
        println!("|---|---:|---:|---:|");
        for c in classes {
            let n: u64 = counts
                .iter()
                .filter(|((api, ep), _)| api == c.api && (c.applies)(ep))
                .map(|(_, (n, _))| *n)
                .sum();
            let (rate, window) = floors(c, n);
            println!("| {} | {n} | {rate:.1} s | {window:.1} s |", c.name);
            if rate > summary.rate_floor {
                summary.rate_floor = rate;
                summary.binding = c.name.to_string();
            }
            summary.window_floor = summary.window_floor.max(window);
        }
    }
    println!();
    println!(
        "wall {wall:.2} s unscaled ({:.2} s real at time scale {time_scale}); client CPU {:.3} s, emulator CPU {:.3} s",
        timing.wall.as_secs_f64(),
        timing.client_cpu.as_secs_f64(),
        timing.emulator_cpu.as_secs_f64()
    );
    if limits.is_some() {
        println!(
            "floor (max over classes): steady-rate {:.1} s ({}), sliding-window {:.1} s; wall/rate-floor {}, wall/window-floor {}",
            summary.rate_floor,
            summary.binding,
            summary.window_floor,
            ratio(wall, summary.rate_floor),
            ratio(wall, summary.window_floor)
        );
    }
    summary
}

/// Totals of one report.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Requests made.
    pub requests: u64,
    /// Minimum requests.
    pub minimum: u64,
    /// Wall time, unscaled seconds.
    pub wall_unscaled: f64,
    /// Client CPU.
    pub client_cpu: Duration,
    /// Emulator CPU.
    pub emulator_cpu: Duration,
    /// Steady-rate floor (s).
    pub rate_floor: f64,
    /// Sliding-window floor (s).
    pub window_floor: f64,
    /// The class that sets the rate floor.
    pub binding: String,
    /// 429 answers.
    pub throttled: u64,
}

/// `a/b` with two decimals, or `–`.
pub fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else {
        "–".into()
    }
}
