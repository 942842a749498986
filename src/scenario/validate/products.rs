//! `[[product]]`: releases and routes, with the route steps' parts kits and
//! sub-assemblies (`release = "pull"`, `assemble`), whose rules only all
//! products together tell: each sub-assembly is assembled somewhere, always
//! at one station, sub-assemblies do not chain, and something is released.

use super::people::Pools;
use super::{Names, Validator};
use crate::model::{Dist, Product, ProductId, Release, RouteStep, StationId};
use crate::scenario::diag::{suggest, Span};
use crate::scenario::raw::{Field, Raw, RawProduct, RawStep, Sp};

/// The most `[[product]]` entries.
pub(crate) const MAX_PRODUCTS: usize = 2_000;

/// Names a route may refer to.
struct Catalog<'a> {
    stations: &'a Names,
    products: &'a Names,
    /// Which products have `release = "pull"`.
    pull: &'a [bool],
    /// Whether `[fleet]` was written.
    has_fleet: bool,
    pools: &'a Pools,
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

/// The product being checked, as its steps see it.
struct Owner<'a> {
    /// Its display name (its label when the name is unusable).
    name: &'a str,
    /// Whether it is itself a sub-assembly.
    is_pull: bool,
}

impl RawProduct {
    /// Whether the release is `"pull"`, or a misspelling of it (reported
    /// where the release is checked; counting it as pull spares the steps
    /// that assemble the product errors of their own).
    fn is_pull(&self) -> bool {
        self.release
            .ok()
            .is_some_and(|release| pull_word(&release.v.value).is_some())
    }

    /// Its name for messages: its label when the name is unusable.
    fn display_name(&self) -> &str {
        self.name.ok().map_or(self.label.as_str(), |name| name.v.as_str())
    }
}

/// `Some(true)` for `"pull"`, `Some(false)` for a word close to it, `None`
/// for anything else (a distribution).
fn pull_word(text: &str) -> Option<bool> {
    let word = text.trim();
    if word == "pull" {
        return Some(true);
    }
    let alphabetic = !word.is_empty() && word.chars().all(|c| c.is_alphabetic() || c == '_');
    (alphabetic && suggest(word, ["pull"]).is_some()).then_some(false)
}

impl Validator<'_, '_> {
    /// Every product, `None` where it has a problem.
    pub(super) fn products(&mut self, raw: &Raw, stations: &Names, pools: &Pools) -> Vec<Option<Product>> {
        let raw_products: &[RawProduct] = raw.products.ok().map_or(&[], |list| &list.v);
        let mut names = Names::new("product", "products");
        self.at_most(raw_products, &names, MAX_PRODUCTS);
        let product_names = self.names_of(raw_products, &mut names);
        let pull: Vec<bool> = raw_products.iter().map(RawProduct::is_pull).collect();
        let catalog = Catalog {
            stations,
            products: &names,
            pull: &pull,
            has_fleet: !matches!(raw.fleet, Field::Missing),
            pools,
        };
        let mut uses = Uses {
            consumers: vec![Vec::new(); raw_products.len()],
            complete: true,
        };
        let products = raw_products
            .iter()
            .zip(product_names)
            .enumerate()
            .map(|(i, (product, name))| self.product(product, i, name, &catalog, &mut uses))
            .collect();
        self.check_pull(raw_products, &pull, &uses, stations);
        products
    }

    fn product(
        &mut self,
        product: &RawProduct,
        me: ProductId,
        name: Option<String>,
        catalog: &Catalog<'_>,
        uses: &mut Uses,
    ) -> Option<Product> {
        let key_of = |field: &str| format!("{}.{field}", product.label);
        let owner = Owner {
            name: product.display_name(),
            is_pull: catalog.pull.get(me).copied().unwrap_or(false),
        };
        let release = match &product.release {
            Field::Ok(text) => match pull_word(&text.v.value) {
                Some(true) => Some(Release::Pull),
                Some(false) => {
                    self.sink.error(
                        Some(text.span),
                        &key_of("release"),
                        format!(
                            "release must be a distribution or \"pull\", found \"{}\"; did you mean \"pull\"?",
                            text.v.value.trim()
                        ),
                    );
                    None
                }
                None => match self.conwip(&text.v.value, text.span, &key_of("release")) {
                    Some(level) => level.map(Release::Conwip),
                    None => self
                        .positive_dist(text, &key_of("release"), "jobs would be released without end")
                        .map(Release::Every),
                },
            },
            missing => self
                .required_dist(missing, &key_of("release"), product.span, "exp(1h)")
                .map(Release::Every),
        };
        let route = match &product.route {
            Field::Ok(route) if route.v.is_empty() => {
                self.sink.error(
                    Some(route.span),
                    &key_of("route"),
                    "route must list at least one station, e.g. route = [\"cut\", \"weld\"]",
                );
                None
            }
            Field::Ok(route) => route
                .v
                .iter()
                .map(|step| self.route_step(step, &owner, catalog, uses))
                .collect::<Vec<_>>()
                .into_iter()
                .collect::<Option<Vec<_>>>(),
            Field::Missing => {
                self.sink.error(
                    Some(product.span),
                    &key_of("route"),
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

    /// One step of `owner`'s route: its station, process, parts kit and the
    /// sub-assemblies it consumes (recorded in `uses`).
    fn route_step(
        &mut self,
        step: &RawStep,
        owner: &Owner<'_>,
        catalog: &Catalog<'_>,
        uses: &mut Uses,
    ) -> Option<RouteStep> {
        let key_of = |field: &str| format!("{}.{field}", step.label);
        if matches!(step.station, Field::Invalid) {
            // Perhaps a table with `assemble` in it.
            uses.complete = false;
        }
        let station = match &step.station {
            Field::Ok(station) => {
                let key = if step.is_table {
                    key_of("station")
                } else {
                    step.label.clone()
                };
                catalog.stations.resolve(self, station, &key, " in route")
            }
            _ => None,
        };
        let process: Option<Option<Dist>> = self.optional_dist(&step.process, &key_of("process"));
        let kit = match &step.parts {
            Field::Ok(parts) if parts.v == "kit" => {
                if catalog.has_fleet {
                    Some(true)
                } else {
                    self.sink.error(
                        Some(parts.span),
                        &key_of("parts"),
                        "parts kits are brought by AGVs; add a [fleet] (with a [layout] and each station's `at`), or remove `parts`",
                    );
                    None
                }
            }
            Field::Ok(parts) => {
                self.sink.error(
                    Some(parts.span),
                    &key_of("parts"),
                    format!(
                        "parts must be \"kit\" (an AGV brings a parts kit from the warehouse before the step starts), found \"{}\"",
                        parts.v
                    ),
                );
                None
            }
            Field::Missing => Some(false),
            Field::Invalid => None,
        };
        let assemble = match &step.assemble {
            Field::Ok(list) if owner.is_pull && !list.v.is_empty() => {
                // What it names counts as assembled somewhere.
                uses.complete = false;
                let name = owner.name;
                self.sink.error(
                    Some(list.span),
                    &key_of("assemble"),
                    format!(
                        "`{name}` is itself a sub-assembly (release = \"pull\") and cannot assemble others: sub-assemblies do not chain; assemble these at the step that consumes `{name}` instead"
                    ),
                );
                None
            }
            Field::Ok(list) => self.assemble(list, station, &key_of("assemble"), catalog, uses),
            Field::Missing => Some(Vec::new()),
            Field::Invalid => {
                uses.complete = false;
                None
            }
        };
        let operators = self.operators(&step.operators, &key_of("operators"), catalog.pools);
        Some(RouteStep {
            station: station?,
            process: process?,
            kit: kit?,
            assemble: assemble?,
            operators: operators?,
        })
    }

    /// `assemble = [...]` of a step at `station`: pull products only, each
    /// use recorded in `uses`.
    fn assemble(
        &mut self,
        list: &Sp<Vec<Sp<String>>>,
        station: Option<StationId>,
        key: &str,
        catalog: &Catalog<'_>,
        uses: &mut Uses,
    ) -> Option<Vec<ProductId>> {
        let mut ids = Vec::with_capacity(list.v.len());
        let mut good = true;
        // A name repeated for several units is reported once.
        let mut refused: Vec<ProductId> = Vec::new();
        for entry in &list.v {
            match catalog.products.resolve(self, entry, key, " in assemble") {
                Some(id) if catalog.pull.get(id).copied().unwrap_or(false) => {
                    if let Some(consumers) = uses.consumers.get_mut(id) {
                        consumers.push(Consumer {
                            station,
                            at: entry.span,
                            key: key.to_string(),
                        });
                    }
                    ids.push(id);
                }
                Some(id) if refused.contains(&id) => good = false,
                Some(id) => {
                    refused.push(id);
                    self.sink.error(
                        Some(entry.span),
                        key,
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

    /// Checks what only all products together tell about `release = "pull"`:
    /// each pull product is assembled somewhere, always at one station, and
    /// something is released without being pulled.
    fn check_pull(&mut self, raw: &[RawProduct], pull: &[bool], all: &Uses, stations: &Names) {
        for ((product, &is_pull), uses) in raw.iter().zip(pull).zip(&all.consumers) {
            let Some(release) = product.release.ok().filter(|_| is_pull) else {
                continue;
            };
            let name = product.display_name();
            if uses.is_empty() {
                if !all.complete {
                    continue;
                }
                self.sink.error(
                    Some(release.span),
                    &format!("{}.release", product.label),
                    format!(
                        "product `{name}` has release = \"pull\" but no route step assembles it; add assemble = [\"{name}\"] to the step of another product that consumes it, or give it a release distribution"
                    ),
                );
                continue;
            }
            let Some((first, first_at)) = uses.iter().find_map(|u| u.station.map(|s| (s, u.at))) else {
                continue;
            };
            let mut reported: Vec<&str> = Vec::new();
            for consumer in uses {
                match consumer.station {
                    Some(station) if station != first && !reported.contains(&consumer.key.as_str()) => {
                        reported.push(&consumer.key);
                        let there = stations.name_of(first).unwrap_or("?");
                        let here = stations.name_of(station).unwrap_or("?");
                        let at = self.context.map.describe(first_at.start);
                        self.sink.error(
                            Some(consumer.at),
                            &consumer.key,
                            format!(
                                "sub-assembly `{name}` is assembled at station `{there}` ({at}) and here at station `{here}`; every step that assembles one sub-assembly must be at the same station"
                            ),
                        );
                    }
                    _ => {}
                }
            }
        }
        if !raw.is_empty() && pull.iter().all(|&b| b) {
            if let Some((product, release)) = raw
                .iter()
                .find_map(|product| product.release.ok().map(|release| (product, release)))
            {
                self.sink.error(
                    Some(release.span),
                    &format!("{}.release", product.label),
                    "every product has release = \"pull\"; at least one needs a release distribution (e.g. release = \"exp(10min)\"), or nothing is ever made",
                );
            }
        }
    }
}
