//! Traffic that queues: one cell with background packets, against the
//! M/D/1 closed form, the queue's stationary law, priorities and what each
//! scheduler promises.

use factory5g::engine::{EventQueue, RngStreams, SimTime};
use factory5g::net::{
    level_laws, BackgroundFlow, Cell, CellPacket, Direction, Nr, NrConfig, Outcome, Scheduler, Traffic,
};
use factory5g::stats::{mean_ci95, t_975};
use rand::RngExt;
use std::sync::Arc;

/// Student's t, 0.9995 quantile, 19 degrees of freedom: a two-sided 99.9 %
/// interval over 20 replications, for families of up to 50 comparisons
/// (Bonferroni: 5 % for the family).
pub(crate) const T_9995_DF19: f64 = 3.883;

/// Spectral efficiency of the robots and, unless said, of the background.
pub(crate) const SE: f64 = 2.0;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Mode {
    /// Background packets simulated one by one.
    Packets,
    /// Robot waits drawn from the queue's law.
    Law,
}

#[derive(Clone)]
pub(crate) struct Setup {
    pub scheduler: Scheduler,
    pub background: Vec<BackgroundFlow>,
    pub mode: Mode,
    pub robot_priority: u8,
    pub robot_bytes: u64,
    /// Mean gap between robot packets (Poisson), ms.
    pub robot_gap_ms: f64,
    pub robots: u32,
    pub seconds: u64,
    /// Robot packets sent before this are not counted (the queue fills).
    pub warmup_s: u64,
    /// The PDCP discard timer (`NrConfig::discard_timer`).
    pub discard_timer: Option<SimTime>,
}

#[derive(Default)]
pub(crate) struct Outcomes {
    /// Queueing of each delivered robot packet, ms.
    pub queueing_ms: Vec<f64>,
    pub latency_ms: Vec<f64>,
    pub sent: u64,
    pub lost: u64,
    pub cell: Option<Cell>,
}

/// The schedulers' tests are about blocks, not DCIs: a 3-symbol CORESET
/// sends 33 DCIs per occasion, more than the UEs of any test here (14 at
/// most), so the PDCCH never holds a packet back (with 1 symbol, 11 DCIs,
/// a robot among 14 UEs with data would sometimes wait a slot for one).
pub(crate) fn nr(scheduler: Scheduler) -> Nr {
    Nr::new(NrConfig {
        bler: 0.0,
        scheduler,
        coreset_symbols: 3,
        ..NrConfig::default()
    })
    .unwrap()
}

/// Opportunity interval of the default FDD downlink, ms.
pub(crate) fn tau_ms() -> f64 {
    nr(Scheduler::Fifo).slot_ms()
}

/// A background flow of `ues` UEs offering `rho` of the downlink's blocks
/// with packets of `bytes`, at efficiency `se`.
pub(crate) fn poisson(rho: f64, bytes: u32, ues: u32, se: f64, priority: u8) -> BackgroundFlow {
    let nr = nr(Scheduler::Fifo);
    let bits = f64::from(bytes) * 8.0;
    let blocks = (bits / nr.bits_per_prb(Direction::Dl, se)).ceil();
    // ρ = packets per opportunity × blocks / 273.
    let per_opportunity = rho * f64::from(nr.n_prb()) / blocks;
    let rate_bps = per_opportunity / (tau_ms() * 1e-3) * bits / f64::from(ues);
    BackgroundFlow {
        traffic: Traffic::Poisson,
        ues,
        rate_bps,
        packet_bytes: bytes,
        priority,
        spectral_efficiency: se,
    }
}

pub(crate) fn run(setup: &Setup, seed: u64) -> Outcomes {
    #[derive(Clone, Copy)]
    enum Ev {
        Robot(u64),
        Wake,
    }
    let nr = Nr::new(NrConfig {
        discard_timer: setup.discard_timer,
        ..nr(setup.scheduler).config().clone()
    })
    .unwrap();
    let streams = RngStreams::new(seed, 0);
    let mut cell = Cell::new(nr.clone(), streams.stream("cell"));
    let mut q = EventQueue::new();
    match setup.mode {
        Mode::Packets => {
            if let Some(t) = cell
                .set_background_flows(
                    Direction::Dl,
                    &setup.background,
                    SimTime::ZERO,
                    streams.stream("bg"),
                )
                .unwrap()
            {
                q.schedule(t, Ev::Wake);
            }
        }
        Mode::Law => {
            let laws = level_laws(&nr, Direction::Dl, &setup.background, &[setup.robot_priority]);
            cell.set_background_laws(Direction::Dl, Arc::new(laws), streams.stream("law"));
        }
    }
    let mut arrivals = streams.stream("robots");
    let horizon = SimTime::from_secs(setup.seconds);
    let warmup = SimTime::from_secs(setup.warmup_s);
    q.schedule(SimTime::from_nanos(1_000_000), Ev::Robot(0));
    let mut out = Outcomes::default();
    let mut sent = Vec::new();
    while let Some((now, ev)) = q.pop() {
        if now > horizon {
            break;
        }
        match ev {
            Ev::Robot(i) => {
                if now >= warmup {
                    out.sent += 1;
                }
                let pkt = CellPacket {
                    id: i,
                    ue: (i % u64::from(setup.robots)) as u32,
                    dir: Direction::Dl,
                    bits: setup.robot_bytes * 8,
                    spectral_efficiency: SE,
                    bler: 0.0,
                    priority: setup.robot_priority,
                };
                if let Some(t) = cell.enqueue(now, pkt) {
                    q.schedule(t, Ev::Wake);
                }
                let u: f64 = arrivals.random();
                let gap = -(1.0 - u).ln() * setup.robot_gap_ms * 1e6;
                q.schedule(now + SimTime::from_nanos_f64(gap), Ev::Robot(i + 1));
            }
            Ev::Wake => {
                sent.clear();
                if let Some(t) = cell.on_slot_into(now, &mut sent) {
                    q.schedule(t, Ev::Wake);
                }
                for d in sent.iter().filter(|d| d.sent >= warmup) {
                    match d.outcome {
                        Outcome::Delivered(at) => {
                            out.queueing_ms.push(d.components.queueing);
                            out.latency_ms.push((at - d.sent).as_nanos() as f64 * 1e-6);
                        }
                        Outcome::Lost(_) => out.lost += 1,
                    }
                }
            }
        }
    }
    out.cell = Some(cell);
    out
}

pub(crate) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// The `p` quantile of `v` (nearest rank).
fn quantile(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[((p * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1]
}

/// Mean and 95 % half-width over replications.
pub(crate) fn ci(values: &[f64]) -> (f64, f64) {
    let (m, i) = mean_ci95(values);
    let (lo, hi) = i.expect("replications");
    (m, 0.5 * (hi - lo))
}

pub(crate) fn robot_setup(
    background: Vec<BackgroundFlow>,
    mode: Mode,
    scheduler: Scheduler,
    priority: u8,
) -> Setup {
    Setup {
        scheduler,
        background,
        mode,
        robot_priority: priority,
        robot_bytes: 100,
        robot_gap_ms: 5.0,
        warmup_s: 0,
        discard_timer: NrConfig::default().discard_timer,
        robots: 4,
        seconds: 20,
    }
}

#[test]
fn robot_queueing_follows_the_md1_closed_form_and_grows_with_load() {
    // Background packets of exactly one opportunity's 273 blocks: in
    // opportunities the queue is Q' = max(Q + A − 1, 0), A ~ Poisson(ρ),
    // and a robot packet that fits in one opportunity, at the same level
    // behind the backlog and the interval's earlier arrivals, waits
    // Q + A_u: E[W] = ρ / (2 (1 − ρ)) opportunities (see
    // `net::stationary`), the M/D/1 wait with one opportunity of service.
    let nr = nr(Scheduler::Fifo);
    let bpp = nr.bits_per_prb(Direction::Dl, SE);
    let bytes = (273.0 * bpp / 8.0).floor() as u32;
    assert_eq!((f64::from(bytes) * 8.0 / bpp).ceil(), 273.0);
    let tau = tau_ms();
    let reps = 10;
    let mut p99s = Vec::new();
    for rho in [0.2, 0.5, 0.8] {
        let bg = vec![poisson(rho, bytes, 3, SE, 1)];
        let setup = robot_setup(bg, Mode::Packets, Scheduler::Fifo, 1);
        let (mut means, mut all) = (Vec::new(), Vec::new());
        let mut lost = 0;
        for seed in 0..reps {
            let o = run(&setup, 100 + seed);
            assert!(o.queueing_ms.len() > 3000, "{}", o.queueing_ms.len());
            means.push(mean(&o.queueing_ms));
            all.extend(o.queueing_ms);
            lost += o.lost;
        }
        let (m, half) = ci(&means);
        let closed = tau * rho / (2.0 * (1.0 - rho));
        eprintln!("md1 rho {rho}: mean queueing {m:.4} ± {half:.4} ms, closed form {closed:.4} ms");
        assert!(half < 0.15 * closed, "interval too wide: {half} for {closed}");
        assert!(
            (m - closed).abs() <= half,
            "rho {rho}: {m} ± {half} against {closed}"
        );
        assert_eq!(lost, 0, "nothing lost below capacity");
        p99s.push(quantile(&all, 0.99));
    }
    eprintln!("p99 queueing (ms): {p99s:?}");
    assert!(p99s.windows(2).all(|w| w[0] < w[1]), "{p99s:?}");
}

#[test]
fn the_queue_law_matches_packet_by_packet_simulation() {
    // Poisson cameras of 1,500-byte packets (42 blocks each), robot packets
    // of 100 bytes at the same level, fifo: the law's mean wait and its
    // tail P(W ≥ k) inside the replications' intervals (99.9 %, a family of
    // 4 loads × 4 figures), and the law-driven cell agrees too.
    let tau = tau_ms();
    let nr = nr(Scheduler::Fifo);
    let robot_blocks = (800.0 / nr.bits_per_prb(Direction::Dl, SE)).ceil() as u64;
    let reps = 20;
    for rho in [0.2, 0.5, 0.8, 0.95] {
        let bg = vec![poisson(rho, 1500, 10, SE, 9)];
        let law = level_laws(&nr, Direction::Dl, &bg, &[9])[8]
            .clone()
            .unwrap()
            .unwrap();
        let pmf = law.wait_pmf(robot_blocks).unwrap();
        let exact_ms = law.mean_wait(robot_blocks).unwrap() * tau;
        let tail = |k: usize| pmf.iter().skip(k).sum::<f64>();
        let mut setup = robot_setup(bg, Mode::Packets, Scheduler::Fifo, 9);
        setup.seconds = if rho > 0.9 { 40 } else { 10 };
        let mut means = Vec::new();
        let mut tails = vec![Vec::new(); 3];
        let ks = [1usize, 2, 4];
        for seed in 0..reps {
            let o = run(&setup, 500 + seed);
            means.push(mean(&o.queueing_ms));
            for (t, &k) in tails.iter_mut().zip(&ks) {
                let n = o
                    .queueing_ms
                    .iter()
                    .filter(|&&w| w >= (k as f64 - 0.5) * tau)
                    .count();
                t.push(n as f64 / o.queueing_ms.len() as f64);
            }
        }
        let (m, half95) = ci(&means);
        let half = half95 / t_975(reps - 1) * T_9995_DF19;
        eprintln!(
            "law rho {rho}: packets {m:.4} ± {half:.4} ms (99.9 %), law {exact_ms:.4} ms; P(W ≥ 1, 2, 4) law {:.4} {:.4} {:.4}",
            tail(1),
            tail(2),
            tail(4)
        );
        assert!(
            (m - exact_ms).abs() <= half,
            "rho {rho}: {m} ± {half} against {exact_ms}"
        );
        for (t, &k) in tails.iter().zip(&ks) {
            let (f, h) = ci(t);
            let h = h / t_975(reps - 1) * T_9995_DF19;
            eprintln!("   P(W ≥ {k}): packets {f:.4} ± {h:.4}");
            assert!(
                (f - tail(k)).abs() <= h.max(1e-4),
                "rho {rho} k {k}: {f} ± {h} against {}",
                tail(k)
            );
        }
        // The cell driven by the law gives the same mean.
        setup.mode = Mode::Law;
        let law_means: Vec<f64> = (0..reps)
            .map(|s| mean(&run(&setup, 900 + s).queueing_ms))
            .collect();
        let (lm, lh) = ci(&law_means);
        let lh = lh / t_975(reps - 1) * T_9995_DF19;
        eprintln!("   law-driven cell {lm:.4} ± {lh:.4} ms");
        assert!(
            (lm - exact_ms).abs() <= lh.max(1e-4),
            "rho {rho}: law cell {lm} ± {lh} against {exact_ms}"
        );
    }
}

#[test]
fn priority_keeps_robots_at_their_unloaded_latency_and_equal_priority_does_not() {
    let reps = 10;
    let latency = |bg: Vec<BackgroundFlow>, priority: u8| -> (f64, f64) {
        let setup = robot_setup(bg, Mode::Packets, Scheduler::Fifo, priority);
        let means: Vec<f64> = (0..reps).map(|s| mean(&run(&setup, 40 + s).latency_ms)).collect();
        ci(&means)
    };
    let (idle, idle_half) = latency(Vec::new(), 1);
    let loaded = vec![poisson(0.8, 1500, 10, SE, 9)];
    let (first, first_half) = latency(loaded.clone(), 1);
    let equal = vec![poisson(0.8, 1500, 10, SE, 1)];
    let (same, same_half) = latency(equal, 1);
    eprintln!(
        "priority at rho 0.8: unloaded {idle:.4} ± {idle_half:.4} ms, priority 1 over 9 {first:.4} ± {first_half:.4}, equal {same:.4} ± {same_half:.4}"
    );
    assert!(
        (first - idle).abs() <= idle_half + first_half,
        "{first} against {idle}"
    );
    assert!(same - same_half > idle + idle_half, "{same} against {idle}");
}

/// Runs only background flows (saturating or not) for `seconds`, with a
/// discard timer bounding the queue; returns the cell.
fn background_only(scheduler: Scheduler, flows: &[BackgroundFlow], seconds: u64) -> Cell {
    let mut setup = robot_setup(flows.to_vec(), Mode::Packets, scheduler, 9);
    setup.seconds = seconds;
    // No robots to speak of: one packet a minute.
    setup.robot_gap_ms = 60_000.0;
    let nr = nr(scheduler);
    let streams = RngStreams::new(77, 0);
    let mut cell = Cell::new(nr, streams.stream("cell"));
    cell.set_discard_timer(Some(SimTime::from_nanos(50_000_000)));
    let mut q = EventQueue::new();
    if let Some(t) = cell
        .set_background_flows(Direction::Dl, flows, SimTime::ZERO, streams.stream("bg"))
        .unwrap()
    {
        q.schedule(t, ());
    }
    let horizon = SimTime::from_secs(seconds);
    let mut sent = Vec::new();
    while let Some((now, ())) = q.pop() {
        if now > horizon {
            break;
        }
        if let Some(t) = cell.on_slot_into(now, &mut sent) {
            q.schedule(t, ());
        }
    }
    cell
}

#[test]
fn fifo_makes_a_light_ue_wait_behind_the_backlog_and_round_robin_and_pf_spare_it() {
    // At ρ = 0.95 a robot's 3-block packet waits behind the backlog under
    // fifo; round robin gives each UE with data at least ⌊273 / 14⌋ = 19
    // blocks (10 cameras and 4 robots), and pf serves first the UE whose
    // average is lowest (a robot's, which sends little), so under both a
    // robot packet leaves at its first opportunity.
    let bg = vec![poisson(0.95, 1500, 10, SE, 1)];
    let mut waits = Vec::new();
    for scheduler in [
        Scheduler::Fifo,
        Scheduler::RoundRobin,
        Scheduler::ProportionalFair,
    ] {
        let mut setup = robot_setup(bg.clone(), Mode::Packets, scheduler, 1);
        setup.seconds = 10;
        let o = run(&setup, 3);
        assert_eq!(o.lost, 0);
        let worst = o.queueing_ms.iter().copied().fold(0.0, f64::max);
        eprintln!(
            "{scheduler:?} at rho 0.95: robot queueing mean {:.4} ms, worst {worst:.4} ms",
            mean(&o.queueing_ms)
        );
        waits.push((mean(&o.queueing_ms), worst));
        // The law-driven cell agrees: under round robin and pf the own
        // level's law is left out.
        setup.mode = Mode::Law;
        let by_law = run(&setup, 3);
        let law_mean = mean(&by_law.queueing_ms);
        eprintln!("   law-driven: mean {law_mean:.4} ms");
        if scheduler == Scheduler::Fifo {
            assert!((law_mean / mean(&o.queueing_ms) - 1.0).abs() < 0.2, "{law_mean}");
        } else {
            assert_eq!(law_mean, 0.0);
        }
        // Nothing left behind but what was sent in the last few slots.
        assert!(
            o.sent - o.queueing_ms.len() as u64 <= 3,
            "{} sent, {} delivered",
            o.sent,
            o.queueing_ms.len()
        );
    }
    assert!(waits[0].0 > 0.3, "{waits:?}");
    assert_eq!((waits[1].1, waits[2].1), (0.0, 0.0), "{waits:?}");
}

#[test]
fn fifo_delivers_robot_packets_in_the_order_they_became_ready() {
    // Under load, robot packets of four UEs: fifo sends them in order of
    // readiness (the order they were sent, with the same processing).
    let bg = vec![poisson(0.9, 1500, 10, SE, 1)];
    let nr = nr(Scheduler::Fifo);
    let streams = RngStreams::new(5, 0);
    let mut cell = Cell::new(nr, streams.stream("cell"));
    let mut q = EventQueue::new();
    #[derive(Clone, Copy)]
    enum Ev {
        Robot(u64),
        Wake,
    }
    if let Some(t) = cell
        .set_background_flows(Direction::Dl, &bg, SimTime::ZERO, streams.stream("bg"))
        .unwrap()
    {
        q.schedule(t, Ev::Wake);
    }
    for i in 0..2000u64 {
        // Bursts of four (one per UE) every 2 ms, each 10 µs apart.
        q.schedule(
            SimTime::from_nanos(1_000_000 + (i / 4) * 2_000_000 + (i % 4) * 10_000),
            Ev::Robot(i),
        );
    }
    let (mut order, mut sent) = (Vec::new(), Vec::new());
    let mut waited = 0.0;
    while let Some((now, ev)) = q.pop_until(SimTime::from_secs(2)) {
        match ev {
            Ev::Robot(i) => {
                let pkt = CellPacket {
                    id: i,
                    ue: (i % 4) as u32,
                    dir: Direction::Dl,
                    bits: 2400 * 8,
                    spectral_efficiency: SE,
                    bler: 0.0,
                    priority: 1,
                };
                if let Some(t) = cell.enqueue(now, pkt) {
                    q.schedule(t, Ev::Wake);
                }
            }
            Ev::Wake => {
                sent.clear();
                if let Some(t) = cell.on_slot_into(now, &mut sent) {
                    q.schedule(t, Ev::Wake);
                }
                for d in &sent {
                    order.push(d.id);
                    waited += d.components.queueing;
                }
            }
        }
    }
    assert!(order.len() > 1000, "{}", order.len());
    assert!(waited > 0.0, "the packets queued");
    assert!(order.windows(2).all(|w| w[0] < w[1]), "out of order: {order:?}");
}

#[test]
fn round_robin_shares_blocks_equally_and_pf_gives_throughput_in_proportion_to_the_channel() {
    // Three saturating UEs (each offers half the cell) with efficiencies 1,
    // 2 and 4: round robin and pf give each a third of the blocks (max-min
    // fairness in blocks; with static channels pf's log-utility optimum is
    // equal time shares, so each UE's bits are proportional to its
    // channel's efficiency: the good channel is favoured in throughput).
    let flows: Vec<BackgroundFlow> = [1.0, 2.0, 4.0]
        .iter()
        .map(|&se| poisson(0.5, 1500, 1, se, 9))
        .collect();
    for scheduler in [Scheduler::RoundRobin, Scheduler::ProportionalFair] {
        let cell = background_only(scheduler, &flows, 3);
        let stats = cell.background_stats(Direction::Dl);
        let total: u64 = stats.blocks.iter().sum();
        eprintln!("{scheduler:?}: blocks per UE {:?} of {total}", stats.blocks);
        // Every block used (saturated), within one opportunity's worth.
        let opportunities = (3000.0 / tau_ms()).floor() as u64;
        assert!(
            total + 273 >= 273 * opportunities && total <= 273 * opportunities,
            "{total}"
        );
        for &b in &stats.blocks {
            let share = b as f64 / total as f64;
            assert!(
                (share - 1.0 / 3.0).abs() < 0.005,
                "{scheduler:?}: {:?}",
                stats.blocks
            );
        }
        let bits: Vec<f64> = stats
            .blocks
            .iter()
            .zip([1.0, 2.0, 4.0])
            .map(|(&b, se)| b as f64 * nr(scheduler).bits_per_prb(Direction::Dl, se))
            .collect();
        assert!((bits[2] / bits[0] - 4.0).abs() < 0.1, "{bits:?}");
    }
    // Water-filling: a UE offering 0.2 of the cell gets all of it, the two
    // saturating ones split the rest.
    let mut light = flows.clone();
    light[0] = poisson(0.2, 1500, 1, 1.0, 9);
    let cell = background_only(Scheduler::RoundRobin, &light, 3);
    let stats = cell.background_stats(Direction::Dl);
    let total: u64 = stats.blocks.iter().sum();
    let shares: Vec<f64> = stats.blocks.iter().map(|&b| b as f64 / total as f64).collect();
    eprintln!(
        "round robin with a light UE: shares {shares:?}, dropped {:?}",
        stats.dropped
    );
    assert_eq!(stats.dropped[0], 0, "the light UE loses nothing");
    assert!((shares[0] - 0.2).abs() < 0.02, "{shares:?}");
    assert!((shares[1] - shares[2]).abs() < 0.005, "{shares:?}");
}

#[test]
fn pf_serves_a_bursty_camera_ahead_of_a_saturating_transfer_and_round_robin_splits() {
    // A camera sending 20 frames a second of 300 blocks beside a bulk UE
    // that saturates the cell: pf's average of the camera decays between
    // frames, so its frame goes first (its r / R is the highest) and leaves
    // in about 300 / 273 opportunities; round robin gives it half the
    // blocks, about twice as long.
    let nr = nr(Scheduler::Fifo);
    let bpp = nr.bits_per_prb(Direction::Dl, SE);
    let frame_bits = 300.0 * bpp;
    let camera = BackgroundFlow {
        traffic: Traffic::Video { fps: 20.0 },
        ues: 1,
        rate_bps: frame_bits * 20.0,
        packet_bytes: 1500,
        priority: 9,
        spectral_efficiency: SE,
    };
    let bulk = poisson(1.2, 1500, 1, SE, 9);
    let mut frame_wait = Vec::new();
    for scheduler in [Scheduler::ProportionalFair, Scheduler::RoundRobin] {
        // The camera listed second: pf's order, not the list's, serves it first.
        let cell = background_only(scheduler, &[bulk, camera], 5);
        let s = cell.background_stats(Direction::Dl);
        let mean_packet_wait = s.wait_ms[1] / s.sent[1] as f64;
        eprintln!("{scheduler:?}: camera packets wait {mean_packet_wait:.3} ms on average");
        assert_eq!(s.dropped[1], 0);
        frame_wait.push(mean_packet_wait);
    }
    assert!(frame_wait[0] * 1.5 < frame_wait[1], "{frame_wait:?}");
}

/// The one-cell plant under fifo over `horizon`, its four arms started by
/// a triggered command at the same priority as ten Poisson cameras (each at
/// `rate`): the commands queue behind the cameras.
fn cameras(horizon: &str, rate: &str) -> String {
    let flows = r#"[[flow]]
name = "start"
robots = "cell"
direction = "dl"
trigger = "cycle_start"
size = "200B"
priority = 9

[[flow]]
name = "cameras"
direction = "dl"
ues = 10
rate = "RATE"
"#;
    crate::one_cell_plant(horizon, "10min", Some("fifo"), "", flows).replace("RATE", rate)
}

#[test]
fn in_the_plant_robot_commands_queue_behind_cameras_and_a_saturated_cell_is_named() {
    use crate::{model, replications};
    // The load of 1 Mbit/s cameras gives the rate of each load (linear).
    let probe = model(&cameras("2h", "1Mbps"));
    let per_mbps = factory5g::factory::cell_loads(&probe)[0][0];
    let mut queueing = Vec::new();
    for rho in [0.001, 0.5, 0.8, 0.95] {
        let rate = format!("{:.3}Mbps", rho / per_mbps);
        let m = model(&cameras("2h", &rate));
        let load = factory5g::factory::cell_loads(&m)[0][0];
        assert!((load - rho).abs() < 1e-3 * rho.max(0.01), "{load}");
        let outs = replications(&m, 7, 4);
        let (mut q, mut n, mut lost) = (0.0, 0, 0.0);
        for o in &outs {
            q += o.flows[0].components.queueing;
            n += o.flows[0].latency_n;
            lost += o.flows[0].lost;
        }
        eprintln!(
            "cameras at load {rho}: {rate} each, command queueing {:.4} ms",
            q / n as f64
        );
        assert_eq!(lost, 0.0, "nothing lost below capacity");
        queueing.push(q / n as f64);
    }
    assert!(queueing[0] < 1e-3, "{queueing:?}");
    assert!(queueing.windows(2).all(|w| w[0] < w[1]), "{queueing:?}");
    // Beyond capacity: the cell and the flow are named, with the load.
    let dir = std::env::temp_dir().join(format!("factory5g-queues-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("saturated.toml");
    let rate = format!("{:.3}Mbps", 1.1 / per_mbps);
    std::fs::write(&path, cameras("20min", &rate)).unwrap();
    let warnings_of = |extra: &[&str]| -> Vec<String> {
        let args = [&["run", crate::p(&path), "-R", "2", "--json"][..], extra].concat();
        let report = crate::json(&crate::factory5g(&args));
        let warnings: Vec<String> = report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| w.as_str().map(String::from))
            .collect();
        eprintln!("{warnings:#?}");
        warnings
    };
    // With the default discard timer (100 ms) the queue is bounded: the
    // cell is named with its load and the timer, and the commands, at the
    // cameras' level, are delayed and partly dropped, not all lost.
    let bounded = warnings_of(&[]);
    assert!(
        bounded.iter().any(|w| w.starts_with(
            "cell 1 (gNB at (20, 10) m) downlink: the background offers 1.10 of its capacity; the discard timer (100 ms)"
        )),
        "{bounded:?}"
    );
    assert!(
        !bounded
            .iter()
            .any(|w| w.starts_with("flow `start` lost everything")),
        "{bounded:?}"
    );
    // A timer whose buffer is beyond what the law computes: the cell's law
    // is missing, and the warnings say so.
    let huge = warnings_of(&["--set", "network.nr.discard_timer=\"60s\""]);
    assert!(
        huge.iter().any(|w| w.starts_with(
            "cell 1 downlink: the queue law of priority level 9 could not be computed (a discard timer holding"
        )),
        "{huge:?}"
    );
    // Without a timer the queue grows for ever and the commands are lost.
    let unbounded = warnings_of(&["--set", "network.nr.discard_timer=\"infinity\""]);
    assert!(
        unbounded.iter().any(|w| w.starts_with(
            "cell 1 (gNB at (20, 10) m) downlink: the background offers 1.10 of its capacity; its queue grows without bound"
        )),
        "{unbounded:?}"
    );
    assert!(
        unbounded
            .iter()
            .any(|w| w.starts_with("flow `start` lost everything") && w.ends_with("cell 1 downlink at 1.10")),
        "{unbounded:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_law_of_video_frames_is_an_upper_bound_on_their_queueing() {
    // Video frames are periodic; the law takes each camera's frame as a
    // Bernoulli trial per slot, which forgets the periodicity and so
    // queues more: the law's mean wait is at or above the packets' (99.9 %
    // interval), and both grow with the load.
    let tau = tau_ms();
    let nr = nr(Scheduler::Fifo);
    let robot_blocks = (800.0 / nr.bits_per_prb(Direction::Dl, SE)).ceil() as u64;
    let reps = 20;
    let mut laws = Vec::new();
    for rho in [0.5, 0.8] {
        // Ten cameras at 30 fps; 1,500-byte packets of 42 blocks.
        let mut camera = poisson(rho, 1500, 10, SE, 1);
        camera.traffic = Traffic::Video { fps: 30.0 };
        let bg = vec![camera];
        let law = level_laws(&nr, Direction::Dl, &bg, &[1])[0]
            .clone()
            .unwrap()
            .unwrap();
        let law_ms = law.mean_wait(robot_blocks).unwrap() * tau;
        let setup = robot_setup(bg, Mode::Packets, Scheduler::Fifo, 1);
        let means: Vec<f64> = (0..reps)
            .map(|s| mean(&run(&setup, 300 + s).queueing_ms))
            .collect();
        let (m, half95) = ci(&means);
        let half = half95 / t_975(reps - 1) * T_9995_DF19;
        eprintln!("video rho {rho}: packets {m:.4} ± {half:.4} ms (99.9 %), law {law_ms:.4} ms");
        assert!(law_ms >= m - half, "rho {rho}: law {law_ms} below {m} ± {half}");
        laws.push((law_ms, m));
    }
    assert!(laws[0].0 < laws[1].0 && laws[0].1 < laws[1].1, "{laws:?}");
}
