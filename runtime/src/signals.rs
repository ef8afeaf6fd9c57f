//! SIGINT and SIGTERM: instead of dying mid-write (a torn CSV row, a profile never written,
//! trace JSON cut mid-string), the CLI turns a signal into the runtime's interrupt. The script
//! stops at its next slice boundary with "Interrupted.", the exit-time outputs are written as
//! after any error, and the process exits 130 (SIGINT) or 143 (SIGTERM), as a shell reports a
//! process killed by the signal.
//!
//! A watcher thread (signal-hook's iterator: the handler itself only writes to a pipe) does the
//! work, so nothing here runs in signal context. The CLI alone installs it; the library never
//! touches signal dispositions, which belong to the embedding program.

use std::io;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use gclox_runtime::InterruptHandle;
use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// What the watcher saw.
#[derive(Debug, Clone)]
pub struct SignalWatch {
    /// The first signal received (0: none yet).
    received: Arc<AtomicI32>,
}

impl SignalWatch {
    /// For a file run: SIGINT and SIGTERM interrupt the script. A second signal (while the
    /// outputs are being written, say) kills the process at once, as if no handler were
    /// installed: whoever sends it wants it gone now.
    pub fn for_run(interrupt: InterruptHandle) -> io::Result<SignalWatch> {
        Self::start(&[SIGINT, SIGTERM], interrupt, true)
    }

    /// For the REPL: SIGINT (Ctrl-C while a statement runs; at the prompt the line editor
    /// reads Ctrl-C as a key) interrupts the statement, every time. SIGTERM keeps its default
    /// action: the history is already saved after each entry.
    pub fn for_repl(interrupt: InterruptHandle) -> io::Result<SignalWatch> {
        Self::start(&[SIGINT], interrupt, false)
    }

    fn start(
        which: &[i32],
        interrupt: InterruptHandle,
        second_kills: bool,
    ) -> io::Result<SignalWatch> {
        let mut signals = Signals::new(which)?;
        let received = Arc::new(AtomicI32::new(0));
        let seen = received.clone();
        std::thread::Builder::new()
            .name("gclox-signals".to_string())
            .spawn(move || {
                for signal in signals.forever() {
                    let earlier = seen.swap(signal, Ordering::SeqCst);
                    if second_kills && earlier != 0 {
                        // Back to the default action, then raise the signal again.
                        let _ = signal_hook::low_level::emulate_default_handler(signal);
                        std::process::exit(128 + signal);
                    }
                    interrupt.interrupt();
                }
            })?;
        Ok(SignalWatch { received })
    }

    /// The exit code the signal received asks for (128 + its number: 130, 143), if any.
    pub fn exit_code(&self) -> Option<u8> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            signal => u8::try_from(128 + signal).ok(),
        }
    }

    /// Forgets the signal received (the REPL, once the interrupted statement has ended).
    pub fn clear(&self) {
        self.received.store(0, Ordering::SeqCst);
    }
}
