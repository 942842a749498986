//! Jobs through the stations: release, admission (room, waiters, AGVs
//! called), seizing a server, kits and sub-assemblies, setups, the
//! cycle-start command, processing, and leaving (on, to the output buffer,
//! blocked, or out of the plant).

use super::{Job, JobPlace, Phase, Sim};
use crate::engine::SimTime;
use crate::factory::event::{Cargo, Event, JobId, Waiter};
use crate::factory::StationState;
use crate::model::{PointId, ProductId, RouteStep, StationId};

impl<'m> Sim<'m> {
    // ---- jobs entering and leaving stations -------------------------------

    pub(super) fn release(&mut self, p: ProductId) {
        let product = &self.model.products[p];
        if let Some(every) = product.release.interarrival() {
            let next = every.sample(&mut self.products[p].rng);
            self.queue.schedule_in(next, Event::Release(p));
        }
        self.start_job_of(p);
        // Sub-assemblies are made to order: one for every unit this job will consume.
        for i in 0..self.made_to_order[p].len() {
            self.start_job_of(self.made_to_order[p][i]);
        }
    }

    #[inline(always)]
    pub(super) fn start_job_of(&mut self, p: ProductId) {
        let out = &mut self.products[p].out;
        out.released += 1;
        out.released_total += 1;
        if out.end_product {
            self.wip += 1;
            self.series.set_level(self.now, self.wip);
        }
        let job = Job {
            product: p,
            step: 0,
            released: self.now,
            entered_station: self.now,
            place: JobPlace::ReleasePoint,
        };
        let id = self.jobs.insert(job);
        let model = self.model;
        self.trace_line(
            || format!("job:{id}"),
            "release",
            || model.products[p].name.clone(),
        );
        let dest = self.model.products[p].route[0].station;
        self.send(id, dest, JobPlace::ReleasePoint);
    }

    /// Admits a job to `dest` from `from` (where it is) if `dest` has room,
    /// else makes it wait for room. Returns whether the job left its place
    /// at once.
    #[inline(always)]
    pub(super) fn send(&mut self, job: JobId, dest: StationId, from: JobPlace) -> bool {
        if self.has_room(dest) && self.stations[dest].waiters.is_empty() {
            self.admit(job, dest, from)
        } else {
            self.stations[dest].waiters.push_back(job);
            false
        }
    }

    /// `dest` has accepted the job: it moves there now, or an AGV is called
    /// and the place is reserved until it arrives. Returns whether it moved now.
    // `from` is the job's place, passed rather than read back: the caller
    // has often just written the job, and the read stalled on it.
    #[inline(always)]
    pub(super) fn admit(&mut self, job: JobId, dest: StationId, from: JobPlace) -> bool {
        debug_assert_eq!(from, self.jobs[job].place);
        if self.fleet.is_some() {
            if let (Some(a), Some(b)) = (self.place_point(from), self.model.stations[dest].at) {
                if a != b {
                    self.stations[dest].reserved += 1;
                    self.request_transport(Cargo::Job { job, dest }, a, b);
                    return false;
                }
            }
        }
        self.enter(job, dest);
        self.free_place(from);
        true
    }

    /// Where on the floor a place is (with a layout).
    pub(super) fn place_point(&self, place: JobPlace) -> Option<PointId> {
        match place {
            JobPlace::ReleasePoint => self.model.fleet.as_ref().map(|f| f.warehouse),
            JobPlace::InQueue(station) | JobPlace::OnServer(station, _) | JobPlace::InOutput(station) => {
                self.model.stations[station].at
            }
            JobPlace::Carried => None,
        }
    }

    /// A job left `place`: free what it held there.
    #[inline(always)]
    pub(super) fn free_place(&mut self, place: JobPlace) {
        match place {
            JobPlace::ReleasePoint | JobPlace::Carried => {}
            JobPlace::InOutput(station) => self.output_freed(station),
            JobPlace::OnServer(station, server) => {
                let st = &mut self.stations[station];
                if let Some(i) = st.blocked_on_output.iter().position(|&b| b == server) {
                    st.blocked_on_output.remove(i);
                }
                self.server_freed(station, server);
            }
            JobPlace::InQueue(_) => unreachable!("a queued job never leaves but to a server"),
        }
    }

    pub(super) fn has_room(&self, station: StationId) -> bool {
        let Some(cap) = self.model.stations[station].input_buffer else {
            return true;
        };
        let st = &self.stations[station];
        let free_servers = st
            .servers
            .iter()
            .filter(|sv| sv.phase == Phase::Idle && !sv.failed)
            .count();
        free_servers + (cap as usize).saturating_sub(st.queue.len()) > st.reserved as usize
    }

    /// The job arrives at `station`: to a free server, or to the queue.
    #[inline(always)]
    pub(super) fn enter(&mut self, job: JobId, station: StationId) {
        self.jobs[job].entered_station = self.now;
        self.stations[station].entered += 1;
        let free = self.stations[station]
            .servers
            .iter()
            .position(|sv| sv.phase == Phase::Idle && !sv.failed);
        match free {
            Some(server) => self.start_job(station, server as u32, job),
            None => {
                self.jobs[job].place = JobPlace::InQueue(station);
                self.stations[station].queue.push_back(job);
                self.queue_changed(station);
            }
        }
    }

    /// The input queue of `station` grew or shrank: its time average and
    /// the trace (`queue`, with the new length) are told.
    #[inline(always)]
    fn queue_changed(&mut self, station: StationId) {
        let st = &mut self.stations[station];
        let len = st.queue.len();
        st.queue_len.set(self.now, len as u64);
        if self.trace.is_some() {
            self.trace_queue(station, len);
        }
    }

    /// The trace's `queue` line, out of line so that the hot path above
    /// only tests for a trace: inlined, the line's code cost an M/M/3 run
    /// 1.1% more instructions (about 10 per job); out of line, 0.5%
    /// (callgrind, mm3 over 200,000 h, against no queue line at all).
    #[cold]
    #[inline(never)]
    fn trace_queue(&mut self, station: StationId, len: usize) {
        let model = self.model;
        self.trace_line(
            || format!("station:{}", model.stations[station].name),
            "queue",
            || len.to_string(),
        );
    }

    /// A job on its way by AGV arrives at the station that reserved it a place.
    pub(super) fn deliver_job(&mut self, job: JobId, dest: StationId) {
        self.stations[dest].reserved -= 1;
        self.enter(job, dest);
    }

    /// Admits waiting jobs while the station has room.
    pub(super) fn pull(&mut self, station: StationId) {
        while self.has_room(station) {
            let Some(job) = self.stations[station].waiters.pop_front() else {
                return;
            };
            self.admit(job, station, self.jobs[job].place);
        }
    }

    pub(super) fn output_freed(&mut self, station: StationId) {
        self.stations[station].output_used -= 1;
        if let Some(server) = self.stations[station].blocked_on_output.pop_front() {
            let job = self.stations[station].servers[server as usize]
                .job
                .expect("a blocked server holds a job");
            self.stations[station].output_used += 1;
            self.jobs[job].place = JobPlace::InOutput(station);
            self.server_freed(station, server);
        }
    }

    /// A server let go of its job: it takes the next one, or waits idle.
    #[inline(always)]
    pub(super) fn server_freed(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        sv.job = None;
        sv.phase = Phase::Idle;
        self.take_next(station, server);
    }

    /// An idle server takes the next job in the queue, if it can. Either
    /// way its state clock is brought up to date once: a server that goes
    /// straight from one job to the next spends no time idle (so the trace
    /// shows no idle state of zero length), and switching its clock to idle
    /// and back at the same instant cost 3% of an M/M/c run's instructions.
    #[inline(always)]
    pub(super) fn take_next(&mut self, station: StationId, server: u32) {
        let st = &mut self.stations[station];
        let next = if st.servers[server as usize].failed {
            None
        } else {
            st.queue.pop_front()
        };
        match next {
            Some(job) => {
                self.queue_changed(station);
                self.start_job(station, server, job);
            }
            None => self.refresh(station, server),
        }
        // Room may have opened in the queue, or the idle server is room itself.
        if !self.stations[station].waiters.is_empty() {
            self.to_pull.push(station);
        }
    }

    /// A server seizes a job: it calls for its kit if the step needs one,
    /// and starts as soon as kit and sub-assemblies are there. Leaves the
    /// server's state clock up to date (`take_next` counts on it).
    #[inline(always)]
    pub(super) fn start_job(&mut self, station: StationId, server: u32, job: JobId) {
        let model = self.model;
        let j = &mut self.jobs[job];
        j.place = JobPlace::OnServer(station, server);
        let wait = self.now - j.entered_station;
        let step = &model.products[j.product].route[j.step as usize];
        let st = &mut self.stations[station];
        st.queue_wait_s.add(wait.as_secs_f64());
        let sv = &mut st.servers[server as usize];
        sv.job = Some(job);
        if st.plain {
            // `begin_phase` and `refresh` for a server nothing can
            // interrupt, fail or stop.
            let d = model.step_process(step).sample(&mut st.process_rng);
            sv.phase = Phase::Busy;
            let ev = Event::PhaseEnd {
                station: station as u32,
                server,
            };
            self.queue.schedule(self.now + d, ev);
            self.show_state(station, server, StationState::Busy as usize);
            return;
        }
        sv.phase = Phase::Starved;
        if step.kit {
            sv.kit_pending = true;
            self.request_kit(station, server);
        }
        self.begin_if_ready(station, server, step);
    }

    /// Marks the stations where a seized server can start processing at
    /// once ([`StationRt::plain`]). Runs once the network is set up.
    pub(super) fn mark_plain_stations(&mut self) {
        let model = self.model;
        let mut waits_for_parts = vec![false; model.stations.len()];
        for step in model.products.iter().flat_map(|p| &p.route) {
            waits_for_parts[step.station] |= step.kit || !step.assemble.is_empty();
        }
        let commanded: Vec<bool> = (0..model.stations.len())
            .map(|station| self.sends(Waiter::CycleStart(station, 0)))
            .collect();
        for (station, st) in self.stations.iter_mut().enumerate() {
            st.plain = !st.haltable
                && !st.busy_failures
                && model.stations[station].setup.is_none()
                && !waits_for_parts[station]
                && !commanded[station];
        }
    }

    /// Calls an AGV to bring the kit of the job on `server` of `station`.
    #[inline(never)]
    pub(super) fn request_kit(&mut self, station: StationId, server: u32) {
        let f = self.model.fleet.as_ref().expect("validation: kits need a fleet");
        let at = self.model.stations[station]
            .at
            .expect("validation: stations have points with a fleet");
        self.request_transport(Cargo::Kit { station, server }, f.warehouse, at);
    }

    /// The route step of the job on `server` of `station`.
    pub(super) fn step_on(&self, station: StationId, server: u32) -> &'m RouteStep {
        let job = self.stations[station].servers[server as usize]
            .job
            .expect("the server holds a job");
        let j = &self.jobs[job];
        &self.model.products[j.product].route[j.step as usize]
    }

    /// Starts setup or processing if nothing is missing; else the server
    /// stays starved.
    pub(super) fn try_begin(&mut self, station: StationId, server: u32) {
        // Only a starved server waits to begin (and holds a job).
        if self.stations[station].servers[server as usize].phase == Phase::Starved {
            self.begin_if_ready(station, server, self.step_on(station, server));
        }
    }

    /// [`Self::try_begin`] with the step of the server's job in hand.
    // The step is passed down to `process` rather than looked up again at
    // each stage, which cost 3% of an M/M/c run's instructions.
    #[inline(always)]
    pub(super) fn begin_if_ready(&mut self, station: StationId, server: u32, step: &'m RouteStep) {
        let sv = &self.stations[station].servers[server as usize];
        // A failed or stopped server holds its job; it begins when it is
        // clear again (`resume_if_clear`).
        if sv.failed || sv.stops > 0 || sv.phase != Phase::Starved {
            return;
        }
        if sv.kit_pending {
            self.refresh(station, server);
            return;
        }
        if !step.assemble.is_empty() && !self.take_parts(station, server, step) {
            return;
        }
        if self.model.stations[station].setup.is_some() && self.begin_setup_if_due(station, server) {
            return;
        }
        self.begin_processing(station, server, step);
    }

    /// Takes the sub-assemblies `step` assembles from the station's stock,
    /// if all are there; else the server waits for them, starved. Returns
    /// whether they were taken.
    #[inline(never)]
    pub(super) fn take_parts(&mut self, station: StationId, server: u32, step: &RouteStep) -> bool {
        let st = &mut self.stations[station];
        let have_all = step.assemble.iter().enumerate().all(|(i, &sub)| {
            let need = step.assemble.iter().take(i + 1).filter(|&&x| x == sub).count() as u32;
            st.stock[sub] >= need
        });
        if !have_all {
            if !st.parts_waiters.contains(&server) {
                st.parts_waiters.push_back(server);
            }
            self.refresh(station, server);
            return false;
        }
        for &sub in &step.assemble {
            st.stock[sub] -= 1;
            self.products[sub].out.consumed_total += 1;
        }
        if let Some(i) = st.parts_waiters.iter().position(|&w| w == server) {
            st.parts_waiters.remove(i);
        }
        true
    }

    /// Begins a setup if the server's last product differs from its job's.
    /// Returns whether it did.
    #[inline(never)]
    pub(super) fn begin_setup_if_due(&mut self, station: StationId, server: u32) -> bool {
        let Some(setup) = &self.model.stations[station].setup else {
            return false;
        };
        let st = &mut self.stations[station];
        let sv = &st.servers[server as usize];
        let product = self.jobs[sv.job.expect("a starved server holds a job")].product;
        if sv.last_product.is_none_or(|last| last == product) {
            return false;
        }
        let rng = st
            .setup_rng
            .as_deref_mut()
            .expect("a station with setups has their stream");
        let d = setup.sample(rng);
        self.begin_phase(station, server, Phase::Setup, d);
        true
    }

    /// A kit arrived at a server.
    pub(super) fn kit_arrived(&mut self, station: StationId, server: u32) {
        self.stations[station].servers[server as usize].kit_pending = false;
        self.try_begin(station, server);
    }

    /// A finished sub-assembly reached the station that assembles it.
    pub(super) fn stock_arrived(&mut self, station: StationId, sub: ProductId) {
        self.stations[station].stock[sub] += 1;
        self.products[sub].out.stocked_total += 1;
        let waiting: Vec<u32> = self.stations[station].parts_waiters.iter().copied().collect();
        for server in waiting {
            self.try_begin(station, server);
        }
    }

    /// Processing may begin: the arm waits for its cycle-start command
    /// first, when the scenario sends one.
    #[inline(always)]
    pub(super) fn begin_processing(&mut self, station: StationId, server: u32, step: &'m RouteStep) {
        let waiter = Waiter::CycleStart(station, server);
        if self.sends(waiter) {
            self.with_net(|net, ctx, _| net.start_exchange(waiter, ctx));
            self.stations[station].servers[server as usize].phase = Phase::NetworkWait;
            self.refresh(station, server);
        } else {
            self.process(station, server, step);
        }
    }

    /// The cycle-start command reached the arm.
    pub(super) fn cycle_start_done(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        if sv.failed || sv.stops > 0 {
            sv.command_ready = true;
        } else {
            self.process(station, server, self.step_on(station, server));
        }
    }

    #[inline(always)]
    pub(super) fn process(&mut self, station: StationId, server: u32, step: &'m RouteStep) {
        let d = self
            .model
            .step_process(step)
            .sample(&mut self.stations[station].process_rng);
        self.begin_phase(station, server, Phase::Busy, d);
    }

    #[inline(always)]
    pub(super) fn begin_phase(&mut self, station: StationId, server: u32, phase: Phase, duration: SimTime) {
        let end = self.now + duration;
        let ev = Event::PhaseEnd {
            station: station as u32,
            server,
        };
        let st = &mut self.stations[station];
        let sv = &mut st.servers[server as usize];
        sv.phase = phase;
        if st.haltable {
            sv.phase_end = Some((self.queue.schedule_cancellable(end, ev), end));
        } else {
            // Nothing can interrupt it: the plain, faster heap.
            self.queue.schedule(end, ev);
        }
        if phase == Phase::Busy && st.busy_failures {
            self.arm_busy_failure(station, server);
        }
        self.refresh(station, server);
    }

    pub(super) fn phase_end(&mut self, station: StationId, server: u32) {
        let sv = &mut self.stations[station].servers[server as usize];
        sv.phase_end = None;
        let job = sv.job.expect("a phase runs on a job");
        let product = self.jobs[job].product;
        match sv.phase {
            Phase::Setup => {
                sv.last_product = Some(product);
                self.begin_processing(station, server, self.step_on(station, server));
            }
            Phase::Busy => {
                sv.last_product = Some(product);
                let st = &mut self.stations[station];
                st.completed += 1;
                if st.busy_failures {
                    self.disarm_busy_failure(station, server);
                }
                self.finish_step(station, server, job);
            }
            Phase::Idle | Phase::Starved | Phase::NetworkWait | Phase::Blocked => {
                unreachable!("no phase end is pending when idle, starved, waiting or blocked")
            }
        }
    }

    /// The job is done at `station`: it leaves the plant, becomes stock for
    /// its assembly, or moves on.
    pub(super) fn finish_step(&mut self, station: StationId, server: u32, job: JobId) {
        let j = &mut self.jobs[job];
        j.step += 1;
        let p = j.product;
        let route = &self.model.products[p].route;
        if j.step as usize == route.len() {
            self.complete(job);
            if let Some(consumer) = self.consumer[p] {
                let to = self.model.stations[consumer].at;
                if let (Some(a), Some(b), true) = (self.model.stations[station].at, to, self.fleet.is_some())
                {
                    if a != b {
                        self.request_transport(
                            Cargo::SubAssembly {
                                job,
                                station: consumer,
                            },
                            a,
                            b,
                        );
                        self.hold_finished(station, server, job);
                        return;
                    }
                }
                self.jobs.remove(job);
                self.stock_arrived(consumer, p);
            } else {
                self.jobs.remove(job);
            }
            self.server_freed(station, server);
            return;
        }
        let dest = route[j.step as usize].station;
        if !self.send(job, dest, JobPlace::OnServer(station, server)) {
            self.hold_finished(station, server, job);
        }
    }

    /// A finished job that has not left yet: to the output buffer if it has
    /// room, else it keeps its server blocked.
    pub(super) fn hold_finished(&mut self, station: StationId, server: u32, job: JobId) {
        let cap = self.model.stations[station].output_buffer;
        let st = &mut self.stations[station];
        if st.output_used < cap {
            st.output_used += 1;
            self.jobs[job].place = JobPlace::InOutput(station);
            self.server_freed(station, server);
        } else {
            st.servers[server as usize].phase = Phase::Blocked;
            st.blocked_on_output.push_back(server);
            self.refresh(station, server);
        }
    }

    /// A job finished its route.
    pub(super) fn complete(&mut self, job: JobId) {
        let j = &self.jobs[job];
        let p = j.product;
        let out = &mut self.products[p].out;
        out.completed += 1;
        out.completed_total += 1;
        if out.end_product {
            let lead = self.now - j.released;
            self.lead_time_s.add(lead.as_secs_f64());
            self.lead_time_hist.add(lead.as_nanos());
            self.wip -= 1;
            self.series.set_level(self.now, self.wip);
            self.series.count(self.now);
        }
        let model = self.model;
        self.trace_line(
            || format!("job:{job}"),
            "leave",
            || model.products[p].name.clone(),
        );
    }

    /// A finished sub-assembly was delivered by AGV to its assembly station.
    pub(super) fn deliver_subassembly(&mut self, job: JobId, station: StationId) {
        let p = self.jobs[job].product;
        self.jobs.remove(job);
        self.stock_arrived(station, p);
    }

    /// Brings the server's state clock up to date with its phase.
    #[inline(always)]
    pub(super) fn refresh(&mut self, station: StationId, server: u32) {
        let sv = &self.stations[station].servers[server as usize];
        let state = if sv.failed {
            StationState::Failed as usize
        } else if sv.stops > 0 {
            StationState::Stopped as usize
        } else {
            sv.phase as usize
        };
        self.show_state(station, server, state);
    }

    /// Switches the server's state clock to `state` (and traces it), if it
    /// is not there already.
    #[inline(always)]
    pub(super) fn show_state(&mut self, station: StationId, server: u32, state: usize) {
        let sv = &mut self.stations[station].servers[server as usize];
        if sv.clock.state() != state {
            sv.clock.switch(self.now, state);
            let model = self.model;
            self.trace_line(
                || format!("station:{}/{server}", model.stations[station].name),
                "state",
                || StationState::ALL[state].key().to_string(),
            );
        }
    }
}
