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
//! plus counters (`C`, `cat` "gc.heap": live heap, heap goal, live objects) after every step,
//! instant events (`i`, `cat` "gc.event") for forced collections and limit hits, and metadata
//! (`M`, `cat` "__metadata") naming the process and rows. gclox is single-threaded: rows 2
//! and 3 are pseudo-threads, as Go's exported traces show a `GC` row.
//!
//! # Bounds
//!
//! Events are buffered in memory (no I/O on the VM's path) and written when the run ends. At
//! most `max_events` are kept; after that only a count of the dropped ones is, and the file
//! says so: a final instant event `trace truncated` and `otherData.dropped_events`.

use std::borrow::Cow;
use std::io::{self, Write};
use std::time::{Duration, Instant};

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
    ts: f64,
    dur: f64,
    tid: u32,
    args: Args,
}

/// A bounded in-memory buffer of trace events.
#[derive(Debug)]
pub struct TraceRecorder {
    start: Instant,
    process_name: String,
    events: Vec<Event>,
    max_events: usize,
    dropped: u64,
    /// The mutator slice still being extended: consecutive VM slices with no collector work
    /// between them are one event (the collector's steps split them).
    open_mutator: Option<usize>,
}

fn micros(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1000.0
}

impl TraceRecorder {
    /// A recorder whose timestamps count from `start` (the heap's start), keeping at most
    /// `max_events` events.
    pub fn new(start: Instant, max_events: usize, process_name: &str) -> Self {
        let mut recorder = TraceRecorder {
            start,
            process_name: process_name.to_string(),
            events: Vec::new(),
            max_events: max_events.max(16),
            dropped: 0,
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
        recorder
    }

    fn metadata(&mut self, name: &'static str, tid: u32, value: Arg) {
        let key = if name == "thread_sort_index" {
            "sort_index"
        } else {
            "name"
        };
        self.events.push(Event {
            name: Cow::Borrowed(name),
            cat: "__metadata",
            ph: 'M',
            ts: 0.0,
            dur: 0.0,
            tid,
            args: Args::new(&[(key, value)]),
        });
    }

    fn push(&mut self, event: Event) {
        self.open_mutator = None;
        if self.events.len() < self.max_events {
            self.events.push(event);
        } else {
            self.dropped += 1;
        }
    }

    /// VM execution from `begin` to `end` on the mutator row: extends the previous mutator
    /// event if nothing else was recorded since, so the row shows one slice per stretch of
    /// mutator time between collector steps.
    pub fn mutator(&mut self, begin: Instant, end: Instant, instructions: u64) {
        if let Some(i) = self.open_mutator {
            let event = &mut self.events[i];
            event.dur = micros(end.saturating_duration_since(self.start)) - event.ts;
            if let Some((_, Arg::Num(n))) = event.args.first_mut() {
                *n += instructions as f64;
            }
            return;
        }
        let args = [("instructions", Arg::Num(instructions as f64))];
        self.complete(TID_MUTATOR, "mutator", "vm", begin, end, &args);
        if self.events.len() < self.max_events || self.dropped == 0 {
            self.open_mutator = Some(self.events.len() - 1);
        }
    }

    /// A complete slice from `begin` to `end` on row `tid`.
    pub fn complete(
        &mut self,
        tid: u32,
        name: impl Into<Cow<'static, str>>,
        cat: &'static str,
        begin: Instant,
        end: Instant,
        args: &[(&'static str, Arg)],
    ) {
        let ts = micros(begin.saturating_duration_since(self.start));
        let dur = micros(end.saturating_duration_since(begin));
        self.push(Event {
            name: name.into(),
            cat,
            ph: 'X',
            ts,
            dur,
            tid,
            args: Args::new(args),
        });
    }

    /// Counter values at `at` (one counter track per name, one series per argument).
    pub fn counter(&mut self, name: &'static str, at: Instant, values: &[(&'static str, Arg)]) {
        let ts = micros(at.saturating_duration_since(self.start));
        self.push(Event {
            name: Cow::Borrowed(name),
            cat: "gc.heap",
            ph: 'C',
            ts,
            dur: 0.0,
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
        let ts = micros(at.saturating_duration_since(self.start));
        self.push(Event {
            name: name.into(),
            cat: "gc.event",
            ph: 'i',
            ts,
            dur: 0.0,
            tid,
            args: Args::new(args),
        });
    }

    /// Events recorded (metadata included) and dropped.
    pub fn counts(&self) -> (usize, u64) {
        (self.events.len(), self.dropped)
    }

    /// Writes the whole trace as one JSON object.
    pub fn write_json(&self, mut w: impl Write) -> io::Result<()> {
        w.write_all(b"{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n")?;
        let mut first = true;
        let mut last_ts = 0.0f64;
        for event in &self.events {
            if !first {
                w.write_all(b",\n")?;
            }
            first = false;
            last_ts = last_ts.max(event.ts + event.dur);
            write_event(&mut w, event, &self.process_name)?;
        }
        if self.dropped > 0 {
            let note = Event {
                name: Cow::Borrowed("trace truncated"),
                cat: "gc.event",
                ph: 'i',
                ts: last_ts,
                dur: 0.0,
                tid: TID_COLLECTOR,
                args: Args::new(&[
                    ("dropped_events", Arg::Num(self.dropped as f64)),
                    ("max_events", Arg::Num(self.max_events as f64)),
                ]),
            };
            w.write_all(b",\n")?;
            write_event(&mut w, &note, &self.process_name)?;
        }
        write!(
            w,
            "\n],\"otherData\":{{\"producer\":\"gclox\",\"clock\":\"microseconds since the runtime started\",\"dropped_events\":{}}}}}\n",
            self.dropped
        )?;
        w.flush()
    }
}

fn write_event(w: &mut impl Write, e: &Event, process_name: &str) -> io::Result<()> {
    write!(w, "{{\"name\":")?;
    write_string(w, &e.name)?;
    write!(w, ",\"cat\":\"{}\",\"ph\":\"{}\",\"ts\":", e.cat, e.ph)?;
    write_micros(w, e.ts)?;
    write!(w, ",\"pid\":{PID},\"tid\":{}", e.tid)?;
    if e.ph == 'X' {
        w.write_all(b",\"dur\":")?;
        write_micros(w, e.dur)?;
    }
    if e.ph == 'i' {
        write!(w, ",\"s\":\"t\"")?;
    }
    w.write_all(b",\"args\":{")?;
    for (i, (key, value)) in e.args.as_slice().iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write!(w, "\"{key}\":")?;
        match value {
            // Integral values (nearly all: bytes, counts) print through the integer path,
            // several times faster than float formatting on traces of a million events.
            Arg::Num(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => write!(w, "{}", *n as i64)?,
            Arg::Num(n) if n.is_finite() => write!(w, "{n}")?,
            Arg::Num(_) => w.write_all(b"null")?,
            Arg::Bool(b) => write!(w, "{b}")?,
            Arg::Text(_) if e.name == "process_name" => write_string(w, process_name)?,
            Arg::Text(t) => write_string(w, t)?,
        }
    }
    w.write_all(b"}}")
}

/// Microseconds with three decimals (nanosecond resolution), formatted from integers.
fn write_micros(w: &mut impl Write, micros: f64) -> io::Result<()> {
    let nanos = (micros * 1000.0).round().max(0.0) as u64;
    write!(w, "{}.{:03}", nanos / 1000, nanos % 1000)
}

/// A JSON string literal.
fn write_string(w: &mut impl Write, s: &str) -> io::Result<()> {
    w.write_all(b"\"")?;
    for c in s.chars() {
        match c {
            '"' => w.write_all(b"\\\"")?,
            '\\' => w.write_all(b"\\\\")?,
            '\n' => w.write_all(b"\\n")?,
            c if (c as u32) < 0x20 => write!(w, "\\u{:04x}", c as u32)?,
            c => write!(w, "{c}")?,
        }
    }
    w.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_is_noted_in_the_file() {
        let start = Instant::now();
        let mut r = TraceRecorder::new(start, 16, "test \"quoted\"");
        for i in 0..100 {
            r.instant(TID_MUTATOR, format!("e{i}"), start, &[]);
        }
        let (kept, dropped) = r.counts();
        assert_eq!(kept + dropped as usize, 100 + 7);
        let mut out = Vec::new();
        r.write_json(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("\"trace truncated\""));
        assert!(text.contains(&format!("\"dropped_events\":{dropped}")));
        assert!(text.contains("test \\\"quoted\\\""));
    }
}
