//! Parameter sweeps: plan, run in shards, merge.
//!
//! **Plan.** `--vary PATH=V1,V2,...` axes expand into the full factorial of
//! runs. Run indices are stable: the first axis varies slowest, the last
//! fastest (row-major order), so with axes `a = [a0, a1]` and `b = [b0, b1,
//! b2]` run 0 is (a0, b0), run 1 (a0, b1), run 3 (a1, b0). Values are split at
//! commas outside brackets and quotes, so `uniform(4min, 8min)` is one value.
//! Every design point is loaded and validated when the plan is made.
//!
//! `plan.json` (format `factory5g-sweep-plan/1`) is self-contained: besides
//! the reference to the scenario (a built-in name, or the file's absolute
//! path) it holds the scenario's text, so a cluster node needs nothing but
//! `plan.json` and the binary:
//!
//! ```json
//! { "format": "factory5g-sweep-plan/1",
//!   "scenario": { "kind": "file", "path": "/abs/plant.toml", "text": "..." },
//!   "seed": 18, "replications": 10,
//!   "overrides": ["scenario.horizon=8h", "fleet.speed=1m/s"],
//!   "axes": [ { "path": "fleet.agvs", "values": ["10", "20"] } ],
//!   "runs": [ { "index": 0, "values": ["10"] }, { "index": 1, "values": ["20"] } ] }
//! ```
//!
//! (`"kind": "builtin", "name": "sany18"` for a built-in.) A run's scenario is
//! the stored text, then `overrides` (the plan's `--horizon`, `--warmup` and
//! `--set`, in that order), then `AXIS=VALUE` for each axis. A variant's
//! base files (`base = "FILE"`, recursively) are embedded too, in `"bases":
//! [ { "path", "text" } ]`, so that moving or editing them changes nothing;
//! `empirical(...)` sample files are still read from the scenario's
//! original directory. The `--set` options are validated with the axes
//! applied (the first design point), not alone. A built-in's stored text must equal the
//! binary's (else the run refuses: make the plan again with this binary).
//! Every run uses the plan's seed, so design points share random numbers.
//!
//! **Run.** `sweep run --shard I/N` runs the runs whose index mod N is I and
//! writes `run-00042.json` (format `factory5g-sweep-run/1`: `plan_digest`,
//! `index`, `point`, `scenario`, `seed`, `replications`, `kpis` (each with its
//! per-replication `values`, `mean`, `ci95`) and `report` (the run's
//! report.json)). A run whose file is already there and valid (same plan
//! digest, index and replications) is skipped, untouched. The run directory
//! also gets a copy of the plan (`DIR/plan.json`); a directory holding another
//! plan is refused. Interrupted (Ctrl-C, SIGTERM, `--timeout`), a shard
//! drops the run in progress, starts no other and keeps the files written:
//! run again, it skips them and does the rest, so an interrupted and resumed
//! sweep merges to the same bytes as one run straight through. A plan holds
//! at most [`MAX_RUNS`] design points.
//!
//! **Merge.** `sweep merge DIR` reads `DIR/plan.json` (or `--plan`), checks
//! every index has a valid run file, and writes the summary CSV from the
//! per-replication values only, with Rust's shortest round-trip float
//! formatting, so the bytes do not depend on sharding, machines or time.

mod merge;
mod shard;

pub use merge::{collect, summary_csv, write_merge, MergeFiles, Merged, PointKpi, Summary};
pub use shard::{
    execute, execute_with, install_plan, read_run, run_file_name, run_shard, run_shard_with, Executed,
    PointValue, RunFileState, RunKpi, RunRecord, Shard, ShardResult,
};

use super::files::write_atomic;
use crate::scenario::{self, Diagnostic, Diagnostics, Loaded, SourceFile};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub const PLAN_FORMAT: &str = "factory5g-sweep-plan/1";
pub const RUN_FORMAT: &str = "factory5g-sweep-run/1";
/// The copy of the plan kept in a run directory.
pub const PLAN_FILE: &str = "plan.json";

/// Axis paths that a sweep may not vary.
const FIXED_PATHS: [(&str, &str); 3] = [
    (
        "scenario.seed",
        "every run uses the plan's seed (--seed), for common random numbers",
    ),
    (
        "scenario.replications",
        "every run uses the plan's replications (-R)",
    ),
    ("scenario.base", "the base cannot be changed with --set"),
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format: String,
    pub scenario: ScenarioSource,
    pub seed: u64,
    pub replications: u32,
    /// `PATH=VALUE` applied to every run, before the axes.
    pub overrides: Vec<String>,
    pub axes: Vec<Axis>,
    pub runs: Vec<PlannedRun>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScenarioSource {
    Builtin {
        name: String,
        text: String,
    },
    File {
        path: String,
        text: String,
        /// The base files the scenario loads (`base = "FILE"`, recursively),
        /// embedded so that moving or editing them changes no run.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        bases: Vec<SourceFile>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    pub path: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedRun {
    pub index: usize,
    /// One value per axis, in axis order.
    pub values: Vec<String>,
}

/// A scenario named on the command line: a path that exists, else a built-in
/// name (the rule of `run`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioRef {
    Builtin(String),
    File(PathBuf),
}

impl ScenarioRef {
    pub fn resolve(name: &str) -> ScenarioRef {
        if !Path::new(name).exists() && scenario::builtin_text(name).is_some() {
            ScenarioRef::Builtin(name.to_string())
        } else {
            ScenarioRef::File(PathBuf::from(name))
        }
    }

    pub fn load(&self, overrides: &[String]) -> Result<Loaded, Diagnostics> {
        match self {
            ScenarioRef::Builtin(n) => scenario::load_builtin_with(n, overrides),
            ScenarioRef::File(p) => scenario::load_file(p, overrides),
        }
    }
}

impl ScenarioSource {
    /// Captures the scenario's text (and absolute path) for a plan.
    pub fn capture(r: &ScenarioRef) -> Result<ScenarioSource, Diagnostics> {
        match r {
            ScenarioRef::Builtin(name) => Ok(ScenarioSource::Builtin {
                name: name.clone(),
                text: scenario::builtin_text(name).unwrap_or_default().to_string(),
            }),
            ScenarioRef::File(p) => {
                let shown = p.display().to_string();
                let text = std::fs::read_to_string(p).map_err(|e| {
                    Diagnostics(vec![Diagnostic::error(
                        shown.clone(),
                        format!("cannot read scenario file: {e}"),
                    )])
                })?;
                let abs = std::path::absolute(p).unwrap_or_else(|_| p.clone());
                Ok(ScenarioSource::File {
                    path: abs.display().to_string(),
                    text,
                    bases: Vec::new(),
                })
            }
        }
    }

    /// Loads the stored scenario with `overrides`.
    pub fn load(&self, overrides: &[String]) -> Result<Loaded, Diagnostics> {
        match self {
            ScenarioSource::Builtin { name, text } => {
                if scenario::builtin_text(name) != Some(text.as_str()) {
                    return Err(Diagnostics(vec![Diagnostic::error(
                        format!("builtin:{name}"),
                        "the plan was made with another version of this built-in scenario than \
                         this binary's; make the plan again with this binary",
                    )]));
                }
                scenario::load_builtin_with(name, overrides)
            }
            ScenarioSource::File { path, text, bases } => {
                let dir = Path::new(path).parent();
                scenario::load_str_with_files(path, text, dir, overrides, bases)
            }
        }
    }

    /// How the plan names its scenario.
    pub fn label(&self) -> &str {
        match self {
            ScenarioSource::Builtin { name, .. } => name,
            ScenarioSource::File { path, .. } => path,
        }
    }
}

/// Why a sweep step failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SweepError {
    /// The request or a plan file cannot be used as given: a bad `--vary`,
    /// too many design points, design points that do not validate (each
    /// listed with its diagnostics), a file that is not a plan.
    #[error("{0}")]
    Request(String),
    /// The scenario itself does not load.
    #[error("{0}")]
    Scenario(Diagnostics),
    /// A file or directory cannot be read or written, or runs are missing
    /// at the merge.
    #[error("{0}")]
    Files(String),
}

/// Splits `V1,V2,...` at commas outside parentheses, brackets, braces and
/// quotes.
pub fn split_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut cur = String::new();
    for c in text.chars() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth <= 0 => {
                    out.push(cur.trim().to_string());
                    cur.clear();
                    continue;
                }
                _ => {}
            },
        }
        cur.push(c);
    }
    out.push(cur.trim().to_string());
    out
}

/// Parses one `--vary PATH=V1,V2,...`.
pub fn parse_axis(arg: &str) -> Result<Axis, String> {
    let Some((path, values)) = arg.split_once('=') else {
        return Err(format!(
            "--vary {arg}: expected PATH=V1,V2,..., e.g. --vary fleet.agvs=10,20,30"
        ));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(format!("--vary {arg}: the path before `=` is empty"));
    }
    if let Some((_, why)) = FIXED_PATHS.iter().find(|(p, _)| *p == path) {
        return Err(format!("--vary {arg}: {path} cannot be varied: {why}"));
    }
    let values = split_values(values);
    if let Some(pos) = values.iter().position(String::is_empty) {
        return Err(format!(
            "--vary {arg}: value {} is empty (values are separated by commas)",
            pos + 1
        ));
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(format!("--vary {arg}: the value `{v}` is given twice"));
        }
    }
    Ok(Axis {
        path: path.to_string(),
        values,
    })
}

/// The full factorial of `axes`: first axis slowest, last fastest.
pub fn expand(axes: &[Axis]) -> Vec<PlannedRun> {
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    (0..total)
        .map(|index| {
            let mut rest = index;
            let mut values = vec![String::new(); axes.len()];
            for (k, axis) in axes.iter().enumerate().rev() {
                let n = axis.values.len();
                values[k] = axis.values[rest % n].clone();
                rest /= n;
            }
            PlannedRun { index, values }
        })
        .collect()
}

/// What `sweep plan` needs.
#[derive(Clone, Debug, Default)]
pub struct PlanRequest {
    pub scenario: String,
    pub vary: Vec<String>,
    pub replications: Option<u32>,
    pub seed: Option<u64>,
    pub horizon: Option<String>,
    pub warmup: Option<String>,
    pub set: Vec<String>,
}

/// The base overrides of `run`-like options: horizon, warm-up, then `--set`.
pub fn base_overrides(horizon: Option<&str>, warmup: Option<&str>, set: &[String]) -> Vec<String> {
    let mut o = Vec::new();
    if let Some(h) = horizon {
        o.push(format!("scenario.horizon={h}"));
    }
    if let Some(w) = warmup {
        o.push(format!("scenario.warmup={w}"));
    }
    o.extend(set.iter().cloned());
    o
}

/// Largest number of failing runs listed in full by `make_plan`.
const LIST_LIMIT: usize = 20;

/// The most design points (runs) in a plan: each is validated when the plan
/// is made and writes a file of its own.
pub const MAX_RUNS: usize = 10_000;

/// The number of runs of `axes`, if it is at most [`MAX_RUNS`]; else why not.
pub fn count_runs(axes: &[Axis]) -> Result<usize, String> {
    let mut total: usize = 1;
    for a in axes {
        total = total.saturating_mul(a.values.len());
    }
    if total > MAX_RUNS {
        let sizes: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
        let total = if total == usize::MAX {
            "more than that".to_string()
        } else {
            total.to_string()
        };
        return Err(format!(
            "the axes make {} design points ({total}); a plan holds at most {MAX_RUNS}: split the sweep into several plans, or use fewer values",
            sizes.join(" x ")
        ));
    }
    Ok(total)
}

/// Makes a plan, validating every design point; the warnings of the base
/// scenario are returned beside it.
pub fn make_plan(req: &PlanRequest) -> Result<(Plan, Vec<Diagnostic>), SweepError> {
    let mut axes: Vec<Axis> = Vec::new();
    for v in &req.vary {
        let axis = parse_axis(v).map_err(SweepError::Request)?;
        if axes.iter().any(|a| a.path == axis.path) {
            return Err(SweepError::Request(format!(
                "--vary {}: the path is varied twice; give all its values in one --vary",
                axis.path
            )));
        }
        axes.push(axis);
    }
    count_runs(&axes).map_err(SweepError::Request)?;
    let source =
        ScenarioSource::capture(&ScenarioRef::resolve(&req.scenario)).map_err(SweepError::Scenario)?;
    let overrides = base_overrides(req.horizon.as_deref(), req.warmup.as_deref(), &req.set);
    let mut plan = Plan {
        format: PLAN_FORMAT.to_string(),
        seed: req.seed.unwrap_or(0),
        replications: req.replications.unwrap_or(1),
        scenario: source,
        overrides,
        runs: expand(&axes),
        axes,
    };
    // The first design point, not the scenario without its axes: `--set
    // network.model=fixed` may need the axis' `network.fixed.latency` to
    // validate. When even the scenario alone does not load, its problems
    // are the scenario's, not the axes'.
    let first = match plan.load_run(0) {
        Ok(first) => first,
        Err(d) => {
            return Err(match plan.scenario.load(&plan.overrides) {
                Err(alone) => SweepError::Scenario(alone),
                Ok(_) => SweepError::Request(format!("run 0 ({}) is invalid:\n{d}", plan.point_label(0))),
            })
        }
    };
    // Embed the base files read, so that the runs read no scenario file.
    if let ScenarioSource::File { bases, .. } = &mut plan.scenario {
        *bases = first.files.clone();
    }
    plan.seed = req.seed.unwrap_or(first.model.seed);
    plan.replications = req.replications.unwrap_or(first.model.replications);
    if plan.replications == 0 {
        return Err(SweepError::Request("replications must be at least 1".into()));
    }
    let mut bad = Vec::new();
    for run in &plan.runs {
        if let Err(d) = plan.load_run(run.index) {
            bad.push(format!(
                "run {} ({}):\n{d}",
                run.index,
                plan.point_label(run.index)
            ));
        }
    }
    if !bad.is_empty() {
        let n = bad.len();
        let mut msg = format!("{n} of {} design points are invalid:\n", plan.runs.len());
        for b in bad.iter().take(LIST_LIMIT) {
            msg.push_str(b);
            if !b.ends_with('\n') {
                msg.push('\n');
            }
        }
        if n > LIST_LIMIT {
            let _ = writeln!(msg, "... and {} more", n - LIST_LIMIT);
        }
        return Err(SweepError::Request(msg.trim_end().to_string()));
    }
    plan.runs.shrink_to_fit();
    Ok((plan, first.warnings))
}

impl Plan {
    /// Checks a plan read from a file: format, runs matching the axes.
    pub fn check(&self) -> Result<(), String> {
        if self.format != PLAN_FORMAT {
            return Err(format!(
                "unknown plan format `{}` (this binary reads {PLAN_FORMAT})",
                self.format
            ));
        }
        if self.replications == 0 {
            return Err("the plan's replications must be at least 1".into());
        }
        if self.axes.iter().any(|a| a.values.is_empty()) {
            return Err("an axis of the plan has no values".into());
        }
        count_runs(&self.axes)?;
        if self.runs != expand(&self.axes) {
            return Err(
                "the plan's runs do not match its axes (edit the axes and make the plan again)".into(),
            );
        }
        Ok(())
    }

    /// Reads and checks a plan file.
    pub fn read(path: &Path) -> Result<Plan, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read plan {}: {e}", path.display()))?;
        let plan: Plan =
            serde_json::from_str(&text).map_err(|e| format!("{}: not a sweep plan: {e}", path.display()))?;
        plan.check().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(plan)
    }

    /// The plan as written to `plan.json`.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the plan to `path` (as `plan.json`), atomically.
    pub fn write(&self, path: &Path) -> Result<(), SweepError> {
        write_atomic(path, self.to_json().as_bytes()).map_err(SweepError::Files)
    }

    /// FNV-1a 64 of the plan's compact JSON: run files name the plan they
    /// belong to by it.
    pub fn digest(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        format!("{:016x}", crate::engine::stable_hash(bytes))
    }

    /// The design point of run `index`: (path, value) per axis.
    pub fn point(&self, index: usize) -> Vec<(String, String)> {
        let values = self.runs.get(index).map(|r| r.values.as_slice()).unwrap_or(&[]);
        self.axes
            .iter()
            .zip(values)
            .map(|(a, v)| (a.path.clone(), v.clone()))
            .collect()
    }

    /// `path=value, path=value` of run `index`.
    pub fn point_label(&self, index: usize) -> String {
        let p = self.point(index);
        if p.is_empty() {
            return "no axis".into();
        }
        p.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Every override of run `index`: the plan's, then the axes'.
    pub fn run_overrides(&self, index: usize) -> Vec<String> {
        let mut o = self.overrides.clone();
        o.extend(self.point(index).into_iter().map(|(k, v)| format!("{k}={v}")));
        o
    }

    /// Loads the scenario of run `index`.
    pub fn load_run(&self, index: usize) -> Result<Loaded, Diagnostics> {
        self.scenario.load(&self.run_overrides(index))
    }
}
