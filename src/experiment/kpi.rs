//! Key performance indicators of one replication: an ordered list of named
//! values, the unit of `compare` and of sweeps.
//!
//! The list, in this order (names are stable; scripts rely on them):
//!
//! 1. the plant: `throughput_per_h` (end products per observed hour),
//!    `lead_time_s` (mean time in the plant of the end products that left it;
//!    undefined, `NaN`, in a replication where none left), `wip` (time-average
//!    end products in the plant);
//! 2. each station, in scenario order: `station.NAME.busy`, the share of its
//!    server time spent processing (robot-arm stations are covered by this);
//! 3. the AGV fleet, when there is one: `agv.idle`, `agv.travel_empty`,
//!    `agv.travel_loaded`, `agv.handling`, `agv.zone_wait`, `agv.charging`,
//!    `agv.charge_wait` (shares of the fleet's time);
//! 4. each robot flow (periodic or triggered; background load has no
//!    messages), in scenario order: `flow.NAME.p99_ms`, the 99th percentile
//!    of the latency of the flow's delivered messages in the replication, ms
//!    (from the flow's latency histogram, within 0.4%; for a periodic flow
//!    the latencies of the places its robots sent from, weighted by the
//!    messages sent from each; `NaN` when no message was delivered), and
//!    `flow.NAME.stops`, the survival-time violations (protective stops) of
//!    the replication (always 0 for a triggered flow, whose robots wait
//!    instead of stopping).
//!
//! Two models that differ (a station added, no fleet) have different lists:
//! consumers match KPIs by name.
//!
//! ```
//! use factory5g::experiment::kpi;
//! let model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! let out = factory5g::factory::simulate(&model, 1, 0).unwrap();
//! let k = kpi::kpis(&model, &out);
//! assert_eq!(k[0].name, "throughput_per_h");
//! assert_eq!(k[3].name, "station.cell.busy");
//! ```

use crate::factory::{AgvState, RunOutput, StationState};
use crate::model::{FlowKind, Model};
use crate::stats::mean_ci95;

/// One named value of one replication; `NaN` when undefined.
#[derive(Clone, Debug, PartialEq)]
pub struct Kpi {
    pub name: String,
    pub value: f64,
}

/// The AGV states reported as KPIs, in order.
pub const AGV_STATES: [AgvState; 7] = [
    AgvState::Idle,
    AgvState::TravelEmpty,
    AgvState::TravelLoaded,
    AgvState::Handling,
    AgvState::ZoneWait,
    AgvState::Charging,
    AgvState::ChargeWait,
];

/// The KPIs of one replication of `model`, in the documented order.
pub fn kpis(model: &Model, out: &RunOutput) -> Vec<Kpi> {
    let mut k = Vec::new();
    let mut push = |name: String, value: f64| k.push(Kpi { name, value });

    // 1. The plant.
    push("throughput_per_h".into(), out.throughput_per_h());
    let lead = if out.lead_time_s.count() > 0 {
        out.lead_time_s.mean()
    } else {
        f64::NAN
    };
    push("lead_time_s".into(), lead);
    push("wip".into(), out.wip_mean);

    // 2. Stations.
    for (s, st) in model.stations.iter().enumerate() {
        let busy = out
            .stations
            .get(s)
            .map_or(f64::NAN, |o| o.utilization()[StationState::Busy as usize]);
        push(format!("station.{}.busy", st.name), busy);
    }

    // 3. Robot groups: the AGV fleet (arm stations are covered above).
    if model.fleet.as_ref().is_some_and(|f| f.agvs > 0) {
        let u = out.fleet.as_ref().map(|f| f.utilization());
        for state in AGV_STATES {
            let v = u.map_or(f64::NAN, |u| u[state as usize]);
            push(format!("agv.{}", state.key()), v);
        }
    }

    // 4. Robot flows.
    for (f, flow) in model.flows.iter().enumerate() {
        if matches!(flow.kind, FlowKind::Background { .. }) {
            continue;
        }
        let fo = out.flows.get(f);
        let p99 = fo
            .and_then(|fo| fo.latency_hist.quantile(0.99))
            .map_or(f64::NAN, |ns| ns * 1e-6);
        push(format!("flow.{}.p99_ms", flow.name), p99);
        let stops = fo.map_or(f64::NAN, |fo| fo.survival_violations as f64);
        push(format!("flow.{}.stops", flow.name), stops);
    }
    k
}

/// The KPIs of every replication: `values[k][r]` is KPI `names[k]` in
/// replication `r`.
#[derive(Clone, Debug, PartialEq)]
pub struct KpiTable {
    pub names: Vec<String>,
    pub values: Vec<Vec<f64>>,
}

impl KpiTable {
    /// Tabulates the replications of `model` (their outputs in order).
    pub fn of(model: &Model, outputs: &[RunOutput]) -> KpiTable {
        let mut names: Vec<String> = Vec::new();
        let mut values: Vec<Vec<f64>> = Vec::new();
        for (r, out) in outputs.iter().enumerate() {
            for kpi in kpis(model, out) {
                let k = match names.iter().position(|n| *n == kpi.name) {
                    Some(k) => k,
                    None => {
                        names.push(kpi.name);
                        values.push(vec![f64::NAN; r]);
                        names.len() - 1
                    }
                };
                if let Some(v) = values.get_mut(k) {
                    v.push(kpi.value);
                }
            }
            // A KPI missing from this replication (cannot happen for one
            // model, but keep the table rectangular).
            for v in values.iter_mut().filter(|v| v.len() <= r) {
                v.push(f64::NAN);
            }
        }
        KpiTable { names, values }
    }

    /// The per-replication values of KPI `name`.
    pub fn get(&self, name: &str) -> Option<&[f64]> {
        let k = self.names.iter().position(|n| n == name)?;
        self.values.get(k).map(Vec::as_slice)
    }
}

/// Mean and Student-t 95% interval over the finite values (replications where
/// a KPI is undefined are left out); `None` mean when there is none.
pub fn estimate(values: &[f64]) -> (Option<f64>, Option<[f64; 2]>) {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return (None, None);
    }
    let (mean, ci) = mean_ci95(&finite);
    (Some(mean), ci.map(|(lo, hi)| [lo, hi]))
}
