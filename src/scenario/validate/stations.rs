//! `[[station]]` (with its `failures`) and `[[crew]]`.

use super::layout::Floor;
use super::people::Pools;
use super::{Names, Validator};
use crate::model::{Crew, FailureBasis, Failures, Station, StationState};
use crate::scenario::diag::Span;
use crate::scenario::raw::{Field, RawCrew, RawFailures, RawStation, Sp};
use crate::text::thousands;

/// Servers of one station.
pub(crate) const MAX_SERVERS: i64 = 10_000;
/// Repairers of one crew.
pub(crate) const MAX_CREW: i64 = 10_000;
/// Places of a station's input or output buffer.
pub(crate) const MAX_BUFFER: i64 = 1_000_000;
/// The most entries of each kind: memory and set-up time grow with them
/// (each station keeps a count per product, for instance).
pub(crate) const MAX_STATIONS: usize = 2_000;
pub(crate) const MAX_CREWS: usize = 2_000;
/// The most servers in the whole plant.
pub(crate) const MAX_TOTAL_SERVERS: i64 = 100_000;

/// What a station may refer to.
pub(super) struct Refs<'a> {
    pub crews: &'a Names,
    pub calendars: &'a Names,
    pub pools: &'a Pools,
}

/// The checked `[[crew]]` entries.
pub(super) struct Crews {
    pub names: Names,
    /// Each crew, `None` where it has a problem.
    pub checked: Vec<Option<Crew>>,
}

/// The checked `[[station]]` entries, with what later parts refer to.
pub(super) struct Stations<'r> {
    pub raw: &'r [RawStation],
    pub names: Names,
    /// Each station, `None` where it has a problem.
    pub checked: Vec<Option<Station>>,
}

impl Validator<'_, '_> {
    pub(super) fn crews(&mut self, raw: &Field<Vec<RawCrew>>, calendars: &Names) -> Crews {
        let raw: &[RawCrew] = raw.ok().map_or(&[], |list| &list.v);
        let mut names = Names::new("crew", "crews");
        self.at_most(raw, &names, MAX_CREWS);
        let crew_names = self.names_of(raw, &mut names);
        let checked = raw
            .iter()
            .zip(crew_names)
            .map(|(crew, name)| {
                let size = self.int_or(&crew.size, &format!("{}.size", crew.label), 1, 1, MAX_CREW);
                let calendar =
                    self.calendar_ref(&crew.calendar, &format!("{}.calendar", crew.label), calendars);
                Some(Crew {
                    name: name?,
                    size: size?,
                    calendar: calendar?,
                })
            })
            .collect();
        Crews { names, checked }
    }

    /// Every station: at least one, at most [`MAX_STATIONS`], with at most
    /// [`MAX_TOTAL_SERVERS`] servers in all.
    pub(super) fn stations<'r>(
        &mut self,
        raw: &'r Field<Vec<RawStation>>,
        file_start: Span,
        refs: &Refs<'_>,
        floor: &Floor,
    ) -> Stations<'r> {
        let raw: &[RawStation] = match raw {
            Field::Ok(list) if !list.v.is_empty() => &list.v,
            Field::Invalid => &[],
            _ => {
                self.sink.error(
                    Some(file_start),
                    "station",
                    "no [[station]] in the scenario; at least one station is needed, e.g. [[station]] name = \"cell\" process = \"exp(5min)\"",
                );
                &[]
            }
        };
        // Names first, so that routes resolve whatever else is wrong.
        let mut names = Names::new("station", "stations");
        self.at_most(raw, &names, MAX_STATIONS);
        self.total_servers(raw);
        let station_names = self.names_of(raw, &mut names);
        let checked = raw
            .iter()
            .zip(station_names)
            .map(|(station, name)| self.station(station, name, refs, floor))
            .collect();
        Stations { raw, names, checked }
    }

    fn station(
        &mut self,
        station: &RawStation,
        name: Option<String>,
        refs: &Refs<'_>,
        floor: &Floor,
    ) -> Option<Station> {
        let key_of = |field: &str| format!("{}.{field}", station.label);
        let at = match &station.at {
            Field::Ok(point) => self.point(floor, point, &key_of("at")).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let servers = self.int_or(&station.servers, &key_of("servers"), 1u32, 1, MAX_SERVERS);
        let process = self.required_dist(&station.process, &key_of("process"), station.span, "exp(5min)");
        let setup = self.optional_dist(&station.setup, &key_of("setup"));
        let input_buffer = match &station.input_buffer {
            Field::Missing => Some(None),
            places => self
                .int_or(places, &key_of("input_buffer"), 0u32, 0, MAX_BUFFER)
                .map(Some),
        };
        let output_buffer = self.int_or(
            &station.output_buffer,
            &key_of("output_buffer"),
            0u32,
            0,
            MAX_BUFFER,
        );
        let robot = Validator::flag(&station.robot);
        let failures = match &station.failures {
            Field::Ok(failures) => self.failures(failures, &key_of("failures"), refs.crews).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let calendar = self.calendar_ref(&station.calendar, &key_of("calendar"), refs.calendars);
        let operators = self.operators(&station.operators, &key_of("operators"), refs.pools);
        let state_keys = StationState::ALL.map(StationState::key);
        let power_mw = self.power(&station.power_kw, &key_of("power_kw"), &state_keys);
        Some(Station {
            name: name?,
            at: at?,
            servers: servers?,
            process: process?,
            setup: setup?,
            input_buffer: input_buffer?,
            output_buffer: output_buffer?,
            robot: robot?,
            failures: failures?,
            calendar: calendar?,
            operators: operators?,
            power_mw: power_mw?,
        })
    }

    fn failures(&mut self, raw: &Sp<RawFailures>, path: &str, crews: &Names) -> Option<Failures> {
        let (failures, table) = (&raw.v, raw.span);
        let key_of = |field: &str| format!("{path}.{field}");
        let mtbf = match &failures.mtbf {
            Field::Ok(text) => self.positive_dist(
                text,
                &key_of("mtbf"),
                "failures would follow each other without end",
            ),
            missing => self.required_dist(missing, &key_of("mtbf"), table, "exp(8h)"),
        };
        let mttr = self.required_dist(&failures.mttr, &key_of("mttr"), table, "exp(20min)");
        let crew = match &failures.crew {
            Field::Ok(crew) => crews.resolve(self, crew, &key_of("crew"), "").map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let basis = match &failures.basis {
            Field::Ok(basis) => match basis.v.as_str() {
                "calendar" => Some(FailureBasis::Calendar),
                "busy" => Some(FailureBasis::Busy),
                other => {
                    self.sink.error(
                        Some(basis.span),
                        &key_of("basis"),
                        format!("basis must be \"calendar\" or \"busy\", found \"{other}\""),
                    );
                    None
                }
            },
            Field::Missing => Some(FailureBasis::Calendar),
            Field::Invalid => None,
        };
        Some(Failures {
            mtbf: mtbf?,
            mttr: mttr?,
            crew: crew?,
            basis: basis?,
        })
    }

    /// Refuses a plant with more than [`MAX_TOTAL_SERVERS`] servers, at the
    /// station that goes over.
    fn total_servers(&mut self, stations: &[RawStation]) {
        // A station's servers as counted here: a bad value counts as its
        // nearest bound, a missing one as the default 1.
        let servers_of = |station: &RawStation| station.servers.ok().map_or(1, |x| x.v.clamp(0, MAX_SERVERS));
        let mut total: i64 = 0;
        for station in stations {
            total += servers_of(station);
            if total > MAX_TOTAL_SERVERS {
                let all: i64 = stations.iter().map(servers_of).sum();
                let at = station.servers.ok().map_or(station.span, |x| x.span);
                self.sink.error(
                    Some(at),
                    &format!("{}.servers", station.label),
                    format!(
                        "the plant holds at most {} servers in all, found {} (the limit is passed at this station)",
                        thousands(MAX_TOTAL_SERVERS as u64),
                        thousands(all as u64),
                    ),
                );
                return;
            }
        }
    }
}
