//! The heap profile and heap-graph views of a VM, for the host to write out: converts the
//! sampler's sites into [`HeapProfile`] (pprof) and the live object graph into
//! [`HeapGraph`] (heap snapshots, leak reports).

use std::time::{SystemTime, UNIX_EPOCH};

use gclox_gc::pprof::{Frame, HeapProfile, SiteStats};
use gclox_gc::snapshot::HeapGraph;

use crate::vm::{Env, Vm};

/// The heap profile so far, or `None` when sampling is off. In-use figures are as of the most
/// recently completed collection cycle, as in Go.
pub fn heap_profile(env: &Env<'_>) -> Option<HeapProfile> {
    let tracker = env.sampling?;
    let tracker = tracker.borrow();
    let file: std::sync::Arc<str> = env.config.script_name.as_str().into();
    let sites = tracker
        .table
        .sites
        .iter()
        .map(|site| SiteStats {
            stack: site
                .stack
                .iter()
                .map(|frame| Frame {
                    function: frame.function.clone(),
                    file: file.clone(),
                    line: frame.line,
                })
                .collect(),
            object_type: site.type_name.to_string(),
            object_size: site.alloc_bytes / site.alloc_objects.max(1),
            alloc_objects: site.alloc_objects,
            alloc_bytes: site.alloc_bytes,
            inuse_objects: site.inuse_objects,
            inuse_bytes: site.inuse_bytes,
        })
        .collect();
    let time_nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    Some(HeapProfile {
        sites,
        rate: env.allocator.sample_rate(),
        time_nanos,
        duration_nanos: 0,
    })
}

/// The live object graph, from the roots.
pub fn heap_graph(vm: &Vm<'_>) -> HeapGraph {
    crate::heap_walk::heap_graph(vm)
}

/// The live object graph if it (with what analysing and writing it adds) fits what the hard
/// heap limit leaves after the live heap and the VM's own memory, and `stop` does not say to
/// give up on the way (see [`crate::heap_walk::heap_graph_bounded`]).
pub fn bounded_heap_graph(
    vm: &Vm<'_>,
    stop: &dyn Fn() -> bool,
) -> Result<HeapGraph, crate::heap_walk::WalkEnd> {
    let budget = vm
        .env
        .allocator
        .headroom(vm.host_bytes() as u64)
        .map_or(usize::MAX, |room| {
            usize::try_from(room).unwrap_or(usize::MAX)
        });
    crate::heap_walk::heap_graph_bounded(vm, budget, stop)
}
