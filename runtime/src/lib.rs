//! `gclox-runtime`: the embedding API. A [`Runtime`] owns one arena (one isolated Lox heap) and
//! runs programs on it in slices, stepping the collector between slices.
//!
//! ```
//! use gclox_runtime::{Config, Runtime, sink::Captured};
//! let out = Captured::new();
//! let mut rt = Runtime::new(Config::default(), out.writer());
//! rt.run_source("var a = 1; print a + 1;").unwrap();
//! assert_eq!(out.text(), "2\n");
//! ```

#![forbid(unsafe_code)]

pub mod isolates;
pub mod sink;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gc_arena::Rootable;
use gclox_gc::{CycleRecord, GcConfig, GcTotals, Heap, MemStats, Telemetry};
use gclox_interp::{load_program, run_slice, LoxError, SliceEnd, Vm, VmConfig};

pub use gclox_interp::error::{EXIT_COMPILE_ERROR, EXIT_RUNTIME_ERROR};

/// The arena root type of a runtime: the whole VM.
pub type VmRoot = Rootable![Vm<'_>];

/// How a runtime executes and collects.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub vm: VmConfig,
    pub gc: GcConfig,
    /// Instructions a slice may execute before it yields to the collector.
    pub slice_instructions: u32,
    /// Most instructions one `run_source` may execute ("Instruction limit exceeded.").
    pub max_instructions: Option<u64>,
    /// Most wall time one `run_source` may take ("Time limit exceeded."), checked between
    /// slices.
    pub timeout: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            vm: VmConfig::default(),
            gc: GcConfig::default(),
            slice_instructions: 1024,
            max_instructions: None,
            timeout: None,
        }
    }
}

/// Stops a running script from another thread: the script fails with `Interrupted.` at its
/// next slice boundary (within `slice_instructions` instructions). `Send + Sync + Clone`.
#[derive(Debug, Clone, Default)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// Asks the runtime to stop the script it is running (or the next one it runs).
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Consumes a pending interrupt.
    fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }
}

/// Counters describing a runtime's heap right now.
#[derive(Debug, Clone, Default)]
pub struct HeapStats {
    /// Live gc-arena objects (allocated, not yet freed).
    pub live_objects: usize,
    /// Script objects allocated since the runtime started.
    pub allocated_objects: u64,
    /// Bytes of script objects allocated since the runtime started.
    pub allocated_bytes: u64,
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
}

impl Runtime {
    /// A fresh runtime whose `print` output goes to `out`.
    pub fn new(config: Config, out: Box<dyn Write>) -> Self {
        let mut vm_config = config.vm.clone();
        if config.gc.stress {
            // Every allocating instruction ends its slice; the heap then collects fully.
            vm_config.slice_alloc_bytes = 1;
        }
        let max_heap = config.gc.max_heap;
        let heap = Heap::new(config.gc.clone(), move |mc, accounting, stats| {
            Vm::new(mc, vm_config, out, accounting, stats, max_heap)
        });
        Runtime {
            heap,
            config,
            interrupt: InterruptHandle::default(),
        }
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

    /// Compiles and runs `source` to completion. Globals persist across calls, so a REPL runs
    /// each line through this.
    pub fn run_source(&mut self, source: &str) -> Result<(), LoxError> {
        self.heap
            .mutate_root(|mc, vm| load_program(mc, vm, source))?;
        let result = self.run_loaded();
        self.flush_output();
        result
    }

    /// The slice loop: a slice of execution, then the collector's step, until the program ends
    /// or a limit stops it.
    fn run_loaded(&mut self) -> Result<(), LoxError> {
        let started = Instant::now();
        let first_instruction = self.instructions();
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
            let (end, requests) = self.heap.mutate_root(|mc, vm| {
                let end = run_slice(mc, vm, fuel);
                (end, std::mem::take(&mut vm.env.requests))
            });
            if let Some(gogc) = requests.set_gogc {
                self.heap.set_gogc(gogc);
            }
            if requests.collect {
                self.heap.collect_full(true);
            } else if requests.collect_for_memory {
                self.heap.collect_full(false);
                self.heap
                    .mutate_root(|_, vm| vm.env.alloc.collected_for_reservation = true);
            } else {
                self.heap.step();
            }
            if end? == SliceEnd::Finished {
                return Ok(());
            }
            if self.heap.over_max_heap() {
                return Err(self.fail("Out of memory."));
            }
            if self.interrupt.take() {
                return Err(self.fail("Interrupted."));
            }
            if self.config.timeout.is_some_and(|t| started.elapsed() > t) {
                return Err(self.fail("Time limit exceeded."));
            }
        }
    }

    /// Ends the running script with a runtime error at its current instruction.
    fn fail(&mut self, message: &str) -> LoxError {
        self.heap.mutate_root(|_, vm| vm.fail(message))
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
        self.heap.collect_full(true);
    }

    /// Calls `observer` with the record of every collection cycle that completes from now on.
    pub fn on_cycle(&mut self, observer: impl FnMut(&CycleRecord) + 'static) {
        self.heap.set_cycle_observer(Some(Box::new(observer)));
    }

    /// A snapshot of the heap's counters.
    pub fn stats(&self) -> HeapStats {
        let accounting = self.heap.accounting();
        HeapStats {
            live_objects: self.heap.arena_objects(),
            allocated_objects: accounting.mallocs(),
            allocated_bytes: accounting.total_alloc(),
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
