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

use crate::factory::{simulate_with, LinkProfiles, RunOutput};
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

/// The outputs of every replication, in order, and the wall time they took.
#[derive(Clone, Debug)]
pub struct Replications {
    pub outputs: Vec<RunOutput>,
    pub wall_s: f64,
}

pub fn run_replications(model: &Model, settings: &RunSettings) -> Result<Replications, String> {
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
    let outputs = pool.install(|| {
        (0..settings.replications)
            .into_par_iter()
            .map(|r| {
                let out = simulate_with(model, &profiles, settings.seed, r)
                    .map_err(|e| format!("replication {r}: {e}"));
                bar.inc(1);
                out
            })
            .collect::<Vec<_>>()
    });
    bar.finish_and_clear();
    // The first failure in replication order, whatever thread saw it first.
    let outputs = outputs.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(Replications {
        outputs,
        wall_s: started.elapsed().as_secs_f64(),
    })
}
