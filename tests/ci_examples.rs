//! The CI and Kubernetes examples are real: every file parses as YAML with the
//! structure its platform needs (concurrency guards, secrets from the secret
//! store, one updated PR comment, exit-code policy), every `hsqb …` command in
//! them parses with the real clap definitions, and the plan/apply commands run
//! successfully against the sandbox (a temp copy of `examples/`).

use clap::Parser;
use hsqb::cli::Cli;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// Every `hsqb …` command line in the file's strings, cut before shell
/// redirections and operators, split into arguments.
fn hsqb_commands(v: &Value) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    strings(v, &mut all);
    let mut out = Vec::new();
    for s in all {
        for line in s.lines() {
            let line = line.trim();
            if !line.starts_with("hsqb ") {
                continue;
            }
            let mut cmd = line;
            for op in [" >", " |", " &&", " ;", " 2>"] {
                if let Some(i) = cmd.find(op) {
                    cmd = &cmd[..i];
                }
            }
            out.push(
                cmd.split_whitespace()
                    .map(|a| a.trim_matches('"').to_string())
                    .collect(),
            );
        }
    }
    out
}

fn parses(args: &[String]) {
    if let Err(e) = Cli::try_parse_from(args) {
        panic!("`{}` does not parse: {e}", args.join(" "));
    }
}

/// A temp copy of `examples/` (the quickstart and its sandbox seed).
fn sandbox() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ex = dir.path().join("examples");
    copy_dir(&root().join("examples"), &ex);
    let manifest = ex.join("quickstart.yaml");
    (dir, manifest)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Run an example's command against the sandbox manifest: `-f` points at the
/// quickstart, absolute paths are moved into the temp dir.
fn run(args: &[String], manifest: &Path, cwd: &Path) -> (i32, String, String) {
    let mut a: Vec<String> = Vec::new();
    let mut it = args[1..].iter();
    while let Some(x) = it.next() {
        if x == "-f" || x == "--file" {
            it.next();
            continue;
        }
        if x.starts_with('/') {
            let name = Path::new(x)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            a.push(cwd.join(name).display().to_string());
        } else {
            a.push(x.clone());
        }
    }
    a.push("-f".into());
    a.push(manifest.display().to_string());
    let o = Command::new(env!("CARGO_BIN_EXE_hsqb"))
        .args(&a)
        .current_dir(cwd)
        .env_clear()
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn plan_and_apply(commands: &[Vec<String>]) {
    let (dir, manifest) = sandbox();
    let cwd = dir.path();
    let plan = commands
        .iter()
        .find(|c| c[1] == "plan")
        .expect("a plan command");
    let apply = commands
        .iter()
        .find(|c| c[1] == "apply")
        .expect("an apply command");
    let (code, out, err) = run(plan, &manifest, cwd);
    assert_eq!(code, 2, "changes present on a fresh sandbox:\n{out}\n{err}");
    assert!(out.contains("Plan:"), "{out}");
    if plan.iter().any(|a| a == "--report") {
        let r: Value =
            serde_json::from_str(&std::fs::read_to_string(cwd.join("plan-report.json")).unwrap())
                .unwrap();
        assert_eq!(r["exit_code"], 2);
        assert_eq!(r["plan"]["format_version"], 1);
    }
    let (code, out, err) = run(apply, &manifest, cwd);
    assert_eq!(code, 0, "apply succeeds:\n{out}\n{err}");
    // Pairs adopted by a link whose fields differ are reconciled by the next
    // run (the quickstart has one), so a scheduled second apply converges.
    let (code, out, err) = run(apply, &manifest, cwd);
    assert_eq!(code, 0, "the next scheduled apply succeeds:\n{out}\n{err}");
    let (code, out, err) = run(plan, &manifest, cwd);
    assert_eq!(code, 0, "nothing left:\n{out}\n{err}");
}

#[test]
fn github_actions_plans_on_prs_in_one_comment_and_applies_on_main() {
    let w = yaml("examples/ci/github-actions.yml");
    assert!(w["on"]["pull_request"].is_object(), "{w:#}");
    assert_eq!(w["on"]["push"]["branches"][0], "main");
    for var in [
        "HUBSPOT_TOKEN",
        "QBO_CLIENT_ID",
        "QBO_CLIENT_SECRET",
        "QBO_REFRESH_TOKEN",
        "DATABASE_URL",
    ] {
        let v = w["env"][var].as_str().unwrap();
        assert!(
            v.contains("secrets."),
            "{var} comes from repository secrets: {v}"
        );
    }
    let plan = &w["jobs"]["plan"];
    let apply = &w["jobs"]["apply"];
    assert_eq!(plan["permissions"]["pull-requests"], "write");
    assert_eq!(plan["concurrency"]["cancel-in-progress"], true);
    assert_eq!(apply["concurrency"]["group"], "hsqb-apply");
    assert_eq!(apply["concurrency"]["cancel-in-progress"], false);
    assert!(apply["if"].as_str().unwrap().contains("refs/heads/main"));
    let mut scripts = Vec::new();
    strings(&plan["steps"], &mut scripts);
    let comment = scripts
        .iter()
        .find(|s| s.contains("<!-- hsqb-plan -->"))
        .expect("the comment step finds its comment by the marker");
    assert!(comment.contains("--method PATCH") && comment.contains("--method POST"));
    let cmds = hsqb_commands(&w);
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    cmds.iter().for_each(|c| parses(c));
    assert!(cmds[0].join(" ").contains("plan --format markdown"));
    assert!(cmds[1].join(" ").contains("apply --auto-approve"));
    plan_and_apply(&cmds);
}

#[test]
fn gitlab_ci_updates_one_mr_note_and_serialises_applies() {
    let p = yaml("examples/ci/gitlab-ci.yml");
    assert_eq!(p["stages"], serde_json::json!(["plan", "apply"]));
    assert_eq!(p["apply"]["resource_group"], "hsqb-production");
    assert_eq!(p["apply"]["interruptible"], false);
    assert!(
        p["plan"]["rules"][0]["if"]
            .as_str()
            .unwrap()
            .contains("merge_request_event")
    );
    let mut scripts = Vec::new();
    strings(&p["plan"]["script"], &mut scripts);
    let note = scripts
        .iter()
        .find(|s| s.contains("<!-- hsqb-plan -->"))
        .expect("the note is found by its marker");
    assert!(note.contains("-X PUT") && note.contains("-X POST"));
    let cmds = hsqb_commands(&p);
    assert_eq!(cmds.len(), 2, "{cmds:?}");
    cmds.iter().for_each(|c| parses(c));
    plan_and_apply(&cmds);
}

#[test]
fn kubernetes_cronjob_secret_and_manifest_fit_together() {
    let cj = yaml("examples/kubernetes/cronjob.yaml");
    let secret = yaml("examples/kubernetes/secret.yaml");
    let cm = yaml("examples/kubernetes/configmap.yaml");
    assert_eq!(cj["kind"], "CronJob");
    assert_eq!(cj["apiVersion"], "batch/v1");
    assert_eq!(cj["spec"]["concurrencyPolicy"], "Forbid");
    let job = &cj["spec"]["jobTemplate"]["spec"];
    assert!(job["backoffLimit"].as_u64().is_some());
    let rule = &job["podFailurePolicy"]["rules"][0];
    assert_eq!(rule["action"], "FailJob");
    assert_eq!(rule["onExitCodes"]["values"], serde_json::json!([64]));
    let pod = &job["template"]["spec"];
    assert_eq!(pod["restartPolicy"], "Never");
    let c = &pod["containers"][0];
    assert_eq!(
        c["envFrom"][0]["secretRef"]["name"],
        secret["metadata"]["name"]
    );
    assert_eq!(
        pod["volumes"][0]["configMap"]["name"],
        cm["metadata"]["name"]
    );
    assert_eq!(c["volumeMounts"][0]["mountPath"], "/etc/hsqb");

    // The container's command line parses, and its apply runs on the sandbox.
    let mut cmd: Vec<String> = c["command"]
        .as_array()
        .unwrap()
        .iter()
        .chain(c["args"].as_array().unwrap())
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    parses(&cmd);
    assert!(cmd.contains(&"--auto-approve".to_string()));
    let (dir, manifest) = sandbox();
    let (code, out, err) = run(&cmd, &manifest, dir.path());
    assert_eq!(code, 0, "{out}\n{err}");
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("apply-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["command"], "apply");
    assert_eq!(report["exit_code"], 0);
    // Its JSON log format puts only JSON lines (and the summary) on stderr.
    cmd.push("-v".into());
    let (code, _, err) = run(&cmd, &manifest, dir.path());
    assert_eq!(code, 0);
    for line in err.lines().filter(|l| !l.starts_with("hsqb apply:")) {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"));
    }

    // The ConfigMap's manifest is valid, and the Secret provides every
    // variable it references.
    let manifest_text = cm["data"]["hsqb.yaml"].as_str().unwrap();
    let provided: Vec<String> = secret["stringData"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let mut refs: Vec<String> = manifest_text
        .split("${")
        .skip(1)
        .filter_map(|s| s.split('}').next().map(str::to_string))
        .collect();
    refs.sort();
    refs.dedup();
    for r in &refs {
        assert!(provided.contains(r), "the Secret lacks {r}");
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hsqb.yaml"), manifest_text).unwrap();
    let mut validate = Command::new(env!("CARGO_BIN_EXE_hsqb"));
    validate
        .args(["validate"])
        .current_dir(dir.path())
        .env_clear()
        .env("NO_COLOR", "1");
    for r in &refs {
        let v = match r.as_str() {
            "DATABASE_URL" => "postgres://hsqb:pw-placeholder-1@db:5432/hsqb".to_string(),
            "QBO_REALM_ID" => "9130354966548476".to_string(),
            _ => format!("placeholder-value-for-{r}"),
        };
        validate.env(r, v);
    }
    let o = validate.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
