//! The 5G user-plane latency calculator behind `factory5g latency`: the step
//! model of [`Nr::step`] for one configuration, optionally the link budget
//! of an InF channel at a distance, and on request the mean of N packets
//! sent through the packet model ([`Nr::transmit`]) at independent uniform
//! arrival times, with the quantiles p50, p99 and p99.9 of their latency.
//!
//! The calculator takes a [`Request`] (plain values, the text ones parsed
//! here) and returns a [`Calculation`], a serializable structure of numbers,
//! or the [`ConfigErrors`] of the request, each naming the configuration
//! key at fault (`scs_khz`, `special_split`, `distance_m`,
//! `interferer_load`); it prints nothing. The command line turns options
//! into the request and the calculation into text or JSON.
//!
//! Defaults ([`Request::default`]): 30 kHz, 14 symbols, capability 1, FDD
//! (special slot 10:2:2 under TDD), downlink, configured grant, SR period 1
//! slot (grant-based), BLER 0, up to 3 HARQ retransmissions (4
//! transmissions), seed 1; link budget: InF-DH, 3.5 GHz (28 GHz at 120 kHz),
//! 24 dBm, noise figure 9 dB, the largest common bandwidth of the SCS (50
//! MHz at 15 kHz, else 100 MHz).
//!
//! # Link budget with interferers
//!
//! The link budget follows TR 38.901 §7.4 (InF path loss, Table 7.4.1-1;
//! LOS probability, Table 7.4.2-1) without shadowing. Every gNB transmits
//! the same power (`tx_power_dbm`); the receiver's noise is
//! `−174 dBm/Hz + 10·log10(B·10⁶) + NF` ([`noise_dbm`]). Other gNBs on the
//! same carrier (reuse 1) interfere: each is given by its horizontal
//! distance to the UE (`interferer_distances_m`), and all share one load
//! (`interferer_load`, the share of their resource blocks in use, 0 to 1,
//! default 1). Interference is `I = Σ load · (P − PL(d_j))` summed in
//! milliwatts, and `SINR = S / (N + I)` ([`sinr`]).
//!
//! The path loss of every link, serving and interfering alike, is taken in
//! one [`LinkState`]: `los` and `nlos` the TR 38.901 laws, `mixed` (the
//! default) the LOS-probability-weighted mean in dB,
//! `p·PL_LOS + (1 − p)·PL_NLOS`, with `p` at that link's own distance. The
//! report's `sinr_db`, `snr_db` and `interference_dbm` are in the chosen
//! state; `sinr_los_db`, `sinr_nlos_db` and `sinr_mixed_db` give the three
//! states side by side, and the CQI choices (`mcs`) are made at these SINRs,
//! interference included, `mcs.selected` at `sinr_db`. InF-HH has no NLOS
//! state, so `nlos` is refused there. `interference_dbm` is `null` when no
//! power interferes (no interferer, or load 0).
//!
//! `interference_margin_db` (default 0) stays an allowance for what is not
//! modelled (cells not listed, fading): it is subtracted in dB from every
//! SINR after the listed interference, `SINR = 10·log10(S / (N + I)) −
//! margin`; `snr_db` is `S − N`, without the margin. With neither
//! interferers nor margin, `sinr_db` is `snr_db`, and with the state left
//! at `mixed` and no interferer every figure is the one the calculator gave
//! before interferers existed.
//!
//! ```
//! use factory5g::net::calculator::{calculate, Request};
//! let request = Request { scs_khz: 15, bler: 0.1, ..Request::default() };
//! let result = calculate(&request).unwrap();
//! assert!((result.step.one_shot_ms - 2.141).abs() < 0.001);
//! assert!((result.step.mean_ms - 2.569).abs() < 0.001);
//! ```

use super::budget::{noise_dbm, sinr};
use super::channel::{link_adaptation, Channel, InfScenario, LinkBudget, Mcs};
use super::config::{ConfigError, ConfigErrors, Duplex, NrConfig, SpecialSplit, SrPeriod, UlAccess};
use super::{Direction, Nr, StepLatency};
use crate::engine::RngStreams;
use crate::engine::SimTime;
use crate::stats::{samples_needed, t_975, Histogram, Tally};
use rand::RngExt;
use serde::Serialize;

/// Uplink access, as the calculator is asked for it (the SR period is a
/// field of its own).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Grant-free: the UE sends at its next uplink opportunity.
    ConfiguredGrant,
    /// Scheduling request, grant, then PUSCH.
    GrantBased,
}

/// The path loss every link of the link budget takes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Line of sight: TR 38.901's LOS law.
    Los,
    /// Non line of sight: the NLOS law of the sub-scenario (none for InF-HH).
    Nlos,
    /// The LOS-probability-weighted mean path loss in dB.
    Mixed,
}

impl LinkState {
    /// The name of the state, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            LinkState::Los => "los",
            LinkState::Nlos => "nlos",
            LinkState::Mixed => "mixed",
        }
    }
}

/// What to calculate. The text fields are parsed as the scenario's keys
/// are (`DDDSU`, `10:2:2`, `4slots`, `InF-SH`); the optional radio fields
/// default as the module documentation says.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub scs_khz: u32,
    pub symbols: u32,
    pub capability: u8,
    /// `fdd` or a TDD pattern of D, S and U slots.
    pub duplex: String,
    /// The TDD special slot, downlink:guard:uplink symbols.
    pub special_split: String,
    pub direction: Direction,
    pub ul_access: Access,
    /// The SR periodicity of grant-based access.
    pub sr_period: String,
    pub bler: f64,
    pub harq_max_retx: u32,
    /// The InF sub-scenario of the link budget (InF-DH when `None`); a link
    /// budget needs `distance_m`.
    pub channel: Option<String>,
    /// Horizontal UE-gNB distance of the link budget, metres.
    pub distance_m: Option<f64>,
    pub carrier_ghz: Option<f64>,
    pub tx_power_dbm: Option<f64>,
    pub bandwidth_mhz: Option<u32>,
    pub noise_figure_db: Option<f64>,
    pub interference_margin_db: Option<f64>,
    /// The state of every link of the link budget (`Mixed` when `None`).
    pub state: Option<LinkState>,
    /// Horizontal distance from the UE to each interfering gNB, metres.
    pub interferer_distances_m: Vec<f64>,
    /// The load of every interfering gNB, 0 to 1 (1 when `None`).
    pub interferer_load: Option<f64>,
    /// Packets to send through the packet model.
    pub simulate: Option<u64>,
    /// The packet's size in bytes: grant-based uplink sends a BSR first
    /// when it does not fit the grant that answers the SR.
    pub size_bytes: u32,
    /// Seed of the simulated packets.
    pub seed: u64,
}

impl Default for Request {
    fn default() -> Self {
        Request {
            scs_khz: 30,
            symbols: 14,
            capability: 1,
            duplex: "fdd".into(),
            special_split: "10:2:2".into(),
            direction: Direction::Dl,
            ul_access: Access::ConfiguredGrant,
            sr_period: "1slot".into(),
            bler: 0.0,
            harq_max_retx: 3,
            channel: None,
            distance_m: None,
            carrier_ghz: None,
            tx_power_dbm: None,
            bandwidth_mhz: None,
            noise_figure_db: None,
            interference_margin_db: None,
            state: None,
            interferer_distances_m: Vec::new(),
            interferer_load: None,
            simulate: None,
            size_bytes: DEFAULT_SIZE_BYTES,
            seed: 1,
        }
    }
}

/// The calculator's packet size: the 32 bytes of the ITU-R M.2410 URLLC
/// reliability requirement, which fits the grant that answers an SR.
pub const DEFAULT_SIZE_BYTES: u32 = 32;

/// The configuration as the calculator used it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfigUsed {
    pub scs_khz: u32,
    pub symbols: u32,
    /// `fdd` or the TDD pattern.
    pub duplex: String,
    /// The special slot under TDD.
    pub special_split: Option<String>,
    pub direction: Direction,
    pub ul_access: Access,
    /// The SR period in symbols (grant-based uplink).
    pub sr_period_symbols: Option<u64>,
    pub capability: u8,
    pub n1_symbols: f64,
    pub n2_symbols: f64,
    /// A symbol as the model times it: (2048 + 144)·κ·2^-µ·Tc, every
    /// symbol alike (the 16κ·Tc longer cyclic prefix of two symbols per
    /// half-subframe is left out, as in TR 37.910's reference values).
    pub symbol_us: f64,
    /// The NR slot, exactly 1 ms / 2^µ (TS 38.211).
    pub slot_ms: f64,
    /// 14 of the model's symbols: 0.1% under `slot_ms`.
    pub slot_modelled_ms: f64,
    pub bler: f64,
    pub harq_max_retx: u32,
    /// The packet's size, bytes.
    pub size_bytes: u32,
    /// Whether the packet reports its buffer (BSR) before its data grant:
    /// grant-based uplink, larger than the grant that answers an SR.
    pub bsr: bool,
}

/// A link's CQI choice.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct McsChoice {
    pub cqi: u8,
    pub modulation: &'static str,
    /// Bits per resource element.
    pub spectral_efficiency: f64,
}

impl McsChoice {
    fn at(sinr_db: f64) -> Option<McsChoice> {
        link_adaptation(sinr_db).map(|m: &Mcs| McsChoice {
            cqi: m.cqi,
            modulation: m.modulation,
            spectral_efficiency: m.efficiency,
        })
    }
}

/// A figure under line of sight and without (`None` where the channel has
/// no NLOS state: InF-HH).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LosNlos<T> {
    pub los: T,
    pub nlos: Option<T>,
}

/// The CQI choice under LOS, NLOS and at the LOS-weighted mean path loss,
/// and in the chosen state (`None`: out of coverage, or no NLOS state).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct McsByState {
    pub los: Option<McsChoice>,
    pub nlos: Option<McsChoice>,
    pub mean: Option<McsChoice>,
    /// At `sinr_db`, the SINR of the chosen state.
    pub selected: Option<McsChoice>,
}

/// One interfering gNB of the link budget, in the chosen state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InterfererReport {
    pub distance_m: f64,
    pub path_loss_db: f64,
    /// Its power received at the UE, before the load weighs it.
    pub received_dbm: f64,
}

/// The link budget of an InF channel at a distance (TR 38.901 §7.4).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkReport {
    pub channel: &'static str,
    pub distance_m: f64,
    pub d3d_m: f64,
    pub carrier_ghz: f64,
    pub bandwidth_mhz: u32,
    pub tx_power_dbm: f64,
    pub noise_dbm: f64,
    pub p_los: f64,
    pub path_loss_db: LosNlos<f64>,
    pub shadow_sigma_db: LosNlos<f64>,
    /// The state every link takes for `snr_db`, `sinr_db` and
    /// `interference_dbm`.
    pub state: LinkState,
    /// `S − N` in the chosen state (dB).
    pub snr_db: f64,
    /// `10·log10(S / (N + I)) − interference_margin_db` in the chosen state
    /// (no shadowing); with the default state, at the LOS-probability-weighted
    /// path loss.
    pub sinr_db: f64,
    /// The load-weighted interference in the chosen state (dBm); `None`
    /// (JSON `null`) when none, i.e. −∞ dBm.
    pub interference_dbm: Option<f64>,
    /// The SINR with every link under LOS, under NLOS, and at its
    /// LOS-weighted mean path loss.
    pub sinr_los_db: f64,
    pub sinr_nlos_db: Option<f64>,
    pub sinr_mixed_db: f64,
    /// The load of the interferers (absent without interferers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interferer_load: Option<f64>,
    /// The interfering gNBs (absent without).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interferers: Vec<InterfererReport>,
    pub mcs: McsByState,
}

/// Packets sent through the packet model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Simulated {
    pub packets: u64,
    pub delivered: u64,
    pub lost: u64,
    pub seed: u64,
    /// Mean latency of the delivered packets.
    pub mean_ms: f64,
    /// Student-t 95% interval of the mean; `None` with fewer than two
    /// delivered packets.
    pub ci95_ms: Option<[f64; 2]>,
    /// Quantiles of the delivered packets' latency (from a histogram,
    /// within 0.4%); `None` below the packets a quantile needs (10 beyond
    /// it: 20 for p50, 1,000 for p99, 10,000 for p99.9).
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub p999_ms: Option<f64>,
    /// The frame-exact analytic mean the simulated one estimates.
    pub analytic_mean_ms: f64,
}

/// What the calculator found: the step model's figures (TR 37.910
/// convention and frame-exact), and the link budget and the simulated
/// packets when asked for.
#[derive(Clone, Debug, Serialize)]
pub struct Calculation {
    pub config: ConfigUsed,
    #[serde(flatten)]
    pub step: StepLatency,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<LinkReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulated: Option<Simulated>,
}

/// A request's one problem: the field (named as the configuration key it
/// sets) and why.
fn bad(key: &'static str, message: impl Into<String>) -> ConfigErrors {
    ConfigErrors(vec![ConfigError {
        key,
        message: message.into(),
    }])
}

/// The link configuration a request describes.
pub fn config(request: &Request) -> Result<NrConfig, ConfigErrors> {
    let special = SpecialSplit::parse(&request.special_split).map_err(|m| bad("special_split", m))?;
    let duplex = Duplex::parse(&request.duplex, special).map_err(|m| bad("duplex", m))?;
    let ul_access = match request.ul_access {
        Access::ConfiguredGrant => UlAccess::ConfiguredGrant,
        Access::GrantBased => UlAccess::GrantBased {
            sr_period: SrPeriod::parse(&request.sr_period).map_err(|m| bad("sr_period", m))?,
        },
    };
    let channel = match &request.channel {
        Some(c) => InfScenario::parse(c).map_err(|m| bad("channel", m))?,
        None => InfScenario::Dh,
    };
    let d = NrConfig::default();
    Ok(NrConfig {
        scs_khz: request.scs_khz,
        symbols: request.symbols,
        duplex,
        ul_access,
        capability: request.capability,
        harq_max_retx: request.harq_max_retx,
        bler: request.bler,
        bandwidth_mhz: request
            .bandwidth_mhz
            .unwrap_or(if request.scs_khz == 15 { 50 } else { 100 }),
        carrier_ghz: request
            .carrier_ghz
            .unwrap_or(if request.scs_khz == 120 { 28.0 } else { 3.5 }),
        channel,
        tx_power_dbm: request.tx_power_dbm.unwrap_or(d.tx_power_dbm),
        noise_figure_db: request.noise_figure_db.unwrap_or(d.noise_figure_db),
        interference_margin_db: request.interference_margin_db.unwrap_or(d.interference_margin_db),
        scheduler: d.scheduler,
        ..d
    })
}

/// Span of the simulated arrival times: long against any pattern period, so
/// independent uniform arrivals make independent latencies.
const SIMULATION_SPAN_NS: u64 = 1_000_000_000_000;

/// `packets` packets at independent uniform arrival times through the
/// packet model.
fn simulate(nr: &Nr, dir: Direction, bits: u64, packets: u64, seed: u64, analytic_mean_ms: f64) -> Simulated {
    let streams = RngStreams::new(seed, 0);
    let mut arrivals = streams.stream("latency/arrivals");
    let mut link = streams.stream("latency/link");
    let bler = nr.config().bler;
    let mut tally = Tally::default();
    let mut hist = Histogram::default();
    let mut lost = 0;
    for _ in 0..packets {
        let sent = SimTime::from_nanos(arrivals.random_range(0..SIMULATION_SPAN_NS));
        let d = nr.transmit(dir, sent, bits, bler, &mut link);
        if d.is_lost() {
            lost += 1;
        } else {
            let ms = d.latency_ms();
            tally.add(ms);
            hist.add((ms * 1e6).round() as u64);
        }
    }
    let quantile = |p: f64| {
        (tally.count() >= samples_needed(p))
            .then(|| hist.quantile(p).map(|ns| ns * 1e-6))
            .flatten()
    };
    let ci95_ms = (tally.count() >= 2).then(|| {
        let half = t_975(tally.count() - 1) * (tally.variance() / tally.count() as f64).sqrt();
        [tally.mean() - half, tally.mean() + half]
    });
    Simulated {
        packets,
        delivered: tally.count(),
        lost,
        seed,
        mean_ms: tally.mean(),
        ci95_ms,
        p50_ms: quantile(0.5),
        p99_ms: quantile(0.99),
        p999_ms: quantile(0.999),
        analytic_mean_ms,
    }
}

/// The path loss (dB) of a link at horizontal distance `d2d` in `state`;
/// a channel without NLOS state (InF-HH) takes its LOS law under `Nlos`
/// (the request is refused before that happens).
fn path_loss_in(ch: &Channel, d2d: f64, state: LinkState) -> f64 {
    let d3 = ch.d3d(d2d);
    let los = ch.path_loss_los(d3);
    let nlos = ch.path_loss_nlos(d3).unwrap_or(los);
    match state {
        LinkState::Los => los,
        LinkState::Nlos => nlos,
        LinkState::Mixed => {
            let p = ch.p_los(d2d);
            p * los + (1.0 - p) * nlos
        }
    }
}

/// The SNR, SINR and interference of one state.
struct StateFigures {
    snr_db: f64,
    sinr_db: f64,
    interference_dbm: Option<f64>,
}

/// Signal `budget.tx_power_dbm − serving_loss_db` against `noise` and every
/// interferer's `budget.tx_power_dbm − loss` weighted by `load`, less the
/// interference margin.
fn against_interference(
    budget: &LinkBudget,
    noise: f64,
    serving_loss_db: f64,
    interferer_losses_db: &[f64],
    load: f64,
) -> StateFigures {
    let parts = sinr(
        budget.tx_power_dbm - serving_loss_db,
        noise,
        interferer_losses_db
            .iter()
            .map(|loss| (budget.tx_power_dbm - loss, load)),
    );
    let interfered = parts.interference_dbm > f64::NEG_INFINITY;
    // Without interference S/(N + 0) is S − N exactly; going through
    // milliwatts would move it by a rounding error.
    let sinr_db = if interfered { parts.sinr_db } else { parts.snr_db };
    StateFigures {
        snr_db: parts.snr_db,
        sinr_db: sinr_db - budget.interference_margin_db,
        interference_dbm: interfered.then_some(parts.interference_dbm),
    }
}

/// The link budget of `nr`'s channel at `distance_m`, with the
/// interferers and state of `request`.
fn link_budget(nr: &Nr, distance_m: f64, request: &Request) -> LinkReport {
    let ch = nr.channel();
    let budget = nr.link_budget();
    let cfg = nr.config();
    let state = request.state.unwrap_or(LinkState::Mixed);
    let load = request.interferer_load.unwrap_or(1.0);
    let noise = noise_dbm(budget.bandwidth_mhz, budget.noise_figure_db);
    let d3 = ch.d3d(distance_m);
    let p_los = ch.p_los(distance_m);
    let pl_los = ch.path_loss_los(d3);
    let pl_nlos = ch.path_loss_nlos(d3);
    let in_state = |s: LinkState| {
        let losses: Vec<f64> = request
            .interferer_distances_m
            .iter()
            .map(|&d| path_loss_in(&ch, d, s))
            .collect();
        against_interference(&budget, noise, path_loss_in(&ch, distance_m, s), &losses, load)
    };
    let los = in_state(LinkState::Los);
    let nlos = pl_nlos.map(|_| in_state(LinkState::Nlos));
    let mixed = in_state(LinkState::Mixed);
    let chosen = match state {
        LinkState::Los => &los,
        LinkState::Nlos => nlos.as_ref().unwrap_or(&los),
        LinkState::Mixed => &mixed,
    };
    let interferers = request
        .interferer_distances_m
        .iter()
        .map(|&d| {
            let loss = path_loss_in(&ch, d, state);
            InterfererReport {
                distance_m: d,
                path_loss_db: loss,
                received_dbm: budget.tx_power_dbm - loss,
            }
        })
        .collect::<Vec<_>>();
    LinkReport {
        channel: ch.scenario.name(),
        distance_m,
        d3d_m: d3,
        carrier_ghz: cfg.carrier_ghz,
        bandwidth_mhz: cfg.bandwidth_mhz,
        tx_power_dbm: cfg.tx_power_dbm,
        noise_dbm: noise,
        p_los,
        path_loss_db: LosNlos {
            los: pl_los,
            nlos: pl_nlos,
        },
        shadow_sigma_db: LosNlos {
            los: ch.shadow_sigma_db(true),
            nlos: pl_nlos.map(|_| ch.shadow_sigma_db(false)),
        },
        state,
        snr_db: chosen.snr_db,
        sinr_db: chosen.sinr_db,
        interference_dbm: chosen.interference_dbm,
        sinr_los_db: los.sinr_db,
        sinr_nlos_db: nlos.as_ref().map(|f| f.sinr_db),
        sinr_mixed_db: mixed.sinr_db,
        interferer_load: (!interferers.is_empty()).then_some(load),
        mcs: McsByState {
            los: McsChoice::at(los.sinr_db),
            nlos: nlos.as_ref().and_then(|f| McsChoice::at(f.sinr_db)),
            mean: McsChoice::at(mixed.sinr_db),
            selected: McsChoice::at(chosen.sinr_db),
        },
        interferers,
    }
}

/// The problems of the link-budget options of `request` on `channel`.
fn link_errors(request: &Request, channel: InfScenario) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    let mut push = |key: &'static str, message: String| errors.push(ConfigError { key, message });
    let needs_distance = "needs --distance (the horizontal distance to the serving gNB in metres)";
    match request.distance_m {
        Some(d2d) if !(d2d.is_finite() && d2d >= 0.0) => push(
            "distance_m",
            format!("{d2d} m is not a distance; give metres, 0 or more"),
        ),
        Some(_) => {}
        None => {
            if request.channel.is_some() {
                push(
                    "channel",
                    "a link budget needs --distance (the horizontal distance to the gNB in metres)".into(),
                );
            }
            if !request.interferer_distances_m.is_empty() {
                push("interferer_distance_m", format!("an interferer {needs_distance}"));
            }
            if request.interferer_load.is_some() {
                push("interferer_load", format!("an interferer load {needs_distance}"));
            }
            if request.state.is_some() {
                push("state", format!("a link state {needs_distance}"));
            }
        }
    }
    for &d in &request.interferer_distances_m {
        if !(d.is_finite() && d > 0.0) {
            push(
                "interferer_distance_m",
                format!("{d} m is not a distance to an interfering gNB; give metres, more than 0"),
            );
        }
    }
    if let Some(load) = request.interferer_load {
        if !(0.0..=1.0).contains(&load) {
            push(
                "interferer_load",
                format!("{load} is not a load; give the share of resource blocks in use, 0 to 1"),
            );
        }
    }
    if request.state == Some(LinkState::Nlos) && channel == InfScenario::Hh {
        push("state", "InF-HH is line of sight only; give los or mixed".into());
    }
    errors
}

/// Calculates what `request` asks for.
pub fn calculate(request: &Request) -> Result<Calculation, ConfigErrors> {
    let nr = Nr::new(config(request)?)?;
    let dir = request.direction;
    let errors = link_errors(request, nr.config().channel);
    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    let bits = u64::from(request.size_bytes) * 8;
    let step = nr.step_for_packet(dir, nr.config().bler, bits);
    let cfg = nr.config();
    let link = request.distance_m.map(|d2d| link_budget(&nr, d2d, request));
    let simulated = request
        .simulate
        .map(|packets| simulate(&nr, dir, bits, packets, request.seed, step.frame_exact.mean_ms));
    Ok(Calculation {
        config: ConfigUsed {
            scs_khz: cfg.scs_khz,
            symbols: cfg.symbols,
            duplex: cfg.duplex.pattern_name(),
            special_split: match &cfg.duplex {
                Duplex::Fdd => None,
                Duplex::Tdd { special, .. } => Some(special.to_string()),
            },
            direction: dir,
            ul_access: request.ul_access,
            sr_period_symbols: nr.sr_period_symbols(),
            capability: cfg.capability,
            n1_symbols: nr.n1(),
            n2_symbols: nr.n2(),
            symbol_us: nr.symbol_ms() * 1e3,
            slot_ms: 1.0 / f64::from(1u32 << nr.mu()),
            slot_modelled_ms: nr.slot_ms(),
            bler: cfg.bler,
            harq_max_retx: cfg.harq_max_retx,
            size_bytes: request.size_bytes,
            bsr: nr.grant_based(dir) && !super::fits_first_grant(bits),
        },
        step,
        link,
        simulated,
    })
}
