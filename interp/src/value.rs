//! The Lox value: 8 bytes, `Copy` — a NaN-boxed double (clox's `NAN_BOXING`, chapter 30).
//!
//! # Encoding
//!
//! A value is the bit pattern of an `f64`. Patterns whose top 13 bits are all set (sign,
//! exponent, quiet bit) — `TAGGED` — are never numbers here, because every NaN a [`Value`]
//! holds is the canonical positive NaN ([`Value::number`] replaces any other). In a tagged
//! pattern bits 48–50 hold a `Tag` and bits 0–47 its payload: the address of an arena object,
//! or (tag 0) which immediate it is — `nil`, `false`, `true`.
//!
//! # Why
//!
//! Half the size of the 16-byte enum it replaces: the value stack, constants, upvalues and
//! above all field tables (a key and a value per entry, 24 → 16 bytes) move half the bytes.
//! Measured in BENCHMARKS.md.
//!
//! # Safety of the object pointers
//!
//! An object pattern is made only by `Value::object` from a `Gc<'gc, T>` of the type its tag
//! names, and the bits are private: no other code can forge one (numbers cannot collide, see
//! above). A `Value<'gc>` carries the arena's `'gc` brand, so it is reachable only within the
//! arena's mutation, where nothing is collected, or from the arena's traced state, which
//! [`Collect`] below traces exactly like the `Gc` it came from. So decoding the address back
//! into that `Gc` ([`Value::kind`]) yields a pointer to a live object of the right type — the
//! contract of `Gc::from_ptr`. Addresses must fit in 48 bits (user-space addresses do on
//! x86-64 and on aarch64 with 48-bit virtual addresses); `Value::object` checks it.

use std::fmt;
use std::marker::PhantomData;

use gc_arena::{collect::Trace, lock::RefLock, Collect, Gc};

use crate::object::{BoundMethod, Class, Closure, Instance, LoxStr, Native, Proto};

/// An interned string. Two `Str`s are equal exactly when they are the same object.
pub type Str<'gc> = Gc<'gc, LoxStr>;

/// A Lox value (see the module documentation for its encoding).
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct Value<'gc> {
    bits: u64,
    /// The arena brand, invariant like `Gc<'gc, _>`.
    _gc: PhantomData<Gc<'gc, ()>>,
}

const _: () = assert!(std::mem::size_of::<Value>() == 8);

/// Set in every pattern that is not a number: sign, exponent and quiet bit.
const TAGGED: u64 = 0xFFF8_0000_0000_0000;
/// The payload: an object address, or an immediate's number.
const PAYLOAD: u64 = (1 << 48) - 1;
const TAG_SHIFT: u32 = 48;
/// The only NaN a value holds.
const CANONICAL_NAN: u64 = 0x7FF8_0000_0000_0000;

/// What the payload of a tagged pattern is.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
enum Tag {
    Immediate = 0,
    String = 1,
    Function = 2,
    Closure = 3,
    Native = 4,
    Class = 5,
    Instance = 6,
    BoundMethod = 7,
}

const fn tagged(tag: Tag, payload: u64) -> u64 {
    TAGGED | (tag as u64) << TAG_SHIFT | payload
}

// Immediates: `false` and `nil` differ only in bit 0, so `is_falsey` is one comparison.
// `UNDEFINED` marks a global slot not yet defined; it never reaches the stack.
const UNDEFINED: u64 = tagged(Tag::Immediate, 0);
const TRUE: u64 = tagged(Tag::Immediate, 1);
const FALSE: u64 = tagged(Tag::Immediate, 2);
const NIL: u64 = tagged(Tag::Immediate, 3);

/// A value taken apart: what `match` sees.
#[derive(Clone, Copy)]
pub enum Kind<'gc> {
    Nil,
    Bool(bool),
    Number(f64),
    String(Str<'gc>),
    /// A bare function prototype: only ever a constant operand of `CLOSURE`.
    Function(Gc<'gc, Proto<'gc>>),
    Closure(Gc<'gc, Closure<'gc>>),
    Native(Gc<'gc, Native>),
    Class(Gc<'gc, RefLock<Class<'gc>>>),
    Instance(Gc<'gc, RefLock<Instance<'gc>>>),
    BoundMethod(Gc<'gc, BoundMethod<'gc>>),
}

impl<'gc> Value<'gc> {
    pub const NIL: Value<'gc> = Value::from_bits(NIL);
    pub const TRUE: Value<'gc> = Value::from_bits(TRUE);
    pub const FALSE: Value<'gc> = Value::from_bits(FALSE);
    /// Not a Lox value: what an undefined global slot holds.
    pub(crate) const UNDEFINED: Value<'gc> = Value::from_bits(UNDEFINED);

    #[inline(always)]
    const fn from_bits(bits: u64) -> Value<'gc> {
        Value {
            bits,
            _gc: PhantomData,
        }
    }

    #[inline(always)]
    pub fn bool(b: bool) -> Value<'gc> {
        if b {
            Value::TRUE
        } else {
            Value::FALSE
        }
    }

    /// A number; any NaN becomes the canonical one, which keeps numbers out of the tagged
    /// patterns.
    #[inline(always)]
    pub fn number(n: f64) -> Value<'gc> {
        let bits = if n.is_nan() {
            CANONICAL_NAN
        } else {
            n.to_bits()
        };
        Value::from_bits(bits)
    }

    /// An object pattern. The tag must name `T` (the typed constructors below ensure it).
    #[inline(always)]
    fn object<T>(tag: Tag, gc: Gc<'gc, T>) -> Value<'gc> {
        let address = Gc::as_ptr(gc) as usize as u64;
        assert!(
            address & !PAYLOAD == 0,
            "gclox needs object addresses below 2^48"
        );
        Value::from_bits(tagged(tag, address))
    }

    #[inline(always)]
    pub fn string(s: Str<'gc>) -> Value<'gc> {
        Value::object(Tag::String, s)
    }
    #[inline(always)]
    pub fn function(p: Gc<'gc, Proto<'gc>>) -> Value<'gc> {
        Value::object(Tag::Function, p)
    }
    #[inline(always)]
    pub fn closure(c: Gc<'gc, Closure<'gc>>) -> Value<'gc> {
        Value::object(Tag::Closure, c)
    }
    #[inline(always)]
    pub fn native(n: Gc<'gc, Native>) -> Value<'gc> {
        Value::object(Tag::Native, n)
    }
    #[inline(always)]
    pub fn class(c: Gc<'gc, RefLock<Class<'gc>>>) -> Value<'gc> {
        Value::object(Tag::Class, c)
    }
    #[inline(always)]
    pub fn instance(i: Gc<'gc, RefLock<Instance<'gc>>>) -> Value<'gc> {
        Value::object(Tag::Instance, i)
    }
    #[inline(always)]
    pub fn bound_method(b: Gc<'gc, BoundMethod<'gc>>) -> Value<'gc> {
        Value::object(Tag::BoundMethod, b)
    }

    #[inline(always)]
    fn is_tagged(self) -> bool {
        self.bits & TAGGED == TAGGED
    }

    #[inline(always)]
    fn tag(self) -> u64 {
        (self.bits >> TAG_SHIFT) & 7
    }

    /// The object this pattern points to, as a `Gc` of the type its tag names.
    ///
    /// # Safety
    ///
    /// `self` must be an object pattern whose tag names `T`.
    #[inline(always)]
    #[allow(unsafe_code)]
    unsafe fn gc<T>(self) -> Gc<'gc, T> {
        debug_assert!(self.is_tagged() && self.tag() != Tag::Immediate as u64);
        // SAFETY: by the caller, the payload is the address of a `Gc<'gc, T>`, live (see the
        // module documentation).
        unsafe { Gc::from_ptr((self.bits & PAYLOAD) as usize as *const T) }
    }

    /// The value taken apart.
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn kind(self) -> Kind<'gc> {
        if !self.is_tagged() {
            return Kind::Number(f64::from_bits(self.bits));
        }
        // The tags' values, for patterns (one definition: the `Tag` enum).
        const IMMEDIATE: u64 = Tag::Immediate as u64;
        const STRING: u64 = Tag::String as u64;
        const FUNCTION: u64 = Tag::Function as u64;
        const CLOSURE: u64 = Tag::Closure as u64;
        const NATIVE: u64 = Tag::Native as u64;
        const CLASS: u64 = Tag::Class as u64;
        const INSTANCE: u64 = Tag::Instance as u64;
        // SAFETY: for every `gc` call below, the tag just read names the type asked for.
        unsafe {
            match self.tag() {
                IMMEDIATE => match self.bits {
                    TRUE => Kind::Bool(true),
                    FALSE => Kind::Bool(false),
                    _ => Kind::Nil,
                },
                STRING => Kind::String(self.gc()),
                FUNCTION => Kind::Function(self.gc()),
                CLOSURE => Kind::Closure(self.gc()),
                NATIVE => Kind::Native(self.gc()),
                CLASS => Kind::Class(self.gc()),
                INSTANCE => Kind::Instance(self.gc()),
                // The tag is three bits; the last value is `Tag::BoundMethod`.
                _ => Kind::BoundMethod(self.gc()),
            }
        }
    }

    /// The number, if this is one.
    #[inline(always)]
    pub fn as_number(self) -> Option<f64> {
        (!self.is_tagged()).then(|| f64::from_bits(self.bits))
    }

    /// Both numbers, if both are.
    #[inline(always)]
    pub fn as_numbers(a: Value<'gc>, b: Value<'gc>) -> Option<(f64, f64)> {
        Some((a.as_number()?, b.as_number()?))
    }

    /// The object pointer of the given tag, if this value is one.
    #[inline(always)]
    #[allow(unsafe_code)]
    fn as_tagged<T>(self, tag: Tag) -> Option<Gc<'gc, T>> {
        // SAFETY: `T` is the type `tag` names (each caller below passes the pair).
        (self.bits & !PAYLOAD == tagged(tag, 0)).then(|| unsafe { self.gc() })
    }

    #[inline(always)]
    pub fn as_string(self) -> Option<Str<'gc>> {
        self.as_tagged(Tag::String)
    }
    #[inline(always)]
    pub fn as_closure(self) -> Option<Gc<'gc, Closure<'gc>>> {
        self.as_tagged(Tag::Closure)
    }
    #[inline(always)]
    pub fn as_class(self) -> Option<Gc<'gc, RefLock<Class<'gc>>>> {
        self.as_tagged(Tag::Class)
    }
    #[inline(always)]
    pub fn as_instance(self) -> Option<Gc<'gc, RefLock<Instance<'gc>>>> {
        self.as_tagged(Tag::Instance)
    }

    #[inline(always)]
    pub(crate) fn is_undefined(self) -> bool {
        self.bits == UNDEFINED
    }

    /// Only `nil` and `false` are falsey.
    #[inline(always)]
    pub fn is_falsey(self) -> bool {
        self.bits | 1 == NIL
    }

    /// Lox `==`: numbers by IEEE equality (NaN is unequal to itself), everything else by
    /// identity (strings are interned, so identity is content equality).
    #[inline(always)]
    pub fn equals(self, other: Value<'gc>) -> bool {
        // Without a branch on the kinds: read as doubles, every non-number is a NaN, so the
        // float comparison is true exactly for two equal numbers (0 and -0 included). Equal
        // bits cover the rest, except the canonical NaN, the one number unequal to itself.
        f64::from_bits(self.bits) == f64::from_bits(other.bits)
            || (self.bits == other.bits && self.bits != CANONICAL_NAN)
    }

    /// The name of the value's type, as profiles and error messages show it.
    pub fn type_name(self) -> &'static str {
        match self.kind() {
            Kind::Nil => "nil",
            Kind::Bool(_) => "boolean",
            Kind::Number(_) => "number",
            Kind::String(_) => "string",
            Kind::Function(_) => "function",
            Kind::Closure(_) => "closure",
            Kind::Native(_) => "native",
            Kind::Class(_) => "class",
            Kind::Instance(_) => "instance",
            Kind::BoundMethod(_) => "bound method",
        }
    }
}

// SAFETY: traces the object an object pattern points to, exactly as tracing the `Gc` it was
// made from would; other patterns hold no pointer.
#[allow(unsafe_code)]
unsafe impl<'gc> Collect<'gc> for Value<'gc> {
    #[inline]
    fn trace<T: Trace<'gc>>(&self, cc: &mut T) {
        if self.is_tagged() && self.tag() != Tag::Immediate as u64 {
            // SAFETY: an object pattern; every object type can be viewed as `()`.
            cc.trace_gc(unsafe { self.gc::<()>() });
        }
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({self})", self.type_name())
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            Kind::Nil => f.write_str("nil"),
            Kind::Bool(b) => write!(f, "{b}"),
            Kind::Number(n) => fmt_number(n, f),
            Kind::String(s) => f.write_str(s.as_str()),
            Kind::Function(p) => fmt_function(p.name, f),
            Kind::Closure(c) => fmt_function(c.proto.name, f),
            Kind::Native(_) => f.write_str("<native fn>"),
            Kind::Class(c) => f.write_str(c.borrow().name.as_str()),
            Kind::Instance(i) => write!(f, "{} instance", i.borrow().class.borrow().name.as_str()),
            Kind::BoundMethod(b) => fmt_function(b.method.proto.name, f),
        }
    }
}

fn fmt_function(name: Option<Str<'_>>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match name {
        Some(name) => write!(f, "<fn {}>", name.as_str()),
        None => f.write_str("<script>"),
    }
}

/// Numbers print exactly: integral values without a fraction (keeping `-0`), others as the
/// shortest decimal that reads back as the same double, and `nan`, `inf`, `-inf`.
pub fn fmt_number(n: f64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if n.is_nan() {
        f.write_str("nan")
    } else if n.is_infinite() {
        f.write_str(if n > 0.0 { "inf" } else { "-inf" })
    } else {
        // Rust's `Display` for f64 is the shortest round-trip decimal and prints integral
        // values (including -0) without a fraction or exponent.
        write!(f, "{n}")
    }
}

#[cfg(test)]
mod tests {
    use gc_arena::{arena::rootless_mutate, lock::RefLock, Arena, Gc, Rootable};

    use super::{Kind, Value};
    use crate::object::{Class, Instance, LoxStr, Native};
    use crate::table::Table;

    fn native<'gc>(
        _: &mut crate::natives::NativeCx<'gc, '_>,
        _: &[Value<'gc>],
    ) -> Result<Value<'gc>, String> {
        Ok(Value::NIL)
    }

    #[test]
    fn immediates_and_numbers_round_trip() {
        assert!(matches!(Value::NIL.kind(), Kind::Nil));
        assert!(matches!(Value::TRUE.kind(), Kind::Bool(true)));
        assert!(matches!(Value::FALSE.kind(), Kind::Bool(false)));
        assert!(Value::NIL.is_falsey() && Value::FALSE.is_falsey());
        assert!(!Value::TRUE.is_falsey() && !Value::number(0.0).is_falsey());
        for n in [
            0.0,
            -0.0,
            1.5,
            -7.25,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            5e-324,
        ] {
            let Kind::Number(back) = Value::number(n).kind() else {
                panic!("{n} is not a number after boxing");
            };
            assert_eq!(back.to_bits(), n.to_bits());
        }
    }

    #[test]
    fn every_nan_stays_a_number_unequal_to_itself() {
        // The NaN x86 computes for 0/0 has the sign bit set: unboxed, it would look tagged.
        let computed = std::hint::black_box(0.0f64) / std::hint::black_box(0.0f64);
        for nan in [
            computed,
            -computed,
            f64::NAN,
            f64::from_bits(0xFFFF_FFFF_FFFF_FFFF),
        ] {
            let value = Value::number(nan);
            assert!(
                value.as_number().is_some_and(f64::is_nan),
                "{:#x}",
                nan.to_bits()
            );
            assert!(!value.equals(value));
            assert!(!value.is_falsey());
        }
        assert!(Value::number(-0.0).equals(Value::number(0.0)));
        assert!(!Value::number(1.0).equals(Value::TRUE));
        assert!(!Value::number(f64::NAN).equals(Value::NIL));
        assert!(!Value::NIL.equals(Value::number(f64::NAN)));
        assert!(Value::number(2.5).equals(Value::number(2.5)));
        assert!(Value::NIL.equals(Value::NIL) && !Value::NIL.equals(Value::FALSE));
    }

    #[test]
    fn objects_round_trip_to_the_same_pointer_and_kind() {
        rootless_mutate(|mc| {
            let s = Gc::new(mc, LoxStr::new("name".into()));
            let class = Gc::new(
                mc,
                RefLock::new(Class {
                    name: s,
                    methods: Table::default(),
                    init: None,
                }),
            );
            let instance = Gc::new(
                mc,
                RefLock::new(Instance {
                    fields: Table::default(),
                    class,
                }),
            );
            let n = Gc::new(
                mc,
                Native {
                    name: "f",
                    arity: 0,
                    function: native,
                },
            );
            let values = [
                Value::string(s),
                Value::class(class),
                Value::instance(instance),
                Value::native(n),
            ];
            assert!(matches!(values[0].kind(), Kind::String(x) if Gc::ptr_eq(x, s)));
            assert!(matches!(values[1].kind(), Kind::Class(x) if Gc::ptr_eq(x, class)));
            assert!(matches!(values[2].kind(), Kind::Instance(x) if Gc::ptr_eq(x, instance)));
            assert!(matches!(values[3].kind(), Kind::Native(x) if Gc::ptr_eq(x, n)));
            assert!(values[0].as_string().is_some_and(|x| Gc::ptr_eq(x, s)));
            assert!(values[1].as_class().is_some_and(|x| Gc::ptr_eq(x, class)));
            assert!(values[2]
                .as_instance()
                .is_some_and(|x| Gc::ptr_eq(x, instance)));
            // Each accessor answers only for its own kind, numbers and immediates included.
            let others = [
                Value::NIL,
                Value::TRUE,
                Value::number(f64::NAN),
                Value::number(-1.0),
            ];
            for (i, v) in values.iter().chain(&others).enumerate() {
                assert_eq!(v.as_string().is_some(), i == 0);
                assert_eq!(v.as_class().is_some(), i == 1);
                assert_eq!(v.as_instance().is_some(), i == 2);
                assert!(v.as_closure().is_none());
                assert_eq!(v.as_number().is_some(), i >= 6);
            }
            assert!(values[0].equals(Value::string(s)) && !values[0].equals(values[1]));
            assert_eq!(format!("{}", values[2]), "name instance");
        });
    }

    #[test]
    fn tracing_keeps_boxed_objects_alive_and_lets_the_rest_go() {
        type Root = Rootable![Vec<Value<'_>>];
        let mut arena: Arena<Root> = Arena::new(|_| Vec::new());
        arena.mutate_root(|mc, root| {
            for i in 0..100 {
                let s = Gc::new(mc, LoxStr::new(format!("s{i}").into()));
                root.push(Value::string(s));
                root.push(Value::number(f64::from(i)));
                // Garbage: boxed, then dropped.
                let _ = Value::string(Gc::new(mc, LoxStr::new("garbage".into())));
            }
        });
        arena.finish_cycle();
        arena.finish_cycle();
        assert_eq!(arena.metrics().total_gc_count(), 100);
        arena.mutate(|_, root| {
            for (i, pair) in root.chunks(2).enumerate() {
                let text = pair[0].as_string().expect("a string").as_str().to_string();
                assert_eq!(text, format!("s{i}"));
                assert_eq!(pair[1].as_number(), Some(i as f64));
            }
        });
    }

    struct N(f64);
    impl std::fmt::Display for N {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            super::fmt_number(self.0, f)
        }
    }

    #[test]
    fn numbers_print_exactly() {
        let cases = [
            (2000001.0, "2000001"),
            (-0.0, "-0"),
            (0.1, "0.1"),
            (123.456, "123.456"),
            (-0.001, "-0.001"),
            (1.0 / 3.0, "0.3333333333333333"),
            (f64::NAN, "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (1e21, "1000000000000000000000"),
        ];
        for (n, text) in cases {
            assert_eq!(N(n).to_string(), text, "printing {n:?}");
        }
    }
}
