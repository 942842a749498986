//! `[layout] dxf`: the drawing read (relative to the scenario that names
//! it, or embedded with a built-in scenario) and merged with the points and
//! aisles the scenario writes itself, which win on a name: a variant can
//! move one station of a drawing, or make one drawn aisle one-way.
//!
//! The merge: the drawing's points in its order, each replaced by the
//! scenario's point of the same name if there is one, then the scenario's
//! other points; the drawing's aisles in its order, less those between two
//! points the scenario joins itself, then the scenario's. Every problem of
//! the drawing is an error at the `dxf` key naming the entity (type,
//! handle, layer); see [`crate::scenario::dxf`] for how a drawing is read.
//!
//! ```text
//! [layout]
//! dxf = "hall.dxf"          -> layout.dxf: hall.dxf: TEXT (handle 2F, layer POINTS) `weld` at [31.5, 2] m is
//!                              near no aisle vertex and no POINT: ...; the nearest is `v3` at 1.20 m
//! ```

use super::layout::MAX_LENGTH;
use super::units::parse_length;
use super::Validator;
use crate::scenario::builtin;
use crate::scenario::dxf::{import, DrawingUnits, DrawnLayout, DxfLayers, DxfOptions};
use crate::scenario::raw::{Field, RawAisle, RawLayout, RawPoint, Sp};
use std::collections::HashSet;

/// The largest drawing read, in bytes.
pub(crate) const MAX_DXF_BYTES: u64 = 32_000_000;

/// The farthest `dxf_snap`, in metres.
const MAX_SNAP_M: f64 = 100.0;

/// What `dxf` gave the layout.
pub(super) enum Drawing {
    /// No `dxf` key.
    None,
    /// The drawing could not be used (reported).
    Failed,
    Merged(Box<Merged>),
}

/// The layout as if the scenario had written the drawing's points and
/// aisles itself.
pub(super) struct Merged {
    pub raw: RawLayout,
    /// The drawing's unnamed vertices (`v1`, ...) that were kept, left out
    /// of the lists of point names in messages.
    pub unnamed: Vec<String>,
    /// What messages say of them instead.
    pub note: String,
}

impl Validator<'_, '_> {
    /// Reads the drawing `[layout] dxf` names, and merges it with `raw`.
    pub(super) fn drawing(&mut self, raw: &RawLayout) -> Drawing {
        let path = match &raw.dxf {
            Field::Ok(path) => path,
            Field::Invalid => return Drawing::Failed,
            Field::Missing => {
                self.settings_without_drawing(raw);
                return Drawing::None;
            }
        };
        let Some(options) = self.dxf_options(raw) else {
            return Drawing::Failed;
        };
        let Some(bytes) = self.drawing_bytes(path) else {
            return Drawing::Failed;
        };
        let drawn = match import(&bytes, &options) {
            Ok(drawn) => drawn,
            Err(problems) => {
                for problem in problems {
                    self.sink
                        .error(Some(path.span), "layout.dxf", format!("{}: {problem}", path.v));
                }
                return Drawing::Failed;
            }
        };
        self.merge(raw, drawn, path)
    }

    /// `dxf_layers`, `dxf_snap` and `dxf_units` written without `dxf`.
    fn settings_without_drawing(&mut self, raw: &RawLayout) {
        let spans = [
            ("dxf_layers", raw.dxf_layers.ok().map(|f| f.span)),
            ("dxf_snap", raw.dxf_snap.ok().map(|f| f.span)),
            ("dxf_units", raw.dxf_units.ok().map(|f| f.span)),
        ];
        for (key, span) in spans {
            if let Some(span) = span {
                self.sink.warning(
                    Some(span),
                    &format!("layout.{key}"),
                    format!("`{key}` does nothing without `dxf`, the drawing it is about"),
                );
            }
        }
    }

    fn dxf_options(&mut self, raw: &RawLayout) -> Option<DxfOptions> {
        let mut options = DxfOptions::default();
        let mut ok = true;
        if let Field::Ok(layers) = &raw.dxf_layers {
            let defaults = DxfLayers::default();
            let written = [
                (
                    &layers.v.aisles,
                    "aisles",
                    &mut options.layers.aisles,
                    defaults.aisles,
                ),
                (
                    &layers.v.one_way,
                    "one_way",
                    &mut options.layers.one_way,
                    defaults.one_way,
                ),
                (
                    &layers.v.points,
                    "points",
                    &mut options.layers.points,
                    defaults.points,
                ),
            ];
            for (field, key, layer, default) in written {
                match field {
                    Field::Ok(name) if name.v.trim().is_empty() => {
                        self.sink.error(
                            Some(name.span),
                            &format!("layout.dxf_layers.{key}"),
                            format!("a layer's name must not be empty (the default is \"{default}\")"),
                        );
                        ok = false;
                    }
                    Field::Ok(name) => *layer = name.v.clone(),
                    Field::Missing => {}
                    Field::Invalid => ok = false,
                }
            }
            let l = &options.layers;
            let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
            if same(&l.aisles, &l.one_way) || same(&l.aisles, &l.points) || same(&l.one_way, &l.points) {
                self.sink.error(
                    Some(layers.span),
                    "layout.dxf_layers",
                    format!(
                        "the aisles, one-way and points layers must be three different layers, found \"{}\", \"{}\" and \"{}\"",
                        l.aisles, l.one_way, l.points
                    ),
                );
                ok = false;
            }
        } else if matches!(raw.dxf_layers, Field::Invalid) {
            ok = false;
        }
        match &raw.dxf_snap {
            Field::Ok(text) => {
                match self.parsed(&text.v.value, text.span, "layout.dxf_snap", |t| {
                    parse_length(t, MAX_SNAP_M)
                }) {
                    Some(snap) => options.snap_m = snap,
                    None => ok = false,
                }
            }
            Field::Missing => {}
            Field::Invalid => ok = false,
        }
        match &raw.dxf_units {
            Field::Ok(word) => match DrawingUnits::from_symbol(word.v.trim()) {
                Some(units) => options.units = Some(units),
                None => {
                    let allowed: Vec<&str> = DrawingUnits::ALL.iter().map(|u| u.symbol()).collect();
                    self.sink.error(
                        Some(word.span),
                        "layout.dxf_units",
                        format!(
                            "unknown unit `{}`; allowed units: {}",
                            word.v,
                            crate::scenario::diag::list(&allowed)
                        ),
                    );
                    ok = false;
                }
            },
            Field::Missing => {}
            Field::Invalid => ok = false,
        }
        ok.then_some(options)
    }

    /// The drawing's bytes: embedded for a built-in scenario, else read
    /// from the file (relative to the scenario that names it), bounded.
    fn drawing_bytes(&mut self, path: &Sp<String>) -> Option<Vec<u8>> {
        let source = self.context.map.source_at(path.span.start);
        if path.v.trim().is_empty() {
            self.sink.error(
                Some(path.span),
                "layout.dxf",
                "the drawing's path must not be empty",
            );
            return None;
        }
        if source.is_some_and(|s| s.name.starts_with(builtin::PREFIX)) {
            if let Some(bytes) = builtin::builtin_file(&path.v) {
                return Some(bytes.to_vec());
            }
        }
        let full = match source.and_then(|s| s.dir.as_deref()) {
            Some(dir) => dir.join(&path.v),
            None => std::path::PathBuf::from(&path.v),
        };
        match crate::scenario::read_bounded_bytes(&full, MAX_DXF_BYTES) {
            Ok(bytes) => Some(bytes),
            Err(e) => {
                self.sink.error(
                    Some(path.span),
                    "layout.dxf",
                    format!("cannot read the drawing `{}`: {e}", full.display()),
                );
                None
            }
        }
    }

    /// The drawing's points and aisles merged with the scenario's.
    fn merge(&mut self, raw: &RawLayout, drawn: DrawnLayout, path: &Sp<String>) -> Drawing {
        let span = path.span;
        let written: Vec<RawPoint> = match &raw.points {
            Field::Ok(points) => points.v.clone(),
            _ => Vec::new(),
        };
        let mut ok = true;
        let toml_size = raw.size.ok().map(|size| size.v.each_ref().map(|side| side.v));
        if toml_size.is_none() && drawn.size.iter().any(|side| *side > MAX_LENGTH) {
            self.sink.error(
                Some(span),
                "layout.dxf",
                format!(
                    "{}: the drawing spans {} m × {} m in {}, more than a floor's {MAX_LENGTH} m: are its units \
                     right? (set them in the drawing or with dxf_units)",
                    path.v,
                    drawn.size[0],
                    drawn.size[1],
                    drawn.units.symbol()
                ),
            );
            ok = false;
        }
        if toml_size.is_none() && drawn.size.iter().any(|side| *side <= 0.0) {
            self.sink.error(
                Some(span),
                "layout.dxf",
                format!(
                    "{}: the drawing spans {} m × {} m from [0, 0]: a floor needs both sides above 0; give it with \
                     size = [x, y]",
                    path.v, drawn.size[0], drawn.size[1]
                ),
            );
            ok = false;
        }
        let mut points = Vec::with_capacity(drawn.points.len() + written.len());
        let mut unnamed = Vec::new();
        for point in &drawn.points {
            if let Some(mine) = written.iter().find(|p| p.name.v == point.name) {
                points.push(mine.clone());
                continue;
            }
            if let Some([width, height]) = toml_size {
                let [x, y] = point.at;
                if !(0.0..=width).contains(&x) || !(0.0..=height).contains(&y) {
                    self.sink.error(
                        Some(span),
                        "layout.dxf",
                        format!(
                            "{}: {} has point `{}` at [{x}, {y}] m, outside the layout's size [{width}, {height}]",
                            path.v, point.entity, point.name
                        ),
                    );
                    ok = false;
                }
            }
            if !point.labelled {
                unnamed.push(point.name.clone());
            }
            let at = |v: f64| Sp { v, span };
            points.push(RawPoint {
                name: Sp {
                    v: point.name.clone(),
                    span,
                },
                at: Field::Ok(Sp {
                    v: point.at.map(at),
                    span,
                }),
            });
        }
        let drawn_names: HashSet<&str> = drawn.points.iter().map(|p| p.name.as_str()).collect();
        points.extend(
            written
                .iter()
                .filter(|p| !drawn_names.contains(p.name.v.as_str()))
                .cloned(),
        );
        // Aisles the scenario writes win over the drawing's between the same points.
        let mut joined: HashSet<(&str, &str)> = HashSet::new();
        for list in [&raw.aisles, &raw.one_way] {
            for aisle in list.ok().map_or(&[][..], |l| l.v.as_slice()) {
                if let Field::Ok(ends) = &aisle.ends {
                    let [a, b] = &ends.v;
                    joined.insert((a.v.as_str(), b.v.as_str()));
                    joined.insert((b.v.as_str(), a.v.as_str()));
                }
            }
        }
        let mut two_way = Vec::new();
        let mut one_way = Vec::new();
        for aisle in &drawn.aisles {
            let (a, b) = (&drawn.points[aisle.from].name, &drawn.points[aisle.to].name);
            if joined.contains(&(a.as_str(), b.as_str())) {
                continue;
            }
            let name = |v: &String| Sp { v: v.clone(), span };
            let raw_aisle = RawAisle {
                label: format!("layout.dxf ({})", aisle.entity),
                ends: Field::Ok(Sp {
                    v: [name(a), name(b)],
                    span,
                }),
            };
            if aisle.one_way {
                one_way.push(raw_aisle);
            } else {
                two_way.push(raw_aisle);
            }
        }
        let with = |mut drawn: Vec<RawAisle>, written: &Field<Vec<RawAisle>>| match written {
            Field::Ok(list) => {
                drawn.extend(list.v.iter().cloned());
                Field::Ok(Sp {
                    v: drawn,
                    span: list.span,
                })
            }
            Field::Missing => Field::Ok(Sp { v: drawn, span }),
            Field::Invalid => Field::Invalid,
        };
        if !ok {
            return Drawing::Failed;
        }
        let count = unnamed.len();
        let note = match (unnamed.first(), unnamed.last()) {
            (Some(first), Some(last)) if count > 1 => {
                format!(
                    "the {count} unnamed vertices of the drawing {} ({first} to {last})",
                    path.v
                )
            }
            (Some(only), _) => format!("the unnamed vertex {only} of the drawing {}", path.v),
            _ => String::new(),
        };
        Drawing::Merged(Box::new(Merged {
            raw: RawLayout {
                key_span: raw.key_span,
                size: match &raw.size {
                    Field::Missing => Field::Ok(Sp {
                        v: drawn.size.map(|v| Sp { v, span }),
                        span,
                    }),
                    size => size.clone(),
                },
                points: match &raw.points {
                    Field::Invalid => Field::Invalid,
                    _ => Field::Ok(Sp { v: points, span }),
                },
                aisles: with(two_way, &raw.aisles),
                one_way: with(one_way, &raw.one_way),
                dxf: raw.dxf.clone(),
                dxf_layers: Field::Missing,
                dxf_snap: raw.dxf_snap.clone(),
                dxf_units: raw.dxf_units.clone(),
                zone_length: raw.zone_length.clone(),
            },
            unnamed,
            note,
        }))
    }
}
