//! Zone control that detects deadlock (`fleet.deadlock = "detect"`): an
//! AGV asks for each aisle segment before entering it and holds the segment
//! it is on until the next one is granted; requests for a segment are
//! granted in the order they were made. A cycle of AGVs each waiting for
//! the segment the next one holds is a deadlock ([`Effect::Deadlock`]).
//! Crossings are not resources here: AGVs may meet at a point.

use super::{agv_name, travel_state, Control, FleetRt};
use crate::engine::SimTime;
use crate::factory::event::{Ctx, Effect, Waiter};
use crate::factory::{AgvState, SimError};
use crate::model::SegmentId;

impl FleetRt {
    /// Zone control: asks the fleet manager for the next segment (or, when
    /// avoiding deadlock, the next zone or crossing) of the AGV's path
    /// (over the network, when there is a `segment` flow).
    pub(super) fn request_segment(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let waiter = Waiter::SegmentRequest(agv as u32);
        if !self.waits_for(waiter, self.messages.segment_request, ctx, out) {
            match self.control {
                Control::Avoid => self.reserve_request(agv, ctx, out),
                Control::Detect | Control::Free => self.zone_request(agv, ctx, out),
            }
        }
    }

    /// The request reached the fleet manager: grant the segment, or queue.
    pub(super) fn zone_request(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        let segment = travel.path.segments[travel.segment];
        if self.holder[segment].is_none() && self.segment_queue[segment].is_empty() {
            self.enter_segment(agv, segment, ctx, out);
        } else {
            travel.waiting_for = Some(segment);
            self.segment_queue[segment].push_back(agv as u32);
            self.set_state(agv, AgvState::ZoneWait, ctx);
            if let Some(error) = self.deadlock_through(agv, ctx) {
                self.deadlock = Some(error);
                out.push(Effect::Deadlock);
            }
        }
    }

    /// The fleet manager grants a segment; the AGV enters it once the grant
    /// has reached it.
    pub(super) fn enter_segment(
        &mut self,
        agv: usize,
        segment: SegmentId,
        ctx: &mut Ctx,
        out: &mut Vec<Effect>,
    ) {
        self.holder[segment] = Some(agv as u32);
        self.occupancy[segment] += 1;
        self.max_occupancy = self.max_occupancy.max(self.occupancy[segment]);
        self.traversals[segment] += 1;
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        travel.waiting_for = None;
        travel.granted = Some(segment);
        let waiter = Waiter::SegmentGrant(agv as u32);
        if !self.waits_for(waiter, self.messages.segment_grant, ctx, out) {
            self.start_segment(agv, ctx, out);
        }
    }

    /// The AGV drives onto its granted segment and leaves the previous one.
    pub(super) fn start_segment(&mut self, agv: usize, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        let model = ctx.model;
        let layout = model.layout.as_ref().expect("a fleet has a layout");
        let travel = self.agvs[agv].travel.as_mut().expect("travelling");
        let segment = travel.granted.take().expect("a granted segment");
        let loaded = travel.loaded;
        let speed = model.fleet.as_ref().expect("a fleet").speed_when(loaded);
        let index = travel.segment;
        let previous = travel.holding.replace(segment);
        self.set_state(agv, travel_state(loaded), ctx);
        let time = SimTime::from_secs_f64(layout.segments[segment].length / speed);
        self.drive_pieces(agv, (index, index + 1), time, ctx, out);
        if let Some(previous) = previous {
            self.leave_segment(previous, ctx, out);
        }
    }

    pub(super) fn leave_segment(&mut self, segment: SegmentId, ctx: &mut Ctx, out: &mut Vec<Effect>) {
        self.holder[segment] = None;
        self.occupancy[segment] -= 1;
        if let Some(next) = self.segment_queue[segment].pop_front() {
            self.enter_segment(next as usize, segment, ctx, out);
        }
    }

    /// Follows the chain of AGVs waiting for segments held by others; a
    /// chain back to `agv` is a deadlock, which ends the run.
    pub(super) fn deadlock_through(&self, agv: usize, ctx: &Ctx) -> Option<SimError> {
        let layout = ctx.model.layout.as_ref().expect("a fleet has a layout");
        let mut chain = Vec::new();
        let mut current = agv;
        for _ in 0..=self.agvs.len() {
            let segment = self.agvs[current].travel.as_ref().and_then(|t| t.waiting_for)?;
            let holder = self.holder[segment]? as usize;
            chain.push((current, segment, holder));
            if holder == agv {
                let segment_name = |s: SegmentId| {
                    let sg = &layout.segments[s];
                    format!("{}-{}", layout.points[sg.a].name, layout.points[sg.b].name)
                };
                return Some(SimError::Deadlock {
                    time: ctx.now,
                    agvs: chain.iter().map(|&(waiter, _, _)| agv_name(waiter)).collect(),
                    waits: chain
                        .iter()
                        .map(|&(waiter, segment, holder)| {
                            format!(
                                "{} waits for {} held by {}",
                                agv_name(waiter),
                                segment_name(segment),
                                agv_name(holder)
                            )
                        })
                        .collect(),
                });
            }
            current = holder;
        }
        None
    }
}
