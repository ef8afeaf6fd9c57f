//! The `gclox` command: run a Lox file, or start a REPL when no file is given.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use std::time::{Duration, Instant};

use gclox_runtime::report::Recorder;
use gclox_runtime::{sink, Config, Runtime};

use flags::Cli;

mod flags;
mod repl;
mod report_cmd;
mod scavenger;

/// mimalloc instead of the system allocator: every script object is one allocation and every
/// sweep frees one per dead object, so malloc/free speed is collector and mutator speed
/// (see BENCHMARKS.md for the measurement). Built with `no_thp`: on kernels with transparent
/// huge pages `always`, mimalloc's eagerly committed arena otherwise comes back as 2 MiB pages,
/// which raised the resident floor of `print 1;` from 3.6 MB to 9.7 MB and made peak RSS vary
/// by up to 9 MB between identical runs — noise in the very numbers users measure.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How often `--report` samples the heap and RSS between cycle records.
const REPORT_SAMPLE_INTERVAL: Duration = Duration::from_millis(10);

/// Exit code for a command-line usage error.
const EXIT_USAGE: u8 = 64;
/// Exit code when the script file cannot be read.
const EXIT_IO: u8 = 74;

fn main() -> ExitCode {
    // `gclox report …` reads logs instead of running a script (a script named `report` runs
    // as `gclox ./report`).
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("report") {
        return ExitCode::from(report_cmd::main(args[2..].to_vec()));
    }
    let cli = match Cli::try_parse_from(flags::join_gctrace_level(std::env::args_os())) {
        Ok(cli) => cli,
        Err(err) => {
            return ExitCode::from(flags::help_or_usage(&err, &flags::usage_error(&err)));
        }
    };

    if cli.memprofile.is_some() && cli.memprofilerate == 0 {
        eprintln!(
            "gclox: --memprofile needs sampling on, but --memprofilerate is 0 (try 'gclox --help')"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    if let Some(profile) = &cli.profile_top {
        return ExitCode::from(profile_top(profile, &cli));
    }
    let code = match &cli.script {
        None => repl::run(new_runtime(&cli)),
        Some(path) => run_file(path, &cli),
    };
    ExitCode::from(code)
}

/// A runtime configured by the flags, printing to stdout, with telemetry on stderr.
fn new_runtime(cli: &Cli) -> Runtime {
    let config: Config = cli.config();
    let mut runtime = Runtime::new(config, sink::stdout());
    if cli.memlimit.is_some() {
        scavenger::purge_eagerly();
        runtime.set_memory_probe(gclox_runtime::rss::resident_probe());
    }
    runtime.set_gctrace(cli.gctrace, cli.gcpacertrace, Box::new(std::io::stderr()));
    runtime.set_print_code(cli.print_code);
    runtime
}

/// The files the flags ask for at exit, created before the script runs so that a path that
/// cannot be written fails at once (exit 74) instead of after a long run.
struct Outputs {
    memprofile: Option<(PathBuf, File)>,
    heapsnapshot: Option<(PathBuf, File)>,
    /// The run report (`--report`), written after the run.
    report: Option<(PathBuf, File)>,
    /// Streamed into its file while the script runs; only the path is kept, for errors.
    trace: Option<PathBuf>,
}

impl Outputs {
    /// Creates every file, and starts streaming the trace into its own through `runtime`.
    fn create(cli: &Cli, runtime: &mut Runtime) -> Result<Outputs, String> {
        let open = |path: &Option<PathBuf>, what: &str| match path {
            None => Ok(None),
            Some(path) => File::create(path)
                .map(|file| Some((path.clone(), file)))
                .map_err(|err| format!("cannot write {what} {}: {err}", path.display())),
        };
        let memprofile = open(&cli.memprofile, "heap profile")?;
        let heapsnapshot = open(&cli.heapsnapshot, "heap snapshot")?;
        let report = open(&cli.report, "report")?;
        let trace = match open(&cli.trace, "trace")? {
            None => None,
            Some((path, file)) => {
                runtime
                    .stream_trace(cli.trace_max_events, file)
                    .map_err(|err| format!("cannot write trace {}: {err}", path.display()))?;
                Some(path)
            }
        };
        Ok(Outputs {
            memprofile,
            heapsnapshot,
            report,
            trace,
        })
    }

    /// Writes every file. Returns 0, or (after saying why) the exit code of a file that could
    /// not be written: 70 when it would not fit under `--max-heap`, else 74. `recorder` holds
    /// the run's record when `--report` asked for one.
    fn write(self, runtime: &mut Runtime, cli: &Cli, recorder: Option<Recorder>) -> u8 {
        let mut failed = 0;
        let mut report = |what: &str, path: &Path, written: std::io::Result<()>| {
            if let Err(err) = written {
                eprintln!("gclox: cannot write {what} {}: {err}", path.display());
                let code = match err.kind() {
                    std::io::ErrorKind::OutOfMemory => {
                        gclox_interp::error::EXIT_RUNTIME_ERROR as u8
                    }
                    _ => EXIT_IO,
                };
                if failed == 0 {
                    failed = code;
                }
            }
        };
        if let Some((path, mut file)) = self.memprofile {
            let written = match runtime.heap_profile() {
                Some(profile) => file.write_all(&profile.encode()),
                None => Err(std::io::Error::other("sampling is off")),
            };
            report("heap profile", &path, written);
        }
        if let Some((path, file)) = self.heapsnapshot {
            report(
                "heap snapshot",
                &path,
                runtime.write_heap_snapshot(BufWriter::new(file)),
            );
        }
        if cli.leak_report {
            eprint!("gclox: leak report (at exit)\n{}", runtime.leak_report(10));
        }
        if let Some(path) = self.trace {
            report("trace", &path, runtime.finish_trace());
        }
        if let (Some((path, mut file)), Some(recorder)) = (self.report, recorder) {
            let began = Instant::now();
            let name = cli
                .script
                .as_ref()
                .map_or("<repl>".to_string(), |p| p.display().to_string());
            let mut run = recorder.finish(runtime, &name);
            report_cmd::complete_live(&mut run, runtime, cli);
            let html = gclox_runtime::report::run_page(&run);
            let written = file.write_all(html.as_bytes());
            if cli.stats && written.is_ok() {
                eprintln!(
                    "gclox: report {}: {} bytes written in {:.1} ms",
                    path.display(),
                    html.len(),
                    began.elapsed().as_secs_f64() * 1e3
                );
            }
            report("report", &path, written);
        }
        failed
    }
}

fn run_file(path: &Path, cli: &Cli) -> u8 {
    // The script's text counts against the hard heap limit: a file larger than the limit is
    // refused before it is read.
    let too_large = |max: u64| std::fs::metadata(path).is_ok_and(|m| m.len() > max);
    if cli.max_heap.is_some_and(too_large) {
        eprintln!("Out of memory.");
        return gclox_interp::error::EXIT_RUNTIME_ERROR as u8;
    }
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
    let mut runtime = new_runtime(cli);
    let outputs = match Outputs::create(cli, &mut runtime) {
        Ok(outputs) => outputs,
        Err(message) => {
            eprintln!("gclox: {message}");
            return EXIT_IO;
        }
    };
    let sampler = match &cli.memstats_csv {
        Some(path) => {
            match gclox_runtime::memstats_csv::CsvSampler::start(
                runtime.monitor(),
                path,
                cli.memstats_interval,
            ) {
                Ok(sampler) => Some(sampler),
                Err(err) => {
                    eprintln!("gclox: cannot write {}: {err}", path.display());
                    return EXIT_IO;
                }
            }
        }
        None => None,
    };
    if cli.stats {
        // For the MMU figures, in bounded memory (a long run makes millions of steps).
        runtime.track_mmu();
    }
    let recorder = match &outputs.report {
        Some((path, _)) => match Recorder::start(&mut runtime, REPORT_SAMPLE_INTERVAL) {
            Ok(recorder) => Some(recorder),
            Err(err) => {
                eprintln!(
                    "gclox: cannot start the report's sampler for {}: {err}",
                    path.display()
                );
                return EXIT_IO;
            }
        },
        None => None,
    };
    // The text is dropped once compiled: the running program does not need it.
    let result = runtime.load_source(&source);
    drop(source);
    let result = result.and_then(|()| runtime.run_program());
    let sampled = sampler.map(|s| s.stop());
    let mut code = match result {
        Ok(()) => 0,
        Err(err) => {
            eprint!("{err}");
            err.exit_code() as u8
        }
    };
    if let Some(Err(err)) = sampled {
        eprintln!("gclox: memstats CSV: {err}");
        if code == 0 {
            code = EXIT_IO;
        }
    }
    let written = outputs.write(&mut runtime, cli, recorder);
    if code == 0 {
        code = written;
    }
    if cli.stats {
        print_stats(&runtime);
    }
    code
}

/// `--profile-top`: a readable summary of a profile without Go installed.
fn profile_top(path: &Path, cli: &Cli) -> u8 {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(_) => {
            eprintln!("Could not open file \"{}\".", path.display());
            return EXIT_IO;
        }
    };
    match gclox_gc::pprof::HeapProfile::decode(&bytes) {
        Ok(profile) => {
            print!("{}", gclox_gc::pprof::top(&profile, cli.sample_index, 20));
            0
        }
        Err(err) => {
            eprintln!("gclox: {} is not a heap profile: {err}", path.display());
            EXIT_IO
        }
    }
}

fn print_stats(runtime: &Runtime) {
    let s = runtime.stats();
    let m = runtime.memstats();
    eprintln!(
        "gclox: {} objects ({} bytes) allocated, {} live ({} bytes), {} interned strings",
        m.mallocs, m.total_alloc, m.heap_objects, m.heap_alloc, s.interned_strings
    );
    eprintln!(
        "gclox: {} GC cycles ({} forced), {} steps, {:.3} ms total pause, pause p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms, GC CPU {:.1}%",
        m.num_gc,
        m.num_forced_gc,
        m.num_pauses,
        m.pause_total_ns as f64 / 1e6,
        m.pause_p50_ns as f64 / 1e6,
        m.pause_p99_ns as f64 / 1e6,
        m.pause_max_ns as f64 / 1e6,
        m.gc_cpu_fraction * 100.0
    );
    let mmu: Vec<String> = ["1 ms", "10 ms", "100 ms"]
        .iter()
        .zip(runtime.mmu())
        .map(|(label, u)| match u {
            Some(u) => format!("{label} {:.1}%", u * 100.0),
            None => format!("{label} n/a (run shorter)"),
        })
        .collect();
    eprintln!("gclox: MMU {}", mmu.join(", "));
    if let Some(kib) = gclox_runtime::rss::peak_resident_kib() {
        eprintln!("gclox: peak RSS {kib} KiB");
    }
}
