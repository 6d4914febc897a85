//! Two applies at once: the state lock lets one run; the other fails clearly,
//! or with `--lock-timeout` waits and then finds nothing left to do. Nothing is
//! written twice. A lock left by a killed run is taken over.

#[path = "common/e2e_harness.rs"]
mod harness;

use harness::*;
use hsqb::emulator::FaultRule;

const MANIFEST: &str = "sync:\n  contacts:\n    direction: hubspot_to_quickbooks\n";

fn seeded() -> World {
    let w = World::new();
    for i in 0..20 {
        w.contact(&[
            ("email", &format!("l{i:02}@x.test")),
            ("firstname", &format!("L{i:02}")),
        ]);
    }
    w.manifest(MANIFEST);
    w
}

/// Hold the response of the first QuickBooks batch for `ms` (scaled) ms: the
/// apply sits in its write phase, holding the lock, for that long.
fn hold_first_batch(w: &World, ms: u64) {
    w.faults(
        vec![FaultRule {
            endpoint: Some("/batch".into()),
            nth: vec![1],
            delay_ms: Some(ms),
            ..rule(Some("quickbooks"), "slow", 0.0)
        }],
        1,
    );
}

#[test]
fn a_second_apply_fails_clearly_or_waits_and_finds_no_changes() {
    let w = seeded();
    hold_first_batch(&w, 5_000);
    w.reset_stats();
    let mut first = w.spawn(&["apply", "--auto-approve"]);
    wait_until("the first apply to hold the lock mid-write", || {
        w.faults_fired() > 0 || first.exited()
    });
    assert!(!first.exited(), "the first apply is still running");
    let holder = hsqb::state::LocalStore::new(w.state_path())
        .lock_info()
        .unwrap()
        .expect("the first apply holds the lock");
    assert_eq!(holder.pid, first.id());

    // Without --lock-timeout: an immediate, clear refusal.
    let second = w.apply();
    assert_eq!(second.code, 1, "{second}");
    assert!(
        second.stderr.contains("another run holds the state lock"),
        "{second}"
    );
    assert!(
        second.stderr.contains(&holder.id),
        "names the lock: {second}"
    );
    assert!(second.stderr.contains("--lock-timeout"), "{second}");
    assert!(second.stderr.contains("force-unlock"), "{second}");
    assert!(
        second.stdout.is_empty(),
        "refused before planning: {second}"
    );

    // With --lock-timeout: waits for the first run, then has nothing to do.
    let third = w.spawn(&["apply", "--auto-approve", "--lock-timeout", "5m"]);
    assert!(
        !first.exited(),
        "the third apply started while the lock was held"
    );
    let first = first.finish();
    first.expect_code(0);
    let third = third.finish();
    third.expect_code(0);
    assert!(third.stdout.contains("No changes."), "{third}");

    // Exactly one batch of creates and one link write-back: nothing twice.
    assert_eq!(w.calls("POST /v3/company/{realm}/batch"), 1);
    assert_eq!(w.calls("batch/update"), 1);
    assert_eq!(w.qbo_all("Customer").len(), 20);
    w.assert_no_duplicates();
    assert!(!w.state_sibling(".lock").exists(), "the lock is released");
}

#[test]
fn the_lock_of_a_killed_apply_is_taken_over() {
    let w = seeded();
    hold_first_batch(&w, 600_000);
    let mut dead = w.spawn(&["apply", "--auto-approve"]);
    wait_until("the apply to be mid-write", || {
        w.faults_fired() > 0 || dead.exited()
    });
    dead.kill();
    assert_eq!(dead.finish().code, -1, "killed");
    w.clear_faults();
    assert!(
        w.state_sibling(".lock").exists(),
        "the killed run left its lock"
    );
    w.assert_state_parses();

    let next = w.apply();
    assert!(next.stderr.contains("took over a stale lock"), "{next}");
    w.converge(2);
    w.assert_no_duplicates();
    assert_eq!(w.qbo_all("Customer").len(), 20);
    assert!(!w.state_sibling(".lock").exists());
}

#[test]
fn a_live_foreign_lock_needs_force_unlock() {
    // A lock from another host cannot be checked for liveness: never stolen.
    let w = seeded();
    let store = hsqb::state::LocalStore::new(w.state_path());
    let foreign = hsqb::state::LockHolder {
        id: "11111111-2222-3333-4444-555555555555".into(),
        host: "some-other-runner".into(),
        pid: 1,
        since: t0(),
        command: "apply".into(),
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(store.lock(&foreign, std::time::Duration::ZERO))
        .unwrap();
    w.reset_stats();
    let a = w.apply();
    assert_eq!(a.code, 1, "{a}");
    assert!(a.stderr.contains("some-other-runner"), "{a}");
    assert!(w.writes().is_empty());
    let wrong = w.hsqb(&["force-unlock", "not-the-id"]);
    assert_eq!(wrong.code, 1, "{wrong}");
    let unlock = w.hsqb(&["force-unlock", &foreign.id]);
    unlock.expect_code(0);
    w.converge(1);
    assert_eq!(w.qbo_all("Customer").len(), 20);
}
