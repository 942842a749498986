//! Experiments reduced to the plots of [`plot`]: the relative differences
//! of a comparison ([`plot::ComparisonChart`]) and each KPI of a sweep
//! against each axis ([`plot::SweepChart`]). The plots are drawn in memory
//! by [`plot::render`] and written here, atomically.

use super::compare::Comparison;
use super::files::write_atomic;
use super::kpi::shown;
use super::sweep::{Plan, Summary};
use crate::engine::SimTime;
use crate::plot::{self, ComparisonChart, DifferenceRow, Draw, SweepChart, SweepPoint, SweepSeries};
use crate::text::fmt_sig;
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

/// The values of an axis as numbers, and their unit, when they are
/// quantities: plain numbers; durations (`1ms`, `25ms`, `2min`), shown in
/// the largest unit in which the largest value is at least 1; or numbers
/// with one common unit (`10m`, `2.5m`). `None` for anything else
/// (categories, spaced evenly).
pub fn axis_numbers(values: &[String]) -> Option<(Vec<f64>, String)> {
    let plain: Option<Vec<f64>> = values
        .iter()
        .map(|v| v.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect();
    if let Some(numbers) = plain {
        return Some((numbers, String::new()));
    }
    let durations: Option<Vec<f64>> = values
        .iter()
        .map(|v| SimTime::parse_duration(v).ok().map(|t| t.as_nanos() as f64))
        .collect();
    if let Some(ns) = durations {
        const UNITS: [(&str, f64); 6] = [
            ("h", 3.6e12),
            ("min", 6e10),
            ("s", 1e9),
            ("ms", 1e6),
            ("us", 1e3),
            ("ns", 1.0),
        ];
        let largest = ns.iter().copied().fold(0.0, f64::max);
        let (unit, size) = UNITS
            .iter()
            .find(|(_, size)| largest >= *size)
            .copied()
            .unwrap_or(("ns", 1.0));
        return Some((ns.iter().map(|x| x / size).collect(), unit.to_string()));
    }
    // A number, then a unit shared by every value.
    let split = |v: &str| -> Option<(f64, String)> {
        let v = v.trim();
        let at = v.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))?;
        let number = v[..at].parse::<f64>().ok().filter(|x| x.is_finite())?;
        Some((number, v[at..].trim().to_string()))
    };
    let parts: Option<Vec<(f64, String)>> = values.iter().map(|v| split(v)).collect();
    let parts = parts?;
    let unit = parts.first()?.1.clone();
    parts
        .iter()
        .all(|(_, u)| *u == unit)
        .then(|| (parts.iter().map(|(x, _)| *x).collect(), unit))
}

/// `1.000` as `1`, `2.500` as `2.5`.
fn trim_zeros(text: String) -> String {
    if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `label (unit)`, or the label alone without a unit.
fn with_unit(label: &str, unit: &str) -> String {
    if unit.is_empty() {
        label.to_string()
    } else {
        format!("{label} ({unit})")
    }
}

/// KPI `k` of the summary against axis `a` of the plan: the design points
/// grouped by the values of the other axes (at most `MAX_SERIES` lines),
/// in the units of the text summary (lead time in hours, shares in %), the
/// axis at the values' magnitudes when they are quantities.
pub fn sweep_chart(plan: &Plan, summary: &Summary, a: usize, k: usize) -> SweepChart {
    let axis = &plan.axes[a];
    let numbers = axis_numbers(&axis.values);
    let x_of = |value: &str| -> f64 {
        let i = axis.values.iter().position(|v| v == value).unwrap_or(0);
        match &numbers {
            Some((n, _)) => n[i],
            None => i as f64,
        }
    };
    let shown = shown(&summary.kpis[k]);
    let factor = shown.factor;
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
            mean: mean * factor,
            ci95: est.ci95.map(|[lo, hi]| [lo * factor, hi * factor]),
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
    let axis_unit = numbers.as_ref().map_or("", |(_, u)| u.as_str());
    let labels = match &numbers {
        // Ticks at the values, written in the axis unit.
        Some((n, unit)) if !unit.is_empty() => n.iter().map(|x| trim_zeros(fmt_sig(*x, 4))).collect(),
        _ => axis.values.clone(),
    };
    SweepChart {
        title: format!("{} against {}", shown.label, axis.path),
        kpi: with_unit(&shown.label, shown.unit),
        axis: with_unit(&axis.path, axis_unit),
        numeric: numbers.map(|(n, _)| n),
        labels,
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
            let caption = format!("{} against {}", shown(kpi).label, axis.path);
            files.extend(render(&chart, &stem, &caption)?);
        }
    }
    Ok(files)
}
