//! Grant-based uplink symbol by symbol (beside the averages of `net.rs`):
//! the timeline of one packet that fits the grant answering its SR and of
//! one that must report its buffer (BSR) first, in FDD and in TDD, and the
//! step model's mean over uniform arrivals, all computed by hand below.
//!
//! Every case: 30 kHz (a symbol is 13 700 000 / 2 ticks of 1/192 ns), UE
//! capability 1 (N1 = 10, N2 = 12 symbols: Tproc,1/2 = 5, Tproc,2 = 12),
//! 14-symbol slots, an SR occasion every slot, BLER 0.

use factory5g::engine::SimTime;
use factory5g::net::{
    fits_first_grant, Components, Direction, Duplex, Nr, NrConfig, SpecialSplit, SrPeriod, UlAccess,
    FIRST_GRANT_BYTES, MAC_SUBHEADER_BYTES,
};

/// A symbol at 30 kHz, ms.
const SYM_MS: f64 = 6_850_000.0 / 192.0 / 1e6;
/// A 32-byte packet fits the SR's grant (64 bytes with a 3-byte subheader).
const SMALL: u64 = 32 * 8;
/// A 200-byte packet does not.
const LARGE: u64 = 200 * 8;

fn nr(duplex: &str) -> Nr {
    Nr::new(NrConfig {
        duplex: Duplex::parse(duplex, SpecialSplit::default()).unwrap(),
        ul_access: UlAccess::GrantBased {
            sr_period: SrPeriod::Slots(1),
        },
        bler: 0.0,
        ..NrConfig::default()
    })
    .unwrap()
}

/// Symbols as milliseconds.
fn ms(symbols: u64) -> f64 {
    symbols as f64 * SYM_MS
}

/// The packet model's delivery of a packet of `bits` sent at t = 0:
/// latency and (processing, alignment, transmission), in symbols.
fn timeline(nr: &Nr, bits: u64) -> (f64, Components) {
    let mut rng = factory5g::engine::RngStreams::new(1, 0).stream("grant");
    let d = nr.transmit(Direction::Ul, SimTime::ZERO, bits, 0.0, &mut rng);
    let at = d.delivered_at().expect("BLER 0 delivers").as_nanos() as f64 * 1e-6;
    (at, d.components)
}

fn assert_components(c: &Components, total: u64, (processing, alignment, transmission): (u64, u64, u64)) {
    assert_eq!(
        processing + alignment + transmission,
        total,
        "the hand count adds up"
    );
    for (name, got, want) in [
        ("processing", c.processing, processing),
        ("alignment", c.alignment, alignment),
        ("transmission", c.transmission, transmission),
    ] {
        assert!(
            (got - ms(want)).abs() < 1e-9,
            "{name}: {got} ms, want {want} symbols"
        );
    }
    assert_eq!((c.harq, c.queueing, c.core), (0.0, 0.0, 0.0));
    assert!((c.total() - ms(total)).abs() < 1e-9);
}

#[test]
fn the_first_grant_holds_64_bytes_with_the_subheader() {
    assert!(fits_first_grant((FIRST_GRANT_BYTES - MAC_SUBHEADER_BYTES) * 8));
    assert!(!fits_first_grant(
        (FIRST_GRANT_BYTES - MAC_SUBHEADER_BYTES) * 8 + 1
    ));
    assert!(fits_first_grant(SMALL) && !fits_first_grant(LARGE));
}

/// FDD: SR occasions, PDCCH occasions and uplink slots all start at symbols
/// 0, 14, 28, ...
///
/// Fits: UE prepares the SR 0→5; waits for the SR occasion 5→14; SR
/// 14→15; gNB decodes it and builds the DCI 15→27; waits for the PDCCH
/// 27→28; PDCCH 28→29; UE decodes and prepares the PUSCH 29→41; waits for
/// the uplink slot 41→42; PUSCH 42→56; gNB decodes 56→61. Latency 61:
/// processing 5+12+12+5 = 34, alignment 9+1+1 = 11, transmission 1+1+14 =
/// 16.
///
/// BSR: as above to 41; waits 41→42; first PUSCH (BSR) 42→56; gNB decodes
/// it 56→61, prepares the data grant 61→73; waits for the PDCCH 73→84;
/// PDCCH 84→85; UE decodes and prepares 85→97; waits 97→98; PUSCH 98→112;
/// gNB decodes 112→117. Latency 117: processing 34+5+12+12 = 63, alignment
/// 9+1+1+11+1 = 23, transmission 1+1+14+1+14 = 31.
#[test]
fn fdd_timelines_symbol_by_symbol() {
    let nr = nr("fdd");
    let (at, c) = timeline(&nr, SMALL);
    assert!((at - ms(61)).abs() < 1e-6, "{at}");
    assert_components(&c, 61, (34, 11, 16));
    let (at, c) = timeline(&nr, LARGE);
    assert!((at - ms(117)).abs() < 1e-6, "{at}");
    assert_components(&c, 117, (63, 23, 31));
}

/// DDDSU, special slot 10:2:2: downlink symbols 0-51 (PDCCH occasions 0,
/// 14, 28, 42 of each 70-symbol period), guard 52-53, uplink 54-55 (SR
/// occasion 54) and 56-69 (SR occasion 68, the only 14-symbol uplink
/// opportunity at 56).
///
/// Fits: SR prepared 0→5; waits 5→54; SR 54→55; gNB 55→67; waits for the
/// PDCCH 67→70; PDCCH 70→71; UE 71→83; waits for the uplink slot 83→126;
/// PUSCH 126→140; gNB decodes 140→145. Latency 145: processing 34,
/// alignment 49+3+43 = 95, transmission 16.
///
/// BSR: as above to 83; waits 83→126; BSR PUSCH 126→140; gNB decodes
/// 140→145 and prepares 145→157; waits for the PDCCH 157→168; PDCCH
/// 168→169; UE 169→181; waits 181→196; PUSCH 196→210; gNB 210→215.
/// Latency 215: processing 63, alignment 95+11+15 = 121, transmission 31.
#[test]
fn tdd_timelines_symbol_by_symbol() {
    let nr = nr("DDDSU");
    let (at, c) = timeline(&nr, SMALL);
    assert!((at - ms(145)).abs() < 1e-6, "{at}");
    assert_components(&c, 145, (34, 95, 16));
    let (at, c) = timeline(&nr, LARGE);
    assert!((at - ms(215)).abs() < 1e-6, "{at}");
    assert_components(&c, 215, (63, 121, 31));
}

/// The BSR adds one grant cycle, from the first PUSCH (which carries the
/// BSR) to the data's: FDD 42→98 = 56 symbols (4 slots), DDDSU 126→196 =
/// 70 symbols (one pattern period), for a packet sent at t = 0; and nothing
/// for configured grant or the downlink, where the size does not matter.
#[test]
fn the_bsr_adds_exactly_one_grant_cycle() {
    for (duplex, cycle) in [("fdd", 56), ("DDDSU", 70)] {
        let nr = nr(duplex);
        let (small, _) = timeline(&nr, SMALL);
        let (large, _) = timeline(&nr, LARGE);
        assert!(
            (large - small - ms(cycle)).abs() < 1e-6,
            "{duplex}: {}",
            (large - small) / SYM_MS
        );
    }
    let mut rng = factory5g::engine::RngStreams::new(1, 0).stream("grant");
    let cg = Nr::new(NrConfig {
        bler: 0.0,
        ..NrConfig::default()
    })
    .unwrap();
    for (n, dir) in [(&cg, Direction::Ul), (&nr("fdd"), Direction::Dl)] {
        let a = n.transmit(dir, SimTime::ZERO, SMALL, 0.0, &mut rng);
        let b = n.transmit(dir, SimTime::ZERO, LARGE, 0.0, &mut rng);
        assert_eq!(a.outcome, b.outcome);
        assert_eq!(a.components, b.components);
    }
}

/// The analytic step model over uniform arrivals, from the same chains: an
/// arrival prepares its SR (5 symbols) and waits for the next occasion; from
/// each occasion the rest is the timeline above.
///
/// FDD: from the SR to delivery 47 symbols (fits) or 103 (BSR), the mean
/// wait for an occasion every 14 symbols is 7: means 5 + 7 + 47 = 59 and
/// 5 + 7 + 103 = 115.
///
/// DDDSU: occasions 54 and 68 of each 70 symbols. Arrivals (after the 5
/// symbols) in (54, 68] take 68, those in (68, 124] take 124 (= 54 of the
/// next period). From 54 the delivery comes 91 symbols later (145 − 54),
/// from 68 77 later (SR 68→69, gNB →81, PDCCH 84→85, UE →97, PUSCH 126→140,
/// gNB →145). Mean 5 + (14·(7 + 77) + 56·(28 + 91)) / 70 = 117. With the
/// BSR, 161 from 54 (215 − 54) and 147 from 68 (the BSR on the PUSCH of
/// 126, then as from 54): mean 5 + (14·(7 + 147) + 56·(28 + 161)) / 70 =
/// 187.
#[test]
fn step_model_means_match_the_hand_sums() {
    for (duplex, fits, bsr) in [("fdd", 59, 115), ("DDDSU", 117, 187)] {
        let nr = nr(duplex);
        for (bits, want, processing, transmission) in [(SMALL, fits, 34, 16), (LARGE, bsr, 63, 31)] {
            let s = nr.step_for_packet(Direction::Ul, 0.0, bits);
            assert!(
                (s.one_shot_ms - ms(want)).abs() < 1e-9,
                "{duplex} {bits}: {}",
                s.one_shot_ms / SYM_MS
            );
            let c = s.one_shot_components_ms;
            assert!((c.processing - ms(processing)).abs() < 1e-9, "{duplex} {bits}");
            assert!(
                (c.transmission - ms(transmission)).abs() < 1e-9,
                "{duplex} {bits}"
            );
            assert!((c.alignment - ms(want - processing - transmission)).abs() < 1e-9);
            assert!((s.components_ms.total() - s.mean_ms).abs() < 1e-12);
        }
        // Without a size, the step model is the packet that fits.
        assert_eq!(
            nr.step(Direction::Ul).one_shot_ms,
            nr.step_for_packet(Direction::Ul, 0.0, SMALL).one_shot_ms
        );
    }
}

/// The heartbeat of the one-cell plant's four arms, every 100 ms uplink
/// (no shadowing, block errors or core delay: its latency is the frame's
/// alone); `SIZE` is its size.
const FLOW: &str = r#"[[flow]]
name = "heartbeat"
robots = "cell"
direction = "ul"
period = "100ms"
deadline = "50ms"
survival = 50
size = "SIZE"
"#;

/// The heartbeat's mean latency (ms) per replication.
fn heartbeat(access: &str, size: &str) -> Vec<f64> {
    let nr_keys = "shadowing = \"off\"\nbler = 0\nACCESS\n";
    let text = crate::one_cell_plant("2min", "10s", None, nr_keys, FLOW)
        .replace("ACCESS", access)
        .replace("SIZE", size);
    crate::replications(&crate::model(&text), 3, 8)
        .iter()
        .map(|o| o.flows[0].mean_latency_ms().expect("delivered"))
        .collect()
}

/// In a plant, the periodic flow's latency rises against configured grant
/// by the SR cycle (step model: 2.1049 − 1.1417 = 0.9632 ms, 27 symbols, at
/// 30 kHz FDD slots, SR every slot), and a 200-byte message by exactly the
/// BSR's 56 symbols more (every message: the same send times, and in FDD
/// the BSR's cycle does not depend on the send time).
#[test]
fn plant_uplink_latency_rises_by_the_sr_cycle_and_the_bsr_cycle() {
    let cg = heartbeat("", "32B");
    let small = heartbeat("ul_access = \"grant_based\"", "32B");
    let large = heartbeat("ul_access = \"grant_based\"", "200B");
    for (s, l) in small.iter().zip(&large) {
        assert!((l - s - ms(56)).abs() < 1e-5, "{l} − {s}");
    }
    let diffs: Vec<f64> = small.iter().zip(&cg).map(|(s, c)| s - c).collect();
    let (mean, ci) = factory5g::stats::mean_ci95(&diffs);
    let (lo, hi) = ci.expect("replications");
    // 99.9 % interval (t 0.9995 with 7 degrees of freedom is 5.408; the
    // 95 % one uses 2.365).
    let half = 0.5 * (hi - lo) / 2.365 * 5.408;
    let want = ms(59) - 1.1417;
    eprintln!("grant-based − configured grant: {mean:.4} ± {half:.4} ms (step model {want:.4})");
    assert!(
        (mean - want).abs() < half.max(1e-3),
        "{mean} ± {half}, want {want}"
    );
}
