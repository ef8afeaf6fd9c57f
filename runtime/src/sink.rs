//! Where a program's `print` output (and the collector's telemetry) goes. The VM and the heap
//! write to any `Box<dyn Write>`; these are the sinks gclox itself uses, and one that hands
//! each line to a callback.

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

/// A writer that calls `callback` with each complete line written to it (without its newline),
/// for an embedder that routes gctrace or a script's output into its own log. A last line
/// without a newline is passed on when the writer is flushed or dropped.
pub fn lines(callback: impl FnMut(&str) + 'static) -> Box<dyn Write> {
    Box::new(Lines {
        pending: Vec::new(),
        callback: Box::new(callback),
    })
}

struct Lines {
    /// Bytes of the line not yet ended.
    pending: Vec<u8>,
    callback: Box<dyn FnMut(&str)>,
}

impl Lines {
    fn emit(&mut self, line: &[u8]) {
        (self.callback)(&String::from_utf8_lossy(line));
    }
}

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            let done: Vec<u8> = self.pending.drain(..=last).collect();
            for line in done[..last].split(|&b| b == b'\n') {
                self.emit(line);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line);
        }
        Ok(())
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_calls_back_once_per_line_however_the_writes_split() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        let mut w = lines(move |l| log.borrow_mut().push(l.to_string()));
        w.write_all(b"gc 1 a").unwrap();
        w.write_all(b"b\ngc 2\n\ngc").unwrap();
        assert_eq!(*seen.borrow(), ["gc 1 ab", "gc 2", ""]);
        drop(w);
        assert_eq!(*seen.borrow(), ["gc 1 ab", "gc 2", "", "gc"]);
    }
}
