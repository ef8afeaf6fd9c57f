//! `go117`: a trigger-ratio controller, the idea of Go's pacer up to Go 1.17 (before the
//! 1.18 redesign), without its utilisation term. gclox's pacer before `go119` was this one.
//!
//! # Model
//!
//! ```text
//! goal     G = max(H_m × (1 + gogc/100), 4 MiB × gogc/100)
//! trigger  T = H_m + (G − H_m) × f                  f: trigger fraction, 0.3 ≤ f ≤ 0.95
//! ```
//!
//! After each unforced cycle `f` moves by half the relative error of where marking ended:
//! `e = (H_mark_end − G) / (G − H_m)`, `f ← clamp(f − e/2, 0.3, 0.95)`: a cycle that
//! overshot its goal starts the next one earlier. The starting fraction 0.7 and the bounds
//! follow Go 1.17's `triggerRatio` (initial 7/8 of gogc, clamped to `[0.6, 0.95]` of it);
//! gclox keeps 0.3 as the lower bound so a slow collector still has room to finish.
//!
//! Go 1.17 also weighed the error by how far the collector's CPU share was from 25 %; gclox's
//! collector runs as assists only, so that term is left out: the controller steers on heap
//! overshoot alone.

use super::{go_heap_minimum, CycleOutcome, GcConfig, HeapState, PacerKind, Policy};

const MIN_FRACTION: f64 = 0.3;
const MAX_FRACTION: f64 = 0.95;

#[derive(Debug)]
pub struct Go117 {
    trigger_fraction: f64,
}

impl Default for Go117 {
    fn default() -> Self {
        Go117 {
            trigger_fraction: 0.7,
        }
    }
}

impl Policy for Go117 {
    fn kind(&self) -> PacerKind {
        PacerKind::Go117
    }

    fn goal(&self, config: &GcConfig, s: &HeapState) -> u64 {
        let Some(gogc) = config.gogc else {
            return u64::MAX;
        };
        let grown = s.heap_marked as f64 * (1.0 + f64::from(gogc) / 100.0);
        (grown as u64).max(go_heap_minimum(config))
    }

    fn trigger(&self, _config: &GcConfig, s: &HeapState, goal: u64) -> u64 {
        if goal == u64::MAX {
            return u64::MAX;
        }
        let runway = goal.saturating_sub(s.heap_marked) as f64;
        s.heap_marked + (runway * self.trigger_fraction) as u64
    }

    fn learn(&mut self, o: &CycleOutcome) {
        if o.goal == u64::MAX {
            return;
        }
        let runway = o.goal.saturating_sub(o.planned_from.heap_marked).max(1) as f64;
        let error = (o.heap_at_mark_end as f64 - o.goal as f64) / runway;
        self.trigger_fraction =
            (self.trigger_fraction - error / 2.0).clamp(MIN_FRACTION, MAX_FRACTION);
    }

    fn goal_utilization(&self) -> u32 {
        25
    }

    fn describe(&self) -> String {
        format!("trigger fraction {:.3}", self.trigger_fraction)
    }
}
