//! The plots of a run: numbers reduced from the replications, drawn by
//! `plot/`.
//!
//! - `utilization_stations`: share of server time by state, one bar a station.
//! - `bottleneck`: the share of time each station is the sole or a
//!   shifting bottleneck (the active period method), one bar a station.
//! - `utilization_robots`: share of robot time by state, one bar a robot
//!   group (the AGV fleet in AGV states, each arm station in station states);
//!   skipped without robots.
//! - `throughput`: end products per hour in each time bin of the whole run,
//!   mean over replications with a band (the 95% confidence band of the
//!   mean with three replications or more, the min–max with two), warm-up
//!   shaded, and the post-warm-up mean.
//! - `wip`: the time-average WIP of each bin, same style.
//! - `latency_ccdf`: P(latency > x) of the delivered messages of each robot
//!   flow (periodic and triggered), pooled over replications from the
//!   flows' latency histograms, on a log probability axis down to
//!   1/samples (the distinct latency observations: simulated messages, or
//!   link-profile draws for periodic flows), each flow's deadline a dashed
//!   line in its colour; skipped without robot flows or without a
//!   delivered message.
//! - `floor_plan`: the hall, aisles coloured and sized by AGV passes per hour
//!   (after the warm-up, mean over replications), points and stations;
//!   under `nr`, the gNBs and the SINR coverage map under the aisles (see
//!   [`coverage`]); skipped without a layout.

use super::Report;
use crate::experiment::Replications;
use crate::factory::{AgvState, RunOutput, StationState};
use crate::model::{FlowKind, LinkModel, Model, NrNetwork};
use crate::net::{dbm_to_mw, mw_to_dbm, Direction, RadioBudget, CQI_TABLE};
use crate::plot::{
    self, fmt_ms, fmt_prob, BarRow, CcdfCurve, Coverage, FloorPlan, LatencyCcdf, PlanAisle, PlanPoint,
    PlotError, PointKind, StateBars, TimeBand,
};
use crate::stats::{mean_ci95, Histogram};
use crate::text::thousands;

/// Every plot `run` may write, by file stem (the others of a previous run
/// in the same directory are removed when a run does not draw them).
pub const PLOT_NAMES: [&str; 7] = [
    "utilization_stations",
    "bottleneck",
    "utilization_robots",
    "throughput",
    "wip",
    "latency_ccdf",
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
    figures.push(plot::render(
        "bottleneck",
        "Bottlenecks by the active period method: the share of time after the warm-up each station is the \
         sole bottleneck or a shifting one (overlapping with the bottleneck before or after it), mean over \
         replications.",
        &bottleneck_bars(report),
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
    let (ccdf, ccdf_notes) = latency_ccdf(model, outs, name);
    if let Some(ccdf) = ccdf {
        figures.push(plot::render(
            "latency_ccdf",
            "Latency CCDF: the share of each robot flow's delivered messages slower than x (all replications), on \
             a log scale down to 1/samples, with each flow's deadline.",
            &ccdf,
        )?);
    }
    notes.extend(ccdf_notes);
    match floor_plan(model, outs, name) {
        Some(plan) => {
            let caption = if plan.coverage.is_some() {
                "Floor plan: the hall with the 5G SINR coverage map and the gNBs, aisles coloured and sized by AGV \
                 passes per hour after the warm-up (mean over replications), stations and other points."
            } else {
                "Floor plan: the hall, aisles coloured and sized by AGV passes per hour after the warm-up (mean \
                 over replications), stations and other points."
            };
            figures.push(plot::render("floor_plan", caption, &plan)?);
            if plan.coverage.is_none() {
                notes.push(format!(
                    "The network model is `{}`, not `nr`: no SINR coverage map on the floor plan.",
                    model.network.link.name()
                ));
            }
        }
        None => notes.push(if matches!(model.network.link, LinkModel::Nr(_)) {
            "The scenario has no [layout]: no floor plan and no SINR coverage map.".into()
        } else {
            "The scenario has no [layout]: no floor plan.".into()
        }),
    }
    Ok(Figures { figures, notes })
}

/// Resolution of the CCDF: every rank up to this many messages, else a
/// grid of probabilities.
const CCDF_RANKS: u64 = 2000;
/// Probabilities per decade of the grid.
const CCDF_PER_DECADE: f64 = 40.0;

/// The steps of P(latency > x), x in ms, of the latencies (ns) in `hist`,
/// down to the probability `floor`: with few messages one step per message
/// (the empirical CCDF), else a step at each of 40 probabilities a decade
/// (read from the histogram's quantiles, within 1/256 of the latency); then
/// the largest latency, to 0.
pub fn ccdf_steps(hist: &Histogram, floor: f64) -> Vec<(f64, f64)> {
    let n = hist.count();
    if n == 0 {
        return Vec::new();
    }
    let nf = n as f64;
    let levels: Vec<f64> = if n <= CCDF_RANKS {
        (1..n).map(|r| (n - r) as f64 / nf).collect()
    } else {
        let decades = -floor.max(1.0 / nf).log10();
        let k_max = (decades * CCDF_PER_DECADE).floor() as u32;
        (1..=k_max)
            .map(|k| 10f64.powf(-f64::from(k) / CCDF_PER_DECADE))
            .collect()
    };
    let mut steps: Vec<(f64, f64)> = Vec::new();
    for p in levels.into_iter().filter(|&p| p >= floor * (1.0 - 1e-9)) {
        // The quantile just below 1 - p: rank n(1 - p), away from rounding.
        let Some(ns) = hist.quantile(1.0 - p - 0.5 / nf) else {
            continue;
        };
        let x = ns * 1e-6;
        match steps.last_mut() {
            Some(last) if last.0 >= x => last.1 = p,
            _ => steps.push((x, p)),
        }
    }
    let max = hist.max() as f64 * 1e-6;
    match steps.last_mut() {
        Some(last) if last.0 >= max => last.1 = 0.0,
        _ => steps.push((max, 0.0)),
    }
    steps
}

/// The CCDF of each robot flow, and notes on flows (or a whole plot) left
/// out.
fn latency_ccdf(model: &Model, outs: &[RunOutput], name: &str) -> (Option<LatencyCcdf>, Vec<String>) {
    let mut notes = Vec::new();
    let mut curves = Vec::new();
    // Flows that sent no message, or whose messages were all lost.
    let (mut unsent, mut silent) = (Vec::new(), Vec::new());
    let mut robot_flows = 0;
    for (f, flow) in model.flows.iter().enumerate() {
        let (kind, deadline) = match flow.kind {
            FlowKind::Periodic { period, deadline, .. } => (
                format!("periodic every {} ms", fmt_ms(period.as_nanos() as f64 * 1e-6)),
                Some(deadline),
            ),
            FlowKind::Triggered { deadline, .. } => ("triggered".to_string(), deadline),
            FlowKind::Background { .. } => continue,
        };
        robot_flows += 1;
        let mut hist = Histogram::default();
        let (mut samples, mut sent) = (0u64, 0u64);
        for fo in outs.iter().filter_map(|o| o.flows.get(f)) {
            hist.merge(&fo.latency_hist);
            // Periodic flows draw on the same link profiles in every
            // replication: their distinct observations do not add up.
            samples = match flow.kind {
                FlowKind::Periodic { .. } => samples.max(fo.samples),
                _ => samples + fo.samples,
            };
            sent += fo.sent;
        }
        if hist.count() == 0 {
            if sent == 0 {
                unsent.push(format!("`{}`", flow.name));
            } else {
                silent.push(format!("`{}`", flow.name));
            }
            continue;
        }
        // The resolution: what the distinct observations support.
        let resolution = 1.0 / samples.clamp(1, hist.count()) as f64;
        let deadline_ms = deadline.map(|d| d.as_nanos() as f64 * 1e-6);
        let mut curve = CcdfCurve {
            label: flow.name.clone(),
            detail: vec![format!(
                "{}, {kind}, {} samples",
                flow.direction.name().to_uppercase(),
                thousands(samples)
            )],
            steps: ccdf_steps(&hist, resolution),
            resolution,
            deadline_ms,
        };
        curve.detail.push(match deadline_ms {
            Some(d) => {
                let p = curve.at(d);
                if p > 0.0 {
                    format!("P(latency > {} ms) ≈ {}", fmt_ms(d), fmt_prob(p))
                } else {
                    format!("none over the {} ms deadline", fmt_ms(d))
                }
            }
            None => "no deadline".into(),
        });
        curves.push(curve);
    }
    if robot_flows == 0 {
        notes.push(
            "The scenario has no robot flows (periodic or triggered [[flow]]): no latency CCDF.".into(),
        );
        return (None, notes);
    }
    if !unsent.is_empty() {
        notes.push(format!(
            "No message of {} was sent (after the warm-up): not in the latency CCDF.",
            unsent.join(", ")
        ));
    }
    if !silent.is_empty() {
        notes.push(format!(
            "No message of {} was delivered: not in the latency CCDF.",
            silent.join(", ")
        ));
    }
    if curves.is_empty() {
        return (None, notes);
    }
    if curves.iter().all(|c| c.steps.iter().all(|s| s.0 <= 0.0)) {
        notes.push(format!(
            "Every message of the robot flows arrived at once (the `{}` network): no latency CCDF.",
            model.network.link.name()
        ));
        return (None, notes);
    }
    let ccdf = LatencyCcdf {
        title: format!("Latency CCDF: {name} (network {})", model.network.link.name()),
        curves,
    };
    (Some(ccdf), notes)
}

fn station_bars(r: &Report) -> StateBars {
    StateBars {
        title: format!("Station utilization: {}", r.scenario),
        x_label: "share of server time after warm-up (%)".into(),
        legend: "state",
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

fn bottleneck_bars(r: &Report) -> StateBars {
    let main = r.bottleneck.main.as_deref();
    StateBars {
        title: format!("Bottlenecks: {}", r.scenario),
        x_label: "share of time after warm-up as sole or shifting bottleneck (%)".into(),
        legend: "bottleneck",
        rows: r
            .stations
            .iter()
            .map(|st| {
                let share = r.bottleneck.by_station.get(&st.name).copied().unwrap_or_default();
                let mark = if main == Some(st.name.as_str()) {
                    " (main)"
                } else {
                    ""
                };
                BarRow {
                    label: format!("{}{mark}", st.name),
                    shares: vec![("sole", share.sole), ("shifting", share.shifting)],
                }
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
        legend: "state",
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
    let points = plan_points(model);
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
                one_way: seg.one_way,
            }
        })
        .collect();
    let nr = match &model.network.link {
        LinkModel::Nr(nr) => Some(nr),
        _ => None,
    };
    let dl_loads: Vec<f64> = crate::factory::cell_loads(model).iter().map(|l| l[0]).collect();
    let coverage = nr.and_then(|nr| coverage(nr, layout.size, &dl_loads));
    let title = if coverage.is_some() {
        format!(
            "Floor plan and 5G coverage: {name} ({} m × {} m)",
            layout.size[0], layout.size[1]
        )
    } else {
        format!("Floor plan: {name} ({} m × {} m)", layout.size[0], layout.size[1])
    };
    Some(FloorPlan {
        title,
        size: layout.size,
        points,
        aisles,
        load_label: format!(
            "AGV passes per hour\n(mean of {})",
            plural(outs.len(), "replication")
        ),
        gnbs: nr.map_or_else(Vec::new, |nr| nr.gnbs.iter().map(|&(x, y)| [x, y]).collect()),
        coverage,
    })
}

/// The points of the layout as the floor plan shows them: a station's
/// point labelled with its stations, the fleet's warehouse, chargers and
/// home, the others by name. Empty without a layout.
pub fn plan_points(model: &Model) -> Vec<PlanPoint> {
    let Some(layout) = model.layout.as_ref() else {
        return Vec::new();
    };
    let fleet = model.fleet.as_ref();
    layout
        .points
        .iter()
        .enumerate()
        // The points that cut aisles into zones are not the scenario's;
        // they come after all of its points, so the others keep their
        // positions (the replay pairs these with the layout's points).
        .filter(|(_, p)| !p.hidden)
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
        .collect()
}

/// The floor plan alone, before any simulation (`factory5g layout`): the
/// hall, the aisles (one-way ones with their direction; each segment
/// between two points is a zone of zone control), the points with their
/// names or their stations, and the gNBs; no load and no coverage map.
/// `None` without a layout.
pub fn layout_plan(model: &Model) -> Option<FloorPlan> {
    let mut plan = floor_plan(model, &[], &model.name)?;
    plan.coverage = None;
    let [x, y] = plan.size;
    let one_way = plan.aisles.iter().filter(|a| a.one_way).count();
    plan.title = format!(
        "Layout: {} ({x} m × {y} m, {} points, {} aisle segments, {one_way} one-way)",
        model.name,
        plan.points.len(),
        plan.aisles.len()
    );
    Some(plan)
}

/// The side of a coverage cell: the smallest of 1, 2, 2.5, 5, 10, 20 m
/// giving at most 200 cells along the hall's longer side.
pub fn coverage_cell_m(size: [f64; 2]) -> f64 {
    let longest = size[0].max(size[1]);
    [1.0, 2.0, 2.5, 5.0, 10.0, 20.0]
        .into_iter()
        .find(|c| longest / c <= 200.0)
        .unwrap_or(longest / 200.0)
}

/// The gNB that serves `ue` in the coverage map, and its path loss (dB):
/// for each gNB the InF LOS and NLOS path losses weighted by the LOS
/// probability at that distance (`p·PL_LOS + (1 − p)·PL_NLOS`, dB), without
/// shadow fading (its mean in dB is 0); the least loss wins (the first gNB
/// on a tie). `None` without gNBs.
pub fn best_gnb(nr: &NrNetwork, ue: (f64, f64)) -> Option<(usize, f64)> {
    let ch = nr.nr.channel();
    nr.gnbs
        .iter()
        .map(|&(x, y)| ch.mean_path_loss((ue.0 - x).hypot(ue.1 - y)))
        .enumerate()
        .reduce(|best, next| if next.1 < best.1 { next } else { best })
}

/// The downlink SINR (dB) at `ue` from its best gNB ([`best_gnb`]),
/// deterministically: the gNB's transmit power over the least path loss,
/// against the noise over the band with the UE's noise figure and the
/// other gNBs' power weighted by their cells' downlink load `dl_loads`
/// (one per gNB, 0 to 1; reuse 1; none with `interference = false`), less
/// the interference margin. `None` without gNBs.
pub fn expected_sinr_db(nr: &NrNetwork, ue: (f64, f64), dl_loads: &[f64]) -> Option<f64> {
    let (best, loss) = best_gnb(nr, ue)?;
    let cfg = nr.nr.config();
    let budget = RadioBudget::from_config(cfg);
    let power = budget.tx_power_dbm(Direction::Dl);
    let ch = nr.nr.channel();
    let interference: f64 = if budget.interference {
        nr.gnbs
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != best)
            .map(|(j, &(x, y))| {
                let load = dl_loads.get(j).copied().unwrap_or(0.0).clamp(0.0, 1.0);
                load * dbm_to_mw(power - ch.mean_path_loss((ue.0 - x).hypot(ue.1 - y)))
            })
            .sum()
    } else {
        0.0
    };
    let noise = dbm_to_mw(budget.noise_dbm(Direction::Dl));
    Some(power - loss - mw_to_dbm(noise + interference) - cfg.interference_margin_db)
}

/// The grid of the coverage map: square cells of [`coverage_cell_m`] from
/// the origin, the last row and column cut at the walls.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct CoverageGrid {
    pub cell_m: f64,
    /// Cells along x and along y.
    pub nx: usize,
    pub ny: usize,
    size: [f64; 2],
}

impl CoverageGrid {
    /// The grid over a hall of `size` metres; `None` for an empty hall.
    pub fn of(size: [f64; 2]) -> Option<CoverageGrid> {
        if !(size[0] > 0.0 && size[1] > 0.0) {
            return None;
        }
        let cell_m = coverage_cell_m(size);
        let nx = (size[0] / cell_m - 1e-9).ceil().max(1.0) as usize;
        let ny = (size[1] / cell_m - 1e-9).ceil().max(1.0) as usize;
        Some(CoverageGrid { cell_m, nx, ny, size })
    }

    /// The centre of every cell, row by row from y = 0 (cell (i, j) is the
    /// `j * nx + i`-th).
    pub fn centres(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let centre =
            |k: usize, side: f64| (k as f64 * self.cell_m + ((k + 1) as f64 * self.cell_m).min(side)) / 2.0;
        (0..self.ny)
            .flat_map(move |j| (0..self.nx).map(move |i| (centre(i, self.size[0]), centre(j, self.size[1]))))
    }
}

/// The SINR coverage map of the hall: [`expected_sinr_db`] at the centre of
/// each cell of the [`CoverageGrid`], the other cells loaded with
/// `dl_loads`; out of coverage below CQI 1's threshold. `None` without
/// gNBs.
pub fn coverage(nr: &NrNetwork, size: [f64; 2], dl_loads: &[f64]) -> Option<Coverage> {
    if nr.gnbs.is_empty() {
        return None;
    }
    let grid = CoverageGrid::of(size)?;
    let sinr_db = grid
        .centres()
        .map(|ue| expected_sinr_db(nr, ue, dl_loads))
        .collect::<Option<Vec<f64>>>()?;
    let cfg = nr.nr.config();
    Some(Coverage {
        cell_m: grid.cell_m,
        nx: grid.nx,
        ny: grid.ny,
        sinr_db,
        threshold_db: CQI_TABLE[0].sinr_db,
        label: format!(
            "downlink SINR to the best gNB (dB)\n{}, {} GHz, {} MHz, {} dBm\npath loss weighted by the LOS \
             probability, no shadow fading\nother cells interfering at their load\n{} m cells",
            nr.nr.channel().scenario,
            cfg.carrier_ghz,
            cfg.bandwidth_mhz,
            cfg.tx_power_dbm,
            fmt_ms(grid.cell_m)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::{Nr, NrConfig};

    #[test]
    fn ccdf_of_few_messages_has_a_step_per_message() {
        let mut h = Histogram::default();
        for ms in 1..=100u64 {
            h.add(ms * 1_000_000);
        }
        let steps = ccdf_steps(&h, 0.01);
        assert_eq!(steps.len(), 100);
        // At 1 ms, 99 of the 100 are slower; at the largest, none.
        assert!(
            (steps[0].0 - 1.0).abs() < 0.004 && steps[0].1 == 0.99,
            "{:?}",
            steps[0]
        );
        assert!((steps[49].0 - 50.0).abs() < 0.2 && (steps[49].1 - 0.5).abs() < 1e-12);
        assert_eq!(*steps.last().unwrap(), (100.0, 0.0));
        assert!(steps.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 > w[1].1));
    }

    #[test]
    fn ccdf_of_many_messages_stops_at_its_resolution() {
        let mut h = Histogram::default();
        // 10^5 latencies, exponential-like: 1 ms + a long tail.
        for k in 0..100_000u64 {
            let u = (k as f64 + 0.5) / 100_000.0;
            h.add(((1.0 - u.ln()) * 1e6) as u64);
        }
        let steps = ccdf_steps(&h, 1e-3);
        let above: Vec<_> = steps.iter().filter(|s| s.1 > 0.0).collect();
        assert!(above.iter().all(|s| s.1 >= 1e-3 * (1.0 - 1e-9)));
        assert!(above.len() >= 100, "{}", above.len());
        // P(L > x) = exp(-(x - 1)): at p the latency is 1 - ln p.
        for s in &above {
            let want = 1.0 - s.1.ln();
            assert!((s.0 / want - 1.0).abs() < 0.01, "{s:?} vs {want}");
        }
        assert_eq!(steps.last().unwrap().1, 0.0);
        assert!(ccdf_steps(&Histogram::default(), 0.1).is_empty());
    }

    #[test]
    fn coverage_is_the_best_gnb_with_the_los_weighted_path_loss() {
        let nr = NrNetwork {
            nr: Nr::new(NrConfig::default()).unwrap(),
            gnbs: vec![(10.0, 10.0), (390.0, 10.0)],
            laws: Default::default(),
            stack_ue: None,
            stack_gnb: None,
        };
        // By hand at 30 m from the first gNB (the other is far).
        let ch = nr.nr.channel();
        let p = ch.p_los(30.0);
        let pl = p * ch.path_loss(30.0, true) + (1.0 - p) * ch.path_loss(30.0, false);
        // Unloaded, the other gNB does not interfere: the SNR, −174 dBm/Hz
        // over 100 MHz with the UE's 9 dB noise figure.
        let noise = -174.0 + 80.0 + 9.0;
        let want = 24.0 - pl - noise;
        assert!((expected_sinr_db(&nr, (40.0, 10.0), &[]).unwrap() - want).abs() < 1e-9);
        // Fully loaded, it does: S / (N + I), I its power at 350 m.
        let mw = |dbm: f64| 10f64.powf(dbm / 10.0);
        let q = ch.p_los(350.0);
        let far = q * ch.path_loss(350.0, true) + (1.0 - q) * ch.path_loss(350.0, false);
        let loaded = 24.0 - pl - 10.0 * (mw(noise) + mw(24.0 - far)).log10();
        let got = expected_sinr_db(&nr, (40.0, 10.0), &[1.0, 1.0]).unwrap();
        assert!((got - loaded).abs() < 1e-9, "{got} vs {loaded}");
        let half = 24.0 - pl - 10.0 * (mw(noise) + 0.5 * mw(24.0 - far)).log10();
        let got = expected_sinr_db(&nr, (40.0, 10.0), &[0.0, 0.5]).unwrap();
        assert!((got - half).abs() < 1e-9, "{got} vs {half}");
        // Symmetric, and weaker away from the gNBs.
        let a = expected_sinr_db(&nr, (50.0, 10.0), &[]).unwrap();
        let b = expected_sinr_db(&nr, (350.0, 10.0), &[]).unwrap();
        assert!((a - b).abs() < 1e-9);
        assert!(expected_sinr_db(&nr, (200.0, 10.0), &[]).unwrap() < a);

        let size = [400.0, 21.0];
        let cov = coverage(&nr, size, &[]).unwrap();
        assert_eq!(cov.cell_m, 2.0);
        assert_eq!((cov.nx, cov.ny), (200, 11));
        assert_eq!(cov.sinr_db.len(), 200 * 11);
        assert_eq!(cov.threshold_db, CQI_TABLE[0].sinr_db);
        // The cell holding the first gNB is the best; the middle the worst.
        let best = cov.sinr_db.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(cov.sinr_db[5 * 200 + 5], best);
        assert!(cov.sinr_db[5 * 200 + 100] < cov.sinr_db[5 * 200 + 50]);
        // The last row is cut at the wall: its centre is at y = 20.5.
        let last = expected_sinr_db(&nr, (11.0, 20.5), &[]).unwrap();
        assert!((cov.sinr_db[10 * 200 + 5] - last).abs() < 1e-9);
        // Deterministic.
        assert_eq!(coverage(&nr, size, &[]).unwrap().sinr_db, cov.sinr_db);
        let none = NrNetwork {
            gnbs: vec![],
            ..nr.clone()
        };
        assert!(coverage(&none, size, &[]).is_none());
        assert_eq!(coverage_cell_m([500.0, 200.0]), 2.5);
        assert_eq!(coverage_cell_m([40.0, 10.0]), 1.0);
    }
}
