//! Options shared by several commands, each written once and flattened
//! into the commands that take it: what to simulate ([`ScenarioOptions`]:
//! `run`, `compare`, `sweep plan`), how to run it ([`RunnerOptions`]:
//! `run`, `compare`, `sweep run`) and when to stop ([`LimitOptions`]: the
//! same three).

use super::progress::Bar;
use crate::engine::SimTime;
use crate::experiment::sweep::base_overrides;
use crate::experiment::{Progress, RunSettings, Stopped};
use crate::factory::{Limits, DEFAULT_MAX_JOBS};
use crate::model::Model;
use crate::scenario::MAX_REPLICATIONS;
use clap::Args;
use std::io::IsTerminal;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What is simulated: the scenario's seed, replications, horizon and
/// warm-up, and any key, overridden.
#[derive(Args, Debug, Clone, Default)]
pub struct ScenarioOptions {
    /// Seed of the random streams (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of independent replications (default: the scenario's).
    #[arg(long, short = 'R', value_parser = clap::value_parser!(u32).range(1..=MAX_REPLICATIONS))]
    pub replications: Option<u32>,
    /// Simulated time per replication, e.g. 8h (default: the scenario's).
    #[arg(long)]
    pub horizon: Option<String>,
    /// Time before statistics are collected, e.g. 1h (default: the scenario's).
    #[arg(long)]
    pub warmup: Option<String>,
    /// Override a scenario key, e.g. --set station.weld.servers=8 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

impl ScenarioOptions {
    /// `--horizon` and `--warmup` as overrides, then `--set`: they go
    /// through the same validation as the file.
    pub fn overrides(&self) -> Vec<String> {
        base_overrides(self.horizon.as_deref(), self.warmup.as_deref(), &self.set)
    }

    /// The settings of a run of `model` (its seed and replications unless
    /// given).
    pub fn settings(&self, model: &Model, runner: &RunnerOptions) -> RunSettings {
        RunSettings {
            seed: self.seed.unwrap_or(model.seed),
            replications: self.replications.unwrap_or(model.replications),
            threads: runner.threads(),
            progress: runner.progress(),
        }
    }
}

/// How replications run: threads and the progress bar.
#[derive(Args, Debug, Clone, Default)]
pub struct RunnerOptions {
    /// Replications in parallel (default: every core); results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: Option<u32>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

impl RunnerOptions {
    pub fn threads(&self) -> Option<usize> {
        self.threads.map(|t| t as usize)
    }

    /// A progress bar on stderr, unless --quiet or either stream is not a
    /// terminal (a log, a pipe).
    pub fn progress(&self) -> Option<Arc<dyn Progress>> {
        let wanted = !self.quiet && std::io::stderr().is_terminal() && std::io::stdout().is_terminal();
        wanted.then(|| Arc::new(Bar::default()) as Arc<dyn Progress>)
    }
}

/// The limits of `run`, `compare` and `sweep run`.
#[derive(Args, Debug, Clone, Default)]
pub struct LimitOptions {
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
    let t = SimTime::parse_duration(text).map_err(|e| e.to_string())?;
    if t == SimTime::ZERO {
        return Err(format!("the timeout must be longer than 0, found `{text}`"));
    }
    Ok(Duration::from_nanos(t.as_nanos()))
}

impl LimitOptions {
    /// The limits of a run that started at `started`, stopped by `cancel`.
    pub fn limits(&self, started: Instant, cancel: Option<Arc<AtomicBool>>) -> Limits {
        Limits {
            max_events: self.max_events,
            max_jobs: self.max_jobs.unwrap_or(DEFAULT_MAX_JOBS),
            deadline: self.timeout.and_then(|t| started.checked_add(t)),
            cancel,
        }
    }

    /// Why a run stopped, as messages say it.
    pub fn why(&self, stopped: Stopped) -> String {
        match stopped {
            Stopped::Interrupted => "interrupted".to_string(),
            Stopped::TimedOut => {
                let timeout = self.timeout.map_or_else(String::new, |t| {
                    SimTime::from_nanos(u64::try_from(t.as_nanos()).unwrap_or(u64::MAX)).to_string()
                });
                format!("the --timeout of {timeout} was reached")
            }
        }
    }
}
