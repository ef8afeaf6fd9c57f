//! Parallel isolates: many runtimes at once, one per thread, each with its own arena.
//!
//! A [`crate::Runtime`] is single-threaded (gc-arena arenas are not `Send`), so each job is
//! built *on* the thread that runs it; only the job description goes in and only plain data
//! (output, error, statistics, cycle records) comes back.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use gclox_gc::{CycleRecord, MemStats};
use gclox_interp::LoxError;

use crate::sink::Captured;
use crate::{Config, Runtime};

/// One script to run under one configuration.
#[derive(Debug, Clone)]
pub struct Job {
    /// A label for the caller (a file name, a sweep point).
    pub name: String,
    pub source: String,
    pub config: Config,
}

/// What one job produced.
#[derive(Debug, Clone)]
pub struct JobResult {
    pub name: String,
    /// Everything the script printed.
    pub output: String,
    /// How the script ended.
    pub result: Result<(), LoxError>,
    /// Wall time of the run (compile included).
    pub wall: Duration,
    pub memstats: MemStats,
    /// Every completed collection cycle, in order.
    pub cycles: Vec<CycleRecord>,
    /// Minimum mutator utilization at [`MMU_WINDOWS_NS`] (1, 10, 100 ms) over the runtime's
    /// life, exact from every collector step; `None` for a window longer than the run.
    pub mmu: [Option<f64>; 3],
}

/// The windows of [`JobResult::mmu`], nanoseconds.
pub const MMU_WINDOWS_NS: [u64; 3] = [1_000_000, 10_000_000, 100_000_000];

/// MMU at [`MMU_WINDOWS_NS`] from a runtime that recorded its steps
/// ([`Runtime::record_steps`]).
pub fn mmu_of(runtime: &Runtime) -> [Option<f64>; 3] {
    let pauses = gclox_gc::mmu::Pauses::from_steps(runtime.step_log(), runtime.uptime());
    MMU_WINDOWS_NS.map(|w| pauses.mmu(w))
}

/// Runs one job on the calling thread.
pub fn run_job(job: &Job) -> JobResult {
    let out = Captured::new();
    let mut runtime = Runtime::new(job.config.clone(), out.writer());
    let cycles = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let sink = cycles.clone();
    runtime.on_cycle(move |c| sink.borrow_mut().push(c.clone()));
    runtime.record_steps();
    let began = Instant::now();
    let result = runtime.run_source(&job.source);
    let wall = began.elapsed();
    let memstats = runtime.memstats();
    let mmu = mmu_of(&runtime);
    drop(runtime);
    let cycles = cycles.borrow().clone();
    JobResult {
        name: job.name.clone(),
        output: out.text(),
        result,
        wall,
        memstats,
        cycles,
        mmu,
    }
}

/// Runs every job on up to `threads` threads (at least one), each job in its own runtime.
/// Results come back in the order of `jobs`. `on_done` is called (from worker threads) as each
/// job finishes, with the number finished so far — for progress bars.
pub fn run_parallel(
    jobs: &[Job],
    threads: usize,
    on_done: &(dyn Fn(usize) + Sync),
) -> Vec<JobResult> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<JobResult>>> = Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                let result = run_job(job);
                results.lock().expect("no worker panics while holding it")[i] = Some(result);
                on_done(done.fetch_add(1, Ordering::Relaxed) + 1);
            });
        }
    });
    results
        .into_inner()
        .expect("workers finished")
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// The number of threads to use by default: the machine's available parallelism.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
