//! Worker pools in one replication: a part that owns the operators of each
//! `[[pool]]`, hands them to servers first come first served, and measures
//! how busy they are.
//!
//! A server whose step needs operators asks for them (`seize`) before its
//! setup; it gets them at once when the pool is on shift, has enough free
//! and no one is waiting before it, else it joins the pool's queue and
//! waits (`no_operator`). The queue is one per pool, across stations, and
//! strictly first come first served: a server that needs two operators at
//! its head holds back one behind it that needs one. Operators go back to
//! the pool when the processing ends (`release`), and the servers they can
//! serve, from the head of the queue, are told with
//! [`Effect::OperatorsGranted`].
//!
//! Off shift a pool grants nothing; the plant pauses the servers that hold
//! its operators until the next shift (their work resumes then, before the
//! queue is served). Utilization is operator time held over operator time
//! on shift: `held · time / (size · on-shift time)`.
//!
//! ```text
//! weld/0 seize(fitters, 2) ─▶ granted          (free 3 → 1)
//! paint/1 seize(fitters, 2) ─▶ queued           (no_operator)
//! weld/0 release(fitters, 2) ─▶ [OperatorsGranted(paint, 1)]
//! ```

use super::event::Effect;
use crate::engine::SimTime;
use crate::model::{Model, Operators, PoolId, StationId};
use std::collections::VecDeque;

/// A server waiting for operators, and how many it needs.
#[derive(Copy, Clone, Debug)]
struct Waiting {
    station: StationId,
    server: u32,
    count: u32,
}

struct PoolRt {
    size: u32,
    free: u32,
    on: bool,
    waiting: VecDeque<Waiting>,
    /// Operator-nanoseconds held while on shift, and nanoseconds on shift,
    /// since the last reset.
    held_ns: u128,
    on_ns: u64,
    /// When `held_ns` and `on_ns` were last brought up to date.
    since: SimTime,
}

impl PoolRt {
    /// Brings the time integrals up to `now`.
    fn account(&mut self, now: SimTime) {
        if self.on {
            let spent = (now - self.since).as_nanos();
            self.held_ns += u128::from(self.size - self.free) * u128::from(spent);
            self.on_ns += spent;
        }
        self.since = now;
    }
}

/// What a pool reports of one replication.
#[derive(Clone, Debug, Default)]
pub struct PoolOutput {
    /// Operator-nanoseconds held while on shift, after the warm-up.
    pub held_ns: u128,
    /// Nanoseconds on shift after the warm-up.
    pub on_shift_ns: u64,
    pub size: u32,
}

impl PoolOutput {
    /// Operator time held over operator time on shift (0 when never on
    /// shift).
    pub fn utilization(&self) -> f64 {
        let available = u128::from(self.size) * u128::from(self.on_shift_ns);
        if available == 0 {
            0.0
        } else {
            self.held_ns as f64 / available as f64
        }
    }
}

pub(super) struct PoolsRt {
    pools: Vec<PoolRt>,
}

impl PoolsRt {
    /// Every pool full; `on` tells whether each pool's calendar is on shift
    /// at time 0.
    pub fn new(model: &Model, on: impl Fn(PoolId) -> bool) -> PoolsRt {
        PoolsRt {
            pools: model
                .pools
                .iter()
                .enumerate()
                .map(|(pool, spec)| PoolRt {
                    size: spec.size,
                    free: spec.size,
                    on: on(pool),
                    waiting: VecDeque::new(),
                    held_ns: 0,
                    on_ns: 0,
                    since: SimTime::ZERO,
                })
                .collect(),
        }
    }

    /// `server` of `station` asks for `needs`: returns whether it has
    /// them now; if not, it waits in the pool's queue.
    pub fn seize(&mut self, needs: Operators, station: StationId, server: u32, now: SimTime) -> bool {
        let pool = &mut self.pools[needs.pool];
        if pool.on && pool.waiting.is_empty() && pool.free >= needs.count {
            pool.account(now);
            pool.free -= needs.count;
            return true;
        }
        pool.waiting.push_back(Waiting {
            station,
            server,
            count: needs.count,
        });
        false
    }

    /// A server gives its operators back; the servers at the head of the
    /// queue that they serve get theirs.
    pub fn release(&mut self, held: Operators, now: SimTime, out: &mut Vec<Effect>) {
        let pool = &mut self.pools[held.pool];
        pool.account(now);
        pool.free += held.count;
        Self::grant(pool, now, out);
    }

    /// The pool's calendar starts or ends a shift.
    pub fn set_on(&mut self, pool: PoolId, on: bool, now: SimTime, out: &mut Vec<Effect>) {
        let pool = &mut self.pools[pool];
        pool.account(now);
        pool.on = on;
        if on {
            Self::grant(pool, now, out);
        }
    }

    /// Serves the queue from its head while the pool is on shift and has
    /// enough free operators.
    fn grant(pool: &mut PoolRt, now: SimTime, out: &mut Vec<Effect>) {
        while pool.on {
            match pool.waiting.front().copied() {
                Some(head) if head.count <= pool.free => {
                    pool.account(now);
                    pool.free -= head.count;
                    out.push(Effect::OperatorsGranted {
                        station: head.station,
                        server: head.server,
                    });
                    pool.waiting.pop_front();
                }
                _ => return,
            }
        }
    }

    /// Forgets the time before `now` (the warm-up).
    pub fn clear_statistics(&mut self, now: SimTime) {
        for pool in &mut self.pools {
            pool.account(now);
            pool.held_ns = 0;
            pool.on_ns = 0;
        }
    }

    pub fn output(&mut self, now: SimTime) -> Vec<PoolOutput> {
        self.pools
            .iter_mut()
            .map(|pool| {
                pool.account(now);
                PoolOutput {
                    held_ns: pool.held_ns,
                    on_shift_ns: pool.on_ns,
                    size: pool.size,
                }
            })
            .collect()
    }
}
