//! The floor: named points, the aisle graph AGVs drive on, and distances.
//!
//! With aisles, travel follows the shortest path over the aisle graph (all
//! pairs are computed once, when the model is built); without aisles, travel
//! is the rectilinear (Manhattan) distance between points, as on a grid of
//! free lanes.
//!
//! Zones and crossings, for zone control: every segment of the graph is a
//! zone (one AGV at a time). A `zone_length` cuts each aisle longer than it
//! into equal segments at hidden points, named `a~b#1`, `a~b#2`, ... after
//! the aisle's ends (with `'` added in the rare case that a point of the
//! scenario already has the name), which scenarios cannot refer to and
//! plots do not label. A point where three or more segment ends meet is a
//! crossing: under deadlock avoidance it holds one AGV at a time too, from
//! when the AGV enters it until it has cleared the zone after it. Where
//! only two ends meet (a bend, a point along a corridor) the two zones
//! already keep AGVs apart: an AGV at the point is at the end of one zone or
//! the start of the other, and holds it.
//!
//! A layout is built by validation, with the rest of the model:
//!
//! ```
//! let text = r#"
//! [scenario]
//! horizon = "1h"
//! [layout]
//! size = [100, 50]
//! points = { a = [0, 0], b = [30, 40], c = [30, 0] }
//! aisles = [["a", "c"], ["c", "b"]]
//! [[station]]
//! name = "cell"
//! process = "1min"
//! "#;
//! let model = factory5g::scenario::load_str("floor.toml", text, None, &[]).unwrap().model;
//! let layout = model.layout().unwrap();
//! let (a, b) = (layout.point("a").unwrap(), layout.point("b").unwrap());
//! assert_eq!(layout.distance(a, b), 70.0);                  // a -> c -> b over the aisles
//! assert_eq!(layout.path(a, b).segments(), [0, 1]);
//! assert_eq!(layout.distance(b, a), 70.0);                  // the aisles go both ways
//! ```

pub type PointId = usize;
pub type SegmentId = usize;

#[derive(Clone, Debug)]
pub struct Point {
    pub(crate) name: String,
    pub(crate) x: f64,
    pub(crate) y: f64,
    /// Made by `zone_length` to cut an aisle: not named by the scenario.
    pub(crate) hidden: bool,
}

impl Point {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Metres from the floor's left edge.
    pub fn x(&self) -> f64 {
        self.x
    }

    /// Metres from the floor's bottom edge.
    pub fn y(&self) -> f64 {
        self.y
    }

    /// Made by `zone_length` to cut an aisle into zones (named `a~b#K`),
    /// not by the scenario.
    pub fn hidden(&self) -> bool {
        self.hidden
    }
}

/// An aisle between two points, driven both ways, or only from `a` to `b`
/// when `one_way`.
#[derive(Clone, Debug)]
pub struct Segment {
    pub(crate) a: PointId,
    pub(crate) b: PointId,
    pub(crate) length: f64,
    pub(crate) one_way: bool,
}

impl Segment {
    pub fn a(&self) -> PointId {
        self.a
    }

    pub fn b(&self) -> PointId {
        self.b
    }

    /// Metres.
    pub fn length(&self) -> f64 {
        self.length
    }

    /// Driven only from `a` to `b`.
    pub fn one_way(&self) -> bool {
        self.one_way
    }
}

/// A route over the aisles: the points passed (start and end included) and
/// the segments between them.
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub(crate) points: Vec<PointId>,
    pub(crate) segments: Vec<SegmentId>,
    pub(crate) length: f64,
}

impl Path {
    /// The points passed, start and end included.
    pub fn points(&self) -> &[PointId] {
        &self.points
    }

    /// The segments driven, in order.
    pub fn segments(&self) -> &[SegmentId] {
        &self.segments
    }

    /// Metres.
    pub fn length(&self) -> f64 {
        self.length
    }
}

#[derive(Clone, Debug)]
pub struct Layout {
    pub(crate) size: [f64; 2],
    pub(crate) points: Vec<Point>,
    pub(crate) segments: Vec<Segment>,
    /// Per point: three or more segment ends meet there.
    crossing: Vec<bool>,
    /// n × n shortest distances (with aisles) in metres.
    dist: Vec<f64>,
    /// n × n: the segment by which the shortest path from i reaches j
    /// (the last segment), `u32::MAX` if none.
    via: Vec<u32>,
}

/// Points a layout may hold: all-pairs tables grow as the square.
pub const MAX_POINTS: usize = 2_000;

impl Layout {
    /// Builds the layout and its shortest paths. `aisles` are pairs of point
    /// indices with whether the aisle is one-way (driven from the first to the
    /// second only); with `zone_length`, each longer than it is cut into
    /// equal segments at hidden points. Fails only with more than
    /// [`MAX_POINTS`] points (hidden ones included); whether the
    /// points that matter can be reached is for the caller to check with
    /// [`Layout::reachable`]. Only validation builds a layout, from points
    /// on the floor and aisles between them that it checked.
    pub(crate) fn new(
        size: [f64; 2],
        points: Vec<(String, [f64; 2])>,
        aisles: &[(PointId, PointId, bool)],
        zone_length: Option<f64>,
    ) -> Result<Layout, String> {
        let n = points.len();
        if n > MAX_POINTS {
            return Err(format!("a layout holds at most {MAX_POINTS} points, found {n}"));
        }
        let mut points: Vec<Point> = points
            .into_iter()
            .map(|(name, [x, y])| Point {
                name,
                x,
                y,
                hidden: false,
            })
            .collect();
        let length = |points: &[Point], a: PointId, b: PointId| {
            ((points[a].x - points[b].x).powi(2) + (points[a].y - points[b].y).powi(2)).sqrt()
        };
        let mut names: std::collections::HashSet<String> = points.iter().map(|p| p.name.clone()).collect();
        let mut segments = Vec::with_capacity(aisles.len());
        for &(a, b, one_way) in aisles {
            let whole = length(&points, a, b);
            let pieces = match zone_length {
                Some(zone) if zone > 0.0 && whole > zone => (whole / zone).ceil() as usize,
                _ => 1,
            };
            if points.len() + pieces - 1 > MAX_POINTS {
                return Err(format!(
                    "zone_length cuts the aisles at more points than a layout holds ({MAX_POINTS}); choose a longer zone_length"
                ));
            }
            let mut from = a;
            for k in 1..=pieces {
                let to = if k == pieces {
                    b
                } else {
                    let share = k as f64 / pieces as f64;
                    let mut name = format!("{}~{}#{k}", points[a].name, points[b].name);
                    while names.contains(&name) {
                        name.push('\'');
                    }
                    names.insert(name.clone());
                    points.push(Point {
                        name,
                        x: points[a].x + share * (points[b].x - points[a].x),
                        y: points[a].y + share * (points[b].y - points[a].y),
                        hidden: true,
                    });
                    points.len() - 1
                };
                segments.push(Segment {
                    a: from,
                    b: to,
                    length: length(&points, from, to),
                    one_way,
                });
                from = to;
            }
        }
        let mut ends = vec![0u32; points.len()];
        for segment in &segments {
            ends[segment.a] += 1;
            ends[segment.b] += 1;
        }
        let mut layout = Layout {
            size,
            points,
            segments,
            crossing: ends.iter().map(|&e| e >= 3).collect(),
            dist: Vec::new(),
            via: Vec::new(),
        };
        if !layout.segments.is_empty() {
            layout.shortest_paths();
        }
        Ok(layout)
    }

    /// The floor in metres; points lie from `[0, 0]` to it.
    pub fn size(&self) -> [f64; 2] {
        self.size
    }

    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The aisles, each a segment of the graph AGVs drive on.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn has_aisles(&self) -> bool {
        !self.segments.is_empty()
    }

    /// Whether any point is a crossing.
    pub fn has_crossings(&self) -> bool {
        self.crossing.iter().any(|&c| c)
    }

    /// Whether three or more segment ends meet at `point`.
    pub fn is_crossing(&self, point: PointId) -> bool {
        self.crossing[point]
    }

    pub fn point(&self, name: &str) -> Option<PointId> {
        self.points.iter().position(|p| p.name == name)
    }

    /// Whether `to` can be reached from `from` (always, without aisles).
    pub fn reachable(&self, from: PointId, to: PointId) -> bool {
        from == to || !self.has_aisles() || self.dist[from * self.points.len() + to].is_finite()
    }

    /// Travel distance in metres.
    pub fn distance(&self, from: PointId, to: PointId) -> f64 {
        if self.has_aisles() {
            self.dist[from * self.points.len() + to]
        } else {
            let (p, q) = (&self.points[from], &self.points[to]);
            (p.x - q.x).abs() + (p.y - q.y).abs()
        }
    }

    /// The shortest path over the aisles (a single straight leg without aisles).
    pub fn path(&self, from: PointId, to: PointId) -> Path {
        if !self.has_aisles() || from == to {
            return Path {
                points: if from == to { vec![from] } else { vec![from, to] },
                segments: Vec::new(),
                length: self.distance(from, to),
            };
        }
        let n = self.points.len();
        let mut segments = Vec::new();
        let mut points = vec![to];
        let mut at = to;
        while at != from {
            let s = self.via[from * n + at];
            if s == u32::MAX {
                break;
            }
            let seg = &self.segments[s as usize];
            segments.push(s as usize);
            at = if seg.a == at { seg.b } else { seg.a };
            points.push(at);
        }
        segments.reverse();
        points.reverse();
        Path {
            points,
            segments,
            length: self.distance(from, to),
        }
    }

    /// The shortest cycle of segments, each followed by the next on the
    /// shortest path between two of `stops`, the last by the first; `None`
    /// without one. Under zone control that holds a segment until the next
    /// is granted, AGVs on every segment of such a cycle, each waiting for
    /// the next, are a deadlock; and every such deadlock is one of these
    /// cycles (the AGVs drive between `stops`).
    pub(crate) fn zone_cycle(&self, stops: &[PointId]) -> Option<Vec<SegmentId>> {
        let mut next: Vec<Vec<SegmentId>> = vec![Vec::new(); self.segments.len()];
        let mut stops = stops.to_vec();
        stops.sort_unstable();
        stops.dedup();
        for &from in &stops {
            for &to in &stops {
                if from == to || !self.reachable(from, to) {
                    continue;
                }
                for pair in self.path(from, to).segments.windows(2) {
                    if !next[pair[0]].contains(&pair[1]) {
                        next[pair[0]].push(pair[1]);
                    }
                }
            }
        }
        // Breadth first from each segment back to itself.
        let mut best: Option<Vec<SegmentId>> = None;
        let mut parent = vec![usize::MAX; next.len()];
        let mut queue = std::collections::VecDeque::new();
        for start in 0..next.len() {
            parent.iter_mut().for_each(|p| *p = usize::MAX);
            queue.clear();
            queue.push_back((start, 1usize));
            let mut found = None;
            'search: while let Some((at, depth)) = queue.pop_front() {
                if best.as_ref().is_some_and(|b| depth >= b.len()) {
                    break;
                }
                for &to in &next[at] {
                    if to == start {
                        found = Some(at);
                        break 'search;
                    }
                    if parent[to] == usize::MAX {
                        parent[to] = at;
                        queue.push_back((to, depth + 1));
                    }
                }
            }
            if let Some(last) = found {
                let mut cycle = vec![last];
                while *cycle.last().expect("not empty") != start {
                    cycle.push(parent[*cycle.last().expect("not empty")]);
                }
                cycle.reverse();
                best = Some(cycle);
            }
        }
        best
    }

    /// Dijkstra from every point; ties broken by segment order, so paths are
    /// deterministic.
    fn shortest_paths(&mut self) {
        let n = self.points.len();
        let mut adjacency: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
        for (s, seg) in self.segments.iter().enumerate() {
            adjacency[seg.a].push((seg.b, s));
            if !seg.one_way {
                adjacency[seg.b].push((seg.a, s));
            }
        }
        self.dist = vec![f64::INFINITY; n * n];
        self.via = vec![u32::MAX; n * n];
        let mut heap = std::collections::BinaryHeap::new();
        for src in 0..n {
            let row = src * n;
            self.dist[row + src] = 0.0;
            heap.push(std::cmp::Reverse((OrderedDist(0.0), src)));
            while let Some(std::cmp::Reverse((OrderedDist(d), u))) = heap.pop() {
                if d > self.dist[row + u] {
                    continue;
                }
                for &(v, s) in &adjacency[u] {
                    let nd = d + self.segments[s].length;
                    if nd < self.dist[row + v] {
                        self.dist[row + v] = nd;
                        self.via[row + v] = s as u32;
                        heap.push(std::cmp::Reverse((OrderedDist(nd), v)));
                    }
                }
            }
        }
    }
}

#[derive(Copy, Clone, PartialEq)]
struct OrderedDist(f64);
impl Eq for OrderedDist {}
impl PartialOrd for OrderedDist {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedDist {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> Layout {
        // a - b - c
        // |       |
        // d ----- e      (d-e is long: 20 m, a-d and c-e 10 m, a-b, b-c 10 m)
        let pts = vec![
            ("a".to_string(), [0.0, 10.0]),
            ("b".to_string(), [10.0, 10.0]),
            ("c".to_string(), [20.0, 10.0]),
            ("d".to_string(), [0.0, 0.0]),
            ("e".to_string(), [20.0, 0.0]),
            ("island".to_string(), [50.0, 50.0]),
        ];
        let aisles: Vec<(usize, usize, bool)> = [(0, 1), (1, 2), (0, 3), (2, 4), (3, 4)]
            .iter()
            .map(|&(a, b)| (a, b, false))
            .collect();
        Layout::new([100.0, 100.0], pts, &aisles, None).unwrap()
    }

    #[test]
    fn shortest_paths_over_aisles() {
        let l = grid();
        assert_eq!(l.distance(3, 2), 30.0);
        let p = l.path(3, 1);
        assert_eq!(p.points, vec![3, 0, 1]);
        assert_eq!(p.segments, vec![2, 0]);
        assert_eq!(p.length, 20.0);
        assert!(!l.reachable(0, 5));
        assert!(l.reachable(4, 0));
    }

    #[test]
    fn one_way_aisles_are_driven_one_way() {
        // A ring a -> b -> c -> a: going back from b to a goes round.
        let pts = vec![
            ("a".to_string(), [0.0, 0.0]),
            ("b".to_string(), [10.0, 0.0]),
            ("c".to_string(), [10.0, 10.0]),
        ];
        let l = Layout::new(
            [20.0, 20.0],
            pts,
            &[(0, 1, true), (1, 2, true), (2, 0, true)],
            None,
        )
        .unwrap();
        assert_eq!(l.distance(0, 1), 10.0);
        let back = l.path(1, 0);
        assert_eq!(back.points, vec![1, 2, 0]);
        assert!((back.length - (10.0 + 200f64.sqrt())).abs() < 1e-9);
    }

    #[test]
    fn rectilinear_without_aisles() {
        let pts = vec![("a".to_string(), [0.0, 0.0]), ("b".to_string(), [3.0, 4.0])];
        let l = Layout::new([10.0, 10.0], pts, &[], None).unwrap();
        assert_eq!(l.distance(0, 1), 7.0);
        assert_eq!(l.path(0, 1).segments, Vec::<usize>::new());
    }

    #[test]
    fn zone_length_cuts_long_aisles_at_hidden_points() {
        // a -(50 m)- b, one way, and b -(10 m)- c: 20 m zones cut a-b in 3.
        let pts = vec![
            ("a".to_string(), [0.0, 0.0]),
            ("b".to_string(), [50.0, 0.0]),
            ("c".to_string(), [50.0, 10.0]),
            // A scenario's point that has the name of the first cut.
            ("a~b#1".to_string(), [90.0, 90.0]),
        ];
        let l = Layout::new([100.0, 100.0], pts, &[(0, 1, true), (1, 2, false)], Some(20.0)).unwrap();
        let names: Vec<&str> = l.points.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "a~b#1", "a~b#1'", "a~b#2"]);
        assert_eq!(
            l.points.iter().map(|p| p.hidden).collect::<Vec<_>>(),
            [false, false, false, false, true, true]
        );
        let ab = l.path(0, 1);
        assert_eq!(ab.points, [0, 4, 5, 1]);
        assert!(ab.segments.iter().all(|&s| l.segments[s].one_way));
        for &s in &ab.segments {
            assert!((l.segments[s].length - 50.0 / 3.0).abs() < 1e-9);
        }
        assert!((l.distance(0, 2) - 60.0).abs() < 1e-9);
        // Still one way: b back to a cannot be driven.
        assert!(!l.reachable(1, 0));
        // Short aisles stay whole.
        assert_eq!(l.segments.len(), 4);
    }

    #[test]
    fn crossings_are_where_three_segment_ends_meet() {
        let l = grid();
        // a, c, d, e are corners (two ends); b has two; none crosses.
        assert!((0..6).all(|p| !l.is_crossing(p)));
        let pts = vec![
            ("m".to_string(), [10.0, 10.0]),
            ("n".to_string(), [10.0, 20.0]),
            ("s".to_string(), [10.0, 0.0]),
            ("e".to_string(), [20.0, 10.0]),
        ];
        let t = Layout::new(
            [30.0, 30.0],
            pts,
            &[(1, 0, false), (0, 2, false), (0, 3, true)],
            None,
        )
        .unwrap();
        assert!(t.is_crossing(0));
        assert!(!t.is_crossing(1) && !t.is_crossing(3));
    }

    #[test]
    fn zone_cycles_are_found_from_the_routes() {
        // A one-way ring a -> b -> c -> a: AGVs between its three points
        // drive on through each, a cycle of three segments.
        let pts = vec![
            ("a".to_string(), [0.0, 0.0]),
            ("b".to_string(), [10.0, 0.0]),
            ("c".to_string(), [10.0, 10.0]),
        ];
        let ring = Layout::new(
            [20.0, 20.0],
            pts.clone(),
            &[(0, 1, true), (1, 2, true), (2, 0, true)],
            None,
        )
        .unwrap();
        assert_eq!(ring.zone_cycle(&[0, 1, 2]), Some(vec![0, 1, 2]));
        // Only between a and b: b -> c -> a ends at a, where the AGV
        // leaves the aisle; no route goes on from c -> a.
        assert_eq!(ring.zone_cycle(&[0, 1]), None);
        // Two-way a - b - c: head-on through b, a cycle of two.
        let line = Layout::new([20.0, 20.0], pts, &[(0, 1, false), (1, 2, false)], None).unwrap();
        assert_eq!(line.zone_cycle(&[0, 2]).map(|c| c.len()), Some(2));
        // Only between a and b: one segment, no cycle.
        assert_eq!(line.zone_cycle(&[0, 1]), None);
    }
}
