//! Stage 2a: the merged tree read into raw structs that mirror the file. Only
//! shapes are checked here (types, unknown keys, keys not supported yet);
//! every problem is recorded and reading goes on.
//!
//! Every key is defined once, in its section's key table ([`keys`]): the
//! table makes the section's key enum, the list of allowed keys of an
//! unknown-key error, and is what the docs' key tables are checked against;
//! each reader handles every key of its enum in an exhaustive `match`. One
//! file per part of the scenario, with its key tables, raw structs and
//! readers: `scenario`, `layout`, `stations` (and crews), `products`,
//! `fleet`, `network`, `flows`; `values` reads one value.
//!
//! Conventions: a raw struct holds a [`Field`] per key, `Missing` unless the
//! key was written (`#[derive(Default)]`), `Invalid` when it was written
//! with the wrong shape (already reported). Paths in messages name entries
//! of the named arrays by name: `station.weld.servers`, or `station[2]`
//! when the name is unusable.
//!
//! ```text
//! [[station]]
//! name = "weld"
//! servers = "3"      -> station.weld.servers: servers must be a whole number, found string "3"
//! severs = 3         -> station.weld.severs: unknown key `severs`; allowed keys: name, at, servers,
//!                       process, setup, input_buffer, output_buffer, robot, failures; did you mean `servers`?
//! ```

use super::diag::{Sink, Span};
use super::tree::{Entry, Kind, Node};
use keys::{keys, written_keys, Ty};
use values::Value;

mod fleet;
mod flows;
mod keys;
mod layout;
mod network;
mod people;
mod products;
mod scenario;
mod stations;
mod values;

pub(crate) use fleet::{RawBattery, RawFleet};
pub(crate) use flows::{FlowKey, RawFlow};
pub(crate) use keys::Key;
pub(crate) use layout::{Pair, RawAisle, RawLayout, RawPoint};
pub(crate) use network::{
    RawBadState, RawEmpirical, RawFixed, RawHandover, RawNetwork, RawNr, RawRlf, RawStackDelay,
};
pub(crate) use people::{RawCalendar, RawOperators, RawPool, RawPower, RawWindow};
pub(crate) use products::{RawProduct, RawStep};
pub(crate) use scenario::RawScenario;
pub(crate) use stations::{RawCrew, RawFailures, RawStation};
pub(crate) use values::{last, TextOrInt};

/// A value and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Sp<T> {
    pub v: T,
    pub span: Span,
}

/// A field of a raw struct.
#[derive(Clone, Debug, Default)]
pub(crate) enum Field<T> {
    /// Not written.
    #[default]
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
    /// The [`keys::Section::table`] it belongs in: "" (top level),
    /// "station", "product", "route" (a route step table), ...
    pub table: &'static str,
    pub key: &'static str,
    /// Only this value is not supported (e.g. `release = "pull"`).
    pub value: Option<&'static str>,
}

/// Empty at present: every key of the contract is supported.
pub(crate) const NOT_YET: &[NotYet] = &[];

keys! {
    /// The top level: one key per section.
    pub(crate) enum RootKey in ROOT, heading "", table "" {
        Scenario = "scenario": Ty::Table(&scenario::SCENARIO), default "required", "the scenario's name, horizon, seed";
        Layout = "layout": Ty::Table(&layout::LAYOUT), default "none", "the floor plan";
        Station = "station": Ty::Entries(&stations::STATION), default "required", "the stations";
        Crew = "crew": Ty::Entries(&stations::CREW), default "none", "the repair crews";
        Calendar = "calendar": Ty::Entries(&people::CALENDAR), default "none", "when stations, crews, pools and the fleet work";
        Pool = "pool": Ty::Entries(&people::POOL), default "none", "the operators stations need";
        Product = "product": Ty::Entries(&products::PRODUCT), default "none", "the products and their routes";
        Fleet = "fleet": Ty::Table(&fleet::FLEET), default "none", "the AGVs";
        Network = "network": Ty::Table(&network::NETWORK), default "none", "the link between robots and the edge";
        Flow = "flow": Ty::Entries(&flows::FLOW), default "none", "the traffic between robots and the edge";
    }
}

#[derive(Debug, Default)]
pub(crate) struct Raw {
    /// The whole merged scenario; its start is the start of the top file.
    pub span: Span,
    pub scenario: Field<RawScenario>,
    pub stations: Field<Vec<RawStation>>,
    pub crews: Field<Vec<RawCrew>>,
    pub calendars: Field<Vec<RawCalendar>>,
    pub pools: Field<Vec<RawPool>>,
    pub products: Field<Vec<RawProduct>>,
    pub layout: Field<RawLayout>,
    pub fleet: Field<RawFleet>,
    pub network: Field<RawNetwork>,
    pub flows: Field<Vec<RawFlow>>,
}

/// Reads the whole tree.
pub(crate) fn read(root: &Node, sink: &mut Sink) -> Raw {
    let mut raw = Raw {
        span: root.span,
        ..Raw::default()
    };
    let entries = root.entries().unwrap_or_default();
    for (key, value) in written_keys::<RootKey>(sink, entries, "") {
        match key {
            RootKey::Scenario => {
                raw.scenario = value.table(sink, "a table ([scenario])", |sink, entries, _| {
                    scenario::read_scenario(sink, entries)
                })
            }
            RootKey::Layout => {
                raw.layout = value.table(
                    sink,
                    "a table ([layout] with size = [x, y] and points)",
                    layout::read_layout,
                )
            }
            RootKey::Station => raw.stations = named_array(sink, &value, stations::read_station),
            RootKey::Crew => raw.crews = named_array(sink, &value, stations::read_crew),
            RootKey::Calendar => raw.calendars = named_array(sink, &value, people::read_calendar),
            RootKey::Pool => raw.pools = named_array(sink, &value, people::read_pool),
            RootKey::Product => raw.products = named_array(sink, &value, products::read_product),
            RootKey::Fleet => {
                raw.fleet = value.table(
                    sink,
                    "a table ([fleet] with agvs, speed and home)",
                    fleet::read_fleet,
                )
            }
            RootKey::Network => {
                raw.network = value.table(
                    sink,
                    "a table ([network] with model = \"ideal\", \"fixed\", \"empirical\" or \"nr\")",
                    network::read_network,
                )
            }
            RootKey::Flow => raw.flows = named_array(sink, &value, flows::read_flow),
        }
    }
    raw
}

/// Reads `[[key]]` entries with `read(sink, entries, table span, label)`.
fn named_array<T>(
    sink: &mut Sink,
    value: &Value<'_>,
    mut read: impl FnMut(&mut Sink, &[Entry], Span, String) -> T,
) -> Field<Vec<T>> {
    let (node, key) = (value.node, value.path.as_str());
    match &node.kind {
        Kind::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let label = match item.entry_name() {
                    Some(name) if !name.is_empty() => format!("{key}.{name}"),
                    _ => format!("{key}[{}]", i + 1),
                };
                match item.entries() {
                    Some(entries) => out.push(read(sink, entries, item.span, label)),
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
