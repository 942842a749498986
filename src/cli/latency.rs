//! `factory5g latency`: the options of the 5G latency calculator, and its
//! [`Calculation`] printed as text or as JSON (keys in alphabetical order).

use super::{out, Failure};
use crate::net::calculator::{
    calculate, Access, Calculation, LinkReport, LinkState, McsChoice, Request, DEFAULT_SIZE_BYTES,
};
use crate::net::{ConfigErrors, Direction};
use clap::{Args, ValueEnum};

/// Direction of the calculated link.
#[derive(ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DirectionArg {
    /// Downlink, gNB to UE.
    Dl,
    /// Uplink, UE to gNB.
    Ul,
}

/// Uplink access.
#[derive(ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UlAccessArg {
    /// Grant-free: the UE sends at its next uplink opportunity.
    ConfiguredGrant,
    /// Scheduling request, grant, then PUSCH.
    GrantBased,
}

/// The state every link of the link budget takes.
#[derive(ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum StateArg {
    /// Line of sight, serving and interfering links alike.
    Los,
    /// Non line of sight (not InF-HH).
    Nlos,
    /// The LOS-probability-weighted mean path loss (the default).
    Mixed,
}

/// Options of `factory5g latency`.
#[derive(Args, Debug, Clone)]
pub struct LatencyArgs {
    /// Subcarrier spacing, kHz: 15, 30, 60 or 120.
    #[arg(long, value_name = "KHZ", default_value_t = 30)]
    scs: u32,
    /// Transmission length in symbols: 14 (a slot) or a mini-slot of 7, 4 or 2.
    #[arg(long, default_value_t = 14)]
    symbols: u32,
    /// UE processing capability (TS 38.214 N1/N2): 1 or 2.
    #[arg(long, default_value_t = 1)]
    capability: u8,
    /// fdd, or a TDD pattern of D, S and U slots such as DDDSU or DDDDDDDSUU.
    #[arg(long, default_value = "fdd")]
    duplex: String,
    /// TDD special slot, downlink:guard:uplink symbols.
    #[arg(long, value_name = "DL:GUARD:UL", default_value = "10:2:2")]
    special_split: String,
    /// Link direction.
    #[arg(long, value_enum, default_value_t = DirectionArg::Dl)]
    direction: DirectionArg,
    /// Uplink access.
    #[arg(long, value_enum, default_value_t = UlAccessArg::ConfiguredGrant)]
    ul_access: UlAccessArg,
    /// SR periodicity (grant-based): 2sym, 7sym, a number of slots (1slot, 4slots) or a duration (1ms).
    #[arg(long, default_value = "1slot")]
    sr_period: String,
    /// Block error rate of each transmission, 0 to below 1.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    bler: f64,
    /// Retransmissions before a packet is lost.
    #[arg(long, default_value_t = 3)]
    harq_max_retx: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Link budget: InF-SL, InF-DL, InF-SH, InF-DH or InF-HH (default InF-DH; needs --distance).
    #[arg(long)]
    channel: Option<String>,
    /// Link budget: horizontal distance UE-gNB in metres.
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    distance: Option<f64>,
    /// Carrier frequency, GHz (default 3.5; 28 at 120 kHz).
    #[arg(long, allow_negative_numbers = true)]
    carrier_ghz: Option<f64>,
    /// Transmit power, dBm (default 24).
    #[arg(long, allow_negative_numbers = true)]
    tx_power_dbm: Option<f64>,
    /// Channel bandwidth, MHz (default 50 at 15 kHz, else 100).
    #[arg(long)]
    bandwidth_mhz: Option<u32>,
    /// Receiver noise figure, dB (default 9).
    #[arg(long, allow_negative_numbers = true)]
    noise_figure_db: Option<f64>,
    /// Interference margin subtracted from the SINR, dB (default 0).
    #[arg(long, allow_negative_numbers = true)]
    interference_margin_db: Option<f64>,
    /// Link budget: path loss of every link, los, nlos or mixed (default mixed, the LOS-probability-weighted mean).
    #[arg(long, value_enum)]
    state: Option<StateArg>,
    /// Link budget: horizontal distance to an interfering gNB in metres (repeat for each).
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    interferer_distance: Vec<f64>,
    /// Link budget: load of the interfering gNBs, 0 to 1 (default 1).
    #[arg(long, value_name = "L", allow_negative_numbers = true)]
    interferer_load: Option<f64>,
    /// Send N packets through the packet model and compare its mean.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    simulate: Option<u64>,
    /// Seed of the simulated packets.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Packet size in bytes (grant-based uplink reports its buffer first when it exceeds the SR's grant).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_SIZE_BYTES)]
    size: u32,
}

impl LatencyArgs {
    fn request(&self) -> Request {
        Request {
            scs_khz: self.scs,
            symbols: self.symbols,
            capability: self.capability,
            duplex: self.duplex.clone(),
            special_split: self.special_split.clone(),
            direction: match self.direction {
                DirectionArg::Dl => Direction::Dl,
                DirectionArg::Ul => Direction::Ul,
            },
            ul_access: match self.ul_access {
                UlAccessArg::ConfiguredGrant => Access::ConfiguredGrant,
                UlAccessArg::GrantBased => Access::GrantBased,
            },
            sr_period: self.sr_period.clone(),
            bler: self.bler,
            harq_max_retx: self.harq_max_retx,
            channel: self.channel.clone(),
            distance_m: self.distance,
            carrier_ghz: self.carrier_ghz,
            tx_power_dbm: self.tx_power_dbm,
            bandwidth_mhz: self.bandwidth_mhz,
            noise_figure_db: self.noise_figure_db,
            interference_margin_db: self.interference_margin_db,
            state: self.state.map(|s| match s {
                StateArg::Los => LinkState::Los,
                StateArg::Nlos => LinkState::Nlos,
                StateArg::Mixed => LinkState::Mixed,
            }),
            interferer_distances_m: self.interferer_distance.clone(),
            interferer_load: self.interferer_load,
            simulate: self.simulate,
            size_bytes: self.size,
            seed: self.seed,
        }
    }
}

/// The option that sets a request field or configuration key.
fn flag(field: &str) -> &str {
    match field {
        "scs_khz" => "--scs",
        "symbols" => "--symbols",
        "duplex" => "--duplex",
        "special_split" => "--special-split",
        "sr_period" => "--sr-period",
        "capability" => "--capability",
        "harq_max_retx" => "--harq-max-retx",
        "bler" => "--bler",
        "bandwidth_mhz" => "--bandwidth-mhz",
        "carrier_ghz" => "--carrier-ghz",
        "tx_power_dbm" => "--tx-power-dbm",
        "noise_figure_db" => "--noise-figure-db",
        "interference_margin_db" => "--interference-margin-db",
        "channel" => "--channel",
        "distance_m" => "--distance",
        "state" => "--state",
        "interferer_distance_m" => "--interferer-distance",
        "interferer_load" => "--interferer-load",
        other => other,
    }
}

/// The problems of a request, each under the option to change.
fn usage(errors: &ConfigErrors) -> Failure {
    let problems: Vec<String> = errors
        .0
        .iter()
        .map(|e| format!("{}: {}", flag(e.key), e.message))
        .collect();
    Failure::Usage(problems.join("; "))
}

pub fn latency(args: &LatencyArgs) -> Result<(), Failure> {
    let calculation = calculate(&args.request()).map_err(|e| usage(&e))?;
    if args.json {
        // Through a `Value`, whose maps keep their keys sorted.
        let json = serde_json::to_value(&calculation)
            .and_then(|v| serde_json::to_string_pretty(&v))
            .map_err(|e| Failure::Io(format!("cannot write JSON: {e}")))?;
        out(&format!("{json}\n"));
    } else {
        out(&text(&calculation));
    }
    Ok(())
}

/// A number as JSON writes it (`35.0`, not `35`): how the text shows the
/// values given on the command line.
fn json_number(x: f64) -> String {
    serde_json::to_string(&x).unwrap_or_else(|_| x.to_string())
}

/// `CQI 12, 3.9023 bit/RE`, or out of coverage.
fn cqi(m: &Option<McsChoice>) -> String {
    match m {
        Some(m) => format!("CQI {}, {} bit/RE", m.cqi, m.spectral_efficiency),
        None => "out of coverage".to_string(),
    }
}

/// The interferers and the figures of the chosen state, as text.
fn chosen_state(link: &LinkReport) -> Vec<String> {
    let mut lines = Vec::new();
    if !link.interferers.is_empty() {
        let at: Vec<String> = link
            .interferers
            .iter()
            .map(|i| format!("{} m, {:.1} dBm", json_number(i.distance_m), i.received_dbm))
            .collect();
        lines.push(format!(
            "    interfering gNBs ({}, load {}; distance, power received): {}",
            link.state.name(),
            json_number(link.interferer_load.unwrap_or(1.0)),
            at.join("; ")
        ));
    }
    let interference = match link.interference_dbm {
        Some(i) => format!("interference {i:.1} dBm"),
        None => "no interference".to_string(),
    };
    lines.push(format!(
        "    state {}: SNR {:.1} dB, {interference}, SINR {:.1} dB, {}",
        link.state.name(),
        link.snr_db,
        link.sinr_db,
        cqi(&link.mcs.selected)
    ));
    lines
}

/// The calculation as text.
fn text(calculation: &Calculation) -> String {
    let config = &calculation.config;
    let mut lines: Vec<String> = Vec::new();
    let duplex = match &config.special_split {
        None => "FDD".to_string(),
        Some(special) => format!("TDD {} (special slot {special})", config.duplex),
    };
    let dir = match (config.direction, config.ul_access) {
        (Direction::Dl, _) => "downlink".to_string(),
        (Direction::Ul, Access::GrantBased) => format!(
            "uplink, grant-based (SR every {} symbols; {} B packet{})",
            config.sr_period_symbols.unwrap_or(0),
            config.size_bytes,
            if config.bsr {
                ", larger than the SR's grant: BSR then data grant"
            } else {
                " in the SR's grant"
            }
        ),
        (Direction::Ul, Access::ConfiguredGrant) => "uplink, configured grant".to_string(),
    };
    lines.push("5G NR user-plane latency, TR 37.910 step model".to_string());
    lines.push(format!(
        "  {} kHz SCS (slot {} ms; modelled as 14 symbols of {:.2} us = {:.4} ms, without the longer cyclic prefix), {}-symbol {}, {duplex}",
        config.scs_khz,
        json_number(config.slot_ms),
        config.symbol_us,
        config.slot_modelled_ms,
        config.symbols,
        if config.symbols == 14 { "slot" } else { "mini-slot" }
    ));
    lines.push(format!(
        "  {dir}, UE capability {} (N1 {} and N2 {} symbols), BLER {}, up to {} HARQ retransmissions",
        config.capability, config.n1_symbols, config.n2_symbols, config.bler, config.harq_max_retx
    ));
    lines.push(String::new());
    lines.push(format!(
        "  one-shot latency L0               {:>9.3} ms",
        calculation.step.one_shot_ms
    ));
    lines.push(format!(
        "  HARQ round trip T_HARQ           {:>9.3} ms",
        calculation.step.harq_rtt_ms
    ));
    let convention = if config.harq_max_retx == 0 {
        "  mean, L0 (no retransmission)    "
    } else {
        "  mean, L0 + p*T_HARQ             "
    };
    lines.push(format!(
        "{convention} {:>9.3} ms   (TR 37.910 convention, p = {})",
        calculation.step.mean_ms, config.bler
    ));
    lines.push(format!(
        "  mean, L0 + T_HARQ*(p+...+p^k)    {:>9.3} ms   (k = {}; residual loss p^(k+1) = {:.3e})",
        calculation.step.mean_with_retx_ms, config.harq_max_retx, calculation.step.residual_loss
    ));
    lines.push(format!(
        "  frame-exact mean, delivered      {:>9.3} ms   (each round trip timed on the frame: {:.3} ms)",
        calculation.step.frame_exact.mean_ms, calculation.step.frame_exact.harq_rtt_ms
    ));
    let comp = &calculation.step.components_ms;
    lines.push(format!(
        "  components of the TR 37.910 mean (ms): processing {:.3}, alignment {:.3}, transmission {:.3}, harq {:.3}, queueing {:.3}, core {:.3}",
        comp.processing, comp.alignment, comp.transmission, comp.harq, comp.queueing, comp.core
    ));
    if let Some(link) = &calculation.link {
        lines.push(String::new());
        lines.push(format!(
            "  link budget {} at {} m ({} GHz, {} MHz, {} dBm, noise {:.1} dBm)",
            link.channel,
            json_number(link.distance_m),
            json_number(link.carrier_ghz),
            link.bandwidth_mhz,
            json_number(link.tx_power_dbm),
            link.noise_dbm
        ));
        let p_los = if link.p_los == 0.0 || link.p_los >= 1e-3 {
            format!("{:.4}", link.p_los)
        } else {
            format!("{:.2e}", link.p_los)
        };
        lines.push(format!("    P(LOS) {p_los}"));
        lines.push(format!(
            "    LOS:  path loss {:.1} dB, SINR {:.1} dB, {}",
            link.path_loss_db.los,
            link.sinr_los_db,
            cqi(&link.mcs.los)
        ));
        match (link.path_loss_db.nlos, link.sinr_nlos_db) {
            (Some(loss), Some(sinr)) => lines.push(format!(
                "    NLOS: path loss {loss:.1} dB, SINR {sinr:.1} dB, {}",
                cqi(&link.mcs.nlos)
            )),
            _ => lines.push("    NLOS: none (InF-HH is line of sight only)".to_string()),
        }
        lines.push(format!(
            "    SINR at the LOS-weighted mean path loss {:.1} dB, {}",
            link.sinr_mixed_db,
            cqi(&link.mcs.mean)
        ));
        lines.extend(chosen_state(link));
    }
    if let Some(sim) = &calculation.simulated {
        lines.push(String::new());
        let ci = match sim.ci95_ms {
            Some([lo, hi]) => format!("95% CI [{lo:.4}, {hi:.4}] ms"),
            None => "no interval with one packet".to_string(),
        };
        lines.push(format!(
            "  simulated {} packets (seed {}): mean {:.4} ms, {ci}; frame-exact analytic {:.4} ms; lost {}",
            sim.packets, sim.seed, sim.mean_ms, sim.analytic_mean_ms, sim.lost
        ));
        let quantile = |name: &str, p: f64, value: Option<f64>| match value {
            Some(v) => format!("{name} {v:.4} ms"),
            None => format!("{name} - (needs {} packets)", crate::stats::samples_needed(p)),
        };
        lines.push(format!(
            "  latency of the delivered packets: {}, {}, {}",
            quantile("p50", 0.5, sim.p50_ms),
            quantile("p99", 0.99, sim.p99_ms),
            quantile("p99.9", 0.999, sim.p999_ms)
        ));
    }
    let mut s = lines.join("\n");
    s.push('\n');
    s
}
