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

pub use dist::{Dist, DistError};

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
}

#[derive(Clone, Debug)]
pub struct Station {
    pub name: String,
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
    /// Time between releases into the plant.
    pub release: Dist,
    pub route: Vec<RouteStep>,
}

#[derive(Clone, Debug)]
pub struct RouteStep {
    pub station: StationId,
    /// Overrides the station's process time for this step.
    pub process: Option<Dist>,
}

impl Model {
    /// The process time of a step: its override, else its station's.
    pub fn step_process<'a>(&'a self, step: &'a RouteStep) -> &'a Dist {
        step.process
            .as_ref()
            .unwrap_or(&self.stations[step.station].process)
    }

    /// Offered load per server at each station (λ·E[S]/c), from the mean
    /// release rates. Used for the instability warning and by tests.
    pub fn offered_utilization(&self) -> Vec<f64> {
        let mut work = vec![0.0; self.stations.len()];
        for p in &self.products {
            let rate = 1.0 / p.release.mean_ns();
            for step in &p.route {
                work[step.station] += rate * self.step_process(step).mean_ns();
            }
        }
        work.iter()
            .zip(&self.stations)
            .map(|(w, s)| w / f64::from(s.servers))
            .collect()
    }
}
