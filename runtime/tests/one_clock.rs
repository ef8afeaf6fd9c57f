//! One clock for every output: gctrace's `@T`, the execution trace's timestamps and the
//! MemStats CSV all count from the runtime's start, so a cycle lines up across all three in
//! one run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gclox_runtime::memstats_csv::CsvSampler;
use gclox_runtime::{sink::Captured, Config, Runtime};
use serde_json::Value;

const CHURN: &str = r#"
class Node { init(v, next) { this.v = v; this.next = next; } }
var keep = nil;
for (var i = 0; i < 20000; i = i + 1) keep = Node(i, keep);
for (var i = 0; i < 600000; i = i + 1) { var t = Node(i, nil); t.next = Node(i, t); }
"#;

#[test]
fn gctrace_trace_and_csv_share_one_clock() {
    let mut config = Config::default();
    config.gc.min_heap = Some(1 << 20);
    let gctrace = Captured::new();
    let csv = Arc::new(Mutex::new(Vec::new()));
    let mut runtime = Runtime::new(config, Captured::new().writer());
    runtime.set_gctrace(1, false, gctrace.writer());
    runtime.enable_trace(1_000_000);
    let sampler = CsvSampler::start_writer(
        runtime.monitor(),
        SharedBuffer(csv.clone()),
        Duration::from_millis(1),
    )
    .expect("sampler starts");
    runtime.run_source(CHURN).expect("runs");
    let rows = sampler.stop().expect("sampler stops");
    assert!(rows >= 5, "{rows} rows");

    let mut json = Vec::new();
    runtime.write_trace(&mut json).unwrap();
    let trace: Value = serde_json::from_slice(&json).unwrap();
    let spans: Vec<(f64, f64)> = trace["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ph"] == "X" && e["tid"] == 3)
        .map(|e| {
            let ts = e["ts"].as_f64().unwrap() / 1e6;
            (ts, ts + e["dur"].as_f64().unwrap() / 1e6)
        })
        .collect();
    let lines = gctrace.text();
    let starts: Vec<f64> = lines
        .lines()
        .map(|l| l.split_whitespace().nth(2).unwrap())
        .map(|at| at.trim_matches(|c| c == '@' || c == 's').parse().unwrap())
        .collect();
    assert!(spans.len() >= 5);
    assert_eq!(spans.len(), starts.len());
    for (span, at) in spans.iter().zip(&starts) {
        // gctrace prints milliseconds, truncated: the span starts in the same millisecond.
        assert!(
            (span.0 - at).abs() < 0.001 + 1e-9,
            "trace {span:?} vs gctrace @{at}"
        );
    }

    // The CSV's num_gc steps up at the matching cycle's mark termination, inside its span (Go
    // counts NumGC there too), and a row that still shows the older count was published
    // before that span ended.
    let text = String::from_utf8(csv.lock().unwrap().clone()).unwrap();
    for row in text.lines().skip(1) {
        let cells: Vec<&str> = row.split(',').collect();
        let time: f64 = cells[0].parse().unwrap();
        let num_gc: usize = cells[5].parse().unwrap();
        if num_gc > 0 && num_gc <= spans.len() {
            let start = spans[num_gc - 1].0;
            assert!(
                time + 1e-6 >= start,
                "row {row} precedes the start of GC {num_gc} at {start}"
            );
        }
        if num_gc < spans.len() {
            let next_end = spans[num_gc].1;
            assert!(
                time <= next_end + 1e-6,
                "row {row} is after GC {} ended",
                num_gc + 1
            );
        }
    }
}

/// The CSV sink runs on the sampler's thread: a shared buffer behind a mutex.
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
