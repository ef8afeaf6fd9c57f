//! The CLI's scavenger: under a memory limit, freed memory goes back to the OS at once.
//!
//! mimalloc keeps pages a sweep freed for a second before returning them ("purge delay"), and
//! meanwhile serves new allocations from fresh pages, so resident memory runs ahead of the
//! heap: a churn whose accounted heap stayed under 40 MiB peaked at 49.7 MB resident with the
//! default delay and at 44.4 MB with none (same binary, `MIMALLOC_PURGE_DELAY=0`). Go's
//! scavenger likewise returns memory eagerly when the heap nears `GOMEMLIMIT`. Without a limit
//! the default stays: purging costs time, and nothing asked for the memory.

use libmimalloc_sys::{mi_option_set, mi_option_t};

/// mimalloc's `mi_option_purge_delay` (`mimalloc.h` of the v3 sources libmimalloc-sys builds by
/// default: the 16th option; libmimalloc-sys names no constant for it). The test below checks
/// the index against the option's default.
const MI_OPTION_PURGE_DELAY: mi_option_t = 15;

/// Makes mimalloc return freed pages to the OS immediately.
pub fn purge_eagerly() {
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_set` only stores an integer in mimalloc's option table (an atomic),
    // valid at any time from any thread; the index is mimalloc's purge delay (tested below),
    // and 0 is a documented value for it ("use 0 for immediate purging").
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, 0)
    };
}

/// mimalloc's purge delay now, milliseconds.
#[cfg(test)]
pub fn purge_delay_ms() -> i64 {
    #[allow(unsafe_code)]
    // SAFETY: `mi_option_get` reads an integer from mimalloc's option table, valid at any time.
    let value = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
    // A C `long`: i64 here, i32 on some targets, so the conversion is not always a no-op.
    #[allow(clippy::useless_conversion)]
    i64::from(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_documented() {
        // mimalloc 3's default purge delay is 1000 ms (`options.c`); the options around it
        // (deprecated eager commit delay, NUMA nodes 0) have other defaults, so a wrong index
        // shows here.
        assert_eq!(purge_delay_ms(), 1000);
        purge_eagerly();
        assert_eq!(purge_delay_ms(), 0);
    }
}
