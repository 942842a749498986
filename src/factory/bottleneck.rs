//! Bottleneck detection by the active period method (Roser, Nakano and
//! Tanaka, "Shifting bottleneck detection", Proc. Winter Simulation
//! Conference 2002, pp. 1079–1086), computed while the plant runs.
//!
//! The model: a station is *active* while it is not waiting for the flow
//! of material: working, setting up, failed or under repair, stopped, and
//! (our choice) waiting for its cycle-start command or its operators,
//! which are part of its own cycle; it is inactive while it waits for
//! work, parts or room downstream, or is off shift (see
//! [`StationState::is_active`]). In Roser's words, a process waiting for
//! material or for transport "cannot be the bottleneck at that moment".
//! At any time the station inside the longest uninterrupted active period
//! is the momentary bottleneck. Consecutive momentary bottlenecks form a
//! sequence of reigns; where the active period of one reign overlaps that
//! of the reign before or after, both stations are *shifting*
//! bottlenecks over the overlap; the rest of a reign is *sole*. The shares
//! of time each station is sole or shifting bottleneck rank them; the
//! largest sum is the main bottleneck.
//!
//! Conventions chosen:
//! - A station with several servers is active while *all* its servers are
//!   active: while one of them waits for work, parts, room or operators,
//!   the station has capacity to spare and cannot be what holds the line
//!   back. With one server this is Roser's definition.
//! - Ties between periods of equal length go to the one that started
//!   first, then to the station listed first.
//! - Periods still open at the horizon end there (their future is not
//!   known); periods that began in the warm-up keep their true start, and
//!   only time after the warm-up is counted.
//! - A station's shifting time over two overlaps of one reign counts their
//!   union once; across reigns a station's shifting time never counts an
//!   instant twice when the overlaps come in time order (they do unless
//!   one long period is the bottleneck on both sides of another).
//!
//! Streaming with bounded memory: the momentary bottleneck at time t needs
//! the length of every period covering t, so time is decided up to the
//! start of the earliest period still open, and closed periods wait in
//! per-station queues until then. If more than [`MAX_BUFFERED`] periods
//! wait (one station active without a break while the others cycle many
//! times), the open periods are cut at the current time, which can only
//! shorten a period that is already the longest of the buffered span.
//!
//! ```text
//! time      0    2    4    6    8   10
//! cut       ████      ██
//! weld        ███████████████
//! paint                  ███████████
//! bottleneck cut| weld (sole)  |paint
//!             shifting: weld and paint over [7, 8)
//! ```

use crate::engine::SimTime;
use crate::model::StationState;
use std::collections::VecDeque;

/// The most closed periods waiting to be decided, over all stations.
pub const MAX_BUFFERED: usize = 1 << 16;

/// One station's share of bottleneck time in a replication.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct BottleneckTime {
    /// Nanoseconds after the warm-up as the sole bottleneck.
    pub sole_ns: u64,
    /// Nanoseconds after the warm-up as a shifting bottleneck.
    pub shifting_ns: u64,
}

/// An active period `[start, end)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
struct Period {
    start: SimTime,
    end: SimTime,
}

impl Period {
    fn length(self) -> u64 {
        (self.end - self.start).as_nanos()
    }
}

/// A stretch of time `[from, to)` during which one station, in one of its
/// periods, is the momentary bottleneck.
#[derive(Copy, Clone, Debug)]
struct Reign {
    station: usize,
    period: Period,
    from: SimTime,
    to: SimTime,
    /// The overlap of its period with the reign before's.
    overlap_before: Option<Period>,
}

#[derive(Default)]
struct Track {
    active_since: Option<SimTime>,
    closed: VecDeque<Period>,
}

pub(super) struct Bottlenecks {
    stations: Vec<Track>,
    /// Momentary bottlenecks are known for every time before it.
    decided_to: SimTime,
    /// Counted time starts here (the warm-up).
    observe_from: SimTime,
    current: Option<Reign>,
    buffered: usize,
    /// Per station, the time up to which shifting time was counted.
    shifting_to: Vec<SimTime>,
    totals: Vec<BottleneckTime>,
}

/// The length of `[a, b)` clipped to `[from, ..)`, zero if empty.
fn clipped(a: SimTime, b: SimTime, from: SimTime) -> u64 {
    b.as_nanos().saturating_sub(a.max(from).as_nanos())
}

/// The intersection of two periods, if not empty.
fn meet(x: Period, y: Period) -> Option<Period> {
    let period = Period {
        start: x.start.max(y.start),
        end: x.end.min(y.end),
    };
    (period.start < period.end).then_some(period)
}

impl Bottlenecks {
    pub fn new(stations: usize, observe_from: SimTime) -> Bottlenecks {
        Bottlenecks {
            stations: (0..stations).map(|_| Track::default()).collect(),
            decided_to: SimTime::ZERO,
            observe_from,
            current: None,
            buffered: 0,
            shifting_to: vec![SimTime::ZERO; stations],
            totals: vec![BottleneckTime::default(); stations],
        }
    }

    /// `station` becomes active (`true`) or inactive at `now`.
    pub fn set_active(&mut self, station: usize, active: bool, now: SimTime) {
        let track = &mut self.stations[station];
        if active {
            debug_assert!(track.active_since.is_none());
            track.active_since = Some(now);
            return;
        }
        let start = track
            .active_since
            .take()
            .expect("an active station becomes inactive");
        if start < now {
            track.closed.push_back(Period { start, end: now });
            self.buffered += 1;
        }
        if self.buffered > MAX_BUFFERED {
            self.cut_open_periods(now);
        }
        self.decide(self.frontier(now));
    }

    /// Counted time starts at `now` (the end of the warm-up).
    pub fn clear_statistics(&mut self, now: SimTime) {
        self.observe_from = now;
        self.totals
            .iter_mut()
            .for_each(|t| *t = BottleneckTime::default());
    }

    /// Closes every period at `now` (the horizon) and returns each
    /// station's bottleneck time.
    pub fn finish(mut self, now: SimTime) -> Vec<BottleneckTime> {
        self.cut_open_periods(now);
        for track in &mut self.stations {
            track.active_since = None;
        }
        self.decide(now);
        if let Some(last) = self.current.take() {
            self.count(last, None);
        }
        self.totals
    }

    /// Ends the open periods at `now` and opens them again from `now`.
    fn cut_open_periods(&mut self, now: SimTime) {
        for track in &mut self.stations {
            if let Some(start) = track.active_since {
                if start < now {
                    track.closed.push_back(Period { start, end: now });
                    self.buffered += 1;
                }
                track.active_since = Some(now);
            }
        }
    }

    /// Times before the earliest open period (or `now`) are covered by
    /// closed periods only.
    fn frontier(&self, now: SimTime) -> SimTime {
        self.stations
            .iter()
            .filter_map(|t| t.active_since)
            .min()
            .unwrap_or(now)
            .min(now)
    }

    /// Finds the momentary bottlenecks from `decided_to` up to `until`.
    fn decide(&mut self, until: SimTime) {
        let mut t = self.decided_to;
        while t < until {
            let mut best: Option<(usize, Period)> = None;
            let mut next = until;
            for (station, track) in self.stations.iter_mut().enumerate() {
                while track.closed.front().is_some_and(|p| p.end <= t) {
                    track.closed.pop_front();
                    self.buffered -= 1;
                }
                let Some(&period) = track.closed.front() else {
                    continue;
                };
                if period.start > t {
                    next = next.min(period.start);
                    continue;
                }
                next = next.min(period.end);
                let longer = match best {
                    None => true,
                    Some((_, b)) => {
                        period.length() > b.length()
                            || (period.length() == b.length() && period.start < b.start)
                    }
                };
                if longer {
                    best = Some((station, period));
                }
            }
            if let Some((station, period)) = best {
                self.reign(station, period, t, next);
            }
            t = next;
        }
        self.decided_to = self.decided_to.max(until);
    }

    /// `station`, in `period`, is the momentary bottleneck over `[from, to)`.
    fn reign(&mut self, station: usize, period: Period, from: SimTime, to: SimTime) {
        match &mut self.current {
            Some(current) if current.station == station && current.period == period => current.to = to,
            _ => {
                let overlap_before = self.current.and_then(|c| meet(c.period, period));
                if let Some(previous) = self.current.take() {
                    self.count(previous, Some(period));
                }
                self.current = Some(Reign {
                    station,
                    period,
                    from,
                    to,
                    overlap_before,
                });
            }
        }
    }

    /// Adds a finished reign's sole and shifting time, `next` the period of
    /// the reign after it.
    fn count(&mut self, reign: Reign, next: Option<Period>) {
        let overlap_after = next.and_then(|n| meet(reign.period, n));
        let mut overlaps: Vec<Period> = [reign.overlap_before, overlap_after]
            .into_iter()
            .flatten()
            .collect();
        overlaps.sort_by_key(|p| p.start);
        let from = self.observe_from;
        // Sole: the reign minus the overlaps (their union).
        let mut shifting_in_reign = 0;
        let mut covered_to = reign.from;
        for o in &overlaps {
            let a = o.start.max(covered_to).max(reign.from);
            let b = o.end.min(reign.to);
            if a < b {
                shifting_in_reign += clipped(a, b, from);
                covered_to = b;
            }
        }
        let totals = &mut self.totals[reign.station];
        totals.sole_ns += clipped(reign.from, reign.to, from) - shifting_in_reign;
        // Shifting: the overlaps, each instant once per station.
        let counted = &mut self.shifting_to[reign.station];
        for o in overlaps {
            let a = o.start.max(*counted);
            if a < o.end {
                totals.shifting_ns += clipped(a, o.end, from);
                *counted = o.end;
            }
        }
    }
}

/// Over replications: each station's mean (sole, shifting) shares of the
/// observed time, and the main bottleneck, the station with the largest
/// mean sum (ties to the station listed first); `None` when no station was
/// ever a bottleneck.
pub fn bottleneck_shares(outputs: &[super::RunOutput]) -> (Vec<(f64, f64)>, Option<usize>) {
    let stations = outputs.first().map_or(0, |o| o.bottleneck.len());
    let runs = outputs.len().max(1) as f64;
    let shares: Vec<(f64, f64)> = (0..stations)
        .map(|s| {
            outputs.iter().fold((0.0, 0.0), |(sole, shifting), o| {
                let observed = o.observed_s * 1e9;
                let b = o.bottleneck[s];
                (
                    sole + b.sole_ns as f64 / observed / runs,
                    shifting + b.shifting_ns as f64 / observed / runs,
                )
            })
        })
        .collect();
    let mut main: Option<(usize, f64)> = None;
    for (s, &(sole, shifting)) in shares.iter().enumerate() {
        let total = sole + shifting;
        if total > 0.0 && main.is_none_or(|(_, best)| total > best) {
            main = Some((s, total));
        }
    }
    (shares, main.map(|(s, _)| s))
}

/// Whether a server in `state` counts as active (a table, for the hot
/// path).
pub(super) const ACTIVE: [bool; StationState::COUNT] = {
    let mut table = [false; StationState::COUNT];
    let mut i = 0;
    while i < StationState::COUNT {
        table[i] = StationState::ALL[i].is_active();
        i += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u64) -> SimTime {
        SimTime::from_hours(h)
    }

    /// Plays periods `(station, start, end)` in hours and returns the
    /// totals in hours.
    fn play(stations: usize, periods: &[(usize, u64, u64)], horizon: u64) -> Vec<(u64, u64)> {
        let mut flips: Vec<(u64, usize, bool)> = periods
            .iter()
            .flat_map(|&(s, a, b)| [(a, s, true), (b, s, false)])
            .collect();
        // Ends before starts at the same time, as the plant would switch.
        flips.sort_by_key(|&(t, s, on)| (t, on, s));
        let mut b = Bottlenecks::new(stations, SimTime::ZERO);
        for (t, s, on) in flips {
            if t < horizon {
                b.set_active(s, on, at(t));
            }
        }
        let hour = at(1).as_nanos();
        b.finish(at(horizon))
            .iter()
            .map(|x| (x.sole_ns / hour, x.shifting_ns / hour))
            .collect()
    }

    #[test]
    fn the_longest_period_reigns_and_overlaps_shift() {
        // The example of the module docs: cut [0, 2) and [4, 5), weld
        // [1, 8), paint [7, 10).
        let totals = play(3, &[(0, 0, 2), (0, 4, 5), (1, 1, 8), (2, 7, 10)], 10);
        // cut reigns over [0, 1) (its period [0, 2) is the only one) and
        // shifts with weld over [1, 2); weld reigns [1, 8), shifting over
        // [1, 2) and [7, 8); paint reigns [8, 10), shifting over [7, 8).
        assert_eq!(totals, [(1, 1), (5, 2), (2, 1)]);
    }

    #[test]
    fn a_period_open_at_the_horizon_ends_there() {
        assert_eq!(play(2, &[(0, 2, 20), (1, 0, 3)], 10), [(7, 1), (2, 1)]);
    }

    #[test]
    fn idle_time_has_no_bottleneck() {
        assert_eq!(play(2, &[(0, 0, 2), (1, 5, 6)], 10), [(2, 0), (1, 0)]);
    }

    #[test]
    fn many_short_periods_beside_a_long_one_stay_bounded() {
        let mut b = Bottlenecks::new(2, SimTime::ZERO);
        b.set_active(0, true, SimTime::ZERO);
        let step = SimTime::from_secs(1).as_nanos();
        for k in 0..(3 * MAX_BUFFERED as u64) {
            b.set_active(1, true, SimTime::from_nanos(2 * k * step));
            b.set_active(1, false, SimTime::from_nanos((2 * k + 1) * step));
            assert!(b.buffered <= MAX_BUFFERED + 2);
        }
        let end = SimTime::from_nanos(6 * MAX_BUFFERED as u64 * step);
        let totals = b.finish(end);
        // Station 0, active throughout, is the bottleneck all the time.
        assert_eq!(totals[0].sole_ns + totals[0].shifting_ns, end.as_nanos());
        assert_eq!(totals[1].sole_ns, 0);
    }
}
