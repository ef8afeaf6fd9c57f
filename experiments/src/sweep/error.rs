//! Errors of the sweep tool, each with the exit code it ends the process with (the BSD
//! `sysexits` codes gclox itself uses).

use std::fmt;
use std::path::Path;

/// Bad command-line input: unknown workload, malformed shard, conflicting options.
pub const EXIT_USAGE: i32 = 64;
/// Input files that are not what they should be: mismatched CSV headers, unrelated shards.
pub const EXIT_DATA: i32 = 65;
/// Some runs failed (a Lox error or an unexpected output); everything was still written.
pub const EXIT_RUNS_FAILED: i32 = 70;
/// A file could not be read or written.
pub const EXIT_IO: i32 = 74;

#[derive(Debug)]
pub struct SweepError {
    pub exit_code: i32,
    pub message: String,
}

impl SweepError {
    pub fn usage(message: impl Into<String>) -> Self {
        SweepError {
            exit_code: EXIT_USAGE,
            message: message.into(),
        }
    }

    pub fn data(message: impl Into<String>) -> Self {
        SweepError {
            exit_code: EXIT_DATA,
            message: message.into(),
        }
    }

    /// An I/O failure on `path`.
    pub fn io(path: &Path, error: impl fmt::Display) -> Self {
        SweepError {
            exit_code: EXIT_IO,
            message: format!("{}: {error}", path.display()),
        }
    }
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SweepError {}

pub type Result<T> = std::result::Result<T, SweepError>;
