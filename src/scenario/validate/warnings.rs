//! Warnings on a model that validated: it runs, but probably not as meant.
//! A station whose offered load per server is 1 or more, setups between
//! products included (its queue grows without bound), a station no route
//! visits and that never fails, end products released by CONWIP beside
//! others released at their own rate (throughput then measures neither
//! demand nor capacity), a run so long that it would take hours or
//! days (a rough count of its events), and a fleet that can deadlock under
//! `deadlock = "detect"`.
//!
//! The deadlock test: under `"detect"` an AGV holds the segment it is on
//! until the next is granted, so a deadlock is a cycle of segments, each
//! followed by the next on some AGV's route, with an AGV on each waiting
//! for the next. The routes are the shortest paths between the points the
//! fleet stops at (home, warehouse, stations, chargers, parking); the test
//! warns when the shortest such cycle has no more segments than the fleet
//! has AGVs (a two-way aisle of two segments or more that routes drive both
//! ways, with two AGVs; a one-way loop shorter than the fleet). It is
//! sufficient: every deadlock `"detect"` can end a run with is such a
//! cycle. It does not tell whether the dispatching and the timing of the
//! plant will ever fill the cycle, so a plant that it warns about may run
//! for a long time before it deadlocks, or never (say, a two-way aisle that
//! only one AGV ever uses at a time).

use crate::model::{Deadlock, Model, Product};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::raw::Raw;

/// Above this many events per replication (a rough estimate), validation
/// warns that a run will take very long.
pub(crate) const MANY_EVENTS: f64 = 1e10;

/// Every warning about `model`, at the places of `raw` they concern.
pub(super) fn warn(model: &Model, raw: &Raw, sink: &mut Sink) {
    let name_spans: Vec<Span> = raw.stations.ok().map_or_else(Vec::new, |list| {
        list.v
            .iter()
            .map(|station| station.name.ok().map_or(station.span, |name| name.span))
            .collect()
    });
    warn_stations(model, &name_spans, sink);
    warn_mixed_releases(model, raw, sink);
    let horizon_span = raw
        .scenario
        .ok()
        .and_then(|table| table.v.horizon.ok())
        .map(|horizon| horizon.span);
    warn_long_run(model, horizon_span, sink);
    let fleet_span = raw.fleet.ok().map(|fleet| {
        let fleet = &fleet.v;
        fleet
            .deadlock
            .ok()
            .map(|d| d.span)
            .or(fleet.zone_control.ok().map(|z| z.span))
            .unwrap_or(fleet.key_span)
    });
    warn_deadlock(model, fleet_span, sink);
}

/// Warns when zone control that only detects deadlock can deadlock: the
/// shortest cycle of segments along the fleet's routes has at most as many
/// segments as there are AGVs.
fn warn_deadlock(model: &Model, span: Option<Span>, sink: &mut Sink) {
    let (Some(fleet), Some(layout)) = (&model.fleet, &model.layout) else {
        return;
    };
    if fleet.deadlock != Deadlock::Detect {
        return;
    }
    let Some(cycle) = model.zone_deadlock_cycle() else {
        return;
    };
    let name = |s: usize| {
        let segment = &layout.segments[s];
        format!(
            "{}-{}",
            layout.points[segment.a].name, layout.points[segment.b].name
        )
    };
    let mut shown: Vec<String> = cycle.iter().take(6).map(|&s| name(s)).collect();
    if cycle.len() > shown.len() {
        shown.push("...".to_string());
    }
    sink.warning(
        span,
        "fleet.deadlock",
        format!(
            "with deadlock = \"detect\" these {} AGVs can deadlock: the {} aisle segments {} each lead to the next on some AGV's route, and {} AGVs, one on each waiting for the next, would wait forever; set deadlock = \"avoid\" (the default), or make the aisles one-way with loops longer than the fleet",
            fleet.agvs,
            cycle.len(),
            shown.join(", "),
            cycle.len()
        ),
    );
}

/// Unstable and idle stations, at their names.
fn warn_stations(model: &Model, name_spans: &[Span], sink: &mut Sink) {
    let util = model.offered_utilization();
    let setups = model.offered_setup_utilization();
    let mut visited = vec![false; model.stations.len()];
    for product in &model.products {
        for step in &product.route {
            if let Some(seen) = visited.get_mut(step.station) {
                *seen = true;
            }
        }
    }
    for (i, station) in model.stations.iter().enumerate() {
        let span = name_spans.get(i).copied();
        let key = format!("station.{}", station.name);
        let utilization = util.get(i).copied().unwrap_or(0.0);
        if utilization >= 1.0 || utilization.is_nan() {
            let setup = setups.get(i).copied().unwrap_or(0.0);
            let split = if setup > 0.0 {
                format!(
                    " ({:.2} processing, {setup:.2} setups between products)",
                    utilization - setup
                )
            } else {
                String::new()
            };
            sink.warning(
                span,
                &key,
                format!(
                    "unstable: offered utilization {utilization:.2} ≥ 1 at station `{}`{split}; queues will grow without bound",
                    station.name
                ),
            );
        }
        if !visited.get(i).copied().unwrap_or(false) && station.failures.is_none() {
            sink.warning(
                span,
                &key,
                format!(
                    "station `{}` is not in any route and has no failures; it does nothing",
                    station.name
                ),
            );
        }
    }
}

/// CONWIP end products beside end products released at their own rate:
/// warned at the first CONWIP product's release.
fn warn_mixed_releases(model: &Model, raw: &Raw, sink: &mut Sink) {
    let conwip = model.products.iter().position(|p| p.release.conwip().is_some());
    let open = model.products.iter().find(|p| p.release.interarrival().is_some());
    let (Some(conwip), Some(open)) = (conwip, open) else {
        return;
    };
    let span = raw
        .products
        .ok()
        .and_then(|list| list.v.get(conwip))
        .and_then(|product| product.release.ok())
        .map(|release| release.span);
    let name = &model.products[conwip].name;
    sink.warning(
        span,
        &format!("product.{name}.release"),
        format!(
            "product `{name}` is released by CONWIP but `{}` at its own rate: a product can be released one way only, and with both the throughput measures neither the demand nor the plant's capacity; release every end product by CONWIP to measure capacity",
            open.name
        ),
    );
}

/// A rough count of the events of one replication: releases and the steps
/// of their jobs (with AGV trips), sub-assemblies, and failures.
fn estimated_events(model: &Model) -> f64 {
    let horizon = model.horizon.as_nanos() as f64;
    let trip = if model.fleet.is_some() { 4.0 } else { 0.0 };
    let route_events = |product: &Product| -> f64 {
        product
            .route
            .iter()
            .map(|step| 2.0 + trip + if step.kit { trip } else { 0.0 })
            .sum::<f64>()
    };
    let mut events = 0.0;
    for product in &model.products {
        let Some(every) = product.release.interarrival() else {
            continue;
        };
        let jobs = horizon / every.mean_ns().max(1.0);
        let subs: f64 = product
            .route
            .iter()
            .flat_map(|step| &step.assemble)
            .map(|&sub| route_events(&model.products[sub]))
            .sum();
        events += jobs * (1.0 + route_events(product) + subs);
    }
    for station in &model.stations {
        if let Some(failures) = &station.failures {
            events += 2.0 * f64::from(station.servers) * horizon / failures.mtbf.mean_ns().max(1.0);
        }
    }
    events
}

/// Warns when a replication would take very long: about [`MANY_EVENTS`]
/// events or more.
fn warn_long_run(model: &Model, horizon_span: Option<Span>, sink: &mut Sink) {
    let events = estimated_events(model);
    if events.is_nan() || events < MANY_EVENTS {
        return;
    }
    // A few million events a second on one core (see the README).
    let secs = events / 5e6;
    let time = if secs >= 2.0 * 86_400.0 {
        format!("{:.0} days", secs / 86_400.0)
    } else {
        format!("{:.0} hours", secs / 3600.0)
    };
    sink.warning(
        horizon_span,
        "scenario.horizon",
        format!(
            "about {events:.1e} events per replication over this horizon (jobs released, their steps, failures); at a few million events a second that is some {time} per replication. Shorten the horizon or slow the releases, or bound the run with `--max-events N` or `--timeout 1h`"
        ),
    );
}
