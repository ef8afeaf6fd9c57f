//! Memory a script can make the runtime hold is bounded by `--max-heap` (#15 row B): each
//! case either runs in bounded memory or ends with a clean `Out of memory.` (exit 70). Peak
//! RSS is read from `--stats` (Linux); inputs are scaled down from the so the tests
//! stay quick, but each made the runtime hold hundreds of MB (or fail differently) before.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::gclox;
use gclox_interp::LoxError;
use gclox_runtime::{sink::Captured, Config, Runtime};

fn temp_script(name: &str, text: &str) -> PathBuf {
    common::write(&common::scratch(&format!("memory-{name}")), name, text)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Peak RSS in MiB from `--stats`' last line, where the platform reports it.
fn peak_rss_mib(out: &Output) -> Option<u64> {
    let err = stderr(out);
    let line = err.lines().find(|l| l.starts_with("gclox: peak RSS "))?;
    let kib: u64 = line.split_whitespace().nth(3)?.parse().ok()?;
    Some(kib / 1024)
}

fn assert_rss_below(out: &Output, mib: u64) {
    if let Some(peak) = peak_rss_mib(out) {
        assert!(peak < mib, "peak RSS {peak} MiB, expected < {mib} MiB");
    }
}

/// A function name of 256 KiB.
fn long_name() -> String {
    "f".repeat(256 << 10)
}

#[test]
fn a_stack_overflow_with_long_names_prints_a_cut_trace() {
    let name = long_name();
    let script = temp_script(
        "overflow.lox",
        &format!("fun {name}() {{ {name}(); }}\n{name}();\n"),
    );
    let out = gclox()
        .args(["--stats", "--max-heap", "64MiB"])
        .arg(&script)
        .output()
        .expect("gclox runs");
    assert_eq!(out.status.code(), Some(70));
    let err = stderr(&out);
    assert!(err.starts_with("Stack overflow.\n"), "{}", &err[..80]);
    // 4096 frames used to print 4096 lines of 256 KiB (1 GiB of stderr).
    assert!(err.contains("\n... 4076 more frames\n"));
    assert!(err.len() < 24 * name.len(), "stderr of {} bytes", err.len());
    assert_rss_below(&out, 64);
}

#[test]
fn sampling_frames_with_long_names_shares_the_names() {
    // Twenty allocation sites sixty frames deep, every allocation sampled: each site's stack
    // used to copy every frame's name (60 × 256 KiB per site and per sample).
    let name = long_name();
    let sites: String = (0..20).map(|i| format!("  keep = C{i}();\n")).collect();
    let classes: String = (0..20).map(|i| format!("class C{i} {{}}\n")).collect();
    let script = temp_script(
        "sampling.lox",
        &format!(
            "{classes}fun {name}(d) {{\n  if (d > 0) return {name}(d - 1);\n  var keep;\n  \
             for (var i = 0; i < 20; i = i + 1) {{\n{sites}  }}\n  return keep;\n}}\n\
             {name}(60);\nprint \"done\";\n"
        ),
    );
    let out = gclox()
        .args(["--stats", "--max-heap", "64MiB", "--memprofilerate", "1"])
        .arg(&script)
        .output()
        .expect("gclox runs");
    assert_eq!(out.status.code(), Some(0), "{}", &stderr(&out)[..200]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "done\n");
    assert_rss_below(&out, 64);
}

#[test]
fn global_names_count_against_the_limit() {
    // A REPL-like session defining ever more globals with 4 KiB names: the names used to be
    // held outside every limit (65 536 of them: 256 MiB) until the slots ran out.
    let mut config = Config::default();
    config.gc.max_heap = Some(4 << 20);
    let mut runtime = Runtime::new(config, Captured::new().writer());
    let prefix = "g".repeat(4 << 10);
    let failed_at = (0..4000).find_map(|i| {
        runtime
            .run_source(&format!("var {prefix}{i} = {i};"))
            .err()
            .map(|err| (i, err))
    });
    let Some((i, LoxError::Runtime { message, .. })) = failed_at else {
        panic!("4000 globals of 4 KiB fit under 4 MiB: {failed_at:?}");
    };
    assert_eq!(message, "Out of memory.");
    assert!(i > 100, "failed early, at global {i}");
}

#[test]
fn a_script_larger_than_the_limit_is_not_read() {
    let script = temp_script("large.lox", &"nil;\n".repeat(1 << 20));
    let out = gclox()
        .args(["--max-heap", "1MiB"])
        .arg(&script)
        .output()
        .expect("gclox runs");
    assert_eq!(out.status.code(), Some(70));
    assert_eq!(stderr(&out), "Out of memory.\n");
}

#[test]
fn compiling_stops_at_the_limit() {
    // 1 MiB of source compiles to ~6 MiB of code, line tables and inline caches: over a
    // 4 MiB limit, compiling stops (no frame ran, so no trace) instead of building it all.
    let script = temp_script("code.lox", &"nil;\n".repeat(200_000));
    let out = gclox()
        .args(["--stats", "--max-heap", "4MiB"])
        .arg(&script)
        .output()
        .expect("gclox runs");
    assert_eq!(out.status.code(), Some(70));
    assert!(
        stderr(&out).starts_with("Out of memory.\ngclox: "),
        "{}",
        stderr(&out)
    );
    assert_rss_below(&out, 32);
}

#[test]
fn a_heap_snapshot_that_does_not_fit_fails_cleanly() {
    // A 6 MB heap under an 8 MiB limit: the snapshot's graph and analysis (~5× the heap)
    // would not fit in what is left.
    let script = temp_script(
        "snapshot.lox",
        "class Node { init(next) { this.next = next; } }\nvar keep = nil;\n\
         for (var i = 0; i < 60000; i = i + 1) { keep = Node(keep); }\nprint \"built\";\n",
    );
    let snapshot = script.with_extension("heapsnapshot");
    let out = gclox()
        .args(["--stats", "--max-heap", "8MiB", "--heapsnapshot"])
        .arg(&snapshot)
        .arg(&script)
        .output()
        .expect("gclox runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "built\n");
    assert_eq!(out.status.code(), Some(70), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.starts_with("gclox: cannot write heap snapshot ") && err.contains("Out of memory."),
        "{err}"
    );
    // With room, the same snapshot is written.
    let out = gclox()
        .args(["--max-heap", "256MiB", "--heapsnapshot"])
        .arg(&snapshot)
        .arg(&script)
        .output()
        .expect("gclox runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::metadata(&snapshot).expect("snapshot").len() > 1 << 20);
    let _ = std::fs::remove_file(&snapshot);
}

/// `f(d)` calls itself from inside a 95-deep nest of 255-argument calls, so each of its
/// frames holds ~24 000 live stack slots: `f(100)` needs a 2.4 M-slot (19 MB) value stack.
fn deep_rooms_script(depth: u32) -> PathBuf {
    let args = "nil,".repeat(254);
    let mut expression = "f(d - 1)".to_string();
    for _ in 0..95 {
        expression = format!("h({args}{expression})");
    }
    let params = (0..255)
        .map(|i| format!("p{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    temp_script(
        &format!("rooms{depth}.lox"),
        &format!(
            "fun h({params}) {{ return 0; }}
             fun f(d) {{ if (d == 0) return 0; return {expression}; }}
             f({depth});
print \"done\";
"
        ),
    )
}

#[test]
fn the_value_stack_counts_against_the_limit() {
    let script = deep_rooms_script(100);
    let out = gclox()
        .args(["--max-heap", "8MiB"])
        .arg(&script)
        .output()
        .expect("gclox runs");
    assert_eq!(out.status.code(), Some(70), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("Out of memory.\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn deep_stacks_are_not_refilled_at_every_slice() {
    // Every slice used to refill the stack's whole unused room with nil: ~4 800 slices of
    // up to 4.8 M slots here (3 s, quadratic in depth); now at most one frame's room per
    // slice (0.1 s).
    let script = deep_rooms_script(200);
    let began = std::time::Instant::now();
    let out = gclox().arg(&script).output().expect("gclox runs");
    let took = began.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "done\n");
    assert!(took.as_secs_f64() < 1.5, "took {took:?}");
}
