//! The plant: jobs, stations with parallel servers, finite buffers with
//! blocking, setups on product change, failures repaired by crews.
//!
//! [`simulate`] runs one replication of a [`Model`] to its horizon and returns
//! a [`RunOutput`] of post-warm-up statistics. The same (model, seed,
//! replication) always gives the same output, bit for bit.
//!
//! ```
//! let model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! let out = factory5g::factory::simulate(&model, 11, 0).unwrap();
//! assert!(out.stations[0].completed > 0);
//! ```
//!
//! Choices where the design leaves room (also in the README):
//! - A job released while its first station's input buffer is full waits at
//!   the release point, in release order (it counts as WIP from its release).
//! - A server's first job needs no setup; later jobs need one when their
//!   product differs from the server's previous job.
//! - A failure interrupts the phase in progress (setup or processing), which
//!   resumes where it stopped after the repair (preempt-resume). A server may
//!   fail while idle or blocked on the calendar basis; a blocked job still
//!   leaves when its destination has room.
//! - On the busy basis only processing time counts toward the next failure
//!   (setup does not).
//! - Repairs are served first-come first-served by the crew's members; a
//!   station without a crew is repaired at once (unlimited repairers).
//! - Jobs that finish but cannot enter the next station go to the output
//!   buffer if it has room, else keep their server blocked; stations admit
//!   waiting jobs in the order they started to wait.

mod bottleneck;
mod calendars;
mod event;
mod fleet;
mod network;
mod plant;
mod pools;
mod run;

use crate::engine::SimTime;
pub use crate::model::{AgvState, StationState};
use crate::stats::{Histogram, Tally};
use crate::text::thousands;

pub use bottleneck::{bottleneck_shares, BottleneckTime, MAX_BUFFERED};
pub use network::{
    cell_loads, FlowOutput, FlowSampling, LinkProfile, LinkProfiles, RadioOutput, FLOW_DRAWS,
    PER_MESSAGE_DRAWS, PROFILE_DRAWS, REFRESH,
};
pub use pools::PoolOutput;
pub use run::{
    simulate, simulate_traced, simulate_traced_with_limits, simulate_with, simulate_with_limits, Limits,
    DEFAULT_MAX_JOBS,
};

/// Why a replication could not run to its horizon.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SimError {
    #[error(
        "AGV deadlock at {time}: {} wait for each other's aisle segments ({}); the run cannot go on. \
         Use fewer AGVs, add aisles so that AGVs can pass each other, or set fleet.zone_control = false",
        agvs.join(", "),
        waits.join("; ")
    )]
    Deadlock {
        time: SimTime,
        agvs: Vec<String>,
        waits: Vec<String>,
    },
    /// [`Limits::max_events`] events were processed before the horizon.
    #[error(
        "stopped after {} events (the --max-events limit) at simulated time {time} of the {horizon} horizon; \
         raise --max-events, or shorten the horizon",
        thousands(*.limit)
    )]
    EventLimit {
        limit: u64,
        time: SimTime,
        horizon: SimTime,
    },
    /// More than [`Limits::max_jobs`] jobs were in the plant at once.
    #[error(
        "{} jobs in the plant at simulated time {time}, more than the limit of {}{busiest}: jobs are released \
         faster than the plant finishes them, and its queues would grow until memory runs out. Make the plant \
         keep up (slower releases, more servers; `factory5g validate` warns of unstable stations), or raise \
         --max-jobs",
        thousands(*.jobs),
        thousands(*.limit)
    )]
    TooManyJobs {
        jobs: u64,
        limit: u64,
        time: SimTime,
        /// Where the most jobs wait, as `; the longest queue is ...`, or empty.
        busiest: String,
    },
    /// [`Limits::cancel`] was set (Ctrl-C).
    #[error("interrupted at simulated time {time}")]
    Interrupted { time: SimTime },
    /// [`Limits::deadline`] passed (--timeout).
    #[error("stopped by the --timeout at simulated time {time}")]
    TimedOut { time: SimTime },
}

impl SimError {
    /// Whether the run was stopped from outside (Ctrl-C, --timeout) rather
    /// than failing on its own.
    pub fn is_stop(&self) -> bool {
        matches!(self, SimError::Interrupted { .. } | SimError::TimedOut { .. })
    }

    /// Whether the run was interrupted (Ctrl-C).
    pub fn is_interrupt(&self) -> bool {
        matches!(self, SimError::Interrupted { .. })
    }
}

/// Post-warm-up results of one replication.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub replication: u32,
    /// Events processed over the whole run, warm-up included.
    pub events: u64,
    /// Length of the observed period (horizon − warm-up), in seconds.
    pub observed_s: f64,
    pub products: Vec<ProductOutput>,
    /// Time in the plant of the jobs that left it, in seconds.
    pub lead_time_s: Tally,
    /// The same, in nanoseconds, for quantiles.
    pub lead_time_hist: Histogram,
    /// Time-average number of jobs in the plant.
    pub wip_mean: f64,
    /// Jobs in the plant at the horizon.
    pub wip_end: u64,
    pub stations: Vec<StationOutput>,
    /// The AGVs, when there is a fleet.
    pub fleet: Option<FleetOutput>,
    /// The whole run (warm-up included) in equal time bins.
    pub series: Series,
    /// Per flow of the model (background flows included, with no messages).
    pub flows: Vec<FlowOutput>,
    /// Handovers, radio link failures and cell loads (under `nr`).
    pub radio: RadioOutput,
    /// Per `[[pool]]`, its operators' time.
    pub pools: Vec<PoolOutput>,
    /// Per station, its time as sole or shifting bottleneck (the active
    /// period method).
    pub bottleneck: Vec<BottleneckTime>,
}

/// Time bins over the whole run, for plots and the warm-up check.
#[derive(Clone, Debug)]
pub struct Series {
    pub bin_s: f64,
    /// End products completed in each bin.
    pub completions: Vec<u64>,
    /// Time-average WIP (end products) in each bin.
    pub wip: Vec<f64>,
}

/// How many bins [`Series`] has.
pub const SERIES_BINS: usize = 112;

/// One line of an event trace: a state change, a job event, or an AGV's
/// movement.
///
/// The movement fields are set only on `move` and `pause` records (and
/// left out of the JSON line on every other record): a `move` starts a
/// straight movement `from` a point `to` the next (`from_xy`, `to_xy` in
/// metres), planned to end at `until` (seconds); a `pause` says where an
/// AGV stopped mid-movement (`at_xy`, interpolated). An empty point name is
/// a place that is not a point of the layout: the corner of a rectilinear
/// leg, or the position a paused AGV resumes from.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TraceRecord {
    /// Simulated time in seconds.
    pub time: f64,
    /// The same, exactly, in integer nanoseconds.
    pub time_ns: u64,
    /// `station:NAME/K` (server K), `station:NAME` (its input queue),
    /// `agvN`, or `job:ID`.
    pub entity: String,
    /// `state` (the entity entered `state`), `queue` (the station's input
    /// queue changed), `release`, `leave`, `move` or `pause`.
    pub event: &'static str,
    /// The new state, the queue's length (`queue`), the product for job
    /// events, the AGV's state during a movement (`move`) or `stopped`
    /// (`pause`).
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_xy: Option<[f64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_xy: Option<[f64; 2]>,
    /// The planned end of a movement, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<f64>,
    /// Where an AGV paused mid-movement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_xy: Option<[f64; 2]>,
}

impl TraceRecord {
    /// A record without movement fields.
    pub(crate) fn new(now: SimTime, entity: String, event: &'static str, state: String) -> TraceRecord {
        TraceRecord {
            time: now.as_secs_f64(),
            time_ns: now.as_nanos(),
            entity,
            event,
            state,
            from: None,
            to: None,
            from_xy: None,
            to_xy: None,
            until: None,
            at_xy: None,
        }
    }
}

/// A bounded event trace. By default the first `limit` records are kept
/// and the rest counted in `dropped`; a trace made by
/// [`Trace::keeping_last`] keeps the last `limit` instead and hands the
/// older ones, as they fall out, to a function of the caller's (the replay
/// folds them into the state the kept records start from). Records are in
/// time order, ties in the order they were made.
#[derive(Default)]
pub struct Trace {
    pub limit: usize,
    pub records: Vec<TraceRecord>,
    pub dropped: u64,
    /// Where the records that fall out of a trace keeping its last ones go.
    front: Option<TraceFront>,
}

/// What a trace keeping its last records does with the older ones.
pub type TraceFront = Box<dyn FnMut(TraceRecord) + Send>;

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("limit", &self.limit)
            .field("records", &self.records.len())
            .field("dropped", &self.dropped)
            .field(
                "keeps",
                &if self.front.is_some() {
                    "the last"
                } else {
                    "the first"
                },
            )
            .finish()
    }
}

impl Trace {
    pub fn new(limit: usize) -> Self {
        Trace {
            limit,
            ..Trace::default()
        }
    }

    /// A trace that keeps the last `limit` records: older ones go to
    /// `front` as they fall out, in time order (but for a movement
    /// recorded late, which may come after a record of a later time), and
    /// are counted in `dropped`. Memory stays within 1.25 `limit` records;
    /// [`Trace::settle`] at the end of the run brings it down to `limit`.
    pub fn keeping_last(limit: usize, front: impl FnMut(TraceRecord) + Send + 'static) -> Self {
        Trace {
            limit,
            front: Some(Box::new(front)),
            ..Trace::default()
        }
    }

    /// Keeps `record` in time order: a movement that began while nothing
    /// of its AGV happened (a leg driven in one timed event) is recorded
    /// late, when the AGV's next event comes, and goes in before the
    /// records of later times.
    pub(crate) fn push(&mut self, record: impl FnOnce() -> TraceRecord) {
        if self.front.is_some() {
            return self.push_keeping_last(record());
        }
        if self.records.len() < self.limit {
            self.insert(record());
        } else {
            self.dropped += 1;
        }
    }

    fn insert(&mut self, record: TraceRecord) {
        let at = self
            .records
            .iter()
            .rposition(|r| r.time_ns <= record.time_ns)
            .map_or(0, |i| i + 1);
        self.records.insert(at, record);
    }

    /// Keeps the last records: they fall out a batch at a time (a quarter
    /// of the limit), so that the front is not shifted at every record. A
    /// record older than those let go (a movement recorded late) goes in
    /// first and is the next to fall out: more than `limit` records are
    /// held from then on, so [`Trace::settle`] lets it go at the latest.
    #[cold]
    fn push_keeping_last(&mut self, record: TraceRecord) {
        self.insert(record);
        if self.records.len() >= self.limit.saturating_add((self.limit / 4).max(1)) {
            self.settle();
        }
    }

    /// Brings a trace keeping its last records down to `limit`, handing the
    /// older ones to its front; does nothing to a trace keeping its first.
    pub fn settle(&mut self) {
        let Some(front) = self.front.as_mut() else {
            return;
        };
        let excess = self.records.len().saturating_sub(self.limit);
        for record in self.records.drain(..excess) {
            self.dropped += 1;
            front(record);
        }
    }

    /// Records a line at `now` in `trace`, when there is one; the closures
    /// only run then.
    #[inline]
    pub(crate) fn line(
        trace: Option<&mut Trace>,
        now: SimTime,
        entity: impl FnOnce() -> String,
        event: &'static str,
        state: impl FnOnce() -> String,
    ) {
        if let Some(trace) = trace {
            trace.record(now, entity, event, state);
        }
    }

    /// Records a line at `now`. Cold and out of line: the hot paths only
    /// test whether there is a trace.
    #[cold]
    #[inline(never)]
    fn record(
        &mut self,
        now: SimTime,
        entity: impl FnOnce() -> String,
        event: &'static str,
        state: impl FnOnce() -> String,
    ) {
        self.push(|| TraceRecord::new(now, entity(), event, state()));
    }
}

#[derive(Clone, Debug)]
pub struct FleetOutput {
    /// Nanoseconds in each [`AgvState`], per AGV.
    pub agv_state_ns: Vec<[u64; AgvState::COUNT]>,
    /// Transport tasks finished.
    pub trips: u64,
    /// From assignment to the end of unloading, in seconds.
    pub trip_s: Tally,
    /// The most AGVs seen on one aisle segment at once, over the whole run
    /// (under deadlock avoidance counted as AGVs drive on and off, apart
    /// from the bookings that let them).
    pub max_segment_occupancy: u32,
    /// The most AGVs seen in one crossing at once, over the whole run
    /// (deadlock avoidance; 0 otherwise).
    pub max_crossing_occupancy: u32,
    /// Times each aisle segment was entered.
    pub segment_traversals: Vec<u64>,
    /// Milliwatt-nanoseconds the AGVs used after the warm-up, metered at
    /// each state change; `None` without `power_kw`.
    pub energy_mwns: Option<u128>,
}

impl FleetOutput {
    /// Fraction of AGV time in each state, over the fleet; sums to 1.
    pub fn utilization(&self) -> [f64; AgvState::COUNT] {
        fractions(self.agv_state_ns.iter())
    }
}

/// Fractions of the summed totals; they sum to 1 (all zero for no time).
pub fn fractions<'a, const N: usize>(totals: impl Iterator<Item = &'a [u64; N]>) -> [f64; N] {
    let mut sum = [0u64; N];
    for t in totals {
        for (acc, ns) in sum.iter_mut().zip(t) {
            *acc += ns;
        }
    }
    let total: u64 = sum.iter().sum();
    let mut u = [0.0; N];
    if total > 0 {
        for (f, ns) in u.iter_mut().zip(sum) {
            *f = ns as f64 / total as f64;
        }
    }
    u
}

#[derive(Clone, Debug, Default)]
pub struct ProductOutput {
    /// False for sub-assemblies (`release = "pull"`), which are not counted
    /// in the plant's throughput, lead time and WIP.
    pub end_product: bool,
    /// Jobs released after the warm-up.
    pub released: u64,
    /// Jobs that left the plant after the warm-up.
    pub completed: u64,
    /// Over the whole run, warm-up included (for conservation checks).
    pub released_total: u64,
    pub completed_total: u64,
    /// Where the product's jobs are at the horizon, found place by place.
    pub census: JobCensus,
    /// Sub-assemblies delivered to their assembly station, over the run.
    pub stocked_total: u64,
    /// Sub-assemblies consumed by an assembly step, over the run.
    pub consumed_total: u64,
    /// Sub-assemblies waiting at their assembly station at the horizon.
    pub in_stock_end: u64,
}

/// Where the jobs of one product are at the horizon, counted by walking
/// every place that holds a job (queues, servers, the lists of jobs waiting
/// for room, the fleet's tasks), never from the release and completion
/// counters: so `released_total − completed_total == in_process()` is a
/// check that a job lost or counted twice inside the plant fails.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct JobCensus {
    /// At the release point: waiting for room at the first station, or for
    /// the AGV that takes it there.
    pub at_release: u64,
    /// In input queues.
    pub queued: u64,
    /// Held by a server: in setup or processing, waiting for a kit,
    /// sub-assemblies or the cycle-start command, or blocked.
    pub on_servers: u64,
    /// In output buffers, waiting for room downstream or for an AGV.
    pub in_output: u64,
    /// On AGVs.
    pub carried: u64,
    /// Finished sub-assemblies not yet in their assembly station's stock:
    /// held by a server, in an output buffer or on an AGV.
    pub delivering: u64,
}

impl JobCensus {
    /// Jobs that have not finished their route.
    pub fn in_process(&self) -> u64 {
        self.at_release + self.queued + self.on_servers + self.in_output + self.carried
    }
}

#[derive(Clone, Debug)]
pub struct StationOutput {
    /// Jobs that finished processing here.
    pub completed: u64,
    /// Jobs that entered the station (went to a server or its input queue).
    pub entered: u64,
    /// Server-nanoseconds in each [`StationState`], summed over servers.
    pub state_ns: [u64; StationState::COUNT],
    /// The same, for each server.
    pub server_state_ns: Vec<[u64; StationState::COUNT]>,
    /// Wait from entering the station to seizing a server, in seconds.
    pub queue_wait_s: Tally,
    /// Time-average number of jobs in the input queue.
    pub queue_len_mean: f64,
    /// Milliwatt-nanoseconds its servers used after the warm-up, metered at
    /// each state change; `None` without `power_kw`.
    pub energy_mwns: Option<u128>,
}

impl StationOutput {
    /// Fraction of server time in each state; sums to 1.
    pub fn utilization(&self) -> [f64; StationState::COUNT] {
        fractions(std::iter::once(&self.state_ns))
    }
}

/// Milliwatt-nanoseconds in a kilowatt-hour.
pub const MWNS_PER_KWH: f64 = 3.6e18;

impl RunOutput {
    /// The energy metered after the warm-up, in kWh (stations and AGVs
    /// with `power_kw`); `None` when nothing is metered.
    pub fn energy_kwh(&self) -> Option<f64> {
        let metered = self
            .stations
            .iter()
            .filter_map(|st| st.energy_mwns)
            .chain(self.fleet.as_ref().and_then(|f| f.energy_mwns));
        let mut any = false;
        let mut total: u128 = 0;
        for mwns in metered {
            any = true;
            total += mwns;
        }
        any.then(|| total as f64 / MWNS_PER_KWH)
    }

    /// End products that left the plant after the warm-up.
    pub fn end_products_completed(&self) -> u64 {
        self.products
            .iter()
            .filter(|p| p.end_product)
            .map(|p| p.completed)
            .sum()
    }

    /// End products that left the plant, per hour of observed time.
    pub fn throughput_per_h(&self) -> f64 {
        self.end_products_completed() as f64 / (self.observed_s / 3600.0)
    }
}
