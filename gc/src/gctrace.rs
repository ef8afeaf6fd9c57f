//! The text formats of collector telemetry, in Go's shapes (see README for what each field
//! means in gclox):
//!
//! - level 1, one line per cycle, exactly Go's `GODEBUG=gctrace=1` shape:
//!   `gc N @T.TTTs P%: a+b+c ms clock, d+e/f/g+h ms cpu, X->Y->Z MB, G MB goal, S MB stacks, M MB globals, 1 P`
//! - level 2 adds a second line per cycle with what Go's line lacks:
//!   `gc N: steps S, longest L ms, sweep W ms, objects A->B->C, traced N, pruned N, freed F B in K objects, heap X->Y->Z B, goal G B, trigger T B, pacer P [state]`
//! - the pacer trace, Go 1.19's `GODEBUG=gcpacertrace=1` lines with Go's exact tokens: one at
//!   each cycle's start, one at its end (before the gc line, as Go prints them).
//!
//! gclox prints a cycle's gc line and pacer end line when its sweep ends, where Go prints them
//! at mark termination: gc-arena counts no bytes while marking, so the marked heap (`Z`, the
//! scan work) is known only once the sweep has freed the rest.

use std::time::Duration;

use crate::cycle::CycleRecord;

/// Go's `fmtNSAsMS`: ≥ 10 ms as whole milliseconds, otherwise two significant digits with at
/// most three decimals; zero as `0`.
pub fn fmt_ms(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns >= 10_000_000 {
        return (ns / 1_000_000).to_string();
    }
    let mut x = ns / 1_000;
    if x == 0 {
        return "0".to_string();
    }
    let mut decimals = 3;
    while x >= 100 {
        x /= 10;
        decimals -= 1;
    }
    itoa_div(x, decimals)
}

/// Go's `itoaDiv`: `value / 10^decimals` printed with exactly `decimals` decimals.
fn itoa_div(value: u128, decimals: u32) -> String {
    let digits = value.to_string();
    let decimals = decimals as usize;
    if decimals == 0 {
        return digits;
    }
    let padded = format!("{digits:0>width$}", width = decimals + 1);
    let (int, frac) = padded.split_at(padded.len() - decimals);
    format!("{int}.{frac}")
}

/// Go's `%e` with a sign and a three-digit exponent, as gcpacertrace prints: `+1.194888e+000`.
pub fn fmt_sci(v: f64) -> String {
    let s = format!("{:+.6e}", v);
    let (mantissa, exp) = s.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:03}", exp.abs())
}

fn mb(bytes: u64) -> u64 {
    bytes >> 20
}

/// The level-1 line. `gc_percent` is the share of wall time since start spent in the collector.
pub fn line(c: &CycleRecord, gc_percent: u64) -> String {
    let secs = c.start.as_millis();
    format!(
        "gc {} @{}s {}%: {}+{}+{} ms clock, {}+{}/{}/{}+{} ms cpu, {}->{}->{} MB, {} MB goal, {} MB stacks, {} MB globals, 1 P{}",
        c.number,
        itoa_div(secs, 3),
        gc_percent,
        fmt_ms(c.first_step),
        fmt_ms(c.concurrent_mark),
        fmt_ms(c.mark_termination),
        fmt_ms(c.first_step),
        fmt_ms(c.mark_assist),
        "0",
        "0",
        fmt_ms(c.mark_termination),
        mb(c.heap_start),
        mb(c.heap_mark_end),
        mb(c.heap_marked),
        mb(c.plan.goal.min(u64::MAX >> 1)),
        mb(c.stack_bytes),
        mb(c.globals_bytes),
        if c.forced { " (forced)" } else { "" },
    )
}

/// The level-2 line: what Go's line lacks (steps, sweep, objects, exact bytes, the policy).
pub fn detail_line(c: &CycleRecord) -> String {
    format!(
        "gc {}: steps {}, longest {} ms, sweep {} ms, objects {}->{}->{}, traced {}, pruned {}, freed {} B in {} objects, heap {}->{}->{} B, goal {} B, trigger {} B, pacer {}{}{}{}",
        c.number,
        c.steps,
        fmt_ms(c.longest_step),
        fmt_ms(c.sweep_time),
        c.objects_before,
        c.objects_at_mark_end,
        c.objects_after,
        c.objects_traced,
        c.entries_pruned,
        c.bytes_freed,
        c.objects_freed,
        c.heap_start,
        c.heap_mark_end,
        c.heap_marked,
        c.plan.goal,
        c.plan.trigger,
        c.pacer,
        if c.pacer_state.is_empty() { "" } else { " " },
        c.pacer_state,
        if c.cpu_limited { ", cpu limited" } else { "" },
    )
}

/// Go 1.19's pacer line at a cycle's start (`gcControllerState.startCycle`):
/// `pacer: assist ratio=R (scan S MB in H->G MB) workers=D+F` — the assist ratio in scan
/// bytes per byte allocated, the expected heap scan, the heap now and the goal, dedicated and
/// fractional workers (gclox has none: `0++0.000000e+000`).
pub fn pacer_start_line(c: &CycleRecord) -> String {
    format!(
        "pacer: assist ratio={} (scan {} MB in {}->{} MB) workers=0+{}",
        fmt_sci(c.plan.assist_ratio),
        mb(c.plan.heap_marked),
        mb(c.heap_start),
        mb(c.plan.goal.min(u64::MAX >> 1)),
        fmt_sci(0.0),
    )
}

/// Go 1.19's pacer line at a cycle's end (`gcControllerState.endCycle`), printed before the
/// gc line: `pacer: U% CPU (E exp.) for H+S+G B work (X B exp.) in T B -> L B (∆goal D,
/// cons/mark C)` — the collector's CPU share of the mark phase and the policy's target, the
/// scan work done (marked heap, stacks, globals) and expected, the heap when the cycle
/// started and at mark termination, mark-termination heap minus goal, and the policy's
/// cons/mark estimate before this cycle.
pub fn pacer_end_line(c: &CycleRecord) -> String {
    let delta_goal = c.heap_mark_end as i128 - c.plan.goal.min(u64::MAX >> 1) as i128;
    format!(
        "pacer: {}% CPU ({} exp.) for {}+{}+{} B work ({} B exp.) in {} B -> {} B (∆goal {}, cons/mark {})",
        (c.mark_utilization * 100.0) as u64,
        c.goal_utilization,
        c.heap_marked,
        c.stack_bytes,
        c.globals_bytes,
        c.plan.scan_expected,
        c.heap_start,
        c.heap_mark_end,
        delta_goal,
        fmt_sci(c.cons_mark),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_format_like_go() {
        let cases = [
            (0, "0"),
            (999, "0"),
            (12_345, "0.012"),
            (49_000, "0.049"),
            (5_100_000, "5.1"),
            (2_900_000, "2.9"),
            (16_000_000, "16"),
            (123_000, "0.12"),
        ];
        for (ns, text) in cases {
            assert_eq!(fmt_ms(Duration::from_nanos(ns)), text, "{ns} ns");
        }
    }

    #[test]
    fn scientific_format_like_go() {
        assert_eq!(fmt_sci(1.194888), "+1.194888e+000");
        assert_eq!(fmt_sci(0.0), "+0.000000e+000");
        assert_eq!(fmt_sci(0.00123), "+1.230000e-003");
    }

    #[test]
    fn seconds_have_three_decimals() {
        assert_eq!(itoa_div(10, 3), "0.010");
        assert_eq!(itoa_div(92, 3), "0.092");
        assert_eq!(itoa_div(12345, 3), "12.345");
    }
}
