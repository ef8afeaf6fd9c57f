//! Tokens → bytecode in one pass (clox's design): a Pratt parser that emits code as it
//! parses, resolving locals and upvalues on the way.
//!
//! Single pass keeps clox's observable behaviour for free — the same errors in the same order,
//! reported at the same tokens, with the same panic-mode recovery — which the official suite
//! checks to the letter. The output is host data ([`FunctionCode`]); nothing here touches the
//! arena, so compiling never allocates script objects and never needs the collector.
//!
//! Limits (each a compile error, never a Rust stack overflow): 256 constants, locals and
//! upvalues per function, 255 parameters and arguments, 16-bit jumps, 65 536 globals, and
//! [`MAX_NESTING`] levels of nested expressions, blocks and functions.

use crate::chunk::{Constant, FunctionCode};
use crate::global_names::GlobalNames;
use crate::opcode::{op, operand_bytes};
use crate::scanner::{Scanner, Token, TokenKind};

/// How deeply expressions, statements and function bodies may nest. Every level of nesting is
/// one level of recursion in this parser; the limit keeps it far from the Rust stack's end.
pub const MAX_NESTING: usize = 200;

const MAX_LOCALS: usize = 256;
const MAX_UPVALUES: usize = 256;
const MAX_CONSTANTS: usize = 256;

/// Compiles a whole script. On failure returns every reported error line, in order, formatted
/// as clox prints them (`[line N] Error at 'x': message`).
pub fn compile(source: &str, globals: &mut GlobalNames) -> Result<FunctionCode, Vec<String>> {
    match compile_bounded(source, globals, usize::MAX, &|| false) {
        Ok(code) => Ok(code),
        Err(CompileEnd::Errors(errors)) => Err(errors),
        Err(CompileEnd::OutOfMemory) => Err(vec![OUT_OF_MEMORY.to_string()]),
        Err(CompileEnd::Stopped) => Err(Vec::new()),
    }
}

/// The message of a compilation stopped by its memory budget (a runtime error, as for any
/// other memory the script makes the runtime hold).
pub const OUT_OF_MEMORY: &str = "Out of memory.";

/// Why [`compile_bounded`] produced no code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompileEnd {
    /// Compile errors, each a line as clox prints it.
    Errors(Vec<String>),
    /// `stop` returned true: the host gave up (a deadline, an interrupt) before the end.
    Stopped,
    /// The compiled code (and what loading it will copy), the global names it added and the
    /// error messages came to more than the budget.
    OutOfMemory,
}

/// Tokens compiled between two calls of [`compile_bounded`]'s `stop`: a few hundred
/// microseconds of work, so a 40 MB script stops within milliseconds of a deadline.
pub const STOP_CHECK_TOKENS: u32 = 1 << 14;

/// A loaded string constant's object beyond its text (header, fields, intern-table entry),
/// roughly: the budget need not be exact, only proportional.
const CONSTANT_STRING_OBJECT_BYTES: usize = 64;

/// Bytes one emitted code byte costs until the program runs: the byte and its line here,
/// then again in the loaded prototype with its inline-cache hint.
const BYTES_PER_CODE_BYTE: usize =
    2 * (1 + std::mem::size_of::<u32>()) + std::mem::size_of::<crate::table::Hint>();

/// [`compile`] under two bounds a host sets: what it builds may make the runtime hold at most
/// `budget` bytes ([`CompileEnd::OutOfMemory`] past it: the rest of the input is skipped), and
/// every [`STOP_CHECK_TOKENS`] tokens it asks `stop` whether to give up
/// ([`CompileEnd::Stopped`]): compiling a huge script takes seconds, and `--timeout` and
/// signals must bound that too.
pub fn compile_bounded(
    source: &str,
    globals: &mut GlobalNames,
    budget: usize,
    stop: &dyn Fn() -> bool,
) -> Result<FunctionCode, CompileEnd> {
    let names_before = globals.bytes();
    let mut c = Compiler {
        stop,
        tokens: 0,
        stopped: false,
        spent: 0,
        budget: budget.saturating_add(names_before),
        out_of_memory: false,
        scanner: Scanner::new(source),
        current: Token::synthetic(""),
        previous: Token::synthetic(""),
        panic_mode: false,
        errors: Vec::new(),
        functions: Vec::new(),
        classes: Vec::new(),
        globals,
        nesting: 0,
    };
    c.begin_function(FunctionKind::Script, None);
    c.advance();
    while !c.matches(TokenKind::Eof) {
        c.declaration();
    }
    let (function, _) = c.end_function();
    // The new global names are charged here (as they may be added without any code).
    if !c.out_of_memory && !c.stopped {
        c.check_budget();
    }
    if c.stopped {
        Err(CompileEnd::Stopped)
    } else if c.out_of_memory {
        Err(CompileEnd::OutOfMemory)
    } else if c.errors.is_empty() {
        Ok(function)
    } else {
        Err(CompileEnd::Errors(c.errors))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FunctionKind {
    Script,
    Function,
    Method,
    Initializer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    None,
    Assignment,
    Or,
    And,
    Equality,
    Comparison,
    Term,
    Factor,
    Unary,
    Call,
    Primary,
}

impl Prec {
    fn next(self) -> Prec {
        use Prec::*;
        match self {
            None => Assignment,
            Assignment => Or,
            Or => And,
            And => Equality,
            Equality => Comparison,
            Comparison => Term,
            Term => Factor,
            Factor => Unary,
            Unary => Call,
            Call | Primary => Primary,
        }
    }

    fn of_infix(kind: TokenKind) -> Prec {
        use TokenKind as T;
        match kind {
            T::LeftParen | T::Dot => Prec::Call,
            T::Minus | T::Plus => Prec::Term,
            T::Slash | T::Star => Prec::Factor,
            T::BangEqual | T::EqualEqual => Prec::Equality,
            T::Greater | T::GreaterEqual | T::Less | T::LessEqual => Prec::Comparison,
            T::And => Prec::And,
            T::Or => Prec::Or,
            _ => Prec::None,
        }
    }
}

struct Local<'src> {
    name: &'src str,
    /// `None` while the initializer is being compiled.
    depth: Option<u32>,
    is_captured: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
struct UpvalueRef {
    index: u8,
    is_local: bool,
}

struct FunctionState<'src> {
    code: FunctionCode,
    kind: FunctionKind,
    locals: Vec<Local<'src>>,
    upvalues: Vec<UpvalueRef>,
    /// The captured variables' names, by upvalue index (for heap snapshots).
    upvalue_names: Vec<&'src str>,
    scope_depth: u32,
    /// Where the last `GET_LOCAL` or store (`SET_LOCAL`, `SET_GLOBAL`, `SET_PROPERTY`)
    /// starts: the instructions a following one may fuse with (see [`Compiler::last_op`]).
    last_op: usize,
    /// The offset the last patched forward jump lands on.
    last_jump_target: usize,
}

struct ClassState<'src> {
    name: &'src str,
    has_superclass: bool,
}

struct Compiler<'src, 'g> {
    /// Asked every [`STOP_CHECK_TOKENS`] tokens whether to give up ([`compile_bounded`]).
    stop: &'g dyn Fn() -> bool,
    /// Tokens scanned, for spacing the calls of `stop`.
    tokens: u32,
    /// `stop` said yes: the rest of the input reads as its end, so the parser unwinds at
    /// once through its ordinary end-of-input paths.
    stopped: bool,
    /// Bytes the output (with its loaded copy), the new global names and the error
    /// messages will hold, checked against `budget` (which includes the names' bytes
    /// before compiling).
    spent: usize,
    budget: usize,
    /// The budget ran out: the rest of the input is skipped.
    out_of_memory: bool,
    scanner: Scanner<'src>,
    current: Token<'src>,
    previous: Token<'src>,
    panic_mode: bool,
    errors: Vec<String>,
    functions: Vec<FunctionState<'src>>,
    classes: Vec<ClassState<'src>>,
    globals: &'g mut GlobalNames,
    nesting: usize,
}

impl<'src> Compiler<'src, '_> {
    // ---- token handling and errors ----

    fn advance(&mut self) {
        self.previous = self.current;
        self.tokens = self.tokens.wrapping_add(1);
        if self.tokens.is_multiple_of(STOP_CHECK_TOKENS) && !self.stopped && (self.stop)() {
            self.stopped = true;
        }
        if self.stopped {
            self.current = Token {
                kind: TokenKind::Eof,
                lexeme: "",
                line: self.previous.line,
            };
            return;
        }
        loop {
            self.current = self.scanner.scan_token();
            if self.current.kind != TokenKind::Error {
                break;
            }
            let message = self.current.lexeme;
            self.error_at_current(message);
        }
    }

    fn consume(&mut self, kind: TokenKind, message: &str) {
        if self.current.kind == kind {
            self.advance();
        } else {
            self.error_at_current(message);
        }
    }

    fn check(&self, kind: TokenKind) -> bool {
        self.current.kind == kind
    }

    fn matches(&mut self, kind: TokenKind) -> bool {
        if !self.check(kind) {
            return false;
        }
        self.advance();
        true
    }

    fn error_at_current(&mut self, message: &str) {
        let token = self.current;
        self.error_at(token, message);
    }

    fn error(&mut self, message: &str) {
        let token = self.previous;
        self.error_at(token, message);
    }

    fn error_at(&mut self, token: Token<'src>, message: &str) {
        if self.panic_mode {
            return;
        }
        self.panic_mode = true;
        let location = match token.kind {
            TokenKind::Eof => " at end".to_string(),
            TokenKind::Error => String::new(),
            _ => format!(" at '{}'", token.lexeme),
        };
        let error = format!("[line {}] Error{location}: {message}", token.line);
        self.charge(error.len() + std::mem::size_of::<String>());
        self.errors.push(error);
    }

    /// Counts `bytes` more of output against the budget; past it, stops compiling: the
    /// rest of the input is skipped as after too much nesting (see `enter_nesting`).
    #[inline]
    fn charge(&mut self, bytes: usize) {
        self.spent += bytes;
        if self.spent > self.budget && !self.out_of_memory {
            self.check_budget();
        }
    }

    #[cold]
    fn check_budget(&mut self) {
        // The global names the program added count too (the table keeps them).
        if self.spent.saturating_add(self.globals.bytes()) <= self.budget {
            return;
        }
        self.out_of_memory = true;
        while self.current.kind != TokenKind::Eof {
            self.advance();
        }
    }

    fn synchronize(&mut self) {
        self.panic_mode = false;
        use TokenKind as T;
        while self.current.kind != T::Eof {
            if self.previous.kind == T::Semicolon {
                return;
            }
            match self.current.kind {
                T::Class | T::Fun | T::Var | T::For | T::If | T::While | T::Print | T::Return => {
                    return
                }
                _ => self.advance(),
            }
        }
    }

    /// Enters one level of nesting; false (with an error reported) when the limit is reached.
    /// Past the limit nothing more of the input can be compiled sensibly, so the rest of it is
    /// skipped: every parsing loop ends at the end of input, which guarantees termination
    /// (a refused level consumes no token, and loops such as a class body's would otherwise
    /// retry the same token forever).
    fn enter_nesting(&mut self) -> bool {
        if self.nesting >= MAX_NESTING {
            self.error_at_current("Too much nesting.");
            while self.current.kind != TokenKind::Eof {
                self.advance();
            }
            return false;
        }
        self.nesting += 1;
        true
    }

    fn leave_nesting(&mut self) {
        self.nesting -= 1;
    }

    // ---- emitting code ----

    fn state(&mut self) -> &mut FunctionState<'src> {
        self.functions
            .last_mut()
            .expect("a function is always being compiled")
    }

    fn code(&mut self) -> &mut FunctionCode {
        &mut self.state().code
    }

    fn emit(&mut self, byte: u8) {
        let line = self.previous.line;
        self.code().write(byte, line);
        self.charge(BYTES_PER_CODE_BYTE);
    }

    fn emit2(&mut self, a: u8, b: u8) {
        self.emit(a);
        self.emit(b);
    }

    fn emit_u16(&mut self, opcode: u8, operand: u16) {
        let [hi, lo] = operand.to_be_bytes();
        self.emit(opcode);
        self.emit2(hi, lo);
    }

    fn emit_return(&mut self) {
        if self.state().kind == FunctionKind::Initializer {
            self.emit(op::RETURN_RECEIVER);
        } else {
            self.emit(op::RETURN_NIL);
        }
    }

    fn make_constant(&mut self, constant: Constant) -> u8 {
        let constants = &mut self.code().constants;
        // Reuse an equal string constant: names repeat a lot (every `.field`, every method).
        // Numbers are never shared, as in clox (the suite's `limit/no_reuse_constants` checks
        // that 256 uses of `1` overflow the constant table).
        let existing = constants.iter().position(|c| match (c, &constant) {
            (Constant::String(a), Constant::String(b)) => a == b,
            _ => false,
        });
        let index = existing.unwrap_or(constants.len());
        if index >= MAX_CONSTANTS {
            self.error("Too many constants in one chunk.");
            return 0;
        }
        if existing.is_none() {
            // The constant here, then its loaded value: a string's text twice (here and
            // interned, with the string object), a function's names twice (here and in its
            // prototype; its code was counted as it was emitted).
            let text = match &constant {
                Constant::Number(_) => 0,
                Constant::String(s) => s.len() + CONSTANT_STRING_OBJECT_BYTES,
                Constant::Function(f) => {
                    f.name.as_deref().map_or(0, str::len)
                        + f.qualified_name.as_deref().map_or(0, str::len)
                        + std::mem::size_of::<FunctionCode>()
                }
            };
            self.charge(std::mem::size_of::<Constant>() + std::mem::size_of::<u64>() + 2 * text);
            self.code().constants.push(constant);
        }
        index as u8
    }

    fn emit_constant(&mut self, constant: Constant) {
        let k = self.make_constant(constant);
        self.emit2(op::CONSTANT, k);
    }

    fn emit_jump(&mut self, opcode: u8) -> usize {
        self.emit_u16(opcode, 0xffff);
        self.code().code.len() - 2
    }

    fn patch_jump(&mut self, at: usize) {
        let distance = self.code().code.len() - at - 2;
        let Ok(distance) = u16::try_from(distance) else {
            self.error("Too much code to jump over.");
            return;
        };
        let [hi, lo] = distance.to_be_bytes();
        let state = self.state();
        state.last_jump_target = state.code.code.len();
        let code = &mut state.code.code;
        code[at] = hi;
        code[at + 1] = lo;
    }

    /// Emits `opcode` and its operand bytes, remembering where it starts for [`Self::last_op`].
    fn emit_fusable(&mut self, opcode: u8, operands: &[u8]) {
        let at = self.code().code.len();
        self.state().last_op = at;
        self.emit(opcode);
        for &byte in operands {
            self.emit(byte);
        }
    }

    /// Where the code's last instruction starts, if it is one of `opcodes` emitted by
    /// [`Self::emit_fusable`] and no jump lands after it: then it can be rewritten into a
    /// fused instruction together with the one about to be emitted, because nothing can reach
    /// that next instruction except by running this one.
    fn last_op(&mut self, opcodes: &[u8]) -> Option<usize> {
        let state = self.state();
        let code = &state.code.code;
        let at = state.last_op;
        let opcode = *code.get(at)?;
        let end = at + 1 + operand_bytes(opcode)?;
        (opcodes.contains(&opcode) && end == code.len() && state.last_jump_target != end)
            .then_some(at)
    }

    fn emit_loop(&mut self, loop_start: usize) {
        let distance = self.code().code.len() - loop_start + 3;
        let distance = u16::try_from(distance).unwrap_or_else(|_| {
            self.error("Loop body too large.");
            0
        });
        self.emit_u16(op::LOOP, distance);
    }

    // ---- functions and scopes ----

    fn begin_function(&mut self, kind: FunctionKind, name: Option<&str>) {
        let slot_zero = match kind {
            FunctionKind::Method | FunctionKind::Initializer => "this",
            FunctionKind::Function | FunctionKind::Script => "",
        };
        // Methods are `Class.method` in profiles and snapshots (stack traces keep clox's `m()`).
        let qualified = match (kind, self.classes.last(), name) {
            (FunctionKind::Method | FunctionKind::Initializer, Some(class), Some(name)) => {
                Some(format!("{}.{name}", class.name).into_boxed_str())
            }
            _ => name.map(Into::into),
        };
        self.functions.push(FunctionState {
            code: FunctionCode {
                name: name.map(Into::into),
                qualified_name: qualified,
                ..FunctionCode::default()
            },
            kind,
            locals: vec![Local {
                name: slot_zero,
                depth: Some(0),
                is_captured: false,
            }],
            upvalues: Vec::new(),
            upvalue_names: Vec::new(),
            scope_depth: 0,
            last_op: usize::MAX,
            last_jump_target: usize::MAX,
        });
    }

    fn end_function(&mut self) -> (FunctionCode, Vec<UpvalueRef>) {
        self.emit_return();
        let state = self.functions.pop().expect("begin_function pushed it");
        let mut code = state.code;
        code.upvalue_count = state.upvalues.len() as u16;
        code.upvalue_names = state.upvalue_names.iter().map(|&n| n.into()).collect();
        (code, state.upvalues)
    }

    fn begin_scope(&mut self) {
        self.state().scope_depth += 1;
    }

    fn end_scope(&mut self) {
        let state = self.state();
        state.scope_depth -= 1;
        let depth = state.scope_depth;
        while let Some(local) = self.state().locals.last() {
            if local.depth.is_some_and(|d| d <= depth) {
                break;
            }
            let captured = local.is_captured;
            self.state().locals.pop();
            self.emit(if captured { op::CLOSE_UPVALUE } else { op::POP });
        }
    }

    fn add_local(&mut self, name: &'src str) {
        if self.state().locals.len() >= MAX_LOCALS {
            self.error("Too many local variables in function.");
            return;
        }
        self.state().locals.push(Local {
            name,
            depth: None,
            is_captured: false,
        });
    }

    fn declare_variable(&mut self) {
        if self.state().scope_depth == 0 {
            return;
        }
        let name = self.previous.lexeme;
        let depth = self.state().scope_depth;
        let duplicate = self
            .state()
            .locals
            .iter()
            .rev()
            .take_while(|l| l.depth.is_none_or(|d| d >= depth))
            .any(|l| l.name == name);
        if duplicate {
            self.error("Already a variable with this name in this scope.");
        }
        self.add_local(name);
    }

    fn global_slot(&mut self, name: &str) -> u16 {
        match self.globals.slot(name) {
            Some(slot) => slot,
            None => {
                self.error("Too many global variables.");
                0
            }
        }
    }

    /// Parses a variable name; returns its global slot (unused for locals).
    fn parse_variable(&mut self, message: &str) -> u16 {
        self.consume(TokenKind::Identifier, message);
        self.declare_variable();
        if self.state().scope_depth > 0 {
            return 0;
        }
        let name = self.previous.lexeme;
        self.global_slot(name)
    }

    fn mark_initialized(&mut self) {
        let state = self.state();
        if state.scope_depth == 0 {
            return;
        }
        let depth = state.scope_depth;
        if let Some(local) = state.locals.last_mut() {
            local.depth = Some(depth);
        }
    }

    fn define_variable(&mut self, global: u16) {
        if self.state().scope_depth > 0 {
            self.mark_initialized();
            return;
        }
        self.emit_u16(op::DEFINE_GLOBAL, global);
    }

    fn resolve_local(&mut self, level: usize, name: &str) -> Option<u8> {
        let found = self.functions[level]
            .locals
            .iter()
            .enumerate()
            .rev()
            .find(|(_, l)| l.name == name)
            .map(|(i, l)| (i, l.depth.is_none()));
        let (index, uninitialized) = found?;
        if uninitialized {
            self.error("Can't read local variable in its own initializer.");
        }
        Some(index as u8)
    }

    fn add_upvalue(&mut self, level: usize, upvalue: UpvalueRef, name: &'src str) -> u8 {
        let upvalues = &self.functions[level].upvalues;
        if let Some(i) = upvalues.iter().position(|u| *u == upvalue) {
            return i as u8;
        }
        if upvalues.len() >= MAX_UPVALUES {
            self.error("Too many closure variables in function.");
            return 0;
        }
        self.functions[level].upvalues.push(upvalue);
        self.functions[level].upvalue_names.push(name);
        (self.functions[level].upvalues.len() - 1) as u8
    }

    fn resolve_upvalue(&mut self, level: usize, name: &'src str) -> Option<u8> {
        if level == 0 {
            return None;
        }
        if let Some(index) = self.resolve_local(level - 1, name) {
            self.functions[level - 1].locals[usize::from(index)].is_captured = true;
            let upvalue = UpvalueRef {
                index,
                is_local: true,
            };
            return Some(self.add_upvalue(level, upvalue, name));
        }
        let index = self.resolve_upvalue(level - 1, name)?;
        let upvalue = UpvalueRef {
            index,
            is_local: false,
        };
        Some(self.add_upvalue(level, upvalue, name))
    }

    // ---- declarations and statements ----

    fn declaration(&mut self) {
        if self.matches(TokenKind::Class) {
            self.class_declaration();
        } else if self.matches(TokenKind::Fun) {
            self.fun_declaration();
        } else if self.matches(TokenKind::Var) {
            self.var_declaration();
        } else {
            self.statement();
        }
        if self.panic_mode {
            self.synchronize();
        }
    }

    fn class_declaration(&mut self) {
        self.consume(TokenKind::Identifier, "Expect class name.");
        let class_name = self.previous;
        let name_constant = self.make_constant(Constant::String(class_name.lexeme.into()));
        self.declare_variable();
        let global = if self.state().scope_depth == 0 {
            self.global_slot(class_name.lexeme)
        } else {
            0
        };
        self.emit2(op::CLASS, name_constant);
        self.define_variable(global);

        self.classes.push(ClassState {
            name: class_name.lexeme,
            has_superclass: false,
        });

        if self.matches(TokenKind::Less) {
            self.consume(TokenKind::Identifier, "Expect superclass name.");
            self.variable(false);
            if class_name.lexeme == self.previous.lexeme {
                self.error("A class can't inherit from itself.");
            }
            self.begin_scope();
            self.add_local("super");
            self.define_variable(0);
            self.named_variable(class_name, false);
            self.emit(op::INHERIT);
            if let Some(class) = self.classes.last_mut() {
                class.has_superclass = true;
            }
        }

        self.named_variable(class_name, false);
        self.consume(TokenKind::LeftBrace, "Expect '{' before class body.");
        while !self.check(TokenKind::RightBrace) && !self.check(TokenKind::Eof) {
            self.method();
        }
        self.consume(TokenKind::RightBrace, "Expect '}' after class body.");
        self.emit(op::POP);

        let class = self.classes.pop().expect("pushed above");
        if class.has_superclass {
            self.end_scope();
        }
    }

    fn method(&mut self) {
        self.consume(TokenKind::Identifier, "Expect method name.");
        let name = self.previous.lexeme;
        let constant = self.make_constant(Constant::String(name.into()));
        let kind = if name == "init" {
            FunctionKind::Initializer
        } else {
            FunctionKind::Method
        };
        self.function(kind);
        self.emit2(op::METHOD, constant);
    }

    fn fun_declaration(&mut self) {
        let global = self.parse_variable("Expect function name.");
        self.mark_initialized();
        self.function(FunctionKind::Function);
        self.define_variable(global);
    }

    fn function(&mut self, kind: FunctionKind) {
        if !self.enter_nesting() {
            return;
        }
        let name = self.previous.lexeme;
        self.begin_function(kind, Some(name));
        self.begin_scope();

        self.consume(TokenKind::LeftParen, "Expect '(' after function name.");
        if !self.check(TokenKind::RightParen) {
            loop {
                let arity = self.state().code.arity;
                if arity == 255 {
                    self.error_at_current("Can't have more than 255 parameters.");
                } else {
                    self.state().code.arity = arity + 1;
                }
                let global = self.parse_variable("Expect parameter name.");
                self.define_variable(global);
                if !self.matches(TokenKind::Comma) {
                    break;
                }
            }
        }
        self.consume(TokenKind::RightParen, "Expect ')' after parameters.");
        self.consume(TokenKind::LeftBrace, "Expect '{' before function body.");
        self.block();

        let (code, upvalues) = self.end_function();
        let constant = self.make_constant(Constant::Function(Box::new(code)));
        self.emit2(op::CLOSURE, constant);
        let [hi, lo] = (upvalues.len() as u16).to_be_bytes();
        self.emit2(hi, lo);
        for upvalue in upvalues {
            self.emit2(u8::from(upvalue.is_local), upvalue.index);
        }
        self.leave_nesting();
    }

    fn var_declaration(&mut self) {
        let global = self.parse_variable("Expect variable name.");
        if self.matches(TokenKind::Equal) {
            self.expression();
        } else {
            self.emit(op::NIL);
        }
        self.consume(
            TokenKind::Semicolon,
            "Expect ';' after variable declaration.",
        );
        self.define_variable(global);
    }

    fn statement(&mut self) {
        if !self.enter_nesting() {
            return;
        }
        use TokenKind as T;
        if self.matches(T::Print) {
            self.print_statement();
        } else if self.matches(T::For) {
            self.for_statement();
        } else if self.matches(T::If) {
            self.if_statement();
        } else if self.matches(T::Return) {
            self.return_statement();
        } else if self.matches(T::While) {
            self.while_statement();
        } else if self.matches(T::LeftBrace) {
            self.begin_scope();
            self.block();
            self.end_scope();
        } else {
            self.expression_statement();
        }
        self.leave_nesting();
    }

    fn block(&mut self) {
        while !self.check(TokenKind::RightBrace) && !self.check(TokenKind::Eof) {
            self.declaration();
        }
        self.consume(TokenKind::RightBrace, "Expect '}' after block.");
    }

    fn print_statement(&mut self) {
        self.expression();
        self.consume(TokenKind::Semicolon, "Expect ';' after value.");
        self.emit(op::PRINT);
    }

    fn expression_statement(&mut self) {
        self.expression();
        self.consume(TokenKind::Semicolon, "Expect ';' after expression.");
        self.emit_discard();
    }

    /// Pops the value of the expression just compiled. An assignment's store and the pop
    /// become one instruction (statements like `x = v;`, a `for` loop's `i = i + 1`).
    fn emit_discard(&mut self) {
        if let Some(at) = self.last_op(&[op::SET_LOCAL, op::SET_GLOBAL, op::SET_PROPERTY]) {
            let code = &mut self.code().code;
            code[at] = match code[at] {
                op::SET_LOCAL => op::SET_LOCAL_POP,
                op::SET_GLOBAL => op::SET_GLOBAL_POP,
                _ => op::SET_PROPERTY_POP,
            };
            return;
        }
        self.emit(op::POP);
    }

    fn return_statement(&mut self) {
        if self.state().kind == FunctionKind::Script {
            self.error("Can't return from top-level code.");
        }
        if self.matches(TokenKind::Semicolon) {
            self.emit_return();
        } else {
            if self.state().kind == FunctionKind::Initializer {
                self.error("Can't return a value from an initializer.");
            }
            self.expression();
            self.consume(TokenKind::Semicolon, "Expect ';' after return value.");
            self.emit(op::RETURN);
        }
    }

    fn if_statement(&mut self) {
        self.consume(TokenKind::LeftParen, "Expect '(' after 'if'.");
        self.expression();
        self.consume(TokenKind::RightParen, "Expect ')' after condition.");

        let then_jump = self.emit_jump(op::POP_JUMP_IF_FALSE);
        self.statement();
        // The then-jump is patched before `else` is consumed, so a jump that is too far is
        // reported at the then-branch's last token, as clox reports it.
        if self.check(TokenKind::Else) {
            let else_jump = self.emit_jump(op::JUMP);
            self.patch_jump(then_jump);
            self.advance();
            self.statement();
            self.patch_jump(else_jump);
        } else {
            self.patch_jump(then_jump);
        }
    }

    fn while_statement(&mut self) {
        let loop_start = self.code().code.len();
        self.consume(TokenKind::LeftParen, "Expect '(' after 'while'.");
        self.expression();
        self.consume(TokenKind::RightParen, "Expect ')' after condition.");

        let exit_jump = self.emit_jump(op::POP_JUMP_IF_FALSE);
        self.statement();
        self.emit_loop(loop_start);
        self.patch_jump(exit_jump);
    }

    fn for_statement(&mut self) {
        self.begin_scope();
        self.consume(TokenKind::LeftParen, "Expect '(' after 'for'.");
        if self.matches(TokenKind::Semicolon) {
            // No initializer.
        } else if self.matches(TokenKind::Var) {
            self.var_declaration();
        } else {
            self.expression_statement();
        }

        let mut loop_start = self.code().code.len();
        let mut exit_jump = None;
        if !self.matches(TokenKind::Semicolon) {
            self.expression();
            self.consume(TokenKind::Semicolon, "Expect ';' after loop condition.");
            exit_jump = Some(self.emit_jump(op::POP_JUMP_IF_FALSE));
        }

        if !self.matches(TokenKind::RightParen) {
            let body_jump = self.emit_jump(op::JUMP);
            let increment_start = self.code().code.len();
            self.expression();
            self.emit_discard();
            self.consume(TokenKind::RightParen, "Expect ')' after for clauses.");
            self.emit_loop(loop_start);
            loop_start = increment_start;
            self.patch_jump(body_jump);
        }

        self.statement();
        self.emit_loop(loop_start);
        if let Some(exit_jump) = exit_jump {
            self.patch_jump(exit_jump);
        }
        self.end_scope();
    }

    // ---- expressions ----

    fn expression(&mut self) {
        self.parse_precedence(Prec::Assignment);
    }

    fn parse_precedence(&mut self, prec: Prec) {
        if !self.enter_nesting() {
            return;
        }
        self.advance();
        let can_assign = prec <= Prec::Assignment;
        if !self.prefix(self.previous.kind, can_assign) {
            self.error("Expect expression.");
            self.leave_nesting();
            return;
        }
        while prec <= Prec::of_infix(self.current.kind) {
            self.advance();
            self.infix(self.previous.kind, can_assign);
        }
        if can_assign && self.matches(TokenKind::Equal) {
            self.error("Invalid assignment target.");
        }
        self.leave_nesting();
    }

    /// Compiles a prefix expression; false if the token cannot start one.
    fn prefix(&mut self, kind: TokenKind, can_assign: bool) -> bool {
        use TokenKind as T;
        match kind {
            T::LeftParen => self.grouping(),
            T::Minus | T::Bang => self.unary(kind),
            T::Number => self.number(),
            T::String => self.string(),
            T::Nil => self.emit(op::NIL),
            T::True => self.emit(op::TRUE),
            T::False => self.emit(op::FALSE),
            T::Identifier => self.variable(can_assign),
            T::This => self.this(),
            T::Super => self.super_(),
            _ => return false,
        }
        true
    }

    fn infix(&mut self, kind: TokenKind, can_assign: bool) {
        use TokenKind as T;
        match kind {
            T::LeftParen => {
                let argc = self.argument_list();
                self.emit2(op::CALL, argc);
            }
            T::Dot => self.dot(can_assign),
            T::And => self.and(),
            T::Or => self.or(),
            _ => self.binary(kind),
        }
    }

    fn grouping(&mut self) {
        self.expression();
        self.consume(TokenKind::RightParen, "Expect ')' after expression.");
    }

    fn number(&mut self) {
        let value = self.previous.lexeme.parse::<f64>().unwrap_or(f64::NAN);
        self.emit_constant(Constant::Number(value));
    }

    fn string(&mut self) {
        let lexeme = self.previous.lexeme;
        let text = &lexeme[1..lexeme.len() - 1];
        self.emit_constant(Constant::String(text.into()));
    }

    fn unary(&mut self, kind: TokenKind) {
        self.parse_precedence(Prec::Unary);
        self.emit(if kind == TokenKind::Minus {
            op::NEGATE
        } else {
            op::NOT
        });
    }

    fn binary(&mut self, kind: TokenKind) {
        let right_start = self.code().code.len();
        self.parse_precedence(Prec::of_infix(kind).next());
        use TokenKind as T;
        let fused = match kind {
            T::Plus => Some(op::ADD_NUMBER),
            T::Minus => Some(op::SUBTRACT_NUMBER),
            T::Less => Some(op::LESS_NUMBER),
            T::Greater => Some(op::GREATER_NUMBER),
            _ => None,
        };
        if let Some(fused) = fused {
            if let Some(k) = self.number_constant_since(right_start) {
                // `CONSTANT k` + the operator become one instruction. Nothing jumps into the
                // right operand: it is that one instruction.
                let code = self.code();
                code.code.truncate(right_start);
                code.lines.truncate(right_start);
                self.emit2(fused, k);
                return;
            }
        }
        match kind {
            T::BangEqual => self.emit2(op::EQUAL, op::NOT),
            T::EqualEqual => self.emit(op::EQUAL),
            T::Greater => self.emit(op::GREATER),
            T::GreaterEqual => self.emit2(op::LESS, op::NOT),
            T::Less => self.emit(op::LESS),
            T::LessEqual => self.emit2(op::GREATER, op::NOT),
            T::Plus => self.emit(op::ADD),
            T::Minus => self.emit(op::SUBTRACT),
            T::Star => self.emit(op::MULTIPLY),
            T::Slash => self.emit(op::DIVIDE),
            _ => unreachable!("binary() is only called for binary operators"),
        }
    }

    /// The constant index if the code from `start` on is exactly `CONSTANT k` for a number.
    fn number_constant_since(&mut self, start: usize) -> Option<u8> {
        let code = self.code();
        match code.code[start..] {
            [op::CONSTANT, k] => matches!(
                code.constants.get(usize::from(k)),
                Some(Constant::Number(_))
            )
            .then_some(k),
            _ => None,
        }
    }

    fn and(&mut self) {
        let end_jump = self.emit_jump(op::JUMP_IF_FALSE);
        self.emit(op::POP);
        self.parse_precedence(Prec::And);
        self.patch_jump(end_jump);
    }

    fn or(&mut self) {
        let else_jump = self.emit_jump(op::JUMP_IF_FALSE);
        let end_jump = self.emit_jump(op::JUMP);
        self.patch_jump(else_jump);
        self.emit(op::POP);
        self.parse_precedence(Prec::Or);
        self.patch_jump(end_jump);
    }

    fn argument_list(&mut self) -> u8 {
        let mut argc: u8 = 0;
        if !self.check(TokenKind::RightParen) {
            loop {
                self.expression();
                if argc == 255 {
                    self.error("Can't have more than 255 arguments.");
                } else {
                    argc += 1;
                }
                if !self.matches(TokenKind::Comma) {
                    break;
                }
            }
        }
        self.consume(TokenKind::RightParen, "Expect ')' after arguments.");
        argc
    }

    fn dot(&mut self, can_assign: bool) {
        self.consume(TokenKind::Identifier, "Expect property name after '.'.");
        let name = self.make_constant(Constant::String(self.previous.lexeme.into()));
        if can_assign && self.matches(TokenKind::Equal) {
            self.expression();
            self.emit_fusable(op::SET_PROPERTY, &[name]);
        } else if self.matches(TokenKind::LeftParen) {
            let argc = self.argument_list();
            self.emit2(op::INVOKE, name);
            self.emit(argc);
        } else if let Some(at) = self.last_op(&[op::GET_LOCAL]) {
            // `local.name` (`this.name` in a method) in one instruction.
            self.code().code[at] = op::GET_LOCAL_PROPERTY;
            self.emit(name);
        } else {
            self.emit2(op::GET_PROPERTY, name);
        }
    }

    fn variable(&mut self, can_assign: bool) {
        self.named_variable(self.previous, can_assign);
    }

    fn named_variable(&mut self, name: Token<'src>, can_assign: bool) {
        let level = self.functions.len() - 1;
        let (get, set, operand): (u8, u8, Operand) =
            if let Some(slot) = self.resolve_local(level, name.lexeme) {
                (op::GET_LOCAL, op::SET_LOCAL, Operand::Byte(slot))
            } else if let Some(index) = self.resolve_upvalue(level, name.lexeme) {
                (op::GET_UPVALUE, op::SET_UPVALUE, Operand::Byte(index))
            } else {
                let slot = self.global_slot(name.lexeme);
                (op::GET_GLOBAL, op::SET_GLOBAL, Operand::Wide(slot))
            };
        let opcode = if can_assign && self.matches(TokenKind::Equal) {
            self.expression();
            set
        } else {
            get
        };
        match operand {
            Operand::Byte(b) => self.emit_fusable(opcode, &[b]),
            Operand::Wide(w) => self.emit_fusable(opcode, &w.to_be_bytes()),
        }
    }

    fn this(&mut self) {
        if self.classes.is_empty() {
            self.error("Can't use 'this' outside of a class.");
            return;
        }
        self.variable(false);
    }

    fn super_(&mut self) {
        match self.classes.last() {
            None => self.error("Can't use 'super' outside of a class."),
            Some(class) if !class.has_superclass => {
                self.error("Can't use 'super' in a class with no superclass.")
            }
            Some(_) => {}
        }
        self.consume(TokenKind::Dot, "Expect '.' after 'super'.");
        self.consume(TokenKind::Identifier, "Expect superclass method name.");
        let name = self.make_constant(Constant::String(self.previous.lexeme.into()));

        self.named_variable(Token::synthetic("this"), false);
        if self.matches(TokenKind::LeftParen) {
            let argc = self.argument_list();
            self.named_variable(Token::synthetic("super"), false);
            self.emit2(op::SUPER_INVOKE, name);
            self.emit(argc);
        } else {
            self.named_variable(Token::synthetic("super"), false);
            self.emit2(op::GET_SUPER, name);
        }
    }
}

enum Operand {
    Byte(u8),
    Wide(u16),
}
