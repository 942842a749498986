//! Experiments: KPIs, paired comparisons under common random numbers, and
//! sweeps (plan, sharded runs, merge).

use crate::{factory5g, factory5g_in, json, ok, p, text};
use factory5g::experiment::compare::{compare, paired};
use factory5g::experiment::kpi::{kpis, KpiTable};
use factory5g::experiment::sweep::{expand, split_values, Axis};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[test]
fn kpis_are_named_in_the_documented_order() {
    let model = factory5g::scenario::load_builtin("sany18").unwrap().model;
    let out = factory5g::factory::simulate(&model, 18, 0).unwrap();
    let names: Vec<String> = kpis(&model, &out).into_iter().map(|k| k.name).collect();
    let mut expected = vec!["throughput_per_h".to_string(), "lead_time_s".into(), "wip".into()];
    for s in model.stations() {
        expected.push(format!("station.{}.busy", s.name()));
        // Robot arms: the network's share of their time too.
        if s.robot() {
            expected.push(format!("station.{}.network_wait", s.name()));
            expected.push(format!("station.{}.stopped", s.name()));
        }
    }
    // Its operator pool, and the energy of what has power_kw.
    expected.extend(
        model
            .pools()
            .iter()
            .map(|p| format!("pool.{}.utilization", p.name())),
    );
    expected.push("energy_kwh".into());
    for s in [
        "idle",
        "travel_empty",
        "travel_loaded",
        "handling",
        "zone_wait",
        "network_wait",
        "stopped",
        "charging",
        "charge_wait",
        "off_shift",
    ] {
        expected.push(format!("agv.{s}"));
    }
    // Then each robot flow (not the background load).
    for f in model.flows() {
        if !matches!(f.kind(), factory5g::model::FlowKind::Background { .. }) {
            expected.push(format!("flow.{}.p99_ms", f.name()));
            expected.push(format!("flow.{}.stops", f.name()));
            expected.push(format!("flow.{}.stops_at_warmup", f.name()));
            expected.push(format!("flow.{}.availability", f.name()));
        }
    }
    assert_eq!(names, expected);
    // No fleet, no AGV KPIs.
    let mm3 = factory5g::scenario::load_builtin_with(
        "mm3",
        &["scenario.horizon=50h".into(), "scenario.warmup=5h".into()],
    )
    .unwrap()
    .model;
    let out = factory5g::factory::simulate(&mm3, 1, 0).unwrap();
    let names: Vec<String> = kpis(&mm3, &out).into_iter().map(|k| k.name).collect();
    assert_eq!(
        names,
        ["throughput_per_h", "lead_time_s", "wip", "station.cell.busy"]
    );
}

#[test]
fn paired_interval_cases() {
    // Zero variance of the differences: exactly [d, d].
    assert_eq!(
        paired(&[1.0, 5.0, 9.0], &[1.5, 5.5, 9.5]),
        (Some(0.5), Some([0.5, 0.5]))
    );
    assert_eq!(paired(&[1.0, 5.0], &[1.0, 5.0]), (Some(0.0), Some([0.0, 0.0])));
    // One replication: no interval.
    assert_eq!(paired(&[1.0], &[2.0]), (Some(1.0), None));
    // Undefined values drop their pair.
    assert_eq!(paired(&[f64::NAN, 1.0, 2.0], &[0.0, 2.0, 3.0]).0, Some(1.0));
    // A KPI only B has: null on A's side, not significant.
    let a = KpiTable {
        names: vec!["x".into()],
        values: vec![vec![1.0, 2.0]],
    };
    let b = KpiTable {
        names: vec!["x".into(), "y".into()],
        values: vec![vec![1.0, 2.0], vec![3.0, 3.0]],
    };
    let c = compare(&a, &b);
    assert_eq!(c.kpis.len(), 2);
    assert_eq!((c.kpis[1].a, c.kpis[1].b), (None, Some(3.0)));
    assert!(!c.kpis[0].significant && !c.kpis[1].significant);
}

#[test]
fn compare_with_itself_is_exactly_zero_and_never_significant() {
    for args in [
        &["compare", "small_plant", "small_plant", "-R", "4", "--json"][..],
        &["compare", "sany18", "sany18", "-R", "3", "--seed", "5", "--json"][..],
    ] {
        let v = json(&factory5g(args));
        let kpis = v["kpis"].as_array().expect("kpis");
        assert!(kpis.len() >= 9);
        for k in kpis {
            assert_eq!(k["diff"].as_f64(), Some(0.0), "{k}");
            assert_eq!(k["a"], k["b"], "{k}");
            assert_eq!(k["ci95"], serde_json::json!([0.0, 0.0]), "{k}");
            assert_eq!(k["significant"], false, "{k}");
        }
    }
}

/// sany18 with welding three times slower (frame and boom welding).
const SLOW_WELD: &str = r#"
[scenario]
base = "sany18"
name = "slow_weld"

[[station]]
name = "frame_weld"
process = "lognormal(27h, 4.5h)"

[[station]]
name = "boom_weld"
process = "lognormal(48h, 6h)"
"#;

#[test]
fn slower_welding_lowers_throughput_significantly() {
    let dir = tempfile::tempdir().unwrap();
    let variant = dir.path().join("slow_weld.toml");
    std::fs::write(&variant, SLOW_WELD).unwrap();
    let v = json(&factory5g(&[
        "compare",
        "sany18",
        p(&variant),
        "-R",
        "10",
        "--seed",
        "18",
        // Two days observed: welds take a day or two, and the plant's
        // one-shift window is too short to see the backlog grow.
        "--horizon",
        "120h",
        "--json",
    ]));
    let kpis = v["kpis"].as_array().unwrap();
    let tp = kpis.iter().find(|k| k["name"] == "throughput_per_h").unwrap();
    let diff = tp["diff"].as_f64().unwrap();
    let hi = tp["ci95"][1].as_f64().unwrap();
    eprintln!("throughput B - A = {diff} (95% CI up to {hi})");
    assert!(diff < 0.0 && hi < 0.0, "{tp}");
    assert_eq!(tp["significant"], true);
    assert!(tp["b"].as_f64().unwrap() < tp["a"].as_f64().unwrap());
    // The welders are busier.
    let weld = kpis
        .iter()
        .find(|k| k["name"] == "station.frame_weld.busy")
        .unwrap();
    assert!(weld["diff"].as_f64().unwrap() > 0.0 && weld["significant"] == true);

    // The text table says the same, marked significant.
    let table = ok(&factory5g(&[
        "compare",
        "sany18",
        p(&variant),
        "-R",
        "10",
        "--seed",
        "18",
        "--horizon",
        "120h",
    ]));
    let line = table.lines().find(|l| l.starts_with("throughput_per_h")).unwrap();
    assert!(line.trim_end().ends_with('*'), "{table}");
}

#[test]
fn compare_json_has_exactly_the_documented_keys() {
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let v = json(&factory5g(&[
        "compare",
        "small_plant",
        "mm3",
        "-R",
        "3",
        "--json",
    ]));
    assert_eq!(keys(&v), ["kpis"]);
    let kpis = v["kpis"].as_array().unwrap();
    for k in kpis {
        // The contract's keys, and the multiple-comparison fields added.
        assert_eq!(
            keys(k),
            [
                "a",
                "b",
                "ci95",
                "diff",
                "name",
                "p_holm",
                "p_value",
                "significant",
                "significant_holm"
            ],
            "{k}"
        );
        assert!(k["name"].is_string() && k["significant"].is_boolean());
    }
    // A's KPIs first, then those only B has (mm3's station `cell`).
    let cell = kpis.iter().find(|k| k["name"] == "station.cell.busy").unwrap();
    assert!(cell["a"].is_null() && cell["diff"].is_null() && cell["ci95"].is_null());
    assert_eq!(kpis.last().unwrap()["name"], "station.cell.busy");
    // One replication: no interval, nothing significant.
    let v = json(&factory5g(&[
        "compare",
        "small_plant",
        "small_plant",
        "-R",
        "1",
        "--json",
    ]));
    for k in v["kpis"].as_array().unwrap() {
        assert!(k["ci95"].is_null() && k["significant"] == false, "{k}");
    }
}

#[test]
fn compare_out_writes_json_and_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let stdout = ok(&factory5g(&[
        "compare",
        "small_plant",
        "small_plant",
        "--set",
        "station.weld.servers=4",
        "-R",
        "3",
        "--json",
        "--out",
        p(&out),
    ]));
    assert_eq!(
        std::fs::read_to_string(out.join("comparison.json")).unwrap(),
        stdout
    );
    let svg = std::fs::read_to_string(out.join("comparison.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("station.weld.busy"));
    let png = std::fs::read(out.join("comparison.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // Nothing left half-written.
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn compare_bad_input_exits_2() {
    let out = factory5g(&["compare", "small_plant", "no_such_scenario.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no_such_scenario.toml"));
    let out = factory5g(&["compare", "small_plant", "mm3", "--set", "station.nope.servers=2"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn plan_order_first_axis_slowest_and_values_split_outside_brackets() {
    let axes = [
        Axis {
            path: "a".into(),
            values: vec!["a0".into(), "a1".into()],
        },
        Axis {
            path: "b".into(),
            values: vec!["b0".into(), "b1".into(), "b2".into()],
        },
    ];
    let runs = expand(&axes);
    let order: Vec<(usize, String)> = runs.iter().map(|r| (r.index, r.values.join(","))).collect();
    assert_eq!(
        order,
        [
            (0, "a0,b0".to_string()),
            (1, "a0,b1".into()),
            (2, "a0,b2".into()),
            (3, "a1,b0".into()),
            (4, "a1,b1".into()),
            (5, "a1,b2".into())
        ]
    );
    assert_eq!(
        split_values("uniform(4min, 8min), const(5min),[1, 2], \"x,y\""),
        ["uniform(4min, 8min)", "const(5min)", "[1, 2]", "\"x,y\""]
    );
}

/// Every file of `dir` (recursively) with its modification time and bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (SystemTime, Vec<u8>)> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let path = e.path();
        if path.is_dir() {
            m.extend(snapshot(&path));
        } else {
            let modified = e.metadata().unwrap().modified().unwrap();
            m.insert(path.clone(), (modified, std::fs::read(&path).unwrap()));
        }
    }
    m
}

#[test]
fn sharded_sweep_merges_to_the_same_summary_and_reruns_do_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan.json");
    let stdout = ok(&factory5g(&[
        "sweep",
        "plan",
        "small_plant",
        "--vary",
        "station.weld.servers=2,3,4",
        "--vary",
        "station.paint.process=tri(2min, 3min, 5min),const(4min)",
        "-R",
        "3",
        "--horizon",
        "5h",
        "--warmup",
        "1h",
        "--seed",
        "7",
        "-o",
        p(&plan),
    ]));
    assert!(stdout.contains("6 runs"), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(v["runs"].as_array().unwrap().len(), 6);
    assert_eq!(v["runs"][3]["values"], serde_json::json!(["3", "const(4min)"]));
    assert_eq!(v["scenario"]["kind"], "builtin");
    assert_eq!(v["seed"], 7);
    assert_eq!(v["replications"], 3);

    // Unsharded.
    let whole = tmp.path().join("whole");
    ok(&factory5g(&["sweep", "run", p(&plan), "--out", p(&whole)]));
    let whole_csv = whole.join("summary.csv");
    let merged = ok(&factory5g(&["sweep", "merge", p(&whole), "-o", p(&whole_csv)]));
    assert!(merged.contains("6 design points"), "{merged}");
    let plots: Vec<String> = std::fs::read_dir(whole.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(plots.contains(&"throughput_per_h-vs-station.weld.servers.svg".to_string()));
    assert!(plots.contains(&"throughput_per_h-vs-station.paint.process.png".to_string()));

    // Three shards, into another directory, summary elsewhere.
    let sharded = tmp.path().join("sharded");
    for shard in ["2/3", "0/3", "1/3"] {
        let out = ok(&factory5g(&[
            "sweep",
            "run",
            p(&plan),
            "--shard",
            shard,
            "--out",
            p(&sharded),
        ]));
        assert!(out.contains("2 run(s) written"), "{out}");
    }
    let sharded_csv = tmp.path().join("out").join("summary.csv");
    ok(&factory5g(&[
        "sweep",
        "merge",
        p(&sharded),
        "-o",
        p(&sharded_csv),
        "--no-plots",
    ]));
    let a = std::fs::read(&whole_csv).unwrap();
    let b = std::fs::read(&sharded_csv).unwrap();
    assert_eq!(text(&a), text(&b));
    assert!(text(&a).starts_with("index,station.weld.servers,station.paint.process,throughput_per_h.mean,"));
    assert_eq!(text(&a).lines().count(), 7);

    // A finished shard run again writes nothing.
    let before = snapshot(&sharded);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = ok(&factory5g(&[
        "sweep",
        "run",
        p(&plan),
        "--shard",
        "1/3",
        "--out",
        p(&sharded),
    ]));
    assert!(out.contains("0 run(s) written, 2 already there"), "{out}");
    assert_eq!(snapshot(&sharded), before);

    // A missing run: merge fails and names it; its shard brings it back.
    std::fs::remove_file(sharded.join("run-00004.json")).unwrap();
    let out = factory5g(&["sweep", "merge", p(&sharded), "-o", p(&sharded_csv)]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("run 4 ") && err.contains("run-00004.json"), "{err}");
    assert!(err.contains("station.weld.servers=4"), "{err}");
    // A corrupt (half-copied) run file is rerun too.
    std::fs::write(sharded.join("run-00001.json"), "{\"format\":").unwrap();
    let out = ok(&factory5g(&[
        "sweep",
        "run",
        p(&plan),
        "--shard",
        "1/3",
        "--out",
        p(&sharded),
    ]));
    assert!(out.contains("2 run(s) written"), "{out}");
    ok(&factory5g(&["sweep", "run", p(&plan), "--out", p(&sharded)]));
    ok(&factory5g(&[
        "sweep",
        "merge",
        p(&sharded),
        "-o",
        p(&sharded_csv),
        "--no-plots",
    ]));
    assert_eq!(std::fs::read(&sharded_csv).unwrap(), a);
}

#[test]
fn run_files_hold_point_replications_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan.json");
    ok(&factory5g(&[
        "sweep",
        "plan",
        "mm3",
        "--vary",
        "station.cell.servers=3,4",
        "-R",
        "2",
        "--horizon",
        "100h",
        "--warmup",
        "10h",
        "-o",
        p(&plan),
    ]));
    let dir = tmp.path().join("runs");
    ok(&factory5g(&[
        "sweep",
        "run",
        p(&plan),
        "--shard",
        "1/2",
        "--out",
        p(&dir),
    ]));
    assert!(!dir.join("run-00000.json").exists());
    assert!(dir.join("plan.json").exists());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run-00001.json")).unwrap()).unwrap();
    assert_eq!(v["index"], 1);
    assert_eq!(
        v["point"],
        serde_json::json!([{ "path": "station.cell.servers", "value": "4" }])
    );
    assert_eq!(v["replications"], 2);
    let tp = &v["kpis"][0];
    assert_eq!(tp["name"], "throughput_per_h");
    assert_eq!(tp["values"].as_array().unwrap().len(), 2);
    assert_eq!(v["report"]["stations"][0]["servers"], 4);
    assert_eq!(v["report"]["throughput_per_h"]["mean"], tp["mean"]);
}

#[test]
fn plan_rejects_bad_values_naming_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("plan.json");
    let out = factory5g(&[
        "sweep",
        "plan",
        "small_plant",
        "--vary",
        "station.paint.servers=1,2",
        "--vary",
        "station.weld.servers=2,zero",
        "-o",
        p(&plan),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("run 1 (station.paint.servers=1, station.weld.servers=zero)"),
        "{err}"
    );
    assert!(err.contains("run 3 "), "{err}");
    assert!(!err.contains("run 0 ") && !err.contains("run 2 "), "{err}");
    assert!(!plan.exists());
    for bad in ["fleet.agvs", "scenario.seed=1,2", "station.weld.servers=2,,3"] {
        let out = factory5g(&["sweep", "plan", "sany18", "--vary", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out.stderr));
    }
    let out = factory5g(&["sweep", "run", p(&plan), "--shard", "3/3", "--out", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_file_plan_needs_only_plan_json() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("line.toml");
    std::fs::write(
        &scenario,
        "[scenario]\nhorizon = \"20h\"\nwarmup = \"2h\"\nseed = 3\nreplications = 2\n\
         [[station]]\nname = \"cell\"\nservers = 2\nprocess = \"exp(50min)\"\n\
         [[product]]\nname = \"job\"\nrelease = \"exp(1h)\"\nroute = [\"cell\"]\n",
    )
    .unwrap();
    // A relative path, from the scenario's directory.
    let out = factory5g_in(
        Some(tmp.path()),
        &[
            "sweep",
            "plan",
            "line.toml",
            "--vary",
            "station.cell.servers=2,3",
            "-o",
            "plan.json",
        ],
    );
    ok(&out);
    let plan = tmp.path().join("plan.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(v["scenario"]["kind"], "file");
    assert!(Path::new(v["scenario"]["path"].as_str().unwrap()).is_absolute());
    assert!(v["scenario"]["text"].as_str().unwrap().contains("exp(50min)"));
    assert_eq!(v["seed"], 3);
    assert_eq!(v["replications"], 2);
    // The scenario file is gone: the plan still runs, from anywhere.
    std::fs::remove_file(&scenario).unwrap();
    let other = tempfile::tempdir().unwrap();
    ok(&factory5g_in(
        Some(other.path()),
        &["sweep", "run", p(&plan), "--out", "runs"],
    ));
    ok(&factory5g_in(
        Some(other.path()),
        &["sweep", "merge", "runs", "-o", "summary.csv", "--no-plots"],
    ));
    let csv = std::fs::read_to_string(other.path().join("summary.csv")).unwrap();
    assert!(
        csv.starts_with("index,station.cell.servers,throughput_per_h.mean"),
        "{csv}"
    );
    // A run directory of another plan is refused.
    let plan2 = tmp.path().join("plan2.json");
    let mut v2 = v.clone();
    v2["seed"] = 4.into();
    std::fs::write(&plan2, v2.to_string()).unwrap();
    let out = factory5g_in(Some(other.path()), &["sweep", "run", p(&plan2), "--out", "runs"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("another plan"),
        "{}",
        text(&out.stderr)
    );
}

/// A two-station line, one product released at its own rate.
const LINE: &str = r#"
[scenario]
horizon = "300h"
warmup = "10h"
replications = 4
[[station]]
name = "first"
process = "exp(1min)"
[[station]]
name = "second"
process = "exp(48s)"
[[product]]
name = "job"
release = "exp(2min)"
route = ["first", "second"]
"#;

#[test]
fn capacity_answers_with_the_curve_its_knee_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("line.toml");
    std::fs::write(&scenario, LINE).unwrap();
    let out_dir = dir.path().join("capacity");
    let v = json(&factory5g(&[
        "capacity",
        p(&scenario),
        "--wip",
        "1,2,5,10,20",
        "--json",
        "--quiet",
        "--out",
        p(&out_dir),
    ]));
    let curves = v["capacity"].as_array().unwrap();
    assert_eq!(curves.len(), 1);
    let c = &curves[0];
    let levels = c["levels"].as_array().unwrap();
    let wips: Vec<u64> = levels.iter().map(|l| l["wip"].as_u64().unwrap()).collect();
    assert_eq!(wips, [1, 2, 5, 10, 20]);
    let tp: Vec<f64> = levels
        .iter()
        .map(|l| l["throughput_per_h"]["mean"].as_f64().unwrap())
        .collect();
    // The first station is the bottleneck: 60 an hour at most, reached as
    // the WIP grows (exact MVA: 33.3, 44.3, 54.7, 58.6 and 59.9 an hour).
    for (level, expected) in tp.iter().zip([33.3, 44.3, 54.7, 58.6, 59.9]) {
        assert!((level - expected).abs() < 0.03 * expected, "{tp:?}");
    }
    let best = tp.iter().copied().fold(0.0, f64::max);
    assert_eq!(c["capacity_per_h"]["mean"].as_f64(), Some(best));
    let knee = tp.iter().position(|&x| x >= 0.95 * best).unwrap();
    assert_eq!(c["knee_wip"].as_u64(), Some(wips[knee]));
    assert_eq!(c["saturated"], knee + 1 < wips.len());
    assert_eq!(levels[4]["bottleneck"], "first");
    // Lead times of minutes against a 10 h warm-up: every level is trusted.
    assert_eq!(c["short_warmup_wip"], serde_json::json!([]));
    assert_eq!(levels[4]["conwip"]["job"], 20);
    for name in ["capacity.json", "capacity.svg", "capacity.png"] {
        assert!(out_dir.join(name).is_file(), "{name}");
    }
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("capacity.json")).unwrap()).unwrap();
    assert_eq!(written, v);
    // The text answer names the capacity and the knee.
    let table = ok(&factory5g(&[
        "capacity",
        p(&scenario),
        "--wip",
        "1,20",
        "--quiet",
    ]));
    assert!(
        table.contains("line: capacity ") && table.contains("knee at WIP"),
        "{table}"
    );
    assert!(!table.contains("warning"), "{table}");
    // With a 20 min warm-up, 20 jobs (a lead time of about 20 min) are
    // flagged, one job (1.8 min) is not.
    let short = json(&factory5g(&[
        "capacity",
        p(&scenario),
        "--wip",
        "1,20",
        "--warmup",
        "20min",
        "--horizon",
        "60h",
        "--json",
        "--quiet",
    ]));
    assert_eq!(short["capacity"][0]["short_warmup_wip"], serde_json::json!([20]));
}
