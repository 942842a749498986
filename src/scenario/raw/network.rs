//! The raw mirror of `[network]` (with its `fixed`, `empirical` and `nr`
//! sub-tables) and of `[[flow]]`: shapes only, as for the rest of the file.

use super::{
    boolean, check_keys, int, join, last, number, pair, string, text, Field, Pair, Sp, TextKind,
    BAD_STATE_KEYS, EMPIRICAL_KEYS, FIXED_KEYS, FLOW_KEYS, NETWORK_KEYS, NR_KEYS,
};
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
    pub shadowing: Field<String>,
    pub gnb_tx_power_dbm: Field<f64>,
    pub ue_tx_power_dbm: Field<f64>,
    pub gnb_noise_figure_db: Field<f64>,
    pub ue_noise_figure_db: Field<f64>,
    pub interference: Field<bool>,
    pub bler: Field<f64>,
    pub handover: Field<RawHandover>,
    pub rlf: Field<RawRlf>,
}

/// `handover = { hysteresis_db, time_to_trigger, interruption }`.
#[derive(Debug)]
pub(crate) struct RawHandover {
    pub hysteresis_db: Field<f64>,
    pub time_to_trigger: Field<Str>,
    pub interruption: Field<Str>,
}

/// `rlf = { q_out_db, q_in_db, t310, reestablishment }`.
#[derive(Debug)]
pub(crate) struct RawRlf {
    pub q_out_db: Field<f64>,
    pub q_in_db: Field<f64>,
    pub t310: Field<Str>,
    pub reestablishment: Field<Str>,
}

const HANDOVER_KEYS: &[&str] = &["hysteresis_db", "time_to_trigger", "interruption"];
const RLF_KEYS: &[&str] = &["q_out_db", "q_in_db", "t310", "reestablishment"];

/// `survival`: a duration, or a whole number of periods.
#[derive(Clone, Debug)]
pub(crate) enum RawSurvival {
    Duration(Str),
    Periods(i64),
}

#[derive(Debug)]
pub(crate) struct RawFlow {
    /// `flow.NAME`, or `flow[I]` (1-based) when the name is unusable.
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub robots: Field<String>,
    pub direction: Field<String>,
    pub size: Field<Str>,
    pub period: Field<Str>,
    pub deadline: Field<Str>,
    pub survival: Field<RawSurvival>,
    pub on_violation: Field<Str>,
    pub trigger: Field<String>,
    pub timeout: Field<Str>,
    pub ues: Field<i64>,
    pub rate: Field<Str>,
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

pub(crate) fn read_network(sink: &mut Sink, e: &[Entry], key_span: Span) -> RawNetwork {
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
        shadowing: string(sink, get("shadowing"), &p("shadowing")),
        gnb_tx_power_dbm: number(sink, get("gnb_tx_power_dbm"), &p("gnb_tx_power_dbm")),
        ue_tx_power_dbm: number(sink, get("ue_tx_power_dbm"), &p("ue_tx_power_dbm")),
        gnb_noise_figure_db: number(sink, get("gnb_noise_figure_db"), &p("gnb_noise_figure_db")),
        ue_noise_figure_db: number(sink, get("ue_noise_figure_db"), &p("ue_noise_figure_db")),
        interference: boolean(sink, get("interference"), &p("interference")),
        bler: number(sink, get("bler"), &p("bler")),
        handover: inline_table(
            sink,
            get("handover"),
            &p("handover"),
            "{ hysteresis_db = 3, time_to_trigger = \"256ms\", interruption = \"50ms\" }",
            |sink, e, path| {
                check_keys(sink, e, "handover", HANDOVER_KEYS, path);
                let get = getter(e);
                RawHandover {
                    hysteresis_db: number(sink, get("hysteresis_db"), &join(path, "hysteresis_db")),
                    time_to_trigger: text(
                        sink,
                        get("time_to_trigger"),
                        &join(path, "time_to_trigger"),
                        TextKind::Duration,
                    ),
                    interruption: text(
                        sink,
                        get("interruption"),
                        &join(path, "interruption"),
                        TextKind::Duration,
                    ),
                }
            },
        ),
        rlf: inline_table(
            sink,
            get("rlf"),
            &p("rlf"),
            "{ q_out_db = -8, q_in_db = -6, t310 = \"1s\", reestablishment = \"220ms\" }",
            |sink, e, path| {
                check_keys(sink, e, "rlf", RLF_KEYS, path);
                let get = getter(e);
                RawRlf {
                    q_out_db: number(sink, get("q_out_db"), &join(path, "q_out_db")),
                    q_in_db: number(sink, get("q_in_db"), &join(path, "q_in_db")),
                    t310: text(sink, get("t310"), &join(path, "t310"), TextKind::Duration),
                    reestablishment: text(
                        sink,
                        get("reestablishment"),
                        &join(path, "reestablishment"),
                        TextKind::Duration,
                    ),
                }
            },
        ),
    }
}

/// A table value such as `handover = { ... }` at `path`, read with
/// `read(sink, entries, path)`.
fn inline_table<T>(
    sink: &mut Sink,
    node: Option<&Node>,
    path: &str,
    example: &str,
    read: impl FnOnce(&mut Sink, &[Entry], &str) -> T,
) -> Field<T> {
    let Some(n) = node else {
        return Field::Missing;
    };
    match n.entries() {
        Some(e) => Field::Ok(Sp {
            v: read(sink, e, path),
            span: n.span,
        }),
        None => {
            sink.error(
                Some(n.span),
                path,
                format!(
                    "{} must be a table like {example}, found {}",
                    last(path),
                    n.describe()
                ),
            );
            Field::Invalid
        }
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

pub(crate) fn read_flow(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawFlow {
    check_keys(sink, e, "flow", FLOW_KEYS, &label);
    let get = getter(e);
    let p = |k: &str| join(&label, k);
    let survival = match get("survival") {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Str(s),
            span,
        }) => Field::Ok(Sp {
            v: RawSurvival::Duration(s.clone()),
            span: *span,
        }),
        Some(Node {
            kind: Kind::Int(i),
            span,
        }) => Field::Ok(Sp {
            v: RawSurvival::Periods(*i),
            span: *span,
        }),
        Some(n) => {
            sink.error(
                Some(n.span),
                &p("survival"),
                format!(
                    "{} must be a duration like \"30ms\" or a whole number of periods like 2, found {}",
                    last(&p("survival")),
                    n.describe()
                ),
            );
            Field::Invalid
        }
    };
    RawFlow {
        span,
        name: string(sink, get("name"), &p("name")),
        robots: string(sink, get("robots"), &p("robots")),
        direction: string(sink, get("direction"), &p("direction")),
        size: text(sink, get("size"), &p("size"), TextKind::Size),
        period: text(sink, get("period"), &p("period"), TextKind::Duration),
        deadline: text(sink, get("deadline"), &p("deadline"), TextKind::Duration),
        survival,
        on_violation: text(sink, get("on_violation"), &p("on_violation"), TextKind::Stop),
        trigger: string(sink, get("trigger"), &p("trigger")),
        timeout: text(sink, get("timeout"), &p("timeout"), TextKind::Duration),
        ues: int(sink, get("ues"), &p("ues")),
        rate: text(sink, get("rate"), &p("rate"), TextKind::Rate),
        label,
    }
}
