//! The part of the leak report that joins the heap profile to the heap graph: for the
//! allocation sites with the most live sampled objects, one survivor each and the shortest
//! reference path that keeps it alive — the question a leak hunt ends with.

use std::collections::HashMap;
use std::fmt::Write;

use gclox_gc::snapshot::{Analysis, HeapGraph, NodeId};

/// How many survivors per site are tried when looking for the shortest path.
const CANDIDATES: usize = 64;

/// "Live objects by allocation site" for the `top` sites with the most sampled survivors.
pub fn survivors_by_site(graph: &HeapGraph, analysis: &Analysis, top: usize) -> String {
    let mut by_site: HashMap<&str, Vec<NodeId>> = HashMap::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        if let Some(site) = node.site.as_deref() {
            if analysis.is_reachable(id as NodeId) {
                by_site.entry(site).or_default().push(id as NodeId);
            }
        }
    }
    let mut sites: Vec<(&str, Vec<NodeId>)> = by_site.into_iter().collect();
    sites.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut out = String::new();
    if sites.is_empty() {
        out.push_str(
            "\nNo sampled survivors (heap-profile sampling is off, or nothing sampled is alive).\n",
        );
        return out;
    }
    let _ = writeln!(
        out,
        "\nSampled survivors by allocation site (top {} of {}), each with one survivor's shortest retainer path",
        top.min(sites.len()),
        sites.len()
    );
    for (site, nodes) in sites.iter().take(top) {
        let shortest = nodes
            .iter()
            .take(CANDIDATES)
            .filter_map(|&n| analysis.retainer_path(n))
            .min_by_key(|p| p.len());
        let kind = &graph.nodes[nodes[0] as usize].kind;
        let _ = writeln!(
            out,
            "  {} sampled live {kind} objects allocated at {site}",
            nodes.len()
        );
        if let Some(path) = shortest {
            let _ = writeln!(out, "     path: {}", analysis.format_path(graph, &path));
        }
    }
    out
}
