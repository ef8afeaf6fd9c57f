//! The opcode table: every instruction's byte, name, operand layout, stack effect and control
//! flow, written once. Everything else that needs an opcode fact reads it from here: the
//! `op::*` constants the compiler emits and `exec.rs` dispatches on, the instruction length
//! ([`operand_bytes`]), the verifier's operand and stack checks (`verify.rs`) and the
//! disassembler (`disasm.rs`). clox spreads the same facts over `chunk.h`'s enum and
//! `debug.c`'s switch; here one `macro_rules!` table generates both sides, and a constant
//! check at compile time keeps the bytes dense (entry i is opcode i).
//!
//! Operands follow the opcode byte; multi-byte operands are big-endian, as in clox.

/// What follows an opcode byte, and what each operand means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// No operands.
    Simple,
    /// `[k:u8]` a constant that is a number or a string.
    Constant,
    /// `[k:u8]` a constant that is a number (the fused arithmetic and comparisons).
    NumberConstant,
    /// `[k:u8]` a string constant naming a property, method or class.
    Name,
    /// `[slot:u8]` a local slot of the frame.
    Slot,
    /// `[i:u8]` an upvalue of the running closure.
    Upvalue,
    /// `[argc:u8]` an argument count.
    ArgCount,
    /// `[g:u16]` a global slot (see `global_names.rs`).
    Global,
    /// `[offset:u16]` a jump forward, from the end of the instruction.
    Jump,
    /// `[offset:u16]` a jump backward, from the end of the instruction.
    Loop,
    /// `[name:u8][argc:u8]` a method name constant and an argument count.
    Invoke,
    /// `[slot:u8][name:u8]` a local slot and a property name constant.
    SlotName,
    /// `[k:u8][n:u16]` then n pairs `[is_local:u8][index:u8]`: a function constant and its
    /// captures. The count is in the code so an instruction's length depends on the code alone.
    Closure,
}

impl Layout {
    /// The operand bytes after the opcode; for [`Layout::Closure`] without its upvalue pairs.
    pub const fn operand_bytes(self) -> usize {
        match self {
            Layout::Simple => 0,
            Layout::Constant
            | Layout::NumberConstant
            | Layout::Name
            | Layout::Slot
            | Layout::Upvalue
            | Layout::ArgCount => 1,
            Layout::Global | Layout::Jump | Layout::Loop | Layout::Invoke | Layout::SlotName => 2,
            Layout::Closure => 3,
        }
    }
}

/// How an instruction changes the stack, in slots above the frame's base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Needs this many slots below the top, and changes the depth by this much.
    Fixed(usize, isize),
    /// A call: the argument count (the instruction's `argc` operand) plus this many slots
    /// below the arguments (the callee or receiver; for a super call also the superclass) are
    /// replaced by the one result.
    Call(usize),
}

/// Where execution goes after an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// To the next instruction.
    Next,
    /// Out of the function.
    Return,
    /// Always to the jump's target.
    Goto,
    /// To the next instruction or to the jump's target.
    Branch,
}

/// Everything the table says about one opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpInfo {
    /// The opcode byte.
    pub byte: u8,
    /// clox's name for the instructions clox has (`OP_CONSTANT`); fused ones get their own.
    pub name: &'static str,
    /// The operands after the opcode byte.
    pub layout: Layout,
    /// What it pops, peeks and pushes (the verifier's depth walk).
    pub effect: Effect,
    /// Where execution goes next (the verifier's control flow, the fall-through check).
    pub flow: Flow,
}

/// Builds `op` (one `u8` constant per opcode, documented) and [`TABLE`] from one list.
macro_rules! opcodes {
    ($( $(#[doc = $doc:literal])* $name:ident = $byte:literal, $layout:ident, $effect:expr, $flow:ident; )*) => {
        /// Opcodes. A module of `u8` constants rather than an enum so the dispatch loop matches
        /// on the code byte directly, with no conversion and no `unsafe`.
        pub mod op {
            $( $(#[doc = $doc])* pub const $name: u8 = $byte; )*
            /// The highest opcode: every byte up to it is an instruction.
            pub const LAST: u8 = (super::TABLE.len() - 1) as u8;
        }

        /// Every opcode's facts, indexed by its byte.
        pub const TABLE: &[OpInfo] = &[$(
            OpInfo {
                byte: $byte,
                name: concat!("OP_", stringify!($name)),
                layout: Layout::$layout,
                effect: $effect,
                flow: Flow::$flow,
            },
        )*];
    };
}

use Effect::{Call, Fixed};

opcodes! {
    /// `[k:u8]` push constant k.
    CONSTANT = 0, Constant, Fixed(0, 1), Next;
    NIL = 1, Simple, Fixed(0, 1), Next;
    TRUE = 2, Simple, Fixed(0, 1), Next;
    FALSE = 3, Simple, Fixed(0, 1), Next;
    POP = 4, Simple, Fixed(1, -1), Next;
    /// `[slot:u8]` push the frame's local slot.
    GET_LOCAL = 5, Slot, Fixed(0, 1), Next;
    /// `[slot:u8]` store the top of the stack in the local slot (leaves it on the stack).
    SET_LOCAL = 6, Slot, Fixed(1, 0), Next;
    /// `[g:u16]` push global g; error if undefined.
    GET_GLOBAL = 7, Global, Fixed(0, 1), Next;
    /// `[g:u16]` pop into global g, defining it.
    DEFINE_GLOBAL = 8, Global, Fixed(1, -1), Next;
    /// `[g:u16]` store the top into global g; error if undefined.
    SET_GLOBAL = 9, Global, Fixed(1, 0), Next;
    /// `[i:u8]` push upvalue i of the running closure.
    GET_UPVALUE = 10, Upvalue, Fixed(0, 1), Next;
    /// `[i:u8]` store the top into upvalue i.
    SET_UPVALUE = 11, Upvalue, Fixed(1, 0), Next;
    /// `[name:u8]` replace the instance on top with its field or bound method.
    GET_PROPERTY = 12, Name, Fixed(1, 0), Next;
    /// `[name:u8]` `instance value` → `value`, setting the field.
    SET_PROPERTY = 13, Name, Fixed(2, -1), Next;
    /// `[name:u8]` `this superclass` → bound method of the superclass.
    GET_SUPER = 14, Name, Fixed(2, -1), Next;
    EQUAL = 15, Simple, Fixed(2, -1), Next;
    GREATER = 16, Simple, Fixed(2, -1), Next;
    LESS = 17, Simple, Fixed(2, -1), Next;
    ADD = 18, Simple, Fixed(2, -1), Next;
    SUBTRACT = 19, Simple, Fixed(2, -1), Next;
    MULTIPLY = 20, Simple, Fixed(2, -1), Next;
    DIVIDE = 21, Simple, Fixed(2, -1), Next;
    NOT = 22, Simple, Fixed(1, 0), Next;
    NEGATE = 23, Simple, Fixed(1, 0), Next;
    PRINT = 24, Simple, Fixed(1, -1), Next;
    /// `[offset:u16]` jump forward.
    JUMP = 25, Jump, Fixed(0, 0), Goto;
    /// `[offset:u16]` jump forward if the top is falsey (does not pop).
    JUMP_IF_FALSE = 26, Jump, Fixed(1, 0), Branch;
    /// `[offset:u16]` jump backward.
    LOOP = 27, Loop, Fixed(0, 0), Goto;
    /// `[argc:u8]` call the value below the arguments.
    CALL = 28, ArgCount, Call(1), Next;
    /// `[name:u8][argc:u8]` call method `name` on the receiver below the arguments.
    INVOKE = 29, Invoke, Call(1), Next;
    /// `[name:u8][argc:u8]` `this args.. superclass` → call the superclass's method.
    SUPER_INVOKE = 30, Invoke, Call(2), Next;
    /// `[k:u8][n:u16]` then per upvalue (n of them) `[is_local:u8][index:u8]`: make a closure
    /// of prototype k.
    CLOSURE = 31, Closure, Fixed(0, 1), Next;
    /// Close the upvalue pointing at the top slot, then pop it.
    CLOSE_UPVALUE = 32, Simple, Fixed(1, -1), Next;
    /// Return the top of the stack to the caller.
    RETURN = 33, Simple, Fixed(1, 0), Return;
    /// `[name:u8]` push a new class.
    CLASS = 34, Name, Fixed(0, 1), Next;
    /// `superclass subclass` → `superclass`: copy methods down.
    INHERIT = 35, Simple, Fixed(2, -1), Next;
    /// `[name:u8]` `class closure` → `class`: add a method.
    METHOD = 36, Name, Fixed(2, -1), Next;

    // Fused instructions: the compiler emits these in place of a common pair (clox has none).
    // Each does exactly what the pair does, errors included, with one dispatch instead of two.

    /// `[offset:u16]` pop the top; jump forward if it was falsey (`JUMP_IF_FALSE` + `POP` on
    /// both paths: what `if`, `while` and `for` conditions compile to).
    POP_JUMP_IF_FALSE = 37, Jump, Fixed(1, -1), Branch;
    /// `[k:u8]` `a` → `a + k`, for a number constant k (`CONSTANT k` + `ADD`).
    ADD_NUMBER = 38, NumberConstant, Fixed(1, 0), Next;
    /// `[k:u8]` `a` → `a - k`, for a number constant k.
    SUBTRACT_NUMBER = 39, NumberConstant, Fixed(1, 0), Next;
    /// `[k:u8]` `a` → `a < k`, for a number constant k.
    LESS_NUMBER = 40, NumberConstant, Fixed(1, 0), Next;
    /// `[k:u8]` `a` → `a > k`, for a number constant k.
    GREATER_NUMBER = 41, NumberConstant, Fixed(1, 0), Next;
    /// `[slot:u8][name:u8]` push the local slot's property (`GET_LOCAL` + `GET_PROPERTY`:
    /// `this.field`).
    GET_LOCAL_PROPERTY = 42, SlotName, Fixed(0, 1), Next;
    /// `[slot:u8]` pop into the local slot (`SET_LOCAL` + `POP`: an assignment statement).
    SET_LOCAL_POP = 43, Slot, Fixed(1, -1), Next;
    /// `[g:u16]` pop into global g; error if undefined (`SET_GLOBAL` + `POP`).
    SET_GLOBAL_POP = 44, Global, Fixed(1, -1), Next;
    /// `[name:u8]` `instance value` → nothing, setting the field (`SET_PROPERTY` + `POP`).
    SET_PROPERTY_POP = 45, Name, Fixed(2, -2), Next;
    /// Return nil (`NIL` + `RETURN`: a function's implicit return, and `return;`).
    RETURN_NIL = 46, Simple, Fixed(0, 0), Return;
    /// Return slot 0, the receiver (`GET_LOCAL 0` + `RETURN`: an initializer's return).
    RETURN_RECEIVER = 47, Simple, Fixed(1, 0), Return;
}

// Entry i must describe opcode i: `info` indexes the table by the byte.
const _: () = {
    let mut i = 0;
    while i < TABLE.len() {
        assert!(TABLE[i].byte as usize == i, "opcode table out of order");
        i += 1;
    }
};

/// The facts about `opcode`, or `None` for a byte that is no instruction.
#[inline]
pub fn info(opcode: u8) -> Option<&'static OpInfo> {
    TABLE.get(usize::from(opcode))
}

/// How many operand bytes follow `opcode`, or `None` for an unknown opcode. `CLOSURE`'s
/// variable part (its upvalue pairs) is not included: see [`instruction_len`].
pub fn operand_bytes(opcode: u8) -> Option<usize> {
    info(opcode).map(|i| i.layout.operand_bytes())
}

/// The whole length of the instruction at `pc` (opcode, operands and `CLOSURE`'s upvalue
/// pairs), or `None` if the opcode is unknown or its fixed operands run past the end of `code`.
/// The result may still reach past the end when `CLOSURE`'s count says so: callers check.
pub fn instruction_len(code: &[u8], pc: usize) -> Option<usize> {
    let layout = info(*code.get(pc)?)?.layout;
    let fixed = 1 + layout.operand_bytes();
    if pc + fixed > code.len() {
        return None;
    }
    Some(match layout {
        Layout::Closure => fixed + 2 * usize::from(read_u16(code, pc + 2)),
        _ => fixed,
    })
}

/// The big-endian 16-bit operand at `at`.
#[inline]
pub fn read_u16(code: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([code[at], code[at + 1]])
}

/// The argument count of a call instruction at `pc`: its last fixed operand.
pub fn arg_count(code: &[u8], pc: usize) -> usize {
    match info(code[pc]).map(|i| i.layout) {
        Some(Layout::Invoke) => usize::from(code[pc + 2]),
        _ => usize::from(code[pc + 1]),
    }
}

/// `(slots needed below the top, depth change)` of the instruction at `pc`, whose operands
/// must lie inside `code`.
pub fn stack_effect(code: &[u8], pc: usize) -> Option<(usize, isize)> {
    Some(match info(code[pc])?.effect {
        Fixed(needs, change) => (needs, change),
        Call(below) => {
            let argc = arg_count(code, pc);
            (argc + below, 1 - (argc + below) as isize)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_names_and_constants_agree() {
        assert_eq!(info(op::CONSTANT).map(|i| i.name), Some("OP_CONSTANT"));
        assert_eq!(
            info(op::SUPER_INVOKE).map(|i| i.name),
            Some("OP_SUPER_INVOKE")
        );
        assert_eq!(usize::from(op::LAST) + 1, TABLE.len());
        assert_eq!(op::LAST, op::RETURN_RECEIVER);
        assert!(info(op::LAST + 1).is_none());
        let mut names: Vec<_> = TABLE.iter().map(|i| i.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TABLE.len(), "names are unique");
    }

    #[test]
    fn calls_replace_callee_and_arguments_by_the_result() {
        // CALL 2: callee + 2 arguments → 1 result.
        assert_eq!(stack_effect(&[op::CALL, 2], 0), Some((3, -2)));
        // INVOKE name, 3 args: receiver + 3 → 1.
        assert_eq!(stack_effect(&[op::INVOKE, 0, 3], 0), Some((4, -3)));
        // SUPER_INVOKE name, 1 arg: this + 1 + superclass → 1.
        assert_eq!(stack_effect(&[op::SUPER_INVOKE, 0, 1], 0), Some((3, -2)));
        assert_eq!(stack_effect(&[200], 0), None);
    }

    #[test]
    fn closure_length_counts_its_upvalue_pairs() {
        let code = [op::CLOSURE, 0, 0, 2, 1, 0, 0, 3, op::RETURN];
        assert_eq!(instruction_len(&code, 0), Some(8));
        assert_eq!(instruction_len(&code, 8), Some(1));
        assert_eq!(instruction_len(&[op::CLOSURE, 0, 0], 0), None);
        assert_eq!(instruction_len(&[op::GET_GLOBAL, 0], 0), None);
    }
}
