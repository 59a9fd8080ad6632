//! The state lock: a second writer exits 3 at once with the holder's details; a lock left by
//! a process that died does not block the next run.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{expect_code, World};

/// Starts a process that takes the state lock like cairn does (an OS file lock) and writes
/// holder details, then sleeps.
pub(crate) fn hold_lock(stack_dir: &std::path::Path) -> std::process::Child {
    let dir = stack_dir.join(".cairn");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let lock = dir.join("state.lock");
    let script = format!(
        r#"
import fcntl, json, os, sys, time
f = open({lock:?}, "a+")
fcntl.flock(f, fcntl.LOCK_EX)
f.truncate(0)
f.write(json.dumps({{"id": "test-lock-id", "who": "tester", "host": "testhost", "pid": os.getpid(), "created": "2026-01-01T00:00:00Z", "operation": "apply"}}))
f.flush()
print("locked", flush=True)
time.sleep(120)
"#,
        lock = lock.to_str().expect("utf-8 path")
    );
    let mut child = Command::new("python3")
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    let stdout = child.stdout.as_mut().expect("stdout");
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).expect("read");
    assert_eq!(line.trim(), "locked");
    child
}

#[test]
fn a_second_writer_fails_at_once_and_a_dead_holder_does_not_block() {
    let w = World::example("network");
    let mut holder = hold_lock(&w.path(""));

    let started = Instant::now();
    let run = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&run, 3);
    assert!(started.elapsed() < Duration::from_secs(20), "fails at once");
    assert!(run.stderr.contains("tester@testhost"), "{run:?}");
    assert!(run.stderr.contains("test-lock-id"), "{run:?}");
    assert!(
        run.stderr.contains(&format!("pid {}", holder.id())),
        "{run:?}"
    );
    expect_code(&w.cairn(&["destroy", "--auto-approve"]), 3);
    // Reading commands do not wait for the lock.
    expect_code(&w.cairn(&["plan"]), 0);

    // The holder dies without cleaning up: the next run goes ahead.
    holder.kill().expect("kill");
    holder.wait().expect("wait");
    let run = w.cairn(&["apply", "--auto-approve"]);
    expect_code(&run, 0);
    // force-unlock refuses to clear a lock that is not there.
    let run = w.cairn(&["force-unlock", "test-lock-id"]);
    expect_code(&run, 1);
}
