//! Helpers shared by the criterion benchmarks in `benches/`: the Lox programs the interpreter
//! benchmarks run ([`programs`]) and runtimes holding graphs of a known size for the collector
//! benchmarks ([`graph`]).
//!
//! ```text
//! cargo bench -p gclox-benches                      # both suites (a few minutes)
//! cargo bench -p gclox-benches --bench collector -- mark
//! GCLOX_BENCH_BIG=1 cargo bench -p gclox-benches --bench collector   # adds 10^7-object graphs
//! ```

#![forbid(unsafe_code)]

pub mod graph;
pub mod programs;

/// The lines of a program's `// expect: ` comments, each newline-terminated: its output.
pub fn expected_output(source: &str) -> String {
    source
        .lines()
        .filter_map(|line| line.split("// expect: ").nth(1))
        .map(|expect| format!("{}\n", expect.trim_end()))
        .collect()
}
