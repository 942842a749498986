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
//!
//! Off shift (a `calendar` on `[fleet]`), every AGV stands where it is,
//! like a protective stop: what it was doing pauses and resumes at the
//! next shift (the AGV shows `off_shift`), and no task is assigned. A
//! stopped AGV that goes off shift shows `off_shift`; it is stopped again
//! if the stop outlasts the break. With `power_kw` the AGVs' energy is
//! metered at each state change.

mod moves;
mod zones;

use super::event::{AgvStep, Cargo, Ctx, Effect, Event, Waiter};
use super::{AgvState, FleetOutput, SimError};
use crate::engine::{EventId, RngStreams, SimTime, StreamRng};
use crate::model::{Dispatch, Fleet, Model, Path, PointId, SegmentId};
use crate::stats::{StateClock, Tally};
use std::collections::VecDeque;

/// Which of the fleet's commands go over the network, as messages the
/// robots wait for (the network part decides; the fleet is told once).
#[derive(Copy, Clone, Debug, Default)]
pub(super) struct Messages {
    pub dispatch: bool,
    pub segment_request: bool,
    pub segment_grant: bool,
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
    /// What the trace has recorded of the leg.
    moves: moves::Moves,
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
    /// Holds in force: protective stops (periodic flows) and the end of
    /// the shift; the AGV moves only at 0.
    stops: u32,
    /// Outside the fleet's calendar (one of the holds).
    off_shift: bool,
    /// Milliwatt-nanoseconds used since the warm-up (with `power_kw`).
    energy_mwns: u128,
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
    messages: Messages,
    /// The deadlock that ended the run, for the plant to report.
    deadlock: Option<SimError>,
}

impl FleetRt {
    /// The fleet at the start: every AGV idle at `home`. `pausable`: periodic
    /// flows can stop AGVs; `messages`: the commands sent over the network.
    pub fn new(
        model: &Model,
        fleet: &Fleet,
        streams: &RngStreams,
        pausable: bool,
        messages: Messages,
    ) -> FleetRt {
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
                    off_shift: false,
                    energy_mwns: 0,
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
            // A calendar pauses AGVs as stops do.
            pausable: pausable || fleet.calendar.is_some(),
            messages,
            deadlock: None,
        }
    }

    pub fn clear_statistics(&mut self, now: SimTime) {
        for a in &mut self.agvs {
            a.clock.reset(now);
            a.energy_mwns = 0;
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

    /// Where an AGV is: the last point it reached.
    pub fn agv_point(&self, agv: u32) -> PointId {
        self.agvs[agv as usize].at
    }

    /// The deadlock that ended the run ([`Effect::Deadlock`]).
    pub fn take_deadlock(&mut self) -> Option<SimError> {
        self.deadlock.take()
    }

    /// The run is over: the trace gets the movements begun by now.
    pub fn flush_trace(&mut self, ctx: &mut Ctx) {
        for agv in 0..self.agvs.len() {
            self.trace_catch_up(agv, ctx);
        }
    }

    pub fn output(&self, now: SimTime, model: &Model) -> FleetOutput {
        let power = model.fleet.as_ref().and_then(|f| f.power_mw.as_ref());
        FleetOutput {
            energy_mwns: power.map(|power| {
                self.agvs
                    .iter()
                    .map(|a| {
                        a.energy_mwns + u128::from(power[a.clock.state()]) * u128::from(a.clock.in_state(now))
                    })
                    .sum()
            }),
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

impl FleetRt {
    /// Sets an AGV's state, draining its battery for the time it was working.
    fn set_state(&mut self, agv: usize, state: AgvState, ctx: &mut Ctx) {
        let now = ctx.now;
        let robot = &mut self.agvs[agv];
        if robot.stops > 0 && !matches!(state, AgvState::Stopped | AgvState::OffShift) {
            // Held: the AGV takes this state up again when it restarts.
            robot.resume_state = state;
            return;
        }
        let old = robot.clock.state();
        if matches!(
            old,
            s if s == AgvState::TravelEmpty as usize || s == AgvState::TravelLoaded as usize || s == AgvState::Handling as usize
        ) {
            robot.battery_ns = (robot.battery_ns - (now - robot.since).as_nanos() as f64).max(0.0);
        }
        robot.since = now;
        if old != state as usize {
            let spent = robot.clock.switch(now, state as usize);
            if let Some(power) = ctx.model.fleet.as_ref().and_then(|f| f.power_mw.as_ref()) {
                robot.energy_mwns += u128::from(power[old]) * u128::from(spent);
            }
            ctx.trace_line(|| agv_name(agv), "state", || state.key().to_string());
        }
    }

    /// The fleet manager receives a transport request.
    pub fn request_transport(
        &mut self,
        cargo: Cargo,
        from: PointId,
        to: PointId,
        ctx: &mut Ctx,
        out: &mut Vec<Effect>,
    ) {
        let task = Task { cargo, from, to };
        let model = ctx.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let dispatch = model.fleet.as_ref().expect("a fleet").dispatch;
        let idle = self
            .agvs
            .iter()
            .enumerate()
            .filter(|(_, robot)| matches!(robot.plan, Plan::Idle) && robot.stops == 0);
        let chosen = match dispatch {
            Dispatch::Nearest => idle
                .min_by(|(i, x), (j, y)| {
                    layout
                        .distance(x.at, from)
                        .total_cmp(&layout.distance(y.at, from))
                        .then(i.cmp(j))
                })
                .map(|(i, _)| i),
            Dispatch::Fifo => idle
                .min_by_key(|(i, robot)| (robot.idle_since, *i))
                .map(|(i, _)| i),
        };
        match chosen {
            Some(agv) => self.assign(agv, task, ctx, out),
            None => self.pending.push_back(task),
        }
    }

    fn assign(&mut self, agv: usize, task: Task, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let robot = &mut self.agvs[agv];
        robot.plan = Plan::ToPickup(task);
        robot.trip_start = ctx.now;
        // The fleet manager on the edge sends the task over the network.
        let waiter = Waiter::Dispatch(agv as u32);
        if !self.waits_for(waiter, self.messages.dispatch, ctx, out) {
            self.dispatch_done(agv, ctx, out);
        }
    }

    /// When `sends`, the AGV of `waiter` waits for the exchange's messages,
    /// which the network sends: returns `sends`.
    fn waits_for(&mut self, waiter: Waiter, sends: bool, ctx: &mut Ctx, out: &mut Vec<Effect>) -> bool {
        if sends {
            let (Waiter::Dispatch(agv) | Waiter::SegmentRequest(agv) | Waiter::SegmentGrant(agv)) = waiter
            else {
                unreachable!("an AGV's exchange")
            };
            self.set_state(agv as usize, AgvState::NetworkWait, ctx);
            out.push(Effect::StartExchange(waiter));
        }
        sends
    }

    /// Every message of `waiter`'s exchange arrived.
    pub fn exchange_done(&mut self, waiter: Waiter, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        match waiter {
            Waiter::Dispatch(agv) => self.dispatch_done(agv as usize, ctx, out),
            Waiter::SegmentRequest(agv) => self.zone_request(agv as usize, ctx, out),
            Waiter::SegmentGrant(agv) => self.start_segment(agv as usize, ctx, out),
            Waiter::CycleStart(..) => unreachable!("arms' exchanges are the plant's"),
        }
    }

    /// The AGV has its task: it drives to the pickup.
    fn dispatch_done(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let Plan::ToPickup(task) = self.agvs[agv].plan else {
            unreachable!("a dispatch is for a task")
        };
        self.drive(agv, task.from, false, ctx, out);
    }

    /// Schedules the AGV's next timed event, or keeps it for later if the AGV
    /// is stopped.
    fn schedule(&mut self, agv: usize, delay: SimTime, event: Event, ctx: &mut Ctx) {
        let now = ctx.now;
        let robot = &mut self.agvs[agv];
        if robot.stops > 0 {
            robot.paused = Some((delay, event));
            return;
        }
        if self.pausable {
            let id = ctx.queue.schedule_cancellable(now + delay, event);
            robot.pending = Some((id, now + delay, event));
        } else {
            // No stop can put it off: the plain, faster heap.
            ctx.queue.schedule(now + delay, event);
        }
    }

    /// A protective stop: the AGV halts where it is.
    pub fn pause(&mut self, agv: usize, ctx: &mut Ctx) {
        let now = ctx.now;
        let robot = &mut self.agvs[agv];
        robot.stops += 1;
        if robot.stops > 1 {
            self.show_held(agv, ctx);
            return;
        }
        let mut driving = false;
        if let Some((id, end, event)) = robot.pending.take() {
            ctx.queue.cancel(id);
            robot.paused = Some((end - now, event));
            driving = matches!(event, Event::AgvArrive { .. });
        }
        robot.resume_state = AgvState::ALL[robot.clock.state()];
        self.trace_pause(agv, driving, ctx);
        self.show_held(agv, ctx);
    }

    /// A held AGV shows `off_shift` off shift, else `stopped`.
    fn show_held(&mut self, agv: usize, ctx: &mut Ctx) {
        let state = if self.agvs[agv].off_shift {
            AgvState::OffShift
        } else {
            AgvState::Stopped
        };
        self.set_state(agv, state, ctx);
    }

    /// The fleet's calendar starts (`on`) or ends a shift: every AGV
    /// resumes, or holds where it is (as in a stop).
    pub fn set_shift(&mut self, on: bool, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        for agv in 0..self.agvs.len() {
            if self.agvs[agv].off_shift != on {
                continue;
            }
            self.agvs[agv].off_shift = !on;
            if on {
                self.resume(agv, ctx, out);
            } else {
                self.pause(agv, ctx);
            }
        }
    }

    /// A hold is over (a stop, or the break): the AGV takes up what it was
    /// doing once nothing holds it.
    pub fn resume(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let robot = &mut self.agvs[agv];
        robot.stops -= 1;
        if robot.stops > 0 {
            self.show_held(agv, ctx);
            return;
        }
        let state = robot.resume_state;
        let paused = robot.paused.take();
        let idle = matches!(robot.plan, Plan::Idle);
        self.set_state(agv, state, ctx);
        if let Some((delay, event)) = paused {
            self.schedule(agv, delay, event, ctx);
        }
        self.trace_resume(agv, ctx);
        if idle {
            // Work may have waited while it was stopped.
            self.free(agv, ctx, out);
        }
    }

    /// Starts driving to `to` over the shortest path.
    fn drive(&mut self, agv: usize, to: PointId, loaded: bool, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let model = ctx.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let fleet = model.fleet.as_ref().expect("a fleet");
        let path = layout.path(self.agvs[agv].at, to);
        self.set_state(agv, travel_state(loaded), ctx);
        let zoned = fleet.zone_control && !path.segments.is_empty();
        if !zoned {
            for &segment in &path.segments {
                self.traversals[segment] += 1;
            }
            let time = SimTime::from_secs_f64(path.length / fleet.speed);
            self.agvs[agv].travel = Some(Travel {
                segment: path.segments.len(),
                path,
                holding: None,
                waiting_for: None,
                granted: None,
                loaded,
                moves: moves::Moves::default(),
            });
            self.schedule(agv, time, Event::AgvArrive { agv: agv as u32 }, ctx);
            let pieces = {
                let travel = self.agvs[agv].travel.as_ref().expect("travelling");
                moves::piece_count(layout, &travel.path)
            };
            self.trace_travel(agv, 0, pieces, ctx);
            return;
        }
        self.agvs[agv].travel = Some(Travel {
            path,
            segment: 0,
            holding: None,
            waiting_for: None,
            granted: None,
            loaded,
            moves: moves::Moves::default(),
        });
        self.request_segment(agv, ctx, out);
    }

    /// End of a travel leg ([`Event::AgvArrive`]).
    pub fn on_arrive(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        self.trace_catch_up(agv, ctx);
        let robot = &mut self.agvs[agv];
        robot.pending = None;
        let travel = robot.travel.as_mut().expect("an arriving AGV travels");
        if travel.segment < travel.path.segments.len() {
            // Zone control: the end of one segment.
            travel.segment += 1;
            robot.at = travel.path.points[travel.segment];
            if travel.segment < travel.path.segments.len() {
                self.request_segment(agv, ctx, out);
                return;
            }
            if let Some(last) = travel.holding.take() {
                let before = out.len();
                self.leave_segment(last, ctx, out);
                if out.len() > before {
                    // The next AGV's grant goes out before this one handles
                    // its cargo.
                    out.push(Effect::ThenAgv {
                        agv: agv as u32,
                        step: AgvStep::FinishArrival,
                    });
                    return;
                }
            }
        }
        self.finish_arrival(agv, ctx);
    }

    /// The AGV is at the end of its path: it loads, unloads or charges.
    fn finish_arrival(&mut self, agv: usize, ctx: &mut Ctx) {
        let robot = &mut self.agvs[agv];
        let travel = robot.travel.take().expect("travelling");
        robot.at = *travel.path.points.last().expect("a path has an end");
        match robot.plan {
            Plan::ToPickup(task) => {
                robot.plan = Plan::Loading(task);
                self.handle_cargo(agv, true, ctx);
            }
            Plan::ToDrop(task) => {
                robot.plan = Plan::Unloading(task);
                self.handle_cargo(agv, false, ctx);
            }
            Plan::ToCharger(charger) => {
                robot.plan = Plan::Charging(charger);
                let battery = ctx
                    .model
                    .fleet
                    .as_ref()
                    .and_then(|f| f.battery.as_ref())
                    .expect("charging needs a battery");
                let full = battery.runtime.as_nanos() as f64;
                let missing = 1.0 - robot.battery_ns / full;
                let time = SimTime::from_nanos_f64(battery.recharge.as_nanos() as f64 * missing);
                self.set_state(agv, AgvState::Charging, ctx);
                self.schedule(agv, time, Event::AgvCharged { agv: agv as u32 }, ctx);
            }
            Plan::Idle | Plan::Loading(_) | Plan::Unloading(_) | Plan::WaitCharger | Plan::Charging(_) => {
                unreachable!("an AGV arrives only when driving somewhere")
            }
        }
    }

    fn handle_cargo(&mut self, agv: usize, loading: bool, ctx: &mut Ctx) {
        let fleet = ctx.model.fleet.as_ref().expect("a fleet");
        let dist = if loading { &fleet.load } else { &fleet.unload };
        let time = dist.sample(&mut self.handling_rng);
        self.set_state(agv, AgvState::Handling, ctx);
        self.schedule(agv, time, Event::AgvHandled { agv: agv as u32 }, ctx);
    }

    /// End of loading or unloading ([`Event::AgvHandled`]): the plant takes
    /// the job off its place, or receives the cargo.
    pub fn on_handled(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let robot = &mut self.agvs[agv];
        robot.pending = None;
        match robot.plan {
            Plan::Loading(task) => {
                robot.plan = Plan::ToDrop(task);
                match task.cargo {
                    Cargo::Job { job, .. } | Cargo::SubAssembly { job, .. } => {
                        // The place the job leaves may take the next job
                        // before the AGV drives off.
                        out.push(Effect::PickedUp(job));
                        out.push(Effect::ThenAgv {
                            agv: agv as u32,
                            step: AgvStep::DriveLoaded,
                        });
                    }
                    Cargo::Kit { .. } => self.drive(agv, task.to, true, ctx, out),
                }
            }
            Plan::Unloading(task) => {
                let trip = ctx.now - robot.trip_start;
                self.trips += 1;
                self.trip_s.add(trip.as_secs_f64());
                // What the delivery sets off (a kit called for) comes before
                // the AGV looks for work.
                out.push(Effect::Delivered(task.cargo));
                out.push(Effect::ThenAgv {
                    agv: agv as u32,
                    step: AgvStep::Free,
                });
            }
            _ => unreachable!("handling ends only when loading or unloading"),
        }
    }

    /// A continuation ([`Effect::ThenAgv`]): the AGV goes on.
    pub fn then(&mut self, agv: usize, step: AgvStep, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        match step {
            AgvStep::FinishArrival => self.finish_arrival(agv, ctx),
            AgvStep::DriveLoaded => {
                let Plan::ToDrop(task) = self.agvs[agv].plan else {
                    unreachable!("an AGV drives loaded to its drop point")
                };
                self.drive(agv, task.to, true, ctx, out);
            }
            AgvStep::Free => self.free(agv, ctx, out),
        }
    }

    /// The AGV finished a task or a charge: charge, take waiting work, or idle.
    fn free(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let model = ctx.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let fleet = model.fleet.as_ref().expect("a fleet");
        if let Some(battery) = &fleet.battery {
            if self.agvs[agv].battery_ns < battery.threshold * battery.runtime.as_nanos() as f64 {
                let at = self.agvs[agv].at;
                let nearest_free = (0..battery.chargers.len())
                    .filter(|&c| self.charger_free[c])
                    .min_by(|&x, &y| {
                        layout
                            .distance(at, battery.chargers[x])
                            .total_cmp(&layout.distance(at, battery.chargers[y]))
                            .then(x.cmp(&y))
                    });
                match nearest_free {
                    Some(charger) => {
                        self.charger_free[charger] = false;
                        self.agvs[agv].plan = Plan::ToCharger(charger);
                        self.drive(agv, battery.chargers[charger], false, ctx, out);
                    }
                    None => {
                        self.agvs[agv].plan = Plan::WaitCharger;
                        self.charger_queue.push_back(agv as u32);
                        self.set_state(agv, AgvState::Charging, ctx);
                    }
                }
                return;
            }
        }
        let at = self.agvs[agv].at;
        let pick = match fleet.dispatch {
            Dispatch::Fifo => (!self.pending.is_empty()).then_some(0),
            Dispatch::Nearest => self
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
        match pick.and_then(|i| self.pending.remove(i)) {
            Some(task) => self.assign(agv, task, ctx, out),
            None => {
                let robot = &mut self.agvs[agv];
                robot.plan = Plan::Idle;
                robot.idle_since = ctx.now;
                self.set_state(agv, AgvState::Idle, ctx);
            }
        }
    }

    /// The battery is full ([`Event::AgvCharged`]): the charger goes to the
    /// next AGV waiting for one.
    pub fn on_charged(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let battery = ctx
            .model
            .fleet
            .as_ref()
            .and_then(|f| f.battery.as_ref())
            .expect("a battery");
        let robot = &mut self.agvs[agv];
        robot.pending = None;
        let Plan::Charging(charger) = robot.plan else {
            unreachable!("a charge ends only when charging")
        };
        robot.battery_ns = battery.runtime.as_nanos() as f64;
        match self.charger_queue.pop_front() {
            Some(next) => {
                self.agvs[next as usize].plan = Plan::ToCharger(charger);
                let before = out.len();
                self.drive(next as usize, battery.chargers[charger], false, ctx, out);
                if out.len() > before {
                    // The next AGV's messages go out before this one looks
                    // for work.
                    out.push(Effect::ThenAgv {
                        agv: agv as u32,
                        step: AgvStep::Free,
                    });
                    return;
                }
            }
            None => self.charger_free[charger] = true,
        }
        self.free(agv, ctx, out);
    }
}

fn travel_state(loaded: bool) -> AgvState {
    if loaded {
        AgvState::TravelLoaded
    } else {
        AgvState::TravelEmpty
    }
}

#[cfg(test)]
mod tests {
    //! The fleet alone: a test plays the plant, popping the fleet's events,
    //! handing back its continuations and recording what it asks for.
    use super::*;
    use crate::engine::EventQueue;
    use crate::model::StationId;

    /// One AGV at the warehouse `w`, one station at `b`, two aisles of 50
    /// and 60 m between them, driven at 2 m/s; loading 10 s, unloading 20 s.
    const PLANT: &str = r#"
[scenario]
horizon = "1h"
[layout]
size = [100, 100]
points = { w = [0, 0], m = [50, 0], b = [50, 60] }
aisles = [["w", "m"], ["m", "b"]]
[fleet]
agvs = 1
speed = "2m/s"
load = "10s"
unload = "20s"
home = "w"
warehouse = "w"
[[station]]
name = "s"
at = "b"
process = "1min"
[[product]]
name = "job"
release = "const(1h)"
route = ["s"]
"#;

    fn plant() -> Model {
        crate::scenario::load_str("fleet.toml", PLANT, None, &[])
            .expect("valid")
            .model
    }

    /// Runs the fleet's events to the end; returns the effects meant for
    /// the plant with their times (continuations are handed straight back).
    fn run(
        fleet: &mut FleetRt,
        model: &Model,
        queue: &mut EventQueue<Event>,
        first: impl FnOnce(&mut FleetRt, &mut Ctx, &mut Vec<Effect>),
    ) -> Vec<(f64, Effect)> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        let mut step =
            |now: SimTime,
             fleet: &mut FleetRt,
             queue: &mut EventQueue<Event>,
             call: &mut dyn FnMut(&mut FleetRt, &mut Ctx, &mut Vec<Effect>)| {
                let mut ctx = Ctx {
                    now,
                    model,
                    queue,
                    trace: None,
                    view: (),
                };
                call(fleet, &mut ctx, &mut out);
                while let Some(effect) = (!out.is_empty()).then(|| out.remove(0)) {
                    match effect {
                        Effect::ThenAgv { agv, step } => fleet.then(agv as usize, step, &mut ctx, &mut out),
                        other => seen.push((now.as_secs_f64(), other)),
                    }
                }
            };
        let mut first = Some(first);
        step(SimTime::ZERO, fleet, queue, &mut |f, ctx, out| {
            (first.take().unwrap())(f, ctx, out)
        });
        while let Some((now, event)) = queue.pop() {
            step(now, fleet, queue, &mut |f, ctx, out| match event {
                Event::AgvArrive { agv } => f.on_arrive(agv as usize, ctx, out),
                Event::AgvHandled { agv } => f.on_handled(agv as usize, ctx, out),
                Event::AgvCharged { agv } => f.on_charged(agv as usize, ctx, out),
                other => panic!("not the fleet's event: {other:?}"),
            });
        }
        seen
    }

    #[test]
    fn a_transport_request_is_answered_with_a_pickup_then_a_delivery() {
        let model = plant();
        let spec = model.fleet.as_ref().unwrap();
        let (from, to): (PointId, PointId) = (spec.warehouse, model.stations[0].at.unwrap());
        let mut fleet = FleetRt::new(&model, spec, &RngStreams::new(1, 0), false, Messages::default());
        let mut queue = EventQueue::new();
        let cargo = Cargo::Job {
            job: 7,
            dest: 0 as StationId,
        };
        let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
            f.request_transport(cargo, from, to, ctx, out)
        });
        // Loaded where it stands after 10 s; 110 m at 2 m/s and 20 s later,
        // delivered.
        assert_eq!(
            seen,
            [(10.0, Effect::PickedUp(7)), (85.0, Effect::Delivered(cargo))]
        );
        let out = fleet.output(SimTime::from_secs(85), &model);
        assert_eq!((out.trips, out.trip_s.mean()), (1, 85.0));
        // Zone control: every segment of the path entered once.
        assert_eq!(out.segment_traversals, [1, 1]);
    }

    #[test]
    fn a_dispatch_over_the_network_waits_for_its_exchange() {
        let model = plant();
        let spec = model.fleet.as_ref().unwrap();
        let messages = Messages {
            dispatch: true,
            ..Messages::default()
        };
        let mut fleet = FleetRt::new(&model, spec, &RngStreams::new(1, 0), false, messages);
        let mut queue = EventQueue::new();
        let cargo = Cargo::Kit {
            station: 0,
            server: 0,
        };
        let (from, to) = (spec.warehouse, model.stations[0].at.unwrap());
        let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
            f.request_transport(cargo, from, to, ctx, out)
        });
        // The AGV waits for its task: nothing moves until the exchange is done.
        assert_eq!(seen, [(0.0, Effect::StartExchange(Waiter::Dispatch(0)))]);
        assert_eq!(fleet.agvs[0].clock.state(), AgvState::NetworkWait as usize);
        let seen = run(&mut fleet, &model, &mut queue, |f, ctx, out| {
            f.exchange_done(Waiter::Dispatch(0), ctx, out)
        });
        assert_eq!(seen, [(85.0, Effect::Delivered(cargo))]);
    }
}
