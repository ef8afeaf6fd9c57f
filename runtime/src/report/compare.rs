//! Before and after: two runs side by side with the change of each figure — the workflow of
//! a leak fix (a service's gctrace log before the fix and after it).

use super::charts;
use super::html::{escape, page, table, Section};
use super::model::{Figures, RunData, FLOOR_GROUPS};
use super::page::{num, trend_text};

/// One comparison row: label, before, after, change.
type Row = (String, String, String, String);

/// The relative change from `a` to `b` as "+12.3 %" (or n/a when either is missing or `a`
/// is 0).
pub fn change(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if a != 0.0 && a.is_finite() && b.is_finite() => {
            format!("{:+.1} %", (b - a) / a.abs() * 100.0)
        }
        _ => num(None, 0),
    }
}

fn row(label: &str, a: Option<f64>, b: Option<f64>, decimals: usize) -> Row {
    (
        label.to_string(),
        num(a, decimals),
        num(b, decimals),
        change(a, b),
    )
}

/// The comparison table's rows.
pub fn rows(before: &Figures, after: &Figures, pause_kind: &str) -> Vec<Row> {
    let pct = |f: &Figures, i: usize| f.pauses_ms.map(|p| p[i]);
    let mmu = |f: &Figures, i: usize| f.mmu.and_then(|m| m[i]).map(|u| u * 100.0);
    let var = |f: &Figures| f.live_mean_var.map(|m| m.1);
    let mean = |f: &Figures| f.live_mean_var.map(|m| m.0);
    let mut out = vec![
        row("run length (s)", Some(before.run_s), Some(after.run_s), 3),
        row(
            "GC cycles",
            Some(before.cycles as f64),
            Some(after.cycles as f64),
            0,
        ),
        row(
            "GC cycles per second",
            Some(before.cycles_per_s),
            Some(after.cycles_per_s),
            2,
        ),
        (
            format!("live heap floor trend ({FLOOR_GROUPS} groups): leak verdict"),
            trend_text(before.floor_trend.as_ref()),
            trend_text(after.floor_trend.as_ref()),
            String::new(),
        ),
        (
            "live heap trend over every cycle".into(),
            trend_text(before.live_trend.as_ref()),
            trend_text(after.live_trend.as_ref()),
            String::new(),
        ),
        row(
            "live heap slope (MiB/s)",
            before.live_slope,
            after.live_slope,
            3,
        ),
        row("live heap mean (MiB)", mean(before), mean(after), 2),
        row("live heap variance (MiB²)", var(before), var(after), 3),
        row(
            &format!("{pause_kind} p50 (ms)"),
            pct(before, 0),
            pct(after, 0),
            4,
        ),
        row(
            &format!("{pause_kind} p99 (ms)"),
            pct(before, 1),
            pct(after, 1),
            4,
        ),
        row(
            &format!("{pause_kind} max (ms)"),
            before.pause_max_ms,
            after.pause_max_ms,
            4,
        ),
        row("GC CPU (%)", before.gc_cpu, after.gc_cpu, 1),
        row("heap goal mean (MiB)", before.goal_mean, after.goal_mean, 1),
        row(
            "heap goal at the end (MiB)",
            before.goal_last,
            after.goal_last,
            1,
        ),
        row("peak heap (MiB)", before.peak_heap, after.peak_heap, 1),
    ];
    if before.mmu.is_some() || after.mmu.is_some() {
        for (i, w) in ["1", "10", "100"].iter().enumerate() {
            out.push(row(
                &format!("MMU at {w} ms (%)"),
                mmu(before, i),
                mmu(after, i),
                1,
            ));
        }
    }
    out
}

/// The comparison page.
pub fn compare_page(before: &RunData, after: &RunData) -> String {
    let (fb, fa) = (before.figures(), after.figures());
    let kind = before
        .pauses
        .as_ref()
        .or(after.pauses.as_ref())
        .map_or("pause", |p| p.kind);
    let rows: Vec<Vec<String>> = rows(&fb, &fa, kind)
        .into_iter()
        .map(|(l, b, a, c)| vec![escape(&l), b, a, c])
        .collect();
    let mut summary = table(&["figure", "before", "after", "change"], &rows);
    summary.push_str(&format!(
        "<p class=\"note\">Before: {} — {}.<br>After: {} — {}.</p>",
        escape(&before.name),
        escape(&before.origin),
        escape(&after.name),
        escape(&after.origin)
    ));
    let mut caveats: Vec<&String> = before.caveats.iter().collect();
    for c in &after.caveats {
        if !caveats.contains(&c) {
            caveats.push(c);
        }
    }
    if !caveats.is_empty() {
        summary.push_str("<ul class=\"note\">");
        for c in caveats {
            summary.push_str(&format!("<li>{}</li>", escape(c)));
        }
        summary.push_str("</ul>");
    }
    let mut sections = vec![
        Section {
            id: "summary",
            title: "Before and after".into(),
            note: Some("Change = (after − before) / before. Trends: Mann–Kendall test, two-sided, at p < 0.05; the verdict uses the live heap's floor (the lowest live heap of each of 10 consecutive groups of cycles), which a leak raises and floating garbage does not; slope by least squares against time. Cycles per second: cycles / run length (the last cycle's end).".into()),
            body: summary,
        },
        Section {
            id: "heap",
            title: "Live heap and goal".into(),
            note: Some("Live heap after each cycle (solid) and the heap goal (dashed), before and after.".into()),
            body: charts::compare_heap(before, after),
        },
        Section {
            id: "gctime",
            title: "Collector time per cycle".into(),
            note: Some("Each cycle's collector time (Go: its two stop-the-world phases; gclox: its summed steps) against when it started.".into()),
            body: charts::compare_gc_time(before, after),
        },
    ];
    if let Some(svg) = charts::mmu(&[("before", before), ("after", after)]) {
        sections.push(Section {
            id: "mmu",
            title: "Minimum mutator utilization".into(),
            note: None,
            body: svg,
        });
    }
    page(
        &format!("gclox report: {} → {}", before.name, after.name),
        "comparison of two runs",
        &sections,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_is_relative_to_before() {
        assert_eq!(change(Some(200.0), Some(50.0)), "-75.0 %");
        assert_eq!(change(Some(-2.0), Some(-1.0)), "+50.0 %");
        assert!(change(Some(0.0), Some(1.0)).contains("n/a"));
        assert!(change(None, Some(1.0)).contains("n/a"));
    }
}
