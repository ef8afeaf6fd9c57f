#!/usr/bin/env python3
"""Builds a copy of the book's clox that times every collection, to put clox's pauses and GC
share beside gclox's measured the same way (wall time around each whole collection, as gclox
times each collector step).

    python3 experiments/clox_timed.py PATH/TO/craftinginterpreters OUT_DIR
    OUT_DIR/clox-timed PROGRAM.lox     # at exit, on stderr:
    clox-timed: N collections, total T ms of W ms wall (S%), p50 … ms, p99 … ms, max … ms

The book's sources are copied to OUT_DIR (never into this repository); `memory.c`'s
`collectGarbage` is renamed and wrapped by the timing code below, which is this project's own.
Built like the book's release clox: `gcc -O3 -flto`, NaN boxing as the book's `common.h` has it.
"""
import argparse
import os
import shutil
import subprocess
import sys

WRAPPER = r'''
/* gclox experiments: timing wrapper around the book's collector (not part of the book). */
#include <time.h>
#include <stdio.h>
#define GC_TIMED_MAX 4000000
static double gcPauses[GC_TIMED_MAX];
static long gcCount = 0;
static double gcTotal = 0;
static struct timespec gcStart;
static double msBetween(struct timespec a, struct timespec b) {
  return (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
}
static int byValue(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}
static void gcReport(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double wall = msBetween(gcStart, now);
  long n = gcCount < GC_TIMED_MAX ? gcCount : GC_TIMED_MAX;
  qsort(gcPauses, n, sizeof(double), byValue);
  fprintf(stderr, "clox-timed: %ld collections, total %.3f ms of %.3f ms wall (%.1f%%), "
          "p50 %.4f ms, p99 %.4f ms, max %.4f ms\n", gcCount, gcTotal, wall,
          100 * gcTotal / wall, n ? gcPauses[n / 2] : 0, n ? gcPauses[(long)(n * 0.99)] : 0,
          n ? gcPauses[n - 1] : 0);
}
__attribute__((constructor)) static void gcClockStart(void) {
  clock_gettime(CLOCK_MONOTONIC, &gcStart);
  atexit(gcReport);
}
void collectGarbage() {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  collectGarbageUntimed();
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = msBetween(a, b);
  if (gcCount < GC_TIMED_MAX) gcPauses[gcCount] = ms;
  gcCount++;
  gcTotal += ms;
}
'''


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("book", help="a checkout of munificent/craftinginterpreters")
    ap.add_argument("out", help="where the copy is built (outside this repository)")
    a = ap.parse_args()
    book, out = a.book, a.out
    src = os.path.join(out, "src")
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(os.path.join(book, "c"), src)
    memory = os.path.join(src, "memory.c")
    text = open(memory).read()
    if "void collectGarbage() {" not in text:
        sys.exit("memory.c has no `void collectGarbage() {`: not the book's clox?")
    text = text.replace("void collectGarbage() {", "static void collectGarbageUntimed() {", 1)
    open(memory, "w").write(text + WRAPPER)
    sources = sorted(os.path.join(src, f) for f in os.listdir(src) if f.endswith(".c"))
    binary = os.path.join(out, "clox-timed")
    subprocess.run(["gcc", "-O3", "-flto", "-std=c99", "-D_POSIX_C_SOURCE=199309L", "-w",
                    *sources, "-o", binary], check=True)
    print(binary)


if __name__ == "__main__":
    main()
