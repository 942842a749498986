//! `[fleet]` (with `battery`), read.

use super::values::{boolean, int, number, string, string_list, text, TextKind};
use super::{check_keys, Field, Sp, BATTERY_KEYS, FLEET_KEYS};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Str};

#[derive(Debug)]
pub(crate) struct RawFleet {
    /// Where `fleet` was written (the `[fleet]` header's key).
    pub key_span: Span,
    pub agvs: Field<i64>,
    pub speed: Field<Str>,
    pub load: Field<Str>,
    pub unload: Field<Str>,
    pub home: Field<String>,
    pub warehouse: Field<String>,
    pub dispatch: Field<String>,
    pub battery: Field<RawBattery>,
    pub zone_control: Field<bool>,
}

#[derive(Debug)]
pub(crate) struct RawBattery {
    pub runtime: Field<Str>,
    pub recharge: Field<Str>,
    pub chargers: Field<Vec<Sp<String>>>,
    pub threshold: Field<f64>,
}

pub(super) fn read_fleet(sink: &mut Sink, e: &[Entry], key_span: Span) -> RawFleet {
    check_keys(sink, e, "fleet", FLEET_KEYS, "fleet");
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let battery = match get("battery") {
        None => Field::Missing,
        Some(n) => match n.entries() {
            Some(be) => Field::Ok(Sp {
                v: read_battery(sink, be),
                span: n.span,
            }),
            None => {
                sink.error(
                    Some(n.span),
                    "fleet.battery",
                    format!(
                        "battery must be a table like {{ runtime = \"8h\", recharge = \"2h\", chargers = [\"charge\"] }}, found {}",
                        n.describe()
                    ),
                );
                Field::Invalid
            }
        },
    };
    RawFleet {
        key_span,
        agvs: int(sink, get("agvs"), "fleet.agvs"),
        speed: text(sink, get("speed"), "fleet.speed", TextKind::Speed),
        load: text(sink, get("load"), "fleet.load", TextKind::Dist),
        unload: text(sink, get("unload"), "fleet.unload", TextKind::Dist),
        home: string(sink, get("home"), "fleet.home"),
        warehouse: string(sink, get("warehouse"), "fleet.warehouse"),
        dispatch: string(sink, get("dispatch"), "fleet.dispatch"),
        battery,
        zone_control: boolean(sink, get("zone_control"), "fleet.zone_control"),
    }
}

fn read_battery(sink: &mut Sink, e: &[Entry]) -> RawBattery {
    check_keys(sink, e, "battery", BATTERY_KEYS, "fleet.battery");
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    RawBattery {
        runtime: text(sink, get("runtime"), "fleet.battery.runtime", TextKind::Duration),
        recharge: text(
            sink,
            get("recharge"),
            "fleet.battery.recharge",
            TextKind::Duration,
        ),
        chargers: string_list(
            sink,
            get("chargers"),
            "fleet.battery.chargers",
            "[\"charge1\", \"charge2\"]",
        ),
        threshold: number(sink, get("threshold"), "fleet.battery.threshold"),
    }
}
