//! Plots of experiments: the relative differences of a comparison, and each
//! KPI of a sweep against each axis. Each plot implements [`plot::Draw`] and
//! is drawn by [`plot::render`] (SVG and PNG in memory, embedded DejaVu Sans);
//! the files are written here, atomically.

use super::compare::Comparison;
use super::files::write_atomic;
use super::sweep::{Plan, Summary};
use crate::plot::{self, Draw, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

const FAMILY: &str = "sans-serif";

type DrawResult = Result<(), PlotError>;

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

const HIGHLIGHT: RGBColor = RGBColor(214, 39, 40);
const PLAIN: RGBColor = RGBColor(170, 170, 170);

/// The relative differences (B − A)/A of a comparison, with their paired
/// intervals; significant ones highlighted.
struct CompareChart<'a> {
    rows: Vec<(&'a str, f64, Option<[f64; 2]>, bool)>,
    skipped: usize,
    title: String,
}

impl<'a> CompareChart<'a> {
    fn new(c: &'a Comparison, a_label: &str, b_label: &str) -> Self {
        let mut rows = Vec::new();
        let mut skipped = 0;
        for k in &c.kpis {
            match k.relative() {
                Some((r, ci)) => rows.push((
                    k.name.as_str(),
                    100.0 * r,
                    ci.map(|[lo, hi]| [100.0 * lo, 100.0 * hi]),
                    k.significant,
                )),
                None => skipped += 1,
            }
        }
        CompareChart {
            rows,
            skipped,
            title: format!("B = {b_label} vs A = {a_label}: relative difference per KPI"),
        }
    }
    fn label_width(&self) -> u32 {
        let longest = self.rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(4);
        (longest as u32 * 8 + 20).clamp(60, 400)
    }
}

impl Draw for CompareChart<'_> {
    fn size(&self) -> (u32, u32) {
        (self.label_width() + 640, 150 + 26 * self.rows.len().max(1) as u32)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&WHITE)?;
        let n = self.rows.len().max(1);
        let mut lo = 0.0f64;
        let mut hi = 0.0f64;
        for (_, r, ci, _) in &self.rows {
            let [a, b] = ci.unwrap_or([*r, *r]);
            lo = lo.min(a).min(*r);
            hi = hi.max(b).max(*r);
        }
        let pad = ((hi - lo) * 0.08).max(0.5);
        let (lo, hi) = (lo - pad, hi + pad);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FAMILY, 18))
            .margin(12)
            .margin_right(48)
            .x_label_area_size(60)
            .y_label_area_size(self.label_width())
            .build_cartesian_2d(lo..hi, -0.5f64..(n as f64 - 0.5))?;
        let mut note = "(B − A) / A in %; whiskers: paired 95% CI; red: significant".to_string();
        if self.skipped > 0 {
            note.push_str(&format!("; {} KPI(s) with A = 0 not shown", self.skipped));
        }
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(9)
            .light_line_style(WHITE)
            .x_desc(note)
            .x_label_formatter(&|v| format!("{v:+.1}%"))
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 12))
            .draw()?;
        let y_of = |i: usize| (n - 1 - i) as f64;
        chart.draw_series(self.rows.iter().enumerate().map(|(i, (_, r, _, sig))| {
            let color = if *sig { HIGHLIGHT } else { PLAIN };
            let y = y_of(i);
            Rectangle::new([(0.0, y - 0.32), (*r, y + 0.32)], color.filled())
        }))?;
        chart.draw_series(self.rows.iter().enumerate().filter_map(|(i, (_, _, ci, _))| {
            let [a, b] = (*ci)?;
            let y = y_of(i);
            Some(PathElement::new(vec![(a, y), (b, y)], BLACK.stroke_width(2)))
        }))?;
        for (i, (_, _, ci, _)) in self.rows.iter().enumerate() {
            if let Some([a, b]) = ci {
                let y = y_of(i);
                for x in [*a, *b] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x, y - 0.18), (x, y + 0.18)],
                        BLACK.stroke_width(2),
                    )))?;
                }
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.stroke_width(1),
        )))?;
        // KPI names left of the plot, each centred on its bar.
        let style = TextStyle::from((FAMILY, 13).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
        for (i, (name, ..)) in self.rows.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(lo, y_of(i)));
            root.draw(&Text::new(name.to_string(), (px - 8, py), style.clone()))?;
        }
        if self.rows.is_empty() {
            let (px, py) = chart.backend_coord(&(0.5 * (lo + hi), 0.0));
            let centre = TextStyle::from((FAMILY, 14).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new("no KPI with a non-zero value in A", (px, py), centre))?;
        }
        Ok(())
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
        &CompareChart::new(c, a_label, b_label),
        stem,
        "relative differences of the KPIs, with paired 95% intervals",
    )
}

/// A point of a sweep plot: x position, mean, 95% interval.
type SweepPoint = (f64, f64, Option<[f64; 2]>);

/// One KPI against one axis of a sweep: a line per combination of the other
/// axes' values, with 95% intervals as whiskers.
struct SweepChart {
    kpi: String,
    axis: String,
    /// Numeric axis values, or `None` for categories at 0, 1, 2...
    numeric: Option<Vec<f64>>,
    labels: Vec<String>,
    /// (legend, points (x position, mean, ci)).
    series: Vec<(String, Vec<SweepPoint>)>,
}

impl Draw for SweepChart {
    fn size(&self) -> (u32, u32) {
        (860, 520)
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        root.fill(&WHITE)?;
        let (mut x0, mut x1) = match &self.numeric {
            Some(v) => (
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
            None => (-0.5, self.labels.len() as f64 - 0.5),
        };
        if x1.partial_cmp(&x0) != Some(std::cmp::Ordering::Greater) {
            x0 -= 1.0;
            x1 += 1.0;
        }
        if self.numeric.is_some() {
            let pad = (x1 - x0) * 0.05;
            x0 -= pad;
            x1 += pad;
        }
        let mut y0 = f64::INFINITY;
        let mut y1 = f64::NEG_INFINITY;
        for (_, pts) in &self.series {
            for (_, m, ci) in pts {
                let [a, b] = ci.unwrap_or([*m, *m]);
                y0 = y0.min(a).min(*m);
                y1 = y1.max(b).max(*m);
            }
        }
        if !y0.is_finite() || !y1.is_finite() {
            y0 = 0.0;
            y1 = 1.0;
        }
        let pad = if y1 > y0 {
            (y1 - y0) * 0.08
        } else {
            y0.abs().max(1.0) * 0.1
        };
        let (y0, y1) = (y0 - pad, y1 + pad);
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{} vs {}", self.kpi, self.axis), (FAMILY, 18))
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        // The axis values as tick labels, at their positions (numeric or
        // categorical), unless there are too many to read.
        let manual = self.labels.len() <= MAX_MANUAL_TICKS;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(self.axis.as_str())
            .y_desc(format!("{} (mean, 95% CI)", self.kpi))
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 13))
            .light_line_style(RGBColor(238, 238, 238));
        if manual {
            mesh.x_labels(0).disable_x_mesh();
        }
        mesh.draw()?;
        if manual {
            let style = TextStyle::from((FAMILY, 13).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
            for (i, l) in self.labels.iter().enumerate() {
                let x = self.numeric.as_ref().map_or(i as f64, |v| v[i]);
                let (px, py) = chart.backend_coord(&(x, y0));
                root.draw(&PathElement::new(vec![(px, py), (px, py + 4)], BLACK))?;
                root.draw(&Text::new(l.clone(), (px, py + 7), style.clone()))?;
            }
        }
        // Series at the same x are shifted apart a little, so that their
        // whiskers do not hide each other.
        let n_series = self.series.len();
        let dodge = (x1 - x0) * 0.008;
        for (s, (legend, pts)) in self.series.iter().enumerate() {
            let color = plot::series_colour(s);
            let shift = (s as f64 - (n_series as f64 - 1.0) / 2.0) * dodge;
            let pts: Vec<SweepPoint> = pts.iter().map(|(x, m, ci)| (x + shift, *m, *ci)).collect();
            let line = LineSeries::new(pts.iter().map(|(x, m, _)| (*x, *m)), color.stroke_width(2));
            let drawn = chart.draw_series(line)?;
            if self.series.len() > 1 {
                drawn
                    .label(legend.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
            }
            chart.draw_series(
                pts.iter()
                    .map(|(x, m, _)| Circle::new((*x, *m), 4, color.filled())),
            )?;
            let w = (x1 - x0) * 0.006;
            for (x, _, ci) in &pts {
                if let Some([a, b]) = ci {
                    chart.draw_series([
                        PathElement::new(vec![(*x, *a), (*x, *b)], color.stroke_width(1)),
                        PathElement::new(vec![(*x - w, *a), (*x + w, *a)], color.stroke_width(1)),
                        PathElement::new(vec![(*x - w, *b), (*x + w, *b)], color.stroke_width(1)),
                    ])?;
                }
            }
        }
        if self.series.len() > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font((FAMILY, 12))
                .draw()?;
        }
        Ok(())
    }
}

/// Up to this many axis values are written as tick labels.
const MAX_MANUAL_TICKS: usize = 16;

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

/// Draws every KPI against every axis into `dir` (`KPI-vs-AXIS.svg/.png`);
/// returns the files written.
pub fn sweep_plots(plan: &Plan, summary: &Summary, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for (a, axis) in plan.axes.iter().enumerate() {
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
        for (k, kpi) in summary.kpis.iter().enumerate() {
            // Group the runs by the values of the other axes.
            let mut series: Vec<(Vec<&String>, Vec<SweepPoint>)> = Vec::new();
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
                let point = (x_of(&run.values[a]), mean, est.ci95);
                match series.iter_mut().find(|(kk, _)| *kk == key) {
                    Some((_, pts)) => pts.push(point),
                    None => series.push((key, vec![point])),
                }
            }
            series.truncate(MAX_SERIES);
            let others: Vec<&str> = plan
                .axes
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != a)
                .map(|(_, x)| x.path.as_str())
                .collect();
            let series = series
                .into_iter()
                .map(|(key, mut pts)| {
                    pts.sort_by(|p, q| p.0.total_cmp(&q.0));
                    let legend = others
                        .iter()
                        .zip(key)
                        .map(|(p, v)| format!("{p}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    (legend, pts)
                })
                .collect();
            let chart = SweepChart {
                kpi: kpi.clone(),
                axis: axis.path.clone(),
                numeric: numbers.clone(),
                labels: axis.values.clone(),
                series,
            };
            let stem = dir.join(format!("{}-vs-{}", safe(kpi), safe(&axis.path)));
            let caption = format!("{kpi} against {}", axis.path);
            files.extend(render(&chart, &stem, &caption)?);
        }
    }
    Ok(files)
}
