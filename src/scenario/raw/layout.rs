//! `[layout]`, read: its size, named points and aisles.

use super::values::pair;
use super::{check_keys, Field, Sp, LAYOUT_KEYS};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Node};

/// Two numbers `[x, y]`, each with its span.
pub(crate) type Pair = [Sp<f64>; 2];

#[derive(Debug)]
pub(crate) struct RawLayout {
    /// Where `layout` was written (the `[layout]` header's key).
    pub key_span: Span,
    pub size: Field<Pair>,
    pub points: Field<Vec<RawPoint>>,
    pub aisles: Field<Vec<RawAisle>>,
    /// Aisles driven only from their first point to their second.
    pub one_way: Field<Vec<RawAisle>>,
}

#[derive(Debug)]
pub(crate) struct RawPoint {
    /// The key naming the point.
    pub name: Sp<String>,
    pub at: Field<Pair>,
}

#[derive(Debug)]
pub(crate) struct RawAisle {
    /// `layout.aisles[I]` (1-based).
    pub label: String,
    /// The two point names; `Invalid` when not a pair of strings (reported).
    pub ends: Field<[Sp<String>; 2]>,
}

pub(super) fn read_layout(sink: &mut Sink, e: &[Entry], key_span: Span) -> RawLayout {
    check_keys(sink, e, "layout", LAYOUT_KEYS, "layout");
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let points = match get("points") {
        None => Field::Missing,
        Some(n) => match n.entries() {
            Some(pe) => Field::Ok(Sp {
                v: pe
                    .iter()
                    .map(|p| RawPoint {
                        name: Sp {
                            v: p.key.clone(),
                            span: p.key_span,
                        },
                        at: pair(
                            sink,
                            Some(&p.value),
                            &format!("layout.points.{}", p.key),
                            "weld = [30, 12.5]",
                        ),
                    })
                    .collect(),
                span: n.span,
            }),
            None => {
                sink.error(
                    Some(n.span),
                    "layout.points",
                    format!(
                        "points must be a table of NAME = [x, y] like {{ depot = [0, 0], weld = [30, 10] }}, found {}",
                        n.describe()
                    ),
                );
                Field::Invalid
            }
        },
    };
    let aisle_list = |sink: &mut Sink, key: &str| match get(key) {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Array(items),
            span,
        }) => Field::Ok(Sp {
            v: items
                .iter()
                .enumerate()
                .map(|(i, item)| read_aisle(sink, item, format!("layout.{key}[{}]", i + 1)))
                .collect(),
            span: *span,
        }),
        Some(n) => {
            sink.error(
                Some(n.span),
                &format!("layout.{key}"),
                format!(
                    "{key} must be an array of point pairs like [[\"depot\", \"weld\"], [\"weld\", \"paint\"]], found {}",
                    n.describe()
                ),
            );
            Field::Invalid
        }
    };
    let aisles = aisle_list(sink, "aisles");
    let one_way = aisle_list(sink, "one_way");
    RawLayout {
        key_span,
        size: pair(sink, get("size"), "layout.size", "size = [120, 60]"),
        points,
        aisles,
        one_way,
    }
}

fn read_aisle(sink: &mut Sink, item: &Node, label: String) -> RawAisle {
    let ends = match &item.kind {
        Kind::Array(v) => match v.as_slice() {
            [a @ Node {
                kind: Kind::Str(sa), ..
            }, b @ Node {
                kind: Kind::Str(sb), ..
            }] => Some([
                Sp {
                    v: sa.value.clone(),
                    span: a.span,
                },
                Sp {
                    v: sb.value.clone(),
                    span: b.span,
                },
            ]),
            _ => None,
        },
        _ => None,
    };
    let ends = match ends {
        Some(e) => Field::Ok(Sp {
            v: e,
            span: item.span,
        }),
        None => {
            let found = match &item.kind {
                Kind::Array(v) if v.len() != 2 => format!("an array of {} values", v.len()),
                Kind::Array(v) => v
                    .iter()
                    .find(|x| !matches!(x.kind, Kind::Str(_)))
                    .map_or_else(|| item.describe(), |x| format!("{} in it", x.describe())),
                _ => item.describe(),
            };
            sink.error(
                Some(item.span),
                &label,
                format!("an aisle must be a pair of point names like [\"depot\", \"weld\"], found {found}"),
            );
            Field::Invalid
        }
    };
    RawAisle { label, ends }
}
