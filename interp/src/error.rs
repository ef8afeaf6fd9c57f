//! Errors a Lox program can end with, and their exit codes (sysexits, as clox uses them).

use std::fmt;

/// Exit code for a compile error.
pub const EXIT_COMPILE_ERROR: i32 = 65;
/// Exit code for a runtime error.
pub const EXIT_RUNTIME_ERROR: i32 = 70;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoxError {
    /// Every compile error, one formatted line each (`[line N] Error at 'x': message`).
    Compile(Vec<String>),
    /// A runtime error: the message, then one line per active call, innermost first
    /// (`[line N] in f()` … `[line N] in script`).
    Runtime { message: String, trace: Vec<String> },
}

impl LoxError {
    pub fn exit_code(&self) -> i32 {
        match self {
            LoxError::Compile(_) => EXIT_COMPILE_ERROR,
            LoxError::Runtime { .. } => EXIT_RUNTIME_ERROR,
        }
    }
}

/// Formats the error exactly as it goes to stderr (each line newline-terminated).
impl fmt::Display for LoxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoxError::Compile(lines) => lines.iter().try_for_each(|l| writeln!(f, "{l}")),
            LoxError::Runtime { message, trace } => {
                writeln!(f, "{message}")?;
                trace.iter().try_for_each(|l| writeln!(f, "{l}"))
            }
        }
    }
}

impl std::error::Error for LoxError {}
