//! The collector driver: owns the gc-arena [`Arena`], asks the [`Pacer`] when to start a
//! cycle and how much work each step does, and records what every step and cycle did.
//!
//! # Invariants
//!
//! - Collection happens only inside [`Heap::step`] and [`Heap::collect_full`], never inside
//!   [`Heap::mutate_root`]: the mutator sees a heap that does not move under it during a slice.
//! - Every cycle passes through finalization exactly once: when the gray queue runs dry the
//!   root's [`HeapRoot::finalize`] runs (weak tables are pruned there) and only then does
//!   sweeping start. No code path calls gc-arena's `collect_debt`, or `finish_cycle` from the
//!   marking phase, which would sweep without finalizing.
//! - A step never crosses a cycle boundary: the step that finishes sweeping ends there, and the
//!   next cycle starts in a later step. That keeps one [`CycleRecord`] per cycle exact.
//! - gc-arena's own pacing is neutralised: its debt is set to exactly the work the pacer asks
//!   for before each step (one unit per object traced or swept), so gc-arena never decides on
//!   its own when or how much to collect.
//! - Objects are freed only inside a [`FreeScope`] for this heap's [`Accounting`], so their
//!   `Drop` reports reach the right counters.

use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gc_arena::{
    arena::{CollectionPhase, Root},
    metrics::Pacing,
    Arena, Collect, Finalization, Mutation, Rootable,
};

use crate::accounting::{Accounting, FreeScope, Retained};
use crate::cycle::{CycleRecord, GcTotals, StepKind, StepRecord};
use crate::gctrace;
use crate::memstats::{MemStats, PauseLog, SharedStats};
use crate::monitor::{self, Monitor, Publisher, Snapshot};
use crate::pacer::{GcConfig, GcMode, Pacer};
use crate::trace::{Arg, TraceRecorder, TID_COLLECTOR, TID_CYCLES};

/// Implemented by the arena root.
pub trait HeapRoot<'gc> {
    /// Called once per cycle at the end of marking, with every reachable object marked,
    /// before anything is swept. Prune weak tables here: `GcWeak::is_dead(fc)` tells which
    /// entries this sweep will free. Returns the footprint of the pruned objects whose memory
    /// gc-arena keeps until the next sweep (see [`Retained`]); the heap counts it freed then.
    fn finalize(&self, fc: &Finalization<'gc>) -> Retained;
    /// Bytes of the root's stacks (gctrace's `MB stacks`).
    fn stack_bytes(&self) -> usize;
    /// Bytes of the root's global variables (gctrace's `MB globals`).
    fn globals_bytes(&self) -> usize;
}

/// gc-arena pacing under which one unit of debt buys one object traced (marking) or one object
/// visited (sweeping), and allocation alone never creates debt worth acting on.
pub const WORK_UNIT_PACING: Pacing = Pacing {
    sleep_factor: 0.0,
    min_sleep: 0,
    mark_factor: 0.0,
    trace_factor: 1.0,
    keep_factor: 1.0,
    drop_factor: 0.0,
    free_factor: 1.0,
};

/// Where and how much collector telemetry is written.
pub struct Telemetry {
    /// 0: off; 1: Go's gctrace line per cycle; 2: plus gclox's detail line.
    pub gctrace: u8,
    /// The pacer's start and end lines per cycle.
    pub pacertrace: bool,
    pub out: Box<dyn Write>,
}

/// Called with each completed cycle's record.
pub type CycleObserver = Box<dyn FnMut(&CycleRecord)>;

/// An arena plus the machinery that decides how it is collected and records what happened.
pub struct Heap<R>
where
    R: for<'a> Rootable<'a>,
    for<'a> Root<'a, R>: Sized,
{
    arena: Arena<R>,
    accounting: Rc<Accounting>,
    shared: Rc<SharedStats>,
    pacer: Pacer,
    start: Instant,
    start_unix_ns: u64,
    /// `accounting.total_alloc()` at the previous step: the allocation each step pays for.
    alloc_at_last_step: u64,
    /// What the running cycle's sweep drops but keeps allocated (see [`Retained`]).
    retained: Retained,
    /// Highest live heap seen at a step boundary since the last cycle ended, and ever.
    peak_since_cycle: u64,
    peak_ever: u64,
    current: Option<CycleRecord>,
    last_cycle: Option<CycleRecord>,
    last_cycle_end_unix_ns: u64,
    totals: GcTotals,
    pauses: PauseLog,
    observer: Option<CycleObserver>,
    telemetry: Option<Telemetry>,
    trace: Option<TraceRecorder>,
    /// The live monitor's writer side, once someone asked for a [`Monitor`].
    publisher: Option<(Publisher, Monitor)>,
    /// Every step's record, once someone asked for them ([`Heap::record_steps`]).
    step_log: Option<Vec<StepRecord>>,
}

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    for<'a> Root<'a, R>: Sized + Collect<'a> + HeapRoot<'a>,
{
    /// Creates the arena with the root that `f` builds; `f` receives the heap's accounting,
    /// which the root's allocation entry point must charge, and the counters the heap
    /// publishes for the program to read. The heap's clock starts here.
    pub fn new(
        config: GcConfig,
        f: impl for<'gc> FnOnce(&'gc Mutation<'gc>, Rc<Accounting>, Rc<SharedStats>) -> Root<'gc, R>,
    ) -> Self {
        let accounting = Rc::new(Accounting::default());
        let shared = Rc::new(SharedStats::default());
        let (a, s) = (accounting.clone(), shared.clone());
        let arena = Arena::new(move |mc| f(mc, a, s));
        arena.metrics().set_pacing(WORK_UNIT_PACING);
        let start_unix_ns = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let pacer = Pacer::new(config);
        shared.next_gc.set(pacer.goal());
        shared.gogc.set(pacer.config.gogc.map_or(-1, i64::from));
        Heap {
            arena,
            accounting,
            shared,
            pacer,
            start: Instant::now(),
            start_unix_ns,
            alloc_at_last_step: 0,
            retained: Retained::default(),
            peak_since_cycle: 0,
            peak_ever: 0,
            current: None,
            last_cycle: None,
            last_cycle_end_unix_ns: 0,
            totals: GcTotals::default(),
            pauses: PauseLog::default(),
            observer: None,
            telemetry: None,
            trace: None,
            publisher: None,
            step_log: None,
        }
    }

    /// A handle another thread can read this heap's latest statistics through (see
    /// `monitor.rs`). The heap publishes after every collector step and every call to
    /// [`Heap::step`], without locks or allocation.
    pub fn monitor(&mut self) -> Monitor {
        let (_, monitor) = self.publisher.get_or_insert_with(monitor::channel);
        let monitor = monitor.clone();
        self.publish();
        monitor
    }

    fn publish(&self) {
        let Some((publisher, _)) = self.publisher.as_ref() else {
            return;
        };
        let newest = ((self.pauses.count + 255) % 256) as usize;
        publisher.publish(&Snapshot {
            time_ns: self.start.elapsed().as_nanos() as u64,
            heap_alloc: self.accounting.live_bytes(),
            heap_objects: self.accounting.live_objects(),
            next_gc: self.pacer.goal(),
            total_alloc: self.accounting.total_alloc(),
            num_gc: self.totals.cycles,
            num_forced_gc: self.totals.forced_cycles,
            pause_total_ns: self.pauses.total_ns,
            last_pause_ns: if self.pauses.count == 0 {
                0
            } else {
                self.pauses.ring_ns[newest]
            },
            num_pauses: self.pauses.count,
            phase: Snapshot::phase_code(self.arena.collection_phase()),
            seq: 0,
        });
    }

    /// Starts recording an execution trace (see `trace.rs`) of at most `max_events` events.
    pub fn enable_trace(&mut self, max_events: usize, process_name: &str) {
        self.trace = Some(TraceRecorder::new(self.start, max_events, process_name));
    }

    /// Starts an execution trace like [`Heap::enable_trace`] whose events a writer thread
    /// serializes to `w` while the program runs; end it with [`Heap::finish_trace`].
    pub fn stream_trace(
        &mut self,
        max_events: usize,
        process_name: &str,
        w: Box<dyn std::io::Write + Send>,
    ) -> std::io::Result<()> {
        let recorder = TraceRecorder::streaming(self.start, max_events, process_name, w)?;
        self.trace = Some(recorder);
        Ok(())
    }

    /// Ends a streamed trace (see [`TraceRecorder::finish`]); tracing is off afterwards. An
    /// in-memory trace stays, to be written with [`TraceRecorder::write_json`].
    pub fn finish_trace(&mut self) -> std::io::Result<()> {
        let Some(trace) = self.trace.as_mut() else {
            return Ok(());
        };
        let streamed = trace.is_streaming();
        let result = trace.finish();
        if streamed {
            self.trace = None;
        }
        result
    }

    /// The execution trace recorded so far, if tracing is on.
    pub fn trace(&self) -> Option<&TraceRecorder> {
        self.trace.as_ref()
    }

    /// Whether an execution trace is being recorded.
    #[inline]
    pub fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// Records a slice of mutator (VM) execution in the trace.
    #[inline]
    pub fn trace_mutator(&mut self, begin: Instant, end: Instant, instructions: u64) {
        if let Some(trace) = self.trace.as_mut() {
            trace.mutator(begin, end, instructions);
        }
    }

    /// Records an instant event (a limit hit, a report written) in the trace.
    pub fn trace_event(&mut self, name: &'static str) {
        if let Some(trace) = self.trace.as_mut() {
            let heap = Arg::Num(self.accounting.live_bytes() as f64);
            trace.instant(TID_COLLECTOR, name, Instant::now(), &[("heap_live", heap)]);
        }
    }

    /// The monotonic origin every recorded time counts from.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Runs `f` with mutable access to the root. No collection happens while `f` runs.
    #[inline]
    pub fn mutate_root<T>(
        &mut self,
        f: impl for<'gc> FnOnce(&'gc Mutation<'gc>, &'gc mut Root<'gc, R>) -> T,
    ) -> T {
        self.arena.mutate_root(f)
    }

    /// Runs `f` with shared access to the root (no root write barrier).
    #[inline]
    pub fn mutate<T>(
        &self,
        f: impl for<'gc> FnOnce(&'gc Mutation<'gc>, &'gc Root<'gc, R>) -> T,
    ) -> T {
        self.arena.mutate(f)
    }

    pub fn accounting(&self) -> &Rc<Accounting> {
        &self.accounting
    }

    pub fn config(&self) -> &GcConfig {
        &self.pacer.config
    }

    /// Sets gogc now (Go's `debug.SetGCPercent`), returning the previous value.
    pub fn set_gogc(&mut self, gogc: Option<u32>) -> Option<u32> {
        let old = self.pacer.set_gogc(gogc);
        self.shared.gogc.set(gogc.map_or(-1, i64::from));
        self.shared.next_gc.set(self.pacer.goal());
        old
    }

    /// Live gc-arena objects (allocated and not yet freed), by gc-arena's own count.
    pub fn arena_objects(&self) -> usize {
        self.arena.metrics().total_gc_count()
    }

    /// The current collection phase.
    pub fn phase(&self) -> CollectionPhase {
        self.arena.collection_phase()
    }

    /// Totals since the heap was created.
    pub fn totals(&self) -> &GcTotals {
        &self.totals
    }

    /// The record of the last completed cycle, if any.
    pub fn last_cycle(&self) -> Option<&CycleRecord> {
        self.last_cycle.as_ref()
    }

    /// Starts keeping a [`StepRecord`] of every collector step from now on (16 bytes of host
    /// memory per step), for [`Heap::step_log`].
    pub fn record_steps(&mut self) {
        self.step_log.get_or_insert_with(Vec::new);
    }

    /// The steps recorded since [`Heap::record_steps`] was called (empty if it was not).
    pub fn step_log(&self) -> &[StepRecord] {
        self.step_log.as_deref().unwrap_or(&[])
    }

    /// Installs a callback that receives every completed cycle's record.
    pub fn set_cycle_observer(&mut self, observer: Option<CycleObserver>) {
        self.observer = observer;
    }

    /// Installs (or removes) the gctrace/pacer-trace output.
    pub fn set_telemetry(&mut self, telemetry: Option<Telemetry>) {
        self.telemetry = telemetry;
    }

    /// A snapshot of the heap's statistics.
    pub fn memstats(&self) -> MemStats {
        let a = &self.accounting;
        let elapsed = self.start.elapsed().as_nanos().max(1) as f64;
        MemStats {
            heap_alloc: a.live_bytes(),
            total_alloc: a.total_alloc(),
            mallocs: a.mallocs(),
            frees: a.frees(),
            heap_objects: a.live_objects(),
            next_gc: self.pacer.goal(),
            last_gc: self.last_cycle_end_unix_ns,
            num_gc: self.totals.cycles,
            num_forced_gc: self.totals.forced_cycles,
            num_pauses: self.pauses.count,
            pause_total_ns: self.pauses.total_ns,
            pause_ns: self.pauses.ring_ns,
            pause_end: self.pauses.ring_end,
            gc_cpu_fraction: self.pauses.total_ns as f64 / elapsed,
            pause_p50_ns: self.pauses.quantile(0.5),
            pause_p99_ns: self.pauses.quantile(0.99),
            pause_max_ns: self.pauses.max_ns,
            peak_heap_alloc: self.peak_ever.max(a.live_bytes()),
        }
    }

    /// One collector step, between two slices of the mutator: starts a cycle if the pacer says
    /// the heap reached its trigger, otherwise advances the running cycle by the work the pacer
    /// asks for. Returns what the step did, or `None` if no collection work was due.
    pub fn step(&mut self) -> Option<StepKind> {
        let total = self.accounting.total_alloc();
        let allocated_since = total - self.alloc_at_last_step;
        self.alloc_at_last_step = total;
        let live = self.accounting.live_bytes();
        self.peak_since_cycle = self.peak_since_cycle.max(live);
        self.peak_ever = self.peak_ever.max(live);

        if self.arena.collection_phase() == CollectionPhase::Sleeping {
            let stress_idle = self.pacer.config.stress && allocated_since == 0;
            if stress_idle || !self.pacer.should_start(live) {
                self.publish();
                return None;
            }
            if self.pacer.config.stress || self.pacer.config.mode == GcMode::StopTheWorld {
                self.whole_cycle(false);
                self.publish();
                return Some(StepKind::MarkTermination);
            }
            self.begin_cycle(Instant::now(), false);
        }

        let began = Instant::now();
        let scope = FreeScope::enter(&self.accounting);
        let work_asked;
        let kind = if self.arena.collection_phase() == CollectionPhase::Sweeping {
            let work = self.pacer.sweep_step_work(total, allocated_since);
            work_asked = work;
            self.set_debt(work);
            self.arena.cycle_debt();
            StepKind::Sweep
        } else {
            let work = self.pacer.mark_step_work(live, allocated_since);
            work_asked = work;
            self.set_debt(work);
            if let Some(cycle) = self.current.as_mut() {
                cycle.objects_traced += work;
            }
            if let Some(marked) = self.arena.mark_debt() {
                self.retained = marked.finalize(|fc, root| root.finalize(fc));
                self.start_sweeping();
                StepKind::MarkTermination
            } else {
                StepKind::Mark
            }
        };
        drop(scope);
        self.end_step(began, kind, work_asked);
        self.publish();
        Some(kind)
    }

    /// Runs a complete collection now: finishes the cycle in progress (if any), then runs a
    /// whole fresh cycle, so every object unreachable at the call is freed. `forced` marks the
    /// fresh cycle as requested by the program (Go's `runtime.GC()`).
    pub fn collect_full(&mut self, forced: bool) {
        if self.arena.collection_phase() != CollectionPhase::Sleeping {
            self.finish_cycle_now();
        }
        self.whole_cycle(forced);
        self.publish();
    }

    /// If a hard heap limit is set and the live heap exceeds it, runs a full collection; returns
    /// whether the heap still exceeds the limit (the program is then out of memory).
    pub fn over_max_heap(&mut self) -> bool {
        let Some(max) = self.pacer.config.max_heap else {
            return false;
        };
        if self.accounting.live_bytes() <= max {
            return false;
        }
        self.collect_full(false);
        self.accounting.live_bytes() > max
    }

    /// A fresh cycle from start to end as one step.
    fn whole_cycle(&mut self, forced: bool) {
        self.begin_cycle(Instant::now(), forced);
        self.finish_cycle_now();
    }

    /// Completes the cycle in progress as one step.
    fn finish_cycle_now(&mut self) {
        let began = Instant::now();
        let scope = FreeScope::enter(&self.accounting);
        if self.arena.collection_phase() != CollectionPhase::Sweeping {
            let marked = self
                .arena
                .finish_marking()
                .expect("finish_marking outside sweeping always ends fully marked");
            self.retained = marked.finalize(|fc, root| root.finalize(fc));
            self.start_sweeping();
        }
        // From the sweeping phase `finish_cycle` only sweeps to the end of this cycle; it never
        // marks again, so finalization cannot be skipped here.
        self.arena.finish_cycle();
        drop(scope);
        self.end_step(began, StepKind::MarkTermination, u64::MAX);
    }

    /// Sets gc-arena's debt to exactly `work` units.
    fn set_debt(&self, work: u64) {
        let metrics = self.arena.metrics();
        metrics.adjust_debt(work as f64 - metrics.allocation_debt());
    }

    /// After finalization: re-marks whatever finalization's write barriers turned gray again,
    /// then enters the sweep phase. Records the heap at mark end.
    fn start_sweeping(&mut self) {
        self.arena
            .finish_marking()
            .expect("finish_marking outside sweeping always ends fully marked")
            .start_sweeping();
        let heap = self.accounting.live_bytes();
        let objects = self.accounting.live_objects();
        self.pacer
            .mark_ended(objects, self.accounting.total_alloc());
        let since_start = self.start.elapsed();
        if let Some(cycle) = self.current.as_mut() {
            cycle.heap_mark_end = heap;
            cycle.objects_at_mark_end = objects;
            cycle.mark_end = since_start;
            // Baselines: `end_cycle` turns these into what this cycle's sweep freed.
            cycle.bytes_freed = self.accounting.freed_bytes();
            cycle.objects_freed = self.accounting.frees();
        }
    }

    fn begin_cycle(&mut self, at: Instant, forced: bool) {
        self.pacer.start_cycle(self.accounting.live_objects());
        let (stack_bytes, globals_bytes) = self
            .arena
            .mutate(|_, root| (root.stack_bytes(), root.globals_bytes()));
        let cycle = CycleRecord {
            number: self.totals.cycles + 1,
            forced,
            plan: *self.pacer.plan(),
            start: at - self.start,
            objects_before: self.accounting.live_objects(),
            heap_start: self.accounting.live_bytes(),
            stack_bytes: stack_bytes as u64,
            globals_bytes: globals_bytes as u64,
            ..CycleRecord::default()
        };
        if let Some(t) = self.telemetry.as_mut() {
            if t.pacertrace {
                let _ = writeln!(t.out, "{}", gctrace::pacer_start_line(&cycle));
            }
        }
        self.current = Some(cycle);
    }

    /// `work_asked`: the pacer's work units for the step; `u64::MAX` for a step that ran the
    /// cycle to its end regardless (a full collection).
    fn end_step(&mut self, began: Instant, kind: StepKind, work_asked: u64) {
        let now = Instant::now();
        let took = now - began;
        let since_start = now - self.start;
        let end_unix_ns = self.start_unix_ns + since_start.as_nanos() as u64;
        self.pauses.record(took, end_unix_ns);
        self.totals.steps += 1;
        self.totals.pause_total += took;
        self.totals.longest_step = self.totals.longest_step.max(took);
        self.shared.num_pauses.set(self.pauses.count);
        self.shared.pause_total_ns.set(self.pauses.total_ns);
        self.shared.pause_max_ns.set(self.pauses.max_ns);

        if let Some(trace) = self.trace.as_mut() {
            let name = match kind {
                _ if work_asked == u64::MAX => "full collection",
                StepKind::Mark => "mark",
                StepKind::MarkTermination => "mark termination",
                StepKind::Sweep => "sweep",
            };
            let number = self.current.as_ref().map_or(0, |c| c.number);
            let live = self.accounting.live_bytes() as f64;
            let work = if work_asked == u64::MAX {
                Arg::Text("whole cycle")
            } else {
                Arg::Num(work_asked as f64)
            };
            let args = [
                ("cycle", Arg::Num(number as f64)),
                ("heap_live", Arg::Num(live)),
                ("work", work),
            ];
            trace.complete(TID_COLLECTOR, name, "gc", began, now, &args);
            let goal = self.pacer.goal().min(u64::MAX >> 1) as f64;
            let objects = self.accounting.live_objects() as f64;
            // As Go's trace export: viewers stack a counter's series, so the second is the
            // distance to the goal and the stack's top is the goal itself. Objects are
            // another unit, so another counter.
            let counters = [
                ("live bytes", Arg::Num(live)),
                ("to goal bytes", Arg::Num((goal - live).max(0.0))),
            ];
            trace.counter("heap", now, &counters);
            trace.counter("live objects", now, &[("objects", Arg::Num(objects))]);
        }

        let cycle = self
            .current
            .as_mut()
            .expect("a step always runs inside a cycle");
        if let Some(log) = self.step_log.as_mut() {
            log.push(StepRecord {
                start: since_start - took,
                end: since_start,
                kind,
                cycle: cycle.number,
            });
        }
        cycle.steps += 1;
        cycle.longest_step = cycle.longest_step.max(took);
        match kind {
            StepKind::Mark if cycle.steps == 1 => cycle.first_step = took,
            StepKind::Mark => cycle.mark_assist += took,
            StepKind::MarkTermination => {
                let first_end = cycle.start + cycle.first_step;
                let termination_start = since_start - took;
                if cycle.steps > 1 {
                    cycle.concurrent_mark = termination_start.saturating_sub(first_end);
                }
                cycle.mark_termination = took;
            }
            StepKind::Sweep => cycle.sweep_time += took,
        }
        if self.arena.collection_phase() == CollectionPhase::Sleeping {
            self.end_cycle(since_start, end_unix_ns);
        }
    }

    fn end_cycle(&mut self, since_start: Duration, end_unix_ns: u64) {
        // The sweep that just ended freed what the previous one kept, and kept what it dropped
        // while a weak table still referenced it.
        self.accounting.hold(std::mem::take(&mut self.retained));
        let mut done = self.current.take().expect("checked by the caller");
        done.end = since_start;
        done.heap_peak = self.peak_since_cycle.max(done.heap_mark_end);
        self.peak_since_cycle = self.accounting.live_bytes();
        done.objects_after = self.accounting.live_objects();
        done.bytes_freed = self.accounting.freed_bytes() - done.bytes_freed;
        done.objects_freed = self.accounting.frees() - done.objects_freed;
        done.heap_marked = done.heap_mark_end.saturating_sub(done.bytes_freed);
        let marked_objects = done.objects_at_mark_end.saturating_sub(done.objects_freed);
        self.pacer
            .end_cycle(done.heap_marked, marked_objects, done.heap_mark_end);
        self.totals.cycles += 1;
        self.totals.forced_cycles += u64::from(done.forced);
        self.last_cycle_end_unix_ns = end_unix_ns;
        self.shared.num_gc.set(self.totals.cycles);
        self.shared.num_forced_gc.set(self.totals.forced_cycles);
        self.shared.last_gc.set(end_unix_ns);
        self.shared.next_gc.set(self.pacer.goal());
        if let Some(t) = self.telemetry.as_mut() {
            if t.gctrace >= 1 {
                let percent = (self.pauses.total_ns as f64 / since_start.as_nanos().max(1) as f64
                    * 100.0) as u64;
                let _ = writeln!(t.out, "{}", gctrace::line(&done, percent));
            }
            if t.gctrace >= 2 {
                let _ = writeln!(t.out, "{}", gctrace::detail_line(&done));
            }
            if t.pacertrace {
                let _ = writeln!(t.out, "{}", gctrace::pacer_end_line(&done));
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
            let begin = self.start + done.start;
            let end = self.start + done.end;
            trace.complete(
                TID_CYCLES,
                format!("GC {}", done.number),
                "gc.cycle",
                begin,
                end,
                &args,
            );
            if done.forced {
                trace.instant(
                    TID_CYCLES,
                    "forced GC",
                    begin,
                    &[("cycle", Arg::Num(done.number as f64))],
                );
            }
        }
        if let Some(observer) = self.observer.as_mut() {
            observer(&done);
        }
        self.last_cycle = Some(done);
    }
}
