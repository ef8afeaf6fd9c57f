//! The interactive REPL: line editing and history (rustyline), definitions persisting from
//! line to line, errors reported without ending the session. A line that ends in the middle
//! of a statement (an unclosed block, a missing `;`) continues on the next line.
//!
//! Ctrl-C while a statement runs interrupts it (SIGINT → the runtime's interrupt, see
//! `signals.rs`) and returns to the prompt with the session's definitions intact; at the
//! prompt, rustyline reads Ctrl-C as a key and clears the line. The history file is saved
//! after every entry, so a session that is killed loses nothing it ran.

use gclox_runtime::repl_input::{PendingInput, Submitted};
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
    let mut pending = PendingInput::default();
    loop {
        let prompt = if pending.is_empty() { "> " } else { "... " };
        match editor.readline(prompt) {
            Ok(line) => {
                pending.push_line(&line);
                // A Ctrl-C that came while nothing ran must not stop this entry.
                interrupt.clear();
                if let Some(signals) = &signals {
                    signals.clear();
                }
                match pending.submit(&mut runtime) {
                    Submitted::Unfinished => continue,
                    Submitted::Ran(Err(err)) => say_part!("{err}"),
                    Submitted::Ran(Ok(())) => {}
                }
                let _ = editor.add_history_entry(pending.text().trim_end());
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
