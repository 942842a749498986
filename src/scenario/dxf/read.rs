//! The drawing's entities, read with the `dxf` crate: the header's units
//! and extents, the paths on the aisle layers, and the labels and marks on
//! the points layer, each with the entity it came from. Coordinates are
//! converted to metres here, once.

use super::{DrawingUnits, DxfOptions, DxfProblem, Entity, Problems};
use dxf::entities::EntityType;
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A polyline (or a line) drawn on an aisle layer.
#[derive(Debug)]
pub(super) struct DrawnPath {
    pub entity: Entity,
    /// Metres, in drawing order.
    pub vertices: Vec<[f64; 2]>,
    /// The last vertex joins the first.
    pub closed: bool,
    pub one_way: bool,
}

/// A TEXT or MTEXT on the points layer.
#[derive(Debug)]
pub(super) struct Label {
    pub entity: Entity,
    pub text: String,
    pub at: [f64; 2],
}

/// A POINT entity on the points layer.
#[derive(Debug)]
pub(super) struct Mark {
    pub entity: Entity,
    pub at: [f64; 2],
}

/// What the drawing holds that matters here.
#[derive(Debug)]
pub(super) struct Sheet {
    pub units: DrawingUnits,
    /// `$EXTMIN` and `$EXTMAX` in metres, when they are a box.
    pub extents: Option<[[f64; 2]; 2]>,
    pub paths: Vec<DrawnPath>,
    pub labels: Vec<Label>,
    pub marks: Vec<Mark>,
    /// Every layer an entity of the drawing is on, for messages.
    pub layers: Vec<String>,
}

thread_local! {
    /// Set while this thread is inside the `dxf` crate's reader.
    static READING: Cell<bool> = const { Cell::new(false) };
}

/// Whether a panic on this thread now comes from inside the `dxf` crate's
/// reader, where [`parse`] catches it and reports the file as corrupt (a
/// process-wide panic hook should then stay silent and return).
pub fn panic_caught_here() -> bool {
    READING.with(Cell::get)
}

/// The drawing, or why the file is not one. The crate panics on some
/// corrupt files (dates of the header out of `chrono`'s range): that panic
/// is caught here and becomes an error like any other.
pub(super) fn parse(bytes: &[u8]) -> Result<dxf::Drawing, String> {
    READING.with(|reading| reading.set(true));
    let result = catch_unwind(AssertUnwindSafe(|| dxf::Drawing::load(&mut &bytes[..])));
    READING.with(|reading| reading.set(false));
    match result {
        Ok(Ok(drawing)) => Ok(drawing),
        Ok(Err(e)) => Err(format!("the file is not a DXF drawing that can be read: {e}")),
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(format!(
                "the file is corrupt: the DXF reader gave up on it ({why})"
            ))
        }
    }
}

/// The drawing's unit: `dxf_units` when given, else `$INSUNITS`.
pub(super) fn units(drawing: &dxf::Drawing, options: &DxfOptions) -> Result<DrawingUnits, String> {
    if let Some(units) = options.units {
        return Ok(units);
    }
    use dxf::enums::Units;
    let code = drawing.header.default_drawing_units;
    match code {
        Units::Millimeters => Ok(DrawingUnits::Millimetres),
        Units::Centimeters => Ok(DrawingUnits::Centimetres),
        Units::Meters => Ok(DrawingUnits::Metres),
        Units::Inches => Ok(DrawingUnits::Inches),
        Units::Feet => Ok(DrawingUnits::Feet),
        Units::Unitless => Err(
            "unknown units: the drawing's $INSUNITS is 0 (unitless) or missing (R12 files have none); set the \
             drawing's units in the CAD tool, or write dxf_units = \"mm\" (mm, cm, m, in, ft)"
                .to_string(),
        ),
        other => Err(format!(
            "unknown units: the drawing's $INSUNITS is {} ({other:?}); the units read are mm, cm, m, in and ft \
             (or write dxf_units = \"mm\")",
            other as i32
        )),
    }
}

/// The entities that matter, in drawing order, in metres; every problem
/// with one of them goes to `problems`.
pub(super) fn sheet(
    drawing: &dxf::Drawing,
    options: &DxfOptions,
    units: DrawingUnits,
    problems: &mut Problems,
) -> Sheet {
    let metres = |p: &dxf::Point| [units.to_metres(p.x), units.to_metres(p.y)];
    let header = &drawing.header;
    let (low, high) = (
        metres(&header.minimum_drawing_extents),
        metres(&header.maximum_drawing_extents),
    );
    let extents = (low.iter().chain(&high).all(|v| v.is_finite() && v.abs() < 1e15)
        && high[0] > low[0]
        && high[1] > low[1])
        .then_some([low, high]);
    let mut sheet = Sheet {
        units,
        extents,
        paths: Vec::new(),
        labels: Vec::new(),
        marks: Vec::new(),
        layers: Vec::new(),
    };
    let layers = &options.layers;
    for (i, e) in drawing.entities().enumerate() {
        if e.common.is_in_paper_space {
            continue;
        }
        let layer = &e.common.layer;
        if !sheet.layers.iter().any(|l| l == layer) {
            sheet.layers.push(layer.clone());
        }
        let entity = Entity {
            kind: kind_name(&e.specific),
            handle: (e.common.handle.0 != 0).then_some(e.common.handle.0),
            layer: layer.clone(),
            number: i + 1,
        };
        let on = |name: &str| layer.eq_ignore_ascii_case(name);
        if on(&layers.aisles) || on(&layers.one_way) {
            if let Some(path) = path(e, entity, on(&layers.one_way), &metres, problems) {
                sheet.paths.push(path);
            }
        } else if on(&layers.points) {
            let (at, text) = match &e.specific {
                EntityType::Text(t) => (metres(&t.location), Some(t.value.trim().to_string())),
                EntityType::MText(t) => {
                    let whole: String = t.extended_text.concat() + &t.text;
                    (metres(&t.insertion_point), Some(plain_mtext(&whole)))
                }
                EntityType::ModelPoint(p) => (metres(&p.location), None),
                _ => continue,
            };
            if !at.iter().all(|v| v.is_finite()) {
                problems.push(DxfProblem::at(
                    entity,
                    "has a coordinate that is not a finite number",
                ));
                continue;
            }
            match text {
                Some(text) => sheet.labels.push(Label { entity, text, at }),
                None => sheet.marks.push(Mark { entity, at }),
            }
        }
    }
    sheet
}

/// The path an entity on an aisle layer draws, if it is one.
fn path(
    e: &dxf::entities::Entity,
    entity: Entity,
    one_way: bool,
    metres: &dyn Fn(&dxf::Point) -> [f64; 2],
    problems: &mut Problems,
) -> Option<DrawnPath> {
    let (vertices, closed, bulged) = match &e.specific {
        EntityType::Line(line) => (vec![metres(&line.p1), metres(&line.p2)], false, false),
        EntityType::LwPolyline(poly) => {
            let closed = poly.is_closed();
            let arcs = poly.vertices.len().saturating_sub(usize::from(!closed));
            let bulged = poly.vertices.iter().take(arcs).any(|v| v.bulge != 0.0);
            let vertices = poly
                .vertices
                .iter()
                .map(|v| metres(&dxf::Point::new(v.x, v.y, 0.0)))
                .collect();
            (vertices, closed, bulged)
        }
        EntityType::Polyline(poly) => {
            if poly.is_polyface_mesh() || poly.is_3d_polygon_mesh() {
                problems.push(DxfProblem::at(
                    entity,
                    "is a mesh, not a path: aisles are lines and polylines of straight segments",
                ));
                return None;
            }
            let closed = poly.is_closed();
            let all: Vec<&dxf::entities::Vertex> = poly.vertices().collect();
            let arcs = all.len().saturating_sub(usize::from(!closed));
            let bulged = all.iter().take(arcs).any(|v| v.bulge != 0.0);
            (all.iter().map(|v| metres(&v.location)).collect(), closed, bulged)
        }
        EntityType::Arc(_) | EntityType::Circle(_) | EntityType::Ellipse(_) | EntityType::Spline(_) => {
            problems.push(DxfProblem::at(
                entity,
                "is a curve: aisles are read from LINE, LWPOLYLINE and POLYLINE entities of straight segments; \
                 draw the curve as a polyline of straight segments",
            ));
            return None;
        }
        EntityType::Insert(_) => {
            problems.push(DxfProblem::at(
                entity,
                "is a block reference, whose lines are not read: explode the block so that its lines are on the \
                 aisle layer itself",
            ));
            return None;
        }
        _ => return None,
    };
    if bulged {
        problems.push(DxfProblem::at(
            entity,
            "has an arc segment (a bulge): aisles are straight; replace the arc by straight segments",
        ));
        return None;
    }
    if vertices.len() < 2 {
        problems.push(DxfProblem::at(entity, "has fewer than two vertices"));
        return None;
    }
    if !vertices.iter().flatten().all(|v| v.is_finite()) {
        problems.push(DxfProblem::at(
            entity,
            "has a coordinate that is not a finite number",
        ));
        return None;
    }
    Some(DrawnPath {
        entity,
        vertices,
        closed,
        one_way,
    })
}

/// The DXF name of an entity's type, for messages.
fn kind_name(specific: &EntityType) -> &'static str {
    match specific {
        EntityType::Line(_) => "LINE",
        EntityType::LwPolyline(_) => "LWPOLYLINE",
        EntityType::Polyline(_) => "POLYLINE",
        EntityType::Text(_) => "TEXT",
        EntityType::MText(_) => "MTEXT",
        EntityType::ModelPoint(_) => "POINT",
        EntityType::Arc(_) => "ARC",
        EntityType::Circle(_) => "CIRCLE",
        EntityType::Ellipse(_) => "ELLIPSE",
        EntityType::Spline(_) => "SPLINE",
        EntityType::Insert(_) => "INSERT",
        _ => "entity",
    }
}

/// The text of an MTEXT without its formatting codes: `{\fArial;weld}` and
/// `weld\P` read `weld`.
pub(super) fn plain_mtext(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '}' => {}
            '\\' => match chars.next() {
                // Escaped characters.
                Some(escaped @ ('\\' | '{' | '}')) => out.push(escaped),
                // A paragraph or line break, a non-breaking space.
                Some('P' | 'n' | '~') => out.push(' '),
                // Codes with an argument up to `;`: font, height, width,
                // angle, tracking, alignment, colour, stacking.
                Some('f' | 'F' | 'H' | 'W' | 'Q' | 'T' | 'A' | 'C' | 'c' | 'p' | 'S') => {
                    for skipped in chars.by_ref() {
                        if skipped == ';' {
                            break;
                        }
                    }
                }
                // Switches without an argument (underline, overline, strike).
                Some(_) | None => {}
            },
            _ => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}
