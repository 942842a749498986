//! The validated, immutable description of a plant: what `scenario/` builds
//! from a file and what `factory/` simulates. Everything here has been checked
//! (names resolved to indices, values in range), so the simulator never has to
//! guard against bad input.
//!
//! Indices (`StationId`, `CrewId`, `ProductId`) are positions in the vectors of
//! [`Model`], in the order the file gives them.
//!
//! ```
//! let model = factory5g::scenario::load_builtin("mm3").unwrap().model;
//! assert_eq!(model.stations[0].servers, 3);
//! ```

mod dist;
mod layout;
mod network;

pub use dist::{Dist, DistError};
pub use layout::{Layout, Path, Point, PointId, Segment, SegmentId, MAX_POINTS};
pub use network::{BadState, Flow, FlowKind, FlowRobots, LinkModel, Network, NrNetwork, Trigger};

use crate::engine::SimTime;

pub type StationId = usize;
pub type CrewId = usize;
pub type ProductId = usize;

#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub horizon: SimTime,
    pub warmup: SimTime,
    pub seed: u64,
    pub replications: u32,
    pub stations: Vec<Station>,
    pub crews: Vec<Crew>,
    pub products: Vec<Product>,
    /// The floor plan; `None`: no travel.
    pub layout: Option<Layout>,
    /// The AGV fleet; `None`: jobs move between stations instantly.
    pub fleet: Option<Fleet>,
    /// The network; ideal when the scenario has no `[network]`.
    pub network: Network,
    /// Traffic between robots and the edge.
    pub flows: Vec<Flow>,
}

#[derive(Clone, Debug)]
pub struct Station {
    pub name: String,
    /// Where the station stands (needed with a fleet).
    pub at: Option<PointId>,
    /// Robot arms or machines working in parallel.
    pub servers: u32,
    /// Process time, unless a route step overrides it.
    pub process: Dist,
    /// Setup time when a server changes from one product to another.
    pub setup: Option<Dist>,
    /// Places for jobs waiting for a server; `None` is unlimited.
    pub input_buffer: Option<u32>,
    /// Places for finished jobs waiting to move on; 0 means blocking after
    /// service (the job keeps its server).
    pub output_buffer: u32,
    /// Whether the servers count as robots in the report.
    pub robot: bool,
    pub failures: Option<Failures>,
}

#[derive(Clone, Debug)]
pub struct Failures {
    /// Time between failures, counted on `basis`.
    pub mtbf: Dist,
    /// Repair time, once a crew member has started.
    pub mttr: Dist,
    /// The crew that repairs; `None`: a repairer is always available.
    pub crew: Option<CrewId>,
    pub basis: FailureBasis,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum FailureBasis {
    /// Time to failure runs on the calendar, busy or not.
    Calendar,
    /// Time to failure runs only while the server is processing (busy).
    Busy,
}

#[derive(Clone, Debug)]
pub struct Crew {
    pub name: String,
    pub size: u32,
}

#[derive(Clone, Debug)]
pub struct Product {
    pub name: String,
    pub release: Release,
    pub route: Vec<RouteStep>,
}

#[derive(Clone, Debug)]
pub struct RouteStep {
    pub station: StationId,
    /// Overrides the station's process time for this step.
    pub process: Option<Dist>,
    /// The station calls an AGV to bring a parts kit from the warehouse before
    /// this step may start (`parts = "kit"`).
    pub kit: bool,
    /// Sub-assemblies (pull products) this step waits for and consumes, one
    /// unit per entry (a name may repeat).
    pub assemble: Vec<ProductId>,
}

#[derive(Clone, Debug)]
pub enum Release {
    /// Time between releases into the plant.
    Every(Dist),
    /// A sub-assembly made on demand: one is released for every unit that a
    /// released job of another product will consume (`release = "pull"`).
    Pull,
}

impl Release {
    pub fn interarrival(&self) -> Option<&Dist> {
        match self {
            Release::Every(d) => Some(d),
            Release::Pull => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Fleet {
    pub agvs: u32,
    /// Metres per second.
    pub speed: f64,
    pub load: Dist,
    pub unload: Dist,
    /// Where the AGVs start.
    pub home: PointId,
    /// Where parts kits and released jobs are picked up.
    pub warehouse: PointId,
    pub dispatch: Dispatch,
    pub battery: Option<Battery>,
    /// One AGV per aisle segment; each segment is requested before entry.
    pub zone_control: bool,
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
    pub runtime: SimTime,
    /// Time to charge from empty to full.
    pub recharge: SimTime,
    /// Charging points, one AGV each.
    pub chargers: Vec<PointId>,
    /// Charge fraction below which an AGV goes to charge after its task.
    pub threshold: f64,
}

impl Model {
    /// The process time of a step: its override, else its station's.
    #[inline]
    pub fn step_process<'a>(&'a self, step: &'a RouteStep) -> &'a Dist {
        step.process
            .as_ref()
            .unwrap_or(&self.stations[step.station].process)
    }

    /// Offered load per server at each station (λ·E[S]/c), from the mean
    /// release rates. Used for the instability warning and by tests.
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
