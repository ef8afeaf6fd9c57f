//! The interactive REPL: line editing and history (rustyline), definitions persisting from
//! line to line, errors reported without ending the session. A line that ends in the middle
//! of a statement (an unclosed block, a missing `;`) continues on the next line.

use gclox_runtime::repl_input::{PendingInput, Submitted};
use gclox_runtime::Runtime;
use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;

const HISTORY_FILE: &str = ".gclox_history";

pub fn run(mut runtime: Runtime) -> u8 {
    let mut editor = match DefaultEditor::new() {
        Ok(editor) => editor,
        Err(err) => {
            eprintln!("gclox: cannot start the REPL: {err}");
            return 74;
        }
    };
    let history =
        std::env::var_os("HOME").map(|home| std::path::Path::new(&home).join(HISTORY_FILE));
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let mut pending = PendingInput::default();
    loop {
        let prompt = if pending.is_empty() { "> " } else { "... " };
        match editor.readline(prompt) {
            Ok(line) => {
                pending.push_line(&line);
                match pending.submit(&mut runtime) {
                    Submitted::Unfinished => continue,
                    Submitted::Ran(Err(err)) => eprint!("{err}"),
                    Submitted::Ran(Ok(())) => {}
                }
                let _ = editor.add_history_entry(pending.text().trim_end());
                pending.clear();
            }
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(ReadlineError::Eof) => break,
            Err(err) => {
                eprintln!("gclox: {err}");
                break;
            }
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    0
}
