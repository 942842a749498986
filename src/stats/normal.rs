//! The standard normal distribution: tail probability and quantile.
//!
//! [`erfc`] is Numerical Recipes' `erfcc` (Chebyshev fit, fractional error
//! below 1.2e-7 everywhere, so tails of 1e-9 keep six or seven digits).
//! [`normal_quantile`] starts from Acklam's rational approximation (relative
//! error 1.15e-9) and takes one Halley step on [`erfc`], so that
//! `normal_sf(normal_quantile(1 − p))` returns `p` to the accuracy of
//! [`erfc`] itself, deep in the tails too.
//!
//! ```
//! use factory5g::stats::{normal_cdf, normal_quantile, normal_sf};
//! assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
//! let z = normal_quantile(1.0 - 1e-5);
//! assert!((normal_sf(z) / 1e-5 - 1.0).abs() < 1e-6);
//! ```

use std::f64::consts::{PI, SQRT_2};

/// Complementary error function (Numerical Recipes' erfcc, |error| < 1.2e-7).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// P(Z ≤ x) for a standard normal Z.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// P(Z > x) for a standard normal Z (the upper tail, without the
/// cancellation of `1 − normal_cdf(x)`).
pub fn normal_sf(x: f64) -> f64 {
    0.5 * erfc(x / SQRT_2)
}

/// The x with P(Z ≤ x) = `p`, for 0 < p < 1 (−∞ and +∞ at 0 and 1).
pub fn normal_quantile(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    // Work in the smaller tail, where the relative error is what counts.
    let (tail, sign) = if p < 0.5 { (p, -1.0) } else { (1.0 - p, 1.0) };
    let z = acklam_lower(tail);
    // One Halley step on the lower tail P(Z ≤ z) = tail.
    let density = (-0.5 * z * z).exp() / (2.0 * PI).sqrt();
    let error = normal_cdf(z) - tail;
    let newton = error / density;
    let refined = z - newton / (1.0 + 0.5 * z * newton);
    sign * -refined
}

/// Acklam's approximation of the lower-tail quantile, for 0 < p ≤ 0.5
/// (a negative number, 0 at 0.5).
fn acklam_lower(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;
    if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_values_match_published_tables() {
        // Abramowitz & Stegun Table 26.1 and the usual z-table.
        for (x, upper) in [
            (0.0, 0.5),
            (1.0, 0.158_655_253_9),
            (1.281_551_565_5, 0.1),
            (2.0, 0.022_750_131_9),
            (3.090_232_306_2, 1e-3),
            (4.264_890_794_0, 1e-5),
            (5.997_807_015_0, 1e-9),
        ] {
            assert!((normal_sf(x) / upper - 1.0).abs() < 3e-7, "{x}: {}", normal_sf(x));
            assert!((normal_cdf(-x) / upper - 1.0).abs() < 3e-7, "{x}");
        }
    }

    #[test]
    fn quantile_inverts_the_tail_and_matches_published_quantiles() {
        for (p, z) in [
            (0.975, 1.959_963_984_5),
            (0.9, 1.281_551_565_5),
            (0.5, 0.0),
            (1e-5, -4.264_890_794_0),
            (1e-9, -5.997_807_015_0),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 1e-6,
                "{p}: {}",
                normal_quantile(p)
            );
        }
        for p in [1e-12, 1e-7, 1e-3, 0.02, 0.3, 0.7, 0.98, 1.0 - 1e-6] {
            let back = normal_cdf(normal_quantile(p));
            let tail = |q: f64| q.min(1.0 - q);
            assert!((tail(back) / tail(p) - 1.0).abs() < 1e-6, "{p}: {back}");
        }
        assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
        assert_eq!(normal_quantile(1.0), f64::INFINITY);
    }
}
