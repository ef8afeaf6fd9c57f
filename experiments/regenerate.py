#!/usr/bin/env python3
"""Regenerates every committed result table of RESULTS.md and BENCHMARKS.md (and the files
beside them: sweep CSVs and plots, MMU plots, the leak study's report and pages), stamping
each table with the commit, the date and how busy the machine was.

    python3 experiments/regenerate.py                      # every section it can run here
    python3 experiments/regenerate.py --only mmu,memlimit  # some sections
    python3 experiments/regenerate.py --list               # the sections and what they need
    python3 experiments/regenerate.py --clox PATH/TO/clox --book PATH/TO/craftinginterpreters

A table lives in its document between `<!-- BEGIN generated: NAME -->` and
`<!-- END generated: NAME -->`; only that text is replaced, the prose around it is not (so
prose says what to look for, and numbers live in the tables). A section that needs what this
machine lacks (clox and the book's benchmarks, Go) is skipped with a line saying so, and its
table keeps its old stamp. Timings depend on the machine: the stamp records the load average
before the section and the host's steal time during it (`/proc/stat`), so a reader can tell a
quiet run from a busy one.

On a shared host, tables whose figures the host's load decides (pauses, MMU, wall-time
ratios) are worth writing only from a quiet run:

    python3 experiments/regenerate.py --only collector --quiet-ticks 3 --max-steal 20 --retries 5

waits before each section until the host's steal over 15 s is at most 3 ticks (up to
--patience seconds), and writes a section's tables only if its run had at most 20 ticks of
steal; a run over that is discarded — files it rewrote beside its tables are restored from git,
its output is kept in the temporary directory (the path is printed) — and retried up to 5 times.
"""
import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
LEAK_REPORT = "experiments/leak-study/REPORT.md"
# The book's benchmarks that time a fixed amount of work (zoo_batch runs for 10 s whatever the
# interpreter, and string_equality fails on clox itself).
BOOK_NINE = "binary_trees,equality,fib,instantiation,invocation,method_call,properties,trees,zoo"


def sh(command, capture=True, ok=(0,)):
    """Runs a shell command from the repository root; its stdout, or exits with its error.
    `ok`: the exit codes that still mean a result (ratio.py exits 1 when it found a problem,
    which its output then names)."""
    p = subprocess.run(command, shell=True, cwd=ROOT, text=True,
                       stdout=subprocess.PIPE if capture else None)
    if p.returncode not in ok:
        sys.exit(f"regenerate: `{command}` failed (exit {p.returncode})")
    return p.stdout if capture else ""


def table_after(text, heading):
    """The first Markdown table after the line `heading` (the first table if heading is None)."""
    lines = text.splitlines()
    start = 0 if heading is None else lines.index(heading) + 1
    rows = []
    for line in lines[start:]:
        if line.startswith("|"):
            rows.append(line)
        elif rows:
            break
    return "\n".join(rows) + "\n"


def sweep_table(_out):
    """RESULTS' gogc table, from the sweep's runs.csv."""
    import csv
    path = os.path.join(ROOT, "experiments/results/sweep/runs.csv")
    rows = list(csv.DictReader(open(path)))
    out = ["| workload | mode | gogc | run time s | GC cycles | GC share | peak heap MiB "
           "| mean live MiB | p99 pause ms | max pause ms | MMU 10 ms |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    mib = 1024 * 1024
    for r in rows:
        out.append(
            f"| {r['workload']} | {r['mode']} | {r['gogc']} | {float(r['wall_s']):.3f} "
            f"| {r['num_gc']} | {float(r['gc_share']) * 100:.1f} % "
            f"| {int(r['peak_heap_bytes']) / mib:.1f} | {int(r['mean_heap_marked_bytes']) / mib:.2f} "
            f"| {int(r['pause_p99_ns']) / 1e6:.3f} | {int(r['pause_max_ns']) / 1e6:.3f} "
            f"| {float(r['mmu_10ms']) * 100:.1f} % |")
    return "\n".join(out) + "\n"


def leak_table(heading):
    return lambda _out: table_after(open(os.path.join(ROOT, LEAK_REPORT)).read(), heading)


def stdout(out):
    return out


def callgrind_instructions(args, by_function=False, interpreter=None):
    """Instructions of all threads of one gclox run (or `interpreter`'s) under callgrind; with
    `by_function`, also each function's own instructions (inlined code counted where it was
    inlined)."""
    interpreter = interpreter or f"{RELEASE}/gclox"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        sh(f"valgrind --tool=callgrind --callgrind-out-file={out} {interpreter} {args} > /dev/null 2>&1")
        total = next((int(l.split()[1]) for l in open(out) if l.startswith(("totals:", "summary:"))), None)
        if total is None:
            sys.exit("regenerate: callgrind wrote no totals")
        if not by_function:
            return total
        parts = {}
        listing = sh(f"callgrind_annotate --threshold=100 {out} 2>/dev/null")
        for line in listing.splitlines():
            m = re.match(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+([^:]+):(\S.*?)(?: \[.*\])?$", line)
            if m and "::" in m[3]:
                key = (m[2], m[3])
                parts[key] = parts.get(key, 0) + int(m[1].replace(",", ""))
        return total, parts


def owner(file):
    """Whose source a line of code is: gc-arena's, gclox's collector crate's, or another's (the
    interpreter, mimalloc, the standard library — whatever function it was inlined into)."""
    if "/gc-arena-" in file:
        return "gc-arena"
    if "/gc/src/" in file:
        return "driver"
    return "other"


# The book's nine fixed-work benchmarks at about a tenth of their size, for callgrind.
REDUCED_NINE = {
    "binary_trees.lox": ("maxDepth = 14", "maxDepth = 12"),
    "equality.lox": ("i < 10000000", "i < 1000000"),
    "fib.lox": ("fib(35) == 9227465", "fib(30) == 832040"),
    "instantiation.lox": ("i < 500000", "i < 50000"),
    "invocation.lox": ("i < 500000", "i < 50000"),
    "method_call.lox": ("n = 100000", "n = 10000"),
    "properties.lox": ("i < 500000", "i < 50000"),
    "trees.lox": ("i < 100;", "i < 10;"),
    "zoo.lox": ("sum < 10000000", "sum < 1000000"),
}

def reduced_programs(args, tmp, names):
    """Writes the reduced copies of the book's benchmarks `names` (keys of REDUCED_NINE) into
    `tmp`; yields each name, its reduction (the new text) and the copy's path."""
    for name in names:
        old, new = REDUCED_NINE[name]
        text = open(os.path.join(args.book, "test", "benchmark", name)).read()
        if old not in text:
            sys.exit(f"regenerate: {name} has no `{old}` to reduce")
        program = os.path.join(tmp, name)
        open(program, "w").write(text.replace(old, new))
        yield name, new, program


def incremental_ablation(args):
    """Where incremental collection's extra instructions go, against stop-the-world, one change
    at a time, on reduced copies of the book's benchmarks."""
    reduce = ["instantiation.lox", "trees.lox", "binary_trees.lox"]
    configs = [("stw", "--gc-mode stw"), ("incremental (default)", ""),
               ("incremental, white allocation", "--gc-alloc-color white"),
               ("incremental, 4 Ki-instruction / 256 KiB slices",
                "--slice-instructions 4096 --slice-alloc 256KiB")]

    def collected(flags, program):
        """Cycles completed and peak RSS of one run outside callgrind: a row whose collector
        fell behind (few cycles, a large peak) did less work, not cheaper work."""
        err = sh(f"/usr/bin/time -f 'rss %M' {RELEASE}/gclox --stats {flags} {program} 2>&1 >/dev/null")
        cycles = re.search(r"(\d+) GC cycles", err)[1]
        rss = int(re.search(r"^rss (\d+)", err, re.M)[1]) / 1024
        return cycles, rss

    def produce(_out):
        rows = ["| benchmark (reduced) | collector | instructions | over stw | in gc-arena's sources "
                "| of which its debt re-evaluation (`metrics.rs`) | in gclox's `gc/src/` | cycles "
                "| peak RSS |",
                "|---|---|---|---|---|---|---|---|---|"]
        with tempfile.TemporaryDirectory() as tmp:
            for name, new, program in reduced_programs(args, tmp, reduce):
                base = None
                for label, flags in configs:
                    total, parts = callgrind_instructions(f"{flags} {program}", by_function=True)
                    owners = [owner(file) for (file, _function) in parts]
                    arena = sum(v for o, v in zip(owners, parts.values()) if o == "gc-arena")
                    driver = sum(v for o, v in zip(owners, parts.values()) if o == "driver")
                    # gc-arena's `Metrics::allocation_debt`, which its bounded collection loop
                    # evaluates after every object (and nothing else in metrics.rs is hot).
                    debt = sum(v for (file, _f), v in parts.items()
                               if "/gc-arena-" in file and file.endswith("/metrics.rs"))
                    base = base or total
                    cycles, rss = collected(flags, program)
                    m = lambda n: f"{n / 1e6:.1f} M"
                    rows.append(f"| {name} ({new}) | {label} | {m(total)} | {(total / base - 1) * 100:+.1f} % "
                                f"| {m(arena)} | {m(debt)} | {m(driver)} | {cycles} | {rss:.1f} MiB |")
        return "\n".join(rows) + "\n"
    return produce


def report_cost(_out):
    """The run report of a 10-second run: two interleaved pairs without and with `--report`."""
    program = "experiments/workloads/binary_trees_17.lox"
    page = "experiments/results/report/binary_trees_17.html"

    def run(flags):
        began = time.perf_counter()
        err = sh(f"/usr/bin/time -f 'rss %M' {RELEASE}/gclox --stats {flags} {program} 2>&1 >/dev/null")
        wall = time.perf_counter() - began
        rss = int(re.search(r"^rss (\d+)", err, re.M)[1]) / 1024
        written = re.search(r"(\d+) bytes written in ([\d.]+) ms", err)
        return wall, rss, written

    rows = ["| pair | without `--report` | with `--report` | page written in | page size |",
            "|---|---|---|---|---|"]
    for pair in (1, 2):
        w0, r0, _ = run("")
        w1, r1, written = run(f"--report {page}")
        size, ms = int(written[1]), float(written[2])
        rows.append(f"| {pair} | {w0:.2f} s, {r0:.1f} MiB peak RSS | {w1:.2f} s, {r1:.1f} MiB "
                    f"| {ms:.1f} ms ({ms / 10 / w1:.1f} % of the run) | {size:,} B |".replace(",", " "))
    return "\n".join(rows) + "\n"


# The build the nine's "before" column measures: main at the start of 2026-12-04, before issue
# #16's interpreter changes (raw-pointer loop, rare work out of line).
BEFORE_INTERPRETER_WORK = "c71d6bd"


def gclox_at(commit):
    """The gclox binary built from `commit`, in a git worktree under target/ that later runs
    reuse (built on first use: a few minutes)."""
    full = sh(f"git rev-parse {commit}^{{commit}}").strip()
    tree = os.path.join(ROOT, "target", f"at-{full[:12]}")
    binary = os.path.join(tree, "target", "release", "gclox")
    if not os.path.exists(binary):
        if not os.path.isdir(tree):
            sh(f"git worktree add --detach {tree} {full}")
        sh(f"cd {tree} && cargo build --release --quiet --bin gclox", capture=False)
    return binary


def callgrind_nine(args):
    """Instructions of gclox (default and stw), of gclox as it was before the interpreter work
    (`BEFORE_INTERPRETER_WORK`), and of clox on the nine, reduced: the host-free counterpart of
    the wall-time ratios."""

    def produce(_out):
        before_bin = gclox_at(BEFORE_INTERPRETER_WORK)
        rows = [f"| benchmark (reduced) | clox | gclox before ({BEFORE_INTERPRETER_WORK}) "
                "| gclox | gclox ÷ before | gclox ÷ clox | gclox `--gc-mode stw` | stw ÷ clox |",
                "|---|---|---|---|---|---|---|---|"]
        ratios, stw_ratios, gains = [], [], []
        with tempfile.TemporaryDirectory() as tmp:
            for name, new, program in reduced_programs(args, tmp, REDUCED_NINE):
                clox = callgrind_instructions(program, interpreter=args.clox)
                before = callgrind_instructions(program, interpreter=before_bin)
                gclox = callgrind_instructions(program)
                stw = callgrind_instructions(f"--gc-mode stw {program}")
                ratios.append(gclox / clox)
                stw_ratios.append(stw / clox)
                gains.append(gclox / before)
                m = lambda n: f"{n / 1e6:.1f} M"
                rows.append(f"| {name} ({new}) | {m(clox)} | {m(before)} | {m(gclox)} "
                            f"| {gclox / before:.3f} | {gclox / clox:.2f} "
                            f"| {m(stw)} | {stw / clox:.2f} |")
        geo = lambda xs: math.exp(sum(math.log(x) for x in xs) / len(xs))
        rows.append(f"| **geomean** | | | | **{geo(gains):.3f}** | **{geo(ratios):.2f}** "
                    f"| | **{geo(stw_ratios):.2f}** |")
        return "\n".join(rows) + "\n"
    return produce


def peak_rss_nine(args):
    """Peak RSS of clox and gclox on the book's binary_trees and trees (issue #16: gclox's
    stays at or below clox's), median of 3 runs each, interleaved."""

    def produce(_out):
        rows = ["| benchmark | clox peak RSS | gclox peak RSS | gclox ÷ clox |", "|---|---|---|---|"]
        for name in ("binary_trees.lox", "trees.lox"):
            program = os.path.join(args.book, "test", "benchmark", name)
            runs = {"clox": [], "gclox": []}
            for _ in range(3):
                for who, binary in (("clox", args.clox), ("gclox", f"{RELEASE}/gclox")):
                    err = sh(f"/usr/bin/time -f 'rss %M' {binary} {program} 2>&1 >/dev/null")
                    runs[who].append(int(re.search(r"^rss (\d+)", err, re.M)[1]))
            clox, gclox = (sorted(runs[w])[1] / 1024 for w in ("clox", "gclox"))
            rows.append(f"| {name} | {clox:.1f} MiB | {gclox:.1f} MiB | {gclox / clox:.2f} |")
        return "\n".join(rows) + "\n"
    return produce


def telemetry_overheads(_out):
    """Each telemetry option's instructions against a run with heap-profile sampling off."""
    program = "experiments/workloads/binary_trees.lox"
    configs = [("sampling off (the base)", "--memprofilerate 0"),
               ("heap-profile sampling (default rate)", ""),
               ("gctrace level 2 (to stderr)", "--memprofilerate 0 --gctrace=2"),
               ("execution trace (all threads)", "--memprofilerate 0 --trace /tmp/gclox-regenerate-trace.json")]
    rows = ["| configuration | instructions | over the base |", "|---|---|---|"]
    base = None
    for name, flags in configs:
        n = callgrind_instructions(f"{flags} {program}")
        base = base or n
        rows.append(f"| {name} | {n:,} | {(n / base - 1) * 100:+.2f} % |".replace(",", " "))
    return "\n".join(rows) + "\n"


class Section:
    def __init__(self, name, document, commands, blocks, needs=(), about="", outputs=()):
        self.name, self.document, self.commands = name, document, commands
        self.blocks = blocks  # block name -> function(stdout of the commands) -> Markdown
        self.needs = needs  # "clox", "go"
        self.about = about
        # Files and folders the commands write beside the tables: all a discarded run may
        # restore (a file someone edits meanwhile elsewhere in the tree is left alone).
        self.outputs = outputs


def sections(args):
    clox, book = args.clox or "PATH/TO/clox", args.book or "PATH/TO/craftinginterpreters"
    bench = os.path.join(book, "test", "benchmark")
    gcb = f"{RELEASE}/gc-bench"
    return [
        Section("gogc-sweep", "RESULTS.md",
                [f"{RELEASE}/sweep run --workloads steady_churn,binary_trees,trees,graph_churn "
                 "--budgets 2048 --threads 1 --no-histograms --out experiments/results/sweep --force"],
                {"gogc-sweep": sweep_table}, about="gogc 50-400 x both modes, CSVs and plots",
                outputs=("experiments/results/sweep/",)),
        Section("leak-study", "RESULTS.md",
                [f"{RELEASE}/leak_study > {LEAK_REPORT}",
                 f"cd experiments/leak-study/go && {RELEASE}/gclox report --compare leaking.log "
                 "fixed.log -o before-after.html"],
                {"leak-study": leak_table(None),
                 "leak-study-report": leak_table("## The run report's before/after figures"),
                 "leak-study-go": leak_table("## The Go programs, from their gctrace logs")},
                about="the leaking registry and its fix, REPORT.md and both pages",
                outputs=("experiments/leak-study/",)),
        Section("mmu", "RESULTS.md", [f"{gcb} mmu --rounds 3"], {"mmu": stdout},
                about="MMU of binary_trees at depths 14 and 17, both modes, and the SVGs",
                outputs=("experiments/results/mmu/",)),
        Section("report", "RESULTS.md", [], {"report": report_cost},
                about="the run report of a 10 s run: its size, cost and the committed page",
                outputs=("experiments/results/report/",)),
        Section("go-pacer", "RESULTS.md", ["python3 experiments/go_pacer_compare.py"],
                {"go-pacer": stdout}, needs=("go",), about="go119 beside Go 1.19, cycle by cycle"),
        Section("go-mmu", "RESULTS.md", ["python3 experiments/go_mmu.py --rounds 3"],
                {"go-mmu": stdout}, needs=("go",),
                about="MMU of binary_trees_17: gclox beside Go 1.19's execution trace, 1 and 2 Ps"),
        Section("clox-workloads", "RESULTS.md",
                [f"python3 experiments/compare.py --rounds 3 experiments/workloads "
                 f"{RELEASE}/gclox {clox}"],
                {"clox-workloads": stdout}, needs=("clox",),
                about="every workload on gclox and clox: time, RSS, pauses"),
        Section("clox-ratio", "BENCHMARKS.md",
                [f"python3 tools/ratio.py --rounds 9 --only {BOOK_NINE} {bench} {clox} {RELEASE}/gclox"],
                {"clox-ratio": lambda out: "```\n" + out + "```\n"}, needs=("clox",),
                about="the book's benchmarks, interleaved wall time against clox"),
        Section("callgrind-nine", "BENCHMARKS.md", [],
                {"callgrind-nine": callgrind_nine(args)}, needs=("valgrind", "clox", "book"),
                about="instructions of the nine (reduced): gclox, gclox stw, clox"),
        Section("peak-rss-nine", "BENCHMARKS.md", [],
                {"peak-rss-nine": peak_rss_nine(args)}, needs=("clox", "book"),
                about="peak RSS of binary_trees and trees, gclox against clox"),
        Section("incremental-wall", "BENCHMARKS.md",
                [f"python3 tools/ratio.py --rounds 5 --only {BOOK_NINE} {bench} "
                 f"'{RELEASE}/gclox --gc-mode stw' {RELEASE}/gclox"],
                {"incremental-wall": lambda out: "```\n" + out + "```\n"}, needs=("book",),
                about="the book's benchmarks, interleaved wall time: incremental over stw"),
        Section("collector", "BENCHMARKS.md", [f"{gcb} precision", f"{gcb} pauses"],
                {"collector": stdout}, about="pacer precision, step pauses, MMU per workload"),
        Section("memlimit", "BENCHMARKS.md", ["python3 experiments/memlimit_check.py --rounds 3"],
                {"memlimit": stdout}, about="--memlimit: peak RSS, time, GC share"),
        Section("share-overhead", "BENCHMARKS.md", [f"{gcb} share --rounds 5", f"{gcb} overhead"],
                {"share-overhead": stdout}, about="GC share of run time, gctrace's cost"),
        Section("incremental-ablation", "BENCHMARKS.md", [],
                {"incremental-ablation": incremental_ablation(args)}, needs=("valgrind", "book"),
                about="incremental vs stw in instructions: gc-arena's loop, gclox's driver, the rest"),
        Section("callgrind-telemetry", "BENCHMARKS.md", [],
                {"callgrind-telemetry": telemetry_overheads}, needs=("valgrind",),
                about="instructions added by profiling, gctrace and the trace"),
    ]


def missing(section, args):
    for need in section.needs:
        if need == "valgrind" and not shutil.which("valgrind"):
            return "valgrind is not installed"
        if need == "go" and not shutil.which("go"):
            return "Go is not installed (Debian: golang-go)"
        if need == "book" and not args.book:
            return "needs --book (the book's repository, for test/benchmark)"
        if need == "clox" and not (args.clox and args.book):
            return "needs --clox and --book (a clox build and the book's repository)"
    return None


def steal_ticks():
    with open("/proc/stat") as f:
        return int(f.readline().split()[8])


def changed_files():
    """Tracked files that differ from the commit."""
    return set(sh("git diff --name-only HEAD").split())


def wait_until_quiet(max_ticks, window, patience):
    """Waits until the host's steal over `window` seconds is at most `max_ticks`; False if
    `patience` seconds pass first."""
    deadline = time.time() + patience
    while True:
        before = steal_ticks()
        time.sleep(window)
        ticks = steal_ticks() - before
        if ticks <= max_ticks:
            return True
        if time.time() >= deadline:
            return False
        print(f"regenerate: host steal {ticks} ticks in {window:.0f} s; waiting", file=sys.stderr)


def tree_state():
    """The commit, and whether tracked files differed from it before anything was regenerated
    (the sections themselves rewrite tracked files: CSVs, plots, reports)."""
    commit = sh("git rev-parse --short HEAD").strip()
    dirty = " (with uncommitted changes)" if sh("git status --porcelain --untracked-files=no").strip() else ""
    return commit, dirty


TREE = None


def cpu_model():
    """The host's CPU, as /proc/cpuinfo names it: wall-time ratios differ between hosts of one
    kind (clox's binary_trees ran 1.6x longer on an AMD EPYC than on the host before it)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def stamp(section, started, steal):
    commit, dirty = TREE
    load = " ".join(f"{x:.2f}" for x in started[1])
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started[0]))
    return (f"<!-- Generated by `python3 experiments/regenerate.py --only {section.name}`; "
            "edit the script or the tool, not this table. -->\n"
            f"_Generated {when} at commit {commit}{dirty} by `python3 experiments/regenerate.py "
            f"--only {section.name}` on {cpu_model()}; load average before: {load}; host steal "
            f"during the run: {steal} ticks of 10 ms._\n\n")


def replace_block(document, name, body):
    path = os.path.join(ROOT, document)
    text = open(path).read()
    begin, end = f"<!-- BEGIN generated: {name} -->", f"<!-- END generated: {name} -->"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        sys.exit(f"regenerate: {document} has no block `{begin}`")
    text = pattern.sub(lambda _m: f"{begin}\n{body}{end}", text, count=1)
    with open(path, "w") as f:
        f.write(text)


def check(all_sections):
    """Every block a section writes exists once, and every block in the documents is written."""
    problems = []
    written = {(s.document, b) for s in all_sections for b in s.blocks}
    for document in sorted({d for d, _ in written}):
        text = open(os.path.join(ROOT, document)).read()
        begins = re.findall(r"<!-- BEGIN generated: ([a-z0-9-]+) -->", text)
        ends = re.findall(r"<!-- END generated: ([a-z0-9-]+) -->", text)
        if begins != ends:
            problems.append(f"{document}: BEGIN and END markers do not pair up")
        for name in begins:
            if (document, name) not in written:
                problems.append(f"{document}: no section writes block {name}")
        for doc, name in written:
            if doc == document and begins.count(name) != 1:
                problems.append(f"{document}: block {name} appears {begins.count(name)} times")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated section names (default: all)")
    ap.add_argument("--list", action="store_true", help="list the sections and exit")
    ap.add_argument("--check", action="store_true",
                    help="only check that every section has its blocks and every block a section")
    ap.add_argument("--clox", help="a clox binary (the book's `make clox`)")
    ap.add_argument("--book", help="a checkout of munificent/craftinginterpreters (its test/benchmark)")
    ap.add_argument("--no-build", action="store_true", help="use target/release as it is")
    ap.add_argument("--quiet-ticks", type=int,
                    help="before each section, wait until the host's steal over 15 s is at most this many ticks")
    ap.add_argument("--patience", type=float, default=3600,
                    help="seconds --quiet-ticks waits before giving a section up (default 3600)")
    ap.add_argument("--max-steal", type=int,
                    help="write a section's tables only if its run had at most this many ticks of steal")
    ap.add_argument("--retries", type=int, default=0,
                    help="runs to try again after one over --max-steal (default 0)")
    args = ap.parse_args()
    all_sections = sections(args)
    if args.list:
        for s in all_sections:
            needs = f" [needs {', '.join(s.needs)}]" if s.needs else ""
            print(f"{s.name:16s} {s.document:13s} {s.about}{needs}")
        return
    if args.check:
        return check(all_sections)
    chosen = all_sections
    if args.only:
        names = args.only.split(",")
        unknown = set(names) - {s.name for s in all_sections}
        if unknown:
            sys.exit(f"regenerate: no section {', '.join(sorted(unknown))} (see --list)")
        chosen = [s for s in all_sections if s.name in names]
    global TREE
    TREE = tree_state()
    if not args.no_build:
        sh("cargo build --release --workspace --bins", capture=False)
    for section in chosen:
        why = missing(section, args)
        if why:
            print(f"regenerate: skipping {section.name}: {why}", file=sys.stderr)
            continue
        for attempt in range(1 + max(args.retries, 0)):
            if args.quiet_ticks is not None and not wait_until_quiet(args.quiet_ticks, 15, args.patience):
                print(f"regenerate: skipping {section.name}: the host was not quiet for {args.patience:.0f} s",
                      file=sys.stderr)
                break
            print(f"regenerate: {section.name} ...", file=sys.stderr)
            changed_before = changed_files()
            started = (time.time(), os.getloadavg())
            steal_before = steal_ticks()
            ok = (0, 1) if "tools/ratio.py" in " ".join(section.commands) else (0,)
            out = "".join(sh(c, ok=ok) for c in section.commands)
            steal = steal_ticks() - steal_before
            if args.max_steal is not None and steal > args.max_steal:
                rewritten = sorted(f for f in changed_files() - changed_before
                                   if f.startswith(section.outputs))
                if rewritten:
                    sh("git checkout HEAD -- " + " ".join(rewritten))
                # Kept outside the tree: what a noisy run measured is still worth a look.
                kept = os.path.join(tempfile.gettempdir(), f"regenerate-{section.name}-{attempt + 1}.txt")
                with open(kept, "w") as f:
                    f.write(out)
                print(f"regenerate: {section.name}: {steal} ticks of host steal during the run, over "
                      f"--max-steal {args.max_steal}: discarded (attempt {attempt + 1}; its output: "
                      f"{kept})", file=sys.stderr)
                continue
            header = stamp(section, started, steal)
            for block, render in section.blocks.items():
                replace_block(section.document, block, header + render(out))
            break


if __name__ == "__main__":
    sys.exit(main())
