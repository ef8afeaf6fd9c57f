//! Bytecode: the opcodes and the compiler's output, a tree of [`FunctionCode`] that lives on
//! the host side (no arena pointers) until [`crate::load`] turns it into arena prototypes.
//!
//! Operands follow the opcode byte; multi-byte operands are big-endian, as in clox.

/// Opcodes. A module of `u8` constants rather than an enum so the dispatch loop matches on the
/// code byte directly, with no conversion and no `unsafe`.
pub mod op {
    /// `[k:u8]` push constant k.
    pub const CONSTANT: u8 = 0;
    pub const NIL: u8 = 1;
    pub const TRUE: u8 = 2;
    pub const FALSE: u8 = 3;
    pub const POP: u8 = 4;
    /// `[slot:u8]` push the frame's local slot.
    pub const GET_LOCAL: u8 = 5;
    /// `[slot:u8]` store the top of the stack in the local slot (leaves it on the stack).
    pub const SET_LOCAL: u8 = 6;
    /// `[g:u16]` push global g; error if undefined.
    pub const GET_GLOBAL: u8 = 7;
    /// `[g:u16]` pop into global g, defining it.
    pub const DEFINE_GLOBAL: u8 = 8;
    /// `[g:u16]` store the top into global g; error if undefined.
    pub const SET_GLOBAL: u8 = 9;
    /// `[i:u8]` push upvalue i of the running closure.
    pub const GET_UPVALUE: u8 = 10;
    /// `[i:u8]` store the top into upvalue i.
    pub const SET_UPVALUE: u8 = 11;
    /// `[name:u8]` replace the instance on top with its field or bound method.
    pub const GET_PROPERTY: u8 = 12;
    /// `[name:u8]` `instance value` → `value`, setting the field.
    pub const SET_PROPERTY: u8 = 13;
    /// `[name:u8]` `this superclass` → bound method of the superclass.
    pub const GET_SUPER: u8 = 14;
    pub const EQUAL: u8 = 15;
    pub const GREATER: u8 = 16;
    pub const LESS: u8 = 17;
    pub const ADD: u8 = 18;
    pub const SUBTRACT: u8 = 19;
    pub const MULTIPLY: u8 = 20;
    pub const DIVIDE: u8 = 21;
    pub const NOT: u8 = 22;
    pub const NEGATE: u8 = 23;
    pub const PRINT: u8 = 24;
    /// `[offset:u16]` jump forward.
    pub const JUMP: u8 = 25;
    /// `[offset:u16]` jump forward if the top is falsey (does not pop).
    pub const JUMP_IF_FALSE: u8 = 26;
    /// `[offset:u16]` jump backward.
    pub const LOOP: u8 = 27;
    /// `[argc:u8]` call the value below the arguments.
    pub const CALL: u8 = 28;
    /// `[name:u8][argc:u8]` call method `name` on the receiver below the arguments.
    pub const INVOKE: u8 = 29;
    /// `[name:u8][argc:u8]` `this args.. superclass` → call the superclass's method.
    pub const SUPER_INVOKE: u8 = 30;
    /// `[k:u8][n:u16]` then per upvalue (n of them) `[is_local:u8][index:u8]`: make a closure
    /// of prototype k. The count is in the code so that an instruction's length depends on the
    /// code alone (see [`super::verify`]).
    pub const CLOSURE: u8 = 31;
    /// Close the upvalue pointing at the top slot, then pop it.
    pub const CLOSE_UPVALUE: u8 = 32;
    pub const RETURN: u8 = 33;
    /// `[name:u8]` push a new class.
    pub const CLASS: u8 = 34;
    /// `superclass subclass` → `superclass`: copy methods down.
    pub const INHERIT: u8 = 35;
    /// `[name:u8]` `class closure` → `class`: add a method.
    pub const METHOD: u8 = 36;

    // Fused instructions: the compiler emits these in place of a common pair (clox has none).
    // Each does exactly what the pair does, errors included, with one dispatch instead of two.

    /// `[offset:u16]` pop the top; jump forward if it was falsey (`JUMP_IF_FALSE` + `POP` on
    /// both paths: what `if`, `while` and `for` conditions compile to).
    pub const POP_JUMP_IF_FALSE: u8 = 37;
    /// `[k:u8]` `a` → `a + k`, for a number constant k (`CONSTANT k` + `ADD`).
    pub const ADD_NUMBER: u8 = 38;
    /// `[k:u8]` `a` → `a - k`, for a number constant k.
    pub const SUBTRACT_NUMBER: u8 = 39;
    /// `[k:u8]` `a` → `a < k`, for a number constant k.
    pub const LESS_NUMBER: u8 = 40;
    /// `[k:u8]` `a` → `a > k`, for a number constant k.
    pub const GREATER_NUMBER: u8 = 41;

    /// `[slot:u8][name:u8]` push the local slot's property (`GET_LOCAL` + `GET_PROPERTY`:
    /// `this.field`).
    pub const GET_LOCAL_PROPERTY: u8 = 42;
    /// `[slot:u8]` pop into the local slot (`SET_LOCAL` + `POP`: an assignment statement).
    pub const SET_LOCAL_POP: u8 = 43;
    /// `[g:u16]` pop into global g; error if undefined (`SET_GLOBAL` + `POP`).
    pub const SET_GLOBAL_POP: u8 = 44;
    /// `[name:u8]` `instance value` → nothing, setting the field (`SET_PROPERTY` + `POP`).
    pub const SET_PROPERTY_POP: u8 = 45;

    /// The highest opcode: every byte up to it is an instruction.
    pub const LAST: u8 = SET_PROPERTY_POP;
}

/// A constant as the compiler produces it.
#[derive(Debug, Clone)]
pub enum Constant {
    Number(f64),
    String(Box<str>),
    Function(Box<FunctionCode>),
}

/// One compiled function (or the top-level script), before it is loaded into an arena.
#[derive(Debug, Clone, Default)]
pub struct FunctionCode {
    /// `None` for the top-level script.
    pub name: Option<Box<str>>,
    /// `Class.method` for methods, else the name: what profiles show.
    pub qualified_name: Option<Box<str>>,
    pub arity: u8,
    pub upvalue_count: u16,
    /// Names of the captured variables, by upvalue index.
    pub upvalue_names: Vec<Box<str>>,
    pub code: Vec<u8>,
    /// Source line of each code byte.
    pub lines: Vec<u32>,
    pub constants: Vec<Constant>,
}

impl FunctionCode {
    pub fn write(&mut self, byte: u8, line: u32) {
        self.code.push(byte);
        self.lines.push(line);
    }
}

/// Bytecode that passed [`verify`]. The only way to make one, so holding one proves the
/// properties `verify` checks; the interpreter relies on them to read code without bounds
/// checks (see `exec.rs`).
#[derive(Debug)]
pub struct VerifiedCode {
    bytes: Box<[u8]>,
    /// The most stack slots the function uses above its frame's base (its callee slot and
    /// arguments included) at any instruction (see [`verify`], point 4).
    max_slots: usize,
}

impl VerifiedCode {
    /// The most stack slots a frame running this code uses, counted from its base.
    #[inline]
    pub fn max_slots(&self) -> usize {
        self.max_slots
    }
}

impl std::ops::Deref for VerifiedCode {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

/// How many operand bytes follow `opcode`, or `None` for an unknown opcode. `CLOSURE`'s
/// variable part (its upvalue pairs) is not included.
pub(crate) fn operand_bytes(opcode: u8) -> Option<usize> {
    use op::*;
    Some(match opcode {
        NIL | TRUE | FALSE | POP | EQUAL | GREATER | LESS | ADD | SUBTRACT | MULTIPLY | DIVIDE
        | NOT | NEGATE | PRINT | CLOSE_UPVALUE | RETURN | INHERIT => 0,
        CONSTANT | GET_LOCAL | SET_LOCAL | GET_UPVALUE | SET_UPVALUE | GET_PROPERTY
        | SET_PROPERTY | GET_SUPER | CALL | CLASS | METHOD | ADD_NUMBER | SUBTRACT_NUMBER
        | LESS_NUMBER | GREATER_NUMBER | SET_LOCAL_POP | SET_PROPERTY_POP => 1,
        GET_GLOBAL | DEFINE_GLOBAL | SET_GLOBAL | JUMP | JUMP_IF_FALSE | POP_JUMP_IF_FALSE
        | LOOP | INVOKE | SUPER_INVOKE | SET_GLOBAL_POP | GET_LOCAL_PROPERTY => 2,
        CLOSURE => 3,
        _ => return None,
    })
}

/// Checks one compiled function's code (not the functions nested in its constants: each is
/// verified when it is loaded) and returns it as [`VerifiedCode`]. What it guarantees:
///
/// 1. Decoding instructions one after another from offset 0 covers the code exactly: every
///    opcode is known and every instruction's operand bytes (for `CLOSURE`, the `n` upvalue
///    pairs included) lie inside the code.
/// 2. The last instruction does not fall through: it is `RETURN`, `JUMP` or `LOOP`. So the
///    code is not empty, and the instruction after any other one starts inside the code.
/// 3. Every jump (`JUMP`, `JUMP_IF_FALSE`, `POP_JUMP_IF_FALSE`, `LOOP`) lands on the start of
///    an instruction.
///
/// Hence an interpreter that starts at offset 0 and only moves to the next instruction or to
/// a jump's target is always at an instruction start, and reads only bytes inside the code.
///
/// 4. Stack depth. Every instruction reachable from offset 0 has one depth — the number of
///    stack slots in use above the frame's base when it starts, `arity + 1` at offset 0 (the
///    callee and the arguments) — the same along every path to it. At that depth the
///    instruction finds every operand it pops or peeks ([`stack_effect`]), every local slot
///    it reads or writes is below the depth (a capture may also name the slot the new closure
///    is pushed into, for a local function that calls itself), and the depth after it is at most
///    [`VerifiedCode::max_slots`]. So an interpreter that keeps `sp = base + depth` and has
///    `base + max_slots` slots of room touches only slots in `base..base + max_slots`.
///
/// It also checks what would otherwise be an internal error at run time: constant operands
/// are in range and of the kind the instruction expects, `CLOSURE`'s count matches its
/// prototype's, and upvalue pairs say local (1) or not (0).
pub fn verify(function: &FunctionCode) -> Result<VerifiedCode, String> {
    let code = &function.code;
    let fail = |at: usize, what: &str| {
        Err(format!(
            "Internal error: invalid bytecode in {} at offset {at}: {what}.",
            function.name.as_deref().unwrap_or("script")
        ))
    };
    let mut starts = vec![false; code.len()];
    let mut jumps = Vec::new();
    let mut pc = 0;
    let mut last = None;
    while pc < code.len() {
        let opcode = code[pc];
        let Some(operands) = operand_bytes(opcode) else {
            return fail(pc, "unknown opcode");
        };
        starts[pc] = true;
        let mut end = pc + 1 + operands;
        if end > code.len() {
            return fail(pc, "operands past the end");
        }
        let constant = |kind: fn(&Constant) -> bool| {
            function
                .constants
                .get(usize::from(code[pc + 1]))
                .is_some_and(kind)
        };
        let short = || usize::from(u16::from_be_bytes([code[pc + 1], code[pc + 2]]));
        let ok = match opcode {
            op::CONSTANT => constant(|c| matches!(c, Constant::Number(_) | Constant::String(_))),
            op::ADD_NUMBER | op::SUBTRACT_NUMBER | op::LESS_NUMBER | op::GREATER_NUMBER => {
                constant(|c| matches!(c, Constant::Number(_)))
            }
            op::GET_LOCAL_PROPERTY => function
                .constants
                .get(usize::from(code[pc + 2]))
                .is_some_and(|c| matches!(c, Constant::String(_))),
            op::GET_PROPERTY
            | op::SET_PROPERTY
            | op::SET_PROPERTY_POP
            | op::GET_SUPER
            | op::INVOKE
            | op::SUPER_INVOKE
            | op::CLASS
            | op::METHOD => constant(|c| matches!(c, Constant::String(_))),
            op::JUMP | op::JUMP_IF_FALSE | op::POP_JUMP_IF_FALSE => {
                jumps.push((pc, end + short()));
                true
            }
            op::LOOP => match end.checked_sub(short()) {
                Some(target) => {
                    jumps.push((pc, target));
                    true
                }
                None => return fail(pc, "loop before the start"),
            },
            op::CLOSURE => {
                let count = u16::from_be_bytes([code[pc + 2], code[pc + 3]]);
                let matches_proto = function
                    .constants
                    .get(usize::from(code[pc + 1]))
                    .is_some_and(
                        |c| matches!(c, Constant::Function(f) if f.upvalue_count == count),
                    );
                end += 2 * usize::from(count);
                if end > code.len() {
                    return fail(pc, "upvalue pairs past the end");
                }
                matches_proto && code[pc + 4..end].chunks(2).all(|pair| pair[0] <= 1)
            }
            _ => true,
        };
        if !ok {
            return fail(pc, "bad operand");
        }
        last = Some(opcode);
        pc = end;
    }
    if !matches!(last, Some(op::RETURN | op::JUMP | op::LOOP)) {
        return fail(code.len(), "falls off the end");
    }
    for (at, target) in jumps {
        if !starts.get(target).copied().unwrap_or(false) {
            return fail(at, "jump to the middle of an instruction");
        }
    }
    let max_slots = stack_depths(function).map_err(|(at, what)| {
        format!(
            "Internal error: invalid bytecode in {} at offset {at}: {what}.",
            function.name.as_deref().unwrap_or("script")
        )
    })?;
    Ok(VerifiedCode {
        bytes: code.clone().into_boxed_slice(),
        max_slots,
    })
}

/// How an instruction (at `pc`, in code that passed points 1–3 of [`verify`]) uses the stack:
/// the slots it needs below the top, and the depth change.
fn stack_effect(code: &[u8], pc: usize) -> (usize, isize) {
    let operand = |i: usize| usize::from(code[pc + i]);
    match code[pc] {
        op::CONSTANT
        | op::NIL
        | op::TRUE
        | op::FALSE
        | op::GET_LOCAL
        | op::GET_GLOBAL
        | op::GET_UPVALUE
        | op::CLOSURE
        | op::CLASS
        | op::GET_LOCAL_PROPERTY => (0, 1),
        op::JUMP | op::LOOP => (0, 0),
        op::SET_LOCAL
        | op::SET_GLOBAL
        | op::SET_UPVALUE
        | op::GET_PROPERTY
        | op::NOT
        | op::NEGATE
        | op::JUMP_IF_FALSE
        | op::RETURN
        | op::ADD_NUMBER
        | op::SUBTRACT_NUMBER
        | op::LESS_NUMBER
        | op::GREATER_NUMBER => (1, 0),
        op::POP
        | op::DEFINE_GLOBAL
        | op::PRINT
        | op::CLOSE_UPVALUE
        | op::POP_JUMP_IF_FALSE
        | op::SET_LOCAL_POP
        | op::SET_GLOBAL_POP => (1, -1),
        op::SET_PROPERTY_POP => (2, -2),
        op::SET_PROPERTY
        | op::GET_SUPER
        | op::EQUAL
        | op::GREATER
        | op::LESS
        | op::ADD
        | op::SUBTRACT
        | op::MULTIPLY
        | op::DIVIDE
        | op::INHERIT
        | op::METHOD => (2, -1),
        // The callee (or receiver) and the arguments become the result.
        op::CALL => (operand(1) + 1, -(operand(1) as isize)),
        op::INVOKE => (operand(2) + 1, -(operand(2) as isize)),
        // `this`, the arguments and the superclass become the result.
        op::SUPER_INVOKE => (operand(2) + 2, -(operand(2) as isize) - 1),
        other => unreachable!("verified opcode {other}"),
    }
}

/// Point 4 of [`verify`]: the depth at every reachable instruction, by a walk over the control
/// flow. Returns the most slots used, or where and why the code is rejected.
fn stack_depths(function: &FunctionCode) -> Result<usize, (usize, &'static str)> {
    let code = &function.code;
    let mut depth_at: Vec<Option<usize>> = vec![None; code.len()];
    let start = usize::from(function.arity) + 1;
    let mut max = start;
    depth_at[0] = Some(start);
    let mut work = vec![0];
    while let Some(pc) = work.pop() {
        let depth = depth_at[pc].expect("queued with a depth");
        let (needs, change) = stack_effect(code, pc);
        if depth < needs {
            return Err((pc, "stack underflow"));
        }
        let after = depth
            .checked_add_signed(change)
            .expect("needs covers what is popped");
        max = max.max(after);
        let operand = |i: usize| usize::from(code[pc + i]);
        let short = || usize::from(u16::from_be_bytes([code[pc + 1], code[pc + 2]]));
        let slot_ok = match code[pc] {
            op::GET_LOCAL | op::SET_LOCAL | op::GET_LOCAL_PROPERTY => operand(1) < depth,
            // The value is popped before it is stored.
            op::SET_LOCAL_POP => operand(1) < after,
            op::CLOSURE => {
                let count = usize::from(u16::from_be_bytes([code[pc + 2], code[pc + 3]]));
                // A local function captures itself: the slot its closure is pushed into.
                (0..count).all(|i| operand(4 + 2 * i) == 0 || operand(5 + 2 * i) <= depth)
            }
            _ => true,
        };
        if !slot_ok {
            return Err((pc, "local slot out of range"));
        }
        let length = 1
            + operand_bytes(code[pc]).expect("verified opcode")
            + if code[pc] == op::CLOSURE {
                2 * usize::from(u16::from_be_bytes([code[pc + 2], code[pc + 3]]))
            } else {
                0
            };
        let next = pc + length;
        let successors: [Option<usize>; 2] = match code[pc] {
            op::RETURN => [None, None],
            op::JUMP => [Some(next + short()), None],
            op::LOOP => [Some(next - short()), None],
            op::JUMP_IF_FALSE | op::POP_JUMP_IF_FALSE => [Some(next), Some(next + short())],
            _ => [Some(next), None],
        };
        for target in successors.into_iter().flatten() {
            match depth_at[target] {
                None => {
                    depth_at[target] = Some(after);
                    work.push(target);
                }
                Some(known) if known == after => {}
                Some(_) => return Err((target, "stack depth differs between paths")),
            }
        }
    }
    Ok(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(code: Vec<u8>, constants: Vec<Constant>) -> FunctionCode {
        FunctionCode {
            lines: vec![1; code.len()],
            code,
            constants,
            ..FunctionCode::default()
        }
    }

    fn rejects(code: Vec<u8>, constants: Vec<Constant>, what: &str) {
        let error = verify(&function(code.clone(), constants)).expect_err(what);
        assert!(error.contains(what), "{code:?}: {error}");
    }

    #[test]
    fn compiled_code_verifies() {
        let source = "
            fun outer(a) {
              var b = a;
              fun inner() { b = b + 1; return a and b or nil; }
              for (var i = 0; i < 3; i = i + 1) { while (false) {} if (i == 1) print i; else print -i; }
              return inner;
            }
            class A { init(x) { this.x = x; } get() { return this.x; } }
            class B < A { get() { return super.get() + super.x; } }
            print outer(1)() + B(2).get();
            { fun fib(n) { if (n < 2) return n; return fib(n - 1) + fib(n - 2); } print fib(8); }
        ";
        let mut names = crate::global_names::GlobalNames::default();
        let script = crate::compiler::compile(source, &mut names).expect("compiles");
        fn check(f: &FunctionCode) {
            let verified = verify(f).expect("compiled code verifies");
            assert_eq!(&*verified, &f.code[..]);
            for c in &f.constants {
                if let Constant::Function(inner) = c {
                    check(inner);
                }
            }
        }
        check(&script);
    }

    #[test]
    fn known_opcodes_are_exactly_those_the_interpreter_dispatches() {
        // exec.rs's dispatch treats any other byte as unreachable.
        for byte in 0..=u8::MAX {
            assert_eq!(
                operand_bytes(byte).is_some(),
                byte <= op::LAST,
                "opcode {byte}"
            );
        }
    }

    #[test]
    fn stack_depth_is_checked_and_measured() {
        let max = |code: Vec<u8>, arity: u8| {
            let mut f = function(code, vec![Constant::Number(1.0)]);
            f.arity = arity;
            verify(&f).map(|v| v.max_slots())
        };
        // The callee slot and the arguments count: 1 + 2, then two more pushed.
        assert_eq!(
            max(
                vec![
                    op::GET_LOCAL,
                    1,
                    op::GET_LOCAL,
                    2,
                    op::ADD,
                    op::NIL,
                    op::RETURN
                ],
                2
            ),
            Ok(5)
        );
        // A call's arguments become its result.
        assert_eq!(
            max(
                vec![op::GET_LOCAL, 0, op::NIL, op::NIL, op::CALL, 2, op::RETURN],
                0
            ),
            Ok(4)
        );
        // Both branches of a conditional meet at the same depth.
        assert_eq!(
            max(
                vec![
                    op::TRUE,
                    op::JUMP_IF_FALSE,
                    0,
                    4,
                    op::POP,
                    op::JUMP,
                    0,
                    1,
                    op::POP,
                    op::NIL,
                    op::RETURN
                ],
                0
            ),
            Ok(2)
        );
        rejects(
            vec![op::POP, op::POP, op::NIL, op::RETURN],
            vec![],
            "stack underflow",
        );
        rejects(
            vec![op::GET_LOCAL, 1, op::RETURN],
            vec![],
            "local slot out of range",
        );
        rejects(
            vec![op::NIL, op::SET_LOCAL, 2, op::RETURN],
            vec![],
            "local slot out of range",
        );
        rejects(vec![op::CALL, 1, op::RETURN], vec![], "stack underflow");
        // The paths of a conditional disagree on the depth where they meet.
        rejects(
            vec![op::TRUE, op::JUMP_IF_FALSE, 0, 1, op::NIL, op::RETURN],
            vec![],
            "stack depth differs",
        );
        // A loop that grows the stack on every turn.
        rejects(vec![op::NIL, op::LOOP, 0, 4], vec![], "stack depth differs");
        // A capture of a slot not yet in use (slot 1, at depth 1, is the closure's own).
        let closure = vec![Constant::Function(Box::new(FunctionCode {
            upvalue_count: 1,
            ..FunctionCode::default()
        }))];
        rejects(
            vec![op::CLOSURE, 0, 0, 1, 1, 2, op::RETURN],
            closure,
            "local slot out of range",
        );
    }

    /// The opcodes of `code`, in order.
    fn opcodes(code: &[u8]) -> Vec<u8> {
        let mut pc = 0;
        let mut out = Vec::new();
        while pc < code.len() {
            let opcode = code[pc];
            out.push(opcode);
            if opcode == op::CLOSURE {
                pc += 2 * usize::from(u16::from_be_bytes([code[pc + 2], code[pc + 3]]));
            }
            pc += 1 + operand_bytes(opcode).expect("known opcode");
        }
        out
    }

    /// The opcodes of the first function `source` declares.
    fn function_opcodes(source: &str) -> Vec<u8> {
        let mut names = crate::global_names::GlobalNames::default();
        let script = crate::compiler::compile(source, &mut names).expect("compiles");
        let f = script
            .constants
            .iter()
            .find_map(|c| match c {
                Constant::Function(f) => Some(f),
                _ => None,
            })
            .expect("a function");
        verify(f).expect("verifies");
        opcodes(&f.code)
    }

    #[test]
    fn the_compiler_fuses_pairs_nothing_jumps_into() {
        use op::*;
        assert_eq!(
            function_opcodes("fun f(n) { if (n < 2) return n; return n - 1 + 2; }"),
            [
                GET_LOCAL,
                LESS_NUMBER,
                POP_JUMP_IF_FALSE,
                GET_LOCAL,
                RETURN,
                GET_LOCAL,
                SUBTRACT_NUMBER,
                ADD_NUMBER,
                RETURN,
                NIL,
                RETURN
            ]
        );
        assert_eq!(
            function_opcodes("fun f(o) { o.x = o.y; while (o.x > 0) o.x = nil; }"),
            [
                GET_LOCAL,
                GET_LOCAL_PROPERTY,
                SET_PROPERTY_POP,
                GET_LOCAL_PROPERTY,
                GREATER_NUMBER,
                POP_JUMP_IF_FALSE,
                GET_LOCAL,
                NIL,
                SET_PROPERTY_POP,
                LOOP,
                NIL,
                RETURN
            ]
        );
        assert_eq!(
            function_opcodes("fun f(a) { a = 1; g = a; }"),
            [
                CONSTANT,
                SET_LOCAL_POP,
                GET_LOCAL,
                SET_GLOBAL_POP,
                NIL,
                RETURN
            ]
        );
        // `and` jumps to just after its right operand: the pair around that point stays two
        // instructions, and values still used (`print a = 1`) are not popped.
        assert_eq!(
            function_opcodes(
                "fun f(a, b) { print (a and b).x; print (a and 1) + 1; print a = 1; }"
            ),
            [
                GET_LOCAL,
                JUMP_IF_FALSE,
                POP,
                GET_LOCAL,
                GET_PROPERTY,
                PRINT,
                GET_LOCAL,
                JUMP_IF_FALSE,
                POP,
                CONSTANT,
                ADD_NUMBER,
                PRINT,
                CONSTANT,
                SET_LOCAL,
                PRINT,
                NIL,
                RETURN
            ]
        );
        // A `for` loop's increment stores and pops in one instruction too.
        assert_eq!(
            function_opcodes("fun f() { for (var i = 0; i < 3; i = i + 1) {} }"),
            [
                CONSTANT,
                GET_LOCAL,
                LESS_NUMBER,
                POP_JUMP_IF_FALSE,
                JUMP,
                GET_LOCAL,
                ADD_NUMBER,
                SET_LOCAL_POP,
                LOOP,
                LOOP,
                POP,
                NIL,
                RETURN
            ]
        );
        // A right operand of more than one constant, or a string, is not fused.
        assert_eq!(
            function_opcodes("fun f(a) { return a + \"s\" + (1 + 2); }"),
            [GET_LOCAL, CONSTANT, ADD, CONSTANT, ADD_NUMBER, ADD, RETURN, NIL, RETURN]
        );
    }

    #[test]
    fn fused_instructions_are_checked() {
        let number = || vec![Constant::Number(1.0)];
        let string = || vec![Constant::String("s".into())];
        verify(&function(
            vec![op::NIL, op::ADD_NUMBER, 0, op::RETURN],
            number(),
        ))
        .expect("ok");
        rejects(
            vec![op::NIL, op::ADD_NUMBER, 0, op::RETURN],
            string(),
            "bad operand",
        );
        rejects(
            vec![op::NIL, op::LESS_NUMBER, 1, op::RETURN],
            number(),
            "bad operand",
        );
        // The popped value cannot be stored into its own slot.
        verify(&function(
            vec![op::NIL, op::SET_LOCAL_POP, 0, op::NIL, op::RETURN],
            vec![],
        ))
        .expect("ok");
        rejects(
            vec![op::NIL, op::SET_LOCAL_POP, 1, op::NIL, op::RETURN],
            vec![],
            "local slot out of range",
        );
        // SET_PROPERTY_POP takes the instance and the value.
        rejects(
            vec![op::SET_PROPERTY_POP, 0, op::NIL, op::RETURN],
            string(),
            "stack underflow",
        );
        verify(&function(
            vec![
                op::NIL,
                op::NIL,
                op::SET_PROPERTY_POP,
                0,
                op::NIL,
                op::RETURN,
            ],
            string(),
        ))
        .expect("ok");
        rejects(
            vec![op::GET_LOCAL_PROPERTY, 1, 0, op::RETURN],
            string(),
            "local slot",
        );
        rejects(
            vec![op::GET_LOCAL_PROPERTY, 0, 0, op::RETURN],
            number(),
            "bad operand",
        );
        // POP_JUMP_IF_FALSE pops on both paths, and lands on an instruction start.
        rejects(
            vec![op::POP_JUMP_IF_FALSE, 0, 0, op::POP, op::NIL, op::RETURN],
            vec![],
            "stack underflow",
        );
        rejects(
            vec![
                op::TRUE,
                op::POP_JUMP_IF_FALSE,
                0,
                1,
                op::GET_LOCAL,
                0,
                op::RETURN,
            ],
            vec![],
            "jump to the middle",
        );
    }

    #[test]
    fn accepts_minimal_code() {
        verify(&function(vec![op::NIL, op::RETURN], vec![])).expect("valid");
        // A jump over an instruction, then a loop back to offset 0.
        verify(&function(
            vec![op::JUMP, 0, 1, op::POP, op::LOOP, 0, 7],
            vec![],
        ))
        .expect("valid");
    }

    #[test]
    fn rejects_invalid_code() {
        rejects(vec![], vec![], "falls off the end");
        rejects(vec![op::NIL], vec![], "falls off the end");
        rejects(vec![200, op::RETURN], vec![], "unknown opcode");
        rejects(vec![op::NIL, op::JUMP, 0], vec![], "operands past the end");
        rejects(vec![op::GET_GLOBAL, 0], vec![], "operands past the end");
        // Into the middle of the GET_LOCAL, past the end, and before the start.
        rejects(
            vec![op::JUMP, 0, 1, op::GET_LOCAL, 0, op::RETURN],
            vec![],
            "jump to the middle",
        );
        rejects(
            vec![op::JUMP, 0, 9, op::RETURN],
            vec![],
            "jump to the middle",
        );
        rejects(vec![op::LOOP, 0, 4], vec![], "loop before the start");
        // Constant operands: missing, or of the wrong kind.
        rejects(vec![op::CONSTANT, 0, op::RETURN], vec![], "bad operand");
        rejects(
            vec![op::GET_PROPERTY, 0, op::RETURN],
            vec![Constant::Number(1.0)],
            "bad operand",
        );
        let closure = |upvalue_count| {
            vec![Constant::Function(Box::new(FunctionCode {
                upvalue_count,
                ..FunctionCode::default()
            }))]
        };
        verify(&function(
            vec![op::CLOSURE, 0, 0, 1, 1, 0, op::RETURN],
            closure(1),
        ))
        .expect("valid");
        rejects(
            vec![op::CLOSURE, 0, 0, 2, 1, 0, op::RETURN],
            closure(2),
            "upvalue pairs past the end",
        );
        rejects(
            vec![op::CLOSURE, 0, 0, 1, 1, 0, op::RETURN],
            closure(2),
            "bad operand",
        );
        rejects(
            vec![op::CLOSURE, 0, 0, 1, 2, 0, op::RETURN],
            closure(1),
            "bad operand",
        );
    }
}
