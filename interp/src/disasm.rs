//! The disassembler: a listing of compiled code in the format of clox's `debug.c`, so a
//! listing from `gclox --print-code` reads (and diffs) like clox's `DEBUG_PRINT_CODE` output.
//!
//! Each instruction is one line: the offset (`%04d`), the source line (or `   |` when it is the
//! previous instruction's), the name, then the operands as clox prints them — a constant's
//! index and value in quotes, a jump's `from -> to`, a call's `(n args)`, and one line per
//! upvalue a closure captures. Where gclox differs from clox the listing says what gclox does:
//! globals are slots (the slot number and the global's name, where clox shows a name constant),
//! numbers print as Lox prints them (clox uses `%g`), and fused instructions, which clox lacks,
//! have names of their own (`OP_ADD_NUMBER`, …; see `opcode.rs`).

use std::fmt::{self, Write};

use crate::chunk::{Constant, FunctionCode};
use crate::global_names::GlobalNames;
use crate::opcode::{info, instruction_len, read_u16, Layout};

/// The listing of `script` and of every function nested in its constants, each under a
/// `== name ==` header, in the order clox prints them: a function after the functions it
/// contains (clox prints each function as its compiler finishes it), the script last.
/// `globals` names the global slots the code uses (the table it was compiled against).
pub fn disassemble_program(script: &FunctionCode, globals: &GlobalNames) -> String {
    let mut out = String::new();
    program(script, globals, &mut out);
    out
}

fn program(function: &FunctionCode, globals: &GlobalNames, out: &mut String) {
    for constant in &function.constants {
        if let Constant::Function(inner) = constant {
            program(inner, globals, out);
        }
    }
    disassemble_function(function, globals, out);
}

/// Appends the listing of `function` alone to `out`: its header and every instruction.
/// Code that does not decode (an unknown opcode, operands past the end) is listed up to that
/// point with a line saying so; the disassembler never panics on bad code.
pub fn disassemble_function(function: &FunctionCode, globals: &GlobalNames, out: &mut String) {
    let name = function.name.as_deref().unwrap_or("<script>");
    let _ = writeln!(out, "== {name} ==");
    let mut offset = 0;
    while offset < function.code.len() {
        offset = disassemble_instruction(function, offset, globals, out);
    }
}

/// Appends the line(s) of the instruction at `offset` to `out` and returns the offset of the
/// next instruction (the end of the code if this one is cut short).
pub fn disassemble_instruction(
    function: &FunctionCode,
    offset: usize,
    globals: &GlobalNames,
    out: &mut String,
) -> usize {
    let code = &function.code;
    let _ = write!(out, "{offset:04} ");
    let line = function.lines.get(offset);
    if offset > 0 && line.is_some() && line == function.lines.get(offset - 1) {
        out.push_str("   | ");
    } else {
        let _ = write!(out, "{:>4} ", line.copied().unwrap_or(0));
    }
    let opcode = code[offset];
    let Some(op) = info(opcode) else {
        let _ = writeln!(out, "Unknown opcode {opcode}");
        return offset + 1;
    };
    let length = match instruction_len(code, offset) {
        Some(length) if offset + length <= code.len() => length,
        _ => {
            let _ = writeln!(out, "{} (operands past the end of the code)", op.name);
            return code.len();
        }
    };
    let name = op.name;
    let byte = |i: usize| code[offset + i];
    let constant = |k: u8| ConstantText(function.constants.get(usize::from(k)));
    let _ = match op.layout {
        Layout::Simple => writeln!(out, "{name}"),
        Layout::Constant | Layout::NumberConstant | Layout::Name => {
            writeln!(out, "{name:<16} {:>4} '{}'", byte(1), constant(byte(1)))
        }
        Layout::Slot | Layout::Upvalue | Layout::ArgCount => {
            writeln!(out, "{name:<16} {:>4}", byte(1))
        }
        Layout::Global => {
            let slot = read_u16(code, offset + 1);
            let global = globals.get(slot).unwrap_or("?");
            writeln!(out, "{name:<16} {slot:>4} '{global}'")
        }
        Layout::Jump | Layout::Loop => {
            let jump = usize::from(read_u16(code, offset + 1));
            let next = offset + length;
            // Signed, as clox prints it: bad code may loop back past offset 0.
            let target = match op.layout {
                Layout::Loop => next as isize - jump as isize,
                _ => (next + jump) as isize,
            };
            writeln!(out, "{name:<16} {offset:>4} -> {target}")
        }
        Layout::Invoke => writeln!(
            out,
            "{name:<16} ({} args) {:>4} '{}'",
            byte(2),
            byte(1),
            constant(byte(1))
        ),
        Layout::SlotName => writeln!(
            out,
            "{name:<16} {:>4} {:>4} '{}'",
            byte(1),
            byte(2),
            constant(byte(2))
        ),
        Layout::Closure => {
            let _ = writeln!(out, "{name:<16} {:>4} {}", byte(1), constant(byte(1)));
            for at in (offset + 4..offset + length).step_by(2) {
                let kind = if code[at] != 0 { "local" } else { "upvalue" };
                let _ = writeln!(
                    out,
                    "{at:04}      |                     {kind} {}",
                    code[at + 1]
                );
            }
            Ok(())
        }
    };
    offset + length
}

/// A constant as clox's `printValue` shows it (numbers as Lox prints them); `?` for an index
/// with no constant.
struct ConstantText<'a>(Option<&'a Constant>);

impl fmt::Display for ConstantText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(Constant::Number(n)) => crate::value::fmt_number(*n, f),
            Some(Constant::String(s)) => f.write_str(s),
            Some(Constant::Function(function)) => match &function.name {
                Some(name) => write!(f, "<fn {name}>"),
                None => f.write_str("<script>"),
            },
            None => f.write_str("?"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::op;

    fn listing(source: &str) -> String {
        let mut globals = GlobalNames::default();
        let script = crate::compiler::compile(source, &mut globals).expect("compiles");
        disassemble_program(&script, &globals)
    }

    #[test]
    fn lists_instructions_as_clox_does() {
        let text = listing("var a = 1;\nprint a + \"s\";\n");
        let expected = "\
== <script> ==
0000    1 OP_CONSTANT         0 '1'
0002    | OP_DEFINE_GLOBAL    0 'a'
0005    2 OP_GET_GLOBAL       0 'a'
0008    | OP_CONSTANT         1 's'
0010    | OP_ADD
0011    | OP_PRINT
0012    3 OP_RETURN_NIL
";
        assert_eq!(text, expected);
    }

    #[test]
    fn functions_come_before_their_enclosing_code_and_list_captures() {
        let text = listing(
            "fun outer() {\n  var x = 1;\n  fun inner() { return x; }\n  return inner;\n}\n",
        );
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("==")).collect();
        assert_eq!(headers, ["== inner ==", "== outer ==", "== <script> =="]);
        assert!(text.contains("OP_GET_UPVALUE      0\n"), "{text}");
        // The closure line names the function; its capture line follows, aligned as clox's.
        let closure = text
            .lines()
            .position(|l| l.contains("OP_CLOSURE"))
            .expect("a closure");
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[closure].ends_with("OP_CLOSURE          1 <fn inner>"),
            "{text}"
        );
        assert!(
            lines[closure + 1].ends_with("      |                     local 1"),
            "{text}"
        );
    }

    #[test]
    fn jumps_show_source_and_target() {
        let text = listing("while (true) { print 1; }");
        // The condition's jump skips the body forward; the loop goes back to offset 0.
        assert!(text.contains("OP_POP_JUMP_IF_FALSE    1 -> 10\n"), "{text}");
        assert!(text.contains("OP_LOOP             7 -> 0\n"), "{text}");
    }

    #[test]
    fn bad_code_is_listed_without_panicking() {
        let function = FunctionCode {
            code: vec![200, op::CONSTANT, 7, op::GET_GLOBAL, 0],
            lines: vec![1, 1, 1, 2, 2],
            ..FunctionCode::default()
        };
        let mut out = String::new();
        disassemble_function(&function, &GlobalNames::default(), &mut out);
        assert_eq!(
            out,
            "== <script> ==\n\
             0000    1 Unknown opcode 200\n\
             0001    | OP_CONSTANT         7 '?'\n\
             0003    2 OP_GET_GLOBAL (operands past the end of the code)\n"
        );
    }
}
