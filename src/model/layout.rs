//! The floor: named points, the aisle graph AGVs drive on, and distances.
//!
//! With aisles, travel follows the shortest path over the aisle graph (all
//! pairs are computed once, when the model is built); without aisles, travel
//! is the rectilinear (Manhattan) distance between points, as on a grid of
//! free lanes.
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
    /// second only). Fails only with more than [`MAX_POINTS`] points; whether the
    /// points that matter can be reached is for the caller to check with
    /// [`Layout::reachable`]. Only validation builds a layout, from points
    /// on the floor and aisles between them that it checked.
    pub(crate) fn new(
        size: [f64; 2],
        points: Vec<(String, [f64; 2])>,
        aisles: &[(PointId, PointId, bool)],
    ) -> Result<Layout, String> {
        let n = points.len();
        if n > MAX_POINTS {
            return Err(format!("a layout holds at most {MAX_POINTS} points, found {n}"));
        }
        let points: Vec<Point> = points
            .into_iter()
            .map(|(name, [x, y])| Point { name, x, y })
            .collect();
        let segments: Vec<Segment> = aisles
            .iter()
            .map(|&(a, b, one_way)| Segment {
                a,
                b,
                length: ((points[a].x - points[b].x).powi(2) + (points[a].y - points[b].y).powi(2)).sqrt(),
                one_way,
            })
            .collect();
        let mut layout = Layout {
            size,
            points,
            segments,
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
        Layout::new([100.0, 100.0], pts, &aisles).unwrap()
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
        let l = Layout::new([20.0, 20.0], pts, &[(0, 1, true), (1, 2, true), (2, 0, true)]).unwrap();
        assert_eq!(l.distance(0, 1), 10.0);
        let back = l.path(1, 0);
        assert_eq!(back.points, vec![1, 2, 0]);
        assert!((back.length - (10.0 + 200f64.sqrt())).abs() < 1e-9);
    }

    #[test]
    fn rectilinear_without_aisles() {
        let pts = vec![("a".to_string(), [0.0, 0.0]), ("b".to_string(), [3.0, 4.0])];
        let l = Layout::new([10.0, 10.0], pts, &[]).unwrap();
        assert_eq!(l.distance(0, 1), 7.0);
        assert_eq!(l.path(0, 1).segments, Vec::<usize>::new());
    }
}
