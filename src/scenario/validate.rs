//! Stage 2b: the raw structs checked and turned into the immutable [`Model`],
//! every problem collected; then the warnings about a model that runs but
//! probably not as meant.
//!
//! One file per part of the scenario, like `raw`: `scenario` (the header),
//! `layout`, `stations` (and crews), `products` (routes, kits,
//! sub-assemblies), `fleet`, `network` (the link models and the NR radio),
//! `flows`, and `warnings` (unstable or idle stations, very long runs). This
//! file holds what they share: the [`Validator`] (the sink and the source
//! map), the [`Names`] of each kind of entry, and the checks of one value
//! (whole numbers in a range, durations, distributions).
//!
//! Conventions: each check returns `Option<T>`, `None` once a problem is
//! reported; a value is checked even when its neighbours are wrong, so that
//! one pass reports every problem, and the [`Model`] is built only when the
//! sink holds no error at all. A reference (a station in a route, a point of
//! the layout) resolves through [`Names`], whose message lists the names
//! that exist and suggests the closest. Limits on counts and sizes bound
//! what a file can make a run allocate (see the `MAX_` constants of each
//! part).
//!
//! ```text
//! [[station]] name = "cell" servers = 0      -> station.cell.servers: servers must be
//!                                               a whole number of at least 1, found 0
//! route = ["cel"]                            -> unknown station `cel` in route; stations
//!                                               are: cell; did you mean `cell`?
//! ```

use super::diag::{did_you_mean, list, Sink, SourceMap, Span};
use super::dist::parse_dist;
use super::raw::{last, Field, Raw, RawCalendar, RawCrew, RawFlow, RawPool, RawProduct, RawStation, Sp};
use super::tree::Str;
use crate::engine::SimTime;
use crate::model::{Dist, Model};
use crate::text::thousands;
use std::collections::{HashMap, HashSet};

mod drawing;
mod fleet;
mod flows;
mod layout;
mod network;
mod people;
mod products;
mod scenario;
mod stations;
mod units;
mod warnings;

pub use scenario::MAX_REPLICATIONS;

/// What validation needs to know of the load.
pub(crate) struct Context<'a> {
    pub map: &'a SourceMap,
    /// The scenario's name when `[scenario] name` is not given.
    pub default_name: &'a str,
}

/// Checks raw values, recording each problem in the sink.
struct Validator<'a, 'b> {
    context: &'a Context<'a>,
    sink: &'b mut Sink,
}

/// Names of one kind of entry, with where each was first defined.
struct Names {
    kind: &'static str,
    plural: &'static str,
    index: HashMap<String, (usize, Span)>,
    order: Vec<String>,
    /// Names left out of listings (a drawing's unnamed vertices, `v1`,
    /// ...), and what a listing says of them instead.
    unlisted: HashSet<String>,
    unlisted_note: String,
}

impl Names {
    fn new(kind: &'static str, plural: &'static str) -> Names {
        Names {
            kind,
            plural,
            index: HashMap::new(),
            order: Vec::new(),
            unlisted: HashSet::new(),
            unlisted_note: String::new(),
        }
    }

    /// Leaves `names` out of listings, which say `note` of them instead.
    fn unlist(&mut self, names: &[String], note: &str) {
        self.unlisted.extend(names.iter().cloned());
        self.unlisted_note = note.to_string();
    }

    /// Records entry `i` named `name`, written at `span`.
    fn insert(&mut self, name: &str, i: usize, span: Span) {
        self.index.insert(name.to_string(), (i, span));
        self.order.push(name.to_string());
    }

    fn listing(&self) -> String {
        let names: Vec<&str> = self
            .order
            .iter()
            .map(String::as_str)
            .filter(|name| !self.unlisted.contains(*name))
            .collect();
        match (names.is_empty(), self.unlisted_note.is_empty()) {
            (_, true) => list(&names),
            (true, false) => self.unlisted_note.clone(),
            (false, false) => format!("{}, and {}", list(&names), self.unlisted_note),
        }
    }

    /// The name of entry `i`.
    fn name_of(&self, i: usize) -> Option<&str> {
        self.index
            .iter()
            .find(|(_, (j, _))| *j == i)
            .map(|(name, _)| name.as_str())
    }

    /// Resolves a reference, reporting an unknown name.
    fn resolve(
        &self,
        validator: &mut Validator<'_, '_>,
        name: &Sp<String>,
        key: &str,
        context: &str,
    ) -> Option<usize> {
        if let Some((i, _)) = self.index.get(&name.v) {
            return Some(*i);
        }
        let (kind, plural) = (self.kind, self.plural);
        let message = if self.order.is_empty() {
            format!(
                "unknown {kind} `{}`{context}; the scenario has no {plural}",
                name.v
            )
        } else {
            format!(
                "unknown {kind} `{}`{context}; {plural} are: {}{}",
                name.v,
                self.listing(),
                did_you_mean(&name.v, self.order.iter().map(String::as_str))
            )
        };
        validator.sink.error(Some(name.span), key, message);
        None
    }
}

/// An entry of a named array (`[[station]]`, `[[crew]]`, `[[product]]`,
/// `[[flow]]`), as far as its name goes.
trait NamedEntry {
    fn name(&self) -> &Field<String>;
    /// `station.NAME`, or `station[I]` when the name is unusable.
    fn label(&self) -> &str;
    /// The whole entry.
    fn span(&self) -> Span;
}

macro_rules! named_entries {
    ($($raw:ty),*) => {$(
        impl NamedEntry for $raw {
            fn name(&self) -> &Field<String> {
                &self.name
            }
            fn label(&self) -> &str {
                &self.label
            }
            fn span(&self) -> Span {
                self.span
            }
        }
    )*};
}

named_entries!(RawStation, RawCrew, RawProduct, RawFlow, RawCalendar, RawPool);

/// Checks everything; returns the model only when there is no error at all
/// (including those recorded by earlier stages).
pub(crate) fn validate(raw: &Raw, context: &Context<'_>, sink: &mut Sink) -> Option<Model> {
    let mut validator = Validator { context, sink };
    // Problems of the scenario as a whole are reported at its first line.
    let file_start = Span::new(raw.span.start, raw.span.start);
    let header = validator.scenario(&raw.scenario, file_start);
    let calendars = validator.calendars(&raw.calendars);
    let pools = validator.pools(&raw.pools, &calendars.names);
    let crews = validator.crews(&raw.crews, &calendars.names);
    let floor = validator.layout(&raw.layout);
    let refs = stations::Refs {
        crews: &crews.names,
        calendars: &calendars.names,
        pools: &pools,
    };
    let stations = validator.stations(&raw.stations, file_start, &refs, &floor);
    let products = validator.products(raw, &stations.names, &pools);
    let fleet = match &raw.fleet {
        Field::Ok(fleet) => validator
            .fleet(&fleet.v, &floor, stations.raw, &calendars.names)
            .map(Some),
        Field::Missing => Some(None),
        Field::Invalid => None,
    };
    let (network, link_model) = validator.network(&raw.network, &floor);
    let flows = validator.flows(raw, &stations, link_model);
    validator.link_profiles(&flows, raw, &floor, network.as_ref());
    if validator.sink.has_errors() {
        return None;
    }
    let header = header?;
    let mut model = Model {
        name: header.name,
        horizon: header.horizon,
        warmup: header.warmup,
        seed: header.seed,
        replications: header.replications,
        stations: stations.checked.into_iter().collect::<Option<Vec<_>>>()?,
        crews: crews.checked.into_iter().collect::<Option<Vec<_>>>()?,
        products: products.into_iter().collect::<Option<Vec<_>>>()?,
        calendars: calendars.checked.into_iter().collect::<Option<Vec<_>>>()?,
        pools: pools.checked.into_iter().collect::<Option<Vec<_>>>()?,
        layout: floor.layout?,
        fleet: fleet?,
        network: network?,
        flows: flows.into_iter().collect::<Option<Vec<_>>>()?,
    };
    // Avoidance reserves paths only where plain zone control could deadlock.
    let reserve_paths =
        model.layout.as_ref().is_some_and(|l| l.has_crossings()) || model.zone_deadlock_cycle().is_some();
    if let Some(fleet) = model.fleet.as_mut() {
        fleet.reserve_paths = reserve_paths;
    }
    warnings::warn(&model, raw, validator.sink);
    Some(model)
}

impl Validator<'_, '_> {
    /// Refuses more than `max` entries of a kind, at the first one too many.
    fn at_most<T: NamedEntry>(&mut self, entries: &[T], names: &Names, max: usize) {
        if entries.len() > max {
            self.sink.error(
                entries.get(max).map(NamedEntry::span),
                names.kind,
                format!(
                    "a scenario holds at most {} {}, found {}",
                    thousands(max as u64),
                    names.plural,
                    thousands(entries.len() as u64)
                ),
            );
        }
    }

    /// The names of a named array's entries, each `None` where it is
    /// missing, empty or a duplicate (reported), recorded in `names`.
    fn names_of<T: NamedEntry>(&mut self, entries: &[T], names: &mut Names) -> Vec<Option<String>> {
        entries
            .iter()
            .enumerate()
            .map(|(i, entry)| self.name(entry, names, i))
            .collect()
    }

    /// A required, non-empty, unique name, recorded in `names`.
    fn name(&mut self, entry: &impl NamedEntry, names: &mut Names, i: usize) -> Option<String> {
        let (label, kind) = (entry.label(), names.kind);
        let key = format!("{label}.name");
        match entry.name() {
            Field::Ok(name) if name.v.trim().is_empty() => {
                self.sink.error(
                    Some(name.span),
                    &key,
                    format!("a {kind}'s name must not be empty"),
                );
                None
            }
            Field::Ok(name) => {
                if let Some((_, first)) = names.index.get(&name.v) {
                    let at = self.context.map.describe(first.start);
                    self.sink.error(
                        Some(name.span),
                        &key,
                        format!("duplicate {kind} name `{}`; the first is at {at}", name.v),
                    );
                    return None;
                }
                names.insert(&name.v, i, name.span);
                Some(name.v.clone())
            }
            Field::Missing => {
                self.sink.error(
                    Some(entry.span()),
                    label,
                    format!(
                        "every {kind} needs a `name`, e.g. name = \"{}\"",
                        example_name(kind)
                    ),
                );
                None
            }
            Field::Invalid => None,
        }
    }

    /// A whole number in `min..=max`, `default` when absent.
    fn int_or<T: TryFrom<i64>>(
        &mut self,
        field: &Field<i64>,
        key: &str,
        default: T,
        min: i64,
        max: i64,
    ) -> Option<T> {
        match field {
            Field::Ok(x) => {
                let bound = if x.v < min {
                    Some(format!("at least {min}"))
                } else if x.v > max {
                    Some(format!("at most {max}"))
                } else {
                    None
                };
                match bound.map_or_else(
                    || T::try_from(x.v).map_err(|_| format!("from {min} to {max}")),
                    Err,
                ) {
                    Ok(t) => Some(t),
                    Err(bound) => {
                        self.sink.error(
                            Some(x.span),
                            key,
                            format!("{} must be a whole number of {bound}, found {}", last(key), x.v),
                        );
                        None
                    }
                }
            }
            Field::Missing => Some(default),
            Field::Invalid => None,
        }
    }

    fn duration(&mut self, text: &Sp<Str>, key: &str) -> Option<SimTime> {
        match SimTime::parse_duration(&text.v.value) {
            Ok(t) => Some(t),
            Err(e) => {
                self.sink.error(Some(text.span), key, e.to_string());
                None
            }
        }
    }

    /// A duration above 0.
    fn positive_duration(&mut self, text: &Sp<Str>, key: &str) -> Option<SimTime> {
        let t = self.duration(text, key)?;
        if t == SimTime::ZERO {
            self.sink.error(
                Some(text.span),
                key,
                format!("{} must be longer than 0, found \"{}\"", last(key), text.v.value),
            );
            return None;
        }
        Some(t)
    }

    fn dist(&mut self, text: &Sp<Str>, key: &str) -> Option<Dist> {
        let dir = self.context.map.dir_at(text.span.start);
        match parse_dist(&text.v.value, dir) {
            Ok(d) => Some(d),
            Err(e) => {
                let span = match (e.at, text.v.content) {
                    (Some(r), Some(c)) => Span::new(c.saturating_add(r.start), c.saturating_add(r.end)),
                    _ => text.span,
                };
                self.sink.error(Some(span), key, e.message);
                None
            }
        }
    }

    /// A distribution whose mean must be above zero (something happening
    /// every `mean` on average).
    fn positive_dist(&mut self, text: &Sp<Str>, key: &str, why: &str) -> Option<Dist> {
        let d = self.dist(text, key)?;
        if d.mean_ns() > 0.0 {
            return Some(d);
        }
        self.sink.error(
            Some(text.span),
            key,
            format!(
                "{} must have a mean above 0 ({why}), found \"{}\"",
                last(key),
                text.v.value
            ),
        );
        None
    }

    fn optional_dist(&mut self, field: &Field<Str>, key: &str) -> Option<Option<Dist>> {
        match field {
            Field::Ok(text) => self.dist(text, key).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    /// A distribution that must be written; a missing one is reported at
    /// `table` with `example`.
    fn required_dist(&mut self, field: &Field<Str>, key: &str, table: Span, example: &str) -> Option<Dist> {
        match field {
            Field::Ok(text) => self.dist(text, key),
            Field::Missing => {
                let name = last(key);
                self.sink.error(
                    Some(table),
                    key,
                    format!("missing `{name}`, e.g. {name} = \"{example}\""),
                );
                None
            }
            Field::Invalid => None,
        }
    }

    /// A string read by `parse`, whose error message says what is allowed;
    /// reported at `span`.
    fn parsed<T>(
        &mut self,
        text: &str,
        span: Span,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        match parse(text) {
            Ok(value) => Some(value),
            Err(message) => {
                self.sink.error(Some(span), key, message);
                None
            }
        }
    }

    /// Reports a key missing from `table`.
    fn missing<T>(&mut self, table: Span, key: &str, message: &str) -> Option<T> {
        self.sink.error(Some(table), key, message);
        None
    }

    /// A boolean, `false` when absent.
    fn flag(field: &Field<bool>) -> Option<bool> {
        match field {
            Field::Ok(b) => Some(b.v),
            Field::Missing => Some(false),
            Field::Invalid => None,
        }
    }
}

fn example_name(kind: &str) -> &'static str {
    match kind {
        "product" => "truck",
        "crew" => "fitters",
        "flow" => "agv_control",
        "calendar" => "three_shifts",
        "pool" => "fitters",
        _ => "weld",
    }
}
