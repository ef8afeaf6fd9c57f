//! `--timeout` bounds the whole run, not just the script: the CLI starts the clock before it
//! reads and compiles the script, and the exit-time outputs (`--memprofile`, `--heapsnapshot`,
//! `--leak-report`, a long stack trace, the trace's end) get a short grace after the script's
//! deadline, past which each stops, says so on stderr and leaves a valid file (an empty
//! profile or snapshot) rather than a torn one. A watchdog thread ends the process a little
//! later still, whatever holds it (a pipe nobody reads: a blocked write cannot be cancelled).
//!
//! With `--timeout T`: the script stops at T (exit 70, "Time limit exceeded."), the outputs
//! stop at 1.15 T (T + 0.1 s at least), the watchdog exits 70 at 1.3 T (T + 0.25 s at least),
//! so `--timeout 1s` ends within 1.3 s plus the process's own teardown (tens of
//! milliseconds).

use std::io::{self, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The three instants of a run under `--timeout`.
#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    /// The script (compiling included) stops here.
    pub script: Instant,
    /// Exit-time outputs stop here.
    pub outputs: Instant,
    /// The watchdog ends the process here.
    pub hard: Instant,
}

impl Deadlines {
    /// The deadlines of a run that started at `start` with `--timeout timeout` (`None`: no
    /// deadline at all).
    pub fn new(start: Instant, timeout: Option<Duration>) -> Option<Deadlines> {
        let timeout = timeout?;
        // A floor under each grace: a short timeout must still leave time to print the error.
        let at = |percent: u32, floor_ms: u64| {
            let grace = (timeout * percent / 100).max(Duration::from_millis(floor_ms));
            start.checked_add(timeout.checked_add(grace)?)
        };
        Some(Deadlines {
            script: start.checked_add(timeout)?,
            outputs: at(15, 100)?,
            hard: at(30, 250)?,
        })
    }

    /// Starts the watchdog: at [`Deadlines::hard`] it exits 70 (the exit code of a timeout)
    /// without waiting for anything, since what it interrupts is stuck.
    pub fn start_watchdog(&self) {
        let hard = self.hard;
        let _ = std::thread::Builder::new()
            .name("gclox-watchdog".to_string())
            .spawn(move || {
                while let Some(left) = hard.checked_duration_since(Instant::now()) {
                    if left.is_zero() {
                        break;
                    }
                    std::thread::sleep(left);
                }
                // No message: stderr may be the very pipe that is stuck.
                std::process::exit(gclox_runtime::EXIT_RUNTIME_ERROR);
            });
    }
}

/// Runs `job` on a worker thread and waits for its result until `deadline` (`None`: as long as
/// it takes, on this thread). `None` when the deadline came first: the worker is left to
/// finish in the background and its result dropped.
pub fn finish_by<T: Send + 'static>(
    deadline: Option<Instant>,
    job: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let Some(deadline) = deadline else {
        return Some(job());
    };
    let (done, result) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name("gclox-output".to_string())
        .spawn(move || {
            let _ = done.send(job());
        });
    if spawned.is_err() {
        return None;
    }
    let left = deadline.saturating_duration_since(Instant::now());
    result.recv_timeout(left).ok()
}

/// Whether `deadline` has passed.
pub fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Prints an error (its message, then the stack trace line by line) to `w`, stopping at
/// `deadline` with a last line saying how many lines were left out.
pub fn print_error_until(
    w: &mut impl Write,
    err: &gclox_runtime::LoxError,
    deadline: Option<Instant>,
) -> io::Result<()> {
    let gclox_runtime::LoxError::Runtime { message, trace } = err else {
        return write!(w, "{err}");
    };
    writeln!(w, "{message}")?;
    for (i, line) in trace.iter().enumerate() {
        // A clock read every 256 lines: cheap, and a line is short work.
        if i.is_multiple_of(256) && passed(deadline) {
            return writeln!(
                w,
                "... stack trace cut short: {} more lines (the --timeout deadline passed)",
                trace.len() - i
            );
        }
        writeln!(w, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long_error() -> gclox_runtime::LoxError {
        gclox_runtime::LoxError::Runtime {
            message: "Stack overflow.".to_string(),
            trace: (0..1000).map(|i| format!("[line {i}] in f()")).collect(),
        }
    }

    #[test]
    fn a_stack_trace_past_the_deadline_ends_with_a_line_saying_so() {
        let mut out = Vec::new();
        print_error_until(&mut out, &long_error(), Some(Instant::now())).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "Stack overflow.\n... stack trace cut short: 1000 more lines (the --timeout deadline passed)\n"
        );
        let mut whole = Vec::new();
        print_error_until(&mut whole, &long_error(), None).unwrap();
        assert_eq!(String::from_utf8(whole).unwrap().lines().count(), 1001);
    }

    #[test]
    fn outputs_and_watchdog_come_after_the_script_deadline() {
        let start = Instant::now();
        let d = Deadlines::new(start, Some(Duration::from_secs(1))).unwrap();
        assert_eq!(d.script - start, Duration::from_secs(1));
        assert_eq!(d.outputs - start, Duration::from_millis(1150));
        assert_eq!(d.hard - start, Duration::from_millis(1300));
        assert!(Deadlines::new(start, None).is_none());
        let short = Deadlines::new(start, Some(Duration::from_millis(100))).unwrap();
        assert_eq!(short.outputs - start, Duration::from_millis(200));
        assert_eq!(short.hard - start, Duration::from_millis(350));
    }

    #[test]
    fn finish_by_gives_up_at_the_deadline() {
        let soon = Some(Instant::now() + Duration::from_millis(20));
        let never = finish_by(soon, || std::thread::sleep(Duration::from_secs(5)));
        assert!(never.is_none());
        assert_eq!(finish_by(None, || 7), Some(7));
    }
}
