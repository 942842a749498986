//! `[[calendar]]` and `[[pool]]`, and what refers to them: a `calendar =
//! "name"` of a station, crew, pool or the fleet, `operators = { pool,
//! count }` of a station or a route step; with them the `power_kw` tables
//! and CONWIP releases (`release = "conwip(N)"`).
//!
//! A calendar's windows are checked one by one (a start before its end,
//! the end within the period) and against the one before (in order, not
//! overlapping; touching is allowed, `["6h", "14h"], ["14h", "22h"]` is
//! one stretch). An operator count above its pool's size could never be
//! met and is refused.

use super::{Names, Validator};
use crate::engine::SimTime;
use crate::model::{Calendar, CalendarId, Operators, Pool};
use crate::scenario::diag::Span;
use crate::scenario::raw::{Field, RawCalendar, RawOperators, RawPool, RawPower, RawWindow};
use crate::text::thousands;

/// The most entries of each kind.
pub(crate) const MAX_CALENDARS: usize = 2_000;
pub(crate) const MAX_POOLS: usize = 2_000;
/// Operators in one pool.
pub(crate) const MAX_POOL: i64 = 100_000;
/// Windows of one calendar: a week in minutes would be far fewer.
pub(crate) const MAX_WINDOWS: usize = 10_000;
/// The highest CONWIP level: jobs in the plant at once per product.
pub(crate) const MAX_CONWIP: i64 = 1_000_000;
/// The highest power of a state, in kW (100 MW: more than any machine).
pub(crate) const MAX_POWER_KW: f64 = 100_000.0;
/// The period when none is given.
const DEFAULT_PERIOD: SimTime = SimTime::from_hours(24);

/// The checked `[[calendar]]` entries.
pub(super) struct Calendars {
    pub names: Names,
    pub checked: Vec<Option<Calendar>>,
}

/// The checked `[[pool]]` entries, with their sizes for operator counts.
pub(super) struct Pools {
    pub names: Names,
    pub checked: Vec<Option<Pool>>,
}

impl Validator<'_, '_> {
    pub(super) fn calendars(&mut self, raw: &Field<Vec<RawCalendar>>) -> Calendars {
        let raw: &[RawCalendar] = raw.ok().map_or(&[], |list| &list.v);
        let mut names = Names::new("calendar", "calendars");
        self.at_most(raw, &names, MAX_CALENDARS);
        let calendar_names = self.names_of(raw, &mut names);
        let checked = raw
            .iter()
            .zip(calendar_names)
            .map(|(calendar, name)| self.calendar(calendar, name))
            .collect();
        Calendars { names, checked }
    }

    fn calendar(&mut self, calendar: &RawCalendar, name: Option<String>) -> Option<Calendar> {
        let key_of = |field: &str| format!("{}.{field}", calendar.label);
        // With the period as written, for messages.
        let period = match &calendar.period {
            Field::Ok(text) => self
                .positive_duration(text, &key_of("period"))
                .map(|p| (p, text.v.value.trim().to_string())),
            Field::Missing => Some((DEFAULT_PERIOD, "24h".to_string())),
            Field::Invalid => None,
        };
        let on = match &calendar.on {
            Field::Ok(list) if list.v.is_empty() => {
                self.sink.error(
                    Some(list.span),
                    &key_of("on"),
                    "on must list at least one window when the resource works, e.g. on = [[\"6h\", \"14h\"]]; a resource that never works needs no calendar",
                );
                None
            }
            Field::Ok(list) if list.v.len() > MAX_WINDOWS => {
                self.sink.error(
                    Some(list.span),
                    &key_of("on"),
                    format!(
                        "a calendar holds at most {} windows, found {}",
                        thousands(MAX_WINDOWS as u64),
                        thousands(list.v.len() as u64)
                    ),
                );
                None
            }
            Field::Ok(list) => self.windows(&list.v, period.as_ref()),
            Field::Missing => self.missing(
                calendar.span,
                &key_of("on"),
                "missing `on` (the windows of each period when the resource works), e.g. on = [[\"6h\", \"14h\"], [\"14.5h\", \"22h\"]]",
            ),
            Field::Invalid => None,
        };
        Some(Calendar::new(name?, period?.0, on?))
    }

    /// The windows of a calendar: each within the period (when it is
    /// known), in order and not overlapping.
    fn windows(
        &mut self,
        raw: &[RawWindow],
        period: Option<&(SimTime, String)>,
    ) -> Option<Vec<(SimTime, SimTime)>> {
        let mut good = true;
        let mut windows = Vec::with_capacity(raw.len());
        let mut previous: Option<(SimTime, &RawWindow)> = None;
        for window in raw {
            let Field::Ok(ends) = &window.ends else {
                good = false;
                continue;
            };
            let [start, end] = &ends.v;
            let (Some(from), Some(to)) = (
                self.duration(start, &window.label),
                self.duration(end, &window.label),
            ) else {
                good = false;
                continue;
            };
            let problem = if from >= to {
                Some(format!(
                    "a window must start before it ends, found [\"{}\", \"{}\"]",
                    start.v.value, end.v.value
                ))
            } else if let Some((_, period)) = period.filter(|(period, _)| to > *period) {
                Some(format!(
                    "window [\"{}\", \"{}\"] ends after the period of {period}; windows lie within the period (a night shift across its end is two windows, e.g. [\"22h\", \"24h\"] and [\"0h\", \"6h\"])",
                    start.v.value, end.v.value
                ))
            } else {
                match previous {
                    Some((last_end, last)) if from < last_end => {
                        let at = self.context.map.describe(last.span.start);
                        Some(format!(
                            "window [\"{}\", \"{}\"] overlaps or comes before the window at {at}; list windows in order, without overlaps",
                            start.v.value, end.v.value
                        ))
                    }
                    _ => None,
                }
            };
            if let Some(message) = problem {
                self.sink.error(Some(window.span), &window.label, message);
                good = false;
                continue;
            }
            previous = Some((to, window));
            windows.push((from, to));
        }
        good.then_some(windows)
    }

    pub(super) fn pools(&mut self, raw: &Field<Vec<RawPool>>, calendars: &Names) -> Pools {
        let raw: &[RawPool] = raw.ok().map_or(&[], |list| &list.v);
        let mut names = Names::new("pool", "pools");
        self.at_most(raw, &names, MAX_POOLS);
        let pool_names = self.names_of(raw, &mut names);
        let checked = raw
            .iter()
            .zip(pool_names)
            .map(|(pool, name)| {
                let size = self.int_or(&pool.size, &format!("{}.size", pool.label), 1u32, 1, MAX_POOL);
                let calendar =
                    self.calendar_ref(&pool.calendar, &format!("{}.calendar", pool.label), calendars);
                Some(Pool {
                    name: name?,
                    size: size?,
                    calendar: calendar?,
                })
            })
            .collect();
        Pools { names, checked }
    }

    /// A `calendar = "name"`, resolved; `Some(None)` when absent.
    pub(super) fn calendar_ref(
        &mut self,
        field: &Field<String>,
        key: &str,
        calendars: &Names,
    ) -> Option<Option<CalendarId>> {
        match field {
            Field::Ok(name) => calendars.resolve(self, name, key, "").map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    /// `operators = { pool, count }` at `path`: a known pool, and a count
    /// from 1 to the pool's size; `Some(None)` when absent.
    pub(super) fn operators(
        &mut self,
        field: &Field<RawOperators>,
        path: &str,
        pools: &Pools,
    ) -> Option<Option<Operators>> {
        let raw = match field {
            Field::Ok(raw) => raw,
            Field::Missing => return Some(None),
            Field::Invalid => return None,
        };
        let key_of = |field: &str| format!("{path}.{field}");
        let pool = match &raw.v.pool {
            Field::Ok(name) => pools.names.resolve(self, name, &key_of("pool"), ""),
            Field::Missing => self.missing(
                raw.span,
                &key_of("pool"),
                "missing `pool` (the [[pool]] the operators come from), e.g. operators = { pool = \"fitters\", count = 2 }",
            ),
            Field::Invalid => None,
        };
        let count = self.int_or(&raw.v.count, &key_of("count"), 1u32, 1, MAX_POOL)?;
        let pool = pool?;
        let size = pools.checked.get(pool).and_then(|p| p.as_ref()).map(|p| p.size);
        if let (Some(size), Field::Ok(written)) = (size, &raw.v.count) {
            if count > size {
                let name = pools.names.name_of(pool).unwrap_or("?");
                self.sink.error(
                    Some(written.span),
                    &key_of("count"),
                    format!(
                        "count must be at most the size of pool `{name}` ({size}), found {count}: the step could never start"
                    ),
                );
                return None;
            }
        }
        Some(Some(Operators { pool, count }))
    }

    /// A `power_kw` table at `path`: each written state's kW, at least 0
    /// and at most [`MAX_POWER_KW`], in milliwatts by state; `Some(None)`
    /// when absent.
    pub(super) fn power<const N: usize>(
        &mut self,
        field: &Field<RawPower>,
        path: &str,
        keys: &[&str],
    ) -> Option<Option<[u64; N]>> {
        let raw = match field {
            Field::Ok(raw) => raw,
            Field::Missing => return Some(None),
            Field::Invalid => return None,
        };
        let mut milliwatts = [0u64; N];
        let mut good = true;
        for (state, value) in &raw.v.values {
            let Field::Ok(kw) = value else {
                good = false;
                continue;
            };
            let key = format!("{path}.{}", keys.get(*state).copied().unwrap_or("?"));
            if !(kw.v >= 0.0 && kw.v <= MAX_POWER_KW) {
                self.sink.error(
                    Some(kw.span),
                    &key,
                    format!(
                        "power must be a number of kW from 0 to {}, found {}",
                        thousands(MAX_POWER_KW as u64),
                        kw.v
                    ),
                );
                good = false;
                continue;
            }
            if let Some(slot) = milliwatts.get_mut(*state) {
                // Whole milliwatts: energy then sums exactly in integers.
                *slot = (kw.v * 1e6).round() as u64;
            }
        }
        good.then_some(Some(milliwatts))
    }

    /// `release = "conwip(N)"`: N from 1 to [`MAX_CONWIP`]. `None` when
    /// the text is no CONWIP release at all; `Some(None)` when it is one
    /// with a problem (reported).
    pub(super) fn conwip(&mut self, text: &str, span: Span, key: &str) -> Option<Option<u32>> {
        let inner = text.trim().strip_prefix("conwip(")?.strip_suffix(')')?.trim();
        let level = match inner.parse::<i64>() {
            Ok(level) if (1..=MAX_CONWIP).contains(&level) => u32::try_from(level).ok(),
            Ok(level) => {
                self.sink.error(
                    Some(span),
                    key,
                    format!(
                        "conwip(N) keeps N jobs of the product in the plant: N must be a whole number from 1 to {}, found {level}",
                        thousands(MAX_CONWIP as u64)
                    ),
                );
                None
            }
            Err(_) => {
                self.sink.error(
                    Some(span),
                    key,
                    format!(
                        "conwip(N) keeps N jobs of the product in the plant: N must be a whole number like conwip(8), found \"{}\"",
                        text.trim()
                    ),
                );
                None
            }
        };
        Some(level)
    }
}
