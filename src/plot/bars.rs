//! Stacked horizontal bars: the share of time in each state (or in each
//! kind of bottleneck), one bar a row.

use super::style::{self, clean, font, font_anchored, legend_column, state_color, text_on, text_width, Mark};
use super::{Draw, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

/// One bar per row, its segments in state order.
#[derive(Clone, Debug)]
pub struct StateBars {
    pub title: String,
    pub x_label: String,
    /// The legend's title: what the segments are (`state`).
    pub legend: &'static str,
    pub rows: Vec<BarRow>,
}

#[derive(Clone, Debug)]
pub struct BarRow {
    pub label: String,
    /// (state key, fraction); fractions sum to 1.
    pub shares: Vec<(&'static str, f64)>,
}

const WIDTH: u32 = 1100;
const LEGEND_W: u32 = 200;
const ROW_H: u32 = 34;
const TOP: u32 = 60;
const BOTTOM: u32 = 62;

impl StateBars {
    /// States that take some time in some row, in first-seen order.
    fn states(&self) -> Vec<&'static str> {
        let mut states: Vec<&'static str> = Vec::new();
        for row in &self.rows {
            for &(key, f) in &row.shares {
                if f > 0.0 && !states.contains(&key) {
                    states.push(key);
                }
            }
        }
        states
    }
}

impl Draw for StateBars {
    fn size(&self) -> (u32, u32) {
        let rows = self.rows.len().max(1) as u32;
        let legend = TOP + 40 + 24 * self.states().len() as u32 + 20;
        (WIDTH, (TOP + rows * ROW_H + BOTTOM).max(legend).max(260))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let (w, _) = self.size();
        style::draw_title(root, &self.title, w)?;
        let label_w = self
            .rows
            .iter()
            .map(|r| text_width(root, &r.label, style::TICK))
            .max()
            .unwrap_or(0)
            .clamp(60, 380)
            + 22;
        let (main, side) = root.split_horizontally(WIDTH - LEGEND_W);
        let n = self.rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(&main)
            .margin_top(TOP - 10)
            .margin_right(24)
            .margin_bottom(10)
            .x_label_area_size(BOTTOM - 14)
            .y_label_area_size(label_w as u32)
            .build_cartesian_2d(0f64..100f64, 0f64..n)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(11)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc(clean(&self.x_label))
            .label_style(font(style::TICK))
            .axis_desc_style(font(style::AXIS))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(225, 225, 225))
            .draw()?;
        let percent = font_anchored(style::SMALL, HPos::Center, VPos::Center);
        for (i, row) in self.rows.iter().enumerate() {
            let top = n - i as f64 - 0.18;
            let bottom = n - i as f64 - 0.82;
            let mut x = 0.0;
            for &(key, f) in &row.shares {
                if f <= 0.0 {
                    continue;
                }
                let (x0, x1) = (100.0 * x, (100.0 * (x + f)).min(100.0));
                x += f;
                let colour = state_color(key);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0, bottom), (x1, top)],
                    colour.filled(),
                )))?;
                let (p0, py) = chart.backend_coord(&(x0, n - i as f64 - 0.5));
                let (p1, _) = chart.backend_coord(&(x1, n - i as f64 - 0.5));
                let text = format!("{:.0}%", 100.0 * f);
                if p1 - p0 >= text_width(root, &text, style::SMALL) + 8 {
                    root.draw(&Text::new(
                        text,
                        ((p0 + p1) / 2, py),
                        percent.clone().color(&text_on(colour)),
                    ))?;
                }
            }
            let (px, py) = chart.backend_coord(&(0.0, n - i as f64 - 0.5));
            root.draw(&Text::new(
                clean(&row.label),
                (px - 10, py),
                font_anchored(style::TICK, HPos::Right, VPos::Center),
            ))?;
        }
        let entries: Vec<(String, Mark)> = self
            .states()
            .into_iter()
            .map(|k| (k.replace('_', " "), Mark::Box(state_color(k).to_rgba())))
            .collect();
        legend_column(&side, Some(self.legend), &entries, 10, TOP as i32 + 10)?;
        Ok(())
    }
}
