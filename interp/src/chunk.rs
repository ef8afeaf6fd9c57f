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
    /// `[k:u8]` then per upvalue `[is_local:u8][index:u8]`: make a closure of prototype k.
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
