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

pub mod sink;

use std::io::Write;

use gc_arena::Rootable;
use gclox_gc::{CycleRecord, GcTotals, Heap};
use gclox_interp::{load_program, run_slice, LoxError, SliceEnd, Vm, VmConfig};

pub use gclox_interp::error::{EXIT_COMPILE_ERROR, EXIT_RUNTIME_ERROR};

/// The arena root type of a runtime: the whole VM.
pub type VmRoot = Rootable![Vm<'_>];

/// How a runtime executes and collects.
#[derive(Debug, Clone)]
pub struct Config {
    pub vm: VmConfig,
    /// Instructions a slice may execute before it yields to the collector.
    pub slice_instructions: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            vm: VmConfig::default(),
            slice_instructions: 1024,
        }
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
}

impl Runtime {
    /// A fresh runtime whose `print` output goes to `out`.
    pub fn new(config: Config, out: Box<dyn Write>) -> Self {
        let vm_config = config.vm.clone();
        let heap = Heap::new(move |mc| Vm::new(mc, vm_config, out));
        Runtime { heap, config }
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

    /// The slice loop: a slice of execution, then the collector's step, until the program ends.
    fn run_loaded(&mut self) -> Result<(), LoxError> {
        let fuel = self.config.slice_instructions;
        loop {
            let (end, collect) = self.heap.mutate_root(|mc, vm| {
                let end = run_slice(mc, vm, fuel);
                (end, std::mem::take(&mut vm.env.requests.collect))
            });
            if collect {
                self.heap.collect_full(true);
            } else {
                self.heap.step();
            }
            match end? {
                SliceEnd::Finished => return Ok(()),
                SliceEnd::Yielded => {}
            }
        }
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
        let (allocated_objects, allocated_bytes, interned_strings) = self.heap.mutate(|_, vm| {
            (
                vm.env.alloc.objects,
                vm.env.alloc.bytes,
                vm.env.strings.borrow().len(),
            )
        });
        HeapStats {
            live_objects: self.heap.live_objects(),
            allocated_objects,
            allocated_bytes,
            interned_strings,
            gc: self.heap.totals().clone(),
        }
    }
}
