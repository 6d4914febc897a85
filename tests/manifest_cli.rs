//! `hsqb validate` and `hsqb schema` end to end: the real binary over every
//! manifest in `tests/data/manifests/{valid,invalid}` and over hostile inputs
//! generated on the fly, snapshotting exit code, stdout and stderr together.

use std::path::Path;
use std::process::{Command, Output};

/// The fixed environment every run sees (nothing else leaks in).
const ENV: &[(&str, &str)] = &[
    ("NO_COLOR", "1"),
    ("HUBSPOT_TOKEN", "test-token-hubspot-0001"),
    ("QBO_REALM_ID", "9130354966548476"),
    ("QBO_CLIENT_ID", "test-client-id"),
    ("QBO_CLIENT_SECRET", "test-client-secret-0001"),
    ("QBO_REFRESH_TOKEN", "test-refresh-token-0001"),
    ("QBO_ACCESS_TOKEN", "test-access-token-0001"),
    (
        "DATABASE_URL",
        "postgres://hsqb:test-password-0001@localhost:5432/hsqb",
    ),
    ("EMPTY_VAR", ""),
    // examples/full.yaml
    ("QBO_US_REALM_ID", "9130354966548476"),
    ("QBO_US_REFRESH_TOKEN", "test-refresh-token-us-0001"),
    ("QBO_UK_ACCESS_TOKEN", "test-access-token-uk-0001"),
];

/// Manifests whose problem has no position in the file.
const UNLOCATED: &[&str] = &[
    "empty.yaml",
    "only_comments.yaml",
    "utf16.yaml",
    "no_hubspot_connection.yaml",
    "no_quickbooks_company.yaml",
];

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn hsqb(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hsqb"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .envs(ENV.iter().copied())
        .output()
        .expect("run hsqb")
}

fn render(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout ---\n{}--- stderr ---\n{}",
        out.status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_no_secret_values(text: &str) {
    for (name, value) in ENV {
        if name.contains("TOKEN") || name.contains("SECRET") || name.contains("DATABASE") {
            assert!(!text.contains(value), "{name}'s value leaked:\n{text}");
        }
    }
}

#[test]
fn manifests() {
    insta::glob!("data/manifests/*/*.yaml", |path| {
        let rel = path
            .strip_prefix(crate_dir())
            .expect("case under the crate");
        let rel = rel.to_str().expect("utf-8 path");
        let out = hsqb(&["-f", rel, "validate"], crate_dir());
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        assert!(!stderr.contains("panicked"), "{rel} panicked:\n{stderr}");
        assert_no_secret_values(&stderr);
        assert_no_secret_values(&stdout);
        if rel.contains("/invalid/") {
            assert_eq!(
                out.status.code(),
                Some(1),
                "{rel} must be invalid:\n{stderr}"
            );
            assert!(stdout.is_empty(), "{rel}: nothing on stdout");
            let errors = stderr.lines().filter(|l| l.starts_with("error: ")).count();
            assert_eq!(
                errors, 2,
                "{rel}: one problem (plus the summary line):\n{stderr}"
            );
            assert!(
                stderr.contains("= hint: "),
                "{rel}: the error says how to fix it:\n{stderr}"
            );
            let located = stderr.contains(&format!("--> {rel}:"));
            assert_eq!(
                located,
                !UNLOCATED.contains(&name),
                "{rel}: errors point at file:line:column:\n{stderr}"
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{rel} must be valid:\n{stderr}");
            assert_eq!(
                stdout,
                format!(
                    "{rel} is valid: {}",
                    stdout.split_once(": ").map_or("", |x| x.1)
                )
            );
            assert!(!stderr.contains("error"), "{rel}: no errors:\n{stderr}");
        }
        insta::assert_snapshot!(render(&out));
    });
}

#[test]
fn examples_are_valid() {
    for example in ["examples/quickstart.yaml", "examples/full.yaml"] {
        let out = hsqb(&["-f", example, "validate"], crate_dir());
        assert_eq!(out.status.code(), Some(0), "{}", render(&out));
        assert!(
            out.stderr.is_empty(),
            "{example} has no warnings:\n{}",
            render(&out)
        );
        let name = example.trim_start_matches("examples/").replace('.', "_");
        insta::assert_snapshot!(format!("example_{name}"), render(&out));
    }
}

#[test]
fn missing_variables_of_an_example_are_all_named() {
    // Without any environment, every variable full.yaml needs is reported.
    let out = Command::new(env!("CARGO_BIN_EXE_hsqb"))
        .args(["-f", "examples/full.yaml", "validate"])
        .current_dir(crate_dir())
        .env_clear()
        .env("NO_COLOR", "1")
        .output()
        .expect("run hsqb");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for var in [
        "HUBSPOT_TOKEN",
        "QBO_US_REALM_ID",
        "QBO_CLIENT_ID",
        "QBO_CLIENT_SECRET",
        "QBO_US_REFRESH_TOKEN",
        "QBO_UK_ACCESS_TOKEN",
    ] {
        assert!(
            stderr.contains(&format!("environment variable `{var}` is not set")),
            "{var} not reported:\n{stderr}"
        );
    }
}

/// The hostile inputs that are not committed: generated into a temp dir and
/// validated from there (relative names keep the snapshots stable). Each must
/// be refused with a clear error, never a panic or a hang.
#[test]
fn hostile_inputs_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    // "Billion laughs": nine levels of nine aliases each.
    let mut bomb = String::from("version: 1\nsandbox: {}\nproperties:\n  - name: &a0 \"lol\"\n");
    for level in 1..=9 {
        let refs = vec![format!("*a{}", level - 1); 9].join(", ");
        bomb.push_str(&format!("  - name: &a{level} [{refs}]\n"));
    }
    std::fs::write(dir.path().join("alias_bomb.yaml"), &bomb).expect("write bomb");
    // 100 MB: a sparse file, so the test itself stays cheap.
    let huge = std::fs::File::create(dir.path().join("huge.yaml")).expect("create");
    huge.set_len(100 * 1024 * 1024).expect("size");
    drop(huge);
    // Just over the cap, real text this time.
    let mut big = String::from("version: 1\nsandbox: {}\n");
    while big.len() <= 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    std::fs::write(dir.path().join("big.yaml"), &big).expect("write big");
    // Deep flow nesting on one line.
    let deep = format!(
        "version: 1\nsync: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    std::fs::write(dir.path().join("deep_flow.yaml"), &deep).expect("write deep");
    std::fs::create_dir(dir.path().join("a_directory.yaml")).expect("mkdir");

    let mut cases = vec![
        "alias_bomb.yaml",
        "huge.yaml",
        "big.yaml",
        "deep_flow.yaml",
        "a_directory.yaml",
        "does_not_exist.yaml",
    ];
    if Path::new("/dev/zero").exists() {
        cases.push("/dev/zero");
    }
    for case in cases {
        let out = hsqb(&["-f", case, "validate"], dir.path());
        let text = render(&out);
        assert_eq!(out.status.code(), Some(1), "{case}:\n{text}");
        assert!(!text.contains("panicked"), "{case}:\n{text}");
        insta::assert_snapshot!(
            format!(
                "hostile_{}",
                case.trim_start_matches('/').replace(['/', '.'], "_")
            ),
            text
        );
    }
}

#[test]
fn default_manifest_is_hsqb_yaml() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = hsqb(&["validate"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("manifest file `hsqb.yaml` not found"),
        "{}",
        render(&out)
    );
    std::fs::write(
        dir.path().join("hsqb.yaml"),
        "version: 1\nsandbox: {}\nsync:\n  invoices: {}\n",
    )
    .expect("write");
    let out = hsqb(&["validate"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", render(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hsqb.yaml is valid: invoices (quickbooks_to_hubspot); 1 QuickBooks company (sandbox).\n"
    );
}

#[test]
fn usage_errors_exit_64() {
    let out = hsqb(&["validate", "--no-such-flag"], crate_dir());
    assert_eq!(out.status.code(), Some(64), "{}", render(&out));
    let out = hsqb(&["schema", "extra"], crate_dir());
    assert_eq!(out.status.code(), Some(64), "{}", render(&out));
}

#[test]
fn help_texts_explain_the_commands() {
    let out = hsqb(&["validate", "--help"], crate_dir());
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Every problem is reported at once"), "{help}");
    assert!(help.contains("Examples:"), "{help}");
    let out = hsqb(&["schema", "--help"], crate_dir());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("yaml-language-server"), "{help}");
}

#[test]
fn schema_command_prints_the_schema() {
    let out = hsqb(&["schema"], crate_dir());
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        hsqb::manifest::schema_json()
    );
}
