//! Diagnostics and the map from spans back to files, lines and columns.
//!
//! Every source a scenario is made of (the file, its bases, each `--set`
//! override) is held by one [`SourceMap`] at a distinct base offset, so a
//! [`Span`] alone says which source and where in it a value came from, even
//! after trees from several sources have been merged.

use std::fmt;
use std::path::{Path, PathBuf};

/// A byte range in the global offset space of a [`SourceMap`].
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// How serious a [`Diagnostic`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The scenario cannot be used.
    Error,
    /// The scenario runs, but probably not as its author meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found in a scenario, displayed as
/// `FILE:LINE:COL: error: KEY: MESSAGE` (lines and columns 1-based, columns
/// in characters; the position and the key are left out when unknown).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file name, `builtin:NAME`, or `--set PATH=VALUE` for an override.
    pub file: String,
    pub line: Option<usize>,
    pub col: Option<usize>,
    /// A readable path to the value, such as `station.weld.servers`.
    pub key: Option<String>,
    pub message: String,
}

impl Diagnostic {
    /// An error with no position and no key (for use by callers that find a
    /// problem with a scenario outside this module).
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            line: None,
            col: None,
            key: None,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}: ", self.severity)?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every problem that made a scenario unusable (one line each when displayed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The number of errors (as opposed to warnings).
    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// One text a scenario is made of.
#[derive(Debug)]
pub(crate) struct Source {
    /// Shown in diagnostics.
    pub name: String,
    pub text: String,
    /// Global offset of the first byte of `text`.
    pub start: usize,
    /// Directory that relative paths in this source are relative to; `None`
    /// for the current directory.
    pub dir: Option<PathBuf>,
    /// Whether a line and column mean something (not for `--set` arguments).
    pub positional: bool,
}

/// Every source of one load, each at its own base offset.
#[derive(Debug, Default)]
pub(crate) struct SourceMap {
    sources: Vec<Source>,
    next: usize,
}

/// Gap between two sources, so that an end-of-text position of one source is
/// never the start of the next.
const GAP: usize = 16;

impl SourceMap {
    /// Adds a source and returns its base offset.
    pub fn add(&mut self, name: String, text: String, dir: Option<PathBuf>, positional: bool) -> usize {
        let start = self.next;
        self.next = start.saturating_add(text.len()).saturating_add(GAP);
        self.sources.push(Source {
            name,
            text,
            start,
            dir,
            positional,
        });
        start
    }

    pub fn source_at(&self, offset: usize) -> Option<&Source> {
        // Sources are added in increasing offset order.
        let i = self.sources.partition_point(|s| s.start <= offset);
        let s = self.sources.get(i.checked_sub(1)?)?;
        (offset <= s.start.saturating_add(s.text.len())).then_some(s)
    }

    /// The directory relative paths written at `offset` are relative to.
    pub fn dir_at(&self, offset: usize) -> Option<&Path> {
        self.source_at(offset).and_then(|s| s.dir.as_deref())
    }

    /// File name, and 1-based line and column (in characters) of `offset`.
    pub fn locate(&self, offset: usize) -> Option<(&str, Option<(usize, usize)>)> {
        let s = self.source_at(offset)?;
        if !s.positional {
            return Some((&s.name, None));
        }
        let mut local = offset.saturating_sub(s.start).min(s.text.len());
        while local > 0 && !s.text.is_char_boundary(local) {
            local -= 1;
        }
        let before = s.text.get(..local).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before.get(line_start..).unwrap_or("").chars().count() + 1;
        Some((&s.name, Some((line, col))))
    }

    /// `FILE:LINE:COL` (or `FILE`) of `offset`, for messages that refer to
    /// another place ("first defined at ...").
    pub fn describe(&self, offset: usize) -> String {
        match self.locate(offset) {
            Some((name, Some((l, c)))) => format!("{name}:{l}:{c}"),
            Some((name, None)) => name.to_string(),
            None => "?".to_string(),
        }
    }
}

/// A diagnostic whose position is still a span.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub severity: Severity,
    pub span: Option<Span>,
    pub key: Option<String>,
    pub message: String,
}

/// Where the stages of a load put the problems they find.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub items: Vec<Pending>,
}

impl Sink {
    pub fn error(&mut self, span: Option<Span>, key: &str, message: impl Into<String>) {
        self.push(Severity::Error, span, key, message.into());
    }

    pub fn warning(&mut self, span: Option<Span>, key: &str, message: impl Into<String>) {
        self.push(Severity::Warning, span, key, message.into());
    }

    fn push(&mut self, severity: Severity, span: Option<Span>, key: &str, message: String) {
        self.items.push(Pending {
            severity,
            span,
            key: (!key.is_empty()).then(|| key.to_string()),
            message,
        });
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|p| p.severity == Severity::Error)
    }

    /// Resolves every span to a position; problems without a position come
    /// first, then the others in order of source and offset.
    pub fn resolve(mut self, map: &SourceMap, default_file: &str) -> Vec<Diagnostic> {
        self.items
            .sort_by_key(|p| p.span.map_or((0, 0), |s| (1, s.start)));
        self.items
            .into_iter()
            .map(|p| {
                let (file, pos) = match p.span.and_then(|s| map.locate(s.start)) {
                    Some((name, pos)) => (name.to_string(), pos),
                    None => (default_file.to_string(), None),
                };
                Diagnostic {
                    severity: p.severity,
                    file,
                    line: pos.map(|(l, _)| l),
                    col: pos.map(|(_, c)| c),
                    key: p.key,
                    message: p.message,
                }
            })
            .collect()
    }
}

/// Joins names for messages: `a, b, c`.
pub(crate) fn list(names: &[&str]) -> String {
    names.join(", ")
}

/// The closest of `candidates` to `word`, if it is close enough to be a
/// plausible typo.
pub(crate) fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = match word.chars().count() {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `"; did you mean `x`?"` or nothing.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(word, candidates)
        .filter(|s| *s != word)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// Levenshtein distance in characters (with adjacent transpositions counted
/// as one edit), for typo suggestions on short words.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len() > 64 || b.len() > 64 {
        return usize::MAX;
    }
    // Rows i-2, i-1 and i of the distance table.
    let mut before: Vec<usize> = Vec::new();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let mut v = (prev[j + 1] + 1).min(row[j] + 1).min(prev[j] + cost);
            if i > 0 && j > 0 && a.get(i - 1) == Some(cb) && b.get(j - 1) == Some(ca) {
                if let Some(x) = before.get(j - 1) {
                    v = v.min(x + 1);
                }
            }
            row[j + 1] = v;
        }
        before = std::mem::replace(&mut prev, row);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_char_columns() {
        let mut map = SourceMap::default();
        let a = map.add("a.toml".into(), "x = 1\nnäme = \"é\"\n".into(), None, true);
        let b = map.add("b.toml".into(), "y = 2".into(), None, true);
        let c = map.add("--set y=3".into(), "y=3".into(), None, false);
        assert_eq!(map.locate(a), Some(("a.toml", Some((1, 1)))));
        // `=` after "näme " is the 6th character of line 2 (ä is 2 bytes).
        let eq = a + "x = 1\nnäme ".len();
        assert_eq!(map.locate(eq), Some(("a.toml", Some((2, 6)))));
        assert_eq!(map.locate(b + 4), Some(("b.toml", Some((1, 5)))));
        assert_eq!(map.locate(c + 2), Some(("--set y=3", None)));
        assert_eq!(map.describe(b + 4), "b.toml:1:5");
        // Inside a multi-byte character: rounds down, never panics.
        assert_eq!(
            map.locate(a + "x = 1\nn".len() + 1),
            Some(("a.toml", Some((2, 2))))
        );
    }

    #[test]
    fn displays_with_and_without_position() {
        let mut d = Diagnostic::error("f.toml", "boom");
        assert_eq!(d.to_string(), "f.toml: error: boom");
        d.line = Some(3);
        d.col = Some(7);
        d.key = Some("station.weld.servers".into());
        d.severity = Severity::Warning;
        assert_eq!(d.to_string(), "f.toml:3:7: warning: station.weld.servers: boom");
        let ds = Diagnostics(vec![d.clone(), d]);
        assert_eq!(ds.to_string().lines().count(), 2);
    }

    #[test]
    fn suggests_close_words_only() {
        let keys = ["name", "servers", "process", "setup"];
        assert_eq!(suggest("sevrers", keys), Some("servers"));
        assert_eq!(suggest("proces", keys), Some("process"));
        assert_eq!(suggest("colour", keys), None);
        assert_eq!(edit_distance("abc", "acb"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
