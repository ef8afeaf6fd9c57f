//! Host-side compiled code → arena prototypes: interns names and string constants and
//! allocates one [`Proto`] per function, innermost first. Each function's code is verified
//! ([`crate::verify::verify`]) before it becomes a prototype.

use gc_arena::{Gc, Mutation};

use crate::chunk::{Constant, FunctionCode};
use crate::object::{Closure, Proto};
use crate::value::Value;
use crate::verify::verify;
use crate::vm::Env;

/// Loads a compiled function and everything it contains. Fails (an internal error: the
/// compiler only emits valid code) if any function's code does not verify.
pub fn load<'gc>(
    mc: &Mutation<'gc>,
    env: &mut Env<'gc>,
    code: &FunctionCode,
) -> Result<Gc<'gc, Proto<'gc>>, String> {
    let verified = verify(code)?;
    let constants = code
        .constants
        .iter()
        .map(|c| {
            Ok(match c {
                Constant::Number(n) => Value::number(*n),
                Constant::String(s) => Value::string(env.intern(mc, s)),
                Constant::Function(f) => Value::function(load(mc, env, f)?),
            })
        })
        .collect::<Result<_, String>>()?;
    let name = code.name.as_deref().map(|n| env.intern(mc, n));
    Ok(env.alloc(
        mc,
        Proto {
            name,
            arity: code.arity,
            qualified_name: code.qualified_name.as_deref().unwrap_or("<script>").into(),
            upvalue_count: code.upvalue_count,
            upvalue_names: code.upvalue_names.clone().into_boxed_slice(),
            code: verified,
            hints: (0..code.constants.len())
                .map(|_| crate::table::Hint::new(u32::MAX))
                .collect(),
            lines: code.lines.clone().into_boxed_slice(),
            constants,
        },
    ))
}

/// Loads a compiled script as a closure ready to be called with no arguments.
pub fn load_script<'gc>(
    mc: &Mutation<'gc>,
    env: &mut Env<'gc>,
    code: &FunctionCode,
) -> Result<Gc<'gc, Closure<'gc>>, String> {
    let proto = load(mc, env, code)?;
    Ok(env.alloc(
        mc,
        Closure {
            proto,
            upvalues: Box::new([]),
        },
    ))
}
