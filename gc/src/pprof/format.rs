//! pprof's number formats (`internal/measurement` in github.com/google/pprof, as vendored in
//! Go 1.19): values with units and percentages, character for character.
//!
//! Only memory units are scaled (B, kB, MB, GB, TB, PB, powers of 1024); any other unit is
//! printed as pprof prints a unit it does not know.

/// pprof's memory units: canonical name, aliases (lower case, singular), factor in bytes.
const MEMORY_UNITS: [(&str, &[&str], f64); 6] = [
    ("B", &["b", "byte"], 1.0),
    ("kB", &["kb", "kbyte", "kilobyte"], (1u64 << 10) as f64),
    ("MB", &["mb", "mbyte", "megabyte"], (1u64 << 20) as f64),
    ("GB", &["gb", "gbyte", "gigabyte"], (1u64 << 30) as f64),
    ("TB", &["tb", "tbyte", "terabyte"], (1u64 << 40) as f64),
    ("PB", &["pb", "pbyte", "petabyte"], (1u64 << 50) as f64),
];

/// The memory unit `unit` names, as pprof's `sniffUnit` finds it (lower-cased, one trailing
/// `s` dropped if longer than two characters): `(canonical name, factor)`.
fn memory_unit(unit: &str) -> Option<(&'static str, f64)> {
    let lower = unit.to_lowercase();
    let key = if lower.len() > 2 {
        lower.strip_suffix('s').unwrap_or(&lower)
    } else {
        &lower
    };
    MEMORY_UNITS
        .iter()
        .find(|(_, aliases, _)| aliases.contains(&key))
        .map(|&(name, _, factor)| (name, factor))
}

/// pprof's `measurement.Scale`: `value` in `from` units, converted to `to` units, where `to`
/// `"minimum"` or `"auto"` picks the largest unit in which the value is at least 1.
/// Returns the number and the unit's name. A `from` that is no memory unit is not converted:
/// the unit is then `""` if `to` is `count`, `sample`, `unit`, `minimum` or `auto`, else `to`.
pub(super) fn scale(value: i64, from: &str, to: &str) -> (f64, String) {
    if value < 0 {
        if let Some(pos) = value.checked_neg() {
            let (v, u) = scale(pos, from, to);
            return (-v, u);
        }
    }
    let Some((_, from_factor)) = memory_unit(from) else {
        let unit = match to {
            "count" | "sample" | "unit" | "minimum" | "auto" => "",
            other => other,
        };
        return (value as f64, unit.to_owned());
    };
    let v = value as f64 * from_factor;
    let (name, factor) = if to == "minimum" || to == "auto" {
        MEMORY_UNITS
            .iter()
            .rev()
            .find(|&&(_, _, f)| v / f >= 1.0)
            .map_or(("B", 1.0), |&(name, _, f)| (name, f))
    } else {
        memory_unit(to).unwrap_or(("B", 1.0))
    };
    (v / factor, name.to_owned())
}

/// pprof's `measurement.ScaledLabel`: `value` scaled as [`scale`] does, printed with two
/// decimals and `.00` dropped (`1.50MB`, `512kB`, `100B`, `1234`); zero prints as `0`.
pub(super) fn scaled_label(value: i64, from: &str, to: &str) -> String {
    let (v, unit) = scale(value, from, to);
    let text = format!("{v:.2}");
    let text = text.strip_suffix(".00").unwrap_or(&text);
    if text == "0" || text == "-0" {
        return "0".to_owned();
    }
    format!("{text}{unit}")
}

/// pprof's `measurement.Percentage`: `|value / total|` as a percentage, `"  100%"` near 100,
/// `%5.2f%%` from 1 up, Go's `%5.2g%%` below (`" 0.25%"`, `"    0%"`).
pub(super) fn percentage(value: i64, total: i64) -> String {
    let ratio = if total != 0 {
        (value as f64 / total as f64).abs() * 100.0
    } else {
        0.0
    };
    if (99.95..=100.05).contains(&ratio) {
        "  100%".to_owned()
    } else if ratio >= 1.0 {
        format!("{ratio:5.2}%")
    } else {
        format!("{:>5}%", go_g2(ratio))
    }
}

/// Go's `%.2g` for a finite `x >= 0`: two significant digits, trailing zeros dropped,
/// exponent form (`1e-05`) when the exponent is below -4 or at least 2.
pub(super) fn go_g2(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x.is_finite() {
            "0".into()
        } else {
            x.to_string()
        };
    }
    // Rust's `{:.1e}` rounds to two significant digits as Go does (half to even, exactly).
    let e = format!("{x:.1e}");
    let Some((mantissa, exp)) = e.split_once('e') else {
        return e;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let all: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = all.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let nd = digits.len() as i32;
    let dp = exp + 1; // Position of the decimal point relative to the digits.
    let eprec = if 2 > nd && nd >= dp { nd } else { 2 };
    if exp < -4 || exp >= eprec {
        let (first, rest) = digits.split_at(1);
        let sign = if exp < 0 { '-' } else { '+' };
        let dot = if rest.is_empty() { "" } else { "." };
        return format!("{first}{dot}{rest}e{sign}{:02}", exp.abs());
    }
    if dp <= 0 {
        return format!("0.{}{digits}", "0".repeat((-dp) as usize));
    }
    let dp = dp as usize;
    if digits.len() <= dp {
        return format!("{digits}{}", "0".repeat(dp - digits.len()));
    }
    format!("{}.{}", &digits[..dp], &digits[dp..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Go 1.19's `fmt.Sprintf("%5.2g", x)` for each x.
    #[test]
    fn g2_matches_go() {
        let go = [
            (0.0, "0"),
            (0.5, "0.5"),
            (0.25, "0.25"),
            (0.125, "0.12"),
            (0.375, "0.38"),
            (0.01234, "0.012"),
            (0.00001, "1e-05"),
            (0.995, "0.99"),
            (0.999, "1"),
            (0.0999, "0.1"),
            (0.1, "0.1"),
            (2.5, "2.5"),
        ];
        for (x, want) in go {
            assert_eq!(go_g2(x), want, "{x}");
        }
        assert_eq!(go_g2(12.0), "12");
        assert_eq!(go_g2(123.0), "1.2e+02");
    }

    #[test]
    fn percentages_match_pprof() {
        assert_eq!(percentage(1, 1), "  100%");
        assert_eq!(percentage(9996, 10000), "  100%");
        assert_eq!(percentage(1, 3), "33.33%");
        assert_eq!(percentage(1, 200), "  0.5%");
        assert_eq!(percentage(0, 5), "    0%");
        assert_eq!(percentage(5, 0), "    0%");
        assert_eq!(percentage(-1, 4), "25.00%");
    }

    #[test]
    fn labels_match_pprof() {
        assert_eq!(scaled_label(3 << 19, "bytes", "minimum"), "1.50MB");
        assert_eq!(scaled_label(512 << 10, "bytes", "minimum"), "512kB");
        assert_eq!(scaled_label(100, "bytes", "minimum"), "100B");
        assert_eq!(scaled_label(100, "bytes", "kB"), "0.10kB");
        assert_eq!(scaled_label(1, "bytes", "MB"), "0");
        assert_eq!(scaled_label(0, "bytes", "minimum"), "0");
        assert_eq!(scaled_label(-2048, "bytes", "minimum"), "-2kB");
        assert_eq!(scaled_label(5 << 40, "bytes", "minimum"), "5TB");
        assert_eq!(scaled_label(1234, "count", "minimum"), "1234");
        assert_eq!(scaled_label(1234, "count", "count"), "1234");
        assert_eq!(scaled_label(7, "widgets", "widgets"), "7widgets");
        // As in Go, where `-value > 0` fails for the minimum and no unit auto-scales it.
        assert_eq!(
            scaled_label(i64::MIN, "bytes", "minimum"),
            "-9223372036854775808B"
        );
    }
}
