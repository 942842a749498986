//! The robots' radio links in one replication under `nr`: where each robot
//! is, which gNB serves it, and how good that link is, over time.
//!
//! - **Places.** A robot's link depends on its place: an arm's station, the
//!   layout point where an AGV stands, and, while an AGV drives, the pieces
//!   of its path cut into equal parts no longer than the shadow-fading
//!   correlation distance (10 m in every InF sub-scenario, TR 38.901 Table
//!   7.5-6), each part's link being that of its midpoint. The parts depend
//!   only on the piece's two ends, so two AGVs (or two passes) on one aisle
//!   see the same places, and a place's link is computed once per
//!   replication and kept. (The LOS-state field varies over
//!   `d_clutter / 2`, 1 m in dense clutter: it is sampled at the same
//!   places, so in dense clutter the LOS state of a 10 m part is that of
//!   its midpoint.)
//! - **Links at a place.** For each gNB the total loss (path loss and
//!   shadow fading, [`RadioMap::link`], in the scenario's [`Shadowing`]
//!   mode), the received power, and the SINR the robot would have with
//!   that gNB serving: downlink, the other gNBs interfere weighted by their
//!   cells' resource-block load; uplink, one UE per other cell at that
//!   cell's centre (its gNB) at the UE power, weighted by its cell's load.
//!   Loads are the background flows' offered load over each cell's capacity
//!   (robot messages are a few kbit/s and are left out). The interfering
//!   UEs use open-loop power control (TS 38.213 §7.1.1, P0 = −80 dBm per
//!   block, α = 1, without closed-loop corrections): at full power a UE
//!   under its own gNB would be heard 20 to 30 dB louder than it is, and
//!   make uplink holes at every cell edge. The scenario's
//!   `interference_margin_db` is taken off every SINR. Link adaptation
//!   picks the MCS for the BLER target and gives the BLER of one attempt
//!   ([`LinkAdaptation::attempt_bler`]; `bler` overrides it). A cell whose
//!   background takes all its blocks fails every robot message.
//! - **Timeline.** Each robot's link over time is a list of pieces (up on a
//!   place and a serving cell, or down), computed ahead from what is known:
//!   a robot that stands keeps its link; a driving AGV's places and their
//!   times follow from its leg (the fleet tells the network when a timed
//!   event of travel starts and when a stop halts it,
//!   [`Effect::AgvMotion`]). The [`Mobility`] state machine of each robot
//!   is fed a measurement at every place change and after every handover
//!   or re-establishment, and its timers (time-to-trigger, T310, the
//!   interruption, the re-establishment) change the link at their exact
//!   times: down from a handover's start or a radio link failure until the
//!   target (or the strongest cell) serves. What was computed ahead of an
//!   unforeseen change (an AGV sets off, or stops mid-way) is cut at that
//!   instant and computed again from the state the machine had then.
//! - **Per-message shadowing** (`shadowing = "per_message"`, the first
//!   stage's i.i.d. links): there is no serving cell to keep; each message
//!   draws every gNB's LOS state and shadow fading and goes to the
//!   strongest. Periodic flows use, per place and replication, the mean
//!   over [`PER_MESSAGE_DRAWS`] such draws.
//!
//! [`Effect::AgvMotion`]: crate::factory::event::Effect::AgvMotion

use super::add_components;
use super::profiles::Geometric;
use crate::engine::{RngStreams, SimTime, StreamRng};
use crate::model::{FlowKind, Model, NrNetwork};
use crate::net::{
    dbm_to_mw, mw_to_dbm, Components, CoreDelay, Direction, LevelLaws, LinkAdaptation, Mobility,
    MobilityEvent, Nr, RadioBudget, RadioMap, Shadowing, LOWEST_PRIORITY,
};
use crate::stats::Histogram;
use rand::RngExt;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;
use std::sync::Arc;

/// Link-state draws per place and replication for periodic flows under
/// per-message shadowing.
pub const PER_MESSAGE_DRAWS: usize = 64;

/// One direction of a robot's link to one gNB at one place.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) struct DirLink {
    pub sinr_db: f64,
    /// BLER of one attempt; `None`: no MCS works (out of coverage) or the
    /// cell's background takes all its blocks.
    pub bler: Option<f64>,
    /// Bits per resource element of the chosen MCS.
    pub efficiency: f64,
}

/// What a robot's link is during a piece of its timeline.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Link {
    /// Served by `cell` at `place` (under per-message shadowing `cell` is
    /// [`ANY_CELL`]: each message goes to its strongest gNB).
    Up { place: u32, cell: u32 },
    /// Interrupted by a handover, or re-establishing after a failure.
    Down,
}

/// The serving cell under per-message shadowing: chosen per message.
pub(super) const ANY_CELL: u32 = u32::MAX;

/// What started a piece, for the report's counts and the trace.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Transition {
    /// A handover towards the cell.
    Handover { to: u32 },
    /// The link to the cell failed.
    LinkFailure { cell: u32 },
}

/// A handover or link failure that happened (for the trace).
#[derive(Copy, Clone, Debug, PartialEq)]
pub(super) struct RadioEvent {
    pub at: SimTime,
    pub robot: usize,
    pub transition: Transition,
    pub xy: (f64, f64),
}

#[derive(Copy, Clone, Debug)]
struct Piece {
    from: SimTime,
    link: Link,
    transition: Option<Transition>,
    /// Where the robot was when the piece began (also when down).
    place: u32,
}

/// A stretch of a robot's timeline computed from one set of inputs: from
/// `start`, the robot enters each place of `parts` at its time (the last
/// holds), having been at `place` before; `mobility` is the machine's state
/// just before `start` (to compute the stretch again up to a cut).
#[derive(Clone, Debug)]
struct Episode {
    start: SimTime,
    mobility: Mobility,
    place: u32,
    parts: Vec<(SimTime, u32)>,
}

/// Where a driving AGV is on its leg.
#[derive(Clone, Debug, Default)]
struct Leg {
    corners: Vec<[f64; 2]>,
    /// Metres driven along the corners at `since`.
    driven_m: f64,
    since: SimTime,
    until: SimTime,
    /// Driving (false: halted mid-way, or not on a leg).
    moving: bool,
}

/// One robot's radio link over time.
struct RobotRadio {
    mobility: Mobility,
    episode: Episode,
    pieces: VecDeque<Piece>,
    /// Pieces are known up to this instant (the next change of inputs or
    /// timer; `MAX` once nothing more can change).
    frontier: SimTime,
    /// The place the robot is at, as of `frontier`.
    place: u32,
    /// When the machine last took a step (measured, or ran a timer out).
    last_step: SimTime,
    /// Pieces that began before this instant are counted in the report.
    counted_until: SimTime,
    leg: Leg,
}

/// Per flow, for [`Radio::flow_quality`]: the direction, and the flow's
/// latency sets: the first without queueing, then one per cell whose queue
/// makes the flow wait (its direction's law at the flow's priority gives a
/// wait); `set_of_cell` gives each cell's set (the first for the cells
/// whose queue never delays it).
#[derive(Clone, Debug)]
pub(super) struct FlowRadio {
    pub dir: Direction,
    pub retx: u32,
    pub sets: Vec<FlowLatencies>,
    pub set_of_cell: Vec<usize>,
}

impl FlowRadio {
    /// The latency set of messages served by `cell`.
    pub fn set(&self, cell: usize) -> usize {
        self.set_of_cell.get(cell).copied().unwrap_or(0)
    }

    /// The set and number of retransmissions of an index into
    /// [`Quality::valid_weights`].
    pub fn set_and_retx(&self, index: usize) -> (usize, usize) {
        let per_set = self.retx as usize + 1;
        (index / per_set, index % per_set)
    }

    /// The valid latencies of an index into [`Quality::valid_weights`].
    pub fn valid(&self, index: usize) -> Option<&ValidLatencies> {
        let (set, k) = self.set_and_retx(index);
        self.sets.get(set).and_then(|s| s.valid.get(k))
    }
}

/// A periodic flow's messages through one kind of cell: per number of
/// retransmissions k, the chance that a message delivered after them
/// misses the deadline, and the latencies of those that meet it (empty for
/// other flows).
#[derive(Clone, Debug, Default)]
pub(super) struct FlowLatencies {
    pub late: Vec<f64>,
    pub valid: Vec<ValidLatencies>,
}

/// What a periodic message does on a link: it fails with `q`; `lost_share`
/// of the failures are losses (the rest arrive late); valid messages took
/// their latency from set s after k retransmissions with probability
/// `valid_weights[s · (retx + 1) + k]` ([`FlowRadio::set_and_retx`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Quality {
    pub q: f64,
    pub lost_share: f64,
    pub valid_weights: Vec<f64>,
}

/// What a periodic flow's messages do on one link (see [`Quality`]).
#[derive(Copy, Clone, Debug)]
pub(super) struct Runs {
    pub q: f64,
    pub lost_share: f64,
    pub valid_run: Geometric,
    pub failed_run: Geometric,
}

/// The robots' radio links in one replication.
pub(super) struct Radio {
    map: RadioMap,
    budget: RadioBudget,
    adaptation: LinkAdaptation,
    bler_override: Option<f64>,
    /// The scenario's interference margin, dB, taken off every SINR.
    margin_db: f64,
    gnbs: usize,
    /// Per cell, the resource-block load of each direction (0 to 1 and
    /// beyond), `[dl, ul]`.
    pub loads: Vec<[f64; 2]>,
    /// Per serving cell, the uplink interference at its gNB, mW (one UE of
    /// each other cell at that cell's centre, its power controlled, times
    /// the cell's uplink load).
    ul_interference_mw: Vec<f64>,
    spacing_m: f64,
    places: FxHashMap<(i64, i64), u32>,
    place_xy: Vec<(f64, f64)>,
    /// Per place and gNB: received power (dBm, downlink), then the links
    /// with that gNB serving, `[dl, ul]` (consistent and off shadowing).
    rsrp: Vec<f64>,
    links: Vec<[DirLink; 2]>,
    /// Per place, under per-message shadowing: draws of the strongest
    /// gNB and its links.
    draws: Vec<Vec<(u32, [DirLink; 2])>>,
    robots: Vec<RobotRadio>,
    rng: StreamRng,
    pub flows: Vec<FlowRadio>,
    /// Handovers and radio link failures begun after the warm-up.
    pub handovers: u64,
    pub link_failures: u64,
    /// [`Radio::runs`] computed so far, per flow: down first, then by
    /// [`link_index`](Radio::link_index) + 1.
    runs_cache: Vec<Vec<Option<Runs>>>,
    /// The straight pieces driven so far, and their parts' places
    /// ([`Radio::piece_parts`]).
    pieces_seen: FxHashMap<[u64; 4], (usize, usize)>,
    part_places: Vec<u32>,
    /// Handovers and failures counted, not yet written to the trace.
    happened: Vec<RadioEvent>,
    quality_buf: Quality,
    /// Per place and gNB, the SINR a measurement reports with that gNB
    /// serving (see `Radio::measured_sinr`), extended as places appear.
    measured_sinr: Vec<f64>,
    /// Buffers reused.
    events: Vec<MobilityEvent>,
}

impl Radio {
    /// The radio of `model` (under `nr`) for `robots` robots, each at its
    /// starting place (`start[i]`, x and y) at time 0.
    pub fn new(
        nr: &NrNetwork,
        loads: Vec<[f64; 2]>,
        start: &[(f64, f64)],
        late: Vec<FlowRadio>,
        streams: &RngStreams,
    ) -> Radio {
        let cfg = nr.nr().config();
        let map = RadioMap::new(nr.nr().channel(), nr.gnbs(), cfg.shadowing, streams);
        let budget = RadioBudget::from_config(cfg);
        let gnbs = nr.gnbs().len();
        let distances = map.channel().correlation_distances();
        let mut unused = streams.stream("network/radio/unused");
        // Uplink: one UE of each other cell at its gNB (cell centre), with
        // open-loop power control.
        let ul_power_dbm: Vec<f64> = (0..gnbs)
            .map(|cell| {
                let own_loss = map.link(cell, nr.gnbs()[cell], &mut unused).loss_db();
                interferer_power_dbm(&budget, nr.nr().mu(), nr.nr().n_prb(), own_loss)
            })
            .collect();
        let ul_interference_mw = (0..gnbs)
            .map(|serving| {
                if !budget.interference {
                    return 0.0;
                }
                (0..gnbs)
                    .filter(|&j| j != serving)
                    .map(|j| {
                        let loss = map.link(serving, nr.gnbs()[j], &mut unused).loss_db();
                        loads[j][Direction::Ul as usize].min(1.0) * dbm_to_mw(ul_power_dbm[j] - loss)
                    })
                    .sum()
            })
            .collect();
        let flow_count = late.len();
        let mut radio = Radio {
            map,
            budget,
            adaptation: LinkAdaptation::new(cfg.bler),
            bler_override: cfg.bler_override,
            margin_db: cfg.interference_margin_db,
            gnbs,
            loads,
            ul_interference_mw,
            spacing_m: distances.shadow_los_m.min(distances.shadow_nlos_m),
            places: FxHashMap::default(),
            place_xy: Vec::new(),
            rsrp: Vec::new(),
            links: Vec::new(),
            draws: Vec::new(),
            robots: Vec::new(),
            rng: streams.stream("network/radio"),
            flows: late,
            handovers: 0,
            link_failures: 0,
            runs_cache: vec![Vec::new(); flow_count],
            happened: Vec::new(),
            pieces_seen: FxHashMap::default(),
            part_places: Vec::new(),
            quality_buf: Quality::default(),
            measured_sinr: Vec::new(),
            events: Vec::new(),
        };
        for &xy in start {
            let place = radio.place(xy);
            let mobility = Mobility::new(cfg.handover, cfg.rlf);
            radio.robots.push(RobotRadio {
                mobility: mobility.clone(),
                episode: Episode {
                    start: SimTime::ZERO,
                    mobility,
                    place,
                    parts: vec![(SimTime::ZERO, place)],
                },
                pieces: VecDeque::new(),
                frontier: SimTime::ZERO,
                place,
                last_step: SimTime::ZERO,
                counted_until: SimTime::ZERO,
                leg: Leg::default(),
            });
        }
        radio
    }

    fn per_message(&self) -> bool {
        self.map.shadowing() == Shadowing::PerMessage
    }

    /// The place at `xy`, computed on its first visit.
    fn place(&mut self, xy: (f64, f64)) -> u32 {
        let key = ((xy.0 * 1000.0).round() as i64, (xy.1 * 1000.0).round() as i64);
        if let Some(&place) = self.places.get(&key) {
            return place;
        }
        let place = self.place_xy.len() as u32;
        self.places.insert(key, place);
        self.place_xy.push(xy);
        if self.per_message() {
            let draws = (0..PER_MESSAGE_DRAWS)
                .map(|_| {
                    let (losses, serving) = self.draw_losses(xy);
                    (serving as u32, self.links_with(&losses, serving))
                })
                .collect();
            self.draws.push(draws);
            // Mobility sees the mean path loss (no handovers are simulated
            // under per-message shadowing, but cell selection needs one).
            self.rsrp.extend(std::iter::repeat_n(0.0, self.gnbs));
            return place;
        }
        let losses: Vec<f64> = (0..self.gnbs)
            .map(|gnb| self.map.link(gnb, xy, &mut self.rng).loss_db())
            .collect();
        let power = self.budget.tx_power_dbm(Direction::Dl);
        self.rsrp.extend(losses.iter().map(|loss| power - loss));
        for serving in 0..self.gnbs {
            let links = self.links_with(&losses, serving);
            self.links.push(links);
        }
        place
    }

    /// Every gNB's loss at `xy` drawn once (per-message shadowing), and the
    /// strongest gNB.
    fn draw_losses(&mut self, xy: (f64, f64)) -> (Vec<f64>, usize) {
        let losses: Vec<f64> = (0..self.gnbs)
            .map(|gnb| self.map.link(gnb, xy, &mut self.rng).loss_db())
            .collect();
        let serving = (0..self.gnbs)
            .reduce(|best, g| if losses[g] < losses[best] { g } else { best })
            .unwrap_or(0);
        (losses, serving)
    }

    /// The links with `serving` serving, given every gNB's loss, `[dl, ul]`.
    fn links_with(&self, losses: &[f64], serving: usize) -> [DirLink; 2] {
        let b = &self.budget;
        let dl_power = b.tx_power_dbm(Direction::Dl);
        let dl_signal = dl_power - losses[serving];
        let dl_interference: f64 = if b.interference {
            (0..self.gnbs)
                .filter(|&j| j != serving)
                .map(|j| self.loads[j][Direction::Dl as usize].min(1.0) * dbm_to_mw(dl_power - losses[j]))
                .sum()
        } else {
            0.0
        };
        let dl =
            dl_signal - mw_to_dbm(dbm_to_mw(b.noise_dbm(Direction::Dl)) + dl_interference) - self.margin_db;
        let ul_signal = b.tx_power_dbm(Direction::Ul) - losses[serving];
        let ul = ul_signal
            - mw_to_dbm(dbm_to_mw(b.noise_dbm(Direction::Ul)) + self.ul_interference_mw[serving])
            - self.margin_db;
        // A saturated cell keeps its link adaptation: what its load does to
        // a robot's messages is the queue law's to say, by priority level
        // (a robot above the background is served first).
        [dl, ul].map(|sinr_db| {
            let chosen = self.adaptation.select(sinr_db);
            DirLink {
                sinr_db,
                bler: chosen.map(|c| self.bler_override.unwrap_or(c.bler)),
                efficiency: chosen.map_or(0.0, |c| c.mcs.efficiency),
            }
        })
    }

    /// The link in direction `dir` at `place` served by `cell`.
    pub fn dir_link(&self, place: u32, cell: u32, dir: Direction) -> DirLink {
        self.links[place as usize * self.gnbs + cell as usize][dir as usize]
    }

    /// One message's link at `place` under per-message shadowing: a fresh
    /// draw of every gNB, the strongest serving; the cell and the link.
    pub fn draw_link(&mut self, place: u32, dir: Direction) -> (usize, DirLink) {
        let xy = self.place_xy[place as usize];
        let (losses, serving) = self.draw_losses(xy);
        (serving, self.links_with(&losses, serving)[dir as usize])
    }

    /// What a message of periodic flow `flow` does on `link`.
    pub fn flow_quality(&self, flow: usize, link: Link, out: &mut Quality) {
        let spec = &self.flows[flow];
        let per_set = spec.retx as usize + 1;
        out.valid_weights.clear();
        out.valid_weights.resize(spec.sets.len() * per_set, 0.0);
        let Link::Up { place, cell } = link else {
            out.q = 1.0;
            out.lost_share = 1.0;
            return;
        };
        let dir = spec.dir as usize;
        let mut q = 0.0;
        let mut lost = 0.0;
        let mut add = |bler: Option<f64>, set: usize, share: f64, weights: &mut Vec<f64>| {
            let Some(b) = bler else {
                q += share;
                lost += share;
                return;
            };
            // Attempt k + 1 delivers with b^k (1 − b); all fail with b^(R+1).
            let mut reach = 1.0;
            let first = set * per_set;
            for (k, late) in spec.sets[set].late.iter().enumerate() {
                let delivered = reach * (1.0 - b);
                weights[first + k] += share * delivered * (1.0 - late);
                q += share * delivered * late;
                reach *= b;
            }
            q += share * reach;
            lost += share * reach;
        };
        if cell == ANY_CELL {
            let draws = &self.draws[place as usize];
            let share = 1.0 / draws.len() as f64;
            // Each draw's messages queue in the cell that serves them.
            for (serving, links) in draws {
                let set = spec.set(*serving as usize);
                add(links[dir].bler, set, share, &mut out.valid_weights);
            }
        } else {
            add(
                self.dir_link(place, cell, spec.dir).bler,
                spec.set(cell as usize),
                1.0,
                &mut out.valid_weights,
            );
        }
        let q = q.clamp(0.0, 1.0);
        let valid = 1.0 - q;
        if valid > 0.0 {
            out.valid_weights.iter_mut().for_each(|w| *w /= valid);
        }
        out.q = q;
        out.lost_share = if q > 0.0 { (lost / q).min(1.0) } else { 1.0 };
    }

    /// [`flow_quality`](Self::flow_quality)'s failure probability and
    /// loss share, with the geometric laws of runs of valid and of failed
    /// messages, kept per flow and link for the replication.
    pub fn runs(&mut self, flow: usize, link: Link) -> Runs {
        let slot = match link {
            Link::Up { .. } => self.link_index(link),
            // Down: the slot after every link's.
            Link::Down => 0,
        };
        let cache = &mut self.runs_cache[flow];
        let index = if link == Link::Down { 0 } else { slot + 1 };
        if let Some(Some(runs)) = cache.get(index) {
            return *runs;
        }
        let mut quality = std::mem::take(&mut self.quality_buf);
        self.flow_quality(flow, link, &mut quality);
        let runs = Runs {
            q: quality.q,
            lost_share: quality.lost_share,
            valid_run: Geometric::new(quality.q),
            failed_run: Geometric::new(1.0 - quality.q),
        };
        self.quality_buf = quality;
        let cache = &mut self.runs_cache[flow];
        if cache.len() <= index {
            cache.resize(index + 1, None);
        }
        cache[index] = Some(runs);
        runs
    }

    /// A dense index of an up link (its place and serving cell, or
    /// [`ANY_CELL`]), for tables kept per link.
    pub fn link_index(&self, link: Link) -> usize {
        match link {
            Link::Up { place, cell } => {
                let slot = if cell == ANY_CELL {
                    self.gnbs
                } else {
                    cell as usize
                };
                place as usize * (self.gnbs + 1) + slot
            }
            Link::Down => usize::MAX,
        }
    }

    /// The up link of a [`link_index`](Self::link_index).
    pub fn link_of(&self, index: usize) -> Link {
        let (place, slot) = (index / (self.gnbs + 1), index % (self.gnbs + 1));
        Link::Up {
            place: place as u32,
            cell: if slot == self.gnbs { ANY_CELL } else { slot as u32 },
        }
    }
}

/// Nominal received power per resource block of open-loop uplink power
/// control, dBm (`P0`), and the share of the path loss compensated (`α`).
pub const UL_P0_DBM: f64 = -80.0;
pub const UL_ALPHA: f64 = 1.0;

/// The transmit power of an interfering UE with open-loop power control
/// (TS 38.213 §7.1.1, without closed-loop corrections) over `n_prb` blocks
/// of numerology `mu`: `min(P_max, P0 + 10·log10(2^μ · M_RB) + α · PL)`.
fn interferer_power_dbm(budget: &RadioBudget, mu: u32, n_prb: u32, own_loss_db: f64) -> f64 {
    let open_loop =
        UL_P0_DBM + 10.0 * (f64::from(1u32 << mu) * f64::from(n_prb)).log10() + UL_ALPHA * own_loss_db;
    open_loop.min(budget.tx_power_dbm(Direction::Ul))
}

fn length(a: [f64; 2], b: [f64; 2]) -> f64 {
    (b[0] - a[0]).hypot(b[1] - a[1])
}

/// Latency draws per periodic flow, latency set, number of retransmissions
/// and replication.
pub const FLOW_DRAWS: usize = 256;

/// A cell's queue as the robots' periodic messages meet it: per direction,
/// the laws of its background's queue per priority level, and the spectral
/// efficiency at which a message's blocks are counted.
pub(super) struct CellQueue<'a> {
    pub laws: &'a [Arc<LevelLaws>; 2],
    pub efficiency: [f64; 2],
}

/// The flow constants of a replication: per periodic flow and number of
/// retransmissions k, [`FLOW_DRAWS`] latencies of a message delivered by
/// attempt k + 1 (sent at uniform times over 20 ms, so that the frame's
/// alignment is met as messages meet it, with the core and edge delays),
/// drawn from the replication's stream `network/flows`: the share beyond
/// the deadline, and the valid ones for the statistics and for the time a
/// link comes back. Drawn per replication, their sampling error is part of
/// the replications' spread, and so of the intervals.
///
/// A cell whose queue law at the flow's direction and priority gives a wait
/// (background at the flow's level or above it, [`level_laws`]) has a
/// latency set of its own: the same send times and core delays, each
/// message first waiting the opportunities drawn from that law (stream
/// `network/flows/queue:<cell>`), as the [`Cell`](crate::net::Cell) delays
/// a triggered message. The message's blocks are counted at the efficiency
/// the cell's background is given (a line-of-sight UE 30 m from its gNB):
/// a robot at the cell's edge needs a few blocks more, a few in the
/// hundreds a slot carries. Cells whose law gives no wait share the first
/// set, drawn without queueing. Under a discard timer a message that would
/// reach its opportunity older than the timer is dropped there, and counts
/// as late ([`Nr::transmit_after_waiting`](crate::net::Nr::transmit_after_waiting)); without one, a level the law
/// finds saturated has every message late (it would wait for ever).
///
/// [`level_laws`]: crate::net::level_laws
/// The stacks' delays (`stack_delay`) come from their own stream, so that a
/// scenario without them draws the same latencies as before they existed.
pub(super) fn flow_radio(
    model: &Model,
    nr: &NrNetwork,
    core: &CoreDelay,
    queues: &[CellQueue],
    streams: &RngStreams,
) -> Vec<FlowRadio> {
    let retx = nr.nr().config().harq_max_retx;
    let mut rng = streams.stream("network/flows");
    let mut core_rng = streams.stream("network/flows/core");
    let mut wait_rngs: Vec<StreamRng> = (0..queues.len())
        .map(|c| streams.stream(&format!("network/flows/queue:{c}")))
        .collect();
    let stack = stack_delay(nr);
    let mut stack_rng = streams.stream("network/flows/stack");
    model
        .flows
        .iter()
        .map(|f| {
            let mut out = FlowRadio {
                dir: f.direction,
                retx,
                sets: vec![FlowLatencies::default()],
                set_of_cell: vec![0; queues.len()],
            };
            let FlowKind::Periodic { deadline, .. } = f.kind else {
                return out;
            };
            // Send times, core and stack delays, per k, shared by every
            // set: a set differs from the first by its waits alone.
            let draws: Vec<Vec<(SimTime, SimTime, SimTime)>> = (0..=retx)
                .map(|_| {
                    (0..FLOW_DRAWS)
                        .map(|_| {
                            let sent = SimTime::from_nanos(1_000_000_000 + rng.random_range(0..20_000_000));
                            let core_delay = core.sample(&mut core_rng);
                            (sent, core_delay, stack.sample(&mut stack_rng))
                        })
                        .collect()
                })
                .collect();
            let dir = f.direction;
            let bits = u64::from(f.size_bytes) * 8;
            out.sets[0] = latency_set(nr.nr(), (dir, bits), deadline, &draws, &mut |_| 0);
            let level = usize::from(f.priority.clamp(1, LOWEST_PRIORITY) - 1);
            for (c, queue) in queues.iter().enumerate() {
                match &queue.laws[dir as usize][level] {
                    Some(Ok(law)) if law.load() > 0.0 => {
                        let bpp = nr.nr().bits_per_prb(dir, queue.efficiency[dir as usize]);
                        let blocks = if bpp > 0.0 {
                            ((bits as f64 / bpp).ceil() as u64).max(1)
                        } else {
                            1
                        };
                        let rng = &mut wait_rngs[c];
                        let set = latency_set(nr.nr(), (dir, bits), deadline, &draws, &mut |u| {
                            law.sample_wait_at(blocks, u, rng)
                        });
                        out.set_of_cell[c] = out.sets.len();
                        out.sets.push(set);
                    }
                    Some(Err(_)) => {
                        out.set_of_cell[c] = out.sets.len();
                        out.sets.push(FlowLatencies {
                            late: vec![1.0; retx as usize + 1],
                            valid: vec![ValidLatencies::default(); retx as usize + 1],
                        });
                    }
                    // No background at or above the flow's level.
                    Some(Ok(_)) | None => {}
                }
            }
            out
        })
        .collect()
}

/// The latencies of `draws` (per k, send times, core and stack delays) for a
/// periodic flow of direction `dir` and messages of `bits`, each message
/// first waiting `wait(u)` opportunities, `u` where it is ready in the
/// interval before its first opportunity ([`QueueLaw::sample_wait_at`]).
///
/// [`QueueLaw::sample_wait_at`]: crate::net::QueueLaw::sample_wait_at
fn latency_set(
    nr: &Nr,
    (dir, bits): (Direction, u64),
    deadline: SimTime,
    draws: &[Vec<(SimTime, SimTime, SimTime)>],
    wait: &mut dyn FnMut(f64) -> u64,
) -> FlowLatencies {
    let mut out = FlowLatencies::default();
    for (k, per_k) in draws.iter().enumerate() {
        let mut valid = ValidLatencies::default();
        let mut late = 0usize;
        for &(sent, core_delay, stack_delay) in per_k {
            let mut d = nr.transmit_after_drawn_wait(dir, sent, bits, k as u32, wait);
            d.add_core(core_delay);
            d.add_stack(stack_delay);
            let latency = d.outcome.time() - sent;
            if d.is_lost() || latency > deadline {
                late += 1;
            } else {
                valid.add(latency, &d.components);
            }
        }
        out.late.push(late as f64 / per_k.len().max(1) as f64);
        out.valid.push(valid);
    }
    out
}

/// The UE's and the gNB's stack delays of a message, as one sum.
pub(super) fn stack_delay(nr: &NrNetwork) -> CoreDelay {
    let (ue, gnb) = nr.stack_delay();
    CoreDelay::from_dists(ue.cloned(), gnb.cloned())
}

/// The valid latencies of a flow's messages delivered after k
/// retransmissions.
#[derive(Clone, Debug, Default)]
pub(super) struct ValidLatencies {
    pub latencies: Vec<SimTime>,
    pub hist: Histogram,
    pub mean_ms: f64,
    pub mean_components: Components,
}

impl ValidLatencies {
    fn add(&mut self, latency: SimTime, c: &Components) {
        let n = self.latencies.len() as f64;
        let ms = latency.as_nanos() as f64 * 1e-6;
        self.latencies.push(latency);
        self.hist.add(latency.as_nanos());
        self.mean_ms += (ms - self.mean_ms) / (n + 1.0);
        let mut sum = Components::default();
        add_components(&mut sum, &self.mean_components, n);
        add_components(&mut sum, c, 1.0);
        self.mean_components = Components::default();
        add_components(&mut self.mean_components, &sum, 1.0 / (n + 1.0));
    }
}

mod timeline;

#[cfg(test)]
mod tests;
