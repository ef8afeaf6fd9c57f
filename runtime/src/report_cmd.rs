//! `gclox report`: the run report from logs, with no script —
//! `gclox report --gctrace LOG -o out.html`, or
//! `gclox report --compare BEFORE.log AFTER.log -o diff.html` — and the pieces `--report`
//! adds to a live run (settings, profile top, leak report).

use std::path::{Path, PathBuf};

use clap::Parser;
use gclox_runtime::report::{compare_page, run_page, GctraceLog, RunData};
use gclox_runtime::Runtime;

use crate::flags::Cli;

/// gclox report: one self-contained HTML page from gctrace logs (gclox's --gctrace output or
/// Go's GODEBUG=gctrace=1 output, mixed with other program output).
#[derive(Parser, Debug)]
#[command(name = "gclox report", version)]
pub struct ReportCli {
    /// A gctrace log to report on.
    #[arg(
        long,
        value_name = "LOG",
        conflicts_with = "compare",
        required_unless_present = "compare"
    )]
    pub gctrace: Option<PathBuf>,

    /// Two gctrace logs, before and after a change: the page puts them side by side.
    #[arg(long, num_args = 2, value_names = ["BEFORE", "AFTER"])]
    pub compare: Option<Vec<PathBuf>>,

    /// Where to write the page.
    #[arg(short, long, value_name = "FILE.html")]
    pub output: PathBuf,
}

/// Runs `gclox report` with `args` (after the word `report`); returns the exit code.
pub fn main(args: Vec<String>) -> u8 {
    let cli =
        match ReportCli::try_parse_from(std::iter::once("gclox report".to_string()).chain(args)) {
            Ok(cli) => cli,
            Err(err) => {
                let rendered = err.to_string();
                let first = rendered.lines().next().unwrap_or("invalid arguments");
                let usage = format!("gclox report: {first} (try 'gclox report --help')");
                return crate::flags::help_or_usage(&err, &usage);
            }
        };
    let html = match (&cli.gctrace, &cli.compare) {
        (Some(log), _) => match load(log) {
            Ok(run) => run_page(&run),
            Err(code) => return code,
        },
        (None, Some(pair)) => match (load(&pair[0]), load(&pair[1])) {
            (Ok(before), Ok(after)) => compare_page(&before, &after),
            (Err(code), _) | (_, Err(code)) => return code,
        },
        (None, None) => unreachable!("clap requires --gctrace or --compare"),
    };
    write_page(&cli.output, &html)
}

/// A log read and parsed; a one-line error (exit 74) if it cannot be read or holds no gc line.
fn load(path: &Path) -> Result<RunData, u8> {
    let text = match std::fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(err) => {
            say!("gclox report: cannot read {}: {err}", path.display());
            return Err(crate::EXIT_IO);
        }
    };
    let log = GctraceLog::parse(&text);
    if log.cycles.is_empty() {
        say!(
            "gclox report: {} has no gctrace 'gc N @…' line ({} lines read)",
            path.display(),
            log.lines
        );
        return Err(crate::EXIT_IO);
    }
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    Ok(RunData::from_gctrace(&name, &log))
}

fn write_page(path: &Path, html: &str) -> u8 {
    match std::fs::write(path, html) {
        Ok(()) => 0,
        Err(err) => {
            say!("gclox report: cannot write {}: {err}", path.display());
            crate::EXIT_IO
        }
    }
}

/// What `--report` adds to a live run's data: the flags that shape the collector, the
/// profile's top sites when sampling is on, the leak report when `--leak-report` asked for it.
pub fn complete_live(run: &mut RunData, runtime: &Runtime, cli: &Cli) {
    let config = cli.config();
    let size = |s: Option<u64>| s.map_or("none".to_string(), |b| format!("{b} B"));
    run.settings = vec![
        ("pacer".into(), config.gc.pacer.to_string()),
        (
            "gogc".into(),
            config.gc.gogc.map_or("off".into(), |g| g.to_string()),
        ),
        ("collector mode".into(), config.gc.mode.to_string()),
        (
            "step budget".into(),
            match config.gc.step_time_budget {
                Some(t) => format!("{t:?}"),
                None => format!("{} objects", config.gc.step_budget),
            },
        ),
        ("memlimit".into(), size(config.gc.memlimit)),
        ("max heap".into(), size(config.gc.max_heap)),
        (
            "min heap".into(),
            config
                .gc
                .min_heap
                .map_or("the pacer's own".into(), |b| format!("{b} B")),
        ),
        (
            "slice (instructions / bytes)".into(),
            format!(
                "{} / {}",
                config.slice_instructions, config.vm.slice_alloc_bytes
            ),
        ),
        (
            "pacer".into(),
            "gclox byte pacer (Go's model: goal, trigger controller, assist ratio)".into(),
        ),
    ];
    if let Some(profile) = runtime.heap_profile() {
        use gclox_gc::pprof::{top, HeapProfile, SampleIndex};
        if let Ok(decoded) = HeapProfile::decode(&profile.encode()) {
            run.profile_top = Some((
                top(&decoded, SampleIndex::InuseSpace, 15),
                top(&decoded, SampleIndex::AllocSpace, 15),
            ));
        }
    }
    if cli.leak_report {
        run.leak_report = Some(runtime.leak_report(10));
    }
}
