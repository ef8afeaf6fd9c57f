//! `lua54`: the pacing of Lua 5.4's incremental collector (`lgc.c`: `setpause`, `incstep`).
//!
//! # Model
//!
//! ```text
//! pause      P = 100 + gogc                      (Lua's default pause 200 % = gogc 100)
//! threshold  T = estimate × P / 100              setpause; estimate = bytes live after the
//!                                                last cycle (GCestimate)
//! a cycle starts when the heap reaches T; gclox shows T as both trigger and goal
//! each step  w = allocated × stepmul / (100 × WORK2MEM)  work units, at least `stepsize`
//!            WORK2MEM = 16 B (sizeof(TValue)), stepmul = 100, stepsize = 8 KiB of debt
//! ```
//!
//! `incstep` converts the bytes allocated since the last step into work at `stepmul` per
//! `WORK2MEM` bytes and, once it steps at all, does at least `stepsize`'s worth. The work is
//! so much larger than the allocation that a cycle ends soon after it starts: the heap peaks
//! near `T`, so peak/live ≈ P/100.
//!
//! # Where gclox differs, and why
//!
//! - Lua's work unit is roughly one value slot traversed; gclox's is one object traced or
//!   swept (a few slots). At the same `stepmul` gclox's collector is therefore somewhat more
//!   aggressive per byte than Lua's; the shape (threshold at `P × estimate`, work in
//!   proportion to allocation) is the same.
//! - Every step is still capped by `--gc-step-budget`, gclox's pause bound; Lua has no cap.
//!   Under a small budget a fast allocator outruns the collector and the heap overshoots T.
//! - No minimum heap, as in Lua; `--min-heap` sets one.
//! - Lua's generational mode (`LUA_GCGEN`) is not modelled.

use super::{CycleOutcome, GcConfig, HeapState, PacerKind, Policy};

/// Lua's `WORK2MEM`: bytes of allocation per unit of debt.
const WORK2MEM: f64 = 16.0;
/// Lua's default `stepmul` (`LUAI_GCMUL`), percent.
const STEPMUL: f64 = 100.0;
/// Lua's default step size (`LUAI_GCSTEPSIZE` = 2^13 bytes of debt).
const STEP_SIZE: f64 = 8.0 * 1024.0;

#[derive(Debug)]
pub struct Lua54;

impl Policy for Lua54 {
    fn kind(&self) -> PacerKind {
        PacerKind::Lua54
    }

    fn goal(&self, config: &GcConfig, s: &HeapState) -> u64 {
        let Some(gogc) = config.gogc else {
            return u64::MAX;
        };
        let pause = 100 + u64::from(gogc);
        (s.heap_marked.saturating_mul(pause) / 100).max(config.min_heap.unwrap_or(0))
    }

    fn trigger(&self, _config: &GcConfig, _s: &HeapState, goal: u64) -> u64 {
        goal
    }

    fn learn(&mut self, _outcome: &CycleOutcome) {}

    fn step_work(&self, _config: &GcConfig, allocated: u64) -> Option<f64> {
        let debt = (allocated as f64).max(STEP_SIZE);
        Some(debt * STEPMUL / 100.0 / WORK2MEM)
    }
}
