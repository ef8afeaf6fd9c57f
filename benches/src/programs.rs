//! The interpreter benchmarks' Lox programs (`lox/interpreter/*.lox`), in the spirit of the
//! book's benchmark suite but written for gclox and sized to run 10–100 ms each.

use gclox_runtime::{sink::Captured, Config, Runtime};

/// One benchmark program, compiled into the binary so a benchmark never reads files.
#[derive(Debug, Clone, Copy)]
pub struct Program {
    pub name: &'static str,
    pub source: &'static str,
}

macro_rules! program {
    ($name:literal) => {
        Program {
            name: $name,
            source: include_str!(concat!("../lox/interpreter/", $name, ".lox")),
        }
    };
}

pub const PROGRAMS: [Program; 6] = [
    program!("fib"),
    program!("method_call"),
    program!("properties"),
    program!("instantiation"),
    program!("string_equality"),
    program!("trees"),
];

impl Program {
    /// Runs the program in a fresh runtime with the default configuration and returns what it
    /// printed. A Lox error is a broken benchmark, so it panics with the error's text.
    pub fn run(&self) -> String {
        let out = Captured::new();
        let mut runtime = Runtime::new(Config::default(), out.writer());
        if let Err(e) = runtime.run_source(self.source) {
            panic!("benchmark program {} failed:\n{e}", self.name);
        }
        out.text()
    }

    /// What the program must print (its `// expect:` comments).
    pub fn expected(&self) -> String {
        crate::expected_output(self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A benchmark that computes the wrong thing measures the wrong thing.
    #[test]
    fn every_program_prints_its_expectation() {
        for program in PROGRAMS {
            assert!(
                !program.expected().is_empty(),
                "{}: no expect",
                program.name
            );
            assert_eq!(program.run(), program.expected(), "{}", program.name);
        }
    }
}
