//! One replication of the plant, event by event: the stations, their jobs
//! and failures. The AGV fleet's half of `Sim` is in `fleet.rs`.
//!
//! A job's path through a station (release, admission, seizing a server,
//! processing, leaving) is a chain of small functions marked
//! `#[inline(always)]`. Called from several places, the compiler kept them
//! out of line, and saving registers and passing arguments between them was
//! half of what an M/M/3 job stored to memory; inlined, a job takes 10%
//! fewer instructions and 7% less time. The rare turns of that path (kits,
//! sub-assemblies, setups) are `#[inline(never)]` so that the inlined code
//! stays small.

use super::fleet::{Cargo, FleetRt};
use super::network::{stoppable_arms, Due, LinkProfiles, NetRt, Waiter};
use super::{
    JobCensus, ProductOutput, RunOutput, Series, SimError, StationOutput, StationState, Trace, TraceRecord,
    SERIES_BINS,
};
use crate::engine::{EventId, EventQueue, RngStreams, SimTime, Slab, StreamRng};
use crate::model::{FailureBasis, Model, PointId, ProductId, RouteStep, StationId};
use crate::stats::{Histogram, StateClock, Tally, TimeAverage, TimeSeries};
use std::collections::VecDeque;

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
    /// A periodic flow of one robot: a stop, the link back, or a refresh.
    Stream {
        stream: u32,
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
}

// The event queue moves events inline while it sorts: keep them small.
const _: () = assert!(std::mem::size_of::<Event>() <= 16);

/// Where a job is, so that moving it frees the right place.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum JobPlace {
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
pub(super) struct Job {
    pub product: ProductId,
    pub step: u32,
    pub released: SimTime,
    pub entered_station: SimTime,
    pub place: JobPlace,
}

/// What a server is doing. Each phase is numbered as the state it shows in
/// the report when the server is neither failed nor stopped, so that
/// `refresh` reads the state off the phase.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(super) enum Phase {
    Idle = StationState::Idle as u8,
    /// Holding a job, waiting for its parts kit or sub-assemblies.
    Starved = StationState::Starved as u8,
    /// Ready to process, waiting for the cycle-start command.
    NetworkWait = StationState::NetworkWait as u8,
    Setup = StationState::Setup as u8,
    Busy = StationState::Busy as u8,
    /// Holding a finished job that cannot move on (or waits for its AGV).
    Blocked = StationState::Blocked as u8,
}

pub(super) struct Server {
    pub phase: Phase,
    pub job: Option<JobId>,
    last_product: Option<ProductId>,
    pub failed: bool,
    /// A parts kit is on its way.
    pub kit_pending: bool,
    /// Protective stops in force (periodic flows).
    stops: u32,
    /// The cycle-start command arrived while the server was down.
    command_ready: bool,
    pub clock: StateClock<{ StationState::COUNT }>,
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
}

pub(super) struct StationRt {
    queue: VecDeque<JobId>,
    /// Jobs elsewhere that wait for room here, first come first served.
    waiters: VecDeque<JobId>,
    /// A phase can be interrupted (failures, or protective stops of its
    /// arms): its ends are scheduled cancellable.
    haltable: bool,
    /// Failures count busy time: processing arms and disarms them.
    busy_failures: bool,
    /// Nothing stands between seizing a server and processing: no kit, no
    /// parts to assemble, no setup, no cycle-start command, and nothing can
    /// interrupt it (see [`Sim::mark_plain_stations`]). A job then skips the
    /// readiness checks, a tenth of an M/M/c job's time.
    plain: bool,
    /// Places promised to jobs on their way here by AGV.
    reserved: u32,
    pub servers: Vec<Server>,
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
}

struct ProductRt {
    rng: StreamRng,
    out: ProductOutput,
}

pub(super) struct Sim<'m> {
    pub model: &'m Model,
    pub queue: EventQueue<Event>,
    pub now: SimTime,
    pub stations: Vec<StationRt>,
    crews: Vec<CrewRt>,
    products: Vec<ProductRt>,
    pub jobs: Slab<Job>,
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
    pub fleet: Option<FleetRt>,
    /// Set when the run cannot go on (an AGV deadlock).
    pub error: Option<SimError>,
    /// Completions and WIP over the whole run, and the mean WIP since the
    /// warm-up.
    series: TimeSeries,
    /// Records state changes when a trace is asked for.
    pub trace: Option<&'m mut Trace>,
    /// Messages, cells and periodic flows; `None` without flows.
    pub net: Option<NetRt<'m>>,
}

/// The most jobs in the plant at once by default ([`Limits::max_jobs`]).
pub const DEFAULT_MAX_JOBS: u64 = 1_000_000;

/// How many events run between two checks of the wall clock, the
/// cancellation flag and the number of jobs.
const CHECK_EVERY: u64 = 4096;

/// What stops a replication before its horizon, besides a deadlock.
///
/// Every limit only stops a run: a run that ends within its limits gives the
/// same output as without them.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The most events one replication may process (`None`: no limit).
    pub max_events: Option<u64>,
    /// The most jobs in the plant at once: an unstable plant (releases
    /// faster than it can finish) would otherwise fill memory. Checked every
    /// few thousand events, so the count may overshoot a little.
    pub max_jobs: u64,
    /// Wall-clock time after which the run stops ([`SimError::TimedOut`]).
    pub deadline: Option<std::time::Instant>,
    /// Set from outside (Ctrl-C) to stop the run ([`SimError::Interrupted`]).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl Default for Limits {
    /// No event limit, no deadline, no cancellation, [`DEFAULT_MAX_JOBS`].
    fn default() -> Self {
        Limits {
            max_events: None,
            max_jobs: DEFAULT_MAX_JOBS,
            deadline: None,
            cancel: None,
        }
    }
}

impl Limits {
    /// The error to stop with now, if the run is cancelled or past its
    /// deadline; `time` is the simulated time reached.
    pub fn stop_at(&self, time: SimTime) -> Option<SimError> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(std::sync::atomic::Ordering::Relaxed))
        {
            return Some(SimError::Interrupted { time });
        }
        if self.deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            return Some(SimError::TimedOut { time });
        }
        None
    }
}

/// Simulates replication `replication` of `model` with `seed`.
///
/// With periodic flows this first computes the scenario's link profiles;
/// to run many replications, compute them once with
/// [`LinkProfiles::compute`] and call [`simulate_with`].
pub fn simulate(model: &Model, seed: u64, replication: u32) -> Result<RunOutput, SimError> {
    let profiles = LinkProfiles::compute(model);
    run(model, &profiles, seed, replication, None, &Limits::default())
}

/// As [`simulate`], with the link profiles computed beforehand.
pub fn simulate_with(
    model: &Model,
    profiles: &LinkProfiles,
    seed: u64,
    replication: u32,
) -> Result<RunOutput, SimError> {
    run(model, profiles, seed, replication, None, &Limits::default())
}

/// As [`simulate_with`], within `limits` (events, jobs, wall clock,
/// cancellation).
pub fn simulate_with_limits(
    model: &Model,
    profiles: &LinkProfiles,
    seed: u64,
    replication: u32,
    limits: &Limits,
) -> Result<RunOutput, SimError> {
    run(model, profiles, seed, replication, None, limits)
}

/// As [`simulate`], recording state changes into `trace` (kept even when the
/// run fails, to show how it got there).
pub fn simulate_traced(
    model: &Model,
    seed: u64,
    replication: u32,
    trace: &mut Trace,
) -> Result<RunOutput, SimError> {
    let profiles = LinkProfiles::compute(model);
    run(
        model,
        &profiles,
        seed,
        replication,
        Some(trace),
        &Limits::default(),
    )
}

/// As [`simulate_traced`], within `limits`.
pub fn simulate_traced_with_limits(
    model: &Model,
    seed: u64,
    replication: u32,
    trace: &mut Trace,
    limits: &Limits,
) -> Result<RunOutput, SimError> {
    let profiles = LinkProfiles::compute(model);
    run(model, &profiles, seed, replication, Some(trace), limits)
}

fn run<'m>(
    model: &'m Model,
    profiles: &'m LinkProfiles,
    seed: u64,
    replication: u32,
    trace: Option<&'m mut Trace>,
    limits: &Limits,
) -> Result<RunOutput, SimError> {
    let streams = RngStreams::new(seed, replication);
    let mut sim = Sim::new(model, &streams);
    sim.trace = trace;
    if !model.flows.is_empty() {
        sim.net = Some(NetRt::new(model, profiles, &streams));
        sim.start_streams();
    }
    sim.mark_plain_stations();
    let horizon = model.horizon;
    let max_events = limits.max_events.unwrap_or(u64::MAX);
    let mut events = 0u64;
    // The next event count at which the limits are checked.
    let mut next_check = CHECK_EVERY.min(max_events);
    while let Some((t, ev)) = sim.queue.pop_until(horizon) {
        if events >= next_check {
            if events >= max_events {
                return Err(SimError::EventLimit {
                    limit: max_events,
                    time: sim.now,
                    horizon,
                });
            }
            if let Some(stop) = limits.stop_at(sim.now) {
                return Err(stop);
            }
            let jobs = sim.jobs.live() as u64;
            if jobs > limits.max_jobs {
                return Err(sim.too_many_jobs(jobs, limits.max_jobs));
            }
            next_check = events.saturating_add(CHECK_EVERY).min(max_events);
        }
        // The queue never goes back in time; neither does the plant.
        debug_assert!(t >= sim.now, "simulated time went back from {} to {t}", sim.now);
        sim.now = t;
        events += 1;
        sim.handle(ev);
        while let Some(s) = sim.to_pull.pop() {
            sim.pull(s);
        }
        if sim.error.is_some() {
            return Err(sim.error.take().expect("is some"));
        }
    }
    sim.now = horizon;
    Ok(sim.finish(replication, events))
}

impl<'m> Sim<'m> {
    fn new(model: &'m Model, streams: &RngStreams) -> Self {
        let stations = model
            .stations
            .iter()
            .enumerate()
            .map(|(s, st)| StationRt {
                queue: VecDeque::new(),
                waiters: VecDeque::new(),
                haltable: st.failures.is_some() || stoppable_arms(model, s),
                busy_failures: st
                    .failures
                    .as_ref()
                    .is_some_and(|f| f.basis == FailureBasis::Busy),
                plain: false,
                reserved: 0,
                servers: (0..st.servers)
                    .map(|k| Server {
                        phase: Phase::Idle,
                        job: None,
                        last_product: None,
                        failed: false,
                        kit_pending: false,
                        stops: 0,
                        command_ready: false,
                        clock: StateClock::new(StationState::Idle as usize, SimTime::ZERO),
                        phase_end: None,
                        interrupted: SimTime::ZERO,
                        failure: st.failures.as_ref().map(|f| {
                            let mut ttf_rng = streams.stream(&format!("station:{}/server:{k}/ttf", st.name));
                            let busy_ttf_left = match f.basis {
                                FailureBasis::Busy => f.mtbf.sample(&mut ttf_rng),
                                FailureBasis::Calendar => SimTime::ZERO,
                            };
                            Box::new(ServerFailure {
                                ttf_rng,
                                repair_rng: streams.stream(&format!("station:{}/server:{k}/repair", st.name)),
                                busy_ttf_left,
                                pending: None,
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
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            stations,
            crews: model
                .crews
                .iter()
                .map(|c| CrewRt {
                    free: c.size,
                    waiting: VecDeque::new(),
                })
                .collect(),
            products: model
                .products
                .iter()
                .map(|p| ProductRt {
                    rng: streams.stream(&format!("product:{}/release", p.name)),
                    out: ProductOutput {
                        end_product: p.release.interarrival().is_some(),
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
            fleet: model.fleet.as_ref().map(|f| FleetRt::new(model, f, streams)),
            error: None,
            series: TimeSeries::new(model.horizon, SERIES_BINS),
            trace: None,
            net: None,
        };
        if model.warmup > SimTime::ZERO {
            sim.queue.schedule(model.warmup, Event::WarmupEnd);
        }
        for (p, product) in model.products.iter().enumerate() {
            if let Some(every) = product.release.interarrival() {
                let first = every.sample(&mut sim.products[p].rng);
                sim.queue.schedule(first, Event::Release(p));
            }
        }
        for (s, st) in model.stations.iter().enumerate() {
            let Some(f) = &st.failures else { continue };
            if f.basis == FailureBasis::Calendar {
                for k in 0..st.servers {
                    let fail = sim.stations[s].servers[k as usize]
                        .failure
                        .as_mut()
                        .expect("has failures");
                    let ttf = f.mtbf.sample(&mut fail.ttf_rng);
                    sim.queue.schedule(
                        ttf,
                        Event::Failure {
                            station: s as u32,
                            server: k,
                        },
                    );
                }
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
            .map(|(i, st)| (st.queue.len() + st.waiters.len(), i))
            .max()
            .filter(|(n, _)| *n > 0)
            .map(|(n, i)| {
                format!(
                    "; the most wait at station `{}` ({} jobs)",
                    self.model.stations[i].name,
                    crate::text::thousands(n as u64)
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

    fn handle(&mut self, ev: Event) {
        match ev {
            Event::Release(p) => self.release(p),
            Event::PhaseEnd { station, server } => self.phase_end(station as usize, server),
            Event::Failure { station, server } => self.failure(station as usize, server),
            Event::RepairEnd { station, server } => self.repair_end(station as usize, server),
            Event::AgvArrive { agv } => self.agv_arrive(agv as usize),
            Event::AgvHandled { agv } => self.agv_handled(agv as usize),
            Event::AgvCharged { agv } => self.agv_charged(agv as usize),
            Event::NetDelivered { packet } => self.net_delivered(packet),
            Event::NetTimeout { packet } => self.net_timeout(packet),
            Event::CellSlot { cell } => self.cell_slot(cell as usize),
            Event::Stream { stream } => self.stream_event(stream as usize),
            Event::StreamRestart { stream } => self.stream_restart(stream as usize),
            Event::StreamDue { stream, due } => self.stream_due(stream as usize, due),
            Event::WarmupEnd => self.clear_statistics(),
        }
    }

    // ---- jobs entering and leaving stations -------------------------------

    fn release(&mut self, p: ProductId) {
        let product = &self.model.products[p];
        if let Some(every) = product.release.interarrival() {
            let next = every.sample(&mut self.products[p].rng);
            self.queue.schedule_in(next, Event::Release(p));
        }
        self.start_job_of(p);
        // Sub-assemblies are made to order: one for every unit this job will consume.
        for i in 0..self.made_to_order[p].len() {
            self.start_job_of(self.made_to_order[p][i]);
        }
    }

    #[inline(always)]
    fn start_job_of(&mut self, p: ProductId) {
        let out = &mut self.products[p].out;
        out.released += 1;
        out.released_total += 1;
        if out.end_product {
            self.wip += 1;
            self.series.set_level(self.now, self.wip);
        }
        let job = Job {
            product: p,
            step: 0,
            released: self.now,
            entered_station: self.now,
            place: JobPlace::ReleasePoint,
        };
        let id = self.jobs.insert(job);
        let model = self.model;
        self.trace_line(
            || format!("job:{id}"),
            "release",
            || model.products[p].name.clone(),
        );
        let dest = self.model.products[p].route[0].station;
        self.send(id, dest, JobPlace::ReleasePoint);
    }

    /// Admits a job to `dest` from `from` (where it is) if `dest` has room,
    /// else makes it wait for room. Returns whether the job left its place
    /// at once.
    #[inline(always)]
    fn send(&mut self, job: JobId, dest: StationId, from: JobPlace) -> bool {
        if self.has_room(dest) && self.stations[dest].waiters.is_empty() {
            self.admit(job, dest, from)
        } else {
            self.stations[dest].waiters.push_back(job);
            false
        }
    }

    /// `dest` has accepted the job: it moves there now, or an AGV is called
    /// and the place is reserved until it arrives. Returns whether it moved now.
    // `from` is the job's place, passed rather than read back: the caller
    // has often just written the job, and the read stalled on it.
    #[inline(always)]
    fn admit(&mut self, job: JobId, dest: StationId, from: JobPlace) -> bool {
        debug_assert_eq!(from, self.jobs[job].place);
        if self.fleet.is_some() {
            if let (Some(a), Some(b)) = (self.place_point(from), self.model.stations[dest].at) {
                if a != b {
                    self.stations[dest].reserved += 1;
                    self.request_transport(Cargo::Job { job, dest }, a, b);
                    return false;
                }
            }
        }
        self.enter(job, dest);
        self.free_place(from);
        true
    }

    /// Where on the floor a place is (with a layout).
    fn place_point(&self, place: JobPlace) -> Option<PointId> {
        match place {
            JobPlace::ReleasePoint => self.model.fleet.as_ref().map(|f| f.warehouse),
            JobPlace::InQueue(s) | JobPlace::OnServer(s, _) | JobPlace::InOutput(s) => {
                self.model.stations[s].at
            }
            JobPlace::Carried => None,
        }
    }

    /// A job left `place`: free what it held there.
    #[inline(always)]
    pub(super) fn free_place(&mut self, place: JobPlace) {
        match place {
            JobPlace::ReleasePoint | JobPlace::Carried => {}
            JobPlace::InOutput(u) => self.output_freed(u),
            JobPlace::OnServer(u, k) => {
                let st = &mut self.stations[u];
                if let Some(i) = st.blocked_on_output.iter().position(|&b| b == k) {
                    st.blocked_on_output.remove(i);
                }
                self.server_freed(u, k);
            }
            JobPlace::InQueue(_) => unreachable!("a queued job never leaves but to a server"),
        }
    }

    fn has_room(&self, s: StationId) -> bool {
        let Some(cap) = self.model.stations[s].input_buffer else {
            return true;
        };
        let st = &self.stations[s];
        let free_servers = st
            .servers
            .iter()
            .filter(|sv| sv.phase == Phase::Idle && !sv.failed)
            .count();
        free_servers + (cap as usize).saturating_sub(st.queue.len()) > st.reserved as usize
    }

    /// The job arrives at station `s`: to a free server, or to the queue.
    #[inline(always)]
    pub(super) fn enter(&mut self, job: JobId, s: StationId) {
        self.jobs[job].entered_station = self.now;
        self.stations[s].entered += 1;
        let free = self.stations[s]
            .servers
            .iter()
            .position(|sv| sv.phase == Phase::Idle && !sv.failed);
        match free {
            Some(k) => self.start_job(s, k as u32, job),
            None => {
                self.jobs[job].place = JobPlace::InQueue(s);
                let st = &mut self.stations[s];
                st.queue.push_back(job);
                st.queue_len.set(self.now, st.queue.len() as u64);
            }
        }
    }

    /// A job on its way by AGV arrives at the station that reserved it a place.
    pub(super) fn deliver_job(&mut self, job: JobId, dest: StationId) {
        self.stations[dest].reserved -= 1;
        self.enter(job, dest);
    }

    /// Admits waiting jobs while the station has room.
    fn pull(&mut self, s: StationId) {
        while self.has_room(s) {
            let Some(job) = self.stations[s].waiters.pop_front() else {
                return;
            };
            self.admit(job, s, self.jobs[job].place);
        }
    }

    fn output_freed(&mut self, s: StationId) {
        self.stations[s].output_used -= 1;
        if let Some(k) = self.stations[s].blocked_on_output.pop_front() {
            let job = self.stations[s].servers[k as usize]
                .job
                .expect("a blocked server holds a job");
            self.stations[s].output_used += 1;
            self.jobs[job].place = JobPlace::InOutput(s);
            self.server_freed(s, k);
        }
    }

    /// A server let go of its job: it takes the next one, or waits idle.
    #[inline(always)]
    fn server_freed(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        sv.job = None;
        sv.phase = Phase::Idle;
        self.take_next(s, k);
    }

    /// An idle server takes the next job in the queue, if it can. Either
    /// way its state clock is brought up to date once: a server that goes
    /// straight from one job to the next spends no time idle (so the trace
    /// shows no idle state of zero length), and switching its clock to idle
    /// and back at the same instant cost 3% of an M/M/c run's instructions.
    #[inline(always)]
    fn take_next(&mut self, s: StationId, k: u32) {
        let st = &mut self.stations[s];
        let next = if st.servers[k as usize].failed {
            None
        } else {
            st.queue.pop_front()
        };
        match next {
            Some(job) => {
                st.queue_len.set(self.now, st.queue.len() as u64);
                self.start_job(s, k, job);
            }
            None => self.refresh(s, k),
        }
        // Room may have opened in the queue, or the idle server is room itself.
        if !self.stations[s].waiters.is_empty() {
            self.to_pull.push(s);
        }
    }

    /// A server seizes a job: it calls for its kit if the step needs one,
    /// and starts as soon as kit and sub-assemblies are there. Leaves the
    /// server's state clock up to date (`take_next` counts on it).
    #[inline(always)]
    fn start_job(&mut self, s: StationId, k: u32, job: JobId) {
        let model = self.model;
        let j = &mut self.jobs[job];
        j.place = JobPlace::OnServer(s, k);
        let wait = self.now - j.entered_station;
        let step = &model.products[j.product].route[j.step as usize];
        let st = &mut self.stations[s];
        st.queue_wait_s.add(wait.as_secs_f64());
        let sv = &mut st.servers[k as usize];
        sv.job = Some(job);
        if st.plain {
            // `begin_phase` and `refresh` for a server nothing can
            // interrupt, fail or stop.
            let d = model.step_process(step).sample(&mut st.process_rng);
            sv.phase = Phase::Busy;
            let ev = Event::PhaseEnd {
                station: s as u32,
                server: k,
            };
            self.queue.schedule(self.now + d, ev);
            self.show_state(s, k, StationState::Busy as usize);
            return;
        }
        sv.phase = Phase::Starved;
        if step.kit {
            sv.kit_pending = true;
            self.request_kit(s, k);
        }
        self.begin_if_ready(s, k, step);
    }

    /// Marks the stations where a seized server can start processing at
    /// once ([`StationRt::plain`]). Runs once the network is set up.
    fn mark_plain_stations(&mut self) {
        let model = self.model;
        let mut waits_for_parts = vec![false; model.stations.len()];
        for step in model.products.iter().flat_map(|p| &p.route) {
            waits_for_parts[step.station] |= step.kit || !step.assemble.is_empty();
        }
        let commanded: Vec<bool> = (0..model.stations.len())
            .map(|s| self.exchanges_for(Waiter::CycleStart(s, 0)))
            .collect();
        for (s, st) in self.stations.iter_mut().enumerate() {
            st.plain = !st.haltable
                && !st.busy_failures
                && model.stations[s].setup.is_none()
                && !waits_for_parts[s]
                && !commanded[s];
        }
    }

    /// Calls an AGV to bring the kit of the job on server `k` of station `s`.
    #[inline(never)]
    fn request_kit(&mut self, s: StationId, k: u32) {
        let f = self.model.fleet.as_ref().expect("validation: kits need a fleet");
        let at = self.model.stations[s]
            .at
            .expect("validation: stations have points with a fleet");
        self.request_transport(
            Cargo::Kit {
                station: s,
                server: k,
            },
            f.warehouse,
            at,
        );
    }

    /// The route step of the job on server `k` of station `s`.
    fn step_on(&self, s: StationId, k: u32) -> &'m RouteStep {
        let job = self.stations[s].servers[k as usize]
            .job
            .expect("the server holds a job");
        let j = &self.jobs[job];
        &self.model.products[j.product].route[j.step as usize]
    }

    /// Starts setup or processing if nothing is missing; else the server
    /// stays starved.
    pub(super) fn try_begin(&mut self, s: StationId, k: u32) {
        // Only a starved server waits to begin (and holds a job).
        if self.stations[s].servers[k as usize].phase == Phase::Starved {
            self.begin_if_ready(s, k, self.step_on(s, k));
        }
    }

    /// [`Self::try_begin`] with the step of the server's job in hand.
    // The step is passed down to `process` rather than looked up again at
    // each stage, which cost 3% of an M/M/c run's instructions.
    #[inline(always)]
    fn begin_if_ready(&mut self, s: StationId, k: u32, step: &'m RouteStep) {
        let sv = &self.stations[s].servers[k as usize];
        // A failed or stopped server holds its job; it begins when it is
        // clear again (`resume_if_clear`).
        if sv.failed || sv.stops > 0 || sv.phase != Phase::Starved {
            return;
        }
        if sv.kit_pending {
            self.refresh(s, k);
            return;
        }
        if !step.assemble.is_empty() && !self.take_parts(s, k, step) {
            return;
        }
        if self.model.stations[s].setup.is_some() && self.begin_setup_if_due(s, k) {
            return;
        }
        self.begin_processing(s, k, step);
    }

    /// Takes the sub-assemblies `step` assembles from the station's stock,
    /// if all are there; else the server waits for them, starved. Returns
    /// whether they were taken.
    #[inline(never)]
    fn take_parts(&mut self, s: StationId, k: u32, step: &RouteStep) -> bool {
        let st = &mut self.stations[s];
        let have_all = step.assemble.iter().enumerate().all(|(i, &sub)| {
            let need = step.assemble.iter().take(i + 1).filter(|&&x| x == sub).count() as u32;
            st.stock[sub] >= need
        });
        if !have_all {
            if !st.parts_waiters.contains(&k) {
                st.parts_waiters.push_back(k);
            }
            self.refresh(s, k);
            return false;
        }
        for &sub in &step.assemble {
            st.stock[sub] -= 1;
            self.products[sub].out.consumed_total += 1;
        }
        if let Some(i) = st.parts_waiters.iter().position(|&w| w == k) {
            st.parts_waiters.remove(i);
        }
        true
    }

    /// Begins a setup if the server's last product differs from its job's.
    /// Returns whether it did.
    #[inline(never)]
    fn begin_setup_if_due(&mut self, s: StationId, k: u32) -> bool {
        let Some(setup) = &self.model.stations[s].setup else {
            return false;
        };
        let st = &mut self.stations[s];
        let sv = &st.servers[k as usize];
        let product = self.jobs[sv.job.expect("a starved server holds a job")].product;
        if sv.last_product.is_none_or(|last| last == product) {
            return false;
        }
        let rng = st
            .setup_rng
            .as_deref_mut()
            .expect("a station with setups has their stream");
        let d = setup.sample(rng);
        self.begin_phase(s, k, Phase::Setup, d);
        true
    }

    /// A kit arrived at a server.
    pub(super) fn kit_arrived(&mut self, s: StationId, k: u32) {
        self.stations[s].servers[k as usize].kit_pending = false;
        self.try_begin(s, k);
    }

    /// A finished sub-assembly reached the station that assembles it.
    pub(super) fn stock_arrived(&mut self, s: StationId, sub: ProductId) {
        self.stations[s].stock[sub] += 1;
        self.products[sub].out.stocked_total += 1;
        let waiting: Vec<u32> = self.stations[s].parts_waiters.iter().copied().collect();
        for k in waiting {
            self.try_begin(s, k);
        }
    }

    /// Processing may begin: the arm waits for its cycle-start command
    /// first, when the scenario sends one.
    #[inline(always)]
    fn begin_processing(&mut self, s: StationId, k: u32, step: &'m RouteStep) {
        if self.start_exchange(Waiter::CycleStart(s, k)) {
            self.stations[s].servers[k as usize].phase = Phase::NetworkWait;
            self.refresh(s, k);
        } else {
            self.process(s, k, step);
        }
    }

    /// The cycle-start command reached the arm.
    pub(super) fn cycle_start_done(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        if sv.failed || sv.stops > 0 {
            sv.command_ready = true;
        } else {
            self.process(s, k, self.step_on(s, k));
        }
    }

    #[inline(always)]
    fn process(&mut self, s: StationId, k: u32, step: &'m RouteStep) {
        let d = self
            .model
            .step_process(step)
            .sample(&mut self.stations[s].process_rng);
        self.begin_phase(s, k, Phase::Busy, d);
    }

    #[inline(always)]
    fn begin_phase(&mut self, s: StationId, k: u32, phase: Phase, duration: SimTime) {
        let end = self.now + duration;
        let ev = Event::PhaseEnd {
            station: s as u32,
            server: k,
        };
        let st = &mut self.stations[s];
        let sv = &mut st.servers[k as usize];
        sv.phase = phase;
        if st.haltable {
            sv.phase_end = Some((self.queue.schedule_cancellable(end, ev), end));
        } else {
            // Nothing can interrupt it: the plain, faster heap.
            self.queue.schedule(end, ev);
        }
        if phase == Phase::Busy && st.busy_failures {
            self.arm_busy_failure(s, k);
        }
        self.refresh(s, k);
    }

    fn phase_end(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        sv.phase_end = None;
        let job = sv.job.expect("a phase runs on a job");
        let product = self.jobs[job].product;
        match sv.phase {
            Phase::Setup => {
                sv.last_product = Some(product);
                self.begin_processing(s, k, self.step_on(s, k));
            }
            Phase::Busy => {
                sv.last_product = Some(product);
                let st = &mut self.stations[s];
                st.completed += 1;
                if st.busy_failures {
                    self.disarm_busy_failure(s, k);
                }
                self.finish_step(s, k, job);
            }
            Phase::Idle | Phase::Starved | Phase::NetworkWait | Phase::Blocked => {
                unreachable!("no phase end is pending when idle, starved, waiting or blocked")
            }
        }
    }

    /// The job is done at station `s`: it leaves the plant, becomes stock for
    /// its assembly, or moves on.
    fn finish_step(&mut self, s: StationId, k: u32, job: JobId) {
        let j = &mut self.jobs[job];
        j.step += 1;
        let p = j.product;
        let route = &self.model.products[p].route;
        if j.step as usize == route.len() {
            self.complete(job);
            if let Some(consumer) = self.consumer[p] {
                let to = self.model.stations[consumer].at;
                if let (Some(a), Some(b), true) = (self.model.stations[s].at, to, self.fleet.is_some()) {
                    if a != b {
                        self.request_transport(
                            Cargo::SubAssembly {
                                job,
                                station: consumer,
                            },
                            a,
                            b,
                        );
                        self.hold_finished(s, k, job);
                        return;
                    }
                }
                self.jobs.remove(job);
                self.stock_arrived(consumer, p);
            } else {
                self.jobs.remove(job);
            }
            self.server_freed(s, k);
            return;
        }
        let dest = route[j.step as usize].station;
        if !self.send(job, dest, JobPlace::OnServer(s, k)) {
            self.hold_finished(s, k, job);
        }
    }

    /// A finished job that has not left yet: to the output buffer if it has
    /// room, else it keeps its server blocked.
    fn hold_finished(&mut self, s: StationId, k: u32, job: JobId) {
        let cap = self.model.stations[s].output_buffer;
        let st = &mut self.stations[s];
        if st.output_used < cap {
            st.output_used += 1;
            self.jobs[job].place = JobPlace::InOutput(s);
            self.server_freed(s, k);
        } else {
            st.servers[k as usize].phase = Phase::Blocked;
            st.blocked_on_output.push_back(k);
            self.refresh(s, k);
        }
    }

    /// A job finished its route.
    fn complete(&mut self, job: JobId) {
        let j = &self.jobs[job];
        let p = j.product;
        let out = &mut self.products[p].out;
        out.completed += 1;
        out.completed_total += 1;
        if out.end_product {
            let lead = self.now - j.released;
            self.lead_time_s.add(lead.as_secs_f64());
            self.lead_time_hist.add(lead.as_nanos());
            self.wip -= 1;
            self.series.set_level(self.now, self.wip);
            self.series.count(self.now);
        }
        let model = self.model;
        self.trace_line(
            || format!("job:{job}"),
            "leave",
            || model.products[p].name.clone(),
        );
    }

    /// A finished sub-assembly was delivered by AGV to its assembly station.
    pub(super) fn deliver_subassembly(&mut self, job: JobId, station: StationId) {
        let p = self.jobs[job].product;
        self.jobs.remove(job);
        self.stock_arrived(station, p);
    }

    // ---- failures and repairs ---------------------------------------------

    fn arm_busy_failure(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        let fail = sv.failure.as_mut().expect("has failures");
        let id = self.queue.schedule_cancellable(
            self.now + fail.busy_ttf_left,
            Event::Failure {
                station: s as u32,
                server: k,
            },
        );
        fail.pending = Some((id, self.now));
    }

    fn disarm_busy_failure(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        let Some(fail) = sv.failure.as_mut() else { return };
        if let Some((id, since)) = fail.pending.take() {
            self.queue.cancel(id);
            fail.busy_ttf_left = fail.busy_ttf_left - (self.now - since);
        }
    }

    fn failure(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        sv.failed = true;
        if let Some((id, end)) = sv.phase_end.take() {
            self.queue.cancel(id);
            sv.interrupted = end - self.now;
        }
        let sv = &mut self.stations[s].servers[k as usize];
        if let Some(fail) = sv.failure.as_mut() {
            // On the busy basis this failure is the pending one.
            fail.pending = None;
            fail.busy_ttf_left = SimTime::ZERO;
        }
        self.refresh(s, k);
        let f = self.model.stations[s]
            .failures
            .as_ref()
            .expect("a failing station has failures");
        match f.crew {
            None => self.start_repair(s, k),
            Some(c) => {
                let crew = &mut self.crews[c];
                if crew.free > 0 {
                    crew.free -= 1;
                    self.start_repair(s, k);
                } else {
                    crew.waiting.push_back((s, k));
                }
            }
        }
    }

    fn start_repair(&mut self, s: StationId, k: u32) {
        let f = self.model.stations[s].failures.as_ref().expect("has failures");
        let fail = self.stations[s].servers[k as usize]
            .failure
            .as_mut()
            .expect("has failures");
        let d = f.mttr.sample(&mut fail.repair_rng);
        self.queue.schedule_in(
            d,
            Event::RepairEnd {
                station: s as u32,
                server: k,
            },
        );
    }

    fn repair_end(&mut self, s: StationId, k: u32) {
        let f = self.model.stations[s].failures.as_ref().expect("has failures");
        if let Some(c) = f.crew {
            match self.crews[c].waiting.pop_front() {
                Some((s2, k2)) => self.start_repair(s2, k2),
                None => self.crews[c].free += 1,
            }
        }
        let sv = &mut self.stations[s].servers[k as usize];
        sv.failed = false;
        let fail = sv.failure.as_mut().expect("has failures");
        let ttf = f.mtbf.sample(&mut fail.ttf_rng);
        match f.basis {
            FailureBasis::Calendar => {
                self.queue.schedule_in(
                    ttf,
                    Event::Failure {
                        station: s as u32,
                        server: k,
                    },
                );
            }
            FailureBasis::Busy => fail.busy_ttf_left = ttf,
        }
        self.resume_if_clear(s, k);
    }

    /// Halts the server's phase in progress (a failure or a stop).
    fn halt(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        if let Some((id, end)) = sv.phase_end.take() {
            self.queue.cancel(id);
            sv.interrupted = end - self.now;
        }
        self.disarm_busy_failure(s, k);
    }

    /// Takes up the server's work after a failure or a stop, once it is
    /// neither failed nor stopped.
    fn resume_if_clear(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        if sv.failed || sv.stops > 0 {
            self.refresh(s, k);
            return;
        }
        match sv.phase {
            Phase::Setup | Phase::Busy => {
                let phase = sv.phase;
                let rest = sv.interrupted;
                sv.interrupted = SimTime::ZERO;
                self.begin_phase(s, k, phase, rest);
            }
            Phase::Idle => self.take_next(s, k),
            Phase::Starved => {
                self.refresh(s, k);
                self.try_begin(s, k);
            }
            Phase::NetworkWait => {
                if std::mem::take(&mut sv.command_ready) {
                    self.process(s, k, self.step_on(s, k));
                } else {
                    self.refresh(s, k);
                }
            }
            Phase::Blocked => self.refresh(s, k),
        }
    }

    /// A protective stop of an arm: its work halts until the stop ends.
    pub(super) fn server_stop(&mut self, s: StationId, k: u32) {
        let sv = &mut self.stations[s].servers[k as usize];
        sv.stops += 1;
        if sv.stops == 1 && !sv.failed {
            self.halt(s, k);
        }
        self.refresh(s, k);
    }

    pub(super) fn server_restart(&mut self, s: StationId, k: u32) {
        self.stations[s].servers[k as usize].stops -= 1;
        self.resume_if_clear(s, k);
    }

    // ---- statistics -------------------------------------------------------

    /// Brings the server's state clock up to date with its phase.
    #[inline(always)]
    fn refresh(&mut self, s: StationId, k: u32) {
        let sv = &self.stations[s].servers[k as usize];
        let state = if sv.failed {
            StationState::Failed as usize
        } else if sv.stops > 0 {
            StationState::Stopped as usize
        } else {
            sv.phase as usize
        };
        self.show_state(s, k, state);
    }

    /// Switches the server's state clock to `state` (and traces it), if it
    /// is not there already.
    #[inline(always)]
    fn show_state(&mut self, s: StationId, k: u32, state: usize) {
        let sv = &mut self.stations[s].servers[k as usize];
        if sv.clock.state() != state {
            sv.clock.switch(self.now, state);
            let model = self.model;
            self.trace_line(
                || format!("station:{}/{k}", model.stations[s].name),
                "state",
                || StationState::ALL[state].key().to_string(),
            );
        }
    }

    /// Records a line of the trace now, when a trace is asked for; the
    /// closures only run then.
    #[inline]
    pub(super) fn trace_line(
        &mut self,
        entity: impl FnOnce() -> String,
        event: &'static str,
        state: impl FnOnce() -> String,
    ) {
        if self.trace.is_some() {
            self.push_trace_line(entity, event, state);
        }
    }

    // Out of line and cold: the hot paths only test for a trace.
    #[cold]
    #[inline(never)]
    fn push_trace_line(
        &mut self,
        entity: impl FnOnce() -> String,
        event: &'static str,
        state: impl FnOnce() -> String,
    ) {
        if let Some(trace) = self.trace.as_deref_mut() {
            let now = self.now;
            trace.push(|| TraceRecord {
                time: now.as_secs_f64(),
                time_ns: now.as_nanos(),
                entity: entity(),
                event,
                state: state(),
            });
        }
    }

    fn clear_statistics(&mut self) {
        let now = self.now;
        for st in &mut self.stations {
            for sv in &mut st.servers {
                sv.clock.reset(now);
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
            n.clear_statistics();
        }
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
        for (s, st) in self.stations.iter().enumerate() {
            for &job in &st.queue {
                count(job, Some(JobPlace::InQueue(s)));
            }
            for (k, sv) in st.servers.iter().enumerate() {
                if let Some(job) = sv.job {
                    count(job, Some(JobPlace::OnServer(s, k as u32)));
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

    fn finish(self, replication: u32, events: u64) -> RunOutput {
        let now = self.now;
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
                StationOutput {
                    completed: st.completed,
                    entered: st.entered,
                    state_ns,
                    server_state_ns,
                    queue_wait_s: st.queue_wait_s.clone(),
                    queue_len_mean: st.queue_len.mean(now),
                }
            })
            .collect();
        let fleet = self.fleet.as_ref().map(|f| f.output(self.model, now));
        let flows = self
            .net
            .as_ref()
            .map(|n| n.output(now, self.model.warmup))
            .unwrap_or_default();
        let series = Series {
            bin_s: self.series.bin_s(),
            completions: self.series.counts().to_vec(),
            wip: self.series.mean_levels(now),
        };
        let census = self.census();
        let mut products: Vec<ProductOutput> = self.products.into_iter().map(|p| p.out).collect();
        for (p, out) in products.iter_mut().enumerate() {
            out.census = census[p];
            out.in_stock_end = self.stations.iter().map(|st| u64::from(st.stock[p])).sum();
        }
        RunOutput {
            replication,
            events,
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
        }
    }
}
