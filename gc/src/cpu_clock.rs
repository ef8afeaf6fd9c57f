//! The calling thread's CPU time, for telling a step's own cost from time the thread spent
//! descheduled.
//!
//! A pause is measured in wall time, as Go measures its stop-the-world pauses. On a shared or
//! virtual machine a step that loses its CPU (preempted by another process, or the host's
//! steal time) shows as a long pause although the collector did no more work than in its
//! neighbours. The thread's CPU clock (`CLOCK_THREAD_CPUTIME_ID`) advances only while the
//! guest kernel thinks the thread runs, user and kernel time both (page faults included), so
//! `wall − cpu` of a step is time it was descheduled. The converse does not hold: a stall the
//! guest cannot see (the host throttling or faulting the vCPU) counts as running time. On the
//! project's 2-core VM a thread that only read the clock for 20 s lost ≥ 0.4 ms 267 times, 28
//! of them (up to 4.8 ms) with its CPU clock running (`experiments/src/stalls.rs` measures
//! this beside `gc-bench pauses`). It costs a system call per read, so the heap reads it only
//! while it records a step log ([`crate::Heap::record_steps`]).

use std::time::Duration;

/// CPU time the calling thread has used so far; `None` where the platform has no per-thread
/// CPU clock.
pub fn thread_cpu_time() -> Option<Duration> {
    imp::now()
}

#[cfg(unix)]
mod imp {
    use nix::time::{clock_gettime, ClockId};
    use std::time::Duration;

    pub fn now() -> Option<Duration> {
        let t = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).ok()?;
        Some(Duration::new(
            u64::try_from(t.tv_sec()).ok()?,
            u32::try_from(t.tv_nsec()).ok()?,
        ))
    }
}

#[cfg(not(unix))]
mod imp {
    pub fn now() -> Option<std::time::Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::thread_cpu_time;

    /// The clock exists on the platforms CI runs and advances with work done on this thread
    /// (not with time slept).
    #[test]
    #[cfg(unix)]
    fn advances_with_work_not_with_sleep() {
        let before = thread_cpu_time().expect("unix has a thread CPU clock");
        std::thread::sleep(std::time::Duration::from_millis(50));
        let slept = thread_cpu_time().unwrap() - before;
        let mut x = 0u64;
        let t0 = thread_cpu_time().unwrap();
        while thread_cpu_time().unwrap() - t0 < std::time::Duration::from_millis(5) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
        }
        let worked = thread_cpu_time().unwrap() - t0;
        assert!(worked >= std::time::Duration::from_millis(5));
        assert!(
            slept < std::time::Duration::from_millis(40),
            "sleeping used {slept:?} of CPU"
        );
    }
}
