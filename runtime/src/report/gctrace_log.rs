//! Reading gctrace logs: gclox's `--gctrace` output or Go's `GODEBUG=gctrace=1` output (Go
//! 1.19 to current, and the older shape without `MB stacks, MB globals`), mixed with whatever
//! else the program printed. Only the level-1 `gc N @…` line is read (plus gclox's level-2
//! `gc N: steps …` line when present); every other line is skipped.

use std::sync::LazyLock;

use regex::Regex;

/// One `gc N @T.TTTs P%: …` line.
#[derive(Debug, Clone, PartialEq)]
pub struct GcLine {
    pub number: u64,
    /// Seconds since the program started, at the cycle's start.
    pub at_s: f64,
    /// GC share of CPU since the program started, percent (truncated by the runtime).
    pub cpu_percent: u32,
    /// `a+b+c ms clock`: sweep termination, concurrent mark, mark termination (wall time).
    pub clock_ms: [f64; 3],
    /// `d+e/f/g+h ms cpu`: sweep termination; assist, background, idle mark; mark termination.
    pub cpu_ms: [f64; 5],
    /// `X->Y->Z MB`: heap at cycle start, at mark end, live (marked) after the cycle.
    pub heap_mb: [u64; 3],
    pub goal_mb: u64,
    /// Absent in Go before 1.18.
    pub stacks_mb: Option<u64>,
    pub globals_mb: Option<u64>,
    pub procs: u32,
    pub forced: bool,
    /// gclox's level-2 line for this cycle, when the log has one.
    pub detail: Option<Detail>,
}

/// What gclox's level-2 line adds: the cycle's steps (pauses) and exact byte figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detail {
    pub steps: u64,
    pub longest_ms: f64,
    pub sweep_ms: f64,
    /// `heap X->Y->Z B, goal G B, trigger T B`, when the line has them.
    pub bytes: Option<DetailBytes>,
}

/// The level-2 line's heap figures in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetailBytes {
    pub heap: [u64; 3],
    pub goal: u64,
    pub trigger: u64,
}

/// Who wrote a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Gclox,
    Go,
}

/// A parsed log.
#[derive(Debug, Clone)]
pub struct GctraceLog {
    pub cycles: Vec<GcLine>,
    /// Lines read in all.
    pub lines: usize,
    /// Lines that contain `gc ` and `ms clock` but did not parse (e.g. cut by the program's
    /// own output): reported, never guessed at.
    pub garbled: usize,
    pub writer: Writer,
}

static GC_LINE: LazyLock<Regex> = LazyLock::new(|| {
    let n = r"(\d+(?:\.\d+)?)";
    Regex::new(&format!(
        r"gc (\d+) @(\d+\.\d+)s (\d+)%: {n}\+{n}\+{n} ms clock, {n}\+{n}/{n}/{n}\+{n} ms cpu, (\d+)->(\d+)->(\d+) MB, (\d+) MB goal, (?:(\d+) MB stacks, (\d+) MB globals, )?(\d+) P( \(forced\))?"
    ))
    .expect("the gc line pattern compiles")
});

static DETAIL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"gc (\d+): steps (\d+), longest (\d+(?:\.\d+)?) ms, sweep (\d+(?:\.\d+)?) ms(?:.*, heap (\d+)->(\d+)->(\d+) B, goal (\d+) B, trigger (\d+) B)?")
        .expect("the detail line pattern compiles")
});

impl GctraceLog {
    /// Reads every gc line of `text`. A line may carry other output before the `gc` (a program
    /// that printed without a newline); what follows the line's end is ignored.
    pub fn parse(text: &str) -> GctraceLog {
        let mut cycles: Vec<GcLine> = Vec::new();
        let mut garbled = 0;
        let mut lines = 0;
        let mut has_detail = false;
        for line in text.lines() {
            lines += 1;
            if let Some(c) = GC_LINE.captures(line) {
                let f = |i: usize| c[i].parse::<f64>().unwrap_or(0.0);
                let u = |i: usize| c[i].parse::<u64>().unwrap_or(0);
                cycles.push(GcLine {
                    number: u(1),
                    at_s: f(2),
                    cpu_percent: c[3].parse().unwrap_or(0),
                    clock_ms: [f(4), f(5), f(6)],
                    cpu_ms: [f(7), f(8), f(9), f(10), f(11)],
                    heap_mb: [u(12), u(13), u(14)],
                    goal_mb: u(15),
                    stacks_mb: c.get(16).map(|m| m.as_str().parse().unwrap_or(0)),
                    globals_mb: c.get(17).map(|m| m.as_str().parse().unwrap_or(0)),
                    procs: c[18].parse().unwrap_or(0),
                    forced: c.get(19).is_some(),
                    detail: None,
                });
            } else if let Some(c) = DETAIL_LINE.captures(line) {
                has_detail = true;
                let number: u64 = c[1].parse().unwrap_or(0);
                if let Some(last) = cycles.last_mut().filter(|l| l.number == number) {
                    let u = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u64>().ok());
                    let bytes = match (u(5), u(6), u(7), u(8), u(9)) {
                        (Some(x), Some(y), Some(z), Some(goal), Some(trigger)) => {
                            Some(DetailBytes {
                                heap: [x, y, z],
                                goal,
                                trigger,
                            })
                        }
                        _ => None,
                    };
                    last.detail = Some(Detail {
                        steps: c[2].parse().unwrap_or(0),
                        longest_ms: c[3].parse().unwrap_or(0.0),
                        sweep_ms: c[4].parse().unwrap_or(0.0),
                        bytes,
                    });
                }
            } else if line.contains("gc ") && line.contains("ms clock") {
                garbled += 1;
            }
        }
        let writer = if has_detail || (!cycles.is_empty() && cycles.iter().all(looks_like_gclox)) {
            Writer::Gclox
        } else {
            Writer::Go
        };
        GctraceLog {
            cycles,
            lines,
            garbled,
            writer,
        }
    }
}

/// gclox's line always has one P, no background or idle mark time, and CPU equal to wall
/// time for its two single-step phases; Go's background workers make `f` non-zero on almost
/// every cycle.
fn looks_like_gclox(l: &GcLine) -> bool {
    l.procs == 1
        && l.cpu_ms[2] == 0.0
        && l.cpu_ms[3] == 0.0
        && l.cpu_ms[0] == l.clock_ms[0]
        && l.cpu_ms[4] == l.clock_ms[2]
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_119: &str = "served 0 requests\n\
gc 1 @0.014s 3%: 0.048+5.7+0.16 ms clock, 0.097+0.11/0.82/4.7+0.33 ms cpu, 3->5->4 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\n\
hello gc 2 @0.027s 5%: 0.013+19+0.11 ms clock, 0.027+2.9/0.88/14+0.22 ms cpu, 8->11->10 MB, 9 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)\n\
gc 3 @0.085s 15%: 0.024+51+0.0 ms clo\n";

    #[test]
    fn reads_go_lines_among_program_output() {
        let log = GctraceLog::parse(GO_119);
        assert_eq!(log.lines, 4);
        assert_eq!(log.cycles.len(), 2);
        assert_eq!(
            log.garbled, 0,
            "a line cut before 'ms clock' is not counted"
        );
        assert_eq!(log.writer, Writer::Go);
        let c = &log.cycles[1];
        assert_eq!(c.number, 2);
        assert_eq!(c.at_s, 0.027);
        assert_eq!(c.cpu_percent, 5);
        assert_eq!(c.clock_ms, [0.013, 19.0, 0.11]);
        assert_eq!(c.cpu_ms, [0.027, 2.9, 0.88, 14.0, 0.22]);
        assert_eq!(c.heap_mb, [8, 11, 10]);
        assert_eq!(
            (c.goal_mb, c.stacks_mb, c.globals_mb),
            (9, Some(0), Some(0))
        );
        assert_eq!((c.procs, c.forced), (2, true));
        assert!(!log.cycles[0].forced);
    }

    #[test]
    fn reads_the_shape_before_go_1_18() {
        let log = GctraceLog::parse(
            "gc 7 @1.250s 2%: 0.010+1.2+0.005 ms clock, 0.080+0.3/1.1/2.0+0.040 ms cpu, 4->4->1 MB, 5 MB goal, 8 P\n\
             gc 8 @1.300s 2%: 0.010+1.2 ms clock, garbage\n",
        );
        assert_eq!(log.cycles.len(), 1);
        assert_eq!(log.cycles[0].stacks_mb, None);
        assert_eq!((log.cycles[0].goal_mb, log.cycles[0].procs), (5, 8));
        assert_eq!(log.garbled, 1);
    }

    #[test]
    fn reads_gclox_lines_with_details() {
        let log = GctraceLog::parse(
            "gc 3 @0.046s 44%: 0.008+21+0.010 ms clock, 0.008+14/0/0+0.010 ms cpu, 13->16->16 MB, 16 MB goal, 0 MB stacks, 0 MB globals, 1 P\n\
             gc 3: steps 313, longest 0.030 ms, sweep 2.0 ms, objects 77840->83185->25341, freed 1 B in 1 objects, heap 1->2->3 B, goal 4 B, trigger 5 B\n\
             pacer: 44% CPU for 66 objects work\n",
        );
        assert_eq!(log.writer, Writer::Gclox);
        let d = log.cycles[0].detail.unwrap();
        assert_eq!((d.steps, d.longest_ms, d.sweep_ms), (313, 0.03, 2.0));
        let b = d.bytes.unwrap();
        assert_eq!((b.heap, b.goal, b.trigger), ([1, 2, 3], 4, 5));
    }
}
