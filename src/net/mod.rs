//! The 5G link layer: how long a packet takes across an NR radio link, whether
//! it arrives at all, and what the radio can carry. It knows nothing of
//! factories: it works on times, directions, positions and bits.
//!
//! - [`NrConfig`] is the plain description of a link (numerology, transmission
//!   length, duplex, uplink access, UE capability, HARQ, BLER, radio);
//!   [`Nr::new`] validates it (every problem, in words a user can act on) and
//!   lays out the frame structure.
//! - [`Nr::step`] is the TR 37.910 §5.7.1 step model, analytic: one-shot
//!   latency, HARQ round trip, the mean with a block error rate (TR 37.910
//!   convention and the exact one), with alignment computed exactly from the
//!   frame structure, FDD or TDD.
//! - [`Nr::transmit`] is the same model packet by packet, for a discrete-event
//!   simulation: from an absolute send time it finds the real transmission
//!   opportunities and HARQ round trips of the frame and draws each attempt's
//!   failure.
//! - [`Channel`] and [`LinkBudget`] are the TR 38.901 indoor-factory path loss,
//!   LOS probability and shadowing, the SINR and the link adaptation (CQI
//!   table); [`Nr::radio_link`] picks a UE's best gNB.
//! - [`CorrelatedField`] is a spatially consistent random variable over the
//!   floor (sum of sinusoids with exponential correlation); [`RadioMap`]
//!   holds one replication's LOS-state and shadow-fading fields per gNB
//!   (TR 38.901 §7.6.3) and gives each gNB's [`LinkState`] at a point, in
//!   the [`Shadowing`] mode chosen (consistent, per message, off).
//! - [`RadioBudget`] is the link budget of both ends (gNB and UE powers and
//!   noise figures) and [`RadioMap::downlink_sinr`] /
//!   [`RadioMap::uplink_sinr`] the SINR with reuse-1 interference from the
//!   other cells, weighted by their load.
//! - [`LinkAdaptation`] picks the MCS of a TS 38.214 table for a BLER
//!   target from each entry's [`BlerCurve`] (BLER as a function of SINR).
//! - [`Mobility`] is one UE's cell selection, A3 handovers with their
//!   interruption, and radio link failures (T310) with re-establishment,
//!   from a stream of measurements.
//! - [`Cell`] shares a cell's resource blocks among packets of strict
//!   priority levels and a background load, slot by slot, driven by the
//!   caller's event queue and woken only on slots where something is
//!   queued. The background is a fluid, or packets ([`Traffic`]: Poisson
//!   or video, [`BackgroundFlow`]) that queue with the robots' packets,
//!   simulated one by one or replaced by the stationary law of the queue
//!   they make ([`QueueLaw`], Lindley's recursion solved numerically).
//! - [`CoreDelay`] adds the core network and edge processing.
//! - [`calculator`] computes what `factory5g latency` shows: a request in,
//!   a serializable result out; it prints nothing.
//!
//! Time inside the layer is counted in ticks of 1/192 ns, in which every
//! symbol, slot and processing time of every numerology is a whole number, so
//! the frame structure is exact; the API speaks [`SimTime`](crate::engine::SimTime)
//! and milliseconds.
//!
//! ```
//! use factory5g::engine::{RngStreams, SimTime};
//! use factory5g::net::{Direction, Nr, NrConfig};
//!
//! // The TR 37.910 step model: FDD, 15 kHz, a 14-symbol slot, BLER 0.1.
//! let cfg = NrConfig { scs_khz: 15, bandwidth_mhz: 50, bler: 0.1, ..NrConfig::default() };
//! let nr = Nr::new(cfg).unwrap();
//! let step = nr.step(Direction::Dl);
//! assert!((step.one_shot_ms - 2.141).abs() < 0.001);
//! assert!((step.harq_rtt_ms - 4.281).abs() < 0.001);
//! assert!((step.mean_ms - 2.569).abs() < 0.001);
//!
//! // One packet through the frame, sent 3 ms into the run.
//! let mut rng = RngStreams::new(1, 0).stream("link");
//! let d = nr.transmit(Direction::Dl, SimTime::from_nanos(3_000_000), 800, 0.1, &mut rng);
//! assert!(d.delivered_at().unwrap() > SimTime::from_nanos(3_000_000));
//! ```

mod bands;
mod budget;
pub mod calculator;
mod cell;
mod channel;
mod config;
mod core_delay;
mod field;
mod frame;
mod link;
mod mcs;
mod mobility;
mod nr;
mod shadowing;
mod stationary;
mod step;
mod traffic;

pub use bands::{BANDWIDTHS_FR1, BANDWIDTHS_FR2};
pub use budget::{
    cell_centre_interferers, dbm_to_mw, mw_to_dbm, noise_dbm, sinr, RadioBudget, Sinr, UplinkInterferer,
};
pub use cell::{
    level_laws, Background, BackgroundSimulation, BackgroundStats, Cell, CellDelivery, CellPacket, LevelLaws,
    SlotResult,
};
pub use channel::{
    link_adaptation, Channel, GnbView, InfParams, InfScenario, LinkBudget, Mcs, RadioLink, CQI_TABLE,
    THERMAL_NOISE_DBM_HZ,
};
pub use config::{
    ConfigError, ConfigErrors, Duplex, NrConfig, Scheduler, SlotKind, SpecialSplit, SrPeriod, UlAccess,
    SCS_KHZ, TX_SYMBOLS,
};
pub use core_delay::CoreDelay;
pub use field::{CorrelatedField, FIELD_TERMS};
pub use link::{Delivery, Outcome};
pub use mcs::{BlerCurve, LinkAdaptation, McsEntry, McsTable, Selection, LOW_SE_BELOW};
pub use mobility::{
    HandoverConfig, Mobility, MobilityEvent, RlfConfig, MAX_OUTAGE, T310_MS, TIME_TO_TRIGGER_MS,
};
pub use nr::{
    bits_after_first_grant, fits_first_grant, Nr, BSR_BYTES, DCI_AGGREGATION_LEVEL, FIRST_GRANT_BYTES,
    MAC_SUBHEADER_BYTES, REGS_PER_CCE,
};
pub use shadowing::{
    field_stream_name, CorrelationDistances, GnbFields, LinkState, LosState, RadioMap, Shadowing,
};
pub use stationary::{Batches, LawError, QueueLaw, TAIL_MASS};
pub use step::{FrameExact, StepLatency};
pub use traffic::{
    Arrivals, BackgroundFlow, BackgroundPacket, Traffic, BACKGROUND_PRIORITY, DEFAULT_FPS,
    DEFAULT_PACKET_BYTES, LOWEST_PRIORITY, ROBOT_PRIORITY,
};

use serde::Serialize;

/// Downlink (gNB to UE) or uplink (UE to gNB).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Dl,
    Ul,
}

impl Direction {
    /// The other direction (where HARQ feedback and retransmission grants go).
    pub fn opposite(self) -> Direction {
        match self {
            Direction::Dl => Direction::Ul,
            Direction::Ul => Direction::Dl,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Direction::Dl => "dl",
            Direction::Ul => "ul",
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Direction::Dl => 0,
            Direction::Ul => 1,
        }
    }
}

/// Where a packet's latency goes, in milliseconds (DESIGN section 5): the
/// components of one packet, or of a mean, add up to its latency.
#[derive(Copy, Clone, Debug, Default, PartialEq, Serialize)]
pub struct Components {
    /// UE and gNB processing (preparation and decoding, from N1/N2).
    pub processing: f64,
    /// Waits for the next transmission opportunity of the frame structure
    /// (and, grant-based, for the SR occasion and the grant's PDCCH).
    pub alignment: f64,
    /// Air time of the transmission (and of the SR and PDCCH, grant-based).
    pub transmission: f64,
    /// Time added by HARQ retransmissions.
    pub harq: f64,
    /// Waits for resource blocks in a loaded cell.
    pub queueing: f64,
    /// Core network (UPF) and edge processing.
    pub core: f64,
}

impl Components {
    /// The sum of the components: the latency.
    pub fn total(&self) -> f64 {
        self.processing + self.alignment + self.transmission + self.harq + self.queueing + self.core
    }
}

/// Milliseconds in `ticks` (1/192 ns).
pub(crate) fn ticks_to_ms(ticks: f64) -> f64 {
    ticks / (frame::TICKS_PER_NS as f64 * 1e6)
}
