//! The owned value tree every source is converted to, with spans in the
//! global offset space of a [`SourceMap`](super::diag::SourceMap), and the
//! merging of trees (a file over its base, `--set` overrides over both).

use super::diag::{list, Span};
use toml_span::value::ValueInner;

/// Arrays of tables at the top level whose entries merge by `name`, with the
/// plural used in messages.
pub(crate) const NAMED_ARRAYS: &[(&str, &str)] = &[
    ("station", "stations"),
    ("product", "products"),
    ("crew", "crews"),
    ("flow", "flows"),
];

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: Kind,
    /// The whole value, quotes included for strings.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub(crate) enum Kind {
    Str(Str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Array(Vec<Node>),
    /// Entries in the order they were written.
    Table(Vec<Entry>),
}

#[derive(Clone, Debug)]
pub(crate) struct Str {
    pub value: String,
    /// Global offset of the first byte of `value` when the source holds it
    /// byte for byte (no escapes), so positions inside it can be reported.
    pub content: Option<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Node {
    pub fn table(entries: Vec<Entry>, span: Span) -> Node {
        Node {
            kind: Kind::Table(entries),
            span,
        }
    }

    pub fn string(value: String, content: Option<usize>, span: Span) -> Node {
        Node {
            kind: Kind::Str(Str { value, content }),
            span,
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self.kind {
            Kind::Str(_) => "string",
            Kind::Int(_) => "integer",
            Kind::Float(_) => "float",
            Kind::Bool(_) => "boolean",
            Kind::Array(_) => "array",
            Kind::Table(_) => "table",
        }
    }

    /// What was found, for messages: `integer 30`, `string "three"`, `a table`.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Str(s) => {
                let mut v: String = s.value.chars().take(60).collect();
                if v.len() < s.value.len() {
                    v.push_str("...");
                }
                format!("string {v:?}")
            }
            Kind::Int(i) => format!("integer {i}"),
            Kind::Float(x) => format!("float {x:?}"),
            Kind::Bool(b) => format!("boolean {b}"),
            Kind::Array(_) => "an array".to_string(),
            Kind::Table(_) => "a table".to_string(),
        }
    }

    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.kind {
            Kind::Table(e) => Some(e),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(&s.value),
            _ => None,
        }
    }

    /// The `name` of a table entry of a named array.
    pub fn entry_name(&self) -> Option<&str> {
        self.get("name")?.as_str()
    }
}

/// Converts a parsed TOML value. `text` is the parsed text and `global` maps
/// its byte offsets to global offsets.
pub(crate) fn from_toml(v: &toml_span::Value<'_>, text: &str, global: &dyn Fn(usize) -> usize) -> Node {
    let (start, end) = (v.span.start, v.span.end);
    let span = Span::new(global(start), global(end));
    let kind = match v.as_ref() {
        ValueInner::String(s) => {
            let exact = text.get(start..end) == Some(s.as_ref());
            let q = quote_len(text, start, end);
            return Node::string(
                s.to_string(),
                exact.then(|| global(start)),
                Span::new(global(start.saturating_sub(q)), global(end.saturating_add(q))),
            );
        }
        ValueInner::Integer(i) => Kind::Int(*i),
        ValueInner::Float(x) => Kind::Float(*x),
        ValueInner::Boolean(b) => Kind::Bool(*b),
        ValueInner::Array(a) => Kind::Array(a.iter().map(|x| from_toml(x, text, global)).collect()),
        ValueInner::Table(t) => {
            let mut entries: Vec<Entry> = t
                .iter()
                .map(|(k, x)| Entry {
                    key: k.name.to_string(),
                    key_span: Span::new(global(k.span.start), global(k.span.end)),
                    value: from_toml(x, text, global),
                })
                .collect();
            // toml-span sorts keys by name; put them back in written order.
            entries.sort_by_key(|e| e.key_span.start);
            Kind::Table(entries)
        }
    };
    Node { kind, span }
}

/// The length of the quotes around the string content at `start..end`.
fn quote_len(text: &str, start: usize, end: usize) -> usize {
    for q in ["\"\"\"", "'''", "\"", "'"] {
        let n = q.len();
        let before = start.checked_sub(n).and_then(|i| text.get(i..start));
        let after = end.checked_add(n).and_then(|i| text.get(end..i));
        if before == Some(q) && after == Some(q) {
            return n;
        }
    }
    0
}

/// Overlays `over` on `base`: tables merge key by key (recursively), the
/// top-level arrays of [`NAMED_ARRAYS`] merge their entries by `name`, and
/// anything else in `over` replaces what `base` had.
pub(crate) fn merge(base: Node, over: Node, top: bool) -> Node {
    match (base.kind, over.kind) {
        (Kind::Table(mut b), Kind::Table(o)) => {
            for entry in o {
                match b.iter_mut().find(|e| e.key == entry.key) {
                    Some(existing) => {
                        let old =
                            std::mem::replace(&mut existing.value, Node::table(Vec::new(), Span::default()));
                        let named = top && NAMED_ARRAYS.iter().any(|(k, _)| *k == entry.key);
                        let both_tables =
                            matches!(old.kind, Kind::Table(_)) && matches!(entry.value.kind, Kind::Table(_));
                        existing.value = if named {
                            merge_named(old, entry.value)
                        } else if both_tables {
                            merge(old, entry.value, false)
                        } else {
                            existing.key_span = entry.key_span;
                            entry.value
                        };
                    }
                    None => b.push(entry),
                }
            }
            // The top level belongs to the file being loaded, a nested
            // table to where it was first defined.
            Node::table(b, if top { over.span } else { base.span })
        }
        (_, kind) => Node {
            kind,
            span: over.span,
        },
    }
}

/// Entries of `over`'s named arrays whose name is not in `base` but close
/// to one there (a misspelling adds an entry instead of changing one):
/// (the name's span, the array's key, the name, the base's close name).
pub(crate) fn near_misses<'a>(base: &'a Node, over: &'a Node) -> Vec<(Span, &'static str, &'a str, &'a str)> {
    let mut out = Vec::new();
    for (key, _) in NAMED_ARRAYS {
        let names = |tree: &'a Node| -> Vec<&'a Node> {
            match tree.get(key).map(|n| &n.kind) {
                Some(Kind::Array(items)) => items.iter().collect(),
                _ => Vec::new(),
            }
        };
        let known: Vec<&str> = names(base).iter().filter_map(|n| n.entry_name()).collect();
        for item in names(over) {
            let (Some(name), Some(node)) = (item.entry_name(), item.get("name")) else {
                continue;
            };
            if known.contains(&name) {
                continue;
            }
            if let Some(close) = super::diag::suggest(name, known.iter().copied()) {
                out.push((node.span, *key, name, close));
            }
        }
    }
    out
}

/// Merges two arrays of tables by the entries' `name`: same name, the tables
/// merge; a new name (or no name) is appended.
fn merge_named(base: Node, over: Node) -> Node {
    match (base.kind, over.kind) {
        (Kind::Array(mut b), Kind::Array(o)) => {
            for item in o {
                let target = item
                    .entry_name()
                    .and_then(|name| b.iter().position(|x| x.entry_name() == Some(name)));
                match target {
                    Some(i) => {
                        let old = std::mem::replace(&mut b[i], Node::table(Vec::new(), Span::default()));
                        b[i] = merge(old, item, false);
                    }
                    None => b.push(item),
                }
            }
            Node {
                kind: Kind::Array(b),
                span: base.span,
            }
        }
        (_, kind) => Node {
            kind,
            span: over.span,
        },
    }
}

/// Removes `key` from the table `table` (a path of keys from `root`).
pub(crate) fn remove(root: &mut Node, table: &str, key: &str) {
    if let Kind::Table(entries) = &mut root.kind {
        if let Some(t) = entries.iter_mut().find(|e| e.key == table) {
            if let Kind::Table(inner) = &mut t.value.kind {
                inner.retain(|e| e.key != key);
            }
        }
    }
}

/// Splits an override path into keys: `station.weld.servers`, with
/// double-quoted segments for names holding dots (`station."a.b".servers`).
pub(crate) fn split_path(path: &str) -> Result<Vec<String>, String> {
    let mut segs = Vec::new();
    let mut rest = path.trim();
    if rest.is_empty() {
        return Err("empty path; write PATH=VALUE, e.g. station.weld.servers=4".into());
    }
    loop {
        let seg;
        if let Some(r) = rest.strip_prefix('"') {
            let close = r
                .find('"')
                .ok_or_else(|| format!("unclosed quote in path `{path}`"))?;
            seg = r.get(..close).unwrap_or("").to_string();
            rest = r.get(close + 1..).unwrap_or("").trim_start();
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            seg = rest.get(..end).unwrap_or("").trim().to_string();
            rest = rest.get(end..).unwrap_or("");
            if seg.is_empty() {
                return Err(format!("empty key in path `{path}`"));
            }
        }
        segs.push(seg);
        if rest.is_empty() {
            return Ok(segs);
        }
        rest = rest
            .strip_prefix('.')
            .ok_or_else(|| format!("expected `.` between keys in path `{path}`"))?
            .trim_start();
        if rest.is_empty() {
            return Err(format!("path `{path}` ends with `.`"));
        }
    }
}

/// Sets the value at `segs` in `root` (creating tables on the way); the second
/// segment after a named array is an entry's name, which must exist. A table
/// value merges with a table already there.
pub(crate) fn set_path(root: &mut Node, segs: &[String], value: Node, key_span: Span) -> Result<(), String> {
    let Some(first) = segs.first() else {
        return Err("empty path".into());
    };
    if let Some((_, plural)) = NAMED_ARRAYS.iter().find(|(k, _)| k == first) {
        let Some(name) = segs.get(1) else {
            return Err(format!(
                "`{first}` entries are chosen by name: write {first}.NAME.KEY=VALUE"
            ));
        };
        let entries = match &mut root.kind {
            Kind::Table(e) => e,
            _ => return Err("the scenario is not a table".into()),
        };
        let array = entries.iter_mut().find(|e| e.key == *first).map(|e| &mut e.value);
        let items = match array {
            Some(Node {
                kind: Kind::Array(items),
                ..
            }) => items,
            _ => return Err(format!("no {first} named `{name}`; the scenario has no {plural}")),
        };
        let Some(item) = items.iter_mut().find(|x| x.entry_name() == Some(name.as_str())) else {
            let names: Vec<&str> = items.iter().filter_map(Node::entry_name).collect();
            return Err(format!(
                "no {first} named `{name}`; {plural} are: {}{}",
                list(&names),
                super::diag::did_you_mean(name, names.iter().copied())
            ));
        };
        let rest = segs.get(2..).unwrap_or(&[]);
        if rest.is_empty() {
            if !matches!(value.kind, Kind::Table(_)) {
                return Err(format!(
                    "a {first} is a table; set one of its keys (e.g. {first}.{name}.KEY=VALUE) or give an inline table {{ KEY = VALUE }}"
                ));
            }
            let old = std::mem::replace(item, Node::table(Vec::new(), Span::default()));
            *item = merge(old, value, false);
            return Ok(());
        }
        if rest.first().map(String::as_str) == Some("name") {
            return Err(format!("the name of a {first} cannot be changed with --set"));
        }
        return set_in(item, rest, value, key_span, &format!("{first}.{name}"));
    }
    set_in(root, segs, value, key_span, "")
}

fn set_in(node: &mut Node, segs: &[String], value: Node, key_span: Span, walked: &str) -> Result<(), String> {
    let Some((seg, rest)) = segs.split_first() else {
        return Err("empty path".into());
    };
    let here = if walked.is_empty() {
        seg.clone()
    } else {
        format!("{walked}.{seg}")
    };
    let type_name = node.type_name();
    let Kind::Table(entries) = &mut node.kind else {
        return Err(format!(
            "`{walked}` is a {type_name}, not a table; there is no `{seg}` inside it"
        ));
    };
    let pos = entries.iter().position(|e| e.key == *seg);
    if rest.is_empty() {
        match pos.and_then(|i| entries.get_mut(i)) {
            Some(e) => {
                let old = std::mem::replace(&mut e.value, Node::table(Vec::new(), Span::default()));
                e.value = if matches!(old.kind, Kind::Table(_)) && matches!(value.kind, Kind::Table(_)) {
                    merge(old, value, false)
                } else {
                    value
                };
                e.key_span = key_span;
            }
            None => entries.push(Entry {
                key: seg.clone(),
                key_span,
                value,
            }),
        }
        return Ok(());
    }
    let i = match pos {
        Some(i) => i,
        None => {
            entries.push(Entry {
                key: seg.clone(),
                key_span,
                value: Node::table(Vec::new(), key_span),
            });
            entries.len() - 1
        }
    };
    match entries.get_mut(i) {
        Some(e) => set_in(&mut e.value, rest, value, key_span, &here),
        None => Err("internal error: lost a table entry".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        let v = toml_span::parse(text).unwrap();
        from_toml(&v, text, &|x| x)
    }

    #[test]
    fn keeps_written_order_and_string_positions() {
        let text = "b = 1\na = \"exp(1s)\"\n";
        let n = parse(text);
        let keys: Vec<&str> = n.entries().unwrap().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        let a = n.get("a").unwrap();
        assert_eq!(&text[a.span.start..a.span.end], "\"exp(1s)\"");
        match &a.kind {
            Kind::Str(s) => assert_eq!(s.content, Some(text.find("exp").unwrap())),
            k => panic!("{k:?}"),
        }
        let escaped = parse("a = \"x\\ty\"");
        match &escaped.get("a").unwrap().kind {
            Kind::Str(s) => assert_eq!(s.content, None),
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn merges_tables_by_key_and_named_arrays_by_name() {
        let base = parse(
            "[scenario]\nhorizon = \"8h\"\nseed = 1\n[[station]]\nname = \"a\"\nservers = 1\nprocess = \"1s\"\n[[station]]\nname = \"b\"\nservers = 2\n",
        );
        let over = parse(
            "[scenario]\nseed = 5\n[[station]]\nname = \"b\"\nservers = 7\n[[station]]\nname = \"c\"\n",
        );
        let m = merge(base, over, true);
        let sc = m.get("scenario").unwrap();
        assert!(matches!(sc.get("seed").unwrap().kind, Kind::Int(5)));
        assert!(sc.get("horizon").is_some());
        let Kind::Array(st) = &m.get("station").unwrap().kind else {
            panic!()
        };
        let names: Vec<&str> = st.iter().filter_map(Node::entry_name).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(matches!(st[1].get("servers").unwrap().kind, Kind::Int(7)));
        assert!(matches!(st[0].get("servers").unwrap().kind, Kind::Int(1)));
    }

    #[test]
    fn non_named_arrays_are_replaced() {
        let base = parse("[[product]]\nname = \"p\"\nroute = [\"a\", \"b\"]\n");
        let over = parse("[[product]]\nname = \"p\"\nroute = [\"c\"]\n");
        let m = merge(base, over, true);
        let Kind::Array(p) = &m.get("product").unwrap().kind else {
            panic!()
        };
        let Kind::Array(route) = &p[0].get("route").unwrap().kind else {
            panic!()
        };
        assert_eq!(route.len(), 1);
    }

    #[test]
    fn splits_paths() {
        assert_eq!(split_path("a.b.c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split_path("station.\"x.y\".servers").unwrap(),
            ["station", "x.y", "servers"]
        );
        assert!(split_path("").is_err());
        assert!(split_path("a..b").is_err());
        assert!(split_path("a.").is_err());
        assert!(split_path("a.\"b").is_err());
    }

    #[test]
    fn sets_paths_through_named_entries() {
        let mut n = parse("[scenario]\nseed = 1\n[[station]]\nname = \"cell\"\nservers = 1\n");
        let v = |i| Node {
            kind: Kind::Int(i),
            span: Span::default(),
        };
        let segs = |p: &str| split_path(p).unwrap();
        set_path(&mut n, &segs("station.cell.servers"), v(4), Span::default()).unwrap();
        set_path(&mut n, &segs("scenario.seed"), v(9), Span::default()).unwrap();
        set_path(&mut n, &segs("station.cell.failures.mtbf"), v(3), Span::default()).unwrap();
        let Kind::Array(st) = &n.get("station").unwrap().kind else {
            panic!()
        };
        assert!(matches!(st[0].get("servers").unwrap().kind, Kind::Int(4)));
        assert!(st[0].get("failures").unwrap().get("mtbf").is_some());
        let e = set_path(&mut n, &segs("station.wled.servers"), v(1), Span::default()).unwrap_err();
        assert_eq!(e, "no station named `wled`; stations are: cell");
        let e = set_path(&mut n, &segs("product.p.release"), v(1), Span::default()).unwrap_err();
        assert!(e.contains("has no products"), "{e}");
        let e = set_path(&mut n, &segs("scenario.seed.x"), v(1), Span::default()).unwrap_err();
        assert!(e.contains("not a table"), "{e}");
    }
}
