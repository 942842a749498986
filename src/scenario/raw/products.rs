//! `[[product]]` and its route steps: their keys, raw structs and readers.

use super::keys::{keys, written_keys, Key, Ty};
use super::people::{read_operators, OPERATORS, OPERATORS_TABLE};
use super::values::{last, TextKind, Value};
use super::{Field, RawOperators, Sp, NOT_YET};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Node, Str};

keys! {
    pub(crate) enum ProductKey in PRODUCT, heading "`[[product]]`", table "product" {
        Name = "name": Ty::Word, default "required", "unique";
        Release = "release": Ty::Text(TextKind::Dist), default "required", "time between releases into the plant, `\"pull\"` or `\"conwip(N)\"`";
        Route = "route": Ty::Steps(&STEP), default "required", "station names, or step tables (below)";
    }
}

keys! {
    /// A route step written as a table, `{ station = "weld", ... }`.
    pub(crate) enum StepKey in STEP, heading "Route steps", table "route" {
        Station = "station": Ty::Word, default "required", "the station of this step";
        Process = "process": Ty::Text(TextKind::Dist), default "the station's", "process time of this step";
        Parts = "parts": Ty::Word, default "none", "the station calls an AGV to bring a parts kit from the warehouse";
        Assemble = "assemble": Ty::Names("[\"boom\", \"pump_unit\"]"), default "none", "sub-assemblies the step waits for and consumes";
        Operators = "operators": Ty::Table(&OPERATORS), default "the station's", "operators the step needs for its setup and processing";
    }
}

#[derive(Debug, Default)]
pub(crate) struct RawProduct {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub release: Field<Str>,
    pub route: Field<Vec<RawStep>>,
}

#[derive(Debug, Default)]
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
    pub operators: Field<RawOperators>,
}

pub(super) fn read_product(sink: &mut Sink, entries: &[Entry], span: Span, label: String) -> RawProduct {
    let mut product = RawProduct::default();
    for (key, value) in written_keys::<ProductKey>(sink, entries, &label) {
        match key {
            ProductKey::Name => product.name = value.string(sink),
            ProductKey::Release => {
                let release = value.text(sink);
                product.release = refuse_unsupported_value::<ProductKey>(sink, release, &value.path);
            }
            ProductKey::Route => product.route = read_route(sink, &value),
        }
    }
    RawProduct {
        label,
        span,
        ..product
    }
}

/// `route = ["cut", { station = "weld", ... }]`.
fn read_route(sink: &mut Sink, value: &Value<'_>) -> Field<Vec<RawStep>> {
    let Some(items) = value.items(sink, "an array of station names like [\"cut\", \"weld\"]") else {
        return Field::Invalid;
    };
    let steps = items
        .iter()
        .enumerate()
        .map(|(i, item)| read_step(sink, item, format!("{}[{}]", value.path, i + 1)))
        .collect();
    Field::Ok(Sp {
        v: steps,
        span: value.node.span,
    })
}

fn read_step(sink: &mut Sink, item: &Node, label: String) -> RawStep {
    match &item.kind {
        Kind::Str(station) => RawStep {
            station: Field::Ok(Sp {
                v: station.value.clone(),
                span: item.span,
            }),
            label,
            ..RawStep::default()
        },
        Kind::Table(entries) => {
            let mut step = RawStep {
                is_table: true,
                ..RawStep::default()
            };
            for (key, value) in written_keys::<StepKey>(sink, entries, &label) {
                match key {
                    StepKey::Station => step.station = value.string(sink),
                    StepKey::Process => step.process = value.text(sink),
                    StepKey::Parts => step.parts = value.string(sink),
                    StepKey::Assemble => step.assemble = value.names(sink),
                    StepKey::Operators => {
                        step.operators = value.table(sink, OPERATORS_TABLE, |sink, entries, _| {
                            read_operators(sink, entries, &value.path)
                        })
                    }
                }
            }
            if matches!(step.station, Field::Missing) {
                sink.error(
                    Some(item.span),
                    &label,
                    "a route step table needs `station`, e.g. { station = \"weld\", process = \"exp(5min)\" }",
                );
                step.station = Field::Invalid;
            }
            RawStep { label, ..step }
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
                label,
                ..RawStep::default()
            }
        }
    }
}

/// Refuses the values of [`NOT_YET`] for a key of `K`'s section (such as
/// `release = "pull"` once was).
fn refuse_unsupported_value<K: Key>(sink: &mut Sink, field: Field<Str>, path: &str) -> Field<Str> {
    if let Field::Ok(text) = &field {
        let key = last(path);
        if let Some(not_yet) = NOT_YET
            .iter()
            .find(|n| n.table == K::SECTION.table && n.key == key && n.value == Some(text.v.value.as_str()))
        {
            sink.error(
                Some(text.span),
                path,
                format!(
                    "{} = \"{}\" is not supported yet by this version of factory5g",
                    not_yet.key,
                    not_yet.value.unwrap_or("")
                ),
            );
            return Field::Invalid;
        }
    }
    field
}
