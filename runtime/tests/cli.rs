//! The `gclox` binary: exit codes, error output, the REPL, and peak memory on cyclic garbage.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn gclox() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gclox"))
}

fn temp_script(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclox-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write script");
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run_file(name: &str, source: &str) -> Output {
    let path = temp_script(name, source);
    gclox().arg(&path).output().expect("gclox runs")
}

#[test]
fn runs_a_file() {
    let out = run_file("ok.lox", "print 1 + 2;\nprint \"done\";\n");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "3\ndone\n");
    assert!(out.stderr.is_empty());
}

#[test]
fn compile_errors_exit_65() {
    let out = run_file("compile.lox", "print 1 +;\nvar = 2;\n");
    assert_eq!(out.status.code(), Some(65));
    assert_eq!(
        text(&out.stderr),
        "[line 1] Error at ';': Expect expression.\n[line 2] Error at '=': Expect variable name.\n"
    );
}

#[test]
fn runtime_errors_exit_70_with_a_stack_trace() {
    let source =
        "fun inner() { return -\"x\"; }\nfun outer() { inner(); }\nprint \"before\";\nouter();\n";
    let out = run_file("runtime.lox", source);
    assert_eq!(out.status.code(), Some(70));
    assert_eq!(
        text(&out.stdout),
        "before\n",
        "output before the error is kept"
    );
    assert_eq!(
        text(&out.stderr),
        "Operand must be a number.\n[line 1] in inner()\n[line 2] in outer()\n[line 4] in script\n"
    );
}

#[test]
fn unreadable_file_exits_74() {
    let out = gclox()
        .arg("/nonexistent/dir/x.lox")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(74));
    assert_eq!(
        text(&out.stderr),
        "Could not open file \"/nonexistent/dir/x.lox\".\n"
    );
}

#[test]
fn usage_errors_exit_64_with_one_line() {
    for args in [
        &["--no-such-flag"][..],
        &["a.lox", "b.lox"],
        &["--max-frames", "zero"],
        &["--timeout", "0s", "x.lox"],
        &["--memstats-interval", "0ms", "x.lox"],
        &["--max-heap", "99999999999TiB", "x.lox"],
        &["--memprofile", "p.pb.gz", "--memprofilerate", "0", "x.lox"],
    ] {
        let out = gclox().args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn unwritable_output_files_exit_74_before_the_script_runs() {
    let script = temp_script("prints.lox", "print \"ran\";\n");
    for flag in [
        "--trace",
        "--memprofile",
        "--heapsnapshot",
        "--memstats-csv",
    ] {
        let out = gclox()
            .args([flag, "/nonexistent/dir/out"])
            .arg(&script)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(74), "{flag}");
        assert!(out.stdout.is_empty(), "{flag}: the script ran anyway");
        let stderr = text(&out.stderr);
        assert!(
            stderr.starts_with("gclox: cannot write") && stderr.lines().count() == 1,
            "{flag}: {stderr}"
        );
    }
}

#[test]
fn negative_gogc_turns_collection_off_like_go() {
    let script = temp_script(
        "gogc_off.lox",
        "class A {} for (var i = 0; i < 300000; i = i + 1) A();\n",
    );
    let cycles = |gogc: &str| {
        let out = gclox()
            .args(["--gogc", gogc, "--stats"])
            .arg(&script)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        let (before, _) = stderr.split_once(" GC cycles").expect("--stats line");
        let n: u64 = before.rsplit(' ').next().unwrap().parse().expect("a count");
        n
    };
    assert!(
        cycles("100") > 0,
        "the script must be big enough to collect"
    );
    assert_eq!(cycles("-1"), 0);
}

#[test]
fn help_documents_every_flag() {
    let out = gclox().arg("--help").output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for flag in [
        "--max-frames",
        "--slice-instructions",
        "--slice-alloc",
        "--stats",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn stack_overflow_depth_is_configurable() {
    let path = temp_script(
        "deep.lox",
        "fun f(n) { if (n == 0) return 0; return f(n - 1); }\nprint f(100);\n",
    );
    let ok = gclox().arg(&path).output().expect("runs");
    assert_eq!(text(&ok.stdout), "0\n");
    let shallow = gclox()
        .args(["--max-frames", "50"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(shallow.status.code(), Some(70));
    assert!(text(&shallow.stderr).starts_with("Stack overflow.\n"));
}

#[test]
fn repl_keeps_definitions_and_survives_errors() {
    let mut child = gclox()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env("HOME", std::env::temp_dir())
        .spawn()
        .expect("REPL starts");
    let input = "var a = 20;\nprint nope;\nfun add(b) {\n  return a + b;\n}\nprint add(22);\nprint (;\nprint a;\n";
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child
        .wait_with_output()
        .expect("REPL exits at end of input");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "42\n20\n");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Undefined variable 'nope'."), "{stderr}");
    assert!(
        stderr.contains("Error at ';': Expect expression."),
        "{stderr}"
    );
}

/// Peak RSS of the binary on cyclic garbage: the program allocates ~0.5 GB in total.
#[test]
fn peak_rss_stays_small_on_cyclic_garbage() {
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cycles/doubly_linked.lox");
    let out = gclox().arg("--stats").arg(program).output().expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    let Some(kib) = stderr
        .lines()
        .find_map(|l| l.strip_prefix("gclox: peak RSS "))
        .and_then(|l| l.trim_end_matches(" KiB").parse::<u64>().ok())
    else {
        panic!("no peak RSS line in {stderr}");
    };
    assert!(kib < 64 * 1024, "peak RSS {kib} KiB");
}

#[test]
fn limit_flags_stop_runaway_scripts_with_exit_70() {
    let path = temp_script("spin.lox", "while (true) {}\n");
    for args in [&["--max-instructions", "5000"][..], &["--timeout", "50ms"]] {
        let out = gclox().args(args).arg(&path).output().expect("runs");
        assert_eq!(out.status.code(), Some(70), "{args:?}");
        let stderr = text(&out.stderr);
        assert!(stderr.ends_with("[line 1] in script\n"), "{stderr}");
    }
    let out = gclox()
        .args(["--timeout", "soon"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn gctrace_flag_and_environment_print_lines_on_stderr() {
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cycles/ring.lox");
    let by_flag = gclox()
        .arg("--gctrace")
        .arg(&program)
        .output()
        .expect("runs");
    let by_env = gclox()
        .env("GCLOX_GCTRACE", "1")
        .arg(&program)
        .output()
        .expect("runs");
    for out in [by_flag, by_env] {
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), "49000000\n");
        let stderr = text(&out.stderr);
        assert!(stderr.lines().count() > 10, "{stderr}");
        assert!(stderr
            .lines()
            .all(|l| l.starts_with("gc ") && l.ends_with(" 1 P")));
    }
}

#[test]
fn max_heap_flag_fails_a_growing_script_with_out_of_memory() {
    let path = temp_script(
        "grow.lox",
        "class N { init(n) { this.n = n; } }\nvar list = nil;\nwhile (true) list = N(list);\n",
    );
    let out = gclox()
        .args(["--max-heap", "4MiB"])
        .arg(&path)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(70));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("Out of memory.\n"), "{stderr}");
    assert!(stderr.ends_with("[line 3] in script\n"), "{stderr}");
}

#[test]
fn short_and_long_help_open_alike() {
    let first = |flag: &str| {
        let out = gclox().arg(flag).output().expect("runs");
        assert_eq!(out.status.code(), Some(0));
        text(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let short = first("-h");
    assert!(short.starts_with("gclox: a Lox interpreter"), "{short}");
    assert_eq!(short, first("--help"));
}

#[test]
fn gctrace_level_after_a_space_and_suggestions_for_typos() {
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cycles/ring.lox");
    let out = gclox()
        .args(["--gctrace", "2"])
        .arg(&program)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    // Level 2 adds a detail line (`gc N: steps …`) per cycle to level 1's `gc N @…` line.
    assert!(stderr.lines().any(|l| l.contains(" @")), "{stderr}");
    assert!(stderr.lines().any(|l| l.contains(": steps ")), "{stderr}");

    let out = gclox()
        .arg("--gctrce")
        .arg(&program)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(64));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("did you mean '--gctrace'?"), "{stderr}");
}

/// A duration flag too large for the clock is a usage error, not a panic in the thread that
/// would add it to `Instant::now()` (issue #15, row D).
#[test]
fn huge_durations_are_usage_errors() {
    let script = temp_script("huge_duration.lox", "print 1;");
    let csv = std::env::temp_dir().join("gclox-huge-duration.csv");
    for flags in [
        vec![
            "--memstats-csv",
            csv.to_str().unwrap(),
            "--memstats-interval",
            "2600000000000000h",
        ],
        vec!["--timeout", "2600000000000000h"],
    ] {
        let out = gclox().args(&flags).arg(&script).output().expect("runs");
        assert_eq!(
            out.status.code(),
            Some(64),
            "{flags:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("out of range"),
            "{}",
            text(&out.stderr)
        );
    }
}
