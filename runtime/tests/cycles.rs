//! Cycles are collected — proven, not assumed.
//!
//! Runs the cycle-heavy programs in `tests/cycles/` through the embedding API, sampling the
//! runtime's own live-object count at the start of every collection cycle (the high-water mark
//! of each cycle: everything allocated since the last one is still there). Each program's
//! structures are at most a few hundred objects big and become garbage every round, so the
//! live heap must stay flat however much the program allocates; together the programs
//! allocate more than 1 GB. The deliberately leaking program must show the opposite, or
//! these assertions could not fail.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use gclox_runtime::{sink::Captured, Config, Runtime};

/// The most live objects any cycle-heavy program may ever have: its largest round's structure
/// is ~300 objects plus ~100 for the program itself, so this allows ~10× the working set.
/// The runs use a 64 KiB minimum heap (instead of Go's 4 MiB default) so that the goal is set
/// by gogc over the live set, not by the floor.
const FLAT_LIVE_LIMIT: u64 = 4_000;

struct Run {
    /// Live objects at the start of each cycle.
    live_samples: Vec<u64>,
    allocated_bytes: u64,
    output: String,
    expected: String,
}

fn run(name: &str) -> Run {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/cycles")
        .join(name);
    let source = std::fs::read_to_string(&path).expect("cycle program exists");
    let expected: String = source
        .lines()
        .filter_map(|l| l.split("// expect: ").nth(1))
        .map(|e| format!("{e}\n"))
        .collect();
    let out = Captured::new();
    let mut config = Config::default();
    config.gc.min_heap = Some(64 << 10);
    // Slices that may allocate 64 KiB (the default) could each double such a heap before the
    // collector steps; 8 KiB keeps the overshoot a small part of it, as the default slice is
    // of the default 4 MiB heap.
    config.vm.slice_alloc_bytes = 8 << 10;
    let mut runtime = Runtime::new(config, out.writer());
    let samples = Rc::new(RefCell::new(Vec::new()));
    let sink = samples.clone();
    runtime.on_cycle(move |cycle| sink.borrow_mut().push(cycle.objects_before));
    runtime.run_source(&source).expect("program runs");
    let stats = runtime.stats();
    let mut live_samples = samples.borrow().clone();
    // The last sample: live objects when the program ended.
    live_samples.push(runtime.memstats().heap_objects);
    Run {
        live_samples,
        allocated_bytes: stats.allocated_bytes,
        output: out.text(),
        expected,
    }
}

const CYCLIC: [&str; 5] = [
    "closure_instance.lox",
    "ring.lox",
    "doubly_linked.lox",
    "bound_self.lox",
    "class_upvalue.lox",
];

#[test]
fn cyclic_garbage_keeps_the_live_heap_flat() {
    let mut total_allocated = 0;
    for name in CYCLIC {
        let run = run(name);
        assert_eq!(run.output, run.expected, "{name}: output");
        assert!(
            run.live_samples.len() > 100,
            "{name}: only {} collection cycles ran",
            run.live_samples.len()
        );
        let peak = run.live_samples.iter().copied().max().unwrap_or(0);
        assert!(
            peak <= FLAT_LIVE_LIMIT,
            "{name}: live objects reached {peak} (limit {FLAT_LIVE_LIMIT})"
        );
        total_allocated += run.allocated_bytes;
    }
    assert!(
        total_allocated >= 1 << 30,
        "the cycle programs allocated only {total_allocated} bytes"
    );
}

#[test]
fn a_leaking_registry_grows_the_live_heap() {
    let run = run("leak.lox");
    assert_eq!(run.output, run.expected);
    let samples = &run.live_samples;
    assert!(samples.len() >= 3, "too few cycles: {samples:?}");
    let last = *samples.last().expect("non-empty");
    assert!(
        last > 50 * FLAT_LIVE_LIMIT,
        "the leak held only {last} live objects: {samples:?}"
    );
    assert!(
        samples.windows(2).all(|w| w[1] >= w[0]),
        "a leak's live heap never shrinks: {samples:?}"
    );
}
