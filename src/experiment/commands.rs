//! The `compare` and `sweep` subcommands: their arguments (clap) and what
//! they do. Each returns an [`Outcome`] (text for stdout and stderr, and the
//! exit code) that `cli` prints, so only `cli` writes to stdout; the progress
//! bar goes to the terminal's stderr.

use super::charts;
use super::compare::{compare as compare_tables, text_table};
use super::files::{create_dir, write_atomic};
use super::kpi::KpiTable;
use super::sweep::{self, base_overrides, Failure, Plan, PlanRequest, ScenarioRef, Shard, PLAN_FILE};
use super::{run_replications_with, RunSettings, Stopped};
use crate::factory::{Limits, DEFAULT_MAX_JOBS};
use crate::scenario::{Diagnostic, Diagnostics};
use clap::{Args, Subcommand};
use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a command printed and its exit code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    fn fail(f: Failure, mut stderr: String) -> Outcome {
        let msg = f.message.trim_end();
        // Scenario diagnostics already say "error:"; other messages get it.
        let first = msg.lines().next().unwrap_or("");
        if first.contains(": error: ") || first.starts_with("error:") {
            let _ = writeln!(stderr, "{msg}");
        } else {
            let _ = writeln!(stderr, "error: {msg}");
        }
        Outcome {
            code: f.code,
            stdout: String::new(),
            stderr,
        }
    }
}

fn warnings_text(w: &[Diagnostic]) -> String {
    w.iter().map(|d| format!("{d}\n")).collect()
}

fn progress_wanted(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal() && std::io::stdout().is_terminal()
}

/// Exit code of a run stopped by Ctrl-C (or SIGTERM, SIGHUP): 128 + SIGINT.
pub const EXIT_INTERRUPTED: i32 = 130;

/// The limits of `run`, `compare` and `sweep run`.
#[derive(Args, Debug, Clone, Default)]
pub struct LimitArgs {
    /// Stop a replication after N events; it then fails with a message (default: no limit).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_events: Option<u64>,
    /// Stop a replication when more than N jobs are in the plant at once (an unstable plant) [default: 1000000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_jobs: Option<u64>,
    /// Stop after this wall-clock time, e.g. 30min or 23h, keeping what has finished.
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
}

/// `--timeout`: a duration with a unit, above 0.
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let t = crate::engine::SimTime::parse_duration(text).map_err(|e| e.to_string())?;
    if t == crate::engine::SimTime::ZERO {
        return Err(format!("the timeout must be longer than 0, found `{text}`"));
    }
    Ok(Duration::from_nanos(t.as_nanos()))
}

impl LimitArgs {
    /// The limits of a run that started at `started`, stopped by `cancel`.
    pub fn limits(&self, started: Instant, cancel: Option<Arc<AtomicBool>>) -> Limits {
        Limits {
            max_events: self.max_events,
            max_jobs: self.max_jobs.unwrap_or(DEFAULT_MAX_JOBS),
            deadline: self.timeout.and_then(|t| started.checked_add(t)),
            cancel,
        }
    }

    /// How the --timeout reads in messages.
    pub fn timeout_text(&self) -> String {
        self.timeout.map_or_else(String::new, |t| {
            crate::engine::SimTime::from_nanos(u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)).to_string()
        })
    }
}

/// The exit code of a stopped run: 130 for Ctrl-C, 1 for the timeout.
pub fn stopped_code(s: Stopped) -> i32 {
    match s {
        Stopped::Interrupted => EXIT_INTERRUPTED,
        Stopped::TimedOut => 1,
    }
}

#[derive(Args, Debug, Clone, Default)]
pub struct CompareArgs {
    /// Scenario A: a file, or the name of a built-in scenario.
    pub a: String,
    /// Scenario B: a file, or the name of a built-in scenario.
    pub b: String,
    /// Replications of each (default: A's `replications`).
    #[arg(long, short = 'R', value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: Option<u32>,
    /// Seed of both (default: A's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated time per replication of both, e.g. 8h.
    #[arg(long)]
    pub horizon: Option<String>,
    /// Warm-up of both, e.g. 1h.
    #[arg(long)]
    pub warmup: Option<String>,
    /// Override a key in both scenarios (repeatable); for a change in B only, write a variant file with `[scenario] base = ...`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Print the comparison as JSON: { "kpis": [ { name, a, b, diff, ci95, significant } ] }.
    #[arg(long)]
    pub json: bool,
    /// Write comparison.json and comparison.svg/.png into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replications in parallel (default: every core); results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// `factory5g compare A B`; `cancel` is the flag Ctrl-C sets.
pub fn compare(args: CompareArgs, cancel: Option<Arc<AtomicBool>>) -> Outcome {
    let started = Instant::now();
    let overrides = base_overrides(args.horizon.as_deref(), args.warmup.as_deref(), &args.set);
    let a = ScenarioRef::resolve(&args.a).load(&overrides);
    let b = ScenarioRef::resolve(&args.b).load(&overrides);
    let (a, b) = match (a, b) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let mut d = Diagnostics(Vec::new());
            for e in [a.err(), b.err()].into_iter().flatten() {
                d.0.extend(e.0);
            }
            return Outcome {
                code: 2,
                stdout: String::new(),
                stderr: format!("{d}\n"),
            };
        }
    };
    let mut stderr = warnings_text(&a.warnings);
    stderr.push_str(&warnings_text(&b.warnings));
    let settings = RunSettings {
        seed: args.seed.unwrap_or(a.model.seed),
        replications: args.replications.unwrap_or(a.model.replications),
        threads: args.threads.map(|t| t as usize),
        progress: progress_wanted(args.quiet),
    };
    let limits = args.limits.limits(started, cancel);
    let mut tables = Vec::new();
    for (label, m) in [("A", &a.model), ("B", &b.model)] {
        match run_replications_with(m, &settings, &limits) {
            Ok(runs) if runs.stopped.is_some() => {
                let why = match runs.stopped {
                    Some(Stopped::TimedOut) => {
                        format!("the --timeout of {} was reached", args.limits.timeout_text())
                    }
                    _ => "interrupted".to_string(),
                };
                let _ = writeln!(
                    stderr,
                    "{why} while running scenario {label} ({}): a comparison needs every replication of both; nothing compared",
                    m.name
                );
                return Outcome {
                    code: runs.stopped.map_or(1, stopped_code),
                    stdout: String::new(),
                    stderr,
                };
            }
            Ok(runs) => tables.push(KpiTable::of(m, &runs.outputs)),
            Err(e) => {
                return Outcome::fail(Failure::io(format!("scenario {label} ({}): {e}", m.name)), stderr)
            }
        }
    }
    let c = compare_tables(&tables[0], &tables[1]);
    let json = match serde_json::to_string_pretty(&c) {
        Ok(j) => j + "\n",
        Err(e) => {
            return Outcome::fail(
                Failure::io(format!("cannot write the comparison as JSON: {e}")),
                stderr,
            )
        }
    };
    if let Some(dir) = &args.out {
        let written = create_dir(dir)
            .and_then(|()| write_atomic(&dir.join("comparison.json"), json.as_bytes()))
            .and_then(|()| {
                charts::comparison_plot(&c, &a.model.name, &b.model.name, &dir.join("comparison"))
            });
        if let Err(e) = written {
            return Outcome::fail(Failure::io(e), stderr);
        }
    }
    let stdout = if args.json {
        json
    } else {
        text_table(
            &c,
            &a.model.name,
            &b.model.name,
            settings.seed,
            settings.replications,
        )
    };
    Outcome {
        code: 0,
        stdout,
        stderr,
    }
}

#[derive(Subcommand, Debug, Clone)]
pub enum SweepCommand {
    /// Expand axes into the full factorial of runs (first axis slowest) and validate each.
    Plan(SweepPlanArgs),
    /// Run a shard of a plan: every run whose index mod N is I; runs already written are skipped.
    Run(SweepRunArgs),
    /// Check that every run is there and write the summary CSV and plots.
    Merge(SweepMergeArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct SweepPlanArgs {
    /// A scenario file, or the name of a built-in scenario.
    pub scenario: String,
    /// An axis: PATH=V1,V2,... (repeatable; commas inside brackets do not split).
    #[arg(long = "vary", value_name = "PATH=V1,V2,...", required = true)]
    pub vary: Vec<String>,
    /// Replications of each run (default: the scenario's).
    #[arg(long, short = 'R', value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub replications: Option<u32>,
    /// Seed of every run (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulated time per replication, e.g. 8h.
    #[arg(long)]
    pub horizon: Option<String>,
    /// Warm-up, e.g. 1h.
    #[arg(long)]
    pub warmup: Option<String>,
    /// Override a key in every run (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Where to write the plan (default: stdout).
    #[arg(long = "output", short = 'o', value_name = "plan.json")]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct SweepRunArgs {
    /// The plan made by `sweep plan`.
    pub plan: PathBuf,
    /// I/N: run the runs whose index mod N is I (0 <= I < N).
    #[arg(long, default_value = "0/1", value_name = "I/N")]
    pub shard: Shard,
    /// The run directory (shared by all shards): run-NNNNN.json and a copy of the plan.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replications in parallel (default: every core); results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(Args, Debug, Clone)]
pub struct SweepMergeArgs {
    /// The run directory given to `sweep run --out`.
    pub dir: PathBuf,
    /// The summary CSV (default: DIR/summary.csv); plots go to plots/ beside it.
    #[arg(long = "output", short = 'o', value_name = "summary.csv")]
    pub output: Option<PathBuf>,
    /// The plan (default: DIR/plan.json, stored there by `sweep run`).
    #[arg(long, value_name = "plan.json")]
    pub plan: Option<PathBuf>,
    /// Do not draw the plots.
    #[arg(long)]
    pub no_plots: bool,
}

/// `factory5g sweep ...`; `cancel` is the flag Ctrl-C sets.
pub fn sweep(cmd: SweepCommand, cancel: Option<Arc<AtomicBool>>) -> Outcome {
    match cmd {
        SweepCommand::Plan(a) => sweep_plan(a),
        SweepCommand::Run(a) => sweep_run(a, cancel),
        SweepCommand::Merge(a) => sweep_merge(a),
    }
}

fn sweep_plan(args: SweepPlanArgs) -> Outcome {
    let req = PlanRequest {
        scenario: args.scenario,
        vary: args.vary,
        replications: args.replications,
        seed: args.seed,
        horizon: args.horizon,
        warmup: args.warmup,
        set: args.set,
    };
    let (plan, warnings) = match sweep::make_plan(&req) {
        Ok(p) => p,
        Err(f) => return Outcome::fail(f, String::new()),
    };
    let stderr = warnings_text(&warnings);
    let json = plan.to_json();
    let Some(path) = args.output else {
        return Outcome {
            code: 0,
            stdout: json,
            stderr,
        };
    };
    if let Err(e) = write_atomic(&path, json.as_bytes()) {
        return Outcome::fail(Failure::io(e), stderr);
    }
    let axes = plan
        .axes
        .iter()
        .map(|a| format!("{} ({} values)", a.path, a.values.len()))
        .collect::<Vec<_>>()
        .join(" x ");
    Outcome {
        code: 0,
        stdout: format!(
            "{}: {} runs of {} ({axes}), {} replication(s) each, seed {}\n",
            path.display(),
            plan.runs.len(),
            plan.scenario.label(),
            plan.replications,
            plan.seed
        ),
        stderr,
    }
}

/// Reads a plan; `hint` says where plans come from when there is none.
fn read_plan(path: &Path, hint: &str) -> Result<Plan, Failure> {
    if !path.exists() {
        return Err(Failure::io(format!("no plan at {}: {hint}", path.display())));
    }
    Plan::read(path).map_err(Failure::usage)
}

fn sweep_run(args: SweepRunArgs, cancel: Option<Arc<AtomicBool>>) -> Outcome {
    let started = Instant::now();
    let plan = match read_plan(
        &args.plan,
        "make one with `factory5g sweep plan SCENARIO --vary PATH=V1,V2,... -o plan.json`",
    ) {
        Ok(p) => p,
        Err(f) => return Outcome::fail(f, String::new()),
    };
    // The scenario must load here (a base file missing on this node, another
    // version of a built-in) before any run is tried.
    if let Err(d) = plan.scenario.load(&plan.overrides) {
        return Outcome::fail(Failure::usage(d.to_string()), String::new());
    }
    let limits = args.limits.limits(started, cancel);
    let result = sweep::run_shard_with(
        &plan,
        &args.out,
        args.shard,
        args.threads.map(|t| t as usize),
        progress_wanted(args.quiet),
        &limits,
    );
    let r = match result {
        Ok(r) => r,
        Err(f) => return Outcome::fail(f, String::new()),
    };
    let stdout = format!(
        "shard {}: {} run(s) written, {} already there, {} failed, in {}\n",
        args.shard,
        r.written.len(),
        r.skipped.len(),
        r.failed.len(),
        args.out.display()
    );
    let mut stderr = String::new();
    for (_, e) in &r.failed {
        let _ = writeln!(stderr, "error: {}", e.trim_end());
    }
    if let Some(stopped) = r.stopped {
        let why = match stopped {
            Stopped::Interrupted => "interrupted".to_string(),
            Stopped::TimedOut => format!("the --timeout of {} was reached", args.limits.timeout_text()),
        };
        let _ = writeln!(
            stderr,
            "shard {}: {why}; {} run(s) not done ({}); the written ones are kept: run the same command again to do the rest",
            args.shard,
            r.left.len(),
            list_indices(&r.left)
        );
        return Outcome {
            code: stopped_code(stopped),
            stdout,
            stderr,
        };
    }
    Outcome {
        code: if r.failed.is_empty() { 0 } else { 1 },
        stdout,
        stderr,
    }
}

/// `0, 3, 6` (the first 20, then `and N more`).
fn list_indices(v: &[usize]) -> String {
    let mut s = v
        .iter()
        .take(20)
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if v.len() > 20 {
        let _ = write!(s, " and {} more", v.len() - 20);
    }
    s
}

fn sweep_merge(args: SweepMergeArgs) -> Outcome {
    let plan_path = args.plan.clone().unwrap_or_else(|| args.dir.join(PLAN_FILE));
    let hint = if args.plan.is_some() {
        "give the plan made by `factory5g sweep plan`"
    } else {
        "is this the directory given to `sweep run --out`? (it keeps a copy of the plan there)"
    };
    let plan = match read_plan(&plan_path, hint) {
        Ok(p) => p,
        Err(f) => return Outcome::fail(f, String::new()),
    };
    let merged = match sweep::collect(&plan, &args.dir) {
        Ok(m) => m,
        Err(f) => return Outcome::fail(f, String::new()),
    };
    let summary = merged.summary();
    let csv = match sweep::summary_csv(&plan, &summary) {
        Ok(c) => c,
        Err(e) => {
            return Outcome::fail(
                Failure::io(format!("cannot write the summary: {e}")),
                String::new(),
            )
        }
    };
    let output = args.output.unwrap_or_else(|| args.dir.join("summary.csv"));
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Err(e) = create_dir(&parent).and_then(|()| write_atomic(&output, csv.as_bytes())) {
        return Outcome::fail(Failure::io(e), String::new());
    }
    let mut stdout = format!(
        "{}: {} design points, {} KPIs\n",
        output.display(),
        plan.runs.len(),
        summary.kpis.len()
    );
    if !args.no_plots {
        let plots = parent.join("plots");
        match create_dir(&plots).and_then(|()| charts::sweep_plots(&plan, &summary, &plots)) {
            Ok(files) => {
                let _ = writeln!(
                    stdout,
                    "{}: {} plots (SVG and PNG)",
                    plots.display(),
                    files.len() / 2
                );
            }
            Err(e) => return Outcome::fail(Failure::io(e), String::new()),
        }
    }
    Outcome {
        code: 0,
        stdout,
        stderr: String::new(),
    }
}
