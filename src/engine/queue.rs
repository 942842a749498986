//! The future event set: events ordered by time, then by insertion sequence.
//!
//! Ties are first-in first-out, as in nexosim and SimPy: two events scheduled
//! for the same nanosecond run in the order they were scheduled. Every event
//! gets an [`EventId`] with which it can be cancelled before it fires (a
//! breakdown cancels the end of the job it interrupts).
//!
//! The set is built on the `priority-queue` crate (a max-heap keyed by a
//! hashable item), with the event id as the item and `Reverse((time, seq))` as
//! the priority; payloads live in a slab so that the heap moves only small keys.
//! Everything else in the simulator sees only this type, so the data structure
//! can change without touching a model.
//!
//! ```
//! use factory5g::engine::{EventQueue, SimTime};
//! let mut q = EventQueue::new();
//! q.schedule(SimTime::from_secs(2), "b");
//! let a = q.schedule(SimTime::from_secs(1), "a");
//! q.schedule(SimTime::from_secs(2), "c");
//! q.cancel(a);
//! assert_eq!(q.pop(), Some((SimTime::from_secs(2), "b")));
//! assert_eq!(q.pop(), Some((SimTime::from_secs(2), "c")));
//! assert_eq!(q.pop(), None);
//! ```

use super::SimTime;
use priority_queue::PriorityQueue;
use std::cmp::Reverse;
use std::hash::BuildHasherDefault;

/// Handle of a scheduled event, valid until the event fires or is cancelled.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct EventId {
    seq: u64,
    slot: u32,
}

type Hasher = BuildHasherDefault<rustc_hash::FxHasher>;

/// Pending events of type `E`, popped in (time, insertion) order.
pub struct EventQueue<E> {
    heap: PriorityQueue<EventId, Reverse<(SimTime, u64)>, Hasher>,
    payloads: Vec<Option<E>>,
    free_slots: Vec<u32>,
    next_seq: u64,
    now: SimTime,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: PriorityQueue::with_default_hasher(),
            payloads: Vec::new(),
            free_slots: Vec::new(),
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
        self.heap.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `time`. A time before `now()` would make simulated
    /// time go back; it is a bug in the caller and is moved to `now()`.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: E) -> EventId {
        debug_assert!(time >= self.now, "event scheduled in the past");
        let time = time.max(self.now);
        let slot = match self.free_slots.pop() {
            Some(slot) => {
                self.payloads[slot as usize] = Some(event);
                slot
            }
            None => {
                self.payloads.push(Some(event));
                (self.payloads.len() - 1) as u32
            }
        };
        let id = EventId {
            seq: self.next_seq,
            slot,
        };
        self.heap.push(id, Reverse((time, self.next_seq)));
        self.next_seq += 1;
        id
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) -> EventId {
        self.schedule(self.now + delay, event)
    }

    /// Removes a pending event; returns it, or `None` if it already fired or
    /// was cancelled.
    pub fn cancel(&mut self, id: EventId) -> Option<E> {
        self.heap.remove(&id)?;
        self.free_slots.push(id.slot);
        self.payloads[id.slot as usize].take()
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|(_, Reverse((t, _)))| *t)
    }

    /// Removes the next event and advances `now()` to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (id, Reverse((time, _))) = self.heap.pop()?;
        self.now = time;
        self.free_slots.push(id.slot);
        let event = self.payloads[id.slot as usize]
            .take()
            .expect("a pending event has a payload");
        Some((time, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_are_fifo_and_time_never_goes_back() {
        let mut q = EventQueue::new();
        for i in 0..100u64 {
            q.schedule(SimTime::from_nanos((i * 7919) % 10), i);
        }
        let mut last = (SimTime::ZERO, 0u64);
        let mut first = true;
        while let Some((t, i)) = q.pop() {
            if !first {
                assert!(t > last.0 || (t == last.0 && i > last.1));
            }
            first = false;
            last = (t, i);
        }
    }

    #[test]
    fn cancel_removes_only_the_named_event() {
        let mut q = EventQueue::new();
        let a = q.schedule(SimTime::from_nanos(5), 'a');
        q.schedule(SimTime::from_nanos(5), 'b');
        assert_eq!(q.cancel(a), Some('a'));
        assert_eq!(q.cancel(a), None);
        // The freed slot is reused; the stale id must not cancel the new event.
        q.schedule(SimTime::from_nanos(1), 'c');
        assert_eq!(q.cancel(a), None);
        assert_eq!(q.pop(), Some((SimTime::from_nanos(1), 'c')));
        assert_eq!(q.pop(), Some((SimTime::from_nanos(5), 'b')));
        assert!(q.is_empty());
    }
}
