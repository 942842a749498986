//! The stationary law of a cell's queue under a discard timer: a finite
//! buffer, defined at every load, the saturated ones included.
//!
//! The model. The discard timer drops a packet that has waited more than
//! W opportunities ([`Nr::discard_wait`](crate::net::Nr::discard_wait)).
//! Under first-come-first-served service a block of work that is at
//! position x of the queue when it arrives (x blocks ahead of it) leaves
//! at the opportunity ⌊x / C⌋ after its first one, so it is served exactly
//! when x < B = (W + 1)·C and dropped otherwise: the queue is the slotted
//! queue of the unbounded law with its work before service cut at B,
//!
//! `Q_k = max(min(Q_{k−1} + A_k, B) − C, 0)`, with `Q` in `0..=W·C`.
//!
//! A packet cut in two by B loses the blocks beyond it: in the cell it is
//! dropped when the timer expires, after its first segments took their
//! blocks (the cell's per-packet simulation does the same, so the two agree;
//! see `tests/it/discard.rs`). This is the finite-buffer discrete-time queue
//! of Bruneel & Kim ("Discrete-Time Models for Communication Systems
//! Including ATM", 1993, ch. 4) with the buffer measured in blocks.
//!
//! The numerical method. The chain has up to W·C + 1 states (54,328 for a
//! 100 ms timer on a 273-block FDD carrier), and near a load of 1 its
//! slowest mode is a diffusion across the whole buffer, which the plain
//! iteration of the unbounded law would need millions of steps to settle.
//! So it is solved by iterative aggregation–disaggregation (Takahashi 1975;
//! Stewart, "Introduction to the Numerical Solution of Markov Chains",
//! 1994, §6.3): the states are grouped into bands of at least one
//! opportunity's capacity; each cycle builds the chain of the bands
//! weighted by the current law within each band, solves it exactly with
//! the Grassmann–Taksar–Heyman elimination (GTH, which subtracts nothing
//! and so keeps full relative precision, Grassmann, Taksar & Heyman 1985),
//! spreads each band's probability over its states in the current shape,
//! and takes four steps of the chain to correct that shape. The fixed point of a cycle is the stationary law; the cycles
//! stop when one step of the chain moves less than 10⁻¹⁰ of probability
//! (the residual, kept with the law), or the law is refused after 4,000
//! cycles. Where the place of the backlog within an opportunity mixes
//! slowly (rare large video frames) the cycles are many: that mode belongs
//! to the chain itself, which the bands do not see.

use super::LawError;

/// Most bands of the aggregated chain (its GTH solve costs bands³ / 3).
const MAX_BANDS: usize = 400;
/// The cycles stop when a step of the chain moves less probability (far
/// below what a robot's waits or discards could show: their laws move by
/// at most the law's own error, of the order of this residual over the
/// chain's spectral gap).
pub(super) const BOUNDED_CONVERGED: f64 = 1e-10;
/// Most cycles before the law is refused.
const MAX_CYCLES: usize = 4_000;
/// Steps of the chain after each aggregation.
const STEPS_PER_CYCLE: usize = 4;
/// Largest buffer, blocks (a 10 s timer on 273 blocks every 0.5 ms).
pub(super) const MAX_BUFFER: usize = 6_000_000;

/// The transitions of the bounded chain: arrivals (blocks, probability) in
/// increasing size, and the mass of arrivals from each index on.
struct Chain<'a> {
    capacity: usize,
    top: usize,
    arrivals: &'a [(usize, f64)],
    tail: Vec<f64>,
}

impl Chain<'_> {
    /// Calls `to(j, p)` for every state `j` that state `i` reaches, with
    /// its probability (the arrivals that fill the buffer all land on
    /// `top`, in one call).
    #[inline]
    fn each(&self, i: usize, mut to: impl FnMut(usize, f64)) {
        // Arrivals of at least `top + C − i` blocks fill the buffer.
        let fill = (self.top + self.capacity).saturating_sub(i);
        let cut = self.arrivals.partition_point(|&(a, _)| a < fill);
        for &(a, p) in &self.arrivals[..cut] {
            to((i + a).saturating_sub(self.capacity), p);
        }
        if cut < self.arrivals.len() {
            to(self.top, self.tail[cut]);
        }
    }

    /// One step of the chain from `from` into `into`; returns the
    /// probability it moved.
    fn step(&self, from: &[f64], into: &mut [f64]) -> f64 {
        into.iter_mut().for_each(|x| *x = 0.0);
        for (i, &p) in from.iter().enumerate() {
            if p != 0.0 {
                self.each(i, |j, q| into[j] += p * q);
            }
        }
        from.iter().zip(into.iter()).map(|(a, b)| (a - b).abs()).sum()
    }
}

/// The stationary law of `Q' = max(min(Q + A, top + C) − C, 0)` on
/// `0..=top`, for arrivals `(blocks, probability)` in increasing size.
/// Returns the law, the cycles taken and the residual.
pub(super) fn bounded_stationary(
    capacity: usize,
    arrivals: &[(usize, f64)],
    top: usize,
) -> Result<(Vec<f64>, usize, f64), LawError> {
    if top == 0 {
        return Ok((vec![1.0], 0, 0.0));
    }
    if top > MAX_BUFFER {
        return Err(LawError::Invalid(format!(
            "a discard timer holding {top} blocks is beyond what the queue law computes ({MAX_BUFFER})"
        )));
    }
    let mut tail = vec![0.0; arrivals.len() + 1];
    for k in (0..arrivals.len()).rev() {
        tail[k] = tail[k + 1] + arrivals[k].1;
    }
    let chain = Chain {
        capacity,
        top,
        arrivals,
        tail,
    };
    let states = top + 1;
    // Bands of whole opportunities (the slow drift of the backlog across
    // the buffer), each standing, while it has no mass, at its first state,
    // a multiple of C: a state every chain reaches (it moves on the lattice
    // of its arrival sizes and C; states off it are transient, and mass put
    // there would drain slowly).
    let width = capacity * states.div_ceil(MAX_BANDS).div_ceil(capacity).max(1);
    let bands = Bands {
        width,
        count: states.div_ceil(width),
    };
    let mut law = vec![0.0; states];
    law[0] = 1.0;
    let mut next = vec![0.0; states];
    let mut residual = f64::INFINITY;
    for cycle in 1..=MAX_CYCLES {
        aggregate(&chain, &mut law, bands);
        // Steps of the chain correct the shape within the groups.
        for _ in 0..STEPS_PER_CYCLE {
            residual = chain.step(&law, &mut next);
            std::mem::swap(&mut law, &mut next);
        }
        if residual < BOUNDED_CONVERGED {
            let sum: f64 = law.iter().sum();
            law.iter_mut().for_each(|x| *x /= sum);
            return Ok((law, cycle, residual));
        }
    }
    Err(LawError::Invalid(format!(
        "the bounded queue law did not settle in {MAX_CYCLES} cycles (residual {residual:.1e})"
    )))
}

/// The states in `count` bands of `width` states.
#[derive(Copy, Clone)]
struct Bands {
    width: usize,
    count: usize,
}

impl Bands {
    fn of(self, i: usize) -> usize {
        i / self.width
    }

    /// The state that stands for a band with no mass yet.
    fn first(self, band: usize) -> usize {
        band * self.width
    }
}

/// One aggregation–disaggregation: the chain of the groups, each weighted
/// by the law's shape within it (a group with no mass stands at its first
/// state), solved exactly; each group's new mass spread in that shape.
fn aggregate(chain: &Chain, law: &mut [f64], groups: Bands) {
    let count = groups.count;
    let mut mass = vec![0.0; count];
    for (i, &p) in law.iter().enumerate() {
        mass[groups.of(i)] += p;
    }
    let weight = |i: usize, p: f64, mass: &[f64]| {
        let g = groups.of(i);
        if mass[g] > 0.0 {
            p / mass[g]
        } else {
            f64::from(u8::from(i == groups.first(g)))
        }
    };
    let mut matrix = vec![0.0; count * count];
    for (i, &p) in law.iter().enumerate() {
        let w = weight(i, p, &mass);
        if w == 0.0 {
            continue;
        }
        let row = &mut matrix[groups.of(i) * count..(groups.of(i) + 1) * count];
        chain.each(i, |j, q| row[groups.of(j)] += w * q);
    }
    let coarse = gth(&mut matrix, count);
    for (i, p) in law.iter_mut().enumerate() {
        *p = coarse[groups.of(i)] * weight(i, *p, &mass);
    }
}

/// The stationary law of the `n`-state chain whose transition matrix is
/// `matrix` (row-major, rows summing to 1), by GTH elimination; `matrix` is
/// overwritten.
fn gth(matrix: &mut [f64], n: usize) -> Vec<f64> {
    for k in (1..n).rev() {
        let (upper, row_k) = matrix.split_at_mut(k * n);
        let row_k = &row_k[..n];
        let leave: f64 = row_k[..k].iter().sum();
        // A band that cannot go lower is reached from below only: its
        // share then comes from the rows above, divided by a tiny number
        // rather than by 0.
        let leave = leave.max(f64::MIN_POSITIVE);
        for i in 0..k {
            let row_i = &mut upper[i * n..(i + 1) * n];
            let to_k = row_i[k] / leave;
            row_i[k] = to_k;
            if to_k != 0.0 {
                for (x, &y) in row_i[..k].iter_mut().zip(&row_k[..k]) {
                    *x += to_k * y;
                }
            }
        }
    }
    let mut pi = vec![0.0; n];
    pi[0] = 1.0;
    for j in 1..n {
        pi[j] = (0..j).map(|i| pi[i] * matrix[i * n + j]).sum();
    }
    let sum: f64 = pi.iter().sum();
    pi.iter_mut().for_each(|x| *x /= sum);
    pi
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain iteration of the chain from empty, for small cases.
    fn iterate(capacity: usize, arrivals: &[(usize, f64)], top: usize, steps: usize) -> Vec<f64> {
        let mut law = vec![0.0; top + 1];
        law[0] = 1.0;
        for _ in 0..steps {
            let mut next = vec![0.0; top + 1];
            for (i, &p) in law.iter().enumerate() {
                for &(a, q) in arrivals {
                    next[(i + a).min(top + capacity).saturating_sub(capacity)] += p * q;
                }
            }
            law = next;
        }
        law
    }

    #[test]
    fn gth_solves_a_birth_death_chain() {
        // Birth–death chain with up 0.3, down 0.5: π_k ∝ (0.3/0.5)^k.
        let n = 6;
        let mut m = vec![0.0; n * n];
        for k in 0..n {
            let up = if k + 1 < n { 0.3 } else { 0.0 };
            let down = if k > 0 { 0.5 } else { 0.0 };
            if k + 1 < n {
                m[k * n + k + 1] = up;
            }
            if k > 0 {
                m[k * n + k - 1] = down;
            }
            m[k * n + k] = 1.0 - up - down;
        }
        let pi = gth(&mut m, n);
        let z: f64 = (0..n).map(|k| 0.6f64.powi(k as i32)).sum();
        for (k, p) in pi.iter().enumerate() {
            assert!((p - 0.6f64.powi(k as i32) / z).abs() < 1e-15, "{k}: {p}");
        }
    }

    #[test]
    fn aggregation_reaches_the_fixed_point_of_the_plain_iteration() {
        // Poisson(λ) packets of 3 blocks, 7 blocks per opportunity, buffer
        // of 5 opportunities, below, at and above saturation.
        for lambda in [1.5, 7.0 / 3.0, 3.2] {
            let arrivals: Vec<(usize, f64)> = (0..40)
                .map(|n| {
                    let lp =
                        -lambda + n as f64 * f64::ln(lambda) - (1..=n).map(|k| (k as f64).ln()).sum::<f64>();
                    (3 * n, lp.exp())
                })
                .collect();
            let top = 4 * 7;
            let (law, cycles, residual) = bounded_stationary(7, &arrivals, top).unwrap();
            let plain = iterate(7, &arrivals, top, 20_000);
            let moved: f64 = law.iter().zip(&plain).map(|(a, b)| (a - b).abs()).sum();
            assert!(
                moved < 1e-10,
                "λ {lambda}: {moved} after {cycles} cycles ({residual})"
            );
        }
    }
}
