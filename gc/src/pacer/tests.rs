use super::*;

fn planned(kind: PacerKind, gogc: Option<u32>) -> Pacer {
    let mut p = Pacer::new(GcConfig {
        pacer: kind,
        gogc,
        ..GcConfig::default()
    });
    p.end_cycle(10 << 20, 100_000, None);
    p
}

#[test]
fn pacer_names_parse_back() {
    for kind in PacerKind::ALL {
        assert_eq!(kind.name().parse::<PacerKind>(), Ok(kind));
    }
    assert!("go118".parse::<PacerKind>().is_err());
}

#[test]
fn go119_goal_counts_stacks_and_globals_and_scales_the_minimum() {
    let mut p = Pacer::new(GcConfig::default());
    // A tiny heap: the minimum, 4 MiB × gogc/100.
    assert_eq!(p.goal(), 4 << 20);
    let p50 = Pacer::new(GcConfig {
        gogc: Some(50),
        ..GcConfig::default()
    });
    assert_eq!(p50.goal(), 2 << 20);
    p.start_cycle(1000, 1 << 20, 1 << 20);
    p.end_cycle(10 << 20, 100_000, None);
    // 10 MiB + (10 + 1 + 1) MiB × 100 %.
    assert_eq!(p.goal(), 22 << 20);
}

#[test]
fn go119_trigger_stays_within_go_bounds() {
    let p = planned(PacerKind::Go119, Some(100));
    let (marked, goal) = (10u64 << 20, p.goal());
    let span = goal - marked;
    assert!(p.trigger() >= marked + span / 64 * 45, "{}", p.trigger());
    assert!(p.trigger() <= marked + span / 64 * 61 || p.trigger() <= goal - (4 << 20));
}

#[test]
fn go119_learns_cons_mark_from_unforced_cycles_only() {
    let mut p = planned(PacerKind::Go119, Some(100));
    let outcome = CycleOutcome {
        planned_from: *p.state(),
        goal: p.goal(),
        trigger: p.trigger(),
        heap_at_start: 15 << 20,
        heap_at_mark_end: 19 << 20,
        scan_work: 10 << 20,
        mark_utilization: 0.2,
    };
    let before = p.policy().cons_mark();
    p.end_cycle(10 << 20, 100_000, None);
    assert_eq!(
        p.policy().cons_mark(),
        before,
        "a forced cycle must not train"
    );
    let trigger_before = p.trigger();
    p.end_cycle(10 << 20, 100_000, Some(outcome));
    // cons/mark now = 4 MiB × 0.2 / (10 MiB × 0.8) = 0.1; the PI controller moves toward it.
    assert!(p.policy().cons_mark() > 0.0);
    assert!(p.trigger() <= trigger_before);
}

#[test]
fn memory_limit_lowers_the_goal_to_the_limit_minus_non_heap_and_headroom() {
    let mut p = Pacer::new(GcConfig {
        memlimit: Some(40 << 20),
        ..GcConfig::default()
    });
    p.end_cycle(30 << 20, 100_000, None);
    p.observe(30 << 20, 2 << 20, 1.0);
    assert_eq!(p.goal(), (40 << 20) - (2 << 20) - MEMORY_LIMIT_HEADROOM);
    // A limit below the live heap: the goal is the marked heap itself.
    let mut low = Pacer::new(GcConfig {
        memlimit: Some(16 << 20),
        ..GcConfig::default()
    });
    low.end_cycle(20 << 20, 100_000, None);
    low.observe(20 << 20, 1 << 20, 1.0);
    assert_eq!(low.goal(), 20 << 20);
    // Measured allocator overhead of 25 %: the heap may grow to what, grown by it, fits.
    let mut frag = Pacer::new(GcConfig {
        memlimit: Some(40 << 20),
        gogc: Some(400),
        ..GcConfig::default()
    });
    frag.end_cycle(10 << 20, 100_000, None);
    frag.observe(10 << 20, 0, 1.25);
    assert_eq!(
        frag.goal(),
        (((40u64 << 20) - MEMORY_LIMIT_HEADROOM) as f64 / 1.25) as u64
    );
}

#[test]
fn gogc_off_reads_as_gos_next_gc() {
    let mut p = planned(PacerKind::Go119, None);
    p.observe(10 << 20, 1 << 20, 1.0);
    let s = *p.state();
    assert_eq!(
        memory_limit_goal(None, &s),
        NO_MEMORY_LIMIT - (1 << 20) - MEMORY_LIMIT_HEADROOM
    );
    assert!(p.goal() < u64::MAX);
    assert!(!p.should_start(1 << 40));
}

#[test]
fn lua54_threshold_is_pause_times_estimate_and_clox_doubles() {
    let lua = planned(PacerKind::Lua54, Some(100));
    assert_eq!(lua.trigger(), 20 << 20);
    assert_eq!(lua.goal(), 20 << 20);
    let lua300 = planned(PacerKind::Lua54, Some(200));
    assert_eq!(lua300.trigger(), 30 << 20);
    let clox = planned(PacerKind::Clox, Some(100));
    assert_eq!(clox.trigger(), 20 << 20);
    assert!(clox.whole_cycles());
    assert_eq!(
        Pacer::new(GcConfig {
            pacer: PacerKind::Clox,
            ..GcConfig::default()
        })
        .goal(),
        1 << 20
    );
}

#[test]
fn go117_overshoot_moves_the_trigger_earlier() {
    let mut p = planned(PacerKind::Go117, Some(100));
    let before = p.trigger();
    let outcome = CycleOutcome {
        planned_from: *p.state(),
        goal: p.goal(),
        trigger: p.trigger(),
        heap_at_start: before,
        heap_at_mark_end: 24 << 20,
        scan_work: 10 << 20,
        mark_utilization: 0.2,
    };
    p.end_cycle(10 << 20, 100_000, Some(outcome));
    assert!(p.trigger() < before);
}

#[test]
fn assists_grow_as_the_heap_nears_the_goal_and_are_capped() {
    let mut p = Pacer::new(GcConfig {
        step_budget: 1 << 20,
        ..GcConfig::default()
    });
    p.end_cycle(10 << 20, 100_000, None);
    p.start_cycle(100_000, 0, 0);
    let early = p.mark_step_work(15 << 20, 64 << 10);
    let late = p.mark_step_work(19 << 20, 64 << 10);
    assert!(late > early, "early {early}, late {late}");
    let capped = p.mark_step_work(30 << 20, 64 << 20);
    assert_eq!(capped, p.config.step_budget);
}

#[test]
fn limiter_turns_on_when_collection_outruns_the_mutator_and_off_as_it_drains() {
    let mut l = CpuLimiter::default();
    let ms = Duration::from_millis;
    assert!(!l.update(ms(10), ms(5)));
    // Each round adds 8 ms net: enough rounds to fill the bucket and overflow it.
    let rounds = limiter::CAPACITY.as_millis() / 8 + 2;
    for _ in 0..rounds {
        l.update(ms(1), ms(9));
    }
    assert!(l.limiting());
    assert!(l.overflow() > Duration::ZERO);
    // Held back until the mutator has earned a step as long as the last one (9 ms).
    assert!(l.update(ms(5), ms(0)));
    assert_eq!(l.fill(), limiter::CAPACITY - ms(5));
    assert!(!l.update(ms(5), ms(0)));
}

/// A cycle that runs past its goal, in simulated time (no clock): each slice runs the mutator
/// 10 µs and allocates 64 KiB, and a step costs 50 ns per work unit. The assists ask for the
/// full budget (1 024 units, 51 µs) after every slice: back to back, 84 % of every window.
/// With the floor, held steps leave the mutator whole slices, their allocation is paid later,
/// and the collector's share of any 10 ms window stays within `MAX_SHARE` plus the slack.
#[test]
fn utilization_floor_spreads_the_full_steps_of_a_late_cycle() {
    let simulate = |floor: bool| {
        let mut p = Pacer::new(GcConfig::default());
        p.end_cycle(10 << 20, 100_000, None);
        p.start_cycle(100_000, 0, 0);
        let live = p.goal() + (1 << 20);
        let (mut now, mut last_step, mut owed) = (0u64, 0u64, 0u64);
        let (mut spans, mut full_steps) = (vec![], 0);
        for _ in 0..4000 {
            now += 10_000;
            owed += 64 << 10;
            let mutator = Duration::from_nanos(10_000);
            if floor && p.limit_cpu(mutator, Duration::from_nanos(last_step)) {
                last_step = 0;
                continue;
            }
            let work = p.mark_step_work(live, std::mem::take(&mut owed));
            full_steps += u32::from(work == p.config.step_budget);
            last_step = work * 50;
            spans.push((now, now + last_step));
            now += last_step;
        }
        let steps = spans.len() as u32;
        (crate::mmu::Pauses::new(spans, now), steps, full_steps)
    };
    let ms = 1_000_000;
    let (old, steps, full) = simulate(false);
    assert_eq!(full, steps, "past the goal every assist is a full step");
    assert!(old.mmu(10 * ms).unwrap() < 0.17, "{:?}", old.mmu(10 * ms));

    let (new, steps, full) = simulate(true);
    assert_eq!(full, steps, "held allocation is paid, not forgotten");
    let bound = |w: u64| {
        let slack = floor::SLACK.as_nanos() as f64 * (1.0 - floor::MAX_SHARE);
        1.0 - floor::MAX_SHARE - (slack + 51_200.0) / w as f64
    };
    for w in [10 * ms, 50 * ms] {
        let mmu = new.mmu(w).unwrap();
        assert!(mmu >= bound(w), "MMU at {w} ns: {mmu} < {}", bound(w));
    }
    // Held back, not starved: the collector still gets nearly its share.
    let share = new.total() as f64 / new.run() as f64;
    assert!(share > floor::MAX_SHARE - 0.03, "collector share {share}");
}

#[test]
fn utilization_floor_stands_aside_when_the_memory_limit_sets_the_goal() {
    let us = Duration::from_micros;
    let mut free = Pacer::new(GcConfig::default());
    let mut limited = Pacer::new(GcConfig {
        memlimit: Some(24 << 20),
        ..GcConfig::default()
    });
    for p in [&mut free, &mut limited] {
        p.end_cycle(20 << 20, 100_000, None);
        p.observe(20 << 20, 0, 1.0);
    }
    // 10 µs of mutator per 100 µs step: the floor holds after a few steps; the CPU limiter
    // (150 ms of capacity) not yet.
    let held = |p: &mut Pacer| (0..20).filter(|_| p.limit_cpu(us(10), us(100))).count();
    assert!(held(&mut free) > 10);
    assert_eq!(held(&mut limited), 0);
}

#[test]
fn utilization_floor_forgives_a_step_that_lost_its_core() {
    let us = Duration::from_micros;
    let mut f = UtilizationFloor::default();
    // One 20 ms step (the process was descheduled): held back for at most the mutator time
    // that earns 2 × SLACK − SLACK back, not 20 ms × 1.5.
    assert!(f.update(us(10), us(20_000)));
    let earn = floor::SLACK.as_secs_f64() * (1.0 - floor::MAX_SHARE) / floor::MAX_SHARE;
    let slices = (earn / 10e-6).ceil() as usize;
    let held = (0..slices + 1)
        .take_while(|_| f.update(us(10), us(0)))
        .count();
    assert!(held < slices + 1, "held {held} slices");
}

#[test]
fn utilization_floor_stands_aside_when_the_plan_needs_more_than_its_share() {
    let us = Duration::from_micros;
    let mut p = planned(PacerKind::Go119, Some(50));
    // Marking took 80 % of its phase while the heap grew 1 MiB for 10 MiB of scan work:
    // cons/mark 0.4, so the planned runway (under 1.5 MiB at gogc=50) needs over 70 %.
    for _ in 0..RECENT {
        let outcome = CycleOutcome {
            planned_from: *p.state(),
            goal: p.goal(),
            trigger: p.trigger(),
            heap_at_start: 14 << 20,
            heap_at_mark_end: 15 << 20,
            scan_work: 10 << 20,
            mark_utilization: 0.8,
        };
        p.end_cycle(10 << 20, 100_000, Some(outcome));
    }
    assert!(!p.floor_fits_plan());
    assert_eq!((0..20).filter(|_| p.limit_cpu(us(10), us(100))).count(), 0);
    // A fresh pacer has measured nothing: the floor holds.
    let mut fresh = planned(PacerKind::Go119, Some(50));
    assert!(fresh.floor_fits_plan());
    assert!((0..20).any(|_| fresh.limit_cpu(us(10), us(100))));
}
