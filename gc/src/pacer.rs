//! The pacer: when a collection cycle starts, and how much collector work each step does.
//!
//! # Model (Go's `mgcpacer.go`, adapted to a single-threaded incremental collector)
//!
//! Units: heap sizes in bytes (gclox's own accounting, see `accounting.rs`); collector work in
//! *work units*, one per object traced while marking or visited while sweeping (gc-arena's
//! debt is configured so one unit of debt buys exactly one of those).
//!
//! After each cycle the pacer knows `heap_marked` (H_m), the bytes that survived it. Then
//!
//! ```text
//! goal      G = max(H_m × (1 + gogc/100), min_heap)          (gogc = off: G = ∞)
//!           G = min(G, max(memlimit, H_m × 17/16))            (soft limit, when set)
//! trigger   T = H_m + (G − H_m) × f                           (f: trigger fraction, 0.3 ≤ f ≤ 0.95)
//! ```
//!
//! A cycle starts at the first step after the live heap H reaches T (in `stw` mode: reaches
//! G, and then the whole cycle runs in that one step). While marking, every step does
//!
//! ```text
//! assist ratio  r_mark  = (W_mark − done) / max(G − H, 64 KiB)      work units per byte
//! work          w       = clamp(allocated_since_last_step × r_mark, min_step, step_budget)
//! ```
//!
//! where `W_mark`, the expected mark work, is the number of objects that survived the last
//! cycle (every survivor is traced once) — Go's "scan work" measured in objects; once done
//! exceeds it, an eighth of it is assumed to remain. The closer the heap gets to the goal, the
//! harder each step works, so marking finishes near G; past G every step does `step_budget`.
//! Sweeping
//! then visits every object that existed at mark end (`W_sweep`) while at most
//! `(G − T) / 2` more bytes are allocated:
//!
//! ```text
//! r_sweep = (W_sweep − swept) / max((G − T)/2 − allocated_since_mark_end, 64 KiB)
//! ```
//!
//! `step_budget` caps every step, so it bounds the pause; a mutator that outruns the capped
//! collector overshoots the goal instead of seeing long pauses. `min_step` keeps a cycle
//! moving when the program allocates nothing.
//!
//! Feedback (Go's trigger controller, simplified): after each cycle the trigger fraction moves
//! by half the relative error of where marking ended, `e = (H_mark_end − G) / (G − H_m)`:
//! `f ← clamp(f − e/2, 0.3, 0.95)`. A cycle that overshot the goal starts the next one earlier.
//!
//! Limits: `max_heap` is hard. The runtime checks it after every slice; if the live heap
//! exceeds it, a full collection runs, and if the heap still exceeds it the script fails with
//! `Out of memory.`.

use std::fmt;

/// The smallest runway the assist formulas divide by (one default slice of allocation).
const MIN_RUNWAY: f64 = 64.0 * 1024.0;

/// How cycles run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GcMode {
    /// Marking and sweeping spread over bounded steps between VM slices (the default).
    #[default]
    Incremental,
    /// A whole cycle in one step when the heap reaches the goal (what clox does).
    StopTheWorld,
}

impl std::str::FromStr for GcMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "incremental" => Ok(GcMode::Incremental),
            "stw" => Ok(GcMode::StopTheWorld),
            _ => Err(format!(
                "unknown GC mode '{s}' (expected incremental or stw)"
            )),
        }
    }
}

impl fmt::Display for GcMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GcMode::Incremental => "incremental",
            GcMode::StopTheWorld => "stw",
        })
    }
}

/// The collector's settings. Every knob with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct GcConfig {
    /// Percent heap growth over the marked heap before the next cycle's goal; `None` is
    /// `off` (no growth trigger; only `memlimit` starts cycles). Go's GOGC. Default 100.
    pub gogc: Option<u32>,
    /// Soft limit on the live heap, bytes: the goal never exceeds it. Go's GOMEMLIMIT.
    pub memlimit: Option<u64>,
    /// Hard limit on the live heap, bytes: exceeding it after a full collection is
    /// `Out of memory.`.
    pub max_heap: Option<u64>,
    /// The goal never falls below this many bytes. Default 4 MiB (Go's minimum heap).
    pub min_heap: u64,
    pub mode: GcMode,
    /// Most work units (objects traced or swept) one incremental step may do. Default 1024.
    pub step_budget: u64,
    /// Fewest work units an incremental step does while a cycle runs. Default 64.
    pub min_step: u64,
    /// A full collection after every allocating instruction (clox's DEBUG_STRESS_GC).
    pub stress: bool,
}

impl Default for GcConfig {
    fn default() -> Self {
        GcConfig {
            gogc: Some(100),
            memlimit: None,
            max_heap: None,
            min_heap: 4 << 20,
            mode: GcMode::Incremental,
            step_budget: 1024,
            min_step: 64,
            stress: false,
        }
    }
}

/// The pacer's plan for one cycle, fixed when the cycle starts (for gcpacertrace).
#[derive(Debug, Clone, Copy, Default)]
pub struct CyclePlan {
    /// Live heap after the previous cycle, bytes.
    pub heap_marked: u64,
    pub trigger: u64,
    pub goal: u64,
    /// Expected mark work, work units.
    pub mark_work: u64,
    /// The assist ratio at the start of marking, work units per byte.
    pub assist_ratio: f64,
    pub trigger_fraction: f64,
}

/// The pacer's state across cycles.
#[derive(Debug, Clone)]
pub struct Pacer {
    pub config: GcConfig,
    heap_marked: u64,
    marked_objects: u64,
    trigger_fraction: f64,
    // Work done in the running cycle, by phase.
    mark_done: u64,
    swept: u64,
    sweep_work: u64,
    allocated_at_mark_end: u64,
    plan: CyclePlan,
}

impl Pacer {
    pub fn new(config: GcConfig) -> Self {
        let mut pacer = Pacer {
            config,
            heap_marked: 0,
            marked_objects: 0,
            trigger_fraction: 0.7,
            mark_done: 0,
            swept: 0,
            sweep_work: 0,
            allocated_at_mark_end: 0,
            plan: CyclePlan::default(),
        };
        pacer.plan = pacer.next_plan(0);
        pacer
    }

    /// The heap goal for the next (or running) cycle, bytes. Go's `NextGC`.
    pub fn goal(&self) -> u64 {
        self.plan.goal
    }

    /// The live heap at which the next cycle starts, bytes.
    pub fn trigger(&self) -> u64 {
        self.plan.trigger
    }

    pub fn plan(&self) -> &CyclePlan {
        &self.plan
    }

    /// Replaces gogc (Go's `debug.SetGCPercent`); returns the previous value. The new goal
    /// applies from now on.
    pub fn set_gogc(&mut self, gogc: Option<u32>) -> Option<u32> {
        let old = std::mem::replace(&mut self.config.gogc, gogc);
        self.plan = self.next_plan(self.plan.mark_work);
        old
    }

    fn goal_for(&self, heap_marked: u64) -> u64 {
        let mut goal = match self.config.gogc {
            Some(gogc) => {
                let grown = heap_marked as f64 * (1.0 + f64::from(gogc) / 100.0);
                (grown as u64).max(self.config.min_heap)
            }
            None => u64::MAX,
        };
        if let Some(limit) = self.config.memlimit {
            goal = goal.min(limit.max(heap_marked + heap_marked / 16));
        }
        goal
    }

    fn next_plan(&self, mark_work: u64) -> CyclePlan {
        let goal = self.goal_for(self.heap_marked);
        let trigger = match self.config.mode {
            GcMode::StopTheWorld => goal,
            GcMode::Incremental if goal == u64::MAX => u64::MAX,
            GcMode::Incremental => {
                let runway = (goal - self.heap_marked) as f64;
                self.heap_marked + (runway * self.trigger_fraction) as u64
            }
        };
        CyclePlan {
            heap_marked: self.heap_marked,
            trigger,
            goal,
            mark_work,
            assist_ratio: mark_work as f64
                / ((goal.saturating_sub(trigger)) as f64).max(MIN_RUNWAY),
            trigger_fraction: self.trigger_fraction,
        }
    }

    /// Whether a cycle should start with the heap at `live` bytes.
    pub fn should_start(&self, live: u64) -> bool {
        self.config.stress || live >= self.plan.trigger
    }

    /// A cycle starts: fixes its plan. `live_objects` bounds the mark work on the first cycle.
    pub fn start_cycle(&mut self, live_objects: u64) {
        let mark_work = if self.marked_objects == 0 {
            live_objects
        } else {
            self.marked_objects
        };
        self.plan = self.next_plan(mark_work.max(1));
        self.mark_done = 0;
        self.swept = 0;
    }

    /// Work units the next marking step should do, given the live heap now and the bytes
    /// allocated since the previous step.
    pub fn mark_step_work(&mut self, live: u64, allocated_since_step: u64) -> u64 {
        if live >= self.plan.goal {
            // Past the goal: collect as fast as the step budget allows.
            self.mark_done += self.config.step_budget;
            return self.config.step_budget.max(1);
        }
        // The estimate may be short (the live set grew): never assume less than an eighth of
        // it remains while marking goes on.
        let remaining = self
            .plan
            .mark_work
            .saturating_sub(self.mark_done)
            .max(self.plan.mark_work / 8) as f64;
        let runway = (self.plan.goal.saturating_sub(live) as f64).max(MIN_RUNWAY);
        let work = self.clamp_work(allocated_since_step as f64 * remaining / runway);
        self.mark_done += work;
        work
    }

    /// Marking ended: sweeping will visit `objects` objects.
    pub fn mark_ended(&mut self, objects: u64, total_allocated: u64) {
        self.sweep_work = objects;
        self.allocated_at_mark_end = total_allocated;
    }

    /// Work units the next sweeping step should do.
    pub fn sweep_step_work(&mut self, total_allocated: u64, allocated_since_step: u64) -> u64 {
        let remaining = self.sweep_work.saturating_sub(self.swept) as f64;
        let allowance = (self.plan.goal.saturating_sub(self.plan.trigger) / 2) as f64;
        let used = total_allocated.saturating_sub(self.allocated_at_mark_end) as f64;
        let runway = (allowance - used).max(MIN_RUNWAY);
        let work = self.clamp_work(allocated_since_step as f64 * remaining / runway);
        self.swept += work;
        work
    }

    fn clamp_work(&self, work: f64) -> u64 {
        let max = self.config.step_budget.max(1);
        (work.ceil() as u64).clamp(self.config.min_step.min(max), max)
    }

    /// A cycle ended: `heap_marked` bytes and `marked_objects` objects survived it, and
    /// marking ended with the heap at `heap_at_mark_end`. Plans the next cycle.
    pub fn end_cycle(&mut self, heap_marked: u64, marked_objects: u64, heap_at_mark_end: u64) {
        if self.config.mode == GcMode::Incremental && self.plan.goal != u64::MAX {
            let runway = (self.plan.goal.saturating_sub(self.plan.heap_marked)).max(1) as f64;
            let error = (heap_at_mark_end as f64 - self.plan.goal as f64) / runway;
            self.trigger_fraction = (self.trigger_fraction - error / 2.0).clamp(0.3, 0.95);
        }
        self.heap_marked = heap_marked;
        self.marked_objects = marked_objects;
        self.plan = self.next_plan(marked_objects.max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(config: GcConfig) -> Pacer {
        let mut p = Pacer::new(config);
        p.end_cycle(10 << 20, 100_000, 0);
        p
    }

    #[test]
    fn goal_is_marked_heap_times_growth_with_a_minimum() {
        let p = pacer(GcConfig::default());
        assert_eq!(p.goal(), 20 << 20);
        let small = Pacer::new(GcConfig::default());
        assert_eq!(small.goal(), 4 << 20);
        let p = pacer(GcConfig {
            gogc: Some(50),
            ..GcConfig::default()
        });
        assert_eq!(p.goal(), 15 << 20);
    }

    #[test]
    fn memlimit_caps_the_goal_and_off_disables_growth() {
        let p = pacer(GcConfig {
            memlimit: Some(12 << 20),
            ..GcConfig::default()
        });
        assert_eq!(p.goal(), 12 << 20);
        let off = pacer(GcConfig {
            gogc: None,
            ..GcConfig::default()
        });
        assert_eq!(off.goal(), u64::MAX);
        assert!(!off.should_start(1 << 40));
    }

    #[test]
    fn trigger_sits_before_the_goal_and_stw_triggers_at_the_goal() {
        let p = pacer(GcConfig::default());
        assert!(p.trigger() > 10 << 20 && p.trigger() < 20 << 20);
        let stw = pacer(GcConfig {
            mode: GcMode::StopTheWorld,
            ..GcConfig::default()
        });
        assert_eq!(stw.trigger(), stw.goal());
    }

    #[test]
    fn assists_grow_as_the_heap_nears_the_goal_and_are_capped() {
        // A budget well above these steps' work, so that the growth is visible uncapped.
        let mut p = pacer(GcConfig {
            step_budget: 1 << 20,
            ..GcConfig::default()
        });
        p.start_cycle(100_000);
        let early = p.mark_step_work(15 << 20, 64 << 10);
        let late = p.mark_step_work(19 << 20, 64 << 10);
        assert!(late > early, "early {early}, late {late}");
        let capped = p.mark_step_work(30 << 20, 64 << 20);
        assert_eq!(capped, p.config.step_budget);
    }

    #[test]
    fn overshooting_the_goal_moves_the_trigger_earlier() {
        let mut p = pacer(GcConfig::default());
        let before = p.trigger();
        p.start_cycle(100_000);
        p.end_cycle(10 << 20, 100_000, 24 << 20);
        assert!(p.trigger() < before);
    }
}
