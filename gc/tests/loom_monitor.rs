//! Model-checks the monitor's seqlock (`gc/src/monitor.rs`) with loom: every interleaving, up
//! to a preemption bound, and every value the memory model lets each relaxed load return.
//!
//! Run: `RUSTFLAGS="--cfg loom" cargo test -p gclox-gc --test loom_monitor --release`.
//!
//! Every word of publication `n` is a distinct multiple of `n`, so a copy mixing two
//! publications is caught. Loom explores each relaxed load's possible values, which multiplies
//! per word: the protocol is therefore checked on 2 words (several publications, two readers)
//! and the real 11-word [`Snapshot`] on one publication. The writer has no loop and no wait: if
//! it could block on a reader loom would report a deadlock, and a reader retrying forever
//! would exceed loom's branch bound.

#![cfg(loom)]

use gclox_gc::monitor::{channel, words_channel, Snapshot, WordsReader};
use loom::model::Builder;
use loom::thread;

fn model(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
    let mut builder = Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder.check(f);
}

/// Reads `reads` times (with `read`, or single `try_read` attempts), checking each copy is
/// publication `n` exactly and that `n` and word 1 (num_gc's stand-in) never go back.
fn reader(reader: WordsReader<2>, reads: usize, publications: u64, retry: bool) {
    let mut last = (0, [0, 0]);
    for _ in 0..reads {
        let copy = if retry {
            reader.read()
        } else {
            match reader.try_read() {
                Some(copy) => copy,
                None => continue,
            }
        };
        let (n, words) = copy;
        assert!(n <= publications, "publication {n} never happened");
        assert_eq!(words, [n, 2 * n], "torn copy of publication {n}");
        assert!(
            n >= last.0 && words[1] >= last.1[1],
            "{copy:?} after {last:?}"
        );
        last = copy;
    }
}

/// One writer (the model's main thread) and one reader thread per entry of `readers` (`true`:
/// uses `read`, `false`: `try_read`).
fn check_words(publications: u64, readers: &'static [bool], reads: usize, preemptions: usize) {
    model(preemptions, move || {
        let (writer, monitor) = words_channel::<2>();
        let handles: Vec<_> = readers
            .iter()
            .map(|&retry| {
                let monitor = monitor.clone();
                thread::spawn(move || reader(monitor, reads, publications, retry))
            })
            .collect();
        for n in 1..=publications {
            writer.publish([n, 2 * n]);
        }
        assert_eq!(writer.published(), publications);
        for handle in handles {
            handle.join().expect("reader panicked");
        }
        assert_eq!(
            monitor.read(),
            (publications, [publications, 2 * publications])
        );
    });
}

// Sizes are set by cost (release build, one core): 3 publications, 2 reads, 2 preemptions
// take ~9 s, and 3 preemptions ~30 s; two readers with 2 preemptions take ~30 s, with 1 ~3 s.
// Each model, even the cheapest, fails if any one ordering of the protocol is weakened (the
// release fence or store, the acquire load or fence) or the odd-version check is dropped.

#[test]
fn a_retrying_reader_sees_whole_publications_in_order() {
    check_words(3, &[true], 2, 2);
}

#[test]
fn two_readers_see_whole_publications_in_order() {
    check_words(2, &[true, false], 1, 1);
}

/// Publication `n` of a whole snapshot: field `i` holds `n * (i + 1)`.
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

/// The real `Publisher`/`Monitor` over all 11 words (preemption bound 2 takes ~8 s).
#[test]
fn a_snapshot_is_read_whole_or_not_at_all() {
    model(1, || {
        let (publisher, monitor) = channel();
        let handle = thread::spawn(move || {
            let s = monitor.read();
            assert_eq!(s, publication(s.seq), "torn snapshot");
        });
        publisher.publish(&publication(1));
        handle.join().expect("reader panicked");
    });
}
