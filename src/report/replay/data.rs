//! The replay's data: the plant's static parts and the trace's records as
//! one JSON document, compact enough to embed in the page.
//!
//! The document has three parts:
//!
//! - `meta`: what does not move (the hall, points and aisles, stations and
//!   their servers, the number of AGVs and their home, products, gNBs and
//!   the SINR map with each cell's best gNB, the table of state names with
//!   their colours), the run's times, and what the limit dropped;
//! - `start`: the state the records start from when the beginning of the
//!   run was dropped ([`StartState`]);
//! - `records`: the records, one flat array of numbers per kind, a row
//!   after another: `servers` `[t, server, state]` (servers numbered over
//!   all stations in order), `queues` `[t, station, length]`,
//!   `agv_states` `[t, agv, state]`, `moves` `[t, agv, x0, y0, x1, y1,
//!   until]`, `pauses` `[t, agv, x, y]`, `jobs` `[t, product, 0 release |
//!   1 leave]`, `shifts` `[t, calendar, 0 off | 1 on]` (calendars in
//!   the scenario's order, named in `meta.calendars`), `radio` `[t, 0 handover | 1 radio link failure, agv or -1,
//!   station or -1, x, y]` (x and y `null` when the record gives no
//!   place).
//!
//! Times are seconds since the start of the run, to the millisecond;
//! places are metres, to the centimetre; states are indices into
//! `meta.states`. A record of an entity or event the page does not know
//! (a station or AGV the model does not have, an event of a later version)
//! is counted in `meta.ignored` and left out.

use super::start::StartState;
use crate::factory::{AgvState, StationState, TraceRecord};
use crate::model::{LinkModel, Model};
use crate::plot::{state_rgb, PointKind};
use crate::report::figures::{best_gnb, coverage, plan_points, CoverageGrid};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

/// One kind of record: a flat array of numbers, row after row.
#[derive(Debug, Default)]
struct Column {
    text: String,
    rows: usize,
}

impl Column {
    /// Appends a row; each value rounded to its number of decimals
    /// (`null` when not finite).
    fn row(&mut self, values: &[(f64, i32)]) {
        for &(v, decimals) in values {
            if !self.text.is_empty() {
                self.text.push(',');
            }
            if v.is_finite() {
                let scale = 10f64.powi(decimals);
                let _ = write!(self.text, "{}", (v * scale).round() / scale);
            } else {
                self.text.push_str("null");
            }
        }
        self.rows += 1;
    }
}

/// Decimals of times (milliseconds), places (centimetres), counts.
const T: i32 = 3;
const XY: i32 = 2;
const N: i32 = 0;

/// The records of one part of the document.
#[derive(Debug, Default)]
struct Columns {
    servers: Column,
    queues: Column,
    agv_states: Column,
    moves: Column,
    pauses: Column,
    jobs: Column,
    shifts: Column,
    radio: Column,
}

/// The columns of [`Columns`].
#[derive(Copy, Clone, Debug)]
enum Kind {
    Servers,
    Queues,
    AgvStates,
    Moves,
    Pauses,
    Jobs,
    Shifts,
    Radio,
}

impl Columns {
    fn column(&mut self, kind: Kind) -> &mut Column {
        match kind {
            Kind::Servers => &mut self.servers,
            Kind::Queues => &mut self.queues,
            Kind::AgvStates => &mut self.agv_states,
            Kind::Moves => &mut self.moves,
            Kind::Pauses => &mut self.pauses,
            Kind::Jobs => &mut self.jobs,
            Kind::Shifts => &mut self.shifts,
            Kind::Radio => &mut self.radio,
        }
    }

    fn json(&self) -> String {
        let parts = [
            ("servers", &self.servers),
            ("queues", &self.queues),
            ("agv_states", &self.agv_states),
            ("moves", &self.moves),
            ("pauses", &self.pauses),
            ("jobs", &self.jobs),
            ("shifts", &self.shifts),
            ("radio", &self.radio),
        ];
        let body: Vec<String> = parts
            .iter()
            .map(|(name, c)| format!("\"{name}\":[{}]", c.text))
            .collect();
        format!("{{{}}}", body.join(","))
    }

    fn rows(&self) -> usize {
        [
            &self.servers,
            &self.queues,
            &self.agv_states,
            &self.moves,
            &self.pauses,
            &self.jobs,
            &self.shifts,
            &self.radio,
        ]
        .iter()
        .map(|c| c.rows)
        .sum()
    }
}

/// Who a record is about.
enum Entity {
    /// Server `k` of station `s`.
    Server(usize, usize),
    Station(usize),
    Agv(usize),
    Calendar(usize),
    Other,
}

/// Turns records into the document's rows, resolving names to numbers.
pub(super) struct Builder<'m> {
    model: &'m Model,
    stations: HashMap<&'m str, usize>,
    /// The number of each station's first server.
    first_server: Vec<usize>,
    products: HashMap<&'m str, usize>,
    states: Vec<String>,
    state_index: HashMap<String, usize>,
    start: Columns,
    records: Columns,
    ignored: u64,
}

/// How the page reads the run: the numbers besides the records.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// The trace's limit on records.
    pub limit: usize,
    /// Records of the run that the page holds, and records dropped before them.
    pub kept: usize,
    pub dropped: u64,
    /// The replay's first and last moments, seconds since the run's start.
    pub start_s: f64,
    pub end_s: f64,
}

impl<'m> Builder<'m> {
    pub fn new(model: &'m Model) -> Builder<'m> {
        let mut first_server = Vec::with_capacity(model.stations.len());
        let mut servers = 0;
        for st in &model.stations {
            first_server.push(servers);
            servers += st.servers as usize;
        }
        let mut builder = Builder {
            model,
            stations: model
                .stations
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.as_str(), i))
                .collect(),
            first_server,
            products: model
                .products
                .iter()
                .enumerate()
                .map(|(i, p)| (p.name.as_str(), i))
                .collect(),
            states: Vec::new(),
            state_index: HashMap::new(),
            start: Columns::default(),
            records: Columns::default(),
            ignored: 0,
        };
        // The known states first, in report order; others as they come.
        for key in StationState::ALL
            .iter()
            .map(|s| s.key())
            .chain(AgvState::ALL.iter().map(|s| s.key()))
        {
            builder.state(key);
        }
        builder
    }

    fn state(&mut self, key: &str) -> usize {
        if let Some(&i) = self.state_index.get(key) {
            return i;
        }
        self.states.push(key.to_string());
        self.state_index.insert(key.to_string(), self.states.len() - 1);
        self.states.len() - 1
    }

    fn entity(&self, name: &str) -> Entity {
        if let Some(n) = name.strip_prefix("agv") {
            let agvs = self.model.fleet.as_ref().map_or(0, |f| f.agvs as usize);
            return match n.parse::<usize>() {
                Ok(n) if (1..=agvs).contains(&n) => Entity::Agv(n - 1),
                _ => Entity::Other,
            };
        }
        if let Some(calendar) = name.strip_prefix("calendar:") {
            return match self.model.calendars.iter().position(|c| c.name == calendar) {
                Some(c) => Entity::Calendar(c),
                None => Entity::Other,
            };
        }
        let Some(rest) = name.strip_prefix("station:") else {
            return Entity::Other;
        };
        if let Some((station, server)) = rest.rsplit_once('/') {
            if let (Some(&s), Ok(k)) = (self.stations.get(station), server.parse::<usize>()) {
                if k < self.model.stations[s].servers as usize {
                    return Entity::Server(s, k);
                }
            }
        }
        match self.stations.get(rest) {
            Some(&s) => Entity::Station(s),
            None => Entity::Other,
        }
    }

    /// Adds a record to the state the replay starts from.
    fn add_start(&mut self, record: &TraceRecord) {
        if let Some((kind, row)) = self.row_of(record) {
            self.start.column(kind).row(&row);
        }
    }

    /// Adds a record the replay plays.
    pub fn add(&mut self, record: &TraceRecord) {
        if let Some((kind, row)) = self.row_of(record) {
            self.records.column(kind).row(&row);
        }
    }

    /// The row of a record and the column it goes to; `None` (counted as
    /// ignored) for what the page does not know.
    fn row_of(&mut self, r: &TraceRecord) -> Option<(Kind, Vec<(f64, i32)>)> {
        let row = self.known_row(r);
        if row.is_none() {
            self.ignored += 1;
        }
        row
    }

    fn known_row(&mut self, r: &TraceRecord) -> Option<(Kind, Vec<(f64, i32)>)> {
        let t = (r.time, T);
        let n = |v: usize| (v as f64, N);
        let entity = self.entity(&r.entity);
        match (r.event, entity) {
            ("state", Entity::Server(s, k)) => {
                let state = self.state(&r.state);
                Some((Kind::Servers, vec![t, n(self.first_server[s] + k), n(state)]))
            }
            ("state", Entity::Agv(a)) => {
                let state = self.state(&r.state);
                Some((Kind::AgvStates, vec![t, n(a), n(state)]))
            }
            ("state", Entity::Calendar(c)) => {
                let on = match r.state.as_str() {
                    "on_shift" => 1,
                    "off_shift" => 0,
                    _ => return None,
                };
                Some((Kind::Shifts, vec![t, n(c), n(on)]))
            }
            ("queue", Entity::Station(s)) => {
                let len = r.state.parse::<usize>().ok()?;
                Some((Kind::Queues, vec![t, n(s), n(len)]))
            }
            ("move", Entity::Agv(a)) => {
                let ([x0, y0], [x1, y1], until) = (r.from_xy?, r.to_xy?, r.until?);
                let row = vec![t, n(a), (x0, XY), (y0, XY), (x1, XY), (y1, XY), (until, T)];
                Some((Kind::Moves, row))
            }
            ("pause", Entity::Agv(a)) => {
                let [x, y] = r.at_xy?;
                Some((Kind::Pauses, vec![t, n(a), (x, XY), (y, XY)]))
            }
            ("release" | "leave", Entity::Other) if r.entity.starts_with("job:") => {
                let p = *self.products.get(r.state.as_str())?;
                Some((Kind::Jobs, vec![t, n(p), n(usize::from(r.event == "leave"))]))
            }
            ("handover" | "rlf", entity) => {
                let kind = usize::from(r.event == "rlf");
                let (agv, station) = match entity {
                    Entity::Agv(a) => (a as f64, -1.0),
                    Entity::Server(s, _) | Entity::Station(s) => (-1.0, s as f64),
                    Entity::Calendar(_) | Entity::Other => (-1.0, -1.0),
                };
                let [x, y] = r.at_xy.unwrap_or([f64::NAN, f64::NAN]);
                // A mark needs a place: its own, or its robot's.
                if !x.is_finite() && agv < 0.0 && station < 0.0 {
                    return None;
                }
                Some((
                    Kind::Radio,
                    vec![t, n(kind), (agv, N), (station, N), (x, XY), (y, XY)],
                ))
            }
            _ => None,
        }
    }

    /// The state folded from the records dropped.
    pub fn add_start_state(&mut self, start: &StartState) {
        for record in start.last_records() {
            self.add_start(record);
        }
    }

    /// The document, as JSON text safe to put inside a `<script>` element.
    pub fn json(mut self, seed: u64, span: &Span, start: &StartState) -> String {
        let meta = self.meta(seed, span, start);
        let meta = serde_json::to_string(&meta).unwrap_or_else(|_| "{}".into());
        let text = format!(
            "{{\"meta\":{meta},\"start\":{},\"records\":{}}}",
            self.start.json(),
            self.records.json()
        );
        // Only strings hold `<`; escaped, no `</script>` can end the element.
        text.replace('<', "\\u003c")
    }

    /// Rows in the records part.
    pub fn rows(&self) -> usize {
        self.records.rows()
    }

    fn meta(&mut self, seed: u64, span: &Span, start: &StartState) -> Meta {
        let model = self.model;
        let layout = model.layout.as_ref();
        let fleet = model.fleet.as_ref();
        let points = plan_points(model)
            .into_iter()
            .zip(layout.map_or(&[][..], |l| &l.points[..]))
            .map(|(p, point)| PointMeta {
                name: point.name.clone(),
                label: p.label,
                x: p.x,
                y: p.y,
                kind: match p.kind {
                    PointKind::Station => "station",
                    PointKind::Warehouse => "warehouse",
                    PointKind::Charger => "charger",
                    PointKind::Home => "home",
                    PointKind::Other => "other",
                },
            })
            .collect();
        let nr = match &model.network.link {
            LinkModel::Nr(nr) => layout.map(|l| (nr, l.size)),
            _ => None,
        };
        let radio_map = nr.and_then(|(nr, size)| {
            let dl_loads: Vec<f64> = crate::factory::cell_loads(model).iter().map(|l| l[0]).collect();
            let cov = coverage(nr, size, &dl_loads)?;
            let colours = cov.colours()?;
            let grid = CoverageGrid::of(size)?;
            let best = grid
                .centres()
                .map(|ue| best_gnb(nr, ue).map_or(0, |b| b.0))
                .collect();
            Some(RadioMap {
                cell_m: grid.cell_m,
                nx: grid.nx,
                ny: grid.ny,
                bands: colours.bands.iter().map(|&(lo, rgb)| (lo, hex(rgb))).collect(),
                step: colours.step,
                out: hex(colours.out),
                cells: colours.cells,
                best,
                label: cov.label.lines().next().unwrap_or("SINR (dB)").to_string(),
            })
        });
        Meta {
            scenario: model.name.clone(),
            seed,
            replication: 0,
            horizon_s: model.horizon.as_secs_f64(),
            warmup_s: model.warmup.as_secs_f64(),
            start_s: span.start_s,
            end_s: span.end_s,
            limit: span.limit,
            kept: span.kept,
            dropped: span.dropped,
            ignored: self.ignored,
            hall: layout.map(|l| l.size),
            points,
            aisles: layout.map_or_else(Vec::new, |l| {
                l.segments.iter().map(|s| (s.a, s.b, s.one_way)).collect()
            }),
            stations: model
                .stations
                .iter()
                .map(|s| StationMeta {
                    name: s.name.clone(),
                    at: s.at,
                    servers: s.servers,
                    robot: s.robot,
                })
                .collect(),
            agvs: fleet.map_or(0, |f| f.agvs),
            home: fleet.map(|f| f.home),
            products: model
                .products
                .iter()
                .enumerate()
                .map(|(p, product)| (product.name.clone(), !model.is_pull(p)))
                .collect(),
            calendars: model.calendars.iter().map(|c| c.name.clone()).collect(),
            colours: self.states.iter().map(|s| hex(state_rgb(s))).collect(),
            states: std::mem::take(&mut self.states),
            network: model.network.link.name().to_string(),
            gnbs: nr.map_or_else(Vec::new, |(nr, _)| nr.gnbs.iter().map(|&(x, y)| [x, y]).collect()),
            radio_map,
            completed_before: start.completed,
            wip_before: start.wip(),
            stops_before: start.stops,
        }
    }
}

fn hex([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[derive(Serialize)]
struct Meta {
    scenario: String,
    seed: u64,
    replication: u32,
    horizon_s: f64,
    warmup_s: f64,
    start_s: f64,
    end_s: f64,
    limit: usize,
    kept: usize,
    dropped: u64,
    ignored: u64,
    hall: Option<[f64; 2]>,
    points: Vec<PointMeta>,
    /// Point numbers, and whether driven only from the first to the second.
    aisles: Vec<(usize, usize, bool)>,
    stations: Vec<StationMeta>,
    agvs: u32,
    home: Option<usize>,
    /// Name, and whether an end product (counted in WIP and completed).
    products: Vec<(String, bool)>,
    /// The calendars' names, in the order of the `shifts` rows.
    calendars: Vec<String>,
    states: Vec<String>,
    colours: Vec<String>,
    network: String,
    gnbs: Vec<[f64; 2]>,
    radio_map: Option<RadioMap>,
    completed_before: u64,
    wip_before: u64,
    stops_before: u64,
}

#[derive(Serialize)]
struct PointMeta {
    name: String,
    label: String,
    x: f64,
    y: f64,
    kind: &'static str,
}

#[derive(Serialize)]
struct StationMeta {
    name: String,
    at: Option<usize>,
    servers: u32,
    robot: bool,
}

/// The SINR map as the floor plan colours it, and each cell's best gNB
/// (cell borders are where it changes).
#[derive(Serialize)]
struct RadioMap {
    cell_m: f64,
    nx: usize,
    ny: usize,
    /// Lower edge (dB) and colour of each band.
    bands: Vec<(f64, String)>,
    step: f64,
    out: String,
    /// The band of each cell, row by row from y = 0; -1 out of coverage,
    /// -2 not drawn.
    cells: Vec<i16>,
    best: Vec<usize>,
    label: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    fn record(s: u64, entity: &str, event: &'static str, at_xy: Option<[f64; 2]>) -> TraceRecord {
        let mut r = TraceRecord::new(SimTime::from_secs(s), entity.into(), event, String::new());
        r.at_xy = at_xy;
        r
    }

    /// Handovers and radio link failures (written by the radio side when it
    /// has them) become marks at their place or their robot's; what the
    /// page does not know is counted, not drawn.
    #[test]
    fn radio_records_become_marks_and_unknown_ones_are_counted() {
        let model = crate::scenario::load_builtin("sany18").unwrap().model;
        let station = model.stations.iter().find(|s| s.robot).expect("an arm station");
        let mut builder = Builder::new(&model);
        builder.add(&record(10, "agv3", "handover", Some([12.5, 40.0])));
        builder.add(&record(11, "agv4", "rlf", None));
        builder.add(&record(
            12,
            &format!("station:{}/0", station.name),
            "handover",
            None,
        ));
        // No place and no robot to take one from; an AGV the plant has not;
        // an event of a later version.
        builder.add(&record(13, "gnb2", "handover", None));
        builder.add(&record(14, "agv999", "rlf", None));
        builder.add(&record(15, "agv3", "teleport", None));
        assert_eq!(builder.rows(), 3);
        let s = model
            .stations
            .iter()
            .position(|s| s.name == station.name)
            .unwrap();
        assert_eq!(
            builder.records.radio.text,
            format!("10,0,2,-1,12.5,40,11,1,3,-1,null,null,12,0,-1,{s},null,null")
        );
        assert_eq!(builder.ignored, 3);
    }
}
