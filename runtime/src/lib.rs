//! `gclox-runtime`: the embedding API. A [`Runtime`] owns one arena (one isolated Lox heap) and
//! runs programs on it in slices, stepping the collector between slices.
//!
//! An embedder depends on it with `default-features = false`: the default `cli` feature is the
//! `gclox` command line's (clap, rustyline, mimalloc), which the library does not use. Every
//! type the API's signatures mention is re-exported here (or reachable through the re-exported
//! [`gclox_gc`] and [`gclox_interp`]).
//!
//! ```
//! use gclox_runtime::{Config, Runtime, sink::Captured};
//! let out = Captured::new();
//! let mut rt = Runtime::new(Config::default(), out.writer());
//! rt.run_source("var a = 1; print a + 1;").unwrap();
//! assert_eq!(out.text(), "2\n");
//! ```
//!
//! Limits, gctrace into the embedder's own log, Go's MemStats, and an interrupt from another
//! thread:
//!
//! ```
//! use std::{cell::RefCell, rc::Rc, time::Duration};
//! use gclox_runtime::{sink, Config, LoxError, Runtime};
//!
//! let mut config = Config::default();
//! config.max_instructions = Some(5_000_000); // per run_source
//! config.timeout = Some(Duration::from_secs(10)); // per run_source
//! config.gc.max_heap = Some(256 << 20); // hard limit: "Out of memory." past it
//! config.gc.min_heap = Some(256 << 10); // small heap goals, so this short run collects
//! let out = sink::Captured::new();
//! let mut rt = Runtime::new(config.clone(), out.writer());
//!
//! // gctrace level 1 (one line per cycle, Go's format) to a callback instead of stderr.
//! let log = Rc::new(RefCell::new(Vec::<String>::new()));
//! let lines = log.clone();
//! rt.set_gctrace(1, false, sink::lines(move |l| lines.borrow_mut().push(l.to_string())));
//!
//! rt.run_source("class P {} var p; for (var i = 0; i < 20000; i = i + 1) p = P(); print i;")
//!     .unwrap_err(); // `i` is out of scope: a runtime error, and the heap lives on
//! rt.run_source("var n = 0; for (var i = 0; i < 20000; i = i + 1) { p = P(); n = n + 1; } print n;")
//!     .unwrap();
//! assert_eq!(out.text(), "20000\n");
//! assert!(!log.borrow().is_empty() && log.borrow().iter().all(|l| l.starts_with("gc ")));
//!
//! // An endless loop stops at the instruction limit.
//! let err = rt.run_source("while (true) {}").unwrap_err();
//! assert!(matches!(&err, LoxError::Runtime { message, .. }
//!     if message == "Instruction limit exceeded."));
//!
//! // Go's MemStats: the same counters gctrace reports from.
//! let m = rt.memstats();
//! assert_eq!(m.heap_objects, m.mallocs - m.frees);
//! let stats = rt.stats();
//! assert_eq!(stats.live_objects, stats.allocated_objects - stats.freed_objects);
//!
//! // Another thread stops a script (that would otherwise run for ever) at its next slice.
//! config.max_instructions = None;
//! let mut rt = Runtime::new(config, sink::Captured::new().writer());
//! let handle = rt.interrupt_handle(); // Send + Sync + Clone
//! let stopper = std::thread::spawn(move || {
//!     std::thread::sleep(Duration::from_millis(20));
//!     handle.interrupt();
//! });
//! let err = rt.run_source("while (true) {}").unwrap_err();
//! stopper.join().unwrap();
//! assert!(err.to_string().starts_with("Interrupted.\n"));
//! ```

// Only the CLI's allocator and the scavenger's calls into mimalloc are `unsafe` (each allowed
// where it is made).
#![deny(unsafe_code)]

#[cfg(feature = "cli")]
pub mod allocator;
pub mod isolates;
pub mod memstats_csv;
pub mod repl_input;
pub mod report;
pub mod rss;
#[cfg(feature = "cli")]
pub mod scavenger;
pub mod sink;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gc_arena::Rootable;
use gclox_gc::{Heap, Telemetry};
use gclox_interp::{compile_program_until, load_compiled, run_slice, Budget, SliceEnd, Vm};

pub use gclox_interp::error::{EXIT_COMPILE_ERROR, EXIT_RUNTIME_ERROR};

// Everything a public signature here mentions can be named through this crate, so an embedder
// depends on `gclox-runtime` alone. The most used types by name; the rest through the crates.
/// The collector crate: pacers, telemetry, profiles, snapshots (`gclox_runtime::gclox_gc::…`).
pub use gclox_gc;
pub use gclox_gc::{
    CycleRecord, GcConfig, GcMode, GcTotals, MemStats, MemoryProbe, Monitor, PacerKind, StepRecord,
};
/// The language crate: compiler, bytecode, disassembler, VM (`gclox_runtime::gclox_interp::…`).
pub use gclox_interp;
pub use gclox_interp::{LoxError, VmConfig, WriteAccess};

/// The arena root type of a runtime: the whole VM.
pub type VmRoot = Rootable![Vm<'_>];

/// Slices of at most this many instructions end exactly after that many (see
/// [`Config::slice_instructions`]).
pub const EXACT_SLICE_MAX: u32 = 64;

/// How a runtime executes and collects.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub vm: VmConfig,
    pub gc: GcConfig,
    /// Instructions a slice executes before it yields to the collector: exactly up to
    /// [`EXACT_SLICE_MAX`], with `max_instructions` set or under `gc.stress`; otherwise it
    /// goes on to the next backward jump, call or return (at most one function's
    /// straight-line run more).
    pub slice_instructions: u32,
    /// Most instructions one `run_source` may execute ("Instruction limit exceeded.").
    pub max_instructions: Option<u64>,
    /// Most wall time one `run_source` may take ("Time limit exceeded."), compiling included:
    /// checked every few thousand tokens while compiling and between slices while running.
    pub timeout: Option<Duration>,
    /// Print a leak report (once) when the live heap first exceeds the soft memory limit.
    pub leak_report_on_memlimit: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            vm: VmConfig::default(),
            gc: GcConfig::default(),
            slice_instructions: 1024,
            max_instructions: None,
            timeout: None,
            leak_report_on_memlimit: false,
        }
    }
}

/// Stops a running script from another thread: the script fails with `Interrupted.` at its
/// next slice boundary (within `slice_instructions` instructions and the straight-line run
/// after them, see [`Config::slice_instructions`]). `Send + Sync + Clone`.
#[derive(Debug, Clone, Default)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// Asks the runtime to stop the script it is running (or the next one it runs).
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Forgets a pending interrupt (the REPL does before each entry, so a Ctrl-C that arrived
    /// while nothing ran does not stop the next statement).
    pub fn clear(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    /// Consumes a pending interrupt.
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }

    /// Whether an interrupt is pending (without consuming it).
    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Counters describing a runtime's heap right now. The object and byte counts all come from
/// the runtime's accounting of script objects (the same figures as [`MemStats`]), so
/// `live_objects == allocated_objects - freed_objects` and `live_bytes <= allocated_bytes`
/// always hold.
#[derive(Debug, Clone, Default)]
pub struct HeapStats {
    /// Script objects live now: allocated and not yet freed (MemStats' `heap_objects`).
    pub live_objects: u64,
    /// Bytes of live script objects (MemStats' `heap_alloc`).
    pub live_bytes: u64,
    /// Script objects allocated since the runtime started (MemStats' `mallocs`).
    pub allocated_objects: u64,
    /// Script objects freed since the runtime started (MemStats' `frees`).
    pub freed_objects: u64,
    /// Bytes of script objects allocated since the runtime started (MemStats' `total_alloc`).
    pub allocated_bytes: u64,
    /// Objects in the gc-arena by gc-arena's own count: the live script objects plus the few
    /// the VM makes for itself (its intern table and profiler sample list cells), and, for one
    /// cycle after they die, objects a weak table still pointed at. A cross-check of the
    /// accounting, not a figure of the script's heap.
    pub arena_objects: usize,
    /// Interned strings currently in the intern table.
    pub interned_strings: usize,
    /// Collector totals (cycles, steps, pause time).
    pub gc: GcTotals,
}

/// One Lox heap and the VM that runs on it.
pub struct Runtime {
    heap: Heap<VmRoot>,
    config: Config,
    interrupt: InterruptHandle,
    /// Where leak reports (and failures to write requested files) go.
    reports: Box<dyn Write>,
    /// Whether the soft-limit leak report was printed already.
    memlimit_reported: bool,
    /// MMU at fixed windows, fed with every collector call's interval ([`Runtime::track_mmu`]).
    mmu: Option<gclox_gc::mmu::OnlineMmu>,
    /// List each program's bytecode on the output before running it ([`Runtime::set_print_code`]).
    print_code: bool,
    /// When every run must have ended ([`Runtime::set_deadline`]).
    deadline: Option<Instant>,
    /// The time limit of the program loaded last ([`Runtime::load_source`]).
    limit: Option<Instant>,
}

/// The step budget the heap gets: `budget` objects per default slice allocation (64 KiB),
/// scaled up for larger slices. A step runs after each slice, so a budget that cannot cover
/// what one slice allocates lets the mutator outrun the collector for good: with 1 MiB slices
/// and 1 024-object steps, a churn of short-lived instances completed no cycle in 1.5 M
/// allocations and grew to 176 MB.
fn step_budget_for_slices(budget: u64, vm: &VmConfig) -> u64 {
    let unit = VmConfig::default().slice_alloc_bytes as u64;
    let slices = (vm.slice_alloc_bytes as u64).div_ceil(unit).max(1);
    budget.saturating_mul(slices)
}

impl Runtime {
    /// A fresh runtime whose `print` output goes to `out`.
    pub fn new(config: Config, out: Box<dyn Write>) -> Self {
        let mut vm_config = config.vm.clone();
        vm_config.allocate_black = config.gc.allocates_black();
        if config.gc.stress {
            // Every allocating instruction ends its slice; the heap then collects fully.
            vm_config.slice_alloc_bytes = 1;
        }
        let max_heap = config.gc.max_heap;
        let mut gc_config = config.gc.clone();
        gc_config.step_budget = step_budget_for_slices(gc_config.step_budget, &config.vm);
        let heap = Heap::new(gc_config, move |mc, accounting, stats| {
            Vm::new(mc, vm_config, out, accounting, stats, max_heap)
        });
        Runtime {
            heap,
            config,
            interrupt: InterruptHandle::default(),
            reports: Box::new(std::io::stderr()),
            memlimit_reported: false,
            mmu: None,
            print_code: false,
            deadline: None,
            limit: None,
        }
    }

    /// With `on`, every program [`Runtime::run_source`] compiles is listed on the output
    /// (before it runs, function by function, as clox's `DEBUG_PRINT_CODE` does; see
    /// `gclox_interp::disasm`).
    pub fn set_print_code(&mut self, on: bool) {
        self.print_code = on;
    }

    /// Sends leak reports (requested by `__leakreport()` or the soft-limit trigger) to `out`
    /// instead of stderr.
    pub fn set_report_output(&mut self, out: Box<dyn Write>) {
        self.reports = out;
    }

    /// A handle another thread can use to interrupt this runtime's script.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        self.interrupt.clone()
    }

    /// Sends gctrace (level 1 or 2) and/or the pacer trace to `out` (`gctrace` 0 and
    /// `pacertrace` false turn telemetry off).
    pub fn set_gctrace(&mut self, gctrace: u8, pacertrace: bool, out: Box<dyn Write>) {
        let telemetry = (gctrace > 0 || pacertrace).then_some(Telemetry {
            gctrace,
            pacertrace,
            out,
        });
        self.heap.set_telemetry(telemetry);
    }

    /// A wall-clock deadline for everything this runtime runs from now on, on top of
    /// [`Config::timeout`] (which counts per `run_source`): compiling or running past it fails
    /// with "Time limit exceeded.". The CLI sets it from `--timeout` at its own start, so the
    /// limit bounds the whole process, reading the script included.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// Compiles and runs `source` to completion. Globals persist across calls, so a REPL runs
    /// each line through this.
    pub fn run_source(&mut self, source: &str) -> Result<(), LoxError> {
        self.load_source(source)?;
        self.run_program()
    }

    /// Compiles `source` and loads it as the program [`Runtime::run_program`] runs next: the
    /// first half of [`Runtime::run_source`], for a host that drops the source text before
    /// the program runs (the CLI, so that a large script's text is not held meanwhile). The
    /// time limit ([`Config::timeout`], [`Runtime::set_deadline`]) starts here: compiling
    /// counts.
    pub fn load_source(&mut self, source: &str) -> Result<(), LoxError> {
        let limit = match (self.deadline, self.config.timeout) {
            (deadline, None) => deadline,
            (None, Some(t)) => Instant::now().checked_add(t),
            (Some(d), Some(t)) => Some(Instant::now().checked_add(t).map_or(d, |e| e.min(d))),
        };
        self.limit = limit;
        let past = move || limit.is_some_and(|l| Instant::now() >= l);
        let print_code = self.print_code;
        let interrupt = self.interrupt.clone();
        let stop = || interrupt.is_set() || past();
        let compiled = self.heap.mutate_root(|mc, vm| {
            let Some(code) = compile_program_until(vm, source, &stop)? else {
                return Ok(false);
            };
            if print_code {
                let listing =
                    gclox_interp::disasm::disassemble_program(&code, &vm.env.global_names);
                let _ = vm.env.out.write_all(listing.as_bytes());
            }
            load_compiled(mc, vm, &code).map(|()| true)
        })?;
        if !compiled {
            // Stopped while compiling: no frame ran, so no stack trace.
            let message = if self.interrupt.take() {
                "Interrupted."
            } else {
                "Time limit exceeded."
            };
            self.heap.trace_event(message);
            return Err(LoxError::Runtime {
                message: message.to_string(),
                trace: Vec::new(),
            });
        }
        Ok(())
    }

    /// Runs the program [`Runtime::load_source`] loaded, to completion (or to the time limit
    /// that started when it was loaded).
    pub fn run_program(&mut self) -> Result<(), LoxError> {
        let result = self.run_loaded(self.limit);
        self.flush_output();
        result
    }

    /// The slice loop: a slice of execution, then the collector's step, until the program ends
    /// or a limit (`limit`: the time limit's instant) stops it.
    fn run_loaded(&mut self, limit: Option<Instant>) -> Result<(), LoxError> {
        let first_instruction = self.instructions();
        // An instruction limit is exact, and so are tiny slices (a collector step between any
        // two instructions is what the collector's tests ask for with them) and stress mode
        // (a collection right after every allocating instruction); other slices check their
        // budget only at backward jumps, calls and returns (`Budget`).
        let budget = if self.config.max_instructions.is_some()
            || self.config.slice_instructions <= EXACT_SLICE_MAX
            || self.config.gc.stress
        {
            Budget::Exact
        } else {
            Budget::AtControlFlow
        };
        loop {
            let executed = self.instructions() - first_instruction;
            let fuel = match self.config.max_instructions {
                Some(max) => {
                    let left = max.saturating_sub(executed);
                    if left == 0 {
                        return Err(self.fail("Instruction limit exceeded."));
                    }
                    left.min(u64::from(self.config.slice_instructions)) as u32
                }
                None => self.config.slice_instructions,
            };
            let slice_began = self.heap.tracing().then(Instant::now);
            let (end, requests, ran) = self.heap.mutate_root(|mc, vm| {
                let before = vm.env.instructions;
                let end = run_slice(mc, vm, fuel, budget);
                let ran = vm.env.instructions - before;
                (end, std::mem::take(&mut vm.env.requests), ran)
            });
            if let Some(began) = slice_began {
                self.heap.trace_mutator(began, Instant::now(), ran);
            }
            if let Some(gogc) = requests.set_gogc {
                self.heap.set_gogc(gogc);
            }
            if let Some(path) = &requests.heap_snapshot {
                self.snapshot_to_file(path);
            }
            if requests.leak_report {
                self.print_leak_report("requested by the script");
            }
            let collector_began = self.since_start_ns();
            let collected = if requests.collect {
                self.heap.collect_full(true);
                true
            } else if requests.collect_for_memory {
                self.heap.collect_full(false);
                self.heap
                    .mutate_root(|_, vm| vm.env.allocator.collected_for_reservation = true);
                true
            } else {
                self.heap.step().is_some()
            };
            if collected {
                self.note_collector_time(collector_began);
            }
            if end? == SliceEnd::Finished {
                return Ok(());
            }
            if self.out_of_memory() {
                return Err(self.fail("Out of memory."));
            }
            self.check_memlimit_report();
            if self.interrupt.take() {
                return Err(self.fail("Interrupted."));
            }
            if limit.is_some_and(|l| Instant::now() >= l) {
                return Err(self.fail("Time limit exceeded."));
            }
        }
    }

    /// Whether the script holds more than `--max-heap`: the live heap plus what the VM holds
    /// outside it (`Vm::host_bytes`: stacks, frames, globals and their names, profiler
    /// sites). Over the limit, a full collection runs first; only what it cannot free fails.
    fn out_of_memory(&mut self) -> bool {
        let Some(max) = self.config.gc.max_heap else {
            return false;
        };
        let held = |heap: &Heap<VmRoot>| {
            heap.accounting().live_bytes() + heap.mutate(|_, vm| vm.host_bytes() as u64)
        };
        if held(&self.heap) <= max {
            return false;
        }
        self.heap.collect_full(false);
        held(&self.heap) > max
    }

    /// The soft-limit leak report: printed once, the first time the live heap exceeds
    /// `memlimit`, if asked for.
    fn check_memlimit_report(&mut self) {
        let Some(limit) = self.config.gc.memlimit else {
            return;
        };
        if self.config.leak_report_on_memlimit
            && !self.memlimit_reported
            && self.heap.accounting().live_bytes() > limit
        {
            self.memlimit_reported = true;
            self.heap.trace_event("memlimit exceeded");
            self.print_leak_report("the live heap exceeded the soft memory limit");
        }
    }

    fn print_leak_report(&mut self, why: &str) {
        let report = self.leak_report(10);
        let _ = writeln!(self.reports, "gclox: leak report ({why})\n{report}");
        let _ = self.reports.flush();
    }

    fn snapshot_to_file(&mut self, path: &std::path::Path) {
        let written = std::fs::File::create(path)
            .and_then(|f| self.write_heap_snapshot(std::io::BufWriter::new(f)));
        if let Err(err) = written {
            let _ = writeln!(
                self.reports,
                "gclox: cannot write heap snapshot {}: {err}",
                path.display()
            );
        }
    }

    /// Ends the running script with a runtime error at its current instruction (recorded in
    /// the execution trace as an instant event).
    fn fail(&mut self, message: &'static str) -> LoxError {
        self.heap.trace_event(message);
        self.heap.mutate_root(|mc, vm| vm.fail(mc, message))
    }

    /// A `Send + Sync` handle that reads this runtime's latest heap statistics from any thread
    /// while scripts run (published after every collector step, lock-free).
    pub fn monitor(&mut self) -> gclox_gc::Monitor {
        self.heap.monitor()
    }

    /// The heap profile so far (Go-compatible pprof data), or `None` when sampling is off
    /// (`VmConfig::memprofile_rate` 0). In-use figures are as of the last completed cycle.
    pub fn heap_profile(&self) -> Option<gclox_gc::pprof::HeapProfile> {
        self.heap
            .mutate(|_, vm| gclox_interp::profile::heap_profile(&vm.env))
    }

    /// The live object graph, walked from the roots now.
    pub fn heap_graph(&self) -> gclox_gc::snapshot::HeapGraph {
        self.heap
            .mutate(|_, vm| gclox_interp::profile::heap_graph(vm))
    }

    /// The live object graph if walking it fits under `--max-heap` beside what the script
    /// holds (an error of kind `OutOfMemory` otherwise) and ends before `deadline` (kind
    /// `TimedOut` otherwise): what a host bounding its outputs uses (the CLI's snapshot and
    /// leak report, under `--timeout`).
    pub fn bounded_heap_graph(
        &self,
        deadline: Option<Instant>,
    ) -> std::io::Result<gclox_gc::snapshot::HeapGraph> {
        let stop = || deadline.is_some_and(|d| Instant::now() >= d);
        self.heap
            .mutate(|_, vm| gclox_interp::profile::bounded_heap_graph(vm, &stop))
            .map_err(|end| match end {
                gclox_interp::heap_walk::WalkEnd::TooLarge { bytes } => std::io::Error::new(
                    std::io::ErrorKind::OutOfMemory,
                    format!(
                        "Out of memory. (the heap graph needs more than {bytes} bytes, over \
                         what --max-heap leaves)"
                    ),
                ),
                gclox_interp::heap_walk::WalkEnd::Stopped => std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "cut short: the --timeout deadline passed",
                ),
            })
    }

    /// A text leak report of the live heap now: top retainers by retained size with their
    /// shortest paths from a root (see `gclox_gc::snapshot`).
    pub fn leak_report(&self, top: usize) -> String {
        match self.bounded_heap_graph(None) {
            Ok(graph) => leak_report_of(&graph, top),
            Err(err) => format!("  not made: {err}\n"),
        }
    }

    /// Writes a heap snapshot of the live heap now in V8's `.heapsnapshot` format (Chrome
    /// DevTools' Memory tab opens it).
    pub fn write_heap_snapshot(&self, w: impl Write) -> std::io::Result<()> {
        let graph = self.bounded_heap_graph(None)?;
        let analysis = gclox_gc::snapshot::Analysis::new(&graph);
        gclox_gc::snapshot::write_v8_heapsnapshot(&graph, Some(&analysis), w)
    }

    /// Starts recording an execution trace of at most `max_events` events (see
    /// `gclox_gc::trace`); write it with [`Runtime::write_trace`].
    pub fn enable_trace(&mut self, max_events: usize) {
        let name = format!("gclox {}", self.config.vm.script_name);
        self.heap.enable_trace(max_events, &name);
    }

    /// Starts an execution trace of at most `max_events` events that a writer thread
    /// serializes to `w` as the script runs, so memory stays small however long the run (the
    /// CLI's `--trace`). End it with [`Runtime::finish_trace`]; dropping the runtime ends it
    /// too, without reporting errors.
    pub fn stream_trace(
        &mut self,
        max_events: usize,
        w: impl Write + Send + 'static,
    ) -> std::io::Result<()> {
        let name = format!("gclox {}", self.config.vm.script_name);
        self.heap.stream_trace(max_events, &name, Box::new(w))
    }

    /// Events a streamed trace dropped so far because its writer thread fell behind (a pipe
    /// nobody reads): the backlog is bounded, see `gclox_gc::trace`.
    pub fn trace_lagged(&self) -> u64 {
        self.heap.trace().map_or(0, |t| t.lagged())
    }

    /// Ends a trace started by [`Runtime::stream_trace`]: writes its last events and the end
    /// of the file, waits for the writer and returns its first I/O error. Does nothing for a
    /// trace kept in memory ([`Runtime::enable_trace`]) or when tracing is off.
    pub fn finish_trace(&mut self) -> std::io::Result<()> {
        self.heap.finish_trace()
    }

    /// Writes the execution trace recorded so far as Chrome Trace Event JSON. Does nothing if
    /// tracing is off; an error for a streamed trace (its writer thread writes it).
    pub fn write_trace(&self, w: impl Write) -> std::io::Result<()> {
        match self.heap.trace() {
            Some(trace) => trace.write_json(w),
            None => Ok(()),
        }
    }

    /// Instructions executed by this runtime so far.
    pub fn instructions(&self) -> u64 {
        self.heap.mutate(|_, vm| vm.env.instructions)
    }

    /// Flushes the program's output sink.
    pub fn flush_output(&mut self) {
        self.heap.mutate_root(|_, vm| {
            let _ = vm.env.out.flush();
        });
    }

    /// Runs a complete collection now (finishing any cycle in progress first).
    pub fn collect_full(&mut self) {
        let began = self.since_start_ns();
        self.heap.collect_full(true);
        self.note_collector_time(began);
    }

    /// Nanoseconds since the heap started.
    fn since_start_ns(&self) -> u64 {
        u64::try_from(self.heap.start().elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Feeds the MMU tracker the interval from `began` to now, when it is on.
    fn note_collector_time(&mut self, began: u64) {
        if self.mmu.is_some() {
            let now = self.since_start_ns();
            if let Some(mmu) = self.mmu.as_mut() {
                mmu.pause(began, now);
            }
        }
    }

    /// Tracks minimum mutator utilization at [`isolates::MMU_WINDOWS_NS`] (1, 10, 100 ms) from
    /// now on, in memory bounded by the collector calls of the longest window (not of the
    /// run; [`Runtime::record_steps`] keeps every step). Each interval is measured from the
    /// runtime's side — from the call of a collector step or full collection to its return,
    /// the heap's bookkeeping after the step included — so it can read a little lower than
    /// the same figure computed from the step log. Read it with [`Runtime::mmu`].
    pub fn track_mmu(&mut self) {
        self.mmu
            .get_or_insert_with(|| gclox_gc::mmu::OnlineMmu::new(&isolates::MMU_WINDOWS_NS));
    }

    /// MMU at 1, 10 and 100 ms over the runtime's life so far (`None` for a window longer
    /// than that, or when [`Runtime::track_mmu`] was not called).
    pub fn mmu(&self) -> [Option<f64>; 3] {
        match &self.mmu {
            Some(m) => {
                let v = m.mmu(self.since_start_ns());
                [v[0], v[1], v[2]]
            }
            None => [None; 3],
        }
    }

    /// Calls `observer` with the record of every collection cycle that completes from now on.
    pub fn on_cycle(&mut self, observer: impl FnMut(&CycleRecord) + 'static) {
        self.heap.set_cycle_observer(Some(Box::new(observer)));
    }

    /// Installs a probe telling how many bytes the process holds on this runtime's behalf, for
    /// the memory limit (see `Heap::set_memory_probe`). The CLI installs
    /// [`rss::resident_probe`]; a process running several runtimes should not.
    pub fn set_memory_probe(&mut self, probe: Option<gclox_gc::MemoryProbe>) {
        self.heap.set_memory_probe(probe);
    }

    /// The collector's phase now (a cycle counts in `NumGC` once it is sweeping).
    pub fn phase(&self) -> gclox_gc::gc_arena::arena::CollectionPhase {
        self.heap.phase()
    }

    /// Keeps a record of every collector step from now on (for MMU and the run report): wall
    /// times only ([`gclox_gc::Heap::record_steps`]).
    pub fn record_steps(&mut self) {
        self.heap.record_steps();
    }

    /// As [`Runtime::record_steps`], with each step's thread CPU time and kernel events, at
    /// four system calls per step ([`gclox_gc::Heap::record_step_usage`]).
    pub fn record_step_usage(&mut self) {
        self.heap.record_step_usage();
    }

    /// The collector steps recorded since [`Runtime::record_steps`].
    pub fn step_log(&self) -> &[gclox_gc::StepRecord] {
        self.heap.step_log()
    }

    /// Time since this runtime's heap started: the origin of every telemetry timestamp.
    pub fn uptime(&self) -> Duration {
        self.heap.start().elapsed()
    }

    /// A snapshot of the heap's counters.
    pub fn stats(&self) -> HeapStats {
        let accounting = self.heap.accounting();
        HeapStats {
            live_objects: accounting.live_objects(),
            live_bytes: accounting.live_bytes(),
            allocated_objects: accounting.mallocs(),
            freed_objects: accounting.frees(),
            allocated_bytes: accounting.total_alloc(),
            arena_objects: self.heap.arena_objects(),
            interned_strings: self.heap.mutate(|_, vm| vm.env.strings.borrow().len()),
            gc: self.heap.totals().clone(),
        }
    }

    /// Go-named heap and collector statistics (Go's `runtime.ReadMemStats`).
    pub fn memstats(&self) -> MemStats {
        self.heap.memstats()
    }

    /// Sets gogc (`None`: off) and returns the previous value (Go's `debug.SetGCPercent`).
    pub fn set_gogc(&mut self, gogc: Option<u32>) -> Option<u32> {
        self.heap.set_gogc(gogc)
    }
}

/// The leak report of [`Runtime::leak_report`] from a graph already walked (plain data: a
/// host may analyse it on another thread, as the CLI does to bound it by `--timeout`).
pub fn leak_report_of(graph: &gclox_gc::snapshot::HeapGraph, top: usize) -> String {
    let analysis = gclox_gc::snapshot::Analysis::new(graph);
    let mut report = analysis.leak_report(graph, top);
    report.push_str(&report::survivors::survivors_by_site(
        graph,
        &analysis,
        top.min(5),
    ));
    report
}
