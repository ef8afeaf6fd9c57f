//! The report's charts, built from [`RunData`]: heap over time with cycle bands, the pause
//! timeline and distribution, the MMU curve, and the before/after overlays.

use super::model::RunData;
use super::svg::{
    downsample, tick_duration, tick_ms, tick_percent, tick_plain, tick_seconds, Axis, Chart, Data,
    Series, COLORS,
};

/// Most x buckets a time series keeps (each keeps its low and high point).
const BUCKETS: usize = 1200;

fn series(name: &str, color: &'static str, dashed: bool, data: Data) -> Series {
    Series {
        name: name.to_string(),
        color,
        dashed,
        data,
    }
}

fn max_y(points: &[(f64, f64)]) -> f64 {
    points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
}

/// The heap in use as a sawtooth from the cycle records: the heap at each cycle's start, at
/// its mark end, and what survived at its end, merged in time order with the sampler's points.
fn heap_in_use(run: &RunData) -> Vec<(f64, f64)> {
    let mut points: Vec<(f64, f64)> = run
        .cycles
        .iter()
        .flat_map(|c| {
            [
                (c.start_s, c.heap_start),
                (c.mark_end_s, c.heap_mark_end),
                (c.end_s, c.live),
            ]
        })
        .chain(run.samples.iter().map(|s| (s.t_s, s.heap_in_use)))
        .collect();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    downsample(&points, BUCKETS)
}

/// Live (marked) heap, goal, trigger, heap in use and RSS over time, cycles shaded.
pub fn heap(run: &RunData) -> String {
    let in_use = heap_in_use(run);
    let live: Vec<(f64, f64)> = run.cycles.iter().map(|c| (c.end_s, c.live)).collect();
    let step_from = |f: &dyn Fn(&super::model::Cycle) -> Option<f64>| -> Vec<(f64, f64)> {
        let mut v: Vec<(f64, f64)> = run
            .cycles
            .iter()
            .filter_map(|c| f(c).map(|y| (c.start_s, y)))
            .collect();
        if let Some(&(_, y)) = v.last() {
            v.push((run.run_s, y));
        }
        downsample(&v, BUCKETS)
    };
    let goal = step_from(&|c| Some(c.goal));
    let trigger = step_from(&|c| c.trigger);
    let rss: Vec<(f64, f64)> = downsample(
        &run.samples
            .iter()
            .filter_map(|s| s.rss.map(|r| (s.t_s, r)))
            .collect::<Vec<_>>(),
        BUCKETS,
    );
    let top = [&in_use, &live, &goal, &trigger, &rss]
        .iter()
        .map(|p| max_y(p))
        .fold(0.0, f64::max);
    let mut chart = Chart::new(
        Axis::linear("time since start (s)", run.run_s, tick_seconds),
        Axis::linear("MiB", top, tick_plain),
    );
    chart.height = 340;
    let mut add = |name: &str, color, dashed, data: Vec<(f64, f64)>, step: bool| {
        if !data.is_empty() {
            let data = if step {
                Data::Step(data)
            } else {
                Data::Line(data)
            };
            chart.series.push(series(name, color, dashed, data));
        }
    };
    add("heap in use", COLORS[0], false, in_use, false);
    add("live after cycle", COLORS[2], false, live, false);
    add("goal", COLORS[1], true, goal, true);
    add("trigger", COLORS[4], true, trigger, true);
    add("RSS", COLORS[3], false, rss, false);
    chart.bands = band_list(run);
    chart.band_name = Some("GC cycle".into());
    chart.svg()
}

/// Cycle spans, merged where they would be narrower than a pixel apart (so a run with
/// thousands of cycles does not write thousands of rectangles).
fn band_list(run: &RunData) -> Vec<(f64, f64)> {
    let min_gap = run.run_s / 2000.0;
    let mut bands: Vec<(f64, f64)> = Vec::new();
    for c in &run.cycles {
        match bands.last_mut() {
            Some(last) if c.start_s - last.1 < min_gap => last.1 = last.1.max(c.end_s),
            _ => bands.push((c.start_s, c.end_s)),
        }
    }
    bands
}

/// A series of the pause timeline: colour, name, points.
type Group = (&'static str, String, Vec<(f64, f64)>);

/// Each pause (or, without individual pauses, each cycle's collector time) against when it
/// happened, on a log scale of milliseconds, one colour per kind of pause when known.
pub fn pause_timeline(run: &RunData) -> String {
    // (series name, points)
    let mut groups: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    match &run.pauses {
        Some(p) => {
            for (i, &(a, b)) in p.spans.iter().enumerate() {
                let name = p
                    .what
                    .as_ref()
                    .and_then(|w| w.get(i))
                    .map_or_else(|| p.kind.to_string(), |w| w.to_string());
                let point = (a, (b - a) * 1e3);
                match groups.iter_mut().find(|g| g.0 == name) {
                    Some(g) => g.1.push(point),
                    None => groups.push((name, vec![point])),
                }
            }
        }
        None => groups.push((
            "collector time per cycle".to_string(),
            run.cycles.iter().map(|c| (c.start_s, c.gc_ms)).collect(),
        )),
    }
    let positive = groups
        .iter()
        .flat_map(|g| g.1.iter().map(|p| p.1))
        .filter(|&v| v > 0.0);
    let lo = positive.clone().fold(f64::INFINITY, f64::min);
    let hi = positive.fold(0.0, f64::max);
    let (lo, hi) = if lo.is_finite() {
        (lo, hi)
    } else {
        (0.001, 1.0)
    };
    let mut chart = Chart::new(
        Axis::linear("time since start (s)", run.run_s, tick_seconds),
        Axis::log("pause (ms, log scale)", lo, hi, tick_ms),
    );
    chart.height = 320;
    // Colours by first appearance; the most numerous kind is drawn first so the rare ones
    // (mark termination) stay visible on top.
    let mut coloured: Vec<Group> = groups
        .into_iter()
        .enumerate()
        .map(|(i, (name, points))| {
            (
                [COLORS[1], COLORS[0], COLORS[2], COLORS[3]][i % 4],
                name,
                points,
            )
        })
        .collect();
    coloured.sort_by_key(|g| std::cmp::Reverse(g.2.len()));
    for (color, name, points) in coloured {
        chart.series.push(series(
            &name,
            color,
            false,
            Data::Points(downsample(&points, BUCKETS)),
        ));
    }
    chart.svg()
}

/// How many pauses fell in each log-spaced bin of duration (4 bins per factor of ten).
pub fn pause_histogram(run: &RunData) -> Option<String> {
    let pauses = run.pauses.as_ref()?;
    let ms: Vec<f64> = pauses
        .spans
        .iter()
        .map(|(a, b)| (b - a) * 1e3)
        .filter(|&v| v > 0.0)
        .collect();
    let lo = ms.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ms.iter().copied().fold(0.0, f64::max);
    if !lo.is_finite() {
        return None;
    }
    let per_decade = 4.0;
    let first = (lo.log10() * per_decade).floor() as i32;
    let last = (hi.log10() * per_decade).floor() as i32;
    let mut counts = vec![0u64; (last - first + 1) as usize];
    for v in &ms {
        let bin = (v.log10() * per_decade).floor() as i32;
        counts[(bin - first).clamp(0, last - first) as usize] += 1;
    }
    let edge = |i: i32| 10f64.powf(f64::from(i) / per_decade);
    let bars: Vec<(f64, f64, f64)> = counts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .map(|(i, &n)| (edge(first + i as i32), edge(first + i as i32 + 1), n as f64))
        .collect();
    let most = counts.iter().copied().max().unwrap_or(1) as f64;
    let mut chart = Chart::new(
        Axis::log(
            "pause length (ms, log scale)",
            edge(first),
            edge(last + 1),
            tick_ms,
        ),
        Axis::log("number of pauses (log scale)", 1.0, most, tick_plain),
    );
    chart.height = 260;
    chart.series.push(series(
        &format!("{}s per bin", pauses.kind),
        COLORS[0],
        false,
        Data::Bars(bars),
    ));
    Some(chart.svg())
}

/// MMU curves of one or more runs on one chart (`name`, run).
pub fn mmu(runs: &[(&str, &RunData)]) -> Option<String> {
    let curves: Vec<(&str, Vec<(f64, f64)>)> = runs
        .iter()
        .filter_map(|(name, run)| run.mmu_curve().map(|c| (*name, c)))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let longest = curves
        .iter()
        .flat_map(|(_, c)| c.last().map(|p| p.0))
        .fold(0.0, f64::max);
    if curves.is_empty() {
        return None;
    }
    let mut x = Axis::log("window length (log scale)", 1e-5, longest, tick_duration);
    x.max = x.max.min(longest.max(1e-4));
    let mut y = Axis::linear("minimum mutator utilization", 1.0, tick_percent);
    y.max = 1.0;
    let mut chart = Chart::new(x, y);
    chart.height = 320;
    for (i, (name, curve)) in curves.into_iter().enumerate() {
        chart.series.push(series(
            name,
            COLORS[i % COLORS.len()],
            false,
            Data::Line(curve),
        ));
    }
    Some(chart.svg())
}

/// Before and after on one chart: live heap after each cycle (solid) and goal (dashed).
pub fn compare_heap(before: &RunData, after: &RunData) -> String {
    let run_s = before.run_s.max(after.run_s);
    let mut chart = Chart::new(
        Axis::linear("time since start (s)", run_s, tick_seconds),
        Axis::linear("MiB", 0.0, tick_plain),
    );
    chart.height = 340;
    let mut top: f64 = 0.0;
    for (i, (label, run)) in [("before", before), ("after", after)]
        .into_iter()
        .enumerate()
    {
        let live: Vec<(f64, f64)> = run.cycles.iter().map(|c| (c.end_s, c.live)).collect();
        let goal: Vec<(f64, f64)> = run.cycles.iter().map(|c| (c.start_s, c.goal)).collect();
        top = top.max(max_y(&live)).max(max_y(&goal));
        let color = COLORS[i];
        chart.series.push(series(
            &format!("{label}: live after cycle"),
            color,
            false,
            Data::Line(downsample(&live, BUCKETS)),
        ));
        chart.series.push(series(
            &format!("{label}: goal"),
            color,
            true,
            Data::Step(downsample(&goal, BUCKETS)),
        ));
    }
    chart.y = Axis::linear("MiB", top, tick_plain);
    chart.svg()
}

/// Before and after: each cycle's collector time against when it started.
pub fn compare_gc_time(before: &RunData, after: &RunData) -> String {
    let run_s = before.run_s.max(after.run_s);
    let points = |r: &RunData| -> Vec<(f64, f64)> {
        downsample(
            &r.cycles
                .iter()
                .map(|c| (c.start_s, c.gc_ms))
                .collect::<Vec<_>>(),
            BUCKETS,
        )
    };
    let (b, a) = (points(before), points(after));
    let all = b.iter().chain(&a).map(|p| p.1).filter(|&v| v > 0.0);
    let lo = all.clone().fold(f64::INFINITY, f64::min);
    let hi = all.fold(0.0, f64::max);
    let (lo, hi) = if lo.is_finite() {
        (lo, hi)
    } else {
        (0.001, 1.0)
    };
    let mut chart = Chart::new(
        Axis::linear("time since start (s)", run_s, tick_seconds),
        Axis::log("ms per cycle (log scale)", lo, hi, tick_ms),
    );
    chart
        .series
        .push(series("before", COLORS[0], false, Data::Points(b)));
    chart
        .series
        .push(series("after", COLORS[1], false, Data::Points(a)));
    chart.svg()
}
