//! The CLI's scavenger (`src/scavenger.rs`) on the allocator the CLI runs on: the purge-delay
//! option it sets is mimalloc's, the background thread starts, and memory freed on this thread
//! goes back to the OS without this thread asking.
//!
//! One test function: the option is process-wide, so the steps must run in this order.

use std::time::{Duration, Instant};

use gclox_runtime::rss::resident_bytes;
use gclox_runtime::scavenger;

#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

const MIB: u64 = 1024 * 1024;

#[test]
fn purges_off_the_calling_thread_then_eagerly() {
    // mimalloc 3's default purge delay is 1000 ms (`options.c`); the options beside it have
    // other defaults (a deprecated delay, NUMA nodes 0), so a wrong index fails here.
    assert_eq!(scavenger::purge_delay_ms(), 1000);

    scavenger::purge_in_background().expect("the scavenger thread starts");
    assert!(
        scavenger::purge_delay_ms() > 86_400_000,
        "free never purges: {} ms",
        scavenger::purge_delay_ms()
    );
    // The thread names itself once it runs: look for a while.
    #[cfg(target_os = "linux")]
    {
        let thread_names = || -> Vec<String> {
            std::fs::read_dir("/proc/self/task")
                .expect("/proc")
                .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
                .map(|name| name.trim().to_string())
                .collect()
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut names = thread_names();
        while !names.iter().any(|n| n == "gclox-scavenger") && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            names = thread_names();
        }
        assert!(
            names.iter().any(|n| n == "gclox-scavenger"),
            "threads: {names:?}"
        );
    }

    // 64 MiB in 64 KiB blocks, each written so that it is resident, then freed here.
    let Some(before) = resident_bytes() else {
        return; // no /proc: nothing to measure the purge with
    };
    let blocks: Vec<Vec<u8>> = (0..1024).map(|i| vec![i as u8 | 1; 64 * 1024]).collect();
    let held = resident_bytes().expect("read before");
    assert!(held >= before + 48 * MIB, "{before} -> {held}");
    drop(blocks);
    // The scavenger forces a purge each period; give it a few.
    let deadline = Instant::now() + scavenger::SCAVENGE_PERIOD * 5;
    let mut now = resident_bytes().expect("read");
    while now > held - 32 * MIB && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        now = resident_bytes().expect("read");
    }
    assert!(
        now <= held - 32 * MIB,
        "freed memory stayed resident: {held} B while held, {now} B after {:?}",
        scavenger::SCAVENGE_PERIOD * 5
    );

    scavenger::purge_eagerly();
    assert_eq!(scavenger::purge_delay_ms(), 0);
}
