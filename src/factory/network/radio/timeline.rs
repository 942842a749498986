//! A robot's timeline: its link over time, piece by piece, computed ahead
//! from what is known (see the parent module), cut and computed again when
//! an AGV sets off or halts.

use super::{length, Episode, Link, Piece, Radio, RadioEvent, Transition, ANY_CELL};
use crate::engine::SimTime;
use crate::net::{Direction, MobilityEvent};

impl Radio {
    /// The measurement at `place`: each gNB's received power and SINR as
    /// the serving cell (downlink).
    fn observe(&mut self, robot: usize, at: SimTime, place: u32) {
        let start = place as usize * self.gnbs;
        let end = start + self.gnbs;
        self.extend_measured_sinr(end);
        self.robots[robot].mobility.observe(
            at,
            &self.rsrp[start..end],
            &self.measured_sinr[start..end],
            &mut self.events,
        );
    }

    /// Makes `measured_sinr` cover the first `len` entries of `links`
    /// (places and links are fixed for the replication, so each place's
    /// measurement is worked out once rather than at every step).
    fn extend_measured_sinr(&mut self, len: usize) {
        for i in self.measured_sinr.len()..len {
            let cell = i % self.gnbs;
            let [dl, ul] = self.links[i];
            // A cell that cannot receive the UE at any MCS: its RLC runs
            // out of retransmissions, which is a radio link failure too
            // (TS 38.331 §5.3.10.3); modelled as out of sync, so that T310
            // runs and the UE re-establishes on the strongest cell.
            let in_sync = ul.bler.is_some() || self.loads[cell][Direction::Ul as usize] >= 1.0;
            self.measured_sinr
                .push(if in_sync { dl.sinr_db } else { f64::NEG_INFINITY });
        }
    }

    /// The link the machine gives at the robot's place now.
    fn current_link(&self, robot: usize) -> Link {
        let r = &self.robots[robot];
        if self.per_message() {
            return Link::Up {
                place: r.place,
                cell: ANY_CELL,
            };
        }
        match r.mobility.serving() {
            Some(cell) if r.mobility.is_connected() => Link::Up {
                place: r.place,
                cell: cell as u32,
            },
            _ => Link::Down,
        }
    }

    /// The link from `from` on is the machine's now.
    fn push_piece(&mut self, robot: usize, from: SimTime, transition: Option<Transition>) {
        let link = self.current_link(robot);
        let place = self.robots[robot].place;
        let pieces = &mut self.robots[robot].pieces;
        let piece = Piece {
            from,
            link,
            transition,
            place,
        };
        match pieces.back_mut() {
            None => pieces.push_back(piece),
            Some(last) if last.from == from => {
                // Several changes at one instant: the last one holds.
                last.link = link;
                last.transition = last.transition.or(transition);
                last.place = place;
            }
            Some(last) if last.link != link || transition.is_some() => pieces.push_back(piece),
            Some(_) => {}
        }
    }

    /// Computes the robot's timeline up to `limit`: pieces are then known
    /// until `frontier` > `limit` (or for good).
    pub fn materialize(&mut self, robot: usize, limit: SimTime) {
        while self.robots[robot].frontier <= limit {
            let at = self.robots[robot].frontier;
            let r = &mut self.robots[robot];
            let parts = &r.episode.parts;
            let entered = parts.partition_point(|&(t, _)| t <= at);
            if entered > 0 {
                r.place = parts[entered - 1].1;
            }
            let next_input = parts.get(entered).map(|&(t, _)| t);
            let place = r.place;
            let mut transition = None;
            if !self.per_message() {
                self.events.clear();
                self.observe(robot, at, place);
                for event in &self.events {
                    match *event {
                        MobilityEvent::HandoverStart { to, .. } => {
                            transition = Some(Transition::Handover { to: to as u32 })
                        }
                        MobilityEvent::LinkFailure { cell, .. } => {
                            transition = Some(Transition::LinkFailure { cell: cell as u32 })
                        }
                        MobilityEvent::HandoverEnd { .. } | MobilityEvent::Reestablished { .. } => {}
                    }
                }
            }
            self.push_piece(robot, at, transition);
            self.robots[robot].last_step = at;
            let timer = self.robots[robot].mobility.next_deadline();
            let next = match (next_input, timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => a.or(b).unwrap_or(SimTime::MAX),
            };
            debug_assert!(next > at, "changes come after {at}");
            self.robots[robot].frontier = next.max(at + SimTime::from_nanos(1));
        }
    }

    /// The robot's link at `t` and until when it holds (its timeline
    /// computed that far).
    pub fn link_at(&mut self, robot: usize, t: SimTime) -> (Link, SimTime) {
        self.materialize(robot, t);
        let r = &self.robots[robot];
        let last = r.pieces.len() - 1;
        let i = if r.pieces[last].from <= t {
            last
        } else {
            r.pieces.partition_point(|p| p.from <= t).max(1) - 1
        };
        let end = match r.pieces.get(i + 1) {
            Some(next) => next.from,
            None => r.frontier,
        };
        (r.pieces[i].link, end)
    }

    /// Counts the handovers and link failures of the robot's pieces begun
    /// after the warm-up and before `now`.
    /// The events are also kept in `happened` for the trace.
    fn commit(&mut self, robot: usize, now: SimTime, warmup: SimTime) {
        let r = &mut self.robots[robot];
        let first = r.pieces.partition_point(|p| p.from < r.counted_until);
        for p in r.pieces.range(first..) {
            if p.from >= now {
                break;
            }
            let Some(transition) = p.transition else {
                continue;
            };
            if p.from >= warmup {
                match transition {
                    Transition::Handover { .. } => self.handovers += 1,
                    Transition::LinkFailure { .. } => self.link_failures += 1,
                }
            }
            self.happened.push(RadioEvent {
                at: p.from,
                robot,
                transition,
                xy: self.place_xy[p.place as usize],
            });
        }
        r.counted_until = r.counted_until.max(now);
    }

    /// The handovers and link failures counted since the last call, in the
    /// order counted (for the trace).
    pub fn take_happened(&mut self, into: &mut Vec<RadioEvent>) {
        into.clear();
        into.append(&mut self.happened);
    }

    /// Counts everything begun before `now` (the end of the run, or a
    /// trace's flush).
    pub fn commit_all(&mut self, now: SimTime, warmup: SimTime) {
        for robot in 0..self.robots.len() {
            self.commit(robot, now, warmup);
        }
    }

    /// Counts what happened by `now` and forgets the pieces that ended
    /// more than `keep` before it (no undecided message is that old).
    pub fn tidy(&mut self, robot: usize, now: SimTime, keep: SimTime, warmup: SimTime) {
        self.commit(robot, now, warmup);
        let before = now.saturating_sub(keep);
        let r = &mut self.robots[robot];
        while r.pieces.len() > 1 && r.pieces[1].from <= before {
            r.pieces.pop_front();
        }
    }

    /// [`tidy`](Self::tidy), when the robot's timeline has grown (a robot
    /// that stands has one piece or a few).
    pub fn tidy_if_long(&mut self, robot: usize, now: SimTime, keep: SimTime, warmup: SimTime) {
        if self.robots[robot].pieces.len() > 16 {
            self.tidy(robot, now, keep, warmup);
        }
    }

    /// From `at` on, the robot follows `parts` (entering each place at its
    /// time; the last one holds): what was computed from `at` on is
    /// dropped, and the machine is put back to its state just before `at`
    /// by computing again from the episode's start.
    fn new_episode(&mut self, robot: usize, at: SimTime, parts: Vec<(SimTime, u32)>) {
        let r = &mut self.robots[robot];
        if r.last_step >= at {
            // The machine went past `at`: back to the episode's start.
            let start = r.episode.start;
            r.mobility = r.episode.mobility.clone();
            r.place = r.episode.place;
            while r.pieces.back().is_some_and(|p| p.from >= start) {
                r.pieces.pop_back();
            }
            r.frontier = start;
            r.last_step = start.saturating_sub(SimTime::from_nanos(1));
        }
        if at > SimTime::ZERO {
            self.materialize(robot, at - SimTime::from_nanos(1));
        }
        let r = &mut self.robots[robot];
        while r.pieces.back().is_some_and(|p| p.from >= at) {
            r.pieces.pop_back();
        }
        r.episode = Episode {
            start: at,
            mobility: r.mobility.clone(),
            place: r.place,
            parts,
        };
        r.frontier = at;
    }

    /// The places of the parts of the straight piece from `a` to `b`
    /// (equal parts no longer than the spacing, each at its midpoint), as
    /// the first index into `part_places` and the count; computed once per
    /// piece and replication.
    fn piece_parts(&mut self, a: [f64; 2], b: [f64; 2]) -> (usize, usize) {
        let key = [a[0], a[1], b[0], b[1]].map(f64::to_bits);
        if let Some(&range) = self.pieces_seen.get(&key) {
            return range;
        }
        let n = (length(a, b) / self.spacing_m).ceil().max(1.0) as usize;
        let first = self.part_places.len();
        for j in 0..n {
            let middle = (j as f64 + 0.5) / n as f64;
            let xy = (a[0] + middle * (b[0] - a[0]), a[1] + middle * (b[1] - a[1]));
            let place = self.place(xy);
            self.part_places.push(place);
        }
        self.pieces_seen.insert(key, (first, n));
        (first, n)
    }

    /// An AGV drives its leg's `corners` from `driven_m` metres along them
    /// at `at` to their end at `until`.
    pub fn drive(&mut self, robot: usize, at: SimTime, corners: &[[f64; 2]], driven_m: f64, until: SimTime) {
        let total: f64 = corners.windows(2).map(|w| length(w[0], w[1])).sum();
        let left = (total - driven_m).max(0.0);
        let span = until.saturating_sub(at).as_nanos() as f64;
        let time_at = |metres: f64| -> SimTime {
            if left <= 0.0 {
                return at;
            }
            let share = ((metres - driven_m) / left).clamp(0.0, 1.0);
            at + SimTime::from_nanos((share * span).round() as u64)
        };
        let mut parts: Vec<(SimTime, u32)> = Vec::new();
        let mut start_m = 0.0;
        for w in corners.windows(2) {
            let piece = length(w[0], w[1]);
            let (first, n) = self.piece_parts(w[0], w[1]);
            for j in 0..n {
                let part_end = start_m + piece * (j + 1) as f64 / n as f64;
                if part_end <= driven_m {
                    continue;
                }
                let part_start = start_m + piece * j as f64 / n as f64;
                let place = self.part_places[first + j];
                let entered = time_at(part_start.max(driven_m));
                match parts.last_mut() {
                    // Parts entered at one instant: the last holds.
                    Some(last) if last.0 == entered => last.1 = place,
                    _ => parts.push((entered, place)),
                }
            }
            start_m += piece;
        }
        if let Some(end) = corners.last() {
            let place = self.place((end[0], end[1]));
            match parts.last_mut() {
                Some(last) if last.0 >= until => last.1 = place,
                _ => parts.push((until, place)),
            }
        }
        self.new_episode(robot, at, parts);
        let leg = &mut self.robots[robot].leg;
        leg.corners.clear();
        leg.corners.extend_from_slice(corners);
        leg.driven_m = driven_m;
        leg.since = at;
        leg.until = until;
        leg.moving = true;
    }

    /// A driving AGV halts at `at` where it is on its leg (on the part it
    /// is in).
    pub fn halt(&mut self, robot: usize, at: SimTime) {
        let r = &self.robots[robot];
        if !r.leg.moving || at >= r.leg.until {
            return;
        }
        let leg = &r.leg;
        let total: f64 = leg.corners.windows(2).map(|w| length(w[0], w[1])).sum();
        let span = leg.until.saturating_sub(leg.since).as_nanos() as f64;
        let share = if span > 0.0 {
            (at.saturating_sub(leg.since).as_nanos() as f64 / span).min(1.0)
        } else {
            1.0
        };
        let driven = leg.driven_m + share * (total - leg.driven_m);
        let parts = &r.episode.parts;
        let entered = parts.partition_point(|&(t, _)| t <= at);
        let place = if entered == 0 {
            r.episode.place
        } else {
            parts[entered - 1].1
        };
        self.new_episode(robot, at, vec![(at, place)]);
        let leg = &mut self.robots[robot].leg;
        leg.driven_m = driven;
        leg.moving = false;
    }

    /// The leg a halted AGV resumes: its corners and the metres driven.
    pub fn halted_leg(&self, robot: usize) -> Option<(Vec<[f64; 2]>, f64)> {
        let leg = &self.robots[robot].leg;
        (!leg.moving && !leg.corners.is_empty()).then(|| (leg.corners.clone(), leg.driven_m))
    }

    /// Statistics restart at the warm-up.
    pub fn clear_statistics(&mut self, now: SimTime) {
        self.commit_all(now, SimTime::ZERO);
        self.handovers = 0;
        self.link_failures = 0;
    }

    /// Counts what happened by the end of the run.
    pub fn finish(&mut self, now: SimTime, warmup: SimTime) {
        self.commit_all(now, warmup);
        self.happened.clear();
    }
}
