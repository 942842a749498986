//! Simulated time: integer nanoseconds since the start of a run.
//!
//! One type serves for instants and durations, as in most DES kernels: a
//! duration is the instant it would be if counted from zero. Integer time makes
//! runs bit-identical across machines and makes ties exact, so the event queue
//! can order them first-in first-out.
//!
//! ```
//! use factory5g::engine::SimTime;
//! let t = SimTime::parse_duration("4.5min").unwrap();
//! assert_eq!(t.as_nanos(), 270_000_000_000);
//! assert_eq!(t.to_string(), "4.5min");
//! ```

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds since the start of the run (or a duration in nanoseconds).
#[derive(Copy, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct SimTime(u64);

/// The longest duration a scenario may name: 100 years. Anything longer is a
/// typo, and the bound keeps every sum of two times far from `u64` overflow.
pub const MAX_DURATION: SimTime = SimTime(100 * 365 * 86_400 * 1_000_000_000);

/// Units accepted in duration strings, with their length in nanoseconds.
pub const DURATION_UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("min", 60_000_000_000),
    ("h", 3_600_000_000_000),
    ("d", 86_400_000_000_000),
];

/// Why a duration string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("empty duration; write a number and a unit, e.g. \"30s\"")]
    Empty,
    #[error("`{0}` has no unit; durations need one of ns, us, ms, s, min, h, d (e.g. \"{0}s\")")]
    MissingUnit(String),
    #[error("unknown unit `{unit}` in `{text}`; allowed units: ns, us, ms, s, min, h, d")]
    UnknownUnit { text: String, unit: String },
    #[error("`{0}` is not a number followed by a unit (e.g. \"2.5min\")")]
    BadNumber(String),
    #[error("`{0}` is negative; durations must be 0 or more")]
    Negative(String),
    #[error("`{0}` is longer than the 100-year limit")]
    TooLarge(String),
}

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    #[inline]
    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }
    #[inline]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    #[inline]
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * 1_000_000_000)
    }
    #[inline]
    pub const fn from_hours(h: u64) -> Self {
        SimTime(h * 3_600_000_000_000)
    }
    /// Rounds to the nearest nanosecond; negative and NaN give zero, huge values
    /// saturate at [`MAX_DURATION`].
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        Self::from_nanos_f64(s * 1e9)
    }
    /// As [`SimTime::from_secs_f64`], from a float number of nanoseconds.
    #[inline]
    pub fn from_nanos_f64(ns: f64) -> Self {
        if ns.is_nan() || ns <= 0.0 {
            SimTime(0)
        } else if ns >= MAX_DURATION.0 as f64 {
            MAX_DURATION
        } else {
            SimTime(round_positive(ns))
        }
    }
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
    #[inline]
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / 3.6e12
    }
    /// `self − other`, or zero when `other` is later (where that is
    /// expected; `-` treats it as a bug).
    #[inline]
    pub fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }

    /// Parses `"250us"`, `"0.5ms"`, `"30s"`, `"4.5min"`, `"2h"`, `"1d"`.
    pub fn parse_duration(text: &str) -> Result<SimTime, DurationError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(DurationError::Empty);
        }
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
            .unwrap_or(t.len());
        // "1e3s" is a number then a unit, but "1min" must not read 'e' into the number.
        let split = adjust_exponent_split(t, split);
        let (num, unit) = t.split_at(split);
        let unit = unit.trim();
        let value: f64 = num.parse().map_err(|_| DurationError::BadNumber(t.to_string()))?;
        if unit.is_empty() {
            return Err(DurationError::MissingUnit(t.to_string()));
        }
        let scale = DURATION_UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, ns)| *ns)
            .ok_or_else(|| DurationError::UnknownUnit {
                text: t.to_string(),
                unit: unit.to_string(),
            })?;
        if !value.is_finite() {
            return Err(DurationError::BadNumber(t.to_string()));
        }
        if value < 0.0 {
            return Err(DurationError::Negative(t.to_string()));
        }
        let ns = value * scale as f64;
        if ns > MAX_DURATION.0 as f64 {
            return Err(DurationError::TooLarge(t.to_string()));
        }
        Ok(SimTime(ns.round() as u64))
    }
}

/// Moves the number/unit split back when the scan swallowed an `e` that starts
/// a unit rather than an exponent (there is none today, but `e` followed by a
/// non-digit is never an exponent).
fn adjust_exponent_split(t: &str, split: usize) -> usize {
    let bytes = t.as_bytes();
    let mut end = split;
    while end > 0 {
        let c = bytes[end - 1];
        if c == b'e' || c == b'E' || c == b'+' || c == b'-' {
            end -= 1;
        } else {
            break;
        }
    }
    if end < split && t[..split].parse::<f64>().is_ok() {
        split
    } else {
        end
    }
}

impl Add for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}
impl AddAssign for SimTime {
    #[inline]
    fn add_assign(&mut self, rhs: SimTime) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}
impl Sub for SimTime {
    type Output = SimTime;
    /// The duration from `rhs` to `self`, which must not be later: a
    /// negative duration is a bug, which debug builds (the tests) catch
    /// with a panic and release builds round to zero. Where a later `rhs`
    /// is expected, say so with [`SimTime::saturating_sub`].
    #[inline]
    fn sub(self, rhs: SimTime) -> SimTime {
        debug_assert!(self >= rhs, "negative duration: {self} - {rhs}");
        SimTime(self.0.saturating_sub(rhs.0))
    }
}

impl fmt::Display for SimTime {
    /// The largest unit in which the value is at least 1, with up to six
    /// significant decimals, so that printing then parsing is close to exact.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0s");
        }
        let (unit, scale) = DURATION_UNITS
            .iter()
            .rev()
            .filter(|(u, _)| *u != "µs")
            .find(|(_, ns)| self.0 >= *ns)
            .copied()
            .unwrap_or(("ns", 1));
        let value = self.0 as f64 / scale as f64;
        let mut s = format!("{value:.6}");
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
        write!(f, "{s}{unit}")
    }
}

/// `x.round() as u64` for `0 < x <` [`MAX_DURATION`] (< 2^63), without the
/// call to libm's `round` (x86-64 has no rounding instruction before
/// SSE4.1): the same result for every such `x`. For `x < 2^53` the fraction
/// `x - trunc(x)` is exact, and a half rounds away from zero as `round` does;
/// from 2^53 on every `f64` is an integer and the fraction is 0.
///
/// It is on the path of every sampled duration: the conversions go through
/// `i64` (one instruction each way, where `u64` ones are sequences), and the
/// round-up is added as 0 or 1, not branched on (a branch on the fraction of
/// a random number mispredicts half the time).
#[inline]
fn round_positive(x: f64) -> u64 {
    let t = x as i64;
    let up = (x - t as f64 >= 0.5) as i64;
    (t + up) as u64
}

#[cfg(test)]
mod tests {

    #[test]
    fn round_positive_is_round() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut values = vec![
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            4503599627370495.5,
            9007199254740993.0,
            1e18,
        ];
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x).abs() % 1e19);
            values.push((x % 10_000_000) as f64 / 8.0);
        }
        for v in values {
            if v > 0.0 && v < MAX_DURATION.0 as f64 {
                assert_eq!(round_positive(v), v.round() as u64, "{v}");
            }
        }
    }
    use super::*;

    #[test]
    fn a_duration_is_the_difference_of_two_times() {
        let (early, late) = (SimTime::from_secs(2), SimTime::from_secs(5));
        assert_eq!(late - early, SimTime::from_secs(3));
        assert_eq!(late - late, SimTime::ZERO);
        assert_eq!(early.saturating_sub(late), SimTime::ZERO);
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "negative duration: 2s - 5s"))]
    fn a_negative_duration_panics_in_debug_builds_and_is_zero_in_release() {
        assert_eq!(SimTime::from_secs(2) - SimTime::from_secs(5), SimTime::ZERO);
    }

    #[test]
    fn parses_every_unit() {
        let cases = [
            ("250us", 250_000),
            ("250µs", 250_000),
            ("0.5ms", 500_000),
            ("30s", 30_000_000_000),
            ("4.5min", 270_000_000_000),
            ("2h", 7_200_000_000_000),
            ("1d", 86_400_000_000_000),
            ("7ns", 7),
            (" 3 s ", 3_000_000_000),
            ("1e3ms", 1_000_000_000),
        ];
        for (text, ns) in cases {
            assert_eq!(SimTime::parse_duration(text), Ok(SimTime(ns)), "{text}");
        }
    }

    #[test]
    fn refuses_bad_durations() {
        assert_eq!(SimTime::parse_duration(""), Err(DurationError::Empty));
        assert!(matches!(
            SimTime::parse_duration("30"),
            Err(DurationError::MissingUnit(_))
        ));
        assert!(matches!(
            SimTime::parse_duration("30 parsecs"),
            Err(DurationError::UnknownUnit { .. })
        ));
        assert!(matches!(
            SimTime::parse_duration("-3s"),
            Err(DurationError::Negative(_))
        ));
        assert!(matches!(
            SimTime::parse_duration("abc"),
            Err(DurationError::BadNumber(_))
        ));
        assert!(matches!(
            SimTime::parse_duration("1000000d"),
            Err(DurationError::TooLarge(_))
        ));
        assert!(matches!(
            SimTime::parse_duration("nans"),
            Err(DurationError::BadNumber(_))
        ));
    }

    #[test]
    fn prints_then_parses_back() {
        for ns in [
            1u64,
            999,
            1_500_000,
            30_000_000_000,
            270_000_000_000,
            7_200_000_000_000,
        ] {
            let t = SimTime(ns);
            assert_eq!(SimTime::parse_duration(&t.to_string()), Ok(t), "{t}");
        }
    }
}
