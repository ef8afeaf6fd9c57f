//! Records of collector work: one [`CycleRecord`] per completed cycle and the running
//! [`GcTotals`] since the heap was created.
//!
//! All instants are durations since the heap's start ([`crate::Heap::start`]), so every
//! telemetry format that gclox writes counts time from the same monotonic origin.

use std::time::Duration;

use crate::cpu_clock::KernelEvents;
use crate::pacer::CyclePlan;

/// What a single collector step spent its time on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// Marking only: gray objects traced, the cycle is still in its mark phase.
    Mark,
    /// The step in which the gray queue ran dry: finalization (weak tables pruned) ran and
    /// sweeping started. In `stw` mode and for full collections the same step also sweeps.
    MarkTermination,
    /// Sweeping only: unmarked objects freed, marked objects turned white again.
    Sweep,
}

/// One collector step (one pause): when it ran, what it did, and for which cycle. Recorded
/// only when asked ([`crate::Heap::record_steps`]); minimum mutator utilization and the run
/// report are computed from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepRecord {
    /// When the step began and ended, since the heap's start.
    pub start: Duration,
    pub end: Duration,
    pub kind: StepKind,
    /// The cycle the step belongs to (1-based).
    pub cycle: u64,
    /// CPU time the thread used during the step ([`crate::cpu_clock`]), `None` unless asked
    /// for ([`crate::Heap::record_step_usage`]) or where the platform has no thread CPU
    /// clock. Below `end − start` by the time the thread was
    /// descheduled; a stall the guest cannot see still counts (see `cpu_clock`).
    pub cpu: Option<Duration>,
    /// Page faults and context switches the guest kernel counted for the thread during the
    /// step ([`crate::cpu_clock::kernel_events`]), `None` unless asked for (as `cpu`) or
    /// where it does not count them.
    pub kernel: Option<KernelEvents>,
}

/// One completed collection cycle.
#[derive(Debug, Clone, Default)]
pub struct CycleRecord {
    /// 1-based cycle number (Go's `gc N`).
    pub number: u64,
    /// Whether the script or the host asked for this cycle (Go's `(forced)`).
    pub forced: bool,
    /// The pacer's plan, fixed when the cycle started.
    pub plan: CyclePlan,
    /// When the first step of the cycle began.
    pub start: Duration,
    /// When marking and finalization finished and sweeping began (Go's mark termination:
    /// `NumGC` and `LastGC` count the cycle from here).
    pub mark_end: Duration,
    /// When the last sweep step finished.
    pub end: Duration,
    /// Number of collector steps (pauses) this cycle took.
    pub steps: u32,
    /// Duration of the cycle's first step, when it did not also end marking (gctrace `a`).
    pub first_step: Duration,
    /// Wall time between the first step's end and the mark-termination step's start, mutator
    /// time included (gctrace `b`).
    pub concurrent_mark: Duration,
    /// Summed duration of the marking steps between the first and the last (gctrace `e`).
    pub mark_assist: Duration,
    /// Summed duration of the mark-termination steps: those that ran finalization, the last of
    /// which started sweeping (gctrace `c`); for a whole cycle in one step, its marking part.
    pub mark_termination: Duration,
    /// Summed duration of the steps spent only sweeping.
    pub sweep_time: Duration,
    /// Longest single step of the cycle.
    pub longest_step: Duration,
    /// Live objects when the cycle started, when marking ended, and when the cycle ended.
    pub objects_before: u64,
    pub objects_at_mark_end: u64,
    pub objects_after: u64,
    /// Live heap bytes when the cycle started (gctrace `X`), when marking ended (`Y`), and the
    /// bytes that survived the cycle (`Z`: `Y` minus what the sweep freed).
    pub heap_start: u64,
    pub heap_mark_end: u64,
    pub heap_marked: u64,
    /// Highest live heap seen at a step boundary from the previous cycle's end to this one's
    /// (allocation within one slice, at most the slice's byte budget, is between samples).
    pub heap_peak: u64,
    /// Bytes and objects this cycle's sweep freed.
    pub bytes_freed: u64,
    pub objects_freed: u64,
    /// Mark work done, in objects traced (gc-arena's debt paid while marking, re-traces of
    /// objects changed during marking included).
    pub objects_traced: u64,
    /// Intern-table entries examined by finalization.
    pub entries_pruned: u64,
    /// The pacing policy that ran the cycle (`go119`, …).
    pub pacer: &'static str,
    /// The policy's collector CPU target while marking, percent (gcpacertrace's `exp.`).
    pub goal_utilization: u32,
    /// The policy's cons/mark estimate when the cycle started (gcpacertrace).
    pub cons_mark: f64,
    /// The policy's own state after the cycle, for the level-2 line.
    pub pacer_state: String,
    /// Share of the mark phase's wall time (start to mark end) spent in collector steps.
    pub mark_utilization: f64,
    /// Whether the GC CPU limiter skipped steps during this cycle.
    pub cpu_limited: bool,
    /// Bytes of the VM's value stack and call frames, and of its globals, at cycle start.
    pub stack_bytes: u64,
    pub globals_bytes: u64,
}

impl CycleRecord {
    /// Sum of the wall time of every step of the cycle: the time the mutator was paused for it.
    pub fn pause_total(&self) -> Duration {
        self.first_step + self.mark_assist + self.mark_termination + self.sweep_time
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
