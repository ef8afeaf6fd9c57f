//! Interpreter benchmarks: each iteration runs one Lox program from `lox/interpreter/` to
//! completion in a fresh runtime with the default configuration (compile, run, and whatever
//! collection the program's allocation triggers), output captured in memory.
//!
//! ```text
//! cargo bench -p gclox-benches --bench interpreter [-- FILTER]
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use gclox_benches::programs::PROGRAMS;

#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

fn interpreter(c: &mut Criterion) {
    let mut group = c.benchmark_group("interpreter");
    // Each program runs 40–100 ms: 20 samples in 4 s keeps the suite near half a minute.
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for program in PROGRAMS {
        // Checked before timing: a program that computes the wrong thing measures nothing.
        assert_eq!(program.run(), program.expected(), "{}", program.name);
        group.bench_function(program.name, |b| b.iter(|| black_box(program.run())));
    }
    group.finish();
}

criterion_group!(benches, interpreter);
criterion_main!(benches);
