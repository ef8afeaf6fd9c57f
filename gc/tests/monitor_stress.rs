//! The monitor under real threads: one writer publishes as fast as it can for about a second
//! while readers copy snapshots; every copy must be whole and no reader may see time go back.
//! Run with `--nocapture` to see the counts.

// Under loom the monitor's atomics only work inside a loom model.
#![cfg(not(loom))]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use gclox_gc::monitor::{channel, Monitor, Snapshot};

/// Publication `n`: every field a different function of `n`, so a mix of two is detectable.
fn publication(n: u64) -> Snapshot {
    let w = |k: u64| n.wrapping_mul(k) ^ k;
    Snapshot {
        time_ns: w(1),
        heap_alloc: w(3),
        heap_objects: w(5),
        next_gc: w(7),
        total_alloc: w(9),
        num_gc: n / 1000,
        num_forced_gc: w(11),
        pause_total_ns: w(13),
        last_pause_ns: w(15),
        num_pauses: w(17),
        phase: n % 3,
        seq: n,
    }
}

#[derive(Debug, Default)]
struct ReaderCounts {
    reads: u64,
    /// `try_read` attempts that a publication overlapped (torn copies rejected).
    rejected: u64,
    /// Reads that saw a newer publication than the previous read.
    advances: u64,
}

fn reader(monitor: Monitor, done: &AtomicBool, retry: bool) -> ReaderCounts {
    let mut counts = ReaderCounts::default();
    let mut last = Snapshot::default();
    while !done.load(Ordering::Relaxed) {
        let s = if retry {
            monitor.read()
        } else {
            match monitor.try_read() {
                Some(s) => s,
                None => {
                    counts.rejected += 1;
                    continue;
                }
            }
        };
        if s.seq > 0 {
            assert_eq!(s, publication(s.seq), "torn snapshot");
        }
        assert!(
            s.seq >= last.seq && s.num_gc >= last.num_gc,
            "{s:?} after {last:?}"
        );
        counts.reads += 1;
        counts.advances += u64::from(s.seq > last.seq);
        last = s;
    }
    counts
}

/// Runs the writer for a second, spinning `pause` times between publications, against three
/// readers (one using `read`, two `try_read`); returns the publications and reader counts.
fn run(pause: u32) -> (u64, Vec<ReaderCounts>) {
    let (publisher, monitor) = channel();
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = [true, false, false]
        .into_iter()
        .map(|retry| {
            let (monitor, done) = (monitor.clone(), done.clone());
            thread::spawn(move || reader(monitor, &done, retry))
        })
        .collect();

    let began = Instant::now();
    let mut n = 0u64;
    while began.elapsed() < Duration::from_secs(1) {
        for _ in 0..1024 {
            n += 1;
            publisher.publish(&publication(n));
            for _ in 0..pause {
                std::hint::spin_loop();
            }
        }
    }
    let took = began.elapsed();
    done.store(true, Ordering::Relaxed);

    let counts: Vec<ReaderCounts> = readers
        .into_iter()
        .map(|h| h.join().expect("reader panicked"))
        .collect();
    eprintln!(
        "pause {pause}: {n} publications in {took:?} ({:.1} ns each); \
         readers (read, try_read, try_read): {counts:?}",
        took.as_nanos() as f64 / n as f64
    );
    assert_eq!(publisher.published(), n);
    assert_eq!(monitor.read(), publication(n));
    assert!(
        counts.iter().all(|c| c.reads > 0 && c.advances > 0),
        "{counts:?}"
    );
    (n, counts)
}

/// A writer publishing back to back: nearly every read that overlaps it is rejected (a
/// seqlock's readers starve while the writer saturates), so this mostly counts rejections.
#[test]
fn readers_never_see_a_torn_or_older_snapshot() {
    let (n, _) = run(0);
    // ~10^7 on an idle machine; the bound leaves room for a loaded CI.
    assert!(n >= 100_000, "writer too slow: {n}");
}

/// A writer with gaps between publications, like a heap publishing once per collector step:
/// readers now succeed while it runs, so they see many publications.
#[test]
fn readers_keep_up_with_a_paced_writer() {
    let (n, _) = run(50);
    assert!(n >= 1000, "writer too slow: {n}");
}
