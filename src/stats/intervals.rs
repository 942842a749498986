//! Intervals that stay within a quantity's range, and the paired t-test's
//! p-values with Holm's adjustment for many comparisons.
//!
//! **Bounds.** A Student-t interval over replications can leave the range
//! of its quantity: a share of time near 0 gets a negative lower end, a
//! queue wait with one long replication a negative wait. [`clip`] cuts the
//! interval at the range's ends and says whether it did. Clipping keeps
//! the interval's coverage exactly: the true mean lies in the range, so it
//! lies in the clipped interval whenever it lies in the original one. A
//! transformed interval (logit for shares, log for waits) would change the
//! method and fails on replications whose value is exactly 0 (a station
//! never in setup), which are common.
//!
//! **Many comparisons.** `compare` tests 20 to 60 KPIs at once; at 95%
//! each, a few differ "significantly" by chance alone. [`holm`] adjusts the
//! p-values by Holm's step-down method (Holm 1979), which bounds the chance
//! of any false finding (the family-wise error) at 5% whatever the
//! dependence between the KPIs, which here is strong and of either sign
//! (the shares of one station's states sum to one). Benjamini-Hochberg's
//! false discovery rate would need positive dependence.
//!
//! [`t_two_sided_p`] is P(|T| ≥ t) for Student's t with `df` degrees of
//! freedom: the regularized incomplete beta function I_x(df/2, 1/2) at
//! x = df/(df + t²), by its continued fraction (Numerical Recipes, 3rd ed.,
//! §6.4, modified Lentz).
//!
//! ```
//! use factory5g::stats::{clip, holm, t_975, t_two_sided_p};
//! assert_eq!(clip(Some((-0.2, 0.5)), 0.0, 1.0), (Some((0.0, 0.5)), true));
//! assert!((t_two_sided_p(t_975(9), 9.0) - 0.05).abs() < 1e-6);
//! assert_eq!(holm(&[0.01, 0.04, 0.03]), vec![0.03, 0.06, 0.06]);
//! ```

/// `ci` cut to `[lo, hi]`, and whether an end was cut.
pub fn clip(ci: Option<(f64, f64)>, lo: f64, hi: f64) -> (Option<(f64, f64)>, bool) {
    match ci {
        Some((a, b)) => {
            let (ca, cb) = (a.clamp(lo, hi), b.clamp(lo, hi));
            (Some((ca, cb)), ca != a || cb != b)
        }
        None => (None, false),
    }
}

/// Holm's adjusted p-values, in the order given: the i-th smallest p times
/// (m − i + 1), made non-decreasing, at most 1. Not-a-number p-values (no
/// test) stay NaN and do not count in m.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let m = order.len();
    let mut adjusted = vec![f64::NAN; p.len()];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

/// P(|T| ≥ |t|) for Student's t with `df` > 0 degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let x = df / (df + t * t);
    incomplete_beta(x, df / 2.0, 0.5).clamp(0.0, 1.0)
}

/// The Lanczos approximation (g = 7, 9 terms) at x ≥ 0.5: `(t, a)` with
/// Γ(x) = √(2π) · t^(x − 1/2) · e^(−t) · a, t = x + 6.5 (relative error
/// below 1e-13). [`crate::model`]'s gamma function and [`ln_gamma`] share it.
pub(crate) fn lanczos(x: f64) -> (f64, f64) {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    (t, a)
}

/// ln Γ(x) for x > 0.
fn ln_gamma(x: f64) -> f64 {
    if x < 0.5 {
        // Reflection.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let (t, a) = lanczos(x);
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x - 0.5) * t.ln() - t + a.ln()
}

/// The regularized incomplete beta function I_x(a, b).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    // The continued fraction converges fast for x < (a + 1)/(a + b + 2);
    // beyond, use the symmetry I_x(a, b) = 1 − I_{1−x}(b, a).
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta function (modified Lentz).
fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::t_975;

    #[test]
    fn p_value_at_the_t_quantile_is_five_percent() {
        // t_975 is an independent table (and expansion): the p-value at it
        // must be 0.05 for every degree of freedom.
        for df in 1..=60u64 {
            let p = t_two_sided_p(t_975(df), df as f64);
            assert!((p - 0.05).abs() < 2e-5, "df {df}: p {p}");
        }
        assert_eq!(t_two_sided_p(0.0, 5.0), 1.0);
        // One degree of freedom is the Cauchy law: P(|T| ≥ 1) = 1/2.
        assert!((t_two_sided_p(1.0, 1.0) - 0.5).abs() < 1e-12);
        assert!((t_two_sided_p(-1.0, 1.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn holm_steps_down_and_keeps_order() {
        // m = 4: 0.01·4, 0.02·3, 0.03·2 → 0.06 (monotone), 0.5·1.
        let adj = holm(&[0.03, 0.5, 0.01, 0.02]);
        let want = [0.06, 0.5, 0.04, 0.06];
        for (a, w) in adj.iter().zip(want) {
            assert!((a - w).abs() < 1e-12, "{adj:?}");
        }
        let with_nan = holm(&[f64::NAN, 0.02, 0.04]);
        assert!(with_nan[0].is_nan());
        assert!((with_nan[1] - 0.04).abs() < 1e-12 && (with_nan[2] - 0.04).abs() < 1e-12);
        assert_eq!(holm(&[0.9, 0.8]), vec![1.0, 1.0]);
    }

    #[test]
    fn clipping_says_when_it_cut() {
        assert_eq!(clip(Some((0.1, 0.2)), 0.0, 1.0), (Some((0.1, 0.2)), false));
        assert_eq!(
            clip(Some((-316.1, 1489.7)), 0.0, f64::INFINITY),
            (Some((0.0, 1489.7)), true)
        );
        assert_eq!(clip(None, 0.0, 1.0), (None, false));
    }
}
