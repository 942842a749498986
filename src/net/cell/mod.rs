//! A loaded cell: resource blocks shared slot by slot among robot packets
//! and a background load (packets that queue with them, or a fluid), driven
//! by the caller's event queue.
//!
//! The cell has no event queue of its own. [`Cell::enqueue`] returns a
//! wake-up time when the caller must schedule one (the cell had none, or
//! the new packet needs an earlier opportunity); the caller calls
//! [`Cell::on_slot`] at that time, which serves the opportunity, returns the
//! packets it sent (with their delivery or loss times, which the caller
//! schedules) and the next wake-up. Wake-ups happen only at transmission
//! opportunities where a packet is ready: an idle cell costs no events,
//! whatever the background load. A superseded wake-up (one that an earlier
//! one replaced) is recognised and does nothing.
//!
//! Capacity: every transmission opportunity of a direction (a slot, or a
//! mini-slot of L symbols, per the frame rules of [`Nr`]) has all the
//! channel's resource blocks, [`Nr::n_prb`] (TS 38.101 tables: 273 at
//! 100 MHz and 30 kHz). A robot packet needs `ceil(bits / bits per PRB)`
//! blocks at its spectral efficiency ([`Nr::bits_per_prb`]); a packet larger
//! than what it gets is segmented over several opportunities and leaves with
//! its last segment. HARQ retransmissions are assumed to be scheduled first
//! and do not take blocks from the queue. Beyond capacity the queue grows
//! without bound, unless a discard timer ([`Cell::set_discard_timer`], as
//! PDCP's) drops packets that waited too long.
//!
//! Background load (video, bulk transfers): a fluid at `rate_bps` that
//! claims, at every opportunity, its average share of blocks (rate × pattern
//! period / (opportunities per period × bits per PRB), dithered so that the
//! fractions add up), with no event and no per-packet state: ten cameras cost
//! what one costs. Unserved background demand is dropped (best effort).
//!
//! Background packets ([`Cell::set_background_flows`]): the other UEs'
//! traffic ([`BackgroundFlow`]: Poisson packets or video frames) either
//! - queues packet by packet with the robots' packets
//!   ([`BackgroundSimulation::Packets`]): every background packet is
//!   drawn, queued, given blocks by the scheduler and counted
//!   ([`Cell::background_stats`]); the cell then wakes at every
//!   opportunity where a background packet is waiting, or
//! - is replaced by the stationary law of the queue it makes
//!   ([`BackgroundSimulation::Law`], see [`QueueLaw`](super::QueueLaw)): each robot packet
//!   draws the opportunities it waits behind the background from the law
//!   of its priority level, then takes blocks in an otherwise background-free
//!   cell. An idle cell then costs nothing, whatever its load. Under a
//!   discard timer the law is that of a finite buffer and exists at every
//!   load: a packet whose drawn wait brings it to an opportunity older than
//!   the timer is dropped there, as a simulated one would be. Without a
//!   timer a level whose offered load reaches the capacity has no law, and
//!   a robot packet of that level is lost at its first opportunity (it
//!   would wait for ever).
//!
//! The PDCCH (TS 38.211 §7.3.2, TS 38.213 §10): every PDCCH occasion
//! carries at most [`Nr::dcis_per_pdcch`] DCIs (11 at 100 MHz and 30 kHz
//! with the default 1-symbol CORESET, 33 with 3 symbols). Who needs one:
//! - a grant-based uplink packet, for the grant that answers its SR and,
//!   when it sends a BSR, for its data grant. Grants take occasions first
//!   come, first served: when the packet is offered, each takes the first
//!   occasion it is ready for that has a DCI left, else the next, and the
//!   wait counts as queueing. The first grant (64 bytes) is assumed to be
//!   reserved by the gNB beside the queue, as HARQ retransmissions are;
//!   after a BSR the data grant asks for what that first PUSCH left;
//! - a downlink opportunity's UEs (one DCI per UE, whose packets share one
//!   PDSCH): at each downlink opportunity, which starts with a PDCCH
//!   occasion, the DCIs the uplink grants left go to the UEs with a packet
//!   ready in priority order and, within a level, in the order their
//!   packets became ready; the others wait for the next opportunity. Robot
//!   packets and simulated background packets count alike.
//!
//! Configured-grant uplink needs no DCI; nor do HARQ retransmissions
//! (assumed scheduled first), the uplink background packets (their grants
//! are not modelled), a fluid background, or the background under its
//! queue law: those DCIs are assumed to fit beside the robots' (optimistic
//! where many background UEs are scheduled in every slot).
//!
//! Priorities (TS 38.321 §5.4.3.1 logical channel prioritisation, which
//! gives each logical channel a priority and serves them in order): every
//! packet has a level, 1 served first; at each opportunity the levels are
//! served in strict order, the scheduler sharing blocks within a level. A
//! fluid background has no queue and takes its blocks at the first level
//! served, as before priorities existed.
//!
//! Schedulers ([`Scheduler`]), per opportunity and level (TS 38.214 leaves
//! the choice to the gNB's implementation):
//! - `fifo`: the fluid's share first, then packets in the order they became
//!   ready (head of line: a partly served packet stops the queue);
//! - `round_robin`: equal shares among the UEs with data, the background
//!   counting as `ues` UEs (water-filling: what a UE does not need goes to
//!   the others; leftover blocks go one each in a rotating order);
//! - `pf`: proportional fair, UEs served in decreasing order of
//!   `r_i / R_i`, where `r_i` is the bits per PRB at the UE's spectral
//!   efficiency (no fast fading, so the instantaneous rate is the link's)
//!   and `R_i` the exponentially weighted mean of the bits it was served per
//!   opportunity (time constant 100 opportunities of that direction,
//!   decayed in closed form over the opportunities skipped while idle).
//!
//! ```
//! use factory5g::engine::{EventQueue, RngStreams, SimTime};
//! use factory5g::net::{Cell, CellPacket, Direction, Nr, NrConfig, Outcome};
//! let nr = Nr::new(NrConfig { bler: 0.0, ..NrConfig::default() }).unwrap();
//! let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("cell"));
//! #[derive(Clone, Copy)]
//! enum Ev { Wake, Delivered(u64) }
//! let mut q = EventQueue::new();
//! let pkt = CellPacket { id: 1, ue: 7, dir: Direction::Dl, bits: 800, spectral_efficiency: 2.0, bler: 0.0, priority: 1 };
//! if let Some(t) = cell.enqueue(SimTime::ZERO, pkt) { q.schedule(t, Ev::Wake); }
//! let mut delivered = None;
//! while let Some((now, ev)) = q.pop() {
//!     match ev {
//!         Ev::Wake => {
//!             let r = cell.on_slot(now);
//!             for d in r.delivered {
//!                 if let Outcome::Delivered(at) = d.outcome { q.schedule(at, Ev::Delivered(d.id)); }
//!             }
//!             if let Some(t) = r.next_wakeup { q.schedule(t, Ev::Wake); }
//!         }
//!         Ev::Delivered(id) => delivered = Some((id, now)),
//!     }
//! }
//! assert_eq!(delivered.map(|d| d.0), Some(1));
//! ```

use super::config::Scheduler;
use super::frame::{tick_f64, Tick};
use super::link::{harq, to_ticks, to_time, Outcome};
use super::nr::{Nr, Prepared};
use super::traffic::{Arrivals, BackgroundFlow, BackgroundPacket, LOWEST_PRIORITY};
use super::{ticks_to_ms, Components, Direction};
use crate::engine::{SimTime, StreamRng};
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

mod background;
mod laws;
mod share;
pub use background::{Background, BackgroundSimulation, BackgroundStats};
pub use laws::{level_laws, LevelLaws};
use share::{limit_dcis, share, PfState, Slot};
#[cfg(test)]
use share::{negligible, PF_WINDOW};

/// A robot packet offered to the cell.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct CellPacket {
    /// The caller's identifier, returned with the delivery.
    pub id: u64,
    /// The UE (robot) it belongs to: the unit of round robin and pf.
    pub ue: u32,
    pub dir: Direction,
    pub bits: u64,
    /// Bits per resource element of the UE's link (the CQI's efficiency);
    /// 0 (out of coverage) loses the packet at its first opportunity.
    pub spectral_efficiency: f64,
    /// Block error rate of each attempt.
    pub bler: f64,
    /// Priority level, 1 (served first) to 9.
    pub priority: u8,
}

/// A robot packet the cell sent (or lost).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct CellDelivery {
    pub id: u64,
    pub ue: u32,
    pub dir: Direction,
    /// When it was enqueued.
    pub sent: SimTime,
    pub outcome: Outcome,
    pub attempts: u32,
    /// Where the time went (ms), queueing included.
    pub components: Components,
}

/// What one wake-up did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SlotResult {
    /// Packets sent at this opportunity (their outcome lies in the future).
    pub delivered: Vec<CellDelivery>,
    /// The wake-up to schedule next, if any.
    pub next_wakeup: Option<SimTime>,
}

/// Whose packet a queued one is.
#[derive(Copy, Clone, Debug, PartialEq)]
enum Source {
    Robot,
    /// A background packet of this flow (the UE is `Queued::ue`).
    Background {
        flow: usize,
    },
}

#[derive(Clone, Debug)]
struct Queued {
    id: u64,
    ue: u32,
    source: Source,
    priority: u8,
    /// When it may first be served (its ready time; under the law, the
    /// opportunity the drawn wait leads to). The queue's order.
    eligible: Tick,
    sent: SimTime,
    bler: f64,
    /// Bits per PRB; 0 out of coverage.
    bpp: f64,
    prbs_left: u64,
    prep: Prepared,
    first_opp: Tick,
    /// Downlink: no DCI left for its UE at the opportunity being served.
    no_dci: bool,
}

#[derive(Clone, Debug, Default)]
struct DirState {
    /// In the order packets became ready, ties in arrival order (FIFO);
    /// the packets ready at an opportunity are a prefix.
    queue: VecDeque<Queued>,
    bg: Background,
    /// Background demand per opportunity (PRBs, fractional).
    bg_prbs: f64,
    bg_bpp: f64,
    /// Dithering remainder of the background demand.
    bg_frac: f64,
    /// pf averages of the robots, by UE.
    pf_robots: FxHashMap<u32, PfState>,
    /// pf averages of the background's UEs, by index (`None`: never served).
    pf_bg: Vec<Option<PfState>>,
    /// pf averages of the background packets' UEs.
    pf_sources: FxHashMap<u32, PfState>,
    /// Background packets to come (packets simulation).
    arrivals: Option<Arrivals>,
    /// Background flows of those packets.
    flows: Vec<BackgroundFlow>,
    /// Bits per PRB of each flow.
    flow_bpp: Vec<f64>,
    arrived: Vec<BackgroundPacket>,
    stats: BackgroundStats,
    /// Queue laws (law simulation).
    laws: Option<Arc<LevelLaws>>,
}

impl DirState {
    fn pf(&self, key: UeKey) -> Option<PfState> {
        match key {
            UeKey::Robot(ue) => self.pf_robots.get(&ue).copied(),
            UeKey::Source(ue) => self.pf_sources.get(&ue).copied(),
            UeKey::Background(i) => self.pf_bg.get(i as usize).copied().flatten(),
        }
    }

    fn set_pf(&mut self, key: UeKey, st: PfState) {
        match key {
            UeKey::Robot(ue) => {
                self.pf_robots.insert(ue, st);
            }
            UeKey::Source(ue) => {
                self.pf_sources.insert(ue, st);
            }
            UeKey::Background(i) => {
                let i = i as usize;
                if i >= self.pf_bg.len() {
                    self.pf_bg.resize(i + 1, None);
                }
                self.pf_bg[i] = Some(st);
            }
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum UeKey {
    Robot(u32),
    /// A UE of the background packets.
    Source(u32),
    /// A UE of the fluid background (sorts last).
    Background(u32),
}

impl Queued {
    fn key(&self) -> UeKey {
        match self.source {
            Source::Robot => UeKey::Robot(self.ue),
            Source::Background { .. } => UeKey::Source(self.ue),
        }
    }
}

/// Buffers reused from one opportunity to the next, so that serving a slot
/// allocates nothing once they have grown to the cell's usual load.
#[derive(Clone, Debug, Default)]
struct Scratch {
    /// UEs with data, sorted by key (robots by UE, then the background's):
    /// demand in PRBs and bits per PRB.
    ues: Vec<(UeKey, u64, f64)>,
    /// Blocks given to each UE of `ues`.
    alloc: Vec<u64>,
    order: Vec<(f64, usize)>,
    before: Vec<f64>,
    active: Vec<usize>,
    next: Vec<usize>,
    /// UEs given a downlink DCI at the opportunity being served.
    dci_ues: Vec<UeKey>,
}

/// A cell of one [`Nr`] configuration (both directions).
#[derive(Clone, Debug)]
pub struct Cell {
    nr: Nr,
    rng: StreamRng,
    dirs: [DirState; 2],
    pending: Option<Tick>,
    /// Opportunities before this tick have been served.
    after: Tick,
    rr_turn: u64,
    wakeups: u64,
    /// PDCP discard timer, ticks.
    discard: Option<Tick>,
    scratch: Scratch,
    /// Draws the robots' waits from the queue laws.
    law_rng: Option<StreamRng>,
    /// DCIs a PDCCH occasion carries ([`Nr::dcis_per_pdcch`]).
    dcis: u32,
    /// Uplink grants already placed on PDCCH occasions not yet served.
    grants_at: BTreeMap<Tick, u32>,
}

impl Cell {
    /// An empty cell; `rng` draws the HARQ attempts.
    pub fn new(nr: Nr, rng: StreamRng) -> Cell {
        let discard = nr.config().discard_timer.map(to_ticks);
        Cell {
            dcis: nr.dcis_per_pdcch(),
            grants_at: BTreeMap::new(),
            nr,
            rng,
            dirs: Default::default(),
            pending: None,
            after: 0,
            rr_turn: 0,
            wakeups: 0,
            discard,
            scratch: Scratch::default(),
            law_rng: None,
        }
    }

    pub fn nr(&self) -> &Nr {
        &self.nr
    }

    /// Sets a direction's background load (replacing the previous one).
    pub fn set_background(&mut self, dir: Direction, bg: Background) -> Result<(), String> {
        if !(bg.rate_bps.is_finite() && bg.rate_bps >= 0.0) {
            return Err(format!("background rate {} bit/s must be 0 or more", bg.rate_bps));
        }
        if !(bg.spectral_efficiency.is_finite() && bg.spectral_efficiency > 0.0) {
            return Err(format!(
                "background spectral efficiency {} must be above 0 (bits per resource element)",
                bg.spectral_efficiency
            ));
        }
        if bg.ues == 0 {
            return Err("a background load stands for at least one UE".to_string());
        }
        let bpp = self.nr.bits_per_prb(dir, bg.spectral_efficiency);
        let period_s = self.nr.pattern_ms() * 1e-3;
        let opps = self.nr.opportunities_per_period(dir) as f64;
        let d = &mut self.dirs[dir.index()];
        d.bg = bg;
        d.bg_bpp = bpp;
        d.bg_prbs = bg.rate_bps * period_s / (opps * bpp);
        Ok(())
    }

    /// Simulates the packets of a direction's background `flows` from `now`
    /// on (their fluid ones are left out: [`set_background`](Self::set_background)
    /// carries those); `rng` draws their arrivals. Returns the wake-up the
    /// caller must schedule for the first of them.
    pub fn set_background_flows(
        &mut self,
        dir: Direction,
        flows: &[BackgroundFlow],
        now: SimTime,
        rng: StreamRng,
    ) -> Result<Option<SimTime>, String> {
        for f in flows {
            if !(f.rate_bps.is_finite() && f.rate_bps >= 0.0 && f.spectral_efficiency > 0.0) {
                return Err(format!(
                    "background flow {f:?}: rate 0 or more and efficiency above 0"
                ));
            }
        }
        let flow_bpp = flows
            .iter()
            .map(|f| self.nr.bits_per_prb(dir, f.spectral_efficiency))
            .collect();
        let arrivals = Arrivals::new(flows, now, rng);
        let d = &mut self.dirs[dir.index()];
        let ues: u32 = flows.iter().map(|f| f.ues).sum();
        d.stats = BackgroundStats {
            blocks: vec![0; ues as usize],
            sent: vec![0; flows.len()],
            wait_ms: vec![0.0; flows.len()],
            dropped: vec![0; flows.len()],
        };
        d.flows = flows.to_vec();
        d.flow_bpp = flow_bpp;
        d.arrivals = Some(arrivals);
        self.after = self.after.max(to_ticks(now));
        let candidate = self.next_for(dir);
        Ok(self.wake_at(candidate))
    }

    /// Gives a direction's robot packets the waits of these queue laws
    /// (see [`level_laws`]); `rng` draws them.
    pub fn set_background_laws(&mut self, dir: Direction, laws: Arc<LevelLaws>, rng: StreamRng) {
        self.dirs[dir.index()].laws = Some(laws);
        self.law_rng = Some(rng);
    }

    /// What a direction's background packets did so far.
    pub fn background_stats(&self, dir: Direction) -> &BackgroundStats {
        &self.dirs[dir.index()].stats
    }

    /// Makes `candidate` the pending wake-up when it comes first; returns it
    /// then (the caller schedules it).
    fn wake_at(&mut self, candidate: Option<Tick>) -> Option<SimTime> {
        let c = candidate?;
        if self.pending.is_none_or(|p| c < p) {
            self.pending = Some(c);
            Some(to_time(c))
        } else {
            None
        }
    }

    /// The background's share of each opportunity's blocks (may exceed 1:
    /// the direction is then saturated by the background alone).
    pub fn background_load(&self, dir: Direction) -> f64 {
        self.dirs[dir.index()].bg_prbs / f64::from(self.nr.n_prb())
    }

    /// Sets the PDCP discard timer: a packet still waiting this long after
    /// it was enqueued is dropped (reported lost) at the next opportunity
    /// instead of being sent, as a gNB or UE discards stale PDCP SDUs. It
    /// bounds the queue of a saturated cell. The cell starts with its
    /// configuration's [`discard_timer`](super::NrConfig::discard_timer);
    /// `None` keeps every packet until it is sent.
    pub fn set_discard_timer(&mut self, timer: Option<SimTime>) {
        self.discard = timer.map(to_ticks);
    }

    /// Robot packets waiting in a direction.
    pub fn queued(&self, dir: Direction) -> usize {
        self.dirs[dir.index()].queue.len()
    }

    /// The wake-up the cell is waiting for.
    pub fn pending_wakeup(&self) -> Option<SimTime> {
        self.pending.map(to_time)
    }

    /// Wake-ups served so far (each one an opportunity with a packet ready).
    pub fn wakeups(&self) -> u64 {
        self.wakeups
    }

    /// Offers a packet at `now`. Returns the time of a wake-up the caller
    /// must schedule (`None`: the one already scheduled serves).
    pub fn enqueue(&mut self, now: SimTime, pkt: CellPacket) -> Option<SimTime> {
        let dir = pkt.dir;
        let Cell {
            nr, grants_at, dcis, ..
        } = self;
        // An uplink grant takes the first PDCCH occasion with a DCI free.
        let prep = nr.prepare_with(dir, to_ticks(now), pkt.bits, &mut |t| {
            let mut at = nr.next_pdcch(t);
            loop {
                let used = grants_at.entry(at).or_insert(0);
                if *used < *dcis {
                    *used += 1;
                    return at;
                }
                at = nr.next_pdcch(at + 1);
            }
        });
        // After a BSR, the data grant is for what the first PUSCH left.
        let bits = if nr.grant_based(dir) {
            match super::nr::bits_after_first_grant(pkt.bits) {
                0 => pkt.bits,
                rest => rest,
            }
        } else {
            pkt.bits
        };
        let first_opp = self.nr.frame.next_opp(dir, prep.ready);
        let se = if pkt.spectral_efficiency.is_finite() {
            pkt.spectral_efficiency
        } else {
            0.0
        };
        let bpp = self.nr.bits_per_prb(dir, se);
        let prbs = if bpp > 0.0 {
            ((bits as f64 / bpp).ceil() as u64).max(1)
        } else {
            0
        };
        let priority = pkt.priority.clamp(1, LOWEST_PRIORITY);
        let (mut bpp, mut eligible) = (bpp, prep.ready);
        if let (Some(laws), Some(rng)) = (&self.dirs[dir.index()].laws, &mut self.law_rng) {
            match &laws[usize::from(priority - 1)] {
                Some(Ok(law)) if bpp > 0.0 => {
                    // The opportunity the drawn wait leads to. Under a
                    // discard timer a packet too old by then is dropped
                    // there by `serve`, as a simulated one would be.
                    let u = self.nr.ready_share(dir, prep.ready, first_opp);
                    let waited = law.sample_wait_at(prbs, u, rng);
                    let at = self.nr.opp_after_waiting(dir, first_opp, waited);
                    eligible = eligible.max(at);
                }
                // Saturated: it would wait for ever; lost at once.
                Some(Err(_)) => bpp = 0.0,
                _ => {}
            }
        }
        let q = Queued {
            id: pkt.id,
            ue: pkt.ue,
            source: Source::Robot,
            priority,
            eligible,
            sent: now,
            bler: if pkt.bler.is_finite() { pkt.bler } else { 1.0 },
            bpp,
            prbs_left: prbs,
            prep,
            first_opp,
            no_dci: false,
        };
        insert(&mut self.dirs[dir.index()].queue, q);
        let candidate = if self.after <= eligible {
            self.nr.frame.next_opp(dir, eligible)
        } else {
            self.nr.frame.next_opp(dir, self.after)
        };
        self.wake_at(Some(candidate))
    }

    /// Serves the opportunity of a wake-up at `now`.
    pub fn on_slot(&mut self, now: SimTime) -> SlotResult {
        let mut delivered = Vec::new();
        let next_wakeup = self.on_slot_into(now, &mut delivered);
        SlotResult {
            delivered,
            next_wakeup,
        }
    }

    /// As [`on_slot`](Self::on_slot), appending the packets sent to `out`
    /// (a buffer the caller reuses) and returning the wake-up to schedule.
    pub fn on_slot_into(&mut self, now: SimTime, out: &mut Vec<CellDelivery>) -> Option<SimTime> {
        let p = self.pending?;
        if to_time(p) != now {
            return None; // superseded
        }
        self.wakeups += 1;
        for dir in [Direction::Dl, Direction::Ul] {
            if self.next_for(dir) == Some(p) {
                self.serve(dir, p, out);
            }
        }
        self.after = p + 1;
        while let Some(e) = self.grants_at.first_entry() {
            if *e.key() > p {
                break;
            }
            e.remove();
        }
        self.pending = [Direction::Dl, Direction::Ul]
            .into_iter()
            .filter_map(|d| self.next_for(d))
            .min();
        self.pending.map(to_time)
    }

    /// The next opportunity of `dir` at which a queued packet is ready (or
    /// a background packet will have arrived).
    fn next_for(&self, dir: Direction) -> Option<Tick> {
        let d = &self.dirs[dir.index()];
        let queued = d.queue.front().map(|q| q.eligible);
        let coming = d.arrivals.as_ref().and_then(Arrivals::next_at).map(to_ticks);
        let ready = match (queued, coming) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(self.nr.frame.next_opp(dir, ready.max(self.after)))
    }

    /// Queues the background packets arrived by opportunity `s`.
    fn take_arrivals(&mut self, dir: Direction, s: Tick) {
        let d = &mut self.dirs[dir.index()];
        let Some(arrivals) = &mut d.arrivals else {
            return;
        };
        d.arrived.clear();
        // Ready at its arrival: at the opportunity when it arrives by then.
        let until = SimTime::from_nanos(u64::try_from(s / super::frame::TICKS_PER_NS).unwrap_or(u64::MAX));
        arrivals.take_until(until, &mut d.arrived);
        for p in d.arrived.drain(..) {
            let bpp = d.flow_bpp[p.flow];
            let at = to_ticks(p.at);
            let q = Queued {
                id: 0,
                ue: p.ue,
                source: Source::Background { flow: p.flow },
                priority: d.flows[p.flow].priority,
                eligible: at,
                sent: p.at,
                bler: 0.0,
                bpp,
                prbs_left: ((p.bits as f64 / bpp).ceil() as u64).max(1),
                prep: Prepared {
                    ready: at,
                    ..Prepared::default()
                },
                first_opp: s,
                no_dci: false,
            };
            insert(&mut d.queue, q);
        }
    }

    fn serve(&mut self, dir: Direction, s: Tick, out: &mut Vec<CellDelivery>) {
        self.take_arrivals(dir, s);
        let cap = u64::from(self.nr.n_prb());
        let Cell {
            nr,
            rng,
            dirs,
            rr_turn,
            discard,
            scratch,
            dcis,
            grants_at,
            ..
        } = self;
        let d = &mut dirs[dir.index()];
        let x = d.bg_frac + d.bg_prbs;
        let bg_demand = x.floor();
        d.bg_frac = x - bg_demand;
        let bg_demand = if bg_demand >= cap as f64 {
            cap
        } else {
            bg_demand as u64
        };
        // The packets ready at `s`: the first `n` of the queue.
        let mut n = d.queue.partition_point(|q| q.eligible <= s);
        if let Some(limit) = *discard {
            let mut i = 0;
            while i < n {
                if s - to_ticks(d.queue[i].sent) > limit {
                    let q = d.queue.remove(i).expect("eligible");
                    match q.source {
                        Source::Robot => out.push(dropped(q, dir, s)),
                        Source::Background { flow } => d.stats.dropped[flow] += 1,
                    }
                    n -= 1;
                } else {
                    i += 1;
                }
            }
        }
        if dir == Direction::Dl {
            // Every downlink opportunity starts with a PDCCH occasion; the
            // uplink grants placed on it came first.
            let free = dcis.saturating_sub(grants_at.get(&s).copied().unwrap_or(0));
            limit_dcis(&mut d.queue, n, free as usize, &mut scratch.dci_ues);
        }
        // The priority levels with a packet ready (and a DCI), in order.
        let mut levels = [false; LOWEST_PRIORITY as usize + 1];
        for q in d.queue.range(..n).filter(|q| !q.no_dci) {
            levels[usize::from(q.priority)] = true;
        }
        let levels = (1..=LOWEST_PRIORITY).filter(|&l| levels[usize::from(l)]);
        match nr.config().scheduler {
            Scheduler::Fifo => {
                let mut rem = cap - bg_demand;
                for level in levels {
                    for q in d
                        .queue
                        .range_mut(..n)
                        .filter(|q| q.priority == level && !q.no_dci)
                    {
                        if rem == 0 {
                            break;
                        }
                        let take = q.prbs_left.min(rem);
                        q.prbs_left -= take;
                        rem -= take;
                        if let Source::Background { .. } = q.source {
                            d.stats.blocks[q.ue as usize] += take;
                        }
                    }
                }
            }
            Scheduler::RoundRobin | Scheduler::ProportionalFair => {
                let (mut rem, mut fluid) = (cap, bg_demand);
                for level in levels {
                    let slot = Slot { dir, s, n, level };
                    rem = share(nr, d, scratch, rr_turn, slot, rem, fluid);
                    fluid = 0;
                }
            }
        }
        let tx = nr.frame.tx();
        let p1h = nr.p1h();
        // Packets fully served (or out of coverage) leave in FIFO order; the
        // others keep their place at the front.
        let mut i = 0;
        for _ in 0..n {
            let q = &d.queue[i];
            let lost_now = q.bpp <= 0.0;
            if q.prbs_left > 0 && !lost_now {
                i += 1;
                continue;
            }
            let q = d.queue.remove(i).expect("eligible");
            if let Source::Background { flow } = q.source {
                d.stats.sent[flow] += 1;
                d.stats.wait_ms[flow] += ticks_to_ms(tick_f64(s - q.eligible));
                continue;
            }
            if lost_now {
                out.push(dropped(q, dir, s));
                continue;
            }
            let mut c = waited(&q, s);
            let done0 = nr.done_after(s);
            let (done, attempts, ok) = harq(nr, dir, done0, q.bler, rng);
            c.processing += ticks_to_ms(tick_f64(p1h));
            c.transmission += ticks_to_ms(tick_f64(tx));
            c.harq = ticks_to_ms(tick_f64(done - done0));
            let at = to_time(done);
            out.push(CellDelivery {
                id: q.id,
                ue: q.ue,
                dir,
                sent: q.sent,
                outcome: if ok {
                    Outcome::Delivered(at)
                } else {
                    Outcome::Lost(at)
                },
                attempts,
                components: c,
            });
        }
    }
}

/// Inserts a packet in a queue kept in order of eligibility (ties in
/// arrival order): after every packet eligible at or before it.
fn insert(queue: &mut VecDeque<Queued>, q: Queued) {
    if queue.back().is_none_or(|b| b.eligible <= q.eligible) {
        queue.push_back(q);
    } else {
        let at = queue.partition_point(|x| x.eligible <= q.eligible);
        queue.insert(at, q);
    }
}

/// The components of a packet taken from the queue at opportunity `s`,
/// before its transmission.
fn waited(q: &Queued, s: Tick) -> Components {
    Components {
        processing: ticks_to_ms(tick_f64(q.prep.processing)),
        alignment: ticks_to_ms(tick_f64(q.prep.alignment + q.first_opp - q.prep.ready)),
        transmission: ticks_to_ms(tick_f64(q.prep.transmission)),
        queueing: ticks_to_ms(tick_f64(q.prep.queueing + s - q.first_opp)),
        ..Components::default()
    }
}

/// A packet dropped at opportunity `s` (out of coverage, or discarded).
fn dropped(q: Queued, dir: Direction, s: Tick) -> CellDelivery {
    CellDelivery {
        id: q.id,
        ue: q.ue,
        dir,
        sent: q.sent,
        outcome: Outcome::Lost(to_time(s)),
        attempts: 0,
        components: waited(&q, s),
    }
}

#[cfg(test)]
mod tests;
