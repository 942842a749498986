//! `[network.nr]` `discard_timer`: the PDCP discard timer, a duration or
//! `"infinity"`.

use super::network::{ms, with, NR};
use super::{errors, messages, ok};
use crate::engine::SimTime;
use crate::model::LinkModel;

fn timer(extra: &str) -> Option<SimTime> {
    let l = ok(&with(&format!("{NR}{extra}")), &[]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let LinkModel::Nr(nr) = &l.model.network.link else {
        panic!("{:?}", l.model.network.link)
    };
    nr.nr.config().discard_timer
}

#[test]
fn discard_timer_defaults_to_100_ms() {
    assert_eq!(timer(""), Some(ms(100)));
}

#[test]
fn discard_timer_reads_a_duration_or_infinity() {
    assert_eq!(timer("discard_timer = \"10ms\"\n"), Some(ms(10)));
    assert_eq!(timer("discard_timer = \"1.5s\"\n"), Some(ms(1500)));
    assert_eq!(timer("discard_timer = \"infinity\"\n"), None);
}

#[test]
fn discard_timer_set_from_the_command_line() {
    let text = with(NR);
    let l = ok(&text, &["network.nr.discard_timer=20ms"]);
    let LinkModel::Nr(nr) = &l.model.network.link else {
        panic!("{:?}", l.model.network.link)
    };
    assert_eq!(nr.nr.config().discard_timer, Some(ms(20)));
    let l = ok(&text, &["network.nr.discard_timer=infinity"]);
    let LinkModel::Nr(nr) = &l.model.network.link else {
        panic!("{:?}", l.model.network.link)
    };
    assert_eq!(nr.nr.config().discard_timer, None);
}

#[test]
fn a_bad_discard_timer_is_one_error_at_its_value() {
    for (value, message) in [
        (
            "\"0ms\"",
            "network.nr.discard_timer: a discard timer of 0 drops every packet before it is sent; give a duration above 0 (e.g. \"100ms\") or \"infinity\"",
        ),
        (
            "\"-5ms\"",
            "network.nr.discard_timer: \"-5ms\" is negative; the discard timer must be above 0: write e.g. \"100ms\", or \"infinity\"",
        ),
        (
            "\"abc\"",
            "network.nr.discard_timer: \"abc\" is not a duration; write e.g. \"100ms\", or \"infinity\"",
        ),
        (
            "\"infinty\"",
            "network.nr.discard_timer: \"infinty\" is not a duration; write e.g. \"100ms\", or \"infinity\"; did you mean `infinity`?",
        ),
        (
            "\"100\"",
            "network.nr.discard_timer: \"100\" has no unit; write e.g. \"100ms\", or \"infinity\"",
        ),
        (
            "\"10 parsecs\"",
            "network.nr.discard_timer: \"10 parsecs\" has an unknown unit `parsecs` (allowed: ns, us, ms, s, min, h, d); write e.g. \"100ms\", or \"infinity\"",
        ),
        (
            "12",
            "network.nr.discard_timer: discard_timer must be a duration string like \"100ms\", or \"infinity\", found integer 12; durations need a unit in a string, e.g. \"12ms\"",
        ),
        (
            "true",
            "network.nr.discard_timer: discard_timer must be a duration string like \"100ms\", or \"infinity\", found boolean true",
        ),
        (
            "1.5",
            "network.nr.discard_timer: discard_timer must be a duration string like \"100ms\", or \"infinity\", found float 1.5",
        ),
    ] {
        let e = errors(&with(&format!("{NR}discard_timer = {value}\n")));
        assert_eq!(messages(&e), [message], "{value}");
        // The value, on the line after the gNB list.
        assert_eq!((e[0].line, e[0].col), (Some(28), Some(17)), "{value}");
    }
}
