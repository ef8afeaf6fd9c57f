//! The run report's structure, without a browser: `gclox --report` on a live run and
//! `gclox report` on gclox's and Go's gctrace logs (the committed Go leak-study pair).
//! `experiments/report-check/` loads the pages in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

fn gclox() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gclox"))
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclox-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// The page is one document that needs nothing from outside: no script, no external file, no
/// network address.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<html").count(), 1);
    assert!(html.trim_end().ends_with("</html>"));
    for needle in [
        "<script", "<link", "src=", "url(", "http://", "https://", "@import",
    ] {
        assert!(!html.contains(needle), "page contains {needle}");
    }
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
}

/// The cell after the `<td>` whose text starts with `label`.
fn cells<'a>(html: &'a str, label: &str) -> Vec<&'a str> {
    let start = html
        .find(&format!("<td>{label}"))
        .unwrap_or_else(|| panic!("no row {label}"));
    let row = &html[start..html[start..].find("</tr>").unwrap() + start];
    row.split("<td>")
        .skip(1)
        .map(|c| c.trim_end_matches("</td>"))
        .collect()
}

#[test]
fn a_live_run_report_has_every_section_and_matches_gctrace() {
    let page = temp("live.html");
    let script = repo("tests/cycles/ring.lox");
    let out = gclox()
        .args(["--gctrace", "--report"])
        .arg(&page)
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gctrace_cycles = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("gc "))
        .count();
    assert!(gctrace_cycles > 2, "ring.lox collects several times");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    for id in ["summary", "heap", "pauses", "mmu", "sites"] {
        assert!(html.contains(&format!("id=\"{id}\"")), "section {id}");
    }
    // heap, pause timeline, pause histogram, MMU.
    assert!(html.matches("<svg").count() >= 4);
    let cycles = cells(&html, "GC cycles (forced)");
    assert_eq!(cycles[1], format!("{gctrace_cycles} (0)"));
    let mmu = cells(&html, "MMU at 1 / 10 / 100 ms");
    assert_eq!(mmu[1].matches('%').count(), 3, "{mmu:?}");
    assert!(html.contains("collector step p50 / p99 / max (ms)"));
}

#[test]
fn the_go_leak_pair_compares_as_growing_then_flat() {
    let page = temp("go.html");
    let out = gclox()
        .args(["report", "--compare"])
        .arg(repo("experiments/leak-study/go/leaking.log"))
        .arg(repo("experiments/leak-study/go/fixed.log"))
        .arg("-o")
        .arg(&page)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    let verdict = cells(&html, "live heap floor trend");
    assert!(verdict[1].starts_with("<b>growing</b>"), "{verdict:?}");
    assert!(verdict[2].starts_with("<b>flat</b>"), "{verdict:?}");
    // A Go log has stop-the-world pauses but no MMU: the page says so instead of a number.
    assert!(html.contains("stop-the-world phase p99 (ms)"));
    assert!(!html.contains("MMU at 10 ms"));
    assert!(html.contains("MMU is not computed"));
    let cycles = cells(&html, "GC cycles<");
    assert_eq!(&cycles[1..3], ["64", "962"]);
}

#[test]
fn a_gclox_log_gives_a_page_without_step_figures() {
    let log = temp("trace.log");
    let out = gclox()
        .arg("--gctrace=2")
        .arg(repo("tests/cycles/ring.lox"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(&log, &out.stderr).unwrap();
    let page = temp("log.html");
    let status = gclox()
        .args(["report", "--gctrace"])
        .arg(&log)
        .arg("-o")
        .arg(&page)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    assert!(html.contains("gclox gctrace log"));
    assert!(html.contains("only recorded in a live run"));
    let pauses = cells(&html, "pause p50 / p99 / max (ms)");
    // Percentiles need every step; the longest comes from the level-2 lines.
    let (na, max) = pauses[1].rsplit_once(" / ").unwrap();
    assert_eq!(
        na,
        "<span class=\"na\">n/a</span> / <span class=\"na\">n/a</span>"
    );
    assert!(max.parse::<f64>().unwrap() > 0.0, "{pauses:?}");
}

#[test]
fn report_errors_are_one_line() {
    let empty = temp("empty.log");
    std::fs::write(&empty, "hello\nno gc here\n").unwrap();
    let out = gclox()
        .args(["report", "--gctrace"])
        .arg(&empty)
        .args(["-o", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(74));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
    let out = gclox().args(["report", "-o", "x.html"]).output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    let out = gclox()
        .args(["--report", "/nonexistent/dir/r.html"])
        .arg(repo("tests/cycles/ring.lox"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(74),
        "a bad --report path fails before the run"
    );
    assert!(out.stdout.is_empty());
}
