//! Collector benchmarks on graphs that Lox code builds (`gclox_benches::graph`):
//!
//! - `mark/N`: marking an all-live graph of N objects — from the start of a forced full
//!   collection to the end of marking (root scan, tracing, finalization), read from the
//!   cycle's record. Throughput: objects and bytes marked per second.
//! - `full_cycle/N`: the whole forced collection of the same all-live heap, wall time (the
//!   sweep frees nothing but still visits every object).
//! - `sweep/N`: sweeping N dead objects — from the end of marking to the end of a forced
//!   collection run right after a graph of N objects was dropped (marking is then tiny).
//!   Throughput: objects and bytes freed per second. Each iteration rebuilds the garbage
//!   untimed, so this group takes several times its measurement time.
//! - `step/B`: mean collector step (pause) with step budget B while a program churns over a
//!   10^5-object live graph at gogc 25; each iteration is one step. The p50/p99/max pauses
//!   of each budget's whole run (graph building included) are printed after the group.
//!
//! N is 10^4, 10^5, 10^6; `GCLOX_BENCH_BIG=1` adds 10^7 (about 2 GB and minutes to build).
//!
//! ```text
//! cargo bench -p gclox-benches --bench collector [-- mark|full_cycle|sweep|step]
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use gclox_benches::graph::{mark_time, sizes, sweep_time, GraphHeap};
use gclox_gc::MemStats;
use gclox_runtime::Config;

#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

/// Collections of large heaps take milliseconds to seconds: few samples, flat sampling.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
}

/// Objects and bytes of a heap holding a graph of `nodes` nodes, from two small heaps: every
/// node has the same footprint, so the heap grows linearly. Lets a group state its throughput
/// before the (lazily built) big heap exists.
struct Footprint {
    base_objects: u64,
    base_bytes: u64,
    node_bytes: u64,
}

impl Footprint {
    fn measure() -> Self {
        const PROBE: u64 = 10_000;
        let mut heap = GraphHeap::without_automatic_gc();
        heap.collect();
        let empty = heap.memstats();
        heap.keep_live(PROBE);
        let full = heap.memstats();
        Footprint {
            base_objects: empty.heap_objects,
            base_bytes: empty.heap_alloc,
            node_bytes: (full.heap_alloc - empty.heap_alloc) / PROBE,
        }
    }

    /// A live heap with a graph of `nodes`: everything marking traces.
    fn live(&self, nodes: u64) -> Throughput {
        Throughput::ElementsAndBytes {
            elements: self.base_objects + nodes,
            bytes: self.base_bytes + nodes * self.node_bytes,
        }
    }

    /// A dropped graph of `nodes`: everything the sweep frees.
    fn garbage(&self, nodes: u64) -> Throughput {
        Throughput::ElementsAndBytes {
            elements: nodes,
            bytes: nodes * self.node_bytes,
        }
    }
}

fn live_heap(nodes: u64) -> GraphHeap {
    let mut heap = GraphHeap::without_automatic_gc();
    heap.keep_live(nodes);
    heap
}

fn mark_and_full_cycle(c: &mut Criterion) {
    let footprint = Footprint::measure();
    // Built on first use, so a filtered run does not build graphs it does not time.
    let mut heaps: BTreeMap<u64, GraphHeap> = BTreeMap::new();

    let mut group = c.benchmark_group("mark");
    configure(&mut group);
    for nodes in sizes() {
        group.throughput(footprint.live(nodes));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &nodes, |b, &n| {
            let heap = heaps.entry(n).or_insert_with(|| live_heap(n));
            b.iter_custom(|iters| (0..iters).map(|_| mark_time(&heap.collect())).sum());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("full_cycle");
    configure(&mut group);
    for nodes in sizes() {
        group.throughput(footprint.live(nodes));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &nodes, |b, &n| {
            let heap = heaps.entry(n).or_insert_with(|| live_heap(n));
            b.iter(|| heap.collect());
        });
    }
    group.finish();
}

fn sweep(c: &mut Criterion) {
    let footprint = Footprint::measure();
    let mut heap = GraphHeap::without_automatic_gc();
    let mut group = c.benchmark_group("sweep");
    configure(&mut group);
    // Timed: 10 × ~20 ms at 10^6; untimed rebuilds cost ~10× that.
    group.measurement_time(Duration::from_secs(1));
    for nodes in sizes() {
        group.throughput(footprint.garbage(nodes));
        group.bench_with_input(BenchmarkId::from_parameter(nodes), &nodes, |b, &n| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    heap.make_garbage(n);
                    total += sweep_time(&heap.collect());
                }
                total
            });
        });
    }
    group.finish();
}

/// Step budgets to compare (work units, objects traced or swept per step).
const BUDGETS: [u64; 4] = [256, 1024, 4096, 16384];
/// The live graph the churn runs over.
const STEP_LIVE: u64 = 100_000;
/// A low gogc leaves little runway, so the pacer asks for more work per step than the smaller
/// budgets allow: the budget, not the pacer, sets the step size (at gogc 100 most steps stay
/// under 256 objects and every budget looks alike).
const STEP_GOGC: u32 = 25;
/// Nodes each churn call allocates (twice as many objects).
const CHURN_CHUNK: &str = "churn(1000);";

fn step_latency(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    configure(&mut group);
    let mut summaries: Vec<(u64, MemStats)> = Vec::new();
    for budget in BUDGETS {
        let mut heap: Option<GraphHeap> = None;
        group.bench_with_input(
            BenchmarkId::from_parameter(budget),
            &budget,
            |b, &budget| {
                let heap = heap.get_or_insert_with(|| {
                    let mut config = Config::default();
                    config.gc.step_budget = budget;
                    config.gc.gogc = Some(STEP_GOGC);
                    let mut heap = GraphHeap::new(config);
                    // Built under the same budget (no forced collection, whose single long step
                    // would be every summary's maximum).
                    heap.run(&format!("live = build({STEP_LIVE});"));
                    heap
                });
                b.iter_custom(|iters| mean_steps(heap, iters));
            },
        );
        if let Some(heap) = heap {
            summaries.push((budget, heap.memstats()));
        }
    }
    group.finish();
    for (budget, m) in summaries {
        eprintln!(
            "step/{budget}: {} pauses, p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            m.num_pauses,
            m.pause_p50_ns as f64 / 1e3,
            m.pause_p99_ns as f64 / 1e3,
            m.pause_max_ns as f64 / 1e3
        );
    }
}

/// Churns until the collector has taken at least `steps` steps; returns the time those steps
/// took, scaled to exactly `steps` (the mutator's time in between is not counted).
fn mean_steps(heap: &mut GraphHeap, steps: u64) -> Duration {
    let before = heap.memstats();
    loop {
        heap.run(CHURN_CHUNK);
        let now = heap.memstats();
        let taken = now.num_pauses - before.num_pauses;
        if taken >= steps {
            let ns = u128::from(now.pause_total_ns - before.pause_total_ns) * u128::from(steps)
                / u128::from(taken);
            return Duration::from_nanos(u64::try_from(ns).unwrap_or(u64::MAX));
        }
    }
}

criterion_group!(benches, mark_and_full_cycle, sweep, step_latency);
criterion_main!(benches);
