//! A quantity over simulated time, bin by bin: the mean over replications as
//! a step line, a band around it, the warm-up shaded, and a reference level.

use super::style::{self, clean, font, font_anchored, legend_row, text_width, Mark, MUTED};
use super::{Draw, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

#[derive(Clone, Debug)]
pub struct TimeBand {
    pub title: String,
    pub y_label: String,
    /// Bin width in hours; bin `k` covers `[k·bin_h, (k+1)·bin_h)`.
    pub bin_h: f64,
    /// Value per bin.
    pub mean: Vec<f64>,
    /// Lower and upper edge of the band per bin.
    pub band: Option<(Vec<f64>, Vec<f64>)>,
    pub mean_label: String,
    pub band_label: String,
    /// Warm-up length in hours (0: none).
    pub warmup_h: f64,
    /// A horizontal reference line and its label.
    pub reference: Option<(f64, String)>,
}

const SIZE: (u32, u32) = (1100, 560);
const LINE: RGBColor = RGBColor(31, 119, 180);
const BAND: RGBColor = RGBColor(31, 119, 180);
const REFERENCE: RGBColor = RGBColor(230, 85, 13);
const WARMUP: RGBColor = RGBColor(120, 120, 120);

/// Decimals for tick labels of an axis from 0 to `range`: enough for steps
/// of about a tenth of the range.
fn decimals(range: f64) -> usize {
    if range > 0.0 {
        (-(range / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize
    } else {
        0
    }
}

/// The steps of a per-bin series: two points a bin.
fn steps(values: &[f64], bin_h: f64) -> Vec<(f64, f64)> {
    values
        .iter()
        .enumerate()
        .flat_map(|(k, &v)| [(k as f64 * bin_h, v), ((k + 1) as f64 * bin_h, v)])
        .collect()
}

impl Draw for TimeBand {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let (w, h) = SIZE;
        style::draw_title(root, &self.title, w)?;
        let end_h = (self.mean.len() as f64 * self.bin_h).max(1e-9);
        let top = self
            .band
            .as_ref()
            .map_or(&self.mean, |(_, hi)| hi)
            .iter()
            .chain(&self.mean)
            .chain(self.reference.as_ref().map(|(v, _)| v))
            .fold(0.0f64, |a, &b| a.max(b));
        let top = if top > 0.0 { top * 1.12 } else { 1.0 };
        let (main, _) = root.split_vertically(h - 50);
        let mut chart = ChartBuilder::on(&main)
            .margin_top(55)
            .margin_right(30)
            .margin_left(10)
            .x_label_area_size(48)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..end_h, 0f64..top)?;
        chart
            .configure_mesh()
            .x_desc("simulated time (h)")
            .y_desc(clean(&self.y_label))
            .label_style(font(style::TICK))
            .axis_desc_style(font(style::AXIS))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .x_labels(12)
            .y_labels(8)
            .x_label_formatter(&|v| format!("{v:.*}", decimals(end_h), v = v))
            .y_label_formatter(&|v| format!("{v:.*}", decimals(top), v = v))
            .draw()?;
        let mut legend: Vec<(String, Mark)> = Vec::new();
        if self.warmup_h > 0.0 {
            let end = self.warmup_h.min(end_h);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (end, top)],
                WARMUP.mix(0.12).filled(),
            )))?;
            chart.draw_series(DashedLineSeries::new(
                vec![(end, 0.0), (end, top)],
                6,
                4,
                WARMUP.stroke_width(2),
            ))?;
            // The label inside the shaded warm-up if it fits, else just after it.
            let (x0, py) = chart.backend_coord(&(0.0, top));
            let (x1, _) = chart.backend_coord(&(end, top));
            let label = "warm-up";
            let (pos, h) = if x1 - x0 >= text_width(root, label, style::TICK) + 12 {
                (((x0 + x1) / 2, py + 16), HPos::Center)
            } else {
                ((x1 + 8, py + 16), HPos::Left)
            };
            root.draw(&Text::new(
                label,
                pos,
                font_anchored(style::TICK, h, VPos::Center).color(&MUTED),
            ))?;
            legend.push((
                "warm-up (not in the statistics)".into(),
                Mark::Box(WARMUP.mix(0.25)),
            ));
        }
        if let Some((lo, hi)) = &self.band {
            let mut outline = steps(hi, self.bin_h);
            outline.extend(steps(lo, self.bin_h).into_iter().rev());
            chart.draw_series(std::iter::once(Polygon::new(outline, BAND.mix(0.22).filled())))?;
            legend.insert(0, (self.band_label.clone(), Mark::Box(BAND.mix(0.3))));
        }
        chart.draw_series(LineSeries::new(
            steps(&self.mean, self.bin_h),
            LINE.stroke_width(2),
        ))?;
        legend.insert(0, (self.mean_label.clone(), Mark::Line(LINE, 2)));
        if let Some((level, label)) = &self.reference {
            let start = self.warmup_h.min(end_h);
            chart.draw_series(DashedLineSeries::new(
                vec![(start, *level), (end_h, *level)],
                8,
                5,
                REFERENCE.stroke_width(2),
            ))?;
            legend.push((label.clone(), Mark::Dashed(REFERENCE)));
        }
        legend_row(root, &legend, w as i32 / 2, h as i32 - 28)?;
        Ok(())
    }
}
