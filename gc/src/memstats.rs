//! MemStats: a snapshot of one heap's counters, with Go's `runtime.MemStats` names where the
//! concept is the same, and the pause record behind it.
//!
//! A *pause* in gclox is one collector step: the mutator is stopped for exactly its duration
//! (single thread, no concurrent marking). As in Go, `PauseNs`/`PauseEnd` are per *cycle*: a
//! ring of 256 indexed by cycle number, the last cycle to reach mark termination at
//! `(NumGC + 255) % 256`. A cycle's slot sums all of its steps (its sweep steps too, which
//! gclox runs as pauses where Go sweeps concurrently), so the ring sums to `PauseTotalNs` over
//! the last 256 cycles; `PauseEnd` is when its latest step ended. The per-step figures
//! (`NumPauses`, quantiles, `PauseMaxNs`) are gclox's own.

use std::cell::Cell;
use std::time::Duration;

/// Go's `len(MemStats.PauseNs)`.
pub const PAUSE_RING: usize = 256;

/// A copy of a heap's statistics at one moment. Byte figures are gclox's own accounting.
#[derive(Debug, Clone, PartialEq)]
pub struct MemStats {
    /// Bytes of live script objects (allocated, not yet freed).
    pub heap_alloc: u64,
    /// Bytes allocated since the runtime started, never decreasing.
    pub total_alloc: u64,
    /// Objects allocated since the runtime started.
    pub mallocs: u64,
    /// Objects freed since the runtime started.
    pub frees: u64,
    /// Live objects: always `mallocs - frees`.
    pub heap_objects: u64,
    /// The heap goal of the running or next cycle, bytes. With gogc=off and no memory limit
    /// it is Go's figure: `i64::MAX` minus the non-heap memory and the 1 MiB headroom.
    pub next_gc: u64,
    /// When the last cycle reached mark termination, nanoseconds since the Unix epoch (0: no
    /// cycle yet).
    pub last_gc: u64,
    /// Cycles that reached mark termination (Go's `NumGC`; the cycle may still be sweeping).
    pub num_gc: u64,
    /// Completed cycles that the program or host forced.
    pub num_forced_gc: u64,
    /// Collector steps (pauses) taken.
    pub num_pauses: u64,
    /// Summed duration of every pause, nanoseconds.
    pub pause_total_ns: u64,
    /// Pause time of the last 256 cycles, nanoseconds (circular by cycle number, see the
    /// module doc).
    pub pause_ns: [u64; PAUSE_RING],
    /// When each of those cycles' latest pause ended, nanoseconds since the Unix epoch.
    pub pause_end: [u64; PAUSE_RING],
    /// Share of wall time since the runtime started spent in collector steps other than
    /// sweeping (Go: GC CPU, which leaves out its concurrent sweep).
    pub gc_cpu_fraction: f64,
    /// Median pause over all pauses (histogram estimate, within 1/16 relative).
    pub pause_p50_ns: u64,
    /// 99th-percentile pause over all pauses (histogram estimate, within 1/16 relative).
    pub pause_p99_ns: u64,
    /// Longest pause, exact.
    pub pause_max_ns: u64,
    /// Highest `heap_alloc` seen at a collector step boundary (not a Go field).
    pub peak_heap_alloc: u64,
}

/// The collector counters a running program can read without leaving the arena (scripts
/// read them through natives): updated by the heap after every step. Shared by `Rc`.
#[derive(Debug, Default)]
pub struct SharedStats {
    pub num_gc: Cell<u64>,
    pub num_forced_gc: Cell<u64>,
    pub num_pauses: Cell<u64>,
    pub pause_total_ns: Cell<u64>,
    pub pause_max_ns: Cell<u64>,
    pub next_gc: Cell<u64>,
    pub last_gc: Cell<u64>,
    /// Current gogc; negative means off.
    pub gogc: Cell<i64>,
}

impl SharedStats {
    /// The statistics a running program can read by name (through the `__memstat` native):
    /// Go's MemStats names where the concept matches, plus `NumPauses`, `PauseMaxNs` and
    /// `GOGC` (negative: off).
    pub const NAMES: [&'static str; 13] = [
        "HeapAlloc",
        "TotalAlloc",
        "Mallocs",
        "Frees",
        "HeapObjects",
        "NextGC",
        "LastGC",
        "NumGC",
        "NumForcedGC",
        "NumPauses",
        "PauseTotalNs",
        "PauseMaxNs",
        "GOGC",
    ];

    /// The statistic `name` (one of [`SharedStats::NAMES`]) now, from these counters and the
    /// heap's byte accounting.
    pub fn read(&self, accounting: &crate::Accounting, name: &str) -> Option<f64> {
        let a = accounting;
        Some(match name {
            "HeapAlloc" => a.live_bytes() as f64,
            "TotalAlloc" => a.total_alloc() as f64,
            "Mallocs" => a.mallocs() as f64,
            "Frees" => a.frees() as f64,
            "HeapObjects" => a.live_objects() as f64,
            "NextGC" => self.next_gc.get() as f64,
            "LastGC" => self.last_gc.get() as f64,
            "NumGC" => self.num_gc.get() as f64,
            "NumForcedGC" => self.num_forced_gc.get() as f64,
            "NumPauses" => self.num_pauses.get() as f64,
            "PauseTotalNs" => self.pause_total_ns.get() as f64,
            "PauseMaxNs" => self.pause_max_ns.get() as f64,
            "GOGC" => self.gogc.get() as f64,
            _ => return None,
        })
    }
}

/// Every pause ever taken: a per-cycle ring of the last 256 cycles and a log-linear histogram
/// of all steps.
#[derive(Debug, Clone)]
pub struct PauseLog {
    pub count: u64,
    pub total_ns: u64,
    pub max_ns: u64,
    /// The latest step's duration.
    pub last_ns: u64,
    pub ring_ns: [u64; PAUSE_RING],
    pub ring_end: [u64; PAUSE_RING],
    /// The cycle number each ring slot holds.
    ring_cycle: [u64; PAUSE_RING],
    histogram: Histogram,
}

impl Default for PauseLog {
    fn default() -> Self {
        PauseLog {
            count: 0,
            total_ns: 0,
            max_ns: 0,
            last_ns: 0,
            ring_ns: [0; PAUSE_RING],
            ring_end: [0; PAUSE_RING],
            ring_cycle: [0; PAUSE_RING],
            histogram: Histogram::default(),
        }
    }
}

impl PauseLog {
    /// Records a step of `took` in cycle `cycle` (1-based) that ended at `end_unix_ns`.
    pub fn record(&mut self, took: Duration, cycle: u64, end_unix_ns: u64) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let slot = (cycle.saturating_sub(1) % PAUSE_RING as u64) as usize;
        if self.ring_cycle[slot] != cycle {
            self.ring_cycle[slot] = cycle;
            self.ring_ns[slot] = 0;
        }
        self.ring_ns[slot] += ns;
        self.ring_end[slot] = end_unix_ns;
        self.count += 1;
        self.total_ns += ns;
        self.max_ns = self.max_ns.max(ns);
        self.last_ns = ns;
        self.histogram.record(ns);
    }

    /// The pause at quantile `q` (0..=1), estimated from the histogram.
    pub fn quantile(&self, q: f64) -> u64 {
        self.histogram.quantile(q).min(self.max_ns)
    }
}

/// Log-linear buckets: 16 sub-buckets per power of two, so every estimate is within 1/16.
#[derive(Debug, Clone)]
struct Histogram {
    counts: Vec<u64>,
    total: u64,
}

const SUB_BITS: u32 = 4;
const SUB: u64 = 1 << SUB_BITS;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; (64 - SUB_BITS as usize + 1) * SUB as usize],
            total: 0,
        }
    }
}

impl Histogram {
    fn index(v: u64) -> usize {
        if v < SUB {
            return v as usize;
        }
        let exp = 63 - v.leading_zeros();
        let sub = (v >> (exp - SUB_BITS)) & (SUB - 1);
        ((exp - SUB_BITS + 1) as u64 * SUB + sub) as usize
    }

    /// The largest value that falls into bucket `i`.
    fn upper(i: usize) -> u64 {
        let i = i as u64;
        if i < SUB {
            return i;
        }
        let exp = i / SUB + u64::from(SUB_BITS) - 1;
        let sub = i % SUB;
        let low = (SUB + sub) << (exp - u64::from(SUB_BITS));
        low + (1 << (exp - u64::from(SUB_BITS))) - 1
    }

    fn record(&mut self, v: u64) {
        self.counts[Self::index(v)] += 1;
        self.total += 1;
    }

    fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q * self.total as f64).ceil() as u64).clamp(1, self.total);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Self::upper(i);
            }
        }
        u64::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_within_a_sixteenth() {
        let mut log = PauseLog::default();
        for ns in 1..=10_000u64 {
            log.record(Duration::from_nanos(ns * 100), 1, ns);
        }
        for (q, exact) in [(0.5, 500_000.0), (0.99, 990_000.0)] {
            let est = log.quantile(q) as f64;
            assert!(
                (est - exact).abs() / exact <= 1.0 / 16.0,
                "q{q}: {est} vs {exact}"
            );
        }
        assert_eq!(log.max_ns, 1_000_000);
        assert_eq!(log.quantile(1.0), 1_000_000);
    }

    #[test]
    fn ring_holds_the_last_256_cycles_and_sums_their_steps() {
        let mut log = PauseLog::default();
        // Cycle c has two steps of c and 1 ns.
        for cycle in 1..=300u64 {
            log.record(Duration::from_nanos(cycle), cycle, cycle * 10);
            log.record(Duration::from_nanos(1), cycle, cycle * 10 + 1);
        }
        let num_gc = 300u64;
        let newest = ((num_gc + 255) % 256) as usize;
        assert_eq!(log.ring_ns[newest], 301);
        assert_eq!(log.ring_end[newest], 3001);
        assert_eq!(
            log.ring_ns.iter().sum::<u64>(),
            (45..=300).map(|c| c + 1).sum::<u64>()
        );
        assert_eq!(log.count, 600);
        assert_eq!(log.total_ns, (1..=300).sum::<u64>() + 300);
    }

    #[test]
    fn bucket_bounds_contain_their_values() {
        for v in [0u64, 1, 15, 16, 17, 31, 32, 1000, 123_456_789, u64::MAX / 3] {
            let i = Histogram::index(v);
            assert!(Histogram::upper(i) >= v, "{v}");
            if i > 0 {
                assert!(Histogram::upper(i - 1) < v, "{v}");
            }
        }
    }
}
