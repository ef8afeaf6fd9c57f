//! Running a sweep (or one shard of it) on every core and writing its results.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gclox_runtime::isolates::{run_parallel, Job};

use super::error::{Result, SweepError};
use super::plan::{Plan, RunSpec, Shard};
use super::plots;
use super::progress::Progress;
use super::provenance::{self, Provenance};
use super::record::{CycleRow, RunRow, CYCLE_COLUMNS, RUN_COLUMNS};
use super::table;

pub const RUNS_FILE: &str = "runs.csv";
pub const CYCLES_FILE: &str = "cycles.csv";

pub struct Options {
    pub plan: Plan,
    pub shard: Shard,
    pub threads: usize,
    pub out: PathBuf,
    /// Draw a pause histogram per run (one SVG each).
    pub histograms: bool,
    /// Overwrite the results of an earlier sweep in `out`.
    pub force: bool,
}

pub struct Outcome {
    pub runs: usize,
    /// Runs with a Lox error or an output that did not match the workload's expectation.
    pub failed: usize,
    pub wall: Duration,
}

/// The runs of `shard`, in id order.
pub fn shard_runs(plan: &Plan, shard: Shard) -> Vec<RunSpec> {
    plan.runs()
        .into_iter()
        .filter(|r| shard.contains(r.id))
        .collect()
}

pub fn run(options: &Options) -> Result<Outcome> {
    let out = &options.out;
    prepare_output(out, options.force)?;
    let total = options.plan.runs().len();
    let runs = shard_runs(&options.plan, options.shard);
    let jobs: Vec<Job> = runs.iter().map(|r| options.plan.job(r)).collect();

    let mut provenance = Provenance::for_sweep(&options.plan);
    provenance.add("shard", options.shard.to_string());
    provenance.add("runs_total", total.to_string());
    provenance.add("runs_in_shard", runs.len().to_string());
    provenance.add("threads", options.threads.to_string());
    // Written now as well, so an interrupted sweep still says what it was.
    provenance.write(out)?;

    let began = Instant::now();
    let progress = Progress::new(jobs.len());
    let results = run_parallel(&jobs, options.threads, &|done| progress.done(done));
    progress.finish();
    let wall = began.elapsed();

    let rows: Vec<RunRow> = runs
        .iter()
        .zip(&results)
        .map(|(run, result)| RunRow::new(run, &options.plan.workloads[run.workload], result))
        .collect();
    let cycles: Vec<CycleRow> = runs
        .iter()
        .zip(&results)
        .flat_map(|(run, result)| result.cycles.iter().map(|c| CycleRow::new(run.id, c)))
        .collect();
    write_results(out, &rows, &cycles, options.histograms)?;

    provenance.add("finished_unix_s", provenance::unix_now().to_string());
    provenance.add("wall_s", format!("{:.3}", wall.as_secs_f64()));
    provenance.write(out)?;
    Ok(Outcome {
        runs: rows.len(),
        failed: rows.iter().filter(|r| !r.succeeded()).count(),
        wall,
    })
}

/// Creates `out`, refusing to overwrite an earlier sweep's results unless `force`; with
/// `force`, the old plots go too (a smaller sweep would leave stale histograms behind).
pub fn prepare_output(out: &Path, force: bool) -> Result<()> {
    if out.join(RUNS_FILE).exists() {
        if !force {
            return Err(SweepError::usage(format!(
                "{} already holds sweep results; pass --force to overwrite them or choose another --out",
                out.display()
            )));
        }
        for dir in [plots::PLOTS_DIR, plots::HISTOGRAMS_DIR] {
            let dir = out.join(dir);
            if dir.exists() {
                std::fs::remove_dir_all(&dir).map_err(|e| SweepError::io(&dir, e))?;
            }
        }
    }
    std::fs::create_dir_all(out).map_err(|e| SweepError::io(out, e))
}

/// Writes both CSV files and the plots.
pub fn write_results(
    dir: &Path,
    rows: &[RunRow],
    cycles: &[CycleRow],
    histograms: bool,
) -> Result<()> {
    table::write(&dir.join(RUNS_FILE), &RUN_COLUMNS, rows)?;
    table::write(&dir.join(CYCLES_FILE), &CYCLE_COLUMNS, cycles)?;
    draw(dir, rows, cycles, histograms)
}

/// Draws the plots of the results in `dir`.
pub fn draw(dir: &Path, rows: &[RunRow], cycles: &[CycleRow], histograms: bool) -> Result<()> {
    plots::summary(rows, dir)?;
    if histograms {
        plots::histograms(rows, cycles, dir)?;
    }
    Ok(())
}

/// Redraws the plots from the CSV files in `dir` (after a merge, or with other settings).
pub fn replot(dir: &Path, histograms: bool) -> Result<usize> {
    let rows: Vec<RunRow> = table::read(&dir.join(RUNS_FILE), &RUN_COLUMNS)?;
    let cycles: Vec<CycleRow> = table::read(&dir.join(CYCLES_FILE), &CYCLE_COLUMNS)?;
    draw(dir, &rows, &cycles, histograms)?;
    Ok(rows.len())
}
