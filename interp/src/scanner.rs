//! Source text → tokens, on demand (the compiler pulls one token at a time, as in clox).
//!
//! Tokens borrow their lexemes from the source. Scanner errors are tokens of kind
//! [`TokenKind::Error`] whose lexeme is the message; the compiler reports them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    Comma,
    Dot,
    Minus,
    Plus,
    Semicolon,
    Slash,
    Star,
    Bang,
    BangEqual,
    Equal,
    EqualEqual,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    Identifier,
    String,
    Number,
    And,
    Class,
    Else,
    False,
    For,
    Fun,
    If,
    Nil,
    Or,
    Print,
    Return,
    Super,
    This,
    True,
    Var,
    While,
    Error,
    Eof,
}

#[derive(Debug, Clone, Copy)]
pub struct Token<'src> {
    pub kind: TokenKind,
    pub lexeme: &'src str,
    pub line: u32,
}

impl<'src> Token<'src> {
    /// A token that does not come from the source (`this`, `super` in synthesized code).
    pub fn synthetic(lexeme: &'src str) -> Self {
        Token {
            kind: TokenKind::Identifier,
            lexeme,
            line: 0,
        }
    }
}

pub struct Scanner<'src> {
    source: &'src str,
    start: usize,
    current: usize,
    line: u32,
}

impl<'src> Scanner<'src> {
    pub fn new(source: &'src str) -> Self {
        Scanner {
            source,
            start: 0,
            current: 0,
            line: 1,
        }
    }

    pub fn scan_token(&mut self) -> Token<'src> {
        self.skip_whitespace();
        self.start = self.current;
        let Some(c) = self.advance() else {
            return self.make(TokenKind::Eof);
        };
        use TokenKind as T;
        match c {
            b'(' => self.make(T::LeftParen),
            b')' => self.make(T::RightParen),
            b'{' => self.make(T::LeftBrace),
            b'}' => self.make(T::RightBrace),
            b';' => self.make(T::Semicolon),
            b',' => self.make(T::Comma),
            b'.' => self.make(T::Dot),
            b'-' => self.make(T::Minus),
            b'+' => self.make(T::Plus),
            b'/' => self.make(T::Slash),
            b'*' => self.make(T::Star),
            b'!' => self.make_if_eq(T::BangEqual, T::Bang),
            b'=' => self.make_if_eq(T::EqualEqual, T::Equal),
            b'<' => self.make_if_eq(T::LessEqual, T::Less),
            b'>' => self.make_if_eq(T::GreaterEqual, T::Greater),
            b'"' => self.string(),
            b'0'..=b'9' => self.number(),
            c if is_alpha(c) => self.identifier(),
            _ => {
                // Skip the rest of a multi-byte UTF-8 character so it is one error, not several.
                while self.peek().is_some_and(|b| b & 0xC0 == 0x80) {
                    self.current += 1;
                }
                self.error("Unexpected character.")
            }
        }
    }

    fn bytes(&self) -> &'src [u8] {
        self.source.as_bytes()
    }

    fn advance(&mut self) -> Option<u8> {
        let c = *self.bytes().get(self.current)?;
        self.current += 1;
        Some(c)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.current).copied()
    }

    fn peek_next(&self) -> Option<u8> {
        self.bytes().get(self.current + 1).copied()
    }

    fn make(&self, kind: TokenKind) -> Token<'src> {
        Token {
            kind,
            lexeme: &self.source[self.start..self.current],
            line: self.line,
        }
    }

    fn make_if_eq(&mut self, yes: TokenKind, no: TokenKind) -> Token<'src> {
        if self.peek() == Some(b'=') {
            self.current += 1;
            self.make(yes)
        } else {
            self.make(no)
        }
    }

    fn error(&self, message: &'static str) -> Token<'src> {
        Token {
            kind: TokenKind::Error,
            lexeme: message,
            line: self.line,
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\r' | b'\t' => self.current += 1,
                b'\n' => {
                    self.line = self.line.saturating_add(1);
                    self.current += 1;
                }
                b'/' if self.peek_next() == Some(b'/') => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.current += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn string(&mut self) -> Token<'src> {
        while let Some(c) = self.peek() {
            if c == b'"' {
                break;
            }
            if c == b'\n' {
                self.line = self.line.saturating_add(1);
            }
            self.current += 1;
        }
        if self.peek().is_none() {
            return self.error("Unterminated string.");
        }
        self.current += 1;
        self.make(TokenKind::String)
    }

    fn number(&mut self) -> Token<'src> {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.current += 1;
        }
        if self.peek() == Some(b'.') && self.peek_next().is_some_and(|c| c.is_ascii_digit()) {
            self.current += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.current += 1;
            }
        }
        self.make(TokenKind::Number)
    }

    fn identifier(&mut self) -> Token<'src> {
        while self
            .peek()
            .is_some_and(|c| is_alpha(c) || c.is_ascii_digit())
        {
            self.current += 1;
        }
        self.make(keyword(&self.source[self.start..self.current]))
    }
}

fn is_alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn keyword(text: &str) -> TokenKind {
    use TokenKind as T;
    match text {
        "and" => T::And,
        "class" => T::Class,
        "else" => T::Else,
        "false" => T::False,
        "for" => T::For,
        "fun" => T::Fun,
        "if" => T::If,
        "nil" => T::Nil,
        "or" => T::Or,
        "print" => T::Print,
        "return" => T::Return,
        "super" => T::Super,
        "this" => T::This,
        "true" => T::True,
        "var" => T::Var,
        "while" => T::While,
        _ => T::Identifier,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let mut s = Scanner::new(src);
        let mut out = vec![];
        loop {
            let t = s.scan_token();
            out.push(t.kind);
            if t.kind == TokenKind::Eof {
                return out;
            }
        }
    }

    #[test]
    fn scans_operators_keywords_and_literals() {
        use TokenKind as T;
        assert_eq!(
            kinds("var x = 1.5 >= \"s\"; // c\n!= classy"),
            vec![
                T::Var,
                T::Identifier,
                T::Equal,
                T::Number,
                T::GreaterEqual,
                T::String,
                T::Semicolon,
                T::BangEqual,
                T::Identifier,
                T::Eof
            ]
        );
    }

    #[test]
    fn multibyte_character_is_one_error() {
        use TokenKind as T;
        assert_eq!(kinds("é"), vec![T::Error, T::Eof]);
    }

    #[test]
    fn trailing_dot_is_not_part_of_number() {
        let mut s = Scanner::new("12.");
        assert_eq!(s.scan_token().lexeme, "12");
        assert_eq!(s.scan_token().kind, TokenKind::Dot);
    }
}
