//! Replays the fuzzers' findings: every reproducer in `tests/fuzz-regressions/`, named
//! `<target>-<n>.lox`, goes through the same harness logic as the cargo-fuzz target it was found
//! by — `fuzz/src/lib.rs`, included here as a module, so the configurations and checks are
//! written once (see `fuzz/README.md`).
//!
//! A reproducer of a bug that is still open is listed in [`OPEN_BUGS`]: the replay of all files
//! skips it, and its own `#[ignore]`d test asserts the correct behaviour (run them with
//! `cargo test -p gclox-runtime --test fuzz_regressions -- --ignored`). Fixing the bug means
//! removing it from the list and the `#[ignore]`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use gclox_interp::LoxError;
use gclox_runtime::Runtime;

#[path = "../../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod harness;

/// Reproducers of open bugs, by file name, each with an ignored test below. (The three found so
/// far — compile-1, compile-2, gc_stress-1 — are fixed; their tests below now run.)
const OPEN_BUGS: &[&str] = &[];

fn regressions_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fuzz-regressions")
}

fn reproducers() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(regressions_dir())
        .expect("tests/fuzz-regressions/ exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "lox"))
        .collect();
    files.sort();
    files
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(regressions_dir().join(name)).expect("the reproducer exists")
}

/// The target a reproducer's file name names: `run-3.lox` → `run`.
fn target_of(path: &Path) -> String {
    let stem = path.file_stem().unwrap().to_string_lossy();
    let (target, n) = stem
        .rsplit_once('-')
        .unwrap_or_else(|| panic!("{} is not named <target>-<n>.lox", path.display()));
    assert!(
        n.parse::<u32>().is_ok(),
        "{} is not named <target>-<n>.lox",
        path.display()
    );
    target.to_string()
}

/// Runs one input through the harness of `target`, as `cargo fuzz run <target>` would.
fn replay(target: &str, data: &[u8]) {
    match target {
        "compile" => harness::compile(data),
        "run" => harness::run(data),
        "gc_stress" => harness::gc_stress(data),
        "repl" => harness::repl(data),
        other => panic!("no fuzz target {other:?}"),
    }
}

#[test]
fn every_reproducer_replays_cleanly() {
    let mut failures = Vec::new();
    let mut replayed = 0;
    for path in reproducers() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let target = target_of(&path);
        if OPEN_BUGS.contains(&name.as_str()) {
            continue;
        }
        let data = std::fs::read(&path).expect("a readable reproducer");
        if catch_unwind(AssertUnwindSafe(|| replay(&target, &data))).is_err() {
            failures.push(name);
        }
        replayed += 1;
    }
    assert!(failures.is_empty(), "reproducers that fail: {failures:?}");
    eprintln!("{replayed} reproducers replayed");
}

#[test]
fn every_open_bug_has_its_reproducer() {
    for name in OPEN_BUGS {
        assert!(regressions_dir().join(name).is_file(), "{name} is missing");
    }
}

/// The harness accepts the project's own Lox programs (the fuzzers' seed corpus) under every
/// target: a check that the harness's oracles raise no false alarms — and, for `gc_stress`, that
/// the corpus behaves the same under the stress, incremental and default collectors.
#[test]
fn the_seed_programs_pass_every_target() {
    let files = seed_programs();
    let mut failures = Vec::new();
    for path in &files {
        let data = std::fs::read(path).expect("a readable program");
        for target in ["compile", "run", "gc_stress", "repl"] {
            if catch_unwind(AssertUnwindSafe(|| replay(target, &data))).is_err() {
                failures.push(format!("{target}: {}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "harness failures: {failures:#?}");
}

/// Mutants of the seed programs this test makes for every target (a fixed seed, so a failure
/// reproduces; `GCLOX_FUZZ_SMOKE=N` asks for N instead, `GCLOX_FUZZ_SEED` for another seed).
const SMOKE_MUTANTS: usize = 3000;

/// The CI fuzz smoke: no coverage guidance (that is what `cargo fuzz` is for, see
/// `fuzz/README.md`), but the same oracles over mutants of the seeds — byte flips, deleted,
/// duplicated and spliced spans, dictionary tokens — enough to catch a harness or interpreter
/// regression that only shows on malformed programs. A failing mutant is written to the
/// target directory, ready to become `tests/fuzz-regressions/<target>-<n>.lox`.
#[test]
fn seeded_mutants_pass_every_target() {
    use rand::{rngs::SmallRng, Rng, SeedableRng};
    let env_number = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let mutants = env_number("GCLOX_FUZZ_SMOKE", SMOKE_MUTANTS as u64) as usize;
    let mut rng = SmallRng::seed_from_u64(env_number("GCLOX_FUZZ_SEED", 0x6c6f78));
    let seeds: Vec<Vec<u8>> = seed_programs()
        .iter()
        .map(|path| std::fs::read(path).expect("a readable program"))
        .filter(|data| data.len() <= 16 * 1024)
        .collect();
    let tokens = dictionary_tokens();
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let mut failures = Vec::new();
    let mut compiled = 0;
    for i in 0..mutants {
        let mut data = seeds[rng.random_range(0..seeds.len())].clone();
        for _ in 0..rng.random_range(1..=4) {
            mutate(&mut data, &seeds, &tokens, &mut rng);
        }
        let source = std::str::from_utf8(&data).unwrap_or("");
        let mut globals = gclox_interp::global_names::GlobalNames::default();
        if !source.is_empty() && gclox_interp::compiler::compile(source, &mut globals).is_ok() {
            compiled += 1;
        }
        for target in ["compile", "run", "gc_stress", "repl"] {
            if catch_unwind(AssertUnwindSafe(|| replay(target, &data))).is_err() {
                let path = out_dir.join(format!("fuzz-smoke-{target}-{i}.lox"));
                std::fs::write(&path, &data).expect("write the failing mutant");
                failures.push(path.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "mutants that fail: {failures:#?}");
    // Most mutants are compile errors; enough must compile for the VM and collector oracles to
    // have been exercised at all.
    eprintln!("{compiled} of {mutants} mutants compiled and ran");
    assert!(
        compiled * 10 >= mutants,
        "only {compiled} of {mutants} mutants compiled"
    );
}

/// One random edit of `data`.
fn mutate(data: &mut Vec<u8>, seeds: &[Vec<u8>], tokens: &[Vec<u8>], rng: &mut impl rand::Rng) {
    let len = data.len();
    let at = rng.random_range(0..=len);
    let span = |rng: &mut dyn rand::RngCore| {
        let start = (rng.next_u32() as usize) % (len + 1);
        let end = (start + (rng.next_u32() as usize) % 64).min(len);
        start..end
    };
    match rng.random_range(0..5) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            data[i] ^= 1 << rng.random_range(0..8);
        }
        1 => {
            data.drain(span(rng));
        }
        2 => {
            let copied = data[span(rng)].to_vec();
            data.splice(at..at, copied);
        }
        3 => {
            let other = &seeds[rng.random_range(0..seeds.len())];
            let start = rng.random_range(0..=other.len());
            let end = (start + rng.random_range(0..256)).min(other.len());
            data.splice(at..at, other[start..end].iter().copied());
        }
        _ => {
            let token = &tokens[rng.random_range(0..tokens.len())];
            data.splice(at..at, token.iter().copied());
        }
    }
}

/// The quoted values of `fuzz/lox.dict`.
fn dictionary_tokens() -> Vec<Vec<u8>> {
    let dict = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/lox.dict");
    let text = std::fs::read_to_string(dict).expect("fuzz/lox.dict exists");
    let tokens: Vec<Vec<u8>> = text
        .lines()
        .filter_map(|line| {
            let (_, quoted) = line.split_once('"')?;
            let value = quoted.strip_suffix('"')?;
            Some(
                value
                    .replace("\\\"", "\"")
                    .replace("\\n", "\n")
                    .into_bytes(),
            )
        })
        .collect();
    assert!(
        tokens.len() > 30,
        "fuzz/lox.dict has only {} tokens",
        tokens.len()
    );
    tokens
}

/// The fuzzers' seeds: the project's own Lox programs.
fn seed_programs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut dirs = vec![
        root.join("tests/lox"),
        root.join("tests/cycles"),
        root.join("experiments/workloads"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a corpus directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "lox") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() > 100, "only {} seed programs", files.len());
    files
}

fn instructions_and_result(config: gclox_runtime::Config, source: &str) -> (u64, String) {
    let (mut rt, _out): (Runtime, _) = harness::runtime(config);
    let result = match rt.run_source(source) {
        Ok(()) => "ok".to_string(),
        Err(LoxError::Runtime { message, .. }) => message,
        Err(err) => format!("{err:?}"),
    };
    (rt.instructions(), result)
}

/// gc_stress-1: a slice that ends early — because it allocated its budget (`slice_alloc_bytes`;
/// under `gc.stress` every allocating instruction does) or because a native (`__gc()`,
/// `__setgcpercent`, `__leakreport()`) asked the host for something — is counted as if it had
/// run all its fuel: `check_budget!` in `interp/src/exec.rs` zeroes the remaining fuel to end
/// the slice, and `run_slice` adds `fuel - left` to `Env::instructions`. So
/// `Runtime::instructions()` over-counts and `max_instructions` ("Instruction limit
/// exceeded.") fires early, by up to `slice_instructions` per early-ended slice. The
/// reproducer makes 1 000 instances in 16 015 instructions (as counted with one-instruction
/// slices, which cannot over-count); the default configuration counts 16 322 (its 64 KiB
/// allocation budget ends a few slices early), and under stress it hits the 20 000-instruction
/// limit.
#[test]
fn gc_stress_1_instruction_count_does_not_depend_on_the_collector() {
    let source = String::from_utf8(read("gc_stress-1.lox")).unwrap();
    let [stress, incremental, default] = harness::gc_stress_configs();
    let reference = instructions_and_result(incremental, &source);
    assert_eq!(reference.1, "ok");
    assert_eq!(instructions_and_result(default, &source), reference);
    assert_eq!(instructions_and_result(stress, &source), reference);
    // The same with the default configuration and `__gc()`, which ends its slice.
    let gc_loop = "for (var i = 0; i < 10; i = i + 1) __gc();";
    let one_per_slice = gclox_runtime::Config {
        slice_instructions: 1,
        ..gclox_runtime::Config::default()
    };
    assert_eq!(
        instructions_and_result(gclox_runtime::Config::default(), gc_loop),
        instructions_and_result(one_per_slice, gc_loop),
    );
    // And the fuzz target's own check.
    harness::gc_stress(source.as_bytes());
}

/// Runs `f` on its own thread and fails if it has not returned within `limit` (a hang is then
/// reported instead of hanging the test run; the stuck thread is left behind).
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(f());
    });
    result
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("did not finish within {limit:?}"))
}

/// Compiling the reproducer `name` ends, within 5 s, with a "Too much nesting." error; then the
/// `compile` target's harness replays it.
fn assert_nesting_error_in_time(name: &str) {
    let data = read(name);
    let source = String::from_utf8(data.clone()).unwrap();
    let errors = within(Duration::from_secs(5), move || {
        gclox_interp::compiler::compile(&source, &mut Default::default())
            .expect_err("a compile error")
    });
    assert!(
        errors.iter().any(|e| e.ends_with("Too much nesting.")),
        "{errors:?}"
    );
    within(Duration::from_secs(5), move || harness::compile(&data));
}

// compile-1 and compile-2 share a cause: at the nesting limit, `enter_nesting`
// (`interp/src/compiler.rs`) makes a parse function return without consuming a token — which
// clox's parser never does (its `parsePrecedence` always advances first) — and two loops rely
// on every iteration consuming one. Each hang also grows memory without bound (measured: ~100 MB
// of RSS a second for compile-1, ~300 MB a second for compile-2) until it runs out. The `gclox`
// CLI and REPL compile through the same function, so they hang on these inputs too.

/// compile-1: a class body at the nesting limit. `Compiler::method` consumes the method name and
/// calls `function`, which `enter_nesting` refuses ("Too much nesting.") and which returns at
/// once; the class-body loop `while !check(RightBrace) && !check(Eof) { method() }` then calls
/// `method` forever on the same `(` token — in panic mode, so no further error is reported —
/// emitting an `OP_METHOD` each time. 200 `{` then `class A { m() {} }` (199 `{` compile, with
/// errors, in microseconds).
#[test]
fn compile_1_a_class_body_at_the_nesting_limit_is_a_compile_error() {
    assert_nesting_error_in_time("compile-1.lox");
}

/// compile-2: a second statement at the nesting limit. With 199 `{` open, the statement `1;`
/// enters the 200th level and its expression is refused without consuming `1`; `declaration`
/// then calls `synchronize`, which skips to the `;` and returns. The next statement `2;` is
/// refused the same way, but now `synchronize` returns at once — its first check is "the
/// previous token is `;`", true from the statement before — so `block`'s loop calls
/// `declaration` on the same `2` forever, and since `synchronize` cleared panic mode, every
/// round pushes another "Too much nesting." error line. 199 `{` then `1; 2;` (198 or 200 `{`
/// compile, with errors, in microseconds).
#[test]
fn compile_2_statements_at_the_nesting_limit_are_a_compile_error() {
    assert_nesting_error_in_time("compile-2.lox");
}
