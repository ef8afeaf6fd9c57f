//! Heap snapshots: a generic object graph, its dominator analysis, a text leak report, and
//! V8's `.heapsnapshot` format for Chrome DevTools and memlab.
//!
//! The module knows nothing about Lox. An interpreter walks its live objects and describes
//! them with a [`HeapGraphBuilder`] (nodes with a kind, a name, a self size and an optional
//! allocation site; labelled edges; labelled roots), then:
//!
//! - [`Analysis::new`] computes reachability from the roots, immediate dominators
//!   (Lengauer–Tarjan), retained sizes, shortest retainer paths and which nodes lie on
//!   reference cycles;
//! - [`Analysis::leak_report`] renders what a person reads in a terminal;
//! - [`write_v8_heapsnapshot`] streams the graph as V8 JSON.
//!
//! ```
//! use gclox_gc::snapshot::{Analysis, EdgeKind, HeapGraphBuilder};
//! let mut b = HeapGraphBuilder::new();
//! let list = b.add_node("Instance", "List", 32, None);
//! let item = b.add_node("Instance", "Session", 64, Some("app.lox:14 in open()".into()));
//! b.add_edge(list, item, EdgeKind::Field, "head");
//! b.add_root(list, "global sessions");
//! let graph = b.finish();
//! let analysis = Analysis::new(&graph);
//! assert_eq!(analysis.retained_size(list), 96);
//! let path = analysis.retainer_path(item).unwrap();
//! assert_eq!(
//!     analysis.format_path(&graph, &path),
//!     "global sessions → List → field head → Session (allocated at app.lox:14 in open())"
//! );
//! ```
//!
//! # Invariants shared by all the parts
//!
//! - The *super-root* is synthetic: it is no node of the graph; its out-edges are the
//!   [`RootEdge`]s. Dominators, reachability and paths are all relative to it.
//! - Only strong edges (every [`EdgeKind`] but `Weak`) retain. Weak edges appear in the V8
//!   output and nowhere in the analysis.
//! - Nothing recurses on graph depth: every traversal keeps an explicit stack or queue, so a
//!   million-long chain is fine. Everything is O(nodes + edges) (dominators: O(edges × log
//!   nodes)), with `u32` indices in flat arrays.

mod adjacency;
mod analysis;
mod cycles;
mod dominators;
mod graph;
mod paths;
mod report;
mod v8;

pub use analysis::{Analysis, Dominator};
pub use graph::{Edge, EdgeKind, GraphError, HeapGraph, HeapGraphBuilder, Node, NodeId, RootEdge};
pub use paths::RetainerPath;
pub use report::{node_label, PATH_HEAD, PATH_TAIL};
pub use v8::{write_v8_heapsnapshot, V8NodeType};
