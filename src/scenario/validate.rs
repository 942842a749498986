//! Stage 2b: the raw structs checked and turned into the immutable [`Model`],
//! every problem collected; then the warnings about a model that runs but
//! probably not as meant.

use super::diag::{did_you_mean, list, Sink, SourceMap, Span};
use super::dist::parse_dist;
use super::raw::{Field, Raw, RawCrew, RawFailures, RawProduct, RawScenario, RawStation, Sp};
use super::tree::Str;
use crate::engine::SimTime;
use crate::model::{Crew, Dist, FailureBasis, Failures, Model, Product, RouteStep, Station};
use std::collections::HashMap;

pub(crate) const MAX_SERVERS: i64 = 10_000;
pub(crate) const MAX_CREW: i64 = 10_000;
pub(crate) const MAX_REPLICATIONS: i64 = 10_000;
pub(crate) const MAX_BUFFER: i64 = 1_000_000;

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
    let mut crew_names = Names::new("crew", "crews");
    let mut crews = Vec::new();
    for (i, c) in crews_raw.iter().enumerate() {
        let name = v.name(&c.name, &c.label, c.span, "crew", &mut crew_names, i);
        let size = v.int_or(&c.size, &format!("{}.size", c.label), 1, 1, MAX_CREW);
        crews.push(name.zip(size).map(|(name, size)| Crew { name, size }));
    }

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
    // Names first, so that routes resolve whatever else is wrong.
    let mut station_names = Names::new("station", "stations");
    let names: Vec<Option<String>> = stations_raw
        .iter()
        .enumerate()
        .map(|(i, s)| v.name(&s.name, &s.label, s.span, "station", &mut station_names, i))
        .collect();
    let mut stations = Vec::new();
    for (s, name) in stations_raw.iter().zip(names) {
        stations.push(v.station(s, name, &crew_names));
    }

    let products_raw: &[RawProduct] = raw.products.ok().map_or(&[], |p| &p.v);
    let mut product_names = Names::new("product", "products");
    let mut products = Vec::new();
    for (i, p) in products_raw.iter().enumerate() {
        let name = v.name(&p.name, &p.label, p.span, "product", &mut product_names, i);
        products.push(v.product(p, name, &station_names));
    }

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
    };
    let name_spans: Vec<Span> = stations_raw
        .iter()
        .map(|s| s.name.ok().map_or(s.span, |n| n.span))
        .collect();
    warn(&model, &name_spans, v.sink);
    Some(model)
}

type Header = (String, SimTime, SimTime, u64, u32);

impl V<'_, '_> {
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

    fn station(&mut self, s: &RawStation, name: Option<String>, crews: &Names) -> Option<Station> {
        let k = |f: &str| format!("{}.{f}", s.label);
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

    fn product(&mut self, p: &RawProduct, name: Option<String>, stations: &Names) -> Option<Product> {
        let k = |f: &str| format!("{}.{f}", p.label);
        let release = match &p.release {
            Field::Ok(s) => self.positive_dist(s, &k("release"), "jobs would be released without end"),
            f => self.required_dist(f, &k("release"), p.span, "exp(1h)"),
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
                    let station = match &step.station {
                        Field::Ok(s) => {
                            let key = if step.is_table {
                                format!("{}.station", step.label)
                            } else {
                                step.label.clone()
                            };
                            stations.resolve(self, s, &key, " in route")
                        }
                        _ => None,
                    };
                    let process = self.optional_dist(&step.process, &format!("{}.process", step.label));
                    steps.push(
                        station
                            .zip(process)
                            .map(|(station, process)| RouteStep { station, process }),
                    );
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
            Field::Invalid => None,
        };
        Some(Product {
            name: name?,
            release: release?,
            route: route?,
        })
    }
}

fn example_name(kind: &str) -> &'static str {
    match kind {
        "product" => "truck",
        "crew" => "fitters",
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
