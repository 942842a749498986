//! The AGV fleet: dispatch, travel over the aisles, zone control, batteries,
//! parking.
//!
//! A transport task (a job between stations, a parts kit from the warehouse,
//! a finished sub-assembly to its assembly station) goes to an idle AGV
//! chosen by the dispatch rule, or waits in the fleet manager's list. The AGV
//! drives empty to the pickup, loads, drives loaded to the drop point
//! (at `speed_loaded`), unloads, and is free again (`free.rs`: it charges,
//! takes waiting work, or parks). Travel is `travel.rs`; the trace of its
//! movements `moves.rs`.
//!
//! Zone control comes in two kinds (`fleet.deadlock`). `"detect"`
//! (`zones.rs`): an AGV asks for each aisle segment before entering it and
//! holds the segment it is on until the next one is granted; requests are
//! granted in the order they were made, and a cycle of AGVs each waiting
//! for the segment the next one holds is a deadlock that ends the run with
//! an error naming them. `"avoid"` (`reserve.rs`, the default): the fleet
//! manager books each leg's zones and crossings ahead in one order of the
//! AGVs, which keeps every wait pointing to an AGV earlier in that order, so
//! no deadlock can form (the proof is in that module). Reserving ahead
//! costs waits (an AGV waits for a zone booked by one still far away), so
//! `"avoid"` reserves only where plain zone control could deadlock: when
//! the layout has crossings, or the fleet's routes have a cycle of zones
//! no longer than the fleet (`Model::zone_deadlock_cycle`); otherwise (a
//! one-way loop longer than the fleet) it grants zones as `"detect"` does,
//! which there cannot deadlock.
//!
//! Choices where the design leaves room: without parking points, idle AGVs
//! stay where they finished (they start at `home`); with them, an idle AGV
//! drives to the nearest free one (one AGV each; when all are taken it
//! stays where it is, and it does not move to one that frees later), at the
//! start too, and leaves it when dispatched; an AGV on its way to park is
//! not idle, and takes waiting work on arrival. A battery drains while
//! driving and handling, not while idle or waiting; an AGV checks its
//! battery when it finishes a task, a charge or a drive to park and, below
//! the threshold, goes to the nearest free charger, or waits for one where
//! it is (`charge_wait`), and charges (`charging`, only on the charger) for
//! `recharge` times the fraction missing.
//!
//! Off shift (a `calendar` on `[fleet]`), every AGV stands where it is,
//! like a protective stop: what it was doing pauses and resumes at the
//! next shift (the AGV shows `off_shift`), and no task is assigned. A
//! stopped AGV that goes off shift shows `off_shift`; it is stopped again
//! if the stop outlasts the break. With `power_kw` the AGVs' energy is
//! metered at each state change.

mod free;
mod moves;
mod reserve;
mod travel;
mod zones;

use super::event::{Cargo, Ctx, Effect, Event, Waiter};
use super::{AgvState, FleetOutput, SimError};
use crate::engine::{EventId, RngStreams, SimTime, StreamRng};
use crate::model::{Deadlock, Dispatch, Fleet, Layout, Model, Path, PointId, SegmentId};
use crate::stats::{StateClock, Tally};
use std::collections::VecDeque;

/// Which of the fleet's commands go over the network, as messages the
/// robots wait for (the network part decides; the fleet is told once).
#[derive(Copy, Clone, Debug, Default)]
pub(super) struct Messages {
    pub dispatch: bool,
    pub segment_request: bool,
    pub segment_grant: bool,
    /// The network follows the AGVs' movements (their radio links change
    /// as they drive): the fleet tells it when one starts driving or halts
    /// ([`Effect::AgvMotion`]).
    pub follow_motion: bool,
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
    /// Driving to the parking point it holds.
    ToParking,
}

/// How AGVs share the aisles.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Control {
    /// No zone control: AGVs pass through each other.
    Free,
    /// Zone control, deadlocks detected (`zones.rs`).
    Detect,
    /// Zone control, deadlocks avoided (`reserve.rs`).
    Avoid,
}

struct Travel {
    path: Path,
    /// Index of the segment being driven (zone control).
    segment: usize,
    /// The segment (detect) or resource (avoid) the AGV is on.
    holding: Option<SegmentId>,
    /// Avoid: the crossing the AGV is clearing, held until it leaves the
    /// zone after it.
    clearing: Option<usize>,
    waiting_for: Option<SegmentId>,
    /// Granted, the grant still on its way to the AGV.
    granted: Option<SegmentId>,
    loaded: bool,
    /// Avoid: the zones and crossings of the leg in order, and the next to
    /// ask for.
    steps: Vec<reserve::Step>,
    step: usize,
    /// The pieces of the path the current timed event drives.
    leg: (usize, usize),
    /// What the trace has recorded of the leg.
    moves: moves::Moves,
}

impl Travel {
    fn new(path: Path, loaded: bool) -> Travel {
        Travel {
            path,
            segment: 0,
            holding: None,
            clearing: None,
            waiting_for: None,
            granted: None,
            loaded,
            steps: Vec::new(),
            step: 0,
            leg: (0, 0),
            moves: moves::Moves::default(),
        }
    }
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
    /// The parking point it holds (parked, or on its way there).
    parked: Option<usize>,
}

pub(super) struct FleetRt {
    agvs: Vec<Agv>,
    pending: VecDeque<Task>,
    handling_rng: StreamRng,
    control: Control,
    holder: Vec<Option<u32>>,
    segment_queue: Vec<VecDeque<u32>>,
    occupancy: Vec<u32>,
    max_occupancy: u32,
    /// Avoid: the bookings, resources and order of AGVs.
    reserve: reserve::Reservations,
    traversals: Vec<u64>,
    charger_free: Vec<bool>,
    charger_queue: VecDeque<u32>,
    /// Per parking point, the AGV that holds it.
    parking_holder: Vec<Option<u32>>,
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
        let control = match (fleet.zone_control, fleet.deadlock) {
            (false, _) => Control::Free,
            (true, Deadlock::Detect) => Control::Detect,
            (true, Deadlock::Avoid) if fleet.reserve_paths => Control::Avoid,
            // No crossings and no cycle of zones the fleet could fill:
            // plain zone control cannot deadlock.
            (true, Deadlock::Avoid) => Control::Detect,
        };
        let detect = usize::from(control == Control::Detect) * segments;
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
                    parked: None,
                })
                .collect(),
            pending: VecDeque::new(),
            handling_rng: streams.stream("fleet/handling"),
            control,
            holder: vec![None; detect],
            segment_queue: vec![VecDeque::new(); detect],
            occupancy: vec![0; detect],
            max_occupancy: 0,
            reserve: match (control, model.layout.as_ref()) {
                (Control::Avoid, Some(layout)) => reserve::Reservations::new(layout, fleet.agvs as usize),
                _ => reserve::Reservations::default(),
            },
            traversals: vec![0; segments],
            charger_free: vec![true; fleet.battery.as_ref().map_or(0, |b| b.chargers.len())],
            charger_queue: VecDeque::new(),
            parking_holder: vec![None; fleet.parking.len()],
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
            Plan::Idle | Plan::ToCharger(_) | Plan::WaitCharger | Plan::Charging(_) | Plan::ToParking => None,
        });
        waiting.chain(assigned)
    }

    /// Where an AGV is: the last point it reached.
    pub fn agv_point(&self, agv: u32) -> PointId {
        self.agvs[agv as usize].at
    }

    /// The corners of the straight pieces the AGV drives in its current
    /// timed event of travel, in order (empty when it does not travel).
    pub fn leg_polyline(&self, agv: u32, layout: &Layout, corners: &mut Vec<[f64; 2]>) {
        corners.clear();
        if let Some(travel) = &self.agvs[agv as usize].travel {
            moves::polyline(layout, &travel.path, travel.leg, corners);
        }
    }

    /// The AGV starts a timed event of travel over pieces `first..end` of
    /// its path, `delay` long: it is scheduled, traced, and (when the AGV is
    /// not held, else at its restart) the network is told.
    pub(super) fn drive_pieces(
        &mut self,
        agv: usize,
        (first, end): (usize, usize),
        delay: SimTime,
        ctx: &mut Ctx,
        out: &mut Vec<Effect>,
    ) {
        if let Some(travel) = self.agvs[agv].travel.as_mut() {
            travel.leg = (first, end);
        }
        self.schedule(agv, delay, Event::AgvArrive { agv: agv as u32 }, ctx);
        if self.messages.follow_motion && self.agvs[agv].stops == 0 {
            out.push(Effect::AgvMotion {
                agv: agv as u32,
                drive_until: Some(ctx.now + delay),
            });
        }
        self.trace_travel(agv, first, end, ctx);
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
        let (zones, crossings) = match self.control {
            Control::Avoid => self.reserve.max_inside(),
            Control::Free | Control::Detect => (self.max_occupancy, 0),
        };
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
            max_segment_occupancy: zones,
            max_crossing_occupancy: crossings,
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
        self.leave_parking(agv);
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
            Waiter::SegmentRequest(agv) => match self.control {
                Control::Avoid => self.reserve_request(agv as usize, ctx, out),
                Control::Detect | Control::Free => self.zone_request(agv as usize, ctx, out),
            },
            Waiter::SegmentGrant(agv) => match self.control {
                Control::Avoid => self.reserve_enter(agv as usize, ctx, out),
                Control::Detect | Control::Free => self.start_segment(agv as usize, ctx, out),
            },
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
    pub fn pause(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
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
        if driving && self.messages.follow_motion {
            out.push(Effect::AgvMotion {
                agv: agv as u32,
                drive_until: None,
            });
        }
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
                self.pause(agv, ctx, out);
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
            if matches!(event, Event::AgvArrive { .. }) && self.messages.follow_motion {
                out.push(Effect::AgvMotion {
                    agv: agv as u32,
                    drive_until: Some(ctx.now + delay),
                });
            }
        }
        self.trace_resume(agv, ctx);
        if idle {
            // Work may have waited while it was stopped.
            self.free(agv, ctx, out);
        }
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
mod tests;
