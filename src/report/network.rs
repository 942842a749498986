//! The `network` block of report.json: per flow, messages sent, delivered,
//! lost and late, protective stops, availability (TS 22.261, with survival
//! time), latency quantiles and where the latency goes.
//!
//! Counts are means per replication; latency quantiles pool the messages of
//! all replications; `availability` is the mean over replications of one
//! minus the robot-time without valid service over the robot-time observed.
//! A quantile that the samples cannot support (fewer than 10 observations
//! beyond it: under 10/(1 − q) samples) is not reported (`null`), and one
//! warning lists every quantile left out, flow by flow.

use crate::experiment::Replications;
use crate::model::{FlowKind, Model};
use crate::net::Direction;
use crate::stats::{samples_needed, Histogram};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct NetworkReport {
    pub model: &'static str,
    pub flows: Vec<FlowReport>,
    /// Background load flows (fluid, no messages).
    pub background: Vec<BackgroundReport>,
    /// Under `nr`, the gNBs (`gnb1`, `gnb2`, … in the scenario's order) and
    /// the share of each cell's resource blocks offered by the background
    /// load, downlink and uplink (0 to 1; above 1 beyond capacity; the
    /// robots' messages, a few kbit/s, are left out).
    pub cells: Vec<CellReport>,
    /// Handovers begun after the warm-up, all robots, mean per replication.
    pub handovers: f64,
    /// Radio link failures after the warm-up, all robots, mean per
    /// replication.
    pub rlf: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CellReport {
    pub name: String,
    pub x: f64,
    pub y: f64,
    pub dl_load: f64,
    pub ul_load: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlowReport {
    pub name: String,
    /// "periodic" or "triggered".
    pub kind: &'static str,
    pub direction: Direction,
    pub robots: u32,
    pub sent: f64,
    pub delivered: f64,
    pub lost: f64,
    pub deadline_misses: f64,
    pub survival_violations: f64,
    /// Messages sent while the robot's link was interrupted by a handover
    /// or a re-establishment (none of them delivered), mean per
    /// replication.
    pub interruptions: f64,
    /// Robots in a protective stop when the warm-up ended (mean per
    /// replication): stops begun during the warm-up, which
    /// `survival_violations` does not count.
    pub stops_at_warmup: f64,
    /// When the earliest of those stops began, seconds from the start of
    /// the run (over all replications); `null` when none was under way.
    pub stopped_since_s: Option<f64>,
    pub availability: f64,
    /// Distinct latency observations behind the quantiles (all replications;
    /// for periodic flows, the link profile draws used).
    pub latency_samples: u64,
    pub latency_ms: Latency,
    pub components_ms: Components,
}

#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub p999: Option<f64>,
    pub p99999: Option<f64>,
    pub max: Option<f64>,
}

/// Mean latency components of a message, ms.
#[derive(Clone, Debug, Serialize)]
pub struct Components {
    pub processing: f64,
    pub alignment: f64,
    pub transmission: f64,
    pub harq: f64,
    pub queueing: f64,
    pub core: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct BackgroundReport {
    pub name: String,
    pub direction: Direction,
    pub ues: u32,
    pub rate_bps: f64,
    /// `poisson`, `video` or `fluid`.
    pub traffic: &'static str,
    /// Frames per second of video traffic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fps: Option<f64>,
    pub priority: u8,
}

const QUANTILES: [(f64, &str); 5] = [
    (0.5, "p50"),
    (0.9, "p90"),
    (0.99, "p99"),
    (0.999, "p999"),
    (0.99999, "p99999"),
];

/// A flow's availability in one replication (TS 22.261): one minus the
/// robot-time without valid service over the robot-time observed (1 for a
/// flow without robots).
pub fn availability(fo: &crate::factory::FlowOutput, observed_s: f64) -> f64 {
    let robot_ns = f64::from(fo.robots) * observed_s * 1e9;
    if robot_ns > 0.0 {
        1.0 - fo.unavailable_ns as f64 / robot_ns
    } else {
        1.0
    }
}

/// The network block, and a warning about quantiles left out for too few
/// samples.
pub fn network_report(model: &Model, runs: &Replications) -> (NetworkReport, Vec<String>) {
    let outs = &runs.outputs;
    let reps = outs.len().max(1) as f64;
    let mut flows = Vec::new();
    let mut background = Vec::new();
    let mut short_flows: Vec<String> = Vec::new();
    for (f, flow) in model.flows.iter().enumerate() {
        let kind = match flow.kind {
            FlowKind::Periodic { .. } => "periodic",
            FlowKind::Triggered { .. } => "triggered",
            FlowKind::Background { ues, rate_bps } => {
                background.push(BackgroundReport {
                    name: flow.name.clone(),
                    direction: flow.direction,
                    ues,
                    rate_bps,
                    traffic: flow.traffic.map_or("fluid", |t| t.name()),
                    fps: match flow.traffic {
                        Some(crate::net::Traffic::Video { fps }) => Some(fps),
                        _ => None,
                    },
                    priority: flow.priority,
                });
                continue;
            }
        };
        let per = |g: &dyn Fn(&crate::factory::FlowOutput) -> f64| -> f64 {
            outs.iter().filter_map(|o| o.flows.get(f)).map(g).sum::<f64>() / reps
        };
        let mut hist = Histogram::default();
        let (mut n, mut samples) = (0u64, 0u64);
        let mut sum_ms = 0.0;
        let mut comp = crate::net::Components::default();
        let mut robots = 0;
        for o in outs {
            let Some(fo) = o.flows.get(f) else { continue };
            hist.merge(&fo.latency_hist);
            n += fo.latency_n;
            // Periodic flows draw on the same link profiles in every
            // replication: their distinct observations do not add up.
            samples = match flow.kind {
                FlowKind::Periodic { .. } => samples.max(fo.samples),
                _ => samples + fo.samples,
            };
            sum_ms += fo.latency_sum_ms;
            comp.processing += fo.components.processing;
            comp.alignment += fo.components.alignment;
            comp.transmission += fo.components.transmission;
            comp.harq += fo.components.harq;
            comp.queueing += fo.components.queueing;
            comp.core += fo.components.core;
            robots = fo.robots;
        }
        // A quantile only where the samples support it.
        let q = |p: f64| {
            (samples >= samples_needed(p))
                .then(|| hist.quantile(p).map(|ns| ns * 1e-6))
                .flatten()
        };
        let short: Vec<&str> = QUANTILES
            .iter()
            .filter(|&&(p, _)| samples > 0 && samples < samples_needed(p))
            .map(|&(_, name)| name)
            .collect();
        if !short.is_empty() {
            short_flows.push(format!(
                "`{}` {} ({} samples)",
                flow.name,
                short.join(", "),
                crate::text::thousands(samples)
            ));
        }
        let per_msg = |x: f64| if n > 0 { x / n as f64 } else { 0.0 };
        let availability = outs
            .iter()
            .filter_map(|o| o.flows.get(f).map(|fo| availability(fo, o.observed_s)))
            .sum::<f64>()
            / reps;
        flows.push(FlowReport {
            name: flow.name.clone(),
            kind,
            direction: flow.direction,
            robots,
            sent: per(&|fo| fo.sent as f64),
            delivered: per(&|fo| fo.delivered as f64),
            lost: per(&|fo| fo.lost),
            deadline_misses: per(&|fo| fo.deadline_misses),
            survival_violations: per(&|fo| fo.survival_violations as f64),
            interruptions: per(&|fo| fo.interruptions as f64),
            stops_at_warmup: per(&|fo| fo.stops_at_warmup as f64),
            stopped_since_s: outs
                .iter()
                .filter_map(|o| o.flows.get(f)?.stopped_since)
                .min()
                .map(|t| t.as_secs_f64()),
            availability,
            latency_samples: samples,
            latency_ms: Latency {
                mean: (n > 0).then(|| sum_ms / n as f64),
                p50: q(0.5),
                p90: q(0.9),
                p99: q(0.99),
                p999: q(0.999),
                p99999: q(0.99999),
                max: (n > 0).then(|| hist.max() as f64 * 1e-6),
            },
            components_ms: Components {
                processing: per_msg(comp.processing),
                alignment: per_msg(comp.alignment),
                transmission: per_msg(comp.transmission),
                harq: per_msg(comp.harq),
                queueing: per_msg(comp.queueing),
                core: per_msg(comp.core),
            },
        });
    }
    let warnings = (!short_flows.is_empty())
        .then(|| {
            format!(
                "latency quantiles left out (null) where the samples cannot support them (a quantile q needs \
                 10/(1 − q) samples: 1,000 for p99, 1,000,000 for p99999): {}",
                short_flows.join("; ")
            )
        })
        .into_iter()
        .collect();
    let gnbs = match &model.network.link {
        crate::model::LinkModel::Nr(nr) => nr.gnbs().to_vec(),
        _ => Vec::new(),
    };
    let cells = gnbs
        .iter()
        .enumerate()
        .map(|(c, &(x, y))| {
            let load = |d: Direction| {
                outs.iter()
                    .filter_map(|o| o.radio.cell_loads.get(c))
                    .map(|l| l[d as usize])
                    .sum::<f64>()
                    / reps
            };
            CellReport {
                name: format!("gnb{}", c + 1),
                x,
                y,
                dl_load: load(Direction::Dl),
                ul_load: load(Direction::Ul),
            }
        })
        .collect();
    (
        NetworkReport {
            model: model.network.link.name(),
            flows,
            background,
            cells,
            handovers: outs.iter().map(|o| o.radio.handovers as f64).sum::<f64>() / reps,
            rlf: outs.iter().map(|o| o.radio.link_failures as f64).sum::<f64>() / reps,
        },
        warnings,
    )
}
