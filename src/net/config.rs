//! The description of an NR link, and its validation.
//!
//! [`NrConfig`] is a plain struct built by code (the scenario keys of DESIGN
//! section 5 map onto its fields one to one). [`NrConfig::validate`] lists
//! every problem at once, each with the key it concerns, what was wrong and
//! what is allowed; [`Nr::new`](super::Nr::new) runs it.
//!
//! ```
//! use factory5g::net::{Duplex, NrConfig, SpecialSplit};
//! let cfg = NrConfig {
//!     scs_khz: 30,
//!     duplex: Duplex::parse("DDDSU", SpecialSplit::default()).unwrap(),
//!     ..NrConfig::default()
//! };
//! assert!(cfg.validate().is_ok());
//! let bad = NrConfig { scs_khz: 120, capability: 2, ..NrConfig::default() };
//! let errors = bad.validate().unwrap_err();
//! assert!(errors.to_string().contains("capability 2"));
//! ```

use super::bands::{bandwidths, freq_range, FreqRange, FR1_MAX_GHZ, FR2_GHZ, MIN_CARRIER_GHZ};
use super::channel::InfScenario;
use super::mobility::{HandoverConfig, RlfConfig};
use super::shadowing::Shadowing;
use crate::engine::SimTime;
use std::fmt;

/// Subcarrier spacings of NR data channels, kHz (µ = 0..3).
pub const SCS_KHZ: [u32; 4] = [15, 30, 60, 120];

/// Transmission lengths in symbols: a slot, or a mini-slot (PDSCH/PUSCH
/// mapping type B).
pub const TX_SYMBOLS: [u32; 4] = [14, 7, 4, 2];

/// N1 and N2 (TS 38.214 Tables 5.3-1/5.3-2 and 6.4-1/6.4-2), in half symbols so
/// that capability 2's 4.5 and 5.5 are whole: `[capability - 1][µ]`; `None`
/// where the capability is not defined.
const N1_X2: [[Option<u32>; 4]; 2] = [
    [Some(16), Some(20), Some(34), Some(40)],
    [Some(6), Some(9), Some(18), None],
];
const N2_X2: [[Option<u32>; 4]; 2] = [
    [Some(20), Some(24), Some(46), Some(72)],
    [Some(10), Some(11), Some(22), None],
];

/// N1 and N2 in half symbols for a capability and numerology, if defined.
pub(crate) fn n1_n2_x2(capability: u8, mu: u32) -> Option<(u32, u32)> {
    let c = usize::from(capability.checked_sub(1)?);
    let m = mu as usize;
    Some((*N1_X2.get(c)?.get(m)?.as_ref()?, *N2_X2.get(c)?.get(m)?.as_ref()?))
}

/// One slot of a TDD pattern.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SlotKind {
    /// All 14 symbols downlink.
    Downlink,
    /// The special slot: downlink, guard and uplink symbols ([`SpecialSplit`]).
    Special,
    /// All 14 symbols uplink.
    Uplink,
}

/// How the special slot's 14 symbols split into downlink, guard and uplink.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct SpecialSplit {
    pub dl: u8,
    pub guard: u8,
    pub ul: u8,
}

impl Default for SpecialSplit {
    /// 10:2:2, the common commercial split of DDDSU.
    fn default() -> Self {
        SpecialSplit {
            dl: 10,
            guard: 2,
            ul: 2,
        }
    }
}

impl SpecialSplit {
    /// Parses `"10:2:2"` (downlink:guard:uplink symbols, summing to 14).
    pub fn parse(text: &str) -> Result<SpecialSplit, String> {
        let bad = || {
            format!(
                "`{text}` is not a special-slot split: write downlink:guard:uplink symbols summing to 14, \
                 e.g. 10:2:2 or 6:4:4"
            )
        };
        let parts: Vec<&str> = text.trim().split(':').collect();
        if parts.len() != 3 {
            return Err(bad());
        }
        let mut v = [0u8; 3];
        for (slot, part) in v.iter_mut().zip(&parts) {
            *slot = part.trim().parse().map_err(|_| bad())?;
        }
        if v.iter().map(|&x| u32::from(x)).sum::<u32>() != 14 {
            return Err(format!(
                "special-slot split `{text}` has {} symbols; downlink:guard:uplink must sum to 14 (e.g. 10:2:2)",
                v.iter().map(|&x| u32::from(x)).sum::<u32>()
            ));
        }
        Ok(SpecialSplit {
            dl: v[0],
            guard: v[1],
            ul: v[2],
        })
    }
}

impl fmt::Display for SpecialSplit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.dl, self.guard, self.ul)
    }
}

/// Longest TDD pattern parsed, in slots (10 ms at 120 kHz is 80 slots; two
/// concatenated patterns of 3GPP's longest period). Validation then
/// accepts only the periods of [`TDD_PERIODS_US`].
pub const MAX_PATTERN_SLOTS: usize = 160;

/// The TDD pattern periods of TS 38.331 (`TDD-UL-DL-Pattern`'s
/// `dl-UL-TransmissionPeriodicity`, with `-v1530`'s 3 and 4 ms), in µs:
/// 0.5, 0.625, 1, 1.25, 2, 2.5, 3, 4, 5 and 10 ms.
pub const TDD_PERIODS_US: [u32; 10] = [500, 625, 1000, 1250, 2000, 2500, 3000, 4000, 5000, 10_000];

/// Frequency division (both directions on every symbol, on two carriers) or
/// a TDD pattern repeated from t = 0.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Duplex {
    #[default]
    Fdd,
    Tdd {
        pattern: Vec<SlotKind>,
        special: SpecialSplit,
    },
}

impl Duplex {
    /// `"fdd"`, or a TDD pattern of `D`, `S` and `U` slots such as `"DDDSU"`
    /// or `"DDDDDDDSUU"`, with the special slots split as `special`.
    pub fn parse(text: &str, special: SpecialSplit) -> Result<Duplex, String> {
        let t = text.trim();
        if t.eq_ignore_ascii_case("fdd") {
            return Ok(Duplex::Fdd);
        }
        let bad = || {
            format!(
                "`{t}` is not a duplex mode: write fdd, or a TDD pattern of D, S and U slots such as DDDSU \
                 or DDDDDDDSUU"
            )
        };
        if t.is_empty() {
            return Err(bad());
        }
        let mut pattern = Vec::with_capacity(t.len());
        for c in t.chars() {
            pattern.push(match c.to_ascii_uppercase() {
                'D' => SlotKind::Downlink,
                'S' => SlotKind::Special,
                'U' => SlotKind::Uplink,
                _ => return Err(bad()),
            });
        }
        if pattern.len() > MAX_PATTERN_SLOTS {
            return Err(format!(
                "TDD pattern `{t}` has {} slots; at most {MAX_PATTERN_SLOTS} are allowed",
                pattern.len()
            ));
        }
        Ok(Duplex::Tdd { pattern, special })
    }

    /// Why this pattern's period at numerology `mu` is not one of TS
    /// 38.331's ([`TDD_PERIODS_US`]), with the pattern lengths that would
    /// be; `None` for FDD and for an allowed period.
    pub fn period_problem(&self, mu: u32) -> Option<String> {
        let Duplex::Tdd { pattern, .. } = self else {
            return None;
        };
        // A slot lasts 1000 / 2^µ µs, a whole number for µ ≤ 3.
        let slot_us = 1000u32 >> mu;
        let slots = u32::try_from(pattern.len()).unwrap_or(u32::MAX);
        if TDD_PERIODS_US.contains(&slots.saturating_mul(slot_us)) {
            return None;
        }
        let ms = |us: u32| (f64::from(us) / 1000.0).to_string();
        let periods: Vec<String> = TDD_PERIODS_US.iter().map(|&us| ms(us)).collect();
        let fitting: Vec<String> = TDD_PERIODS_US
            .iter()
            .filter(|&&us| us % slot_us == 0)
            .map(|&us| (us / slot_us).to_string())
            .collect();
        Some(format!(
            "the TDD pattern {} is {slots} slots of {} ms at {} kHz, a period of {} ms; TS 38.331 allows periods of \
             {} ms, which at {} kHz is a pattern of {} slots",
            self.pattern_name(),
            ms(slot_us),
            15 << mu,
            ms(slots.saturating_mul(slot_us)),
            list_or(&periods),
            15 << mu,
            list_or(&fitting)
        ))
    }

    /// `fdd`, or the pattern (`DDDSU`).
    pub fn pattern_name(&self) -> String {
        match self {
            Duplex::Fdd => "fdd".to_string(),
            Duplex::Tdd { pattern, .. } => pattern
                .iter()
                .map(|k| match k {
                    SlotKind::Downlink => 'D',
                    SlotKind::Special => 'S',
                    SlotKind::Uplink => 'U',
                })
                .collect(),
        }
    }
}

impl fmt::Display for Duplex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Duplex::Fdd => f.write_str("FDD"),
            Duplex::Tdd { pattern, special } => {
                write!(f, "TDD {}", self.pattern_name())?;
                if pattern.contains(&SlotKind::Special) {
                    write!(f, " (S {special})")?;
                }
                Ok(())
            }
        }
    }
}

/// `a, b, c or d`.
fn list_or(items: &[String]) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// SR periodicities of TS 38.331 (`SchedulingRequestResourceConfig`), in
/// slots; also 2 and 7 symbols (`sym2`, `sym6or7`).
pub const SR_PERIOD_SLOTS: [u32; 13] = [1, 2, 4, 5, 8, 10, 16, 20, 40, 80, 160, 320, 640];

/// The scheduling-request periodicity of grant-based uplink.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SrPeriod {
    /// 2 or 7 symbols.
    Symbols(u32),
    /// A number of slots.
    Slots(u32),
    /// A duration; must be a whole number of slots of the numerology
    /// (a slot lasts 1 ms / 2^µ).
    Time(SimTime),
}

impl Default for SrPeriod {
    /// One slot: the shortest slot-based periodicity, defined at every SCS.
    fn default() -> Self {
        SrPeriod::Slots(1)
    }
}

impl SrPeriod {
    /// `"2sym"`, `"7sym"`, `"1slot"`, `"4slots"`, or a duration (`"1ms"`).
    pub fn parse(text: &str) -> Result<SrPeriod, String> {
        let t = text.trim();
        let number_then = |suffixes: &[&str]| -> Option<u32> {
            for s in suffixes {
                if let Some(n) = t.strip_suffix(s) {
                    return n.trim().parse().ok();
                }
            }
            None
        };
        if let Some(n) = number_then(&["symbols", "symbol", "sym"]) {
            return Ok(SrPeriod::Symbols(n));
        }
        if let Some(n) = number_then(&["slots", "slot", "sl"]) {
            return Ok(SrPeriod::Slots(n));
        }
        SimTime::parse_duration(t).map(SrPeriod::Time).map_err(|_| {
            format!("`{t}` is not an SR period: write a number of symbols (2sym, 7sym), of slots (1slot, 4slots) or a duration (1ms)")
        })
    }

    /// The period in symbols at numerology `mu`, or why it is not an NR SR
    /// periodicity.
    pub fn symbols(&self, mu: u32) -> Result<u64, String> {
        let max_slots = 80u32 << mu; // 80 ms
        let allowed = || {
            let slots: Vec<String> = SR_PERIOD_SLOTS
                .iter()
                .filter(|&&s| s <= max_slots)
                .map(|s| s.to_string())
                .collect();
            format!("allowed: 2 or 7 symbols, or {} slots", slots.join(", "))
        };
        match *self {
            SrPeriod::Symbols(n) if n == 2 || n == 7 => Ok(u64::from(n)),
            SrPeriod::Symbols(n) => Err(format!("{n} symbols is not an SR periodicity; {}", allowed())),
            SrPeriod::Slots(n) if SR_PERIOD_SLOTS.contains(&n) && n <= max_slots => Ok(14 * u64::from(n)),
            SrPeriod::Slots(n) => Err(format!(
                "{n} slots is not an SR periodicity at {} kHz; {}",
                15 << mu,
                allowed()
            )),
            SrPeriod::Time(t) => {
                let slot_ns = 1_000_000u64 >> mu;
                let ns = t.as_nanos();
                // A slot is 1 ms / 2^µ: 1000000, 500000, 250000, 125000 ns.
                if ns == 0 || ns % slot_ns != 0 {
                    return Err(format!(
                        "SR period {t} is not a whole number of {} ms slots at {} kHz; {}",
                        slot_ns as f64 / 1e6,
                        15 << mu,
                        allowed()
                    ));
                }
                let slots = ns / slot_ns;
                match u32::try_from(slots) {
                    Ok(s) => SrPeriod::Slots(s).symbols(mu),
                    Err(_) => Err(format!("SR period {t} is too long; {}", allowed())),
                }
            }
        }
    }
}

impl fmt::Display for SrPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SrPeriod::Symbols(n) => write!(f, "{n} symbols"),
            SrPeriod::Slots(1) => f.write_str("1 slot"),
            SrPeriod::Slots(n) => write!(f, "{n} slots"),
            SrPeriod::Time(t) => write!(f, "{t}"),
        }
    }
}

/// How the uplink gets its resources.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum UlAccess {
    /// Configured grant (grant-free): the UE sends at its next uplink
    /// opportunity.
    #[default]
    ConfiguredGrant,
    /// Grant-based: scheduling request, grant on the PDCCH, then PUSCH.
    GrantBased { sr_period: SrPeriod },
}

/// How a cell shares its resource blocks among the UEs with data.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Scheduler {
    /// In order of readiness, the background load first.
    Fifo,
    /// Equal shares among the UEs with data (water-filling).
    RoundRobin,
    /// Proportional fair: highest instantaneous rate over average served rate.
    #[default]
    ProportionalFair,
}

impl Scheduler {
    /// `fifo`, `round_robin` (or `rr`), `pf`.
    pub fn parse(text: &str) -> Result<Scheduler, String> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "fifo" => Ok(Scheduler::Fifo),
            "round_robin" | "rr" => Ok(Scheduler::RoundRobin),
            "pf" | "proportional_fair" => Ok(Scheduler::ProportionalFair),
            _ => Err(format!(
                "`{text}` is not a scheduler; allowed: fifo, round_robin, pf"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheduler::Fifo => "fifo",
            Scheduler::RoundRobin => "round_robin",
            Scheduler::ProportionalFair => "pf",
        }
    }
}

/// The PDCP discard timer's default, ms: 100 ms, a common setting of
/// TS 38.331's `discardTimer` (which ranges from 10 ms to infinity).
pub const DEFAULT_DISCARD_TIMER_MS: u64 = 100;

/// Most HARQ retransmissions accepted (far beyond any useful setting).
pub const MAX_HARQ_RETX: u32 = 32;

/// An NR link, as a user describes it (DESIGN section 5's `[network.nr]`).
#[derive(Clone, Debug, PartialEq)]
pub struct NrConfig {
    /// Subcarrier spacing: 15, 30, 60 or 120 kHz.
    pub scs_khz: u32,
    /// Transmission length: 14 (a slot) or a mini-slot of 7, 4 or 2 symbols.
    pub symbols: u32,
    pub duplex: Duplex,
    pub ul_access: UlAccess,
    /// UE processing capability, 1 or 2 (TS 38.214 N1/N2).
    pub capability: u8,
    /// Retransmissions after the first attempt; the packet is lost when all
    /// fail.
    pub harq_max_retx: u32,
    /// Symbols of the CORESET that carries the PDCCH, 1 to 3 (TS 38.211
    /// §7.3.2.2): it bounds the DCIs a cell sends per PDCCH occasion.
    pub coreset_symbols: u8,
    /// PDCP discard timer (TS 38.323 §5.2.2.1, `discardTimer` of TS 38.331
    /// PDCP-Config): a packet still queued this long after it was offered
    /// is dropped, which bounds a saturated cell's queue. `None`: infinity.
    pub discard_timer: Option<SimTime>,
    /// Block error rate of each attempt (the link adaptation's target).
    pub bler: f64,
    /// A fixed block error rate of every attempt that overrides the BLER
    /// curves of link adaptation (key `bler`).
    pub bler_override: Option<f64>,
    /// Channel bandwidth, MHz (a TS 38.101 bandwidth of the SCS).
    pub bandwidth_mhz: u32,
    pub carrier_ghz: f64,
    pub channel: InfScenario,
    /// The gNB's transmit power (key `gnb_tx_power_dbm`, or `tx_power_dbm`).
    pub tx_power_dbm: f64,
    /// The UE's noise figure, the downlink receiver's (key
    /// `ue_noise_figure_db`, or `noise_figure_db`).
    pub noise_figure_db: f64,
    /// The UE's transmit power.
    pub ue_tx_power_dbm: f64,
    /// The gNB's noise figure, the uplink receiver's.
    pub gnb_noise_figure_db: f64,
    /// Whether other cells interfere (reuse 1), weighted by their load
    /// ([`RadioBudget`](super::RadioBudget)).
    pub interference: bool,
    /// Subtracted from the SINR where neighbouring gNBs reuse the band.
    pub interference_margin_db: f64,
    pub scheduler: Scheduler,
    /// How LOS state and shadow fading are drawn (spatially consistent by
    /// default).
    pub shadowing: Shadowing,
    /// Event-A3 handovers.
    pub handover: HandoverConfig,
    /// Radio link failure and re-establishment.
    pub rlf: RlfConfig,
}

impl Default for NrConfig {
    /// 30 kHz, 14-symbol slots, FDD, configured grant, capability 1, BLER
    /// 0.1 with up to 3 retransmissions (4 transmissions, the usual
    /// `maxHARQ-Tx`), 100 MHz at 3.5 GHz, InF-DH, gNB 24 dBm (the TR 38.901
    /// InF calibration's power) and UE 23 dBm (power class 3, TS 38.101-1),
    /// noise figures UE 9 dB and gNB 5 dB (TR 38.802 Annex A, below 6 GHz),
    /// interference from the other cells, no interference margin,
    /// proportional fair scheduling, spatially consistent shadowing, the
    /// handover and radio-link-failure defaults of
    /// [`Mobility`](super::Mobility).
    fn default() -> Self {
        NrConfig {
            scs_khz: 30,
            symbols: 14,
            duplex: Duplex::Fdd,
            ul_access: UlAccess::ConfiguredGrant,
            capability: 1,
            harq_max_retx: 3,
            coreset_symbols: 1,
            discard_timer: Some(SimTime::from_nanos(DEFAULT_DISCARD_TIMER_MS * 1_000_000)),
            bler: 0.1,
            bler_override: None,
            bandwidth_mhz: 100,
            carrier_ghz: 3.5,
            channel: InfScenario::Dh,
            tx_power_dbm: 24.0,
            noise_figure_db: 9.0,
            ue_tx_power_dbm: 23.0,
            gnb_noise_figure_db: 5.0,
            interference: true,
            interference_margin_db: 0.0,
            scheduler: Scheduler::ProportionalFair,
            shadowing: Shadowing::Consistent,
            handover: HandoverConfig::default(),
            rlf: RlfConfig::default(),
        }
    }
}

/// One problem of an [`NrConfig`]: the key (field) and what is wrong and
/// allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub key: &'static str,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Every problem of an [`NrConfig`] (at least one).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// µ of an SCS, if it is one of NR's data SCSs.
pub(crate) fn numerology(scs_khz: u32) -> Option<u32> {
    SCS_KHZ.iter().position(|&s| s == scs_khz).map(|m| m as u32)
}

impl NrConfig {
    /// Every problem of this configuration, or `Ok`. (The frame-structure
    /// checks that need the pattern laid out, such as a TDD pattern without
    /// an uplink opportunity for the transmission length, are made by
    /// [`Nr::new`](super::Nr::new).)
    pub fn validate(&self) -> Result<(), ConfigErrors> {
        let mut errs = Vec::new();
        let mut err = |key: &'static str, message: String| errs.push(ConfigError { key, message });
        let mu = numerology(self.scs_khz);
        if mu.is_none() {
            err(
                "scs_khz",
                format!(
                    "{} kHz is not an NR subcarrier spacing for data; allowed: 15, 30, 60, 120",
                    self.scs_khz
                ),
            );
        }
        if !TX_SYMBOLS.contains(&self.symbols) {
            err(
                "symbols",
                format!(
                    "a transmission of {} symbols is not defined; allowed: 14 (a slot) or a mini-slot of 7, 4 or 2",
                    self.symbols
                ),
            );
        }
        let fr = if self.carrier_ghz.is_finite() {
            freq_range(self.carrier_ghz)
        } else {
            None
        };
        if fr.is_none() {
            err(
                "carrier_ghz",
                format!(
                    "{} GHz is outside NR's frequency ranges; allowed: {MIN_CARRIER_GHZ}-{FR1_MAX_GHZ} GHz (FR1) \
                     or {}-{} GHz (FR2)",
                    self.carrier_ghz, FR2_GHZ.0, FR2_GHZ.1
                ),
            );
        }
        match self.capability {
            1 => {}
            2 => {
                if mu == Some(3) {
                    err(
                        "capability",
                        "UE capability 2 is not defined at 120 kHz (TS 38.214 gives its N1/N2 only for 15, 30 \
                         and 60 kHz); use capability 1"
                            .to_string(),
                    );
                } else if mu == Some(2) && fr == Some(FreqRange::Fr2) {
                    err(
                        "capability",
                        "UE capability 2 at 60 kHz is defined only in FR1 (TS 38.214); use capability 1 or a \
                         carrier below 7.125 GHz"
                            .to_string(),
                    );
                }
            }
            c => err(
                "capability",
                format!("UE processing capability {c} does not exist; allowed: 1 or 2"),
            ),
        }
        if let (Some(mu), Some(fr)) = (mu, fr) {
            match bandwidths(fr, self.scs_khz) {
                None => err(
                    "scs_khz",
                    match fr {
                        FreqRange::Fr1 => format!(
                            "{} kHz is not used in FR1 (carrier {} GHz); FR1 allows 15, 30 and 60 kHz (120 kHz \
                             needs an FR2 carrier, 24.25-71 GHz)",
                            self.scs_khz, self.carrier_ghz
                        ),
                        FreqRange::Fr2 => format!(
                            "{} kHz is not used in FR2 (carrier {} GHz); FR2 allows 60 and 120 kHz",
                            self.scs_khz, self.carrier_ghz
                        ),
                    },
                ),
                Some(list) => {
                    if !list.iter().any(|(bw, _)| *bw == self.bandwidth_mhz) {
                        let allowed: Vec<String> = list.iter().map(|(bw, _)| bw.to_string()).collect();
                        err(
                            "bandwidth_mhz",
                            format!(
                                "{} MHz is not an NR channel bandwidth at {} kHz in {}; allowed: {} MHz",
                                self.bandwidth_mhz,
                                self.scs_khz,
                                if fr == FreqRange::Fr1 { "FR1" } else { "FR2" },
                                allowed.join(", ")
                            ),
                        );
                    }
                }
            }
            if let UlAccess::GrantBased { sr_period } = self.ul_access {
                if let Err(m) = sr_period.symbols(mu) {
                    err("sr_period", m);
                }
            }
        }
        if let Some(m) = mu.and_then(|mu| self.duplex.period_problem(mu)) {
            err("duplex", m);
        }
        if !(1..=3).contains(&self.coreset_symbols) {
            err(
                "coreset_symbols",
                format!(
                    "a CORESET of {} symbols does not exist; allowed: 1, 2 or 3 (TS 38.211 §7.3.2.2)",
                    self.coreset_symbols
                ),
            );
        }
        if self.discard_timer == Some(SimTime::ZERO) {
            err(
                "discard_timer",
                "a discard timer of 0 drops every packet before it is sent; give a duration above 0 (e.g. \"100ms\") or \"infinity\"".to_string(),
            );
        }
        if self.harq_max_retx > MAX_HARQ_RETX {
            err(
                "harq_max_retx",
                format!(
                    "{} HARQ retransmissions is beyond any NR setting; allowed: 0 to {MAX_HARQ_RETX}",
                    self.harq_max_retx
                ),
            );
        }
        for (key, bler) in [("bler", Some(self.bler)), ("bler_override", self.bler_override)] {
            match bler {
                Some(p) if !(p.is_finite() && (0.0..1.0).contains(&p)) => err(
                    key,
                    format!("a block error rate of {p} is not allowed; it must be at least 0 and below 1 (e.g. 0.1)"),
                ),
                _ => {}
            }
        }
        for (key, dbm) in [
            ("tx_power_dbm", self.tx_power_dbm),
            ("ue_tx_power_dbm", self.ue_tx_power_dbm),
        ] {
            if !(dbm.is_finite() && (-40.0..=70.0).contains(&dbm)) {
                err(
                    key,
                    format!("{dbm} dBm is not a plausible transmit power; allowed: -40 to 70 dBm"),
                );
            }
        }
        for (key, db) in [
            ("noise_figure_db", self.noise_figure_db),
            ("gnb_noise_figure_db", self.gnb_noise_figure_db),
        ] {
            if !(db.is_finite() && (0.0..=30.0).contains(&db)) {
                err(
                    key,
                    format!("a noise figure of {db} dB is not allowed; allowed: 0 to 30 dB"),
                );
            }
        }
        if !(self.interference_margin_db.is_finite() && (0.0..=60.0).contains(&self.interference_margin_db)) {
            err(
                "interference_margin_db",
                format!(
                    "an interference margin of {} dB is not allowed; allowed: 0 to 60 dB",
                    self.interference_margin_db
                ),
            );
        }
        for (key, message) in self.handover.problems().into_iter().chain(self.rlf.problems()) {
            err(key, message);
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(ConfigErrors(errs))
        }
    }
}

#[cfg(test)]
mod tests;
