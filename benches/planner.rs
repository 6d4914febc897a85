//! Planner benchmarks: `plan()` on 1k, 10k and 100k records per side, and the
//! text / JSON renderers on the resulting plans. After the timed runs it prints
//! an allocation table (allocations, bytes, peak live heap per call) measured
//! with a counting global allocator, and the peak memory of planning
//! 100k × 100k.
//!
//! ```sh
//! cargo bench --bench planner                 # everything (a few minutes on 2 cores)
//! cargo bench --bench planner -- 10000        # only the 10k cases
//! HSQB_BENCH_SIZES=1000,10000 cargo bench --bench planner
//! ```
//!
//! Same-process baseline: `clone_inputs` deep-copies the snapshots the planner
//! reads (every record, every property string), the cheapest thing that
//! touches all input; the planner's time is reported as a multiple of it.

mod common;

use common::alloc::{self, AllocStats, Counting};
use common::planner_data::{self, Inputs, Mix};
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: Counting = Counting;

fn sizes() -> Vec<usize> {
    std::env::var("HSQB_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

fn text_options() -> hsqb::render::TextOptions {
    hsqb::render::TextOptions {
        color: false,
        ..Default::default()
    }
}

fn clone_inputs(i: &Inputs) -> usize {
    let h = i.hubspot.clone();
    let q = i.quickbooks.clone();
    h.objects.len() + q.len()
}

fn configure(
    c: &mut Criterion,
    n: usize,
) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(format!("planner/{n}"));
    // Keep a full run to a few minutes on 2 cores: few samples for the big
    // cases (criterion's minimum is 10), short warm-up and measurement.
    g.sample_size(if n >= 100_000 {
        10
    } else if n >= 10_000 {
        20
    } else {
        50
    });
    g.warm_up_time(Duration::from_millis(if n >= 100_000 { 500 } else { 300 }));
    g.measurement_time(Duration::from_secs(if n >= 100_000 { 8 } else { 3 }));
    g.throughput(Throughput::Elements(n as u64));
    g
}

fn bench_size(c: &mut Criterion, n: usize) {
    let steady = planner_data::build(n, Mix::Steady);
    let mixed = planner_data::build(n, Mix::Mixed);
    let mixed_plan = mixed.plan();
    let mut g = configure(c, n);
    g.bench_function(BenchmarkId::new("clone_inputs", n), |b| {
        b.iter(|| black_box(clone_inputs(&steady)))
    });
    g.bench_function(BenchmarkId::new("plan_steady", n), |b| {
        b.iter(|| black_box(steady.plan()))
    });
    g.bench_function(BenchmarkId::new("plan_mixed", n), |b| {
        b.iter(|| black_box(mixed.plan()))
    });
    g.bench_function(BenchmarkId::new("seal_mixed", n), |b| {
        b.iter_batched(
            || mixed_plan.clone(),
            |mut p| {
                p.seal();
                black_box(p)
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function(BenchmarkId::new("render_text", n), |b| {
        b.iter(|| black_box(hsqb::render::text(&mixed_plan, &text_options())))
    });
    g.bench_function(BenchmarkId::new("render_json", n), |b| {
        b.iter(|| black_box(hsqb::render::json(&mixed_plan)))
    });
    g.bench_function(BenchmarkId::new("plan_file_roundtrip", n), |b| {
        b.iter_batched(
            || mixed_plan.to_file_json(),
            |s| black_box(hsqb::plan::Plan::from_file_json(&s).map(|p| p.changes.len())),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

struct Row {
    case: String,
    n: usize,
    time: Duration,
    alloc: AllocStats,
    out: String,
}

fn one<T>(case: &str, n: usize, f: impl FnOnce() -> T, describe: impl FnOnce(&T) -> String) -> Row {
    let start = Instant::now();
    let (out, alloc) = alloc::measure(f);
    let time = start.elapsed();
    let out_s = describe(&out);
    drop(out);
    Row {
        case: case.to_string(),
        n,
        time,
        alloc,
        out: out_s,
    }
}

/// One measured call of each case, with allocation counts.
fn allocation_table(sizes: &[usize]) {
    let mut rows = Vec::new();
    let mut peak_line = None;
    alloc::enable();
    for &n in sizes {
        let live_before = alloc::live();
        let steady = planner_data::build(n, Mix::Steady);
        let input_bytes = (alloc::live() - live_before).max(0);
        let mixed = planner_data::build(n, Mix::Mixed);
        let base = one(
            "clone_inputs",
            n,
            || clone_inputs(&steady),
            |_| String::new(),
        );
        let s = one("plan_steady", n, || steady.plan(), summary);
        let m = one("plan_mixed", n, || mixed.plan(), summary);
        let plan = mixed.plan();
        let t = one(
            "render_text",
            n,
            || hsqb::render::text(&plan, &text_options()),
            |s| format!("{} bytes", s.len()),
        );
        let j = one(
            "render_json",
            n,
            || hsqb::render::json(&plan),
            |s| format!("{} bytes", s.len()),
        );
        if n == *sizes.iter().max().unwrap_or(&n) {
            peak_line = Some(format!(
                "peak memory, planning {n} × {n} (steady): inputs {} held, planner peak {} above them; mixed: planner peak {}; process VmHWM {}",
                alloc::mib(input_bytes as u64),
                alloc::mib(s.alloc.peak_extra as u64),
                alloc::mib(m.alloc.peak_extra as u64),
                alloc::vm_hwm()
                    .map(alloc::mib)
                    .unwrap_or_else(|| "n/a".into())
            ));
        }
        let base_t = base.time;
        for r in [base, s, m, t, j] {
            let ratio = r.time.as_secs_f64() / base_t.as_secs_f64().max(1e-9);
            rows.push((r, ratio));
        }
    }
    println!();
    println!("## Allocation table (one call each, counting allocator)");
    println!();
    println!(
        "| case | records/side | time | × clone_inputs | allocations | allocs/record | bytes allocated | peak live above start | result |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (r, ratio) in rows {
        println!(
            "| {} | {} | {:.1} ms | {:.1} | {} | {:.1} | {} | {} | {} |",
            r.case,
            r.n,
            r.time.as_secs_f64() * 1000.0,
            ratio,
            r.alloc.allocs,
            r.alloc.allocs as f64 / r.n as f64,
            alloc::mib(r.alloc.bytes),
            alloc::mib(r.alloc.peak_extra as u64),
            r.out
        );
    }
    if let Some(l) = peak_line {
        println!();
        println!("{l}");
    }
}

fn summary(p: &hsqb::plan::Plan) -> String {
    format!(
        "{} create, {} update, {} link, {} diagnostics",
        p.summary.create,
        p.summary.update,
        p.summary.link,
        p.diagnostics.len()
    )
}

fn main() {
    let sizes = sizes();
    // `cargo bench -- <filter>`: criterion's filter; also restrict the
    // allocation table to sizes named in it.
    let mut c = Criterion::default().configure_from_args();
    for &n in &sizes {
        bench_size(&mut c, n);
    }
    c.final_summary();
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let table_sizes: Vec<usize> = sizes
        .iter()
        .copied()
        .filter(|n| filter.is_empty() || filter.iter().any(|f| f.contains(&n.to_string())))
        .collect();
    if std::env::args().any(|a| a == "--bench") && !table_sizes.is_empty() {
        allocation_table(&table_sizes);
    }
}
