//! The mutator utilization floor: a bound on the collector's share of every window of time
//! longer than a few milliseconds, whatever the pacer asks for.
//!
//! # Why
//!
//! Go keeps its program's utilization during marking near 75 % with a trigger early enough
//! that background workers at 25 % of the CPU finish marking before the goal; assists are the
//! correction. gclox has one thread: every byte of marking is an assist, done in steps between
//! slices. When a cycle starts late (its trigger sits close to the goal because the cons/mark
//! estimate swung low, or the live heap grew faster than the last cycle predicted, so the
//! cycle starts at or past its goal) the assist formula asks for full-budget steps after
//! every slice, and the collector takes 75–90 % of 10 ms windows for as long as marking
//! lasts (measured on binary_trees at maxDepth 17: RESULTS.md, "Minimum mutator
//! utilization"). Short steps alone do not bound utilization; their density does.
//!
//! # Model
//!
//! A token bucket in time, fed by the mutator (the same shape as the CPU limiter,
//! `limiter.rs`, with the same share ½ but a capacity of 0.2 ms instead of 150 ms: the limiter
//! bounds the collector's share of seconds, the floor its share of milliseconds). With `c` the collector time and `m` the mutator time since the last update:
//!
//! ```text
//! fill  = min(2C, max(0, fill + c − m × u/(1 − u)))     u = MAX_SHARE, C = SLACK
//! hold the next step while fill > C
//! ```
//!
//! Over any window of length `w` in which the bucket held steps back as needed,
//! `c − m × u/(1−u) ≤ C + one step`, and with `m = w − c`:
//!
//! ```text
//! c / w ≤ u + (1 − u) × C / w  (+ one step / w)
//! ```
//!
//! With `u` = ½ and `C` = 0.2 ms: at most 51 % of any 10 ms window (MMU ≥ 49 %), 50.1 % of
//! a 100 ms one, 60 % of a 1 ms one, plus one step. The bucket never goes below empty, so a long stretch
//! without collection earns no burst later (as Go's limiter). It never holds more than `2C`:
//! a step that ran long because the process lost its core (milliseconds, on a shared
//! machine) is forgiven beyond that rather than paid for with a long stretch without
//! collection while the heap grows. The decision looks at the bucket alone, not at the
//! next step's expected length: an expectation taken from one such long step would hold
//! every later step back (a first version did, and a run grew to 3 GB).
//!
//! # What it costs
//!
//! A held step's allocation is paid by the next step that runs, so no work is forgotten, but
//! marking that needs more than `u` of the time to finish by the goal finishes past it: the
//! heap overshoots its goal by about the allocation of the extra mark time. So the floor only
//! spreads what the cycle's plan did not expect (`Pacer::floor_fits_plan`, `mod.rs`): a late
//! trigger, a live heap that outgrew its goal. A program whose *planned* marking needs more
//! than `u` (a churn at gogc=50: over half the time) keeps its goal and its old MMU, or the
//! pacer's precision would go (measured with a floor that always held: go119 at gogc=50
//! peaked at 1.72 × live instead of 1.51). With a memory limit that sets the goal the floor
//! stands aside too, and only Go's CPU limiter (½, over 150 ms) bounds the collector, as Go
//! puts its memory limit before latency. go119 also plans for the floor: its trigger leaves
//! the runway marking needs at share `u` by the recent measured cons/mark (`go119.rs`).
//!
//! The shares are wall time, as MMU is: on a loaded machine a step that lost its core counts
//! as collector time, and the floor answers with a longer mutator stretch.

use std::time::Duration;

/// Largest share of a long window the collector may take: Go's CPU limiter's ½, which is
/// also what Go's collector takes while assists run (25 % workers plus assists up to the
/// goal); 0.4 tried first held steady-state marking back on binary_trees (it needs ~43 %).
pub const MAX_SHARE: f64 = 0.5;
/// Collector time beyond that share a window may hold: the burst the bucket allows.
pub const SLACK: Duration = Duration::from_micros(200);

#[derive(Debug, Clone, Default)]
pub struct UtilizationFloor {
    fill: Duration,
    /// Updates that held a step back.
    held: u64,
}

impl UtilizationFloor {
    /// Adds `collector` time, drains what `mutator` time earns; returns whether the next step
    /// is to be held back.
    pub fn update(&mut self, mutator: Duration, collector: Duration) -> bool {
        let earned = mutator.mul_f64(MAX_SHARE / (1.0 - MAX_SHARE));
        self.fill = (self.fill + collector)
            .saturating_sub(earned)
            .min(2 * SLACK);
        let hold = self.fill > SLACK;
        self.held += u64::from(hold);
        hold
    }

    /// How many step opportunities the floor held back so far.
    pub fn held(&self) -> u64 {
        self.held
    }

    pub fn fill(&self) -> Duration {
        self.fill
    }
}
