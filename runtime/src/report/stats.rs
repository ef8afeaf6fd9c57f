//! The statistics the report states: the Mann–Kendall trend test, a least-squares slope, mean
//! and variance, percentiles. Written out here (no statistics crate) so each formula is the
//! one the page names.

/// The Mann–Kendall test for a monotonic trend in a series taken in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// `S = Σ_{i<j} sign(x_j − x_i)`: positive when later values tend to be larger.
    pub s: i64,
    /// Variance of `S` under "no trend", with the correction for tied values:
    /// `[n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18` over the groups of `t` equal values.
    pub var_s: f64,
    /// The normal approximation with continuity correction: `(S − sign S) / √var`.
    pub z: f64,
    /// Two-sided p-value of `z` under the standard normal.
    pub p: f64,
}

/// What a trend test says about a series at significance level `ALPHA`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Growing,
    Shrinking,
    /// No monotonic trend at `ALPHA` (or too few points to tell).
    Flat,
}

/// The significance level of the report's trend verdicts.
pub const ALPHA: f64 = 0.05;

impl MannKendall {
    /// The test on `xs` (at least 3 values; `None` otherwise). A constant series has no
    /// trend: `S` = 0 and p = 1.
    pub fn test(xs: &[f64]) -> Option<MannKendall> {
        let n = xs.len();
        if n < 3 {
            return None;
        }
        let mut s: i64 = 0;
        for i in 0..n {
            for j in i + 1..n {
                s += match xs[j].partial_cmp(&xs[i]) {
                    Some(std::cmp::Ordering::Greater) => 1,
                    Some(std::cmp::Ordering::Less) => -1,
                    _ => 0,
                };
            }
        }
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        let tie_term: f64 = sorted
            .chunk_by(|a, b| a == b)
            .map(|g| {
                let t = g.len() as f64;
                t * (t - 1.0) * (2.0 * t + 5.0)
            })
            .sum();
        let nf = n as f64;
        let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - tie_term) / 18.0;
        if var_s <= 0.0 {
            // Every value equal (the tie term then cancels the whole variance).
            return Some(MannKendall {
                s,
                var_s,
                z: 0.0,
                p: 1.0,
            });
        }
        let z = match s.signum() {
            1 => (s - 1) as f64 / var_s.sqrt(),
            -1 => (s + 1) as f64 / var_s.sqrt(),
            _ => 0.0,
        };
        let p = erfc(z.abs() / std::f64::consts::SQRT_2);
        Some(MannKendall { s, var_s, z, p })
    }

    /// Growing or shrinking when the p-value is below [`ALPHA`], flat otherwise.
    pub fn trend(&self) -> Trend {
        if self.p >= ALPHA || self.s == 0 {
            Trend::Flat
        } else if self.s > 0 {
            Trend::Growing
        } else {
            Trend::Shrinking
        }
    }
}

impl Trend {
    pub fn word(self) -> &'static str {
        match self {
            Trend::Growing => "growing",
            Trend::Shrinking => "shrinking",
            Trend::Flat => "flat",
        }
    }
}

/// The complementary error function (Numerical Recipes' Chebyshev fit, relative error below
/// 1.2e-7 everywhere): enough for a p-value printed to three digits.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// The least-squares slope of `y` against `x` (`None` with fewer than 2 points or no spread
/// in `x`).
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// Mean and population variance (`None` for an empty list).
pub fn mean_var(xs: &[f64]) -> Option<(f64, f64)> {
    if xs.is_empty() {
        return None;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    Some((mean, var))
}

/// The `q`-quantile (0 ≤ q ≤ 1) by nearest rank: the smallest value with at least `q` of
/// the values at or below it. `sorted` must be sorted ascending; `None` when empty.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mann_kendall_increasing_series() {
        // S = 10 (all 10 pairs rise), var = 5·4·15/18, z = 9/√(50/3) = 2.2045, p = 0.02749.
        let mk = MannKendall::test(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(mk.s, 10);
        assert!((mk.var_s - 50.0 / 3.0).abs() < 1e-12);
        assert!((mk.z - 2.204_540_8).abs() < 1e-6);
        assert!((mk.p - 0.027_486_3).abs() < 1e-6, "{}", mk.p);
        assert_eq!(mk.trend(), Trend::Growing);
        let down = MannKendall::test(&[5.0, 4.0, 3.0, 2.0, 1.0]).unwrap();
        assert_eq!((down.s, down.trend()), (-10, Trend::Shrinking));
    }

    #[test]
    fn mann_kendall_with_ties() {
        // Pairs: (1,1) tie, the other five rise: S = 5. One tie group of 2:
        // var = (4·3·13 − 2·1·9)/18 = 138/18; z = 4/√var = 1.44463; p = 0.14856.
        let mk = MannKendall::test(&[1.0, 1.0, 2.0, 3.0]).unwrap();
        assert_eq!(mk.s, 5);
        assert!((mk.var_s - 138.0 / 18.0).abs() < 1e-12);
        assert!((mk.p - 0.148_561_8).abs() < 1e-6, "{}", mk.p);
        assert_eq!(mk.trend(), Trend::Flat);
    }

    #[test]
    fn mann_kendall_no_trend_and_degenerate() {
        // Rises and falls cancel: S = 0, p = 1.
        let mk = MannKendall::test(&[3.0, 1.0, 2.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(mk.s, 0);
        assert!((mk.var_s - 76.0 / 3.0).abs() < 1e-12);
        assert!((mk.p - 1.0).abs() < 1e-6);
        assert_eq!(mk.trend(), Trend::Flat);
        assert!(MannKendall::test(&[1.0, 2.0]).is_none());
        let constant = MannKendall::test(&[4.0, 4.0, 4.0]).unwrap();
        assert_eq!(
            (constant.s, constant.p, constant.trend()),
            (0, 1.0, Trend::Flat)
        );
    }

    #[test]
    fn erfc_known_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-7);
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-7);
        assert!((erfc(-1.0) - 1.842_700_793).abs() < 1e-7);
    }

    #[test]
    fn slope_mean_and_quantiles() {
        assert_eq!(slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]), Some(2.0));
        assert_eq!(slope(&[(1.0, 1.0), (1.0, 3.0)]), None);
        assert_eq!(mean_var(&[1.0, 3.0]), Some((2.0, 1.0)));
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&xs, 0.5), Some(50.0));
        assert_eq!(quantile(&xs, 0.99), Some(99.0));
        assert_eq!(quantile(&xs, 1.0), Some(100.0));
        assert_eq!(quantile(&[7.0], 0.0), Some(7.0));
        assert_eq!(quantile(&[], 0.5), None);
    }
}
