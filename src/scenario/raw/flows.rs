//! `[[flow]]`: its keys, raw struct and reader.

use super::keys::{keys, written_keys, Ty};
use super::values::{TextKind, TextOrInt};
use super::Field;
use crate::scenario::diag::{Sink, Span};
use crate::scenario::tree::{Entry, Str};

keys! {
    pub(crate) enum FlowKey in FLOW, heading "`[[flow]]`", table "flow" {
        Name = "name": Ty::Word, default "required", "unique";
        Robots = "robots": Ty::Word, default "required for robot flows", "whose messages these are";
        Direction = "direction": Ty::Word, default "required", "robot to edge, or edge to robot";
        Size = "size": Ty::Text(TextKind::Size), default "`\"100B\"` (robot flows), `\"1500B\"` (background)", "message size (robot flows), largest packet (background)";
        Priority = "priority": Ty::Int, default "1 (robot flows), 9 (background)", "1 to 9, 1 served first: strict priority between levels, the cell's scheduler within one";
        Period = "period": Ty::Text(TextKind::Duration), default "required", "time between messages, above 0";
        Deadline = "deadline": Ty::Text(TextKind::Duration), default "`period` (periodic), none (triggered)", "a message delivered later than this is not valid";
        Survival = "survival": Ty::TextOrInt(TextKind::Duration), default "0", "survival time";
        OnViolation = "on_violation": Ty::Text(TextKind::Stop), default "`\"stop(10s)\"`", "when more messages than the survival time allows in a row are not valid, the robot makes a protective stop of that length";
        Trigger = "trigger": Ty::Word, default "required", "what sends the message";
        Timeout = "timeout": Ty::Text(TextKind::Duration), default "`\"100ms\"`", "a lost message is sent again after this";
        Ues = "ues": Ty::Int, default "1", "how many UEs";
        Rate = "rate": Ty::Text(TextKind::Rate), default "required", "bit rate of each UE";
        Traffic = "traffic": Ty::Word, default "`\"poisson\"`", "how the load arrives: Poisson packets, video frames, or a fluid";
        Fps = "fps": Ty::Number, default "30 (video)", "frames per second of each UE (video only), above 0";
    }
}

#[derive(Debug, Default)]
pub(crate) struct RawFlow {
    /// `flow.NAME`, or `flow[I]` (1-based) when the name is unusable.
    pub label: String,
    pub span: Span,
    pub name: Field<String>,
    pub robots: Field<String>,
    pub direction: Field<String>,
    pub size: Field<Str>,
    pub period: Field<Str>,
    pub deadline: Field<Str>,
    /// A duration, or a whole number of periods.
    pub survival: Field<TextOrInt>,
    pub on_violation: Field<Str>,
    pub trigger: Field<String>,
    pub timeout: Field<Str>,
    pub ues: Field<i64>,
    pub rate: Field<Str>,
    pub priority: Field<i64>,
    pub traffic: Field<String>,
    pub fps: Field<f64>,
}

pub(super) fn read_flow(sink: &mut Sink, entries: &[Entry], span: Span, label: String) -> RawFlow {
    let mut flow = RawFlow::default();
    for (key, value) in written_keys::<FlowKey>(sink, entries, &label) {
        match key {
            FlowKey::Name => flow.name = value.string(sink),
            FlowKey::Robots => flow.robots = value.string(sink),
            FlowKey::Direction => flow.direction = value.string(sink),
            FlowKey::Size => flow.size = value.text(sink),
            FlowKey::Period => flow.period = value.text(sink),
            FlowKey::Deadline => flow.deadline = value.text(sink),
            FlowKey::Survival => {
                flow.survival = value.text_or_int(
                    sink,
                    "a duration like \"30ms\" or a whole number of periods like 2",
                )
            }
            FlowKey::OnViolation => flow.on_violation = value.text(sink),
            FlowKey::Trigger => flow.trigger = value.string(sink),
            FlowKey::Timeout => flow.timeout = value.text(sink),
            FlowKey::Ues => flow.ues = value.int(sink),
            FlowKey::Rate => flow.rate = value.text(sink),
            FlowKey::Priority => flow.priority = value.int(sink),
            FlowKey::Traffic => flow.traffic = value.string(sink),
            FlowKey::Fps => flow.fps = value.number(sink),
        }
    }
    RawFlow { label, span, ..flow }
}
