//! Hostile files end to end through the real binary: saved plan files and
//! state files that are truncated, tampered with, from a future version, of the
//! wrong shape or plain garbage. Each must give a clear error naming the file,
//! exit 1, and write nothing: every file in the working directory stays
//! byte-identical and the emulator receives no request at all (a bad plan file
//! is refused before connecting) or, for state files, no write.

#[path = "common/bench_env.rs"]
mod bench_env;

use bench_env::{EmuThread, both, code, files, hsqb, manifest_yaml};
use std::path::Path;

/// An emulator with three QBO customers and a manifest that would copy them
/// to HubSpot.
fn setup() -> (EmuThread, tempfile::TempDir, Vec<(String, String)>) {
    let emu = EmuThread::start(EmuThread::default_config());
    emu.seed_customers(0..3);
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("hsqb.yaml"),
        manifest_yaml(&emu.base, &emu.realm, "quickbooks_to_hubspot"),
    )
    .expect("write manifest");
    (emu, dir, bench_env::base_env())
}

/// Run `args`, expect exit 1 with every `needles` in stderr, and prove nothing
/// changed on disk and (when `no_requests`) that the APIs were not called, else
/// that nothing was written to them.
fn refused(
    emu: &EmuThread,
    dir: &Path,
    env: &[(String, String)],
    args: &[&str],
    needles: &[&str],
    no_requests: bool,
) {
    let files_before = files(dir);
    let requests_before = emu.requests();
    let out = hsqb(dir, args, env);
    let text = both(&out);
    assert_eq!(code(&out), 1, "{args:?} should fail with exit 1:\n{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: stderr lacks {n:?}:\n{text}");
    }
    assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{text}");
    assert_eq!(files(dir), files_before, "{args:?} changed files on disk");
    if no_requests {
        assert_eq!(
            emu.requests(),
            requests_before,
            "{args:?} talked to the APIs"
        );
    } else {
        assert!(
            emu.writes().is_empty(),
            "{args:?} wrote: {:?}",
            emu.writes()
        );
    }
}

/// Replace the first `from` in `s` (which must be there) by `to`.
fn edit(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "sample plan lacks {from:?}");
    s.replacen(from, to, 1)
}

#[test]
fn bad_saved_plans_are_refused_by_apply_and_show() {
    let (emu, dir, env) = setup();
    let d = dir.path();
    let out = hsqb(d, &["plan", "--out", "plan.json"], &env);
    assert_eq!(code(&out), 0, "{}", both(&out));
    let good = std::fs::read_to_string(d.join("plan.json")).expect("plan saved");
    assert!(
        good.contains("person0@example.test"),
        "plan creates the contacts"
    );
    assert!(emu.writes().is_empty(), "plan wrote: {:?}", emu.writes());

    let mut wrong_type: serde_json::Value = serde_json::from_str(&good).expect("plan is JSON");
    wrong_type["changes"][0]["action"] = serde_json::json!(42);
    let mut unknown_enum: serde_json::Value = serde_json::from_str(&good).expect("plan is JSON");
    unknown_enum["changes"][0]["system"] = serde_json::json!("salesforce");
    let deep = format!(
        "{{\"format_version\": 1, \"changes\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let mut garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 251) as u8).collect();
    garbage.extend_from_slice(b"\xff\xfe{\"format_version\":1}");
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "truncated",
            good.as_bytes()[..good.len() / 2].to_vec(),
            vec!["truncated or not JSON"],
        ),
        (
            "tampered",
            edit(&good, "person0@example.test", "attacker@evil.test").into_bytes(),
            vec!["checksum mismatch"],
        ),
        (
            "future_version",
            edit(&good, "\"format_version\": 1", "\"format_version\": 99").into_bytes(),
            vec!["format_version 99 is not supported"],
        ),
        (
            "huge_version",
            edit(
                &good,
                "\"format_version\": 1",
                "\"format_version\": 100000000000000000000000000000",
            )
            .into_bytes(),
            vec!["format_version 100000000000000000000000000000 is not supported"],
        ),
        (
            "wrong_type",
            serde_json::to_vec_pretty(&wrong_type).expect("json"),
            vec!["changes[0].action"],
        ),
        (
            "unknown_enum",
            serde_json::to_vec_pretty(&unknown_enum).expect("json"),
            vec!["changes[0].system", "salesforce"],
        ),
        ("empty", Vec::new(), vec!["truncated or not JSON"]),
        (
            "not_a_plan",
            b"{\"hello\": \"world\"}".to_vec(),
            vec!["no `format_version`"],
        ),
        (
            "json_array",
            b"[1, 2, 3]".to_vec(),
            vec!["no `format_version`"],
        ),
        (
            "deep_nesting",
            deep.into_bytes(),
            vec!["not a valid plan file"],
        ),
        ("garbage", garbage, vec!["UTF-8"]),
    ];
    for (name, bytes, needles) in &cases {
        let file = format!("{name}.json");
        std::fs::write(d.join(&file), bytes).expect("write case");
        let mut with_file = needles.clone();
        with_file.push(file.as_str());
        refused(&emu, d, &env, &["apply", &file], &with_file, true);
        refused(&emu, d, &env, &["show", &file], &with_file, true);
    }

    // A plan made from another manifest is refused by apply (show renders it).
    let other = manifest_yaml(&emu.base, &emu.realm, "two_way");
    std::fs::write(d.join("other.yaml"), other).expect("write other manifest");
    refused(
        &emu,
        d,
        &env,
        &["-f", "other.yaml", "apply", "plan.json"],
        &["plan.json", "different manifest"],
        true,
    );
    let missing = hsqb(d, &["show", "no-such-plan.json"], &env);
    assert_eq!(code(&missing), 1, "{}", both(&missing));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("cannot read plan file no-such-plan.json"),
        "{}",
        both(&missing)
    );

    // The untouched plan still applies: the checks above could have failed.
    let ok = hsqb(d, &["apply", "plan.json"], &env);
    assert_eq!(code(&ok), 0, "{}", both(&ok));
    assert!(!emu.writes().is_empty(), "the good plan wrote nothing");
}

#[test]
fn corrupt_state_files_are_refused_before_any_write() {
    let (emu, dir, env) = setup();
    let d = dir.path();
    // A real state file from a successful apply.
    let out = hsqb(d, &["apply", "--auto-approve"], &env);
    assert_eq!(code(&out), 0, "{}", both(&out));
    let good = std::fs::read_to_string(d.join("state.json")).expect("state written");
    assert!(good.contains("watermarks"), "{good}");
    // New QBO data, so a run that ignored the bad state would have work to do
    // (each refused run below uses `--refresh full` or reads no state at all).
    emu.seed_customers(3..8);
    let writes_before = emu.writes();

    let mut wrong_type: serde_json::Value = serde_json::from_str(&good).expect("state is JSON");
    wrong_type["watermarks"] = serde_json::json!(5);
    let mut future: serde_json::Value = serde_json::from_str(&good).expect("state is JSON");
    assert!(
        future["version"].is_u64(),
        "the state sample has a version to edit"
    );
    future["version"] = serde_json::json!(7);
    let mut bad_time: serde_json::Value = serde_json::from_str(&good).expect("state is JSON");
    bad_time["last_full_refresh"] = serde_json::json!("yesterday-ish");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated",
            good.as_bytes()[..good.len() / 2].to_vec(),
            "truncated or not JSON",
        ),
        (
            "future_version",
            serde_json::to_vec(&future).expect("json"),
            "written by a newer hsqb",
        ),
        (
            "wrong_type",
            serde_json::to_vec(&wrong_type).expect("json"),
            "at `watermarks`",
        ),
        (
            "bad_time",
            serde_json::to_vec(&bad_time).expect("json"),
            "at `last_full_refresh`",
        ),
        ("not_state", b"[]".to_vec(), "not an hsqb state file"),
        ("empty", Vec::new(), "truncated or not JSON"),
        (
            "garbage",
            (0..2048u32).map(|i| (i * 31 % 256) as u8).collect(),
            "truncated or not JSON",
        ),
    ];
    for (name, bytes, needle) in &cases {
        std::fs::write(d.join("state.json"), bytes).expect("write state");
        // Both read the state before connecting: no request at all.
        for args in [
            vec!["plan", "--refresh", "full"],
            vec!["apply", "--auto-approve", "--refresh", "full"],
        ] {
            refused(
                &emu,
                d,
                &env,
                &args,
                &["state.json", "is not valid", needle],
                true,
            );
        }
        assert!(
            !d.join("state.json.lock").exists(),
            "{name}: apply left its lock behind"
        );
    }
    assert_eq!(
        emu.writes(),
        writes_before,
        "a corrupt state let a write through"
    );

    // A torn baselines file (read after the refresh, when records need it):
    // refused before any write, naming the file.
    std::fs::write(d.join("state.json"), &good).expect("restore state");
    let baselines = d.join("state.json.baselines");
    let had_baselines = std::fs::read(&baselines).ok();
    std::fs::write(&baselines, b"{\"version\": 2, \"baselines\": {\"contacts:1").expect("write");
    let writes = emu.writes();
    let out = hsqb(d, &["apply", "--auto-approve", "--refresh", "full"], &env);
    assert_eq!(code(&out), 1, "{}", both(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for n in [
        "state.json.baselines",
        "is not valid",
        "truncated or not JSON",
    ] {
        assert!(stderr.contains(n), "stderr lacks {n:?}:\n{}", both(&out));
    }
    assert_eq!(
        emu.writes(),
        writes,
        "a torn baselines file let a write through"
    );
    match had_baselines {
        Some(b) => std::fs::write(&baselines, b).expect("restore baselines"),
        None => std::fs::remove_file(&baselines).expect("remove baselines"),
    }

    // With the good state back, the same command works (and writes).
    std::fs::write(d.join("state.json"), &good).expect("restore state");
    // (A full refresh: the new customers carry data-clock times older than the
    // wall-clock watermark the first run stored.)
    let ok = hsqb(d, &["apply", "--auto-approve", "--refresh", "full"], &env);
    assert_eq!(code(&ok), 0, "{}", both(&ok));
    assert_ne!(
        emu.writes(),
        writes_before,
        "the restored run wrote nothing"
    );
}
