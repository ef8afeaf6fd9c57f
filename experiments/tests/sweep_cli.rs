//! The `sweep` binary end to end, on a tiny workload: a sweep writes its rows, plots and
//! provenance; shards merge into the whole sweep; bad input is a usage error (exit 64).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gclox_experiments::sweep::record::{CycleRow, RunRow, CYCLE_COLUMNS, RUN_COLUMNS};
use gclox_experiments::sweep::table;

/// Allocates ~20 MB (a few collection cycles over the 4 MiB minimum heap) in a few ms.
const TINY: &str = "\
// tiny: 20000 live pairs and 100000 short-lived ones. Stresses: nothing; it tests the tool.
class P { init(a, b) { this.a = a; this.b = b; } }
var keep = nil;
for (var i = 0; i < 20000; i = i + 1) keep = P(i, keep);
var sum = 0;
for (var i = 0; i < 100000; i = i + 1) sum = sum + P(i, nil).a;
print sum; // expect: 4999950000
";

/// A fresh folder for one test, with the tiny workload in it.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("sweep-cli")
        .join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tiny.lox"), TINY).unwrap();
    dir
}

fn sweep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sweep"))
        .args(args)
        .output()
        .expect("the sweep binary runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("temporary paths are UTF-8")
}

/// `sweep run` over the tiny workload with 2 gogc values × (incremental, stw) into `out`.
fn tiny_sweep(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let workload = dir.join("tiny.lox");
    let out = dir.join(out);
    let mut args = vec![
        "run",
        "--workloads",
        path(&workload),
        "--gogc",
        "50,100",
        "--budgets",
        "512",
        "--reps",
        "1",
        "--out",
        path(&out),
    ];
    args.extend_from_slice(extra);
    sweep(&args)
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn runs(dir: &Path) -> Vec<RunRow> {
    table::read(&dir.join("runs.csv"), &RUN_COLUMNS).unwrap()
}

fn assert_svg(file: &Path) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    assert!(
        text.starts_with("<svg") && text.trim_end().ends_with("</svg>"),
        "{}",
        file.display()
    );
    assert!(
        text.len() > 1000,
        "{}: only {} bytes",
        file.display(),
        text.len()
    );
}

#[test]
fn a_tiny_sweep_writes_rows_plots_and_provenance() {
    let dir = scratch("tiny");
    assert_exit(&tiny_sweep(&dir, "out", &["--threads", "2"]), 0);
    let out = dir.join("out");

    let rows = runs(&out);
    assert_eq!(rows.len(), 4, "2 gogc × (incremental 512, stw)");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.run_id, i);
        assert_eq!(row.workload, "tiny.lox");
        assert!(row.succeeded() && row.output_ok == Some(true), "{row:?}");
        assert!(row.num_gc > 0 && row.num_pauses >= row.num_gc, "{row:?}");
        assert!(row.peak_heap_bytes > 0 && row.total_alloc_bytes > row.peak_heap_bytes);
        assert!(row.gc_share > 0.0 && row.gc_share < 1.0 && row.wall_s > 0.0);
        // MMU can never exceed the share of the whole run the mutator had.
        if let Some(mmu) = row.mmu_1ms {
            assert!((0.0..=1.0 - row.gc_share + 1e-3).contains(&mmu), "{row:?}");
        }
    }
    let settings: Vec<(i64, &str, Option<u64>)> = rows
        .iter()
        .map(|r| (r.gogc, r.mode.as_str(), r.step_budget))
        .collect();
    assert_eq!(
        settings,
        [
            (50, "incremental", Some(512)),
            (50, "stw", None),
            (100, "incremental", Some(512)),
            (100, "stw", None)
        ]
    );
    let cycles: Vec<CycleRow> = table::read(&out.join("cycles.csv"), &CYCLE_COLUMNS).unwrap();
    for row in &rows {
        let n = cycles.iter().filter(|c| c.run_id == row.run_id).count();
        // NumGC counts a cycle from its mark termination; its record comes when its sweep
        // ends, so a run may end with one cycle counted but still sweeping.
        assert!(
            n as u64 == row.num_gc || n as u64 + 1 == row.num_gc,
            "run {}: {n} records, NumGC {}",
            row.run_id,
            row.num_gc
        );
    }

    for plot in [
        "peak_heap",
        "run_time",
        "pause_p99",
        "pause_max",
        "mmu_10ms",
    ] {
        assert_svg(&out.join("plots").join(format!("{plot}.svg")));
    }
    for id in 0..4 {
        assert_svg(&out.join("histograms").join(format!("run-{id:06}.svg")));
    }

    let provenance = std::fs::read_to_string(out.join("provenance.txt")).unwrap();
    for needle in [
        "command: ",
        "--gogc 50,100",
        &format!("gclox_version: {}", env!("CARGO_PKG_VERSION")),
        "git_commit: ",
        "plan: workloads=tiny.lox pacers=go119 gogc=50,100 modes=incremental,stw budgets=512 reps=1",
        "workload: tiny.lox fnv1a64=",
        "shard: 0/1",
        "runs_total: 4",
    ] {
        assert!(
            provenance.contains(needle),
            "no '{needle}' in\n{provenance}"
        );
    }

    // Results are not overwritten by accident.
    let again = tiny_sweep(&dir, "out", &[]);
    assert_exit(&again, 64);
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn shards_merge_into_the_whole_sweep() {
    let dir = scratch("shards");
    assert_exit(
        &tiny_sweep(&dir, "s0", &["--shard", "0/2", "--no-histograms"]),
        0,
    );
    assert_exit(
        &tiny_sweep(&dir, "s1", &["--shard", "1/2", "--no-histograms"]),
        0,
    );
    assert_eq!(
        runs(&dir.join("s0"))
            .iter()
            .map(|r| r.run_id)
            .collect::<Vec<_>>(),
        [0, 2]
    );
    assert_eq!(
        runs(&dir.join("s1"))
            .iter()
            .map(|r| r.run_id)
            .collect::<Vec<_>>(),
        [1, 3]
    );

    let merged = dir.join("merged");
    let (s0, s1) = (dir.join("s0"), dir.join("s1"));
    assert_exit(
        &sweep(&["merge", "--out", path(&merged), path(&s1), path(&s0)]),
        0,
    );
    let rows = runs(&merged);
    assert_eq!(
        rows.iter().map(|r| r.run_id).collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let cycles: Vec<CycleRow> = table::read(&merged.join("cycles.csv"), &CYCLE_COLUMNS).unwrap();
    assert!(cycles.windows(2).all(|w| w[0].run_id <= w[1].run_id));
    assert_svg(&merged.join("plots").join("peak_heap.svg"));
    assert_svg(&merged.join("histograms").join("run-000003.svg"));
    let provenance = std::fs::read_to_string(merged.join("provenance.txt")).unwrap();
    assert!(provenance.contains("merged_from: ") && provenance.contains("plan: "));

    // The same shard twice, and a shard of another sweep, are refused.
    let twice = sweep(&[
        "merge",
        "--out",
        path(&dir.join("m2")),
        path(&s0),
        path(&s0),
    ]);
    assert_exit(&twice, 65);
    assert_exit(
        &tiny_sweep(&dir, "other", &["--gogc", "200", "--no-histograms"]),
        0,
    );
    let other = sweep(&[
        "merge",
        "--out",
        path(&dir.join("m3")),
        path(&s0),
        path(&dir.join("other")),
    ]);
    assert_exit(&other, 65);
    assert!(String::from_utf8_lossy(&other.stderr).contains("not shards of one sweep"));

    // A shard whose CSV columns differ is refused.
    let runs_csv = s1.join("runs.csv");
    let text = std::fs::read_to_string(&runs_csv).unwrap();
    std::fs::write(&runs_csv, text.replacen("wall_s", "wall_ms", 1)).unwrap();
    let columns = sweep(&[
        "merge",
        "--out",
        path(&dir.join("m4")),
        path(&s0),
        path(&s1),
    ]);
    assert_exit(&columns, 65);
    assert!(String::from_utf8_lossy(&columns.stderr).contains("different columns"));
}

#[test]
fn bad_input_is_a_usage_error() {
    let dir = scratch("usage");
    for (args, complaint) in [
        (&["--shard", "2/2"][..], "shard"),
        (&["--gogc", "fast"][..], "gogc"),
        (&["--budgets", "0"][..], "budgets"),
        (&["--modes", "concurrent"][..], "mode"),
    ] {
        let output = tiny_sweep(&dir, "out", args);
        assert_exit(&output, 64);
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(complaint),
            "{args:?}"
        );
    }
    let unknown = sweep(&[
        "run",
        "--workloads",
        "no_such_workload",
        "--out",
        path(&dir.join("x")),
    ]);
    assert_exit(&unknown, 64);
    assert!(
        String::from_utf8_lossy(&unknown.stderr).contains("unknown workload 'no_such_workload'")
    );
    assert_exit(&sweep(&[]), 64);
    assert_exit(&sweep(&["merge", "--out", path(&dir.join("m"))]), 64);
    assert_exit(&sweep(&["--help"]), 0);
}
