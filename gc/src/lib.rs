//! `gclox-gc` drives the gc-arena collector for gclox.
//!
//! gc-arena does the marking and sweeping; this crate decides *when* it runs, tells which phase
//! each unit of work belongs to, and times every step. It is generic over the arena's root and
//! knows nothing about Lox: the interpreter hands it an arena root that implements
//! [`Finalize`], and calls [`Heap::step`] between slices of execution.
//!
//! - [`heap`]: the [`Heap`] driver (owns the arena, runs collector steps, forced collections).
//! - [`cycle`]: what one collection cycle did ([`CycleRecord`]) and the running totals
//!   ([`GcTotals`]).

#![forbid(unsafe_code)]

pub mod cycle;
pub mod heap;

pub use cycle::{CycleRecord, GcTotals, StepKind};
pub use gc_arena;
pub use heap::{Finalize, Heap};
