//! The manifest library API: `load`, `parse_str`, the loaded manifest's helpers,
//! interpolation and secrets through the whole pipeline, and reports that list
//! every problem at once.

use hsqb::manifest::{self, Direction, LoadedManifest, Severity};
use std::collections::HashMap;
use std::path::Path;

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

const REAL: &str = "version: 1
hubspot:
  token: ${HUBSPOT_TOKEN}
quickbooks:
  main:
    realm_id: ${QBO_REALM_ID}
    client_id: app-${QBO_CLIENT_ID}
    client_secret: ${QBO_CLIENT_SECRET}
    refresh_token: ${QBO_REFRESH_TOKEN}
sync:
  contacts:
    direction: two_way
    conflict: newest_wins
    display_name:
      templates: [\"Price in $${CUR}: {{company}}\"]
";

fn real_env() -> impl Fn(&str) -> Option<String> {
    env_of(&[
        ("HUBSPOT_TOKEN", "pat-na1-load-test-token-0001"),
        ("QBO_REALM_ID", "9130354966548476"),
        ("QBO_CLIENT_ID", "ABC"),
        ("QBO_CLIENT_SECRET", "load-test-client-secret-0001"),
        ("QBO_REFRESH_TOKEN", "load-test-refresh-token-0001"),
    ])
}

#[test]
fn load_resolves_environment_and_keeps_secrets_secret() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("conf").join("hsqb.yaml");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, REAL).expect("write");
    let loaded = manifest::load(&path, &real_env()).expect("valid");
    let m = &loaded.manifest;
    let hs = m.hubspot.as_ref().expect("hubspot");
    let token = hs.token.as_ref().expect("token");
    assert_eq!(token.expose(), "pat-na1-load-test-token-0001");
    assert_eq!(token.var.as_deref(), Some("HUBSPOT_TOKEN"));
    assert_eq!(token.loc.map(|l| (l.line, l.column)), Some((3, 10)));
    let q = &m.quickbooks["main"];
    assert_eq!(
        q.realm_id.as_ref().expect("realm").value,
        "9130354966548476"
    );
    assert_eq!(q.client_id.as_ref().expect("client id").value, "app-ABC");
    // `$${` is a literal `${`.
    let c = m.sync.contacts.as_ref().expect("contacts");
    assert_eq!(
        c.display_name.templates[0].value,
        "Price in ${CUR}: {{company}}"
    );
    // Secrets never show in Debug output, and are registered for scrubbing.
    let debug = format!("{m:?}");
    for secret in [
        "pat-na1-load-test-token-0001",
        "load-test-client-secret-0001",
        "load-test-refresh-token-0001",
    ] {
        assert!(!debug.contains(secret), "{secret} in Debug output");
        assert_eq!(hsqb::secret::scrub(&format!("x {secret} y")), "x *** y");
    }
    // Where it came from.
    assert_eq!(loaded.path, path);
    assert_eq!(loaded.dir, dir.path().join("conf"));
    assert_eq!(loaded.source, REAL);
    assert_eq!(loaded.sha256.len(), 64);
    assert!(loaded.warnings.is_empty());
    assert_eq!(c.direction, Direction::TwoWay);
}

#[test]
fn sha256_is_of_the_file_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("m.yaml");
    std::fs::write(&path, "version: 1\nsandbox: {}\nsync:\n  invoices: {}\n").expect("write");
    let loaded = manifest::load(&path, &|_| None).expect("valid");
    // sha256 of exactly those bytes (computed independently).
    use sha2::Digest;
    let expected = hex::encode(sha2::Sha256::digest(
        b"version: 1\nsandbox: {}\nsync:\n  invoices: {}\n",
    ));
    assert_eq!(loaded.sha256, expected);
}

#[test]
fn relative_paths_resolve_against_the_manifest_directory() {
    let text = "version: 1
sandbox:
  data_dir: ../.hsqb/sandbox-quickstart
  seed: sandbox
state:
  path: state/hsqb-state.json
sync:
  invoices: {}
";
    let loaded: LoadedManifest =
        manifest::load_bytes(Path::new("examples/m.yaml"), text.as_bytes(), &|_| None)
            .expect("valid");
    assert_eq!(loaded.dir, Path::new("examples"));
    assert_eq!(
        loaded.sandbox_data_dir(),
        Some(Path::new("examples/../.hsqb/sandbox-quickstart").to_path_buf())
    );
    assert_eq!(
        loaded.sandbox_seed(),
        Some(Path::new("examples/sandbox").to_path_buf())
    );
    assert_eq!(
        loaded.state_path(),
        Path::new("examples/state/hsqb-state.json")
    );
    assert_eq!(loaded.resolve("/abs/x"), Path::new("/abs/x"));

    let bare = manifest::load_bytes(
        Path::new("hsqb.yaml"),
        b"version: 1\nsandbox: {}\nsync:\n  invoices: {}\n",
        &|_| None,
    )
    .expect("valid");
    assert_eq!(bare.dir, Path::new("."));
    assert_eq!(
        bare.sandbox_data_dir(),
        Some(Path::new("./.hsqb/sandbox").to_path_buf())
    );
    assert_eq!(bare.state_path(), Path::new("./.hsqb/state.json"));
}

#[test]
fn every_problem_is_reported_at_once() {
    // Structural problems: all of them in one report.
    let text = "version: 1
sandbox: {}
sync:
  contacts:
    direktion: two_way
    on_delete: remove
    match: email
  products:
    direction: quickbooks_to_hubspot
    incremental: {lookback: 5 minutes}
  invoices:
    enabled: yes
attach: {}
";
    let report = manifest::parse_str(text, &|_| None).expect_err("invalid");
    let messages: Vec<&str> = report.errors().map(|d| d.message.as_str()).collect();
    assert_eq!(messages.len(), 6, "{messages:#?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown key `direktion`"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown value `remove`"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`sync.contacts.match` must be a list"))
    );
    assert!(messages.iter().any(|m| m.contains("is not a duration")));
    assert!(messages.iter().any(|m| m.contains("must be true or false")));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`attach` must be a list"))
    );
    assert!(
        report
            .diagnostics
            .iter()
            .all(|d| d.loc.is_some() && d.hint.is_some())
    );

    // Semantic problems and environment problems: all of them too.
    let text = "version: 1
hubspot:
  token: ${NOPE_TOKEN}
quickbooks:
  main:
    realm_id: abc
    access_token: literal-token-value
sync:
  contacts:
    direction: two_way
    quickbooks: mian
    mappings:
      fields:
        - {hubspot: city, quickbooks: BillAddr.Citty}
  invoices:
    direction: two_way
safety:
  max_delete_percent: 101
";
    let report = manifest::parse_str(text, &|_| None).expect_err("invalid");
    let rendered = report.render(false);
    for needle in [
        "environment variable `NOPE_TOKEN` is not set",
        "`quickbooks.main.access_token` is a secret",
        "realm_id` must be digits",
        "has no `conflict` rule",
        "names company `mian`",
        "unknown QuickBooks Customer field `BillAddr.Citty`",
        "flows from QuickBooks to HubSpot only",
        "must be between 0 and 100",
    ] {
        assert!(
            rendered.contains(needle),
            "missing {needle:?} in:\n{rendered}"
        );
    }
    assert!(
        !rendered.contains("literal-token-value"),
        "a literal secret leaked:\n{rendered}"
    );
    assert!(
        rendered.ends_with("is not a valid manifest (8 errors)\n"),
        "{rendered}"
    );
}

#[test]
fn warnings_do_not_fail_loading() {
    let text = "version: 1
sandbox: {}
sync:
  contacts:
    direction: quickbooks_to_hubspot
    conflict: newest_wins
";
    let (m, warnings) = manifest::parse_str(text, &|_| None).expect("valid with warnings");
    assert!(m.contacts().is_some());
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].severity, Severity::Warning);
    assert!(warnings[0].message.contains("`conflict` has no effect"));
    assert_eq!(warnings[0].loc.map(|l| l.line), Some(6));
}

#[test]
fn aliases_are_located_at_their_definition() {
    let text = "version: 1
sandbox: {}
sync:
  contacts:
    direction: quickbooks_to_hubspot
    filter:
      quickbooks: &f
        - {field: BillAddr.Contry, op: exists}
  products:
    direction: quickbooks_to_hubspot
    filter:
      quickbooks: *f
";
    let report = manifest::parse_str(text, &|_| None).expect_err("invalid");
    let errors: Vec<_> = report.errors().collect();
    assert_eq!(errors.len(), 2, "{report}");
    assert!(
        errors[0]
            .message
            .contains("Customer field `BillAddr.Contry`")
    );
    assert!(errors[1].message.contains("Item field `BillAddr.Contry`"));
    for d in errors {
        assert_eq!(d.loc.map(|l| (l.line, l.column)), Some((8, 19)), "{report}");
    }
}

#[test]
fn reports_render_without_color_by_default() {
    let report = manifest::parse_str("version: 3\n", &|_| None).expect_err("invalid");
    let text = report.to_string();
    assert_eq!(
        text,
        "error: unsupported manifest version `3`\n  --> <manifest>:1:10\n   |\n 1 | version: 3\n   |          ^\n   = hint: this hsqb reads manifest `version: 1`\nerror: <manifest> is not a valid manifest (1 error)\n"
    );
    assert!(!text.contains('\x1b'));
}

mod robustness {
    use proptest::prelude::*;

    const FULL: &str = include_str!("../examples/full.yaml");

    fn env(name: &str) -> Option<String> {
        Some(format!("value-of-{name}-0001"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// Arbitrary text never panics: it is a manifest or a report.
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
            let _ = hsqb::manifest::parse_str(&s, &env);
        }

        /// The full example with a slice cut out or text spliced in never
        /// panics, and every error it reports carries a hint.
        #[test]
        fn mutated_example_never_panics(
            start in 0usize..FULL.len(),
            len in 0usize..40,
            insert in "[ -~\\n]{0,12}",
        ) {
            let mut start = start;
            while !FULL.is_char_boundary(start) { start -= 1; }
            let mut end = (start + len).min(FULL.len());
            while !FULL.is_char_boundary(end) { end -= 1; }
            let text = format!("{}{}{}", &FULL[..start], insert, &FULL[end..]);
            if let Err(report) = hsqb::manifest::parse_str(&text, &env) {
                prop_assert!(report.has_errors());
                for d in report.errors() {
                    prop_assert!(d.hint.is_some(), "no hint: {}", d.message);
                }
                let _ = report.render(true);
            }
        }
    }
}
