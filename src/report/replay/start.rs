//! The state a replay starts from when its beginning was dropped.
//!
//! A trace keeping its last records ([`Trace::keeping_last`]) hands the
//! older ones to [`StartState::add`] as they fall out. What a drawing of
//! the plant needs from them is little: each server's, AGV's and
//! calendar's last state, each station's last queue length, each AGV's last movement or
//! pause (where it is), the end products released and not yet left (the
//! WIP), and two counts (end products completed, entries into `stopped`).
//! So the state is bounded by the plant's size and the jobs in it, never by
//! the records dropped.
//!
//! "Last" is by time, ties in the order the records came: a movement
//! recorded late may come after a record of a later time, and must not
//! hide it.
//!
//! [`Trace::keeping_last`]: crate::factory::Trace::keeping_last

use crate::factory::TraceRecord;
use std::collections::{HashMap, HashSet};

/// What the last record of an entity is kept for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
enum Kept {
    /// A server's or AGV's state (`state`).
    State,
    /// A station's input queue (`queue`).
    Queue,
    /// An AGV's place (`move` or `pause`).
    Place,
}

/// The records let go so far, folded.
#[derive(Debug, Default)]
pub(super) struct StartState {
    /// The products whose jobs count as WIP and as completed.
    end_products: HashSet<String>,
    /// Records folded so far (the order of arrival, for ties).
    seen: u64,
    /// The last record per entity and purpose, with its (time, arrival).
    last: HashMap<(String, Kept), ((u64, u64), TraceRecord)>,
    /// End-product jobs released and not yet left, by entity (`job:ID`).
    in_plant: HashSet<String>,
    /// End products that left the plant.
    pub completed: u64,
    /// Entries into `stopped` (AGVs and station servers).
    pub stops: u64,
    /// The latest time folded, in nanoseconds.
    pub until_ns: u64,
}

impl StartState {
    pub fn new(end_products: impl IntoIterator<Item = String>) -> StartState {
        StartState {
            end_products: end_products.into_iter().collect(),
            ..StartState::default()
        }
    }

    /// Folds one record let go by the trace.
    pub fn add(&mut self, record: TraceRecord) {
        self.seen += 1;
        self.until_ns = self.until_ns.max(record.time_ns);
        let kept = match record.event {
            "state" => {
                if record.state == "stopped" {
                    self.stops += 1;
                }
                Kept::State
            }
            "queue" => Kept::Queue,
            "move" | "pause" => Kept::Place,
            "release" => {
                if self.end_products.contains(&record.state) {
                    self.in_plant.insert(record.entity);
                }
                return;
            }
            "leave" => {
                if self.in_plant.remove(&record.entity) {
                    self.completed += 1;
                }
                return;
            }
            // Handovers, radio link failures and what else comes: marks of
            // moments past, nothing that lasts.
            _ => return,
        };
        let order = (record.time_ns, self.seen);
        let key = (record.entity.clone(), kept);
        match self.last.get_mut(&key) {
            Some(slot) if slot.0 > order => {}
            Some(slot) => *slot = (order, record),
            None => {
                self.last.insert(key, (order, record));
            }
        }
    }

    /// End products in the plant.
    pub fn wip(&self) -> u64 {
        self.in_plant.len() as u64
    }

    /// The last record kept for each entity and purpose, in time order.
    pub fn last_records(&self) -> Vec<&TraceRecord> {
        let mut records: Vec<&((u64, u64), TraceRecord)> = self.last.values().collect();
        records.sort_by_key(|r| r.0);
        records.into_iter().map(|(_, r)| r).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimTime;

    fn record(ns: u64, entity: &str, event: &'static str, state: &str) -> TraceRecord {
        TraceRecord::new(SimTime::from_nanos(ns), entity.into(), event, state.into())
    }

    #[test]
    fn keeps_the_latest_by_time_and_counts_the_rest() {
        let mut start = StartState::new(["truck".to_string()]);
        start.add(record(1, "job:0", "release", "truck"));
        start.add(record(1, "job:1", "release", "boom"));
        start.add(record(2, "agv1", "state", "stopped"));
        start.add(record(3, "agv1", "state", "idle"));
        start.add(record(4, "job:0", "leave", "truck"));
        start.add(record(4, "job:1", "leave", "boom"));
        start.add(record(5, "job:2", "release", "truck"));
        start.add(record(6, "station:a/0", "state", "stopped"));
        // A movement recorded late, older than the pause already folded.
        start.add(record(7, "agv1", "pause", "stopped"));
        start.add(record(6, "agv1", "move", "travel_empty"));
        start.add(record(8, "station:a", "queue", "2"));
        assert_eq!(
            (start.completed, start.wip(), start.stops, start.until_ns),
            (1, 1, 2, 8)
        );
        let last: Vec<(&str, &str, &str)> = start
            .last_records()
            .into_iter()
            .map(|r| (r.entity.as_str(), r.event, r.state.as_str()))
            .collect();
        assert_eq!(
            last,
            [
                ("agv1", "state", "idle"),
                ("station:a/0", "state", "stopped"),
                ("agv1", "pause", "stopped"),
                ("station:a", "queue", "2"),
            ]
        );
    }
}
