//! `[[flow]]`, read.

use super::values::{int, join, last, string, text, TextKind};
use super::{check_keys, Field, Sp, FLOW_KEYS};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Node, Str};

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

pub(super) fn read_flow(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawFlow {
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
