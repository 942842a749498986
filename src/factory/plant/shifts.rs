//! Shifts and operators: what the plant does when a calendar starts or
//! ends a shift ([`Effect::Shift`]), and how servers seize and release
//! the operators of a pool.
//!
//! Off shift, a station's servers halt what they do (setup, processing,
//! the wait for a command; preempt-resume, as in a failure) and show
//! `off_shift`; an idle one takes no job. Failures on the calendar basis
//! count on-shift time only at a station with a calendar (a machine that
//! is switched off does not wear); a failed server's repair goes on, as
//! the crew's own calendar allows. A crew off shift pauses the repairs in
//! progress and starts none; they resume when it is back, before the
//! waiting ones. A pool off shift pauses the servers that hold its
//! operators (they show `no_operator`) and grants none; the fleet's AGVs
//! stand still where they are.
//!
//! A server whose step needs operators seizes them before its setup (or
//! its processing, without setup) and keeps them through the setup, the
//! wait for its cycle-start command and the processing, also while a
//! failure or a stop halts it; they go back to the pool when the
//! processing ends.

use super::{Phase, Sim};
use crate::engine::SimTime;
use crate::factory::event::{Effect, Event};
use crate::model::{CalendarId, Model, Operators, ProductId, StationId};

/// What holds a server besides failures and stops.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Hold {
    /// Its station's calendar is off shift.
    OffShift,
    /// The pool of the operators it holds is off shift.
    OperatorsAway,
}

/// Per station, whether a step there needs operators from a pool with a
/// calendar (its servers can then be halted by the pool's shifts).
pub(super) fn stations_with_pools_on_calendars(model: &Model) -> Vec<bool> {
    let mut halted = vec![false; model.stations.len()];
    for step in model.products.iter().flat_map(|p| &p.route) {
        if let Some(needs) = model.step_operators(step) {
            halted[step.station] |= model.pools[needs.pool].calendar.is_some();
        }
    }
    halted
}

impl<'m> Sim<'m> {
    /// Applies the calendars' states at time 0: what is off shift then
    /// starts so (the pools were built knowing it).
    pub(super) fn start_shifts(&mut self) {
        let model = self.model;
        for (station, spec) in model.stations.iter().enumerate() {
            if spec.calendar.is_some_and(|c| !self.calendars.is_on(c)) {
                for server in 0..spec.servers {
                    self.set_hold(station, server, Hold::OffShift, true);
                }
            }
        }
        if let Some(c) = model.fleet.as_ref().and_then(|f| f.calendar) {
            if !self.calendars.is_on(c) {
                self.with_fleet(|fleet, ctx, out| fleet.set_shift(false, ctx, out));
            }
        }
    }

    /// A calendar started (`on`) or ended a shift.
    pub(super) fn shift(&mut self, calendar: CalendarId, on: bool) {
        let model = self.model;
        for (station, spec) in model.stations.iter().enumerate() {
            if spec.calendar == Some(calendar) {
                for server in 0..spec.servers {
                    self.set_hold(station, server, Hold::OffShift, !on);
                }
            }
        }
        for (crew, spec) in model.crews.iter().enumerate() {
            if spec.calendar == Some(calendar) {
                self.crew_shift(crew, on);
            }
        }
        for (pool, spec) in model.pools.iter().enumerate() {
            if spec.calendar == Some(calendar) {
                self.pool_shift(pool, on);
            }
        }
        if model.fleet.as_ref().is_some_and(|f| f.calendar == Some(calendar)) {
            self.with_fleet(|fleet, ctx, out| fleet.set_shift(on, ctx, out));
        }
    }

    /// Sets or clears a hold of a server: the first hold halts its work,
    /// the last one lifted takes it up again.
    pub(super) fn set_hold(&mut self, station: StationId, server: u32, hold: Hold, on: bool) {
        let sv = &mut self.stations[station].servers[server as usize];
        let was_halted = sv.halted();
        let flag = match hold {
            Hold::OffShift => &mut sv.off_shift,
            Hold::OperatorsAway => &mut sv.operators_away,
        };
        if *flag == on {
            return;
        }
        *flag = on;
        if hold == Hold::OffShift && self.stations[station].shift_failures {
            self.pause_calendar_failure(station, server, on);
        }
        if on {
            if !was_halted {
                self.halt(station, server);
            }
            self.refresh(station, server);
        } else {
            self.resume_if_clear(station, server);
        }
    }

    /// At a station with a calendar, the time to failure (calendar basis)
    /// stops while the station is off shift and runs on when it is back.
    fn pause_calendar_failure(&mut self, station: StationId, server: u32, off: bool) {
        let now = self.now;
        let sv = &mut self.stations[station].servers[server as usize];
        let Some(fail) = sv.failure.as_deref_mut() else {
            return;
        };
        if off {
            if let Some((id, due)) = fail.calendar_pending.take() {
                self.queue.cancel(id);
                fail.paused_ttf = Some(due - now);
            }
        } else if let Some(left) = fail.paused_ttf.take() {
            self.schedule_shift_failure(station, server, left);
        }
    }

    /// Schedules a calendar-basis failure `ttf` from now, at a station with
    /// a calendar: paused while the server is off shift.
    pub(super) fn schedule_shift_failure(&mut self, station: StationId, server: u32, ttf: SimTime) {
        if self.stations[station].servers[server as usize].off_shift {
            self.failure_of(station, server).paused_ttf = Some(ttf);
            return;
        }
        let event = Event::Failure {
            station: station as u32,
            server,
        };
        let pending = self.schedule_pausable(ttf, event);
        self.failure_of(station, server).calendar_pending = Some(pending);
    }

    /// Schedules `event` after `delay`, cancellable (something may pause
    /// it); returns its id and time.
    pub(super) fn schedule_pausable(
        &mut self,
        delay: SimTime,
        event: Event,
    ) -> (crate::engine::EventId, SimTime) {
        let due = self.now + delay;
        (self.queue.schedule_cancellable(due, event), due)
    }

    /// A crew starts or ends a shift: its repairs in progress pause or
    /// resume; back on shift, waiting repairs start while members are free.
    fn crew_shift(&mut self, crew: usize, on: bool) {
        let now = self.now;
        let model = self.model;
        self.crews[crew].on = on;
        for (station, spec) in model.stations.iter().enumerate() {
            if spec.failures.as_ref().and_then(|f| f.crew) != Some(crew) {
                continue;
            }
            for server in 0..spec.servers {
                let fail = self.failure_of(station, server);
                if on {
                    if let Some(left) = fail.repair_left.take() {
                        let event = Event::RepairEnd {
                            station: station as u32,
                            server,
                        };
                        let pending = self.schedule_pausable(left, event);
                        self.failure_of(station, server).repair = Some(pending);
                    }
                } else if let Some((id, due)) = fail.repair.take() {
                    self.queue.cancel(id);
                    self.failure_of(station, server).repair_left = Some(due - now);
                }
            }
        }
        if on {
            while self.crews[crew].free > 0 {
                let Some((station, server)) = self.crews[crew].waiting.pop_front() else {
                    break;
                };
                self.crews[crew].free -= 1;
                self.start_repair(station, server);
            }
        }
    }

    /// A pool starts or ends a shift. Off: the servers holding its
    /// operators halt. On: they resume first, then the pool serves its
    /// queue.
    fn pool_shift(&mut self, pool: usize, on: bool) {
        let holders: Vec<(StationId, u32)> = self
            .stations
            .iter()
            .enumerate()
            .flat_map(|(station, st)| {
                st.servers
                    .iter()
                    .enumerate()
                    .filter(|(_, sv)| sv.operators.is_some_and(|held| held.pool == pool))
                    .map(move |(server, _)| (station, server as u32))
            })
            .collect();
        if !on {
            self.with_pools(|pools, now, out| pools.set_on(pool, false, now, out));
        }
        for (station, server) in holders {
            self.set_hold(station, server, Hold::OperatorsAway, !on);
        }
        if on {
            self.with_pools(|pools, now, out| pools.set_on(pool, true, now, out));
        }
    }

    /// Lets the pools handle something, then applies the effects they
    /// returned (operators granted).
    fn with_pools(&mut self, call: impl FnOnce(&mut super::PoolsRt, SimTime, &mut Vec<Effect>)) {
        let mark = self.effects.len();
        call(&mut self.pools, self.now, &mut self.effects);
        self.apply(mark);
    }

    /// The server asks for the operators its step needs: returns whether
    /// it has them; if not, it waits in the pool's queue (`no_operator`).
    pub(super) fn seize_operators(&mut self, station: StationId, server: u32, needs: Operators) -> bool {
        if self.pools.seize(needs, station, server, self.now) {
            self.stations[station].servers[server as usize].operators = Some(needs);
            return true;
        }
        self.stations[station].servers[server as usize].phase = Phase::NoOperator;
        self.refresh(station, server);
        false
    }

    /// The pool granted a waiting server its operators
    /// ([`Effect::OperatorsGranted`]): it sets up or processes, unless
    /// something holds it (then it goes on when it is clear).
    pub(super) fn operators_granted(&mut self, station: StationId, server: u32) {
        let step = self.step_on(station, server);
        let needs = self.model.step_operators(step).expect("the step needs operators");
        let sv = &mut self.stations[station].servers[server as usize];
        debug_assert_eq!(sv.phase, Phase::NoOperator);
        sv.operators = Some(needs);
        if sv.halted() {
            return;
        }
        self.begin_setup_or_process(station, server, step);
    }

    /// The server's processing ended: its operators go back to the pool.
    pub(super) fn release_operators(&mut self, station: StationId, server: u32) {
        if let Some(held) = self.stations[station].servers[server as usize].operators.take() {
            self.with_pools(|pools, now, out| pools.release(held, now, out));
        }
    }

    /// Releases a job of `product` now, with a unit of every sub-assembly
    /// its route will consume.
    pub(super) fn start_with_subassemblies(&mut self, product: ProductId) {
        self.start_job_of(product);
        for i in 0..self.made_to_order[product].len() {
            self.start_job_of(self.made_to_order[product][i]);
        }
    }
}
