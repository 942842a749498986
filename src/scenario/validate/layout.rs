//! `[layout]`: the floor's size, its named points (inside it) and the
//! aisles between them, merged with those of a drawing (`drawing.rs`); and
//! references to points from elsewhere.

use super::drawing::Drawing;
use super::units::parse_length;
use super::{last, Names, Validator};
use crate::model::{Layout, PointId, MAX_POINTS};
use crate::scenario::diag::Span;
use crate::scenario::raw::{Field, RawAisle, RawLayout, RawPoint, Sp};
use std::collections::HashMap;

/// The largest side of a layout, in metres.
pub(crate) const MAX_LENGTH: f64 = 100_000.0;

/// What `[layout]` gave: its point names (for references, even when the
/// layout itself is wrong) and the layout built from it.
pub(super) struct Floor {
    /// Whether `[layout]` was written (well-formed or not).
    pub written: bool,
    /// Written, but not as a table (reported): references to points are
    /// not checked.
    pub broken: bool,
    pub points: Names,
    pub has_aisles: bool,
    /// `Some(None)`: no layout; `None`: a layout with errors.
    pub layout: Option<Option<Layout>>,
}

impl Floor {
    /// The floor's size, when the layout is valid.
    pub fn size(&self) -> Option<[f64; 2]> {
        match &self.layout {
            Some(Some(layout)) => Some(layout.size),
            _ => None,
        }
    }
}

/// Whether `[x, y]` lies on a floor of `size`.
pub(super) fn inside([x, y]: [f64; 2], [width, height]: [f64; 2]) -> bool {
    (0.0..=width).contains(&x) && (0.0..=height).contains(&y)
}

impl Validator<'_, '_> {
    /// A reference to a point of `[layout]`.
    pub(super) fn point(&mut self, floor: &Floor, name: &Sp<String>, key: &str) -> Option<PointId> {
        if !floor.written {
            let bare = !name.v.is_empty()
                && name
                    .v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            let example = if bare { name.v.as_str() } else { "weld" };
            self.sink.error(
                Some(name.span),
                key,
                format!(
                    "`{}` names a point of [layout], but the scenario has no [layout]; add one, e.g. [layout] size = [100, 50] points = {{ {example} = [10, 10] }}",
                    last(key)
                ),
            );
            return None;
        }
        if floor.broken {
            return None;
        }
        floor.points.resolve(self, name, key, "")
    }

    /// `[layout]`: size, points inside it, aisles between known points.
    pub(super) fn layout(&mut self, field: &Field<RawLayout>) -> Floor {
        let mut points = Names::new("point", "points");
        let raw = match field {
            Field::Ok(raw) => &raw.v,
            Field::Missing | Field::Invalid => {
                let invalid = matches!(field, Field::Invalid);
                return Floor {
                    written: invalid,
                    broken: invalid,
                    points,
                    has_aisles: false,
                    layout: if invalid { None } else { Some(None) },
                };
            }
        };
        let merged = match self.drawing(raw) {
            Drawing::None => None,
            Drawing::Failed => {
                return Floor {
                    written: true,
                    broken: true,
                    points,
                    has_aisles: false,
                    layout: None,
                }
            }
            Drawing::Merged(merged) => Some(*merged),
        };
        let raw = merged.as_ref().map_or(raw, |m| &m.raw);
        let mut ok = true;
        let size = self.floor_size(raw);
        let raw_points = match &raw.points {
            Field::Ok(list) => {
                if list.v.len() > MAX_POINTS {
                    self.sink.error(
                        Some(list.span),
                        "layout.points",
                        format!(
                            "a layout holds at most {MAX_POINTS} points, found {}",
                            list.v.len()
                        ),
                    );
                    ok = false;
                }
                list.v.as_slice()
            }
            Field::Missing => &[],
            Field::Invalid => {
                ok = false;
                &[]
            }
        };
        let coords = self.points(raw_points, size, &mut points, &mut ok);
        if let Some(merged) = &merged {
            points.unlist(&merged.unnamed, &merged.note);
        }
        let (aisles, has_aisles) = self.aisles(raw, &points, &mut ok);
        let zone_length = self.zone_length(raw, &mut ok);
        let layout = match size.filter(|_| ok) {
            Some(size) => {
                let named = raw_points
                    .iter()
                    .zip(coords)
                    .map(|(point, at)| (point.name.v.clone(), at))
                    .collect();
                match Layout::new(size, named, &aisles, zone_length) {
                    Ok(layout) => Some(Some(layout)),
                    Err(message) => {
                        self.sink.error(Some(raw.key_span), "layout", message);
                        None
                    }
                }
            }
            None => None,
        };
        Floor {
            written: true,
            broken: false,
            points,
            has_aisles,
            layout,
        }
    }

    /// `zone_length`: a length above 0 and at most [`MAX_LENGTH`]; `ok`
    /// cleared on a problem.
    fn zone_length(&mut self, raw: &RawLayout, ok: &mut bool) -> Option<f64> {
        let key = "layout.zone_length";
        let text = match &raw.zone_length {
            Field::Ok(text) => text,
            Field::Missing => return None,
            Field::Invalid => {
                *ok = false;
                return None;
            }
        };
        let length = self.parsed(&text.v.value, text.span, key, |t| parse_length(t, MAX_LENGTH));
        match length {
            Some(metres) if metres > 0.0 => Some(metres),
            Some(_) => {
                self.sink.error(
                    Some(text.span),
                    key,
                    format!("zone_length must be longer than 0, found \"{}\"", text.v.value),
                );
                *ok = false;
                None
            }
            None => {
                *ok = false;
                None
            }
        }
    }

    /// `size`: two lengths above 0 and at most [`MAX_LENGTH`].
    fn floor_size(&mut self, raw: &RawLayout) -> Option<[f64; 2]> {
        match &raw.size {
            Field::Ok(size) => {
                let mut good = true;
                for side in &size.v {
                    if !(side.v > 0.0 && side.v <= MAX_LENGTH) {
                        self.sink.error(
                            Some(side.span),
                            "layout.size",
                            format!(
                                "size must be two lengths above 0 and at most {MAX_LENGTH} (metres), found {}",
                                side.v
                            ),
                        );
                        good = false;
                    }
                }
                good.then(|| size.v.each_ref().map(|side| side.v))
            }
            Field::Missing => {
                self.sink.error(
                    Some(raw.key_span),
                    "layout.size",
                    "missing `size` (the floor in metres; points lie from [0, 0] to it), e.g. size = [120, 60]",
                );
                None
            }
            Field::Invalid => None,
        }
    }

    /// The points' names, recorded in `names`, and their coordinates, each
    /// on the floor; `ok` cleared on any problem.
    fn points(
        &mut self,
        raw_points: &[RawPoint],
        size: Option<[f64; 2]>,
        names: &mut Names,
        ok: &mut bool,
    ) -> Vec<[f64; 2]> {
        let mut coords = Vec::with_capacity(raw_points.len());
        for (i, point) in raw_points.iter().enumerate() {
            let key = format!("layout.points.{}", point.name.v);
            if point.name.v.trim().is_empty() {
                self.sink
                    .error(Some(point.name.span), &key, "a point's name must not be empty");
                *ok = false;
            } else {
                names.insert(&point.name.v, i, point.name.span);
            }
            let Field::Ok(at) = &point.at else {
                *ok = false;
                coords.push([0.0, 0.0]);
                continue;
            };
            let [x, y] = at.v.each_ref().map(|c| c.v);
            if let Some(size @ [width, height]) = size {
                if !inside([x, y], size) {
                    self.sink.error(
                        Some(at.span),
                        &key,
                        format!(
                            "point `{}` at [{x}, {y}] is outside the layout: coordinates go from 0 to the size [{width}, {height}]",
                            point.name.v
                        ),
                    );
                    *ok = false;
                }
            }
            coords.push([x, y]);
        }
        coords
    }

    /// `aisles` and `one_way`: pairs of known, different points, each pair
    /// once; and whether any aisle was written.
    fn aisles(
        &mut self,
        raw: &RawLayout,
        points: &Names,
        ok: &mut bool,
    ) -> (Vec<(PointId, PointId, bool)>, bool) {
        let mut aisles = Vec::new();
        // Two-way aisles by their unordered ends; one-way aisles by their
        // direction (a one-way pair a -> b and b -> a is two lanes).
        let mut seen: HashMap<(PointId, PointId, bool), Span> = HashMap::new();
        let mut lists: Vec<(&[RawAisle], bool)> = Vec::new();
        for (field, one_way) in [(&raw.aisles, false), (&raw.one_way, true)] {
            match field {
                Field::Ok(list) => lists.push((list.v.as_slice(), one_way)),
                Field::Missing => {}
                Field::Invalid => *ok = false,
            }
        }
        let written = lists.iter().any(|(list, _)| !list.is_empty());
        for (list, one_way) in lists {
            for aisle in list {
                let Field::Ok(ends) = &aisle.ends else {
                    *ok = false;
                    continue;
                };
                let [from, to] = &ends.v;
                let a = points.resolve(self, from, &aisle.label, " in aisle");
                let b = points.resolve(self, to, &aisle.label, " in aisle");
                let (Some(a), Some(b)) = (a, b) else {
                    *ok = false;
                    continue;
                };
                if a == b {
                    self.sink.error(
                        Some(ends.span),
                        &aisle.label,
                        format!(
                            "an aisle must join two different points, found [\"{}\", \"{}\"]",
                            from.v, to.v
                        ),
                    );
                    *ok = false;
                    continue;
                }
                let unordered = (a.min(b), a.max(b), false);
                let key = if one_way { (a, b, true) } else { unordered };
                let clash = seen.get(&key).or_else(|| seen.get(&unordered)).or_else(|| {
                    if one_way {
                        None
                    } else {
                        seen.get(&(a, b, true)).or_else(|| seen.get(&(b, a, true)))
                    }
                });
                if let Some(first) = clash {
                    let at = self.context.map.describe(first.start);
                    self.sink.error(
                        Some(ends.span),
                        &aisle.label,
                        format!(
                            "duplicate aisle between `{}` and `{}`; the first is at {at}",
                            from.v, to.v
                        ),
                    );
                    *ok = false;
                    continue;
                }
                seen.insert(key, ends.span);
                aisles.push((a, b, one_way));
            }
        }
        (aisles, written)
    }
}
