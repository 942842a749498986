//! One KPI of a sweep against one axis: a line per combination of the other
//! axes' values, each point its mean with the 95% interval as a whisker.
//! A numeric axis (numbers, or quantities such as durations, converted to
//! one unit by the caller) places the points at their values, so a cliff
//! between 99 and 100 ms looks like one; any other axis places them at 0,
//! 1, 2... under their text.

use super::style::{self, font, GRID};
use super::{padded_span, Draw, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A point: its x position, the mean and its 95% interval.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct SweepPoint {
    pub x: f64,
    pub mean: f64,
    pub ci95: Option<[f64; 2]>,
}

/// One line: the design points that share the other axes' values.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSeries {
    /// The other axes' values, `path=value, ...`.
    pub legend: String,
    /// By increasing x.
    pub points: Vec<SweepPoint>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SweepChart {
    /// In words: `lead time against network.fixed.latency`.
    pub title: String,
    /// The KPI with its unit: the y axis' description.
    pub kpi: String,
    /// The axis with its unit: the x axis' description.
    pub axis: String,
    /// The axis values as numbers, or `None` for categories at 0, 1, 2...
    pub numeric: Option<Vec<f64>>,
    /// The axis values as given, the tick labels.
    pub labels: Vec<String>,
    pub series: Vec<SweepSeries>,
}

const SIZE: (u32, u32) = (860, 520);
const CAPTION: u32 = 18;
const LEGEND: u32 = 12;
/// Up to this many axis values are written as tick labels.
const MAX_MANUAL_TICKS: usize = 16;

impl SweepChart {
    /// Where axis value `i` is: its number, or its place among categories.
    fn x_of(&self, i: usize) -> f64 {
        self.numeric.as_ref().map_or(i as f64, |v| v[i])
    }

    /// The x range: the axis values (numeric, padded by 5%) or the
    /// categories, one unit either side of a single value.
    fn x_span(&self) -> (f64, f64) {
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
        (x0, x1)
    }

    /// The y range: every mean and interval end, padded by 8% (10% of the
    /// value, at least 0.1, around a single value; 0 to 1 with nothing).
    fn y_span(&self) -> (f64, f64) {
        let values = self.series.iter().flat_map(|s| &s.points).flat_map(|p| {
            let [lo, hi] = p.ci95.unwrap_or([p.mean, p.mean]);
            [lo, hi, p.mean]
        });
        let (y0, y1) = padded_span(values, 0.08, 0.0);
        if !y0.is_finite() || !y1.is_finite() {
            return (-0.08, 1.08);
        }
        if y1 > y0 {
            return (y0, y1);
        }
        let pad = y0.abs().max(1.0) * 0.1;
        (y0 - pad, y1 + pad)
    }
}

impl Draw for SweepChart {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let (x0, x1) = self.x_span();
        let (y0, y1) = self.y_span();
        let mut chart = ChartBuilder::on(root)
            .caption(style::clean(&self.title), font(CAPTION))
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        // The axis values as tick labels, at their positions (numeric or
        // categorical), unless there are too many to read.
        let manual = self.labels.len() <= MAX_MANUAL_TICKS;
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(style::clean(&self.axis))
            .y_desc(style::clean(&format!("{}: mean, 95% CI", self.kpi)))
            .label_style(font(style::SMALL))
            .axis_desc_style(font(style::SMALL))
            .light_line_style(GRID);
        if manual {
            mesh.x_labels(0).disable_x_mesh();
        }
        mesh.draw()?;
        if manual {
            let tick = font(style::SMALL).pos(Pos::new(HPos::Center, VPos::Top));
            // Every value gets its tick; a label that would touch the one
            // before it (99 and 100 on a 0 to 100 axis) is left out.
            let mut last_right = i32::MIN;
            let mut order: Vec<usize> = (0..self.labels.len()).collect();
            order.sort_by(|&i, &j| self.x_of(i).total_cmp(&self.x_of(j)));
            for i in order {
                let label = style::clean(&self.labels[i]);
                let (px, py) = chart.backend_coord(&(self.x_of(i), y0));
                root.draw(&PathElement::new(vec![(px, py), (px, py + 4)], BLACK))?;
                let half = style::text_width(root, &label, style::SMALL) / 2;
                if px - half >= last_right + 6 {
                    root.draw(&Text::new(label, (px, py + 7), tick.clone()))?;
                    last_right = px + half;
                }
            }
        }
        // Series at the same x are shifted apart a little, so that their
        // whiskers do not hide each other.
        let count = self.series.len();
        let dodge = (x1 - x0) * 0.008;
        let whisker = (x1 - x0) * 0.006;
        for (s, series) in self.series.iter().enumerate() {
            let colour = style::series_colour(s);
            let shift = (s as f64 - (count as f64 - 1.0) / 2.0) * dodge;
            let points: Vec<SweepPoint> = series
                .points
                .iter()
                .map(|p| SweepPoint { x: p.x + shift, ..*p })
                .collect();
            let line = LineSeries::new(points.iter().map(|p| (p.x, p.mean)), colour.stroke_width(2));
            let drawn = chart.draw_series(line)?;
            if count > 1 {
                drawn.label(style::clean(&series.legend)).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
                });
            }
            chart.draw_series(
                points
                    .iter()
                    .map(|p| Circle::new((p.x, p.mean), 4, colour.filled())),
            )?;
            for p in &points {
                if let Some([a, b]) = p.ci95 {
                    let x = p.x;
                    chart.draw_series([
                        PathElement::new(vec![(x, a), (x, b)], colour.stroke_width(1)),
                        PathElement::new(vec![(x - whisker, a), (x + whisker, a)], colour.stroke_width(1)),
                        PathElement::new(vec![(x - whisker, b), (x + whisker, b)], colour.stroke_width(1)),
                    ])?;
                }
            }
        }
        if count > 1 {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(font(LEGEND))
                .draw()?;
        }
        Ok(())
    }
}
