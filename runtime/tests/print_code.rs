//! `gclox --print-code`: each function's bytecode in clox's `DEBUG_PRINT_CODE` format, then
//! the script runs, as clox built with that flag does.

use std::path::PathBuf;
use std::process::Command;

fn script(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclox-print-code-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write script");
    path
}

fn run(path: &PathBuf) -> (String, String, Option<i32>) {
    let out = Command::new(env!("CARGO_BIN_EXE_gclox"))
        .arg("--print-code")
        .arg(path)
        .output()
        .expect("gclox runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn lists_every_function_then_runs_the_script() {
    let path = script(
        "listing.lox",
        "class A {\n  m(x) { return x; }\n}\nfun make() {\n  var n = 1;\n  fun get() { return n; }\n  return get;\n}\nprint A().m(2);\nprint make()();\n",
    );
    let (stdout, stderr, code) = run(&path);
    assert_eq!(code, Some(0), "{stderr}");
    let headers: Vec<&str> = stdout.lines().filter(|l| l.starts_with("== ")).collect();
    // As clox: each function when its compiler finishes, so inner before outer, script last.
    assert_eq!(
        headers,
        ["== m ==", "== get ==", "== make ==", "== <script> =="]
    );
    for line in [
        // A method's body: its parameter is slot 1 (slot 0 is `this`).
        "0000    2 OP_GET_LOCAL        1\n0002    | OP_RETURN\n",
        "OP_GET_UPVALUE      0\n",
        // Constant 0 is the number 1; the capture pair follows the closure's 4 bytes.
        "0002    6 OP_CLOSURE          1 <fn get>\n0006      |                     local 1\n",
        "OP_CLASS            0 'A'\n",
        "OP_METHOD           1 'm'\n",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }
    // The listing comes first, then what the program prints.
    assert!(stdout.ends_with("OP_RETURN_NIL\n2\n1\n"), "{stdout}");
}

#[test]
fn a_program_that_does_not_compile_is_not_listed() {
    let path = script("bad.lox", "fun f() { return 1; }\nprint ;\n");
    let (stdout, stderr, code) = run(&path);
    assert_eq!(code, Some(65));
    assert_eq!(stdout, "");
    assert!(stderr.contains("Expect expression."), "{stderr}");
}
