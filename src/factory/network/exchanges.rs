//! Triggered flows: the exchanges of messages a robot waits for.
//!
//! An exchange sends its waiter's flows one after the other (commands, then
//! acknowledgements), each message over the link of the robot's place:
//! under `nr` through the serving gNB's [`Cell`](crate::net::Cell), which
//! wakes only on slots where something is queued; otherwise drawn whole
//! from the link model. A lost message is sent again after its flow's
//! `timeout`. When the last message arrives the waiter goes on
//! ([`Effect::ExchangeDone`]).

use super::radio::{Link, ANY_CELL};
use super::{NetCtx, NetRt};
use crate::engine::SimTime;
use crate::factory::event::{Effect, Event, Robot, Waiter};
use crate::model::{FlowKind, LinkModel};
use crate::net::{CellPacket, Components, Outcome};

/// The messages one waiter waits for.
#[derive(Copy, Clone)]
pub(super) struct Exchange {
    waiter: Waiter,
    /// Index of the next flow in [`NetRt::flows_of`] the waiter.
    next: usize,
}

/// A message of an exchange on its way.
#[derive(Copy, Clone)]
pub(super) struct Packet {
    exchange: u32,
    flow: usize,
    sent: SimTime,
    /// Where its latency went, once known.
    components: Components,
}

/// A robot as a UE of a cell, whose scheduler tells UEs apart by a number.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) struct UeKey(pub Robot);

impl UeKey {
    /// Where arms' numbers start: above every AGV's.
    const FIRST_ARM: u32 = 1_000_000;
    /// Numbers per station: more than the servers a station may have.
    const PER_STATION: u32 = 10_000;

    /// The UE's number, stable across runs: AGV `a` is `a`; server `k` of
    /// station `s` is 1,000,000 + 10,000·s + k. Distinct for every robot
    /// validation allows (at most 10,000 AGVs, 10,000 servers a station and
    /// 2,000 stations: below 21,000,000).
    pub fn encode(self) -> u32 {
        match self.0 {
            Robot::Agv(agv) => agv,
            Robot::Arm(station, server) => Self::FIRST_ARM + station as u32 * Self::PER_STATION + server,
        }
    }
}

impl NetRt<'_> {
    /// Whether `waiter` has messages to wait for: flows of its kind for its
    /// robot, over a link that is not ideal. Fixed for the run.
    #[inline]
    pub fn sends(&self, waiter: Waiter) -> bool {
        !self.ideal && !self.flows_of(waiter).is_empty()
    }

    /// Sends the first message `waiter` waits for (it has some: [`Self::sends`]).
    pub fn start_exchange(&mut self, waiter: Waiter, ctx: &mut NetCtx) {
        let id = self.exchanges.insert(Exchange { waiter, next: 0 });
        self.send_next(id, ctx);
    }

    fn send_next(&mut self, exchange: u32, ctx: &mut NetCtx) {
        let now = ctx.now;
        let model = ctx.model;
        let ex = self.exchanges[exchange];
        let flow = self.flows_of(ex.waiter)[ex.next];
        let robot = ex.waiter.robot();
        let spec = &model.flows[flow];
        let FlowKind::Triggered { timeout, .. } = spec.kind else {
            unreachable!("exchanges send triggered flows")
        };
        self.flows[flow].sent += 1;
        let id = self.packets.insert(Packet {
            exchange,
            flow,
            sent: now,
            components: Components::default(),
        });
        match &model.network.link {
            LinkModel::Nr(_) => {
                let robot_index = self.radio_robot(robot);
                let radio = self.radio.as_mut().expect("nr has a radio");
                let dir = spec.direction;
                let (link, _) = radio.link_at(robot_index, now);
                let target = match link {
                    Link::Down => {
                        self.flows[flow].interruptions += 1;
                        None
                    }
                    Link::Up { place, cell } if cell == ANY_CELL => Some(radio.draw_link(place, dir)),
                    Link::Up { place, cell } => Some((cell as usize, radio.dir_link(place, cell, dir))),
                };
                match target.and_then(|(cell, l)| l.bler.map(|bler| (cell, l.efficiency, bler))) {
                    None => {
                        ctx.queue
                            .schedule(now + timeout, Event::NetTimeout { packet: id });
                    }
                    Some((cell, spectral_efficiency, bler)) => {
                        let pkt = CellPacket {
                            id: u64::from(id),
                            ue: UeKey(robot).encode(),
                            dir,
                            bits: u64::from(spec.size_bytes) * 8,
                            spectral_efficiency,
                            bler,
                            priority: spec.priority,
                        };
                        if let Some(wake) = self.cells[cell].enqueue(now, pkt) {
                            ctx.queue.schedule(wake, Event::CellSlot { cell: cell as u32 });
                        }
                    }
                }
            }
            _ => {
                let delivery = self.link.message(spec.direction, now);
                self.packets[id].components = delivery.components;
                match delivery.outcome {
                    Outcome::Delivered(t) => {
                        ctx.queue.schedule(t, Event::NetDelivered { packet: id });
                    }
                    Outcome::Lost(_) => {
                        ctx.queue
                            .schedule(now + timeout, Event::NetTimeout { packet: id });
                    }
                }
            }
        }
    }

    /// A cell's wake-up ([`Event::CellSlot`]): it sends what fits in this
    /// opportunity.
    pub fn on_cell_slot(&mut self, cell: usize, ctx: &mut NetCtx) {
        let now = ctx.now;
        let model = ctx.model;
        // A buffer kept from slot to slot: no allocation per wake-up.
        let mut sent = std::mem::take(&mut self.slot_sent);
        sent.clear();
        if let Some(wake) = self.cells[cell].on_slot_into(now, &mut sent) {
            ctx.queue.schedule(wake, Event::CellSlot { cell: cell as u32 });
        }
        for delivery in sent.drain(..) {
            let id = delivery.id as u32;
            let core = self.link.core.sample(&mut self.link.core_rng);
            let stack = self.link.stack.sample(&mut self.link.stack_rng);
            let packet = &mut self.packets[id];
            let FlowKind::Triggered { timeout, .. } = model.flows[packet.flow].kind else {
                continue;
            };
            match delivery.outcome {
                Outcome::Delivered(t) => {
                    // The core and edge delay comes after the radio, in both
                    // directions (the sum is what the robot sees); so do the
                    // two stacks' delays (the sender's would shift only the
                    // frame phase, which has no fixed value anyway).
                    packet.components = delivery.components;
                    packet.components.core += core.as_nanos() as f64 * 1e-6;
                    packet.components.processing += stack.as_nanos() as f64 * 1e-6;
                    ctx.queue
                        .schedule(t + core + stack, Event::NetDelivered { packet: id });
                }
                Outcome::Lost(t) => {
                    let retry = (packet.sent + timeout).max(t);
                    ctx.queue.schedule(retry, Event::NetTimeout { packet: id });
                }
            }
        }
        self.slot_sent = sent;
    }

    /// A message arrived ([`Event::NetDelivered`]): the exchange sends its
    /// next one, or is done.
    pub fn on_delivered(&mut self, id: u32, ctx: &mut NetCtx, out: &mut Vec<Effect>) {
        let packet = self.packets.remove(id);
        let latency = ctx.now - packet.sent;
        let stats = &mut self.flows[packet.flow];
        stats.delivered += 1;
        if let FlowKind::Triggered {
            deadline: Some(d), ..
        } = ctx.model.flows[packet.flow].kind
        {
            if latency > d {
                stats.deadline_misses += 1.0;
            }
        }
        let ms = latency.as_nanos() as f64 * 1e-6;
        stats.record_latency(ms, &packet.components);
        let ex = &mut self.exchanges[packet.exchange];
        ex.next += 1;
        let (next, waiter) = (ex.next, ex.waiter);
        if next < self.flows_of(waiter).len() {
            self.send_next(packet.exchange, ctx);
            return;
        }
        self.exchanges.remove(packet.exchange);
        out.push(Effect::ExchangeDone(waiter));
    }

    /// A message was lost ([`Event::NetTimeout`]): it is sent again.
    pub fn on_timeout(&mut self, id: u32, ctx: &mut NetCtx) {
        let packet = self.packets.remove(id);
        self.flows[packet.flow].lost += 1.0;
        self.send_next(packet.exchange, ctx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ue_keys_are_distinct_for_every_robot_validation_allows() {
        let key = |robot| UeKey(robot).encode();
        assert_eq!(key(Robot::Agv(9_999)), 9_999);
        assert_eq!(key(Robot::Arm(0, 0)), 1_000_000);
        assert_eq!(key(Robot::Arm(0, 9_999)) + 1, key(Robot::Arm(1, 0)));
        assert_eq!(key(Robot::Arm(1_999, 9_999)), 20_999_999);
    }
}
