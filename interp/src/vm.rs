//! The VM's state — the arena root. Everything a running program needs between two
//! instructions is here: the value stack, the call frames, the open upvalues, the globals and
//! the intern table. Nothing lives on the Rust stack across a slice, so the collector can run
//! between any two slices (see `exec.rs` for the slice loop).

use std::io::Write;
use std::rc::Rc;
use std::time::Instant;

use gc_arena::{lock::RefLock, Collect, Finalization, Gc, Mutation};
use gclox_gc::{Accounting, HeapRoot, SharedStats};

use crate::alloc::Allocator;
use crate::global_names::GlobalNames;
use crate::intern::Interner;
use crate::object::{Closure, LoxStr, Upvalue};
use crate::value::{Str, Value};

/// Tunables of one VM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmConfig {
    /// Call depth at which a call fails with "Stack overflow." (clox: 64).
    pub max_frames: usize,
    /// Bytes a slice may allocate before yielding to the collector.
    pub slice_alloc_bytes: usize,
}

impl Default for VmConfig {
    fn default() -> Self {
        VmConfig {
            max_frames: 4096,
            slice_alloc_bytes: 64 * 1024,
        }
    }
}

/// One active call.
#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub struct CallFrame<'gc> {
    pub closure: Gc<'gc, Closure<'gc>>,
    /// Index of the next instruction in the closure's code (saved when the frame is left).
    #[collect(require_static)]
    pub ip: usize,
    /// Stack index of slot 0 (the callee, or `this` in methods).
    #[collect(require_static)]
    pub base: usize,
}

/// Requests a running program makes of its host, acted on between slices. A native that
/// makes one also ends the slice, so the host acts before the next instruction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Requests {
    /// Run a full collection before the next slice (the script called `__gc()`).
    pub collect: bool,
    /// Run a full collection, then retry the instruction that could not reserve memory
    /// under the hard heap limit.
    pub collect_for_memory: bool,
    /// Set gogc (`None`: off), as `__setgcpercent` asked.
    pub set_gogc: Option<Option<u32>>,
}

/// Everything the VM needs besides the stacks: what natives and the allocation path see.
#[derive(Collect)]
#[collect(no_drop)]
pub struct Env<'gc> {
    pub strings: Gc<'gc, RefLock<Interner<'gc>>>,
    /// The interned `"init"`, looked up on every class call.
    pub init_string: Str<'gc>,
    #[collect(require_static)]
    pub global_names: GlobalNames,
    #[collect(require_static)]
    pub alloc: Allocator,
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
        let s = self.alloc.alloc(mc, LoxStr::new(text));
        let grew = self.strings.borrow_mut(mc).insert(s);
        self.alloc.grew(grew);
        s
    }
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct Vm<'gc> {
    pub stack: Vec<Value<'gc>>,
    pub frames: Vec<CallFrame<'gc>>,
    /// Upvalues still pointing into the stack, ordered by stack slot (ascending).
    pub open_upvalues: Vec<Upvalue<'gc>>,
    /// Global slots (see [`GlobalNames`]); `None` until defined.
    pub globals: Vec<Option<Value<'gc>>>,
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
        let mut alloc = Allocator::new(accounting, config.slice_alloc_bytes, max_heap);
        let init = alloc.alloc(mc, LoxStr::new("init".into()));
        let grew = strings.borrow_mut(mc).insert(init);
        alloc.grew(grew);
        let mut vm = Vm {
            stack: Vec::with_capacity(1024),
            frames: Vec::with_capacity(64),
            open_upvalues: Vec::new(),
            globals: Vec::new(),
            env: Env {
                strings,
                init_string: init,
                global_names: GlobalNames::default(),
                alloc,
                out,
                config,
                requests: Requests::default(),
                gc_stats,
                instructions: 0,
                start: Instant::now(),
            },
        };
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
        self.globals[usize::from(slot)] = Some(value);
    }

    /// Grows the globals vector to cover every slot the compiler has handed out.
    pub fn sync_globals(&mut self) {
        let len = self.env.global_names.len();
        if self.globals.len() < len {
            self.globals.resize(len, None);
        }
    }

    /// Drops all execution state (after a runtime error), keeping globals and strings.
    pub fn reset(&mut self) {
        self.stack.clear();
        self.frames.clear();
        self.open_upvalues.clear();
    }

    /// Ends the running program with a runtime error at its current instruction (the host's
    /// way to fail it, e.g. `Out of memory.`): builds the stack trace, then resets.
    pub fn fail(&mut self, message: &str) -> crate::LoxError {
        let trace = crate::exec::stack_trace(self);
        self.reset();
        crate::LoxError::Runtime {
            message: message.to_string(),
            trace,
        }
    }

    /// Whether a program is loaded and not finished.
    pub fn is_running(&self) -> bool {
        !self.frames.is_empty()
    }
}

impl<'gc> HeapRoot<'gc> for Vm<'gc> {
    fn finalize(&self, fc: &Finalization<'gc>) {
        self.env.strings.borrow_mut(fc).prune(fc);
    }

    fn stack_bytes(&self) -> usize {
        self.stack.capacity() * std::mem::size_of::<Value>()
            + self.frames.capacity() * std::mem::size_of::<CallFrame>()
    }

    fn globals_bytes(&self) -> usize {
        self.globals.capacity() * std::mem::size_of::<Option<Value>>()
    }
}
