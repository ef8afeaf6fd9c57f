//! The collector driver: owns the gc-arena [`Arena`], asks the [`Pacer`] when to start a
//! cycle and how much work each step does, and records what every step and cycle did.
//!
//! # Invariants
//!
//! - Collection happens only inside [`Heap::step`] and [`Heap::collect_full`], never inside
//!   [`Heap::mutate_root`]: the mutator sees a heap that does not move under it during a slice.
//! - Every cycle passes through finalization, and sweeping starts only when it is complete:
//!   when the gray queue runs dry the root's [`HeapRoot::finalize`] runs with a work budget
//!   (weak tables are pruned there, a part per step; the program may run in between, and its
//!   barriers may send marking back to work first), and the step in which it reports done
//!   starts sweeping. No code path calls gc-arena's `collect_debt`, or `finish_cycle` from the
//!   marking phase, which would sweep without finalizing.
//! - Objects allocated while marking are marked at once when the configuration allocates
//!   black (`GcConfig::allocates_black`: go119 and go117 unless `alloc_color` says white; the
//!   interpreter's allocation entry point applies it).
//! - A step never crosses a cycle boundary: the step that finishes sweeping ends there, and the
//!   next cycle starts in a later step. That keeps one [`CycleRecord`] per cycle exact.
//! - gc-arena's own pacing is neutralised: its debt is set to exactly the work the pacer asks
//!   for before each step (one unit per object traced or swept), so gc-arena never decides on
//!   its own when or how much to collect.
//! - Objects are freed only inside a [`FreeScope`] for this heap's [`Accounting`], so their
//!   `Drop` reports reach the right counters.

use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gc_arena::{
    arena::{CollectionPhase, Root},
    metrics::Pacing,
    Arena, Collect, Finalization, Mutation, Rootable,
};

use crate::accounting::{Accounting, FreeScope, Retained};
use crate::cpu_clock::ThreadUsage;
use crate::cycle::{CycleRecord, GcTotals, StepKind, StepRecord};
use crate::memstats::{MemStats, PauseLog, SharedStats};
use crate::monitor::{self, Monitor, Publisher, Snapshot};
use crate::pacer::{CycleOutcome, GcConfig, Pacer};
use crate::report::{Reporters, StepEvent};
use crate::trace::{Arg, TraceRecorder, TID_COLLECTOR};

pub use crate::report::{CycleObserver, Telemetry};

/// What one call of [`HeapRoot::finalize`] did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Finalized {
    /// Footprint of the pruned objects whose memory gc-arena keeps until the next sweep.
    pub retained: Retained,
    /// Work done (weak entries examined).
    pub work: u64,
    /// Whether finalization is complete for this cycle (sweeping may start).
    pub done: bool,
}

/// Implemented by the arena root.
pub trait HeapRoot<'gc> {
    /// Finalization, called at the end of marking, with every reachable object marked,
    /// before anything is swept, in one or more steps: prune weak tables here
    /// (`GcWeak::is_dead(fc)` tells which entries this sweep will free), doing about `budget`
    /// units of work per call, resuming where the last call stopped unless `start`. The
    /// program may run between two calls (and its barriers may send marking back to work).
    /// Returns when every weak table has been pruned for this cycle with `done`, and the
    /// footprint of the pruned objects whose memory gc-arena keeps until the next sweep
    /// (see [`Retained`]); the heap counts it freed then.
    fn finalize(&self, fc: &Finalization<'gc>, start: bool, budget: u64) -> Finalized;
    /// Bytes of the root's stacks (gctrace's `MB stacks`).
    fn stack_bytes(&self) -> usize;
    /// Bytes of the root's global variables (gctrace's `MB globals`).
    fn globals_bytes(&self) -> usize;
    /// Bytes the runtime holds for this root outside the arena objects: what the memory
    /// limit counts besides the heap. Default: stacks and globals.
    fn non_heap_bytes(&self) -> usize {
        self.stack_bytes() + self.globals_bytes()
    }
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

/// Tells how many bytes the process holds on a heap's behalf (`None`: cannot tell now).
pub type MemoryProbe = Box<dyn FnMut() -> Option<u64>>;

/// Work units per chunk when a step runs under a time budget: the budget is checked between
/// chunks.
const TIMED_CHUNK: u64 = 64;

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
    /// `accounting.mallocs()` at the previous step.
    mallocs_at_last_step: u64,
    /// What the running cycle's finalization pruned but gc-arena keeps allocated until the
    /// next sweep (see [`Retained`]).
    retained: Retained,
    /// Whether the running cycle's finalization has begun (its next call resumes).
    finalizing: bool,
    /// Whether the running cycle's outcome may train the pacing policy: only cycles the pacer
    /// started and ran, not forced, rescue or forcibly finished ones.
    cycle_trains: bool,
    /// Highest live heap seen at a step boundary since the last cycle ended, and ever.
    peak_since_cycle: u64,
    peak_ever: u64,
    current: Option<CycleRecord>,
    last_cycle: Option<CycleRecord>,
    /// Unix time of the last mark termination (Go's `LastGC`).
    last_gc_unix_ns: u64,
    totals: GcTotals,
    pauses: PauseLog,
    /// Collector time outside sweeping (Go's GC CPU: gctrace `P%`, `GCCPUFraction`).
    gc_cpu_no_sweep: Duration,
    /// The CPU limiter's clock: when it last accounted time, and collector time since then.
    limiter_at: Instant,
    collector_since_limiter: Duration,
    /// The thread's CPU clock and kernel events when the running step began (read only while
    /// step usage is recorded).
    step_usage_began: Option<ThreadUsage>,
    /// Whether step records carry CPU time and kernel events ([`Heap::record_step_usage`]).
    step_usage: bool,
    reporters: Reporters,
    /// Reads how much memory the process holds on this heap's behalf (see
    /// [`Heap::set_memory_probe`]), and what it read beyond the accounted heap and roots.
    memory_probe: Option<MemoryProbe>,
    /// Bytes the process holds per accounted heap byte, as the probe last found (1 without).
    heap_overhead: f64,
    /// The live monitor's writer side, once someone asked for a [`Monitor`].
    publisher: Option<(Publisher, Monitor)>,
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
        let now = Instant::now();
        let mut heap = Heap {
            arena,
            accounting,
            shared,
            pacer,
            start: now,
            start_unix_ns,
            alloc_at_last_step: 0,
            mallocs_at_last_step: 0,
            retained: Retained::default(),
            finalizing: false,
            cycle_trains: false,
            peak_since_cycle: 0,
            peak_ever: 0,
            current: None,
            last_cycle: None,
            last_gc_unix_ns: 0,
            totals: GcTotals::default(),
            pauses: PauseLog::default(),
            gc_cpu_no_sweep: Duration::ZERO,
            limiter_at: now,
            collector_since_limiter: Duration::ZERO,
            step_usage_began: None,
            step_usage: false,
            reporters: Reporters::default(),
            memory_probe: None,
            heap_overhead: 1.0,
            publisher: None,
        };
        heap.observe_memory();
        heap.shared.next_gc.set(heap.pacer.goal());
        let gogc = heap.pacer.config.gogc.map_or(-1, i64::from);
        heap.shared.gogc.set(gogc);
        heap
    }

    /// Bytes the runtime holds outside the heap (what the memory limit counts besides it).
    fn non_heap_bytes(&self) -> u64 {
        self.arena.mutate(|_, root| root.non_heap_bytes()) as u64
    }

    /// Tells the pacer the heap's size and the memory around it.
    fn observe_memory(&mut self) {
        let non_heap = self.non_heap_bytes();
        let live = self.accounting.live_bytes();
        self.pacer.observe(live, non_heap, self.heap_overhead);
    }

    /// Installs a probe that tells how many bytes the process holds on this heap's behalf
    /// (the CLI: the process's resident memory). With a memory limit,
    /// the heap reads it once per cycle and counts what it finds beyond the accounted heap and
    /// roots (allocator slack, freed pages not yet returned to the OS) as memory the
    /// runtime holds, as Go's limit counts its own fragmentation. Without a probe the limit
    /// counts the accounted bytes only. The probe is read at mark termination.
    pub fn set_memory_probe(&mut self, probe: Option<MemoryProbe>) {
        self.memory_probe = probe;
    }

    /// Reads the memory probe, if any: updates the untracked bytes.
    fn probe_memory(&mut self) {
        let Some(probe) = self.memory_probe.as_mut() else {
            return;
        };
        if let Some(held) = probe() {
            let heap = self.accounting.live_bytes().max(1);
            let beside = held.saturating_sub(self.non_heap_bytes());
            self.heap_overhead = (beside as f64 / heap as f64).clamp(1.0, 4.0);
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
        publisher.publish(&Snapshot {
            time_ns: self.start.elapsed().as_nanos() as u64,
            heap_alloc: self.accounting.live_bytes(),
            heap_objects: self.accounting.live_objects(),
            next_gc: self.pacer.goal(),
            total_alloc: self.accounting.total_alloc(),
            num_gc: self.totals.cycles,
            num_forced_gc: self.totals.forced_cycles,
            pause_total_ns: self.pauses.total_ns,
            last_pause_ns: self.pauses.last_ns,
            num_pauses: self.pauses.count,
            phase: Snapshot::phase_code(self.arena.collection_phase()),
            seq: 0,
        });
    }

    /// Starts recording an execution trace (see `trace.rs`) of at most `max_events` events.
    pub fn enable_trace(&mut self, max_events: usize, process_name: &str) {
        self.reporters.trace = Some(TraceRecorder::new(self.start, max_events, process_name));
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
        self.reporters.trace = Some(recorder);
        Ok(())
    }

    /// Ends a streamed trace (see [`TraceRecorder::finish`]); tracing is off afterwards. An
    /// in-memory trace stays, to be written with [`TraceRecorder::write_json`].
    pub fn finish_trace(&mut self) -> std::io::Result<()> {
        let Some(trace) = self.reporters.trace.as_mut() else {
            return Ok(());
        };
        let streamed = trace.is_streaming();
        let result = trace.finish();
        if streamed {
            self.reporters.trace = None;
        }
        result
    }

    /// The execution trace recorded so far, if tracing is on.
    pub fn trace(&self) -> Option<&TraceRecorder> {
        self.reporters.trace.as_ref()
    }

    /// Whether an execution trace is being recorded.
    #[inline]
    pub fn tracing(&self) -> bool {
        self.reporters.trace.is_some()
    }

    /// Records a slice of mutator (VM) execution in the trace.
    #[inline]
    pub fn trace_mutator(&mut self, begin: Instant, end: Instant, instructions: u64) {
        if let Some(trace) = self.reporters.trace.as_mut() {
            trace.mutator(begin, end, instructions);
        }
    }

    /// Records an instant event (a limit hit, a report written) in the trace.
    pub fn trace_event(&mut self, name: &'static str) {
        if let Some(trace) = self.reporters.trace.as_mut() {
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

    /// The pacer (policy, plan, limiter), read-only.
    pub fn pacer(&self) -> &Pacer {
        &self.pacer
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

    /// Starts keeping a [`StepRecord`] of every collector step from now on (64 bytes of host
    /// memory per step), for [`Heap::step_log`]: wall-clock times only (`cpu` and `kernel`
    /// are `None`; see [`Heap::record_step_usage`]).
    pub fn record_steps(&mut self) {
        self.reporters.step_log.get_or_insert_with(Vec::new);
    }

    /// As [`Heap::record_steps`], and each record also carries the thread's CPU time and
    /// kernel events during the step. That reads the CPU clock and `getrusage` before and
    /// after every step — four system calls, outside the step's wall-clock bracket but not
    /// outside the run: 1.1–1.6 s of a 10 s run of 700 000 steps on this project's VM.
    pub fn record_step_usage(&mut self) {
        self.record_steps();
        self.step_usage = true;
    }

    /// The steps recorded since [`Heap::record_steps`] was called (empty if it was not).
    pub fn step_log(&self) -> &[StepRecord] {
        self.reporters.step_log.as_deref().unwrap_or(&[])
    }

    /// Installs a callback that receives every completed cycle's record.
    pub fn set_cycle_observer(&mut self, observer: Option<CycleObserver>) {
        self.reporters.observer = observer;
    }

    /// Installs (or removes) the gctrace/pacer-trace output.
    pub fn set_telemetry(&mut self, telemetry: Option<Telemetry>) {
        self.reporters.telemetry = telemetry;
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
            last_gc: self.last_gc_unix_ns,
            num_gc: self.totals.cycles,
            num_forced_gc: self.totals.forced_cycles,
            num_pauses: self.pauses.count,
            pause_total_ns: self.pauses.total_ns,
            pause_ns: self.pauses.ring_ns,
            pause_end: self.pauses.ring_end,
            gc_cpu_fraction: self.gc_cpu_no_sweep.as_nanos() as f64 / elapsed,
            pause_p50_ns: self.pauses.quantile(0.5),
            pause_p99_ns: self.pauses.quantile(0.99),
            pause_max_ns: self.pauses.max_ns,
            peak_heap_alloc: self.peak_ever.max(a.live_bytes()),
        }
    }

    /// One collector step, between two slices of the mutator: starts a cycle if the pacer says
    /// the heap reached its trigger, otherwise advances the running cycle by the work the pacer
    /// asks for. Returns what the step did, or `None` if no collection work was due (or the
    /// GC CPU limiter held it back).
    pub fn step(&mut self) -> Option<StepKind> {
        let total = self.accounting.total_alloc();
        let allocated_since = total - self.alloc_at_last_step;
        self.alloc_at_last_step = total;
        let mallocs = self.accounting.mallocs();
        let objects_since = mallocs - self.mallocs_at_last_step;
        self.mallocs_at_last_step = mallocs;
        let live = self.accounting.live_bytes();
        self.peak_since_cycle = self.peak_since_cycle.max(live);
        self.peak_ever = self.peak_ever.max(live);
        if self.pacer.config.memlimit.is_some() {
            self.observe_memory();
            self.shared.next_gc.set(self.pacer.goal());
        }

        let sleeping = self.arena.collection_phase() == CollectionPhase::Sleeping;
        if sleeping {
            let stress_idle = self.pacer.config.stress && allocated_since == 0;
            if stress_idle || !self.pacer.should_start(live) {
                self.publish();
                return None;
            }
        }
        if self.cpu_limited() {
            if let Some(cycle) = self.current.as_mut() {
                cycle.cpu_limited |= self.pacer.limiter().limiting();
            }
            // The next step that runs pays for this allocation (and marks these objects).
            self.alloc_at_last_step -= allocated_since;
            self.mallocs_at_last_step -= objects_since;
            self.publish();
            return None;
        }
        if sleeping {
            if self.pacer.whole_cycles() {
                self.whole_cycle(false);
                self.publish();
                return Some(StepKind::MarkTermination);
            }
            self.begin_cycle(Instant::now(), false);
            self.cycle_trains = true;
        }

        let began = self.step_clock();
        let deadline = self.pacer.config.step_time_budget.map(|b| began + b);
        let scope = FreeScope::enter(&self.accounting);
        let (kind, work) = if self.arena.collection_phase() == CollectionPhase::Sweeping {
            let asked = self.pacer.sweep_step_work(total, allocated_since);
            (StepKind::Sweep, self.sweep(asked, deadline))
        } else {
            self.pacer.allocated_while_marking(objects_since);
            let asked = self.pacer.mark_step_work(live, allocated_since);
            self.mark(asked, deadline)
        };
        drop(scope);
        self.end_step(began, kind, false, work, Duration::ZERO);
        self.publish();
        Some(kind)
    }

    /// Whether the utilization floor or the GC CPU limiter holds collection back now;
    /// accounts the time since it last asked.
    fn cpu_limited(&mut self) -> bool {
        if !self.pacer.limits_cpu() {
            return false;
        }
        let now = Instant::now();
        let wall = now - self.limiter_at;
        let collector = std::mem::take(&mut self.collector_since_limiter).min(wall);
        self.limiter_at = now;
        self.pacer.limit_cpu(wall - collector, collector)
    }

    /// Marks with `work` units of debt (in chunks under a deadline); once marking is complete,
    /// finalizes with the rest, and starts sweeping when finalization is done. Returns the
    /// step's kind and the work done.
    fn mark(&mut self, work: u64, deadline: Option<Instant>) -> (StepKind, u64) {
        let mut left = work;
        let mut done = 0;
        let mut kind = StepKind::Mark;
        loop {
            let chunk = if deadline.is_some() {
                left.min(TIMED_CHUNK)
            } else {
                left
            };
            self.set_debt(chunk);
            let marked = self.arena.mark_debt().is_some();
            let traced = chunk - self.remaining_debt().min(chunk);
            done += traced;
            left = left.saturating_sub(traced);
            if let Some(cycle) = self.current.as_mut() {
                cycle.objects_traced += traced;
            }
            if marked {
                kind = StepKind::MarkTermination;
                let (work, finished) = self.finalize(left.max(1));
                done += work;
                left = left.saturating_sub(work);
                if finished {
                    break;
                }
            }
            if left == 0 || deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
        }
        (kind, done)
    }

    /// Runs one call of the root's finalization with `budget`; starts sweeping when it is
    /// done. Returns the work it did and whether sweeping started.
    fn finalize(&mut self, budget: u64) -> (u64, bool) {
        let start = !std::mem::replace(&mut self.finalizing, true);
        let marked = self
            .arena
            .mark_debt()
            .expect("called right after marking completed");
        let step = marked.finalize(|fc, root| root.finalize(fc, start, budget));
        self.retained += step.retained;
        if let Some(cycle) = self.current.as_mut() {
            cycle.entries_pruned += step.work;
        }
        if step.done {
            self.start_sweeping();
        }
        (step.work, step.done)
    }

    /// Sweeps `work` units (in chunks under a deadline), never past the cycle's end.
    fn sweep(&mut self, work: u64, deadline: Option<Instant>) -> u64 {
        let mut left = work;
        let mut done = 0;
        while left > 0 && self.arena.collection_phase() == CollectionPhase::Sweeping {
            let chunk = if deadline.is_some() {
                left.min(TIMED_CHUNK)
            } else {
                left
            };
            self.set_debt(chunk);
            self.arena.cycle_debt();
            done += chunk - self.remaining_debt().min(chunk);
            left -= chunk;
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
        }
        done
    }

    /// Runs a complete collection now: finishes the cycle in progress (if any), then runs a
    /// whole fresh cycle, so every object unreachable at the call is freed. `forced` marks the
    /// fresh cycle as requested by the program (Go's `runtime.GC()`).
    pub fn collect_full(&mut self, forced: bool) {
        self.cycle_trains = false;
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

    /// Completes the cycle in progress as one step: the rest of marking and finalization (if
    /// the cycle had not reached sweeping), then the rest of sweeping. The step is recorded
    /// as what it finished: mark termination with its sweeping part apart, or a sweep step.
    fn finish_cycle_now(&mut self) {
        let began = self.step_clock();
        let scope = FreeScope::enter(&self.accounting);
        let was_sweeping = self.arena.collection_phase() == CollectionPhase::Sweeping;
        if !was_sweeping {
            let start = !std::mem::replace(&mut self.finalizing, true);
            let marked = self
                .arena
                .finish_marking()
                .expect("finish_marking outside sweeping always ends fully marked");
            let step = marked.finalize(|fc, root| root.finalize(fc, start, u64::MAX));
            debug_assert!(step.done, "an unbounded finalization completes");
            self.retained += step.retained;
            self.start_sweeping();
        }
        let sweep_began = Instant::now();
        // From the sweeping phase `finish_cycle` only sweeps to the end of this cycle; it never
        // marks again, so finalization cannot be skipped here.
        self.arena.finish_cycle();
        drop(scope);
        let sweep_part = sweep_began.elapsed();
        let kind = if was_sweeping {
            StepKind::Sweep
        } else {
            StepKind::MarkTermination
        };
        self.end_step(began, kind, true, 0, sweep_part);
    }

    /// Sets gc-arena's debt to exactly `work` units.
    fn set_debt(&self, work: u64) {
        let metrics = self.arena.metrics();
        metrics.adjust_debt(work as f64 - metrics.allocation_debt());
    }

    /// Debt left after a collector call: the part of the work asked that was not needed.
    fn remaining_debt(&self) -> u64 {
        self.arena.metrics().allocation_debt().max(0.0) as u64
    }

    /// After finalization: re-marks whatever finalization's write barriers turned gray again,
    /// then enters the sweep phase. This is Go's mark termination: the cycle counts in
    /// `NumGC` and `LastGC` from here.
    fn start_sweeping(&mut self) {
        self.arena
            .finish_marking()
            .expect("finish_marking outside sweeping always ends fully marked")
            .start_sweeping();
        self.finalizing = false;
        let heap = self.accounting.live_bytes();
        let objects = self.accounting.live_objects();
        self.pacer
            .mark_ended(objects, self.accounting.total_alloc());
        let since_start = self.start.elapsed();
        let unix_ns = self.start_unix_ns + since_start.as_nanos() as u64;
        let cycle = self.current.as_mut().expect("marking runs inside a cycle");
        cycle.heap_mark_end = heap;
        cycle.objects_at_mark_end = objects;
        cycle.mark_end = since_start;
        // Baselines: `end_cycle` turns these into what this cycle's sweep freed.
        cycle.bytes_freed = self.accounting.freed_bytes();
        cycle.objects_freed = self.accounting.frees();
        self.totals.cycles += 1;
        self.totals.forced_cycles += u64::from(cycle.forced);
        if self.pacer.config.memlimit.is_some() {
            // At mark termination the heap is at its cycle's peak and has reused the memory
            // the last sweep freed, so what the probe finds beyond it is slack, not free
            // memory waiting for reuse (which Go's limit does not count either).
            self.probe_memory();
        }
        self.last_gc_unix_ns = unix_ns;
        self.shared.num_gc.set(self.totals.cycles);
        self.shared.num_forced_gc.set(self.totals.forced_cycles);
        self.shared.last_gc.set(unix_ns);
    }

    fn begin_cycle(&mut self, at: Instant, forced: bool) {
        self.cycle_trains = false;
        let (stack_bytes, globals_bytes) = self
            .arena
            .mutate(|_, root| (root.stack_bytes() as u64, root.globals_bytes() as u64));
        self.pacer
            .start_cycle(self.accounting.live_objects(), stack_bytes, globals_bytes);
        let policy = self.pacer.policy();
        let cycle = CycleRecord {
            number: self.totals.cycles + 1,
            forced,
            plan: *self.pacer.plan(),
            pacer: policy.kind().name(),
            goal_utilization: policy.goal_utilization(),
            cons_mark: policy.cons_mark(),
            start: at - self.start,
            objects_before: self.accounting.live_objects(),
            heap_start: self.accounting.live_bytes(),
            stack_bytes,
            globals_bytes,
            ..CycleRecord::default()
        };
        self.reporters.cycle_started(&cycle);
        self.current = Some(cycle);
    }

    /// Starts timing a step: the wall clock, and, while a step log is kept, the thread's CPU
    /// clock and kernel events, read first so that the wall-clock bracket leaves their system
    /// calls out.
    fn step_clock(&mut self) -> Instant {
        self.step_usage_began = self.step_usage.then(ThreadUsage::now);
        Instant::now()
    }

    /// Records a finished step. `whole`: it ran the cycle to its end regardless of the pacer
    /// (a full collection), and `sweep_part` is how much of it was sweeping.
    fn end_step(
        &mut self,
        began: Instant,
        kind: StepKind,
        whole: bool,
        work: u64,
        sweep_part: Duration,
    ) {
        let now = Instant::now();
        let took = now - began;
        let usage = self
            .step_usage_began
            .take()
            .map(|began| ThreadUsage::now().since(began))
            .unwrap_or_default();
        // A sweep step is all sweeping; a step that also marked says how much of it was.
        let sweep_part = match kind {
            StepKind::Sweep => took,
            _ => sweep_part.min(took),
        };
        let since_start = now - self.start;
        let end_unix_ns = self.start_unix_ns + since_start.as_nanos() as u64;
        self.totals.steps += 1;
        self.totals.pause_total += took;
        self.totals.longest_step = self.totals.longest_step.max(took);
        self.gc_cpu_no_sweep += took - sweep_part.min(took);
        self.collector_since_limiter += took;

        let cycle = self
            .current
            .as_mut()
            .expect("a step always runs inside a cycle");
        self.pauses.record(took, cycle.number, end_unix_ns);
        self.shared.num_pauses.set(self.pauses.count);
        self.shared.pause_total_ns.set(self.pauses.total_ns);
        self.shared.pause_max_ns.set(self.pauses.max_ns);
        cycle.steps += 1;
        cycle.longest_step = cycle.longest_step.max(took);
        let marking = took - sweep_part.min(took);
        match kind {
            StepKind::Mark if cycle.steps == 1 => cycle.first_step = took,
            StepKind::Mark => cycle.mark_assist += took,
            StepKind::MarkTermination => cycle.mark_termination += marking,
            StepKind::Sweep => {}
        }
        cycle.sweep_time += sweep_part;
        let event = StepEvent {
            began,
            end: now,
            start_offset: since_start - took,
            kind,
            whole,
            cycle: cycle.number,
            work,
            cpu: usage.cpu,
            kernel: usage.kernel,
            heap_live: self.accounting.live_bytes(),
            live_objects: self.accounting.live_objects(),
            goal: self.pacer.goal(),
        };
        self.reporters.step(&event);
        if self.arena.collection_phase() == CollectionPhase::Sleeping {
            self.end_cycle(since_start);
        }
    }

    fn end_cycle(&mut self, since_start: Duration) {
        // The sweep that just ended freed what the previous one kept, and kept what this
        // cycle's finalization pruned while gc-arena still held it.
        self.accounting.hold(std::mem::take(&mut self.retained));
        let mut done = self.current.take().expect("checked by the caller");
        done.end = since_start;
        done.heap_peak = self.peak_since_cycle.max(done.heap_mark_end);
        self.peak_since_cycle = self.accounting.live_bytes();
        done.objects_after = self.accounting.live_objects();
        done.bytes_freed = self.accounting.freed_bytes() - done.bytes_freed;
        done.objects_freed = self.accounting.frees() - done.objects_freed;
        done.heap_marked = done.heap_mark_end.saturating_sub(done.bytes_freed);
        let mark_wall = done.mark_end.saturating_sub(done.start);
        let mark_cpu = done.first_step + done.mark_assist + done.mark_termination;
        // Go's `b`: the concurrent phase, the mark phase's wall time outside the first and the
        // mark-termination steps (the mutator ran during it, between assist steps).
        done.concurrent_mark = mark_wall.saturating_sub(done.first_step + done.mark_termination);
        done.mark_utilization = if mark_wall.is_zero() {
            1.0
        } else {
            (mark_cpu.as_secs_f64() / mark_wall.as_secs_f64()).min(1.0)
        };
        let marked_objects = done.objects_at_mark_end.saturating_sub(done.objects_freed);
        // Forced and rescue cycles say nothing about where the program's own cycles should
        // start: they do not train the policy.
        let trains = std::mem::take(&mut self.cycle_trains);
        let outcome = trains.then(|| CycleOutcome {
            planned_from: *self.pacer.state(),
            goal: done.plan.goal,
            trigger: done.plan.trigger,
            heap_at_start: done.heap_start,
            heap_at_mark_end: done.heap_mark_end,
            scan_work: done.heap_marked + done.stack_bytes + done.globals_bytes,
            mark_utilization: done.mark_utilization,
        });
        if self.pacer.config.memlimit.is_some() {
            self.observe_memory();
        }
        self.pacer
            .end_cycle(done.heap_marked, marked_objects, outcome);
        done.pacer_state = self.pacer.policy().describe();
        self.shared.next_gc.set(self.pacer.goal());
        let percent = (self.gc_cpu_no_sweep.as_secs_f64() / since_start.as_secs_f64().max(1e-9)
            * 100.0) as u64;
        self.reporters.cycle_ended(&done, percent, self.start);
        self.last_cycle = Some(done);
    }
}
