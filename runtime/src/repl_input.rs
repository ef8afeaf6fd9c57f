//! How the REPL decides that a statement continues on the next line, in time linear in the
//! statement's length.
//!
//! A line that ends in the middle of a statement (an unclosed block, a missing `;`) continues
//! on the next line. The test is the compiler's: the pending text is unfinished when every
//! compile error is at the end of the input. Compiling the whole pending text after every
//! line made an unfinished block of n lines cost O(n²) (8 000 lines: 3 s). So the pending text
//! keeps a running count of unclosed `{`, updated by scanning only the new line; while it is
//! positive the statement cannot be complete, and nothing is compiled. A block (a function
//! or class body too) is then compiled once, when its braces close.
//!
//! What a user sees is the same as before with one difference: a syntax error *inside* an
//! unclosed block is reported when the block closes rather than at the line that has it
//! (Ctrl-C clears the pending text, as before). Outside blocks every line compiles as before
//! (so `print (;` is an error at once); a `}` that closes no `{`, or a token the scanner
//! rejects (an unterminated string), makes every later line compile as before too.

use gclox_interp::scanner::{Scanner, TokenKind};
use gclox_interp::LoxError;

use crate::Runtime;

/// The lines of a statement typed so far.
#[derive(Debug, Default)]
pub struct PendingInput {
    text: String,
    /// Unclosed `{` in `text`.
    depth: u64,
    /// A brace closed that was never opened, or the scanner reported an error: compile after
    /// every line, as the REPL always did.
    unbalanced: bool,
}

/// What [`PendingInput::submit`] did.
#[derive(Debug)]
pub enum Submitted {
    /// The statement continues on the next line; nothing ran.
    Unfinished,
    /// The statement was complete (or wrong): it was compiled and, if it compiled, run.
    Ran(Result<(), LoxError>),
}

impl PendingInput {
    /// Appends one line (without its newline), scanning only it.
    pub fn push_line(&mut self, line: &str) {
        let mut scanner = Scanner::new(line);
        loop {
            match scanner.scan_token().kind {
                TokenKind::Eof => break,
                TokenKind::LeftBrace => self.depth += 1,
                TokenKind::RightBrace => match self.depth.checked_sub(1) {
                    Some(depth) => self.depth = depth,
                    None => self.unbalanced = true,
                },
                TokenKind::Error => self.unbalanced = true,
                _ => {}
            }
        }
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// Runs the pending statement if it may be complete: `Unfinished` (keep the text) when
    /// it surely is not, or when the compiler's errors are all at the end of the input.
    /// After `Ran`, the caller clears the text.
    pub fn submit(&self, runtime: &mut Runtime) -> Submitted {
        if self.depth > 0 && !self.unbalanced {
            return Submitted::Unfinished;
        }
        match runtime.run_source(&self.text) {
            Err(LoxError::Compile(errors)) if is_incomplete(&errors) => Submitted::Unfinished,
            result => Submitted::Ran(result),
        }
    }

    /// The text typed so far, each line ending in a newline.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Forgets the pending text (after it ran, or on Ctrl-C).
    pub fn clear(&mut self) {
        *self = PendingInput::default();
    }
}

/// The input stopped mid-statement: every error is at the end of the input.
fn is_incomplete(errors: &[String]) -> bool {
    !errors.is_empty() && errors.iter().all(|e| e.contains("Error at end:"))
}
