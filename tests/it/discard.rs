//! The PDCP discard timer: a saturated cell's queue is bounded by it, and a
//! robot packet at the background's level is dropped when it would reach
//! its opportunity older than the timer. The bounded queue law
//! (`net::stationary::bounded`) against packet-by-packet simulation.

use crate::queues::{ci, mean, nr, poisson, robot_setup, run, Mode, SE, T_9995_DF19};
use factory5g::engine::SimTime;
use factory5g::net::{level_laws, Direction, Nr, NrConfig, Scheduler};
use factory5g::stats::t_975;

/// The robots' share of packets dropped and the mean queueing of those
/// sent, as the law predicts: over 256 send times spread over one
/// opportunity interval, the wait's law at the place in the interval where
/// the packet is ready, and for each wait whether the timer drops it.
fn law_prediction(nr: &Nr, rho: f64, robot_bytes: u64) -> (f64, f64) {
    let bg = vec![poisson(rho, 1500, 10, SE, 9)];
    let law = level_laws(nr, Direction::Dl, &bg, &[9])[8]
        .clone()
        .expect("a law for level 9")
        .expect("bounded laws exist at every load");
    let tau = nr.slot_ms();
    let bits = robot_bytes * 8;
    let blocks = (bits as f64 / nr.bits_per_prb(Direction::Dl, SE)).ceil() as u64;
    let parts = 256u32;
    let (mut dropped, mut sent, mut queueing) = (0.0, 0.0, 0.0);
    for i in 0..parts {
        let at = SimTime::from_nanos(1_000_000_000)
            + SimTime::from_nanos_f64((f64::from(i) + 0.5) / f64::from(parts) * tau * 1e6);
        let alignment = nr
            .transmit_after_waiting(Direction::Dl, at, bits, 0, 0)
            .components
            .alignment;
        let u = 1.0 - alignment / tau;
        let pmf = law.wait_pmf_at(blocks, u).expect("one level");
        for (w, p) in pmf.iter().enumerate() {
            let d = nr.transmit_after_waiting(Direction::Dl, at, bits, w as u64, 0);
            if d.is_lost() {
                dropped += p;
            } else {
                sent += p;
                queueing += p * d.components.queueing;
            }
        }
    }
    let total = dropped + sent;
    (dropped / total, queueing / sent.max(f64::MIN_POSITIVE))
}

#[test]
fn the_bounded_law_matches_packet_by_packet_simulation_under_a_discard_timer() {
    // FDD downlink, fifo, ten Poisson cameras of 1,500-byte packets (42
    // blocks) and robots of 100 bytes at the cameras' level, a timer of 20
    // slots and 1 µs (about 10 ms; a whole number of intervals, where the
    // law's buffer K·C is exact, see `Nr::discard_buffer`): below, at and
    // above saturation, the robots' dropped share and their queueing
    // against the law, within 99.9 % intervals over 20 replications (a
    // family of 9 comparisons), for the cell that simulates every camera
    // packet and for the cell driven by the law.
    let slot = nr(Scheduler::Fifo).slot_ms();
    let timer = SimTime::from_nanos_f64(20.0 * slot * 1e6 + 1e3);
    let nr = Nr::new(NrConfig {
        discard_timer: Some(timer),
        ..nr(Scheduler::Fifo).config().clone()
    })
    .unwrap();
    assert_eq!(nr.discard_buffer(Direction::Dl), Some(20 * 273));
    let reps = 20;
    let mut dropped_by_rho = Vec::new();
    for rho in [0.9, 1.0, 1.2] {
        let (law_dropped, law_queueing) = law_prediction(&nr, rho, 100);
        let mut setup = robot_setup(
            vec![poisson(rho, 1500, 10, SE, 9)],
            Mode::Packets,
            Scheduler::Fifo,
            9,
        );
        setup.discard_timer = Some(timer);
        setup.seconds = 10;
        setup.warmup_s = 2;
        for mode in [Mode::Packets, Mode::Law] {
            setup.mode = mode;
            let outs: Vec<_> = (0..reps).map(|s| run(&setup, 700 + s)).collect();
            let shares: Vec<f64> = outs.iter().map(|o| o.lost as f64 / o.sent as f64).collect();
            let queueing: Vec<f64> = outs.iter().map(|o| mean(&o.queueing_ms)).collect();
            let widen = T_9995_DF19 / t_975(reps - 1);
            let (d, dh) = ci(&shares);
            let (q, qh) = ci(&queueing);
            let (dh, qh) = (dh * widen, qh * widen);
            eprintln!(
                "rho {rho} {mode:?}: dropped {d:.4} ± {dh:.4} (law {law_dropped:.4}), queueing {q:.3} ± {qh:.3} ms (law {law_queueing:.3})"
            );
            assert!(
                (d - law_dropped).abs() <= dh.max(2e-4),
                "rho {rho} {mode:?}: dropped {d} ± {dh} against {law_dropped}"
            );
            if mode == Mode::Packets {
                assert!(
                    (q - law_queueing).abs() <= qh,
                    "rho {rho}: queueing {q} ± {qh} against {law_queueing}"
                );
                dropped_by_rho.push(d);
            }
        }
    }
    // Gradual: the dropped share rises with the load, and above capacity
    // it is near the share of work the cell cannot carry, 1 − 1/ρ.
    assert!(
        dropped_by_rho.windows(2).all(|w| w[0] < w[1]),
        "{dropped_by_rho:?}"
    );
    assert!(
        dropped_by_rho[0] < 0.01 && dropped_by_rho[2] > 0.1,
        "{dropped_by_rho:?}"
    );
}
