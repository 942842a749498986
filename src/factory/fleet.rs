//! The AGV fleet: dispatch, travel over the aisles, zone control, batteries.
//!
//! A transport task (a job between stations, a parts kit from the warehouse,
//! a finished sub-assembly to its assembly station) goes to an idle AGV
//! chosen by the dispatch rule, or waits in the fleet manager's list. The AGV
//! drives empty to the pickup, loads, drives loaded to the drop point,
//! unloads, and is free again. Under zone control it asks for each aisle
//! segment before entering it and holds the segment it is on until the next
//! one is granted; requests for a segment are granted in the order they were
//! made. A cycle of AGVs each waiting for the segment the next one holds is a
//! deadlock: the run ends with an error naming them.
//!
//! Choices where the design leaves room: idle AGVs park where they finished
//! (they start at `home`); a battery drains while driving and handling, not
//! while idle or waiting; an AGV checks its battery when it finishes a task
//! and, below the threshold, goes to the nearest free charger (or waits for
//! one, counted as `charging`) and charges for `recharge` times the fraction
//! missing.

use super::network::{stoppable_agvs, Waiter};
use super::sim::{Event, JobId, JobPlace, Sim};
use super::{AgvState, FleetOutput, SimError};
use crate::engine::{EventId, RngStreams, SimTime, StreamRng};
use crate::model::{Dispatch, Fleet, Model, Path, PointId, SegmentId, StationId};
use crate::stats::{StateClock, Tally};
use std::collections::VecDeque;

/// What an AGV carries.
#[derive(Copy, Clone, Debug)]
pub(super) enum Cargo {
    /// A job to the station that reserved it a place.
    Job { job: JobId, dest: StationId },
    /// A parts kit for a server.
    Kit { station: StationId, server: u32 },
    /// A finished sub-assembly to the station that assembles it.
    SubAssembly { job: JobId, station: StationId },
}

#[derive(Copy, Clone, Debug)]
pub(super) struct Task {
    cargo: Cargo,
    from: PointId,
    to: PointId,
}

#[derive(Copy, Clone, Debug)]
enum Plan {
    Idle,
    ToPickup(Task),
    Loading(Task),
    ToDrop(Task),
    Unloading(Task),
    ToCharger(usize),
    WaitCharger,
    Charging(usize),
}

struct Travel {
    path: Path,
    /// Index of the segment being driven (zone control).
    segment: usize,
    holding: Option<SegmentId>,
    waiting_for: Option<SegmentId>,
    /// Granted, the grant still on its way to the AGV.
    granted: Option<SegmentId>,
    loaded: bool,
}

struct Agv {
    at: PointId,
    plan: Plan,
    travel: Option<Travel>,
    clock: StateClock<{ AgvState::COUNT }>,
    since: SimTime,
    idle_since: SimTime,
    /// Runtime left on the battery, in ns.
    battery_ns: f64,
    trip_start: SimTime,
    /// Protective stops in force (periodic flows); the AGV moves only at 0.
    stops: u32,
    /// The state to go back to when the stops end.
    resume_state: AgvState,
    /// The AGV's timed event in progress (driving, handling, charging).
    pending: Option<(EventId, SimTime, Event)>,
    /// A timed event put off by a stop, with the time it still needs.
    paused: Option<(SimTime, Event)>,
}

pub(super) struct FleetRt {
    agvs: Vec<Agv>,
    pending: VecDeque<Task>,
    handling_rng: StreamRng,
    holder: Vec<Option<u32>>,
    segment_queue: Vec<VecDeque<u32>>,
    occupancy: Vec<u32>,
    max_occupancy: u32,
    traversals: Vec<u64>,
    charger_free: Vec<bool>,
    charger_queue: VecDeque<u32>,
    trips: u64,
    trip_s: Tally,
    /// AGVs have periodic flows whose violations stop them: their timed
    /// events are scheduled cancellable.
    pausable: bool,
}

impl FleetRt {
    pub fn new(model: &Model, fleet: &Fleet, streams: &RngStreams) -> FleetRt {
        let segments = model.layout.as_ref().map_or(0, |l| l.segments.len());
        let full = fleet
            .battery
            .as_ref()
            .map_or(0.0, |b| b.runtime.as_nanos() as f64);
        FleetRt {
            agvs: (0..fleet.agvs)
                .map(|_| Agv {
                    at: fleet.home,
                    plan: Plan::Idle,
                    travel: None,
                    clock: StateClock::new(AgvState::Idle as usize, SimTime::ZERO),
                    since: SimTime::ZERO,
                    idle_since: SimTime::ZERO,
                    battery_ns: full,
                    trip_start: SimTime::ZERO,
                    stops: 0,
                    resume_state: AgvState::Idle,
                    pending: None,
                    paused: None,
                })
                .collect(),
            pending: VecDeque::new(),
            handling_rng: streams.stream("fleet/handling"),
            holder: vec![None; segments],
            segment_queue: vec![VecDeque::new(); segments],
            occupancy: vec![0; segments],
            max_occupancy: 0,
            traversals: vec![0; segments],
            charger_free: vec![true; fleet.battery.as_ref().map_or(0, |b| b.chargers.len())],
            charger_queue: VecDeque::new(),
            trips: 0,
            trip_s: Tally::default(),
            pausable: stoppable_agvs(model),
        }
    }

    pub fn clear_statistics(&mut self, now: SimTime) {
        for a in &mut self.agvs {
            a.clock.reset(now);
        }
        self.traversals.iter_mut().for_each(|t| *t = 0);
        self.trips = 0;
        self.trip_s.clear();
    }

    /// Every transport task, waiting or assigned, and whether its cargo
    /// is on board.
    pub fn tasks(&self) -> impl Iterator<Item = (Cargo, bool)> + '_ {
        let waiting = self.pending.iter().map(|t| (t.cargo, false));
        let assigned = self.agvs.iter().filter_map(|a| match a.plan {
            Plan::ToPickup(t) | Plan::Loading(t) => Some((t.cargo, false)),
            Plan::ToDrop(t) | Plan::Unloading(t) => Some((t.cargo, true)),
            Plan::Idle | Plan::ToCharger(_) | Plan::WaitCharger | Plan::Charging(_) => None,
        });
        waiting.chain(assigned)
    }

    pub fn output(&self, _model: &Model, now: SimTime) -> FleetOutput {
        FleetOutput {
            agv_state_ns: self.agvs.iter().map(|a| a.clock.totals(now)).collect(),
            trips: self.trips,
            trip_s: self.trip_s.clone(),
            max_segment_occupancy: self.max_occupancy,
            segment_traversals: self.traversals.clone(),
        }
    }
}

fn agv_name(a: usize) -> String {
    format!("agv{}", a + 1)
}

impl<'m> Sim<'m> {
    fn fleet_model(&self) -> &'m Fleet {
        let model: &'m Model = self.model;
        model.fleet.as_ref().expect("a fleet")
    }

    fn fleet_rt(&mut self) -> &mut FleetRt {
        self.fleet.as_mut().expect("a fleet")
    }

    /// Sets an AGV's state, draining its battery for the time it was working.
    fn set_agv_state(&mut self, a: usize, state: AgvState) {
        let now = self.now;
        let agv = &mut self.fleet.as_mut().expect("a fleet").agvs[a];
        if agv.stops > 0 && state != AgvState::Stopped {
            // Stopped: the AGV takes this state up again when it restarts.
            agv.resume_state = state;
            return;
        }
        let old = agv.clock.state();
        if matches!(
            old,
            s if s == AgvState::TravelEmpty as usize || s == AgvState::TravelLoaded as usize || s == AgvState::Handling as usize
        ) {
            agv.battery_ns = (agv.battery_ns - (now - agv.since).as_nanos() as f64).max(0.0);
        }
        agv.since = now;
        if old != state as usize {
            agv.clock.switch(now, state as usize);
            self.trace_line(|| agv_name(a), "state", || state.key().to_string());
        }
    }

    /// The fleet manager receives a transport request.
    pub(super) fn request_transport(&mut self, cargo: Cargo, from: PointId, to: PointId) {
        let task = Task { cargo, from, to };
        let model = self.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let dispatch = self.fleet_model().dispatch;
        let fleet = self.fleet.as_ref().expect("a fleet");
        let idle = fleet
            .agvs
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a.plan, Plan::Idle) && a.stops == 0);
        let chosen = match dispatch {
            Dispatch::Nearest => idle
                .min_by(|(i, x), (j, y)| {
                    layout
                        .distance(x.at, from)
                        .total_cmp(&layout.distance(y.at, from))
                        .then(i.cmp(j))
                })
                .map(|(i, _)| i),
            Dispatch::Fifo => idle.min_by_key(|(i, a)| (a.idle_since, *i)).map(|(i, _)| i),
        };
        match chosen {
            Some(a) => self.assign(a, task),
            None => self.fleet_rt().pending.push_back(task),
        }
    }

    fn assign(&mut self, a: usize, task: Task) {
        let now = self.now;
        let agv = &mut self.fleet_rt().agvs[a];
        agv.plan = Plan::ToPickup(task);
        agv.trip_start = now;
        // The fleet manager on the edge sends the task over the network.
        if self.start_exchange(Waiter::Dispatch(a as u32)) {
            self.set_agv_state(a, AgvState::NetworkWait);
        } else {
            self.dispatch_done(a);
        }
    }

    /// The AGV has its task: it drives to the pickup.
    pub(super) fn dispatch_done(&mut self, a: usize) {
        let Plan::ToPickup(task) = self.fleet_rt().agvs[a].plan else {
            unreachable!("a dispatch is for a task")
        };
        self.drive(a, task.from, false);
    }

    /// Where an AGV is: the last point it reached.
    pub(super) fn agv_point(&self, a: usize) -> PointId {
        self.fleet.as_ref().map_or(0, |f| f.agvs[a].at)
    }

    /// Schedules the AGV's next timed event, or keeps it for later if the AGV
    /// is stopped.
    fn schedule_agv(&mut self, a: usize, delay: SimTime, ev: Event) {
        let now = self.now;
        let agv = &mut self.fleet.as_mut().expect("a fleet").agvs[a];
        if agv.stops > 0 {
            agv.paused = Some((delay, ev));
            return;
        }
        if self.fleet_rt().pausable {
            let id = self.queue.schedule_cancellable(now + delay, ev);
            self.fleet_rt().agvs[a].pending = Some((id, now + delay, ev));
        } else {
            // No stop can put it off: the plain, faster heap.
            self.queue.schedule(now + delay, ev);
        }
    }

    /// A protective stop: the AGV halts where it is.
    pub(super) fn pause_agv(&mut self, a: usize) {
        let now = self.now;
        let rt = self.fleet.as_mut().expect("a fleet");
        let agv = &mut rt.agvs[a];
        agv.stops += 1;
        if agv.stops > 1 {
            return;
        }
        if let Some((id, end, ev)) = agv.pending.take() {
            self.queue.cancel(id);
            self.fleet_rt().agvs[a].paused = Some((end - now, ev));
        }
        let agv = &mut self.fleet_rt().agvs[a];
        agv.resume_state = AgvState::ALL[agv.clock.state()];
        self.set_agv_state(a, AgvState::Stopped);
    }

    /// The stop is over: the AGV takes up what it was doing.
    pub(super) fn resume_agv(&mut self, a: usize) {
        let agv = &mut self.fleet_rt().agvs[a];
        agv.stops -= 1;
        if agv.stops > 0 {
            return;
        }
        let state = agv.resume_state;
        let paused = agv.paused.take();
        let idle = matches!(agv.plan, Plan::Idle);
        self.set_agv_state(a, state);
        if let Some((delay, ev)) = paused {
            self.schedule_agv(a, delay, ev);
        }
        if idle {
            // Work may have waited while it was stopped.
            self.agv_free(a);
        }
    }

    /// Starts driving to `to` over the shortest path.
    fn drive(&mut self, a: usize, to: PointId, loaded: bool) {
        let model = self.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let fleet = model.fleet.as_ref().expect("a fleet");
        let from = self.fleet_rt().agvs[a].at;
        let path = layout.path(from, to);
        self.set_agv_state(
            a,
            if loaded {
                AgvState::TravelLoaded
            } else {
                AgvState::TravelEmpty
            },
        );
        let zoned = fleet.zone_control && !path.segments.is_empty();
        if !zoned {
            let rt = self.fleet_rt();
            for &s in &path.segments {
                rt.traversals[s] += 1;
            }
            let time = SimTime::from_secs_f64(path.length / fleet.speed);
            rt.agvs[a].travel = Some(Travel {
                segment: path.segments.len(),
                path,
                holding: None,
                waiting_for: None,
                granted: None,
                loaded,
            });
            self.schedule_agv(a, time, Event::AgvArrive { agv: a as u32 });
            return;
        }
        self.fleet_rt().agvs[a].travel = Some(Travel {
            path,
            segment: 0,
            holding: None,
            waiting_for: None,
            granted: None,
            loaded,
        });
        self.request_segment(a);
    }

    /// Zone control: asks the fleet manager for the next segment of the
    /// AGV's path (over the network, when there is a `segment` flow).
    fn request_segment(&mut self, a: usize) {
        if self.start_exchange(Waiter::SegmentRequest(a as u32)) {
            self.set_agv_state(a, AgvState::NetworkWait);
        } else {
            self.zone_request(a);
        }
    }

    /// The request reached the fleet manager: grant the segment, or queue.
    pub(super) fn zone_request(&mut self, a: usize) {
        let rt = self.fleet_rt();
        let travel = rt.agvs[a].travel.as_mut().expect("travelling");
        let seg = travel.path.segments[travel.segment];
        if rt.holder[seg].is_none() && rt.segment_queue[seg].is_empty() {
            self.enter_segment(a, seg);
        } else {
            travel.waiting_for = Some(seg);
            rt.segment_queue[seg].push_back(a as u32);
            self.set_agv_state(a, AgvState::ZoneWait);
            self.check_deadlock(a);
        }
    }

    /// The fleet manager grants a segment; the AGV enters it once the grant
    /// has reached it.
    fn enter_segment(&mut self, a: usize, seg: SegmentId) {
        let rt = self.fleet_rt();
        rt.holder[seg] = Some(a as u32);
        rt.occupancy[seg] += 1;
        rt.max_occupancy = rt.max_occupancy.max(rt.occupancy[seg]);
        rt.traversals[seg] += 1;
        let travel = rt.agvs[a].travel.as_mut().expect("travelling");
        travel.waiting_for = None;
        travel.granted = Some(seg);
        if self.start_exchange(Waiter::SegmentGrant(a as u32)) {
            self.set_agv_state(a, AgvState::NetworkWait);
        } else {
            self.start_segment(a);
        }
    }

    /// The AGV drives onto its granted segment and leaves the previous one.
    pub(super) fn start_segment(&mut self, a: usize) {
        let model = self.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let speed = model.fleet.as_ref().expect("a fleet").speed;
        let rt = self.fleet_rt();
        let travel = rt.agvs[a].travel.as_mut().expect("travelling");
        let seg = travel.granted.take().expect("a granted segment");
        let loaded = travel.loaded;
        let previous = travel.holding.replace(seg);
        self.set_agv_state(
            a,
            if loaded {
                AgvState::TravelLoaded
            } else {
                AgvState::TravelEmpty
            },
        );
        let time = SimTime::from_secs_f64(layout.segments[seg].length / speed);
        self.schedule_agv(a, time, Event::AgvArrive { agv: a as u32 });
        if let Some(prev) = previous {
            self.leave_segment(prev);
        }
    }

    fn leave_segment(&mut self, seg: SegmentId) {
        let rt = self.fleet_rt();
        rt.holder[seg] = None;
        rt.occupancy[seg] -= 1;
        if let Some(next) = rt.segment_queue[seg].pop_front() {
            self.enter_segment(next as usize, seg);
        }
    }

    /// Follows the chain of AGVs waiting for segments held by others; a
    /// chain back to `a` is a deadlock, which ends the run.
    fn check_deadlock(&mut self, a: usize) {
        let model = self.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let rt = self.fleet.as_ref().expect("a fleet");
        let mut chain = Vec::new();
        let mut current = a;
        for _ in 0..=rt.agvs.len() {
            let Some(seg) = rt.agvs[current].travel.as_ref().and_then(|t| t.waiting_for) else {
                return;
            };
            let Some(holder) = rt.holder[seg] else { return };
            chain.push((current, seg, holder as usize));
            if holder as usize == a {
                let seg_name = |s: SegmentId| {
                    let sg = &layout.segments[s];
                    format!("{}-{}", layout.points[sg.a].name, layout.points[sg.b].name)
                };
                self.error = Some(SimError::Deadlock {
                    time: self.now,
                    agvs: chain.iter().map(|&(w, _, _)| agv_name(w)).collect(),
                    waits: chain
                        .iter()
                        .map(|&(w, s, h)| {
                            format!(
                                "{} waits for {} held by {}",
                                agv_name(w),
                                seg_name(s),
                                agv_name(h)
                            )
                        })
                        .collect(),
                });
                return;
            }
            current = holder as usize;
        }
    }

    /// End of a travel leg.
    pub(super) fn agv_arrive(&mut self, a: usize) {
        let rt = self.fleet_rt();
        rt.agvs[a].pending = None;
        let agv = &mut rt.agvs[a];
        let travel = agv.travel.as_mut().expect("an arriving AGV travels");
        if travel.segment < travel.path.segments.len() {
            // Zone control: the end of one segment.
            travel.segment += 1;
            agv.at = travel.path.points[travel.segment];
            if travel.segment < travel.path.segments.len() {
                self.request_segment(a);
                return;
            }
            let last = travel.holding.take();
            if let Some(seg) = last {
                self.leave_segment(seg);
            }
        }
        let agv = &mut self.fleet_rt().agvs[a];
        let travel = agv.travel.take().expect("travelling");
        agv.at = *travel.path.points.last().expect("a path has an end");
        match agv.plan {
            Plan::ToPickup(task) => {
                agv.plan = Plan::Loading(task);
                self.handle_cargo(a, true);
            }
            Plan::ToDrop(task) => {
                agv.plan = Plan::Unloading(task);
                self.handle_cargo(a, false);
            }
            Plan::ToCharger(c) => {
                agv.plan = Plan::Charging(c);
                let battery = self
                    .fleet_model()
                    .battery
                    .as_ref()
                    .expect("charging needs a battery");
                let full = battery.runtime.as_nanos() as f64;
                let missing = 1.0 - self.fleet_rt().agvs[a].battery_ns / full;
                let time = SimTime::from_nanos_f64(battery.recharge.as_nanos() as f64 * missing);
                self.set_agv_state(a, AgvState::Charging);
                self.schedule_agv(a, time, Event::AgvCharged { agv: a as u32 });
            }
            Plan::Idle | Plan::Loading(_) | Plan::Unloading(_) | Plan::WaitCharger | Plan::Charging(_) => {
                unreachable!("an AGV arrives only when driving somewhere")
            }
        }
    }

    fn handle_cargo(&mut self, a: usize, loading: bool) {
        let model = self.model;
        let fleet = model.fleet.as_ref().expect("a fleet");
        let dist = if loading { &fleet.load } else { &fleet.unload };
        let time = dist.sample(&mut self.fleet_rt().handling_rng);
        self.set_agv_state(a, AgvState::Handling);
        self.schedule_agv(a, time, Event::AgvHandled { agv: a as u32 });
    }

    /// End of loading or unloading.
    pub(super) fn agv_handled(&mut self, a: usize) {
        self.fleet_rt().agvs[a].pending = None;
        match self.fleet_rt().agvs[a].plan {
            Plan::Loading(task) => {
                if let Cargo::Job { job, .. } | Cargo::SubAssembly { job, .. } = task.cargo {
                    let place = self.jobs[job].place;
                    self.jobs[job].place = JobPlace::Carried;
                    self.free_place(place);
                }
                self.fleet_rt().agvs[a].plan = Plan::ToDrop(task);
                self.drive(a, task.to, true);
            }
            Plan::Unloading(task) => {
                let now = self.now;
                let rt = self.fleet_rt();
                rt.trips += 1;
                let start = rt.agvs[a].trip_start;
                rt.trip_s.add((now - start).as_secs_f64());
                match task.cargo {
                    Cargo::Job { job, dest } => self.deliver_job(job, dest),
                    Cargo::Kit { station, server } => self.kit_arrived(station, server),
                    Cargo::SubAssembly { job, station } => self.deliver_subassembly(job, station),
                }
                self.agv_free(a);
            }
            _ => unreachable!("handling ends only when loading or unloading"),
        }
    }

    /// The AGV finished a task or a charge: charge, take waiting work, or idle.
    fn agv_free(&mut self, a: usize) {
        let model = self.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let fleet = model.fleet.as_ref().expect("a fleet");
        let now = self.now;
        if let Some(b) = &fleet.battery {
            let rt = self.fleet_rt();
            if rt.agvs[a].battery_ns < b.threshold * b.runtime.as_nanos() as f64 {
                let at = rt.agvs[a].at;
                let free = (0..b.chargers.len())
                    .filter(|&c| rt.charger_free[c])
                    .min_by(|&x, &y| {
                        layout
                            .distance(at, b.chargers[x])
                            .total_cmp(&layout.distance(at, b.chargers[y]))
                            .then(x.cmp(&y))
                    });
                match free {
                    Some(c) => {
                        rt.charger_free[c] = false;
                        rt.agvs[a].plan = Plan::ToCharger(c);
                        self.drive(a, b.chargers[c], false);
                    }
                    None => {
                        rt.agvs[a].plan = Plan::WaitCharger;
                        rt.charger_queue.push_back(a as u32);
                        self.set_agv_state(a, AgvState::Charging);
                    }
                }
                return;
            }
        }
        let rt = self.fleet_rt();
        let at = rt.agvs[a].at;
        let pick = match fleet.dispatch {
            Dispatch::Fifo => (!rt.pending.is_empty()).then_some(0),
            Dispatch::Nearest => rt
                .pending
                .iter()
                .enumerate()
                .min_by(|(i, x), (j, y)| {
                    layout
                        .distance(at, x.from)
                        .total_cmp(&layout.distance(at, y.from))
                        .then(i.cmp(j))
                })
                .map(|(i, _)| i),
        };
        match pick.and_then(|i| rt.pending.remove(i)) {
            Some(task) => self.assign(a, task),
            None => {
                rt.agvs[a].plan = Plan::Idle;
                rt.agvs[a].idle_since = now;
                self.set_agv_state(a, AgvState::Idle);
            }
        }
    }

    pub(super) fn agv_charged(&mut self, a: usize) {
        let model = self.model;
        let battery = model
            .fleet
            .as_ref()
            .and_then(|f| f.battery.as_ref())
            .expect("a battery");
        let rt = self.fleet_rt();
        rt.agvs[a].pending = None;
        let Plan::Charging(c) = rt.agvs[a].plan else {
            unreachable!("a charge ends only when charging")
        };
        rt.agvs[a].battery_ns = battery.runtime.as_nanos() as f64;
        match rt.charger_queue.pop_front() {
            Some(next) => {
                rt.agvs[next as usize].plan = Plan::ToCharger(c);
                self.drive(next as usize, battery.chargers[c], false);
            }
            None => rt.charger_free[c] = true,
        }
        self.agv_free(a);
    }
}
