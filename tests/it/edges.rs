//! Issue 17, "reports that tell the truth at the edges": one test per item a
//! new user hit, each through the binary where the user saw it. Items 2
//! (stops begun in the warm-up), 3, 4 and part of 15 wait for the factory
//! and scenario restructurings.

use crate::{factory5g, factory5g_in, json, ok, p, text};
use std::path::Path;
use std::process::Command;

/// sany18 with every heartbeat later than its 100 ms deadline: every AGV
/// stops during the warm-up and stays stopped (a shorter run than the
/// shipped one: 2 replications, 52 h).
const SLOW: [&str; 8] = [
    "--set",
    "network.model=fixed",
    "--set",
    "network.fixed.latency=500ms",
    "-R",
    "2",
    "--horizon",
    "52h",
];

/// A token of a text table is one value: a number, a percentage, or a word;
/// never two numbers run together (`0.08640000.0`, `0.0%100.0%`).
fn runs_together(token: &str) -> bool {
    let after_percent = token
        .find('%')
        .is_some_and(|i| token[i + 1..].chars().next().is_some_and(|c| c.is_ascii_digit()));
    let numeric = token.chars().all(|c| c.is_ascii_digit() || c == '.');
    after_percent || (numeric && token.matches('.').count() > 1)
}

#[test]
fn item01_text_tables_keep_every_column_apart() {
    let mut args = vec!["run"];
    args.extend(SLOW);
    let stdout = ok(&factory5g(&args));
    let bad: Vec<&str> = stdout.split_whitespace().filter(|t| runs_together(t)).collect();
    assert!(bad.is_empty(), "columns run together: {bad:?}\n{stdout}");
    // The lost and late heartbeats are columns of their own: nine values
    // under nine headers.
    let row = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("agv_heartbeat"))
        .expect("a heartbeat row");
    let header = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("flow "))
        .expect("a header");
    assert_eq!(row.split_whitespace().count(), 9, "{header}\n{row}");
    assert!(runs_together("0.08640000.0") && runs_together("0.0%100.0%") && !runs_together("100.0%"));
}

#[test]
fn item02_a_plant_that_produced_nothing_says_so() {
    let mut args = vec!["run", "--json"];
    args.extend(SLOW);
    let report = json(&factory5g(&args));
    let warnings: Vec<&str> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    let has = |what: &str| warnings.iter().any(|w| w.contains(what));
    assert!(has("nothing produced"), "{warnings:?}");
    assert!(has("all 30 AGVs were stopped"), "{warnings:?}");
    assert!(has("flow `agv_heartbeat` lost everything"), "{warnings:?}");
    // Not the wrong fix.
    assert!(!warnings.iter().any(|w| w.contains("--warmup")), "{warnings:?}");
    let mut args = vec!["run"];
    args.extend(SLOW);
    let stdout = ok(&factory5g(&args));
    assert!(stdout.contains("nothing produced after the warm-up"), "{stdout}");
    assert!(stdout.contains("no end product finished"), "{stdout}");
    assert!(stdout.contains("agv: stopped throughout"), "{stdout}");
    // A plant that produces says none of it.
    let report = json(&factory5g(&["run", "small_plant", "--json", "-R", "2"]));
    let warnings = report["warnings"].to_string();
    assert!(!warnings.contains("nothing produced") && !warnings.contains("lost everything"));
}

#[test]
fn item02_stops_begun_in_the_warmup_are_counted_apart() {
    // At 100 ms every heartbeat misses its 100 ms deadline: the AGVs stop
    // during the warm-up, and `stops` (begun after it) is 0; at 99 ms they
    // stop after the warm-up. The report counts the first kind too.
    let run = |latency: &str| {
        let set = format!("network.fixed.latency={latency}");
        json(&factory5g(&[
            "run",
            "--json",
            "--set",
            "network.model=fixed",
            "--set",
            &set,
            "-R",
            "2",
            "--horizon",
            "52h",
        ]))
    };
    let heartbeat = |report: &serde_json::Value| {
        report["network"]["flows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "agv_heartbeat")
            .unwrap()
            .clone()
    };
    let slow = run("100ms");
    let flow = heartbeat(&slow);
    assert_eq!(flow["survival_violations"].as_f64(), Some(0.0), "{flow}");
    assert_eq!(flow["stops_at_warmup"].as_f64(), Some(30.0), "{flow}");
    let since = flow["stopped_since_s"].as_f64().unwrap();
    assert!(
        since > 0.0 && since < slow["warmup_s"].as_f64().unwrap(),
        "{flow}"
    );
    let warnings = slow["warnings"].to_string();
    assert!(warnings.contains("during the warm-up"), "{warnings}");
    assert!(
        warnings.contains("were in a protective stop when the warm-up ended"),
        "{warnings}"
    );
    let faster = heartbeat(&run("99ms"));
    assert!(
        faster["survival_violations"].as_f64().unwrap() > 1000.0,
        "{faster}"
    );
    assert!(faster["stops_at_warmup"].as_f64().unwrap() < 30.0, "{faster}");
}

/// A lathe that two products share, with a setup between them: 0.75 of its
/// time processing and 0.30 in setups.
const LATHE: &str = r#"
[scenario]
horizon = "400h"
warmup = "40h"
replications = 2

[[station]]
name = "lathe"
servers = 1
process = "30min"
setup = "24min"

[[product]]
name = "shaft"
release = "exp(80min)"
route = ["lathe"]

[[product]]
name = "flange"
release = "exp(80min)"
route = ["lathe"]
"#;

#[test]
fn item03_stability_counts_setups() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lathe.toml");
    std::fs::write(&file, LATHE).unwrap();
    let out = factory5g(&["validate", p(&file)]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unstable: offered utilization 1.05"), "{stderr}");
    assert!(stderr.contains("0.75 processing, 0.30 setups"), "{stderr}");
    // The estimate against the simulation, where it is exact: one server,
    // first come first served, Poisson releases, so a job's predecessor is
    // of the other product with probability 1/2.
    let stable = LATHE
        .replace("\"30min\"", "\"20min\"")
        .replace("\"24min\"", "\"10min\"")
        .replace("400h", "3000h");
    let model = crate::model(&stable);
    let expected = model.offered_setup_utilization()[0];
    assert!((expected - 0.125).abs() < 1e-12, "{expected}");
    let setup: Vec<f64> = crate::replications(&model, 3, 16)
        .iter()
        .map(|o| o.stations[0].utilization()[factory5g::factory::StationState::Setup as usize])
        .collect();
    crate::assert_matches_theory("setup share of a shared lathe", &setup, expected, 0.05);
}

#[test]
fn item04_measured_latencies_need_their_unit() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = |csv: &str| {
        std::fs::write(dir.path().join("ul.csv"), csv).unwrap();
        let file = dir.path().join("net.toml");
        std::fs::write(
            &file,
            format!(
                "{}\n[network]\nmodel = \"empirical\"\n[network.empirical]\nul = \"empirical(ul.csv)\"\ndl = \"5ms\"\n",
                LATHE.replace("\"30min\"", "\"20min\"").replace("\"24min\"", "\"10min\"")
            ),
        )
        .unwrap();
        factory5g(&["validate", p(&file)])
    };
    // Bare numbers under a header that names milliseconds: milliseconds.
    let out = scenario("latency_ms\n5\n7\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("mean latency"),
        "{}",
        text(&out.stderr)
    );
    // Bare numbers and no unit anywhere: refused, not read as seconds.
    let out = scenario("latency\n5\n7\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("`5` has no unit"),
        "{}",
        text(&out.stderr)
    );
    // Milliseconds labelled seconds: a warning on the magnitude.
    let out = scenario("latency_s\n5\n7\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("mean latency 6s: over a second"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn item05_calculator_components_sum_to_the_mean_and_the_slot_is_exact() {
    for (scs, slot) in [("15", 1.0), ("30", 0.5), ("60", 0.25), ("120", 0.125)] {
        for retx in ["0", "1", "3"] {
            let v = json(&factory5g(&[
                "latency",
                "--scs",
                scs,
                "--bler",
                "0.5",
                "--harq-max-retx",
                retx,
                "--json",
            ]));
            let c = &v["components_ms"];
            let sum: f64 = c.as_object().unwrap().values().map(|x| x.as_f64().unwrap()).sum();
            let mean = v["mean_ms"].as_f64().unwrap();
            assert!(
                (sum - mean).abs() < 1e-9,
                "scs {scs} retx {retx}: components {sum} vs mean {mean}"
            );
            if retx == "0" {
                // No retransmission: no HARQ time, the mean is L0.
                assert_eq!(c["harq"].as_f64(), Some(0.0));
                assert_eq!(v["mean_ms"], v["one_shot_ms"]);
            }
            assert_eq!(v["config"]["slot_ms"].as_f64(), Some(slot), "scs {scs}");
        }
    }
    let stdout = ok(&factory5g(&["latency", "--bler", "0.5", "--harq-max-retx", "0"]));
    assert!(stdout.contains("slot 0.5 ms"), "{stdout}");
    assert!(stdout.contains("harq 0.000"), "{stdout}");
}

#[test]
fn item07_intervals_stay_within_their_bounds() {
    // Queue waits and throughputs: a quantity that cannot be negative has
    // no negative interval end, and says when it was clipped.
    let report = json(&factory5g(&[
        "run",
        "small_plant",
        "--json",
        "-R",
        "2",
        "--seed",
        "3",
    ]));
    let mut clipped = 0;
    for st in report["stations"].as_array().unwrap() {
        let w = &st["queue_wait_s"];
        if let Some(ci) = w["ci95"].as_array() {
            assert!(ci[0].as_f64().unwrap() >= 0.0, "{st}");
            clipped += usize::from(w["clipped"] == true);
        }
    }
    assert!(
        clipped > 0,
        "two replications of small_plant clip some queue wait interval at 0"
    );
    // Shares in a sweep: within [0, 1] (sany18's arms wait for the network
    // a share of about 1e-6, whose interval reached below 0).
    let dir = tempfile::tempdir().unwrap();
    let runs = sweep(
        dir.path(),
        &[
            "sany18",
            "--set",
            "network.model=fixed",
            "--vary",
            "network.fixed.latency=1ms,99ms",
            "-R",
            "2",
            "--horizon",
            "52h",
        ],
    );
    let merged = ok(&factory5g(&["sweep", "merge", p(&runs), "--no-plots"]));
    assert!(merged.contains("clipped at their KPI's bound"), "{merged}");
    let csv = std::fs::read_to_string(runs.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut checked = 0;
    for line in lines {
        for (name, cell) in header.iter().zip(line.split(',')) {
            let Ok(x) = cell.parse::<f64>() else { continue };
            if name.ends_with(".ci95_lo") || name.ends_with(".ci95_hi") {
                assert!(x >= 0.0, "{name} = {x}");
                let share = name.starts_with("station.")
                    || name.starts_with("agv.")
                    || name.contains(".availability.");
                if share {
                    assert!(x <= 1.0, "{name} = {x}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 20, "{checked} share interval ends checked");
}

/// Plans a sweep in `dir` (`sweep plan` with `plan_args`) and runs it;
/// returns the run directory.
fn sweep(dir: &Path, plan_args: &[&str]) -> std::path::PathBuf {
    let plan = dir.join("plan.json");
    let runs = dir.join("runs");
    let mut args = vec!["sweep", "plan"];
    args.extend(plan_args);
    args.extend(["-o", p(&plan)]);
    ok(&factory5g(&args));
    ok(&factory5g(&["sweep", "run", p(&plan), "--out", p(&runs), "-q"]));
    runs
}

/// A variant of sany18 with a fixed network of `latency`.
fn fixed_variant(dir: &Path, name: &str, latency: &str) -> String {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(
        &path,
        format!("[scenario]\nbase = \"sany18\"\n[network]\nmodel = \"fixed\"\n[network.fixed]\nlatency = \"{latency}\"\n"),
    )
    .unwrap();
    p(&path).to_string()
}

#[test]
fn item08_compare_shows_stops_network_waits_availability_and_corrects_for_many_kpis() {
    let dir = tempfile::tempdir().unwrap();
    let fast = fixed_variant(dir.path(), "fast", "1ms");
    let slow = fixed_variant(dir.path(), "slow", "99ms");
    let args = ["compare", &fast, &slow, "-R", "3", "--horizon", "52h"];
    let mut with_json = args.to_vec();
    with_json.push("--json");
    let v = json(&factory5g(&with_json));
    let kpis = v["kpis"].as_array().unwrap();
    let get = |name: &str| {
        kpis.iter()
            .find(|k| k["name"] == name)
            .unwrap_or_else(|| panic!("no KPI {name}"))
    };
    let stopped = get("agv.stopped");
    assert!(stopped["diff"].as_f64().unwrap() > 0.1, "{stopped}");
    assert_eq!(stopped["significant_holm"], true, "{stopped}");
    get("agv.network_wait");
    get("station.frame_weld.stopped");
    get("station.frame_weld.network_wait");
    let availability = get("flow.agv_heartbeat.availability");
    assert!(availability["diff"].as_f64().unwrap() < 0.0, "{availability}");
    // Holm's adjusted p-value is never below the p-value, and a KPI is
    // significant after adjustment only if it is alone.
    for k in kpis {
        if let (Some(p), Some(h)) = (k["p_value"].as_f64(), k["p_holm"].as_f64()) {
            assert!(h >= p && h <= 1.0, "{k}");
        }
        if k["significant_holm"] == true {
            assert_eq!(k["significant"], true, "{k}");
        }
    }
    let stdout = ok(&factory5g(&args));
    assert!(stdout.contains("after Holm's adjustment for the"), "{stdout}");
    // Lead time in hours in text, as in `run` (item 12).
    let lead = get("lead_time_s")["a"].as_f64().unwrap();
    let row = stdout.lines().find(|l| l.starts_with("lead_time_s")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[1], "h", "{row}");
    let shown: f64 = cells[2].parse().unwrap();
    assert!((shown - lead / 3600.0).abs() < 0.01, "{row} vs {lead} s");
}

#[test]
fn item09_a_sweep_validates_its_set_with_the_axes_and_embeds_its_bases() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    // `--set network.model=fixed` alone needs a latency the axis gives.
    let base = dir.path().join("base.toml");
    std::fs::write(
        &base,
        "[scenario]\nbase = \"mm3\"\nhorizon = \"200h\"\nwarmup = \"20h\"\n",
    )
    .unwrap();
    let variant = dir.path().join("variant.toml");
    std::fs::write(&variant, "[scenario]\nbase = \"base.toml\"\nreplications = 2\n").unwrap();
    ok(&factory5g(&[
        "sweep",
        "plan",
        p(&variant),
        "--set",
        "network.model=fixed",
        "--vary",
        "network.fixed.latency=1ms,100ms",
        "-o",
        p(&plan),
    ]));
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(
        text.contains("\"bases\"") && text.contains("horizon = \\\"200h\\\""),
        "{text}"
    );
    // Moving the base away changes nothing: the plan holds it.
    std::fs::remove_file(&base).unwrap();
    let runs = dir.path().join("runs");
    ok(&factory5g(&["sweep", "run", p(&plan), "--out", p(&runs), "-q"]));
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runs.join("run-00000.json")).unwrap()).unwrap();
    assert_eq!(run["report"]["horizon_s"].as_f64(), Some(200.0 * 3600.0));
}

#[test]
fn item10_sweep_plots_place_durations_by_value_and_stay_out_of_the_cwd() {
    use factory5g::experiment::figures::axis_numbers;
    let values = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        axis_numbers(&values(&["1ms", "25ms", "99ms", "100ms"])),
        Some((vec![1.0, 25.0, 99.0, 100.0], "ms".to_string()))
    );
    assert_eq!(
        axis_numbers(&values(&["30s", "2min"])),
        Some((vec![0.5, 2.0], "min".to_string()))
    );
    assert_eq!(
        axis_numbers(&values(&["10m", "2.5m"])),
        Some((vec![10.0, 2.5], "m".to_string()))
    );
    assert_eq!(axis_numbers(&values(&["fifo", "pf"])), None);
    let dir = tempfile::tempdir().unwrap();
    let runs = sweep(
        dir.path(),
        &[
            "mm3",
            "--vary",
            "station.cell.process=exp(2h),exp(2.7h)",
            "-R",
            "2",
            "--horizon",
            "300h",
            "--warmup",
            "30h",
        ],
    );
    let cwd = dir.path().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    ok(&factory5g_in(
        Some(&cwd),
        &["sweep", "merge", p(&runs), "-o", "x.csv"],
    ));
    assert!(cwd.join("x.csv").exists());
    assert!(
        !cwd.join("plots").exists(),
        "plots/ written in the current directory"
    );
    let svg = std::fs::read_to_string(runs.join("plots/lead_time_s-vs-station.cell.process.svg")).unwrap();
    assert!(
        svg.contains("lead time against station.cell.process"),
        "a title in words"
    );
    assert!(svg.contains("lead time (h)"), "the unit on the axis");
}

#[test]
fn item11_the_docs_stand_alone() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md"), root.join("ARCHITECTURE.md")];
    for dir in ["docs", "examples/cluster"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            // Pictures (docs/images/) have no text to cite anything.
            if path.is_file() && path.extension().is_none_or(|ext| ext != "png") {
                files.push(path);
            }
        }
    }
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains("DESIGN"),
            "{} cites a design file the repository does not have",
            file.display()
        );
    }
}

#[test]
fn item12_units_are_stated_and_the_same() {
    let stdout = ok(&factory5g(&[
        "run",
        "mm3",
        "-R",
        "2",
        "--horizon",
        "300h",
        "--warmup",
        "30h",
    ]));
    let line = |start: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no {start} line:\n{stdout}"))
    };
    assert!(line("throughput").ends_with("end products/h"), "{stdout}");
    assert!(line("lead time").ends_with(" h"), "{stdout}");
    assert!(line("station").contains("queue wait h"), "{stdout}");
    assert!(!stdout.contains("jobs/h"), "{stdout}");
}

#[test]
fn item13_one_warning_and_no_unsupported_quantile() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = factory5g(&["run", "-R", "2", "--json", "--horizon", "52h", "--out", p(&out)]);
    let report = json(&run);
    let stderr = text(&run.stderr);
    let about_samples = stderr.lines().filter(|l| l.contains("samples")).count();
    assert_eq!(about_samples, 1, "{stderr}");
    for f in report["network"]["flows"].as_array().unwrap() {
        let samples = f["latency_samples"].as_u64().unwrap();
        for (key, needed) in [("p99", 1_000), ("p999", 10_000), ("p99999", 1_000_000)] {
            if samples < needed {
                assert!(
                    f["latency_ms"][key].is_null(),
                    "{key} of {}: {samples} samples",
                    f["name"]
                );
            }
        }
    }
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let heartbeat = summary
        .lines()
        .find(|l| l.starts_with("| agv_heartbeat"))
        .unwrap();
    let cells: Vec<&str> = heartbeat.split('|').map(str::trim).collect();
    // Columns: flow ... p50, p99, p99.999, max; p99.999 is the third last.
    assert_eq!(cells[cells.len() - 3], "–", "{heartbeat}");
}

#[test]
fn item14_the_text_report_lists_every_robot_group() {
    let stdout = ok(&factory5g(&["run", "small_plant", "-R", "2"]));
    let robots = stdout.split("robots:").nth(1).expect("a robots section");
    for arm in ["weld", "assembly"] {
        assert!(
            robots.lines().any(|l| l.trim_start().starts_with(arm)),
            "{arm} missing:\n{robots}"
        );
    }
}

#[test]
fn item15_init_writes_a_scenario_that_runs_and_mistakes_get_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let d = Some(dir.path());
    let said = ok(&factory5g_in(d, &["init"]));
    assert!(said.contains("factory5g run plant.toml"), "{said}");
    ok(&factory5g_in(d, &["validate", "plant.toml"]));
    ok(&factory5g_in(d, &["run", "plant.toml", "-R", "2"]));
    // No overwriting by accident.
    let again = factory5g_in(d, &["init"]);
    assert_eq!(again.status.code(), Some(2));
    // A scenario where a command goes.
    let out = factory5g_in(d, &["plant.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("factory5g run plant.toml"),
        "{}",
        text(&out.stderr)
    );
    // A base one letter off a built-in.
    std::fs::write(dir.path().join("v.toml"), "[scenario]\nbase = \"sany17\"\n").unwrap();
    let out = factory5g_in(d, &["validate", "v.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `sany18`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn item16_version_is_the_changelogs_latest() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let changelog = readme.split("## Changelog").nth(1).expect("a changelog");
    let latest = changelog
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split_once(':').map(|(v, _)| v))
        .find(|v| v.split('.').count() == 3 && v.split('.').all(|n| n.parse::<u32>().is_ok()))
        .expect("a numbered version");
    let version = ok(&factory5g(&["--version"]));
    assert_eq!(version.trim(), format!("factory5g {latest}"));
}

#[cfg(unix)]
#[test]
fn item17_slurm_submission_passes_sbatch_options_through() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("sbatch.log");
    let fake = bin.join("sbatch");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\necho \"$*\" >> '{}'\necho 4242\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(&plan, "{}").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cluster/submit-slurm.sh");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .arg(&script)
        .args([
            p(&plan),
            p(&dir.path().join("out")),
            "4",
            "--",
            "--partition=long",
            "--mem=8G",
            "--cpus-per-task=16",
        ])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    for call in &calls {
        assert!(
            call.contains("--partition=long --mem=8G --cpus-per-task=16"),
            "{call}"
        );
    }
    assert!(
        calls[0].contains("--array=0-3") && calls[1].contains("--dependency=afterok:4242"),
        "{calls:?}"
    );
}

#[test]
fn item18_latency_simulation_reports_tails() {
    let stdout = ok(&factory5g(&["latency", "--bler", "0.1", "--simulate", "20000"]));
    let line = stdout
        .lines()
        .find(|l| l.contains("p99.9"))
        .expect("a quantile line");
    for q in ["p50", "p99", "p99.9"] {
        assert!(line.contains(&format!("{q} ")), "{line}");
    }
    let v = json(&factory5g(&[
        "latency",
        "--bler",
        "0.1",
        "--simulate",
        "500",
        "--json",
    ]));
    let sim = &v["simulated"];
    assert!(sim["p50_ms"].as_f64().unwrap() > 0.0 && sim["p99_ms"].is_null() && sim["p999_ms"].is_null());
    let v = json(&factory5g(&[
        "latency",
        "--bler",
        "0.1",
        "--simulate",
        "20000",
        "--json",
    ]));
    let sim = &v["simulated"];
    let (p50, p99, p999) = (
        sim["p50_ms"].as_f64().unwrap(),
        sim["p99_ms"].as_f64().unwrap(),
        sim["p999_ms"].as_f64().unwrap(),
    );
    // BLER 0.1: 90% of packets go through at once, 10% need a
    // retransmission (a round trip more): the median is near the one-shot
    // latency, p99 and p99.9 past a round trip.
    let l0 = v["one_shot_ms"].as_f64().unwrap();
    let rtt = v["frame_exact"]["harq_rtt_ms"].as_f64().unwrap();
    assert!(
        p50 < l0 + rtt / 2.0 && p99 > l0 + rtt / 2.0 && p999 >= p99,
        "{sim}"
    );
}
