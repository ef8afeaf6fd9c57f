//! The parameter sweep behind the `sweep` binary: runs workloads × gogc × modes × step
//! budgets × repetitions in parallel isolates and writes, into one folder:
//!
//! - `runs.csv`: one row per run, settings and measurements ([`record::RunRow`]);
//! - `cycles.csv`: one row per collection cycle of every run ([`record::CycleRow`]);
//! - `provenance.txt`: command line, version, commit, plan ([`provenance`]);
//! - `plots/*.svg` and `histograms/run-*.svg` ([`plots`]).
//!
//! A sweep can be split into shards (`--shard K/N`, [`plan::Shard`]) that run anywhere and
//! are combined by [`merge::merge`].

pub mod error;
pub mod merge;
pub mod plan;
pub mod plots;
pub mod progress;
pub mod provenance;
pub mod record;
pub mod run;
pub mod table;
