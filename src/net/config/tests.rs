//! The link configuration's checks.

use super::*;
use crate::net::bands::resource_blocks;

#[test]
fn defaults_are_valid_and_n_tables_match_the_reference() {
    assert!(NrConfig::default().validate().is_ok());
    assert_eq!(n1_n2_x2(1, 0), Some((16, 20)));
    assert_eq!(n1_n2_x2(2, 1), Some((9, 11)));
    assert_eq!(n1_n2_x2(2, 3), None);
    assert_eq!(n1_n2_x2(3, 0), None);
    assert_eq!(resource_blocks(FreqRange::Fr1, 30, 100), Some(273));
    assert_eq!(resource_blocks(FreqRange::Fr2, 120, 400), Some(264));
}

#[test]
fn every_problem_is_listed_with_what_is_allowed() {
    let cfg = NrConfig {
        scs_khz: 45,
        symbols: 5,
        capability: 3,
        bler: 1.5,
        harq_max_retx: 99,
        ..NrConfig::default()
    };
    let e = cfg.validate().unwrap_err();
    let keys: Vec<&str> = e.0.iter().map(|e| e.key).collect();
    assert_eq!(
        keys,
        ["scs_khz", "symbols", "capability", "harq_max_retx", "bler"]
    );
    let text = e.to_string();
    assert!(text.contains("allowed: 15, 30, 60, 120"), "{text}");
    assert!(text.contains("7, 4 or 2"), "{text}");
}

#[test]
fn frequency_range_constraints() {
    let fr2_15 = NrConfig {
        scs_khz: 15,
        bandwidth_mhz: 20,
        carrier_ghz: 28.0,
        ..NrConfig::default()
    };
    assert!(fr2_15
        .validate()
        .unwrap_err()
        .to_string()
        .contains("FR2 allows 60 and 120"));
    let fr1_120 = NrConfig {
        scs_khz: 120,
        ..NrConfig::default()
    };
    assert!(fr1_120
        .validate()
        .unwrap_err()
        .to_string()
        .contains("120 kHz needs an FR2"));
    let ok = NrConfig {
        scs_khz: 120,
        carrier_ghz: 28.0,
        ..NrConfig::default()
    };
    assert!(ok.validate().is_ok());
    let bw = NrConfig {
        scs_khz: 15,
        bandwidth_mhz: 100,
        ..NrConfig::default()
    };
    assert!(bw.validate().unwrap_err().to_string().contains("allowed: 5, 10"));
}

#[test]
fn tdd_periods_are_those_of_ts_38_331() {
    let tdd = |p: &str| Duplex::parse(p, SpecialSplit::default()).unwrap();
    // DDDDSUU at 30 kHz: 3.5 ms.
    let m = tdd("DDDDSUU").period_problem(1).unwrap();
    assert_eq!(
        m,
        "the TDD pattern DDDDSUU is 7 slots of 0.5 ms at 30 kHz, a period of 3.5 ms; TS 38.331 allows periods of \
         0.5, 0.625, 1, 1.25, 2, 2.5, 3, 4, 5 or 10 ms, which at 30 kHz is a pattern of 1, 2, 4, 5, 6, 8, 10 or 20 slots"
    );
    // The pattern lengths allowed at each numerology, worked out by hand
    // (slots of 1, 0.5, 0.25 and 0.125 ms): every other length is refused.
    let allowed: [&[usize]; 4] = [
        &[1, 2, 3, 4, 5, 10],
        &[1, 2, 4, 5, 6, 8, 10, 20],
        &[2, 4, 5, 8, 10, 12, 16, 20, 40],
        &[4, 5, 8, 10, 16, 20, 24, 32, 40, 80],
    ];
    for (mu, lengths) in (0u32..).zip(allowed) {
        for slots in 1..=160 {
            let pattern = format!("{}U", "D".repeat(slots - 1));
            let ok = tdd(&pattern).period_problem(mu).is_none();
            assert_eq!(ok, lengths.contains(&slots), "{slots} slots at µ {mu}");
        }
    }
    assert_eq!(Duplex::Fdd.period_problem(0), None);
    let cfg = NrConfig {
        duplex: tdd("DDDDSUU"),
        ..NrConfig::default()
    };
    let e = cfg.validate().unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert_eq!(e.0[0].key, "duplex");
    // The built-in scenarios' and the reference's patterns pass.
    for (pattern, mu) in [
        ("DDDSU", 1),
        ("DDDDDDDSUU", 1),
        ("DDDSU", 0),
        ("DDDSU", 3),
        ("DDDDDDDSUU", 2),
    ] {
        assert_eq!(tdd(pattern).period_problem(mu), None, "{pattern} at µ {mu}");
    }
}

#[test]
fn parses_duplex_split_and_sr_period() {
    assert_eq!(Duplex::parse("FDD", SpecialSplit::default()), Ok(Duplex::Fdd));
    let d = Duplex::parse("dddsu", SpecialSplit::default()).unwrap();
    assert_eq!(d.pattern_name(), "DDDSU");
    assert!(Duplex::parse("DDXSU", SpecialSplit::default()).is_err());
    assert!(Duplex::parse("", SpecialSplit::default()).is_err());
    assert_eq!(
        SpecialSplit::parse("6:4:4"),
        Ok(SpecialSplit {
            dl: 6,
            guard: 4,
            ul: 4
        })
    );
    assert!(SpecialSplit::parse("10:2:3").unwrap_err().contains("sum to 14"));
    assert!(SpecialSplit::parse("10:2").is_err());
    assert_eq!(SrPeriod::parse("2sym"), Ok(SrPeriod::Symbols(2)));
    assert_eq!(SrPeriod::parse("4 slots"), Ok(SrPeriod::Slots(4)));
    assert_eq!(SrPeriod::parse("1ms").unwrap().symbols(1), Ok(28));
    assert_eq!(SrPeriod::parse("1slot").unwrap().symbols(3), Ok(14));
    assert!(SrPeriod::parse("0.5ms").unwrap().symbols(0).is_err());
    assert!(SrPeriod::Slots(3).symbols(1).unwrap_err().contains("allowed"));
    assert!(SrPeriod::Slots(640).symbols(0).is_err());
    assert!(SrPeriod::parse("soon").is_err());
}
