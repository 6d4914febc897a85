//! A counting global allocator for benchmarks: number of allocations, bytes
//! allocated, and the peak of live heap bytes, so a benchmark can report what a
//! piece of work allocates and how much memory it holds at its worst.
//!
//! The counters are relaxed atomics: exact for single-threaded sections and
//! good to a few allocations when other threads run concurrently.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicU64, Ordering};

/// Wraps the system allocator and counts.
pub struct Counting;

/// Counting is off by default so timed runs pay one relaxed load per
/// allocation, not four read-modify-writes; [`measure`] turns it on.
static ENABLED: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn grew(by: usize) {
    let by = by as isize;
    let live = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() && ENABLED.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() && ENABLED.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        if ENABLED.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() && ENABLED.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            if new_size > layout.size() {
                BYTES.fetch_add((new_size - layout.size()) as u64, Ordering::Relaxed);
                grew(new_size - layout.size());
            } else {
                LIVE.fetch_sub((layout.size() - new_size) as isize, Ordering::Relaxed);
            }
        }
        p
    }
}

/// What a measured section allocated.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllocStats {
    /// Allocation calls (realloc counts as one).
    pub allocs: u64,
    /// Bytes requested.
    pub bytes: u64,
    /// Peak live heap during the section, above the live heap at its start.
    pub peak_extra: usize,
    /// Live heap at the end of the section, above the live heap at its start
    /// (what the section's result holds).
    pub retained: isize,
}

/// Start counting (for the rest of the process). Live bytes count from here:
/// memory allocated before and freed after shows as a negative delta, so
/// measure sections whose inputs were built after this call.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Live heap bytes now (counted since [`enable`]).
pub fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Run `f` and report what it allocated.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, AllocStats) {
    enable();
    let a0 = ALLOCS.load(Ordering::Relaxed);
    let b0 = BYTES.load(Ordering::Relaxed);
    let l0 = LIVE.load(Ordering::Relaxed);
    PEAK.store(l0, Ordering::Relaxed);
    let out = f();
    let l1 = LIVE.load(Ordering::Relaxed);
    let stats = AllocStats {
        allocs: ALLOCS.load(Ordering::Relaxed) - a0,
        bytes: BYTES.load(Ordering::Relaxed) - b0,
        peak_extra: (PEAK.load(Ordering::Relaxed) - l0).max(0) as usize,
        retained: l1 - l0,
    };
    (out, stats)
}

/// The process's peak resident set (`VmHWM`), in bytes, when readable.
pub fn vm_hwm() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
