//! Heap-graph analysis (`gclox_gc::snapshot`): dominators, retained sizes, paths, cycles, the
//! leak report and the V8 writer, on hand-made graphs with hand-computed answers, against
//! brute force on small random graphs, and at a million nodes.

use std::collections::{HashSet, VecDeque};
use std::time::Instant;

use gclox_gc::snapshot::{
    write_v8_heapsnapshot, Analysis, Dominator, EdgeKind, HeapGraph, HeapGraphBuilder, NodeId,
};
use serde_json::Value;

/// Where to leave a snapshot for inspection with an outside reader (memlab, DevTools): the
/// file `name` in `$SNAPSHOT_DIR`, when that variable is set.
fn out_path(name: &str) -> Option<String> {
    let dir = std::env::var("SNAPSHOT_DIR").ok()?;
    Some(format!("{dir}/{name}"))
}

/// Deterministic xorshift64* for random graphs (no dependency).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn obj(b: &mut HeapGraphBuilder, name: &str, size: u64) -> NodeId {
    b.add_node("Instance", name, size, None)
}

fn field(b: &mut HeapGraphBuilder, from: NodeId, to: NodeId, label: &str) {
    b.add_edge(from, to, EdgeKind::Field, label);
}

// ---------------------------------------------------------------------------------------------
// Hand-made graphs.

#[test]
fn diamond() {
    // root → A; A → B, A → C; B → D; C → D.
    let mut b = HeapGraphBuilder::new();
    let a = obj(&mut b, "A", 1);
    let bb = obj(&mut b, "B", 2);
    let c = obj(&mut b, "C", 4);
    let d = obj(&mut b, "D", 8);
    field(&mut b, a, bb, "left");
    field(&mut b, a, c, "right");
    field(&mut b, bb, d, "x");
    field(&mut b, c, d, "x");
    b.add_root(a, "global a");
    let g = b.finish();
    let an = Analysis::new(&g);
    assert_eq!(an.idom(a), Some(Dominator::SuperRoot));
    assert_eq!(an.idom(bb), Some(Dominator::Node(a)));
    assert_eq!(an.idom(c), Some(Dominator::Node(a)));
    assert_eq!(
        an.idom(d),
        Some(Dominator::Node(a)),
        "D is reached both ways: only A dominates it"
    );
    assert_eq!([a, bb, c, d].map(|v| an.retained_size(v)), [15, 2, 4, 8]);
    assert_eq!([a, bb, c, d].map(|v| an.retained_count(v)), [4, 1, 1, 1]);
    assert_eq!(an.reachable_count(), 4);
    assert_eq!(an.reachable_bytes(), 15);
    assert!([a, bb, c, d].iter().all(|&v| !an.on_cycle(v)));
    // Shortest path to D: first by edge order, through B.
    let p = an.retainer_path(d).unwrap();
    assert_eq!(p.nodes(&g), vec![a, bb, d]);
    assert_eq!(
        an.format_path(&g, &p),
        "global a → A → field left → B → field x → D"
    );
}

#[test]
fn cycle_hanging_off_a_root() {
    // root → H → X → Y → Z → X, plus a leaf L off Y.
    let mut b = HeapGraphBuilder::new();
    let h = obj(&mut b, "H", 10);
    let x = obj(&mut b, "X", 1);
    let y = obj(&mut b, "Y", 2);
    let z = obj(&mut b, "Z", 4);
    let l = b.add_node("String", "leaf", 100, None);
    field(&mut b, h, x, "ring");
    field(&mut b, x, y, "next");
    field(&mut b, y, z, "next");
    field(&mut b, z, x, "next");
    field(&mut b, y, l, "label");
    b.add_root(h, "global h");
    let g = b.finish();
    let an = Analysis::new(&g);
    assert_eq!(an.idom(x), Some(Dominator::Node(h)));
    assert_eq!(an.idom(y), Some(Dominator::Node(x)));
    assert_eq!(an.idom(z), Some(Dominator::Node(y)));
    assert_eq!(an.idom(l), Some(Dominator::Node(y)));
    assert_eq!(
        [h, x, y, z, l].map(|v| an.retained_size(v)),
        [117, 107, 106, 4, 100]
    );
    assert_eq!(
        [h, x, y, z, l].map(|v| an.on_cycle(v)),
        [false, true, true, true, false]
    );
    let p = an.retainer_path(z).unwrap();
    assert_eq!(
        an.format_path(&g, &p),
        "global h → H → field ring → X [cycle] → field next → Y [cycle] → field next → Z [cycle]"
    );
    let p = an.retainer_path(l).unwrap();
    assert_eq!(
        an.format_path(&g, &p),
        "global h → H → field ring → X [cycle] → field next → Y [cycle] → field label → String \"leaf\""
    );
}

#[test]
fn chain_with_second_root_and_weak_edges() {
    // r1 → a → b → c; r2 → c; a ⇢ w (weak only); self loop on s (reachable from b).
    let mut b = HeapGraphBuilder::new();
    let a = obj(&mut b, "a", 1);
    let bn = obj(&mut b, "b", 2);
    let c = obj(&mut b, "c", 4);
    let w = obj(&mut b, "w", 1000);
    let s = obj(&mut b, "s", 8);
    field(&mut b, a, bn, "next");
    field(&mut b, bn, c, "next");
    b.add_edge(a, w, EdgeKind::Weak, "cache");
    field(&mut b, bn, s, "self");
    field(&mut b, s, s, "me");
    b.add_root(a, "global a");
    b.add_root(c, "stack slot 0 in f()");
    let g = b.finish();
    let an = Analysis::new(&g);
    assert_eq!(an.idom(c), Some(Dominator::SuperRoot), "two roots reach c");
    assert_eq!(an.idom(bn), Some(Dominator::Node(a)));
    assert_eq!(an.retained_size(a), 1 + 2 + 8);
    assert_eq!(an.retained_size(c), 4);
    assert!(!an.is_reachable(w), "weak edges do not retain");
    assert_eq!(an.idom(w), None);
    assert_eq!(an.retained_size(w), 0);
    assert!(an.retainer_path(w).is_none());
    assert_eq!(an.reachable_count(), 4);
    assert_eq!(an.reachable_bytes(), 15);
    assert!(an.on_cycle(s), "a self edge is a cycle");
    assert!(!an.on_cycle(a));
    // Shortest path to c is the direct root, not the chain.
    let p = an.retainer_path(c).unwrap();
    assert_eq!(p.root, 1);
    assert!(p.edges.is_empty());
    assert_eq!(an.format_path(&g, &p), "stack slot 0 in f() → c");
    let report = an.leak_report(&g, 5);
    assert!(
        report.contains("Not reachable (garbage, or held only weakly): 1 objects"),
        "{report}"
    );
}

#[test]
fn a_doubly_linked_list_held_at_both_ends() {
    // head ⇄ n1 ⇄ … ⇄ tail, a root at each end: every node is reachable along two disjoint
    // paths, so none dominates another. Cooper-Harvey-Kennedy's iteration (this module's first
    // algorithm) needed a pass per node here, each walking the chain: cubic, effectively a
    // hang at this size. A second list hanging off the first's head is dominated by the head.
    const N: usize = 50_000;
    let mut b = HeapGraphBuilder::new();
    let nodes: Vec<NodeId> = (0..N).map(|_| obj(&mut b, "Node", 32)).collect();
    for pair in nodes.windows(2) {
        field(&mut b, pair[0], pair[1], "next");
        field(&mut b, pair[1], pair[0], "prev");
    }
    let tail_list: Vec<NodeId> = (0..N).map(|_| obj(&mut b, "Node", 32)).collect();
    field(&mut b, nodes[0], tail_list[0], "other");
    for pair in tail_list.windows(2) {
        field(&mut b, pair[0], pair[1], "next");
        field(&mut b, pair[1], pair[0], "prev");
    }
    b.add_root(nodes[0], "global head");
    b.add_root(nodes[N - 1], "global tail");
    let g = b.finish();
    let an = Analysis::new(&g);
    assert!(nodes
        .iter()
        .all(|&n| an.idom(n) == Some(Dominator::SuperRoot)));
    assert_eq!(an.idom(tail_list[0]), Some(Dominator::Node(nodes[0])));
    for pair in tail_list.windows(2) {
        assert_eq!(an.idom(pair[1]), Some(Dominator::Node(pair[0])));
    }
    assert_eq!(an.retained_size(nodes[0]), 32 * (N as u64 + 1));
    assert_eq!(an.retained_count(tail_list[0]), N as u64);
    assert_eq!(an.reachable_count(), 2 * N as u64);
}

#[test]
fn empty_graph_and_graph_without_roots() {
    let empty = HeapGraphBuilder::new().finish();
    let an = Analysis::new(&empty);
    assert_eq!((an.reachable_count(), an.reachable_bytes()), (0, 0));
    assert!(an.top_retainers(&empty, 5).is_empty());
    assert!(an
        .leak_report(&empty, 5)
        .starts_with("Live heap: 0 objects"));
    check_v8(&empty, Some(&an));

    let mut b = HeapGraphBuilder::new();
    let a = obj(&mut b, "A", 8);
    let c = obj(&mut b, "C", 8);
    field(&mut b, a, c, "x");
    field(&mut b, c, a, "y");
    let g = b.finish();
    let an = Analysis::new(&g);
    assert!(!an.is_reachable(a) && an.on_cycle(a) && an.on_cycle(c));
    assert_eq!(check_v8(&g, Some(&an))["snapshot"]["node_count"], 2);
    assert_eq!(check_v8(&g, None)["snapshot"]["node_count"], 4);
}

#[test]
#[should_panic(expected = "malformed heap graph")]
fn malformed_graph_is_refused() {
    let mut g = HeapGraphBuilder::new().finish();
    g.roots.push(gclox_gc::snapshot::RootEdge {
        to: 3,
        label: "dangling".into(),
    });
    let _ = Analysis::new(&g);
}

#[test]
fn lengauer_tarjan_example() {
    // The example flow graph of Lengauer & Tarjan (1979), with its known dominator tree.
    let names = [
        "R", "A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L",
    ];
    let mut b = HeapGraphBuilder::new();
    let ids: Vec<NodeId> = names.iter().map(|n| obj(&mut b, n, 1)).collect();
    let id = |s: &str| ids[names.iter().position(|n| *n == s).unwrap()];
    let edges = [
        ("R", "A"),
        ("R", "B"),
        ("R", "C"),
        ("A", "D"),
        ("B", "A"),
        ("B", "D"),
        ("B", "E"),
        ("C", "F"),
        ("C", "G"),
        ("D", "L"),
        ("E", "H"),
        ("F", "I"),
        ("G", "I"),
        ("G", "J"),
        ("H", "E"),
        ("H", "K"),
        ("I", "K"),
        ("J", "I"),
        ("K", "I"),
        ("K", "R"),
        ("L", "H"),
    ];
    for (f, t) in edges {
        field(&mut b, id(f), id(t), t);
    }
    b.add_root(id("R"), "entry");
    let g = b.finish();
    let an = Analysis::new(&g);
    let expect = [
        ("A", "R"),
        ("B", "R"),
        ("C", "R"),
        ("D", "R"),
        ("E", "R"),
        ("F", "C"),
        ("G", "C"),
        ("H", "R"),
        ("I", "R"),
        ("J", "G"),
        ("K", "R"),
        ("L", "D"),
    ];
    for (v, d) in expect {
        assert_eq!(an.idom(id(v)), Some(Dominator::Node(id(d))), "idom({v})");
    }
    assert_eq!(an.idom(id("R")), Some(Dominator::SuperRoot));
    assert_eq!(an.retained_size(id("C")), 4); // C, F, G, J
    assert_eq!(an.retained_size(id("R")), 13);
}

// ---------------------------------------------------------------------------------------------
// Brute force on small random graphs.

/// Nodes reachable from the roots by strong edges, never entering `removed`.
fn reach(g: &HeapGraph, removed: Option<NodeId>) -> Vec<bool> {
    let n = g.nodes.len();
    let mut adj = vec![Vec::new(); n];
    for e in g.edges.iter().filter(|e| e.kind.is_strong()) {
        adj[e.from as usize].push(e.to);
    }
    let mut seen = vec![false; n];
    let mut queue: VecDeque<NodeId> = VecDeque::new();
    for r in &g.roots {
        if Some(r.to) != removed && !seen[r.to as usize] {
            seen[r.to as usize] = true;
            queue.push_back(r.to);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &w in &adj[v as usize] {
            if Some(w) != removed && !seen[w as usize] {
                seen[w as usize] = true;
                queue.push_back(w);
            }
        }
    }
    seen
}

fn bfs_distance(g: &HeapGraph) -> Vec<Option<usize>> {
    let n = g.nodes.len();
    let mut adj = vec![Vec::new(); n];
    for e in g.edges.iter().filter(|e| e.kind.is_strong()) {
        adj[e.from as usize].push(e.to);
    }
    let mut dist = vec![None; n];
    let mut queue = VecDeque::new();
    for r in &g.roots {
        if dist[r.to as usize].is_none() {
            dist[r.to as usize] = Some(1);
            queue.push_back(r.to);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &w in &adj[v as usize] {
            if dist[w as usize].is_none() {
                dist[w as usize] = Some(dist[v as usize].unwrap() + 1);
                queue.push_back(w);
            }
        }
    }
    dist
}

fn random_graph(rng: &mut Rng, n: usize, edges_per_node: u64, roots: usize) -> HeapGraph {
    let mut b = HeapGraphBuilder::with_capacity(n, n * edges_per_node as usize);
    let kinds = ["Instance", "Closure", "String", "Upvalue", "Class"];
    for i in 0..n {
        let kind = kinds[rng.below(kinds.len() as u64) as usize];
        let site = (i % 7 == 0).then(|| format!("app.lox:{} in f{}()", i % 50, i % 3));
        b.add_node(kind, format!("N{}", i % 13), 1 + rng.below(100), site);
    }
    for v in 0..n as u32 {
        for _ in 0..rng.below(edges_per_node + 1) {
            let to = rng.below(n as u64) as u32;
            let kind = match rng.below(10) {
                0 => EdgeKind::Weak,
                1 => EdgeKind::Element,
                2 => EdgeKind::Upvalue,
                3 => EdgeKind::Internal,
                _ => EdgeKind::Field,
            };
            let label = if kind == EdgeKind::Element {
                format!("{}", rng.below(8))
            } else {
                String::new()
            };
            b.add_edge(v, to, kind, label);
        }
    }
    for i in 0..roots {
        b.add_root(rng.below(n as u64) as u32, format!("root {i}"));
    }
    b.finish()
}

#[test]
fn random_small_graphs_match_brute_force() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..300 {
        let n = 2 + rng.below(40) as usize;
        let roots = 1 + rng.below(3) as usize;
        let g = random_graph(&mut rng, n, 3, roots);
        let an = Analysis::new(&g);
        let live = reach(&g, None);
        let dist = bfs_distance(&g);
        // dominated[u] = nodes that become unreachable when u is removed.
        let dominated: Vec<Vec<bool>> = (0..n as u32)
            .map(|u| {
                let r = reach(&g, Some(u));
                (0..n).map(|v| live[v] && !r[v]).collect()
            })
            .collect();
        for v in 0..n {
            let vid = v as NodeId;
            assert_eq!(an.is_reachable(vid), live[v], "round {round} node {v}");
            if !live[v] {
                continue;
            }
            // Retained size: brute force = self sizes of everything u's removal disconnects.
            let brute: u64 = (0..n)
                .filter(|&w| dominated[v][w])
                .map(|w| g.nodes[w].self_size)
                .sum();
            assert_eq!(an.retained_size(vid), brute, "round {round} retained({v})");
            // Immediate dominator: the strict dominator that every other strict dominator
            // dominates (the closest one).
            let strict: Vec<usize> = (0..n).filter(|&u| u != v && dominated[u][v]).collect();
            let expected = strict
                .iter()
                .copied()
                .find(|&u| strict.iter().all(|&o| o == u || dominated[o][u]));
            let expected = match expected {
                Some(u) => Dominator::Node(u as NodeId),
                None => Dominator::SuperRoot,
            };
            assert_eq!(an.idom(vid), Some(expected), "round {round} idom({v})");
            // Shortest path: valid chain, shortest length.
            let p = an.retainer_path(vid).unwrap();
            let mut at = g.roots[p.root as usize].to;
            for &e in &p.edges {
                let e = &g.edges[e as usize];
                assert!(e.kind.is_strong());
                assert_eq!(e.from, at);
                at = e.to;
            }
            assert_eq!(at, vid);
            assert_eq!(Some(p.len()), dist[v], "round {round} path length to {v}");
        }
        // Cycles: v is on a cycle iff some strong successor of v reaches v back.
        for v in 0..n as u32 {
            let mut seen = vec![false; n];
            let mut stack: Vec<u32> = g
                .edges
                .iter()
                .filter(|e| e.from == v && e.kind.is_strong())
                .map(|e| e.to)
                .collect();
            let mut back = false;
            while let Some(w) = stack.pop() {
                if w == v {
                    back = true;
                    break;
                }
                if !std::mem::replace(&mut seen[w as usize], true) {
                    stack.extend(
                        g.edges
                            .iter()
                            .filter(|e| e.from == w && e.kind.is_strong())
                            .map(|e| e.to),
                    );
                }
            }
            assert_eq!(an.on_cycle(v), back, "round {round} on_cycle({v})");
        }
        // The report and the V8 writer run on anything.
        let _ = an.leak_report(&g, 5);
        check_v8(&g, Some(&an));
        check_v8(&g, None);
    }
}

// ---------------------------------------------------------------------------------------------
// The report's selection rules.

#[test]
fn report_lists_a_long_list_once_and_skips_trivial_root_containers() {
    let mut b = HeapGraphBuilder::new();
    // A 1000-node linked list under a root: only its head should be listed.
    let head = b.add_node("Instance", "Node", 32, Some("app.lox:3 in push()".into()));
    let mut prev = head;
    for _ in 1..1000 {
        let n = b.add_node("Instance", "Node", 32, Some("app.lox:3 in push()".into()));
        field(&mut b, prev, n, "next");
        prev = n;
    }
    b.add_root(head, "global handlers");
    // A registry holding 10 sessions with 1000-byte buffers: registry and sessions listed.
    let reg = obj(&mut b, "Registry", 16);
    let mut sessions = Vec::new();
    for i in 0..10 {
        let s = b.add_node(
            "Instance",
            "Session",
            64,
            Some("app.lox:14 in open()".into()),
        );
        let buf = b.add_node("String", format!("buffer {i}"), 1000, None);
        field(&mut b, reg, s, &format!("s{i}"));
        field(&mut b, s, buf, "buffer");
        field(&mut b, s, reg, "owner"); // cycle back to the registry
        sessions.push(s);
    }
    b.add_root(reg, "global registry");
    // An upvalue box around a big instance: the box is a trivial root container.
    let boxed = b.add_node("Upvalue", "cache", 16, None);
    let big = obj(&mut b, "Cache", 5000);
    b.add_edge(boxed, big, EdgeKind::Upvalue, "value");
    b.add_root(boxed, "open upvalue cache in main()");
    let g = b.finish();
    let an = Analysis::new(&g);

    let tops = an.top_retainers(&g, 20);
    assert_eq!(tops[0], head, "the list's head retains the most");
    assert_eq!(an.retained_size(head), 32_000);
    assert_eq!(an.retained_count(head), 1000);
    assert_eq!(tops[1], reg);
    assert_eq!(tops[2], big, "listed in place of its upvalue box");
    assert!(!tops.contains(&boxed));
    assert!(
        tops.iter()
            .all(|&t| g.nodes[t as usize].name != "Node" || t == head),
        "no other list node is listed: {tops:?}"
    );
    for s in &sessions {
        assert!(tops.contains(s), "session {s} listed");
    }

    let report = an.leak_report(&g, 4);
    println!("{report}");
    assert!(report.contains("Live heap: 1023 objects"), "{report}");
    assert!(report.contains(
        "path: global registry → Registry [cycle] → field s0 → Session [cycle] (allocated at app.lox:14 in open())"
    ));
    assert!(report
        .contains("path: open upvalue cache in main() → Upvalue cache → upvalue value → Cache"));
    assert!(report.contains("path: global handlers → Node (allocated at app.lox:3 in push())"));
    // By type: the list counted once (at its head), not once per ancestor.
    let line = report
        .lines()
        .find(|l| l.ends_with("Instance Node"))
        .expect("Node row");
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(&cols[..3], &["1000", "32000", "32000"], "{line}");
    // A long path is elided in the middle.
    let tail = an.retainer_path(prev).unwrap();
    let text = an.format_path(&g, &tail);
    assert!(text.contains("… 990 more …"), "{text}");
    assert!(text.starts_with("global handlers → Node → field next → Node"));
}

#[test]
fn report_looks_through_a_closure_and_its_upvalue_box() {
    // global → Closure → Upvalue → Registry → 50 sessions: the registry is the leak.
    let g = sample_leak_graph();
    let an = Analysis::new(&g);
    let registry = 1;
    assert_eq!(g.nodes[registry as usize].name, "Registry");
    let tops = an.top_retainers(&g, 3);
    assert_eq!(tops[0], registry, "{tops:?}");
    assert_eq!(an.retained_size(registry), 40 + 50 * (64 + 4096));
    let report = an.leak_report(&g, 1);
    assert!(
        report.contains(
            "path: global onMessage → Closure onMessage → upvalue registry → Upvalue registry → \
         internal value → Registry [cycle] (allocated at app.lox:2 in <script>)"
        ),
        "{report}"
    );
}

// ---------------------------------------------------------------------------------------------
// The V8 writer.

/// Writes `g` and checks the JSON is a structurally consistent V8 heap snapshot.
fn check_v8(g: &HeapGraph, an: Option<&Analysis>) -> Value {
    let mut buf = Vec::new();
    write_v8_heapsnapshot(g, an, &mut buf).unwrap();
    let v: Value = serde_json::from_slice(&buf).expect("valid JSON");
    let meta = &v["snapshot"]["meta"];
    let nf = meta["node_fields"].as_array().unwrap().len();
    assert_eq!(nf, 7);
    assert_eq!(meta["node_types"][0][9], "synthetic");
    assert_eq!(meta["edge_types"][0].as_array().unwrap().len(), 7);
    let nodes: Vec<u64> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let edges: Vec<u64> = v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect();
    let strings = v["strings"].as_array().unwrap();
    let node_count = v["snapshot"]["node_count"].as_u64().unwrap() as usize;
    let edge_count = v["snapshot"]["edge_count"].as_u64().unwrap() as usize;
    assert_eq!(nodes.len(), node_count * 7);
    assert_eq!(edges.len(), edge_count * 3);
    let expected_nodes = match an {
        Some(a) => a.reachable_count() as usize + 2,
        None => g.nodes.len() + 2,
    };
    assert_eq!(node_count, expected_nodes);
    let sum: u64 = nodes.chunks(7).map(|n| n[4]).sum();
    assert_eq!(
        sum as usize, edge_count,
        "edge_count fields sum to the edge count"
    );
    let mut ids = HashSet::new();
    for n in nodes.chunks(7) {
        assert!(n[0] < 15);
        assert!((n[1] as usize) < strings.len());
        assert_eq!(n[2] % 2, 1, "odd ids");
        assert!(ids.insert(n[2]), "unique ids");
    }
    assert_eq!(&nodes[..3], &[9, 1, 1], "node 0 is the synthetic root");
    assert_eq!(strings[1], "");
    assert_eq!(strings[0], "<dummy>");
    for e in edges.chunks(3) {
        assert!(e[0] < 7);
        if e[0] != 1 && e[0] != 4 {
            assert!((e[1] as usize) < strings.len(), "edge name in strings");
        }
        assert_eq!(e[2] % 7, 0);
        assert!((e[2] as usize) < nodes.len());
    }
    let tfc = v["snapshot"]["trace_function_count"].as_u64().unwrap() as usize;
    assert_eq!(v["trace_function_infos"].as_array().unwrap().len(), tfc * 6);
    v
}

#[test]
fn v8_snapshot_of_a_small_graph() {
    let mut b = HeapGraphBuilder::new();
    let class = b.add_node("Class", "Session", 48, None);
    let s = b.add_node(
        "Instance",
        "Session",
        64,
        Some("app.lox:14 in open()".into()),
    );
    let text = b.add_node("String", "héllo \"quoted\"\n", 30, None);
    let f = b.add_node("Closure", "open", 40, None);
    let up = b.add_node("Upvalue", "", 16, None);
    let garbage = b.add_node("Instance", "", 8, None);
    b.add_edge(s, class, EdgeKind::Internal, "class");
    b.add_edge(s, text, EdgeKind::Field, "name");
    b.add_edge(f, up, EdgeKind::Upvalue, "session");
    b.add_edge(up, s, EdgeKind::Internal, "value");
    b.add_edge(f, s, EdgeKind::Element, "3");
    b.add_edge(f, text, EdgeKind::Element, "constant");
    b.add_edge(f, garbage, EdgeKind::Weak, "w");
    b.add_root(f, "global open");
    let g = b.finish();
    let an = Analysis::new(&g);
    let v = check_v8(&g, Some(&an));
    let strings: Vec<&str> = v["strings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(strings.contains(&"héllo \"quoted\"\n"));
    assert!(strings.contains(&"global open"));
    assert!(strings.contains(&"(GC roots)"));
    let nodes = v["nodes"].as_array().unwrap();
    // Graph nodes start at position 2: class (closure), instance (object), ...
    assert_eq!(nodes[2 * 7], 5, "Class → closure");
    assert_eq!(nodes[3 * 7], 3, "Instance → object");
    assert_eq!(
        strings[nodes[3 * 7 + 1].as_u64().unwrap() as usize],
        "Session"
    );
    assert_eq!(nodes[4 * 7], 2, "String → string");
    assert_eq!(nodes[6 * 7], 0, "Upvalue → hidden");
    assert_eq!(
        strings[nodes[6 * 7 + 1].as_u64().unwrap() as usize],
        "Upvalue"
    );
    assert_eq!(
        v["snapshot"]["node_count"], 7,
        "garbage left out with an analysis"
    );
    // The instance's allocation site is in the trace tree.
    let tid = nodes[3 * 7 + 5].as_u64().unwrap();
    assert_eq!(tid, 2);
    assert_eq!(v["snapshot"]["trace_function_count"], 2);
    let infos = v["trace_function_infos"].as_array().unwrap();
    assert_eq!(strings[infos[7].as_u64().unwrap() as usize], "open");
    assert_eq!(strings[infos[8].as_u64().unwrap() as usize], "app.lox");
    assert_eq!(infos[10], 14);
    // Closure edges in order: context "session", element 3, element 1 (2nd element ordinal).
    let edges = v["edges"].as_array().unwrap();
    let closure_first = 1 + 1 + 2; // root edge, GC-roots edge, the instance's two edges
    assert_eq!(edges[closure_first * 3], 0);
    assert_eq!(
        strings[edges[closure_first * 3 + 1].as_u64().unwrap() as usize],
        "session"
    );
    assert_eq!(edges[closure_first * 3 + 3], 1);
    assert_eq!(edges[closure_first * 3 + 4], 3);
    assert_eq!(edges[closure_first * 3 + 7], 1);
    let v_all = check_v8(&g, None);
    assert_eq!(
        v_all["snapshot"]["node_count"], 8,
        "every node without an analysis"
    );

    if let Some(path) = out_path("sample.heapsnapshot") {
        let sample = sample_leak_graph();
        let file = std::fs::File::create(&path).unwrap();
        write_v8_heapsnapshot(&sample, None, file).unwrap();
        println!("wrote {path}");
        let an = Analysis::new(&sample);
        println!("{}", an.leak_report(&sample, 5));
        for v in 0..3 {
            println!(
                "node {v} ({}): retained {} idom {:?}",
                sample.nodes[v as usize].name,
                an.retained_size(v),
                an.idom(v)
            );
        }
    }
}

/// A small leak for looking at in DevTools or memlab: a registry of sessions that a global
/// closure keeps alive through its upvalue, plus a list.
fn sample_leak_graph() -> HeapGraph {
    let mut b = HeapGraphBuilder::new();
    let class = b.add_node("Class", "Session", 48, None);
    let reg = b.add_node(
        "Instance",
        "Registry",
        40,
        Some("app.lox:2 in <script>".into()),
    );
    let handler = b.add_node(
        "Closure",
        "onMessage",
        40,
        Some("app.lox:30 in main()".into()),
    );
    let up = b.add_node("Upvalue", "registry", 16, None);
    b.add_edge(handler, up, EdgeKind::Upvalue, "registry");
    b.add_edge(up, reg, EdgeKind::Internal, "value");
    for i in 0..50 {
        let s = b.add_node(
            "Instance",
            "Session",
            64,
            Some("app.lox:14 in open()".into()),
        );
        let buf = b.add_node("String", format!("payload {i}"), 4096, None);
        b.add_edge(s, class, EdgeKind::Internal, "class");
        b.add_edge(s, buf, EdgeKind::Field, "buffer");
        b.add_edge(s, reg, EdgeKind::Field, "owner");
        b.add_edge(reg, s, EdgeKind::Field, format!("s{i}"));
    }
    b.add_root(handler, "global onMessage");
    b.add_root(class, "global Session");
    b.finish()
}

// ---------------------------------------------------------------------------------------------
// A million nodes.

#[test]
fn million_node_chain() {
    const N: u32 = 1_000_000;
    let t = Instant::now();
    let mut b = HeapGraphBuilder::with_capacity(N as usize, N as usize);
    for i in 0..N {
        b.add_node("Instance", "Node", 40, None);
        if i > 0 {
            b.add_edge(i - 1, i, EdgeKind::Field, "next");
        }
    }
    b.add_root(0, "global list");
    let g = b.finish();
    let built = t.elapsed();
    let t = Instant::now();
    let an = Analysis::new(&g);
    let analysed = t.elapsed();
    let t = Instant::now();
    let report = an.leak_report(&g, 10);
    let reported = t.elapsed();
    let t = Instant::now();
    write_v8_heapsnapshot(&g, Some(&an), std::io::sink()).unwrap();
    let written = t.elapsed();
    println!(
        "1M chain: build {built:?}, analyse {analysed:?}, report {reported:?}, v8 {written:?}"
    );
    assert_eq!(an.reachable_count(), N as u64);
    assert_eq!(an.retained_size(0), 40 * N as u64);
    assert_eq!(an.retained_size(N - 1), 40);
    assert_eq!(an.idom(N - 1), Some(Dominator::Node(N - 2)));
    assert_eq!(an.retained_count(N / 2), (N / 2) as u64);
    assert!(!an.on_cycle(N / 2));
    assert_eq!(an.retainer_path(N - 1).unwrap().len(), N as usize);
    assert_eq!(an.top_retainers(&g, 10), vec![0]);
    if let Some(path) = out_path("chain1m.heapsnapshot") {
        let file = std::fs::File::create(&path).unwrap();
        write_v8_heapsnapshot(&g, Some(&an), file).unwrap();
        println!("wrote {path}");
    }
    assert!(report.contains("1000000 objects"), "{report}");
    println!("{report}");
}

#[test]
fn million_node_ring() {
    // A chain closed into a ring: one strongly connected component a million deep.
    const N: u32 = 1_000_000;
    let mut b = HeapGraphBuilder::with_capacity(N as usize, N as usize);
    for i in 0..N {
        b.add_node("Instance", "Node", 40, None);
        if i > 0 {
            b.add_edge(i - 1, i, EdgeKind::Field, "next");
        }
    }
    b.add_edge(N - 1, 0, EdgeKind::Field, "next");
    b.add_root(0, "global ring");
    let g = b.finish();
    let t = Instant::now();
    let an = Analysis::new(&g);
    println!("1M ring: analyse {:?}", t.elapsed());
    assert!(an.on_cycle(0) && an.on_cycle(N / 2) && an.on_cycle(N - 1));
    assert_eq!(an.retained_size(0), 40 * N as u64);
    assert_eq!(an.idom(0), Some(Dominator::SuperRoot));
}

#[test]
fn million_node_random_graph() {
    const N: usize = 1_000_000;
    let mut rng = Rng(42);
    let t = Instant::now();
    let g = random_graph(&mut rng, N, 4, 100);
    let built = t.elapsed();
    let t = Instant::now();
    let an = Analysis::new(&g);
    let analysed = t.elapsed();
    let t = Instant::now();
    let report = an.leak_report(&g, 10);
    let reported = t.elapsed();
    let t = Instant::now();
    let mut out = Vec::new();
    write_v8_heapsnapshot(&g, Some(&an), &mut out).unwrap();
    let written = t.elapsed();
    println!(
        "1M random ({} edges): build {built:?}, analyse {analysed:?}, report {reported:?}, \
         v8 {written:?} ({} MB)",
        g.edges.len(),
        out.len() >> 20
    );
    println!("{report}");

    let live = reach(&g, None);
    let live_count = live.iter().filter(|&&l| l).count() as u64;
    assert_eq!(an.reachable_count(), live_count);
    let live_bytes: u64 = (0..N)
        .filter(|&v| live[v])
        .map(|v| g.nodes[v].self_size)
        .sum();
    assert_eq!(an.reachable_bytes(), live_bytes);
    // Dominator consistency: a node retains no more than its dominator; retained sizes of the
    // super-root's children add up to the live bytes.
    let mut top_sum = 0;
    for v in 0..N as u32 {
        match an.idom(v) {
            None => assert!(!live[v as usize]),
            Some(Dominator::SuperRoot) => top_sum += an.retained_size(v),
            Some(Dominator::Node(d)) => assert!(an.retained_size(v) < an.retained_size(d)),
        }
    }
    assert_eq!(top_sum, live_bytes);
    // Spot checks against brute force: removing a node's idom disconnects it; paths are
    // shortest.
    let dist = bfs_distance(&g);
    for _ in 0..5 {
        let v = loop {
            let v = rng.below(N as u64) as u32;
            if live[v as usize] && matches!(an.idom(v), Some(Dominator::Node(_))) {
                break v;
            }
        };
        let Some(Dominator::Node(d)) = an.idom(v) else {
            unreachable!()
        };
        assert!(
            !reach(&g, Some(d))[v as usize],
            "idom({v}) = {d} dominates it"
        );
        assert_eq!(Some(an.retainer_path(v).unwrap().len()), dist[v as usize]);
    }
    if let Some(path) = out_path("random1m.heapsnapshot") {
        std::fs::write(&path, &out).unwrap();
        println!("wrote {path}");
        // Every written node's V8 id, retained size and dominator's V8 id (1 = super-root),
        // for comparing with another reader's analysis.
        let mut v8_id = vec![0u64; N];
        let mut next = 2u64;
        for v in 0..N as u32 {
            if an.is_reachable(v) {
                v8_id[v as usize] = 2 * next + 1;
                next += 1;
            }
        }
        let mut tsv = String::new();
        for v in 0..N as u32 {
            if an.is_reachable(v) {
                let dom = match an.idom(v).unwrap() {
                    Dominator::SuperRoot => 1,
                    Dominator::Node(d) => v8_id[d as usize],
                };
                tsv.push_str(&format!(
                    "{}\t{}\t{dom}\n",
                    v8_id[v as usize],
                    an.retained_size(v)
                ));
            }
        }
        std::fs::write(format!("{path}.retained.tsv"), tsv).unwrap();
        for v in an.top_retainers(&g, 3) {
            // V8 ids follow output position: reachable nodes in graph order, after two.
            let pos = (0..v).filter(|&u| an.is_reachable(u)).count() + 2;
            println!(
                "node {v} (v8 id {}): retained {} idom {:?} path {}",
                2 * pos + 1,
                an.retained_size(v),
                an.idom(v),
                an.format_path(&g, &an.retainer_path(v).unwrap())
            );
        }
    }
    let parsed: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        parsed["snapshot"]["node_count"].as_u64().unwrap(),
        live_count + 2
    );
}
