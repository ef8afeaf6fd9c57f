//! Minimum mutator utilization (Cheng & Blelloch, PLDI 2001): for a window length `w`, the
//! smallest share of any window of length `w` inside the run during which the program, not
//! the collector, ran. `go tool trace` draws the same curve for Go.
//!
//! Computed exactly from pause intervals (in gclox, the collector steps of
//! [`crate::StepRecord`]). With `P(t)` the collector time in `[t, t + w]`, `P` is piecewise
//! linear in `t` and its slope only falls where a window's start enters a pause (`t` = a pause
//! start) or its end leaves one (`t + w` = a pause end); so its maxima — the worst windows —
//! are among the windows starting at a pause start or ending at a pause end, plus the two
//! windows flush with the run's ends. The pause time up to a pause's own start or end is a
//! prefix sum, and the window's other edge moves forward only as the candidates do: O(n) per
//! window length. Long windows prune whole stretches of time first (see
//! `Pauses::most_paused_pruned`).

/// Pauses from which [`Pauses::curve`] splits its window lengths across threads: below it a
/// thread costs more than it saves.
const PARALLEL_CURVE_PAUSES: usize = 20_000;

/// Blocks a window is cut into by [`Pauses::most_paused_pruned`]: more blocks, a tighter bound
/// (within 2/64 of the window) but more of them to sum.
const BLOCKS_PER_WINDOW: u64 = 64;

/// Pause intervals of one run, in nanoseconds since the run's start, sorted and disjoint, and
/// the run's length. Build with [`Pauses::new`].
#[derive(Debug, Clone)]
pub struct Pauses {
    /// `(start, end)` with `start < end`, sorted, disjoint.
    spans: Vec<(u64, u64)>,
    /// `before[i]`: summed length of `spans[..i]`.
    before: Vec<u64>,
    /// The run's length: windows lie inside `[0, run]`.
    run: u64,
}

impl Pauses {
    /// The pauses `spans` (`(start, end)` nanoseconds, any order; empty ones are dropped and
    /// overlapping ones merged) of a run `run` nanoseconds long. Parts of pauses past `run`
    /// are cut off.
    pub fn new(spans: impl IntoIterator<Item = (u64, u64)>, run: u64) -> Pauses {
        let mut sorted: Vec<(u64, u64)> = spans
            .into_iter()
            .map(|(s, e)| (s.min(run), e.min(run)))
            .filter(|(s, e)| s < e)
            .collect();
        sorted.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(sorted.len());
        for (s, e) in sorted {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let mut before = Vec::with_capacity(merged.len() + 1);
        let mut sum = 0;
        before.push(0);
        for (s, e) in &merged {
            sum += e - s;
            before.push(sum);
        }
        Pauses {
            spans: merged,
            before,
            run,
        }
    }

    /// The pauses of a heap's recorded collector steps ([`crate::Heap::step_log`]) in a run of
    /// length `run` since the heap's start.
    pub fn from_steps(steps: &[crate::StepRecord], run: std::time::Duration) -> Pauses {
        let ns = |d: std::time::Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Pauses::new(steps.iter().map(|s| (ns(s.start), ns(s.end))), ns(run))
    }

    /// The pauses, sorted and merged: `(start, end)` nanoseconds.
    pub fn spans(&self) -> &[(u64, u64)] {
        &self.spans
    }

    /// The run's length, nanoseconds.
    pub fn run(&self) -> u64 {
        self.run
    }

    /// Summed pause time, nanoseconds.
    pub fn total(&self) -> u64 {
        *self.before.last().unwrap_or(&0)
    }

    /// The minimum mutator utilization for windows of `window` nanoseconds, in `[0, 1]`;
    /// `None` when the window is zero or longer than the run.
    pub fn mmu(&self, window: u64) -> Option<f64> {
        if window == 0 || window > self.run {
            return None;
        }
        // Blocks of `window / BLOCKS_PER_WINDOW`, but no more of them than a quarter of the
        // pauses (longer blocks, a looser bound). With blocks longer than a sixteenth of the
        // window (a bound looser by an eighth) pruning costs more than it saves: on 700 000
        // pauses a 1.3 ms window at ~9 blocks took 29 ms pruned, 10 ms in full (a throwaway
        // build, 2026-12-03). `cargo bench -p gclox-benches --bench mmu` times the result.
        let most_blocks = (self.spans.len() as u64 / 4).max(1);
        let block = (window / BLOCKS_PER_WINDOW)
            .max(self.run.div_ceil(most_blocks))
            .max(1);
        let worst = if window / block >= 16 {
            self.most_paused_pruned(window, block)
        } else {
            self.most_paused(window)
        };
        Some((window - worst) as f64 / window as f64)
    }

    /// The most pause time in any window of length `window` (`0 < window <= run`): every
    /// candidate window, in two passes over the pauses.
    fn most_paused(&self, window: u64) -> u64 {
        let last_start = self.run - window;
        let mut worst = self.flush_windows(window);
        // Windows starting at a pause start `s_i`: the pause time before `s_i` is
        // `before[i]`, and the windows' ends ascend with `i`, so one cursor finds the rest.
        let mut end = Cursor::default();
        for (i, &(s, _)) in self.spans.iter().enumerate() {
            if s > last_start {
                break;
            }
            worst = worst.max(end.paused_until(self, s + window) - self.before[i]);
        }
        // Windows ending at a pause end `e_i`: the pause time up to `e_i` is `before[i + 1]`.
        let mut start = Cursor::default();
        for (i, &(_, e)) in self.spans.iter().enumerate() {
            if let Some(t) = e.checked_sub(window) {
                worst = worst.max(self.before[i + 1] - start.paused_until(self, t));
            }
        }
        worst
    }

    /// [`Pauses::most_paused`] for a window long against the pauses' spacing, without
    /// visiting every candidate: time is cut into blocks of `window / BLOCKS_PER_WINDOW`; a
    /// window starting in block `j` lies inside blocks `j ..= j + m` (`m` blocks cover a
    /// window), so their pause time bounds it. The block with the largest bound is measured
    /// first, then every block whose bound exceeds the worst window found so far. The bound
    /// exceeds what a block's windows can have by at most two blocks' time, so only blocks
    /// near the worst are measured.
    fn most_paused_pruned(&self, window: u64, block: u64) -> u64 {
        let last_start = self.run - window;
        let starts_in = last_start / block + 1;
        let m = window.div_ceil(block);
        let mut cursor = Cursor::default();
        let at_bounds: Vec<u64> = (0..=starts_in + m)
            .map(|j| cursor.seek(self, (j * block).min(self.run)))
            .collect();
        let bound = |j: u64| at_bounds[(j + 1 + m) as usize] - at_bounds[j as usize];
        // The block with the largest bound first: its worst window is near the run's, so the
        // scan after it measures few blocks.
        let first = (0..starts_in).max_by_key(|&j| bound(j)).unwrap_or(0);
        let mut worst = self.flush_windows(window);
        for j in std::iter::once(first).chain((0..starts_in).filter(|&j| j != first)) {
            if bound(j) <= worst {
                continue;
            }
            let (from, to) = (j * block, ((j + 1) * block).min(last_start + 1));
            // Windows starting at a pause start `s_i` in [from, to): the pause time before
            // `s_i` is `before[i]`; a cursor finds it at the windows' ends.
            let first = self.spans.partition_point(|&(s, _)| s < from);
            let mut end = Cursor::default();
            for i in first..self.spans.len() {
                let s = self.spans[i].0;
                if s >= to {
                    break;
                }
                worst = worst.max(end.seek(self, s + window) - self.before[i]);
            }
            // Windows ending at a pause end `e_i` with their start in [from, to): the pause
            // time up to `e_i` is `before[i + 1]`.
            let first = self.spans.partition_point(|&(_, e)| e < from + window);
            let mut start = Cursor::default();
            for i in first..self.spans.len() {
                let e = self.spans[i].1;
                if e >= to + window {
                    break;
                }
                worst = worst.max(self.before[i + 1] - start.seek(self, e - window));
            }
        }
        worst
    }

    /// The pause time of the two windows flush with the run's ends, where the candidates
    /// that would start before 0 or end after the run are clamped to.
    fn flush_windows(&self, window: u64) -> u64 {
        // Single queries: a binary search each (passes use a `Cursor`).
        let until = |t: u64| self.paused_given(self.spans.partition_point(|&(s, _)| s <= t), t);
        let last_start = self.run - window;
        until(window).max(until(self.run) - until(last_start))
    }

    /// `P(t)`, the pause time in `[0, t]`, given `started`: how many pauses start at or before
    /// `t`. All but the last of them count whole; the last may run past `t`.
    fn paused_given(&self, started: usize, t: u64) -> u64 {
        match started.checked_sub(1) {
            Some(last) => self.before[last] + self.spans[last].1.min(t) - self.spans[last].0,
            None => 0,
        }
    }

    /// The MMU curve at `windows` (nanoseconds): `(window, mmu)` for each window the run is
    /// long enough for.
    ///
    /// Each window length is its own pass over the pauses, so on a long run (a run report's
    /// curve: ~50 lengths over ~10^6 steps) the lengths are split across the machine's cores.
    pub fn curve(&self, windows: &[u64]) -> Vec<(u64, f64)> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        let mut mmus: Vec<Option<f64>> = vec![None; windows.len()];
        if threads > 1 && self.spans.len() >= PARALLEL_CURVE_PAUSES {
            std::thread::scope(|scope| {
                // Thread k takes every k-th length: short and long ones cost differently.
                let parts: Vec<_> = (0..threads)
                    .filter_map(|k| {
                        let work = move || {
                            let mine = windows.iter().enumerate().skip(k).step_by(threads);
                            mine.map(|(i, &w)| (i, self.mmu(w))).collect::<Vec<_>>()
                        };
                        // A part whose thread cannot start stays `None`: done below.
                        std::thread::Builder::new().spawn_scoped(scope, work).ok()
                    })
                    .collect();
                for part in parts {
                    for (i, u) in part.join().unwrap_or_default() {
                        mmus[i] = u;
                    }
                }
            });
        }
        windows
            .iter()
            .zip(mmus)
            .filter_map(|(&w, u)| u.or_else(|| self.mmu(w)).map(|u| (w, u)))
            .collect()
    }
}

/// A position in a [`Pauses`] for a sequence of non-decreasing instants: each query moves it
/// forward only, so a sweep over all candidates is linear.
#[derive(Default)]
struct Cursor {
    /// Pauses that start at or before the last instant asked about.
    started: usize,
}

impl Cursor {
    /// Pause time in `[0, t]`; `t` must not be less than the previous call's.
    fn paused_until(&mut self, p: &Pauses, t: u64) -> u64 {
        while self.started < p.spans.len() && p.spans[self.started].0 <= t {
            self.started += 1;
        }
        p.paused_given(self.started, t)
    }

    /// As [`Cursor::paused_until`], for instants far apart: gallops forward (a doubling
    /// search, then a binary one), so it reads O(log gap) pauses rather than the whole gap.
    fn seek(&mut self, p: &Pauses, t: u64) -> u64 {
        let rest = &p.spans[self.started..];
        let mut step = 1;
        while step <= rest.len() && rest[step - 1].0 <= t {
            step *= 2;
        }
        let (low, high) = (step / 2, step.min(rest.len()));
        self.started += low + rest[low..high].partition_point(|&(s, _)| s <= t);
        self.paused_until(p, t)
    }
}

/// MMU at a few fixed window lengths, computed as pauses arrive, in memory bounded by the
/// pauses of the longest window rather than of the whole run (for `--stats`, where a long run
/// would otherwise keep millions of steps). Exact: the same candidate windows as
/// [`Pauses::mmu`] — one starting at each pause start, one ending at each pause end, and the
/// two flush with the run's ends — each measured with prefix sums over the recent pauses.
#[derive(Debug, Clone)]
pub struct OnlineMmu {
    windows: Vec<u64>,
    /// Per window: starts of windows not yet complete, with the pause time before each.
    pending: Vec<std::collections::VecDeque<(u64, u64)>>,
    /// Per window: the most pause time seen in one window so far.
    worst: Vec<u64>,
    /// Recent pauses `(start, end, pause time before it)`: every pause that ends after the
    /// latest pause end minus the longest window.
    recent: std::collections::VecDeque<(u64, u64, u64)>,
    total: u64,
    last_end: u64,
}

impl OnlineMmu {
    /// Tracks the windows `windows` (nanoseconds, each > 0).
    pub fn new(windows: &[u64]) -> OnlineMmu {
        OnlineMmu {
            windows: windows.to_vec(),
            // The window [0, w] starts at the run's start.
            pending: windows
                .iter()
                .map(|_| std::collections::VecDeque::from([(0, 0)]))
                .collect(),
            worst: vec![0; windows.len()],
            recent: std::collections::VecDeque::new(),
            total: 0,
            last_end: 0,
        }
    }

    /// Pause time in `[0, t]`, for `t` no earlier than the latest pause end minus the longest
    /// window.
    fn paused_until(&self, t: u64) -> u64 {
        let i = self.recent.partition_point(|&(_, e, _)| e <= t);
        match self.recent.get(i) {
            Some(&(s, _, before)) => before + t.saturating_sub(s),
            None => self.total,
        }
    }

    /// Records a pause from `start` to `end` (nanoseconds since the run's start). Pauses must
    /// come in time order and not overlap; an empty one or one out of order is ignored.
    pub fn pause(&mut self, start: u64, end: u64) {
        if end <= start || start < self.last_end {
            return;
        }
        // Windows that end before this pause starts are complete.
        for k in 0..self.windows.len() {
            let w = self.windows[k];
            while let Some(&(s, before)) = self.pending[k].front() {
                if s + w > start {
                    break;
                }
                let paused = self.paused_until(s + w) - before;
                self.worst[k] = self.worst[k].max(paused);
                self.pending[k].pop_front();
            }
        }
        self.recent.push_back((start, end, self.total));
        let before = self.total;
        self.total += end - start;
        self.last_end = end;
        for k in 0..self.windows.len() {
            let w = self.windows[k];
            self.pending[k].push_back((start, before));
            // The window ending where this pause ends (one ending before w is the window
            // [0, w], already pending).
            if end >= w {
                let paused = self.total - self.paused_until(end - w);
                self.worst[k] = self.worst[k].max(paused);
            }
        }
        let longest = self.windows.iter().copied().max().unwrap_or(0);
        while self
            .recent
            .front()
            .is_some_and(|&(_, e, _)| e + longest <= end)
        {
            self.recent.pop_front();
        }
    }

    /// The MMU of each window for a run of `run` nanoseconds (no earlier than the last pause's
    /// end): `None` for a window longer than the run.
    pub fn mmu(&self, run: u64) -> Vec<Option<f64>> {
        let run = run.max(self.last_end);
        (0..self.windows.len())
            .map(|k| {
                let w = self.windows[k];
                if w == 0 || w > run {
                    return None;
                }
                // Windows still open: those that fit before the run's end count; the rest are
                // clamped to the run's last window, counted below.
                let mut worst = self.worst[k];
                for &(s, before) in &self.pending[k] {
                    if s + w <= run {
                        worst = worst.max(self.paused_until(s + w) - before);
                    }
                }
                worst = worst.max(self.total - self.paused_until(run - w));
                Some((w - worst) as f64 / w as f64)
            })
            .collect()
    }
}

/// Window lengths from `min` to `max` nanoseconds on a log scale, `per_decade` per factor of
/// ten, always ending with `max` itself (so the curve reaches the run's length).
pub fn log_windows(min: u64, max: u64, per_decade: u32) -> Vec<u64> {
    let mut out = Vec::new();
    if min == 0 || max < min {
        return out;
    }
    let step = 10f64.powf(1.0 / f64::from(per_decade.max(1)));
    let mut w = min as f64;
    while (w.round() as u64) < max {
        let v = w.round() as u64;
        if out.last() != Some(&v) {
            out.push(v);
        }
        w *= step;
    }
    out.push(max);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, by brute force: every window start on a 1 ns grid.
    fn brute(spans: &[(u64, u64)], run: u64, w: u64) -> f64 {
        let mut worst = 0;
        for t in 0..=run - w {
            let gc: u64 = spans
                .iter()
                .map(|&(s, e)| e.min(t + w).saturating_sub(s.max(t)))
                .sum();
            worst = worst.max(gc);
        }
        (w - worst) as f64 / w as f64
    }

    #[test]
    fn hand_computed_patterns() {
        // Two 10 ns pauses, 10 ns apart, in a 100 ns run.
        let p = Pauses::new([(10, 20), (30, 40)], 100);
        assert_eq!(p.total(), 20);
        // A window inside a pause sees no mutator at all.
        assert_eq!(p.mmu(5), Some(0.0));
        assert_eq!(p.mmu(10), Some(0.0));
        // [10, 30]: one whole pause; [15, 35] straddles both for the same 10 ns.
        assert_eq!(p.mmu(20), Some(0.5));
        // [10, 40] holds both pauses: 20 of 30 ns.
        assert_eq!(p.mmu(30), Some(1.0 / 3.0));
        // [10, 50]: 20 of 40.
        assert_eq!(p.mmu(40), Some(0.5));
        // The whole run: 80 % mutator.
        assert_eq!(p.mmu(100), Some(0.8));
        assert_eq!(p.mmu(101), None);
        assert_eq!(p.mmu(0), None);
    }

    #[test]
    fn bursts_and_spread_pauses_differ() {
        // The same 4 pauses of 1 ms — same p50, p99, max — in a burst or spread over 1 s.
        let ms = 1_000_000;
        let burst = Pauses::new((0..4).map(|i| (i * 2 * ms, (i * 2 + 1) * ms)), 1000 * ms);
        let spread = Pauses::new(
            (0..4).map(|i| (i * 250 * ms, (i * 250 + 1) * ms)),
            1000 * ms,
        );
        // A 10 ms window catches all four pauses of the burst (4 of 10 ms) but only one of the
        // spread pauses.
        assert_eq!(burst.mmu(10 * ms), Some(0.6));
        assert_eq!(spread.mmu(10 * ms), Some(0.9));
    }

    #[test]
    fn overlapping_and_unsorted_spans_merge() {
        let p = Pauses::new([(30, 40), (10, 20), (15, 25), (50, 50)], 60);
        assert_eq!(p.total(), 25);
        assert_eq!(p.mmu(15), Some(0.0));
        assert_eq!(p.mmu(60), Some(35.0 / 60.0));
    }

    #[test]
    fn no_pauses_is_full_utilization() {
        let p = Pauses::new([], 1000);
        assert_eq!(p.mmu(1), Some(1.0));
        assert_eq!(p.mmu(1000), Some(1.0));
    }

    /// A small deterministic generator (xorshift): `next(n)` is below `n`.
    fn below(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut state = seed;
        move |n| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        }
    }

    #[test]
    fn matches_brute_force_on_random_patterns() {
        // Patterns of up to 12 pauses in a 300 ns run.
        let mut next = below(0x2545_f491_4f6c_dd1d);
        for _ in 0..200 {
            let run = 300;
            let spans: Vec<(u64, u64)> = (0..next(12))
                .map(|_| {
                    let s = next(run);
                    (s, (s + 1 + next(30)).min(run))
                })
                .collect();
            let p = Pauses::new(spans.clone(), run);
            let merged = p.spans.clone();
            for w in [1, 2, 7, 13, 29, 64, 150, 299, 300] {
                let exact = p.mmu(w).unwrap();
                let want = brute(&merged, run, w);
                assert!(
                    (exact - want).abs() < 1e-12,
                    "{spans:?} w={w}: {exact} vs {want}"
                );
            }
        }
    }

    #[test]
    fn online_matches_the_batch_computation() {
        let mut next = below(0x9e37_79b9_7f4a_7c15);
        let windows = [1, 3, 10, 25, 60, 200];
        for _ in 0..300 {
            // Sorted, disjoint pauses with gaps, in a run that may end well after the last.
            let mut spans = vec![];
            let mut t = next(20);
            for _ in 0..next(40) {
                let len = 1 + next(15);
                spans.push((t, t + len));
                t += len + next(30);
            }
            let run = t + next(50);
            let batch = Pauses::new(spans.clone(), run);
            let mut online = OnlineMmu::new(&windows);
            for &(s, e) in &spans {
                online.pause(s, e);
            }
            let got = online.mmu(run);
            for (k, &w) in windows.iter().enumerate() {
                assert_eq!(got[k], batch.mmu(w), "{spans:?} run={run} w={w}");
            }
        }
        // Memory stays bounded by the longest window's pauses.
        let mut online = OnlineMmu::new(&[10, 100]);
        for i in 0..100_000u64 {
            online.pause(i * 10, i * 10 + 3);
        }
        assert!(online.recent.len() <= 11 && online.pending[1].len() <= 11);
        assert_eq!(online.mmu(1_000_000)[0], Some(0.7));
    }

    #[test]
    fn the_pruned_search_finds_what_visiting_every_candidate_finds() {
        // Bursts of pauses of random length and spacing, with quiet stretches: thousands of
        // pauses, so long windows have few blocks against them.
        let mut next = below(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20 {
            let mut spans = Vec::new();
            let mut t = 0;
            for _ in 0..4_000 {
                if next(200) == 0 {
                    t += next(2_000_000);
                }
                let len = 1 + next(5_000);
                spans.push((t, t + len));
                t += len + next(8_000);
            }
            let p = Pauses::new(spans, t + next(100_000));
            for w in log_windows(20_000, p.run(), 8) {
                // Block lengths from the tightest `mmu` chooses to looser than it ever does.
                for block in [w / BLOCKS_PER_WINDOW, w / 20, w / 8] {
                    let (got, want) = (p.most_paused_pruned(w, block), p.most_paused(w));
                    assert_eq!(got, want, "window {w}, block {block}");
                }
            }
        }
    }

    #[test]
    fn a_long_runs_curve_is_split_across_threads_and_matches_each_window() {
        // Enough pauses for the threaded path: bursts of short steps with quiet gaps, so the
        // windows' MMUs differ.
        let mut spans = Vec::new();
        let mut t = 0u64;
        for i in 0..3 * PARALLEL_CURVE_PAUSES as u64 {
            if i % 5_000 == 0 {
                t += 3_000_000;
            }
            spans.push((t, t + 1_000 + i % 7 * 500));
            t += 4_000 + i % 11 * 300;
        }
        let p = Pauses::new(spans, t + 1_000_000);
        assert!(p.spans().len() >= PARALLEL_CURVE_PAUSES);
        let windows = log_windows(1_000, p.run(), 8);
        let curve = p.curve(&windows);
        assert_eq!(curve.len(), windows.len(), "every window fits in the run");
        for (w, u) in curve {
            assert_eq!(Some(u), p.mmu(w), "window {w}");
        }
        assert!(p.mmu(10_000).unwrap() < p.mmu(p.run()).unwrap());
    }

    #[test]
    fn windows_are_log_spaced_and_end_at_the_run() {
        let w = log_windows(10, 1000, 2);
        assert_eq!(w, vec![10, 32, 100, 316, 1000]);
        assert_eq!(log_windows(10, 25, 1), vec![10, 25]);
        assert!(log_windows(0, 10, 1).is_empty());
    }
}
