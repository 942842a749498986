//! The relative differences of a paired comparison: one horizontal bar per
//! KPI, (B − A)/A in percent, with its paired 95% interval as a whisker;
//! significant differences stand out in the emphasis colour.

use super::style::{self, font};
use super::{padded_span, Draw, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One KPI's bar.
#[derive(Clone, Debug, PartialEq)]
pub struct DifferenceRow {
    pub label: String,
    /// (B − A)/A in percent.
    pub percent: f64,
    /// The paired 95% interval of the difference, in percent of A.
    pub ci95: Option<[f64; 2]>,
    pub significant: bool,
}

/// The bars of a comparison, in KPI order from the top.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonChart {
    pub title: String,
    pub rows: Vec<DifferenceRow>,
    /// KPIs left out because A is 0 there (no relative difference).
    pub skipped: usize,
}

const CAPTION: u32 = 18;
const NOTE: u32 = 12;
const EMPTY_NOTE: u32 = 14;
/// Bars that are not significant.
const PLAIN: RGBColor = RGBColor(170, 170, 170);

impl ComparisonChart {
    fn label_width(&self) -> u32 {
        let longest = self
            .rows
            .iter()
            .map(|r| r.label.chars().count())
            .max()
            .unwrap_or(4);
        (longest as u32 * 8 + 20).clamp(60, 400)
    }
}

impl Draw for ComparisonChart {
    fn size(&self) -> (u32, u32) {
        (self.label_width() + 640, 150 + 26 * self.rows.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let n = self.rows.len().max(1);
        // Zero is always in view: the bars start there.
        let values = self.rows.iter().flat_map(|r| {
            let [lo, hi] = r.ci95.unwrap_or([r.percent, r.percent]);
            [lo, hi, r.percent]
        });
        let (lo, hi) = padded_span(values.chain([0.0]), 0.08, 0.5);
        let mut chart = ChartBuilder::on(root)
            .caption(style::clean(&self.title), font(CAPTION))
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
            .label_style(font(style::SMALL))
            .axis_desc_style(font(NOTE))
            .draw()?;
        let y_of = |i: usize| (n - 1 - i) as f64;
        chart.draw_series(self.rows.iter().enumerate().map(|(i, row)| {
            let colour = if row.significant { style::EMPHASIS } else { PLAIN };
            let y = y_of(i);
            Rectangle::new([(0.0, y - 0.32), (row.percent, y + 0.32)], colour.filled())
        }))?;
        chart.draw_series(self.rows.iter().enumerate().filter_map(|(i, row)| {
            let [a, b] = row.ci95?;
            let y = y_of(i);
            Some(PathElement::new(vec![(a, y), (b, y)], BLACK.stroke_width(2)))
        }))?;
        for (i, row) in self.rows.iter().enumerate() {
            if let Some([a, b]) = row.ci95 {
                let y = y_of(i);
                chart
                    .draw_series([a, b].map(|x| {
                        PathElement::new(vec![(x, y - 0.18), (x, y + 0.18)], BLACK.stroke_width(2))
                    }))?;
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            BLACK.stroke_width(1),
        )))?;
        // KPI names left of the plot, each centred on its bar.
        let label = font(style::SMALL).pos(Pos::new(HPos::Right, VPos::Center));
        for (i, row) in self.rows.iter().enumerate() {
            let (px, py) = chart.backend_coord(&(lo, y_of(i)));
            root.draw(&Text::new(style::clean(&row.label), (px - 8, py), label.clone()))?;
        }
        if self.rows.is_empty() {
            let (px, py) = chart.backend_coord(&(0.5 * (lo + hi), 0.0));
            let centre = font(EMPTY_NOTE).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new("no KPI with a non-zero value in A", (px, py), centre))?;
        }
        Ok(())
    }
}
