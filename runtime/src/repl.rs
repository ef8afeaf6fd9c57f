//! The interactive REPL: line editing and history (rustyline), definitions persisting from
//! line to line, errors reported without ending the session. A line that ends in the middle
//! of a statement (an unclosed block, a missing `;`) continues on the next line.
//!
//! Ctrl-C while a statement runs interrupts it (SIGINT → the runtime's interrupt, see
//! `signals.rs`) and returns to the prompt with the session's definitions intact; at the
//! prompt, rustyline reads Ctrl-C as a key and clears the line. The history file is saved
//! after every entry, so a session that is killed loses nothing it ran.

use gclox_interp::LoxError;
use gclox_runtime::Runtime;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

use crate::signals::SignalWatch;

const HISTORY_FILE: &str = ".gclox_history";

pub fn run(mut runtime: Runtime) -> u8 {
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(err) => {
            say!("gclox: cannot start the REPL: {err}");
            return 74;
        }
    };
    let history =
        std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(HISTORY_FILE));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let interrupt = runtime.interrupt_handle();
    let signals = match SignalWatch::for_repl(interrupt.clone()) {
        Ok(watch) => Some(watch),
        Err(err) => {
            say!("gclox: Ctrl-C will end the REPL: {err}");
            None
        }
    };
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() { "> " } else { "... " };
        match editor.readline(prompt) {
            Ok(line) => {
                pending.push_str(&line);
                pending.push('\n');
                // A Ctrl-C that came while nothing ran must not stop this entry.
                interrupt.clear();
                if let Some(signals) = &signals {
                    signals.clear();
                }
                match runtime.run_source(&pending) {
                    Err(LoxError::Compile(errors)) if is_incomplete(&errors) => continue,
                    Err(err) => say_part!("{err}"),
                    Ok(()) => {}
                }
                let _ = editor.add_history_entry(pending.trim_end());
                if let Some(path) = &history {
                    let _ = editor.save_history(path);
                }
                pending.clear();
            }
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(ReadlineError::Eof) => break,
            Err(err) => {
                say!("gclox: {err}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    0
}

/// The input stopped mid-statement: every error is at the end of the input.
fn is_incomplete(errors: &[String]) -> bool {
    !errors.is_empty() && errors.iter().all(|e| e.contains("Error at end:"))
}
