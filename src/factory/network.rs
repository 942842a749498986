//! The robot side of the network: messages that robots wait for, periodic
//! safety flows that stop robots, and the cells that carry them.
//!
//! - Triggered flows (`dispatch`, `segment`, `cycle_start`) are simulated
//!   message by message: the robot waits (`network_wait`) until every message
//!   of the exchange is delivered; a lost message is sent again after the
//!   flow's `timeout`. Under `nr` the messages go through the serving gNB's
//!   [`Cell`], which shares its resource blocks with the background load and
//!   wakes only on slots where something is queued. Order of an exchange:
//!   `dispatch` and `cycle_start` send their downlink flows (the command)
//!   then their uplink flows (an acknowledgement, if the scenario has one);
//!   `segment` sends the uplink request, the fleet manager grants the segment
//!   when it is free, then the downlink grant.
//! - Periodic flows are sampled, not simulated message by message: each
//!   message of a robot is valid with probability 1 − q, independently, where
//!   q (loss, or delivery after the deadline) is the failure probability of
//!   the robot's current link ([`LinkProfile`]). Runs of valid messages and
//!   runs of failures are each drawn in one step (both are geometric), so a
//!   heartbeat that always arrives costs no event; events happen only when a
//!   run of `survival_periods` + 1 failures makes the robot stop, when the
//!   link comes back, and every [`REFRESH`] to follow the robot's position.
//!   The convention: with a survival time of n periods, the (n+1)-th
//!   consecutive failed message (known at its deadline) is the violation,
//!   so stops start at a rate of (1 − q)·q^(n+1) per message.
//! - The latency statistics of periodic flows are those of the link
//!   profiles of the places the robots sent from, weighted by the number of
//!   valid messages sent from each (a mixture); counts of sent, lost and
//!   late messages cover every message.
//! - Link profiles (q and a sample of latencies) are computed once per
//!   scenario, before the replications, by [`LinkProfiles::compute`], for
//!   every periodic flow at every point of the layout: robots are at a point
//!   (an AGV at the last point it passed, an arm at its station). Under `nr`
//!   they include the random LOS and shadowing of each message and the
//!   residual HARQ loss BLER^(retx+1) exactly; a cell whose background load
//!   takes all its resource blocks fails every message. Queueing behind
//!   other robots' periodic messages is not modelled (their load is tiny).

use super::sim::{Event, Sim};
use crate::engine::{RngStreams, SimTime, StreamRng};
use crate::model::{FlowKind, FlowRobots, LinkModel, Model, StationId, Trigger};
use crate::net::{
    Background, Cell, CellDelivery, CellPacket, Components, CoreDelay, Delivery, Direction, GnbView, Outcome,
};
use crate::stats::Histogram;
use rand::RngExt;

/// How often a periodic flow's link is re-evaluated at the robot's position.
pub const REFRESH: SimTime = SimTime::from_secs(300);
/// Messages drawn per link profile.
pub const PROFILE_DRAWS: usize = 4096;

/// A robot: an AGV, or a server (arm) of a station.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Robot {
    Agv(u32),
    Arm(StationId, u32),
}

/// Who waits for an exchange, and what it does when the exchange is done.
#[derive(Copy, Clone, Debug)]
pub(super) enum Waiter {
    Dispatch(u32),
    SegmentRequest(u32),
    SegmentGrant(u32),
    CycleStart(StationId, u32),
}

struct Exchange {
    waiter: Waiter,
    robot: Robot,
    /// Index of the next flow in [`NetRt::flows_of`] the waiter.
    next: usize,
}

struct Packet {
    exchange: u32,
    flow: usize,
    sent: SimTime,
    /// Where its latency went, once known.
    components: Components,
}

/// Per-flow statistics of one replication.
#[derive(Clone, Debug, Default)]
pub struct FlowOutput {
    pub sent: u64,
    pub delivered: u64,
    pub lost: f64,
    pub deadline_misses: f64,
    pub survival_violations: u64,
    /// Robot-nanoseconds without valid service (TS 22.261 with survival time).
    pub unavailable_ns: u64,
    /// Robots of the flow.
    pub robots: u32,
    /// Delivered messages whose latency the statistics below describe.
    pub latency_n: u64,
    pub latency_sum_ms: f64,
    /// Latencies in ns (for periodic flows: the link profiles of the places
    /// the robots were, weighted by the valid messages sent from each).
    pub latency_hist: Histogram,
    /// Sums of the latency components of those messages, ms.
    pub components: Components,
    /// Distinct latency observations behind the histogram (simulated
    /// messages, or profile draws): what a quantile's trust rests on.
    pub samples: u64,
}

impl FlowOutput {
    fn clear(&mut self) {
        let robots = self.robots;
        *self = FlowOutput {
            robots,
            ..FlowOutput::default()
        };
    }

    fn record_latency(&mut self, latency_ms: f64, c: &Components) {
        self.latency_n += 1;
        self.samples += 1;
        self.latency_sum_ms += latency_ms;
        self.latency_hist.add((latency_ms * 1e6).round().max(0.0) as u64);
        add_components(&mut self.components, c, 1.0);
    }

    /// The mean latency of delivered messages, ms.
    pub fn mean_latency_ms(&self) -> Option<f64> {
        (self.latency_n > 0).then(|| self.latency_sum_ms / self.latency_n as f64)
    }
}

fn add_components(sum: &mut Components, c: &Components, weight: f64) {
    sum.processing += weight * c.processing;
    sum.alignment += weight * c.alignment;
    sum.transmission += weight * c.transmission;
    sum.harq += weight * c.harq;
    sum.queueing += weight * c.queueing;
    sum.core += weight * c.core;
}

/// What a periodic flow's message does at one point: fails with `q`; of the
/// failures a share `lost_share` are losses (the rest arrive late); delivered
/// messages have the latencies of `delivered`.
#[derive(Clone, Debug)]
pub struct LinkProfile {
    pub q: f64,
    pub lost_share: f64,
    /// Runs of valid messages (failure probability q) and of failed ones
    /// (1 − q).
    valid_run: Geometric,
    failed_run: Geometric,
    delivered: Vec<(f64, Components)>,
    /// The delivered latencies as times, in the order of `delivered`.
    latencies: Vec<SimTime>,
    /// The delivered latencies, ns.
    hist: Histogram,
    mean_ms: f64,
    mean_components: Components,
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
        let mut link = LinkState::new(model, &RngStreams::new(model.seed, u32::MAX));
        let mut profiles = Vec::with_capacity(model.flows.len() * points * states);
        for flow in &model.flows {
            for p in 0..points {
                for state in 0..states {
                    profiles.push(match flow.kind {
                        FlowKind::Periodic { deadline, .. } => {
                            link.bad = state == 1;
                            link.state_until = SimTime::MAX;
                            Some(link.profile(flow.direction, deadline, p))
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
    fn context(&self, point: usize, bad: bool) -> usize {
        point.min(self.points - 1) * self.states + usize::from(bad && self.states > 1)
    }

    fn contexts(&self) -> usize {
        self.points * self.states
    }

    fn profile(&self, flow: usize, context: usize) -> &LinkProfile {
        self.profiles[flow * self.contexts() + context]
            .as_ref()
            .expect("periodic flows have profiles")
    }

    fn get(&self, flow: usize, point: usize, bad: bool) -> &LinkProfile {
        self.profile(flow, self.context(point, bad))
    }
}

/// The stochastic state of the link: random streams, the bad-period process.
struct LinkState<'m> {
    model: &'m Model,
    rng: StreamRng,
    core_rng: StreamRng,
    core: CoreDelay,
    bad_rng: StreamRng,
    /// Empirical bad periods: the current state and when it ends.
    bad: bool,
    state_until: SimTime,
    /// Under nr: the background load of each cell and direction (fraction).
    cell_load: Vec<[f64; 2]>,
    /// Under nr: the gNBs seen from each point of the layout (one place,
    /// the origin, without a layout), for [`Nr::radio_link_from`].
    views: Vec<Vec<GnbView>>,
}

impl<'m> LinkState<'m> {
    fn new(model: &'m Model, streams: &RngStreams) -> Self {
        let net = &model.network;
        let mut s = LinkState {
            model,
            rng: streams.stream("network/link"),
            core_rng: streams.stream("network/core"),
            core: CoreDelay::from_dists(net.core.clone(), net.edge_processing.clone()),
            bad_rng: streams.stream("network/bad_state"),
            bad: false,
            state_until: SimTime::MAX,
            cell_load: Vec::new(),
            views: Vec::new(),
        };
        if let LinkModel::Empirical {
            bad_state: Some(b), ..
        } = &net.link
        {
            s.state_until = b.enter.sample(&mut s.bad_rng);
        }
        if let LinkModel::Nr(nr) = &net.link {
            s.views = match model.layout.as_ref().filter(|l| !l.points.is_empty()) {
                Some(l) => l
                    .points
                    .iter()
                    .map(|pt| nr.nr.gnb_views((pt.x, pt.y), &nr.gnbs))
                    .collect(),
                None => vec![nr.nr.gnb_views((0.0, 0.0), &nr.gnbs)],
            };
            let cells = background_per_cell(model);
            s.cell_load = cells
                .iter()
                .map(|bg| {
                    let load = |d: Direction| {
                        let b = bg[d as usize];
                        if b.rate_bps <= 0.0 {
                            0.0
                        } else {
                            b.rate_bps / nr.nr.capacity_bps(d, b.spectral_efficiency).max(1.0)
                        }
                    };
                    [load(Direction::Dl), load(Direction::Ul)]
                })
                .collect();
        }
        s
    }

    /// Advances the bad-period process to `now`; the time of its next change.
    fn bad_state_at(&mut self, now: SimTime) -> SimTime {
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
    fn message(&mut self, dir: Direction, now: SimTime, point: usize) -> Delivery {
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
            LinkModel::Empirical { ul, dl, bad_state } => {
                self.bad_state_at(now);
                let (latency, loss) = match (self.bad, bad_state) {
                    (true, Some(b)) => (b.latency.sample(&mut self.rng), b.loss),
                    _ => (
                        if dir == Direction::Ul {
                            ul.sample(&mut self.rng)
                        } else {
                            dl.sample(&mut self.rng)
                        },
                        0.0,
                    ),
                };
                if loss > 0.0 && self.rng.random::<f64>() < loss {
                    return lost(now + latency);
                }
                let core = self.core.sample(&mut self.core_rng);
                after(latency, core)
            }
            LinkModel::Nr(nr) => {
                let views = &self.views[point.min(self.views.len().saturating_sub(1))];
                let Some(link) = nr.nr.radio_link_from(views, &mut self.rng) else {
                    return lost(now);
                };
                if !link.in_coverage()
                    || self
                        .cell_load
                        .get(link.gnb)
                        .is_some_and(|l| l[dir as usize] >= 1.0)
                {
                    return lost(now);
                }
                nr.nr.transmit_end_to_end(
                    dir,
                    now,
                    nr.nr.config().bler,
                    &self.core,
                    &mut self.rng,
                    &mut self.core_rng,
                )
            }
        }
    }

    /// The failure probability and delivered latencies of messages with
    /// `deadline` at `pos`. Loss probabilities the model states (`loss`, the
    /// bad state's loss, the residual HARQ loss BLER^(retx+1)) are used
    /// exactly; what is drawn is the radio (coverage, under `nr`) and the
    /// latency, at times spread over a 10 ms frame so that alignment is
    /// sampled as messages meet it.
    fn profile(&mut self, dir: Direction, deadline: SimTime, point: usize) -> LinkProfile {
        let model = self.model;
        let mut no_radio = 0usize;
        let mut delivered = Vec::with_capacity(PROFILE_DRAWS);
        for i in 0..PROFILE_DRAWS {
            let at = SimTime::from_nanos(1_000_000_000 + i as u64 * 10_000_000 / PROFILE_DRAWS as u64);
            let core = self.core.sample(&mut self.core_rng);
            let d = match &model.network.link {
                LinkModel::Ideal => Some((SimTime::ZERO, Components::default())),
                LinkModel::Fixed { latency, .. } => Some((*latency, Components::default())),
                LinkModel::Empirical { ul, dl, bad_state } => {
                    let l = match (self.bad, bad_state) {
                        (true, Some(b)) => b.latency.sample(&mut self.rng),
                        _ if dir == Direction::Ul => ul.sample(&mut self.rng),
                        _ => dl.sample(&mut self.rng),
                    };
                    Some((l, Components::default()))
                }
                LinkModel::Nr(nr) => {
                    let views = &self.views[point.min(self.views.len().saturating_sub(1))];
                    let link = nr.nr.radio_link_from(views, &mut self.rng);
                    let usable = link.is_some_and(|l| {
                        l.in_coverage() && self.cell_load.get(l.gnb).is_none_or(|c| c[dir as usize] < 1.0)
                    });
                    if usable {
                        // Delivered messages: attempts fail with the BLER, the
                        // last one succeeds (exhaustion is counted exactly).
                        let mut got = None;
                        for _ in 0..64 {
                            let d = nr.nr.transmit(dir, at, nr.nr.config().bler, &mut self.rng);
                            if let Outcome::Delivered(t) = d.outcome {
                                got = Some((t - at, d.components));
                                break;
                            }
                        }
                        got
                    } else {
                        no_radio += 1;
                        None
                    }
                }
            };
            if let Some((latency, mut c)) = d {
                if !matches!(model.network.link, LinkModel::Nr(_)) {
                    c.transmission = latency.as_nanos() as f64 * 1e-6;
                }
                c.core += core.as_nanos() as f64 * 1e-6;
                delivered.push((c.total(), c));
            }
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
            LinkModel::Nr(nr) => {
                let cfg = nr.nr.config();
                cfg.bler.powi(cfg.harq_max_retx as i32 + 1)
            }
        };
        let covered = 1.0 - no_radio as f64 / PROFILE_DRAWS as f64;
        let p_lost = (1.0 - covered) + covered * stated_loss;
        let p_late = covered * (1.0 - stated_loss) * late_share;
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
fn background_per_cell(model: &Model) -> Vec<[Background; 2]> {
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

/// A periodic flow of one robot.
struct Stream {
    flow: usize,
    robot: Robot,
    period: SimTime,
    deadline: SimTime,
    n: u32,
    stop: SimTime,
    /// Send time of message 0.
    phase: SimTime,
    /// Next message not yet decided.
    k: u64,
    /// Consecutive failures ending at message k − 1.
    fail_run: u64,
    /// Message k is known to fail (a run of valid messages ended before it).
    fails_next: bool,
    /// Since when the service is unavailable (a violation, link not back).
    outage: Option<SimTime>,
    due: Due,
    /// The robot is stopped by this stream until this time.
    stop_until: SimTime,
    stopped: bool,
    /// Every-message sampling: a violation was decided and the link is not
    /// back (in message order; the events follow at their times), when the
    /// violation takes effect, and when the link is next re-evaluated.
    decided_outage: bool,
    violation_at: SimTime,
    refresh_at: SimTime,
    q: f64,
    lost_share: f64,
    valid_run: Geometric,
    failed_run: Geometric,
    point: usize,
    rng: StreamRng,
}

impl Stream {
    fn sent_at(&self, k: u64) -> SimTime {
        self.phase + SimTime::from_nanos(self.period.as_nanos().saturating_mul(k))
    }
    fn decided_at(&self, k: u64) -> SimTime {
        self.sent_at(k) + self.deadline
    }
    /// First message decided after `t`.
    fn first_decided_after(&self, t: SimTime) -> u64 {
        let base = self.phase + self.deadline;
        if t < base {
            return 0;
        }
        (t - base).as_nanos() / self.period.as_nanos() + 1
    }
}

/// Geometric number of trials before the first event of probability `p`
/// (0, 1, ...); `u64::MAX` when `p` is 0. The logarithm of 1 − p is
/// computed once, with `p`, by `ln_1p`: `(1 - p).ln()` is 0 for `p` below
/// 1e-16 and made such a rare event happen at once instead of almost never.
#[derive(Copy, Clone, Debug)]
struct Geometric {
    p: f64,
    ln_1mp: f64,
}

impl Geometric {
    fn new(p: f64) -> Geometric {
        Geometric {
            p,
            ln_1mp: (-p).ln_1p(),
        }
    }

    fn sample(&self, rng: &mut StreamRng) -> u64 {
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

/// Why a stream's next event is due.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Due {
    /// Re-evaluate the link and go on deciding messages.
    Refresh,
    /// The survival time ran out: the robot stops.
    Violation,
    /// A valid message arrived after a violation.
    LinkBack,
    /// Every-message sampling: message `k` of the stream is sent.
    Message,
}

pub(super) struct NetRt<'m> {
    link: LinkState<'m>,
    profiles: &'m LinkProfiles,
    cells: Vec<Cell>,
    exchanges: Vec<Option<Exchange>>,
    free_exchanges: Vec<u32>,
    packets: Vec<Option<Packet>>,
    free_packets: Vec<u32>,
    streams: Vec<Stream>,
    pub flows: Vec<FlowOutput>,
    dispatch: Vec<usize>,
    segment_ul: Vec<usize>,
    segment_dl: Vec<usize>,
    /// cycle_start flows per station.
    cycle: Vec<Vec<usize>>,
    /// Valid periodic messages per flow and context (place, state).
    valid_by_context: Vec<Vec<u64>>,
    /// What a cell sent at its last wake-up (a buffer reused).
    slot_sent: Vec<CellDelivery>,
}

impl<'m> NetRt<'m> {
    pub fn new(model: &'m Model, profiles: &'m LinkProfiles, streams: &RngStreams) -> NetRt<'m> {
        let link = LinkState::new(model, streams);
        let cells = match &model.network.link {
            LinkModel::Nr(nr) => background_per_cell(model)
                .into_iter()
                .enumerate()
                .map(|(c, bg)| {
                    let mut cell = Cell::new(nr.nr.clone(), streams.stream(&format!("network/cell:{c}")));
                    for d in [Direction::Dl, Direction::Ul] {
                        // Validated loads: a rate the cell cannot carry only saturates it.
                        let _ = cell.set_background(d, bg[d as usize]);
                    }
                    cell
                })
                .collect(),
            _ => Vec::new(),
        };
        let agvs = model.fleet.as_ref().map_or(0, |f| f.agvs);
        let members = |robots: FlowRobots| -> Vec<Robot> {
            let mut out = Vec::new();
            if matches!(robots, FlowRobots::Agvs | FlowRobots::All) {
                out.extend((0..agvs).map(Robot::Agv));
            }
            for (s, st) in model.stations.iter().enumerate() {
                let member = match robots {
                    FlowRobots::Station(x) => x == s,
                    FlowRobots::All => st.robot,
                    FlowRobots::Agvs => false,
                };
                if member {
                    out.extend((0..st.servers).map(|k| Robot::Arm(s, k)));
                }
            }
            out
        };
        let mut flows = Vec::with_capacity(model.flows.len());
        let mut stream_list = Vec::new();
        let (mut dispatch, mut segment_ul, mut segment_dl) = (Vec::new(), Vec::new(), Vec::new());
        let mut cycle = vec![Vec::new(); model.stations.len()];
        for (f, flow) in model.flows.iter().enumerate() {
            let robots: Vec<Robot> = match flow.kind {
                FlowKind::Background { .. } => Vec::new(),
                // Dispatch and segment messages go to AGVs, cycle starts to arms.
                FlowKind::Triggered {
                    trigger: Trigger::Dispatch | Trigger::Segment,
                    ..
                } => members(flow.robots)
                    .into_iter()
                    .filter(|r| matches!(r, Robot::Agv(_)))
                    .collect(),
                FlowKind::Triggered {
                    trigger: Trigger::CycleStart,
                    ..
                } => members(flow.robots)
                    .into_iter()
                    .filter(|r| matches!(r, Robot::Arm(..)))
                    .collect(),
                FlowKind::Periodic { .. } => members(flow.robots),
            };
            flows.push(FlowOutput {
                robots: robots.len() as u32,
                ..FlowOutput::default()
            });
            match flow.kind {
                FlowKind::Periodic {
                    period,
                    deadline,
                    survival_periods,
                    stop,
                } => {
                    for robot in robots {
                        let name = match robot {
                            Robot::Agv(a) => format!("flow:{}/agv{}", flow.name, a + 1),
                            Robot::Arm(st, k) => {
                                format!("flow:{}/{}/{k}", flow.name, model.stations[st].name)
                            }
                        };
                        let mut rng = streams.stream(&name);
                        let phase = SimTime::from_nanos(rng.random_range(0..period.as_nanos().max(1)));
                        stream_list.push(Stream {
                            flow: f,
                            robot,
                            period,
                            deadline,
                            n: survival_periods,
                            stop,
                            phase,
                            k: 0,
                            fail_run: 0,
                            fails_next: false,
                            outage: None,
                            due: Due::Refresh,
                            stop_until: SimTime::ZERO,
                            stopped: false,
                            decided_outage: false,
                            violation_at: SimTime::ZERO,
                            refresh_at: SimTime::ZERO,
                            q: 0.0,
                            lost_share: 1.0,
                            valid_run: Geometric::new(0.0),
                            failed_run: Geometric::new(1.0),
                            point: 0,
                            rng,
                        });
                    }
                }
                FlowKind::Triggered { trigger, .. } => match trigger {
                    Trigger::Dispatch if !robots.iter().any(|r| matches!(r, Robot::Agv(_))) => {}
                    Trigger::Dispatch => dispatch.push(f),
                    Trigger::Segment => match flow.direction {
                        Direction::Ul => segment_ul.push(f),
                        Direction::Dl => segment_dl.push(f),
                    },
                    Trigger::CycleStart => {
                        for (s, list) in cycle.iter_mut().enumerate() {
                            if robots.iter().any(|r| matches!(r, Robot::Arm(x, _) if *x == s)) {
                                list.push(f);
                            }
                        }
                    }
                },
                FlowKind::Background { .. } => {}
            }
        }
        // Commands first, then acknowledgements.
        let dl_first =
            |list: &mut Vec<usize>| list.sort_by_key(|&f| (model.flows[f].direction != Direction::Dl, f));
        dl_first(&mut dispatch);
        cycle.iter_mut().for_each(dl_first);
        NetRt {
            link,
            profiles,
            cells,
            exchanges: Vec::new(),
            free_exchanges: Vec::new(),
            packets: Vec::new(),
            free_packets: Vec::new(),
            streams: stream_list,
            flows,
            dispatch,
            segment_ul,
            segment_dl,
            cycle,
            valid_by_context: model
                .flows
                .iter()
                .map(|f| match f.kind {
                    FlowKind::Periodic { .. } => vec![0; profiles.contexts()],
                    _ => Vec::new(),
                })
                .collect(),
            slot_sent: Vec::new(),
        }
    }

    /// The triggered flows an exchange of `waiter` sends, in order.
    fn flows_of(&self, waiter: Waiter) -> &[usize] {
        match waiter {
            Waiter::Dispatch(_) => &self.dispatch,
            Waiter::SegmentRequest(_) => &self.segment_ul,
            Waiter::SegmentGrant(_) => &self.segment_dl,
            Waiter::CycleStart(s, _) => &self.cycle[s],
        }
    }

    pub fn stream_count(&self) -> usize {
        self.streams.len()
    }

    pub fn clear_statistics(&mut self) {
        self.flows.iter_mut().for_each(FlowOutput::clear);
        self.valid_by_context.iter_mut().flatten().for_each(|c| *c = 0);
    }

    /// Flow statistics at the end of the run; ongoing outages count up to `now`.
    pub fn output(&self, now: SimTime, warmup: SimTime) -> Vec<FlowOutput> {
        let mut flows = self.flows.clone();
        for s in &self.streams {
            if let Some(since) = s.outage {
                flows[s.flow].unavailable_ns += (now - since.max(warmup)).as_nanos();
            }
        }
        // Periodic flows: the latency mixture of the places robots sent from.
        for (f, counts) in self.valid_by_context.iter().enumerate() {
            for (context, &c) in counts.iter().enumerate() {
                if c == 0 {
                    continue;
                }
                let profile = self.profiles.profile(f, context);
                let draws = profile.delivered.len() as u64;
                if draws == 0 {
                    continue;
                }
                let out = &mut flows[f];
                out.latency_hist
                    .merge_weighted(&profile.hist, c as f64 / draws as f64);
                out.latency_n += c;
                out.latency_sum_ms += c as f64 * profile.mean_ms;
                add_components(&mut out.components, &profile.mean_components, c as f64);
                out.samples += draws;
            }
        }
        flows
    }
}

/// Whether a periodic flow can stop the servers of station `s`.
pub(super) fn stoppable_arms(model: &Model, s: StationId) -> bool {
    model.flows.iter().any(|f| {
        matches!(f.kind, FlowKind::Periodic { .. })
            && match f.robots {
                FlowRobots::Station(x) => x == s,
                FlowRobots::All => model.stations[s].robot,
                FlowRobots::Agvs => false,
            }
    })
}

/// Whether a periodic flow can stop the AGVs.
pub(super) fn stoppable_agvs(model: &Model) -> bool {
    model.fleet.as_ref().is_some_and(|f| f.agvs > 0)
        && model.flows.iter().any(|f| {
            matches!(f.kind, FlowKind::Periodic { .. })
                && matches!(f.robots, FlowRobots::Agvs | FlowRobots::All)
        })
}

fn ue_of(robot: Robot) -> u32 {
    match robot {
        Robot::Agv(a) => a,
        Robot::Arm(s, k) => 1_000_000 + (s as u32) * 10_000 + k,
    }
}

impl<'m> Sim<'m> {
    fn net(&mut self) -> &mut NetRt<'m> {
        self.net.as_mut().expect("a network")
    }

    /// The layout point where a robot is (0 without a layout).
    fn robot_point(&self, robot: Robot) -> usize {
        match robot {
            Robot::Agv(a) => self.agv_point(a as usize),
            Robot::Arm(s, _) => self.model.stations[s].at.unwrap_or(0),
        }
    }

    /// Starts the periodic streams (after the model's first events).
    pub(super) fn start_streams(&mut self) {
        let n = self.net.as_ref().map_or(0, NetRt::stream_count);
        let every = self
            .net
            .as_ref()
            .is_some_and(|n| n.profiles.sampling == FlowSampling::EveryMessage);
        for i in 0..n {
            self.stream_refresh(i);
            if every {
                let at = self.stream_horizon(i);
                self.net().streams[i].refresh_at = at;
                self.schedule_message(i);
            } else {
                self.stream_advance(i);
            }
        }
    }

    /// Sends the messages `waiter` needs; returns false when there are none
    /// (the caller goes on at once), true when it must wait for
    /// [`Sim::exchange_done`].
    // Inlined so that a plant without flows pays one test per command.
    #[inline]
    pub(super) fn start_exchange(&mut self, waiter: Waiter) -> bool {
        if self.exchanges_for(waiter) {
            self.start_exchange_now(waiter)
        } else {
            false
        }
    }

    /// Whether `waiter` has messages to wait for: flows of its kind for its
    /// robot, over a link that is not ideal.
    #[inline]
    pub(super) fn exchanges_for(&self, waiter: Waiter) -> bool {
        self.net.as_ref().is_some_and(|net| {
            !net.flows_of(waiter).is_empty() && !matches!(self.model.network.link, LinkModel::Ideal)
        })
    }

    fn start_exchange_now(&mut self, waiter: Waiter) -> bool {
        let robot = match waiter {
            Waiter::Dispatch(a) | Waiter::SegmentRequest(a) | Waiter::SegmentGrant(a) => Robot::Agv(a),
            Waiter::CycleStart(s, k) => Robot::Arm(s, k),
        };
        let net = self.net();
        let ex = Exchange {
            waiter,
            robot,
            next: 0,
        };
        let id = match net.free_exchanges.pop() {
            Some(id) => {
                net.exchanges[id as usize] = Some(ex);
                id
            }
            None => {
                net.exchanges.push(Some(ex));
                (net.exchanges.len() - 1) as u32
            }
        };
        self.send_next(id);
        true
    }

    fn send_next(&mut self, exchange: u32) {
        let now = self.now;
        let model = self.model;
        let (flow, robot) = {
            let net = self.net();
            let ex = net.exchanges[exchange as usize].as_ref().expect("live exchange");
            (net.flows_of(ex.waiter)[ex.next], ex.robot)
        };
        let f = &model.flows[flow];
        let FlowKind::Triggered { timeout, .. } = f.kind else {
            unreachable!("exchanges send triggered flows")
        };
        let point = self.robot_point(robot);
        let net = self.net();
        net.flows[flow].sent += 1;
        let packet = Packet {
            exchange,
            flow,
            sent: now,
            components: Components::default(),
        };
        let id = match net.free_packets.pop() {
            Some(id) => {
                net.packets[id as usize] = Some(packet);
                id
            }
            None => {
                net.packets.push(Some(packet));
                (net.packets.len() - 1) as u32
            }
        };
        match &model.network.link {
            LinkModel::Nr(nr) => {
                let views = &net.link.views[point.min(net.link.views.len().saturating_sub(1))];
                let link = nr.nr.radio_link_from(views, &mut net.link.rng);
                match link.filter(|l| l.in_coverage()) {
                    None => {
                        self.queue
                            .schedule(now + timeout, Event::NetTimeout { packet: id });
                    }
                    Some(l) => {
                        let pkt = CellPacket {
                            id: u64::from(id),
                            ue: ue_of(robot),
                            dir: f.direction,
                            bits: u64::from(f.size_bytes) * 8,
                            spectral_efficiency: l.spectral_efficiency,
                            bler: nr.nr.config().bler,
                        };
                        if let Some(wake) = net.cells[l.gnb].enqueue(now, pkt) {
                            self.queue.schedule(wake, Event::CellSlot { cell: l.gnb as u32 });
                        }
                    }
                }
            }
            _ => {
                let d = net.link.message(f.direction, now, point);
                if let Some(p) = net.packets[id as usize].as_mut() {
                    p.components = d.components;
                }
                match d.outcome {
                    Outcome::Delivered(t) => {
                        self.queue.schedule(t, Event::NetDelivered { packet: id });
                    }
                    Outcome::Lost(_) => {
                        self.queue
                            .schedule(now + timeout, Event::NetTimeout { packet: id });
                    }
                }
            }
        }
    }

    /// A cell's wake-up: it sends what fits in this opportunity.
    pub(super) fn cell_slot(&mut self, c: usize) {
        let now = self.now;
        let model = self.model;
        let net = self.net();
        // A buffer kept from slot to slot: no allocation per wake-up.
        let mut sent = std::mem::take(&mut net.slot_sent);
        sent.clear();
        if let Some(w) = net.cells[c].on_slot_into(now, &mut sent) {
            self.queue.schedule(w, Event::CellSlot { cell: c as u32 });
        }
        for d in sent.drain(..) {
            let id = d.id as u32;
            let net = self.net();
            let core = net.link.core.sample(&mut net.link.core_rng);
            let Some(p) = net.packets[id as usize].as_mut() else {
                continue;
            };
            let FlowKind::Triggered { timeout, .. } = model.flows[p.flow].kind else {
                continue;
            };
            match d.outcome {
                Outcome::Delivered(t) => {
                    // The core and edge delay comes after the radio, in both
                    // directions (the sum is what the robot sees).
                    p.components = d.components;
                    p.components.core += core.as_nanos() as f64 * 1e-6;
                    self.queue.schedule(t + core, Event::NetDelivered { packet: id });
                }
                Outcome::Lost(t) => {
                    let retry = (p.sent + timeout).max(t);
                    self.queue.schedule(retry, Event::NetTimeout { packet: id });
                }
            }
        }
        self.net().slot_sent = sent;
    }

    pub(super) fn net_delivered(&mut self, id: u32) {
        let now = self.now;
        let model = self.model;
        let net = self.net();
        let p = net.packets[id as usize].take().expect("a live packet");
        net.free_packets.push(id);
        let latency = now - p.sent;
        let stats = &mut net.flows[p.flow];
        stats.delivered += 1;
        if let FlowKind::Triggered {
            deadline: Some(d), ..
        } = model.flows[p.flow].kind
        {
            if latency > d {
                stats.deadline_misses += 1.0;
            }
        }
        let ms = latency.as_nanos() as f64 * 1e-6;
        stats.record_latency(ms, &p.components);
        let ex = net.exchanges[p.exchange as usize]
            .as_mut()
            .expect("live exchange");
        ex.next += 1;
        let (next, waiter) = (ex.next, ex.waiter);
        if next < net.flows_of(waiter).len() {
            self.send_next(p.exchange);
            return;
        }
        net.exchanges[p.exchange as usize] = None;
        net.free_exchanges.push(p.exchange);
        self.exchange_done(waiter);
    }

    /// A message was lost: it is sent again.
    pub(super) fn net_timeout(&mut self, id: u32) {
        let net = self.net();
        let p = net.packets[id as usize].take().expect("a live packet");
        net.free_packets.push(id);
        net.flows[p.flow].lost += 1.0;
        self.send_next(p.exchange);
    }

    fn exchange_done(&mut self, waiter: Waiter) {
        match waiter {
            Waiter::Dispatch(a) => self.dispatch_done(a as usize),
            Waiter::SegmentRequest(a) => self.zone_request(a as usize),
            Waiter::SegmentGrant(a) => self.start_segment(a as usize),
            Waiter::CycleStart(s, k) => self.cycle_start_done(s, k),
        }
    }

    // ---- periodic streams -------------------------------------------------

    /// Takes the link of the robot's current place.
    fn stream_refresh(&mut self, i: usize) {
        let robot = self.net().streams[i].robot;
        let point = self.robot_point(robot);
        let now = self.now;
        let net = self.net();
        net.link.bad_state_at(now);
        let bad = net.link.bad;
        let s = &net.streams[i];
        let profile = net.profiles.get(s.flow, point, bad);
        let (q, lost_share) = (profile.q, profile.lost_share);
        let (valid_run, failed_run) = (profile.valid_run, profile.failed_run);
        let s = &mut net.streams[i];
        s.q = q;
        s.lost_share = lost_share;
        s.valid_run = valid_run;
        s.failed_run = failed_run;
        s.point = point;
    }

    /// Until when the current link holds: the next refresh.
    fn stream_horizon(&mut self, i: usize) -> SimTime {
        let model = self.model;
        let now = self.now;
        let net = self.net();
        let mut end = model.horizon;
        if now < model.warmup {
            end = end.min(model.warmup);
        }
        if let LinkModel::Empirical {
            bad_state: Some(_), ..
        } = &model.network.link
        {
            end = end.min(net.link.bad_state_at(now));
        }
        if matches!(model.network.link, LinkModel::Nr(_)) && matches!(net.streams[i].robot, Robot::Agv(_)) {
            end = end.min(now + REFRESH);
        }
        end
    }

    fn record_valid(&mut self, i: usize, count: u64) {
        if count == 0 {
            return;
        }
        let net = self.net();
        let s = &net.streams[i];
        let stats = &mut net.flows[s.flow];
        stats.sent += count;
        stats.delivered += count;
        let context = net.profiles.context(s.point, net.link.bad);
        net.valid_by_context[s.flow][context] += count;
    }

    fn record_failed(&mut self, i: usize, count: u64) {
        if count == 0 {
            return;
        }
        let net = self.net();
        let s = &net.streams[i];
        let stats = &mut net.flows[s.flow];
        stats.sent += count;
        stats.lost += count as f64 * s.lost_share;
        stats.deadline_misses += count as f64 * (1.0 - s.lost_share);
    }

    /// Decides the stream's messages up to its next event, and schedules it.
    fn stream_advance(&mut self, i: usize) {
        let end = self.stream_horizon(i);
        loop {
            let net = self.net();
            let s = &mut net.streams[i];
            let k_end = s.first_decided_after(end);
            if s.k >= k_end {
                self.schedule_stream(i, end, Due::Refresh);
                return;
            }
            if s.fail_run == 0 && !s.fails_next {
                let skip = s.valid_run.sample(&mut s.rng);
                let valid = skip.min(k_end - s.k);
                s.k += valid;
                let k = s.k;
                if valid > 0 {
                    self.record_valid(i, valid);
                }
                if k >= k_end {
                    self.schedule_stream(i, end, Due::Refresh);
                    return;
                }
                self.net().streams[i].fails_next = true;
                continue;
            }
            // A run of failures: those already counted, then `more` from k on.
            let more = s
                .failed_run
                .sample(&mut s.rng)
                .saturating_add(u64::from(s.fails_next));
            s.fails_next = false;
            let n = u64::from(s.n);
            if s.outage.is_none() && s.fail_run <= n && more.saturating_add(s.fail_run) > n {
                let v = s.k + (n + 1 - s.fail_run) - 1;
                if v < k_end {
                    let count = v - s.k + 1;
                    s.fail_run = n + 1;
                    s.k = v + 1;
                    // The rest of the run is drawn again after the stop
                    // (memoryless): nothing is lost by forgetting `more`.
                    let at = s.decided_at(v);
                    self.record_failed(i, count);
                    self.schedule_stream(i, at, Due::Violation);
                    return;
                }
            }
            let failed = more.min(k_end - s.k);
            s.fail_run += failed;
            s.k += failed;
            let k = s.k;
            self.record_failed(i, failed);
            if k >= k_end {
                self.schedule_stream(i, end, Due::Refresh);
                return;
            }
            // Message k is valid: the link is back when it arrives.
            let latency = self.valid_latency(i);
            let s = &mut self.net().streams[i];
            s.fail_run = 0;
            s.k += 1;
            let back = s.sent_at(k) + latency;
            let in_outage = s.outage.is_some();
            self.record_valid(i, 1);
            if in_outage {
                self.schedule_stream(i, back.max(self.now), Due::LinkBack);
                return;
            }
        }
    }

    fn schedule_stream(&mut self, i: usize, at: SimTime, due: Due) {
        if due == Due::Refresh && at >= self.model.horizon {
            // Nothing changes before the horizon: no event needed.
            self.net().streams[i].due = Due::Refresh;
            return;
        }
        self.net().streams[i].due = due;
        let at = at.max(self.now);
        self.queue.schedule(at, Event::Stream { stream: i as u32 });
    }

    /// The latency of a valid message (one that met its deadline), drawn
    /// from the delivered latencies of the stream's link profile.
    fn valid_latency(&mut self, i: usize) -> SimTime {
        let net = self.net();
        let s = &mut net.streams[i];
        let profile = net.profiles.get(s.flow, s.point, net.link.bad);
        let mut latency = s.deadline;
        for _ in 0..16 {
            if profile.latencies.is_empty() {
                break;
            }
            let l = profile.latencies[s.rng.random_range(0..profile.latencies.len())];
            if l <= s.deadline {
                latency = l;
                break;
            }
        }
        latency
    }

    pub(super) fn stream_event(&mut self, i: usize) {
        let due = self.net().streams[i].due;
        match due {
            Due::Refresh => self.stream_refresh(i),
            Due::Violation => self.stream_violation(i),
            Due::LinkBack => self.stream_link_back(i),
            Due::Message => unreachable!("messages are events only when sampled one by one"),
        }
        self.stream_advance(i);
    }

    /// The survival time ran out: the robot stops.
    fn stream_violation(&mut self, i: usize) {
        let now = self.now;
        let net = self.net();
        let s = &mut net.streams[i];
        net.flows[s.flow].survival_violations += 1;
        s.outage = Some(now);
        s.stop_until = s.stop_until.max(now + s.stop);
        let robot = s.robot;
        if !s.stopped {
            s.stopped = true;
            self.robot_stop(robot);
        }
    }

    /// A valid message arrived after a violation: the outage is over, and
    /// the robot restarts when its stop time is over too.
    fn stream_link_back(&mut self, i: usize) {
        let now = self.now;
        let warmup = self.model.warmup;
        let net = self.net();
        let s = &mut net.streams[i];
        let since = s.outage.take().expect("link back after an outage");
        // Only the part after the warm-up counts: none of an outage over
        // before it ends.
        net.flows[s.flow].unavailable_ns += now.saturating_sub(since.max(warmup)).as_nanos();
        if s.stopped {
            if s.stop_until <= now {
                s.stopped = false;
                let robot = s.robot;
                self.robot_restart(robot);
            } else {
                let at = s.stop_until;
                self.queue.schedule(at, Event::StreamRestart { stream: i as u32 });
            }
        }
    }

    // ---- every-message sampling (FlowSampling::EveryMessage) ---------------

    /// Schedules the send of the stream's message k, if it is decided
    /// before the horizon (as the runs count them).
    fn schedule_message(&mut self, i: usize) {
        let horizon = self.model.horizon;
        let s = &self.net().streams[i];
        if s.decided_at(s.k) > horizon {
            return;
        }
        let at = s.sent_at(s.k).max(self.now);
        self.queue.schedule(
            at,
            Event::StreamDue {
                stream: i as u32,
                due: Due::Message,
            },
        );
    }

    /// An event of a stream sampled message by message.
    pub(super) fn stream_due(&mut self, i: usize, due: Due) {
        match due {
            Due::Message => self.stream_message(i),
            Due::Violation => self.stream_violation(i),
            Due::LinkBack => self.stream_link_back(i),
            Due::Refresh => unreachable!("every-message streams refresh at their messages"),
        }
    }

    /// Message k is sent: it is valid with probability 1 − q of the robot's
    /// current link. A failure is known at its deadline, a valid message when
    /// it arrives; the decisions are made in message order, as the runs make
    /// them, and their effects are scheduled at those times.
    fn stream_message(&mut self, i: usize) {
        let now = self.now;
        if now >= self.net().streams[i].refresh_at {
            self.stream_refresh(i);
            let at = self.stream_horizon(i);
            self.net().streams[i].refresh_at = at;
        }
        let s = &mut self.net().streams[i];
        let k = s.k;
        s.k += 1;
        let failed = s.rng.random::<f64>() < s.q;
        if failed {
            s.fail_run += 1;
            let violation = !s.decided_outage && s.fail_run == u64::from(s.n) + 1;
            let at = s.decided_at(k);
            if violation {
                s.decided_outage = true;
                s.violation_at = at;
            }
            self.record_failed(i, 1);
            if violation {
                let due = Due::Violation;
                self.queue.schedule(
                    at,
                    Event::StreamDue {
                        stream: i as u32,
                        due,
                    },
                );
            }
        } else {
            s.fail_run = 0;
            let outage = std::mem::take(&mut s.decided_outage);
            let after = s.violation_at;
            self.record_valid(i, 1);
            if outage {
                let latency = self.valid_latency(i);
                let back = (self.net().streams[i].sent_at(k) + latency).max(after);
                let due = Due::LinkBack;
                self.queue.schedule(
                    back,
                    Event::StreamDue {
                        stream: i as u32,
                        due,
                    },
                );
            }
        }
        self.schedule_message(i);
    }

    /// The stop time is over; the robot restarts if the link is back.
    pub(super) fn stream_restart(&mut self, i: usize) {
        let now = self.now;
        let s = &mut self.net().streams[i];
        if s.stopped && s.outage.is_none() && s.stop_until <= now {
            s.stopped = false;
            let robot = s.robot;
            self.robot_restart(robot);
        }
    }

    fn robot_stop(&mut self, robot: Robot) {
        match robot {
            Robot::Agv(a) => self.pause_agv(a as usize),
            Robot::Arm(s, k) => self.server_stop(s, k),
        }
    }

    fn robot_restart(&mut self, robot: Robot) {
        match robot {
            Robot::Agv(a) => self.resume_agv(a as usize),
            Robot::Arm(s, k) => self.server_restart(s, k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

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
