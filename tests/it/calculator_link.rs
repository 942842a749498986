//! The calculator's link budget with interfering gNBs (`factory5g latency
//! --state ... --interferer-distance ... --interferer-load ...`), against
//! the TR 38.901 InF formulas written out here, and its options' errors.

use crate::net::{binary, binary_json, library, num};
use factory5g::net::calculator::{calculate, Request};

/// TR 38.901 Table 7.4.1-1, InF LOS (every sub-scenario):
/// `PL = 31.84 + 21.50·log10(d3D) + 19.00·log10(fc)`, d3D in metres from
/// the antenna heights of Table 7.2-4 (BS 1.5 m for InF-SL/-DL, 8 m for
/// InF-SH/-DH/-HH; UE 1.5 m).
fn inf_los_path_loss(d2d: f64, h_bs: f64, fc_ghz: f64) -> f64 {
    let d3d = d2d.hypot(h_bs - 1.5).max(1.0);
    31.84 + 21.5 * d3d.log10() + 19.0 * fc_ghz.log10()
}

/// InF-SH, written out from TR 38.901: NLOS
/// `max(PL_LOS, 32.4 + 23.0·log10(d3D) + 20·log10(fc))` and the LOS
/// probability of Table 7.4.2-1, `exp(−d2D / k)` with
/// `k = −d_clutter / ln(1 − r) · (h_BS − h_UT) / (h_c − h_UT)`,
/// d_clutter 10 m, r 0.2, h_c 2 m: the mean path loss `p·LOS + (1 − p)·NLOS`.
fn inf_sh_mean_path_loss(d2d: f64, fc_ghz: f64) -> f64 {
    let d3d = d2d.hypot(6.5);
    let los = inf_los_path_loss(d2d, 8.0, fc_ghz);
    let nlos = los.max(32.4 + 23.0 * d3d.log10() + 20.0 * fc_ghz.log10());
    let k = -10.0 / 0.8f64.ln() * 6.5 / 0.5;
    let p = (-d2d / k).exp();
    p * los + (1.0 - p) * nlos
}

/// `S / (N + Σ load · I_j)` in dB, every power in dBm, summed in milliwatts.
fn sinr_formula_db(signal_dbm: f64, noise_dbm: f64, interferers_dbm: &[f64], load: f64) -> f64 {
    let mw = |dbm: f64| 10f64.powf(dbm / 10.0);
    let interference: f64 = interferers_dbm.iter().map(|&i| load * mw(i)).sum();
    signal_dbm - 10.0 * (mw(noise_dbm) + interference).log10()
}

/// A link budget to check: the channel and its BS height, the radio, and
/// where the serving and interfering gNBs stand.
struct Geometry {
    channel: &'static str,
    h_bs: f64,
    carrier_ghz: f64,
    tx_power_dbm: f64,
    bandwidth_mhz: u32,
    noise_figure_db: f64,
    distance_m: f64,
    interferers_m: &'static [f64],
}

#[test]
fn calculator_sinr_with_interferers_follows_the_formula() {
    use factory5g::net::calculator::LinkState;
    let geometries = [
        Geometry {
            channel: "InF-DH",
            h_bs: 8.0,
            carrier_ghz: 3.5,
            tx_power_dbm: 24.0,
            bandwidth_mhz: 100,
            noise_figure_db: 9.0,
            distance_m: 20.0,
            interferers_m: &[60.0, 90.0],
        },
        Geometry {
            channel: "InF-SL",
            h_bs: 1.5,
            carrier_ghz: 3.7,
            tx_power_dbm: 30.0,
            bandwidth_mhz: 40,
            noise_figure_db: 7.0,
            distance_m: 5.0,
            interferers_m: &[15.0],
        },
        Geometry {
            channel: "InF-HH",
            h_bs: 8.0,
            carrier_ghz: 28.0,
            tx_power_dbm: 24.0,
            bandwidth_mhz: 100,
            noise_figure_db: 9.0,
            distance_m: 40.0,
            interferers_m: &[40.0, 50.0, 120.0],
        },
    ];
    // 28 GHz is FR2: 120 kHz.
    let scs = |fc: f64| if fc > 7.125 { 120 } else { 30 };
    for g in geometries {
        let Geometry {
            channel,
            h_bs,
            carrier_ghz: fc,
            tx_power_dbm: power,
            bandwidth_mhz: bandwidth,
            noise_figure_db: nf,
            distance_m: d,
            interferers_m: interferers,
        } = g;
        let noise = -174.0 + 10.0 * (f64::from(bandwidth) * 1e6).log10() + nf;
        let signal = power - inf_los_path_loss(d, h_bs, fc);
        let received: Vec<f64> = interferers
            .iter()
            .map(|&di| power - inf_los_path_loss(di, h_bs, fc))
            .collect();
        for load in [0.0, 0.3, 1.0] {
            let request = Request {
                scs_khz: scs(fc),
                channel: Some(channel.into()),
                distance_m: Some(d),
                carrier_ghz: Some(fc),
                tx_power_dbm: Some(power),
                bandwidth_mhz: Some(bandwidth),
                noise_figure_db: Some(nf),
                state: Some(LinkState::Los),
                interferer_distances_m: interferers.to_vec(),
                interferer_load: Some(load),
                ..Request::default()
            };
            let link = library(request.clone())["link"].clone();
            let expected = sinr_formula_db(signal, noise, &received, load);
            let case = format!("{channel} at {d} m, interferers {interferers:?}, load {load}");
            assert!((num(&link["noise_dbm"]) - noise).abs() < 0.01, "{case}: {link}");
            assert!(
                (num(&link["snr_db"]) - (signal - noise)).abs() < 0.01,
                "{case}: {link}"
            );
            assert!((num(&link["sinr_db"]) - expected).abs() < 0.01, "{case}: {link}");
            assert!(
                (num(&link["sinr_los_db"]) - expected).abs() < 0.01,
                "{case}: {link}"
            );
            if load == 0.0 {
                assert!(link["interference_dbm"].is_null(), "{case}: {link}");
            } else {
                let sum: f64 = received.iter().map(|&i| load * 10f64.powf(i / 10.0)).sum();
                assert!(
                    (num(&link["interference_dbm"]) - 10.0 * sum.log10()).abs() < 0.01,
                    "{case}: {link}"
                );
            }
            // Link adaptation at the interfered SINR.
            assert_eq!(link["mcs"]["selected"], link["mcs"]["los"], "{case}");
            // The margin comes off the SINR after the interference, not the SNR.
            let margin = library(Request {
                interference_margin_db: Some(3.0),
                ..request
            })["link"]
                .clone();
            assert!(
                (num(&margin["sinr_db"]) - (expected - 3.0)).abs() < 0.01,
                "{case}: {margin}"
            );
            assert!(
                (num(&margin["snr_db"]) - (signal - noise)).abs() < 0.01,
                "{case}: {margin}"
            );
        }
    }
    // Without the state, the default mixed weighting, interferers included:
    // InF-SH at 25 m, interferers at 70 and 110 m, load 0.5.
    let noise = -174.0 + 80.0 + 9.0;
    let signal = 24.0 - inf_sh_mean_path_loss(25.0, 3.5);
    let received = [70.0, 110.0].map(|di| 24.0 - inf_sh_mean_path_loss(di, 3.5));
    let link = binary_json(&[
        "--channel",
        "InF-SH",
        "--distance",
        "25",
        "--interferer-distance",
        "70",
        "--interferer-distance",
        "110",
        "--interferer-load",
        "0.5",
    ])["link"]
        .clone();
    let expected = sinr_formula_db(signal, noise, &received, 0.5);
    assert_eq!(link["state"], "mixed");
    assert!((num(&link["sinr_db"]) - expected).abs() < 0.01, "{link}");
    assert!((num(&link["sinr_mixed_db"]) - expected).abs() < 0.01, "{link}");
    assert!((num(&link["snr_db"]) - (signal - noise)).abs() < 0.01, "{link}");
    assert_eq!(link["mcs"]["selected"], link["mcs"]["mean"]);
}

/// With the state left at mixed and no interferer, the link budget is the
/// one the calculator gave before interferers: the SINR at the
/// LOS-probability-weighted mean path loss, from the report's own P(LOS)
/// and path losses, to the last bit (through the library: JSON parsing may
/// round the last bit).
/// Channel, distance (m), and the tx power, bandwidth and noise figure
/// when not the defaults.
type MixedCase = (&'static str, f64, Option<f64>, Option<u32>, Option<f64>);

#[test]
fn calculator_mixed_state_without_interferers_is_unchanged() {
    // 70 MHz and a 7 dB noise figure: a noise level whose trip through
    // milliwatts and back does not return the same last bit.
    let cases: [MixedCase; 5] = [
        ("InF-DH", 50.0, None, None, None),
        ("InF-DH", 30.0, None, Some(70), Some(7.0)),
        ("InF-SH", 20.0, None, None, None),
        ("InF-SL", 0.0, Some(30.0), None, None),
        ("InF-HH", 20.0, None, Some(40), None),
    ];
    for (channel, d, power, bandwidth, noise_figure) in cases {
        let request = Request {
            channel: Some(channel.into()),
            distance_m: Some(d),
            tx_power_dbm: power,
            bandwidth_mhz: bandwidth,
            noise_figure_db: noise_figure,
            ..Request::default()
        };
        let link = calculate(&request).expect("valid").link.expect("a link budget");
        let los = link.path_loss_db.los;
        let mean = link.p_los * los + (1.0 - link.p_los) * link.path_loss_db.nlos.unwrap_or(los);
        assert_eq!(
            link.sinr_db,
            link.tx_power_dbm - mean - link.noise_dbm,
            "{link:?}"
        );
        assert_eq!(
            link.sinr_los_db,
            link.tx_power_dbm - los - link.noise_dbm,
            "{link:?}"
        );
        assert_eq!((link.sinr_mixed_db, link.snr_db), (link.sinr_db, link.sinr_db));
        assert_eq!(link.interference_dbm, None);
        assert!(link.interferers.is_empty() && link.interferer_load.is_none());
        assert_eq!(link.state.name(), "mixed");
        assert_eq!(link.mcs.selected, link.mcs.mean, "{channel}");
        // Asking for mixed is leaving it out.
        let args = ["--channel", channel, "--distance", &d.to_string()];
        let asked = binary_json(&[&args[..], &["--state", "mixed"]].concat());
        assert_eq!(asked, binary_json(&args), "{channel}");
    }
    // The NLOS state takes the NLOS law for the serving link.
    let nlos = binary_json(&["--channel", "InF-DH", "--distance", "50", "--state", "nlos"])["link"].clone();
    assert_eq!(nlos["sinr_db"], nlos["sinr_nlos_db"]);
    let pl = num(&nlos["path_loss_db"]["nlos"]);
    assert!((num(&nlos["sinr_db"]) - (24.0 - pl - num(&nlos["noise_dbm"]))).abs() < 1e-9);
}

#[test]
fn bad_interferer_options_exit_2_naming_the_option() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--distance", "10", "--interferer-load", "1.5"],
            "--interferer-load: 1.5",
        ),
        (
            &["--distance", "10", "--interferer-load", "-0.1"],
            "--interferer-load: -0.1",
        ),
        (
            &["--distance", "10", "--interferer-distance", "0"],
            "--interferer-distance: 0 m",
        ),
        (
            &["--distance", "10", "--interferer-distance", "inf"],
            "--interferer-distance: inf m",
        ),
        (
            &["--interferer-distance", "30"],
            "--interferer-distance: an interferer needs --distance",
        ),
        (
            &["--channel", "InF-HH", "--distance", "10", "--state", "nlos"],
            "--state: InF-HH",
        ),
    ];
    for (args, expected) in cases {
        let out = binary(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected),
            "{args:?}: {err}"
        );
    }
    let out = binary(&["--distance", "10", "--state", "sideways"]);
    assert_eq!(out.status.code(), Some(2));
}
