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
//! So it is solved directly: on the lattice of C and the arrival sizes
//! (see [`bounded_stationary`]), by the Grassmann–Taksar–Heyman
//! elimination (GTH, which subtracts nothing and so keeps full relative
//! precision; Grassmann, Taksar & Heyman 1985) of its banded transition
//! matrix: a 100 ms timer at a load of 1 with 1,500-byte packets takes
//! 0.1 s and leaves a residual of 10⁻¹⁶. Where the band is too wide for
//! that (arrival sizes with no common divisor with C, a long timer), by
//! iterative aggregation–disaggregation (Takahashi 1975; Stewart,
//! "Introduction to the Numerical Solution of Markov Chains", 1994,
//! §6.3): the states are grouped into bands of at least one opportunity's
//! capacity; each cycle builds the chain of the bands weighted by the
//! current law within each band, solves it by GTH, spreads each band's
//! probability over its states in the current shape, and takes four steps
//! of the chain to correct that shape. The cycles stop when one step of the
//! chain moves less than 10⁻¹⁰ of probability (the residual, kept with the
//! law), or the law is refused after 4,000 cycles.

use super::LawError;

/// Most bands of the aggregated chain (its GTH solve costs bands³ / 3).
const MAX_BANDS: usize = 400;
/// The cycles stop when a step of the chain moves less probability (far
/// below what a robot's waits or discards could show: their laws move by
/// at most the law's own error, of the order of this residual over the
/// chain's spectral gap).
pub(super) const BOUNDED_CONVERGED: f64 = 1e-10;
/// Largest band matrix the direct solution stores (doubles), and most
/// work it may take (multiply–adds); beyond, the law iterates.
const DIRECT_CELLS: f64 = 2e7;
const DIRECT_WORK: f64 = 2e9;
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
/// Returns the law, the cycles taken (0 for the direct solution) and the
/// residual.
///
/// The chain moves on the lattice of C and the arrival sizes (their
/// greatest common divisor g: 21 blocks for 1,500-byte packets of 42
/// blocks in 273), so it is solved there, with the buffer rounded down to
/// the lattice (at most g − 1 blocks less): states off the lattice are
/// never reached, and a top off it would split the chain into classes that
/// mix only at the buffer's two ends, which no aggregation sees. On the
/// lattice, GTH elimination of the banded chain (each state reaches C
/// below and the largest arrival above, and elimination from the top keeps
/// that band) costs states × band × C/g; where that is too much,
/// [`aggregated`] iterates.
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
            "a discard timer holding {top} blocks is beyond what the queue law computes ({MAX_BUFFER}); shorten the timer"
        )));
    }
    let unit = arrivals
        .iter()
        .filter(|a| a.1 > 0.0)
        .fold(capacity, |g, &(a, _)| gcd(g, a));
    let reduced: Vec<(usize, f64)> = arrivals.iter().map(|&(a, p)| (a / unit, p)).collect();
    let (c, t) = (capacity / unit, top / unit);
    let mut tail = vec![0.0; reduced.len() + 1];
    for k in (0..reduced.len()).rev() {
        tail[k] = tail[k + 1] + reduced[k].1;
    }
    let chain = Chain {
        capacity: c,
        top: t,
        arrivals: &reduced,
        tail,
    };
    let band = c + reduced.last().map_or(0, |a| a.0).saturating_sub(c).min(t) + 1;
    let states = t + 1;
    let (law, cycles, residual) =
        if (states * band) as f64 <= DIRECT_CELLS && (states * band) as f64 * c as f64 <= DIRECT_WORK {
            let law = banded_gth(&chain, band);
            let mut next = vec![0.0; states];
            let residual = chain.step(&law, &mut next);
            (law, 0, residual)
        } else {
            aggregated(&chain)?
        };
    let mut out = vec![0.0; t * unit + 1];
    for (i, p) in law.into_iter().enumerate() {
        out[i * unit] = p;
    }
    Ok((out, cycles, residual))
}

/// Keeps a back-substitution's unnormalised law finite: above saturation
/// the top of the buffer may be 10³⁰⁰ times likelier than the empty queue
/// it starts from, so the values computed so far are scaled down when the
/// last one grows large (the smallest then vanish, as they should).
fn rescale(pi: &mut [f64]) {
    if pi.last().is_some_and(|&p| p > 1e100) {
        pi.iter_mut().for_each(|x| *x *= 1e-100);
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// GTH elimination of the chain from its top state down, rows kept in a
/// band: row i holds the transitions to `i − C ..= i + band − C − 1` (the
/// largest arrival above), at index `j + C − i`. Eliminating state k adds
/// to each state that reaches it (at most `band − C − 1` below) the paths
/// through k, which end at most C below k: the band holds.
fn banded_gth(chain: &Chain, band: usize) -> Vec<f64> {
    let (c, states) = (chain.capacity, chain.top + 1);
    let up = band - c - 1;
    let mut rows = vec![0.0; states * band];
    for i in 0..states {
        let row = &mut rows[i * band..(i + 1) * band];
        chain.each(i, |j, q| row[j + c - i] += q);
    }
    for k in (1..states).rev() {
        let (lower, from_k) = rows.split_at_mut(k * band);
        let row_k = &from_k[..band];
        let low = k.saturating_sub(c);
        // The probability of leaving k downwards, through the states
        // above it included (already folded in).
        let leave: f64 = (low..k)
            .map(|j| row_k[j + c - k])
            .sum::<f64>()
            .max(f64::MIN_POSITIVE);
        for i in k.saturating_sub(up)..k {
            let row_i = &mut lower[i * band..(i + 1) * band];
            let to_k = row_i[k + c - i] / leave;
            row_i[k + c - i] = to_k;
            if to_k != 0.0 {
                for j in low..k {
                    row_i[j + c - i] += to_k * row_k[j + c - k];
                }
            }
        }
    }
    let mut pi = vec![0.0; states];
    pi[0] = 1.0;
    for k in 1..states {
        pi[k] = (k.saturating_sub(up)..k)
            .map(|i| pi[i] * rows[i * band + k + c - i])
            .sum();
        rescale(&mut pi[..=k]);
    }
    let sum: f64 = pi.iter().sum();
    pi.iter_mut().for_each(|x| *x /= sum);
    pi
}

/// The stationary law by aggregation–disaggregation, for chains too large
/// for [`banded_gth`]: the cycles taken and the residual.
fn aggregated(chain: &Chain) -> Result<(Vec<f64>, usize, f64), LawError> {
    let capacity = chain.capacity;
    let states = chain.top + 1;
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
        aggregate(chain, &mut law, bands);
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
        rescale(&mut pi[..=j]);
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
    fn both_solutions_reach_the_fixed_point_of_the_plain_iteration() {
        // Poisson(λ) packets of 3 blocks, 7 blocks per opportunity, buffer
        // of 5 opportunities, below, at and above saturation: the banded
        // GTH, the aggregation and 20,000 plain steps from empty agree.
        for lambda in [1.5, 7.0 / 3.0, 3.2] {
            let arrivals: Vec<(usize, f64)> = (0..40)
                .map(|n| {
                    let lp =
                        -lambda + n as f64 * f64::ln(lambda) - (1..=n).map(|k| (k as f64).ln()).sum::<f64>();
                    (3 * n, lp.exp())
                })
                .collect();
            let top = 4 * 7;
            let mut tail = vec![0.0; arrivals.len() + 1];
            for k in (0..arrivals.len()).rev() {
                tail[k] = tail[k + 1] + arrivals[k].1;
            }
            let chain = Chain {
                capacity: 7,
                top,
                arrivals: &arrivals,
                tail,
            };
            let plain = iterate(7, &arrivals, top, 20_000);
            let distance = |law: &[f64]| -> f64 { law.iter().zip(&plain).map(|(a, b)| (a - b).abs()).sum() };
            let band = 7 + arrivals.last().unwrap().0 - 7 + 1;
            let direct = banded_gth(&chain, band.min(7 + top + 1));
            assert!(
                distance(&direct) < 1e-10,
                "λ {lambda}: direct {}",
                distance(&direct)
            );
            let (law, cycles, residual) = aggregated(&chain).unwrap();
            assert!(
                distance(&law) < 1e-8,
                "λ {lambda}: {} after {cycles} cycles ({residual})",
                distance(&law)
            );
            // Through the lattice: a buffer off it (4 opportunities and 2
            // blocks) is rounded down to it (gcd 1 here: kept).
            let (whole, _, _) = bounded_stationary(7, &arrivals, top).unwrap();
            assert!(distance(&whole) < 1e-10);
        }
    }

    #[test]
    fn far_above_saturation_the_law_stays_finite_at_the_top() {
        // 1.7 times the capacity into a buffer of 2,000 opportunities: the
        // empty queue is some 10⁻⁸⁰⁰ as likely as the full one.
        let lambda = 1.7 * 13.0;
        let arrivals: Vec<(usize, f64)> = (0..80)
            .map(|n| {
                let lp = -lambda + n as f64 * f64::ln(lambda) - (1..=n).map(|k| (k as f64).ln()).sum::<f64>();
                (n, lp.exp())
            })
            .collect();
        let (law, _, residual) = bounded_stationary(13, &arrivals, 2_000 * 13).unwrap();
        assert!(law.iter().all(|p| p.is_finite()), "not finite");
        assert!(residual < 1e-12, "{residual}");
        // Nearly always within a few opportunities of the top.
        let near_top: f64 = law.iter().rev().take(5 * 13).sum();
        assert!(near_top > 0.999, "{near_top}");
    }

    #[test]
    fn the_lattice_keeps_the_law_of_the_blocks() {
        // Packets of 6 blocks in 12 per opportunity: the chain lives on
        // multiples of 6 (of 2 with 12 and 6 and 4); solved on the lattice
        // and spread back, the law equals the plain iteration in blocks,
        // the buffer rounded down to the lattice.
        let arrivals: Vec<(usize, f64)> = vec![(0, 0.3), (4, 0.2), (6, 0.3), (12, 0.1), (18, 0.1)];
        let top = 12 * 6 + 1; // off the lattice of 2: rounded to 72
        let (law, _, _) = bounded_stationary(12, &arrivals, top).unwrap();
        assert_eq!(law.len(), 73);
        let plain = iterate(12, &arrivals, 72, 20_000);
        let distance: f64 = law.iter().zip(&plain).map(|(a, b)| (a - b).abs()).sum();
        assert!(distance < 1e-10, "{distance}");
        assert!(law.iter().skip(1).step_by(2).all(|&p| p == 0.0));
    }
}
