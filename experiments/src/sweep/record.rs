//! The rows a sweep writes: one [`RunRow`] per run (`runs.csv`) and one [`CycleRow`] per
//! collection cycle of every run (`cycles.csv`). Units are in the column names; times
//! are exact nanoseconds except the run's wall time.

use gclox_gc::CycleRecord;
use gclox_runtime::isolates::JobResult;
use serde::{Deserialize, Serialize};

use super::plan::RunSpec;
use crate::workloads::Workload;

/// One run: its settings, then what it measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    pub run_id: usize,
    pub workload: String,
    /// The pacing policy (`go119`, `go117`, `lua54`, `clox`).
    pub pacer: String,
    /// -1: off.
    pub gogc: i64,
    /// `incremental` or `stw`.
    pub mode: String,
    /// Empty for stw runs (one step per cycle, whatever the budget).
    pub step_budget: Option<u64>,
    pub rep: u32,
    /// 0, or the Lox error's exit code (65 compile error, 70 runtime error).
    pub exit_code: i32,
    /// Whether the output ended with the workload's `// expect:` lines; empty if it has none.
    pub output_ok: Option<bool>,
    /// Compile and run, wall clock.
    pub wall_s: f64,
    pub num_gc: u64,
    /// Collector steps; each is a pause.
    pub num_pauses: u64,
    /// Summed pause time / wall time.
    pub gc_share: f64,
    pub pause_total_ns: u64,
    /// Over every pause of the run (histogram estimates within 1/16; max exact).
    pub pause_p50_ns: u64,
    pub pause_p99_ns: u64,
    pub pause_max_ns: u64,
    /// MemStats' `peak_heap_alloc`: highest live heap at a step boundary.
    pub peak_heap_bytes: u64,
    /// Mean over the run's cycles of the heap that survived each cycle (gctrace's `Z`);
    /// 0 if no cycle ran.
    pub mean_heap_marked_bytes: u64,
    /// Bytes allocated over the whole run (MemStats' `total_alloc`).
    pub total_alloc_bytes: u64,
    /// Minimum mutator utilization (0–1) for windows of 1, 10 and 100 ms, exact from every
    /// step; empty when the run is shorter than the window.
    pub mmu_1ms: Option<f64>,
    pub mmu_10ms: Option<f64>,
    pub mmu_100ms: Option<f64>,
    /// The Lox error's first line, or the output mismatch; empty when the run succeeded.
    pub error: String,
}

impl RunRow {
    pub fn new(run: &RunSpec, workload: &Workload, result: &JobResult) -> Self {
        let m = &result.memstats;
        let wall_ns = result.wall.as_nanos().max(1) as f64;
        let (output_ok, mut error) = if workload.expected().is_empty() {
            (None, String::new())
        } else {
            match workload.check(&result.output) {
                Ok(()) => (Some(true), String::new()),
                Err(mismatch) => (Some(false), mismatch),
            }
        };
        if let Err(e) = &result.result {
            error = e.to_string().lines().next().unwrap_or_default().to_string();
        }
        let marked: u64 = result.cycles.iter().map(|c| c.heap_marked).sum();
        RunRow {
            run_id: run.id,
            workload: workload.name.clone(),
            pacer: run.pacer.to_string(),
            gogc: run.gogc.as_i64(),
            mode: run.mode.to_string(),
            step_budget: run.budget,
            rep: run.rep,
            exit_code: result
                .result
                .as_ref()
                .map_or_else(|e| e.exit_code(), |()| 0),
            output_ok,
            wall_s: result.wall.as_secs_f64(),
            num_gc: m.num_gc,
            num_pauses: m.num_pauses,
            gc_share: m.pause_total_ns as f64 / wall_ns,
            pause_total_ns: m.pause_total_ns,
            pause_p50_ns: m.pause_p50_ns,
            pause_p99_ns: m.pause_p99_ns,
            pause_max_ns: m.pause_max_ns,
            peak_heap_bytes: m.peak_heap_alloc,
            mean_heap_marked_bytes: marked / (result.cycles.len().max(1) as u64),
            total_alloc_bytes: m.total_alloc,
            mmu_1ms: result.mmu[0],
            mmu_10ms: result.mmu[1],
            mmu_100ms: result.mmu[2],
            error,
        }
    }

    /// Whether the run ended well: no Lox error and no output mismatch.
    pub fn succeeded(&self) -> bool {
        self.exit_code == 0 && self.output_ok != Some(false)
    }

    /// The line a plot draws this run on: the mode, and the budget for incremental runs,
    /// after the pacer when it is not the default.
    pub fn series(&self) -> String {
        let mode = match self.step_budget {
            Some(budget) => format!("{} {budget}", self.mode),
            None => self.mode.clone(),
        };
        if self.pacer == gclox_gc::PacerKind::default().name() {
            mode
        } else {
            format!("{} {mode}", self.pacer)
        }
    }
}

/// Column names of `runs.csv`, in order: [`RunRow`]'s fields (a test checks). Written even
/// when a shard has no runs, so every shard's file has a header to compare.
pub const RUN_COLUMNS: [&str; 24] = [
    "run_id",
    "workload",
    "pacer",
    "gogc",
    "mode",
    "step_budget",
    "rep",
    "exit_code",
    "output_ok",
    "wall_s",
    "num_gc",
    "num_pauses",
    "gc_share",
    "pause_total_ns",
    "pause_p50_ns",
    "pause_p99_ns",
    "pause_max_ns",
    "peak_heap_bytes",
    "mean_heap_marked_bytes",
    "total_alloc_bytes",
    "mmu_1ms",
    "mmu_10ms",
    "mmu_100ms",
    "error",
];

/// One collection cycle of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CycleRow {
    pub run_id: usize,
    /// 1-based, as in gctrace.
    pub cycle: u64,
    pub forced: bool,
    /// When the cycle's first step began, seconds since the run started.
    pub start_s: f64,
    pub steps: u32,
    /// The cycle's longest step: its worst pause (in stw mode its only one).
    pub longest_step_ns: u64,
    /// Summed duration of the cycle's steps.
    pub pause_ns: u64,
    pub heap_start_bytes: u64,
    pub heap_marked_bytes: u64,
    pub heap_peak_bytes: u64,
    pub goal_bytes: u64,
    pub bytes_freed: u64,
    pub objects_freed: u64,
}

impl CycleRow {
    pub fn new(run_id: usize, c: &CycleRecord) -> Self {
        let ns = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        CycleRow {
            run_id,
            cycle: c.number,
            forced: c.forced,
            start_s: c.start.as_secs_f64(),
            steps: c.steps,
            longest_step_ns: ns(c.longest_step),
            pause_ns: ns(c.pause_total()),
            heap_start_bytes: c.heap_start,
            heap_marked_bytes: c.heap_marked,
            heap_peak_bytes: c.heap_peak,
            goal_bytes: c.plan.goal,
            bytes_freed: c.bytes_freed,
            objects_freed: c.objects_freed,
        }
    }
}

/// Column names of `cycles.csv`, in order: [`CycleRow`]'s fields.
pub const CYCLE_COLUMNS: [&str; 13] = [
    "run_id",
    "cycle",
    "forced",
    "start_s",
    "steps",
    "longest_step_ns",
    "pause_ns",
    "heap_start_bytes",
    "heap_marked_bytes",
    "heap_peak_bytes",
    "goal_bytes",
    "bytes_freed",
    "objects_freed",
];
