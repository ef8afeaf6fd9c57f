//! A statement that fails while a closure has captured one of its locals must not leave that
//! closure pointing into the value stack: the REPL (one `run_source` per line, globals kept)
//! would then let it read, or write, a local of a later line — or index past the stack.

use gclox_runtime::{sink::Captured, Config, Runtime};

fn lines(source_lines: &[&str]) -> (String, Vec<bool>) {
    let out = Captured::new();
    let mut runtime = Runtime::new(Config::default(), out.writer());
    let ok = source_lines
        .iter()
        .map(|line| runtime.run_source(line).is_ok())
        .collect();
    (out.text(), ok)
}

#[test]
fn a_failed_statement_closes_the_upvalues_it_opened() {
    let (out, ok) = lines(&[
        // The block fails before its scope ends: `a` is still an open upvalue.
        r#"var get; var set; { var a = "captured"; fun g() { return a; } fun s(v) { a = v; } get = g; set = s; nil(); }"#,
        // A later line's local takes the stack slot `a` had.
        r#"{ var x = "mine"; set("overwritten"); print x; print get(); }"#,
        // Deeper than the stack the failed line left: the slot no longer exists.
        r#"print get();"#,
    ]);
    assert_eq!(ok, [false, true, true]);
    assert_eq!(out, "mine\noverwritten\noverwritten\n");
}

#[test]
fn a_limit_hit_closes_the_upvalues_too() {
    let out = Captured::new();
    let config = Config {
        max_instructions: Some(200),
        ..Config::default()
    };
    let mut runtime = Runtime::new(config, out.writer());
    let first = runtime.run_source(
        r#"var get; { var a = "kept"; fun g() { return a; } get = g; while (true) {} }"#,
    );
    assert!(first.is_err());
    // The instruction limit counts per run: a fresh budget for the next line.
    runtime
        .run_source(r#"{ var y = "later"; print get(); print y; }"#)
        .expect("runs");
    assert_eq!(out.text(), "kept\nlater\n");
}
