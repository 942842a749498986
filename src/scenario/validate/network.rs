//! `[network]`: the link model and its sub-table (`fixed`, `empirical`,
//! `nr`), core and edge delays; turned into the model's [`Network`].
//!
//! The NR radio's own rules (which SCS goes with which capability, bandwidth
//! and carrier; which TDD pattern offers which transmission) live in
//! [`crate::net::Nr::new`]: its messages are reported here at the key they
//! concern, those of `handover` and `rlf` too (a key of theirs left out
//! takes its own default). `tx_power_dbm` and `noise_figure_db` are the
//! first names of `gnb_tx_power_dbm` and `ue_noise_figure_db`: either name
//! may be written, not both. Sub-tables of models other than the chosen
//! one are a warning, not an error, so that `--set network.model=fixed`
//! works on a file written for `nr`.

use super::layout::{inside, Floor};
use super::{last, Validator};
use crate::engine::{DurationError, SimTime};
use crate::model::{BadState, Dist, LinkModel, Network, NrNetwork};
use crate::net::{
    Duplex, HandoverConfig, InfScenario, Nr, NrConfig, RlfConfig, Scheduler, Shadowing, SlotKind,
    SpecialSplit, SrPeriod, UlAccess,
};
use crate::scenario::diag::{did_you_mean, Span};
use crate::scenario::raw::{
    Field, RawBadState, RawEmpirical, RawFixed, RawHandover, RawNetwork, RawNr, RawRlf, RawStackDelay, Sp,
    TextOrInt,
};
use crate::scenario::tree::Str;

/// The link models, as `model` names them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum LinkKind {
    Ideal,
    Fixed,
    Empirical,
    Nr,
}

impl LinkKind {
    const ALL: [LinkKind; 4] = [
        LinkKind::Ideal,
        LinkKind::Fixed,
        LinkKind::Empirical,
        LinkKind::Nr,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LinkKind::Ideal => "ideal",
            LinkKind::Fixed => "fixed",
            LinkKind::Empirical => "empirical",
            LinkKind::Nr => "nr",
        }
    }
}

pub(crate) const UL_ACCESS: &[&str] = &["configured_grant", "grant_based"];
/// Most gNBs in `[network.nr]`.
pub(crate) const MAX_GNBS: usize = 1000;

pub(super) fn written<T>(field: &Field<T>) -> bool {
    !matches!(field, Field::Missing)
}

/// The span of a written field (valid or not).
pub(super) fn span_of<T>(field: &Field<T>) -> Option<Span> {
    field.ok().map(|x| x.span)
}

/// A value that may be left out: `Some(None)` when not written, `None` when
/// written with the wrong shape (already reported).
fn optional<T: Copy>(field: &Field<T>) -> Option<Option<T>> {
    match field {
        Field::Ok(x) => Some(Some(x.v)),
        Field::Missing => Some(None),
        Field::Invalid => None,
    }
}

/// The `[network.nr]` key a configuration error of `NrConfig`'s field
/// `field` is about: `bler` is `bler_target`, `bler_override` is `bler`;
/// the gNB's power and the UE's noise figure are under the name that was
/// written (the new one when neither was).
fn nr_written_key(raw: &RawNr, field: &'static str) -> &'static str {
    match field {
        "bler" => "bler_target",
        "bler_override" => "bler",
        "tx_power_dbm" if span_of(&raw.tx_power_dbm).is_none() => "gnb_tx_power_dbm",
        "noise_figure_db" if span_of(&raw.noise_figure_db).is_none() => "ue_noise_figure_db",
        other => other,
    }
}

impl Validator<'_, '_> {
    /// `[network]`: the network, or `None` after an error; and the chosen
    /// model when known (also after an error in its settings).
    pub(super) fn network(
        &mut self,
        field: &Field<RawNetwork>,
        floor: &Floor,
    ) -> (Option<Network>, Option<LinkKind>) {
        let network = match field {
            Field::Ok(network) => &network.v,
            Field::Missing => return (Some(Network::default()), Some(LinkKind::Ideal)),
            Field::Invalid => return (None, None),
        };
        let core = self.optional_dist(&network.core, "network.core");
        let edge_processing = self.optional_dist(&network.edge_processing, "network.edge_processing");
        // The sub-tables: the model each is for, whether it was written,
        // and where.
        let tables: [(LinkKind, bool, Option<Span>); 3] = [
            (
                LinkKind::Fixed,
                written(&network.fixed),
                network.fixed.ok().map(|t| t.v.key_span),
            ),
            (
                LinkKind::Empirical,
                written(&network.empirical),
                network.empirical.ok().map(|t| t.v.key_span),
            ),
            (
                LinkKind::Nr,
                written(&network.nr),
                network.nr.ok().map(|t| t.v.key_span),
            ),
        ];
        let model: Option<(LinkKind, Span)> = match &network.model {
            Field::Ok(name) => match LinkKind::ALL.iter().find(|kind| kind.name() == name.v.trim()) {
                Some(kind) => Some((*kind, name.span)),
                None => {
                    self.sink.error(
                        Some(name.span),
                        "network.model",
                        format!(
                            "model must be \"ideal\", \"fixed\", \"empirical\" or \"nr\", found \"{}\"{}",
                            name.v,
                            did_you_mean(name.v.trim(), LinkKind::ALL.iter().map(|kind| kind.name()))
                        ),
                    );
                    None
                }
            },
            Field::Missing => {
                let present: Vec<&str> = tables
                    .iter()
                    .filter(|table| table.1)
                    .map(|table| table.0.name())
                    .collect();
                let hint = match present.as_slice() {
                    [one] => format!("; the [network.{one}] table suggests model = \"{one}\""),
                    _ => String::new(),
                };
                self.sink.error(
                    Some(network.key_span),
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
        let chosen = model.name();
        for (kind, _, key_span) in tables {
            if kind != model {
                if let Some(at) = key_span {
                    let name = kind.name();
                    self.sink.warning(
                        Some(at),
                        &format!("network.{name}"),
                        format!(
                            "[network.{name}] is not used with model = \"{chosen}\"; it is ignored (set model = \"{name}\" to use it)"
                        ),
                    );
                }
            }
        }
        let needs = |validator: &mut Self, example: &str| {
            validator.sink.error(
                Some(model_span),
                &format!("network.{chosen}"),
                format!(
                    "model = \"{chosen}\" needs a [network.{chosen}] table, e.g. [network.{chosen}] {example}"
                ),
            );
            None
        };
        let link = match model {
            LinkKind::Ideal => Some(LinkModel::Ideal),
            LinkKind::Fixed => match &network.fixed {
                Field::Ok(table) => self.fixed(&table.v),
                Field::Missing => needs(self, "latency = \"5ms\""),
                Field::Invalid => None,
            },
            LinkKind::Empirical => match &network.empirical {
                Field::Ok(table) => self.empirical(&table.v),
                Field::Missing => needs(self, "ul = \"exp(6ms)\" dl = \"exp(5ms)\""),
                Field::Invalid => None,
            },
            LinkKind::Nr => {
                if !floor.written {
                    self.sink.error(
                        Some(model_span),
                        "network.model",
                        "model = \"nr\" needs a [layout]: each robot's SINR depends on its distance to the gNBs; add [layout] with size and points, and place the gNBs in it with gnb = [[x, y], ...]",
                    );
                }
                match &network.nr {
                    Field::Ok(table) => self.nr(&table.v, floor).map(LinkModel::Nr),
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
    fn probability(&mut self, field: &Field<f64>, key: &str, default: f64) -> Option<f64> {
        match field {
            Field::Ok(p) if p.v.is_finite() && (0.0..=1.0).contains(&p.v) => Some(p.v),
            Field::Ok(p) => {
                self.sink.error(
                    Some(p.span),
                    key,
                    format!(
                        "{} must be a probability from 0 to 1 (e.g. 0.001), found {}",
                        last(key),
                        p.v
                    ),
                );
                None
            }
            Field::Missing => Some(default),
            Field::Invalid => None,
        }
    }

    fn fixed(&mut self, fixed: &RawFixed) -> Option<LinkModel> {
        let latency = match &fixed.latency {
            Field::Ok(text) => self.duration(text, "network.fixed.latency"),
            Field::Missing => self.missing(
                fixed.key_span,
                "network.fixed.latency",
                "missing `latency` (the one-way delay of every message), e.g. latency = \"5ms\"",
            ),
            Field::Invalid => None,
        };
        let loss = self.probability(&fixed.loss, "network.fixed.loss", 0.0);
        Some(LinkModel::Fixed {
            latency: latency?,
            loss: loss?,
        })
    }

    fn empirical(&mut self, empirical: &RawEmpirical) -> Option<LinkModel> {
        let table = empirical.key_span;
        let ul = self.required_dist(&empirical.ul, "network.empirical.ul", table, "exp(6ms)");
        let dl = self.required_dist(&empirical.dl, "network.empirical.dl", table, "exp(5ms)");
        self.warn_implausible_latency(&empirical.ul, "network.empirical.ul", ul.as_ref());
        self.warn_implausible_latency(&empirical.dl, "network.empirical.dl", dl.as_ref());
        let bad_state = match &empirical.bad_state {
            Field::Ok(bad) => self.bad_state(&bad.v, bad.span).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        };
        Some(LinkModel::Empirical {
            ul: ul?,
            dl: dl?,
            bad_state: bad_state?,
        })
    }

    /// Warns when a one-way network latency has a mean over 1 s or under
    /// 1 µs: measured samples in another unit than the file says (a column
    /// of milliseconds written as seconds) look like that.
    fn warn_implausible_latency(&mut self, field: &Field<Str>, key: &str, dist: Option<&Dist>) {
        let (Field::Ok(text), Some(dist)) = (field, dist) else {
            return;
        };
        let mean = SimTime::from_nanos(dist.mean_ns().round() as u64);
        let why = if dist.mean_ns() > 1e9 {
            "over a second, implausible for a one-way network latency"
        } else if dist.mean_ns() < 1e3 {
            "under a microsecond, faster than any radio link"
        } else {
            return;
        };
        self.sink.warning(
            Some(text.span),
            key,
            format!(
                "mean latency {mean}: {why}; are the samples in another unit? Write each with its unit \
                 (`12.5ms`) or name the unit in the file's header (`latency_ms`)"
            ),
        );
    }

    fn bad_state(&mut self, bad: &RawBadState, table: Span) -> Option<BadState> {
        let path = "network.empirical.bad_state";
        let mean_above_zero =
            |validator: &mut Self, field: &Field<Str>, name: &str, why: &str, example: &str| {
                let key = format!("{path}.{name}");
                match field {
                    Field::Ok(text) => validator.positive_dist(text, &key, why),
                    _ => validator.required_dist(field, &key, table, example),
                }
            };
        let enter = mean_above_zero(
            self,
            &bad.enter,
            "enter",
            "the time in the good state before a bad period",
            "exp(10min)",
        );
        let leave = mean_above_zero(self, &bad.leave, "leave", "the length of a bad period", "exp(2s)");
        let latency = self.required_dist(&bad.latency, &format!("{path}.latency"), table, "exp(50ms)");
        let loss = self.probability(&bad.loss, &format!("{path}.loss"), 0.0);
        Some(BadState {
            enter: enter?,
            leave: leave?,
            latency: latency?,
            loss: loss?,
        })
    }

    /// A whole number of an NR setting; `allowed` says what is, for values
    /// that do not fit the setting's type at all.
    fn nr_int<T: TryFrom<i64>>(&mut self, field: &Field<i64>, key: &str, allowed: &str) -> Option<Option<T>> {
        match field {
            Field::Ok(x) => match T::try_from(x.v) {
                Ok(t) => Some(Some(t)),
                Err(_) => {
                    self.sink.error(
                        Some(x.span),
                        key,
                        format!("{} must be {allowed}, found {}", last(key), x.v),
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
        field: &Field<String>,
        key: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match field {
            Field::Ok(text) => self.parsed(&text.v, text.span, key, parse).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    /// A number that has two names (`main`, and the older `alias`): either
    /// may be written, not both.
    fn nr_aliased(&mut self, main: (&Field<f64>, &str), alias: (&Field<f64>, &str)) -> Option<Option<f64>> {
        match (main.0, alias.0) {
            (Field::Invalid, _) | (_, Field::Invalid) => None,
            (Field::Ok(_), Field::Ok(written_alias)) => {
                self.sink.error(
                    Some(written_alias.span),
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
    fn optional_duration(&mut self, field: &Field<Str>, key: &str) -> Option<Option<SimTime>> {
        match field {
            Field::Ok(text) => self.duration(text, key).map(Some),
            Field::Missing => Some(None),
            Field::Invalid => None,
        }
    }

    /// `handover`, each key defaulting to its own default. (Its values are
    /// checked with the rest of the radio, by `Nr::new`.)
    fn handover(&mut self, field: &Field<RawHandover>) -> Option<HandoverConfig> {
        let defaults = HandoverConfig::default();
        let handover = match field {
            Field::Ok(handover) => &handover.v,
            Field::Missing => return Some(defaults),
            Field::Invalid => return None,
        };
        let time_to_trigger =
            self.optional_duration(&handover.time_to_trigger, "network.nr.handover.time_to_trigger");
        let interruption = self.optional_duration(&handover.interruption, "network.nr.handover.interruption");
        Some(HandoverConfig {
            hysteresis_db: optional(&handover.hysteresis_db)?.unwrap_or(defaults.hysteresis_db),
            time_to_trigger: time_to_trigger?.unwrap_or(defaults.time_to_trigger),
            interruption: interruption?.unwrap_or(defaults.interruption),
        })
    }

    /// `rlf`, each key defaulting to its own default. (Its values are
    /// checked with the rest of the radio, by `Nr::new`.)
    fn rlf(&mut self, field: &Field<RawRlf>) -> Option<RlfConfig> {
        let defaults = RlfConfig::default();
        let rlf = match field {
            Field::Ok(rlf) => &rlf.v,
            Field::Missing => return Some(defaults),
            Field::Invalid => return None,
        };
        let t310 = self.optional_duration(&rlf.t310, "network.nr.rlf.t310");
        let reestablishment = self.optional_duration(&rlf.reestablishment, "network.nr.rlf.reestablishment");
        let q_out_db = optional(&rlf.q_out_db)?.unwrap_or(defaults.q_out_db);
        Some(RlfConfig {
            q_out_db,
            // Q_in keeps its distance above Q_out unless written.
            q_in_db: optional(&rlf.q_in_db)?.unwrap_or(q_out_db + (defaults.q_in_db - defaults.q_out_db)),
            t310: t310?.unwrap_or(defaults.t310),
            reestablishment: reestablishment?.unwrap_or(defaults.reestablishment),
        })
    }

    fn nr(&mut self, raw: &RawNr, floor: &Floor) -> Option<NrNetwork> {
        let key_of = |name: &str| format!("network.nr.{name}");
        let defaults = NrConfig::default();
        let scs_khz = self.nr_int::<u32>(&raw.scs_khz, &key_of("scs_khz"), "15, 30, 60 or 120 (kHz)");
        let symbols = self.nr_int::<u32>(
            &raw.symbols,
            &key_of("symbols"),
            "14 (a slot) or a mini-slot of 7, 4 or 2",
        );
        let capability = self.nr_int::<u8>(&raw.capability, &key_of("capability"), "1 or 2");
        let harq_max_retx = self.nr_int::<u32>(
            &raw.harq_max_retx,
            &key_of("harq_max_retx"),
            "a whole number of retransmissions from 0 to 32",
        );
        let coreset_symbols =
            self.nr_int::<u8>(&raw.coreset_symbols, &key_of("coreset_symbols"), "1, 2 or 3");
        let discard_timer = self.discard_timer(&raw.discard_timer, &key_of("discard_timer"));
        let bandwidth_mhz = self.nr_int::<u32>(
            &raw.bandwidth_mhz,
            &key_of("bandwidth_mhz"),
            "a channel bandwidth in MHz, e.g. 100",
        );
        let fdd = Duplex::Fdd;
        let special = self.nr_parse(&raw.special_split, &key_of("special_split"), SpecialSplit::parse);
        let split = special.flatten().unwrap_or_default();
        let duplex = self.nr_parse(&raw.duplex, &key_of("duplex"), |t| Duplex::parse(t, split));
        if let (Some(written_split), Some(duplex)) = (
            raw.special_split.ok(),
            duplex.as_ref().map(|d| d.as_ref().unwrap_or(&fdd)),
        ) {
            let has_special = match duplex {
                Duplex::Fdd => false,
                Duplex::Tdd { pattern, .. } => pattern.contains(&SlotKind::Special),
            };
            if !has_special {
                self.sink.warning(
                    Some(written_split.span),
                    &key_of("special_split"),
                    format!(
                        "special_split is used only by a TDD pattern with an S slot, and duplex = \"{}\" has none; it is ignored",
                        duplex.pattern_name()
                    ),
                );
            }
        }
        let grant_based = self.nr_parse(&raw.ul_access, &key_of("ul_access"), |t| match t.trim() {
            "configured_grant" => Ok(false),
            "grant_based" => Ok(true),
            other => Err(format!(
                "ul_access must be \"configured_grant\" or \"grant_based\", found \"{other}\"{}",
                did_you_mean(other, UL_ACCESS.iter().copied())
            )),
        });
        let sr_period = self.sr_period(&raw.sr_period, &key_of("sr_period"));
        if let (Some(period), Some(Some(false) | None)) = (raw.sr_period.ok(), grant_based) {
            self.sink.warning(
                Some(period.span),
                &key_of("sr_period"),
                "sr_period is used only with ul_access = \"grant_based\"; with a configured grant the UE sends without a scheduling request, so it is ignored",
            );
        }
        let channel = self.nr_parse(&raw.channel, &key_of("channel"), InfScenario::parse);
        let scheduler = self.nr_parse(&raw.scheduler, &key_of("scheduler"), Scheduler::parse);
        let shadowing = self.nr_parse(&raw.shadowing, &key_of("shadowing"), Shadowing::parse);
        let gnbs = self.gnbs(raw, floor);
        let handover = self.handover(&raw.handover);
        let rlf = self.rlf(&raw.rlf);
        let stack = self.stack_delay(&raw.stack_delay);
        let gnb_power = self.nr_aliased(
            (&raw.gnb_tx_power_dbm, "gnb_tx_power_dbm"),
            (&raw.tx_power_dbm, "tx_power_dbm"),
        );
        let ue_figure = self.nr_aliased(
            (&raw.ue_noise_figure_db, "ue_noise_figure_db"),
            (&raw.noise_figure_db, "noise_figure_db"),
        );
        let config = (|| {
            let ul_access = if grant_based?.unwrap_or(false) {
                UlAccess::GrantBased {
                    sr_period: sr_period?.unwrap_or_default(),
                }
            } else {
                UlAccess::ConfiguredGrant
            };
            special?;
            Some(NrConfig {
                scs_khz: scs_khz?.unwrap_or(defaults.scs_khz),
                symbols: symbols?.unwrap_or(defaults.symbols),
                duplex: duplex?.unwrap_or_else(|| defaults.duplex.clone()),
                ul_access,
                capability: capability?.unwrap_or(defaults.capability),
                harq_max_retx: harq_max_retx?.unwrap_or(defaults.harq_max_retx),
                coreset_symbols: coreset_symbols?.unwrap_or(defaults.coreset_symbols),
                discard_timer: discard_timer?.unwrap_or(defaults.discard_timer),
                bler: optional(&raw.bler_target)?.unwrap_or(defaults.bler),
                bler_override: optional(&raw.bler)?,
                bandwidth_mhz: bandwidth_mhz?.unwrap_or(defaults.bandwidth_mhz),
                carrier_ghz: optional(&raw.carrier_ghz)?.unwrap_or(defaults.carrier_ghz),
                channel: channel?.unwrap_or(defaults.channel),
                tx_power_dbm: gnb_power?.unwrap_or(defaults.tx_power_dbm),
                noise_figure_db: ue_figure?.unwrap_or(defaults.noise_figure_db),
                ue_tx_power_dbm: optional(&raw.ue_tx_power_dbm)?.unwrap_or(defaults.ue_tx_power_dbm),
                gnb_noise_figure_db: optional(&raw.gnb_noise_figure_db)?
                    .unwrap_or(defaults.gnb_noise_figure_db),
                interference: optional(&raw.interference)?.unwrap_or(defaults.interference),
                interference_margin_db: optional(&raw.interference_margin_db)?
                    .unwrap_or(defaults.interference_margin_db),
                scheduler: scheduler?.unwrap_or(defaults.scheduler),
                shadowing: shadowing?.unwrap_or(defaults.shadowing),
                handover: handover?,
                rlf: rlf?,
            })
        })()?;
        let nr = match Nr::new(config) {
            Ok(nr) => Some(nr),
            Err(errors) => {
                for e in errors.0 {
                    let key = nr_written_key(raw, e.key);
                    let at = raw.written_at(key);
                    let message = if at.is_some() {
                        e.message
                    } else {
                        format!("{} (`{key}` is not written: this is its default)", e.message)
                    };
                    self.sink
                        .error(Some(at.unwrap_or(raw.key_span)), &key_of(key), message);
                }
                None
            }
        };
        let (stack_ue, stack_gnb) = stack?;
        Some(NrNetwork {
            nr: nr?,
            gnbs: gnbs?,
            laws: Default::default(),
            stack_ue,
            stack_gnb,
        })
    }

    /// `stack_delay = { ue, gnb }`, each side absent (no delay) unless
    /// written.
    fn stack_delay(&mut self, field: &Field<RawStackDelay>) -> Option<(Option<Dist>, Option<Dist>)> {
        let stack = match field {
            Field::Ok(stack) => &stack.v,
            Field::Missing => return Some((None, None)),
            Field::Invalid => return None,
        };
        let ue = self.optional_dist(&stack.ue, "network.nr.stack_delay.ue");
        let gnb = self.optional_dist(&stack.gnb, "network.nr.stack_delay.gnb");
        Some((ue?, gnb?))
    }

    /// `sr_period`: a string (`"1ms"`, `"4slots"`, `"2sym"`) or a whole
    /// number of slots.
    fn sr_period(&mut self, field: &Field<TextOrInt>, key: &str) -> Option<Option<SrPeriod>> {
        let period = match field {
            Field::Ok(period) => period,
            Field::Missing => return Some(None),
            Field::Invalid => return None,
        };
        let parsed = match &period.v {
            TextOrInt::Text(text) => SrPeriod::parse(&text.value),
            TextOrInt::Int(slots) => u32::try_from(*slots)
                .ok()
                .filter(|slots| *slots > 0)
                .map(SrPeriod::Slots)
                .ok_or_else(|| format!("sr_period must be a number of slots of at least 1, found {slots}")),
        };
        match parsed {
            Ok(period) => Some(Some(period)),
            Err(message) => {
                self.sink.error(Some(period.span), key, message);
                None
            }
        }
    }

    /// `discard_timer`: a duration string (`"100ms"`) or `"infinity"`
    /// (no discard). `Some(None)` when not written, `Some(Some(timer))`
    /// when written (`timer` is `None` for infinity), `None` after an
    /// error. A duration of 0 passes, for `Nr::new` to refuse at the key.
    fn discard_timer(&mut self, field: &Field<TextOrInt>, key: &str) -> Option<Option<Option<SimTime>>> {
        let timer = match field {
            Field::Ok(timer) => timer,
            Field::Missing => return Some(None),
            Field::Invalid => return None,
        };
        let forms = "write e.g. \"100ms\", or \"infinity\"";
        let message = match &timer.v {
            TextOrInt::Int(i) => format!(
                "{} must be a duration string like \"100ms\", or \"infinity\", found integer {i}; durations need a unit in a string, e.g. \"{i}ms\"",
                last(key)
            ),
            TextOrInt::Text(text) => {
                let t = text.value.trim();
                if t == "infinity" {
                    return Some(Some(None));
                }
                match SimTime::parse_duration(t) {
                    Ok(d) => return Some(Some(Some(d))),
                    Err(DurationError::MissingUnit(_)) => {
                        format!("\"{t}\" has no unit; write e.g. \"{t}ms\", or \"infinity\"")
                    }
                    Err(DurationError::UnknownUnit { unit, .. }) => format!(
                        "\"{t}\" has an unknown unit `{unit}` (allowed: ns, us, ms, s, min, h, d); {forms}"
                    ),
                    Err(DurationError::Negative(_)) => {
                        format!("\"{t}\" is negative; the discard timer must be above 0: {forms}")
                    }
                    Err(DurationError::TooLarge(_)) => format!(
                        "\"{t}\" is longer than the 100-year limit; for a timer that never discards, write \"infinity\""
                    ),
                    Err(DurationError::BadNumber(_) | DurationError::Empty) => format!(
                        "\"{t}\" is not a duration; {forms}{}",
                        did_you_mean(t, ["infinity"])
                    ),
                }
            }
        };
        self.sink.error(Some(timer.span), key, message);
        None
    }

    /// `gnb`: required, at least one, inside the layout.
    fn gnbs(&mut self, raw: &RawNr, floor: &Floor) -> Option<Vec<(f64, f64)>> {
        let key = "network.nr.gnb";
        let gnbs: &Sp<Vec<Sp<[Sp<f64>; 2]>>> = match &raw.gnb {
            Field::Ok(gnbs) => gnbs,
            Field::Missing => {
                return self.missing(
                    raw.key_span,
                    key,
                    "missing `gnb` (where the gNBs stand, [x, y] in metres on the layout), e.g. gnb = [[20, 10], [60, 10]]",
                );
            }
            Field::Invalid => return None,
        };
        if gnbs.v.is_empty() {
            self.sink.error(
                Some(gnbs.span),
                key,
                "gnb must list at least one gNB position, e.g. gnb = [[20, 10]]",
            );
            return None;
        }
        if gnbs.v.len() > MAX_GNBS {
            self.sink.error(
                Some(gnbs.span),
                key,
                format!("at most {MAX_GNBS} gNBs are allowed, found {}", gnbs.v.len()),
            );
            return None;
        }
        let size = floor.size();
        let mut ok = true;
        let mut out = Vec::with_capacity(gnbs.v.len());
        for (i, gnb) in gnbs.v.iter().enumerate() {
            let [x, y] = gnb.v.each_ref().map(|c| c.v);
            if let Some(size @ [width, height]) = size {
                if !inside([x, y], size) {
                    self.sink.error(
                        Some(gnb.span),
                        &format!("{key}[{}]", i + 1),
                        format!(
                            "gNB at [{x}, {y}] is outside the layout: coordinates go from 0 to the size [{width}, {height}]"
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
}
