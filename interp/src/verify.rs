//! The bytecode verifier: the checks that let `exec.rs` read code without bounds checks. Every
//! opcode fact it uses (operand layout, stack effect, control flow) comes from the opcode table
//! ([`crate::opcode`]), so an instruction added there is verified without a change here.

use crate::chunk::{Constant, FunctionCode};
use crate::opcode::{self, info, instruction_len, read_u16, Flow, Layout};

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

/// Checks one compiled function's code (not the functions nested in its constants: each is
/// verified when it is loaded) and returns it as [`VerifiedCode`]. What it guarantees:
///
/// 1. Decoding instructions one after another from offset 0 covers the code exactly: every
///    opcode is known and every instruction's operand bytes (for `CLOSURE`, the `n` upvalue
///    pairs included) lie inside the code.
/// 2. The last instruction does not fall through (its [`Flow`] is `Return` or `Goto`). So the
///    code is not empty, and the instruction after any other one starts inside the code.
/// 3. Every jump (layout [`Layout::Jump`] or [`Layout::Loop`]) lands on the start of an
///    instruction.
///
/// Hence an interpreter that starts at offset 0 and only moves to the next instruction or to
/// a jump's target is always at an instruction start, and reads only bytes inside the code.
///
/// 4. Stack depth. Every instruction reachable from offset 0 has one depth — the number of
///    stack slots in use above the frame's base when it starts, `arity + 1` at offset 0 (the
///    callee and the arguments) — the same along every path to it. At that depth the
///    instruction finds every operand it pops or peeks ([`opcode::stack_effect`]), every local
///    slot it reads or writes is below the depth (a capture may also name the slot the new
///    closure is pushed into, for a local function that calls itself), and the depth after it
///    is at most [`VerifiedCode::max_slots`]. So an interpreter that keeps `sp = base + depth`
///    and has `base + max_slots` slots of room touches only slots in `base..base + max_slots`.
///
/// It also checks what would otherwise be an internal error at run time: constant operands
/// are in range and of the kind their layout names, `CLOSURE`'s count matches its
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
        let Some(op_info) = info(code[pc]) else {
            return fail(pc, "unknown opcode");
        };
        starts[pc] = true;
        let Some(length) = instruction_len(code, pc) else {
            return fail(pc, "operands past the end");
        };
        let end = pc + length;
        if end > code.len() {
            return fail(pc, "upvalue pairs past the end");
        }
        let constant_at = |at: usize| function.constants.get(usize::from(code[at]));
        let constant = |at: usize, kind: fn(&Constant) -> bool| constant_at(at).is_some_and(kind);
        let string = |c: &Constant| matches!(c, Constant::String(_));
        let ok = match op_info.layout {
            Layout::Constant => constant(pc + 1, |c| {
                matches!(c, Constant::Number(_) | Constant::String(_))
            }),
            Layout::NumberConstant => constant(pc + 1, |c| matches!(c, Constant::Number(_))),
            Layout::Name | Layout::Invoke => constant(pc + 1, string),
            Layout::SlotName => constant(pc + 2, string),
            Layout::Jump => {
                jumps.push((pc, end + usize::from(read_u16(code, pc + 1))));
                true
            }
            Layout::Loop => match end.checked_sub(usize::from(read_u16(code, pc + 1))) {
                Some(target) => {
                    jumps.push((pc, target));
                    true
                }
                None => return fail(pc, "loop before the start"),
            },
            Layout::Closure => {
                let count = read_u16(code, pc + 2);
                constant_at(pc + 1)
                    .is_some_and(|c| matches!(c, Constant::Function(f) if f.upvalue_count == count))
                    && code[pc + 4..end].chunks(2).all(|pair| pair[0] <= 1)
            }
            Layout::Simple | Layout::Slot | Layout::Upvalue | Layout::ArgCount | Layout::Global => {
                true
            }
        };
        if !ok {
            return fail(pc, "bad operand");
        }
        last = Some(op_info.flow);
        pc = end;
    }
    if !matches!(last, Some(Flow::Return | Flow::Goto)) {
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

/// Point 4 of [`verify`]: the depth at every reachable instruction, by a walk over the control
/// flow. Returns the most slots used, or where and why the code is rejected. The code has
/// passed points 1–3.
fn stack_depths(function: &FunctionCode) -> Result<usize, (usize, &'static str)> {
    let code = &function.code;
    let mut depth_at: Vec<Option<usize>> = vec![None; code.len()];
    let start = usize::from(function.arity) + 1;
    let mut max = start;
    depth_at[0] = Some(start);
    let mut work = vec![0];
    while let Some(pc) = work.pop() {
        let depth = depth_at[pc].expect("queued with a depth");
        let op_info = info(code[pc]).expect("verified opcode");
        let (needs, change) = opcode::stack_effect(code, pc).expect("verified opcode");
        if depth < needs {
            return Err((pc, "stack underflow"));
        }
        let after = depth
            .checked_add_signed(change)
            .expect("needs covers what is popped");
        max = max.max(after);
        let operand = |i: usize| usize::from(code[pc + i]);
        // A slot must be in use both before the instruction (it is read or written then) and
        // after it: a store that pops (`SET_LOCAL_POP`) cannot target the slot it pops.
        let in_use = depth.min(after);
        let slot_ok = match op_info.layout {
            Layout::Slot | Layout::SlotName => operand(1) < in_use,
            Layout::Closure => {
                let count = usize::from(read_u16(code, pc + 2));
                // A local function captures itself: the slot its closure is pushed into.
                (0..count).all(|i| operand(4 + 2 * i) == 0 || operand(5 + 2 * i) <= depth)
            }
            _ => true,
        };
        if !slot_ok {
            return Err((pc, "local slot out of range"));
        }
        let next = pc + instruction_len(code, pc).expect("verified instruction");
        let target = || match op_info.layout {
            Layout::Loop => next - usize::from(read_u16(code, pc + 1)),
            _ => next + usize::from(read_u16(code, pc + 1)),
        };
        let successors: [Option<usize>; 2] = match op_info.flow {
            Flow::Return => [None, None],
            Flow::Goto => [Some(target()), None],
            Flow::Branch => [Some(next), Some(target())],
            Flow::Next => [Some(next), None],
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
    use crate::opcode::{op, operand_bytes};

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

    /// The names of the instructions of `code`, in order.
    fn opcodes(code: &[u8]) -> Vec<&'static str> {
        let mut pc = 0;
        let mut out = Vec::new();
        while pc < code.len() {
            out.push(info(code[pc]).expect("known opcode").name);
            pc += instruction_len(code, pc).expect("whole instruction");
        }
        out
    }

    /// The names of `opcodes`, to compare with [`opcodes`]' (a mismatch then shows names).
    fn names(opcodes: &[u8]) -> Vec<&'static str> {
        opcodes
            .iter()
            .map(|&b| info(b).expect("known").name)
            .collect()
    }

    /// The opcodes of the first function `source` declares.
    fn function_opcodes(source: &str) -> Vec<&'static str> {
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
            names(&[
                GET_LOCAL,
                LESS_NUMBER,
                POP_JUMP_IF_FALSE,
                GET_LOCAL,
                RETURN,
                GET_LOCAL,
                SUBTRACT_NUMBER,
                ADD_NUMBER,
                RETURN,
                RETURN_NIL
            ])
        );
        assert_eq!(
            function_opcodes("fun f(o) { o.x = o.y; while (o.x > 0) o.x = nil; }"),
            names(&[
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
                RETURN_NIL
            ])
        );
        assert_eq!(
            function_opcodes("fun f(a) { a = 1; g = a; }"),
            names(&[
                CONSTANT,
                SET_LOCAL_POP,
                GET_LOCAL,
                SET_GLOBAL_POP,
                RETURN_NIL
            ])
        );
        // `and` jumps to just after its right operand: the pair around that point stays two
        // instructions, and values still used (`print a = 1`) are not popped.
        assert_eq!(
            function_opcodes(
                "fun f(a, b) { print (a and b).x; print (a and 1) + 1; print a = 1; }"
            ),
            names(&[
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
                RETURN_NIL
            ])
        );
        // A `for` loop's increment stores and pops in one instruction too.
        assert_eq!(
            function_opcodes("fun f() { for (var i = 0; i < 3; i = i + 1) {} }"),
            names(&[
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
                RETURN_NIL
            ])
        );
        // An initializer's implicit return gives back its receiver in one instruction.
        assert_eq!(
            function_opcodes("class A { init(x) { this.x = x; } }"),
            names(&[GET_LOCAL, GET_LOCAL, SET_PROPERTY_POP, RETURN_RECEIVER])
        );
        // A right operand of more than one constant, or a string, is not fused.
        assert_eq!(
            function_opcodes("fun f(a) { return a + \"s\" + (1 + 2); }"),
            names(&[GET_LOCAL, CONSTANT, ADD, CONSTANT, ADD_NUMBER, ADD, RETURN, RETURN_NIL])
        );
    }

    #[test]
    fn fused_instructions_are_checked() {
        let number = || vec![Constant::Number(1.0)];
        let string = || vec![Constant::String("s".into())];
        // Returning the receiver needs slot 0 below the top; returning nil needs nothing.
        verify(&function(vec![op::RETURN_RECEIVER], vec![])).expect("ok");
        verify(&function(vec![op::POP, op::RETURN_NIL], vec![])).expect("ok");
        rejects(
            vec![op::POP, op::RETURN_RECEIVER],
            vec![],
            "stack underflow",
        );
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
