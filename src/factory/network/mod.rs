//! The robot side of the network, a part of the plant: messages that robots
//! wait for, periodic safety flows that stop robots, and the cells that
//! carry them. It owns its state and random streams, handles its events
//! with a [`Ctx`] that shows it where the robots are ([`Places`]), and
//! tells the plant what follows in [`Effect`]s: an exchange done, a robot
//! stopped or restarted. `exchanges.rs` holds the triggered flows,
//! `periodic.rs` the periodic ones, `profiles.rs` the links they use.
//!
//! ```text
//! cycle-start command of arm (s, k):  start_exchange ─▶ NetDelivered … ─▶ [ExchangeDone(CycleStart(s, k))]
//! safety heartbeat of an AGV:         Stream (violation) ─▶ [StopRobot(Agv(a))] … Stream (link back) ─▶ [RestartRobot(Agv(a))]
//! ```
//!
//! - Triggered flows (`dispatch`, `segment`, `cycle_start`) are simulated
//!   message by message: the robot waits (`network_wait`) until every message
//!   of the exchange is delivered; a lost message is sent again after the
//!   flow's `timeout`. Under `nr` the messages go through the serving gNB's
//!   [`Cell`], which shares its resource blocks with the background load and
//!   wakes only on slots where something is queued. Background packets
//!   (Poisson, video) are not simulated: each robot message draws the
//!   opportunities it waits behind them from the stationary law of the
//!   cell's queue at its priority level (computed once per scenario,
//!   [`cell_loads`] gives the offered loads); fluid background takes its
//!   share of blocks at every opportunity. Order of an exchange:
//!   `dispatch` and `cycle_start` send their downlink flows (the command)
//!   then their uplink flows (an acknowledgement, if the scenario has one);
//!   `segment` sends the uplink request, the fleet manager grants the segment
//!   when it is free, then the downlink grant.
//! - Periodic flows are sampled, not simulated message by message: each
//!   message of a robot is valid with probability 1 − q, independently,
//!   where q (loss, or delivery after the deadline) is the failure
//!   probability of the robot's link at the message's send time. Runs of
//!   valid messages and runs of failures are each drawn in one step (both
//!   are geometric) and cut where the link changes, so a heartbeat that
//!   always arrives costs no event; events happen only when a run of
//!   `survival_periods` + 1 failures makes the robot stop, when the link
//!   comes back, and every [`REFRESH`] at most. The convention: with a
//!   survival time of n periods, the (n+1)-th consecutive failed message
//!   (known at its deadline) is the violation, so stops start at a rate of
//!   (1 − q)·q^(n+1) per message.
//! - Under `nr` the link is the replication's radio (`radio.rs`): each
//!   robot's place (an AGV's part of an aisle as it drives), serving cell,
//!   handovers and radio link failures over time, and per link q computed
//!   exactly from the BLER of one attempt: a message delivered by attempt
//!   k + 1 (probability BLER^k (1 − BLER)) is late with the share of the
//!   flow's latencies after k retransmissions beyond its deadline, drawn per
//!   replication ([`FLOW_DRAWS`]); all attempts fail with BLER^(retx+1).
//!   Periodic messages queue behind the background as triggered ones do:
//!   in a cell whose queue law gives the flow's priority a wait, the
//!   flow's latencies are drawn with that wait added (a set per such
//!   cell), and a robot's messages take the serving cell's set.
//!   While the link is down (a handover's interruption, a re-establishment)
//!   every message fails. When an AGV sets off or halts, what the streams
//!   decided for messages sent from then on is taken back and decided again
//!   on the new link (the runs are memoryless, so this is exact).
//!   Triggered flows go through the serving cell's [`Cell`] at the link's
//!   MCS and BLER, and are lost while the link is down or out of coverage.
//! - Without cells (`ideal`, `fixed`, `empirical`) q and the latencies are
//!   the link profiles of `profiles.rs`, computed once per scenario.
//! - The latency statistics of periodic flows are those of the links the
//!   robots sent on, weighted by the number of valid messages sent on each
//!   (a mixture); counts of sent, lost and late messages cover every
//!   message. Queueing behind other robots' periodic messages is not
//!   modelled (their load is tiny).

mod cells;
mod exchanges;
mod periodic;
mod profiles;
mod radio;

use super::event::{Ctx, Effect, Places, Robot, Waiter};
use super::TraceRecord;
use crate::engine::{RngStreams, SimTime, Slab};
use crate::model::{FlowKind, FlowRobots, LinkModel, Model, StationId, Trigger};
use crate::net::{Cell, CellDelivery, Components, Direction, LevelLaws};
use crate::stats::Histogram;
use cells::{cell_backgrounds, cell_laws};
use exchanges::{Exchange, Packet};
use periodic::Stream;
use profiles::LinkState;
use radio::{Quality, Radio};
use std::sync::Arc;

pub use cells::cell_loads;
pub use profiles::{FlowSampling, LinkProfile, LinkProfiles, PROFILE_DRAWS};
pub use radio::{FLOW_DRAWS, PER_MESSAGE_DRAWS};

/// The network's context: it sees where the robots are.
pub(super) type NetCtx<'a, 'm> = Ctx<'a, 'm, Places<'a>>;

/// How often a periodic flow's link is re-evaluated at the robot's position.
pub const REFRESH: SimTime = SimTime::from_secs(300);

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
    /// Robots of the flow in a protective stop when the warm-up ended: their
    /// stops began during the warm-up, so `survival_violations` (the stops
    /// begun after it) leaves them out.
    pub stops_at_warmup: u64,
    /// When the earliest of those stops began.
    pub stopped_since: Option<SimTime>,
    /// Messages sent while the robot's link was interrupted (a handover, or
    /// re-establishment after a radio link failure): none is delivered.
    pub interruptions: u64,
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

/// The robots' side of the network in one replication.
pub(super) struct NetRt<'m> {
    link: LinkState<'m>,
    profiles: &'m LinkProfiles,
    cells: Vec<Cell>,
    exchanges: Slab<Exchange>,
    packets: Slab<Packet>,
    streams: Vec<Stream>,
    /// Per-flow statistics of the replication.
    flows: Vec<FlowOutput>,
    dispatch: Vec<usize>,
    segment_ul: Vec<usize>,
    segment_dl: Vec<usize>,
    /// cycle_start flows per station.
    cycle: Vec<Vec<usize>>,
    /// Valid periodic messages per flow and context (place, state).
    valid_by_context: Vec<Vec<u64>>,
    /// What a cell sent at its last wake-up (a buffer reused).
    slot_sent: Vec<CellDelivery>,
    /// The link is ideal: no message takes time, so none is simulated.
    ideal: bool,
    /// Under `nr`: the robots' links over time (AGVs first, then every
    /// server of every station in order).
    radio: Option<Radio>,
    /// The radio's index of each station's first server.
    first_arm: Vec<usize>,
    /// Under `nr`, valid periodic messages per flow and link (place and
    /// serving cell).
    valid_by_link: Vec<Vec<u64>>,
    /// Per AGV, its periodic streams.
    agv_streams: Vec<Vec<usize>>,
    /// How long a robot's past link is kept: no undecided periodic message
    /// is older.
    keep: SimTime,
    /// Buffers: a leg's corners, a link's quality, radio events.
    corners: Vec<[f64; 2]>,
    happened: Vec<radio::RadioEvent>,
    quality: Quality,
}

impl<'m> NetRt<'m> {
    pub fn new(model: &'m Model, profiles: &'m LinkProfiles, streams: &RngStreams) -> NetRt<'m> {
        let link = LinkState::new(model, streams);
        let backgrounds = cell_backgrounds(model);
        let laws: &[[Arc<LevelLaws>; 2]] = match &model.network.link {
            LinkModel::Nr(nr) => nr.laws.get_or_init(|| cell_laws(model, &backgrounds)),
            _ => &[],
        };
        // What a periodic flow's messages meet in each cell's queue.
        let queues: Vec<radio::CellQueue> = laws
            .iter()
            .zip(&backgrounds)
            .map(|(laws, bg)| radio::CellQueue {
                laws,
                efficiency: [0, 1].map(|d| bg[d].fluid.spectral_efficiency),
            })
            .collect();
        let cells = match &model.network.link {
            LinkModel::Nr(nr) => {
                backgrounds
                    .iter()
                    .zip(laws)
                    .enumerate()
                    .map(|(c, (bg, laws))| {
                        let mut cell = Cell::new(nr.nr.clone(), streams.stream(&format!("network/cell:{c}")));
                        for d in [Direction::Dl, Direction::Ul] {
                            // Validated loads: a rate the cell cannot carry only saturates it.
                            let _ = cell.set_background(d, bg[d as usize].fluid);
                            let rng = streams.stream(&format!("network/cell:{c}/queue:{}", d.name()));
                            cell.set_background_laws(d, Arc::clone(&laws[d as usize]), rng);
                        }
                        cell
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        let agvs = model.fleet.as_ref().map_or(0, |f| f.agvs);
        let members = |robots: FlowRobots| -> Vec<Robot> {
            let mut out = Vec::new();
            if matches!(robots, FlowRobots::Agvs | FlowRobots::All) {
                out.extend((0..agvs).map(Robot::Agv));
            }
            for (station, st) in model.stations.iter().enumerate() {
                let member = match robots {
                    FlowRobots::Station(x) => x == station,
                    FlowRobots::All => st.robot,
                    FlowRobots::Agvs => false,
                };
                if member {
                    out.extend((0..st.servers).map(|server| Robot::Arm(station, server)));
                }
            }
            out
        };
        let mut flows = Vec::with_capacity(model.flows.len());
        let mut stream_list = Vec::new();
        let (mut dispatch, mut segment_ul, mut segment_dl) = (Vec::new(), Vec::new(), Vec::new());
        let mut cycle = vec![Vec::new(); model.stations.len()];
        for (index, flow) in model.flows.iter().enumerate() {
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
                FlowKind::Periodic { .. } => {
                    for robot in robots {
                        let name = match robot {
                            Robot::Agv(agv) => format!("flow:{}/agv{}", flow.name, agv + 1),
                            Robot::Arm(station, server) => {
                                format!("flow:{}/{}/{server}", flow.name, model.stations[station].name)
                            }
                        };
                        stream_list.push(Stream::new(index, &flow.kind, robot, streams.stream(&name)));
                    }
                }
                FlowKind::Triggered { trigger, .. } => match trigger {
                    Trigger::Dispatch if !robots.iter().any(|r| matches!(r, Robot::Agv(_))) => {}
                    Trigger::Dispatch => dispatch.push(index),
                    Trigger::Segment => match flow.direction {
                        Direction::Ul => segment_ul.push(index),
                        Direction::Dl => segment_dl.push(index),
                    },
                    Trigger::CycleStart => {
                        for (station, list) in cycle.iter_mut().enumerate() {
                            if robots
                                .iter()
                                .any(|r| matches!(r, Robot::Arm(x, _) if *x == station))
                            {
                                list.push(index);
                            }
                        }
                    }
                },
                FlowKind::Background { .. } => {}
            }
        }
        // Commands first, then acknowledgements.
        let dl_first = |list: &mut Vec<usize>| {
            list.sort_by_key(|&flow| (model.flows[flow].direction != Direction::Dl, flow))
        };
        dl_first(&mut dispatch);
        cycle.iter_mut().for_each(dl_first);
        let mut first_arm = Vec::with_capacity(model.stations.len());
        let mut robots = agvs as usize;
        for st in &model.stations {
            first_arm.push(robots);
            robots += st.servers as usize;
        }
        let radio = match &model.network.link {
            LinkModel::Nr(nr) => {
                let point_xy = |point: Option<usize>| {
                    model
                        .layout
                        .as_ref()
                        .zip(point)
                        .and_then(|(l, p)| l.points.get(p))
                        .map_or((0.0, 0.0), |p| (p.x, p.y))
                };
                let home = model.fleet.as_ref().map(|f| f.home);
                let mut start = vec![point_xy(home); agvs as usize];
                for st in &model.stations {
                    start.extend(std::iter::repeat_n(point_xy(st.at), st.servers as usize));
                }
                let loads = cell_loads(model);
                let flows = radio::flow_radio(model, nr, &link.core, &queues, streams);
                Some(Radio::new(nr, loads, &start, flows, streams))
            }
            _ => None,
        };
        let logging = radio.is_some() && profiles.sampling() == FlowSampling::Runs;
        let mut agv_streams = vec![Vec::new(); agvs as usize];
        for (index, stream) in stream_list.iter_mut().enumerate() {
            match stream.robot {
                Robot::Agv(agv) => {
                    stream.radio_robot = agv as usize;
                    stream.logging = logging;
                    agv_streams[agv as usize].push(index);
                }
                Robot::Arm(station, server) => stream.radio_robot = first_arm[station] + server as usize,
            }
        }
        NetRt {
            link,
            profiles,
            cells,
            exchanges: Slab::new(),
            packets: Slab::new(),
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
            ideal: matches!(model.network.link, LinkModel::Ideal),
            radio,
            first_arm,
            valid_by_link: vec![Vec::new(); model.flows.len()],
            agv_streams,
            keep: model
                .flows
                .iter()
                .filter_map(|f| match f.kind {
                    FlowKind::Periodic { deadline, period, .. } => Some(deadline + period),
                    _ => None,
                })
                .max()
                .unwrap_or(SimTime::ZERO)
                + SimTime::from_secs(1),
            corners: Vec::new(),
            happened: Vec::new(),
            quality: Quality::default(),
        }
    }

    /// Whether the network follows the AGVs' movements: under `nr`, when a
    /// flow involves them.
    pub fn follows_agvs(&self) -> bool {
        self.radio.is_some()
            && (self.agv_streams.iter().any(|s| !s.is_empty())
                || !self.dispatch.is_empty()
                || !self.segment_ul.is_empty()
                || !self.segment_dl.is_empty())
    }

    /// The radio's index of a robot.
    pub(super) fn radio_robot(&self, robot: Robot) -> usize {
        match robot {
            Robot::Agv(agv) => agv as usize,
            Robot::Arm(station, server) => self.first_arm[station] + server as usize,
        }
    }

    /// An AGV starts (or resumes) driving a timed event of travel ending at
    /// `drive_until`, or halts (`None`) ([`Effect::AgvMotion`]): its link
    /// follows from now on, and its streams take back what they decided
    /// for messages sent from now on, and decide them again.
    pub fn agv_motion(
        &mut self,
        agv: u32,
        drive_until: Option<SimTime>,
        ctx: &mut NetCtx,
        _out: &mut Vec<Effect>,
    ) {
        let Some(radio) = self.radio.as_mut() else {
            return;
        };
        let now = ctx.now;
        let robot = agv as usize;
        match drive_until {
            Some(until) => match radio.halted_leg(robot) {
                // Resumed where it halted.
                Some((corners, driven_m)) => radio.drive(robot, now, &corners, driven_m, until),
                None => {
                    (ctx.view.agv_leg)(agv, &mut self.corners);
                    radio.drive(robot, now, &self.corners, 0.0, until);
                }
            },
            None => radio.halt(robot, now),
        }
        radio.tidy(robot, now, self.keep, ctx.model.warmup);
        self.trace_radio(false, ctx);
        if self.profiles.sampling() == FlowSampling::EveryMessage {
            return;
        }
        for k in 0..self.agv_streams[robot].len() {
            let stream = self.agv_streams[robot][k];
            if self.take_back(stream, now) {
                self.advance(stream, ctx);
            }
        }
    }

    /// The triggered flows an exchange of `waiter` sends, in order.
    fn flows_of(&self, waiter: Waiter) -> &[usize] {
        match waiter {
            Waiter::Dispatch(_) => &self.dispatch,
            Waiter::SegmentRequest(_) => &self.segment_ul,
            Waiter::SegmentGrant(_) => &self.segment_dl,
            Waiter::CycleStart(station, _) => &self.cycle[station],
        }
    }

    pub fn clear_statistics(&mut self, now: SimTime) {
        self.flows.iter_mut().for_each(FlowOutput::clear);
        self.valid_by_context.iter_mut().flatten().for_each(|c| *c = 0);
        self.valid_by_link.iter_mut().for_each(Vec::clear);
        if let Some(radio) = self.radio.as_mut() {
            radio.clear_statistics(now);
        }
        // Stops under way: begun in the warm-up, they go on being observed.
        for stream in self.streams.iter().filter(|s| s.stopped) {
            let flow = &mut self.flows[stream.flow];
            flow.stops_at_warmup += 1;
            if let Some(since) = stream.outage {
                flow.stopped_since = Some(flow.stopped_since.map_or(since, |s| s.min(since)));
            }
        }
    }

    /// Writes the handovers and radio link failures counted so far to the
    /// trace (`handover` / `rlf` records of the robot, at its place; they
    /// are counted once they are past, so some are written late, and the
    /// trace puts them in time order). `all`: count everything begun by now
    /// first (the end of the run).
    pub fn trace_radio(&mut self, all: bool, ctx: &mut NetCtx) {
        let Some(radio) = self.radio.as_mut() else {
            return;
        };
        if all {
            radio.commit_all(ctx.now, ctx.model.warmup);
        }
        let mut happened = std::mem::take(&mut self.happened);
        radio.take_happened(&mut happened);
        if ctx.trace.is_some() {
            for event in &happened {
                let entity = self.robot_name(event.robot, ctx.model);
                let (name, state) = match event.transition {
                    radio::Transition::Handover { to } => ("handover", format!("to gnb{}", to + 1)),
                    radio::Transition::LinkFailure { cell } => ("rlf", format!("gnb{} failed", cell + 1)),
                };
                let at_xy = event.xy.0.is_finite().then_some([event.xy.0, event.xy.1]);
                if let Some(trace) = ctx.trace.as_deref_mut() {
                    trace.push(|| TraceRecord {
                        at_xy,
                        ..TraceRecord::new(event.at, entity, name, state)
                    });
                }
            }
        }
        self.happened = happened;
    }

    /// A robot's name in the trace, from its radio index.
    fn robot_name(&self, robot: usize, model: &Model) -> String {
        let station = self.first_arm.partition_point(|&first| first <= robot);
        match station.checked_sub(1) {
            Some(station) if robot >= self.first_arm[station] => format!(
                "station:{}/{}",
                model.stations[station].name,
                robot - self.first_arm[station]
            ),
            _ => format!("agv{}", robot + 1),
        }
    }

    /// What the radio saw in the run: handovers and link failures after the
    /// warm-up, and the cells' loads.
    pub fn radio_output(&mut self, now: SimTime, warmup: SimTime) -> RadioOutput {
        let Some(radio) = self.radio.as_mut() else {
            return RadioOutput::default();
        };
        radio.finish(now, warmup);
        RadioOutput {
            handovers: radio.handovers,
            link_failures: radio.link_failures,
            cell_loads: radio.loads.clone(),
        }
    }

    /// Flow statistics at the end of the run; ongoing outages count up to `now`.
    pub fn output(&self, now: SimTime, warmup: SimTime) -> Vec<FlowOutput> {
        let mut flows = self.flows.clone();
        // Under nr: the latencies of each link's valid messages, by the
        // number of retransmissions they needed.
        if let Some(radio) = self.radio.as_ref() {
            let mut quality = Quality::default();
            for (flow, counts) in self.valid_by_link.iter().enumerate() {
                for (index, &c) in counts.iter().enumerate().filter(|(_, &c)| c > 0) {
                    let link = radio.link_of(index);
                    radio.flow_quality(flow, link, &mut quality);
                    let out = &mut flows[flow];
                    for (index, &w) in quality.valid_weights.iter().enumerate() {
                        let Some(valid) = radio.flows[flow].valid(index) else {
                            continue;
                        };
                        let n = valid.latencies.len();
                        let weight = c as f64 * w;
                        if n == 0 || weight <= 0.0 {
                            continue;
                        }
                        out.latency_hist.merge_weighted(&valid.hist, weight / n as f64);
                        out.latency_sum_ms += weight * valid.mean_ms;
                        add_components(&mut out.components, &valid.mean_components, weight);
                    }
                    out.latency_n += c;
                }
            }
            for (flow, f) in radio.flows.iter().enumerate() {
                flows[flow].samples += f
                    .sets
                    .iter()
                    .flat_map(|s| &s.valid)
                    .map(|v| v.latencies.len() as u64)
                    .sum::<u64>();
            }
        }
        for stream in &self.streams {
            if let Some(since) = stream.outage {
                flows[stream.flow].unavailable_ns += (now - since.max(warmup)).as_nanos();
            }
        }
        // Periodic flows: the latency mixture of the places robots sent from.
        for (flow, counts) in self.valid_by_context.iter().enumerate() {
            for (context, &c) in counts.iter().enumerate() {
                if c == 0 {
                    continue;
                }
                let profile = self.profiles.profile(flow, context);
                let draws = profile.delivered.len() as u64;
                if draws == 0 {
                    continue;
                }
                let out = &mut flows[flow];
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

/// What the radio saw in one replication (under `nr`).
#[derive(Clone, Debug, Default)]
pub struct RadioOutput {
    /// Handovers begun after the warm-up, all robots.
    pub handovers: u64,
    /// Radio link failures after the warm-up, all robots.
    pub link_failures: u64,
    /// Per cell, the load of its resource blocks, `[dl, ul]`.
    pub cell_loads: Vec<[f64; 2]>,
}

/// Whether a periodic flow can stop the servers of `station`.
pub(super) fn stoppable_arms(model: &Model, station: StationId) -> bool {
    model.flows.iter().any(|f| {
        matches!(f.kind, FlowKind::Periodic { .. })
            && match f.robots {
                FlowRobots::Station(x) => x == station,
                FlowRobots::All => model.stations[station].robot,
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

#[cfg(test)]
mod tests {
    //! The network alone: a test plays the plant, popping the network's
    //! events, handing back its continuations and recording what it asks for.
    use super::*;
    use crate::engine::EventQueue;
    use crate::factory::event::{Effect, Event};

    /// One robot arm at station `s`, a fixed link, a cycle-start command
    /// and a safety heartbeat that fails one message in two.
    const PLANT: &str = r#"
[scenario]
horizon = "10s"
[[station]]
name = "s"
process = "1min"
robot = true
[[product]]
name = "job"
release = "const(1h)"
route = ["s"]
[network]
model = "fixed"
[network.fixed]
latency = "1ms"
loss = 0.5
[[flow]]
name = "command"
robots = "s"
direction = "dl"
trigger = "cycle_start"
timeout = "5ms"
size = "100B"
[[flow]]
name = "heartbeat"
robots = "s"
direction = "ul"
period = "10ms"
survival = 2
on_violation = "stop(20ms)"
size = "64B"
"#;

    /// Runs the network's events to the horizon; returns the effects meant
    /// for the plant with their times.
    fn run(
        net: &mut NetRt,
        model: &Model,
        queue: &mut EventQueue<Event>,
        first: &mut dyn FnMut(&mut NetRt, &mut NetCtx, &mut Vec<Effect>),
    ) -> Vec<(SimTime, Effect)> {
        let agv_at = |_: u32| 0;
        let mut seen = Vec::new();
        let mut out = Vec::new();
        let mut step =
            |now,
             net: &mut NetRt,
             queue: &mut EventQueue<Event>,
             call: &mut dyn FnMut(&mut NetRt, &mut NetCtx, &mut Vec<Effect>)| {
                let mut ctx = Ctx {
                    now,
                    model,
                    queue,
                    trace: None,
                    view: Places {
                        agv_at: &agv_at,
                        agv_leg: &|_, corners: &mut Vec<[f64; 2]>| corners.clear(),
                    },
                };
                call(net, &mut ctx, &mut out);
                while let Some(effect) = (!out.is_empty()).then(|| out.remove(0)) {
                    match effect {
                        Effect::ThenStream(stream) => net.then_stream(stream as usize, &mut ctx),
                        other => seen.push((now, other)),
                    }
                }
            };
        step(SimTime::ZERO, net, queue, first);
        while let Some((now, event)) = queue.pop_until(model.horizon) {
            step(now, net, queue, &mut |n, ctx, out| match event {
                Event::NetDelivered { packet } => n.on_delivered(packet, ctx, out),
                Event::NetTimeout { packet } => n.on_timeout(packet, ctx),
                Event::Stream { stream, generation } => n.on_stream(stream as usize, generation, ctx, out),
                Event::StreamRestart { stream } => n.on_stream_restart(stream as usize, ctx, out),
                other => panic!("not the network's event: {other:?}"),
            });
        }
        seen
    }

    #[test]
    fn a_command_is_done_when_it_arrives_and_heartbeats_stop_and_restart_the_arm() {
        let model = crate::scenario::load_str("net.toml", PLANT, None, &[])
            .expect("valid")
            .model;
        let profiles = LinkProfiles::compute(&model);
        let mut net = NetRt::new(&model, &profiles, &RngStreams::new(4, 0));
        let waiter = Waiter::CycleStart(0, 0);
        assert!(net.sends(waiter) && !net.sends(Waiter::Dispatch(0)));
        let mut queue = EventQueue::new();
        let seen = run(&mut net, &model, &mut queue, &mut |n, ctx, out| {
            n.start_streams(ctx);
            n.start_exchange(waiter, ctx);
            let _ = out;
        });
        // The command: every 5 ms timeout a new try, done 1 ms after the
        // first that is not lost.
        let command = &net.flows[0];
        let (sent, delivered) = (command.sent, command.delivered);
        assert_eq!((delivered, command.lost), (1, (sent - 1) as f64));
        let done = SimTime::from_nanos(5_000_000 * (sent - 1) + 1_000_000);
        assert_eq!(
            seen.iter()
                .filter(|(_, e)| *e == Effect::ExchangeDone(waiter))
                .count(),
            1
        );
        assert!(seen.contains(&(done, Effect::ExchangeDone(waiter))), "{seen:?}");
        // The heartbeat: q = 0.5, a stop after 3 failures in a row, and a
        // restart for every stop but perhaps the last, in turn.
        let arm = Robot::Arm(0, 0);
        let turns: Vec<Effect> = seen
            .iter()
            .map(|&(_, e)| e)
            .filter(|e| matches!(e, Effect::StopRobot(_) | Effect::RestartRobot(_)))
            .collect();
        let stops = turns.iter().filter(|&&e| e == Effect::StopRobot(arm)).count() as u64;
        assert!(stops > 10, "{stops} stops");
        assert_eq!(stops, net.flows[1].survival_violations);
        for (i, e) in turns.iter().enumerate() {
            let expected = if i % 2 == 0 {
                Effect::StopRobot(arm)
            } else {
                Effect::RestartRobot(arm)
            };
            assert_eq!(*e, expected, "turn {i}");
        }
    }
}
