//! A small inline SVG chart writer: lines, steps, points and bars on linear or log axes,
//! with ticks, axis labels, a legend and shaded bands (collection cycles). Inline SVG keeps
//! the report one self-contained file that needs no script or network to draw.

use std::fmt::Write;

use super::html::escape;

/// How an axis maps values to pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Linear,
    /// Base 10; values ≤ 0 are not drawn.
    Log,
}

/// One axis: its label (with the unit), scale, range and how its ticks print.
pub struct Axis {
    pub label: String,
    pub scale: Scale,
    pub min: f64,
    pub max: f64,
    pub tick: fn(f64) -> String,
}

/// What a series draws.
pub enum Data {
    /// Points joined in order.
    Line(Vec<(f64, f64)>),
    /// Each value holds until the next point's x.
    Step(Vec<(f64, f64)>),
    /// Unjoined dots.
    Points(Vec<(f64, f64)>),
    /// `(x0, x1, y)`: a bar from the axis to `y` spanning `x0..x1`.
    Bars(Vec<(f64, f64, f64)>),
}

pub struct Series {
    pub name: String,
    /// A CSS colour.
    pub color: &'static str,
    pub dashed: bool,
    pub data: Data,
}

/// One chart. Bands are drawn behind the series, shaded, and named in the legend.
pub struct Chart {
    pub x: Axis,
    pub y: Axis,
    pub series: Vec<Series>,
    pub bands: Vec<(f64, f64)>,
    pub band_name: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// The series colours the page uses, chosen to stay apart for the common colour-vision
/// deficiencies (Okabe–Ito).
pub const COLORS: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
];

const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 46.0;

impl Axis {
    /// A linear axis from 0 (or `min`, when it is below 0) to a little above `max`.
    pub fn linear(label: &str, max: f64, tick: fn(f64) -> String) -> Axis {
        let max = if max > 0.0 { max * 1.05 } else { 1.0 };
        Axis {
            label: label.to_string(),
            scale: Scale::Linear,
            min: 0.0,
            max,
            tick,
        }
    }

    /// A log axis over `[min, max]`, widened to whole decades.
    pub fn log(label: &str, min: f64, max: f64, tick: fn(f64) -> String) -> Axis {
        let lo = min.max(f64::MIN_POSITIVE).log10().floor();
        let hi = max.max(min).log10().ceil().max(lo + 1.0);
        Axis {
            label: label.to_string(),
            scale: Scale::Log,
            min: 10f64.powf(lo),
            max: 10f64.powf(hi),
            tick,
        }
    }

    /// Where `v` falls, from 0 (min) to 1 (max); `None` for a value a log axis cannot show.
    fn frac(&self, v: f64) -> Option<f64> {
        match self.scale {
            Scale::Linear => Some((v - self.min) / (self.max - self.min)),
            Scale::Log if v > 0.0 => {
                Some((v.log10() - self.min.log10()) / (self.max.log10() - self.min.log10()))
            }
            Scale::Log => None,
        }
    }

    fn ticks(&self) -> Vec<f64> {
        match self.scale {
            Scale::Linear => {
                let span = self.max - self.min;
                let raw = span / 6.0;
                let mag = 10f64.powf(raw.log10().floor());
                let step = [1.0, 2.0, 5.0, 10.0]
                    .into_iter()
                    .map(|m| m * mag)
                    .find(|s| span / s <= 7.0)
                    .unwrap_or(10.0 * mag);
                let mut t = (self.min / step).ceil() * step;
                let mut out = vec![];
                while t <= self.max + step * 1e-9 {
                    out.push(t);
                    t += step;
                }
                out
            }
            Scale::Log => {
                let (lo, hi) = (
                    self.min.log10().round() as i32,
                    self.max.log10().round() as i32,
                );
                (lo..=hi).map(|e| 10f64.powi(e)).collect()
            }
        }
    }
}

impl Chart {
    /// A chart of the given size with no series yet.
    pub fn new(x: Axis, y: Axis) -> Chart {
        Chart {
            x,
            y,
            series: vec![],
            bands: vec![],
            band_name: None,
            width: 1100,
            height: 300,
        }
    }

    /// The chart as an `<svg>` element.
    pub fn svg(&self) -> String {
        let (w, h) = (f64::from(self.width), f64::from(self.height));
        let pw = w - LEFT - RIGHT;
        let ph = h - TOP - BOTTOM;
        let px = |v: f64| {
            self.x
                .frac(v)
                .filter(|f| f.is_finite())
                .map(|f| LEFT + f.clamp(-0.01, 1.01) * pw)
        };
        let py = |v: f64| {
            self.y
                .frac(v)
                .filter(|f| f.is_finite())
                .map(|f| TOP + ph - f.clamp(-0.01, 1.01) * ph)
        };
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
        );
        let _ = write!(
            s,
            r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="#fff" stroke="#999"/>"##
        );
        for &(a, b) in &self.bands {
            if let (Some(x0), Some(x1)) = (px(a), px(b)) {
                let _ = write!(
                    s,
                    r##"<rect x="{x0:.1}" y="{TOP}" width="{:.1}" height="{ph}" fill="#e8e8e8"/>"##,
                    (x1 - x0).max(0.6)
                );
            }
        }
        self.grid(&mut s, pw, ph);
        let _ = write!(
            s,
            r#"<svg x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" viewBox="{LEFT} {TOP} {pw} {ph}" overflow="hidden">"#
        );
        for series in &self.series {
            draw_series(&mut s, series, &px, &py, TOP + ph);
        }
        s.push_str("</svg>");
        self.legend(&mut s, w);
        s.push_str("</svg>");
        s
    }

    fn grid(&self, s: &mut String, pw: f64, ph: f64) {
        for t in self.x.ticks() {
            if let Some(f) = self.x.frac(t).filter(|f| (-1e-9..=1.0 + 1e-9).contains(f)) {
                let x = LEFT + f * pw;
                let _ = write!(
                    s,
                    r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                    TOP + ph,
                    TOP + ph + 16.0,
                    escape(&(self.x.tick)(t))
                );
            }
        }
        for t in self.y.ticks() {
            if let Some(f) = self.y.frac(t).filter(|f| (-1e-9..=1.0 + 1e-9).contains(f)) {
                let y = TOP + ph - f * ph;
                let _ = write!(
                    s,
                    r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                    LEFT + pw,
                    LEFT - 6.0,
                    y + 4.0,
                    escape(&(self.y.tick)(t))
                );
            }
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            LEFT + pw / 2.0,
            TOP + ph + 36.0,
            escape(&self.x.label)
        );
        let _ = write!(
            s,
            r#"<text transform="translate(16 {:.1}) rotate(-90)" text-anchor="middle">{}</text>"#,
            TOP + ph / 2.0,
            escape(&self.y.label)
        );
    }

    fn legend(&self, s: &mut String, w: f64) {
        let mut items: Vec<(String, &str, bool, bool)> = self
            .series
            .iter()
            .map(|x| {
                (
                    x.name.clone(),
                    x.color,
                    x.dashed,
                    matches!(x.data, Data::Bars(_)),
                )
            })
            .collect();
        if let Some(name) = &self.band_name {
            items.push((name.clone(), "#e8e8e8", false, true));
        }
        // Right-aligned on one row above the plot: about 7 px per character.
        let widths: Vec<f64> = items
            .iter()
            .map(|i| 34.0 + 7.0 * i.0.chars().count() as f64)
            .collect();
        let mut x = (w - RIGHT - widths.iter().sum::<f64>()).max(LEFT);
        for ((name, color, dashed, boxed), width) in items.iter().zip(widths) {
            if *boxed {
                let _ = write!(
                    s,
                    r##"<rect x="{x:.1}" y="10" width="22" height="12" fill="{color}" stroke="#999"/>"##
                );
            } else {
                let dash = if *dashed {
                    r#" stroke-dasharray="5 3""#
                } else {
                    ""
                };
                let _ = write!(
                    s,
                    r#"<line x1="{x:.1}" y1="16" x2="{:.1}" y2="16" stroke="{color}" stroke-width="2.5"{dash}/>"#,
                    x + 22.0
                );
            }
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="20">{}</text>"#,
                x + 28.0,
                escape(name)
            );
            x += width;
        }
    }
}

fn draw_series(
    s: &mut String,
    series: &Series,
    px: &dyn Fn(f64) -> Option<f64>,
    py: &dyn Fn(f64) -> Option<f64>,
    base: f64,
) {
    let color = series.color;
    let dash = if series.dashed {
        r#" stroke-dasharray="5 3""#
    } else {
        ""
    };
    let path = |points: &mut dyn Iterator<Item = (f64, f64)>| {
        let mut d = String::new();
        let mut pen_up = true;
        for (x, y) in points {
            match (px(x), py(y)) {
                (Some(x), Some(y)) => {
                    let _ = write!(d, "{}{x:.1} {y:.1}", if pen_up { "M" } else { "L" });
                    pen_up = false;
                }
                _ => pen_up = true,
            }
        }
        d
    };
    match &series.data {
        Data::Line(points) => {
            let d = path(&mut points.iter().copied());
            let _ = write!(
                s,
                r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="1.6"{dash}/>"#
            );
        }
        Data::Step(points) => {
            let mut stepped = Vec::with_capacity(points.len() * 2);
            for (i, &(x, y)) in points.iter().enumerate() {
                stepped.push((x, y));
                if let Some(&(nx, _)) = points.get(i + 1) {
                    stepped.push((nx, y));
                }
            }
            let d = path(&mut stepped.into_iter());
            let _ = write!(
                s,
                r#"<path d="{d}" fill="none" stroke="{color}" stroke-width="1.6"{dash}/>"#
            );
        }
        Data::Points(points) => {
            let _ = write!(s, r#"<g fill="{color}">"#);
            for &(x, y) in points {
                if let (Some(x), Some(y)) = (px(x), py(y)) {
                    let _ = write!(s, r#"<circle cx="{x:.1}" cy="{y:.1}" r="2"/>"#);
                }
            }
            s.push_str("</g>");
        }
        Data::Bars(bars) => {
            let _ = write!(
                s,
                r##"<g fill="{color}" fill-opacity="0.75" stroke="#fff" stroke-width="0.5">"##
            );
            for &(x0, x1, y) in bars {
                if let (Some(a), Some(b), Some(top)) = (px(x0), px(x1), py(y)) {
                    let _ = write!(
                        s,
                        r#"<rect x="{a:.1}" y="{top:.1}" width="{:.1}" height="{:.1}"/>"#,
                        (b - a).max(1.0),
                        (base - top).max(0.0)
                    );
                }
            }
            s.push_str("</g>");
        }
    }
}

/// At most about `buckets` × 2 points of `points` (sorted by x): per equal-width x bucket,
/// the lowest and the highest point in x order, so spikes and dips survive downsampling.
pub fn downsample(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= buckets * 2 || buckets == 0 {
        return points.to_vec();
    }
    let (x0, x1) = (points[0].0, points[points.len() - 1].0);
    let width = (x1 - x0).max(f64::MIN_POSITIVE) / buckets as f64;
    let mut out = Vec::with_capacity(buckets * 2 + 2);
    let mut i = 0;
    while i < points.len() {
        let bucket = ((points[i].0 - x0) / width).floor();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < points.len() && ((points[j].0 - x0) / width).floor() == bucket {
            if points[j].1 < points[lo].1 {
                lo = j;
            }
            if points[j].1 > points[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let (a, b) = (lo.min(hi), lo.max(hi));
        out.push(points[a]);
        if b != a {
            out.push(points[b]);
        }
        i = j;
    }
    out
}

/// Tick text for seconds: `0.5 s`, `20 s`.
pub fn tick_seconds(v: f64) -> String {
    format!("{} s", trim(v))
}

/// Tick text for a duration given in seconds on a log axis: `10 µs`, `1 ms`, `100 s`.
pub fn tick_duration(v: f64) -> String {
    if v < 1e-3 {
        format!("{} µs", trim(v * 1e6))
    } else if v < 1.0 {
        format!("{} ms", trim(v * 1e3))
    } else {
        format!("{} s", trim(v))
    }
}

/// Tick text for milliseconds.
pub fn tick_ms(v: f64) -> String {
    trim(v)
}

/// Tick text for MiB.
pub fn tick_plain(v: f64) -> String {
    trim(v)
}

/// Tick text for a fraction as a percentage.
pub fn tick_percent(v: f64) -> String {
    format!("{}%", trim(v * 100.0))
}

/// A number without trailing zeros, at most 4 significant decimals.
fn trim(v: f64) -> String {
    let s = format!("{:.4}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downsampling_keeps_the_extremes() {
        let mut points: Vec<(f64, f64)> = (0..10_000).map(|i| (f64::from(i), 1.0)).collect();
        points[4321].1 = 99.0;
        points[7000].1 = -5.0;
        let d = downsample(&points, 100);
        assert!(d.len() <= 202, "{}", d.len());
        assert!(d.contains(&(4321.0, 99.0)));
        assert!(d.contains(&(7000.0, -5.0)));
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0), "x order kept");
    }

    #[test]
    fn ticks_are_round_numbers() {
        let a = Axis::linear("x", 9.5, tick_plain);
        assert_eq!(a.ticks(), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        let l = Axis::log("w", 1e-5, 3.2, tick_duration);
        let t: Vec<String> = l.ticks().into_iter().map(tick_duration).collect();
        assert_eq!(
            t,
            ["10 µs", "100 µs", "1 ms", "10 ms", "100 ms", "1 s", "10 s"]
        );
    }

    #[test]
    fn chart_has_axes_legend_and_series() {
        let mut c = Chart::new(
            Axis::linear("time (s)", 2.0, tick_seconds),
            Axis::linear("heap (MiB)", 10.0, tick_plain),
        );
        c.series.push(Series {
            name: "live <heap>".into(),
            color: COLORS[0],
            dashed: false,
            data: Data::Line(vec![(0.0, 1.0), (1.0, 5.0), (2.0, 3.0)]),
        });
        c.bands.push((0.5, 0.7));
        c.band_name = Some("GC cycle".into());
        let svg = c.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("live &lt;heap&gt;"));
        assert!(svg.contains("time (s)") && svg.contains("heap (MiB)"));
        assert!(svg.contains("GC cycle"));
        assert_eq!(svg.matches("<path").count(), 1);
    }
}
