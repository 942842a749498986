//! A spatially consistent random variable over the floor: a stationary,
//! isotropic Gaussian random field with the exponential correlation of
//! TR 38.901 §7.6.3.1 (and §7.4.4, eq. 7.4-5), `ρ(d) = exp(−d / d_corr)`,
//! which can be evaluated at any point (x, y) in metres, deterministically,
//! without a grid.
//!
//! Method: sum of sinusoids with random wave vectors (the "randomization"
//! form of the spectral method: Shinozuka & Deodatis, "Simulation of
//! stochastic processes by spectral representation", Appl. Mech. Rev.
//! 44(4), 1991; Kramer, Kurbanmuradov & Sabelfeld, "Comparative analysis of
//! multiscale Gaussian random field simulation algorithms", J. Comput. Phys.
//! 226, 2007; QuaDRiGa's sum-of-sinusoids generator for spatially
//! consistent parameters follows the same idea):
//!
//! `X(p) = √(2/N) · Σ_n cos(k_n · p + φ_n)`,
//!
//! with N = [`FIELD_TERMS`] terms, phases φ_n uniform on [0, 2π) and wave
//! vectors k_n drawn independently from the normalized spectral density of
//! the correlation. For ρ(d) = exp(−d/L) in two dimensions that density is
//! isotropic, `S(k) = L² / (2π (1 + (kL)²)^{3/2})`, so the direction is
//! uniform and the radial wave number has the distribution
//! `F(k) = 1 − 1 / √(1 + (kL)²)`, inverted in closed form:
//! `k = √((1 − u)^−2 − 1) / L` for u uniform on [0, 1).
//!
//! Accuracy: over independent fields (replications), `E[X(p)] = 0`,
//! `E[X(p)²] = 1` and `E[X(p) X(p + h)] = E[cos(k·h)] = exp(−|h|/L)`
//! exactly, for any N (the correlation is the characteristic function of
//! the wave-vector distribution). N only sets how Gaussian the marginal is:
//! a sum of N independent random-phase cosines has excess kurtosis
//! −1.5/N (−0.023 at N = 64: the tail P(X > 2) is 0.5% below the normal's)
//! and is bounded by √(2N) = 11.3. Within one field, averages over the
//! floor approach the ensemble ones only over many correlation distances.
//! Cost: N cosines per evaluation, each a branch-free polynomial after
//! reduction to [−π, π] (absolute error below 10⁻¹⁰), four at a time; no
//! memory but the 3N numbers of the field.
//!
//! ```
//! use factory5g::engine::RngStreams;
//! use factory5g::net::CorrelatedField;
//! let mut rng = RngStreams::new(1, 0).stream("field");
//! let field = CorrelatedField::new(10.0, &mut rng);
//! // The same point always gives the same value; a neighbour a few
//! // centimetres away, almost the same.
//! assert_eq!(field.value(3.0, 4.0), field.value(3.0, 4.0));
//! assert!((field.value(3.0, 4.0) - field.value(3.01, 4.0)).abs() < 0.2);
//! ```

use rand::{Rng, RngExt};
use std::f64::consts::TAU;

/// Sinusoids summed per field (see the module documentation for the
/// accuracy this gives).
pub const FIELD_TERMS: usize = 64;

/// Above this wave number (rad/m; a wavelength of 6 µm) a term is capped:
/// it is white noise at any scale that matters either way, and the cap keeps
/// `k · p` within the exact range of [`cos_reduced`] for coordinates up to
/// 10⁶ m. A term exceeds it with probability `1/√(1 + (10⁶ L)²)`, below
/// 10⁻⁶ for L ≥ 1 m.
const MAX_WAVE_NUMBER: f64 = 1e6;

/// The sinusoids, as arrays so that evaluation runs four terms at a time.
#[derive(Clone, Debug, PartialEq)]
struct Waves {
    kx: [f64; FIELD_TERMS],
    ky: [f64; FIELD_TERMS],
    phase: [f64; FIELD_TERMS],
}

/// A zero-mean, unit-variance random field over the plane with correlation
/// `exp(−d / correlation_m)` between points `d` metres apart.
#[derive(Clone, Debug, PartialEq)]
pub struct CorrelatedField {
    correlation_m: f64,
    waves: Box<Waves>,
}

impl CorrelatedField {
    /// Draws a field with correlation distance `correlation_m` (> 0 m) from
    /// `rng` (3 · [`FIELD_TERMS`] numbers: for each term its radial wave
    /// number, direction and phase).
    pub fn new<R: Rng + ?Sized>(correlation_m: f64, rng: &mut R) -> CorrelatedField {
        assert!(
            correlation_m.is_finite() && correlation_m > 0.0,
            "a correlation distance must be positive, got {correlation_m}"
        );
        let mut waves = Box::new(Waves {
            kx: [0.0; FIELD_TERMS],
            ky: [0.0; FIELD_TERMS],
            phase: [0.0; FIELD_TERMS],
        });
        for i in 0..FIELD_TERMS {
            let u: f64 = rng.random();
            let k = radial_wave_number(u, correlation_m).min(MAX_WAVE_NUMBER);
            let direction = TAU * rng.random::<f64>();
            waves.kx[i] = k * direction.cos();
            waves.ky[i] = k * direction.sin();
            waves.phase[i] = TAU * rng.random::<f64>();
        }
        CorrelatedField { correlation_m, waves }
    }

    /// The correlation distance (m).
    pub fn correlation_m(&self) -> f64 {
        self.correlation_m
    }

    /// The field's value at (x, y) in metres: marginally close to a
    /// standard normal (see the module documentation).
    pub fn value(&self, x: f64, y: f64) -> f64 {
        // Four partial sums, so that the terms are evaluated side by side.
        let w = &*self.waves;
        let mut lanes = [0.0; 4];
        for i in (0..FIELD_TERMS).step_by(4) {
            for (lane, sum) in lanes.iter_mut().enumerate() {
                let j = i + lane;
                *sum += cos_reduced(w.kx[j] * x + w.ky[j] * y + w.phase[j]);
            }
        }
        (lanes[0] + lanes[1] + lanes[2] + lanes[3]) * (2.0 / FIELD_TERMS as f64).sqrt()
    }
}

/// cos(x) without a branch: x reduced to [−π, π] by the nearest whole
/// number of turns (rounded by the 1.5·2⁵² trick, exact for |x| < 2⁵⁰), then
/// the Taylor series to x²⁰/20!, whose remainder on [−π, π] is below
/// π²²/22! = 7.7·10⁻¹¹. Several times faster than `f64::cos` on the large
/// arguments of a field, and vectorizable.
#[inline]
fn cos_reduced(x: f64) -> f64 {
    const ROUNDER: f64 = 6_755_399_441_055_744.0;
    let turns = (x * (1.0 / TAU) + ROUNDER) - ROUNDER;
    let r = x - turns * TAU;
    let r2 = r * r;
    // Coefficients (−1)ⁿ / (2n)!, n = 10 down to 0, in Horner form.
    const C: [f64; 11] = [
        4.110_317_623_312_165e-19,
        -1.561_920_696_858_622_5e-16,
        4.779_477_332_387_385e-14,
        -1.147_074_559_772_972_5e-11,
        2.087_675_698_786_81e-9,
        -2.755_731_922_398_589e-7,
        2.480_158_730_158_73e-5,
        -1.388_888_888_888_889e-3,
        4.166_666_666_666_666_4e-2,
        -0.5,
        1.0,
    ];
    C.iter().fold(0.0, |acc, c| acc * r2 + c)
}

/// The radial wave number (rad/m) with CDF `1 − 1/√(1 + (kL)²)` at
/// probability `u` in [0, 1): the spectral density of `exp(−d/L)` in the
/// plane.
fn radial_wave_number(u: f64, correlation_m: f64) -> f64 {
    let survival = 1.0 - u;
    ((survival * survival).recip() - 1.0).max(0.0).sqrt() / correlation_m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;
    use crate::stats::mean_ci95;

    /// Fields drawn for the statistical tests: one per replication, each
    /// from its own stream.
    fn fields(correlation_m: f64, count: u32) -> Vec<CorrelatedField> {
        (0..count)
            .map(|r| CorrelatedField::new(correlation_m, &mut RngStreams::new(42, r).stream("field")))
            .collect()
    }

    /// `per_field` evaluated on every field, then the mean and its 95%
    /// half-width over the fields (each field one replication).
    fn over_fields(fields: &[CorrelatedField], per_field: impl Fn(&CorrelatedField) -> f64) -> (f64, f64) {
        let values: Vec<f64> = fields.iter().map(per_field).collect();
        let (mean, ci) = mean_ci95(&values);
        let (lo, hi) = ci.expect("several fields");
        (mean, (hi - lo) / 2.0)
    }

    /// Points spread over a 1 km square, far apart next to the correlation
    /// distances used here, so that each field contributes many nearly
    /// independent pairs.
    fn spread_points(count: usize) -> impl Iterator<Item = (f64, f64)> {
        (0..count).map(|i| {
            let i = i as f64;
            ((i * 137.508) % 1000.0, (i * 61.803) % 1000.0)
        })
    }

    #[test]
    fn reduced_cosine_matches_the_library_cosine() {
        for i in -20_000..20_000 {
            let x = f64::from(i) * 0.731_3;
            assert!((cos_reduced(x) - x.cos()).abs() < 1e-9, "{x}");
        }
        assert!((cos_reduced(1.0e9 + 0.25) - (1.0e9f64 + 0.25).cos()).abs() < 1e-6);
    }

    #[test]
    fn the_radial_distribution_inverts_its_cdf() {
        for u in [0.0, 0.1, 0.5, 0.9, 0.999] {
            let k = radial_wave_number(u, 7.0);
            let cdf = 1.0 - 1.0 / (1.0 + (k * 7.0).powi(2)).sqrt();
            assert!((cdf - u).abs() < 1e-12, "{u}: {cdf}");
        }
    }

    #[test]
    fn correlation_follows_the_exponential_within_its_interval() {
        let length = 10.0;
        let fields = fields(length, 400);
        for separation in [2.5, 5.0, 10.0, 20.0, 30.0] {
            let expected = (-separation / length).exp();
            let (measured, half) = over_fields(&fields, |f| {
                let pairs: Vec<f64> = spread_points(50)
                    .enumerate()
                    .map(|(i, (x, y))| {
                        // A direction per pair: the field is isotropic.
                        let angle = i as f64 * 2.399_963;
                        let (dx, dy) = (separation * angle.cos(), separation * angle.sin());
                        f.value(x, y) * f.value(x + dx, y + dy)
                    })
                    .collect();
                pairs.iter().sum::<f64>() / pairs.len() as f64
            });
            assert!(half < 0.05, "interval too wide to mean anything: ±{half}");
            assert!(
                (measured - expected).abs() <= half,
                "at {separation} m: measured {measured:.4} ± {half:.4}, expected {expected:.4}"
            );
        }
    }

    #[test]
    fn marginals_are_standard_normal_within_their_intervals() {
        let fields = fields(5.0, 400);
        let points: Vec<(f64, f64)> = spread_points(50).collect();
        let mean_of = |g: &dyn Fn(f64) -> f64| {
            over_fields(&fields, |f| {
                points.iter().map(|&(x, y)| g(f.value(x, y))).sum::<f64>() / points.len() as f64
            })
        };
        let (mean, half) = mean_of(&|v| v);
        assert!(half < 0.05 && mean.abs() <= half, "mean {mean} ± {half}");
        let (second, half) = mean_of(&|v| v * v);
        assert!(
            half < 0.05 && (second - 1.0).abs() <= half,
            "E[X²] {second} ± {half}"
        );
        // The tail beyond two standard deviations: 4.55% for a normal.
        let (beyond, half) = mean_of(&|v| f64::from(u8::from(v.abs() > 2.0)));
        assert!(
            half < 0.01 && (beyond - 0.0455).abs() <= half,
            "P(|X| > 2) {beyond} ± {half}"
        );
    }

    #[test]
    fn a_point_keeps_its_value_and_fields_differ() {
        let mut rng = RngStreams::new(3, 0).stream("f");
        let a = CorrelatedField::new(2.0, &mut rng);
        let b = CorrelatedField::new(2.0, &mut rng);
        assert_eq!(a.value(12.5, -3.25), a.value(12.5, -3.25));
        let again = CorrelatedField::new(2.0, &mut RngStreams::new(3, 0).stream("f"));
        assert_eq!(a, again);
        assert_ne!(a.value(12.5, -3.25), b.value(12.5, -3.25));
        assert_eq!(a.correlation_m(), 2.0);
    }
}
