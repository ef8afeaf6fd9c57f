//! Per-run pause histograms: each cycle's longest step (its worst pause; in stw mode its
//! only one) in 1-2-5 buckets (1µs, 2µs, 5µs, 10µs, …), so axis labels are round numbers.
//! Cycle records rather than the pause ring: the ring keeps only the last 256 steps, a
//! biased sample of a long incremental run.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use super::{Draw, HISTOGRAMS_DIR};
use crate::sweep::error::{Result, SweepError};
use crate::sweep::record::{CycleRow, RunRow};

/// Draws one histogram per run into `dir/histograms`; returns how many.
pub fn histograms(rows: &[RunRow], cycles: &[CycleRow], dir: &Path) -> Result<usize> {
    let folder = dir.join(HISTOGRAMS_DIR);
    std::fs::create_dir_all(&folder).map_err(|e| SweepError::io(&folder, e))?;
    let mut pauses: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
    for c in cycles {
        pauses.entry(c.run_id).or_default().push(c.longest_step_ns);
    }
    for row in rows {
        let path = folder.join(format!("run-{:06}.svg", row.run_id));
        let title = format!(
            "run {}: {}, gogc {}, {}, rep {}",
            row.run_id,
            row.workload,
            if row.gogc < 0 {
                "off".into()
            } else {
                row.gogc.to_string()
            },
            row.series(),
            row.rep
        );
        let values = pauses.get(&row.run_id).map_or(&[][..], Vec::as_slice);
        draw_histogram(&path, &title, values).map_err(|e| SweepError::io(&path, e))?;
    }
    Ok(rows.len())
}

fn draw_histogram(path: &Path, title: &str, pauses_ns: &[u64]) -> Draw<()> {
    let root = SVGBackend::new(path, (640, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 16))?;
    let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
    for &ns in pauses_ns {
        *counts.entry(bucket(ns)).or_default() += 1;
    }
    let (Some(&first), Some(&last)) = (counts.keys().next(), counts.keys().last()) else {
        root.draw(&Text::new(
            "no collection cycles",
            (20, 20),
            ("sans-serif", 14),
        ))?;
        root.present()?;
        return Ok(());
    };
    let highest = counts.values().copied().max().unwrap_or(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("longest step of each cycle ({} cycles)", pauses_ns.len()),
            ("sans-serif", 13),
        )
        .margin(10)
        .margin_right(30)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(
            f64::from(first)..f64::from(last + 1),
            0..highest + highest / 10 + 1,
        )?;
    // Labels at the bucket edges (whole numbers on this axis) only.
    let label = |x: &f64| match x.fract() == 0.0 && *x >= 0.0 {
        true => format_ns(bucket_start(*x as u32)),
        false => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels((last + 2 - first) as usize)
        .x_label_formatter(&label)
        .x_desc("pause (bucket start)")
        .y_desc("cycles")
        .draw()?;
    chart.draw_series(
        counts
            .iter()
            .map(|(&k, &n)| (f64::from(k), n))
            .map(|(k, n)| Rectangle::new([(k + 0.05, 0), (k + 0.95, n)], BLUE.mix(0.7).filled())),
    )?;
    root.present()?;
    Ok(())
}

/// Histogram buckets start at 1, 2, 5, 10, 20, 50, … ns: bucket `3d + s` starts at
/// `[1, 2, 5][s] × 10^d`, so axis labels are round numbers.
fn bucket(ns: u64) -> u32 {
    let ns = ns.max(1);
    let decade = ns.ilog10();
    let lead = ns / 10u64.pow(decade);
    3 * decade + u32::from(lead >= 2) + u32::from(lead >= 5)
}

fn bucket_start(bucket: u32) -> u64 {
    [1, 2, 5][(bucket % 3) as usize] * 10u64.pow(bucket / 3)
}

/// `500ns`, `20µs`, `5ms`, `1s`: a round duration in nanoseconds, for an axis label.
fn format_ns(ns: u64) -> String {
    match ns {
        _ if ns < 1_000 => format!("{ns}ns"),
        _ if ns < 1_000_000 => format!("{}µs", ns / 1_000),
        _ if ns < 1_000_000_000 => format!("{}ms", ns / 1_000_000),
        _ => format!("{}s", ns / 1_000_000_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_run_one_two_five() {
        let starts: Vec<u64> = (0..7).map(bucket_start).collect();
        assert_eq!(starts, [1, 2, 5, 10, 20, 50, 100]);
        for ns in [
            1u64,
            2,
            4,
            5,
            9,
            10,
            19,
            20,
            49,
            50,
            99,
            12_345,
            999_999_999,
        ] {
            let b = bucket(ns);
            assert!(bucket_start(b) <= ns && ns < bucket_start(b + 1), "{ns}");
        }
        assert_eq!(bucket(0), 0);
        assert_eq!(format_ns(500), "500ns");
        assert_eq!(format_ns(20_000), "20µs");
        assert_eq!(format_ns(5_000_000), "5ms");
    }
}
