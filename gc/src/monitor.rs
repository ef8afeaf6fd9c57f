//! A live view of one heap's statistics that other threads read while the runtime runs.
//!
//! The heap's thread (the *writer*) publishes a [`Snapshot`] after each collector step through
//! its [`Publisher`]; any number of [`Monitor`]s on other threads read the latest one. The
//! writer must never wait for a reader, lock, or allocate: a step's pause is what the collector
//! is measured by, and a sampler thread must not be able to stretch it.
//!
//! # Protocol: a seqlock over atomic words
//!
//! The shared state is a *version* counter and one `AtomicU64` per snapshot field. This is the
//! "seqlock with atomic data" of Boehm, *Can Seqlocks Get Along with Programming Language
//! Memory Models?* (MSPC 2012), written without `unsafe`: a racing reader may load a mix of
//! old and new words, but each load is an ordinary atomic load, so a torn copy is merely
//! *wrong*, never undefined behaviour, and the version check below throws it away.
//!
//! - **One writer.** Only the [`Publisher`] stores to the version or the fields. It is not
//!   `Clone` and not `Sync` (its publication count is a `Cell`), so exactly one thread can call
//!   [`Publisher::publish`], and never re-entrantly: its steps below never interleave.
//! - **Odd means "being written".** Publication `n` (1, 2, …) sets the version to `2n - 1`,
//!   stores every field, then sets it to `2n`. Between publications the version is even and
//!   the fields hold publication `n` exactly. The version only grows (2⁶³ publications would
//!   take centuries), so a reader seeing the same even value twice knows no write overlapped.
//! - **Writer ordering.** `version = 2n-1` (relaxed), then a *release fence*, then the field
//!   stores (relaxed), then `version = 2n` (*release*). The fence makes the odd version visible
//!   to any reader that sees one of the new field values (through its acquire fence, below);
//!   the release store makes every new field visible to a reader that acquires `2n`.
//! - **Reader ordering.** `v1 = version` (*acquire*), give up if odd; load the fields
//!   (relaxed); an *acquire fence*; `v2 = version` (relaxed). If `v1 == v2` the copy is
//!   publication `v1 / 2`, untorn: had any field load seen a store of a later publication,
//!   the fence would force `v2` to see at least that publication's odd version.
//! - **Progress.** The writer is wait-free: a fixed number of stores and one fence, whatever
//!   readers do. A reader retries only while a publication overlaps its copy;
//!   [`Monitor::read`] spins briefly then yields, in case the writer's thread was descheduled
//!   mid-publication. A writer publishing back to back can starve readers (every copy
//!   overlaps one, see `gc/tests/monitor_stress.rs`); the heap publishes once per collector
//!   step, microseconds apart, so readers get through.
//!
//! Under `--cfg loom` the atomics, fences and `Arc` come from loom, so
//! `gc/tests/loom_monitor.rs` model-checks this code: the protocol over 2 words, and
//! [`Publisher`]/[`Monitor`] over a whole snapshot.

use gc_arena::arena::CollectionPhase;

/// std in normal builds, loom's model-checked replacements under `--cfg loom`.
mod sync {
    #[cfg(loom)]
    pub(crate) use loom::{
        hint::spin_loop,
        sync::atomic::{fence, AtomicU64, Ordering},
        sync::Arc,
        thread::yield_now,
    };
    #[cfg(not(loom))]
    pub(crate) use std::{
        hint::spin_loop,
        sync::atomic::{fence, AtomicU64, Ordering},
        sync::Arc,
        thread::yield_now,
    };
}

/// [`Snapshot::phase`]: no cycle running.
pub const PHASE_SLEEPING: u64 = 0;
/// [`Snapshot::phase`]: a cycle is marking (including mark termination).
pub const PHASE_MARKING: u64 = 1;
/// [`Snapshot::phase`]: a cycle is sweeping.
pub const PHASE_SWEEPING: u64 = 2;

/// One published copy of a heap's statistics. Field meanings match [`crate::MemStats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// When the heap published this, nanoseconds since the heap's start ([`crate::Heap::start`]).
    pub time_ns: u64,
    pub heap_alloc: u64,
    pub heap_objects: u64,
    pub next_gc: u64,
    pub total_alloc: u64,
    pub num_gc: u64,
    pub num_forced_gc: u64,
    pub pause_total_ns: u64,
    /// Duration of the most recent collector step.
    pub last_pause_ns: u64,
    pub num_pauses: u64,
    /// [`PHASE_SLEEPING`], [`PHASE_MARKING`] or [`PHASE_SWEEPING`].
    pub phase: u64,
    /// Publication number: 1 for the first publication, +1 for each after; 0 (with every
    /// other field 0) until the first. Assigned by the [`Publisher`], not by its caller.
    pub seq: u64,
}

/// How many words a snapshot occupies in the shared state (every field but `seq`, which is
/// carried by the version counter).
const WORDS: usize = 11;

impl Snapshot {
    /// The [`Snapshot::phase`] code of a gc-arena phase. `Marked` (tracing done, finalization
    /// not yet run) still counts as marking: sweeping has not started.
    pub fn phase_code(phase: CollectionPhase) -> u64 {
        match phase {
            CollectionPhase::Sleeping => PHASE_SLEEPING,
            CollectionPhase::Marking | CollectionPhase::Marked => PHASE_MARKING,
            CollectionPhase::Sweeping => PHASE_SWEEPING,
        }
    }

    /// `phase` as a word: `"sleeping"`, `"marking"`, `"sweeping"` (or `"unknown"`).
    pub fn phase_name(&self) -> &'static str {
        match self.phase {
            PHASE_SLEEPING => "sleeping",
            PHASE_MARKING => "marking",
            PHASE_SWEEPING => "sweeping",
            _ => "unknown",
        }
    }

    fn to_words(self) -> [u64; WORDS] {
        [
            self.time_ns,
            self.heap_alloc,
            self.heap_objects,
            self.next_gc,
            self.total_alloc,
            self.num_gc,
            self.num_forced_gc,
            self.pause_total_ns,
            self.last_pause_ns,
            self.num_pauses,
            self.phase,
        ]
    }

    fn from_words(w: [u64; WORDS], seq: u64) -> Snapshot {
        // The inverse of `to_words`, index by index.
        Snapshot {
            time_ns: w[0],
            heap_alloc: w[1],
            heap_objects: w[2],
            next_gc: w[3],
            total_alloc: w[4],
            num_gc: w[5],
            num_forced_gc: w[6],
            pause_total_ns: w[7],
            last_pause_ns: w[8],
            num_pauses: w[9],
            phase: w[10],
            seq,
        }
    }
}

/// A new publisher and a monitor of what it publishes. Before the first publication monitors
/// read `Snapshot::default()`.
pub fn channel() -> (Publisher, Monitor) {
    let (writer, reader) = words::channel();
    (Publisher { writer }, Monitor { reader })
}

/// The writing end, held by the heap. `Send` (it may move with its heap) but neither `Clone`
/// nor `Sync`, which is what makes it the only writer:
///
/// ```compile_fail
/// fn shared_across_threads<T: Sync>() {}
/// shared_across_threads::<gclox_gc::Publisher>();
/// ```
#[derive(Debug)]
pub struct Publisher {
    writer: words::Writer<WORDS>,
}

impl Publisher {
    /// Makes `s` the snapshot monitors read, numbered with the next publication number
    /// (`s.seq` is ignored). Wait-free: never blocks, locks or allocates, whatever readers do.
    pub fn publish(&self, s: &Snapshot) {
        self.writer.publish(s.to_words());
    }

    /// How many snapshots this publisher has published.
    pub fn published(&self) -> u64 {
        self.writer.published()
    }
}

/// The reading end: cheap to clone, usable from any thread. Reads never delay the writer.
#[derive(Debug, Clone)]
pub struct Monitor {
    reader: words::Reader<WORDS>,
}

impl Monitor {
    /// The latest complete snapshot. Retries while a publication overlaps the copy (spinning
    /// briefly, then yielding the thread); successive reads never go back in `seq`.
    pub fn read(&self) -> Snapshot {
        let (seq, words) = self.reader.read();
        Snapshot::from_words(words, seq)
    }

    /// One attempt: the latest complete snapshot, or `None` if a publication overlapped it.
    pub fn try_read(&self) -> Option<Snapshot> {
        let (seq, words) = self.reader.try_read()?;
        Some(Snapshot::from_words(words, seq))
    }
}

/// The word-level ends, for model checking only: loom explores every value each relaxed load
/// may return, so it checks a 2-word instance of this same code in seconds where 11 words
/// (one [`Snapshot`]) are intractable beyond a single publication.
#[cfg(loom)]
#[doc(hidden)]
pub use words::{channel as words_channel, Reader as WordsReader, Writer as WordsWriter};

/// The protocol of the module doc over `N` words, independent of what they mean.
mod words {
    use std::cell::Cell;
    use std::fmt;

    use super::sync::{fence, spin_loop, yield_now, Arc, AtomicU64, Ordering};

    struct Shared<const N: usize> {
        /// `2n`: publication `n` is complete; `2n - 1`: it is being written.
        version: AtomicU64,
        words: [AtomicU64; N],
    }

    /// A writer and a reader sharing `N` zeroed words (publication 0).
    pub fn channel<const N: usize>() -> (Writer<N>, Reader<N>) {
        let shared = Arc::new(Shared {
            version: AtomicU64::new(0),
            words: std::array::from_fn(|_| AtomicU64::new(0)),
        });
        let writer = Writer {
            shared: shared.clone(),
            published: Cell::new(0),
        };
        (writer, Reader { shared })
    }

    /// The only writer: not `Clone`, and `!Sync` through the `Cell`.
    pub struct Writer<const N: usize> {
        shared: Arc<Shared<N>>,
        /// Publications so far: the writer never needs to load `version` back.
        published: Cell<u64>,
    }

    impl<const N: usize> Writer<N> {
        /// Publishes `words` as publication `published() + 1`. Wait-free.
        pub fn publish(&self, words: [u64; N]) {
            let n = self.published.get() + 1;
            let version = &self.shared.version;
            version.store(2 * n - 1, Ordering::Relaxed);
            fence(Ordering::Release);
            for (slot, word) in self.shared.words.iter().zip(words) {
                slot.store(word, Ordering::Relaxed);
            }
            version.store(2 * n, Ordering::Release);
            self.published.set(n);
        }

        pub fn published(&self) -> u64 {
            self.published.get()
        }
    }

    impl<const N: usize> fmt::Debug for Writer<N> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Writer")
                .field("published", &self.published.get())
                .finish()
        }
    }

    pub struct Reader<const N: usize> {
        shared: Arc<Shared<N>>,
    }

    // Not derived: the derive would require `Shared<N>: Clone`.
    impl<const N: usize> Clone for Reader<N> {
        fn clone(&self) -> Self {
            Reader {
                shared: self.shared.clone(),
            }
        }
    }

    impl<const N: usize> Reader<N> {
        /// `(n, words of publication n)` for the latest complete publication.
        pub fn read(&self) -> (u64, [u64; N]) {
            let mut spins = 0u32;
            loop {
                if let Some(copy) = self.try_read() {
                    return copy;
                }
                if spins < 64 {
                    spins += 1;
                    spin_loop();
                } else {
                    // The writer's thread may have been preempted mid-publication.
                    yield_now();
                }
            }
        }

        /// One attempt at [`Reader::read`]: `None` if a publication overlapped the copy.
        pub fn try_read(&self) -> Option<(u64, [u64; N])> {
            let version = &self.shared.version;
            let before = version.load(Ordering::Acquire);
            if before % 2 == 1 {
                return None;
            }
            let mut words = [0; N];
            for (word, slot) in words.iter_mut().zip(&self.shared.words) {
                *word = slot.load(Ordering::Relaxed);
            }
            fence(Ordering::Acquire);
            let after = version.load(Ordering::Relaxed);
            (before == after).then_some((before / 2, words))
        }
    }

    impl<const N: usize> fmt::Debug for Reader<N> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("Reader").finish_non_exhaustive()
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn assert_send<T: Send>() {}
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn ends_are_send_and_the_monitor_is_sync() {
        assert_send::<Publisher>();
        assert_send_sync::<Monitor>();
    }

    #[test]
    fn reads_the_default_then_each_publication() {
        let (publisher, monitor) = channel();
        assert_eq!(monitor.read(), Snapshot::default());
        for n in 1..=3 {
            let s = Snapshot {
                time_ns: n * 10,
                num_gc: n,
                phase: PHASE_SWEEPING,
                seq: 999,
                ..Snapshot::default()
            };
            publisher.publish(&s);
            assert_eq!(monitor.clone().try_read(), Some(Snapshot { seq: n, ..s }));
        }
        assert_eq!(publisher.published(), 3);
        assert_eq!(monitor.read().phase_name(), "sweeping");
    }

    #[test]
    fn words_round_trip_every_field() {
        let s = Snapshot {
            time_ns: 1,
            heap_alloc: 2,
            heap_objects: 3,
            next_gc: 4,
            total_alloc: 5,
            num_gc: 6,
            num_forced_gc: 7,
            pause_total_ns: 8,
            last_pause_ns: 9,
            num_pauses: 10,
            phase: 11,
            seq: 12,
        };
        assert_eq!(Snapshot::from_words(s.to_words(), 12), s);
    }
}
