//! A runtime holding a graph of a known number of objects, for the collector benchmarks.
//!
//! The graph is built by Lox code (`lox/collector/graph.lox`), so it is exactly what a program
//! makes. Timings come from the collector's own cycle records: a forced full collection
//! ([`Runtime::collect_full`]) is one step whose record says when marking ended, so its
//! mark and sweep phases can be timed apart.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use gclox_gc::{CycleRecord, MemStats};
use gclox_runtime::{sink::Captured, Config, Runtime};

const GRAPH_LOX: &str = include_str!("../lox/collector/graph.lox");

/// Whether `GCLOX_BENCH_BIG=1` asks for the 10^7-object graphs (≈ 2 GB, minutes to build).
pub fn big_enabled() -> bool {
    std::env::var("GCLOX_BENCH_BIG").is_ok_and(|v| v == "1")
}

/// Graph sizes, in nodes (one collector object each): 10^4..10^6, plus 10^7 when enabled.
pub fn sizes() -> Vec<u64> {
    let mut sizes = vec![10_000, 100_000, 1_000_000];
    if big_enabled() {
        sizes.push(10_000_000);
    }
    sizes
}

/// A runtime with `graph.lox` loaded, recording the last completed cycle.
pub struct GraphHeap {
    runtime: Runtime,
    last_cycle: Rc<RefCell<Option<CycleRecord>>>,
}

impl GraphHeap {
    pub fn new(config: Config) -> Self {
        let mut runtime = Runtime::new(config, Captured::new().writer());
        let last_cycle = Rc::new(RefCell::new(None));
        let sink = last_cycle.clone();
        runtime.on_cycle(move |cycle| *sink.borrow_mut() = Some(cycle.clone()));
        let mut heap = GraphHeap {
            runtime,
            last_cycle,
        };
        heap.run(GRAPH_LOX);
        heap
    }

    /// A heap whose collector never starts a cycle by itself (gogc off, no limit), so only
    /// [`GraphHeap::collect`] collects: built garbage stays until then.
    pub fn without_automatic_gc() -> Self {
        let mut config = Config::default();
        config.gc.gogc = None;
        Self::new(config)
    }

    /// Runs Lox code in this runtime; an error is a broken benchmark, so it panics.
    pub fn run(&mut self, source: &str) {
        if let Err(e) = self.runtime.run_source(source) {
            panic!("benchmark Lox code failed:\n{e}");
        }
    }

    /// Makes a graph of `nodes` objects the live set (replacing the previous one), then
    /// collects fully so the heap holds only live objects.
    pub fn keep_live(&mut self, nodes: u64) {
        self.run(&format!("live = nil; live = build({nodes});"));
        self.collect();
    }

    /// Builds a graph of `nodes` objects and drops it: garbage for the next collection.
    pub fn make_garbage(&mut self, nodes: u64) {
        self.run(&format!("build({nodes});"));
    }

    /// A full collection now; returns its record.
    pub fn collect(&mut self) -> CycleRecord {
        self.runtime.collect_full();
        self.last_cycle
            .borrow()
            .clone()
            .expect("a full collection completes a cycle")
    }

    pub fn memstats(&self) -> MemStats {
        self.runtime.memstats()
    }
}

/// Time from a cycle's start to the end of marking (root scan, tracing, finalization).
pub fn mark_time(cycle: &CycleRecord) -> Duration {
    cycle.mark_end.saturating_sub(cycle.start)
}

/// Time from the end of marking to the end of the cycle: the sweep.
pub fn sweep_time(cycle: &CycleRecord) -> Duration {
    cycle.end.saturating_sub(cycle.mark_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_graph_has_the_objects_it_was_built_with_and_survives() {
        let mut heap = GraphHeap::without_automatic_gc();
        heap.collect();
        let before = heap.memstats().heap_objects;
        heap.keep_live(10_000);
        let live = heap.memstats().heap_objects;
        assert_eq!(live, before + 10_000, "{before} -> {live}");
        let cycle = heap.collect();
        assert_eq!(cycle.objects_freed, 0);
        assert!(cycle.mark_end >= cycle.start && cycle.end >= cycle.mark_end);
    }

    #[test]
    fn garbage_is_freed_by_the_next_collection_only() {
        let mut heap = GraphHeap::without_automatic_gc();
        heap.collect();
        let base = heap.memstats().heap_objects;
        heap.make_garbage(10_000);
        assert!(heap.memstats().heap_objects >= base + 10_000);
        let first = heap.collect();
        // The heap profiler (on by default) references a few sampled objects weakly, which
        // keeps their memory allocated until the following collection.
        let second = heap.collect();
        assert!(first.objects_freed >= 9_900, "{}", first.objects_freed);
        assert!(
            first.objects_freed + second.objects_freed >= 10_000,
            "{} + {}",
            first.objects_freed,
            second.objects_freed
        );
        assert_eq!(heap.memstats().heap_objects, base);
    }
}
