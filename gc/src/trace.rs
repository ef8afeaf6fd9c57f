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
#[derive(Debug, Clone)]
pub enum Arg {
    Num(f64),
    Text(String),
}

#[derive(Debug, Clone)]
struct Event {
    name: Cow<'static, str>,
    cat: &'static str,
    ph: char,
    ts: f64,
    dur: f64,
    tid: u32,
    args: Vec<(&'static str, Arg)>,
}

/// A bounded in-memory buffer of trace events.
#[derive(Debug)]
pub struct TraceRecorder {
    start: Instant,
    events: Vec<Event>,
    max_events: usize,
    dropped: u64,
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
            events: Vec::new(),
            max_events: max_events.max(16),
            dropped: 0,
        };
        let process = Arg::Text(process_name.to_string());
        recorder.metadata("process_name", 0, process);
        for (tid, name) in [
            (TID_MUTATOR, "mutator (VM slices)"),
            (TID_COLLECTOR, "collector steps"),
            (TID_CYCLES, "GC cycles"),
        ] {
            recorder.metadata("thread_name", tid, Arg::Text(name.to_string()));
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
            args: vec![(key, value)],
        });
    }

    fn push(&mut self, event: Event) {
        if self.events.len() < self.max_events {
            self.events.push(event);
        } else {
            self.dropped += 1;
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
        args: Vec<(&'static str, Arg)>,
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
            args,
        });
    }

    /// Counter values at `at` (one counter track per name, one series per argument).
    pub fn counter(&mut self, name: &'static str, at: Instant, values: Vec<(&'static str, Arg)>) {
        let ts = micros(at.saturating_duration_since(self.start));
        self.push(Event {
            name: Cow::Borrowed(name),
            cat: "gc.heap",
            ph: 'C',
            ts,
            dur: 0.0,
            tid: TID_COLLECTOR,
            args: values,
        });
    }

    /// An instant event at `at` on row `tid`.
    pub fn instant(
        &mut self,
        tid: u32,
        name: impl Into<Cow<'static, str>>,
        at: Instant,
        args: Vec<(&'static str, Arg)>,
    ) {
        let ts = micros(at.saturating_duration_since(self.start));
        self.push(Event {
            name: name.into(),
            cat: "gc.event",
            ph: 'i',
            ts,
            dur: 0.0,
            tid,
            args,
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
            write_event(&mut w, event)?;
        }
        if self.dropped > 0 {
            let note = Event {
                name: Cow::Borrowed("trace truncated"),
                cat: "gc.event",
                ph: 'i',
                ts: last_ts,
                dur: 0.0,
                tid: TID_COLLECTOR,
                args: vec![
                    ("dropped_events", Arg::Num(self.dropped as f64)),
                    ("max_events", Arg::Num(self.max_events as f64)),
                ],
            };
            w.write_all(b",\n")?;
            write_event(&mut w, &note)?;
        }
        write!(
            w,
            "\n],\"otherData\":{{\"producer\":\"gclox\",\"clock\":\"microseconds since the runtime started\",\"dropped_events\":{}}}}}\n",
            self.dropped
        )?;
        w.flush()
    }
}

fn write_event(w: &mut impl Write, e: &Event) -> io::Result<()> {
    write!(w, "{{\"name\":")?;
    write_string(w, &e.name)?;
    write!(
        w,
        ",\"cat\":\"{}\",\"ph\":\"{}\",\"ts\":{:.3},\"pid\":{PID},\"tid\":{}",
        e.cat, e.ph, e.ts, e.tid
    )?;
    if e.ph == 'X' {
        write!(w, ",\"dur\":{:.3}", e.dur)?;
    }
    if e.ph == 'i' {
        write!(w, ",\"s\":\"t\"")?;
    }
    w.write_all(b",\"args\":{")?;
    for (i, (key, value)) in e.args.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write!(w, "\"{key}\":")?;
        match value {
            Arg::Num(n) if n.is_finite() => write!(w, "{n}")?,
            Arg::Num(_) => w.write_all(b"null")?,
            Arg::Text(t) => write_string(w, t)?,
        }
    }
    w.write_all(b"}}")
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
            r.instant(TID_MUTATOR, format!("e{i}"), start, vec![]);
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
