//! The plant in one replication, event by event: the stations, their jobs
//! and failures, and the run loop. The AGVs (`fleet/`) and the robots'
//! side of the network (`network/`) are parts of their own, and so are the
//! calendars (`calendars.rs`) and the worker pools (`pools.rs`): the plant
//! calls them with a [`Ctx`] and applies the [`Effect`]s they return in one
//! place ([`Sim::apply`]; see `event.rs` for the order effects keep).
//! `stations.rs` moves jobs through the stations; `failures.rs` fails,
//! repairs, stops and resumes servers; `shifts.rs` applies shift changes
//! and seizes and releases operators.
//!
//! Invariants: a job is in exactly one place ([`JobPlace`]), held by a
//! queue, a server or an AGV, or listed by what will move it (a station's
//! waiters, a transport task); [`Sim::census`] walks those places. A
//! station's `reserved` counts jobs on their way to it by AGV; its
//! `output_used` the jobs in its output buffer. A server's state clock is
//! brought up to date whenever its phase, failure or stops change
//! (`refresh`).
//!
//! A job's path through a station (release, admission, seizing a server,
//! processing, leaving) is a chain of small functions marked
//! `#[inline(always)]`. Called from several places, the compiler kept them
//! out of line, and saving registers and passing arguments between them was
//! half of what an M/M/3 job stored to memory; inlined, a job takes 10%
//! fewer instructions and 7% less time. The rare turns of that path (kits,
//! sub-assemblies, setups) are `#[inline(never)]` so that the inlined code
//! stays small.

mod failures;
mod shifts;
mod stations;

use super::bottleneck::{Bottlenecks, ACTIVE};
use super::calendars::CalendarsRt;
use super::event::{Cargo, Ctx, Effect, Event, JobId, Places, Robot, Waiter};
use super::fleet::{FleetRt, Messages};
use super::network::{stoppable_agvs, stoppable_arms, LinkProfiles, NetCtx, NetRt};
use super::pools::PoolsRt;
use super::{
    JobCensus, Limits, ProductOutput, RunOutput, Series, SimError, StationOutput, StationState, Trace,
    SERIES_BINS,
};
use crate::engine::{EventId, EventQueue, RngStreams, SimTime, Slab, StreamRng};
use crate::model::{FailureBasis, Model, Operators, PointId, ProductId, StationId};
use crate::stats::{Histogram, StateClock, Tally, TimeAverage, TimeSeries};
use shifts::stations_with_pools_on_calendars;
use std::collections::VecDeque;

/// Where a job is, so that moving it frees the right place.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum JobPlace {
    /// Released, waiting at the release point (the warehouse, with a fleet).
    ReleasePoint,
    InQueue(StationId),
    OnServer(StationId, u32),
    /// Finished at the station, in its output buffer.
    InOutput(StationId),
    /// On an AGV.
    Carried,
}

#[derive(Copy, Clone, Debug)]
struct Job {
    product: ProductId,
    step: u32,
    released: SimTime,
    entered_station: SimTime,
    place: JobPlace,
}

/// What a server is doing. Each phase is numbered as the state it shows in
/// the report when the server is neither failed nor stopped, so that
/// `refresh` reads the state off the phase.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Phase {
    Idle = StationState::Idle as u8,
    /// Holding a job, waiting for its parts kit or sub-assemblies.
    Starved = StationState::Starved as u8,
    /// Ready to process, waiting for the cycle-start command.
    NetworkWait = StationState::NetworkWait as u8,
    Setup = StationState::Setup as u8,
    Busy = StationState::Busy as u8,
    /// Holding a finished job that cannot move on (or waits for its AGV).
    Blocked = StationState::Blocked as u8,
    /// Holding a job with its parts, waiting for the operators its step
    /// needs (in the pool's queue), or holding them while halted before
    /// its setup could begin.
    NoOperator = StationState::NoOperator as u8,
}

struct Server {
    phase: Phase,
    job: Option<JobId>,
    last_product: Option<ProductId>,
    failed: bool,
    /// A parts kit is on its way.
    kit_pending: bool,
    /// Protective stops in force (periodic flows).
    stops: u32,
    /// Outside the station's calendar.
    off_shift: bool,
    /// The pool of the operators it holds is off shift.
    operators_away: bool,
    /// The operators it holds (from its setup to the end of processing).
    operators: Option<Operators>,
    /// Milliwatt-nanoseconds used since the warm-up, metered at each state
    /// change (stations with `power_kw`).
    energy_mwns: u128,
    /// The cycle-start command arrived while the server was down.
    command_ready: bool,
    clock: StateClock<{ StationState::COUNT }>,
    /// The pending end of the current setup or processing.
    phase_end: Option<(EventId, SimTime)>,
    /// Work left of a phase interrupted by a failure.
    interrupted: SimTime,
    /// Boxed: with its two random streams it is most of a server's size,
    /// and only stations with failures touch it.
    failure: Option<Box<ServerFailure>>,
}

struct ServerFailure {
    ttf_rng: StreamRng,
    repair_rng: StreamRng,
    /// Busy basis: processing time left before the next failure.
    busy_ttf_left: SimTime,
    /// Busy basis: the pending failure while processing, and when processing began.
    pending: Option<(EventId, SimTime)>,
    /// Calendar basis at a station with a calendar: the pending failure and
    /// when it is due (it pauses off shift), or the time to failure left
    /// while off shift.
    calendar_pending: Option<(EventId, SimTime)>,
    paused_ttf: Option<SimTime>,
    /// With a crew on a calendar: the repair's pending end and when it is
    /// due (it pauses while the crew is off shift), or the repair time left.
    repair: Option<(EventId, SimTime)>,
    repair_left: Option<SimTime>,
}

impl Server {
    /// Whether something holds its work: a failure, a stop, the end of its
    /// shift, or of its operators'.
    #[inline(always)]
    fn halted(&self) -> bool {
        self.failed || self.stops > 0 || self.off_shift || self.operators_away
    }

    /// Whether it may seize a job now (an idle server that is stopped may:
    /// it holds the job until the stop ends).
    #[inline(always)]
    fn can_take(&self) -> bool {
        !self.failed && !self.off_shift
    }
}

struct StationRt<'m> {
    queue: VecDeque<JobId>,
    /// Jobs elsewhere that wait for room here, first come first served.
    waiters: VecDeque<JobId>,
    /// A phase can be interrupted (failures, or protective stops of its
    /// arms): its ends are scheduled cancellable.
    haltable: bool,
    /// Failures count busy time: processing arms and disarms them.
    busy_failures: bool,
    /// Failures on the calendar basis pause off shift (the station has a
    /// calendar): they are scheduled cancellable.
    shift_failures: bool,
    /// Electric power per server by state, when metered.
    power: Option<&'m [u64; StationState::COUNT]>,
    /// Servers in an active state (the bottleneck method's): the station is
    /// active while all are.
    active_servers: u32,
    /// Nothing stands between seizing a server and processing: no kit, no
    /// parts to assemble, no setup, no cycle-start command, and nothing can
    /// interrupt it (see [`Sim::mark_plain_stations`]). A job then skips the
    /// readiness checks, a tenth of an M/M/c job's time.
    plain: bool,
    /// Places promised to jobs on their way here by AGV.
    reserved: u32,
    servers: Vec<Server>,
    output_used: u32,
    /// Servers blocked by a full output buffer, in the order they blocked.
    blocked_on_output: VecDeque<u32>,
    /// Finished sub-assemblies waiting here to be assembled, by product.
    stock: Vec<u32>,
    /// Servers waiting for sub-assemblies, in the order they began to wait.
    parts_waiters: VecDeque<u32>,
    process_rng: StreamRng,
    /// Only with setups; boxed, as it is cold and large.
    setup_rng: Option<Box<StreamRng>>,
    queue_len: TimeAverage,
    queue_wait_s: Tally,
    completed: u64,
    entered: u64,
}

struct CrewRt {
    free: u32,
    waiting: VecDeque<(StationId, u32)>,
    /// On shift (always, without a calendar).
    on: bool,
    /// The crew has a calendar: repairs pause off shift, so their ends are
    /// scheduled cancellable.
    pausable: bool,
}

struct ProductRt {
    rng: StreamRng,
    out: ProductOutput,
}

/// The plant in one replication. Its fields are its own: the fleet and the
/// network are parts it calls, which answer with effects.
pub(super) struct Sim<'m> {
    model: &'m Model,
    queue: EventQueue<Event>,
    now: SimTime,
    stations: Vec<StationRt<'m>>,
    crews: Vec<CrewRt>,
    products: Vec<ProductRt>,
    jobs: Slab<Job>,
    /// Stations that may have room for their waiters.
    to_pull: Vec<StationId>,
    /// Per product, the station that assembles it (sub-assemblies), looked
    /// up once rather than by scanning the routes at every completion.
    consumer: Vec<Option<StationId>>,
    /// Per product, the sub-assemblies released with each of its jobs (one
    /// per unit its route assembles), gathered once from the route.
    made_to_order: Vec<Vec<ProductId>>,
    /// Jobs of end products (not sub-assemblies) in the plant.
    wip: u64,
    lead_time_s: Tally,
    lead_time_hist: Histogram,
    fleet: Option<FleetRt>,
    /// Set when the run cannot go on (an AGV deadlock).
    error: Option<SimError>,
    /// Completions and WIP over the whole run, and the mean WIP since the
    /// warm-up.
    series: TimeSeries,
    /// Records state changes when a trace is asked for.
    trace: Option<&'m mut Trace>,
    /// Messages, cells and periodic flows; `None` without flows.
    net: Option<NetRt<'m>>,
    /// The effects the parts returned and the plant has yet to apply (one
    /// buffer for the whole run: no allocation per event).
    effects: Vec<Effect>,
    calendars: CalendarsRt,
    pools: PoolsRt,
    bottlenecks: Bottlenecks,
}

/// The [`Ctx`] a part handles an event in, borrowing only the fields of
/// the plant it needs (so the part itself, another field, can be borrowed
/// beside it).
macro_rules! part_ctx {
    ($sim:ident, $trace:expr, $view:expr) => {
        Ctx {
            now: $sim.now,
            model: $sim.model,
            queue: &mut $sim.queue,
            trace: $trace,
            view: $view,
        }
    };
}

/// Counts a server's state change `old` → `new` in its station's active
/// servers (the bottleneck method's states); returns whether the station
/// became active or inactive (all servers active, or no longer).
#[inline(always)]
fn bottleneck_flip(st: &mut StationRt<'_>, old: usize, new: usize) -> bool {
    let (was, is) = (ACTIVE[old], ACTIVE[new]);
    if was == is {
        return false;
    }
    let all = st.servers.len() as u32;
    let before = st.active_servers == all;
    if is {
        st.active_servers += 1;
    } else {
        st.active_servers -= 1;
    }
    before != (st.active_servers == all)
}

/// How many events run between two checks of the wall clock, the
/// cancellation flag and the number of jobs.
const CHECK_EVERY: u64 = 4096;

/// Runs replication `replication` of `model` to its horizon (see
/// [`simulate`](super::simulate)).
pub(super) fn run<'m>(
    model: &'m Model,
    profiles: &'m LinkProfiles,
    seed: u64,
    replication: u32,
    trace: Option<&'m mut Trace>,
    limits: &Limits,
) -> Result<RunOutput, SimError> {
    let streams = RngStreams::new(seed, replication);
    let mut sim = Sim::new(model, profiles, &streams, trace);
    let ended = sim.run_to(model.horizon, limits);
    if ended.is_ok() {
        sim.now = model.horizon;
    }
    if sim.trace.is_some() && sim.fleet.is_some() {
        // Movements a leg began without an event of their own.
        sim.with_fleet(|fleet, ctx, _| fleet.flush_trace(ctx));
    }
    if sim.trace.is_some() && sim.net.is_some() {
        // Handovers and link failures not yet written.
        sim.with_net(|net, ctx, _| net.trace_radio(true, ctx));
    }
    let events = ended?;
    Ok(sim.finish(replication, events))
}

impl<'m> Sim<'m> {
    /// Runs events up to `horizon`; returns how many ran, or why the run
    /// could not go on.
    fn run_to(&mut self, horizon: SimTime, limits: &Limits) -> Result<u64, SimError> {
        let max_events = limits.max_events.unwrap_or(u64::MAX);
        let mut events = 0u64;
        // The next event count at which the limits are checked.
        let mut next_check = CHECK_EVERY.min(max_events);
        while let Some((t, ev)) = self.queue.pop_until(horizon) {
            if events >= next_check {
                if events >= max_events {
                    return Err(SimError::EventLimit {
                        limit: max_events,
                        time: self.now,
                        horizon,
                    });
                }
                if let Some(stop) = limits.stop_at(self.now) {
                    return Err(stop);
                }
                let jobs = self.jobs.live() as u64;
                if jobs > limits.max_jobs {
                    return Err(self.too_many_jobs(jobs, limits.max_jobs));
                }
                next_check = events.saturating_add(CHECK_EVERY).min(max_events);
            }
            // The queue never goes back in time; neither does the plant.
            debug_assert!(t >= self.now, "simulated time went back from {} to {t}", self.now);
            self.now = t;
            events += 1;
            self.handle(ev);
            while let Some(station) = self.to_pull.pop() {
                self.pull(station);
            }
            if let Some(error) = self.error.take() {
                return Err(error);
            }
        }
        Ok(events)
    }

    /// The plant at time zero, with its first events scheduled: the end
    /// of the warm-up, each product's first release, the calendar
    /// failures, then the periodic flows' first events.
    fn new(
        model: &'m Model,
        profiles: &'m LinkProfiles,
        streams: &RngStreams,
        trace: Option<&'m mut Trace>,
    ) -> Self {
        let net = (!model.flows.is_empty()).then(|| NetRt::new(model, profiles, streams));
        let mut queue = EventQueue::new();
        let calendars = CalendarsRt::new(model, &mut queue);
        let pools = PoolsRt::new(model, |pool| {
            model.pools[pool].calendar.is_none_or(|c| calendars.is_on(c))
        });
        let halted_by_pools = stations_with_pools_on_calendars(model);
        let sends = |waiter| net.as_ref().is_some_and(|n| n.sends(waiter));
        let messages = Messages {
            dispatch: sends(Waiter::Dispatch(0)),
            segment_request: sends(Waiter::SegmentRequest(0)),
            segment_grant: sends(Waiter::SegmentGrant(0)),
            follow_motion: net.as_ref().is_some_and(|n| n.follows_agvs()),
        };
        let stations = model
            .stations
            .iter()
            .enumerate()
            .map(|(station, st)| StationRt {
                queue: VecDeque::new(),
                waiters: VecDeque::new(),
                haltable: st.failures.is_some()
                    || stoppable_arms(model, station)
                    || st.calendar.is_some()
                    || halted_by_pools[station],
                busy_failures: st
                    .failures
                    .as_ref()
                    .is_some_and(|f| f.basis == FailureBasis::Busy),
                shift_failures: st.calendar.is_some()
                    && st
                        .failures
                        .as_ref()
                        .is_some_and(|f| f.basis == FailureBasis::Calendar),
                power: st.power_mw.as_ref(),
                active_servers: 0,
                plain: false,
                reserved: 0,
                servers: (0..st.servers)
                    .map(|server| Server {
                        phase: Phase::Idle,
                        job: None,
                        last_product: None,
                        failed: false,
                        kit_pending: false,
                        stops: 0,
                        off_shift: false,
                        operators_away: false,
                        operators: None,
                        energy_mwns: 0,
                        command_ready: false,
                        clock: StateClock::new(StationState::Idle as usize, SimTime::ZERO),
                        phase_end: None,
                        interrupted: SimTime::ZERO,
                        failure: st.failures.as_ref().map(|f| {
                            let mut ttf_rng =
                                streams.stream(&format!("station:{}/server:{server}/ttf", st.name));
                            let busy_ttf_left = match f.basis {
                                FailureBasis::Busy => f.mtbf.sample(&mut ttf_rng),
                                FailureBasis::Calendar => SimTime::ZERO,
                            };
                            Box::new(ServerFailure {
                                ttf_rng,
                                repair_rng: streams
                                    .stream(&format!("station:{}/server:{server}/repair", st.name)),
                                busy_ttf_left,
                                pending: None,
                                calendar_pending: None,
                                paused_ttf: None,
                                repair: None,
                                repair_left: None,
                            })
                        }),
                    })
                    .collect(),
                output_used: 0,
                blocked_on_output: VecDeque::new(),
                stock: vec![0; model.products.len()],
                parts_waiters: VecDeque::new(),
                process_rng: streams.stream(&format!("station:{}/process", st.name)),
                setup_rng: st
                    .setup
                    .as_ref()
                    .map(|_| Box::new(streams.stream(&format!("station:{}/setup", st.name)))),
                queue_len: TimeAverage::default(),
                queue_wait_s: Tally::default(),
                completed: 0,
                entered: 0,
            })
            .collect();
        let mut sim = Sim {
            model,
            queue,
            now: SimTime::ZERO,
            stations,
            crews: model
                .crews
                .iter()
                .map(|c| CrewRt {
                    free: c.size,
                    waiting: VecDeque::new(),
                    on: c.calendar.is_none_or(|cal| calendars.is_on(cal)),
                    pausable: c.calendar.is_some(),
                })
                .collect(),
            products: model
                .products
                .iter()
                .map(|p| ProductRt {
                    rng: streams.stream(&format!("product:{}/release", p.name)),
                    out: ProductOutput {
                        end_product: p.release.is_end_product(),
                        ..ProductOutput::default()
                    },
                })
                .collect(),
            jobs: Slab::new(),
            to_pull: Vec::new(),
            consumer: (0..model.products.len())
                .map(|p| model.consumer_station(p))
                .collect(),
            made_to_order: model
                .products
                .iter()
                .map(|p| {
                    p.route
                        .iter()
                        .flat_map(|step| step.assemble.iter().copied())
                        .collect()
                })
                .collect(),
            wip: 0,
            lead_time_s: Tally::default(),
            lead_time_hist: Histogram::default(),
            fleet: model
                .fleet
                .as_ref()
                .map(|f| FleetRt::new(model, f, streams, stoppable_agvs(model), messages)),
            error: None,
            series: TimeSeries::new(model.horizon, SERIES_BINS),
            trace,
            net,
            effects: Vec::new(),
            calendars,
            pools,
            bottlenecks: Bottlenecks::new(model.stations.len(), model.warmup),
        };
        // What is off shift at time 0 (before failures are drawn: on a
        // station with a calendar they count on-shift time only).
        sim.start_shifts();
        if model.warmup > SimTime::ZERO {
            sim.queue.schedule(model.warmup, Event::WarmupEnd);
        }
        for (index, product) in model.products.iter().enumerate() {
            if let Some(every) = product.release.interarrival() {
                let first = every.sample(&mut sim.products[index].rng);
                sim.queue.schedule(first, Event::Release(index));
            }
        }
        for (station, spec) in model.stations.iter().enumerate() {
            if spec
                .failures
                .as_ref()
                .is_some_and(|f| f.basis == FailureBasis::Calendar)
            {
                for server in 0..spec.servers {
                    sim.draw_time_to_failure(station, server);
                }
            }
        }
        if sim.net.is_some() {
            sim.with_net(|net, ctx, _| net.start_streams(ctx));
        }
        if model.fleet.as_ref().is_some_and(|f| !f.parking.is_empty()) {
            sim.with_fleet(|fleet, ctx, out| fleet.start(ctx, out));
        }
        sim.mark_plain_stations();
        // CONWIP products: their jobs are all in the plant from the start.
        for (product, spec) in model.products.iter().enumerate() {
            for _ in 0..spec.release.conwip().unwrap_or(0) {
                sim.start_with_subassemblies(product);
            }
        }
        sim
    }

    /// The error of a plant holding more than `limit` jobs, naming the
    /// station where the most of them wait.
    fn too_many_jobs(&self, jobs: u64, limit: u64) -> SimError {
        let busiest = self
            .stations
            .iter()
            .enumerate()
            .map(|(station, st)| (st.queue.len() + st.waiters.len(), station))
            .max()
            .filter(|(waiting, _)| *waiting > 0)
            .map(|(waiting, station)| {
                format!(
                    "; the most wait at station `{}` ({} jobs)",
                    self.model.stations[station].name,
                    crate::text::thousands(waiting as u64)
                )
            })
            .unwrap_or_default();
        SimError::TooManyJobs {
            jobs,
            limit,
            time: self.now,
            busiest,
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Release(p) => self.release(p),
            Event::PhaseEnd { station, server } => self.phase_end(station as usize, server),
            Event::Failure { station, server } => self.failure(station as usize, server),
            Event::RepairEnd { station, server } => self.repair_end(station as usize, server),
            Event::AgvArrive { agv } => {
                self.with_fleet(|fleet, ctx, out| fleet.on_arrive(agv as usize, ctx, out))
            }
            Event::AgvHandled { agv } => {
                self.with_fleet(|fleet, ctx, out| fleet.on_handled(agv as usize, ctx, out))
            }
            Event::AgvCharged { agv } => {
                self.with_fleet(|fleet, ctx, out| fleet.on_charged(agv as usize, ctx, out))
            }
            Event::NetDelivered { packet } => {
                self.with_net(|net, ctx, out| net.on_delivered(packet, ctx, out))
            }
            Event::NetTimeout { packet } => self.with_net(|net, ctx, _| net.on_timeout(packet, ctx)),
            Event::CellSlot { cell } => self.with_net(|net, ctx, _| net.on_cell_slot(cell as usize, ctx)),
            Event::Stream { stream, generation } => {
                self.with_net(|net, ctx, out| net.on_stream(stream as usize, generation, ctx, out))
            }
            Event::StreamRestart { stream } => {
                self.with_net(|net, ctx, out| net.on_stream_restart(stream as usize, ctx, out))
            }
            Event::StreamDue { stream, due } => {
                self.with_net(|net, ctx, out| net.on_stream_due(stream as usize, due, ctx, out))
            }
            Event::WarmupEnd => self.clear_statistics(),
            Event::Shift { calendar } => {
                let mark = self.effects.len();
                let mut ctx = part_ctx!(self, self.trace.as_deref_mut(), ());
                self.calendars
                    .on_change(calendar as usize, &mut ctx, &mut self.effects);
                self.apply(mark);
            }
        }
    }

    /// Applies the effects the parts returned from `mark` on, in order, each
    /// with all it sets off (the effects of the calls it makes) before the
    /// next: the one place where what a part asks for changes the plant.
    fn apply(&mut self, mark: usize) {
        let mut next = mark;
        while next < self.effects.len() {
            let effect = self.effects[next];
            next += 1;
            match effect {
                Effect::StartExchange(waiter) => self.with_net(|net, ctx, _| net.start_exchange(waiter, ctx)),
                Effect::ExchangeDone(Waiter::CycleStart(station, server)) => {
                    self.cycle_start_done(station, server)
                }
                Effect::ExchangeDone(
                    waiter @ (Waiter::Dispatch(_) | Waiter::SegmentRequest(_) | Waiter::SegmentGrant(_)),
                ) => self.with_fleet(|fleet, ctx, out| fleet.exchange_done(waiter, ctx, out)),
                Effect::StopRobot(Robot::Agv(agv)) => {
                    self.with_fleet(|fleet, ctx, out| fleet.pause(agv as usize, ctx, out))
                }
                Effect::StopRobot(Robot::Arm(station, server)) => self.server_stop(station, server),
                Effect::RestartRobot(Robot::Agv(agv)) => {
                    self.with_fleet(|fleet, ctx, out| fleet.resume(agv as usize, ctx, out))
                }
                Effect::RestartRobot(Robot::Arm(station, server)) => self.server_restart(station, server),
                Effect::PickedUp(job) => {
                    let place = self.jobs[job].place;
                    self.jobs[job].place = JobPlace::Carried;
                    self.free_place(place);
                }
                Effect::Delivered(Cargo::Job { job, dest }) => self.deliver_job(job, dest),
                Effect::Delivered(Cargo::Kit { station, server }) => self.kit_arrived(station, server),
                Effect::Delivered(Cargo::SubAssembly { job, station }) => {
                    self.deliver_subassembly(job, station)
                }
                Effect::Deadlock => self.error = self.fleet.as_mut().and_then(FleetRt::take_deadlock),
                Effect::ThenAgv { agv, step } => {
                    self.with_fleet(|fleet, ctx, out| fleet.then(agv as usize, step, ctx, out))
                }
                Effect::ThenStream(stream) => {
                    self.with_net(|net, ctx, _| net.then_stream(stream as usize, ctx))
                }
                Effect::Shift { calendar, on } => self.shift(calendar, on),
                Effect::OperatorsGranted { station, server } => self.operators_granted(station, server),
                Effect::AgvMotion { agv, drive_until } => {
                    self.with_net(|net, ctx, out| net.agv_motion(agv, drive_until, ctx, out))
                }
            }
        }
        self.effects.truncate(mark);
    }

    /// Lets the fleet handle something, then applies the effects it
    /// returned.
    #[inline]
    fn with_fleet(&mut self, call: impl FnOnce(&mut FleetRt, &mut Ctx<'_, 'm>, &mut Vec<Effect>)) {
        let fleet = self.fleet.as_mut().expect("a fleet");
        let mark = self.effects.len();
        let mut ctx = part_ctx!(self, self.trace.as_deref_mut(), ());
        call(fleet, &mut ctx, &mut self.effects);
        self.apply(mark);
    }

    /// Lets the network handle something, showing it where the AGVs are,
    /// then applies the effects it returned.
    #[inline]
    fn with_net(&mut self, call: impl FnOnce(&mut NetRt<'m>, &mut NetCtx<'_, 'm>, &mut Vec<Effect>)) {
        let net = self.net.as_mut().expect("a network");
        let fleet = self.fleet.as_ref();
        let agv_at = |agv: u32| fleet.map_or(0, |f| f.agv_point(agv));
        let layout = self.model.layout.as_ref();
        let agv_leg = |agv: u32, corners: &mut Vec<[f64; 2]>| match (fleet, layout) {
            (Some(f), Some(l)) => f.leg_polyline(agv, l, corners),
            _ => corners.clear(),
        };
        let mark = self.effects.len();
        let mut ctx = part_ctx!(
            self,
            self.trace.as_deref_mut(),
            Places {
                agv_at: &agv_at,
                agv_leg: &agv_leg
            }
        );
        call(net, &mut ctx, &mut self.effects);
        self.apply(mark);
    }

    /// Whether `waiter` waits for messages (fixed for the run).
    #[inline]
    fn sends(&self, waiter: Waiter) -> bool {
        self.net.as_ref().is_some_and(|net| net.sends(waiter))
    }

    /// The fleet manager receives a transport request.
    fn request_transport(&mut self, cargo: Cargo, from: PointId, to: PointId) {
        self.with_fleet(|fleet, ctx, out| fleet.request_transport(cargo, from, to, ctx, out));
    }

    /// Records a line of the trace now, when a trace is asked for; the
    /// closures only run then.
    #[inline]
    fn trace_line(
        &mut self,
        entity: impl FnOnce() -> String,
        event: &'static str,
        state: impl FnOnce() -> String,
    ) {
        Trace::line(self.trace.as_deref_mut(), self.now, entity, event, state);
    }

    fn clear_statistics(&mut self) {
        let now = self.now;
        for st in &mut self.stations {
            for sv in &mut st.servers {
                sv.clock.reset(now);
                sv.energy_mwns = 0;
            }
            st.queue_len.reset(now);
            st.queue_wait_s.clear();
            st.completed = 0;
            st.entered = 0;
        }
        for p in &mut self.products {
            p.out.released = 0;
            p.out.completed = 0;
        }
        self.series.mark(now);
        self.lead_time_s.clear();
        self.lead_time_hist.clear();
        if let Some(f) = &mut self.fleet {
            f.clear_statistics(now);
        }
        if let Some(n) = &mut self.net {
            n.clear_statistics(now);
        }
        self.pools.clear_statistics(now);
        self.bottlenecks.clear_statistics(now);
    }

    /// Where every job is, per product, found by walking the places that
    /// hold jobs: queues and servers hold theirs; a job at the release
    /// point or in an output buffer is found through what will move it (a
    /// station's list of jobs waiting for room, or a transport task); a job
    /// on an AGV through the AGV's task. A job in several lists (a blocked
    /// server's job waiting for room) is counted where it is held.
    fn census(&self) -> Vec<JobCensus> {
        let model = self.model;
        let mut census = vec![JobCensus::default(); model.products.len()];
        let mut count = |job: JobId, held: Option<JobPlace>| {
            let j = &self.jobs[job];
            let c = &mut census[j.product];
            let place = match held {
                Some(place) => place,
                // Found through a reference: counted only where nothing
                // else holds it.
                None => match j.place {
                    place @ (JobPlace::ReleasePoint | JobPlace::InOutput(_)) => place,
                    JobPlace::InQueue(_) | JobPlace::OnServer(..) | JobPlace::Carried => return,
                },
            };
            let tally = if j.step as usize == model.products[j.product].route.len() {
                &mut c.delivering
            } else {
                match place {
                    JobPlace::ReleasePoint => &mut c.at_release,
                    JobPlace::InQueue(_) => &mut c.queued,
                    JobPlace::OnServer(..) => &mut c.on_servers,
                    JobPlace::InOutput(_) => &mut c.in_output,
                    JobPlace::Carried => &mut c.carried,
                }
            };
            *tally += 1;
        };
        for (station, st) in self.stations.iter().enumerate() {
            for &job in &st.queue {
                count(job, Some(JobPlace::InQueue(station)));
            }
            for (server, sv) in st.servers.iter().enumerate() {
                if let Some(job) = sv.job {
                    count(job, Some(JobPlace::OnServer(station, server as u32)));
                }
            }
            for &job in &st.waiters {
                count(job, None);
            }
        }
        if let Some(fleet) = &self.fleet {
            for (cargo, loaded) in fleet.tasks() {
                if let Cargo::Job { job, .. } | Cargo::SubAssembly { job, .. } = cargo {
                    count(job, loaded.then_some(JobPlace::Carried));
                }
            }
        }
        census
    }

    fn finish(mut self, replication: u32, events: u64) -> RunOutput {
        let now = self.now;
        let pools = self.pools.output(now);
        let stations = self
            .stations
            .iter()
            .map(|st| {
                let server_state_ns: Vec<[u64; StationState::COUNT]> =
                    st.servers.iter().map(|sv| sv.clock.totals(now)).collect();
                let mut state_ns = [0u64; StationState::COUNT];
                for totals in &server_state_ns {
                    for (acc, ns) in state_ns.iter_mut().zip(totals) {
                        *acc += ns;
                    }
                }
                // The meters, with each server's time in its last state.
                let energy_mwns = st.power.map(|power| {
                    st.servers
                        .iter()
                        .map(|sv| {
                            sv.energy_mwns
                                + u128::from(power[sv.clock.state()]) * u128::from(sv.clock.in_state(now))
                        })
                        .sum()
                });
                StationOutput {
                    completed: st.completed,
                    entered: st.entered,
                    state_ns,
                    server_state_ns,
                    queue_wait_s: st.queue_wait_s.clone(),
                    queue_len_mean: st.queue_len.mean(now),
                    energy_mwns,
                }
            })
            .collect();
        let fleet = self.fleet.as_ref().map(|f| f.output(now, self.model));
        let flows = self
            .net
            .as_ref()
            .map(|n| n.output(now, self.model.warmup))
            .unwrap_or_default();
        let radio = self
            .net
            .as_mut()
            .map(|n| n.radio_output(now, self.model.warmup))
            .unwrap_or_default();
        let series = Series {
            bin_s: self.series.bin_s(),
            completions: self.series.counts().to_vec(),
            wip: self.series.mean_levels(now),
        };
        let census = self.census();
        let mut products: Vec<ProductOutput> = self.products.into_iter().map(|p| p.out).collect();
        for (product, out) in products.iter_mut().enumerate() {
            out.census = census[product];
            out.in_stock_end = self.stations.iter().map(|st| u64::from(st.stock[product])).sum();
        }
        let bottleneck = self.bottlenecks.finish(now);
        RunOutput {
            replication,
            events,
            pools,
            bottleneck,
            observed_s: (self.model.horizon - self.model.warmup).as_secs_f64(),
            products,
            lead_time_s: self.lead_time_s,
            lead_time_hist: self.lead_time_hist,
            wip_mean: self.series.mean(now),
            wip_end: self.wip,
            stations,
            fleet,
            series,
            flows,
            radio,
        }
    }
}
