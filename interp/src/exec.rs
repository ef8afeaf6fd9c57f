//! The bytecode interpreter: runs one bounded *slice* of a program.
//!
//! # The slice contract
//!
//! [`run_slice`] executes about `fuel` instructions — exactly at most `fuel` with
//! [`Budget::Exact`]; with [`Budget::AtControlFlow`], until the first backward jump, call or
//! return at which `fuel` is spent — and ends the slice there early once the slice has
//! allocated its byte budget ([`crate::alloc::Allocator::over_budget`]) or the program asked
//! the host for something ([`crate::vm::Requests`]). Before it returns, every piece of state is
//! written back into the [`Vm`] root — the current frame's `ip` included — so the host can leave
//! `mutate_root`, let the collector run, and call `run_slice` again to continue exactly where it
//! stopped. Lox calls push [`CallFrame`]s onto `vm.frames`; they never recurse on the Rust stack.
//!
//! Inside a slice the hot state (the running closure's code and constants, `ip`, the frame's
//! stack base) is held in locals; it is reloaded from `vm.frames` after every call and return.

use std::io::Write;

use gc_arena::{
    lock::{Lock, RefLock},
    Gc, Mutation,
};

use crate::alloc::{footprint, Reservation};
use crate::error::LoxError;
use crate::natives::NativeCx;
use crate::object::{
    upvalue_close, upvalue_get, upvalue_set, BoundMethod, Class, Closure, Instance, LoxStr, Proto,
    Upvalue, UpvalueCell, UpvalueState,
};
use crate::opcode::op;
use crate::sampler::{FrameKey, MAX_DEPTH};
use crate::table::{Hint, Table};
use crate::value::{Kind, Str, Value};
use crate::vm::{CallFrame, Env, Vm};

/// How a slice ended (errors aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SliceEnd {
    /// The program returned from its top-level code: nothing is left to run.
    Finished,
    /// The slice ran out of fuel or allocation budget, or the program made a request: call
    /// [`run_slice`] again to continue.
    Yielded,
}

/// Where a slice checks whether it has spent its instruction budget (`fuel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Before every instruction: the slice runs at most `fuel` instructions. For an
    /// instruction limit, and for tiny slices (a collector step between any two instructions,
    /// as the collector's tests want).
    Exact,
    /// Only after the instructions that can repeat code or enter or leave a function
    /// (`LOOP`, calls, `RETURN`): the slice runs `fuel` instructions and then on to the next
    /// of those, at most one function's straight-line run more. Every instruction is still
    /// counted; what this saves is the check and branch in every dispatch (the budget, and
    /// an ended allocation budget or a host request, are then noticed at that point).
    AtControlFlow,
}

/// Runs about `fuel` instructions of the loaded program (`budget` says how exactly). On a
/// runtime error the VM's execution state is reset (globals and strings are kept, as the
/// REPL needs) and the error returned.
pub fn run_slice<'gc>(
    mc: &'gc Mutation<'gc>,
    vm: &mut Vm<'gc>,
    fuel: u32,
    budget: Budget,
) -> Result<SliceEnd, LoxError> {
    vm.env.allocator.begin_slice();
    vm.env.allocator.host_bytes = vm.host_bytes() as u64;
    // Samples taken outside any slice (VM start-up, loading a program) belong to no frame.
    resolve_samples(mc, vm);
    let mut left = 0;
    let fuel = i64::from(fuel);
    let result = match budget {
        Budget::Exact => execute::<true>(mc, vm, fuel, &mut left),
        Budget::AtControlFlow => execute::<false>(mc, vm, fuel, &mut left),
    };
    // `left` is negative when an `AtControlFlow` slice ran past its fuel.
    vm.env.instructions += (fuel - left) as u64;
    resolve_samples(mc, vm);
    match result {
        Ok(end) => Ok(end),
        Err(message) => {
            let trace = stack_trace(vm, false);
            vm.reset(mc);
            Err(LoxError::Runtime { message, trace })
        }
    }
}

/// Attributes pending heap-profile samples to the current call stack.
fn resolve_samples<'gc>(mc: &Mutation<'gc>, vm: &Vm<'gc>) {
    if let Some(tracker) = vm.env.sampling {
        if tracker.borrow().has_pending() {
            let stack = sample_stack(vm);
            tracker.borrow_mut(mc).resolve(&stack);
        }
    }
}

/// The call stack for heap-profile samples, innermost first, skipping frames that have not
/// executed an instruction yet (see `sampler.rs`); `<runtime>` when no frame has.
fn sample_stack(vm: &Vm<'_>) -> Vec<FrameKey> {
    let stack: Vec<FrameKey> = vm
        .frames
        .iter()
        .rev()
        .filter(|frame| frame.ip > 0)
        .take(MAX_DEPTH)
        .map(|frame| {
            let proto = &frame.closure.proto;
            FrameKey {
                function: proto.qualified_name.clone(),
                line: proto.lines[frame.ip - 1],
            }
        })
        .collect();
    if stack.is_empty() {
        return vec![FrameKey::runtime()];
    }
    stack
}

/// One line per active call, innermost first, as clox prints them.
///
/// Outer frames are at their call instruction (the byte before their saved `ip`). The innermost
/// frame is at the instruction that failed (`at_next_instruction` false: `ip` was saved just
/// after reading it) or, for a failure the host imposes between slices (a limit, an
/// interrupt), at the instruction that would run next — after a jump the byte before `ip`
/// belongs to unrelated code.
///
/// A deep stack prints its innermost and outermost [`TRACE_ENDS`] frames with one line
/// saying how many were left out between them (as CPython cuts a recursion's trace), so a
/// stack overflow's trace is a few lines however deep the stack and however long the names.
pub(crate) fn stack_trace(vm: &Vm<'_>, at_next_instruction: bool) -> Vec<String> {
    let depth = vm.frames.len();
    let omitted = depth.saturating_sub(2 * TRACE_ENDS);
    let line = |depth: usize, frame: &CallFrame<'_>| {
        let proto = &frame.closure.proto;
        let at = if depth == 0 && at_next_instruction {
            frame.ip.min(proto.lines.len() - 1)
        } else {
            frame.ip.saturating_sub(1)
        };
        format!("[line {}] in {}", proto.lines[at], proto.trace_name())
    };
    let mut trace: Vec<String> = Vec::with_capacity(depth.min(2 * TRACE_ENDS + 1));
    let innermost = vm.frames.iter().rev().enumerate();
    if omitted == 0 {
        trace.extend(innermost.map(|(d, frame)| line(d, frame)));
        return trace;
    }
    trace.extend(innermost.take(TRACE_ENDS).map(|(d, frame)| line(d, frame)));
    trace.push(format!("... {omitted} more frames"));
    let outer = vm.frames.iter().rev().enumerate().skip(depth - TRACE_ENDS);
    trace.extend(outer.map(|(d, frame)| line(d, frame)));
    trace
}

/// Frames a stack trace prints at each end of a deep stack.
pub const TRACE_ENDS: usize = 10;

// Never inlined into its caller: the interpreter loop's registers are decided within this
// function alone, not with the host's slice loop around it.
#[inline(never)]
fn execute<'gc, const EXACT: bool>(
    mc: &'gc Mutation<'gc>,
    vm: &mut Vm<'gc>,
    fuel: i64,
    fuel_left: &mut i64,
) -> Result<SliceEnd, String> {
    // The value stack is moved into a local for the slice so its pointer and length stay in
    // registers; it is put back on every way out. Nothing can observe the root meanwhile:
    // collection only happens outside `mutate`.
    //
    // Inside the slice the vector's length is its *room* (filled with `nil` above the live
    // values at the start of the slice) and the live top is the local `sp`. The room covers
    // the running frame's `base + max_slots` (see `execute_with`), so pushes need no check;
    // growth happens when a frame is entered or returned to, in a cold call that takes and
    // returns the vector by value. Slots above `sp` may hold stale values of this slice; they
    // are cut off before the root is seen again, so the collector only ever traces live slots.
    //
    // Only the running frame's room is refilled here, never the room the last slice had: a
    // slice's refill is then at most one frame's `max_slots`, however deep the stack is
    // (refilling all of it made deep recursion quadratic).
    let mut stack = std::mem::take(&mut vm.stack);
    let mut sp = stack.len();
    // Frames entered outside a slice (the script's, by `load_program`) get their room here.
    let mut room = (sp + MIN_STACK_ROOM).max(MIN_STACK_ROOM);
    if let Some(frame) = vm.frames.last() {
        room = room.max(frame.base + frame.closure.proto.code.max_slots());
    }
    if stack.len() < room {
        stack.resize(room, Value::NIL);
    }
    let fuel = Fuel {
        left: fuel,
        out: fuel_left,
    };
    let result = execute_with::<EXACT>(mc, vm, &mut stack, &mut sp, fuel);
    stack.truncate(sp);
    vm.stack = stack;
    result
}

/// Reads a class or instance without touching its borrow flag, for the hot paths that only
/// look a field or method up (`GET_PROPERTY`, `INVOKE`, a class call): a `RefCell` borrow
/// costs two stores to the object and a check, on every access.
#[inline(always)]
fn read<T>(cell: &RefLock<T>) -> &T {
    debug_assert!(cell.try_borrow().is_ok(), "read while mutably borrowed");
    // SAFETY: a `RefMut` of a class or instance (`borrow_mut`) exists only inside the single
    // statement that mutates it (SET_PROPERTY's `set_hinted`, INHERIT's `add_all`, METHOD's
    // `set`, natives never touch them), and the VM is single-threaded; every caller drops the
    // returned reference within its own arm, before any of those statements or any call out
    // of the interpreter can run. So no mutable borrow overlaps this shared one, which is all
    // `RefCell`'s flag would check. The `debug_assert!` checks it in test and fuzz builds.
    #[allow(unsafe_code)]
    unsafe {
        &*cell.as_ptr()
    }
}

/// Mutates a class or instance after gc-arena's write barrier, without the `RefLock` flag
/// (see [`read`]): SET_PROPERTY's field store.
#[inline(always)]
fn update<'gc, T, R>(
    mc: &Mutation<'gc>,
    object: Gc<'gc, RefLock<T>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    // The barrier: `unlock` marks `object` for re-tracing if marking is under way.
    let cell = object.unlock(mc);
    debug_assert!(cell.try_borrow_mut().is_ok(), "update while borrowed");
    // SAFETY: as for `read`, no other borrow of a class or instance lives past its own
    // statement or arm, and this one ends when `f` returns (`f` only edits the table); so
    // this exclusive reference is the only one, which is all `RefCell`'s flag would check.
    #[allow(unsafe_code)]
    let value = unsafe { &mut *cell.as_ptr() };
    f(value)
}

/// Gives the stack room for at least `need` slots; true if the slice has now spent its
/// allocation budget. Grows by a constant step beyond `need`,
/// not by doubling: the room is refilled from the live top at every slice start, so doubling
/// would refill a deep stack's whole depth at each slice (the vector's capacity still grows
/// geometrically, so reallocation stays amortized).
#[cold]
#[inline(never)]
fn grow_room<'gc>(stack: &mut Vec<Value<'gc>>, need: usize, env: &mut Env<'gc>) -> bool {
    let had = stack.len();
    stack.resize(need.max(had + MIN_STACK_ROOM), Value::NIL);
    // The value stack is memory the script makes the runtime hold: its growth spends the
    // slice's allocation budget, so that the host checks the hard heap limit (which counts
    // the stack) before much more is added.
    env.allocator
        .charge_host_growth((stack.len() - had) * std::mem::size_of::<Value>());
    env.allocator.over_budget()
}

/// The smallest room (in slots) the value stack gets.
pub(crate) const MIN_STACK_ROOM: usize = 256;

/// The slice's remaining instruction budget, decremented by every instruction; below zero
/// when a [`Budget::AtControlFlow`] slice runs past it. Held in a local (a register) while the
/// slice runs; added to `out` on every way out of the interpreter loop, so the host knows how
/// many instructions ran.
struct Fuel<'a> {
    left: i64,
    /// Fuel set aside when the slice was ended early (allocation budget, a host request): not
    /// spent, so not counted as executed. Kept in `out`, not in a field of its own: a field
    /// would hold a register through the whole loop for a value that is almost always 0.
    out: &'a mut i64,
}

impl Fuel<'_> {
    /// Ends the slice (after the current instruction, or at the next control-flow check)
    /// without counting the rest as executed.
    #[inline]
    fn end_slice(&mut self) {
        if self.left > 0 {
            *self.out += self.left;
            self.left = 0;
        }
    }
}

impl Drop for Fuel<'_> {
    fn drop(&mut self) {
        *self.out += self.left;
    }
}

/// The live top of the value stack during a slice: a pointer one past the live values, with
/// the stack's first slot to turn it back into an index. Written back to `out` (as an index)
/// on every way out of the interpreter loop, as `Fuel` is.
struct Top<'a, 'gc> {
    top: *mut Value<'gc>,
    bottom: *mut Value<'gc>,
    out: &'a mut usize,
}

impl<'gc> Top<'_, 'gc> {
    /// The number of live values.
    #[inline(always)]
    fn index(&self) -> usize {
        // SAFETY: `top` and `bottom` point into the same stack allocation, `top` at or above
        // `bottom` (every pointer into the stack derives from `bottom`: `execute_with`).
        #[allow(unsafe_code)]
        let offset = unsafe { self.top.offset_from(self.bottom) };
        offset as usize
    }

    /// Makes `sp` values live (a helper returned the new top as an index).
    #[inline(always)]
    fn set_index(&mut self, sp: usize) {
        // SAFETY: helpers return a top within the slice they were given, so within the stack.
        #[allow(unsafe_code)]
        unsafe {
            self.top = self.bottom.add(sp);
        }
    }

    /// Points into a new allocation of the stack (after growth), with `sp` values live.
    ///
    /// # Safety
    /// `bottom` is the stack's first slot and `sp` at most its length.
    #[inline(always)]
    #[allow(unsafe_code)]
    unsafe fn rebase(&mut self, bottom: *mut Value<'gc>, sp: usize) {
        self.bottom = bottom;
        // SAFETY: by the caller's contract.
        self.top = unsafe { bottom.add(sp) };
    }
}

impl Drop for Top<'_, '_> {
    fn drop(&mut self) {
        *self.out = self.index();
    }
}

#[inline(always)]
fn execute_with<'gc, const EXACT: bool>(
    mc: &'gc Mutation<'gc>,
    vm: &mut Vm<'gc>,
    stack: &mut Vec<Value<'gc>>,
    sp: &mut usize,
    mut fuel: Fuel<'_>,
) -> Result<SliceEnd, String> {
    let Vm {
        frames,
        open_upvalues,
        globals,
        env,
        ..
    } = vm;
    let Some(&frame) = frames.last() else {
        return Ok(SliceEnd::Finished);
    };
    // The hot state is held as raw pointers, which need one register each: `ip` into the
    // running code, `top` one past the live values, `slots` at the running frame's slot 0.
    // Indexes would need the code's and the stack's base addresses in registers too, and the
    // loop has too few for all of them (they were spilled and reloaded at every dispatch).
    // `top.bottom` is the stack's first slot; it changes only when `ensure_room!` grows the
    // stack, which recomputes every pointer into it. `Top` writes `top` back into `*sp` (as an
    // index) on every way out. Every pointer into the stack derives from `bottom`
    // (`Vec::as_mut_ptr`, which creates no reference), and the slices handed to helpers are
    // made from it too, so no reference to the vector's elements outlives its statement.
    let mut proto: &'gc Proto<'gc> = Gc::as_ref(frame.closure.proto);
    let bottom: *mut Value<'gc> = stack.as_mut_ptr();
    // SAFETY: `frame.base` and `*sp` are at most `stack.len()` (`execute` made the room), and
    // `frame.ip` is an instruction start of the frame's code (`ip`'s invariant, below), so
    // every pointer stays inside its allocation.
    #[allow(unsafe_code)]
    let (mut ip, mut slots, top) = unsafe {
        (
            proto.code.as_ptr().add(frame.ip),
            bottom.add(frame.base),
            bottom.add(*sp),
        )
    };
    let mut top = Top {
        top,
        bottom,
        out: sp,
    };

    // The running closure: not kept in a local (fewer live registers in the loop), only the
    // upvalue instructions need it.
    macro_rules! closure {
        () => {
            frames.last().expect("a frame is running").closure
        };
    }
    // `ip` as an offset into the running code.
    macro_rules! ip_index {
        () => {{
            // SAFETY: `ip` points into the running code (`ip`'s invariant, below).
            #[allow(unsafe_code)]
            let offset = unsafe { ip.offset_from(proto.code.as_ptr()) };
            offset as usize
        }};
    }
    // The number of live values, and the running frame's base, as stack indexes.
    macro_rules! sp_index {
        () => {
            top.index()
        };
    }
    macro_rules! base_index {
        () => {{
            // SAFETY: `slots` and `bottom` point into the same stack (the invariant below).
            #[allow(unsafe_code)]
            let offset = unsafe { slots.offset_from(top.bottom) };
            offset as usize
        }};
    }
    // The live values as a slice, for the helpers that take one.
    macro_rules! live {
        () => {{
            // SAFETY: the first `sp_index!()` slots are initialized values (the stack
            // invariant below) and the slice is dropped within its statement.
            #[allow(unsafe_code)]
            let live = unsafe { std::slice::from_raw_parts_mut(top.bottom, sp_index!()) };
            live
        }};
    }
    // Writes the local `ip` back into the running frame.
    macro_rules! save_ip {
        () => {
            frames.last_mut().expect("a frame is running").ip = ip_index!()
        };
    }
    // Gives the running frame its room: `base + max_slots` slots (see the stack invariant).
    macro_rules! ensure_room {
        () => {{
            let base = base_index!();
            let need = base + proto.code.max_slots();
            if need > stack.len() {
                let sp = sp_index!();
                if grow_room(stack, need, env) {
                    fuel.end_slice();
                }
                // SAFETY: `base` and `sp` are at most the old length, so within the new one.
                #[allow(unsafe_code)]
                unsafe {
                    top.rebase(stack.as_mut_ptr(), sp);
                    slots = top.bottom.add(base);
                }
            }
        }};
    }
    // Reloads the locals from the innermost frame (after a call that may have pushed one,
    // follow it with `ensure_room!`).
    macro_rules! load_frame {
        () => {{
            let frame = *frames.last().expect("a frame is running");
            proto = Gc::as_ref(frame.closure.proto);
            // SAFETY: a frame's saved `ip` is an instruction start of its code and its base at
            // most the live top (the invariants below).
            #[allow(unsafe_code)]
            unsafe {
                ip = proto.code.as_ptr().add(frame.ip);
                slots = top.bottom.add(frame.base);
            }
        }};
    }
    // Makes the locals describe the frame `call_closure` just pushed for `callee`, whose base
    // is the stack index `$base`.
    macro_rules! enter {
        ($callee:expr, $base:expr) => {{
            let base: usize = $base;
            proto = Gc::as_ref($callee.proto);
            ip = proto.code.as_ptr();
            // SAFETY: the callee's slot is below the live top.
            #[allow(unsafe_code)]
            unsafe {
                slots = top.bottom.add(base);
            }
            ensure_room!();
        }};
    }
    macro_rules! throw {
        ($($arg:tt)*) => {{
            save_ip!();
            return Err(error_message(format_args!($($arg)*)));
        }};
    }
    // Code reads are unchecked. `ip` always points into the running closure's `VerifiedCode`
    // such that the read is in bounds:
    // - At each dispatch `ip` is the start of an instruction. It is the code's start when a
    //   frame starts (verified code is never empty), then moves only to the next instruction
    //   (which exists: verified code's last instruction never falls through), to a jump's
    //   target (verified to be an instruction start), back to the start of the current
    //   instruction (ADD's retry), or to a frame's saved `ip` (saved only at instruction
    //   starts, by this loop: `CallFrame::ip` is crate-private).
    // - Within an instruction, `read_byte!`/`read_short!` read only its operand bytes, as many
    //   as `verify::verify` accounted for, which it checked lie inside the code.
    macro_rules! read_byte {
        () => {{
            debug_assert!(ip_index!() < proto.code.len());
            // SAFETY: `ip` points at a byte of the code by the argument above, and one past
            // it is at most the code's end.
            #[allow(unsafe_code)]
            let byte = unsafe {
                let byte = *ip;
                ip = ip.add(1);
                byte
            };
            byte
        }};
    }
    macro_rules! read_short {
        () => {{
            debug_assert!(ip_index!() + 1 < proto.code.len());
            // SAFETY: `ip` and `ip + 1` are bytes of the code by the argument above (a 2-byte
            // operand).
            #[allow(unsafe_code)]
            let bytes = unsafe {
                let bytes = [*ip, *ip.add(1)];
                ip = ip.add(2);
                bytes
            };
            u16::from_be_bytes(bytes)
        }};
    }
    // Moves `ip` by a jump's offset; the verifier checked the target is an instruction start.
    macro_rules! jump {
        (+ $offset:expr) => {{
            // SAFETY: the target lies inside the code (`verify::verify`).
            #[allow(unsafe_code)]
            unsafe {
                ip = ip.add($offset);
            }
        }};
        (- $offset:expr) => {{
            // SAFETY: as for a forward jump.
            #[allow(unsafe_code)]
            unsafe {
                ip = ip.sub($offset);
            }
        }};
    }
    macro_rules! read_constant {
        () => {
            proto.constants[usize::from(read_byte!())]
        };
    }
    macro_rules! read_string {
        () => {
            match read_constant!().as_string() {
                Some(s) => s,
                None => unreachable!("the compiler emits string operands here"),
            }
        };
    }
    // Reads a name operand: the interned string and its inline-cache entry. Caches are kept
    // per name constant of the function, not per instruction: the operand byte already read
    // indexes them, where a per-instruction cache needed `ip`'s offset into the code.
    macro_rules! read_name {
        () => {{
            let index = usize::from(read_byte!());
            let name = match proto.constants[index].as_string() {
                Some(s) => s,
                None => unreachable!("the compiler emits string operands here"),
            };
            (&proto.hints[index], name)
        }};
    }
    // The stack: live values are `stack[..sp]` (see `execute`), `top` points one past them and
    // `slots` at the running frame's base. Accesses in the loop are unchecked, by this
    // invariant:
    // - Room: the running frame has `base + max_slots <= stack.len()`, where `max_slots` is
    //   its code's `VerifiedCode::max_slots`. `enter!`, and `ensure_room!` after every
    //   `load_frame!` (a call's or a return's), ensure it for each frame that starts or
    //   resumes running; `execute` for the frame running when the slice starts; the room
    //   never shrinks within a slice (`Vm::stack` and `frames` are crate-private).
    // - Depth: at each dispatch `sp == base + depth`, where `depth` is the verified depth of
    //   the instruction at `ip` (`verify::verify`, point 4). It holds at a frame's first
    //   instruction (`base` is the callee's slot, the arity equals the argument count) and
    //   each arm below changes `sp` exactly as `chunk::stack_effect` says (a call's frame
    //   returns its result in the callee's slot, a native or a class without `init` leaves it
    //   there directly). So an instruction only touches slots from `base` (it pops or peeks
    //   no more than the depth) to below `base + max_slots`, and locals below the depth.
    macro_rules! local {
        ($slot:expr) => {{
            let slot: usize = $slot;
            debug_assert!(base_index!() + slot < sp_index!());
            // SAFETY: a local is below the depth, so inside the live values.
            #[allow(unsafe_code)]
            let value = unsafe { *slots.add(slot) };
            value
        }};
    }
    macro_rules! set_local {
        ($slot:expr, $value:expr) => {{
            let (slot, value): (usize, Value<'gc>) = ($slot, $value);
            debug_assert!(base_index!() + slot < sp_index!());
            // SAFETY: as for `local!`.
            #[allow(unsafe_code)]
            unsafe {
                *slots.add(slot) = value;
            }
        }};
    }
    macro_rules! push {
        ($value:expr) => {{
            let value: Value<'gc> = $value;
            debug_assert!(sp_index!() < stack.len());
            // SAFETY: a push stays below `base + max_slots`, inside the room.
            #[allow(unsafe_code)]
            unsafe {
                *top.top = value;
                top.top = top.top.add(1);
            }
        }};
    }
    // Removes the top `n` values.
    macro_rules! drop_top {
        ($n:expr) => {{
            let n: usize = $n;
            debug_assert!(n <= sp_index!() - base_index!());
            // SAFETY: an instruction pops no more than the depth, so `top` stays at or above
            // `slots`.
            #[allow(unsafe_code)]
            unsafe {
                top.top = top.top.sub(n);
            }
        }};
    }
    macro_rules! peek {
        ($distance:expr) => {{
            let distance: usize = $distance;
            debug_assert!(distance < sp_index!() - base_index!());
            // SAFETY: an instruction peeks no deeper than the depth.
            #[allow(unsafe_code)]
            let value = unsafe { *top.top.sub(1 + distance) };
            value
        }};
    }
    macro_rules! set_peek {
        ($distance:expr, $value:expr) => {{
            let (distance, value): (usize, Value<'gc>) = ($distance, $value);
            debug_assert!(distance < sp_index!() - base_index!());
            // SAFETY: as for `peek!`.
            #[allow(unsafe_code)]
            unsafe {
                *top.top.sub(1 + distance) = value;
            }
        }};
    }
    macro_rules! pop {
        () => {{
            let value = peek!(0);
            drop_top!(1);
            value
        }};
    }
    macro_rules! set_top {
        ($value:expr) => {
            set_peek!(0, $value)
        };
    }
    macro_rules! numeric {
        ($op:tt, $wrap:expr) => {{
            match Value::as_numbers(peek!(1), peek!(0)) {
                Some((a, b)) => {
                    set_peek!(1, $wrap(a $op b));
                    drop_top!(1);
                }
                None => throw!("Operands must be numbers."),
            }
        }};
    }
    // Replaces the instance on top with its field `name` or the bound method.
    macro_rules! get_property {
        ($hint:expr, $name:expr) => {{
            let (hint, name): (&Hint, Str<'gc>) = ($hint, $name);
            let Some(instance) = peek!(0).as_instance() else {
                throw!("Only instances have properties.");
            };
            let (field, class) = {
                let instance = read(&instance);
                (instance.fields.get_hinted(name, hint), instance.class)
            };
            if let Some(value) = field {
                set_top!(value);
            } else {
                match bind_method(mc, env, class, name, peek!(0)) {
                    Some(bound) => set_top!(bound),
                    None => throw!("Undefined property '{}'.", name.as_str()),
                }
                check_budget!();
            }
        }};
    }
    // `instance value` → `instance`: sets the field `name`; evaluates to the value.
    macro_rules! set_property {
        ($hint:expr, $name:expr) => {{
            let (hint, name): (&Hint, Str<'gc>) = ($hint, $name);
            let Some(instance) = peek!(1).as_instance() else {
                throw!("Only instances have fields.");
            };
            let value = pop!();
            name.note_field_name();
            let grew = update(mc, instance, |i| i.fields.set_hinted(name, value, hint));
            if grew != 0 {
                env.grew(mc, grew, Gc::erase(instance), "Instance fields");
                check_budget!();
            }
            value
        }};
    }
    // Stores into a defined global; an undefined one is an error.
    macro_rules! set_global {
        ($slot:expr, $value:expr) => {{
            let slot: u16 = $slot;
            match globals.get_mut(usize::from(slot)) {
                Some(defined) if !defined.is_undefined() => *defined = $value,
                _ => throw!("Undefined variable '{}'.", env.global_names.name(slot)),
            }
        }};
    }
    // `a OP k` for the number constant k that the fused instruction names: replaces the top.
    macro_rules! numeric_constant {
        ($op:tt, $wrap:expr, $error:literal) => {{
            let k = read_constant!();
            match Value::as_numbers(peek!(0), k) {
                Some((a, b)) => set_top!($wrap(a $op b)),
                None => throw!($error),
            }
        }};
    }
    // Leaves the running frame with `result` (RETURN and its fused forms): closes the frame's
    // upvalues, drops its slots and pushes the result for the caller.
    macro_rules! return_from_frame {
        ($result:expr) => {{
            let result: Value<'gc> = $result;
            close_upvalues(mc, open_upvalues, live!(), base_index!());
            frames.pop();
            top.top = slots;
            if frames.is_empty() {
                return Ok(SliceEnd::Finished);
            }
            load_frame!();
            // The frame returned to may need more room than the slice began with.
            ensure_room!();
            push!(result);
            at_control_flow!();
        }};
    }
    // The budget check of a `Budget::AtControlFlow` slice, at the end of the instructions
    // that can repeat code or enter or leave a function: `ip` is at an instruction start.
    macro_rules! at_control_flow {
        () => {
            if !EXACT && fuel.left <= 0 {
                save_ip!();
                return Ok(SliceEnd::Yielded);
            }
        };
    }
    // Ends the slice after this instruction if it has allocated its budget.
    macro_rules! check_budget {
        () => {
            if env.allocator.over_budget() {
                fuel.end_slice();
            }
        };
    }

    loop {
        if EXACT && fuel.left <= 0 {
            save_ip!();
            return Ok(SliceEnd::Yielded);
        }
        fuel.left -= 1;
        match read_byte!() {
            op::CONSTANT => {
                let value = read_constant!();
                push!(value);
            }
            op::NIL => push!(Value::NIL),
            op::TRUE => push!(Value::TRUE),
            op::FALSE => push!(Value::FALSE),
            op::POP => drop_top!(1),
            op::GET_LOCAL => {
                let slot = usize::from(read_byte!());
                push!(local!(slot));
            }
            op::SET_LOCAL => {
                let slot = usize::from(read_byte!());
                set_local!(slot, peek!(0));
            }
            op::SET_LOCAL_POP => {
                let slot = usize::from(read_byte!());
                let value = pop!();
                set_local!(slot, value);
            }
            op::GET_GLOBAL => {
                let slot = read_short!();
                match globals.get(usize::from(slot)) {
                    Some(value) if !value.is_undefined() => push!(*value),
                    _ => throw!("Undefined variable '{}'.", env.global_names.name(slot)),
                }
            }
            op::DEFINE_GLOBAL => {
                let slot = usize::from(read_short!());
                define_global(globals, slot, pop!());
            }
            op::SET_GLOBAL => {
                let slot = read_short!();
                let value = peek!(0);
                set_global!(slot, value);
            }
            op::SET_GLOBAL_POP => {
                let slot = read_short!();
                let value = peek!(0);
                set_global!(slot, value);
                drop_top!(1);
            }
            op::GET_UPVALUE => {
                let index = usize::from(read_byte!());
                let value = upvalue_get(closure!().upvalues[index], live!());
                push!(value);
            }
            op::SET_UPVALUE => {
                let index = usize::from(read_byte!());
                let value = peek!(0);
                upvalue_set(mc, closure!().upvalues[index], live!(), value);
            }
            op::GET_PROPERTY => {
                let (hint, name) = read_name!();
                get_property!(hint, name);
            }
            op::GET_LOCAL_PROPERTY => {
                let slot = usize::from(read_byte!());
                let (hint, name) = read_name!();
                push!(local!(slot));
                get_property!(hint, name);
            }
            op::SET_PROPERTY => {
                let (hint, name) = read_name!();
                let value = set_property!(hint, name);
                set_top!(value);
            }
            op::SET_PROPERTY_POP => {
                let (hint, name) = read_name!();
                set_property!(hint, name);
                drop_top!(1);
            }
            op::GET_SUPER => {
                let name = read_string!();
                let Some(superclass) = pop!().as_class() else {
                    unreachable!("'super' always holds a class");
                };
                match bind_method(mc, env, superclass, name, peek!(0)) {
                    Some(bound) => set_top!(bound),
                    None => throw!("Undefined property '{}'.", name.as_str()),
                }
                check_budget!();
            }
            op::EQUAL => {
                let b = pop!();
                let a = peek!(0);
                set_top!(Value::bool(a.equals(b)));
            }
            op::GREATER => numeric!(>, Value::bool),
            op::LESS => numeric!(<, Value::bool),
            op::ADD => {
                let (x, y) = (peek!(1), peek!(0));
                if let Some((a, b)) = Value::as_numbers(x, y) {
                    set_peek!(1, Value::number(a + b));
                    drop_top!(1);
                } else {
                    match join_strings(mc, env, x, y) {
                        Joined::Value(joined) => {
                            set_peek!(1, joined);
                            drop_top!(1);
                            check_budget!();
                        }
                        Joined::CollectFirst => {
                            // Re-run this ADD after a full collection.
                            env.requests.collect_for_memory = true;
                            jump!(-1);
                            save_ip!();
                            return Ok(SliceEnd::Yielded);
                        }
                        Joined::OutOfMemory => throw!("Out of memory."),
                        Joined::NotStrings => {
                            throw!("Operands must be two numbers or two strings.")
                        }
                    }
                }
            }
            op::SUBTRACT => numeric!(-, Value::number),
            op::MULTIPLY => numeric!(*, Value::number),
            op::DIVIDE => numeric!(/, Value::number),
            op::NOT => set_top!(Value::bool(peek!(0).is_falsey())),
            op::NEGATE => match peek!(0).as_number() {
                Some(n) => set_top!(Value::number(-n)),
                None => throw!("Operand must be a number."),
            },
            op::PRINT => print(env, pop!()),
            op::JUMP => {
                let offset = usize::from(read_short!());
                jump!(+offset);
            }
            op::JUMP_IF_FALSE => {
                let offset = usize::from(read_short!());
                if peek!(0).is_falsey() {
                    jump!(+offset);
                }
            }
            op::POP_JUMP_IF_FALSE => {
                let offset = usize::from(read_short!());
                if pop!().is_falsey() {
                    jump!(+offset);
                }
            }
            op::LOOP => {
                let offset = usize::from(read_short!());
                jump!(-offset);
                at_control_flow!();
            }
            op::ADD_NUMBER => {
                numeric_constant!(+, Value::number, "Operands must be two numbers or two strings.")
            }
            op::SUBTRACT_NUMBER => numeric_constant!(-, Value::number, "Operands must be numbers."),
            op::LESS_NUMBER => numeric_constant!(<, Value::bool, "Operands must be numbers."),
            op::GREATER_NUMBER => numeric_constant!(>, Value::bool, "Operands must be numbers."),
            op::CALL => {
                let argc = read_byte!();
                save_ip!();
                let callee = peek!(usize::from(argc));
                if let Some(callee) = callee.as_closure() {
                    // Fast path for the common case: a Lox function.
                    let sp = sp_index!();
                    call_closure(sp, frames, env, callee, argc)?;
                    enter!(callee, sp - usize::from(argc) - 1);
                } else if let Some(class) = callee.as_class() {
                    // Instantiation: the new instance replaces the class, and `init` (if any)
                    // runs on it like a method.
                    set_peek!(
                        usize::from(argc),
                        Value::instance(new_instance(mc, env, class))
                    );
                    match read(&class).init {
                        Some(init) => {
                            let sp = sp_index!();
                            call_closure(sp, frames, env, init, argc)?;
                            enter!(init, sp - usize::from(argc) - 1);
                        }
                        None if argc != 0 => throw!("Expected 0 arguments but got {argc}."),
                        None => {}
                    }
                    check_budget!();
                } else {
                    let sp = call_value(mc, live!(), frames, env, callee, argc)?;
                    top.set_index(sp);
                    load_frame!();
                    ensure_room!();
                    check_budget!();
                }
                at_control_flow!();
            }
            op::INVOKE => {
                let (hint, name) = read_name!();
                let argc = read_byte!();
                save_ip!();
                // Fast path: a method of an instance's class, no field of that name.
                let method = match peek!(usize::from(argc)).as_instance() {
                    Some(instance) => {
                        let instance = read(&instance);
                        if !name.may_name_a_field() || instance.fields.get(name).is_none() {
                            read(&instance.class).methods.get_hinted(name, hint)
                        } else {
                            None
                        }
                    }
                    None => None,
                };
                if let Some(method) = method {
                    let sp = sp_index!();
                    call_closure(sp, frames, env, method, argc)?;
                    enter!(method, sp - usize::from(argc) - 1);
                } else {
                    let sp = invoke(mc, live!(), frames, env, name, argc, hint)?;
                    top.set_index(sp);
                    load_frame!();
                    ensure_room!();
                    check_budget!();
                }
                at_control_flow!();
            }
            op::SUPER_INVOKE => {
                let (hint, name) = read_name!();
                let argc = read_byte!();
                let Some(superclass) = pop!().as_class() else {
                    unreachable!("'super' always holds a class");
                };
                save_ip!();
                invoke_from_class(sp_index!(), frames, env, superclass, name, argc, hint)?;
                load_frame!();
                ensure_room!();
                at_control_flow!();
            }
            op::CLOSURE => {
                let Kind::Function(function) = read_constant!().kind() else {
                    unreachable!("CLOSURE's operand is a function constant");
                };
                let count = read_short!();
                if count != function.upvalue_count {
                    throw!("Internal error: upvalue count mismatch.");
                }
                // The upvalue pairs: checked slicing, as this instruction is rare.
                let at = ip_index!();
                let pairs = &proto.code[at..at + 2 * usize::from(count)];
                jump!(+pairs.len());
                let enclosing = closure!();
                let new = make_closure(
                    mc,
                    env,
                    open_upvalues,
                    enclosing,
                    function,
                    pairs,
                    base_index!(),
                );
                push!(Value::closure(new));
                check_budget!();
            }
            op::CLOSE_UPVALUE => {
                close_upvalues(mc, open_upvalues, live!(), sp_index!() - 1);
                pop!();
            }
            op::RETURN => {
                let result = pop!();
                return_from_frame!(result);
            }
            op::RETURN_NIL => return_from_frame!(Value::NIL),
            op::RETURN_RECEIVER => return_from_frame!(local!(0)),
            op::CLASS => {
                let name = read_string!();
                push!(Value::class(make_class(mc, env, name)));
                check_budget!();
            }
            op::INHERIT => {
                let Some(superclass) = peek!(1).as_class() else {
                    throw!("Superclass must be a class.");
                };
                let Some(subclass) = peek!(0).as_class() else {
                    unreachable!("INHERIT follows the subclass's CLASS");
                };
                inherit(mc, env, superclass, subclass);
                drop_top!(1);
            }
            op::METHOD => {
                let name = read_string!();
                let (Some(class), Some(method)) = (peek!(1).as_class(), peek!(0).as_closure())
                else {
                    unreachable!("METHOD follows a class and a closure");
                };
                add_method(mc, env, class, name, method);
                drop_top!(1);
            }
            other => {
                debug_assert!(false, "unknown opcode {other}");
                // SAFETY: dispatch reads the byte at an instruction start (see `read_byte!`),
                // and `verify::verify` checked that every instruction starts with a known
                // opcode, all of which (`opcode::op`, 0..=LAST) have an arm above. Telling
                // the compiler so drops the jump table's range check from every dispatch.
                #[allow(unsafe_code)]
                unsafe {
                    std::hint::unreachable_unchecked()
                }
            }
        }
    }
}

// The rare instructions' work, out of the interpreter loop: its code stays small and its hot
// locals keep their registers (the loop is one function, and everything inlined into it
// competes for them).

/// A runtime error's message. Out of line and cold: formatting code inlined at every error
/// site made the loop larger.
#[cold]
#[inline(never)]
fn error_message(args: std::fmt::Arguments<'_>) -> String {
    args.to_string()
}

#[inline(never)]
fn print(env: &mut Env<'_>, value: Value<'_>) {
    // A closed stdout must not kill the interpreter; clox ignores it too.
    let _ = writeln!(env.out, "{value}");
}

#[inline(never)]
fn define_global<'gc>(globals: &mut Vec<Value<'gc>>, slot: usize, value: Value<'gc>) {
    if globals.len() <= slot {
        globals.resize(slot + 1, Value::UNDEFINED);
    }
    globals[slot] = value;
}

/// CLOSURE: a closure of `function` whose upvalues `pairs` describe (is-local byte, index
/// byte), capturing from the running frame at stack index `base` and from `enclosing`.
#[inline(never)]
fn make_closure<'gc>(
    mc: &'gc Mutation<'gc>,
    env: &mut Env<'gc>,
    open_upvalues: &mut Vec<Upvalue<'gc>>,
    enclosing: Gc<'gc, Closure<'gc>>,
    function: Gc<'gc, Proto<'gc>>,
    pairs: &[u8],
    base: usize,
) -> Gc<'gc, Closure<'gc>> {
    let upvalues = pairs
        .chunks_exact(2)
        .map(|pair| {
            let index = usize::from(pair[1]);
            if pair[0] == 1 {
                capture_upvalue(mc, env, open_upvalues, base + index)
            } else {
                enclosing.upvalues[index]
            }
        })
        .collect();
    env.alloc(
        mc,
        Closure {
            proto: function,
            upvalues,
        },
    )
}

#[inline(never)]
fn make_class<'gc>(
    mc: &'gc Mutation<'gc>,
    env: &mut Env<'gc>,
    name: Str<'gc>,
) -> Gc<'gc, RefLock<Class<'gc>>> {
    env.alloc(
        mc,
        RefLock::new(Class {
            name,
            methods: Table::default(),
            init: None,
        }),
    )
}

/// INHERIT: copies the superclass's methods (and initializer) into the subclass.
#[inline(never)]
fn inherit<'gc>(
    mc: &'gc Mutation<'gc>,
    env: &mut Env<'gc>,
    superclass: Gc<'gc, RefLock<Class<'gc>>>,
    subclass: Gc<'gc, RefLock<Class<'gc>>>,
) {
    let (methods, init) = {
        let superclass = superclass.borrow();
        (superclass.methods.clone(), superclass.init)
    };
    let mut subclass_mut = subclass.borrow_mut(mc);
    let grew = subclass_mut.methods.add_all(&methods);
    subclass_mut.init = init;
    drop(subclass_mut);
    env.grew(mc, grew, Gc::erase(subclass), "Class methods");
}

/// METHOD: adds `method` to `class` as `name` (its initializer if `name` is `init`).
#[inline(never)]
fn add_method<'gc>(
    mc: &'gc Mutation<'gc>,
    env: &mut Env<'gc>,
    class: Gc<'gc, RefLock<Class<'gc>>>,
    name: Str<'gc>,
    method: Gc<'gc, Closure<'gc>>,
) {
    let grew = {
        let mut class = class.borrow_mut(mc);
        if Gc::ptr_eq(name, env.init_string) {
            class.init = Some(method);
        }
        class.methods.set(name, method)
    };
    env.grew(mc, grew, Gc::erase(class), "Class methods");
}

/// A new instance of `class`, with no fields.
#[inline(never)]
fn new_instance<'gc>(
    mc: &'gc Mutation<'gc>,
    env: &mut Env<'gc>,
    class: Gc<'gc, RefLock<Class<'gc>>>,
) -> Gc<'gc, RefLock<Instance<'gc>>> {
    env.alloc(
        mc,
        RefLock::new(Instance {
            class,
            fields: Table::default(),
        }),
    )
}

/// Calls `callee`, which sits below its `argc` arguments on the stack. A Lox function gets a
/// new frame (the caller reloads it); a native runs to completion here.
#[inline(never)]
fn call_value<'gc>(
    mc: &'gc Mutation<'gc>,
    stack: &mut [Value<'gc>],
    frames: &mut Vec<CallFrame<'gc>>,
    env: &mut Env<'gc>,
    callee: Value<'gc>,
    argc: u8,
) -> Result<usize, String> {
    let sp = stack.len();
    let callee_slot = sp - usize::from(argc) - 1;
    // `CALL` takes closures and classes on its own paths; a class held in a field gets here
    // (`invoke`).
    if let Some(class) = callee.as_class() {
        stack[callee_slot] = Value::instance(new_instance(mc, env, class));
        return match read(&class).init {
            Some(init) => call_closure(sp, frames, env, init, argc).map(|()| sp),
            None if argc != 0 => Err(format!("Expected 0 arguments but got {argc}.")),
            None => Ok(sp),
        };
    }
    match callee.kind() {
        Kind::Closure(closure) => call_closure(sp, frames, env, closure, argc).map(|()| sp),
        Kind::BoundMethod(bound) => {
            stack[callee_slot] = bound.receiver;
            call_closure(sp, frames, env, bound.method, argc).map(|()| sp)
        }
        Kind::Native(native) => {
            if argc != native.arity {
                return Err(format!(
                    "Expected {} arguments but got {argc}.",
                    native.arity
                ));
            }
            let result = (native.function)(&mut NativeCx { mc, env }, &stack[callee_slot + 1..])?;
            stack[callee_slot] = result;
            Ok(callee_slot + 1)
        }
        _ => Err("Can only call functions and classes.".to_string()),
    }
}

#[inline(always)]
fn call_closure<'gc>(
    sp: usize,
    frames: &mut Vec<CallFrame<'gc>>,
    env: &Env<'gc>,
    closure: Gc<'gc, Closure<'gc>>,
    argc: u8,
) -> Result<(), String> {
    let arity = closure.proto.arity;
    if argc != arity {
        return Err(format!("Expected {arity} arguments but got {argc}."));
    }
    if frames.len() >= env.config.max_frames {
        return Err("Stack overflow.".to_string());
    }
    frames.push(CallFrame {
        closure,
        ip: 0,
        base: sp - usize::from(argc) - 1,
    });
    Ok(())
}

/// `receiver.name(args)`: a field holding a callable wins over a method of the same name.
/// `hint` is the instruction's inline cache for the method's position.
#[inline(never)]
fn invoke<'gc>(
    mc: &'gc Mutation<'gc>,
    stack: &mut [Value<'gc>],
    frames: &mut Vec<CallFrame<'gc>>,
    env: &mut Env<'gc>,
    name: Str<'gc>,
    argc: u8,
    hint: &Hint,
) -> Result<usize, String> {
    let sp = stack.len();
    let receiver_slot = sp - usize::from(argc) - 1;
    let Some(instance) = stack[receiver_slot].as_instance() else {
        return Err("Only instances have methods.".to_string());
    };
    let (field, class) = {
        let instance = instance.borrow();
        (instance.fields.get(name), instance.class)
    };
    if let Some(field) = field {
        stack[receiver_slot] = field;
        return call_value(mc, stack, frames, env, field, argc);
    }
    invoke_from_class(sp, frames, env, class, name, argc, hint).map(|()| sp)
}

#[inline]
fn invoke_from_class<'gc>(
    sp: usize,
    frames: &mut Vec<CallFrame<'gc>>,
    env: &Env<'gc>,
    class: Gc<'gc, RefLock<Class<'gc>>>,
    name: Str<'gc>,
    argc: u8,
    hint: &Hint,
) -> Result<(), String> {
    let method = class.borrow().methods.get_hinted(name, hint);
    match method {
        Some(method) => call_closure(sp, frames, env, method, argc),
        None => Err(format!("Undefined property '{}'.", name.as_str())),
    }
}

/// The method `name` of `class` bound to `receiver`, or `None` if the class has no such method.
fn bind_method<'gc>(
    mc: &Mutation<'gc>,
    env: &mut Env<'gc>,
    class: Gc<'gc, RefLock<Class<'gc>>>,
    name: Str<'gc>,
    receiver: Value<'gc>,
) -> Option<Value<'gc>> {
    let method = class.borrow().methods.get(name)?;
    let bound = env.alloc(mc, BoundMethod { receiver, method });
    Some(Value::bound_method(bound))
}

/// What ADD made of two operands that are not both numbers.
enum Joined<'gc> {
    Value(Value<'gc>),
    /// The hard heap limit needs a full collection before the string can be made.
    CollectFirst,
    OutOfMemory,
    NotStrings,
}

/// ADD's string case, out of the interpreter loop.
#[inline(never)]
fn join_strings<'gc>(
    mc: &'gc Mutation<'gc>,
    env: &mut Env<'gc>,
    x: Value<'gc>,
    y: Value<'gc>,
) -> Joined<'gc> {
    let (Some(a), Some(b)) = (x.as_string(), y.as_string()) else {
        return Joined::NotStrings;
    };
    let size = footprint::<LoxStr>(a.as_str().len() + b.as_str().len());
    match env.allocator.reserve(size) {
        Reservation::Granted => Joined::Value(Value::string(concatenate(mc, env, a, b))),
        Reservation::CollectFirst => Joined::CollectFirst,
        Reservation::OutOfMemory => Joined::OutOfMemory,
    }
}

fn concatenate<'gc>(mc: &Mutation<'gc>, env: &mut Env<'gc>, a: Str<'gc>, b: Str<'gc>) -> Str<'gc> {
    let mut joined = String::with_capacity(a.as_str().len() + b.as_str().len());
    joined.push_str(a.as_str());
    joined.push_str(b.as_str());
    env.intern_owned(mc, joined)
}

/// The open upvalue for stack slot `slot`, created if no closure has captured it yet. Two
/// closures capturing the same variable share one upvalue.
fn capture_upvalue<'gc>(
    mc: &Mutation<'gc>,
    env: &mut Env<'gc>,
    open_upvalues: &mut Vec<Upvalue<'gc>>,
    slot: usize,
) -> Upvalue<'gc> {
    let position = open_upvalues.partition_point(|u| open_slot(*u) < slot);
    if let Some(&existing) = open_upvalues.get(position) {
        if open_slot(existing) == slot {
            return existing;
        }
    }
    let upvalue = env.alloc(
        mc,
        UpvalueCell {
            state: Lock::new(UpvalueState::Open(slot)),
        },
    );
    open_upvalues.insert(position, upvalue);
    upvalue
}

/// Closes every open upvalue at or above stack slot `from`: each takes its own copy of the
/// variable, which outlives the slot.
fn close_upvalues<'gc>(
    mc: &Mutation<'gc>,
    open_upvalues: &mut Vec<Upvalue<'gc>>,
    stack: &[Value<'gc>],
    from: usize,
) {
    while let Some(&upvalue) = open_upvalues.last() {
        let slot = open_slot(upvalue);
        if slot < from {
            break;
        }
        upvalue_close(mc, upvalue, stack[slot]);
        open_upvalues.pop();
    }
}

fn open_slot(upvalue: Upvalue<'_>) -> usize {
    match upvalue.state.get() {
        UpvalueState::Open(slot) => slot,
        UpvalueState::Closed(_) => unreachable!("only open upvalues are in the open list"),
    }
}
