//! An AGV between tasks: it goes to charge when its battery is low (or
//! waits for a charger, `charge_wait`), takes waiting work, or idles,
//! driving first to the nearest free parking point when the fleet has
//! them.

use super::{FleetRt, Plan};
use crate::factory::event::{AgvStep, Ctx, Effect};
use crate::factory::AgvState;
use crate::model::Dispatch;

impl FleetRt {
    /// The AGV finished a task, a charge or a drive to park: charge, take
    /// waiting work, or idle.
    pub(super) fn free(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
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
                self.leave_parking(agv);
                match nearest_free {
                    Some(charger) => {
                        self.charger_free[charger] = false;
                        self.agvs[agv].plan = Plan::ToCharger(charger);
                        self.drive(agv, battery.chargers[charger], false, ctx, out);
                    }
                    None => {
                        self.agvs[agv].plan = Plan::WaitCharger;
                        self.charger_queue.push_back(agv as u32);
                        self.set_state(agv, AgvState::ChargeWait, ctx);
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
            None => self.park(agv, ctx, out),
        }
    }

    /// No work: the AGV idles at its parking point, or drives to the
    /// nearest free one (ties to the first listed), or idles where it is
    /// when there are none or all are taken.
    fn park(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let model = ctx.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let parking = &model.fleet.as_ref().expect("a fleet").parking;
        let robot = &self.agvs[agv];
        let spot = match robot.parked {
            Some(_) => None,
            None => (0..parking.len())
                .filter(|&p| self.parking_holder[p].is_none())
                .min_by(|&x, &y| {
                    layout
                        .distance(robot.at, parking[x])
                        .total_cmp(&layout.distance(robot.at, parking[y]))
                        .then(x.cmp(&y))
                }),
        };
        match spot {
            Some(spot) if parking[spot] != robot.at => {
                self.parking_holder[spot] = Some(agv as u32);
                self.agvs[agv].parked = Some(spot);
                self.agvs[agv].plan = Plan::ToParking;
                self.drive(agv, parking[spot], false, ctx, out);
            }
            spot => {
                if let Some(spot) = spot {
                    // Already standing on a free parking point.
                    self.parking_holder[spot] = Some(agv as u32);
                    self.agvs[agv].parked = Some(spot);
                }
                let robot = &mut self.agvs[agv];
                robot.plan = Plan::Idle;
                robot.idle_since = ctx.now;
                self.set_state(agv, AgvState::Idle, ctx);
            }
        }
    }

    /// The AGV leaves its parking point (for work or a charger).
    pub(super) fn leave_parking(&mut self, agv: usize) {
        if let Some(spot) = self.agvs[agv].parked.take() {
            self.parking_holder[spot] = None;
        }
    }

    /// The start of the run: the AGVs drive from home to the nearest free
    /// parking points, in the order of their numbers (called only when
    /// the fleet has parking points).
    pub fn start(&mut self, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        for agv in 0..self.agvs.len() {
            self.park(agv, ctx, out);
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
