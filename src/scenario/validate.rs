//! Stage 2b: the raw structs checked and turned into the immutable [`Model`],
//! every problem collected; then the warnings about a model that runs but
//! probably not as meant.

use super::diag::{did_you_mean, list, suggest, Sink, SourceMap, Span};
use super::dist::parse_dist;
use super::raw::{
    Field, Raw, RawAisle, RawBattery, RawCrew, RawFailures, RawFleet, RawFlow, RawLayout, RawProduct,
    RawScenario, RawStation, Sp,
};
use super::tree::Str;
use crate::engine::SimTime;
use crate::model::{
    Battery, Crew, Dispatch, Dist, FailureBasis, Failures, Fleet, Flow, Layout, Model, PointId, Product,
    Release, RouteStep, Station, StationId, MAX_POINTS,
};
use crate::text::thousands;
use std::collections::HashMap;

mod network;

pub(crate) const MAX_SERVERS: i64 = 10_000;
pub(crate) const MAX_CREW: i64 = 10_000;
pub const MAX_REPLICATIONS: i64 = 10_000;
pub(crate) const MAX_BUFFER: i64 = 1_000_000;
pub(crate) const MAX_AGVS: i64 = 10_000;
/// The most entries of each kind: memory and set-up time grow with them
/// (each station keeps a count per product, for instance).
pub(crate) const MAX_STATIONS: usize = 2_000;
pub(crate) const MAX_PRODUCTS: usize = 2_000;
pub(crate) const MAX_CREWS: usize = 2_000;
pub(crate) const MAX_FLOWS: usize = 1_000;
/// The most servers in the whole plant.
pub(crate) const MAX_TOTAL_SERVERS: i64 = 100_000;
/// The most link profiles (periodic flows × layout points × link states),
/// each computed from thousands of messages before the first replication.
pub(crate) const MAX_LINK_PROFILES: usize = 10_000;
/// Above this many events per replication (a rough estimate), validation
/// warns that a run will take very long.
pub(crate) const MANY_EVENTS: f64 = 1e10;
/// The largest side of a layout, in metres.
pub(crate) const MAX_LENGTH: f64 = 100_000.0;
/// The fastest AGV, in metres per second.
pub(crate) const MAX_SPEED: f64 = 100.0;
/// The battery threshold when none is given.
pub(crate) const DEFAULT_THRESHOLD: f64 = 0.2;
/// Speed units and their value in metres per second.
pub(crate) const SPEED_UNITS: &[(&str, f64)] = &[("m/s", 1.0), ("km/h", 1.0 / 3.6), ("m/min", 1.0 / 60.0)];

pub(crate) struct Ctx<'a> {
    pub map: &'a SourceMap,
    /// The scenario's name when `[scenario] name` is not given.
    pub default_name: &'a str,
}

struct V<'a, 'b> {
    cx: &'a Ctx<'a>,
    sink: &'b mut Sink,
}

/// Names of one kind of entry, with where each was first defined.
struct Names {
    kind: &'static str,
    plural: &'static str,
    index: HashMap<String, (usize, Span)>,
    order: Vec<String>,
}

impl Names {
    fn new(kind: &'static str, plural: &'static str) -> Names {
        Names {
            kind,
            plural,
            index: HashMap::new(),
            order: Vec::new(),
        }
    }

    fn listing(&self) -> String {
        let names: Vec<&str> = self.order.iter().map(String::as_str).collect();
        list(&names)
    }

    /// The name of entry `i`.
    fn name_of(&self, i: usize) -> Option<&str> {
        self.index
            .iter()
            .find(|(_, (j, _))| *j == i)
            .map(|(n, _)| n.as_str())
    }

    /// Resolves a reference, reporting an unknown name.
    fn resolve(&self, v: &mut V<'_, '_>, name: &Sp<String>, key: &str, context: &str) -> Option<usize> {
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
        v.sink.error(Some(name.span), key, message);
        None
    }
}

/// Checks everything; returns the model only when there is no error at all
/// (including those recorded by earlier stages).
pub(crate) fn validate(raw: &Raw, cx: &Ctx<'_>, sink: &mut Sink) -> Option<Model> {
    let mut v = V { cx, sink };
    // Problems of the scenario as a whole are reported at its first line.
    let file_start = Span::new(raw.span.start, raw.span.start);
    let header = v.scenario(&raw.scenario, file_start);

    let crews_raw: &[RawCrew] = raw.crews.ok().map_or(&[], |c| &c.v);
    v.at_most("crew", "crews", crews_raw.len(), MAX_CREWS, || {
        crews_raw.get(MAX_CREWS).map(|c| c.span)
    });
    let mut crew_names = Names::new("crew", "crews");
    let mut crews = Vec::new();
    for (i, c) in crews_raw.iter().enumerate() {
        let name = v.name(&c.name, &c.label, c.span, "crew", &mut crew_names, i);
        let size = v.int_or(&c.size, &format!("{}.size", c.label), 1, 1, MAX_CREW);
        crews.push(name.zip(size).map(|(name, size)| Crew { name, size }));
    }

    let floor = v.layout(&raw.layout);

    let stations_raw: &[RawStation] = match &raw.stations {
        Field::Ok(s) if !s.v.is_empty() => &s.v,
        Field::Invalid => &[],
        _ => {
            v.sink.error(
                Some(file_start),
                "station",
                "no [[station]] in the scenario; at least one station is needed, e.g. [[station]] name = \"cell\" process = \"exp(5min)\"",
            );
            &[]
        }
    };
    v.at_most("station", "stations", stations_raw.len(), MAX_STATIONS, || {
        stations_raw.get(MAX_STATIONS).map(|s| s.span)
    });
    v.total_servers(stations_raw);
    // Names first, so that routes resolve whatever else is wrong.
    let mut station_names = Names::new("station", "stations");
    let names: Vec<Option<String>> = stations_raw
        .iter()
        .enumerate()
        .map(|(i, s)| v.name(&s.name, &s.label, s.span, "station", &mut station_names, i))
        .collect();
    let mut stations = Vec::new();
    for (s, name) in stations_raw.iter().zip(names) {
        stations.push(v.station(s, name, &crew_names, &floor));
    }

    let products_raw: &[RawProduct] = raw.products.ok().map_or(&[], |p| &p.v);
    v.at_most("product", "products", products_raw.len(), MAX_PRODUCTS, || {
        products_raw.get(MAX_PRODUCTS).map(|p| p.span)
    });
    let mut product_names = Names::new("product", "products");
    let names: Vec<Option<String>> = products_raw
        .iter()
        .enumerate()
        .map(|(i, p)| v.name(&p.name, &p.label, p.span, "product", &mut product_names, i))
        .collect();
    let pull: Vec<bool> = products_raw.iter().map(RawProduct::is_pull).collect();
    let cat = Catalog {
        stations: &station_names,
        products: &product_names,
        pull: &pull,
        has_fleet: !matches!(raw.fleet, Field::Missing),
    };
    let mut uses = Uses {
        consumers: vec![Vec::new(); products_raw.len()],
        complete: true,
    };
    let mut products = Vec::new();
    for (i, (p, name)) in products_raw.iter().zip(names).enumerate() {
        products.push(v.product(p, i, name, &cat, &mut uses));
    }
    v.check_pull(products_raw, &pull, &uses, &station_names);

    let fleet = match &raw.fleet {
        Field::Ok(f) => v.fleet(&f.v, &floor, stations_raw).map(Some),
        Field::Missing => Some(None),
        Field::Invalid => None,
    };

    let (network, link_model) = v.network(&raw.network, &floor);
    let flows_raw: &[RawFlow] = raw.flows.ok().map_or(&[], |f| &f.v);
    v.at_most("flow", "flows", flows_raw.len(), MAX_FLOWS, || {
        flows_raw.get(MAX_FLOWS).map(|f| f.span)
    });
    let mut flow_names = Names::new("flow", "flows");
    let names: Vec<Option<String>> = flows_raw
        .iter()
        .enumerate()
        .map(|(i, f)| v.name(&f.name, &f.label, f.span, "flow", &mut flow_names, i))
        .collect();
    let zone_control = match &raw.fleet {
        Field::Ok(f) => match &f.v.zone_control {
            Field::Ok(z) => Some(z.v),
            Field::Missing => Some(false),
            Field::Invalid => None,
        },
        Field::Missing => Some(false),
        Field::Invalid => None,
    };
    let scope = network::FlowScope {
        stations: &station_names,
        stations_raw,
        has_fleet: !matches!(raw.fleet, Field::Missing),
        zone_control,
        model: link_model,
    };
    let flows: Vec<Option<Flow>> = flows_raw
        .iter()
        .zip(names)
        .map(|(f, name)| v.flow(f, name, &scope))
        .collect();

    v.link_profiles(&flows, flows_raw, &floor, network.as_ref());
    if v.sink.has_errors() {
        return None;
    }
    let (name, horizon, warmup, seed, replications) = header?;
    let model = Model {
        name,
        horizon,
        warmup,
        seed,
        replications,
        stations: stations.into_iter().collect::<Option<Vec<_>>>()?,
        crews: crews.into_iter().collect::<Option<Vec<_>>>()?,
        products: products.into_iter().collect::<Option<Vec<_>>>()?,
        layout: floor.layout?,
        fleet: fleet?,
        network: network?,
        flows: flows.into_iter().collect::<Option<Vec<_>>>()?,
    };
    let name_spans: Vec<Span> = stations_raw
        .iter()
        .map(|s| s.name.ok().map_or(s.span, |n| n.span))
        .collect();
    warn(&model, &name_spans, v.sink);
    let horizon_span = raw.scenario.ok().and_then(|sc| sc.v.horizon.ok()).map(|h| h.span);
    warn_long_run(&model, horizon_span, v.sink);
    Some(model)
}

/// What `[layout]` gave: its point names (for references, even when the
/// layout itself is wrong) and the layout built from it.
struct Floor {
    /// Whether `[layout]` was written (well-formed or not).
    written: bool,
    /// Written, but not as a table (reported): references to points are
    /// not checked.
    broken: bool,
    points: Names,
    has_aisles: bool,
    /// `Some(None)`: no layout; `None`: a layout with errors.
    layout: Option<Option<Layout>>,
}

/// Names a route may refer to.
struct Catalog<'a> {
    stations: &'a Names,
    products: &'a Names,
    /// Which products have `release = "pull"`.
    pull: &'a [bool],
    /// Whether `[fleet]` was written.
    has_fleet: bool,
}

/// Where pull products are assembled.
struct Uses {
    /// For each product, the steps that assemble it.
    consumers: Vec<Vec<Consumer>>,
    /// False when a route or an `assemble` could not be read, or named an
    /// unknown product (already reported): a pull product that seems never
    /// assembled may then be assembled there.
    complete: bool,
}

/// A route step that assembles a pull product: its station and the entry.
#[derive(Clone)]
struct Consumer {
    station: Option<StationId>,
    at: Span,
    /// The `assemble` key of the step.
    key: String,
}

impl RawProduct {
    /// Whether the release is `"pull"`, or a misspelling of it (reported
    /// where the release is checked; counting it as pull spares the steps
    /// that assemble the product errors of their own).
    fn is_pull(&self) -> bool {
        self.release.ok().is_some_and(|r| pull_word(&r.v.value).is_some())
    }
}

/// `Some(true)` for `"pull"`, `Some(false)` for a word close to it, `None`
/// for anything else (a distribution).
fn pull_word(text: &str) -> Option<bool> {
    let t = text.trim();
    if t == "pull" {
        return Some(true);
    }
    let word = !t.is_empty() && t.chars().all(|c| c.is_alphabetic() || c == '_');
    (word && suggest(t, ["pull"]).is_some()).then_some(false)
}

type Header = (String, SimTime, SimTime, u64, u32);

impl V<'_, '_> {
    /// Refuses more than `max` entries of a kind, at the first one too many.
    fn at_most(
        &mut self,
        kind: &str,
        plural: &str,
        count: usize,
        max: usize,
        first_extra: impl FnOnce() -> Option<Span>,
    ) {
        if count > max {
            self.sink.error(
                first_extra(),
                kind,
                format!(
                    "a scenario holds at most {} {plural}, found {}",
                    thousands(max as u64),
                    thousands(count as u64)
                ),
            );
        }
    }

    /// Refuses a plant with more than [`MAX_TOTAL_SERVERS`] servers, at the
    /// station that goes over.
    fn total_servers(&mut self, stations: &[RawStation]) {
        let mut total: i64 = 0;
        for s in stations {
            let (n, span) = match &s.servers {
                Field::Ok(x) => (x.v.clamp(0, MAX_SERVERS), x.span),
                _ => (1, s.span),
            };
            total += n;
            if total > MAX_TOTAL_SERVERS {
                let all: i64 = stations
                    .iter()
                    .map(|s| s.servers.ok().map_or(1, |x| x.v.clamp(0, MAX_SERVERS)))
                    .sum();
                self.sink.error(
                    Some(span),
                    &format!("{}.servers", s.label),
                    format!(
                        "the plant holds at most {} servers in all, found {} (the limit is passed at this station)",
                        thousands(MAX_TOTAL_SERVERS as u64),
                        thousands(all as u64),
                    ),
                );
                return;
            }
        }
    }

    /// Refuses more link profiles than [`MAX_LINK_PROFILES`]: the link of
    /// each periodic flow is profiled at every point of the layout (and in
    /// each link state) before the run.
    fn link_profiles(
        &mut self,
        flows: &[Option<Flow>],
        raw: &[RawFlow],
        floor: &Floor,
        network: Option<&crate::model::Network>,
    ) {
        let points = match &floor.layout {
            Some(Some(l)) => l.points.len().max(1),
            _ => 1,
        };
        let states = match network.map(|n| &n.link) {
            Some(crate::model::LinkModel::Empirical {
                bad_state: Some(_), ..
            }) => 2,
            _ => 1,
        };
        let per_flow = points * states;
        let periodic: Vec<usize> = flows
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.as_ref()
                    .is_some_and(|f| matches!(f.kind, crate::model::FlowKind::Periodic { .. }))
            })
            .map(|(i, _)| i)
            .collect();
        let total = periodic.len() * per_flow;
        if total <= MAX_LINK_PROFILES {
            return;
        }
        let over = periodic[MAX_LINK_PROFILES / per_flow];
        let places = if states > 1 {
            format!(
                "{} layout points in 2 link states (good and bad)",
                thousands(points as u64)
            )
        } else {
            format!("{} layout points", thousands(points as u64))
        };
        self.sink.error(
            raw.get(over).map(|f| f.span),
            raw.get(over).map_or("flow", |f| f.label.as_str()),
            format!(
                "{} periodic flows at {places} make {} link profiles, more than the {} allowed: each is computed from thousands of messages before the run; use fewer periodic flows or fewer points",
                periodic.len(),
                thousands(total as u64),
                thousands(MAX_LINK_PROFILES as u64)
            ),
        );
    }

    fn scenario(&mut self, raw: &Field<RawScenario>, file_start: Span) -> Option<Header> {
        let sc = match raw {
            Field::Ok(sc) => sc,
            Field::Invalid => return None,
            Field::Missing => {
                self.sink.error(
                    Some(file_start),
                    "scenario",
                    "missing [scenario] table; a scenario needs at least a horizon, e.g. [scenario] horizon = \"8h\"",
                );
                return None;
            }
        };
        let r = &sc.v;
        let name = match &r.name {
            Field::Ok(n) if n.v.trim().is_empty() => {
                self.sink
                    .error(Some(n.span), "scenario.name", "name must not be empty");
                None
            }
            Field::Ok(n) => Some(n.v.clone()),
            Field::Missing => Some(self.cx.default_name.to_string()),
            Field::Invalid => None,
        };
        let horizon = match &r.horizon {
            Field::Ok(h) => self.duration(h, "scenario.horizon").and_then(|t| {
                if t == SimTime::ZERO {
                    self.sink.error(
                        Some(h.span),
                        "scenario.horizon",
                        format!("horizon must be longer than 0, found \"{}\"", h.v.value),
                    );
                    None
                } else {
                    Some(t)
                }
            }),
            Field::Missing => {
                self.sink.error(
                    Some(sc.span),
                    "scenario.horizon",
                    "missing `horizon` (how long each replication runs), e.g. horizon = \"8h\"",
                );
                None
            }
            Field::Invalid => None,
        };
        let warmup = match &r.warmup {
            Field::Ok(w) => self.duration(w, "scenario.warmup").and_then(|t| match horizon {
                Some(h) if t >= h => {
                    let h_text = r.horizon.ok().map_or(String::new(), |x| x.v.value.clone());
                    self.sink.error(
                        Some(w.span),
                        "scenario.warmup",
                        format!(
                            "warmup must be shorter than the horizon (\"{h_text}\"), found \"{}\"",
                            w.v.value
                        ),
                    );
                    None
                }
                _ => Some(t),
            }),
            Field::Missing => Some(SimTime::ZERO),
            Field::Invalid => None,
        };
        let seed = match &r.seed {
            Field::Ok(s) => match u64::try_from(s.v) {
                Ok(x) => Some(x),
                Err(_) => {
                    self.sink.error(
                        Some(s.span),
                        "scenario.seed",
                        format!("seed must be a whole number of at least 0, found {}", s.v),
                    );
                    None
                }
            },
            Field::Missing => Some(1),
            Field::Invalid => None,
        };
        let replications = self.int_or(&r.replications, "scenario.replications", 1, 1, MAX_REPLICATIONS);
        Some((name?, horizon?, warmup?, seed?, replications?))
    }

    /// A required, non-empty, unique name, recorded in `names`.
    fn name(
        &mut self,
        f: &Field<String>,
        label: &str,
        table: Span,
        kind: &str,
        names: &mut Names,
        i: usize,
    ) -> Option<String> {
        let key = format!("{label}.name");
        match f {
            Field::Ok(n) if n.v.trim().is_empty() => {
                self.sink
                    .error(Some(n.span), &key, format!("a {kind}'s name must not be empty"));
                None
            }
            Field::Ok(n) => {
                if let Some((_, first)) = names.index.get(&n.v) {
                    let at = self.cx.map.describe(first.start);
                    self.sink.error(
                        Some(n.span),
                        &key,
                        format!("duplicate {kind} name `{}`; the first is at {at}", n.v),
                    );
                    return None;
                }
                names.index.insert(n.v.clone(), (i, n.span));
                names.order.push(n.v.clone());
                Some(n.v.clone())
            }
            Field::Missing => {
                self.sink.error(
                    Some(table),
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
        f: &Field<i64>,
        key: &str,
        default: T,
        min: i64,
        max: i64,
    ) -> Option<T> {
        match f {
            Field::Ok(x) => {
                let field = key.rsplit('.').next().unwrap_or(key);
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
                    Err(b) => {
                        self.sink.error(
                            Some(x.span),
                            key,
                            format!("{field} must be a whole number of {b}, found {}", x.v),
                        );
                        None
                    }
                }
            }
            Field::Missing => Some(default),
            Field::Invalid => None,
        }
    }

    fn duration(&mut self, s: &Sp<Str>, key: &str) -> Option<SimTime> {
        match SimTime::parse_duration(&s.v.value) {
            Ok(t) => Some(t),
            Err(e) => {
                self.sink.error(Some(s.span), key, e.to_string());
                None
            }
        }
    }

    fn dist(&mut self, s: &Sp<Str>, key: &str) -> Option<Dist> {
        let dir = self.cx.map.dir_at(s.span.start);
        match parse_dist(&s.v.value, dir) {
            Ok(d) => Some(d),
            Err(e) => {
                let span = match (e.at, s.v.content) {
                    (Some(r), Some(c)) => Span::new(c.saturating_add(r.start), c.saturating_add(r.end)),
                    _ => s.span,
                };
                self.sink.error(Some(span), key, e.message);
                None
            }
        }
    }

    /// A distribution whose mean must be above zero (something happening
    /// every `mean` on average).
    fn positive_dist(&mut self, s: &Sp<Str>, key: &str, why: &str) -> Option<Dist> {
        let d = self.dist(s, key)?;
        if d.mean_ns() > 0.0 {
            return Some(d);
        }
        let field = key.rsplit('.').next().unwrap_or(key);
        self.sink.error(
            Some(s.span),
            key,
            format!(
                "{field} must have a mean above 0 ({why}), found \"{}\"",
                s.v.value
            ),
        );
        None
    }

    fn optional_dist(&mut self, f: &Field<Str>, key: &str) -> Option<Option<Dist>> {
        match f {
            Field::Ok(s) => self.dist(s, key).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    fn required_dist(&mut self, f: &Field<Str>, key: &str, table: Span, example: &str) -> Option<Dist> {
        match f {
            Field::Ok(s) => self.dist(s, key),
            Field::Missing => {
                let field = key.rsplit('.').next().unwrap_or(key);
                self.sink.error(
                    Some(table),
                    key,
                    format!("missing `{field}`, e.g. {field} = \"{example}\""),
                );
                None
            }
            Field::Invalid => None,
        }
    }

    fn station(
        &mut self,
        s: &RawStation,
        name: Option<String>,
        crews: &Names,
        floor: &Floor,
    ) -> Option<Station> {
        let k = |f: &str| format!("{}.{f}", s.label);
        let at = match &s.at {
            Field::Ok(a) => self.point(floor, a, &k("at")).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let servers = self.int_or(&s.servers, &k("servers"), 1u32, 1, MAX_SERVERS);
        let process = self.required_dist(&s.process, &k("process"), s.span, "exp(5min)");
        let setup = self.optional_dist(&s.setup, &k("setup"));
        let input_buffer = match &s.input_buffer {
            Field::Missing => Some(None),
            f => self.int_or(f, &k("input_buffer"), 0u32, 0, MAX_BUFFER).map(Some),
        };
        let output_buffer = self.int_or(&s.output_buffer, &k("output_buffer"), 0u32, 0, MAX_BUFFER);
        let robot = match &s.robot {
            Field::Ok(b) => Some(b.v),
            Field::Missing => Some(false),
            Field::Invalid => None,
        };
        let failures = match &s.failures {
            Field::Ok(f) => self.failures(&f.v, f.span, &k("failures"), crews).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        Some(Station {
            name: name?,
            at: at?,
            servers: servers?,
            process: process?,
            setup: setup?,
            input_buffer: input_buffer?,
            output_buffer: output_buffer?,
            robot: robot?,
            failures: failures?,
        })
    }

    fn failures(&mut self, f: &RawFailures, table: Span, path: &str, crews: &Names) -> Option<Failures> {
        let k = |x: &str| format!("{path}.{x}");
        let mtbf = match &f.mtbf {
            Field::Ok(s) => self.positive_dist(s, &k("mtbf"), "failures would follow each other without end"),
            _ => self.required_dist(&f.mtbf, &k("mtbf"), table, "exp(8h)"),
        };
        let mttr = self.required_dist(&f.mttr, &k("mttr"), table, "exp(20min)");
        let crew = match &f.crew {
            Field::Ok(c) => crews.resolve(self, c, &k("crew"), "").map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let basis = match &f.basis {
            Field::Ok(b) => match b.v.as_str() {
                "calendar" => Some(FailureBasis::Calendar),
                "busy" => Some(FailureBasis::Busy),
                other => {
                    self.sink.error(
                        Some(b.span),
                        &k("basis"),
                        format!("basis must be \"calendar\" or \"busy\", found \"{other}\""),
                    );
                    None
                }
            },
            Field::Missing => Some(FailureBasis::Calendar),
            Field::Invalid => None,
        };
        Some(Failures {
            mtbf: mtbf?,
            mttr: mttr?,
            crew: crew?,
            basis: basis?,
        })
    }

    fn product(
        &mut self,
        p: &RawProduct,
        me: usize,
        name: Option<String>,
        cat: &Catalog<'_>,
        uses: &mut Uses,
    ) -> Option<Product> {
        let k = |f: &str| format!("{}.{f}", p.label);
        let is_pull = cat.pull.get(me).copied().unwrap_or(false);
        let pname = p.name.ok().map_or(p.label.as_str(), |n| n.v.as_str());
        let release = match &p.release {
            Field::Ok(s) => match pull_word(&s.v.value) {
                Some(true) => Some(Release::Pull),
                Some(false) => {
                    self.sink.error(
                        Some(s.span),
                        &k("release"),
                        format!(
                            "release must be a distribution or \"pull\", found \"{}\"; did you mean \"pull\"?",
                            s.v.value.trim()
                        ),
                    );
                    None
                }
                None => self
                    .positive_dist(s, &k("release"), "jobs would be released without end")
                    .map(Release::Every),
            },
            f => self
                .required_dist(f, &k("release"), p.span, "exp(1h)")
                .map(Release::Every),
        };
        let route = match &p.route {
            Field::Ok(r) if r.v.is_empty() => {
                self.sink.error(
                    Some(r.span),
                    &k("route"),
                    "route must list at least one station, e.g. route = [\"cut\", \"weld\"]",
                );
                None
            }
            Field::Ok(r) => {
                let mut steps = Vec::with_capacity(r.v.len());
                for step in &r.v {
                    if matches!(step.station, Field::Invalid) {
                        // Perhaps a table with `assemble` in it.
                        uses.complete = false;
                    }
                    let station = match &step.station {
                        Field::Ok(s) => {
                            let key = if step.is_table {
                                format!("{}.station", step.label)
                            } else {
                                step.label.clone()
                            };
                            cat.stations.resolve(self, s, &key, " in route")
                        }
                        _ => None,
                    };
                    let process = self.optional_dist(&step.process, &format!("{}.process", step.label));
                    let kit = match &step.parts {
                        Field::Ok(x) if x.v == "kit" => {
                            if cat.has_fleet {
                                Some(true)
                            } else {
                                self.sink.error(
                                    Some(x.span),
                                    &format!("{}.parts", step.label),
                                    "parts kits are brought by AGVs; add a [fleet] (with a [layout] and each station's `at`), or remove `parts`",
                                );
                                None
                            }
                        }
                        Field::Ok(x) => {
                            self.sink.error(
                                Some(x.span),
                                &format!("{}.parts", step.label),
                                format!(
                                    "parts must be \"kit\" (an AGV brings a parts kit from the warehouse before the step starts), found \"{}\"",
                                    x.v
                                ),
                            );
                            None
                        }
                        Field::Missing => Some(false),
                        Field::Invalid => None,
                    };
                    let assemble = match &step.assemble {
                        Field::Ok(list) if is_pull && !list.v.is_empty() => {
                            // What it names counts as assembled somewhere.
                            uses.complete = false;
                            self.sink.error(
                                Some(list.span),
                                &format!("{}.assemble", step.label),
                                format!(
                                    "`{pname}` is itself a sub-assembly (release = \"pull\") and cannot assemble others: sub-assemblies do not chain; assemble these at the step that consumes `{pname}` instead"
                                ),
                            );
                            None
                        }
                        Field::Ok(list) => {
                            let key = format!("{}.assemble", step.label);
                            let mut ids = Vec::with_capacity(list.v.len());
                            let mut good = true;
                            // A name repeated for several units is reported once.
                            let mut refused: Vec<usize> = Vec::new();
                            for entry in &list.v {
                                match cat.products.resolve(self, entry, &key, " in assemble") {
                                    Some(id) if cat.pull.get(id).copied().unwrap_or(false) => {
                                        if let Some(c) = uses.consumers.get_mut(id) {
                                            c.push(Consumer {
                                                station,
                                                at: entry.span,
                                                key: key.clone(),
                                            });
                                        }
                                        ids.push(id);
                                    }
                                    Some(id) if refused.contains(&id) => good = false,
                                    Some(id) => {
                                        refused.push(id);
                                        self.sink.error(
                                            Some(entry.span),
                                            &key,
                                            format!(
                                                "product `{0}` cannot be assembled: only sub-assemblies, made on demand, can; give `{0}` release = \"pull\"",
                                                entry.v
                                            ),
                                        );
                                        good = false;
                                    }
                                    None => {
                                        uses.complete = false;
                                        good = false;
                                    }
                                }
                            }
                            good.then_some(ids)
                        }
                        Field::Missing => Some(Vec::new()),
                        Field::Invalid => {
                            uses.complete = false;
                            None
                        }
                    };
                    let made = match (station, process, kit, assemble) {
                        (Some(station), Some(process), Some(kit), Some(assemble)) => Some(RouteStep {
                            station,
                            process,
                            kit,
                            assemble,
                        }),
                        _ => None,
                    };
                    steps.push(made);
                }
                steps.into_iter().collect::<Option<Vec<_>>>()
            }
            Field::Missing => {
                self.sink.error(
                    Some(p.span),
                    &k("route"),
                    "missing `route` (the stations a job visits, in order), e.g. route = [\"cut\", \"weld\"]",
                );
                None
            }
            Field::Invalid => {
                uses.complete = false;
                None
            }
        };
        Some(Product {
            name: name?,
            release: release?,
            route: route?,
        })
    }

    /// Checks what only all products together tell about `release = "pull"`:
    /// each pull product is assembled somewhere, always at one station, and
    /// something is released without being pulled.
    fn check_pull(&mut self, raw: &[RawProduct], pull: &[bool], all: &Uses, stations: &Names) {
        for ((p, &is_pull), uses) in raw.iter().zip(pull).zip(&all.consumers) {
            let Some(release) = p.release.ok().filter(|_| is_pull) else {
                continue;
            };
            let pname = p.name.ok().map_or(p.label.as_str(), |n| n.v.as_str());
            if uses.is_empty() {
                if !all.complete {
                    continue;
                }
                self.sink.error(
                    Some(release.span),
                    &format!("{}.release", p.label),
                    format!(
                        "product `{pname}` has release = \"pull\" but no route step assembles it; add assemble = [\"{pname}\"] to the step of another product that consumes it, or give it a release distribution"
                    ),
                );
                continue;
            }
            let Some((first, first_at)) = uses.iter().find_map(|u| u.station.map(|s| (s, u.at))) else {
                continue;
            };
            let mut reported: Vec<&str> = Vec::new();
            for u in uses {
                match u.station {
                    Some(s) if s != first && !reported.contains(&u.key.as_str()) => {
                        reported.push(&u.key);
                        let there = stations.name_of(first).unwrap_or("?");
                        let here = stations.name_of(s).unwrap_or("?");
                        let at = self.cx.map.describe(first_at.start);
                        self.sink.error(
                            Some(u.at),
                            &u.key,
                            format!(
                                "sub-assembly `{pname}` is assembled at station `{there}` ({at}) and here at station `{here}`; every step that assembles one sub-assembly must be at the same station"
                            ),
                        );
                    }
                    _ => {}
                }
            }
        }
        if !raw.is_empty() && pull.iter().all(|&b| b) {
            if let Some((p, r)) = raw.iter().find_map(|p| p.release.ok().map(|r| (p, r))) {
                self.sink.error(
                    Some(r.span),
                    &format!("{}.release", p.label),
                    "every product has release = \"pull\"; at least one needs a release distribution (e.g. release = \"exp(10min)\"), or nothing is ever made",
                );
            }
        }
    }

    /// A reference to a point of `[layout]`.
    fn point(&mut self, floor: &Floor, name: &Sp<String>, key: &str) -> Option<PointId> {
        if !floor.written {
            let field = key.rsplit('.').next().unwrap_or(key);
            let bare = !name.v.is_empty()
                && name
                    .v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            let example = if bare { name.v.as_str() } else { "weld" };
            self.sink.error(
                Some(name.span),
                key,
                format!(
                    "`{field}` names a point of [layout], but the scenario has no [layout]; add one, e.g. [layout] size = [100, 50] points = {{ {example} = [10, 10] }}"
                ),
            );
            return None;
        }
        if floor.broken {
            return None;
        }
        floor.points.resolve(self, name, key, "")
    }

    /// `[layout]`: size, points inside it, aisles between known points.
    fn layout(&mut self, f: &Field<RawLayout>) -> Floor {
        let mut points = Names::new("point", "points");
        let l = match f {
            Field::Ok(l) => &l.v,
            Field::Missing | Field::Invalid => {
                return Floor {
                    written: matches!(f, Field::Invalid),
                    broken: matches!(f, Field::Invalid),
                    points,
                    has_aisles: false,
                    layout: if matches!(f, Field::Missing) {
                        Some(None)
                    } else {
                        None
                    },
                };
            }
        };
        let mut ok = true;
        let size = match &l.size {
            Field::Ok(sz) => {
                let mut good = true;
                for c in &sz.v {
                    if !(c.v > 0.0 && c.v <= MAX_LENGTH) {
                        self.sink.error(
                            Some(c.span),
                            "layout.size",
                            format!(
                                "size must be two lengths above 0 and at most {MAX_LENGTH} (metres), found {}",
                                c.v
                            ),
                        );
                        good = false;
                    }
                }
                good.then(|| sz.v.each_ref().map(|c| c.v))
            }
            Field::Missing => {
                self.sink.error(
                    Some(l.key_span),
                    "layout.size",
                    "missing `size` (the floor in metres; points lie from [0, 0] to it), e.g. size = [120, 60]",
                );
                None
            }
            Field::Invalid => None,
        };
        let raw_points = match &l.points {
            Field::Ok(p) => {
                if p.v.len() > MAX_POINTS {
                    self.sink.error(
                        Some(p.span),
                        "layout.points",
                        format!("a layout holds at most {MAX_POINTS} points, found {}", p.v.len()),
                    );
                    ok = false;
                }
                p.v.as_slice()
            }
            Field::Missing => &[],
            Field::Invalid => {
                ok = false;
                &[]
            }
        };
        let mut coords = Vec::with_capacity(raw_points.len());
        for (i, p) in raw_points.iter().enumerate() {
            let key = format!("layout.points.{}", p.name.v);
            if p.name.v.trim().is_empty() {
                self.sink
                    .error(Some(p.name.span), &key, "a point's name must not be empty");
                ok = false;
            } else {
                points.index.insert(p.name.v.clone(), (i, p.name.span));
                points.order.push(p.name.v.clone());
            }
            let Field::Ok(at) = &p.at else {
                ok = false;
                coords.push([0.0, 0.0]);
                continue;
            };
            let [x, y] = at.v.each_ref().map(|c| c.v);
            if let Some([w, h]) = size {
                if !((0.0..=w).contains(&x) && (0.0..=h).contains(&y)) {
                    self.sink.error(
                        Some(at.span),
                        &key,
                        format!(
                            "point `{}` at [{x}, {y}] is outside the layout: coordinates go from 0 to the size [{w}, {h}]",
                            p.name.v
                        ),
                    );
                    ok = false;
                }
            }
            coords.push([x, y]);
        }
        let mut aisles = Vec::new();
        // Two-way aisles by their unordered ends; one-way aisles by their
        // direction (a one-way pair a -> b and b -> a is two lanes).
        let mut seen: HashMap<(PointId, PointId, bool), Span> = HashMap::new();
        let mut lists: Vec<(&[RawAisle], bool)> = Vec::new();
        for (field, one_way) in [(&l.aisles, false), (&l.one_way, true)] {
            match field {
                Field::Ok(a) => lists.push((a.v.as_slice(), one_way)),
                Field::Missing => {}
                Field::Invalid => ok = false,
            }
        }
        let written_aisles = lists.iter().any(|(list, _)| !list.is_empty());
        for (list, one_way) in lists {
            for a in list {
                let Field::Ok(ends) = &a.ends else {
                    ok = false;
                    continue;
                };
                let [ea, eb] = &ends.v;
                let ia = points.resolve(self, ea, &a.label, " in aisle");
                let ib = points.resolve(self, eb, &a.label, " in aisle");
                let (Some(ia), Some(ib)) = (ia, ib) else {
                    ok = false;
                    continue;
                };
                if ia == ib {
                    self.sink.error(
                        Some(ends.span),
                        &a.label,
                        format!(
                            "an aisle must join two different points, found [\"{}\", \"{}\"]",
                            ea.v, eb.v
                        ),
                    );
                    ok = false;
                    continue;
                }
                let unordered = (ia.min(ib), ia.max(ib), false);
                let key = if one_way { (ia, ib, true) } else { unordered };
                let clash = seen.get(&key).or_else(|| seen.get(&unordered)).or_else(|| {
                    if one_way {
                        None
                    } else {
                        seen.get(&(ia, ib, true)).or_else(|| seen.get(&(ib, ia, true)))
                    }
                });
                if let Some(first) = clash {
                    let at = self.cx.map.describe(first.start);
                    self.sink.error(
                        Some(ends.span),
                        &a.label,
                        format!(
                            "duplicate aisle between `{}` and `{}`; the first is at {at}",
                            ea.v, eb.v
                        ),
                    );
                    ok = false;
                    continue;
                }
                seen.insert(key, ends.span);
                aisles.push((ia, ib, one_way));
            }
        }
        let layout = match size.filter(|_| ok) {
            Some(size) => {
                let named = raw_points
                    .iter()
                    .zip(coords)
                    .map(|(p, c)| (p.name.v.clone(), c))
                    .collect();
                match Layout::new(size, named, &aisles) {
                    Ok(l) => Some(Some(l)),
                    Err(m) => {
                        self.sink.error(Some(l.key_span), "layout", m);
                        None
                    }
                }
            }
            None => None,
        };
        Floor {
            written: true,
            broken: false,
            points,
            has_aisles: written_aisles,
            layout,
        }
    }

    /// `[fleet]`, with the checks that tie it to the layout and stations.
    fn fleet(&mut self, f: &RawFleet, floor: &Floor, stations: &[RawStation]) -> Option<Fleet> {
        fn missing<T>(v: &mut V<'_, '_>, f: &RawFleet, key: &str, what: &str) -> Option<T> {
            v.sink.error(Some(f.key_span), key, what.to_string());
            None
        }
        if !floor.written {
            self.sink.error(
                Some(f.key_span),
                "fleet",
                "a [fleet] needs a [layout]: AGVs drive between its points; add [layout] with size, points (home and one for each station) and aisles",
            );
        }
        let agvs = match &f.agvs {
            Field::Missing => missing(
                self,
                f,
                "fleet.agvs",
                "missing `agvs` (how many AGVs), e.g. agvs = 4",
            ),
            a => self.int_or(a, "fleet.agvs", 1u32, 1, MAX_AGVS),
        };
        let speed = match &f.speed {
            Field::Ok(s) => match parse_speed(&s.v.value) {
                Ok(x) => Some(x),
                Err(m) => {
                    self.sink.error(Some(s.span), "fleet.speed", m);
                    None
                }
            },
            Field::Missing => missing(
                self,
                f,
                "fleet.speed",
                "missing `speed` (how fast an AGV drives), e.g. speed = \"1.5m/s\"",
            ),
            Field::Invalid => None,
        };
        let zero = || Dist::constant(SimTime::ZERO);
        let load = self
            .optional_dist(&f.load, "fleet.load")
            .map(|d| d.unwrap_or_else(zero));
        let unload = self
            .optional_dist(&f.unload, "fleet.unload")
            .map(|d| d.unwrap_or_else(zero));
        // Without a layout the error above says it all: points are not
        // resolved.
        let mut refs: Vec<(PointId, Span, String)> = Vec::new();
        let mut resolve = |v: &mut Self, name: &Sp<String>, key: &str| {
            if !floor.written || floor.broken {
                return None;
            }
            let id = floor.points.resolve(v, name, key, "");
            if let Some(id) = id {
                refs.push((id, name.span, key.to_string()));
            }
            id
        };
        let home = match &f.home {
            Field::Ok(h) => resolve(self, h, "fleet.home"),
            Field::Missing => missing(
                self,
                f,
                "fleet.home",
                "missing `home` (the point where the AGVs start and wait), e.g. home = \"depot\"",
            ),
            Field::Invalid => None,
        };
        let warehouse = match &f.warehouse {
            Field::Ok(w) => resolve(self, w, "fleet.warehouse").map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let dispatch = match &f.dispatch {
            Field::Ok(d) => match d.v.as_str() {
                "nearest" => Some(Dispatch::Nearest),
                "fifo" => Some(Dispatch::Fifo),
                other => {
                    self.sink.error(
                        Some(d.span),
                        "fleet.dispatch",
                        format!(
                            "dispatch must be \"nearest\" or \"fifo\", found \"{other}\"{}",
                            did_you_mean(other, ["nearest", "fifo"])
                        ),
                    );
                    None
                }
            },
            Field::Missing => Some(Dispatch::Nearest),
            Field::Invalid => None,
        };
        let battery = match &f.battery {
            Field::Ok(b) => {
                let chargers = match &b.v.chargers {
                    Field::Ok(c) if c.v.is_empty() => {
                        self.sink.error(
                            Some(c.span),
                            "fleet.battery.chargers",
                            "chargers must name at least one point, e.g. chargers = [\"charge\"]",
                        );
                        None
                    }
                    Field::Ok(c) => {
                        let ids: Vec<Option<PointId>> =
                            c.v.iter()
                                .map(|x| resolve(self, x, "fleet.battery.chargers"))
                                .collect();
                        ids.into_iter().collect::<Option<Vec<_>>>()
                    }
                    Field::Missing => {
                        self.sink.error(
                            Some(b.span),
                            "fleet.battery.chargers",
                            "missing `chargers` (the points where AGVs charge, one AGV each), e.g. chargers = [\"charge\"]",
                        );
                        None
                    }
                    Field::Invalid => None,
                };
                self.battery(&b.v, b.span, chargers).map(Some)
            }
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let zone_control = match &f.zone_control {
            Field::Ok(z) if z.v && floor.written && !floor.has_aisles => {
                self.sink.error(
                    Some(z.span),
                    "fleet.zone_control",
                    "zone_control = true needs aisles in [layout]: AGVs reserve aisle segments one at a time, and without aisles there are none; add aisles = [[\"a\", \"b\"], ...] or remove zone_control",
                );
                None
            }
            Field::Ok(z) => Some(z.v),
            Field::Missing => Some(false),
            Field::Invalid => None,
        };
        for s in stations {
            let key = format!("{}.at", s.label);
            match &s.at {
                Field::Missing => {
                    let span = s.name.ok().map_or(s.span, |n| n.span);
                    self.sink.error(
                        Some(span),
                        &s.label,
                        "with a [fleet] every station needs `at`, the point where it stands",
                    );
                }
                Field::Ok(a) => {
                    if let Some(&(id, _)) = floor.points.index.get(&a.v) {
                        refs.push((id, a.span, key));
                    }
                }
                Field::Invalid => {}
            }
        }
        if let (Some(Some(layout)), Some(h)) = (&floor.layout, home) {
            let home_name = layout.points.get(h).map_or("?", |p| p.name.as_str());
            for (p, span, key) in &refs {
                let name = layout.points.get(*p).map_or("?", |p| p.name.as_str());
                if !layout.reachable(h, *p) {
                    self.sink.error(
                        Some(*span),
                        key,
                        format!(
                            "point `{name}` cannot be reached from home `{home_name}` over the aisles; connect it with an aisle"
                        ),
                    );
                } else if !layout.reachable(*p, h) {
                    // One-way aisles: an AGV that got there could never leave.
                    self.sink.error(
                        Some(*span),
                        key,
                        format!(
                            "point `{name}` has no way back to home `{home_name}` over the aisles (check the direction of the one_way aisles); add an aisle out of it"
                        ),
                    );
                }
            }
        }
        let home = home?;
        Some(Fleet {
            agvs: agvs?,
            speed: speed?,
            load: load?,
            unload: unload?,
            home,
            warehouse: warehouse?.unwrap_or(home),
            dispatch: dispatch?,
            battery: battery?,
            zone_control: zone_control?,
        })
    }

    fn battery(&mut self, b: &RawBattery, table: Span, chargers: Option<Vec<PointId>>) -> Option<Battery> {
        let positive = |v: &mut Self, f: &Field<Str>, field: &str, what: &str, example: &str| {
            let key = format!("fleet.battery.{field}");
            match f {
                Field::Ok(s) => v.duration(s, &key).and_then(|t| {
                    if t == SimTime::ZERO {
                        v.sink.error(
                            Some(s.span),
                            &key,
                            format!("{field} must be longer than 0, found \"{}\"", s.v.value),
                        );
                        None
                    } else {
                        Some(t)
                    }
                }),
                Field::Missing => {
                    v.sink.error(
                        Some(table),
                        &key,
                        format!("missing `{field}` ({what}), e.g. {field} = \"{example}\""),
                    );
                    None
                }
                Field::Invalid => None,
            }
        };
        let runtime = positive(
            self,
            &b.runtime,
            "runtime",
            "driving and handling time on a full charge",
            "8h",
        );
        let recharge = positive(
            self,
            &b.recharge,
            "recharge",
            "time to charge from empty to full",
            "2h",
        );
        let threshold = match &b.threshold {
            Field::Ok(t) if t.v > 0.0 && t.v < 1.0 => Some(t.v),
            Field::Ok(t) => {
                self.sink.error(
                    Some(t.span),
                    "fleet.battery.threshold",
                    format!(
                        "threshold must be a fraction of a full charge above 0 and below 1, e.g. 0.2, found {}",
                        t.v
                    ),
                );
                None
            }
            Field::Missing => Some(DEFAULT_THRESHOLD),
            Field::Invalid => None,
        };
        Some(Battery {
            runtime: runtime?,
            recharge: recharge?,
            chargers: chargers?,
            threshold: threshold?,
        })
    }
}

/// Parses `"1.5m/s"`, `"5.4km/h"`, `"90m/min"` into metres per second.
pub(crate) fn parse_speed(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let units = || {
        let u: Vec<&str> = SPEED_UNITS.iter().map(|(u, _)| *u).collect();
        list(&u)
    };
    let found = SPEED_UNITS
        .iter()
        .find_map(|(u, scale)| t.strip_suffix(u).map(|n| (n.trim(), *scale)));
    let (value, scale) = match found {
        Some((n, scale)) => match n.parse::<f64>() {
            Ok(x) if x.is_finite() => (x, scale),
            _ => {
                return Err(format!(
                    "`{t}` is not a number followed by a unit (e.g. \"1.5m/s\")"
                ))
            }
        },
        None => {
            if t.parse::<f64>().is_ok() {
                return Err(format!(
                    "`{t}` has no unit; speeds need one of {} (e.g. \"{t}m/s\")",
                    units()
                ));
            }
            let split = t
                .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
                .unwrap_or(t.len());
            let (n, unit) = t.split_at(split);
            if n.is_empty() || n.parse::<f64>().is_err() {
                return Err(format!(
                    "`{t}` is not a number followed by a unit (e.g. \"1.5m/s\")"
                ));
            }
            return Err(format!(
                "unknown unit `{}` in `{t}`; allowed units: {}",
                unit.trim(),
                units()
            ));
        }
    };
    let mps = value * scale;
    if mps <= 0.0 {
        return Err(format!("speed must be above 0, found \"{t}\""));
    }
    if mps > MAX_SPEED {
        return Err(format!(
            "speed must be at most {MAX_SPEED} m/s ({} km/h), found \"{t}\"",
            MAX_SPEED * 3.6
        ));
    }
    Ok(mps)
}

fn example_name(kind: &str) -> &'static str {
    match kind {
        "product" => "truck",
        "crew" => "fitters",
        "flow" => "agv_control",
        _ => "weld",
    }
}

/// Warnings on a valid model.
fn warn(model: &Model, name_spans: &[Span], sink: &mut Sink) {
    let util = model.offered_utilization();
    let mut visited = vec![false; model.stations.len()];
    for p in &model.products {
        for step in &p.route {
            if let Some(v) = visited.get_mut(step.station) {
                *v = true;
            }
        }
    }
    for (i, s) in model.stations.iter().enumerate() {
        let span = name_spans.get(i).copied();
        let key = format!("station.{}", s.name);
        let u = util.get(i).copied().unwrap_or(0.0);
        if u >= 1.0 || u.is_nan() {
            sink.warning(
                span,
                &key,
                format!(
                    "unstable: offered utilization {u:.2} ≥ 1 at station `{}`; queues will grow without bound",
                    s.name
                ),
            );
        }
        if !visited.get(i).copied().unwrap_or(false) && s.failures.is_none() {
            sink.warning(
                span,
                &key,
                format!(
                    "station `{}` is not in any route and has no failures; it does nothing",
                    s.name
                ),
            );
        }
    }
}

/// A rough count of the events of one replication: releases and the steps
/// of their jobs (with AGV trips), sub-assemblies, and failures.
pub(crate) fn estimated_events(model: &Model) -> f64 {
    let horizon = model.horizon.as_nanos() as f64;
    let trip = if model.fleet.is_some() { 4.0 } else { 0.0 };
    let route_events = |p: &Product| -> f64 {
        p.route
            .iter()
            .map(|s| 2.0 + trip + if s.kit { trip } else { 0.0 })
            .sum::<f64>()
    };
    let mut events = 0.0;
    for p in &model.products {
        let Some(every) = p.release.interarrival() else {
            continue;
        };
        let jobs = horizon / every.mean_ns().max(1.0);
        let subs: f64 = p
            .route
            .iter()
            .flat_map(|s| &s.assemble)
            .map(|&sub| route_events(&model.products[sub]))
            .sum();
        events += jobs * (1.0 + route_events(p) + subs);
    }
    for st in &model.stations {
        if let Some(f) = &st.failures {
            events += 2.0 * f64::from(st.servers) * horizon / f.mtbf.mean_ns().max(1.0);
        }
    }
    events
}

/// Warns when a replication would take very long: about [`MANY_EVENTS`]
/// events or more.
fn warn_long_run(model: &Model, horizon_span: Option<Span>, sink: &mut Sink) {
    let events = estimated_events(model);
    if events.is_nan() || events < MANY_EVENTS {
        return;
    }
    // A few million events a second on one core (see the README).
    let secs = events / 5e6;
    let time = if secs >= 2.0 * 86_400.0 {
        format!("{:.0} days", secs / 86_400.0)
    } else {
        format!("{:.0} hours", secs / 3600.0)
    };
    sink.warning(
        horizon_span,
        "scenario.horizon",
        format!(
            "about {events:.1e} events per replication over this horizon (jobs released, their steps, failures); at a few million events a second that is some {time} per replication. Shorten the horizon or slow the releases, or bound the run with `--max-events N` or `--timeout 1h`"
        ),
    );
}
