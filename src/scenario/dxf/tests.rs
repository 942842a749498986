//! Drawings written here with the `dxf` crate (R12 and current versions,
//! ASCII and binary, millimetres and metres) read back exactly; joins,
//! labels and every problem.

// The crate's entities have many fields: tests set the few they draw.
#![allow(clippy::field_reassign_with_default)]

use super::read::plain_mtext;
use super::*;
use dxf::entities::{
    Arc, Entity as DxfEntity, EntityType, Line, LwPolyline, MText, ModelPoint, Polyline, Text, Vertex,
};
use dxf::enums::{AcadVersion, Units};
use dxf::{Drawing, LwPolylineVertex, Point};

/// What a test draws, in the drawing's own unit.
enum Shape {
    Line([f64; 2], [f64; 2]),
    /// A lightweight polyline (written as a POLYLINE before R2000).
    LwPolyline(Vec<[f64; 2]>, bool),
    Polyline(Vec<[f64; 2]>, bool),
    Text([f64; 2], &'static str),
    MText([f64; 2], &'static str),
    Point([f64; 2]),
    Arc([f64; 2]),
}

fn drawing(version: AcadVersion, units: Units, shapes: &[(&str, Shape)]) -> Drawing {
    let mut d = Drawing::new();
    d.header.version = version;
    d.header.default_drawing_units = units;
    d.header.minimum_drawing_extents = Point::new(0.0, 0.0, 0.0);
    d.header.maximum_drawing_extents = Point::new(40_000.0, 20_000.0, 0.0);
    let at = |[x, y]: [f64; 2]| Point::new(x, y, 0.0);
    for (layer, shape) in shapes {
        let specific = match shape {
            Shape::Line(a, b) => EntityType::Line(Line::new(at(*a), at(*b))),
            Shape::LwPolyline(points, closed) if version >= AcadVersion::R2000 => {
                let mut poly = LwPolyline::default();
                poly.vertices = points
                    .iter()
                    .map(|&[x, y]| LwPolylineVertex {
                        x,
                        y,
                        ..Default::default()
                    })
                    .collect();
                poly.set_is_closed(*closed);
                EntityType::LwPolyline(poly)
            }
            Shape::LwPolyline(points, closed) | Shape::Polyline(points, closed) => {
                let mut poly = Polyline::default();
                for &p in points {
                    poly.add_vertex(&mut d, Vertex::new(at(p)));
                }
                poly.set_is_closed(*closed);
                EntityType::Polyline(poly)
            }
            Shape::Text(p, value) => {
                let mut text = Text::default();
                text.location = at(*p);
                text.value = value.to_string();
                EntityType::Text(text)
            }
            Shape::MText(p, value) if version >= AcadVersion::R13 => {
                let mut text = MText::default();
                text.insertion_point = at(*p);
                text.text = value.to_string();
                EntityType::MText(text)
            }
            Shape::MText(p, value) => {
                let mut text = Text::default();
                text.location = at(*p);
                text.value = plain_mtext(value);
                EntityType::Text(text)
            }
            Shape::Point(p) => EntityType::ModelPoint(ModelPoint::new(at(*p))),
            Shape::Arc(p) => EntityType::Arc(Arc::new(at(*p), 1000.0, 0.0, 90.0)),
        };
        let mut entity = DxfEntity::new(specific);
        entity.common.layer = layer.to_string();
        d.add_entity(entity);
    }
    d
}

fn bytes(d: &Drawing, binary: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if binary {
        d.save_binary(&mut out).expect("written");
    } else {
        d.save(&mut out).expect("written");
    }
    out
}

fn metres(snap: f64) -> DxfOptions {
    DxfOptions {
        snap_m: snap,
        units: Some(DrawingUnits::Metres),
        ..DxfOptions::default()
    }
}

fn read(shapes: &[(&str, Shape)], options: &DxfOptions) -> Result<DrawnLayout, Vec<DxfProblem>> {
    let d = drawing(AcadVersion::R2018, Units::Meters, shapes);
    import(&bytes(&d, false), options)
}

fn names(layout: &DrawnLayout) -> Vec<&str> {
    layout.points.iter().map(|p| p.name.as_str()).collect()
}

/// Aisles as (from, to, one-way) by name.
fn aisles(layout: &DrawnLayout) -> Vec<(&str, &str, bool)> {
    layout
        .aisles
        .iter()
        .map(|a| {
            (
                layout.points[a.from].name.as_str(),
                layout.points[a.to].name.as_str(),
                a.one_way,
            )
        })
        .collect()
}

fn problems(result: Result<DrawnLayout, Vec<DxfProblem>>) -> String {
    match result {
        Ok(layout) => panic!("read, but it is bad: {:?}", names(&layout)),
        Err(list) => list
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The hall every version draws: a LINE, an open polyline, a closed one-way
/// polyline, a TEXT and an MTEXT label; coordinates that are not round.
fn hall(scale: f64) -> Vec<(&'static str, Shape)> {
    let p = |x: f64, y: f64| [x / scale, y / scale];
    vec![
        ("AISLES", Shape::Line(p(1234.5, 2000.0), p(11234.5, 2000.0))),
        (
            "aisles",
            Shape::LwPolyline(
                vec![p(11234.5, 2000.0), p(11234.5, 7777.7), p(20000.3, 7777.7)],
                false,
            ),
        ),
        (
            "ONEWAY",
            Shape::Polyline(
                vec![p(20000.3, 7777.7), p(30000.0, 7777.7), p(30000.0, 15000.1)],
                true,
            ),
        ),
        ("POINTS", Shape::Text(p(20100.3, 7877.7), "weld")),
        ("POINTS", Shape::MText(p(30000.0, 15000.1), "{\\fArial|b0;paint}")),
    ]
}

#[test]
fn every_version_reads_back_exactly_in_millimetres_and_metres() {
    let versions = [
        (AcadVersion::R12, false),
        (AcadVersion::R12, true),
        (AcadVersion::R2000, false),
        (AcadVersion::R2018, false),
        (AcadVersion::R2018, true),
    ];
    for (version, binary) in versions {
        for (units, scale, symbol) in [
            (Units::Millimeters, 1.0, DrawingUnits::Millimetres),
            (Units::Meters, 1000.0, DrawingUnits::Metres),
        ] {
            let mut d = drawing(version, units, &hall(scale));
            d.header.maximum_drawing_extents = Point::new(40_000.0 / scale, 20_000.0 / scale, 0.0);
            let file = bytes(&d, binary);
            let what = format!(
                "{version:?} {} {units:?}",
                if binary { "binary" } else { "ASCII" }
            );
            // R12 has no $INSUNITS: the unit must be given.
            let options = if version < AcadVersion::R2000 {
                let refused = problems(import(&file, &DxfOptions::default()));
                assert!(refused.contains("unknown units"), "{what}: {refused}");
                DxfOptions {
                    units: Some(symbol),
                    ..DxfOptions::default()
                }
            } else {
                DxfOptions::default()
            };
            let layout = import(&file, &options).unwrap_or_else(|e| panic!("{what}: {e:?}"));
            assert_eq!(layout.units, symbol, "{what}");
            // The value the file holds (ASCII DXF has 12 decimals, binary
            // the f64 itself), converted as the reader must: mm / 1000.
            let written = |v: f64| {
                if binary {
                    v
                } else {
                    format!("{v:.12}").parse::<f64>().unwrap()
                }
            };
            let m = |v: f64| {
                if scale == 1.0 {
                    written(v) / 1000.0
                } else {
                    written(v / scale)
                }
            };
            let expected = [
                ("v1", [m(1234.5), m(2000.0)]),
                ("v2", [m(11234.5), m(2000.0)]),
                ("v3", [m(11234.5), m(7777.7)]),
                ("weld", [m(20000.3), m(7777.7)]),
                ("v5", [m(30000.0), m(7777.7)]),
                ("paint", [m(30000.0), m(15000.1)]),
            ];
            let got: Vec<(&str, [f64; 2])> = layout.points.iter().map(|p| (p.name.as_str(), p.at)).collect();
            assert_eq!(got, expected, "{what}");
            assert_eq!(
                aisles(&layout),
                [
                    ("v1", "v2", false),
                    ("v2", "v3", false),
                    ("v3", "weld", false),
                    ("weld", "v5", true),
                    ("v5", "paint", true),
                    ("paint", "weld", true),
                ],
                "{what}"
            );
            assert_eq!(layout.size, [40.0, 20.0], "{what}");
            assert!(layout.points.iter().all(|p| p.entity.layer != "POINTS"), "{what}");
        }
    }
}

#[test]
fn ends_join_within_the_snap_distance_only() {
    let shapes = || {
        vec![
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("AISLES", Shape::Line([10.3, 0.2], [20.0, 0.0])),
        ]
    };
    // 0.36 m apart: joined at the first end drawn, exactly where it was drawn.
    let joined = read(&shapes(), &metres(0.5)).unwrap();
    let at: Vec<[f64; 2]> = joined.points.iter().map(|p| p.at).collect();
    assert_eq!(at, [[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]]);
    assert_eq!(aisles(&joined), [("v1", "v2", false), ("v2", "v3", false)]);
    // With a snap of 0.3 m they stay apart.
    let apart = read(&shapes(), &metres(0.3)).unwrap();
    assert_eq!(names(&apart), ["v1", "v2", "v3", "v4"]);
    assert_eq!(aisles(&apart), [("v1", "v2", false), ("v3", "v4", false)]);
}

#[test]
fn an_end_joins_a_vertex_where_it_lies_or_splits_a_segment() {
    // The end (10.2, 0.1) meets the polyline's middle vertex, which stays put.
    let vertex = read(
        &[
            (
                "AISLES",
                Shape::LwPolyline(vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]], false),
            ),
            ("AISLES", Shape::Line([10.2, 0.1], [10.0, 10.0])),
        ],
        &metres(0.5),
    )
    .unwrap();
    let got: Vec<(&str, [f64; 2])> = vertex.points.iter().map(|p| (p.name.as_str(), p.at)).collect();
    assert_eq!(
        got,
        [
            ("v1", [0.0, 0.0]),
            ("v2", [10.0, 0.0]),
            ("v3", [20.0, 0.0]),
            ("v4", [10.0, 10.0])
        ]
    );
    assert_eq!(
        aisles(&vertex),
        [("v1", "v2", false), ("v2", "v3", false), ("v2", "v4", false)]
    );
    // A T drawn without a vertex: the end splits the segment where it lies.
    let tee = read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [20.0, 0.0])),
            ("ONEWAY", Shape::Line([10.0, 0.2], [10.0, 10.0])),
        ],
        &metres(0.5),
    )
    .unwrap();
    assert_eq!(tee.points[2].at, [10.0, 0.2]);
    assert_eq!(
        aisles(&tee),
        [("v1", "v3", false), ("v3", "v2", false), ("v3", "v4", true)]
    );
}

#[test]
fn joins_do_not_depend_on_the_drawing_order() {
    // A grid of polylines meeting at vertices (exactly and within the snap)
    // and a T: drawn forwards and backwards, the same aisles by coordinates.
    let shapes = || {
        vec![
            (
                "AISLES",
                Shape::LwPolyline(vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]], false),
            ),
            (
                "AISLES",
                Shape::LwPolyline(vec![[0.0, 10.0], [10.0, 10.0], [20.0, 10.0]], false),
            ),
            ("AISLES", Shape::Line([10.1, 0.2], [9.9, 9.8])),
            ("AISLES", Shape::Line([0.0, 0.0], [0.0, 10.0])),
            ("AISLES", Shape::Line([20.0, 5.3], [30.0, 5.0])),
            ("AISLES", Shape::Line([20.0, 0.0], [20.0, 10.0])),
        ]
    };
    let edges = |layout: &DrawnLayout| {
        let mut list: Vec<[[u64; 2]; 2]> = layout
            .aisles
            .iter()
            .map(|a| {
                let key = |p: usize| layout.points[p].at.map(f64::to_bits);
                let (x, y) = (key(a.from), key(a.to));
                if x <= y {
                    [x, y]
                } else {
                    [y, x]
                }
            })
            .collect();
        list.sort_unstable();
        list
    };
    let forwards = read(&shapes(), &metres(0.5)).unwrap();
    let mut reversed = shapes();
    reversed.reverse();
    let backwards = read(&reversed, &metres(0.5)).unwrap();
    assert_eq!(forwards.points.len(), 8);
    assert_eq!(backwards.points.len(), 8);
    assert_eq!(edges(&forwards), edges(&backwards));
    assert_eq!(forwards.aisles.len(), 9);
}

#[test]
fn labels_name_the_nearest_point_and_points_off_the_aisles() {
    let layout = read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("POINTS", Shape::Text([10.3, 0.3], "weld")),
            ("POINTS", Shape::Point([5.0, 5.0])),
            ("POINTS", Shape::MText([5.2, 5.1], "depot\\P")),
            // A POINT marking a vertex is no point of its own.
            ("POINTS", Shape::Point([0.0, 0.0])),
        ],
        &metres(0.5),
    )
    .unwrap();
    let got: Vec<(&str, [f64; 2], bool)> = layout
        .points
        .iter()
        .map(|p| (p.name.as_str(), p.at, p.labelled))
        .collect();
    assert_eq!(
        got,
        [
            ("v1", [0.0, 0.0], false),
            ("weld", [10.0, 0.0], true),
            ("depot", [5.0, 5.0], true)
        ]
    );
    assert_eq!(layout.aisles.len(), 1);
}

#[test]
fn bad_labels_name_their_entity() {
    let far = problems(read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("POINTS", Shape::Text([10.6, 0.0], "weld")),
        ],
        &metres(0.5),
    ));
    assert!(far.starts_with("TEXT (handle "), "{far}");
    assert!(
        far.contains(", layer POINTS) `weld` at [10.6, 0] m is near no aisle vertex and no POINT"),
        "{far}"
    );
    assert!(far.ends_with("the nearest is `v2` at 0.60 m"), "{far}");
    let twice = problems(read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("POINTS", Shape::Text([0.0, 0.0], "weld")),
            ("POINTS", Shape::Text([10.0, 0.0], "weld")),
        ],
        &metres(0.5),
    ));
    assert!(twice.contains("`weld` names two points"), "{twice}");
    let again = problems(read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("POINTS", Shape::Text([0.0, 0.0], "weld")),
            ("POINTS", Shape::Text([0.1, 0.0], "paint")),
        ],
        &metres(0.5),
    ));
    assert!(again.contains("names `v1` again: TEXT (handle"), "{again}");
    let clash = problems(read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("POINTS", Shape::Text([10.0, 0.0], "v1")),
        ],
        &metres(0.5),
    ));
    assert!(clash.contains("the name of the unnamed vertex 1"), "{clash}");
    let bare = problems(read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("POINTS", Shape::Point([5.0, 5.0])),
        ],
        &metres(0.5),
    ));
    assert!(bare.starts_with("POINT (handle"), "{bare}");
    assert!(bare.contains("has no label"), "{bare}");
}

#[test]
fn drawings_without_aisles_or_units_or_with_curves_are_refused() {
    let none = problems(read(
        &[("WALLS", Shape::Line([0.0, 0.0], [10.0, 0.0]))],
        &metres(0.5),
    ));
    assert!(
        none.starts_with(
            "no LINE, LWPOLYLINE or POLYLINE on the aisles layer `AISLES` or the one-way layer `ONEWAY`"
        ),
        "{none}"
    );
    assert!(none.contains("its layers are: WALLS"), "{none}");
    let d = drawing(
        AcadVersion::R2018,
        Units::Unitless,
        &[("AISLES", Shape::Line([0.0, 0.0], [1.0, 0.0]))],
    );
    let unitless = problems(import(&bytes(&d, false), &DxfOptions::default()));
    assert!(
        unitless.starts_with("unknown units: the drawing's $INSUNITS is 0"),
        "{unitless}"
    );
    let d = drawing(
        AcadVersion::R2018,
        Units::Yards,
        &[("AISLES", Shape::Line([0.0, 0.0], [1.0, 0.0]))],
    );
    let yards = problems(import(&bytes(&d, false), &DxfOptions::default()));
    assert!(
        yards.starts_with("unknown units: the drawing's $INSUNITS is 10 (Yards)"),
        "{yards}"
    );
    let arc = problems(read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("AISLES", Shape::Arc([5.0, 5.0])),
        ],
        &metres(0.5),
    ));
    assert!(arc.starts_with("ARC (handle"), "{arc}");
    assert!(arc.contains("layer AISLES) is a curve"), "{arc}");
    let mut bulged = drawing(AcadVersion::R2018, Units::Meters, &[]);
    let mut poly = LwPolyline::default();
    poly.vertices = vec![
        LwPolylineVertex {
            x: 0.0,
            bulge: 0.5,
            ..Default::default()
        },
        LwPolylineVertex {
            x: 10.0,
            ..Default::default()
        },
    ];
    let mut entity = DxfEntity::new(EntityType::LwPolyline(poly));
    entity.common.layer = "AISLES".into();
    bulged.add_entity(entity);
    let bulge = problems(import(&bytes(&bulged, false), &metres(0.5)));
    assert!(bulge.contains("has an arc segment (a bulge)"), "{bulge}");
    let below = problems(read(
        &[("AISLES", Shape::Line([-1.0, 0.0], [10.0, 0.0]))],
        &metres(0.5),
    ));
    assert!(below.contains("has a point at [-1, 0] m, below 0"), "{below}");
    let twice = problems(read(
        &[
            ("AISLES", Shape::Line([0.0, 0.0], [10.0, 0.0])),
            ("AISLES", Shape::Line([10.0, 0.0], [0.0, 0.0])),
        ],
        &metres(0.5),
    ));
    assert!(
        twice.contains("draws the aisle between `v2` and `v1` again; LINE (handle"),
        "{twice}"
    );
}

#[test]
fn corrupt_and_truncated_files_are_errors() {
    let d = drawing(AcadVersion::R2018, Units::Meters, &hall(1000.0));
    let whole = bytes(&d, false);
    for cut in [10, whole.len() / 3, whole.len() / 2, whole.len() - 20] {
        let result = import(&whole[..cut], &DxfOptions::default());
        assert!(result.is_err(), "cut at {cut} read");
    }
    let garbage = problems(import(b"\x00\x01 not a drawing \xff", &DxfOptions::default()));
    assert!(!garbage.is_empty());
    // A header date out of range panics inside the crate; it is an error here.
    let text = String::from_utf8(whole).unwrap();
    let at = text.find("$TDCREATE").unwrap();
    let value = at + text[at..].find("\n 40\r\n").unwrap() + "\n 40\r\n".len();
    let end = value + text[value..].find('\r').unwrap();
    let corrupt = format!("{}1e300{}", &text[..value], &text[end..]);
    let refused = problems(import(corrupt.as_bytes(), &DxfOptions::default()));
    assert!(
        refused.contains("the file is corrupt: the DXF reader gave up on it"),
        "{refused}"
    );
    assert!(!panic_caught_here());
}

#[test]
fn mtext_formatting_is_not_part_of_a_name() {
    assert_eq!(plain_mtext("{\\fArial|b0|i0|c0|p34;weld}"), "weld");
    assert_eq!(plain_mtext("\\A1;frame\\Pweld"), "frame weld");
    assert_eq!(plain_mtext("a\\{b\\}"), "a{b}");
    assert_eq!(plain_mtext("\\Lunder\\l"), "under");
}

#[test]
fn units_convert_by_the_exact_factors() {
    assert_eq!(DrawingUnits::Millimetres.to_metres(1234.5), 1234.5 / 1000.0);
    assert_eq!(DrawingUnits::Centimetres.to_metres(250.0), 2.5);
    assert_eq!(DrawingUnits::Inches.to_metres(100.0), 2.54);
    assert_eq!(DrawingUnits::Feet.to_metres(10.0), 3.048);
    for units in DrawingUnits::ALL {
        assert_eq!(DrawingUnits::from_symbol(units.symbol()), Some(units));
    }
}
