//! The collector tells the truth about itself: gctrace's shape, MemStats invariants, the GC
//! natives, the heap limits and the modes, checked through the embedding API.

use std::cell::RefCell;
use std::rc::Rc;

use gclox_gc::{GcConfig, GcMode};
use gclox_interp::LoxError;
use gclox_runtime::{sink::Captured, Config, Runtime};
use regex::Regex;

/// Steady churn over a fixed live set: 2000 instances stay reachable from a global list while
/// short-lived ones are made and dropped. Calls `__gc()` twice.
const CHURN: &str = r#"
class Node { init(v, next) { this.v = v; this.next = next; } }
var keep = nil;
for (var i = 0; i < 2000; i = i + 1) keep = Node(i, keep);
var sum = 0;
for (var i = 0; i < 200000; i = i + 1) {
  var tmp = Node(i, nil);
  tmp.next = Node(i, tmp);
  sum = sum + tmp.next.v;
  if (i == 1000 or i == 150000) __gc();
}
print sum;
"#;

fn small_heap_config() -> Config {
    let mut config = Config::default();
    config.gc.min_heap = Some(256 << 10);
    config
}

fn run_with_trace(config: Config, level: u8, source: &str) -> (Runtime, String, String) {
    let out = Captured::new();
    let trace = Captured::new();
    let mut runtime = Runtime::new(config, out.writer());
    runtime.set_gctrace(level, level >= 2, trace.writer());
    runtime.run_source(source).expect("program runs");
    (runtime, out.text(), trace.text())
}

#[test]
fn gctrace_lines_have_gos_exact_shape() {
    let (runtime, out, trace) = run_with_trace(small_heap_config(), 1, CHURN);
    assert_eq!(out, "19999900000\n");
    let shape = Regex::new(
        r"^gc (\d+) @(\d+\.\d{3})s (\d+)%: [\d.]+\+[\d.]+\+[\d.]+ ms clock, [\d.]+\+[\d.]+/[\d.]+/[\d.]+\+[\d.]+ ms cpu, \d+->\d+->\d+ MB, \d+ MB goal, \d+ MB stacks, \d+ MB globals, 1 P( \(forced\))?$",
    )
    .expect("valid regex");
    let lines: Vec<&str> = trace.lines().collect();
    assert!(lines.len() >= 20, "only {} cycles", lines.len());
    let mut last_time = 0.0;
    let mut forced = 0;
    for (i, line) in lines.iter().enumerate() {
        let caps = shape
            .captures(line)
            .unwrap_or_else(|| panic!("not Go's shape: {line}"));
        assert_eq!(
            caps[1].parse::<usize>().unwrap(),
            i + 1,
            "cycle numbers count up"
        );
        let time: f64 = caps[2].parse().unwrap();
        assert!(time >= last_time, "@T goes forward: {line}");
        last_time = time;
        assert!(caps[3].parse::<u32>().unwrap() <= 100);
        forced += usize::from(caps.get(4).is_some());
    }
    // NumGC counts a cycle from its mark termination (as Go does); its gc line comes when its
    // sweep ends, so a cycle still sweeping at exit is counted but has no line yet.
    let stats = runtime.memstats();
    let sweeping = runtime.phase() == gclox_gc::gc_arena::arena::CollectionPhase::Sweeping;
    assert_eq!(stats.num_gc, lines.len() as u64 + u64::from(sweeping));
    assert_eq!(forced, 2, "the two __gc() calls are marked forced");
    assert_eq!(stats.num_forced_gc, 2);
}

#[test]
fn gctrace_level_two_and_pacer_trace_add_their_lines() {
    let (runtime, _, trace) = run_with_trace(small_heap_config(), 2, CHURN);
    let cycles = runtime.memstats().num_gc as usize;
    let count = |prefix: &Regex| trace.lines().filter(|l| prefix.is_match(l)).count();
    let detail = Regex::new(r"^gc \d+: steps \d+, longest [\d.]+ ms, sweep [\d.]+ ms, objects \d+->\d+->\d+, traced \d+, pruned \d+, freed \d+ B in \d+ objects, heap \d+->\d+->\d+ B, goal \d+ B, trigger \d+ B, pacer go119 cons/mark -?[\d.]+(, cpu limited)?$").unwrap();
    let pacer_start = Regex::new(r"^pacer: assist ratio=[+-]\d\.\d{6}e[+-]\d{3} \(scan \d+ MB in \d+->\d+ MB\) workers=0\+\+0\.000000e\+000$").unwrap();
    let pacer_end = Regex::new(r"^pacer: \d+% CPU \(25 exp\.\) for \d+\+\d+\+\d+ B work \(\d+ B exp\.\) in \d+ B -> \d+ B \(∆goal -?\d+, cons/mark [+-]\d\.\d{6}e[+-]\d{3}\)$").unwrap();
    let sweeping = runtime.phase() == gclox_gc::gc_arena::arena::CollectionPhase::Sweeping;
    let cycles = cycles - usize::from(sweeping);
    assert_eq!(count(&detail), cycles);
    // A cycle may still be running when the program ends: its start line has no end yet.
    let started = count(&pacer_start);
    assert!(
        started == cycles || started == cycles + 1,
        "{started} starts, {cycles} cycles"
    );
    assert_eq!(count(&pacer_end), cycles);
}

#[test]
fn memstats_invariants_hold() {
    let (runtime, _, _) = run_with_trace(small_heap_config(), 0, CHURN);
    let m = runtime.memstats();
    assert_eq!(m.mallocs - m.frees, m.heap_objects);
    assert!(m.total_alloc >= m.heap_alloc);
    assert!(m.peak_heap_alloc >= m.heap_alloc);
    assert!(m.num_pauses > 256, "enough pauses to wrap the ring");
    let ring_sum: u64 = m.pause_ns.iter().sum();
    assert!(ring_sum <= m.pause_total_ns);
    assert!(m.pause_max_ns <= m.pause_total_ns);
    assert!(m.pause_p50_ns <= m.pause_p99_ns && m.pause_p99_ns <= m.pause_max_ns);
    assert!(m.gc_cpu_fraction > 0.0 && m.gc_cpu_fraction < 1.0);
    // The ring is per cycle, as Go's: the last cycle to reach mark termination is at
    // (NumGC + 255) % 256, and only the cycle after it (still marking) can have paused later.
    let newest = ((m.num_gc + 255) % 256) as usize;
    let running = (m.num_gc % 256) as usize;
    let latest = m.pause_end.iter().max().copied();
    assert!(latest == Some(m.pause_end[newest]) || latest == Some(m.pause_end[running]));
    assert!(m.last_gc > 0 && m.last_gc <= m.pause_end[newest]);
    // gclox's byte accounting agrees with gc-arena's object count. gc-arena keeps the memory of
    // a dead object that a weak table still referenced during the cycle that found it dead
    // (the intern table, the profiler's samples) until the next sweep, so compare after two
    // full collections. The only arena objects not made through the allocation entry point
    // are the VM's own cells for the intern table and the heap profiler's sample list.
    let mut runtime = runtime;
    runtime.collect_full();
    runtime.collect_full();
    let m = runtime.memstats();
    assert_eq!(runtime.stats().arena_objects as u64, m.heap_objects + 2);
}

#[test]
fn pauses_sum_to_the_total_before_the_ring_wraps() {
    let mut config = Config::default();
    config.gc.min_heap = Some(64 << 10);
    let source =
        "var s = \"\"; for (var i = 0; i < 3000; i = i + 1) { s = \"x\" + s; } print s == s;";
    let (runtime, out, _) = run_with_trace(config, 0, source);
    assert_eq!(out, "true\n");
    let m = runtime.memstats();
    assert!(
        m.num_pauses > 0 && m.num_pauses <= 256,
        "{} pauses",
        m.num_pauses
    );
    assert_eq!(m.pause_ns.iter().sum::<u64>(), m.pause_total_ns);
}

#[test]
fn gc_natives_force_collections_and_set_gogc() {
    let source = r#"
print __memstat("GOGC");
print __setgcpercent(50);
print __memstat("GOGC");
print __setgcpercent(-1);
print __setgcpercent(100);
var before = __memstat("NumGC");
__gc();
print __memstat("NumGC") - before;
print __memstat("NumForcedGC");
print __memstat("Mallocs") - __memstat("Frees") == __memstat("HeapObjects");
"#;
    let (runtime, out, trace) = run_with_trace(Config::default(), 1, source);
    assert_eq!(out, "100\n100\n50\n50\n-1\n1\n1\ntrue\n");
    assert!(trace.lines().last().unwrap().ends_with(" (forced)"));
    assert_eq!(runtime.memstats().num_forced_gc, 1);
}

#[test]
fn unknown_statistic_is_a_runtime_error() {
    let mut runtime = Runtime::new(Config::default(), Captured::new().writer());
    let err = runtime.run_source("__memstat(\"Bogus\");").unwrap_err();
    let LoxError::Runtime { message, trace } = err else {
        panic!("expected a runtime error")
    };
    assert!(
        message.starts_with("Unknown statistic 'Bogus'"),
        "{message}"
    );
    assert_eq!(trace, vec!["[line 1] in script"]);
}

fn run_limited(gc: GcConfig, source: &str) -> (Result<(), LoxError>, String) {
    let out = Captured::new();
    let config = Config {
        gc,
        ..Config::default()
    };
    let mut runtime = Runtime::new(config, out.writer());
    (runtime.run_source(source), out.text())
}

fn max_heap(bytes: u64, mode: GcMode) -> GcConfig {
    GcConfig {
        max_heap: Some(bytes),
        mode,
        ..GcConfig::default()
    }
}

#[test]
fn max_heap_stops_a_growing_live_set_with_out_of_memory() {
    let source = "class N { init(n) { this.n = n; } }\nfun grow() {\n  var list = nil;\n  while (true) { var n = N(list); list = n; }\n}\ngrow();\n";
    for mode in [GcMode::Incremental, GcMode::StopTheWorld] {
        let (result, _) = run_limited(max_heap(2 << 20, mode), source);
        let Err(LoxError::Runtime { message, trace }) = result else {
            panic!("{mode}: expected Out of memory, got {result:?}")
        };
        assert_eq!(message, "Out of memory.");
        // The limit is checked between slices, which may end inside `init`.
        let outer = &trace[trace.len().saturating_sub(2)..];
        assert!(
            (2..=3).contains(&trace.len())
                && outer[0] == "[line 4] in grow()"
                && outer[1] == "[line 6] in script",
            "{mode}: {trace:?}"
        );
    }
}

#[test]
fn max_heap_refuses_an_exponentially_doubling_string_before_allocating_it() {
    let source = "var s = \"xxxxxxxx\";\nwhile (true) { s = s + s; }\n";
    let (result, _) = run_limited(max_heap(8 << 20, GcMode::Incremental), source);
    let Err(LoxError::Runtime { message, trace }) = result else {
        panic!("expected Out of memory, got {result:?}")
    };
    assert_eq!(message, "Out of memory.");
    assert_eq!(trace, vec!["[line 2] in script"]);
}

#[test]
fn max_heap_allows_garbage_well_beyond_the_limit() {
    let (result, out) = run_limited(max_heap(1 << 20, GcMode::Incremental), CHURN);
    result.expect("churn with a small live set fits in 1 MiB");
    assert_eq!(out, "19999900000\n");
}

#[test]
fn memlimit_caps_every_goal_even_with_gogc_off() {
    let goals = Rc::new(RefCell::new(Vec::new()));
    let mut config = Config::default();
    config.gc.gogc = None;
    config.gc.memlimit = Some(1 << 20);
    config.gc.min_heap = Some(64 << 10);
    let mut runtime = Runtime::new(config, Captured::new().writer());
    let sink = goals.clone();
    runtime.on_cycle(move |c| sink.borrow_mut().push(c.plan.goal));
    runtime.run_source(CHURN).expect("runs");
    let goals = goals.borrow();
    assert!(
        goals.len() > 10,
        "cycles still run under the limit: {}",
        goals.len()
    );
    assert!(goals.iter().all(|&g| g <= 1 << 20), "{goals:?}");
}

#[test]
fn stw_mode_runs_each_cycle_in_one_step() {
    let steps = Rc::new(RefCell::new(Vec::new()));
    let mut config = small_heap_config();
    config.gc.mode = GcMode::StopTheWorld;
    let mut runtime = Runtime::new(config, Captured::new().writer());
    let sink = steps.clone();
    runtime.on_cycle(move |c| sink.borrow_mut().push(c.steps));
    runtime.run_source(CHURN).expect("runs");
    let steps = steps.borrow();
    assert!(steps.len() > 5);
    assert!(steps.iter().all(|&s| s == 1), "{steps:?}");
}

#[test]
fn incremental_cycles_take_many_bounded_steps() {
    let cycles = Rc::new(RefCell::new(Vec::new()));
    let mut config = small_heap_config();
    config.gc.step_budget = 256;
    let mut runtime = Runtime::new(config, Captured::new().writer());
    let sink = cycles.clone();
    runtime.on_cycle(move |c| sink.borrow_mut().push((c.forced, c.steps)));
    runtime.run_source(CHURN).expect("runs");
    // A cycle running when the program forces a collection is finished at once, in one
    // step: leave out those, the cycles just before a forced one.
    let cycles = cycles.borrow();
    let unforced: Vec<u32> = cycles
        .windows(2)
        .filter(|pair| !pair[0].0 && !pair[1].0)
        .map(|pair| pair[0].1)
        .collect();
    assert!(unforced.len() > 5);
    assert!(unforced.iter().all(|&s| s > 4), "{unforced:?}");
}

/// Every cycle's record adds up to its steps: the summed step durations of a cycle equal the
/// pause its record reports (first step + assists + mark termination + sweep), with forced
/// full collections finishing cycles that were marking or sweeping, and without.
#[test]
fn a_cycles_steps_sum_to_its_record() {
    for source in [CHURN, &CHURN.replace("__gc();", "nil;")] {
        let out = Captured::new();
        let mut runtime = Runtime::new(small_heap_config(), out.writer());
        runtime.record_steps();
        let records = Rc::new(RefCell::new(Vec::new()));
        let sink = records.clone();
        runtime.on_cycle(move |c| sink.borrow_mut().push(c.clone()));
        runtime.run_source(source).expect("runs");
        let records = records.borrow();
        assert!(records.len() >= 20, "{} cycles", records.len());
        for record in records.iter() {
            let steps: Vec<_> = runtime
                .step_log()
                .iter()
                .filter(|s| s.cycle == record.number)
                .collect();
            assert_eq!(
                steps.len(),
                record.steps as usize,
                "cycle {}",
                record.number
            );
            let summed: std::time::Duration = steps.iter().map(|s| s.end - s.start).sum();
            assert_eq!(
                summed,
                record.pause_total(),
                "cycle {}: {record:?} {steps:?}",
                record.number
            );
            assert!(record.start <= steps[0].start && steps.last().unwrap().end <= record.end);
            assert!(record.start <= record.mark_end && record.mark_end <= record.end);
        }
    }
}

/// A recorded step carries the CPU time its thread used, and that is never more than the
/// step's wall time (plus the two clock reads it brackets): the figure gc-bench puts beside
/// the longest pause to tell collector work from time spent descheduled.
#[test]
#[cfg(unix)]
fn recorded_steps_carry_their_cpu_time_when_asked() {
    // Wall times only: no system calls per step.
    let mut runtime = Runtime::new(small_heap_config(), Captured::new().writer());
    runtime.record_steps();
    runtime.run_source(CHURN).expect("runs");
    let steps = runtime.step_log();
    assert!(steps.len() > 100, "{} steps", steps.len());
    assert!(steps.iter().all(|s| s.cpu.is_none() && s.kernel.is_none()));

    let out = Captured::new();
    let mut runtime = Runtime::new(small_heap_config(), out.writer());
    runtime.record_step_usage();
    runtime.run_source(CHURN).expect("runs");
    let steps = runtime.step_log();
    assert!(steps.len() > 100, "{} steps", steps.len());
    let slack = std::time::Duration::from_millis(1);
    for s in steps {
        let cpu = s.cpu.expect("unix has a thread CPU clock");
        assert!(cpu <= s.end - s.start + slack, "{s:?}");
    }
    let used: std::time::Duration = steps.iter().filter_map(|s| s.cpu).sum();
    assert!(!used.is_zero());
}

/// Black allocation keeps what the churn makes while a cycle marks until the next cycle;
/// white allocation lets the same cycle free it, so each cycle marks (and keeps) less.
#[test]
fn allocation_color_decides_whether_garbage_made_while_marking_survives_the_cycle() {
    let marked = |color: gclox_gc::AllocColor| {
        let mut config = small_heap_config();
        config.gc.alloc_color = Some(color);
        let mut runtime = Runtime::new(config, Captured::new().writer());
        let cycles = Rc::new(RefCell::new(Vec::new()));
        let sink = cycles.clone();
        runtime.on_cycle(move |c| {
            if !c.forced {
                sink.borrow_mut().push(c.heap_marked)
            }
        });
        runtime.run_source(CHURN).expect("churn runs");
        let mut marked = cycles.borrow().clone();
        assert!(marked.len() >= 10, "{} cycles", marked.len());
        marked.sort_unstable();
        marked[marked.len() / 2]
    };
    let black = marked(gclox_gc::AllocColor::Black);
    let white = marked(gclox_gc::AllocColor::White);
    assert!(
        white < black,
        "median marked heap: white {white} B, black {black} B"
    );
    assert!(
        GcConfig::default().allocates_black(),
        "go119 allocates black, as Go does"
    );
}

/// Large slices get proportionally larger steps: a collector held to the default step budget
/// after each 1 MiB slice could never catch up with the churn (no cycle completed; the heap
/// grew with every slice).
#[test]
fn large_slices_still_let_the_collector_keep_up() {
    let mut config = small_heap_config();
    config.vm.slice_alloc_bytes = 1 << 20;
    config.slice_instructions = 1 << 16;
    let mut runtime = Runtime::new(config, Captured::new().writer());
    runtime.run_source(CHURN).expect("churn runs");
    let m = runtime.memstats();
    let unforced = m.num_gc - m.num_forced_gc;
    assert!(unforced >= 5, "{unforced} unforced cycles");
    assert!(
        m.peak_heap_alloc < 16 << 20,
        "peak heap {} B",
        m.peak_heap_alloc
    );
}
