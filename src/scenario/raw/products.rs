//! `[[product]]`, read, with its route steps.

use super::values::{join, last, string, string_list, text, TextKind};
use super::{check_keys, Field, Sp, NOT_YET, PRODUCT_KEYS, STEP_KEYS};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Node, Str};

#[derive(Debug)]
pub(crate) struct RawProduct {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub release: Field<Str>,
    pub route: Field<Vec<RawStep>>,
}

#[derive(Debug)]
pub(crate) struct RawStep {
    /// `product.NAME.route[I]` (1-based).
    pub label: String,
    /// Written as a table `{ station = ..., process = ... }`.
    pub is_table: bool,
    pub station: Field<String>,
    pub process: Field<Str>,
    /// `parts = "kit"` (any string here; the value is checked later).
    pub parts: Field<String>,
    /// `assemble = ["boom", ...]`: product names.
    pub assemble: Field<Vec<Sp<String>>>,
}

pub(super) fn read_product(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawProduct {
    check_keys(sink, e, "product", PRODUCT_KEYS, &label);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let p = |k: &str| join(&label, k);
    let release = text(sink, get("release"), &p("release"), TextKind::Dist);
    let release = refuse_unsupported_value(sink, release, "product", &p("release"));
    let route = match get("route") {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Array(items),
            span,
        }) => {
            let steps = items
                .iter()
                .enumerate()
                .map(|(i, item)| read_step(sink, item, format!("{label}.route[{}]", i + 1)))
                .collect();
            Field::Ok(Sp {
                v: steps,
                span: *span,
            })
        }
        Some(n) => {
            sink.error(
                Some(n.span),
                &p("route"),
                format!(
                    "route must be an array of station names like [\"cut\", \"weld\"], found {}",
                    n.describe()
                ),
            );
            Field::Invalid
        }
    };
    RawProduct {
        span,
        name: string(sink, get("name"), &p("name")),
        release,
        route,
        label,
    }
}

fn read_step(sink: &mut Sink, item: &Node, label: String) -> RawStep {
    match &item.kind {
        Kind::Str(s) => RawStep {
            station: Field::Ok(Sp {
                v: s.value.clone(),
                span: item.span,
            }),
            process: Field::Missing,
            parts: Field::Missing,
            assemble: Field::Missing,
            is_table: false,
            label,
        },
        Kind::Table(e) => {
            check_keys(sink, e, "route", STEP_KEYS, &label);
            let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
            let station = match get("station") {
                None => {
                    sink.error(
                        Some(item.span),
                        &label,
                        "a route step table needs `station`, e.g. { station = \"weld\", process = \"exp(5min)\" }",
                    );
                    Field::Invalid
                }
                n => string(sink, n, &join(&label, "station")),
            };
            RawStep {
                station,
                process: text(sink, get("process"), &join(&label, "process"), TextKind::Dist),
                parts: string(sink, get("parts"), &join(&label, "parts")),
                assemble: string_list(
                    sink,
                    get("assemble"),
                    &join(&label, "assemble"),
                    "[\"boom\", \"pump_unit\"]",
                ),
                is_table: true,
                label,
            }
        }
        _ => {
            sink.error(
                Some(item.span),
                &label,
                format!(
                    "a route step must be a station name or a table {{ station = NAME, process = DIST }}, found {}",
                    item.describe()
                ),
            );
            RawStep {
                station: Field::Invalid,
                process: Field::Missing,
                parts: Field::Missing,
                assemble: Field::Missing,
                is_table: false,
                label,
            }
        }
    }
}

/// Refuses the values of [`NOT_YET`] (such as `release = "pull"`).
fn refuse_unsupported_value(sink: &mut Sink, field: Field<Str>, table: &str, path: &str) -> Field<Str> {
    if let Field::Ok(s) = &field {
        let key = last(path);
        if let Some(n) = NOT_YET
            .iter()
            .find(|n| n.table == table && n.key == key && n.value == Some(s.v.value.as_str()))
        {
            sink.error(
                Some(s.span),
                path,
                format!(
                    "{} = \"{}\" is not supported yet by this version of factory5g",
                    n.key,
                    n.value.unwrap_or("")
                ),
            );
            return Field::Invalid;
        }
    }
    field
}
