//! The machine's own stalls, measured beside the collector's pauses (the control of jHiccup).
//!
//! On a shared or virtual machine a thread loses its CPU now and then: another process runs,
//! the host steals the vCPU, or the host throttles it in a way the guest cannot see (the
//! thread's CPU clock then keeps running through the stall). A collector step that such a
//! stall hits is long whatever the collector did, so a step pause maximum says as much about
//! the machine as about the collector. [`probe`] measures the machine alone: a thread that
//! does nothing but read the clock, and every gap of `threshold` or more between two reads is
//! a stall. Its rate times a run's total pause time is how many of that run's steps a stall
//! of that size is expected to have hit.

use std::time::{Duration, Instant};

use gclox_gc::cpu_clock::thread_cpu_time;

/// What a stall probe saw.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StallProbe {
    /// How long the probe ran.
    pub spun: Duration,
    /// Gaps of at least the threshold between two clock reads.
    pub stalls: usize,
    /// Of those, the gaps the thread's CPU clock counted as running time (at least 80 % of
    /// the gap): stalls that a step's CPU time cannot tell from work.
    pub on_cpu: usize,
    /// The longest gap.
    pub longest: Duration,
}

impl StallProbe {
    /// Stalls per second of probing.
    pub fn rate(&self) -> f64 {
        if self.spun.is_zero() {
            return 0.0;
        }
        self.stalls as f64 / self.spun.as_secs_f64()
    }

    /// How many stalls a thread exposed for `exposure` (e.g. a run's total step time) is
    /// expected to meet at this probe's rate.
    pub fn expected_in(&self, exposure: Duration) -> f64 {
        self.rate() * exposure.as_secs_f64()
    }
}

/// Reads the clock in a loop for `duration`; every gap of `threshold` or more between two
/// reads is a stall.
pub fn probe(duration: Duration, threshold: Duration) -> StallProbe {
    let began = Instant::now();
    let mut seen = StallProbe::default();
    let mut last = began;
    let mut last_cpu = thread_cpu_time();
    loop {
        let now = Instant::now();
        let cpu = thread_cpu_time();
        let gap = now - last;
        if gap >= threshold {
            seen.stalls += 1;
            seen.longest = seen.longest.max(gap);
            if let (Some(a), Some(b)) = (last_cpu, cpu) {
                if b.saturating_sub(a).as_secs_f64() >= 0.8 * gap.as_secs_f64() {
                    seen.on_cpu += 1;
                }
            }
        }
        last = now;
        last_cpu = cpu;
        if now - began >= duration {
            seen.spun = now - began;
            return seen;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_count_scales_the_rate_by_the_exposure() {
        let seen = StallProbe {
            spun: Duration::from_secs(4),
            stalls: 10,
            on_cpu: 3,
            longest: Duration::from_millis(7),
        };
        assert_eq!(seen.rate(), 2.5);
        assert_eq!(seen.expected_in(Duration::from_millis(1200)), 3.0);
        assert_eq!(StallProbe::default().rate(), 0.0);
    }

    #[test]
    fn a_probe_runs_for_its_duration_and_its_longest_gap_fits_in_it() {
        let seen = probe(Duration::from_millis(30), Duration::from_millis(1));
        assert!(seen.spun >= Duration::from_millis(30));
        assert!(seen.longest <= seen.spun);
        assert!(seen.on_cpu <= seen.stalls);
        // A gap is counted only at or above the threshold.
        assert!(seen.stalls == 0 || seen.longest >= Duration::from_millis(1));
    }
}
