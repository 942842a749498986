//! The binary as a user runs it: exit codes, determinism, error messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn factory5g(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// report.json without its `run` block, the only part that depends on the clock.
fn report_without_run(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "run failed: {}", text(&out.stderr));
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    v.as_object_mut()
        .expect("an object")
        .remove("run")
        .expect("has a run block");
    v
}

#[test]
fn no_arguments_runs_the_default_plant() {
    let out = factory5g(&["--help"]);
    assert!(out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .output()
        .expect("the binary runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("throughput"), "{stdout}");
    assert!(stdout.contains("busy"), "{stdout}");
}

#[test]
fn same_seed_is_bit_identical_across_thread_counts() {
    let args = |threads: &'static str, seed: &'static str| {
        [
            "run",
            "small_plant",
            "--json",
            "-R",
            "4",
            "--seed",
            seed,
            "--threads",
            threads,
        ]
    };
    let one = report_without_run(&factory5g(&args("1", "7")));
    let two = report_without_run(&factory5g(&args("2", "7")));
    assert_eq!(one.to_string(), two.to_string());
    let other = report_without_run(&factory5g(&args("2", "8")));
    assert_ne!(one["throughput_per_h"], other["throughput_per_h"]);
}

#[test]
fn json_report_has_the_design_keys() {
    let out = factory5g(&[
        "run",
        "small_plant",
        "--json",
        "-R",
        "2",
        "--horizon",
        "3h",
        "--warmup",
        "30min",
    ]);
    let v = report_without_run(&out);
    for key in [
        "scenario",
        "seed",
        "replications",
        "horizon_s",
        "warmup_s",
        "throughput_per_h",
        "lead_time_s",
        "wip",
        "stations",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["horizon_s"], 10800.0);
    assert_eq!(v["warmup_s"], 1800.0);
    let st = &v["stations"][0];
    let util = st["utilization"].as_object().expect("utilization");
    let keys: Vec<&str> = util.keys().map(String::as_str).collect();
    for k in [
        "busy",
        "setup",
        "idle",
        "starved",
        "blocked",
        "failed",
        "network_wait",
        "stopped",
    ] {
        assert!(keys.contains(&k), "missing state {k}");
    }
    let sum: f64 = util.values().map(|x| x.as_f64().expect("number")).sum();
    assert!((sum - 1.0).abs() < 1e-9, "{sum}");
    assert!(st["queue_wait_s"]["ci95"].is_array());
    assert!(v["throughput_per_h"]["by_product"]["bracket"]["mean"].is_number());
    // One replication: no interval.
    let one = report_without_run(&factory5g(&[
        "run",
        "mm3",
        "--json",
        "-R",
        "1",
        "--horizon",
        "100h",
        "--warmup",
        "0s",
    ]));
    assert!(one["throughput_per_h"]["ci95"].is_null());
}

#[test]
fn scenarios_lists_and_prints_builtins() {
    let out = factory5g(&["scenarios"]);
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("small_plant"));
    let out = factory5g(&["scenarios", "mm3"]);
    assert_eq!(
        text(&out.stdout),
        factory5g::scenario::builtin_text("mm3").unwrap()
    );
    let out = factory5g(&["scenarios", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

fn bad_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad")
}

/// Every file in tests/bad/ names, in `# expect:` comment lines, phrases
/// its error must contain; `validate` must exit 2 with them, a file:line:col
/// position, and no panic.
#[test]
fn every_bad_scenario_fails_validation_clearly() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(bad_dir())
        .expect("tests/bad exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "only {} bad files", files.len());
    for f in files {
        let body = std::fs::read_to_string(&f).expect("readable");
        let expected: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: "))
            .collect();
        assert!(!expected.is_empty(), "{} has no `# expect:` line", f.display());
        let out = factory5g(&["validate", f.to_str().expect("utf-8 path")]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", f.display());
        assert!(
            !stderr.contains("panicked") && !stderr.contains("internal error"),
            "{stderr}"
        );
        let name = f.file_name().unwrap().to_str().unwrap();
        let positioned = stderr.lines().any(|l| {
            l.split_once(name).is_some_and(|(_, rest)| {
                let mut parts = rest.split(':');
                parts.next() == Some("")
                    && parts.next().is_some_and(|n| n.parse::<u32>().is_ok())
                    && parts.next().is_some_and(|n| n.parse::<u32>().is_ok())
            })
        });
        assert!(positioned, "{}: no file:line:col in {stderr}", f.display());
        for phrase in expected {
            assert!(
                stderr.contains(phrase),
                "{}: expected `{phrase}` in:\n{stderr}",
                f.display()
            );
        }
    }
}

#[test]
fn missing_file_and_bad_usage_exit_2() {
    let out = factory5g(&["validate", "/nonexistent/plant.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/plant.toml"));
    let out = factory5g(&["run", "/nonexistent/plant.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let out = factory5g(&["run", "--replications", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = factory5g(&["run", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    let out = factory5g(&["run", "mm3", "--horizon", "10 parsecs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("parsecs"), "{}", text(&out.stderr));
}

#[test]
fn set_overrides_change_the_run() {
    let short_run = [
        "run",
        "mm3",
        "--json",
        "-R",
        "2",
        "--horizon",
        "200h",
        "--warmup",
        "0s",
    ];
    let base = report_without_run(&factory5g(&short_run));
    let more = report_without_run(&factory5g(
        &[&short_run[..], &["--set", "station.cell.servers=6"]].concat(),
    ));
    assert_eq!(more["stations"][0]["servers"], 6);
    let wait = |v: &serde_json::Value| v["stations"][0]["queue_wait_s"]["mean"].as_f64().unwrap();
    assert!(wait(&more) < wait(&base));
    let out = factory5g(&["run", "mm3", "--set", "station.cell.servers=0"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Every kind of failure of the command line, each as a user meets it: its
/// exit code (0 ok, 1 a simulation or file failure or the timeout, 2 bad
/// usage or an invalid scenario, 130 interrupted) and one readable message
/// on stderr, nothing on stdout.
#[test]
fn each_kind_of_failure_has_its_exit_code_and_one_message() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let file = file.to_str().unwrap();
    let empty = tmp.path().to_str().unwrap();
    let cases: [(&str, &[&str], i32, &str); 8] = [
        ("arguments", &["run", "--frobnicate"], 2, "unexpected argument"),
        (
            "usage",
            &["scenarios", "nope"],
            2,
            "error: no built-in scenario named `nope`",
        ),
        (
            "usage",
            &["sweep", "plan", "mm3", "--vary", "scenario.seed=1,2"],
            2,
            "error: --vary scenario.seed=1,2: scenario.seed cannot be varied",
        ),
        (
            "invalid",
            &["compare", "mm3", "/nonexistent/b.toml"],
            2,
            "/nonexistent/b.toml: error: cannot read scenario file",
        ),
        (
            "run",
            &["run", "mm3", "-R", "2", "--max-events", "1000", "-q"],
            1,
            "error: replication 0: stopped after 1,000 events",
        ),
        (
            "io",
            &["run", "mm3", "-R", "1", "--out", file],
            1,
            "exists and is not a directory",
        ),
        ("io", &["sweep", "merge", empty], 1, "error: no plan at"),
        (
            "timed out",
            &["run", "mm3", "-R", "2", "--timeout", "1ns", "-q"],
            1,
            "the --timeout of 1ns was reached before any of the 2 replications finished",
        ),
    ];
    for (kind, args, code, message) in cases {
        let out = factory5g(args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{kind} {args:?}: {stderr}");
        assert!(stderr.contains(message), "{kind} {args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{kind} {args:?}");
        assert!(!stderr.contains("error: error:"), "{kind}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Err("),
            "{kind}: {stderr}"
        );
    }
}

/// Ctrl-C (SIGINT) during `run`: exit 130, saying it was interrupted.
#[cfg(unix)]
#[test]
fn an_interrupted_run_exits_130() {
    // A fifth of a second per replication, 40 one after the other: still
    // running when the signal comes.
    let child = Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .args([
            "run",
            "mm3",
            "-R",
            "40",
            "--threads",
            "1",
            "--horizon",
            "800000h",
            "-q",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    std::thread::sleep(std::time::Duration::from_millis(500));
    crate::send_sigint(child.id());
    let out = child.wait_with_output().expect("the run ends");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `factory5g latency --json` with an interferer as far as the serving gNB,
/// fully loaded, every link LOS: interference equals the signal, so the SINR
/// is `S / (N + S)`, under 0 dB; the text prints the same state line.
#[test]
fn latency_with_an_equidistant_interferer_as_json_and_text() {
    let args = [
        "latency",
        "--channel",
        "InF-DH",
        "--distance",
        "30",
        "--carrier-ghz",
        "3.5",
        "--state",
        "los",
        "--interferer-distance",
        "30",
        "--interferer-load",
        "1",
    ];
    let out = factory5g(&[&args[..], &["--json"]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    let link = &v["link"];
    let number = |key: &str| link[key].as_f64().unwrap_or_else(|| panic!("{key}: {link}"));
    // TR 38.901 InF LOS, BS 8 m and UE 1.5 m; noise over 100 MHz, NF 9 dB.
    let path_loss = 31.84 + 21.5 * 30f64.hypot(6.5).log10() + 19.0 * 3.5f64.log10();
    let signal_dbm = 24.0 - path_loss;
    let noise_dbm = -174.0 + 80.0 + 9.0;
    let mw = |dbm: f64| 10f64.powf(dbm / 10.0);
    let sinr = 10.0 * (mw(signal_dbm) / (mw(noise_dbm) + mw(signal_dbm))).log10();
    assert!((number("noise_dbm") - noise_dbm).abs() < 0.01, "{link}");
    assert!(
        (number("snr_db") - (signal_dbm - noise_dbm)).abs() < 0.01,
        "{link}"
    );
    assert!((number("interference_dbm") - signal_dbm).abs() < 0.01, "{link}");
    assert!(
        (number("sinr_db") - sinr).abs() < 0.01 && number("sinr_db") < 0.0,
        "{link}"
    );
    assert_eq!(link["state"], "los");
    let out = factory5g(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let line = format!(
        "state los: SNR {:.1} dB, interference {signal_dbm:.1} dBm, SINR {sinr:.1} dB",
        signal_dbm - noise_dbm
    );
    assert!(stdout.contains(&line), "{line} not in\n{stdout}");
}
