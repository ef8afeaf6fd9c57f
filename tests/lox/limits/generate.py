#!/usr/bin/env python3
"""Regenerates the large limit tests in this folder (run from anywhere: python3 generate.py).

Each generated file is committed; this script only documents how they were made. The byte
counts below follow gclox's encoding, which is clox's plus fused instructions (chunk.rs):
GET_LOCAL/SET_LOCAL take 2 bytes, POP/NIL/FALSE 1 byte, jumps and loops 3 bytes; an `if` or
`while` condition is followed by one POP_JUMP_IF_FALSE (3 bytes, no POPs), and an assignment
statement `x = v;` ends in one SET_LOCAL_POP (2 bytes) instead of SET_LOCAL + POP. So the
largest bodies are a few bytes larger than clox's.
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, lines):
    with open(os.path.join(HERE, name), "w") as f:
        f.write("\n".join(lines) + "\n")


def sum_lines(terms, per_line=16):
    """Splits `terms` (strings) into lines joined by ' + ', returning the lines."""
    out = []
    for i in range(0, len(terms), per_line):
        chunk = " + ".join(terms[i:i + per_line])
        out.append("    " + chunk + (" +" if i + per_line < len(terms) else ""))
    return out


# ---- constants -------------------------------------------------------------------------

# 256 distinct number constants in one function: the most a chunk can hold.
lines = ["// A function whose chunk holds exactly 256 number constants compiles and runs.",
         "fun total() {", "  return"]
lines += sum_lines([str(i) for i in range(256)])
lines[-1] += ";"
lines += ["}", "print total(); // expect: 32640"]
write("constants_256_ok.lox", lines)

# 257 number constants: the 257th literal is reported.
lines = ["// The 257th number constant in one function overflows the constant table.",
         "fun total() {", "  return"]
lines += sum_lines([str(i) for i in range(256)])
lines[-1] += " +"
lines += ["    256 // Error at '256': Too many constants in one chunk.", "  ;", "}"]
write("constants_257.lox", lines)

# Equal numbers are not shared: 257 uses of 1 overflow as well.
lines = ["// Number constants are never shared, so 257 uses of the literal 1 overflow the table.",
         "fun ones() {", "  return"]
lines += sum_lines(["1"] * 256)
lines[-1] += " +"
lines += ["    1 // Error at '1': Too many constants in one chunk.", "  ;", "}"]
write("constants_repeated_number.lox", lines)

# The limit is per chunk: the script and a function may each hold 200 constants.
lines = ["// The constant limit is per function: the script and a function each hold 200 constants.",
         "fun inner() {", "  return"]
lines += sum_lines([str(i) for i in range(200)])
lines[-1] += ";"
lines += ["}", "print inner(); // expect: 19900", "print"]
lines += sum_lines([str(i) for i in range(200, 400)])
lines[-1] += "; // expect: 59900"
write("constants_per_chunk.lox", lines)

# 257 distinct strings overflow too.
lines = ["// 257 distinct string constants in one function overflow the constant table.",
         "fun strings() {", "  return"]
lines += sum_lines(['"s%d"' % i for i in range(256)], per_line=12)
lines[-1] += " +"
lines += ['    "s256" // Error at \'"s256"\': Too many constants in one chunk.', "  ;", "}"]
write("constants_257_strings.lox", lines)

# gclox shares equal string constants within a chunk (clox does not): 300 uses of one
# string and many property names fit in one function.
lines = ["// gclox-specific: equal string constants are shared in a chunk, so 300 uses of \"ab\" fit.",
         "fun repeat() {", "  var s ="]
lines += sum_lines(['"ab"'] * 300, per_line=12)
lines[-1] += ";"
lines += ["  return s;", "}",
          'print repeat() == "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab"'
          ' + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab" + "ab"'
          ' + "ab" + "ab" + "ab"; // expect: false']
write("constants_shared_strings.lox", lines)

# ---- locals ------------------------------------------------------------------------------

# 255 declared locals plus the reserved slot 0 = 256 slots.
lines = ["// A function can declare 255 locals (slot 0 is reserved), all readable.", "fun many() {"]
lines += ["  var l%d = %d;" % (i, i) for i in range(255)]
lines += ["  return"]
lines += sum_lines(["l%d" % i for i in range(255)])
lines[-1] += ";"
lines += ["}", "print many(); // expect: 32385"]
write("locals_255_ok.lox", lines)

lines = ["// The 256th declared local in a function is one too many.", "fun many() {"]
lines += ["  var l%d;" % i for i in range(255)]
lines += ["  var l255; // Error at 'l255': Too many local variables in function."]
lines += ["}"]
write("locals_256.lox", lines)

lines = ["// Top-level blocks share the script's 256 slots (slot 0 reserved), nested blocks included.", "{"]
lines += ["  var a%d;" % i for i in range(128)]
lines += ["  {"]
lines += ["    var b%d;" % i for i in range(127)]
lines += ["    var b127; // Error at 'b127': Too many local variables in function."]
lines += ["  }", "}"]
write("locals_256_nested_blocks.lox", lines)

lines = ["// Slots of a finished block are reused: two sibling blocks of 200 locals each compile.", "{"]
lines += ["  var a%d = %d;" % (i, i) for i in range(200)]
lines += ["  print a0 + a199; // expect: 199", "}", "{"]
lines += ["  var b%d;" % i for i in range(200)]
lines += ["  print b199; // expect: nil", "}"]
write("locals_sibling_blocks.lox", lines)

# ---- upvalues ----------------------------------------------------------------------------

def upvalue_program(count, header, expect_error):
    lines = [header, "fun outer() {"]
    lines += ["  var a%d = 1;" % i for i in range(200)]
    lines += ["  fun middle() {"]
    lines += ["    var b%d = 1;" % i for i in range(100)]
    lines += ["    fun inner() {", "      var sum = 0;"]
    names = ["a%d" % i for i in range(200)] + ["b%d" % i for i in range(100)]
    for i, name in enumerate(names[:count]):
        line = "      sum = sum + %s;" % name
        if expect_error and i == count - 1:
            line += " // Error at '%s': Too many closure variables in function." % name
        lines.append(line)
    lines += ["      return sum;", "    }", "    return inner;", "  }", "  return middle;", "}"]
    if not expect_error:
        lines.append("print outer()()(); // expect: %d" % count)
    return lines


write("upvalues_256_ok.lox", upvalue_program(
    256, "// A closure can capture 256 variables from two enclosing functions.", False))
write("upvalues_257.lox", upvalue_program(
    257, "// Capturing a 257th variable in one closure is an error.", True))

# ---- parameters and arguments ------------------------------------------------------------

params = ", ".join("p%d" % i for i in range(255))
args = ", ".join("a" if i == 0 else "b" if i == 127 else "c" if i == 254 else "nil"
                 for i in range(255))
lines = ["// 255 parameters and 255 arguments are allowed, for functions and methods.",
         "fun f(%s) {" % params, "  return p0 + p127 + p254;", "}",
         "class K {", "  m(%s) {" % params, "    return p254 + p127 + p0;", "  }", "}",
         "fun caller() {", "  var a = 1;", "  var b = 10;", "  var c = 100;",
         "  print f(%s); // expect: 111" % args,
         "  print K().m(%s); // expect: 111" % args, "}", "caller();"]
write("parameters_255_ok.lox", lines)

lines = ["// A 256th parameter is rejected for functions and methods, at the parameter's name.",
         "fun f(%s, p255) {} // Error at 'p255': Can't have more than 255 parameters." % params,
         "class K {",
         "  m(%s, p255) {} // Error at 'p255': Can't have more than 255 parameters." % params,
         "}"]
write("parameters_256.lox", lines)

lines = ["// A 256th argument is rejected at its last token, for calls and method invocations.",
         "fun f() {}", "f("]
lines += ["  nil," for _ in range(255)]
lines += ["  nil // Error at 'nil': Can't have more than 255 arguments.", ");"]
lines += ["class K { m() {} }", "K().m("]
lines += ["  true," for _ in range(255)]
lines += ["  true // Error at 'true': Can't have more than 255 arguments.", ");"]
write("arguments_256.lox", lines)

# ---- jumps -------------------------------------------------------------------------------

def filler(nbytes, indent):
    """Statements totalling exactly nbytes: `x;` is 3 bytes, `nil;` is 2 (x is a local)."""
    assert nbytes >= 2 or nbytes == 0
    threes, rest = divmod(nbytes, 3)
    stmts = []
    if rest == 1:
        threes -= 1
        stmts += ["nil;", "nil;"]
    elif rest == 2:
        stmts += ["nil;"]
    stmts = ["x;"] * threes + stmts
    return [indent + " ".join(stmts[i:i + 20]) for i in range(0, len(stmts), 20)]


# After an error the parser skips to the next statement keyword; without this statement it
# would swallow the function's closing brace and also report "Expect '}' after block.".
AFTER = "  print \"resynchronize here\";"

# if (x) { BODY } without else: the then-jump (POP_JUMP_IF_FALSE) skips exactly BODY.
lines = ["// The largest then-branch a forward jump can skip (65535 bytes of body) compiles.",
         "fun f(x) {", "  if (x) {"]
lines += filler(65535, "    ")
lines += ["  }", "  return \"done\";", "}", "print f(false); // expect: done",
          "print f(true); // expect: done"]
write("jump_if_max_ok.lox", lines)

lines = ["// One byte more in the then-branch than a 16-bit jump can skip.",
         "fun f(x) {", "  if (x) {"]
lines += filler(65536, "    ")
lines += ["  } // Error at '}': Too much code to jump over.", AFTER, "}"]
write("jump_if_too_far.lox", lines)

# With an else, the then-jump also skips the 3-byte jump over the else-branch: 65533 bytes of
# then-branch are one too many, and the error names the then-branch's last token, not 'else'.
lines = ["// A then-branch too far to jump over, followed by an else: reported at its closing brace.",
         "fun f(x) {", "  if (x) {"]
lines += filler(65533, "    ")
lines += ["  } // Error at '}': Too much code to jump over.", "  else {", "    nil;", "  }", AFTER,
          "}"]
write("jump_then_too_far_before_else.lox", lines)

lines = ["// A large else-branch overflows the jump that skips it.",
         "fun f(x) {", "  if (x) nil; else {"]
lines += filler(70000, "    ")
lines += ["  } // Error at '}': Too much code to jump over.", AFTER, "}"]
write("jump_else_too_far.lox", lines)

terms = ["x"] * 23000
lines = ["// A right operand of 'and' too long to jump over (a flat chain of 23000 terms).",
         "fun f(x) {", "  return false and"]
lines += ["    " + " + ".join(terms[i:i + 25]) + " +" for i in range(0, len(terms) - 25, 25)]
lines += ["    " + " + ".join(terms[-25:]) + "; // Error at 'x': Too much code to jump over.", "}"]
write("jump_and_too_far.lox", lines)

# while (x) { BODY }: the loop jumps back over the condition (2), the exit jump (3), BODY
# and itself (3), so BODY may be 65527 bytes. The body clears x (3 bytes: FALSE, SET_LOCAL_POP).
lines = ["// The largest while body a 16-bit backward jump allows (65527 bytes) compiles and runs.",
         "fun f() {", "  var x = true;", "  while (x) {", "    x = false;"]
lines += filler(65527 - 3, "    ")
lines += ["  }", "  return \"looped once\";", "}", "print f(); // expect: looped once"]
write("loop_max_ok.lox", lines)

lines = ["// One byte more than the largest while body.",
         "fun f() {", "  var x = true;", "  while (x) {", "    x = false;"]
lines += filler(65528 - 3, "    ")
lines += ["  } // Error at '}': Loop body too large.", AFTER, "}"]
write("loop_too_large.lox", lines)

lines = ["// A for loop whose body is too large for the backward jump.",
         "fun f() {", "  for (var x = 0; x < 1; x = x + 1) {"]
lines += filler(70000, "    ")
lines += ["  } // Error at '}': Loop body too large.", AFTER, "}"]
write("loop_for_too_large.lox", lines)
