//! Periodic robot flows queue too: a heartbeat at the cameras' priority
//! waits behind their packets in its cell, by the M/D/1 wait of the queue's
//! closed form; at a priority above them it does not move; and its
//! deadline misses rise with the load when the deadline is near the
//! latency plus the wait.

use crate::{model, replications};
use factory5g::model::LinkModel;
use factory5g::net::{link_adaptation, Batches, Direction, QueueLaw};
use factory5g::stats::{mean_ci95, t_975};

/// Student's t, 0.9995 quantile, 19 degrees of freedom: a two-sided 99.9 %
/// interval over 20 replications, for a family of up to 50 comparisons.
const T_9995_DF19: f64 = 3.883;
const REPS: u32 = 20;

/// In the one-cell plant under fifo, with no shadowing, no block errors and
/// no core delay (a message's latency is the frame's, plus its wait): the
/// four arms' uplink heartbeat (priority `PRIO`, deadline `DEADLINE`), and
/// three uplink cameras of Poisson packets (`SIZE`, each at `RATE`) at
/// priority 9.
const FLOWS: &str = r#"[[flow]]
name = "heartbeat"
robots = "cell"
direction = "ul"
period = "100ms"
deadline = "DEADLINE"
survival = 50
size = "64B"
priority = PRIO

[[flow]]
name = "cameras"
direction = "ul"
ues = 3
rate = "RATE"
size = "SIZE"
priority = 9
"#;

fn plant(prio: u8, deadline: &str, rate_bps: f64, size: u32) -> String {
    let nr_keys = "shadowing = \"off\"\nbler = 0\n";
    crate::one_cell_plant("5min", "10s", Some("fifo"), nr_keys, FLOWS)
        .replace("PRIO", &prio.to_string())
        .replace("DEADLINE", deadline)
        .replace("RATE", &format!("{:.6}Mbps", rate_bps * 1e-6))
        .replace("SIZE", &format!("{size}B"))
}

/// The heartbeat's mean latency (ms) and deadline-miss share in each
/// replication.
fn heartbeat(text: &str) -> (Vec<f64>, Vec<f64>) {
    let outs = replications(&model(text), 17, REPS);
    let latency = outs
        .iter()
        .map(|o| o.flows[0].mean_latency_ms().expect("delivered"))
        .collect();
    let misses = outs
        .iter()
        .map(|o| o.flows[0].deadline_misses / o.flows[0].sent as f64)
        .collect();
    (latency, misses)
}

/// Mean and 99.9 % half-width over the replications.
fn ci999(values: &[f64]) -> (f64, f64) {
    let (m, i) = mean_ci95(values);
    let (lo, hi) = i.expect("replications");
    (m, 0.5 * (hi - lo) / t_975(values.len() as u64 - 1) * T_9995_DF19)
}

#[test]
fn a_heartbeat_at_the_cameras_priority_waits_by_the_md1_closed_form_and_misses_its_deadline() {
    // The uplink of the plant: its opportunity interval τ (FDD, one per
    // slot), and the blocks of a camera packet at the efficiency the
    // background is given (a line-of-sight UE 30 m from its gNB).
    let probe = model(&plant(1, "100ms", 1e6, 1500));
    let LinkModel::Nr(nr) = probe.network().link() else {
        panic!("an nr plant");
    };
    let nr = nr.nr();
    let tau_ms = nr.slot_ms();
    let budget = nr.link_budget();
    let se = link_adaptation(budget.sinr_db(nr.channel().path_loss(30.0, true)))
        .expect("in coverage")
        .efficiency;
    let bpp = nr.bits_per_prb(Direction::Ul, se);
    // Packets of exactly one opportunity's blocks: the queue counted in
    // opportunities is the slotted M/D/1 of `net::stationary`, whose wait
    // is E[W] = ρ / (2 (1 − ρ)) opportunities for a packet of its level.
    let cap = f64::from(nr.n_prb());
    let size = (cap * bpp / 8.0).floor() as u32;
    assert_eq!((f64::from(size) * 8.0 / bpp).ceil(), cap);
    // The frame's latency without waiting: preparation, alignment (below
    // τ), transmission and decoding; a deadline half an opportunity past
    // the next makes a message late when it waits more than one
    // opportunity, or exactly one from the second half of its alignment.
    let frame_min_ms = (nr.n2() / 2.0 + 14.0 + nr.n1() / 2.0) * nr.symbol_ms();
    let near = format!("{:.0}us", (frame_min_ms + 1.5 * tau_ms) * 1e3);
    let mut misses_by_rho = Vec::new();
    for rho in [0.2, 0.5, 0.8] {
        // ρ = packets per opportunity (each of one opportunity's blocks),
        // over the three cameras.
        let rate = rho / (tau_ms * 1e-3) * f64::from(size) * 8.0 / 3.0;
        let equal = plant(9, "100ms", rate, size);
        let load = factory5g::factory::cell_loads(&model(&equal))[0][1];
        assert!((load - rho).abs() < 1e-6, "offered load {load}, not {rho}");
        let (unloaded, _) = heartbeat(&plant(1, "100ms", 1.0, size));
        let (above, _) = heartbeat(&plant(1, "100ms", rate, size));
        let (same, _) = heartbeat(&equal);
        // Above the cameras: the heartbeat's latencies are those of the
        // unloaded cell, draw for draw.
        assert_eq!(above, unloaded, "rho {rho}: priority 1 moved");
        // At their level: the same draws plus each one's wait.
        let rise: Vec<f64> = same.iter().zip(&above).map(|(s, a)| s - a).collect();
        let (m, half) = ci999(&rise);
        let closed = tau_ms * rho / (2.0 * (1.0 - rho));
        eprintln!("heartbeat at rho {rho}: latency rises by {m:.4} ± {half:.4} ms (99.9 %), closed form {closed:.4} ms");
        assert!(half < 0.25 * closed, "interval too wide: {half} for {closed}");
        assert!(
            (m - closed).abs() <= half,
            "rho {rho}: {m} ± {half} against {closed}"
        );
        // A deadline near the latency plus the wait: late when W > 1, or
        // W = 1 from the second half of the alignment, that is when the
        // message is ready in the first half of its interval (u < 1/2),
        // where fewer of the interval's packets came before it: the wait's
        // law at each u (midpoints of 256 parts).
        let law = QueueLaw::new(
            nr.n_prb().into(),
            vec![Batches::Poisson {
                mean: rho,
                blocks: nr.n_prb().into(),
            }],
            Vec::new(),
        )
        .unwrap();
        let parts = 256;
        let expected: f64 = (0..parts)
            .map(|i| {
                let u = (f64::from(i) + 0.5) / f64::from(parts);
                let pmf = law.wait_pmf_at(1, u).unwrap();
                // From the second half on, a wait of one is in time.
                let in_time_at_one = if u >= 0.5 {
                    pmf.get(1).copied().unwrap_or(0.0)
                } else {
                    0.0
                };
                (1.0 - pmf[0] - in_time_at_one) / f64::from(parts)
            })
            .sum();
        let (_, on_time) = heartbeat(&plant(1, &near, rate, size));
        assert!(on_time.iter().all(|&x| x == 0.0), "priority 1 late: {on_time:?}");
        let (_, late) = heartbeat(&plant(9, &near, rate, size));
        let (m, half) = ci999(&late);
        eprintln!("heartbeat at rho {rho}, deadline {near}: misses {m:.4} ± {half:.4}, law {expected:.4}");
        assert!(
            (m - expected).abs() <= half,
            "rho {rho}: {m} ± {half} against {expected}"
        );
        misses_by_rho.push(m);
    }
    assert!(misses_by_rho.windows(2).all(|w| w[0] < w[1]), "{misses_by_rho:?}");
    // Beyond capacity (ρ = 1.1), with the default 100 ms discard timer: the
    // saturated cell keeps its link, so a heartbeat above the cameras has
    // the unloaded cell's latencies, draw for draw; at their level it waits
    // up to the timer, and part of its messages, not all, are late.
    let rate = 1.1 / (tau_ms * 1e-3) * f64::from(size) * 8.0 / 3.0;
    let (unloaded, _) = heartbeat(&plant(1, "100ms", 1.0, size));
    let (above, on_time) = heartbeat(&plant(1, "100ms", rate, size));
    assert_eq!(above, unloaded, "priority 1 moved in a saturated cell");
    assert!(on_time.iter().all(|&x| x == 0.0), "{on_time:?}");
    let (_, late) = heartbeat(&plant(9, "100ms", rate, size));
    let (m, half) = ci999(&late);
    eprintln!("heartbeat at rho 1.1, its level: misses {m:.4} ± {half:.4}");
    assert!(m - half > 0.01 && m + half < 0.99, "{m} ± {half}");
}
