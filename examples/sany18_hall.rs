//! Writes `scenarios/sany18_hall.dxf`, the drawing of the built-in sany18's
//! hall that the built-in `sany18_dxf` reads: the aisles as polylines (on
//! the `ONEWAY` layer for one-way aisles, `AISLES` for two-way ones), one
//! polyline per run of segments that follow each other, closed when a run
//! comes back to its start; a TEXT label on the `POINTS` layer at every
//! point that is not a waypoint (`a01`, `a02`, ...), 0.3 m up and right of
//! it; the hall's walls on `WALLS`. Millimetres (`$INSUNITS` = 4), AutoCAD
//! 2018 ASCII, with the extents set to the hall.
//!
//! Run it after changing sany18's layout: `cargo run --example sany18_hall`
//! (a test holds `sany18_dxf`'s layout to sany18's, point by point).

// The crate's entities have many fields: the few drawn are set.
#![allow(clippy::field_reassign_with_default)]

use dxf::entities::{Entity, EntityType, LwPolyline, Text};
use dxf::enums::{AcadVersion, Units};
use dxf::{Drawing, LwPolylineVertex, Point};

/// Millimetres per metre.
const MM: f64 = 1000.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sany18 = factory5g::scenario::load_builtin("sany18")?.model;
    let layout = sany18.layout().ok_or("sany18 has no layout")?;
    let mut drawing = Drawing::new();
    drawing.header.version = AcadVersion::R2018;
    drawing.header.default_drawing_units = Units::Millimeters;
    let [width, height] = layout.size();
    drawing.header.minimum_drawing_extents = Point::new(0.0, 0.0, 0.0);
    drawing.header.maximum_drawing_extents = Point::new(width * MM, height * MM, 0.0);
    let walls = [[0.0, 0.0], [width, 0.0], [width, height], [0.0, height]];
    add_polyline(&mut drawing, "WALLS", &walls, true);
    // Runs of segments that follow each other, in the layout's order.
    let mut runs: Vec<(bool, Vec<usize>)> = Vec::new();
    for segment in layout.segments() {
        match runs.last_mut() {
            Some((one_way, run)) if *one_way == segment.one_way() && run.last() == Some(&segment.a()) => {
                run.push(segment.b())
            }
            _ => runs.push((segment.one_way(), vec![segment.a(), segment.b()])),
        }
    }
    for (one_way, mut run) in runs {
        let closed = run.len() > 2 && run.first() == run.last();
        if closed {
            run.pop();
        }
        let at: Vec<[f64; 2]> = run
            .iter()
            .map(|&p| [layout.points()[p].x(), layout.points()[p].y()])
            .collect();
        add_polyline(
            &mut drawing,
            if one_way { "ONEWAY" } else { "AISLES" },
            &at,
            closed,
        );
    }
    for point in layout.points() {
        let waypoint = point.name().starts_with('a') && point.name()[1..].chars().all(|c| c.is_ascii_digit());
        if waypoint {
            continue;
        }
        let mut text = Text::default();
        text.location = Point::new(point.x() * MM + 300.0, point.y() * MM + 300.0, 0.0);
        text.text_height = 1500.0;
        text.value = point.name().to_string();
        let mut entity = Entity::new(EntityType::Text(text));
        entity.common.layer = "POINTS".into();
        drawing.add_entity(entity);
    }
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sany18_hall.dxf");
    let mut bytes = Vec::new();
    drawing.save(&mut bytes)?;
    std::fs::write(&out, reproducible(&String::from_utf8(bytes)?))?;
    println!("wrote {}", out.display());
    Ok(())
}

/// The drawing's text with the header's dates and GUIDs, which the `dxf`
/// crate sets from the clock and at random, replaced by fixed values, so
/// that the same layout always gives the same file.
fn reproducible(text: &str) -> String {
    const FIXED: [(&str, &str); 6] = [
        ("$TDCREATE", "2460676.5"),
        ("$TDUCREATE", "2460676.5"),
        ("$TDUPDATE", "2460676.5"),
        ("$TDUUPDATE", "2460676.5"),
        ("$FINGERPRINTGUID", "00000000-0000-4000-8000-000000000018"),
        ("$VERSIONGUID", "00000000-0000-4000-8000-000000000018"),
    ];
    let mut lines: Vec<&str> = text.lines().collect();
    for i in 0..lines.len() {
        if let Some((_, value)) = FIXED.iter().find(|(name, _)| lines[i] == *name) {
            // The variable's name, then its value's group code and the value.
            if let Some(line) = lines.get_mut(i + 2) {
                *line = value;
            }
        }
    }
    lines.join("\r\n") + "\r\n"
}

/// A polyline through `at` (metres), drawn in millimetres on `layer`.
fn add_polyline(drawing: &mut Drawing, layer: &str, at: &[[f64; 2]], closed: bool) {
    let mut polyline = LwPolyline::default();
    polyline.vertices = at
        .iter()
        .map(|&[x, y]| LwPolylineVertex {
            x: x * MM,
            y: y * MM,
            ..Default::default()
        })
        .collect();
    polyline.set_is_closed(closed);
    let mut entity = Entity::new(EntityType::LwPolyline(polyline));
    entity.common.layer = layer.into();
    drawing.add_entity(entity);
}
