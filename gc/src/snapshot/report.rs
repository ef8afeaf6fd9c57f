//! The text leak report: totals, top retainers with their shortest paths, and a by-type table.
//!
//! # Which retainers are listed
//!
//! Candidates are the reachable nodes (never the super-root), ranked by retained size, then by
//! node id. Two rules keep the list from repeating one leak or naming a wrapper:
//!
//! 1. **Trivial root containers are skipped.** Walking down the dominator tree from each
//!    node a root points at, every node that dominates exactly one other node, of a different
//!    kind, is a wrapper (a closure whose only private object is an upvalue box, the box
//!    holding an instance, a one-field holder around a list): all it retains it retains through
//!    that one child, so the child is considered in its place, and the walk goes on from it.
//!    The walk stops at a node with several dominated children, with none, or whose one child
//!    has its own kind (a linked list's first node is the leak, and is kept).
//! 2. **A node subsumed by its dominator is skipped.** When a node holds at least 90 % of what
//!    its immediate dominator retains beyond the dominator's own self size (and that dominator
//!    is an object other than a trivial root container), it is the same memory seen one
//!    reference further down: only the outermost node of such a chain is listed, so a
//!    million-node list appears once, at its head, and no node of it below. Siblings that share
//!    a dominator more evenly (a table of many sessions) are each still listed alongside it.
//!
//! # Formats
//!
//! A path reads `ROOT LABEL → NODE → EDGE → NODE … (allocated at SITE)`, where a node prints as
//! its name for object-like kinds (the class name of an instance) and `KIND NAME` otherwise, an
//! edge as `field next`, `method init`, `upvalue x`, `element 3`, and every node on a cycle of
//! strong references carries `[cycle]`. Paths longer than [`PATH_HEAD`] + [`PATH_TAIL`] nodes
//! show their first and last nodes around `… N more …`.
//!
//! The by-type table groups nodes by kind, and for object-like kinds also by name (instances
//! per class, as DevTools' Summary does). Its retained column counts each node under its type
//! at most once: only nodes with no dominator of the same type contribute, so nested objects of
//! one type (the nodes of a list) are not counted once per ancestor.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::adjacency::NONE;
use super::analysis::Analysis;
use super::graph::{HeapGraph, NodeId};
use super::paths::RetainerPath;
use super::v8::V8NodeType;

/// Paths with more nodes than `PATH_HEAD + PATH_TAIL` show only this many leading nodes.
pub const PATH_HEAD: usize = 4;
/// ... and this many trailing nodes.
pub const PATH_TAIL: usize = 6;
/// Node names longer than this many characters are cut in the report.
const NAME_CHARS: usize = 40;
/// How many types the by-type table lists.
const TYPE_ROWS: usize = 15;

/// Whether `kind` is object-like: its nodes are named by their class (see `V8NodeType`).
fn object_like(kind: &str) -> bool {
    V8NodeType::for_kind(kind) == V8NodeType::Object
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(NAME_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A node as the report names it in paths: `Session`, `Closure open`, `String "hi"`.
pub fn node_label(graph: &HeapGraph, node: NodeId) -> String {
    let n = &graph.nodes[node as usize];
    if V8NodeType::for_kind(&n.kind) == V8NodeType::String {
        format!("{} {:?}", n.kind, cut(&n.name))
    } else if n.name.is_empty() {
        n.kind.clone()
    } else if object_like(&n.kind) {
        cut(&n.name)
    } else {
        format!("{} {}", n.kind, cut(&n.name))
    }
}

/// Human-readable bytes: `512 B`, `1.5 KiB`, `45.8 MiB`.
fn bytes(b: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if b < 1024 {
        return format!("{b} B");
    }
    let mut v = b as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Which nodes rule 1 of the module docs calls trivial root containers.
struct DomShape {
    trivial: Vec<bool>,
}

impl Analysis {
    fn dom_shape(&self, graph: &HeapGraph) -> DomShape {
        let n = self.node_count;
        let mut child_count = vec![0u32; n + 1];
        let mut some_child = vec![NONE; n + 1];
        for &v in self.rpo.iter().skip(1) {
            let p = self.idom[v as usize] as usize;
            child_count[p] += 1;
            some_child[p] = v;
        }
        let mut trivial = vec![false; n];
        for r in &graph.roots {
            let mut v = r.to as usize;
            while !trivial[v]
                && child_count[v] == 1
                && graph.nodes[some_child[v] as usize].kind != graph.nodes[v].kind
            {
                trivial[v] = true;
                v = some_child[v] as usize;
            }
        }
        DomShape { trivial }
    }

    /// Rule 1 of the module docs.
    fn trivial_root_container(&self, shape: &DomShape, v: u32) -> bool {
        (v as usize) < self.node_count && shape.trivial[v as usize]
    }

    /// The nodes the leak report lists, best first: at most `top`, chosen by the two rules in
    /// the module docs. Panics if `graph` is not the analysed graph.
    pub fn top_retainers(&self, graph: &HeapGraph, top: usize) -> Vec<NodeId> {
        self.check_graph(graph);
        let shape = self.dom_shape(graph);
        let super_root = self.super_root();
        let mut candidates: Vec<NodeId> = self
            .rpo
            .iter()
            .copied()
            .filter(|&v| v != super_root)
            .filter(|&v| !self.trivial_root_container(&shape, v))
            .filter(|&v| {
                let u = self.idom[v as usize];
                let subsumed = u != super_root
                    && !self.trivial_root_container(&shape, u)
                    && self.retained_size[v as usize] as u128 * 10
                        >= (self.retained_size[u as usize] - graph.nodes[u as usize].self_size)
                            as u128
                            * 9;
                !subsumed
            })
            .collect();
        let order = |a: &NodeId, b: &NodeId| {
            self.retained_size[*b as usize]
                .cmp(&self.retained_size[*a as usize])
                .then(a.cmp(b))
        };
        if top == 0 {
            return Vec::new();
        }
        if candidates.len() > top {
            candidates.select_nth_unstable_by(top - 1, order);
            candidates.truncate(top);
        }
        candidates.sort_unstable_by(order);
        candidates
    }

    /// Formats `path` as described in the module docs (root label, nodes and edges, `[cycle]`
    /// marks, the last node's allocation site). Panics if `graph` is not the analysed graph.
    pub fn format_path(&self, graph: &HeapGraph, path: &RetainerPath) -> String {
        self.check_graph(graph);
        let nodes = path.nodes(graph);
        let mut out = graph.roots[path.root as usize].label.clone();
        let node_text = |out: &mut String, node: NodeId| {
            out.push_str(" → ");
            out.push_str(&node_label(graph, node));
            if self.on_cycle[node as usize] {
                out.push_str(" [cycle]");
            }
        };
        let elide = nodes.len() > PATH_HEAD + PATH_TAIL;
        for (i, &node) in nodes.iter().enumerate() {
            if elide && i == PATH_HEAD {
                let hidden = nodes.len() - PATH_HEAD - PATH_TAIL;
                let _ = write!(out, " → … {hidden} more …");
            }
            if elide && i >= PATH_HEAD && i < nodes.len() - PATH_TAIL {
                continue;
            }
            if i > 0 {
                let e = &graph.edges[path.edges[i - 1] as usize];
                out.push_str(" → ");
                out.push_str(e.kind.word());
                if !e.label.is_empty() {
                    out.push(' ');
                    out.push_str(&e.label);
                }
            }
            node_text(&mut out, node);
        }
        let last = *nodes.last().expect("a path has a node");
        if let Some(site) = &graph.nodes[last as usize].site {
            let _ = write!(out, " (allocated at {site})");
        }
        out
    }

    /// The leak report: live totals, the `top` retainers (rules in the module docs) each with
    /// retained bytes and objects, kind, name, site and shortest path, then the by-type table.
    /// Panics if `graph` is not the analysed graph.
    pub fn leak_report(&self, graph: &HeapGraph, top: usize) -> String {
        self.check_graph(graph);
        let mut out = String::new();
        let live = self.reachable_count();
        let live_bytes = self.reachable_bytes();
        let _ = writeln!(
            out,
            "Live heap: {live} objects, {} ({live_bytes} bytes), reachable from {} roots",
            bytes(live_bytes),
            graph.roots.len()
        );
        let dead = self.node_count as u64 - live;
        if dead > 0 {
            let dead_bytes = graph.total_self_size() - live_bytes;
            let _ = writeln!(
                out,
                "Not reachable (garbage, or held only weakly): {dead} objects, {} — not counted below",
                bytes(dead_bytes)
            );
        }
        let cyclic = self
            .rpo
            .iter()
            .filter(|&&v| self.on_cycle[v as usize])
            .count();
        let _ = writeln!(out, "Live objects on reference cycles: {cyclic}");

        let tops = self.top_retainers(graph, top);
        let _ = writeln!(
            out,
            "\nTop {} retainers by retained size (skipping trivial root containers and nodes \
             holding ≥90% of what their dominator retains)",
            tops.len()
        );
        for (rank, &v) in tops.iter().enumerate() {
            let node = &graph.nodes[v as usize];
            let size = self.retained_size[v as usize];
            let _ = write!(
                out,
                "{:>3}. {} retained ({:.1}% of live), {} objects: {}",
                rank + 1,
                bytes(size),
                percent(size, live_bytes),
                self.retained_count[v as usize],
                node.kind
            );
            if !node.name.is_empty() {
                let _ = write!(out, " {:?}", cut(&node.name));
            }
            let _ = write!(out, ", self {}", bytes(node.self_size));
            if self.on_cycle[v as usize] {
                out.push_str(" [cycle]");
            }
            if let Some(site) = &node.site {
                let _ = write!(out, ", allocated at {site}");
            }
            out.push('\n');
            if let Some(path) = self.retainer_path(v) {
                let _ = writeln!(out, "     path: {}", self.format_path(graph, &path));
            }
        }
        self.by_type(graph, &mut out);
        out
    }

    /// Appends the by-type table (see the module docs).
    fn by_type(&self, graph: &HeapGraph, out: &mut String) {
        let n = self.node_count;
        let super_root = self.super_root();
        // Type of every node: (kind, class name for object-like kinds).
        let mut ids: HashMap<(&str, &str), u32> = HashMap::new();
        let mut keys: Vec<(&str, &str)> = Vec::new();
        let mut type_of = vec![NONE; n];
        for &v in self.rpo.iter().skip(1) {
            let node = &graph.nodes[v as usize];
            let key = if object_like(&node.kind) {
                (node.kind.as_str(), node.name.as_str())
            } else {
                (node.kind.as_str(), "")
            };
            let id = *ids.entry(key).or_insert_with(|| {
                keys.push(key);
                keys.len() as u32 - 1
            });
            type_of[v as usize] = id;
        }
        let t = keys.len();
        let mut count = vec![0u64; t];
        let mut self_bytes = vec![0u64; t];
        let mut retained = vec![0u64; t];
        for &v in self.rpo.iter().skip(1) {
            let ty = type_of[v as usize] as usize;
            count[ty] += 1;
            self_bytes[ty] += graph.nodes[v as usize].self_size;
        }

        // Dominator-tree children (CSR), then an iterative DFS that credits a node's retained
        // size to its type only when no dominator on the current path has the same type.
        let mut off = vec![0usize; n + 2];
        for &v in self.rpo.iter().skip(1) {
            off[self.idom[v as usize] as usize + 1] += 1;
        }
        for i in 0..=n {
            off[i + 1] += off[i];
        }
        let mut kids = vec![0u32; off[n + 1]];
        let mut fill = off.clone();
        for &v in self.rpo.iter().skip(1) {
            let p = self.idom[v as usize] as usize;
            kids[fill[p]] = v;
            fill[p] += 1;
        }
        let mut open = vec![0u32; t];
        let mut stack: Vec<(u32, usize)> = vec![(super_root, off[super_root as usize])];
        while let Some(top) = stack.last_mut() {
            let (v, pos) = *top;
            if pos < off[v as usize + 1] {
                top.1 += 1;
                let c = kids[pos];
                let ty = type_of[c as usize] as usize;
                if open[ty] == 0 {
                    retained[ty] += self.retained_size[c as usize];
                }
                open[ty] += 1;
                stack.push((c, off[c as usize]));
            } else {
                stack.pop();
                if v != super_root {
                    open[type_of[v as usize] as usize] -= 1;
                }
            }
        }

        let mut order: Vec<usize> = (0..t).collect();
        order.sort_by(|&a, &b| retained[b].cmp(&retained[a]).then(keys[a].cmp(&keys[b])));
        let _ = writeln!(
            out,
            "\nBy type (top {} of {t} by retained size; each object counted once per type)",
            order.len().min(TYPE_ROWS)
        );
        let _ = writeln!(
            out,
            "{:>10} {:>14} {:>14}  type",
            "count", "self bytes", "retained"
        );
        for &ty in order.iter().take(TYPE_ROWS) {
            let (kind, name) = keys[ty];
            let label = if name.is_empty() {
                kind.to_string()
            } else {
                format!("{kind} {}", cut(name))
            };
            let _ = writeln!(
                out,
                "{:>10} {:>14} {:>14}  {label}",
                count[ty], self_bytes[ty], retained[ty]
            );
        }
    }
}
