//! `[layout]`: its keys, raw structs and reader (size, named points,
//! aisles, zone length, and the drawing they may come from). An aisle is
//! written as a polyline of two or more point names, `["a", "b", "c"]`
//! being the aisles a-b and b-c; the reader gives one [`RawAisle`] per
//! pair.

use super::keys::{keys, written_keys, Ty};
use super::values::{pair, TextKind, Value};
use super::{Field, Sp};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Node, Str};

keys! {
    pub(crate) enum LayoutKey in LAYOUT, heading "`[layout]`", table "layout" {
        Size = "size": Ty::Pair("size = [120, 60]"), default "required", "the floor in metres";
        Points = "points": Ty::PointTable, default "none", "named points";
        Aisles = "aisles": Ty::NamePairs, default "none", "polylines of point names, `[\"a\", \"b\", \"c\"]` being a-b and b-c";
        OneWay = "one_way": Ty::NamePairs, default "none", "polylines of point names driven only from each point to the next";
        ZoneLength = "zone_length": Ty::Text(TextKind::Length), default "none", "cuts aisles longer than this into zones of equal length";
        Dxf = "dxf": Ty::Word, default "none", "a DXF drawing of the aisles and named points";
        DxfLayers = "dxf_layers": Ty::Table(&DXF_LAYERS), default "see below", "the drawing's layers that are read";
        DxfSnap = "dxf_snap": Ty::Text(TextKind::Length), default "`\"0.5m\"`", "how close drawn ends join and labels name a vertex";
        DxfUnits = "dxf_units": Ty::Word, default "the drawing's `$INSUNITS`", "the drawing's unit";
    }
}

keys! {
    /// `dxf_layers = { ... }`: the layers of the drawing that are read.
    pub(crate) enum DxfLayerKey in DXF_LAYERS, heading "`[layout.dxf_layers]`", table "dxf_layers" {
        Aisles = "aisles": Ty::Word, default "`\"AISLES\"`", "the layer of two-way aisles";
        OneWay = "one_way": Ty::Word, default "`\"ONEWAY\"`", "the layer of one-way aisles";
        Points = "points": Ty::Word, default "`\"POINTS\"`", "the layer of point names";
    }
}

/// Two numbers `[x, y]`, each with its span.
pub(crate) type Pair = [Sp<f64>; 2];

#[derive(Debug, Default)]
pub(crate) struct RawLayout {
    /// Where `layout` was written (the `[layout]` header's key).
    pub key_span: Span,
    pub size: Field<Pair>,
    pub points: Field<Vec<RawPoint>>,
    pub aisles: Field<Vec<RawAisle>>,
    /// Aisles driven only from their first point to their second.
    pub one_way: Field<Vec<RawAisle>>,
    pub zone_length: Field<Str>,
    /// The drawing's path, relative to the scenario that names it.
    pub dxf: Field<String>,
    pub dxf_layers: Field<RawDxfLayers>,
    pub dxf_snap: Field<Str>,
    pub dxf_units: Field<String>,
}

/// `dxf_layers = { aisles, one_way, points }`.
#[derive(Debug, Default)]
pub(crate) struct RawDxfLayers {
    pub aisles: Field<String>,
    pub one_way: Field<String>,
    pub points: Field<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct RawPoint {
    /// The key naming the point.
    pub name: Sp<String>,
    pub at: Field<Pair>,
}

#[derive(Clone, Debug)]
pub(crate) struct RawAisle {
    /// `layout.aisles[I]` (1-based), the polyline it is part of.
    pub label: String,
    /// The two point names, spanning both; `Invalid` when the polyline is
    /// not a list of strings (reported).
    pub ends: Field<[Sp<String>; 2]>,
}

pub(super) fn read_layout(sink: &mut Sink, entries: &[Entry], key_span: Span) -> RawLayout {
    let mut layout = RawLayout {
        key_span,
        ..RawLayout::default()
    };
    for (key, value) in written_keys::<LayoutKey>(sink, entries, "layout") {
        match key {
            LayoutKey::Size => layout.size = value.pair(sink),
            LayoutKey::Points => layout.points = read_points(sink, &value),
            LayoutKey::Aisles => layout.aisles = read_aisles(sink, &value),
            LayoutKey::OneWay => layout.one_way = read_aisles(sink, &value),
            LayoutKey::ZoneLength => layout.zone_length = value.text(sink),
            LayoutKey::Dxf => layout.dxf = value.string(sink),
            LayoutKey::DxfLayers => {
                layout.dxf_layers = value.table(
                    sink,
                    "a table like { aisles = \"AISLES\", one_way = \"ONEWAY\", points = \"POINTS\" }",
                    |sink, entries, _| read_dxf_layers(sink, entries),
                )
            }
            LayoutKey::DxfSnap => layout.dxf_snap = value.text(sink),
            LayoutKey::DxfUnits => layout.dxf_units = value.string(sink),
        }
    }
    layout
}

fn read_dxf_layers(sink: &mut Sink, entries: &[Entry]) -> RawDxfLayers {
    let mut layers = RawDxfLayers::default();
    for (key, value) in written_keys::<DxfLayerKey>(sink, entries, "layout.dxf_layers") {
        match key {
            DxfLayerKey::Aisles => layers.aisles = value.string(sink),
            DxfLayerKey::OneWay => layers.one_way = value.string(sink),
            DxfLayerKey::Points => layers.points = value.string(sink),
        }
    }
    layers
}

/// `points = { NAME = [x, y], ... }`.
fn read_points(sink: &mut Sink, value: &Value<'_>) -> Field<Vec<RawPoint>> {
    let what = "a table of NAME = [x, y] like { depot = [0, 0], weld = [30, 10] }";
    value.table(sink, what, |sink, entries, _| {
        entries
            .iter()
            .map(|point| RawPoint {
                name: Sp {
                    v: point.key.clone(),
                    span: point.key_span,
                },
                at: pair(
                    sink,
                    &point.value,
                    &format!("{}.{}", value.path, point.key),
                    "weld = [30, 12.5]",
                ),
            })
            .collect()
    })
}

/// `aisles` or `one_way`: `[["a", "b"], ["b", "c", "d"], ...]`, one
/// [`RawAisle`] per pair of neighbours in a polyline.
fn read_aisles(sink: &mut Sink, value: &Value<'_>) -> Field<Vec<RawAisle>> {
    let what =
        "an array of polylines of point names like [[\"depot\", \"weld\"], [\"weld\", \"a\", \"paint\"]]";
    let Some(items) = value.items(sink, what) else {
        return Field::Invalid;
    };
    let aisles = items
        .iter()
        .enumerate()
        .flat_map(|(i, item)| read_polyline(sink, item, format!("{}[{}]", value.path, i + 1)))
        .collect();
    Field::Ok(Sp {
        v: aisles,
        span: value.node.span,
    })
}

fn read_polyline(sink: &mut Sink, item: &Node, label: String) -> Vec<RawAisle> {
    let names: Option<Vec<Sp<String>>> = match &item.kind {
        Kind::Array(items) if items.len() >= 2 => items
            .iter()
            .map(|node| match &node.kind {
                Kind::Str(name) => Some(Sp {
                    v: name.value.clone(),
                    span: node.span,
                }),
                _ => None,
            })
            .collect(),
        _ => None,
    };
    match names {
        Some(names) => {
            // A pair is where it was written; a longer polyline's aisles are
            // where their two names are.
            let whole = names.len() == 2;
            names
                .windows(2)
                .map(|pair| RawAisle {
                    label: label.clone(),
                    ends: Field::Ok(Sp {
                        v: [pair[0].clone(), pair[1].clone()],
                        span: if whole {
                            item.span
                        } else {
                            Span::new(pair[0].span.start, pair[1].span.end)
                        },
                    }),
                })
                .collect()
        }
        None => {
            let found = match &item.kind {
                Kind::Array(items) if items.len() < 2 => format!("an array of {} values", items.len()),
                Kind::Array(items) => items
                    .iter()
                    .find(|x| !matches!(x.kind, Kind::Str(_)))
                    .map_or_else(|| item.describe(), |x| format!("{} in it", x.describe())),
                _ => item.describe(),
            };
            sink.error(
                Some(item.span),
                &label,
                format!(
                    "an aisle must be two or more point names like [\"depot\", \"weld\"] or [\"a\", \"b\", \"c\"], found {found}"
                ),
            );
            vec![RawAisle {
                label,
                ends: Field::Invalid,
            }]
        }
    }
}
