//! The floor plan: the hall, the aisles coloured and sized by AGV load, the
//! points, and the stations labelled.

use super::style::{self, clean, font, font_anchored, legend_column, text_width, Mark, Placer, INK, MUTED};
use super::{Draw, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

#[derive(Clone, Debug)]
pub struct FloorPlan {
    pub title: String,
    /// The hall, metres.
    pub size: [f64; 2],
    pub points: Vec<PlanPoint>,
    pub aisles: Vec<PlanAisle>,
    /// What an aisle's load counts, for the colour scale (lines split at `\n`).
    pub load_label: String,
}

#[derive(Clone, Debug)]
pub struct PlanPoint {
    /// The station names for a station's point, else the point's name.
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub kind: PointKind,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum PointKind {
    Station,
    Warehouse,
    Charger,
    Home,
    Other,
}

impl PointKind {
    fn mark(self) -> Mark {
        match self {
            PointKind::Station => Mark::Square(RGBColor(31, 119, 180)),
            PointKind::Warehouse => Mark::Square(RGBColor(140, 86, 75)),
            PointKind::Charger => Mark::Triangle(RGBColor(44, 160, 44)),
            PointKind::Home => Mark::Dot(RGBColor(148, 103, 189)),
            PointKind::Other => Mark::Dot(RGBColor(150, 150, 150)),
        }
    }
    fn name(self) -> &'static str {
        match self {
            PointKind::Station => "station",
            PointKind::Warehouse => "warehouse",
            PointKind::Charger => "charger",
            PointKind::Home => "AGV home",
            PointKind::Other => "other point",
        }
    }
    const ALL: [PointKind; 5] = [
        PointKind::Station,
        PointKind::Warehouse,
        PointKind::Charger,
        PointKind::Home,
        PointKind::Other,
    ];
}

#[derive(Clone, Debug)]
pub struct PlanAisle {
    pub from: [f64; 2],
    pub to: [f64; 2],
    /// AGV load (e.g. passes per hour); `None` when there is no fleet.
    pub load_per_h: Option<f64>,
}

const LEGEND_W: u32 = 250;
const MAX_PLOT: (f64, f64) = (880.0, 620.0);
const TOP: u32 = 60;
const BOTTOM: u32 = 50;
const LEFT: u32 = 70;
const RIGHT: u32 = 24;
const IDLE_AISLE: RGBColor = RGBColor(185, 185, 185);

/// The load colour scale, pale yellow to dark red (`t` in [0, 1]).
fn load_color(t: f64) -> RGBColor {
    const STOPS: [(f64, (f64, f64, f64)); 3] = [
        (0.0, (254.0, 217.0, 118.0)),
        (0.5, (253.0, 141.0, 60.0)),
        (1.0, (177.0, 0.0, 38.0)),
    ];
    let t = t.clamp(0.0, 1.0);
    let (a, b) = if t <= 0.5 {
        (STOPS[0], STOPS[1])
    } else {
        (STOPS[1], STOPS[2])
    };
    let u = (t - a.0) / (b.0 - a.0);
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    RGBColor(mix(a.1 .0, b.1 .0), mix(a.1 .1, b.1 .1), mix(a.1 .2, b.1 .2))
}

fn load_width(t: f64) -> u32 {
    (3.0 + 11.0 * t.clamp(0.0, 1.0)).round() as u32
}

impl FloorPlan {
    fn scale(&self) -> f64 {
        let [x, y] = self.size;
        (MAX_PLOT.0 / x.max(1e-9)).min(MAX_PLOT.1 / y.max(1e-9))
    }
    fn max_load(&self) -> Option<f64> {
        self.aisles
            .iter()
            .filter_map(|a| a.load_per_h)
            .fold(None, |m: Option<f64>, l| Some(m.map_or(l, |m| m.max(l))))
    }
}

impl Draw for FloorPlan {
    fn size(&self) -> (u32, u32) {
        let s = self.scale();
        let w = (self.size[0] * s).round() as u32 + LEFT + RIGHT + LEGEND_W;
        let h = (self.size[1] * s).round() as u32 + TOP + BOTTOM;
        (w.max(700), h.max(470))
    }

    /// Layers, bottom to top: the hall floor and outline; (to come: the SINR
    /// coverage map); the aisles by load; (to come: the gNBs); the points;
    /// the labels.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let (w, _) = self.size();
        let [sx, sy] = self.size;
        root.draw(&Text::new(
            clean(&self.title),
            (w as i32 / 2, 28),
            font_anchored(style::TITLE, HPos::Center, VPos::Center),
        ))?;
        let (main, side) = root.split_horizontally(w - LEGEND_W);
        let mut chart = ChartBuilder::on(&main)
            .margin_top(TOP - 10)
            .margin_right(RIGHT)
            .margin_bottom(5)
            .x_label_area_size(BOTTOM - 5)
            .y_label_area_size(LEFT - 5)
            .build_cartesian_2d(0f64..sx, 0f64..sy)?;
        chart
            .configure_mesh()
            .x_desc("x (m)")
            .y_desc("y (m)")
            .label_style(font(style::SMALL))
            .axis_desc_style(font(style::TICK))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(238, 238, 238))
            .x_labels(11)
            .y_labels(6)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        // The hall.
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (sx, sy)],
            RGBColor(250, 250, 246).mix(0.6).filled(),
        )))?;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (sx, sy)],
            INK.stroke_width(2),
        )))?;
        // The aisles, busiest on top.
        let max_load = self.max_load();
        let mut aisles: Vec<&PlanAisle> = self.aisles.iter().collect();
        aisles.sort_by(|a, b| {
            a.load_per_h
                .unwrap_or(0.0)
                .total_cmp(&b.load_per_h.unwrap_or(0.0))
        });
        let mut placer = Placer::default();
        for a in aisles {
            let (colour, width) = match (a.load_per_h, max_load) {
                (Some(l), Some(m)) if l > 0.0 && m > 0.0 => (load_color(l / m), load_width(l / m)),
                _ => (IDLE_AISLE, 3),
            };
            let (from, to) = ((a.from[0], a.from[1]), (a.to[0], a.to[1]));
            chart.draw_series(std::iter::once(PathElement::new(
                vec![from, to],
                colour.stroke_width(width),
            )))?;
            placer.avoid_line(chart.backend_coord(&from), chart.backend_coord(&to), width);
        }
        // The points, then their labels where they overlap nothing.
        let plot = {
            let (x0, y1) = chart.backend_coord(&(0.0, 0.0));
            let (x1, y0) = chart.backend_coord(&(sx, sy));
            (x0, y0, x1, y1)
        };
        let mut order: Vec<&PlanPoint> = self.points.iter().collect();
        order.sort_by_key(|p| p.kind != PointKind::Station);
        let pixels: Vec<(i32, i32)> = order.iter().map(|p| chart.backend_coord(&(p.x, p.y))).collect();
        for (p, &(px, py)) in order.iter().zip(&pixels) {
            style::draw_mark(root, &p.kind.mark(), px - 11, py)?;
            placer.take((px - 7, py - 7, px + 7, py + 7));
        }
        for (p, &(px, py)) in order.iter().zip(&pixels) {
            let station = p.kind == PointKind::Station;
            let size = if station { style::TICK } else { style::SMALL };
            let label = clean(&p.label);
            let tw = text_width(root, &label, size);
            let th = size as i32;
            let candidates = [
                (px - tw / 2, py - th - 10, px + tw / 2, py - 8),
                (px - tw / 2, py + 9, px + tw / 2, py + th + 11),
                (px + 10, py - th / 2 - 1, px + 10 + tw, py + th / 2 + 1),
                (px - 10 - tw, py - th / 2 - 1, px - 10, py + th / 2 + 1),
                (px + 8, py - th - 8, px + 8 + tw, py - 6),
                (px - 8 - tw, py + 7, px - 8, py + th + 9),
            ];
            let b = placer.place(&candidates, plot);
            root.draw(&Rectangle::new(
                [(b.0 - 2, b.1 - 1), (b.2 + 2, b.3 + 1)],
                WHITE.mix(0.75).filled(),
            ))?;
            let colour = if station { INK } else { MUTED };
            root.draw(&Text::new(
                label,
                (b.0, (b.1 + b.3) / 2),
                font_anchored(size, HPos::Left, VPos::Center).color(&colour),
            ))?;
        }
        // The legend: point kinds present, then the load scale.
        let kinds: Vec<(String, Mark)> = PointKind::ALL
            .iter()
            .filter(|k| self.points.iter().any(|p| p.kind == **k))
            .map(|k| (k.name().to_string(), k.mark()))
            .collect();
        let y = legend_column(&side, None, &kinds, 12, TOP as i32 + 10)?;
        self.draw_scale(&side, 12, y + 16, max_load)
    }
}

impl FloorPlan {
    /// The colour and width scale of aisle load, from `(x, y)` down.
    fn draw_scale<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        x: i32,
        y: i32,
        max_load: Option<f64>,
    ) -> Result<(), PlotError> {
        let left = font_anchored(style::TICK, HPos::Left, VPos::Center);
        let Some(max) = max_load.filter(|m| *m > 0.0) else {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 22, y)],
                IDLE_AISLE.stroke_width(3),
            ))?;
            area.draw(&Text::new("aisle (no AGV load)", (x + 30, y), left))?;
            return Ok(());
        };
        area.draw(&Text::new("aisle load", (x, y), left.clone()))?;
        let mut yy = y;
        for line in self.load_label.lines() {
            yy += 19;
            area.draw(&Text::new(
                clean(line),
                (x, yy),
                font_anchored(style::SMALL, HPos::Left, VPos::Center).color(&MUTED),
            ))?;
        }
        let steps = 5;
        yy += 28;
        for k in (0..=steps).rev() {
            let t = k as f64 / steps as f64;
            let load = max * t;
            let style = if k == 0 {
                IDLE_AISLE.stroke_width(3)
            } else {
                load_color(t).stroke_width(load_width(t))
            };
            area.draw(&PathElement::new(vec![(x, yy), (x + 40, yy)], style))?;
            area.draw(&Text::new(format!("{load:.1}"), (x + 52, yy), left.clone()))?;
            yy += 24;
        }
        Ok(())
    }
}
