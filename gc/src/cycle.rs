//! Records of collector work: one [`CycleRecord`] per completed cycle and the running
//! [`GcTotals`] since the heap was created.
//!
//! All instants are durations since the heap's start ([`crate::Heap::start`]), so every
//! telemetry format that gclox writes counts time from the same monotonic origin.

use std::time::Duration;

/// What a single collector step spent its time on. A step that finishes marking and goes on
/// to sweep counts as [`StepKind::MarkTermination`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Marking only: gray objects traced, the cycle is still in its mark phase.
    Mark,
    /// The step in which the gray queue ran dry: finalization (weak tables pruned) ran and
    /// sweeping started.
    MarkTermination,
    /// Sweeping only: unmarked objects freed, marked objects turned white again.
    Sweep,
}

/// One completed collection cycle.
#[derive(Debug, Clone, Default)]
pub struct CycleRecord {
    /// 1-based cycle number (Go's `gc N`).
    pub number: u64,
    /// Whether the script or the host asked for this cycle (Go's `(forced)`).
    pub forced: bool,
    /// When the first step of the cycle began.
    pub start: Duration,
    /// When marking finished (the gray queue ran dry and finalization ran).
    pub mark_end: Duration,
    /// When the last sweep step finished.
    pub end: Duration,
    /// Number of collector steps (pauses) this cycle took.
    pub steps: u32,
    /// Summed wall time of the steps spent marking, including the mark-termination step.
    pub mark_time: Duration,
    /// Summed wall time of the steps spent only sweeping.
    pub sweep_time: Duration,
    /// Longest single step of the cycle.
    pub longest_step: Duration,
    /// Live gc-arena objects when the cycle started.
    pub objects_before: usize,
    /// Live gc-arena objects when marking ended.
    pub objects_at_mark_end: usize,
    /// Live gc-arena objects when the cycle ended.
    pub objects_after: usize,
}

impl CycleRecord {
    /// Sum of the wall time of every step of the cycle: the time the mutator was paused for it.
    pub fn pause_total(&self) -> Duration {
        self.mark_time + self.sweep_time
    }
}

/// Running totals since the heap was created.
#[derive(Debug, Clone, Default)]
pub struct GcTotals {
    /// Completed cycles (Go's `NumGC`).
    pub cycles: u64,
    /// Completed cycles that were forced (Go's `NumForcedGC`).
    pub forced_cycles: u64,
    /// Collector steps taken, over all cycles.
    pub steps: u64,
    /// Wall time of all collector steps (Go's `PauseTotalNs`, as a duration).
    pub pause_total: Duration,
    /// Longest single step ever taken.
    pub longest_step: Duration,
}
