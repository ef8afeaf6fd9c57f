//! Shared pieces of the experiment tools: loading workloads ([`workloads`]) and running them
//! on a runtime with the collector's records captured; the parameter sweep ([`sweep`]).

#![forbid(unsafe_code)]

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
}

/// Runs `source` to completion under `config`, recording every cycle. `gctrace` > 0 formats
/// gctrace lines into memory (to measure their cost without terminal I/O).
pub fn run(config: Config, source: &str, gctrace: u8) -> RunResult {
    let out = Captured::new();
    let mut runtime = Runtime::new(config, out.writer());
    if gctrace > 0 {
        runtime.set_gctrace(gctrace, false, Captured::new().writer());
    }
    let cycles = Rc::new(RefCell::new(Vec::new()));
    let sink = cycles.clone();
    runtime.on_cycle(move |c| sink.borrow_mut().push(c.clone()));
    runtime.record_steps();
    let began = Instant::now();
    runtime.run_source(source).expect("workload runs");
    let wall = began.elapsed();
    let memstats = runtime.memstats();
    let pauses = gclox_gc::mmu::Pauses::from_steps(runtime.step_log(), runtime.uptime());
    let step_cpu_max = runtime.step_log().iter().filter_map(|s| s.cpu).max();
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
