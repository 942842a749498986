//! The link budget in both directions, with reuse-1 interference: the SINR
//! of a UE at a point with its serving gNB, the other cells loaded.
//!
//! - Powers: gNB `gnb_tx_power_dbm` (24 dBm, the TR 38.901 InF calibration's
//!   BS power), UE `ue_tx_power_dbm` (23 dBm, power class 3, TS 38.101-1
//!   §6.2.1). Noise figures: gNB 5 dB, UE 9 dB (the below-6 GHz evaluation
//!   assumptions of 3GPP TR 38.802 Annex A, the UE's also the InF
//!   calibration's). No antenna gains (0 dBi both ends), as the first
//!   stage's link budget.
//! - Noise at the receiver: `−174 dBm/Hz + 10·log10(B·10⁶) + NF` dBm, B in
//!   MHz, NF the receiver's (the UE's downlink, the gNB's uplink).
//! - Interference, every gNB on the same carrier (reuse 1), each other cell
//!   j weighted by `load_j` in [0, 1], the share of its resource blocks in
//!   use: `SINR = S / (N + Σ_j load_j · I_j)` in milliwatts.
//!   Downlink: `I_j` is gNB j's power received at the UE (through gNB j's
//!   own path loss and shadowing at the UE's place). Uplink: `I_j` is what
//!   the serving gNB receives from a UE transmitting in cell j (at full
//!   power: no power control, as the signal). Where that UE stands is the
//!   caller's to say ([`UplinkInterferer`]); without better knowledge,
//!   [`cell_centre_interferers`] puts it at gNB j's own position, the
//!   centroid of its cell on a regular grid, so that `I_j` is the serving
//!   gNB's link to that point. This is simple and on the optimistic side:
//!   averaging the received power over UEs spread uniformly in cell j
//!   would weigh the part of the cell nearest the serving gNB more. When
//!   the robots of cell j are known, pass their places instead.
//! - With `interference = false` the sum is left out (SINR = SNR).
//!
//! ```
//! use factory5g::engine::RngStreams;
//! use factory5g::net::{cell_centre_interferers, Channel, InfScenario, NrConfig, RadioBudget, RadioMap, Shadowing};
//! let budget = RadioBudget::from_config(&NrConfig::default());
//! let gnbs = [(0.0, 0.0), (40.0, 0.0)];
//! let streams = RngStreams::new(1, 0);
//! let map = RadioMap::new(Channel::new(InfScenario::Hh, 3.5), &gnbs, Shadowing::Off, &streams);
//! let mut rng = streams.stream("draws");
//! // Half-way, the other cell fully loaded: signal and interference equal.
//! let dl = map.downlink_sinr(&budget, (20.0, 0.0), 0, &[1.0, 1.0], &mut rng);
//! assert!(dl.sinr_db < 0.0 && dl.snr_db > 30.0);
//! let ul = map.uplink_sinr(&budget, (20.0, 0.0), 0, &cell_centre_interferers(&gnbs, 0, &[1.0, 0.5]), &mut rng);
//! assert!(ul.sinr_db > dl.sinr_db);
//! ```

use super::channel::THERMAL_NOISE_DBM_HZ;
use super::config::NrConfig;
use super::shadowing::RadioMap;
use super::Direction;
use rand::Rng;

/// Thermal noise plus a receiver's noise figure over a bandwidth (dBm).
pub fn noise_dbm(bandwidth_mhz: f64, noise_figure_db: f64) -> f64 {
    THERMAL_NOISE_DBM_HZ + 10.0 * (bandwidth_mhz * 1e6).log10() + noise_figure_db
}

/// Milliwatts of a power in dBm.
pub fn dbm_to_mw(dbm: f64) -> f64 {
    10f64.powf(dbm / 10.0)
}

/// dBm of a power in milliwatts (−∞ for 0).
pub fn mw_to_dbm(mw: f64) -> f64 {
    10.0 * mw.log10()
}

/// Both ends of the link: powers, noise figures, bandwidth, and whether
/// other cells interfere.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct RadioBudget {
    pub gnb_tx_power_dbm: f64,
    pub ue_tx_power_dbm: f64,
    pub gnb_noise_figure_db: f64,
    pub ue_noise_figure_db: f64,
    pub bandwidth_mhz: f64,
    pub interference: bool,
}

impl RadioBudget {
    /// The budget of a link configuration (its `tx_power_dbm` is the gNB's,
    /// its `noise_figure_db` the UE's).
    pub fn from_config(cfg: &NrConfig) -> RadioBudget {
        RadioBudget {
            gnb_tx_power_dbm: cfg.tx_power_dbm,
            ue_tx_power_dbm: cfg.ue_tx_power_dbm,
            gnb_noise_figure_db: cfg.gnb_noise_figure_db,
            ue_noise_figure_db: cfg.noise_figure_db,
            bandwidth_mhz: f64::from(cfg.bandwidth_mhz),
            interference: cfg.interference,
        }
    }

    /// The transmitter's power in a direction (dBm).
    pub fn tx_power_dbm(&self, dir: Direction) -> f64 {
        match dir {
            Direction::Dl => self.gnb_tx_power_dbm,
            Direction::Ul => self.ue_tx_power_dbm,
        }
    }

    /// The receiver's noise in a direction (dBm).
    pub fn noise_dbm(&self, dir: Direction) -> f64 {
        let figure = match dir {
            Direction::Dl => self.ue_noise_figure_db,
            Direction::Ul => self.gnb_noise_figure_db,
        };
        noise_dbm(self.bandwidth_mhz, figure)
    }
}

/// A signal against noise and interference, with its parts.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Sinr {
    pub signal_dbm: f64,
    pub noise_dbm: f64,
    /// The load-weighted interference `Σ load_j · I_j` (dBm; −∞ without).
    pub interference_dbm: f64,
    pub snr_db: f64,
    pub sinr_db: f64,
}

/// `S / (N + Σ load · I)`, powers in dBm and loads in [0, 1] (`interferers`
/// gives (received dBm, load) pairs).
pub fn sinr(signal_dbm: f64, noise_dbm: f64, interferers: impl IntoIterator<Item = (f64, f64)>) -> Sinr {
    let interference_mw: f64 = interferers
        .into_iter()
        .map(|(received_dbm, load)| load * dbm_to_mw(received_dbm))
        .sum();
    let noise_mw = dbm_to_mw(noise_dbm);
    Sinr {
        signal_dbm,
        noise_dbm,
        interference_dbm: mw_to_dbm(interference_mw),
        snr_db: signal_dbm - noise_dbm,
        sinr_db: signal_dbm - mw_to_dbm(noise_mw + interference_mw),
    }
}

/// A UE of another cell that interferes with the serving gNB's uplink.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct UplinkInterferer {
    /// Where it transmits from (m).
    pub at: (f64, f64),
    /// Its cell's uplink load, 0 to 1.
    pub load: f64,
}

/// The default uplink interferers: one UE at each other gNB's position,
/// with that cell's load (`loads` in the order of `gnbs`).
pub fn cell_centre_interferers(gnbs: &[(f64, f64)], serving: usize, loads: &[f64]) -> Vec<UplinkInterferer> {
    gnbs.iter()
        .zip(loads)
        .enumerate()
        .filter(|(j, _)| *j != serving)
        .map(|(_, (&at, &load))| UplinkInterferer { at, load })
        .collect()
}

impl RadioMap {
    /// The downlink SINR of a UE at `ue` served by gNB `serving`, every
    /// other gNB j interfering with `loads[j]` (`loads` has one entry per
    /// gNB; the serving gNB's is not used). `rng` as in [`RadioMap::link`] (one link per gNB, in
    /// order, under per-message shadowing).
    pub fn downlink_sinr<R: Rng + ?Sized>(
        &self,
        budget: &RadioBudget,
        ue: (f64, f64),
        serving: usize,
        loads: &[f64],
        rng: &mut R,
    ) -> Sinr {
        let power = budget.tx_power_dbm(Direction::Dl);
        let mut signal_dbm = f64::NEG_INFINITY;
        let mut received = Vec::with_capacity(self.gnbs().len());
        for (gnb, &load) in loads.iter().enumerate().take(self.gnbs().len()) {
            let at_ue = power - self.link(gnb, ue, rng).loss_db();
            if gnb == serving {
                signal_dbm = at_ue;
            } else if budget.interference {
                received.push((at_ue, load));
            }
        }
        sinr(signal_dbm, budget.noise_dbm(Direction::Dl), received)
    }

    /// The uplink SINR at gNB `serving` of a UE at `ue`, with `interferers`
    /// (e.g. [`cell_centre_interferers`]) transmitting at the UE power.
    pub fn uplink_sinr<R: Rng + ?Sized>(
        &self,
        budget: &RadioBudget,
        ue: (f64, f64),
        serving: usize,
        interferers: &[UplinkInterferer],
        rng: &mut R,
    ) -> Sinr {
        let power = budget.tx_power_dbm(Direction::Ul);
        let signal_dbm = power - self.link(serving, ue, rng).loss_db();
        let received: Vec<(f64, f64)> = if budget.interference {
            interferers
                .iter()
                .map(|i| (power - self.link(serving, i.at, rng).loss_db(), i.load))
                .collect()
        } else {
            Vec::new()
        };
        sinr(signal_dbm, budget.noise_dbm(Direction::Ul), received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;
    use crate::net::{Channel, InfScenario, Shadowing};

    /// InF-HH is LOS only, so its mean path loss is the LOS law, written out
    /// here from TR 38.901 Table 7.4.1-1: BS at 8 m, UE at 1.5 m.
    fn hh_path_loss(d2d: f64, fc_ghz: f64) -> f64 {
        let d3d = (d2d * d2d + 6.5f64 * 6.5).sqrt();
        31.84 + 21.5 * d3d.log10() + 19.0 * fc_ghz.log10()
    }

    fn budget(interference: bool) -> RadioBudget {
        RadioBudget {
            gnb_tx_power_dbm: 24.0,
            ue_tx_power_dbm: 23.0,
            gnb_noise_figure_db: 5.0,
            ue_noise_figure_db: 9.0,
            bandwidth_mhz: 100.0,
            interference,
        }
    }

    const GNBS: [(f64, f64); 3] = [(0.0, 0.0), (60.0, 0.0), (0.0, 80.0)];

    fn map() -> (RadioMap, crate::engine::StreamRng) {
        let streams = RngStreams::new(1, 0);
        let map = RadioMap::new(
            Channel::new(InfScenario::Hh, 3.5),
            &GNBS,
            Shadowing::Off,
            &streams,
        );
        (map, streams.stream("unused"))
    }

    #[test]
    fn noise_is_thermal_over_the_band_plus_the_figure() {
        let b = budget(true);
        // −174 + 80 (100 MHz) + NF.
        assert!((b.noise_dbm(Direction::Dl) - -85.0).abs() < 1e-9);
        assert!((b.noise_dbm(Direction::Ul) - -89.0).abs() < 1e-9);
        assert!((noise_dbm(20.0, 7.0) - (-174.0 + 73.010_299_956_6 + 7.0)).abs() < 1e-9);
    }

    #[test]
    fn downlink_sinr_follows_the_formula() {
        let (map, mut rng) = map();
        let ue = (18.0, 7.0);
        let loads = [0.9, 0.4, 0.75];
        let d = |g: (f64, f64)| (ue.0 - g.0).hypot(ue.1 - g.1);
        let mw = |dbm: f64| 10f64.powf(dbm / 10.0);
        let signal = 24.0 - hh_path_loss(d(GNBS[0]), 3.5);
        let interference =
            0.4 * mw(24.0 - hh_path_loss(d(GNBS[1]), 3.5)) + 0.75 * mw(24.0 - hh_path_loss(d(GNBS[2]), 3.5));
        let expected = signal - 10.0 * (mw(-85.0) + interference).log10();
        let got = map.downlink_sinr(&budget(true), ue, 0, &loads, &mut rng);
        assert!((got.sinr_db - expected).abs() < 0.01, "{got:?} vs {expected}");
        assert!((got.snr_db - (signal + 85.0)).abs() < 0.01);
        assert!((got.interference_dbm - 10.0 * interference.log10()).abs() < 0.01);
        let quiet = map.downlink_sinr(&budget(false), ue, 0, &loads, &mut rng);
        assert!((quiet.sinr_db - (signal + 85.0)).abs() < 0.01, "{quiet:?}");
        // Half-way between two gNBs with the other fully loaded, signal and
        // interference are equal: SINR = S / (N + S).
        let mid = map.downlink_sinr(&budget(true), (30.0, 0.0), 0, &[0.0, 1.0, 0.0], &mut rng);
        let s = mw(24.0 - hh_path_loss(30.0, 3.5));
        assert!(
            (mid.sinr_db - 10.0 * (s / (mw(-85.0) + s)).log10()).abs() < 0.01,
            "{mid:?}"
        );
    }

    #[test]
    fn uplink_sinr_follows_the_formula_with_cell_centre_interferers() {
        let (map, mut rng) = map();
        let ue = (10.0, 20.0);
        let loads = [0.3, 0.5, 1.0];
        let interferers = cell_centre_interferers(&GNBS, 0, &loads);
        assert_eq!(
            interferers,
            [
                UplinkInterferer {
                    at: (60.0, 0.0),
                    load: 0.5
                },
                UplinkInterferer {
                    at: (0.0, 80.0),
                    load: 1.0
                }
            ]
        );
        let mw = |dbm: f64| 10f64.powf(dbm / 10.0);
        let signal = 23.0 - hh_path_loss(10f64.hypot(20.0), 3.5);
        // The UEs at gNBs 1 and 2, 60 and 80 m from the serving gNB 0.
        let interference = 0.5 * mw(23.0 - hh_path_loss(60.0, 3.5)) + mw(23.0 - hh_path_loss(80.0, 3.5));
        let expected = signal - 10.0 * (mw(-89.0) + interference).log10();
        let got = map.uplink_sinr(&budget(true), ue, 0, &interferers, &mut rng);
        assert!((got.sinr_db - expected).abs() < 0.01, "{got:?} vs {expected}");
        let quiet = map.uplink_sinr(&budget(false), ue, 0, &interferers, &mut rng);
        assert!((quiet.sinr_db - (signal + 89.0)).abs() < 0.01, "{quiet:?}");
    }

    #[test]
    fn budget_of_a_configuration_keeps_each_end_apart() {
        let cfg = NrConfig {
            tx_power_dbm: 30.0,
            ue_tx_power_dbm: 20.0,
            gnb_noise_figure_db: 4.0,
            noise_figure_db: 10.0,
            bandwidth_mhz: 40,
            interference: false,
            ..NrConfig::default()
        };
        let b = RadioBudget::from_config(&cfg);
        assert_eq!(
            (b.tx_power_dbm(Direction::Dl), b.tx_power_dbm(Direction::Ul)),
            (30.0, 20.0)
        );
        assert!((b.noise_dbm(Direction::Dl) - noise_dbm(40.0, 10.0)).abs() < 1e-12);
        assert!((b.noise_dbm(Direction::Ul) - noise_dbm(40.0, 4.0)).abs() < 1e-12);
        assert!(!b.interference);
    }
}
