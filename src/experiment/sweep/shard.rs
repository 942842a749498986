//! Running a plan: a shard's runs (every run whose index mod N is I), one
//! file per run (`run-00042.json`), written atomically and skipped when a
//! valid one is there already; stopped from outside, the run in progress
//! is dropped and the files written stay.

use super::{Plan, SweepError, PLAN_FILE, RUN_FORMAT};
use crate::experiment::files::{create_dir, write_atomic};
use crate::experiment::kpi::{bounded_estimate, KpiTable};
use crate::experiment::{run_replications_with, Counted, Progress, RunSettings, Stopped};
use crate::factory::Limits;
use crate::report::summarize;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// `I/N`: this shard runs the runs whose index mod N is I.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let err = || format!("expected I/N with 0 <= I < N, e.g. 0/4, found `{s}`");
        let (i, n) = s.split_once('/').ok_or_else(err)?;
        let index: usize = i.trim().parse().map_err(|_| err())?;
        let count: usize = n.trim().parse().map_err(|_| err())?;
        if count == 0 || index >= count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    pub fn contains(&self, index: usize) -> bool {
        index % self.count == self.index
    }
}

/// One run's file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub format: String,
    pub plan_digest: String,
    pub index: usize,
    pub point: Vec<PointValue>,
    /// The scenario's name.
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub kpis: Vec<RunKpi>,
    /// The run's report.json: means over replications.
    pub report: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointValue {
    pub path: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunKpi {
    pub name: String,
    /// One per replication; `null` where undefined.
    pub values: Vec<Option<f64>>,
    pub mean: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

impl RunKpi {
    pub(super) fn finite_values(&self) -> Vec<f64> {
        self.values.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
    }
}

/// The file name of run `index`.
pub fn run_file_name(index: usize) -> String {
    format!("run-{index:05}.json")
}

/// Runs run `index` of `plan` (its replications in parallel).
pub fn execute(plan: &Plan, index: usize, threads: Option<usize>) -> Result<RunRecord, String> {
    match execute_with(plan, index, threads, &Limits::default())? {
        Executed::Done(rec) => Ok(*rec),
        Executed::Stopped(_) => Err(format!("run {index}: stopped")),
    }
}

/// A run of a sweep, done or stopped from outside.
#[derive(Clone, Debug)]
pub enum Executed {
    Done(Box<RunRecord>),
    /// Stopped before every replication finished: nothing to write.
    Stopped(Stopped),
}

/// As [`execute`], within `limits`.
pub fn execute_with(
    plan: &Plan,
    index: usize,
    threads: Option<usize>,
    limits: &Limits,
) -> Result<Executed, String> {
    let loaded = plan.load_run(index).map_err(|d| {
        format!(
            "run {index} ({}): invalid scenario:\n{d}",
            plan.point_label(index)
        )
    })?;
    let model = loaded.model;
    let settings = RunSettings {
        seed: plan.seed,
        replications: plan.replications,
        threads,
        progress: None,
    };
    let runs = run_replications_with(&model, &settings, limits)
        .map_err(|e| format!("run {index} ({}): {e}", plan.point_label(index)))?;
    if let Some(stopped) = runs.stopped {
        return Ok(Executed::Stopped(stopped));
    }
    let report = summarize(&model, plan.seed, &runs);
    let table = KpiTable::of(&model, &runs.outputs);
    let kpis = table
        .names
        .iter()
        .zip(&table.values)
        .map(|(name, values)| {
            let (mean, ci95, _) = bounded_estimate(name, values);
            RunKpi {
                name: name.clone(),
                values: values.iter().map(|v| v.is_finite().then_some(*v)).collect(),
                mean,
                ci95,
            }
        })
        .collect();
    Ok(Executed::Done(Box::new(RunRecord {
        format: RUN_FORMAT.to_string(),
        plan_digest: plan.digest(),
        index,
        point: plan
            .point(index)
            .into_iter()
            .map(|(path, value)| PointValue { path, value })
            .collect(),
        scenario: model.name.clone(),
        seed: plan.seed,
        replications: plan.replications,
        kpis,
        report: serde_json::to_value(&report).map_err(|e| format!("run {index}: {e}"))?,
    })))
}

/// Why a run's file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunFileState {
    Valid,
    Missing,
    Invalid(String),
}

/// Reads run `index`'s file in `dir`, checking it belongs to `plan`.
pub fn read_run(plan: &Plan, digest: &str, dir: &Path, index: usize) -> (RunFileState, Option<RunRecord>) {
    let path = dir.join(run_file_name(index));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (RunFileState::Missing, None),
        Err(e) => return (RunFileState::Invalid(format!("cannot read: {e}")), None),
    };
    let rec: RunRecord = match serde_json::from_str(&text) {
        Ok(r) => r,
        Err(e) => return (RunFileState::Invalid(format!("not a run file: {e}")), None),
    };
    let problem = if rec.format != RUN_FORMAT {
        Some(format!("unknown format `{}`", rec.format))
    } else if rec.plan_digest != digest {
        Some("it belongs to another plan".to_string())
    } else if rec.index != index {
        Some(format!("it holds run {}", rec.index))
    } else if rec.replications != plan.replications
        || rec
            .kpis
            .iter()
            .any(|k| k.values.len() != plan.replications as usize)
    {
        Some("wrong number of replications".to_string())
    } else {
        None
    };
    match problem {
        Some(p) => (RunFileState::Invalid(p), None),
        None => (RunFileState::Valid, Some(rec)),
    }
}

/// Writes the plan into a run directory, or checks the one there is the same.
pub fn install_plan(plan: &Plan, dir: &Path) -> Result<(), SweepError> {
    create_dir(dir).map_err(SweepError::Files)?;
    let path = dir.join(PLAN_FILE);
    if path.exists() {
        let there = Plan::read(&path).map_err(SweepError::Files)?;
        if there.digest() != plan.digest() {
            return Err(SweepError::Files(format!(
                "{} holds runs of another plan ({} differs); use another --out directory",
                dir.display(),
                path.display()
            )));
        }
        return Ok(());
    }
    plan.write(&path)
}

/// What a shard did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShardResult {
    /// Runs simulated and written.
    pub written: Vec<usize>,
    /// Runs whose valid file was already there.
    pub skipped: Vec<usize>,
    /// Runs that failed, with why.
    pub failed: Vec<(usize, String)>,
    /// Set when the shard was stopped from outside (Ctrl-C, the timeout).
    pub stopped: Option<Stopped>,
    /// Runs of the shard not done because it was stopped (the one that was
    /// running included); running the shard again does them.
    pub left: Vec<usize>,
}

/// Runs the shard's runs of `plan` into `dir`, skipping those already there.
pub fn run_shard(
    plan: &Plan,
    dir: &Path,
    shard: Shard,
    threads: Option<usize>,
    progress: Option<&dyn Progress>,
) -> Result<ShardResult, SweepError> {
    run_shard_with(plan, dir, shard, threads, progress, &Limits::default())
}

/// As [`run_shard`], within `limits`. When stopped from outside (the
/// cancellation flag, the deadline), the run in progress is dropped, no
/// other is started, and the files written so far stay: running the shard
/// again skips them and does the rest.
pub fn run_shard_with(
    plan: &Plan,
    dir: &Path,
    shard: Shard,
    threads: Option<usize>,
    progress: Option<&dyn Progress>,
    limits: &Limits,
) -> Result<ShardResult, SweepError> {
    install_plan(plan, dir)?;
    let digest = plan.digest();
    let mine: Vec<usize> = plan
        .runs
        .iter()
        .map(|r| r.index)
        .filter(|i| shard.contains(*i))
        .collect();
    let mut result = ShardResult::default();
    let mut todo = Vec::new();
    for &i in &mine {
        match read_run(plan, &digest, dir, i).0 {
            RunFileState::Valid => result.skipped.push(i),
            _ => todo.push(i),
        }
    }
    let progress = progress.filter(|_| !todo.is_empty());
    if let Some(p) = progress {
        p.begin(&format!("shard {shard}"), todo.len() as u64, Counted::Runs);
    }
    for (k, &i) in todo.iter().enumerate() {
        if let Some(stop) = limits.stop_at(crate::engine::SimTime::ZERO) {
            result.stopped = Some(if stop.is_interrupt() {
                Stopped::Interrupted
            } else {
                Stopped::TimedOut
            });
            result.left = todo[k..].to_vec();
            break;
        }
        let outcome = execute_with(plan, i, threads, limits).and_then(|done| match done {
            Executed::Done(rec) => {
                let mut json = serde_json::to_string_pretty(&rec).map_err(|e| e.to_string())?;
                json.push('\n');
                write_atomic(&dir.join(run_file_name(i)), json.as_bytes()).map(|()| None)
            }
            Executed::Stopped(s) => Ok(Some(s)),
        });
        match outcome {
            Ok(None) => result.written.push(i),
            Ok(Some(s)) => {
                result.stopped = Some(s);
                result.left = todo[k..].to_vec();
                break;
            }
            Err(e) => result.failed.push((i, e)),
        }
        if let Some(p) = progress {
            p.advance();
        }
    }
    if let Some(p) = progress {
        p.end();
    }
    Ok(result)
}
