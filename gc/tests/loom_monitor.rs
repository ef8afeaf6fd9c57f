//! Model-checks the monitor's seqlock (`gc/src/monitor.rs`) with loom: every interleaving and
//! every value the memory model lets a relaxed load return, up to a preemption bound.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test -p gclox-gc --test loom_monitor --release`.
//!
//! Every field of publication `n` is a distinct function of `n`, so a copy mixing two
//! publications cannot pass [`assert_untorn`]. The writer has no loop and no wait: if it could
//! block on a reader, loom would report the deadlock; if the readers' retry loop could spin
//! forever, loom would report the livelock (it bounds branches per execution).

#![cfg(loom)]

use gclox_gc::monitor::{channel, Monitor, Snapshot};
use loom::model::Builder;
use loom::thread;

/// Publication `n`: field `i` holds `n * (i + 1)`, so publication 0 is `Snapshot::default()`.
fn publication(n: u64) -> Snapshot {
    Snapshot {
        time_ns: n,
        heap_alloc: 2 * n,
        heap_objects: 3 * n,
        next_gc: 4 * n,
        total_alloc: 5 * n,
        num_gc: 6 * n,
        num_forced_gc: 7 * n,
        pause_total_ns: 8 * n,
        last_pause_ns: 9 * n,
        num_pauses: 10 * n,
        phase: 11 * n,
        seq: n,
    }
}

fn assert_untorn(s: &Snapshot, publications: u64) {
    assert!(s.seq <= publications, "seq {} never published", s.seq);
    assert_eq!(*s, publication(s.seq), "torn snapshot");
}

/// Reads `reads` times (with `read`, or single `try_read` attempts), checking each copy and
/// that seq and num_gc never go back.
fn reader(monitor: Monitor, reads: usize, publications: u64, retry: bool) {
    let mut last = Snapshot::default();
    for _ in 0..reads {
        let s = if retry {
            monitor.read()
        } else {
            match monitor.try_read() {
                Some(s) => s,
                None => continue,
            }
        };
        assert_untorn(&s, publications);
        assert!(
            s.seq >= last.seq && s.num_gc >= last.num_gc,
            "{s:?} after {last:?}"
        );
        last = s;
    }
}

/// One writer (the model's main thread) publishing `publications` snapshots, and one reader
/// thread per entry of `readers` (`true`: uses `read`, `false`: `try_read`).
fn check(publications: u64, readers: &'static [bool], reads: usize, preemptions: usize) {
    let mut builder = Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(move || {
        let (publisher, monitor) = channel();
        let handles: Vec<_> = readers
            .iter()
            .map(|&retry| {
                let monitor = monitor.clone();
                thread::spawn(move || reader(monitor, reads, publications, retry))
            })
            .collect();
        for n in 1..=publications {
            publisher.publish(&publication(n));
        }
        for handle in handles {
            handle.join().expect("reader panicked");
        }
        assert_eq!(monitor.read(), publication(publications));
    });
}

#[test]
fn one_retrying_reader_sees_only_whole_snapshots_in_order() {
    check(3, &[true], 2, 3);
}

#[test]
fn two_readers_see_only_whole_snapshots_in_order() {
    check(2, &[true, false], 2, 2);
}
