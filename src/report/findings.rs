//! What went wrong in the plant as a whole, said in words: a plant that
//! produced nothing, robot groups stopped for the whole observed period,
//! flows none of whose messages arrived in time. These are the edges where
//! the figures alone mislead (a throughput of 0.000 and a lead time of 0
//! read like numbers, a stop count of 0 beside robots stopped 100% reads
//! like no stops), so each finding becomes a sentence of the report's
//! `warnings` and a note beside its figure in the text summary.
//!
//! The tests of a finding are exact, not thresholds: nothing produced means
//! no end product finished after the warm-up in any replication; a group
//! stopped throughout means its `stopped` share is 1 in every replication
//! (so the stop began before the warm-up ended); a flow that lost
//! everything sent messages of which none was delivered within its
//! deadline.

use super::network::FlowReport;
use super::warmup::fmt_duration;
use super::Report;
use crate::factory::RunOutput;
use crate::model::{FlowRobots, Model};
use crate::text::thousands;

/// Whether no replication finished an end product after the warm-up.
pub fn nothing_produced(outs: &[RunOutput]) -> bool {
    !outs.is_empty()
        && outs.iter().all(|o| {
            o.products
                .iter()
                .filter(|p| p.end_product)
                .all(|p| p.completed == 0)
        })
}

/// The robot groups whose robots were all stopped for the whole observed
/// period in every replication.
pub fn stopped_throughout(r: &Report) -> Vec<&str> {
    r.robots
        .by_group
        .iter()
        .filter(|g| g.utilization.get("stopped").is_some_and(|&s| s >= 1.0))
        .map(|g| g.name.as_str())
        .collect()
}

/// Whether a flow sent messages and none arrived within its deadline.
pub fn lost_everything(f: &FlowReport) -> bool {
    f.sent > 0.0 && (f.delivered <= 0.0 || f.lost + f.deadline_misses >= f.sent)
}

/// The earliest start of a stop under way at the warm-up's end among the
/// flows whose robots include group `group` (`agv`, or an arm station).
fn group_stopped_since(model: &Model, r: &Report, group: &str) -> Option<f64> {
    model
        .flows
        .iter()
        .filter(|flow| match flow.robots {
            FlowRobots::All => true,
            FlowRobots::Agvs => group == "agv",
            FlowRobots::Station(s) => model.stations.get(s).is_some_and(|st| st.name == group),
        })
        .filter_map(|flow| {
            r.network
                .flows
                .iter()
                .find(|f| f.name == flow.name)?
                .stopped_since_s
        })
        .reduce(f64::min)
}

/// The cells and directions whose offered background load reaches their
/// capacity: ((number from 1, gNB position), direction, load).
pub fn saturated_cells(model: &Model) -> Vec<((usize, String), &'static str, f64)> {
    let gnbs = match &model.network.link {
        crate::model::LinkModel::Nr(nr) => nr.gnbs().to_vec(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (c, loads) in crate::factory::cell_loads(model).iter().enumerate() {
        let at = gnbs.get(c).map_or_else(
            || "the one gNB".to_string(),
            |(x, y)| format!("gNB at ({x}, {y}) m"),
        );
        for (d, name) in [(0, "downlink"), (1, "uplink")] {
            if loads[d] >= 1.0 {
                out.push(((c + 1, at.clone()), name, loads[d]));
            }
        }
    }
    out
}

/// The queue laws the run could not compute for a reason other than
/// saturation without a discard timer (which `saturated_cells` names):
/// (cell from 1, direction, priority level, why).
fn uncomputed_laws(model: &Model) -> Vec<(usize, &'static str, usize, String)> {
    let crate::model::LinkModel::Nr(nr) = &model.network.link else {
        return Vec::new();
    };
    let Some(laws) = nr.laws.get() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (c, both) in laws.iter().enumerate() {
        for (d, name) in [(0, "downlink"), (1, "uplink")] {
            for (i, law) in both[d].iter().enumerate() {
                if let Some(Err(crate::net::LawError::Invalid(why))) = law {
                    out.push((c + 1, name, i + 1, why.clone()));
                }
            }
        }
    }
    out
}

/// The sentences for `warnings`, in the order: production, robots, flows.
pub fn warnings(model: &Model, r: &Report, outs: &[RunOutput]) -> Vec<String> {
    let mut out = Vec::new();
    if nothing_produced(outs) {
        out.push(format!(
            "nothing produced: no end product was finished after the warm-up in any of the {} \
             replication(s), so the throughput is 0 and the lead time is undefined (reported as 0); \
             {:.1} jobs were in the plant on average. A longer warm-up would not change this: look at \
             the stopped robots, the flows and the stations below",
            outs.len(),
            r.wip.mean
        ));
    }
    for g in r
        .robots
        .by_group
        .iter()
        .filter(|g| stopped_throughout(r).contains(&g.name.as_str()))
    {
        let who = match g.kind {
            "agv" => format!("all {} AGVs", g.count),
            _ => format!("all {} arms of station `{}`", g.count, g.name),
        };
        let since = group_stopped_since(model, r, &g.name).map_or_else(String::new, |s| {
            format!(" (the first since {}, during the warm-up)", fmt_duration(s))
        });
        out.push(format!(
            "{who} were stopped (protective stop) for the whole observed period of every replication: \
             they stopped before the warm-up ended, at {}{since}, and never restarted",
            fmt_duration(r.warmup_s)
        ));
    }
    for f in r.network.flows.iter().filter(|f| f.stops_at_warmup > 0.0) {
        let since = f
            .stopped_since_s
            .map_or_else(String::new, |s| format!(", the first since {}", fmt_duration(s)));
        out.push(format!(
            "flow `{}`: {:.1} robots per replication were in a protective stop when the warm-up ended{since}; \
             those stops began during the warm-up and are not among its {:.1} stops (survival_violations), \
             see stops_at_warmup",
            f.name, f.stops_at_warmup, f.survival_violations
        ));
    }
    let saturated = saturated_cells(model);
    let discard_timer = match &model.network.link {
        crate::model::LinkModel::Nr(nr) => nr.nr.config().discard_timer,
        _ => None,
    };
    for (cell, dir, load) in &saturated {
        let fate = match discard_timer {
            Some(timer) => format!(
                "the discard timer ({} ms) drops what waits longer, so robot messages at the background's \
                 priority level or below wait up to it and many are dropped",
                timer.as_nanos() as f64 * 1e-6
            ),
            None => "its queue grows without bound (no discard timer), so robot messages at the \
                     background's priority level or below are lost"
                .to_string(),
        };
        out.push(format!(
            "cell {} ({}) {}: the background offers {:.2} of its capacity; {fate} (those above it still \
             pass); lower the background's rate, raise the robots' priority or add a gNB",
            cell.0, cell.1, dir, load
        ));
    }
    for (cell, dir, level, why) in uncomputed_laws(model) {
        out.push(format!(
            "cell {cell} {dir}: the queue law of priority level {level} could not be computed ({why}); \
             robot messages of that level in this cell fail (triggered ones lost, periodic ones late), as in a \
             saturated cell without a discard timer"
        ));
    }
    for f in r.network.flows.iter().filter(|f| lost_everything(f)) {
        let sent = thousands(f.sent.round() as u64);
        let why = if f.delivered <= 0.0 && f.lost >= f.sent {
            "all lost".to_string()
        } else {
            format!(
                "{} lost, {} later than the deadline",
                thousands(f.lost.round() as u64),
                thousands(f.deadline_misses.round() as u64)
            )
        };
        let cells = if saturated.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = saturated
                .iter()
                .map(|(c, d, load)| format!("cell {} {d} at {load:.2}", c.0))
                .collect();
            format!("; offered load of the saturated cells: {}", list.join(", "))
        };
        out.push(format!(
            "flow `{}` lost everything: none of its {sent} messages per replication arrived in time \
             ({why}); availability {:.3}{cells}",
            f.name, f.availability
        ));
    }
    out
}
