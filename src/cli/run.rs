//! `factory5g run`: a scenario for R replications, the report on stdout
//! (text or JSON), optionally the `--out` directory and the `--trace` of
//! replication 0.

use super::args::{LimitOptions, RunnerOptions, ScenarioOptions};
use super::{interrupt_flag, load, out, print_diagnostics, Failure};
use crate::experiment::run_replications_with;
use crate::factory::{simulate_traced_with_limits, Limits, Trace};
use crate::model::Model;
use crate::report::replay::{Recorder, Replay};
use crate::report::{self, summarize, text_summary};
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug, Default)]
pub struct RunArgs {
    /// A scenario file, or the name of a built-in scenario (default: the built-in plant).
    scenario: Option<String>,
    #[command(flatten)]
    options: ScenarioOptions,
    /// Print report.json on stdout instead of the text summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    runner: RunnerOptions,
    /// Also write report.json, summary.md, CSVs, plots/, report.html and replay.html into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the events of replication 0 to FILE as JSON lines (time, entity, event, state).
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Keep at most N trace lines; later events are counted and dropped.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    trace_limit: usize,
    /// With --out: the replay page (replay.html) holds at most the last N trace records of replication 0; earlier ones are dropped, the warm-up first.
    #[arg(long, value_name = "N", default_value_t = report::replay::DEFAULT_LIMIT)]
    replay_limit: usize,
    #[command(flatten)]
    limits: LimitOptions,
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let loaded = load(args.scenario.as_deref(), &args.options.overrides())?;
    print_diagnostics(&loaded.warnings);
    let model = loaded.model;
    let settings = args.options.settings(&model, &args.runner);
    // A bad --out or --trace fails before the simulation, not after it.
    let out_ok = args.out.as_deref().map_or(Ok(()), report::out::prepare_dir);
    let trace_ok = args
        .trace
        .as_deref()
        .map_or(Ok(()), report::out::check_trace_path);
    out_ok.and(trace_ok).map_err(Failure::Io)?;
    let limits = args.limits.limits(started, interrupt_flag());
    let runs = match run_replications_with(&model, &settings, &limits) {
        Ok(r) => r,
        Err(e) => {
            // The trace shows how the run got there; what it says follows
            // the error.
            let mut message = e.to_string();
            match trace(&model, settings.seed, &args, &limits) {
                Ok(None) => {}
                Ok(Some(note)) => message.push_str(&format!("\n{note}")),
                Err(failure) => message.push_str(&format!("\n{failure}")),
            }
            return Err(Failure::Run(message));
        }
    };
    if let Some(stopped) = runs.stopped {
        let why = args.limits.why(stopped);
        if runs.outputs.is_empty() {
            return Err(Failure::stopped(
                stopped,
                format!(
                    "{why} before any of the {} replications finished; no report written",
                    settings.replications
                ),
            ));
        }
        let done: Vec<String> = runs.outputs.iter().map(|o| o.replication.to_string()).collect();
        eprintln!(
            "{why}: the report covers the {} of {} replications that finished ({})",
            runs.outputs.len(),
            settings.replications,
            done.join(", ")
        );
    }
    let report = summarize(&model, settings.seed, &runs);
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        let json = serde_json::to_string_pretty(&report)
            .map_err(|e| Failure::Io(format!("cannot write the report as JSON: {e}")))?;
        out(&format!("{json}\n"));
    } else {
        out(&text_summary(&report));
    }
    if let Some(dir) = &args.out {
        let replay = replay(&model, settings.seed, args.replay_limit, &limits)?;
        if let Some(note) = replay.dropped_note() {
            eprintln!("{note}");
        }
        let (files, _notes) =
            report::out::write_out(dir, &model, &runs, &report, Some(&replay)).map_err(Failure::Io)?;
        if !args.runner.quiet {
            eprintln!("wrote {} files to {}", files.len(), dir.display());
        }
    }
    if let Some(stopped) = runs.stopped {
        let note = args
            .trace
            .is_some()
            .then(|| "trace: not written, the run was stopped".to_string());
        return Err(Failure::stopped(stopped, note));
    }
    // The report files are written first: a trace stopped by Ctrl-C loses
    // nothing else.
    if let Some(note) = trace(&model, settings.seed, &args, &limits)? {
        eprintln!("{note}");
    }
    Ok(())
}

/// Runs replication 0 again for the replay page, keeping the last `limit`
/// records. Stopped (Ctrl-C, --timeout), it writes nothing; a run that
/// failed (which the replications would have reported first) plays up to
/// its failure.
fn replay(model: &Model, seed: u64, limit: usize, limits: &Limits) -> Result<Replay, Failure> {
    let mut recorder = Recorder::new(model, limit);
    rerun_traced(
        model,
        seed,
        recorder.trace(),
        limits,
        "replay: not written, nor the other --out files",
    )?;
    Ok(recorder.finish(model, seed))
}

/// Runs replication 0 again into `trace`. A failed run keeps its records
/// up to the failure (the replications reported the failure already); a
/// stopped one (Ctrl-C, --timeout) is a failure, said with `what`.
fn rerun_traced(
    model: &Model,
    seed: u64,
    trace: &mut Trace,
    limits: &Limits,
    what: &str,
) -> Result<(), Failure> {
    match simulate_traced_with_limits(model, seed, 0, trace, limits) {
        Err(e) if e.is_stop() => {
            let note = format!("{what} ({e})");
            Err(if e.is_interrupt() {
                Failure::Interrupted(Some(note))
            } else {
                Failure::TimedOut(Some(note))
            })
        }
        _ => Ok(()),
    }
}

/// With --trace, runs replication 0 again with a trace and writes it;
/// returns a note when the --trace-limit dropped events. A failed run keeps
/// its trace up to the failure (the failure is reported already); a
/// stopped one is not written.
fn trace(model: &Model, seed: u64, args: &RunArgs, limits: &Limits) -> Result<Option<String>, Failure> {
    let Some(path) = &args.trace else {
        return Ok(None);
    };
    let mut trace = Trace::new(args.trace_limit);
    rerun_traced(model, seed, &mut trace, limits, "trace: not written")?;
    report::out::write_trace(path, &trace).map_err(Failure::Io)?;
    Ok((trace.dropped > 0).then(|| {
        format!(
            "trace: wrote {} lines to {}; the --trace-limit of {} was reached and {} later events were dropped",
            trace.records.len(),
            path.display(),
            args.trace_limit,
            trace.dropped
        )
    }))
}
