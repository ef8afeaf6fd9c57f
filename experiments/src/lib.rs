//! Shared pieces of the experiment tools: loading workloads ([`workloads`]) and running them
//! on a runtime with the collector's records captured; the parameter sweep ([`sweep`]).

#![forbid(unsafe_code)]

pub mod stalls;
pub mod sweep;
pub mod workloads;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use gclox_gc::{CycleRecord, MemStats};
use gclox_runtime::{sink::Captured, Config, Runtime};

/// The folder of committed workloads.
pub fn workloads_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads")
}

/// The text of a workload, its `// param` sizes set to `params` (e.g. `[("LIVE", 1000)]`).
pub fn workload(name: &str, params: &[(&str, u64)]) -> String {
    let path = workloads_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    workloads::with_params(&text, params).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What one run produced.
pub struct RunResult {
    pub wall: Duration,
    pub cycles: Vec<CycleRecord>,
    pub memstats: MemStats,
    pub output: String,
    /// Every collector step, as `(start, end)` since the runtime started, and the runtime's
    /// life: the pause intervals of minimum mutator utilization.
    pub pauses: gclox_gc::mmu::Pauses,
    /// The most thread CPU time one step used (`None` without a thread CPU clock): the
    /// longest pause less the time its thread was descheduled.
    pub step_cpu_max: Option<Duration>,
    /// Steps of at least [`LONG_STEP`] by the thread's CPU clock.
    pub long_cpu_steps: usize,
    /// Long steps during which the guest kernel counted a page fault or a context switch.
    pub long_kernel_steps: usize,
    /// The sum of every step's wall time: the run's exposure to the machine's stalls.
    pub pause_total: Duration,
    /// When each step of at least [`LONG_STEP`] by the wall clock began and ended.
    pub long_step_spans: Vec<(Instant, Instant)>,
}

/// Returns freed memory to the OS as the `gclox` CLI does without `--memlimit`: on a scavenger
/// thread, never inside a collector step (`gclox_runtime::scavenger`). Every tool that runs
/// scripts in its own process calls this first, so the pauses it measures are the CLI's.
pub fn scavenge_as_cli() {
    if let Err(err) = gclox_runtime::scavenger::start(false) {
        eprintln!("cannot start the scavenger thread ({err}): sweeps will purge, unlike the CLI");
    }
}

/// The pause bound the collector aims for: a step this long or longer is a long step.
pub const LONG_STEP: Duration = Duration::from_micros(500);

/// What [`run`] records of each collector step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepLog {
    /// Wall-clock start and end only: the run is timed as the CLI runs.
    Wall,
    /// Also the thread's CPU time and kernel events, for the pauses table: four system calls
    /// per step, outside the step's wall-clock bracket, so they lengthen the run and the
    /// mutator's share of it (binary_trees_17: 7.7 s against 5.6 s, 656 000 steps). Never for
    /// run times or MMU.
    WithUsage,
}

/// Runs `source` to completion under `config`, recording every cycle and every step as `log`
/// says. `gctrace` > 0 formats gctrace lines into memory (to measure their cost without
/// terminal I/O).
pub fn run(config: Config, source: &str, gctrace: u8, log: StepLog) -> RunResult {
    let out = Captured::new();
    let mut runtime = Runtime::new(config, out.writer());
    if gctrace > 0 {
        runtime.set_gctrace(gctrace, false, Captured::new().writer());
    }
    let cycles = Rc::new(RefCell::new(Vec::new()));
    let sink = cycles.clone();
    runtime.on_cycle(move |c| sink.borrow_mut().push(c.clone()));
    match log {
        StepLog::Wall => runtime.record_steps(),
        StepLog::WithUsage => runtime.record_step_usage(),
    }
    let began = Instant::now();
    runtime.run_source(source).expect("workload runs");
    let wall = began.elapsed();
    let memstats = runtime.memstats();
    let pauses = gclox_gc::mmu::Pauses::from_steps(runtime.step_log(), runtime.uptime());
    let steps = runtime.step_log();
    let step_cpu_max = steps.iter().filter_map(|s| s.cpu).max();
    let long: Vec<_> = steps
        .iter()
        .filter(|s| s.end - s.start >= LONG_STEP)
        .collect();
    let long_cpu_steps = steps.iter().filter(|s| s.cpu >= Some(LONG_STEP)).count();
    let long_kernel_steps = long
        .iter()
        .filter(|s| s.kernel.is_some_and(|k| k.any()))
        .count();
    let pause_total = steps.iter().map(|s| s.end - s.start).sum();
    // The heap's clock origin: step times count from it.
    let origin = Instant::now() - runtime.uptime();
    let long_step_spans = long
        .iter()
        .map(|s| (origin + s.start, origin + s.end))
        .collect();
    drop(runtime);
    let cycles = Rc::try_unwrap(cycles)
        .map(RefCell::into_inner)
        .unwrap_or_else(|rc| rc.borrow().clone());
    RunResult {
        wall,
        cycles,
        memstats,
        output: out.text(),
        pauses,
        step_cpu_max,
        long_cpu_steps,
        long_kernel_steps,
        pause_total,
        long_step_spans,
    }
}

/// The median of a non-empty list.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}
