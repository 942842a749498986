//! The entry points of a replication, and the limits that may stop it.
//!
//! [`simulate`] and its variants set up a replication (its random streams,
//! and the link profiles when the caller has none) and run the plant
//! (`plant::run`) to its horizon, or until a [`Limits`] stops it.
//!
//! ```
//! use factory5g::factory::{simulate_with_limits, LinkProfiles, Limits, SimError};
//! let model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! let limits = Limits { max_events: Some(100), ..Limits::default() };
//! let stopped = simulate_with_limits(&model, &LinkProfiles::compute(&model), 1, 0, &limits);
//! assert!(matches!(stopped, Err(SimError::EventLimit { limit: 100, .. })));
//! ```

use super::plant::run;
use super::{LinkProfiles, RunOutput, SimError, Trace};
use crate::engine::SimTime;
use crate::model::Model;

/// The most jobs in the plant at once by default ([`Limits::max_jobs`]).
pub const DEFAULT_MAX_JOBS: u64 = 1_000_000;

/// What stops a replication before its horizon, besides a deadlock.
///
/// Every limit only stops a run: a run that ends within its limits gives the
/// same output as without them.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most events one replication may process (`None`: no limit).
    pub max_events: Option<u64>,
    /// The most jobs in the plant at once: an unstable plant (releases
    /// faster than it can finish) would otherwise fill memory. Checked every
    /// few thousand events, so the count may overshoot a little.
    pub max_jobs: u64,
    /// Wall-clock time after which the run stops ([`SimError::TimedOut`]).
    pub deadline: Option<std::time::Instant>,
    /// Set from outside (Ctrl-C) to stop the run ([`SimError::Interrupted`]).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl Default for Limits {
    /// No event limit, no deadline, no cancellation, [`DEFAULT_MAX_JOBS`].
    fn default() -> Self {
        Limits {
            max_events: None,
            max_jobs: DEFAULT_MAX_JOBS,
            deadline: None,
            cancel: None,
        }
    }
}

impl Limits {
    /// The error to stop with now, if the run is cancelled or past its
    /// deadline; `time` is the simulated time reached.
    pub fn stop_at(&self, time: SimTime) -> Option<SimError> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Some(SimError::Interrupted { time });
        }
        if self.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Some(SimError::TimedOut { time });
        }
        None
    }
}

/// Simulates replication `replication` of `model` with `seed`.
///
/// With periodic flows this first computes the scenario's link profiles;
/// to run many replications, compute them once with
/// [`LinkProfiles::compute`] and call [`simulate_with`].
pub fn simulate(model: &Model, seed: u64, replication: u32) -> Result<RunOutput, SimError> {
    let profiles = LinkProfiles::compute(model);
    run(model, &profiles, seed, replication, None, &Limits::default())
}

/// As [`simulate`], with the link profiles computed beforehand.
pub fn simulate_with(
    model: &Model,
    profiles: &LinkProfiles,
    seed: u64,
    replication: u32,
) -> Result<RunOutput, SimError> {
    run(model, profiles, seed, replication, None, &Limits::default())
}

/// As [`simulate_with`], within `limits` (events, jobs, wall clock,
/// cancellation).
pub fn simulate_with_limits(
    model: &Model,
    profiles: &LinkProfiles,
    seed: u64,
    replication: u32,
    limits: &Limits,
) -> Result<RunOutput, SimError> {
    run(model, profiles, seed, replication, None, limits)
}

/// As [`simulate`], recording state changes into `trace` (kept even when the
/// run fails, to show how it got there).
pub fn simulate_traced(
    model: &Model,
    seed: u64,
    replication: u32,
    trace: &mut Trace,
) -> Result<RunOutput, SimError> {
    let profiles = LinkProfiles::compute(model);
    run(
        model,
        &profiles,
        seed,
        replication,
        Some(trace),
        &Limits::default(),
    )
}

/// As [`simulate_traced`], within `limits`.
pub fn simulate_traced_with_limits(
    model: &Model,
    seed: u64,
    replication: u32,
    trace: &mut Trace,
    limits: &Limits,
) -> Result<RunOutput, SimError> {
    let profiles = LinkProfiles::compute(model);
    run(model, &profiles, seed, replication, Some(trace), limits)
}
