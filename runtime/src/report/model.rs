//! What a report page shows, whatever it came from: a live gclox run (every collector step,
//! heap and RSS samples, the profile) or a gctrace log (per-cycle figures only). Each source
//! fills in what it has; a figure a source cannot give is `None` and the page says why.

use gclox_gc::mmu::{log_windows, Pauses};

use super::gctrace_log::{GctraceLog, Writer};
use super::stats::{mean_var, quantile, slope, MannKendall};

const MIB: f64 = (1u64 << 20) as f64;

/// One collection cycle, in seconds since the run's start and MiB.
#[derive(Debug, Clone, PartialEq)]
pub struct Cycle {
    pub number: u64,
    pub start_s: f64,
    /// When marking ended (Go: after concurrent mark, at mark termination's start).
    pub mark_end_s: f64,
    pub end_s: f64,
    /// Heap at the cycle's start, at mark end, and live (marked) after it (gctrace X, Y, Z).
    pub heap_start: f64,
    pub heap_mark_end: f64,
    pub live: f64,
    pub goal: f64,
    /// The pacer's trigger (live gclox runs only).
    pub trigger: Option<f64>,
    /// Collector time of the cycle, ms: gclox's summed steps; Go's two stop-the-world pauses.
    pub gc_ms: f64,
    pub forced: bool,
}

/// A sample of the heap and the process, taken beside the run (live runs only).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub t_s: f64,
    /// gclox's byte accounting: allocated − freed, garbage not yet swept included.
    pub heap_in_use: f64,
    /// Resident set size, MiB (`None` where /proc is missing).
    pub rss: Option<f64>,
}

/// Individual pauses, in seconds since the start: `(start, end)`.
#[derive(Debug, Clone, PartialEq)]
pub struct PauseSet {
    /// What one pause is here, for the page ("collector step", "stop-the-world phase").
    pub kind: &'static str,
    pub spans: Vec<(f64, f64)>,
    /// What each pause did, when known (parallel to `spans`): the timeline colours by it.
    pub what: Option<Vec<&'static str>>,
    /// Whether these pauses are all the collector took from the mutator, so MMU can be
    /// computed from them (true for gclox's steps; false for Go, whose assists and background
    /// workers take CPU outside its stop-the-world pauses).
    pub complete: bool,
}

/// Everything a page shows.
#[derive(Debug, Clone, Default)]
pub struct RunData {
    /// What ran, or which log: the page's title.
    pub name: String,
    /// Where the data came from, one line.
    pub origin: String,
    pub run_s: f64,
    pub cycles: Vec<Cycle>,
    pub pauses: Option<PauseSet>,
    /// The longest pause when individual pauses are not known (gclox level-2 logs), ms.
    pub longest_pause_ms: Option<f64>,
    pub samples: Vec<Sample>,
    /// GC share of the run's CPU (or wall) time, percent, and how it was measured.
    pub gc_cpu: Option<(f64, &'static str)>,
    /// Bytes allocated over the run (live runs only).
    pub total_alloc: Option<u64>,
    pub peak_heap: Option<f64>,
    pub peak_rss: Option<f64>,
    /// Settings worth printing (`gogc`, mode, limits, …), in order.
    pub settings: Vec<(String, String)>,
    /// What this source cannot give, one sentence each.
    pub caveats: Vec<String>,
    /// Top allocation sites (in-use, allocated), as `go tool pprof -top` text.
    pub profile_top: Option<(String, String)>,
    pub leak_report: Option<String>,
}

/// The headline figures of one run, shared by the run page and the comparison.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub run_s: f64,
    pub cycles: usize,
    pub forced: usize,
    pub cycles_per_s: f64,
    pub gc_cpu: Option<f64>,
    pub alloc_rate: Option<f64>,
    /// Pause p50 and p99 in ms (over the individual pauses).
    pub pauses_ms: Option<[f64; 2]>,
    /// The longest pause, ms.
    pub pause_max_ms: Option<f64>,
    /// MMU at 1, 10, 100 ms (`None` for a window longer than the run).
    pub mmu: Option<[Option<f64>; 3]>,
    /// Least-squares slope of the live heap over time, MiB/s.
    pub live_slope: Option<f64>,
    /// Mann–Kendall on the live heap after every cycle.
    pub live_trend: Option<MannKendall>,
    /// Mann–Kendall on the live heap's floor: the lowest live heap of each of
    /// [`FLOOR_GROUPS`] consecutive groups of cycles. This is the report's leak verdict: a leak
    /// raises the floor, while floating garbage (objects allocated during a long concurrent
    /// mark count as live) only raises some cycles, and over hundreds of cycles a
    /// test on every cycle calls such noise significant.
    pub floor_trend: Option<MannKendall>,
    /// Mean and variance of the live heap after each cycle (MiB, MiB²).
    pub live_mean_var: Option<(f64, f64)>,
    pub goal_mean: Option<f64>,
    pub goal_last: Option<f64>,
    pub peak_heap: Option<f64>,
    pub peak_rss: Option<f64>,
}

/// How many groups of cycles the live-heap floor is taken over (fewer when there are fewer
/// cycles: one per cycle).
pub const FLOOR_GROUPS: usize = 10;

/// The lowest value of each of `groups` consecutive, nearly equal groups of `xs`.
pub fn floor(xs: &[f64], groups: usize) -> Vec<f64> {
    let k = groups.min(xs.len());
    (0..k)
        .map(|g| {
            let (a, b) = (g * xs.len() / k, (g + 1) * xs.len() / k);
            xs[a..b].iter().copied().fold(f64::INFINITY, f64::min)
        })
        .collect()
}

/// The MMU windows the summary, `--stats` and `gc-bench` quote, in seconds.
pub const MMU_WINDOWS: [f64; 3] = [0.001, 0.01, 0.1];

impl RunData {
    /// The data of a gctrace log (gclox's or Go's) named `name`.
    pub fn from_gctrace(name: &str, log: &GctraceLog) -> RunData {
        let go = log.writer == Writer::Go;
        let cycles: Vec<Cycle> = log
            .cycles
            .iter()
            .map(|l| {
                let [a, b, c] = l.clock_ms;
                let gc_ms = if go {
                    a + c
                } else {
                    a + l.cpu_ms[1] + c + l.detail.map_or(0.0, |d| d.sweep_ms)
                };
                // gclox's level-2 line has the heap in bytes; the gc line only whole MiB.
                let exact = l.detail.and_then(|d| d.bytes);
                let heap = exact.map_or(l.heap_mb.map(|m| m as f64), |b| b.heap.map(mib));
                Cycle {
                    number: l.number,
                    start_s: l.at_s,
                    mark_end_s: l.at_s + (a + b) / 1e3,
                    end_s: l.at_s + (a + b + c) / 1e3,
                    heap_start: heap[0],
                    heap_mark_end: heap[1],
                    live: heap[2],
                    goal: exact.map_or(l.goal_mb as f64, |b| mib(b.goal)),
                    trigger: exact.map(|b| mib(b.trigger)),
                    gc_ms,
                    forced: l.forced,
                }
            })
            .collect();
        let run_s = cycles.last().map_or(0.0, |c| c.end_s);
        let exact = log
            .cycles
            .iter()
            .all(|l| l.detail.is_some_and(|d| d.bytes.is_some()));
        let mut caveats = vec![
            if exact {
                "Figures are per cycle, as the log gives them; heap figures are exact bytes from gclox's level-2 lines.".to_string()
            } else {
                "Figures are per cycle, as the log gives them; heap figures are whole MiB (gctrace's MB = bytes >> 20).".to_string()
            },
            "RSS, allocation rate and heap profile are not in a gctrace log.".to_string(),
            "Run time is the last cycle's end: a log does not say when the program ended."
                .to_string(),
        ];
        let pauses = if go {
            caveats.push("Pauses are Go's two stop-the-world phases per cycle (gctrace clock a and c). MMU is not computed: Go's mark assists and background mark workers also take CPU from the program outside those pauses, and the log does not say when.".to_string());
            let spans = log
                .cycles
                .iter()
                .flat_map(|l| {
                    let [a, b, c] = l.clock_ms;
                    let t = l.at_s;
                    let mark_term = t + (a + b) / 1e3;
                    [(t, t + a / 1e3), (mark_term, mark_term + c / 1e3)]
                })
                .collect::<Vec<_>>();
            let what = (0..log.cycles.len())
                .flat_map(|_| ["sweep termination", "mark termination"])
                .collect();
            Some(PauseSet {
                kind: "stop-the-world phase",
                spans,
                what: Some(what),
                complete: false,
            })
        } else {
            caveats.push("Per-step pauses, their percentiles and MMU are only recorded in a live run (gclox --report FILE.html script.lox): the log sums a cycle's steps. The pause timeline shows each cycle's summed collector time instead; the longest pause comes from level-2 lines (--gctrace=2) when present.".to_string());
            None
        };
        let last_percent = log.cycles.last().map(|l| f64::from(l.cpu_percent));
        RunData {
            name: name.to_string(),
            origin: format!(
                "{} gctrace log: {} gc lines of {} lines{}",
                if go { "Go" } else { "gclox" },
                log.cycles.len(),
                log.lines,
                if log.garbled > 0 {
                    format!(", {} cut gc lines skipped", log.garbled)
                } else {
                    String::new()
                }
            ),
            run_s,
            peak_heap: cycles
                .iter()
                .map(|c| c.heap_start.max(c.heap_mark_end))
                .reduce(f64::max),
            longest_pause_ms: log
                .cycles
                .iter()
                .filter_map(|l| l.detail.map(|d| d.longest_ms))
                .reduce(f64::max),
            cycles,
            pauses,
            gc_cpu: last_percent.map(|p| (p, "the last gc line's P%: GC share of CPU since start")),
            caveats,
            ..RunData::default()
        }
    }

    /// The pause intervals in nanoseconds for MMU, when they are complete.
    pub fn mmu_pauses(&self) -> Option<Pauses> {
        let set = self.pauses.as_ref().filter(|p| p.complete)?;
        let ns = |s: f64| (s * 1e9).round().max(0.0) as u64;
        Some(Pauses::new(
            set.spans.iter().map(|&(a, b)| (ns(a), ns(b))),
            ns(self.run_s),
        ))
    }

    /// The MMU curve from 10 µs to the run's length: `(window s, mmu)`.
    pub fn mmu_curve(&self) -> Option<Vec<(f64, f64)>> {
        let pauses = self.mmu_pauses()?;
        let windows = log_windows(10_000, pauses.run(), 8);
        Some(
            pauses
                .curve(&windows)
                .into_iter()
                .map(|(w, u)| (w as f64 / 1e9, u))
                .collect(),
        )
    }

    /// The headline figures.
    pub fn figures(&self) -> Figures {
        let mut durations: Option<Vec<f64>> = self
            .pauses
            .as_ref()
            .map(|p| p.spans.iter().map(|(a, b)| (b - a) * 1e3).collect());
        let pauses_ms = durations.as_mut().and_then(|d| {
            d.sort_by(f64::total_cmp);
            Some([quantile(d, 0.5)?, quantile(d, 0.99)?])
        });
        let pause_max_ms = durations
            .as_ref()
            .and_then(|d| d.last().copied())
            .or(self.longest_pause_ms);
        let mmu = self
            .mmu_pauses()
            .map(|p| MMU_WINDOWS.map(|w| p.mmu((w * 1e9) as u64)));
        let live: Vec<f64> = self.cycles.iter().map(|c| c.live).collect();
        let live_points: Vec<(f64, f64)> = self.cycles.iter().map(|c| (c.end_s, c.live)).collect();
        let goals: Vec<f64> = self.cycles.iter().map(|c| c.goal).collect();
        Figures {
            run_s: self.run_s,
            cycles: self.cycles.len(),
            forced: self.cycles.iter().filter(|c| c.forced).count(),
            cycles_per_s: if self.run_s > 0.0 {
                self.cycles.len() as f64 / self.run_s
            } else {
                0.0
            },
            gc_cpu: self.gc_cpu.map(|g| g.0),
            alloc_rate: self
                .total_alloc
                .filter(|_| self.run_s > 0.0)
                .map(|b| b as f64 / MIB / self.run_s),
            pauses_ms,
            pause_max_ms,
            mmu,
            live_slope: slope(&live_points),
            live_trend: MannKendall::test(&live),
            floor_trend: MannKendall::test(&floor(&live, FLOOR_GROUPS)),
            live_mean_var: mean_var(&live),
            goal_mean: mean_var(&goals).map(|m| m.0),
            goal_last: goals.last().copied(),
            peak_heap: self.peak_heap,
            peak_rss: self.peak_rss,
        }
    }
}

/// Bytes as MiB.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_takes_each_groups_minimum() {
        let xs: Vec<f64> = (0..25).map(|i| f64::from(i % 5)).collect();
        assert_eq!(floor(&xs, 5), vec![0.0; 5]);
        assert_eq!(floor(&[3.0, 1.0, 2.0], 10), vec![3.0, 1.0, 2.0]);
        // 7 values in 3 groups: [0..2], [2..4], [4..7].
        assert_eq!(
            floor(&[5.0, 4.0, 9.0, 3.0, 8.0, 7.0, 6.0], 3),
            vec![4.0, 3.0, 6.0]
        );
    }

    #[test]
    fn a_go_log_gives_stw_pauses_but_no_mmu() {
        let log = GctraceLog::parse(
            "gc 1 @0.100s 3%: 0.5+10+1.5 ms clock, 1+1/2/3+3 ms cpu, 4->5->2 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n\
             gc 2 @0.300s 4%: 0.2+10+0.8 ms clock, 1+1/2/3+3 ms cpu, 4->6->3 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P\n\
             gc 3 @0.500s 5%: 0.1+10+0.4 ms clock, 1+1/2/3+3 ms cpu, 5->7->4 MB, 6 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)\n",
        );
        let run = RunData::from_gctrace("t", &log);
        assert_eq!(run.cycles.len(), 3);
        assert!((run.run_s - 0.5105).abs() < 1e-12);
        assert!((run.cycles[0].mark_end_s - 0.1105).abs() < 1e-12);
        let f = run.figures();
        assert_eq!((f.cycles, f.forced), (3, 1));
        assert!(f.mmu.is_none(), "Go pauses are not the whole GC cost");
        // STW pauses 0.1, 0.2, 0.4, 0.5, 0.8, 1.5 ms: p50 = 0.4 (nearest rank 3 of 6).
        let [p50, p99] = f.pauses_ms.unwrap();
        let max = f.pause_max_ms.unwrap();
        assert!((p50 - 0.4).abs() < 1e-9 && (p99 - 1.5).abs() < 1e-9 && (max - 1.5).abs() < 1e-9);
        assert_eq!(f.gc_cpu, Some(5.0));
        assert_eq!(f.live_trend.unwrap().s, 3);
        // +1 MiB per ~0.2 s.
        assert!((f.live_slope.unwrap() - 5.0).abs() < 0.05);
    }
}
