//! `[network]` (with its `fixed`, `empirical` and `nr` sub-tables): their
//! keys, raw structs and readers.

use super::keys::{keys, written_keys, Ty};
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
        BlerTarget = "bler_target": Ty::Number, default "0.1", "block error rate of each attempt";
        BandwidthMhz = "bandwidth_mhz": Ty::Int, default "100", "channel bandwidth";
        CarrierGhz = "carrier_ghz": Ty::Number, default "3.5", "carrier frequency";
        Channel = "channel": Ty::Word, default "`\"InF-DH\"`", "TR 38.901 indoor-factory channel";
        Gnb = "gnb": Ty::Pairs, default "required", "gNB positions in metres";
        TxPowerDbm = "tx_power_dbm": Ty::Number, default "24", "transmit power";
        NoiseFigureDb = "noise_figure_db": Ty::Number, default "9", "receiver noise figure";
        InterferenceMarginDb = "interference_margin_db": Ty::Number, default "0", "subtracted from the SINR where gNBs reuse the band";
        Scheduler = "scheduler": Ty::Word, default "`\"pf\"`", "how a cell shares its resource blocks among the UEs with data";
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
}

impl RawNr {
    /// Where a key was written, if it was.
    pub fn written_at(&self, key: NrKey) -> Option<Span> {
        fn span_of<T>(field: &Field<T>) -> Option<Span> {
            field.ok().map(|x| x.span)
        }
        match key {
            NrKey::ScsKhz => span_of(&self.scs_khz),
            NrKey::Symbols => span_of(&self.symbols),
            NrKey::Duplex => span_of(&self.duplex),
            NrKey::SpecialSplit => span_of(&self.special_split),
            NrKey::UlAccess => span_of(&self.ul_access),
            NrKey::SrPeriod => span_of(&self.sr_period),
            NrKey::Capability => span_of(&self.capability),
            NrKey::HarqMaxRetx => span_of(&self.harq_max_retx),
            NrKey::BlerTarget => span_of(&self.bler_target),
            NrKey::BandwidthMhz => span_of(&self.bandwidth_mhz),
            NrKey::CarrierGhz => span_of(&self.carrier_ghz),
            NrKey::Channel => span_of(&self.channel),
            NrKey::Gnb => span_of(&self.gnb),
            NrKey::TxPowerDbm => span_of(&self.tx_power_dbm),
            NrKey::NoiseFigureDb => span_of(&self.noise_figure_db),
            NrKey::InterferenceMarginDb => span_of(&self.interference_margin_db),
            NrKey::Scheduler => span_of(&self.scheduler),
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
            NrKey::BlerTarget => nr.bler_target = value.number(sink),
            NrKey::BandwidthMhz => nr.bandwidth_mhz = value.int(sink),
            NrKey::CarrierGhz => nr.carrier_ghz = value.number(sink),
            NrKey::Channel => nr.channel = value.string(sink),
            NrKey::Gnb => nr.gnb = read_gnbs(sink, &value),
            NrKey::TxPowerDbm => nr.tx_power_dbm = value.number(sink),
            NrKey::NoiseFigureDb => nr.noise_figure_db = value.number(sink),
            NrKey::InterferenceMarginDb => nr.interference_margin_db = value.number(sink),
            NrKey::Scheduler => nr.scheduler = value.string(sink),
        }
    }
    nr
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
