//! Scenario files: the only module that knows TOML. It turns a scenario (a
//! file, a built-in, a string), its bases and its `--set` overrides into a
//! validated [`Model`], or into every problem found, each with its
//! `file:line:col`, key, what was wrong and what is allowed.
//!
//! Loading has two stages, like ripgrep's configuration:
//!
//! 1. Each source is parsed with `toml-span` and converted to an owned tree
//!    ([`tree::Node`]) whose spans live in one global offset space (a
//!    [`diag::SourceMap`] holds every source at its own base offset), so a
//!    span maps back to its file, line and column whatever was merged.
//!    `[scenario] base = "NAME or path"` loads the base first (recursively)
//!    and the file overlays it: tables merge key by key, the arrays of tables
//!    `station`, `product`, `crew` and `flow` merge entries by `name`. The
//!    base's `scenario.name` is not inherited: a variant is named after its own
//!    file unless it says otherwise; nor is the base's hall (`layout.size`,
//!    `points`, `aisles`, `one_way`) by a file that names a drawing
//!    (`layout.dxf`, read by [`dxf`]). Then each `--set PATH=VALUE` is
//!    applied as a small source of its own.
//! 2. The merged tree is read into raw structs (types, unknown keys), then
//!    validated into the [`Model`]; both collect every problem. Each key is
//!    defined once, in its section's key table in `raw/` (name, type,
//!    default, help), from which the reader's allowed keys come and against
//!    which the readers and `docs/scenario-format.md` are tested. The NR
//!    radio's own rules are [`crate::net::Nr::new`]'s, whose messages are
//!    reported at the `[network.nr]` key they concern. A `[network]`
//!    sub-table of a model other than the chosen one is a warning, not an
//!    error, so that `--set network.model=fixed` runs a file written for
//!    `nr`.
//!
//! ```
//! use factory5g::scenario;
//! let loaded = scenario::load_builtin_with("mm3", &["station.cell.servers=4".to_string()]).unwrap();
//! assert_eq!(loaded.model.stations()[0].servers(), 4);
//! assert!(loaded.warnings.is_empty());
//!
//! let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"cell\"\nservers = 0\nprocess = \"exp(1min)\"\n";
//! let err = scenario::load_str("bad.toml", text, None, &[]).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "bad.toml:5:11: error: station.cell.servers: servers must be a whole number of at least 1, found 0"
//! );
//! ```

mod builtin;
mod diag;
mod dist;
pub mod dxf;
mod raw;
mod tree;
mod validate;

pub use builtin::{builtin_names, builtin_text};
pub use diag::{Diagnostic, Diagnostics, Severity};
/// The most replications a scenario (or a command line) may ask for.
pub use validate::MAX_REPLICATIONS;

use crate::model::Model;
use diag::{list, Sink, SourceMap, Span};
use std::path::{Path, PathBuf};
use tree::{Kind, Node};

/// The built-in scenario run when none is named.
pub const DEFAULT_SCENARIO: &str = "sany18";

/// How many bases deep a scenario may go.
const MAX_BASE_DEPTH: usize = 16;

/// The largest scenario file read, in bytes.
pub(crate) const MAX_SCENARIO_BYTES: u64 = 16_000_000;

/// The keys of `[layout]` that a drawing (`dxf`) gives, which a file that
/// names a drawing does not inherit from its base.
const DRAWN_LAYOUT_KEYS: [&str; 4] = ["size", "points", "aisles", "one_way"];

/// Reads a file of at most `limit` bytes: a larger one (or an endless one,
/// such as `/dev/zero`) is refused rather than read into memory.
pub(crate) fn read_bounded_bytes(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "the file is larger than the limit of {} MB",
            limit / 1_000_000
        ));
    }
    Ok(bytes)
}

/// Reads a text file of at most `limit` bytes (see [`read_bounded_bytes`]).
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<String, String> {
    let bytes = read_bounded_bytes(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the file is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

/// A scenario that validated, and the warnings it raised.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub model: Model,
    pub warnings: Vec<Diagnostic>,
    /// The scenario files read from disk as bases (`[scenario] base = "FILE"`),
    /// outermost first, each at its absolute path: what a sweep plan embeds
    /// so that its runs do not depend on the files staying as they were.
    pub files: Vec<SourceFile>,
}

/// A scenario file's text, named by its absolute path.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// Loads a scenario file, then applies `overrides` (`PATH=VALUE` strings).
pub fn load_file(path: &Path, overrides: &[String]) -> Result<Loaded, Diagnostics> {
    let name = path.display().to_string();
    let default_name = path
        .file_stem()
        .map_or_else(|| name.clone(), |s| s.to_string_lossy().into_owned());
    load(
        Origin::File(path.to_path_buf()),
        name,
        default_name,
        overrides,
        &[],
    )
}

/// Loads a scenario from text. `origin` names it in diagnostics (and its stem
/// is the default scenario name); `base_dir` is where relative paths (bases,
/// empirical files) are looked up, the current directory when `None`.
pub fn load_str(
    origin: &str,
    text: &str,
    base_dir: Option<&Path>,
    overrides: &[String],
) -> Result<Loaded, Diagnostics> {
    load_str_with_files(origin, text, base_dir, overrides, &[])
}

/// [`load_str`], reading a base file from `files` (by absolute path) when it
/// is there, and from disk otherwise: a sweep plan's runs load the bases it
/// embedded.
pub fn load_str_with_files(
    origin: &str,
    text: &str,
    base_dir: Option<&Path>,
    overrides: &[String],
    files: &[SourceFile],
) -> Result<Loaded, Diagnostics> {
    let default_name = Path::new(origin)
        .file_stem()
        .map_or_else(|| origin.to_string(), |s| s.to_string_lossy().into_owned());
    let o = Origin::Text {
        name: origin.to_string(),
        text: text.to_string(),
        dir: base_dir.map(Path::to_path_buf),
    };
    load(o, origin.to_string(), default_name, overrides, files)
}

/// Loads a built-in scenario (see [`builtin_names`]).
pub fn load_builtin(name: &str) -> Result<Loaded, Diagnostics> {
    load_builtin_with(name, &[])
}

/// Loads a built-in scenario, then applies `overrides`.
pub fn load_builtin_with(name: &str, overrides: &[String]) -> Result<Loaded, Diagnostics> {
    let origin = format!("{}{name}", builtin::PREFIX);
    match builtin::builtin_name(name) {
        Some(n) => load(Origin::Builtin(n), origin, n.to_string(), overrides, &[]),
        None => Err(Diagnostics(vec![Diagnostic::error(
            origin,
            format!(
                "unknown built-in scenario `{name}`; built-in scenarios are: {}",
                list(&builtin_names())
            ),
        )])),
    }
}

enum Origin {
    File(PathBuf),
    Builtin(&'static str),
    Text {
        name: String,
        text: String,
        dir: Option<PathBuf>,
    },
}

struct Loader<'a> {
    map: SourceMap,
    sink: Sink,
    /// The sources being loaded, outermost first: (identity, display name).
    chain: Vec<(String, String)>,
    /// Base files given beforehand, read instead of the disk.
    stored: &'a [SourceFile],
    /// The base files read (or taken from `stored`), in load order.
    files: Vec<SourceFile>,
}

fn load(
    origin: Origin,
    file: String,
    default_name: String,
    overrides: &[String],
    stored: &[SourceFile],
) -> Result<Loaded, Diagnostics> {
    let top_is_file = matches!(origin, Origin::File(_));
    let mut l = Loader {
        map: SourceMap::default(),
        sink: Sink::default(),
        chain: Vec::new(),
        stored,
        files: Vec::new(),
    };
    let mut model = None;
    if let Some(mut tree) = l.load_tree(origin, None) {
        for o in overrides {
            l.apply_override(&mut tree, o);
        }
        if !l.sink.has_errors() {
            let raw = raw::read(&tree, &mut l.sink);
            let context = validate::Context {
                map: &l.map,
                default_name: &default_name,
            };
            model = validate::validate(&raw, &context, &mut l.sink);
        }
    }
    let diags = l.sink.resolve(&l.map, &file);
    let (errors, warnings): (Vec<_>, Vec<_>) = diags.into_iter().partition(Diagnostic::is_error);
    match model {
        Some(model) if errors.is_empty() => {
            // The file named on the command line is not a base.
            let files = l.files.into_iter().skip(usize::from(top_is_file)).collect();
            Ok(Loaded {
                model,
                warnings,
                files,
            })
        }
        _ if errors.is_empty() => Err(Diagnostics(vec![Diagnostic::error(
            file,
            "internal error: the scenario was refused without a reason",
        )])),
        _ => Err(Diagnostics(errors)),
    }
}

impl Loader<'_> {
    /// Reads, parses and converts one source, and merges it over its base.
    /// `via` is the `base = ...` string that named it.
    fn load_tree(&mut self, origin: Origin, via: Option<Span>) -> Option<Node> {
        let (name, text, dir, id) = match origin {
            Origin::File(path) => {
                let name = path.display().to_string();
                let absolute = std::path::absolute(&path)
                    .unwrap_or_else(|_| path.clone())
                    .display()
                    .to_string();
                let stored = self.stored.iter().find(|f| f.path == absolute);
                let read = match stored {
                    Some(f) => Ok(f.text.clone()),
                    None => read_bounded(&path, MAX_SCENARIO_BYTES),
                };
                let text = match read {
                    Ok(t) => t,
                    Err(e) => {
                        match via {
                            Some(v) => self.sink.error(
                                Some(v),
                                "scenario.base",
                                format!(
                                    "cannot read base scenario `{name}`: {e}{}",
                                    builtin_hint(path.file_name().map_or(&path, Path::new))
                                ),
                            ),
                            None => self.sink.error(
                                None,
                                "",
                                format!("cannot read scenario file: {e}{}", builtin_hint(&path)),
                            ),
                        }
                        return None;
                    }
                };
                let id = std::fs::canonicalize(&path)
                    .unwrap_or_else(|_| path.clone())
                    .display()
                    .to_string();
                let dir = path.parent().map(Path::to_path_buf);
                self.files.push(SourceFile {
                    path: absolute,
                    text: text.clone(),
                });
                (name, text, dir, id)
            }
            Origin::Builtin(n) => {
                let name = format!("{}{n}", builtin::PREFIX);
                let text = builtin_text(n).unwrap_or("").to_string();
                (name.clone(), text, None, name)
            }
            Origin::Text { name, text, dir } => (name.clone(), text, dir, name),
        };
        if self.chain.iter().any(|(i, _)| *i == id) {
            let mut names: Vec<&str> = self.chain.iter().map(|(_, n)| n.as_str()).collect();
            names.push(&name);
            self.sink.error(
                via,
                "scenario.base",
                format!("scenarios are each other's base: {}", names.join(" -> ")),
            );
            return None;
        }
        let start = self.map.add(name.clone(), text.clone(), dir.clone(), true);
        let value = match toml_span::parse(&text) {
            Ok(v) => v,
            Err(e) => {
                let span = Span::new(
                    start.saturating_add(e.span.start),
                    start.saturating_add(e.span.end),
                );
                self.sink.error(Some(span), "", format!("TOML syntax error: {e}"));
                return None;
            }
        };
        let node = tree::from_toml(&value, &text, &|x| start.saturating_add(x));
        let Some(base) = node.get("scenario").and_then(|s| s.get("base")) else {
            return Some(node);
        };
        let Kind::Str(b) = &base.kind else {
            self.sink.error(
                Some(base.span),
                "scenario.base",
                format!(
                    "base must be a string naming a built-in scenario ({}) or a file, found {}",
                    list(&builtin_names()),
                    base.describe()
                ),
            );
            return None;
        };
        if self.chain.len() >= MAX_BASE_DEPTH {
            self.sink.error(
                Some(base.span),
                "scenario.base",
                format!("bases nest more than {MAX_BASE_DEPTH} deep"),
            );
            return None;
        }
        let target = match builtin::builtin_name(&b.value) {
            Some(n) => Origin::Builtin(n),
            None => Origin::File(match &dir {
                Some(d) => d.join(&b.value),
                None => PathBuf::from(&b.value),
            }),
        };
        let via = base.span;
        self.chain.push((id, name));
        let base_tree = self.load_tree(target, Some(via));
        self.chain.pop();
        let mut base_tree = base_tree?;
        // Adding an entry in a variant is legitimate; adding one named one
        // letter off a base entry is a misspelling, most likely.
        for (span, key, name, close) in tree::near_misses(&base_tree, &node) {
            self.sink.warning(
                Some(span),
                &format!("{key}.{name}"),
                format!(
                    "the base has no {key} `{name}`, so this adds one; did you mean `{close}`? (a variant changes \
                     the base's {key} of the same name)"
                ),
            );
        }
        tree::remove(&mut base_tree, "scenario", "name");
        tree::remove(&mut base_tree, "scenario", "base");
        // A file that names a drawing takes its hall from the drawing, not
        // from its base (its own points and aisles still win over the
        // drawing's).
        if node.get("layout").and_then(|l| l.get("dxf")).is_some() {
            for key in DRAWN_LAYOUT_KEYS {
                tree::remove(&mut base_tree, "layout", key);
            }
        }
        Some(tree::merge(base_tree, node, true))
    }

    /// Applies one `PATH=VALUE` override.
    fn apply_override(&mut self, root: &mut Node, arg: &str) {
        let start = self.map.add(format!("--set {arg}"), arg.to_string(), None, false);
        let whole = Span::new(start, start.saturating_add(arg.len()));
        let Some(eq) = arg.find('=') else {
            self.sink.error(
                Some(whole),
                "",
                "expected PATH=VALUE, e.g. --set station.weld.servers=4",
            );
            return;
        };
        let (path, value) = (arg.get(..eq).unwrap_or(""), arg.get(eq + 1..).unwrap_or(""));
        let segs = match tree::split_path(path) {
            Ok(s) => s,
            Err(m) => {
                self.sink.error(Some(whole), path.trim(), m);
                return;
            }
        };
        let key = segs.join(".");
        if segs.len() == 2
            && segs.first().is_some_and(|s| s == "scenario")
            && segs.get(1).is_some_and(|s| s == "base")
        {
            self.sink.error(
                Some(whole),
                &key,
                "the base cannot be changed with --set; write a scenario file with [scenario] base = ... instead",
            );
            return;
        }
        let trimmed = value.trim();
        let value_start = start
            .saturating_add(eq + 1)
            .saturating_add(value.len() - value.trim_start().len());
        let node = parse_override_value(trimmed, value_start);
        if let Err(m) = tree::set_path(root, &segs, node, whole) {
            self.sink.error(Some(whole), &key, m);
        }
    }
}

/// For a scenario file that does not exist and looks like a bare name: the
/// built-in scenarios, which `run NAME` also takes.
fn builtin_hint(path: &Path) -> String {
    let name = path.to_string_lossy();
    let bare = !path.exists() && !name.contains(['/', '\\', '.']);
    if !bare {
        return String::new();
    }
    format!(
        "; no built-in scenario is named `{name}` either (built-in scenarios: {}){}",
        list(&builtin_names()),
        diag::did_you_mean(&name, builtin_names().iter().copied())
    )
}

/// A `--set` value: a TOML value if it parses as one (`4`, `true`,
/// `"x"`, `{ mtbf = "exp(8h)", mttr = "1h" }`), else the text as a string
/// (`8h`, `exp(1h)`). `start` is the global offset of `text`.
fn parse_override_value(text: &str, start: usize) -> Node {
    const PREFIX: &str = "v = ";
    let doc = format!("{PREFIX}{text}");
    if let Ok(v) = toml_span::parse(&doc) {
        if let Some(t) = v.as_table().filter(|t| t.len() == 1) {
            if let Some(inner) = t.get("v") {
                return tree::from_toml(inner, &doc, &|x| {
                    start.saturating_add(x.saturating_sub(PREFIX.len()))
                });
            }
        }
    }
    Node::string(
        text.to_string(),
        Some(start),
        Span::new(start, start.saturating_add(text.len())),
    )
}

#[cfg(test)]
mod tests;
