//! The stationary law of a cell's slotted queue, so that a robot packet can
//! draw the wait the background traffic would have made it suffer without
//! the background's packets being simulated one by one.
//!
//! ```
//! use factory5g::engine::RngStreams;
//! use factory5g::net::{Batches, QueueLaw};
//! // 10 blocks per opportunity; Poisson packets of 1 block, 5 per opportunity on average.
//! let law = QueueLaw::new(10, vec![Batches::Poisson { mean: 5.0, blocks: 1 }], Vec::new()).unwrap();
//! assert!((law.load() - 0.5).abs() < 1e-12);
//! let mut rng = RngStreams::new(1, 0).stream("law");
//! let waited = law.sample_wait(3, &mut rng);
//! assert!(waited < 10);
//! ```
//!
//! The model. Every transmission opportunity of a direction offers `C`
//! resource blocks. Background packets arrive between opportunities; the
//! blocks they need during the interval before opportunity k form a batch
//! `A_k`, independent from one interval to the next (Poisson packets; video
//! frames approximated as one Bernoulli trial per camera and interval). The
//! backlog left after opportunity k obeys Lindley's recursion
//! `Q_k = max(Q_{k−1} + A_k − C, 0)`: a discrete-time queue with batch
//! arrivals and a deterministic bulk service of `C` blocks per slot, the
//! slotted M/D/1 of Bruneel & Kim, "Discrete-Time Models for Communication
//! Systems Including ATM" (Kluwer 1993, ch. 3–4). Its stationary law exists
//! when `E[A] < C` and is computed here numerically:
//! - the state space is truncated at `L = ⌈ln(1/ε) / θ*⌉` blocks, where
//!   θ* above 0 solves `ln E[exp(θ (A − C))] = 0`: Kingman's bound
//!   `P(Q ≥ x) ≤ exp(−θ* x)` (Kingman 1964; Asmussen, "Applied
//!   Probability and Queues", XIII.5) makes the tail mass cut off at most
//!   ε = 10⁻¹²;
//! - the backlog's law is the fixed point of the recursion, reached by
//!   iterating it from an empty queue (each iterate is the law of the
//!   maximum of the first n steps of the random walk, so they increase to
//!   the limit) until an iteration moves less than 10⁻¹³ of probability.
//!
//! A robot packet of `b` blocks that becomes ready at a uniform point `u` of
//! an interval waits behind (strict priority between levels, first come
//! first served within its level, as the `fifo` scheduler serves):
//! - the backlog `Q` of every background level at or above its own (those
//!   levels are served before the rest, so their backlog is a queue of its
//!   own, fed by their arrivals alone);
//! - the part `u` of the interval's arrivals of its own level (they came
//!   before it) and all of those of higher levels (they overtake it);
//! - at every later opportunity, the higher levels' new arrivals.
//!
//! It leaves at the first opportunity whose capacity covers that work:
//! without higher levels, after `W = ⌈(Q + A_u + b) / C⌉ − 1`
//! opportunities. With `C` = 1, one-block packets and Poisson arrivals of
//! mean ρ this gives `E[Q] = ρ² / (2 (1 − ρ))` and `E[W] = ρ / (2 (1 − ρ))`
//! opportunities: the M/D/1 waiting time (Kleinrock, "Queueing Systems"
//! vol. 1, §5.7, with a service time of one opportunity), which the tests
//! check.
//!
//! What makes the law usable for robot messages in a running plant: the
//! robot packets are few and small beside the background, so they do not
//! change the backlog (exact as their share of the blocks goes to 0), and
//! they are sparse beside the queue's relaxation time (a few opportunities
//! below ρ = 0.8), so the backlogs two robot packets find are nearly
//! independent and each can be drawn on its own from the stationary law.
//! Two packets sent within a few opportunities of each other in a heavily
//! loaded cell would in truth see correlated backlogs; the law gives them
//! independent ones (the same mean, the same distribution, less
//! correlation).
//!
//! Under a discard timer ([`QueueLaw::with_buffer`]) the background's
//! packets that wait too long are dropped, and the queue is a finite buffer
//! of B blocks of work ([`Nr::discard_buffer`](crate::net::Nr::discard_buffer))
//! whose law exists at every load ([`bounded`]'s module docs give the model
//! and the method). Where the unbounded law exists and its tail beyond the
//! buffer is below [`TAIL_MASS`], the two agree to that mass and the
//! unbounded one is used. Whether a robot packet's own wait exceeds its
//! timer is left to the caller, who knows when it was sent: the law gives
//! the wait its place in the queue leads to.

mod bounded;

use crate::engine::StreamRng;
use rand::RngExt;
use rand_distr::{Binomial, Distribution, Poisson};

/// Tail mass the truncation of the backlog may cut off (Kingman's bound).
pub const TAIL_MASS: f64 = 1e-12;
/// The iteration stops when it moves less probability than this.
const CONVERGED: f64 = 1e-13;
/// Most work (iterations × states × arrival sizes) the recursion may take,
/// a few seconds: beyond, the load is refused as too close to saturation
/// (with 1,500-byte packets in 273 blocks, a load of 0.95 takes 7·10⁸,
/// 0.99 about 9·10¹⁰).
const MAX_WORK: f64 = 1e10;
/// Largest truncated backlog, blocks: a law needing more is refused as too
/// close to saturation.
pub const MAX_STATES: u64 = 4_000_000;
/// Intervals of `u` over which the wait's law is averaged.
const U_POINTS: usize = 256;

/// The background blocks that arrive during one interval between
/// opportunities, from one source of traffic.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Batches {
    /// A Poisson number of packets of `blocks` each, `mean` per interval.
    Poisson { mean: f64, blocks: u64 },
    /// `sources` independent senders, each with one batch of `blocks` in an
    /// interval with probability `p` (video frames at a uniform phase).
    Bernoulli { sources: u32, p: f64, blocks: u64 },
}

impl Batches {
    /// Mean blocks per interval.
    pub fn mean_blocks(&self) -> f64 {
        match *self {
            Batches::Poisson { mean, blocks } => mean * blocks as f64,
            Batches::Bernoulli { sources, p, blocks } => f64::from(sources) * p * blocks as f64,
        }
    }

    /// `ln E[exp(θ A)]`.
    fn log_mgf(&self, theta: f64) -> f64 {
        match *self {
            Batches::Poisson { mean, blocks } => mean * (theta * blocks as f64).exp_m1(),
            Batches::Bernoulli { sources, p, blocks } => {
                f64::from(sources) * (p * (theta * blocks as f64).exp_m1()).ln_1p()
            }
        }
    }

    /// The law of the blocks that arrive in a share `fraction` of an
    /// interval: (blocks, probability), mass below 10⁻¹⁶ left out.
    fn pmf(&self, fraction: f64) -> Vec<(u64, f64)> {
        let (counts, blocks) = match *self {
            Batches::Poisson { mean, blocks } => (poisson_pmf(mean * fraction), blocks),
            Batches::Bernoulli { sources, p, blocks } => (binomial_pmf(sources, p * fraction), blocks),
        };
        counts
            .into_iter()
            .enumerate()
            .filter(|&(_, p)| p > 0.0)
            .map(|(n, p)| (n as u64 * blocks, p))
            .collect()
    }

    /// Blocks arriving in a share `fraction` of an interval.
    fn sample(&self, fraction: f64, rng: &mut StreamRng) -> u64 {
        match *self {
            Batches::Poisson { mean, blocks } => {
                let m = mean * fraction;
                if m <= 0.0 {
                    return 0;
                }
                let n: f64 = Poisson::new(m).map_or(0.0, |d| d.sample(rng));
                n as u64 * blocks
            }
            Batches::Bernoulli { sources, p, blocks } => {
                let q = (p * fraction).clamp(0.0, 1.0);
                let n = Binomial::new(u64::from(sources), q).map_or(0, |d| d.sample(rng));
                n * blocks
            }
        }
    }
}

/// Poisson probabilities 0, 1, … up to where the rest is below 10⁻¹⁶,
/// computed in logarithms (no underflow for large means).
fn poisson_pmf(mean: f64) -> Vec<f64> {
    if mean <= 0.0 {
        return vec![1.0];
    }
    let top = (mean + 12.0 * mean.sqrt() + 30.0).ceil() as usize;
    let mut out = Vec::with_capacity(top + 1);
    let mut lp = -mean;
    for n in 0..=top {
        if n > 0 {
            lp += mean.ln() - (n as f64).ln();
        }
        out.push(lp.exp());
    }
    normalise(out)
}

/// Binomial(n, p) probabilities.
fn binomial_pmf(n: u32, p: f64) -> Vec<f64> {
    let p = p.clamp(0.0, 1.0);
    if p == 0.0 {
        return vec![1.0];
    }
    if p == 1.0 {
        let mut out = vec![0.0; n as usize + 1];
        out[n as usize] = 1.0;
        return out;
    }
    let mut out = Vec::with_capacity(n as usize + 1);
    let mut lp = f64::from(n) * (-p).ln_1p();
    let odds = (p / (1.0 - p)).ln();
    for k in 0..=n {
        if k > 0 {
            lp += (f64::from(n - k + 1) / f64::from(k)).ln() + odds;
        }
        out.push(lp.exp());
    }
    normalise(out)
}

fn normalise(mut v: Vec<f64>) -> Vec<f64> {
    let s: f64 = v.iter().sum();
    if s > 0.0 {
        v.iter_mut().for_each(|x| *x /= s);
    }
    while v.len() > 1 && v.last().is_some_and(|&x| x < 1e-18) {
        v.pop();
    }
    v
}

/// The law of the sum of independent sources (dense, by blocks).
fn convolve_all(sources: &[Batches], fraction: f64) -> Vec<f64> {
    let mut total = vec![1.0];
    for s in sources {
        let part = s.pmf(fraction);
        let top = part.iter().map(|&(b, _)| b as usize).max().unwrap_or(0);
        let mut next = vec![0.0; total.len() + top];
        for (i, &p) in total.iter().enumerate() {
            if p == 0.0 {
                continue;
            }
            for &(b, q) in &part {
                next[i + b as usize] += p * q;
            }
        }
        total = normalise(next);
    }
    total
}

/// Why no law could be computed.
#[derive(Clone, Debug, PartialEq)]
pub enum LawError {
    /// The offered load reaches the capacity: the queue has no stationary
    /// law (or one too slow to compute, above a load of about 0.97).
    Saturated { load: f64 },
    /// Bad input (no capacity, a negative or non-finite rate).
    Invalid(String),
}

impl std::fmt::Display for LawError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LawError::Saturated { load } => write!(
                f,
                "offered load {load:.3} of the capacity: the queue grows without bound"
            ),
            LawError::Invalid(why) => f.write_str(why),
        }
    }
}

/// The stationary backlog of one priority level's view of a cell's queue,
/// and the waits it gives a robot packet.
#[derive(Clone, Debug)]
pub struct QueueLaw {
    capacity: u64,
    /// Sources of the robot's own level: the part before it goes ahead.
    equal: Vec<Batches>,
    /// Sources of higher levels: they all go ahead, now and later.
    higher: Vec<Batches>,
    /// P(Q ≤ q) for q = 0..=L, backlog after an opportunity.
    cdf: Vec<f64>,
    load: f64,
    iterations: usize,
    /// Blocks of work before an opportunity's service that the discard
    /// timer leaves in the queue (`None`: no timer).
    buffer: Option<u64>,
    /// Probability the last step of the solution moved.
    residual: f64,
}

impl QueueLaw {
    /// The law for `capacity` blocks per opportunity and, per interval,
    /// the arrivals of the robot's level (`equal`) and of the levels above
    /// it (`higher`).
    pub fn new(capacity: u64, equal: Vec<Batches>, higher: Vec<Batches>) -> Result<QueueLaw, LawError> {
        QueueLaw::with_buffer(capacity, equal, higher, None)
    }

    /// As [`new`](Self::new), for a queue whose discard timer keeps at most
    /// `buffer` blocks of work before each opportunity's service
    /// ([`Nr::discard_buffer`](crate::net::Nr::discard_buffer)); `None`
    /// keeps every packet. With a buffer the law exists at every load.
    pub fn with_buffer(
        capacity: u64,
        equal: Vec<Batches>,
        higher: Vec<Batches>,
        buffer: Option<u64>,
    ) -> Result<QueueLaw, LawError> {
        if capacity == 0 {
            return Err(LawError::Invalid(
                "a cell needs at least one block per opportunity".into(),
            ));
        }
        for b in equal.iter().chain(&higher) {
            let ok = match *b {
                Batches::Poisson { mean, .. } => mean.is_finite() && mean >= 0.0,
                Batches::Bernoulli { p, .. } => (0.0..=1.0).contains(&p),
            };
            if !ok {
                return Err(LawError::Invalid(format!("bad arrivals {b:?}")));
            }
        }
        let all: Vec<Batches> = equal.iter().chain(&higher).copied().collect();
        let mean: f64 = all.iter().map(Batches::mean_blocks).sum();
        let load = mean / capacity as f64;
        if load >= 1.0 && buffer.is_none() {
            return Err(LawError::Saturated { load });
        }
        let mut law = QueueLaw {
            capacity,
            equal,
            higher,
            cdf: vec![1.0],
            load,
            iterations: 0,
            buffer,
            residual: 0.0,
        };
        if mean == 0.0 {
            return Ok(law);
        }
        let arrivals: Vec<(usize, f64)> = convolve_all(&all, 1.0)
            .into_iter()
            .enumerate()
            .filter(|&(_, p)| p > 0.0)
            .collect();
        let unbounded = || -> Result<(Vec<f64>, usize, f64), LawError> {
            let limit = truncation(capacity, &all)?;
            if let Some(b) = buffer {
                // The buffer must hold the unbounded law's whole support.
                if limit as u64 > b.saturating_sub(capacity) {
                    return Err(LawError::Saturated { load });
                }
            }
            let (pmf, iterations) = stationary(capacity as usize, &arrivals, limit)?;
            Ok((pmf, iterations, 0.0))
        };
        let (pmf, iterations, residual) = match (unbounded(), buffer) {
            (Ok(found), _) => found,
            (Err(e), None) => return Err(e),
            (Err(_), Some(b)) => {
                let top = usize::try_from(b.saturating_sub(capacity)).unwrap_or(usize::MAX);
                bounded::bounded_stationary(capacity as usize, &arrivals, top)?
            }
        };
        law.residual = residual;
        let mut acc = 0.0;
        law.cdf = pmf
            .iter()
            .map(|p| {
                acc += p;
                acc.min(1.0)
            })
            .collect();
        if let Some(last) = law.cdf.last_mut() {
            *last = 1.0;
        }
        law.iterations = iterations;
        Ok(law)
    }

    /// Offered load of the levels at or above the robot's, over capacity.
    pub fn load(&self) -> f64 {
        self.load
    }

    /// Blocks per opportunity.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Iterations (or, under a discard timer near or above saturation,
    /// aggregation cycles) the solution took.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Probability the solution's last step moved (0 for the unbounded
    /// law, whose iteration stops below 10⁻¹³).
    pub fn residual(&self) -> f64 {
        self.residual
    }

    /// Blocks of work the discard timer leaves before an opportunity's
    /// service (`None`: no timer).
    pub fn buffer(&self) -> Option<u64> {
        self.buffer
    }

    /// Under a discard timer, the wait that stands for "beyond the buffer":
    /// ⌈B / C⌉ + 1 opportunities, more than the timer lets any packet wait
    /// (B is at least the timer's intervals times C).
    fn beyond(&self) -> Option<u64> {
        self.buffer.map(|b| b.div_ceil(self.capacity) + 1)
    }

    /// Backlog after an opportunity's service, blocks: its law (index q).
    pub fn backlog_pmf(&self) -> Vec<f64> {
        let mut prev = 0.0;
        self.cdf
            .iter()
            .map(|&c| {
                let p = c - prev;
                prev = c;
                p.max(0.0)
            })
            .collect()
    }

    /// Mean backlog after an opportunity, blocks.
    pub fn mean_backlog(&self) -> f64 {
        self.backlog_pmf()
            .iter()
            .enumerate()
            .map(|(q, p)| q as f64 * p)
            .sum()
    }

    /// Opportunities a robot packet of `blocks` that becomes ready at a
    /// random time waits after its first one (0: sent at the first); under
    /// a discard timer at most ⌈B / C⌉ + 1, which is beyond the timer (the
    /// caller, who knows when the packet was sent, decides whether the
    /// timer dropped it).
    pub fn sample_wait(&self, blocks: u64, rng: &mut StreamRng) -> u64 {
        let v: f64 = rng.random();
        let u: f64 = rng.random();
        self.wait_from(v, u, blocks, rng)
    }

    /// As [`sample_wait`](Self::sample_wait), for a packet that becomes
    /// ready a share `u` (0 to 1) into the interval before its first
    /// opportunity: the share `u` of its level's arrivals of that interval
    /// come before it. A caller that knows when the packet is ready gives
    /// it, so that the wait and the packet's age at each opportunity (which
    /// a discard timer looks at) keep their dependence.
    pub fn sample_wait_at(&self, blocks: u64, u: f64, rng: &mut StreamRng) -> u64 {
        let v: f64 = rng.random();
        self.wait_from(v, u.clamp(0.0, 1.0), blocks, rng)
    }

    /// The wait for the backlog of quantile `v`, a ready time `u` into the
    /// interval, and the arrivals drawn from `rng`.
    fn wait_from(&self, v: f64, u: f64, blocks: u64, rng: &mut StreamRng) -> u64 {
        let q = self.cdf.partition_point(|&c| c < v).min(self.cdf.len() - 1) as u64;
        let mut work = q + blocks;
        for s in &self.equal {
            work += s.sample(u, rng);
        }
        for s in &self.higher {
            work += s.sample(1.0, rng);
        }
        let mut waited = 0u64;
        // Higher levels' load is below 1 (checked), so this ends; the cap
        // only guards against a pathological draw.
        while work > self.capacity && waited < 100_000_000 {
            if let Some(most) = self.beyond().filter(|&most| waited >= most) {
                return most;
            }
            work -= self.capacity;
            for s in &self.higher {
                work += s.sample(1.0, rng);
            }
            waited += 1;
        }
        waited
    }

    /// The law of the wait of a robot packet of `blocks` (opportunities),
    /// exact when no level is above the robot's (`None` otherwise: then
    /// only [`sample_wait`](Self::sample_wait) applies). The ready time's
    /// place in its interval is averaged over 256 equal parts (midpoints).
    /// Under a discard timer waits are counted up to ⌈B / C⌉ + 1, which
    /// stands for every wait beyond the timer.
    pub fn wait_pmf(&self, blocks: u64) -> Option<Vec<f64>> {
        if !self.higher.is_empty() {
            return None;
        }
        // Arrivals of the robot's level before it, averaged over u.
        let mut before: Vec<f64> = vec![0.0];
        for i in 0..U_POINTS {
            let u = (i as f64 + 0.5) / U_POINTS as f64;
            let part = convolve_all(&self.equal, u);
            if part.len() > before.len() {
                before.resize(part.len(), 0.0);
            }
            for (b, p) in part.into_iter().enumerate() {
                before[b] += p / U_POINTS as f64;
            }
        }
        Some(self.waits_behind(blocks, &before))
    }

    /// [`wait_pmf`](Self::wait_pmf) for a packet ready a share `u` into the
    /// interval before its first opportunity (see
    /// [`sample_wait_at`](Self::sample_wait_at)).
    pub fn wait_pmf_at(&self, blocks: u64, u: f64) -> Option<Vec<f64>> {
        if !self.higher.is_empty() {
            return None;
        }
        Some(self.waits_behind(blocks, &convolve_all(&self.equal, u.clamp(0.0, 1.0))))
    }

    /// The law of the wait of a packet of `blocks` behind the backlog and
    /// `before` (the law of its level's blocks that arrived before it).
    fn waits_behind(&self, blocks: u64, before: &[f64]) -> Vec<f64> {
        let backlog = self.backlog_pmf();
        let c = self.capacity;
        let mut waits: Vec<f64> = Vec::new();
        for (q, &pq) in backlog.iter().enumerate() {
            if pq == 0.0 {
                continue;
            }
            for (a, &pa) in before.iter().enumerate() {
                if pa == 0.0 {
                    continue;
                }
                let work = q as u64 + a as u64 + blocks;
                let mut w = (work.div_ceil(c)).saturating_sub(1) as usize;
                if let Some(most) = self.beyond() {
                    w = w.min(most as usize);
                }
                if w >= waits.len() {
                    waits.resize(w + 1, 0.0);
                }
                waits[w] += pq * pa;
            }
        }
        waits
    }

    /// Mean wait of a robot packet of `blocks`, opportunities (see
    /// [`wait_pmf`](Self::wait_pmf)).
    pub fn mean_wait(&self, blocks: u64) -> Option<f64> {
        let pmf = self.wait_pmf(blocks)?;
        Some(pmf.iter().enumerate().map(|(w, p)| w as f64 * p).sum())
    }

    /// The `p` quantile of the wait (opportunities), see
    /// [`wait_pmf`](Self::wait_pmf).
    pub fn wait_quantile(&self, blocks: u64, p: f64) -> Option<u64> {
        let pmf = self.wait_pmf(blocks)?;
        let mut acc = 0.0;
        for (w, x) in pmf.iter().enumerate() {
            acc += x;
            if acc >= p {
                return Some(w as u64);
            }
        }
        Some(pmf.len().saturating_sub(1) as u64)
    }
}

/// The truncation of the backlog from Kingman's bound.
fn truncation(capacity: u64, sources: &[Batches]) -> Result<usize, LawError> {
    let lambda = |theta: f64| -> f64 {
        sources.iter().map(|s| s.log_mgf(theta)).sum::<f64>() - theta * capacity as f64
    };
    // Λ is convex, Λ(0) = 0, Λ'(0) < 0: find θ_hi with Λ > 0, then bisect.
    let mut hi = 1.0 / capacity as f64;
    let mut steps = 0;
    while lambda(hi) <= 0.0 {
        hi *= 2.0;
        steps += 1;
        if steps > 200 {
            // Bounded arrivals below capacity: never queues.
            return Ok(1);
        }
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if lambda(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    // lo < θ*: a smaller θ gives a larger (safe) L.
    let theta = lo.max(f64::MIN_POSITIVE);
    let limit = ((1.0 / TAIL_MASS).ln() / theta).ceil();
    if !(limit.is_finite() && limit <= MAX_STATES as f64) {
        let load = sources.iter().map(Batches::mean_blocks).sum::<f64>() / capacity as f64;
        return Err(LawError::Saturated { load });
    }
    Ok(limit as usize + 1)
}

/// Iterates Lindley's recursion from an empty queue to its fixed point on
/// 0..=`limit` (mass beyond folded onto `limit`). Returns the law and the
/// iterations taken.
fn stationary(
    capacity: usize,
    arrivals: &[(usize, f64)],
    limit: usize,
) -> Result<(Vec<f64>, usize), LawError> {
    let mut pi = vec![0.0; limit + 1];
    pi[0] = 1.0;
    let mut next = vec![0.0; limit + 1];
    // The highest state with mass, so that the sweep skips the empty tail.
    let mut top = 0usize;
    // The highest state `next` may hold mass at (from two iterations ago).
    let mut stale_top = 0usize;
    let reach = arrivals.last().map_or(0, |a| a.0);
    let per_iteration = (arrivals.len() * (limit + 1)) as f64;
    let max_iterations = (MAX_WORK / per_iteration.max(1.0)).max(100.0) as usize;
    for iteration in 1..=max_iterations {
        next.iter_mut()
            .take(stale_top.max(top + reach) + 1)
            .for_each(|x| *x = 0.0);
        let mut new_top = 0;
        for (i, &p) in pi.iter().enumerate().take(top + 1) {
            if p == 0.0 {
                continue;
            }
            for &(a, q) in arrivals {
                let j = (i + a).saturating_sub(capacity).min(limit);
                next[j] += p * q;
                new_top = new_top.max(j);
            }
        }
        // Drop what underflows into denormals, so the sweep stays short.
        while new_top > 0 && next[new_top] < 1e-300 {
            next[new_top] = 0.0;
            new_top -= 1;
        }
        let span = top.max(new_top) + 1;
        let moved: f64 = pi[..span]
            .iter()
            .zip(&next[..span])
            .map(|(a, b)| (a - b).abs())
            .sum();
        std::mem::swap(&mut pi, &mut next);
        stale_top = top;
        top = new_top;
        if moved < CONVERGED {
            let s: f64 = pi.iter().sum();
            pi.iter_mut().for_each(|x| *x /= s);
            return Ok((pi, iteration));
        }
    }
    let load = arrivals.iter().map(|&(a, p)| a as f64 * p).sum::<f64>() / capacity as f64;
    Err(LawError::Saturated { load })
}

#[cfg(test)]
mod tests;
