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
//!    server time spent processing; for a robot-arm station (`robot =
//!    true`) also `station.NAME.network_wait` and `station.NAME.stopped`,
//!    the shares its arms waited for a command or stood in a protective
//!    stop; then, when the scenario has them, each `[[pool]]`'s
//!    `pool.NAME.utilization` (operator time held over operator time on
//!    shift) and `energy_kwh` (the energy after the warm-up of what has
//!    `power_kw`);
//! 3. the AGV fleet, when there is one: `agv.STATE` for every AGV state in
//!    report order (`agv.idle`, `agv.travel_empty`, `agv.travel_loaded`,
//!    `agv.handling`, `agv.zone_wait`, `agv.network_wait`, `agv.stopped`,
//!    `agv.charging`, `agv.charge_wait`, `agv.off_shift`), shares of
//!    the fleet's time;
//! 4. each robot flow (periodic or triggered; background load has no
//!    messages), in scenario order: `flow.NAME.p99_ms`, the 99th percentile
//!    of the latency of the flow's delivered messages in the replication, ms
//!    (from the flow's latency histogram, within 0.4%; for a periodic flow
//!    the latencies of the places its robots sent from, weighted by the
//!    messages sent from each; `NaN` when no message was delivered), and
//!    `flow.NAME.stops`, the survival-time violations (protective stops) of
//!    the replication (always 0 for a triggered flow, whose robots wait
//!    instead of stopping), `flow.NAME.stops_at_warmup`, the robots already
//!    in a protective stop when the warm-up ended (stops begun during it,
//!    which `stops` leaves out: at 99 ms the stops come after the warm-up
//!    and count, at 100 ms every robot stops during it), and
//!    `flow.NAME.availability`, the share of robot-time with valid service
//!    (TS 22.261).
//!
//! Every KPI is a count, rate, time or share, so none is negative; shares
//! (`station.*`, `agv.*`, `flow.*.availability`) lie in [0, 1]: [`bounds`]
//! gives the range, to which sweep intervals are clipped.
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
use crate::report::network::availability;
use crate::stats::{clip, mean_ci95};

/// One named value of one replication; `NaN` when undefined.
#[derive(Clone, Debug, PartialEq)]
pub struct Kpi {
    pub name: String,
    pub value: f64,
}

/// The states of a robot-arm station reported as KPIs beside `busy`: the
/// network's share of its time.
const ARM_STATES: [StationState; 2] = [StationState::NetworkWait, StationState::Stopped];

/// How a KPI is shown to a reader (text tables, plot titles and axes): in
/// the units of `run`'s text summary, lead times in hours and shares in
/// percent; JSON and CSV keep the value in the unit its name says.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    /// In words: `lead time`, `station cutting: busy`.
    pub label: String,
    /// The unit of the shown value: `h`, `%`, `ms`.
    pub unit: &'static str,
    /// Shown value = KPI value × factor.
    pub factor: f64,
}

/// How KPI `name` is shown.
pub fn shown(name: &str) -> Shown {
    let make = |label: String, unit, factor| Shown { label, unit, factor };
    match name {
        "throughput_per_h" => return make("throughput".into(), "end products/h", 1.0),
        "lead_time_s" => return make("lead time".into(), "h", 1.0 / 3600.0),
        "wip" => return make("WIP".into(), "jobs", 1.0),
        _ => {}
    }
    if let Some(state) = name.strip_prefix("agv.") {
        return make(format!("AGVs: {state}"), "%", 100.0);
    }
    if let Some((station, state)) = name.strip_prefix("station.").and_then(|r| r.rsplit_once('.')) {
        return make(format!("station {station}: {state}"), "%", 100.0);
    }
    if let Some((flow, what)) = name.strip_prefix("flow.").and_then(|r| r.rsplit_once('.')) {
        return match what {
            "p99_ms" => make(format!("flow {flow}: p99 latency"), "ms", 1.0),
            "stops" => make(format!("flow {flow}: protective stops"), "per replication", 1.0),
            "stops_at_warmup" => make(
                format!("flow {flow}: robots stopped at the warm-up's end"),
                "per replication",
                1.0,
            ),
            "availability" => make(format!("flow {flow}: availability"), "%", 100.0),
            _ => make(name.to_string(), "", 1.0),
        };
    }
    make(name.to_string(), "", 1.0)
}

/// The range of KPI `name`: [0, 1] for shares, [0, ∞) for the rest.
pub fn bounds(name: &str) -> (f64, f64) {
    let share = name.starts_with("station.") || name.starts_with("agv.") || name.ends_with(".availability");
    if share {
        (0.0, 1.0)
    } else {
        (0.0, f64::INFINITY)
    }
}

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
        let u = out.stations.get(s).map(|o| o.utilization());
        let share = |state: StationState| u.map_or(f64::NAN, |u| u[state as usize]);
        push(format!("station.{}.busy", st.name), share(StationState::Busy));
        if st.robot {
            for state in ARM_STATES {
                push(format!("station.{}.{}", st.name, state.key()), share(state));
            }
        }
    }
    for (p, pool) in model.pools.iter().enumerate() {
        let utilization = out.pools.get(p).map_or(f64::NAN, |o| o.utilization());
        push(format!("pool.{}.utilization", pool.name), utilization);
    }
    if let Some(kwh) = out.energy_kwh() {
        push("energy_kwh".into(), kwh);
    }

    // 3. Robot groups: the AGV fleet (arm stations are covered above).
    if model.fleet.as_ref().is_some_and(|f| f.agvs > 0) {
        let u = out.fleet.as_ref().map(|f| f.utilization());
        for state in AgvState::ALL {
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
        let at_warmup = fo.map_or(f64::NAN, |fo| fo.stops_at_warmup as f64);
        push(format!("flow.{}.stops_at_warmup", flow.name), at_warmup);
        let availability = fo.map_or(f64::NAN, |fo| availability(fo, out.observed_s));
        push(format!("flow.{}.availability", flow.name), availability);
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

/// [`estimate`] of KPI `name`, its interval clipped to the KPI's
/// [`bounds`]; and whether it was clipped.
pub fn bounded_estimate(name: &str, values: &[f64]) -> (Option<f64>, Option<[f64; 2]>, bool) {
    let (mean, ci) = estimate(values);
    let (lo, hi) = bounds(name);
    let (ci, clipped) = clip(ci.map(|[a, b]| (a, b)), lo, hi);
    (mean, ci.map(|(a, b)| [a, b]), clipped)
}
