//! The VM's state — the arena root. Everything a running program needs between two
//! instructions is here: the value stack, the call frames, the open upvalues, the globals and
//! the intern table. Nothing lives on the Rust stack across a slice, so the collector can run
//! between any two slices (see `exec.rs` for the slice loop).

use std::io::Write;
use std::rc::Rc;
use std::time::Instant;

use gc_arena::{lock::RefLock, Collect, Finalization, Gc, Mutation};
use gclox_gc::{Accounting, Finalized, HeapRoot, Retained, SharedStats};

use crate::alloc::{footprint, Allocator};
use crate::global_names::GlobalNames;
use crate::intern::{Interner, Shard};
use crate::object::{Closure, HeapObject, LoxStr, Upvalue};
use crate::sampler::SampleTracker;
use crate::value::{Str, Value};

/// Tunables of one VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmConfig {
    /// Call depth at which a call fails with "Stack overflow." (clox: 64).
    pub max_frames: usize,
    /// Bytes a slice may allocate before yielding to the collector.
    pub slice_alloc_bytes: usize,
    /// Heap-profile sampling: on average one sampled allocation per this many bytes (Go's
    /// MemProfileRate; 1: every allocation; 0: off). Default 512 KiB, as in Go.
    pub memprofile_rate: u64,
    /// The script's file name, as profiles and reports show it.
    pub script_name: String,
    /// Objects allocated while a cycle marks are marked at once and survive it, as Go
    /// allocates black (`GcConfig::allocates_black`: the `go119` and `go117` pacers unless
    /// `--gc-alloc-color white`); otherwise they are white and die
    /// with the cycle if unreachable at its end (gc-arena's default, and Lua's).
    pub allocate_black: bool,
    /// Which files natives may write (`__writeheapprofile`, `__heapsnapshot`): none by
    /// default.
    pub write_access: crate::WriteAccess,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_frames: 4096,
            slice_alloc_bytes: 64 * 1024,
            memprofile_rate: 512 * 1024,
            script_name: "script".to_string(),
            allocate_black: false,
            write_access: crate::WriteAccess::Denied,
        }
    }
}

/// One active call.
#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct CallFrame<'gc> {
    /// Crate-private, like `ip`: the interpreter reads the closure's code without bounds
    /// checks, trusting that `ip` is an instruction start of *this* closure's code.
    pub(crate) closure: Gc<'gc, Closure<'gc>>,
    /// Index of the next instruction in the closure's code (saved when the frame is left):
    /// always the start of an instruction (see `exec.rs`).
    #[collect(require_static)]
    pub(crate) ip: usize,
    /// Stack index of slot 0 (the callee, or `this` in methods).
    #[collect(require_static)]
    pub base: usize,
}

/// Requests a running program makes of its host, acted on between slices. A native that
/// makes one also ends the slice, so the host acts before the next instruction.
#[derive(Debug, Clone, Default)]
pub struct Requests {
    /// Run a full collection before the next slice (the script called `__gc()`).
    pub collect: bool,
    /// Run a full collection, then retry the instruction that could not reserve memory
    /// under the hard heap limit.
    pub collect_for_memory: bool,
    /// Set gogc (`None`: off), as `__setgcpercent` asked.
    pub set_gogc: Option<Option<u32>>,
    /// Write a heap snapshot to this file (`__heapsnapshot`), already checked against
    /// [`VmConfig::write_access`].
    pub heap_snapshot: Option<std::path::PathBuf>,
    /// Print a leak report (`__leakreport`).
    pub leak_report: bool,
}

/// Everything the VM needs besides the stacks: what natives and the allocation path see.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Env<'gc> {
    pub strings: Gc<'gc, RefLock<Interner<'gc>>>,
    /// The interned `"init"`, looked up on every class call.
    pub init_string: Str<'gc>,
    /// The heap profiler's arena side, when sampling is on.
    pub sampling: Option<Gc<'gc, RefLock<SampleTracker<'gc>>>>,
    #[collect(require_static)]
    pub global_names: GlobalNames,
    #[collect(require_static)]
    pub allocator: Allocator,
    #[collect(require_static)]
    pub out: Box<dyn Write>,
    #[collect(require_static)]
    pub config: VmConfig,
    #[collect(require_static)]
    pub requests: Requests,
    /// Collector counters the heap publishes (read by the `__memstat` native).
    #[collect(require_static)]
    pub gc_stats: Rc<SharedStats>,
    /// Instructions executed since the VM was created.
    #[collect(require_static)]
    pub instructions: u64,
    /// When the runtime started: `clock()` counts from here.
    #[collect(require_static)]
    pub start: Instant,
}

impl<'gc> Env<'gc> {
    /// The one allocation entry point: allocates `value` in the arena, accounts for its
    /// footprint, and samples it for the heap profile when its turn comes.
    #[inline]
    pub fn alloc<T: Collect<'gc> + HeapObject + 'gc>(
        &mut self,
        mc: &Mutation<'gc>,
        value: T,
    ) -> Gc<'gc, T> {
        let size = footprint::<T>(value.owned_bytes());
        let sample = self.allocator.charge(size);
        let object = Gc::new(mc, value);
        if self.config.allocate_black {
            // gc-arena's forward barrier marks the object if a cycle is marking (its documented
            // way for any parent to adopt a child); outside marking it is a phase check.
            mc.forward_barrier(None, Gc::erase(object));
        }
        if sample {
            self.sample(mc, Gc::erase(object), size, T::TYPE_NAME, footprint::<T>(0));
        }
        object
    }

    /// Accounts for an object made with `Gc::new` before the environment existed, exactly as
    /// [`Env::alloc`] would have.
    fn adopt<T: HeapObject + 'gc>(&mut self, mc: &Mutation<'gc>, object: Gc<'gc, T>) {
        let size = footprint::<T>(object.owned_bytes());
        if self.allocator.charge(size) {
            self.sample(mc, Gc::erase(object), size, T::TYPE_NAME, footprint::<T>(0));
        }
    }

    /// Accounts for `owner`'s buffers having grown by `bytes` (`what` names the buffer in
    /// profiles).
    #[inline]
    pub fn grew(
        &mut self,
        mc: &Mutation<'gc>,
        bytes: usize,
        owner: Gc<'gc, ()>,
        what: &'static str,
    ) {
        if bytes != 0 && self.allocator.charge_growth(bytes) {
            self.sample(mc, owner, bytes, what, 0);
        }
    }

    #[cold]
    fn sample(
        &mut self,
        mc: &Mutation<'gc>,
        object: Gc<'gc, ()>,
        size: usize,
        what: &'static str,
        shell: usize,
    ) {
        if let Some(tracker) = self.sampling {
            tracker
                .borrow_mut(mc)
                .sampled(object, size as u64, what, shell as u64);
            // The stack is captured at the end of the slice: end it after this instruction.
            self.allocator.end_slice();
        }
    }

    /// The interned string with this text, allocating it if needed.
    pub fn intern(&mut self, mc: &Mutation<'gc>, text: &str) -> Str<'gc> {
        if let Some(s) = self.strings.borrow().find(mc, text) {
            return s;
        }
        self.intern_new(mc, text.into())
    }

    /// Like [`Env::intern`] but takes ownership of the text (no copy when it is new).
    pub fn intern_owned(&mut self, mc: &Mutation<'gc>, text: String) -> Str<'gc> {
        if let Some(s) = self.strings.borrow().find(mc, &text) {
            return s;
        }
        self.intern_new(mc, text.into_boxed_str())
    }

    fn intern_new(&mut self, mc: &Mutation<'gc>, text: Box<str>) -> Str<'gc> {
        let s = self.alloc(mc, LoxStr::new(text));
        self.intern_allocated(mc, s);
        s
    }

    /// Enters an allocated (and accounted) string into the intern table, creating its shard
    /// on first use.
    fn intern_allocated(&mut self, mc: &Mutation<'gc>, s: Str<'gc>) {
        let hash = s.hash();
        let (existing, pruning) = {
            let strings = self.strings.borrow();
            (strings.shard(hash), strings.pruning())
        };
        let shard = match existing {
            Some(shard) => shard,
            None => {
                let shard = self.alloc(mc, Shard::default());
                self.strings.borrow_mut(mc).set_shard(hash, shard);
                shard
            }
        };
        let grew = shard.insert(mc, s, pruning);
        self.grew(mc, grew, Gc::erase(shard), "intern table");
    }
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct Vm<'gc> {
    /// The live values (between slices; see `exec.rs` for how a slice uses it).
    pub(crate) stack: Vec<Value<'gc>>,
    pub(crate) frames: Vec<CallFrame<'gc>>,
    /// Upvalues still pointing into the stack, ordered by stack slot (ascending).
    pub open_upvalues: Vec<Upvalue<'gc>>,
    /// Global slots (see [`GlobalNames`]); [`Value::UNDEFINED`] until defined.
    pub(crate) globals: Vec<Value<'gc>>,
    pub env: Env<'gc>,
}

impl<'gc> Vm<'gc> {
    /// A VM whose allocations are charged to `accounting`, failing allocations that cannot fit
    /// under `max_heap` bytes.
    pub fn new(
        mc: &Mutation<'gc>,
        config: VmConfig,
        out: Box<dyn Write>,
        accounting: Rc<Accounting>,
        gc_stats: Rc<SharedStats>,
        max_heap: Option<u64>,
    ) -> Self {
        let strings = Gc::new(mc, RefLock::new(Interner::default()));
        let allocator = Allocator::new(
            accounting,
            config.slice_alloc_bytes,
            max_heap,
            config.memprofile_rate,
        );
        let sampling = (config.memprofile_rate > 0)
            .then(|| Gc::new(mc, RefLock::new(SampleTracker::default())));
        // "init" must exist before the environment does; it is accounted for (and interned)
        // right after, so its bytes balance when it is freed.
        let init = Gc::new(mc, LoxStr::new("init".into()));
        let mut vm = Vm {
            stack: Vec::with_capacity(crate::exec::MIN_STACK_ROOM),
            frames: Vec::with_capacity(64),
            open_upvalues: Vec::new(),
            globals: Vec::new(),
            env: Env {
                strings,
                init_string: init,
                sampling,
                global_names: GlobalNames::default(),
                allocator,
                out,
                config,
                requests: Requests::default(),
                gc_stats,
                instructions: 0,
                start: Instant::now(),
            },
        };
        vm.env.adopt(mc, init);
        vm.env.intern_allocated(mc, init);
        crate::natives::define_all(mc, &mut vm);
        vm
    }

    /// Defines (or redefines) a global by name.
    pub fn define_global(&mut self, name: &str, value: Value<'gc>) {
        let slot = self
            .env
            .global_names
            .slot(name)
            .expect("the VM defines only a few globals itself");
        self.sync_globals();
        self.globals[usize::from(slot)] = value;
    }

    /// Grows the globals vector to cover every slot the compiler has handed out.
    pub fn sync_globals(&mut self) {
        let len = self.env.global_names.len();
        if self.globals.len() < len {
            self.globals.resize(len, Value::UNDEFINED);
        }
    }

    /// Drops all execution state (after a runtime error), keeping globals and strings. Open
    /// upvalues are closed first, with their variables' last values: a closure that escaped
    /// (into a global, in the REPL) keeps its own copy, as it would had the scope ended
    /// normally, and never reads or writes a stack slot a later statement reuses.
    pub fn reset(&mut self, mc: &Mutation<'gc>) {
        for upvalue in self.open_upvalues.drain(..) {
            if let crate::object::UpvalueState::Open(slot) = upvalue.state.get() {
                let value = self.stack.get(slot).copied().unwrap_or(Value::NIL);
                crate::object::upvalue_close(mc, upvalue, value);
            }
        }
        self.stack.clear();
        self.frames.clear();
    }

    /// Ends the running program with a runtime error at its current instruction (the host's
    /// way to fail it, e.g. `Out of memory.`): builds the stack trace, then resets.
    pub fn fail(&mut self, mc: &Mutation<'gc>, message: &str) -> crate::LoxError {
        let trace = crate::exec::stack_trace(self, true);
        self.reset(mc);
        crate::LoxError::Runtime {
            message: message.to_string(),
            trace,
        }
    }

    /// Bytes the VM holds outside the arena's objects, all of it memory a script can make it
    /// hold: the value stack and frames, the globals vector, the global names, the heap
    /// profiler's sites. The hard heap limit (`--max-heap`) and the memory limit count it
    /// beside the heap.
    pub fn host_bytes(&self) -> usize {
        self.stack_bytes()
            + self.globals_bytes()
            + self.env.global_names.bytes()
            + self.env.sampling.map_or(0, |t| t.borrow().host_bytes())
    }

    /// Whether a program is loaded and not finished.
    pub fn is_running(&self) -> bool {
        !self.frames.is_empty()
    }
}

impl<'gc> HeapRoot<'gc> for Vm<'gc> {
    fn finalize(&self, fc: &Finalization<'gc>, start: bool, budget: u64) -> Finalized {
        // The intern table does not trace its entries, so the strings it drops are freed by
        // this sweep: nothing of theirs is retained (see `intern.rs`).
        let pruned = self.env.strings.borrow().prune_some(fc, start, budget);
        let mut retained = Retained::default();
        if pruned.done {
            if let Some(tracker) = self.env.sampling {
                retained += tracker.borrow_mut(fc).prune(fc);
            }
        }
        Finalized {
            retained,
            work: pruned.visited,
            done: pruned.done,
        }
    }

    fn non_heap_bytes(&self) -> usize {
        self.host_bytes()
    }

    fn stack_bytes(&self) -> usize {
        self.stack.capacity() * std::mem::size_of::<Value>()
            + self.frames.capacity() * std::mem::size_of::<CallFrame>()
    }

    fn globals_bytes(&self) -> usize {
        self.globals.capacity() * std::mem::size_of::<Value>()
    }
}
