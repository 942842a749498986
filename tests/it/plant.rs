//! The plant: AGV trips, dispatch, zone control and deadlocks, assembly,
//! conservation of jobs, state accounting, and the built-in sany18 plant.

use super::{assert_matches_theory, model, replications};
use factory5g::factory::{simulate, simulate_traced, AgvState, RunOutput, SimError, StationState, Trace};
use factory5g::model::Model;
use proptest::prelude::*;

fn run_one(m: &Model, seed: u64) -> RunOutput {
    simulate(m, seed, 0).expect("no deadlock")
}

/// One AGV, one station, a detour: the aisles make the trip 110 m long where
/// the rectilinear distance is 30 m.
fn one_agv_plant(home: &str, kit: bool) -> String {
    let step = if kit {
        r#"{ station = "s", parts = "kit" }"#
    } else {
        r#""s""#
    };
    format!(
        r#"
[scenario]
horizon = "10h"

[layout]
size = [100, 100]
points = {{ w = [0, 0], a = [0, 40], c = [30, 40], b = [30, 0] }}
aisles = [["w", "a"], ["a", "c"], ["c", "b"]]

[fleet]
agvs = 1
speed = "2m/s"
load = "10s"
unload = "20s"
home = "{home}"
warehouse = "w"

[[station]]
name = "s"
at = "b"
process = "1min"

[[product]]
name = "job"
release = "const(1h)"
route = [{step}]
"#
    )
}

#[test]
fn a_trip_takes_the_shortest_path_over_the_speed_plus_handling() {
    // Released jobs start at the warehouse, where the AGV waits for the first:
    // load + 110 m / 2 m/s + unload = 10 + 55 + 20 = 85 s. The AGV then parks
    // at the station, so every later trip first drives 55 s empty: 140 s.
    let out = run_one(&model(&one_agv_plant("w", false)), 1);
    let fleet = out.fleet.expect("a fleet");
    assert_eq!(fleet.trips, 9);
    assert_eq!((fleet.trip_s.min(), fleet.trip_s.max()), (85.0, 140.0));
    assert!((fleet.trip_s.mean() - (85.0 + 8.0 * 140.0) / 9.0).abs() < 1e-9);
    // A kit is fetched from the warehouse by the AGV standing at the station:
    // 140 s too, so each job costs two 140 s trips after the first.
    let out = run_one(&model(&one_agv_plant("w", true)), 1);
    let fleet = out.fleet.expect("a fleet");
    assert_eq!(fleet.trips, 18);
    assert!((fleet.trip_s.mean() - (85.0 + 17.0 * 140.0) / 18.0).abs() < 1e-9);
    // An AGV parked at the station from the start: 55 s empty + 85 s every time.
    let out = run_one(&model(&one_agv_plant("b", false)), 1);
    let fleet = out.fleet.expect("a fleet");
    assert_eq!((fleet.trip_s.min(), fleet.trip_s.max()), (140.0, 140.0));
}

fn dispatch_plant(dispatch: &str) -> String {
    format!(
        r#"
[scenario]
horizon = "3h"

[layout]
size = [300, 10]
points = {{ w = [0, 0], p1 = [100, 0], p2 = [200, 0] }}
aisles = [["w", "p1"], ["p1", "p2"]]

[fleet]
agvs = 2
speed = "1m/s"
home = "w"
dispatch = "{dispatch}"

[[station]]
name = "s1"
at = "p1"
process = "10min"

[[station]]
name = "s2"
at = "p2"
process = "10min"

[[product]]
name = "job"
release = "const(1h)"
route = ["s1", "s2"]
"#
    )
}

#[test]
fn nearest_dispatch_picks_the_nearest_idle_agv() {
    // A job is released at the warehouse every hour and rides w -> p1 -> p2.
    // `nearest` always sends the AGV standing where the job is (agv1 rides on
    // with it from p1; the next job finds agv2 at the warehouse): no AGV ever
    // drives empty. `fifo` sends the AGV idle the longest: agv2 drives 100 m
    // empty from the warehouse to p1 for the first job's second leg.
    let empty = AgvState::TravelEmpty as usize;
    let near = run_one(&model(&dispatch_plant("nearest")), 1).fleet.unwrap();
    assert_eq!(
        near.agv_state_ns.iter().map(|a| a[empty]).sum::<u64>(),
        0,
        "{:?}",
        near.agv_state_ns
    );
    let fifo = run_one(&model(&dispatch_plant("fifo")), 1).fleet.unwrap();
    assert!(
        fifo.agv_state_ns[1][empty] >= 100_000_000_000,
        "{:?}",
        fifo.agv_state_ns
    );
}

/// A line a-b-c-d of 10 m aisles. Jobs arrive at `a` every 10 minutes, ride to
/// `d`, are processed 9.5 minutes (so that they finish exactly when the next
/// job is released) and ride back to `a`: two AGVs then start head-on.
pub(crate) const HEAD_ON: &str = r#"
[scenario]
horizon = "2h"

[layout]
size = [40, 10]
points = { a = [0, 0], b = [10, 0], c = [20, 0], d = [30, 0] }
aisles = [["a", "b"], ["b", "c"], ["c", "d"]]

[fleet]
agvs = 2
speed = "1m/s"
home = "a"
zone_control = ZONES
deadlock = "detect"

[[station]]
name = "far"
at = "d"
process = "9.5min"

[[station]]
name = "near"
at = "a"
process = "1s"

[[product]]
name = "job"
release = "const(10min)"
route = ["far", "near"]
"#;

#[test]
fn a_built_deadlock_ends_the_run_with_a_clear_error() {
    let m = model(&HEAD_ON.replace("ZONES", "true"));
    match simulate(&m, 1, 0) {
        Err(SimError::Deadlock { agvs, waits, .. }) => {
            assert_eq!(agvs.len(), 2, "{waits:?}");
            assert!(waits.iter().any(|w| w.contains("b-c")), "{waits:?}");
        }
        Ok(_) => panic!("the head-on run should deadlock"),
        Err(e) => panic!("the head-on run should deadlock, not: {e}"),
    }
    // Without zone control the same plant runs (AGVs pass each other).
    let free = run_one(&model(&HEAD_ON.replace("ZONES", "false")), 1);
    assert!(free.products[0].completed >= 10);
}

#[test]
fn the_cli_reports_a_deadlock_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("head_on.toml");
    std::fs::write(&path, HEAD_ON.replace("ZONES", "true")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .args(["run", path.to_str().unwrap(), "-R", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("deadlock") && err.contains("agv1") && err.contains("agv2"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// A random small layout on a grid, with a fleet under zone control.
fn random_zoned_plant(
    seed: u64,
    side: usize,
    extra: &[(usize, usize)],
    agvs: u32,
    stations: &[usize],
) -> String {
    let n = side * side;
    let mut points = Vec::new();
    for i in 0..n {
        points.push(format!("p{i} = [{}, {}]", (i % side) * 20, (i / side) * 20));
    }
    // A spanning comb keeps every point reachable; extra aisles add cycles.
    let mut aisles: Vec<(usize, usize)> = Vec::new();
    for i in 0..n {
        if i % side + 1 < side {
            aisles.push((i, i + 1));
        }
    }
    for r in 0..side - 1 {
        aisles.push((r * side, (r + 1) * side));
    }
    for &(a, b) in extra {
        let (a, b) = (a % n, b % n);
        let grid_neighbour = (a / side == b / side && a.abs_diff(b) == 1) || a.abs_diff(b) == side;
        if a != b && grid_neighbour && !aisles.contains(&(a, b)) && !aisles.contains(&(b, a)) {
            aisles.push((a, b));
        }
    }
    let aisle_text: Vec<String> = aisles
        .iter()
        .map(|(a, b)| format!("[\"p{a}\", \"p{b}\"]"))
        .collect();
    let mut text = format!(
        "[scenario]\nhorizon = \"4h\"\nseed = {seed}\n\n[layout]\nsize = [{s}, {s}]\npoints = {{ {} }}\naisles = [{}]\n\n\
         [fleet]\nagvs = {agvs}\nspeed = \"1m/s\"\nload = \"exp(20s)\"\nunload = \"exp(20s)\"\nhome = \"p0\"\nzone_control = true\n",
        points.join(", "),
        aisle_text.join(", "),
        s = side * 20,
    );
    let mut route = Vec::new();
    for (i, &at) in stations.iter().enumerate() {
        text += &format!(
            "\n[[station]]\nname = \"s{i}\"\nat = \"p{}\"\nprocess = \"exp(2min)\"\nservers = 2\n",
            at % n
        );
        route.push(format!("\"s{i}\""));
    }
    text += &format!(
        "\n[[product]]\nname = \"job\"\nrelease = \"exp(4min)\"\nroute = [{}]\n",
        route.join(", ")
    );
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Zone control never puts two AGVs on one segment; a run either reaches
    /// its horizon or ends with a deadlock error, never hangs.
    #[test]
    fn zone_control_never_shares_a_segment(
        seed in 0u64..1000,
        side in 2usize..4,
        extra in prop::collection::vec((0usize..16, 0usize..16), 0..6),
        agvs in 1u32..6,
        stations in prop::collection::vec(0usize..16, 1..4),
    ) {
        let m = model(&random_zoned_plant(seed, side, &extra, agvs, &stations));
        match simulate(&m, seed, 0) {
            Ok(out) => {
                let fleet = out.fleet.expect("a fleet");
                prop_assert!(fleet.max_segment_occupancy <= 1);
            }
            Err(SimError::Deadlock { agvs, .. }) => prop_assert!(agvs.len() >= 2),
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}

/// The jobs found in the plant at the horizon, place by place (the
/// output's census walks queues, servers, waiting lists and the fleet's
/// tasks), are exactly those released and not completed, per product; of
/// the sub-assemblies made, each is in stock, consumed, or on its way.
pub fn assert_jobs_conserved(m: &Model, out: &RunOutput) {
    let mut end_products_in_plant = 0;
    for (p, po) in out.products.iter().enumerate() {
        let name = &m.products()[p].name();
        let c = &po.census;
        assert_eq!(
            po.completed_total + c.in_process(),
            po.released_total,
            "{name}: released {} != completed {} + found in the plant {c:?}",
            po.released_total,
            po.completed_total
        );
        if m.is_pull(p) {
            assert_eq!(
                po.completed_total,
                po.stocked_total + c.delivering,
                "{name}: {c:?}"
            );
            assert_eq!(po.stocked_total, po.consumed_total + po.in_stock_end, "{name}");
        } else {
            assert_eq!(
                (c.delivering, po.stocked_total, po.in_stock_end),
                (0, 0, 0),
                "{name}"
            );
            end_products_in_plant += c.in_process();
        }
    }
    // The plant's own running count of end products in it.
    assert_eq!(out.wip_end, end_products_in_plant);
}

/// Each server's and AGV's nanoseconds in each state after the warm-up,
/// summed interval by interval from the state changes of a full trace
/// (every robot starts idle at time zero).
#[allow(clippy::type_complexity)]
pub fn state_time_from_trace(
    m: &Model,
    trace: &Trace,
) -> (Vec<Vec<[u64; StationState::COUNT]>>, Vec<[u64; AgvState::COUNT]>) {
    assert_eq!(trace.dropped, 0, "the trace must be complete");
    let (from, to) = (m.warmup().as_nanos(), m.horizon().as_nanos());
    let overlap = |a: u64, b: u64| b.min(to).saturating_sub(a.max(from));
    // Per robot: the state it is in and since when.
    let mut servers: Vec<Vec<(usize, u64, [u64; StationState::COUNT])>> = m
        .stations()
        .iter()
        .map(|st| vec![(StationState::Idle as usize, 0, [0; StationState::COUNT]); st.servers() as usize])
        .collect();
    let agvs = m.fleet().as_ref().map_or(0, |f| f.agvs() as usize);
    let mut fleet = vec![(AgvState::Idle as usize, 0, [0; AgvState::COUNT]); agvs];
    fn change<const N: usize>(robot: &mut (usize, u64, [u64; N]), state: usize, at: u64, span: u64) {
        robot.2[robot.0] += span;
        *robot = (state, at, robot.2);
    }
    for r in trace.records.iter().filter(|r| r.event == "state") {
        if let Some(rest) = r.entity.strip_prefix("station:") {
            let (name, server) = rest.rsplit_once('/').expect("station:NAME/K");
            let s = m
                .stations()
                .iter()
                .position(|st| st.name() == name)
                .expect("a station");
            let k: usize = server.parse().expect("a server number");
            let state = StationState::ALL
                .iter()
                .position(|x| x.key() == r.state)
                .expect("a state");
            let robot = &mut servers[s][k];
            change(robot, state, r.time_ns, overlap(robot.1, r.time_ns));
        } else if let Some(number) = r.entity.strip_prefix("agv") {
            let a: usize = number.parse().expect("agvN");
            let state = AgvState::ALL
                .iter()
                .position(|x| x.key() == r.state)
                .expect("a state");
            let robot = &mut fleet[a - 1];
            change(robot, state, r.time_ns, overlap(robot.1, r.time_ns));
        } else {
            // Calendars trace their shifts; they are no robots.
            assert!(r.entity.starts_with("calendar:"), "unknown entity {}", r.entity);
        }
    }
    fn close<const N: usize>(robot: &mut (usize, u64, [u64; N]), span: u64) -> [u64; N] {
        robot.2[robot.0] += span;
        robot.2
    }
    (
        servers
            .iter_mut()
            .map(|st| st.iter_mut().map(|r| close(r, overlap(r.1, to))).collect())
            .collect(),
        fleet.iter_mut().map(|r| close(r, overlap(r.1, to))).collect(),
    )
}

/// Each server's and AGV's state times are those summed independently from
/// the trace's intervals, nanosecond for nanosecond.
pub fn assert_state_times_match_the_trace(m: &Model, out: &RunOutput, trace: &Trace) {
    let (servers, agvs) = state_time_from_trace(m, trace);
    for (s, st) in out.stations.iter().enumerate() {
        for (k, totals) in st.server_state_ns.iter().enumerate() {
            assert_eq!(
                *totals,
                servers[s][k],
                "station {} server {k}",
                m.stations()[s].name()
            );
        }
    }
    let reported = out.fleet.as_ref().map_or(Vec::new(), |f| f.agv_state_ns.clone());
    assert_eq!(reported, agvs, "AGV state times");
}

/// Every server's and every AGV's state times add up to the observed period.
pub fn assert_states_cover_the_observed_period(m: &Model, out: &RunOutput) {
    let observed = (m.horizon() - m.warmup()).as_nanos();
    for (s, st) in out.stations.iter().enumerate() {
        for (k, totals) in st.server_state_ns.iter().enumerate() {
            assert_eq!(totals.iter().sum::<u64>(), observed, "station {s} server {k}");
        }
        let u: f64 = st.utilization().iter().sum();
        assert!((u - 1.0).abs() < 1e-12);
    }
    if let Some(f) = &out.fleet {
        for (a, totals) in f.agv_state_ns.iter().enumerate() {
            assert_eq!(totals.iter().sum::<u64>(), observed, "agv {a}");
        }
    }
}

fn sany18() -> Model {
    factory5g::scenario::load_builtin("sany18")
        .expect("sany18 is valid")
        .model
}

#[test]
fn sany18_conserves_jobs_and_sub_assemblies() {
    let m = sany18();
    let runs = replications(&m, 5, 4);
    let mut found = factory5g::factory::JobCensus::default();
    for out in &runs {
        assert_states_cover_the_observed_period(&m, out);
        assert_jobs_conserved(&m, out);
        for (p, po) in out.products.iter().enumerate() {
            if m.is_pull(p) {
                assert!(
                    po.consumed_total > 0,
                    "{} never assembled",
                    m.products()[p].name()
                );
            }
            let c = &po.census;
            found.at_release += c.at_release;
            found.queued += c.queued;
            found.on_servers += c.on_servers;
            found.in_output += c.in_output;
            found.carried += c.carried;
            found.delivering += c.delivering;
        }
        // One boom per truck pump, one pump unit per end product:
        // consumption matches the parents that reached final assembly.
        let consumed = |name: &str| {
            let p = m.products().iter().position(|x| x.name() == name).unwrap();
            out.products[p].consumed_total
        };
        let booms = consumed("boom_short") + consumed("boom_mid") + consumed("boom_long");
        assert!(booms > 0 && consumed("pump_unit") >= booms);
    }
    // The census looked in the places where sany18 keeps jobs at its end.
    assert!(
        found.queued > 0 && found.on_servers > 0 && found.carried + found.at_release > 0,
        "{found:?}"
    );
}

#[test]
fn sany18_state_times_are_the_sum_of_their_traced_intervals() {
    let m = sany18();
    for replication in 0..2 {
        let mut trace = Trace::new(usize::MAX);
        let out = simulate_traced(&m, m.seed(), replication, &mut trace).expect("runs");
        assert_states_cover_the_observed_period(&m, &out);
        assert_state_times_match_the_trace(&m, &out, &trace);
        assert_jobs_conserved(&m, &out);
    }
}

#[test]
fn sany18_is_a_plant_of_about_a_hundred_robots_making_a_truck_every_45_minutes() {
    let m = sany18();
    let robots = m.fleet().map_or(0, |f| f.agvs()) + m.arms();
    assert!((90..=110).contains(&robots), "{robots} robots");
    // A plant that keeps up makes, in the long run, the end products it is
    // given: its throughput is the sum of their release rates, which the
    // file sets to one every 45 minutes.
    let release_per_h: f64 = m
        .products()
        .iter()
        .filter_map(|p| p.release().interarrival())
        .map(|between| 3.6e12 / between.mean_ns())
        .sum();
    assert!(
        (release_per_h - 60.0 / 45.0).abs() < 0.01,
        "{release_per_h} trucks/h released"
    );
    // The built-in observes one 8 h shift, a dozen trucks: its ten
    // replications give the throughput to ±10%. Observed for 200 h after
    // the same 72 h warm-up, 16 replications from its seed give ±3%.
    let long = factory5g::scenario::load_builtin_with("sany18", &["scenario.horizon=272h".to_string()])
        .expect("sany18 is valid")
        .model;
    let runs = replications(&long, m.seed(), 16);
    let tp: Vec<f64> = runs.iter().map(|o| o.throughput_per_h()).collect();
    assert_matches_theory("sany18 trucks/h over 200 h", &tp, release_per_h, 0.04);
    for out in &runs {
        assert_states_cover_the_observed_period(&long, out);
    }
}

/// Fraction of AGV time spent driving or handling, per replication.
fn agv_work_share(out: &RunOutput) -> f64 {
    let u = out.fleet.as_ref().expect("a fleet").utilization();
    u[AgvState::TravelEmpty as usize] + u[AgvState::TravelLoaded as usize] + u[AgvState::Handling as usize]
}

#[test]
fn a_layout_variant_changes_agv_utilization_measurably() {
    // Common random numbers: the same seed and replications for both plants.
    let base = sany18();
    let lean = factory5g::scenario::load_builtin("sany18_lean_fleet")
        .unwrap()
        .model;
    assert_eq!(lean.fleet().unwrap().agvs(), 8);
    let a = replications(&base, 18, 10);
    let b = replications(&lean, 18, 10);
    let diffs: Vec<f64> = a
        .iter()
        .zip(&b)
        .map(|(x, y)| agv_work_share(y) - agv_work_share(x))
        .collect();
    let (mean, ci) = factory5g::stats::mean_ci95(&diffs);
    let (lo, hi) = ci.unwrap();
    eprintln!("AGV work share, lean minus base: {mean:.4} (95% CI {lo:.4} to {hi:.4})");
    assert!(lo > 0.0, "the lean fleet should be measurably busier");
}
