//! `[[station]]` (with `failures`) and `[[crew]]`, read.

use super::values::{boolean, int, join, string, text, TextKind};
use super::{check_keys, Field, Sp, CREW_KEYS, FAILURE_KEYS, STATION_KEYS};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Str};

#[derive(Debug)]
pub(crate) struct RawStation {
    /// `station.NAME`, or `station[I]` (1-based) when the name is unusable.
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub at: Field<String>,
    pub servers: Field<i64>,
    pub process: Field<Str>,
    pub setup: Field<Str>,
    pub input_buffer: Field<i64>,
    pub output_buffer: Field<i64>,
    pub robot: Field<bool>,
    pub failures: Field<RawFailures>,
}

#[derive(Debug)]
pub(crate) struct RawFailures {
    pub mtbf: Field<Str>,
    pub mttr: Field<Str>,
    pub crew: Field<String>,
    pub basis: Field<String>,
}

#[derive(Debug)]
pub(crate) struct RawCrew {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub size: Field<i64>,
}

pub(super) fn read_station(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawStation {
    check_keys(sink, e, "station", STATION_KEYS, &label);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let p = |k: &str| join(&label, k);
    let failures = match get("failures") {
        None => Field::Missing,
        Some(n) => match n.entries() {
            Some(fe) => Field::Ok(Sp {
                v: read_failures(sink, fe, &p("failures")),
                span: n.span,
            }),
            None => {
                sink.error(
                    Some(n.span),
                    &p("failures"),
                    format!(
                        "failures must be a table like {{ mtbf = \"exp(8h)\", mttr = \"exp(20min)\" }}, found {}",
                        n.describe()
                    ),
                );
                Field::Invalid
            }
        },
    };
    RawStation {
        span,
        name: string(sink, get("name"), &p("name")),
        at: string(sink, get("at"), &p("at")),
        servers: int(sink, get("servers"), &p("servers")),
        process: text(sink, get("process"), &p("process"), TextKind::Dist),
        setup: text(sink, get("setup"), &p("setup"), TextKind::Dist),
        input_buffer: int(sink, get("input_buffer"), &p("input_buffer")),
        output_buffer: int(sink, get("output_buffer"), &p("output_buffer")),
        robot: boolean(sink, get("robot"), &p("robot")),
        failures,
        label,
    }
}

fn read_failures(sink: &mut Sink, e: &[Entry], path: &str) -> RawFailures {
    check_keys(sink, e, "failures", FAILURE_KEYS, path);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let p = |k: &str| join(path, k);
    RawFailures {
        mtbf: text(sink, get("mtbf"), &p("mtbf"), TextKind::Dist),
        mttr: text(sink, get("mttr"), &p("mttr"), TextKind::Dist),
        crew: string(sink, get("crew"), &p("crew")),
        basis: string(sink, get("basis"), &p("basis")),
    }
}

pub(super) fn read_crew(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawCrew {
    check_keys(sink, e, "crew", CREW_KEYS, &label);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    RawCrew {
        span,
        name: string(sink, get("name"), &join(&label, "name")),
        size: int(sink, get("size"), &join(&label, "size")),
        label,
    }
}
