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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gclox_gc::cpu_clock::thread_cpu_time;
use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

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
    probe_with(duration, threshold, || {})
}

/// Like [`probe`], but between two clock reads the thread reads and writes `words` randomly
/// chosen words of a buffer of `buffer_bytes` (about a microsecond's work for 64 words):
/// memory touched as a collector step touches it. A stall this probe sees and the clock-only
/// one does not is one that only a thread touching memory meets — in the guest's kernel
/// (page faults) or, if the thread's CPU clock ran through it, beneath the guest.
pub fn probe_touching(
    duration: Duration,
    threshold: Duration,
    buffer_bytes: usize,
    words: usize,
) -> StallProbe {
    let mut buffer = vec![1u64; (buffer_bytes / 8).max(1)];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    probe_with(duration, threshold, move || {
        for _ in 0..words {
            // xorshift64: a cheap, well-spread index, so each touch is likely a cache miss.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let i = (x % buffer.len() as u64) as usize;
            buffer[i] = buffer[i].wrapping_add(x);
        }
        std::hint::black_box(&buffer);
    })
}

fn probe_with(duration: Duration, threshold: Duration, mut work: impl FnMut()) -> StallProbe {
    let began = Instant::now();
    let mut seen = StallProbe::default();
    let mut last = began;
    let mut last_cpu = thread_cpu_time();
    loop {
        work();
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

/// One stall a [`Beside`] probe saw: when its clock read before and after the gap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stall {
    pub began: Instant,
    pub ended: Instant,
}

/// A probe running on its own thread, on another CPU than the caller's, for as long as the
/// caller runs a workload: which of the workload's long steps fell while the *other* vCPU
/// stalled too. A host that stalls both vCPUs at once (its own load) shows as long steps that
/// coincide with probe stalls far more often than chance; a cost of the collector's own does
/// not.
pub struct Beside {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<Stall>>,
}

impl Beside {
    /// Pins the calling thread to CPU `here` and starts the probe pinned to CPU `there`.
    /// Fails where the affinity cannot be set (then the two could share a CPU, and the
    /// probe's gaps would be the workload's own time slices).
    pub fn start(here: usize, there: usize, threshold: Duration) -> std::io::Result<Beside> {
        pin(here)?;
        let stop = Arc::new(AtomicBool::new(false));
        let seen = stop.clone();
        let (ready, pinned) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("stall-probe".to_string())
            .spawn(move || {
                let _ = ready.send(pin(there));
                let mut stalls = Vec::new();
                let mut last = Instant::now();
                while !seen.load(Ordering::Relaxed) {
                    let now = Instant::now();
                    if now - last >= threshold {
                        stalls.push(Stall {
                            began: last,
                            ended: now,
                        });
                    }
                    last = now;
                }
                stalls
            })?;
        pinned
            .recv()
            .map_err(|_| std::io::Error::other("the probe thread died"))??;
        Ok(Beside { stop, thread })
    }

    /// Stops the probe; returns its stalls in time order.
    pub fn stop(self) -> Vec<Stall> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// The host's steal time so far, in ticks of 10 ms (`/proc/stat`), where the kernel reports it.
pub fn host_steal_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find(|l| l.starts_with("cpu "))?
        .split_whitespace()
        .nth(8)?
        .parse()
        .ok()
}

/// The host's steal since an earlier [`host_steal_ticks`] reading, for a table cell ("n/a"
/// where the kernel does not report it).
pub fn steal_since(before: Option<u64>) -> String {
    host_steal_ticks()
        .zip(before)
        .map_or("n/a".to_string(), |(now, then)| (now - then).to_string())
}

/// The CPUs this process may run on (its affinity mask), in order.
pub fn allowed_cpus() -> Vec<usize> {
    let Ok(set) = sched_getaffinity(Pid::from_raw(0)) else {
        return Vec::new();
    };
    (0..CpuSet::count())
        .filter(|&cpu| set.is_set(cpu).unwrap_or(false))
        .collect()
}

fn pin(cpu: usize) -> std::io::Result<()> {
    let mut set = CpuSet::new();
    set.set(cpu).map_err(std::io::Error::from)?;
    sched_setaffinity(Pid::from_raw(0), &set).map_err(std::io::Error::from)
}

/// How many of `intervals` (begin, end) overlap at least one of `stalls` (both in time order).
pub fn overlapping(intervals: &[(Instant, Instant)], stalls: &[Stall]) -> usize {
    intervals
        .iter()
        .filter(|&&(begin, end)| {
            // The first stall that ends after `begin` is the only candidate to start before `end`.
            let i = stalls.partition_point(|s| s.ended <= begin);
            stalls.get(i).is_some_and(|s| s.began < end)
        })
        .count()
}

/// How many of `intervals` would overlap a stall by chance if the stalls fell at random
/// times over `span`: for each interval, the share of the span within which a stall's start
/// would make the two overlap (the stall's length plus the interval's), times the number of
/// stalls.
pub fn overlapping_by_chance(
    intervals: &[(Instant, Instant)],
    stalls: &[Stall],
    span: Duration,
) -> f64 {
    if span.is_zero() || stalls.is_empty() {
        return 0.0;
    }
    let mean_stall = stalls
        .iter()
        .map(|s| (s.ended - s.began).as_secs_f64())
        .sum::<f64>()
        / stalls.len() as f64;
    intervals
        .iter()
        .map(|&(b, e)| {
            let window = (e - b).as_secs_f64() + mean_stall;
            (stalls.len() as f64 * window / span.as_secs_f64()).min(1.0)
        })
        .sum()
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
    fn overlaps_count_each_interval_once_and_chance_scales_with_the_stalls() {
        let t0 = Instant::now();
        let at = |us: u64| t0 + Duration::from_micros(us);
        let stalls = [
            Stall {
                began: at(100),
                ended: at(200),
            },
            Stall {
                began: at(1000),
                ended: at(3000),
            },
        ];
        let intervals = [
            (at(0), at(50)),      // before every stall
            (at(150), at(160)),   // inside the first
            (at(190), at(1100)),  // across both: counted once
            (at(3000), at(3100)), // starts as the second ends: no overlap
        ];
        assert_eq!(overlapping(&intervals, &stalls), 2);
        assert_eq!(overlapping(&intervals, &[]), 0);
        let span = Duration::from_millis(10);
        let chance = overlapping_by_chance(&intervals, &stalls, span);
        // Mean stall 1.05 ms; windows 1.10, 1.06, 1.96 and 1.15 ms; two stalls over 10 ms.
        assert!(
            (chance - 2.0 * (1.10 + 1.06 + 1.96 + 1.15) / 10.0).abs() < 1e-9,
            "{chance}"
        );
        assert_eq!(overlapping_by_chance(&intervals, &[], span), 0.0);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_probe_beside_runs_until_stopped() {
        let cpus = allowed_cpus();
        let (here, there) = (cpus[0], *cpus.get(1).unwrap_or(&cpus[0]));
        let probe = Beside::start(here, there, Duration::from_millis(1)).expect("affinity");
        std::thread::sleep(Duration::from_millis(20));
        let stalls = probe.stop();
        assert!(stalls.windows(2).all(|w| w[0].ended <= w[1].began));
        assert!(stalls
            .iter()
            .all(|s| s.ended - s.began >= Duration::from_millis(1)));
    }

    #[test]
    fn a_touching_probe_runs_for_its_duration_and_counts_a_stall_of_its_own_making() {
        // With a threshold below the time one round of touches takes, every round is a stall:
        // the probe counts the gap around its work, not only the clock reads.
        let seen = probe_touching(Duration::from_millis(50), Duration::ZERO, 1 << 20, 64);
        assert!(seen.spun >= Duration::from_millis(50));
        assert!(seen.stalls > 0, "{seen:?}");
        assert!(seen.longest <= seen.spun);
        let quiet = probe_touching(
            Duration::from_millis(50),
            Duration::from_secs(10),
            1 << 20,
            64,
        );
        assert_eq!(quiet.stalls, 0, "no 10 s gap fits in 50 ms: {quiet:?}");
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
