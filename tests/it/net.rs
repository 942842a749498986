//! The 5G link layer against the reference (`shared/reference/nr-latency.md`):
//! the step model's table, its properties, the packet model against the
//! analytic mean, the InF channel formulas, a loaded cell, and the
//! `factory5g latency` calculator as a user runs it.

use factory5g::engine::{EventQueue, RngStreams, SimTime};
use factory5g::net::calculator::{calculate, Access, Request};
use factory5g::net::{
    Background, Cell, CellPacket, Channel, Direction, Duplex, InfScenario, Nr, NrConfig, Outcome, Scheduler,
    SpecialSplit, SrPeriod, UlAccess,
};
use rand::RngExt;
use serde_json::Value;
use std::process::{Command, Output};

/// The calculator's result through the library, as the JSON the binary
/// prints.
pub(crate) fn library(request: Request) -> Value {
    serde_json::to_value(calculate(&request).expect("valid configuration")).expect("serializable")
}

pub(crate) fn binary(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .arg("latency")
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The calculator's JSON through the binary.
pub(crate) fn binary_json(args: &[&str]) -> Value {
    let out = binary(&[args, &["--json"]].concat());
    assert!(
        out.status.success(),
        "latency {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

pub(crate) fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn rel(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

fn config(scs: u32, symbols: u32, duplex: &str, capability: u8, ul: UlAccess) -> NrConfig {
    NrConfig {
        scs_khz: scs,
        symbols,
        capability,
        duplex: Duplex::parse(duplex, SpecialSplit::default()).unwrap(),
        ul_access: ul,
        bandwidth_mhz: if scs == 15 { 50 } else { 100 },
        carrier_ghz: if scs == 120 { 28.0 } else { 3.5 },
        bler: 0.0,
        ..NrConfig::default()
    }
}

fn one_shot(cfg: NrConfig, dir: Direction) -> f64 {
    Nr::new(cfg).expect("valid").step(dir).one_shot_ms
}

/// Reference section 3: FDD, capability 1, L = 14, DL = UL configured grant,
/// p = 0 / p = 0.1, and the HARQ round trips.
const REFERENCE: [(u32, f64, f64, f64); 4] = [
    (15, 2.141, 2.569, 4.28),
    (30, 1.142, 1.370, 2.28),
    (60, 0.731, 0.878, 1.46),
    (120, 0.437, 0.524, 0.87),
];

#[test]
fn calculator_reproduces_the_reference_table() {
    for (scs, p0, p1, rtt) in REFERENCE {
        for dir in ["dl", "ul"] {
            let scs_s = scs.to_string();
            for (bler, expected) in [("0", p0), ("0.1", p1)] {
                let args = [
                    "--scs",
                    &scs_s,
                    "--direction",
                    dir,
                    "--ul-access",
                    "configured-grant",
                    "--bler",
                    bler,
                ];
                let request = Request {
                    scs_khz: scs,
                    direction: if dir == "dl" { Direction::Dl } else { Direction::Ul },
                    ul_access: Access::ConfiguredGrant,
                    bler: bler.parse().unwrap(),
                    ..Request::default()
                };
                for (how, v) in [
                    ("library", library(request.clone())),
                    ("binary", binary_json(&args)),
                ] {
                    let mean = num(&v["mean_ms"]);
                    let l0 = num(&v["one_shot_ms"]);
                    let harq = num(&v["harq_rtt_ms"]);
                    eprintln!(
                        "{how} {scs} kHz {dir} p={bler}: mean {mean:.4} (ref {expected}, {:+.3}%), L0 {l0:.4}, T_HARQ {harq:.4} (ref {rtt})",
                        100.0 * (mean / expected - 1.0)
                    );
                    assert!(
                        rel(mean, expected) < 0.01,
                        "{how} {scs} {dir} {bler}: {mean} vs {expected}"
                    );
                    assert!(rel(l0, p0) < 0.01, "{how} {scs} {dir}: L0 {l0} vs {p0}");
                    // The reference gives the round trip to 0.01 ms.
                    assert!(rel(harq, rtt) < 0.01, "{how} {scs} {dir}: T_HARQ {harq} vs {rtt}");
                    let c = &v["components_ms"];
                    let sum: f64 = [
                        "processing",
                        "alignment",
                        "transmission",
                        "harq",
                        "queueing",
                        "core",
                    ]
                    .iter()
                    .map(|k| num(&c[k]))
                    .sum();
                    assert!((sum - mean).abs() < 1e-9, "components add up to the mean");
                    assert_eq!(num(&c["queueing"]), 0.0);
                    assert_eq!(num(&c["core"]), 0.0);
                }
            }
        }
    }
}

#[test]
fn mini_slots_and_capability_2_lower_the_latency() {
    for scs in [15, 30, 60, 120] {
        for dir in [Direction::Dl, Direction::Ul] {
            let mut last = f64::INFINITY;
            for symbols in [14, 7, 4, 2] {
                let l = one_shot(config(scs, symbols, "fdd", 1, UlAccess::ConfiguredGrant), dir);
                assert!(
                    l < last,
                    "{scs} kHz {dir:?}: {symbols} symbols gives {l}, not below {last}"
                );
                last = l;
            }
            if scs != 120 {
                for symbols in [14, 7, 4, 2] {
                    let c1 = one_shot(config(scs, symbols, "fdd", 1, UlAccess::ConfiguredGrant), dir);
                    let c2 = one_shot(config(scs, symbols, "fdd", 2, UlAccess::ConfiguredGrant), dir);
                    assert!(
                        c2 < c1,
                        "{scs} kHz {symbols} {dir:?}: capability 2 {c2} vs 1 {c1}"
                    );
                }
            }
        }
    }
    // Through the calculator too.
    let slot = num(&library(Request::default())["one_shot_ms"]);
    let mini = num(&library(Request {
        symbols: 2,
        capability: 2,
        ..Request::default()
    })["one_shot_ms"]);
    assert!(mini < slot / 2.0, "{mini} vs {slot}");
}

#[test]
fn tdd_dddsu_raises_uplink_latency_above_fdd() {
    for scs in [15, 30, 60] {
        for symbols in [14, 7, 4, 2] {
            let fdd = Nr::new(config(scs, symbols, "fdd", 1, UlAccess::ConfiguredGrant)).unwrap();
            let tdd = Nr::new(config(scs, symbols, "DDDSU", 1, UlAccess::ConfiguredGrant)).unwrap();
            for p in [0.0, 0.1] {
                let (f, t) = (
                    fdd.step_with_bler(Direction::Ul, p),
                    tdd.step_with_bler(Direction::Ul, p),
                );
                assert!(t.one_shot_ms > f.one_shot_ms, "{scs} {symbols}");
                assert!(t.mean_ms > f.mean_ms && t.frame_exact.mean_ms > f.frame_exact.mean_ms);
            }
        }
    }
    let fdd = num(&binary_json(&["--direction", "ul"])["mean_ms"]);
    let tdd = num(&binary_json(&["--direction", "ul", "--duplex", "DDDSU"])["mean_ms"]);
    eprintln!("30 kHz uplink: FDD {fdd:.3} ms, DDDSU {tdd:.3} ms");
    assert!(tdd > 1.5 * fdd);
}

/// Grant-based uplink against configured grant, on average over uniform
/// arrivals. "Slower by at least the SR period" is not true on average: the
/// mean wait for an SR occasion is half the period (less with occasions
/// every 2 or 7 symbols). What holds for every configuration of the model:
/// E[grant-based] − E[configured grant] ≥ P_SR / 2 + Tproc,2, half the SR
/// period plus the gNB's decoding of the SR and building of the grant
/// (Tproc,2), because the configured grant's own alignment wait is more than
/// offset by what grant-based adds besides: the SR and PDCCH symbols, the
/// wait for the PDCCH, the UE's PUSCH preparation (Tproc,2) and Tproc,1/2 −
/// Tproc,2/2 at the start.
#[test]
fn grant_based_is_slower_by_half_the_sr_period_plus_the_grant_processing() {
    let periods = [
        SrPeriod::Symbols(2),
        SrPeriod::Symbols(7),
        SrPeriod::Slots(1),
        SrPeriod::Slots(2),
        SrPeriod::Slots(10),
        SrPeriod::Slots(40),
    ];
    let mut checked = 0;
    for duplex in ["fdd", "DDDSU", "DDDDDDDSUU"] {
        for scs in [15, 30, 60, 120] {
            for capability in [1, 2] {
                for symbols in [14, 7, 4, 2] {
                    for sr_period in periods {
                        let cg = config(scs, symbols, duplex, capability, UlAccess::ConfiguredGrant);
                        let gb = NrConfig {
                            ul_access: UlAccess::GrantBased { sr_period },
                            ..cg.clone()
                        };
                        let (Ok(cg), Ok(gb)) = (Nr::new(cg), Nr::new(gb)) else {
                            continue; // capability 2 at 120 kHz
                        };
                        let diff = gb.step(Direction::Ul).one_shot_ms - cg.step(Direction::Ul).one_shot_ms;
                        let half_period = gb.sr_period_symbols().unwrap() as f64 * gb.symbol_ms() / 2.0;
                        let bound = half_period + gb.n2() * gb.symbol_ms();
                        assert!(
                            diff >= bound,
                            "{duplex} {scs} kHz cap {capability} L {symbols} SR {sr_period}: {diff} < {bound}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 400);
    let uplink = Request {
        direction: Direction::Ul,
        ..Request::default()
    };
    let cg = num(&library(uplink.clone())["one_shot_ms"]);
    let gb = num(&library(Request {
        ul_access: Access::GrantBased,
        sr_period: "10slots".into(),
        ..uplink
    })["one_shot_ms"]);
    eprintln!("30 kHz uplink: configured grant {cg:.3} ms, grant-based (SR every 10 slots) {gb:.3} ms");
    assert!(gb - cg > 2.5);
}

/// `--simulate 100000` against the analytic mean. The packets arrive at
/// independent uniform times over 1000 s, so their latencies are
/// independent and the per-packet standard deviation gives the interval.
/// The analytic mean to match is the frame-exact one (each HARQ round trip
/// timed on the frame, mean over delivered packets); with p = 0 it is L0.
#[test]
fn simulated_mean_agrees_with_the_analytic_mean() {
    let mut cases: Vec<Vec<&str>> = Vec::new();
    for duplex in ["fdd", "DDDSU"] {
        for dir in ["dl", "ul"] {
            for bler in ["0", "0.1"] {
                cases.push(vec!["--duplex", duplex, "--direction", dir, "--bler", bler]);
            }
        }
    }
    cases.push(vec![
        "--duplex",
        "DDDSU",
        "--direction",
        "ul",
        "--ul-access",
        "grant-based",
        "--bler",
        "0.1",
    ]);
    cases.push(vec![
        "--scs",
        "120",
        "--symbols",
        "4",
        "--direction",
        "dl",
        "--bler",
        "0.3",
    ]);
    for case in cases {
        let args = [&case[..], &["--simulate", "100000", "--seed", "11"]].concat();
        let v = binary_json(&args);
        let sim = &v["simulated"];
        let mean = num(&sim["mean_ms"]);
        let (lo, hi) = (num(&sim["ci95_ms"][0]), num(&sim["ci95_ms"][1]));
        let half = (hi - lo) / 2.0;
        let analytic = num(&sim["analytic_mean_ms"]);
        if case.contains(&"fdd") {
            // Independently of the calculator's mean: in FDD every round
            // trip on the frame takes the same time, so the mean of the
            // delivered packets is L0 (reference table, 30 kHz: 1.142 ms)
            // plus that round trip times the expected retransmissions of a
            // delivered packet, sum_j j p^j (1 - p) / (1 - p^(k+1)), k = 3.
            let p: f64 = case[case.iter().position(|a| *a == "--bler").unwrap() + 1]
                .parse()
                .unwrap();
            let retransmissions: f64 =
                (0..=3).map(|j| j as f64 * p.powi(j) * (1.0 - p)).sum::<f64>() / (1.0 - p.powi(4));
            let expected = REFERENCE[1].1 + num(&v["frame_exact"]["harq_rtt_ms"]) * retransmissions;
            assert!(
                rel(analytic, expected) < 0.001,
                "{case:?}: analytic {analytic} vs {expected}"
            );
        }
        eprintln!(
            "{case:?}: simulated {mean:.5} ± {half:.5} ms, analytic {analytic:.5} ms ({:+.2} half-widths); TR 37.910 mean {:.5}",
            (mean - analytic) / half,
            num(&v["mean_ms"])
        );
        // Twice the 95% half-width: about a 99.99% interval.
        assert!(
            (mean - analytic).abs() <= 2.0 * half,
            "{case:?}: {mean} ± {half} vs {analytic}"
        );
        assert!(half < 0.01 * analytic, "{case:?}: interval too wide to test");
        if case.contains(&"0") {
            assert_eq!(num(&v["frame_exact"]["mean_ms"]), num(&v["one_shot_ms"]));
            assert_eq!(num(&sim["lost"]), 0.0);
        }
    }
}

/// TR 38.901 InF formulas, written out again from the reference page.
#[test]
fn path_loss_and_los_probability_match_the_formulas() {
    let fc = 3.5f64;
    let lg = |x: f64| x.log10();
    for s in InfScenario::ALL {
        let ch = Channel::new(s, fc);
        let name = s.name();
        let h_bs = if name.ends_with('L') { 1.5 } else { 8.0 };
        let (r, h_c, d_clutter): (f64, f64, f64) = if matches!(s, InfScenario::Sl | InfScenario::Sh) {
            (0.2, 2.0, 10.0)
        } else {
            (0.6, 6.0, 2.0)
        };
        for d2d in [1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 300.0] {
            let d3 = (d2d * d2d + (h_bs - 1.5f64).powi(2)).sqrt();
            let los = 31.84 + 21.50 * lg(d3) + 19.00 * lg(fc);
            let nlos = match s {
                InfScenario::Sl => Some(los.max(33.0 + 25.5 * lg(d3) + 20.0 * lg(fc))),
                InfScenario::Dl => Some(
                    los.max(33.0 + 25.5 * lg(d3) + 20.0 * lg(fc))
                        .max(18.6 + 35.7 * lg(d3) + 20.0 * lg(fc)),
                ),
                InfScenario::Sh => Some(los.max(32.4 + 23.0 * lg(d3) + 20.0 * lg(fc))),
                InfScenario::Dh => Some(los.max(33.63 + 21.9 * lg(d3) + 20.0 * lg(fc))),
                InfScenario::Hh => None,
            };
            let k = -d_clutter / (1.0 - r).ln();
            let p_los = match s {
                InfScenario::Sl | InfScenario::Dl => (-d2d / k).exp(),
                InfScenario::Sh | InfScenario::Dh => (-d2d / (k * (h_bs - 1.5) / (h_c - 1.5))).exp(),
                InfScenario::Hh => 1.0,
            };
            assert!((ch.d3d(d2d) - d3).abs() < 1e-9);
            assert!((ch.path_loss_los(d3) - los).abs() < 1e-9, "{name} {d2d}");
            match (ch.path_loss_nlos(d3), nlos) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{name} {d2d}: {a} vs {b}"),
                (None, None) => {}
                other => panic!("{name}: {other:?}"),
            }
            assert!((ch.p_los(d2d) - p_los).abs() < 1e-12, "{name} {d2d}");
        }
    }
    // And through the calculator.
    let v = binary_json(&["--channel", "InF-SH", "--distance", "20", "--carrier-ghz", "3.5"]);
    let link = &v["link"];
    let k = -10.0 / 0.8f64.ln() * 6.5 / 0.5;
    assert!((num(&link["p_los"]) - (-20.0 / k).exp()).abs() < 1e-12);
    let d3 = (400.0 + 6.5f64 * 6.5).sqrt();
    let los = 31.84 + 21.5 * d3.log10() + 19.0 * 3.5f64.log10();
    assert!((num(&link["path_loss_db"]["los"]) - los).abs() < 1e-9);
    assert!(num(&link["path_loss_db"]["nlos"]) >= los);
    let noise = -174.0 + 10.0 * 100e6f64.log10() + 9.0;
    assert!((num(&link["sinr_los_db"]) - (24.0 - los - noise)).abs() < 1e-9);
    let hh = binary_json(&["--channel", "InF-HH", "--distance", "20"]);
    assert_eq!(num(&hh["link"]["p_los"]), 1.0);
    assert!(hh["link"]["path_loss_db"]["nlos"].is_null());
}

#[derive(Clone, Copy)]
enum Ev {
    Arrive(u64),
    Wake,
}

struct Load {
    mean_queueing_ms: f64,
    delivered: u64,
    left_queued: usize,
    wakeups: u64,
}

/// Poisson robot packets (1500 B at 2 bit/RE: 42 resource blocks, 20% of
/// what a 30 kHz, 100 MHz FDD downlink slot carries per 0.5 ms on average)
/// from 10 robots, for `horizon_ms`, with a background at `bg` of capacity.
/// No discard timer: beyond capacity the queue must grow for ever.
fn loaded_cell(scheduler: Scheduler, bg: f64, horizon_ms: u64) -> Load {
    let nr = Nr::new(NrConfig {
        bler: 0.0,
        scheduler,
        discard_timer: None,
        ..NrConfig::default()
    })
    .unwrap();
    let se = 2.0;
    let cap = nr.capacity_bps(Direction::Dl, se);
    let bits = 12_000u64;
    let per_ms = 0.2 * cap / bits as f64 / 1000.0;
    let mut cell = Cell::new(nr, RngStreams::new(5, 0).stream("cell"));
    cell.set_background(
        Direction::Dl,
        Background {
            rate_bps: bg * cap,
            spectral_efficiency: se,
            ues: 4,
        },
    )
    .unwrap();
    let mut arrivals = RngStreams::new(5, 0).stream("arrivals");
    let horizon = SimTime::from_nanos(horizon_ms * 1_000_000);
    let mut q = EventQueue::new();
    q.schedule(SimTime::ZERO, Ev::Arrive(0));
    let (mut sum, mut delivered) = (0.0, 0u64);
    while let Some((now, ev)) = q.pop() {
        if now > horizon {
            break;
        }
        match ev {
            Ev::Arrive(i) => {
                let pkt = CellPacket {
                    id: i,
                    ue: (i % 10) as u32,
                    dir: Direction::Dl,
                    bits,
                    spectral_efficiency: se,
                    bler: 0.0,
                    priority: 1,
                };
                if let Some(t) = cell.enqueue(now, pkt) {
                    q.schedule(t, Ev::Wake);
                }
                let u: f64 = arrivals.random();
                let gap = -(1.0 - u).ln() / per_ms * 1e6;
                q.schedule(now + SimTime::from_nanos_f64(gap), Ev::Arrive(i + 1));
            }
            Ev::Wake => {
                let r = cell.on_slot(now);
                for d in &r.delivered {
                    assert!(matches!(d.outcome, Outcome::Delivered(_)));
                    sum += d.components.queueing;
                    delivered += 1;
                }
                if let Some(t) = r.next_wakeup {
                    q.schedule(t, Ev::Wake);
                }
            }
        }
    }
    Load {
        mean_queueing_ms: sum / delivered.max(1) as f64,
        delivered,
        left_queued: cell.queued(Direction::Dl),
        wakeups: cell.wakeups(),
    }
}

#[test]
fn queueing_grows_with_background_load_until_the_cell_saturates() {
    for scheduler in [
        Scheduler::Fifo,
        Scheduler::RoundRobin,
        Scheduler::ProportionalFair,
    ] {
        let mut last = -1.0;
        for bg in [0.0, 0.3, 0.5, 0.6, 0.7, 0.75] {
            let l = loaded_cell(scheduler, bg, 10_000);
            eprintln!(
                "{scheduler:?} background {bg:.2}: mean queueing {:.4} ms over {} packets, {} wake-ups",
                l.mean_queueing_ms, l.delivered, l.wakeups
            );
            assert!(
                l.mean_queueing_ms >= last,
                "{scheduler:?} {bg}: {} < {last}",
                l.mean_queueing_ms
            );
            assert!(
                l.left_queued < 50,
                "{scheduler:?} {bg}: stable, yet {} left",
                l.left_queued
            );
            last = l.mean_queueing_ms;
        }
        assert!(last > 0.0);
    }
    // Light load: about one wake-up per packet, none for idle slots (a 10 s
    // run has 20 000 slots).
    let light = loaded_cell(Scheduler::Fifo, 0.0, 10_000);
    assert!(
        light.wakeups < light.delivered + light.delivered / 5,
        "{}",
        light.wakeups
    );
    // Beyond capacity (robots 20% + background 90%): the backlog and the
    // delay grow with the run's length, without bound.
    let short = loaded_cell(Scheduler::Fifo, 0.9, 2_000);
    let long = loaded_cell(Scheduler::Fifo, 0.9, 8_000);
    eprintln!(
        "saturated: 2 s run {:.1} ms queueing, {} left; 8 s run {:.1} ms, {} left",
        short.mean_queueing_ms, short.left_queued, long.mean_queueing_ms, long.left_queued
    );
    assert!(long.left_queued > 3 * short.left_queued && short.left_queued > 100);
    assert!(long.mean_queueing_ms > 3.0 * short.mean_queueing_ms);
    // Background alone beyond capacity: fifo gives robots nothing.
    let over = loaded_cell(Scheduler::Fifo, 1.2, 500);
    assert_eq!(over.delivered, 0);
}

#[test]
fn bad_calculator_options_exit_2_with_one_clear_line() {
    let cases: [(&[&str], &str); 12] = [
        (&["--scs", "45"], "allowed: 15, 30, 60, 120"),
        (&["--symbols", "5"], "7, 4 or 2"),
        (
            &["--scs", "120", "--capability", "2"],
            "capability 2 is not defined at 120 kHz",
        ),
        (&["--capability", "3"], "allowed: 1 or 2"),
        (&["--duplex", "DDXSU"], "not a duplex mode"),
        (&["--duplex", "DDDD"], "no uplink transmission"),
        (&["--duplex", "DDDSU", "--special-split", "10:2:3"], "sum to 14"),
        (&["--bler", "1.5"], "below 1"),
        (
            &["--ul-access", "grant-based", "--sr-period", "3slots"],
            "not an SR periodicity",
        ),
        (&["--scs", "15", "--bandwidth-mhz", "100"], "allowed: 5, 10"),
        (&["--channel", "InF-XX", "--distance", "10"], "InF-SL, InF-DL"),
        (&["--channel", "InF-DH"], "needs --distance"),
    ];
    for (args, expected) in cases {
        let out = binary(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("Err(") && !err.contains('{'),
            "{err}"
        );
    }
    let out = binary(&["--distance", "-5"]);
    assert_eq!(out.status.code(), Some(2));
    let out = binary(&["--scs", "abc"]);
    assert_eq!(out.status.code(), Some(2));
}
