//! The keys of a scenario, each defined once: a table per section (per TOML
//! table: `[scenario]`, `[[station]]`, a station's `failures`, ...) giving
//! each key's name, the type its value must have, its default as the docs
//! say it, and a line of help. Everything else that knows a key comes from
//! that table or is checked against it:
//!
//! - the section's key enum is generated with the table (by [`keys!`]), one
//!   variant per entry, so the two cannot disagree;
//! - the raw reader looks each written key up in the table ([`written_keys`]:
//!   an unknown key is reported with the table's keys as the allowed ones,
//!   in the table's order) and handles it in an exhaustive `match` on the
//!   enum, so a key added to a table without a reader arm does not compile;
//! - a test writes every key of every table with a value of its type and
//!   reads the result: a raw struct field that no key fills stays `Missing`,
//!   and a reader arm that expects another type than the table says
//!   reports an error, either way the test fails;
//! - a test reads `docs/scenario-format.md` and fails when a key of a
//!   table is not in the docs' key table under the section's heading, when
//!   the docs name a key the table lacks, when the docs' default differs
//!   from the table's, or when the docs' meaning does not begin with the
//!   help.
//!
//! The validation (stage 2b) reads the raw struct's fields, so a field it
//! never reads is dead code, refused by the compiler's lints.
//!
//! ```text
//! keys! { pub(crate) enum CrewKey in CREW, heading "`[[crew]]`", table "crew" {
//!     Name = "name": Ty::Word, default "required", "unique";
//!     Size = "size": Ty::Int, default "1", "repairers working in parallel";
//! } }
//! ```

use super::values::{join, TextKind, Value};
use super::{NotYet, NOT_YET};
use crate::scenario::diag::{did_you_mean, list, Sink};
use crate::scenario::tree::Entry;

/// The type a key's value must have, as the raw reader checks it.
// The sections a key holds are walked only by the tests that hold the
// readers and the docs to the tables.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Copy, Clone, Debug)]
pub(crate) enum Ty {
    /// A string that names something or is a word (`"weld"`, `"fifo"`).
    Word,
    /// A string with a syntax of its own: a duration, a distribution, a
    /// speed, a size, a rate, a protective stop.
    Text(TextKind),
    /// A string of that kind or a whole number (`sr_period`, `survival`).
    TextOrInt(TextKind),
    Int,
    /// A number, whole or not.
    Number,
    Bool,
    /// `[x, y]` in metres; the example shown in messages.
    Pair(&'static str),
    /// An array of names; the example shown in messages.
    Names(&'static str),
    /// A table of named points, `{ NAME = [x, y], ... }`.
    PointTable,
    /// An array of pairs of point names, `[["a", "b"], ...]`.
    NamePairs,
    /// An array of positions, `[[x, y], ...]`.
    Pairs,
    /// An array of `[start, end]` durations, `[["6h", "14h"], ...]`.
    Windows,
    /// A table with keys of its own.
    Table(&'static Section),
    /// An array of tables, one per named entry (`[[station]]`).
    Entries(&'static Section),
    /// A route: station names, or tables with keys of their own.
    Steps(&'static Section),
}

impl Ty {
    /// The kind of string a text key holds (for its type error).
    pub fn text_kind(self) -> TextKind {
        match self {
            Ty::Text(kind) | Ty::TextOrInt(kind) => kind,
            // Only text keys read text: the test that writes every key
            // with a value of its type holds the tables to that.
            _ => TextKind::Duration,
        }
    }

    /// The example shown in the type error of a pair or a list of names.
    pub fn example(self) -> &'static str {
        match self {
            Ty::Pair(example) | Ty::Names(example) => example,
            _ => "",
        }
    }
}

/// One key of a section.
// `default` and `help` are the docs' columns, read by the test that holds
// the docs to the tables.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug)]
pub(crate) struct KeySpec {
    pub name: &'static str,
    pub ty: Ty,
    /// As the docs' "default" column says it: a value (`` `"0s"` ``),
    /// `required`, `none`, or words.
    pub default: &'static str,
    /// A line of help: the docs' "meaning" column begins with it.
    pub help: &'static str,
}

/// The keys of one TOML table, in the order of the contract (which is the
/// order of the "allowed keys" of an unknown-key error).
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug)]
pub(crate) struct Section {
    /// The heading under which docs/scenario-format.md lists its keys
    /// (empty for the top level, whose keys are the sections).
    pub heading: &'static str,
    /// Its name in [`NOT_YET`](super::NOT_YET): "" for the top level,
    /// "station", "route" (a route step table), ...
    pub table: &'static str,
    pub keys: &'static [KeySpec],
}

impl Section {
    /// The names of the keys, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.keys.iter().map(|key| key.name).collect()
    }
}

/// A section's key enum: one variant per entry of its table, in order.
pub(crate) trait Key: Copy + 'static {
    const SECTION: &'static Section;
    /// Every variant, in the order of the table.
    const ALL: &'static [Self];

    /// Its position in the table.
    fn index(self) -> usize;

    fn spec(self) -> &'static KeySpec {
        &Self::SECTION.keys[self.index()]
    }

    /// The key as the file writes it.
    fn name(self) -> &'static str {
        self.spec().name
    }

    fn from_name(name: &str) -> Option<Self> {
        let i = Self::SECTION.keys.iter().position(|key| key.name == name)?;
        Self::ALL.get(i).copied()
    }
}

/// Defines a section's key enum and its table together, so that a key is
/// written once: `Variant = "name": TYPE, default "DEFAULT", "HELP";`.
macro_rules! keys {
    (
        $(#[$doc:meta])*
        $vis:vis enum $key:ident in $section:ident, heading $heading:literal, table $table:literal {
            $($variant:ident = $name:literal: $ty:expr, default $default:literal, $help:literal;)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        $vis enum $key {
            $($variant),*
        }

        $vis const $section: $crate::scenario::raw::keys::Section = $crate::scenario::raw::keys::Section {
            heading: $heading,
            table: $table,
            keys: &[$($crate::scenario::raw::keys::KeySpec {
                name: $name,
                ty: $ty,
                default: $default,
                help: $help,
            }),*],
        };

        impl $crate::scenario::raw::keys::Key for $key {
            const SECTION: &'static $crate::scenario::raw::keys::Section = &$section;
            const ALL: &'static [$key] = &[$($key::$variant),*];

            fn index(self) -> usize {
                self as usize
            }
        }
    };
}
pub(super) use keys;

/// The keys written in a table (`entries`, at `path`), each found in `K`'s
/// section with its value; an unknown key, or one not supported yet, is
/// reported and left out.
pub(super) fn written_keys<'e, K: Key>(
    sink: &mut Sink,
    entries: &'e [Entry],
    path: &str,
) -> Vec<(K, Value<'e>)> {
    written_keys_with(sink, entries, path, NOT_YET)
}

/// [`written_keys`] with a given list of keys not supported yet.
pub(super) fn written_keys_with<'e, K: Key>(
    sink: &mut Sink,
    entries: &'e [Entry],
    path: &str,
    not_yet: &[NotYet],
) -> Vec<(K, Value<'e>)> {
    let section = K::SECTION;
    let mut written = Vec::with_capacity(entries.len());
    for entry in entries {
        let name = entry.key.as_str();
        let here = join(path, name);
        let found = section.keys.iter().position(|spec| spec.name == name);
        let Some((key, spec)) = found.and_then(|i| K::ALL.get(i).zip(section.keys.get(i))) else {
            let allowed = section.names();
            sink.error(
                Some(entry.key_span),
                &here,
                format!(
                    "unknown key `{name}`; allowed keys: {}{}",
                    list(&allowed),
                    did_you_mean(name, allowed.iter().copied())
                ),
            );
            continue;
        };
        if not_yet
            .iter()
            .any(|n| n.table == section.table && n.key == name && n.value.is_none())
        {
            sink.error(
                Some(entry.key_span),
                &here,
                format!("`{name}` is not supported yet by this version of factory5g; remove it to run this scenario"),
            );
            continue;
        }
        written.push((
            *key,
            Value {
                node: &entry.value,
                key_span: entry.key_span,
                path: here,
                ty: spec.ty,
            },
        ));
    }
    written
}

#[cfg(test)]
mod tests;
