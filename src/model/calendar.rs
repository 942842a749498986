//! A working calendar: a period (a day, a week) and the windows within it
//! when a resource works (`[[calendar]] period = "24h", on = [["6h",
//! "14h"], ...]`). Time 0 of a run is the start of a period, and the
//! pattern repeats every period.
//!
//! Windows are given sorted, not overlapping and within the period
//! (validation sees to it). Windows that touch, `["6h", "14h"]` and
//! `["14h", "22h"]`, or that meet across the end of the period,
//! `["22h", "24h"]` and `["0h", "6h"]`, make one stretch of work: only
//! the instants where the state really changes are shift changes, so a
//! calendar with no off time never changes at all.
//!
//! ```
//! use factory5g::engine::SimTime;
//! let model = factory5g::scenario::load_str("c.toml", r#"
//! [scenario]
//! horizon = "48h"
//! [[calendar]]
//! name = "two_shifts"
//! period = "24h"
//! on = [["6h", "14h"], ["14h", "22h"]]
//! [[station]]
//! name = "cell"
//! process = "1h"
//! calendar = "two_shifts"
//! "#, None, &[]).unwrap().model;
//! let days = &model.calendars()[0];
//! assert!(!days.is_on(SimTime::from_hours(5)));
//! assert!(days.is_on(SimTime::from_hours(14)));
//! assert_eq!(days.next_change(SimTime::from_hours(14)), Some(SimTime::from_hours(22)));
//! assert_eq!(days.next_change(SimTime::from_hours(23)), Some(SimTime::from_hours(30)));
//! assert_eq!(days.on_share(), 16.0 / 24.0);
//! ```

use crate::engine::SimTime;

#[derive(Clone, Debug)]
pub struct Calendar {
    pub(crate) name: String,
    pub(crate) period: SimTime,
    /// The working windows as written: sorted, disjoint, within the period.
    pub(crate) on: Vec<(SimTime, SimTime)>,
    /// Offsets within the period (in `[0, period)`) where the state flips,
    /// sorted.
    changes: Vec<u64>,
    /// Whether the resource works just before the end of a period (so
    /// just before offset 0 of the next): the state that the changes at or
    /// before an offset flip.
    on_before_start: bool,
}

impl Calendar {
    /// A calendar of `on` windows (sorted, disjoint, each start below its
    /// end, the ends at most `period`); validation checks them first.
    pub(crate) fn new(name: String, period: SimTime, on: Vec<(SimTime, SimTime)>) -> Calendar {
        let length = period.as_nanos();
        let within = |x: u64| on.iter().any(|&(a, b)| a.as_nanos() <= x && x < b.as_nanos());
        // Working just before offset x (x in (0, period]).
        let before = |x: u64| on.iter().any(|&(a, b)| a.as_nanos() < x && x <= b.as_nanos());
        let mut candidates: Vec<u64> = on
            .iter()
            .flat_map(|&(a, b)| [a.as_nanos(), b.as_nanos() % length])
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let changes = candidates
            .into_iter()
            .filter(|&x| {
                let was = if x == 0 { before(length) } else { before(x) };
                was != within(x)
            })
            .collect();
        Calendar {
            on_before_start: before(length),
            name,
            period,
            on,
            changes,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The length of the repeating pattern.
    pub fn period(&self) -> SimTime {
        self.period
    }

    /// The working windows within the period, as written.
    pub fn on(&self) -> &[(SimTime, SimTime)] {
        &self.on
    }

    /// Whether the resource works at time `t`.
    pub fn is_on(&self, t: SimTime) -> bool {
        let offset = t.as_nanos() % self.period.as_nanos();
        let flips = self.changes.partition_point(|&x| x <= offset);
        self.on_before_start != (flips % 2 == 1)
    }

    /// The first time after `t` at which the resource starts or stops
    /// working; `None` when it never changes (always on, or never).
    pub fn next_change(&self, t: SimTime) -> Option<SimTime> {
        let first = *self.changes.first()?;
        let length = self.period.as_nanos();
        let offset = t.as_nanos() % length;
        let start = t.as_nanos() - offset;
        let next = match self.changes.iter().find(|&&x| x > offset) {
            Some(&x) => start + x,
            None => start + length + first,
        };
        Some(SimTime::from_nanos(next))
    }

    /// The fraction of the period when the resource works.
    pub fn on_share(&self) -> f64 {
        let on: u64 = self.on.iter().map(|&(a, b)| (b - a).as_nanos()).sum();
        on as f64 / self.period.as_nanos() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(windows: &[(u64, u64)]) -> Vec<(SimTime, SimTime)> {
        windows
            .iter()
            .map(|&(a, b)| (SimTime::from_hours(a), SimTime::from_hours(b)))
            .collect()
    }

    /// Walks the calendar change by change over three periods and checks
    /// each state against the windows, hour by hour.
    fn walk(windows: &[(u64, u64)]) -> Vec<u64> {
        let c = Calendar::new("c".into(), SimTime::from_hours(24), hours(windows));
        let by_hand = |h: u64| windows.iter().any(|&(a, b)| a <= h % 24 && h % 24 < b);
        for h in 0..72 {
            assert_eq!(
                c.is_on(SimTime::from_hours(h)),
                by_hand(h),
                "{windows:?} at {h} h"
            );
        }
        let mut changes = Vec::new();
        let mut t = SimTime::ZERO;
        while let Some(next) = c.next_change(t) {
            if next >= SimTime::from_hours(72) {
                break;
            }
            let h = next.as_nanos() / SimTime::from_hours(1).as_nanos();
            assert_ne!(by_hand(h), by_hand(h + 23), "a change at {h} h flips the state");
            changes.push(h);
            t = next;
        }
        changes
    }

    #[test]
    fn changes_only_where_the_state_flips() {
        assert_eq!(walk(&[(6, 14), (14, 22)]), [6, 22, 30, 46, 54, 70]);
        // Night shift across midnight: the boundary at 24 h is no change.
        assert_eq!(
            walk(&[(0, 6), (10, 12), (22, 24)]),
            [6, 10, 12, 22, 30, 34, 36, 46, 54, 58, 60, 70]
        );
        assert_eq!(walk(&[(0, 24)]), Vec::<u64>::new());
        assert_eq!(walk(&[(0, 8)]), [8, 24, 32, 48, 56]);
    }
}
