//! `[fleet]` (with its `battery`): the AGVs, their speed and handling, the
//! points they use, and the checks that tie them to the layout and the
//! stations (every station stands at a point; every point an AGV goes to
//! can be reached from home over the aisles, and left again).

use super::layout::Floor;
use super::units::parse_speed;
use super::{Names, Validator};
use crate::engine::SimTime;
use crate::model::{AgvState, Battery, Deadlock, Dispatch, Dist, Fleet, PointId};
use crate::scenario::diag::{did_you_mean, Span};
use crate::scenario::raw::{Field, RawBattery, RawFleet, RawStation, Sp};
use crate::scenario::tree::Str;

/// The most AGVs.
pub(crate) const MAX_AGVS: i64 = 10_000;
/// The battery threshold when none is given.
pub(crate) const DEFAULT_THRESHOLD: f64 = 0.2;

/// A point an AGV goes to, where the scenario names it.
struct PointRef {
    point: PointId,
    at: Span,
    key: String,
}

impl Validator<'_, '_> {
    /// `[fleet]`, with the checks that tie it to the layout and stations.
    pub(super) fn fleet(
        &mut self,
        fleet: &RawFleet,
        floor: &Floor,
        stations: &[RawStation],
        calendars: &Names,
    ) -> Option<Fleet> {
        let table = fleet.key_span;
        if !floor.written {
            self.sink.error(
                Some(fleet.key_span),
                "fleet",
                "a [fleet] needs a [layout]: AGVs drive between its points; add [layout] with size, points (home and one for each station) and aisles",
            );
        }
        let agvs = match &fleet.agvs {
            Field::Missing => self.missing(
                table,
                "fleet.agvs",
                "missing `agvs` (how many AGVs), e.g. agvs = 4",
            ),
            agvs => self.int_or(agvs, "fleet.agvs", 1u32, 1, MAX_AGVS),
        };
        let speed = match &fleet.speed {
            Field::Ok(speed) => self.parsed(&speed.v.value, speed.span, "fleet.speed", parse_speed),
            Field::Missing => self.missing(
                table,
                "fleet.speed",
                "missing `speed` (how fast an AGV drives), e.g. speed = \"1.5m/s\"",
            ),
            Field::Invalid => None,
        };
        let speed_loaded = match &fleet.speed_loaded {
            Field::Ok(loaded) => self
                .parsed(&loaded.v.value, loaded.span, "fleet.speed_loaded", parse_speed)
                .map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let zero = || Dist::constant(SimTime::ZERO);
        let load = self
            .optional_dist(&fleet.load, "fleet.load")
            .map(|d| d.unwrap_or_else(zero));
        let unload = self
            .optional_dist(&fleet.unload, "fleet.unload")
            .map(|d| d.unwrap_or_else(zero));
        let mut refs: Vec<PointRef> = Vec::new();
        let home = match &fleet.home {
            Field::Ok(home) => self.fleet_point(floor, home, "fleet.home", &mut refs),
            Field::Missing => self.missing(
                table,
                "fleet.home",
                "missing `home` (the point where the AGVs start and wait), e.g. home = \"depot\"",
            ),
            Field::Invalid => None,
        };
        let warehouse = match &fleet.warehouse {
            Field::Ok(warehouse) => self
                .fleet_point(floor, warehouse, "fleet.warehouse", &mut refs)
                .map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let dispatch = match &fleet.dispatch {
            Field::Ok(dispatch) => match dispatch.v.as_str() {
                "nearest" => Some(Dispatch::Nearest),
                "fifo" => Some(Dispatch::Fifo),
                other => {
                    self.sink.error(
                        Some(dispatch.span),
                        "fleet.dispatch",
                        format!(
                            "dispatch must be \"nearest\" or \"fifo\", found \"{other}\"{}",
                            did_you_mean(other, ["nearest", "fifo"])
                        ),
                    );
                    None
                }
            },
            Field::Missing => Some(Dispatch::Nearest),
            Field::Invalid => None,
        };
        let battery = match &fleet.battery {
            Field::Ok(battery) => self.battery(battery, floor, &mut refs).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let zone_control = match &fleet.zone_control {
            Field::Ok(zone) if zone.v && floor.written && !floor.has_aisles => {
                self.sink.error(
                    Some(zone.span),
                    "fleet.zone_control",
                    "zone_control = true needs aisles in [layout]: AGVs reserve aisle segments one at a time, and without aisles there are none; add aisles = [[\"a\", \"b\"], ...] or remove zone_control",
                );
                None
            }
            zone => Validator::flag(zone),
        };
        let deadlock = match &fleet.deadlock {
            Field::Ok(mode) => match mode.v.as_str() {
                "avoid" => Some(Deadlock::Avoid),
                "detect" => Some(Deadlock::Detect),
                other => {
                    self.sink.error(
                        Some(mode.span),
                        "fleet.deadlock",
                        format!(
                            "deadlock must be \"avoid\" (the fleet manager reserves each leg ahead so that AGVs never wait for each other in a circle) or \"detect\" (a deadlock ends the run), found \"{other}\"{}",
                            did_you_mean(other, ["avoid", "detect"])
                        ),
                    );
                    None
                }
            },
            Field::Missing => Some(Deadlock::Avoid),
            Field::Invalid => None,
        };
        let parking = match &fleet.parking {
            Field::Ok(list) => self.parking(list, floor, &mut refs),
            Field::Missing => Some(Vec::new()),
            Field::Invalid => None,
        };
        for station in stations {
            match &station.at {
                Field::Missing => {
                    let span = station.name.ok().map_or(station.span, |name| name.span);
                    self.sink.error(
                        Some(span),
                        &station.label,
                        "with a [fleet] every station needs `at`, the point where it stands",
                    );
                }
                Field::Ok(at) => {
                    if let Some(&(point, _)) = floor.points.index.get(&at.v) {
                        refs.push(PointRef {
                            point,
                            at: at.span,
                            key: format!("{}.at", station.label),
                        });
                    }
                }
                Field::Invalid => {}
            }
        }
        if let Some(home) = home {
            self.reachable_from(home, floor, &refs);
        }
        let calendar = self.calendar_ref(&fleet.calendar, "fleet.calendar", calendars);
        let state_keys = AgvState::ALL.map(AgvState::key);
        let power_mw = self.power(&fleet.power_kw, "fleet.power_kw", &state_keys);
        let home = home?;
        let speed = speed?;
        Some(Fleet {
            agvs: agvs?,
            speed,
            speed_loaded: speed_loaded?.unwrap_or(speed),
            load: load?,
            unload: unload?,
            home,
            warehouse: warehouse?.unwrap_or(home),
            dispatch: dispatch?,
            battery: battery?,
            zone_control: zone_control?,
            calendar: calendar?,
            power_mw: power_mw?,
            deadlock: deadlock?,
            parking: parking?,
            // Decided once the whole model is known.
            reserve_paths: true,
        })
    }

    /// `parking = [...]`: points of the layout, each once; recorded in
    /// `refs` for the reachability check.
    fn parking(
        &mut self,
        list: &Sp<Vec<Sp<String>>>,
        floor: &Floor,
        refs: &mut Vec<PointRef>,
    ) -> Option<Vec<PointId>> {
        let mut points = Vec::with_capacity(list.v.len());
        let mut ok = true;
        for name in &list.v {
            match self.fleet_point(floor, name, "fleet.parking", refs) {
                Some(point) if points.contains(&point) => {
                    self.sink.error(
                        Some(name.span),
                        "fleet.parking",
                        format!(
                            "parking names `{}` twice; each parking point holds one AGV",
                            name.v
                        ),
                    );
                    ok = false;
                }
                Some(point) => points.push(point),
                None => ok = false,
            }
        }
        ok.then_some(points)
    }

    /// A point the fleet names, recorded in `refs` for the reachability
    /// check. Without a layout the fleet's own error says it all: points are
    /// not resolved.
    fn fleet_point(
        &mut self,
        floor: &Floor,
        name: &Sp<String>,
        key: &str,
        refs: &mut Vec<PointRef>,
    ) -> Option<PointId> {
        if !floor.written || floor.broken {
            return None;
        }
        let point = floor.points.resolve(self, name, key, "")?;
        refs.push(PointRef {
            point,
            at: name.span,
            key: key.to_string(),
        });
        Some(point)
    }

    /// Every point in `refs` can be reached from `home` over the aisles,
    /// and `home` from it.
    fn reachable_from(&mut self, home: PointId, floor: &Floor, refs: &[PointRef]) {
        let Some(Some(layout)) = &floor.layout else {
            return;
        };
        let name_of = |point: PointId| layout.points.get(point).map_or("?", |p| p.name.as_str());
        let home_name = name_of(home);
        for PointRef { point, at, key } in refs {
            let name = name_of(*point);
            if !layout.reachable(home, *point) {
                self.sink.error(
                    Some(*at),
                    key,
                    format!(
                        "point `{name}` cannot be reached from home `{home_name}` over the aisles; connect it with an aisle"
                    ),
                );
            } else if !layout.reachable(*point, home) {
                // One-way aisles: an AGV that got there could never leave.
                self.sink.error(
                    Some(*at),
                    key,
                    format!(
                        "point `{name}` has no way back to home `{home_name}` over the aisles (check the direction of the one_way aisles); add an aisle out of it"
                    ),
                );
            }
        }
    }

    /// `battery = { ... }`; its chargers are recorded in `refs`.
    fn battery(&mut self, raw: &Sp<RawBattery>, floor: &Floor, refs: &mut Vec<PointRef>) -> Option<Battery> {
        let (battery, table) = (&raw.v, raw.span);
        let chargers = match &battery.chargers {
            Field::Ok(list) if list.v.is_empty() => {
                self.sink.error(
                    Some(list.span),
                    "fleet.battery.chargers",
                    "chargers must name at least one point, e.g. chargers = [\"charge\"]",
                );
                None
            }
            Field::Ok(list) => list
                .v
                .iter()
                .map(|name| self.fleet_point(floor, name, "fleet.battery.chargers", refs))
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Option<Vec<_>>>(),
            Field::Missing => {
                self.sink.error(
                    Some(table),
                    "fleet.battery.chargers",
                    "missing `chargers` (the points where AGVs charge, one AGV each), e.g. chargers = [\"charge\"]",
                );
                None
            }
            Field::Invalid => None,
        };
        let required = |validator: &mut Self, field: &Field<Str>, name: &str, what: &str, example: &str| {
            let key = format!("fleet.battery.{name}");
            match field {
                Field::Ok(text) => validator.positive_duration(text, &key),
                Field::Missing => {
                    validator.sink.error(
                        Some(table),
                        &key,
                        format!("missing `{name}` ({what}), e.g. {name} = \"{example}\""),
                    );
                    None
                }
                Field::Invalid => None,
            }
        };
        let runtime = required(
            self,
            &battery.runtime,
            "runtime",
            "driving and handling time on a full charge",
            "8h",
        );
        let recharge = required(
            self,
            &battery.recharge,
            "recharge",
            "time to charge from empty to full",
            "2h",
        );
        let threshold = match &battery.threshold {
            Field::Ok(t) if t.v > 0.0 && t.v < 1.0 => Some(t.v),
            Field::Ok(t) => {
                self.sink.error(
                    Some(t.span),
                    "fleet.battery.threshold",
                    format!(
                        "threshold must be a fraction of a full charge above 0 and below 1, e.g. 0.2, found {}",
                        t.v
                    ),
                );
                None
            }
            Field::Missing => Some(DEFAULT_THRESHOLD),
            Field::Invalid => None,
        };
        Some(Battery {
            runtime: runtime?,
            recharge: recharge?,
            chargers: chargers?,
            threshold: threshold?,
        })
    }
}
