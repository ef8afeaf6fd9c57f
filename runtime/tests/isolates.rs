//! Parallel isolates give the same results as running alone.

use std::path::Path;

use gclox_runtime::isolates::{run_job, run_parallel, Job};
use gclox_runtime::Config;

fn cycle_jobs() -> Vec<Job> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/cycles");
    [
        "ring.lox",
        "doubly_linked.lox",
        "class_upvalue.lox",
        "bound_self.lox",
    ]
    .iter()
    .map(|name| Job {
        name: name.to_string(),
        source: std::fs::read_to_string(dir.join(name)).expect("cycle program"),
        // go119 learns from measured CPU time, so its cycles depend on timing (as Go's do);
        // go117 is driven by bytes alone, so isolates must match it exactly.
        config: {
            let mut config = Config::default();
            config.gc.pacer = gclox_gc::PacerKind::Go117;
            config
        },
    })
    .collect()
}

#[test]
fn isolates_in_parallel_match_isolates_alone() {
    let jobs = cycle_jobs();
    let alone: Vec<_> = jobs.iter().map(run_job).collect();
    let together = run_parallel(&jobs, 4, &|_| {});
    for (a, t) in alone.iter().zip(&together) {
        assert_eq!(a.name, t.name);
        assert!(a.result.is_ok() && t.result.is_ok());
        assert_eq!(a.output, t.output, "{}", a.name);
        // Allocation and collection are deterministic per isolate: the counters match exactly.
        let (ma, mt) = (&a.memstats, &t.memstats);
        assert_eq!(
            (
                ma.total_alloc,
                ma.mallocs,
                ma.frees,
                ma.heap_alloc,
                ma.num_gc
            ),
            (
                mt.total_alloc,
                mt.mallocs,
                mt.frees,
                mt.heap_alloc,
                mt.num_gc
            ),
            "{}",
            a.name
        );
        assert_eq!(a.cycles.len(), t.cycles.len());
    }
}
