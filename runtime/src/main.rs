//! The `gclox` command: run a Lox file, or start a REPL when no file is given.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use std::time::{Duration, Instant};

use gclox_runtime::report::Recorder;
use gclox_runtime::{sink, Config, Runtime};

/// `eprintln!` that cannot panic: stderr may be a closed pipe (`gclox x.lox 2>&1 | head -1`),
/// and a message that cannot be shown is no reason to abort. `say!` ends the line,
/// `say_part!` does not.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

use deadline::Deadlines;
use flags::Cli;
use gclox_runtime::scavenger;
use signals::SignalWatch;
use stdout_watch::StdoutWatch;

mod cut_short;
mod deadline;
mod flags;
mod repl;
mod report_cmd;
mod signals;
mod stdout_watch;

/// mimalloc instead of the system allocator: every script object is one allocation and every
/// sweep frees one per dead object, so malloc/free speed is collector and mutator speed
/// (see BENCHMARKS.md for the measurement; `allocator.rs` for the word-aligned fast path).
/// Built with `no_thp`: on kernels with transparent huge pages `always`, mimalloc's eagerly
/// committed arena otherwise comes back as 2 MiB pages, which raised the resident floor of
/// `print 1;` from 3.6 MB to 9.7 MB and made peak RSS vary by up to 9 MB between identical
/// runs — noise in the very numbers users measure.
#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

/// How often `--report` samples the heap and RSS between cycle records.
const REPORT_SAMPLE_INTERVAL: Duration = Duration::from_millis(10);

/// Exit code for a command-line usage error.
const EXIT_USAGE: u8 = 64;
/// Exit code when the script file cannot be read.
const EXIT_IO: u8 = 74;

fn main() -> ExitCode {
    // `--timeout` counts from here: reading and compiling the script are part of the run.
    let start = Instant::now();
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
    // Before the script allocates: a purge mimalloc scheduled under its own delay would still
    // run inside a `free` when that delay ends.
    if scavenger::start(cli.memlimit.is_some()).is_err() {
        say!("gclox: cannot start the scavenger thread; freed memory is returned from sweeps");
    }

    if cli.memprofile.is_some() && cli.memprofilerate == 0 {
        say!(
            "gclox: --memprofile needs sampling on, but --memprofilerate is 0 (try 'gclox --help')"
        );
        return ExitCode::from(EXIT_USAGE);
    }
    if let Some(profile) = &cli.profile_top {
        return ExitCode::from(profile_top(profile, &cli));
    }
    let code = match &cli.script {
        None => repl::run(new_runtime(&cli, sink::stdout())),
        Some(path) => run_file(path, &cli, start),
    };
    ExitCode::from(code)
}

/// A runtime configured by the flags, printing to `out`, with telemetry on stderr.
fn new_runtime(cli: &Cli, out: Box<dyn Write>) -> Runtime {
    let config: Config = cli.config();
    let mut runtime = Runtime::new(config, out);
    if cli.memlimit.is_some() {
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
        let mut memprofile = open(&cli.memprofile, "heap profile")?;
        let mut heapsnapshot = open(&cli.heapsnapshot, "heap snapshot")?;
        // Valid files from the start: whatever ends the process, they never hold half a file.
        if let Some((path, file)) = &mut memprofile {
            cut_short::placeholder_profile(file, cli.memprofilerate)
                .map_err(|err| format!("cannot write heap profile {}: {err}", path.display()))?;
        }
        if let Some((path, file)) = &mut heapsnapshot {
            cut_short::placeholder_snapshot(file)
                .map_err(|err| format!("cannot write heap snapshot {}: {err}", path.display()))?;
        }
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
    /// the run's record when `--report` asked for one. Past `deadline` (`--timeout`'s, for
    /// outputs) the profile, snapshot and leak report stop and say so.
    fn write(
        self,
        runtime: &mut Runtime,
        cli: &Cli,
        recorder: Option<Recorder>,
        deadline: Option<Instant>,
    ) -> u8 {
        let mut failed = 0;
        let mut report = |what: &str, path: &Path, written: std::io::Result<()>| {
            if let Err(err) = written {
                say!("gclox: cannot write {what} {}: {err}", path.display());
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
        // The trace first: its end is cheap but must be written for the file to be JSON, and
        // outputs cut short below leave their workers running, which would compete with it.
        if let Some(path) = self.trace {
            let lagged = runtime.trace_lagged();
            report("trace", &path, runtime.finish_trace());
            if lagged > 0 {
                say!(
                    "gclox: trace {}: {lagged} events dropped because its writer fell behind \
                     (otherData.dropped_writer_behind)",
                    path.display()
                );
            }
        }
        if let Some((path, file)) = self.memprofile {
            let written = match runtime.heap_profile() {
                Some(profile) => cut_short::write_profile(file, &path, profile, deadline),
                None => Err(std::io::Error::other("sampling is off")),
            };
            report("heap profile", &path, written);
        }
        // A graph the deadline cut short is `None` (the output says so); one that would not
        // fit under `--max-heap` is an error (exit 70).
        let graph = |runtime: &Runtime| match runtime.bounded_heap_graph(deadline) {
            Ok(graph) => Ok(Some(graph)),
            Err(err) if err.kind() == std::io::ErrorKind::TimedOut => Ok(None),
            Err(err) => Err(err),
        };
        if let Some((path, file)) = self.heapsnapshot {
            let written = graph(runtime)
                .and_then(|graph| cut_short::write_snapshot(file, &path, graph, deadline));
            report("heap snapshot", &path, written);
        }
        if cli.leak_report {
            match graph(runtime).map(|graph| cut_short::leak_report(graph, deadline)) {
                Ok(Some(text)) => say_part!("gclox: leak report (at exit)\n{text}"),
                Ok(None) => {
                    say!("gclox: leak report (at exit) cut short: the --timeout deadline passed")
                }
                Err(err) => say!("gclox: leak report (at exit) not made: {err}"),
            }
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
                say!(
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

fn run_file(path: &Path, cli: &Cli, start: Instant) -> u8 {
    let deadlines = Deadlines::new(start, cli.timeout);
    if let Some(d) = &deadlines {
        d.start_watchdog();
    }
    // The script's text counts against the hard heap limit: a file larger than the limit is
    // refused before it is read.
    let too_large = |max: u64| std::fs::metadata(path).is_ok_and(|m| m.len() > max);
    if cli.max_heap.is_some_and(too_large) {
        say!("Out of memory.");
        return gclox_interp::error::EXIT_RUNTIME_ERROR as u8;
    }
    let source = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => {
                say!("File \"{}\" is not valid UTF-8.", path.display());
                return EXIT_IO;
            }
        },
        Err(_) => {
            say!("Could not open file \"{}\".", path.display());
            return EXIT_IO;
        }
    };
    let stdout = StdoutWatch::new();
    let mut runtime = new_runtime(cli, stdout.sink());
    stdout.interrupt_on_failure(runtime.interrupt_handle());
    runtime.set_deadline(deadlines.map(|d| d.script));
    let signals = match SignalWatch::for_run(runtime.interrupt_handle()) {
        Ok(watch) => Some(watch),
        Err(err) => {
            say!("gclox: cannot watch for signals: {err}");
            None
        }
    };
    let outputs = match Outputs::create(cli, &mut runtime) {
        Ok(outputs) => outputs,
        Err(message) => {
            say!("gclox: {message}");
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
                    say!("gclox: cannot write {}: {err}", path.display());
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
                say!(
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
    let output_deadline = deadlines.map(|d| d.outputs);
    let stdout_failure = stdout.failure();
    let mut code = match result {
        Ok(()) => 0,
        // The interrupt that a failed stdout asked for: its own line below says it all.
        Err(err) if stdout_failure.is_some() && is_interrupt(&err) => EXIT_IO,
        Err(err) => {
            let _ =
                deadline::print_error_until(&mut std::io::stderr().lock(), &err, output_deadline);
            err.exit_code() as u8
        }
    };
    if let Some(Err(err)) = sampled {
        say!("gclox: memstats CSV: {err}");
        if code == 0 {
            code = EXIT_IO;
        }
    }
    let written = outputs.write(&mut runtime, cli, recorder, output_deadline);
    if code == 0 {
        code = written;
    }
    if cli.stats {
        print_stats(&runtime);
    }
    // Output the script printed at the very end fails only now, at the last flush.
    runtime.flush_output();
    if let Some(line) = stdout.failure() {
        say!("{line}");
        if code == 0 || stdout_failure.is_some() {
            code = EXIT_IO;
        }
    }
    // Freeing a large heap object by object takes a while (0.1 s for 1.5 M objects) that
    // `--timeout` would have to cover; the process is ending, so the OS frees it at once.
    std::mem::forget(runtime);
    // A signal decides the exit code, as it would have had it killed the process.
    signals.and_then(|s| s.exit_code()).unwrap_or(code)
}

/// Whether `err` is the runtime's "Interrupted." (which the CLI asks for on a failed stdout
/// and on signals).
fn is_interrupt(err: &gclox_runtime::LoxError) -> bool {
    matches!(err, gclox_runtime::LoxError::Runtime { message, .. } if message == "Interrupted.")
}

/// `--profile-top`: a readable summary of a profile without Go installed.
fn profile_top(path: &Path, cli: &Cli) -> u8 {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(_) => {
            say!("Could not open file \"{}\".", path.display());
            return EXIT_IO;
        }
    };
    match gclox_gc::pprof::HeapProfile::decode(&bytes) {
        Ok(profile) => {
            print!("{}", gclox_gc::pprof::top(&profile, cli.sample_index, 20));
            0
        }
        Err(err) => {
            say!("gclox: {} is not a heap profile: {err}", path.display());
            EXIT_IO
        }
    }
}

fn print_stats(runtime: &Runtime) {
    let s = runtime.stats();
    let m = runtime.memstats();
    say!(
        "gclox: {} objects ({} bytes) allocated, {} live ({} bytes), {} interned strings",
        m.mallocs,
        m.total_alloc,
        m.heap_objects,
        m.heap_alloc,
        s.interned_strings
    );
    say!(
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
    say!("gclox: MMU {}", mmu.join(", "));
    if let Some(kib) = gclox_runtime::rss::peak_resident_kib() {
        say!("gclox: peak RSS {kib} KiB");
    }
}
