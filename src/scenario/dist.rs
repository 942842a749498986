//! The distribution strings of a scenario: `"exp(2.7h)"`, `"tri(1s, 2s, 4s)"`,
//! `"30s"`, `"empirical(times.csv)"`, ...

use super::diag::did_you_mean;
use crate::engine::{SimTime, MAX_DURATION};
use crate::model::Dist;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Why a distribution string was refused; `at` is the byte range of the
/// culprit inside the string, when narrower than the whole.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DistParseError {
    pub message: String,
    pub at: Option<Range<usize>>,
}

fn err<T>(message: impl Into<String>, at: Option<Range<usize>>) -> Result<T, DistParseError> {
    Err(DistParseError {
        message: message.into(),
        at,
    })
}

/// The functions and their parameters, in the order they are listed to users.
const FORMS: &[(&str, &[&str])] = &[
    ("exp", &["MEAN"]),
    ("const", &["X"]),
    ("uniform", &["A", "B"]),
    ("tri", &["MIN", "MODE", "MAX"]),
    ("normal", &["MEAN", "SD"]),
    ("lognormal", &["MEAN", "SD"]),
    ("erlang", &["K", "MEAN"]),
    ("gamma", &["SHAPE", "MEAN"]),
    ("weibull", &["SHAPE", "SCALE"]),
    ("empirical", &["FILE.csv"]),
];

fn signature(name: &str, params: &[&str]) -> String {
    format!("{name}({})", params.join(", "))
}

/// `exp(MEAN), const(X), ..., or a bare duration like "30s"`.
pub(crate) fn allowed_forms() -> String {
    let forms: Vec<String> = FORMS.iter().map(|(n, p)| signature(n, p)).collect();
    format!("{}, or a bare duration like \"30s\"", forms.join(", "))
}

/// One argument of a call: its trimmed text and its byte range in the string.
struct Arg<'a> {
    text: &'a str,
    at: Range<usize>,
}

/// Parses a distribution string. Relative `empirical` paths are resolved
/// against `dir` (the current directory when `None`).
pub(crate) fn parse_dist(text: &str, dir: Option<&Path>) -> Result<Dist, DistParseError> {
    let lead = text.len() - text.trim_start().len();
    let body = text.trim();
    let body_at = lead..lead + body.len();
    let Some(first) = body.chars().next() else {
        return err(
            format!("empty distribution; write one of {}", allowed_forms()),
            None,
        );
    };
    if first.is_ascii_digit() || matches!(first, '.' | '+' | '-') {
        return SimTime::parse_duration(body)
            .map(Dist::constant)
            .or_else(|e| err(e.to_string(), None));
    }
    if !(first.is_alphabetic() || first == '_') {
        return err(
            format!("`{body}` is not a distribution; allowed: {}", allowed_forms()),
            None,
        );
    }
    let name_len = body
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(body.len());
    let name = body.get(..name_len).unwrap_or("");
    let name_at = lead..lead + name_len;
    let Some((_, params)) = FORMS.iter().find(|(n, _)| *n == name) else {
        return err(
            format!(
                "unknown distribution `{name}`; allowed: {}{}",
                allowed_forms(),
                did_you_mean(name, FORMS.iter().map(|(n, _)| *n))
            ),
            Some(name_at),
        );
    };
    let sig = signature(name, params);
    let after_name = body.get(name_len..).unwrap_or("");
    let Some(open_rel) = after_name.find(|c: char| !c.is_whitespace()) else {
        return err(
            format!("`{name}` needs its arguments in parentheses: {sig}"),
            None,
        );
    };
    if !after_name.get(open_rel..).unwrap_or("").starts_with('(') {
        return err(
            format!("malformed distribution `{body}`: expected `(` after `{name}`; write {sig}"),
            None,
        );
    }
    let open = name_len + open_rel;
    let Some(close) = body.rfind(')').filter(|c| *c > open) else {
        return err(
            format!("malformed distribution `{body}`: missing `)` at the end; write {sig}"),
            None,
        );
    };
    if close + 1 != body.len() {
        return err(
            format!("malformed distribution `{body}`: unexpected text after `)`; write {sig}"),
            Some(body_at.start + close + 1..body_at.end),
        );
    }
    let inner_start = body_at.start + open + 1;
    let inner = body.get(open + 1..close).unwrap_or("");
    if name == "empirical" {
        return empirical(inner, inner_start, dir);
    }
    let args = split_args(inner, inner_start);
    if args.len() != params.len() {
        let plural = if params.len() == 1 {
            "argument"
        } else {
            "arguments"
        };
        return err(
            format!(
                "{name} takes {} {plural} ({}), found {}",
                params.len(),
                params.join(", "),
                args.len()
            ),
            None,
        );
    }
    // Argument `i` and the name of its parameter.
    let arg = |i: usize| -> Result<(&Arg<'_>, &str), DistParseError> {
        let a = args.get(i).ok_or_else(|| DistParseError {
            message: format!("{sig}: missing argument"),
            at: None,
        })?;
        Ok((a, params.get(i).copied().unwrap_or("?")))
    };
    let dur = |i: usize| -> Result<SimTime, DistParseError> {
        let (a, p) = arg(i)?;
        SimTime::parse_duration(a.text).map_err(|e| DistParseError {
            message: format!("{sig}: {p}: {e}"),
            at: Some(a.at.clone()),
        })
    };
    let num = |i: usize| -> Result<f64, DistParseError> {
        let (a, p) = arg(i)?;
        match a.text.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => err(
                format!(
                    "{sig}: {p} must be a plain number like 1.5 (no unit), found `{}`",
                    a.text
                ),
                Some(a.at.clone()),
            ),
        }
    };
    let built = match name {
        "exp" => Dist::exp(dur(0)?),
        "const" => Ok(Dist::constant(dur(0)?)),
        "uniform" => Dist::uniform(dur(0)?, dur(1)?),
        "tri" => Dist::triangular(dur(0)?, dur(1)?, dur(2)?),
        "normal" => Dist::normal(dur(0)?, dur(1)?),
        "lognormal" => Dist::lognormal(dur(0)?, dur(1)?),
        "erlang" => {
            let (a, _) = arg(0)?;
            let k = match a.text.parse::<u32>() {
                Ok(k) if k >= 1 => k,
                _ => {
                    return err(
                        format!(
                            "{sig}: K must be a whole number of at least 1, found `{}`",
                            a.text
                        ),
                        Some(a.at.clone()),
                    )
                }
            };
            Dist::erlang(k, dur(1)?)
        }
        "gamma" => Dist::gamma(num(0)?, dur(1)?),
        "weibull" => Dist::weibull(num(0)?, dur(1)?),
        _ => return err(format!("unknown distribution `{name}`"), Some(name_at)),
    };
    built.or_else(|e| err(e.0, None))
}

fn split_args(inner: &str, offset: usize) -> Vec<Arg<'_>> {
    if inner.trim().is_empty() {
        return Vec::new();
    }
    let mut args = Vec::new();
    let mut start = 0;
    for piece in inner.split(',') {
        let lead = piece.len() - piece.trim_start().len();
        let text = piece.trim();
        let a = offset + start + lead;
        args.push(Arg {
            text,
            at: a..a + text.len(),
        });
        start += piece.len() + 1;
    }
    args
}

/// The largest file of samples read by `empirical(FILE)`, in bytes.
const MAX_EMPIRICAL_BYTES: u64 = 100_000_000;

/// `empirical(FILE)`: one sample a line, each a duration with its unit
/// (`12.5ms`), or a bare number when a header line names the unit
/// (`latency_ms`, `delay (us)`, `seconds`); a first line that is not a
/// sample is taken for a header. A bare number with no unit named is
/// refused: read as seconds, a column of milliseconds would be a thousand
/// times too slow without a word.
fn empirical(inner: &str, offset: usize, dir: Option<&Path>) -> Result<Dist, DistParseError> {
    let lead = inner.len() - inner.trim_start().len();
    let trimmed = inner.trim();
    let at = Some(offset + lead..offset + lead + trimmed.len());
    let file = strip_quotes(trimmed);
    if file.is_empty() {
        return err(
            "empirical(FILE.csv) needs a file name, e.g. empirical(times.csv)",
            None,
        );
    }
    let path = match dir {
        Some(d) if Path::new(file).is_relative() => d.join(file),
        _ => PathBuf::from(file),
    };
    let text = match super::read_bounded(&path, MAX_EMPIRICAL_BYTES) {
        Ok(t) => t,
        Err(e) => return err(format!("empirical: cannot read `{}`: {e}", path.display()), at),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut samples = Vec::new();
    let mut first = true;
    // The unit a header names, for bare numbers.
    let mut unit: Option<&str> = None;
    for (i, line) in text.lines().enumerate() {
        let value = strip_quotes(line.trim());
        if value.is_empty() {
            continue;
        }
        let is_first = std::mem::replace(&mut first, false);
        let bare = value.parse::<f64>().is_ok();
        if bare {
            let Some(u) = unit else {
                return err(
                    format!(
                        "empirical: `{}` line {}: `{value}` has no unit; write it with one (`{value}ms`, `{value}s`) \
                         or name the unit in a header line (`latency_ms`, `seconds`)",
                        path.display(),
                        i + 1
                    ),
                    at,
                );
            };
            match parse_sample(&format!("{value}{u}")) {
                Some(t) => samples.push(t),
                None => {
                    return err(
                        format!(
                            "empirical: `{}` line {}: `{value}` {u} is not a duration 0 or more",
                            path.display(),
                            i + 1
                        ),
                        at,
                    )
                }
            }
            continue;
        }
        match parse_sample(value) {
            Some(t) => samples.push(t),
            None if is_first => unit = header_unit(value),
            None => {
                return err(
                    format!(
                        "empirical: `{}` line {}: `{value}` is not a duration (\"30s\", \"12.5ms\")",
                        path.display(),
                        i + 1
                    ),
                    at,
                )
            }
        }
    }
    if samples.is_empty() {
        return err(format!("empirical: `{}` holds no samples", path.display()), at);
    }
    Dist::empirical(samples).or_else(|e| err(e.0, at))
}

fn strip_quotes(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.trim();
        }
    }
    s
}

/// A duration string with its unit.
fn parse_sample(s: &str) -> Option<SimTime> {
    SimTime::parse_duration(s).ok().filter(|t| *t <= MAX_DURATION)
}

/// The time unit a header names, as a duration suffix: the last word of
/// the header that is a unit (`latency_ms`, `delay (us)`, `Time [s]`,
/// `seconds`).
fn header_unit(header: &str) -> Option<&'static str> {
    const UNITS: [(&str, &str); 16] = [
        ("ns", "ns"),
        ("us", "us"),
        ("µs", "us"),
        ("ms", "ms"),
        ("msec", "ms"),
        ("millis", "ms"),
        ("milliseconds", "ms"),
        ("s", "s"),
        ("sec", "s"),
        ("secs", "s"),
        ("second", "s"),
        ("seconds", "s"),
        ("min", "min"),
        ("minutes", "min"),
        ("h", "h"),
        ("hours", "h"),
    ];
    header
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != 'µ')
        .filter(|word| !word.is_empty())
        .filter_map(|word| {
            UNITS
                .iter()
                .find(|(name, _)| *name == word)
                .map(|(_, unit)| *unit)
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_s(text: &str) -> f64 {
        parse_dist(text, None)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .mean_ns()
            / 1e9
    }

    fn msg(text: &str) -> String {
        parse_dist(text, None).unwrap_err().message
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(mean_s("exp(2.7h)"), 2.7 * 3600.0);
        assert_eq!(mean_s("30s"), 30.0);
        assert_eq!(mean_s(" const( 4.5min ) "), 270.0);
        assert_eq!(mean_s("uniform(1s,3s)"), 2.0);
        assert_eq!(mean_s("tri(1s, 2s, 6s)"), 3.0);
        assert!(mean_s("normal(10s, 1s)") >= 10.0);
        assert!((mean_s("lognormal(10s, 5s)") - 10.0).abs() < 1e-9);
        assert!((mean_s("erlang(3, 9s)") - 9.0).abs() < 1e-9);
        assert!((mean_s("gamma(0.5, 4s)") - 4.0).abs() < 1e-9);
        assert!(mean_s("weibull(1.5, 10s)") > 8.0);
        assert!(parse_dist("const(30s)", None).unwrap().is_constant());
    }

    #[test]
    fn explains_bad_strings() {
        let m = msg("expo(3s)");
        assert!(
            m.starts_with("unknown distribution `expo`; allowed: exp(MEAN), const(X), uniform(A, B)"),
            "{m}"
        );
        assert!(m.ends_with("did you mean `exp`?"), "{m}");
        assert_eq!(msg("exp(1s, 2s)"), "exp takes 1 argument (MEAN), found 2");
        assert_eq!(msg("tri(1s)"), "tri takes 3 arguments (MIN, MODE, MAX), found 1");
        assert_eq!(msg("exp()"), "exp takes 1 argument (MEAN), found 0");
        assert!(msg("exp(3s").contains("missing `)`"));
        assert!(msg("exp(3s) x").contains("after `)`"));
        assert!(msg("exp 3s").contains("expected `(` after `exp`"));
        assert!(msg("exp").contains("needs its arguments"));
        assert!(msg("30parsecs").contains("unknown unit `parsecs`"));
        assert!(msg("30").contains("has no unit"));
        assert!(msg("").contains("empty distribution"));
        assert!(msg("(3s)").contains("is not a distribution"));
        assert!(msg("erlang(2.5, 1s)").contains("K must be a whole number"));
        assert!(msg("weibull(2s, 1s)").contains("SHAPE must be a plain number"));
        // DistError messages come through.
        assert_eq!(msg("exp(0s)"), "exp(MEAN) needs a mean above 0");
        assert_eq!(msg("uniform(3s, 1s)"), "uniform(A, B) needs A <= B");
        assert!(msg("Exp(1s)").contains("unknown distribution `Exp`"));
    }

    #[test]
    fn points_at_the_bad_argument() {
        let text = "uniform(1s, 3parsecs)";
        let e = parse_dist(text, None).unwrap_err();
        assert_eq!(&text[e.at.unwrap()], "3parsecs");
        assert!(
            e.message.starts_with("uniform(A, B): B: unknown unit"),
            "{}",
            e.message
        );
        let e = parse_dist("  wibble(1s)", None).unwrap_err();
        assert_eq!(e.at, Some(2..8));
    }

    #[test]
    fn reads_empirical_files() {
        let dir = std::env::temp_dir().join(format!("f5g-emp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ok.csv"), "time_s\n1s\n\n3\n\"2s\"\n").unwrap();
        std::fs::write(dir.join("bad.csv"), "1s\n2s\nabc\n").unwrap();
        std::fs::write(dir.join("empty.csv"), "header\n\n").unwrap();
        let d = parse_dist("empirical(ok.csv)", Some(&dir)).unwrap();
        assert!((d.mean_ns() / 1e9 - 2.0).abs() < 1e-9);
        let e = parse_dist("empirical(bad.csv)", Some(&dir)).unwrap_err();
        assert!(e.message.contains("line 3: `abc`"), "{}", e.message);
        let e = parse_dist("empirical(empty.csv)", Some(&dir)).unwrap_err();
        assert!(e.message.contains("no samples"), "{}", e.message);
        let e = parse_dist("empirical(nope.csv)", Some(&dir)).unwrap_err();
        assert!(e.message.contains("cannot read"), "{}", e.message);
        assert!(parse_dist("empirical()", Some(&dir))
            .unwrap_err()
            .message
            .contains("needs a file name"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
