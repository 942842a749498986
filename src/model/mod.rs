//! The validated, immutable description of a plant: what `scenario/` builds
//! from a file and what `factory/` simulates. Everything here has been checked
//! (names resolved to indices, values in range), so the simulator never has to
//! guard against bad input.
//!
//! A [`Model`] that exists is valid: it can only be built by validation
//! (`scenario::load_*`). Its fields, and those of its parts, are private to
//! the crate; outside it they are read through accessors of the same names,
//! and nothing outside can change them or build a part that the validation
//! did not check (a station with 0 servers, a route to a station that does
//! not exist).
//!
//! Indices (`StationId`, `CrewId`, `ProductId`) are positions in the vectors of
//! [`Model`], in the order the file gives them.
//!
//! ```
//! let model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! assert_eq!(model.stations()[0].servers(), 3);
//! ```
//!
//! Changing a loaded model does not compile; a different model is loaded
//! again, with overrides that validation checks like the file:
//!
//! ```compile_fail,E0616
//! let mut model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! model.horizon = factory5g::engine::SimTime::ZERO;
//! ```
//!
//! ```
//! use factory5g::scenario::load_builtin_with;
//! let model = load_builtin_with("mm3", &["scenario.horizon=1000h".into()]).unwrap().model;
//! assert_eq!(model.horizon().as_hours_f64(), 1000.0);
//! // mm3 warms up for 500 hours: a shorter horizon is refused.
//! assert!(load_builtin_with("mm3", &["scenario.horizon=8h".into()]).is_err());
//! ```

mod calendar;
mod dist;
mod layout;
mod network;
mod states;

pub use calendar::Calendar;
pub use dist::{Dist, DistError};
pub use layout::{Layout, Path, Point, PointId, Segment, SegmentId, MAX_POINTS};
pub use network::{BadState, Flow, FlowKind, FlowRobots, LinkModel, Network, NrNetwork, Trigger};
pub use states::{AgvState, StationState};

use crate::engine::SimTime;

pub type StationId = usize;
pub type CrewId = usize;
pub type ProductId = usize;
pub type CalendarId = usize;
pub type PoolId = usize;

#[derive(Clone, Debug)]
pub struct Model {
    pub(crate) name: String,
    pub(crate) horizon: SimTime,
    pub(crate) warmup: SimTime,
    pub(crate) seed: u64,
    pub(crate) replications: u32,
    pub(crate) stations: Vec<Station>,
    pub(crate) crews: Vec<Crew>,
    pub(crate) products: Vec<Product>,
    /// When stations, crews, pools and the fleet work.
    pub(crate) calendars: Vec<Calendar>,
    /// Operators that stations' steps need.
    pub(crate) pools: Vec<Pool>,
    /// The floor plan; `None`: no travel.
    pub(crate) layout: Option<Layout>,
    /// The AGV fleet; `None`: jobs move between stations instantly.
    pub(crate) fleet: Option<Fleet>,
    /// The network; ideal when the scenario has no `[network]`.
    pub(crate) network: Network,
    /// Traffic between robots and the edge.
    pub(crate) flows: Vec<Flow>,
}

#[derive(Clone, Debug)]
pub struct Station {
    pub(crate) name: String,
    /// Where the station stands (needed with a fleet).
    pub(crate) at: Option<PointId>,
    /// Robot arms or machines working in parallel.
    pub(crate) servers: u32,
    /// Process time, unless a route step overrides it.
    pub(crate) process: Dist,
    /// Setup time when a server changes from one product to another.
    pub(crate) setup: Option<Dist>,
    /// Places for jobs waiting for a server; `None` is unlimited.
    pub(crate) input_buffer: Option<u32>,
    /// Places for finished jobs waiting to move on; 0 means blocking after
    /// service (the job keeps its server).
    pub(crate) output_buffer: u32,
    /// Whether the servers count as robots in the report.
    pub(crate) robot: bool,
    pub(crate) failures: Option<Failures>,
    /// When the station works; `None`: always.
    pub(crate) calendar: Option<CalendarId>,
    /// Operators its steps need, unless a step says otherwise.
    pub(crate) operators: Option<Operators>,
    /// Electric power per server in each state, in milliwatts; `None`: not
    /// metered.
    pub(crate) power_mw: Option<[u64; StationState::COUNT]>,
}

/// Operators a step needs from a pool, seized for its setup and processing.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Operators {
    pub(crate) pool: PoolId,
    pub(crate) count: u32,
}

impl Operators {
    pub fn pool(&self) -> PoolId {
        self.pool
    }

    /// Operators seized at once.
    pub fn count(&self) -> u32 {
        self.count
    }
}

#[derive(Clone, Debug)]
pub struct Failures {
    /// Time between failures, counted on `basis`.
    pub(crate) mtbf: Dist,
    /// Repair time, once a crew member has started.
    pub(crate) mttr: Dist,
    /// The crew that repairs; `None`: a repairer is always available.
    pub(crate) crew: Option<CrewId>,
    pub(crate) basis: FailureBasis,
}

impl Station {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the station stands (needed with a fleet).
    pub fn at(&self) -> Option<PointId> {
        self.at
    }

    /// Robot arms or machines working in parallel.
    pub fn servers(&self) -> u32 {
        self.servers
    }

    /// Process time, unless a route step overrides it.
    pub fn process(&self) -> &Dist {
        &self.process
    }

    /// Setup time when a server changes from one product to another.
    pub fn setup(&self) -> Option<&Dist> {
        self.setup.as_ref()
    }

    /// Places for jobs waiting for a server; `None` is unlimited.
    pub fn input_buffer(&self) -> Option<u32> {
        self.input_buffer
    }

    /// Places for finished jobs waiting to move on; 0 means blocking after
    /// service.
    pub fn output_buffer(&self) -> u32 {
        self.output_buffer
    }

    /// Whether the servers count as robots in the report.
    pub fn robot(&self) -> bool {
        self.robot
    }

    pub fn failures(&self) -> Option<&Failures> {
        self.failures.as_ref()
    }

    /// When the station works; `None`: always.
    pub fn calendar(&self) -> Option<CalendarId> {
        self.calendar
    }

    /// Operators its steps need, unless a step says otherwise.
    pub fn operators(&self) -> Option<Operators> {
        self.operators
    }

    /// Electric power per server in each state, in milliwatts.
    pub fn power_mw(&self) -> Option<&[u64; StationState::COUNT]> {
        self.power_mw.as_ref()
    }
}

impl Failures {
    /// Time between failures, counted on [`Failures::basis`].
    pub fn mtbf(&self) -> &Dist {
        &self.mtbf
    }

    /// Repair time, once a crew member has started.
    pub fn mttr(&self) -> &Dist {
        &self.mttr
    }

    /// The crew that repairs; `None`: a repairer is always available.
    pub fn crew(&self) -> Option<CrewId> {
        self.crew
    }

    pub fn basis(&self) -> FailureBasis {
        self.basis
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FailureBasis {
    /// Time to failure runs on the calendar, busy or not.
    Calendar,
    /// Time to failure runs only while the server is processing (busy).
    Busy,
}

/// A named group of people working in parallel, on a calendar or always:
/// a `[[crew]]` of repairers, a `[[pool]]` of operators.
#[derive(Clone, Debug)]
pub struct Team {
    pub(crate) name: String,
    pub(crate) size: u32,
    /// When the team works; `None`: always.
    pub(crate) calendar: Option<CalendarId>,
}

/// Repairers shared by stations (the machine-repairman model).
pub type Crew = Team;
/// Operators that stations' steps need.
pub type Pool = Team;

impl Team {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// People working in parallel: repairers, or operators.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// When the team works; `None`: always.
    pub fn calendar(&self) -> Option<CalendarId> {
        self.calendar
    }
}

#[derive(Clone, Debug)]
pub struct Product {
    pub(crate) name: String,
    pub(crate) release: Release,
    pub(crate) route: Vec<RouteStep>,
}

impl Product {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn release(&self) -> &Release {
        &self.release
    }

    /// The stations a job visits, in order.
    pub fn route(&self) -> &[RouteStep] {
        &self.route
    }
}

#[derive(Clone, Debug)]
pub struct RouteStep {
    pub(crate) station: StationId,
    /// Overrides the station's process time for this step.
    pub(crate) process: Option<Dist>,
    /// The station calls an AGV to bring a parts kit from the warehouse before
    /// this step may start (`parts = "kit"`).
    pub(crate) kit: bool,
    /// Sub-assemblies (pull products) this step waits for and consumes, one
    /// unit per entry (a name may repeat).
    pub(crate) assemble: Vec<ProductId>,
    /// Overrides the station's operators for this step.
    pub(crate) operators: Option<Operators>,
}

impl RouteStep {
    pub fn station(&self) -> StationId {
        self.station
    }

    /// Overrides the station's process time for this step.
    pub fn process(&self) -> Option<&Dist> {
        self.process.as_ref()
    }

    /// Whether an AGV brings a parts kit before the step may start.
    pub fn kit(&self) -> bool {
        self.kit
    }

    /// Sub-assemblies this step waits for and consumes, one unit per entry.
    pub fn assemble(&self) -> &[ProductId] {
        &self.assemble
    }

    /// Overrides the station's operators for this step.
    pub fn operators(&self) -> Option<Operators> {
        self.operators
    }
}

#[derive(Clone, Debug)]
pub enum Release {
    /// Time between releases into the plant.
    Every(Dist),
    /// A sub-assembly made on demand: one is released for every unit that a
    /// released job of another product will consume (`release = "pull"`).
    Pull,
    /// CONWIP: this many jobs of the product are in the plant at all times,
    /// released at time 0 and one more each time one leaves
    /// (`release = "conwip(N)"`).
    Conwip(u32),
}

impl Release {
    pub fn interarrival(&self) -> Option<&Dist> {
        match self {
            Release::Every(d) => Some(d),
            Release::Pull | Release::Conwip(_) => None,
        }
    }

    /// Whether the product is an end product (not a sub-assembly): its
    /// jobs count in the plant's throughput, lead time and WIP.
    pub fn is_end_product(&self) -> bool {
        match self {
            Release::Every(_) | Release::Conwip(_) => true,
            Release::Pull => false,
        }
    }

    /// The CONWIP level, for a product released by CONWIP.
    pub fn conwip(&self) -> Option<u32> {
        match self {
            Release::Conwip(level) => Some(*level),
            Release::Every(_) | Release::Pull => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Fleet {
    pub(crate) agvs: u32,
    /// Metres per second.
    pub(crate) speed: f64,
    /// Metres per second with cargo on board.
    pub(crate) speed_loaded: f64,
    pub(crate) load: Dist,
    pub(crate) unload: Dist,
    /// Where the AGVs start.
    pub(crate) home: PointId,
    /// Where parts kits and released jobs are picked up.
    pub(crate) warehouse: PointId,
    pub(crate) dispatch: Dispatch,
    pub(crate) battery: Option<Battery>,
    /// One AGV per aisle segment; each segment is requested before entry.
    pub(crate) zone_control: bool,
    /// When the AGVs work; `None`: always.
    pub(crate) calendar: Option<CalendarId>,
    /// Electric power per AGV in each state, in milliwatts; `None`: not
    /// metered.
    pub(crate) power_mw: Option<[u64; AgvState::COUNT]>,
    /// What the fleet manager does about deadlocks under zone control.
    pub(crate) deadlock: Deadlock,
    /// Points where idle AGVs park, one AGV each (none: they stay where
    /// they finished).
    pub(crate) parking: Vec<PointId>,
    /// Under zone control with `deadlock = "avoid"`: whether the fleet
    /// manager reserves paths ahead. Set by validation: only when the
    /// layout has crossings or [`Model::zone_deadlock_cycle`] finds a cycle;
    /// otherwise plain zone control, granting zones in the order asked,
    /// cannot deadlock, and is used (it is what `"detect"` does).
    pub(crate) reserve_paths: bool,
}

impl Fleet {
    pub fn agvs(&self) -> u32 {
        self.agvs
    }

    /// Metres per second.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// Metres per second with cargo on board.
    pub fn speed_loaded(&self) -> f64 {
        self.speed_loaded
    }

    /// Metres per second, loaded or not.
    #[inline]
    pub fn speed_when(&self, loaded: bool) -> f64 {
        if loaded {
            self.speed_loaded
        } else {
            self.speed
        }
    }

    pub fn load(&self) -> &Dist {
        &self.load
    }

    pub fn unload(&self) -> &Dist {
        &self.unload
    }

    /// Where the AGVs start.
    pub fn home(&self) -> PointId {
        self.home
    }

    /// Where parts kits and released jobs are picked up.
    pub fn warehouse(&self) -> PointId {
        self.warehouse
    }

    pub fn dispatch(&self) -> Dispatch {
        self.dispatch
    }

    pub fn battery(&self) -> Option<&Battery> {
        self.battery.as_ref()
    }

    /// One AGV per aisle segment; each segment is requested before entry.
    pub fn zone_control(&self) -> bool {
        self.zone_control
    }

    /// When the AGVs work; `None`: always.
    pub fn calendar(&self) -> Option<CalendarId> {
        self.calendar
    }

    /// Electric power per AGV in each state, in milliwatts.
    pub fn power_mw(&self) -> Option<&[u64; AgvState::COUNT]> {
        self.power_mw.as_ref()
    }

    /// What the fleet manager does about deadlocks under zone control.
    pub fn deadlock(&self) -> Deadlock {
        self.deadlock
    }

    /// Points where idle AGVs park, one AGV each.
    pub fn parking(&self) -> &[PointId] {
        &self.parking
    }
}

/// What the fleet manager does about deadlocks under zone control.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Deadlock {
    /// Reserves each leg's zones and crossings ahead, in one order of AGVs
    /// for all of them, so that no deadlock can form (`fleet/reserve.rs`);
    /// on layouts where plain zone control cannot deadlock, grants zones
    /// as [`Deadlock::Detect`] does.
    Avoid,
    /// Grants zones one at a time in the order asked; a deadlock ends the
    /// run with an error naming the AGVs.
    Detect,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Dispatch {
    /// A request goes to the nearest idle AGV; a freed AGV takes the nearest
    /// waiting request.
    Nearest,
    /// A request goes to the AGV idle the longest; a freed AGV takes the
    /// oldest waiting request.
    Fifo,
}

#[derive(Clone, Debug)]
pub struct Battery {
    /// Driving and handling time on a full charge.
    pub(crate) runtime: SimTime,
    /// Time to charge from empty to full.
    pub(crate) recharge: SimTime,
    /// Charging points, one AGV each.
    pub(crate) chargers: Vec<PointId>,
    /// Charge fraction below which an AGV goes to charge after its task.
    pub(crate) threshold: f64,
}

impl Battery {
    /// Driving and handling time on a full charge.
    pub fn runtime(&self) -> SimTime {
        self.runtime
    }

    /// Time to charge from empty to full.
    pub fn recharge(&self) -> SimTime {
        self.recharge
    }

    /// Charging points, one AGV each.
    pub fn chargers(&self) -> &[PointId] {
        &self.chargers
    }

    /// Charge fraction below which an AGV goes to charge after its task.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
}

impl Model {
    /// The cycle of aisle segments along which the fleet can deadlock under
    /// plain zone control (`deadlock = "detect"`), if any: the shortest
    /// [`Layout::zone_cycle`] of the routes between the points the fleet
    /// stops at (home, warehouse, stations, chargers, parking), when it has
    /// no more segments than the fleet has AGVs. Each AGV of a deadlock
    /// holds a segment and waits for the next of its route, held by the
    /// next AGV: their segments are such a cycle, so without one there is
    /// no deadlock (circular wait is necessary, Coffman, Elphick &
    /// Shoshani 1971). `None` without zone control.
    pub(crate) fn zone_deadlock_cycle(&self) -> Option<Vec<SegmentId>> {
        let (fleet, layout) = (self.fleet.as_ref()?, self.layout.as_ref()?);
        if !fleet.zone_control || fleet.agvs < 2 {
            return None;
        }
        let mut stops = vec![fleet.home, fleet.warehouse];
        stops.extend(self.stations.iter().filter_map(|s| s.at));
        stops.extend(fleet.battery.iter().flat_map(|b| b.chargers.iter().copied()));
        stops.extend(fleet.parking.iter().copied());
        layout
            .zone_cycle(&stops)
            .filter(|cycle| cycle.len() <= fleet.agvs as usize)
    }

    /// The scenario's name (`[scenario] name`, else the file's stem).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Simulated time of each replication.
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    /// Statistics are cleared at this time.
    pub fn warmup(&self) -> SimTime {
        self.warmup
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn replications(&self) -> u32 {
        self.replications
    }

    pub fn stations(&self) -> &[Station] {
        &self.stations
    }

    pub fn crews(&self) -> &[Crew] {
        &self.crews
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// When stations, crews, pools and the fleet work.
    pub fn calendars(&self) -> &[Calendar] {
        &self.calendars
    }

    /// Operators that stations' steps need.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// The floor plan; `None`: no travel.
    pub fn layout(&self) -> Option<&Layout> {
        self.layout.as_ref()
    }

    /// The AGV fleet; `None`: jobs move between stations instantly.
    pub fn fleet(&self) -> Option<&Fleet> {
        self.fleet.as_ref()
    }

    /// The network; ideal when the scenario has no `[network]`.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Traffic between robots and the edge.
    pub fn flows(&self) -> &[Flow] {
        &self.flows
    }

    /// The operators a step needs: its own, else its station's.
    #[inline]
    pub fn step_operators(&self, step: &RouteStep) -> Option<Operators> {
        step.operators.or(self.stations[step.station].operators)
    }

    /// The process time of a step: its override, else its station's.
    #[inline]
    pub fn step_process<'a>(&'a self, step: &'a RouteStep) -> &'a Dist {
        step.process
            .as_ref()
            .unwrap_or(&self.stations[step.station].process)
    }

    /// Offered load per server at each station, from the mean release
    /// rates: processing (λ·E[S]/c) plus setups
    /// ([`Model::offered_setup_utilization`]). Used for the instability
    /// warning and by tests.
    pub fn offered_utilization(&self) -> Vec<f64> {
        let mut work = vec![0.0; self.stations.len()];
        let rates = self.release_rates_per_ns();
        for (p, rate) in self.products.iter().zip(rates) {
            for step in &p.route {
                work[step.station] += rate * self.step_process(step).mean_ns();
            }
        }
        work.iter()
            .zip(&self.stations)
            .map(|(w, s)| w / f64::from(s.servers))
            .zip(self.offered_setup_utilization())
            .map(|(processing, setup)| processing + setup)
            .collect()
    }

    /// The share of each station's server time its setups take, estimated
    /// from the mean release rates: a job needs a setup when its product
    /// differs from its server's previous job's, which for products
    /// arriving mixed at random happens with probability 1 − λ_p/Λ (λ_p
    /// the rate of product p's visits, Λ of all visits), so the setup
    /// work is E[setup] · Σ_p λ_p (1 − λ_p/Λ), over the servers. Exact for
    /// one first-come-first-served server and Poisson releases; 0 for a
    /// station without setups or with one product.
    pub fn offered_setup_utilization(&self) -> Vec<f64> {
        let rates = self.release_rates_per_ns();
        self.stations
            .iter()
            .enumerate()
            .map(|(s, station)| {
                let Some(setup) = &station.setup else {
                    return 0.0;
                };
                let visits: Vec<f64> = self
                    .products
                    .iter()
                    .zip(&rates)
                    .map(|(p, rate)| rate * p.route.iter().filter(|step| step.station == s).count() as f64)
                    .collect();
                let all: f64 = visits.iter().sum();
                if all <= 0.0 {
                    return 0.0;
                }
                let changes: f64 = visits.iter().map(|v| v * (1.0 - v / all)).sum();
                changes * setup.mean_ns() / f64::from(station.servers)
            })
            .collect()
    }

    /// Mean release rate of each product per nanosecond; a pull product's is
    /// the rate at which the others consume it.
    pub fn release_rates_per_ns(&self) -> Vec<f64> {
        let mut rates: Vec<f64> = self
            .products
            .iter()
            .map(|p| p.release.interarrival().map_or(0.0, |d| 1.0 / d.mean_ns()))
            .collect();
        // Pull products are consumed only by pushed ones (validation refuses
        // chains of pull products), so one pass suffices.
        for p in 0..self.products.len() {
            if let Release::Every(_) = self.products[p].release {
                for step in &self.products[p].route {
                    for &sub in &step.assemble {
                        rates[sub] += rates[p];
                    }
                }
            }
        }
        rates
    }

    /// Whether a product is a sub-assembly made on demand.
    pub fn is_pull(&self, p: ProductId) -> bool {
        matches!(self.products[p].release, Release::Pull)
    }

    /// The station where a pull product is consumed, if any.
    pub fn consumer_station(&self, sub: ProductId) -> Option<StationId> {
        self.products
            .iter()
            .flat_map(|p| &p.route)
            .find(|step| step.assemble.contains(&sub))
            .map(|step| step.station)
    }

    /// Robot arms: the servers of stations marked `robot = true`.
    pub fn arms(&self) -> u32 {
        self.stations.iter().filter(|s| s.robot).map(|s| s.servers).sum()
    }
}
