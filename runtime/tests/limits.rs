//! Untrusted scripts meet limits, each a clean runtime error (or compile error), never a crash
//! or a hang.

use std::time::{Duration, Instant};

use gclox_interp::LoxError;
use gclox_runtime::{sink::Captured, Config, Runtime};

fn runtime(config: Config) -> Runtime {
    Runtime::new(config, Captured::new().writer())
}

fn runtime_error(result: Result<(), LoxError>) -> (String, Vec<String>) {
    match result {
        Err(LoxError::Runtime { message, trace }) => (message, trace),
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

const SPIN: &str = "fun spin() {\n  while (true) {}\n}\nspin();\n";

#[test]
fn instruction_limit_stops_a_runaway_loop_exactly() {
    let mut rt = runtime(Config {
        max_instructions: Some(100_000),
        ..Config::default()
    });
    let (message, trace) = runtime_error(rt.run_source(SPIN));
    assert_eq!(message, "Instruction limit exceeded.");
    assert_eq!(trace, vec!["[line 2] in spin()", "[line 4] in script"]);
    assert_eq!(rt.instructions(), 100_000, "stops at exactly the limit");
    // The runtime stays usable, and the limit applies per run.
    rt.run_source("var x = 1;").expect("a later script runs");
}

/// Slices above `EXACT_SLICE_MAX` instructions check their budget only at backward jumps, calls
/// and returns, and may run past it; every instruction is still counted, so the count does not
/// depend on how the run was sliced (exact one-instruction slices are the reference).
#[test]
fn instruction_counts_do_not_depend_on_slicing() {
    let program = "
        class Counter { init() { this.n = 0; } add(k) { this.n = this.n + k; return this; } }
        fun make() { var c = Counter(); fun bump() { c.add(1); } return bump; }
        var bump = make();
        var total = 0;
        for (var i = 0; i < 300; i = i + 1) {
          bump();
          if (i - (i / 7) * 7 == 0) total = total + i; else total = total - 1;
          var s = \"a\" + \"b\";
        }
        print total;";
    let count = |slice_instructions: u32| {
        let mut rt = runtime(Config {
            slice_instructions,
            ..Config::default()
        });
        rt.run_source(program).expect("the program runs");
        rt.instructions()
    };
    let exact = count(1);
    assert!(
        exact > 3_000,
        "the program runs its loop ({exact} instructions)"
    );
    // Slices from the exact ones' largest on up.
    let past = gclox_runtime::EXACT_SLICE_MAX + 1;
    for slice in [past - 1, past, 100, 1024, 1 << 20] {
        assert_eq!(count(slice), exact, "slices of {slice} instructions");
    }
}

#[test]
fn timeout_stops_a_runaway_loop() {
    let mut rt = runtime(Config {
        timeout: Some(Duration::from_millis(100)),
        ..Config::default()
    });
    let began = Instant::now();
    let (message, _) = runtime_error(rt.run_source(SPIN));
    assert_eq!(message, "Time limit exceeded.");
    assert!(began.elapsed() < Duration::from_secs(5));
}

#[test]
fn another_thread_can_interrupt_a_script() {
    let mut rt = runtime(Config::default());
    let handle = rt.interrupt_handle();
    let interrupter = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    let (message, trace) = runtime_error(rt.run_source(SPIN));
    interrupter.join().expect("interrupter thread");
    assert_eq!(message, "Interrupted.");
    assert_eq!(trace.len(), 2);
}

#[test]
fn deep_recursion_is_a_stack_overflow_error_at_any_configured_depth() {
    for frames in [64, 100_000, 1_000_000] {
        let mut config = Config::default();
        config.vm.max_frames = frames;
        let mut rt = runtime(config);
        let (message, trace) =
            runtime_error(rt.run_source("fun f(n) { return f(n + 1); }\nf(0);\n"));
        assert_eq!(message, "Stack overflow.");
        // The innermost and outermost frames, one line for those in between.
        let ends = gclox_interp::exec::TRACE_ENDS;
        assert_eq!(trace.len(), 2 * ends + 1, "a cut trace");
        assert_eq!(
            trace[ends],
            format!("... {} more frames", frames - 2 * ends)
        );
        assert!(trace[..ends].iter().all(|l| l.ends_with("in f()")));
        assert_eq!(trace[2 * ends], "[line 2] in script");
    }
}

fn compile_errors(source: &str) -> Vec<String> {
    match runtime(Config::default()).run_source(source) {
        Err(LoxError::Compile(errors)) => errors,
        other => panic!("expected compile errors, got {other:?}"),
    }
}

#[test]
fn deep_nesting_is_a_compile_error_not_a_rust_stack_overflow() {
    let depth = 100_000;
    let parens = format!("print {}1{};", "(".repeat(depth), ")".repeat(depth));
    let blocks = format!("{}{}", "{".repeat(depth), "}".repeat(depth));
    let unary = format!("print {}1;", "-".repeat(depth));
    let functions = "fun f() {".repeat(depth) + &"}".repeat(depth);
    let ifs = "if (true) ".repeat(depth) + "print 1;";
    for source in [parens, blocks, unary, functions, ifs] {
        let errors = compile_errors(&source);
        assert!(
            errors.iter().any(|e| e.ends_with("Too much nesting.")),
            "{:?}",
            &errors[..errors.len().min(3)]
        );
    }
}

#[test]
fn nesting_within_the_limit_compiles() {
    let depth = 150;
    let source = format!("print {}1{};", "(".repeat(depth), ")".repeat(depth));
    let out = Captured::new();
    let mut rt = Runtime::new(Config::default(), out.writer());
    rt.run_source(&source).expect("150 levels are fine");
    assert_eq!(out.text(), "1\n");
}

#[test]
fn a_huge_source_file_compiles_or_fails_cleanly() {
    // 20 MB of statements at top level: compiles and runs (globals, no constant limit hit
    // because each statement uses the same shared string constant).
    let line = "var x = \"s\"; x = x;\n";
    let source = line.repeat(1_000_000);
    runtime(Config::default())
        .run_source(&source)
        .expect("a long flat script runs");
    // 300 distinct number literals in one function: the constant limit, reported cleanly.
    let numbers: String = (0..300).map(|i| format!("print {i};\n")).collect();
    let errors = compile_errors(&numbers);
    assert!(errors[0].ends_with("Too many constants in one chunk."));
}
