//! `gclox-interp`: the Lox language on a gc-arena heap.
//!
//! Data flows one way: source text → [`scanner`] tokens → [`compiler`] bytecode
//! ([`chunk::FunctionCode`], host data; instructions in [`opcode`], listed by [`disasm`]) →
//! [`load`] (checked by [`verify`]) arena prototypes → [`exec`] slices of
//! execution on the [`vm::Vm`] root. Every runtime object is allocated through
//! [`vm::Env::alloc`], which charges its footprint to [`alloc::Allocator`].

// `unsafe` is denied except where a measured hot path needs it; each such block is allowed
// locally and argues its safety (see `exec.rs`).
#![deny(unsafe_code)]

pub mod alloc;
pub mod chunk;
pub mod compiler;
pub mod disasm;
pub mod error;
pub mod exec;
pub mod global_names;
pub mod heap_walk;
pub mod intern;
pub mod load;
pub mod natives;
pub mod object;
pub mod opcode;
pub mod profile;
pub mod sampler;
pub mod scanner;
pub mod table;
pub mod value;
pub mod verify;
pub mod vm;
pub mod write_access;

pub use error::LoxError;
pub use exec::{run_slice, Budget, SliceEnd};
pub use value::Value;
pub use vm::{Vm, VmConfig};
pub use write_access::WriteAccess;

use gc_arena::Mutation;

/// Compiles `source` and loads it as the program `vm` runs next (a call of the top-level
/// script with no arguments). Globals compiled earlier keep their slots, so a REPL line sees
/// earlier definitions.
pub fn load_program<'gc>(
    mc: &Mutation<'gc>,
    vm: &mut Vm<'gc>,
    source: &str,
) -> Result<(), LoxError> {
    let code = compile_program(vm, source)?;
    load_compiled(mc, vm, &code)
}

/// Compiles `source` against `vm`'s global slots (assigning slots to new globals) without
/// loading it: the first half of [`load_program`], for a host that also wants the code (to
/// disassemble it, see [`disasm`]).
pub fn compile_program(vm: &mut Vm<'_>, source: &str) -> Result<chunk::FunctionCode, LoxError> {
    match compile_program_until(vm, source, &|| false)? {
        Some(code) => Ok(code),
        // Never asked to stop, it does not stop; should it, the host sees an error, not a panic.
        None => Err(LoxError::Runtime {
            message: "Compilation stopped.".to_string(),
            trace: Vec::new(),
        }),
    }
}

/// [`compile_program`] that asks `stop` now and then whether to give up (see
/// [`compiler::compile_bounded`]); `Ok(None)` when it did.
pub fn compile_program_until(
    vm: &mut Vm<'_>,
    source: &str,
    stop: &dyn Fn() -> bool,
) -> Result<Option<chunk::FunctionCode>, LoxError> {
    // Compiling may hold what the heap limit leaves after the live heap, what the VM holds
    // outside it, and the source text itself.
    let budget = vm
        .env
        .allocator
        .headroom(vm.host_bytes() as u64)
        .map_or(usize::MAX, |room| {
            usize::try_from(room)
                .unwrap_or(usize::MAX)
                .saturating_sub(source.len())
        });
    match compiler::compile_bounded(source, &mut vm.env.global_names, budget, stop) {
        Ok(code) => {
            vm.sync_globals();
            Ok(Some(code))
        }
        Err(compiler::CompileEnd::Errors(errors)) => Err(LoxError::Compile(errors)),
        Err(compiler::CompileEnd::OutOfMemory) => Err(LoxError::Runtime {
            message: compiler::OUT_OF_MEMORY.to_string(),
            trace: Vec::new(),
        }),
        Err(compiler::CompileEnd::Stopped) => Ok(None),
    }
}

/// Verifies and loads code from [`compile_program`] (on the same `vm`) as the program `vm`
/// runs next: the second half of [`load_program`].
pub fn load_compiled<'gc>(
    mc: &Mutation<'gc>,
    vm: &mut Vm<'gc>,
    code: &chunk::FunctionCode,
) -> Result<(), LoxError> {
    let script =
        load::load_script(mc, &mut vm.env, code).map_err(|error| LoxError::Compile(vec![error]))?;
    vm.reset(mc);
    vm.stack.push(Value::closure(script));
    vm.frames.push(vm::CallFrame {
        closure: script,
        ip: 0,
        base: 0,
    });
    Ok(())
}
