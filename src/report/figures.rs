//! The plots of a run: numbers reduced from the replications, drawn by
//! `plot/`.
//!
//! - `utilization_stations`: share of server time by state, one bar a station.
//! - `utilization_robots`: share of robot time by state, one bar a robot
//!   group (the AGV fleet in AGV states, each arm station in station states);
//!   skipped without robots.
//! - `throughput`: end products per hour in each time bin of the whole run,
//!   mean over replications with a band (the 95% confidence band of the
//!   mean with three replications or more, the min–max with two), warm-up
//!   shaded, and the post-warm-up mean.
//! - `wip`: the time-average WIP of each bin, same style.
//! - `floor_plan`: the hall, aisles coloured and sized by AGV passes per hour
//!   (after the warm-up, mean over replications), points and stations;
//!   skipped without a layout.

use super::Report;
use crate::experiment::Replications;
use crate::factory::{AgvState, RunOutput, StationState};
use crate::model::Model;
use crate::plot::{self, BarRow, FloorPlan, PlanAisle, PlanPoint, PlotError, PointKind, StateBars, TimeBand};
use crate::stats::mean_ci95;

/// Every plot `run` may write, by file stem (the others of a previous run
/// in the same directory are removed when a run does not draw them).
pub const PLOT_NAMES: [&str; 5] = [
    "utilization_stations",
    "utilization_robots",
    "throughput",
    "wip",
    "floor_plan",
];

/// The figures of a run, and a note for each plot not drawn.
pub struct Figures {
    pub figures: Vec<plot::Figure>,
    pub notes: Vec<String>,
}

pub fn figures(model: &Model, runs: &Replications, report: &Report) -> Result<Figures, PlotError> {
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    let name = &report.scenario;
    figures.push(plot::render(
        "utilization_stations",
        "Station utilization: share of server time in each state after the warm-up, mean over replications.",
        &station_bars(report),
    )?);
    match robot_bars(report) {
        Some(bars) => figures.push(plot::render(
            "utilization_robots",
            "Robot utilization: share of robot time in each state after the warm-up, by robot group (AGV states \
             for the fleet, station states for arms).",
            &bars,
        )?),
        None => notes.push("No robots (no fleet and no station with robot = true): no robot utilization plot.".into()),
    }
    let outs = &runs.outputs;
    if let Some(first) = outs.first() {
        let bin_s = first.series.bin_s;
        let per_h = 3600.0 / bin_s;
        figures.push(plot::render(
            "throughput",
            "Throughput over time: end products leaving the plant per hour in each time bin.",
            &band(
                format!("Throughput over time: {name}"),
                "end products per hour",
                outs,
                |o| o.series.completions.iter().map(|&c| c as f64 * per_h).collect(),
                model,
                Some((
                    report.throughput_per_h.mean,
                    format!("mean after warm-up: {:.3} /h", report.throughput_per_h.mean),
                )),
            ),
        )?);
        figures.push(plot::render(
            "wip",
            "Work in process over time: time-average number of end-product jobs in the plant in each time bin.",
            &band(
                format!("Work in process over time: {name}"),
                "jobs in the plant (time average)",
                outs,
                |o| o.series.wip.clone(),
                model,
                Some((report.wip.mean, format!("mean after warm-up: {:.2}", report.wip.mean))),
            ),
        )?);
    }
    match floor_plan(model, outs, name) {
        Some(plan) => figures.push(plot::render(
            "floor_plan",
            "Floor plan: the hall, aisles coloured and sized by AGV passes per hour after the warm-up (mean over \
             replications), stations and other points.",
            &plan,
        )?),
        None => notes.push("The scenario has no [layout]: no floor plan.".into()),
    }
    Ok(Figures { figures, notes })
}

fn station_bars(r: &Report) -> StateBars {
    StateBars {
        title: format!("Station utilization: {}", r.scenario),
        x_label: "share of server time after warm-up (%)".into(),
        rows: r
            .stations
            .iter()
            .map(|st| BarRow {
                label: format!("{} ({})", st.name, st.servers),
                shares: StationState::ALL
                    .iter()
                    .map(|&s| (s.key(), st.utilization.get(s)))
                    .collect(),
            })
            .collect(),
    }
}

fn robot_bars(r: &Report) -> Option<StateBars> {
    if r.robots.by_group.is_empty() {
        return None;
    }
    let rows = r
        .robots
        .by_group
        .iter()
        .map(|g| {
            let (keys, what): (Vec<&'static str>, &str) = if g.kind == "agv" {
                (AgvState::ALL.iter().map(|s| s.key()).collect(), "AGVs")
            } else {
                (StationState::ALL.iter().map(|s| s.key()).collect(), "arms")
            };
            BarRow {
                label: format!("{} ({} {what})", g.name, g.count),
                shares: keys
                    .into_iter()
                    .map(|k| (k, g.utilization.get(k).copied().unwrap_or(0.0)))
                    .collect(),
            }
        })
        .collect();
    Some(StateBars {
        title: format!("Robot utilization: {}", r.scenario),
        x_label: "share of robot time after warm-up (%)".into(),
        rows,
    })
}

/// A per-bin series over replications: the mean, and a band: with three
/// replications or more the 95% confidence band of the mean (Student t, per
/// bin, cut at 0 since both series are counts or levels), with two the
/// min–max, with one none.
fn band(
    title: String,
    y_label: &str,
    outs: &[RunOutput],
    values: impl Fn(&RunOutput) -> Vec<f64>,
    model: &Model,
    reference: Option<(f64, String)>,
) -> TimeBand {
    let per_rep: Vec<Vec<f64>> = outs.iter().map(values).collect();
    let bins = per_rep.iter().map(Vec::len).min().unwrap_or(0);
    let column = |j: usize| per_rep.iter().map(|r| r[j]).collect::<Vec<f64>>();
    let reps = per_rep.len();
    let stats: Vec<(f64, Option<(f64, f64)>)> = (0..bins).map(|j| mean_ci95(&column(j))).collect();
    let mean = stats.iter().map(|s| s.0).collect();
    let (band, band_label) = if reps >= 3 {
        let lo = stats.iter().map(|s| s.1.map_or(s.0, |c| c.0.max(0.0))).collect();
        let hi = stats.iter().map(|s| s.1.map_or(s.0, |c| c.1)).collect();
        (Some((lo, hi)), "95% confidence band of the mean".to_string())
    } else if reps == 2 {
        let lo = (0..bins)
            .map(|j| column(j).into_iter().fold(f64::INFINITY, f64::min))
            .collect();
        let hi = (0..bins)
            .map(|j| column(j).into_iter().fold(f64::NEG_INFINITY, f64::max))
            .collect();
        (Some((lo, hi)), "min–max of the 2 replications".to_string())
    } else {
        (None, String::new())
    };
    TimeBand {
        title,
        y_label: y_label.into(),
        bin_h: outs.first().map_or(1.0, |o| o.series.bin_s / 3600.0),
        mean,
        band,
        mean_label: if reps >= 2 {
            format!("mean of {reps} replications")
        } else {
            "one replication".into()
        },
        band_label,
        warmup_h: model.warmup.as_secs_f64() / 3600.0,
        reference,
    }
}

fn floor_plan(model: &Model, outs: &[RunOutput], name: &str) -> Option<FloorPlan> {
    let layout = model.layout.as_ref()?;
    let fleet = model.fleet.as_ref();
    let points = layout
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let stations: Vec<&str> = model
                .stations
                .iter()
                .filter(|s| s.at == Some(i))
                .map(|s| s.name.as_str())
                .collect();
            let kind = if !stations.is_empty() {
                PointKind::Station
            } else if fleet.is_some_and(|f| f.warehouse == i) {
                PointKind::Warehouse
            } else if fleet
                .and_then(|f| f.battery.as_ref())
                .is_some_and(|b| b.chargers.contains(&i))
            {
                PointKind::Charger
            } else if fleet.is_some_and(|f| f.home == i) {
                PointKind::Home
            } else {
                PointKind::Other
            };
            PlanPoint {
                label: if stations.is_empty() {
                    p.name.clone()
                } else {
                    stations.join(", ")
                },
                x: p.x,
                y: p.y,
                kind,
            }
        })
        .collect();
    // AGV passes per hour of observed time, mean over replications.
    let fleets: Vec<(&crate::factory::FleetOutput, f64)> = outs
        .iter()
        .filter_map(|o| o.fleet.as_ref().map(|f| (f, o.observed_s)))
        .collect();
    let aisles = layout
        .segments
        .iter()
        .enumerate()
        .map(|(s, seg)| {
            let (a, b) = (&layout.points[seg.a], &layout.points[seg.b]);
            let load = (!fleets.is_empty()).then(|| {
                fleets
                    .iter()
                    .map(|(f, observed_s)| {
                        f.segment_traversals.get(s).copied().unwrap_or(0) as f64 / (observed_s / 3600.0)
                    })
                    .sum::<f64>()
                    / fleets.len() as f64
            });
            PlanAisle {
                from: [a.x, a.y],
                to: [b.x, b.y],
                load_per_h: load,
            }
        })
        .collect();
    Some(FloorPlan {
        title: format!("Floor plan: {name} ({} m × {} m)", layout.size[0], layout.size[1]),
        size: layout.size,
        points,
        aisles,
        load_label: format!(
            "AGV passes per hour\n(mean of {})",
            plural(outs.len(), "replication")
        ),
    })
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
