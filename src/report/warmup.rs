//! The warm-up check: does the output still trend after the warm-up?
//!
//! [`mser`] is the Marginal Standard Error Rule (White 1997): deleting the
//! first `d` of `n` observations leaves a mean whose squared standard error is
//! estimated by `Σ_{i≥d} (z_i − z̄_d)² / (n − d)²`; MSER picks the `d`, at most
//! `n / 2`, that minimizes it (the smallest such `d` on ties). [`mser5`] applies
//! it to the means of batches of 5 observations (MSER-5, Franklin and White
//! 2008), which smooths the noise of single bins.
//!
//! [`check`] runs MSER-5 on two series after the warm-up, each the mean over
//! replications of [`RunOutput::series`]: the end products completed per bin
//! (as a rate per hour) and the time-average WIP per bin. Throughput is the
//! series the plant's result is made of; WIP shows a plant that is still
//! filling up before anything leaves it, when completions are all zero and
//! MSER sees nothing to truncate.
//!
//! **The criterion.** MSER on a stationary series often truncates a little
//! just by chance (in about 40% of i.i.d. series it picks `d > 0`, in 20% more
//! than a tenth of the series), so the position of the truncation alone is a
//! poor test. A series is flagged when
//!
//! 1. MSER-5 truncates at least one batch (`d ≥ 1`), and
//! 2. the truncated part lies below the rest by more than the 95% confidence
//!    half-width of the truncated mean: `ȳ_d − ȳ_all > h`, where `ȳ_all` is
//!    the mean of the observed series, `ȳ_d` its mean after truncation, and
//!    `h` the Student-t half-width over replications of each replication's
//!    mean after truncation (a zero `h`, identical replications, flags
//!    nothing).
//!
//! That is, the initial transient MSER finds biases the estimate by more
//! than its statistical error; a warm-up as long as the truncation point is
//! then suggested. The test is one-sided because every run starts from an
//! empty, idle plant: its initialization bias is downward (WIP builds up,
//! output follows), while a head above the rest is a random excursion (WIP
//! is skewed upward). Replications are independent, so `h` stays valid
//! however strongly the series is autocorrelated: on stationary synthetic
//! series (i.i.d. or AR(1) up to φ = 0.95 per batch, 2 to 10 replications, 3
//! to 40 batches) the rule fires in under 3% of cases (see the tests), and in
//! about 1 in 40 runs of the built-in scenarios as shipped with 2 to 5
//! replications; `sany18` with no warm-up and a 24 h horizon is flagged
//! for each of 40 seeds with its 10 replications, for 30 of them with 5. When the
//! truncation is at MSER's search limit (half the observed period), the
//! transient may last longer still, and the warning says to raise the
//! horizon too.
//!
//! The check needs two replications or more (with one, the only error
//! estimate would come from batch means, which autocorrelation makes too
//! small: a third of stationary runs would be flagged), and at least two
//! batches (10 bins) after the warm-up. With two replications `h` has one
//! degree of freedom and only a strong transient is flagged; five or more
//! replications give the test its power.

use crate::engine::SimTime;
use crate::factory::RunOutput;
use crate::stats::mean_ci95;

/// Observations per MSER batch.
pub const BATCH: usize = 5;

/// The MSER truncation point of `z`: how many leading observations to delete
/// (0 to `n / 2`). `None` with fewer than two observations.
pub fn mser(z: &[f64]) -> Option<usize> {
    let n = z.len();
    if n < 2 {
        return None;
    }
    // Sums of squared deviations of every suffix, by Welford's update run
    // from the end (stable, one pass).
    let mut ssd = vec![0.0; n];
    let (mut mean, mut m2) = (0.0, 0.0);
    for (k, &x) in z.iter().enumerate().rev() {
        let count = (n - k) as f64;
        let delta = x - mean;
        mean += delta / count;
        m2 += delta * (x - mean);
        ssd[k] = m2.max(0.0);
    }
    let stat = |d: usize| ssd[d] / ((n - d) as f64).powi(2);
    let mut best = (stat(0), 0);
    for d in 1..=n / 2 {
        // A relative tolerance keeps rounding noise from moving a tie later.
        if stat(d) < best.0 - 1e-12 * best.0 {
            best = (stat(d), d);
        }
    }
    Some(best.1)
}

/// MSER-5 of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct Mser5 {
    /// Means of consecutive batches of [`BATCH`] observations (a trailing
    /// partial batch is dropped).
    pub batch_means: Vec<f64>,
    /// Batches to delete.
    pub truncated_batches: usize,
}

impl Mser5 {
    /// Observations to delete.
    pub fn truncation(&self) -> usize {
        self.truncated_batches * BATCH
    }
    /// Whether the truncation is at MSER's search limit (half the batches).
    pub fn at_limit(&self) -> bool {
        self.truncated_batches > 0 && self.truncated_batches == self.batch_means.len() / 2
    }
}

/// MSER-5 of `y`; `None` when `y` holds fewer than two full batches.
pub fn mser5(y: &[f64]) -> Option<Mser5> {
    let batch_means: Vec<f64> = y
        .chunks_exact(BATCH)
        .map(|c| c.iter().sum::<f64>() / BATCH as f64)
        .collect();
    let truncated_batches = mser(&batch_means)?;
    Some(Mser5 {
        batch_means,
        truncated_batches,
    })
}

/// The check of one series.
#[derive(Clone, Debug)]
pub struct SeriesCheck {
    /// "throughput" or "WIP".
    pub series: &'static str,
    /// Unit of the series' values.
    pub unit: &'static str,
    /// Bins after the warm-up, and the first of them.
    pub observed_bins: usize,
    pub first_bin: usize,
    pub bin_s: f64,
    pub mser: Mser5,
    /// Where the series would start after MSER-5's truncation, in seconds
    /// from the start of the run.
    pub truncation_s: f64,
    /// How much the truncation raises the series' mean: its mean after
    /// truncation minus its mean over the whole observed period.
    pub shift: f64,
    /// 95% half-width over replications of the mean after truncation.
    pub half_width: Option<f64>,
    /// Replications the half-width is taken over.
    pub replications: usize,
    /// Whether this series calls for a longer warm-up.
    pub flagged: bool,
}

/// The outcome of the warm-up check.
#[derive(Clone, Debug, Default)]
pub struct WarmupCheck {
    pub warmup_s: f64,
    pub series: Vec<SeriesCheck>,
    /// Why the check could not be applied, if it was not.
    pub skipped: Option<String>,
}

/// Applies MSER-5 to the post-warm-up throughput and WIP series of `outs`.
pub fn check(warmup: SimTime, outs: &[RunOutput]) -> WarmupCheck {
    let warmup_s = warmup.as_secs_f64();
    let mut result = WarmupCheck {
        warmup_s,
        ..WarmupCheck::default()
    };
    let Some(first) = outs.first() else {
        result.skipped = Some("no replication ran".into());
        return result;
    };
    if outs.len() < 2 {
        result.skipped = Some(
            "the warm-up check compares replications, and this run has one (run 2 or more, 5 or more to \
             detect a transient reliably)"
                .into(),
        );
        return result;
    }
    let bin_s = first.series.bin_s;
    let bins = first.series.completions.len();
    if bin_s <= 0.0 || bins == 0 {
        result.skipped = Some("the run has no time series".into());
        return result;
    }
    // The first bin that starts at or after the warm-up.
    let first_bin = ((warmup_s / bin_s) - 1e-9).ceil().max(0.0) as usize;
    let observed = bins.saturating_sub(first_bin);
    if observed < 2 * BATCH {
        result.skipped = Some(format!(
            "the warm-up check needs at least {} time bins after the warm-up; this run has {observed} \
             of {bins} bins of {}",
            2 * BATCH,
            fmt_duration(bin_s)
        ));
        return result;
    }
    let per_hour = 3600.0 / bin_s;
    let throughput: Vec<Vec<f64>> = outs
        .iter()
        .map(|o| {
            o.series.completions[first_bin..]
                .iter()
                .map(|&c| c as f64 * per_hour)
                .collect()
        })
        .collect();
    let wip: Vec<Vec<f64>> = outs.iter().map(|o| o.series.wip[first_bin..].to_vec()).collect();
    for (series, unit, data) in [("throughput", "jobs/h", throughput), ("WIP", "jobs", wip)] {
        if let Some(c) = check_series(series, unit, &data, first_bin, bin_s) {
            result.series.push(c);
        }
    }
    result
}

/// MSER-5 and the bias test on one series given per replication.
fn check_series(
    series: &'static str,
    unit: &'static str,
    per_rep: &[Vec<f64>],
    first_bin: usize,
    bin_s: f64,
) -> Option<SeriesCheck> {
    let reps = per_rep.len();
    let len = per_rep.iter().map(Vec::len).min()?;
    let mean_series: Vec<f64> = (0..len)
        .map(|j| per_rep.iter().map(|r| r[j]).sum::<f64>() / reps as f64)
        .collect();
    let m = mser5(&mean_series)?;
    let used = m.batch_means.len() * BATCH;
    let cut = m.truncation();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let shift = mean(&mean_series[cut..used]) - mean(&mean_series[..used]);
    let tails: Vec<f64> = per_rep.iter().map(|r| mean(&r[cut..used])).collect();
    let half_width = mean_ci95(&tails).1.map(|(lo, hi)| (hi - lo) / 2.0);
    let scale = mean(&mean_series[..used]).abs() + 1.0;
    // One-sided: the series was still rising (see the module doc).
    let flagged = m.truncated_batches > 0 && half_width.is_some_and(|h| h > 0.0 && shift > h + 1e-9 * scale);
    Some(SeriesCheck {
        series,
        unit,
        observed_bins: len,
        first_bin,
        bin_s,
        truncation_s: (first_bin + cut) as f64 * bin_s,
        mser: m,
        shift,
        half_width,
        replications: reps,
        flagged,
    })
}

impl WarmupCheck {
    /// The warning to show, if any series is flagged.
    pub fn warning(&self) -> Option<String> {
        let flagged: Vec<&SeriesCheck> = self.series.iter().filter(|c| c.flagged).collect();
        if flagged.is_empty() {
            return None;
        }
        let clauses: Vec<String> = flagged
            .iter()
            .map(|c| {
                format!(
                    "the {} series is still rising until {} (MSER-5 truncates {} of its {} bins), and dropping \
                     that part raises its mean by {:.3} {}, more than the 95% half-width {:.3}",
                    c.series,
                    fmt_duration(c.truncation_s),
                    c.mser.truncation(),
                    c.observed_bins,
                    c.shift,
                    c.unit,
                    c.half_width.unwrap_or(0.0)
                )
            })
            .collect();
        let until = flagged.iter().map(|c| c.truncation_s).fold(0.0, f64::max);
        let mut text = format!(
            "the warm-up ({}) looks too short: {}; consider --warmup {}",
            fmt_duration(self.warmup_s),
            clauses.join("; "),
            suggest(until)
        );
        if flagged.iter().any(|c| c.mser.at_limit()) {
            text.push_str(
                " or longer: the truncation is at MSER's limit (half the observed period), so the \
                 transient may last longer; raise --horizon by as much",
            );
        } else {
            text.push_str(" (and a --horizon longer by as much to keep the observed period)");
        }
        Some(text)
    }
}

/// A warm-up at least `s` seconds long, rounded up to a whole hour (a whole
/// minute under an hour), as `--warmup` takes it.
fn suggest(s: f64) -> String {
    if s >= 3600.0 {
        format!("{}h", (s / 3600.0 - 1e-9).ceil())
    } else {
        format!("{}min", (s / 60.0 - 1e-9).ceil().max(1.0))
    }
}

/// Seconds as a short readable duration.
pub fn fmt_duration(s: f64) -> String {
    if s >= 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s >= 60.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        // Box-Muller; enough for tests.
        let u: f64 = rng.random::<f64>().max(1e-300);
        let v: f64 = rng.random();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// AR(1) with unit marginal variance, started in its stationary law.
    fn ar1(rng: &mut ChaCha8Rng, n: usize, phi: f64) -> Vec<f64> {
        let mut x = normal(rng);
        (0..n)
            .map(|_| {
                let v = x;
                x = phi * x + (1.0 - phi * phi).sqrt() * normal(rng);
                v
            })
            .collect()
    }

    #[test]
    fn mser_of_tiny_and_constant_series() {
        assert_eq!(mser(&[]), None);
        assert_eq!(mser(&[1.0]), None);
        assert_eq!(mser(&[3.0; 40]), Some(0));
        // One outlier first: deleting it makes the rest constant.
        assert_eq!(mser(&[10.0, 1.0, 1.0, 1.0, 1.0]), Some(1));
        assert_eq!(mser5(&[1.0; 9]), None);
        assert_eq!(mser5(&[1.0; 10]).unwrap().batch_means, vec![1.0, 1.0]);
    }

    #[test]
    fn mser_matches_the_definition() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let z: Vec<f64> = (0..37)
            .map(|i| normal(&mut rng) + 5.0 * (-(i as f64) / 4.0).exp())
            .collect();
        let brute = (0..=z.len() / 2)
            .map(|d| {
                let t = &z[d..];
                let m = t.iter().sum::<f64>() / t.len() as f64;
                t.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (t.len() as f64).powi(2)
            })
            .enumerate()
            .fold(
                (0, f64::INFINITY),
                |best, (d, s)| if s < best.1 { (d, s) } else { best },
            )
            .0;
        assert_eq!(mser(&z), Some(brute));
    }

    #[test]
    fn transient_is_truncated_at_its_end() {
        // A ramp from 0 to 10 over the first 60 of 300 observations, then
        // stationary noise (sd 1) around 10.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut cuts: Vec<usize> = (0..21)
            .map(|_| {
                let y: Vec<f64> = (0..300)
                    .map(|i| 10.0 * (i as f64 / 60.0).min(1.0) + normal(&mut rng))
                    .collect();
                mser5(&y).unwrap().truncation()
            })
            .collect();
        cuts.sort_unstable();
        // Each cut removes most of the ramp and not much else; typically it
        // falls right at its end.
        assert!(cuts.iter().all(|d| (45..=100).contains(d)), "{cuts:?}");
        assert!(
            (55..=70).contains(&cuts[10]),
            "median cut {} for a ramp ending at 60",
            cuts[10]
        );
        // An exponential transient (time constant 20, 5% of its size left
        // at 60): the cut falls between the bulk of it and a bit past.
        let y: Vec<f64> = (0..300)
            .map(|i| 10.0 - 10.0 * (-(i as f64) / 20.0).exp() + 0.5 * normal(&mut rng))
            .collect();
        let d = mser5(&y).unwrap().truncation();
        assert!((30..=100).contains(&d), "truncation {d}");
    }

    #[test]
    fn stationary_series_is_barely_truncated() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut total = 0.0;
        for _ in 0..200 {
            let y: Vec<f64> = (0..200).map(|_| 10.0 + normal(&mut rng)).collect();
            let m = mser5(&y).unwrap();
            total += m.truncation() as f64 / y.len() as f64;
        }
        // MSER truncates a stationary series a little by chance: on average
        // a few percent of it.
        let mean_fraction = total / 200.0;
        assert!(mean_fraction < 0.06, "mean truncated fraction {mean_fraction}");
    }

    fn flagged(reps: &[Vec<f64>]) -> bool {
        check_series("test", "u", reps, 0, 1.0).unwrap().flagged
    }

    #[test]
    fn bias_rule_rarely_flags_stationary_series() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for (reps, bins, phi) in [
            (2, 15, 0.0),
            (2, 110, 0.8),
            (5, 110, 0.0),
            (10, 50, 0.8),
            (3, 110, 0.95),
        ] {
            let trials = 300;
            let alarms = (0..trials)
                .filter(|_| {
                    let data: Vec<Vec<f64>> = (0..reps).map(|_| ar1(&mut rng, bins, phi)).collect();
                    flagged(&data)
                })
                .count();
            assert!(
                alarms * 100 <= 5 * trials,
                "{alarms} false alarms in {trials} ({reps} reps, {bins} bins, phi {phi})"
            );
        }
    }

    #[test]
    fn bias_rule_flags_a_transient() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let trials = 100;
        let hits = (0..trials)
            .filter(|_| {
                let data: Vec<Vec<f64>> = (0..3)
                    .map(|_| {
                        (0..110)
                            .map(|i| 4.0 * (i as f64 / 30.0).min(1.0) + normal(&mut rng))
                            .collect()
                    })
                    .collect();
                flagged(&data)
            })
            .count();
        assert!(hits >= 95, "transient flagged in only {hits} of {trials}");
        // A plant filling up during the whole run: MSER stops at its limit.
        let data: Vec<Vec<f64>> = (0..2)
            .map(|_| {
                (0..110)
                    .map(|i| i as f64 * 0.25 + 0.3 * normal(&mut rng))
                    .collect()
            })
            .collect();
        let c = check_series("WIP", "jobs", &data, 0, 1.0).unwrap();
        assert!(c.flagged && c.mser.at_limit(), "{c:?}");
    }

    #[test]
    fn suggestions_round_up() {
        assert_eq!(suggest(12.2 * 3600.0), "13h");
        assert_eq!(suggest(7200.0), "2h");
        assert_eq!(suggest(61.0), "2min");
        assert_eq!(fmt_duration(5400.0), "1.5 h");
    }
}
