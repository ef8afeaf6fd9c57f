//! The text summary `go tool pprof -top` prints, computed from a [`DecodedProfile`].

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write};
use std::str::FromStr;

use super::format::{percentage, scale, scaled_label};
use super::DecodedProfile;

/// Which value of a heap profile's samples to report (pprof's `-sample_index`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleIndex {
    /// `alloc_objects`: objects allocated (count).
    AllocObjects,
    /// `alloc_space`: bytes allocated.
    AllocSpace,
    /// `inuse_objects`: objects still live (count).
    InuseObjects,
    /// `inuse_space`: bytes still live; what pprof shows a Go heap profile by default.
    InuseSpace,
}

impl SampleIndex {
    /// All four, in the order of a Go heap profile's sample types.
    pub const ALL: [SampleIndex; 4] = [
        SampleIndex::AllocObjects,
        SampleIndex::AllocSpace,
        SampleIndex::InuseObjects,
        SampleIndex::InuseSpace,
    ];

    /// Go's name for it, e.g. `"inuse_space"`.
    pub fn name(self) -> &'static str {
        match self {
            SampleIndex::AllocObjects => "alloc_objects",
            SampleIndex::AllocSpace => "alloc_space",
            SampleIndex::InuseObjects => "inuse_objects",
            SampleIndex::InuseSpace => "inuse_space",
        }
    }
}

impl fmt::Display for SampleIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that names no [`SampleIndex`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSampleIndex(pub String);

impl fmt::Display for UnknownSampleIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown sample index {:?} (expected alloc_objects, alloc_space, inuse_objects or inuse_space)",
            self.0
        )
    }
}

impl std::error::Error for UnknownSampleIndex {}

impl FromStr for SampleIndex {
    type Err = UnknownSampleIndex;

    /// Parses Go's names exactly: `alloc_objects`, `alloc_space`, `inuse_objects`,
    /// `inuse_space`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SampleIndex::ALL
            .into_iter()
            .find(|i| i.name() == s)
            .ok_or_else(|| UnknownSampleIndex(s.to_owned()))
    }
}

/// pprof's default `-nodefraction`: nodes whose cum is below this share of the total are
/// dropped from `-top`.
const NODE_FRACTION: f64 = 0.005;

/// One function's totals.
struct Node<'a> {
    name: &'a str,
    flat: i64,
    cum: i64,
}

/// The report `go tool pprof -sample_index=<sample_index> -nodecount=<limit> -top` prints,
/// line for line, except that of pprof's leading lines (File, Build ID, comments, Type,
/// Time, Duration) only the comments and `Type: <name>` are printed.
///
/// The value reported is the one whose sample type is named `sample_index.name()`; a
/// profile without it gets the single line `Type: <name>: no such sample type in profile`.
/// Nodes are functions (pprof's default granularity, grouped by name only): *flat* sums the
/// samples whose innermost frame is in the function, *cum* the samples that have it anywhere
/// in their stack, counted once per sample even under recursion. As in pprof: the total sums
/// every sample's absolute value; nodes with cum below 0.5% of the total are dropped (and a
/// `Dropped N nodes (cum <= X)` line says so); rows sort by |flat| descending, then name;
/// `limit` > 0 keeps the first `limit` rows (`Showing top N nodes out of M`), 0 keeps all;
/// bytes print in the single unit pprof's "minimum" rule picks for the whole report (e.g.
/// `1.50MB`, `512kB`, `100B`), counts as integers; percentages as pprof prints them.
pub fn top(profile: &DecodedProfile, sample_index: SampleIndex, limit: usize) -> String {
    let name = sample_index.name();
    let mut out = String::new();
    for c in profile.comments.iter().filter(|c| !c.starts_with('#')) {
        out.push_str(c);
        out.push('\n');
    }
    let Some(index) = profile.sample_type_index(name) else {
        let _ = writeln!(out, "Type: {name}: no such sample type in profile");
        return out;
    };
    let _ = writeln!(out, "Type: {name}");
    let unit = profile.sample_types[index].unit.to_lowercase();
    let value = |values: &[i64]| values.get(index).copied().unwrap_or(0);

    let total = profile.samples.iter().fold(0i64, |t, s| {
        t.saturating_add(value(&s.values).saturating_abs())
    });

    let mut nodes = build_nodes(profile, value);
    let flat_total = nodes.iter().fold(0i64, |t, n| t.saturating_add(n.flat));
    let cutoff = ((flat_total as f64 * NODE_FRACTION) as i64).saturating_abs();
    let before = nodes.len();
    nodes.retain(|n| n.cum.saturating_abs() >= cutoff);
    let dropped = before - nodes.len();
    nodes.sort_by(|a, b| {
        (b.flat.saturating_abs().cmp(&a.flat.saturating_abs()))
            .then_with(|| a.name.cmp(b.name))
            .then_with(|| b.cum.saturating_abs().cmp(&a.cum.saturating_abs()))
    });
    let listed = nodes.len();
    if limit > 0 {
        nodes.truncate(limit);
    }

    let out_unit = output_unit(&nodes, total, &unit);
    let fmt_value = |v: i64| scaled_label(v, &unit, &out_unit);
    let shown = nodes.iter().fold(0i64, |t, n| t.saturating_add(n.flat));
    let _ = writeln!(
        out,
        "Showing nodes accounting for {}, {} of {} total",
        fmt_value(shown),
        percentage(shown, total).trim(),
        fmt_value(total)
    );
    if total != 0 {
        if dropped > 0 {
            let plural = if dropped > 1 { "nodes" } else { "node" };
            let limit_value = ((total as f64 * NODE_FRACTION) as i64).saturating_abs();
            let _ = writeln!(
                out,
                "Dropped {dropped} {plural} (cum <= {})",
                fmt_value(limit_value)
            );
        }
        if !nodes.is_empty() && nodes.len() < listed {
            let _ = writeln!(out, "Showing top {} nodes out of {listed}", nodes.len());
        }
    }
    let _ = writeln!(
        out,
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%",
        "flat", "flat", "sum", "cum", "cum"
    );
    let mut sum = 0i64;
    for n in &nodes {
        sum = sum.saturating_add(n.flat);
        let _ = writeln!(
            out,
            "{:>10} {} {} {:>10} {}  {}",
            fmt_value(n.flat),
            percentage(n.flat, total),
            percentage(sum, total),
            fmt_value(n.cum),
            percentage(n.cum, total),
            n.name
        );
    }
    out
}

/// Flat and cum per function name, over the samples with a non-zero value; nodes left with
/// both zero (opposite values cancelling) are dropped, as pprof drops them.
fn build_nodes<'a>(profile: &'a DecodedProfile, value: impl Fn(&[i64]) -> i64) -> Vec<Node<'a>> {
    let mut nodes: Vec<Node<'a>> = Vec::new();
    let mut by_name: HashMap<&'a str, usize> = HashMap::new();
    // Decoded frames share their function's name (`Arc<str>`): looking a name up by its
    // address first hashes each distinct name once, not once per frame (a long name in
    // every frame would otherwise cost its length per frame).
    let mut by_address: HashMap<*const u8, usize> = HashMap::new();
    let mut seen: HashSet<usize> = HashSet::new();
    for sample in &profile.samples {
        let v = value(&sample.values);
        if v == 0 {
            continue;
        }
        seen.clear();
        let mut leaf = None; // The last node visited, root to leaf.
        for frame in sample.stack.iter().rev() {
            let address = frame.function.as_ptr();
            let i = match by_address.get(&address) {
                Some(&i) => i,
                None => {
                    let i = *by_name.entry(&*frame.function).or_insert_with(|| {
                        nodes.push(Node {
                            name: &frame.function,
                            flat: 0,
                            cum: 0,
                        });
                        nodes.len() - 1
                    });
                    by_address.insert(address, i);
                    i
                }
            };
            if seen.insert(i) {
                nodes[i].cum = nodes[i].cum.saturating_add(v);
            }
            leaf = Some(i);
        }
        if let Some(i) = leaf {
            nodes[i].flat = nodes[i].flat.saturating_add(v);
        }
    }
    nodes.retain(|n| n.flat != 0 || n.cum != 0);
    nodes
}

/// pprof's `selectOutputUnit`: one unit for the whole report, chosen from the smallest
/// non-zero node value (flat, or cum where flat is 0) and the total; if those differ in unit
/// and the smallest is under 1% of the total, the unit of 100 × the smallest.
fn output_unit(nodes: &[Node<'_>], total: i64, unit: &str) -> String {
    if nodes.is_empty() {
        return "minimum".to_owned();
    }
    let min = nodes
        .iter()
        .map(|n| match n.flat.saturating_abs() {
            0 => n.cum.saturating_abs(),
            f => f,
        })
        .filter(|&v| v > 0)
        .min()
        .unwrap_or(total);
    let (_, min_unit) = scale(min, unit, "minimum");
    let (_, max_unit) = scale(total, unit, "minimum");
    let chosen = if min_unit != max_unit && min.saturating_mul(100) < total {
        scale(min.saturating_mul(100), unit, "minimum").1
    } else {
        min_unit
    };
    if chosen.is_empty() {
        unit.to_owned()
    } else {
        chosen
    }
}
