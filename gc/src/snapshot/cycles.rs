//! Which nodes lie on a cycle of strong references (Tarjan's strongly connected components,
//! iterative).
//!
//! # Invariants
//!
//! - A node is *on a cycle* when its strongly connected component has two or more nodes, or
//!   when it has a strong edge to itself. Weak edges never close a cycle.
//! - The search keeps its own call stack of `(vertex, next edge)` frames on the heap, so depth
//!   is bounded by memory, not by the thread's stack. Every vertex is pushed and popped once
//!   and every edge looked at once: O(V + E).

use super::adjacency::{Adjacency, NONE};

/// `on_cycle[v]` for every vertex of `adj` (the super-root is never on one: nothing points to
/// it).
pub(crate) fn on_cycle(adj: &Adjacency) -> Vec<bool> {
    let vcount = adj.vertex_count();
    let mut index = vec![NONE; vcount];
    let mut low = vec![0u32; vcount];
    let mut on_stack = vec![false; vcount];
    let mut result = vec![false; vcount];
    let mut stack: Vec<u32> = Vec::new();
    let mut frames: Vec<(u32, usize)> = Vec::new();
    let mut counter = 0u32;

    for s in 0..vcount as u32 {
        if index[s as usize] != NONE {
            continue;
        }
        index[s as usize] = counter;
        low[s as usize] = counter;
        counter += 1;
        stack.push(s);
        on_stack[s as usize] = true;
        frames.push((s, adj.off[s as usize]));

        while let Some(frame) = frames.last_mut() {
            let (v, pos) = *frame;
            if pos < adj.off[v as usize + 1] {
                frame.1 += 1;
                let w = adj.succ[pos];
                if w == v {
                    result[v as usize] = true;
                } else if index[w as usize] == NONE {
                    index[w as usize] = counter;
                    low[w as usize] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w as usize] = true;
                    frames.push((w, adj.off[w as usize]));
                } else if on_stack[w as usize] {
                    low[v as usize] = low[v as usize].min(index[w as usize]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(p, _)) = frames.last() {
                low[p as usize] = low[p as usize].min(low[v as usize]);
            }
            if low[v as usize] == index[v as usize] {
                // v's component is the top of the stack down to v itself.
                let start = stack
                    .iter()
                    .rposition(|&w| w == v)
                    .expect("v is on the stack");
                let nontrivial = stack.len() - start > 1;
                for w in stack.drain(start..) {
                    on_stack[w as usize] = false;
                    if nontrivial {
                        result[w as usize] = true;
                    }
                }
            }
        }
    }
    result
}
