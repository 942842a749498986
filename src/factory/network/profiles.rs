//! Link profiles of the models without cells (`ideal`, `fixed`,
//! `empirical`): what a periodic flow's message does.
//!
//! A profile is computed once per scenario, before the replications, by
//! [`LinkProfiles::compute`], for every periodic flow (at every point of
//! the layout, and in each state of the empirical model's bad periods),
//! from streams of the scenario's own ([`StreamPurpose::Scenario`]). It
//! holds q, the probability that a message fails (is lost, or arrives
//! after its deadline), and a sample of [`PROFILE_DRAWS`] delivered
//! latencies. Loss probabilities the model states (`loss`, the bad state's
//! loss) are used exactly; what is drawn is the latency. These models do
//! not depend on the place, so the sample is the same for every place and
//! every replication.
//!
//! Under `nr` there is no profile: each replication's radio (`radio.rs`)
//! computes every link exactly from its own fields, and draws the flows'
//! latencies per replication.
//!
//! [`LinkState`] is the link as a replication draws it message by message
//! (triggered flows over a link without cells), with the same draws as the
//! profiles.

use super::add_components;
use crate::engine::{RngStreams, SimTime, StreamPurpose, StreamRng};
use crate::model::{FlowKind, LinkModel, Model};
use crate::net::{Background, Components, CoreDelay, Delivery, Direction, Outcome};
use crate::stats::Histogram;
use rand::RngExt;

/// Messages drawn per link profile.
pub const PROFILE_DRAWS: usize = 4096;

/// What a periodic flow's message does at one point: fails with `q`; of the
/// failures a share `lost_share` are losses (the rest arrive late); delivered
/// messages have the latencies of `delivered`.
#[derive(Clone, Debug)]
pub struct LinkProfile {
    pub q: f64,
    pub lost_share: f64,
    /// Runs of valid messages (failure probability q) and of failed ones
    /// (1 − q).
    pub(super) valid_run: Geometric,
    pub(super) failed_run: Geometric,
    pub(super) delivered: Vec<(f64, Components)>,
    /// The delivered latencies as times, in the order of `delivered`.
    latencies: Vec<SimTime>,
    /// The delivered latencies, ns.
    pub(super) hist: Histogram,
    pub(super) mean_ms: f64,
    pub(super) mean_components: Components,
}

impl LinkProfile {
    /// The latency of a valid message (one that met its `deadline`), drawn
    /// from the delivered latencies: up to 16 tries for one within the
    /// deadline, else the deadline itself.
    pub(super) fn valid_latency(&self, deadline: SimTime, rng: &mut StreamRng) -> SimTime {
        for _ in 0..16 {
            if self.latencies.is_empty() {
                break;
            }
            let latency = self.latencies[rng.random_range(0..self.latencies.len())];
            if latency <= deadline {
                return latency;
            }
        }
        deadline
    }
}

/// How the messages of periodic flows are decided.
///
/// Both give the same model: each message fails independently with the q of
/// the robot's current link, and a run of `survival_periods` + 1 failures is
/// a violation. `tests/it/perf.rs` checks that they agree on the stop rate,
/// the loss counts and the availability within confidence intervals.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum FlowSampling {
    /// Runs of valid messages and runs of failures are each drawn in one
    /// step (both are geometric): events only at stops, when the link comes
    /// back and at refreshes. What every run uses.
    #[default]
    Runs,
    /// Every message is decided by an event of its own, at its send time: the
    /// plain simulation that [`Runs`](Self::Runs) must agree with. Tens of
    /// thousands of times more events; for tests and checks, not for use.
    EveryMessage,
}

/// Link profiles of every periodic flow at every point (and, with empirical
/// bad periods, in each state), or at one place without a layout.
#[derive(Clone, Debug, Default)]
pub struct LinkProfiles {
    points: usize,
    states: usize,
    profiles: Vec<Option<LinkProfile>>,
    sampling: FlowSampling,
}

impl LinkProfiles {
    /// Computes the profiles of `model`: once per scenario, from a stream of
    /// its own, so every replication (and every seed) sees the same links.
    pub fn compute(model: &Model) -> LinkProfiles {
        let points = model.layout.as_ref().map_or(1, |l| l.points.len().max(1));
        let states = match &model.network.link {
            LinkModel::Empirical {
                bad_state: Some(_), ..
            } => 2,
            _ => 1,
        };
        let mut link = LinkState::new(
            model,
            &RngStreams::for_purpose(model.seed, StreamPurpose::Scenario),
        );
        let mut profiles = Vec::with_capacity(model.flows.len() * points * states);
        for flow in &model.flows {
            for _point in 0..points {
                for state in 0..states {
                    profiles.push(match flow.kind {
                        // Under nr the replication's radio computes the links.
                        FlowKind::Periodic { .. } if matches!(model.network.link, LinkModel::Nr(_)) => None,
                        FlowKind::Periodic { deadline, .. } => {
                            link.bad = state == 1;
                            link.state_until = SimTime::MAX;
                            Some(link.profile(flow.direction, deadline))
                        }
                        _ => None,
                    });
                }
            }
        }
        LinkProfiles {
            points,
            states,
            profiles,
            sampling: FlowSampling::Runs,
        }
    }

    /// The same profiles, with periodic flows decided by `sampling` in the
    /// replications run with them (see [`FlowSampling`]).
    pub fn with_sampling(mut self, sampling: FlowSampling) -> LinkProfiles {
        self.sampling = sampling;
        self
    }

    /// How the replications run with these profiles decide periodic flows.
    pub fn sampling(&self) -> FlowSampling {
        self.sampling
    }

    /// Index of a context (place and state) within a flow.
    pub(super) fn context(&self, point: usize, bad: bool) -> usize {
        point.min(self.points - 1) * self.states + usize::from(bad && self.states > 1)
    }

    pub(super) fn contexts(&self) -> usize {
        self.points * self.states
    }

    pub(super) fn profile(&self, flow: usize, context: usize) -> &LinkProfile {
        self.profiles[flow * self.contexts() + context]
            .as_ref()
            .expect("periodic flows have profiles")
    }

    pub(super) fn get(&self, flow: usize, point: usize, bad: bool) -> &LinkProfile {
        self.profile(flow, self.context(point, bad))
    }
}

/// The stochastic state of the link: random streams, the bad-period process.
pub(super) struct LinkState<'m> {
    model: &'m Model,
    pub rng: StreamRng,
    pub core_rng: StreamRng,
    pub core: CoreDelay,
    /// The UE's and the gNB's stack delays (NR only; none otherwise).
    pub stack: CoreDelay,
    pub stack_rng: StreamRng,
    bad_rng: StreamRng,
    /// Empirical bad periods: the current state and when it ends.
    pub bad: bool,
    state_until: SimTime,
}

impl<'m> LinkState<'m> {
    pub fn new(model: &'m Model, streams: &RngStreams) -> Self {
        let net = &model.network;
        let mut link = LinkState {
            model,
            rng: streams.stream("network/link"),
            core_rng: streams.stream("network/core"),
            core: CoreDelay::from_dists(net.core.clone(), net.edge_processing.clone()),
            stack: match &net.link {
                LinkModel::Nr(nr) => super::radio::stack_delay(nr),
                LinkModel::Ideal | LinkModel::Fixed { .. } | LinkModel::Empirical { .. } => CoreDelay::none(),
            },
            stack_rng: streams.stream("network/stack"),
            bad_rng: streams.stream("network/bad_state"),
            bad: false,
            state_until: SimTime::MAX,
        };
        if let LinkModel::Empirical {
            bad_state: Some(b), ..
        } = &net.link
        {
            link.state_until = b.enter.sample(&mut link.bad_rng);
        }
        link
    }

    /// One latency of the empirical link in its current state (good or
    /// bad), and the loss probability of that state.
    fn empirical_draw(&mut self, dir: Direction) -> (SimTime, f64) {
        let LinkModel::Empirical { ul, dl, bad_state } = &self.model.network.link else {
            unreachable!("an empirical link")
        };
        match (self.bad, bad_state) {
            (true, Some(b)) => (b.latency.sample(&mut self.rng), b.loss),
            _ if dir == Direction::Ul => (ul.sample(&mut self.rng), 0.0),
            _ => (dl.sample(&mut self.rng), 0.0),
        }
    }

    /// Advances the bad-period process to `now`; the time of its next change.
    pub fn bad_state_at(&mut self, now: SimTime) -> SimTime {
        if let LinkModel::Empirical {
            bad_state: Some(b), ..
        } = &self.model.network.link
        {
            while self.state_until <= now {
                self.bad = !self.bad;
                let d = if self.bad { &b.leave } else { &b.enter };
                self.state_until += d.sample(&mut self.bad_rng).max(SimTime::from_nanos(1));
            }
        }
        self.state_until
    }

    /// One message over the link without cell queueing (every model).
    pub fn message(&mut self, dir: Direction, now: SimTime) -> Delivery {
        let lost = |t: SimTime| Delivery {
            sent: now,
            outcome: Outcome::Lost(t),
            attempts: 1,
            components: Components::default(),
        };
        let after = |latency: SimTime, core: SimTime| Delivery {
            sent: now,
            outcome: Outcome::Delivered(now + latency + core),
            attempts: 1,
            components: Components {
                transmission: latency.as_nanos() as f64 * 1e-6,
                core: core.as_nanos() as f64 * 1e-6,
                ..Components::default()
            },
        };
        match &self.model.network.link {
            LinkModel::Ideal => after(SimTime::ZERO, SimTime::ZERO),
            LinkModel::Fixed { latency, loss } => {
                if self.rng.random::<f64>() < *loss {
                    return lost(now + *latency);
                }
                let core = self.core.sample(&mut self.core_rng);
                after(*latency, core)
            }
            LinkModel::Empirical { .. } => {
                self.bad_state_at(now);
                let (latency, loss) = self.empirical_draw(dir);
                if loss > 0.0 && self.rng.random::<f64>() < loss {
                    return lost(now + latency);
                }
                let core = self.core.sample(&mut self.core_rng);
                after(latency, core)
            }
            LinkModel::Nr(_) => unreachable!("under nr the replication's radio carries the messages"),
        }
    }

    /// The failure probability and delivered latencies of messages with
    /// `deadline` (models without cells: the same at every place). Loss
    /// probabilities the model states (`loss`, the bad state's loss) are
    /// used exactly; what is drawn is the latency.
    fn profile(&mut self, dir: Direction, deadline: SimTime) -> LinkProfile {
        let model = self.model;
        let mut delivered = Vec::with_capacity(PROFILE_DRAWS);
        for _ in 0..PROFILE_DRAWS {
            let core = self.core.sample(&mut self.core_rng);
            let latency = match &model.network.link {
                LinkModel::Ideal => SimTime::ZERO,
                LinkModel::Fixed { latency, .. } => *latency,
                LinkModel::Empirical { .. } => self.empirical_draw(dir).0,
                LinkModel::Nr(_) => unreachable!("under nr the replication's radio computes the links"),
            };
            let c = Components {
                transmission: latency.as_nanos() as f64 * 1e-6,
                core: core.as_nanos() as f64 * 1e-6,
                ..Components::default()
            };
            delivered.push((c.total(), c));
        }
        let late_share = if delivered.is_empty() {
            0.0
        } else {
            let limit = deadline.as_nanos() as f64 * 1e-6;
            delivered.iter().filter(|(ms, _)| *ms > limit).count() as f64 / delivered.len() as f64
        };
        let stated_loss = match &model.network.link {
            LinkModel::Ideal => 0.0,
            LinkModel::Fixed { loss, .. } => *loss,
            LinkModel::Empirical { bad_state, .. } => match (self.bad, bad_state) {
                (true, Some(b)) => b.loss,
                _ => 0.0,
            },
            LinkModel::Nr(_) => unreachable!("under nr the replication's radio computes the links"),
        };
        let p_lost = stated_loss;
        let p_late = (1.0 - stated_loss) * late_share;
        let q = (p_lost + p_late).min(1.0);
        let mut hist = Histogram::default();
        let mut mean_components = Components::default();
        let share = 1.0 / delivered.len().max(1) as f64;
        for (ms, c) in &delivered {
            hist.add((ms * 1e6).round().max(0.0) as u64);
            add_components(&mut mean_components, c, share);
        }
        LinkProfile {
            q,
            lost_share: if q > 0.0 { p_lost / q } else { 1.0 },
            valid_run: Geometric::new(q),
            failed_run: Geometric::new(1.0 - q),
            latencies: delivered
                .iter()
                .map(|&(ms, _)| SimTime::from_nanos_f64(ms * 1e6))
                .collect(),
            mean_ms: delivered.iter().map(|(ms, _)| ms).sum::<f64>() * share,
            delivered,
            hist,
            mean_components,
        }
    }
}

/// The background load each cell carries, per direction: the background
/// flows' UEs spread evenly over the gNBs, at the spectral efficiency of a
/// line-of-sight UE 30 m from its gNB.
pub(super) fn background_per_cell(model: &Model) -> Vec<[Background; 2]> {
    let LinkModel::Nr(nr) = &model.network.link else {
        return Vec::new();
    };
    let cells = nr.gnbs.len().max(1);
    let channel = nr.nr.channel();
    let budget = nr.nr.link_budget();
    let sinr = budget.sinr_db(channel.path_loss(30.0, true));
    let se = crate::net::link_adaptation(sinr).map_or(1.0, |m| m.efficiency);
    let mut out = vec![[Background::default(), Background::default()]; cells];
    for f in &model.flows {
        if let FlowKind::Background { ues, rate_bps } = f.kind {
            for (c, cell) in out.iter_mut().enumerate() {
                // UEs dealt round robin over the cells.
                let here = ues / cells as u32 + u32::from((c as u32) < ues % cells as u32);
                let bg = &mut cell[f.direction as usize];
                bg.rate_bps += f64::from(here) * rate_bps;
                bg.ues = bg.ues.max(1) + here;
                bg.spectral_efficiency = se;
            }
        }
    }
    out
}

/// Geometric number of trials before the first event of probability `p`
/// (0, 1, ...); `u64::MAX` when `p` is 0. The logarithm of 1 − p is
/// computed once, with `p`, by `ln_1p`: `(1 - p).ln()` is 0 for `p` below
/// 1e-16 and made such a rare event happen at once instead of almost never.
#[derive(Copy, Clone, Debug)]
pub(super) struct Geometric {
    p: f64,
    ln_1mp: f64,
}

impl Geometric {
    pub fn new(p: f64) -> Geometric {
        Geometric {
            p,
            ln_1mp: (-p).ln_1p(),
        }
    }

    pub fn sample(&self, rng: &mut StreamRng) -> u64 {
        if self.p <= 0.0 {
            return u64::MAX;
        }
        if self.p >= 1.0 {
            return 0;
        }
        let u: f64 = rng.random();
        let g = (1.0 - u).ln() / self.ln_1mp;
        // Truncation is the floor here (g is not below zero, or is NaN or
        // -inf, which both ways give 0), and g >= 1e18 exactly when its floor is.
        if g >= 1e18 {
            u64::MAX
        } else {
            g as u64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_and_tiny_probabilities() {
        let mut rng = RngStreams::new(3, 0).stream("geometric");
        // Mean (1 - p) / p: 9 for p = 0.1; 200,000 draws give a standard
        // error of 0.021 (sd sqrt(1 - p) / p = 9.49).
        let g = Geometric::new(0.1);
        let n = 200_000;
        let mean = (0..n).map(|_| g.sample(&mut rng) as f64).sum::<f64>() / n as f64;
        assert!((mean - 9.0).abs() < 4.0 * 9.49 / (n as f64).sqrt(), "{mean}");
        // An event of probability 1e-18 almost never happens: the draws are
        // of the order of 1e18, not 0.
        let rare = Geometric::new(1e-18);
        assert!((0..100).all(|_| rare.sample(&mut rng) > 1_000_000_000_000));
        assert_eq!(Geometric::new(0.0).sample(&mut rng), u64::MAX);
        assert_eq!(Geometric::new(1.0).sample(&mut rng), 0);
    }
}
