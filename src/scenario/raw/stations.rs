//! `[[station]]` (with its `failures`) and `[[crew]]`: their keys, raw
//! structs and readers.

use super::keys::{keys, written_keys, Ty};
use super::people::{
    read_operators, read_power, StationPowerKey, OPERATORS, OPERATORS_TABLE, POWER_TABLE, STATION_POWER,
};
use super::values::TextKind;
use super::{Field, RawOperators, RawPower};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Str};

keys! {
    pub(crate) enum StationKey in STATION, heading "`[[station]]`", table "station" {
        Name = "name": Ty::Word, default "required", "unique";
        At = "at": Ty::Word, default "none", "the point of `[layout]` where the station stands";
        Servers = "servers": Ty::Int, default "1", "robot arms or machines working in parallel";
        Process = "process": Ty::Text(TextKind::Dist), default "required", "process time";
        Setup = "setup": Ty::Text(TextKind::Dist), default "none", "setup when a server changes product";
        InputBuffer = "input_buffer": Ty::Int, default "unlimited", "places for jobs waiting for a server";
        OutputBuffer = "output_buffer": Ty::Int, default "0", "places for finished jobs that cannot move on yet";
        Robot = "robot": Ty::Bool, default "false", "whether the servers count as robots in reports";
        Failures = "failures": Ty::Table(&FAILURES), default "none", "how the servers fail and are repaired";
        Calendar = "calendar": Ty::Word, default "none", "the `[[calendar]]` of the station";
        Operators = "operators": Ty::Table(&OPERATORS), default "none", "operators each step needs for its setup and processing";
        PowerKw = "power_kw": Ty::Table(&STATION_POWER), default "none", "electric power per server by state";
    }
}

keys! {
    /// A station's `failures = { ... }`.
    pub(crate) enum FailuresKey in FAILURES, heading "`[station.failures]`", table "failures" {
        Mtbf = "mtbf": Ty::Text(TextKind::Dist), default "required", "time between failures";
        Mttr = "mttr": Ty::Text(TextKind::Dist), default "required", "repair time";
        Crew = "crew": Ty::Word, default "none", "the `[[crew]]` that repairs";
        Basis = "basis": Ty::Word, default "`\"calendar\"`", "what the time to failure is counted on";
    }
}

keys! {
    pub(crate) enum CrewKey in CREW, heading "`[[crew]]`", table "crew" {
        Name = "name": Ty::Word, default "required", "unique";
        Size = "size": Ty::Int, default "1", "repairers working in parallel";
        Calendar = "calendar": Ty::Word, default "none", "the `[[calendar]]` of the crew";
    }
}

#[derive(Debug, Default)]
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
    pub calendar: Field<String>,
    pub operators: Field<RawOperators>,
    pub power_kw: Field<RawPower>,
}

#[derive(Debug, Default)]
pub(crate) struct RawFailures {
    pub mtbf: Field<Str>,
    pub mttr: Field<Str>,
    pub crew: Field<String>,
    pub basis: Field<String>,
}

#[derive(Debug, Default)]
pub(crate) struct RawCrew {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub size: Field<i64>,
    pub calendar: Field<String>,
}

pub(super) fn read_station(sink: &mut Sink, entries: &[Entry], span: Span, label: String) -> RawStation {
    let mut station = RawStation::default();
    for (key, value) in written_keys::<StationKey>(sink, entries, &label) {
        match key {
            StationKey::Name => station.name = value.string(sink),
            StationKey::At => station.at = value.string(sink),
            StationKey::Servers => station.servers = value.int(sink),
            StationKey::Process => station.process = value.text(sink),
            StationKey::Setup => station.setup = value.text(sink),
            StationKey::InputBuffer => station.input_buffer = value.int(sink),
            StationKey::OutputBuffer => station.output_buffer = value.int(sink),
            StationKey::Robot => station.robot = value.boolean(sink),
            StationKey::Failures => {
                station.failures = value.table(
                    sink,
                    "a table like { mtbf = \"exp(8h)\", mttr = \"exp(20min)\" }",
                    |sink, entries, _| read_failures(sink, entries, &value.path),
                )
            }
            StationKey::Calendar => station.calendar = value.string(sink),
            StationKey::Operators => {
                station.operators = value.table(sink, OPERATORS_TABLE, |sink, entries, _| {
                    read_operators(sink, entries, &value.path)
                })
            }
            StationKey::PowerKw => {
                station.power_kw = value.table(sink, POWER_TABLE, |sink, entries, _| {
                    read_power::<StationPowerKey>(sink, entries, &value.path)
                })
            }
        }
    }
    RawStation {
        label,
        span,
        ..station
    }
}

fn read_failures(sink: &mut Sink, entries: &[Entry], path: &str) -> RawFailures {
    let mut failures = RawFailures::default();
    for (key, value) in written_keys::<FailuresKey>(sink, entries, path) {
        match key {
            FailuresKey::Mtbf => failures.mtbf = value.text(sink),
            FailuresKey::Mttr => failures.mttr = value.text(sink),
            FailuresKey::Crew => failures.crew = value.string(sink),
            FailuresKey::Basis => failures.basis = value.string(sink),
        }
    }
    failures
}

pub(super) fn read_crew(sink: &mut Sink, entries: &[Entry], span: Span, label: String) -> RawCrew {
    let mut crew = RawCrew::default();
    for (key, value) in written_keys::<CrewKey>(sink, entries, &label) {
        match key {
            CrewKey::Name => crew.name = value.string(sink),
            CrewKey::Size => crew.size = value.int(sink),
            CrewKey::Calendar => crew.calendar = value.string(sink),
        }
    }
    RawCrew { label, span, ..crew }
}
