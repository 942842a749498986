//! Zone control that avoids deadlock (`fleet.deadlock = "avoid"`): ordered
//! path reservation. Used where plain zone control could deadlock (the
//! layout has crossings, or the fleet's routes a cycle of zones no longer
//! than the fleet); elsewhere `"avoid"` grants zones as `"detect"` does,
//! which there cannot deadlock and waits less.
//!
//! The model. The resources are the zones (the segments of the aisle graph,
//! cut by `zone_length`) and the crossings (points where three or more
//! segment ends meet; see `model/layout.rs` for why two ends need none).
//! The places where an AGV stops (a station's point, the warehouse, home,
//! chargers, parking points) are docks beside the aisle: an AGV standing
//! there holds no resource; entering or leaving a dock passes its point,
//! which is a resource when it is a crossing. A leg (empty to a pickup,
//! loaded to a drop, to a charger, to park) is the sequence of resources
//! of its shortest path: the start point if it is a crossing, then each
//! zone followed by its end point if that is a crossing.
//!
//! The method: conservative two-phase locking with predeclared lock sets
//! and one global order, as in database concurrency control (Bernstein,
//! Hadzilacos & Goodman 1987, *Concurrency Control and Recovery in Database
//! Systems*, Addison-Wesley: conservative 2PL, ch. 3, and conservative
//! timestamp ordering, ch. 4, whose per-item queues in timestamp order never
//! deadlock), here with progressive release; for AGVs, zone control as a
//! resource allocation system whose deadlocks are avoided by a policy on
//! the allocation of zones, Reveliotis 2000 (IIE Transactions 32(7),
//! "Conflict resolution in AGV systems"); and the classic condition it
//! breaks, circular wait (Coffman, Elphick & Shoshani 1971). Simulators
//! such as FlexSim let AGVs allocate control points ahead along their
//! path and offer deadlock *detection* only, which is `"detect"` here.
//!
//! - When an AGV starts a leg the fleet manager books the leg's whole
//!   resource sequence at once, in each resource's queue. All queues are
//!   ordered by one global order of the AGVs that have a leg: the new AGV
//!   is placed directly behind the latest (in that order) AGV that occupies
//!   a resource of its path, ahead of every later AGV (which has merely
//!   booked what it shares with the new one), or first when none occupies
//!   any (an AGV occupies a resource from its grant to its release).
//! - The AGV asks for each resource before entering it (the `segment`
//!   request and grant messages over the network, as under `"detect"`);
//!   the grant goes out when the AGV is first in the resource's queue and
//!   the resource is free. It releases each resource as it enters the next
//!   one, and the last as it docks (progressive release), so a convoy on a
//!   one-way aisle follows its head zone by zone. A crossing has no length
//!   of its own: an AGV holds it from entering it (at the end of the zone
//!   before it, or leaving a dock there) until it has cleared the zone
//!   after it, so crossing traffic waits for that zone to be driven
//!   (`zone_length` sets how long that is); an AGV in a crossing waits
//!   there for its next zone. Docking at a crossing passes it.
//! - A leg ends when its last resource is released; the AGV leaves the
//!   order.
//!
//! Proof sketch. (1) *Occupants first*: the occupant of a resource is first
//! in its queue. A grant goes only to the first in the queue; a booking
//! puts the new AGV behind every occupant of its path's resources (it is
//! placed after the latest of them) and changes no other queue; a release
//! removes the occupant from the front. (2) *No deadlock*: an AGV waits for
//! a resource only because an AGV ahead of it in the resource's queue, so
//! earlier in the global order, occupies it or has booked it first; every
//! wait-for edge goes from a later to an earlier AGV of one total order, so
//! the wait-for graph has no cycle. (3) *Progress*: the first AGV of the
//! order is first in every queue it is in, so by (1) every resource of its
//! remaining path is free or its own: it waits only for messages and
//! protective stops, which end, and it finishes its leg; then the next is
//! first. Every leg ends while no new leg is placed ahead of it forever
//! (new AGVs can be placed ahead of one that occupies nothing they need,
//! which in a finite run, and with work that dries up, is finite: the
//! property tests drain their plants and find every task done).
//!
//! The invariants are checked with `debug_assert!`s; the run also follows
//! each new wait along the wait-for chain, as under `"detect"`, so that a
//! deadlock, were the method broken, would end the run with the same error
//! instead of a silent stall.
//!
//! ```
//! // sany18 with every aisle two-way: under "detect" it deadlocks within a
//! // shift; under "avoid" (the default) it runs.
//! let text = factory5g::scenario::builtin_text("sany18").unwrap().replace("one_way = [", "aisles = [");
//! let model = factory5g::scenario::load_str("two_way.toml", &text, None, &[]).unwrap().model;
//! let out = factory5g::factory::simulate(&model, 18, 0).unwrap();
//! assert_eq!(out.fleet.unwrap().max_segment_occupancy, 1);
//! ```

use super::{agv_name, travel_state, FleetRt};
use crate::engine::SimTime;
use crate::factory::event::{Ctx, Effect, Waiter};
use crate::factory::{AgvState, SimError};
use crate::model::{Layout, PointId};
use std::collections::VecDeque;

/// One step of a leg: driving zone `K` of the path, or passing the
/// crossing at a point.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Zone(usize),
    Crossing(PointId),
}

/// No place in the order, no crossing at a point.
const NONE: u32 = u32::MAX;

/// The fleet manager's bookings. Resources are numbered: the zones as
/// their segments, then the crossings.
#[derive(Debug, Default)]
pub(super) struct Reservations {
    /// The AGVs with a leg booked, first first.
    order: Vec<u32>,
    /// Each AGV's place in `order` ([`NONE`]: no leg booked).
    rank: Vec<u32>,
    /// Per resource, the AGVs that booked it, in the global order; its
    /// occupant, if any, first.
    queue: Vec<VecDeque<u32>>,
    /// Per resource, the AGV granted it (on it, or its grant on the way).
    holder: Vec<Option<u32>>,
    /// Per point, the resource of its crossing ([`NONE`]: not a crossing).
    crossing: Vec<u32>,
    /// Zones (the first resources).
    zones: usize,
    /// Per resource, the AGVs physically on it, counted as they drive on
    /// and off (not from the bookings): a check of the method.
    inside: Vec<u32>,
    max_inside_zone: u32,
    max_inside_crossing: u32,
}

impl Reservations {
    pub fn new(layout: &Layout, agvs: usize) -> Reservations {
        let zones = layout.segments.len();
        let mut crossing = vec![NONE; layout.points.len()];
        let mut resources = zones;
        for (point, slot) in crossing.iter_mut().enumerate() {
            if layout.is_crossing(point) {
                *slot = resources as u32;
                resources += 1;
            }
        }
        Reservations {
            order: Vec::with_capacity(agvs),
            rank: vec![NONE; agvs],
            queue: vec![VecDeque::new(); resources],
            holder: vec![None; resources],
            crossing,
            zones,
            inside: vec![0; resources],
            max_inside_zone: 0,
            max_inside_crossing: 0,
        }
    }

    /// The most AGVs seen at once on one zone and in one crossing.
    pub fn max_inside(&self) -> (u32, u32) {
        (self.max_inside_zone, self.max_inside_crossing)
    }

    /// The resource of `step` on a leg over `segments`.
    fn resource(&self, segments: &[usize], step: Step) -> usize {
        match step {
            Step::Zone(k) => segments[k],
            Step::Crossing(point) => self.crossing[point] as usize,
        }
    }

    fn grantable(&self, agv: usize, resource: usize) -> bool {
        self.holder[resource].is_none() && self.queue[resource].front() == Some(&(agv as u32))
    }

    /// Books `resources` for `agv`: places it in the order behind the
    /// latest occupant of any of them, and in each one's queue.
    fn book(&mut self, agv: usize, resources: &[usize]) {
        debug_assert_eq!(self.rank[agv], NONE, "agv{} books a second leg", agv + 1);
        let place = resources
            .iter()
            .filter_map(|&r| self.holder[r])
            .map(|occupant| self.rank[occupant as usize] as usize + 1)
            .max()
            .unwrap_or(0);
        self.order.insert(place, agv as u32);
        self.renumber(place);
        let rank = &self.rank;
        let me = rank[agv];
        for &r in resources {
            let queue = &mut self.queue[r];
            let at = queue.partition_point(|&other| rank[other as usize] < me);
            queue.insert(at, agv as u32);
            debug_assert!(
                self.holder[r].is_none_or(|occupant| queue.front() == Some(&occupant)),
                "the occupant of resource {r} is not first in its queue"
            );
        }
    }

    /// The leg of `agv` is over: it leaves the order.
    fn leave(&mut self, agv: usize) {
        let place = self.rank[agv] as usize;
        debug_assert_eq!(self.order[place], agv as u32);
        debug_assert!(
            self.queue.iter().all(|q| !q.contains(&(agv as u32))),
            "agv{} leaves the order with bookings left",
            agv + 1
        );
        self.order.remove(place);
        self.rank[agv] = NONE;
        self.renumber(place);
    }

    fn renumber(&mut self, from: usize) {
        for (place, &agv) in self.order.iter().enumerate().skip(from) {
            self.rank[agv as usize] = place as u32;
        }
    }

    /// An AGV drives onto `resource`.
    fn drive_on(&mut self, resource: usize) {
        let inside = &mut self.inside[resource];
        *inside += 1;
        let most = if resource < self.zones {
            &mut self.max_inside_zone
        } else {
            &mut self.max_inside_crossing
        };
        *most = (*most).max(*inside);
    }
}

impl FleetRt {
    /// A leg under deadlock avoidance: its steps, booked at once, then the
    /// request for the first.
    pub(super) fn reserve_leg(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let layout = ctx.model.layout.as_ref().expect("a fleet has a layout");
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        let path = &travel.path;
        let mut steps = Vec::with_capacity(2 * path.segments.len() + 1);
        for k in 0..path.segments.len() {
            if layout.is_crossing(path.points[k]) {
                steps.push(Step::Crossing(path.points[k]));
            }
            steps.push(Step::Zone(k));
        }
        let end = *path.points.last().expect("a path has an end");
        if layout.is_crossing(end) {
            steps.push(Step::Crossing(end));
        }
        let resources: Vec<usize> = steps
            .iter()
            .map(|&step| self.reserve.resource(&path.segments, step))
            .collect();
        self.reserve.book(agv, &resources);
        travel.steps = steps;
        travel.step = 0;
        self.request_segment(agv, ctx, out);
    }

    /// The request for the AGV's next resource reached the fleet manager:
    /// granted if the AGV is first in its queue and it is free, else the
    /// AGV waits.
    pub(super) fn reserve_request(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        let resource = self
            .reserve
            .resource(&travel.path.segments, travel.steps[travel.step]);
        if self.reserve.grantable(agv, resource) {
            self.reserve_grant(agv, resource, ctx, out);
            return;
        }
        travel.waiting_for = Some(resource);
        self.set_state(agv, AgvState::ZoneWait, ctx);
        if let Some(error) = self.reserve_deadlock_through(agv, ctx) {
            self.deadlock = Some(error);
            out.push(Effect::Deadlock);
        }
    }

    /// The fleet manager grants `resource`; the AGV enters it once the
    /// grant has reached it.
    fn reserve_grant(&mut self, agv: usize, resource: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        self.reserve.holder[resource] = Some(agv as u32);
        if resource < self.reserve.zones {
            self.traversals[resource] += 1;
        }
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        travel.waiting_for = None;
        travel.granted = Some(resource);
        if !self.waits_for(
            Waiter::SegmentGrant(agv as u32),
            self.messages.segment_grant,
            ctx,
            out,
        ) {
            self.reserve_enter(agv, ctx, out);
        }
    }

    /// The grant reached the AGV: it drives onto the zone, or into the
    /// crossing, and leaves what it was on.
    pub(super) fn reserve_enter(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        let resource = travel.granted.take().expect("a granted resource");
        let step = travel.steps[travel.step];
        travel.step += 1;
        let previous = travel.holding.replace(resource);
        // Onto the zone after a crossing: the crossing is held until the
        // AGV has cleared that zone. Else what it was on, and the crossing
        // it was clearing, are behind it.
        let behind = match (step, previous) {
            (Step::Zone(_), Some(crossing)) if crossing >= self.reserve.zones => {
                travel.clearing = Some(crossing);
                [None, None]
            }
            _ => [previous, travel.clearing.take()],
        };
        let loaded = travel.loaded;
        self.reserve.drive_on(resource);
        match step {
            Step::Zone(k) => {
                debug_assert_eq!(k, travel.segment);
                let model = ctx.model;
                let layout = model.layout.as_ref().expect("a fleet has a layout");
                let speed = model.fleet.as_ref().expect("a fleet").speed_when(loaded);
                let segment = travel.path.segments[k];
                self.set_state(agv, travel_state(loaded), ctx);
                let time = SimTime::from_secs_f64(layout.segments[segment].length / speed);
                self.drive_pieces(agv, (k, k + 1), time, ctx, out);
                for left in behind.into_iter().flatten() {
                    self.reserve_release(agv, left, ctx, out);
                }
            }
            Step::Crossing(_) => {
                for left in behind.into_iter().flatten() {
                    self.reserve_release(agv, left, ctx, out);
                }
                self.reserve_onward(agv, ctx, out);
            }
        }
    }

    /// The AGV reached the end of a zone ([`Event::AgvArrive`]).
    pub(super) fn reserve_arrived(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        self.reserve_onward(agv, ctx, out);
    }

    /// At the end of a zone or in a crossing: ask for the next resource, or
    /// dock at the end of the leg.
    fn reserve_onward(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        if travel.step < travel.steps.len() {
            self.request_segment(agv, ctx, out);
            return;
        }
        let last = [travel.holding.take(), travel.clearing.take()];
        debug_assert!(last[0].is_some(), "a leg holds its last resource");
        let before = out.len();
        for left in last.into_iter().flatten() {
            self.reserve_release(agv, left, ctx, out);
        }
        self.reserve.leave(agv);
        self.finish_after_releases(agv, before, ctx, out);
    }

    /// The AGV leaves `resource`: the next in its queue gets it, if its
    /// request is in.
    fn reserve_release(&mut self, agv: usize, resource: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let reserve = &mut self.reserve;
        reserve.inside[resource] -= 1;
        debug_assert_eq!(reserve.holder[resource], Some(agv as u32));
        reserve.holder[resource] = None;
        let front = reserve.queue[resource].pop_front();
        debug_assert_eq!(front, Some(agv as u32), "the occupant leaves from the front");
        if let Some(&next) = reserve.queue[resource].front() {
            let next = next as usize;
            let asked = self.agvs[next]
                .travel
                .as_ref()
                .is_some_and(|t| t.waiting_for == Some(resource));
            if asked {
                self.reserve_grant(next, resource, ctx, out);
            }
        }
    }

    /// Follows the chain of AGVs each waiting behind the next; a chain back
    /// to `agv` is a deadlock. The method rules it out; this makes a broken
    /// method end the run with an error, not a stall.
    fn reserve_deadlock_through(&self, agv: usize, ctx: &Ctx) -> Option<SimError> {
        let mut waits = Vec::new();
        let mut current = agv;
        for _ in 0..=self.agvs.len() {
            let resource = self.agvs[current].travel.as_ref().and_then(|t| t.waiting_for)?;
            let ahead =
                self.reserve.holder[resource].or(self.reserve.queue[resource].front().copied())? as usize;
            waits.push(format!(
                "{} waits for {} behind {}",
                agv_name(current),
                self.resource_name(resource, ctx),
                agv_name(ahead)
            ));
            if ahead == agv {
                return Some(SimError::Deadlock {
                    time: ctx.now,
                    agvs: waits
                        .iter()
                        .map(|w| w.split(' ').next().unwrap_or_default().to_string())
                        .collect(),
                    waits,
                });
            }
            current = ahead;
        }
        None
    }

    fn resource_name(&self, resource: usize, ctx: &Ctx) -> String {
        let layout = ctx.model.layout.as_ref().expect("a fleet has a layout");
        if resource < self.reserve.zones {
            let segment = &layout.segments[resource];
            format!(
                "{}-{}",
                layout.points[segment.a].name, layout.points[segment.b].name
            )
        } else {
            let point = self.reserve.crossing.iter().position(|&r| r as usize == resource);
            format!(
                "crossing {}",
                point.map_or("?", |p| layout.points[p].name.as_str())
            )
        }
    }
}
