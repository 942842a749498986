//! The step model packet by packet, for a discrete-event simulation.
//!
//! [`Nr::transmit`] takes the absolute time at which a packet reaches the
//! sender's radio stack (frame timing starts at t = 0), walks the steps of
//! [`Nr`] on the real frame structure (the next opportunity, SR occasion or
//! PDCCH occasion after each processing time), draws each attempt's failure
//! independently with the BLER, and times each retransmission as a real HARQ
//! round trip on the frame. There is no cell load here: queueing is the
//! [`Cell`](super::Cell)'s business.
//!
//! ```
//! use factory5g::engine::{RngStreams, SimTime};
//! use factory5g::net::{Direction, Nr, NrConfig, Outcome};
//! let nr = Nr::new(NrConfig::default()).unwrap();
//! let mut rng = RngStreams::new(7, 0).stream("link");
//! let d = nr.transmit(Direction::Ul, SimTime::from_nanos(1_234_567), 400, 0.0, &mut rng);
//! assert_eq!(d.attempts, 1);
//! let Outcome::Delivered(at) = d.outcome else { panic!() };
//! assert!((d.latency_ms() - (at.as_nanos() - 1_234_567) as f64 * 1e-6).abs() < 1e-5);
//! ```

use super::core_delay::CoreDelay;
use super::frame::{tick_f64, Tick, TICKS_PER_NS};
use super::nr::{Nr, Prepared};
use super::{ticks_to_ms, Components, Direction};
use crate::engine::{SimTime, StreamRng};
use rand::{Rng, RngExt};

/// What became of a packet.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered to the receiver's layer 2 at this time.
    Delivered(SimTime),
    /// Every attempt failed; the last failure was known at this time.
    Lost(SimTime),
}

impl Outcome {
    /// The delivery time, or when the loss became known.
    pub fn time(self) -> SimTime {
        match self {
            Outcome::Delivered(t) | Outcome::Lost(t) => t,
        }
    }
}

/// One packet across the link.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Delivery {
    pub sent: SimTime,
    pub outcome: Outcome,
    /// Transmissions made (1 + retransmissions).
    pub attempts: u32,
    /// Where the time went (ms); they add up to [`Delivery::latency_ms`]
    /// (up to the rounding of the outcome time to whole nanoseconds).
    pub components: Components,
}

impl Delivery {
    /// The delivery time, `None` if the packet was lost.
    pub fn delivered_at(&self) -> Option<SimTime> {
        match self.outcome {
            Outcome::Delivered(t) => Some(t),
            Outcome::Lost(_) => None,
        }
    }

    pub fn is_lost(&self) -> bool {
        matches!(self.outcome, Outcome::Lost(_))
    }

    /// Latency in ms (exact, from the components), to delivery or to the
    /// known loss.
    pub fn latency_ms(&self) -> f64 {
        self.components.total()
    }

    /// Adds a delay after the radio (uplink: UPF and edge): the outcome
    /// moves later and the `core` component grows.
    pub fn add_core(&mut self, delay: SimTime) {
        self.components.core += delay.as_nanos() as f64 * 1e-6;
        self.outcome = match self.outcome {
            Outcome::Delivered(t) => Outcome::Delivered(t + delay),
            Outcome::Lost(t) => Outcome::Lost(t + delay),
        };
    }

    /// Adds the UE's and the gNB's stack delays (implementation delays
    /// beyond the 3GPP processing times): the outcome moves later and the
    /// `processing` component grows.
    pub fn add_stack(&mut self, delay: SimTime) {
        self.components.processing += delay.as_nanos() as f64 * 1e-6;
        self.outcome = match self.outcome {
            Outcome::Delivered(t) => Outcome::Delivered(t + delay),
            Outcome::Lost(t) => Outcome::Lost(t + delay),
        };
    }
}

/// Ticks of a time.
pub(crate) fn to_ticks(t: SimTime) -> Tick {
    Tick::from(t.as_nanos()) * TICKS_PER_NS
}

/// The first whole nanosecond at or after `t` (so a delivery is never early).
pub(crate) fn to_time(t: Tick) -> SimTime {
    if let Ok(t) = u64::try_from(t) {
        return SimTime::from_nanos(t.div_ceil(TICKS_PER_NS as u64));
    }
    SimTime::from_nanos(u64::try_from(t.div_ceil(TICKS_PER_NS)).unwrap_or(u64::MAX))
}

/// Draws the HARQ attempts of a transmission first delivered at `done0`:
/// each fails with `bler` (one draw per attempt, whatever the BLER, so that
/// two configurations share their random numbers), up to `harq_max_retx`
/// retransmissions. Returns (final time, attempts, delivered).
pub(crate) fn harq<R: Rng + ?Sized>(
    nr: &Nr,
    dir: Direction,
    done0: Tick,
    bler: f64,
    rng: &mut R,
) -> (Tick, u32, bool) {
    let k = nr.config().harq_max_retx;
    let mut done = done0;
    let mut attempts = 1;
    loop {
        let u: f64 = rng.random();
        if u >= bler {
            return (done, attempts, true);
        }
        if attempts > k {
            return (done, attempts, false);
        }
        done = nr.retransmit(dir, done);
        attempts += 1;
    }
}

impl Nr {
    /// Sends one packet of `bits` that reaches the sender's radio stack at
    /// `sent`, with block error rate `bler` per attempt (e.g. the configured
    /// [`bler`](super::NrConfig::bler), or a link's own). The size matters
    /// only to grant-based uplink, where a packet that does not fit the
    /// grant that answers its SR reports its buffer first (BSR).
    pub fn transmit<R: Rng + ?Sized>(
        &self,
        dir: Direction,
        sent: SimTime,
        bits: u64,
        bler: f64,
        rng: &mut R,
    ) -> Delivery {
        let (prep, start, done0) = self.first_attempt(dir, sent, bits);
        let (done, attempts, delivered) = harq(self, dir, done0, bler, rng);
        self.delivery(sent, &prep, start, done0, (done, attempts, delivered))
    }

    /// One packet sent at `sent` and delivered by its attempt
    /// `retransmissions + 1` (no chance involved): the latency of a message
    /// that needed exactly that many HARQ retransmissions.
    pub fn transmit_after_retransmissions(
        &self,
        dir: Direction,
        sent: SimTime,
        bits: u64,
        retransmissions: u32,
    ) -> Delivery {
        self.transmit_after_waiting(dir, sent, bits, 0, retransmissions)
    }

    /// As [`transmit_after_retransmissions`](Self::transmit_after_retransmissions),
    /// for a packet that first waits `waited` opportunities of its
    /// direction behind other traffic (a wait drawn from a cell's queue
    /// law, as the [`Cell`](super::Cell) delays a packet under it): the
    /// first attempt takes the opportunity the wait leads to, and the wait
    /// is the delivery's queueing. Retransmissions are scheduled first and
    /// do not wait again. A packet older than the discard timer at that
    /// opportunity is lost there, unsent (no attempt), as the cell drops it.
    pub fn transmit_after_waiting(
        &self,
        dir: Direction,
        sent: SimTime,
        bits: u64,
        waited: u64,
        retransmissions: u32,
    ) -> Delivery {
        self.transmit_after_drawn_wait(dir, sent, bits, retransmissions, &mut |_| waited)
    }

    /// As [`transmit_after_waiting`](Self::transmit_after_waiting), the wait
    /// given by `wait(u)`, `u` where the packet is ready in the interval
    /// before its first opportunity ([`Nr::ready_share`]): the packet is
    /// prepared once for both.
    pub(crate) fn transmit_after_drawn_wait(
        &self,
        dir: Direction,
        sent: SimTime,
        bits: u64,
        retransmissions: u32,
        wait: &mut dyn FnMut(f64) -> u64,
    ) -> Delivery {
        let (prep, first_opp, _) = self.first_attempt(dir, sent, bits);
        let waited = wait(self.ready_share(dir, prep.ready, first_opp));
        let start = self.opp_after_waiting(dir, first_opp, waited);
        if self.discards(sent, start) {
            // The discard timer drops it at that opportunity, unsent.
            let mut d = self.delivery(sent, &prep, first_opp, start, (start, 0, false));
            d.components.queueing = ticks_to_ms(tick_f64(prep.queueing + start - first_opp));
            d.components.transmission = ticks_to_ms(tick_f64(prep.transmission));
            d.components.processing = ticks_to_ms(tick_f64(prep.processing));
            return d;
        }
        let done0 = self.done_after(start);
        let mut done = done0;
        for _ in 0..retransmissions {
            done = self.retransmit(dir, done);
        }
        let mut d = self.delivery(sent, &prep, first_opp, done0, (done, retransmissions + 1, true));
        d.components.queueing = ticks_to_ms(tick_f64(prep.queueing + start - first_opp));
        d
    }

    /// The preparation, start and end of a packet's first attempt.
    fn first_attempt(&self, dir: Direction, sent: SimTime, bits: u64) -> (Prepared, Tick, Tick) {
        let prep = self.prepare(dir, to_ticks(sent), bits);
        let start = self.frame.next_opp(dir, prep.ready);
        let done0 = self.done_after(start);
        (prep, start, done0)
    }

    /// The delivery of a packet whose first attempt began at `start` and
    /// ended at `done0`, and whose last ended at `done`.
    fn delivery(
        &self,
        sent: SimTime,
        prep: &Prepared,
        start: Tick,
        done0: Tick,
        (done, attempts, delivered): (Tick, u32, bool),
    ) -> Delivery {
        let components = Components {
            processing: ticks_to_ms(tick_f64(prep.processing + self.p1h())),
            alignment: ticks_to_ms(tick_f64(prep.alignment + start - prep.ready)),
            transmission: ticks_to_ms(tick_f64(prep.transmission + self.frame.tx())),
            harq: ticks_to_ms(tick_f64(done - done0)),
            queueing: ticks_to_ms(tick_f64(prep.queueing)),
            core: 0.0,
        };
        let at = to_time(done);
        Delivery {
            sent,
            outcome: if delivered {
                Outcome::Delivered(at)
            } else {
                Outcome::Lost(at)
            },
            attempts,
            components,
        }
    }

    /// [`Nr::transmit`] of a packet (send time, bits) with the core network: downlink, the packet crosses
    /// the core (and edge) first and reaches the gNB later; uplink, it
    /// crosses the core after the radio. The delay is drawn from `core_rng`.
    pub fn transmit_end_to_end<R: Rng + ?Sized>(
        &self,
        dir: Direction,
        (sent, bits): (SimTime, u64),
        bler: f64,
        core: &CoreDelay,
        rng: &mut R,
        core_rng: &mut StreamRng,
    ) -> Delivery {
        let delay = core.sample(core_rng);
        match dir {
            Direction::Dl => {
                let mut d = self.transmit(dir, sent + delay, bits, bler, rng);
                d.sent = sent;
                d.components.core += delay.as_nanos() as f64 * 1e-6;
                d
            }
            Direction::Ul => {
                let mut d = self.transmit(dir, sent, bits, bler, rng);
                d.add_core(delay);
                d
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;
    use crate::net::NrConfig;

    #[test]
    fn components_add_up_and_losses_follow_the_bler() {
        let nr = Nr::new(NrConfig {
            bler: 0.5,
            harq_max_retx: 1,
            ..NrConfig::default()
        })
        .unwrap();
        let mut rng = RngStreams::new(3, 0).stream("x");
        let mut lost = 0;
        let n = 20_000;
        for i in 0..n {
            let sent = SimTime::from_nanos(i * 1_000_003);
            let d = nr.transmit(Direction::Dl, sent, 800, 0.5, &mut rng);
            let exact = d.outcome.time().as_nanos() as f64 - sent.as_nanos() as f64;
            assert!((d.latency_ms() * 1e6 - exact).abs() <= 1.0, "{d:?}");
            assert!(d.attempts <= 2);
            lost += usize::from(d.is_lost());
        }
        // Residual loss 0.25 (two attempts at 0.5): within 4 SD.
        let rate = lost as f64 / n as f64;
        assert!(
            (rate - 0.25).abs() < 4.0 * (0.25f64 * 0.75 / n as f64).sqrt(),
            "{rate}"
        );
    }

    #[test]
    fn downlink_core_delay_comes_before_the_radio() {
        let nr = Nr::new(NrConfig::default()).unwrap();
        let core = CoreDelay::constant(SimTime::from_nanos(400_000));
        let streams = RngStreams::new(1, 0);
        let (mut a, mut b) = (streams.stream("a"), streams.stream("b"));
        let d = nr.transmit_end_to_end(Direction::Dl, (SimTime::ZERO, 800), 0.0, &core, &mut a, &mut b);
        assert!((d.components.core - 0.4).abs() < 1e-12);
        assert!((d.latency_ms() - d.delivered_at().unwrap().as_nanos() as f64 * 1e-6).abs() < 1e-5);
        let u = nr.transmit_end_to_end(Direction::Ul, (SimTime::ZERO, 800), 0.0, &core, &mut a, &mut b);
        assert!((u.components.core - 0.4).abs() < 1e-12);
    }
}
