//! The collector driver: owns the gc-arena [`Arena`] and advances its collection one step at
//! a time, between slices of mutator work.
//!
//! # Invariants
//!
//! - Collection happens only inside [`Heap::step`] and [`Heap::collect_full`], never inside
//!   [`Heap::mutate_root`]: the mutator sees a heap that does not move under it during a slice.
//! - Every cycle passes through finalization exactly once: when the gray queue runs dry the
//!   root's [`Finalize::finalize`] runs (weak tables are pruned there) and only then does
//!   sweeping start. No code path calls gc-arena's `collect_debt`/`finish_cycle`, which would
//!   sweep without finalizing.
//! - A step never crosses a cycle boundary: the step that finishes sweeping ends there, and the
//!   next cycle starts in a later step. That keeps one [`CycleRecord`] per cycle exact.

use std::time::Instant;

use gc_arena::{
    arena::{CollectionPhase, Root},
    metrics::Pacing,
    Arena, Collect, Finalization, Mutation, Rootable,
};

use crate::cycle::{CycleRecord, GcTotals, StepKind};

/// Implemented by the arena root: called once per cycle at the end of marking, with every
/// reachable object marked, before anything is swept.
pub trait Finalize<'gc> {
    /// Prune weak tables here: `GcWeak::is_dead(fc)` tells which entries this sweep will free.
    fn finalize(&self, fc: &Finalization<'gc>);
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
    start: Instant,
    current: Option<CycleRecord>,
    last_cycle: Option<CycleRecord>,
    totals: GcTotals,
    observer: Option<CycleObserver>,
}

impl<R> Heap<R>
where
    R: for<'a> Rootable<'a>,
    for<'a> Root<'a, R>: Sized + Collect<'a> + Finalize<'a>,
{
    /// Creates the arena with the root that `f` builds. The heap's clock starts here.
    pub fn new(f: impl for<'gc> FnOnce(&'gc Mutation<'gc>) -> Root<'gc, R>) -> Self {
        Heap {
            arena: Arena::new(f),
            start: Instant::now(),
            current: None,
            last_cycle: None,
            totals: GcTotals::default(),
            observer: None,
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

    /// Sets gc-arena's pacing (its object-count debt model).
    pub fn set_pacing(&self, pacing: Pacing) {
        self.arena.metrics().set_pacing(pacing);
    }

    /// The collector's outstanding work, in gc-arena's units (objects allocated this cycle
    /// minus credit for work done). Positive means a step would do work.
    #[inline]
    pub fn debt(&self) -> f64 {
        self.arena.metrics().allocation_debt()
    }

    /// Live gc-arena objects (allocated and not yet freed).
    pub fn live_objects(&self) -> usize {
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

    /// Installs a callback that receives every completed cycle's record.
    pub fn set_cycle_observer(&mut self, observer: Option<CycleObserver>) {
        self.observer = observer;
    }

    /// Pays the collector's debt with one step, if there is any. Returns what the step did, or
    /// `None` if there was no debt. The step stops at the end of a cycle.
    pub fn step(&mut self) -> Option<StepKind> {
        if self.debt() <= 0.0 {
            return None;
        }
        let began = Instant::now();
        if self.arena.collection_phase() == CollectionPhase::Sleeping {
            self.begin_cycle(began, false);
        }
        let mut kind = StepKind::Sweep;
        if self.arena.collection_phase() != CollectionPhase::Sweeping {
            kind = StepKind::Mark;
            if let Some(marked) = self.arena.mark_debt() {
                marked.finalize(|fc, root| root.finalize(fc));
                self.start_sweeping();
                kind = StepKind::MarkTermination;
            }
        }
        if kind != StepKind::Mark && self.debt() > 0.0 {
            self.arena.cycle_debt();
        }
        self.end_step(began, kind);
        Some(kind)
    }

    /// Runs a complete collection now: finishes the cycle in progress (if any) and then runs a
    /// whole fresh cycle, so every object unreachable at the call is freed. `forced` marks the
    /// fresh cycle as requested by the program (Go's `runtime.GC()`).
    pub fn collect_full(&mut self, forced: bool) {
        if self.arena.collection_phase() != CollectionPhase::Sleeping {
            self.finish_cycle_now();
        }
        self.begin_cycle(Instant::now(), forced);
        self.finish_cycle_now();
    }

    /// Completes the cycle in progress as one pause (two recorded steps at most: marking with
    /// its termination, then sweeping).
    fn finish_cycle_now(&mut self) {
        if self.current.is_none() {
            self.begin_cycle(Instant::now(), false);
        }
        let began = Instant::now();
        if self.arena.collection_phase() != CollectionPhase::Sweeping {
            let marked = self
                .arena
                .finish_marking()
                .expect("finish_marking outside sweeping always ends fully marked");
            marked.finalize(|fc, root| root.finalize(fc));
            self.start_sweeping();
        }
        // From the sweeping phase `finish_cycle` only sweeps to the end of this cycle; it never
        // marks again, so finalization cannot be skipped here.
        self.arena.finish_cycle();
        self.end_step(began, StepKind::MarkTermination);
    }

    /// After finalization: re-marks whatever finalization's write barriers turned gray again,
    /// then enters the sweep phase.
    fn start_sweeping(&mut self) {
        self.arena
            .finish_marking()
            .expect("finish_marking outside sweeping always ends fully marked")
            .start_sweeping();
    }

    fn begin_cycle(&mut self, at: Instant, forced: bool) {
        self.current = Some(CycleRecord {
            number: self.totals.cycles + 1,
            forced,
            start: at - self.start,
            objects_before: self.live_objects(),
            ..CycleRecord::default()
        });
    }

    fn end_step(&mut self, began: Instant, kind: StepKind) {
        let now = Instant::now();
        let took = now - began;
        let phase = self.arena.collection_phase();
        let live = self.live_objects();
        let since_start = now - self.start;
        let cycle = self
            .current
            .as_mut()
            .expect("a step always runs inside a cycle");
        cycle.steps += 1;
        cycle.longest_step = cycle.longest_step.max(took);
        match kind {
            StepKind::Mark => cycle.mark_time += took,
            StepKind::MarkTermination => {
                cycle.mark_time += took;
                cycle.mark_end = since_start;
                cycle.objects_at_mark_end = live;
            }
            StepKind::Sweep => cycle.sweep_time += took,
        }
        self.totals.steps += 1;
        self.totals.pause_total += took;
        self.totals.longest_step = self.totals.longest_step.max(took);
        if phase == CollectionPhase::Sleeping {
            let mut done = self.current.take().expect("checked above");
            done.end = since_start;
            done.objects_after = live;
            self.totals.cycles += 1;
            self.totals.forced_cycles += u64::from(done.forced);
            if let Some(observer) = self.observer.as_mut() {
                observer(&done);
            }
            self.last_cycle = Some(done);
        }
    }
}
