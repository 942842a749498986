//! Cell selection and mobility of one UE: which gNB serves it, when it hands
//! over, when its radio link fails and when it is back, from a stream of
//! measurements. A pure state machine: it owns no clock and no queue; the
//! caller feeds measurements ([`Mobility::observe`]) and wakes it at its
//! timers' deadlines ([`Mobility::next_deadline`], [`Mobility::advance`]),
//! and receives [`MobilityEvent`]s with exact times.
//!
//! - Cell selection: at the first measurement, the gNB of highest received
//!   power serves.
//! - Handover on event A3 (TS 38.331 §5.5.4.4, offsets 0): a neighbour n
//!   enters when `M_n − Hys > M_s` (M the received power in dBm, s the
//!   serving cell); when it has met that condition at every measurement for
//!   `time_to_trigger`, the handover starts at that instant (the timer's
//!   expiry, not the next measurement) towards it (the strongest, if
//!   several expire together). The UE is then interrupted for
//!   `interruption`, after which the target serves. T310 stops at a
//!   handover (§5.3.10.1). Any offset common to all cells (received power
//!   per resource element rather than over the band) does not change A3.
//! - Radio link failure (TS 38.133 §8.1 radio link monitoring, TS 38.331
//!   §5.3.10, with N310 = N311 = 1: each measurement is one indication):
//!   a measurement with the serving SINR below `q_out_db` (the SINR where a
//!   hypothetical PDCCH has 10% BLER) starts T310; one above `q_in_db`
//!   (2% BLER) stops it; at T310's expiry the link has failed. The UE then
//!   re-establishes for `reestablishment`, after which the gNB it last
//!   measured strongest serves.
//! - Ties at one instant: timers run out before a measurement taken at
//!   that instant is read; T310 runs out before a time-to-trigger.
//!
//! Defaults and their sources:
//! - hysteresis 3 dB and time-to-trigger 256 ms: ns-3's (and 5G-LENA's)
//!   `A3RsrpHandoverAlgorithm`, 256 ms being the middle of TS 38.331's
//!   `TimeToTrigger` values; accepted: hysteresis 0 to 15 dB in 0.5 dB steps
//!   (`Hysteresis` is 0..30 half-dB), time-to-trigger one of
//!   [`TIME_TO_TRIGGER_MS`].
//! - interruption 50 ms: of the order of TS 38.133 §6.1.1's interruption
//!   for an intra-frequency handover to a known cell, the sum of waiting for
//!   a PRACH occasion, UE processing, fine timing on the target's SSBs (each
//!   up to 10-20 ms) and a 2 ms margin.
//! - `q_out_db` −8 dB and `q_in_db` −6 dB: the wideband SINRs at which the
//!   hypothetical PDCCH reaches 10% and 2% BLER in system-level mobility
//!   studies (3GPP TR 36.839's and the conditional-handover literature's
//!   Qout/Qin); T310 1000 ms (the usual `ue-TimersAndConstants` value),
//!   one of [`T310_MS`].
//! - re-establishment 220 ms: TS 38.133 §6.2.1's re-establishment delay,
//!   50 ms + T_search + T_SI + T_PRACH, for a known intra-frequency cell
//!   (T_search ≈ 0), SIB1 read in its 160 ms period and one 10 ms PRACH
//!   period.
//!
//! ```
//! use factory5g::engine::SimTime;
//! use factory5g::net::{HandoverConfig, Mobility, MobilityEvent, RlfConfig};
//! let ms = |x: u64| SimTime::from_nanos(x * 1_000_000);
//! let mut ue = Mobility::new(HandoverConfig::default(), RlfConfig::default());
//! let mut events = Vec::new();
//! ue.observe(ms(0), &[-70.0, -80.0], &[20.0, 10.0], &mut events);
//! assert_eq!(ue.serving(), Some(0));
//! // Cell 1 becomes 5 dB stronger and stays so: after 256 ms, a handover.
//! for t in (100..=400).step_by(100) {
//!     ue.observe(ms(t), &[-80.0, -75.0], &[5.0, 12.0], &mut events);
//! }
//! assert_eq!(ue.next_deadline(), Some(ms(406)));
//! ue.advance(ms(406), &mut events);
//! assert_eq!(events[0], MobilityEvent::HandoverStart { at: ms(356), from: 0, to: 1 });
//! assert_eq!(events[1], MobilityEvent::HandoverEnd { at: ms(406), cell: 1 });
//! ```

use crate::engine::SimTime;

/// TS 38.331 `TimeToTrigger` values, ms.
pub const TIME_TO_TRIGGER_MS: [u64; 16] = [
    0, 40, 64, 80, 100, 128, 160, 256, 320, 480, 512, 640, 1024, 1280, 2560, 5120,
];

/// TS 38.331 T310 values (`RLF-TimersAndConstants`), ms.
pub const T310_MS: [u64; 9] = [0, 50, 100, 200, 500, 1000, 2000, 4000, 6000];

/// Longest handover interruption or re-establishment accepted.
pub const MAX_OUTAGE: SimTime = SimTime::from_secs(10);

const fn ms(x: u64) -> SimTime {
    SimTime::from_nanos(x * 1_000_000)
}

/// Event-A3 handover settings.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct HandoverConfig {
    pub hysteresis_db: f64,
    pub time_to_trigger: SimTime,
    /// How long the UE can neither send nor receive during a handover.
    pub interruption: SimTime,
}

impl Default for HandoverConfig {
    /// 3 dB, 256 ms, 50 ms (see the module documentation).
    fn default() -> Self {
        HandoverConfig {
            hysteresis_db: 3.0,
            time_to_trigger: ms(256),
            interruption: ms(50),
        }
    }
}

/// Radio-link-failure settings.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct RlfConfig {
    /// Out of sync below this SINR (dB).
    pub q_out_db: f64,
    /// In sync above this SINR (dB).
    pub q_in_db: f64,
    pub t310: SimTime,
    /// How long the UE is without a link after a failure.
    pub reestablishment: SimTime,
}

impl Default for RlfConfig {
    /// −8 dB, −6 dB, 1000 ms, 220 ms (see the module documentation).
    fn default() -> Self {
        RlfConfig {
            q_out_db: -8.0,
            q_in_db: -6.0,
            t310: ms(1000),
            reestablishment: ms(220),
        }
    }
}

/// A problem of a setting: the key (under `handover.` or `rlf.`) and what
/// is wrong and allowed.
pub type SettingProblem = (&'static str, String);

/// `Some` unless `t` is one of `allowed_ms` (whole milliseconds).
fn not_one_of(t: SimTime, allowed_ms: &[u64]) -> Option<String> {
    let whole = t.as_nanos() % 1_000_000 == 0;
    if whole && allowed_ms.contains(&(t.as_nanos() / 1_000_000)) {
        return None;
    }
    let list: Vec<String> = allowed_ms.iter().map(|m| format!("{m}ms")).collect();
    Some(format!("allowed: {}", list.join(", ")))
}

fn outage_problem(key: &'static str, what: &str, t: SimTime) -> Option<SettingProblem> {
    (t > MAX_OUTAGE).then(|| {
        (
            key,
            format!("{what} of {t} is beyond any radio procedure; allowed: up to {MAX_OUTAGE}"),
        )
    })
}

impl HandoverConfig {
    /// Every problem of these settings (TS 38.331 ranges).
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut out = Vec::new();
        let h = self.hysteresis_db;
        if !(h.is_finite() && (0.0..=15.0).contains(&h) && (2.0 * h).fract() == 0.0) {
            out.push((
                "handover.hysteresis_db",
                format!(
                    "a hysteresis of {h} dB is not a TS 38.331 value; allowed: 0 to 15 dB in steps of 0.5 dB"
                ),
            ));
        }
        if let Some(allowed) = not_one_of(self.time_to_trigger, &TIME_TO_TRIGGER_MS) {
            out.push((
                "handover.time_to_trigger",
                format!(
                    "{} is not a TS 38.331 time-to-trigger; {allowed}",
                    self.time_to_trigger
                ),
            ));
        }
        out.extend(outage_problem(
            "handover.interruption",
            "an interruption",
            self.interruption,
        ));
        out
    }
}

impl RlfConfig {
    /// Every problem of these settings (TS 38.331 T310 values).
    pub fn problems(&self) -> Vec<SettingProblem> {
        let mut out = Vec::new();
        let (q_out, q_in) = (self.q_out_db, self.q_in_db);
        if !(q_out.is_finite() && (-30.0..=10.0).contains(&q_out)) {
            out.push((
                "rlf.q_out_db",
                format!("a Q_out of {q_out} dB is not allowed; allowed: -30 to 10 dB (e.g. -8)"),
            ));
        } else if !(q_in.is_finite() && q_in >= q_out && q_in <= q_out + 10.0) {
            out.push((
                "rlf.q_in_db",
                format!("Q_in must be from Q_out ({q_out} dB) to 10 dB above it (e.g. 2 dB above), found {q_in} dB"),
            ));
        }
        if let Some(allowed) = not_one_of(self.t310, &T310_MS) {
            out.push((
                "rlf.t310",
                format!("{} is not a TS 38.331 T310 value; {allowed}", self.t310),
            ));
        }
        out.extend(outage_problem(
            "rlf.reestablishment",
            "a re-establishment",
            self.reestablishment,
        ));
        out
    }
}

/// What happened to a UE's link, and when.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MobilityEvent {
    /// The UE leaves `from` for `to`; interrupted from now.
    HandoverStart { at: SimTime, from: usize, to: usize },
    /// The interruption is over; `cell` serves.
    HandoverEnd { at: SimTime, cell: usize },
    /// T310 ran out: the link to `cell` failed; the UE is without a link.
    LinkFailure { at: SimTime, cell: usize },
    /// Re-established; `cell` serves.
    Reestablished { at: SimTime, cell: usize },
}

impl MobilityEvent {
    pub fn at(&self) -> SimTime {
        match *self {
            MobilityEvent::HandoverStart { at, .. }
            | MobilityEvent::HandoverEnd { at, .. }
            | MobilityEvent::LinkFailure { at, .. }
            | MobilityEvent::Reestablished { at, .. } => at,
        }
    }
}

/// Where the UE's link stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Link {
    /// No measurement yet.
    Unattached,
    Connected(usize),
    /// Handing over to the cell, until the instant.
    Interrupted {
        to: usize,
        until: SimTime,
    },
    /// After a failure, until the instant.
    Reestablishing {
        until: SimTime,
    },
}

/// One UE's serving cell, handovers and link failures.
#[derive(Clone, Debug)]
pub struct Mobility {
    handover: HandoverConfig,
    rlf: RlfConfig,
    link: Link,
    /// Per cell, since when it has met A3's entering condition.
    a3_since: Vec<Option<SimTime>>,
    /// The time-to-trigger that runs out first, and towards which cell:
    /// computed whenever `a3_since` changes, as the timers are looked up
    /// several times per measurement.
    a3_next: Option<(SimTime, usize)>,
    /// When T310 started, if it runs.
    t310_since: Option<SimTime>,
    /// The last received powers (dBm), for the cell after a failure.
    last_rsrp: Vec<f64>,
}

/// The strongest cell (the first on a tie); `None` without cells.
fn strongest(rsrp_dbm: &[f64]) -> Option<usize> {
    (0..rsrp_dbm.len()).reduce(|best, i| if rsrp_dbm[i] > rsrp_dbm[best] { i } else { best })
}

impl Mobility {
    pub fn new(handover: HandoverConfig, rlf: RlfConfig) -> Mobility {
        Mobility {
            handover,
            rlf,
            link: Link::Unattached,
            a3_since: Vec::new(),
            a3_next: None,
            t310_since: None,
            last_rsrp: Vec::new(),
        }
    }

    /// The serving cell: `None` before the first measurement and while
    /// re-establishing; the target during a handover's interruption.
    pub fn serving(&self) -> Option<usize> {
        match self.link {
            Link::Connected(cell) | Link::Interrupted { to: cell, .. } => Some(cell),
            Link::Unattached | Link::Reestablishing { .. } => None,
        }
    }

    /// Whether the UE can send and receive (connected, not interrupted).
    pub fn is_connected(&self) -> bool {
        matches!(self.link, Link::Connected(_))
    }

    /// The earliest instant a timer runs out (a time-to-trigger, T310, the
    /// end of an interruption or of a re-establishment), if one runs: the
    /// caller wakes the machine then with [`advance`](Self::advance).
    pub fn next_deadline(&self) -> Option<SimTime> {
        self.next_timer().map(|(at, _)| at)
    }

    /// Runs out every timer due at or before `now`, in time order.
    pub fn advance(&mut self, now: SimTime, out: &mut Vec<MobilityEvent>) {
        while let Some((at, timer)) = self.next_timer().filter(|(at, _)| *at <= now) {
            match timer {
                Timer::T310 => {
                    if let Link::Connected(cell) = self.link {
                        out.push(MobilityEvent::LinkFailure { at, cell });
                    }
                    self.link = Link::Reestablishing {
                        until: at + self.rlf.reestablishment,
                    };
                    self.reset_timers();
                }
                Timer::TimeToTrigger(to) => {
                    if let Link::Connected(from) = self.link {
                        out.push(MobilityEvent::HandoverStart { at, from, to });
                    }
                    self.link = Link::Interrupted {
                        to,
                        until: at + self.handover.interruption,
                    };
                    self.reset_timers();
                }
                Timer::InterruptionEnd(cell) => {
                    out.push(MobilityEvent::HandoverEnd { at, cell });
                    self.link = Link::Connected(cell);
                }
                Timer::ReestablishmentEnd => {
                    let cell = strongest(&self.last_rsrp).unwrap_or(0);
                    out.push(MobilityEvent::Reestablished { at, cell });
                    self.link = Link::Connected(cell);
                }
            }
        }
    }

    /// A measurement at `now`: each gNB's received power at the UE (dBm)
    /// and the SINR (dB) the UE would have with each gNB serving, in the
    /// same order. Timers due by `now` run out first.
    pub fn observe(&mut self, now: SimTime, rsrp_dbm: &[f64], sinr_db: &[f64], out: &mut Vec<MobilityEvent>) {
        self.advance(now, out);
        self.last_rsrp.clear();
        self.last_rsrp.extend_from_slice(rsrp_dbm);
        let serving = match self.link {
            Link::Unattached => match strongest(rsrp_dbm) {
                Some(cell) => {
                    self.link = Link::Connected(cell);
                    cell
                }
                None => return,
            },
            Link::Connected(cell) => cell,
            // Neither A3 nor radio link monitoring without a link.
            Link::Interrupted { .. } | Link::Reestablishing { .. } => return,
        };
        self.a3_since.resize(rsrp_dbm.len(), None);
        let entering = rsrp_dbm[serving] + self.handover.hysteresis_db;
        for (cell, since) in self.a3_since.iter_mut().enumerate() {
            *since = if cell != serving && rsrp_dbm[cell] > entering {
                since.or(Some(now))
            } else {
                None
            };
        }
        self.a3_next = self.earliest_time_to_trigger();
        let sinr = sinr_db[serving];
        if sinr < self.rlf.q_out_db {
            self.t310_since.get_or_insert(now);
        } else if sinr > self.rlf.q_in_db {
            self.t310_since = None;
        }
        // A time-to-trigger of 0 (or a T310 of 0) runs out at once.
        self.advance(now, out);
    }

    fn reset_timers(&mut self) {
        self.a3_since.iter_mut().for_each(|s| *s = None);
        self.a3_next = None;
        self.t310_since = None;
    }

    /// The running time-to-trigger that runs out first (the strongest cell
    /// on a tie, by the last received powers), and its cell.
    fn earliest_time_to_trigger(&self) -> Option<(SimTime, usize)> {
        self.a3_since
            .iter()
            .enumerate()
            .filter_map(|(cell, since)| since.map(|s| (s + self.handover.time_to_trigger, cell)))
            .min_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(self.last_rsrp[b.1].total_cmp(&self.last_rsrp[a.1]))
            })
    }

    /// The earliest running timer: T310 first on a tie, then the
    /// time-to-trigger of the strongest cell.
    fn next_timer(&self) -> Option<(SimTime, Timer)> {
        match self.link {
            Link::Unattached => None,
            Link::Interrupted { to, until } => Some((until, Timer::InterruptionEnd(to))),
            Link::Reestablishing { until } => Some((until, Timer::ReestablishmentEnd)),
            Link::Connected(_) => {
                let t310 = self.t310_since.map(|since| (since + self.rlf.t310, Timer::T310));
                // A time-to-trigger runs only while connected (the timers
                // are reset on leaving), so the one kept is current.
                let a3 = self.a3_next.map(|(at, cell)| (at, Timer::TimeToTrigger(cell)));
                match (t310, a3) {
                    (Some(t), Some(a)) => Some(if t.0 <= a.0 { t } else { a }),
                    (t, a) => t.or(a),
                }
            }
        }
    }
}

/// A timer of the machine.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Timer {
    T310,
    TimeToTrigger(usize),
    InterruptionEnd(usize),
    ReestablishmentEnd,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{RngStreams, StreamRng};
    use crate::net::{Channel, InfScenario, RadioMap, Shadowing};
    use rand_distr::{Distribution, Normal};

    /// Handovers back to the cell left less than a second before (the
    /// ping-pong of 3GPP mobility studies).
    fn ping_pongs(events: &[MobilityEvent]) -> usize {
        handovers(events)
            .windows(2)
            .filter(|w| w[1].2 == w[0].1 && w[1].0.saturating_sub(w[0].0) < SimTime::from_secs(1))
            .count()
    }

    /// The handovers started: (when, from, to).
    fn handovers(events: &[MobilityEvent]) -> Vec<(SimTime, usize, usize)> {
        events
            .iter()
            .filter_map(|e| match *e {
                MobilityEvent::HandoverStart { at, from, to } => Some((at, from, to)),
                _ => None,
            })
            .collect()
    }

    /// A UE driving at 1 m/s from x = 10 m to x = 90 m between gNBs at 0 and
    /// 100 m, without shadowing, measured every 40 ms.
    #[test]
    fn a_straight_drive_between_two_gnbs_hands_over_once() {
        let channel = Channel::new(InfScenario::Sl, 3.5);
        let streams = RngStreams::new(1, 0);
        let gnbs = [(0.0, 0.0), (100.0, 0.0)];
        let map = RadioMap::new(channel, &gnbs, Shadowing::Off, &streams);
        let mut rng = streams.stream("unused");
        let config = HandoverConfig::default();
        let mut ue = Mobility::new(config, RlfConfig::default());
        let mut events = Vec::new();
        let power = |gnb: usize, x: f64, rng: &mut StreamRng| 24.0 - map.link(gnb, (x, 0.0), rng).loss_db();
        for step in 0..=2000u64 {
            let x = 10.0 + step as f64 * 0.04;
            let rsrp = [power(0, x, &mut rng), power(1, x, &mut rng)];
            ue.observe(
                SimTime::from_nanos(step * 40_000_000),
                &rsrp,
                &[20.0, 20.0],
                &mut events,
            );
        }
        let done = handovers(&events);
        assert_eq!(done.len(), 1, "{events:?}");
        let (at, from, to) = done[0];
        assert_eq!((from, to), (0, 1));
        assert_eq!(ping_pongs(&events), 0);
        // Where cell 1 first exceeds cell 0 by the hysteresis (3 dB), found
        // on the measurement grid, plus the time-to-trigger.
        let first = (0..=2000u64)
            .find(|s| {
                let x = 10.0 + *s as f64 * 0.04;
                power(1, x, &mut rng) - power(0, x, &mut rng) > 3.0
            })
            .unwrap();
        assert_eq!(
            at,
            SimTime::from_nanos(first * 40_000_000) + config.time_to_trigger
        );
        let x_at = 10.0 + at.as_secs_f64();
        assert!(x_at > 50.0 && x_at < 60.0, "{x_at}");
        assert!(events.contains(&MobilityEvent::HandoverEnd {
            at: at + config.interruption,
            cell: 1
        }));
    }

    /// A still UE half-way between two gNBs, measured every 10 ms with
    /// independent 2 dB noise on each cell's power.
    fn jittery(config: HandoverConfig) -> Vec<MobilityEvent> {
        let mut rng = RngStreams::new(3, 0).stream("jitter");
        let noise = Normal::new(0.0, 2.0).unwrap();
        let mut ue = Mobility::new(config, RlfConfig::default());
        let mut events = Vec::new();
        for step in 0..6000u64 {
            let rsrp = [-80.0 + noise.sample(&mut rng), -80.0 + noise.sample(&mut rng)];
            ue.observe(
                SimTime::from_nanos(step * 10_000_000),
                &rsrp,
                &[10.0, 10.0],
                &mut events,
            );
        }
        events
    }

    #[test]
    fn jitter_without_hysteresis_ping_pongs_and_a_time_to_trigger_stops_it() {
        let bare = HandoverConfig {
            hysteresis_db: 0.0,
            time_to_trigger: SimTime::ZERO,
            interruption: ms(50),
        };
        let events = jittery(bare);
        assert!(ping_pongs(&events) > 100, "{}", ping_pongs(&events));
        // 256 ms is 26 measurements in a row won by the same cell: with
        // each won at 1/2, about 6000 · 2⁻²⁶ ≈ 10⁻⁴ expected in the minute.
        let held = jittery(HandoverConfig {
            time_to_trigger: ms(256),
            ..bare
        });
        assert_eq!(handovers(&held), []);
        assert_eq!(ping_pongs(&held), 0);
    }

    /// The serving SINR 0 dB, then from `fall` below Q_out; back to `level`
    /// from `recover` on, if given. Measured every 7 ms.
    fn rlf_run(fall: u64, recover: Option<(u64, f64)>) -> Vec<MobilityEvent> {
        let mut ue = Mobility::new(HandoverConfig::default(), RlfConfig::default());
        let mut events = Vec::new();
        for step in 0..1000u64 {
            let t = step * 7;
            let sinr = match recover {
                Some((at, level)) if t >= at => level,
                _ if t >= fall => -10.0,
                _ => 0.0,
            };
            ue.observe(ms(t), &[-70.0, -90.0], &[sinr, sinr - 20.0], &mut events);
        }
        events
    }

    #[test]
    fn radio_link_fails_exactly_t310_after_falling_below_q_out() {
        // First measurement below Q_out at 1001 ms (a multiple of 7).
        let events = rlf_run(1000, None);
        assert_eq!(
            events[..2],
            [
                MobilityEvent::LinkFailure {
                    at: ms(2001),
                    cell: 0
                },
                MobilityEvent::Reestablished {
                    at: ms(2221),
                    cell: 0
                },
            ]
        );
        // Back above Q_in 1 ms before T310 runs out (measured at 1995 ms,
        // 6 ms before): no failure.
        assert_eq!(rlf_run(1000, Some((1995, -5.0)))[..], []);
        // Between Q_out and Q_in is not in sync: T310 keeps running.
        assert_eq!(
            rlf_run(1000, Some((1500, -7.0)))[0],
            MobilityEvent::LinkFailure {
                at: ms(2001),
                cell: 0
            }
        );
    }

    #[test]
    fn settings_outside_ts_38_331_are_problems() {
        assert_eq!(HandoverConfig::default().problems(), []);
        assert_eq!(RlfConfig::default().problems(), []);
        let bad = HandoverConfig {
            hysteresis_db: 2.3,
            time_to_trigger: ms(250),
            interruption: SimTime::from_secs(11),
        };
        let keys: Vec<&str> = bad.problems().iter().map(|p| p.0).collect();
        assert_eq!(
            keys,
            [
                "handover.hysteresis_db",
                "handover.time_to_trigger",
                "handover.interruption"
            ]
        );
        assert!(
            bad.problems()[1].1.contains("allowed: 0ms, 40ms, 64ms"),
            "{:?}",
            bad.problems()
        );
        let bad = RlfConfig {
            q_in_db: -9.0,
            t310: ms(300),
            ..RlfConfig::default()
        };
        let keys: Vec<&str> = bad.problems().iter().map(|p| p.0).collect();
        assert_eq!(keys, ["rlf.q_in_db", "rlf.t310"]);
        let half = HandoverConfig {
            hysteresis_db: 1.5,
            time_to_trigger: ms(5120),
            ..HandoverConfig::default()
        };
        assert_eq!(half.problems(), []);
    }

    #[test]
    fn deadlines_tell_the_caller_when_to_wake_the_machine() {
        let mut ue = Mobility::new(HandoverConfig::default(), RlfConfig::default());
        let mut events = Vec::new();
        assert_eq!(ue.next_deadline(), None);
        ue.observe(ms(0), &[-70.0, -90.0], &[-9.0, -20.0], &mut events);
        assert_eq!(ue.next_deadline(), Some(ms(1000)));
        ue.advance(ms(999), &mut events);
        assert!(events.is_empty() && ue.is_connected());
        ue.advance(ms(1000), &mut events);
        assert_eq!(
            events,
            [MobilityEvent::LinkFailure {
                at: ms(1000),
                cell: 0
            }]
        );
        assert_eq!((ue.serving(), ue.is_connected()), (None, false));
        assert_eq!(ue.next_deadline(), Some(ms(1220)));
        // Measured stronger on cell 1 meanwhile: it serves after.
        ue.observe(ms(1100), &[-90.0, -70.0], &[-20.0, 5.0], &mut events);
        ue.advance(ms(1300), &mut events);
        assert_eq!(
            events[1],
            MobilityEvent::Reestablished {
                at: ms(1220),
                cell: 1
            }
        );
        assert_eq!(ue.serving(), Some(1));
    }
}
