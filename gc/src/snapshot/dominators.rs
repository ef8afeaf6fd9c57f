//! Reachability and immediate dominators (Cooper, Harvey and Kennedy, "A Simple, Fast
//! Dominance Algorithm", 2001), and retained sizes over the dominator tree.
//!
//! # Invariants
//!
//! - The DFS is iterative (an explicit stack of `(vertex, next edge)`), so a million-long
//!   chain costs a million stack entries on the heap, not on the thread's stack.
//! - Vertices are renumbered in reverse postorder (RPO) of that DFS from the super-root;
//!   RPO number 0 is the super-root and only reachable vertices get a number. In RPO every
//!   reachable vertex's DFS parent has a smaller number than it, and so does its dominator;
//!   CHK's `intersect` therefore walks up the finger with the larger number.
//! - The iteration visits vertices in RPO and stops when a full pass changes nothing; the
//!   result is the unique immediate-dominator function (CHK, theorem 1). Each node's `idom`
//!   is the super-root when two roots (or a root and a path avoiding every single object)
//!   reach it.
//! - Retained sizes: `retained(v) = self(v) + Σ retained(c)` over `v`'s dominator-tree
//!   children, computed in one pass over decreasing RPO (children before their dominator).

use super::adjacency::{Adjacency, NONE};

/// What the dominator pass computes, in vertex numbers (see `adjacency.rs`).
pub(crate) struct Dominators {
    /// Reachable vertices in reverse postorder; `rpo[0]` is the super-root.
    pub rpo: Vec<u32>,
    /// Immediate dominator of each vertex; `NONE` when unreachable; the super-root's is itself.
    pub idom: Vec<u32>,
}

/// Postorder of the vertices reachable from `start`, by an iterative DFS that follows each
/// vertex's edges in adjacency order.
fn postorder(adj: &Adjacency, start: u32) -> Vec<u32> {
    let mut visited = vec![false; adj.vertex_count()];
    let mut order = Vec::new();
    let mut stack: Vec<(u32, usize)> = vec![(start, adj.off[start as usize])];
    visited[start as usize] = true;
    while let Some(top) = stack.last_mut() {
        let (v, pos) = *top;
        if pos < adj.off[v as usize + 1] {
            top.1 += 1;
            let w = adj.succ[pos];
            if !visited[w as usize] {
                visited[w as usize] = true;
                stack.push((w, adj.off[w as usize]));
            }
        } else {
            order.push(v);
            stack.pop();
        }
    }
    order
}

/// Computes reachability from the super-root and every reachable vertex's immediate dominator.
pub(crate) fn dominators(adj: &Adjacency) -> Dominators {
    let vcount = adj.vertex_count();
    let mut rpo = postorder(adj, adj.super_root());
    rpo.reverse();
    let r = rpo.len();
    let mut num = vec![NONE; vcount];
    for (k, &v) in rpo.iter().enumerate() {
        num[v as usize] = k as u32;
    }

    // Predecessors in RPO numbers, reachable sources only (CSR again).
    // Scanning vertices in index order keeps the adjacency reads sequential.
    let mut poff = vec![0usize; r + 1];
    for v in 0..vcount as u32 {
        if num[v as usize] != NONE {
            for &w in adj.successors(v) {
                poff[num[w as usize] as usize + 1] += 1;
            }
        }
    }
    for k in 0..r {
        poff[k + 1] += poff[k];
    }
    let mut preds = vec![0u32; poff[r]];
    let mut fill = poff.clone();
    for v in 0..vcount as u32 {
        let k = num[v as usize];
        if k != NONE {
            for &w in adj.successors(v) {
                let t = num[w as usize] as usize;
                preds[fill[t]] = k;
                fill[t] += 1;
            }
        }
    }

    // CHK iteration over RPO numbers.
    let mut doms = vec![NONE; r];
    if r > 0 {
        doms[0] = 0;
    }
    let mut changed = true;
    while changed {
        changed = false;
        for k in 1..r {
            let mut new_idom = NONE;
            for &p in &preds[poff[k]..poff[k + 1]] {
                if doms[p as usize] == NONE {
                    continue;
                }
                new_idom = if new_idom == NONE {
                    p
                } else {
                    intersect(&doms, p, new_idom)
                };
            }
            if doms[k] != new_idom {
                doms[k] = new_idom;
                changed = true;
            }
        }
    }

    let mut idom = vec![NONE; vcount];
    for (k, &v) in rpo.iter().enumerate() {
        idom[v as usize] = rpo[doms[k] as usize];
    }
    Dominators { rpo, idom }
}

/// CHK's two-finger walk: the nearest common dominator of RPO numbers `a` and `b`.
fn intersect(doms: &[u32], mut a: u32, mut b: u32) -> u32 {
    while a != b {
        while a > b {
            a = doms[a as usize];
        }
        while b > a {
            b = doms[b as usize];
        }
    }
    a
}

/// Retained bytes and object counts per vertex: each reachable vertex's dominator subtree,
/// itself included. `self_size(v)` gives the self size of node vertex `v` (the super-root has
/// none). Unreachable vertices get 0.
pub(crate) fn retained(doms: &Dominators, self_size: impl Fn(u32) -> u64) -> (Vec<u64>, Vec<u64>) {
    let vcount = doms.idom.len();
    let super_root = (vcount - 1) as u32;
    let mut size = vec![0u64; vcount];
    let mut count = vec![0u64; vcount];
    for &v in &doms.rpo {
        if v != super_root {
            size[v as usize] = self_size(v);
            count[v as usize] = 1;
        }
    }
    for &v in doms.rpo.iter().skip(1).rev() {
        let p = doms.idom[v as usize] as usize;
        size[p] += size[v as usize];
        count[p] += count[v as usize];
    }
    (size, count)
}
