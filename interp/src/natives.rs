//! Native functions: Rust functions callable from Lox. A native runs to completion inside one
//! instruction; it never calls back into Lox, so it never needs the Rust stack across a slice.
//! Natives that need the host (a forced collection, a new gogc) set a
//! [`crate::vm::Requests`] field and end the slice; the host acts on it before the next
//! instruction.
//!
//! | native | what it does |
//! |---|---|
//! | `clock()` | seconds since the runtime started |
//! | `__gc()` | a full, forced collection (Go's `runtime.GC()`); returns nil |
//! | `__memstat(name)` | a collector statistic by its Go name, e.g. `"HeapAlloc"`, `"NumGC"` |
//! | `__setgcpercent(n)` | sets gogc (negative: off), returns the previous value (Go's `debug.SetGCPercent`) |
//! | `__writeheapprofile(path)` | writes the heap profile now (gzipped pprof); returns true (Go's `pprof.WriteHeapProfile`) |
//! | `__heapsnapshot(path)` | writes a `.heapsnapshot` of the live heap at the next instruction boundary |
//! | `__leakreport()` | prints a leak report (top retainers and their paths) at the next instruction boundary |
//!
//! The `__` prefix keeps these out of the way of ordinary Lox programs' names. The two that
//! write files work only where [`crate::VmConfig::write_access`] allows (nowhere by default;
//! see `write_access.rs`); otherwise they raise a runtime error naming `--allow-write`.

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

/// Every native: name, arity, function.
const NATIVES: [(&str, u8, NativeFn); 7] = [
    ("clock", 0, clock),
    ("__gc", 0, gc),
    ("__memstat", 1, memstat),
    ("__setgcpercent", 1, set_gc_percent),
    ("__writeheapprofile", 1, write_heap_profile),
    ("__heapsnapshot", 1, heap_snapshot),
    ("__leakreport", 0, leak_report),
];

/// Defines every native as a global of `vm`.
pub fn define_all<'gc>(mc: &Mutation<'gc>, vm: &mut Vm<'gc>) {
    for (name, arity, function) in NATIVES {
        let native = vm.env.alloc(
            mc,
            Native {
                name,
                arity,
                function,
            },
        );
        vm.define_global(name, Value::native(native));
    }
}

/// `clock()`: seconds since the runtime started, as a number.
fn clock<'gc>(cx: &mut NativeCx<'gc, '_>, _args: &[Value<'gc>]) -> Result<Value<'gc>, String> {
    Ok(Value::number(cx.env.start.elapsed().as_secs_f64()))
}

/// `__gc()`: asks the host for a full collection before the next instruction.
fn gc<'gc>(cx: &mut NativeCx<'gc, '_>, _args: &[Value<'gc>]) -> Result<Value<'gc>, String> {
    cx.env.requests.collect = true;
    cx.env.allocator.end_slice();
    Ok(Value::NIL)
}

/// `__memstat(name)`: one collector statistic.
fn memstat<'gc>(cx: &mut NativeCx<'gc, '_>, args: &[Value<'gc>]) -> Result<Value<'gc>, String> {
    let Some(name) = args[0].as_string() else {
        return Err("__memstat takes a statistic's name.".to_string());
    };
    let accounting = cx.env.allocator.accounting();
    match cx.env.gc_stats.read(accounting, name.as_str()) {
        Some(value) => Ok(Value::number(value)),
        None => Err(format!(
            "Unknown statistic '{}' (one of {}).",
            name.as_str(),
            gclox_gc::SharedStats::NAMES.join(", ")
        )),
    }
}

/// `__setgcpercent(n)`: sets gogc (negative: off); returns the previous value (-1 for off).
fn set_gc_percent<'gc>(
    cx: &mut NativeCx<'gc, '_>,
    args: &[Value<'gc>],
) -> Result<Value<'gc>, String> {
    let Some(n) = args[0].as_number() else {
        return Err("__setgcpercent takes a number.".to_string());
    };
    if n.is_nan() || n > f64::from(u32::MAX) {
        return Err("gogc must be a percentage below 2^32, or negative for off.".to_string());
    }
    let new = if n < 0.0 { None } else { Some(n as u32) };
    let old = cx.env.gc_stats.gogc.replace(new.map_or(-1, i64::from));
    cx.env.requests.set_gogc = Some(new);
    cx.env.allocator.end_slice();
    Ok(Value::number(old as f64))
}

fn path_argument(args: &[Value<'_>], native: &str) -> Result<String, String> {
    match args[0].as_string() {
        Some(path) => Ok(path.as_str().to_string()),
        None => Err(format!("{native} takes a file path.")),
    }
}

/// `__writeheapprofile(path)`: writes the heap profile now.
fn write_heap_profile<'gc>(
    cx: &mut NativeCx<'gc, '_>,
    args: &[Value<'gc>],
) -> Result<Value<'gc>, String> {
    let name = path_argument(args, "__writeheapprofile")?;
    let path = cx
        .env
        .config
        .write_access
        .check("__writeheapprofile", &name)?;
    let Some(profile) = crate::profile::heap_profile(cx.env) else {
        return Err("Heap profiling is off (memprofile rate 0).".to_string());
    };
    std::fs::write(&path, profile.encode())
        .map_err(|e| format!("Cannot write heap profile '{name}': {e}."))?;
    Ok(Value::TRUE)
}

/// `__heapsnapshot(path)`: asks the host for a heap snapshot before the next instruction.
fn heap_snapshot<'gc>(
    cx: &mut NativeCx<'gc, '_>,
    args: &[Value<'gc>],
) -> Result<Value<'gc>, String> {
    let name = path_argument(args, "__heapsnapshot")?;
    let path = cx.env.config.write_access.check("__heapsnapshot", &name)?;
    cx.env.requests.heap_snapshot = Some(path);
    cx.env.allocator.end_slice();
    Ok(Value::NIL)
}

/// `__leakreport()`: asks the host for a leak report before the next instruction.
fn leak_report<'gc>(
    cx: &mut NativeCx<'gc, '_>,
    _args: &[Value<'gc>],
) -> Result<Value<'gc>, String> {
    cx.env.requests.leak_report = true;
    cx.env.allocator.end_slice();
    Ok(Value::NIL)
}
