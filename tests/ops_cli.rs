//! Operating hsqb: shell completions, man pages, the run summary on stderr,
//! `--quiet`, `--log-format json` and `--report`, on a temp copy of the sandbox.

use clap::CommandFactory;
use std::path::Path;
use std::process::{Command, Output};

fn hsqb(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hsqb"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn sandbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        &dir.path().join("examples"),
    );
    dir
}

#[test]
fn completions_cover_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = hsqb(dir.path(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let s = String::from_utf8_lossy(&o.stdout);
        for cmd in [
            "plan",
            "apply",
            "import",
            "force-unlock",
            "state",
            "migrate",
            "completions",
        ] {
            assert!(s.contains(cmd), "{shell} completion lacks {cmd}");
        }
    }
    assert_eq!(
        hsqb(dir.path(), &["completions", "tcsh"]).status.code(),
        Some(64)
    );
}

#[test]
fn man_pages_for_every_command_including_nested_ones() {
    fn count(c: &clap::Command) -> usize {
        1 + c
            .get_subcommands()
            .filter(|s| s.get_name() != "help")
            .map(count)
            .sum::<usize>()
    }
    let expected = count(&hsqb::cli::Cli::command());
    let dir = tempfile::tempdir().unwrap();
    let o = hsqb(dir.path(), &["man", "--out-dir", "man1"]);
    assert_eq!(o.status.code(), Some(0));
    let pages: Vec<String> = std::fs::read_dir(dir.path().join("man1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(pages.len(), expected, "{pages:?}");
    let root = std::fs::read_to_string(dir.path().join("man1/hsqb.1")).unwrap();
    assert!(
        root.starts_with(".ie \\n(.g .ds Aq") || root.contains(".TH hsqb"),
        "{root}"
    );
    assert!(root.contains("import"));
    let migrate = std::fs::read_to_string(dir.path().join("man1/hsqb-state-migrate.1")).unwrap();
    assert!(migrate.contains(".TH hsqb-state-migrate") && migrate.contains("database\\-url\\-env"));
}

#[test]
fn plan_prints_a_summary_line_writes_a_report_and_json_logs() {
    let dir = sandbox();
    let m = "examples/quickstart.yaml";
    let o = hsqb(dir.path(), &["-f", m, "plan", "--report", "report.json"]);
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let last = err.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("hsqb plan: ")
            && last.contains("HubSpot")
            && last.contains("QuickBooks")
            && last.ends_with("0 rate-limited (429)"),
        "{err}"
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(r["command"], "plan");
    assert!(r["summary"]["api_calls"]["hubspot"].as_u64().unwrap() > 0);
    assert!(
        r["summary"]["api_calls"]["quickbooks"]["sandbox"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(r["plan"]["format_version"], 1);

    let o = hsqb(dir.path(), &["-f", m, "-q", "plan"]);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("hsqb plan:"));

    let o = hsqb(
        dir.path(),
        &["-f", m, "-vv", "--log-format", "json", "plan"],
    );
    assert_eq!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    let mut json_lines = 0;
    for line in err.lines().filter(|l| !l.starts_with("hsqb plan:")) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
        json_lines += 1;
    }
    assert!(json_lines > 0, "debug logging emits events: {err}");
}

#[test]
fn apply_report_holds_results_and_summary() {
    let dir = sandbox();
    let m = "examples/quickstart.yaml";
    let o = hsqb(
        dir.path(),
        &["-f", m, "apply", "--auto-approve", "--report", "apply.json"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("hsqb apply: "));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("apply.json")).unwrap())
            .unwrap();
    assert_eq!(r["exit_code"], 0);
    assert_eq!(r["results"]["failed"], 0);
    let n = r["plan"]["changes"].as_array().unwrap().len();
    assert!(n > 0);
    assert_eq!(r["results"]["results"].as_array().unwrap().len(), n);
}
