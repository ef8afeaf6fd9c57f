//! The REPL's "does the statement continue on the next line" test (`repl_input.rs`): the same
//! answers as compiling the pending text after every line, in time linear in its length
//! (#15 row J: an 8 000-line block used to take 3 s, recompiled at every line).

use gclox_runtime::repl_input::{PendingInput, Submitted};
use gclox_runtime::{sink::Captured, Config, Runtime};

/// Feeds `lines` to a fresh REPL; returns what each line did (`None`: unfinished, else
/// whether it ran without error) and the program output.
fn session(lines: &[&str]) -> (Vec<Option<bool>>, String) {
    let out = Captured::new();
    let mut runtime = Runtime::new(Config::default(), out.writer());
    let mut pending = PendingInput::default();
    let mut results = Vec::new();
    for line in lines {
        pending.push_line(line);
        results.push(match pending.submit(&mut runtime) {
            Submitted::Unfinished => None,
            Submitted::Ran(result) => {
                pending.clear();
                Some(result.is_ok())
            }
        });
    }
    (results, out.text())
}

#[test]
fn statements_continue_and_run_as_before() {
    let (results, out) = session(&[
        "var a = 1",  // missing `;`: continues
        ";",          // now complete
        "{",          // unclosed block
        "  print a;", //
        "}",          // runs
        "print (a +", // unclosed paren
        "  2);",      // runs
        "print 1 +;", // an error, reported at once
        "} {",        // a brace that closes nothing: compiled at once, an error
        "print \"no", // unterminated string: an error at once, as before
        "print a;",   // the session goes on
    ]);
    assert_eq!(
        results,
        [
            None,
            Some(true),
            None,
            None,
            Some(true),
            None,
            Some(true),
            Some(false),
            Some(false),
            Some(false),
            Some(true)
        ]
    );
    assert_eq!(out, "1\n3\n1\n");
}

#[test]
fn an_error_inside_parentheses_is_reported_at_once() {
    let (results, out) = session(&["print (;", "print 2;"]);
    assert_eq!(results, [Some(false), Some(true)]);
    assert_eq!(out, "2\n");
}

#[test]
fn an_error_inside_an_open_block_waits_for_the_block_to_close() {
    let (results, out) = session(&["{", "print 1 +;", "print 2;", "}", "print 3;"]);
    assert_eq!(results, [None, None, None, Some(false), Some(true)]);
    assert_eq!(out, "3\n");
}

#[test]
fn a_long_block_is_compiled_once() {
    let mut lines = vec!["{"];
    lines.extend(std::iter::repeat_n("  print nil;", 20_000));
    lines.push("}");
    let began = std::time::Instant::now();
    let (results, out) = session(&lines);
    assert_eq!(results.last(), Some(&Some(true)));
    assert!(results[..20_001].iter().all(Option::is_none));
    assert_eq!(out.len(), 4 * 20_000);
    // Recompiling at every line took ~20 s for this block.
    let took = began.elapsed();
    assert!(took.as_secs_f64() < 2.0, "took {took:?}");
}
