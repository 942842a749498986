//! Integration tests, one binary with a module per area.

mod calculator_link;
mod campus;
mod capacity;
mod channel;
mod cli;
mod coupling;
mod discard;
mod dxf;
mod edges;
mod experiment;
mod fleet;
mod fleet_props;
mod fleet_rules;
mod fuzz_corpus;
mod grant;
mod limits;
mod net;
mod perf;
mod periodic_queue;
mod plant;
mod props;
mod queues;
mod replay;
mod report;
mod scenario_errors;
mod shifts;
mod theory;
mod two_way;

use factory5g::experiment::{run_replications, RunSettings};
use factory5g::factory::RunOutput;
use factory5g::model::Model;
use factory5g::stats::mean_ci95;
use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with `args`.
pub fn factory5g(args: &[&str]) -> Output {
    factory5g_in(None, args)
}

/// Runs the binary with `args` in `dir` (the test's directory when `None`).
pub fn factory5g_in(dir: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_factory5g"));
    c.args(args);
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c.output().expect("the binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The stdout of a run that must succeed (else its exit code and output).
pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// The stdout of a run that must succeed, as JSON.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&ok(out)).expect("stdout is JSON")
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// Loads a scenario from text; panics with the diagnostics if it is invalid.
pub fn model(text: &str) -> Model {
    match factory5g::scenario::load_str("test.toml", text, None, &[]) {
        Ok(l) => l.model,
        Err(d) => panic!("test scenario invalid:\n{d}"),
    }
}

/// Ten arms that never work, each receiving a heartbeat every 100 ms over a
/// fixed 1 ms link that loses each message with probability `p`, with a
/// deadline, a survival time of `n` periods and a 1 s stop; `horizon` and
/// `warmup` are durations such as `"2h"`.
pub fn heartbeat_plant(p: f64, n: u32, deadline_ms: u32, horizon: &str, warmup: &str) -> String {
    format!(
        r#"
[scenario]
horizon = "{horizon}"
warmup = "{warmup}"

[[station]]
name = "cell"
servers = 10
robot = true
process = "1min"

[network]
model = "fixed"

[network.fixed]
latency = "1ms"
loss = {p}

[[flow]]
name = "heartbeat"
robots = "cell"
direction = "dl"
period = "100ms"
deadline = "{deadline_ms}ms"
survival = {n}
on_violation = "stop(1s)"
"#
    )
}

/// The one-cell plant of the queueing tests: a robot station `cell` of four
/// arms at p = [10, 10] (`exp(20s)` process) in a 40 m × 20 m hall, jobs
/// released every `exp(6s)`, one gNB at [20, 10]. `[network.nr]` holds
/// `scheduler = "{scheduler}"` when given, then the gNB, then `nr_keys`
/// (whole lines, each ending in a newline); `flows` follows (`[[flow]]`
/// tables, ending in a newline).
pub fn one_cell_plant(
    horizon: &str,
    warmup: &str,
    scheduler: Option<&str>,
    nr_keys: &str,
    flows: &str,
) -> String {
    let scheduler = scheduler.map_or(String::new(), |s| format!("scheduler = \"{s}\"\n"));
    format!(
        r#"
[scenario]
horizon = "{horizon}"
warmup = "{warmup}"

[layout]
size = [40, 20]
points = {{ p = [10, 10] }}

[[station]]
name = "cell"
at = "p"
servers = 4
robot = true
process = "exp(20s)"

[[product]]
name = "job"
release = "exp(6s)"
route = ["cell"]

[network]
model = "nr"

[network.nr]
{scheduler}gnb = [[20, 10]]
{nr_keys}
{flows}"#
    )
}

pub fn replications(model: &Model, seed: u64, reps: u32) -> Vec<RunOutput> {
    let settings = RunSettings {
        seed,
        replications: reps,
        threads: None,
        progress: None,
    };
    run_replications(model, &settings).expect("runs").outputs
}

/// Asserts that `theory` lies within the replications' 95% confidence
/// interval widened twofold (about a 99.95% interval for 16 or more
/// replications), and that the interval is narrow enough to mean something:
/// its half-width under `max_rel` of the theoretical value.
pub fn assert_matches_theory(what: &str, values: &[f64], theory: f64, max_rel: f64) {
    let (mean, ci) = mean_ci95(values);
    let (lo, hi) = ci.expect("at least two replications");
    let half = (hi - lo) / 2.0;
    eprintln!(
        "{what}: simulated {mean:.5} ± {half:.5} (95%), theory {theory:.5}, error {:+.2}%",
        100.0 * (mean / theory - 1.0)
    );
    assert!(
        (mean - theory).abs() <= 2.0 * half,
        "{what}: theory {theory} outside the widened interval {mean} ± {}",
        2.0 * half
    );
    assert!(
        half <= max_rel * theory.abs(),
        "{what}: interval ±{half} too wide to test against {theory}"
    );
}

/// Sends SIGINT (what Ctrl-C sends) to the process `pid`.
#[cfg(unix)]
pub fn send_sigint(pid: u32) {
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success());
}
