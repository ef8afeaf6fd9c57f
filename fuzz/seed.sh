#!/bin/sh
# Seeds libFuzzer's corpora, corpus/<target>/, from the project's own Lox programs, so the seeds
# are never stale copies in git: every .lox file of tests/lox, tests/cycles and
# experiments/workloads goes to corpus/compile/; those of at most 16 KiB also to corpus/run/,
# corpus/gc_stress/ and corpus/repl/ (the larger ones exercise the compiler's jump and constant
# limits; the repl target enters a program line by line, so any program is a session).
# Each file is named after its path, `/` replaced by `_`. Run it before `cargo fuzz run`.
set -eu
cd "$(dirname "$0")"
rm -rf corpus
mkdir -p corpus/compile corpus/run corpus/gc_stress corpus/repl
(cd .. && find tests/lox tests/cycles experiments/workloads -name '*.lox') | while read -r path; do
  name=$(printf '%s' "$path" | tr / _)
  cp "../$path" "corpus/compile/$name"
  if [ "$(wc -c < "../$path")" -le 16384 ]; then
    cp "../$path" "corpus/run/$name"
    cp "../$path" "corpus/gc_stress/$name"
    cp "../$path" "corpus/repl/$name"
  fi
done
echo "seeded: $(ls corpus/compile | wc -l) compile, $(ls corpus/run | wc -l) run, $(ls corpus/gc_stress | wc -l) gc_stress, $(ls corpus/repl | wc -l) repl"
