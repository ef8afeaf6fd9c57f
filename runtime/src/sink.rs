//! Where a program's `print` output goes. The VM writes to any `Box<dyn Write>`; these are the
//! sinks gclox itself uses.

use std::cell::RefCell;
use std::io::{self, Write};
use std::rc::Rc;

/// Buffered standard output (flushed when a run ends, before errors are printed, and before
/// each REPL prompt).
pub fn stdout() -> Box<dyn Write> {
    Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout()))
}

/// An in-memory sink whose contents the host can read back: for tests and for embedders that
/// capture a script's output.
#[derive(Clone, Default)]
pub struct Captured(Rc<RefCell<Vec<u8>>>);

impl Captured {
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far, as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }

    /// A writer appending to this sink.
    pub fn writer(&self) -> Box<dyn Write> {
        Box::new(self.clone())
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
