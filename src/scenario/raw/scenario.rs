//! `[scenario]`: its keys and their reader.

use super::keys::{keys, written_keys, Ty};
use super::values::TextKind;
use super::Field;
use crate::scenario::diag::Sink;
use crate::scenario::tree::{Entry, Str};

keys! {
    pub(crate) enum ScenarioKey in SCENARIO, heading "`[scenario]`", table "scenario" {
        Name = "name": Ty::Word, default "file stem", "shown in reports";
        Horizon = "horizon": Ty::Text(TextKind::Duration), default "required", "simulated time per replication";
        Warmup = "warmup": Ty::Text(TextKind::Duration), default "`\"0s\"`", "statistics are cleared at this time";
        Seed = "seed": Ty::Int, default "1", "seed of the random streams";
        Replications = "replications": Ty::Int, default "1", "independent replications";
        Base = "base": Ty::Word, default "none", "a built-in scenario's name or a path (relative to this file)";
    }
}

#[derive(Debug, Default)]
pub(crate) struct RawScenario {
    pub name: Field<String>,
    pub horizon: Field<Str>,
    pub warmup: Field<Str>,
    pub seed: Field<i64>,
    pub replications: Field<i64>,
}

pub(super) fn read_scenario(sink: &mut Sink, entries: &[Entry]) -> RawScenario {
    let mut scenario = RawScenario::default();
    for (key, value) in written_keys::<ScenarioKey>(sink, entries, "scenario") {
        match key {
            ScenarioKey::Name => scenario.name = value.string(sink),
            ScenarioKey::Horizon => scenario.horizon = value.text(sink),
            ScenarioKey::Warmup => scenario.warmup = value.text(sink),
            ScenarioKey::Seed => scenario.seed = value.int(sink),
            ScenarioKey::Replications => scenario.replications = value.int(sink),
            // Used when the tree was built (the base is loaded under the
            // file), where its type was checked.
            ScenarioKey::Base => {}
        }
    }
    scenario
}
