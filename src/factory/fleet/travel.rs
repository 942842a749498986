//! Travel: a leg from where the AGV stands to a point, over the shortest
//! path, driven in one timed event without zone control and segment by
//! segment under it (`zones.rs` detects deadlocks, `reserve.rs` avoids
//! them); what the AGV does on arrival; loading and unloading.

use super::{moves, travel_state, Control, FleetRt, Plan, Travel};
use crate::engine::SimTime;
use crate::factory::event::{AgvStep, Cargo, Ctx, Effect, Event};
use crate::factory::AgvState;
use crate::model::PointId;

impl FleetRt {
    /// Starts driving to `to` over the shortest path.
    pub(super) fn drive(
        &mut self,
        agv: usize,
        to: PointId,
        loaded: bool,
        ctx: &mut Ctx,
        out: &mut Vec<Effect>,
    ) {
        let model = ctx.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let fleet = model.fleet.as_ref().expect("a fleet");
        let path = layout.path(self.agvs[agv].at, to);
        self.set_state(agv, travel_state(loaded), ctx);
        if self.control == Control::Free || path.segments.is_empty() {
            for &segment in &path.segments {
                self.traversals[segment] += 1;
            }
            let time = SimTime::from_secs_f64(path.length / fleet.speed_when(loaded));
            let pieces = moves::piece_count(layout, &path);
            let mut travel = Travel::new(path, loaded);
            travel.segment = travel.path.segments.len();
            self.agvs[agv].travel = Some(travel);
            self.drive_pieces(agv, (0, pieces), time, ctx, out);
            return;
        }
        self.agvs[agv].travel = Some(Travel::new(path, loaded));
        match self.control {
            Control::Avoid => self.reserve_leg(agv, ctx, out),
            Control::Detect | Control::Free => self.request_segment(agv, ctx, out),
        }
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
            if self.control == Control::Avoid {
                self.reserve_arrived(agv, ctx, out);
                return;
            }
            if travel.segment < travel.path.segments.len() {
                self.request_segment(agv, ctx, out);
                return;
            }
            let before = out.len();
            if let Some(last) = travel.holding.take() {
                self.leave_segment(last, ctx, out);
            }
            self.finish_after_releases(agv, before, ctx, out);
            return;
        }
        self.finish_arrival(agv, ctx, out);
    }

    /// The AGV has released its last zone at the end of its path, the
    /// effects from `before` on being what the releases set off: when they
    /// set off something (the next AGV's grant), that goes out before this
    /// one handles its cargo.
    pub(super) fn finish_after_releases(
        &mut self,
        agv: usize,
        before: usize,
        ctx: &mut Ctx,
        out: &mut Vec<Effect>,
    ) {
        if out.len() > before {
            out.push(Effect::ThenAgv {
                agv: agv as u32,
                step: AgvStep::FinishArrival,
            });
            return;
        }
        self.finish_arrival(agv, ctx, out);
    }

    /// The AGV is at the end of its path: it loads, unloads, charges or
    /// parks.
    pub(super) fn finish_arrival(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
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
            Plan::ToParking => {
                robot.plan = Plan::Idle;
                robot.idle_since = ctx.now;
                self.set_state(agv, AgvState::Idle, ctx);
                // Work that came while it drove here, or a low battery.
                self.free(agv, ctx, out);
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
            AgvStep::FinishArrival => self.finish_arrival(agv, ctx, out),
            AgvStep::DriveLoaded => {
                let Plan::ToDrop(task) = self.agvs[agv].plan else {
                    unreachable!("an AGV drives loaded to its drop point")
                };
                self.drive(agv, task.to, true, ctx, out);
            }
            AgvStep::Free => self.free(agv, ctx, out),
        }
    }
}
