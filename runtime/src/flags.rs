//! The command line: every flag, its environment variable, and the value parsers.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use gclox_gc::{AllocColor, GcConfig, GcMode, PacerKind};
use gclox_interp::VmConfig;
use gclox_runtime::{Config, WriteAccess};

/// gclox: a Lox interpreter whose every value lives in a gc-arena tracing-GC arena
///
/// Runs SCRIPT, or starts an interactive REPL when no script is given.
/// Exit codes: 0 ok, 64 usage error, 65 compile error, 70 runtime error (timeout included),
/// 74 unreadable file or closed stdout, 130 SIGINT, 143 SIGTERM (docs/security.md).
/// Sizes take Go's units: B, KiB, MiB, GiB, TiB (e.g. 64MiB); a bare number is bytes.
// No `about`: clap then takes both `-h`'s summary and `--help`'s text from this comment, so
// the two open alike (`about` alone would take the crate's description instead).
#[derive(Parser, Debug)]
#[command(name = "gclox", version)]
pub struct Cli {
    /// The Lox script to run. Without it, gclox starts a REPL.
    pub script: Option<PathBuf>,

    /// Heap growth, in percent of the live heap after the last collection, before the next
    /// collection's goal (like GOGC); `off` disables the growth trigger.
    #[arg(long, env = "GCLOX_GOGC", value_name = "PERCENT|off", default_value = "100",
          allow_negative_numbers = true, value_parser = parse_gogc)]
    pub gogc: Gogc,

    /// Soft limit on all memory the runtime holds (like GOMEMLIMIT): heap, stacks, globals and
    /// the process's resident growth beyond them. The collector runs more often near it; the
    /// GC CPU limiter keeps collection near half the time when the limit is below the live heap.
    #[arg(long, env = "GCLOX_MEMLIMIT", value_name = "SIZE", value_parser = parse_size)]
    pub memlimit: Option<u64>,

    /// Hard limit on the memory a script makes the runtime hold: the live heap, the value
    /// stack, frames, globals and their names, the script's text and compiled code, the heap
    /// profiler's sites. What does not fit after a full collection fails the script with
    /// "Out of memory." (exit 70).
    #[arg(long, env = "GCLOX_MAX_HEAP", value_name = "SIZE", value_parser = parse_size)]
    pub max_heap: Option<u64>,

    /// The heap goal never falls below this (default: the pacer's own minimum; go119 and
    /// go117: 4MiB × gogc/100 as Go; clox: 1MiB; lua54: none).
    #[arg(long, env = "GCLOX_MIN_HEAP", value_name = "SIZE", value_parser = parse_size)]
    pub min_heap: Option<u64>,

    /// The pacing policy: go119 (Go 1.19's pacer), go117 (a trigger-ratio controller, Go up
    /// to 1.17), lua54 (Lua 5.4's pause and stepmul) or clox (stop the world at next_gc).
    #[arg(
        long,
        env = "GCLOX_PACER",
        value_name = "NAME",
        default_value = "go119"
    )]
    pub pacer: PacerKind,

    /// incremental: marking and sweeping in bounded steps between VM slices; stw: a whole
    /// collection at once when the heap reaches its goal.
    #[arg(
        long,
        env = "GCLOX_GC_MODE",
        value_name = "MODE",
        default_value = "incremental"
    )]
    pub gc_mode: GcMode,

    /// Most work one incremental collector step may do: a number of objects traced or swept
    /// (default 1024, per 64 KiB of --slice-alloc), or a wall time (e.g. 100us, 1ms). Bounds
    /// the pause.
    #[arg(long, env = "GCLOX_GC_STEP_BUDGET", value_name = "OBJECTS|DURATION",
          default_value = "1024", value_parser = parse_step_budget)]
    pub gc_step_budget: StepBudget,

    /// Color of objects allocated while a cycle marks: black (they survive it, as in Go) or
    /// white (garbage made while marking dies in the same cycle, as in Lua and clox).
    /// Default: black for the go119 and go117 pacers, white for lua54 and clox.
    #[arg(long, env = "GCLOX_GC_ALLOC_COLOR", value_name = "COLOR")]
    pub gc_alloc_color: Option<AllocColor>,

    /// Print one line per collection cycle on stderr in Go's gctrace shape; `--gctrace 2` (or
    /// `--gctrace=2`) adds a detail line per cycle. A script named 0, 1 or 2 runs as `./2`.
    #[arg(long, env = "GCLOX_GCTRACE", value_name = "LEVEL", num_args = 0..=1,
          default_value = "0", default_missing_value = "1", require_equals = true,
          value_parser = clap::value_parser!(u8).range(0..=2))]
    pub gctrace: u8,

    /// Print the pacer's plan at each cycle's start and its outcome at the end (like
    /// gcpacertrace).
    #[arg(long, env = "GCLOX_GCPACERTRACE")]
    pub gcpacertrace: bool,

    /// Run a full collection after every allocating instruction (clox's DEBUG_STRESS_GC).
    #[arg(long, env = "GCLOX_GC_STRESS")]
    pub gc_stress: bool,

    /// Call depth at which a call fails with "Stack overflow." (clox: 64).
    #[arg(long, value_name = "FRAMES", default_value_t = VmConfig::default().max_frames as u32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_frames: u32,

    /// Instructions the VM runs per slice before the collector may step. Above 64, a slice
    /// ends at the first backward jump, call or return after N instructions (checking only
    /// there keeps the dispatch loop short); up to 64 (and with --max-instructions or --gc-stress), exactly.
    #[arg(long, value_name = "N", default_value_t = Config::default().slice_instructions,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub slice_instructions: u32,

    /// Bytes the VM may allocate per slice before the collector may step.
    #[arg(long, value_name = "SIZE", default_value = "64KiB", value_parser = parse_size)]
    pub slice_alloc: u64,

    /// Heap-profile sampling: on average one sampled allocation per this many bytes (Go's
    /// MemProfileRate; 1 samples every allocation, 0 turns sampling off).
    #[arg(long, env = "GCLOX_MEMPROFILERATE", value_name = "BYTES", default_value_t = 512 * 1024)]
    pub memprofilerate: u64,

    /// At exit, write a gzipped pprof heap profile (opens in `go tool pprof`).
    #[arg(long, value_name = "FILE")]
    pub memprofile: Option<PathBuf>,

    /// At exit, write a heap snapshot in V8's `.heapsnapshot` format (Chrome DevTools' Memory
    /// tab: retainers and dominators).
    #[arg(long, value_name = "FILE")]
    pub heapsnapshot: Option<PathBuf>,

    /// At exit, print a leak report on stderr: the objects retaining the most memory and the
    /// shortest reference path from a root to each.
    #[arg(long)]
    pub leak_report: bool,

    /// Print a leak report the first time the live heap exceeds --memlimit.
    #[arg(long, requires = "memlimit")]
    pub leak_report_on_memlimit: bool,

    /// Print the top allocation sites of a heap profile written by --memprofile (like
    /// `go tool pprof -top`) and exit; no script runs.
    #[arg(long, value_name = "PROFILE", conflicts_with = "script")]
    pub profile_top: Option<PathBuf>,

    /// Which values --profile-top ranks by: inuse_space, inuse_objects, alloc_space or
    /// alloc_objects.
    #[arg(long, value_name = "NAME", default_value = "inuse_space")]
    pub sample_index: gclox_gc::pprof::SampleIndex,

    /// Sample the heap's statistics from another thread into a CSV time series (timestamp,
    /// live heap, goal, objects, cycles, pauses, phase) while the script runs.
    #[arg(long, value_name = "FILE")]
    pub memstats_csv: Option<PathBuf>,

    /// How often --memstats-csv samples.
    #[arg(long, value_name = "DURATION", default_value = "10ms",
          value_parser = parse_positive_duration)]
    pub memstats_interval: Duration,

    /// Write an execution trace (Chrome Trace Event JSON: open it in Perfetto UI or
    /// chrome://tracing) of every VM slice, collector step and cycle.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,

    /// Most events the trace keeps (the file notes how many were dropped after that).
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub trace_max_events: usize,

    /// Print each function's bytecode on stdout before the script runs, in the format of
    /// clox's DEBUG_PRINT_CODE (functions as they finish compiling, the script last).
    #[arg(long)]
    pub print_code: bool,

    /// Stop the script with "Instruction limit exceeded." after this many instructions.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_instructions: Option<u64>,

    /// Stop the script with "Time limit exceeded." after this much wall time (e.g. 500ms,
    /// 2s, 1.5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_positive_duration)]
    pub timeout: Option<Duration>,

    /// Let scripts write files (`__writeheapprofile`, `__heapsnapshot`): anywhere the process
    /// may, or with `--allow-write=DIR` only inside DIR (paths resolved, `..` and symlinks
    /// kept inside). Denied by default; the output flags (--memprofile …) are always allowed.
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = true,
          default_missing_value = "", value_parser = parse_allow_write)]
    pub allow_write: Option<WriteAccess>,

    /// At exit, print heap and collector totals, MMU at 1/10/100 ms (and peak RSS on Linux)
    /// to stderr.
    #[arg(long)]
    pub stats: bool,

    /// At exit, write the run report: one self-contained HTML page (summary, heap over time,
    /// pauses, MMU curve, top allocation sites, and top retainers with --leak-report).
    /// `gclox report --help` builds the same page from gctrace logs.
    #[arg(long, value_name = "FILE.html", requires = "script")]
    pub report: Option<PathBuf>,
}

impl Cli {
    pub fn config(&self) -> Config {
        Config {
            vm: VmConfig {
                max_frames: self.max_frames as usize,
                slice_alloc_bytes: usize::try_from(self.slice_alloc.max(1)).unwrap_or(usize::MAX),
                memprofile_rate: self.memprofilerate,
                script_name: self
                    .script
                    .as_ref()
                    .map_or("<repl>".to_string(), |p| p.display().to_string()),
                write_access: self.allow_write.clone().unwrap_or_default(),
                // Set by the runtime from the pacer.
                ..VmConfig::default()
            },
            gc: GcConfig {
                gogc: self.gogc.0,
                memlimit: self.memlimit,
                max_heap: self.max_heap,
                min_heap: self.min_heap,
                pacer: self.pacer,
                mode: self.gc_mode,
                step_budget: match self.gc_step_budget {
                    StepBudget::Objects(n) => n,
                    // A time budget alone bounds the step: no object cap below it.
                    StepBudget::Time(_) => u64::MAX >> 1,
                },
                step_time_budget: match self.gc_step_budget {
                    StepBudget::Objects(_) => None,
                    StepBudget::Time(t) => Some(t),
                },
                stress: self.gc_stress,
                alloc_color: self.gc_alloc_color,
                ..GcConfig::default()
            },
            slice_instructions: self.slice_instructions,
            max_instructions: self.max_instructions,
            timeout: self.timeout,
            leak_report_on_memlimit: self.leak_report_on_memlimit,
        }
    }
}

/// The command line with `--gctrace LEVEL` joined into `--gctrace=LEVEL` when LEVEL is 0, 1
/// or 2. clap cannot take an optional value after a space without also taking the script in
/// `gclox --gctrace script.lox` as the value, so the flag requires `=` and this rewrite lets
/// the space form through for exactly the values a level can have. Arguments after `--` are
/// left alone.
pub fn join_gctrace_level(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        if arg == "--" {
            out.push(arg);
            out.extend(args);
            break;
        }
        let level = args
            .peek()
            .filter(|next| ["0", "1", "2"].iter().any(|l| *next == l))
            .cloned();
        match level {
            Some(level) if arg == "--gctrace" => {
                args.next();
                let mut joined = OsString::from("--gctrace=");
                joined.push(level);
                out.push(joined);
            }
            _ => out.push(arg),
        }
    }
    out
}

/// A usage error as one line: clap's message, its "did you mean" suggestion when it has one
/// (a misspelled flag), and where to look for help.
pub fn usage_error(err: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let rendered = err.to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let suggestion = [ContextKind::SuggestedArg, ContextKind::SuggestedValue]
        .into_iter()
        .find_map(|kind| match err.get(kind) {
            Some(ContextValue::String(s)) => Some(s.clone()),
            Some(ContextValue::Strings(v)) if !v.is_empty() => Some(v.join("' or '")),
            _ => None,
        });
    match suggestion {
        Some(s) => format!("gclox: {first}; did you mean '{s}'? (try 'gclox --help')"),
        None => format!("gclox: {first} (try 'gclox --help')"),
    }
}

/// What a command does when clap refuses its arguments: `--help` and `--version` print and
/// succeed (exit 0); anything else prints the one-line `usage` and is a usage error (exit 64).
pub fn help_or_usage(err: &clap::Error, usage: &str) -> u8 {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = err.print();
        return 0;
    }
    say!("{usage}");
    crate::EXIT_USAGE
}

/// A step budget: objects, or a wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepBudget {
    Objects(u64),
    Time(Duration),
}

fn parse_step_budget(s: &str) -> Result<StepBudget, String> {
    if let Ok(n) = s.trim().parse::<u64>() {
        return match n {
            0 => Err("a step budget must be at least 1 object".to_string()),
            n => Ok(StepBudget::Objects(n)),
        };
    }
    parse_positive_duration(s)
        .map(StepBudget::Time)
        .map_err(|_| {
            format!("'{s}' is neither a number of objects nor a duration (e.g. 1024, 100us)")
        })
}

/// A duration: a number (decimals allowed) and a unit: us, ms, s, m or h.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number
        .parse()
        .map_err(|_| format!("'{s}' is not a duration (e.g. 500ms, 2s)"))?;
    let seconds = match unit {
        "us" | "µs" => n / 1e6,
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("'{s}' needs a unit: us, ms, s, m or h")),
    };
    let d = Duration::try_from_secs_f64(seconds).map_err(|_| format!("'{s}' is out of range"))?;
    // Every duration flag is added to the clock somewhere (a deadline, the next sample): a
    // year is far beyond any run and far below what `Instant` can hold.
    if d > MAX_DURATION {
        return Err(format!("'{s}' is out of range (at most a year)"));
    }
    Ok(d)
}

/// The longest duration a flag takes.
const MAX_DURATION: Duration = Duration::from_secs(365 * 24 * 3600);

/// A duration as [`parse_duration`] reads it, which must not be zero.
pub fn parse_positive_duration(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d.is_zero() => Err(format!("'{s}' must be longer than zero")),
        d => Ok(d),
    }
}

/// `--allow-write` (empty: anywhere) or `--allow-write=DIR` (an existing directory).
fn parse_allow_write(s: &str) -> Result<WriteAccess, String> {
    if s.is_empty() {
        return Ok(WriteAccess::Anywhere);
    }
    WriteAccess::inside(std::path::Path::new(s))
}

/// A gogc setting: a percentage, or `None` for off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gogc(pub Option<u32>);

fn parse_gogc(s: &str) -> Result<Gogc, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(Gogc(None));
    }
    match s.parse::<i64>() {
        Ok(n) if n < 0 => Ok(Gogc(None)),
        Ok(n) => u32::try_from(n)
            .map(|n| Gogc(Some(n)))
            .map_err(|_| format!("{s} is too large")),
        Err(_) => Err(format!("'{s}' is not a percentage or 'off'")),
    }
}

/// A size in bytes with an optional Go unit: B, KiB, MiB, GiB, TiB.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{s}' is not a size (e.g. 64MiB)"))?;
    let shift = match unit {
        "" | "B" => 0,
        "KiB" => 10,
        "MiB" => 20,
        "GiB" => 30,
        "TiB" => 40,
        _ => {
            return Err(format!(
                "unknown unit '{unit}' (use B, KiB, MiB, GiB or TiB)"
            ))
        }
    };
    n.checked_mul(1u64 << shift)
        .ok_or_else(|| format!("'{s}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_go_units() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert!(parse_size("64MB").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    #[test]
    fn durations_need_a_unit() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("10").is_err());
        assert!(parse_duration("1e999s").is_err());
        assert!(parse_duration("2600000000000000h").is_err());
        assert!(parse_duration("8760h").is_ok());
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
        assert!(parse_positive_duration("0s").is_err());
        assert!(parse_positive_duration("0.0000000001ms").is_err());
        assert_eq!(parse_positive_duration("1ms"), Ok(Duration::from_millis(1)));
    }

    #[test]
    fn step_budgets_are_objects_or_time() {
        assert_eq!(parse_step_budget("1024"), Ok(StepBudget::Objects(1024)));
        assert_eq!(
            parse_step_budget("100us"),
            Ok(StepBudget::Time(Duration::from_micros(100)))
        );
        assert!(parse_step_budget("0").is_err());
        assert!(parse_step_budget("0us").is_err());
        assert!(parse_step_budget("fast").is_err());
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let args = std::iter::once("gclox")
            .chain(args.iter().copied())
            .map(OsString::from);
        Cli::try_parse_from(join_gctrace_level(args))
    }

    #[test]
    fn gctrace_takes_a_level_with_or_without_equals_and_leaves_the_script_alone() {
        let cli = parse(&["--gctrace", "2", "x.lox"]).expect("parses");
        assert_eq!((cli.gctrace, cli.script), (2, Some(PathBuf::from("x.lox"))));
        assert_eq!(parse(&["--gctrace=2"]).expect("parses").gctrace, 2);
        let cli = parse(&["--gctrace", "x.lox"]).expect("parses");
        assert_eq!((cli.gctrace, cli.script), (1, Some(PathBuf::from("x.lox"))));
        let cli = parse(&["--gctrace", "--stats", "x.lox"]).expect("parses");
        assert_eq!((cli.gctrace, cli.stats), (1, true));
        assert_eq!(parse(&[]).expect("parses").gctrace, 0);
        // Not a level: stays the script, and `--` ends the rewriting.
        let cli = parse(&["--gctrace", "3"]).expect("parses");
        assert_eq!((cli.gctrace, cli.script), (1, Some(PathBuf::from("3"))));
        let cli = parse(&["--gctrace", "--", "2"]).expect("parses");
        assert_eq!((cli.gctrace, cli.script), (1, Some(PathBuf::from("2"))));
    }

    #[test]
    fn a_misspelled_flag_gets_a_suggestion() {
        let err = parse(&["--gctrce", "x.lox"]).expect_err("unknown flag");
        let message = usage_error(&err);
        assert!(message.contains("'--gctrce'"), "{message}");
        assert!(message.contains("did you mean '--gctrace'?"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let err = parse(&["--max-heap", "lots"]).expect_err("bad size");
        assert!(!usage_error(&err).contains("did you mean"));
    }

    #[test]
    fn gogc_accepts_off_and_negative() {
        assert_eq!(parse_gogc("off"), Ok(Gogc(None)));
        assert_eq!(parse_gogc("-1"), Ok(Gogc(None)));
        assert_eq!(parse_gogc("250"), Ok(Gogc(Some(250))));
        assert!(parse_gogc("fast").is_err());
    }
}
