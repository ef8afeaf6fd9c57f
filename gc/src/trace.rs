//! The execution trace: Chrome Trace Event Format JSON, which Perfetto UI, chrome://tracing and
//! speedscope open.
//!
//! # What is recorded
//!
//! One process (`pid` 1) with three rows, all counting microseconds from the heap's start —
//! the same origin as gctrace's `@T`, the MemStats CSV and the pacer trace:
//!
//! - `tid` 1 *mutator*: one complete (`X`) slice per VM slice (`cat` "vm");
//! - `tid` 2 *collector*: one complete slice per collector step, named by what it did —
//!   `mark`, `mark termination`, `sweep`, `full collection` (`cat` "gc"), with the cycle
//!   number, the work asked for, and the live heap after the step;
//! - `tid` 3 *GC cycles*: one complete slice per cycle from its first step's start to its last
//!   step's end, named `GC N`, with the heap figures of gctrace (`cat` "gc.cycle");
//!
//! plus counters after every step (`C`, `cat` "gc.heap"): `heap` with the series `live bytes`
//! and `to goal bytes` (goal − live: viewers stack a counter's series, so the top of the stack
//! is the goal, as in Go's trace export) and `live objects`; instant events (`I`, `cat`
//! "gc.event"; Chrome DevTools ignores the older `i`) for forced collections and limit hits;
//! and metadata
//! (`M`, `cat` "__metadata") naming the process and rows. gclox is single-threaded: rows 2
//! and 3 are pseudo-threads, as Go's exported traces show a `GC` row.
//!
//! # Where events go, and bounds
//!
//! No I/O happens on the VM's path. A recorder made by [`TraceRecorder::new`] keeps every
//! event in memory until [`TraceRecorder::write_json`] (about 480 bytes of resident memory per
//! event). One made by [`TraceRecorder::streaming`] hands events in chunks of [`CHUNK`] to a
//! writer thread that serializes them as they come, so its memory stays at a few chunks
//! however long the run; [`TraceRecorder::finish`] (or dropping the recorder) writes the end
//! of the file and waits for the writer. Either way at most `max_events` are kept; after that
//! only a count of the dropped ones is, and the file says so: a final instant event
//! `trace truncated` and `otherData.dropped_events`.
//!
//! The channel to the writer holds at most [`BACKLOG_CHUNKS`] chunks, so a writer that cannot
//! keep up (a pipe nobody reads) cannot make the VM's side grow: a full chunk waits up to
//! [`BACKPRESSURE`] for room, and is dropped and counted if none comes (while the writer stays
//! behind, later chunks are dropped at once, so a stalled reader does not slow the script
//! more than that). Those events are counted apart: `otherData.dropped_writer_behind`, and
//! in `dropped_events` with the rest.

use std::borrow::Cow;
use std::io::{self, BufWriter, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Events per chunk a streaming recorder hands to its writer thread.
pub const CHUNK: usize = 4096;

/// Most chunks waiting for the writer thread: the bound on a streamed trace's memory (a few
/// megabytes) whatever the writer's speed.
pub const BACKLOG_CHUNKS: usize = 8;

/// How long a full chunk waits for room in the backlog before it is dropped.
pub const BACKPRESSURE: Duration = Duration::from_millis(50);

const PID: u32 = 1;
/// The mutator row.
pub const TID_MUTATOR: u32 = 1;
/// The collector-step row.
pub const TID_COLLECTOR: u32 = 2;
/// The cycle row.
pub const TID_CYCLES: u32 = 3;

/// An argument value.
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    Num(f64),
    Bool(bool),
    Text(&'static str),
}

/// At most this many arguments per event (kept inline: recording allocates nothing but the
/// event's slot, and the name when it is formatted).
const MAX_ARGS: usize = 6;

/// An event's arguments.
#[derive(Debug, Clone, Copy)]
pub struct Args {
    items: [(&'static str, Arg); MAX_ARGS],
    len: u8,
}

impl Args {
    /// Up to `MAX_ARGS` arguments (more are dropped).
    pub fn new(items: &[(&'static str, Arg)]) -> Args {
        let mut args = Args {
            items: [("", Arg::Num(0.0)); MAX_ARGS],
            len: 0,
        };
        for &item in items.iter().take(MAX_ARGS) {
            args.items[usize::from(args.len)] = item;
            args.len += 1;
        }
        args
    }

    fn as_slice(&self) -> &[(&'static str, Arg)] {
        &self.items[..usize::from(self.len)]
    }

    fn first_mut(&mut self) -> Option<&mut (&'static str, Arg)> {
        self.items[..usize::from(self.len)].first_mut()
    }
}

#[derive(Debug, Clone)]
struct Event {
    name: Cow<'static, str>,
    cat: &'static str,
    ph: char,
    /// Start and duration, nanoseconds (written as microseconds with three decimals).
    ts: u64,
    dur: u64,
    tid: u32,
    args: Args,
}

/// What a streaming recorder sends its writer thread.
enum Batch {
    Events(Vec<Event>),
    End {
        dropped: u64,
        lagged: u64,
        max_events: usize,
    },
}

/// The writer thread of a streaming recorder.
#[derive(Debug)]
struct Stream {
    batches: mpsc::SyncSender<Batch>,
    writer: JoinHandle<io::Result<()>>,
}

/// A bounded recorder of trace events: in memory, or streamed to a writer thread.
#[derive(Debug)]
pub struct TraceRecorder {
    start: Instant,
    process_name: String,
    /// Every event kept (in memory), or those not yet handed to the writer (streaming).
    events: Vec<Event>,
    /// Events kept so far, metadata included.
    kept: usize,
    max_events: usize,
    dropped: u64,
    /// Events of chunks dropped because the writer thread fell behind (streaming only).
    lagged: u64,
    /// The last chunk found no room: drop the next at once if the backlog is still full.
    behind: bool,
    stream: Option<Stream>,
    /// The mutator slice still being extended: consecutive VM slices with no collector work
    /// between them are one event (the collector's steps split them).
    open_mutator: Option<usize>,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl TraceRecorder {
    /// A recorder whose timestamps count from `start` (the heap's start), keeping at most
    /// `max_events` events.
    pub fn new(start: Instant, max_events: usize, process_name: &str) -> Self {
        Self::with_stream(start, max_events, process_name, None)
    }

    /// A recorder like [`TraceRecorder::new`] whose events a writer thread serializes to `w`
    /// while the program runs. Call [`TraceRecorder::finish`] to end the file and learn
    /// whether it was written.
    pub fn streaming(
        start: Instant,
        max_events: usize,
        process_name: &str,
        w: Box<dyn Write + Send>,
    ) -> io::Result<Self> {
        let (batches, received) = mpsc::sync_channel(BACKLOG_CHUNKS);
        let name = process_name.to_string();
        let writer = std::thread::Builder::new()
            .name("gclox-trace-writer".to_string())
            .spawn(move || write_stream(BufWriter::new(w), &name, received))?;
        let stream = Stream { batches, writer };
        Ok(Self::with_stream(
            start,
            max_events,
            process_name,
            Some(stream),
        ))
    }

    fn with_stream(
        start: Instant,
        max_events: usize,
        process_name: &str,
        stream: Option<Stream>,
    ) -> Self {
        let mut recorder = TraceRecorder {
            start,
            process_name: process_name.to_string(),
            events: Vec::new(),
            kept: 0,
            max_events: max_events.max(16),
            dropped: 0,
            lagged: 0,
            behind: false,
            stream,
            open_mutator: None,
        };
        // The process name is written from `process_name` (see `write_event`).
        recorder.metadata("process_name", 0, Arg::Text(""));
        for (tid, name) in [
            (TID_MUTATOR, "mutator (VM slices)"),
            (TID_COLLECTOR, "collector steps"),
            (TID_CYCLES, "GC cycles"),
        ] {
            recorder.metadata("thread_name", tid, Arg::Text(name));
            recorder.metadata("thread_sort_index", tid, Arg::Num(f64::from(tid)));
        }
        // Viewers start their time axis at the first event that is not metadata: an instant
        // at the origin makes on-screen times the same as gctrace's `@T`.
        recorder.instant(TID_MUTATOR, "runtime started", start, &[]);
        recorder
    }

    fn metadata(&mut self, name: &'static str, tid: u32, value: Arg) {
        let key = if name == "thread_sort_index" {
            "sort_index"
        } else {
            "name"
        };
        self.push(Event {
            name: Cow::Borrowed(name),
            cat: "__metadata",
            ph: 'M',
            ts: 0,
            dur: 0,
            tid,
            args: Args::new(&[(key, value)]),
        });
    }

    /// Keeps `event` if the bound allows; returns whether it did.
    fn push(&mut self, event: Event) -> bool {
        self.open_mutator = None;
        if self.kept >= self.max_events {
            self.dropped += 1;
            return false;
        }
        if self.stream.is_some() && self.events.len() >= CHUNK {
            let full = std::mem::replace(&mut self.events, Vec::with_capacity(CHUNK));
            self.hand_on(full);
        }
        self.events.push(event);
        self.kept += 1;
        true
    }

    /// Hands a full chunk to the writer thread, waiting up to [`BACKPRESSURE`] for room (not at
    /// all while the writer is known to be behind); a chunk that finds none is dropped and
    /// counted in `lagged`.
    fn hand_on(&mut self, chunk: Vec<Event>) {
        let Some(stream) = &self.stream else {
            return;
        };
        let waited = Instant::now();
        let mut batch = Batch::Events(chunk);
        loop {
            match stream.batches.try_send(batch) {
                Ok(()) => {
                    self.behind = false;
                    return;
                }
                // A writer that failed has stopped receiving; its error is reported by
                // `finish`, so the chunk can go.
                Err(mpsc::TrySendError::Disconnected(_)) => return,
                Err(mpsc::TrySendError::Full(back)) => {
                    if self.behind || waited.elapsed() >= BACKPRESSURE {
                        if let Batch::Events(events) = &back {
                            self.lagged += events.len() as u64;
                        }
                        self.behind = true;
                        return;
                    }
                    batch = back;
                    std::thread::sleep(Duration::from_micros(500));
                }
            }
        }
    }

    /// VM execution from `begin` to `end` on the mutator row: extends the previous mutator
    /// event if nothing else was recorded since, so the row shows one slice per stretch of
    /// mutator time between collector steps.
    pub fn mutator(&mut self, begin: Instant, end: Instant, instructions: u64) {
        if let Some(i) = self.open_mutator {
            let event = &mut self.events[i];
            event.dur = nanos(end.saturating_duration_since(self.start)).saturating_sub(event.ts);
            if let Some((_, Arg::Num(n))) = event.args.first_mut() {
                *n += instructions as f64;
            }
            return;
        }
        let args = [("instructions", Arg::Num(instructions as f64))];
        if self.complete(TID_MUTATOR, "mutator", "vm", begin, end, &args) {
            self.open_mutator = Some(self.events.len() - 1);
        }
    }

    /// A complete slice from `begin` to `end` on row `tid`. Returns whether it was kept.
    pub fn complete(
        &mut self,
        tid: u32,
        name: impl Into<Cow<'static, str>>,
        cat: &'static str,
        begin: Instant,
        end: Instant,
        args: &[(&'static str, Arg)],
    ) -> bool {
        let ts = begin.saturating_duration_since(self.start);
        let dur = end.saturating_duration_since(begin);
        self.complete_at(tid, name, cat, ts, dur, args)
    }

    /// [`TraceRecorder::complete`] with the slice's start given as time since the recorder's
    /// `start` (for a caller that has it already).
    pub fn complete_at(
        &mut self,
        tid: u32,
        name: impl Into<Cow<'static, str>>,
        cat: &'static str,
        ts: Duration,
        dur: Duration,
        args: &[(&'static str, Arg)],
    ) -> bool {
        self.push(Event {
            name: name.into(),
            cat,
            ph: 'X',
            ts: nanos(ts),
            dur: nanos(dur),
            tid,
            args: Args::new(args),
        })
    }

    /// Counter values at `at` (one counter track per name, one series per argument).
    pub fn counter(&mut self, name: &'static str, at: Instant, values: &[(&'static str, Arg)]) {
        self.counter_at(name, at.saturating_duration_since(self.start), values);
    }

    /// [`TraceRecorder::counter`] at `at` since the recorder's `start`.
    pub fn counter_at(&mut self, name: &'static str, at: Duration, values: &[(&'static str, Arg)]) {
        let ts = nanos(at);
        self.push(Event {
            name: Cow::Borrowed(name),
            cat: "gc.heap",
            ph: 'C',
            ts,
            dur: 0,
            tid: TID_COLLECTOR,
            args: Args::new(values),
        });
    }

    /// An instant event at `at` on row `tid`.
    pub fn instant(
        &mut self,
        tid: u32,
        name: impl Into<Cow<'static, str>>,
        at: Instant,
        args: &[(&'static str, Arg)],
    ) {
        let ts = nanos(at.saturating_duration_since(self.start));
        self.push(Event {
            name: name.into(),
            cat: "gc.event",
            ph: 'I',
            ts,
            dur: 0,
            tid,
            args: Args::new(args),
        });
    }

    /// Whether events go to a writer thread (see [`TraceRecorder::streaming`]).
    pub fn is_streaming(&self) -> bool {
        self.stream.is_some()
    }

    /// Events recorded (metadata included) and dropped.
    pub fn counts(&self) -> (usize, u64) {
        (self.kept, self.dropped)
    }

    /// Events a streaming recorder dropped because its writer fell behind (not in
    /// [`TraceRecorder::counts`]' dropped figure, which counts those over `max_events`).
    pub fn lagged(&self) -> u64 {
        self.lagged
    }

    /// Writes the whole trace as one JSON object. Only for a recorder made by
    /// [`TraceRecorder::new`]: a streaming one has already handed its events on.
    pub fn write_json(&self, w: impl Write) -> io::Result<()> {
        if self.stream.is_some() {
            return Err(io::Error::other(
                "a streamed trace is written by its writer thread",
            ));
        }
        let mut out = JsonOut::begin(w, &self.process_name)?;
        for event in &self.events {
            out.event(event)?;
        }
        out.end(self.dropped, 0, self.max_events)
    }

    /// Ends a streamed trace: hands the writer the last events and the footer, and waits for
    /// it. Returns the writer's first I/O error, if any. Does nothing for an in-memory trace.
    pub fn finish(&mut self) -> io::Result<()> {
        let Some(stream) = self.stream.take() else {
            return Ok(());
        };
        let rest = std::mem::take(&mut self.events);
        let _ = stream.batches.send(Batch::Events(rest));
        let _ = stream.batches.send(Batch::End {
            dropped: self.dropped,
            lagged: self.lagged,
            max_events: self.max_events,
        });
        drop(stream.batches);
        stream
            .writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the trace writer panicked")))
    }
}

impl Drop for TraceRecorder {
    /// A streamed trace still gets its end written when nobody called `finish`.
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// The writer thread's loop: everything it receives, as one JSON object.
fn write_stream(
    w: impl Write,
    process_name: &str,
    batches: mpsc::Receiver<Batch>,
) -> io::Result<()> {
    let mut out = JsonOut::begin(w, process_name)?;
    for batch in batches {
        match batch {
            Batch::Events(events) => {
                for event in &events {
                    out.event(event)?;
                }
                out.flush_pending()?;
            }
            Batch::End {
                dropped,
                lagged,
                max_events,
            } => return out.end(dropped, lagged, max_events),
        }
    }
    Err(io::Error::other("the trace ended without its footer"))
}

/// Bytes of events [`JsonOut`] gathers before it writes them.
const PENDING_BYTES: usize = 32 * 1024;

/// Trace Event JSON written one event at a time.
struct JsonOut<'a, W: Write> {
    w: W,
    process_name: &'a str,
    first: bool,
    last_ts: u64,
    /// Events' JSON not yet handed to `w`: written in calls of [`PENDING_BYTES`] or so, since
    /// many small writes into a `BufWriter` cost a bounds check and a `memcpy` call each.
    pending: Vec<u8>,
}

impl<'a, W: Write> JsonOut<'a, W> {
    fn begin(mut w: W, process_name: &'a str) -> io::Result<Self> {
        w.write_all(b"{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n")?;
        Ok(JsonOut {
            w,
            process_name,
            first: true,
            last_ts: 0,
            pending: Vec::with_capacity(PENDING_BYTES + 1024),
        })
    }

    fn event(&mut self, event: &Event) -> io::Result<()> {
        if !self.first {
            self.pending.extend_from_slice(b",\n");
        }
        self.first = false;
        self.last_ts = self.last_ts.max(event.ts.saturating_add(event.dur));
        write_event(&mut self.pending, event, self.process_name);
        if self.pending.len() >= PENDING_BYTES {
            self.flush_pending()?;
        }
        Ok(())
    }

    /// Hands the pending events to the writer.
    fn flush_pending(&mut self) -> io::Result<()> {
        self.w.write_all(&self.pending)?;
        self.pending.clear();
        Ok(())
    }

    /// The truncation note (if events were dropped) and the closing `otherData`: `dropped`
    /// over `max_events`, `lagged` because the writer fell behind.
    fn end(mut self, dropped: u64, lagged: u64, max_events: usize) -> io::Result<()> {
        let total = dropped + lagged;
        if total > 0 {
            let note = Event {
                name: Cow::Borrowed("trace truncated"),
                cat: "gc.event",
                ph: 'I',
                ts: self.last_ts,
                dur: 0,
                tid: TID_COLLECTOR,
                args: Args::new(&[
                    ("dropped_events", Arg::Num(total as f64)),
                    ("dropped_writer_behind", Arg::Num(lagged as f64)),
                    ("max_events", Arg::Num(max_events as f64)),
                ]),
            };
            self.event(&note)?;
        }
        self.flush_pending()?;
        write!(
            self.w,
            "\n],\"otherData\":{{\"producer\":\"gclox\",\"clock\":\"microseconds since the runtime started\",\"dropped_events\":{total},\"dropped_writer_behind\":{lagged}}}}}\n"
        )?;
        self.w.flush()
    }
}

/// One event as JSON, appended to `out`. Runs on the writer thread for every event of a long
/// trace, so numbers go through `itoa` and integer arithmetic rather than `fmt` and floating
/// point, strings that need no escaping are copied as they are, and everything lands in one
/// buffer (binary_trees' trace: 579 M instructions over a run without it, 2026-12-03, before
/// these three changes).
fn write_event(out: &mut Vec<u8>, e: &Event, process_name: &str) {
    let mut int = itoa::Buffer::new();
    out.extend_from_slice(b"{\"name\":");
    match &e.name {
        Cow::Borrowed(name) => write_static(out, name),
        Cow::Owned(name) => write_string(out, name),
    }
    out.extend_from_slice(b",\"cat\":");
    write_static(out, e.cat);
    out.extend_from_slice(b",\"ph\":\"");
    out.extend_from_slice(e.ph.encode_utf8(&mut [0; 4]).as_bytes());
    out.extend_from_slice(b"\",\"ts\":");
    write_micros(out, e.ts);
    out.extend_from_slice(b",\"pid\":");
    write_small(out, PID);
    out.extend_from_slice(b",\"tid\":");
    write_small(out, e.tid);
    if e.ph == 'X' {
        out.extend_from_slice(b",\"dur\":");
        write_micros(out, e.dur);
    }
    if e.ph == 'I' {
        out.extend_from_slice(b",\"s\":\"t\"");
    }
    out.extend_from_slice(b",\"args\":{");
    for (i, (key, value)) in e.args.as_slice().iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_static(out, key);
        out.push(b':');
        match value {
            // Integral values (nearly all: bytes, counts) print as integers.
            // (`as` conversions rather than `fract`, which is a libm call.)
            Arg::Num(n) if n.abs() < 9.0e15 && (*n as i64) as f64 == *n => {
                out.extend_from_slice(int.format(*n as i64).as_bytes())
            }
            Arg::Num(n) if n.is_finite() => out.extend_from_slice(n.to_string().as_bytes()),
            Arg::Num(_) => out.extend_from_slice(b"null"),
            Arg::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Arg::Text(_) if e.name == "process_name" => write_string(out, process_name),
            Arg::Text(t) => write_static(out, t),
        }
    }
    out.extend_from_slice(b"}}");
}

/// A row or process number: one digit without `itoa`'s set-up in the common case.
fn write_small(out: &mut Vec<u8>, n: u32) {
    match u8::try_from(n) {
        Ok(digit @ 0..=9) => out.push(b'0' + digit),
        _ => out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes()),
    }
}

/// `nanos` as microseconds with three decimals (nanosecond resolution): its digits, with the
/// point put before the last three.
fn write_micros(out: &mut Vec<u8>, nanos: u64) {
    let mut int = itoa::Buffer::new();
    let digits = int.format(nanos).as_bytes();
    if digits.len() > 3 {
        let (whole, frac) = digits.split_at(digits.len() - 3);
        out.extend_from_slice(whole);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(b"0.");
        out.extend_from_slice(&b"000"[digits.len()..]);
        out.extend_from_slice(digits);
    }
}

/// Whether `s` needs no escaping in a JSON string (printable ASCII, no quote, no backslash).
fn is_plain(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// A `'static` string as a JSON string literal, copied without escaping. Every `'static`
/// string a trace holds is one of gclox's own literals (categories, argument keys, step,
/// counter and event names): plain by construction, as debug builds assert and the test
/// `every_static_name_is_plain` checks. Names made at run time go through [`write_string`].
fn write_static(out: &mut Vec<u8>, s: &'static str) {
    debug_assert!(is_plain(s), "trace names are plain ASCII: {s:?}");
    write_quoted(out, s);
}

/// A JSON string literal: copied as it is when nothing in it needs escaping, through
/// serde_json's escaper otherwise.
fn write_string(out: &mut Vec<u8>, s: &str) {
    if is_plain(s) {
        write_quoted(out, s);
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

/// `s` between quotes, as it is: only for a string [`is_plain`] accepts.
fn write_quoted(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_have_three_decimals_from_any_nanosecond_count() {
        for (nanos, text) in [
            (0, "0.000"),
            (7, "0.007"),
            (999, "0.999"),
            (1000, "1.000"),
            (1_234_567, "1234.567"),
            (u64::MAX, "18446744073709551.615"),
        ] {
            let mut out = Vec::new();
            write_micros(&mut out, nanos);
            assert_eq!(String::from_utf8(out).unwrap(), text);
        }
    }

    #[test]
    fn truncation_is_noted_in_the_file() {
        let start = Instant::now();
        let mut r = TraceRecorder::new(start, 16, "test \"quoted\"");
        for i in 0..100 {
            r.instant(TID_MUTATOR, format!("e{i}"), start, &[]);
        }
        let (kept, dropped) = r.counts();
        assert_eq!(kept + dropped as usize, 100 + 8);
        let mut out = Vec::new();
        r.write_json(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"trace truncated\""));
        assert!(text.contains(&format!("\"dropped_events\":{dropped}")));
        assert!(text.contains("test \\\"quoted\\\""));
    }

    /// A `Write` into a buffer the test can read after the writer thread is done with it.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// The same events recorded in memory and streamed give the same file, byte for byte —
    /// across several chunks, with mutator slices merged across a chunk boundary, and cut at
    /// the bound.
    #[test]
    fn a_streamed_trace_is_the_trace_written_from_memory() {
        let start = Instant::now();
        for max_events in [3 * CHUNK + 17, 100_000] {
            let mut memory = TraceRecorder::new(start, max_events, "p");
            let shared = Shared::default();
            let mut streamed =
                TraceRecorder::streaming(start, max_events, "p", Box::new(shared.clone())).unwrap();
            for r in [&mut memory, &mut streamed] {
                for i in 0..(4 * CHUNK as u64) {
                    let at = start + Duration::from_micros(10 * i);
                    let end = at + Duration::from_micros(3);
                    r.mutator(at, end, 5);
                    r.mutator(end, end + Duration::from_micros(1), 7);
                    if i % 3 == 0 {
                        r.complete(
                            TID_COLLECTOR,
                            "mark",
                            "gc",
                            at,
                            end,
                            &[("n", Arg::Num(1.0))],
                        );
                    }
                    if i % 5 == 0 {
                        r.counter("heap", end, &[("live", Arg::Num(i as f64))]);
                    }
                }
            }
            assert_eq!(memory.counts(), streamed.counts());
            let mut expected = Vec::new();
            memory.write_json(&mut expected).unwrap();
            streamed.finish().unwrap();
            let got = shared.0.lock().unwrap().clone();
            assert_eq!(
                String::from_utf8(got).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    /// A writer that fails makes `finish` report the error; recording goes on regardless.
    #[test]
    fn a_failing_stream_reports_its_error_at_finish() {
        struct Full;
        impl Write for Full {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let start = Instant::now();
        let mut r = TraceRecorder::streaming(start, 1_000_000, "p", Box::new(Full)).unwrap();
        for _ in 0..(3 * CHUNK) {
            r.instant(TID_MUTATOR, "e", start, &[]);
        }
        let err = r.finish().unwrap_err();
        assert!(err.to_string().contains("disk full"), "{err}");
    }
}
