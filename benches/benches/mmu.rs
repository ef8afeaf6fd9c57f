//! Minimum mutator utilization (`gclox_gc::mmu`) over a long run's worth of collector steps:
//! what a run report spends on its MMU figures after the program has finished.
//!
//! - `mmu/curve`: the report's curve, window lengths from 10 µs to the run's length at 8 per
//!   decade (`log_windows`), over 700 000 pauses — about a 10 s binary_trees_17 run's steps.
//! - `mmu/window/W`: one window length, the three of `--stats` and the report's summary.
//!
//! The pauses are synthetic and deterministic: bursts of 1–8 µs steps 1–12 µs apart (a cycle
//! marking), with a quiet stretch of 1–50 ms about every 1 000 steps.
//!
//! ```text
//! cargo bench -p gclox-benches --bench mmu
//! ```

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use gclox_gc::mmu::{log_windows, Pauses};

/// Pauses like a long incremental run's: see the module comment.
fn run_like_pauses(count: usize) -> Pauses {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut below = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut spans = Vec::with_capacity(count);
    let mut t = 0;
    while spans.len() < count {
        if below(1_000) == 0 {
            t += 1_000_000 + below(49_000_000);
        }
        let length = 1_000 + below(7_000);
        spans.push((t, t + length));
        t += length + 1_000 + below(11_000);
    }
    Pauses::new(spans, t + 1_000_000)
}

fn mmu(c: &mut Criterion) {
    let pauses = run_like_pauses(700_000);
    let windows = log_windows(10_000, pauses.run(), 8);
    let mut group = c.benchmark_group("mmu");
    group.sample_size(10);
    group.bench_function("curve", |b| b.iter(|| pauses.curve(&windows)));
    for (name, window) in [
        ("1ms", 1_000_000),
        ("10ms", 10_000_000),
        ("100ms", 100_000_000),
    ] {
        group.bench_with_input(BenchmarkId::new("window", name), &window, |b, &w| {
            b.iter(|| pauses.mmu(w))
        });
    }
    group.finish();
}

criterion_group!(benches, mmu);
criterion_main!(benches);
