//! `[network]` (with its `fixed`, `empirical` and `nr` sub-tables, and
//! `nr`'s `handover` and `rlf`): their keys, raw structs and readers.

use super::keys::{keys, written_keys, Key, Ty};
use super::values::{pair, TextKind, TextOrInt, Value};
use super::{Field, Pair, Sp};
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Kind, Str};

keys! {
    pub(crate) enum NetworkKey in NETWORK, heading "`[network]`", table "network" {
        Model = "model": Ty::Word, default "required when `[network]` is written", "the link model";
        Core = "core": Ty::Text(TextKind::Dist), default "none", "core network (UPF) delay added to every message";
        EdgeProcessing = "edge_processing": Ty::Text(TextKind::Dist), default "none", "edge server processing added to every message";
        Fixed = "fixed": Ty::Table(&FIXED), default "none", "the settings of `model = \"fixed\"`";
        Empirical = "empirical": Ty::Table(&EMPIRICAL), default "none", "the settings of `model = \"empirical\"`";
        Nr = "nr": Ty::Table(&NR), default "none", "the settings of `model = \"nr\"`";
    }
}

keys! {
    pub(crate) enum FixedKey in FIXED, heading "`[network.fixed]`", table "fixed" {
        Latency = "latency": Ty::Text(TextKind::Duration), default "required", "one-way delay of every message";
        Loss = "loss": Ty::Number, default "0", "probability that a message is lost";
    }
}

keys! {
    pub(crate) enum EmpiricalKey in EMPIRICAL, heading "`[network.empirical]`", table "empirical" {
        Ul = "ul": Ty::Text(TextKind::Dist), default "required", "uplink latency (robot to edge)";
        Dl = "dl": Ty::Text(TextKind::Dist), default "required", "downlink latency (edge to robot)";
        BadState = "bad_state": Ty::Table(&BAD_STATE), default "none", "a two-state model of bad periods";
    }
}

keys! {
    pub(crate) enum BadStateKey in BAD_STATE, heading "`[network.empirical.bad_state]`", table "bad_state" {
        Enter = "enter": Ty::Text(TextKind::Dist), default "required", "time in the good state before a bad period";
        Leave = "leave": Ty::Text(TextKind::Dist), default "required", "length of a bad period";
        Latency = "latency": Ty::Text(TextKind::Dist), default "required", "latency of a message sent in a bad period";
        Loss = "loss": Ty::Number, default "0", "loss probability of a message sent in a bad period";
    }
}

keys! {
    pub(crate) enum NrKey in NR, heading "`[network.nr]`", table "nr" {
        ScsKhz = "scs_khz": Ty::Int, default "30", "subcarrier spacing";
        Symbols = "symbols": Ty::Int, default "14", "transmission length";
        Duplex = "duplex": Ty::Word, default "`\"fdd\"`", "FDD, or a TDD pattern of `D`, `S` and `U` slots";
        SpecialSplit = "special_split": Ty::Word, default "`\"10:2:2\"`", "symbols of the special slot";
        UlAccess = "ul_access": Ty::Word, default "`\"configured_grant\"`", "uplink without a request, or scheduling request then grant";
        SrPeriod = "sr_period": Ty::TextOrInt(TextKind::Duration), default "1 slot", "scheduling-request period of grant-based uplink";
        Capability = "capability": Ty::Int, default "1", "UE processing capability";
        HarqMaxRetx = "harq_max_retx": Ty::Int, default "3", "HARQ retransmissions after the first attempt";
        CoresetSymbols = "coreset_symbols": Ty::Int, default "1", "symbols of the PDCCH's CORESET, which bound the DCIs per PDCCH occasion";
        DiscardTimer = "discard_timer": Ty::Text(TextKind::Duration), default "`\"100ms\"`", "PDCP discard timer: a packet still queued this long is dropped (TS 38.323 §5.2.2.1); \"infinity\" keeps it";
        BlerTarget = "bler_target": Ty::Number, default "0.1", "link adaptation's target block error rate";
        BandwidthMhz = "bandwidth_mhz": Ty::Int, default "100", "channel bandwidth";
        CarrierGhz = "carrier_ghz": Ty::Number, default "3.5", "carrier frequency";
        Channel = "channel": Ty::Word, default "`\"InF-DH\"`", "TR 38.901 indoor-factory channel";
        Gnb = "gnb": Ty::Pairs, default "required", "gNB positions in metres";
        TxPowerDbm = "tx_power_dbm": Ty::Number, default "24", "transmit power";
        NoiseFigureDb = "noise_figure_db": Ty::Number, default "9", "receiver noise figure";
        InterferenceMarginDb = "interference_margin_db": Ty::Number, default "0", "subtracted from the SINR where gNBs reuse the band";
        Scheduler = "scheduler": Ty::Word, default "`\"pf\"`", "how a cell shares its resource blocks among the UEs with data";
        Shadowing = "shadowing": Ty::Word, default "`\"consistent\"`", "LOS state and shadow fading";
        GnbTxPowerDbm = "gnb_tx_power_dbm": Ty::Number, default "24", "the gNB's transmit power";
        UeTxPowerDbm = "ue_tx_power_dbm": Ty::Number, default "23", "the UE's transmit power";
        GnbNoiseFigureDb = "gnb_noise_figure_db": Ty::Number, default "5", "the gNB's noise figure, the uplink receiver's";
        UeNoiseFigureDb = "ue_noise_figure_db": Ty::Number, default "9", "the UE's noise figure, the downlink receiver's";
        Interference = "interference": Ty::Bool, default "`true`", "whether the other gNBs interfere";
        Bler = "bler": Ty::Number, default "none", "a fixed block error rate of every attempt";
        Handover = "handover": Ty::Table(&HANDOVER), default "see below", "event-A3 handover";
        Rlf = "rlf": Ty::Table(&RLF), default "see below", "radio link failure";
        StackDelay = "stack_delay": Ty::Table(&STACK_DELAY), default "none", "implementation delays of the UE's and the gNB's protocol stacks";
    }
}

keys! {
    pub(crate) enum StackDelayKey in STACK_DELAY, heading "`[network.nr.stack_delay]`", table "stack_delay" {
        Ue = "ue": Ty::Text(TextKind::Dist), default "none", "the UE stack's delay added to every message";
        Gnb = "gnb": Ty::Text(TextKind::Dist), default "none", "the gNB stack's delay added to every message";
    }
}

keys! {
    pub(crate) enum HandoverKey in HANDOVER, heading "`[network.nr.handover]`", table "handover" {
        HysteresisDb = "hysteresis_db": Ty::Number, default "3", "the A3 hysteresis";
        TimeToTrigger = "time_to_trigger": Ty::Text(TextKind::Duration), default "`\"256ms\"`", "how long a neighbour must stay stronger";
        Interruption = "interruption": Ty::Text(TextKind::Duration), default "`\"50ms\"`", "no data during a handover";
    }
}

keys! {
    pub(crate) enum RlfKey in RLF, heading "`[network.nr.rlf]`", table "rlf" {
        QOutDb = "q_out_db": Ty::Number, default "-8", "out of sync below this SINR";
        QInDb = "q_in_db": Ty::Number, default "2 dB above `q_out_db`", "in sync above this SINR";
        T310 = "t310": Ty::Text(TextKind::Duration), default "`\"1s\"`", "how long out of sync before a radio link failure";
        Reestablishment = "reestablishment": Ty::Text(TextKind::Duration), default "`\"220ms\"`", "no data from a radio link failure until the link is back";
    }
}

#[derive(Debug, Default)]
pub(crate) struct RawNetwork {
    /// Where `network` was written (the `[network]` header's key).
    pub key_span: Span,
    pub model: Field<String>,
    pub core: Field<Str>,
    pub edge_processing: Field<Str>,
    pub fixed: Field<RawFixed>,
    pub empirical: Field<RawEmpirical>,
    pub nr: Field<RawNr>,
}

#[derive(Debug, Default)]
pub(crate) struct RawFixed {
    /// Where `fixed` was written (`[network.fixed]`).
    pub key_span: Span,
    pub latency: Field<Str>,
    pub loss: Field<f64>,
}

#[derive(Debug, Default)]
pub(crate) struct RawEmpirical {
    pub key_span: Span,
    pub ul: Field<Str>,
    pub dl: Field<Str>,
    pub bad_state: Field<RawBadState>,
}

#[derive(Debug, Default)]
pub(crate) struct RawBadState {
    pub enter: Field<Str>,
    pub leave: Field<Str>,
    pub latency: Field<Str>,
    pub loss: Field<f64>,
}

#[derive(Debug, Default)]
pub(crate) struct RawNr {
    pub key_span: Span,
    pub scs_khz: Field<i64>,
    pub symbols: Field<i64>,
    pub duplex: Field<String>,
    pub special_split: Field<String>,
    pub ul_access: Field<String>,
    /// A string (`"1ms"`, `"4slots"`, `"2sym"`) or a whole number of slots.
    pub sr_period: Field<TextOrInt>,
    pub capability: Field<i64>,
    pub harq_max_retx: Field<i64>,
    pub coreset_symbols: Field<i64>,
    /// A duration string or `"infinity"`; read as a string or a whole
    /// number so that a number is reported with a unit to add.
    pub discard_timer: Field<TextOrInt>,
    pub bler_target: Field<f64>,
    pub bandwidth_mhz: Field<i64>,
    pub carrier_ghz: Field<f64>,
    pub channel: Field<String>,
    /// Each gNB's `[x, y]`; `Invalid` when any is not a pair of numbers.
    pub gnb: Field<Vec<Sp<Pair>>>,
    pub tx_power_dbm: Field<f64>,
    pub noise_figure_db: Field<f64>,
    pub interference_margin_db: Field<f64>,
    pub scheduler: Field<String>,
    pub shadowing: Field<String>,
    pub gnb_tx_power_dbm: Field<f64>,
    pub ue_tx_power_dbm: Field<f64>,
    pub gnb_noise_figure_db: Field<f64>,
    pub ue_noise_figure_db: Field<f64>,
    pub interference: Field<bool>,
    pub bler: Field<f64>,
    pub handover: Field<RawHandover>,
    pub rlf: Field<RawRlf>,
    pub stack_delay: Field<RawStackDelay>,
}

/// `stack_delay = { ue, gnb }`.
#[derive(Debug, Default)]
pub(crate) struct RawStackDelay {
    pub ue: Field<Str>,
    pub gnb: Field<Str>,
}

/// `handover = { hysteresis_db, time_to_trigger, interruption }`.
#[derive(Debug, Default)]
pub(crate) struct RawHandover {
    pub hysteresis_db: Field<f64>,
    pub time_to_trigger: Field<Str>,
    pub interruption: Field<Str>,
}

/// `rlf = { q_out_db, q_in_db, t310, reestablishment }`.
#[derive(Debug, Default)]
pub(crate) struct RawRlf {
    pub q_out_db: Field<f64>,
    pub q_in_db: Field<f64>,
    pub t310: Field<Str>,
    pub reestablishment: Field<Str>,
}

/// Where a field was written, if it was with the right shape.
fn span_of<T>(field: &Field<T>) -> Option<Span> {
    field.ok().map(|x| x.span)
}

impl RawNr {
    /// Where a key of `[network.nr]`, or of its `handover` or `rlf`, was
    /// written, if it was: `path` is the key's path below `network.nr`
    /// (`"scheduler"`, `"rlf.t310"`).
    pub fn written_at(&self, path: &str) -> Option<Span> {
        match path.split_once('.') {
            None => self.key_written_at(NrKey::from_name(path)?),
            Some(("handover", inner)) => self.handover.ok()?.v.written_at(HandoverKey::from_name(inner)?),
            Some(("rlf", inner)) => self.rlf.ok()?.v.written_at(RlfKey::from_name(inner)?),
            Some(("stack_delay", inner)) => self
                .stack_delay
                .ok()?
                .v
                .written_at(StackDelayKey::from_name(inner)?),
            Some(_) => None,
        }
    }

    fn key_written_at(&self, key: NrKey) -> Option<Span> {
        match key {
            NrKey::ScsKhz => span_of(&self.scs_khz),
            NrKey::Symbols => span_of(&self.symbols),
            NrKey::Duplex => span_of(&self.duplex),
            NrKey::SpecialSplit => span_of(&self.special_split),
            NrKey::UlAccess => span_of(&self.ul_access),
            NrKey::SrPeriod => span_of(&self.sr_period),
            NrKey::Capability => span_of(&self.capability),
            NrKey::HarqMaxRetx => span_of(&self.harq_max_retx),
            NrKey::CoresetSymbols => span_of(&self.coreset_symbols),
            NrKey::DiscardTimer => span_of(&self.discard_timer),
            NrKey::BlerTarget => span_of(&self.bler_target),
            NrKey::BandwidthMhz => span_of(&self.bandwidth_mhz),
            NrKey::CarrierGhz => span_of(&self.carrier_ghz),
            NrKey::Channel => span_of(&self.channel),
            NrKey::Gnb => span_of(&self.gnb),
            NrKey::TxPowerDbm => span_of(&self.tx_power_dbm),
            NrKey::NoiseFigureDb => span_of(&self.noise_figure_db),
            NrKey::InterferenceMarginDb => span_of(&self.interference_margin_db),
            NrKey::Scheduler => span_of(&self.scheduler),
            NrKey::Shadowing => span_of(&self.shadowing),
            NrKey::GnbTxPowerDbm => span_of(&self.gnb_tx_power_dbm),
            NrKey::UeTxPowerDbm => span_of(&self.ue_tx_power_dbm),
            NrKey::GnbNoiseFigureDb => span_of(&self.gnb_noise_figure_db),
            NrKey::UeNoiseFigureDb => span_of(&self.ue_noise_figure_db),
            NrKey::Interference => span_of(&self.interference),
            NrKey::Bler => span_of(&self.bler),
            NrKey::Handover => span_of(&self.handover),
            NrKey::Rlf => span_of(&self.rlf),
            NrKey::StackDelay => span_of(&self.stack_delay),
        }
    }
}

impl RawHandover {
    fn written_at(&self, key: HandoverKey) -> Option<Span> {
        match key {
            HandoverKey::HysteresisDb => span_of(&self.hysteresis_db),
            HandoverKey::TimeToTrigger => span_of(&self.time_to_trigger),
            HandoverKey::Interruption => span_of(&self.interruption),
        }
    }
}

impl RawStackDelay {
    fn written_at(&self, key: StackDelayKey) -> Option<Span> {
        match key {
            StackDelayKey::Ue => span_of(&self.ue),
            StackDelayKey::Gnb => span_of(&self.gnb),
        }
    }
}

impl RawRlf {
    fn written_at(&self, key: RlfKey) -> Option<Span> {
        match key {
            RlfKey::QOutDb => span_of(&self.q_out_db),
            RlfKey::QInDb => span_of(&self.q_in_db),
            RlfKey::T310 => span_of(&self.t310),
            RlfKey::Reestablishment => span_of(&self.reestablishment),
        }
    }
}

pub(super) fn read_network(sink: &mut Sink, entries: &[Entry], key_span: Span) -> RawNetwork {
    let mut network = RawNetwork {
        key_span,
        ..RawNetwork::default()
    };
    for (key, value) in written_keys::<NetworkKey>(sink, entries, "network") {
        match key {
            NetworkKey::Model => network.model = value.string(sink),
            NetworkKey::Core => network.core = value.text(sink),
            NetworkKey::EdgeProcessing => network.edge_processing = value.text(sink),
            NetworkKey::Fixed => {
                network.fixed = value.table(
                    sink,
                    "a table ([network.fixed] with latency and loss)",
                    read_fixed,
                )
            }
            NetworkKey::Empirical => {
                network.empirical = value.table(
                    sink,
                    "a table ([network.empirical] with ul and dl)",
                    read_empirical,
                )
            }
            NetworkKey::Nr => {
                network.nr = value.table(sink, "a table ([network.nr] with gnb = [[x, y], ...])", read_nr)
            }
        }
    }
    network
}

fn read_fixed(sink: &mut Sink, entries: &[Entry], key_span: Span) -> RawFixed {
    let mut fixed = RawFixed {
        key_span,
        ..RawFixed::default()
    };
    for (key, value) in written_keys::<FixedKey>(sink, entries, "network.fixed") {
        match key {
            FixedKey::Latency => fixed.latency = value.text(sink),
            FixedKey::Loss => fixed.loss = value.number(sink),
        }
    }
    fixed
}

fn read_empirical(sink: &mut Sink, entries: &[Entry], key_span: Span) -> RawEmpirical {
    let mut empirical = RawEmpirical {
        key_span,
        ..RawEmpirical::default()
    };
    for (key, value) in written_keys::<EmpiricalKey>(sink, entries, "network.empirical") {
        match key {
            EmpiricalKey::Ul => empirical.ul = value.text(sink),
            EmpiricalKey::Dl => empirical.dl = value.text(sink),
            EmpiricalKey::BadState => {
                empirical.bad_state = value.table(
                    sink,
                    "a table like { enter = \"exp(10min)\", leave = \"exp(2s)\", latency = \"exp(50ms)\", loss = 0.1 }",
                    |sink, entries, _| read_bad_state(sink, entries),
                )
            }
        }
    }
    empirical
}

fn read_bad_state(sink: &mut Sink, entries: &[Entry]) -> RawBadState {
    let mut bad = RawBadState::default();
    for (key, value) in written_keys::<BadStateKey>(sink, entries, "network.empirical.bad_state") {
        match key {
            BadStateKey::Enter => bad.enter = value.text(sink),
            BadStateKey::Leave => bad.leave = value.text(sink),
            BadStateKey::Latency => bad.latency = value.text(sink),
            BadStateKey::Loss => bad.loss = value.number(sink),
        }
    }
    bad
}

fn read_nr(sink: &mut Sink, entries: &[Entry], key_span: Span) -> RawNr {
    let mut nr = RawNr {
        key_span,
        ..RawNr::default()
    };
    for (key, value) in written_keys::<NrKey>(sink, entries, "network.nr") {
        match key {
            NrKey::ScsKhz => nr.scs_khz = value.int(sink),
            NrKey::Symbols => nr.symbols = value.int(sink),
            NrKey::Duplex => nr.duplex = value.string(sink),
            NrKey::SpecialSplit => nr.special_split = value.string(sink),
            NrKey::UlAccess => nr.ul_access = value.string(sink),
            NrKey::SrPeriod => {
                nr.sr_period = value.text_or_int(
                    sink,
                    "a string like \"1ms\", \"4slots\" or \"2sym\", or a whole number of slots",
                )
            }
            NrKey::Capability => nr.capability = value.int(sink),
            NrKey::HarqMaxRetx => nr.harq_max_retx = value.int(sink),
            NrKey::CoresetSymbols => nr.coreset_symbols = value.int(sink),
            NrKey::DiscardTimer => {
                nr.discard_timer =
                    value.text_or_int(sink, "a duration string like \"100ms\", or \"infinity\"")
            }
            NrKey::BlerTarget => nr.bler_target = value.number(sink),
            NrKey::BandwidthMhz => nr.bandwidth_mhz = value.int(sink),
            NrKey::CarrierGhz => nr.carrier_ghz = value.number(sink),
            NrKey::Channel => nr.channel = value.string(sink),
            NrKey::Gnb => nr.gnb = read_gnbs(sink, &value),
            NrKey::TxPowerDbm => nr.tx_power_dbm = value.number(sink),
            NrKey::NoiseFigureDb => nr.noise_figure_db = value.number(sink),
            NrKey::InterferenceMarginDb => nr.interference_margin_db = value.number(sink),
            NrKey::Scheduler => nr.scheduler = value.string(sink),
            NrKey::Shadowing => nr.shadowing = value.string(sink),
            NrKey::GnbTxPowerDbm => nr.gnb_tx_power_dbm = value.number(sink),
            NrKey::UeTxPowerDbm => nr.ue_tx_power_dbm = value.number(sink),
            NrKey::GnbNoiseFigureDb => nr.gnb_noise_figure_db = value.number(sink),
            NrKey::UeNoiseFigureDb => nr.ue_noise_figure_db = value.number(sink),
            NrKey::Interference => nr.interference = value.boolean(sink),
            NrKey::Bler => nr.bler = value.number(sink),
            NrKey::Handover => nr.handover = value.table(
                sink,
                "a table like { hysteresis_db = 3, time_to_trigger = \"256ms\", interruption = \"50ms\" }",
                |sink, entries, _| read_handover(sink, entries),
            ),
            NrKey::Rlf => nr.rlf = value.table(
                sink,
                "a table like { q_out_db = -8, q_in_db = -6, t310 = \"1s\", reestablishment = \"220ms\" }",
                |sink, entries, _| read_rlf(sink, entries),
            ),
            NrKey::StackDelay => {
                nr.stack_delay = value.table(
                    sink,
                    "a table like { ue = \"uniform(0.5ms, 2ms)\", gnb = \"1ms\" }",
                    |sink, entries, _| read_stack_delay(sink, entries),
                )
            }
        }
    }
    nr
}

fn read_handover(sink: &mut Sink, entries: &[Entry]) -> RawHandover {
    let mut handover = RawHandover::default();
    for (key, value) in written_keys::<HandoverKey>(sink, entries, "network.nr.handover") {
        match key {
            HandoverKey::HysteresisDb => handover.hysteresis_db = value.number(sink),
            HandoverKey::TimeToTrigger => handover.time_to_trigger = value.text(sink),
            HandoverKey::Interruption => handover.interruption = value.text(sink),
        }
    }
    handover
}

fn read_stack_delay(sink: &mut Sink, entries: &[Entry]) -> RawStackDelay {
    let mut stack = RawStackDelay::default();
    for (key, value) in written_keys::<StackDelayKey>(sink, entries, "network.nr.stack_delay") {
        match key {
            StackDelayKey::Ue => stack.ue = value.text(sink),
            StackDelayKey::Gnb => stack.gnb = value.text(sink),
        }
    }
    stack
}

fn read_rlf(sink: &mut Sink, entries: &[Entry]) -> RawRlf {
    let mut rlf = RawRlf::default();
    for (key, value) in written_keys::<RlfKey>(sink, entries, "network.nr.rlf") {
        match key {
            RlfKey::QOutDb => rlf.q_out_db = value.number(sink),
            RlfKey::QInDb => rlf.q_in_db = value.number(sink),
            RlfKey::T310 => rlf.t310 = value.text(sink),
            RlfKey::Reestablishment => rlf.reestablishment = value.text(sink),
        }
    }
    rlf
}

/// `gnb = [[x, y], ...]`.
fn read_gnbs(sink: &mut Sink, value: &Value<'_>) -> Field<Vec<Sp<Pair>>> {
    let what = "an array of positions [x, y] in metres, e.g. gnb = [[20, 10], [60, 10]]";
    let Some(items) = value.items(sink, what) else {
        return Field::Invalid;
    };
    // `gnb = [20, 10]`: one position, not nested.
    if !items.is_empty()
        && items
            .iter()
            .all(|item| matches!(item.kind, Kind::Int(_) | Kind::Float(_)))
    {
        sink.error(
            Some(value.node.span),
            &value.path,
            "gnb is a list of positions: write gnb = [[x, y]] for one gNB, e.g. gnb = [[20, 10]]",
        );
        return Field::Invalid;
    }
    let mut positions = Vec::with_capacity(items.len());
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match pair(sink, item, &format!("{}[{}]", value.path, i + 1), "[20, 10]") {
            Field::Ok(position) => positions.push(position),
            _ => ok = false,
        }
    }
    if ok {
        Field::Ok(Sp {
            v: positions,
            span: value.node.span,
        })
    } else {
        Field::Invalid
    }
}
