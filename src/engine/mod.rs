//! The discrete-event kernel and nothing else: simulated time, the future
//! event set, random streams, and numbered slots for things that come and go. It knows nothing of factories or radios, does
//! no I/O and never reads the wall clock.
//!
//! A model owns an [`EventQueue`] of its own event enum (small and `Copy`:
//! the queue keeps events inline and moves them while it sorts) and loops:
//!
//! ```
//! use factory5g::engine::{EventQueue, SimTime};
//! #[derive(Clone, Copy)]
//! enum Ev { Arrive, Leave }
//! let mut q = EventQueue::new();
//! q.schedule(SimTime::from_secs(1), Ev::Arrive);
//! let horizon = SimTime::from_secs(10);
//! let mut served = 0;
//! while let Some((t, ev)) = q.pop() {
//!     if t > horizon { break; }
//!     match ev {
//!         Ev::Arrive => { q.schedule_in(SimTime::from_secs(2), Ev::Leave); }
//!         Ev::Leave => served += 1,
//!     }
//! }
//! assert_eq!(served, 1);
//! ```

mod queue;
mod rng;
mod slab;
mod time;

pub use queue::{EventId, EventQueue};
pub use rng::{stable_hash, RngStreams, StreamPurpose, StreamRng};
pub use slab::Slab;
pub use time::{DurationError, SimTime, DURATION_UNITS, MAX_DURATION};
