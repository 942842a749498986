//! The cell alone, driven by a test's event queue.
use super::*;
use crate::engine::{EventQueue, RngStreams};
use crate::net::{Duplex, NrConfig, SpecialSplit, SrPeriod, UlAccess};
use rand::RngExt;

#[derive(Clone, Copy)]
enum Ev {
    Arrive(u64),
    Wake,
}

/// Poisson arrivals of `n` packets from `ues` robots; returns (mean
/// queueing ms, delivered, wake-ups).
fn run(cfg: NrConfig, bg_share: f64, n: u64, per_ms: f64, bits: u64) -> (f64, u64, u64, Cell) {
    let nr = Nr::new(cfg).unwrap();
    let se = 2.0;
    let cap = nr.capacity_bps(Direction::Dl, se);
    let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("cell"));
    cell.set_background(
        Direction::Dl,
        Background {
            rate_bps: bg_share * cap,
            spectral_efficiency: se,
            ues: 3,
        },
    )
    .unwrap();
    let mut arrivals = RngStreams::new(1, 0).stream("arrivals");
    let mut q = EventQueue::new();
    q.schedule(SimTime::ZERO, Ev::Arrive(0));
    let (mut sum, mut count) = (0.0, 0u64);
    let horizon = SimTime::from_nanos_f64(n as f64 / per_ms * 1e6 + 100e6);
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
                if i + 1 < n {
                    let u: f64 = arrivals.random();
                    let gap = -(1.0 - u).ln() / per_ms * 1e6;
                    q.schedule(now + SimTime::from_nanos_f64(gap), Ev::Arrive(i + 1));
                }
            }
            Ev::Wake => {
                let r = cell.on_slot(now);
                for d in &r.delivered {
                    sum += d.components.queueing;
                    count += 1;
                    let total = d.components.total();
                    let exact = (d.outcome.time().as_nanos() - d.sent.as_nanos()) as f64 * 1e-6;
                    assert!((total - exact).abs() < 2e-6, "{d:?}");
                }
                if let Some(t) = r.next_wakeup {
                    q.schedule(t, Ev::Wake);
                }
            }
        }
    }
    let w = cell.wakeups();
    (sum / count.max(1) as f64, count, w, cell)
}

#[test]
fn an_idle_cell_costs_no_events_and_a_lone_packet_matches_the_link_model() {
    let cfg = NrConfig {
        bler: 0.0,
        scheduler: Scheduler::Fifo,
        ..NrConfig::default()
    };
    // 100 small packets 10 ms apart: one wake-up each, no queueing.
    let (queueing, delivered, wakeups, _) = run(cfg.clone(), 0.5, 100, 0.1, 800);
    assert_eq!(delivered, 100);
    assert!(wakeups <= 100, "{wakeups}");
    assert!(queueing < 1e-9);
    let nr = Nr::new(cfg).unwrap();
    let mut cell = Cell::new(nr.clone(), RngStreams::new(1, 0).stream("c"));
    let t = SimTime::from_nanos(123_456);
    let pkt = CellPacket {
        id: 9,
        ue: 1,
        dir: Direction::Ul,
        bits: 256,
        spectral_efficiency: 1.0,
        bler: 0.0,
        priority: 1,
    };
    let wake = cell.enqueue(t, pkt).unwrap();
    let r = cell.on_slot(wake);
    assert_eq!(r.next_wakeup, None);
    let link = nr.transmit(
        Direction::Ul,
        t,
        pkt.bits,
        0.0,
        &mut RngStreams::new(1, 0).stream("l"),
    );
    assert_eq!(r.delivered[0].outcome, link.outcome);
    assert_eq!(r.delivered[0].components, link.components);
}

#[test]
fn negligible_decays_are_absorbed_exactly() {
    let alpha = 1.0 / PF_WINDOW;
    assert!((1.0 - alpha).powf(69.0) < 0.5);
    // Whenever `negligible` says so, the full update gives `a`.
    let mut skipped = 0;
    for avg in [0.0, 5e-324, 1e-300, 0.3, 57.0, 2.5e5, 1e12, 1e300] {
        for a in [1e-270, 3e-2, 0.8, 17.3, 2.3e3, 6.1e4, 1e250] {
            for gap in (0u128..20_000).step_by(37).chain([80_000, 10_000_000]) {
                if negligible(avg, gap, a) {
                    skipped += 1;
                    let before = avg * (1.0 - alpha).powf(gap as f64);
                    assert_eq!((1.0 - alpha) * before + a, a, "{avg} {a} {gap}");
                }
            }
        }
    }
    assert!(skipped > 10_000, "{skipped}");
    assert!(!negligible(1.0, 10, 1.0) && !negligible(1.0, 1 << 40, f64::INFINITY));
    assert!(!negligible(f64::INFINITY, 1 << 40, 1.0) && !negligible(f64::NAN, 1 << 40, 1.0));
    assert!(negligible(1.0, 1 << 100, 1.0) && !negligible(1.0, 1 << 100, 1e-280));
}

#[test]
fn superseded_wakeups_do_nothing_and_tdd_directions_wake_separately() {
    let nr = Nr::new(NrConfig {
        duplex: Duplex::parse("DDDSU", SpecialSplit::default()).unwrap(),
        bler: 0.0,
        ..NrConfig::default()
    })
    .unwrap();
    let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("c"));
    let pkt = |id, dir| CellPacket {
        id,
        ue: 1,
        dir,
        bits: 100,
        spectral_efficiency: 1.0,
        bler: 0.0,
        priority: 1,
    };
    let ul = cell.enqueue(SimTime::ZERO, pkt(1, Direction::Ul)).unwrap();
    let dl = cell.enqueue(SimTime::ZERO, pkt(2, Direction::Dl)).unwrap();
    assert!(dl < ul);
    let r = cell.on_slot(dl);
    assert_eq!(r.delivered.len(), 1);
    assert_eq!(r.next_wakeup, Some(ul));
    assert_eq!(cell.on_slot(ul).delivered[0].id, 1);
    // The superseded wake-up at `ul` was scheduled by the caller too:
    // calling again at the same time does nothing.
    assert_eq!(cell.on_slot(ul), SlotResult::default());
}

#[test]
fn out_of_coverage_packets_are_lost_and_schedulers_serve_everyone() {
    for scheduler in [
        Scheduler::Fifo,
        Scheduler::RoundRobin,
        Scheduler::ProportionalFair,
    ] {
        let cfg = NrConfig {
            bler: 0.0,
            scheduler,
            ..NrConfig::default()
        };
        let (_, delivered, _, cell) = run(cfg, 0.7, 3000, 3.0, 12_000);
        assert_eq!(delivered, 3000, "{scheduler:?}");
        assert_eq!(cell.queued(Direction::Dl), 0);
    }
    let nr = Nr::new(NrConfig::default()).unwrap();
    let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("c"));
    let pkt = CellPacket {
        id: 1,
        ue: 1,
        dir: Direction::Dl,
        bits: 100,
        spectral_efficiency: 0.0,
        bler: 0.0,
        priority: 1,
    };
    let t = cell.enqueue(SimTime::ZERO, pkt).unwrap();
    let r = cell.on_slot(t);
    assert!(matches!(r.delivered[0].outcome, Outcome::Lost(_)));
}

#[test]
fn round_robin_serves_robots_beside_a_saturating_background_and_fifo_does_not() {
    // Background asks for everything; round robin still gives the
    // robots their share (`round_robin_shares_equally_under_saturation`
    // counts it), fifo gives them nothing.
    // No discard timer: the fifo queue must keep every robot packet.
    let rr = NrConfig {
        bler: 0.0,
        scheduler: Scheduler::RoundRobin,
        discard_timer: None,
        ..NrConfig::default()
    };
    let (_, delivered, _, _) = run(rr, 2.0, 500, 1.0, 8000);
    assert_eq!(delivered, 500);
    let fifo = NrConfig {
        bler: 0.0,
        scheduler: Scheduler::Fifo,
        discard_timer: None,
        ..NrConfig::default()
    };
    let (_, delivered, _, cell) = run(fifo, 2.0, 500, 1.0, 8000);
    assert_eq!(delivered, 0);
    assert_eq!(cell.queued(Direction::Dl), 500);
}

#[test]
fn round_robin_shares_equally_under_saturation() {
    // Four robots with more data than the cell can send, beside a
    // background of `ues` UEs asking for twice the capacity: m = 4 + ues
    // UEs with data share the 273 blocks of each opportunity, 273 / m
    // each, and the 273 mod m left over go one each in a turn that
    // moves on by one UE per opportunity. So over any m opportunities
    // in a row every UE is given exactly 273 blocks, and in between no
    // robot is more than one packet ahead of another. Robot packets
    // take 10 blocks: after j rounds of m opportunities each robot has
    // sent floor(273 j / 10).
    for background_ues in [3u32, 1, 6] {
        // No discard timer: the robots' backlog must stay until it is sent.
        let nr = Nr::new(NrConfig {
            bler: 0.0,
            scheduler: Scheduler::RoundRobin,
            discard_timer: None,
            ..NrConfig::default()
        })
        .unwrap();
        assert_eq!(nr.n_prb(), 273);
        let se = 2.0;
        let bits = (10.0 * nr.bits_per_prb(Direction::Dl, se)).floor() as u64;
        let cap = nr.capacity_bps(Direction::Dl, se);
        let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("cell"));
        let background = Background {
            rate_bps: 2.0 * cap,
            spectral_efficiency: se,
            ues: background_ues,
        };
        cell.set_background(Direction::Dl, background).unwrap();
        let robots = 4u32;
        let mut wake = None;
        for id in 0..u64::from(robots) * 2000 {
            let pkt = CellPacket {
                id,
                ue: (id % u64::from(robots)) as u32,
                dir: Direction::Dl,
                bits,
                spectral_efficiency: se,
                bler: 0.0,
                priority: 1,
            };
            wake = cell.enqueue(SimTime::ZERO, pkt).or(wake);
        }
        let ues_with_data = u64::from(robots + background_ues);
        let mut sent = vec![0u64; robots as usize];
        let mut now = wake.expect("a wake-up");
        for opportunity in 1..=280u64 {
            let r = cell.on_slot(now);
            for d in &r.delivered {
                assert!(matches!(d.outcome, Outcome::Delivered(_)), "{d:?}");
                sent[d.ue as usize] += 1;
            }
            let (least, most) = (sent.iter().min().unwrap(), sent.iter().max().unwrap());
            assert!(
                most - least <= 1,
                "{background_ues} background UEs, opportunity {opportunity}: {sent:?}"
            );
            if opportunity % ues_with_data == 0 {
                let each = 273 * (opportunity / ues_with_data) / 10;
                assert_eq!(
                    sent,
                    vec![each; robots as usize],
                    "{background_ues} background UEs, after {opportunity} opportunities"
                );
            }
            now = r.next_wakeup.expect("robots still have data");
        }
    }
}

#[test]
fn the_discard_timer_bounds_a_saturated_queue() {
    let nr = Nr::new(NrConfig {
        scheduler: Scheduler::Fifo,
        ..NrConfig::default()
    })
    .unwrap();
    let cap = nr.capacity_bps(Direction::Ul, 1.0);
    let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("c"));
    cell.set_background(
        Direction::Ul,
        Background {
            rate_bps: 2.0 * cap,
            spectral_efficiency: 1.0,
            ues: 1,
        },
    )
    .unwrap();
    cell.set_discard_timer(Some(SimTime::from_nanos(5_000_000)));
    let mut q = EventQueue::new();
    for i in 0..200u64 {
        q.schedule(SimTime::from_nanos(i * 100_000), Ev::Arrive(i));
    }
    let mut lost = 0;
    while let Some((now, ev)) = q.pop() {
        match ev {
            Ev::Arrive(i) => {
                let pkt = CellPacket {
                    id: i,
                    ue: 1,
                    dir: Direction::Ul,
                    bits: 100,
                    spectral_efficiency: 1.0,
                    bler: 0.0,
                    priority: 1,
                };
                if let Some(t) = cell.enqueue(now, pkt) {
                    q.schedule(t, Ev::Wake);
                }
            }
            Ev::Wake => {
                let r = cell.on_slot(now);
                for d in &r.delivered {
                    assert!(matches!(d.outcome, Outcome::Lost(_)) && d.attempts == 0);
                    assert!(d.components.total() > 5.0 && d.components.total() < 5.6, "{d:?}");
                    lost += 1;
                }
                if let Some(t) = r.next_wakeup {
                    q.schedule(t, Ev::Wake);
                }
            }
        }
    }
    assert_eq!(lost, 200);
    assert_eq!(cell.queued(Direction::Ul), 0);
}

/// `n` packets of distinct UEs offered at t = 0 in `dir`; returns each
/// packet's (delivery, queueing ms) by id.
fn burst(cfg: NrConfig, dir: Direction, n: u64) -> Vec<(SimTime, f64)> {
    let nr = Nr::new(cfg).unwrap();
    let mut cell = Cell::new(nr, RngStreams::new(1, 0).stream("cell"));
    let mut q = EventQueue::new();
    for i in 0..n {
        let pkt = CellPacket {
            id: i,
            ue: i as u32,
            dir,
            bits: 400, // 50 bytes: fits the SR's grant
            spectral_efficiency: 2.0,
            bler: 0.0,
            priority: 1,
        };
        if let Some(t) = cell.enqueue(SimTime::ZERO, pkt) {
            q.schedule(t, Ev::Wake);
        }
    }
    let mut out = vec![(SimTime::ZERO, 0.0); n as usize];
    while let Some((now, _)) = q.pop() {
        let r = cell.on_slot(now);
        for d in r.delivered {
            out[d.id as usize] = (d.outcome.time(), d.components.queueing);
        }
        if let Some(t) = r.next_wakeup {
            q.schedule(t, Ev::Wake);
        }
    }
    out
}

/// 100 MHz at 30 kHz: a 270-block CORESET, 45 CCEs per symbol, 11 DCIs of
/// 4 CCEs per occasion with 1 symbol, 33 with 3. 25 packets ready at the
/// same occasion: the i-th (from 1) goes at occasion ceil(i / K), every
/// occasion a slot (14 symbols) after the previous. Downlink: ready 6
/// symbols after t = 0, first opportunity 14, delivered 19 symbols after
/// its opportunity (at 33). Grant-based uplink (SR every slot): the grants' first
/// PDCCH occasion is 28, data at 42 (see tests/it/grant.rs), delivered at
/// 61; a grant pushed by j occasions sends its PUSCH j slots later.
#[test]
fn the_pdcch_carries_k_dcis_per_occasion() {
    let sym = 6_850_000.0 / 192.0; // ns at 30 kHz
    let at = |symbols: u64| SimTime::from_nanos_f64(symbols as f64 * sym);
    let base = NrConfig {
        bler: 0.0,
        ..NrConfig::default()
    };
    assert_eq!(Nr::new(base.clone()).unwrap().dcis_per_pdcch(), 11);
    let three = NrConfig {
        coreset_symbols: 3,
        ..base.clone()
    };
    assert_eq!(Nr::new(three.clone()).unwrap().dcis_per_pdcch(), 33);
    let gb = |cfg: &NrConfig| NrConfig {
        ul_access: UlAccess::GrantBased {
            sr_period: SrPeriod::Slots(1),
        },
        ..cfg.clone()
    };
    let n = 25u64;
    for (cfg, k) in [(&base, 11u64), (&three, 33)] {
        for (dir, cfg, first) in [
            (Direction::Dl, (*cfg).clone(), 33u64),
            (Direction::Ul, gb(cfg), 61),
        ] {
            let got = burst(cfg, dir, n);
            for (i, &(t, queueing)) in got.iter().enumerate() {
                let occasion = (i as u64 + 1).div_ceil(k); // 1-based
                let want = at(first + 14 * (occasion - 1));
                let diff = t.as_nanos().abs_diff(want.as_nanos());
                assert!(diff <= 1, "{dir:?} K {k} packet {}: {t:?}, want {want:?}", i + 1);
                let q_want = 14.0 * (occasion - 1) as f64 * sym * 1e-6;
                assert!(
                    (queueing - q_want).abs() < 1e-6,
                    "{dir:?} K {k} packet {}: {queueing}",
                    i + 1
                );
            }
        }
    }
    // Configured-grant uplink needs no DCI: all 25 at the first slot.
    for (t, queueing) in burst(base, Direction::Ul, n) {
        assert!(t.as_nanos().abs_diff(at(14 + 19).as_nanos()) <= 1, "{t:?}");
        assert_eq!(queueing, 0.0);
    }
}
