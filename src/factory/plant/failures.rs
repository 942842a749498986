//! Servers failing, being repaired by their crew, and stopped by protective
//! stops: each halts the phase in progress (preempt-resume), and the server
//! takes its work up again once it is neither failed nor stopped.

use super::{Phase, ServerFailure, Sim};
use crate::engine::SimTime;
use crate::factory::event::Event;
use crate::model::{FailureBasis, StationId};

impl Sim<'_> {
    /// The failure state of a server of a station with failures.
    pub(super) fn failure_of(&mut self, station: StationId, server: u32) -> &mut ServerFailure {
        self.stations[station].servers[server as usize]
            .failure
            .as_deref_mut()
            .expect("a station with failures")
    }

    /// Draws the server's next time to failure; on the calendar basis it is
    /// scheduled, on the busy basis it counts down while processing.
    pub(super) fn draw_time_to_failure(&mut self, station: StationId, server: u32) {
        let model = self.model;
        let spec = model.stations[station].failures.as_ref().expect("has failures");
        let ttf = spec.mtbf.sample(&mut self.failure_of(station, server).ttf_rng);
        match spec.basis {
            FailureBasis::Calendar if self.stations[station].shift_failures => {
                self.schedule_shift_failure(station, server, ttf)
            }
            FailureBasis::Calendar => self.queue.schedule_in(
                ttf,
                Event::Failure {
                    station: station as u32,
                    server,
                },
            ),
            FailureBasis::Busy => self.failure_of(station, server).busy_ttf_left = ttf,
        }
    }

    // ---- failures and repairs ---------------------------------------------

    pub(super) fn arm_busy_failure(&mut self, station: StationId, server: u32) {
        let at = self.now + self.failure_of(station, server).busy_ttf_left;
        let id = self.queue.schedule_cancellable(
            at,
            Event::Failure {
                station: station as u32,
                server,
            },
        );
        let since = self.now;
        self.failure_of(station, server).pending = Some((id, since));
    }

    pub(super) fn disarm_busy_failure(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        let Some(fail) = sv.failure.as_mut() else { return };
        if let Some((id, since)) = fail.pending.take() {
            self.queue.cancel(id);
            fail.busy_ttf_left = fail.busy_ttf_left - (self.now - since);
        }
    }

    pub(super) fn failure(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        sv.failed = true;
        if let Some((id, end)) = sv.phase_end.take() {
            self.queue.cancel(id);
            sv.interrupted = end - self.now;
        }
        let sv = &mut self.stations[station].servers[server as usize];
        if let Some(fail) = sv.failure.as_mut() {
            // This failure is the pending one (on the busy basis, or on the
            // calendar basis at a station with a calendar).
            fail.pending = None;
            fail.calendar_pending = None;
            fail.busy_ttf_left = SimTime::ZERO;
        }
        self.refresh(station, server);
        let f = self.model.stations[station]
            .failures
            .as_ref()
            .expect("a failing station has failures");
        match f.crew {
            None => self.start_repair(station, server),
            Some(c) => {
                let crew = &mut self.crews[c];
                if crew.free > 0 && crew.on {
                    crew.free -= 1;
                    self.start_repair(station, server);
                } else {
                    crew.waiting.push_back((station, server));
                }
            }
        }
    }

    pub(super) fn start_repair(&mut self, station: StationId, server: u32) {
        let model = self.model;
        let spec = model.stations[station].failures.as_ref().expect("has failures");
        let repair = spec.mttr.sample(&mut self.failure_of(station, server).repair_rng);
        let event = Event::RepairEnd {
            station: station as u32,
            server,
        };
        if spec.crew.is_some_and(|crew| self.crews[crew].pausable) {
            // The crew's calendar may pause it.
            let pending = self.schedule_pausable(repair, event);
            self.failure_of(station, server).repair = Some(pending);
        } else {
            self.queue.schedule_in(repair, event);
        }
    }

    pub(super) fn repair_end(&mut self, station: StationId, server: u32) {
        let spec = self.model.stations[station]
            .failures
            .as_ref()
            .expect("has failures");
        self.failure_of(station, server).repair = None;
        if let Some(crew) = spec.crew {
            match self.crews[crew].waiting.pop_front() {
                Some((next_station, next_server)) => self.start_repair(next_station, next_server),
                None => self.crews[crew].free += 1,
            }
        }
        self.stations[station].servers[server as usize].failed = false;
        self.draw_time_to_failure(station, server);
        self.resume_if_clear(station, server);
    }

    /// Halts the server's phase in progress (a failure or a stop).
    pub(super) fn halt(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        if let Some((id, end)) = sv.phase_end.take() {
            self.queue.cancel(id);
            sv.interrupted = end - self.now;
        }
        self.disarm_busy_failure(station, server);
    }

    /// Takes up the server's work after a failure, a stop or a shift's
    /// end, once nothing holds it any more.
    pub(super) fn resume_if_clear(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        if sv.halted() {
            self.refresh(station, server);
            return;
        }
        match sv.phase {
            Phase::Setup | Phase::Busy => {
                let phase = sv.phase;
                let rest = sv.interrupted;
                sv.interrupted = SimTime::ZERO;
                self.begin_phase(station, server, phase, rest);
            }
            Phase::Idle => self.take_next(station, server),
            Phase::Starved => {
                self.refresh(station, server);
                self.try_begin(station, server);
            }
            Phase::NetworkWait => {
                if std::mem::take(&mut sv.command_ready) {
                    self.process(station, server, self.step_on(station, server));
                } else {
                    self.refresh(station, server);
                }
            }
            Phase::Blocked => self.refresh(station, server),
            Phase::NoOperator => {
                if sv.operators.is_some() {
                    // Granted while halted: it sets up or processes now.
                    self.begin_setup_or_process(station, server, self.step_on(station, server));
                } else {
                    self.refresh(station, server);
                }
            }
        }
    }

    /// A protective stop of an arm: its work halts until the stop ends.
    pub(super) fn server_stop(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        let was_halted = sv.halted();
        sv.stops += 1;
        if !was_halted {
            self.halt(station, server);
        }
        self.refresh(station, server);
    }

    pub(super) fn server_restart(&mut self, station: StationId, server: u32) {
        self.stations[station].servers[server as usize].stops -= 1;
        self.resume_if_clear(station, server);
    }
}
