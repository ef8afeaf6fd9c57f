//! Runs the project's own Lox corpus (`tests/lox/**.lox` at the workspace root) in-process.
//!
//! Expectations are comments in each file, in the official suite's notation:
//! - `// expect: TEXT` — the next line of standard output;
//! - `// expect runtime error: MESSAGE` — the run fails with MESSAGE, and the innermost trace
//!   line names this source line;
//! - `// Error at 'x': MESSAGE` (or `// [line N] Error ...`) — a compile error reported at this
//!   line (or line N); every expected compile error must be reported and no other.
//!
//! A file may also say `// config: max_frames=N` to run with a different call depth.

use std::path::{Path, PathBuf};

use gclox_gc::GcMode;
use gclox_interp::LoxError;
use gclox_runtime::{sink::Captured, Config, Runtime};

struct Expectations {
    output: Vec<String>,
    compile_errors: Vec<String>,
    runtime_error: Option<(String, u32)>,
    max_frames: Option<usize>,
}

fn parse(source: &str) -> Expectations {
    let mut e = Expectations {
        output: vec![],
        compile_errors: vec![],
        runtime_error: None,
        max_frames: None,
    };
    for (i, line) in source.lines().enumerate() {
        let line_no = i as u32 + 1;
        if let Some(rest) = line.split("// expect: ").nth(1) {
            e.output.push(rest.to_string());
        } else if let Some(rest) = line.split("// expect runtime error: ").nth(1) {
            e.runtime_error = Some((rest.to_string(), line_no));
        } else if let Some(rest) = line.split("// [line ").nth(1) {
            let (n, msg) = rest.split_once("] ").expect("`// [line N] Error...`");
            e.compile_errors.push(format!("[line {n}] {msg}"));
        } else if let Some(rest) = line.split("// Error").nth(1) {
            e.compile_errors
                .push(format!("[line {line_no}] Error{rest}"));
        } else if let Some(rest) = line.split("// config: max_frames=").nth(1) {
            e.max_frames = Some(rest.trim().parse().expect("max_frames=N"));
        }
    }
    e
}

/// Runs one file; returns a description of every mismatch.
fn check(path: &Path, base: &Config) -> Vec<String> {
    let source = std::fs::read_to_string(path).expect("readable test file");
    let expected = parse(&source);
    let mut config = base.clone();
    if let Some(frames) = expected.max_frames {
        config.vm.max_frames = frames;
    }
    let out = Captured::new();
    let mut runtime = Runtime::new(config, out.writer());
    let result = runtime.run_source(&source);
    let mut problems = vec![];

    let actual: Vec<String> = out.text().lines().map(str::to_string).collect();
    if actual != expected.output {
        problems.push(format!(
            "stdout differs\n  expected: {:?}\n  actual:   {:?}",
            expected.output, actual
        ));
    }
    match (
        &result,
        &expected.runtime_error,
        expected.compile_errors.is_empty(),
    ) {
        (Ok(()), None, true) => {}
        (Err(LoxError::Compile(errors)), None, false) => {
            let mut got = errors.clone();
            let mut want = expected.compile_errors.clone();
            got.sort();
            want.sort();
            if got != want {
                problems.push(format!(
                    "compile errors differ\n  expected: {want:?}\n  actual:   {got:?}"
                ));
            }
        }
        (Err(LoxError::Runtime { message, trace }), Some((want, line)), true) => {
            if message != want {
                problems.push(format!("runtime error {message:?}, expected {want:?}"));
            }
            let first = trace.first().map(String::as_str).unwrap_or("");
            if !first.starts_with(&format!("[line {line}] in ")) {
                problems.push(format!("trace starts {first:?}, expected line {line}"));
            }
        }
        (result, _, _) => problems.push(format!(
            "outcome {result:?}, expected runtime error {:?} and compile errors {:?}",
            expected.runtime_error, expected.compile_errors
        )),
    }
    problems
}

fn corpus_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("tests/lox exists") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            corpus_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "lox") {
            files.push(path);
        }
    }
}

/// Runs every corpus file under `config`; every file must behave identically under every
/// collector setting.
fn run_corpus(config: Config) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/lox");
    let mut files = vec![];
    corpus_files(&root, &mut files);
    files.sort();
    assert!(files.len() >= 10, "corpus too small: {} files", files.len());
    let filter = std::env::var("LOX_FILTER").unwrap_or_default();
    let mut failures = vec![];
    let mut ran = 0;
    for file in &files {
        if !file.to_string_lossy().contains(&filter) {
            continue;
        }
        ran += 1;
        let problems = check(file, &config);
        if !problems.is_empty() {
            failures.push(format!("{}:\n  {}", file.display(), problems.join("\n  ")));
        }
    }
    assert!(ran > 0, "no corpus file matched LOX_FILTER={filter:?}");
    assert!(
        failures.is_empty(),
        "{} of {ran} files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn own_lox_corpus() {
    run_corpus(Config::default());
}

/// A full collection after every allocating instruction.
#[test]
fn own_lox_corpus_under_gc_stress() {
    let mut config = Config::default();
    config.gc.stress = true;
    run_corpus(config);
}

/// Stop-the-world cycles on a tiny heap with a low gogc: many whole collections.
#[test]
fn own_lox_corpus_stw_tiny_heap() {
    let mut config = Config::default();
    config.gc.mode = GcMode::StopTheWorld;
    config.gc.min_heap = Some(1024);
    config.gc.gogc = Some(10);
    run_corpus(config);
}

/// Extreme slicing: one instruction and one byte of allocation per slice, one object of
/// collector work per step, on a tiny heap — the collector interleaves everywhere.
#[test]
fn own_lox_corpus_extreme_slices() {
    let mut config = Config {
        slice_instructions: 1,
        ..Config::default()
    };
    config.vm.slice_alloc_bytes = 1;
    config.gc.min_heap = Some(1024);
    config.gc.step_budget = 1;
    config.gc.min_step = 1;
    run_corpus(config);
}

/// Every other pacing policy on a small heap (so that they all collect often), and a step
/// time budget that cuts steps short every few objects.
#[test]
fn own_lox_corpus_under_every_pacer() {
    for pacer in gclox_gc::PacerKind::ALL {
        let mut config = Config::default();
        config.gc.pacer = pacer;
        config.gc.min_heap = Some(16 << 10);
        run_corpus(config);
    }
    let mut timed = Config::default();
    timed.gc.min_heap = Some(16 << 10);
    timed.gc.step_time_budget = Some(std::time::Duration::from_nanos(1));
    run_corpus(timed);
}
