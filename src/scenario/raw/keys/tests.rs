//! The key tables against the readers and the docs: a key added to one of
//! them and not to the others fails here (or does not compile).

use super::super::{read, RootKey, ROOT};
use super::*;
use crate::scenario::diag::Span;
use crate::scenario::tree::{self, Node};
use std::collections::BTreeMap;

fn parse(text: &str) -> Node {
    let value = toml_span::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    tree::from_toml(&value, text, &|x| x)
}

/// Every section, the top level first, each once.
fn sections() -> Vec<&'static Section> {
    fn walk(section: &'static Section, out: &mut Vec<&'static Section>) {
        if out.iter().any(|seen| std::ptr::eq(*seen, section)) {
            return;
        }
        out.push(section);
        for key in section.keys {
            if let Ty::Table(inner) | Ty::Entries(inner) | Ty::Steps(inner) = key.ty {
                walk(inner, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&ROOT, &mut out);
    out
}

/// A TOML value of type `ty` that the reader takes: a table with every key
/// of its section for a table.
fn sample(ty: Ty) -> String {
    let text = |kind| match kind {
        TextKind::Duration => "\"1s\"",
        TextKind::Dist => "\"exp(1s)\"",
        TextKind::Speed => "\"1m/s\"",
        TextKind::Size => "\"1B\"",
        TextKind::Rate => "\"1Mbps\"",
        TextKind::Stop => "\"stop(1s)\"",
        TextKind::Length => "\"1m\"",
    };
    match ty {
        Ty::Word => "\"x\"".to_string(),
        Ty::Text(kind) | Ty::TextOrInt(kind) => text(kind).to_string(),
        Ty::Int => "1".to_string(),
        Ty::Number => "0.5".to_string(),
        Ty::Bool => "true".to_string(),
        Ty::Pair(_) => "[1, 2]".to_string(),
        Ty::Names(_) => "[\"x\"]".to_string(),
        Ty::PointTable => "{ x = [1, 2] }".to_string(),
        Ty::NamePairs => "[[\"x\", \"y\"]]".to_string(),
        Ty::Pairs => "[[1, 2]]".to_string(),
        Ty::Windows => "[[\"1s\", \"2s\"]]".to_string(),
        Ty::Table(section) => inline_table(section),
        Ty::Entries(section) | Ty::Steps(section) => format!("[{}]", inline_table(section)),
    }
}

fn inline_table(section: &Section) -> String {
    let keys: Vec<String> = section
        .keys
        .iter()
        .map(|key| format!("{} = {}", key.name, sample(key.ty)))
        .collect();
    format!("{{ {} }}", keys.join(", "))
}

#[test]
fn every_key_of_every_table_is_read_into_a_field() {
    // The whole scenario with every key written, each with a value of the
    // type its table gives: the reader must take every value (an arm that
    // reads another type reports it) and leave no field of any raw struct
    // unwritten (a field that no key fills stays `Missing`).
    let text: String = ROOT
        .keys
        .iter()
        .map(|key| format!("{} = {}\n", key.name, sample(key.ty)))
        .collect();
    let mut sink = Sink::default();
    let raw = read(&parse(&text), &mut sink);
    let problems: Vec<String> = sink
        .items
        .iter()
        .map(|p| format!("{:?}: {}", p.key, p.message))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}\nin\n{text}");
    let shown = format!("{raw:#?}");
    for unfilled in ["Missing", "Invalid"] {
        let lines: Vec<&str> = shown.lines().filter(|l| l.contains(unfilled)).collect();
        assert!(
            lines.is_empty(),
            "fields left {unfilled}: {lines:#?}\nin\n{shown}"
        );
    }
}

#[test]
fn every_section_has_distinct_keys_and_a_distinct_heading() {
    // Every top-level key is a section of the file.
    for key in ROOT.keys {
        assert!(
            matches!(key.ty, Ty::Table(_) | Ty::Entries(_)),
            "top-level `{}` is no section",
            key.name
        );
    }
    let all = sections();
    assert_eq!(
        all.len(),
        25,
        "{:?}",
        all.iter().map(|s| s.heading).collect::<Vec<_>>()
    );
    for section in &all {
        let mut names = section.names();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), section.keys.len(), "{}", section.heading);
    }
    let mut headings: Vec<&str> = all.iter().map(|s| s.heading).collect();
    headings.sort_unstable();
    headings.dedup();
    assert_eq!(headings.len(), all.len());
}

#[test]
fn keys_not_yet_supported_are_keys_of_a_table() {
    let all = sections();
    for not_yet in NOT_YET {
        let section = all.iter().find(|s| s.table == not_yet.table);
        assert!(
            section.is_some_and(|s| s.names().contains(&not_yet.key)),
            "{}.{} is in no key table",
            not_yet.table,
            not_yet.key
        );
    }
}

#[test]
fn keys_not_supported_yet_are_refused_with_a_reason() {
    // Every key of the contract is supported today; the mechanism stays
    // for the next one.
    assert!(NOT_YET.is_empty());
    let not_yet = [NotYet {
        table: "",
        key: "network",
        value: None,
    }];
    let root = parse("[network]\nmodel = \"nr\"\n[scenario]\nhorizon = \"8h\"\n");
    let mut sink = Sink::default();
    let written = written_keys_with::<RootKey>(&mut sink, root.entries().unwrap_or_default(), "", &not_yet);
    assert_eq!(written.len(), 1);
    assert_eq!(sink.items.len(), 1, "{:?}", sink.items);
    let problem = &sink.items[0];
    assert_eq!(problem.key.as_deref(), Some("network"));
    assert!(
        problem
            .message
            .starts_with("`network` is not supported yet by this version of factory5g"),
        "{}",
        problem.message
    );
    assert_eq!(problem.span, Some(Span::new(1, 8)));
}

/// A row of a key table of the docs.
#[derive(Debug)]
struct DocRow {
    default: String,
    meaning: String,
}

/// The key tables of docs/scenario-format.md (tables whose header is
/// `| key | type | default | meaning |`), by the heading they stand under;
/// code blocks are skipped.
fn doc_tables(text: &str) -> BTreeMap<String, BTreeMap<String, DocRow>> {
    let mut tables: BTreeMap<String, BTreeMap<String, DocRow>> = BTreeMap::new();
    let mut heading = String::new();
    let mut in_code = false;
    let mut in_key_table = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        if line.starts_with('#') {
            heading = line.trim_start_matches('#').trim().to_string();
            tables.entry(heading.clone()).or_default();
            in_key_table = false;
            continue;
        }
        if !line.starts_with('|') {
            in_key_table = false;
            continue;
        }
        let cells: Vec<&str> = line
            .split(" | ")
            .map(|c| c.trim_matches(|c| c == '|' || c == ' '))
            .collect();
        if cells.first() == Some(&"key") {
            in_key_table = true;
            continue;
        }
        let [key, _type, default, meaning] = cells.as_slice() else {
            continue;
        };
        if !in_key_table || !key.starts_with('`') {
            continue;
        }
        let row = DocRow {
            default: default.to_string(),
            meaning: meaning.to_string(),
        };
        let previous = tables
            .entry(heading.clone())
            .or_default()
            .insert(key.trim_matches('`').to_string(), row);
        assert!(previous.is_none(), "{key} twice under {heading}");
    }
    tables
}

#[test]
fn the_docs_list_every_key_of_every_table_and_no_other() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/scenario-format.md");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let docs = doc_tables(&text);
    let mut problems = Vec::new();
    let all = sections();
    for section in all.iter().filter(|s| !s.heading.is_empty()) {
        let Some(rows) = docs.get(section.heading) else {
            problems.push(format!("no heading `{}` in the docs", section.heading));
            continue;
        };
        for key in section.keys {
            match rows.get(key.name) {
                None => problems.push(format!("{}: `{}` is not documented", section.heading, key.name)),
                Some(row) => {
                    if row.default != key.default {
                        problems.push(format!(
                            "{}: `{}` defaults to {:?} in the table, {:?} in the docs",
                            section.heading, key.name, key.default, row.default
                        ));
                    }
                    if !row.meaning.starts_with(key.help) {
                        problems.push(format!(
                            "{}: the meaning of `{}` in the docs does not begin with its help {:?}: {:?}",
                            section.heading, key.name, key.help, row.meaning
                        ));
                    }
                }
            }
        }
        for name in rows.keys() {
            if !section.names().contains(&name.as_str()) {
                problems.push(format!(
                    "{}: the docs name `{name}`, which the table lacks",
                    section.heading
                ));
            }
        }
    }
    // A key table under a heading that is no section's: keys the tables lack.
    for (heading, rows) in &docs {
        if !rows.is_empty() && !all.iter().any(|s| s.heading == heading) {
            problems.push(format!(
                "the docs list keys under `{heading}`, which is no section"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
