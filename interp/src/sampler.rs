//! The heap profiler's memory: which allocation sites the sampled objects came from, and which
//! sampled objects are still alive.
//!
//! # How a sample is taken
//!
//! 1. The allocation entry point ([`crate::vm::Env::alloc`]) decides, from the allocator's
//!    countdown, that an object is sampled. It records the object *weakly* as pending, with
//!    its size and type, and ends the slice after the current instruction.
//! 2. At the end of the slice ([`crate::exec::run_slice`]) the pending samples are attributed
//!    to the call stack at that moment — the instruction that allocated them is the last one
//!    each frame executed (frames that have not run an instruction yet, such as an `init` the
//!    allocating call just pushed, are skipped).
//! 3. Every cycle's finalization ([`SampleTracker::prune`]) drops the samples whose objects the
//!    sweep will free and moves their bytes out of the site's in-use figures.
//!
//! Memory is bounded by the live sampled objects plus the distinct (stack, type) sites; stacks
//! are cut at [`MAX_DEPTH`] frames, a site's stack is stored once (shared by the index and
//! the site), and a frame names its function by the prototype's shared name. What the
//! tracker holds is counted against `--max-heap` ([`SampleTracker::host_bytes`]).

use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use gc_arena::{Collect, Finalization, Gc, GcWeak};
use gclox_gc::Retained;

/// The most frames recorded per sample, innermost first.
pub const MAX_DEPTH: usize = 64;

/// One frame of a sample's stack.
///
/// Frames are equal when they name the same prototype's name (the same `Rc`, compared by
/// address) at the same line: looking a site up then costs a few words per frame, not the
/// length of every name (a 1 MB name in every frame of every sample made each lookup hash
/// megabytes).
#[derive(Debug, Clone)]
pub struct FrameKey {
    /// `f` for a function `f`, `<script>` for top-level code: the prototype's own name,
    /// shared, never copied.
    pub function: Arc<str>,
    pub line: u32,
}

impl PartialEq for FrameKey {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.function, &other.function) && self.line == other.line
    }
}

impl Eq for FrameKey {}

impl std::hash::Hash for FrameKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.function).cast::<u8>().hash(state);
        self.line.hash(state);
    }
}

thread_local! {
    /// The one name of the frame samples taken outside any frame get.
    static RUNTIME_FRAME: Arc<str> = Arc::from("<runtime>");
}

impl FrameKey {
    /// The frame of samples taken outside any frame (VM start-up, loading a program).
    pub fn runtime() -> FrameKey {
        FrameKey {
            function: RUNTIME_FRAME.with(Arc::clone),
            line: 0,
        }
    }
}

/// Everything sampled at one (stack, type) site, in raw sampled counts.
#[derive(Debug, Clone)]
pub struct Site {
    pub stack: Rc<[FrameKey]>,
    pub type_name: &'static str,
    pub alloc_objects: u64,
    pub alloc_bytes: u64,
    pub inuse_objects: u64,
    pub inuse_bytes: u64,
}

/// The distinct sites seen so far.
#[derive(Debug, Default)]
pub struct SiteTable {
    index: HashMap<(Rc<[FrameKey]>, &'static str), u32>,
    pub sites: Vec<Site>,
    /// Bytes the sites hold (their stacks, entries and index), for [`SampleTracker::host_bytes`].
    bytes: usize,
}

impl SiteTable {
    fn site(&mut self, stack: &Rc<[FrameKey]>, type_name: &'static str) -> u32 {
        let key = (stack.clone(), type_name);
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = self.sites.len() as u32;
        // The stack's frames and the index entry (key, id and a control byte); the site itself
        // is in `sites`' capacity.
        self.bytes += std::mem::size_of_val::<[FrameKey]>(stack)
            + std::mem::size_of::<((Rc<[FrameKey]>, &str), u32)>()
            + 1;
        self.sites.push(Site {
            stack: key.0.clone(),
            type_name,
            alloc_objects: 0,
            alloc_bytes: 0,
            inuse_objects: 0,
            inuse_bytes: 0,
        });
        self.index.insert(key, id);
        id
    }
}

#[derive(Collect)]
#[collect(no_drop)]
struct Pending<'gc> {
    object: GcWeak<'gc, ()>,
    #[collect(require_static)]
    size: u64,
    #[collect(require_static)]
    type_name: &'static str,
    /// The object's own allocation (header and value), which outlives its drop by a cycle
    /// because this table references it weakly (see `gclox_gc::Retained`); 0 for a sample of
    /// a buffer that grew (rather than `object` being allocated).
    #[collect(require_static)]
    shell: u64,
}

#[derive(Collect)]
#[collect(no_drop)]
struct Tracked<'gc> {
    object: GcWeak<'gc, ()>,
    #[collect(require_static)]
    site: u32,
    #[collect(require_static)]
    size: u64,
    #[collect(require_static)]
    shell: u64,
}

/// A pruned sample whose object's allocation the next sweep frees.
struct Held {
    site: u32,
    shell: u64,
}

/// Arena-side state of the heap profiler (behind a `Gc<RefLock<_>>` in the VM environment).
#[derive(Collect, Default)]
#[collect(no_drop)]
pub struct SampleTracker<'gc> {
    pending: Vec<Pending<'gc>>,
    live: Vec<Tracked<'gc>>,
    #[collect(require_static)]
    held: Vec<Held>,
    #[collect(require_static)]
    pub table: SiteTable,
}

impl<'gc> SampleTracker<'gc> {
    /// Step 1: records a sampled object of `shell` bytes owning `size - shell` bytes of buffers
    /// (or, with `shell` 0, the object whose buffer grew by `size`) until its stack is known.
    pub fn sampled(&mut self, object: Gc<'gc, ()>, size: u64, type_name: &'static str, shell: u64) {
        self.pending.push(Pending {
            object: Gc::downgrade(object),
            size,
            type_name,
            shell,
        });
    }

    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Step 2: attributes the pending samples to `stack` (innermost first).
    pub fn resolve(&mut self, stack: &[FrameKey]) {
        let stack: Rc<[FrameKey]> = stack.into();
        for pending in std::mem::take(&mut self.pending) {
            let id = self.table.site(&stack, pending.type_name);
            let site = &mut self.table.sites[id as usize];
            site.alloc_objects += 1;
            site.alloc_bytes += pending.size;
            site.inuse_objects += 1;
            site.inuse_bytes += pending.size;
            self.live.push(Tracked {
                object: pending.object,
                site: id,
                size: pending.size,
                shell: pending.shell,
            });
        }
    }

    /// Step 3, at the end of marking: forgets the samples whose objects this cycle's sweep
    /// drops. Their buffers are freed by the drop; their own allocations stay in use until the
    /// next sweep frees them (this table references them weakly), which also frees those the
    /// previous cycle held. Returns the allocations held.
    pub fn prune(&mut self, fc: &Finalization<'gc>) -> Retained {
        let sites = &mut self.table.sites;
        for held in self.held.drain(..) {
            let site = &mut sites[held.site as usize];
            site.inuse_objects -= 1;
            site.inuse_bytes -= held.shell;
        }
        let mut retained = Retained::default();
        let held = &mut self.held;
        self.live.retain(|tracked| {
            if !tracked.object.is_dead(fc) {
                return true;
            }
            let site = &mut sites[tracked.site as usize];
            site.inuse_bytes -= tracked.size - tracked.shell;
            if tracked.shell == 0 {
                site.inuse_objects -= 1;
            } else {
                held.push(Held {
                    site: tracked.site,
                    shell: tracked.shell,
                });
                retained.bytes += tracked.shell;
                retained.objects += 1;
            }
            false
        });
        retained
    }

    /// Bytes the profiler holds outside the arena: the sites and the per-sample records
    /// (function names are the prototypes', counted with them).
    pub fn host_bytes(&self) -> usize {
        self.table.bytes
            + self.table.sites.capacity() * std::mem::size_of::<Site>()
            + self.pending.capacity() * std::mem::size_of::<Pending>()
            + self.live.capacity() * std::mem::size_of::<Tracked>()
            + self.held.capacity() * std::mem::size_of::<Held>()
    }

    /// The allocation site of every live sampled object, by the object's address (for heap
    /// snapshots; buffer-growth samples are left out).
    pub fn live_sites(&self) -> HashMap<*const (), u32> {
        self.live
            .iter()
            .filter(|t| t.shell != 0)
            .map(|t| (t.object.as_ptr(), t.site))
            .collect()
    }
}
