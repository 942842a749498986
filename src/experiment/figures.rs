//! Experiments reduced to the plots of [`plot`]: the relative differences
//! of a comparison ([`plot::ComparisonChart`]) and each KPI of a sweep
//! against each axis ([`plot::SweepChart`]). The plots are drawn in memory
//! by [`plot::render`] and written here, atomically.

use super::compare::Comparison;
use super::files::write_atomic;
use super::sweep::{Plan, Summary};
use crate::plot::{self, ComparisonChart, DifferenceRow, Draw, SweepChart, SweepPoint, SweepSeries};
use std::path::{Path, PathBuf};

/// Writes `stem.svg` and `stem.png`, each atomically; returns their paths.
fn render(chart: &impl Draw, stem: &Path, caption: &str) -> Result<Vec<PathBuf>, String> {
    let name = stem
        .file_name()
        .map_or_else(|| "plot".into(), |n| n.to_string_lossy().into_owned());
    let fig = plot::render(&name, caption, chart).map_err(|e| e.to_string())?;
    // Not `with_extension`: stems hold dots (`station.cut.busy-vs-fleet.agvs`).
    let with_ext = |ext: &str| {
        let mut s = stem.as_os_str().to_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    let svg_path = with_ext(".svg");
    let png_path = with_ext(".png");
    write_atomic(&svg_path, fig.svg.as_bytes())?;
    write_atomic(&png_path, &fig.png)?;
    Ok(vec![svg_path, png_path])
}

/// The relative differences (B − A)/A of a comparison, in percent, with
/// their paired intervals; KPIs where A is 0 are counted, not drawn.
pub fn comparison_chart(c: &Comparison, a_label: &str, b_label: &str) -> ComparisonChart {
    let mut rows = Vec::new();
    let mut skipped = 0;
    for k in &c.kpis {
        match k.relative() {
            Some((r, ci)) => rows.push(DifferenceRow {
                label: k.name.clone(),
                percent: 100.0 * r,
                ci95: ci.map(|[lo, hi]| [100.0 * lo, 100.0 * hi]),
                significant: k.significant,
            }),
            None => skipped += 1,
        }
    }
    ComparisonChart {
        title: format!("B = {b_label} vs A = {a_label}: relative difference per KPI"),
        rows,
        skipped,
    }
}

/// Draws `stem.svg` and `stem.png` for a comparison.
pub fn comparison_plot(
    c: &Comparison,
    a_label: &str,
    b_label: &str,
    stem: &Path,
) -> Result<Vec<PathBuf>, String> {
    render(
        &comparison_chart(c, a_label, b_label),
        stem,
        "relative differences of the KPIs, with paired 95% intervals",
    )
}

/// Most lines drawn in one sweep plot (one per combination of the other axes).
const MAX_SERIES: usize = 12;

/// A file-name-safe version of `s`.
fn safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// KPI `k` of the summary against axis `a` of the plan: the design points
/// grouped by the values of the other axes (at most `MAX_SERIES` lines).
pub fn sweep_chart(plan: &Plan, summary: &Summary, a: usize, k: usize) -> SweepChart {
    let axis = &plan.axes[a];
    let numbers: Option<Vec<f64>> = axis
        .values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    let x_of = |value: &str| -> f64 {
        let i = axis.values.iter().position(|v| v == value).unwrap_or(0);
        match &numbers {
            Some(n) => n[i],
            None => i as f64,
        }
    };
    let mut groups: Vec<(Vec<&String>, Vec<SweepPoint>)> = Vec::new();
    for (run, row) in plan.runs.iter().zip(&summary.rows) {
        let key: Vec<&String> = run
            .values
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != a)
            .map(|(_, v)| v)
            .collect();
        let Some(Some(est)) = row.get(k) else { continue };
        let Some(mean) = est.mean else { continue };
        let point = SweepPoint {
            x: x_of(&run.values[a]),
            mean,
            ci95: est.ci95,
        };
        match groups.iter_mut().find(|(kk, _)| *kk == key) {
            Some((_, points)) => points.push(point),
            None => groups.push((key, vec![point])),
        }
    }
    groups.truncate(MAX_SERIES);
    let others: Vec<&str> = plan
        .axes
        .iter()
        .enumerate()
        .filter(|(j, _)| *j != a)
        .map(|(_, x)| x.path.as_str())
        .collect();
    let series = groups
        .into_iter()
        .map(|(key, mut points)| {
            points.sort_by(|p, q| p.x.total_cmp(&q.x));
            let legend = others
                .iter()
                .zip(key)
                .map(|(p, v)| format!("{p}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
            SweepSeries { legend, points }
        })
        .collect();
    SweepChart {
        kpi: summary.kpis[k].clone(),
        axis: axis.path.clone(),
        numeric: numbers,
        labels: axis.values.clone(),
        series,
    }
}

/// Draws every KPI against every axis into `dir` (`KPI-vs-AXIS.svg/.png`);
/// returns the files written.
pub fn sweep_plots(plan: &Plan, summary: &Summary, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for (a, axis) in plan.axes.iter().enumerate() {
        for (k, kpi) in summary.kpis.iter().enumerate() {
            let chart = sweep_chart(plan, summary, a, k);
            let stem = dir.join(format!("{}-vs-{}", safe(kpi), safe(&axis.path)));
            let caption = format!("{kpi} against {}", axis.path);
            files.extend(render(&chart, &stem, &caption)?);
        }
    }
    Ok(files)
}
