//! Every class of bad scenario input is refused with the right number of
//! errors, each at the right `line:col` with a message that says what is
//! wrong; good input (the M/M/3 example of DESIGN.md, a base variant) loads.

use factory5g::scenario::{self, Diagnostic, Diagnostics, Severity};
use std::path::{Path, PathBuf};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// A file of tests/bad/, the bad scenarios with the messages they must produce.
fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad").join(name)
}

fn bad_file(name: &str) -> Diagnostics {
    let path = bad(name);
    match scenario::load_file(&path, &[]) {
        Ok(_) => panic!("{name} loaded, but it is bad"),
        Err(e) => e,
    }
}

/// Asserts one diagnostic: error, line:col, key and a phrase of the message.
#[track_caller]
fn check(d: &Diagnostic, line_col: Option<(usize, usize)>, key: Option<&str>, phrase: &str) {
    assert_eq!(d.severity, Severity::Error, "{d}");
    assert_eq!(d.line.zip(d.col), line_col, "{d}");
    assert_eq!(d.key.as_deref(), key, "{d}");
    assert!(d.message.contains(phrase), "`{phrase}` not in: {d}");
}

#[track_caller]
fn single(name: &str) -> Diagnostic {
    let e = bad_file(name);
    assert_eq!(e.0.len(), 1, "{e}");
    let d = e.0[0].clone();
    assert!(d.file.ends_with(&format!("bad/{name}")), "{d}");
    d
}

#[test]
fn toml_syntax_error() {
    let d = single("syntax.toml");
    check(&d, Some((6, 13)), None, "TOML syntax error");
}

#[test]
fn unknown_key_lists_the_allowed_ones() {
    let d = single("unknown_key.toml");
    check(
        &d,
        Some((6, 1)),
        Some("station.weld.sevrers"),
        "unknown key `sevrers`; allowed keys: name, at, servers, process, setup, input_buffer, output_buffer, robot, failures",
    );
    assert!(d.message.ends_with("did you mean `servers`?"), "{d}");
}

#[test]
fn unknown_station_in_route() {
    let d = single("unknown_station.toml");
    check(
        &d,
        Some((19, 17)),
        Some("product.job.route[2]"),
        "unknown station `wled` in route; stations are: cut, weld, paint",
    );
}

#[test]
fn bad_unit() {
    let d = single("bad_unit.toml");
    check(
        &d,
        Some((6, 11)),
        Some("station.cell.process"),
        "unknown unit `parsecs`",
    );
}

#[test]
fn malformed_distribution() {
    let d = single("malformed_dist.toml");
    check(
        &d,
        Some((6, 11)),
        Some("station.cell.process"),
        "malformed distribution `exp(3s`",
    );
}

#[test]
fn zero_servers() {
    let d = single("zero_servers.toml");
    check(
        &d,
        Some((6, 11)),
        Some("station.cell.servers"),
        "servers must be a whole number of at least 1, found 0",
    );
}

#[test]
fn negative_buffer() {
    let d = single("negative_buffer.toml");
    check(
        &d,
        Some((7, 16)),
        Some("station.cell.input_buffer"),
        "input_buffer must be a whole number of at least 0, found -1",
    );
}

#[test]
fn warmup_not_shorter_than_horizon() {
    let d = single("warmup.toml");
    check(
        &d,
        Some((3, 10)),
        Some("scenario.warmup"),
        "warmup must be shorter than the horizon",
    );
}

#[test]
fn wrong_type() {
    let d = single("wrong_type.toml");
    check(
        &d,
        Some((6, 11)),
        Some("station.cell.servers"),
        "servers must be a whole number, found string \"three\"",
    );
}

#[test]
fn empty_file_needs_scenario_and_station() {
    // Only comments: an empty scenario. Its problems are at its first line.
    let e = bad_file("empty.toml");
    assert_eq!(e.0.len(), 2, "{e}");
    check(&e.0[0], Some((1, 1)), Some("scenario"), "missing [scenario]");
    assert!(e.0[0].message.contains("horizon"), "{e}");
    check(&e.0[1], Some((1, 1)), Some("station"), "at least one station");
    assert!(
        e.to_string()
            .lines()
            .all(|l| l.contains("bad/empty.toml:1:1: error: ")),
        "{e}"
    );
    // A file of zero bytes too.
    let e = scenario::load_str("zero.toml", "", None, &[]).unwrap_err();
    assert_eq!(e.0.len(), 2, "{e}");
    assert!(
        e.0.iter()
            .all(|d| d.to_string().starts_with("zero.toml:1:1: error: ")),
        "{e}"
    );
}

#[test]
fn missing_file_names_the_path() {
    let path = bad("does_not_exist.toml");
    let e = scenario::load_file(&path, &[]).unwrap_err();
    assert_eq!(e.0.len(), 1);
    let d = &e.0[0];
    assert_eq!(d.file, path.display().to_string());
    check(d, None, None, "cannot read scenario file");
}

#[test]
fn several_errors_are_reported_at_once() {
    let e = bad_file("many.toml");
    let expected: [((usize, usize), &str, &str); 6] = [
        (
            (3, 11),
            "scenario.horizon",
            "expected a duration string like \"30s\", found integer 8",
        ),
        ((4, 16), "scenario.replications", "at least 1, found 0"),
        ((8, 11), "station.cut.servers", "at least 1, found 0"),
        (
            (9, 12),
            "station.cut.process",
            "unknown distribution `expo`; allowed: exp(MEAN)",
        ),
        ((13, 1), "station.weld.colour", "unknown key `colour`"),
        ((19, 17), "product.job.route[2]", "unknown station `wled`"),
    ];
    assert_eq!(e.0.len(), expected.len(), "{e}");
    for (d, (pos, key, phrase)) in e.0.iter().zip(expected) {
        check(d, Some(pos), Some(key), phrase);
    }
    // One line per diagnostic, in the documented format.
    let text = e.to_string();
    assert_eq!(text.lines().count(), expected.len());
    let first = text.lines().next().unwrap_or("");
    assert!(first.ends_with("bad/many.toml:3:11: error: scenario.horizon: expected a duration string like \"30s\", found integer 8; durations need a unit in a string, e.g. \"8s\""), "{first}");
}

#[test]
fn set_override_with_unknown_path() {
    let sets = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let e = scenario::load_builtin_with("mm3", &sets(&["station.wled.servers=4"])).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    let d = &e.0[0];
    assert_eq!(d.file, "--set station.wled.servers=4");
    check(
        d,
        None,
        Some("station.wled.servers"),
        "no station named `wled`; stations are: cell",
    );

    let e = scenario::load_builtin_with("mm3", &sets(&["station.cell.sevrers=4"])).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    check(
        &e.0[0],
        None,
        Some("station.cell.sevrers"),
        "unknown key `sevrers`",
    );
    assert_eq!(e.0[0].file, "--set station.cell.sevrers=4");

    let e = scenario::load_builtin_with("mm3", &sets(&["scenari.horizon=8h"])).unwrap_err();
    check(&e.0[0], None, Some("scenari"), "unknown key `scenari`");
}

#[test]
fn base_variant_changes_one_station_by_name() {
    let base = scenario::load_file(&data("variant/plant.toml"), &[]).unwrap();
    let l = scenario::load_file(&data("variant/more_welders.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let (b, m) = (&base.model, &l.model);
    assert_eq!(m.name(), "more_welders");
    assert_eq!((m.horizon(), m.seed()), (b.horizon(), b.seed()));
    let servers = |m: &factory5g::model::Model| {
        m.stations()
            .iter()
            .map(|s| (s.name().to_string(), s.servers()))
            .collect::<Vec<_>>()
    };
    assert_eq!(servers(b), [("cut".to_string(), 2), ("weld".to_string(), 2)]);
    assert_eq!(servers(m), [("cut".to_string(), 2), ("weld".to_string(), 3)]);
    assert_eq!(
        m.stations()[1].process().mean_ns(),
        b.stations()[1].process().mean_ns()
    );
    assert_eq!(m.products().len(), 1);
    // Overrides apply over the merged scenario.
    let l = scenario::load_file(
        &data("variant/more_welders.toml"),
        &["station.weld.servers=5".into()],
    )
    .unwrap();
    assert_eq!(l.model.stations()[1].servers(), 5);
}

/// The example of DESIGN.md section 2, as written there.
const DESIGN_MM3: &str = r#"[scenario]
name = "M/M/3"
horizon = "20000h"
warmup = "500h"
seed = 11
replications = 4

[[station]]
name = "cell"
servers = 3
process = "exp(2.7h)"

[[product]]
name = "job"
release = "exp(1h)"
route = ["cell"]
"#;

#[test]
fn design_mm3_example_loads_without_warnings() {
    assert_eq!(scenario::builtin_text("mm3"), Some(DESIGN_MM3));
    let l = scenario::load_str("mm3.toml", DESIGN_MM3, None, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let m = &l.model;
    assert_eq!((m.name(), m.seed(), m.replications()), ("M/M/3", 11, 4));
    assert_eq!(m.horizon().as_hours_f64(), 20000.0);
    assert_eq!(m.warmup().as_hours_f64(), 500.0);
    assert_eq!(m.stations()[0].servers(), 3);
    assert!((m.offered_utilization()[0] - 0.9).abs() < 1e-9);
    let b = scenario::load_builtin("mm3").unwrap();
    assert!(b.warnings.is_empty());
}

mod never_panics {
    use super::DESIGN_MM3;
    use factory5g::scenario;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn on_arbitrary_text(text in "\\PC{0,300}") {
            let _ = scenario::load_str("fuzz.toml", &text, None, &[]);
        }

        #[test]
        fn on_mutated_scenarios(at in 0usize..400, insert in "[ -~\\n]{0,12}", cut in 0usize..8) {
            let mut t: Vec<char> = DESIGN_MM3.chars().collect();
            let at = at.min(t.len());
            let end = (at + cut).min(t.len());
            t.splice(at..end, insert.chars());
            let text: String = t.into_iter().collect();
            let _ = scenario::load_str("fuzz.toml", &text, None, &[]);
        }

        #[test]
        fn on_arbitrary_overrides(path in "[a-z.\"]{0,30}", value in "\\PC{0,30}") {
            let _ = scenario::load_builtin_with("mm3", &[format!("{path}={value}")]);
        }
    }
}

mod floor_and_fleet {
    use super::{check, data, single};
    use factory5g::model::{Dispatch, Release};
    use factory5g::scenario;

    #[test]
    fn unreachable_point_is_named_where_referenced() {
        let d = single("unreachable_point.toml");
        check(
            &d,
            Some((22, 6)),
            Some("station.paint.at"),
            "point `paint` cannot be reached from home `depot` over the aisles; connect it with an aisle",
        );
    }

    #[test]
    fn unknown_point_in_at() {
        let d = single("unknown_point.toml");
        check(
            &d,
            Some((10, 6)),
            Some("station.weld.at"),
            "unknown point `wled`; points are: depot, weld; did you mean `weld`?",
        );
    }

    #[test]
    fn fleet_without_layout() {
        let e = super::bad_file("fleet_without_layout.toml");
        assert_eq!(e.0.len(), 2, "{e}");
        check(&e.0[0], Some((4, 2)), Some("fleet"), "a [fleet] needs a [layout]");
        check(
            &e.0[1],
            Some((10, 8)),
            Some("station.weld"),
            "with a [fleet] every station needs `at`",
        );
    }

    #[test]
    fn station_without_at_under_a_fleet() {
        let d = single("station_without_at.toml");
        check(
            &d,
            Some((19, 8)),
            Some("station.paint"),
            "with a [fleet] every station needs `at`, the point where it stands",
        );
    }

    #[test]
    fn speed_without_unit() {
        let d = single("speed_without_unit.toml");
        check(
            &d,
            Some((10, 9)),
            Some("fleet.speed"),
            "found float 1.5; speeds need a unit in a string, e.g. \"1.5m/s\"",
        );
        // A string without a unit says the same.
        let text = std::fs::read_to_string(super::bad("speed_without_unit.toml")).unwrap();
        let e = scenario::load_str("s.toml", &text.replace("1.5\n", "\"1.5\"\n"), None, &[]).unwrap_err();
        assert_eq!(e.0.len(), 1, "{e}");
        check(&e.0[0], Some((10, 9)), Some("fleet.speed"), "`1.5` has no unit");
    }

    #[test]
    fn zone_control_without_aisles() {
        let d = single("zone_control_without_aisles.toml");
        check(
            &d,
            Some((12, 16)),
            Some("fleet.zone_control"),
            "zone_control = true needs aisles in [layout]",
        );
    }

    #[test]
    fn parts_kit_without_fleet() {
        let d = single("kit_without_fleet.toml");
        check(
            &d,
            Some((11, 38)),
            Some("product.frame.route[1].parts"),
            "parts kits are brought by AGVs; add a [fleet]",
        );
    }

    #[test]
    fn assemble_names_a_product_not_pulled() {
        let d = single("assemble_not_pull.toml");
        check(
            &d,
            Some((15, 43)),
            Some("product.truck.route[1].assemble"),
            "product `boom` cannot be assembled",
        );
        assert!(d.message.contains("release = \"pull\""), "{d}");
    }

    #[test]
    fn pull_product_never_assembled() {
        let d = single("pull_never_assembled.toml");
        check(
            &d,
            Some((19, 11)),
            Some("product.boom.release"),
            "product `boom` has release = \"pull\" but no route step assembles it",
        );
    }

    #[test]
    fn more_floor_and_pull_errors() {
        let d = single("duplicate_aisle.toml");
        check(
            &d,
            Some((7, 30)),
            Some("layout.aisles[2]"),
            "duplicate aisle between `weld` and `depot`; the first is at ",
        );
        assert!(d.message.ends_with("bad/duplicate_aisle.toml:7:11"), "{d}");
        let d = single("point_outside.toml");
        check(
            &d,
            Some((9, 8)),
            Some("layout.points.weld"),
            "point `weld` at [40, 60] is outside the layout",
        );
        let d = single("pull_chain.toml");
        check(
            &d,
            Some((17, 41)),
            Some("product.boom.route[1].assemble"),
            "`boom` is itself a sub-assembly",
        );
    }

    #[test]
    fn plant_with_floor_fleet_kits_and_assembly_loads() {
        let l = scenario::load_file(&data("fleet/plant.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let m = &l.model;
        assert_eq!(m.name(), "fleet plant");
        let layout = m.layout().expect("a layout");
        let point = |n: &str| layout.point(n).unwrap_or_else(|| panic!("no point {n}"));
        assert_eq!(layout.points().len(), 8);
        assert_eq!(layout.segments().len(), 7);
        assert!(layout.has_aisles());
        assert_eq!(
            (
                layout.points()[point("charge")].x(),
                layout.points()[point("charge")].y()
            ),
            (0.0, 10.0)
        );
        // Shortest paths over the aisles.
        assert_eq!(layout.distance(point("depot"), point("final")), 120.0);
        assert_eq!(layout.distance(point("store"), point("weld")), 60.0);
        assert_eq!(layout.distance(point("charge"), point("sub")), 80.0);
        let path = layout.path(point("store"), point("paint"));
        let names: Vec<&str> = path.points().iter().map(|&p| layout.points()[p].name()).collect();
        assert_eq!(names, ["store", "cross", "weld", "paint"]);
        assert_eq!(path.length(), 100.0);
        // Stations on their points.
        for s in m.stations() {
            assert_eq!(s.at(), Some(point(s.name())), "{}", s.name());
        }
        // The fleet.
        let f = m.fleet().expect("a fleet");
        assert_eq!(f.agvs(), 3);
        assert!((f.speed() - 1.5).abs() < 1e-12);
        assert_eq!((f.home(), f.warehouse()), (point("depot"), point("store")));
        assert_eq!((f.dispatch(), f.zone_control()), (Dispatch::Fifo, true));
        assert_eq!(f.load().mean_ns(), 30e9);
        assert!((f.unload().mean_ns() - 30e9).abs() < 1.0);
        let b = f.battery().expect("a battery");
        assert_eq!(b.runtime().as_hours_f64(), 6.0);
        assert_eq!(b.recharge().as_hours_f64(), 1.5);
        assert_eq!((b.chargers(), b.threshold()), (&[point("charge")][..], 0.25));
        // Kits and the sub-assembly.
        let (truck, boom) = (&m.products()[0], &m.products()[1]);
        assert!(matches!(truck.release(), Release::Every(_)));
        assert!(matches!(boom.release(), Release::Pull));
        let kits: Vec<bool> = truck.route().iter().map(|s| s.kit()).collect();
        assert_eq!(kits, [true, false, true]);
        assert_eq!(truck.route()[2].assemble(), vec![1, 1]);
        assert!(boom.route().iter().all(|s| !s.kit() && s.assemble().is_empty()));
        assert_eq!(m.consumer_station(1), Some(3));
        // Two booms per truck at `sub`, one truck every 20 min, 4 min each.
        let u = m.offered_utilization();
        assert!((u[2] - 0.4).abs() < 1e-9, "{u:?}");
        // Overrides reach the new keys.
        let sets: Vec<String> = [
            "fleet.agvs=40",
            "fleet.zone_control=false",
            "layout.points.weld=[50, 20]",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let l = scenario::load_file(&data("fleet/plant.toml"), &sets).unwrap_or_else(|e| panic!("{e}"));
        let f = l.model.fleet().unwrap();
        assert_eq!((f.agvs(), f.zone_control()), (40, false));
        let layout = l.model.layout().unwrap();
        let weld = layout.point("weld").unwrap();
        assert_eq!(
            (layout.points()[weld].x(), layout.points()[weld].y()),
            (50.0, 20.0)
        );
        assert_eq!(
            layout.distance(layout.point("cross").unwrap(), weld),
            1300f64.sqrt()
        );
    }
}

mod network_and_flows {
    use super::{check, data, single};
    use factory5g::engine::SimTime;
    use factory5g::model::{FlowKind, FlowRobots, LinkModel, Trigger};
    use factory5g::net::{Direction, Duplex, InfScenario, Scheduler, SpecialSplit, SrPeriod, UlAccess};
    use factory5g::scenario::{self, Diagnostic, Severity};

    fn ms(x: u64) -> SimTime {
        SimTime::from_nanos(x * 1_000_000)
    }

    fn sets(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    /// The plant of tests/data/network/plant.toml with `text` in place of
    /// `from`, loaded from text; its errors.
    fn plant_errors(from: &str, text: &str) -> Vec<Diagnostic> {
        let plant = std::fs::read_to_string(data("network/plant.toml")).unwrap();
        assert!(plant.contains(from), "{from}");
        match scenario::load_str("plant.toml", &plant.replacen(from, text, 1), None, &[]) {
            Ok(_) => panic!("loaded with {text}"),
            Err(e) => e.0,
        }
    }

    #[test]
    fn nr_plant_with_a_flow_of_every_kind_loads() {
        let l = scenario::load_file(&data("network/plant.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(l.warnings.is_empty(), "{:?}", l.warnings);
        let m = &l.model;
        assert_eq!(m.name(), "nr plant");
        let n = &m.network();
        assert_eq!(n.link().name(), "nr");
        assert_eq!(n.core().map(|d| d.mean_ns()), Some(200e3));
        assert!((n.edge_processing().as_ref().unwrap().mean_ns() - 200e3).abs() < 1e-6);
        let LinkModel::Nr(nr) = &n.link() else {
            panic!("{:?}", n.link())
        };
        assert_eq!(nr.gnbs(), [(30.0, 20.0), (90.0, 40.0)]);
        let c = nr.nr().config();
        assert_eq!(c.scs_khz, 30);
        assert_eq!(c.symbols, 7);
        let split = SpecialSplit {
            dl: 6,
            guard: 4,
            ul: 4,
        };
        assert_eq!(c.duplex, Duplex::parse("DDDSU", split).unwrap());
        assert_eq!(
            c.ul_access,
            UlAccess::GrantBased {
                sr_period: SrPeriod::Time(ms(1))
            }
        );
        assert_eq!(nr.nr().sr_period_symbols(), Some(28));
        assert_eq!((c.capability, c.harq_max_retx, c.bler), (2, 2, 0.01));
        assert_eq!(
            (c.bandwidth_mhz, c.carrier_ghz, c.channel),
            (40, 3.7, InfScenario::Sh)
        );
        assert_eq!(
            (c.tx_power_dbm, c.noise_figure_db, c.interference_margin_db),
            (23.0, 7.0, 3.0)
        );
        assert_eq!(c.scheduler, Scheduler::RoundRobin);
        assert_eq!(nr.nr().n_prb(), 106);

        let f = &m.flows();
        assert_eq!(f.len(), 6);
        let summary: Vec<(&str, FlowRobots, Direction, u32)> = f
            .iter()
            .map(|x| (x.name(), x.robots(), x.direction(), x.size_bytes()))
            .collect();
        assert_eq!(
            summary,
            [
                ("agv_control", FlowRobots::Agvs, Direction::Dl, 250),
                ("weld_status", FlowRobots::Station(0), Direction::Ul, 100),
                ("dispatch", FlowRobots::Agvs, Direction::Dl, 1500),
                ("segments", FlowRobots::Agvs, Direction::Ul, 100),
                ("cycle", FlowRobots::All, Direction::Dl, 2048),
                ("cameras", FlowRobots::All, Direction::Ul, 1500),
            ]
        );
        match *f[0].kind() {
            FlowKind::Periodic {
                period,
                deadline,
                survival_periods,
                stop,
            } => {
                assert_eq!((period, deadline, stop), (ms(20), ms(15), SimTime::from_secs(5)));
                // survival = "50ms" at a 20 ms period: two whole periods.
                assert_eq!(survival_periods, 2);
            }
            ref k => panic!("{k:?}"),
        }
        match *f[1].kind() {
            FlowKind::Periodic {
                period,
                deadline,
                survival_periods,
                stop,
            } => {
                // Defaults: deadline = period, stop(10s).
                assert_eq!((period, deadline, stop), (ms(10), ms(10), SimTime::from_secs(10)));
                assert_eq!(survival_periods, 3);
            }
            ref k => panic!("{k:?}"),
        }
        let triggered: Vec<(Trigger, Option<SimTime>, SimTime)> = f[2..5]
            .iter()
            .map(|x| match *x.kind() {
                FlowKind::Triggered {
                    trigger,
                    deadline,
                    timeout,
                } => (trigger, deadline, timeout),
                ref k => panic!("{k:?}"),
            })
            .collect();
        assert_eq!(
            triggered,
            [
                (Trigger::Dispatch, Some(ms(50)), ms(200)),
                (Trigger::Segment, None, ms(100)),
                (Trigger::CycleStart, None, ms(100)),
            ]
        );
        match *f[5].kind() {
            FlowKind::Background { ues, rate_bps } => assert_eq!((ues, rate_bps), (10, 20e6)),
            ref k => panic!("{k:?}"),
        }
    }

    #[test]
    fn set_switches_an_nr_file_to_fixed() {
        // `factory5g run plant.toml --set network.model=fixed --set
        // network.fixed.latency=500ms`: the [network.nr] table is then unused,
        // a warning, not an error.
        let l = scenario::load_file(
            &data("network/plant.toml"),
            &sets(&["network.model=fixed", "network.fixed.latency=500ms"]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        match *l.model.network().link() {
            LinkModel::Fixed { latency, loss } => assert_eq!((latency, loss), (ms(500), 0.0)),
            ref k => panic!("{k:?}"),
        }
        assert_eq!(l.model.flows().len(), 6);
        assert_eq!(l.warnings.len(), 2, "{:?}", l.warnings);
        let w = &l.warnings[0];
        assert_eq!(w.severity, Severity::Warning);
        assert!(w.file.ends_with("network/plant.toml"), "{w}");
        assert_eq!((w.line, w.col), (Some(41), Some(10)));
        assert_eq!(w.key.as_deref(), Some("network.nr"));
        assert!(
            w.message
                .starts_with("[network.nr] is not used with model = \"fixed\""),
            "{w}"
        );
        assert!(
            l.warnings[1]
                .message
                .starts_with("background load matters only with model = \"nr\""),
            "{}",
            l.warnings[1]
        );
        // Back to nr with another numerology.
        let l = scenario::load_file(
            &data("network/plant.toml"),
            &sets(&[
                "network.nr.scs_khz=60",
                "network.nr.bandwidth_mhz=100",
                "flow.cameras.ues=20",
            ]),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let LinkModel::Nr(nr) = l.model.network().link() else {
            panic!()
        };
        assert_eq!(nr.nr().config().scs_khz, 60);
        assert!(matches!(
            l.model.flows()[5].kind(),
            FlowKind::Background { ues: 20, .. }
        ));
    }

    #[test]
    fn unknown_model() {
        let d = single("network_unknown_model.toml");
        check(
            &d,
            Some((9, 9)),
            Some("network.model"),
            "model must be \"ideal\", \"fixed\", \"empirical\" or \"nr\", found \"5g\"",
        );
    }

    #[test]
    fn fixed_without_latency() {
        let d = single("fixed_without_latency.toml");
        check(
            &d,
            Some((11, 10)),
            Some("network.fixed.latency"),
            "missing `latency` (the one-way delay of every message), e.g. latency = \"5ms\"",
        );
    }

    #[test]
    fn loss_outside_zero_one() {
        let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"cell\"\nprocess = \"1min\"\n[network]\nmodel = \"fixed\"\nfixed = { latency = \"1ms\", loss = 1.5 }\n";
        let e = scenario::load_str("loss.toml", text, None, &[]).unwrap_err();
        assert_eq!(e.0.len(), 1, "{e}");
        check(
            &e.0[0],
            Some((8, 35)),
            Some("network.fixed.loss"),
            "loss must be a probability from 0 to 1 (e.g. 0.001), found 1.5",
        );
        let e = plant_errors(
            "model = \"nr\"",
            "model = \"empirical\"\nempirical = { ul = \"5ms\", dl = \"5ms\", bad_state = { enter = \"1h\", leave = \"1s\", latency = \"1s\", loss = -0.5 } }",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        check(
            &e[0],
            Some((38, 104)),
            Some("network.empirical.bad_state.loss"),
            "loss must be a probability from 0 to 1",
        );
    }

    #[test]
    fn nr_invalid_combination() {
        let d = single("nr_capability.toml");
        check(
            &d,
            Some((21, 14)),
            Some("network.nr.capability"),
            "UE capability 2 is not defined at 120 kHz (TS 38.214 gives its N1/N2 only for 15, 30 and 60 kHz); use capability 1",
        );
    }

    #[test]
    fn nr_without_gnb() {
        let e = plant_errors("gnb = [[30, 20], [90, 40]]\n", "");
        assert_eq!(e.len(), 1, "{e:?}");
        check(
            &e[0],
            Some((41, 10)),
            Some("network.nr.gnb"),
            "missing `gnb` (where the gNBs stand, [x, y] in metres on the layout)",
        );
    }

    #[test]
    fn gnb_outside_the_layout() {
        let d = single("gnb_outside.toml");
        check(
            &d,
            Some((17, 18)),
            Some("network.nr.gnb[2]"),
            "gNB at [120, 25] is outside the layout: coordinates go from 0 to the size [100, 50]",
        );
    }

    #[test]
    fn nr_without_layout() {
        let d = single("nr_without_layout.toml");
        check(
            &d,
            Some((9, 9)),
            Some("network.model"),
            "model = \"nr\" needs a [layout]: each robot's SINR depends on its distance to the gNBs",
        );
    }

    #[test]
    fn flow_with_period_and_trigger() {
        let d = single("flow_period_and_trigger.toml");
        check(
            &d,
            Some((13, 11)),
            Some("flow.arm.trigger"),
            "`period` and `trigger` do not go together: a flow is periodic (`period`, with `deadline`, `survival`, `on_violation`), triggered (`trigger`, with `deadline`, `timeout`) or background load (`ues`, `rate`); keep one of them",
        );
    }

    #[test]
    fn unknown_trigger() {
        let e = plant_errors("trigger = \"dispatch\"", "trigger = \"dispatched\"");
        assert_eq!(e.len(), 1, "{e:?}");
        check(
            &e[0],
            Some((82, 11)),
            Some("flow.dispatch.trigger"),
            "trigger must be \"dispatch\" (the fleet manager sends an AGV its task), \"segment\"",
        );
        assert!(
            e[0].message
                .ends_with("found \"dispatched\"; did you mean `dispatch`?"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn bad_size_unit() {
        let d = single("flow_size_unit.toml");
        check(
            &d,
            Some((13, 8)),
            Some("flow.arm.size"),
            "unknown unit `bytes` in `100 bytes`; allowed units: B, kB, KiB, MB, MiB",
        );
    }

    #[test]
    fn bad_rate_unit() {
        let e = plant_errors("rate = \"20Mbps\"", "rate = \"20mbit\"");
        assert_eq!(e.len(), 1, "{e:?}");
        check(
            &e[0],
            Some((103, 8)),
            Some("flow.cameras.rate"),
            "unknown unit `mbit` in `20mbit`; allowed units: bps, kbps, Mbps, Gbps, bit/s, kbit/s, Mbit/s, Gbit/s",
        );
        // A bare number says to write the unit.
        let e = plant_errors("rate = \"20Mbps\"", "rate = 20");
        check(
            &e[0],
            Some((103, 8)),
            Some("flow.cameras.rate"),
            "found integer 20; rates need a unit in a string, e.g. \"20Mbps\"",
        );
    }

    #[test]
    fn robots_naming_an_unknown_station() {
        let d = single("flow_unknown_station.toml");
        check(
            &d,
            Some((10, 10)),
            Some("flow.arm.robots"),
            "unknown station `wled`; robots must be \"agvs\", \"all\" or a station name (stations are: weld); did you mean `weld`?",
        );
    }

    #[test]
    fn segment_trigger_without_zone_control_is_a_warning() {
        let l = scenario::load_file(&data("network/plant.toml"), &sets(&["fleet.zone_control=false"]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        let w = &l.warnings[0];
        assert_eq!(w.severity, Severity::Warning);
        assert_eq!((w.line, w.col), (Some(90), Some(11)));
        assert_eq!(w.key.as_deref(), Some("flow.segments.trigger"));
        assert!(
            w.message.starts_with("trigger = \"segment\" fires only under zone control, and fleet.zone_control is off: this flow never sends a message"),
            "{w}"
        );
        assert!(matches!(
            l.model.flows()[3].kind(),
            FlowKind::Triggered {
                trigger: Trigger::Segment,
                ..
            }
        ));
    }

    #[test]
    fn on_violation_malformed() {
        let d = single("on_violation.toml");
        check(
            &d,
            Some((14, 16)),
            Some("flow.arm.on_violation"),
            "on_violation must be \"stop(DURATION)\", a protective stop of that length when messages stay invalid beyond the survival time, e.g. \"stop(10s)\"; found \"stop 10s\"",
        );
    }
}
