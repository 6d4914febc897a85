//! `hsqb emulator`: serve the emulated HubSpot and QuickBooks APIs on two
//! loopback ports until Ctrl-C, persisting in a data directory; optionally
//! fill it with generated data first.

use super::{CliError, Output, common, exit};
use crate::emulator::generate::{self, GenerateSpec};
use crate::emulator::{self as emu, Emulator, EmulatorConfig, Limits, serve_emulator};
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One-line help.
pub const ABOUT: &str = "Run the built-in HubSpot and QuickBooks emulator on local ports";

/// `--help` text.
pub const LONG_ABOUT: &str = "Serve a strict, stateful emulation of the HubSpot CRM API and the \
QuickBooks Online Accounting API on 127.0.0.1, for trying hsqb without accounts, for tests and \
for benchmarks. Both ports serve both APIs and the control endpoints under /_emulator/ \
(health, stats, faults, clock, reset); the two ports exist so that each connection in a \
manifest has its own base URL.

State lives in the --data directory (hubspot.json, quickbooks.json) and is saved after every \
write and on shutdown: a later run continues where the last one stopped. --seed loads fixture \
files only when the directory holds no state yet (examples/sandbox/ is a complete set). \
--generate fills a new directory with deterministic generated data (same spec and \
--seed-value, same data); it refuses a directory that already holds state unless --reset is \
given.

On start, stdout gets the two base URLs and the credentials the emulator accepts as \
KEY=value lines (ready for `export`); they are emulator-only test values that work nowhere \
else. Ctrl-C (SIGINT) or SIGTERM stops it cleanly.

Point hsqb at it with a manifest like:

  hubspot:
    base_url: http://127.0.0.1:4010
    token: ${HUBSPOT_TOKEN}
  quickbooks:
    emulated:
      realm_id: \"9341453050298764\"
      base_url: http://127.0.0.1:4011
      access_token: ${QUICKBOOKS_ACCESS_TOKEN}

Examples:
  hsqb emulator --data .hsqb/emulator --seed examples/sandbox
  hsqb emulator --data /tmp/big --reset --generate contacts=10000,customers=8000 --seed-value 7
  hsqb emulator --data /tmp/emu --hubspot-port 0 --quickbooks-port 0 --limits unlimited";

/// Rate-limit profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LimitsProfile {
    /// The real services' limits (HubSpot Professional, QuickBooks production).
    Real,
    /// No request-rate limits (batch sizes, page sizes and the search cap stay).
    Unlimited,
}

/// Arguments of `hsqb emulator`.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Directory where the emulated portal and companies persist.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,

    /// Fixture directory (with hubspot/ and quickbooks/ subdirectories) loaded
    /// on first start only.
    #[arg(long, value_name = "DIR")]
    pub seed: Option<PathBuf>,

    /// Port of the HubSpot base URL on 127.0.0.1 (0 picks a free port).
    #[arg(long, value_name = "PORT", default_value_t = 4010)]
    pub hubspot_port: u16,

    /// Port of the QuickBooks base URL on 127.0.0.1 (0 picks a free port).
    #[arg(long, value_name = "PORT", default_value_t = 4011)]
    pub quickbooks_port: u16,

    /// Run rate-limit windows, token lifetimes and injected delays this many
    /// times faster than real time.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub time_scale: f64,

    /// Start the data clock (record timestamps, "today") at this time
    /// (RFC 3339 or YYYY-MM-DD); default: now.
    #[arg(long, value_name = "TIME")]
    pub start_time: Option<String>,

    /// Rate limits to enforce.
    #[arg(long, value_enum, default_value_t = LimitsProfile::Real)]
    pub limits: LimitsProfile,

    /// HubSpot bearer token accepted (private app / service key).
    #[arg(long, value_name = "T", default_value = emu::DEFAULT_HUBSPOT_TOKEN)]
    pub hubspot_token: String,

    /// HubSpot OAuth client id accepted by /oauth/v1/token.
    #[arg(long, value_name = "ID", default_value = emu::DEFAULT_HUBSPOT_CLIENT_ID)]
    pub hubspot_client_id: String,

    /// HubSpot OAuth client secret accepted by /oauth/v1/token.
    #[arg(long, value_name = "S", default_value = emu::DEFAULT_HUBSPOT_CLIENT_SECRET)]
    pub hubspot_client_secret: String,

    /// HubSpot OAuth refresh token accepted by /oauth/v1/token.
    #[arg(long, value_name = "T", default_value = emu::DEFAULT_HUBSPOT_REFRESH_TOKEN)]
    pub hubspot_refresh_token: String,

    /// Static QuickBooks access token accepted (never expires).
    #[arg(long, value_name = "T", default_value = emu::DEFAULT_QBO_ACCESS_TOKEN)]
    pub quickbooks_access_token: String,

    /// QuickBooks OAuth client id.
    #[arg(long, value_name = "ID", default_value = emu::DEFAULT_QBO_CLIENT_ID)]
    pub quickbooks_client_id: String,

    /// QuickBooks OAuth client secret.
    #[arg(long, value_name = "S", default_value = emu::DEFAULT_QBO_CLIENT_SECRET)]
    pub quickbooks_client_secret: String,

    /// Initial QuickBooks refresh token (each refresh rotates it; the current
    /// one is persisted and printed on start).
    #[arg(long, value_name = "T", default_value = emu::DEFAULT_QBO_REFRESH_TOKEN)]
    pub quickbooks_refresh_token: String,

    /// A QuickBooks company (realm id) to serve; repeat for several, the
    /// first is the default [default: 9341453050298764].
    #[arg(long = "realm", value_name = "ID")]
    pub realms: Vec<String>,

    /// Fill a new data directory with generated data, e.g.
    /// contacts=1000,customers=800,products=200,items=150,deals=300,invoices=500
    /// (keys: contacts, companies, products, deals, quotes, customers, vendors,
    /// employees, items, invoices, email_overlap, sku_overlap, multicurrency,
    /// realm).
    #[arg(long, value_name = "SPEC")]
    pub generate: Option<GenerateSpec>,

    /// Seed of the generator (and of fault injection): same seed, same data.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed_value: u64,

    /// Discard the state in --data (its hubspot.json and quickbooks.json)
    /// before starting.
    #[arg(long)]
    pub reset: bool,
}

const STATE_FILES: [&str; 2] = ["hubspot.json", "quickbooks.json"];

fn has_state(dir: &Path) -> bool {
    STATE_FILES.iter().any(|f| dir.join(f).exists())
}

fn parse_start(s: &str) -> Result<DateTime<Utc>, CliError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            CliError::usage(format!("--start-time {s}: not a time"))
                .hint("use RFC 3339 (2026-03-02T09:00:00Z) or a date (2026-03-02)")
        })
}

/// Build the emulator configuration from the flags.
pub fn config(args: &EmulatorArgs) -> Result<EmulatorConfig, CliError> {
    if !(args.time_scale.is_finite() && args.time_scale > 0.0) {
        return Err(CliError::usage(format!(
            "--time-scale {}: must be a positive number",
            args.time_scale
        ))
        .hint("1 is real time, 10 runs rate-limit windows ten times faster"));
    }
    if args.hubspot_port != 0 && args.hubspot_port == args.quickbooks_port {
        return Err(CliError::usage(format!(
            "--hubspot-port and --quickbooks-port are both {}",
            args.hubspot_port
        ))
        .hint("give them different ports (or 0 for free ones)"));
    }
    let mut realms: Vec<String> = Vec::new();
    for r in &args.realms {
        if r.is_empty() || !r.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CliError::usage(format!(
                "--realm {r}: a QuickBooks realm id is digits"
            )));
        }
        if !realms.contains(r) {
            realms.push(r.clone());
        }
    }
    if realms.is_empty() {
        realms.push(emu::DEFAULT_REALM.into());
    }
    for (flag, v) in [
        ("--hubspot-token", &args.hubspot_token),
        ("--hubspot-client-id", &args.hubspot_client_id),
        ("--hubspot-client-secret", &args.hubspot_client_secret),
        ("--hubspot-refresh-token", &args.hubspot_refresh_token),
        ("--quickbooks-access-token", &args.quickbooks_access_token),
        ("--quickbooks-client-id", &args.quickbooks_client_id),
        ("--quickbooks-client-secret", &args.quickbooks_client_secret),
        ("--quickbooks-refresh-token", &args.quickbooks_refresh_token),
    ] {
        if v.is_empty() || v.chars().any(char::is_whitespace) {
            return Err(CliError::usage(format!(
                "{flag}: must be non-empty, without spaces"
            )));
        }
    }
    if let Some(spec) = &args.generate
        && let Some(r) = &spec.realm
        && !realms.contains(r)
    {
        return Err(CliError::usage(format!(
            "--generate realm={r}: the emulator does not serve that realm"
        ))
        .hint(format!("add --realm {r}")));
    }
    Ok(EmulatorConfig {
        data_dir: Some(args.data.clone()),
        seed_dir: args.seed.clone(),
        hubspot_token: args.hubspot_token.clone(),
        hubspot_client_id: args.hubspot_client_id.clone(),
        hubspot_client_secret: args.hubspot_client_secret.clone(),
        hubspot_refresh_token: args.hubspot_refresh_token.clone(),
        qbo_access_token: args.quickbooks_access_token.clone(),
        qbo_client_id: args.quickbooks_client_id.clone(),
        qbo_client_secret: args.quickbooks_client_secret.clone(),
        qbo_refresh_token: args.quickbooks_refresh_token.clone(),
        realms,
        limits: match args.limits {
            LimitsProfile::Real => Limits::default(),
            LimitsProfile::Unlimited => Limits::unlimited(),
        },
        time_scale: args.time_scale,
        start_time: args.start_time.as_deref().map(parse_start).transpose()?,
        seed: args.seed_value,
    })
}

/// Run `hsqb emulator`.
pub fn run(args: &EmulatorArgs, out: &Output) -> Result<u8, CliError> {
    let config = config(args)?;
    let data = &args.data;
    if let Some(seed) = &args.seed
        && !seed.is_dir()
    {
        return Err(CliError::usage(format!(
            "--seed {}: not a directory",
            seed.display()
        ))
        .hint("give a fixture directory with hubspot/ and quickbooks/ inside, e.g. examples/sandbox"));
    }
    let existing = has_state(data);
    if existing && args.reset {
        for f in STATE_FILES {
            let path = data.join(f);
            if path.exists() {
                std::fs::remove_file(&path)
                    .map_err(|e| CliError::new(format!("cannot remove {}: {e}", path.display())))?;
            }
        }
    } else if existing && args.generate.is_some() {
        return Err(CliError::new(format!(
            "--generate needs a data directory without emulator state, and {} has some",
            data.display()
        ))
        .hint("add --reset to discard that state, or choose another --data directory"));
    } else if existing && args.seed.is_some() {
        out.diag(&format!(
            "note: {} already holds emulator state, so --seed is not loaded again (add --reset to start over)\n",
            data.display()
        ));
    }
    let emulator = Emulator::new(config).map_err(|e| {
        CliError::new(e.to_string())
            .hint("fix the named file, or start over with --reset (or another --data directory)")
    })?;
    if let Some(spec) = &args.generate {
        out.diag(&format!("Generating {spec} (seed {})…\n", args.seed_value));
        let report = generate::populate(&emulator, spec, args.seed_value).map_err(|e| {
            CliError::new(e.to_string())
                .hint("the records written before the failure stay; add --reset to start over")
        })?;
        out.diag(&report.to_string());
    }
    let rt = common::runtime()?;
    rt.block_on(serve(emulator, args, out))
}

async fn bind(port: u16, flag: &str) -> Result<tokio::net::TcpListener, CliError> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| {
            CliError::new(format!("cannot listen on 127.0.0.1:{port}: {e}")).hint(format!(
                "choose another port with {flag} (0 picks a free one)"
            ))
        })
}

async fn serve(emulator: Emulator, args: &EmulatorArgs, out: &Output) -> Result<u8, CliError> {
    let hs = bind(args.hubspot_port, "--hubspot-port").await?;
    let qb = bind(args.quickbooks_port, "--quickbooks-port").await?;
    let addr = |l: &tokio::net::TcpListener| {
        l.local_addr()
            .map_err(|e| CliError::new(format!("cannot read the bound address: {e}")))
    };
    let (hs_addr, qb_addr) = (addr(&hs)?, addr(&qb)?);
    let refresh = emulator
        .shared()
        .quickbooks
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .current_refresh_token()
        .to_string();
    out.data(&credentials(
        args,
        &emulator.shared().config,
        hs_addr,
        qb_addr,
        &refresh,
    ));
    out.diag(&banner(
        &args.data,
        &emulator.shared().config,
        hs_addr,
        qb_addr,
    ));

    // One shutdown signal for both servers: a watch channel, because both
    // must see it even if it fires before they start waiting.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let stop = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let mut hs_task = tokio::spawn(serve_emulator(hs, emulator.clone(), stop(rx.clone())));
    let mut qb_task = tokio::spawn(serve_emulator(qb, emulator.clone(), stop(rx)));
    let outcome = tokio::select! {
        s = shutdown_signal() => s.map_err(|e| CliError::new(format!("cannot listen for signals: {e}"))),
        r = &mut hs_task => Err(ended("HubSpot", r)),
        r = &mut qb_task => Err(ended("QuickBooks", r)),
    };
    let _ = tx.send(true);
    // Graceful shutdown waits for requests in flight; a client that keeps a
    // connection busy cannot hold the process for more than a few seconds.
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        let _ = (&mut hs_task).await;
        let _ = (&mut qb_task).await;
    })
    .await;
    hs_task.abort();
    qb_task.abort();
    emulator.shared().persist_hubspot();
    emulator.shared().persist_quickbooks();
    let signal = outcome?;
    out.diag(&format!(
        "Stopped ({signal}); state saved in {}.\n",
        args.data.display()
    ));
    Ok(exit::OK)
}

fn ended(api: &str, r: Result<Result<(), emu::EmulatorError>, tokio::task::JoinError>) -> CliError {
    match r {
        Ok(Ok(())) => CliError::new(format!("the {api} server stopped unexpectedly")),
        Ok(Err(e)) => CliError::new(format!("the {api} server failed: {e}")),
        Err(e) => CliError::new(format!("the {api} server failed: {e}")),
    }
}

async fn shutdown_signal() -> std::io::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map(|_| "interrupted"),
            _ = term.recv() => Ok("terminated"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map(|_| "interrupted")
    }
}

/// Quote a value for a POSIX shell when it needs it.
fn sh(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.,:/@%+=".contains(c));
    if plain {
        v.to_string()
    } else {
        format!("'{}'", v.replace('\'', r"'\''"))
    }
}

/// The stdout block: base URLs and accepted credentials as `KEY=value`.
fn credentials(
    args: &EmulatorArgs,
    config: &EmulatorConfig,
    hs: SocketAddr,
    qb: SocketAddr,
    qbo_refresh: &str,
) -> String {
    let hs_url = format!("http://{hs}");
    let qb_url = format!("http://{qb}");
    let mut lines = vec![
        "# hsqb emulator: emulated HubSpot and QuickBooks Online APIs on 127.0.0.1.".to_string(),
        "# Emulator-only test credentials: they work against this emulator and nowhere else."
            .to_string(),
        format!("HUBSPOT_BASE_URL={}", sh(&hs_url)),
        format!("HUBSPOT_TOKEN={}", sh(&args.hubspot_token)),
        format!("HUBSPOT_CLIENT_ID={}", sh(&args.hubspot_client_id)),
        format!("HUBSPOT_CLIENT_SECRET={}", sh(&args.hubspot_client_secret)),
        format!("HUBSPOT_REFRESH_TOKEN={}", sh(&args.hubspot_refresh_token)),
        format!("QUICKBOOKS_BASE_URL={}", sh(&qb_url)),
        format!(
            "QUICKBOOKS_TOKEN_URL={}",
            sh(&format!("{qb_url}/oauth2/v1/tokens/bearer"))
        ),
        format!("QUICKBOOKS_REALM_ID={}", sh(&config.realms[0])),
    ];
    if config.realms.len() > 1 {
        lines.push(format!("QUICKBOOKS_REALM_IDS={}", config.realms.join(",")));
    }
    lines.extend([
        format!(
            "QUICKBOOKS_ACCESS_TOKEN={}",
            sh(&args.quickbooks_access_token)
        ),
        format!("QUICKBOOKS_CLIENT_ID={}", sh(&args.quickbooks_client_id)),
        format!(
            "QUICKBOOKS_CLIENT_SECRET={}",
            sh(&args.quickbooks_client_secret)
        ),
        format!("QUICKBOOKS_REFRESH_TOKEN={}", sh(qbo_refresh)),
    ]);
    lines.join("\n") + "\n"
}

/// The stderr banner: where it runs and how to point hsqb at it.
fn banner(data: &Path, config: &EmulatorConfig, hs: SocketAddr, qb: SocketAddr) -> String {
    format!(
        "hsqb emulator running (state in {data}); Ctrl-C to stop.
  HubSpot     http://{hs}
  QuickBooks  http://{qb}   realm {realm}
  Control     http://{hs}/_emulator/{{health,stats,faults,clock,reset}}
Point a manifest at it (after exporting the variables printed on stdout):
  hubspot:
    base_url: http://{hs}
    token: ${{HUBSPOT_TOKEN}}
  quickbooks:
    emulated:
      realm_id: \"{realm}\"
      base_url: http://{qb}
      access_token: ${{QUICKBOOKS_ACCESS_TOKEN}}
",
        data = data.display(),
        realm = config.realms[0],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    fn args(extra: &[&str]) -> EmulatorArgs {
        let mut v = vec!["t", "--data", "d"];
        v.extend_from_slice(extra);
        T::try_parse_from(v).unwrap().args
    }

    #[test]
    fn defaults_are_the_documented_credentials() {
        let c = config(&args(&[])).unwrap();
        assert_eq!(c.hubspot_token, emu::DEFAULT_HUBSPOT_TOKEN);
        assert_eq!(c.qbo_access_token, emu::DEFAULT_QBO_ACCESS_TOKEN);
        assert_eq!(c.qbo_refresh_token, emu::DEFAULT_QBO_REFRESH_TOKEN);
        assert_eq!(c.realms, vec![emu::DEFAULT_REALM.to_string()]);
        assert_eq!(c.limits, Limits::default());
        assert_eq!(c.data_dir.as_deref(), Some(Path::new("d")));
    }

    #[test]
    fn realms_repeat_and_the_first_is_the_default() {
        let c = config(&args(&["--realm", "2", "--realm", "1", "--realm", "2"])).unwrap();
        assert_eq!(c.realms, vec!["2".to_string(), "1".to_string()]);
        assert!(config(&args(&["--realm", "x1"])).is_err());
    }

    #[test]
    fn bad_flags_are_usage_errors() {
        for extra in [
            &["--time-scale", "0"][..],
            &["--hubspot-port", "5000", "--quickbooks-port", "5000"],
            &["--hubspot-token", "a b"],
            &["--start-time", "yesterday"],
            &["--generate", "contacts=1,realm=77"],
        ] {
            let e = config(&args(extra)).unwrap_err();
            assert_eq!(e.code, exit::USAGE, "{extra:?}: {e}");
        }
        let c = config(&args(&[
            "--start-time",
            "2026-03-02",
            "--limits",
            "unlimited",
        ]))
        .unwrap();
        assert_eq!(
            c.start_time.unwrap().to_rfc3339(),
            "2026-03-02T00:00:00+00:00"
        );
        assert_eq!(c.limits, Limits::unlimited());
    }

    #[test]
    fn unknown_generate_keys_are_rejected_by_the_parser() {
        let e = T::try_parse_from(["t", "--data", "d", "--generate", "contact=3"])
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("did you mean `contacts`"), "{e}");
    }

    #[test]
    fn values_are_shell_quoted_only_when_needed() {
        assert_eq!(sh("emulator-token_1"), "emulator-token_1");
        assert_eq!(sh("http://127.0.0.1:4010"), "http://127.0.0.1:4010");
        assert_eq!(sh("a'b$c"), r"'a'\''b$c'");
    }
}
