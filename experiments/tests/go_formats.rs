//! Every line gclox prints at gctrace level 1 with the pacer trace on parses with regexes built
//! from Go 1.19's own print statements (`runtime/mgc.go` `gcMarkTermination`,
//! `runtime/mgcpacer.go` `startCycle` and `endCycle`), on every workload under every pacer.
//!
//! Go's `print` writes integers in decimal and floats as `+1.234567e+000`; `fmtNSAsMS` writes
//! durations as whole milliseconds from 10 ms, otherwise two significant digits with at most
//! three decimals, and zero as `0`.

use std::sync::Mutex;

use gclox_experiments::workloads::Workload;
use gclox_experiments::workloads_dir;
use gclox_gc::PacerKind;
use gclox_runtime::{sink::Captured, Config, Runtime};
use regex::Regex;

#[global_allocator]
static GLOBAL: gclox_runtime::allocator::Allocator = gclox_runtime::allocator::Allocator;

const MS: &str = r"(?:0|\d+|\d+\.\d{1,3})";
const FLOAT: &str = r"(?:[+-]\d\.\d{6}e[+-]\d{3}|NaN|[+-]Inf)";

struct GoFormats {
    gc: Regex,
    pacer_start: Regex,
    pacer_end: Regex,
}

impl GoFormats {
    fn new() -> Self {
        // gc N @S.SSSs P%: a+b+c ms clock, d+e/f/g+h ms cpu, X->Y->Z MB, G MB goal,
        // S MB stacks, M MB globals, N P[ (forced)]
        let gc = format!(
            r"^gc (\d+) @(\d+\.\d{{3}})s (\d+)%: {MS}\+{MS}\+{MS} ms clock, {MS}\+{MS}/{MS}/{MS}\+{MS} ms cpu, (\d+)->(\d+)->(\d+) MB, (\d+) MB goal, (\d+) MB stacks, (\d+) MB globals, (\d+) P( \(forced\))?$"
        );
        // pacer: assist ratio=F (scan N MB in A->B MB) workers=D+F
        let pacer_start = format!(
            r"^pacer: assist ratio={FLOAT} \(scan (\d+) MB in (\d+)->(\d+) MB\) workers=(\d+)\+{FLOAT}$"
        );
        // pacer: U% CPU (G exp.) for H+S+G B work (E B exp.) in T B -> L B (∆goal D, cons/mark C)
        let pacer_end = format!(
            r"^pacer: (-?\d+)% CPU \((-?\d+) exp\.\) for (\d+)\+(\d+)\+(\d+) B work \((\d+) B exp\.\) in (\d+) B -> (\d+) B \(∆goal (-?\d+), cons/mark {FLOAT}\)(\[controller reset\])?$"
        );
        GoFormats {
            gc: Regex::new(&gc).unwrap(),
            pacer_start: Regex::new(&pacer_start).unwrap(),
            pacer_end: Regex::new(&pacer_end).unwrap(),
        }
    }
}

/// Runs `program` with gctrace 1 and the pacer trace; returns the trace text.
fn trace(program: &str, pacer: PacerKind) -> String {
    let mut config = Config::default();
    config.gc.pacer = pacer;
    let out = Captured::new();
    let trace = Captured::new();
    let mut runtime = Runtime::new(config, out.writer());
    runtime.set_gctrace(1, true, trace.writer());
    runtime.run_source(program).expect("workload runs");
    trace.text()
}

#[test]
fn every_level_one_line_parses_with_gos_formats() {
    let formats = GoFormats::new();
    let workloads: Vec<Workload> = Workload::discover(&workloads_dir())
        .unwrap()
        .into_iter()
        .filter(|w| !w.is_slow())
        .collect();
    let jobs: Vec<(&Workload, PacerKind)> = workloads
        .iter()
        .flat_map(|w| PacerKind::ALL.map(|p| (w, p)))
        .collect();
    let next = Mutex::new(jobs.iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let job = next.lock().unwrap().next();
                let Some(&(w, pacer)) = job else { break };
                let text = trace(&w.program(), pacer);
                results.lock().unwrap().push((w.name.clone(), pacer, text));
            });
        }
    });
    let mut cycles = 0;
    for (name, pacer, text) in results.into_inner().unwrap() {
        let lines: Vec<&str> = text.lines().collect();
        let mut gc_lines = 0;
        for (i, line) in lines.iter().enumerate() {
            if formats.gc.is_match(line) {
                gc_lines += 1;
                // Go prints the pacer's end line right before the gc line.
                assert!(
                    i > 0 && formats.pacer_end.is_match(lines[i - 1]),
                    "{name} {pacer}: no pacer end line before {line}"
                );
                let caps = formats.gc.captures(line).unwrap();
                assert_eq!(
                    caps[1].parse::<usize>().unwrap(),
                    gc_lines,
                    "{name} {pacer}"
                );
                assert!(
                    caps[3].parse::<u32>().unwrap() <= 100,
                    "{name} {pacer}: {line}"
                );
            } else {
                assert!(
                    formats.pacer_start.is_match(line) || formats.pacer_end.is_match(line),
                    "{name} {pacer}: not in Go 1.19's formats: {line}"
                );
            }
        }
        assert!(gc_lines > 0, "{name} {pacer}: no cycle");
        cycles += gc_lines;
    }
    assert!(cycles >= 300, "only {cycles} cycles checked");
}
