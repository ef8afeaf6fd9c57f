//! Minimum mutator utilization (Cheng & Blelloch, PLDI 2001): for a window length `w`, the
//! smallest share of any window of length `w` inside the run during which the program, not
//! the collector, ran. `go tool trace` draws the same curve for Go.
//!
//! Computed exactly from pause intervals (in gclox, the collector steps of
//! [`crate::StepRecord`]). With `P(t)` the collector time in `[t, t + w]`, `P` is piecewise
//! linear in `t` and its slope only falls where a window's start enters a pause (`t` = a pause
//! start) or its end leaves one (`t + w` = a pause end); so its maxima — the worst windows —
//! are among the windows starting at a pause start or ending at a pause end, plus the two
//! windows flush with the run's ends. The candidates are visited in time order with two
//! forward-only cursors over prefix sums: O(n) per window length.

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
        let last_start = self.run - window;
        // The candidate window starts, each list ascending (the spans are sorted and disjoint,
        // so their starts and their ends both ascend), merged so both cursors only move forward.
        let mut starts = self
            .spans
            .iter()
            .map(|&(s, _)| s.min(last_start))
            .peekable();
        let mut ends_back = self
            .spans
            .iter()
            .map(|&(_, e)| e.saturating_sub(window).min(last_start))
            .peekable();
        let (mut from, mut to) = (Cursor::default(), Cursor::default());
        let mut worst = 0;
        let mut consider = |t: u64| {
            let paused = to.paused_until(self, t + window) - from.paused_until(self, t);
            worst = worst.max(paused);
        };
        consider(0);
        loop {
            let t = match (starts.peek(), ends_back.peek()) {
                (Some(&a), Some(&b)) if a <= b => starts.next(),
                (Some(_), Some(_)) => ends_back.next(),
                (Some(_), None) => starts.next(),
                (None, _) => ends_back.next(),
            };
            match t {
                Some(t) => consider(t),
                None => break,
            }
        }
        consider(last_start);
        Some((window - worst) as f64 / window as f64)
    }

    /// The MMU curve at `windows` (nanoseconds): `(window, mmu)` for each window the run is
    /// long enough for.
    pub fn curve(&self, windows: &[u64]) -> Vec<(u64, f64)> {
        windows
            .iter()
            .filter_map(|&w| self.mmu(w).map(|u| (w, u)))
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
        if self.started == 0 {
            return 0;
        }
        // Every pause before the last started one counts whole; the last may still be
        // running at t.
        let (s, e) = p.spans[self.started - 1];
        p.before[self.started - 1] + e.min(t) - s
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

    #[test]
    fn matches_brute_force_on_random_patterns() {
        // A small deterministic generator: patterns of up to 12 pauses in a 300 ns run.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
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
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
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
    fn windows_are_log_spaced_and_end_at_the_run() {
        let w = log_windows(10, 1000, 2);
        assert_eq!(w, vec![10, 32, 100, 316, 1000]);
        assert_eq!(log_windows(10, 25, 1), vec![10, 25]);
        assert!(log_windows(0, 10, 1).is_empty());
    }
}
