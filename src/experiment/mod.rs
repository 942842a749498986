//! Replications of a model, in parallel and deterministic.
//!
//! Replication `r` draws only from the random streams keyed by (seed, r), and
//! results are gathered in replication order, so the outputs are the same
//! bit for bit whatever the number of threads.
//!
//! ```
//! use factory5g::experiment::{run_replications, RunSettings};
//! let model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! let settings = RunSettings { seed: 1, replications: 2, threads: Some(1), progress: false };
//! let runs = run_replications(&model, &settings).unwrap();
//! assert_eq!(runs.outputs.len(), 2);
//! ```
//!
//! On top of replications: [`kpi`] (the named values of one replication),
//! [`compare`] (paired comparison under common random numbers) and [`sweep`]
//! (plans, sharded runs, merge); [`commands`] holds the `compare` and `sweep`
//! subcommands, `charts` their plots.

mod charts;
pub mod commands;
pub mod compare;
mod files;
pub mod kpi;
pub mod sweep;

use crate::factory::{simulate_with_limits, Limits, LinkProfiles, RunOutput, SimError};
use crate::model::Model;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct RunSettings {
    pub seed: u64,
    pub replications: u32,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Show a progress bar (the caller decides: a terminal and not --quiet).
    pub progress: bool,
}

/// Why replications stopped before they were all done.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The cancellation flag was set (Ctrl-C).
    Interrupted,
    /// The wall-clock deadline passed (--timeout).
    TimedOut,
}

/// The outputs of every replication, in order, and the wall time they took.
#[derive(Clone, Debug)]
pub struct Replications {
    /// In replication order. When `stopped` is set, only the replications
    /// that finished (each `RunOutput` names its replication).
    pub outputs: Vec<RunOutput>,
    pub wall_s: f64,
    /// Set when the run was stopped from outside before every replication
    /// finished; never set by [`run_replications`].
    pub stopped: Option<Stopped>,
}

/// Runs `settings.replications` replications of `model` to their horizon
/// (with the default [`Limits`]: only the guard on jobs in the plant).
pub fn run_replications(model: &Model, settings: &RunSettings) -> Result<Replications, String> {
    run_replications_with(model, settings, &Limits::default())
}

/// As [`run_replications`], within `limits`. A replication that reaches
/// the event or job limit fails the run, like a deadlock. When the
/// cancellation flag is set or the deadline passes, replications not yet
/// started are not started, those running stop, and the ones that finished
/// are returned with [`Replications::stopped`] set.
pub fn run_replications_with(
    model: &Model,
    settings: &RunSettings,
    limits: &Limits,
) -> Result<Replications, String> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = settings.threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let bar = if settings.progress {
        let bar = ProgressBar::new(u64::from(settings.replications));
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} replications ({elapsed})")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(model.name.clone());
        bar
    } else {
        ProgressBar::hidden()
    };
    let started = Instant::now();
    // Once per scenario, not per replication: the links robots see.
    let profiles = LinkProfiles::compute(model);
    let results = pool.install(|| {
        (0..settings.replications)
            .into_par_iter()
            .map(|r| {
                if let Some(stop) = limits.stop_at(crate::engine::SimTime::ZERO) {
                    return Err(stop);
                }
                let out = simulate_with_limits(model, &profiles, settings.seed, r, limits);
                bar.inc(1);
                out
            })
            .collect::<Vec<_>>()
    });
    bar.finish_and_clear();
    // The first failure in replication order, whatever thread saw it first;
    // a replication stopped from outside is no failure.
    if let Some((r, e)) = results
        .iter()
        .enumerate()
        .find_map(|(r, res)| res.as_ref().err().filter(|e| !e.is_stop()).map(|e| (r, e)))
    {
        return Err(format!("replication {r}: {e}"));
    }
    let stopped = results.iter().find_map(|res| match res {
        Err(SimError::Interrupted { .. }) => Some(Stopped::Interrupted),
        _ => None,
    });
    let stopped = stopped.or_else(|| {
        results
            .iter()
            .any(|res| matches!(res, Err(SimError::TimedOut { .. })))
            .then_some(Stopped::TimedOut)
    });
    Ok(Replications {
        outputs: results.into_iter().filter_map(Result::ok).collect(),
        wall_s: started.elapsed().as_secs_f64(),
        stopped,
    })
}
