//! The TR 38.901 §7.4 indoor-factory (InF) channel, the link budget and the
//! link adaptation.
//!
//! - Path loss (dB; fc in GHz, d3D in m, clamped below at 1 m; the model is
//!   calibrated to 600 m and extrapolated beyond): LOS for every
//!   sub-scenario `31.84 + 21.50 log10(d3D) + 19.00 log10(fc)`; NLOS the
//!   maximum of LOS and the sub-scenario's own law (InF-DL also takes
//!   InF-SL's NLOS); InF-HH is LOS only.
//! - LOS probability, d2D horizontal: `exp(−d2D / k)`, `k = −d_clutter /
//!   ln(1 − r)`, times `(h_BS − h_UT) / (h_c − h_UT)` for the high-BS cases;
//!   1 for InF-HH. Calibration parameters: sparse clutter (SL, SH) r = 0.2,
//!   h_c = 2 m, d_clutter = 10 m; dense (DL, DH) r = 0.6, h_c = 6 m,
//!   d_clutter = 2 m; BS 1.5 m (L) or 8 m (H); UE 1.5 m.
//! - Shadow fading σ: LOS 4.3 dB; NLOS SL 5.7, DL 7.2, SH 5.9, DH 4.0 dB.
//! - SINR = Ptx − PL − (−174 dBm/Hz + 10 log10(B) + NF) − interference margin.
//! - Link adaptation: the highest CQI of TS 38.214 Table 5.2.2.1-2 (CQI table
//!   1: QPSK to 64QAM, efficiency 0.1523 to 5.5547 bit per resource element)
//!   whose SINR threshold the link meets. The thresholds are the AWGN SNRs at
//!   10% BLER commonly used with this 4-bit table in system-level studies
//!   (−6.7 dB for CQI 1 to 22.7 dB for CQI 15; tabulated by Kawser et al.,
//!   "Downlink SNR to CQI Mapping for Different Multiple Antenna Techniques in
//!   LTE", IJIEE 2(5), 2012, for the identical LTE table of TS 36.213). Below
//!   CQI 1's threshold the link is out of coverage.
//!
//! ```
//! use factory5g::net::{link_adaptation, Channel, InfScenario};
//! let ch = Channel::new(InfScenario::Dh, 3.5);
//! let d3 = ch.d3d(50.0);
//! assert!((ch.path_loss_los(d3) - (31.84 + 21.5 * d3.log10() + 19.0 * 3.5f64.log10())).abs() < 1e-9);
//! assert!(ch.p_los(50.0) < ch.p_los(10.0));
//! assert_eq!(link_adaptation(9.0).unwrap().cqi, 8);
//! assert!(link_adaptation(-10.0).is_none());
//! ```

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use std::fmt;

/// An InF sub-scenario: Sparse or Dense clutter, Low or High BS; HH both
/// high.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum InfScenario {
    Sl,
    Dl,
    Sh,
    Dh,
    Hh,
}

impl InfScenario {
    pub const ALL: [InfScenario; 5] = [
        InfScenario::Sl,
        InfScenario::Dl,
        InfScenario::Sh,
        InfScenario::Dh,
        InfScenario::Hh,
    ];

    /// `"InF-DH"` (case-insensitive; `"DH"` also accepted).
    pub fn parse(text: &str) -> Result<InfScenario, String> {
        let t = text.trim().to_ascii_uppercase();
        let t = t
            .strip_prefix("INF-")
            .or_else(|| t.strip_prefix("INF_"))
            .unwrap_or(&t);
        match t {
            "SL" => Ok(InfScenario::Sl),
            "DL" => Ok(InfScenario::Dl),
            "SH" => Ok(InfScenario::Sh),
            "DH" => Ok(InfScenario::Dh),
            "HH" => Ok(InfScenario::Hh),
            _ => Err(format!(
                "`{text}` is not an indoor-factory channel; allowed: InF-SL, InF-DL, InF-SH, InF-DH, InF-HH"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            InfScenario::Sl => "InF-SL",
            InfScenario::Dl => "InF-DL",
            InfScenario::Sh => "InF-SH",
            InfScenario::Dh => "InF-DH",
            InfScenario::Hh => "InF-HH",
        }
    }
}

impl fmt::Display for InfScenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Geometry and clutter of an InF sub-scenario (m; r is the clutter
/// density).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct InfParams {
    pub h_bs: f64,
    pub h_ut: f64,
    pub r: f64,
    pub h_c: f64,
    pub d_clutter: f64,
}

impl InfParams {
    /// The calibration values of TR 38.901 Tables 7.2-4 / 7.8-7.
    pub fn calibration(s: InfScenario) -> InfParams {
        let sparse = InfParams {
            h_bs: 1.5,
            h_ut: 1.5,
            r: 0.2,
            h_c: 2.0,
            d_clutter: 10.0,
        };
        let dense = InfParams {
            r: 0.6,
            h_c: 6.0,
            d_clutter: 2.0,
            ..sparse
        };
        match s {
            InfScenario::Sl => sparse,
            InfScenario::Dl => dense,
            InfScenario::Sh => InfParams { h_bs: 8.0, ..sparse },
            InfScenario::Dh | InfScenario::Hh => InfParams { h_bs: 8.0, ..dense },
        }
    }
}

/// The InF channel at one carrier.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Channel {
    pub scenario: InfScenario,
    pub carrier_ghz: f64,
    pub params: InfParams,
}

impl Channel {
    /// The sub-scenario with its calibration parameters.
    pub fn new(scenario: InfScenario, carrier_ghz: f64) -> Channel {
        Channel {
            scenario,
            carrier_ghz,
            params: InfParams::calibration(scenario),
        }
    }

    /// The 3D distance for a horizontal distance, at least 1 m.
    pub fn d3d(&self, d2d: f64) -> f64 {
        let dh = self.params.h_bs - self.params.h_ut;
        (d2d * d2d + dh * dh).sqrt().max(1.0)
    }

    /// LOS path loss (dB) at a 3D distance.
    pub fn path_loss_los(&self, d3d: f64) -> f64 {
        let d = d3d.max(1.0).log10();
        31.84 + 21.50 * d + 19.00 * self.carrier_ghz.log10()
    }

    /// NLOS path loss (dB) at a 3D distance; `None` for InF-HH (LOS only).
    pub fn path_loss_nlos(&self, d3d: f64) -> Option<f64> {
        let d = d3d.max(1.0).log10();
        let f = 20.0 * self.carrier_ghz.log10();
        let los = self.path_loss_los(d3d);
        let sl = 33.0 + 25.5 * d + f;
        Some(match self.scenario {
            InfScenario::Sl => los.max(sl),
            InfScenario::Dl => los.max(sl).max(18.6 + 35.7 * d + f),
            InfScenario::Sh => los.max(32.4 + 23.0 * d + f),
            InfScenario::Dh => los.max(33.63 + 21.9 * d + f),
            InfScenario::Hh => return None,
        })
    }

    /// Path loss (dB) in the given state at a horizontal distance.
    pub fn path_loss(&self, d2d: f64, los: bool) -> f64 {
        let d3 = self.d3d(d2d);
        if los {
            self.path_loss_los(d3)
        } else {
            self.path_loss_nlos(d3).unwrap_or_else(|| self.path_loss_los(d3))
        }
    }

    /// The mean path loss (dB) at a horizontal distance: the LOS and NLOS
    /// path losses weighted by the LOS probability, `p·PL_LOS + (1 − p)·PL_NLOS`.
    pub fn mean_path_loss(&self, d2d: f64) -> f64 {
        let p = self.p_los(d2d);
        p * self.path_loss(d2d, true) + (1.0 - p) * self.path_loss(d2d, false)
    }

    /// Probability of line of sight at a horizontal distance.
    pub fn p_los(&self, d2d: f64) -> f64 {
        let p = &self.params;
        let k = -p.d_clutter / (1.0 - p.r).ln();
        let k = match self.scenario {
            InfScenario::Sl | InfScenario::Dl => k,
            InfScenario::Sh | InfScenario::Dh => k * (p.h_bs - p.h_ut) / (p.h_c - p.h_ut),
            InfScenario::Hh => return 1.0,
        };
        (-d2d.max(0.0) / k).exp()
    }

    /// Shadow-fading standard deviation (dB).
    pub fn shadow_sigma_db(&self, los: bool) -> f64 {
        if los {
            return 4.3;
        }
        match self.scenario {
            InfScenario::Sl => 5.7,
            InfScenario::Dl => 7.2,
            InfScenario::Sh => 5.9,
            InfScenario::Dh => 4.0,
            InfScenario::Hh => 4.3,
        }
    }
}

/// Thermal noise density, dBm/Hz.
pub const THERMAL_NOISE_DBM_HZ: f64 = -174.0;

/// Transmit power, receiver noise and interference of a link.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct LinkBudget {
    pub tx_power_dbm: f64,
    pub noise_figure_db: f64,
    pub bandwidth_mhz: f64,
    pub interference_margin_db: f64,
}

impl LinkBudget {
    /// −174 dBm/Hz + 10 log10(bandwidth in Hz) + noise figure.
    pub fn noise_dbm(&self) -> f64 {
        super::budget::noise_dbm(self.bandwidth_mhz, self.noise_figure_db)
    }

    /// SINR (dB) through a loss of `loss_db`.
    pub fn sinr_db(&self, loss_db: f64) -> f64 {
        self.sinr_db_with_noise(loss_db, self.noise_dbm())
    }

    /// [`sinr_db`](Self::sinr_db) with the noise ([`noise_dbm`](Self::noise_dbm))
    /// computed beforehand.
    fn sinr_db_with_noise(&self, loss_db: f64, noise_dbm: f64) -> f64 {
        self.tx_power_dbm - loss_db - noise_dbm - self.interference_margin_db
    }
}

/// One row of the CQI table with its SINR threshold.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct Mcs {
    pub cqi: u8,
    pub modulation: &'static str,
    /// Code rate × 1024.
    pub code_rate_x1024: u16,
    /// Bits per resource element.
    pub efficiency: f64,
    /// Lowest SINR (dB) for 10% BLER.
    pub sinr_db: f64,
}

const fn mcs(cqi: u8, modulation: &'static str, code_rate_x1024: u16, efficiency: f64, sinr_db: f64) -> Mcs {
    Mcs {
        cqi,
        modulation,
        code_rate_x1024,
        efficiency,
        sinr_db,
    }
}

/// TS 38.214 Table 5.2.2.1-2 (CQI table 1) with 10%-BLER SINR thresholds
/// (see the module documentation for their source).
pub const CQI_TABLE: [Mcs; 15] = [
    mcs(1, "QPSK", 78, 0.1523, -6.7),
    mcs(2, "QPSK", 120, 0.2344, -4.7),
    mcs(3, "QPSK", 193, 0.3770, -2.3),
    mcs(4, "QPSK", 308, 0.6016, 0.2),
    mcs(5, "QPSK", 449, 0.8770, 2.4),
    mcs(6, "QPSK", 602, 1.1758, 4.3),
    mcs(7, "16QAM", 378, 1.4766, 5.9),
    mcs(8, "16QAM", 490, 1.9141, 8.1),
    mcs(9, "16QAM", 616, 2.4063, 10.3),
    mcs(10, "64QAM", 466, 2.7305, 11.7),
    mcs(11, "64QAM", 567, 3.3223, 14.1),
    mcs(12, "64QAM", 666, 3.9023, 16.3),
    mcs(13, "64QAM", 772, 4.5234, 18.7),
    mcs(14, "64QAM", 873, 5.1152, 21.0),
    mcs(15, "64QAM", 948, 5.5547, 22.7),
];

/// The highest CQI whose threshold `sinr_db` meets; `None` out of coverage.
pub fn link_adaptation(sinr_db: f64) -> Option<&'static Mcs> {
    CQI_TABLE.iter().rev().find(|m| sinr_db >= m.sinr_db)
}

/// A UE's link to its best gNB.
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct RadioLink {
    /// Index of the gNB in the list given.
    pub gnb: usize,
    pub d2d_m: f64,
    pub los: bool,
    pub path_loss_db: f64,
    /// The shadow fading drawn (dB, added to the path loss).
    pub shadow_db: f64,
    pub sinr_db: f64,
    /// `None`: out of coverage.
    pub mcs: Option<Mcs>,
    /// Bits per resource element (0 out of coverage).
    pub spectral_efficiency: f64,
}

impl RadioLink {
    pub fn in_coverage(&self) -> bool {
        self.mcs.is_some()
    }
}

/// What [`best_link`] needs of one gNB seen from one place: the parts of
/// the channel that do not depend on chance, computed once per place.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct GnbView {
    d2d: f64,
    p_los: f64,
    path_loss_los: f64,
    path_loss_nlos: f64,
    sigma_los: f64,
    sigma_nlos: f64,
}

/// The view of every gNB from `ue`, in the order of `gnbs`.
pub(crate) fn gnb_views(ch: &Channel, ue: (f64, f64), gnbs: &[(f64, f64)]) -> Vec<GnbView> {
    gnbs.iter()
        .map(|&(x, y)| {
            let d2d = ((ue.0 - x).powi(2) + (ue.1 - y).powi(2)).sqrt();
            GnbView {
                d2d,
                p_los: ch.p_los(d2d),
                path_loss_los: ch.path_loss(d2d, true),
                path_loss_nlos: ch.path_loss(d2d, false),
                sigma_los: ch.shadow_sigma_db(true),
                sigma_nlos: ch.shadow_sigma_db(false),
            }
        })
        .collect()
}

/// For each gNB draws LOS (with the InF probability) and shadow fading,
/// and keeps the one with the least total loss (the first on a tie).
pub(crate) fn best_link<R: Rng + ?Sized>(
    ch: &Channel,
    budget: &LinkBudget,
    ue: (f64, f64),
    gnbs: &[(f64, f64)],
    rng: &mut R,
) -> Option<RadioLink> {
    best_link_in(&gnb_views(ch, ue, gnbs), budget, budget.noise_dbm(), rng)
}

/// [`best_link`] from views computed beforehand (and the budget's
/// [`noise_dbm`](LinkBudget::noise_dbm)): the same draws, in the same order,
/// and the same result, without a logarithm.
pub(crate) fn best_link_in<R: Rng + ?Sized>(
    views: &[GnbView],
    budget: &LinkBudget,
    noise_dbm: f64,
    rng: &mut R,
) -> Option<RadioLink> {
    let mut best: Option<(f64, usize, f64, bool, f64, f64)> = None;
    for (i, v) in views.iter().enumerate() {
        let u: f64 = rng.random();
        let los = u < v.p_los;
        let z: f64 = StandardNormal.sample(rng);
        let shadow = z * if los { v.sigma_los } else { v.sigma_nlos };
        let pl = if los { v.path_loss_los } else { v.path_loss_nlos };
        let loss = pl + shadow;
        if best.is_none_or(|b| loss < b.0) {
            best = Some((loss, i, v.d2d, los, pl, shadow));
        }
    }
    best.map(|(loss, gnb, d2d_m, los, path_loss_db, shadow_db)| {
        let sinr_db = budget.sinr_db_with_noise(loss, noise_dbm);
        let mcs = link_adaptation(sinr_db).copied();
        RadioLink {
            gnb,
            d2d_m,
            los,
            path_loss_db,
            shadow_db,
            sinr_db,
            mcs,
            spectral_efficiency: mcs.map_or(0.0, |m| m.efficiency),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn nlos_is_never_below_los_and_dl_takes_sl_too() {
        for s in InfScenario::ALL {
            let ch = Channel::new(s, 3.5);
            for d in [1.0, 5.0, 20.0, 100.0, 600.0] {
                if let Some(n) = ch.path_loss_nlos(d) {
                    assert!(n >= ch.path_loss_los(d));
                }
            }
        }
        let dl = Channel::new(InfScenario::Dl, 3.5);
        let sl = Channel::new(InfScenario::Sl, 3.5);
        // Near the BS InF-DL's own law is below InF-SL's: the max takes SL's.
        assert_eq!(dl.path_loss_nlos(2.0), sl.path_loss_nlos(2.0));
        assert!(InfScenario::parse("inf-dh").is_ok() && InfScenario::parse("InF-XX").is_err());
    }

    #[test]
    fn link_adaptation_steps_and_best_gnb() {
        assert_eq!(link_adaptation(22.7).unwrap().cqi, 15);
        assert_eq!(link_adaptation(-6.7).unwrap().cqi, 1);
        assert!(link_adaptation(-6.71).is_none());
        let ch = Channel::new(InfScenario::Hh, 3.5);
        let budget = LinkBudget {
            tx_power_dbm: 24.0,
            noise_figure_db: 9.0,
            bandwidth_mhz: 100.0,
            interference_margin_db: 0.0,
        };
        assert!((budget.noise_dbm() - (-174.0 + 80.0 + 9.0)).abs() < 1e-9);
        let mut rng = RngStreams::new(1, 0).stream("radio");
        let mut near = 0;
        for _ in 0..200 {
            let l = best_link(&ch, &budget, (5.0, 0.0), &[(100.0, 0.0), (0.0, 0.0)], &mut rng).unwrap();
            near += usize::from(l.gnb == 1);
            assert!(l.los);
        }
        assert!(near > 190, "{near}");
        assert!(best_link(&ch, &budget, (0.0, 0.0), &[], &mut rng).is_none());
    }
}
