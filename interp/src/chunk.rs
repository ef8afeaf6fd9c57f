//! The compiler's output: a tree of [`FunctionCode`] that lives on the host side (no arena
//! pointers) until [`crate::load`] checks it ([`crate::verify`]) and turns it into arena
//! prototypes. The instructions themselves are described in [`crate::opcode`].

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
    /// Appends one code byte compiled from source line `line`.
    pub fn write(&mut self, byte: u8, line: u32) {
        self.code.push(byte);
        self.lines.push(line);
    }
}
