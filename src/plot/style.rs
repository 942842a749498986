//! Shared look: fonts, the colours of states, legends, label placement.

use super::PlotError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

pub const TITLE: u32 = 24;
pub const AXIS: u32 = 17;
pub const TICK: u32 = 15;
pub const SMALL: u32 = 13;

pub const INK: RGBColor = RGBColor(40, 40, 40);
pub const MUTED: RGBColor = RGBColor(110, 110, 110);
/// Grid lines behind the data.
pub const GRID: RGBColor = RGBColor(238, 238, 238);

/// Colours of lines that are not states (latency flows, swept design
/// points), in order and then again: Tableau 10.
const SERIES: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The colour of the `i`-th line.
pub fn series_colour(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// What stands out (a significant difference): the palette's red.
pub const EMPHASIS: RGBColor = SERIES[3];

pub fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&INK)
}

pub fn font_anchored(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size).pos(Pos::new(h, v))
}

/// Text as XML and fonts can carry it: control characters become spaces.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The colour of a station or AGV state: a state shared by both (idle,
/// network_wait, stopped) has one colour.
pub fn state_color(key: &str) -> RGBColor {
    match key {
        "busy" => RGBColor(44, 160, 44),
        "setup" => RGBColor(152, 223, 138),
        "idle" => RGBColor(210, 210, 210),
        "starved" => RGBColor(255, 127, 14),
        "blocked" => RGBColor(214, 39, 40),
        "failed" => RGBColor(60, 60, 60),
        "network_wait" => RGBColor(148, 103, 189),
        "stopped" => RGBColor(140, 86, 75),
        "travel_empty" => RGBColor(158, 202, 225),
        "travel_loaded" => RGBColor(31, 119, 180),
        "handling" => RGBColor(23, 190, 207),
        "zone_wait" => RGBColor(188, 189, 34),
        "charging" => RGBColor(227, 119, 194),
        "charge_wait" => RGBColor(247, 182, 210),
        "no_operator" => RGBColor(255, 187, 120),
        "off_shift" => RGBColor(174, 199, 232),
        // Bottleneck shares.
        "sole" => RGBColor(178, 24, 43),
        "shifting" => RGBColor(244, 165, 130),
        _ => RGBColor(127, 127, 127),
    }
}

/// [`state_color`] as red, green and blue, for drawings made elsewhere
/// (the replay page).
pub fn state_rgb(key: &str) -> [u8; 3] {
    let c = state_color(key);
    [c.0, c.1, c.2]
}

/// Black or white, whichever reads better on `c`.
pub fn text_on(c: RGBColor) -> RGBColor {
    let lum = 0.299 * f64::from(c.0) + 0.587 * f64::from(c.1) + 0.114 * f64::from(c.2);
    if lum > 140.0 {
        INK
    } else {
        WHITE
    }
}

/// How a legend entry is drawn.
#[derive(Clone, Debug)]
pub enum Mark {
    Box(RGBAColor),
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Dot(RGBColor),
    Square(RGBColor),
    Triangle(RGBColor),
    /// A diamond with a white edge (gNBs).
    Diamond(RGBColor),
    /// A box hatched with diagonal lines: fill, then lines.
    Hatched(RGBColor, RGBColor),
}

/// The plot's title, centred at the top of a picture `width` pixels wide.
pub fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    width: u32,
) -> Result<(), PlotError> {
    root.draw(&Text::new(
        clean(title),
        (width as i32 / 2, 28),
        font_anchored(TITLE, HPos::Center, VPos::Center),
    ))?;
    Ok(())
}

/// Draws `mark` in a 22 × 14 box whose left middle is `(x, y)`.
pub fn draw_mark<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mark: &Mark,
    x: i32,
    y: i32,
) -> Result<(), PlotError> {
    match mark {
        Mark::Box(c) => area.draw(&Rectangle::new([(x, y - 7), (x + 22, y + 7)], c.filled()))?,
        Mark::Line(c, w) => area.draw(&PathElement::new(vec![(x, y), (x + 22, y)], c.stroke_width(*w)))?,
        Mark::Dashed(c) => {
            for k in 0..3 {
                let x0 = x + k * 8;
                area.draw(&PathElement::new(vec![(x0, y), (x0 + 5, y)], c.stroke_width(2)))?;
            }
        }
        Mark::Dot(c) => area.draw(&Circle::new((x + 11, y), 4, c.filled()))?,
        Mark::Square(c) => area.draw(&Rectangle::new([(x + 5, y - 6), (x + 17, y + 6)], c.filled()))?,
        Mark::Triangle(c) => area.draw(&Polygon::new(
            vec![(x + 11, y - 7), (x + 4, y + 6), (x + 18, y + 6)],
            c.filled(),
        ))?,
        Mark::Diamond(c) => draw_diamond(area, *c, (x + 11, y), 7)?,
        Mark::Hatched(fill, lines) => {
            let b = (x, y - 7, x + 22, y + 7);
            area.draw(&Rectangle::new([(b.0, b.1), (b.2, b.3)], fill.filled()))?;
            hatch(area, b, *lines, 6)?;
        }
    }
    Ok(())
}

/// A diamond of half-diagonal `r` centred at `c`, with a white edge.
pub fn draw_diamond<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    colour: RGBColor,
    c: (i32, i32),
    r: i32,
) -> Result<(), PlotError> {
    let diamond = |r: i32| vec![(c.0, c.1 - r), (c.0 + r, c.1), (c.0, c.1 + r), (c.0 - r, c.1)];
    area.draw(&Polygon::new(diamond(r + 2), WHITE.filled()))?;
    area.draw(&Polygon::new(diamond(r), colour.filled()))?;
    Ok(())
}

/// Diagonal lines (rising to the right, `spacing` pixels apart) inside the
/// box `b` (left, top, right, bottom, in pixels). The lines are those of one
/// pattern fixed to the pixel grid, so the hatching of adjacent boxes joins.
pub fn hatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    b: (i32, i32, i32, i32),
    colour: RGBColor,
    spacing: i32,
) -> Result<(), PlotError> {
    let (l, t, r, bottom) = b;
    if r <= l || bottom <= t {
        return Ok(());
    }
    // Lines x + y = c: across the box for c from l + t to r + bottom.
    let first = (l + t).div_euclid(spacing) * spacing;
    let mut c = first;
    while c <= r + bottom {
        let xa = l.max(c - bottom);
        let xb = r.min(c - t);
        if xa < xb {
            area.draw(&PathElement::new(
                vec![(xa, c - xa), (xb, c - xb)],
                colour.stroke_width(1),
            ))?;
        }
        c += spacing;
    }
    Ok(())
}

/// A column of legend entries from `(x, y)` down, with an optional heading.
pub fn legend_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heading: Option<&str>,
    entries: &[(String, Mark)],
    x: i32,
    mut y: i32,
) -> Result<i32, PlotError> {
    if let Some(h) = heading {
        area.draw(&Text::new(
            clean(h),
            (x, y),
            font_anchored(TICK, HPos::Left, VPos::Center),
        ))?;
        y += 26;
    }
    for (label, mark) in entries {
        draw_mark(area, mark, x, y)?;
        area.draw(&Text::new(
            clean(label),
            (x + 30, y),
            font_anchored(TICK, HPos::Left, VPos::Center),
        ))?;
        y += 24;
    }
    Ok(y)
}

/// A row of legend entries centred on `centre_x`, at height `y`.
pub fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, Mark)],
    centre_x: i32,
    y: i32,
) -> Result<(), PlotError> {
    let style = font_anchored(TICK, HPos::Left, VPos::Center);
    let widths: Vec<i32> = entries
        .iter()
        .map(|(label, _)| text_width(area, label, TICK) + 30 + 28)
        .collect();
    let total: i32 = widths.iter().sum::<i32>() - 28;
    let mut x = centre_x - total / 2;
    for ((label, mark), w) in entries.iter().zip(widths) {
        draw_mark(area, mark, x, y)?;
        area.draw(&Text::new(clean(label), (x + 30, y), style.clone()))?;
        x += w;
    }
    Ok(())
}

/// Width in pixels of `text` at `size` (an estimate from the embedded font).
pub fn text_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, size: u32) -> i32 {
    area.estimate_text_size(&clean(text), &font(size))
        .map(|(w, _)| w as i32)
        // Without a measure, a generous guess.
        .unwrap_or_else(|_| (text.chars().count() as u32 * size * 6 / 10) as i32)
}

/// Axis-aligned boxes already taken by labels and marks (hard: never
/// overlapped when avoidable) or by lines (soft: avoided if possible), to
/// place labels where they overlap nothing.
#[derive(Default)]
pub struct Placer {
    taken: Vec<(i32, i32, i32, i32)>,
    soft: Vec<(i32, i32, i32, i32)>,
}

type Box4 = (i32, i32, i32, i32);

fn overlaps(a: Box4, b: Box4) -> bool {
    !(a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1)
}

impl Placer {
    pub fn take(&mut self, b: Box4) {
        self.taken.push(b);
    }
    /// Marks a line `width` pixels wide from `a` to `b` as soft.
    pub fn avoid_line(&mut self, a: (i32, i32), b: (i32, i32), width: u32) {
        let half = width as i32 / 2 + 1;
        let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
        let steps = (dx.hypot(dy) / 4.0).ceil().max(1.0) as i32;
        for k in 0..=steps {
            let t = f64::from(k) / f64::from(steps);
            let x = a.0 + (dx * t).round() as i32;
            let y = a.1 + (dy * t).round() as i32;
            self.soft.push((x - half, y - half, x + half, y + half));
        }
    }
    /// The first candidate box inside `bounds` that overlaps nothing, else
    /// the first that overlaps no label or mark (inside `bounds` if
    /// possible), else the first inside `bounds`; the chosen box is taken.
    pub fn place(&mut self, candidates: &[Box4], bounds: Box4) -> Box4 {
        let inside = |b: &Box4| b.0 >= bounds.0 && b.1 >= bounds.1 && b.2 <= bounds.2 && b.3 <= bounds.3;
        let hard_free = |b: &Box4| self.taken.iter().all(|t| !overlaps(*b, *t));
        let soft_free = |b: &Box4| self.soft.iter().all(|t| !overlaps(*b, *t));
        let chosen = candidates
            .iter()
            .find(|b| inside(b) && hard_free(b) && soft_free(b))
            .or_else(|| candidates.iter().find(|b| inside(b) && hard_free(b)))
            .or_else(|| candidates.iter().find(|b| hard_free(b)))
            .or_else(|| candidates.iter().find(|b| inside(b)))
            .copied()
            .unwrap_or(candidates[0]);
        self.take(chosen);
        chosen
    }
}
