//! `clox`: the collector of *Crafting Interpreters*' clox (`memory.c`).
//!
//! # Model
//!
//! ```text
//! next_gc = 1 MiB                          initially (clox: vm.nextGC = 1024 * 1024)
//! a cycle runs whole, stopping the world, when the heap reaches next_gc
//! next_gc = live × (1 + gogc/100)          after it (clox: GC_HEAP_GROW_FACTOR 2, gogc 100)
//! ```
//!
//! gogc stands in for the growth factor so one flag tunes every policy; `off` disables the
//! growth goal (only a memory limit then starts cycles). Nothing is learned.

use super::{CycleOutcome, GcConfig, HeapState, PacerKind, Policy};

/// clox's initial `nextGC`.
const INITIAL_NEXT_GC: u64 = 1 << 20;

#[derive(Debug)]
pub struct Clox;

impl Policy for Clox {
    fn kind(&self) -> PacerKind {
        PacerKind::Clox
    }

    fn goal(&self, config: &GcConfig, s: &HeapState) -> u64 {
        let Some(gogc) = config.gogc else {
            return u64::MAX;
        };
        let min = config.min_heap.unwrap_or(INITIAL_NEXT_GC);
        if s.heap_marked == 0 {
            return min;
        }
        (s.heap_marked + s.heap_marked * u64::from(gogc) / 100).max(config.min_heap.unwrap_or(0))
    }

    fn trigger(&self, _config: &GcConfig, _s: &HeapState, goal: u64) -> u64 {
        goal
    }

    fn learn(&mut self, _outcome: &CycleOutcome) {}

    fn whole_cycles(&self) -> bool {
        true
    }

    fn goal_utilization(&self) -> u32 {
        100
    }
}
