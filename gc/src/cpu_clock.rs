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
//! when asked to record it per step ([`crate::Heap::record_step_usage`]).
//!
//! Beside the clock, [`kernel_events`] counts what the guest kernel did to the thread (page
//! faults, context switches): a long step with neither, and its CPU clock running, was not
//! slowed by anything the guest kernel did — not paging, not preemption — only by its own work
//! or by a stall the guest cannot see.

use std::time::Duration;

/// CPU time the calling thread has used so far; `None` where the platform has no per-thread
/// CPU clock.
pub fn thread_cpu_time() -> Option<Duration> {
    imp::now()
}

/// Kernel events the calling thread has gone through so far (or between two readings, with
/// [`KernelEvents::since`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KernelEvents {
    /// Page faults, minor and major: memory the kernel had to map (or read back) on touch.
    pub page_faults: u64,
    /// Context switches, voluntary (the thread blocked) and involuntary (preempted).
    pub context_switches: u64,
}

impl KernelEvents {
    /// The events between an `earlier` reading and this one.
    pub fn since(self, earlier: KernelEvents) -> KernelEvents {
        KernelEvents {
            page_faults: self.page_faults.saturating_sub(earlier.page_faults),
            context_switches: self
                .context_switches
                .saturating_sub(earlier.context_switches),
        }
    }

    /// Whether any event happened (for a difference made by [`KernelEvents::since`]).
    pub fn any(self) -> bool {
        self.page_faults > 0 || self.context_switches > 0
    }
}

/// The thread's CPU clock and kernel events at one moment, each `None` where the platform
/// lacks it; [`ThreadUsage::since`] turns two readings into what happened between them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThreadUsage {
    pub cpu: Option<Duration>,
    pub kernel: Option<KernelEvents>,
}

impl ThreadUsage {
    /// Both readings for the calling thread now (two system calls).
    pub fn now() -> ThreadUsage {
        ThreadUsage {
            kernel: kernel_events(),
            cpu: thread_cpu_time(),
        }
    }

    /// The CPU time and events between an `earlier` reading and this one.
    pub fn since(self, earlier: ThreadUsage) -> ThreadUsage {
        ThreadUsage {
            cpu: self.cpu.zip(earlier.cpu).map(|(b, a)| b.saturating_sub(a)),
            kernel: self.kernel.zip(earlier.kernel).map(|(b, a)| b.since(a)),
        }
    }
}

/// The calling thread's kernel events so far (`getrusage(RUSAGE_THREAD)`); `None` where the
/// platform does not count them per thread. A system call, like the CPU clock.
pub fn kernel_events() -> Option<KernelEvents> {
    usage::events()
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

#[cfg(target_os = "linux")]
mod usage {
    use super::KernelEvents;
    use nix::sys::resource::{getrusage, UsageWho};

    pub fn events() -> Option<KernelEvents> {
        let usage = getrusage(UsageWho::RUSAGE_THREAD).ok()?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Some(KernelEvents {
            page_faults: count(usage.minor_page_faults()) + count(usage.major_page_faults()),
            context_switches: count(usage.voluntary_context_switches())
                + count(usage.involuntary_context_switches()),
        })
    }
}

#[cfg(not(target_os = "linux"))]
mod usage {
    pub fn events() -> Option<super::KernelEvents> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{kernel_events, thread_cpu_time};

    /// Touching fresh memory faults pages in, and sleeping switches the thread out: both show.
    #[test]
    #[cfg(target_os = "linux")]
    fn counts_page_faults_and_switches() {
        let before = kernel_events().expect("linux counts them per thread");
        let mut fresh = vec![0u8; 8 << 20];
        for page in fresh.chunks_mut(4096) {
            page[0] = 1;
        }
        std::hint::black_box(&fresh);
        let faulted = kernel_events().unwrap().since(before);
        assert!(faulted.page_faults >= 64, "{faulted:?}");
        std::thread::sleep(std::time::Duration::from_millis(5));
        let slept = kernel_events().unwrap().since(before);
        assert!(slept.context_switches >= 1, "{slept:?}");
        assert!(slept.any());
        assert!(!slept.since(slept).any());
    }

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
