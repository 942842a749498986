//! The floor plan: the hall, the 5G SINR coverage map, the aisles coloured
//! and sized by AGV load (one-way aisles with an arrow at their middle),
//! the gNBs, the points, and the stations labelled. Without load figures it
//! is the layout alone (`factory5g layout`), aisles in grey.
//!
//! The coverage map is a heat map of the SINR of each grid cell in discrete
//! bands (a colour per band, pale for low SINR to dark blue for high, so
//! that the yellow-to-red aisles stay readable over it; the aisles get a dark
//! casing when it is drawn), with cells out of coverage dark grey and
//! hatched, and its scale in dB in a strip under the plan. Cells of the same
//! band next to each other in a row are drawn as one rectangle, so the SVG
//! stays small.

use super::style::{
    self, clean, draw_diamond, font, font_anchored, hatch, legend_column, text_width, Mark, Placer, INK,
    MUTED,
};
use super::{Draw, PlotError};
use plotters::coord::types::RangedCoordf64;
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
    /// The gNBs, (x, y) in metres.
    pub gnbs: Vec<[f64; 2]>,
    /// The SINR coverage map, drawn under the aisles.
    pub coverage: Option<Coverage>,
}

/// The SINR over the hall on a grid of square cells (the last row and
/// column cut at the hall's edge).
#[derive(Clone, Debug)]
pub struct Coverage {
    /// Side of a cell, metres.
    pub cell_m: f64,
    /// Cells along x and along y.
    pub nx: usize,
    pub ny: usize,
    /// SINR (dB) of each cell, row by row from y = 0: cell (i, j) is at
    /// `j * nx + i`. `NaN` cells are not drawn.
    pub sinr_db: Vec<f64>,
    /// Below this SINR (dB) a cell is out of coverage.
    pub threshold_db: f64,
    /// The scale's caption: its first line names the quantity (with its
    /// unit), the others say how it was computed.
    pub label: String,
}

/// The colour bands of a coverage map: `count` bands of `step` dB from `lo`.
#[derive(Copy, Clone, Debug, PartialEq)]
struct Bands {
    lo: f64,
    step: f64,
    count: usize,
}

impl Coverage {
    fn in_coverage(&self) -> impl Iterator<Item = f64> + '_ {
        self.sinr_db
            .iter()
            .copied()
            .filter(|v| v.is_finite() && *v >= self.threshold_db)
    }

    /// At most 10 bands of a round width covering the SINR in coverage.
    fn bands(&self) -> Option<Bands> {
        let (min, max) = self.in_coverage().fold(None, |m: Option<(f64, f64)>, v| {
            Some(m.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
        })?;
        let step = [1.0, 2.0, 2.5, 5.0, 10.0, 20.0]
            .into_iter()
            .find(|s| ((max / s).ceil() - (min / s).floor()) <= 10.0)
            .unwrap_or(50.0);
        let lo = (min / step).floor() * step;
        let count = (((max / step).ceil() * step - lo) / step).round().max(1.0) as usize;
        Some(Bands { lo, step, count })
    }

    /// The band of a SINR: `None` out of coverage, `Some(None)` not drawn.
    fn band_of(&self, bands: &Bands, v: f64) -> Option<Option<usize>> {
        if !v.is_finite() {
            return Some(None);
        }
        if v < self.threshold_db {
            return None;
        }
        let k = ((v - bands.lo) / bands.step).floor().max(0.0) as usize;
        Some(Some(k.min(bands.count - 1)))
    }

    /// Share of the drawn cells out of coverage.
    fn out_share(&self) -> f64 {
        let drawn = self.sinr_db.iter().filter(|v| v.is_finite()).count();
        let out = self
            .sinr_db
            .iter()
            .filter(|v| v.is_finite() && **v < self.threshold_db)
            .count();
        if drawn == 0 {
            0.0
        } else {
            out as f64 / drawn as f64
        }
    }
}

/// The coverage map in the floor plan's colours, for another drawing of
/// the same map (the replay page draws it on a canvas).
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageColours {
    /// The lower edge (dB) and the colour of each band; a band is `step`
    /// dB wide.
    pub bands: Vec<(f64, [u8; 3])>,
    pub step: f64,
    /// The fill of a cell out of coverage.
    pub out: [u8; 3],
    /// The band of each cell, in the order of [`Coverage::sinr_db`];
    /// `OUT` out of coverage, `UNDRAWN` not drawn.
    pub cells: Vec<i16>,
}

impl CoverageColours {
    pub const OUT: i16 = -1;
    pub const UNDRAWN: i16 = -2;
}

impl Coverage {
    /// The colours the floor plan gives the map; `None` when no cell is
    /// in coverage (the plan draws no scale then either).
    pub fn colours(&self) -> Option<CoverageColours> {
        let bands = self.bands()?;
        let rgb = |c: RGBColor| [c.0, c.1, c.2];
        Some(CoverageColours {
            bands: (0..bands.count)
                .map(|k| (bands.lo + k as f64 * bands.step, rgb(band_color(&bands, k))))
                .collect(),
            step: bands.step,
            out: rgb(OUT_FILL),
            cells: self
                .sinr_db
                .iter()
                .map(|&v| match self.band_of(&bands, v) {
                    None => CoverageColours::OUT,
                    Some(None) => CoverageColours::UNDRAWN,
                    Some(Some(k)) => k as i16,
                })
                .collect(),
        })
    }
}

/// The colour at `t` (clamped to [0, 1]) of a scale through `stops`
/// spaced evenly from 0 to 1, mixed linearly between neighbours.
fn ramp(stops: &[(f64, f64, f64)], t: f64) -> RGBColor {
    let x = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let k = (x.floor() as usize).min(stops.len() - 2);
    let u = x - k as f64;
    let (a, b) = (stops[k], stops[k + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The SINR colour scale, pale to dark blue (`t` in [0, 1]).
fn sinr_color(t: f64) -> RGBColor {
    ramp(
        &[
            (240.0, 249.0, 232.0),
            (204.0, 235.0, 197.0),
            (168.0, 221.0, 181.0),
            (123.0, 204.0, 196.0),
            (78.0, 179.0, 211.0),
            (43.0, 140.0, 190.0),
            (8.0, 88.0, 158.0),
        ],
        t,
    )
}

fn band_color(bands: &Bands, k: usize) -> RGBColor {
    if bands.count <= 1 {
        return sinr_color(0.5);
    }
    sinr_color(k as f64 / (bands.count - 1) as f64)
}

const OUT_FILL: RGBColor = RGBColor(85, 85, 85);
const OUT_HATCH: RGBColor = RGBColor(175, 175, 175);
const GNB: RGBColor = RGBColor(200, 30, 120);
/// Height of the strip under the plan that holds the SINR scale.
const COVER_H: u32 = 104;

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
    /// Driven only from `from` to `to`: an arrow at its middle shows which way.
    pub one_way: bool,
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
    ramp(
        &[(254.0, 217.0, 118.0), (253.0, 141.0, 60.0), (177.0, 0.0, 38.0)],
        t,
    )
}

fn load_width(t: f64) -> u32 {
    (3.0 + 11.0 * t.clamp(0.0, 1.0)).round() as u32
}

impl FloorPlan {
    fn bands(&self) -> Option<(&Coverage, Bands)> {
        let c = self.coverage.as_ref()?;
        Some((c, c.bands()?))
    }
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
        let strip = if self.bands().is_some() { COVER_H } else { 0 };
        let h = (self.size[1] * s).round() as u32 + TOP + BOTTOM;
        (w.max(700), h.max(470) + strip)
    }

    /// Layers, bottom to top: the hall floor; the SINR coverage map; the
    /// hall outline; the aisles by load; the gNBs; the points; the labels.
    /// The SINR scale is a strip under the plan, the rest of the legend a
    /// column on the right.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let (w, h) = self.size();
        let [sx, sy] = self.size;
        let coverage = self.bands();
        style::draw_title(root, &self.title, w)?;
        let (main, side) = root.split_horizontally(w - LEGEND_W);
        let (main, strip) = if coverage.is_some() {
            let (m, s) = main.split_vertically(h - COVER_H);
            (m, Some(s))
        } else {
            (main, None)
        };
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
            .bold_line_style(style::GRID)
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
        if let Some((cov, bands)) = &coverage {
            self.draw_coverage(root, &mut chart, cov, bands)?;
        }
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
            if coverage.is_some() {
                // A dark casing keeps pale aisles readable on the heat map.
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![from, to],
                    INK.mix(0.85).stroke_width(width + 3),
                )))?;
            }
            chart.draw_series(std::iter::once(PathElement::new(
                vec![from, to],
                colour.stroke_width(width),
            )))?;
            let ends = (chart.backend_coord(&from), chart.backend_coord(&to));
            if a.one_way {
                draw_arrowhead(root, ends, colour, width)?;
            }
            placer.avoid_line(ends.0, ends.1, width);
        }
        // The points, then their labels where they overlap nothing.
        let plot = {
            let (x0, y1) = chart.backend_coord(&(0.0, 0.0));
            let (x1, y0) = chart.backend_coord(&(sx, sy));
            (x0, y0, x1, y1)
        };
        // The gNBs.
        let gnbs: Vec<(i32, i32)> = self
            .gnbs
            .iter()
            .filter(|g| (0.0..=sx).contains(&g[0]) && (0.0..=sy).contains(&g[1]))
            .map(|g| chart.backend_coord(&(g[0], g[1])))
            .collect();
        for &(px, py) in &gnbs {
            draw_diamond(root, GNB, (px, py), 8)?;
            placer.take((px - 10, py - 10, px + 10, py + 10));
        }
        let mut order: Vec<&PlanPoint> = self.points.iter().collect();
        order.sort_by_key(|p| p.kind != PointKind::Station);
        let pixels: Vec<(i32, i32)> = order.iter().map(|p| chart.backend_coord(&(p.x, p.y))).collect();
        for (p, &(px, py)) in order.iter().zip(&pixels) {
            // A white halo keeps the mark readable on the heat map.
            root.draw(&Rectangle::new(
                [(px - 8, py - 8), (px + 8, py + 8)],
                WHITE.mix(0.9).filled(),
            ))?;
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
        // The gNBs' labels, where they overlap nothing (not with many).
        if gnbs.len() <= 16 {
            for (k, &(px, py)) in gnbs.iter().enumerate() {
                let label = format!("gNB {}", k + 1);
                let tw = text_width(root, &label, style::SMALL);
                let th = style::SMALL as i32;
                let candidates = [
                    (px + 12, py - th / 2 - 1, px + 12 + tw, py + th / 2 + 1),
                    (px - 12 - tw, py - th / 2 - 1, px - 12, py + th / 2 + 1),
                    (px - tw / 2, py + 12, px + tw / 2, py + th + 14),
                    (px - tw / 2, py - th - 13, px + tw / 2, py - 11),
                ];
                let b = placer.place(&candidates, plot);
                root.draw(&Rectangle::new(
                    [(b.0 - 2, b.1 - 1), (b.2 + 2, b.3 + 1)],
                    WHITE.mix(0.75).filled(),
                ))?;
                root.draw(&Text::new(
                    label,
                    (b.0, (b.1 + b.3) / 2),
                    font_anchored(style::SMALL, HPos::Left, VPos::Center).color(&GNB),
                ))?;
            }
        }
        // The legend: point kinds present and the gNBs, then the load scale.
        let mut kinds: Vec<(String, Mark)> = PointKind::ALL
            .iter()
            .filter(|k| self.points.iter().any(|p| p.kind == **k))
            .map(|k| (k.name().to_string(), k.mark()))
            .collect();
        if !self.gnbs.is_empty() {
            kinds.push(("gNB".into(), Mark::Diamond(GNB)));
        }
        let y = legend_column(&side, None, &kinds, 12, TOP as i32 + 10)?;
        self.draw_scale(&side, 12, y + 16, max_load)?;
        if let (Some(strip), Some((cov, bands))) = (strip, &coverage) {
            draw_sinr_scale(&strip, cov, bands)?;
        }
        Ok(())
    }
}

/// An arrowhead at the middle of the aisle from `ends.0` to `ends.1`
/// (pixels), pointing its way, a little wider than the aisle (`width`),
/// with a dark edge so that it shows on an aisle of its own colour.
fn draw_arrowhead<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    ends: ((i32, i32), (i32, i32)),
    colour: RGBColor,
    width: u32,
) -> Result<(), PlotError> {
    let ((x0, y0), (x1, y1)) = ends;
    let (dx, dy) = (f64::from(x1 - x0), f64::from(y1 - y0));
    let length = dx.hypot(dy);
    if length < 12.0 {
        return Ok(());
    }
    let (ux, uy) = (dx / length, dy / length);
    let (mx, my) = (f64::from(x0 + x1) / 2.0, f64::from(y0 + y1) / 2.0);
    let (long, half) = (f64::from(width) + 7.0, f64::from(width) / 2.0 + 4.0);
    let corner = |along: f64, across: f64| {
        (
            (mx + ux * along - uy * across).round() as i32,
            (my + uy * along + ux * across).round() as i32,
        )
    };
    let tip = corner(long / 2.0, 0.0);
    let left = corner(-long / 2.0, half);
    let right = corner(-long / 2.0, -half);
    root.draw(&Polygon::new(vec![tip, left, right], colour.filled()))?;
    root.draw(&PathElement::new(
        vec![tip, left, right, tip],
        INK.stroke_width(1),
    ))?;
    Ok(())
}

impl FloorPlan {
    /// The heat map: a rectangle per run of cells of one band in a row,
    /// then the hatching of the cells out of coverage.
    fn draw_coverage<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        cov: &Coverage,
        bands: &Bands,
    ) -> Result<(), PlotError> {
        let [sx, sy] = self.size;
        let cell = cov.cell_m;
        let mut out_boxes = Vec::new();
        let mut rects = Vec::new();
        for j in 0..cov.ny {
            let (y0, y1) = (j as f64 * cell, ((j + 1) as f64 * cell).min(sy));
            let row =
                &cov.sinr_db[(j * cov.nx).min(cov.sinr_db.len())..((j + 1) * cov.nx).min(cov.sinr_db.len())];
            let mut i = 0;
            while i < row.len() {
                let key = cov.band_of(bands, row[i]);
                let mut k = i + 1;
                while k < row.len() && cov.band_of(bands, row[k]) == key {
                    k += 1;
                }
                let (x0, x1) = (i as f64 * cell, (k as f64 * cell).min(sx));
                match key {
                    Some(None) => {}
                    Some(Some(b)) => rects.push(([(x0, y0), (x1, y1)], band_color(bands, b))),
                    None => {
                        rects.push(([(x0, y0), (x1, y1)], OUT_FILL));
                        let (l, b) = chart.backend_coord(&(x0, y0));
                        let (r, t) = chart.backend_coord(&(x1, y1));
                        out_boxes.push((l, t, r, b));
                    }
                }
                i = k;
            }
        }
        chart.draw_series(
            rects
                .into_iter()
                .map(|(corners, colour)| Rectangle::new(corners, colour.filled())),
        )?;
        for b in out_boxes {
            hatch(root, b, OUT_HATCH, 7)?;
        }
        Ok(())
    }
}

/// The SINR scale under the plan: caption, the bands with their edges in
/// dB, and the out-of-coverage swatch with its share of the hall.
fn draw_sinr_scale<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    cov: &Coverage,
    bands: &Bands,
) -> Result<(), PlotError> {
    let left = LEFT as i32;
    let (w, _) = area.dim_in_pixel();
    let mut lines = cov.label.lines();
    let anchor = font_anchored(style::TICK, HPos::Left, VPos::Center);
    area.draw(&Text::new(
        clean(lines.next().unwrap_or("SINR (dB)")),
        (left, 14),
        anchor.clone(),
    ))?;
    let rest: Vec<&str> = lines.collect();
    if !rest.is_empty() {
        area.draw(&Text::new(
            clean(&rest.join("; ")),
            (left, 34),
            font_anchored(style::SMALL, HPos::Left, VPos::Center).color(&MUTED),
        ))?;
    }
    let bw = (380 / bands.count as i32).clamp(22, 60);
    let (top, bottom) = (50, 66);
    let every = if bw >= 34 { 1 } else { 2 };
    let digits = if bands.step.fract() == 0.0 { 0 } else { 1 };
    for k in 0..bands.count {
        let x = left + k as i32 * bw;
        area.draw(&Rectangle::new(
            [(x, top), (x + bw, bottom)],
            band_color(bands, k).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(left, top), (left + bw * bands.count as i32, bottom)],
        MUTED.stroke_width(1),
    ))?;
    let tick = font_anchored(style::SMALL, HPos::Center, VPos::Center);
    for k in (0..=bands.count).step_by(every) {
        let x = left + k as i32 * bw;
        let v = bands.lo + k as f64 * bands.step;
        // The lowest band starts at the threshold when it is cut there.
        let label = if k == 0 && v < cov.threshold_db {
            format!("{:.1}", cov.threshold_db)
        } else {
            format!("{v:.digits$}")
        };
        area.draw(&PathElement::new(
            vec![(x, bottom), (x, bottom + 4)],
            MUTED.stroke_width(1),
        ))?;
        area.draw(&Text::new(label, (x, bottom + 14), tick.clone()))?;
    }
    // The out-of-coverage swatch: right of the bar, or under the caption's end.
    let text = format!(
        "out of coverage (SINR < {:.1} dB, below CQI 1): {:.1}% of the hall",
        cov.threshold_db,
        100.0 * cov.out_share()
    )
    .replace('-', "−");
    let x = left + bw * bands.count as i32 + 36;
    let tw = text_width(area, &text, style::SMALL);
    let (x, text) = if x + 30 + tw <= w as i32 - 8 {
        (x, text)
    } else {
        (x, format!("out of coverage: {:.1}%", 100.0 * cov.out_share()))
    };
    style::draw_mark(area, &Mark::Hatched(OUT_FILL, OUT_HATCH), x, (top + bottom) / 2)?;
    area.draw(&Text::new(
        text,
        (x + 30, (top + bottom) / 2),
        font_anchored(style::SMALL, HPos::Left, VPos::Center),
    ))?;
    Ok(())
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
