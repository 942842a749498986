//! The text summary that `run` prints: key figures, then a table per part
//! of the plant (stations, robot groups, network flows).
//!
//! Units (one convention for every text the report makes: this summary,
//! summary.md, report.html and the plots): throughput per hour (`end
//! products/h` for the plant, `/h` per product), lead times and queue
//! waits in hours (`h`), latencies in milliseconds, shares of time in
//! percent. report.json and the CSVs keep the units their keys name
//! (`_s` seconds, `_ms` milliseconds, `_per_h`, fractions from 0 to 1).
//!
//! Tables are [`TextTable`]s: columns as wide as their widest value,
//! always separated, whatever the values. What the figures alone would
//! hide (nothing produced, robots stopped throughout, a flow that lost
//! everything; see [`super::findings`]) is said beside them.

use super::findings;
use super::Report;
use crate::factory::{AgvState, StationState};
use crate::text::{fmt_sig, TextTable};
use std::fmt::Write;

/// Seconds as hours, to 3 significant digits: the unit of lead times and
/// queue waits in text.
pub fn hours(s: f64) -> String {
    fmt_sig(s / 3600.0, 3)
}

/// `mean (95% CI lo to hi)` with `digits` decimals, each value through `f`;
/// `, clipped` when an end of the interval was clipped to the quantity's
/// range.
fn with_ci(mean: f64, ci95: Option<[f64; 2]>, clipped: bool, f: &dyn Fn(f64) -> String) -> String {
    match ci95 {
        Some([lo, hi]) => format!(
            "{} (95% CI {} to {}{})",
            f(mean),
            f(lo),
            f(hi),
            if clipped { ", clipped at the bound" } else { "" }
        ),
        None => f(mean),
    }
}

/// The human summary printed by `run`.
pub fn text_summary(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "scenario {}: {} replication(s), seed {}, horizon {:.1} h, warm-up {:.1} h",
        r.scenario,
        r.replications,
        r.seed,
        r.horizon_s / 3600.0,
        r.warmup_s / 3600.0
    );
    let _ = writeln!(
        s,
        "run: {} events in {:.3} s ({:.2} M events/s)\n",
        r.run.events,
        r.run.wall_s,
        r.run.events_per_s / 1e6
    );
    let nothing = r.nothing_produced;
    let three = |x: f64| format!("{x:.3}");
    let mut key = TextTable::new(&["", "", ""], &[false, false, false]);
    let tp = &r.throughput_per_h;
    key.row(vec![
        "throughput".into(),
        with_ci(tp.mean, tp.ci95, tp.clipped, &three),
        if nothing {
            "end products/h: nothing produced after the warm-up".into()
        } else {
            "end products/h".into()
        },
    ]);
    for (name, e) in &tp.by_product {
        key.row(vec![
            format!("  {name}"),
            with_ci(e.mean, e.ci95, e.clipped, &three),
            "/h".into(),
        ]);
    }
    let lt = &r.lead_time_s;
    if nothing {
        key.row(vec![
            "lead time".into(),
            "-".into(),
            "no end product finished after the warm-up".into(),
        ]);
    } else {
        key.row(vec![
            "lead time".into(),
            with_ci(lt.mean, lt.ci95, lt.clipped, &hours),
            "h".into(),
        ]);
        if let (Some(p50), Some(p95)) = (lt.p50, lt.p95) {
            key.row(vec![
                String::new(),
                format!("p50 {}, p95 {}", hours(p50), hours(p95)),
                "h".into(),
            ]);
        }
    }
    key.row(vec!["WIP".into(), format!("{:.2}", r.wip.mean), "jobs".into()]);
    // The header row of this table is empty: skip it.
    s.extend(key.render("").lines().skip(1).map(|l| format!("{l}\n")));
    s.push_str(&super::capacity::text_lines(
        &r.bottleneck,
        &r.pools,
        r.energy_kwh.as_ref(),
    ));
    s.push('\n');
    s.push_str(&stations(r).render(""));
    robots(r, &mut s);
    network(r, &mut s);
    s
}

/// One row per station: servers, jobs done, the share of each state, the
/// mean queue wait (h) and length.
fn stations(r: &Report) -> TextTable {
    let mut header = vec!["station", "servers", "done"];
    header.extend(StationState::ALL.iter().map(|s| s.key()));
    header.extend(["queue wait h", "queue"]);
    let right: Vec<bool> = (0..header.len()).map(|i| i > 0).collect();
    let mut t = TextTable::new(&header, &right);
    for st in &r.stations {
        let mut row = vec![
            st.name.clone(),
            st.servers.to_string(),
            format!("{:.1}", st.completed),
        ];
        row.extend(
            StationState::ALL
                .iter()
                .map(|&x| format!("{:.1}%", 100.0 * st.utilization.get(x))),
        );
        row.push(hours(st.queue_wait_s.mean));
        row.push(format!("{:.2}", st.queue_len.mean));
        t.row(row);
    }
    t
}

/// Every robot group: the AGV fleet in AGV states, each arm station in
/// station states; groups stopped throughout are said so.
fn robots(r: &Report, s: &mut String) {
    let rb = &r.robots;
    if rb.total == 0 {
        return;
    }
    let _ = writeln!(
        s,
        "\nrobots: {} ({} AGVs, {} arms), share of robot time",
        rb.total, rb.agvs, rb.arms
    );
    let stopped = findings::stopped_throughout(r);
    for kind in ["agv", "arm"] {
        let states: Vec<&str> = if kind == "agv" {
            AgvState::ALL.iter().map(|x| x.key()).collect()
        } else {
            StationState::ALL.iter().map(|x| x.key()).collect()
        };
        let groups: Vec<_> = rb.by_group.iter().filter(|g| g.kind == kind).collect();
        if groups.is_empty() {
            continue;
        }
        let mut header = vec![if kind == "agv" { "AGVs" } else { "arms" }, "count"];
        header.extend(&states);
        let right: Vec<bool> = (0..header.len()).map(|i| i > 0).collect();
        let mut t = TextTable::new(&header, &right);
        for g in groups {
            let mut row = vec![g.name.clone(), g.count.to_string()];
            row.extend(states.iter().map(|x| {
                g.utilization
                    .get(x)
                    .map_or_else(|| "-".into(), |f| format!("{:.1}%", 100.0 * f))
            }));
            t.row(row);
        }
        s.push_str(&t.render("  "));
    }
    for name in stopped {
        let _ = writeln!(
            s,
            "  {name}: stopped throughout; the stop began before the warm-up ended and never ended"
        );
    }
}

/// The flows: messages per replication, availability, latency.
fn network(r: &Report, s: &mut String) {
    let net = &r.network;
    if net.flows.is_empty() && net.background.is_empty() && net.model == "ideal" {
        return;
    }
    let _ = writeln!(
        s,
        "\nnetwork: {} (messages per replication; latency of delivered messages, all replications)",
        net.model
    );
    if net.flows.is_empty() {
        let _ = writeln!(s, "  no robot flows");
    } else {
        let mut t = TextTable::new(
            &[
                "flow", "dir", "sent", "lost", "late", "stops", "avail", "mean ms", "p99 ms",
            ],
            &[false, false, true, true, true, true, true, true, true],
        );
        let ms = |x: Option<f64>| x.map_or_else(|| "-".to_string(), |v| format!("{v:.2}"));
        for f in &net.flows {
            t.row(vec![
                f.name.clone(),
                f.direction.name().to_uppercase(),
                format!("{:.1}", f.sent),
                format!("{:.1}", f.lost),
                format!("{:.1}", f.deadline_misses),
                format!("{:.1}", f.survival_violations),
                format!("{:.6}", f.availability),
                ms(f.latency_ms.mean),
                ms(f.latency_ms.p99),
            ]);
        }
        s.push_str(&t.render("  "));
        for f in net.flows.iter().filter(|f| findings::lost_everything(f)) {
            let _ = writeln!(s, "  {}: no message arrived in time", f.name);
        }
        for f in net.flows.iter().filter(|f| f.stops_at_warmup > 0.0) {
            let since = f
                .stopped_since_s
                .map_or_else(String::new, |t| format!(", since {} h", hours(t)));
            let _ = writeln!(
                s,
                "  {}: {:.1} robots already stopped when the warm-up ended{since}; not counted in stops",
                f.name, f.stops_at_warmup
            );
        }
    }
    for b in &net.background {
        let _ = writeln!(
            s,
            "  background {}: {} × {} Mbit/s {}, {}{}, priority {}",
            b.name,
            b.ues,
            b.rate_bps / 1e6,
            b.direction.name().to_uppercase(),
            b.traffic,
            b.fps.map_or_else(String::new, |f| format!(" at {f} fps")),
            b.priority
        );
    }
    if !net.cells.is_empty() {
        let busiest = |load: fn(&crate::report::network::CellReport) -> f64| {
            net.cells
                .iter()
                .max_by(|a, b| load(a).total_cmp(&load(b)))
                .map(|c| format!("{:.2} ({})", load(c), c.name))
                .unwrap_or_default()
        };
        let interrupted: f64 = net.flows.iter().map(|f| f.interruptions).sum();
        let _ = writeln!(
            s,
            "  radio: {:.1} handovers, {:.1} radio link failures, {:.1} messages sent during interruptions; \
             busiest cells: DL {}, UL {}",
            net.handovers,
            net.rlf,
            interrupted,
            busiest(|c| c.dl_load),
            busiest(|c| c.ul_load)
        );
    }
}
