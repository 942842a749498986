//! The fleet as real fleets run it: AGV movements in the trace.

use super::model;
use factory5g::factory::{simulate_traced, AgvState, Trace, TraceRecord};
use factory5g::model::Model;

/// A plant of `agvs` AGVs on a 3 × 2 grid of 30 m × 20 m aisles (or on the
/// open floor, rectilinear, when `aisles` is false), with two stations and
/// a warehouse; `extra` is added to `[fleet]`, `network` is appended.
pub(crate) fn grid_plant(agvs: u32, aisles: bool, extra: &str, network: &str) -> String {
    let aisle_keys = if aisles {
        r#"aisles = [["w", "m"], ["m", "e"], ["w", "nw"], ["m", "nm"], ["e", "ne"], ["nw", "nm"], ["nm", "ne"]]"#
    } else {
        ""
    };
    format!(
        r#"
[scenario]
horizon = "3h"
warmup = "0s"
seed = 5

[layout]
size = [100, 50]
points = {{ w = [0, 0], m = [30, 0], e = [60, 0], nw = [0, 20], nm = [30, 20], ne = [60, 20] }}
{aisle_keys}

[fleet]
agvs = {agvs}
speed = "1m/s"
load = "exp(30s)"
unload = "exp(30s)"
home = "w"
warehouse = "w"
{extra}

[[station]]
name = "cut"
at = "ne"
servers = 2
process = "exp(3min)"

[[station]]
name = "weld"
at = "e"
servers = 2
process = "exp(3min)"

[[product]]
name = "job"
release = "exp(4min)"
route = [{{ station = "cut", parts = "kit" }}, "weld"]
{network}
"#
    )
}

/// Heartbeats to every AGV over a fixed link that loses one message in
/// `1/loss`: two losses in a row stop the AGV for 2 s.
pub(crate) fn stopping_network(loss: f64) -> String {
    format!(
        r#"
[network]
model = "fixed"

[network.fixed]
latency = "1ms"
loss = {loss}

[[flow]]
name = "heartbeat"
robots = "agvs"
direction = "dl"
period = "100ms"
survival = 1
on_violation = "stop(2s)"
"#
    )
}

fn traced(m: &Model) -> Trace {
    let mut trace = Trace::new(usize::MAX);
    simulate_traced(m, m.seed(), 0, &mut trace).expect("runs");
    assert_eq!(trace.dropped, 0);
    trace
}

fn xy_of(m: &Model, name: &str) -> [f64; 2] {
    let layout = m.layout().unwrap();
    let p = &layout.points()[layout.point(name).unwrap_or_else(|| panic!("no point {name}"))];
    [p.x(), p.y()]
}

fn close(a: [f64; 2], b: [f64; 2]) -> bool {
    (a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6
}

fn length(a: [f64; 2], b: [f64; 2]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
}

fn moves_of<'t>(trace: &'t Trace, agv: &str) -> Vec<&'t TraceRecord> {
    trace
        .records
        .iter()
        .filter(|r| r.entity == agv && (r.event == "move" || r.event == "pause"))
        .collect()
}

/// Every `move` follows an aisle between two of its points, with their
/// coordinates, at the fleet's speed; and the AGV's time driving (its
/// travel states) is the sum of its movements, found in the trace alone.
#[test]
fn moves_follow_the_aisles_and_add_up_to_the_travel_time() {
    for zones in [false, true] {
        let m = model(&grid_plant(3, true, &format!("zone_control = {zones}"), ""));
        let trace = traced(&m);
        let layout = m.layout().unwrap();
        let horizon = m.horizon().as_secs_f64();
        let out = simulate_traced(&m, m.seed(), 0, &mut Trace::new(0)).unwrap();
        let fleet = out.fleet.unwrap();
        for agv in 0..3 {
            let name = format!("agv{}", agv + 1);
            let moves = moves_of(&trace, &name);
            assert!(moves.len() > 20, "{name}: {} moves", moves.len());
            let mut driven = 0.0;
            for r in &moves {
                assert_eq!(r.event, "move", "no stops here");
                let (from, to) = (r.from.as_deref().unwrap(), r.to.as_deref().unwrap());
                let (a, b) = (layout.point(from).unwrap(), layout.point(to).unwrap());
                assert!(
                    layout
                        .segments()
                        .iter()
                        .any(|s| (s.a(), s.b()) == (a, b) || (s.a(), s.b()) == (b, a)),
                    "{from}-{to} is not an aisle"
                );
                assert!(close(r.from_xy.unwrap(), xy_of(&m, from)) && close(r.to_xy.unwrap(), xy_of(&m, to)));
                let until = r.until.unwrap();
                let metres = length(r.from_xy.unwrap(), r.to_xy.unwrap());
                assert!((until - r.time - metres / 1.0).abs() < 1e-6, "{r:?}");
                assert!(["travel_empty", "travel_loaded"].contains(&r.state.as_str()));
                driven += until.min(horizon) - r.time;
            }
            let states = fleet.agv_state_ns[agv];
            let travel = (states[AgvState::TravelEmpty as usize] + states[AgvState::TravelLoaded as usize])
                as f64
                * 1e-9;
            // With zone control the grant is instant (no network): driving
            // is all the time in travel states.
            assert!(
                (driven - travel).abs() < 1e-6 * moves.len() as f64,
                "{name} zones {zones}: moves {driven} s, travel states {travel} s"
            );
        }
        // In time order, whatever the order the movements were recorded in.
        assert!(trace.records.windows(2).all(|w| w[0].time_ns <= w[1].time_ns));
        // Records other than movements keep their five fields.
        for r in trace.records.iter().filter(|r| r.event != "move") {
            let line = serde_json::to_value(r).unwrap();
            assert_eq!(line.as_object().unwrap().len(), 5, "{line}");
        }
    }
}

/// Without aisles a leg is rectilinear: along x to the corner, then along
/// y, the corner unnamed.
#[test]
fn rectilinear_legs_are_two_straight_pieces() {
    let m = model(&grid_plant(2, false, "", ""));
    let trace = traced(&m);
    let mut corners = 0;
    for agv in ["agv1", "agv2"] {
        let moves = moves_of(&trace, agv);
        assert!(!moves.is_empty());
        for pair in moves.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let [x0, y0] = a.from_xy.unwrap();
            let [x1, y1] = a.to_xy.unwrap();
            assert!(x0 == x1 || y0 == y1, "a straight piece along an axis: {a:?}");
            if a.to.as_deref() == Some("") {
                corners += 1;
                // Along x first, then from the corner along y.
                assert!(y0 == y1 && x0 != x1, "{a:?}");
                assert_eq!(b.from.as_deref(), Some(""));
                assert!(close(b.from_xy.unwrap(), a.to_xy.unwrap()));
                assert_eq!(b.time, a.until.unwrap());
                assert!(b.from_xy.unwrap()[0] == b.to_xy.unwrap()[0], "{b:?}");
            }
        }
    }
    assert!(corners > 10, "{corners} corners");
}

/// A stop halts an AGV mid-movement: the `pause` is where the AGV was, on
/// the line of its movement at the fraction of its time driven; the restart
/// drives from there to the same point, in the time the movement had left.
#[test]
fn a_pause_is_on_the_line_and_the_restart_drives_the_rest() {
    for zones in [false, true] {
        let m = model(&grid_plant(
            3,
            true,
            &format!("zone_control = {zones}"),
            &stopping_network(0.05),
        ));
        let trace = traced(&m);
        let mut pauses = 0;
        for agv in ["agv1", "agv2", "agv3"] {
            let moves = moves_of(&trace, agv);
            for (i, r) in moves.iter().enumerate().filter(|(_, r)| r.event == "pause") {
                pauses += 1;
                let before = moves[..i].iter().rev().find(|r| r.event == "move").unwrap();
                let (a, b) = (before.from_xy.unwrap(), before.to_xy.unwrap());
                let done = (r.time - before.time) / (before.until.unwrap() - before.time);
                assert!((0.0..=1.0).contains(&done), "{before:?} {r:?}");
                let at = r.at_xy.unwrap();
                let expected = [a[0] + done * (b[0] - a[0]), a[1] + done * (b[1] - a[1])];
                assert!(close(at, expected), "{at:?} vs {expected:?}");
                if let Some(after) = moves.get(i + 1) {
                    assert_eq!(after.event, "move");
                    assert_eq!(after.from.as_deref(), Some(""));
                    assert!(close(after.from_xy.unwrap(), at));
                    assert_eq!(after.to, before.to);
                    assert!(after.time >= r.time + 2.0 - 1e-9, "stopped 2 s at least");
                    let left = before.until.unwrap() - r.time;
                    assert!((after.until.unwrap() - after.time - left).abs() < 1e-6);
                }
            }
        }
        assert!(pauses > 20, "zones {zones}: {pauses} pauses");
    }
}
