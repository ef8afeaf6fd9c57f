//! #15 row F and item 6: SIGINT and SIGTERM interrupt the script, the exit-time outputs are
//! finished and valid, and the exit code is the shell's for the signal; in the REPL, Ctrl-C
//! interrupts the running statement and the session goes on.

mod common;

use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use gclox_runtime::gclox_gc::pprof::HeapProfile;

#[test]
fn sigint_and_sigterm_finish_every_output_and_exit_130_and_143() {
    for (sig, code) in [("INT", 130), ("TERM", 143)] {
        let dir = scratch(&format!("signal-{sig}"));
        let script = write(&dir, "churn.lox", CHURN);
        let out = |name: &str| dir.join(name);
        let (mut child, stderr) = spawn_with_stderr(
            gclox()
                .arg("--memprofile")
                .arg(out("heap.pb.gz"))
                .arg("--heapsnapshot")
                .arg(out("heap.heapsnapshot"))
                .arg("--trace")
                .arg(out("trace.json"))
                .arg("--memstats-csv")
                .arg(out("memstats.csv"))
                .arg("--memstats-interval")
                .arg("1ms")
                .arg(&script)
                .stdout(Stdio::null()),
        );
        // Running for real: the sampler has written rows, and some cycles happened.
        wait_until("CSV rows", || {
            std::fs::read_to_string(out("memstats.csv")).is_ok_and(|csv| csv.lines().count() > 20)
        });
        std::thread::sleep(Duration::from_millis(300));
        signal(&child, sig);
        let (status, _) = wait_within(&mut child, GENEROUS);
        assert_eq!(status.code(), Some(code), "SIG{sig}: {}", stderr.text());
        assert!(stderr.text().contains("Interrupted."), "{}", stderr.text());

        let profile = HeapProfile::decode(&std::fs::read(out("heap.pb.gz")).unwrap())
            .expect("the profile decodes");
        assert!(!profile.samples.is_empty(), "the profile has samples");
        for json in ["heap.heapsnapshot", "trace.json"] {
            let text = std::fs::read(out(json)).unwrap();
            serde_json::from_slice::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("SIG{sig}: {json} is not JSON: {e}"));
        }
        assert_csv_rows_whole(&std::fs::read_to_string(out("memstats.csv")).unwrap());
    }
}

#[test]
fn ctrl_c_in_the_repl_interrupts_the_statement_and_keeps_the_session() {
    let home = scratch("repl-ctrl-c");
    let mut child = gclox()
        .env("HOME", &home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Collected::start(child.stdout.take().unwrap());
    let stderr = Collected::start(child.stderr.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    // Once an entry has run, the REPL watches for SIGINT (before, a SIGINT would kill it).
    stdin.write_all(b"var a = 41;\nprint \"ready\";\n").unwrap();
    stdin.flush().unwrap();
    wait_until("the REPL to run an entry", || {
        stdout.text().contains("ready")
    });
    stdin.write_all(b"while (true) {}\n").unwrap();
    stdin.flush().unwrap();
    // A SIGINT that lands before the loop runs is forgotten (as a Ctrl-C at the prompt is):
    // send one every 300 ms until the loop reports its interruption.
    wait_until("the loop to be interrupted", || {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the REPL died: {}",
            stderr.text()
        );
        signal(&child, "INT");
        std::thread::sleep(Duration::from_millis(300));
        stderr.text().contains("Interrupted.")
    });
    // The history holds every entry already, before the session ends.
    let history = std::fs::read_to_string(home.join(".gclox_history")).unwrap_or_default();
    assert!(history.contains("var a = 41;"), "history: {history:?}");
    stdin.write_all(b"print a + 1;\n").unwrap();
    drop(stdin);
    let (status, _) = wait_within(&mut child, GENEROUS);
    assert_eq!(status.code(), Some(0), "{}", stderr.text());
    assert!(stdout.text().contains("42"), "stdout: {:?}", stdout.text());
}
