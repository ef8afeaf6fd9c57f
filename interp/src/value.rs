//! The Lox value: 16 bytes, `Copy`, either an immediate (nil, boolean, number) or a pointer to
//! an arena object.

use std::fmt;

use gc_arena::{lock::RefLock, Collect, Gc};

use crate::object::{BoundMethod, Class, Closure, Instance, LoxStr, Native, Proto};

/// An interned string. Two `Str`s are equal exactly when they are the same object.
pub type Str<'gc> = Gc<'gc, LoxStr>;

#[derive(Clone, Copy, Collect)]
#[collect(no_drop)]
pub enum Value<'gc> {
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

const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl<'gc> Value<'gc> {
    /// Only `nil` and `false` are falsey.
    #[inline]
    pub fn is_falsey(self) -> bool {
        matches!(self, Value::Nil | Value::Bool(false))
    }

    /// Lox `==`: numbers by IEEE equality (NaN is unequal to itself), everything else by
    /// identity (strings are interned, so identity is content equality).
    #[inline]
    pub fn equals(self, other: Value<'gc>) -> bool {
        use Value as V;
        match (self, other) {
            (V::Nil, V::Nil) => true,
            (V::Bool(a), V::Bool(b)) => a == b,
            (V::Number(a), V::Number(b)) => a == b,
            (V::String(a), V::String(b)) => Gc::ptr_eq(a, b),
            (V::Function(a), V::Function(b)) => Gc::ptr_eq(a, b),
            (V::Closure(a), V::Closure(b)) => Gc::ptr_eq(a, b),
            (V::Native(a), V::Native(b)) => Gc::ptr_eq(a, b),
            (V::Class(a), V::Class(b)) => Gc::ptr_eq(a, b),
            (V::Instance(a), V::Instance(b)) => Gc::ptr_eq(a, b),
            (V::BoundMethod(a), V::BoundMethod(b)) => Gc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The name of the value's type, as profiles and error messages show it.
    pub fn type_name(self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Function(_) => "function",
            Value::Closure(_) => "closure",
            Value::Native(_) => "native",
            Value::Class(_) => "class",
            Value::Instance(_) => "instance",
            Value::BoundMethod(_) => "bound method",
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
        match *self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => fmt_number(n, f),
            Value::String(s) => f.write_str(s.as_str()),
            Value::Function(p) => fmt_function(p.name, f),
            Value::Closure(c) => fmt_function(c.proto.name, f),
            Value::Native(_) => f.write_str("<native fn>"),
            Value::Class(c) => f.write_str(c.borrow().name.as_str()),
            Value::Instance(i) => write!(f, "{} instance", i.borrow().class.borrow().name.as_str()),
            Value::BoundMethod(b) => fmt_function(b.method.proto.name, f),
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
