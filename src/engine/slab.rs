//! Numbered slots for things that come and go (a plant's jobs, a network's
//! messages, cancellable events), with the numbers of the gone reused.
//!
//! [`Slab::insert`] takes the most recently freed slot (last in, first out),
//! or a new one when none is free; [`Slab::remove`] frees a slot and hands
//! back its value. Memory thus follows the most things alive at once, never
//! the horizon, and the numbers handed out depend only on the order of
//! inserts and removes, so they are the same in every run of the same
//! scenario (a trace names jobs by them).
//!
//! Values are `Copy` and stay in their slot until it is reused: reading a
//! freed slot is a bug of the caller, not checked (the owner knows which
//! numbers are alive; a check on every access costs the hot paths).
//!
//! ```
//! use factory5g::engine::Slab;
//! let mut jobs = Slab::new();
//! let a = jobs.insert("a");
//! let b = jobs.insert("b");
//! assert_eq!(jobs.remove(a), "a");
//! assert_eq!(jobs.insert("c"), a); // the freed number, reused
//! assert_eq!((jobs[b], jobs.live()), ("b", 2));
//! ```

/// Values of type `T` in numbered slots; see the module documentation.
#[derive(Clone, Debug)]
pub struct Slab<T> {
    slots: Vec<T>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Slab<T> {
    pub const fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Puts `value` in the most recently freed slot, or a new one; returns
    /// its number.
    #[inline]
    pub fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.slots[id as usize] = value;
                id
            }
            None => {
                self.slots.push(value);
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Frees slot `id` and returns its value.
    #[inline]
    pub fn remove(&mut self, id: u32) -> T
    where
        T: Copy,
    {
        self.free.push(id);
        self.slots[id as usize]
    }

    /// How many slots hold a value.
    pub fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

impl<T> std::ops::Index<u32> for Slab<T> {
    type Output = T;
    #[inline]
    fn index(&self, id: u32) -> &T {
        &self.slots[id as usize]
    }
}

impl<T> std::ops::IndexMut<u32> for Slab<T> {
    #[inline]
    fn index_mut(&mut self, id: u32) -> &mut T {
        &mut self.slots[id as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_numbers_are_reused_last_in_first_out() {
        let mut slab = Slab::new();
        let ids: Vec<u32> = (0..4).map(|i| slab.insert(i * 10)).collect();
        assert_eq!(ids, [0, 1, 2, 3]);
        assert_eq!(slab.remove(1), 10);
        assert_eq!(slab.remove(3), 30);
        assert_eq!(slab.live(), 2);
        // The most recently freed first, then a new slot.
        assert_eq!(slab.insert(5), 3);
        assert_eq!(slab.insert(6), 1);
        assert_eq!(slab.insert(7), 4);
        slab[4] += 1;
        assert_eq!((slab[0], slab[1], slab[2], slab[3], slab[4]), (0, 6, 20, 5, 8));
        assert_eq!(slab.live(), 5);
    }
}
