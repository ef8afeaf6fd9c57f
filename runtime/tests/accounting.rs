//! gclox's byte accounting against an independent measure: a counting global allocator that
//! sees every byte this test process requests. After a full collection, the growth of the
//! script heap's live bytes must match the growth of the process's live allocations within 5 %.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};

use gclox_runtime::{sink::Captured, Config, Runtime};

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);

// SAFETY: every method forwards to the system allocator unchanged, with the same layout and
// pointer; the only addition is an atomic counter update, which cannot affect memory safety.
// `live_bytes_match_an_independent_allocator_count` exercises all four paths (allocation,
// zeroed allocation by hashbrown/Vec, reallocation by growing tables, deallocation by sweeps).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The counter is process-wide: tests that read it run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Every kind of object, kept alive from a global list, with as much garbage made alongside.
const MIXED: &str = r#"
fun digit(d) {
  if (d == 0) return "0"; if (d == 1) return "1"; if (d == 2) return "2";
  if (d == 3) return "3"; if (d == 4) return "4"; if (d == 5) return "5";
  if (d == 6) return "6"; if (d == 7) return "7"; if (d == 8) return "8";
  return "9";
}
class Counter {
  init() { this.a = 0; this.b = 0; this.c = 0; this.d = 0; this.e = 0; }
  inc() {
    this.e = this.e + 1;
    if (this.e == 10) { this.e = 0; this.d = this.d + 1; }
    if (this.d == 10) { this.d = 0; this.c = this.c + 1; }
    if (this.c == 10) { this.c = 0; this.b = this.b + 1; }
    if (this.b == 10) { this.b = 0; this.a = this.a + 1; }
  }
  text() { return digit(this.a) + digit(this.b) + digit(this.c) + digit(this.d) + digit(this.e); }
}
var counter = Counter();
class Base { describe() { return "base"; } }
class Item < Base {
  init(i) {
    counter.inc();
    this.name = "item-" + counter.text();
    this.f0 = i; this.f1 = i; this.f2 = i; this.f3 = i; this.f4 = i; this.f5 = i;
    this.f6 = i; this.f7 = i; this.f8 = i; this.f9 = i; this.f10 = i;
    var self = this;
    fun get() { return self.f0; }
    this.getter = get;
    this.bound = this.describe;
  }
  describe() { return "item " + super.describe(); }
}
var keep = nil;
class Cell { init(item, next) { this.item = item; this.next = next; } }
for (var i = 0; i < 20000; i = i + 1) {
  var item = Item(i);
  keep = Cell(item, keep);
  var garbage = Item(-i);
  garbage.name = garbage.name + "!";
}
"#;

/// Runs `source` after a warm-up on a fresh runtime, a full collection before and after, and
/// returns how much the script heap grew by the accounting, how much the process heap grew by
/// the counting allocator, and their relative difference.
/// Callers hold `ONE_AT_A_TIME` for the whole test: the counter sees every thread.
fn growth(source: &str) -> (i64, i64, f64) {
    let mut runtime = Runtime::new(Config::default(), Captured::new().writer());
    runtime.run_source("print 1;").expect("warm-up");
    runtime.collect_full();
    let process_before = LIVE.load(Ordering::Relaxed);
    let script_before = runtime.memstats().heap_alloc as i64;
    runtime.run_source(source).expect("the program runs");
    runtime.collect_full();
    let process_growth = LIVE.load(Ordering::Relaxed) - process_before;
    let script_growth = runtime.memstats().heap_alloc as i64 - script_before;
    let error = (script_growth - process_growth).abs() as f64 / process_growth as f64;
    (script_growth, process_growth, error)
}

#[test]
fn live_bytes_match_an_independent_allocator_count() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (script_growth, process_growth, error) = growth(MIXED);
    assert!(
        script_growth > 8 << 20,
        "the live set is large: {script_growth} B"
    );
    assert!(
        error <= 0.05,
        "script heap grew {script_growth} B, process {process_growth} B ({:.2} % apart)",
        error * 100.0
    );
    eprintln!(
        "script heap grew {script_growth} B, process {process_growth} B ({:.3} % apart)",
        error * 100.0
    );
}

/// 200 000 closures kept alive from a list whose nodes hold a closure and the next node.
const CLOSURE_LIST: &str = r#"
class Node { init(f, next) { this.f = f; this.next = next; } }
var keep = nil;
for (var i = 0; i < 200000; i = i + 1) {
  var x = i;
  fun get() { return x; }
  keep = Node(get, keep);
}
"#;

/// Issue #15 row K: the process holds 2 MiB (5.7 %) more than the accounting says. Not a
/// closure's buffer (every closure's upvalue array is charged; the gap is the same without
/// captures): it is gc-arena's gray queue, a `Vec` of object pointers whose capacity stays at
/// its peak. Marking pops the last pointer pushed, so tracing each node pushes its closure
/// and the next node, pops the node, and the 200 000 closures wait: 1.6 MB, 2 MiB after
/// doubling. gc-arena 0.7 does not expose the queue, so the accounting cannot charge it yet.
#[test]
#[ignore = "bug: gc-arena's gray queue capacity is not charged (issue #15 row K)"]
fn closure_heavy_heaps_are_fully_charged() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let (script_growth, process_growth, error) = growth(CLOSURE_LIST);
    assert!(
        error <= 0.01,
        "script heap grew {script_growth} B, process {process_growth} B ({:.2} % apart)",
        error * 100.0
    );
}
