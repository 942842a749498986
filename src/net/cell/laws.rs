//! The queue laws a cell's robot packets draw their waits from: one per
//! priority level, the background at that level (under `fifo`) and above
//! it, with the buffer of the configuration's discard timer
//! ([`Nr::discard_buffer`]).

use super::super::config::Scheduler;
use super::super::nr::Nr;
use super::super::stationary::{LawError, QueueLaw};
use super::super::traffic::{BackgroundFlow, LOWEST_PRIORITY};
use super::super::Direction;

/// The queue laws of a direction's background, one per robot priority level
/// (index level − 1), `None` where no robot packet of that level is expected.
pub type LevelLaws = [Option<Result<QueueLaw, LawError>>; LOWEST_PRIORITY as usize];

/// The laws a robot packet of each level in `levels` meets in a cell with
/// these background flows (Poisson and video; fluid flows are left out).
///
/// Under `fifo` a robot packet waits behind its own level's backlog and
/// earlier arrivals, and behind every higher level. Under `round_robin`
/// and `pf` its own level does not delay it: round robin gives every UE
/// with data at least ⌊273 / UEs⌋ blocks of each opportunity, and pf
/// serves first the UE with the lowest average, which a sparse robot is;
/// so the law keeps only the higher levels. That is exact while a robot
/// packet fits in its share of one opportunity (a few hundred bytes beside
/// a few dozen UEs); a larger one would take a few opportunities more.
pub fn level_laws(nr: &Nr, dir: Direction, flows: &[BackgroundFlow], levels: &[u8]) -> LevelLaws {
    let cap = u64::from(nr.n_prb());
    let own_level_delays = match nr.config().scheduler {
        Scheduler::Fifo => true,
        Scheduler::RoundRobin | Scheduler::ProportionalFair => false,
    };
    let mut out: LevelLaws = Default::default();
    for &level in levels {
        let i = usize::from(level.clamp(1, LOWEST_PRIORITY) - 1);
        if out[i].is_some() {
            continue;
        }
        let of = |keep: &dyn Fn(u8) -> bool| {
            flows
                .iter()
                .filter(|f| keep(f.priority))
                .filter_map(|f| f.batches(nr, dir))
                .collect::<Vec<_>>()
        };
        let equal = of(&|p| p == level && own_level_delays);
        let higher = of(&|p| p < level);
        out[i] = Some(QueueLaw::with_buffer(cap, equal, higher, nr.discard_buffer(dir)));
    }
    out
}
