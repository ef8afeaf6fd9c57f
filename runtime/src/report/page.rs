//! The run report: one page for one run (live or from a gctrace log).

use super::charts;
use super::html::{escape, page, pre, table, Section};
use super::model::FLOOR_GROUPS;
use super::model::{Figures, RunData, MMU_WINDOWS};
use super::stats::{MannKendall, ALPHA};

/// A number with `decimals` decimals (in scientific notation when that would print a
/// non-zero value as zero), or a grey "n/a".
pub fn num(v: Option<f64>, decimals: usize) -> String {
    match v {
        Some(v) if v != 0.0 && v.abs() < 0.5 * 10f64.powi(-(decimals as i32)) => {
            format!("{v:.2e}")
        }
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "<span class=\"na\">n/a</span>".to_string(),
    }
}

/// A trend in words: "growing (Mann–Kendall S = 120, z = 3.1, p = 0.0019)".
pub fn trend_text(trend: Option<&MannKendall>) -> String {
    match trend {
        Some(mk) => format!(
            "<b>{}</b> (Mann–Kendall S = {}, z = {:.2}, p = {})",
            mk.trend().word(),
            mk.s,
            mk.z,
            fmt_p(mk.p)
        ),
        None => "<span class=\"na\">n/a (fewer than 3 cycles)</span>".to_string(),
    }
}

/// A p-value to three significant digits, small ones in scientific notation.
pub fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// The summary rows of a run's figures: `(figure, value)`.
pub fn summary_rows(run: &RunData, f: &Figures) -> Vec<(String, String)> {
    let pause_kind = run.pauses.as_ref().map_or("pause", |p| p.kind);
    let pauses = match f.pauses_ms {
        Some([p50, p99]) => format!("{p50:.4} / {p99:.4} / {}", num(f.pause_max_ms, 4)),
        None => format!(
            "{} / {} / {}",
            num(None, 0),
            num(None, 0),
            num(f.pause_max_ms, 4)
        ),
    };
    let mmu = match f.mmu {
        Some(m) => m
            .iter()
            .map(|u| u.map_or_else(|| num(None, 0), |u| format!("{:.1}%", u * 100.0)))
            .collect::<Vec<_>>()
            .join(" / "),
        None => num(None, 0),
    };
    let (live_mean, live_var) = f
        .live_mean_var
        .map_or((None, None), |(m, v)| (Some(m), Some(v)));
    vec![
        ("run time (s)".into(), format!("{:.3}", f.run_s)),
        ("allocation rate (MiB/s)".into(), num(f.alloc_rate, 1)),
        (
            "GC cycles (forced)".into(),
            format!("{} ({})", f.cycles, f.forced),
        ),
        (
            "GC cycles per second".into(),
            format!("{:.2}", f.cycles_per_s),
        ),
        (
            format!(
                "GC CPU (%){}",
                run.gc_cpu.map_or(String::new(), |g| format!(": {}", g.1))
            ),
            num(f.gc_cpu, 1),
        ),
        (format!("{pause_kind} p50 / p99 / max (ms)"), pauses),
        (
            format!(
                "MMU at {} ms",
                MMU_WINDOWS.map(|w| (w * 1e3).to_string()).join(" / ")
            ),
            mmu,
        ),
        (
            format!("live heap floor trend (lowest of {FLOOR_GROUPS} groups of cycles): the leak verdict"),
            trend_text(f.floor_trend.as_ref()),
        ),
        (
            "live heap trend over every cycle".into(),
            trend_text(f.live_trend.as_ref()),
        ),
        (
            "live heap slope (MiB/s, least squares)".into(),
            num(f.live_slope, 3),
        ),
        (
            "live heap mean (MiB) / variance (MiB²)".into(),
            format!("{} / {}", num(live_mean, 2), num(live_var, 3)),
        ),
        (
            "heap goal mean / last (MiB)".into(),
            format!("{} / {}", num(f.goal_mean, 1), num(f.goal_last, 1)),
        ),
        ("peak heap (MiB)".into(), num(f.peak_heap, 1)),
        ("peak RSS (MiB)".into(), num(f.peak_rss, 1)),
    ]
}

/// The whole page for one run.
pub fn run_page(run: &RunData) -> String {
    let f = run.figures();
    let mut rows: Vec<Vec<String>> = summary_rows(run, &f)
        .into_iter()
        .map(|(k, v)| vec![escape(&k), v])
        .collect();
    for (k, v) in &run.settings {
        rows.push(vec![escape(k), escape(v)]);
    }
    let mut summary = table(&["figure", "value"], &rows);
    if !run.caveats.is_empty() {
        summary.push_str("<ul class=\"note\">");
        for c in &run.caveats {
            summary.push_str(&format!("<li>{}</li>", escape(c)));
        }
        summary.push_str("</ul>");
    }
    let mut sections = vec![
        Section {
            id: "summary",
            title: "Summary".into(),
            note: Some(format!(
                "Trends: Mann–Kendall test, two-sided, growing or shrinking when p < {ALPHA}; the verdict uses the live heap's floor (the lowest live heap of each of {FLOOR_GROUPS} consecutive groups of cycles), which a leak raises and floating garbage does not. Percentiles by nearest rank."
            )),
            body: summary,
        },
        Section {
            id: "heap",
            title: "Heap over time".into(),
            note: Some("Heap in use: at each cycle's start, mark end and end, and sampled between; live: what survived each cycle; goal and trigger: the pacer's, held from each cycle's start. Shaded: collection cycles. Long series keep each interval's lowest and highest point.".into()),
            body: charts::heap(run),
        },
        Section {
            id: "pauses",
            title: "Pauses".into(),
            note: Some(match &run.pauses {
                Some(p) => format!("Every {} against when it started, coloured by what it did (where thousands share a pixel column, its shortest and longest are drawn), and how many fell in each length bin. A pause is wall time: a step the OS preempted counts for as long as it was off the CPU.", p.kind),
                None => "This source has no individual pauses: each cycle's summed collector time against when the cycle started.".into(),
            }),
            body: format!(
                "{}{}",
                charts::pause_timeline(run),
                charts::pause_histogram(run).unwrap_or_default()
            ),
        },
        Section {
            id: "mmu",
            title: "Minimum mutator utilization".into(),
            note: Some("For each window length w, the smallest share of any window of length w in which the program, not the collector, ran (Cheng & Blelloch 2001), computed exactly from the pause intervals.".into()),
            body: charts::mmu(&[("MMU", run)]).unwrap_or_else(|| {
                "<p class=\"na\">Not available: this source does not record every interval in which the collector took the CPU.</p>".into()
            }),
        },
    ];
    if let Some((inuse, alloc)) = &run.profile_top {
        sections.push(Section {
            id: "sites",
            title: "Top allocation sites".into(),
            note: Some("From the sampled heap profile (--memprofilerate), as go tool pprof -top prints it; in-use as of the last completed cycle.".into()),
            body: format!("<h3>In use</h3>{}<h3>Allocated over the run</h3>{}", pre(inuse), pre(alloc)),
        });
    }
    if let Some(leak) = &run.leak_report {
        sections.push(Section {
            id: "leaks",
            title: "Leak report: top retainers".into(),
            note: Some("The live heap at exit, walked from the roots (--leak-report).".into()),
            body: pre(leak),
        });
    }
    page(
        &format!("gclox run report: {}", run.name),
        &run.origin,
        &sections,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_numbers_are_not_printed_as_zero() {
        assert_eq!(num(Some(0.000123), 3), "1.23e-4");
        assert_eq!(num(Some(0.0), 3), "0.000");
        assert_eq!(num(Some(12.3456), 2), "12.35");
        assert!(num(None, 1).contains("n/a"));
        assert!(num(Some(f64::NAN), 1).contains("n/a"));
    }
}
