//! Calendars, worker pools and energy against theory and exact counts.
//!
//! - A saturated station on a calendar makes its on-share of what it makes
//!   always on (work is conserved: preempt-resume loses nothing), and is
//!   off shift exactly the calendar's off-share of the time.
//! - An M/M/1 whose server works half of each period, the period short
//!   against the service time: a job's work W then takes 2W of wall time
//!   give or take half a period, so the queue is an M/M/1 at half the
//!   service rate, up to O(period / E[S]) (derived below).
//! - A station with many servers and a pool of c operators is an M/M/c
//!   (Erlang C): jobs seize servers first come first served and servers
//!   seize operators in the order they asked, so jobs get operators in
//!   arrival order.
//! - Energy: each server's and AGV's metered energy equals its power in
//!   each state times its time in the state, exactly (integers), in a plant
//!   where calendars, pools, failures with a crew on a calendar, a fleet on
//!   a calendar, kits and CONWIP all meet; there jobs are conserved and
//!   state times match the trace.

use super::plant::{
    assert_jobs_conserved, assert_state_times_match_the_trace, assert_states_cover_the_observed_period,
};
use super::theory::erlang_c_wq;
use super::{assert_matches_theory, model, replications};
use factory5g::factory::{simulate_traced, AgvState, StationState, Trace, MWNS_PER_KWH};

#[test]
fn a_saturated_station_makes_its_on_share_of_the_always_on_output() {
    // One server, E[S] = 30 min: 2 per hour always on. On 8 h of each
    // 24 h; CONWIP keeps it saturated. Warm-up and horizon are whole days.
    let text = r#"
[scenario]
horizon = "4824h"
warmup = "24h"
[[calendar]]
name = "day"
period = "24h"
on = [["6h", "14h"]]
[[station]]
name = "cell"
process = "uniform(20min, 40min)"
calendar = "day"
[[product]]
name = "job"
release = "conwip(3)"
route = ["cell"]
"#;
    let m = model(text);
    let runs = replications(&m, 61, 16);
    let throughput: Vec<f64> = runs.iter().map(|o| o.throughput_per_h()).collect();
    assert_matches_theory(
        "saturated station, on 1/3 of the day",
        &throughput,
        2.0 / 3.0,
        0.005,
    );
    for o in &runs {
        let ns = o.stations[0].state_ns;
        let observed = (m.horizon() - m.warmup()).as_nanos();
        assert_eq!(
            ns[StationState::OffShift as usize],
            observed / 3 * 2,
            "off two thirds of each day"
        );
        // Saturated: on shift it is always busy.
        assert_eq!(ns[StationState::Busy as usize], observed / 3);
    }
}

#[test]
fn mm1_with_its_server_on_half_of_each_short_period_is_an_mm1_at_half_rate() {
    // Derivation: the server works [0, T/2) of each period T and a job's
    // work W (exponential, mean E[S]) resumes where it stopped, so it ends
    // after 2W + δ of wall time with |δ| ≤ T/2. With T → 0 the station is
    // an M/M/1 with service rate μ/2: at λ = 1/(4 E[S]) its load is
    // ρ' = 2 λ E[S] = 0.5 and the mean time in system is
    // W = 1 / (μ/2 − λ) = 4 E[S]. For T > 0 each job's time is off by at
    // most T/2, passed on to the jobs of its busy period (1/(1 − ρ') = 2 on
    // average): the error is at most about T/(4 E[S]) of W, 1.25% with
    // T = E[S]/20, below the interval the test allows.
    let text = r#"
[scenario]
horizon = "700h"
warmup = "10h"
[[calendar]]
name = "half"
period = "3s"
on = [["0s", "1.5s"]]
[[station]]
name = "cell"
process = "exp(1min)"
calendar = "half"
[[product]]
name = "job"
release = "exp(4min)"
route = ["cell"]
"#;
    let m = model(text);
    let runs = replications(&m, 62, 16);
    let w: Vec<f64> = runs.iter().map(|o| o.lead_time_s.mean()).collect();
    assert_matches_theory("M/M/1 on half of each 3 s period: W", &w, 240.0, 0.04);
    for o in &runs {
        let ns = o.stations[0].state_ns;
        let observed = (m.horizon() - m.warmup()).as_nanos();
        assert_eq!(ns[StationState::OffShift as usize], observed / 2);
    }
    // Work is conserved: busy a quarter of all time (λ E[S]).
    let busy: Vec<f64> = runs
        .iter()
        .map(|o| o.stations[0].utilization()[StationState::Busy as usize])
        .collect();
    assert_matches_theory("M/M/1 on half of each period: busy", &busy, 0.25, 0.02);
}

#[test]
fn a_pool_of_c_operators_makes_many_servers_an_mmc() {
    // Ten servers, three operators: λ = 1/min, E[S] = 2.25 min, ρ = 0.75.
    let text = r#"
[scenario]
horizon = "2000h"
warmup = "20h"
[[pool]]
name = "fitters"
size = 3
[[station]]
name = "cell"
servers = 10
process = "exp(2.25min)"
operators = { pool = "fitters" }
[[product]]
name = "job"
release = "exp(1min)"
route = ["cell"]
"#;
    let m = model(text);
    let runs = replications(&m, 63, 16);
    // A job waits for a server, then (on its server) for operators.
    let wait: Vec<f64> = runs
        .iter()
        .map(|o| {
            let st = &o.stations[0];
            let no_operator_s = st.state_ns[StationState::NoOperator as usize] as f64 * 1e-9;
            st.queue_wait_s.mean() + no_operator_s / st.completed as f64
        })
        .collect();
    assert_matches_theory(
        "10 servers, a pool of 3 (M/M/3): Wq",
        &wait,
        erlang_c_wq(1.0 / 60.0, 135.0, 3),
        0.05,
    );
    let utilization: Vec<f64> = runs.iter().map(|o| o.pools[0].utilization()).collect();
    assert_matches_theory("pool utilization", &utilization, 0.75, 0.01);
}

/// A small plant where everything this module adds meets: a calendar with
/// breaks for two stations, the fleet and a pool; a crew on a calendar of
/// its own; failures on both bases; kits, a sub-assembly and a CONWIP
/// product; power tables for stations and AGVs.
pub const SHIFT_PLANT: &str = r#"
[scenario]
horizon = "200h"
warmup = "24h"
[[calendar]]
name = "shifts"
period = "24h"
on = [["0h", "3.5h"], ["4h", "7.5h"], ["8h", "11.5h"], ["12h", "20h"]]
[[calendar]]
name = "days"
period = "24h"
on = [["6h", "18h"]]
[[pool]]
name = "fitters"
size = 2
calendar = "shifts"
[[crew]]
name = "maintenance"
size = 1
calendar = "days"
[layout]
size = [100, 40]
points = { store = [0, 0], a = [30, 0], b = [60, 0], c = [90, 0], park = [0, 20] }
aisles = [["store", "a"], ["a", "b"], ["b", "c"], ["c", "park"], ["park", "store"]]
[fleet]
agvs = 2
speed = "1m/s"
load = "30s"
unload = "30s"
home = "park"
warehouse = "store"
calendar = "shifts"
battery = { runtime = "2h", recharge = "20min", chargers = ["park"] }
power_kw = { idle = 0.2, travel_empty = 1.5, travel_loaded = 2.5, handling = 1, charging = 3.3, off_shift = 0.05, stopped = 0.3, zone_wait = 0.7 }
[[station]]
name = "cut"
at = "a"
servers = 2
process = "exp(40min)"
calendar = "shifts"
failures = { mtbf = "exp(10h)", mttr = "exp(1h)", crew = "maintenance" }
power_kw = { busy = 12, setup = 3, idle = 1.5, starved = 1.5, blocked = 1, failed = 0.5, off_shift = 0.1, no_operator = 1.2 }
[[station]]
name = "weld"
at = "b"
servers = 3
process = "exp(1.5h)"
setup = "10min"
operators = { pool = "fitters", count = 1 }
failures = { mtbf = "exp(6h)", mttr = "exp(30min)", crew = "maintenance", basis = "busy" }
power_kw = { busy = 20, setup = 5, idle = 2, no_operator = 2, blocked = 2, failed = 1, starved = 2 }
[[station]]
name = "sub"
at = "c"
process = "exp(30min)"
calendar = "days"
[[product]]
name = "frame"
release = "conwip(4)"
route = [{ station = "cut", parts = "kit" }, "weld", { station = "weld", process = "exp(20min)", operators = { pool = "fitters", count = 2 }, assemble = ["bracket"] }]
[[product]]
name = "other"
release = "exp(3h)"
route = ["cut", "weld"]
[[product]]
name = "bracket"
release = "pull"
route = ["sub"]
"#;

#[test]
fn energy_is_power_times_state_time_exactly_and_shifts_keep_the_books() {
    let m = factory5g::scenario::load_str("shift.toml", SHIFT_PLANT, None, &[])
        .map(|l| l.model)
        .unwrap_or_else(|d| panic!("{d}"));
    for replication in 0..4 {
        let mut trace = Trace::new(5_000_000);
        let out = simulate_traced(&m, 64, replication, &mut trace).expect("runs");
        assert_jobs_conserved(&m, &out);
        assert_states_cover_the_observed_period(&m, &out);
        assert_state_times_match_the_trace(&m, &out, &trace);
        let mut metered: u128 = 0;
        for (s, st) in out.stations.iter().enumerate() {
            let Some(power) = m.stations()[s].power_mw() else {
                assert_eq!(st.energy_mwns, None);
                continue;
            };
            let expected: u128 = st
                .server_state_ns
                .iter()
                .flat_map(|totals| totals.iter().zip(power))
                .map(|(&ns, &mw)| u128::from(ns) * u128::from(mw))
                .sum();
            assert_eq!(
                st.energy_mwns,
                Some(expected),
                "station {}",
                m.stations()[s].name()
            );
            metered += expected;
        }
        let fleet = out.fleet.as_ref().expect("a fleet");
        let power = m.fleet().and_then(|f| f.power_mw()).expect("AGV power");
        let expected: u128 = fleet
            .agv_state_ns
            .iter()
            .flat_map(|totals| totals.iter().zip(power))
            .map(|(&ns, &mw)| u128::from(ns) * u128::from(mw))
            .sum();
        assert_eq!(fleet.energy_mwns, Some(expected), "AGVs");
        metered += expected;
        assert_eq!(out.energy_kwh(), Some(metered as f64 / MWNS_PER_KWH));
        // Everything here happened: off shift, waits for operators, AGVs
        // parked for the breaks, failures.
        let sum =
            |state: StationState| -> u64 { out.stations.iter().map(|st| st.state_ns[state as usize]).sum() };
        for state in [
            StationState::OffShift,
            StationState::NoOperator,
            StationState::Failed,
        ] {
            assert!(sum(state) > 0, "no time {}", state.key());
        }
        let agv_off: u64 = fleet
            .agv_state_ns
            .iter()
            .map(|t| t[AgvState::OffShift as usize])
            .sum();
        assert!(agv_off > 0);
        assert!(out.pools[0].utilization() > 0.0 && out.pools[0].utilization() <= 1.0);
    }
}

/// The times (in minutes, exact) at which the trace shows `entity`
/// entering `state`.
fn entries(trace: &Trace, entity: &str, state: &str) -> Vec<u64> {
    const MINUTE: u64 = 60_000_000_000;
    trace
        .records
        .iter()
        .filter(|r| r.entity == entity && r.event == "state" && r.state == state)
        .map(|r| {
            assert_eq!(r.time_ns % MINUTE, 0, "{r:?}");
            r.time_ns / MINUTE
        })
        .collect()
}

/// Hours as minutes.
fn hours(h: &[u64]) -> Vec<u64> {
    h.iter().map(|h| h * 60).collect()
}

#[test]
fn failures_count_on_shift_time_at_a_station_with_a_calendar() {
    // On 8 h of each 24 h; a failure after every 5 h of on-shift time,
    // repaired in 1 h. On-shift time: it fails at 5 h, is repaired at 6 h,
    // runs 2 h to the end of the shift and 3 h of the next: fails at 27 h,
    // repaired at 28 h; then 4 h to 32 h and 1 h more from 48 h: 49 h;
    // repaired at 50 h, it fails again at 55 h. (Counted on the calendar
    // it would fail at 5, 11, 17, 23, 29 h...)
    let text = r#"
[scenario]
horizon = "60h"
[[calendar]]
name = "day"
on = [["0h", "8h"]]
[[station]]
name = "cell"
process = "1h"
calendar = "day"
failures = { mtbf = "const(5h)", mttr = "const(1h)" }
"#;
    let m = model(text);
    let mut trace = Trace::new(1000);
    simulate_traced(&m, 1, 0, &mut trace).expect("runs");
    assert_eq!(
        entries(&trace, "station:cell/0", "failed"),
        hours(&[5, 27, 49, 55])
    );
    assert_eq!(
        entries(&trace, "station:cell/0", "off_shift"),
        hours(&[8, 32, 56])
    );
}

#[test]
fn a_crew_off_shift_pauses_its_repairs_and_resumes_them() {
    // The crew works 0-8 h of each day; the station (no calendar) fails 4 h
    // after each repair; a repair takes 6 h of the crew's time. Fails at
    // 4 h, repaired 4-8 h and 24-26 h: back at 26 h. Fails at 30 h,
    // repaired 30-32 h and 48-52 h: back at 52 h.
    let text = r#"
[scenario]
horizon = "60h"
[[calendar]]
name = "day"
on = [["0h", "8h"]]
[[crew]]
name = "fitters"
calendar = "day"
[[station]]
name = "cell"
process = "1h"
failures = { mtbf = "const(4h)", mttr = "const(6h)", crew = "fitters" }
"#;
    let m = model(text);
    let mut trace = Trace::new(1000);
    simulate_traced(&m, 1, 0, &mut trace).expect("runs");
    assert_eq!(entries(&trace, "station:cell/0", "failed"), hours(&[4, 30, 56]));
    assert_eq!(entries(&trace, "station:cell/0", "idle"), hours(&[26, 52]));
}

#[test]
fn an_agv_stands_still_off_shift_and_finishes_its_trip_after() {
    // The one-AGV plant of the fleet tests: load 10 s, 110 m at 2 m/s,
    // unload 20 s, 85 s in all. The first job comes at 60 min; the fleet
    // is on shift until 61 min of each 2 h: 50 s into the trip the AGV
    // stops, and drives on at 120 min. The trip takes 85 s + 59 min.
    let text = r#"
[scenario]
horizon = "121min"
[[calendar]]
name = "fleet"
period = "2h"
on = [["0min", "61min"]]
[layout]
size = [100, 100]
points = { w = [0, 0], a = [0, 40], c = [30, 40], b = [30, 0] }
aisles = [["w", "a"], ["a", "c"], ["c", "b"]]
[fleet]
agvs = 1
speed = "2m/s"
load = "10s"
unload = "20s"
home = "w"
warehouse = "w"
calendar = "fleet"
[[station]]
name = "s"
at = "b"
process = "1min"
[[product]]
name = "job"
release = "const(1h)"
route = ["s"]
"#;
    let m = model(text);
    let mut trace = Trace::new(1000);
    let out = simulate_traced(&m, 1, 0, &mut trace).expect("runs");
    let fleet = out.fleet.expect("a fleet");
    assert_eq!(fleet.trips, 1);
    assert_eq!(fleet.trip_s.max(), 85.0 + 59.0 * 60.0);
    assert_eq!(entries(&trace, "agv1", "off_shift"), [61]);
    // The second job, released at 120 min while the AGV finishes, waits
    // for it; its trip is under way at the horizon.
    assert_eq!(
        fleet.agv_state_ns[0][AgvState::OffShift as usize],
        59 * 60 * 1_000_000_000
    );
}
