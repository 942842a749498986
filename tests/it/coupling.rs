//! The factory and the network together: protective stops from lost
//! heartbeats at the analytic rate, retransmitted commands, and the cost of a
//! slow network to production.

use super::{heartbeat_plant, model, replications};
use factory5g::factory::{AgvState, RunOutput, StationState};
use factory5g::stats::mean_ci95;

#[test]
fn protective_stops_happen_at_the_rate_of_n_plus_one_consecutive_losses() {
    // Convention: a survival time of n periods is violated by the (n+1)-th
    // consecutive lost message; such runs start at (1 - p) p^(n+1) per message.
    for (p, n, seed) in [(0.3, 2u32, 11u64), (0.1, 1, 12), (0.5, 3, 13), (0.2, 0, 14)] {
        let m = model(&heartbeat_plant(p, n, 50, "2h", "0s"));
        let runs = replications(&m, seed, 10);
        let rate: Vec<f64> = runs
            .iter()
            .map(|o| o.flows[0].survival_violations as f64 / o.flows[0].sent as f64)
            .collect();
        let theory = (1.0 - p) * p.powi(n as i32 + 1);
        let (mean, ci) = mean_ci95(&rate);
        let (lo, hi) = ci.unwrap();
        let half = (hi - lo) / 2.0;
        eprintln!("p {p} n {n}: stops per message {mean:.6} ± {half:.6}, theory {theory:.6}");
        assert!(
            (mean - theory).abs() <= 2.0 * half,
            "p {p} n {n}: {mean} vs {theory} ± {half}"
        );
        assert!(half < 0.05 * theory, "interval too wide: {half} for {theory}");
        // Lost messages: p of those sent.
        let lost: Vec<f64> = runs
            .iter()
            .map(|o| o.flows[0].lost / o.flows[0].sent as f64)
            .collect();
        let (lmean, _) = mean_ci95(&lost);
        assert!((lmean - p).abs() < 0.01 * p.max(0.01), "loss {lmean} vs {p}");
        // The arms spent time stopped: about stops × 1 s plus the outages.
        let stopped: f64 = runs
            .iter()
            .map(|o| o.stations[0].utilization()[StationState::Stopped as usize])
            .sum::<f64>()
            / runs.len() as f64;
        assert!(stopped > 0.0);
    }
}

fn dispatch_plant(loss: f64) -> String {
    format!(
        r#"
[scenario]
horizon = "20h"

[layout]
size = [100, 10]
points = {{ w = [0, 0], a = [50, 0] }}
aisles = [["w", "a"]]

[fleet]
agvs = 2
speed = "1m/s"
home = "w"

[[station]]
name = "s"
at = "a"
process = "exp(3min)"

[[product]]
name = "job"
release = "exp(5min)"
route = ["s"]

[network]
model = "fixed"

[network.fixed]
latency = "20ms"
loss = {loss}

[[flow]]
name = "dispatch"
robots = "agvs"
direction = "dl"
trigger = "dispatch"
timeout = "200ms"
"#
    )
}

#[test]
fn lost_commands_are_sent_again_and_the_agv_waits() {
    let runs = replications(&model(&dispatch_plant(0.4)), 3, 4);
    for o in &runs {
        let f = &o.flows[0];
        assert!(f.sent > 200, "{}", f.sent);
        // Every message is delivered or lost; lost ones were sent again.
        assert!(
            (f.sent as f64 - f.delivered as f64 - f.lost).abs() <= 2.0,
            "{f:?}"
        );
        let share = f.lost / f.sent as f64;
        assert!((share - 0.4).abs() < 0.06, "lost share {share}");
        let fleet = o.fleet.as_ref().unwrap();
        assert!(fleet.utilization()[AgvState::NetworkWait as usize] > 0.0);
        // Delivered messages took the fixed latency.
        assert!((f.mean_latency_ms().unwrap() - 20.0).abs() < 1e-6);
    }
}

#[test]
fn a_slow_network_costs_production_in_sany18() {
    let base = factory5g::scenario::load_builtin("sany18").unwrap().model;
    assert!(matches!(
        base.network().link(),
        factory5g::model::LinkModel::Nr(_)
    ));
    let on_fixed_link = |latency: &str| {
        factory5g::scenario::load_builtin_with(
            "sany18",
            &[
                "network.model=fixed".to_string(),
                format!("network.fixed.latency={latency}"),
            ],
        )
        .unwrap()
        .model
    };
    // Common random numbers: replication r of both plants draws the same
    // releases, process times and failures, so the paired differences
    // carry the network's effect and little noise.
    let reps = 20;
    let fast = replications(&on_fixed_link("1ms"), 18, reps);
    let slow = replications(&on_fixed_link("500ms"), 18, reps);
    let agv_stopped = |o: &RunOutput| o.fleet.as_ref().unwrap().utilization()[AgvState::Stopped as usize];
    // A lossless 1 ms link meets every deadline, so no AGV ever stops. At
    // 500 ms every heartbeat misses its 100 ms deadline: every AGV stops
    // long before the warm-up ends, and a stopped AGV restarts only when
    // its link comes back, which it never does.
    for (f, s) in fast.iter().zip(&slow) {
        assert_eq!(agv_stopped(f), 0.0, "replication {}", f.replication);
        assert_eq!(agv_stopped(s), 1.0, "replication {}", s.replication);
    }
    let lost_per_h: Vec<f64> = fast
        .iter()
        .zip(&slow)
        .map(|(f, s)| f.throughput_per_h() - s.throughput_per_h())
        .collect();
    let (mean, ci) = mean_ci95(&lost_per_h);
    let (lo, hi) = ci.unwrap();
    eprintln!(
        "sany18, fixed link 1 ms minus 500 ms: {mean:.3} trucks/h (95% CI {lo:.3} to {hi:.3}), \
         paired over {reps} replications"
    );
    assert!(
        lo > 0.0,
        "the slow network should cost trucks: {lo:.3} to {hi:.3}"
    );
}
