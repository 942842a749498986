//! Quantities with a unit written as strings: speeds (`"1.5m/s"`), message
//! sizes (`"1.5kB"`), bit rates (`"20Mbps"`) and lengths (`"0.5m"`). A bare number is refused
//! with a message that says which units there are; so is an unknown unit,
//! with the closest known one for sizes and rates.
//!
//! Conventions: sizes follow SI (1 kB = 1000 B) with the binary `KiB` and
//! `MiB` beside them; rates are in bits per second (`MBps`, bytes, is
//! refused with a hint). A speed's unit is found at the end of the text, so
//! its number may be written with an exponent (`"1e1m/s"`); a size's or a
//! rate's number ends at the first character that is not a digit, a sign or
//! a point.
//!
//! ```text
//! "5.4km/h" -> 1.5 m/s      "2KiB" -> 2048 B      "2.5 Mbit/s" -> 2.5e6 bit/s
//! ```

use crate::scenario::diag::{did_you_mean, list};

/// The fastest AGV, in metres per second.
pub(crate) const MAX_SPEED: f64 = 100.0;
/// Speed units and their value in metres per second.
pub(crate) const SPEED_UNITS: &[(&str, f64)] = &[("m/s", 1.0), ("km/h", 1.0 / 3.6), ("m/min", 1.0 / 60.0)];
/// Largest message, in bytes (10 MB).
pub(crate) const MAX_SIZE_BYTES: f64 = 10e6;
/// Fastest background rate per UE, bit/s (100 Gbit/s).
pub(crate) const MAX_RATE_BPS: f64 = 100e9;
/// Size units and their value in bytes.
pub(crate) const SIZE_UNITS: &[(&str, f64)] = &[
    ("B", 1.0),
    ("kB", 1e3),
    ("KiB", 1024.0),
    ("MB", 1e6),
    ("MiB", 1_048_576.0),
];
/// Rate units and their value in bit/s.
pub(crate) const RATE_UNITS: &[(&str, f64)] = &[
    ("bps", 1.0),
    ("kbps", 1e3),
    ("Mbps", 1e6),
    ("Gbps", 1e9),
    ("bit/s", 1.0),
    ("kbit/s", 1e3),
    ("Mbit/s", 1e6),
    ("Gbit/s", 1e9),
];

/// Parses `"1.5m/s"`, `"5.4km/h"`, `"90m/min"` into metres per second.
pub(crate) fn parse_speed(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let units = || {
        let u: Vec<&str> = SPEED_UNITS.iter().map(|(u, _)| *u).collect();
        list(&u)
    };
    let found = SPEED_UNITS
        .iter()
        .find_map(|(u, scale)| t.strip_suffix(u).map(|n| (n.trim(), *scale)));
    let (value, scale) = match found {
        Some((n, scale)) => match n.parse::<f64>() {
            Ok(x) if x.is_finite() => (x, scale),
            _ => {
                return Err(format!(
                    "`{t}` is not a number followed by a unit (e.g. \"1.5m/s\")"
                ))
            }
        },
        None => {
            if t.parse::<f64>().is_ok() {
                return Err(format!(
                    "`{t}` has no unit; speeds need one of {} (e.g. \"{t}m/s\")",
                    units()
                ));
            }
            let split = t
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
                .unwrap_or(t.len());
            let (n, unit) = t.split_at(split);
            if n.is_empty() || n.parse::<f64>().is_err() {
                return Err(format!(
                    "`{t}` is not a number followed by a unit (e.g. \"1.5m/s\")"
                ));
            }
            return Err(format!(
                "unknown unit `{}` in `{t}`; allowed units: {}",
                unit.trim(),
                units()
            ));
        }
    };
    let mps = value * scale;
    if mps <= 0.0 {
        return Err(format!("speed must be above 0, found \"{t}\""));
    }
    if mps > MAX_SPEED {
        return Err(format!(
            "speed must be at most {MAX_SPEED} m/s ({} km/h), found \"{t}\"",
            MAX_SPEED * 3.6
        ));
    }
    Ok(mps)
}

/// A number followed by one of `units`, in the base unit. `what` names the
/// quantity in messages ("sizes"), `example` is a valid value.
fn parse_quantity(text: &str, units: &[(&str, f64)], what: &str, example: &str) -> Result<f64, String> {
    let t = text.trim();
    let names: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let unit = unit.trim();
    let value = match n.parse::<f64>() {
        Ok(x) if x.is_finite() => x,
        _ => {
            return Err(format!(
                "`{t}` is not a number followed by a unit (e.g. \"{example}\")"
            ))
        }
    };
    if unit.is_empty() {
        return Err(format!(
            "`{t}` has no unit; {what} need one of {} (e.g. \"{t}{}\")",
            list(&names),
            names.first().copied().unwrap_or("")
        ));
    }
    match units.iter().find(|(u, _)| *u == unit) {
        Some((_, scale)) => Ok(value * scale),
        None => Err(format!(
            "unknown unit `{unit}` in `{t}`; allowed units: {}{}",
            list(&names),
            did_you_mean(unit, names.iter().copied())
        )),
    }
}

/// Length units and their value in metres.
pub(crate) const LENGTH_UNITS: &[(&str, f64)] = &[("m", 1.0), ("cm", 0.01), ("mm", 0.001)];

/// Parses `"0.5m"`, `"50cm"`, `"500mm"` into metres, at least 0 and at most
/// `max` metres.
pub(crate) fn parse_length(text: &str, max: f64) -> Result<f64, String> {
    let t = text.trim();
    let metres = parse_quantity(t, LENGTH_UNITS, "lengths", "0.5m")?;
    if metres < 0.0 {
        return Err(format!("length must be at least 0, found \"{t}\""));
    }
    if metres > max {
        return Err(format!("length must be at most {max} m, found \"{t}\""));
    }
    Ok(metres)
}

/// Parses `"100B"`, `"1.5kB"` (1000 bytes), `"2KiB"` (1024), `"1MB"`,
/// `"1MiB"` into whole bytes, above 0 and at most 10 MB.
pub(crate) fn parse_size(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let bytes = parse_quantity(t, SIZE_UNITS, "sizes", "100B")?;
    if bytes <= 0.0 {
        return Err(format!("size must be above 0, found \"{t}\""));
    }
    if bytes > MAX_SIZE_BYTES {
        return Err(format!(
            "size must be at most 10MB ({MAX_SIZE_BYTES} bytes), found \"{t}\""
        ));
    }
    let whole = bytes.round();
    if (bytes - whole).abs() > 1e-6 {
        return Err(format!(
            "`{t}` is {bytes} bytes; a size must be a whole number of bytes"
        ));
    }
    // At most 1e7: fits.
    Ok(whole as u32)
}

/// Parses `"20Mbps"`, `"500kbps"`, `"1Gbps"` (or `"20Mbit/s"`) into bit/s,
/// above 0 and at most 100 Gbit/s.
pub(crate) fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bps = parse_quantity(t, RATE_UNITS, "rates", "20Mbps").map_err(|m| {
        if t.ends_with("Bps") || t.ends_with("B/s") {
            format!("{m} (rates are in bits per second: bps, kbps, Mbps, Gbps)")
        } else {
            m
        }
    })?;
    if bps <= 0.0 {
        return Err(format!("rate must be above 0, found \"{t}\""));
    }
    if bps > MAX_RATE_BPS {
        return Err(format!("rate must be at most 100Gbps, found \"{t}\""));
    }
    Ok(bps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_bytes() {
        assert_eq!(parse_size("100B"), Ok(100));
        assert_eq!(parse_size(" 1.5kB "), Ok(1500));
        assert_eq!(parse_size("2KiB"), Ok(2048));
        assert_eq!(parse_size("1.1kB"), Ok(1100));
        assert_eq!(parse_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_size("1MiB"), Ok(1_048_576));
        let e = |t: &str| parse_size(t).unwrap_err();
        assert_eq!(
            e("100"),
            "`100` has no unit; sizes need one of B, kB, KiB, MB, MiB (e.g. \"100B\")"
        );
        assert_eq!(
            e("2kb"),
            "unknown unit `kb` in `2kb`; allowed units: B, kB, KiB, MB, MiB; did you mean `kB`?"
        );
        assert_eq!(e("0B"), "size must be above 0, found \"0B\"");
        assert_eq!(e("-1B"), "size must be above 0, found \"-1B\"");
        assert!(e("11MB").starts_with("size must be at most 10MB"));
        assert!(e("0.5B").contains("whole number of bytes"));
        assert!(e("kB").contains("not a number"));
        assert!(e("").contains("not a number"));
        assert!(e("NaNB").contains("not a number"));
    }

    #[test]
    fn rates_in_bits_per_second() {
        assert_eq!(parse_rate("20Mbps"), Ok(20e6));
        assert_eq!(parse_rate("500kbps"), Ok(500e3));
        assert_eq!(parse_rate("1Gbps"), Ok(1e9));
        assert_eq!(parse_rate("2.5 Mbit/s"), Ok(2.5e6));
        assert_eq!(parse_rate("64bps"), Ok(64.0));
        let e = |t: &str| parse_rate(t).unwrap_err();
        assert_eq!(
            e("20MBps"),
            "unknown unit `MBps` in `20MBps`; allowed units: bps, kbps, Mbps, Gbps, bit/s, kbit/s, Mbit/s, Gbit/s; did you mean `Mbps`? (rates are in bits per second: bps, kbps, Mbps, Gbps)"
        );
        assert!(e("20").starts_with("`20` has no unit; rates need one of bps"));
        assert!(e("20 parsecs").starts_with("unknown unit `parsecs`"));
        assert_eq!(e("0Mbps"), "rate must be above 0, found \"0Mbps\"");
        assert!(e("200Gbps").starts_with("rate must be at most 100Gbps"));
    }

    #[test]
    fn lengths_in_metres() {
        assert_eq!(parse_length("0.5m", 100.0), Ok(0.5));
        assert_eq!(parse_length("50cm", 100.0), Ok(0.5));
        assert_eq!(parse_length(" 500mm ", 100.0), Ok(0.5));
        assert_eq!(parse_length("0m", 100.0), Ok(0.0));
        let e = |t: &str| parse_length(t, 100.0).unwrap_err();
        assert_eq!(
            e("0.5"),
            "`0.5` has no unit; lengths need one of m, cm, mm (e.g. \"0.5m\")"
        );
        assert_eq!(e("2ft"), "unknown unit `ft` in `2ft`; allowed units: m, cm, mm");
        assert_eq!(e("-1m"), "length must be at least 0, found \"-1m\"");
        assert_eq!(e("101m"), "length must be at most 100 m, found \"101m\"");
    }

    #[test]
    fn speeds_need_units() {
        assert_eq!(parse_speed("1.5m/s"), Ok(1.5));
        assert_eq!(parse_speed(" 2 m/s "), Ok(2.0));
        assert!((parse_speed("5.4km/h").unwrap() - 1.5).abs() < 1e-12);
        assert!((parse_speed("90m/min").unwrap() - 1.5).abs() < 1e-12);
        let e = |t: &str| parse_speed(t).unwrap_err();
        assert_eq!(
            e("1.5"),
            "`1.5` has no unit; speeds need one of m/s, km/h, m/min (e.g. \"1.5m/s\")"
        );
        assert_eq!(
            e("3mph"),
            "unknown unit `mph` in `3mph`; allowed units: m/s, km/h, m/min"
        );
        assert_eq!(e("0m/s"), "speed must be above 0, found \"0m/s\"");
        assert_eq!(e("-1m/s"), "speed must be above 0, found \"-1m/s\"");
        assert_eq!(
            e("400km/h"),
            "speed must be at most 100 m/s (360 km/h), found \"400km/h\""
        );
        assert!(e("infm/s").contains("not a number"));
        assert!(e("NaN m/s").contains("not a number"));
        assert!(e("").contains("not a number"));
        assert!(e("m/s").contains("not a number"));
    }
}
