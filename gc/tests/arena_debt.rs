//! The contract the pacer relies on (`Heap` sets gc-arena's debt before every step, with
//! `WORK_UNIT_PACING`): a step does exactly the work its debt pays for. With every object at
//! the head of the sweep list garbage, the objects freed by one `cycle_debt` call are the debt
//! divided by the free factor, rounded up: the first iteration at which the debt, as
//! `Metrics::allocation_debt` computes it, is no longer positive.

use gclox_gc::gc_arena::{arena::CollectionPhase, metrics::Pacing, Arena, Gc, Rootable};
use gclox_gc::WORK_UNIT_PACING;

type Root = Rootable![Vec<Gc<'_, u64>>];

fn sweeping_arena(pacing: Pacing, live: u64, garbage: u64) -> Arena<Root> {
    let mut arena = Arena::<Root>::new(|mc| (0..live).map(|i| Gc::new(mc, i)).collect());
    // Allocated last, so first in the sweep list.
    arena.mutate(|mc, _| {
        for i in 0..garbage {
            Gc::new(mc, i);
        }
    });
    arena.metrics().set_pacing(pacing);
    arena
        .finish_marking()
        .expect("marking from sleep ends marked")
        .start_sweeping();
    assert_eq!(arena.collection_phase(), CollectionPhase::Sweeping);
    arena
}

fn set_debt(arena: &Arena<Root>, debt: f64) {
    let metrics = arena.metrics();
    metrics.adjust_debt(debt - metrics.allocation_debt());
}

/// Objects the unpatched loop frees for `debt` at `free_factor`: it stops after the first
/// iteration that leaves the debt at or below zero.
fn expected_frees(debt: f64, free_factor: f64) -> usize {
    let mut n = 0;
    while debt - n as f64 * free_factor > 0.0 {
        n += 1;
    }
    n
}

/// The heap's own pacing, with another free factor.
fn work_pacing(free_factor: f64) -> Pacing {
    Pacing {
        free_factor,
        ..WORK_UNIT_PACING
    }
}

#[test]
fn each_sweep_step_frees_exactly_what_its_debt_pays_for() {
    // Binary fractions, so that the expected count is exact in floating point.
    for free_factor in [1.0, 0.25, 0.5, 2.0] {
        let mut arena = sweeping_arena(work_pacing(free_factor), 10, 10_000);
        for debt in [1.0, 2.0, 7.0, 100.0, 1024.0, 10.0, 333.5] {
            let before = arena.metrics().total_gc_count();
            set_debt(&arena, debt);
            let debt = arena.metrics().allocation_debt();
            arena.cycle_debt();
            let freed = before - arena.metrics().total_gc_count();
            assert_eq!(
                freed,
                expected_frees(debt, free_factor),
                "debt {debt}, free factor {free_factor}"
            );
        }
    }
}

#[test]
fn a_positive_mark_factor_still_stops_on_time() {
    // Unbounded credit per iteration: the loop checks the debt after every object again.
    let pacing = Pacing {
        mark_factor: 0.1,
        ..work_pacing(1.0)
    };
    let mut arena = sweeping_arena(pacing, 10, 1000);
    let before = arena.metrics().total_gc_count();
    set_debt(&arena, 50.0);
    arena.cycle_debt();
    assert_eq!(before - arena.metrics().total_gc_count(), 50);
}
