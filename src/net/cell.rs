//! A loaded cell: resource blocks shared slot by slot among robot packets
//! and a fluid background load, driven by the caller's event queue.
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
//! Schedulers ([`Scheduler`]), per opportunity:
//! - `fifo`: the background's share first, then robot packets in the order
//!   they became ready (head of line: a partly served packet stops the
//!   queue);
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
//! let pkt = CellPacket { id: 1, ue: 7, dir: Direction::Dl, bits: 800, spectral_efficiency: 2.0, bler: 0.0 };
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
use super::{ticks_to_ms, Components, Direction};
use crate::engine::{SimTime, StreamRng};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

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
}

/// A fluid background load of one direction.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Background {
    pub rate_bps: f64,
    pub spectral_efficiency: f64,
    /// How many UEs it stands for (round robin and pf count it so).
    pub ues: u32,
}

impl Default for Background {
    fn default() -> Self {
        Background {
            rate_bps: 0.0,
            spectral_efficiency: 1.0,
            ues: 1,
        }
    }
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

#[derive(Clone, Debug)]
struct Queued {
    id: u64,
    ue: u32,
    sent: SimTime,
    bler: f64,
    /// Bits per PRB; 0 out of coverage.
    bpp: f64,
    prbs_left: u64,
    prep: Prepared,
    first_opp: Tick,
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
}

impl DirState {
    fn pf(&self, key: UeKey) -> Option<PfState> {
        match key {
            UeKey::Robot(ue) => self.pf_robots.get(&ue).copied(),
            UeKey::Background(i) => self.pf_bg.get(i as usize).copied().flatten(),
        }
    }

    fn set_pf(&mut self, key: UeKey, st: PfState) {
        match key {
            UeKey::Robot(ue) => {
                self.pf_robots.insert(ue, st);
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
    Background(u32),
}

#[derive(Copy, Clone, Debug)]
struct PfState {
    avg: f64,
    /// Opportunity index of the last update.
    last: u128,
}

/// Time constant of the pf average, in opportunities.
const PF_WINDOW: f64 = 100.0;

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
}

impl Cell {
    /// An empty cell; `rng` draws the HARQ attempts.
    pub fn new(nr: Nr, rng: StreamRng) -> Cell {
        Cell {
            nr,
            rng,
            dirs: Default::default(),
            pending: None,
            after: 0,
            rr_turn: 0,
            wakeups: 0,
            discard: None,
            scratch: Scratch::default(),
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

    /// The background's share of each opportunity's blocks (may exceed 1:
    /// the direction is then saturated by the background alone).
    pub fn background_load(&self, dir: Direction) -> f64 {
        self.dirs[dir.index()].bg_prbs / f64::from(self.nr.n_prb())
    }

    /// Sets the PDCP discard timer: a packet still waiting this long after
    /// it was enqueued is dropped (reported lost) at the next opportunity
    /// instead of being sent, as a gNB or UE discards stale PDCP SDUs. It
    /// bounds the queue of a saturated cell. `None` (the default) keeps
    /// every packet until it is sent.
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
        let prep = self.nr.prepare(dir, to_ticks(now));
        let first_opp = self.nr.frame.next_opp(dir, prep.ready);
        let se = if pkt.spectral_efficiency.is_finite() {
            pkt.spectral_efficiency
        } else {
            0.0
        };
        let bpp = self.nr.bits_per_prb(dir, se);
        let prbs = if bpp > 0.0 {
            ((pkt.bits as f64 / bpp).ceil() as u64).max(1)
        } else {
            0
        };
        let q = Queued {
            id: pkt.id,
            ue: pkt.ue,
            sent: now,
            bler: if pkt.bler.is_finite() { pkt.bler } else { 1.0 },
            bpp,
            prbs_left: prbs,
            prep,
            first_opp,
        };
        // Every queued packet arrived earlier (a smaller sequence): the new
        // one goes after those ready at or before its ready time.
        let queue = &mut self.dirs[dir.index()].queue;
        if queue.back().is_none_or(|b| b.prep.ready <= prep.ready) {
            queue.push_back(q);
        } else {
            let at = queue.partition_point(|x| x.prep.ready <= prep.ready);
            queue.insert(at, q);
        }
        let candidate = if self.after <= prep.ready {
            first_opp
        } else {
            self.nr.frame.next_opp(dir, self.after)
        };
        if self.pending.is_none_or(|p| candidate < p) {
            self.pending = Some(candidate);
            Some(to_time(candidate))
        } else {
            None
        }
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
        self.pending = [Direction::Dl, Direction::Ul]
            .into_iter()
            .filter_map(|d| self.next_for(d))
            .min();
        self.pending.map(to_time)
    }

    /// The next opportunity of `dir` at which a queued packet is ready.
    fn next_for(&self, dir: Direction) -> Option<Tick> {
        let ready = self.dirs[dir.index()].queue.front()?.prep.ready;
        Some(self.nr.frame.next_opp(dir, ready.max(self.after)))
    }

    fn serve(&mut self, dir: Direction, s: Tick, out: &mut Vec<CellDelivery>) {
        let cap = u64::from(self.nr.n_prb());
        let Cell {
            nr,
            rng,
            dirs,
            rr_turn,
            discard,
            scratch,
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
        let mut n = d.queue.partition_point(|q| q.prep.ready <= s);
        if let Some(limit) = *discard {
            let mut i = 0;
            while i < n {
                if s - to_ticks(d.queue[i].sent) > limit {
                    let q = d.queue.remove(i).expect("eligible");
                    out.push(dropped(q, dir, s));
                    n -= 1;
                } else {
                    i += 1;
                }
            }
        }
        match nr.config().scheduler {
            Scheduler::Fifo => {
                let mut rem = cap - bg_demand;
                for q in d.queue.range_mut(..n) {
                    if rem == 0 {
                        break;
                    }
                    let take = q.prbs_left.min(rem);
                    q.prbs_left -= take;
                    rem -= take;
                }
            }
            Scheduler::RoundRobin | Scheduler::ProportionalFair => {
                share(nr, d, scratch, rr_turn, dir, s, cap, bg_demand, n);
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

/// Round robin and pf: blocks per UE, then to each UE's packets (the first
/// `n` of the queue) in FIFO order.
#[allow(clippy::too_many_arguments)]
fn share(
    nr: &Nr,
    d: &mut DirState,
    sc: &mut Scratch,
    rr_turn: &mut u64,
    dir: Direction,
    s: Tick,
    cap: u64,
    bg_demand: u64,
    n: usize,
) {
    // Demand and rate (bits per PRB) of each UE with data, by key.
    sc.ues.clear();
    for q in d.queue.range(..n) {
        if q.bpp > 0.0 {
            let key = UeKey::Robot(q.ue);
            match sc.ues.binary_search_by(|e| e.0.cmp(&key)) {
                Ok(i) => sc.ues[i].1 += q.prbs_left,
                Err(i) => sc.ues.insert(i, (key, q.prbs_left, q.bpp)),
            }
        }
    }
    if bg_demand > 0 {
        // Background keys sort after every robot's, in this order.
        let k = u64::from(d.bg.ues);
        for i in 0..d.bg.ues {
            let share = bg_demand / k + u64::from(u64::from(i) < bg_demand % k);
            if share > 0 {
                sc.ues.push((UeKey::Background(i), share, d.bg_bpp));
            }
        }
    }
    let m_ues = sc.ues.len();
    if m_ues == 0 {
        return;
    }
    sc.alloc.clear();
    sc.alloc.resize(m_ues, 0);
    let mut rem = cap;
    match nr.config().scheduler {
        Scheduler::ProportionalFair => {
            let m = nr.frame.opps(dir).count_before(nr.frame.symbol_at(s));
            let alpha = 1.0 / PF_WINDOW;
            let demand = sc.ues.iter().fold(0u64, |a, u| a.saturating_add(u.1));
            let full = demand <= rem;
            sc.before.clear();
            // The UEs that waited as long since their last update (the
            // background's, usually) decay by the same factor: computed once.
            let mut decay: Option<(u128, f64)> = None;
            for &(key, want, bpp) in &sc.ues {
                let avg = match d.pf(key) {
                    Some(st) if m > st.last => {
                        let gap = m - st.last - 1;
                        if full && negligible(st.avg, gap, alpha * (want as f64 * bpp)) {
                            // Served in full, the UE's new average is exactly
                            // what it gets now (see `negligible`), as with 0.
                            sc.before.push(0.0);
                            continue;
                        }
                        let f = match decay {
                            Some((g, f)) if g == gap => f,
                            _ => {
                                let f = (1.0 - alpha).powf(tick_f64(gap));
                                decay = Some((gap, f));
                                f
                            }
                        };
                        st.avg * f
                    }
                    Some(st) => st.avg,
                    None => 0.0,
                };
                sc.before.push(avg);
            }
            if full {
                // Everyone is served in full, whatever the order.
                for (a, u) in sc.alloc.iter_mut().zip(&sc.ues) {
                    *a = u.1;
                }
            } else {
                sc.order.clear();
                for (i, (&(_, _, bpp), &avg)) in sc.ues.iter().zip(&sc.before).enumerate() {
                    sc.order.push((bpp / avg.max(1e-9), i));
                }
                sc.order.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                for &(_, i) in &sc.order {
                    let g = sc.ues[i].1.min(rem);
                    sc.alloc[i] = g;
                    rem -= g;
                }
            }
            for (i, &(key, _, bpp)) in sc.ues.iter().enumerate() {
                let served = sc.alloc[i] as f64 * bpp;
                d.set_pf(
                    key,
                    PfState {
                        avg: (1.0 - alpha) * sc.before[i] + alpha * served,
                        last: m,
                    },
                );
            }
        }
        _ => {
            let start = (*rr_turn % m_ues as u64) as usize;
            *rr_turn = rr_turn.wrapping_add(1);
            sc.active.clear();
            let ues = &sc.ues;
            sc.active
                .extend((0..m_ues).map(|j| (start + j) % m_ues).filter(|&i| ues[i].1 > 0));
            while rem > 0 && !sc.active.is_empty() {
                let share = rem / sc.active.len() as u64;
                if share == 0 {
                    for &i in sc.active.iter().take(rem as usize) {
                        sc.alloc[i] += 1;
                    }
                    break;
                }
                sc.next.clear();
                for &i in &sc.active {
                    let demand = sc.ues[i].1;
                    let g = (demand - sc.alloc[i]).min(share);
                    sc.alloc[i] += g;
                    rem -= g;
                    if sc.alloc[i] < demand {
                        sc.next.push(i);
                    }
                }
                std::mem::swap(&mut sc.active, &mut sc.next);
            }
        }
    }
    // Each robot's blocks go to its packets in FIFO order (`alloc` now
    // counts the blocks each UE has left).
    for q in d.queue.range_mut(..n) {
        if let Ok(i) = sc.ues.binary_search_by(|e| e.0.cmp(&UeKey::Robot(q.ue))) {
            let l = &mut sc.alloc[i];
            let take = q.prbs_left.min(*l);
            q.prbs_left -= take;
            *l -= take;
        }
    }
}

/// Whether a pf average `avg` decayed over `gap` opportunities, `avg ·
/// (1 − 1/PF_WINDOW)^gap` as the scheduler computes it (`powf`, then the
/// product, then the product by 1 − 1/PF_WINDOW), is certainly below half an
/// ulp of `a`, so that the update `(1 − α)·before + a` gives `a` exactly
/// whatever its value, and the `powf` can be skipped. (1 − 1/100)^69 < 1/2,
/// so with k = ⌊gap/69⌋ the decayed value is below `avg / 2^k`, and below
/// `avg / 2^(k−8) + 2^-1000` with the rounding of `powf` and of the products
/// (subnormals included). With `avg` < 2^(ea+1) and half an ulp of `a` equal
/// to 2^(e−53), that is below 2^(e−54) when k ≥ ea − e + 64 and e ≥ −900
/// (`a` is a few bits or more, `avg` a finite average).
fn negligible(avg: f64, gap: u128, a: f64) -> bool {
    let exponent = |x: f64| ((x.to_bits() >> 52) & 0x7ff) as i64 - 1023;
    let (ea, e) = (exponent(avg), exponent(a));
    if !(avg >= 0.0 && ea <= 1023 && a > 0.0 && (-900..=1023).contains(&e)) {
        return false;
    }
    let k = u64::try_from(gap).map_or(4000, |g| (g / 69).min(4000)) as i64;
    k >= ea - e + 64
}

/// The components of a packet taken from the queue at opportunity `s`,
/// before its transmission.
fn waited(q: &Queued, s: Tick) -> Components {
    Components {
        processing: ticks_to_ms(tick_f64(q.prep.processing)),
        alignment: ticks_to_ms(tick_f64(q.prep.alignment + q.first_opp - q.prep.ready)),
        transmission: ticks_to_ms(tick_f64(q.prep.transmission)),
        queueing: ticks_to_ms(tick_f64(s - q.first_opp)),
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
mod tests {
    use super::*;
    use crate::engine::{EventQueue, RngStreams};
    use crate::net::{Duplex, NrConfig, SpecialSplit};
    use rand::RngExt;

    #[derive(Clone, Copy)]
    enum Ev {
        Arrive(u64),
        Wake,
    }

    /// Poisson arrivals of `n` packets from `ues` robots; returns (mean
    /// queueing ms, delivered, wake-ups).
    fn run(cfg: NrConfig, bg_share: f64, n: u64, per_ms: f64, bits: u64) -> (f64, u64, u64, Cell) {
        let nr = Nr::new(cfg).unwrap();
        let se = 2.0;
        let cap = nr.capacity_bps(Direction::Dl, se);
        let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("cell"));
        cell.set_background(
            Direction::Dl,
            Background {
                rate_bps: bg_share * cap,
                spectral_efficiency: se,
                ues: 3,
            },
        )
        .unwrap();
        let mut arrivals = RngStreams::new(1, 0).stream("arrivals");
        let mut q = EventQueue::new();
        q.schedule(SimTime::ZERO, Ev::Arrive(0));
        let (mut sum, mut count) = (0.0, 0u64);
        let horizon = SimTime::from_nanos_f64(n as f64 / per_ms * 1e6 + 100e6);
        while let Some((now, ev)) = q.pop() {
            if now > horizon {
                break;
            }
            match ev {
                Ev::Arrive(i) => {
                    let pkt = CellPacket {
                        id: i,
                        ue: (i % 10) as u32,
                        dir: Direction::Dl,
                        bits,
                        spectral_efficiency: se,
                        bler: 0.0,
                    };
                    if let Some(t) = cell.enqueue(now, pkt) {
                        q.schedule(t, Ev::Wake);
                    }
                    if i + 1 < n {
                        let u: f64 = arrivals.random();
                        let gap = -(1.0 - u).ln() / per_ms * 1e6;
                        q.schedule(now + SimTime::from_nanos_f64(gap), Ev::Arrive(i + 1));
                    }
                }
                Ev::Wake => {
                    let r = cell.on_slot(now);
                    for d in &r.delivered {
                        sum += d.components.queueing;
                        count += 1;
                        let total = d.components.total();
                        let exact = (d.outcome.time().as_nanos() - d.sent.as_nanos()) as f64 * 1e-6;
                        assert!((total - exact).abs() < 2e-6, "{d:?}");
                    }
                    if let Some(t) = r.next_wakeup {
                        q.schedule(t, Ev::Wake);
                    }
                }
            }
        }
        let w = cell.wakeups();
        (sum / count.max(1) as f64, count, w, cell)
    }

    #[test]
    fn an_idle_cell_costs_no_events_and_a_lone_packet_matches_the_link_model() {
        let cfg = NrConfig {
            bler: 0.0,
            scheduler: Scheduler::Fifo,
            ..NrConfig::default()
        };
        // 100 small packets 10 ms apart: one wake-up each, no queueing.
        let (queueing, delivered, wakeups, _) = run(cfg.clone(), 0.5, 100, 0.1, 800);
        assert_eq!(delivered, 100);
        assert!(wakeups <= 100, "{wakeups}");
        assert!(queueing < 1e-9);
        let nr = Nr::new(cfg).unwrap();
        let mut cell = Cell::new(nr.clone(), RngStreams::new(1, 0).stream("c"));
        let t = SimTime::from_nanos(123_456);
        let pkt = CellPacket {
            id: 9,
            ue: 1,
            dir: Direction::Ul,
            bits: 256,
            spectral_efficiency: 1.0,
            bler: 0.0,
        };
        let wake = cell.enqueue(t, pkt).unwrap();
        let r = cell.on_slot(wake);
        assert_eq!(r.next_wakeup, None);
        let link = nr.transmit(Direction::Ul, t, 0.0, &mut RngStreams::new(1, 0).stream("l"));
        assert_eq!(r.delivered[0].outcome, link.outcome);
        assert_eq!(r.delivered[0].components, link.components);
    }

    #[test]
    fn negligible_decays_are_absorbed_exactly() {
        let alpha = 1.0 / PF_WINDOW;
        assert!((1.0 - alpha).powf(69.0) < 0.5);
        // Whenever `negligible` says so, the full update gives `a`.
        let mut skipped = 0;
        for avg in [0.0, 5e-324, 1e-300, 0.3, 57.0, 2.5e5, 1e12, 1e300] {
            for a in [1e-270, 3e-2, 0.8, 17.3, 2.3e3, 6.1e4, 1e250] {
                for gap in (0u128..20_000).step_by(37).chain([80_000, 10_000_000]) {
                    if negligible(avg, gap, a) {
                        skipped += 1;
                        let before = avg * (1.0 - alpha).powf(gap as f64);
                        assert_eq!((1.0 - alpha) * before + a, a, "{avg} {a} {gap}");
                    }
                }
            }
        }
        assert!(skipped > 10_000, "{skipped}");
        assert!(!negligible(1.0, 10, 1.0) && !negligible(1.0, 1 << 40, f64::INFINITY));
        assert!(!negligible(f64::INFINITY, 1 << 40, 1.0) && !negligible(f64::NAN, 1 << 40, 1.0));
        assert!(negligible(1.0, 1 << 100, 1.0) && !negligible(1.0, 1 << 100, 1e-280));
    }

    #[test]
    fn superseded_wakeups_do_nothing_and_tdd_directions_wake_separately() {
        let nr = Nr::new(NrConfig {
            duplex: Duplex::parse("DDDSU", SpecialSplit::default()).unwrap(),
            bler: 0.0,
            ..NrConfig::default()
        })
        .unwrap();
        let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("c"));
        let pkt = |id, dir| CellPacket {
            id,
            ue: 1,
            dir,
            bits: 100,
            spectral_efficiency: 1.0,
            bler: 0.0,
        };
        let ul = cell.enqueue(SimTime::ZERO, pkt(1, Direction::Ul)).unwrap();
        let dl = cell.enqueue(SimTime::ZERO, pkt(2, Direction::Dl)).unwrap();
        assert!(dl < ul);
        let r = cell.on_slot(dl);
        assert_eq!(r.delivered.len(), 1);
        assert_eq!(r.next_wakeup, Some(ul));
        assert_eq!(cell.on_slot(ul).delivered[0].id, 1);
        // The superseded wake-up at `ul` was scheduled by the caller too:
        // calling again at the same time does nothing.
        assert_eq!(cell.on_slot(ul), SlotResult::default());
    }

    #[test]
    fn out_of_coverage_packets_are_lost_and_schedulers_serve_everyone() {
        for scheduler in [
            Scheduler::Fifo,
            Scheduler::RoundRobin,
            Scheduler::ProportionalFair,
        ] {
            let cfg = NrConfig {
                bler: 0.0,
                scheduler,
                ..NrConfig::default()
            };
            let (_, delivered, _, cell) = run(cfg, 0.7, 3000, 3.0, 12_000);
            assert_eq!(delivered, 3000, "{scheduler:?}");
            assert_eq!(cell.queued(Direction::Dl), 0);
        }
        let nr = Nr::new(NrConfig::default()).unwrap();
        let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("c"));
        let pkt = CellPacket {
            id: 1,
            ue: 1,
            dir: Direction::Dl,
            bits: 100,
            spectral_efficiency: 0.0,
            bler: 0.0,
        };
        let t = cell.enqueue(SimTime::ZERO, pkt).unwrap();
        let r = cell.on_slot(t);
        assert!(matches!(r.delivered[0].outcome, Outcome::Lost(_)));
    }

    #[test]
    fn round_robin_serves_robots_beside_a_saturating_background_and_fifo_does_not() {
        // Background asks for everything; round robin still gives the
        // robots their share (`round_robin_shares_equally_under_saturation`
        // counts it), fifo gives them nothing.
        let rr = NrConfig {
            bler: 0.0,
            scheduler: Scheduler::RoundRobin,
            ..NrConfig::default()
        };
        let (_, delivered, _, _) = run(rr, 2.0, 500, 1.0, 8000);
        assert_eq!(delivered, 500);
        let fifo = NrConfig {
            bler: 0.0,
            scheduler: Scheduler::Fifo,
            ..NrConfig::default()
        };
        let (_, delivered, _, cell) = run(fifo, 2.0, 500, 1.0, 8000);
        assert_eq!(delivered, 0);
        assert_eq!(cell.queued(Direction::Dl), 500);
    }

    #[test]
    fn round_robin_shares_equally_under_saturation() {
        // Four robots with more data than the cell can send, beside a
        // background of `ues` UEs asking for twice the capacity: m = 4 + ues
        // UEs with data share the 273 blocks of each opportunity, 273 / m
        // each, and the 273 mod m left over go one each in a turn that
        // moves on by one UE per opportunity. So over any m opportunities
        // in a row every UE is given exactly 273 blocks, and in between no
        // robot is more than one packet ahead of another. Robot packets
        // take 10 blocks: after j rounds of m opportunities each robot has
        // sent floor(273 j / 10).
        for background_ues in [3u32, 1, 6] {
            let nr = Nr::new(NrConfig {
                bler: 0.0,
                scheduler: Scheduler::RoundRobin,
                ..NrConfig::default()
            })
            .unwrap();
            assert_eq!(nr.n_prb(), 273);
            let se = 2.0;
            let bits = (10.0 * nr.bits_per_prb(Direction::Dl, se)).floor() as u64;
            let cap = nr.capacity_bps(Direction::Dl, se);
            let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("cell"));
            let background = Background {
                rate_bps: 2.0 * cap,
                spectral_efficiency: se,
                ues: background_ues,
            };
            cell.set_background(Direction::Dl, background).unwrap();
            let robots = 4u32;
            let mut wake = None;
            for id in 0..u64::from(robots) * 2000 {
                let pkt = CellPacket {
                    id,
                    ue: (id % u64::from(robots)) as u32,
                    dir: Direction::Dl,
                    bits,
                    spectral_efficiency: se,
                    bler: 0.0,
                };
                wake = cell.enqueue(SimTime::ZERO, pkt).or(wake);
            }
            let ues_with_data = u64::from(robots + background_ues);
            let mut sent = vec![0u64; robots as usize];
            let mut now = wake.expect("a wake-up");
            for opportunity in 1..=280u64 {
                let r = cell.on_slot(now);
                for d in &r.delivered {
                    assert!(matches!(d.outcome, Outcome::Delivered(_)), "{d:?}");
                    sent[d.ue as usize] += 1;
                }
                let (least, most) = (sent.iter().min().unwrap(), sent.iter().max().unwrap());
                assert!(
                    most - least <= 1,
                    "{background_ues} background UEs, opportunity {opportunity}: {sent:?}"
                );
                if opportunity % ues_with_data == 0 {
                    let each = 273 * (opportunity / ues_with_data) / 10;
                    assert_eq!(
                        sent,
                        vec![each; robots as usize],
                        "{background_ues} background UEs, after {opportunity} opportunities"
                    );
                }
                now = r.next_wakeup.expect("robots still have data");
            }
        }
    }

    #[test]
    fn the_discard_timer_bounds_a_saturated_queue() {
        let nr = Nr::new(NrConfig {
            scheduler: Scheduler::Fifo,
            ..NrConfig::default()
        })
        .unwrap();
        let cap = nr.capacity_bps(Direction::Ul, 1.0);
        let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("c"));
        cell.set_background(
            Direction::Ul,
            Background {
                rate_bps: 2.0 * cap,
                spectral_efficiency: 1.0,
                ues: 1,
            },
        )
        .unwrap();
        cell.set_discard_timer(Some(SimTime::from_nanos(5_000_000)));
        let mut q = EventQueue::new();
        for i in 0..200u64 {
            q.schedule(SimTime::from_nanos(i * 100_000), Ev::Arrive(i));
        }
        let mut lost = 0;
        while let Some((now, ev)) = q.pop() {
            match ev {
                Ev::Arrive(i) => {
                    let pkt = CellPacket {
                        id: i,
                        ue: 1,
                        dir: Direction::Ul,
                        bits: 100,
                        spectral_efficiency: 1.0,
                        bler: 0.0,
                    };
                    if let Some(t) = cell.enqueue(now, pkt) {
                        q.schedule(t, Ev::Wake);
                    }
                }
                Ev::Wake => {
                    let r = cell.on_slot(now);
                    for d in &r.delivered {
                        assert!(matches!(d.outcome, Outcome::Lost(_)) && d.attempts == 0);
                        assert!(d.components.total() > 5.0 && d.components.total() < 5.6, "{d:?}");
                        lost += 1;
                    }
                    if let Some(t) = r.next_wakeup {
                        q.schedule(t, Ev::Wake);
                    }
                }
            }
        }
        assert_eq!(lost, 200);
        assert_eq!(cell.queued(Direction::Ul), 0);
    }
}
