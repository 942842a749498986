//! Periodic flows: each robot's stream of safety messages, sampled.
//!
//! Each message of a robot is valid with probability 1 − q, independently,
//! where q (loss, or delivery after the deadline) is the failure
//! probability of the robot's current link ([`LinkProfile`]). Runs of valid
//! messages and runs of failures are each drawn in one step (both are
//! geometric), so a heartbeat that always arrives costs no event; events
//! happen only when a run of `survival_periods` + 1 failures makes the robot
//! stop ([`Effect::StopRobot`]), when the link comes back (and the stop
//! time is over: [`Effect::RestartRobot`]), and every [`REFRESH`] to follow
//! the robot's position. With a survival time of n periods, the (n+1)-th
//! consecutive failed message (known at its deadline) is the violation, so
//! stops start at a rate of (1 − q)·q^(n+1) per message.
//! [`FlowSampling::EveryMessage`] decides every message with an event of its
//! own instead, the plain simulation that the runs must agree with.
//!
//! [`LinkProfile`]: super::LinkProfile
//! [`REFRESH`]: super::REFRESH
//! [`FlowSampling::EveryMessage`]: super::FlowSampling::EveryMessage

use super::profiles::Geometric;
use super::{LinkModel, NetCtx, NetRt, REFRESH};
use crate::engine::{SimTime, StreamRng};
use crate::factory::event::{Due, Effect, Event, Robot};
use crate::factory::FlowSampling;
use crate::model::FlowKind;
use rand::RngExt;

/// A periodic flow of one robot.
pub(super) struct Stream {
    pub flow: usize,
    pub robot: Robot,
    pub period: SimTime,
    pub deadline: SimTime,
    /// Failed messages in a row the robot survives (the survival time).
    pub survival_periods: u32,
    /// How long a violation stops the robot.
    pub stop: SimTime,
    /// Send time of message 0.
    pub phase: SimTime,
    /// Next message not yet decided.
    pub next: u64,
    /// Consecutive failures ending at message `next` − 1.
    pub fail_run: u64,
    /// Message `next` is known to fail (a run of valid messages ended before it).
    pub fails_next: bool,
    /// Since when the service is unavailable (a violation, link not back).
    pub outage: Option<SimTime>,
    pub due: Due,
    /// The robot is stopped by this stream until this time.
    pub stop_until: SimTime,
    pub stopped: bool,
    /// Every-message sampling: a violation was decided and the link is not
    /// back (in message order; the events follow at their times), when the
    /// violation takes effect, and when the link is next re-evaluated.
    pub decided_outage: bool,
    pub violation_at: SimTime,
    pub refresh_at: SimTime,
    pub fail_prob: f64,
    pub lost_share: f64,
    pub valid_run: Geometric,
    pub failed_run: Geometric,
    pub point: usize,
    pub rng: StreamRng,
}

impl Stream {
    /// A robot's stream of periodic flow `flow` (of `kind`), its first
    /// message at a time drawn in the first period, with no link known yet
    /// (the first refresh takes it).
    pub fn new(flow: usize, kind: &FlowKind, robot: Robot, mut rng: StreamRng) -> Stream {
        let FlowKind::Periodic {
            period,
            deadline,
            survival_periods,
            stop,
        } = *kind
        else {
            unreachable!("a periodic flow")
        };
        let phase = SimTime::from_nanos(rng.random_range(0..period.as_nanos().max(1)));
        Stream {
            flow,
            robot,
            period,
            deadline,
            survival_periods,
            stop,
            phase,
            next: 0,
            fail_run: 0,
            fails_next: false,
            outage: None,
            due: Due::Refresh,
            stop_until: SimTime::ZERO,
            stopped: false,
            decided_outage: false,
            violation_at: SimTime::ZERO,
            refresh_at: SimTime::ZERO,
            fail_prob: 0.0,
            lost_share: 1.0,
            valid_run: Geometric::new(0.0),
            failed_run: Geometric::new(1.0),
            point: 0,
            rng,
        }
    }

    fn sent_at(&self, message: u64) -> SimTime {
        self.phase + SimTime::from_nanos(self.period.as_nanos().saturating_mul(message))
    }
    fn decided_at(&self, message: u64) -> SimTime {
        self.sent_at(message) + self.deadline
    }
    /// First message decided after `t`.
    fn first_decided_after(&self, t: SimTime) -> u64 {
        let base = self.phase + self.deadline;
        if t < base {
            return 0;
        }
        (t - base).as_nanos() / self.period.as_nanos() + 1
    }
}

impl NetRt<'_> {
    /// Starts the periodic streams (after the model's first events).
    pub fn start_streams(&mut self, ctx: &mut NetCtx) {
        let every = self.profiles.sampling() == FlowSampling::EveryMessage;
        for stream in 0..self.streams.len() {
            self.refresh(stream, ctx);
            if every {
                let at = self.link_holds_until(stream, ctx);
                self.streams[stream].refresh_at = at;
                self.schedule_message(stream, ctx);
            } else {
                self.advance(stream, ctx);
            }
        }
    }

    /// Takes the link of the robot's current place.
    fn refresh(&mut self, stream: usize, ctx: &mut NetCtx) {
        let point = ctx.robot_point(self.streams[stream].robot);
        self.link.bad_state_at(ctx.now);
        let this = &mut self.streams[stream];
        let profile = self.profiles.get(this.flow, point, self.link.bad);
        this.fail_prob = profile.q;
        this.lost_share = profile.lost_share;
        this.valid_run = profile.valid_run;
        this.failed_run = profile.failed_run;
        this.point = point;
    }

    /// Until when the current link holds: the next refresh.
    fn link_holds_until(&mut self, stream: usize, ctx: &NetCtx) -> SimTime {
        let model = ctx.model;
        let now = ctx.now;
        let mut end = model.horizon;
        if now < model.warmup {
            end = end.min(model.warmup);
        }
        if let LinkModel::Empirical {
            bad_state: Some(_), ..
        } = &model.network.link
        {
            end = end.min(self.link.bad_state_at(now));
        }
        if matches!(model.network.link, LinkModel::Nr(_))
            && matches!(self.streams[stream].robot, Robot::Agv(_))
        {
            end = end.min(now + REFRESH);
        }
        end
    }

    fn record_valid(&mut self, stream: usize, count: u64) {
        if count == 0 {
            return;
        }
        let this = &self.streams[stream];
        let stats = &mut self.flows[this.flow];
        stats.sent += count;
        stats.delivered += count;
        let context = self.profiles.context(this.point, self.link.bad);
        self.valid_by_context[this.flow][context] += count;
    }

    fn record_failed(&mut self, stream: usize, count: u64) {
        if count == 0 {
            return;
        }
        let this = &self.streams[stream];
        let stats = &mut self.flows[this.flow];
        stats.sent += count;
        stats.lost += count as f64 * this.lost_share;
        stats.deadline_misses += count as f64 * (1.0 - this.lost_share);
    }

    /// Decides the stream's messages up to its next event, and schedules it.
    fn advance(&mut self, stream: usize, ctx: &mut NetCtx) {
        let end = self.link_holds_until(stream, ctx);
        loop {
            let this = &mut self.streams[stream];
            let end_message = this.first_decided_after(end);
            if this.next >= end_message {
                self.schedule_stream(stream, end, Due::Refresh, ctx);
                return;
            }
            if this.fail_run == 0 && !this.fails_next {
                let skip = this.valid_run.sample(&mut this.rng);
                let valid = skip.min(end_message - this.next);
                this.next += valid;
                let next = this.next;
                if valid > 0 {
                    self.record_valid(stream, valid);
                }
                if next >= end_message {
                    self.schedule_stream(stream, end, Due::Refresh, ctx);
                    return;
                }
                self.streams[stream].fails_next = true;
                continue;
            }
            // A run of failures: those already counted, then `more` from `next` on.
            let more = this
                .failed_run
                .sample(&mut this.rng)
                .saturating_add(u64::from(this.fails_next));
            this.fails_next = false;
            let survival = u64::from(this.survival_periods);
            if this.outage.is_none()
                && this.fail_run <= survival
                && more.saturating_add(this.fail_run) > survival
            {
                let violation = this.next + (survival + 1 - this.fail_run) - 1;
                if violation < end_message {
                    let count = violation - this.next + 1;
                    this.fail_run = survival + 1;
                    this.next = violation + 1;
                    // The rest of the run is drawn again after the stop
                    // (memoryless): nothing is lost by forgetting `more`.
                    let at = this.decided_at(violation);
                    self.record_failed(stream, count);
                    self.schedule_stream(stream, at, Due::Violation, ctx);
                    return;
                }
            }
            let failed = more.min(end_message - this.next);
            this.fail_run += failed;
            this.next += failed;
            let next = this.next;
            self.record_failed(stream, failed);
            if next >= end_message {
                self.schedule_stream(stream, end, Due::Refresh, ctx);
                return;
            }
            // Message `next` is valid: the link is back when it arrives.
            let latency = self.valid_latency(stream);
            let this = &mut self.streams[stream];
            this.fail_run = 0;
            this.next += 1;
            let back = this.sent_at(next) + latency;
            let in_outage = this.outage.is_some();
            self.record_valid(stream, 1);
            if in_outage {
                self.schedule_stream(stream, back.max(ctx.now), Due::LinkBack, ctx);
                return;
            }
        }
    }

    fn schedule_stream(&mut self, stream: usize, at: SimTime, due: Due, ctx: &mut NetCtx) {
        self.streams[stream].due = due;
        if due == Due::Refresh && at >= ctx.model.horizon {
            // Nothing changes before the horizon: no event needed.
            return;
        }
        let at = at.max(ctx.now);
        ctx.queue.schedule(
            at,
            Event::Stream {
                stream: stream as u32,
            },
        );
    }

    /// The latency of a valid message (one that met its deadline), drawn
    /// from the delivered latencies of the stream's link profile.
    fn valid_latency(&mut self, stream: usize) -> SimTime {
        let this = &mut self.streams[stream];
        let profile = self.profiles.get(this.flow, this.point, self.link.bad);
        profile.valid_latency(this.deadline, &mut this.rng)
    }

    /// A stream's event ([`Event::Stream`]).
    pub fn on_stream(&mut self, stream: usize, ctx: &mut NetCtx, out: &mut Vec<Effect>) {
        match self.streams[stream].due {
            Due::Refresh => self.refresh(stream, ctx),
            // Stopping a robot schedules nothing: the stream goes on at once.
            Due::Violation => self.violation(stream, ctx, out),
            Due::LinkBack => {
                if self.link_back(stream, ctx, out) {
                    // What the restart sets off comes first.
                    out.push(Effect::ThenStream(stream as u32));
                    return;
                }
            }
            Due::Message => unreachable!("messages are events only when sampled one by one"),
        }
        self.advance(stream, ctx);
    }

    /// A continuation ([`Effect::ThenStream`]): the stream goes on deciding
    /// messages.
    pub fn then_stream(&mut self, stream: usize, ctx: &mut NetCtx) {
        self.advance(stream, ctx);
    }

    /// The survival time ran out: the robot stops.
    fn violation(&mut self, stream: usize, ctx: &NetCtx, out: &mut Vec<Effect>) {
        let now = ctx.now;
        let this = &mut self.streams[stream];
        self.flows[this.flow].survival_violations += 1;
        this.outage = Some(now);
        this.stop_until = this.stop_until.max(now + this.stop);
        if !this.stopped {
            this.stopped = true;
            out.push(Effect::StopRobot(this.robot));
        }
    }

    /// A valid message arrived after a violation: the outage is over, and
    /// the robot restarts when its stop time is over too. Returns whether
    /// it restarts now.
    fn link_back(&mut self, stream: usize, ctx: &mut NetCtx, out: &mut Vec<Effect>) -> bool {
        let now = ctx.now;
        let this = &mut self.streams[stream];
        let since = this.outage.take().expect("link back after an outage");
        // Only the part after the warm-up counts: none of an outage over
        // before it ends.
        self.flows[this.flow].unavailable_ns += now.saturating_sub(since.max(ctx.model.warmup)).as_nanos();
        if !this.stopped {
            return false;
        }
        if this.stop_until <= now {
            this.stopped = false;
            out.push(Effect::RestartRobot(this.robot));
            return true;
        }
        ctx.queue.schedule(
            this.stop_until,
            Event::StreamRestart {
                stream: stream as u32,
            },
        );
        false
    }

    /// The stop time is over ([`Event::StreamRestart`]); the robot restarts
    /// if the link is back.
    pub fn on_stream_restart(&mut self, stream: usize, ctx: &NetCtx, out: &mut Vec<Effect>) {
        let this = &mut self.streams[stream];
        if this.stopped && this.outage.is_none() && this.stop_until <= ctx.now {
            this.stopped = false;
            out.push(Effect::RestartRobot(this.robot));
        }
    }

    // ---- every-message sampling (FlowSampling::EveryMessage) ---------------

    /// Schedules the send of the stream's next message, if it is decided
    /// before the horizon (as the runs count them).
    fn schedule_message(&mut self, stream: usize, ctx: &mut NetCtx) {
        let this = &self.streams[stream];
        if this.decided_at(this.next) > ctx.model.horizon {
            return;
        }
        let at = this.sent_at(this.next).max(ctx.now);
        let due = Due::Message;
        ctx.queue.schedule(
            at,
            Event::StreamDue {
                stream: stream as u32,
                due,
            },
        );
    }

    /// An event of a stream sampled message by message ([`Event::StreamDue`]).
    pub fn on_stream_due(&mut self, stream: usize, due: Due, ctx: &mut NetCtx, out: &mut Vec<Effect>) {
        match due {
            Due::Message => self.message(stream, ctx),
            Due::Violation => self.violation(stream, ctx, out),
            Due::LinkBack => {
                self.link_back(stream, ctx, out);
            }
            Due::Refresh => unreachable!("every-message streams refresh at their messages"),
        }
    }

    /// The next message is sent: it is valid with probability 1 − q of the
    /// robot's current link. A failure is known at its deadline, a valid
    /// message when it arrives; the decisions are made in message order, as
    /// the runs make them, and their effects are scheduled at those times.
    fn message(&mut self, stream: usize, ctx: &mut NetCtx) {
        if ctx.now >= self.streams[stream].refresh_at {
            self.refresh(stream, ctx);
            let at = self.link_holds_until(stream, ctx);
            self.streams[stream].refresh_at = at;
        }
        let this = &mut self.streams[stream];
        let message = this.next;
        this.next += 1;
        let failed = this.rng.random::<f64>() < this.fail_prob;
        if failed {
            this.fail_run += 1;
            let violation = !this.decided_outage && this.fail_run == u64::from(this.survival_periods) + 1;
            let at = this.decided_at(message);
            if violation {
                this.decided_outage = true;
                this.violation_at = at;
            }
            self.record_failed(stream, 1);
            if violation {
                let due = Due::Violation;
                ctx.queue.schedule(
                    at,
                    Event::StreamDue {
                        stream: stream as u32,
                        due,
                    },
                );
            }
        } else {
            this.fail_run = 0;
            let outage = std::mem::take(&mut this.decided_outage);
            let after = this.violation_at;
            self.record_valid(stream, 1);
            if outage {
                let latency = self.valid_latency(stream);
                let back = (self.streams[stream].sent_at(message) + latency).max(after);
                let due = Due::LinkBack;
                ctx.queue.schedule(
                    back,
                    Event::StreamDue {
                        stream: stream as u32,
                        due,
                    },
                );
            }
        }
        self.schedule_message(stream, ctx);
    }
}
