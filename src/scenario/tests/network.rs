//! `[network]` and `[[flow]]`.

use super::{errors, errors_with, messages, ok, temp_dir, MM3};
use crate::engine::SimTime;
use crate::model::{FlowKind, FlowRobots, LinkModel, Trigger};
use crate::net::{Direction, Duplex, InfScenario, Scheduler, SpecialSplit, SrPeriod, UlAccess};
use crate::scenario::{load_file, load_str};

const PLANT: &str = include_str!("../../../tests/data/network/plant.toml");

pub(super) fn ms(x: u64) -> SimTime {
    SimTime::from_nanos(x * 1_000_000)
}

/// A one-gNB NR network, to which the tests add `[network.nr]` keys.
pub(super) const NR: &str = "[network]\nmodel = \"nr\"\n[network.nr]\ngnb = [[10, 10]]\n";

/// A plant with a fleet and a layout, without network or flows, to which the
/// tests add them.
const FLOOR: &str = r#"[scenario]
horizon = "8h"
[layout]
size = [100, 50]
points = { depot = [0, 0], a = [40, 0], b = [40, 40] }
aisles = [["depot", "a"], ["a", "b"]]
[fleet]
agvs = 2
speed = "1m/s"
home = "depot"
[[station]]
name = "weld"
at = "a"
process = "1min"
robot = true
[[station]]
name = "paint"
process = "1min"
at = "b"
[[product]]
name = "p"
release = "exp(1h)"
route = ["weld", "paint"]
"#;

/// The flows of the NR plant, in the order it writes them.
const PLANT_FLOWS: [&str; 6] = [
    "agv_control",
    "weld_status",
    "dispatch",
    "segments",
    "cycle",
    "cameras",
];

fn flow_names(model: &crate::model::Model) -> Vec<&str> {
    model.flows.iter().map(|f| f.name.as_str()).collect()
}

pub(super) fn with(extra: &str) -> String {
    format!("{FLOOR}{extra}")
}

#[test]
fn nr_plant_with_every_kind_of_flow_loads() {
    let l = ok(PLANT, &[]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let m = &l.model;
    let n = &m.network;
    assert!(n.core.as_ref().unwrap().is_constant());
    assert!((n.core.as_ref().unwrap().mean_ns() - 200e3).abs() < 1e-6);
    assert!((n.edge_processing.as_ref().unwrap().mean_ns() - 200e3).abs() < 1e-6);
    let LinkModel::Nr(nr) = &n.link else {
        panic!("{:?}", n.link)
    };
    assert_eq!(nr.gnbs, [(30.0, 20.0), (90.0, 40.0)]);
    let c = nr.nr.config();
    assert_eq!(
        (c.scs_khz, c.symbols, c.capability, c.harq_max_retx),
        (30, 7, 2, 2)
    );
    assert_eq!(
        c.duplex,
        Duplex::parse("DDDSU", SpecialSplit::parse("6:4:4").unwrap()).unwrap()
    );
    assert_eq!(
        c.ul_access,
        UlAccess::GrantBased {
            sr_period: SrPeriod::Time(ms(1))
        }
    );
    assert_eq!((c.bler, c.bandwidth_mhz, c.carrier_ghz), (0.01, 40, 3.7));
    assert_eq!((c.channel, c.scheduler), (InfScenario::Sh, Scheduler::RoundRobin));
    assert_eq!(
        (c.tx_power_dbm, c.noise_figure_db, c.interference_margin_db),
        (23.0, 7.0, 3.0)
    );
    assert_eq!(flow_names(m), PLANT_FLOWS);
    let f = &m.flows;
    assert_eq!(
        (f[0].robots, f[0].direction, f[0].size_bytes),
        (FlowRobots::Agvs, Direction::Dl, 250)
    );
    assert!(matches!(
        f[0].kind,
        FlowKind::Periodic { period, deadline, survival_periods: 2, stop }
            if period == ms(20) && deadline == ms(15) && stop == SimTime::from_secs(5)
    ));
    assert_eq!(
        (f[1].robots, f[1].direction, f[1].size_bytes),
        (FlowRobots::Station(0), Direction::Ul, 100)
    );
    assert!(matches!(
        f[1].kind,
        FlowKind::Periodic { period, deadline, survival_periods: 3, stop }
            if period == ms(10) && deadline == ms(10) && stop == SimTime::from_secs(10)
    ));
    assert_eq!(f[2].size_bytes, 1500);
    assert!(matches!(
        f[2].kind,
        FlowKind::Triggered { trigger: Trigger::Dispatch, deadline: Some(d), timeout }
            if d == ms(50) && timeout == ms(200)
    ));
    assert!(matches!(
        f[3].kind,
        FlowKind::Triggered { trigger: Trigger::Segment, deadline: None, timeout } if timeout == ms(100)
    ));
    assert_eq!((f[4].robots, f[4].size_bytes), (FlowRobots::All, 2048));
    assert!(matches!(
        f[4].kind,
        FlowKind::Triggered {
            trigger: Trigger::CycleStart,
            ..
        }
    ));
    assert_eq!(f[5].direction, Direction::Ul);
    assert!(matches!(f[5].kind, FlowKind::Background { ues: 10, rate_bps } if rate_bps == 20e6));
}

#[test]
fn no_network_is_ideal_without_flows() {
    let m = ok(MM3, &[]).model;
    assert!(matches!(m.network.link, LinkModel::Ideal));
    assert!(m.network.core.is_none() && m.network.edge_processing.is_none());
    assert!(m.flows.is_empty());
    // Robot flows on an ideal network are allowed: they cost nothing.
    let l = ok(
        &with("[network]\nmodel = \"ideal\"\n[[flow]]\nname = \"c\"\nrobots = \"agvs\"\ndirection = \"dl\"\nperiod = \"10ms\"\n"),
        &[],
    );
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    assert_eq!(l.model.flows.len(), 1);
}

#[test]
fn fixed_and_empirical_models() {
    let m = ok(
        &with("[network]\nmodel = \"fixed\"\n[network.fixed]\nlatency = \"5ms\"\nloss = 1e-3\n"),
        &[],
    )
    .model;
    assert!(matches!(m.network.link, LinkModel::Fixed { latency, loss } if latency == ms(5) && loss == 1e-3));
    let m = ok(
        &with("[network]\nmodel = \"fixed\"\nfixed = { latency = \"0s\" }\n"),
        &[],
    )
    .model;
    assert!(matches!(m.network.link, LinkModel::Fixed { latency: SimTime::ZERO, loss } if loss == 0.0));

    let dir = temp_dir("net-emp");
    std::fs::write(dir.join("ul.csv"), "ms\n6ms\n7ms\n").unwrap();
    let text = with(
        "[network]\nmodel = \"empirical\"\n[network.empirical]\nul = \"empirical(ul.csv)\"\ndl = \"exp(5ms)\"\nbad_state = { enter = \"exp(10min)\", leave = \"exp(2s)\", latency = \"uniform(20ms, 80ms)\", loss = 0.2 }\n",
    );
    std::fs::write(dir.join("s.toml"), &text).unwrap();
    let m = load_file(&dir.join("s.toml"), &[])
        .unwrap_or_else(|e| panic!("{e}"))
        .model;
    let LinkModel::Empirical { ul, dl, bad_state } = &m.network.link else {
        panic!("{:?}", m.network.link)
    };
    assert!((ul.mean_ns() - 6.5e6).abs() < 1.0);
    assert!((dl.mean_ns() - 5e6).abs() < 1.0);
    let b = bad_state.as_ref().unwrap();
    assert!((b.enter.mean_ns() - 600e9).abs() < 1.0);
    assert!((b.leave.mean_ns() - 2e9).abs() < 1.0);
    assert!((b.latency.mean_ns() - 50e6).abs() < 1.0);
    assert_eq!(b.loss, 0.2);
    let e = load_str("s.toml", &text.replace("ul.csv", "none.csv"), Some(&dir), &[]).unwrap_err();
    assert!(e.0[0].message.contains("cannot read"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn set_switches_the_model_and_the_other_tables_are_warnings() {
    let l = ok(PLANT, &["network.model=fixed", "network.fixed.latency=500ms"]);
    assert!(
        matches!(l.model.network.link, LinkModel::Fixed { latency, loss } if latency == ms(500) && loss == 0.0)
    );
    let w: Vec<String> = l.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        [
            "t.toml:41:10: warning: network.nr: [network.nr] is not used with model = \"fixed\"; it is ignored (set model = \"nr\" to use it)",
            "t.toml:103:8: warning: flow.cameras: background load matters only with model = \"nr\" (it takes its share of the cells' resource blocks); with model = \"fixed\" it changes nothing",
        ],
        "{w:#?}"
    );
    // Flows reach their keys by name.
    let l = ok(
        PLANT,
        &[
            "flow.cameras.ues=20",
            "flow.agv_control.period=10ms",
            "network.nr.scs_khz=60",
            "network.nr.bandwidth_mhz=100",
        ],
    );
    let f = &l.model.flows;
    assert!(matches!(f[5].kind, FlowKind::Background { ues: 20, .. }));
    assert!(matches!(f[0].kind, FlowKind::Periodic { period, survival_periods: 5, .. } if period == ms(10)));
    let LinkModel::Nr(nr) = &l.model.network.link else {
        panic!()
    };
    assert_eq!(nr.nr.config().scs_khz, 60);
    // The model set to one whose table is missing.
    let e = errors_with(PLANT, &["network.model=empirical"]);
    assert_eq!(
        messages(&e),
        ["network.empirical: model = \"empirical\" needs a [network.empirical] table, e.g. [network.empirical] ul = \"exp(6ms)\" dl = \"exp(5ms)\""]
    );
    assert_eq!(e[0].file, "--set network.model=empirical");
}

#[test]
fn network_errors() {
    let msgs = |extra: &str| messages(&errors(&with(extra)));
    assert_eq!(
        msgs("[network]\nmodel = \"5g\"\n"),
        ["network.model: model must be \"ideal\", \"fixed\", \"empirical\" or \"nr\", found \"5g\""]
    );
    assert_eq!(
        msgs("[network]\nmodel = \"fixd\"\n"),
        ["network.model: model must be \"ideal\", \"fixed\", \"empirical\" or \"nr\", found \"fixd\"; did you mean `fixed`?"]
    );
    assert_eq!(
        msgs("[network.fixed]\nlatency = \"1ms\"\n"),
        ["network.model: missing `model`: a [network] table says which link model to use, model = \"ideal\", \"fixed\", \"empirical\" or \"nr\"; the [network.fixed] table suggests model = \"fixed\""]
    );
    assert_eq!(
        msgs("[network]\nmodel = \"fixed\"\n"),
        ["network.fixed: model = \"fixed\" needs a [network.fixed] table, e.g. [network.fixed] latency = \"5ms\""]
    );
    assert_eq!(
        msgs("[network]\nmodel = \"fixed\"\n[network.fixed]\nloss = 1.5\n"),
        [
            "network.fixed.latency: missing `latency` (the one-way delay of every message), e.g. latency = \"5ms\"",
            "network.fixed.loss: loss must be a probability from 0 to 1 (e.g. 0.001), found 1.5",
        ]
    );
    assert_eq!(
        msgs("[network]\nmodel = \"fixed\"\ncore = \"exp(0s)\"\nedge = 1\n[network.fixed]\nlatency = 5\nloss = \"1%\"\n"),
        [
            "network.core: exp(MEAN) needs a mean above 0",
            "network.edge: unknown key `edge`; allowed keys: model, core, edge_processing, fixed, empirical, nr",
            "network.fixed.latency: expected a duration string like \"30s\", found integer 5; durations need a unit in a string, e.g. \"5s\"",
            "network.fixed.loss: loss must be a number, found string \"1%\"",
        ]
    );
    assert_eq!(
        msgs("[network]\nmodel = \"empirical\"\n[network.empirical]\nul = \"5ms\"\nbad_state = { enter = \"0s\", latency = \"1ms\", loss = -0.1, lose = 1 }\n"),
        [
            "network.empirical.dl: missing `dl`, e.g. dl = \"exp(5ms)\"",
            "network.empirical.bad_state.leave: missing `leave`, e.g. leave = \"exp(2s)\"",
            "network.empirical.bad_state.enter: enter must have a mean above 0 (the time in the good state before a bad period), found \"0s\"",
            "network.empirical.bad_state.loss: loss must be a probability from 0 to 1 (e.g. 0.001), found -0.1",
            "network.empirical.bad_state.lose: unknown key `lose`; allowed keys: enter, leave, latency, loss; did you mean `loss`?",
        ]
    );
    assert_eq!(
        messages(&errors(&format!("network = 3\n{FLOOR}"))),
        ["network: network must be a table ([network] with model = \"ideal\", \"fixed\", \"empirical\" or \"nr\"), found integer 3"]
    );
    assert_eq!(
        msgs("[network]\nmodel = \"ideal\"\nnr = 3\n"),
        ["network.nr: nr must be a table ([network.nr] with gnb = [[x, y], ...]), found integer 3"]
    );
    // An unused table is a warning, whatever the model.
    let l = ok(
        &with("[network]\nmodel = \"ideal\"\n[network.fixed]\nlatency = \"1ms\"\n[network.empirical]\nul = \"1ms\"\n"),
        &[],
    );
    let w = messages(&l.warnings);
    assert_eq!(
        w,
        [
            "network.fixed: [network.fixed] is not used with model = \"ideal\"; it is ignored (set model = \"fixed\" to use it)",
            "network.empirical: [network.empirical] is not used with model = \"ideal\"; it is ignored (set model = \"empirical\" to use it)",
        ]
    );
}

#[test]
fn nr_needs_gnbs_on_a_layout() {
    let e = errors(&with("[network]\nmodel = \"nr\"\n[network.nr]\nscs_khz = 30\n"));
    assert_eq!(
        messages(&e),
        ["network.nr.gnb: missing `gnb` (where the gNBs stand, [x, y] in metres on the layout), e.g. gnb = [[20, 10], [60, 10]]"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(26), Some(10)));
    let msgs = |gnb: &str| {
        messages(&errors(&with(&format!(
            "[network]\nmodel = \"nr\"\n[network.nr]\ngnb = {gnb}\n"
        ))))
    };
    assert_eq!(
        msgs("[]"),
        ["network.nr.gnb: gnb must list at least one gNB position, e.g. gnb = [[20, 10]]"]
    );
    assert_eq!(
        msgs("[[10, 10], [150, 20], [-1, 0]]"),
        [
            "network.nr.gnb[2]: gNB at [150, 20] is outside the layout: coordinates go from 0 to the size [100, 50]",
            "network.nr.gnb[3]: gNB at [-1, 0] is outside the layout: coordinates go from 0 to the size [100, 50]",
        ]
    );
    assert_eq!(
        msgs("[10, 20]"),
        ["network.nr.gnb: gnb is a list of positions: write gnb = [[x, y]] for one gNB, e.g. gnb = [[20, 10]]"]
    );
    assert_eq!(
        msgs("[[10, \"20m\"], [1, 2, 3]]"),
        [
            "network.nr.gnb[1]: gnb[1] must be two numbers [x, y] in metres, e.g. [20, 10], found string \"20m\"; lengths are plain numbers of metres, without a unit",
            "network.nr.gnb[2]: gnb[2] must be two numbers [x, y] in metres, e.g. [20, 10], found an array of 3 values",
        ]
    );
    assert_eq!(
        msgs("\"north\""),
        ["network.nr.gnb: gnb must be an array of positions [x, y] in metres, e.g. gnb = [[20, 10], [60, 10]], found string \"north\""]
    );
    // No layout at all.
    let e = errors(&format!("{MM3}{NR}"));
    assert_eq!(
        messages(&e),
        ["network.model: model = \"nr\" needs a [layout]: each robot's SINR depends on its distance to the gNBs; add [layout] with size and points, and place the gNBs in it with gnb = [[x, y], ...]"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(18), Some(9)));
    // Stations whose robots talk over NR need a position.
    let plain = "[scenario]\nhorizon = \"8h\"\n[layout]\nsize = [10, 10]\n[[station]]\nname = \"arm\"\nprocess = \"1s\"\nrobot = true\n[[flow]]\nname = \"c\"\nrobots = \"all\"\ndirection = \"dl\"\ntrigger = \"cycle_start\"\n";
    let e = errors(&format!("{plain}{NR}"));
    assert_eq!(
        messages(&e),
        ["flow.c.robots: with model = \"nr\" a flow's robots need a position: station `arm` has no `at`; give it at = \"POINT\" (its SINR depends on where it stands)"]
    );
    // The same flows on a fixed network need no positions.
    let l = ok(plain, &["network.model=fixed", "network.fixed.latency=1ms"]);
    assert_eq!(l.model.flows.len(), 1);
}

#[test]
fn nr_warnings_about_settings_that_do_nothing() {
    let l = ok(
        &with(&format!("{NR}special_split = \"6:4:4\"\nsr_period = \"2sym\"\n")),
        &[],
    );
    assert_eq!(
        messages(&l.warnings),
        [
            "network.nr.special_split: special_split is used only by a TDD pattern with an S slot, and duplex = \"fdd\" has none; it is ignored",
            "network.nr.sr_period: sr_period is used only with ul_access = \"grant_based\"; with a configured grant the UE sends without a scheduling request, so it is ignored",
        ]
    );
    // A number of slots is a period too.
    let m = ok(
        &with(&format!("{NR}ul_access = \"grant_based\"\nsr_period = 4\n")),
        &[],
    )
    .model;
    let LinkModel::Nr(nr) = &m.network.link else {
        panic!()
    };
    assert_eq!(
        nr.nr.config().ul_access,
        UlAccess::GrantBased {
            sr_period: SrPeriod::Slots(4)
        }
    );
    assert_eq!(nr.nr.sr_period_symbols(), Some(56));
}

const FLOW: &str = "[[flow]]\nname = \"f\"\ndirection = \"dl\"\n";

#[test]
fn flow_kinds_do_not_mix() {
    let msgs = |extra: &str| messages(&errors(&with(&format!("{FLOW}{extra}"))));
    assert_eq!(
        msgs("robots = \"agvs\"\nperiod = \"10ms\"\ntrigger = \"dispatch\"\n"),
        ["flow.f.trigger: `period` and `trigger` do not go together: a flow is periodic (`period`, with `deadline`, `survival`, `on_violation`), triggered (`trigger`, with `deadline`, `timeout`) or background load (`ues`, `rate`); keep one of them"]
    );
    assert_eq!(
        msgs("period = \"10ms\"\nues = 3\nrate = \"1Mbps\"\n"),
        [
            "flow.f.ues: `period` and `ues` do not go together: a flow is periodic (`period`, with `deadline`, `survival`, `on_violation`), triggered (`trigger`, with `deadline`, `timeout`) or background load (`ues`, `rate`); keep one of them",
            "flow.f.rate: `period` and `rate` do not go together: a flow is periodic (`period`, with `deadline`, `survival`, `on_violation`), triggered (`trigger`, with `deadline`, `timeout`) or background load (`ues`, `rate`); keep one of them",
        ]
    );
    assert_eq!(
        msgs("robots = \"agvs\"\n"),
        ["flow.f: flow `f` needs `period` (a message every period), `trigger` (a message when something happens: \"dispatch\", \"segment\" or \"cycle_start\") or `rate` (background load, with `ues`)"]
    );
    assert_eq!(
        msgs("robots = \"agvs\"\ntrigger = \"dispatch\"\nsurvival = 2\non_violation = \"stop(1s)\"\n"),
        [
            "flow.f.survival: `survival` goes with `period` (periodic flows); this is a triggered flow (`trigger`): remove it",
            "flow.f.on_violation: `on_violation` goes with `period` (periodic flows); this is a triggered flow (`trigger`): remove it",
        ]
    );
    assert_eq!(
        msgs("robots = \"agvs\"\nperiod = \"10ms\"\ntimeout = \"1s\"\n"),
        ["flow.f.timeout: `timeout` goes with `trigger` (triggered flows); this is a periodic flow (`period`): remove it"]
    );
    assert_eq!(
        msgs("robots = \"agvs\"\nsize = \"1kB\"\ndeadline = \"1ms\"\nrate = \"5Mbps\"\n"),
        [
            "flow.f.robots: background load has no `robots`: it stands for `ues` other devices sharing the cells; remove `robots`, or give the flow a `period` or `trigger` instead of `ues` and `rate`",
            "flow.f.deadline: `deadline` does not apply to background load (`ues`, `rate`), which no robot waits for; remove it",
        ]
    );
    assert_eq!(
        msgs("ues = 0\n"),
        [
            "flow.f.ues: ues must be a whole number of at least 1, found 0",
            "flow.f.rate: missing `rate` (the bit rate of each UE of the background load), e.g. rate = \"20Mbps\"",
        ]
    );
}

#[test]
fn background_traffic_keys_are_checked() {
    let msgs = |extra: &str| messages(&errors(&with(&format!("{FLOW}{extra}"))));
    let bg = "rate = \"5Mbps\"\n";
    assert_eq!(
        msgs(&format!("{bg}traffic = \"vdeo\"\n")),
        ["flow.f.traffic: traffic must be \"poisson\" (packets at exponential intervals), \"video\" (frames at `fps`, split into packets) or \"fluid\" (a mean share of every slot), found \"vdeo\"; did you mean `video`?"]
    );
    assert_eq!(
        msgs(&format!("{bg}traffic = \"video\"\nfps = 0\n")),
        ["flow.f.fps: fps must be above 0 (frames per second of each UE), found 0"]
    );
    assert_eq!(
        msgs(&format!("{bg}fps = 25\n")),
        ["flow.f.fps: `fps` goes with traffic = \"video\"; this flow's traffic is \"poisson\": remove `fps` or set traffic = \"video\""]
    );
    assert_eq!(
        msgs(&format!("{bg}priority = 10\n")),
        ["flow.f.priority: priority must be a whole number of at most 9, found 10"]
    );
    assert_eq!(
        msgs("robots = \"agvs\"\ntrigger = \"dispatch\"\ntraffic = \"video\"\npriority = 0\n"),
        [
            "flow.f.traffic: `traffic` goes with background load (`ues`, `rate`); this is a triggered flow (`trigger`): remove it",
            "flow.f.priority: priority must be a whole number of at least 1, found 0",
        ]
    );
    // Defaults and a written video flow.
    let m = crate::scenario::load_str(
        "t.toml",
        &with(&format!(
            "{FLOW}{bg}traffic = \"video\"\nfps = 25\nsize = \"1000B\"\npriority = 3\n"
        )),
        None,
        &[],
    )
    .expect("valid")
    .model;
    let f = m.flows.last().unwrap();
    assert_eq!(
        (f.traffic(), f.size_bytes(), f.priority()),
        (Some(crate::net::Traffic::Video { fps: 25.0 }), 1000, 3)
    );
}

#[test]
fn flow_values_and_references() {
    let msgs = |extra: &str| messages(&errors(&with(extra)));
    assert_eq!(
        msgs("[[flow]]\nname = \"f\"\nrobots = \"wled\"\nperiod = \"0s\"\ndeadline = \"0s\"\nsurvival = -1\nsize = \"100b\"\n[[flow]]\nname = \"f\"\ndirection = \"dl\"\nrate = \"1Mbps\"\n"),
        [
            "flow.f.direction: missing `direction`: \"ul\" (robot to edge) or \"dl\" (edge to robot), e.g. direction = \"dl\"",
            "flow.f.robots: unknown station `wled`; robots must be \"agvs\", \"all\" or a station name (stations are: weld, paint); did you mean `weld`?",
            "flow.f.period: period must be longer than 0, found \"0s\"",
            "flow.f.deadline: deadline must be longer than 0, found \"0s\"",
            "flow.f.survival: survival must be a whole number of at least 0, found -1",
            "flow.f.size: unknown unit `b` in `100b`; allowed units: B, kB, KiB, MB, MiB; did you mean `B`?",
            "flow.f.name: duplicate flow name `f`; the first is at t.toml:25:8",
        ]
    );
    assert_eq!(
        msgs("[[flow]]\nname = \"f\"\nrobots = \"agvs\"\ndirection = \"up\"\nperiod = \"10ms\"\nsurvival = 1.5\non_violation = \"halt\"\nsize = 100\n[[flow]]\ndirection = \"ul\"\nrate = \"20MBps\"\n"),
        [
            "flow.f.direction: direction must be \"ul\" (robot to edge) or \"dl\" (edge to robot), found \"up\"",
            "flow.f.survival: survival must be a duration like \"30ms\" or a whole number of periods like 2, found float 1.5",
            "flow.f.on_violation: on_violation must be \"stop(DURATION)\", a protective stop of that length when messages stay invalid beyond the survival time, e.g. \"stop(10s)\"; found \"halt\"",
            "flow.f.size: expected a size string like \"100B\" or \"1.5kB\", found integer 100; sizes need a unit in a string, e.g. \"100B\"",
            "flow[2]: every flow needs a `name`, e.g. name = \"agv_control\"",
            "flow[2].rate: unknown unit `MBps` in `20MBps`; allowed units: bps, kbps, Mbps, Gbps, bit/s, kbit/s, Mbit/s, Gbit/s; did you mean `Mbps`? (rates are in bits per second: bps, kbps, Mbps, Gbps)",
        ]
    );
    // A bad duration inside stop(...) is pointed at.
    let e = errors(&with("[[flow]]\nname = \"f\"\nrobots = \"agvs\"\ndirection = \"dl\"\nperiod = \"10ms\"\non_violation = \"stop( 10 parsecs)\"\n"));
    assert_eq!(
        messages(&e),
        ["flow.f.on_violation: stop(DURATION): unknown unit `parsecs` in `10 parsecs`; allowed units: ns, us, ms, s, min, h, d"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(29), Some(23)));
    // Survival as a duration is counted in whole periods; stop(0s) is allowed.
    let m = ok(
        &with("[[flow]]\nname = \"f\"\nrobots = \"paint\"\ndirection = \"UL\"\nperiod = \"10ms\"\nsurvival = \"25ms\"\non_violation = \"stop(0s)\"\n"),
        &[],
    )
    .model;
    assert!(matches!(
        m.flows[0].kind,
        FlowKind::Periodic {
            survival_periods: 2,
            stop: SimTime::ZERO,
            ..
        }
    ));
    assert_eq!(
        (m.flows[0].robots, m.flows[0].direction),
        (FlowRobots::Station(1), Direction::Ul)
    );
    let e = errors(&with("[[flow]]\nname = \"f\"\nrobots = \"paint\"\ndirection = \"ul\"\nperiod = \"1ns\"\nsurvival = \"1h\"\n"));
    assert_eq!(
        messages(&e),
        ["flow.f.survival: survival \"1h\" is 3600000000000 periods; at most 1000000 are allowed"]
    );
}

#[test]
fn triggers_fit_their_robots() {
    let msgs = |extra: &str| messages(&errors(&with(&format!("{FLOW}{extra}"))));
    assert_eq!(
        msgs("robots = \"agvs\"\ntrigger = \"cycle-start\"\n"),
        ["flow.f.trigger: trigger must be \"dispatch\" (the fleet manager sends an AGV its task), \"segment\" (an AGV asks for each aisle segment, under zone control) or \"cycle_start\" (a station's arm gets the command to start a cycle), found \"cycle-start\"; did you mean `cycle_start`?"]
    );
    assert_eq!(
        msgs("robots = \"weld\"\ntrigger = \"dispatch\"\n"),
        ["flow.f.robots: trigger = \"dispatch\" is a message to or from an AGV: robots must be \"agvs\" or \"all\", found station `weld`"]
    );
    assert_eq!(
        msgs("robots = \"agvs\"\ntrigger = \"cycle_start\"\ntimeout = \"0s\"\n"),
        [
            "flow.f.robots: trigger = \"cycle_start\" is the command to a station's arm to start a cycle: robots must be a station name or \"all\", found \"agvs\"",
            "flow.f.timeout: timeout must be longer than 0, found \"0s\"",
        ]
    );
    // Without a fleet.
    let plain = format!("{MM3}{FLOW}");
    let e = errors(&format!("{plain}robots = \"agvs\"\ntrigger = \"segment\"\n"));
    assert_eq!(
        messages(&e),
        ["flow.f.robots: robots = \"agvs\" needs a [fleet]; the scenario has no AGVs"]
    );
    let e = errors(&format!("{plain}robots = \"all\"\ntrigger = \"dispatch\"\n"));
    assert_eq!(
        messages(&e),
        ["flow.f.trigger: trigger = \"dispatch\" is a message to or from an AGV and needs a [fleet]"]
    );
    // Segments without zone control never fire: a warning.
    let l = ok(
        &with(&format!("{FLOW}robots = \"agvs\"\ntrigger = \"segment\"\n")),
        &[],
    );
    let w: Vec<String> = l.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        w,
        ["t.toml:28:11: warning: flow.f.trigger: trigger = \"segment\" fires only under zone control, and fleet.zone_control is off: this flow never sends a message; set fleet.zone_control = true"]
    );
    let l = ok(
        &with(&format!("{FLOW}robots = \"agvs\"\ntrigger = \"segment\"\n")),
        &["fleet.zone_control=true"],
    );
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    // "all" with no robots at all.
    let l = ok(
        &format!("{plain}robots = \"all\"\ntrigger = \"cycle_start\"\n"),
        &[],
    );
    assert_eq!(
        messages(&l.warnings),
        ["flow.f.robots: robots = \"all\" but the scenario has no [fleet] and no station with robot = true: this flow has no robots"]
    );
}

#[test]
fn never_panics_on_odd_networks() {
    let odd = [
        "[network]\nmodel = 3\n[network.nr]\ngnb = [[nan, inf]]\nscs_khz = 9223372036854775807\ncarrier_ghz = nan\nbler_target = -inf",
        "[network]\nmodel = \"nr\"\n[network.nr]\ngnb = [[nan, inf], []]\nsr_period = -1\ncapability = -1\nduplex = \"\"\nspecial_split = \"255:255:255\"",
        "[network]\nmodel = \"nr\"\n[network.nr]\ngnb = [[1, 1]]\nduplex = \"SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS\"\nul_access = \"grant_based\"\nsr_period = \"640slots\"\nsymbols = 2",
        "[network]\nmodel = \"empirical\"\n[network.empirical]\nul = 1\ndl = []\nbad_state = []",
        "[[flow]]\nname = 1\nrobots = []\nperiod = \"1e300h\"\nsurvival = \"1d\"\non_violation = \"stop(\"\nsize = \"1e30B\"",
        "[[flow]]\nrate = \"nan Mbps\"\nues = -9223372036854775808\ndirection = 3\n[[flow]]\ntrigger = 7\ndeadline = \"-1s\"",
        "flow = 3\nnetwork = []",
        "[flow]\nname = \"x\"",
    ];
    for text in odd {
        let text = with(text);
        let _ = load_str("odd.toml", &text, None, &[]);
        let _ = load_str(
            "odd.toml",
            &text,
            None,
            &[
                "network.model=nr".into(),
                "network.nr.gnb=[[1, 1]]".into(),
                "flow.x.period=1ms".into(),
            ],
        );
    }
}

#[test]
fn a_variant_merges_flows_by_name_and_network_tables_by_key() {
    let dir = temp_dir("net-base");
    std::fs::write(dir.join("plant.toml"), PLANT).unwrap();
    std::fs::write(
        dir.join("tdd.toml"),
        "[scenario]\nbase = \"plant.toml\"\n[network.nr]\nduplex = \"fdd\"\nul_access = \"configured_grant\"\n[[flow]]\nname = \"agv_control\"\nperiod = \"10ms\"\n[[flow]]\nname = \"video\"\ndirection = \"ul\"\nrate = \"5Mbps\"\n",
    )
    .unwrap();
    let l = load_file(&dir.join("tdd.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    let w = messages(&l.warnings);
    assert_eq!(
        w,
        [
            "network.nr.special_split: special_split is used only by a TDD pattern with an S slot, and duplex = \"fdd\" has none; it is ignored",
            "network.nr.sr_period: sr_period is used only with ul_access = \"grant_based\"; with a configured grant the UE sends without a scheduling request, so it is ignored",
        ]
    );
    let m = &l.model;
    let LinkModel::Nr(nr) = &m.network.link else {
        panic!()
    };
    // Merged key by key: the base's other settings stay.
    let c = nr.nr.config();
    assert_eq!(
        (c.duplex.clone(), c.ul_access, c.symbols),
        (Duplex::Fdd, UlAccess::ConfiguredGrant, 7)
    );
    // The base's flows in their order, then the variant's new one.
    assert_eq!(flow_names(m), [&PLANT_FLOWS[..], &["video"]].concat());
    // The base's deadline (15 ms) and survival ("50ms": now 5 periods) stay.
    assert!(matches!(
        m.flows[0].kind,
        FlowKind::Periodic { period, deadline, survival_periods: 5, .. } if period == ms(10) && deadline == ms(15)
    ));
    assert!(matches!(m.flows[6].kind, FlowKind::Background { ues: 1, rate_bps } if rate_bps == 5e6));
    std::fs::remove_dir_all(&dir).ok();
}
