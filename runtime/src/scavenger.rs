//! The CLI's scavenger: when freed memory goes back to the OS, and on which thread. (Public
//! so that the experiments, which run the runtime in their own process, measure what the CLI
//! does; an embedder with another allocator has no use for it.)
//!
//! - **Under a memory limit, at once.** mimalloc keeps pages a sweep freed for a second before
//!   returning them ("purge delay"), and meanwhile serves new allocations from fresh pages, so
//!   resident memory runs ahead of the heap: a churn whose accounted heap stayed under 40 MiB
//!   peaked at 49.7 MB resident with the default delay and at 44.4 MB with none (same binary,
//!   `MIMALLOC_PURGE_DELAY=0`). Go's scavenger likewise returns memory eagerly when the heap
//!   nears `GOMEMLIMIT`. Each purge is then one page's range (26 µs on average).
//! - **Otherwise, once a second on a thread of its own**, as Go's background scavenger runs
//!   beside the mutator. With mimalloc's own delay the purge ran inside whichever `free` found
//!   the second elapsed — in gclox, a sweep step freeing objects — and it returned every range
//!   freed since the last purge at once: bursts of 20 to 228 `madvise` calls that made single
//!   collector steps last milliseconds on the thread's CPU clock (BENCHMARKS.md, "The
//!   collector"). Here mimalloc's delay is set beyond any run, so no `free` purges, and the
//!   scavenger thread forces a purge of every range then free each [`SCAVENGE_PERIOD`]: memory
//!   goes back to the OS about as often as before, off the mutator's thread. On
//!   binary_trees_17 (`strace -f -e trace=madvise`) the mutator's thread made no `madvise`
//!   call between start-up and exit, the scavenger about 2 700; resident memory and run time
//!   stayed as they were (BENCHMARKS.md).

use std::time::Duration;

use libmimalloc_sys::{mi_collect, mi_option_set, mi_option_t};

/// How often the background scavenger returns freed memory: mimalloc's own default delay.
pub const SCAVENGE_PERIOD: Duration = Duration::from_millis(1000);

/// mimalloc 3's default purge delay (`options.c`), milliseconds.
const DEFAULT_DELAY_MS: std::os::raw::c_long = 1000;

/// A purge delay no run reaches (about 11.6 days, in milliseconds), so that `free` never purges.
const NEVER_MS: std::os::raw::c_long = 1_000_000_000;

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h` of the v3 sources libmimalloc-sys builds by
/// default: the 16th option; libmimalloc-sys names no constant for it). `tests/scavenger.rs`
/// checks the index against the option's default.
const MI_OPTION_PURGE_DELAY: mi_option_t = 15;

/// The CLI's policy, in one place: under a memory limit purge at once, otherwise on the
/// scavenger thread. Call it before the program allocates much. On an error (the thread could
/// not start) mimalloc's own policy stays: runs stay correct, and sweeps may purge.
pub fn start(memlimit: bool) -> std::io::Result<()> {
    if memlimit {
        purge_eagerly();
        Ok(())
    } else {
        purge_in_background()
    }
}

/// Makes mimalloc return freed pages to the OS immediately.
pub fn purge_eagerly() {
    set_purge_delay(0);
}

/// Moves purging off the calling thread: `free` stops purging, and a thread named
/// `gclox-scavenger` forces a purge of every freed range each [`SCAVENGE_PERIOD`].
pub fn purge_in_background() -> std::io::Result<()> {
    // The delay before the thread, and the thread's first forced purge at once, while nothing
    // is free yet: in a build whose first forced purge came a second in, the mutator's thread
    // purged the whole backlog at that moment (one burst of 213-303 `madvise` calls), though
    // never again in the run.
    set_purge_delay(NEVER_MS);
    let spawned = std::thread::Builder::new()
        .name("gclox-scavenger".to_string())
        .spawn(|| {
            // mimalloc collects through the calling thread's own heap, which exists only once
            // the thread has allocated: without this a forced collect returns at once.
            drop(std::hint::black_box(Box::new(0u64)));
            loop {
                #[allow(unsafe_code)]
                // SAFETY: `mi_collect` may be called from any thread at any time; forced, it
                // purges only ranges the arena has marked free (each claimed atomically before
                // it is purged), never memory another thread holds.
                unsafe {
                    mi_collect(true)
                };
                std::thread::sleep(SCAVENGE_PERIOD);
            }
        });
    if let Err(err) = spawned {
        set_purge_delay(DEFAULT_DELAY_MS);
        return Err(err);
    }
    Ok(())
}

/// Sets mimalloc's purge delay, milliseconds.
fn set_purge_delay(ms: std::os::raw::c_long) {
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_set` stores one `long` in mimalloc's option table, which mimalloc
    // lets a program set at any time (its options are read without locks, word-sized); the
    // index is mimalloc's purge delay (checked by `tests/scavenger.rs`), and every value is
    // documented ("0 for immediate purging", a positive delay, -1 never). gclox sets it before
    // its scavenger thread starts.
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, ms)
    };
}

/// mimalloc's purge delay now, milliseconds (the tests read it).
pub fn purge_delay_ms() -> i64 {
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_get` reads one `long` from mimalloc's option table, valid at any time.
    let value = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
    // A C `long`: i64 here, i32 on some targets, so the conversion is not always a no-op.
    #[allow(clippy::useless_conversion)]
    i64::from(value)
}
