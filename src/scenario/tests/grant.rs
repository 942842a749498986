//! `[network.nr]` `coreset_symbols`: the PDCCH's room for DCIs per occasion.

use super::network::{with, NR};
use super::{errors, messages, ok};
use crate::model::LinkModel;

fn coreset(extra: &str) -> (u8, u32) {
    let l = ok(&with(&format!("{NR}{extra}")), &[]);
    let LinkModel::Nr(nr) = &l.model.network.link else {
        panic!("{:?}", l.model.network.link)
    };
    (nr.nr.config().coreset_symbols, nr.nr.dcis_per_pdcch())
}

#[test]
fn coreset_symbols_defaults_to_one_and_sets_the_dcis_per_occasion() {
    // 100 MHz at 30 kHz: 270 blocks of CORESET, 45 CCEs per symbol, DCIs of
    // 4 CCEs.
    assert_eq!(coreset(""), (1, 11));
    assert_eq!(coreset("coreset_symbols = 2\n"), (2, 22));
    assert_eq!(coreset("coreset_symbols = 3\n"), (3, 33));
}

#[test]
fn coreset_symbols_outside_one_to_three_is_an_error_at_the_key() {
    for (value, message) in [
        ("0", "network.nr.coreset_symbols: a CORESET of 0 symbols does not exist; allowed: 1, 2 or 3 (TS 38.211 §7.3.2.2)"),
        ("4", "network.nr.coreset_symbols: a CORESET of 4 symbols does not exist; allowed: 1, 2 or 3 (TS 38.211 §7.3.2.2)"),
    ] {
        let e = errors(&with(&format!("{NR}coreset_symbols = {value}\n")));
        assert_eq!(messages(&e), [message]);
        // The value, on the line after the gNB list.
        assert_eq!((e[0].line, e[0].col), (Some(28), Some(19)), "{value}");
    }
    let e = errors(&with(&format!("{NR}coreset_symbols = -1\n")));
    assert_eq!(e.len(), 1, "{:?}", messages(&e));
    assert!(
        messages(&e)[0].starts_with("network.nr.coreset_symbols: "),
        "{:?}",
        messages(&e)
    );
    assert_eq!(e[0].line, Some(28));
    let e = errors(&with(&format!("{NR}coreset_symbols = \"2\"\n")));
    assert_eq!(e[0].line, Some(28), "{:?}", messages(&e));
}
