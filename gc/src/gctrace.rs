//! The text formats of collector telemetry, in Go's shapes (see README for what each field
//! means in gclox):
//!
//! - level 1, one line per cycle, exactly Go's `GODEBUG=gctrace=1` shape:
//!   `gc N @T.TTTs P%: a+b+c ms clock, d+e/f/g+h ms cpu, X->Y->Z MB, G MB goal, S MB stacks, M MB globals, 1 P`
//! - level 2 adds a second line per cycle with what Go's line lacks:
//!   `gc N: steps S, longest L ms, sweep W ms, objects A->B->C, freed F B in K objects, heap X->Y->Z B, goal G B, trigger T B`
//! - the pacer trace, in the spirit of `GODEBUG=gcpacertrace=1`, one line at each cycle's start
//!   and one at its end.

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

/// The level-2 line.
pub fn detail_line(c: &CycleRecord) -> String {
    format!(
        "gc {}: steps {}, longest {} ms, sweep {} ms, objects {}->{}->{}, freed {} B in {} objects, heap {}->{}->{} B, goal {} B, trigger {} B",
        c.number,
        c.steps,
        fmt_ms(c.longest_step),
        fmt_ms(c.sweep_time),
        c.objects_before,
        c.objects_at_mark_end,
        c.objects_after,
        c.bytes_freed,
        c.objects_freed,
        c.heap_start,
        c.heap_mark_end,
        c.heap_marked,
        c.plan.goal,
        c.plan.trigger,
    )
}

/// The pacer line at a cycle's start: the assist ratio (work units — objects traced — per byte
/// allocated), the expected mark work, the heap now and the goal.
pub fn pacer_start_line(c: &CycleRecord) -> String {
    format!(
        "pacer: assist ratio={} (scan {} objects in {}->{} MB) workers=0+{} trigger={} B goal={} B",
        fmt_sci(c.plan.assist_ratio),
        c.plan.mark_work,
        mb(c.heap_start),
        mb(c.plan.goal.min(u64::MAX >> 1)),
        fmt_sci(0.0),
        c.plan.trigger,
        c.plan.goal,
    )
}

/// The pacer line at a cycle's end: collector share of the cycle's wall time, mark work done
/// vs expected, heap at trigger → at mark end, and the distance to the goal.
pub fn pacer_end_line(c: &CycleRecord) -> String {
    let wall = (c.end - c.start).as_secs_f64();
    let cpu = if wall > 0.0 {
        (c.pause_total().as_secs_f64() / wall * 100.0) as u64
    } else {
        100
    };
    let delta_goal = c.plan.goal.min(u64::MAX >> 1) as i128 - c.heap_mark_end as i128;
    let achieved = if c.plan.goal == 0 || c.plan.goal == u64::MAX {
        0.0
    } else {
        c.heap_mark_end as f64 / c.plan.goal as f64
    };
    format!(
        "pacer: {}% CPU for {} objects work ({} exp.) in {} B -> {} B (∆goal {}, achieved/goal {})",
        cpu,
        c.objects_traced,
        c.plan.mark_work,
        c.heap_start,
        c.heap_mark_end,
        delta_goal,
        fmt_sci(achieved),
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
