//! #15 rows H and I: a closed stdout ends the run at once (exit 74, one line on stderr), and a
//! trace into a pipe nobody reads does not grow memory.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::*;

#[test]
fn a_closed_stdout_ends_an_endless_printing_loop_with_exit_74() {
    let dir = scratch("closed-stdout");
    let script = write(
        &dir,
        "loop.lox",
        "var i = 0; while (true) { print i; i = i + 1; }\n",
    );
    let (mut child, stderr) = spawn_with_stderr(gclox().arg(&script).stdout(Stdio::piped()));
    // `| head -1`: read one line, then close the pipe.
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "0\n");
    let (status, _) = wait_within(&mut child, GENEROUS);
    assert_eq!(status.code(), Some(74));
    let text = stderr.text();
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    assert!(text.starts_with("gclox: cannot write to stdout:"), "{text}");
}

#[test]
fn a_finite_script_whose_output_is_lost_does_not_exit_0() {
    let dir = scratch("closed-stdout-finite");
    let script = write(
        &dir,
        "some.lox",
        "for (var i = 0; i < 100; i = i + 1) print i;\n",
    );
    // The pipe's read end is closed before the child starts, so its first write fails
    // whatever the scheduling (closing `Stdio::piped()` after the spawn raced the child:
    // under load it could finish its 100 lines into the pipe's buffer first).
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let (mut child, stderr) = spawn_with_stderr(gclox().arg(&script).stdout(writer));
    let (status, _) = wait_within(&mut child, GENEROUS);
    assert_eq!(status.code(), Some(74), "{}", stderr.text());
}

/// Peak resident memory of a running process (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(target_os = "linux")]
#[test]
fn a_trace_into_an_unread_pipe_keeps_memory_bounded() {
    let dir = scratch("unread-trace");
    let script = write(&dir, "churn.lox", CHURN);
    let mut child = gclox()
        .args([
            "--max-heap",
            "64MiB",
            "--timeout",
            "4s",
            "--trace",
            "/dev/stdout",
        ])
        .arg(&script)
        .stdout(Stdio::piped()) // never read
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = peak_rss_kib(child.id()) {
            peak = peak.max(kib);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(70));
    assert!(peak > 0, "RSS was read");
    assert!(
        peak <= 128 << 10,
        "peak RSS {peak} KiB under --max-heap 64MiB"
    );
}

#[test]
fn stdout_and_stderr_into_one_closed_pipe_is_still_exit_74_not_a_panic() {
    // `gclox x.lox 2>&1 | head -1`: the line saying stdout failed cannot be written either.
    let dir = scratch("closed-both");
    let script = write(&dir, "loop.lox", "while (true) print \"x\";\n");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = gclox()
        .arg(&script)
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .spawn()
        .unwrap();
    let (status, _) = wait_within(&mut child, GENEROUS);
    assert_eq!(status.code(), Some(74));
}
