//! Host-side compiled code → arena prototypes: interns names and string constants and
//! allocates one [`Proto`] per function, innermost first.

use gc_arena::{Gc, Mutation};

use crate::chunk::{Constant, FunctionCode};
use crate::object::{Closure, Proto};
use crate::value::Value;
use crate::vm::Env;

/// Loads a compiled function and everything it contains.
pub fn load<'gc>(
    mc: &Mutation<'gc>,
    env: &mut Env<'gc>,
    code: &FunctionCode,
) -> Gc<'gc, Proto<'gc>> {
    let constants = code
        .constants
        .iter()
        .map(|c| match c {
            Constant::Number(n) => Value::Number(*n),
            Constant::String(s) => Value::String(env.intern(mc, s)),
            Constant::Function(f) => Value::Function(load(mc, env, f)),
        })
        .collect();
    let name = code.name.as_deref().map(|n| env.intern(mc, n));
    env.alloc(
        mc,
        Proto {
            name,
            arity: code.arity,
            qualified_name: code.qualified_name.as_deref().unwrap_or("<script>").into(),
            upvalue_count: code.upvalue_count,
            upvalue_names: code.upvalue_names.clone().into_boxed_slice(),
            code: code.code.clone().into_boxed_slice(),
            hints: (0..code.code.len())
                .map(|_| crate::table::Hint::new(u32::MAX))
                .collect(),
            lines: code.lines.clone().into_boxed_slice(),
            constants,
        },
    )
}

/// Loads a compiled script as a closure ready to be called with no arguments.
pub fn load_script<'gc>(
    mc: &Mutation<'gc>,
    env: &mut Env<'gc>,
    code: &FunctionCode,
) -> Gc<'gc, Closure<'gc>> {
    let proto = load(mc, env, code);
    env.alloc(
        mc,
        Closure {
            proto,
            upvalues: Box::new([]),
        },
    )
}
