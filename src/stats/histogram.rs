//! A log-linear histogram of non-negative integers (nanoseconds), in the
//! manner of HdrHistogram: values below 256 are exact; above, each power of two
//! is split into 128 buckets, so a quantile is within 1/256 of the true value
//! (reported at the bucket's middle). Memory is at most about 60 kB, whatever
//! the number of values.

/// The samples a quantile `p` needs to be reported: 10 observations beyond
/// it, 10/(1 − p) in all (1,000 for p99, 1,000,000 for p99.999).
pub fn samples_needed(p: f64) -> u64 {
    (10.0 / (1.0 - p)).round() as u64
}

/// Counts of values by bucket.
#[derive(Clone, Debug, Default)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max: u64,
}

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;

#[inline]
fn bucket_of(v: u64) -> usize {
    if v < 2 * SUB {
        return v as usize;
    }
    let exp = 63 - v.leading_zeros(); // >= SUB_BITS + 1
    let shift = exp - SUB_BITS;
    let mantissa = (v >> shift) - SUB; // 0..SUB
    (2 * SUB + u64::from(shift - 1) * SUB + mantissa) as usize
}

/// Lowest value and width of a bucket.
fn bucket_range(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < 2 * SUB {
        return (i, 1);
    }
    let shift = (i - 2 * SUB) / SUB + 1;
    let mantissa = (i - 2 * SUB) % SUB;
    ((SUB + mantissa) << shift, 1u64 << shift)
}

impl Histogram {
    #[inline]
    pub fn add(&mut self, v: u64) {
        let b = bucket_of(v);
        if b >= self.counts.len() {
            self.counts.resize(b + 1, 0);
        }
        self.counts[b] += 1;
        self.total += 1;
        self.max = self.max.max(v);
    }
    pub fn count(&self) -> u64 {
        self.total
    }
    pub fn max(&self) -> u64 {
        self.max
    }
    pub fn clear(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.total = 0;
        self.max = 0;
    }
    /// Adds every value of `other` (pooling replications).
    pub fn merge(&mut self, other: &Histogram) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }
    /// Adds every value of `other`, each counted `weight` times (rounded per
    /// bucket): a mixture of distributions weighted by how often each occurs.
    pub fn merge_weighted(&mut self, other: &Histogram, weight: f64) {
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, &b) in self.counts.iter_mut().zip(&other.counts) {
            if b > 0 {
                let n = (b as f64 * weight).round() as u64;
                *a += n;
                self.total += n;
            }
        }
        if other.total > 0 && weight > 0.0 {
            self.max = self.max.max(other.max);
        }
    }

    /// The `q`-quantile (0 ≤ q ≤ 1): the smallest bucket holding at least a
    /// fraction q of the values, at its middle, capped by the maximum seen;
    /// the top rank is the maximum itself. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        if rank >= self.total {
            return Some(self.max as f64);
        }
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (low, width) = bucket_range(i);
                let mid = low as f64 + (width as f64 - 1.0) / 2.0;
                return Some(mid.min(self.max as f64));
            }
        }
        Some(self.max as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_once() {
        let mut last_end = 0u64;
        for i in 0..bucket_of(u64::MAX) + 1 {
            let (low, width) = bucket_range(i);
            assert_eq!(low, last_end, "bucket {i}");
            assert_eq!(bucket_of(low), i);
            assert_eq!(bucket_of(low + (width - 1)), i);
            last_end = low.wrapping_add(width);
        }
    }

    #[test]
    fn quantiles_within_relative_error() {
        let mut h = Histogram::default();
        let n = 100_000u64;
        for v in 1..=n {
            h.add(v * 1000);
        }
        for q in [0.5, 0.9, 0.99, 0.999, 0.99999] {
            let exact = (q * n as f64).ceil() * 1000.0;
            let got = h.quantile(q).unwrap();
            assert!(
                (got / exact - 1.0).abs() < 1.0 / 256.0 + 1e-9,
                "q={q}: {got} vs {exact}"
            );
        }
        assert_eq!(h.quantile(1.0), Some((n * 1000) as f64));
    }
}
