//! Plots for the reports, drawn with plotters into an SVG document and a PNG
//! image, both in memory: writing files is `report/`'s job, and this is the
//! only module that knows plotters.
//!
//! Text is set in DejaVu Sans, embedded in the binary and registered with
//! plotters' `ab_glyph` support, so drawing needs no fontconfig or freetype
//! and gives the same PNG on every machine. SVGs name the `sans-serif`
//! family and are rendered with the viewer's sans-serif font.
//!
//! Each plot is a struct holding the numbers to draw, already reduced from
//! the runs (so the same plot serves `run`, and later `compare` and sweeps),
//! that implements [`Draw`]; [`render`] draws it on both backends.
//!
//! - [`StateBars`]: stacked horizontal bars of the share of time in each
//!   state (utilization of stations, robot groups).
//! - [`TimeBand`]: a series over simulated time with a band and the warm-up
//!   marked (throughput, WIP).
//! - [`FloorPlan`]: the hall, aisles coloured and sized by AGV load, points
//!   and stations; under `nr`, the gNBs and a SINR [`Coverage`] map as a
//!   heat map under the aisles, with its scale in dB.
//! - [`LatencyCcdf`]: P(latency > x) per flow on a log probability axis,
//!   each flow's deadline a dashed line in its colour.
//! - [`ComparisonChart`]: the relative differences of a paired comparison
//!   (`compare --out`), significant ones in the emphasis colour.
//! - [`SweepChart`]: one KPI of a sweep against one axis, a line per
//!   combination of the other axes (`sweep merge`).

mod bars;
mod ccdf;
mod comparison;
mod floor;
mod series;
mod style;
mod sweep;

pub use bars::{BarRow, StateBars};
pub use ccdf::{fmt_ms, fmt_prob, CcdfCurve, LatencyCcdf};
pub use comparison::{ComparisonChart, DifferenceRow};
pub use floor::{Coverage, CoverageColours, FloorPlan, PlanAisle, PlanPoint, PointKind};
pub use series::TimeBand;
pub use style::state_rgb;
pub use sweep::{SweepChart, SweepPoint, SweepSeries};

use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::OnceLock;

/// DejaVu Sans (license in assets/fonts/LICENSE-DejaVu.txt).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// A drawing failure, as one readable line.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PlotError(pub String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(format!("cannot draw the plot: {e}"))
    }
}

/// A plot: its size in pixels and how to draw it on any backend.
pub trait Draw {
    fn size(&self) -> (u32, u32);
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// A plot drawn both ways.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File stem, e.g. `throughput`.
    pub name: String,
    /// What it shows, for captions.
    pub caption: String,
    /// A complete SVG document.
    pub svg: String,
    /// A PNG file's bytes.
    pub png: Vec<u8>,
}

/// Registers the embedded font as plotters' `sans-serif` family (once).
fn register_font() -> Result<(), PlotError> {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| "the embedded DejaVu Sans font cannot be read".to_string())
    })
    .clone()
    .map_err(PlotError)
}

/// Draws `plot` as an SVG document and a PNG image.
pub fn render(name: &str, caption: &str, plot: &impl Draw) -> Result<Figure, PlotError> {
    register_font()?;
    let (w, h) = plot.size();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        plot.draw(&root)?;
        root.present()?;
    }
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        plot.draw(&root)?;
        root.present()?;
    }
    Ok(Figure {
        name: name.to_string(),
        caption: caption.to_string(),
        svg,
        png: encode_png(&rgb, w, h)?,
    })
}

/// The smallest and largest of `values` (NaN ignored), each pushed out by
/// `fraction` of the span, and by at least `min_pad`: the range of an axis
/// that shows every value with a margin. Infinite when there is no value.
fn padded_span(values: impl IntoIterator<Item = f64>, fraction: f64, min_pad: f64) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    let pad = ((hi - lo) * fraction).max(min_pad);
    (lo - pad, hi + pad)
}

fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let mut out = Vec::new();
    let fail = |e: png::EncodingError| PlotError(format!("cannot encode the PNG: {e}"));
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(fail)?;
    writer.write_image_data(rgb).map_err(fail)?;
    writer.finish().map_err(fail)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_kind_of_plot() {
        let bars = StateBars {
            title: "Utilization".into(),
            x_label: "share of time (%)".into(),
            rows: vec![
                BarRow {
                    label: "weld (4)".into(),
                    shares: vec![("busy", 0.6), ("idle", 0.3), ("failed", 0.1)],
                },
                BarRow {
                    label: "a <tricky> & \"name\"".into(),
                    shares: vec![("busy", 0.2), ("idle", 0.8)],
                },
            ],
        };
        let band = TimeBand {
            title: "Throughput".into(),
            y_label: "jobs per hour".into(),
            bin_h: 0.5,
            mean: vec![0.0, 1.0, 2.0, 1.5],
            band: Some((vec![0.0, 0.5, 1.0, 1.0], vec![0.0, 1.5, 3.0, 2.0])),
            band_label: "min–max of 2 replications".into(),
            mean_label: "mean of 2 replications".into(),
            warmup_h: 0.5,
            reference: Some((1.75, "mean after warm-up: 1.75 /h".into())),
        };
        let plan = FloorPlan {
            title: "Floor plan".into(),
            size: [100.0, 40.0],
            points: vec![
                PlanPoint {
                    label: "a".into(),
                    x: 10.0,
                    y: 10.0,
                    kind: PointKind::Station,
                },
                PlanPoint {
                    label: "b".into(),
                    x: 90.0,
                    y: 30.0,
                    kind: PointKind::Other,
                },
            ],
            aisles: vec![PlanAisle {
                from: [10.0, 10.0],
                to: [90.0, 30.0],
                load_per_h: Some(3.0),
                one_way: true,
            }],
            load_label: "AGV passes per hour".into(),
            gnbs: vec![[50.0, 20.0], [120.0, 20.0]],
            coverage: Some(Coverage {
                cell_m: 30.0,
                nx: 4,
                ny: 2,
                sinr_db: vec![20.0, 12.0, 3.5, -9.0, 18.0, f64::NAN, 0.0, -20.0],
                threshold_db: -6.7,
                label: "SINR (dB)\nno shadowing".into(),
            }),
        };
        let ccdf = LatencyCcdf {
            title: "Latency".into(),
            curves: vec![CcdfCurve {
                label: "heartbeat".into(),
                detail: vec!["UL, periodic".into()],
                steps: vec![(1.5, 0.5), (2.0, 0.01), (9.0, 0.0)],
                resolution: 0.001,
                deadline_ms: Some(100.0),
            }],
        };
        for fig in [
            render("bars", "bars", &bars).unwrap(),
            render("band", "band", &band).unwrap(),
            render("plan", "plan", &plan).unwrap(),
            render("ccdf", "ccdf", &ccdf).unwrap(),
        ] {
            assert!(fig.svg.starts_with("<svg"), "{}", &fig.svg[..40]);
            assert!(fig.svg.trim_end().ends_with("</svg>"));
            assert_eq!(&fig.png[1..4], b"PNG");
        }
    }
}
