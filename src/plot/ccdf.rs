//! The latency CCDF: P(latency > x) per flow on a log probability axis, one
//! line per flow, each flow's deadline a dashed vertical line in its colour.
//!
//! The latency axis is logarithmic when the latencies and deadlines span
//! more than a factor of ten (a 2 ms heartbeat beside a 100 ms deadline),
//! linear from 0 otherwise (a fixed-latency network). The probability axis
//! goes down to the power of ten at or below the smallest resolution of the
//! curves (each curve stops at 1/its samples): a curve ends at its largest
//! latency at about 1/its samples, not drawn down to the axis.

use super::style::{self, clean, font, font_anchored, text_width, Mark, Placer, MUTED};
use super::{Draw, PlotError};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use std::ops::Range;

#[derive(Clone, Debug)]
pub struct LatencyCcdf {
    pub title: String,
    pub curves: Vec<CcdfCurve>,
}

/// One flow's CCDF.
#[derive(Clone, Debug)]
pub struct CcdfCurve {
    /// The flow's name.
    pub label: String,
    /// Lines under the name in the legend (direction, kind, samples).
    pub detail: Vec<String>,
    /// The steps of the CCDF, by increasing latency: at `x` ms, P(latency >
    /// x) drops to `p` (and stays there until the next step). Before the
    /// first step it is 1; the last step is the largest latency, to 0.
    pub steps: Vec<(f64, f64)>,
    /// The smallest probability the samples resolve (1/samples); the curve
    /// has no step above 0 below it.
    pub resolution: f64,
    pub deadline_ms: Option<f64>,
}

impl CcdfCurve {
    /// P(latency > x) from the steps.
    pub fn at(&self, x: f64) -> f64 {
        self.steps
            .iter()
            .take_while(|s| s.0 <= x)
            .last()
            .map_or(1.0, |s| s.1)
    }
}

/// A linear chart axis (of ms, or of log10 of ms or of a probability) with
/// the ticks given: bold ones labelled, light ones only a grid line.
#[derive(Clone, Debug)]
struct TickAxis {
    lo: f64,
    hi: f64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ranged for TickAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span <= 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let t = (v - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

const SIZE: (u32, u32) = (1120, 600);
const LEGEND_W: u32 = 320;
const TOP: u32 = 60;

/// The latency axis: log10(ms) or ms.
#[derive(Copy, Clone, Debug)]
struct XAxis {
    log: bool,
    lo: f64,
    hi: f64,
}

impl XAxis {
    fn of(curves: &[CcdfCurve]) -> XAxis {
        let xs = curves
            .iter()
            .flat_map(|c| c.steps.iter().map(|s| s.0).chain(c.deadline_ms))
            .filter(|x| x.is_finite());
        let (min_pos, max) = xs.fold((f64::INFINITY, 0.0f64), |(lo, hi), x| {
            (if x > 0.0 { lo.min(x) } else { lo }, hi.max(x))
        });
        if min_pos.is_finite() && max / min_pos > 10.0 {
            XAxis {
                log: true,
                lo: min_pos / 1.25,
                hi: max * 1.25,
            }
        } else {
            XAxis {
                log: false,
                lo: 0.0,
                hi: if max > 0.0 { max * 1.1 } else { 1.0 },
            }
        }
    }
    /// Chart coordinate of a latency.
    fn t(&self, ms: f64) -> f64 {
        if self.log {
            ms.clamp(self.lo, self.hi).log10()
        } else {
            ms.clamp(self.lo, self.hi)
        }
    }
    fn range(&self) -> (f64, f64) {
        (self.t(self.lo), self.t(self.hi))
    }
    /// Ticks (chart coordinates): 1-2-5 per decade on a log axis, a nice
    /// step on a linear one.
    fn ticks(&self) -> Vec<f64> {
        if self.log {
            let mut out = Vec::new();
            let mut decade = 10f64.powf(self.lo.log10().floor());
            while decade <= self.hi {
                for m in [1.0, 2.0, 5.0] {
                    let v = m * decade;
                    if v >= self.lo && v <= self.hi {
                        out.push(v.log10());
                    }
                }
                decade *= 10.0;
            }
            out
        } else {
            let step = nice_step(self.hi / 8.0);
            (0..)
                .map(|k| k as f64 * step)
                .take_while(|v| *v <= self.hi + 1e-12)
                .collect()
        }
    }
    fn label(&self, v: f64) -> String {
        let ms = if self.log { 10f64.powf(v) } else { v };
        fmt_ms(ms)
    }
}

/// The smallest of 1, 2, 2.5, 5 times a power of ten at least `raw`.
fn nice_step(raw: f64) -> f64 {
    if raw <= 0.0 || !raw.is_finite() {
        return 1.0;
    }
    let decade = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * decade)
}

/// Milliseconds without trailing zeros: 0.05, 0.5, 2, 2.5, 100.
pub fn fmt_ms(ms: f64) -> String {
    let s = format!("{ms:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// 1, 0.1, 0.01, then 10⁻³, 10⁻⁴, …
fn fmt_power(exp: i32) -> String {
    match exp {
        0 => "1".into(),
        -1 => "0.1".into(),
        -2 => "0.01".into(),
        _ => {
            const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
            let digits: String = exp
                .unsigned_abs()
                .to_string()
                .chars()
                .map(|c| SUP[c.to_digit(10).unwrap_or(0) as usize])
                .collect();
            format!("10{}{digits}", if exp < 0 { "⁻" } else { "" })
        }
    }
}

/// A probability as text: 1.2e-4 style below 0.01.
pub fn fmt_prob(p: f64) -> String {
    if p >= 0.01 || p == 0.0 {
        format!("{p:.3}")
    } else {
        format!("{p:.1e}")
    }
}

/// A curve as a polyline in chart coordinates (`t` of the latency, `ty` of
/// the probability), from P = 1 at the left edge through every step. The
/// last step, to P = 0 at the largest latency, is not drawn down: a zero
/// probability has no place on a log axis, and drawn to the axis' bottom it
/// would claim a resolution the samples do not have. The curve ends at the
/// largest latency at its last probability, about 1/samples (1/427 for a
/// flow of 427 messages).
fn polyline(c: &CcdfCurve, x: &XAxis, ty: &dyn Fn(f64) -> f64) -> Vec<(f64, f64)> {
    let (x0, _) = x.range();
    let mut pts = vec![(x0, 0.0)];
    let mut p = 1.0;
    for &(sx, sp) in &c.steps {
        let tx = x.t(sx);
        pts.push((tx, ty(p)));
        if sp > 0.0 {
            pts.push((tx, ty(sp)));
        }
        p = sp;
    }
    pts
}

impl LatencyCcdf {
    /// The bottom of the probability axis: a power of ten at least a factor
    /// 2 below every curve's resolution.
    fn y_min_exp(&self) -> i32 {
        let res = self
            .curves
            .iter()
            .map(|c| c.resolution)
            .filter(|r| *r > 0.0 && r.is_finite())
            .fold(1.0f64, f64::min);
        let mut e = res.log10().floor() as i32;
        if res / 10f64.powi(e) < 2.0 {
            e -= 1;
        }
        e.clamp(-12, -1)
    }
}

impl Draw for LatencyCcdf {
    fn size(&self) -> (u32, u32) {
        let lines: u32 = self.curves.iter().map(|c| 1 + c.detail.len() as u32).sum();
        let legend = TOP + 40 + 20 * lines + 12 * self.curves.len() as u32 + 120;
        (SIZE.0, SIZE.1.max(legend))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        root.fill(&WHITE)?;
        let (w, _) = self.size();
        style::draw_title(root, &self.title, w)?;
        let (main, side) = root.split_horizontally(w - LEGEND_W);
        let (main, _) = main.split_vertically(SIZE.1);
        let x = XAxis::of(&self.curves);
        let (x0, x1) = x.range();
        let y_exp = self.y_min_exp();
        let y_min = f64::from(y_exp);
        let ty = |p: f64| p.max(10f64.powi(y_exp)).log10();
        let y_bold: Vec<f64> = (y_exp..=0).map(f64::from).collect();
        let y_light: Vec<f64> = (y_exp..0)
            .flat_map(|e| [2.0, 5.0].map(|m| (m * 10f64.powi(e)).log10()))
            .collect();
        let x_ticks = x.ticks();
        let x_light: Vec<f64> = if x.log {
            Vec::new()
        } else {
            x_ticks.windows(2).map(|p| (p[0] + p[1]) / 2.0).collect()
        };
        let mut chart = ChartBuilder::on(&main)
            .margin_top(TOP - 10)
            .margin_right(24)
            .margin_left(10)
            .margin_bottom(10)
            .x_label_area_size(52)
            .y_label_area_size(78)
            .build_cartesian_2d(
                TickAxis {
                    lo: x0,
                    hi: x1,
                    bold: x_ticks,
                    light: x_light,
                },
                TickAxis {
                    lo: y_min,
                    hi: 0.0,
                    bold: y_bold,
                    light: y_light,
                },
            )?;
        let x_desc = if x.log {
            "latency x (ms, log scale)"
        } else {
            "latency x (ms)"
        };
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc("P(latency > x)")
            .label_style(font(style::TICK))
            .axis_desc_style(font(style::AXIS))
            .light_line_style(RGBColor(242, 242, 242))
            .bold_line_style(RGBColor(215, 215, 215))
            .x_label_formatter(&|v| x.label(*v))
            .y_label_formatter(&|v| fmt_power(v.round() as i32))
            .draw()?;
        // Left, top, right, bottom of the plotting area, in pixels.
        let plot_box = {
            let (l, t) = chart.backend_coord(&(x0, 0.0));
            let (r, b) = chart.backend_coord(&(x1, y_min));
            (l, t, r, b)
        };
        // The curves, as polylines in chart coordinates.
        let lines: Vec<Vec<(f64, f64)>> = self.curves.iter().map(|c| polyline(c, &x, &ty)).collect();
        // Deadlines first, under the curves; their labels where they cross
        // no other deadline and, if possible, no curve.
        let mut placer = Placer::default();
        for pts in &lines {
            for seg in pts.windows(2) {
                placer.avoid_line(chart.backend_coord(&seg[0]), chart.backend_coord(&seg[1]), 2);
            }
        }
        let deadlines: Vec<(usize, f64, i32)> = self
            .curves
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                c.deadline_ms
                    .map(|d| (i, d, chart.backend_coord(&(x.t(d), 0.0)).0))
            })
            .collect();
        for &(i, d, px) in &deadlines {
            chart.draw_series(DashedLineSeries::new(
                vec![(x.t(d), y_min), (x.t(d), 0.0)],
                8,
                5,
                style::series_colour(i).stroke_width(2),
            ))?;
            placer.take((px - 1, plot_box.1, px + 1, plot_box.3));
        }
        // The labels run up along their lines, at the top.
        let vertical =
            font_anchored(style::SMALL, HPos::Right, VPos::Bottom).transform(FontTransform::Rotate270);
        for &(i, d, px) in &deadlines {
            let c = &self.curves[i];
            let text = format!("{}: deadline {} ms", clean(&c.label), fmt_ms(d));
            let len = text_width(root, &text, style::SMALL);
            let th = style::SMALL as i32 + 2;
            let candidates: Vec<(i32, i32, i32, i32)> = (0..3)
                .flat_map(|k| {
                    let top = plot_box.1 + 6 + k * (len + 12);
                    [
                        (px - 5 - th, top, px - 5, top + len),
                        (px + 5, top, px + 5 + th, top + len),
                    ]
                })
                .collect();
            let b = placer.place(&candidates, plot_box);
            root.draw(&Rectangle::new(
                [(b.0 - 1, b.1 - 3), (b.2 + 1, b.3 + 3)],
                WHITE.mix(0.85).filled(),
            ))?;
            root.draw(&Text::new(
                text,
                (b.2, b.1),
                vertical.clone().color(&style::series_colour(i)),
            ))?;
        }
        let mut dots = 0;
        for (i, (c, pts)) in self.curves.iter().zip(lines).enumerate() {
            let colour = style::series_colour(i);
            chart.draw_series(LineSeries::new(pts, colour.stroke_width(2)))?;
            // Where the curve crosses its deadline.
            if let Some(d) = c.deadline_ms {
                let pd = c.at(d);
                if pd > 0.0 {
                    dots += 1;
                    chart.draw_series(std::iter::once(Circle::new((x.t(d), ty(pd)), 4, colour.filled())))?;
                }
            }
        }
        // The legend: one entry per flow, its details below.
        let mut y = TOP as i32 + 10;
        side.draw(&Text::new(
            "flow",
            (10, y),
            font_anchored(style::TICK, HPos::Left, VPos::Center),
        ))?;
        y += 28;
        for (i, c) in self.curves.iter().enumerate() {
            style::draw_mark(&side, &Mark::Line(style::series_colour(i), 3), 10, y)?;
            side.draw(&Text::new(
                clean(&c.label),
                (40, y),
                font_anchored(style::TICK, HPos::Left, VPos::Center),
            ))?;
            y += 20;
            for line in &c.detail {
                side.draw(&Text::new(
                    clean(line),
                    (40, y),
                    font_anchored(style::SMALL, HPos::Left, VPos::Center).color(&MUTED),
                ))?;
                y += 18;
            }
            y += 12;
        }
        let mut marks = vec![("deadline, in the flow's colour".to_string(), Mark::Dashed(MUTED))];
        if dots > 0 {
            marks.push(("P(latency > deadline)".to_string(), Mark::Dot(MUTED)));
        }
        y = style::legend_column(&side, None, &marks, 10, y)?;
        y += 6;
        for line in [
            "Delivered messages, all replications.",
            "Each curve ends at its largest latency,",
            "at about 1/its samples.",
        ] {
            side.draw(&Text::new(
                line,
                (10, y),
                font_anchored(style::SMALL, HPos::Left, VPos::Center).color(&MUTED),
            ))?;
            y += 18;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_ends_at_one_over_its_samples_not_at_the_axis() {
        // 427 messages, one step each down to 1/427, then the largest
        // latency to 0.
        let n = 427;
        let mut steps: Vec<(f64, f64)> = (1..n).map(|r| (r as f64, (n - r) as f64 / n as f64)).collect();
        steps.push((n as f64, 0.0));
        let curve = CcdfCurve {
            label: "f".into(),
            detail: vec![],
            steps,
            resolution: 1.0 / n as f64,
            deadline_ms: None,
        };
        let x = XAxis::of(std::slice::from_ref(&curve));
        let plot = LatencyCcdf {
            title: "t".into(),
            curves: vec![curve.clone()],
        };
        let floor = 10f64.powi(plot.y_min_exp());
        let ty = |p: f64| p.max(floor).log10();
        let pts = polyline(&curve, &x, &ty);
        let lowest = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        assert!(
            (lowest - (1.0 / n as f64).log10()).abs() < 1e-12,
            "lowest point 10^{lowest}, want 1/{n}; the axis goes to {floor}"
        );
        // It ends at the largest latency.
        assert_eq!(pts.last().map(|p| p.0), Some(x.t(n as f64)));
    }

    #[test]
    fn axis_labels_read_well() {
        assert_eq!(fmt_ms(0.5), "0.5");
        assert_eq!(fmt_ms(100.0), "100");
        assert_eq!(fmt_ms(2.5), "2.5");
        assert_eq!(fmt_ms(10f64.powf(2f64.log10())), "2");
        assert_eq!(fmt_power(0), "1");
        assert_eq!(fmt_power(-2), "0.01");
        assert_eq!(fmt_power(-5), "10⁻⁵");
        assert_eq!(fmt_power(-12), "10⁻¹²");
        assert_eq!(nice_step(13.0), 20.0);
        assert_eq!(nice_step(2.2), 2.5);
    }

    #[test]
    fn log_axis_when_latencies_and_deadlines_span_a_decade() {
        let curve = |steps: Vec<(f64, f64)>, deadline| CcdfCurve {
            label: "f".into(),
            detail: vec![],
            steps,
            resolution: 0.01,
            deadline_ms: deadline,
        };
        let wide = [curve(vec![(2.0, 0.5), (4.0, 0.0)], Some(100.0))];
        let x = XAxis::of(&wide);
        assert!(x.log);
        let ticks: Vec<String> = x.ticks().iter().map(|t| x.label(*t)).collect();
        assert_eq!(ticks, ["2", "5", "10", "20", "50", "100"]);
        let narrow = [curve(vec![(5.0, 0.0)], Some(10.0))];
        assert!(!XAxis::of(&narrow).log);
        assert_eq!(wide[0].at(1.0), 1.0);
        assert_eq!(wide[0].at(3.0), 0.5);
        assert_eq!(wide[0].at(100.0), 0.0);
        let plot = LatencyCcdf {
            title: "t".into(),
            curves: wide.to_vec(),
        };
        // Resolution 0.01 exactly: one decade more below it.
        assert_eq!(plot.y_min_exp(), -3);
    }
}
