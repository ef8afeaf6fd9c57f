//! The `gclox` command: run a Lox file, or start a REPL when no file is given.

use std::process::ExitCode;

use clap::Parser;
use gclox_interp::VmConfig;
use gclox_runtime::{sink, Config, Runtime};

mod repl;

/// Exit code for a command-line usage error.
const EXIT_USAGE: u8 = 64;
/// Exit code when the script file cannot be read.
const EXIT_IO: u8 = 74;

/// gclox: a Lox interpreter whose every value lives in a gc-arena tracing-GC arena.
///
/// Runs SCRIPT, or starts an interactive REPL when no script is given.
/// Exit codes: 0 ok, 64 usage error, 65 compile error, 70 runtime error, 74 unreadable file.
#[derive(Parser, Debug)]
#[command(name = "gclox", version, about, long_about)]
struct Cli {
    /// The Lox script to run. Without it, gclox starts a REPL.
    script: Option<std::path::PathBuf>,

    /// Call depth at which a call fails with "Stack overflow." (clox: 64).
    #[arg(long, value_name = "FRAMES", default_value_t = VmConfig::default().max_frames as u32,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_frames: u32,

    /// Instructions the VM runs per slice before the collector may step.
    #[arg(long, value_name = "N", default_value_t = Config::default().slice_instructions,
          value_parser = clap::value_parser!(u32).range(1..))]
    slice_instructions: u32,

    /// Bytes the VM may allocate per slice before the collector may step.
    #[arg(long, value_name = "BYTES", default_value_t = VmConfig::default().slice_alloc_bytes as u64,
          value_parser = clap::value_parser!(u64).range(1..=(1 << 40)))]
    slice_alloc: u64,

    /// At exit, print heap and collector totals (and peak RSS on Linux) to stderr.
    #[arg(long)]
    stats: bool,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            use clap::error::ErrorKind;
            if matches!(
                err.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) {
                let _ = err.print();
                return ExitCode::SUCCESS;
            }
            let rendered = err.to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            eprintln!("gclox: {first} (try 'gclox --help')");
            return ExitCode::from(EXIT_USAGE);
        }
    };

    let config = Config {
        vm: VmConfig {
            max_frames: cli.max_frames as usize,
            slice_alloc_bytes: usize::try_from(cli.slice_alloc).unwrap_or(usize::MAX),
        },
        slice_instructions: cli.slice_instructions,
    };

    let code = match &cli.script {
        None => repl::run(config),
        Some(path) => run_file(path, config, cli.stats),
    };
    ExitCode::from(code)
}

fn run_file(path: &std::path::Path, config: Config, stats: bool) -> u8 {
    let source = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                eprintln!("File \"{}\" is not valid UTF-8.", path.display());
                return EXIT_IO;
            }
        },
        Err(_) => {
            eprintln!("Could not open file \"{}\".", path.display());
            return EXIT_IO;
        }
    };
    let mut runtime = Runtime::new(config, sink::stdout());
    let result = runtime.run_source(&source);
    let code = match result {
        Ok(()) => 0,
        Err(err) => {
            eprint!("{err}");
            err.exit_code() as u8
        }
    };
    if stats {
        print_stats(&runtime);
    }
    code
}

fn print_stats(runtime: &Runtime) {
    let s = runtime.stats();
    eprintln!(
        "gclox: {} objects ({} bytes) allocated, {} live, {} interned strings",
        s.allocated_objects, s.allocated_bytes, s.live_objects, s.interned_strings
    );
    eprintln!(
        "gclox: {} GC cycles, {} steps, {:.3} ms total pause, {:.3} ms longest step",
        s.gc.cycles,
        s.gc.steps,
        s.gc.pause_total.as_secs_f64() * 1e3,
        s.gc.longest_step.as_secs_f64() * 1e3
    );
    if let Some(kib) = peak_rss_kib() {
        eprintln!("gclox: peak RSS {kib} KiB");
    }
}

/// Peak resident set size of this process (Linux: `VmHWM` in /proc/self/status).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
