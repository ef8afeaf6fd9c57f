//! Writes a [`HeapGraph`] as V8's `.heapsnapshot` JSON, which Chrome DevTools' Memory tab and
//! memlab load.
//!
//! # The format (as V8's `HeapSnapshotJSONSerializer` writes it)
//!
//! One JSON object: `snapshot` (the `meta` field lists below, `node_count`, `edge_count`,
//! `trace_function_count`), then the flat arrays `nodes`, `edges`, `trace_function_infos`,
//! `trace_tree`, `samples`, `locations`, and last `strings`. Each node is 7 numbers
//! (`type, name, id, self_size, edge_count, trace_node_id, detachedness`), each edge 3
//! (`type, name_or_index, to_node`). Invariants the writer keeps:
//!
//! - Node 0 is the synthetic root (type `synthetic`, name `""`); its one edge (`element` 1)
//!   leads to node 1, the synthetic `(GC roots)`, whose edges are the graph's roots, one
//!   `property` edge per [`RootEdge`](super::RootEdge), named by its label. Graph nodes follow
//!   from node 2 on, in graph order.
//! - Edges are listed node by node: node *k*'s `edge_count` edges come right after node
//!   *k − 1*'s, in `graph.edges` order. So the `edge_count`s sum to the number of edges.
//! - `to_node` is the target's position in `nodes`, i.e. its index × 7.
//! - Ids are odd and unique: the node at position *p* has id `2p + 1` (root 1, GC roots 3), as
//!   V8 gives heap objects odd ids. They follow node order, so they are not stable from one
//!   snapshot to the next.
//! - `name` and `name_or_index` of non-element edges index `strings`, which holds each distinct
//!   string once; `strings[0]` is V8's `"<dummy>"`. Element edges carry a number instead: the
//!   label itself when it is a decimal `u32`, else the edge's position among its source's
//!   element edges.
//! - Allocation sites become V8's allocation trace: one `trace_function_infos` entry per
//!   distinct site (after entry 0, `(root)`), parsed from `FILE:LINE in FUNC()` when it has that
//!   shape, and a two-level `trace_tree` (a root, one child per site) whose node ids the nodes
//!   carry as `trace_node_id` (0 for a node without a site). `samples` and `locations` are
//!   empty, `detachedness` is 0.
//! - With an [`Analysis`], only reachable nodes are written (as V8 snapshots only hold objects
//!   that survived a GC), with the edges between them; without one, every node is written.
//!
//! # Kind mapping
//!
//! [`V8NodeType::for_kind`] maps [`Node::kind`](super::Node::kind):
//!
//! | kind | V8 type | V8 name |
//! |---|---|---|
//! | `Instance`, `Object`, anything not listed | `object` | the name (class name), else the kind |
//! | `String` | `string` | the (truncated) text |
//! | `Closure`, `BoundMethod`, `Native`, `Class` | `closure` | function, method or class name |
//! | `Function`, `Proto`, `Code` | `code` | function name |
//! | `Upvalue` | `hidden` | the name, else `Upvalue` |
//! | `Array`, `List` | `array` | the name, else the kind |
//! | `Number` | `number`; `Symbol` → `symbol`; `Synthetic` → `synthetic` | |
//!
//! `Class` maps to `closure`, not `object`: a JavaScript class is its constructor function,
//! and DevTools groups `object` nodes by name, so an `object` named `Session` would be counted
//! together with the `Session` instances. Edge kinds: `Field`, `Method` → `property`;
//! `Upvalue` → `context` (V8's closure variables); `Element` → `element`; `Internal`,
//! `BoundReceiver` → `internal`; `Weak` → `weak`.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};

use super::adjacency::NONE;
use super::analysis::Analysis;
use super::graph::{EdgeKind, HeapGraph};

/// V8's node types, numbered as in `meta.node_types[0]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum V8NodeType {
    Hidden = 0,
    Array,
    String,
    Object,
    Code,
    Closure,
    RegExp,
    Number,
    Native,
    Synthetic,
    ConcatenatedString,
    SlicedString,
    Symbol,
    BigInt,
    ObjectShape,
}

impl V8NodeType {
    /// The V8 type for a node kind (table in the module docs).
    pub fn for_kind(kind: &str) -> Self {
        match kind {
            "String" => V8NodeType::String,
            "Closure" | "BoundMethod" | "Native" | "Class" => V8NodeType::Closure,
            "Function" | "Proto" | "Code" => V8NodeType::Code,
            "Upvalue" => V8NodeType::Hidden,
            "Array" | "List" => V8NodeType::Array,
            "Number" => V8NodeType::Number,
            "Symbol" => V8NodeType::Symbol,
            "Synthetic" => V8NodeType::Synthetic,
            _ => V8NodeType::Object,
        }
    }
}

/// V8's edge types, numbered as in `meta.edge_types[0]`.
const CONTEXT: u8 = 0;
const ELEMENT: u8 = 1;
const PROPERTY: u8 = 2;
const INTERNAL: u8 = 3;
const WEAK: u8 = 6;
const NODE_FIELDS: usize = 7;

/// `snapshot.meta`, field for field as V8's serializer writes it.
const META: &str = concat!(
    r#"{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","#,
    r#""detachedness"],"#,
    r#""node_types":[["hidden","array","string","object","code","closure","regexp","#,
    r#""number","native","synthetic","concatenated string","sliced string","symbol","#,
    r#""bigint","object shape"],"string","number","number","number","number","number"],"#,
    r#""edge_fields":["type","name_or_index","to_node"],"#,
    r#""edge_types":[["context","element","property","internal","hidden","shortcut","#,
    r#""weak"],"string_or_number","node"],"#,
    r#""trace_function_info_fields":["function_id","name","script_name","script_id","#,
    r#""line","column"],"#,
    r#""trace_node_fields":["id","function_info_index","count","size","children"],"#,
    r#""sample_fields":["timestamp_us","last_assigned_id"],"#,
    r#""location_fields":["object_index","script_id","line","column"]}"#
);

fn edge_type(kind: EdgeKind) -> u8 {
    match kind {
        EdgeKind::Field | EdgeKind::Method => PROPERTY,
        EdgeKind::Upvalue => CONTEXT,
        EdgeKind::Element => ELEMENT,
        EdgeKind::Internal | EdgeKind::BoundReceiver => INTERNAL,
        EdgeKind::Weak => WEAK,
    }
}

/// The strings table: each distinct string once, in first-use order, `"<dummy>"` first.
struct Strings<'a> {
    ids: HashMap<&'a str, u32>,
    list: Vec<&'a str>,
}

impl<'a> Strings<'a> {
    fn new() -> Self {
        let mut s = Strings {
            ids: HashMap::new(),
            list: Vec::new(),
        };
        s.id("<dummy>");
        s
    }

    fn id(&mut self, s: &'a str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.list.len() as u32;
        self.ids.insert(s, id);
        self.list.push(s);
        id
    }
}

/// One distinct allocation site, parsed.
struct Site<'a> {
    function: &'a str,
    script: &'a str,
    line: u32,
    count: u64,
    size: u64,
}

/// Splits `FILE:LINE in FUNC()` into (FUNC, FILE, LINE); other shapes give (site, "", 0).
fn parse_site(site: &str) -> (&str, &str, u32) {
    if let Some((place, func)) = site.split_once(" in ") {
        if let Some((file, line)) = place.rsplit_once(':') {
            if let Ok(line) = line.trim().parse::<u32>() {
                return (func.trim().trim_end_matches("()"), file.trim(), line);
            }
        }
    }
    (site, "", 0)
}

/// Writes `graph` as a V8 `.heapsnapshot` to `w` (format and mapping in the module docs),
/// streaming: memory beyond the graph is O(nodes + edges) integers plus the string table, never
/// a JSON tree. With `analysis` (which must be of `graph`), unreachable nodes are left out.
///
/// Returns the first I/O error. Panics if `analysis` was computed from another graph.
pub fn write_v8_heapsnapshot<W: Write>(
    graph: &HeapGraph,
    analysis: Option<&Analysis>,
    w: W,
) -> io::Result<()> {
    if let Some(a) = analysis {
        a.check_graph(graph);
    }
    let n = graph.nodes.len();
    let keep = |v: usize| match analysis {
        Some(a) => a.idom[v] != NONE,
        None => true,
    };

    // Output position of every kept node (after the two synthetic nodes).
    let mut pos = vec![NONE; n];
    let mut kept: Vec<u32> = Vec::new();
    for (v, p) in pos.iter_mut().enumerate() {
        if keep(v) {
            *p = kept.len() as u32 + 2;
            kept.push(v as u32);
        }
    }
    // Kept edges grouped by source (stable counting sort on output position).
    let mut off = vec![0usize; kept.len() + 3];
    let edge_kept =
        |e: &super::graph::Edge| pos[e.from as usize] != NONE && pos[e.to as usize] != NONE;
    for e in graph.edges.iter().filter(|e| edge_kept(e)) {
        off[pos[e.from as usize] as usize + 1] += 1;
    }
    for i in 0..kept.len() + 2 {
        off[i + 1] += off[i];
    }
    let mut order = vec![0u32; off[kept.len() + 2]];
    let mut fill = off.clone();
    for (i, e) in graph.edges.iter().enumerate() {
        if edge_kept(e) {
            let p = pos[e.from as usize] as usize;
            order[fill[p]] = i as u32;
            fill[p] += 1;
        }
    }
    let node_count = kept.len() + 2;
    let edge_count = 1 + graph.roots.len() + order.len();

    // Allocation sites and their trace-tree node ids (root trace node is id 1).
    let mut site_ids: HashMap<&str, u32> = HashMap::new();
    let mut sites: Vec<Site> = Vec::new();
    let mut trace_id = vec![0u32; kept.len()];
    for (k, &v) in kept.iter().enumerate() {
        let node = &graph.nodes[v as usize];
        if let Some(site) = &node.site {
            let i = *site_ids.entry(site.as_str()).or_insert_with(|| {
                let (function, script, line) = parse_site(site);
                sites.push(Site {
                    function,
                    script,
                    line,
                    count: 0,
                    size: 0,
                });
                sites.len() as u32 - 1
            });
            sites[i as usize].count += 1;
            sites[i as usize].size += node.self_size;
            trace_id[k] = i + 2;
        }
    }

    let mut w = BufWriter::with_capacity(1 << 16, w);
    let mut strings = Strings::new();
    let trace_function_count = if sites.is_empty() { 0 } else { sites.len() + 1 };
    write!(
        w,
        "{{\"snapshot\":{{\"meta\":{META},\n\"node_count\":{node_count},\"edge_count\":{edge_count},\
         \"trace_function_count\":{trace_function_count}}},\n\"nodes\":["
    )?;
    // Synthetic root and (GC roots).
    let synthetic = V8NodeType::Synthetic as u8;
    writeln!(w, "{synthetic},{},1,0,1,0,0", strings.id(""))?;
    let gc_roots = strings.id("(GC roots)");
    writeln!(w, ",{synthetic},{gc_roots},3,0,{},0,0", graph.roots.len())?;
    for (k, &v) in kept.iter().enumerate() {
        let node = &graph.nodes[v as usize];
        let ty = V8NodeType::for_kind(&node.kind);
        let name = if node.name.is_empty() && ty != V8NodeType::String {
            node.kind.as_str()
        } else {
            node.name.as_str()
        };
        let p = k + 2;
        let edges = off[p + 1] - off[p];
        writeln!(
            w,
            ",{},{},{},{},{edges},{},0",
            ty as u8,
            strings.id(name),
            2 * p + 1,
            node.self_size,
            trace_id[k]
        )?;
    }
    w.write_all(b"],\n\"edges\":[")?;
    writeln!(w, "{ELEMENT},1,{NODE_FIELDS}")?;
    for r in &graph.roots {
        // Root targets are always reachable, hence always written.
        let to = pos[r.to as usize] as usize * NODE_FIELDS;
        writeln!(w, ",{PROPERTY},{},{to}", strings.id(&r.label))?;
    }
    for p in 2..node_count {
        let mut element_ordinal = 0u32;
        for &ei in &order[off[p]..off[p + 1]] {
            let e = &graph.edges[ei as usize];
            let ty = edge_type(e.kind);
            let name_or_index = if ty == ELEMENT {
                let i = e.label.parse::<u32>().unwrap_or(element_ordinal);
                element_ordinal += 1;
                i
            } else {
                strings.id(&e.label)
            };
            let to = pos[e.to as usize] as usize * NODE_FIELDS;
            writeln!(w, ",{ty},{name_or_index},{to}")?;
        }
    }
    w.write_all(b"],\n\"trace_function_infos\":[")?;
    if !sites.is_empty() {
        let root = strings.id("(root)");
        let empty = strings.id("");
        write!(w, "0,{root},{empty},0,0,0")?;
        let mut scripts: HashMap<&str, u32> = HashMap::new();
        for (i, s) in sites.iter().enumerate() {
            let next = scripts.len() as u32 + 1;
            let script_id = *scripts.entry(s.script).or_insert(next);
            let (name, script) = (strings.id(s.function), strings.id(s.script));
            write!(w, ",\n{},{name},{script},{script_id},{},0", i + 1, s.line)?;
        }
    }
    w.write_all(b"],\n\"trace_tree\":[")?;
    if !sites.is_empty() {
        let count: u64 = sites.iter().map(|s| s.count).sum();
        let size: u64 = sites.iter().map(|s| s.size).sum();
        write!(w, "1,0,{count},{size},[")?;
        for (i, s) in sites.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            write!(w, "{sep}{},{},{},{},[]", i + 2, i + 1, s.count, s.size)?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"],\n\"samples\":[],\n\"locations\":[],\n\"strings\":[")?;
    for (i, s) in strings.list.iter().enumerate() {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut w, s)?;
    }
    w.write_all(b"]}\n")?;
    w.flush()
}
