//! Layouts from the drawing office: the aisle network and the named points
//! of a DXF drawing (`[layout] dxf = "hall.dxf"`), so that a layout study
//! starts from the CAD file engineers already have instead of coordinates
//! typed by hand.
//!
//! The model of a drawing (the contract of the `dxf*` keys):
//!
//! - LINE, LWPOLYLINE and POLYLINE entities on the aisles layer are
//!   two-way aisles, on the one-way layer one-way aisles driven in drawing
//!   order (from a polyline's first vertex to its last; a closed polyline
//!   goes on from its last vertex to its first). Arcs (bulges, ARC,
//!   CIRCLE, SPLINE), meshes and block references on those layers are
//!   errors: aisles are straight, and a block's lines are not read.
//! - Every vertex is a point, named `v1`, `v2`, … by its rank in drawing
//!   order unless a label names it. Vertices at exactly the same place are
//!   one point; the end of an open path joins the nearest vertex of another
//!   path (or a vertex of its own, but not its neighbour) within
//!   `dxf_snap`; an end that joins no vertex and lies within `dxf_snap` of
//!   a segment splits that segment there (a T-junction drawn without a
//!   vertex). Joining is by connected groups, so which groups form does
//!   not depend on the drawing order; a group's position is that of its
//!   first vertex in drawing order that is not the end of a path, else of
//!   its first vertex: coordinates are the drawn ones, never averaged.
//! - TEXT and MTEXT on the points layer name the nearest point within
//!   `dxf_snap` (the first in drawing order on a tie); a POINT entity on
//!   that layer that is near no vertex adds a point off the aisles, named
//!   by the label at its place.
//! - Units come from `$INSUNITS` (mm, cm, m, in, ft), or `dxf_units`;
//!   lengths are converted to metres once, by dividing by 1000 or 100 (mm,
//!   cm) or multiplying by 0.0254 or 0.3048 (in, ft), so a drawing in
//!   millimetres gives `x_mm / 1000` exactly as `f64` rounds it.
//! - The floor is `[0, 0]` to the largest coordinate of the drawing's
//!   extents (`$EXTMAX`) and of everything read; a coordinate below 0 is
//!   an error. Model space only: paper space entities are skipped.
//!
//! Every problem names the entity (its type, its handle, which is how a
//! CAD tool finds it, and its layer). At most [`MAX_VERTICES`] vertices
//! are read from the aisle layers, so snapping stays fast.
//!
//! The reader is the `dxf` crate (IxMilia's, MIT): ASCII and binary DXF
//! from R12 to the current version; it read 101 of the 103 drawings of
//! ezdxf's test corpus (the two it refused are deliberately broken ones).
//! It can panic on corrupt input (dates of the header out of `chrono`'s
//! range, found by mutating drawings): [`read::parse`] catches that panic
//! and reports the file as corrupt, and [`panic_caught_here`] lets a
//! process-wide panic hook keep quiet meanwhile (needs `panic = "unwind"`,
//! the default).
//!
//! ```
//! use factory5g::scenario::dxf::{import, DxfOptions};
//! let drawing = "0\nSECTION\n2\nHEADER\n9\n$INSUNITS\n70\n4\n0\nENDSEC\n\
//!                0\nSECTION\n2\nENTITIES\n\
//!                0\nLINE\n5\n2A\n8\nAISLES\n10\n1000\n20\n2000\n11\n31000\n21\n2000\n\
//!                0\nTEXT\n5\n2B\n8\nPOINTS\n10\n31000\n20\n2000\n40\n500\n1\nweld\n\
//!                0\nENDSEC\n0\nEOF\n";
//! let layout = import(drawing.as_bytes(), &DxfOptions::default()).unwrap();
//! assert_eq!(layout.points[0].name, "v1");
//! assert_eq!(layout.points[0].at, [1.0, 2.0]);     // millimetres to metres
//! assert_eq!(layout.points[1].name, "weld");
//! assert_eq!(layout.size, [31.0, 2.0]);
//! assert!(!layout.aisles[0].one_way);
//! ```

mod graph;
mod read;

pub use read::panic_caught_here;

use std::fmt;

/// Vertices read from the aisle layers, at most (a layout holds at most
/// 2,000 points; snapping compares ends with their neighbours).
pub const MAX_VERTICES: usize = 20_000;

/// Problems reported per drawing, at most (the rest are counted).
const MAX_PROBLEMS: usize = 20;

/// The length unit a drawing is drawn in.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DrawingUnits {
    Millimetres,
    Centimetres,
    Metres,
    Inches,
    Feet,
}

impl DrawingUnits {
    /// Every unit, in the order messages list them.
    pub const ALL: [DrawingUnits; 5] = [
        DrawingUnits::Millimetres,
        DrawingUnits::Centimetres,
        DrawingUnits::Metres,
        DrawingUnits::Inches,
        DrawingUnits::Feet,
    ];

    /// As `dxf_units` writes it: `mm`, `cm`, `m`, `in`, `ft`.
    pub fn symbol(self) -> &'static str {
        match self {
            DrawingUnits::Millimetres => "mm",
            DrawingUnits::Centimetres => "cm",
            DrawingUnits::Metres => "m",
            DrawingUnits::Inches => "in",
            DrawingUnits::Feet => "ft",
        }
    }

    pub fn from_symbol(symbol: &str) -> Option<DrawingUnits> {
        DrawingUnits::ALL.into_iter().find(|u| u.symbol() == symbol)
    }

    /// A length of the drawing in metres: millimetres and centimetres are
    /// divided (so that `1500 mm` is exactly what `1.5` is), inches and
    /// feet multiplied by their exact length in metres.
    pub fn to_metres(self, length: f64) -> f64 {
        match self {
            DrawingUnits::Millimetres => length / 1000.0,
            DrawingUnits::Centimetres => length / 100.0,
            DrawingUnits::Metres => length,
            DrawingUnits::Inches => length * 0.0254,
            DrawingUnits::Feet => length * 0.3048,
        }
    }
}

/// The layers read (compared without regard to case, as CAD tools do).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DxfLayers {
    pub aisles: String,
    pub one_way: String,
    pub points: String,
}

impl Default for DxfLayers {
    fn default() -> Self {
        DxfLayers {
            aisles: "AISLES".into(),
            one_way: "ONEWAY".into(),
            points: "POINTS".into(),
        }
    }
}

/// How a drawing is read.
#[derive(Clone, Debug, PartialEq)]
pub struct DxfOptions {
    pub layers: DxfLayers,
    /// Ends within this many metres join; labels name a point this close.
    pub snap_m: f64,
    /// The drawing's unit, instead of its `$INSUNITS`.
    pub units: Option<DrawingUnits>,
}

impl Default for DxfOptions {
    fn default() -> Self {
        DxfOptions {
            layers: DxfLayers::default(),
            snap_m: 0.5,
            units: None,
        }
    }
}

/// An entity of the drawing, as messages name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entity {
    /// `LINE`, `LWPOLYLINE`, `TEXT`, ...
    pub kind: &'static str,
    /// The entity's handle (hexadecimal in the file), when it has one.
    pub handle: Option<u64>,
    pub layer: String,
    /// Its rank among the drawing's entities, from 1.
    pub number: usize,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.handle {
            Some(handle) => write!(f, "{} (handle {handle:X}, layer {})", self.kind, self.layer),
            None => write!(
                f,
                "{} (entity {} of the drawing, no handle, layer {})",
                self.kind, self.number, self.layer
            ),
        }
    }
}

/// One problem of a drawing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DxfProblem {
    /// The entity at fault, when there is one.
    pub entity: Option<Entity>,
    pub message: String,
}

impl DxfProblem {
    fn at(entity: Entity, message: impl Into<String>) -> DxfProblem {
        DxfProblem {
            entity: Some(entity),
            message: message.into(),
        }
    }

    fn whole(message: impl Into<String>) -> DxfProblem {
        DxfProblem {
            entity: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for DxfProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.entity {
            Some(entity) => write!(f, "{entity} {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The problems found so far, the first [`MAX_PROBLEMS`] kept.
#[derive(Debug, Default)]
struct Problems {
    kept: Vec<DxfProblem>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: DxfProblem) {
        if self.kept.len() < MAX_PROBLEMS {
            self.kept.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    fn into_list(mut self) -> Vec<DxfProblem> {
        if self.more > 0 {
            self.kept.push(DxfProblem::whole(format!(
                "and {} more problems like these",
                self.more
            )));
        }
        self.kept
    }
}

/// A point of the drawing: a vertex of the aisles, or a labelled POINT.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnPoint {
    pub name: String,
    /// Metres.
    pub at: [f64; 2],
    /// Named by a label (else `v1`, `v2`, ...).
    pub labelled: bool,
    /// The entity that drew it first (a path, or the POINT).
    pub entity: Entity,
}

/// An aisle segment of the drawing between two of its points (indices into
/// [`DrawnLayout::points`]).
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnAisle {
    pub from: usize,
    pub to: usize,
    /// Driven only from `from` to `to`.
    pub one_way: bool,
    /// The path it is a segment of.
    pub entity: Entity,
}

/// What a drawing gives a layout.
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnLayout {
    pub units: DrawingUnits,
    /// The floor, metres: `[0, 0]` to the largest coordinate.
    pub size: [f64; 2],
    /// The aisle vertices in drawing order, then the POINTs off the aisles.
    pub points: Vec<DrawnPoint>,
    /// In drawing order.
    pub aisles: Vec<DrawnAisle>,
}

/// Reads a drawing's aisles and named points (the file's bytes, ASCII or
/// binary DXF), or says every problem (at most 20, then how many more).
pub fn import(bytes: &[u8], options: &DxfOptions) -> Result<DrawnLayout, Vec<DxfProblem>> {
    let drawing = read::parse(bytes).map_err(|m| vec![DxfProblem::whole(m)])?;
    let units = read::units(&drawing, options).map_err(|m| vec![DxfProblem::whole(m)])?;
    let mut problems = Problems::default();
    let sheet = read::sheet(&drawing, options, units, &mut problems);
    drop(drawing);
    let layout = graph::build(&sheet, options, &mut problems);
    match layout {
        Some(layout) if problems.is_empty() => Ok(layout),
        _ => Err(problems.into_list()),
    }
}

#[cfg(test)]
mod tests;
