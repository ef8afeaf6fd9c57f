//! Native functions: Rust functions callable from Lox. A native runs to completion inside one
//! instruction; it never calls back into Lox, so it never needs the Rust stack across a slice.
//! Natives that need the host (a forced collection) set a [`crate::vm::Requests`] flag, which
//! ends the slice; the host acts on it before the next one.

use gc_arena::Mutation;

use crate::object::Native;
use crate::value::Value;
use crate::vm::{Env, Vm};

/// What a native sees: the mutation context and the VM environment (strings, output, clock).
pub struct NativeCx<'gc, 'a> {
    pub mc: &'gc Mutation<'gc>,
    pub env: &'a mut Env<'gc>,
}

/// A native function. The VM checks the argument count against [`Native::arity`] before the
/// call. An `Err` is a runtime error with that message.
pub type NativeFn =
    for<'gc, 'a> fn(&mut NativeCx<'gc, 'a>, &[Value<'gc>]) -> Result<Value<'gc>, String>;

/// Defines every native as a global of `vm`.
pub fn define_all<'gc>(mc: &Mutation<'gc>, vm: &mut Vm<'gc>) {
    let natives: [(&'static str, u8, NativeFn); 1] = [("clock", 0, clock)];
    for (name, arity, function) in natives {
        let native = vm.env.alloc.alloc(
            mc,
            Native {
                name,
                arity,
                function,
            },
        );
        vm.define_global(name, Value::Native(native));
    }
}

/// `clock()`: seconds since the runtime started, as a number.
fn clock<'gc>(cx: &mut NativeCx<'gc, '_>, _args: &[Value<'gc>]) -> Result<Value<'gc>, String> {
    Ok(Value::Number(cx.env.start.elapsed().as_secs_f64()))
}
