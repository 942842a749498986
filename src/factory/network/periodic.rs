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
use super::radio::Link;
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
    /// The link of messages `link_from..link_until` (message indices).
    pub link: StreamLink,
    pub link_until: u64,
    /// The robot's index in the radio (under `nr`).
    pub radio_robot: usize,
    /// Events of this stream carry its generation; a cut that takes back
    /// decisions makes the pending one stale.
    pub generation: u32,
    /// Decisions of the current call of `advance`, to take back those of
    /// messages sent after an unforeseen change of the link (an AGV sets
    /// off or halts); kept only for AGVs under `nr`.
    pub log: Vec<Decided>,
    pub logging: bool,
    /// `fail_run` when the current call of `advance` began.
    pub log_fail_run: u64,
    /// When the pending event is due.
    pub pending_at: SimTime,
    /// A take-back made the pending refresh (due then, of that generation)
    /// stale; if the stream needs the same refresh again, it is kept.
    pub taken_back_refresh: Option<(SimTime, u32)>,
    pub rng: StreamRng,
}

/// What one message fails with, and under what key its valid messages
/// are counted for the latency statistics.
#[derive(Clone, Debug)]
pub(super) struct StreamLink {
    pub fail_prob: f64,
    pub lost_share: f64,
    pub valid_run: Geometric,
    pub failed_run: Geometric,
    pub key: StatKey,
    /// The robot's link is down (handover, re-establishment).
    pub down: bool,
}

/// Where the valid messages of a link are counted.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum StatKey {
    /// A link profile (context: place and state) of a model without cells.
    Context(usize),
    /// Under `nr`: a place and serving cell.
    Radio { place: u32, cell: u32 },
    /// No valid message can be sent.
    Down,
}

/// A run of decided messages, for taking them back.
#[derive(Clone, Debug)]
pub(super) struct Decided {
    pub first: u64,
    pub count: u64,
    pub valid: bool,
    pub fail_run_before: u64,
    pub key: StatKey,
    pub lost_share: f64,
    pub down: bool,
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
            link: StreamLink {
                fail_prob: 0.0,
                lost_share: 1.0,
                valid_run: Geometric::new(0.0),
                failed_run: Geometric::new(1.0),
                key: StatKey::Down,
                down: false,
            },
            link_until: 0,
            radio_robot: 0,
            generation: 0,
            log: Vec::new(),
            logging: false,
            log_fail_run: 0,
            pending_at: SimTime::ZERO,
            taken_back_refresh: None,
            rng,
        }
    }

    fn sent_at(&self, message: u64) -> SimTime {
        self.phase + SimTime::from_nanos(self.period.as_nanos().saturating_mul(message))
    }
    fn decided_at(&self, message: u64) -> SimTime {
        self.sent_at(message) + self.deadline
    }
    /// First message sent at or after `t` (`u64::MAX` for `SimTime::MAX`).
    pub fn first_sent_from(&self, t: SimTime) -> u64 {
        if t == SimTime::MAX {
            return u64::MAX;
        }
        if t <= self.phase {
            return 0;
        }
        (t - self.phase).as_nanos().div_ceil(self.period.as_nanos())
    }
}

impl NetRt<'_> {
    /// Starts the periodic streams (after the model's first events).
    pub fn start_streams(&mut self, ctx: &mut NetCtx) {
        let every = self.profiles.sampling() == FlowSampling::EveryMessage;
        for stream in 0..self.streams.len() {
            if every {
                self.take_link(stream, ctx.now, ctx);
                let at = self.link_holds_until(stream, ctx);
                self.streams[stream].refresh_at = at;
                self.schedule_message(stream, ctx);
            } else {
                self.advance(stream, ctx);
            }
        }
    }

    /// Takes the link of the stream's robot for a message sent at `sent`:
    /// under `nr` the piece of the robot's timeline, else the link profile
    /// of the robot's place (and the bad-period state) now.
    fn take_link(&mut self, stream: usize, sent: SimTime, ctx: &mut NetCtx) {
        let this = &self.streams[stream];
        let flow = this.flow;
        if let Some(radio) = self.radio.as_mut() {
            let (link, end) = radio.link_at(this.radio_robot, sent);
            let runs = radio.runs(flow, link);
            let this = &mut self.streams[stream];
            this.link.fail_prob = runs.q;
            this.link.lost_share = runs.lost_share;
            this.link.valid_run = runs.valid_run;
            this.link.failed_run = runs.failed_run;
            this.link.key = match link {
                Link::Up { place, cell } => StatKey::Radio { place, cell },
                Link::Down => StatKey::Down,
            };
            this.link.down = link == Link::Down;
            this.link_until = this.first_sent_from(end).max(this.next + 1);
            return;
        }
        let point = ctx.robot_point(this.robot);
        self.link.bad_state_at(ctx.now);
        let profile = self.profiles.get(flow, point, self.link.bad);
        let context = self.profiles.context(point, self.link.bad);
        let this = &mut self.streams[stream];
        this.link.fail_prob = profile.q;
        this.link.lost_share = profile.lost_share;
        this.link.valid_run = profile.valid_run;
        this.link.failed_run = profile.failed_run;
        this.link.key = StatKey::Context(context);
        this.link.down = false;
        this.link_until = u64::MAX;
    }

    /// Until when the stream decides messages in one go: the end of the
    /// warm-up, the horizon, and a change of the bad-period state; under
    /// `nr` at most [`REFRESH`] ahead (the robots' timelines are computed
    /// that far; an AGV that sets off earlier takes back what was decided
    /// beyond).
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
        if self.radio.is_some() {
            // On a grid of REFRESH: a take-back in the same interval finds
            // its pending refresh still good.
            let grid = REFRESH.as_nanos();
            end = end.min(SimTime::from_nanos(
                (now.as_nanos() / grid + 1).saturating_mul(grid),
            ));
        }
        let _ = stream;
        end
    }

    fn record_valid(&mut self, stream: usize, count: u64) {
        if count == 0 {
            return;
        }
        let this = &mut self.streams[stream];
        if this.logging {
            this.log.push(Decided {
                first: this.next,
                count,
                valid: true,
                fail_run_before: this.fail_run,
                key: this.link.key,
                lost_share: 0.0,
                down: false,
            });
        }
        let (flow, key) = (this.flow, this.link.key);
        self.count_valid(flow, key, count as i64);
    }

    /// Adds (or takes back, `count` < 0) valid messages of `flow` on `key`.
    fn count_valid(&mut self, flow: usize, key: StatKey, count: i64) {
        let stats = &mut self.flows[flow];
        stats.sent = stats.sent.wrapping_add_signed(count);
        stats.delivered = stats.delivered.wrapping_add_signed(count);
        match key {
            StatKey::Context(context) => {
                let c = &mut self.valid_by_context[flow][context];
                *c = c.wrapping_add_signed(count);
            }
            StatKey::Radio { place, cell } => {
                let index = self
                    .radio
                    .as_ref()
                    .expect("radio links under nr")
                    .link_index(Link::Up { place, cell });
                let counts = &mut self.valid_by_link[flow];
                if counts.len() <= index {
                    counts.resize(index + 1, 0);
                }
                counts[index] = counts[index].wrapping_add_signed(count);
            }
            StatKey::Down => {}
        }
    }

    fn record_failed(&mut self, stream: usize, count: u64) {
        if count == 0 {
            return;
        }
        let this = &mut self.streams[stream];
        if this.logging {
            this.log.push(Decided {
                first: this.next,
                count,
                valid: false,
                fail_run_before: this.fail_run,
                key: this.link.key,
                lost_share: this.link.lost_share,
                down: this.link.down,
            });
        }
        let (flow, lost_share, down) = (this.flow, this.link.lost_share, this.link.down);
        self.count_failed(flow, lost_share, down, count as f64);
    }

    /// Adds (or takes back, `count` < 0) failed messages of `flow`.
    fn count_failed(&mut self, flow: usize, lost_share: f64, down: bool, count: f64) {
        let stats = &mut self.flows[flow];
        stats.sent = stats.sent.wrapping_add_signed(count as i64);
        stats.lost += count * lost_share;
        stats.deadline_misses += count * (1.0 - lost_share);
        if down {
            stats.interruptions = stats.interruptions.wrapping_add_signed(count as i64);
        }
    }

    /// Decides the stream's messages up to its next event, and schedules it.
    /// Messages `next`, `next + 1`, … are decided in order, each on the link
    /// at its send time: runs of valid messages and of failures are drawn
    /// whole (geometric), and cut where the link changes (memoryless, so
    /// the rest is drawn again on the new link).
    pub(super) fn advance(&mut self, stream: usize, ctx: &mut NetCtx) {
        let cap = self.link_holds_until(stream, ctx);
        if let Some(radio) = self.radio.as_mut() {
            radio.tidy_if_long(
                self.streams[stream].radio_robot,
                ctx.now,
                self.keep,
                ctx.model.warmup,
            );
        }
        {
            let this = &mut self.streams[stream];
            this.log.clear();
            this.log_fail_run = this.fail_run;
            // The link is taken again: it may have changed since.
            this.link_until = this.next;
        }
        loop {
            let this = &self.streams[stream];
            let cap_message = this.first_sent_from(cap);
            if this.next >= cap_message {
                self.schedule_stream(stream, cap, Due::Refresh, ctx);
                return;
            }
            if this.next >= this.link_until {
                let sent = this.sent_at(this.next);
                self.take_link(stream, sent, ctx);
            }
            let this = &mut self.streams[stream];
            let end_message = cap_message.min(this.link_until);
            if this.fail_run == 0 && !this.fails_next {
                let skip = this.link.valid_run.sample(&mut this.rng);
                let valid = skip.min(end_message - this.next);
                self.record_valid(stream, valid);
                let this = &mut self.streams[stream];
                this.next += valid;
                if this.next < end_message {
                    this.fails_next = true;
                }
                continue;
            }
            // A run of failures: those already counted, then `more` from `next` on.
            let more = this
                .link
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
                    // The rest of the run is drawn again after the stop
                    // (memoryless): nothing is lost by forgetting `more`.
                    let at = this.decided_at(violation);
                    self.record_failed(stream, count);
                    let this = &mut self.streams[stream];
                    this.fail_run = survival + 1;
                    this.next = violation + 1;
                    self.schedule_stream(stream, at, Due::Violation, ctx);
                    return;
                }
            }
            let failed = more.min(end_message - this.next);
            self.record_failed(stream, failed);
            let this = &mut self.streams[stream];
            this.fail_run += failed;
            this.next += failed;
            let next = this.next;
            if next >= end_message {
                // The run goes on past the link's end: the next message is
                // drawn on the next link (still within a run of failures).
                continue;
            }
            // Message `next` is valid: the link is back when it arrives.
            let latency = self.valid_latency(stream);
            self.record_valid(stream, 1);
            let this = &mut self.streams[stream];
            this.fail_run = 0;
            this.next += 1;
            let back = this.sent_at(next) + latency;
            if this.outage.is_some() {
                self.schedule_stream(stream, back.max(ctx.now), Due::LinkBack, ctx);
                return;
            }
        }
    }

    /// Takes back what the stream decided for messages sent at or after
    /// `t` (its robot's link changed then, unforeseen); returns whether
    /// anything was, in which case its pending event is stale and it must
    /// go on deciding.
    pub(super) fn take_back(&mut self, stream: usize, t: SimTime) -> bool {
        let this = &mut self.streams[stream];
        let from = this.first_sent_from(t);
        if this.next <= from {
            return false;
        }
        let flow = this.flow;
        let mut log = std::mem::take(&mut this.log);
        while let Some(last) = log.last_mut() {
            let end = last.first + last.count;
            if end <= from {
                break;
            }
            let undo = end - last.first.max(from);
            if last.valid {
                self.count_valid(flow, last.key, -(undo as i64));
            } else {
                self.count_failed(flow, last.lost_share, last.down, -(undo as f64));
            }
            if last.first >= from {
                log.pop();
            } else {
                last.count -= undo;
                break;
            }
        }
        let this = &mut self.streams[stream];
        this.fail_run = match log.last() {
            Some(d) if d.valid => 0,
            Some(d) => d.fail_run_before + d.count,
            None => this.log_fail_run,
        };
        this.log = log;
        this.next = from;
        this.fails_next = false;
        this.taken_back_refresh = (this.due == Due::Refresh).then_some((this.pending_at, this.generation));
        this.generation = this.generation.wrapping_add(1);
        true
    }

    fn schedule_stream(&mut self, stream: usize, at: SimTime, due: Due, ctx: &mut NetCtx) {
        let this = &mut self.streams[stream];
        this.due = due;
        let kept = this.taken_back_refresh.take();
        if due == Due::Refresh && at >= ctx.model.horizon {
            // Nothing changes before the horizon: no event needed.
            return;
        }
        let at = at.max(ctx.now);
        if let Some((pending, generation)) = kept {
            if due == Due::Refresh && pending == at {
                // The refresh taken back is the one needed: still pending.
                this.generation = generation;
                return;
            }
        }
        this.pending_at = at;
        ctx.queue.schedule(
            at,
            Event::Stream {
                stream: stream as u32,
                generation: this.generation,
            },
        );
    }

    /// The latency of a valid message (one that met its deadline): under
    /// `nr` drawn from the flow's latencies after a number of
    /// retransmissions drawn for the link; else from the delivered
    /// latencies of the stream's link profile.
    fn valid_latency(&mut self, stream: usize) -> SimTime {
        let this = &mut self.streams[stream];
        match this.link.key {
            StatKey::Context(context) => {
                let profile = self.profiles.profile(this.flow, context);
                profile.valid_latency(this.deadline, &mut this.rng)
            }
            StatKey::Radio { place, cell } => {
                let Some(radio) = self.radio.as_ref() else {
                    return this.deadline;
                };
                radio.flow_quality(this.flow, Link::Up { place, cell }, &mut self.quality);
                let u: f64 = this.rng.random();
                let mut sum = 0.0;
                let weights = &self.quality.valid_weights;
                let index = weights
                    .iter()
                    .position(|w| {
                        sum += w;
                        u < sum
                    })
                    .unwrap_or(weights.len().saturating_sub(1));
                // The serving cell's latencies (under per-message
                // shadowing, those of the cell of the drawn link state).
                match radio.flows[this.flow]
                    .valid(index)
                    .filter(|v| !v.latencies.is_empty())
                {
                    Some(v) => v.latencies[this.rng.random_range(0..v.latencies.len())],
                    None => this.deadline,
                }
            }
            StatKey::Down => this.deadline,
        }
    }

    /// A stream's event ([`Event::Stream`]); a stale one (of decisions taken
    /// back) does nothing.
    pub fn on_stream(&mut self, stream: usize, generation: u32, ctx: &mut NetCtx, out: &mut Vec<Effect>) {
        if self.streams[stream].generation != generation {
            return;
        }
        match self.streams[stream].due {
            Due::Refresh => {}
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
        if self.radio.is_some() {
            self.take_link(stream, ctx.now, ctx);
        } else if ctx.now >= self.streams[stream].refresh_at {
            self.take_link(stream, ctx.now, ctx);
            let at = self.link_holds_until(stream, ctx);
            self.streams[stream].refresh_at = at;
        }
        let this = &mut self.streams[stream];
        let message = this.next;
        this.next += 1;
        let failed = this.rng.random::<f64>() < this.link.fail_prob;
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
