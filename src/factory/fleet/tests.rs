//! The fleet alone: a test plays the plant, popping the fleet's events,
//! handing back its continuations and recording what it asks for.
use super::*;
use crate::engine::EventQueue;
use crate::model::StationId;

/// One AGV at the warehouse `w`, one station at `b`, two aisles of 50
/// and 60 m between them, driven at 2 m/s; loading 10 s, unloading 20 s.
const PLANT: &str = r#"
[scenario]
horizon = "1h"
[layout]
size = [100, 100]
points = { w = [0, 0], m = [50, 0], b = [50, 60] }
aisles = [["w", "m"], ["m", "b"]]
[fleet]
agvs = 1
speed = "2m/s"
load = "10s"
unload = "20s"
home = "w"
warehouse = "w"
[[station]]
name = "s"
at = "b"
process = "1min"
[[product]]
name = "job"
release = "const(1h)"
route = ["s"]
"#;

fn plant() -> Model {
    crate::scenario::load_str("fleet.toml", PLANT, None, &[])
        .expect("valid")
        .model
}

/// Runs the fleet's events to the end; returns the effects meant for
/// the plant with their times (continuations are handed straight back).
fn run(
    fleet: &mut FleetRt,
    model: &Model,
    queue: &mut EventQueue<Event>,
    first: impl FnOnce(&mut FleetRt, &mut Ctx, &mut Vec<Effect>),
) -> Vec<(f64, Effect)> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    let mut step = |now: SimTime,
                    fleet: &mut FleetRt,
                    queue: &mut EventQueue<Event>,
                    call: &mut dyn FnMut(&mut FleetRt, &mut Ctx, &mut Vec<Effect>)| {
        let mut ctx = Ctx {
            now,
            model,
            queue,
            trace: None,
            view: (),
        };
        call(fleet, &mut ctx, &mut out);
        while let Some(effect) = (!out.is_empty()).then(|| out.remove(0)) {
            match effect {
                Effect::ThenAgv { agv, step } => fleet.then(agv as usize, step, &mut ctx, &mut out),
                other => seen.push((now.as_secs_f64(), other)),
            }
        }
    };
    let mut first = Some(first);
    step(SimTime::ZERO, fleet, queue, &mut |f, ctx, out| {
        (first.take().unwrap())(f, ctx, out)
    });
    while let Some((now, event)) = queue.pop() {
        step(now, fleet, queue, &mut |f, ctx, out| match event {
            Event::AgvArrive { agv } => f.on_arrive(agv as usize, ctx, out),
            Event::AgvHandled { agv } => f.on_handled(agv as usize, ctx, out),
            Event::AgvCharged { agv } => f.on_charged(agv as usize, ctx, out),
            other => panic!("not the fleet's event: {other:?}"),
        });
    }
    seen
}

#[test]
fn a_transport_request_is_answered_with_a_pickup_then_a_delivery() {
    let model = plant();
    let spec = model.fleet.as_ref().unwrap();
    let (from, to): (PointId, PointId) = (spec.warehouse, model.stations[0].at.unwrap());
    let mut fleet = FleetRt::new(&model, spec, &RngStreams::new(1, 0), false, Messages::default());
    let mut queue = EventQueue::new();
    let cargo = Cargo::Job {
        job: 7,
        dest: 0 as StationId,
    };
    let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
        f.request_transport(cargo, from, to, ctx, out)
    });
    // Loaded where it stands after 10 s; 110 m at 2 m/s and 20 s later,
    // delivered.
    assert_eq!(
        seen,
        [(10.0, Effect::PickedUp(7)), (85.0, Effect::Delivered(cargo))]
    );
    let out = fleet.output(SimTime::from_secs(85), &model);
    assert_eq!((out.trips, out.trip_s.mean()), (1, 85.0));
    // Zone control: every segment of the path entered once.
    assert_eq!(out.segment_traversals, [1, 1]);
}

#[test]
fn a_dispatch_over_the_network_waits_for_its_exchange() {
    let model = plant();
    let spec = model.fleet.as_ref().unwrap();
    let messages = Messages {
        dispatch: true,
        ..Messages::default()
    };
    let mut fleet = FleetRt::new(&model, spec, &RngStreams::new(1, 0), false, messages);
    let mut queue = EventQueue::new();
    let cargo = Cargo::Kit {
        station: 0,
        server: 0,
    };
    let (from, to) = (spec.warehouse, model.stations[0].at.unwrap());
    let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
        f.request_transport(cargo, from, to, ctx, out)
    });
    // The AGV waits for its task: nothing moves until the exchange is done.
    assert_eq!(seen, [(0.0, Effect::StartExchange(Waiter::Dispatch(0)))]);
    assert_eq!(fleet.agvs[0].clock.state(), AgvState::NetworkWait as usize);
    let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
        f.exchange_done(Waiter::Dispatch(0), ctx, out)
    });
    assert_eq!(seen, [(85.0, Effect::Delivered(cargo))]);
}

#[test]
fn a_loaded_agv_drives_at_its_loaded_speed() {
    let text = PLANT.replace("speed = \"2m/s\"", "speed = \"2m/s\"\nspeed_loaded = \"1m/s\"");
    let model = crate::scenario::load_str("fleet.toml", &text, None, &[])
        .expect("valid")
        .model;
    let spec = model.fleet.as_ref().unwrap();
    let mut fleet = FleetRt::new(&model, spec, &RngStreams::new(1, 0), false, Messages::default());
    let mut queue = EventQueue::new();
    let (w, b) = (spec.warehouse, model.stations[0].at.unwrap());
    let first = Cargo::Job { job: 1, dest: 0 };
    let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
        f.request_transport(first, w, b, ctx, out)
    });
    // 10 s loading, 110 m at 1 m/s, 20 s unloading.
    assert_eq!(seen.last(), Some(&(140.0, Effect::Delivered(first))));
    // Back empty, at 2 m/s: from b to w and back loaded.
    let second = Cargo::Job { job: 2, dest: 0 };
    let mut queue = EventQueue::new();
    let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
        f.request_transport(second, w, b, ctx, out)
    });
    assert_eq!(
        seen,
        [(65.0, Effect::PickedUp(2)), (195.0, Effect::Delivered(second))]
    );
}

/// A crossing `c` of two aisles, w-c-e and s-c-n, 10 m each way, driven at
/// 1 m/s; loading and unloading 10 s. One AGV starts at `w`, one at `s`.
const CROSSING: &str = r#"
[scenario]
horizon = "1h"
[layout]
size = [20, 20]
points = { w = [0, 10], c = [10, 10], e = [20, 10], s = [10, 0], n = [10, 20] }
aisles = [["w", "c", "e"], ["s", "c", "n"]]
[fleet]
agvs = 2
speed = "1m/s"
load = "10s"
unload = "10s"
home = "w"
zone_control = true
deadlock = "MODE"
[[station]]
name = "x"
at = "e"
process = "1min"
[[product]]
name = "job"
release = "const(1h)"
route = ["x"]
"#;

/// Two AGVs reach the crossing at once, w to e and s to n: under
/// avoidance one waits at the crossing until the other has cleared the
/// zone after it; under detection they pass at the same time.
#[test]
fn a_crossing_lets_one_agv_through_at_a_time() {
    for (mode, deliveries) in [("avoid", [40.0, 50.0]), ("detect", [40.0, 40.0])] {
        let text = CROSSING.replace("MODE", mode);
        let model = crate::scenario::load_str("fleet.toml", &text, None, &[])
            .expect("valid")
            .model;
        let layout = model.layout.as_ref().unwrap();
        let point = |name: &str| layout.point(name).unwrap();
        assert!(layout.is_crossing(point("c")));
        let spec = model.fleet.as_ref().unwrap();
        let mut fleet = FleetRt::new(&model, spec, &RngStreams::new(1, 0), false, Messages::default());
        fleet.agvs[1].at = point("s");
        let mut queue = EventQueue::new();
        let (east, north) = (Cargo::Job { job: 1, dest: 0 }, Cargo::Job { job: 2, dest: 0 });
        let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
            f.request_transport(east, point("w"), point("e"), ctx, out);
            f.request_transport(north, point("s"), point("n"), ctx, out);
        });
        let mut delivered: Vec<f64> = seen
            .iter()
            .filter(|(_, e)| matches!(e, Effect::Delivered(_)))
            .map(|(t, _)| *t)
            .collect();
        delivered.sort_by(f64::total_cmp);
        // 10 s loading, 20 m, 10 s unloading; under avoidance the second AGV
        // waits 10 s at the crossing.
        assert_eq!(delivered, deliveries, "{mode}");
        let out = fleet.output(SimTime::from_secs(60), &model);
        assert_eq!(out.max_segment_occupancy, 1, "{mode}");
        let crossing = if mode == "avoid" { 1 } else { 0 };
        assert_eq!(out.max_crossing_occupancy, crossing, "{mode}");
    }
}
