//! `factory5g latency`: the 5G user-plane latency calculator (DESIGN
//! section 5). It prints the step model of [`Nr::step`] for one
//! configuration, optionally the link budget of an InF channel at a
//! distance, and with `--simulate N` the mean of N packets sent through the
//! packet model ([`Nr::transmit`]) at independent uniform arrival times.
//!
//! Defaults: 30 kHz, 14 symbols, capability 1, FDD (special slot 10:2:2
//! under TDD), downlink, configured grant, SR period 1 slot (grant-based),
//! BLER 0, up to 3 HARQ retransmissions (4 transmissions), seed 1; link
//! budget: InF-DH, 3.5 GHz (28 GHz at 120 kHz), 24 dBm, noise figure 9 dB,
//! the largest common bandwidth of the SCS (50 MHz at 15 kHz, else 100 MHz).
//!
//! ```
//! use clap::Parser;
//! use factory5g::net::calculator::{report, LatencyArgs};
//! #[derive(Parser)]
//! struct Cli { #[command(flatten)] args: LatencyArgs }
//! let cli = Cli::parse_from(["latency", "--scs", "15", "--bler", "0.1"]);
//! let json = report(&cli.args).unwrap();
//! assert!((json["one_shot_ms"].as_f64().unwrap() - 2.141).abs() < 0.001);
//! assert!((json["mean_ms"].as_f64().unwrap() - 2.569).abs() < 0.001);
//! ```

use super::channel::{link_adaptation, InfScenario};
use super::config::{ConfigErrors, Duplex, NrConfig, SpecialSplit, SrPeriod, UlAccess};
use super::{Components, Direction, Nr, StepLatency};
use crate::engine::RngStreams;
use crate::engine::SimTime;
use crate::stats::{t_975, Tally};
use rand::RngExt;
use serde_json::{json, Value};
use std::io::Write;

/// Direction of the calculated link.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum DirectionArg {
    /// Downlink, gNB to UE.
    Dl,
    /// Uplink, UE to gNB.
    Ul,
}

/// Uplink access.
#[derive(clap::ValueEnum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UlAccessArg {
    /// Grant-free: the UE sends at its next uplink opportunity.
    ConfiguredGrant,
    /// Scheduling request, grant, then PUSCH.
    GrantBased,
}

/// Options of `factory5g latency`.
#[derive(clap::Args, Debug, Clone)]
pub struct LatencyArgs {
    /// Subcarrier spacing, kHz: 15, 30, 60 or 120.
    #[arg(long, value_name = "KHZ", default_value_t = 30)]
    pub scs: u32,
    /// Transmission length in symbols: 14 (a slot) or a mini-slot of 7, 4 or 2.
    #[arg(long, default_value_t = 14)]
    pub symbols: u32,
    /// UE processing capability (TS 38.214 N1/N2): 1 or 2.
    #[arg(long, default_value_t = 1)]
    pub capability: u8,
    /// fdd, or a TDD pattern of D, S and U slots such as DDDSU or DDDDDDDSUU.
    #[arg(long, default_value = "fdd")]
    pub duplex: String,
    /// TDD special slot, downlink:guard:uplink symbols.
    #[arg(long, value_name = "DL:GUARD:UL", default_value = "10:2:2")]
    pub special_split: String,
    /// Link direction.
    #[arg(long, value_enum, default_value_t = DirectionArg::Dl)]
    pub direction: DirectionArg,
    /// Uplink access.
    #[arg(long, value_enum, default_value_t = UlAccessArg::ConfiguredGrant)]
    pub ul_access: UlAccessArg,
    /// SR periodicity (grant-based): 2sym, 7sym, a number of slots (1slot, 4slots) or a duration (1ms).
    #[arg(long, default_value = "1slot")]
    pub sr_period: String,
    /// Block error rate of each transmission, 0 to below 1.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub bler: f64,
    /// Retransmissions before a packet is lost.
    #[arg(long, default_value_t = 3)]
    pub harq_max_retx: u32,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Link budget: InF-SL, InF-DL, InF-SH, InF-DH or InF-HH (default InF-DH; needs --distance).
    #[arg(long)]
    pub channel: Option<String>,
    /// Link budget: horizontal distance UE-gNB in metres.
    #[arg(long, value_name = "M", allow_negative_numbers = true)]
    pub distance: Option<f64>,
    /// Carrier frequency, GHz (default 3.5; 28 at 120 kHz).
    #[arg(long, allow_negative_numbers = true)]
    pub carrier_ghz: Option<f64>,
    /// Transmit power, dBm (default 24).
    #[arg(long, allow_negative_numbers = true)]
    pub tx_power_dbm: Option<f64>,
    /// Channel bandwidth, MHz (default 50 at 15 kHz, else 100).
    #[arg(long)]
    pub bandwidth_mhz: Option<u32>,
    /// Receiver noise figure, dB (default 9).
    #[arg(long, allow_negative_numbers = true)]
    pub noise_figure_db: Option<f64>,
    /// Interference margin subtracted from the SINR, dB (default 0).
    #[arg(long, allow_negative_numbers = true)]
    pub interference_margin_db: Option<f64>,
    /// Send N packets through the packet model and compare its mean.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub simulate: Option<u64>,
    /// Seed of the simulated packets.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The option that sets a configuration key.
fn flag(key: &str) -> &str {
    match key {
        "scs_khz" => "--scs",
        "symbols" => "--symbols",
        "duplex" => "--duplex",
        "sr_period" => "--sr-period",
        "capability" => "--capability",
        "harq_max_retx" => "--harq-max-retx",
        "bler" => "--bler",
        "bandwidth_mhz" => "--bandwidth-mhz",
        "carrier_ghz" => "--carrier-ghz",
        "tx_power_dbm" => "--tx-power-dbm",
        "noise_figure_db" => "--noise-figure-db",
        "interference_margin_db" => "--interference-margin-db",
        other => other,
    }
}

fn usage(errors: ConfigErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| format!("{}: {}", flag(e.key), e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The configuration the options describe.
pub fn config(args: &LatencyArgs) -> Result<NrConfig, String> {
    let special = SpecialSplit::parse(&args.special_split).map_err(|m| format!("--special-split: {m}"))?;
    let duplex = Duplex::parse(&args.duplex, special).map_err(|m| format!("--duplex: {m}"))?;
    let ul_access = match args.ul_access {
        UlAccessArg::ConfiguredGrant => UlAccess::ConfiguredGrant,
        UlAccessArg::GrantBased => UlAccess::GrantBased {
            sr_period: SrPeriod::parse(&args.sr_period).map_err(|m| format!("--sr-period: {m}"))?,
        },
    };
    let channel = match &args.channel {
        Some(c) => InfScenario::parse(c).map_err(|m| format!("--channel: {m}"))?,
        None => InfScenario::Dh,
    };
    let d = NrConfig::default();
    Ok(NrConfig {
        scs_khz: args.scs,
        symbols: args.symbols,
        duplex,
        ul_access,
        capability: args.capability,
        harq_max_retx: args.harq_max_retx,
        bler: args.bler,
        bandwidth_mhz: args
            .bandwidth_mhz
            .unwrap_or(if args.scs == 15 { 50 } else { 100 }),
        carrier_ghz: args
            .carrier_ghz
            .unwrap_or(if args.scs == 120 { 28.0 } else { 3.5 }),
        channel,
        tx_power_dbm: args.tx_power_dbm.unwrap_or(d.tx_power_dbm),
        noise_figure_db: args.noise_figure_db.unwrap_or(d.noise_figure_db),
        interference_margin_db: args.interference_margin_db.unwrap_or(d.interference_margin_db),
        scheduler: d.scheduler,
        ..d
    })
}

fn components_json(c: &Components) -> Value {
    json!({
        "processing": c.processing,
        "alignment": c.alignment,
        "transmission": c.transmission,
        "harq": c.harq,
        "queueing": c.queueing,
        "core": c.core,
    })
}

/// Span of the simulated arrival times: long against any pattern period, so
/// independent uniform arrivals make independent latencies.
const SIMULATION_SPAN_NS: u64 = 1_000_000_000_000;

/// The simulated mean: (packets, delivered, lost, mean ms, 95% interval).
fn simulate(nr: &Nr, dir: Direction, n: u64, seed: u64) -> (u64, u64, f64, Option<(f64, f64)>) {
    let streams = RngStreams::new(seed, 0);
    let mut arrivals = streams.stream("latency/arrivals");
    let mut link = streams.stream("latency/link");
    let bler = nr.config().bler;
    let mut tally = Tally::default();
    let mut lost = 0;
    for _ in 0..n {
        let sent = SimTime::from_nanos(arrivals.random_range(0..SIMULATION_SPAN_NS));
        let d = nr.transmit(dir, sent, bler, &mut link);
        if d.is_lost() {
            lost += 1;
        } else {
            tally.add(d.latency_ms());
        }
    }
    let ci = (tally.count() >= 2).then(|| {
        let half = t_975(tally.count() - 1) * (tally.variance() / tally.count() as f64).sqrt();
        (tally.mean() - half, tally.mean() + half)
    });
    (tally.count(), lost, tally.mean(), ci)
}

/// The calculator's result as JSON, or a one-line usage error.
pub fn report(args: &LatencyArgs) -> Result<Value, String> {
    let cfg = config(args)?;
    let nr = Nr::new(cfg).map_err(usage)?;
    let dir = match args.direction {
        DirectionArg::Dl => Direction::Dl,
        DirectionArg::Ul => Direction::Ul,
    };
    if args.channel.is_some() && args.distance.is_none() {
        return Err(
            "--channel: a link budget needs --distance (the horizontal distance to the gNB in metres)".into(),
        );
    }
    let step = nr.step(dir);
    let cfg = nr.config();
    let mut v = json!({
        "config": {
            "scs_khz": cfg.scs_khz,
            "symbols": cfg.symbols,
            "duplex": cfg.duplex.pattern_name(),
            "special_split": match &cfg.duplex {
                Duplex::Fdd => Value::Null,
                Duplex::Tdd { special, .. } => Value::String(special.to_string()),
            },
            "direction": dir.name(),
            "ul_access": match cfg.ul_access {
                UlAccess::ConfiguredGrant => "configured_grant",
                UlAccess::GrantBased { .. } => "grant_based",
            },
            "sr_period_symbols": nr.sr_period_symbols(),
            "capability": cfg.capability,
            "n1_symbols": nr.n1(),
            "n2_symbols": nr.n2(),
            "symbol_us": nr.symbol_ms() * 1e3,
            "slot_ms": nr.slot_ms(),
            "bler": cfg.bler,
            "harq_max_retx": cfg.harq_max_retx,
        },
        "one_shot_ms": step.one_shot_ms,
        "harq_rtt_ms": step.harq_rtt_ms,
        "mean_ms": step.mean_ms,
        "mean_with_retx_ms": step.mean_with_retx_ms,
        "residual_loss": step.residual_loss,
        "components_ms": components_json(&step.components_ms),
        "frame_exact": {
            "harq_rtt_ms": step.frame_exact.harq_rtt_ms,
            "mean_ms": step.frame_exact.mean_ms,
            "components_ms": components_json(&step.frame_exact.components_ms),
        },
    });
    if let Some(d2d) = args.distance {
        if !(d2d.is_finite() && d2d >= 0.0) {
            return Err(format!(
                "--distance: {d2d} m is not a distance; give metres, 0 or more"
            ));
        }
        let ch = nr.channel();
        let budget = nr.link_budget();
        let d3 = ch.d3d(d2d);
        let p_los = ch.p_los(d2d);
        let pl_los = ch.path_loss_los(d3);
        let pl_nlos = ch.path_loss_nlos(d3);
        let sinr_los = budget.sinr_db(pl_los);
        let sinr_nlos = pl_nlos.map(|pl| budget.sinr_db(pl));
        // The SINR at the LOS-probability-weighted path loss (no shadowing).
        let mean_pl = p_los * pl_los + (1.0 - p_los) * pl_nlos.unwrap_or(pl_los);
        let sinr = budget.sinr_db(mean_pl);
        let mcs = |s: f64| match link_adaptation(s) {
            Some(m) => {
                json!({ "cqi": m.cqi, "modulation": m.modulation, "spectral_efficiency": m.efficiency })
            }
            None => Value::Null,
        };
        v["link"] = json!({
            "channel": ch.scenario.name(),
            "distance_m": d2d,
            "d3d_m": d3,
            "carrier_ghz": cfg.carrier_ghz,
            "bandwidth_mhz": cfg.bandwidth_mhz,
            "tx_power_dbm": cfg.tx_power_dbm,
            "noise_dbm": budget.noise_dbm(),
            "p_los": p_los,
            "path_loss_db": { "los": pl_los, "nlos": pl_nlos },
            "shadow_sigma_db": { "los": ch.shadow_sigma_db(true), "nlos": pl_nlos.map(|_| ch.shadow_sigma_db(false)) },
            "sinr_db": sinr,
            "sinr_los_db": sinr_los,
            "sinr_nlos_db": sinr_nlos,
            "mcs": { "los": mcs(sinr_los), "nlos": sinr_nlos.map_or(Value::Null, mcs), "mean": mcs(sinr) },
        });
    }
    if let Some(n) = args.simulate {
        let (delivered, lost, mean, ci) = simulate(&nr, dir, n, args.seed);
        v["simulated"] = json!({
            "packets": n,
            "delivered": delivered,
            "lost": lost,
            "seed": args.seed,
            "mean_ms": mean,
            "ci95_ms": ci.map(|(lo, hi)| vec![lo, hi]),
            "analytic_mean_ms": step.frame_exact.mean_ms,
        });
    }
    Ok(v)
}

fn text(v: &Value, step_bler: f64) -> String {
    let c = &v["config"];
    let f = |x: &Value| x.as_f64().unwrap_or(f64::NAN);
    let mut s = String::new();
    let push = |s: &mut String, line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    let symbols = c["symbols"].as_u64().unwrap_or(0);
    let duplex = c["duplex"].as_str().unwrap_or("");
    let duplex = if duplex == "fdd" {
        "FDD".to_string()
    } else {
        format!(
            "TDD {duplex} (special slot {})",
            c["special_split"].as_str().unwrap_or("")
        )
    };
    let dir = if c["direction"] == "dl" {
        "downlink".to_string()
    } else if c["ul_access"] == "grant_based" {
        format!(
            "uplink, grant-based (SR every {} symbols)",
            c["sr_period_symbols"].as_u64().unwrap_or(0)
        )
    } else {
        "uplink, configured grant".to_string()
    };
    push(
        &mut s,
        "5G NR user-plane latency, TR 37.910 step model".to_string(),
    );
    push(
        &mut s,
        format!(
            "  {} kHz SCS (symbol {:.2} us, slot {:.4} ms), {}-symbol {}, {duplex}",
            c["scs_khz"],
            f(&c["symbol_us"]),
            f(&c["slot_ms"]),
            symbols,
            if symbols == 14 { "slot" } else { "mini-slot" }
        ),
    );
    push(
        &mut s,
        format!(
            "  {dir}, UE capability {} (N1 {} and N2 {} symbols), BLER {}, up to {} HARQ retransmissions",
            c["capability"],
            f(&c["n1_symbols"]),
            f(&c["n2_symbols"]),
            step_bler,
            c["harq_max_retx"]
        ),
    );
    s.push('\n');
    push(
        &mut s,
        format!(
            "  one-shot latency L0               {:>9.3} ms",
            f(&v["one_shot_ms"])
        ),
    );
    push(
        &mut s,
        format!(
            "  HARQ round trip T_HARQ           {:>9.3} ms",
            f(&v["harq_rtt_ms"])
        ),
    );
    push(
        &mut s,
        format!(
            "  mean, L0 + p*T_HARQ              {:>9.3} ms   (TR 37.910 convention, p = {step_bler})",
            f(&v["mean_ms"])
        ),
    );
    push(
        &mut s,
        format!(
            "  mean, L0 + T_HARQ*(p+...+p^k)    {:>9.3} ms   (k = {}; residual loss p^(k+1) = {:.3e})",
            f(&v["mean_with_retx_ms"]),
            c["harq_max_retx"],
            f(&v["residual_loss"])
        ),
    );
    push(
        &mut s,
        format!(
            "  frame-exact mean, delivered      {:>9.3} ms   (each round trip timed on the frame: {:.3} ms)",
            f(&v["frame_exact"]["mean_ms"]),
            f(&v["frame_exact"]["harq_rtt_ms"])
        ),
    );
    let comp = &v["components_ms"];
    push(
        &mut s,
        format!(
            "  components of the mean (ms): processing {:.3}, alignment {:.3}, transmission {:.3}, harq {:.3}, queueing {:.3}, core {:.3}",
            f(&comp["processing"]),
            f(&comp["alignment"]),
            f(&comp["transmission"]),
            f(&comp["harq"]),
            f(&comp["queueing"]),
            f(&comp["core"])
        ),
    );
    if let Some(link) = v.get("link") {
        s.push('\n');
        let cqi = |m: &Value| match m.get("cqi") {
            Some(q) => format!("CQI {q}, {} bit/RE", f(&m["spectral_efficiency"])),
            None => "out of coverage".to_string(),
        };
        push(
            &mut s,
            format!(
                "  link budget {} at {} m ({} GHz, {} MHz, {} dBm, noise {:.1} dBm)",
                link["channel"].as_str().unwrap_or(""),
                link["distance_m"],
                link["carrier_ghz"],
                link["bandwidth_mhz"],
                link["tx_power_dbm"],
                f(&link["noise_dbm"])
            ),
        );
        let p_los = f(&link["p_los"]);
        let p_los = if p_los == 0.0 || p_los >= 1e-3 {
            format!("{p_los:.4}")
        } else {
            format!("{p_los:.2e}")
        };
        push(&mut s, format!("    P(LOS) {p_los}"));
        push(
            &mut s,
            format!(
                "    LOS:  path loss {:.1} dB, SINR {:.1} dB, {}",
                f(&link["path_loss_db"]["los"]),
                f(&link["sinr_los_db"]),
                cqi(&link["mcs"]["los"])
            ),
        );
        if link["path_loss_db"]["nlos"].is_null() {
            push(
                &mut s,
                "    NLOS: none (InF-HH is line of sight only)".to_string(),
            );
        } else {
            push(
                &mut s,
                format!(
                    "    NLOS: path loss {:.1} dB, SINR {:.1} dB, {}",
                    f(&link["path_loss_db"]["nlos"]),
                    f(&link["sinr_nlos_db"]),
                    cqi(&link["mcs"]["nlos"])
                ),
            );
        }
        push(
            &mut s,
            format!(
                "    SINR at the LOS-weighted mean path loss {:.1} dB, {}",
                f(&link["sinr_db"]),
                cqi(&link["mcs"]["mean"])
            ),
        );
    }
    if let Some(sim) = v.get("simulated") {
        s.push('\n');
        let ci = match sim["ci95_ms"].as_array() {
            Some(a) if a.len() == 2 => format!("95% CI [{:.4}, {:.4}] ms", f(&a[0]), f(&a[1])),
            _ => "no interval with one packet".to_string(),
        };
        push(
            &mut s,
            format!(
                "  simulated {} packets (seed {}): mean {:.4} ms, {ci}; frame-exact analytic {:.4} ms; lost {}",
                sim["packets"],
                sim["seed"],
                f(&sim["mean_ms"]),
                f(&sim["analytic_mean_ms"]),
                sim["lost"]
            ),
        );
    }
    s
}

/// Runs `factory5g latency`; returns the exit code (0, or 2 on bad options).
pub fn run(args: LatencyArgs) -> i32 {
    let v = match report(&args) {
        Ok(v) => v,
        Err(m) => {
            eprintln!("error: {m}");
            return 2;
        }
    };
    let out = if args.json {
        match serde_json::to_string_pretty(&v) {
            Ok(j) => j + "\n",
            Err(e) => {
                eprintln!("error: cannot write JSON: {e}");
                return 1;
            }
        }
    } else {
        text(&v, args.bler)
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    0
}

/// The step model of the options (for callers that want the struct).
pub fn step(args: &LatencyArgs) -> Result<StepLatency, String> {
    let nr = Nr::new(config(args)?).map_err(usage)?;
    Ok(nr.step(match args.direction {
        DirectionArg::Dl => Direction::Dl,
        DirectionArg::Ul => Direction::Ul,
    }))
}
