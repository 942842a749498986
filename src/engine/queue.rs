//! The future event set: events ordered by time, then by insertion sequence.
//!
//! Ties are first-in first-out, as in nexosim and SimPy: two events scheduled
//! for the same nanosecond run in the order they were scheduled, whichever
//! way they were scheduled.
//!
//! Two sets share one sequence counter:
//! - [`EventQueue::schedule`] puts the event in the plain set: a binary
//!   min-heap of (time, seq, event) entries, events inline (hence `E: Copy`),
//!   no hashing, no slab; while it holds at most eight events it is an
//!   unsorted array searched without branches instead (see `PlainHeap`).
//!   Most events (a release, the end of a job that nothing can interrupt, a
//!   message's delivery) are never cancelled and take this path.
//! - [`EventQueue::schedule_cancellable`] returns an [`EventId`] with which the
//!   event can be cancelled before it fires (a breakdown cancels the end of
//!   the job it interrupts). These live in the `priority-queue` crate's
//!   indexed heap (the event id as the item, `Reverse((time, seq))` as the
//!   priority) with payloads in a slab, so that cancellation is a removal by
//!   key and nothing cancelled lingers in memory.
//!
//! [`EventQueue::pop`] takes the earlier of the two heads by (time, seq).
//! The split costs one comparison per pop; the plain heap is 2 to 3 times
//! faster than the indexed one (see `benches/engine.rs` and the README).
//! Everything else in the simulator sees only this type, so the data
//! structure can change without touching a model.
//!
//! ```
//! use factory5g::engine::{EventQueue, SimTime};
//! let mut q = EventQueue::new();
//! q.schedule(SimTime::from_secs(2), "b");
//! let a = q.schedule_cancellable(SimTime::from_secs(1), "a");
//! q.schedule_cancellable(SimTime::from_secs(2), "c");
//! q.cancel(a);
//! assert_eq!(q.pop(), Some((SimTime::from_secs(2), "b")));
//! assert_eq!(q.pop(), Some((SimTime::from_secs(2), "c")));
//! assert_eq!(q.pop(), None);
//! ```

use super::{SimTime, Slab};
use priority_queue::PriorityQueue;
use std::cmp::Reverse;
use std::hash::BuildHasherDefault;

/// Handle of a cancellable event, valid until the event fires or is cancelled.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct EventId {
    seq: u64,
    slot: u32,
}

type Hasher = BuildHasherDefault<rustc_hash::FxHasher>;

/// An event of the plain set: its place in the order and its payload,
/// inline. (Payloads in a slab with keys pointing to them cost a slot
/// lookup at each end and 3% more instructions per M/M/3 job; an event of
/// the plant is 16 bytes, so the entry is 32.)
#[derive(Copy, Clone, Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// Time and sequence as one number, so that comparing two entries is one
    /// wide comparison without a branch between its halves.
    #[inline]
    fn order(&self) -> u128 {
        (u128::from(self.time.as_nanos()) << 64) | u128::from(self.seq)
    }
    #[inline]
    fn before(&self, other: &Entry<E>) -> bool {
        self.order() < other.order()
    }
}

/// The size up to which the plain heap picks children without a branch
/// (65,536 entries: 2 MiB, about what the caches hold).
const BRANCHLESS_BELOW: usize = 1 << 16;

/// Up to this many pending events the plain set is an unsorted array
/// searched for its earliest entry; above, a binary heap.
const SCAN_UP_TO: usize = 8;

/// The plain events: a binary min-heap of entries while there are more than
/// [`SCAN_UP_TO`], an unsorted array below.
///
/// With a handful of pending events (an M/M/c queue has c + 1) a heap's
/// sift decisions are coin flips the branch predictor loses; a branchless
/// scan of a few entries is cheaper. A heap is also a valid unsorted array,
/// so shrinking into scan mode costs nothing; growing out of it heapifies
/// at most [`SCAN_UP_TO`] + 1 entries.
struct PlainHeap<E> {
    keys: Vec<Entry<E>>,
}

impl<E: Copy> PlainHeap<E> {
    fn new() -> Self {
        PlainHeap { keys: Vec::new() }
    }

    /// The earliest entry and its index.
    #[inline]
    fn peek(&self) -> Option<(usize, &Entry<E>)> {
        let i = if self.keys.len() > SCAN_UP_TO {
            0
        } else {
            self.earliest()
        };
        self.keys.get(i).map(|e| (i, e))
    }

    /// Index of the earliest entry in scan mode (0 when empty).
    #[inline(always)]
    fn earliest(&self) -> usize {
        let mut best = 0;
        for i in 1..self.keys.len() {
            best = if self.keys[i].before(&self.keys[best]) {
                i
            } else {
                best
            };
        }
        best
    }

    #[inline(always)]
    fn push(&mut self, time: SimTime, seq: u64, event: E) {
        let key = Entry { time, seq, event };
        let mut i = self.keys.len();
        self.keys.push(key);
        if i < SCAN_UP_TO {
            return;
        }
        if i == SCAN_UP_TO {
            self.heapify();
            return;
        }
        // Sift up with a hole: parents move down, the key is written once.
        while i > 0 {
            let parent = (i - 1) / 2;
            if !key.before(&self.keys[parent]) {
                break;
            }
            self.keys[i] = self.keys[parent];
            i = parent;
        }
        self.keys[i] = key;
    }

    #[cold]
    fn heapify(&mut self) {
        for i in (0..self.keys.len() / 2).rev() {
            let entry = self.keys[i];
            self.sift_down(i, entry, self.keys.len());
        }
    }

    /// Puts `entry` at `i` or below, in a heap of the first `n` keys.
    #[inline(always)]
    fn sift_down(&mut self, mut i: usize, entry: Entry<E>, n: usize) {
        // Which child is earlier is random. In a heap that fits in cache
        // it is picked without a branch (a branch on it mispredicts half
        // the time); in a larger one a branch is better: the speculated
        // side's loads start before the comparison is known, and memory
        // latency dominates there. Measured in the hold bench: 17% faster
        // at 100 and 10,000 pending, twice as slow at 1,000,000 without
        // the switch.
        let branchless = n <= BRANCHLESS_BELOW;
        loop {
            let left = 2 * i + 1;
            if left >= n {
                break;
            }
            // With no right child, `left` is compared with itself.
            let right = (left + 1).min(n - 1);
            let child = if branchless {
                left + usize::from(self.keys[right].before(&self.keys[left]))
            } else if self.keys[right].before(&self.keys[left]) {
                right
            } else {
                left
            };
            if !self.keys[child].before(&entry) {
                break;
            }
            self.keys[i] = self.keys[child];
            i = child;
        }
        self.keys[i] = entry;
    }

    /// Removes the entry at `i`, which [`Self::peek`] returned.
    #[inline]
    fn take(&mut self, i: usize) -> (SimTime, E) {
        let n = self.keys.len();
        if n <= SCAN_UP_TO {
            let top = self.keys.swap_remove(i);
            return (top.time, top.event);
        }
        debug_assert_eq!(i, 0, "in heap mode the earliest entry is the root");
        let last = self.keys.pop().expect("more than SCAN_UP_TO keys");
        let top = self.keys[0];
        // Sift the last key down from the root, with a hole.
        self.sift_down(0, last, n - 1);
        (top.time, top.event)
    }

    fn len(&self) -> usize {
        self.keys.len()
    }
}

/// Pending events of type `E`, popped in (time, insertion) order.
pub struct EventQueue<E> {
    plain: PlainHeap<E>,
    heap: PriorityQueue<EventId, Reverse<(SimTime, u64)>, Hasher>,
    /// The payloads of cancellable events.
    payloads: Slab<E>,
    next_seq: u64,
    now: SimTime,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            plain: PlainHeap::new(),
            heap: PriorityQueue::with_default_hasher(),
            payloads: Slab::new(),
            next_seq: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the last event popped (zero before the first).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    #[inline]
    pub fn len(&self) -> usize {
        self.plain.len() + self.heap.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.plain.len() == 0 && self.heap.is_empty()
    }

    /// A time before `now()` would make simulated time go back; it is a bug
    /// in the caller and is moved to `now()`.
    #[inline]
    fn stamp(&mut self, time: SimTime) -> (SimTime, u64) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let seq = self.next_seq;
        self.next_seq += 1;
        (time.max(self.now), seq)
    }

    /// Schedules `event` at `time`; it cannot be cancelled.
    // Inlined into the caller so that the event is written straight into its
    // slot, field by field: copied through the stack as a whole, a freshly
    // built enum stalls the load on store forwarding.
    #[inline(always)]
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let (time, seq) = self.stamp(time);
        self.plain.push(time, seq, event);
    }

    /// Schedules `event` after `delay` from now; it cannot be cancelled.
    #[inline(always)]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule(self.now + delay, event)
    }

    /// Schedules `event` at `time` and returns the id that [`cancel`](Self::cancel) takes.
    pub fn schedule_cancellable(&mut self, time: SimTime, event: E) -> EventId {
        let (time, seq) = self.stamp(time);
        let slot = self.payloads.insert(event);
        let id = EventId { seq, slot };
        self.heap.push(id, Reverse((time, seq)));
        id
    }

    /// Removes a pending cancellable event; returns it, or `None` if it
    /// already fired or was cancelled.
    pub fn cancel(&mut self, id: EventId) -> Option<E> {
        self.heap.remove(&id)?;
        Some(self.payloads.remove(id.slot))
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        let plain = self.plain.peek().map(|(_, k)| k.time);
        let cancellable = self.heap.peek().map(|(_, Reverse((t, _)))| *t);
        match (plain, cancellable) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Removes the next event and advances `now()` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::from_nanos(u64::MAX))
    }

    /// Removes the next event if it is due at or before `until` (and
    /// advances `now()` to its time); leaves it pending otherwise. One look at
    /// the heads instead of a [`peek_time`](Self::peek_time) and a
    /// [`pop`](Self::pop): this is the run loop's call.
    #[inline]
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        // The plain set's earliest entry, if it is the next event.
        let (plain_next, head) = match (self.plain.peek(), self.heap.peek()) {
            (Some((i, k)), Some((_, Reverse(key)))) => {
                if (k.time, k.seq) < *key {
                    (Some(i), k.time)
                } else {
                    (None, key.0)
                }
            }
            (Some((i, k)), None) => (Some(i), k.time),
            (None, Some((_, Reverse((t, _))))) => (None, *t),
            (None, None) => return None,
        };
        if head > until {
            return None;
        }
        if let Some(i) = plain_next {
            let (time, event) = self.plain.take(i);
            self.now = time;
            return Some((time, event));
        }
        let (id, Reverse((time, _))) = self.heap.pop()?;
        self.now = time;
        Some((time, self.payloads.remove(id.slot)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for the tests' schedules.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn large_heaps_keep_the_order_on_both_sift_paths() {
        // Above BRANCHLESS_BELOW the children are picked with a branch;
        // fill past it, drain below it, and check the order throughout.
        let mut q = EventQueue::new();
        let mut rnd = xorshift(0x9e37_79b9_7f4a_7c15);
        let n = 3 * BRANCHLESS_BELOW as u64;
        for i in 0..n {
            q.schedule(SimTime::from_nanos(rnd() % 1000), i);
        }
        let mut last = (SimTime::ZERO, 0u64);
        let mut popped = 0;
        while let Some((t, i)) = q.pop() {
            // Time never goes back; equal times come in insertion order.
            let in_order = t > last.0 || (t == last.0 && (i > last.1 || popped == 0));
            assert!(in_order, "{:?} after {:?}", (t, i), last);
            last = (t, i);
            popped += 1;
        }
        assert_eq!(popped, n);
    }

    #[test]
    fn order_holds_across_scan_and_heap_modes() {
        // The plain set's size walks up and down across SCAN_UP_TO, with
        // many ties; every pop must be the (time, seq) minimum.
        let mut rnd = xorshift(0x2545_f491_4f6c_dd1d);
        let mut q = EventQueue::new();
        let mut reference: Vec<(SimTime, u64)> = Vec::new();
        let mut seq = 0u64;
        for round in 0..20_000u64 {
            // Phases of growth and shrinkage around the switch size.
            let target = if (round / 50) % 2 == 0 { 3 * SCAN_UP_TO } else { 1 };
            let grow = reference.len() < target && rnd() % 4 != 0;
            if grow || reference.is_empty() {
                let t = q.now() + SimTime::from_nanos(rnd() % 4);
                q.schedule(t, seq);
                reference.push((t, seq));
                seq += 1;
            } else {
                reference.sort();
                assert_eq!(q.pop(), Some(reference.remove(0)));
            }
            assert_eq!(q.len(), reference.len());
            let next = reference.iter().min().map(|r| r.0);
            assert_eq!(q.peek_time(), next);
        }
    }

    #[test]
    fn ties_are_fifo_and_time_never_goes_back() {
        let mut q = EventQueue::new();
        for i in 0..100u64 {
            let t = SimTime::from_nanos((i * 7919) % 10);
            // Both heaps, interleaved: the order is still (time, insertion).
            if i % 3 == 0 {
                q.schedule_cancellable(t, i);
            } else {
                q.schedule(t, i);
            }
        }
        let mut last = (SimTime::ZERO, 0u64);
        let mut first = true;
        let mut count = 0;
        while let Some((t, i)) = q.pop() {
            if !first {
                assert!(t > last.0 || (t == last.0 && i > last.1));
            }
            first = false;
            last = (t, i);
            count += 1;
        }
        assert_eq!(count, 100);
    }

    #[test]
    fn cancel_removes_only_the_named_event() {
        let mut q = EventQueue::new();
        let a = q.schedule_cancellable(SimTime::from_nanos(5), 'a');
        q.schedule(SimTime::from_nanos(5), 'b');
        assert_eq!(q.len(), 2);
        assert_eq!(q.cancel(a), Some('a'));
        assert_eq!(q.cancel(a), None);
        // The freed slot is reused; the stale id must not cancel the new event.
        q.schedule_cancellable(SimTime::from_nanos(1), 'c');
        assert_eq!(q.cancel(a), None);
        assert_eq!(q.peek_time(), Some(SimTime::from_nanos(1)));
        assert_eq!(q.pop(), Some((SimTime::from_nanos(1), 'c')));
        assert_eq!(q.pop(), Some((SimTime::from_nanos(5), 'b')));
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn matches_a_reference_order_under_random_use() {
        // A simple xorshift drives a mix of both kinds, cancellations and pops;
        // the reference is a sorted list of (time, seq).
        let mut rnd = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut q = EventQueue::new();
        let mut reference: Vec<(SimTime, u64)> = Vec::new();
        let mut ids = Vec::new();
        let mut seq = 0u64;
        for _ in 0..5000 {
            match rnd() % 4 {
                0 | 1 => {
                    let t = q.now() + SimTime::from_nanos(rnd() % 50);
                    if rnd() % 2 == 0 {
                        q.schedule(t, seq);
                    } else {
                        ids.push((q.schedule_cancellable(t, seq), t, seq));
                    }
                    reference.push((t, seq));
                    seq += 1;
                }
                2 if !ids.is_empty() => {
                    let (id, t, s) = ids.swap_remove((rnd() % ids.len() as u64) as usize);
                    let pos = reference.iter().position(|&r| r == (t, s));
                    assert_eq!(q.cancel(id).is_some(), pos.is_some());
                    if let Some(p) = pos {
                        reference.remove(p);
                    }
                }
                _ => {
                    reference.sort();
                    let want = (!reference.is_empty()).then(|| reference.remove(0));
                    assert_eq!(q.pop(), want);
                }
            }
            assert_eq!(q.len(), reference.len());
        }
    }
}
