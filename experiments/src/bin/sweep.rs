//! `sweep`: runs gclox workloads over a grid of collector settings, in parallel isolates,
//! and writes one CSV row per run, one per collection cycle, SVG plots and the provenance.
//!
//! ```text
//! cargo run --release -p gclox-experiments --bin sweep -- run --out sweep-out
//! sweep run --shard 3/8 --out shard-3                # one of 8 shards (Slurm array, GNU parallel)
//! sweep merge --out merged shard-*                   # combine the shards' folders
//! sweep plot merged                                  # redraw the plots from the CSV files
//! ```
//!
//! Exit codes: 0 · 64 usage error · 65 inconsistent input files · 70 some runs failed (all
//! results still written) · 74 a file could not be read or written.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use gclox_experiments::sweep::error::{Result, SweepError, EXIT_RUNS_FAILED, EXIT_USAGE};
use gclox_experiments::sweep::merge::merge;
use gclox_experiments::sweep::plan::{Gogc, Plan, Shard};
use gclox_experiments::sweep::run::{self, Options};
use gclox_experiments::workloads::Workload;
use gclox_experiments::workloads_dir;
use gclox_gc::{GcMode, PacerKind};

#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

#[derive(Parser)]
#[command(
    name = "sweep",
    version,
    about = "Runs gclox workloads over a grid of collector settings and writes CSV, SVG plots and provenance.",
    subcommand_required = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a sweep, or one shard of it.
    Run(RunArgs),
    /// Combine the output folders of the shards of one sweep.
    Merge(MergeArgs),
    /// Redraw the plots of a results folder from its CSV files.
    Plot(PlotArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Workloads, comma-separated: names in --workloads-dir or paths to .lox files
    /// [default: every workload there not marked `// slow`].
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Where workload names are looked up [default: the crate's workloads/ folder].
    #[arg(long)]
    workloads_dir: Option<PathBuf>,
    /// Pacing policies: go119, go117, lua54, clox.
    #[arg(long, value_delimiter = ',', default_value = "go119")]
    pacers: Vec<PacerKind>,
    /// gogc values (percent, or `off`).
    #[arg(long, value_delimiter = ',', default_value = "50,100,200,400")]
    gogc: Vec<Gogc>,
    /// Collector modes: incremental, stw.
    #[arg(long, value_delimiter = ',', default_value = "incremental,stw")]
    modes: Vec<GcMode>,
    /// Step budgets (objects per step) for incremental runs; stw runs ignore them.
    #[arg(long, value_delimiter = ',', default_value = "256,2048,16384",
          value_parser = clap::value_parser!(u64).range(1..))]
    budgets: Vec<u64>,
    /// Repetitions of every configuration (plots show their median).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,
    /// Run only the runs whose id ≡ K (mod N), K counted from 0.
    #[arg(long, value_name = "K/N", default_value = "0/1")]
    shard: Shard,
    /// Runs at once [default: the machine's available parallelism].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    threads: Option<u32>,
    /// Output folder.
    #[arg(long, default_value = "sweep-out")]
    out: PathBuf,
    /// Skip the per-run pause histograms (one SVG per run).
    #[arg(long)]
    no_histograms: bool,
    /// Overwrite earlier results in the output folder.
    #[arg(long)]
    force: bool,
    /// List this shard's runs and stop.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args)]
struct MergeArgs {
    /// Output folder for the merged results.
    #[arg(long)]
    out: PathBuf,
    /// The shards' output folders.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    #[arg(long)]
    no_histograms: bool,
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct PlotArgs {
    /// A folder with runs.csv and cycles.csv.
    dir: PathBuf,
    #[arg(long)]
    no_histograms: bool,
}

fn main() {
    gclox_experiments::scavenge_as_cli();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and --version are not errors; everything else clap rejects is usage.
            std::process::exit(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Run(args) => run_sweep(args),
        Command::Merge(args) => merge_shards(args),
        Command::Plot(args) => run::replot(&args.dir, !args.no_histograms).map(|n| {
            println!(
                "sweep: redrew the plots of {n} runs in {}",
                args.dir.display()
            );
            0
        }),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("sweep: {e}");
            std::process::exit(e.exit_code);
        }
    }
}

fn run_sweep(args: RunArgs) -> Result<i32> {
    let dir = args.workloads_dir.unwrap_or_else(workloads_dir);
    let plan = Plan {
        workloads: Workload::select(&args.workloads, &dir).map_err(SweepError::usage)?,
        pacers: args.pacers,
        gogc: args.gogc,
        modes: args.modes,
        budgets: args.budgets,
        reps: args.reps,
    };
    if plan.modes.contains(&GcMode::Incremental) && plan.budgets.is_empty() {
        return Err(SweepError::usage(
            "incremental runs need at least one --budgets value",
        ));
    }
    if args.dry_run {
        let runs = run::shard_runs(&plan, args.shard);
        println!(
            "# {} of {} runs (shard {})",
            runs.len(),
            plan.runs().len(),
            args.shard
        );
        println!("# run_id workload gogc mode budget rep");
        for r in runs {
            let budget = r.budget.map_or("-".into(), |b| b.to_string());
            let name = &plan.workloads[r.workload].name;
            println!("{} {name} {} {} {budget} {}", r.id, r.gogc, r.mode, r.rep);
        }
        return Ok(0);
    }
    let threads = args
        .threads
        .map_or_else(gclox_runtime::isolates::default_threads, |t| t as usize);
    let options = Options {
        plan,
        shard: args.shard,
        threads,
        out: args.out,
        histograms: !args.no_histograms,
        force: args.force,
    };
    let outcome = run::run(&options)?;
    println!(
        "sweep: {} runs in {:.1} s on {threads} threads -> {}/ (runs.csv, cycles.csv, provenance.txt, plots/{})",
        outcome.runs,
        outcome.wall.as_secs_f64(),
        options.out.display(),
        if options.histograms { ", histograms/" } else { "" }
    );
    if outcome.failed > 0 {
        eprintln!(
            "sweep: {} runs failed; see the exit_code, output_ok and error columns of runs.csv",
            outcome.failed
        );
        return Ok(EXIT_RUNS_FAILED);
    }
    Ok(0)
}

fn merge_shards(args: MergeArgs) -> Result<i32> {
    let merged = merge(&args.shards, &args.out, args.force, !args.no_histograms)?;
    println!(
        "sweep: merged {} runs from {} folders into {}/",
        merged.runs,
        args.shards.len(),
        args.out.display()
    );
    if !merged.missing.is_empty() {
        let shown: Vec<String> = merged
            .missing
            .iter()
            .take(10)
            .map(usize::to_string)
            .collect();
        eprintln!(
            "sweep: warning: {} runs of the sweep are in no input (ids {}{})",
            merged.missing.len(),
            shown.join(", "),
            if merged.missing.len() > 10 {
                ", …"
            } else {
                ""
            }
        );
    }
    Ok(0)
}
