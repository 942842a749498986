//! `[network]` (with its `fixed`, `empirical` and `nr` sub-tables), read.

use super::values::{int, join, number, pair, string, text, TextKind};
use super::{check_keys, Field, Pair, Sp, BAD_STATE_KEYS, EMPIRICAL_KEYS, FIXED_KEYS, NETWORK_KEYS, NR_KEYS};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Node, Str};

#[derive(Debug)]
pub(crate) struct RawNetwork {
    /// Where `network` was written (the `[network]` header's key).
    pub key_span: Span,
    pub model: Field<String>,
    pub core: Field<Str>,
    pub edge_processing: Field<Str>,
    pub fixed: Field<RawFixed>,
    pub empirical: Field<RawEmpirical>,
    pub nr: Field<RawNr>,
}

#[derive(Debug)]
pub(crate) struct RawFixed {
    /// Where `fixed` was written (`[network.fixed]`).
    pub key_span: Span,
    pub latency: Field<Str>,
    pub loss: Field<f64>,
}

#[derive(Debug)]
pub(crate) struct RawEmpirical {
    pub key_span: Span,
    pub ul: Field<Str>,
    pub dl: Field<Str>,
    pub bad_state: Field<RawBadState>,
}

#[derive(Debug)]
pub(crate) struct RawBadState {
    pub enter: Field<Str>,
    pub leave: Field<Str>,
    pub latency: Field<Str>,
    pub loss: Field<f64>,
}

/// `sr_period`: a string (`"1ms"`, `"4slots"`, `"2sym"`) or a whole number
/// of slots.
#[derive(Clone, Debug)]
pub(crate) enum RawSrPeriod {
    Text(String),
    Slots(i64),
}

#[derive(Debug)]
pub(crate) struct RawNr {
    pub key_span: Span,
    pub scs_khz: Field<i64>,
    pub symbols: Field<i64>,
    pub duplex: Field<String>,
    pub special_split: Field<String>,
    pub ul_access: Field<String>,
    pub sr_period: Field<RawSrPeriod>,
    pub capability: Field<i64>,
    pub harq_max_retx: Field<i64>,
    pub bler_target: Field<f64>,
    pub bandwidth_mhz: Field<i64>,
    pub carrier_ghz: Field<f64>,
    pub channel: Field<String>,
    /// Each gNB's `[x, y]`; `Invalid` when any is not a pair of numbers.
    pub gnb: Field<Vec<Sp<Pair>>>,
    pub tx_power_dbm: Field<f64>,
    pub noise_figure_db: Field<f64>,
    pub interference_margin_db: Field<f64>,
    pub scheduler: Field<String>,
}

fn getter<'e>(e: &'e [Entry]) -> impl Fn(&str) -> Option<&'e Node> + 'e {
    move |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value)
}

/// A sub-table of `[network]` such as `[network.nr]`, read with
/// `read(sink, entries, key span)`.
fn sub_table<T>(
    sink: &mut Sink,
    e: &[Entry],
    key: &str,
    example: &str,
    read: impl FnOnce(&mut Sink, &[Entry], Span) -> T,
) -> Field<T> {
    let Some(entry) = e.iter().find(|x| x.key == key) else {
        return Field::Missing;
    };
    match entry.value.entries() {
        Some(inner) => Field::Ok(Sp {
            v: read(sink, inner, entry.key_span),
            span: entry.value.span,
        }),
        None => {
            sink.error(
                Some(entry.value.span),
                &format!("network.{key}"),
                format!(
                    "{key} must be a table ([network.{key}] {example}), found {}",
                    entry.value.describe()
                ),
            );
            Field::Invalid
        }
    }
}

pub(super) fn read_network(sink: &mut Sink, e: &[Entry], key_span: Span) -> RawNetwork {
    check_keys(sink, e, "network", NETWORK_KEYS, "network");
    let get = getter(e);
    RawNetwork {
        key_span,
        model: string(sink, get("model"), "network.model"),
        core: text(sink, get("core"), "network.core", TextKind::Dist),
        edge_processing: text(
            sink,
            get("edge_processing"),
            "network.edge_processing",
            TextKind::Dist,
        ),
        fixed: sub_table(sink, e, "fixed", "with latency and loss", read_fixed),
        empirical: sub_table(sink, e, "empirical", "with ul and dl", read_empirical),
        nr: sub_table(sink, e, "nr", "with gnb = [[x, y], ...]", read_nr),
    }
}

fn read_fixed(sink: &mut Sink, e: &[Entry], key_span: Span) -> RawFixed {
    check_keys(sink, e, "fixed", FIXED_KEYS, "network.fixed");
    let get = getter(e);
    RawFixed {
        key_span,
        latency: text(sink, get("latency"), "network.fixed.latency", TextKind::Duration),
        loss: number(sink, get("loss"), "network.fixed.loss"),
    }
}

fn read_empirical(sink: &mut Sink, e: &[Entry], key_span: Span) -> RawEmpirical {
    check_keys(sink, e, "empirical", EMPIRICAL_KEYS, "network.empirical");
    let get = getter(e);
    let bad_state = match get("bad_state") {
        None => Field::Missing,
        Some(n) => match n.entries() {
            Some(be) => Field::Ok(Sp {
                v: read_bad_state(sink, be),
                span: n.span,
            }),
            None => {
                sink.error(
                    Some(n.span),
                    "network.empirical.bad_state",
                    format!(
                        "bad_state must be a table like {{ enter = \"exp(10min)\", leave = \"exp(2s)\", latency = \"exp(50ms)\", loss = 0.1 }}, found {}",
                        n.describe()
                    ),
                );
                Field::Invalid
            }
        },
    };
    RawEmpirical {
        key_span,
        ul: text(sink, get("ul"), "network.empirical.ul", TextKind::Dist),
        dl: text(sink, get("dl"), "network.empirical.dl", TextKind::Dist),
        bad_state,
    }
}

fn read_bad_state(sink: &mut Sink, e: &[Entry]) -> RawBadState {
    let path = "network.empirical.bad_state";
    check_keys(sink, e, "bad_state", BAD_STATE_KEYS, path);
    let get = getter(e);
    let p = |k: &str| join(path, k);
    RawBadState {
        enter: text(sink, get("enter"), &p("enter"), TextKind::Dist),
        leave: text(sink, get("leave"), &p("leave"), TextKind::Dist),
        latency: text(sink, get("latency"), &p("latency"), TextKind::Dist),
        loss: number(sink, get("loss"), &p("loss")),
    }
}

fn read_nr(sink: &mut Sink, e: &[Entry], key_span: Span) -> RawNr {
    let path = "network.nr";
    check_keys(sink, e, "nr", NR_KEYS, path);
    let get = getter(e);
    let p = |k: &str| join(path, k);
    let sr_period = match get("sr_period") {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Str(s),
            span,
        }) => Field::Ok(Sp {
            v: RawSrPeriod::Text(s.value.clone()),
            span: *span,
        }),
        Some(Node {
            kind: Kind::Int(i),
            span,
        }) => Field::Ok(Sp {
            v: RawSrPeriod::Slots(*i),
            span: *span,
        }),
        Some(n) => {
            sink.error(
                Some(n.span),
                &p("sr_period"),
                format!(
                    "sr_period must be a string like \"1ms\", \"4slots\" or \"2sym\", or a whole number of slots, found {}",
                    n.describe()
                ),
            );
            Field::Invalid
        }
    };
    RawNr {
        key_span,
        scs_khz: int(sink, get("scs_khz"), &p("scs_khz")),
        symbols: int(sink, get("symbols"), &p("symbols")),
        duplex: string(sink, get("duplex"), &p("duplex")),
        special_split: string(sink, get("special_split"), &p("special_split")),
        ul_access: string(sink, get("ul_access"), &p("ul_access")),
        sr_period,
        capability: int(sink, get("capability"), &p("capability")),
        harq_max_retx: int(sink, get("harq_max_retx"), &p("harq_max_retx")),
        bler_target: number(sink, get("bler_target"), &p("bler_target")),
        bandwidth_mhz: int(sink, get("bandwidth_mhz"), &p("bandwidth_mhz")),
        carrier_ghz: number(sink, get("carrier_ghz"), &p("carrier_ghz")),
        channel: string(sink, get("channel"), &p("channel")),
        gnb: gnbs(sink, get("gnb"), &p("gnb")),
        tx_power_dbm: number(sink, get("tx_power_dbm"), &p("tx_power_dbm")),
        noise_figure_db: number(sink, get("noise_figure_db"), &p("noise_figure_db")),
        interference_margin_db: number(sink, get("interference_margin_db"), &p("interference_margin_db")),
        scheduler: string(sink, get("scheduler"), &p("scheduler")),
    }
}

/// `gnb = [[x, y], ...]`.
fn gnbs(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<Vec<Sp<Pair>>> {
    let Some(n) = node else {
        return Field::Missing;
    };
    let Kind::Array(items) = &n.kind else {
        sink.error(
            Some(n.span),
            path,
            format!(
                "gnb must be an array of positions [x, y] in metres, e.g. gnb = [[20, 10], [60, 10]], found {}",
                n.describe()
            ),
        );
        return Field::Invalid;
    };
    // `gnb = [20, 10]`: one position, not nested.
    if !items.is_empty()
        && items
            .iter()
            .all(|i| matches!(i.kind, Kind::Int(_) | Kind::Float(_)))
    {
        sink.error(
            Some(n.span),
            path,
            "gnb is a list of positions: write gnb = [[x, y]] for one gNB, e.g. gnb = [[20, 10]]",
        );
        return Field::Invalid;
    }
    let mut out = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match pair(sink, Some(item), &format!("{path}[{}]", i + 1), "[20, 10]") {
            Field::Ok(p) => out.push(p),
            _ => ok = false,
        }
    }
    if ok {
        Field::Ok(Sp { v: out, span: n.span })
    } else {
        Field::Invalid
    }
}
