//! [`Nr`]: a validated NR link with its frame structure laid out, and the
//! deterministic steps of the TR 37.910 model that the analytic model
//! ([`Nr::step`]), the packet model ([`Nr::transmit`]) and the cell
//! ([`Cell`](super::Cell)) share, so that they cannot disagree.
//!
//! The steps, after TR 37.910 §5.7.1 and the reference page (Tproc,1 = N1
//! symbols, Tproc,2 = N2 symbols):
//!
//! - downlink: gNB prepares (Tproc,2/2), waits for a downlink opportunity,
//!   transmits L symbols, UE decodes (Tproc,1/2);
//! - uplink, configured grant: UE prepares (Tproc,2/2), waits for an uplink
//!   opportunity, transmits, gNB decodes (Tproc,1/2);
//! - uplink, grant-based: UE prepares the SR (Tproc,1/2), waits for its SR
//!   occasion, sends it (1 symbol), gNB decodes it and builds the DCI
//!   (Tproc,2), waits for a PDCCH occasion, sends it (1 symbol), UE decodes
//!   the grant and prepares the PUSCH (Tproc,2), then as configured grant
//!   from the wait for an uplink opportunity;
//! - grant-based, a packet larger than the grant that answers an SR
//!   ([`FIRST_GRANT_BYTES`] with its MAC subheader; TS 38.321 §5.4.4 SR,
//!   §5.4.5 BSR): one more grant cycle first. The UE waits for an uplink
//!   opportunity and sends on that first PUSCH (L symbols) a BSR with as
//!   much data as fits; the gNB decodes it (Tproc,1/2) and prepares the data
//!   grant (Tproc,2), waits for a PDCCH occasion, sends it (1 symbol); the UE
//!   decodes it and prepares the PUSCH (Tproc,2). Simu5G and 5G-LENA also
//!   answer an SR with a small grant and size the next one from the BSR;
//!   the size of a packet matters nowhere else;
//! - a HARQ retransmission starts where the failed attempt would have been
//!   delivered: downlink, UE prepares the NACK (Tproc,1/2), waits for an
//!   uplink opportunity, sends it on an L-symbol PUCCH, gNB decodes it
//!   (Tproc,2/2); uplink, gNB prepares the retransmission grant (Tproc,2/2),
//!   waits for a downlink opportunity, sends it (L symbols), UE decodes it
//!   (Tproc,1/2); then the data goes again as a first transmission.
//!
//! A link alone sends every DCI at the first PDCCH occasion it is ready
//! for. A loaded [`Cell`](super::Cell) limits the DCIs per occasion to
//! [`Nr::dcis_per_pdcch`]: the CORESET spans `coreset_symbols` symbols
//! (1–3, TS 38.211 §7.3.2.2) over the whole carrier rounded down to 6-block
//! groups, a CCE is 6 REGs of 1 block × 1 symbol, and a DCI takes
//! [`DCI_AGGREGATION_LEVEL`] (4) CCEs: 11 DCIs per symbol at 100 MHz and
//! 30 kHz. A grant delayed by a full PDCCH counts that wait as queueing.

use super::bands::{freq_range, resource_blocks, FreqRange};
use super::channel::{best_link, best_link_in, gnb_views, Channel, GnbView, LinkBudget, RadioLink};
use super::config::{n1_n2_x2, numerology, ConfigError, ConfigErrors};
use super::config::{NrConfig, UlAccess};
use super::frame::{Frame, Tick, SLOT_SYMBOLS};
use super::link::to_ticks;
use super::{ticks_to_ms, Direction};
use crate::engine::SimTime;
use rand::Rng;

/// A validated NR link: configuration, numerology and frame structure.
#[derive(Clone, Debug)]
pub struct Nr {
    cfg: NrConfig,
    mu: u32,
    pub(crate) frame: Frame,
    n1_x2: u32,
    n2_x2: u32,
    n_prb: u32,
    fr: FreqRange,
    sr_symbols: Option<u64>,
    /// The link budget's noise (dBm), computed once.
    noise_dbm: f64,
}

/// What happens before a packet may take a transmission opportunity: its
/// ready time and the components spent so far (ticks).
#[derive(Copy, Clone, Debug, Default)]
pub(crate) struct Prepared {
    pub ready: Tick,
    pub processing: Tick,
    pub alignment: Tick,
    pub transmission: Tick,
    /// Waits for room on a busy PDCCH (a loaded cell's DCI limit).
    pub queueing: Tick,
}

/// Share of the resource elements left for data after DMRS and control,
/// per TS 38.306 §4.1.2 (the overhead of the maximum-data-rate formula):
/// FR1 0.14 downlink, 0.08 uplink; FR2 0.18 and 0.10.
fn overhead(fr: FreqRange, dir: Direction) -> f64 {
    match (fr, dir) {
        (FreqRange::Fr1, Direction::Dl) => 0.14,
        (FreqRange::Fr1, Direction::Ul) => 0.08,
        (FreqRange::Fr2, Direction::Dl) => 0.18,
        (FreqRange::Fr2, Direction::Ul) => 0.10,
    }
}

/// Bytes of the uplink grant that answers a scheduling request. The gNB
/// does not know the UE's buffer yet (an SR is one bit, TS 38.321 §5.4.4),
/// so it grants a small fixed allocation, as Simu5G (one block) and srsRAN's
/// gNB (a fixed byte count) do: here 64 bytes, one resource block of a slot
/// at a mid-table efficiency (12 × 14 × 0.92 resource elements at about
/// 3.3 bits each), and a fixed count so that whether a message needs a BSR
/// depends on its size alone, not on the link.
pub const FIRST_GRANT_BYTES: u64 = 64;
/// The MAC subheader of a data SDU with a 16-bit length field (TS 38.321
/// §6.1.2: R/F/LCID then L).
pub const MAC_SUBHEADER_BYTES: u64 = 3;
/// A short BSR MAC CE (1 byte, TS 38.321 §6.1.3.1) with its 1-byte
/// subheader.
pub const BSR_BYTES: u64 = 2;

/// REGs (1 resource block × 1 symbol) in a CCE (TS 38.211 §7.3.2.2).
pub const REGS_PER_CCE: u32 = 6;
/// CCEs of one DCI. TS 38.213 allows 1, 2, 4, 8 or 16; a gNB picks the level
/// by the UE's channel. 4 is the middle of that range: what a UE of
/// moderate SINR gets, where 1–2 would serve a UE near its gNB and 8–16 one
/// at the cell's edge or a URLLC search space.
pub const DCI_AGGREGATION_LEVEL: u32 = 4;

/// Whether a packet of `bits` goes with the grant that answers its SR: its
/// bytes and MAC subheader fit [`FIRST_GRANT_BYTES`]. A UE whose grant holds
/// all its data sends no BSR (TS 38.321 §5.4.5 cancels it).
pub fn fits_first_grant(bits: u64) -> bool {
    bits.div_ceil(8) + MAC_SUBHEADER_BYTES <= FIRST_GRANT_BYTES
}

/// The bits a packet of `bits` still has to send after the grant that
/// answers its SR: 0 when it fits; otherwise the first PUSCH carries the
/// BSR and, as logical channel prioritisation fills a grant (TS 38.321
/// §5.4.3.1), as much of the data as fits beside it.
pub fn bits_after_first_grant(bits: u64) -> u64 {
    if fits_first_grant(bits) {
        0
    } else {
        bits.saturating_sub((FIRST_GRANT_BYTES - MAC_SUBHEADER_BYTES - BSR_BYTES) * 8)
    }
}

impl Nr {
    /// Validates `cfg` and lays out its frame structure. Every problem is
    /// listed; the messages say what is wrong and what is allowed.
    pub fn new(cfg: NrConfig) -> Result<Nr, ConfigErrors> {
        cfg.validate()?;
        let e = |key: &'static str, message: String| ConfigErrors(vec![ConfigError { key, message }]);
        let mu = numerology(cfg.scs_khz).ok_or_else(|| e("scs_khz", "not an NR SCS".into()))?;
        let fr = freq_range(cfg.carrier_ghz).ok_or_else(|| e("carrier_ghz", "outside FR1 and FR2".into()))?;
        let (n1_x2, n2_x2) =
            n1_n2_x2(cfg.capability, mu).ok_or_else(|| e("capability", "not defined at this SCS".into()))?;
        let n_prb = resource_blocks(fr, cfg.scs_khz, cfg.bandwidth_mhz)
            .ok_or_else(|| e("bandwidth_mhz", "not a bandwidth of this SCS".into()))?;
        let sr_symbols = match cfg.ul_access {
            UlAccess::ConfiguredGrant => None,
            UlAccess::GrantBased { sr_period } => Some(sr_period.symbols(mu).map_err(|m| e("sr_period", m))?),
        };
        let frame = Frame::new(mu, cfg.symbols, &cfg.duplex, sr_symbols).map_err(|m| e("duplex", m))?;
        let mut nr = Nr {
            cfg,
            mu,
            frame,
            n1_x2,
            n2_x2,
            n_prb,
            fr,
            sr_symbols,
            noise_dbm: 0.0,
        };
        nr.noise_dbm = nr.link_budget().noise_dbm();
        Ok(nr)
    }

    pub fn config(&self) -> &NrConfig {
        &self.cfg
    }

    /// µ: the SCS is 15·2^µ kHz.
    pub fn mu(&self) -> u32 {
        self.mu
    }

    /// Symbol length in milliseconds.
    pub fn symbol_ms(&self) -> f64 {
        ticks_to_ms(self.frame.sym as f64)
    }

    /// Slot length (14 symbols) in milliseconds.
    pub fn slot_ms(&self) -> f64 {
        self.symbol_ms() * SLOT_SYMBOLS as f64
    }

    /// Pattern period in milliseconds (one slot in FDD).
    pub fn pattern_ms(&self) -> f64 {
        self.symbol_ms() * self.frame.period_symbols() as f64
    }

    /// N1 in symbols (PDSCH decoding, TS 38.214).
    pub fn n1(&self) -> f64 {
        f64::from(self.n1_x2) / 2.0
    }

    /// N2 in symbols (PUSCH preparation, TS 38.214).
    pub fn n2(&self) -> f64 {
        f64::from(self.n2_x2) / 2.0
    }

    /// Resource blocks of the channel bandwidth (TS 38.101 Table 5.3.2-1).
    pub fn n_prb(&self) -> u32 {
        self.n_prb
    }

    /// Resource blocks of the CORESET: the whole carrier, rounded down to
    /// the 6-block groups in which a CORESET is configured (TS 38.331
    /// `frequencyDomainResources`). A dedicated CORESET may span the
    /// bandwidth part; taking all of it gives the PDCCH its largest room,
    /// so the limit binds only where a real cell's would too.
    pub fn coreset_prbs(&self) -> u32 {
        self.n_prb / REGS_PER_CCE * REGS_PER_CCE
    }

    /// DCIs one PDCCH occasion carries: the CORESET's CCEs (its blocks
    /// times [`coreset_symbols`](super::NrConfig::coreset_symbols), 6 REGs
    /// of 1 block × 1 symbol each, TS 38.211 §7.3.2.2) over the aggregation
    /// level [`DCI_AGGREGATION_LEVEL`]; at least one (a carrier too narrow
    /// for that level sends one DCI at a lower level). 11 per symbol at
    /// 100 MHz and 30 kHz (273 blocks: 45 CCEs).
    pub fn dcis_per_pdcch(&self) -> u32 {
        let cces = u32::from(self.cfg.coreset_symbols) * self.coreset_prbs() / REGS_PER_CCE;
        (cces / DCI_AGGREGATION_LEVEL).max(1)
    }

    /// The SR period in symbols, grant-based uplink only.
    pub fn sr_period_symbols(&self) -> Option<u64> {
        self.sr_symbols
    }

    /// Whether the carrier is in FR2.
    pub fn is_fr2(&self) -> bool {
        self.fr == FreqRange::Fr2
    }

    /// Transmission opportunities of a direction per pattern period.
    pub fn opportunities_per_period(&self, dir: Direction) -> usize {
        self.frame.opps(dir).starts.len()
    }

    /// The blocks of work a direction's discard timer leaves in a queue
    /// before each opportunity's service, `None` without a timer: K·C with
    /// K = timer / τ, τ the mean interval between the direction's
    /// opportunities (pattern period over opportunities per period) and C
    /// the blocks of one ([`QueueLaw::with_buffer`](super::QueueLaw::with_buffer)).
    ///
    /// Why: under first-come-first-served service, the block of work x
    /// blocks from the head of the queue when a packet arrives leaves at the
    /// opportunity ⌊x / C⌋ after the packet's first, when the packet is
    /// (⌊x / C⌋ + U)·τ old, U the share of an interval it waited for its
    /// first opportunity. The timer keeps it while that age is at most K·τ:
    /// every block below ⌊K⌋·C, and one at ⌊K⌋·C + y with probability
    /// K − ⌊K⌋ (U uniform), which K·C counts on average. Exact when K is
    /// whole; in TDD, where the opportunities are not evenly spaced, τ is
    /// their mean. Where K is not whole and a robot at the background's
    /// level has its own limit within a packet of the cut, its dropped share
    /// is sensitive to where the cut falls: with a 10 ms timer (K = 20.02)
    /// at a load of 1.2, 0.414 by the law against 0.430 ± 0.012 simulated
    /// packet by packet (the law with K = 20 exactly: 0.429 against
    /// 0.431 ± 0.012, `tests/it/discard.rs`).
    pub fn discard_buffer(&self, dir: Direction) -> Option<u64> {
        let timer_ms = self.cfg.discard_timer?.as_nanos() as f64 * 1e-6;
        let interval_ms = self.opportunity_interval_ms(dir);
        // The small addition keeps a timer of exactly K intervals at K·C when
        // the division lands just below.
        Some((timer_ms / interval_ms * f64::from(self.n_prb) + 1e-6).floor() as u64)
    }

    /// The mean interval between a direction's transmission opportunities,
    /// ms: the pattern period over its opportunities (a slot in FDD).
    pub fn opportunity_interval_ms(&self, dir: Direction) -> f64 {
        self.pattern_ms() / self.opportunities_per_period(dir).max(1) as f64
    }

    /// Bits one resource block carries in one transmission of L symbols at
    /// spectral efficiency `se` (bits per resource element, the CQI table's
    /// efficiency): se · 12 subcarriers · L symbols · (1 − overhead), with
    /// the TS 38.306 overheads (FR1: 0.14 DL, 0.08 UL; FR2: 0.18, 0.10).
    pub fn bits_per_prb(&self, dir: Direction, se: f64) -> f64 {
        se.max(0.0) * 12.0 * f64::from(self.cfg.symbols) * (1.0 - overhead(self.fr, dir))
    }

    /// What a direction carries at spectral efficiency `se`, bit/s: every
    /// resource block of every transmission opportunity.
    pub fn capacity_bps(&self, dir: Direction, se: f64) -> f64 {
        let per_period =
            self.bits_per_prb(dir, se) * f64::from(self.n_prb) * self.opportunities_per_period(dir) as f64;
        per_period / (self.pattern_ms() * 1e-3)
    }

    /// The InF channel of this configuration.
    pub fn channel(&self) -> Channel {
        Channel::new(self.cfg.channel, self.cfg.carrier_ghz)
    }

    /// The link budget of this configuration.
    pub fn link_budget(&self) -> LinkBudget {
        LinkBudget {
            tx_power_dbm: self.cfg.tx_power_dbm,
            noise_figure_db: self.cfg.noise_figure_db,
            bandwidth_mhz: f64::from(self.cfg.bandwidth_mhz),
            interference_margin_db: self.cfg.interference_margin_db,
        }
    }

    /// The best gNB for a UE at `ue` (x, y in metres) among `gnbs`: for each,
    /// LOS is drawn with the InF probability and shadow fading with its σ,
    /// and the one with the least loss wins. `None` without gNBs.
    pub fn radio_link<R: Rng + ?Sized>(
        &self,
        ue: (f64, f64),
        gnbs: &[(f64, f64)],
        rng: &mut R,
    ) -> Option<RadioLink> {
        best_link(&self.channel(), &self.link_budget(), ue, gnbs, rng)
    }

    /// The deterministic part of [`radio_link`](Self::radio_link) at `ue`:
    /// compute it once per place and pass it to
    /// [`radio_link_from`](Self::radio_link_from).
    pub fn gnb_views(&self, ue: (f64, f64), gnbs: &[(f64, f64)]) -> Vec<GnbView> {
        gnb_views(&self.channel(), ue, gnbs)
    }

    /// [`radio_link`](Self::radio_link) from the views of the gNBs at the UE's
    /// place: the same draws and the same link, several times faster.
    pub fn radio_link_from<R: Rng + ?Sized>(&self, views: &[GnbView], rng: &mut R) -> Option<RadioLink> {
        best_link_in(views, &self.link_budget(), self.noise_dbm, rng)
    }

    // The deterministic steps, in ticks.

    /// Tproc,1 / 2.
    pub(crate) fn p1h(&self) -> Tick {
        Tick::from(self.n1_x2) * self.frame.sym / 4
    }

    /// Tproc,2 / 2.
    pub(crate) fn p2h(&self) -> Tick {
        Tick::from(self.n2_x2) * self.frame.sym / 4
    }

    pub(crate) fn grant_based(&self, dir: Direction) -> bool {
        dir == Direction::Ul && self.sr_symbols.is_some()
    }

    /// Everything before the wait for the data's transmission opportunity,
    /// for a packet of `bits` that reaches the sender's layer 2 at `t`,
    /// every DCI taking the first PDCCH occasion it is ready for (a link
    /// alone; a [`Cell`](super::Cell) limits the DCIs per occasion with
    /// [`prepare_with`](Self::prepare_with)).
    pub(crate) fn prepare(&self, dir: Direction, t: Tick, bits: u64) -> Prepared {
        self.prepare_with(dir, t, bits, &mut |at| self.next_pdcch(at))
    }

    /// [`prepare`](Self::prepare) with `pdcch` giving the PDCCH occasion a
    /// DCI ready at a tick is sent at (the first with room for it).
    pub(crate) fn prepare_with(
        &self,
        dir: Direction,
        t: Tick,
        bits: u64,
        pdcch: &mut dyn FnMut(Tick) -> Tick,
    ) -> Prepared {
        if self.grant_based(dir) {
            let t1 = t + self.p1h();
            let sr = self.next_sr(t1);
            let mut p = self.after_sr_with(sr, bits, pdcch);
            p.processing += self.p1h();
            p.alignment += sr - t1;
            p
        } else {
            Prepared {
                ready: t + self.p2h(),
                processing: self.p2h(),
                alignment: 0,
                transmission: 0,
                queueing: 0,
            }
        }
    }

    /// The first PDCCH occasion at or after `t`.
    pub(crate) fn next_pdcch(&self, t: Tick) -> Tick {
        self.frame.next_at(&self.frame.pdcch, t)
    }

    /// The next SR occasion at or after `t` (grant-based only).
    pub(crate) fn next_sr(&self, t: Tick) -> Tick {
        let sr = self
            .frame
            .sr
            .as_ref()
            .expect("grant-based uplink has SR occasions");
        self.frame.next_at(sr, t)
    }

    /// From an SR sent at occasion `sr` to the PUSCH of a packet of `bits`
    /// being ready, every DCI at the first PDCCH occasion.
    pub(crate) fn after_sr(&self, sr: Tick, bits: u64) -> Prepared {
        self.after_sr_with(sr, bits, &mut |at| self.next_pdcch(at))
    }

    /// From an SR sent at occasion `sr` to the data's PUSCH being ready: the
    /// SR (1 symbol), gNB decoding and DCI (Tproc,2), the wait for a PDCCH
    /// occasion (`pdcch`), the PDCCH (1 symbol), UE decoding and PUSCH
    /// preparation (Tproc,2). When the packet does not fit that first grant
    /// ([`fits_first_grant`]), one more grant cycle: the first PUSCH (L
    /// symbols, at the next uplink opportunity) carries the BSR and what
    /// data fits, the gNB decodes it (Tproc,1/2) and prepares the data grant
    /// (Tproc,2), waits for a PDCCH occasion, sends it (1 symbol), and the UE
    /// decodes it and prepares the PUSCH (Tproc,2).
    pub(crate) fn after_sr_with(&self, sr: Tick, bits: u64, pdcch: &mut dyn FnMut(Tick) -> Tick) -> Prepared {
        let sym = self.frame.sym;
        let tp2 = 2 * self.p2h();
        let t = sr + sym + tp2;
        let (free, grant) = (self.next_pdcch(t), pdcch(t));
        let mut p = Prepared {
            ready: grant + sym + tp2,
            processing: 2 * tp2,
            alignment: free - t,
            transmission: 2 * sym,
            queueing: grant - free,
        };
        if !fits_first_grant(bits) {
            let bsr = self.frame.next_opp(Direction::Ul, p.ready);
            let decoded = bsr + self.frame.tx() + self.p1h() + tp2;
            let (free, data_grant) = (self.next_pdcch(decoded), pdcch(decoded));
            p.processing += self.p1h() + 2 * tp2;
            p.alignment += (bsr - p.ready) + (free - decoded);
            p.queueing += data_grant - free;
            p.transmission += self.frame.tx() + sym;
            p.ready = data_grant + sym + tp2;
        }
        p
    }

    /// The opportunity of `dir` a packet takes when it waits `waited`
    /// opportunities after its first one, `first_opp` (a wait drawn from a
    /// cell's queue law, counted in opportunities of the direction).
    pub(crate) fn opp_after_waiting(&self, dir: Direction, first_opp: Tick, waited: u64) -> Tick {
        let mut at = first_opp;
        for _ in 0..waited {
            at = self.frame.next_opp(dir, at + 1);
        }
        at
    }

    /// Where a packet ready at `ready` stands in the interval before its
    /// first opportunity `first_opp`, as a share from 0 (just after the
    /// previous opportunity) to 1 (at `first_opp`), the interval being the
    /// direction's mean ([`QueueLaw::sample_wait_at`](super::QueueLaw::sample_wait_at)).
    pub(crate) fn ready_share(&self, dir: Direction, ready: Tick, first_opp: Tick) -> f64 {
        let interval_ms = self.opportunity_interval_ms(dir);
        let ahead_ms = ticks_to_ms(super::frame::tick_f64(first_opp.saturating_sub(ready)));
        (1.0 - ahead_ms / interval_ms).clamp(0.0, 1.0)
    }

    /// Whether the discard timer (PDCP, TS 38.323 §5.2.2.1) drops a packet
    /// offered at `sent` before the opportunity at `start`: it is then older
    /// than the timer. The cell applies the same rule at every opportunity.
    pub(crate) fn discards(&self, sent: SimTime, start: Tick) -> bool {
        self.cfg
            .discard_timer
            .is_some_and(|timer| start.saturating_sub(to_ticks(sent)) > to_ticks(timer))
    }

    /// The delivery time of a transmission that starts at `start`: air time
    /// then the receiver's decoding (Tproc,1/2).
    pub(crate) fn done_after(&self, start: Tick) -> Tick {
        start + self.frame.tx() + self.p1h()
    }

    /// The delivery time of a retransmission after an attempt that failed
    /// when it would have been delivered at `done`.
    pub(crate) fn retransmit(&self, dir: Direction, done: Tick) -> Tick {
        let (fb_prepare, fb_decode) = match dir {
            Direction::Dl => (self.p1h(), self.p2h()),
            Direction::Ul => (self.p2h(), self.p1h()),
        };
        let feedback = self.frame.next_opp(dir.opposite(), done + fb_prepare);
        let ready = feedback + self.frame.tx() + fb_decode + self.p2h();
        self.done_after(self.frame.next_opp(dir, ready))
    }
}
