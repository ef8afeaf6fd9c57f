//! The heap-graph data model and its builder.
//!
//! # Invariants
//!
//! - A node is named by its index in [`HeapGraph::nodes`] (a `u32`); nodes are never removed,
//!   so an index handed out by [`HeapGraphBuilder::add_node`] stays valid.
//! - Every [`Edge::from`], [`Edge::to`] and [`RootEdge::to`] is `< nodes.len()`. The builder
//!   checks this on every call; a graph assembled by hand is checked by [`HeapGraph::validate`]
//!   (and [`Analysis::new`](super::Analysis::new) panics on a graph that fails it).
//! - Edges and roots may come in any order and may repeat; parallel edges and self edges are
//!   allowed. Their order only breaks ties (see the shortest-path rule in `paths.rs`).
//! - [`EdgeKind::Weak`] edges do not retain: the analysis ignores them for reachability,
//!   dominators, paths and cycles. They are still written to the V8 snapshot (as `weak`).
//! - Apart from the `String`s in the fields (kind, name, site, label), building allocates
//!   nothing per node or edge: nodes and edges live in two flat `Vec`s. An empty `String` does
//!   not allocate, so unlabelled edges are free.

use std::fmt;

/// Index of a node in [`HeapGraph::nodes`].
pub type NodeId = u32;

/// One heap object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// What sort of object this is, e.g. `"Instance"`, `"Closure"`, `"String"`. The V8 writer
    /// maps it to a V8 node type (see [`V8NodeType::for_kind`](super::V8NodeType::for_kind)).
    pub kind: String,
    /// Its human name: a class name for an instance, a function name for a closure, the
    /// (caller-truncated) text of a string. May be empty.
    pub name: String,
    /// Bytes the object itself occupies (header, value and owned buffers), not counting the
    /// objects it points to.
    pub self_size: u64,
    /// Where it was allocated, if the allocation was sampled, e.g. `"app.lox:14 in open()"`.
    pub site: Option<String>,
}

/// How one object refers to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// A named field of an instance (label: the field name).
    Field,
    /// A method in a class's method table (label: the method name).
    Method,
    /// A captured variable of a closure (label: the variable name).
    Upvalue,
    /// An indexed slot, e.g. a stack slot or a constant (label: the index in decimal, ideally).
    Element,
    /// A structural pointer: class pointer, prototype, superclass (label: what it is).
    Internal,
    /// The receiver a bound method carries.
    BoundReceiver,
    /// A reference that does not keep its target alive (e.g. a weak intern-table entry).
    Weak,
}

impl EdgeKind {
    /// True for every kind except [`EdgeKind::Weak`]: strong edges keep their target alive.
    pub fn is_strong(self) -> bool {
        self != EdgeKind::Weak
    }

    /// The word the text report puts before the label, e.g. `field` in `field next`.
    pub fn word(self) -> &'static str {
        match self {
            EdgeKind::Field => "field",
            EdgeKind::Method => "method",
            EdgeKind::Upvalue => "upvalue",
            EdgeKind::Element => "element",
            EdgeKind::Internal => "internal",
            EdgeKind::BoundReceiver => "receiver",
            EdgeKind::Weak => "weak",
        }
    }
}

/// A reference from `from` to `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The referring node.
    pub from: NodeId,
    /// The referred-to node.
    pub to: NodeId,
    /// What sort of reference it is.
    pub kind: EdgeKind,
    /// Its name: field, method or variable name, slot index, `"class"`; may be empty.
    pub label: String,
}

/// A reference from outside the heap (a global, a stack slot, an open upvalue) to a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootEdge {
    /// The node the root keeps alive.
    pub to: NodeId,
    /// What the root is, e.g. `"global handlers"`, `"stack slot 3 in f()"`.
    pub label: String,
}

/// A snapshot of an object graph: nodes, the references between them, and the roots.
///
/// Build one with [`HeapGraphBuilder`]; the invariants are in the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeapGraph {
    /// The objects; a node's index is its [`NodeId`].
    pub nodes: Vec<Node>,
    /// The references between objects, in any order.
    pub edges: Vec<Edge>,
    /// The references from outside the heap.
    pub roots: Vec<RootEdge>,
}

/// Why a [`HeapGraph`] is malformed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GraphError {
    /// More than `u32::MAX - 2` nodes, or more than `u32::MAX - 1` edges or roots.
    TooLarge,
    /// `edges[edge]` names a node index `node` that does not exist.
    EdgeOutOfRange { edge: usize, node: NodeId },
    /// `roots[root]` names a node index `node` that does not exist.
    RootOutOfRange { root: usize, node: NodeId },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::TooLarge => write!(f, "heap graph too large for u32 indices"),
            GraphError::EdgeOutOfRange { edge, node } => {
                write!(f, "edge {edge} refers to missing node {node}")
            }
            GraphError::RootOutOfRange { root, node } => {
                write!(f, "root {root} refers to missing node {node}")
            }
        }
    }
}

impl std::error::Error for GraphError {}

/// The largest node count: two indices stay free for the analysis's super-root and "none".
pub(crate) const MAX_NODES: usize = u32::MAX as usize - 2;

impl HeapGraph {
    /// Checks the index invariants: every edge and root names an existing node, and the
    /// counts fit the `u32` indices the analysis uses.
    pub fn validate(&self) -> Result<(), GraphError> {
        let n = self.nodes.len();
        if n > MAX_NODES
            || self.edges.len() >= u32::MAX as usize
            || self.roots.len() >= u32::MAX as usize
        {
            return Err(GraphError::TooLarge);
        }
        for (i, e) in self.edges.iter().enumerate() {
            for node in [e.from, e.to] {
                if node as usize >= n {
                    return Err(GraphError::EdgeOutOfRange { edge: i, node });
                }
            }
        }
        for (i, r) in self.roots.iter().enumerate() {
            if r.to as usize >= n {
                return Err(GraphError::RootOutOfRange {
                    root: i,
                    node: r.to,
                });
            }
        }
        Ok(())
    }

    /// The sum of every node's `self_size`, reachable or not.
    pub fn total_self_size(&self) -> u64 {
        self.nodes.iter().map(|n| n.self_size).sum()
    }
}

/// Builds a [`HeapGraph`] one node, edge and root at a time.
///
/// Each call is O(1) amortised and allocates nothing beyond the strings it is given.
/// `add_edge` and `add_root` panic on a node id that `add_node` has not returned, so a graph
/// from [`HeapGraphBuilder::finish`] always passes [`HeapGraph::validate`].
#[derive(Debug, Default)]
pub struct HeapGraphBuilder {
    graph: HeapGraph,
}

impl HeapGraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `nodes` nodes and `edges` edges.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        let graph = HeapGraph {
            nodes: Vec::with_capacity(nodes),
            edges: Vec::with_capacity(edges),
            roots: Vec::new(),
        };
        HeapGraphBuilder { graph }
    }

    /// Adds a node and returns its id (ids count up from 0).
    ///
    /// Panics past `u32::MAX - 2` nodes.
    pub fn add_node(
        &mut self,
        kind: impl Into<String>,
        name: impl Into<String>,
        self_size: u64,
        site: Option<String>,
    ) -> NodeId {
        let id = self.graph.nodes.len();
        assert!(id < MAX_NODES, "heap graph: too many nodes");
        self.graph.nodes.push(Node {
            kind: kind.into(),
            name: name.into(),
            self_size,
            site,
        });
        id as NodeId
    }

    /// Adds an edge `from → to`. Panics if either id was not returned by `add_node`.
    pub fn add_edge(&mut self, from: NodeId, to: NodeId, kind: EdgeKind, label: impl Into<String>) {
        let n = self.graph.nodes.len();
        assert!(
            (from as usize) < n && (to as usize) < n,
            "heap graph: edge {from} -> {to} names a missing node ({n} nodes)"
        );
        assert!(
            self.graph.edges.len() < u32::MAX as usize - 1,
            "heap graph: too many edges"
        );
        self.graph.edges.push(Edge {
            from,
            to,
            kind,
            label: label.into(),
        });
    }

    /// Adds a root keeping `to` alive. Panics if `to` was not returned by `add_node`.
    pub fn add_root(&mut self, to: NodeId, label: impl Into<String>) {
        let n = self.graph.nodes.len();
        assert!(
            (to as usize) < n,
            "heap graph: root names missing node {to} ({n} nodes)"
        );
        assert!(
            self.graph.roots.len() < u32::MAX as usize - 1,
            "heap graph: too many roots"
        );
        self.graph.roots.push(RootEdge {
            to,
            label: label.into(),
        });
    }

    /// How many nodes have been added so far.
    pub fn node_count(&self) -> usize {
        self.graph.nodes.len()
    }

    /// The finished graph.
    pub fn finish(self) -> HeapGraph {
        self.graph
    }
}
