//! The 5G link with memory, coupled to the plant: handovers along an aisle
//! between two gNBs, the protective stops they cause, the over-dispersion of
//! a parked robot's stops under spatially consistent shadowing, sampling by
//! runs against every message with handovers and stops, and per-message
//! shadowing without interference against the first stage's figures.

use super::{model, replications};
use factory5g::factory::{
    simulate_traced, simulate_with, AgvState, FlowSampling, LinkProfiles, RunOutput, Trace,
};
use factory5g::model::Model;
use factory5g::stats::mean_ci95;
use rayon::prelude::*;

/// An aisle from x = 20 m to x = 180 m (points every 20 m) between gNBs at
/// x = 0 and x = 200 m. Jobs are released every 4 min at the warehouse
/// (x = 20 m) and taken by an AGV to the station at x = 180 m, where they
/// leave the hall: each job is one trip west (empty) and one trip east
/// (loaded), 80 s each at 2 m/s, so the AGVs stand still at the ends part
/// of every cycle, and at the horizon (a multiple of 4 min). `nr` is added
/// to `[network.nr]`; every AGV sends a heartbeat uplink every 100 ms
/// (survival 3 periods, stop for 1 s).
fn shuttle(agvs: u32, horizon: &str, nr: &str) -> String {
    let xs: Vec<u32> = (1..=9).map(|k| 20 * k).collect();
    let points: Vec<String> = xs.iter().map(|x| format!("p{x} = [{x}, 5]")).collect();
    let aisles: Vec<String> = xs
        .windows(2)
        .map(|w| format!(r#"["p{}", "p{}"]"#, w[0], w[1]))
        .collect();
    format!(
        r#"
[scenario]
horizon = "{horizon}"
warmup = "0s"

[layout]
size = [200, 10]
points = {{ {points} }}
aisles = [{aisles}]

[fleet]
agvs = {agvs}
speed = "2m/s"
home = "p20"
warehouse = "p20"

[[station]]
name = "east"
at = "p180"
servers = 2
process = "1min"

[[product]]
name = "job"
release = "const(4min)"
route = ["east"]

[network]
model = "nr"

[network.nr]
channel = "InF-DH"
gnb = [[0, 5], [200, 5]]
{nr}

[[flow]]
name = "heartbeat"
robots = "agvs"
direction = "ul"
period = "100ms"
deadline = "100ms"
survival = 3
on_violation = "stop(1s)"
"#,
        points = points.join(", "),
        aisles = aisles.join(", "),
    )
}

/// Times the AGVs' movements cross the aisle's middle (x = 100 m), from the
/// trace's `move` records: a crossing is a movement ending on the other
/// side of the middle from where the AGV last was (a movement ending on the
/// middle itself leaves the side unchanged).
fn crossings(trace: &Trace) -> u64 {
    let mut side: std::collections::HashMap<&str, bool> = std::collections::HashMap::new();
    let mut count = 0;
    for r in trace.records.iter().filter(|r| r.event == "move") {
        let Some([x, _]) = r.to_xy else { continue };
        if x == 100.0 {
            continue;
        }
        let east = x > 100.0;
        // Every AGV starts at home, in the west.
        let was_east = side.insert(r.entity.as_str(), east).unwrap_or(false);
        if was_east != east {
            count += 1;
        }
    }
    count
}

/// Per replication: the run, and the crossings of the middle.
fn shuttle_runs(m: &Model, seed: u64, reps: u32) -> Vec<(RunOutput, u64)> {
    (0..reps)
        .into_par_iter()
        .map(|r| {
            let mut trace = Trace::new(1_000_000);
            let out = simulate_traced(m, seed, r, &mut trace).expect("runs");
            (out, crossings(&trace))
        })
        .collect()
}

/// Handovers per crossing, per replication.
fn per_crossing(runs: &[(RunOutput, u64)]) -> Vec<f64> {
    runs.iter()
        .map(|(o, c)| {
            assert!(*c >= 20, "too few crossings: {c}");
            o.radio.handovers as f64 / *c as f64
        })
        .collect()
}

fn half_width(values: &[f64]) -> (f64, f64) {
    let (mean, ci) = mean_ci95(values);
    let (lo, hi) = ci.expect("two replications or more");
    (mean, (hi - lo) / 2.0)
}

#[test]
fn without_shadowing_an_agv_hands_over_once_per_crossing() {
    // The mean path loss grows with distance, so the received powers cross
    // once, at the middle; the 3 dB hysteresis is passed a few metres on
    // the far side and never undone.
    let m = model(&shuttle(1, "2h", r#"shadowing = "off""#));
    for (out, crossed) in shuttle_runs(&m, 31, 4) {
        eprintln!(
            "shadowing off, replication {}: {crossed} crossings, {} handovers",
            out.replication, out.radio.handovers
        );
        assert!(crossed >= 50, "{crossed} crossings");
        assert_eq!(out.radio.handovers, crossed, "replication {}", out.replication);
        assert_eq!(out.radio.link_failures, 0);
    }
}

#[test]
fn consistent_shadowing_without_hysteresis_ping_pongs_and_a_long_time_to_trigger_stops_it() {
    let reps = 60;
    let setting = |hysteresis: f64, ttt: &str| {
        model(&shuttle(
            1,
            "2h",
            &format!(
                r#"shadowing = "consistent"
handover = {{ hysteresis_db = {hysteresis}, time_to_trigger = "{ttt}" }}"#
            ),
        ))
    };
    // The same seed: replication r sees the same shadowing fields in each
    // setting (common random numbers), so the comparison is paired.
    let ping_pong = per_crossing(&shuttle_runs(&setting(0.0, "0ms"), 32, reps));
    let filtered = per_crossing(&shuttle_runs(&setting(0.0, "5120ms"), 32, reps));
    let default = per_crossing(&shuttle_runs(&setting(3.0, "256ms"), 32, reps));
    let (pm, ph) = half_width(&ping_pong);
    let (fm, fh) = half_width(&filtered);
    let (dm, dh) = half_width(&default);
    eprintln!("handovers per crossing, consistent shadowing, {reps} replications (95%):");
    eprintln!("  hysteresis 0 dB, time-to-trigger 0 ms:    {pm:.3} ± {ph:.3}");
    eprintln!("  hysteresis 0 dB, time-to-trigger 5120 ms: {fm:.3} ± {fh:.3}");
    eprintln!("  hysteresis 3 dB, time-to-trigger 256 ms:  {dm:.3} ± {dh:.3}");
    // Every crossing hands over at least once (the ends are deep in each
    // cell), and an odd number of times per pass.
    for x in ping_pong.iter().chain(&filtered).chain(&default) {
        assert!(*x >= 1.0 - 1e-9, "{x}");
    }
    assert!(pm - ph > 1.2, "no ping-pong: {pm} ± {ph}");
    // Paired differences: the long time-to-trigger removes handovers.
    let saved: Vec<f64> = ping_pong.iter().zip(&filtered).map(|(a, b)| a - b).collect();
    let (sm, sh) = half_width(&saved);
    eprintln!("  ping-pong removed by the time-to-trigger: {sm:.3} ± {sh:.3}");
    assert!(sm - sh > 0.0, "time-to-trigger saves nothing: {sm} ± {sh}");
    assert!(
        fm - fh < 1.2,
        "still ping-pong with a long time-to-trigger: {fm} ± {fh}"
    );
    // The default 3 dB hysteresis removes ping-pong too (the 256 ms
    // time-to-trigger alone would not: measurements come 5 s apart).
    let hysteresis_saves: Vec<f64> = ping_pong.iter().zip(&default).map(|(a, b)| a - b).collect();
    let (hm, hh) = half_width(&hysteresis_saves);
    eprintln!("  ping-pong removed by the hysteresis: {hm:.3} ± {hh:.3}");
    assert!(hm - hh > 0.0, "hysteresis saves nothing: {hm} ± {hh}");
}

/// Per replication, handovers and protective stops of the shuttle with
/// `interruption`.
fn stops_and_handovers(interruption: &str, seed: u64) -> Vec<(u64, u64, u64)> {
    let m = model(&shuttle(
        1,
        "2h",
        &format!(
            r#"shadowing = "off"
handover = {{ interruption = "{interruption}" }}"#
        ),
    ));
    replications(&m, seed, 6)
        .iter()
        .map(|o| {
            (
                o.radio.handovers,
                o.flows[0].survival_violations,
                o.flows[0].interruptions,
            )
        })
        .collect()
}

#[test]
fn an_interruption_longer_than_the_survival_time_stops_the_agv_at_every_handover() {
    // Heartbeats every 100 ms with a survival time of 3 periods: 4 lost in
    // a row stop the AGV. A 500 ms interruption loses 5 (and nothing else
    // fails on this strong link); a 150 ms one loses 1 or 2.
    for (handovers, stops, interruptions) in stops_and_handovers("500ms", 33) {
        eprintln!("interruption 500 ms: {handovers} handovers, {stops} stops, {interruptions} interruptions");
        assert!(handovers >= 50);
        assert_eq!(stops, handovers);
        // Each interruption takes 5 heartbeats (500 ms of 100 ms periods).
        assert_eq!(interruptions, 5 * handovers);
    }
    for (handovers, stops, interruptions) in stops_and_handovers("150ms", 33) {
        eprintln!("interruption 150 ms: {handovers} handovers, {stops} stops, {interruptions} interruptions");
        assert!(handovers >= 50);
        assert_eq!(stops, 0);
    }
}

/// One arm 2 m off the floor's axis at `distance_m` from a single gNB, with
/// an uplink heartbeat every 100 ms (survival 1 period, stop for 1 s) from
/// a UE of `ue_power_dbm`, under `shadowing`; an hour observed.
fn parked_arm(shadowing: &str, distance_m: u32, ue_power_dbm: f64, deadline: &str) -> String {
    format!(
        r#"
[scenario]
horizon = "1h"
warmup = "0s"

[layout]
size = [400, 10]
points = {{ a = [{distance_m}, 2] }}

[[station]]
name = "arm"
at = "a"
process = "1min"
robot = true

[[product]]
name = "job"
release = "const(10h)"
route = ["arm"]

[network]
model = "nr"

[network.nr]
channel = "InF-DH"
gnb = [[0, 2]]
shadowing = "{shadowing}"
ue_tx_power_dbm = {ue_power_dbm}

[[flow]]
name = "heartbeat"
robots = "arm"
direction = "ul"
period = "100ms"
deadline = "{deadline}"
survival = 1
on_violation = "stop(1s)"
"#
    )
}

/// The chi-square quantile of `df` degrees of freedom at the standard
/// normal quantile `z` (Wilson and Hilferty 1931, "The distribution of
/// chi-square", PNAS 17: within 1% of the exact value from 10 degrees on).
fn chi_square_quantile(df: f64, z: f64) -> f64 {
    let c = 2.0 / (9.0 * df);
    df * (1.0 - c + z * c.sqrt()).powi(3)
}

/// The standard normal quantile at 0.9995 (two-sided 0.1%).
const Z_9995: f64 = 3.290_527;

#[test]
fn a_parked_arm_s_stops_are_over_dispersed_under_consistent_shadowing() {
    // A deadline (3 ms) that a first attempt meets and a retransmission
    // mostly misses: a message fails with about the BLER of the chosen MCS,
    // which shadowing moves between 0 and the 10% target (within each
    // MCS's SINR step), so the stop rate is moderate and varies.
    let reps = 40;
    let stops_of = |shadowing: &str| -> Vec<(f64, f64)> {
        replications(&model(&parked_arm(shadowing, 100, 10.0, "3ms")), 41, reps)
            .iter()
            .map(|o| {
                let f = &o.flows[0];
                let failed = (f.lost + f.deadline_misses) / f.sent as f64;
                // Runs of two or more failures start at (1 − q) q² per
                // message: a replication's expected stops given its q.
                (
                    f.survival_violations as f64,
                    f.sent as f64 * (1.0 - failed) * failed * failed,
                )
            })
            .collect()
    };
    let df = f64::from(reps - 1);
    let (lo, hi) = (chi_square_quantile(df, -Z_9995), chi_square_quantile(df, Z_9995));
    let dispersion = |stops: &[(f64, f64)]| {
        let xs: Vec<f64> = stops.iter().map(|s| s.0).collect();
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var / mean)
    };
    // Given each replication's failure rate, Pearson's statistic of the
    // stops against their expectation: chi-square with `reps` degrees if
    // failures are independent message to message.
    let pearson = |stops: &[(f64, f64)]| {
        stops
            .iter()
            .map(|(s, e)| (s - e).powi(2) / e.max(1e-9))
            .sum::<f64>()
    };

    let consistent = stops_of("consistent");
    let (cm, ci) = dispersion(&consistent);
    eprintln!(
        "consistent shadowing: stops per replication {cm:.2}, dispersion index {ci:.2}, \
         statistic {:.1} against chi-square({df}) 99.9% interval {lo:.1} to {hi:.1}",
        ci * df
    );
    assert!((1.0..=100.0).contains(&cm), "stops per replication {cm}");
    assert!(ci * df > hi, "not over-dispersed: index {ci}");

    let per_message = stops_of("per_message");
    let (pm, pi) = dispersion(&per_message);
    let x2 = pearson(&per_message);
    let (plo, phi) = (
        chi_square_quantile(f64::from(reps), -Z_9995),
        chi_square_quantile(f64::from(reps), Z_9995),
    );
    eprintln!(
        "per-message shadowing: stops per replication {pm:.2}, dispersion index {pi:.2} \
         (statistic {:.1}); given each replication's failure rate, Pearson {x2:.1} against \
         chi-square({reps}) 99.9% interval {plo:.1} to {phi:.1}",
        pi * df
    );
    assert!((1.0..=100.0).contains(&pm), "stops per replication {pm}");
    // Within a replication, failures are independent: the stops are
    // Poisson about their expectation.
    assert!(
        (plo..=phi).contains(&x2),
        "per-message stops not Poisson given q: {x2}"
    );
    // Across replications, the rate varies far less than under consistent
    // shadowing: only by the sampling of the replication's draws (each
    // place's link-state draws and each flow's latency draws).
    assert!(pi * 4.0 < ci, "per-message index {pi} against consistent {ci}");
}

/// The first stage's sany18, from commit 4005a62 (before the channel had
/// memory): `factory5g run scenarios/sany18.toml --replications 20 --json`
/// gave the throughput and lead time (means and 95% intervals over the 20
/// replications of seed 18) and the heartbeat's lost share (344.2 of
/// 3,456,000 sent). The report gives no interval for a flow's lost share,
/// so its interval comes from 20 runs of one replication each
/// (`--replications 1 --seed S`, S = 101 to 120): mean 1.0072e-4, 95%
/// interval 9.876e-5 to 1.0268e-4.
const STAGE1_THROUGHPUT_PER_H: (f64, f64, f64) = (1.2875, 1.106_338, 1.468_662);
const STAGE1_LEAD_TIME_S: (f64, f64, f64) = (115_419.15, 111_202.61, 119_635.69);
const STAGE1_HEARTBEAT_LOST: (f64, f64, f64) = (344.2 / 3_456_000.0, 9.876_397e-5, 1.026_828e-4);

/// Asserts that the new runs' mean agrees with the first stage's: the two
/// means differ by no more than the sum of the two 95% half-widths. The
/// sum is at least the half-width of the difference's interval (the square
/// root of the sum of squares), so this is a test at 95% or looser, and it
/// cannot reject a difference that either interval alone could hide.
fn assert_as_first_stage(what: &str, values: &[f64], (ref_mean, ref_lo, ref_hi): (f64, f64, f64)) {
    let (mean, half) = half_width(values);
    let ref_half = (ref_hi - ref_lo) / 2.0;
    eprintln!(
        "{what}: first stage {ref_mean:.6} ± {ref_half:.6}, per-message shadowing {mean:.6} ± {half:.6} (95%)"
    );
    assert!(
        (mean - ref_mean).abs() <= ref_half + half,
        "{what}: {mean} ± {half} against the first stage's {ref_mean} ± {ref_half}"
    );
}

#[test]
fn per_message_shadowing_without_interference_gives_the_first_stage_s_sany18() {
    let m = factory5g::scenario::load_builtin_with(
        "sany18",
        &[
            "network.nr.shadowing=per_message".to_string(),
            "network.nr.interference=false".to_string(),
            // The first stage took the BLER target as every attempt's BLER
            // (residual loss 0.1^4 = 1e-4 after 3 retransmissions); the
            // second takes it from the chosen MCS's curve, far below the
            // target on sany18's strong links (a lost share of about 1e-8
            // without this key). The first stage's assumption, stated:
            "network.nr.bler=0.1".to_string(),
        ],
    )
    .expect("sany18 loads")
    .model;
    let runs = replications(&m, 18, 20);
    let heartbeat = m
        .flows()
        .iter()
        .position(|f| f.name() == "agv_heartbeat")
        .expect("sany18 has a heartbeat");
    let kpi = |f: &dyn Fn(&RunOutput) -> f64| runs.iter().map(f).collect::<Vec<_>>();
    assert_as_first_stage(
        "throughput per h",
        &kpi(&|o| o.throughput_per_h()),
        STAGE1_THROUGHPUT_PER_H,
    );
    assert_as_first_stage("lead time s", &kpi(&|o| o.lead_time_s.mean()), STAGE1_LEAD_TIME_S);
    assert_as_first_stage(
        "heartbeat lost share",
        &kpi(&|o| o.flows[heartbeat].lost / o.flows[heartbeat].sent as f64),
        STAGE1_HEARTBEAT_LOST,
    );
}

fn sampled(m: &Model, sampling: FlowSampling, seed: u64, reps: u32) -> Vec<RunOutput> {
    let profiles = LinkProfiles::compute(m).with_sampling(sampling);
    (0..reps)
        .into_par_iter()
        .map(|r| simulate_with(m, &profiles, seed, r).expect("runs"))
        .collect()
}

/// Asserts that sampling by runs and every message agree on a KPI. Both
/// use the same seed, so replication r has the same shadowing fields and
/// releases in both (common random numbers) and the comparison is paired:
/// the mean difference lies within twice the 95% half-width of the paired
/// differences (about four standard errors). The fields make the KPIs vary
/// widely between replications, but the pairs share them: the power is the
/// paired half-width, which must be under `max_rel` of the mean.
fn assert_same_paired(what: &str, runs: &[f64], every: &[f64], max_rel: f64) {
    let diffs: Vec<f64> = runs.iter().zip(every).map(|(a, b)| a - b).collect();
    let (dm, dh) = half_width(&diffs);
    let (am, ah) = half_width(runs);
    let (bm, bh) = half_width(every);
    eprintln!(
        "{what}: runs {am:.6} ± {ah:.6}, every message {bm:.6} ± {bh:.6}, \
         difference {dm:+.6} ± {dh:.6} (95%, paired)"
    );
    assert!(
        dm.abs() <= 2.0 * dh,
        "{what}: runs {am} and every message {bm} differ by {dm} ± {dh}"
    );
    assert!(
        dh <= max_rel * am.abs(),
        "{what}: paired interval ±{dh} too wide to compare"
    );
}

#[test]
fn runs_and_every_message_agree_with_moving_agvs_handovers_and_stops() {
    // Two AGVs shuttle across both cells under consistent shadowing with
    // ping-pong handovers (no hysteresis) that interrupt for 350 ms (3 or 4
    // heartbeats, one short of a stop), a weak uplink (5 dBm) and a 3 ms
    // deadline that a retransmission misses: failures follow the places'
    // BLERs, and a stop needs a failure next to an interruption, or four
    // in a row. Stops halt the AGVs, which takes back decided runs.
    let text = shuttle(
        2,
        "2h",
        r#"shadowing = "consistent"
ue_tx_power_dbm = 5
handover = { hysteresis_db = 0, time_to_trigger = "0ms", interruption = "350ms" }"#,
    )
    .replace(r#"deadline = "100ms""#, r#"deadline = "3ms""#);
    let m = model(&text);
    let reps = 24;
    let a = sampled(&m, FlowSampling::Runs, 51, reps);
    let b = sampled(&m, FlowSampling::EveryMessage, 51, reps);
    eprintln!(
        "events per replication {} (runs) vs {} (every message); handovers {} and {}, \
         link failures {} and {}",
        a[0].events,
        b[0].events,
        a[0].radio.handovers,
        b[0].radio.handovers,
        a[0].radio.link_failures,
        b[0].radio.link_failures
    );
    let kpi = |runs: &[RunOutput], f: &dyn Fn(&RunOutput) -> f64| runs.iter().map(f).collect::<Vec<_>>();
    let stops = |o: &RunOutput| o.flows[0].survival_violations as f64;
    let lost = |o: &RunOutput| o.flows[0].lost / o.flows[0].sent as f64;
    let failed = |o: &RunOutput| (o.flows[0].lost + o.flows[0].deadline_misses) / o.flows[0].sent as f64;
    let unavailable = |o: &RunOutput| {
        o.flows[0].unavailable_ns as f64 / (o.observed_s * 1e9 * f64::from(o.flows[0].robots))
    };
    let stopped = |o: &RunOutput| {
        o.fleet
            .as_ref()
            .map_or(0.0, |f| f.utilization()[AgvState::Stopped as usize])
    };
    let handovers = |o: &RunOutput| o.radio.handovers as f64;
    assert!(
        kpi(&a, &stops).iter().sum::<f64>() >= 10.0 * f64::from(reps),
        "too few stops"
    );
    assert_same_paired("stops per replication", &kpi(&a, &stops), &kpi(&b, &stops), 0.1);
    assert_same_paired("lost share", &kpi(&a, &lost), &kpi(&b, &lost), 0.1);
    assert_same_paired("failed share", &kpi(&a, &failed), &kpi(&b, &failed), 0.1);
    assert_same_paired(
        "unavailability",
        &kpi(&a, &unavailable),
        &kpi(&b, &unavailable),
        0.25,
    );
    assert_same_paired("AGVs stopped", &kpi(&a, &stopped), &kpi(&b, &stopped), 0.1);
    assert_same_paired("handovers", &kpi(&a, &handovers), &kpi(&b, &handovers), 0.1);
}
