//! Walks the live object graph from the VM's roots into a [`HeapGraph`] for heap snapshots and
//! leak reports: every reachable object with its type, name, footprint and (if sampled)
//! allocation site; every reference labelled with what it is.
//!
//! Roots: globals (`global NAME`), value-stack slots (`stack slot N in f()`), and open
//! upvalues. The intern table and the profiler's sample list hold their objects weakly and are
//! not roots. Objects are identified by address; the walk is a breadth-first worklist (no
//! recursion), so a million-long list is fine.
//!
//! The graph is memory the script makes the runtime hold (a `__heapsnapshot()` call, or
//! `--heapsnapshot` at exit), so [`heap_graph_bounded`] builds it under a byte budget (and a deadline) —
//! counting what the analysis and the snapshot writer will add per node and edge — and gives
//! up cleanly past it. Names are cut at [`NAME_BYTES`], so no node or label is larger than a
//! few hundred bytes however long a function's name is.

use std::collections::HashMap;

use gc_arena::{lock::RefLock, Gc};
use gclox_gc::snapshot::{EdgeKind, HeapGraph, HeapGraphBuilder, NodeId};

use crate::alloc::footprint;
use crate::object::{
    BoundMethod, Class, Closure, HeapObject, Instance, LoxStr, Native, Proto, Upvalue, UpvalueState,
};
use crate::value::{Kind, Value};
use crate::vm::Vm;

/// The most characters of a string's text shown as its node name.
const NAME_CHARS: usize = 40;

/// The most bytes of a function or class name in a node name or a root's label.
pub const NAME_BYTES: usize = 200;

/// What the analysis (dominators, retained sizes, paths, cycles) and the V8 writer allocate
/// per node and per edge, roughly (about a dozen `u32`/`u64` arrays over the nodes, two
/// adjacency lists and the writer's integer arrays): the budget's estimate, not exact.
const ANALYSIS_BYTES_PER_NODE: usize = 160;
const ANALYSIS_BYTES_PER_EDGE: usize = 48;

/// `name` cut to at most [`NAME_BYTES`] bytes, at a character boundary.
fn short(name: &str) -> &str {
    if name.len() <= NAME_BYTES {
        return name;
    }
    let mut end = NAME_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// A reachable object, by kind.
#[derive(Clone, Copy)]
enum Obj<'gc> {
    Str(Gc<'gc, LoxStr>),
    Proto(Gc<'gc, Proto<'gc>>),
    Closure(Gc<'gc, Closure<'gc>>),
    Upvalue(Upvalue<'gc>),
    Native(Gc<'gc, Native>),
    Class(Gc<'gc, RefLock<Class<'gc>>>),
    Instance(Gc<'gc, RefLock<Instance<'gc>>>),
    Bound(Gc<'gc, BoundMethod<'gc>>),
}

impl<'gc> Obj<'gc> {
    fn of(value: Value<'gc>) -> Option<Obj<'gc>> {
        Some(match value.kind() {
            Kind::Nil | Kind::Bool(_) | Kind::Number(_) => return None,
            Kind::String(s) => Obj::Str(s),
            Kind::Function(p) => Obj::Proto(p),
            Kind::Closure(c) => Obj::Closure(c),
            Kind::Native(n) => Obj::Native(n),
            Kind::Class(c) => Obj::Class(c),
            Kind::Instance(i) => Obj::Instance(i),
            Kind::BoundMethod(b) => Obj::Bound(b),
        })
    }

    fn address(self) -> *const () {
        match self {
            Obj::Str(g) => Gc::as_ptr(g).cast(),
            Obj::Proto(g) => Gc::as_ptr(g).cast(),
            Obj::Closure(g) => Gc::as_ptr(g).cast(),
            Obj::Upvalue(g) => Gc::as_ptr(g).cast(),
            Obj::Native(g) => Gc::as_ptr(g).cast(),
            Obj::Class(g) => Gc::as_ptr(g).cast(),
            Obj::Instance(g) => Gc::as_ptr(g).cast(),
            Obj::Bound(g) => Gc::as_ptr(g).cast(),
        }
    }

    /// (type, name, footprint)
    fn describe(self) -> (&'static str, String, usize) {
        fn size<T: HeapObject>(value: &T) -> usize {
            footprint::<T>(value.owned_bytes())
        }
        match self {
            Obj::Str(s) => {
                let text: String = s.as_str().chars().take(NAME_CHARS).collect();
                (LoxStr::TYPE_NAME, text, size(&*s))
            }
            Obj::Proto(p) => (Proto::TYPE_NAME, function_name(&p), size(&*p)),
            Obj::Closure(c) => (Closure::TYPE_NAME, function_name(&c.proto), size(&*c)),
            Obj::Upvalue(u) => ("Upvalue", String::new(), size(&*u)),
            Obj::Native(n) => (Native::TYPE_NAME, n.name.to_string(), size(&*n)),
            Obj::Class(c) => (
                Class::TYPE_NAME,
                short(c.borrow().name.as_str()).to_string(),
                size(&*c),
            ),
            Obj::Instance(i) => {
                let class = short(i.borrow().class.borrow().name.as_str()).to_string();
                (Instance::TYPE_NAME, class, size(&*i))
            }
            Obj::Bound(b) => (
                BoundMethod::TYPE_NAME,
                function_name(&b.method.proto),
                size(&*b),
            ),
        }
    }
}

fn function_name(proto: &Proto<'_>) -> String {
    short(&proto.qualified_name).to_string()
}

struct Walker<'gc> {
    builder: HeapGraphBuilder,
    ids: HashMap<*const (), NodeId>,
    queue: Vec<(Obj<'gc>, NodeId)>,
    sites: HashMap<*const (), String>,
    /// Bytes the graph, the walk's tables and the later analysis will hold, so far.
    spent: usize,
}

impl<'gc> Walker<'gc> {
    /// The node of `obj`, created (and queued for scanning) on first sight.
    fn node(&mut self, obj: Obj<'gc>) -> NodeId {
        let address = obj.address();
        if let Some(&id) = self.ids.get(&address) {
            return id;
        }
        let (kind, name, size) = obj.describe();
        let site = self.sites.get(&address).cloned();
        self.spent += std::mem::size_of::<gclox_gc::snapshot::Node>()
            + kind.len()
            + name.len()
            + site.as_ref().map_or(0, String::len)
            + std::mem::size_of::<(*const (), NodeId)>()
            + std::mem::size_of::<(Obj<'gc>, NodeId)>()
            + ANALYSIS_BYTES_PER_NODE;
        let id = self.builder.add_node(kind, name, size as u64, site);
        self.ids.insert(address, id);
        self.queue.push((obj, id));
        id
    }

    fn edge(&mut self, from: NodeId, to: Obj<'gc>, kind: EdgeKind, label: impl Into<String>) {
        let to = self.node(to);
        let label = label.into();
        self.spent +=
            std::mem::size_of::<gclox_gc::snapshot::Edge>() + label.len() + ANALYSIS_BYTES_PER_EDGE;
        self.builder.add_edge(from, to, kind, label);
    }

    fn value_edge(
        &mut self,
        from: NodeId,
        to: Value<'gc>,
        kind: EdgeKind,
        label: impl Into<String>,
    ) {
        if let Some(obj) = Obj::of(to) {
            self.edge(from, obj, kind, label);
        }
    }

    fn root(&mut self, value: Value<'gc>, label: impl Into<String>) {
        if let Some(obj) = Obj::of(value) {
            let id = self.node(obj);
            let label = label.into();
            self.spent += std::mem::size_of::<gclox_gc::snapshot::RootEdge>()
                + label.len()
                + ANALYSIS_BYTES_PER_EDGE;
            self.builder.add_root(id, label);
        }
    }

    /// Adds the outgoing references of one object.
    fn scan(&mut self, obj: Obj<'gc>, id: NodeId, stack: &[Value<'gc>]) {
        match obj {
            Obj::Str(_) | Obj::Native(_) => {}
            Obj::Proto(p) => {
                if let Some(name) = p.name {
                    self.edge(id, Obj::Str(name), EdgeKind::Internal, "name");
                }
                for (i, &constant) in p.constants.iter().enumerate() {
                    self.value_edge(id, constant, EdgeKind::Element, i.to_string());
                }
            }
            Obj::Closure(c) => {
                self.edge(id, Obj::Proto(c.proto), EdgeKind::Internal, "function");
                for (i, &upvalue) in c.upvalues.iter().enumerate() {
                    let name = c.proto.upvalue_names.get(i).map_or("?", |n| n);
                    self.edge(id, Obj::Upvalue(upvalue), EdgeKind::Upvalue, name);
                }
            }
            Obj::Upvalue(u) => {
                let value = match u.state.get() {
                    UpvalueState::Open(slot) => stack.get(slot).copied().unwrap_or(Value::NIL),
                    UpvalueState::Closed(value) => value,
                };
                self.value_edge(id, value, EdgeKind::Internal, "value");
            }
            Obj::Class(c) => {
                let class = c.borrow();
                self.edge(id, Obj::Str(class.name), EdgeKind::Internal, "name");
                for (name, method) in class.methods.iter() {
                    self.edge(id, Obj::Closure(method), EdgeKind::Method, name.as_str());
                }
            }
            Obj::Instance(i) => {
                let instance = i.borrow();
                self.edge(id, Obj::Class(instance.class), EdgeKind::Internal, "class");
                for (name, value) in instance.fields.iter() {
                    self.value_edge(id, value, EdgeKind::Field, name.as_str());
                }
            }
            Obj::Bound(b) => {
                self.value_edge(id, b.receiver, EdgeKind::BoundReceiver, "receiver");
                self.edge(id, Obj::Closure(b.method), EdgeKind::Internal, "method");
            }
        }
    }
}

/// The live object graph of `vm`. `script` names the file in allocation sites.
pub fn heap_graph(vm: &Vm<'_>) -> HeapGraph {
    // No graph needs more than `usize::MAX` bytes and nothing stops it: the fallback is never
    // taken.
    heap_graph_bounded(vm, usize::MAX, &|| false)
        .unwrap_or_else(|_| HeapGraphBuilder::new().finish())
}

/// Why [`heap_graph_bounded`] gave no graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkEnd {
    /// The graph would need more than its budget: at least `bytes` (the walk stopped there).
    TooLarge { bytes: usize },
    /// `stop` said to give up (a deadline passed).
    Stopped,
}

/// Objects scanned between two calls of [`heap_graph_bounded`]'s `stop`.
pub const STOP_CHECK_OBJECTS: usize = 4096;

/// Like [`heap_graph`], but gives up once the graph, the walk's tables and what analysing and
/// writing the graph will add come to more than `budget` bytes, or when `stop` (asked every
/// [`STOP_CHECK_OBJECTS`] objects: walking a large heap takes a while, and `--timeout` bounds
/// it) says so.
pub fn heap_graph_bounded(
    vm: &Vm<'_>,
    budget: usize,
    stop: &dyn Fn() -> bool,
) -> Result<HeapGraph, WalkEnd> {
    let mut walker = Walker {
        builder: HeapGraphBuilder::new(),
        ids: HashMap::new(),
        queue: Vec::new(),
        sites: sampled_sites(vm),
        spent: 0,
    };
    let over = |walker: &Walker<'_>| walker.spent > budget;
    for (slot, value) in vm.globals.iter().enumerate() {
        if !value.is_undefined() {
            let name = short(vm.env.global_names.name(slot as u16));
            walker.root(*value, format!("global {name}"));
            if over(&walker) {
                return Err(WalkEnd::TooLarge {
                    bytes: walker.spent,
                });
            }
        }
    }
    for (i, frame) in vm.frames.iter().enumerate() {
        let end = vm
            .frames
            .get(i + 1)
            .map_or(vm.stack.len(), |next| next.base);
        let function = format!("{}()", short(&frame.closure.proto.qualified_name));
        for slot in frame.base..end.min(vm.stack.len()) {
            let label = format!("stack slot {} in {function}", slot - frame.base);
            walker.root(vm.stack[slot], label);
        }
        if over(&walker) {
            return Err(WalkEnd::TooLarge {
                bytes: walker.spent,
            });
        }
    }
    for upvalue in &vm.open_upvalues {
        let id = walker.node(Obj::Upvalue(*upvalue));
        walker.builder.add_root(id, "open upvalue");
    }
    let mut scanned = 0usize;
    while let Some((obj, id)) = walker.queue.pop() {
        walker.scan(obj, id, &vm.stack);
        scanned += 1;
        if over(&walker) {
            return Err(WalkEnd::TooLarge {
                bytes: walker.spent,
            });
        }
        if scanned.is_multiple_of(STOP_CHECK_OBJECTS) && stop() {
            return Err(WalkEnd::Stopped);
        }
    }
    Ok(walker.builder.finish())
}

/// "file:line in f()" of every live sampled object, by address.
fn sampled_sites(vm: &Vm<'_>) -> HashMap<*const (), String> {
    let Some(tracker) = vm.env.sampling else {
        return HashMap::new();
    };
    let tracker = tracker.borrow();
    let file = &vm.env.config.script_name;
    tracker
        .live_sites()
        .into_iter()
        .filter_map(|(address, site)| {
            let site = tracker.table.sites.get(site as usize)?;
            let top = site.stack.first()?;
            Some((
                address,
                format!("{file}:{} in {}()", top.line, short(&top.function)),
            ))
        })
        .collect()
}
