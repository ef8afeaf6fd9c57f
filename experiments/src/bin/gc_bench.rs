//! `gc-bench`: the collector measurements BENCHMARKS.md reports, as markdown tables.
//!
//! ```text
//! cargo run --release -p gclox-experiments --bin gc-bench -- all
//! ```
//!
//! - `precision`: steady-state peak/live heap for gogc 50, 100, 200, 400, and peak/limit with
//!   `memlimit` at twice the live set (workload `steady_churn.lox`).
//! - `pauses`: p50/p99/max step pause, incremental and stw, on `binary_trees.lox`,
//!   `trees.lox` and `live_1m_churn.lox`.
//! - `share`: share of wall time spent in collector steps on `binary_trees.lox`.
//! - `overhead`: run time with gctrace formatting on vs off, interleaved, medians.

use clap::{Parser, ValueEnum};
use gclox_experiments::{median, run, workload};
use gclox_gc::{GcMode, PacerKind};
use gclox_runtime::Config;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
struct Args {
    #[arg(value_enum, default_value = "all")]
    what: What,
    /// Repetitions for timings (interleaved).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum What {
    All,
    Precision,
    Pauses,
    Share,
    Overhead,
}

fn main() {
    let args = Args::parse();
    let all = args.what == What::All;
    if all || args.what == What::Precision {
        precision();
    }
    if all || args.what == What::Pauses {
        pauses();
    }
    if all || args.what == What::Share {
        share(args.rounds);
    }
    if all || args.what == What::Overhead {
        overhead(args.rounds);
    }
}

const LIVE: u32 = 100_000;
const CHURN: u32 = 4_000_000;

fn churn_source() -> String {
    workload(
        "steady_churn.lox",
        &format!("var LIVE = {LIVE}; var CHURN = {CHURN};\n"),
    )
}

/// Cycles after warm-up (the live set is built by then): skips the first quarter.
fn steady<T>(items: &[T]) -> &[T] {
    &items[items.len() / 4..]
}

fn precision() {
    let source = churn_source();
    println!(
        "### Pacer precision (steady_churn.lox, {LIVE} live nodes, {CHURN} churn iterations)\n"
    );
    println!("Target peak/live: 1 + gogc/100 for go119 and go117 (Go's goal), pause/100 for lua54 (pause = 100 + gogc: Lua's threshold), 1 + gogc/100 for clox (its growth factor).\n");
    println!("| pacer | gogc | target peak/live | median peak/live | error | min | max | cycles |");
    println!("|---|---|---|---|---|---|---|---|");
    let mut live_bytes = 0;
    for pacer in PacerKind::ALL {
        for gogc in [50u32, 100, 200, 400] {
            let mut config = Config::default();
            config.gc.pacer = pacer;
            config.gc.gogc = Some(gogc);
            let result = run(config, &source, 0);
            let cycles = &result.cycles;
            let ratios: Vec<f64> = cycles
                .windows(2)
                .map(|w| w[1].heap_peak as f64 / w[0].heap_marked.max(1) as f64)
                .collect();
            let mut sorted = steady(&ratios).to_vec();
            let med = median(&mut sorted);
            let min = sorted.first().copied().unwrap_or(0.0);
            let max = sorted.last().copied().unwrap_or(0.0);
            if pacer == PacerKind::Go119 && gogc == 100 {
                live_bytes = steady_live(&result.cycles);
            }
            let target = 1.0 + f64::from(gogc) / 100.0;
            println!(
                "| {pacer} | {gogc} | {target:.2} | {med:.3} | {:+.1} % | {min:.3} | {max:.3} | {} |",
                (med / target - 1.0) * 100.0,
                cycles.len()
            );
        }
    }
    let limit = 2 * live_bytes;
    let mut config = Config::default();
    config.gc.gogc = Some(400);
    config.gc.memlimit = Some(limit);
    let result = run(config, &source, 0);
    let peak = steady(&result.cycles)
        .iter()
        .map(|c| c.heap_peak)
        .max()
        .unwrap_or(0);
    println!(
        "\nWith `memlimit` = 2 × live = {} B and gogc=400 (whose own goal would be 5 × live), go119, no memory probe (accounted bytes only): steady-state peak heap = {peak} B = {:.3} × limit over {} cycles.\n",
        limit,
        peak as f64 / limit as f64,
        result.cycles.len()
    );
}

/// The live heap after the steady-state cycles (median of heap_marked).
fn steady_live(cycles: &[gclox_gc::CycleRecord]) -> u64 {
    let mut marked: Vec<f64> = steady(cycles)
        .iter()
        .map(|c| c.heap_marked as f64)
        .collect();
    median(&mut marked) as u64
}

/// Every workload in `experiments/workloads/` (the slow ones too), default settings and stw.
fn pauses() {
    println!("### Step pauses (default settings, one run each)\n");
    println!("| workload | mode | steps | p50 ms | p99 ms | max ms | cycles |");
    println!("|---|---|---|---|---|---|---|");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads");
    let workloads = gclox_experiments::workloads::Workload::discover(&dir).expect("workloads");
    for w in &workloads {
        let source = w.program();
        for mode in [GcMode::Incremental, GcMode::StopTheWorld] {
            let mut config = Config::default();
            config.gc.mode = mode;
            let m = run(config, &source, 0).memstats;
            println!(
                "| {} | {mode} | {} | {:.4} | {:.4} | {:.4} | {} |",
                w.name,
                m.num_pauses,
                m.pause_p50_ns as f64 / 1e6,
                m.pause_p99_ns as f64 / 1e6,
                m.pause_max_ns as f64 / 1e6,
                m.num_gc
            );
        }
    }
    println!();
}

fn share(rounds: usize) {
    let source = workload("binary_trees.lox", "");
    let mut shares = vec![];
    let mut walls = vec![];
    for _ in 0..rounds {
        let r = run(Config::default(), &source, 0);
        shares.push(r.memstats.pause_total_ns as f64 / r.wall.as_nanos() as f64 * 100.0);
        walls.push(r.wall.as_secs_f64());
    }
    println!(
        "### GC share of run time (binary_trees.lox, gogc=100, {rounds} runs)\n\nmedian {:.1} % of {:.3} s wall (runs: {}).\n",
        median(&mut shares.clone()),
        median(&mut walls),
        shares.iter().map(|s| format!("{s:.1}")).collect::<Vec<_>>().join(", ")
    );
}

fn overhead(rounds: usize) {
    let source = workload("binary_trees.lox", "");
    let (mut off, mut on) = (vec![], vec![]);
    for _ in 0..rounds {
        off.push(run(Config::default(), &source, 0).wall.as_secs_f64());
        on.push(run(Config::default(), &source, 2).wall.as_secs_f64());
    }
    let (off, on) = (median(&mut off), median(&mut on));
    println!(
        "### gctrace overhead (binary_trees.lox, level 2 lines formatted, {rounds} interleaved rounds)\n\nmedian off {off:.3} s, on {on:.3} s: ratio {:.3}.\n",
        on / off
    );
}
