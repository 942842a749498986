//! What the parts of the plant share: the events they schedule, the effects
//! they return, and the context they handle an event in.
//!
//! The plant (`plant/`) owns the stations and jobs, and two parts own the
//! rest: the fleet (`fleet/`, the AGVs) and the robots' side of the
//! network (`network/`). A part never reaches into the plant or the other
//! part: it handles its events with a [`Ctx`] (the time, the event queue,
//! the model, and what it may see of the plant) and pushes [`Effect`]s, which
//! the plant applies in one place (`Sim::apply`, one exhaustive match).
//!
//! Effects are applied as soon as the call that returned them is over,
//! depth first: an effect's own consequences (the effects of the calls it
//! makes) come before the next effect. A part that must see the
//! consequences of an effect before it goes on ends its call with a
//! continuation ([`Effect::ThenAgv`], [`Effect::ThenStream`]) and goes on
//! when the plant hands it back. So events are scheduled, and shared random
//! streams drawn, in the order the plant's story runs, whatever part tells
//! it: the order that ties (first in, first out) and the outputs depend on.
//!
//! ```text
//! AGV unloads a job ──fleet──▶ [Delivered(job), ThenAgv(free)]
//!   apply Delivered: the job enters its station, seizes a server, calls
//!                    for a kit ──fleet──▶ [StartExchange(dispatch)] ──net
//!   apply ThenAgv:   the fleet frees the AGV, which takes waiting work
//! ```

use super::Trace;
use crate::engine::{EventQueue, SimTime};
use crate::model::{CalendarId, Model, PointId, ProductId, StationId};

/// A job's number in the plant (reused once the job has left).
pub(super) type JobId = u32;

/// The closed set of things that happen in the plant.
///
/// `repr(u32)`: a 4-byte tag, so that an event is copied in and out of the
/// event queue as whole aligned words (with Rust's 1-byte tag the 15 bytes
/// behind it were copied as two overlapping words, and the load of the
/// popped event stalled on store forwarding: 12% of an M/M/3 run).
#[derive(Copy, Clone, Debug)]
#[repr(u32)]
pub(super) enum Event {
    /// The next job of a product is released.
    Release(ProductId),
    /// A server finishes its setup or its processing.
    PhaseEnd {
        station: u32,
        server: u32,
    },
    Failure {
        station: u32,
        server: u32,
    },
    RepairEnd {
        station: u32,
        server: u32,
    },
    /// An AGV reaches the end of its travel leg (a whole trip, or one aisle
    /// segment under zone control).
    AgvArrive {
        agv: u32,
    },
    /// An AGV finishes loading or unloading.
    AgvHandled {
        agv: u32,
    },
    /// An AGV's battery is full.
    AgvCharged {
        agv: u32,
    },
    /// A message reaches its receiver.
    NetDelivered {
        packet: u32,
    },
    /// A lost message's timeout: it is sent again.
    NetTimeout {
        packet: u32,
    },
    /// A cell's transmission opportunity with something queued.
    CellSlot {
        cell: u32,
    },
    /// A periodic flow of one robot: a stop, the link back, or a refresh
    /// (stale when the stream's generation has moved on).
    Stream {
        stream: u32,
        generation: u32,
    },
    /// A protective stop's time is over.
    StreamRestart {
        stream: u32,
    },
    /// A periodic flow sampled message by message ([`FlowSampling::EveryMessage`]):
    /// a message, a stop or the link back.
    ///
    /// [`FlowSampling::EveryMessage`]: super::FlowSampling::EveryMessage
    StreamDue {
        stream: u32,
        due: Due,
    },
    /// Statistics are cleared.
    WarmupEnd,
    /// A calendar starts or ends a shift.
    Shift {
        calendar: u32,
    },
}

// The event queue moves events inline while it sorts: keep them small.
const _: () = assert!(std::mem::size_of::<Event>() <= 16);

/// Why a periodic stream's next event is due.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Due {
    /// Re-evaluate the link and go on deciding messages.
    Refresh,
    /// The survival time ran out: the robot stops.
    Violation,
    /// A valid message arrived after a violation.
    LinkBack,
    /// Every-message sampling: message `k` of the stream is sent.
    Message,
}

/// A robot: an AGV, or a server (arm) of a station.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Robot {
    Agv(u32),
    Arm(StationId, u32),
}

/// Who waits for an exchange of messages, and so what goes on when it is
/// done.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Waiter {
    /// An AGV waits for its task from the fleet manager.
    Dispatch(u32),
    /// The fleet manager waits for an AGV's request for its next segment.
    SegmentRequest(u32),
    /// An AGV waits for the grant of its next segment.
    SegmentGrant(u32),
    /// An arm (server of a station) waits for its cycle-start command.
    CycleStart(StationId, u32),
}

impl Waiter {
    /// The robot whose messages the exchange carries.
    pub fn robot(self) -> Robot {
        match self {
            Waiter::Dispatch(agv) | Waiter::SegmentRequest(agv) | Waiter::SegmentGrant(agv) => {
                Robot::Agv(agv)
            }
            Waiter::CycleStart(station, server) => Robot::Arm(station, server),
        }
    }
}

/// What an AGV carries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Cargo {
    /// A job to the station that reserved it a place.
    Job { job: JobId, dest: StationId },
    /// A parts kit for a server.
    Kit { station: StationId, server: u32 },
    /// A finished sub-assembly to the station that assembles it.
    SubAssembly { job: JobId, station: StationId },
}

/// What the fleet does with an AGV once the effects before are applied.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum AgvStep {
    /// The AGV reached the end of its path (its last segment handed on).
    FinishArrival,
    /// The AGV has its cargo on board: it drives to the drop point.
    DriveLoaded,
    /// The AGV's task or charge is over: it charges, takes work, or idles.
    Free,
}

/// What a part asks the plant to do. Closed set: `Sim::apply` matches it
/// exhaustively.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Effect {
    /// Send the messages `waiter` waits for (the network part).
    StartExchange(Waiter),
    /// Every message of `waiter`'s exchange arrived: it goes on.
    ExchangeDone(Waiter),
    /// A protective stop: the robot halts what it does.
    StopRobot(Robot),
    /// A protective stop is over.
    RestartRobot(Robot),
    /// An AGV took the job from its place (which the plant frees).
    PickedUp(JobId),
    /// An AGV put its cargo down where it goes.
    Delivered(Cargo),
    /// The AGVs' zone control is deadlocked: the run ends with the fleet's
    /// error.
    Deadlock,
    /// The fleet goes on with an AGV (a continuation).
    ThenAgv { agv: u32, step: AgvStep },
    /// The network goes on deciding a stream's messages (a continuation).
    ThenStream(u32),
    /// A calendar started (`on`) or ended a shift: everything on it
    /// resumes or pauses.
    Shift { calendar: CalendarId, on: bool },
    /// A server waiting for operators has them now (the pools part).
    OperatorsGranted { station: StationId, server: u32 },
    /// An AGV starts (or, after a stop, resumes) a timed event of travel
    /// that ends at `drive_until`, or (`None`) halts mid-way: the network
    /// follows its radio link along the way (the fleet's
    /// [`leg_polyline`](super::fleet::FleetRt::leg_polyline)).
    AgvMotion { agv: u32, drive_until: Option<SimTime> },
}

/// What a part may see and do while it handles an event: the time, the
/// model, the event queue, the trace, and `view`, what it may see of the
/// rest of the plant (the fleet sees nothing of it; the network sees
/// where the robots are, [`Places`]).
pub(super) struct Ctx<'a, 'm, View = ()> {
    pub now: SimTime,
    pub model: &'m Model,
    pub queue: &'a mut EventQueue<Event>,
    /// Records state changes when a trace is asked for.
    pub trace: Option<&'a mut Trace>,
    pub view: View,
}

impl<View> Ctx<'_, '_, View> {
    /// Records a line of the trace now, when a trace is asked for; the
    /// closures only run then.
    #[inline]
    pub fn trace_line(
        &mut self,
        entity: impl FnOnce() -> String,
        event: &'static str,
        state: impl FnOnce() -> String,
    ) {
        Trace::line(self.trace.as_deref_mut(), self.now, entity, event, state);
    }
}

/// What the network sees of the plant: where each AGV is (the last point it
/// reached) and what it drives.
#[derive(Copy, Clone)]
pub(super) struct Places<'a> {
    pub agv_at: &'a dyn Fn(u32) -> PointId,
    /// The corners of the pieces an AGV drives in its current timed event
    /// of travel (cleared first; left empty when it does not travel).
    pub agv_leg: &'a dyn Fn(u32, &mut Vec<[f64; 2]>),
}

impl Ctx<'_, '_, Places<'_>> {
    /// The layout point where a robot is (0 without a layout).
    pub fn robot_point(&self, robot: Robot) -> usize {
        match robot {
            Robot::Agv(agv) => (self.view.agv_at)(agv),
            Robot::Arm(station, _) => self.model.stations[station].at.unwrap_or(0),
        }
    }
}
