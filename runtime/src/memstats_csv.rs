//! `--memstats-csv FILE --memstats-interval 10ms`: a thread that samples a heap's
//! [`Monitor`] at a fixed interval and writes one CSV row per sample.
//!
//! The sampler runs beside the runtime rather than inside it so the time series keeps its
//! interval even while a long slice or collector step is running, and so writing the file
//! never adds to a pause: the runtime's only cost is the heap's wait-free `publish`.
//!
//! Each row is the latest snapshot the heap published, so `time_s` is when the heap published
//! it (seconds since the heap started), not when the sampler woke: while the heap publishes
//! nothing new, consecutive rows repeat it. `next_gc` is written as is, so it reads
//! 18446744073709551615 while gogc is off and no limit is set.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use gclox_gc::{Monitor, Snapshot};

/// The first line of every file.
pub const HEADER: &str = "time_s,heap_alloc,next_gc,heap_objects,total_alloc,num_gc,\
                          num_forced_gc,pause_total_ns,last_pause_ns,num_pauses,phase";

/// A running sampler. [`CsvSampler::stop`] ends it and reports how it went; dropping it stops
/// it too, but loses any error.
#[derive(Debug)]
pub struct CsvSampler {
    /// Dropped to tell the thread to stop: a disconnect wakes it at once, mid-interval.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<io::Result<u64>>>,
}

impl CsvSampler {
    /// Creates (truncates) `path`, writes the header and starts sampling `monitor` every
    /// `interval`, the first sample right away. Errors creating the file or the thread are
    /// returned here; later write errors are returned by [`CsvSampler::stop`].
    pub fn start(monitor: Monitor, path: &Path, interval: Duration) -> io::Result<CsvSampler> {
        let file = File::create(path)?;
        Self::start_writer(monitor, BufWriter::new(file), interval)
    }

    /// [`CsvSampler::start`] writing to `out` (which should be buffered) instead of a file.
    pub fn start_writer(
        monitor: Monitor,
        mut out: impl Write + Send + 'static,
        interval: Duration,
    ) -> io::Result<CsvSampler> {
        if interval.is_zero() {
            // recv_timeout(0) would turn the sampler into a busy loop.
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "memstats interval must be positive",
            ));
        }
        writeln!(out, "{HEADER}")?;
        let (stop, stopped) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("memstats-csv".into())
            .spawn(move || sample(&monitor, out, interval, &stopped))?;
        Ok(CsvSampler {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Takes a final sample, flushes, joins the thread and returns the number of rows written
    /// (the header not counted), or the first error the thread met.
    pub fn stop(mut self) -> io::Result<u64> {
        self.finish()
    }

    fn finish(&mut self) -> io::Result<u64> {
        drop(self.stop.take());
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .map_err(|_| io::Error::other("the memstats-csv thread panicked"))?,
            None => Ok(0),
        }
    }
}

impl Drop for CsvSampler {
    fn drop(&mut self) {
        // Without this the process could exit before the last rows reach the file.
        let _ = self.finish();
    }
}

/// The sampler thread: a row now and at every tick until `stopped` disconnects, then a final
/// row so the file ends with the heap's state at stop.
fn sample(
    monitor: &Monitor,
    mut out: impl Write,
    interval: Duration,
    stopped: &mpsc::Receiver<()>,
) -> io::Result<u64> {
    let mut rows = 0;
    let mut next = Instant::now();
    loop {
        write_row(&mut out, &monitor.read())?;
        rows += 1;
        next += interval;
        let now = Instant::now();
        if next <= now {
            // Fell behind (a slow disk, a descheduled thread): skip the missed ticks rather
            // than writing a burst of identical rows.
            next = now + interval;
        }
        match stopped.recv_timeout(next - now) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    write_row(&mut out, &monitor.read())?;
    out.flush()?;
    Ok(rows + 1)
}

fn write_row(out: &mut impl Write, s: &Snapshot) -> io::Result<()> {
    // Integer arithmetic keeps every nanosecond count exact in its 6 decimals.
    let (secs, micros) = (s.time_ns / 1_000_000_000, s.time_ns % 1_000_000_000 / 1000);
    writeln!(
        out,
        "{secs}.{micros:06},{},{},{},{},{},{},{},{},{},{}",
        s.heap_alloc,
        s.next_gc,
        s.heap_objects,
        s.total_alloc,
        s.num_gc,
        s.num_forced_gc,
        s.pause_total_ns,
        s.last_pause_ns,
        s.num_pauses,
        s.phase_name(),
    )
}
