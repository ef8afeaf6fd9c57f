//! The pacer: when a collection cycle starts, and how much collector work each step does.
//!
//! A pacer here is a *policy* (one file each) plus the machinery every policy shares (this
//! file): the memory limit, the GC CPU limiter, and turning a goal into step sizes.
//!
//! | policy | file | model |
//! |---|---|---|
//! | `go119` (default) | `go119.rs` | Go 1.19's `mgcpacer.go`: cons/mark estimate → runway → trigger |
//! | `go117` | `go117.rs` | Go ≤ 1.17's idea: a trigger *ratio* corrected after each cycle |
//! | `lua54` | `lua54.rs` | Lua 5.4's incremental mode: `pause` and `stepmul` (`lgc.c`) |
//! | `clox` | `clox.rs` | *Crafting Interpreters*: stop the world at `next_gc`, then `next_gc = live × 2` |
//!
//! # Units
//!
//! Heap sizes are bytes of gclox's own accounting (`accounting.rs`). Collector work handed to
//! gc-arena is in *work units*: one object traced while marking or visited while sweeping
//! (gc-arena's debt is set so one unit buys exactly one of those). Scan work in the pacer's
//! model and in `gcpacertrace` is in bytes, as in Go: the bytes of the objects marking kept
//! (`heap_marked`), plus the VM's stacks and globals, which every cycle scans as roots.
//!
//! # What every policy shares
//!
//! A policy decides the heap goal `G` and the trigger `T` of the next cycle from what the last
//! one left, and may learn from each cycle's outcome. Then:
//!
//! - **Memory limit** (Go's `memoryLimitHeapGoal`, GOMEMLIMIT): with a limit `L` and `N` bytes
//!   the runtime holds outside the script heap (value stack, frames, globals; see
//!   [`HeapRoot::non_heap_bytes`](crate::HeapRoot::non_heap_bytes)), the goal is at most
//!   `L − N − overage − 1 MiB`, never below the marked heap, where `overage` is how far heap +
//!   non-heap memory is over `L` now. Without a limit, `L` is `i64::MAX` as in Go (so with
//!   gogc=off the goal is that figure, not infinity: `NextGC` reads as Go's does).
//! - **Assist pacing while marking** (Go's `revise`, one mutator instead of workers): each step
//!   does `allocated_since_last_step × remaining_mark_work / max(G − H, 64 KiB)` units: the
//!   closer the heap gets to the goal, the harder each step works, so marking ends near `G`;
//!   past `G` every step does the full step budget. Remaining mark work is estimated from the
//!   objects that survived the last cycle, never below an eighth of it.
//! - **Sweeping** visits every object that existed at mark end while at most
//!   `max((T − H_m) × 3/4, (G − T)/2)` more bytes are allocated: Go spreads its sweep, in
//!   proportion to allocation, over the distance to the next trigger, for which the distance
//!   from the marked heap to this cycle's trigger is the estimate at hand.
//! - **Step budget**: every step is capped by `step_budget` objects (and the heap driver by
//!   `step_time_budget`), which bounds the pause (`lua54` bounds its steps by Lua's own rule); a mutator that outruns the capped collector
//!   overshoots the goal instead of seeing long pauses.
//! - **Mutator utilization floor** (`floor.rs`): collector steps take at most half of any
//!   window of time beyond a few milliseconds (51 % of 10 ms): a step is held back, and its
//!   allocation paid by the next one, while the collector is over that share. The bound MMU
//!   reads: a cycle that starts late, or whose live heap outgrew its goal, marks at half the
//!   time and overshoots its goal instead of taking 90 % of every 10 ms window until it ends.
//!   It stands aside when the cycle's own plan needs more than half the time (the goal comes
//!   first: the pacer's precision holds) and while a memory limit sets the goal. go119 only:
//!   it reads the clock, and go117 and lua54 stay paced by bytes alone.
//! - **GC CPU limiter** (`limiter.rs`, Go's `mgclimit.go`): with a memory limit set, collector
//!   time fills a bucket and mutator time drains it; while it is full, steps are skipped, so a
//!   limit below the live heap slows the program by at most about 2× instead of stalling it.
//! - **Forced cycles** (`__gc()`, `Runtime::collect_full`) and `--max-heap` rescue collections
//!   never train a policy: they say nothing about where the program's own cycles should start.

mod clox;
mod floor;
mod go117;
mod go119;
mod limiter;
mod lua54;

use std::fmt;
use std::time::Duration;

pub use floor::UtilizationFloor;
pub use limiter::CpuLimiter;

/// The smallest runway the assist formulas divide by (one default slice of allocation).
const MIN_RUNWAY: f64 = 64.0 * 1024.0;

/// The least heap growth (goal − marked heap) of a cycle the utilization floor acts on: a
/// cycle planned with less is a few dozen slices of allocation, its marking far shorter than
/// the floor's windows, and holding its steps back grows a small heap by a large fraction
/// (measured: with a 64 KiB minimum heap, `runtime/tests/cycles.rs`' cyclic garbage rose
/// past its 4 000-object bound). Go's 4 MiB minimum heap is above it.
const FLOOR_MIN_GROWTH: u64 = 1 << 20;

/// Go's `memoryLimitHeapGoalHeadroom`: the goal stays this far below the limit, so that the
/// heap reaching its goal still leaves room for what grows between two pacer decisions.
pub const MEMORY_LIMIT_HEADROOM: u64 = 1 << 20;

/// Go's default memory limit (`math.MaxInt64`): in effect, no limit.
pub const NO_MEMORY_LIMIT: u64 = i64::MAX as u64;

/// The color of objects allocated while a cycle marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocColor {
    /// Marked at allocation: they survive the cycle (Go's rule; its marked heap counts them).
    Black,
    /// Unmarked: they survive only if marking reaches them (gc-arena's own rule, Lua's and
    /// clox's); garbage made during marking is freed by the same cycle.
    White,
}

impl std::str::FromStr for AllocColor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "black" => Ok(AllocColor::Black),
            "white" => Ok(AllocColor::White),
            _ => Err(format!(
                "unknown allocation color '{s}' (expected black or white)"
            )),
        }
    }
}

impl fmt::Display for AllocColor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AllocColor::Black => "black",
            AllocColor::White => "white",
        })
    }
}

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

/// Which pacing policy runs (`--pacer`, `GCLOX_PACER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum PacerKind {
    /// Go 1.19's pacer (`go119.rs`).
    #[default]
    Go119,
    /// Go ≤ 1.17's trigger-ratio controller (`go117.rs`).
    Go117,
    /// Lua 5.4's incremental collector pacing (`lua54.rs`).
    Lua54,
    /// clox's stop-the-world collector at `next_gc` (`clox.rs`).
    Clox,
}

impl PacerKind {
    pub const ALL: [PacerKind; 4] = [
        PacerKind::Go119,
        PacerKind::Go117,
        PacerKind::Lua54,
        PacerKind::Clox,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PacerKind::Go119 => "go119",
            PacerKind::Go117 => "go117",
            PacerKind::Lua54 => "lua54",
            PacerKind::Clox => "clox",
        }
    }

    /// Whether objects allocated while a cycle marks survive it (Go allocates black during
    /// marking, so its marked heap includes them; Lua and clox do not). The interpreter's
    /// allocation entry point applies it.
    pub fn allocates_black(self) -> bool {
        matches!(self, PacerKind::Go119 | PacerKind::Go117)
    }

    fn policy(self) -> Box<dyn Policy> {
        match self {
            PacerKind::Go119 => Box::new(go119::Go119::default()),
            PacerKind::Go117 => Box::new(go117::Go117::default()),
            PacerKind::Lua54 => Box::new(lua54::Lua54),
            PacerKind::Clox => Box::new(clox::Clox),
        }
    }
}

impl std::str::FromStr for PacerKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        PacerKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown pacer '{s}' (expected go119, go117, lua54 or clox)"))
    }
}

impl fmt::Display for PacerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The collector's settings. Every knob with its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct GcConfig {
    /// The pacing policy.
    pub pacer: PacerKind,
    /// Percent heap growth over the marked heap (plus stacks and globals, for `go119`) before
    /// the next cycle's goal; `None` is `off` (no growth goal; only the memory limit starts
    /// cycles). Go's GOGC, Lua's `pause − 100`, clox's growth factor `× 2` at 100. Default 100.
    pub gogc: Option<u32>,
    /// Limit on all memory the runtime holds, bytes: script heap plus value stack, frames and
    /// globals. Go's GOMEMLIMIT (soft: the collector works harder, up to the CPU limiter).
    pub memlimit: Option<u64>,
    /// Hard limit on the live heap, bytes: exceeding it after a full collection is
    /// `Out of memory.`.
    pub max_heap: Option<u64>,
    /// The goal never falls below this many bytes. `None`: the policy's own minimum (Go:
    /// 4 MiB × gogc/100; clox: 1 MiB; Lua: none).
    pub min_heap: Option<u64>,
    pub mode: GcMode,
    /// Most work units (objects traced or swept) one incremental step may do. Default 1024.
    /// The runtime scales it by its slice size (per 64 KiB of slice allocation), since a
    /// step runs once per slice.
    pub step_budget: u64,
    /// Longest wall time one incremental step may run, when set: the step stops at the first
    /// chunk of work that ends past it (a chunk is at most 64 objects). Default none.
    pub step_time_budget: Option<Duration>,
    /// Fewest work units an incremental step does while a cycle runs. Default 64.
    pub min_step: u64,
    /// A full collection after every allocating instruction (clox's DEBUG_STRESS_GC).
    pub stress: bool,
    /// The color of objects allocated while marking; `None`: the pacer's own
    /// ([`PacerKind::allocates_black`]).
    pub alloc_color: Option<AllocColor>,
}

impl GcConfig {
    /// Whether objects allocated while a cycle marks are marked at once (see [`AllocColor`]).
    pub fn allocates_black(&self) -> bool {
        match self.alloc_color {
            Some(color) => color == AllocColor::Black,
            None => self.pacer.allocates_black(),
        }
    }
}

impl Default for GcConfig {
    fn default() -> Self {
        GcConfig {
            pacer: PacerKind::default(),
            gogc: Some(100),
            memlimit: None,
            max_heap: None,
            min_heap: None,
            mode: GcMode::Incremental,
            step_budget: 1024,
            step_time_budget: None,
            min_step: 64,
            stress: false,
            alloc_color: None,
        }
    }
}

/// What the last cycle left behind: the inputs of every policy's goal and trigger.
#[derive(Debug, Clone, Copy)]
pub struct HeapState {
    /// Bytes that survived the last cycle (Go's `heapMarked`), and objects.
    pub heap_marked: u64,
    pub marked_objects: u64,
    /// Bytes of the VM's value stack and call frames at the last cycle's start (Go's
    /// `lastStackScan`).
    pub stack_bytes: u64,
    /// Bytes of the VM's globals (Go's `globalsScan`).
    pub globals_bytes: u64,
    /// Bytes the runtime holds outside the script heap, now.
    pub non_heap_bytes: u64,
    /// Live script heap now, bytes.
    pub heap_live: u64,
    /// Memory the process holds per accounted heap byte (≥ 1: allocator size classes and
    /// fragmentation), as last measured by a memory probe; 1 without one.
    pub heap_overhead: f64,
}

impl Default for HeapState {
    fn default() -> Self {
        HeapState {
            heap_marked: 0,
            marked_objects: 0,
            stack_bytes: 0,
            globals_bytes: 0,
            non_heap_bytes: 0,
            heap_live: 0,
            heap_overhead: 1.0,
        }
    }
}

impl HeapState {
    /// Scan work a cycle is expected to do, bytes: the marked heap plus the roots.
    pub fn scan_expected(&self) -> u64 {
        self.heap_marked + self.stack_bytes + self.globals_bytes
    }
}

/// What one unforced cycle did, for the policies that learn.
#[derive(Debug, Clone, Copy)]
pub struct CycleOutcome {
    /// The state the cycle was planned from.
    pub planned_from: HeapState,
    /// The goal and trigger it ran with.
    pub goal: u64,
    pub trigger: u64,
    /// Live heap when the cycle started (Go's `triggered`) and when marking ended (Go's
    /// `heapLive` at mark termination).
    pub heap_at_start: u64,
    pub heap_at_mark_end: u64,
    /// Scan work done, bytes (marked heap + stacks + globals).
    pub scan_work: u64,
    /// Share of the mark phase's wall time spent in collector steps.
    pub mark_utilization: f64,
}

impl CycleOutcome {
    /// The cycle's measured cons/mark (Go's `currentConsMark`): allocation over scan work,
    /// each per unit of the time its side had, `A × u / (W × (1 − u))`. `None` when the cycle
    /// measured nothing (marked in one step, or nothing was allocated while it marked).
    pub fn cons_mark(&self) -> Option<f64> {
        let u = self.mark_utilization;
        if self.heap_at_mark_end <= self.heap_at_start
            || !(0.0..1.0).contains(&u)
            || self.scan_work == 0
        {
            return None;
        }
        let allocated = (self.heap_at_mark_end - self.heap_at_start) as f64;
        Some(allocated * u / (self.scan_work as f64 * (1.0 - u)))
    }
}

/// How many cycles' measured cons/mark the floor looks back over.
const RECENT: usize = 4;

/// The largest of the recent measurements: noisy ones bias toward more runway.
fn largest(recent: &[f64; RECENT]) -> f64 {
    recent.iter().copied().fold(0.0, f64::max)
}

/// The median of the recent measurements (cycles not yet run count as 0).
fn median(recent: &[f64; RECENT]) -> f64 {
    let mut sorted = *recent;
    sorted.sort_by(f64::total_cmp);
    (sorted[RECENT / 2 - 1] + sorted[RECENT / 2]) / 2.0
}

/// A pacing policy: the heap goal and trigger, and what it learns from each cycle.
pub trait Policy: fmt::Debug {
    fn kind(&self) -> PacerKind;
    /// The policy's own goal for the next cycle, bytes (`u64::MAX`: none; the memory limit
    /// is applied by [`Pacer`]).
    fn goal(&self, config: &GcConfig, s: &HeapState) -> u64;
    /// The trigger for a cycle whose goal (after the memory limit) is `goal`.
    fn trigger(&self, config: &GcConfig, s: &HeapState, goal: u64) -> u64;
    /// Learns from an unforced cycle. Default: nothing to learn.
    fn learn(&mut self, _outcome: &CycleOutcome) {}
    /// Work units a marking or sweeping step does for `allocated` bytes, if the policy has
    /// its own rule (Lua's `stepmul`), which then also bounds the step instead of the object
    /// step budget (a time budget still applies); `None`: the shared assist pacing.
    fn step_work(&self, _config: &GcConfig, _s: &HeapState, _allocated: u64) -> Option<f64> {
        None
    }
    /// Whether each cycle runs whole, in the step that starts it (clox).
    fn whole_cycles(&self) -> bool {
        false
    }
    /// The collector CPU share the policy aims for while marking, percent (gcpacertrace's
    /// `(N exp.)`).
    fn goal_utilization(&self) -> u32 {
        0
    }
    /// The policy's cons/mark estimate (allocation rate over scan rate), for gcpacertrace.
    fn cons_mark(&self) -> f64 {
        0.0
    }
    /// Extra state for the level-2 pacer line, e.g. `trigger fraction 0.753`.
    fn describe(&self) -> String {
        String::new()
    }
}

/// The pacer's plan for one cycle, fixed when the cycle starts (for gcpacertrace).
#[derive(Debug, Clone, Copy, Default)]
pub struct CyclePlan {
    /// Live heap after the previous cycle, bytes.
    pub heap_marked: u64,
    pub trigger: u64,
    pub goal: u64,
    /// Expected mark work, work units (objects).
    pub mark_work: u64,
    /// Expected scan work, bytes (marked heap + stacks + globals of the last cycle).
    pub scan_expected: u64,
    /// The assist ratio at the start of marking, scan bytes per byte allocated.
    pub assist_ratio: f64,
}

/// The pacer: one policy plus the shared machinery, and the state across cycles.
#[derive(Debug)]
pub struct Pacer {
    pub config: GcConfig,
    policy: Box<dyn Policy>,
    state: HeapState,
    marked_objects: u64,
    plan: CyclePlan,
    limiter: CpuLimiter,
    floor: UtilizationFloor,
    /// The last unforced cycles' measured cons/mark, newest last.
    recent_cons_mark: [f64; RECENT],
    /// Whether the last marking step found the heap at or past the goal.
    past_goal: bool,
    in_cycle: bool,
    // Work done in the running cycle, by phase.
    mark_done: u64,
    swept: u64,
    sweep_work: u64,
    allocated_at_mark_end: u64,
}

impl Pacer {
    pub fn new(config: GcConfig) -> Self {
        let policy = config.pacer.policy();
        let mut pacer = Pacer {
            config,
            policy,
            state: HeapState::default(),
            marked_objects: 0,
            plan: CyclePlan::default(),
            limiter: CpuLimiter::default(),
            floor: UtilizationFloor::default(),
            recent_cons_mark: [0.0; RECENT],
            past_goal: false,
            in_cycle: false,
            mark_done: 0,
            swept: 0,
            sweep_work: 0,
            allocated_at_mark_end: 0,
        };
        pacer.replan();
        pacer
    }

    pub fn kind(&self) -> PacerKind {
        self.policy.kind()
    }

    pub fn policy(&self) -> &dyn Policy {
        self.policy.as_ref()
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

    pub fn limiter(&self) -> &CpuLimiter {
        &self.limiter
    }

    pub fn floor(&self) -> &UtilizationFloor {
        &self.floor
    }

    /// Whether cycles run whole in one step (`stw` mode, stress, or a policy that does).
    pub fn whole_cycles(&self) -> bool {
        self.config.stress || self.config.mode == GcMode::StopTheWorld || self.policy.whole_cycles()
    }

    /// Replaces gogc (Go's `debug.SetGCPercent`); returns the previous value. The new goal
    /// applies from now on.
    pub fn set_gogc(&mut self, gogc: Option<u32>) -> Option<u32> {
        let old = std::mem::replace(&mut self.config.gogc, gogc);
        self.replan();
        old
    }

    /// The goal for the heap state `s`: the policy's, lowered by the memory limit.
    fn goal_for(&self, s: &HeapState) -> u64 {
        self.policy
            .goal(&self.config, s)
            .min(memory_limit_goal(self.config.memlimit, s))
    }

    fn replan(&mut self) {
        let s = self.state;
        let goal = self.goal_for(&s);
        let trigger = if self.whole_cycles() {
            goal
        } else {
            self.policy
                .trigger(&self.config, &s, goal)
                .clamp(s.heap_marked.min(goal), goal)
        };
        let scan_expected = s.scan_expected();
        self.plan = CyclePlan {
            heap_marked: s.heap_marked,
            trigger,
            goal,
            mark_work: self.marked_objects.max(1),
            scan_expected,
            assist_ratio: scan_expected as f64
                / (goal.saturating_sub(trigger) as f64).max(MIN_RUNWAY),
        };
    }

    /// Tells the pacer how large the heap is now and how much memory the runtime holds
    /// outside it. With a memory limit the goal follows them (Go recomputes the
    /// memory-limit goal continuously too); during a cycle only the goal moves.
    pub fn observe(&mut self, heap_live: u64, non_heap_bytes: u64, heap_overhead: f64) {
        self.state.heap_live = heap_live;
        self.state.non_heap_bytes = non_heap_bytes;
        self.state.heap_overhead = heap_overhead;
        if self.config.memlimit.is_none() {
            return;
        }
        if self.in_cycle {
            self.plan.goal = self.goal_for(&self.state).max(self.plan.trigger);
        } else {
            self.replan();
        }
    }

    /// Whether a cycle should start with the heap at `live` bytes.
    pub fn should_start(&self, live: u64) -> bool {
        self.config.stress || live >= self.plan.trigger
    }

    /// A cycle starts with the roots at `stack_bytes` and `globals_bytes`. The cycle runs with
    /// the goal and trigger planned for it; the roots it scans now are the next cycle's
    /// expectation. `live_objects` bounds the mark work of the first cycle.
    pub fn start_cycle(&mut self, live_objects: u64, stack_bytes: u64, globals_bytes: u64) {
        if self.marked_objects == 0 {
            self.marked_objects = live_objects;
        }
        self.plan.mark_work = self.marked_objects.max(1);
        self.state.stack_bytes = stack_bytes;
        self.state.globals_bytes = globals_bytes;
        self.in_cycle = true;
        self.mark_done = 0;
        self.swept = 0;
    }

    /// Records collector and mutator time for the utilization floor and, with a memory
    /// limit, the CPU limiter. Returns whether the next collector step is to be held back:
    /// the limiter is on, or the floor holds and no memory limit sets the goal.
    pub fn limit_cpu(&mut self, mutator: Duration, collector: Duration) -> bool {
        if !self.limits_cpu() {
            return false;
        }
        let floor = self.floor.update(mutator, collector);
        let limiter = self.config.memlimit.is_some() && self.limiter.update(mutator, collector);
        // go119 only: its cycles already depend on measured time, as Go's do; go117 and lua54
        // are paced by bytes alone, so the same program collects the same way on any machine
        // (`runtime/tests/isolates.rs` checks that for go117).
        let floor_applies = self.kind() == PacerKind::Go119
            && self.growth() >= FLOOR_MIN_GROWTH
            && (self.floor_fits_plan() || self.past_goal);
        limiter || (floor && floor_applies && !self.memory_limit_sets_goal())
    }

    /// Whether this cycle's plan lets marking finish by the goal within the floor's share:
    /// with `cm` the median recent measured cons/mark, `W` the expected scan work and `R`
    /// the runway from trigger to goal, the share marking needs is `cm·W / (cm·W + R)`. A
    /// program whose steady state needs more (a churn at gogc=50 needs over half the time)
    /// keeps its goal, as before the floor; the floor spreads what the plan did not expect:
    /// a late trigger, or a live heap that outgrew its goal. Once marking is past the goal
    /// the plan has failed anyway and the floor holds whatever it said: the goal cannot be
    /// kept, only the overshoot traded for latency (early in binary_trees the live heap
    /// doubles every cycle, and every cycle measures a need over half the time). go119 plans
    /// its trigger for the floor (its runway guard), so past its goal means the live heap
    /// outgrew the plan; go117's controller crosses the goal in its steady state at gogc=50,
    /// and holding there cost it 33 % of precision (one reason the floor is go119's).
    fn floor_fits_plan(&self) -> bool {
        let scan = median(&self.recent_cons_mark) * self.plan.scan_expected as f64;
        let runway = self.runway() as f64;
        scan / (scan + runway) <= floor::MAX_SHARE
    }

    /// The planned runway from trigger to goal, bytes.
    fn runway(&self) -> u64 {
        self.plan
            .goal
            .saturating_sub(self.plan.trigger)
            .max(MIN_RUNWAY as u64)
    }

    /// How far the plan lets the heap grow past the last marked heap, bytes.
    fn growth(&self) -> u64 {
        self.plan.goal.saturating_sub(self.plan.heap_marked)
    }

    /// Whether collector time is bounded (the floor, and the CPU limiter with a memory
    /// limit): whenever cycles run in steps.
    pub fn limits_cpu(&self) -> bool {
        !self.whole_cycles()
    }

    /// Whether the memory limit, not the policy, sets the goal now.
    fn memory_limit_sets_goal(&self) -> bool {
        self.config.memlimit.is_some()
            && memory_limit_goal(self.config.memlimit, &self.state)
                < self.policy.goal(&self.config, &self.state)
    }

    /// The policy's own work for a step, if it has a rule (Lua's), at least one unit.
    fn policy_work(&self, allocated_since_step: u64) -> Option<u64> {
        let work = self
            .policy
            .step_work(&self.config, &self.state, allocated_since_step)?;
        Some((work.ceil() as u64).max(1))
    }

    /// Objects allocated since the last step, while marking: with a policy that allocates
    /// black they are marked gray at allocation and must be traced too, so they add to the
    /// mark work still to do.
    pub fn allocated_while_marking(&mut self, objects: u64) {
        if self.config.allocates_black() {
            self.plan.mark_work += objects;
        }
    }

    /// Work units the next marking step should do, given the live heap now and the bytes
    /// allocated since the previous step.
    pub fn mark_step_work(&mut self, live: u64, allocated_since_step: u64) -> u64 {
        if let Some(work) = self.policy_work(allocated_since_step) {
            self.mark_done += work;
            return work;
        }
        self.past_goal = live >= self.plan.goal;
        if self.past_goal {
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
        self.past_goal = false;
        self.sweep_work = objects;
        self.allocated_at_mark_end = total_allocated;
    }

    /// Work units the next sweeping step should do.
    pub fn sweep_step_work(&mut self, total_allocated: u64, allocated_since_step: u64) -> u64 {
        if let Some(work) = self.policy_work(allocated_since_step) {
            self.swept += work;
            return work;
        }
        let remaining = self.sweep_work.saturating_sub(self.swept) as f64;
        let allowance = self.sweep_allowance() as f64;
        let used = total_allocated.saturating_sub(self.allocated_at_mark_end) as f64;
        let runway = (allowance - used).max(MIN_RUNWAY);
        let work = self.clamp_work(allocated_since_step as f64 * remaining / runway);
        self.swept += work;
        work
    }

    /// Bytes of allocation sweeping may spread over: three quarters of the distance from the
    /// last marked heap to this cycle's trigger, the best guess at where the next trigger
    /// will be (Go spreads its sweep over the distance to the next trigger, which it knows at
    /// mark termination; gclox learns the marked heap only when the sweep ends), and never
    /// less than half the way from the trigger to the goal.
    fn sweep_allowance(&self) -> u64 {
        let to_goal = self.plan.goal.saturating_sub(self.plan.trigger) / 2;
        let to_trigger = self.plan.trigger.saturating_sub(self.plan.heap_marked) / 4 * 3;
        to_goal.max(to_trigger)
    }

    fn clamp_work(&self, work: f64) -> u64 {
        let max = self.config.step_budget.max(1);
        (work.ceil() as u64).clamp(self.config.min_step.min(max), max)
    }

    /// A cycle ended: `heap_marked` bytes and `marked_objects` objects survived it. An
    /// unforced cycle's `outcome` trains the policy. Plans the next cycle.
    pub fn end_cycle(
        &mut self,
        heap_marked: u64,
        marked_objects: u64,
        outcome: Option<CycleOutcome>,
    ) {
        if let Some(outcome) = outcome {
            if !self.whole_cycles() {
                self.policy.learn(&outcome);
                if let Some(cm) = outcome.cons_mark() {
                    self.recent_cons_mark.rotate_left(1);
                    self.recent_cons_mark[RECENT - 1] = cm;
                }
            }
        }
        self.in_cycle = false;
        self.state.heap_marked = heap_marked;
        self.state.marked_objects = marked_objects;
        self.marked_objects = marked_objects;
        self.replan();
    }

    /// What the policy's next goal and trigger would be planned from.
    pub fn state(&self) -> &HeapState {
        &self.state
    }
}

/// Go's `memoryLimitHeapGoal`, in gclox's terms: the heap goal a memory limit allows when the
/// runtime holds `s.non_heap_bytes` outside the heap and `s.heap_overhead` bytes per accounted
/// heap byte. `None` is Go's default limit, `i64::MAX`.
///
/// Go's limit counts its heap's fragmentation because it owns its allocator (`mappedReady`);
/// gclox's heap bytes are exact object sizes, so the fragmentation is a measured ratio: the
/// goal is what leaves the heap, grown by that ratio, under the limit.
pub fn memory_limit_goal(limit: Option<u64>, s: &HeapState) -> u64 {
    let limit = limit.unwrap_or(NO_MEMORY_LIMIT);
    let ratio = s.heap_overhead.max(1.0);
    let mapped = (s.heap_live as f64 * ratio) as u64 + s.non_heap_bytes;
    let overage = mapped.saturating_sub(limit);
    if s.non_heap_bytes + overage >= limit {
        return s.heap_marked;
    }
    let room = limit - (s.non_heap_bytes + overage);
    let room = if room < 2 * MEMORY_LIMIT_HEADROOM {
        MEMORY_LIMIT_HEADROOM
    } else {
        room - MEMORY_LIMIT_HEADROOM
    };
    let goal = if ratio == 1.0 {
        room
    } else {
        (room as f64 / ratio) as u64
    };
    goal.max(s.heap_marked)
}

/// Go's minimum heap, `4 MiB × gogc / 100` (`setGCPercent`): the goal of a tiny heap.
pub fn go_heap_minimum(config: &GcConfig) -> u64 {
    match (config.min_heap, config.gogc) {
        (Some(min), _) => min,
        (None, Some(gogc)) => (4u64 << 20) * u64::from(gogc) / 100,
        (None, None) => 0,
    }
}

#[cfg(test)]
mod tests;
