//! Block errors from the SINR, per modulation and coding scheme, and the
//! link adaptation that picks the scheme for a BLER target.
//!
//! - MCS tables of TS 38.214: Table 5.1.3.1-1 (MCS index table 1, QPSK to
//!   64QAM, spectral efficiency 0.2344 to 5.5547 bit per resource element)
//!   for a BLER target of 10% (CQI table 1, Table 5.2.2.1-2), and Table
//!   5.1.3.1-3 (table 3, "low spectral efficiency", 0.0586 to 4.5234) for a
//!   target of 10⁻⁵ (CQI table 3, Table 5.2.2.1-4: its CQIs are the even
//!   entries of this MCS table). [`McsTable::for_target`] takes table 3 for
//!   targets below 10⁻³ (half-way between the two, in decades), table 1
//!   otherwise.
//! - BLER curve of an entry of spectral efficiency SE (bit per resource
//!   element), Gaussian in dB (an erfc curve):
//!   `BLER(γ) = Q((γ − γ₁₀)/σ + Q⁻¹(0.1))`, γ the SINR in dB, so that
//!   `BLER(γ₁₀) = 10%`.
//!   - γ₁₀, the SINR at 10% BLER, from a Shannon-gap model of AWGN link
//!     adaptation: `γ₁₀ = 10·log10(2^(SE/0.8) − 1) + 1.8` dB, a bandwidth
//!     efficiency of 0.8 and an SNR gap of 1.8 dB. These two numbers fit
//!     the 10%-BLER thresholds of the identical 4-bit CQI table that the
//!     first stage's link adaptation uses (Kawser et al., IJIEE 2(5), 2012;
//!     [`CQI_TABLE`](super::CQI_TABLE)) within 0.06 dB over all 15 CQIs, so
//!     that at a 10% target both agree.
//!   - σ, the spread of the waterfall, from the normal approximation of the
//!     finite-blocklength error probability on the AWGN channel
//!     (Polyanskiy, Poor & Verdú, IEEE Trans. Inf. Theory 56(5), 2010:
//!     `ε ≈ Q((n·C(γ) − n·R) / √(n·V(γ)))`, C = log2(1 + γ),
//!     `V = (1 − (1 + γ)⁻²)·log2(e)²`) linearized at γ₁₀:
//!     `σ = √(V/n) / (dC/dγ_dB)`, for the 32-byte reference packet of
//!     URLLC evaluations (ITU-R M.2410), n = 256/SE resource elements.
//!     This gives 0.34 dB at the lowest efficiencies to 0.64 dB at 5.55
//!     bit/RE: 10⁻⁵ needs 2.98·σ, 1.0 to 1.9 dB, more SINR than 10%.
//! - Link adaptation: the entry of highest spectral efficiency whose BLER at
//!   the SINR is at most the target (its threshold `γ₁₀ + σ·(Q⁻¹(target) −
//!   Q⁻¹(0.1))` at or below the SINR); none below the lowest threshold (out
//!   of coverage). In table 1, MCS 17 (64QAM, 2.5664) is just below MCS 16
//!   (16QAM, 2.5703): the curve depends on the efficiency only, so the
//!   choice goes by efficiency.
//! - An explicit BLER (the scenario's `bler`) overrides the curve:
//!   [`LinkAdaptation::attempt_bler`].
//!
//! ```
//! use factory5g::net::{LinkAdaptation, McsTable};
//! let la = LinkAdaptation::new(0.1);
//! assert_eq!(la.table(), McsTable::Qam64);
//! let chosen = la.select(12.0).unwrap();
//! assert!(chosen.bler <= 0.1 && chosen.mcs.efficiency > 2.5);
//! let urllc = LinkAdaptation::new(1e-5);
//! assert_eq!(urllc.table(), McsTable::Qam64LowSe);
//! assert!(urllc.select(12.0).unwrap().mcs.efficiency < chosen.mcs.efficiency);
//! assert!(la.select(-10.0).is_none());
//! assert_eq!(la.attempt_bler(12.0, Some(0.05)), Some(0.05));
//! ```

use crate::stats::{normal_quantile, normal_sf};
use serde::Serialize;
use std::f64::consts::{LN_10, LOG2_E};

/// An MCS index table of TS 38.214 §5.1.3.1.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
pub enum McsTable {
    /// Table 5.1.3.1-1 (`qam64`), for a 10% BLER target.
    Qam64,
    /// Table 5.1.3.1-3 (`qam64LowSE`), for a 10⁻⁵ BLER target.
    Qam64LowSe,
}

/// One row of an MCS table.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct McsEntry {
    pub index: u8,
    /// Bits per modulation symbol: 2 QPSK, 4 16QAM, 6 64QAM.
    pub modulation_order: u8,
    /// Target code rate × 1024.
    pub code_rate_x1024: u16,
    /// Bits per resource element, as the table gives it.
    pub efficiency: f64,
}

const fn entry(index: u8, modulation_order: u8, code_rate_x1024: u16, efficiency: f64) -> McsEntry {
    McsEntry {
        index,
        modulation_order,
        code_rate_x1024,
        efficiency,
    }
}

/// TS 38.214 Table 5.1.3.1-1 (indices 29 to 31 are reserved for
/// retransmissions).
const QAM64: [McsEntry; 29] = [
    entry(0, 2, 120, 0.2344),
    entry(1, 2, 157, 0.3066),
    entry(2, 2, 193, 0.3770),
    entry(3, 2, 251, 0.4902),
    entry(4, 2, 308, 0.6016),
    entry(5, 2, 379, 0.7402),
    entry(6, 2, 449, 0.8770),
    entry(7, 2, 526, 1.0273),
    entry(8, 2, 602, 1.1758),
    entry(9, 2, 679, 1.3262),
    entry(10, 4, 340, 1.3281),
    entry(11, 4, 378, 1.4766),
    entry(12, 4, 434, 1.6953),
    entry(13, 4, 490, 1.9141),
    entry(14, 4, 553, 2.1602),
    entry(15, 4, 616, 2.4063),
    entry(16, 4, 658, 2.5703),
    entry(17, 6, 438, 2.5664),
    entry(18, 6, 466, 2.7305),
    entry(19, 6, 517, 3.0293),
    entry(20, 6, 567, 3.3223),
    entry(21, 6, 616, 3.6094),
    entry(22, 6, 666, 3.9023),
    entry(23, 6, 719, 4.2129),
    entry(24, 6, 772, 4.5234),
    entry(25, 6, 822, 4.8164),
    entry(26, 6, 873, 5.1152),
    entry(27, 6, 910, 5.3320),
    entry(28, 6, 948, 5.5547),
];

/// TS 38.214 Table 5.1.3.1-3 (indices 29 to 31 reserved).
const QAM64_LOW_SE: [McsEntry; 29] = [
    entry(0, 2, 30, 0.0586),
    entry(1, 2, 40, 0.0781),
    entry(2, 2, 50, 0.0977),
    entry(3, 2, 64, 0.1250),
    entry(4, 2, 78, 0.1523),
    entry(5, 2, 99, 0.1934),
    entry(6, 2, 120, 0.2344),
    entry(7, 2, 157, 0.3066),
    entry(8, 2, 193, 0.3770),
    entry(9, 2, 251, 0.4902),
    entry(10, 2, 308, 0.6016),
    entry(11, 2, 379, 0.7402),
    entry(12, 2, 449, 0.8770),
    entry(13, 2, 526, 1.0273),
    entry(14, 2, 602, 1.1758),
    entry(15, 4, 340, 1.3281),
    entry(16, 4, 378, 1.4766),
    entry(17, 4, 434, 1.6953),
    entry(18, 4, 490, 1.9141),
    entry(19, 4, 553, 2.1602),
    entry(20, 4, 616, 2.4063),
    entry(21, 6, 438, 2.5664),
    entry(22, 6, 466, 2.7305),
    entry(23, 6, 517, 3.0293),
    entry(24, 6, 567, 3.3223),
    entry(25, 6, 616, 3.6094),
    entry(26, 6, 666, 3.9023),
    entry(27, 6, 719, 4.2129),
    entry(28, 6, 772, 4.5234),
];

/// Below this BLER target, the low-efficiency table (10⁻³: half-way
/// between 10% and 10⁻⁵ in decades).
pub const LOW_SE_BELOW: f64 = 1e-3;

impl McsTable {
    /// The table for a BLER target: [`McsTable::Qam64LowSe`] below
    /// [`LOW_SE_BELOW`], [`McsTable::Qam64`] otherwise.
    pub fn for_target(bler_target: f64) -> McsTable {
        if bler_target < LOW_SE_BELOW {
            McsTable::Qam64LowSe
        } else {
            McsTable::Qam64
        }
    }

    pub fn entries(self) -> &'static [McsEntry] {
        match self {
            McsTable::Qam64 => &QAM64,
            McsTable::Qam64LowSe => &QAM64_LOW_SE,
        }
    }

    /// `TS 38.214 Table 5.1.3.1-1` or `-3`.
    pub fn name(self) -> &'static str {
        match self {
            McsTable::Qam64 => "TS 38.214 Table 5.1.3.1-1",
            McsTable::Qam64LowSe => "TS 38.214 Table 5.1.3.1-3",
        }
    }
}

/// The Shannon-gap model of the 10%-BLER SINR: bandwidth efficiency.
const BANDWIDTH_EFFICIENCY: f64 = 0.8;
/// The Shannon-gap model of the 10%-BLER SINR: gap (dB).
const SNR_GAP_DB: f64 = 1.8;
/// The reference block for the waterfall's spread: 32 bytes.
const REFERENCE_BITS: f64 = 256.0;
/// Q⁻¹(0.1): where the curve is anchored.
const Z_10_PERCENT: f64 = 1.281_551_565_544_600_5;

/// The BLER of one MCS as a function of SINR: Gaussian in dB.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct BlerCurve {
    /// SINR (dB) at 10% BLER.
    pub sinr_10_percent_db: f64,
    /// Standard deviation of the waterfall (dB).
    pub spread_db: f64,
}

impl BlerCurve {
    /// The curve of an entry of `efficiency` bits per resource element
    /// (see the module documentation for the model and its sources).
    pub fn for_efficiency(efficiency: f64) -> BlerCurve {
        let sinr_10_percent_db =
            10.0 * (2f64.powf(efficiency / BANDWIDTH_EFFICIENCY) - 1.0).log10() + SNR_GAP_DB;
        let gamma = 10f64.powf(sinr_10_percent_db / 10.0);
        let resource_elements = REFERENCE_BITS / efficiency;
        let dispersion = (1.0 - (1.0 + gamma).powi(-2)) * LOG2_E * LOG2_E;
        // dC/dγ_dB: (log2 e) · γ/(1 + γ) · ln(10)/10.
        let slope = LOG2_E * gamma / (1.0 + gamma) * LN_10 / 10.0;
        BlerCurve {
            sinr_10_percent_db,
            spread_db: (dispersion / resource_elements).sqrt() / slope,
        }
    }

    /// The BLER at `sinr_db`.
    pub fn bler(&self, sinr_db: f64) -> f64 {
        normal_sf((sinr_db - self.sinr_10_percent_db) / self.spread_db + Z_10_PERCENT)
    }

    /// The SINR (dB) at which the BLER is `bler` (0 < bler < 1; +∞ at 0).
    pub fn sinr_for(&self, bler: f64) -> f64 {
        // BLER = Q(u) ⇔ u = −Φ⁻¹(BLER), exact in the lower tail.
        let u = -normal_quantile(bler);
        self.sinr_10_percent_db + self.spread_db * (u - Z_10_PERCENT)
    }
}

impl McsEntry {
    /// This entry's BLER curve.
    pub fn curve(&self) -> BlerCurve {
        BlerCurve::for_efficiency(self.efficiency)
    }

    /// This entry's BLER at `sinr_db`.
    pub fn bler(&self, sinr_db: f64) -> f64 {
        self.curve().bler(sinr_db)
    }
}

/// What link adaptation chose at a SINR.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct Selection {
    pub mcs: McsEntry,
    /// The entry's BLER at that SINR (at most the target).
    pub bler: f64,
}

/// Link adaptation for a BLER target: an MCS table with each entry's
/// threshold for the target computed once.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkAdaptation {
    table: McsTable,
    target: f64,
    curves: Vec<BlerCurve>,
    thresholds_db: Vec<f64>,
}

impl LinkAdaptation {
    /// Link adaptation for `bler_target` on [`McsTable::for_target`]'s
    /// table.
    pub fn new(bler_target: f64) -> LinkAdaptation {
        LinkAdaptation::with_table(McsTable::for_target(bler_target), bler_target)
    }

    /// Link adaptation for `bler_target` on a given table.
    pub fn with_table(table: McsTable, bler_target: f64) -> LinkAdaptation {
        let curves: Vec<BlerCurve> = table.entries().iter().map(McsEntry::curve).collect();
        let thresholds_db = curves.iter().map(|c| c.sinr_for(bler_target)).collect();
        LinkAdaptation {
            table,
            target: bler_target,
            curves,
            thresholds_db,
        }
    }

    pub fn table(&self) -> McsTable {
        self.table
    }

    pub fn target(&self) -> f64 {
        self.target
    }

    /// The lowest SINR (dB) at which entry `index` meets the target.
    pub fn threshold_db(&self, index: usize) -> f64 {
        self.thresholds_db[index]
    }

    /// The entry of highest spectral efficiency that meets the target at
    /// `sinr_db`, with its BLER; `None` out of coverage (not even MCS 0).
    pub fn select(&self, sinr_db: f64) -> Option<Selection> {
        let entries = self.table.entries();
        let best = (0..entries.len())
            .filter(|&i| self.thresholds_db[i] <= sinr_db)
            .max_by(|&a, &b| entries[a].efficiency.total_cmp(&entries[b].efficiency))?;
        Some(Selection {
            mcs: entries[best],
            bler: self.curves[best].bler(sinr_db),
        })
    }

    /// The BLER of one transmission at `sinr_db`: `fixed` when the scenario
    /// gives one (`bler`), else the chosen entry's; `None` out of coverage.
    pub fn attempt_bler(&self, sinr_db: f64, fixed: Option<f64>) -> Option<f64> {
        let chosen = self.select(sinr_db)?;
        Some(fixed.unwrap_or(chosen.bler))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::CQI_TABLE;

    const TARGETS: [f64; 4] = [0.1, 0.01, 1e-3, 1e-5];

    #[test]
    fn tables_follow_ts_38_214() {
        for table in [McsTable::Qam64, McsTable::Qam64LowSe] {
            for (i, e) in table.entries().iter().enumerate() {
                assert_eq!(usize::from(e.index), i);
                // The efficiency is Qm · R / 1024 to the table's 4 decimals.
                let exact = f64::from(e.modulation_order) * f64::from(e.code_rate_x1024) / 1024.0;
                assert!((e.efficiency - exact).abs() < 6e-5, "{table:?} {e:?}");
            }
        }
        // CQI table 3's entries are MCS table 3's even ones (CQI k = MCS 2(k − 1)).
        let low = McsTable::Qam64LowSe.entries();
        assert_eq!((low[0].code_rate_x1024, low[28].code_rate_x1024), (30, 772));
        assert_eq!(McsTable::for_target(0.1), McsTable::Qam64);
        assert_eq!(McsTable::for_target(1e-3), McsTable::Qam64);
        assert_eq!(McsTable::for_target(1e-5), McsTable::Qam64LowSe);
    }

    #[test]
    fn at_each_threshold_the_bler_is_the_target() {
        for table in [McsTable::Qam64, McsTable::Qam64LowSe] {
            for target in TARGETS {
                let la = LinkAdaptation::with_table(table, target);
                for (i, e) in table.entries().iter().enumerate() {
                    let at = e.bler(la.threshold_db(i));
                    assert!(
                        (at / target - 1.0).abs() < 1e-3,
                        "{table:?} MCS {i} target {target}: {at}"
                    );
                }
            }
        }
    }

    /// Independent data: at a 10% target the thresholds of the entries that
    /// have a CQI of table 1's efficiency are that CQI's published 10%-BLER
    /// SINR (the first stage's table).
    #[test]
    fn ten_percent_thresholds_match_the_cqi_table() {
        let la = LinkAdaptation::new(0.1);
        let mut matched = 0;
        for (i, e) in McsTable::Qam64.entries().iter().enumerate() {
            if let Some(cqi) = CQI_TABLE
                .iter()
                .find(|c| (c.efficiency - e.efficiency).abs() < 1e-4)
            {
                assert!(
                    (la.threshold_db(i) - cqi.sinr_db).abs() < 0.1,
                    "MCS {i}: {} vs CQI {} at {}",
                    la.threshold_db(i),
                    cqi.cqi,
                    cqi.sinr_db
                );
                matched += 1;
            }
        }
        assert_eq!(matched, 14);
    }

    #[test]
    fn bler_falls_with_sinr_and_the_spread_is_the_normal_approximations() {
        for e in McsTable::Qam64LowSe
            .entries()
            .iter()
            .chain(McsTable::Qam64.entries())
        {
            let mut last = 1.0;
            for step in 0..400 {
                let sinr = -15.0 + f64::from(step) * 0.1;
                let b = e.bler(sinr);
                assert!(
                    b <= last && (0.0..=1.0).contains(&b),
                    "{e:?} at {sinr}: {b} after {last}"
                );
                last = b;
            }
            let spread = e.curve().spread_db;
            assert!((0.3..0.7).contains(&spread), "{e:?}: {spread}");
        }
        // One entry by hand: SE 1.9141, γ10 = 10·log10(2^2.3926 − 1) + 1.8
        // = 8.085 dB (γ = 6.436); n = 256/1.9141 = 133.74 REs;
        // V = (1 − 7.436⁻²)·2.0814 = 2.0437 bits²; dC/dγ_dB =
        // 1.4427 · 6.436/7.436 · 0.23026 = 0.28751; σ = √(V/n)/0.28751.
        let curve = BlerCurve::for_efficiency(1.9141);
        assert!((curve.sinr_10_percent_db - 8.085).abs() < 1e-3, "{curve:?}");
        assert!((curve.spread_db - 0.4300).abs() < 1e-3, "{curve:?}");
    }

    #[test]
    fn link_adaptation_meets_the_target_with_the_most_efficient_entry() {
        for target in TARGETS {
            let la = LinkAdaptation::new(target);
            let entries = la.table().entries();
            for step in 0..500 {
                let sinr = -15.0 + f64::from(step) * 0.09;
                match la.select(sinr) {
                    Some(s) => {
                        assert!(s.bler <= target * (1.0 + 1e-9), "{target} at {sinr}: {s:?}");
                        assert_eq!(s.bler, s.mcs.bler(sinr));
                        // No entry of higher efficiency meets the target.
                        for e in entries.iter().filter(|e| e.efficiency > s.mcs.efficiency) {
                            assert!(e.bler(sinr) > target, "{target} at {sinr}: {e:?} beats {s:?}");
                        }
                    }
                    None => assert!(entries[0].bler(sinr) > target, "{target} at {sinr}"),
                }
            }
        }
        let la = LinkAdaptation::new(0.1);
        assert_eq!(la.attempt_bler(30.0, None), Some(la.select(30.0).unwrap().bler));
        assert_eq!(la.attempt_bler(30.0, Some(0.02)), Some(0.02));
        assert_eq!(la.attempt_bler(-20.0, Some(0.02)), None);
    }
}
