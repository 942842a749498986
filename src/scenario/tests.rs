//! Unit tests of the loader as a whole (the parts have their own).

use super::*;
use crate::engine::SimTime;
use crate::model::FailureBasis;

const MM3: &str = include_str!("../../scenarios/mm3.toml");

fn errors(text: &str) -> Vec<Diagnostic> {
    errors_with(text, &[])
}

fn errors_with(text: &str, sets: &[&str]) -> Vec<Diagnostic> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    match load_str("t.toml", text, None, &sets) {
        Ok(l) => panic!("expected errors, loaded {:?}", l.model.name),
        Err(d) => d.0,
    }
}

fn ok(text: &str, sets: &[&str]) -> Loaded {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_str("t.toml", text, None, &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn pos(d: &Diagnostic) -> (Option<usize>, Option<usize>) {
    (d.line, d.col)
}

#[test]
fn mm3_loads_as_written() {
    let l = load_builtin("mm3").unwrap();
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let m = &l.model;
    assert_eq!(m.name, "M/M/3");
    assert_eq!(m.horizon, SimTime::parse_duration("20000h").unwrap());
    assert_eq!(m.warmup, SimTime::parse_duration("500h").unwrap());
    assert_eq!((m.seed, m.replications), (11, 4));
    assert_eq!(m.stations.len(), 1);
    let s = &m.stations[0];
    assert_eq!((s.name.as_str(), s.servers), ("cell", 3));
    assert!((s.process.mean_ns() - 2.7 * 3.6e12).abs() < 1.0);
    assert_eq!((s.input_buffer, s.output_buffer, s.robot), (None, 0, false));
    assert!(s.setup.is_none() && s.failures.is_none());
    assert_eq!(m.products.len(), 1);
    assert_eq!(m.products[0].route.len(), 1);
    assert_eq!(m.products[0].route[0].station, 0);
    assert!((m.offered_utilization()[0] - 0.9).abs() < 1e-9);
}

#[test]
fn every_builtin_loads() {
    for name in builtin_names() {
        assert!(builtin_text(name).is_some());
        if let Err(e) = load_builtin(name) {
            panic!("{name}: {e}");
        }
    }
    assert!(builtin_names().contains(&DEFAULT_SCENARIO));
    let e = load_builtin("nope").unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert!(e
        .to_string()
        .starts_with("builtin:nope: error: unknown built-in scenario `nope`"));
}

#[test]
fn defaults_apply() {
    let l = ok("[scenario]\nhorizon = \"1h\"\n[[station]]\nname = \"a\"\nprocess = \"1s\"\nfailures = { mtbf = \"exp(1h)\", mttr = \"5min\" }\n", &[]);
    let m = &l.model;
    assert_eq!(m.name, "t");
    assert_eq!((m.warmup, m.seed, m.replications), (SimTime::ZERO, 1, 1));
    let s = &m.stations[0];
    assert_eq!(
        (s.servers, s.input_buffer, s.output_buffer, s.robot),
        (1, None, 0, false)
    );
    let f = s.failures.as_ref().unwrap();
    assert_eq!((f.crew, f.basis), (None, FailureBasis::Calendar));
    // No products: a model of failures only, and no warning since it fails.
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn full_station_with_crew_and_step_override() {
    let text = r#"
[scenario]
horizon = "8h"
[[crew]]
name = "fitters"
size = 2
[[station]]
name = "weld"
servers = 2
process = "tri(1min, 2min, 4min)"
setup = "30s"
input_buffer = 5
output_buffer = 1
robot = true
failures = { mtbf = "weibull(1.5, 8h)", mttr = "lognormal(20min, 5min)", crew = "fitters", basis = "busy" }
[[product]]
name = "truck"
release = "exp(10min)"
route = [{ station = "weld", process = "const(3min)" }, "weld"]
"#;
    let m = ok(text, &[]).model;
    let s = &m.stations[0];
    assert_eq!(
        (s.servers, s.input_buffer, s.output_buffer, s.robot),
        (2, Some(5), 1, true)
    );
    assert!(s.setup.as_ref().unwrap().is_constant());
    let f = s.failures.as_ref().unwrap();
    assert_eq!((f.crew, f.basis), (Some(0), FailureBasis::Busy));
    assert_eq!(m.crews[0].size, 2);
    let r = &m.products[0].route;
    assert!(r[0].process.as_ref().unwrap().is_constant() && r[1].process.is_none());
}

#[test]
fn spans_map_to_line_and_column() {
    let text =
        "[scenario]\nhorizon = \"8h\"\n\n[[station]]\nname = \"a\"\nservers = 0\nprocess = \"exp(3s\"\n";
    let e = errors(text);
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(pos(&e[0]), (Some(6), Some(11)));
    assert_eq!(e[0].key.as_deref(), Some("station.a.servers"));
    assert_eq!(
        e[0].message,
        "servers must be a whole number of at least 1, found 0"
    );
    // A string's position is its opening quote.
    assert_eq!(pos(&e[1]), (Some(7), Some(11)));
    assert_eq!(
        e[0].to_string(),
        "t.toml:6:11: error: station.a.servers: servers must be a whole number of at least 1, found 0"
    );
}

#[test]
fn columns_count_characters() {
    let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"ß\"; servers = 0\n";
    // Not valid TOML (`;`): the column is counted in characters.
    let e = errors(text);
    assert_eq!(e.len(), 1);
    assert_eq!(pos(&e[0]), (Some(4), Some(11)));
    assert!(e[0].message.starts_with("TOML syntax error"), "{}", e[0].message);
}

#[test]
fn errors_inside_a_distribution_point_at_the_argument() {
    let text =
        "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"a\"\nprocess = \"uniform(1s, 3parsecs)\"\n";
    let e = errors(text);
    assert_eq!(e.len(), 1);
    assert_eq!(pos(&e[0]), (Some(5), Some(24)));
    assert!(
        e[0].message.contains("unknown unit `parsecs`"),
        "{}",
        e[0].message
    );
}

#[test]
fn set_overrides_values_of_every_type() {
    let l = ok(
        MM3,
        &[
            "scenario.horizon=8h",
            "scenario.warmup=1h",
            "scenario.seed=42",
            "station.cell.servers=4",
            "station.cell.process=exp(2h)",
            "station.cell.robot=true",
            "station.cell.failures={ mtbf = \"exp(10h)\", mttr = \"1h\" }",
            "product.job.release = \"exp(2h)\"",
        ],
    );
    let m = &l.model;
    assert_eq!(m.horizon, SimTime::parse_duration("8h").unwrap());
    assert_eq!(m.seed, 42);
    let s = &m.stations[0];
    assert_eq!((s.servers, s.robot), (4, true));
    assert!((s.process.mean_ns() - 7.2e12).abs() < 1.0);
    assert!(s.failures.is_some());
    let release = m.products[0].release.interarrival().unwrap();
    assert!((release.mean_ns() - 7.2e12).abs() < 1.0);
}

#[test]
fn set_errors_name_the_override() {
    let e = errors_with(
        MM3,
        &[
            "station.wled.servers=4",
            "scenario.seed",
            "station.cell.sevrers=2",
        ],
    );
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(
        e[0].to_string(),
        "--set station.wled.servers=4: error: station.wled.servers: no station named `wled`; stations are: cell"
    );
    assert_eq!(e[1].file, "--set scenario.seed");
    assert!(e[1].message.starts_with("expected PATH=VALUE"));
    // The typo in the third override is found by validation, at the override.
    let e = errors_with(MM3, &["station.cell.sevrers=2"]);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].file, "--set station.cell.sevrers=2");
    assert_eq!(e[0].line, None);
    assert!(e[0]
        .message
        .starts_with("unknown key `sevrers`; allowed keys: name, at, servers"));
    // Bad values given with --set are validated like the file's.
    let e = errors_with(MM3, &["station.cell.servers=0"]);
    assert_eq!(e[0].file, "--set station.cell.servers=0");
    assert_eq!(
        e[0].message,
        "servers must be a whole number of at least 1, found 0"
    );
}

#[test]
fn set_cannot_change_base_or_names() {
    let e = errors_with(MM3, &["scenario.base=mm3", "station.cell.name=x", "=3", "a..b=1"]);
    assert_eq!(e.len(), 4, "{e:?}");
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("f5g-scn-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn base_files_merge_by_name() {
    let dir = temp_dir("base");
    std::fs::write(
        dir.join("plant.toml"),
        "[scenario]\nname = \"plant\"\nhorizon = \"8h\"\nseed = 3\n[[station]]\nname = \"a\"\nprocess = \"1s\"\n[[station]]\nname = \"b\"\nprocess = \"2s\"\n[[product]]\nname = \"p\"\nrelease = \"exp(10s)\"\nroute = [\"a\", \"b\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("variant.toml"),
        "[scenario]\nbase = \"plant.toml\"\nseed = 4\n[[station]]\nname = \"b\"\nservers = 3\n[[station]]\nname = \"c\"\nprocess = \"1s\"\nfailures = { mtbf = \"exp(1h)\", mttr = \"1min\" }\n",
    )
    .unwrap();
    let l = load_file(&dir.join("variant.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    let m = &l.model;
    assert_eq!(m.name, "variant");
    assert_eq!(m.seed, 4);
    assert_eq!(m.horizon, SimTime::from_secs(8 * 3600));
    let names: Vec<&str> = m.stations.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(m.stations[1].servers, 3);
    assert!((m.stations[1].process.mean_ns() - 2e9).abs() < 1.0);

    // An error in the base is reported in the base file.
    std::fs::write(
        dir.join("broken.toml"),
        "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"a\"\nservers = -1\nprocess = \"1s\"\n",
    )
    .unwrap();
    let e = load_str("v.toml", "[scenario]\nbase = \"broken.toml\"\n", Some(&dir), &[]).unwrap_err();
    assert_eq!(e.0.len(), 1);
    assert!(e.0[0].file.ends_with("broken.toml"), "{e}");
    assert_eq!((e.0[0].line, e.0[0].col), (Some(5), Some(11)));

    // Cycles are refused.
    std::fs::write(dir.join("x.toml"), "[scenario]\nbase = \"y.toml\"\n").unwrap();
    std::fs::write(dir.join("y.toml"), "[scenario]\nbase = \"x.toml\"\n").unwrap();
    let e = load_file(&dir.join("x.toml"), &[]).unwrap_err();
    assert_eq!(e.0.len(), 1, "{e}");
    assert!(e.0[0].message.contains("each other's base"), "{e}");
    let e = load_str("v.toml", "[scenario]\nbase = \"missing.toml\"\n", Some(&dir), &[]).unwrap_err();
    assert!(e.0[0].message.starts_with("cannot read base scenario"), "{e}");
    assert_eq!((e.0[0].line, e.0[0].col), (Some(2), Some(8)));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn builtin_base_by_name() {
    let l = ok(
        "[scenario]\nbase = \"mm3\"\n[[station]]\nname = \"cell\"\nservers = 4\n",
        &[],
    );
    assert_eq!(l.model.name, "t");
    assert_eq!(l.model.stations[0].servers, 4);
    assert_eq!(l.model.replications, 4);
}

#[test]
fn empirical_paths_are_relative_to_the_file() {
    let dir = temp_dir("emp");
    std::fs::write(dir.join("t.csv"), "seconds\n1\n2\n3\n").unwrap();
    let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"a\"\nprocess = \"empirical(t.csv)\"\n";
    std::fs::write(dir.join("s.toml"), text).unwrap();
    let l = load_file(&dir.join("s.toml"), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!((l.model.stations[0].process.mean_ns() - 2e9).abs() < 1.0);
    let e = load_str("s.toml", &text.replace("t.csv", "u.csv"), Some(&dir), &[]).unwrap_err();
    assert!(e.0[0].message.contains("cannot read"), "{e}");
    assert_eq!((e.0[0].line, e.0[0].col), (Some(5), Some(22)));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn network_and_flow_are_read_not_refused() {
    // Once refused as "not supported yet" (see raw.rs for the mechanism);
    // now their content is checked.
    let text = "[scenario]\nhorizon = \"8h\"\n[network]\nmodel = \"ideal\"\n[[station]]\nname = \"a\"\nprocess = \"1s\"\n[[flow]]\nname = \"f\"\n";
    let e = errors(text);
    let msgs = messages(&e);
    assert_eq!(e.len(), 2, "{msgs:#?}");
    assert!(
        msgs[0].starts_with("flow.f.direction: missing `direction`"),
        "{msgs:#?}"
    );
    assert!(
        msgs[1].starts_with("flow.f: flow `f` needs `period`"),
        "{msgs:#?}"
    );
    assert!(msgs.iter().all(|m| !m.contains("not supported yet")), "{msgs:#?}");
}

#[test]
fn warns_about_unstable_and_idle_stations() {
    let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"a\"\nprocess = \"exp(2h)\"\n[[station]]\nname = \"idle\"\nprocess = \"1s\"\n[[product]]\nname = \"p\"\nrelease = \"exp(1h)\"\nroute = [\"a\"]\n";
    let l = ok(text, &[]);
    assert_eq!(l.warnings.len(), 2, "{:?}", l.warnings);
    assert_eq!(
        l.warnings[0].to_string(),
        "t.toml:4:8: warning: station.a: unstable: offered utilization 2.00 ≥ 1 at station `a`; queues will grow without bound"
    );
    assert!(l.warnings[1].message.contains("not in any route"));
}

#[test]
fn type_errors_describe_what_was_found() {
    let text = "[scenario]\nhorizon = 30\nseed = 1.5\nname = 3\n[station]\nname = \"a\"\n";
    let e = errors(text);
    let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "expected a duration string like \"30s\", found integer 30; durations need a unit in a string, e.g. \"30s\"",
            "seed must be a whole number, found float 1.5",
            "name must be a string, found integer 3",
            "write [[station]] (double brackets) for each station: `station` must be an array of tables, found a single table",
        ]
    );
}

#[test]
fn tables_of_the_wrong_type_say_how_to_write_them() {
    let e = errors("scenario = 3\n");
    assert_eq!(
        messages(&e),
        [
            "station: no [[station]] in the scenario; at least one station is needed, e.g. [[station]] name = \"cell\" process = \"exp(5min)\"",
            "scenario: scenario must be a table ([scenario]), found integer 3",
        ]
    );
    let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"cell\"\nprocess = \"1s\"\nfailures = 3\n[fleet]\nbattery = \"full\"\n[network]\nmodel = \"empirical\"\n[network.empirical]\nul = \"1ms\"\ndl = \"1ms\"\nbad_state = [1]\n";
    let e = errors(text);
    let msgs = messages(&e);
    for expected in [
        "station.cell.failures: failures must be a table like { mtbf = \"exp(8h)\", mttr = \"exp(20min)\" }, found integer 3",
        "fleet.battery: battery must be a table like { runtime = \"8h\", recharge = \"2h\", chargers = [\"charge\"] }, found string \"full\"",
        "network.empirical.bad_state: bad_state must be a table like { enter = \"exp(10min)\", leave = \"exp(2s)\", latency = \"exp(50ms)\", loss = 0.1 }, found an array",
    ] {
        assert!(msgs.iter().any(|m| m == expected), "{expected}\nnot in {msgs:#?}");
    }
}

#[test]
fn duplicate_names_point_to_the_first() {
    let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"a\"\nprocess = \"1s\"\n[[station]]\nname = \"a\"\nprocess = \"1s\"\n";
    let e = errors(text);
    assert_eq!(e.len(), 1);
    assert_eq!(
        e[0].message,
        "duplicate station name `a`; the first is at t.toml:4:8"
    );
    assert_eq!(pos(&e[0]), (Some(7), Some(8)));
}

#[test]
fn references_are_checked() {
    let text = r#"[scenario]
horizon = "8h"
[[crew]]
name = "fitters"
[[station]]
name = "cut"
process = "1s"
failures = { mtbf = "0s", mttr = "1s", crew = "fiters", basis = "sometimes" }
[[product]]
name = "p"
release = "exp(1h)"
route = ["cut", { station = "wled" }, 3]
"#;
    let e = errors(text);
    let msgs: Vec<String> = e
        .iter()
        .map(|d| format!("{}: {}", d.key.as_deref().unwrap_or(""), d.message))
        .collect();
    assert_eq!(e.len(), 5, "{msgs:#?}");
    assert!(msgs[0].starts_with("station.cut.failures.mtbf: mtbf must have a mean above 0"));
    assert_eq!(
        msgs[1],
        "station.cut.failures.crew: unknown crew `fiters`; crews are: fitters; did you mean `fitters`?"
    );
    assert!(msgs[2].starts_with("station.cut.failures.basis: basis must be \"calendar\" or \"busy\""));
    assert_eq!(
        msgs[3],
        "product.p.route[2].station: unknown station `wled` in route; stations are: cut"
    );
    assert!(msgs[4].starts_with("product.p.route[3]: a route step must be a station name or a table"));
}

#[test]
fn never_panics_on_odd_inputs() {
    let odd = [
        "",
        "\u{feff}",
        "[[scenario]]\nhorizon = \"8h\"",
        "scenario = 3\nstation = 4\nproduct = [1, 2]\ncrew = \"x\"",
        "[scenario]\nhorizon = \"1e300h\"\nwarmup = \"-1s\"\nreplications = 99999999999\nseed = -9223372036854775808",
        "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"\"\nservers = 9223372036854775807\nprocess = \"erlang(99999999999, 1s)\"\ninput_buffer = -9223372036854775808",
        "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"a\"\nprocess = \"normal(1s, 1000000d)\"\n[[product]]\nname = \"p\"\nrelease = \"1ns\"\nroute = []",
        "[scenario]\nhorizon = \"nan s\"\n[[station]]\nprocess = \"gamma(inf, 1s)\"\n[[station]]\nprocess = \"weibull(NaN, 1s)\"",
        "a.b.c.d.e.f = [[[[[[1]]]]]]",
        "[scenario]\nhorizon = '''\n8h'''\n",
        "[scenario]\nhorizon = \"\\u00e9\"",
    ];
    for text in odd {
        let _ = load_str("odd.toml", text, None, &[]);
        let _ = load_str(
            "odd.toml",
            text,
            None,
            &[
                "a=1".into(),
                "station.x.y=2".into(),
                "scenario.horizon.x=1".into(),
            ],
        );
    }
}

fn messages(e: &[Diagnostic]) -> Vec<String> {
    e.iter()
        .map(|d| format!("{}: {}", d.key.as_deref().unwrap_or(""), d.message))
        .collect()
}

mod discard;
mod floor;
mod grant;
mod network;
mod nr;
