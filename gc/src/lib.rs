//! `gclox-gc` drives the gc-arena collector for gclox.
//!
//! gc-arena does the marking and sweeping; this crate decides *when* it runs and *how much* it
//! does per step (the pacer), keeps exact byte accounting, tells which phase each unit of work
//! belongs to, times every step, and writes Go-shaped telemetry. It is generic over the arena's
//! root and knows nothing about Lox.
//!
//! - [`heap`]: the [`Heap`] driver (owns the arena, runs collector steps, forced collections).
//! - [`pacer`]: the pacing policies (`go119`, `go117`, `lua54`, `clox`), their models and
//!   formulas, the memory limit and the GC CPU limiter ([`GcConfig`], [`Pacer`]).
//! - [`report`]: what tells what the driver did (gctrace, pacer trace, trace events, step log).
//! - [`accounting`]: bytes and objects allocated, freed and live, per heap.
//! - [`cycle`]: what one cycle did ([`CycleRecord`]) and the running totals ([`GcTotals`]).
//! - [`memstats`]: Go-named statistics ([`MemStats`]) and the pause record.
//! - [`gctrace`]: the gctrace and pacer-trace line formats.
//! - [`monitor`]: the live monitor (a seqlock other threads read statistics through).
//! - [`trace`]: the execution trace (Chrome Trace Event JSON).
//! - [`pprof`]: heap profiles in Go's pprof format, written and read.
//! - [`snapshot`]: heap graphs: dominators, retainer paths, V8 heap snapshots.
//! - [`mmu`]: minimum mutator utilization from pause intervals.
//! - [`cpu_clock`]: the thread's CPU time (a step's own cost beside its wall time).

#![forbid(unsafe_code)]

pub mod accounting;
pub mod cpu_clock;
pub mod cycle;
pub mod gctrace;
pub mod heap;
pub mod memstats;
pub mod mmu;
pub mod monitor;
pub mod pacer;
pub mod pprof;
pub mod report;
pub mod snapshot;
pub mod trace;

pub use accounting::{note_freed, Accounting, Retained};
pub use cycle::{CycleRecord, GcTotals, StepKind, StepRecord};
pub use gc_arena;
pub use heap::{Finalized, Heap, HeapRoot, MemoryProbe, Telemetry, WORK_UNIT_PACING};
pub use memstats::{MemStats, SharedStats};
pub use monitor::{Monitor, Publisher, Snapshot};
pub use pacer::{AllocColor, GcConfig, GcMode, Pacer, PacerKind};
