//! `[network]` and `[[flow]]` checked and turned into the model's
//! [`Network`] and [`Flow`]s.
//!
//! The NR radio's own rules (which SCS goes with which capability, bandwidth
//! and carrier; which TDD pattern offers which transmission) live in
//! [`crate::net::Nr::new`]: its messages are reported here at the key they
//! concern. Sub-tables of models other than the chosen one are a warning,
//! not an error, so that `--set network.model=fixed` works on a file written
//! for `nr`.

use super::{Floor, Names, V};
use crate::engine::SimTime;
use crate::model::{BadState, Flow, FlowKind, FlowRobots, LinkModel, Network, NrNetwork, StationId, Trigger};
use crate::net::{
    Direction, Duplex, HandoverConfig, InfScenario, Nr, NrConfig, RlfConfig, Scheduler, Shadowing, SlotKind,
    SpecialSplit, SrPeriod, UlAccess,
};
use crate::scenario::diag::{did_you_mean, list, Span};
use crate::scenario::raw::{
    Field, RawBadState, RawEmpirical, RawFixed, RawFlow, RawNetwork, RawNr, RawSrPeriod, RawStation,
    RawSurvival, Sp,
};
use crate::scenario::tree::Str;

/// The link models, as `model` names them.
pub(crate) const MODELS: &[&str] = &["ideal", "fixed", "empirical", "nr"];
pub(crate) const TRIGGERS: &[&str] = &["dispatch", "segment", "cycle_start"];
pub(crate) const UL_ACCESS: &[&str] = &["configured_grant", "grant_based"];
/// Most gNBs in `[network.nr]`.
pub(crate) const MAX_GNBS: usize = 1000;
pub(crate) const MAX_UES: i64 = 10_000;
/// Largest `survival`, in periods.
pub(crate) const MAX_SURVIVAL_PERIODS: i64 = 1_000_000;
/// Largest message, in bytes (10 MB).
pub(crate) const MAX_SIZE_BYTES: f64 = 10e6;
/// Fastest background rate per UE, bit/s (100 Gbit/s).
pub(crate) const MAX_RATE_BPS: f64 = 100e9;
/// Size of a robot flow's message when `size` is not written.
pub(crate) const DEFAULT_SIZE_BYTES: u32 = 100;
/// Nominal packet size recorded for background load (a fluid rate, whose
/// packets are not simulated): an Ethernet MTU.
pub(crate) const BACKGROUND_SIZE_BYTES: u32 = 1500;
/// Resend time of a lost triggered message when `timeout` is not written.
pub(crate) const DEFAULT_TIMEOUT: SimTime = SimTime::from_nanos(100_000_000);
/// Protective stop when `on_violation` is not written.
pub(crate) const DEFAULT_STOP: SimTime = SimTime::from_secs(10);
/// Size units and their value in bytes.
pub(crate) const SIZE_UNITS: &[(&str, f64)] = &[
    ("B", 1.0),
    ("kB", 1e3),
    ("KiB", 1024.0),
    ("MB", 1e6),
    ("MiB", 1_048_576.0),
];
/// Rate units and their value in bit/s.
pub(crate) const RATE_UNITS: &[(&str, f64)] = &[
    ("bps", 1.0),
    ("kbps", 1e3),
    ("Mbps", 1e6),
    ("Gbps", 1e9),
    ("bit/s", 1.0),
    ("kbit/s", 1e3),
    ("Mbit/s", 1e6),
    ("Gbit/s", 1e9),
];

/// What the flows need to know of the rest of the scenario.
pub(super) struct FlowScope<'a> {
    pub stations: &'a Names,
    pub stations_raw: &'a [RawStation],
    /// Whether `[fleet]` was written.
    pub has_fleet: bool,
    /// `fleet.zone_control`; `None` when it could not be read.
    pub zone_control: Option<bool>,
    /// The chosen link model, when known.
    pub model: Option<&'static str>,
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

fn written<T>(f: &Field<T>) -> bool {
    !matches!(f, Field::Missing)
}

/// The span of a written field (valid or not).
/// The `[network.nr]` key a configuration error of `NrConfig`'s field
/// `field` is about: `bler` is `bler_target`; the gNB's power and the UE's
/// noise figure are under the name that was written (the new one when
/// neither was).
fn nr_written_key(r: &RawNr, field: &'static str) -> &'static str {
    match field {
        "bler" => "bler_target",
        "bler_override" => "bler",
        "tx_power_dbm" if span_of(&r.tx_power_dbm).is_none() => "gnb_tx_power_dbm",
        "noise_figure_db" if span_of(&r.noise_figure_db).is_none() => "ue_noise_figure_db",
        other => other,
    }
}

fn span_of<T>(f: &Field<T>) -> Option<Span> {
    f.ok().map(|x| x.span)
}

impl V<'_, '_> {
    /// `[network]`: the network, or `None` after an error; and the chosen
    /// model's name when known (also after an error in its settings).
    pub(super) fn network(
        &mut self,
        f: &Field<RawNetwork>,
        floor: &Floor,
    ) -> (Option<Network>, Option<&'static str>) {
        let n = match f {
            Field::Ok(n) => &n.v,
            Field::Missing => return (Some(Network::default()), Some("ideal")),
            Field::Invalid => return (None, None),
        };
        let core = self.optional_dist(&n.core, "network.core");
        let edge_processing = self.optional_dist(&n.edge_processing, "network.edge_processing");
        let subs: [(&str, bool, Option<Span>); 3] = [
            ("fixed", written(&n.fixed), n.fixed.ok().map(|t| t.v.key_span)),
            (
                "empirical",
                written(&n.empirical),
                n.empirical.ok().map(|t| t.v.key_span),
            ),
            ("nr", written(&n.nr), n.nr.ok().map(|t| t.v.key_span)),
        ];
        let model: Option<(&'static str, Span)> = match &n.model {
            Field::Ok(m) => match MODELS.iter().find(|x| **x == m.v.trim()) {
                Some(x) => Some((x, m.span)),
                None => {
                    self.sink.error(
                        Some(m.span),
                        "network.model",
                        format!(
                            "model must be \"ideal\", \"fixed\", \"empirical\" or \"nr\", found \"{}\"{}",
                            m.v,
                            did_you_mean(m.v.trim(), MODELS.iter().copied())
                        ),
                    );
                    None
                }
            },
            Field::Missing => {
                let present: Vec<&str> = subs.iter().filter(|s| s.1).map(|s| s.0).collect();
                let hint = match present.as_slice() {
                    [one] => format!("; the [network.{one}] table suggests model = \"{one}\""),
                    _ => String::new(),
                };
                self.sink.error(
                    Some(n.key_span),
                    "network.model",
                    format!(
                        "missing `model`: a [network] table says which link model to use, model = \"ideal\", \"fixed\", \"empirical\" or \"nr\"{hint}"
                    ),
                );
                None
            }
            Field::Invalid => None,
        };
        let Some((model, model_span)) = model else {
            return (None, None);
        };
        for (name, _, key_span) in subs {
            if name != model {
                if let Some(at) = key_span {
                    self.sink.warning(
                        Some(at),
                        &format!("network.{name}"),
                        format!(
                            "[network.{name}] is not used with model = \"{model}\"; it is ignored (set model = \"{name}\" to use it)"
                        ),
                    );
                }
            }
        }
        let needs = |v: &mut Self, example: &str| {
            v.sink.error(
                Some(model_span),
                &format!("network.{model}"),
                format!(
                    "model = \"{model}\" needs a [network.{model}] table, e.g. [network.{model}] {example}"
                ),
            );
            None
        };
        let link = match model {
            "ideal" => Some(LinkModel::Ideal),
            "fixed" => match &n.fixed {
                Field::Ok(t) => self.fixed(&t.v),
                Field::Missing => needs(self, "latency = \"5ms\""),
                Field::Invalid => None,
            },
            "empirical" => match &n.empirical {
                Field::Ok(t) => self.empirical(&t.v),
                Field::Missing => needs(self, "ul = \"exp(6ms)\" dl = \"exp(5ms)\""),
                Field::Invalid => None,
            },
            _ => {
                if !floor.written {
                    self.sink.error(
                        Some(model_span),
                        "network.model",
                        "model = \"nr\" needs a [layout]: each robot's SINR depends on its distance to the gNBs; add [layout] with size and points, and place the gNBs in it with gnb = [[x, y], ...]",
                    );
                }
                match &n.nr {
                    Field::Ok(t) => self.nr(&t.v, floor).map(LinkModel::Nr),
                    Field::Missing => needs(self, "gnb = [[20, 10]]"),
                    Field::Invalid => None,
                }
            }
        };
        let network = match (link, core, edge_processing) {
            (Some(link), Some(core), Some(edge_processing)) => Some(Network {
                link,
                core,
                edge_processing,
            }),
            _ => None,
        };
        (network, Some(model))
    }

    /// A probability in [0, 1], `default` when absent.
    fn probability(&mut self, f: &Field<f64>, key: &str, default: f64) -> Option<f64> {
        match f {
            Field::Ok(p) if p.v.is_finite() && (0.0..=1.0).contains(&p.v) => Some(p.v),
            Field::Ok(p) => {
                let field = key.rsplit('.').next().unwrap_or(key);
                self.sink.error(
                    Some(p.span),
                    key,
                    format!(
                        "{field} must be a probability from 0 to 1 (e.g. 0.001), found {}",
                        p.v
                    ),
                );
                None
            }
            Field::Missing => Some(default),
            Field::Invalid => None,
        }
    }

    fn fixed(&mut self, f: &RawFixed) -> Option<LinkModel> {
        let latency = match &f.latency {
            Field::Ok(s) => self.duration(s, "network.fixed.latency"),
            Field::Missing => {
                self.sink.error(
                    Some(f.key_span),
                    "network.fixed.latency",
                    "missing `latency` (the one-way delay of every message), e.g. latency = \"5ms\"",
                );
                None
            }
            Field::Invalid => None,
        };
        let loss = self.probability(&f.loss, "network.fixed.loss", 0.0);
        Some(LinkModel::Fixed {
            latency: latency?,
            loss: loss?,
        })
    }

    fn empirical(&mut self, e: &RawEmpirical) -> Option<LinkModel> {
        let ul = self.required_dist(&e.ul, "network.empirical.ul", e.key_span, "exp(6ms)");
        let dl = self.required_dist(&e.dl, "network.empirical.dl", e.key_span, "exp(5ms)");
        let bad_state = match &e.bad_state {
            Field::Ok(b) => self.bad_state(&b.v, b.span).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        Some(LinkModel::Empirical {
            ul: ul?,
            dl: dl?,
            bad_state: bad_state?,
        })
    }

    fn bad_state(&mut self, b: &RawBadState, table: Span) -> Option<BadState> {
        let path = "network.empirical.bad_state";
        let mean_above_zero = |v: &mut Self, f: &Field<Str>, field: &str, why: &str, example: &str| {
            let key = format!("{path}.{field}");
            match f {
                Field::Ok(s) => v.positive_dist(s, &key, why),
                _ => v.required_dist(f, &key, table, example),
            }
        };
        let enter = mean_above_zero(
            self,
            &b.enter,
            "enter",
            "the time in the good state before a bad period",
            "exp(10min)",
        );
        let leave = mean_above_zero(self, &b.leave, "leave", "the length of a bad period", "exp(2s)");
        let latency = self.required_dist(&b.latency, &format!("{path}.latency"), table, "exp(50ms)");
        let loss = self.probability(&b.loss, &format!("{path}.loss"), 0.0);
        Some(BadState {
            enter: enter?,
            leave: leave?,
            latency: latency?,
            loss: loss?,
        })
    }

    /// A whole number of an NR setting; `allowed` says what is, for values
    /// that do not fit the setting's type at all.
    fn nr_int<T: TryFrom<i64>>(&mut self, f: &Field<i64>, key: &str, allowed: &str) -> Option<Option<T>> {
        match f {
            Field::Ok(x) => match T::try_from(x.v) {
                Ok(t) => Some(Some(t)),
                Err(_) => {
                    let field = key.rsplit('.').next().unwrap_or(key);
                    self.sink.error(
                        Some(x.span),
                        key,
                        format!("{field} must be {allowed}, found {}", x.v),
                    );
                    None
                }
            },
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    /// A string setting read by `parse`, whose errors say what is allowed.
    fn nr_parse<T>(
        &mut self,
        f: &Field<String>,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match f {
            Field::Ok(s) => match parse(&s.v) {
                Ok(t) => Some(Some(t)),
                Err(m) => {
                    self.sink.error(Some(s.span), key, m);
                    None
                }
            },
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    /// A number that has two names (`main`, and the older `alias`): either
    /// may be written, not both.
    fn nr_aliased(&mut self, main: (&Field<f64>, &str), alias: (&Field<f64>, &str)) -> Option<Option<f64>> {
        match (main.0, alias.0) {
            (Field::Invalid, _) | (_, Field::Invalid) => None,
            (Field::Ok(_), Field::Ok(a)) => {
                self.sink.error(
                    Some(a.span),
                    &format!("network.nr.{}", alias.1),
                    format!(
                        "`{}` is another name for `{}`, which is written too; keep one",
                        alias.1, main.1
                    ),
                );
                None
            }
            (Field::Ok(x), Field::Missing) | (Field::Missing, Field::Ok(x)) => Some(Some(x.v)),
            (Field::Missing, Field::Missing) => Some(None),
        }
    }

    /// An optional duration of a sub-table: `Some(None)` when not written.
    fn nr_duration(&mut self, f: &Field<Str>, key: &str) -> Option<Option<SimTime>> {
        match f {
            Field::Ok(s) => self.duration(s, key).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    /// `handover` and `rlf`, each key defaulting to its own default. (Their
    /// values are checked with the rest of the radio, by `Nr::new`.)
    fn nr_mobility(&mut self, r: &RawNr) -> Option<(HandoverConfig, RlfConfig)> {
        let k = |x: &str| format!("network.nr.{x}");
        let float = |f: &Field<f64>| match f {
            Field::Ok(x) => Some(Some(x.v)),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let dh = HandoverConfig::default();
        let handover = match &r.handover {
            Field::Ok(h) => {
                let ttt = self.nr_duration(&h.v.time_to_trigger, &k("handover.time_to_trigger"));
                let interruption = self.nr_duration(&h.v.interruption, &k("handover.interruption"));
                Some(HandoverConfig {
                    hysteresis_db: float(&h.v.hysteresis_db)?.unwrap_or(dh.hysteresis_db),
                    time_to_trigger: ttt?.unwrap_or(dh.time_to_trigger),
                    interruption: interruption?.unwrap_or(dh.interruption),
                })
            }
            Field::Missing => Some(dh),
            Field::Invalid => None,
        };
        let dr = RlfConfig::default();
        let rlf = match &r.rlf {
            Field::Ok(f) => {
                let t310 = self.nr_duration(&f.v.t310, &k("rlf.t310"));
                let reestablishment = self.nr_duration(&f.v.reestablishment, &k("rlf.reestablishment"));
                let q_out_db = float(&f.v.q_out_db)?.unwrap_or(dr.q_out_db);
                Some(RlfConfig {
                    q_out_db,
                    // Q_in keeps its distance above Q_out unless written.
                    q_in_db: float(&f.v.q_in_db)?.unwrap_or(q_out_db + (dr.q_in_db - dr.q_out_db)),
                    t310: t310?.unwrap_or(dr.t310),
                    reestablishment: reestablishment?.unwrap_or(dr.reestablishment),
                })
            }
            Field::Missing => Some(dr),
            Field::Invalid => None,
        };
        Some((handover?, rlf?))
    }

    fn nr(&mut self, r: &RawNr, floor: &Floor) -> Option<NrNetwork> {
        let k = |x: &str| format!("network.nr.{x}");
        let d = NrConfig::default();
        let scs_khz = self.nr_int::<u32>(&r.scs_khz, &k("scs_khz"), "15, 30, 60 or 120 (kHz)");
        let symbols = self.nr_int::<u32>(
            &r.symbols,
            &k("symbols"),
            "14 (a slot) or a mini-slot of 7, 4 or 2",
        );
        let capability = self.nr_int::<u8>(&r.capability, &k("capability"), "1 or 2");
        let harq_max_retx = self.nr_int::<u32>(
            &r.harq_max_retx,
            &k("harq_max_retx"),
            "a whole number of retransmissions from 0 to 32",
        );
        let bandwidth_mhz = self.nr_int::<u32>(
            &r.bandwidth_mhz,
            &k("bandwidth_mhz"),
            "a channel bandwidth in MHz, e.g. 100",
        );
        let d_fdd = Duplex::Fdd;
        let special = self.nr_parse(&r.special_split, &k("special_split"), SpecialSplit::parse);
        let split = special.flatten().unwrap_or_default();
        let duplex = self.nr_parse(&r.duplex, &k("duplex"), |t| Duplex::parse(t, split));
        if let (Some(s), Some(dx)) = (
            r.special_split.ok(),
            duplex.as_ref().map(|d| d.as_ref().unwrap_or(&d_fdd)),
        ) {
            let has_special = match dx {
                Duplex::Fdd => false,
                Duplex::Tdd { pattern, .. } => pattern.contains(&SlotKind::Special),
            };
            if !has_special {
                self.sink.warning(
                    Some(s.span),
                    &k("special_split"),
                    format!(
                        "special_split is used only by a TDD pattern with an S slot, and duplex = \"{}\" has none; it is ignored",
                        dx.pattern_name()
                    ),
                );
            }
        }
        let grant_based = self.nr_parse(&r.ul_access, &k("ul_access"), |t| match t.trim() {
            "configured_grant" => Ok(false),
            "grant_based" => Ok(true),
            other => Err(format!(
                "ul_access must be \"configured_grant\" or \"grant_based\", found \"{other}\"{}",
                did_you_mean(other, UL_ACCESS.iter().copied())
            )),
        });
        let sr_period = match &r.sr_period {
            Field::Ok(s) => {
                let parsed = match &s.v {
                    RawSrPeriod::Text(t) => SrPeriod::parse(t),
                    RawSrPeriod::Slots(n) => u32::try_from(*n)
                        .ok()
                        .filter(|n| *n > 0)
                        .map(SrPeriod::Slots)
                        .ok_or_else(|| {
                            format!("sr_period must be a number of slots of at least 1, found {n}")
                        }),
                };
                match parsed {
                    Ok(p) => Some(Some(p)),
                    Err(m) => {
                        self.sink.error(Some(s.span), &k("sr_period"), m);
                        None
                    }
                }
            }
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        if let (Some(s), Some(Some(false) | None)) = (r.sr_period.ok(), grant_based) {
            self.sink.warning(
                Some(s.span),
                &k("sr_period"),
                "sr_period is used only with ul_access = \"grant_based\"; with a configured grant the UE sends without a scheduling request, so it is ignored",
            );
        }
        let channel = self.nr_parse(&r.channel, &k("channel"), InfScenario::parse);
        let scheduler = self.nr_parse(&r.scheduler, &k("scheduler"), Scheduler::parse);
        let shadowing = self.nr_parse(&r.shadowing, &k("shadowing"), Shadowing::parse);
        let gnbs = self.gnbs(r, floor);
        let mobility = self.nr_mobility(r);
        let gnb_power = self.nr_aliased(
            (&r.gnb_tx_power_dbm, "gnb_tx_power_dbm"),
            (&r.tx_power_dbm, "tx_power_dbm"),
        );
        let ue_figure = self.nr_aliased(
            (&r.ue_noise_figure_db, "ue_noise_figure_db"),
            (&r.noise_figure_db, "noise_figure_db"),
        );
        let float = |f: &Field<f64>| match f {
            Field::Ok(x) => Some(Some(x.v)),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let cfg = (|| {
            let ul_access = if grant_based?.unwrap_or(false) {
                UlAccess::GrantBased {
                    sr_period: sr_period?.unwrap_or_default(),
                }
            } else {
                UlAccess::ConfiguredGrant
            };
            special?;
            Some(NrConfig {
                scs_khz: scs_khz?.unwrap_or(d.scs_khz),
                symbols: symbols?.unwrap_or(d.symbols),
                duplex: duplex?.unwrap_or_else(|| d.duplex.clone()),
                ul_access,
                capability: capability?.unwrap_or(d.capability),
                harq_max_retx: harq_max_retx?.unwrap_or(d.harq_max_retx),
                bler: float(&r.bler_target)?.unwrap_or(d.bler),
                bler_override: float(&r.bler)?,
                bandwidth_mhz: bandwidth_mhz?.unwrap_or(d.bandwidth_mhz),
                carrier_ghz: float(&r.carrier_ghz)?.unwrap_or(d.carrier_ghz),
                channel: channel?.unwrap_or(d.channel),
                tx_power_dbm: gnb_power?.unwrap_or(d.tx_power_dbm),
                noise_figure_db: ue_figure?.unwrap_or(d.noise_figure_db),
                ue_tx_power_dbm: float(&r.ue_tx_power_dbm)?.unwrap_or(d.ue_tx_power_dbm),
                gnb_noise_figure_db: float(&r.gnb_noise_figure_db)?.unwrap_or(d.gnb_noise_figure_db),
                interference: match &r.interference {
                    Field::Ok(b) => b.v,
                    Field::Missing => d.interference,
                    Field::Invalid => return None,
                },
                interference_margin_db: float(&r.interference_margin_db)?.unwrap_or(d.interference_margin_db),
                scheduler: scheduler?.unwrap_or(d.scheduler),
                shadowing: shadowing?.unwrap_or(d.shadowing),
                handover: mobility?.0,
                rlf: mobility?.1,
            })
        })()?;
        let nr = match Nr::new(cfg) {
            Ok(nr) => Some(nr),
            Err(errors) => {
                for e in errors.0 {
                    let key = nr_written_key(r, e.key);
                    let at = self.nr_key_span(r, key);
                    let message = if at.is_some() {
                        e.message
                    } else {
                        format!("{} (`{key}` is not written: this is its default)", e.message)
                    };
                    self.sink.error(Some(at.unwrap_or(r.key_span)), &k(key), message);
                }
                None
            }
        };
        Some(NrNetwork { nr: nr?, gnbs: gnbs? })
    }

    /// Where an `[network.nr]` key was written, if it was.
    fn nr_key_span(&self, r: &RawNr, key: &str) -> Option<Span> {
        match key {
            "scs_khz" => span_of(&r.scs_khz),
            "symbols" => span_of(&r.symbols),
            "duplex" => span_of(&r.duplex),
            "special_split" => span_of(&r.special_split),
            "ul_access" => span_of(&r.ul_access),
            "sr_period" => span_of(&r.sr_period),
            "capability" => span_of(&r.capability),
            "harq_max_retx" => span_of(&r.harq_max_retx),
            "bler_target" => span_of(&r.bler_target),
            "bler" => span_of(&r.bler),
            "bandwidth_mhz" => span_of(&r.bandwidth_mhz),
            "carrier_ghz" => span_of(&r.carrier_ghz),
            "channel" => span_of(&r.channel),
            "tx_power_dbm" => span_of(&r.tx_power_dbm),
            "noise_figure_db" => span_of(&r.noise_figure_db),
            "gnb_tx_power_dbm" => span_of(&r.gnb_tx_power_dbm),
            "ue_noise_figure_db" => span_of(&r.ue_noise_figure_db),
            "ue_tx_power_dbm" => span_of(&r.ue_tx_power_dbm),
            "gnb_noise_figure_db" => span_of(&r.gnb_noise_figure_db),
            "interference_margin_db" => span_of(&r.interference_margin_db),
            "scheduler" => span_of(&r.scheduler),
            "shadowing" => span_of(&r.shadowing),
            "handover.hysteresis_db" => r.handover.ok().and_then(|h| span_of(&h.v.hysteresis_db)),
            "handover.time_to_trigger" => r.handover.ok().and_then(|h| span_of(&h.v.time_to_trigger)),
            "handover.interruption" => r.handover.ok().and_then(|h| span_of(&h.v.interruption)),
            "rlf.q_out_db" => r.rlf.ok().and_then(|f| span_of(&f.v.q_out_db)),
            "rlf.q_in_db" => r.rlf.ok().and_then(|f| span_of(&f.v.q_in_db)),
            "rlf.t310" => r.rlf.ok().and_then(|f| span_of(&f.v.t310)),
            "rlf.reestablishment" => r.rlf.ok().and_then(|f| span_of(&f.v.reestablishment)),
            _ => None,
        }
    }

    /// `gnb`: required, at least one, inside the layout.
    fn gnbs(&mut self, r: &RawNr, floor: &Floor) -> Option<Vec<(f64, f64)>> {
        let key = "network.nr.gnb";
        let g = match &r.gnb {
            Field::Ok(g) => g,
            Field::Missing => {
                self.sink.error(
                    Some(r.key_span),
                    key,
                    "missing `gnb` (where the gNBs stand, [x, y] in metres on the layout), e.g. gnb = [[20, 10], [60, 10]]",
                );
                return None;
            }
            Field::Invalid => return None,
        };
        if g.v.is_empty() {
            self.sink.error(
                Some(g.span),
                key,
                "gnb must list at least one gNB position, e.g. gnb = [[20, 10]]",
            );
            return None;
        }
        if g.v.len() > MAX_GNBS {
            self.sink.error(
                Some(g.span),
                key,
                format!("at most {MAX_GNBS} gNBs are allowed, found {}", g.v.len()),
            );
            return None;
        }
        let size = match &floor.layout {
            Some(Some(l)) => Some(l.size),
            _ => None,
        };
        let mut ok = true;
        let mut out = Vec::with_capacity(g.v.len());
        for (i, p) in g.v.iter().enumerate() {
            let [x, y] = p.v.each_ref().map(|c| c.v);
            if let Some([w, h]) = size {
                if !((0.0..=w).contains(&x) && (0.0..=h).contains(&y)) {
                    self.sink.error(
                        Some(p.span),
                        &format!("{key}[{}]", i + 1),
                        format!(
                            "gNB at [{x}, {y}] is outside the layout: coordinates go from 0 to the size [{w}, {h}]"
                        ),
                    );
                    ok = false;
                }
            }
            out.push((x, y));
        }
        // Without a layout (reported) or with a broken one, positions cannot
        // be checked, and the network is refused anyway.
        (ok && size.is_some()).then_some(out)
    }

    /// One `[[flow]]`.
    pub(super) fn flow(&mut self, f: &RawFlow, name: Option<String>, scope: &FlowScope<'_>) -> Option<Flow> {
        let k = |x: &str| format!("{}.{x}", f.label);
        let at = f.name.ok().map_or(f.span, |n| n.span);
        let fname = f.name.ok().map_or(f.label.as_str(), |n| n.v.as_str());
        let direction = match &f.direction {
            Field::Ok(d) => match d.v.trim().to_ascii_lowercase().as_str() {
                "ul" => Some(Direction::Ul),
                "dl" => Some(Direction::Dl),
                other => {
                    self.sink.error(
                        Some(d.span),
                        &k("direction"),
                        format!(
                            "direction must be \"ul\" (robot to edge) or \"dl\" (edge to robot), found \"{other}\""
                        ),
                    );
                    None
                }
            },
            Field::Missing => {
                self.sink.error(
                    Some(at),
                    &k("direction"),
                    "missing `direction`: \"ul\" (robot to edge) or \"dl\" (edge to robot), e.g. direction = \"dl\"",
                );
                None
            }
            Field::Invalid => None,
        };
        // Which kind of flow: exactly one of period, trigger, ues/rate.
        let makers: [(Shape, &str, Option<Span>, bool); 4] = [
            (Shape::Periodic, "period", span_of(&f.period), written(&f.period)),
            (
                Shape::Triggered,
                "trigger",
                span_of(&f.trigger),
                written(&f.trigger),
            ),
            (Shape::Background, "ues", span_of(&f.ues), written(&f.ues)),
            (Shape::Background, "rate", span_of(&f.rate), written(&f.rate)),
        ];
        let mut shape: Option<(Shape, &str)> = None;
        let mut mixed = false;
        for (s, key, span, w) in makers {
            if !w {
                continue;
            }
            match shape {
                None => shape = Some((s, key)),
                Some((first, first_key)) if first != s => {
                    mixed = true;
                    self.sink.error(
                        span,
                        &k(key),
                        format!("`{first_key}` and `{key}` do not go together: {SHAPES}; keep one of them"),
                    );
                }
                Some(_) => {}
            }
        }
        let Some((shape, _)) = shape else {
            self.sink.error(
                Some(at),
                &f.label,
                format!(
                    "flow `{fname}` needs `period` (a message every period), `trigger` (a message when something happens: \"dispatch\", \"segment\" or \"cycle_start\") or `rate` (background load, with `ues`)"
                ),
            );
            return None;
        };
        if mixed {
            return None;
        }
        // Keys of the other kinds.
        let foreign: &[(&str, Option<Span>, bool)] = &[
            ("robots", span_of(&f.robots), written(&f.robots)),
            ("size", span_of(&f.size), written(&f.size)),
            ("deadline", span_of(&f.deadline), written(&f.deadline)),
            ("survival", span_of(&f.survival), written(&f.survival)),
            ("on_violation", span_of(&f.on_violation), written(&f.on_violation)),
            ("timeout", span_of(&f.timeout), written(&f.timeout)),
        ];
        let mut clean = true;
        for (key, span, w) in foreign {
            if !w {
                continue;
            }
            let goes_with = match *key {
                "survival" | "on_violation" => Some((Shape::Periodic, "`period` (periodic flows)")),
                "timeout" => Some((Shape::Triggered, "`trigger` (triggered flows)")),
                _ => None,
            };
            let message = match (shape, goes_with) {
                (Shape::Background, _) if *key == "robots" => Some(
                    "background load has no `robots`: it stands for `ues` other devices sharing the cells; remove `robots`, or give the flow a `period` or `trigger` instead of `ues` and `rate`"
                        .to_string(),
                ),
                (Shape::Background, _) => Some(format!(
                    "`{key}` does not apply to background load (`ues`, `rate`), a fluid load without messages; remove it"
                )),
                (s, Some((want, with))) if s != want => Some(format!(
                    "`{key}` goes with {with}; this is {}: remove it",
                    s.describe()
                )),
                _ => None,
            };
            if let Some(m) = message {
                self.sink.error(*span, &k(key), m);
                clean = false;
            }
        }
        if shape == Shape::Background {
            let kind = self.background(f);
            if let Some(model) = scope.model.filter(|m| *m != "nr") {
                let span = span_of(&f.rate).or(span_of(&f.ues));
                self.sink.warning(
                    span,
                    &f.label,
                    format!(
                        "background load matters only with model = \"nr\" (it takes its share of the cells' resource blocks); with model = \"{model}\" it changes nothing"
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
                size_bytes: BACKGROUND_SIZE_BYTES,
                kind: kind?,
            });
        }
        let robots = self.robots(f, scope, at);
        let size = match &f.size {
            Field::Ok(s) => match parse_size(&s.v.value) {
                Ok(b) => Some(b),
                Err(m) => {
                    self.sink.error(Some(s.span), &k("size"), m);
                    None
                }
            },
            Field::Missing => Some(DEFAULT_SIZE_BYTES),
            Field::Invalid => None,
        };
        let kind = match shape {
            Shape::Periodic => self.periodic(f),
            _ => self.triggered(f, robots, scope),
        };
        if let (Some(robots), Some("nr")) = (robots, scope.model) {
            self.positions(f, robots, scope);
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
        })
    }

    /// `robots` of a periodic or triggered flow.
    fn robots(&mut self, f: &RawFlow, scope: &FlowScope<'_>, at: Span) -> Option<FlowRobots> {
        let key = format!("{}.robots", f.label);
        let r = match &f.robots {
            Field::Ok(r) => r,
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
        match r.v.as_str() {
            "agvs" => {
                if scope.has_fleet {
                    Some(FlowRobots::Agvs)
                } else {
                    self.sink.error(
                        Some(r.span),
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
                    .any(|s| s.robot.ok().is_some_and(|b| b.v));
                if !scope.has_fleet && !arms {
                    self.sink.warning(
                        Some(r.span),
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
                        Some(r.span),
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
    fn positions(&mut self, f: &RawFlow, robots: FlowRobots, scope: &FlowScope<'_>) {
        let span = span_of(&f.robots);
        let key = format!("{}.robots", f.label);
        let check = |v: &mut Self, id: StationId| {
            let Some(s) = scope.stations_raw.get(id) else {
                return;
            };
            if matches!(s.at, Field::Missing) {
                let sname = s.name.ok().map_or(s.label.as_str(), |n| n.v.as_str());
                v.sink.error(
                    span,
                    &key,
                    format!(
                        "with model = \"nr\" a flow's robots need a position: station `{sname}` has no `at`; give it at = \"POINT\" (its SINR depends on where it stands)"
                    ),
                );
            }
        };
        match robots {
            FlowRobots::Station(id) => check(self, id),
            FlowRobots::All => {
                for (id, s) in scope.stations_raw.iter().enumerate() {
                    if s.robot.ok().is_some_and(|b| b.v) {
                        check(self, id);
                    }
                }
            }
            FlowRobots::Agvs => {}
        }
    }

    /// A duration above 0.
    fn positive_duration(&mut self, s: &Sp<Str>, key: &str) -> Option<SimTime> {
        let t = self.duration(s, key)?;
        if t == SimTime::ZERO {
            let field = key.rsplit('.').next().unwrap_or(key);
            self.sink.error(
                Some(s.span),
                key,
                format!("{field} must be longer than 0, found \"{}\"", s.v.value),
            );
            return None;
        }
        Some(t)
    }

    fn periodic(&mut self, f: &RawFlow) -> Option<FlowKind> {
        let k = |x: &str| format!("{}.{x}", f.label);
        let period = match &f.period {
            Field::Ok(p) => self.positive_duration(p, &k("period")),
            _ => None,
        };
        let deadline = match &f.deadline {
            Field::Ok(d) => self.positive_duration(d, &k("deadline")),
            Field::Missing => period,
            Field::Invalid => None,
        };
        let survival_periods = match &f.survival {
            Field::Ok(s) => match &s.v {
                RawSurvival::Periods(n) => {
                    let n = Field::Ok(Sp { v: *n, span: s.span });
                    self.int_or(&n, &k("survival"), 0u32, 0, MAX_SURVIVAL_PERIODS)
                }
                RawSurvival::Duration(text) => {
                    let t = self.duration(
                        &Sp {
                            v: text.clone(),
                            span: s.span,
                        },
                        &k("survival"),
                    );
                    match (t, period) {
                        (Some(t), Some(p)) => {
                            let n = t.as_nanos() / p.as_nanos().max(1);
                            match u32::try_from(n)
                                .ok()
                                .filter(|n| i64::from(*n) <= MAX_SURVIVAL_PERIODS)
                            {
                                Some(n) => Some(n),
                                None => {
                                    self.sink.error(
                                        Some(s.span),
                                        &k("survival"),
                                        format!(
                                            "survival \"{}\" is {n} periods; at most {MAX_SURVIVAL_PERIODS} are allowed",
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
        let stop = match &f.on_violation {
            Field::Ok(s) => self.stop(s, &k("on_violation")),
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
    fn stop(&mut self, s: &Sp<Str>, key: &str) -> Option<SimTime> {
        let text = s.v.value.as_str();
        let malformed = |v: &mut Self| {
            v.sink.error(
                Some(s.span),
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
                let span = match s.v.content {
                    Some(c) => {
                        let start = c + lead + "stop".len() + open_at + 1 + inner_lead;
                        Span::new(start, start + inner.trim().len())
                    }
                    None => s.span,
                };
                self.sink.error(Some(span), key, format!("stop(DURATION): {e}"));
                None
            }
        }
    }

    fn triggered(
        &mut self,
        f: &RawFlow,
        robots: Option<FlowRobots>,
        scope: &FlowScope<'_>,
    ) -> Option<FlowKind> {
        let k = |x: &str| format!("{}.{x}", f.label);
        let trigger = match &f.trigger {
            Field::Ok(t) => match t.v.trim() {
                "dispatch" => Some(Trigger::Dispatch),
                "segment" => Some(Trigger::Segment),
                "cycle_start" => Some(Trigger::CycleStart),
                other => {
                    self.sink.error(
                        Some(t.span),
                        &k("trigger"),
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
        let robots_span = span_of(&f.robots);
        let trigger_span = span_of(&f.trigger);
        let mut ok = true;
        match (trigger, robots) {
            (Some(t @ (Trigger::Dispatch | Trigger::Segment)), Some(r)) => {
                let word = if t == Trigger::Dispatch {
                    "dispatch"
                } else {
                    "segment"
                };
                if let FlowRobots::Station(i) = r {
                    let sname = scope.stations.name_of(i).unwrap_or("?");
                    self.sink.error(
                        robots_span,
                        &k("robots"),
                        format!(
                            "trigger = \"{word}\" is a message to or from an AGV: robots must be \"agvs\" or \"all\", found station `{sname}`"
                        ),
                    );
                    ok = false;
                } else if !scope.has_fleet {
                    // robots = "agvs" without a fleet is reported already.
                    if r == FlowRobots::All {
                        self.sink.error(
                            trigger_span,
                            &k("trigger"),
                            format!(
                                "trigger = \"{word}\" is a message to or from an AGV and needs a [fleet]"
                            ),
                        );
                    }
                    ok = false;
                } else if t == Trigger::Segment && scope.zone_control == Some(false) {
                    self.sink.warning(
                        trigger_span,
                        &k("trigger"),
                        "trigger = \"segment\" fires only under zone control, and fleet.zone_control is off: this flow never sends a message; set fleet.zone_control = true",
                    );
                }
            }
            (Some(Trigger::CycleStart), Some(FlowRobots::Agvs)) => {
                self.sink.error(
                    robots_span,
                    &k("robots"),
                    "trigger = \"cycle_start\" is the command to a station's arm to start a cycle: robots must be a station name or \"all\", found \"agvs\"",
                );
                ok = false;
            }
            _ => {}
        }
        let deadline = match &f.deadline {
            Field::Ok(d) => self.positive_duration(d, &k("deadline")).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        let timeout = match &f.timeout {
            Field::Ok(t) => self.positive_duration(t, &k("timeout")),
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

    fn background(&mut self, f: &RawFlow) -> Option<FlowKind> {
        let k = |x: &str| format!("{}.{x}", f.label);
        let ues = self.int_or(&f.ues, &k("ues"), 1u32, 1, MAX_UES);
        let rate = match &f.rate {
            Field::Ok(r) => match parse_rate(&r.v.value) {
                Ok(x) => Some(x),
                Err(m) => {
                    self.sink.error(Some(r.span), &k("rate"), m);
                    None
                }
            },
            Field::Missing => {
                let at = span_of(&f.ues).unwrap_or(f.span);
                self.sink.error(
                    Some(at),
                    &k("rate"),
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
}

/// A number followed by one of `units`, in the base unit. `what` names the
/// quantity in messages ("sizes"), `example` is a valid value.
fn parse_quantity(text: &str, units: &[(&str, f64)], what: &str, example: &str) -> Result<f64, String> {
    let t = text.trim();
    let names: Vec<&str> = units.iter().map(|(u, _)| *u).collect();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-')))
        .unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let unit = unit.trim();
    let value = match n.parse::<f64>() {
        Ok(x) if x.is_finite() => x,
        _ => {
            return Err(format!(
                "`{t}` is not a number followed by a unit (e.g. \"{example}\")"
            ))
        }
    };
    if unit.is_empty() {
        return Err(format!(
            "`{t}` has no unit; {what} need one of {} (e.g. \"{t}{}\")",
            list(&names),
            names.first().copied().unwrap_or("")
        ));
    }
    match units.iter().find(|(u, _)| *u == unit) {
        Some((_, scale)) => Ok(value * scale),
        None => Err(format!(
            "unknown unit `{unit}` in `{t}`; allowed units: {}{}",
            list(&names),
            did_you_mean(unit, names.iter().copied())
        )),
    }
}

/// Parses `"100B"`, `"1.5kB"` (1000 bytes), `"2KiB"` (1024), `"1MB"`,
/// `"1MiB"` into whole bytes, above 0 and at most 10 MB.
pub(crate) fn parse_size(text: &str) -> Result<u32, String> {
    let t = text.trim();
    let bytes = parse_quantity(t, SIZE_UNITS, "sizes", "100B")?;
    if bytes <= 0.0 {
        return Err(format!("size must be above 0, found \"{t}\""));
    }
    if bytes > MAX_SIZE_BYTES {
        return Err(format!(
            "size must be at most 10MB ({MAX_SIZE_BYTES} bytes), found \"{t}\""
        ));
    }
    let whole = bytes.round();
    if (bytes - whole).abs() > 1e-6 {
        return Err(format!(
            "`{t}` is {bytes} bytes; a size must be a whole number of bytes"
        ));
    }
    // At most 1e7: fits.
    Ok(whole as u32)
}

/// Parses `"20Mbps"`, `"500kbps"`, `"1Gbps"` (or `"20Mbit/s"`) into bit/s,
/// above 0 and at most 100 Gbit/s.
pub(crate) fn parse_rate(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bps = parse_quantity(t, RATE_UNITS, "rates", "20Mbps").map_err(|m| {
        if t.ends_with("Bps") || t.ends_with("B/s") {
            format!("{m} (rates are in bits per second: bps, kbps, Mbps, Gbps)")
        } else {
            m
        }
    })?;
    if bps <= 0.0 {
        return Err(format!("rate must be above 0, found \"{t}\""));
    }
    if bps > MAX_RATE_BPS {
        return Err(format!("rate must be at most 100Gbps, found \"{t}\""));
    }
    Ok(bps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_bytes() {
        assert_eq!(parse_size("100B"), Ok(100));
        assert_eq!(parse_size(" 1.5kB "), Ok(1500));
        assert_eq!(parse_size("2KiB"), Ok(2048));
        assert_eq!(parse_size("1.1kB"), Ok(1100));
        assert_eq!(parse_size("10MB"), Ok(10_000_000));
        assert_eq!(parse_size("1MiB"), Ok(1_048_576));
        let e = |t: &str| parse_size(t).unwrap_err();
        assert_eq!(
            e("100"),
            "`100` has no unit; sizes need one of B, kB, KiB, MB, MiB (e.g. \"100B\")"
        );
        assert_eq!(
            e("2kb"),
            "unknown unit `kb` in `2kb`; allowed units: B, kB, KiB, MB, MiB; did you mean `kB`?"
        );
        assert_eq!(e("0B"), "size must be above 0, found \"0B\"");
        assert_eq!(e("-1B"), "size must be above 0, found \"-1B\"");
        assert!(e("11MB").starts_with("size must be at most 10MB"));
        assert!(e("0.5B").contains("whole number of bytes"));
        assert!(e("kB").contains("not a number"));
        assert!(e("").contains("not a number"));
        assert!(e("NaNB").contains("not a number"));
    }

    #[test]
    fn rates_in_bits_per_second() {
        assert_eq!(parse_rate("20Mbps"), Ok(20e6));
        assert_eq!(parse_rate("500kbps"), Ok(500e3));
        assert_eq!(parse_rate("1Gbps"), Ok(1e9));
        assert_eq!(parse_rate("2.5 Mbit/s"), Ok(2.5e6));
        assert_eq!(parse_rate("64bps"), Ok(64.0));
        let e = |t: &str| parse_rate(t).unwrap_err();
        assert_eq!(
            e("20MBps"),
            "unknown unit `MBps` in `20MBps`; allowed units: bps, kbps, Mbps, Gbps, bit/s, kbit/s, Mbit/s, Gbit/s; did you mean `Mbps`? (rates are in bits per second: bps, kbps, Mbps, Gbps)"
        );
        assert!(e("20").starts_with("`20` has no unit; rates need one of bps"));
        assert!(e("20 parsecs").starts_with("unknown unit `parsecs`"));
        assert_eq!(e("0Mbps"), "rate must be above 0, found \"0Mbps\"");
        assert!(e("200Gbps").starts_with("rate must be at most 100Gbps"));
    }
}
