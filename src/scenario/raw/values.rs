//! The readers of one value: a string, a string with a unit, a whole
//! number, a number, a boolean, a pair `[x, y]`, a list of names. Each
//! reports a value of the wrong type (saying what was found and, for a
//! number where a unit was needed, how to write it) and returns
//! [`Field::Invalid`].

use super::{Field, Pair, Sp};
use crate::scenario::diag::Sink;
use crate::scenario::tree::{Kind, Node, Str};

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The last key of a path, as the subject of messages.
pub(crate) fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

pub(super) fn string(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<String> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Str(s),
            span,
        }) => Field::Ok(Sp {
            v: s.value.clone(),
            span: *span,
        }),
        Some(n) => {
            sink.error(
                Some(n.span),
                path,
                format!("{} must be a string, found {}", last(path), n.describe()),
            );
            Field::Invalid
        }
    }
}

/// What a string of some kind should look like, for type errors.
#[derive(Copy, Clone, Debug)]
pub(crate) enum TextKind {
    Duration,
    Dist,
    Speed,
    Size,
    Rate,
    /// `on_violation = "stop(10s)"`.
    Stop,
}

pub(super) fn text(sink: &mut Sink, node: Option<&Node>, path: &str, kind: TextKind) -> Field<Str> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Str(s),
            span,
        }) => Field::Ok(Sp {
            v: s.clone(),
            span: *span,
        }),
        Some(n) => {
            let expected = match kind {
                TextKind::Duration => "a duration string like \"30s\"",
                TextKind::Dist => "a distribution string like \"exp(30s)\" or a duration like \"30s\"",
                TextKind::Speed => "a speed string like \"1.5m/s\" or \"5.4km/h\"",
                TextKind::Size => "a size string like \"100B\" or \"1.5kB\"",
                TextKind::Rate => "a rate string like \"20Mbps\" or \"500kbps\"",
                TextKind::Stop => "a string like \"stop(10s)\"",
            };
            let units = match kind {
                TextKind::Speed => Some(("speeds", "m/s")),
                TextKind::Size => Some(("sizes", "B")),
                TextKind::Rate => Some(("rates", "Mbps")),
                TextKind::Duration | TextKind::Dist => Some(("durations", "s")),
                TextKind::Stop => None,
            };
            let hint = match (&n.kind, units) {
                (Kind::Int(i), Some((what, unit))) => {
                    format!("; {what} need a unit in a string, e.g. \"{i}{unit}\"")
                }
                (Kind::Float(x), Some((what, unit))) if x.is_finite() => {
                    format!("; {what} need a unit in a string, e.g. \"{x}{unit}\"")
                }
                _ => String::new(),
            };
            sink.error(
                Some(n.span),
                path,
                format!("expected {expected}, found {}{hint}", n.describe()),
            );
            Field::Invalid
        }
    }
}

pub(super) fn int(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<i64> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Int(i),
            span,
        }) => Field::Ok(Sp { v: *i, span: *span }),
        Some(n) => {
            sink.error(
                Some(n.span),
                path,
                format!("{} must be a whole number, found {}", last(path), n.describe()),
            );
            Field::Invalid
        }
    }
}

pub(super) fn boolean(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<bool> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Bool(b),
            span,
        }) => Field::Ok(Sp { v: *b, span: *span }),
        Some(n) => {
            sink.error(
                Some(n.span),
                path,
                format!("{} must be true or false, found {}", last(path), n.describe()),
            );
            Field::Invalid
        }
    }
}

/// A number, integer or float.
pub(super) fn number(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<f64> {
    match node {
        None => Field::Missing,
        Some(n) => match number_of(n) {
            Some(x) => Field::Ok(Sp { v: x, span: n.span }),
            None => {
                sink.error(
                    Some(n.span),
                    path,
                    format!("{} must be a number, found {}", last(path), n.describe()),
                );
                Field::Invalid
            }
        },
    }
}

pub(super) fn number_of(n: &Node) -> Option<f64> {
    match n.kind {
        Kind::Int(i) => Some(i as f64),
        Kind::Float(x) => Some(x),
        _ => None,
    }
}

/// Two numbers `[x, y]` (metres); `example` shows the form in messages.
pub(super) fn pair(sink: &mut Sink, node: Option<&Node>, path: &str, example: &str) -> Field<Pair> {
    let Some(n) = node else {
        return Field::Missing;
    };
    let found = match &n.kind {
        Kind::Array(items) if items.len() == 2 => {
            let x = items
                .first()
                .and_then(|i| number_of(i).map(|v| Sp { v, span: i.span }));
            let y = items
                .get(1)
                .and_then(|i| number_of(i).map(|v| Sp { v, span: i.span }));
            if let (Some(x), Some(y)) = (x, y) {
                return Field::Ok(Sp {
                    v: [x, y],
                    span: n.span,
                });
            }
            let bad = items.iter().find(|i| number_of(i).is_none()).unwrap_or(n);
            let hint = match &bad.kind {
                Kind::Str(_) => "; lengths are plain numbers of metres, without a unit",
                _ => "",
            };
            format!("{}{hint}", bad.describe())
        }
        Kind::Array(items) => format!("an array of {} values", items.len()),
        _ => n.describe(),
    };
    sink.error(
        Some(n.span),
        path,
        format!(
            "{} must be two numbers [x, y] in metres, e.g. {example}, found {found}",
            last(path)
        ),
    );
    Field::Invalid
}

/// An array of strings (names); `example` shows the form in messages.
pub(super) fn string_list(
    sink: &mut Sink,
    node: Option<&Node>,
    path: &str,
    example: &str,
) -> Field<Vec<Sp<String>>> {
    let Some(n) = node else {
        return Field::Missing;
    };
    let Kind::Array(items) = &n.kind else {
        sink.error(
            Some(n.span),
            path,
            format!(
                "{} must be an array of names like {example}, found {}",
                last(path),
                n.describe()
            ),
        );
        return Field::Invalid;
    };
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match &item.kind {
            Kind::Str(s) => out.push(Sp {
                v: s.value.clone(),
                span: item.span,
            }),
            _ => {
                sink.error(
                    Some(item.span),
                    path,
                    format!(
                        "{} must be an array of names like {example}, found {} in it",
                        last(path),
                        item.describe()
                    ),
                );
                ok = false;
            }
        }
    }
    if ok {
        Field::Ok(Sp { v: out, span: n.span })
    } else {
        Field::Invalid
    }
}
