//! Summaries of replications: the `report.json` structure (its keys are
//! listed in the README) and the text summary printed on stdout.
//!
//! Every figure is a mean over replications; `ci95` is the Student-t 95%
//! interval over replications (`null` with one replication). Lead-time
//! quantiles pool the jobs of all replications.
//!
//! [`out`] writes the `--out` directory and the `--trace` file, [`warmup`]
//! is the MSER-5 warm-up check behind `warnings`, [`tables`] renders the
//! tables of summary.md, report.html and the CSVs, and [`figures`] turns the
//! runs into the plots of `plot/`.

pub mod figures;
pub mod findings;
pub mod network;
pub mod out;
pub mod replay;
pub mod tables;
pub mod text;
pub mod warmup;

pub use text::text_summary;

use crate::experiment::Replications;
use crate::factory::{AgvState, StationState};
use crate::model::Model;
use crate::stats::{clip, mean_ci95, Histogram};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub horizon_s: f64,
    pub warmup_s: f64,
    pub run: RunInfo,
    pub throughput_per_h: Throughput,
    pub lead_time_s: LeadTime,
    pub wip: Mean,
    pub stations: Vec<StationReport>,
    pub robots: Robots,
    pub network: network::NetworkReport,
    /// What the user should know about the run's design, one sentence each
    /// (e.g. a warm-up that looks too short, from [`warmup`]); printed on
    /// stderr too.
    pub warnings: Vec<String>,
    /// The warm-up check behind the warnings (in summary.md, not in
    /// report.json).
    #[serde(skip)]
    pub warmup_check: warmup::WarmupCheck,
    /// No replication finished an end product after the warm-up (see
    /// [`findings`]); in `warnings`, not a key of its own.
    #[serde(skip)]
    pub nothing_produced: bool,
}

/// AGVs and robot arms (the servers of stations with `robot = true`).
#[derive(Clone, Debug, Serialize)]
pub struct Robots {
    pub total: u32,
    pub agvs: u32,
    pub arms: u32,
    pub by_group: Vec<RobotGroup>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RobotGroup {
    pub name: String,
    /// "agv" or "arm".
    pub kind: &'static str,
    pub count: u32,
    /// Fraction of the group's time in each state (AGV states for AGVs,
    /// station states for arms); sums to 1.
    pub utilization: BTreeMap<&'static str, f64>,
}

/// Wall-clock facts: the only part of a report that differs between two runs
/// of the same scenario and seed.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    pub events: u64,
    pub wall_s: f64,
    pub events_per_s: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub ci95: Option<[f64; 2]>,
    /// Present (`true`) when an end of `ci95` was cut at the quantity's
    /// bound (0 for the counts, rates and times of the report): the
    /// Student-t interval reached below it.
    #[serde(skip_serializing_if = "is_false")]
    pub clipped: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Estimate {
    /// Mean and 95% interval of a quantity that cannot be negative, the
    /// interval clipped at 0 (see [`crate::stats::clip`]).
    pub fn of(values: &[f64]) -> Estimate {
        Estimate::within(values, 0.0, f64::INFINITY)
    }

    /// Mean and 95% interval of a quantity within `[lo, hi]`, the interval
    /// clipped to it.
    pub fn within(values: &[f64], lo: f64, hi: f64) -> Estimate {
        let (mean, ci) = mean_ci95(values);
        let (ci, clipped) = clip(ci, lo, hi);
        Estimate {
            mean,
            ci95: ci.map(|(lo, hi)| [lo, hi]),
            clipped,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Throughput {
    pub mean: f64,
    pub ci95: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "is_false")]
    pub clipped: bool,
    pub by_product: BTreeMap<String, Estimate>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LeadTime {
    pub mean: f64,
    pub ci95: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "is_false")]
    pub clipped: bool,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Mean {
    pub mean: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct StationReport {
    pub name: String,
    pub servers: u32,
    /// Jobs finished here per replication (mean).
    pub completed: f64,
    pub utilization: Utilization,
    pub queue_wait_s: Estimate,
    pub queue_len: Mean,
}

/// Fractions of server time by state; they sum to 1.
#[derive(Clone, Debug, Serialize, Default)]
pub struct Utilization {
    pub busy: f64,
    pub setup: f64,
    pub idle: f64,
    pub starved: f64,
    pub blocked: f64,
    pub failed: f64,
    pub network_wait: f64,
    pub stopped: f64,
}

impl Utilization {
    fn from_fractions(f: [f64; StationState::COUNT]) -> Self {
        let get = |s: StationState| f[s as usize];
        Utilization {
            busy: get(StationState::Busy),
            setup: get(StationState::Setup),
            idle: get(StationState::Idle),
            starved: get(StationState::Starved),
            blocked: get(StationState::Blocked),
            failed: get(StationState::Failed),
            network_wait: get(StationState::NetworkWait),
            stopped: get(StationState::Stopped),
        }
    }
    pub fn get(&self, s: StationState) -> f64 {
        match s {
            StationState::Busy => self.busy,
            StationState::Setup => self.setup,
            StationState::Idle => self.idle,
            StationState::Starved => self.starved,
            StationState::Blocked => self.blocked,
            StationState::Failed => self.failed,
            StationState::NetworkWait => self.network_wait,
            StationState::Stopped => self.stopped,
        }
    }
}

fn mean_of(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// Summarizes the replications of `model` run with `seed`.
pub fn summarize(model: &Model, seed: u64, runs: &Replications) -> Report {
    let outs = &runs.outputs;
    let per_rep =
        |f: &dyn Fn(&crate::factory::RunOutput) -> f64| -> Vec<f64> { outs.iter().map(f).collect() };
    let events: u64 = outs.iter().map(|o| o.events).sum();
    let throughput = Estimate::of(&per_rep(&|o| o.throughput_per_h()));
    let by_product = model
        .products
        .iter()
        .enumerate()
        .map(|(p, product)| {
            let values = per_rep(&|o| o.products[p].completed as f64 / (o.observed_s / 3600.0));
            (product.name.clone(), Estimate::of(&values))
        })
        .collect();
    let lead = Estimate::of(
        &outs
            .iter()
            .filter(|o| o.lead_time_s.count() > 0)
            .map(|o| o.lead_time_s.mean())
            .collect::<Vec<_>>(),
    );
    let mut pooled = Histogram::default();
    outs.iter().for_each(|o| pooled.merge(&o.lead_time_hist));
    let stations = model
        .stations
        .iter()
        .enumerate()
        .map(|(s, st)| {
            let fractions = mean_fractions(outs.iter().map(|o| o.stations[s].utilization()));
            StationReport {
                name: st.name.clone(),
                servers: st.servers,
                completed: mean_of(outs.iter().map(|o| o.stations[s].completed as f64)),
                utilization: Utilization::from_fractions(fractions),
                queue_wait_s: Estimate::of(&per_rep(&|o| o.stations[s].queue_wait_s.mean())),
                queue_len: Mean {
                    mean: mean_of(outs.iter().map(|o| o.stations[s].queue_len_mean)),
                },
            }
        })
        .collect();
    let robots = robots(model, runs);
    let nothing_produced = findings::nothing_produced(outs);
    let mut warmup_check = warmup::check(model.warmup, outs);
    if nothing_produced {
        // A plant that produces nothing fills up whatever the warm-up: the
        // check would suggest a longer one, which is the wrong fix.
        warmup_check.series.clear();
        warmup_check.skipped =
            Some("nothing was produced after the warm-up, so the plant only fills up".into());
    }
    let (network, network_warnings) = network::network_report(model, runs);
    let mut report = Report {
        scenario: model.name.clone(),
        seed,
        replications: outs.len() as u32,
        horizon_s: model.horizon.as_secs_f64(),
        warmup_s: model.warmup.as_secs_f64(),
        run: RunInfo {
            events,
            wall_s: runs.wall_s,
            events_per_s: if runs.wall_s > 0.0 {
                events as f64 / runs.wall_s
            } else {
                0.0
            },
        },
        throughput_per_h: Throughput {
            mean: throughput.mean,
            ci95: throughput.ci95,
            clipped: throughput.clipped,
            by_product,
        },
        lead_time_s: LeadTime {
            mean: lead.mean,
            ci95: lead.ci95,
            clipped: lead.clipped,
            p50: pooled.quantile(0.5).map(|ns| ns * 1e-9),
            p95: pooled.quantile(0.95).map(|ns| ns * 1e-9),
        },
        wip: Mean {
            mean: mean_of(outs.iter().map(|o| o.wip_mean)),
        },
        stations,
        robots,
        network,
        warnings: Vec::new(),
        warmup_check,
        nothing_produced,
    };
    let mut warnings = findings::warnings(model, &report, outs);
    warnings.extend(report.warmup_check.warning());
    warnings.extend(network_warnings);
    report.warnings = warnings;
    report
}

/// Means over replications of state fractions.
fn mean_fractions<const N: usize>(per_rep: impl Iterator<Item = [f64; N]>) -> [f64; N] {
    let mut acc = [0.0; N];
    let mut n = 0usize;
    for f in per_rep {
        for (a, x) in acc.iter_mut().zip(f) {
            *a += x;
        }
        n += 1;
    }
    if n > 0 {
        acc.iter_mut().for_each(|a| *a /= n as f64);
    }
    acc
}

fn robots(model: &Model, runs: &Replications) -> Robots {
    let outs = &runs.outputs;
    let mut by_group = Vec::new();
    let agvs = model.fleet.as_ref().map_or(0, |f| f.agvs);
    if agvs > 0 {
        let u = mean_fractions(
            outs.iter()
                .filter_map(|o| o.fleet.as_ref())
                .map(|f| f.utilization()),
        );
        by_group.push(RobotGroup {
            name: "agv".to_string(),
            kind: "agv",
            count: agvs,
            utilization: AgvState::ALL.iter().map(|s| (s.key(), u[*s as usize])).collect(),
        });
    }
    for (s, st) in model.stations.iter().enumerate() {
        if !st.robot {
            continue;
        }
        let u = mean_fractions(outs.iter().map(|o| o.stations[s].utilization()));
        by_group.push(RobotGroup {
            name: st.name.clone(),
            kind: "arm",
            count: st.servers,
            utilization: StationState::ALL
                .iter()
                .map(|x| (x.key(), u[*x as usize]))
                .collect(),
        });
    }
    let arms = model.arms();
    Robots {
        total: agvs + arms,
        agvs,
        arms,
        by_group,
    }
}
