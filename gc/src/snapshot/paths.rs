//! Shortest retainer paths (breadth-first search from the super-root).
//!
//! # Invariants
//!
//! - The BFS follows strong edges only and visits the roots in `graph.roots` order, then each
//!   node's edges in `graph.edges` order; the first edge to reach a node becomes its parent.
//!   So a node's path is a shortest one in edges, and among the shortest it is the one through
//!   the earliest root and earliest edges. Every prefix of a path is its node's own path.
//! - `parent[v]` is the vertex the BFS came from (`NONE` if unreachable, the super-root's
//!   vertex number for a root target), `via[v]` the edge (or root) index it came along.

use std::collections::VecDeque;

use super::adjacency::{Adjacency, NONE};
use super::graph::{HeapGraph, NodeId};

/// The BFS tree over vertices.
pub(crate) struct BfsTree {
    pub parent: Vec<u32>,
    pub via: Vec<u32>,
}

/// Runs the BFS from the super-root over `adj`.
pub(crate) fn bfs(adj: &Adjacency) -> BfsTree {
    let vcount = adj.vertex_count();
    let start = adj.super_root();
    let mut parent = vec![NONE; vcount];
    let mut via = vec![NONE; vcount];
    let mut queue = VecDeque::new();
    parent[start as usize] = start;
    queue.push_back(start);
    while let Some(v) = queue.pop_front() {
        for i in adj.range(v) {
            let w = adj.succ[i] as usize;
            if parent[w] == NONE {
                parent[w] = v;
                via[w] = adj.via[i];
                queue.push_back(w as u32);
            }
        }
    }
    BfsTree { parent, via }
}

/// A shortest chain of references from a root to a node.
///
/// The path starts at `graph.roots[root]`, whose target is the first node, and follows
/// `graph.edges[e]` for each `e` in `edges` in order; the last edge's target (or the root's
/// target, when `edges` is empty) is the node the path was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetainerPath {
    /// Index into `graph.roots` of the root the path starts from.
    pub root: u32,
    /// Indices into `graph.edges`, from the root's target to the node.
    pub edges: Vec<u32>,
}

impl RetainerPath {
    /// The nodes along the path, the root's target first and the asked-for node last.
    pub fn nodes(&self, graph: &HeapGraph) -> Vec<NodeId> {
        let mut nodes = Vec::with_capacity(self.edges.len() + 1);
        nodes.push(graph.roots[self.root as usize].to);
        nodes.extend(self.edges.iter().map(|&e| graph.edges[e as usize].to));
        nodes
    }

    /// Number of references from the root to the node (the root edge counts as one).
    pub fn len(&self) -> usize {
        self.edges.len() + 1
    }

    /// Always false: a path has at least its root edge.
    pub fn is_empty(&self) -> bool {
        false
    }
}

/// Reads `node`'s path out of the BFS tree; `None` when the node is unreachable.
pub(crate) fn path_to(tree: &BfsTree, super_root: u32, node: NodeId) -> Option<RetainerPath> {
    if tree.parent[node as usize] == NONE {
        return None;
    }
    let mut edges = Vec::new();
    let mut v = node;
    while tree.parent[v as usize] != super_root {
        edges.push(tree.via[v as usize]);
        v = tree.parent[v as usize];
    }
    edges.reverse();
    Some(RetainerPath {
        root: tree.via[v as usize],
        edges,
    })
}
