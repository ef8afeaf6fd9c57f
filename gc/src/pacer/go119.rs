//! `go119`: Go 1.19's pacer (`runtime/mgcpacer.go`), the default.
//!
//! # Model
//!
//! With `H_m` the bytes marked by the last cycle, `S` its stack scan and `Gl` the globals:
//!
//! ```text
//! goal     G = H_m + (H_m + S + Gl) × gogc/100          (heapGoalInternal / commit)
//!          G = max(G, heap_minimum)                     heap_minimum = 4 MiB × gogc/100
//!          G = min(G, memory-limit goal)                (memoryLimitHeapGoal, mod.rs)
//! runway   R = cons/mark × (1 − u_g)/u_g × (H_m + S + Gl)   u_g = 0.25 (gcGoalUtilization)
//! trigger  T = G − R, clamped to [H_m + (G − H_m)·45/64, H_m + (G − H_m)·61/64]
//!          (upper bound: G − 4 MiB instead when that is higher: large heaps)   (trigger)
//! ```
//!
//! After each unforced cycle (`endCycle`), with `u` the share of the mark phase's wall time
//! that collector steps took, `A` the bytes allocated between the trigger and mark end and
//! `W` the scan work done:
//!
//! ```text
//! cons/mark_now = A × u / (W × (1 − u))
//! cons/mark     = PI(cons/mark, cons/mark_now)           kp 0.9, ti 4, tt 1000, ±1000
//! ```
//!
//! The PI controller smooths a noisy per-cycle measurement toward its long-term value
//! (`consMarkController`); if it overflows it resets to 0 as Go's does.
//!
//! # The floor's runway (gclox's addition)
//!
//! ```text
//! R = max(R, max(cons/mark_now over the last 4 cycles) × (1 − u_f)/u_f × (H_m + S + Gl))
//! ```
//!
//! with `u_f` the utilization floor's share (`floor.rs`, ½), then the same clamp. The PI
//! controller's output swings from cycle to cycle (with Go's gains its error has a mode that
//! changes sign every cycle and decays by only 0.77 per cycle), and a low swing puts the
//! trigger at its upper bound, 3/64 of the span before the goal: measured on binary_trees at
//! maxDepth 17, cons/mark went 0.48, −0.01, 0.42, −0.07 on consecutive cycles and every
//! other cycle had 2 MB of runway for 37 MB of marking, all of it assists at full budget.
//! The largest recent *measurement* is the noise-robust bound (Go 1.21 replaced the PI
//! controller by a maximum over recent cycles for the same reason); it only ever makes the
//! runway longer, within Go's bounds.
//!
//! # Where gclox differs, and why
//!
//! - **One mutator, no workers.** Go adds its background workers' 25 % to the measured
//!   utilisation; gclox has no background workers, so `u` is exactly the share of the mark
//!   phase spent in collector steps (which are all assists). A cycle that marked in one step
//!   has `u = 1`; it measures nothing about the runway and is skipped, as Go skips a cycle
//!   with no allocation after the trigger.
//! - **Scan work in bytes of marked objects.** gc-arena reports no bytes while it marks, so
//!   scan work is the bytes of the objects that survived marking (`heap_marked`) plus the
//!   roots, known when the cycle's sweep ends; Go counts only the pointer-bearing bytes it
//!   actually scanned. The ratio is used the same way.
//! - **The sweep distance** (`sweepDistMinTrigger`) is not needed: a gclox cycle's sweep ends
//!   before the next cycle can start, so Go's "sweep not done at commit" case never arises.
//! - **The 64 KiB minimum runway** past the trigger (`heapGoalInternal`) is kept by the
//!   shared assist pacing (`MIN_RUNWAY` in `mod.rs`) rather than by raising the goal.

use super::{go_heap_minimum, CycleOutcome, GcConfig, HeapState, PacerKind, Policy, RECENT};

/// Go's `gcGoalUtilization` (= `gcBackgroundUtilization`): the collector's CPU share the
/// runway is computed for.
const GOAL_UTILIZATION: f64 = 0.25;
/// Go's `triggerRatioDen`, `minTriggerRatioNum`, `maxTriggerRatioNum`.
const TRIGGER_RATIO_DEN: u64 = 64;
const MIN_TRIGGER_RATIO_NUM: u64 = 45;
const MAX_TRIGGER_RATIO_NUM: u64 = 61;
/// Go's `defaultHeapMinimum`: also the margin below the goal for large heaps' trigger.
const DEFAULT_HEAP_MINIMUM: u64 = 4 << 20;

/// Go's `piController` as the cons/mark controller configures it.
#[derive(Debug, Clone, Copy)]
struct PiController {
    kp: f64,
    ti: f64,
    tt: f64,
    min: f64,
    max: f64,
    err_integral: f64,
}

impl Default for PiController {
    fn default() -> Self {
        // Go: "Tuned first via the Ziegler-Nichols process in simulation, then the integral
        // time was manually tuned against real-world applications" (kp 0.9, ti 4.0); a high
        // reset time (tt 1000 cycles) makes clipping error accumulate slowly.
        PiController {
            kp: 0.9,
            ti: 4.0,
            tt: 1000.0,
            min: -1000.0,
            max: 1000.0,
            err_integral: 0.0,
        }
    }
}

impl PiController {
    /// The next output for `input` toward `setpoint` over `period` cycles; `None` (and a
    /// reset) if the arithmetic overflowed.
    fn next(&mut self, input: f64, setpoint: f64, period: f64) -> Option<f64> {
        let raw = self.kp * (setpoint - input) + self.err_integral;
        if !raw.is_finite() {
            self.err_integral = 0.0;
            return None;
        }
        let output = raw.clamp(self.min, self.max);
        self.err_integral +=
            (self.kp * period / self.ti) * (setpoint - input) + (period / self.tt) * (output - raw);
        if !self.err_integral.is_finite() {
            self.err_integral = 0.0;
            return None;
        }
        Some(output)
    }
}

#[derive(Debug, Default)]
pub struct Go119 {
    cons_mark: f64,
    controller: PiController,
    /// The last cycles' measured cons/mark (`cons/mark_now`), newest last.
    recent: [f64; RECENT],
}

impl Policy for Go119 {
    fn kind(&self) -> PacerKind {
        PacerKind::Go119
    }

    fn goal(&self, config: &GcConfig, s: &HeapState) -> u64 {
        let Some(gogc) = config.gogc else {
            return u64::MAX;
        };
        let grown = s.heap_marked + s.scan_expected() * u64::from(gogc) / 100;
        grown.max(go_heap_minimum(config))
    }

    fn trigger(&self, _config: &GcConfig, s: &HeapState, goal: u64) -> u64 {
        let marked = s.heap_marked;
        if marked >= goal {
            return goal;
        }
        let span = goal - marked;
        let min_trigger = marked + span / TRIGGER_RATIO_DEN * MIN_TRIGGER_RATIO_NUM;
        let mut max_trigger = marked + span / TRIGGER_RATIO_DEN * MAX_TRIGGER_RATIO_NUM;
        if goal > DEFAULT_HEAP_MINIMUM && goal - DEFAULT_HEAP_MINIMUM > max_trigger {
            max_trigger = goal - DEFAULT_HEAP_MINIMUM;
        }
        let max_trigger = max_trigger.max(min_trigger);
        let runway = (self.cons_mark * (1.0 - GOAL_UTILIZATION) / GOAL_UTILIZATION)
            .max(self.floor_runway_factor())
            * s.scan_expected() as f64;
        let runway = runway as u64;
        goal.saturating_sub(runway).clamp(min_trigger, max_trigger)
    }

    fn learn(&mut self, o: &CycleOutcome) {
        let Some(now) = o.cons_mark() else {
            return;
        };
        self.recent.rotate_left(1);
        self.recent[RECENT - 1] = now;
        self.cons_mark = self
            .controller
            .next(self.cons_mark, now, 1.0)
            .unwrap_or(0.0);
    }

    fn goal_utilization(&self) -> u32 {
        (GOAL_UTILIZATION * 100.0) as u32
    }

    fn cons_mark(&self) -> f64 {
        self.cons_mark
    }

    fn describe(&self) -> String {
        format!("cons/mark {:.6}", self.cons_mark)
    }
}

impl Go119 {
    /// Runway per byte of expected scan work that marking needs to finish by the goal
    /// within the utilization floor's share (`floor.rs`), by the largest cons/mark measured
    /// over the last cycles: `max(recent) × (1 − u_f)/u_f`.
    fn floor_runway_factor(&self) -> f64 {
        let u = super::floor::MAX_SHARE;
        super::largest(&self.recent) * (1.0 - u) / u
    }
}
