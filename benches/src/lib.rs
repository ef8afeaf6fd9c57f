//! Helpers shared by the criterion benchmarks in `benches/`.

#![forbid(unsafe_code)]
