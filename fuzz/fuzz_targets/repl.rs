//! `cargo fuzz run repl`: see ../README.md. The logic lives in ../src/lib.rs, shared with
//! runtime/tests/fuzz_regressions.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| gclox_fuzz::repl(data));
