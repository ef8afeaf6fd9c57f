//! The summary plots: a metric against gogc, one panel per workload, one line per series
//! (mode, and step budget for incremental runs), the median over repetitions. gogc values
//! are evenly spaced categories (they usually double); the metric's axis is logarithmic when
//! the values span more than a decade.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

use super::{Area, Draw, PLOTS_DIR};
use crate::sweep::error::{Result, SweepError};
use crate::sweep::record::RunRow;

/// A metric plotted against gogc.
struct Metric {
    file: &'static str,
    title: &'static str,
    axis: &'static str,
    value: fn(&RunRow) -> f64,
}

fn metrics() -> [Metric; 5] {
    [
        Metric {
            file: "peak_heap.svg",
            title: "peak heap vs gogc (median of repetitions)",
            axis: "peak heap (MiB)",
            value: |r| r.peak_heap_bytes as f64 / f64::from(1 << 20),
        },
        Metric {
            file: "run_time.svg",
            title: "run time vs gogc (median of repetitions)",
            axis: "wall time (s)",
            value: |r| r.wall_s,
        },
        Metric {
            file: "pause_p99.svg",
            title: "p99 pause vs gogc (median of repetitions)",
            axis: "p99 pause (µs)",
            value: |r| r.pause_p99_ns as f64 / 1e3,
        },
        Metric {
            file: "pause_max.svg",
            title: "max pause vs gogc (median of repetitions)",
            axis: "max pause (µs)",
            value: |r| r.pause_max_ns as f64 / 1e3,
        },
        Metric {
            file: "mmu_10ms.svg",
            title: "MMU at 10 ms vs gogc (median of repetitions)",
            axis: "min. mutator utilization, 10 ms windows (%)",
            // Runs shorter than the window have no value and are left out of the median.
            value: |r| r.mmu_10ms.map_or(f64::NAN, |u| u * 100.0),
        },
    ]
}

/// Draws the five summary plots into `dir/plots`; returns their paths.
pub fn summary(rows: &[RunRow], dir: &Path) -> Result<Vec<PathBuf>> {
    let plots = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&plots).map_err(|e| SweepError::io(&plots, e))?;
    // Series in mode order, budgets by size (not as strings: 256 before 2048).
    let mut keys: Vec<(&str, Option<u64>)> = rows
        .iter()
        .map(|r| (r.mode.as_str(), r.step_budget))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let series: Vec<String> = keys
        .iter()
        .filter_map(|key| {
            rows.iter()
                .find(|r| (r.mode.as_str(), r.step_budget) == *key)
        })
        .map(RunRow::series)
        .collect();
    // gogc is an axis of categories: the swept values, evenly spaced (they usually double).
    let mut gogcs: Vec<i64> = rows.iter().map(|r| r.gogc).filter(|&g| g >= 0).collect();
    gogcs.sort_unstable();
    gogcs.dedup();
    let mut written = Vec::new();
    for metric in metrics() {
        let path = plots.join(metric.file);
        draw_metric(&path, &metric, rows, &series, &gogcs).map_err(|e| SweepError::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// The lines of one panel: series name → points (gogc, median value).
type Lines = BTreeMap<String, Vec<(i64, f64)>>;

/// workload → its lines, for rows that succeeded with gogc on.
fn medians(rows: &[RunRow], value: fn(&RunRow) -> f64) -> BTreeMap<&str, Lines> {
    let mut samples: BTreeMap<&str, BTreeMap<String, BTreeMap<i64, Vec<f64>>>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.succeeded() && r.gogc >= 0) {
        samples
            .entry(&row.workload)
            .or_default()
            .entry(row.series())
            .or_default()
            .entry(row.gogc)
            .or_default()
            .push(value(row));
    }
    // A metric a run cannot give (NaN) is left out; a point with no value at all is dropped.
    for series in samples.values_mut().flat_map(|s| s.values_mut()) {
        for values in series.values_mut() {
            values.retain(|v| v.is_finite());
        }
        series.retain(|_, values| !values.is_empty());
    }
    samples
        .into_iter()
        .map(|(workload, series)| {
            let lines = series
                .into_iter()
                .map(|(name, by_gogc)| {
                    let points = by_gogc
                        .into_iter()
                        .map(|(gogc, mut values)| (gogc, crate::median(&mut values)))
                        .collect();
                    (name, points)
                })
                .collect();
            (workload, lines)
        })
        .collect()
}

/// Tableau's ten categorical colours: distinct, and all readable on white.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn color(series: &[String], name: &str) -> RGBAColor {
    let index = series.iter().position(|n| n == name).unwrap_or(0);
    PALETTE[index % PALETTE.len()].to_rgba()
}

fn draw_metric(
    path: &Path,
    metric: &Metric,
    rows: &[RunRow],
    series: &[String],
    gogcs: &[i64],
) -> Draw<()> {
    let data = medians(rows, metric.value);
    let panels = data.len().max(1);
    let cols = (panels as f64).sqrt().ceil() as usize;
    let grid_rows = panels.div_ceil(cols);
    let size = (cols as u32 * 460, grid_rows as u32 * 320 + 70);
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(metric.title, ("sans-serif", 22))?;
    let (legend, grid) = root.split_vertically(30);
    draw_legend(&legend, series)?;
    if data.is_empty() {
        grid.draw(&Text::new(
            "no successful runs with gogc on",
            (20, 20),
            ("sans-serif", 16),
        ))?;
    }
    for (area, (workload, lines)) in grid.split_evenly((grid_rows, cols)).iter().zip(&data) {
        draw_panel(area, workload, metric.axis, lines, series, gogcs)?;
    }
    root.present()?;
    Ok(())
}

/// One legend for all panels, in a row above them (a legend inside a panel hides lines).
fn draw_legend(area: &Area<'_>, series: &[String]) -> Draw<()> {
    let mut x = 20;
    for name in series {
        let c = color(series, name);
        area.draw(&PathElement::new(
            vec![(x, 15), (x + 24, 15)],
            c.stroke_width(3),
        ))?;
        area.draw(&Text::new(name.as_str(), (x + 30, 8), ("sans-serif", 13)))?;
        x += 30 + 8 * name.chars().count() as i32 + 24;
    }
    Ok(())
}

fn draw_panel(
    area: &Area<'_>,
    caption: &str,
    axis: &str,
    lines: &Lines,
    series: &[String],
    gogcs: &[i64],
) -> Draw<()> {
    // A logarithmic axis cannot show zero (e.g. no pause at all): such points are left out.
    let values = || lines.values().flatten().map(|p| p.1).filter(|y| *y > 0.0);
    let (lo, hi) = bounds(values());
    let panel = Panel {
        area,
        caption,
        axis,
        lines,
        series,
        gogcs,
    };
    // Values spread over decades (pauses of stw vs incremental) need a log axis; values within
    // a factor of a few (heap near the minimum heap) would get no labels on one.
    if hi / lo > 10.0 {
        panel.draw((lo..hi).log_scale())
    } else {
        panel.draw(lo..hi)
    }
}

struct Panel<'a, 'b> {
    area: &'a Area<'b>,
    caption: &'a str,
    axis: &'a str,
    lines: &'a Lines,
    series: &'a [String],
    gogcs: &'a [i64],
}

impl Panel<'_, '_> {
    fn draw<Y>(&self, y_axis: Y) -> Draw<()>
    where
        Y: AsRangedCoord<Value = f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let gogcs = self.gogcs;
        let slot =
            |gogc: i64| SegmentValue::CenterOf(gogcs.iter().position(|&g| g == gogc).unwrap_or(0));
        let mut chart = ChartBuilder::on(self.area)
            .caption(self.caption, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            // An integer range includes its end: n values are 0..n-1.
            .build_cartesian_2d((0..gogcs.len().saturating_sub(1)).into_segmented(), y_axis)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc("gogc (%)")
            .y_desc(self.axis)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => gogcs.get(*i).map_or_else(String::new, i64::to_string),
                _ => String::new(),
            })
            .y_label_formatter(&|y| short(*y))
            .draw()?;
        for (name, line) in self.lines {
            let c = color(self.series, name);
            let points: Vec<_> = line
                .iter()
                .filter(|(_, y)| *y > 0.0)
                .map(|&(g, y)| (slot(g), y))
                .collect();
            chart.draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?;
            chart.draw_series(points.into_iter().map(|p| Circle::new(p, 3, c.filled())))?;
        }
        Ok(())
    }
}

/// A range around the (positive) values, widened when they are all equal (or absent).
fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (1.0, 10.0);
    }
    (lo / 1.3, hi * 1.3)
}

/// An axis number with as many decimals as its size needs.
fn short(v: f64) -> String {
    match v.abs() {
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 1.0 => format!("{v:.1}"),
        _ => format!("{v:.3}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_widen_around_the_values() {
        let (lo, hi) = bounds([50.0, 400.0].into_iter());
        assert!(lo < 50.0 && hi > 400.0);
        let (lo, hi) = bounds([7.0].into_iter());
        assert!(lo < 7.0 && hi > 7.0);
        assert_eq!(bounds(std::iter::empty()), (1.0, 10.0));
    }

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(short(1234.4), "1234");
        assert_eq!(short(2.25), "2.2");
        assert_eq!(short(0.25), "0.250");
    }
}
