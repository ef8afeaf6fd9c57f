//! Heap profiles and leak reports, end to end: sampling is truthful, profiles round-trip, and
//! the seed's leak — sessions and transactions that reference each other, kept forever by a
//! global registry — is found by the profile and explained by the leak report.

use std::path::PathBuf;

use gclox_gc::pprof::{top, HeapProfile, SampleIndex};
use gclox_runtime::{sink::Captured, Config, Runtime};

fn runtime_with_rate(rate: u64) -> (Runtime, Captured) {
    let mut config = Config::default();
    config.vm.memprofile_rate = rate;
    config.vm.script_name = "app.lox".to_string();
    let out = Captured::new();
    (Runtime::new(config, out.writer()), out)
}

const MIXED: &str = r#"
class Point { init(x, y) { this.x = x; this.y = y; this.a = 1; this.b = 2; this.c = 3; } }
fun make(n) { var s = "p"; for (var i = 0; i < n; i = i + 1) { s = s + "."; var p = Point(i, s); } return s; }
var keep = make(300);
fun adder(k) { fun add(v) { return v + k; } return add; }
var fs = adder(1);
print fs(41);
"#;

#[test]
fn at_rate_one_the_profile_equals_the_exact_accounting() {
    let (mut rt, out) = runtime_with_rate(1);
    rt.run_source(MIXED).expect("runs");
    assert_eq!(out.text(), "42\n");
    rt.collect_full();
    let profile = rt.heap_profile().expect("sampling is on");
    let m = rt.memstats();
    let alloc_bytes: u64 = profile.sites.iter().map(|s| s.alloc_bytes).sum();
    let inuse_bytes: u64 = profile.sites.iter().map(|s| s.inuse_bytes).sum();
    assert_eq!(
        alloc_bytes, m.total_alloc,
        "every allocated byte is in the profile"
    );
    assert_eq!(
        inuse_bytes, m.heap_alloc,
        "every live byte is in the profile"
    );
    let objects: u64 = profile
        .sites
        .iter()
        .filter(|s| !s.object_type.contains(' '))
        .map(|s| s.alloc_objects)
        .sum();
    assert_eq!(
        objects, m.mallocs,
        "every allocation is a sample (growth sites aside)"
    );
    // The Point instances are attributed to the line that calls Point().
    let points = profile
        .sites
        .iter()
        .find(|s| s.object_type == "Instance")
        .expect("an Instance site");
    assert_eq!(&*points.stack[0].function, "make");
    assert_eq!(points.stack[0].line, 3);
    assert_eq!(&*points.stack[0].file, "app.lox");
    assert_eq!(points.alloc_objects, 300);
}

#[test]
fn at_the_default_rate_the_estimate_is_within_ten_percent_over_a_gigabyte() {
    let (mut rt, _) = runtime_with_rate(512 * 1024);
    let source = r#"
class Node { init(v, next) { this.v = v; this.next = next; } }
var s = 0;
for (var i = 0; i < 13000000; i = i + 1) { var n = Node(i, nil); s = s + n.v; }
print s;
"#;
    rt.run_source(source).expect("runs");
    let m = rt.memstats();
    assert!(
        m.total_alloc >= 1 << 30,
        "only {} bytes allocated",
        m.total_alloc
    );
    let profile = rt.heap_profile().expect("sampling is on");
    let decoded = HeapProfile::decode(&profile.encode()).expect("decodes");
    let index = decoded
        .sample_type_index("alloc_space")
        .expect("alloc_space");
    let estimate: i64 = decoded.samples.iter().map(|s| s.values[index]).sum();
    let error = (estimate as f64 - m.total_alloc as f64).abs() / m.total_alloc as f64;
    assert!(
        error <= 0.10,
        "estimated {estimate} B vs exact {} B ({:.1} %)",
        m.total_alloc,
        error * 100.0
    );
}

/// The seed's shape: sessions and transactions reference each other (a harmless cycle),
/// but every session is registered in a global registry that never forgets it.
const LEAKY: &str = r#"
class Registry { init() { this.head = nil; } add(s) { this.head = Entry(s, this.head); } }
class Entry { init(session, next) { this.session = session; this.next = next; } }
class Session { init(id) { this.id = id; this.txn = nil; } }
class Transaction { init(session) { this.session = session; this.data = "payload"; } }
var registry = Registry();
fun open(id) {
  var session = Session(id);
  session.txn = Transaction(session);
  registry.add(session);
  return session;
}
for (var i = 0; i < 30000; i = i + 1) { open(i); }
print "done";
"#;

#[test]
fn the_profile_and_the_leak_report_find_the_registry_leak() {
    let (mut rt, out) = runtime_with_rate(4096);
    rt.run_source(LEAKY).expect("runs");
    assert_eq!(out.text(), "done\n");
    rt.collect_full();

    let profile = HeapProfile::decode(&rt.heap_profile().unwrap().encode()).unwrap();
    let report = top(&profile, SampleIndex::InuseSpace, 3);
    // Sites that allocated (a non-zero flat column): with fields stored inline, the `init`
    // methods of these two-field classes allocate nothing; `open` and `Registry.add` do.
    let rows: Vec<&str> = report
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .filter(|l| l.split_whitespace().next() != Some("0"))
        .collect();
    assert!(rows.len() >= 2, "{report}");
    let leak_sites = [
        "open",
        "Session.init",
        "Transaction.init",
        "Registry.add",
        "Entry.init",
    ];
    for row in &rows {
        assert!(
            leak_sites.iter().any(|site| row.ends_with(site)),
            "top inuse sites are the sessions, transactions and registry entries:\n{report}"
        );
    }

    let leak = rt.leak_report(5);
    assert!(leak.contains("global registry"), "{leak}");
    assert!(leak.contains("Session"), "{leak}");
    assert!(leak.contains("app.lox:"), "sampled sites are named: {leak}");
}

#[test]
fn an_unrooted_session_transaction_cycle_is_collected() {
    let (mut rt, _) = runtime_with_rate(0);
    let fixed = LEAKY.replace("registry.add(session);", "");
    rt.run_source(&fixed).expect("runs");
    rt.collect_full();
    let m = rt.memstats();
    assert!(
        m.heap_objects < 200,
        "{} objects live after the fix",
        m.heap_objects
    );
}

#[test]
fn scripts_write_profiles_and_snapshots_when_they_choose() {
    let dir = std::env::temp_dir().join(format!("gclox-prof-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let profile_path: PathBuf = dir.join("now.pb.gz");
    let snapshot_path: PathBuf = dir.join("now.heapsnapshot");
    let source = format!(
        "{LEAKY}\nprint __writeheapprofile(\"{}\");\n__heapsnapshot(\"{}\");\nprint \"after\";\n",
        profile_path.display(),
        snapshot_path.display()
    );
    // Denied by default: the first write is a runtime error that names the flag.
    let (mut rt, out) = runtime_with_rate(4096);
    let err = rt
        .run_source(&source)
        .expect_err("writes are denied by default");
    assert!(err.to_string().contains("--allow-write"), "{err}");
    assert!(!profile_path.exists() && !snapshot_path.exists());
    assert_eq!(out.text(), "done\n");

    let mut config = Config::default();
    config.vm.memprofile_rate = 4096;
    config.vm.write_access = gclox_runtime::WriteAccess::inside(&dir).unwrap();
    let out = Captured::new();
    let mut rt = Runtime::new(config, out.writer());
    rt.run_source(&source).expect("runs");
    assert_eq!(out.text(), "done\ntrue\nafter\n");
    let profile = HeapProfile::decode(&std::fs::read(&profile_path).unwrap()).unwrap();
    assert!(!profile.samples.is_empty());
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&snapshot_path).unwrap()).unwrap();
    let nodes = snapshot["nodes"].as_array().unwrap().len();
    let fields = snapshot["snapshot"]["meta"]["node_fields"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        nodes / fields > 90_000,
        "the snapshot holds the leaked objects"
    );
}
