//! `gc-bench`: the collector measurements BENCHMARKS.md reports, as markdown tables.
//!
//! ```text
//! cargo run --release -p gclox-experiments --bin gc-bench -- all
//! ```
//!
//! - `precision`: steady-state peak/live heap for gogc 50, 100, 200, 400, and peak/limit with
//!   `memlimit` at twice the live set (workload `steady_churn.lox`).
//! - `pauses`: p50/p99/max step pause, long steps and MMU at 1/10/100 ms, incremental and stw,
//!   on every workload, each beside a stall probe of the machine (`stalls.rs`).
//! - `mmu`: MMU of binary_trees (`--depths 14,17`), incremental and stw, `--rounds` runs each:
//!   a table and SVG curves in `--svg-dir` (default `experiments/results/mmu`).
//! - `share`: share of wall time spent in collector steps on `binary_trees.lox`.
//! - `overhead`: run time with gctrace formatting on vs off, interleaved, medians.
//! - `overlap`: binary_trees_17 `--rounds` times with a stall probe running on the other CPU
//!   (`stalls::Beside`): how many long steps coincide with a stall of the other vCPU, against
//!   how many would by chance.
//! - `stalls`: the machine alone, `--rounds` times: a thread that only reads the clock against
//!   one that touches memory between reads (`stalls::probe_touching`), stalls per second and
//!   how many of them the thread's CPU clock ran through.

use clap::{Parser, ValueEnum};
use std::time::Duration;

use gclox_experiments::{median, run, stalls, workload, StepLog, LONG_STEP};
use gclox_gc::{GcMode, PacerKind};
use gclox_runtime::Config;

#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

#[derive(Parser)]
struct Args {
    #[arg(value_enum, default_value = "all")]
    what: What,
    /// Repetitions for timings (interleaved).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Where `mmu` writes its plots.
    #[arg(long, default_value = "experiments/results/mmu")]
    svg_dir: std::path::PathBuf,
    /// binary_trees' maxDepth values `mmu` runs (the file's own is 14).
    #[arg(long, value_delimiter = ',', default_value = "14,17")]
    depths: Vec<u32>,
    /// The workloads `pauses` runs, by file name (`binary_trees_17.lox,trees.lox`); every one
    /// in `experiments/workloads/` when not given.
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum What {
    All,
    Precision,
    Pauses,
    Share,
    Overhead,
    Mmu,
    Overlap,
    Stalls,
}

fn main() {
    gclox_experiments::scavenge_as_cli();
    let args = Args::parse();
    let all = args.what == What::All;
    if all || args.what == What::Precision {
        precision();
    }
    if all || args.what == What::Pauses {
        pauses(&args.workloads);
    }
    if all || args.what == What::Share {
        share(args.rounds);
    }
    if all || args.what == What::Overhead {
        overhead(args.rounds);
    }
    if all || args.what == What::Mmu {
        mmu(&args.svg_dir, args.rounds, &args.depths);
    }
    // Not part of `all`: it takes both CPUs.
    if args.what == What::Stalls {
        stalls_compared(args.rounds);
    }
    if args.what == What::Overlap {
        overlap(args.rounds);
    }
}

/// Buffer the touching probe walks: about binary_trees_17's peak heap.
const TOUCHED_BYTES: usize = 128 << 20;
/// Words the touching probe reads and writes between two clock reads.
const TOUCHED_WORDS: usize = 64;
/// Seconds each probe runs per round.
const STALL_PROBE_SECS: u64 = 5;

/// The clock-only probe against one that touches memory as a step does, alternating: whether
/// the machine stalls threads that touch memory more, and whether their CPU clock runs on.
fn stalls_compared(rounds: usize) {
    println!("### Stalls of a thread that only reads the clock and of one that touches memory\n");
    println!("Alternating probes of {STALL_PROBE_SECS} s on this machine, nothing else of ours running: `clock` reads the clock in a loop; `touch` reads and writes {TOUCHED_WORDS} random words of a {} MiB buffer between two reads (`stalls::probe_touching`). A stall is a gap of {} ms or more; \"on CPU\" counts those the thread's CPU clock ran through (at least 80 % of the gap).\n", TOUCHED_BYTES >> 20, LONG_STEP.as_secs_f64() * 1e3);
    println!("| round | probe | stalls/s | on CPU/s | longest ms | host steal (ticks of 10 ms) |");
    println!("|---|---|---|---|---|---|");
    let duration = Duration::from_secs(STALL_PROBE_SECS);
    for round in 1..=rounds.max(1) {
        for touch in [false, true] {
            let steal = stalls::host_steal_ticks();
            let seen = if touch {
                stalls::probe_touching(duration, LONG_STEP, TOUCHED_BYTES, TOUCHED_WORDS)
            } else {
                stalls::probe(duration, LONG_STEP)
            };
            let steal = stalls::steal_since(steal);
            println!(
                "| {round} | {} | {:.2} | {:.2} | {:.2} | {steal} |",
                if touch { "touch" } else { "clock" },
                seen.rate(),
                seen.on_cpu as f64 / seen.spun.as_secs_f64(),
                seen.longest.as_secs_f64() * 1e3,
            );
        }
    }
    println!();
}

/// binary_trees_17, default settings, with a stall probe on the other CPU throughout.
fn overlap(rounds: usize) {
    let source = workload("binary_trees_17.lox", &[]);
    let cpus = stalls::allowed_cpus();
    let [here, there, ..] = cpus[..] else {
        eprintln!("gc-bench overlap: needs two CPUs, has {cpus:?}");
        return;
    };
    println!(
        "### Long steps against the other vCPU's stalls (binary_trees_17.lox, default settings)\n"
    );
    println!("The workload runs pinned to CPU {here} while a thread pinned to CPU {there} does nothing but read the clock (`stalls::Beside`); a gap of {} ms or more between two reads is a stall of that CPU. \"by chance\" is how many long steps would overlap one of those stalls if the stalls fell at random times in the run.\n", LONG_STEP.as_secs_f64() * 1e3);
    println!("| run | wall s | long steps | overlapping a stall of the other CPU | by chance | stalls of the other CPU | host steal (ticks of 10 ms) |");
    println!("|---|---|---|---|---|---|---|");
    for round in 1..=rounds.max(1) {
        let steal = stalls::host_steal_ticks();
        let probe = match stalls::Beside::start(here, there, LONG_STEP) {
            Ok(probe) => probe,
            Err(err) => {
                eprintln!(
                    "gc-bench overlap: cannot pin the threads to CPUs {here} and {there}: {err}"
                );
                return;
            }
        };
        let r = run(Config::default(), &source, 0, StepLog::Wall);
        let seen = probe.stop();
        let steal = stalls::steal_since(steal);
        println!(
            "| {round} | {:.2} | {} | {} | {:.1} | {} | {steal} |",
            r.wall.as_secs_f64(),
            r.long_step_spans.len(),
            stalls::overlapping(&r.long_step_spans, &seen),
            stalls::overlapping_by_chance(&r.long_step_spans, &seen, r.wall),
            seen.len(),
        );
    }
    println!();
}

const LIVE: u32 = 100_000;
const CHURN: u32 = 4_000_000;

fn churn_source() -> String {
    workload(
        "steady_churn.lox",
        &[("LIVE", LIVE.into()), ("CHURN", CHURN.into())],
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
            let result = run(config, &source, 0, StepLog::Wall);
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
    let result = run(config, &source, 0, StepLog::Wall);
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

/// Every workload in `experiments/workloads/` (the slow ones too), default settings and stw;
/// before each workload, a stall probe of the machine (`stalls.rs`) as the control.
fn pauses(only: &[String]) {
    let long_ms = LONG_STEP.as_secs_f64() * 1e3;
    println!("### Step pauses (default settings, one run each)\n");
    println!("Pauses are wall time, as Go's; \"max CPU ms\" is the most CPU time the thread used in one step. \"long\" counts steps of {long_ms} ms or more (by the wall clock / by the thread's CPU clock / of the first, those in which the guest kernel counted a page fault or a context switch for the thread: a long step with none and its CPU clock running was slowed neither by paging nor by preemption). The control: just before each workload a thread that reads and writes {TOUCHED_WORDS} random words of a {} MiB buffer between two clock reads, as a step touches the heap, ran for {PROBE_SECS} s (`stalls::probe_touching`); \"machine stalls/s\" is how often it lost {long_ms} ms or more (of them, how many the thread's CPU clock counted as running), \"longest stall\" its longest gap, and \"expected\" is that rate times the run's total step time: how many long steps the machine alone accounts for. The MMU columns are of these same runs, whose per-step CPU and kernel readings (four system calls between steps) count as mutator time and raise them: RESULTS.md's MMU section measures without those readings.\n", TOUCHED_BYTES >> 20);
    println!("| workload | mode | steps | p50 ms | p99 ms | max ms | max CPU ms | long (wall / CPU / fault or switch) | expected | machine stalls/s (on CPU) | longest stall ms | MMU 1 ms | MMU 10 ms | MMU 100 ms | cycles |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("workloads");
    let mut workloads = gclox_experiments::workloads::Workload::discover(&dir).expect("workloads");
    if !only.is_empty() {
        workloads.retain(|w| only.contains(&w.name));
        if workloads.len() < only.len() {
            eprintln!(
                "gc-bench pauses: no such workload among {only:?} in {}",
                dir.display()
            );
        }
    }
    for w in &workloads {
        let source = w.program();
        let control = stalls::probe_touching(
            Duration::from_secs(PROBE_SECS),
            LONG_STEP,
            TOUCHED_BYTES,
            TOUCHED_WORDS,
        );
        let on_cpu_rate = control.on_cpu as f64 / control.spun.as_secs_f64();
        for mode in [GcMode::Incremental, GcMode::StopTheWorld] {
            let mut config = Config::default();
            config.gc.mode = mode;
            let r = run(config, &source, 0, StepLog::WithUsage);
            let m = &r.memstats;
            let mmu = [1_000_000, 10_000_000, 100_000_000].map(|w| percent(r.pauses.mmu(w)));
            let cpu_max = r.step_cpu_max.map_or("n/a".to_string(), |d| {
                format!("{:.4}", d.as_secs_f64() * 1e3)
            });
            println!(
                "| {} | {mode} | {} | {:.4} | {:.4} | {:.4} | {cpu_max} | {} / {} / {} | {:.1} | {:.1} ({:.1}) | {:.2} | {} | {} | {} | {} |",
                w.name,
                m.num_pauses,
                m.pause_p50_ns as f64 / 1e6,
                m.pause_p99_ns as f64 / 1e6,
                m.pause_max_ns as f64 / 1e6,
                r.long_step_spans.len(),
                r.long_cpu_steps,
                r.long_kernel_steps,
                control.expected_in(r.pause_total),
                control.rate(),
                on_cpu_rate,
                control.longest.as_secs_f64() * 1e3,
                mmu[0],
                mmu[1],
                mmu[2],
                m.num_gc
            );
        }
    }
    println!();
}

/// Seconds of stall probing before each workload in `pauses`.
const PROBE_SECS: u64 = 3;

fn share(rounds: usize) {
    let source = workload("binary_trees.lox", &[]);
    let mut shares = vec![];
    let mut walls = vec![];
    for _ in 0..rounds {
        let r = run(Config::default(), &source, 0, StepLog::Wall);
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
    let source = workload("binary_trees.lox", &[]);
    let (mut off, mut on) = (vec![], vec![]);
    let wall = |gctrace| {
        let r = run(Config::default(), &source, gctrace, StepLog::Wall);
        r.wall.as_secs_f64()
    };
    for _ in 0..rounds {
        off.push(wall(0));
        on.push(wall(2));
    }
    let (off, on) = (median(&mut off), median(&mut on));
    println!(
        "### gctrace overhead (binary_trees.lox, level 2 lines formatted, {rounds} interleaved rounds)\n\nmedian off {off:.3} s, on {on:.3} s: ratio {:.3}.\n",
        on / off
    );
}

/// A utilization as a percentage, or `n/a` for a window longer than the run.
fn percent(u: Option<f64>) -> String {
    u.map_or("n/a".to_string(), |u| format!("{:.1} %", u * 100.0))
}

/// The MMU curves of binary_trees (`maxDepth` = each of `depths`; the file's own is 14) under
/// both modes, `rounds` runs each, interleaved: a markdown table at round windows (median and
/// range over the rounds) and, per depth, an SVG of each mode's median run (by MMU at 10 ms),
/// drawn by the run report's chart code.
fn mmu(svg_dir: &std::path::Path, rounds: usize, depths: &[u32]) {
    use gclox_runtime::report::model::{PauseSet, RunData};
    let windows: [(&str, u64); 7] = [
        ("100 µs", 100_000),
        ("1 ms", 1_000_000),
        ("4 ms", 4_000_000),
        ("10 ms", 10_000_000),
        ("50 ms", 50_000_000),
        ("100 ms", 100_000_000),
        ("1 s", 1_000_000_000),
    ];
    let rounds = rounds.max(1);
    println!("### Minimum mutator utilization (binary_trees.lox, gogc=100, median [min–max] of {rounds} runs)\n");
    println!(
        "| maxDepth | mode | run s | max pause ms | {} |",
        windows.map(|w| format!("MMU {}", w.0)).join(" | ")
    );
    println!("|---|---|---|---|{}", "---|".repeat(windows.len()));
    for &depth in depths {
        let source = workload("binary_trees.lox", &[])
            .replace("var maxDepth = 14;", &format!("var maxDepth = {depth};"));
        let modes = [GcMode::Incremental, GcMode::StopTheWorld];
        let mut runs: Vec<Vec<gclox_experiments::RunResult>> = vec![vec![], vec![]];
        for _ in 0..rounds {
            for (i, mode) in modes.iter().enumerate() {
                let mut config = Config::default();
                config.gc.mode = *mode;
                runs[i].push(run(config, &source, 0, StepLog::Wall));
            }
        }
        let mut curves = vec![];
        for (mode, results) in modes.iter().zip(&mut runs) {
            let summary = |f: &dyn Fn(&gclox_experiments::RunResult) -> Option<f64>,
                           scale: f64,
                           decimals: usize| {
                let mut v: Vec<f64> = results.iter().filter_map(f).map(|x| x * scale).collect();
                if v.is_empty() {
                    return "n/a".to_string();
                }
                let med = median(&mut v);
                if v.len() == 1 {
                    format!("{med:.decimals$}")
                } else {
                    format!(
                        "{med:.decimals$} [{:.decimals$}–{:.decimals$}]",
                        v[0],
                        v[v.len() - 1]
                    )
                }
            };
            println!(
                "| {depth} | {mode} | {} | {} | {} |",
                summary(&|r| Some(r.pauses.run() as f64 / 1e9), 1.0, 2),
                summary(&|r| Some(r.memstats.pause_max_ns as f64 / 1e6), 1.0, 1),
                windows
                    .map(|w| summary(&|r| r.pauses.mmu(w.1), 100.0, 1))
                    .join(" | ")
            );
            results.sort_by(|a, b| {
                let at = |r: &gclox_experiments::RunResult| r.pauses.mmu(10_000_000).unwrap_or(0.0);
                at(a).total_cmp(&at(b))
            });
            let r = &results[results.len() / 2];
            let data = RunData {
                run_s: r.pauses.run() as f64 / 1e9,
                pauses: Some(PauseSet {
                    kind: "collector step",
                    spans: r
                        .pauses
                        .spans()
                        .iter()
                        .map(|&(a, b)| (a as f64 / 1e9, b as f64 / 1e9))
                        .collect(),
                    what: None,
                    complete: true,
                }),
                ..RunData::default()
            };
            curves.push((format!("{mode}"), data));
        }
        let named: Vec<(&str, &RunData)> = curves.iter().map(|(n, d)| (n.as_str(), d)).collect();
        if let Some(chart) = gclox_runtime::report::charts::mmu(&named) {
            // A standalone file needs the namespace that inline SVG in HTML does without.
            let file = chart.replacen("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 1);
            let path = svg_dir.join(format!("binary_trees_depth{depth}.svg"));
            let written =
                std::fs::create_dir_all(svg_dir).and_then(|()| std::fs::write(&path, file));
            if let Err(e) = written {
                eprintln!("gc-bench: cannot write {}: {e}", path.display());
            }
        }
    }
    println!(
        "\nCurves (each mode's median run by MMU at 10 ms): `{}/binary_trees_depth*.svg`.\n",
        svg_dir.display()
    );
}
