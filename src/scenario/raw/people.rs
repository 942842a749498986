//! `[[calendar]]`, `[[pool]]`, the `operators` a station or a route step
//! needs, and the `power_kw` tables of stations and the fleet: their keys,
//! raw structs and readers.
//!
//! ```text
//! [[calendar]]
//! name = "three_shifts"
//! period = "24h"
//! on = [["0h", "3.5h"], ["4h", "7.5h"]]
//! [[pool]]
//! name = "fitters"
//! size = 6
//! calendar = "three_shifts"
//! [[station]]
//! operators = { pool = "fitters", count = 2 }
//! power_kw = { busy = 30, idle = 5 }
//! ```

use super::keys::{keys, written_keys, Key, Ty};
use super::values::{string_pair, TextKind};
use super::{Field, Sp};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Node, Str};

keys! {
    pub(crate) enum CalendarKey in CALENDAR, heading "`[[calendar]]`", table "calendar" {
        Name = "name": Ty::Word, default "required", "unique";
        Period = "period": Ty::Text(TextKind::Duration), default "`\"24h\"`", "the length of the pattern that repeats";
        On = "on": Ty::Windows, default "required", "the windows of each period when the resource works";
    }
}

keys! {
    pub(crate) enum PoolKey in POOL, heading "`[[pool]]`", table "pool" {
        Name = "name": Ty::Word, default "required", "unique";
        Size = "size": Ty::Int, default "1", "operators in the pool";
        Calendar = "calendar": Ty::Word, default "none", "the `[[calendar]]` of the operators";
    }
}

keys! {
    /// `operators = { pool = "fitters", count = 2 }` of a station or a step.
    pub(crate) enum OperatorsKey in OPERATORS, heading "`[station.operators]`", table "operators" {
        Pool = "pool": Ty::Word, default "required", "the `[[pool]]` the operators come from";
        Count = "count": Ty::Int, default "1", "operators the step needs at once";
    }
}

keys! {
    /// A station's `power_kw`: one key per station state, in the order of
    /// `StationState::ALL` (a test holds them to it).
    pub(crate) enum StationPowerKey in STATION_POWER, heading "`[station.power_kw]`", table "station_power" {
        Busy = "busy": Ty::Number, default "0", "kW per server while processing";
        Setup = "setup": Ty::Number, default "0", "kW per server while setting up";
        Idle = "idle": Ty::Number, default "0", "kW per server while waiting for work";
        Starved = "starved": Ty::Number, default "0", "kW per server while waiting for parts";
        Blocked = "blocked": Ty::Number, default "0", "kW per server while blocked";
        Failed = "failed": Ty::Number, default "0", "kW per server while failed";
        NetworkWait = "network_wait": Ty::Number, default "0", "kW per server while waiting for its command";
        Stopped = "stopped": Ty::Number, default "0", "kW per server while stopped";
        NoOperator = "no_operator": Ty::Number, default "0", "kW per server while waiting for operators";
        OffShift = "off_shift": Ty::Number, default "0", "kW per server while off shift";
    }
}

keys! {
    /// The fleet's `power_kw`: one key per AGV state, in the order of
    /// `AgvState::ALL`.
    pub(crate) enum AgvPowerKey in AGV_POWER, heading "`[fleet.power_kw]`", table "agv_power" {
        Idle = "idle": Ty::Number, default "0", "kW per AGV while idle";
        TravelEmpty = "travel_empty": Ty::Number, default "0", "kW per AGV while driving empty";
        TravelLoaded = "travel_loaded": Ty::Number, default "0", "kW per AGV while driving loaded";
        Handling = "handling": Ty::Number, default "0", "kW per AGV while loading or unloading";
        ZoneWait = "zone_wait": Ty::Number, default "0", "kW per AGV while waiting for a segment";
        NetworkWait = "network_wait": Ty::Number, default "0", "kW per AGV while waiting for a message";
        Stopped = "stopped": Ty::Number, default "0", "kW per AGV while stopped";
        Charging = "charging": Ty::Number, default "0", "kW per AGV while charging";
        ChargeWait = "charge_wait": Ty::Number, default "0", "kW per AGV while waiting for a free charger";
        OffShift = "off_shift": Ty::Number, default "0", "kW per AGV while off shift";
    }
}

#[derive(Debug, Default)]
pub(crate) struct RawCalendar {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub period: Field<Str>,
    pub on: Field<Vec<RawWindow>>,
}

/// One `[start, end]` of a calendar's `on`.
#[derive(Debug)]
pub(crate) struct RawWindow {
    /// `calendar.NAME.on[I]` (1-based).
    pub label: String,
    pub span: Span,
    /// The two durations; `Invalid` when not a pair of strings (reported).
    pub ends: Field<[Sp<Str>; 2]>,
}

#[derive(Debug, Default)]
pub(crate) struct RawPool {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub size: Field<i64>,
    pub calendar: Field<String>,
}

#[derive(Debug, Default)]
pub(crate) struct RawOperators {
    pub pool: Field<String>,
    pub count: Field<i64>,
}

/// A `power_kw` table: each written key's position in its section (the
/// state's position in `ALL`) with its value.
#[derive(Debug, Default)]
pub(crate) struct RawPower {
    pub values: Vec<(usize, Field<f64>)>,
}

pub(super) fn read_calendar(sink: &mut Sink, entries: &[Entry], span: Span, label: String) -> RawCalendar {
    let mut calendar = RawCalendar::default();
    for (key, value) in written_keys::<CalendarKey>(sink, entries, &label) {
        match key {
            CalendarKey::Name => calendar.name = value.string(sink),
            CalendarKey::Period => calendar.period = value.text(sink),
            CalendarKey::On => {
                let what = "an array of [start, end] pairs like [[\"6h\", \"14h\"], [\"14.5h\", \"22h\"]]";
                calendar.on = match value.items(sink, what) {
                    Some(items) => Field::Ok(Sp {
                        v: items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| read_window(sink, item, format!("{}[{}]", value.path, i + 1)))
                            .collect(),
                        span: value.node.span,
                    }),
                    None => Field::Invalid,
                };
            }
        }
    }
    RawCalendar {
        label,
        span,
        ..calendar
    }
}

fn read_window(sink: &mut Sink, item: &Node, label: String) -> RawWindow {
    let ends = match string_pair(item) {
        Some(ends) => Field::Ok(Sp {
            v: ends,
            span: item.span,
        }),
        None => {
            sink.error(
                Some(item.span),
                &label,
                format!(
                    "a window must be a pair of durations [start, end] like [\"6h\", \"14h\"], found {}",
                    item.describe()
                ),
            );
            Field::Invalid
        }
    };
    RawWindow {
        label,
        span: item.span,
        ends,
    }
}

pub(super) fn read_pool(sink: &mut Sink, entries: &[Entry], span: Span, label: String) -> RawPool {
    let mut pool = RawPool::default();
    for (key, value) in written_keys::<PoolKey>(sink, entries, &label) {
        match key {
            PoolKey::Name => pool.name = value.string(sink),
            PoolKey::Size => pool.size = value.int(sink),
            PoolKey::Calendar => pool.calendar = value.string(sink),
        }
    }
    RawPool { label, span, ..pool }
}

/// `operators = { pool = ..., count = ... }` at `path`.
pub(super) fn read_operators(sink: &mut Sink, entries: &[Entry], path: &str) -> RawOperators {
    let mut operators = RawOperators::default();
    for (key, value) in written_keys::<OperatorsKey>(sink, entries, path) {
        match key {
            OperatorsKey::Pool => operators.pool = value.string(sink),
            OperatorsKey::Count => operators.count = value.int(sink),
        }
    }
    operators
}

/// A `power_kw` table of `K`'s section at `path`: numbers by state.
pub(super) fn read_power<K: Key>(sink: &mut Sink, entries: &[Entry], path: &str) -> RawPower {
    RawPower {
        values: written_keys::<K>(sink, entries, path)
            .into_iter()
            .map(|(key, value)| (key.index(), value.number(sink)))
            .collect(),
    }
}

/// What an `operators` key must look like, for its type error.
pub(super) const OPERATORS_TABLE: &str = "a table like { pool = \"fitters\", count = 2 }";

/// What a `power_kw` key must look like, for its type error.
pub(super) const POWER_TABLE: &str = "a table of kW by state like { busy = 30, idle = 5 }";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgvState, StationState};

    #[test]
    fn power_keys_are_the_states_in_report_order() {
        let station: Vec<&str> = StationState::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(STATION_POWER.names(), station);
        let agv: Vec<&str> = AgvState::ALL.iter().map(|s| s.key()).collect();
        assert_eq!(AGV_POWER.names(), agv);
    }
}
