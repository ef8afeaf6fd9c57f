//! `lua54`: the pacing of Lua 5.4's incremental collector (`lgc.c`: `setpause`, `incstep`).
//!
//! # Model
//!
//! ```text
//! pause      P = 100 + gogc                      (Lua's default pause 200 % = gogc 100)
//! threshold  T = estimate × P / 100              setpause; estimate = bytes live after the
//!                                                last cycle (GCestimate)
//! a cycle starts when the heap reaches T; gclox shows T as both trigger and goal
//! each step  u = (allocated + stepsize) × stepmul / WORK2MEM      Lua work units (slots)
//!            w = u × WORK2MEM / object_bytes = (allocated + stepsize) × stepmul / object_bytes
//!            WORK2MEM = 16 B (sizeof(TValue)), stepmul = 100, stepsize = 8 KiB of debt,
//!            object_bytes = marked heap / marked objects (a gclox object in slots)
//! ```
//!
//! `incstep` converts the bytes allocated since the last step into work at `stepmul` units
//! per `WORK2MEM` bytes and, once it steps at all, does at least `stepsize`'s worth more. A
//! Lua unit is about one value slot traversed; gclox's unit is one object traced or swept, so
//! the work is converted by the average object's size in slots. At stepmul 100 the collector
//! traverses about 100 bytes of objects per byte allocated: a cycle ends soon after it starts,
//! the heap peaks near `T`, so peak/live ≈ P/100.
//!
//! # Where gclox differs, and why
//!
//! - Lua bounds a step by its own rule (the debt since the last step plus `stepsize`), not by a
//!   fixed amount of work, and so does `lua54`: an object-count `--gc-step-budget` does not
//!   apply. Its steps are therefore longer than go119's (thousands of objects: Lua's pauses
//!   are coarser by design). A time budget (`--gc-step-budget 100us`) still cuts them short.
//! - No minimum heap, as in Lua; `--min-heap` sets one.
//! - Lua's generational mode (`LUA_GCGEN`) is not modelled.

use super::{CycleOutcome, GcConfig, HeapState, PacerKind, Policy};

/// Bytes per object assumed before the first cycle has measured any (a small instance).
const FIRST_OBJECT_BYTES: f64 = 64.0;

/// Lua's `WORK2MEM`: bytes of allocation per unit of debt.
const WORK2MEM: f64 = 16.0;
/// Lua's default `stepmul` (`LUAI_GCMUL`): work units per `WORK2MEM` bytes allocated.
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

    fn step_work(&self, _config: &GcConfig, s: &HeapState, allocated: u64) -> Option<f64> {
        let object_bytes = if s.marked_objects == 0 {
            FIRST_OBJECT_BYTES
        } else {
            (s.heap_marked as f64 / s.marked_objects as f64).max(WORK2MEM)
        };
        let units = (allocated as f64 + STEP_SIZE) * STEPMUL / WORK2MEM;
        Some(units * WORK2MEM / object_bytes)
    }
}
