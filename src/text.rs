//! Small text helpers shared by messages and reports: thousands separators,
//! numbers to a few significant digits, and plain-text tables whose columns
//! never run together.
//!
//! ```
//! use factory5g::text::{fmt_sig, TextTable};
//! let mut t = TextTable::new(&["flow", "sent", "late"], &[false, true, true]);
//! t.row(vec!["agv_heartbeat".into(), "8640000.0".into(), "8640000.0".into()]);
//! assert_eq!(t.render("  "), "  flow                sent       late\n  agv_heartbeat  8640000.0  8640000.0\n");
//! assert_eq!(fmt_sig(0.0283456, 3), "0.0283");
//! ```

/// `1234567` as `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `x` with `sig` significant digits, without exponent for usual
/// magnitudes (1e-5 to 1e9); `-` when not finite.
pub fn fmt_sig(x: f64, sig: usize) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-5..=9).contains(&mag) {
        return format!("{:.*e}", sig.saturating_sub(1), x);
    }
    let decimals = (sig as i32 - 1 - mag).max(0) as usize;
    format!("{x:.decimals$}")
}

/// Columns separated in plain text.
pub const GAP: &str = "  ";

/// A plain-text table: each column as wide as its widest cell, columns
/// separated by [`GAP`], so that no value, however long, runs into the
/// next (the fixed-width `format!` tables this replaced printed
/// `0.0%100.0%`).
#[derive(Clone, Debug, Default)]
pub struct TextTable {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    right: Vec<bool>,
}

impl TextTable {
    pub fn new(header: &[&str], right: &[bool]) -> TextTable {
        TextTable {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            right: right.to_vec(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table, each line starting with `indent`, trailing spaces trimmed.
    pub fn render(&self, indent: &str) -> String {
        let columns = std::iter::once(&self.header)
            .chain(&self.rows)
            .map(Vec::len)
            .max()
            .unwrap_or(0);
        let mut widths = vec![0; columns];
        for line in std::iter::once(&self.header).chain(&self.rows) {
            for (w, cell) in widths.iter_mut().zip(line) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for line in std::iter::once(&self.header).chain(&self.rows) {
            let mut text = String::from(indent);
            for (i, cell) in line.iter().enumerate() {
                if i > 0 {
                    text.push_str(GAP);
                }
                let pad = widths[i] - cell.chars().count();
                if self.right.get(i).copied().unwrap_or(false) {
                    text.extend(std::iter::repeat_n(' ', pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.extend(std::iter::repeat_n(' ', pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(90_112), "90,112");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn columns_stay_apart_whatever_their_width() {
        let mut t = TextTable::new(&["a", "b"], &[true, true]);
        t.row(vec!["100.0%".into(), "0.0%".into()]);
        t.row(vec!["123456789012".into(), "x".into()]);
        let text = t.render("");
        for line in text.lines() {
            assert_eq!(line.split_whitespace().count(), 2, "{text}");
        }
        assert_eq!(fmt_sig(1234.5, 3), "1234");
        assert_eq!(fmt_sig(-0.5, 2), "-0.50");
    }
}
