//! The core network (UPF) and the edge server's processing: the `core`
//! component of a packet's latency.
//!
//! A [`CoreDelay`] is built from the scenario's distributions (`core` and
//! `edge_processing`, [`Dist`]s) or from any sampling closure, and draws one
//! delay per packet, the sum of its parts.
//!
//! ```
//! use factory5g::engine::{RngStreams, SimTime};
//! use factory5g::model::Dist;
//! use factory5g::net::CoreDelay;
//! let core = CoreDelay::from_dists(
//!     Some(Dist::constant(SimTime::parse_duration("200us").unwrap())),
//!     Some(Dist::uniform(SimTime::ZERO, SimTime::parse_duration("100us").unwrap()).unwrap()),
//! );
//! let mut rng = RngStreams::new(1, 0).stream("core");
//! let d = core.sample(&mut rng);
//! assert!(d >= SimTime::from_nanos(200_000) && d <= SimTime::from_nanos(300_000));
//! assert!((core.mean_ms().unwrap() - 0.25).abs() < 1e-12);
//! ```

use crate::engine::{SimTime, StreamRng};
use crate::model::Dist;
use std::fmt;
use std::sync::Arc;

type Sampler = Arc<dyn Fn(&mut StreamRng) -> SimTime + Send + Sync>;

/// A per-packet delay of the core network and edge.
#[derive(Clone, Default)]
pub struct CoreDelay {
    parts: Vec<Part>,
}

#[derive(Clone)]
enum Part {
    Dist(Dist),
    Fn(Sampler),
}

impl fmt::Debug for CoreDelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| match p {
                Part::Dist(d) => format!("{d:?}"),
                Part::Fn(_) => "closure".to_string(),
            })
            .collect();
        f.debug_struct("CoreDelay").field("parts", &parts).finish()
    }
}

impl CoreDelay {
    /// No delay (the ideal core).
    pub fn none() -> CoreDelay {
        CoreDelay::default()
    }

    /// Always `d`.
    pub fn constant(d: SimTime) -> CoreDelay {
        CoreDelay::from_dists(Some(Dist::constant(d)), None)
    }

    /// The core's distribution plus the edge's processing, either optional.
    pub fn from_dists(core: Option<Dist>, edge: Option<Dist>) -> CoreDelay {
        CoreDelay {
            parts: core.into_iter().chain(edge).map(Part::Dist).collect(),
        }
    }

    /// Any sampler, e.g. a measured trace.
    pub fn from_fn(f: impl Fn(&mut StreamRng) -> SimTime + Send + Sync + 'static) -> CoreDelay {
        CoreDelay {
            parts: vec![Part::Fn(Arc::new(f))],
        }
    }

    /// Adds a part (e.g. an edge closure after the core's distribution).
    pub fn then(mut self, other: CoreDelay) -> CoreDelay {
        self.parts.extend(other.parts);
        self
    }

    /// One packet's delay: the sum of one draw of each part.
    pub fn sample(&self, rng: &mut StreamRng) -> SimTime {
        self.parts.iter().fold(SimTime::ZERO, |acc, p| {
            acc + match p {
                Part::Dist(d) => d.sample(rng),
                Part::Fn(f) => f(rng),
            }
        })
    }

    /// The mean in ms when every part is a distribution (closures have no
    /// known mean).
    pub fn mean_ms(&self) -> Option<f64> {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Dist(d) => Some(d.mean_ns() * 1e-6),
                Part::Fn(_) => None,
            })
            .sum()
    }

    pub fn is_none(&self) -> bool {
        self.parts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    #[test]
    fn closures_and_dists_add() {
        let c =
            CoreDelay::constant(SimTime::from_nanos(10)).then(CoreDelay::from_fn(|_| SimTime::from_nanos(5)));
        let mut rng = RngStreams::new(1, 0).stream("c");
        assert_eq!(c.sample(&mut rng), SimTime::from_nanos(15));
        assert_eq!(c.mean_ms(), None);
        assert_eq!(CoreDelay::none().sample(&mut rng), SimTime::ZERO);
        assert_eq!(CoreDelay::none().mean_ms(), Some(0.0));
    }
}
