//! The network of a plant and the traffic that couples robots to it: the
//! validated form of `[network]` and `[[flow]]`.
//!
//! The radio's own configuration types ([`crate::net::NrConfig`], validated
//! into [`crate::net::Nr`]) live in `net/`, which defines them; the model
//! holds them.

use super::{Dist, StationId};
use crate::engine::SimTime;
use crate::net::{Direction, LevelLaws, Nr, Traffic};
use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug)]
pub struct Network {
    pub(crate) link: LinkModel,
    /// Core network (UPF) delay added to every message.
    pub(crate) core: Option<Dist>,
    /// Edge server processing added to every message.
    pub(crate) edge_processing: Option<Dist>,
}

impl Network {
    pub fn link(&self) -> &LinkModel {
        &self.link
    }

    /// Core network (UPF) delay added to every message.
    pub fn core(&self) -> Option<&Dist> {
        self.core.as_ref()
    }

    /// Edge server processing added to every message.
    pub fn edge_processing(&self) -> Option<&Dist> {
        self.edge_processing.as_ref()
    }
}

impl Default for Network {
    /// No `[network]` section: an ideal network.
    fn default() -> Self {
        Network {
            link: LinkModel::Ideal,
            core: None,
            edge_processing: None,
        }
    }
}

// One per scenario, built once: the NR variant's size (its configuration)
// costs nothing, and boxing it would change every match on it.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum LinkModel {
    /// Zero latency, no loss.
    Ideal,
    /// The same latency for every message; each is lost with `loss`.
    Fixed { latency: SimTime, loss: f64 },
    /// Measured latency distributions per direction, with an optional
    /// two-state model of bursty bad periods.
    Empirical {
        ul: Dist,
        dl: Dist,
        bad_state: Option<BadState>,
    },
    /// The 3GPP-structured NR link: step model, InF channel, cells.
    Nr(NrNetwork),
}

impl LinkModel {
    /// The `model` key's value.
    pub fn name(&self) -> &'static str {
        match self {
            LinkModel::Ideal => "ideal",
            LinkModel::Fixed { .. } => "fixed",
            LinkModel::Empirical { .. } => "empirical",
            LinkModel::Nr(_) => "nr",
        }
    }
}

/// A two-state (Gilbert-Elliott style) model of bad periods: the network is
/// good for `enter`, then bad for `leave`, then good again.
#[derive(Clone, Debug)]
pub struct BadState {
    /// Time in the good state before a bad period.
    pub(crate) enter: Dist,
    /// Length of a bad period.
    pub(crate) leave: Dist,
    /// Latency of a message sent in a bad period.
    pub(crate) latency: Dist,
    /// Loss probability of a message sent in a bad period.
    pub(crate) loss: f64,
}

impl BadState {
    /// Time in the good state before a bad period.
    pub fn enter(&self) -> &Dist {
        &self.enter
    }

    /// Length of a bad period.
    pub fn leave(&self) -> &Dist {
        &self.leave
    }

    /// Latency of a message sent in a bad period.
    pub fn latency(&self) -> &Dist {
        &self.latency
    }

    /// Loss probability of a message sent in a bad period.
    pub fn loss(&self) -> f64 {
        self.loss
    }
}

#[derive(Clone, Debug)]
pub struct NrNetwork {
    pub(crate) nr: Nr,
    /// Ceiling-mounted gNBs, (x, y) in metres.
    pub(crate) gnbs: Vec<(f64, f64)>,
    /// The queue laws of each cell's background (per direction), computed
    /// once per scenario by the first replication that needs them.
    pub(crate) laws: OnceLock<Vec<[Arc<LevelLaws>; 2]>>,
    /// Implementation delay of the UE's protocol stack (key
    /// `stack_delay.ue`), one draw per message; `None` is no delay.
    pub(crate) stack_ue: Option<Dist>,
    /// Implementation delay of the gNB's protocol stack (key
    /// `stack_delay.gnb`).
    pub(crate) stack_gnb: Option<Dist>,
}

impl NrNetwork {
    /// The validated radio.
    pub fn nr(&self) -> &Nr {
        &self.nr
    }

    /// Ceiling-mounted gNBs, (x, y) in metres.
    pub fn gnbs(&self) -> &[(f64, f64)] {
        &self.gnbs
    }

    /// The UE's and the gNB's stack delays (`stack_delay = { ue, gnb }`).
    pub fn stack_delay(&self) -> (Option<&Dist>, Option<&Dist>) {
        (self.stack_ue.as_ref(), self.stack_gnb.as_ref())
    }
}

#[derive(Clone, Debug)]
pub struct Flow {
    pub(crate) name: String,
    pub(crate) robots: FlowRobots,
    pub(crate) direction: Direction,
    /// Message size in bytes (background: the largest packet).
    pub(crate) size_bytes: u32,
    pub(crate) kind: FlowKind,
    /// 1 (served first) to 9.
    pub(crate) priority: u8,
    /// How a background flow's load arrives (`None` for robot flows).
    pub(crate) traffic: Option<Traffic>,
}

impl Flow {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn robots(&self) -> FlowRobots {
        self.robots
    }

    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Message size in bytes.
    pub fn size_bytes(&self) -> u32 {
        self.size_bytes
    }

    pub fn kind(&self) -> &FlowKind {
        &self.kind
    }

    /// Priority level, 1 served first.
    pub fn priority(&self) -> u8 {
        self.priority
    }

    /// How a background flow's load arrives (`None` for robot flows).
    pub fn traffic(&self) -> Option<Traffic> {
        self.traffic
    }
}

/// Which robots a flow belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FlowRobots {
    /// Every AGV.
    Agvs,
    /// The servers of one station.
    Station(StationId),
    /// Every AGV and every server of the stations with `robot = true`.
    All,
}

#[derive(Clone, Debug)]
pub enum FlowKind {
    /// A message every `period`; a message is valid when delivered within
    /// `deadline`. When `survival_periods` + 1 consecutive messages are not
    /// valid, the robot makes a protective stop of `stop`.
    Periodic {
        period: SimTime,
        deadline: SimTime,
        survival_periods: u32,
        stop: SimTime,
    },
    /// A message sent when something happens; the robot waits for it. A lost
    /// message is sent again after `timeout`.
    Triggered {
        trigger: Trigger,
        deadline: Option<SimTime>,
        timeout: SimTime,
    },
    /// Bulk traffic (video, other UEs): `ues` × `rate_bps` on the cells, as
    /// packets or a fluid ([`Flow::traffic`]).
    Background { ues: u32, rate_bps: f64 },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// The fleet manager (on the edge) sends an AGV its task.
    Dispatch,
    /// Under zone control, each aisle segment is requested and granted.
    Segment,
    /// A station's arm gets the command to start a processing cycle.
    CycleStart,
}
