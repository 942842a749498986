//! `factory5g sweep plan | run | merge`: parameter sweeps made into a plan,
//! run in shards (each a process, on any machine) and merged into a
//! summary with plots.

use super::args::{LimitOptions, RunnerOptions, ScenarioOptions};
use super::{interrupt_flag, out, print_diagnostics, Failure};
use crate::experiment::sweep::{self, Plan, PlanRequest, Shard, PLAN_FILE};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand, Debug, Clone)]
pub enum SweepCommand {
    /// Expand axes into the full factorial of runs (first axis slowest) and validate each.
    #[command(after_help = "The scenario options apply to every run of the plan.")]
    Plan(PlanArgs),
    /// Run a shard of a plan: every run whose index mod N is I; runs already written are skipped.
    Run(RunArgs),
    /// Check that every run is there and write the summary CSV and plots.
    Merge(MergeArgs),
}

#[derive(Args, Debug, Clone, Default)]
pub struct PlanArgs {
    /// A scenario file, or the name of a built-in scenario.
    scenario: String,
    /// An axis: PATH=V1,V2,... (repeatable; commas inside brackets do not split).
    #[arg(long = "vary", value_name = "PATH=V1,V2,...", required = true)]
    vary: Vec<String>,
    #[command(flatten)]
    options: ScenarioOptions,
    /// Where to write the plan (default: stdout).
    #[arg(long = "output", short = 'o', value_name = "plan.json")]
    output: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// The plan made by `sweep plan`.
    plan: PathBuf,
    /// I/N: run the runs whose index mod N is I (0 <= I < N).
    #[arg(long, default_value = "0/1", value_name = "I/N")]
    shard: Shard,
    /// The run directory (shared by all shards): run-NNNNN.json and a copy of the plan.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    runner: RunnerOptions,
    #[command(flatten)]
    limits: LimitOptions,
}

#[derive(Args, Debug, Clone)]
pub struct MergeArgs {
    /// The run directory given to `sweep run --out`.
    dir: PathBuf,
    /// The summary CSV (default: DIR/summary.csv).
    #[arg(long = "output", short = 'o', value_name = "summary.csv")]
    output: Option<PathBuf>,
    /// Where to draw the plots (default: DIR/plots, wherever the CSV goes).
    #[arg(long, value_name = "PLOTS_DIR", conflicts_with = "no_plots")]
    plots: Option<PathBuf>,
    /// The plan (default: DIR/plan.json, stored there by `sweep run`).
    #[arg(long, value_name = "plan.json")]
    plan: Option<PathBuf>,
    /// Do not draw the plots.
    #[arg(long)]
    no_plots: bool,
}

pub fn sweep(cmd: SweepCommand) -> Result<(), Failure> {
    match cmd {
        SweepCommand::Plan(args) => plan(args),
        SweepCommand::Run(args) => run(&args),
        SweepCommand::Merge(args) => merge(&args),
    }
}

fn plan(args: PlanArgs) -> Result<(), Failure> {
    let request = PlanRequest {
        scenario: args.scenario,
        vary: args.vary,
        replications: args.options.replications,
        seed: args.options.seed,
        horizon: args.options.horizon,
        warmup: args.options.warmup,
        set: args.options.set,
    };
    let (plan, warnings) = sweep::make_plan(&request)?;
    print_diagnostics(&warnings);
    let Some(path) = args.output else {
        out(&plan.to_json());
        return Ok(());
    };
    plan.write(&path)?;
    let axes = plan
        .axes
        .iter()
        .map(|a| format!("{} ({} values)", a.path, a.values.len()))
        .collect::<Vec<_>>()
        .join(" x ");
    out(&format!(
        "{}: {} runs of {} ({axes}), {} replication(s) each, seed {}\n",
        path.display(),
        plan.runs.len(),
        plan.scenario.label(),
        plan.replications,
        plan.seed
    ));
    Ok(())
}

/// Reads a plan; `hint` says where plans come from when there is none.
fn read_plan(path: &Path, hint: &str) -> Result<Plan, Failure> {
    if !path.exists() {
        return Err(Failure::Io(format!("no plan at {}: {hint}", path.display())));
    }
    Plan::read(path).map_err(Failure::Usage)
}

fn run(args: &RunArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let plan = read_plan(
        &args.plan,
        "make one with `factory5g sweep plan SCENARIO --vary PATH=V1,V2,... -o plan.json`",
    )?;
    // The scenario must load here (a base file missing on this node, another
    // version of a built-in) before any run is tried; with the axes applied,
    // as the plan validated it.
    plan.load_run(0)?;
    // Only `sweep run` runs long enough to be worth stopping cleanly.
    let limits = args.limits.limits(started, interrupt_flag());
    let progress = args.runner.progress();
    let outcome = sweep::run_shard_with(
        &plan,
        &args.out,
        args.shard,
        args.runner.threads(),
        progress.as_deref(),
        &limits,
    )?;
    out(&format!(
        "shard {}: {} run(s) written, {} already there, {} failed, in {}\n",
        args.shard,
        outcome.written.len(),
        outcome.skipped.len(),
        outcome.failed.len(),
        args.out.display()
    ));
    let mut messages: Vec<String> = outcome
        .failed
        .iter()
        .map(|(_, e)| format!("error: {}", e.trim_end()))
        .collect();
    if let Some(stopped) = outcome.stopped {
        messages.push(format!(
            "shard {}: {}; {} run(s) not done ({}); the written ones are kept: run the same command again to do the rest",
            args.shard,
            args.limits.why(stopped),
            outcome.left.len(),
            list_indices(&outcome.left)
        ));
        return Err(Failure::stopped(stopped, messages.join("\n")));
    }
    if !messages.is_empty() {
        return Err(Failure::Run(messages.join("\n")));
    }
    Ok(())
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
        s.push_str(&format!(" and {} more", v.len() - 20));
    }
    s
}

fn merge(args: &MergeArgs) -> Result<(), Failure> {
    let plan_path = args.plan.clone().unwrap_or_else(|| args.dir.join(PLAN_FILE));
    let hint = if args.plan.is_some() {
        "give the plan made by `factory5g sweep plan`"
    } else {
        "is this the directory given to `sweep run --out`? (it keeps a copy of the plan there)"
    };
    let plan = read_plan(&plan_path, hint)?;
    let summary = sweep::collect(&plan, &args.dir)?.summary();
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.dir.join("summary.csv"));
    let plots_dir = args.plots.clone().unwrap_or_else(|| args.dir.join("plots"));
    let written = sweep::write_merge(&plan, &summary, &output, (!args.no_plots).then_some(&*plots_dir))?;
    let mut text = format!(
        "{}: {} design points, {} KPIs\n",
        written.summary.display(),
        plan.runs.len(),
        summary.kpis.len()
    );
    let clipped = summary.clipped();
    if clipped > 0 {
        text.push_str(&format!(
            "{clipped} interval(s) clipped at their KPI's bound (shares within [0, 1], the rest at 0 or more)\n"
        ));
    }
    if let Some((dir, count)) = &written.plots {
        text.push_str(&format!("{}: {count} plots (SVG and PNG)\n", dir.display()));
    }
    out(&text);
    Ok(())
}
