//! The execution trace copies gclox's own names (categories, argument keys, step, counter and
//! event names) into its JSON without escaping them (`gc/src/trace.rs: write_static`): every
//! one must be plain. A run that makes every kind of event checks it, and that the file parses.

use gclox_runtime::{sink::Captured, Config, Runtime};
use serde_json::Value;

const EVERY_KIND: &str = r#"
class Node { init(next) { this.next = next; } }
var keep = nil;
for (var i = 0; i < 20000; i = i + 1) keep = Node(keep);
__gc();
for (var i = 0; i < 200000; i = i + 1) { var t = Node(nil); t.next = Node(t); }
nil.field;
"#;

fn plain(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

#[test]
fn every_name_in_a_trace_is_plain_and_the_file_parses() {
    let mut config = Config::default();
    config.gc.min_heap = Some(1 << 20);
    let mut runtime = Runtime::new(config, Captured::new().writer());
    runtime.enable_trace(1_000_000);
    assert!(
        runtime.run_source(EVERY_KIND).is_err(),
        "the script ends in an error"
    );
    let mut json = Vec::new();
    runtime.write_trace(&mut json).unwrap();
    let trace: Value = serde_json::from_slice(&json).expect("the trace is JSON");
    let events = trace["traceEvents"].as_array().unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let mut names = std::collections::BTreeSet::new();
    for event in events {
        let name = event["name"].as_str().unwrap();
        let cat = event["cat"].as_str().unwrap();
        kinds.insert((cat.to_string(), event["ph"].as_str().unwrap().to_string()));
        names.insert(name.to_string());
        assert!(plain(name) || name.starts_with("GC "), "{name:?}");
        assert!(plain(cat), "{cat:?}");
        for (key, value) in event["args"].as_object().unwrap() {
            assert!(plain(key), "{key:?}");
            if let (Some(text), false) = (value.as_str(), name == "process_name") {
                assert!(plain(text), "{text:?}");
            }
        }
    }
    // Steps, counters, cycles, the forced cycle, the mutator and metadata all appeared.
    for name in [
        "forced GC",
        "runtime started",
        "mark",
        "sweep",
        "heap",
        "live objects",
    ] {
        assert!(names.contains(name), "no {name:?} event in {names:?}");
    }
    for (cat, ph) in [
        ("gc", "X"),
        ("gc.heap", "C"),
        ("gc.cycle", "X"),
        ("vm", "X"),
        ("__metadata", "M"),
        ("gc.event", "I"),
    ] {
        assert!(
            kinds.contains(&(cat.to_string(), ph.to_string())),
            "no {cat}/{ph} event in {kinds:?}"
        );
    }
}
