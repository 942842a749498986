//! Streaming estimators: memory stays constant however long the run.
//!
//! - [`Tally`]: count, mean, variance, min and max of observations.
//! - [`TimeAverage`]: the time-weighted mean of a count such as a queue length.
//! - [`StateClock`]: time spent in each of a fixed set of states, in integer
//!   nanoseconds, so the fractions of one clock sum to exactly one.
//! - [`Histogram`]: log-linear buckets (under 0.4% relative error) for
//!   quantiles down to p99.999.
//! - [`mean_ci95`]: the Student-t 95% interval over replications; [`clip`]
//!   keeps it within a quantity's range, [`t_two_sided_p`] and [`holm`] test
//!   many paired differences at once.
//! - [`normal_cdf`], [`normal_sf`], [`normal_quantile`], [`erfc`]: the
//!   standard normal distribution (the radio's error curves and random
//!   fields, the truncated normal's mean).
//!
//! ```
//! use factory5g::stats::{Tally, mean_ci95};
//! let mut t = Tally::default();
//! for x in [1.0, 2.0, 3.0] { t.add(x); }
//! assert_eq!(t.mean(), 2.0);
//! let (mean, ci) = mean_ci95(&[9.0, 10.0, 11.0]);
//! assert_eq!(mean, 10.0);
//! let (lo, hi) = ci.unwrap();
//! assert!((hi - 10.0 - 4.303 / 3f64.sqrt()).abs() < 1e-3 && lo < 10.0);
//! ```

mod histogram;
mod intervals;
mod normal;

pub use histogram::{samples_needed, Histogram};
pub(crate) use intervals::lanczos;
pub use intervals::{clip, holm, t_two_sided_p};
pub use normal::{erfc, normal_cdf, normal_quantile, normal_sf};

use crate::engine::SimTime;

/// Count, mean and variance of observations.
///
/// Sums of the observations shifted by the first one ("shifted data"):
/// exact enough whenever the first observation is of the order of the rest,
/// which holds for waits and lead times, and without the division per
/// observation of Welford's update, which showed in the profile of every job.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    count: u64,
    shift: f64,
    sum: f64,
    sum_sq: f64,
    min: f64,
    max: f64,
}

impl Tally {
    #[inline]
    pub fn add(&mut self, x: f64) {
        self.count += 1;
        if self.count == 1 {
            self.shift = x;
            self.min = x;
            self.max = x;
        } else {
            self.min = self.min.min(x);
            self.max = self.max.max(x);
        }
        let d = x - self.shift;
        self.sum += d;
        self.sum_sq += d * d;
    }
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Zero when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.shift + self.sum / self.count as f64
        }
    }
    /// Sample variance (n − 1); zero with fewer than two observations.
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            let n = self.count as f64;
            ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
        }
    }
    pub fn min(&self) -> f64 {
        self.min
    }
    pub fn max(&self) -> f64 {
        self.max
    }
    pub fn clear(&mut self) {
        *self = Tally::default();
    }
}

/// Time-weighted mean of a piecewise-constant count.
///
/// The area under the level is summed in integer count-nanoseconds: exact,
/// and an integer multiply-add per change instead of a conversion to
/// floating point, a multiplication and an addition in a chain.
#[derive(Clone, Debug, Default)]
pub struct TimeAverage {
    level: u64,
    since: SimTime,
    start: SimTime,
    area: u128,
}

impl TimeAverage {
    /// Sets the level from `now` on.
    #[inline]
    pub fn set(&mut self, now: SimTime, level: u64) {
        self.area += area(self.level, now - self.since);
        self.since = now;
        self.level = level;
    }
    #[inline]
    pub fn level(&self) -> u64 {
        self.level
    }
    /// Forgets the past (the warm-up); the level carries on.
    pub fn reset(&mut self, now: SimTime) {
        self.area = 0;
        self.since = now;
        self.start = now;
    }
    /// Mean level from the last reset to `now`.
    pub fn mean(&self, now: SimTime) -> f64 {
        mean_of(
            self.area + area(self.level, now - self.since),
            now - self.start,
            self.level,
        )
    }
}

/// The area under `level` held for `span`, in count-nanoseconds. It cannot
/// overflow: a run's whole area is below its largest level times its
/// length, both below 2^64.
#[inline]
fn area(level: u64, span: SimTime) -> u128 {
    u128::from(level) * u128::from(span.as_nanos())
}

/// The mean level of `area` over `span`, or `level` over no time.
fn mean_of(area: u128, span: SimTime, level: u64) -> f64 {
    if span == SimTime::ZERO {
        level as f64
    } else {
        area as f64 / span.as_nanos() as f64
    }
}

/// Time in each of `N` states, in nanoseconds.
#[derive(Clone, Debug)]
pub struct StateClock<const N: usize> {
    state: usize,
    since: SimTime,
    totals: [u64; N],
}

impl<const N: usize> StateClock<N> {
    pub fn new(state: usize, now: SimTime) -> Self {
        debug_assert!(state < N);
        StateClock {
            state,
            since: now,
            totals: [0; N],
        }
    }
    #[inline]
    pub fn state(&self) -> usize {
        self.state
    }
    /// Enters `state` at `now`.
    #[inline]
    pub fn switch(&mut self, now: SimTime, state: usize) {
        self.totals[self.state] += (now - self.since).as_nanos();
        self.since = now;
        self.state = state;
    }
    /// Forgets the past (the warm-up); the current state carries on.
    pub fn reset(&mut self, now: SimTime) {
        self.totals = [0; N];
        self.since = now;
    }
    /// Totals per state up to `now`.
    pub fn totals(&self, now: SimTime) -> [u64; N] {
        let mut t = self.totals;
        t[self.state] += (now - self.since).as_nanos();
        t
    }
}

/// A run cut into equal time bins: events counted per bin, and the time
/// average of a count per bin. It covers the whole run, warm-up included, so
/// that plots and the warm-up check can see the start; memory is fixed by the
/// number of bins. It also gives the mean level since a mark (the warm-up), as
/// a [`TimeAverage`] of the same level would, without a second update per
/// change.
#[derive(Clone, Debug)]
pub struct TimeSeries {
    bin_ns: u64,
    counts: Vec<u64>,
    /// Count-nanoseconds per bin, exact as in [`TimeAverage`].
    area: Vec<u128>,
    level: u64,
    since: SimTime,
    /// Where [`TimeSeries::mean`] starts: the time and the area up to it.
    mark: (SimTime, u128),
    /// The bin of `since` and where it ends (ns; `u64::MAX` for the last),
    /// so that a change within the same bin costs no division.
    cur_bin: usize,
    bin_end: u64,
}

impl TimeSeries {
    pub fn new(horizon: SimTime, bins: usize) -> Self {
        let bins = bins.max(1);
        let bin_ns = (horizon.as_nanos() / bins as u64).max(1);
        TimeSeries {
            bin_ns,
            counts: vec![0; bins],
            area: vec![0; bins],
            level: 0,
            since: SimTime::ZERO,
            mark: (SimTime::ZERO, 0),
            cur_bin: 0,
            bin_end: if bins == 1 { u64::MAX } else { bin_ns },
        }
    }
    fn bin(&self, t: SimTime) -> usize {
        ((t.as_nanos() / self.bin_ns) as usize).min(self.counts.len() - 1)
    }
    /// The end of bin `b` (ns); `u64::MAX` for the last bin, which runs on.
    fn end_of(&self, b: usize) -> u64 {
        if b + 1 == self.counts.len() {
            u64::MAX
        } else {
            (b as u64 + 1) * self.bin_ns
        }
    }
    #[inline]
    pub fn count(&mut self, now: SimTime) {
        // Time never goes back: `now` is at or after `since`, in its bin or later.
        let b = if now.as_nanos() < self.bin_end {
            self.cur_bin
        } else {
            self.bin(now)
        };
        self.counts[b] += 1;
    }
    #[inline]
    pub fn set_level(&mut self, now: SimTime, level: u64) {
        let end = now.as_nanos();
        if end < self.bin_end {
            // Within the bin of the last change: the common case.
            self.area[self.cur_bin] += area(self.level, now - self.since);
        } else {
            self.set_level_across(end);
        }
        self.since = now;
        self.level = level;
    }
    /// The level ran across bin boundaries since the last change.
    fn set_level_across(&mut self, end: u64) {
        let mut t = self.since.as_nanos();
        while t < end {
            let b = self.bin(SimTime::from_nanos(t));
            let bin_end = self.end_of(b).min(end);
            self.area[b] += area(self.level, SimTime::from_nanos(bin_end - t));
            t = bin_end;
        }
        self.cur_bin = self.bin(SimTime::from_nanos(end));
        self.bin_end = self.end_of(self.cur_bin);
    }
    /// The area under the level from the start to `now` (not before the
    /// last change).
    fn area_to(&self, now: SimTime) -> u128 {
        self.area.iter().sum::<u128>() + area(self.level, now - self.since)
    }
    /// Starts [`TimeSeries::mean`] at `now` (the warm-up); the bins keep
    /// the past.
    pub fn mark(&mut self, now: SimTime) {
        self.mark = (now, self.area_to(now));
    }
    /// Mean level from the last mark (or the start) to `now`.
    pub fn mean(&self, now: SimTime) -> f64 {
        let (from, before) = self.mark;
        mean_of(self.area_to(now) - before, now - from, self.level)
    }
    pub fn bin_s(&self) -> f64 {
        self.bin_ns as f64 * 1e-9
    }
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }
    /// The time-average level of each bin, the level carried to `end`.
    pub fn mean_levels(&self, end: SimTime) -> Vec<f64> {
        let mut s = self.clone();
        s.set_level(end, self.level);
        let n = s.area.len();
        s.area
            .iter()
            .enumerate()
            .map(|(b, a)| {
                let start = b as u64 * s.bin_ns;
                let stop = if b + 1 == n {
                    end.as_nanos()
                } else {
                    (b as u64 + 1) * s.bin_ns
                };
                let len = stop.saturating_sub(start);
                if len == 0 {
                    0.0
                } else {
                    *a as f64 / len as f64
                }
            })
            .collect()
    }
}

/// Mean and Student-t 95% interval of independent replications' values.
/// The interval is `None` with fewer than two values.
pub fn mean_ci95(values: &[f64]) -> (f64, Option<(f64, f64)>) {
    let n = values.len();
    if n == 0 {
        return (0.0, None);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, None);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_975(n as u64 - 1) * (var / n as f64).sqrt();
    (mean, Some((mean - half, mean + half)))
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom: exact table
/// values up to 30, then the Cornish-Fisher expansion (error below 1e-5).
pub fn t_975(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706_204, 4.302_653, 3.182_446, 2.776_445, 2.570_582, 2.446_912, 2.364_624, 2.306_004, 2.262_157,
        2.228_139, 2.200_985, 2.178_813, 2.160_369, 2.144_787, 2.131_450, 2.119_905, 2.109_816, 2.100_922,
        2.093_024, 2.085_963, 2.079_614, 2.073_873, 2.068_658, 2.063_899, 2.059_539, 2.055_529, 2.051_831,
        2.048_407, 2.045_230, 2.042_272,
    ];
    match df {
        0 => f64::INFINITY,
        1..=30 => TABLE[df as usize - 1],
        _ => {
            let z = 1.959_963_984_540_054_f64;
            let d = df as f64;
            let (z3, z5, z7) = (z.powi(3), z.powi(5), z.powi(7));
            z + (z3 + z) / (4.0 * d)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * d * d)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * d * d * d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_matches_two_pass() {
        let xs: Vec<f64> = (0..1000).map(|i| ((i * 37) % 101) as f64 * 0.5 + 1e6).collect();
        let mut t = Tally::default();
        xs.iter().for_each(|&x| t.add(x));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((t.mean() - mean).abs() < 1e-6);
        assert!((t.variance() / var - 1.0).abs() < 1e-9);
        assert_eq!(t.count(), 1000);
    }

    #[test]
    fn time_average_weights_by_duration() {
        let mut a = TimeAverage::default();
        a.set(SimTime::from_secs(0), 2);
        a.set(SimTime::from_secs(1), 4);
        assert!((a.mean(SimTime::from_secs(4)) - 3.5).abs() < 1e-12);
        a.reset(SimTime::from_secs(4));
        assert!((a.mean(SimTime::from_secs(6)) - 4.0).abs() < 1e-12);
        assert_eq!(a.mean(SimTime::from_secs(4)), 4.0);
    }

    #[test]
    fn time_series_bins_counts_and_levels() {
        let mut ts = TimeSeries::new(SimTime::from_secs(10), 5);
        ts.set_level(SimTime::from_secs(1), 2);
        ts.count(SimTime::from_secs(3));
        ts.set_level(SimTime::from_secs(5), 4);
        ts.count(SimTime::from_secs(10));
        assert_eq!(ts.counts(), &[0, 1, 0, 0, 1]);
        let m = ts.mean_levels(SimTime::from_secs(10));
        assert_eq!(m, vec![1.0, 2.0, 3.0, 4.0, 4.0]);
        assert_eq!(ts.bin_s(), 2.0);
        assert_eq!(ts.mean(SimTime::from_secs(10)), 2.8);
        // The mean since a mark is that of a TimeAverage of the same level
        // reset there.
        let mut ts = TimeSeries::new(SimTime::from_secs(10), 5);
        ts.set_level(SimTime::from_secs(1), 2);
        ts.mark(SimTime::from_secs(3));
        ts.set_level(SimTime::from_secs(5), 4);
        assert!((ts.mean(SimTime::from_secs(10)) - 24.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn state_clock_totals_sum_to_elapsed() {
        let mut c = StateClock::<3>::new(0, SimTime::ZERO);
        c.switch(SimTime::from_nanos(5), 2);
        c.switch(SimTime::from_nanos(7), 1);
        c.reset(SimTime::from_nanos(8));
        c.switch(SimTime::from_nanos(10), 0);
        let t = c.totals(SimTime::from_nanos(20));
        assert_eq!(t, [10, 2, 0]);
    }

    #[test]
    fn t_quantiles_are_continuous_past_the_table() {
        assert!((t_975(30) - 2.042_272).abs() < 1e-6);
        assert!((t_975(31) - 2.039_513).abs() < 1e-5);
        assert!((t_975(60) - 2.000_298).abs() < 1e-5);
        assert!((t_975(1000) - 1.962_339).abs() < 1e-5);
    }
}
