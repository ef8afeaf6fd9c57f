//! Every workload in `workloads/` runs to completion under `Config::default()` and prints what
//! its `// expect:` comments say, and the leaking registry leaks while its fix does not.
//!
//! The workloads run once, in parallel isolates (`run_parallel`: `run_job` on every core), and
//! the tests share the results. Workloads marked `// slow` run only with
//! `GCLOX_SLOW_TESTS=1`.

use std::sync::OnceLock;

use gclox_experiments::workloads::Workload;
use gclox_experiments::workloads_dir;
use gclox_runtime::isolates::{default_threads, run_parallel, Job, JobResult};
use gclox_runtime::Config;

// The gclox binary's allocator: it changes run times by 2x on allocation-heavy workloads.
#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

fn all_workloads() -> Vec<Workload> {
    Workload::discover(&workloads_dir()).expect("the workloads folder is readable")
}

struct Ran {
    workload: Workload,
    result: JobResult,
}

fn ran() -> &'static [Ran] {
    static RAN: OnceLock<Vec<Ran>> = OnceLock::new();
    RAN.get_or_init(|| {
        let slow_too = std::env::var("GCLOX_SLOW_TESTS").is_ok_and(|v| v == "1");
        let workloads: Vec<Workload> = all_workloads()
            .into_iter()
            .filter(|w| slow_too || !w.is_slow())
            .collect();
        let jobs: Vec<Job> = workloads
            .iter()
            .map(|w| Job {
                name: w.name.clone(),
                source: w.program(),
                config: Config::default(),
            })
            .collect();
        let results = run_parallel(&jobs, default_threads(), &|_| {});
        workloads
            .into_iter()
            .zip(results)
            .map(|(workload, result)| Ran { workload, result })
            .collect()
    })
}

fn find(name: &str) -> &'static Ran {
    ran()
        .iter()
        .find(|r| r.workload.name == name)
        .unwrap_or_else(|| panic!("{name} did not run"))
}

#[test]
fn every_workload_says_what_it_stresses_and_what_it_prints() {
    let workloads = all_workloads();
    assert!(workloads.len() >= 11, "only {} workloads", workloads.len());
    for w in &workloads {
        let stem = w.name.trim_end_matches(".lox");
        let header = w.header();
        assert!(
            header
                .first()
                .is_some_and(|l| l.starts_with(&format!("{stem}:"))),
            "{}: the first line should be `// {stem}: what it is`",
            w.name
        );
        assert!(
            header.iter().any(|l| l.contains("Stresses")),
            "{}: the header should say what it stresses",
            w.name
        );
        assert!(!w.expected().is_empty(), "{}: no `// expect:`", w.name);
    }
}

#[test]
fn every_workload_prints_its_expectation() {
    let failures: Vec<String> = ran()
        .iter()
        .filter_map(|r| match &r.result.result {
            Err(e) => Some(format!("{}: {e}", r.workload.name)),
            Ok(()) => r.workload.check(&r.result.output).err(),
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The registry keeps every closed session reachable, so what survives each cycle grows with
/// the work done; with sessions unregistered it stays at the open ones. Same work, same
/// checksum (checked by the expectations).
#[test]
fn leak_registry_leaks_and_its_fix_does_not() {
    let marked = |name: &str| -> Vec<u64> {
        find(name)
            .result
            .cycles
            .iter()
            .map(|c| c.heap_marked)
            .collect()
    };
    let leak = marked("leak_registry.lox");
    let fixed = marked("leak_registry_fixed.lox");
    assert!(leak.len() >= 3 && fixed.len() >= 3, "{leak:?} {fixed:?}");
    assert!(
        leak.windows(2).all(|w| w[1] > w[0]),
        "the leak's live heap grows: {leak:?}"
    );
    // The first cycle may come while the open sessions are still being created.
    let steady = &fixed[1..];
    let fixed_max = steady.iter().copied().max().unwrap_or(0);
    let fixed_min = steady.iter().copied().min().unwrap_or(0);
    assert!(
        fixed_max <= 2 * fixed_min,
        "the fixed registry's live heap stays flat: {fixed:?}"
    );
    let leak_end = find("leak_registry.lox").result.memstats.heap_alloc;
    assert!(
        leak_end > 20 * fixed_max,
        "leak ends at {leak_end} B, the fix never marks more than {fixed_max} B"
    );
}
