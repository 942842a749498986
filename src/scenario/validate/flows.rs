//! `[[flow]]`: the traffic between robots and the edge, each flow one of
//! three kinds by the key that makes it (periodic `period`, triggered
//! `trigger`, background `ues`/`rate`), with the checks that tie a flow to
//! its robots (stations, the fleet), the link model and the link profiles
//! computed before a run.

use super::layout::Floor;
use super::network::{span_of, written, LinkKind};
use super::stations::Stations;
use super::units::{parse_rate, parse_size};
use super::{Names, Validator};
use crate::engine::SimTime;
use crate::model::{Flow, FlowKind, FlowRobots, LinkModel, Network, StationId, Trigger};
use crate::net::{
    Direction, Traffic, BACKGROUND_PRIORITY, DEFAULT_FPS, DEFAULT_PACKET_BYTES, LOWEST_PRIORITY,
    ROBOT_PRIORITY,
};
use crate::scenario::diag::{did_you_mean, Span};
use crate::scenario::raw::{Field, FlowKey, Key, Raw, RawFlow, RawStation, Sp, TextOrInt};
use crate::scenario::tree::Str;
use crate::text::thousands;

/// The most `[[flow]]` entries.
pub(crate) const MAX_FLOWS: usize = 1_000;
pub(crate) const TRIGGERS: &[&str] = &["dispatch", "segment", "cycle_start"];
pub(crate) const MAX_UES: i64 = 10_000;
/// Largest `survival`, in periods.
pub(crate) const MAX_SURVIVAL_PERIODS: i64 = 1_000_000;
/// Size of a robot flow's message when `size` is not written.
pub(crate) const DEFAULT_SIZE_BYTES: u32 = 100;
/// Largest packet of background load when `size` is not written: an
/// Ethernet MTU.
pub(crate) const BACKGROUND_SIZE_BYTES: u32 = DEFAULT_PACKET_BYTES;
/// Resend time of a lost triggered message when `timeout` is not written.
pub(crate) const DEFAULT_TIMEOUT: SimTime = SimTime::from_nanos(100_000_000);
/// Protective stop when `on_violation` is not written.
pub(crate) const DEFAULT_STOP: SimTime = SimTime::from_secs(10);
/// The most link profiles (periodic flows × layout points × link states),
/// each computed from thousands of messages before the first replication.
pub(crate) const MAX_LINK_PROFILES: usize = 10_000;

/// What the flows need to know of the rest of the scenario.
struct FlowScope<'a> {
    stations: &'a Names,
    stations_raw: &'a [RawStation],
    /// Whether `[fleet]` was written.
    has_fleet: bool,
    /// `fleet.zone_control`; `None` when it could not be read.
    zone_control: Option<bool>,
    /// The chosen link model, when known.
    model: Option<LinkKind>,
}

/// The three kinds of flow, by the key that makes them.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Shape {
    Periodic,
    Triggered,
    Background,
}

impl Shape {
    fn describe(self) -> &'static str {
        match self {
            Shape::Periodic => "a periodic flow (`period`)",
            Shape::Triggered => "a triggered flow (`trigger`)",
            Shape::Background => "background load (`ues`, `rate`)",
        }
    }
}

const SHAPES: &str = "a flow is periodic (`period`, with `deadline`, `survival`, `on_violation`), triggered (`trigger`, with `deadline`, `timeout`) or background load (`ues`, `rate`)";

impl Validator<'_, '_> {
    /// Every flow, `None` where it has a problem.
    pub(super) fn flows(
        &mut self,
        raw: &Raw,
        stations: &Stations<'_>,
        model: Option<LinkKind>,
    ) -> Vec<Option<Flow>> {
        let raw_flows: &[RawFlow] = raw.flows.ok().map_or(&[], |list| &list.v);
        let mut names = Names::new("flow", "flows");
        self.at_most(raw_flows, &names, MAX_FLOWS);
        let flow_names = self.names_of(raw_flows, &mut names);
        let zone_control = match &raw.fleet {
            Field::Ok(fleet) => Validator::flag(&fleet.v.zone_control),
            Field::Missing => Some(false),
            Field::Invalid => None,
        };
        let scope = FlowScope {
            stations: &stations.names,
            stations_raw: stations.raw,
            has_fleet: !matches!(raw.fleet, Field::Missing),
            zone_control,
            model,
        };
        raw_flows
            .iter()
            .zip(flow_names)
            .map(|(flow, name)| self.flow(flow, name, &scope))
            .collect()
    }

    /// One `[[flow]]`.
    fn flow(&mut self, flow: &RawFlow, name: Option<String>, scope: &FlowScope<'_>) -> Option<Flow> {
        let key_of = |field: &str| format!("{}.{field}", flow.label);
        let at = flow.name.ok().map_or(flow.span, |name| name.span);
        let flow_name = flow.name.ok().map_or(flow.label.as_str(), |name| name.v.as_str());
        let direction = match &flow.direction {
            Field::Ok(direction) => match direction.v.trim().to_ascii_lowercase().as_str() {
                "ul" => Some(Direction::Ul),
                "dl" => Some(Direction::Dl),
                other => {
                    self.sink.error(
                        Some(direction.span),
                        &key_of("direction"),
                        format!(
                            "direction must be \"ul\" (robot to edge) or \"dl\" (edge to robot), found \"{other}\""
                        ),
                    );
                    None
                }
            },
            Field::Missing => self.missing(
                at,
                &key_of("direction"),
                "missing `direction`: \"ul\" (robot to edge) or \"dl\" (edge to robot), e.g. direction = \"dl\"",
            ),
            Field::Invalid => None,
        };
        // Which kind of flow: exactly one of period, trigger, ues/rate.
        let makers = [
            (Shape::Periodic, FlowKey::Period, span_of(&flow.period)),
            (Shape::Triggered, FlowKey::Trigger, span_of(&flow.trigger)),
            (Shape::Background, FlowKey::Ues, span_of(&flow.ues)),
            (Shape::Background, FlowKey::Rate, span_of(&flow.rate)),
        ];
        let written_makers = [
            written(&flow.period),
            written(&flow.trigger),
            written(&flow.ues),
            written(&flow.rate),
        ];
        let mut shape: Option<(Shape, FlowKey)> = None;
        let mut mixed = false;
        for ((this, key, span), is_written) in makers.into_iter().zip(written_makers) {
            if !is_written {
                continue;
            }
            match shape {
                None => shape = Some((this, key)),
                Some((first, first_key)) if first != this => {
                    mixed = true;
                    self.sink.error(
                        span,
                        &key_of(key.name()),
                        format!(
                            "`{}` and `{}` do not go together: {SHAPES}; keep one of them",
                            first_key.name(),
                            key.name()
                        ),
                    );
                }
                Some(_) => {}
            }
        }
        let Some((shape, _)) = shape else {
            self.sink.error(
                Some(at),
                &flow.label,
                format!(
                    "flow `{flow_name}` needs `period` (a message every period), `trigger` (a message when something happens: \"dispatch\", \"segment\" or \"cycle_start\") or `rate` (background load, with `ues`)"
                ),
            );
            return None;
        };
        if mixed {
            return None;
        }
        let clean = self.foreign_keys(flow, shape);
        let default_priority = match shape {
            Shape::Background => BACKGROUND_PRIORITY,
            Shape::Periodic | Shape::Triggered => ROBOT_PRIORITY,
        };
        let priority = self.int_or(
            &flow.priority,
            &key_of("priority"),
            default_priority,
            1,
            i64::from(LOWEST_PRIORITY),
        );
        if shape == Shape::Background {
            let kind = self.background(flow);
            let traffic = self.traffic(flow);
            let size = match &flow.size {
                Field::Ok(size) => self.parsed(&size.v.value, size.span, &key_of("size"), parse_size),
                Field::Missing => Some(BACKGROUND_SIZE_BYTES),
                Field::Invalid => None,
            };
            if let Some(model) = scope.model.filter(|m| *m != LinkKind::Nr) {
                let span = span_of(&flow.rate).or(span_of(&flow.ues));
                self.sink.warning(
                    span,
                    &flow.label,
                    format!(
                        "background load matters only with model = \"nr\" (it takes its share of the cells' resource blocks); with model = \"{}\" it changes nothing",
                        model.name()
                    ),
                );
            }
            if !clean {
                return None;
            }
            return Some(Flow {
                name: name?,
                robots: FlowRobots::All,
                direction: direction?,
                size_bytes: size?,
                kind: kind?,
                priority: priority?,
                traffic: Some(traffic?),
            });
        }
        let robots = self.robots(flow, scope, at);
        let size = match &flow.size {
            Field::Ok(size) => self.parsed(&size.v.value, size.span, &key_of("size"), parse_size),
            Field::Missing => Some(DEFAULT_SIZE_BYTES),
            Field::Invalid => None,
        };
        let kind = match shape {
            Shape::Periodic => self.periodic(flow),
            _ => self.triggered(flow, robots, scope),
        };
        if let (Some(robots), Some(LinkKind::Nr)) = (robots, scope.model) {
            self.positions(flow, robots, scope);
        }
        if !clean {
            return None;
        }
        Some(Flow {
            name: name?,
            robots: robots?,
            direction: direction?,
            size_bytes: size?,
            kind: kind?,
            priority: priority?,
            traffic: None,
        })
    }

    /// Refuses the keys of other kinds of flow than `shape`; whether there
    /// were none.
    fn foreign_keys(&mut self, flow: &RawFlow, shape: Shape) -> bool {
        let foreign = [
            (FlowKey::Robots, span_of(&flow.robots), written(&flow.robots)),
            (FlowKey::Size, span_of(&flow.size), written(&flow.size)),
            (
                FlowKey::Deadline,
                span_of(&flow.deadline),
                written(&flow.deadline),
            ),
            (
                FlowKey::Survival,
                span_of(&flow.survival),
                written(&flow.survival),
            ),
            (
                FlowKey::OnViolation,
                span_of(&flow.on_violation),
                written(&flow.on_violation),
            ),
            (FlowKey::Timeout, span_of(&flow.timeout), written(&flow.timeout)),
            (FlowKey::Traffic, span_of(&flow.traffic), written(&flow.traffic)),
            (FlowKey::Fps, span_of(&flow.fps), written(&flow.fps)),
        ];
        let mut clean = true;
        for (key, span, is_written) in foreign {
            if !is_written {
                continue;
            }
            let goes_with = match key {
                FlowKey::Survival | FlowKey::OnViolation => {
                    Some((Shape::Periodic, "`period` (periodic flows)"))
                }
                FlowKey::Timeout => Some((Shape::Triggered, "`trigger` (triggered flows)")),
                FlowKey::Traffic | FlowKey::Fps => {
                    Some((Shape::Background, "background load (`ues`, `rate`)"))
                }
                _ => None,
            };
            let name = key.name();
            let message = match (shape, goes_with) {
                (Shape::Background, _) if key == FlowKey::Robots => Some(
                    "background load has no `robots`: it stands for `ues` other devices sharing the cells; remove `robots`, or give the flow a `period` or `trigger` instead of `ues` and `rate`"
                        .to_string(),
                ),
                (Shape::Background, _) if key == FlowKey::Size => None,
                (Shape::Background, Some((Shape::Background, _))) => None,
                (Shape::Background, _) => Some(format!(
                    "`{name}` does not apply to background load (`ues`, `rate`), which no robot waits for; remove it"
                )),
                (this, Some((want, with))) if this != want => Some(format!(
                    "`{name}` goes with {with}; this is {}: remove it",
                    this.describe()
                )),
                _ => None,
            };
            if let Some(message) = message {
                self.sink.error(span, &format!("{}.{name}", flow.label), message);
                clean = false;
            }
        }
        clean
    }
    /// `robots` of a periodic or triggered flow.
    fn robots(&mut self, flow: &RawFlow, scope: &FlowScope<'_>, at: Span) -> Option<FlowRobots> {
        let key = format!("{}.robots", flow.label);
        let robots = match &flow.robots {
            Field::Ok(robots) => robots,
            Field::Missing => {
                self.sink.error(
                    Some(at),
                    &key,
                    "missing `robots` (whose messages these are): robots = \"agvs\", \"all\" or a station name",
                );
                return None;
            }
            Field::Invalid => return None,
        };
        match robots.v.as_str() {
            "agvs" => {
                if scope.has_fleet {
                    Some(FlowRobots::Agvs)
                } else {
                    self.sink.error(
                        Some(robots.span),
                        &key,
                        "robots = \"agvs\" needs a [fleet]; the scenario has no AGVs",
                    );
                    None
                }
            }
            "all" => {
                let arms = scope
                    .stations_raw
                    .iter()
                    .any(|station| station.robot.ok().is_some_and(|b| b.v));
                if !scope.has_fleet && !arms {
                    self.sink.warning(
                        Some(robots.span),
                        &key,
                        "robots = \"all\" but the scenario has no [fleet] and no station with robot = true: this flow has no robots",
                    );
                }
                Some(FlowRobots::All)
            }
            name => match scope.stations.index.get(name) {
                Some((i, _)) => Some(FlowRobots::Station(*i)),
                None => {
                    let stations = scope.stations.listing();
                    let listing = if stations.is_empty() {
                        "the scenario has no stations".to_string()
                    } else {
                        format!("stations are: {stations}")
                    };
                    let candidates = scope
                        .stations
                        .order
                        .iter()
                        .map(String::as_str)
                        .chain(["agvs", "all"]);
                    self.sink.error(
                        Some(robots.span),
                        &key,
                        format!(
                            "unknown station `{name}`; robots must be \"agvs\", \"all\" or a station name ({listing}){}",
                            did_you_mean(name, candidates)
                        ),
                    );
                    None
                }
            },
        }
    }

    /// With `model = "nr"`, a flow's robots need positions: stations their
    /// `at` (AGVs are always on the layout).
    fn positions(&mut self, flow: &RawFlow, robots: FlowRobots, scope: &FlowScope<'_>) {
        let span = span_of(&flow.robots);
        let key = format!("{}.robots", flow.label);
        let check = |validator: &mut Self, id: StationId| {
            let Some(station) = scope.stations_raw.get(id) else {
                return;
            };
            if matches!(station.at, Field::Missing) {
                let station_name = station.name.ok().map_or(station.label.as_str(), |n| n.v.as_str());
                validator.sink.error(
                    span,
                    &key,
                    format!(
                        "with model = \"nr\" a flow's robots need a position: station `{station_name}` has no `at`; give it at = \"POINT\" (its SINR depends on where it stands)"
                    ),
                );
            }
        };
        match robots {
            FlowRobots::Station(id) => check(self, id),
            FlowRobots::All => {
                for (id, station) in scope.stations_raw.iter().enumerate() {
                    if station.robot.ok().is_some_and(|b| b.v) {
                        check(self, id);
                    }
                }
            }
            FlowRobots::Agvs => {}
        }
    }

    fn periodic(&mut self, flow: &RawFlow) -> Option<FlowKind> {
        let key_of = |field: &str| format!("{}.{field}", flow.label);
        let period = match &flow.period {
            Field::Ok(period) => self.positive_duration(period, &key_of("period")),
            _ => None,
        };
        let deadline = match &flow.deadline {
            Field::Ok(deadline) => self.positive_duration(deadline, &key_of("deadline")),
            Field::Missing => period,
            Field::Invalid => None,
        };
        let survival_periods = match &flow.survival {
            Field::Ok(survival) => match &survival.v {
                TextOrInt::Int(periods) => {
                    let periods = Field::Ok(Sp {
                        v: *periods,
                        span: survival.span,
                    });
                    self.int_or(&periods, &key_of("survival"), 0u32, 0, MAX_SURVIVAL_PERIODS)
                }
                TextOrInt::Text(text) => {
                    let time = self.duration(
                        &Sp {
                            v: text.clone(),
                            span: survival.span,
                        },
                        &key_of("survival"),
                    );
                    match (time, period) {
                        (Some(time), Some(period)) => {
                            let periods = time.as_nanos() / period.as_nanos().max(1);
                            match u32::try_from(periods)
                                .ok()
                                .filter(|n| i64::from(*n) <= MAX_SURVIVAL_PERIODS)
                            {
                                Some(periods) => Some(periods),
                                None => {
                                    self.sink.error(
                                        Some(survival.span),
                                        &key_of("survival"),
                                        format!(
                                            "survival \"{}\" is {periods} periods; at most {MAX_SURVIVAL_PERIODS} are allowed",
                                            text.value
                                        ),
                                    );
                                    None
                                }
                            }
                        }
                        _ => None,
                    }
                }
            },
            Field::Missing => Some(0),
            Field::Invalid => None,
        };
        let stop = match &flow.on_violation {
            Field::Ok(text) => self.stop(text, &key_of("on_violation")),
            Field::Missing => Some(DEFAULT_STOP),
            Field::Invalid => None,
        };
        Some(FlowKind::Periodic {
            period: period?,
            deadline: deadline?,
            survival_periods: survival_periods?,
            stop: stop?,
        })
    }

    /// `on_violation = "stop(DURATION)"`.
    fn stop(&mut self, written: &Sp<Str>, key: &str) -> Option<SimTime> {
        let text = written.v.value.as_str();
        let malformed = |validator: &mut Self| {
            validator.sink.error(
                Some(written.span),
                key,
                format!(
                    "on_violation must be \"stop(DURATION)\", a protective stop of that length when messages stay invalid beyond the survival time, e.g. \"stop(10s)\"; found \"{text}\""
                ),
            );
            None
        };
        let lead = text.len() - text.trim_start().len();
        let body = text.trim();
        let Some(rest) = body.strip_prefix("stop") else {
            return malformed(self);
        };
        let open_at = rest.len() - rest.trim_start().len();
        let Some(inner) = rest
            .trim_start()
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
        else {
            return malformed(self);
        };
        match SimTime::parse_duration(inner) {
            Ok(t) => Some(t),
            Err(e) => {
                let inner_lead = inner.len() - inner.trim_start().len();
                let span = match written.v.content {
                    Some(content) => {
                        let start = content + lead + "stop".len() + open_at + 1 + inner_lead;
                        Span::new(start, start + inner.trim().len())
                    }
                    None => written.span,
                };
                self.sink.error(Some(span), key, format!("stop(DURATION): {e}"));
                None
            }
        }
    }

    fn triggered(
        &mut self,
        flow: &RawFlow,
        robots: Option<FlowRobots>,
        scope: &FlowScope<'_>,
    ) -> Option<FlowKind> {
        let key_of = |field: &str| format!("{}.{field}", flow.label);
        let trigger = match &flow.trigger {
            Field::Ok(trigger) => match trigger.v.trim() {
                "dispatch" => Some(Trigger::Dispatch),
                "segment" => Some(Trigger::Segment),
                "cycle_start" => Some(Trigger::CycleStart),
                other => {
                    self.sink.error(
                        Some(trigger.span),
                        &key_of("trigger"),
                        format!(
                            "trigger must be \"dispatch\" (the fleet manager sends an AGV its task), \"segment\" (an AGV asks for each aisle segment, under zone control) or \"cycle_start\" (a station's arm gets the command to start a cycle), found \"{other}\"{}",
                            did_you_mean(other, TRIGGERS.iter().copied())
                        ),
                    );
                    None
                }
            },
            _ => None,
        };
        let robots_span = span_of(&flow.robots);
        let trigger_span = span_of(&flow.trigger);
        let mut ok = true;
        match (trigger, robots) {
            (Some(trigger @ (Trigger::Dispatch | Trigger::Segment)), Some(robots)) => {
                let word = if trigger == Trigger::Dispatch {
                    "dispatch"
                } else {
                    "segment"
                };
                if let FlowRobots::Station(station) = robots {
                    let station_name = scope.stations.name_of(station).unwrap_or("?");
                    self.sink.error(
                        robots_span,
                        &key_of("robots"),
                        format!(
                            "trigger = \"{word}\" is a message to or from an AGV: robots must be \"agvs\" or \"all\", found station `{station_name}`"
                        ),
                    );
                    ok = false;
                } else if !scope.has_fleet {
                    // robots = "agvs" without a fleet is reported already.
                    if robots == FlowRobots::All {
                        self.sink.error(
                            trigger_span,
                            &key_of("trigger"),
                            format!(
                                "trigger = \"{word}\" is a message to or from an AGV and needs a [fleet]"
                            ),
                        );
                    }
                    ok = false;
                } else if trigger == Trigger::Segment && scope.zone_control == Some(false) {
                    self.sink.warning(
                        trigger_span,
                        &key_of("trigger"),
                        "trigger = \"segment\" fires only under zone control, and fleet.zone_control is off: this flow never sends a message; set fleet.zone_control = true",
                    );
                }
            }
            (Some(Trigger::CycleStart), Some(FlowRobots::Agvs)) => {
                self.sink.error(
                    robots_span,
                    &key_of("robots"),
                    "trigger = \"cycle_start\" is the command to a station's arm to start a cycle: robots must be a station name or \"all\", found \"agvs\"",
                );
                ok = false;
            }
            _ => {}
        }
        let deadline = match &flow.deadline {
            Field::Ok(deadline) => self.positive_duration(deadline, &key_of("deadline")).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let timeout = match &flow.timeout {
            Field::Ok(timeout) => self.positive_duration(timeout, &key_of("timeout")),
            Field::Missing => Some(DEFAULT_TIMEOUT),
            Field::Invalid => None,
        };
        if !ok {
            return None;
        }
        Some(FlowKind::Triggered {
            trigger: trigger?,
            deadline: deadline?,
            timeout: timeout?,
        })
    }

    /// `traffic` and `fps` of background load.
    fn traffic(&mut self, flow: &RawFlow) -> Option<Traffic> {
        let key_of = |field: &str| format!("{}.{field}", flow.label);
        let fps = match &flow.fps {
            Field::Ok(fps) if !(fps.v.is_finite() && fps.v > 0.0) => {
                self.sink.error(
                    Some(fps.span),
                    &key_of("fps"),
                    format!(
                        "fps must be above 0 (frames per second of each UE), found {}",
                        fps.v
                    ),
                );
                return None;
            }
            Field::Ok(fps) => Some(Some(fps)),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let traffic = match &flow.traffic {
            Field::Ok(t) => match t.v.trim().to_ascii_lowercase().as_str() {
                "poisson" => Some(Traffic::Poisson),
                "video" => Some(Traffic::Video { fps: DEFAULT_FPS }),
                "fluid" => Some(Traffic::Fluid),
                other => {
                    let hint = did_you_mean(other, Traffic::NAMES.iter().copied());
                    self.sink.error(
                        Some(t.span),
                        &key_of("traffic"),
                        format!(
                            "traffic must be \"poisson\" (packets at exponential intervals), \"video\" (frames at `fps`, split into packets) or \"fluid\" (a mean share of every slot), found \"{other}\"{hint}"
                        ),
                    );
                    None
                }
            },
            Field::Missing => Some(Traffic::Poisson),
            Field::Invalid => None,
        };
        match (traffic?, fps?) {
            (Traffic::Video { .. }, Some(fps)) => Some(Traffic::Video { fps: fps.v }),
            (other, Some(fps)) => {
                self.sink.error(
                    Some(fps.span),
                    &key_of("fps"),
                    format!(
                        "`fps` goes with traffic = \"video\"; this flow's traffic is \"{}\": remove `fps` or set traffic = \"video\"",
                        other.name()
                    ),
                );
                None
            }
            (t, None) => Some(t),
        }
    }

    fn background(&mut self, flow: &RawFlow) -> Option<FlowKind> {
        let key_of = |field: &str| format!("{}.{field}", flow.label);
        let ues = self.int_or(&flow.ues, &key_of("ues"), 1u32, 1, MAX_UES);
        let rate = match &flow.rate {
            Field::Ok(rate) => self.parsed(&rate.v.value, rate.span, &key_of("rate"), parse_rate),
            Field::Missing => {
                let at = span_of(&flow.ues).unwrap_or(flow.span);
                self.sink.error(
                    Some(at),
                    &key_of("rate"),
                    "missing `rate` (the bit rate of each UE of the background load), e.g. rate = \"20Mbps\"",
                );
                None
            }
            Field::Invalid => None,
        };
        Some(FlowKind::Background {
            ues: ues?,
            rate_bps: rate?,
        })
    }

    /// Refuses more link profiles than [`MAX_LINK_PROFILES`]: the link of
    /// each periodic flow is profiled at every point of the layout (and in
    /// each link state) before the run.
    pub(super) fn link_profiles(
        &mut self,
        flows: &[Option<Flow>],
        raw: &Raw,
        floor: &Floor,
        network: Option<&Network>,
    ) {
        let points = match &floor.layout {
            Some(Some(layout)) => layout.points.len().max(1),
            _ => 1,
        };
        let states = match network.map(|n| &n.link) {
            Some(LinkModel::Empirical {
                bad_state: Some(_), ..
            }) => 2,
            _ => 1,
        };
        let per_flow = points * states;
        let periodic: Vec<usize> = flows
            .iter()
            .enumerate()
            .filter(|(_, flow)| {
                flow.as_ref()
                    .is_some_and(|flow| matches!(flow.kind, FlowKind::Periodic { .. }))
            })
            .map(|(i, _)| i)
            .collect();
        let total = periodic.len() * per_flow;
        if total <= MAX_LINK_PROFILES {
            return;
        }
        let over = raw
            .flows
            .ok()
            .and_then(|list| list.v.get(periodic[MAX_LINK_PROFILES / per_flow]));
        let places = if states > 1 {
            format!(
                "{} layout points in 2 link states (good and bad)",
                thousands(points as u64)
            )
        } else {
            format!("{} layout points", thousands(points as u64))
        };
        self.sink.error(
            over.map(|flow| flow.span),
            over.map_or("flow", |flow| flow.label.as_str()),
            format!(
                "{} periodic flows at {places} make {} link profiles, more than the {} allowed: each is computed from thousands of messages before the run; use fewer periodic flows or fewer points",
                periodic.len(),
                thousands(total as u64),
                thousands(MAX_LINK_PROFILES as u64)
            ),
        );
    }
}
