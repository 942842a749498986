//! The readers of one value: a string, a string with a unit, a whole
//! number, a number, a boolean, a pair `[x, y]`, a list of names. Each
//! reports a value of the wrong type (saying what was found and, for a
//! number where a unit was needed, how to write it) and returns
//! [`Field::Invalid`]. A key's [`Value`] reads itself with the type its
//! key table gives.

use super::keys::Ty;
use super::{Field, Pair, Sp};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Node, Str};

/// A key's written value, with the path that names it in messages and
/// the type its key table gives.
pub(super) struct Value<'a> {
    pub node: &'a Node,
    /// Where the key itself was written.
    pub key_span: Span,
    /// `station.weld.servers`.
    pub path: String,
    pub ty: Ty,
}

impl Value<'_> {
    pub fn string(&self, sink: &mut Sink) -> Field<String> {
        string(sink, self.node, &self.path)
    }

    pub fn text(&self, sink: &mut Sink) -> Field<Str> {
        text(sink, self.node, &self.path, self.ty.text_kind())
    }

    pub fn int(&self, sink: &mut Sink) -> Field<i64> {
        scalar(sink, self.node, &self.path, "a whole number", |kind| match kind {
            Kind::Int(i) => Some(*i),
            _ => None,
        })
    }

    pub fn number(&self, sink: &mut Sink) -> Field<f64> {
        scalar(sink, self.node, &self.path, "a number", number_of)
    }

    pub fn boolean(&self, sink: &mut Sink) -> Field<bool> {
        scalar(sink, self.node, &self.path, "true or false", |kind| match kind {
            Kind::Bool(b) => Some(*b),
            _ => None,
        })
    }

    pub fn pair(&self, sink: &mut Sink) -> Field<Pair> {
        pair(sink, self.node, &self.path, self.ty.example())
    }

    pub fn names(&self, sink: &mut Sink) -> Field<Vec<Sp<String>>> {
        string_list(sink, self.node, &self.path, self.ty.example())
    }

    /// A string or a whole number; anything else is reported as "KEY must
    /// be WHAT, found ...".
    pub fn text_or_int(&self, sink: &mut Sink, what: &str) -> Field<TextOrInt> {
        let value = match &self.node.kind {
            Kind::Str(text) => TextOrInt::Text(text.clone()),
            Kind::Int(i) => TextOrInt::Int(*i),
            _ => return wrong_type(sink, self.node, &self.path, what),
        };
        Field::Ok(Sp {
            v: value,
            span: self.node.span,
        })
    }

    /// The items of an array; anything else is reported as "KEY must be
    /// WHAT, found ...".
    pub fn items(&self, sink: &mut Sink, what: &str) -> Option<&[Node]> {
        match &self.node.kind {
            Kind::Array(items) => Some(items),
            _ => {
                let _: Field<()> = wrong_type(sink, self.node, &self.path, what);
                None
            }
        }
    }

    /// A table, read with `read(sink, entries, key span)`; anything else is
    /// reported as "KEY must be WHAT, found ...", where WHAT shows a table
    /// of this key (`a table ([fleet] with agvs, speed and home)`).
    pub fn table<T>(
        &self,
        sink: &mut Sink,
        what: &str,
        read: impl FnOnce(&mut Sink, &[Entry], Span) -> T,
    ) -> Field<T> {
        match self.node.entries() {
            Some(entries) => Field::Ok(Sp {
                v: read(sink, entries, self.key_span),
                span: self.node.span,
            }),
            None => wrong_type(sink, self.node, &self.path, what),
        }
    }
}

/// A value written as a string or as a whole number (`sr_period = "1ms"` or
/// `4` slots, `survival = "50ms"` or `2` periods).
#[derive(Clone, Debug)]
pub(crate) enum TextOrInt {
    Text(Str),
    Int(i64),
}

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

/// Reports a value of the wrong type: "KEY must be WHAT, found ...".
fn wrong_type<T>(sink: &mut Sink, node: &Node, path: &str, what: &str) -> Field<T> {
    sink.error(
        Some(node.span),
        path,
        format!("{} must be {what}, found {}", last(path), node.describe()),
    );
    Field::Invalid
}

/// A value of one TOML type, picked out of the node by `pick`; any other is
/// reported as "KEY must be WHAT, found ...".
fn scalar<T>(
    sink: &mut Sink,
    node: &Node,
    path: &str,
    what: &str,
    pick: impl Fn(&Kind) -> Option<T>,
) -> Field<T> {
    match pick(&node.kind) {
        Some(v) => Field::Ok(Sp { v, span: node.span }),
        None => wrong_type(sink, node, path, what),
    }
}

pub(super) fn string(sink: &mut Sink, node: &Node, path: &str) -> Field<String> {
    scalar(sink, node, path, "a string", |kind| match kind {
        Kind::Str(s) => Some(s.value.clone()),
        _ => None,
    })
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
    /// A length with its unit, `"0.5m"`.
    Length,
}

pub(super) fn text(sink: &mut Sink, n: &Node, path: &str, kind: TextKind) -> Field<Str> {
    match &n.kind {
        Kind::Str(s) => Field::Ok(Sp {
            v: s.clone(),
            span: n.span,
        }),
        _ => {
            let expected = match kind {
                TextKind::Duration => "a duration string like \"30s\"",
                TextKind::Dist => "a distribution string like \"exp(30s)\" or a duration like \"30s\"",
                TextKind::Speed => "a speed string like \"1.5m/s\" or \"5.4km/h\"",
                TextKind::Size => "a size string like \"100B\" or \"1.5kB\"",
                TextKind::Rate => "a rate string like \"20Mbps\" or \"500kbps\"",
                TextKind::Stop => "a string like \"stop(10s)\"",
                TextKind::Length => "a length string like \"0.5m\" or \"500mm\"",
            };
            let units = match kind {
                TextKind::Speed => Some(("speeds", "m/s")),
                TextKind::Size => Some(("sizes", "B")),
                TextKind::Rate => Some(("rates", "Mbps")),
                TextKind::Duration | TextKind::Dist => Some(("durations", "s")),
                TextKind::Length => Some(("lengths", "m")),
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

/// A number, integer or float.
pub(super) fn number_of(kind: &Kind) -> Option<f64> {
    match *kind {
        Kind::Int(i) => Some(i as f64),
        Kind::Float(x) => Some(x),
        _ => None,
    }
}

/// Two numbers `[x, y]` (metres); `example` shows the form in messages.
pub(super) fn pair(sink: &mut Sink, n: &Node, path: &str, example: &str) -> Field<Pair> {
    let found = match &n.kind {
        Kind::Array(items) if items.len() == 2 => {
            let x = items
                .first()
                .and_then(|i| number_of(&i.kind).map(|v| Sp { v, span: i.span }));
            let y = items
                .get(1)
                .and_then(|i| number_of(&i.kind).map(|v| Sp { v, span: i.span }));
            if let (Some(x), Some(y)) = (x, y) {
                return Field::Ok(Sp {
                    v: [x, y],
                    span: n.span,
                });
            }
            let bad = items.iter().find(|i| number_of(&i.kind).is_none()).unwrap_or(n);
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
pub(super) fn string_list(sink: &mut Sink, n: &Node, path: &str, example: &str) -> Field<Vec<Sp<String>>> {
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
