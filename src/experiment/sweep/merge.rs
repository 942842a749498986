//! Merging a sweep: every run file of the plan read back (the missing and
//! unusable ones named), the summary per design point computed from the
//! per-replication values only, and written as `summary.csv` with a plot
//! of each KPI against each axis.

use super::shard::{read_run, run_file_name, RunFileState, RunRecord};
use super::{Plan, SweepError, LIST_LIMIT};
use crate::experiment::figures::sweep_plots;
use crate::experiment::files::{create_dir, write_atomic};
use crate::experiment::kpi::bounded_estimate;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The run files of a complete sweep, in index order.
#[derive(Clone, Debug)]
pub struct Merged {
    pub records: Vec<RunRecord>,
}

/// Reads every run of `plan` from `dir`; fails listing the missing and
/// invalid ones.
pub fn collect(plan: &Plan, dir: &Path) -> Result<Merged, SweepError> {
    let digest = plan.digest();
    let mut records = Vec::with_capacity(plan.runs.len());
    let mut missing = Vec::new();
    let mut invalid = Vec::new();
    for run in &plan.runs {
        match read_run(plan, &digest, dir, run.index) {
            (RunFileState::Valid, Some(r)) => records.push(r),
            (RunFileState::Invalid(why), _) => invalid.push((run.index, why)),
            _ => missing.push(run.index),
        }
    }
    if missing.is_empty() && invalid.is_empty() {
        return Ok(Merged { records });
    }
    let mut msg = String::new();
    if !missing.is_empty() {
        let _ = writeln!(
            msg,
            "{} of {} runs missing in {}: {}",
            missing.len(),
            plan.runs.len(),
            dir.display(),
            missing
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
        for &i in missing.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                msg,
                "  run {i} ({}): {} missing",
                plan.point_label(i),
                run_file_name(i)
            );
        }
        if missing.len() > LIST_LIMIT {
            let _ = writeln!(msg, "  ... and {} more", missing.len() - LIST_LIMIT);
        }
    }
    if !invalid.is_empty() {
        let _ = writeln!(msg, "{} run file(s) unusable:", invalid.len());
        for (i, why) in invalid.iter().take(LIST_LIMIT) {
            let _ = writeln!(
                msg,
                "  run {i} ({}): {}: {why}",
                plan.point_label(*i),
                run_file_name(*i)
            );
        }
        if invalid.len() > LIST_LIMIT {
            let _ = writeln!(msg, "  ... and {} more", invalid.len() - LIST_LIMIT);
        }
    }
    msg.push_str("run `factory5g sweep run` again on the shards that did not finish");
    Err(SweepError::Files(msg))
}

/// One design point's KPI estimate in the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct PointKpi {
    pub mean: Option<f64>,
    /// Clipped to the KPI's range ([`crate::experiment::kpi::bounds`]).
    pub ci95: Option<[f64; 2]>,
    /// Whether an end of `ci95` was clipped.
    pub clipped: bool,
}

/// The summary table: KPI names (first appearance over runs in index order)
/// and, per run, per KPI, its estimate.
#[derive(Clone, Debug)]
pub struct Summary {
    pub kpis: Vec<String>,
    pub rows: Vec<Vec<Option<PointKpi>>>,
}

impl Summary {
    /// How many intervals of the summary were clipped at their KPI's bound.
    pub fn clipped(&self) -> usize {
        self.rows.iter().flatten().flatten().filter(|p| p.clipped).count()
    }
}

impl Merged {
    pub fn summary(&self) -> Summary {
        let mut kpis: Vec<String> = Vec::new();
        for r in &self.records {
            for k in &r.kpis {
                if !kpis.contains(&k.name) {
                    kpis.push(k.name.clone());
                }
            }
        }
        let rows = self
            .records
            .iter()
            .map(|r| {
                kpis.iter()
                    .map(|name| {
                        r.kpis.iter().find(|k| k.name == *name).map(|k| {
                            let (mean, ci95, clipped) = bounded_estimate(name, &k.finite_values());
                            PointKpi { mean, ci95, clipped }
                        })
                    })
                    .collect()
            })
            .collect();
        Summary { kpis, rows }
    }
}

/// What [`write_merge`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeFiles {
    pub summary: PathBuf,
    /// The plots' directory and the plots drawn in it (an SVG and a PNG each).
    pub plots: Option<(PathBuf, usize)>,
}

/// Writes the summary CSV of a complete sweep to `output` and, given a
/// directory, every KPI against every axis into it (`sweep merge` gives
/// `plots/` of the run directory, or `--plots`: never the current
/// directory by accident).
pub fn write_merge(
    plan: &Plan,
    summary: &Summary,
    output: &Path,
    plots: Option<&Path>,
) -> Result<MergeFiles, SweepError> {
    let csv = summary_csv(plan, summary)
        .map_err(|e| SweepError::Files(format!("cannot write the summary: {e}")))?;
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_dir(&parent)
        .and_then(|()| write_atomic(output, csv.as_bytes()))
        .map_err(SweepError::Files)?;
    let plots = match plots {
        Some(dir) => {
            let files = create_dir(dir)
                .and_then(|()| sweep_plots(plan, summary, dir))
                .map_err(SweepError::Files)?;
            Some((dir.to_path_buf(), files.len() / 2))
        }
        None => None,
    };
    Ok(MergeFiles {
        summary: output.to_path_buf(),
        plots,
    })
}

fn num(x: Option<f64>) -> String {
    x.filter(|v| v.is_finite())
        .map_or_else(String::new, |v| format!("{v}"))
}

/// summary.csv: `index`, one column per axis (its path), then for each KPI
/// `NAME.mean`, `NAME.ci95_lo`, `NAME.ci95_hi` (the interval clipped to the
/// KPI's range: shares within [0, 1], the rest at 0 or more); one row per
/// design point in index order. Floats use Rust's shortest round-trip formatting; an
/// undefined value is an empty field.
pub fn summary_csv(plan: &Plan, summary: &Summary) -> Result<String, String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    let mut header = vec!["index".to_string()];
    header.extend(plan.axes.iter().map(|a| a.path.clone()));
    for k in &summary.kpis {
        header.push(format!("{k}.mean"));
        header.push(format!("{k}.ci95_lo"));
        header.push(format!("{k}.ci95_hi"));
    }
    w.write_record(&header).map_err(|e| e.to_string())?;
    for (run, row) in plan.runs.iter().zip(&summary.rows) {
        let mut rec = vec![run.index.to_string()];
        rec.extend(run.values.iter().cloned());
        for cell in row {
            let (m, lo, hi) = match cell {
                Some(p) => (p.mean, p.ci95.map(|c| c[0]), p.ci95.map(|c| c[1])),
                None => (None, None, None),
            };
            rec.push(num(m));
            rec.push(num(lo));
            rec.push(num(hi));
        }
        w.write_record(&rec).map_err(|e| e.to_string())?;
    }
    let bytes = w.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}
