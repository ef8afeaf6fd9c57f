#!/usr/bin/env python3
"""Runs the official Crafting Interpreters Lox test suite against gclox (or any Lox).

    python3 tools/run_suite.py --root PATH/TO/craftinginterpreters -- target/release/gclox

PATH/TO/craftinginterpreters is a checkout of https://github.com/munificent/craftinginterpreters
(only its test/ directory is read). The interpreter command gets each test's path, relative to
--root, as its last argument, and runs with --root as its working directory. No Dart needed:
this applies the expectation rules of the book's runner (tool/bin/test.dart) for the final
clox suite, which are:

  * every test/**.lox outside test/benchmark, test/scanning and test/expressions (the early
    chapters) runs; a file containing "// nontest" is not a test;
  * "// expect: TEXT" is the next line of stdout; stdout must be exactly those lines;
  * "// Error..." and "// [line N] Error..." (or "[c line N]") are compile errors: every one
    must be on stderr as "[line N] Error...", nothing else may be, and the exit code is 65;
  * "// expect runtime error: MESSAGE": stderr's first line is MESSAGE, a later
    "[line N]" names the comment's line, and the exit code is 70; otherwise it is 0.

Prints each failure, then "P passed, F failed (...)"; exits 1 if any test failed (or fewer
than --expect-passed passed), 2 on a usage error.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys

EXPECT_OUTPUT = re.compile(r"// expect: ?(.*)")
EXPECT_ERROR = re.compile(r"// (Error.*)")
EXPECT_ERROR_AT = re.compile(r"// \[((java|c) )?line (\d+)\] (Error.*)")
EXPECT_RUNTIME_ERROR = re.compile(r"// expect runtime error: (.+)")
REPORTED_ERROR = re.compile(r"\[.*line (\d+)\] (Error.+)")
TRACE_LINE = re.compile(r"\[line (\d+)\]")

# Directories the final clox suite does not run (chapters before the bytecode VM).
SKIPPED = ("test/benchmark", "test/scanning", "test/expressions")


def lines_of(text):
    """Lines split at \\n, \\r\\n or \\r, without an empty line after a final terminator."""
    if not text:
        return []
    lines = re.split(r"\r\n|\r|\n", text)
    return lines[:-1] if lines[-1] == "" else lines


class Expectations:
    """What one test file expects, read from its comments."""

    def __init__(self, source):
        self.output = []  # (line number, text)
        self.errors = set()  # "[N] Error..."
        self.runtime_error = None  # (line number, message)
        self.count = 0
        for number, line in enumerate(lines_of(source), start=1):
            if (m := EXPECT_OUTPUT.search(line)) is not None:
                self.output.append((number, m.group(1)))
            elif (m := EXPECT_ERROR.search(line)) is not None:
                self.errors.add(f"[{number}] {m.group(1)}")
            elif (m := EXPECT_ERROR_AT.search(line)) is not None:
                if m.group(2) in (None, "c"):
                    self.errors.add(f"[{m.group(3)}] {m.group(4)}")
                else:
                    continue  # another implementation's error: not counted
            elif (m := EXPECT_RUNTIME_ERROR.search(line)) is not None:
                self.runtime_error = (number, m.group(1))
            else:
                continue
            self.count += 1

    def exit_code(self):
        if self.errors:
            return 65
        return 70 if self.runtime_error else 0


def check(expect, code, stdout, stderr):
    """The failures of one run, as lines of text (empty: it passed)."""
    failures = []
    out, err = lines_of(stdout), lines_of(stderr)
    if expect.runtime_error:
        line, message = expect.runtime_error
        if len(err) < 2:
            failures.append(f"Expected runtime error '{message}' and got none.")
        else:
            if err[0] != message:
                failures += [f"Expected runtime error '{message}' and got:", err[0]]
            traced = next((m for m in map(TRACE_LINE.search, err[1:]) if m), None)
            if traced is None:
                failures += ["Expected a stack trace and got:"] + err[1:]
            elif int(traced.group(1)) != line:
                failures.append(
                    f"Expected runtime error on line {line} but was on line {traced.group(1)}."
                )
    else:
        found = set()
        for text in err:
            m = REPORTED_ERROR.search(text)
            key = m and f"[{m.group(1)}] {m.group(2)}"
            if key in expect.errors:
                found.add(key)
            elif text:
                failures += ["Unexpected output on stderr:", text]
        failures += [f"Missing expected error: {e}" for e in sorted(expect.errors - found)]
    if code != expect.exit_code():
        failures.append(f"Expected exit code {expect.exit_code()} and got {code}. Stderr:")
        failures += err[:10]
    for i, text in enumerate(out):
        if i >= len(expect.output):
            failures.append(f"Got output '{text}' when none was expected.")
        elif expect.output[i][1] != text:
            number, wanted = expect.output[i]
            failures.append(f"Expected output '{wanted}' on line {number} and got '{text}'.")
    for number, wanted in expect.output[len(out):]:
        failures.append(f"Missing expected output '{wanted}' on line {number}.")
    return failures


def run_one(root, command, path, expect, timeout):
    try:
        proc = subprocess.run(
            command + [path], cwd=root, stdin=subprocess.DEVNULL, capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return [f"Timed out after {timeout} s."]
    decode = lambda b: b.decode("utf-8", errors="replace")
    return check(expect, proc.returncode, decode(proc.stdout), decode(proc.stderr))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: python3 tools/run_suite.py --root ../craftinginterpreters -- target/release/gclox",
    )
    ap.add_argument("--root", required=True, help="the checkout holding test/")
    ap.add_argument("--filter", help="only tests whose path under test/ starts with this")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per test")
    ap.add_argument("--expect-passed", type=int, default=0, help="fail if fewer pass")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- INTERPRETER [ARGS...]")
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("give the interpreter after --, e.g. -- target/release/gclox")
    # The tests run in --root: a relative interpreter path is the caller's.
    if os.sep in command[0]:
        command[0] = os.path.abspath(command[0])
        if not (os.path.isfile(command[0]) and os.access(command[0], os.X_OK)):
            ap.error(f"{command[0]} is not an executable file (build it: cargo build --release)")
    root = os.path.abspath(args.root)
    if not os.path.isdir(os.path.join(root, "test")):
        ap.error(f"{root} has no test/ directory (a craftinginterpreters checkout has one)")

    tests, nontests = [], 0
    for folder, dirs, files in os.walk(os.path.join(root, "test")):
        dirs.sort()
        for name in sorted(files):
            path = os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            if not name.endswith(".lox") or path.startswith(SKIPPED):
                continue
            if args.filter and not path[len("test/"):].startswith(args.filter):
                continue
            with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                source = f.read()
            if "// nontest" in source:
                nontests += 1
                continue
            tests.append((path, Expectations(source)))

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda t: run_one(root, command, *t, args.timeout), tests))
    failed = 0
    for (path, _), failures in zip(tests, results):
        if failures:
            failed += 1
            print(f"FAIL {path}")
            print("".join(f"     {f}\n" for f in failures))
    passed = len(tests) - failed
    expectations = sum(e.count for (_, e), f in zip(tests, results) if not f)
    print(f"{passed} passed, {failed} failed (non-test {nontests}, "
          f"{expectations} expectations in passing tests)")
    return 1 if failed or passed < args.expect_passed else 0


if __name__ == "__main__":
    sys.exit(main())
