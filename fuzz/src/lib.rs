//! The fuzz harness: what each fuzz target does with one input, and the configurations it runs
//! Lox under. Written once, used twice:
//!
//! - by the cargo-fuzz targets in `fuzz/fuzz_targets/` (through this crate, `gclox_fuzz`);
//! - by `runtime/tests/fuzz_regressions.rs`, which includes this file as a module
//!   (`#[path = "../../fuzz/src/lib.rs"]`) and replays every reproducer in
//!   `tests/fuzz-regressions/` through the entry point its file name names.
//!
//! So this file may use only what both crates see: `std`, `gclox_gc`, `gclox_interp`,
//! `gclox_runtime`. Every entry point returns normally for any input; a panic is a finding.
//!
//! What counts as a finding beyond a panic, an abort or a hang (libFuzzer's `-timeout`):
//! - a runtime error without a well-formed stack trace, a compile error line not in clox's shape;
//! - after the program and a full collection, the arena's object count and the byte accounting's
//!   disagree (a leak or double count in the accounting), or the heap graph has more nodes than
//!   there are live objects, or fails to validate;
//! - the runtime cannot run a small program afterwards (it must stay usable after any error);
//! - (`gc_stress`) the same program behaves differently — output or error — under different
//!   collectors: the collector is invisible to a program that does not ask about it;
//! - (`repl`) any of the above after a session of lines, some of which fail.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

use gclox_gc::GcMode;
use gclox_interp::{chunk, compiler, global_names::GlobalNames, verify, LoxError};
use gclox_runtime::repl_input::{PendingInput, Submitted};
use gclox_runtime::{Config, Runtime};

/// `run`: most instructions per program.
pub const RUN_MAX_INSTRUCTIONS: u64 = 100_000;
/// `gc_stress`: most instructions per program (a full collection after every allocating
/// instruction is slow).
pub const GC_STRESS_MAX_INSTRUCTIONS: u64 = 20_000;
/// Call depth limit of every run.
pub const MAX_FRAMES: usize = 256;
/// Hard heap limit of every run.
pub const MAX_HEAP: u64 = 16 << 20;

/// `repl`: most instructions per entered statement (each statement gets its own budget, as
/// each REPL entry is one `run_source`), and most lines per session.
pub const REPL_MAX_INSTRUCTIONS: u64 = 10_000;
pub const REPL_MAX_LINES: usize = 256;

/// Natives that write files at a path the program chooses. An input that names one is skipped:
/// a fuzzer must not write files where a mutated string says. (Lox has no reflection: a native
/// is reachable only through its global, by name in the source.)
const FILE_WRITING_NATIVES: [&str; 2] = ["__heapsnapshot", "__writeheapprofile"];

/// Natives whose results depend on time or on the collector: a program naming one may
/// legitimately behave differently under different collectors.
const NONDETERMINISTIC_NATIVES: [&str; 2] = ["clock", "__memstat"];

/// Run after every fuzzed program on the same runtime: it must succeed (or fail only because the
/// program left the heap full) and print [`PROBE_OUTPUT`].
const PROBE: &str = "print \"probe \" + \"ok\";";
const PROBE_OUTPUT: &[u8] = b"probe ok\n";

/// The fuzzed source, if the input is one the harness runs.
fn program(data: &[u8]) -> Option<&str> {
    let source = std::str::from_utf8(data).ok()?;
    if FILE_WRITING_NATIVES.iter().any(|n| source.contains(n)) {
        return None;
    }
    Some(source)
}

/// `compile`: any bytes → the compiler (if UTF-8). Must return, with errors in clox's shape;
/// code it accepts must pass the bytecode verifier, every function of it (the fused
/// instructions must never swallow a jump target).
pub fn compile(data: &[u8]) {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let mut globals = GlobalNames::default();
    match compiler::compile(source, &mut globals) {
        Err(errors) => check_compile_errors(&errors),
        Ok(script) => verify_all(&script),
    }
    // Compiling again against the same global names (what a REPL does) must not fail
    // differently.
    let again = compiler::compile(source, &mut globals).err();
    if let Some(errors) = again {
        check_compile_errors(&errors);
    }
}

/// Verifies a compiled function and every function nested in its constants.
fn verify_all(function: &chunk::FunctionCode) {
    if let Err(error) = verify::verify(function) {
        panic!("the compiler emitted code the verifier rejects: {error}");
    }
    for constant in &function.constants {
        if let chunk::Constant::Function(inner) = constant {
            verify_all(inner);
        }
    }
}

/// The default configuration under the targets' limits: `max_instructions`, [`MAX_FRAMES`]
/// and [`MAX_HEAP`].
fn limited(max_instructions: u64) -> Config {
    let mut config = Config {
        max_instructions: Some(max_instructions),
        ..Config::default()
    };
    config.vm.max_frames = MAX_FRAMES;
    config.gc.max_heap = Some(MAX_HEAP);
    config
}

/// The configuration of the `run` target.
pub fn run_config() -> Config {
    limited(RUN_MAX_INSTRUCTIONS)
}

/// `run`: any bytes → (if UTF-8) a fresh runtime with small limits. Any `Ok` or `Err(LoxError)`
/// is fine; see the module documentation for what else is checked.
pub fn run(data: &[u8]) {
    if let Some(source) = program(data) {
        run_checked(run_config(), source);
    }
}

/// The configurations of the `gc_stress` target, all with the same instruction, frame and heap
/// limits so a program's behaviour must not differ between them:
/// 0. stress: a full (stop-the-world) collection after every allocating instruction, a tiny
///    minimum heap, a step budget of 1;
/// 1. incremental: the collector steps after every instruction, one object per step, a cycle
///    always running — so marking and sweeping interleave with the mutator everywhere (write
///    barriers, the weak intern table's pruning, sweeping objects made during a cycle);
/// 2. reference: the default collector, which a program of this size rarely wakes.
pub fn gc_stress_configs() -> [Config; 3] {
    let base = || limited(GC_STRESS_MAX_INSTRUCTIONS);
    let mut stress = base();
    stress.gc.stress = true;
    stress.gc.min_heap = Some(1024);
    stress.gc.step_budget = 1;
    let mut incremental = base();
    incremental.gc.mode = GcMode::Incremental;
    incremental.gc.min_heap = Some(1024);
    incremental.gc.step_budget = 1;
    incremental.gc.min_step = 1;
    incremental.slice_instructions = 1;
    [stress, incremental, base()]
}

/// `gc_stress`: the program under each of [`gc_stress_configs`]; each run is checked as `run`
/// checks, and their outputs and errors must agree.
pub fn gc_stress(data: &[u8]) {
    let Some(source) = program(data) else {
        return;
    };
    let outcomes = gc_stress_configs().map(|config| run_checked(config, source));
    let nondeterministic = NONDETERMINISTIC_NATIVES.iter().any(|n| source.contains(n));
    let out_of_memory = outcomes.iter().any(Outcome::out_of_memory);
    if !nondeterministic && !out_of_memory {
        for (i, outcome) in outcomes.iter().enumerate().skip(1) {
            assert_eq!(
                outcome, &outcomes[0],
                "config {i} (left) and config 0 (stress, right) disagree"
            );
        }
    }
}

/// What a program did, comparably.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    pub result: Result<(), LoxError>,
    pub output: OutputSummary,
}

impl Outcome {
    fn out_of_memory(&self) -> bool {
        matches!(&self.result, Err(LoxError::Runtime { message, .. }) if message == "Out of memory.")
    }
}

/// A fresh runtime under `config` whose output goes to an [`Output`] and whose leak reports
/// (`__leakreport()`) are discarded.
pub fn runtime(config: Config) -> (Runtime, Output) {
    let out = Output::default();
    let mut runtime = Runtime::new(config, Box::new(out.clone()));
    runtime.set_report_output(Box::new(io::sink()));
    (runtime, out)
}

/// Runs `source` on a fresh runtime and checks everything that must hold whatever it did.
pub fn run_checked(config: Config, source: &str) -> Outcome {
    let max_frames = config.vm.max_frames;
    let (mut rt, out) = runtime(config);
    // Objects the arena has that the accounting does not count (the VM's intern table and
    // sample list cells); constant for the runtime's life.
    let uncounted = rt.stats().arena_objects as u64 - rt.memstats().heap_objects;

    let result = rt.run_source(source);
    match &result {
        Ok(()) => {}
        Err(LoxError::Compile(errors)) => check_compile_errors(errors),
        Err(LoxError::Runtime { message, trace }) => {
            check_runtime_error(message, trace, max_frames)
        }
    }
    let outcome = Outcome {
        result,
        output: out.summary(),
    };
    check_after(&mut rt, &out, uncounted);
    outcome
}

/// `repl`: the input's lines entered one by one into one runtime, as the REPL enters them
/// (`gclox_runtime::repl_input`: a statement continues until it may be complete), under the
/// `run` limits with a small instruction budget per statement — so sessions mix statements
/// that run, compile errors, runtime errors and limits, and later lines use what earlier
/// ones left (globals, closures over failed statements' locals). Each error is checked as
/// `run` checks it, and the runtime as `run` checks it after the session.
pub fn repl(data: &[u8]) {
    let Some(source) = program(data) else {
        return;
    };
    let max_frames = MAX_FRAMES;
    let (mut rt, out) = runtime(limited(REPL_MAX_INSTRUCTIONS));
    let uncounted = rt.stats().arena_objects as u64 - rt.memstats().heap_objects;
    let mut pending = PendingInput::default();
    for line in source.lines().take(REPL_MAX_LINES) {
        pending.push_line(line);
        match pending.submit(&mut rt) {
            Submitted::Unfinished => continue,
            Submitted::Ran(Ok(())) => {}
            Submitted::Ran(Err(LoxError::Compile(errors))) => check_compile_errors(&errors),
            Submitted::Ran(Err(LoxError::Runtime { message, trace })) => {
                check_runtime_error(&message, &trace, max_frames)
            }
        }
        pending.clear();
    }
    check_after(&mut rt, &out, uncounted);
}

/// What must hold of a runtime after any program: the accounting agrees with the arena, the
/// heap graph is valid, and the runtime still runs a program.
fn check_after(rt: &mut Runtime, out: &Output, uncounted: u64) {
    // Twice: gc-arena drops a dead object that a weak pointer (the intern table's) still
    // pointed at during marking, but frees its allocation only in the next cycle. The
    // accounting holds such objects live until then (`gclox_gc::Retained`), so the counts
    // below agree after either collection; the second leaves only objects the program keeps.
    rt.collect_full();
    rt.collect_full();
    let m = rt.memstats();
    assert_eq!(m.mallocs - m.frees, m.heap_objects, "MemStats: objects");
    assert_eq!(
        rt.stats().arena_objects as u64 - m.heap_objects,
        uncounted,
        "after a full collection, the arena's objects and the accounting's disagree"
    );
    let graph = rt.heap_graph();
    if let Err(err) = graph.validate() {
        panic!("invalid heap graph: {err:?}");
    }
    assert!(
        graph.nodes.len() as u64 <= m.heap_objects,
        "the heap graph has {} nodes, but only {} objects are live",
        graph.nodes.len(),
        m.heap_objects
    );
    // The snapshot writer and the dominator/leak analysis over whatever graph the program made.
    rt.write_heap_snapshot(io::sink())
        .expect("a heap snapshot to a sink");

    match rt.run_source(PROBE) {
        Ok(()) => assert!(
            out.ends_with(PROBE_OUTPUT),
            "the probe's output is missing: {:?}",
            out.summary()
        ),
        Err(LoxError::Runtime { message, .. }) if message == "Out of memory." => {}
        Err(err) => panic!("the runtime is unusable after the program: {err:?}"),
    }
}

fn check_compile_errors(errors: &[String]) {
    assert!(!errors.is_empty(), "a compile error without a message");
    for line in errors {
        assert!(
            line.starts_with("[line ") && line.contains("] Error"),
            "compile error not in clox's shape: {line:?}"
        );
    }
}

fn check_runtime_error(message: &str, trace: &[String], max_frames: usize) {
    assert!(!message.is_empty(), "a runtime error without a message");
    if message == "Out of memory." && trace.is_empty() {
        // Compiling ran out of its share of --max-heap: no frame was running.
        return;
    }
    // A deep stack's trace is cut: its ends, with one line for the frames in between.
    let cut = 2 * gclox_interp::exec::TRACE_ENDS + 1;
    assert!(
        !trace.is_empty() && trace.len() <= max_frames.min(cut),
        "a stack trace of {} lines for {message:?} (max_frames {max_frames})",
        trace.len()
    );
    for (i, line) in trace.iter().enumerate() {
        if i == gclox_interp::exec::TRACE_ENDS && trace.len() == cut {
            assert!(
                line.starts_with("... ") && line.ends_with(" more frames"),
                "no line for the frames left out: {line:?}"
            );
            continue;
        }
        assert!(
            line.starts_with("[line ") && line.contains("] in "),
            "stack trace line not in clox's shape: {line:?}"
        );
    }
    assert!(
        trace.last().is_some_and(|l| l.ends_with("] in script")),
        "the outermost frame is not the script: {trace:?}"
    );
}

/// A program's output, bounded: total length, a hash of the first [`HASHED_BYTES`], and the last
/// few bytes. (`sink::Captured` keeps everything: a fuzzed `print` loop over a 16 MiB string
/// would exhaust the fuzzer's memory limit, a false alarm, and hashing all of it could time out.)
#[derive(Clone, Default)]
pub struct Output(Rc<RefCell<OutputSummary>>);

/// See [`Output`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputSummary {
    pub len: u64,
    /// FNV-1a of the first [`HASHED_BYTES`] bytes.
    pub hash: u64,
    pub tail: Vec<u8>,
}

const HASHED_BYTES: u64 = 1 << 20;
const TAIL_BYTES: usize = 64;
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

impl Output {
    pub fn summary(&self) -> OutputSummary {
        self.0.borrow().clone()
    }

    pub fn ends_with(&self, suffix: &[u8]) -> bool {
        self.0.borrow().tail.ends_with(suffix)
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut s = self.0.borrow_mut();
        if s.len == 0 {
            s.hash = FNV_OFFSET;
        }
        let hashed = (HASHED_BYTES.saturating_sub(s.len) as usize).min(buf.len());
        for &byte in &buf[..hashed] {
            s.hash = (s.hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        s.len += buf.len() as u64;
        let keep = buf.len().min(TAIL_BYTES);
        s.tail.extend_from_slice(&buf[buf.len() - keep..]);
        let excess = s.tail.len().saturating_sub(TAIL_BYTES);
        s.tail.drain(..excess);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
