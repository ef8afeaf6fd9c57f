//! Property test of the collector: whatever object graph a program builds and whichever roots it
//! drops, a full collection keeps exactly the objects reachable from the roots that remain.
//!
//! Each case generates a random Lox program from a seed (a small xorshift generator, so no
//! dependency is needed) and, alongside it, a model of the graph it builds: instances held in
//! globals `g0..`, field edges between them (self-edges and cycles included), closures and bound
//! methods held in globals `h0..` that retain instances (and that fields may hold), root drops
//! and moves, loads through fields, objects kept alive only by a local while `__gc()` runs,
//! garbage churn, lists of up to 200 instances built in a loop, and `__gc()` calls anywhere. The program runs through the VM's own
//! allocation path under a per-case collector configuration (incremental or stop-the-world,
//! step budgets down to one object, tiny minimum heaps, one-instruction slices, stress mode,
//! gogc off). Then, after full collections:
//!
//! - survivors: `MemStats::heap_objects` minus the baseline measured before the body ran equals
//!   the model's reachable objects (instances, plus each reachable closure's two objects and
//!   each bound method's one), computed in Rust over the generated edge list;
//! - the heap graph walked from the roots has exactly the model's reachable instances and bound
//!   methods;
//! - the graph is intact: every remaining root and each of its fields reads back the object the
//!   model says it holds.
//!
//! `GCLOX_GC_PROPERTY_CASES=N` runs N cases (default 200); `GCLOX_GC_PROPERTY_SEED=S` runs only
//! the case with seed S (a failure names its seed).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gclox_gc::GcMode;
use gclox_runtime::{sink::Captured, Config, Runtime};

const FIELDS: usize = 4;

/// xorshift64*: small, seeded, good enough to pick program shapes.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // Never zero; spread nearby seeds apart.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// A value the model tracks: what a global, a field or a holder's capture holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Val {
    Nil,
    Instance(usize),
    Holder(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HolderKind {
    /// `capture(o)`: a closure over the parameter `o` — two objects (closure, closed upvalue).
    Closure,
    /// `o.get`: a bound method with `o` as receiver — one object.
    Bound,
}

impl HolderKind {
    fn objects(self) -> usize {
        match self {
            HolderKind::Closure => 2,
            HolderKind::Bound => 1,
        }
    }
}

/// The graph the generated program builds, as the program builds it.
#[derive(Default)]
struct Model {
    /// `g0..`: `Nil` or an instance.
    globals: Vec<Val>,
    /// `h0..`: `Nil` or a holder.
    holders: Vec<Val>,
    /// Per instance (by id): its fields `f0..` that are set.
    fields: Vec<BTreeMap<usize, Val>>,
    /// Per holder (by id): its kind and what it retains (`Nil` or an instance).
    held: Vec<(HolderKind, Val)>,
}

impl Model {
    fn new_instance(&mut self) -> usize {
        self.fields.push(BTreeMap::new());
        self.fields.len() - 1
    }

    fn new_holder(&mut self, kind: HolderKind, target: Val) -> usize {
        self.held.push((kind, target));
        self.held.len() - 1
    }

    /// Instances and holders reachable from the globals, computed independently of the VM.
    fn reachable(&self) -> (Vec<bool>, Vec<bool>) {
        let mut instances = vec![false; self.fields.len()];
        let mut holders = vec![false; self.held.len()];
        let mut work: Vec<Val> = self.globals.iter().chain(&self.holders).copied().collect();
        while let Some(val) = work.pop() {
            match val {
                Val::Nil => {}
                Val::Instance(i) if !instances[i] => {
                    instances[i] = true;
                    work.extend(self.fields[i].values().copied());
                }
                Val::Holder(h) if !holders[h] => {
                    holders[h] = true;
                    work.push(self.held[h].1);
                }
                _ => {}
            }
        }
        (instances, holders)
    }
}

/// One generated case: the program's parts and the model of what it leaves behind.
struct Case {
    config: Config,
    preamble: String,
    /// The body, in pieces run one after another (each piece is one script, and a script may
    /// have only 256 constants); globals persist between them, as in a REPL, and a collection
    /// cycle in progress goes on across them.
    body: Vec<String>,
    model: Model,
}

fn config_for(rng: &mut Rng) -> Config {
    let mut config = Config::default();
    config.gc.mode = rng.pick(&[GcMode::Incremental, GcMode::StopTheWorld]);
    config.gc.stress = rng.below(4) == 0;
    config.gc.step_budget = rng.pick(&[1, 2, 5, 64, 2048]);
    config.gc.min_step = rng.pick(&[1, 64]);
    config.gc.min_heap = Some(rng.pick(&[1 << 10, 16 << 10, 4 << 20]));
    config.gc.gogc = rng.pick(&[Some(0), Some(50), Some(100), None]);
    config.slice_instructions = rng.pick(&[1, 3, 64, 1024]);
    config.vm.slice_alloc_bytes = rng.pick(&[1, 256, 64 << 10]);
    config
}

fn generate(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let config = config_for(&mut rng);
    let globals = 1 + rng.below(40);
    let holders = 1 + rng.below(8);
    let steps = 50 + rng.below(350);

    // The preamble defines everything that is not an instance and keeps it alive (the class,
    // its methods, `capture`, every field name's string), so that the only objects the body
    // makes that can die are the ones the model counts.
    let mut preamble = String::from(
        "class Obj {\n  init(id) { this.id = id; }\n  get() { return this; }\n}\n\
         fun capture(o) {\n  fun f() { return o; }\n  return f;\n}\n\
         var kid = \"id\";\n",
    );
    for k in 0..FIELDS {
        writeln!(preamble, "var k{k} = \"f{k}\";").unwrap();
    }
    for i in 0..globals {
        writeln!(preamble, "var g{i};").unwrap();
    }
    for j in 0..holders {
        writeln!(preamble, "var h{j};").unwrap();
    }

    let mut m = Model {
        globals: vec![Val::Nil; globals],
        holders: vec![Val::Nil; holders],
        ..Model::default()
    };
    let mut pieces = Vec::new();
    let mut body = String::new();
    for step in 0..steps {
        if step % 25 == 24 {
            pieces.push(std::mem::take(&mut body));
        }
        let i = rng.below(globals);
        let j = rng.below(globals);
        let h = rng.below(holders);
        let k = rng.below(FIELDS);
        match rng.below(100) {
            // A new instance in a global (whatever it held loses that root).
            0..=24 => {
                let id = m.new_instance();
                writeln!(body, "g{i} = Obj({id});").unwrap();
                m.globals[i] = Val::Instance(id);
            }
            // A field edge: to a global's instance (self-edges and cycles come free), to a
            // holder, or nil.
            25..=49 => {
                let Val::Instance(a) = m.globals[i] else {
                    continue;
                };
                let (source, value) = match rng.below(6) {
                    0 => ("nil".to_string(), Val::Nil),
                    1 => (format!("h{h}"), m.holders[h]),
                    _ => (format!("g{j}"), m.globals[j]),
                };
                writeln!(body, "g{i}.f{k} = {source};").unwrap();
                m.fields[a].insert(k, value);
            }
            // Drop a root.
            50..=59 => {
                writeln!(body, "g{i} = nil;").unwrap();
                m.globals[i] = Val::Nil;
            }
            60..=62 => {
                writeln!(body, "h{h} = nil;").unwrap();
                m.holders[h] = Val::Nil;
            }
            // Move a root.
            63..=67 => {
                writeln!(body, "g{i} = g{j};").unwrap();
                m.globals[i] = m.globals[j];
            }
            // Re-root through a field.
            68..=74 => {
                let Val::Instance(a) = m.globals[i] else {
                    continue;
                };
                match m.fields[a].get(&k).copied() {
                    None => continue,
                    Some(value @ Val::Holder(_)) => {
                        writeln!(body, "h{h} = g{i}.f{k};").unwrap();
                        m.holders[h] = value;
                    }
                    Some(value) => {
                        writeln!(body, "g{j} = g{i}.f{k};").unwrap();
                        m.globals[j] = value;
                    }
                }
            }
            // A closure or a bound method retaining an instance.
            75..=79 => {
                let target = m.globals[i];
                let id = m.new_holder(HolderKind::Closure, target);
                writeln!(body, "h{h} = capture(g{i});").unwrap();
                m.holders[h] = Val::Holder(id);
            }
            80..=83 => {
                let target @ Val::Instance(_) = m.globals[i] else {
                    continue;
                };
                let id = m.new_holder(HolderKind::Bound, target);
                writeln!(body, "h{h} = g{i}.get;").unwrap();
                m.holders[h] = Val::Holder(id);
            }
            // Re-root through a holder.
            84..=86 => {
                let Val::Holder(id) = m.holders[h] else {
                    continue;
                };
                writeln!(body, "g{i} = h{h}();").unwrap();
                m.globals[i] = m.held[id].1;
            }
            // Only a local keeps the object alive while the collector runs.
            87..=89 => {
                writeln!(
                    body,
                    "{{\n  var t = g{i};\n  g{i} = nil;\n  __gc();\n  g{i} = t;\n}}"
                )
                .unwrap();
            }
            // Garbage: instances that point at live ones and die at once.
            90..=94 => {
                let n = 1 + rng.below(30);
                writeln!(
                    body,
                    "for (var c = 0; c < {n}; c = c + 1) {{\n  var t = Obj(-1);\n  t.f{k} = g{i};\n  t.f0 = t;\n}}"
                )
                .unwrap();
            }
            // A list of up to 200 new instances, linked through `f0`, ending in what `gI` held.
            95..=96 => {
                let n = 1 + rng.below(200);
                let base = m.fields.len();
                writeln!(
                    body,
                    "{{\n  var p = g{i};\n  for (var c = 0; c < {n}; c = c + 1) {{\n    \
                     var o = Obj({base} + c);\n    o.f0 = p;\n    p = o;\n  }}\n  g{i} = p;\n}}"
                )
                .unwrap();
                let mut previous = m.globals[i];
                for _ in 0..n {
                    let id = m.new_instance();
                    m.fields[id].insert(0, previous);
                    previous = Val::Instance(id);
                }
                m.globals[i] = previous;
            }
            _ => writeln!(body, "__gc();").unwrap(),
        }
    }
    pieces.push(body);
    Case {
        config,
        preamble,
        body: pieces,
        model: m,
    }
}

/// The Lox that prints what the model says each root and each root's fields hold, and what it
/// prints if the graph is intact.
fn readback(m: &Model) -> (String, String) {
    fn describe(m: &Model, value: Val, read: &str, program: &mut String, expected: &mut String) {
        match value {
            Val::Nil => {
                writeln!(program, "print {read};").unwrap();
                expected.push_str("nil\n");
            }
            Val::Instance(id) => {
                writeln!(program, "print {read}.id;").unwrap();
                writeln!(expected, "{id}").unwrap();
            }
            Val::Holder(h) => {
                writeln!(program, "print {read};").unwrap();
                expected.push_str(match m.held[h].0 {
                    HolderKind::Closure => "<fn f>\n",
                    HolderKind::Bound => "<fn get>\n",
                });
            }
        }
    }
    let mut program = String::new();
    let mut expected = String::new();
    for (i, &value) in m.globals.iter().enumerate() {
        describe(m, value, &format!("g{i}"), &mut program, &mut expected);
        if let Val::Instance(a) = value {
            for (k, &field) in &m.fields[a] {
                let read = format!("g{i}.f{k}");
                describe(m, field, &read, &mut program, &mut expected);
            }
        }
    }
    for (j, &value) in m.holders.iter().enumerate() {
        if let Val::Holder(h) = value {
            let read = format!("h{j}()");
            describe(m, m.held[h].1, &read, &mut program, &mut expected);
        }
    }
    (program, expected)
}

/// Full collections until nothing is pending: two, because gc-arena frees the allocation of an
/// object that the weak intern table pointed at one cycle after dropping it.
fn collect(rt: &mut Runtime) {
    rt.collect_full();
    rt.collect_full();
}

fn count_kind(rt: &Runtime, kind: &str) -> usize {
    rt.heap_graph()
        .nodes
        .iter()
        .filter(|n| n.kind == kind)
        .count()
}

/// What one case did, for the summary line.
#[derive(Default)]
struct Tally {
    instances: usize,
    survivors: u64,
    cycles: u64,
}

/// Runs one case; panics with the seed in the message if a property fails.
fn check(seed: u64) -> Tally {
    let case = generate(seed);
    let context = || {
        format!(
            "seed {seed} (GCLOX_GC_PROPERTY_SEED={seed}), {:?}, slice_instructions {}, \
             slice_alloc_bytes {}",
            case.config.gc, case.config.slice_instructions, case.config.vm.slice_alloc_bytes
        )
    };
    let out = Captured::new();
    let mut rt = Runtime::new(case.config.clone(), out.writer());
    rt.run_source(&case.preamble)
        .unwrap_or_else(|e| panic!("preamble failed: {e}; {}", context()));
    // Measure with the same program state as after the body: an empty program ran last.
    rt.run_source("").unwrap();
    collect(&mut rt);
    let baseline = rt.memstats().heap_objects;
    let uncounted = rt.stats().arena_objects as u64 - baseline;
    assert_eq!(count_kind(&rt, "Instance"), 0, "{}", context());

    for piece in &case.body {
        rt.run_source(piece)
            .unwrap_or_else(|e| panic!("body failed: {e}; {}\n{piece}", context()));
    }
    rt.run_source("").unwrap();
    collect(&mut rt);

    let (instances, holders) = case.model.reachable();
    let reachable_instances = instances.iter().filter(|&&r| r).count();
    let reachable_bound = (0..holders.len())
        .filter(|&h| holders[h] && case.model.held[h].0 == HolderKind::Bound)
        .count();
    let expected: usize = reachable_instances
        + (0..holders.len())
            .filter(|&h| holders[h])
            .map(|h| case.model.held[h].0.objects())
            .sum::<usize>();
    let m = rt.memstats();
    assert_eq!(
        m.heap_objects - baseline,
        expected as u64,
        "survivors of a full collection vs objects reachable in the model \
         ({reachable_instances} instances); {}",
        context()
    );
    assert_eq!(
        rt.stats().arena_objects as u64 - m.heap_objects,
        uncounted,
        "arena and accounting disagree; {}",
        context()
    );
    assert_eq!(
        count_kind(&rt, "Instance"),
        reachable_instances,
        "instances in the heap graph; {}",
        context()
    );
    assert_eq!(
        count_kind(&rt, "BoundMethod"),
        reachable_bound,
        "bound methods in the heap graph; {}",
        context()
    );

    let (program, expected_output) = readback(&case.model);
    rt.run_source(&program)
        .unwrap_or_else(|e| panic!("read-back failed: {e}; {}", context()));
    assert_eq!(
        out.text(),
        expected_output,
        "what the roots hold; {}",
        context()
    );
    Tally {
        instances: case.model.fields.len(),
        survivors: m.heap_objects - baseline,
        cycles: m.num_gc,
    }
}

#[test]
fn full_collections_keep_exactly_the_reachable_objects() {
    if let Ok(seed) = std::env::var("GCLOX_GC_PROPERTY_SEED") {
        let seed = seed.parse().expect("GCLOX_GC_PROPERTY_SEED is a number");
        let case = generate(seed);
        eprintln!("{:?}\n{}{}", case.config, case.preamble, case.body.concat());
        check(seed);
        return;
    }
    let cases: u64 = std::env::var("GCLOX_GC_PROPERTY_CASES")
        .map(|n| n.parse().expect("GCLOX_GC_PROPERTY_CASES is a number"))
        .unwrap_or(200);
    let mut total = Tally::default();
    for seed in 1..=cases {
        let tally = check(seed);
        total.instances += tally.instances;
        total.survivors += tally.survivors;
        total.cycles += tally.cycles;
    }
    eprintln!(
        "{cases} cases: {} instances made in the bodies, {} objects survived, {} collection cycles",
        total.instances, total.survivors, total.cycles
    );
}

/// The generator itself: cases differ, contain what they should, and the model's reachability
/// is right on a graph small enough to check by hand.
#[test]
fn the_generator_makes_varied_cases_and_the_model_is_right() {
    let bodies: Vec<String> = (1..=20).map(|s| generate(s).body.concat()).collect();
    let all = bodies.concat();
    for needle in [
        "= Obj(", ".f", "= nil;", "capture(", ".get;", "__gc();", "var t = ",
    ] {
        assert!(all.contains(needle), "no case contains {needle:?}");
    }
    assert!(bodies.windows(2).all(|w| w[0] != w[1]));

    // g0 -> a <-> b (a cycle), c -> c (self-edge, unrooted), h0 = closure over d.
    let mut m = Model {
        globals: vec![Val::Nil; 2],
        holders: vec![Val::Nil; 1],
        ..Model::default()
    };
    let (a, b, c, d) = (
        m.new_instance(),
        m.new_instance(),
        m.new_instance(),
        m.new_instance(),
    );
    m.globals[0] = Val::Instance(a);
    m.fields[a].insert(0, Val::Instance(b));
    m.fields[b].insert(1, Val::Instance(a));
    m.fields[c].insert(0, Val::Instance(c));
    let h = m.new_holder(HolderKind::Closure, Val::Instance(d));
    m.holders[0] = Val::Holder(h);
    let (instances, holders) = m.reachable();
    assert_eq!(instances, vec![true, true, false, true]);
    assert_eq!(holders, vec![true]);
}
