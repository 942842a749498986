//! `[scenario]`, read.

use super::values::{int, string, text, TextKind};
use super::{check_keys, Field, SCENARIO_KEYS};
use crate::scenario::diag::Sink;
use crate::scenario::tree::{Entry, Str};

#[derive(Debug)]
pub(crate) struct RawScenario {
    pub name: Field<String>,
    pub horizon: Field<Str>,
    pub warmup: Field<Str>,
    pub seed: Field<i64>,
    pub replications: Field<i64>,
}

pub(super) fn read_scenario(sink: &mut Sink, e: &[Entry]) -> RawScenario {
    check_keys(sink, e, "scenario", SCENARIO_KEYS, "scenario");
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    // `base` was used when the tree was built; only its type matters here,
    // and it was checked then.
    RawScenario {
        name: string(sink, get("name"), "scenario.name"),
        horizon: text(sink, get("horizon"), "scenario.horizon", TextKind::Duration),
        warmup: text(sink, get("warmup"), "scenario.warmup", TextKind::Duration),
        seed: int(sink, get("seed"), "scenario.seed"),
        replications: int(sink, get("replications"), "scenario.replications"),
    }
}
