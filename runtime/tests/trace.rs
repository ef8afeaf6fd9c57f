//! The execution trace is well-formed Chrome Trace Event JSON, and it agrees with gctrace: the
//! same cycles, at the same times, on the same clock.

use gclox_runtime::{sink::Captured, Config, Runtime};
use serde_json::Value;

const CHURN: &str = r#"
class Node { init(v, next) { this.v = v; this.next = next; } }
var keep = nil;
for (var i = 0; i < 3000; i = i + 1) keep = Node(i, keep);
for (var i = 0; i < 100000; i = i + 1) {
  var tmp = Node(i, nil);
  tmp.next = Node(i, tmp);
  if (i == 5000) __gc();
}
"#;

fn traced_run(max_events: usize) -> (Value, String) {
    let mut config = Config::default();
    config.gc.min_heap = Some(256 << 10);
    let gctrace = Captured::new();
    let mut runtime = Runtime::new(config, Captured::new().writer());
    runtime.set_gctrace(1, false, gctrace.writer());
    runtime.enable_trace(max_events);
    runtime.run_source(CHURN).expect("runs");
    let mut json = Vec::new();
    runtime.write_trace(&mut json).expect("trace writes");
    let trace: Value = serde_json::from_slice(&json).expect("the trace is valid JSON");
    (trace, gctrace.text())
}

fn events(trace: &Value) -> &Vec<Value> {
    trace["traceEvents"].as_array().expect("traceEvents array")
}

fn num(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

/// Complete events on one row, in file order.
fn slices(events: &[Value], tid: u64) -> Vec<&Value> {
    events
        .iter()
        .filter(|e| e["ph"] == "X" && e["tid"].as_u64() == Some(tid))
        .collect()
}

#[test]
fn trace_is_well_formed_and_matches_gctrace() {
    let (trace, gctrace) = traced_run(1_000_000);
    let events = events(&trace);
    for e in events {
        for key in ["name", "cat", "ph", "ts", "pid", "tid", "args"] {
            assert!(e.get(key).is_some(), "event without {key}: {e}");
        }
    }
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| e["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["mutator (VM slices)", "collector steps", "GC cycles"]
    );

    // Mutator slices and collector steps alternate on one real thread: in time order they
    // never overlap, and each row is in order.
    let mut busy: Vec<(f64, f64)> = slices(events, 1)
        .iter()
        .chain(slices(events, 2).iter())
        .map(|e| (num(&e["ts"]), num(&e["ts"]) + num(&e["dur"])))
        .collect();
    busy.sort_by(|a, b| a.0.total_cmp(&b.0));
    for pair in busy.windows(2) {
        assert!(pair[0].1 <= pair[1].0 + 0.001, "overlap: {pair:?}");
    }

    // One cycle span per gctrace line, numbered alike, starting at gctrace's @T.
    let cycles = slices(events, 3);
    let lines: Vec<&str> = gctrace.lines().collect();
    assert!(cycles.len() >= 5);
    assert_eq!(cycles.len(), lines.len(), "cycle spans vs gctrace lines");
    for (span, line) in cycles.iter().zip(&lines) {
        let number: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        assert_eq!(span["name"], format!("GC {number}"));
        let at = line.split_whitespace().nth(2).unwrap();
        let secs: f64 = at
            .trim_start_matches('@')
            .trim_end_matches('s')
            .parse()
            .unwrap();
        let start_ms = (num(&span["ts"]) / 1000.0).floor();
        assert_eq!((secs * 1000.0).round(), start_ms, "{line} vs {span}");
        assert_eq!(line.ends_with("(forced)"), span["args"]["forced"] == true);
    }

    // Every collector step nests inside its cycle's span.
    for step in slices(events, 2) {
        let n = num(&step["args"]["cycle"]) as usize;
        // The program may end in the middle of a cycle, which then has steps but no span.
        let Some(span) = cycles.get(n - 1) else {
            assert_eq!(
                n,
                cycles.len() + 1,
                "only the unfinished last cycle has no span"
            );
            continue;
        };
        let (s0, s1) = (num(&span["ts"]), num(&span["ts"]) + num(&span["dur"]));
        let (t0, t1) = (num(&step["ts"]), num(&step["ts"]) + num(&step["dur"]));
        assert!(
            s0 - 0.001 <= t0 && t1 <= s1 + 0.001,
            "step {step} outside {span}"
        );
    }

    // Counters for the heap (live bytes, then the distance to the goal: stacked, the top is the
    // goal) and the live objects, and an instant (`I`: DevTools ignores `i`) for the forced
    // collection.
    let heap: Vec<_> = events
        .iter()
        .filter(|e| e["ph"] == "C" && e["name"] == "heap")
        .collect();
    assert_eq!(
        heap.len(),
        slices(events, 2).len(),
        "one heap sample per step"
    );
    for sample in &heap {
        assert!(num(&sample["args"]["live bytes"]) > 0.0, "{sample}");
        assert!(num(&sample["args"]["to goal bytes"]) >= 0.0, "{sample}");
    }
    assert!(events.iter().any(|e| e["ph"] == "C"
        && e["name"] == "live objects"
        && num(&e["args"]["objects"]) > 0.0));
    assert!(events
        .iter()
        .any(|e| e["ph"] == "I" && e["name"] == "forced GC"));
    assert!(events.iter().all(|e| e["ph"] != "i"));
}

#[test]
fn a_bounded_trace_says_it_was_cut() {
    let (trace, _) = traced_run(200);
    let events = events(&trace);
    assert!(events.len() <= 201);
    let note = events.last().unwrap();
    assert_eq!(note["name"], "trace truncated");
    assert!(num(&note["args"]["dropped_events"]) > 0.0);
    assert_eq!(
        trace["otherData"]["dropped_events"],
        note["args"]["dropped_events"]
    );
}
