//! `[network.nr]`: the NR link's keys, their defaults and their errors.

use super::network::{ms, with, NR};
use super::{errors, messages, ok, pos};
use crate::engine::SimTime;
use crate::model::LinkModel;
use crate::net::{HandoverConfig, NrConfig, RlfConfig, Shadowing};

#[test]
fn nr_errors_are_at_their_keys() {
    let msgs = |extra: &str| messages(&errors(&with(&format!("{NR}{extra}"))));
    // Capability 2 at 120 kHz (in FR2, where 120 kHz is allowed).
    let e = errors(&with(&format!(
        "{NR}scs_khz = 120\ncarrier_ghz = 28\ncapability = 2\n"
    )));
    assert_eq!(
        messages(&e),
        ["network.nr.capability: UE capability 2 is not defined at 120 kHz (TS 38.214 gives its N1/N2 only for 15, 30 and 60 kHz); use capability 1"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(30), Some(14)));
    // A default that does not fit: reported at the table, saying so.
    let e = errors(&with(&format!("{NR}scs_khz = 15\nbler_target = 1\n")));
    assert_eq!(
        messages(&e),
        [
            "network.nr.bandwidth_mhz: 100 MHz is not an NR channel bandwidth at 15 kHz in FR1; allowed: 5, 10, 15, 20, 25, 30, 35, 40, 45, 50 MHz (`bandwidth_mhz` is not written: this is its default)",
            "network.nr.bler_target: a block error rate of 1 is not allowed; it must be at least 0 and below 1 (e.g. 0.1)",
        ]
    );
    assert_eq!((e[0].line, e[0].col), (Some(26), Some(10)));
    assert_eq!((e[1].line, e[1].col), (Some(29), Some(15)));
    // The frame structure's own check.
    assert_eq!(
        msgs("duplex = \"DDDD\"\n"),
        ["network.nr.duplex: the TDD DDDD pattern offers no uplink transmission of 14 symbols: a 14-symbol transmission needs 14 consecutive uplink symbols in one slot, starting at a multiple of 14; add a U slot, change the special-slot split or use a shorter mini-slot"]
    );
    // Values of the wrong shape, each at its key.
    assert_eq!(
        msgs("scs_khz = -30\nsymbols = \"14\"\nduplex = \"DXU\"\nspecial_split = \"10:2\"\nul_access = \"grant\"\nsr_period = 0\ncapability = 300\nchannel = \"InF\"\nscheduler = \"edf\"\nharq_max_retx = -1\nbandwidth = 100\n"),
        [
            "network.nr.scs_khz: scs_khz must be 15, 30, 60 or 120 (kHz), found -30",
            "network.nr.symbols: symbols must be a whole number, found string \"14\"",
            "network.nr.duplex: `DXU` is not a duplex mode: write fdd, or a TDD pattern of D, S and U slots such as DDDSU or DDDDDDDSUU",
            "network.nr.special_split: `10:2` is not a special-slot split: write downlink:guard:uplink symbols summing to 14, e.g. 10:2:2 or 6:4:4",
            "network.nr.ul_access: ul_access must be \"configured_grant\" or \"grant_based\", found \"grant\"",
            "network.nr.sr_period: sr_period must be a number of slots of at least 1, found 0",
            "network.nr.capability: capability must be 1 or 2, found 300",
            "network.nr.channel: `InF` is not an indoor-factory channel; allowed: InF-SL, InF-DL, InF-SH, InF-DH, InF-HH",
            "network.nr.scheduler: `edf` is not a scheduler; allowed: fifo, round_robin, pf",
            "network.nr.harq_max_retx: harq_max_retx must be a whole number of retransmissions from 0 to 32, found -1",
            "network.nr.bandwidth: unknown key `bandwidth`; allowed keys: scs_khz, symbols, duplex, special_split, ul_access, sr_period, capability, harq_max_retx, coreset_symbols, discard_timer, bler_target, bandwidth_mhz, carrier_ghz, channel, gnb, tx_power_dbm, noise_figure_db, interference_margin_db, scheduler, shadowing, gnb_tx_power_dbm, ue_tx_power_dbm, gnb_noise_figure_db, ue_noise_figure_db, interference, bler, handover, rlf, stack_delay",
        ]
    );
    // Every value checked by the radio at once.
    assert_eq!(
        msgs("scs_khz = 45\nsymbols = 5\ncarrier_ghz = 100\ntx_power_dbm = 99\nul_access = \"grant_based\"\nsr_period = \"3slots\"\n"),
        [
            "network.nr.scs_khz: 45 kHz is not an NR subcarrier spacing for data; allowed: 15, 30, 60, 120",
            "network.nr.symbols: a transmission of 5 symbols is not defined; allowed: 14 (a slot) or a mini-slot of 7, 4 or 2",
            "network.nr.carrier_ghz: 100 GHz is outside NR's frequency ranges; allowed: 0.5-7.125 GHz (FR1) or 24.25-71 GHz (FR2)",
            "network.nr.tx_power_dbm: 99 dBm is not a plausible transmit power; allowed: -40 to 70 dBm",
        ]
    );
    assert_eq!(
        msgs("ul_access = \"grant_based\"\nsr_period = \"3slots\"\n"),
        ["network.nr.sr_period: 3 slots is not an SR periodicity at 30 kHz; allowed: 2 or 7 symbols, or 1, 2, 4, 5, 8, 10, 16, 20, 40, 80, 160 slots"]
    );
}

/// The `[network.nr]` configuration of the floor with `extra` keys.
fn nr_config(extra: &str) -> NrConfig {
    let l = ok(&with(&format!("{NR}{extra}")), &[]);
    let LinkModel::Nr(nr) = &l.model.network.link else {
        panic!("{:?}", l.model.network.link)
    };
    nr.nr.config().clone()
}

#[test]
fn channel_with_memory_keys_are_read_with_their_defaults() {
    assert_eq!(nr_config("").shadowing, Shadowing::Consistent);
    assert_eq!(
        nr_config("shadowing = \"per_message\"\n").shadowing,
        Shadowing::PerMessage
    );
    assert_eq!(nr_config("shadowing = \"off\"\n").shadowing, Shadowing::Off);
    let e = errors(&with(&format!("{NR}shadowing = \"sometimes\"\n")));
    assert_eq!(
        messages(&e),
        ["network.nr.shadowing: `sometimes` is not a shadowing mode; allowed: consistent, per_message, off"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(28), Some(13)));
    // A fixed BLER beside the target.
    assert_eq!(nr_config("").bler_override, None);
    let c = nr_config("bler_target = 1e-5\nbler = 0.02\n");
    assert_eq!((c.bler, c.bler_override), (1e-5, Some(0.02)));
    let e = errors(&with(&format!("{NR}bler = 1.5\n")));
    assert_eq!(
        messages(&e),
        ["network.nr.bler: a block error rate of 1.5 is not allowed; it must be at least 0 and below 1 (e.g. 0.1)"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(28), Some(8)));
}

#[test]
fn powers_and_noise_figures_of_each_end() {
    let ends = |extra: &str| {
        let c = nr_config(extra);
        (
            c.tx_power_dbm,
            c.ue_tx_power_dbm,
            c.noise_figure_db,
            c.gnb_noise_figure_db,
            c.interference,
        )
    };
    assert_eq!(ends(""), (24.0, 23.0, 9.0, 5.0, true));
    assert_eq!(
        ends("gnb_tx_power_dbm = 30\nue_tx_power_dbm = 20\nue_noise_figure_db = 7\ngnb_noise_figure_db = 3\ninterference = false\n"),
        (30.0, 20.0, 7.0, 3.0, false)
    );
    // The first stage's names still work.
    let c = nr_config("tx_power_dbm = 27\nnoise_figure_db = 8\n");
    assert_eq!((c.tx_power_dbm, c.noise_figure_db), (27.0, 8.0));
    let e = errors(&with(&format!(
        "{NR}gnb_tx_power_dbm = 30\ntx_power_dbm = 27\nue_noise_figure_db = 7\nnoise_figure_db = 8\n"
    )));
    assert_eq!(
        messages(&e),
        [
            "network.nr.tx_power_dbm: `tx_power_dbm` is another name for `gnb_tx_power_dbm`, which is written too; keep one",
            "network.nr.noise_figure_db: `noise_figure_db` is another name for `ue_noise_figure_db`, which is written too; keep one",
        ]
    );
    assert_eq!((e[0].line, e[0].col), (Some(29), Some(16)));
    let e = errors(&with(&format!(
        "{NR}gnb_tx_power_dbm = 99\nue_tx_power_dbm = -50\ngnb_noise_figure_db = 31\ninterference = \"yes\"\n"
    )));
    assert_eq!(
        messages(&e),
        ["network.nr.interference: interference must be true or false, found string \"yes\"",]
    );
    let e = errors(&with(&format!(
        "{NR}gnb_tx_power_dbm = 99\nue_tx_power_dbm = -50\ngnb_noise_figure_db = 31\n"
    )));
    assert_eq!(
        messages(&e),
        [
            "network.nr.gnb_tx_power_dbm: 99 dBm is not a plausible transmit power; allowed: -40 to 70 dBm",
            "network.nr.ue_tx_power_dbm: -50 dBm is not a plausible transmit power; allowed: -40 to 70 dBm",
            "network.nr.gnb_noise_figure_db: a noise figure of 31 dB is not allowed; allowed: 0 to 30 dB",
        ]
    );
    assert_eq!((e[1].line, e[1].col), (Some(29), Some(19)));
}

#[test]
fn handover_and_radio_link_failure_settings() {
    let c = nr_config("");
    assert_eq!(
        (c.handover, c.rlf),
        (HandoverConfig::default(), RlfConfig::default())
    );
    let c = nr_config(
        "handover = { hysteresis_db = 1.5, time_to_trigger = \"160ms\", interruption = \"30ms\" }\nrlf = { q_out_db = -7, t310 = \"2s\", reestablishment = \"0.5s\" }\n",
    );
    assert_eq!(
        c.handover,
        HandoverConfig {
            hysteresis_db: 1.5,
            time_to_trigger: ms(160),
            interruption: ms(30)
        }
    );
    // Q_in keeps its 2 dB above a Q_out that is written alone.
    assert_eq!(
        c.rlf,
        RlfConfig {
            q_out_db: -7.0,
            q_in_db: -5.0,
            t310: ms(2000),
            reestablishment: ms(500)
        }
    );
    // As a sub-table too.
    let c = nr_config("[network.nr.handover]\ntime_to_trigger = \"0ms\"\n");
    assert_eq!(c.handover.time_to_trigger, SimTime::ZERO);
    let e = errors(&with(&format!(
        "{NR}handover = {{ hysteresis_db = 2.2, time_to_trigger = \"250ms\" }}\nrlf = {{ t310 = \"300ms\", q_in_db = -9 }}\n"
    )));
    assert_eq!(
        messages(&e),
        [
            "network.nr.handover.hysteresis_db: a hysteresis of 2.2 dB is not a TS 38.331 value; allowed: 0 to 15 dB in steps of 0.5 dB",
            "network.nr.handover.time_to_trigger: 250ms is not a TS 38.331 time-to-trigger; allowed: 0ms, 40ms, 64ms, 80ms, 100ms, 128ms, 160ms, 256ms, 320ms, 480ms, 512ms, 640ms, 1024ms, 1280ms, 2560ms, 5120ms",
            "network.nr.rlf.t310: 300ms is not a TS 38.331 T310 value; allowed: 0ms, 50ms, 100ms, 200ms, 500ms, 1000ms, 2000ms, 4000ms, 6000ms",
            "network.nr.rlf.q_in_db: Q_in must be from Q_out (-8 dB) to 10 dB above it (e.g. 2 dB above), found -9 dB",
        ]
    );
    assert_eq!((e[1].line, e[1].col), (Some(28), Some(53)));
    assert_eq!(
        messages(&errors(&with(&format!("{NR}handover = 3\nrlf = {{ t311 = \"1s\" }}\n")))),
        [
            "network.nr.handover: handover must be a table like { hysteresis_db = 3, time_to_trigger = \"256ms\", interruption = \"50ms\" }, found integer 3",
            "network.nr.rlf.t311: unknown key `t311`; allowed keys: q_out_db, q_in_db, t310, reestablishment; did you mean `t310`?",
        ]
    );
}

#[test]
fn stack_delays_are_read_per_end_and_checked_where_written() {
    let stack = |extra: &str| {
        let l = ok(&with(&format!("{NR}{extra}")), &[]);
        let LinkModel::Nr(nr) = &l.model.network.link else {
            panic!("{:?}", l.model.network.link)
        };
        let (ue, gnb) = nr.stack_delay();
        (ue.map(|d| d.mean_ns()), gnb.map(|d| d.mean_ns()))
    };
    assert_eq!(stack(""), (None, None));
    assert_eq!(
        stack("stack_delay = { ue = \"uniform(0.5ms, 2ms)\", gnb = \"1ms\" }\n"),
        (Some(1.25e6), Some(1e6))
    );
    // As a sub-table, one end alone.
    assert_eq!(
        stack("[network.nr.stack_delay]\ngnb = \"2ms\"\n"),
        (None, Some(2e6))
    );
    let e = errors(&with(&format!(
        "{NR}stack_delay = {{ ue = \"uniform(2ms, 1ms)\", gnb = \"fast\", radio = \"1ms\" }}\n"
    )));
    let m = messages(&e);
    assert_eq!(m.len(), 3, "{m:?}");
    assert_eq!(m[0], "network.nr.stack_delay.ue: uniform(A, B) needs A <= B");
    assert!(
        m[1].starts_with("network.nr.stack_delay.gnb: unknown distribution `fast`"),
        "{m:?}"
    );
    assert!(
        m[2].starts_with("network.nr.stack_delay.radio: unknown key `radio`; allowed keys: ue, gnb"),
        "{m:?}"
    );
    assert_eq!(pos(&e[0]), (Some(28), Some(22)));
    assert_eq!(
        messages(&errors(&with(&format!("{NR}stack_delay = \"1ms\"\n")))),
        ["network.nr.stack_delay: stack_delay must be a table like { ue = \"uniform(0.5ms, 2ms)\", gnb = \"1ms\" }, found string \"1ms\""]
    );
}
