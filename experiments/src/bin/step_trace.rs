//! `step_trace`: runs one workload with the execution trace kept in memory and writes it as
//! Chrome Trace Event JSON, for `experiments/mmu_windows.py` (which collector steps made the
//! worst MMU windows, and what the pacer asked of them).
//!
//! ```text
//! cargo run --release -p gclox-experiments --bin step_trace -- binary_trees_17.lox out.json [--stw]
//! ```
//!
//! The CLI's `--trace` streams through a writer thread whose backpressure can stall a step
//! for milliseconds; kept in memory, the trace costs each step only the event's record.

use gclox_experiments::workload;
use gclox_runtime::{sink::Captured, Config, Runtime};

#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

fn main() {
    gclox_experiments::scavenge_as_cli();
    let args: Vec<String> = std::env::args().collect();
    let [_, name, out, rest @ ..] = args.as_slice() else {
        eprintln!("usage: step_trace WORKLOAD.lox OUT.json [--stw]");
        std::process::exit(64);
    };
    let mut config = Config::default();
    if rest.iter().any(|a| a == "--stw") {
        config.gc.mode = gclox_gc::GcMode::StopTheWorld;
    }
    let source = workload(name, &[]);
    let sink = Captured::new();
    let mut runtime = Runtime::new(config, sink.writer());
    runtime.enable_trace(usize::MAX);
    runtime.run_source(&source).expect("workload runs");
    let file = std::fs::File::create(out).expect("create the output");
    runtime
        .write_trace(std::io::BufWriter::new(file))
        .expect("write the trace");
    let m = runtime.memstats();
    eprintln!(
        "{} cycles, {} steps, pause p99 {:.4} ms max {:.4} ms",
        m.num_gc,
        m.num_pauses,
        m.pause_p99_ns as f64 / 1e6,
        m.pause_max_ns as f64 / 1e6
    );
}
