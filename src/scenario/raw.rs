//! Stage 2a: the merged tree read into raw structs that mirror the file. Only
//! shapes are checked here (types, unknown keys, keys not supported yet);
//! every problem is recorded and reading goes on.

use super::diag::{did_you_mean, list, Sink, Span};
use super::tree::{Entry, Kind, Node, Str};

/// A value and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Sp<T> {
    pub v: T,
    pub span: Span,
}

/// A field of a raw struct.
#[derive(Clone, Debug)]
pub(crate) enum Field<T> {
    /// Not written.
    Missing,
    /// Written with the wrong shape; already reported.
    Invalid,
    Ok(Sp<T>),
}

impl<T> Field<T> {
    pub fn ok(&self) -> Option<&Sp<T>> {
        match self {
            Field::Ok(x) => Some(x),
            _ => None,
        }
    }
}

/// A key the contract names but this version does not implement yet. Keep
/// every such key here, so that supporting one is removing its entry.
pub(crate) struct NotYet {
    /// The table it belongs in: "" (top level), "station", "product",
    /// "route" (a route step table), ...
    pub table: &'static str,
    pub key: &'static str,
    /// Only this value is not supported (e.g. `release = "pull"`).
    pub value: Option<&'static str>,
}

pub(crate) const NOT_YET: &[NotYet] = &[
    NotYet {
        table: "",
        key: "layout",
        value: None,
    },
    NotYet {
        table: "",
        key: "fleet",
        value: None,
    },
    NotYet {
        table: "",
        key: "network",
        value: None,
    },
    NotYet {
        table: "",
        key: "flow",
        value: None,
    },
    NotYet {
        table: "station",
        key: "at",
        value: None,
    },
    NotYet {
        table: "route",
        key: "parts",
        value: None,
    },
    NotYet {
        table: "route",
        key: "assemble",
        value: None,
    },
    NotYet {
        table: "product",
        key: "release",
        value: Some("pull"),
    },
];

/// The keys of each table, in the order of the contract (DESIGN.md section 2),
/// keys not supported yet included.
pub(crate) const ROOT_KEYS: &[&str] = &[
    "scenario", "layout", "station", "crew", "product", "fleet", "network", "flow",
];
pub(crate) const SCENARIO_KEYS: &[&str] = &["name", "horizon", "warmup", "seed", "replications", "base"];
pub(crate) const STATION_KEYS: &[&str] = &[
    "name",
    "at",
    "servers",
    "process",
    "setup",
    "input_buffer",
    "output_buffer",
    "robot",
    "failures",
];
pub(crate) const FAILURE_KEYS: &[&str] = &["mtbf", "mttr", "crew", "basis"];
pub(crate) const CREW_KEYS: &[&str] = &["name", "size"];
pub(crate) const PRODUCT_KEYS: &[&str] = &["name", "release", "route"];
pub(crate) const STEP_KEYS: &[&str] = &["station", "process", "parts", "assemble"];

#[derive(Debug)]
pub(crate) struct Raw {
    /// The whole merged scenario; its start is the start of the top file.
    pub span: Span,
    pub scenario: Field<RawScenario>,
    pub stations: Field<Vec<RawStation>>,
    pub crews: Field<Vec<RawCrew>>,
    pub products: Field<Vec<RawProduct>>,
}

#[derive(Debug)]
pub(crate) struct RawScenario {
    pub name: Field<String>,
    pub horizon: Field<Str>,
    pub warmup: Field<Str>,
    pub seed: Field<i64>,
    pub replications: Field<i64>,
}

#[derive(Debug)]
pub(crate) struct RawStation {
    /// `station.NAME`, or `station[I]` (1-based) when the name is unusable.
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub servers: Field<i64>,
    pub process: Field<Str>,
    pub setup: Field<Str>,
    pub input_buffer: Field<i64>,
    pub output_buffer: Field<i64>,
    pub robot: Field<bool>,
    pub failures: Field<RawFailures>,
}

#[derive(Debug)]
pub(crate) struct RawFailures {
    pub mtbf: Field<Str>,
    pub mttr: Field<Str>,
    pub crew: Field<String>,
    pub basis: Field<String>,
}

#[derive(Debug)]
pub(crate) struct RawCrew {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub size: Field<i64>,
}

#[derive(Debug)]
pub(crate) struct RawProduct {
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub release: Field<Str>,
    pub route: Field<Vec<RawStep>>,
}

#[derive(Debug)]
pub(crate) struct RawStep {
    /// `product.NAME.route[I]` (1-based).
    pub label: String,
    /// Written as a table `{ station = ..., process = ... }`.
    pub is_table: bool,
    pub station: Field<String>,
    pub process: Field<Str>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The last key of a path, as the subject of messages.
fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Reports unknown keys and keys not supported yet.
fn check_keys(sink: &mut Sink, entries: &[Entry], table: &str, allowed: &[&str], path: &str) {
    for e in entries {
        let key = e.key.as_str();
        let here = join(path, key);
        if !allowed.contains(&key) {
            sink.error(
                Some(e.key_span),
                &here,
                format!(
                    "unknown key `{key}`; allowed keys: {}{}",
                    list(allowed),
                    did_you_mean(key, allowed.iter().copied())
                ),
            );
        } else if NOT_YET
            .iter()
            .any(|n| n.table == table && n.key == key && n.value.is_none())
        {
            sink.error(
                Some(e.key_span),
                &here,
                format!("`{key}` is not supported yet by this version of factory5g; remove it to run this scenario"),
            );
        }
    }
}

fn string(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<String> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Str(s),
            span,
        }) => Field::Ok(Sp {
            v: s.value.clone(),
            span: *span,
        }),
        Some(n) => {
            sink.error(
                Some(n.span),
                path,
                format!("{} must be a string, found {}", last(path), n.describe()),
            );
            Field::Invalid
        }
    }
}

/// What a string of some kind should look like, for type errors.
#[derive(Copy, Clone)]
enum TextKind {
    Duration,
    Dist,
}

fn text(sink: &mut Sink, node: Option<&Node>, path: &str, kind: TextKind) -> Field<Str> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Str(s),
            span,
        }) => Field::Ok(Sp {
            v: s.clone(),
            span: *span,
        }),
        Some(n) => {
            let expected = match kind {
                TextKind::Duration => "a duration string like \"30s\"",
                TextKind::Dist => "a distribution string like \"exp(30s)\" or a duration like \"30s\"",
            };
            let hint = match n.kind {
                Kind::Int(i) => format!("; durations need a unit in a string, e.g. \"{i}s\""),
                Kind::Float(x) if x.is_finite() => {
                    format!("; durations need a unit in a string, e.g. \"{x}s\"")
                }
                _ => String::new(),
            };
            sink.error(
                Some(n.span),
                path,
                format!("expected {expected}, found {}{hint}", n.describe()),
            );
            Field::Invalid
        }
    }
}

fn int(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<i64> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Int(i),
            span,
        }) => Field::Ok(Sp { v: *i, span: *span }),
        Some(n) => {
            sink.error(
                Some(n.span),
                path,
                format!("{} must be a whole number, found {}", last(path), n.describe()),
            );
            Field::Invalid
        }
    }
}

fn boolean(sink: &mut Sink, node: Option<&Node>, path: &str) -> Field<bool> {
    match node {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Bool(b),
            span,
        }) => Field::Ok(Sp { v: *b, span: *span }),
        Some(n) => {
            sink.error(
                Some(n.span),
                path,
                format!("{} must be true or false, found {}", last(path), n.describe()),
            );
            Field::Invalid
        }
    }
}

/// Refuses the values of [`NOT_YET`] (such as `release = "pull"`).
fn refuse_unsupported_value(sink: &mut Sink, field: Field<Str>, table: &str, path: &str) -> Field<Str> {
    if let Field::Ok(s) = &field {
        let key = last(path);
        if let Some(n) = NOT_YET
            .iter()
            .find(|n| n.table == table && n.key == key && n.value == Some(s.v.value.as_str()))
        {
            sink.error(
                Some(s.span),
                path,
                format!(
                    "{} = \"{}\" is not supported yet by this version of factory5g",
                    n.key,
                    n.value.unwrap_or("")
                ),
            );
            return Field::Invalid;
        }
    }
    field
}

/// Reads the whole tree.
pub(crate) fn read(root: &Node, sink: &mut Sink) -> Raw {
    let empty: &[Entry] = &[];
    let entries = root.entries().unwrap_or(empty);
    check_keys(sink, entries, "", ROOT_KEYS, "");
    let scenario = match root.get("scenario") {
        None => Field::Missing,
        Some(n) => match n.entries() {
            Some(e) => Field::Ok(Sp {
                v: read_scenario(sink, e),
                span: n.span,
            }),
            None => {
                sink.error(
                    Some(n.span),
                    "scenario",
                    format!("scenario must be a table ([scenario]), found {}", n.describe()),
                );
                Field::Invalid
            }
        },
    };
    Raw {
        span: root.span,
        scenario,
        stations: named_array(sink, root.get("station"), "station", read_station),
        crews: named_array(sink, root.get("crew"), "crew", read_crew),
        products: named_array(sink, root.get("product"), "product", read_product),
    }
}

fn read_scenario(sink: &mut Sink, e: &[Entry]) -> RawScenario {
    check_keys(sink, e, "scenario", SCENARIO_KEYS, "scenario");
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    // `base` was used when the tree was built; only its type matters here,
    // and it was checked then.
    RawScenario {
        name: string(sink, get("name"), "scenario.name"),
        horizon: text(sink, get("horizon"), "scenario.horizon", TextKind::Duration),
        warmup: text(sink, get("warmup"), "scenario.warmup", TextKind::Duration),
        seed: int(sink, get("seed"), "scenario.seed"),
        replications: int(sink, get("replications"), "scenario.replications"),
    }
}

/// Reads `[[key]]` entries with `read(sink, entries, table span, label)`.
fn named_array<T>(
    sink: &mut Sink,
    node: Option<&Node>,
    key: &str,
    mut read: impl FnMut(&mut Sink, &[Entry], Span, String) -> T,
) -> Field<Vec<T>> {
    let Some(node) = node else {
        return Field::Missing;
    };
    match &node.kind {
        Kind::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let label = match item.entry_name() {
                    Some(n) if !n.is_empty() => format!("{key}.{n}"),
                    _ => format!("{key}[{}]", i + 1),
                };
                match item.entries() {
                    Some(e) => out.push(read(sink, e, item.span, label)),
                    None => sink.error(
                        Some(item.span),
                        &label,
                        format!(
                            "each {key} must be a table ([[{key}]]), found {}",
                            item.describe()
                        ),
                    ),
                }
            }
            Field::Ok(Sp {
                v: out,
                span: node.span,
            })
        }
        Kind::Table(_) => {
            sink.error(
                Some(node.span),
                key,
                format!("write [[{key}]] (double brackets) for each {key}: `{key}` must be an array of tables, found a single table"),
            );
            Field::Invalid
        }
        _ => {
            sink.error(
                Some(node.span),
                key,
                format!(
                    "`{key}` must be an array of tables ([[{key}]]), found {}",
                    node.describe()
                ),
            );
            Field::Invalid
        }
    }
}

fn read_station(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawStation {
    check_keys(sink, e, "station", STATION_KEYS, &label);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let p = |k: &str| join(&label, k);
    let failures = match get("failures") {
        None => Field::Missing,
        Some(n) => match n.entries() {
            Some(fe) => Field::Ok(Sp {
                v: read_failures(sink, fe, &p("failures")),
                span: n.span,
            }),
            None => {
                sink.error(
                    Some(n.span),
                    &p("failures"),
                    format!(
                        "failures must be a table like {{ mtbf = \"exp(8h)\", mttr = \"exp(20min)\" }}, found {}",
                        n.describe()
                    ),
                );
                Field::Invalid
            }
        },
    };
    RawStation {
        span,
        name: string(sink, get("name"), &p("name")),
        servers: int(sink, get("servers"), &p("servers")),
        process: text(sink, get("process"), &p("process"), TextKind::Dist),
        setup: text(sink, get("setup"), &p("setup"), TextKind::Dist),
        input_buffer: int(sink, get("input_buffer"), &p("input_buffer")),
        output_buffer: int(sink, get("output_buffer"), &p("output_buffer")),
        robot: boolean(sink, get("robot"), &p("robot")),
        failures,
        label,
    }
}

fn read_failures(sink: &mut Sink, e: &[Entry], path: &str) -> RawFailures {
    check_keys(sink, e, "failures", FAILURE_KEYS, path);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let p = |k: &str| join(path, k);
    RawFailures {
        mtbf: text(sink, get("mtbf"), &p("mtbf"), TextKind::Dist),
        mttr: text(sink, get("mttr"), &p("mttr"), TextKind::Dist),
        crew: string(sink, get("crew"), &p("crew")),
        basis: string(sink, get("basis"), &p("basis")),
    }
}

fn read_crew(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawCrew {
    check_keys(sink, e, "crew", CREW_KEYS, &label);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    RawCrew {
        span,
        name: string(sink, get("name"), &join(&label, "name")),
        size: int(sink, get("size"), &join(&label, "size")),
        label,
    }
}

fn read_product(sink: &mut Sink, e: &[Entry], span: Span, label: String) -> RawProduct {
    check_keys(sink, e, "product", PRODUCT_KEYS, &label);
    let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
    let p = |k: &str| join(&label, k);
    let release = text(sink, get("release"), &p("release"), TextKind::Dist);
    let release = refuse_unsupported_value(sink, release, "product", &p("release"));
    let route = match get("route") {
        None => Field::Missing,
        Some(Node {
            kind: Kind::Array(items),
            span,
        }) => {
            let steps = items
                .iter()
                .enumerate()
                .map(|(i, item)| read_step(sink, item, format!("{label}.route[{}]", i + 1)))
                .collect();
            Field::Ok(Sp {
                v: steps,
                span: *span,
            })
        }
        Some(n) => {
            sink.error(
                Some(n.span),
                &p("route"),
                format!(
                    "route must be an array of station names like [\"cut\", \"weld\"], found {}",
                    n.describe()
                ),
            );
            Field::Invalid
        }
    };
    RawProduct {
        span,
        name: string(sink, get("name"), &p("name")),
        release,
        route,
        label,
    }
}

fn read_step(sink: &mut Sink, item: &Node, label: String) -> RawStep {
    match &item.kind {
        Kind::Str(s) => RawStep {
            station: Field::Ok(Sp {
                v: s.value.clone(),
                span: item.span,
            }),
            process: Field::Missing,
            is_table: false,
            label,
        },
        Kind::Table(e) => {
            check_keys(sink, e, "route", STEP_KEYS, &label);
            let get = |k: &str| e.iter().find(|x| x.key == k).map(|x| &x.value);
            let station = match get("station") {
                None => {
                    sink.error(
                        Some(item.span),
                        &label,
                        "a route step table needs `station`, e.g. { station = \"weld\", process = \"exp(5min)\" }",
                    );
                    Field::Invalid
                }
                n => string(sink, n, &join(&label, "station")),
            };
            RawStep {
                station,
                process: text(sink, get("process"), &join(&label, "process"), TextKind::Dist),
                is_table: true,
                label,
            }
        }
        _ => {
            sink.error(
                Some(item.span),
                &label,
                format!(
                    "a route step must be a station name or a table {{ station = NAME, process = DIST }}, found {}",
                    item.describe()
                ),
            );
            RawStep {
                station: Field::Invalid,
                process: Field::Missing,
                is_table: false,
                label,
            }
        }
    }
}
