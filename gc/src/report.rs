//! The collector's reporters: everything that *tells* what the heap driver (`heap.rs`) did —
//! gctrace and pacer-trace lines, execution-trace events, the step log, the cycle observer.
//! The driver hands each finished step and cycle here and reads nothing back, so the driver
//! can be read without its telemetry, and telemetry cannot change what the collector does.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::cpu_clock::KernelEvents;
use crate::cycle::{CycleRecord, StepKind, StepRecord};
use crate::gctrace;
use crate::trace::{Arg, TraceRecorder, TID_COLLECTOR, TID_CYCLES};

/// Where and how much collector telemetry is written.
pub struct Telemetry {
    /// 0: off; 1: Go's gctrace line per cycle; 2: plus gclox's detail line.
    pub gctrace: u8,
    /// The pacer's start and end lines per cycle (Go's gcpacertrace).
    pub pacertrace: bool,
    pub out: Box<dyn Write>,
}

/// Called with each completed cycle's record.
pub type CycleObserver = Box<dyn FnMut(&CycleRecord)>;

/// One finished collector step, as the reporters see it.
#[derive(Debug, Clone, Copy)]
pub struct StepEvent {
    pub began: Instant,
    pub end: Instant,
    /// Since the heap's start.
    pub start_offset: Duration,
    pub kind: StepKind,
    /// A step that ran a whole cycle (or the rest of one) regardless of the pacer.
    pub whole: bool,
    pub cycle: u64,
    /// Work units done (objects traced, swept or entries pruned).
    pub work: u64,
    /// The thread's CPU time during the step, when the step log asks for it.
    pub cpu: Option<Duration>,
    /// Page faults and context switches during the step, when the step log asks for them.
    pub kernel: Option<KernelEvents>,
    pub heap_live: u64,
    pub live_objects: u64,
    pub goal: u64,
}

/// The reporters a heap feeds.
#[derive(Default)]
pub struct Reporters {
    pub telemetry: Option<Telemetry>,
    pub trace: Option<TraceRecorder>,
    pub observer: Option<CycleObserver>,
    pub step_log: Option<Vec<StepRecord>>,
}

impl Reporters {
    /// A cycle started: the pacer's start line.
    pub fn cycle_started(&mut self, cycle: &CycleRecord) {
        if let Some(t) = self.telemetry.as_mut() {
            if t.pacertrace {
                let _ = writeln!(t.out, "{}", gctrace::pacer_start_line(cycle));
            }
        }
    }

    pub fn step(&mut self, e: &StepEvent) {
        if let Some(log) = self.step_log.as_mut() {
            log.push(StepRecord {
                start: e.start_offset,
                end: e.start_offset + (e.end - e.began),
                kind: e.kind,
                cycle: e.cycle,
                cpu: e.cpu,
                kernel: e.kernel,
            });
        }
        let Some(trace) = self.trace.as_mut() else {
            return;
        };
        let name = match e.kind {
            _ if e.whole => "full collection",
            StepKind::Mark => "mark",
            StepKind::MarkTermination => "mark termination",
            StepKind::Sweep => "sweep",
        };
        let live = e.heap_live as f64;
        let args = [
            ("cycle", Arg::Num(e.cycle as f64)),
            ("heap_live", Arg::Num(live)),
            ("work", Arg::Num(e.work as f64)),
        ];
        // Offsets from the heap's start, which the trace's clock shares, computed once.
        let dur = e.end - e.began;
        let end = e.start_offset + dur;
        trace.complete_at(TID_COLLECTOR, name, "gc", e.start_offset, dur, &args);
        let goal = e.goal.min(u64::MAX >> 1) as f64;
        // As Go's trace export: viewers stack a counter's series, so the second is the
        // distance to the goal and the stack's top is the goal itself. Objects are another
        // unit, so another counter.
        let counters = [
            ("live bytes", Arg::Num(live)),
            ("to goal bytes", Arg::Num((goal - live).max(0.0))),
        ];
        trace.counter_at("heap", end, &counters);
        let objects = Arg::Num(e.live_objects as f64);
        trace.counter_at("live objects", end, &[("objects", objects)]);
    }

    /// A cycle ended: the pacer's end line, then the gctrace lines (Go's order), the trace
    /// span, the observer. `gc_percent` is gctrace's `P%`.
    pub fn cycle_ended(&mut self, done: &CycleRecord, gc_percent: u64, heap_start: Instant) {
        if let Some(t) = self.telemetry.as_mut() {
            if t.pacertrace {
                let _ = writeln!(t.out, "{}", gctrace::pacer_end_line(done));
            }
            if t.gctrace >= 1 {
                let _ = writeln!(t.out, "{}", gctrace::line(done, gc_percent));
            }
            if t.gctrace >= 2 {
                let _ = writeln!(t.out, "{}", gctrace::detail_line(done));
            }
        }
        if let Some(trace) = self.trace.as_mut() {
            let args = [
                ("heap_start", Arg::Num(done.heap_start as f64)),
                ("heap_mark_end", Arg::Num(done.heap_mark_end as f64)),
                ("heap_marked", Arg::Num(done.heap_marked as f64)),
                ("goal", Arg::Num(done.plan.goal.min(u64::MAX >> 1) as f64)),
                ("steps", Arg::Num(f64::from(done.steps))),
                ("forced", Arg::Bool(done.forced)),
            ];
            let begin = heap_start + done.start;
            let end = heap_start + done.end;
            let name = format!("GC {}", done.number);
            trace.complete(TID_CYCLES, name, "gc.cycle", begin, end, &args);
            if done.forced {
                let cycle = [("cycle", Arg::Num(done.number as f64))];
                trace.instant(TID_CYCLES, "forced GC", begin, &cycle);
            }
        }
        if let Some(observer) = self.observer.as_mut() {
            observer(done);
        }
    }
}
