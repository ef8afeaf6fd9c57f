//! The arena objects a Lox program creates. Immutable objects (strings, prototypes, closures,
//! natives, bound methods) are plain `Gc`s with no lock; objects the program mutates (classes
//! gain methods, instances gain fields, upvalues close) sit behind `RefLock`/`Lock`, whose
//! write barriers keep incremental marking correct.

use gc_arena::{barrier::unlock, lock::Lock, lock::RefLock, Collect, Gc, Mutation};
use gclox_gc::note_freed;

use crate::alloc::footprint;

use crate::natives::NativeFn;
use crate::table::Table;
use crate::value::{Str, Value};

/// An immutable, interned string with its precomputed hash.
#[derive(Collect)]
#[collect(require_static)]
pub struct LoxStr {
    hash: u64,
    text: Box<str>,
    /// Whether any instance has ever been given a field with this name (see
    /// [`LoxStr::may_name_a_field`]).
    field_name: std::cell::Cell<bool>,
}

impl LoxStr {
    pub fn new(text: Box<str>) -> Self {
        LoxStr {
            hash: hash_str(&text),
            text,
            field_name: std::cell::Cell::new(false),
        }
    }

    /// Records that an instance field is being set under this name.
    #[inline]
    pub fn note_field_name(&self) {
        self.field_name.set(true);
    }

    /// False only if no instance can have a field with this name: fields are set only by
    /// `SET_PROPERTY`, which notes the name first, and a field's name is kept alive by its
    /// table, so a string re-interned later (starting false) names no existing field. Lets a
    /// method invocation skip the field lookup.
    #[inline]
    pub fn may_name_a_field(&self) -> bool {
        self.field_name.get()
    }

    #[inline]
    pub fn hash(&self) -> u64 {
        self.hash
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// FNV-1a over the bytes, then a 64-bit finalizer so the top bits (hashbrown's control byte)
/// are well mixed. Deterministic, so table layouts repeat from run to run.
pub fn hash_str(text: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A function prototype: compiled code and its constants. Immutable once loaded.
#[derive(Collect)]
#[collect(unsafe_drop)]
pub struct Proto<'gc> {
    /// `None` for the top-level script.
    pub name: Option<Str<'gc>>,
    /// `Class.method` for methods, else the name; `<script>` for the top level. What
    /// profiles and heap snapshots show. Shared (`Rc`): every heap-profile sample and
    /// snapshot node that names the function points at this one copy, so a long name costs
    /// its length once, not once per frame or sample.
    #[collect(require_static)]
    pub qualified_name: std::sync::Arc<str>,
    #[collect(require_static)]
    pub arity: u8,
    #[collect(require_static)]
    pub upvalue_count: u16,
    /// Names of the captured variables, by upvalue index.
    #[collect(require_static)]
    pub upvalue_names: Box<[Box<str>]>,
    #[collect(require_static)]
    pub code: crate::verify::VerifiedCode,
    /// One inline-cache slot per constant (used by the property and method instructions
    /// whose name operand is that constant): the table position found there last time. See
    /// `table.rs`.
    #[collect(require_static)]
    pub hints: Box<[crate::table::Hint]>,
    #[collect(require_static)]
    pub lines: Box<[u32]>,
    pub constants: Box<[Value<'gc>]>,
}

impl Proto<'_> {
    /// The name a stack trace prints for this function.
    pub fn trace_name(&self) -> String {
        match self.name {
            Some(name) => format!("{}()", name.as_str()),
            None => "script".to_string(),
        }
    }
}

/// A variable captured by a closure: open while the variable is still a live stack slot,
/// closed (holding its own copy) once that slot goes out of scope.
#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub enum UpvalueState<'gc> {
    /// Index of the captured slot in the VM's value stack.
    Open(usize),
    Closed(Value<'gc>),
}

/// The arena object behind an upvalue (a struct rather than a bare `Lock` so that it can
/// report its footprint when dropped).
#[derive(Collect)]
#[collect(unsafe_drop)]
pub struct UpvalueCell<'gc> {
    pub state: Lock<UpvalueState<'gc>>,
}

pub type Upvalue<'gc> = Gc<'gc, UpvalueCell<'gc>>;

#[derive(Collect)]
#[collect(unsafe_drop)]
pub struct Closure<'gc> {
    pub proto: Gc<'gc, Proto<'gc>>,
    pub upvalues: Box<[Upvalue<'gc>]>,
}

#[derive(Collect)]
#[collect(require_static)]
pub struct Native {
    pub name: &'static str,
    pub arity: u8,
    pub function: NativeFn,
}

#[derive(Collect)]
#[collect(unsafe_drop)]
pub struct Class<'gc> {
    pub name: Str<'gc>,
    pub methods: Table<'gc, Gc<'gc, Closure<'gc>>>,
    /// `methods`' entry for `init`, kept beside it so that a call of the class (every
    /// instantiation) needs no table lookup. The only instructions that change `methods`,
    /// METHOD and INHERIT (`exec.rs`), keep it equal to that entry.
    pub init: Option<Gc<'gc, Closure<'gc>>>,
}

/// `repr(C)`, fields first: the table's spill pointer (all that freeing an instance reads)
/// then follows gc-arena's header and the lock's flag in the object's first cache line.
#[derive(Collect)]
#[collect(unsafe_drop)]
#[repr(C)]
pub struct Instance<'gc> {
    pub fields: Table<'gc, Value<'gc>>,
    pub class: Gc<'gc, RefLock<Class<'gc>>>,
}

#[derive(Collect)]
#[collect(unsafe_drop)]
pub struct BoundMethod<'gc> {
    pub receiver: Value<'gc>,
    pub method: Gc<'gc, Closure<'gc>>,
}

/// What the allocation entry point needs to know about an object type.
pub trait HeapObject {
    /// The type's name in profiles and heap snapshots.
    const TYPE_NAME: &'static str;

    /// Bytes the object owns outside its own arena allocation (string text, code, tables):
    /// part of the footprint the allocation entry point accounts for.
    fn owned_bytes(&self) -> usize {
        0
    }
}

impl HeapObject for LoxStr {
    const TYPE_NAME: &'static str = "String";

    fn owned_bytes(&self) -> usize {
        self.text.len()
    }
}

impl HeapObject for Proto<'_> {
    const TYPE_NAME: &'static str = "Function";
    fn owned_bytes(&self) -> usize {
        self.code.len()
            + self.hints.len() * std::mem::size_of::<crate::table::Hint>()
            + self.lines.len() * std::mem::size_of::<u32>()
            + self.qualified_name.len()
            + self
                .upvalue_names
                .iter()
                .map(|n| std::mem::size_of::<Box<str>>() + n.len())
                .sum::<usize>()
            + std::mem::size_of_val::<[Value]>(&self.constants)
    }
}

impl HeapObject for Closure<'_> {
    const TYPE_NAME: &'static str = "Closure";
    fn owned_bytes(&self) -> usize {
        std::mem::size_of_val::<[Upvalue]>(&self.upvalues)
    }
}

impl HeapObject for UpvalueCell<'_> {
    const TYPE_NAME: &'static str = "Upvalue";
}

impl HeapObject for Native {
    const TYPE_NAME: &'static str = "Native";
}

impl HeapObject for BoundMethod<'_> {
    const TYPE_NAME: &'static str = "BoundMethod";
}

impl<T: HeapObject> HeapObject for RefLock<T> {
    const TYPE_NAME: &'static str = T::TYPE_NAME;
    fn owned_bytes(&self) -> usize {
        self.borrow().owned_bytes()
    }
}

impl HeapObject for Class<'_> {
    const TYPE_NAME: &'static str = "Class";
    fn owned_bytes(&self) -> usize {
        self.methods.owned_bytes()
    }
}

impl HeapObject for Instance<'_> {
    const TYPE_NAME: &'static str = "Instance";
    fn owned_bytes(&self) -> usize {
        self.fields.owned_bytes()
    }
}

/// Reads an upvalue's current value.
#[inline]
pub fn upvalue_get<'gc>(upvalue: Upvalue<'gc>, stack: &[Value<'gc>]) -> Value<'gc> {
    match upvalue.state.get() {
        UpvalueState::Open(slot) => stack[slot],
        UpvalueState::Closed(value) => value,
    }
}

/// Writes an upvalue: into the stack slot while open, into the upvalue once closed.
#[inline]
pub fn upvalue_set<'gc>(
    mc: &Mutation<'gc>,
    upvalue: Upvalue<'gc>,
    stack: &mut [Value<'gc>],
    value: Value<'gc>,
) {
    match upvalue.state.get() {
        UpvalueState::Open(slot) => stack[slot] = value,
        UpvalueState::Closed(_) => upvalue_close(mc, upvalue, value),
    }
}

/// Stores `value` as the upvalue's own (closed) value, with the write barrier.
#[inline]
pub fn upvalue_close<'gc>(mc: &Mutation<'gc>, upvalue: Upvalue<'gc>, value: Value<'gc>) {
    unlock!(Gc::write(mc, upvalue), UpvalueCell, state).set(UpvalueState::Closed(value));
}

// Every object reports the footprint it was accounted with when it is dropped (see
// `alloc.rs`). These `Drop`s read only sizes and capacities, never a `Gc` pointer, as
// `#[collect(unsafe_drop)]` requires.

impl Drop for LoxStr {
    fn drop(&mut self) {
        note_freed(footprint::<LoxStr>(self.owned_bytes()));
    }
}

impl Drop for Proto<'_> {
    fn drop(&mut self) {
        note_freed(footprint::<Self>(self.owned_bytes()));
    }
}

impl Drop for Closure<'_> {
    fn drop(&mut self) {
        note_freed(footprint::<Self>(self.owned_bytes()));
    }
}

impl Drop for UpvalueCell<'_> {
    fn drop(&mut self) {
        note_freed(footprint::<Self>(0));
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        note_freed(footprint::<Native>(0));
    }
}

impl Drop for BoundMethod<'_> {
    fn drop(&mut self) {
        note_freed(footprint::<Self>(0));
    }
}

// Classes and instances are allocated as `RefLock<T>`: report that size.
impl Drop for Class<'_> {
    fn drop(&mut self) {
        note_freed(footprint::<RefLock<Self>>(self.owned_bytes()));
    }
}

impl Drop for Instance<'_> {
    fn drop(&mut self) {
        note_freed(footprint::<RefLock<Self>>(self.owned_bytes()));
    }
}
