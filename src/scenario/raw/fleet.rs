//! `[fleet]` (with its `battery`): their keys, raw structs and readers.

use super::keys::{keys, written_keys, Ty};
use super::people::{read_power, AgvPowerKey, AGV_POWER, POWER_TABLE};
use super::values::TextKind;
use super::{Field, RawPower, Sp};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Str};

keys! {
    pub(crate) enum FleetKey in FLEET, heading "`[fleet]`", table "fleet" {
        Agvs = "agvs": Ty::Int, default "required", "number of AGVs";
        Speed = "speed": Ty::Text(TextKind::Speed), default "required", "driving speed";
        SpeedLoaded = "speed_loaded": Ty::Text(TextKind::Speed), default "`speed`", "driving speed with cargo on board";
        Load = "load": Ty::Text(TextKind::Dist), default "`\"0s\"`", "time to load a job or kit";
        Unload = "unload": Ty::Text(TextKind::Dist), default "`\"0s\"`", "time to unload one";
        Home = "home": Ty::Word, default "required", "where the AGVs start";
        Warehouse = "warehouse": Ty::Word, default "`home`", "where parts kits and released jobs are picked up";
        Dispatch = "dispatch": Ty::Word, default "`\"nearest\"`", "a request goes to the nearest idle AGV, or to the one idle the longest";
        Battery = "battery": Ty::Table(&BATTERY), default "none", "how long an AGV runs and charges";
        ZoneControl = "zone_control": Ty::Bool, default "false", "an AGV asks for each aisle segment before entering it";
        Calendar = "calendar": Ty::Word, default "none", "the `[[calendar]]` of the AGVs";
        PowerKw = "power_kw": Ty::Table(&AGV_POWER), default "none", "electric power per AGV by state";
        Deadlock = "deadlock": Ty::Word, default "`\"avoid\"`", "under zone control, the fleet manager avoids deadlock, or only detects it";
        Parking = "parking": Ty::Names("[\"park1\", \"park2\"]"), default "none", "points where idle AGVs park, one each";
    }
}

keys! {
    /// The fleet's `battery = { ... }`.
    pub(crate) enum BatteryKey in BATTERY, heading "`[fleet.battery]`", table "battery" {
        Runtime = "runtime": Ty::Text(TextKind::Duration), default "required", "driving and handling time on a full charge";
        Recharge = "recharge": Ty::Text(TextKind::Duration), default "required", "time to charge from empty to full";
        Chargers = "chargers": Ty::Names("[\"charge1\", \"charge2\"]"), default "required", "the charging points";
        Threshold = "threshold": Ty::Number, default "0.2", "the charge fraction under which an AGV goes to charge after its task";
    }
}

#[derive(Debug, Default)]
pub(crate) struct RawFleet {
    /// Where `fleet` was written (the `[fleet]` header's key).
    pub key_span: Span,
    pub agvs: Field<i64>,
    pub speed: Field<Str>,
    pub speed_loaded: Field<Str>,
    pub load: Field<Str>,
    pub unload: Field<Str>,
    pub home: Field<String>,
    pub warehouse: Field<String>,
    pub dispatch: Field<String>,
    pub battery: Field<RawBattery>,
    pub zone_control: Field<bool>,
    pub calendar: Field<String>,
    pub power_kw: Field<RawPower>,
    pub deadlock: Field<String>,
    pub parking: Field<Vec<Sp<String>>>,
}

#[derive(Debug, Default)]
pub(crate) struct RawBattery {
    pub runtime: Field<Str>,
    pub recharge: Field<Str>,
    pub chargers: Field<Vec<Sp<String>>>,
    pub threshold: Field<f64>,
}

pub(super) fn read_fleet(sink: &mut Sink, entries: &[Entry], key_span: Span) -> RawFleet {
    let mut fleet = RawFleet {
        key_span,
        ..RawFleet::default()
    };
    for (key, value) in written_keys::<FleetKey>(sink, entries, "fleet") {
        match key {
            FleetKey::Agvs => fleet.agvs = value.int(sink),
            FleetKey::Speed => fleet.speed = value.text(sink),
            FleetKey::SpeedLoaded => fleet.speed_loaded = value.text(sink),
            FleetKey::Load => fleet.load = value.text(sink),
            FleetKey::Unload => fleet.unload = value.text(sink),
            FleetKey::Home => fleet.home = value.string(sink),
            FleetKey::Warehouse => fleet.warehouse = value.string(sink),
            FleetKey::Dispatch => fleet.dispatch = value.string(sink),
            FleetKey::Battery => {
                fleet.battery = value.table(
                    sink,
                    "a table like { runtime = \"8h\", recharge = \"2h\", chargers = [\"charge\"] }",
                    |sink, entries, _| read_battery(sink, entries),
                )
            }
            FleetKey::ZoneControl => fleet.zone_control = value.boolean(sink),
            FleetKey::Calendar => fleet.calendar = value.string(sink),
            FleetKey::PowerKw => {
                fleet.power_kw = value.table(sink, POWER_TABLE, |sink, entries, _| {
                    read_power::<AgvPowerKey>(sink, entries, "fleet.power_kw")
                })
            }
            FleetKey::Deadlock => fleet.deadlock = value.string(sink),
            FleetKey::Parking => fleet.parking = value.names(sink),
        }
    }
    fleet
}

fn read_battery(sink: &mut Sink, entries: &[Entry]) -> RawBattery {
    let mut battery = RawBattery::default();
    for (key, value) in written_keys::<BatteryKey>(sink, entries, "fleet.battery") {
        match key {
            BatteryKey::Runtime => battery.runtime = value.text(sink),
            BatteryKey::Recharge => battery.recharge = value.text(sink),
            BatteryKey::Chargers => battery.chargers = value.names(sink),
            BatteryKey::Threshold => battery.threshold = value.number(sink),
        }
    }
    battery
}
