//! Compressed adjacency (CSR) of the strong edges, with a synthetic super-root.
//!
//! # Invariants
//!
//! - Vertices are `0..=n` for a graph of `n` nodes: vertex `v < n` is node `v`, vertex `n` is
//!   the super-root, whose out-edges are the graph's roots in `roots` order.
//! - `succ[off[v]..off[v + 1]]` are `v`'s strong successors in the order the edges appear in
//!   `graph.edges` (a stable counting sort), and `via[i]` names what `succ[i]` came from: an
//!   index into `graph.edges`, or into `graph.roots` when the source is the super-root.
//! - Weak edges are left out: nothing here treats them as references.

use super::graph::HeapGraph;

/// Marks "no vertex" / "not set" in the `u32` arrays of the analysis.
pub(crate) const NONE: u32 = u32::MAX;

/// The strong out-edges of every vertex, grouped by source.
pub(crate) struct Adjacency {
    /// `off[v]..off[v + 1]` indexes `succ`/`via` for vertex `v`; length `n + 2`.
    pub off: Vec<usize>,
    /// Target vertex of each edge.
    pub succ: Vec<u32>,
    /// Index into `graph.edges` (or `graph.roots` for the super-root's edges).
    pub via: Vec<u32>,
}

impl Adjacency {
    /// Builds the adjacency of `graph`'s strong edges plus the super-root's root edges.
    /// `graph` must have passed [`HeapGraph::validate`].
    pub fn forward(graph: &HeapGraph) -> Self {
        let n = graph.nodes.len();
        let mut off = vec![0usize; n + 2];
        for e in graph.edges.iter().filter(|e| e.kind.is_strong()) {
            off[e.from as usize + 1] += 1;
        }
        off[n + 1] = graph.roots.len();
        for v in 0..=n {
            off[v + 1] += off[v];
        }
        let m = off[n + 1];
        let mut succ = vec![0u32; m];
        let mut via = vec![0u32; m];
        let mut next = off.clone();
        for (i, e) in graph.edges.iter().enumerate() {
            if e.kind.is_strong() {
                let slot = &mut next[e.from as usize];
                succ[*slot] = e.to;
                via[*slot] = i as u32;
                *slot += 1;
            }
        }
        for (i, r) in graph.roots.iter().enumerate() {
            let slot = &mut next[n];
            succ[*slot] = r.to;
            via[*slot] = i as u32;
            *slot += 1;
        }
        Adjacency { off, succ, via }
    }

    /// Number of vertices, the super-root included.
    pub fn vertex_count(&self) -> usize {
        self.off.len() - 1
    }

    /// The super-root's vertex number (`n`).
    pub fn super_root(&self) -> u32 {
        (self.off.len() - 2) as u32
    }

    /// The positions in `succ`/`via` of `v`'s out-edges.
    pub fn range(&self, v: u32) -> std::ops::Range<usize> {
        self.off[v as usize]..self.off[v as usize + 1]
    }

    /// `v`'s strong successors.
    pub fn successors(&self, v: u32) -> &[u32] {
        &self.succ[self.range(v)]
    }
}
