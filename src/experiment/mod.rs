//! Replications of a model, in parallel and deterministic.
//!
//! Replication `r` draws only from the random streams keyed by (seed, r), and
//! results are gathered in replication order, so the outputs are the same
//! bit for bit whatever the number of threads.
//!
//! ```
//! use factory5g::experiment::{run_replications, RunSettings};
//! let model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! let settings = RunSettings { seed: 1, replications: 2, threads: Some(1), progress: None };
//! let runs = run_replications(&model, &settings).unwrap();
//! assert_eq!(runs.outputs.len(), 2);
//! ```
//!
//! On top of replications: [`kpi`] (the named values of one replication),
//! [`compare`] (paired comparison under common random numbers, its file and
//! plot), [`sweep`] (plans, sharded runs, merge) and [`capacity`] (a sweep
//! over CONWIP levels: how much a layout can make). Nothing here prints:
//! a caller that wants to show how far a long run has come passes a
//! [`Progress`], and errors are values ([`RunError`], [`sweep::SweepError`]).

pub mod capacity;
pub mod compare;
pub mod figures;
mod files;
pub mod kpi;
pub mod sweep;

use crate::factory::{simulate_with_limits, Limits, LinkProfiles, RunOutput, SimError};
use crate::model::Model;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone)]
pub struct RunSettings {
    pub seed: u64,
    pub replications: u32,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Told of each finished replication (the caller decides whether to
    /// show anything: a terminal and not --quiet).
    pub progress: Option<Arc<dyn Progress>>,
}

impl std::fmt::Debug for RunSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunSettings")
            .field("seed", &self.seed)
            .field("replications", &self.replications)
            .field("threads", &self.threads)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

/// What a long task counts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Counted {
    /// The replications of one scenario.
    Replications,
    /// The runs of a sweep shard.
    Runs,
}

/// Told how far a long task has come, from any worker thread: `begin`
/// once, `advance` once per finished step, `end` once. The command line
/// draws a progress bar with it; the library shows nothing.
pub trait Progress: Send + Sync {
    /// A task of `total` steps begins; `label` names it (the scenario, the
    /// shard).
    fn begin(&self, label: &str, total: u64, counted: Counted);
    /// One more step finished.
    fn advance(&self);
    /// The task ended (finished, failed or stopped).
    fn end(&self);
}

/// Why replications could not be run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot start worker threads: {0}")]
    Threads(String),
    /// The first replication, in replication order, that failed (a
    /// deadlock, the event or job limit).
    #[error("replication {replication}: {error}")]
    Replication { replication: u32, error: SimError },
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
pub fn run_replications(model: &Model, settings: &RunSettings) -> Result<Replications, RunError> {
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
) -> Result<Replications, RunError> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = settings.threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder.build().map_err(|e| RunError::Threads(e.to_string()))?;
    let progress = settings.progress.as_deref();
    if let Some(p) = progress {
        p.begin(
            &model.name,
            u64::from(settings.replications),
            Counted::Replications,
        );
    }
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
                if let Some(p) = progress {
                    p.advance();
                }
                out
            })
            .collect::<Vec<_>>()
    });
    if let Some(p) = progress {
        p.end();
    }
    // The first failure in replication order, whatever thread saw it first;
    // a replication stopped from outside is no failure.
    if let Some((r, error)) = results
        .iter()
        .enumerate()
        .find_map(|(r, res)| res.as_ref().err().filter(|e| !e.is_stop()).map(|e| (r, e)))
    {
        return Err(RunError::Replication {
            replication: r as u32,
            error: error.clone(),
        });
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
