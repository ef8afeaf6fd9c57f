//! The embedding API from outside the crate: every type a public signature mentions is
//! nameable through `gclox_runtime`, and `HeapStats` agrees with itself and with MemStats.

use gclox_runtime::sink::Captured;
use gclox_runtime::{
    Config, CycleRecord, GcConfig, GcMode, HeapStats, LoxError, MemStats, PacerKind, Runtime,
    VmConfig,
};

/// Names the types `Config`, `run_source`, `memstats`, `stats` and `on_cycle` use; compiling
/// this is the test that an embedder can.
fn configure(mode: GcMode, pacer: PacerKind) -> Config {
    Config {
        vm: VmConfig::default(),
        gc: GcConfig {
            mode,
            pacer,
            min_heap: Some(64 << 10),
            ..GcConfig::default()
        },
        ..Config::default()
    }
}

fn consistent(s: &HeapStats, m: &MemStats) {
    assert_eq!(
        s.live_objects,
        s.allocated_objects - s.freed_objects,
        "{s:?}"
    );
    assert!(s.live_bytes <= s.allocated_bytes, "{s:?}");
    assert_eq!(
        (
            s.live_objects,
            s.live_bytes,
            s.allocated_objects,
            s.allocated_bytes
        ),
        (m.heap_objects, m.heap_alloc, m.mallocs, m.total_alloc)
    );
}

#[test]
fn heap_stats_counts_agree_with_each_other_and_memstats() {
    for mode in [GcMode::Incremental, GcMode::StopTheWorld] {
        let out = Captured::new();
        let mut rt = Runtime::new(configure(mode, PacerKind::default()), out.writer());
        let cycles = std::rc::Rc::new(std::cell::Cell::new(0));
        let seen = cycles.clone();
        rt.on_cycle(move |_: &CycleRecord| seen.set(seen.get() + 1));
        consistent(&rt.stats(), &rt.memstats());
        rt.run_source(
            "class N { init(n) { this.n = n; } }\n\
             var keep = nil;\n\
             for (var i = 0; i < 30000; i = i + 1) { var garbage = N(i); if (i < 100) keep = N(keep); }\n",
        )
        .expect("runs");
        let s = rt.stats();
        consistent(&s, &rt.memstats());
        assert!(cycles.get() > 0, "{mode:?}: the run collected");
        assert!(s.freed_objects > 0 && s.live_objects < s.allocated_objects);
        rt.collect_full();
        let after = rt.stats();
        consistent(&after, &rt.memstats());
        // The 100 kept instances (and the class, closures, strings) outlive the collection.
        assert!(
            after.live_objects >= 100 && after.live_objects < 1000,
            "{after:?}"
        );
    }
}

#[test]
fn errors_are_matched_by_name() {
    let mut rt = Runtime::new(Config::default(), Captured::new().writer());
    match rt.run_source("print nope;") {
        Err(LoxError::Runtime { message, .. }) => assert_eq!(message, "Undefined variable 'nope'."),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        rt.run_source("print ;"),
        Err(LoxError::Compile(_))
    ));
}
