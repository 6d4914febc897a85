//! Scale harness: full scenarios against the in-process emulator, printing per
//! endpoint the requests made against the minimum the page and batch sizes
//! allow, the wall time against the rate-limit floor, and CPU time. Not part of
//! the user CLI. Results and method: `BENCHMARKS.md`.
//!
//! ```sh
//! cargo run --release --example scale                       # every scenario, default sizes
//! cargo run --release --example scale -- qbo-to-hubspot --records 10000 --time-scale 1
//! cargo run --release --example scale -- hubspot-to-qbo --records 1000
//! cargo run --release --example scale -- steady --records 100000 --repeat 3
//! ```
//!
//! Scenarios:
//! - `qbo-to-hubspot`: N QBO customers → an empty HubSpot portal (full sync:
//!   plan + apply) under the real rate limits.
//! - `hubspot-to-qbo`: N HubSpot contacts → QBO customers (the slow direction:
//!   QBO batches of 30 under 500 requests and 40 batches per minute).
//! - `steady`: N linked, equal pairs per side, no client limits: the full
//!   refresh plan against the download floor (the same pages fetched and parsed
//!   by a minimal loop), then a no-change incremental run (requests and CPU).
//!
//! `--time-scale S` runs the emulator's clock S× faster and divides the
//! clients' limit periods by S; wall and floor are reported unscaled (real
//! seconds × S). Latency and CPU are not scaled, so a large S overstates wall
//! time: use it only where the rate limits, not the work, bind.

mod client;
mod emu;
mod measure;

use client::{ClientLimits, Run};
use emu::Emu;
use hsqb::emulator::Limits;
use hsqb::refresh::RefreshRequest;
use measure::{Minimum, Summary, delta, real_limits, report, timed};

#[derive(Debug, Clone)]
struct Args {
    scenario: String,
    records: Option<usize>,
    time_scale: f64,
    repeat: usize,
}

fn parse_args() -> Args {
    let mut a = Args {
        scenario: "all".into(),
        records: None,
        time_scale: 1.0,
        repeat: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        match x.as_str() {
            "--records" => a.records = it.next().and_then(|v| v.parse().ok()),
            "--time-scale" => a.time_scale = it.next().and_then(|v| v.parse().ok()).unwrap_or(1.0),
            "--repeat" => a.repeat = it.next().and_then(|v| v.parse().ok()).unwrap_or(3).max(1),
            "--bench" => {}
            s if !s.starts_with('-') => a.scenario = s.to_string(),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(64);
            }
        }
    }
    a
}

fn runtime() -> tokio::runtime::Runtime {
    // The same runtime the CLI uses: two workers.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("hsqb-worker")
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
}

fn main() {
    let args = parse_args();
    hsqb::http::install_crypto_provider();
    machine();
    let rt = runtime();
    let mut results: Vec<(String, Summary)> = Vec::new();
    let all = args.scenario == "all";
    if all || args.scenario == "qbo-to-hubspot" {
        let n = args.records.unwrap_or(10_000);
        results.push((
            format!("{n} QBO customers → empty HubSpot"),
            rt.block_on(qbo_to_hubspot(n, args.time_scale)),
        ));
    }
    if all || args.scenario == "hubspot-to-qbo" {
        let n = args.records.unwrap_or(1_000);
        results.push((
            format!("{n} HubSpot contacts → QBO"),
            rt.block_on(hubspot_to_qbo(n, args.time_scale)),
        ));
    }
    if all || args.scenario == "steady" {
        let n = args.records.unwrap_or(100_000);
        results.extend(rt.block_on(steady(n, args.repeat)));
    }
    if results.is_empty() {
        eprintln!(
            "unknown scenario {}; use qbo-to-hubspot, hubspot-to-qbo, steady or all",
            args.scenario
        );
        std::process::exit(64);
    }
    println!("\n## Summary\n");
    println!(
        "| scenario | requests | minimum | requests/minimum | 429s | wall (unscaled) | floor | wall/floor | client CPU | emulator CPU |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, s) in &results {
        println!(
            "| {name} | {} | {} | {} | {} | {:.2} s | {} | {} | {:.3} s | {:.3} s |",
            s.requests,
            s.minimum,
            measure::ratio(s.requests as f64, s.minimum as f64),
            s.throttled,
            s.wall_unscaled,
            if s.rate_floor > 0.0 {
                format!("{:.1} s ({})", s.rate_floor, s.binding)
            } else {
                "–".into()
            },
            measure::ratio(s.wall_unscaled, s.rate_floor),
            s.client_cpu.as_secs_f64(),
            s.emulator_cpu.as_secs_f64()
        );
    }
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| s.lines().next().map(|l| l.to_string()))
        .unwrap_or_default();
    println!(
        "# hsqb scale harness\n\nmachine: {} CPUs ({cpu}), {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        mem.split_whitespace().skip(1).collect::<Vec<_>>().join(" ")
    );
}

fn pages(n: usize, size: usize) -> u64 {
    // HubSpot says when there is no next page: ⌈n/size⌉ (at least one).
    n.div_ceil(size).max(1) as u64
}

fn qbo_pages(n: usize) -> u64 {
    // QBO has no "next" marker: read one by one, pages stop at the first
    // short page, ⌊n/1000⌋ + 1. hsqb reads a full first page, a COUNT(*), then
    // the rest concurrently: the same number when n is a multiple of 1000,
    // one more otherwise (the price of concurrency), which the table shows.
    (n / 1000 + 1) as u64
}

fn state_file(dir: &tempfile::TempDir) -> std::path::PathBuf {
    dir.path().join("state.json")
}

/// N QBO customers → an empty HubSpot portal, full sync under real limits.
async fn qbo_to_hubspot(n: usize, scale: f64) -> Summary {
    println!(
        "\n## Scenario: {n} QBO customers → empty HubSpot (plan + apply, real limits, time scale {scale})"
    );
    let emu = Emu::start(Limits::default(), scale);
    let ids = emu.seed_customers(0..n);
    assert_eq!(ids.len(), n);
    let m = client::manifest(&emu, "quickbooks_to_hubspot");
    let conns = client::connections(&emu, ClientLimits::Real(scale));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    emu.reset_counts();
    let before = emu.counts();
    let (run, timing): (Run, _) = timed(client::run(
        &m,
        &conns,
        &state_file(&dir),
        RefreshRequest::Full,
        true,
    ))
    .await;
    let counts = delta(&before, &emu.counts());
    let created = emu
        .emulator
        .shared()
        .hubspot
        .lock()
        .map(|h| h.count("contacts"))
        .unwrap_or(0);
    let failed = run.report.as_ref().map_or(0, |r| r.failed());
    println!(
        "\nplan: {} to create; apply: {failed} failed; HubSpot now holds {created} contacts",
        run.plan.summary.create
    );
    let minimums: Vec<Minimum> = fixed_reads()
        .into_iter()
        .chain(link_property_creation())
        .chain([
            Minimum::new(
                "quickbooks",
                "GET",
                "/query",
                qbo_pages(n),
                format!("{n} customers, 1000 per page, until a short page"),
            ),
            Minimum::new(
                "hubspot",
                "GET",
                "/objects/{objectType}",
                2,
                "live and archived contacts: one empty page each",
            ),
            Minimum::new(
                "hubspot",
                "POST",
                "/batch/upsert",
                pages(n, 100),
                format!("{n} contacts, 100 per batch"),
            ),
        ])
        .collect();
    print_steps(&run, scale);
    print_client_stats(&conns);
    let s = report(
        "Requests and floor",
        &counts,
        &minimums,
        timing,
        scale,
        Some(&real_limits()),
    );
    emu.stop();
    s
}

/// N HubSpot contacts → QBO customers, the slow direction.
async fn hubspot_to_qbo(n: usize, scale: f64) -> Summary {
    println!(
        "\n## Scenario: {n} HubSpot contacts → QBO customers (plan + apply, real limits, time scale {scale})"
    );
    let emu = Emu::start(Limits::default(), scale);
    emu.seed_contacts(0..n, None);
    let m = client::manifest(&emu, "hubspot_to_quickbooks");
    let conns = client::connections(&emu, ClientLimits::Real(scale));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    emu.reset_counts();
    let before = emu.counts();
    let (run, timing) = timed(client::run(
        &m,
        &conns,
        &state_file(&dir),
        RefreshRequest::Full,
        true,
    ))
    .await;
    let counts = delta(&before, &emu.counts());
    let created = emu
        .emulator
        .shared()
        .quickbooks
        .lock()
        .map(|q| q.count(&emu.realm, "Customer"))
        .unwrap_or(0);
    let failed = run.report.as_ref().map_or(0, |r| r.failed());
    println!(
        "\nplan: {} to create; apply: {failed} failed; QBO now holds {created} customers",
        run.plan.summary.create
    );
    let minimums: Vec<Minimum> = fixed_reads()
        .into_iter()
        .chain(link_property_creation())
        .chain([
            Minimum::new(
                "quickbooks",
                "GET",
                "/query",
                3,
                "customers (empty), vendors and employees (display-name collisions): one page each",
            ),
            Minimum::new(
                "quickbooks",
                "POST",
                "/batch",
                n.div_ceil(30) as u64,
                format!("{n} creates, 30 per batch"),
            ),
            Minimum::new(
                "hubspot",
                "GET",
                "/objects/{objectType}",
                pages(n, 100) + 1,
                format!("{n} live contacts, 100 per page, and one empty archived page"),
            ),
            Minimum::new(
                "hubspot",
                "POST",
                "/batch/update",
                pages(n, 100),
                format!("write {n} new QBO Ids back, 100 per batch"),
            ),
        ])
        .collect();
    print_steps(&run, scale);
    print_client_stats(&conns);
    let s = report(
        "Requests and floor",
        &counts,
        &minimums,
        timing,
        scale,
        Some(&real_limits()),
    );
    emu.stop();
    s
}

/// N linked, equal pairs: full refresh plan vs the download floor, then a
/// no-change incremental run.
async fn steady(n: usize, repeat: usize) -> Vec<(String, Summary)> {
    println!(
        "\n## Scenario: {n} linked pairs per side, no rate limits (full-refresh plan, then no-change incremental runs)"
    );
    let emu = Emu::start(Limits::unlimited(), 1.0);
    let seed_start = std::time::Instant::now();
    emu.create_link_property();
    let ids = emu.seed_customers(0..n);
    emu.seed_contacts(0..n, Some(&ids));
    println!(
        "seeded {n} + {n} records in {:.1} s",
        seed_start.elapsed().as_secs_f64()
    );
    let m = client::manifest(&emu, "two_way");
    let conns = client::connections(&emu, ClientLimits::Unlimited);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let props = client::contact_properties(&m);

    // Full-refresh plan vs downloading the same pages, alternated `repeat` times.
    let mut downloads = Vec::new();
    let mut fulls = Vec::new();
    let mut full_counts = Default::default();
    for i in 0..repeat {
        let ((records, bytes), t) = timed(client::raw_download(&emu, &props)).await;
        if i == 0 {
            println!(
                "\ndownload floor: {records} records, {:.1} MiB",
                bytes as f64 / 1048576.0
            );
        }
        downloads.push(t);
        let before = emu.counts();
        let (run, t) = timed(client::run(
            &m,
            &conns,
            &state_file(&dir),
            RefreshRequest::Full,
            false,
        ))
        .await;
        full_counts = delta(&before, &emu.counts());
        if i == 0 {
            println!(
                "full-refresh plan: {} (summary: {} create, {} update, {} link)",
                hsqb::render::summary_line(&run.plan.summary),
                run.plan.summary.create,
                run.plan.summary.update,
                run.plan.summary.link
            );
            print_steps(&run, 1.0);
        }
        fulls.push(t);
    }
    let med = |v: &mut Vec<measure::Timing>| {
        v.sort_by_key(|t| t.wall);
        v[v.len() / 2]
    };
    let dl = med(&mut downloads);
    let full = med(&mut fulls);
    let minimums_full: Vec<Minimum> = fixed_reads()
        .into_iter()
        .chain([
            Minimum::new(
                "quickbooks",
                "GET",
                "/query",
                qbo_pages(n) + 2,
                format!("{n} customers at 1000 per page until a short page, vendors, employees"),
            ),
            Minimum::new(
                "hubspot",
                "GET",
                "/objects/{objectType}",
                pages(n, 100) + 1,
                format!("{n} live contacts at 100 per page, one empty archived page"),
            ),
        ])
        .collect();
    let mut full_sum = report(
        &format!("Full-refresh plan, {n} × {n} (median of {repeat})"),
        &full_counts,
        &minimums_full,
        full,
        1.0,
        None,
    );
    println!(
        "download floor (median of {repeat}): wall {:.2} s, client CPU {:.2} s; full-refresh plan: wall {:.2} s, client CPU {:.2} s; **plan/download = {} (wall), {} (client CPU)**",
        dl.wall.as_secs_f64(),
        dl.client_cpu.as_secs_f64(),
        full.wall.as_secs_f64(),
        full.client_cpu.as_secs_f64(),
        measure::ratio(full.wall.as_secs_f64(), dl.wall.as_secs_f64()),
        measure::ratio(full.client_cpu.as_secs_f64(), dl.client_cpu.as_secs_f64()),
    );
    full_sum.rate_floor = dl.wall.as_secs_f64();
    full_sum.binding = "download floor".into();

    // The first apply records baselines and watermarks, as after a first sync.
    let (first, t) = timed(client::run(
        &m,
        &conns,
        &state_file(&dir),
        RefreshRequest::Full,
        true,
    ))
    .await;
    println!(
        "\nfirst full apply: {} ({} baselines recorded) in {:.2} s",
        hsqb::render::summary_line(&first.plan.summary),
        first.plan.state.baselines.len(),
        t.wall.as_secs_f64()
    );

    // No-change incremental runs (what a cron job does every few minutes).
    let mut incs = Vec::new();
    let mut inc_counts = Default::default();
    let mut last_run = None;
    for _ in 0..repeat {
        let before = emu.counts();
        let (run, t) = timed(client::run(
            &m,
            &conns,
            &state_file(&dir),
            RefreshRequest::Auto,
            true,
        ))
        .await;
        inc_counts = delta(&before, &emu.counts());
        incs.push(t);
        last_run = Some(run);
    }
    let inc = med(&mut incs);
    if let Some(run) = &last_run {
        println!(
            "\nincremental run: {} (refresh mode {:?})",
            hsqb::render::summary_line(&run.plan.summary),
            run.plan.refresh
        );
        print_steps(run, 1.0);
    }
    let minimums_inc: Vec<Minimum> = fixed_reads()
        .into_iter()
        .chain([
            Minimum::new(
                "quickbooks",
                "GET",
                "/cdc",
                1,
                "changed customers since the watermark",
            ),
            Minimum::new(
                "quickbooks",
                "GET",
                "/query",
                2,
                "vendors and employees (display-name namespace for creates)",
            ),
            Minimum::new(
                "hubspot",
                "POST",
                "/search",
                1,
                "contacts modified since the watermark",
            ),
            Minimum::new(
                "hubspot",
                "GET",
                "/objects/{objectType}",
                1,
                "archived contacts (deletions)",
            ),
        ])
        .collect();
    let inc_sum = report(
        &format!("No-change incremental run over {n} × {n} (median of {repeat})"),
        &inc_counts,
        &minimums_inc,
        inc,
        1.0,
        None,
    );

    // One change among them: the baselines are read (the changed pair may
    // need its baseline) and rewritten with the new one.
    {
        let mut hs = emu
            .emulator
            .shared()
            .hubspot
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let id = hs.ids("contacts").into_iter().next().unwrap_or_default();
        let now = emu.now();
        hs.patch_record("contacts", &id, [("phone", "+1 555 999 9999")], now)
            .unwrap_or_else(|e| panic!("patch: {e:?}"));
    }
    let (run, t) = timed(client::run(
        &m,
        &conns,
        &state_file(&dir),
        RefreshRequest::Auto,
        true,
    ))
    .await;
    println!(
        "\none-change incremental run: {} in {:.2} s wall, {:.2} s client CPU",
        hsqb::render::summary_line(&run.plan.summary),
        t.wall.as_secs_f64(),
        t.client_cpu.as_secs_f64()
    );
    print_steps(&run, 1.0);
    emu.stop();
    vec![
        (
            format!("full-refresh plan {n} × {n} (floor = download)"),
            full_sum,
        ),
        (format!("no-change incremental run {n} × {n}"), inc_sum),
    ]
}

fn print_steps(run: &Run, scale: f64) {
    let s = &run.steps;
    println!("\n| step | wall (real) | client CPU | emulator CPU |");
    println!("|---|---:|---:|---:|");
    let mut rows = vec![
        ("load state", s.load),
        ("refresh", s.refresh),
        ("plan", s.plan),
        ("render text", s.render),
    ];
    if let Some(a) = s.apply {
        rows.push(("apply", a));
    }
    rows.push(("total", s.total()));
    for (name, t) in rows {
        println!(
            "| {name} | {:.3} s | {:.3} s | {:.3} s |",
            t.wall.as_secs_f64(),
            t.client_cpu.as_secs_f64(),
            t.emulator_cpu.as_secs_f64()
        );
    }
    if scale != 1.0 {
        println!("(real seconds; multiply wall by {scale} for unscaled time)");
    }
}

fn print_client_stats(conns: &hsqb::connect::Connections) {
    let hs = conns.hubspot.stats().total();
    let q: u64 = conns
        .quickbooks
        .values()
        .map(|c| c.stats().total().calls)
        .sum();
    let q429: u64 = conns
        .quickbooks
        .values()
        .map(|c| c.stats().total().throttled)
        .sum();
    println!(
        "\nclients counted: HubSpot {} requests ({} retries, {} × 429), QuickBooks {q} requests ({q429} × 429)",
        hs.calls, hs.retries, hs.throttled
    );
}

/// The reads every run makes once: QuickBooks preferences and company info,
/// HubSpot contact property definitions and the portal currency.
fn fixed_reads() -> Vec<Minimum> {
    vec![
        Minimum::new("quickbooks", "GET", "/preferences", 1, "read once"),
        Minimum::new("quickbooks", "GET", "/companyinfo/{id}", 1, "read once"),
        Minimum::new(
            "hubspot",
            "GET",
            "/properties/{objectType}",
            1,
            "contact property definitions",
        ),
        Minimum::new("hubspot", "GET", "/details", 1, "portal currency"),
    ]
}

/// The writes of a first run on a fresh portal: hsqb's property group and the
/// unique link property.
fn link_property_creation() -> Vec<Minimum> {
    vec![
        Minimum::new(
            "hubspot",
            "POST",
            "/groups",
            1,
            "create hsqb's property group",
        ),
        Minimum::new(
            "hubspot",
            "POST",
            "/properties/{objectType}",
            1,
            "create the link property",
        ),
    ]
}
