//! Limits and interruption: `--max-events`, the guard on jobs in the plant,
//! `--timeout`, Ctrl-C on `run` and `sweep run` (through the library's
//! cancellation flag, and once with a real SIGINT to the binary), and the
//! bounds on what a scenario may ask for.

use factory5g::engine::SimTime;
use factory5g::experiment::sweep::{self, PlanRequest, Shard};
use factory5g::experiment::{run_replications_with, RunSettings, Stopped};
use factory5g::factory::{simulate, simulate_with_limits, Limits, LinkProfiles, SimError};
use factory5g::model::Model;
use factory5g::scenario;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn mm3(overrides: &[&str]) -> Model {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    scenario::load_builtin_with("mm3", &o)
        .unwrap_or_else(|d| panic!("{d}"))
        .model
}

fn factory5g(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn settings(replications: u32, threads: usize) -> RunSettings {
    RunSettings {
        seed: 11,
        replications,
        threads: Some(threads),
        progress: None,
    }
}

/// A flag that a thread sets once `when` holds (polled every millisecond),
/// or after `max` at the latest.
fn set_when(flag: &Arc<AtomicBool>, max: Duration, when: impl Fn() -> bool + Send + 'static) {
    let flag = Arc::clone(flag);
    std::thread::spawn(move || {
        let start = Instant::now();
        while !when() && start.elapsed() < max {
            std::thread::sleep(Duration::from_millis(1));
        }
        flag.store(true, Ordering::SeqCst);
    });
}

// ---- the event loop's limits ----------------------------------------------------

#[test]
fn max_events_ends_a_replication_with_a_clear_error() {
    let m = mm3(&[]);
    let limits = Limits {
        max_events: Some(1000),
        ..Limits::default()
    };
    let profiles = LinkProfiles::compute(&m);
    let e = simulate_with_limits(&m, &profiles, 1, 0, &limits).unwrap_err();
    let SimError::EventLimit { limit, time, horizon } = &e else {
        panic!("{e}");
    };
    assert_eq!((*limit, *horizon), (1000, SimTime::from_secs(20_000 * 3600)));
    // A thousand events, an arrival or a departure each, at about one of
    // each an hour: some 500 h into the run.
    assert!((300.0..700.0).contains(&time.as_hours_f64()), "{time}");
    // Times print in the largest unit of which they are at least one: the
    // 20000h of the file is 833.333333d.
    assert_eq!(
        e.to_string(),
        format!(
            "stopped after 1,000 events (the --max-events limit) at simulated time {time} of the \
             833.333333d horizon; raise --max-events, or shorten the horizon"
        )
    );
}

#[test]
fn limits_that_are_not_reached_change_nothing() {
    let m = mm3(&["scenario.horizon=2000h", "scenario.warmup=100h"]);
    let free = simulate(&m, 3, 1).unwrap();
    let limits = Limits {
        max_events: Some(free.events),
        deadline: Some(Instant::now() + Duration::from_secs(3600)),
        cancel: Some(Arc::new(AtomicBool::new(false))),
        ..Limits::default()
    };
    let bounded = simulate_with_limits(&m, &LinkProfiles::compute(&m), 3, 1, &limits).unwrap();
    assert_eq!(bounded.events, free.events);
    assert_eq!(bounded.stations[0].state_ns, free.stations[0].state_ns);
    assert_eq!(bounded.products[0].completed, free.products[0].completed);
    assert_eq!(bounded.lead_time_s.mean(), free.lead_time_s.mean());
}

#[test]
fn an_unstable_plant_stops_at_the_job_limit_naming_the_queue() {
    // One server for a load of 2.7: the queue grows without end.
    let m = mm3(&["station.cell.servers=1", "scenario.horizon=100000h"]);
    let limits = Limits {
        max_jobs: 5_000,
        ..Limits::default()
    };
    let e = simulate_with_limits(&m, &LinkProfiles::compute(&m), 1, 0, &limits).unwrap_err();
    let SimError::TooManyJobs { jobs, limit, .. } = &e else {
        panic!("{e}");
    };
    assert_eq!(*limit, 5_000);
    assert!(*jobs > 5_000 && *jobs < 5_000 + 4_200, "{jobs}");
    let msg = e.to_string();
    assert!(
        msg.contains("more than the limit of 5,000; the most wait at station `cell` ("),
        "{msg}"
    );
    assert!(msg.contains("raise --max-jobs"), "{msg}");
    // The default guard is a million jobs.
    assert_eq!(Limits::default().max_jobs, 1_000_000);
}

// ---- replications stopped from outside ------------------------------------------

#[test]
fn a_cancelled_or_timed_out_run_starts_nothing() {
    let m = mm3(&[]);
    let cancel = Limits {
        cancel: Some(Arc::new(AtomicBool::new(true))),
        ..Limits::default()
    };
    let r = run_replications_with(&m, &settings(4, 2), &cancel).unwrap();
    assert_eq!(r.stopped, Some(Stopped::Interrupted));
    assert!(r.outputs.is_empty());
    let late = Limits {
        deadline: Some(Instant::now()),
        ..Limits::default()
    };
    let r = run_replications_with(&m, &settings(4, 2), &late).unwrap();
    assert_eq!(r.stopped, Some(Stopped::TimedOut));
    assert!(r.outputs.is_empty());
    // Without a limit reached, nothing is stopped.
    let r = run_replications_with(
        &mm3(&["scenario.horizon=600h"]),
        &settings(2, 2),
        &Limits::default(),
    )
    .unwrap();
    assert_eq!(r.stopped, None);
    assert_eq!(r.outputs.len(), 2);
}

#[test]
fn an_interrupted_run_keeps_the_replications_that_finished_and_stops_promptly() {
    // Each replication takes a good fraction of a second.
    let m = mm3(&["scenario.horizon=400000h"]);
    let flag = Arc::new(AtomicBool::new(false));
    let limits = Limits {
        cancel: Some(Arc::clone(&flag)),
        ..Limits::default()
    };
    let started = Instant::now();
    set_when(&flag, Duration::from_millis(700), || false);
    let r = run_replications_with(&m, &settings(60, 2), &limits).unwrap();
    let stopped_after = started.elapsed();
    assert_eq!(r.stopped, Some(Stopped::Interrupted));
    assert!(r.outputs.len() < 60, "all {} replications ran", r.outputs.len());
    // Stopped within a few thousand events of the flag, not at the end of a replication.
    assert!(
        stopped_after < Duration::from_millis(700 + 500),
        "{stopped_after:?}"
    );
    // What finished is what an uninterrupted run gives, replication by replication.
    let mut seen = Vec::new();
    for out in &r.outputs {
        assert!(!seen.contains(&out.replication));
        seen.push(out.replication);
        let alone = simulate(&m, 11, out.replication).unwrap();
        assert_eq!(out.events, alone.events);
        assert_eq!(out.stations[0].state_ns, alone.stations[0].state_ns);
    }
}

// ---- sweeps ---------------------------------------------------------------------

/// A plan of six runs of mm3, each taking a fraction of a second.
fn slow_plan(dir: &Path) -> sweep::Plan {
    let req = PlanRequest {
        scenario: "mm3".into(),
        vary: vec!["station.cell.servers=3,4,5,6,7,8".into()],
        replications: Some(2),
        seed: Some(5),
        horizon: Some("600000h".into()),
        warmup: None,
        set: Vec::new(),
    };
    let (plan, _) = sweep::make_plan(&req).unwrap_or_else(|f| panic!("{f}"));
    std::fs::write(dir.join("plan.json"), plan.to_json()).unwrap();
    plan
}

fn summary(plan: &sweep::Plan, dir: &Path) -> String {
    let merged = sweep::collect(plan, dir).unwrap_or_else(|f| panic!("{f}"));
    sweep::summary_csv(plan, &merged.summary()).unwrap()
}

#[test]
fn an_interrupted_sweep_resumed_merges_to_the_same_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = slow_plan(tmp.path());
    let whole = tmp.path().join("whole");
    let r = sweep::run_shard(&plan, &whole, Shard::default(), Some(2), None).unwrap();
    assert_eq!(r.written.len(), 6);
    let reference = summary(&plan, &whole);

    // Interrupted as soon as the first run file is written.
    let part = tmp.path().join("part");
    let flag = Arc::new(AtomicBool::new(false));
    let first = part.join(sweep::run_file_name(0));
    set_when(&flag, Duration::from_secs(120), move || first.exists());
    let limits = Limits {
        cancel: Some(Arc::clone(&flag)),
        ..Limits::default()
    };
    let r = sweep::run_shard_with(&plan, &part, Shard::default(), Some(2), None, &limits).unwrap();
    assert_eq!(r.stopped, Some(Stopped::Interrupted));
    assert!(!r.written.is_empty() && !r.left.is_empty(), "{r:?}");
    assert_eq!(r.written.len() + r.left.len(), 6, "{r:?}");
    for i in &r.left {
        assert!(
            !part.join(sweep::run_file_name(*i)).exists(),
            "run {i} was written"
        );
    }
    assert!(
        sweep::collect(&plan, &part).is_err(),
        "an unfinished sweep merges"
    );
    // Resumed: the written runs are skipped, the rest done.
    let again = sweep::run_shard(&plan, &part, Shard::default(), Some(2), None).unwrap();
    assert_eq!(again.skipped, r.written);
    assert_eq!(again.written, r.left);
    assert_eq!(summary(&plan, &part), reference);
}

/// `sweep run` as a user runs it: Ctrl-C (SIGINT) after the first run file,
/// exit 130 with the finished runs kept; run again, it completes, and the
/// merged summary.csv is byte-identical to an uninterrupted sweep's.
#[cfg(unix)]
#[test]
fn sigint_during_sweep_run_then_resume_gives_the_same_summary_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    slow_plan(tmp.path());
    let plan = tmp.path().join("plan.json");
    let p = |x: &Path| x.to_str().expect("utf-8").to_string();
    let whole = tmp.path().join("whole");
    let out = factory5g(&["sweep", "run", &p(&plan), "--out", &p(&whole), "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = factory5g(&["sweep", "merge", &p(&whole), "--no-plots"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reference = std::fs::read(whole.join("summary.csv")).unwrap();

    let part = tmp.path().join("part");
    let child = Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .args([
            "sweep",
            "run",
            &p(&plan),
            "--out",
            &p(&part),
            "-q",
            "--threads",
            "2",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let started = Instant::now();
    while !part.join(sweep::run_file_name(0)).exists() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no run file written"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    crate::send_sigint(child.id());
    let out = child.wait_with_output().expect("the sweep ends");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        stderr.contains("run the same command again to do the rest"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let written = (0..6)
        .filter(|i| part.join(sweep::run_file_name(*i)).exists())
        .count();
    assert!((1..6).contains(&written), "{written} runs written");

    let out = factory5g(&["sweep", "run", &p(&plan), "--out", &p(&part), "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!(
            "{} run(s) written, {written} already there",
            6 - written
        )),
        "{}",
        text(&out.stdout)
    );
    let out = factory5g(&["sweep", "merge", &p(&part), "--no-plots"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(part.join("summary.csv")).unwrap(), reference);
}

// ---- the command line -----------------------------------------------------------

#[test]
fn cli_limits_end_with_clear_messages() {
    let out = factory5g(&["run", "mm3", "--max-events", "500", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: replication 0: stopped after 500 events (the --max-events limit)"),
        "{stderr}"
    );
    // Nothing finishes within a millisecond: no report, exit 1.
    let out = factory5g(&[
        "run",
        "mm3",
        "--horizon",
        "800000h",
        "-R",
        "2",
        "--timeout",
        "1ms",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "the --timeout of 1ms was reached before any of the 2 replications finished; no report written"
        ),
        "{stderr}"
    );
    let out = factory5g(&[
        "run",
        "mm3",
        "--set",
        "station.cell.servers=1",
        "--horizon",
        "100000h",
        "--max-jobs",
        "2000",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("jobs in the plant at simulated time"),
        "{}",
        text(&out.stderr)
    );
    // Bad values are usage errors.
    for bad in [
        ["--timeout", "10"],
        ["--timeout", "0s"],
        ["--max-events", "0"],
        ["--max-jobs", "many"],
    ] {
        let out = factory5g(&["run", "mm3", bad[0], bad[1]]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(text(&out.stderr).contains(bad[0]), "{}", text(&out.stderr));
    }
    let out = factory5g(&["run", "mm3", "-R", "20000"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_timed_out_sweep_keeps_nothing_half_done() {
    let tmp = tempfile::tempdir().unwrap();
    slow_plan(tmp.path());
    let plan = tmp.path().join("plan.json");
    let dir = tmp.path().join("runs");
    let out = factory5g(&[
        "sweep",
        "run",
        plan.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--timeout",
        "1ms",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("shard 0/1: the --timeout of 1ms was reached; 6 run(s) not done (0, 1, 2, 3, 4, 5)"),
        "{stderr}"
    );
    assert!(!dir.join(sweep::run_file_name(0)).exists());
}

#[test]
fn a_plan_with_too_many_design_points_is_refused() {
    let values: Vec<String> = (1..=101).map(|i| i.to_string()).collect();
    let axis = format!("station.cell.servers={}", values.join(","));
    let out = factory5g(&[
        "sweep",
        "plan",
        "mm3",
        "--vary",
        &axis,
        "--vary",
        &axis.replace("servers", "input_buffer"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the axes make 101 x 101 design points (10201); a plan holds at most 10000"),
        "{stderr}"
    );
}

// ---- bounds of a scenario -------------------------------------------------------

fn errors(text: &str) -> String {
    match scenario::load_str("big.toml", text, None, &[]) {
        Ok(_) => panic!("loaded"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn counts_are_bounded_with_located_errors() {
    let mut t = String::from("[scenario]\nhorizon = \"8h\"\n");
    for i in 0..2001 {
        t.push_str(&format!("[[station]]\nname = \"s{i}\"\nprocess = \"1min\"\n"));
    }
    for i in 0..2001 {
        t.push_str(&format!(
            "[[product]]\nname = \"p{i}\"\nrelease = \"exp(1h)\"\nroute = [\"s0\"]\n"
        ));
    }
    for i in 0..1001 {
        t.push_str(&format!(
            "[[flow]]\nname = \"f{i}\"\ndirection = \"ul\"\nues = 1\nrate = \"1Mbps\"\n"
        ));
    }
    let e = errors(&t);
    assert!(
        e.contains(": error: station: a scenario holds at most 2,000 stations, found 2,001"),
        "{e}"
    );
    assert!(
        e.contains(": error: product: a scenario holds at most 2,000 products, found 2,001"),
        "{e}"
    );
    assert!(
        e.contains(": error: flow: a scenario holds at most 1,000 flows, found 1,001"),
        "{e}"
    );
    // Each at the first entry too many.
    let line = |key: &str| {
        e.lines()
            .find(|l| l.contains(key))
            .and_then(|l| l.split(':').nth(1))
            .and_then(|n| n.parse::<usize>().ok())
    };
    assert_eq!(line("2,000 stations"), Some(3 + 2000 * 3));
}

#[test]
fn link_profiles_are_bounded() {
    let points: Vec<String> = (0..1500)
        .map(|i| format!("q{i} = [{}, {}]", i % 50, i / 50))
        .collect();
    let flows: String = (0..8)
        .map(|i| {
            format!("[[flow]]\nname = \"f{i}\"\nrobots = \"s\"\ndirection = \"ul\"\nperiod = \"20ms\"\n")
        })
        .collect();
    let t = format!(
        "[scenario]\nhorizon = \"8h\"\n[layout]\nsize = [100, 100]\npoints = {{ {} }}\n[[station]]\nname = \"s\"\nat = \"q0\"\nprocess = \"1min\"\n[[product]]\nname = \"p\"\nrelease = \"exp(1h)\"\nroute = [\"s\"]\n[network]\nmodel = \"nr\"\n[network.nr]\ngnb = [[10, 10]]\n{flows}",
        points.join(", ")
    );
    let e = errors(&t);
    assert!(
        e.contains("flow.f6: 8 periodic flows at 1,500 layout points make 12,000 link profiles, more than the 10,000 allowed"),
        "{e}"
    );
}

#[test]
fn an_enormous_run_is_a_warning_at_the_horizon() {
    let l = scenario::load_builtin_with(
        "mm3",
        &[
            "scenario.horizon=36000d".into(),
            "product.job.release=exp(1ms)".into(),
        ],
    )
    .unwrap();
    let w: Vec<String> = l.warnings.iter().map(|d| d.to_string()).collect();
    let long = w
        .iter()
        .find(|d| d.contains("events per replication"))
        .expect("a warning");
    assert!(
        long.starts_with("--set scenario.horizon=36000d: warning: scenario.horizon: about 9."),
        "{long}"
    );
    assert!(long.contains("`--max-events N` or `--timeout 1h`"), "{long}");
    // The built-in scenarios do not warn.
    for name in scenario::builtin_names() {
        let l = scenario::load_builtin(name).unwrap();
        assert!(
            l.warnings
                .iter()
                .all(|d| !d.message.contains("events per replication")),
            "{name}"
        );
    }
}
