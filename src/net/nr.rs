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
//! - a HARQ retransmission starts where the failed attempt would have been
//!   delivered: downlink, UE prepares the NACK (Tproc,1/2), waits for an
//!   uplink opportunity, sends it on an L-symbol PUCCH, gNB decodes it
//!   (Tproc,2/2); uplink, gNB prepares the retransmission grant (Tproc,2/2),
//!   waits for a downlink opportunity, sends it (L symbols), UE decodes it
//!   (Tproc,1/2); then the data goes again as a first transmission.

use super::bands::{freq_range, resource_blocks, FreqRange};
use super::channel::{best_link, best_link_in, gnb_views, Channel, GnbView, LinkBudget, RadioLink};
use super::config::{n1_n2_x2, numerology, ConfigError, ConfigErrors};
use super::config::{NrConfig, UlAccess};
use super::frame::{Frame, Tick, SLOT_SYMBOLS};
use super::{ticks_to_ms, Direction};
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
    /// for a packet that reaches the sender's layer 2 at `t`.
    pub(crate) fn prepare(&self, dir: Direction, t: Tick) -> Prepared {
        if self.grant_based(dir) {
            let t1 = t + self.p1h();
            let sr = self.next_sr(t1);
            let mut p = self.after_sr(sr);
            p.processing += self.p1h();
            p.alignment += sr - t1;
            p
        } else {
            Prepared {
                ready: t + self.p2h(),
                processing: self.p2h(),
                alignment: 0,
                transmission: 0,
            }
        }
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

    /// From an SR sent at occasion `sr` to the PUSCH being ready: the SR
    /// (1 symbol), gNB decoding and DCI (Tproc,2), the wait for a PDCCH
    /// occasion, the PDCCH (1 symbol), UE decoding and PUSCH preparation
    /// (Tproc,2).
    pub(crate) fn after_sr(&self, sr: Tick) -> Prepared {
        let sym = self.frame.sym;
        let tp2 = 2 * self.p2h();
        let t = sr + sym + tp2;
        let pdcch = self.frame.next_at(&self.frame.pdcch, t);
        Prepared {
            ready: pdcch + sym + tp2,
            processing: 2 * tp2,
            alignment: pdcch - t,
            transmission: 2 * sym,
        }
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
