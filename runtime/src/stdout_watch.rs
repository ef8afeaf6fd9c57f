//! A closed stdout (`gclox loop.lox | head -1`): clox dies of SIGPIPE; Rust ignores SIGPIPE,
//! so every `print` would fail quietly and an endless printing loop would run for ever. gclox
//! instead notices the first failed write, interrupts the script (the runtime's interrupt,
//! checked between slices), writes the exit-time outputs as after any error, prints one line on
//! stderr and exits 74 (EX_IOERR) — the same for a script that ends by itself: output that was
//! lost is never exit 0. We chose this over dying of SIGPIPE (141) so that `--memprofile`,
//! `--trace` and the other outputs are still finished and valid.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, OnceLock};

use gclox_runtime::InterruptHandle;

/// Shared between the sink and `main`: the first write error on stdout, and whom to tell.
#[derive(Clone, Default)]
pub struct StdoutWatch {
    failed: Arc<Mutex<Option<io::Error>>>,
    interrupt: Arc<OnceLock<InterruptHandle>>,
}

impl StdoutWatch {
    pub fn new() -> StdoutWatch {
        StdoutWatch::default()
    }

    /// The program's sink: buffered stdout whose failures this watch records.
    pub fn sink(&self) -> Box<dyn Write> {
        Box::new(io::BufWriter::with_capacity(
            64 * 1024,
            Watched {
                watch: self.clone(),
            },
        ))
    }

    /// Whom to interrupt when stdout fails (the runtime is made after its sink).
    pub fn interrupt_on_failure(&self, interrupt: InterruptHandle) {
        let _ = self.interrupt.set(interrupt);
    }

    /// The line to print if stdout failed: `Some` means exit 74.
    pub fn failure(&self) -> Option<String> {
        let failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        failed
            .as_ref()
            .map(|err| format!("gclox: cannot write to stdout: {err}"))
    }

    fn record(&self, err: &io::Error) {
        if err.kind() == io::ErrorKind::Interrupted {
            return; // retried by `write_all`
        }
        let mut failed = self.failed.lock().unwrap_or_else(|e| e.into_inner());
        if failed.is_none() {
            *failed = Some(io::Error::new(err.kind(), err.to_string()));
            if let Some(interrupt) = self.interrupt.get() {
                interrupt.interrupt();
            }
        }
    }

    fn has_failed(&self) -> bool {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }
}

/// stdout, recording its first error; after one, writes fail at once without a system call.
struct Watched {
    watch: StdoutWatch,
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.watch.has_failed() {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "stdout failed"));
        }
        io::stdout()
            .write(buf)
            .inspect_err(|err| self.watch.record(err))
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.watch.has_failed() {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "stdout failed"));
        }
        io::stdout()
            .flush()
            .inspect_err(|err| self.watch.record(err))
    }
}
