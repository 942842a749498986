//! From the drawn paths, labels and marks to points and aisles: vertices
//! joined where they meet (exactly, or an end within the snap distance of
//! a vertex or a segment), points named, segments listed in drawing order.
//! See the module docs of `dxf` for the rules.

use super::read::{DrawnPath, Sheet};
use super::{DrawnAisle, DrawnLayout, DrawnPoint, DxfOptions, DxfProblem, Entity, Problems, MAX_VERTICES};
use crate::model::MAX_POINTS;
use std::collections::HashMap;

/// A vertex of a drawn path.
struct Vertex {
    at: [f64; 2],
    path: usize,
    /// Its index in the path.
    rank: usize,
    /// The first or last vertex of an open path.
    end: bool,
}

/// Vertices joined into groups; a group's root is its first vertex in
/// drawing order (the smallest index), so groups do not depend on the
/// order in which joins are made.
struct Groups {
    parent: Vec<usize>,
}

impl Groups {
    fn new(count: usize) -> Groups {
        Groups {
            parent: (0..count).collect(),
        }
    }

    fn root(&mut self, mut v: usize) -> usize {
        while self.parent[v] != v {
            let up = self.parent[self.parent[v]];
            self.parent[v] = up;
            v = up;
        }
        v
    }

    fn join(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.root(a), self.root(b));
        let (low, high) = (ra.min(rb), ra.max(rb));
        self.parent[high] = low;
    }
}

/// Items by square cell of the snap distance, to find neighbours without
/// comparing every pair.
struct Grid {
    cell: f64,
    cells: HashMap<(i64, i64), Vec<usize>>,
}

impl Grid {
    fn new(snap: f64) -> Grid {
        Grid {
            cell: snap.max(1e-6),
            cells: HashMap::new(),
        }
    }

    fn key(&self, [x, y]: [f64; 2]) -> (i64, i64) {
        ((x / self.cell).floor() as i64, (y / self.cell).floor() as i64)
    }

    fn insert(&mut self, at: [f64; 2], item: usize) {
        self.cells.entry(self.key(at)).or_default().push(item);
    }

    /// The items in the 3 × 3 cells around `at` (every item within one
    /// cell's side of it, and some farther), in increasing order.
    fn around(&self, at: [f64; 2]) -> Vec<usize> {
        let (cx, cy) = self.key(at);
        let mut found = Vec::new();
        for dx in -1..=1 {
            for dy in -1..=1 {
                let key = (cx.saturating_add(dx), cy.saturating_add(dy));
                if let Some(items) = self.cells.get(&key) {
                    found.extend_from_slice(items);
                }
            }
        }
        found.sort_unstable();
        found
    }
}

fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The distance from `p` to the segment `a`–`b`, and where along it (0 at
/// `a`, 1 at `b`) the nearest place is.
fn to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, f64) {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let squared = dx * dx + dy * dy;
    let t = if squared > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / squared).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (distance(p, [a[0] + t * dx, a[1] + t * dy]), t)
}

/// The segments of a path: pairs of vertex ranks, the closing one last.
fn segments(path: &DrawnPath) -> impl Iterator<Item = (usize, usize)> + '_ {
    let n = path.vertices.len();
    let closing = (path.closed && n > 2).then_some((n - 1, 0));
    (0..n.saturating_sub(1)).map(|i| (i, i + 1)).chain(closing)
}

/// Points and aisles of the sheet, or `None` with the problems recorded.
pub(super) fn build(sheet: &Sheet, options: &DxfOptions, problems: &mut Problems) -> Option<DrawnLayout> {
    let snap = options.snap_m;
    if sheet.paths.is_empty() {
        if problems.is_empty() {
            let layers = if sheet.layers.is_empty() {
                "it has no entity in model space".to_string()
            } else {
                format!("its layers are: {}", sheet.layers.join(", "))
            };
            problems.push(DxfProblem::whole(format!(
                "no LINE, LWPOLYLINE or POLYLINE on the aisles layer `{}` or the one-way layer `{}`: the drawing has \
                 no aisles ({layers}); name the layers with dxf_layers = {{ aisles = \"...\", one_way = \"...\" }}",
                options.layers.aisles, options.layers.one_way
            )));
        }
        return None;
    }
    let vertex_count: usize = sheet.paths.iter().map(|p| p.vertices.len()).sum();
    let mark_count = sheet.labels.len() + sheet.marks.len();
    if vertex_count > MAX_VERTICES || mark_count > MAX_VERTICES {
        problems.push(DxfProblem::whole(format!(
            "the drawing has {vertex_count} aisle vertices and {mark_count} labels and POINTs; at most \
             {MAX_VERTICES} of each are read"
        )));
        return None;
    }
    let vertices: Vec<Vertex> = sheet
        .paths
        .iter()
        .enumerate()
        .flat_map(|(p, path)| {
            let last = path.vertices.len() - 1;
            path.vertices.iter().enumerate().map(move |(rank, &at)| Vertex {
                at,
                path: p,
                rank,
                end: !path.closed && (rank == 0 || rank == last),
            })
        })
        .collect();
    let mut groups = Groups::new(vertices.len());
    let mut grid = Grid::new(snap);
    for (i, v) in vertices.iter().enumerate() {
        grid.insert(v.at, i);
    }
    // Vertices at the same place are one point; an end joins the nearest
    // vertex within the snap distance that is not itself or its neighbour.
    for (i, v) in vertices.iter().enumerate() {
        let near = grid.around(v.at).into_iter().filter(|&j| j != i).filter_map(|j| {
            let w = &vertices[j];
            let neighbour = w.path == v.path && w.rank.abs_diff(v.rank) <= 1;
            let d = distance(v.at, w.at);
            (d == 0.0 || (v.end && !neighbour && d <= snap)).then_some((d, j))
        });
        for (d, j) in near.clone() {
            if d == 0.0 {
                groups.join(i, j);
            }
        }
        if v.end {
            let nearest = near.min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            if let Some((_, j)) = nearest {
                groups.join(i, j);
            }
        }
    }
    let roots: Vec<usize> = (0..vertices.len()).map(|i| groups.root(i)).collect();
    let splits = t_junctions(sheet, &vertices, &roots, snap);
    // The points: groups in order of their first vertex, each at its first
    // vertex that is not a path's end (else its first vertex).
    let mut point_of = vec![usize::MAX; vertices.len()];
    let mut points: Vec<DrawnPoint> = Vec::new();
    let mut placed_inside = Vec::new();
    for (i, v) in vertices.iter().enumerate() {
        let root = roots[i];
        if root == i {
            point_of[i] = points.len();
            placed_inside.push(!v.end);
            points.push(DrawnPoint {
                name: format!("v{}", points.len() + 1),
                at: v.at,
                labelled: false,
                entity: sheet.paths[v.path].entity.clone(),
            });
        } else {
            let p = point_of[root];
            point_of[i] = p;
            if !placed_inside[p] && !v.end {
                placed_inside[p] = true;
                points[p].at = v.at;
            }
        }
    }
    let aisles = aisles(sheet, &point_of, &splits, &points, problems);
    name_points(sheet, snap, &mut points, problems);
    if points.len() > MAX_POINTS {
        problems.push(DxfProblem::whole(format!(
            "the drawing makes {} points; a layout holds at most {MAX_POINTS}",
            points.len()
        )));
    }
    let mut size = sheet.extents.map_or([0.0, 0.0], |[_, high]| high);
    let mut below_zero: Vec<usize> = Vec::new();
    for point in &points {
        for (side, at) in size.iter_mut().zip(point.at) {
            *side = side.max(at);
        }
        if (point.at[0] < 0.0 || point.at[1] < 0.0) && !below_zero.contains(&point.entity.number) {
            below_zero.push(point.entity.number);
            problems.push(DxfProblem::at(
                point.entity.clone(),
                format!(
                    "has a point at [{}, {}] m, below 0: the floor runs from [0, 0] up; move the drawing so that \
                     the hall's lower left corner is at the origin",
                    point.at[0], point.at[1]
                ),
            ));
        }
    }
    Some(DrawnLayout {
        units: sheet.units,
        size,
        points,
        aisles,
    })
}

/// Where ends that joined no vertex split a segment: for each segment
/// (path, rank of its first vertex), the groups inserted with their place
/// along it.
fn t_junctions(
    sheet: &Sheet,
    vertices: &[Vertex],
    roots: &[usize],
    snap: f64,
) -> HashMap<(usize, usize), Vec<(f64, usize)>> {
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &root) in roots.iter().enumerate() {
        members.entry(root).or_default().push(i);
    }
    let mut splits: HashMap<(usize, usize), Vec<(f64, usize)>> = HashMap::new();
    let mut loose: Vec<usize> = members
        .iter()
        .filter(|(_, group)| group.iter().all(|&i| vertices[i].end))
        .map(|(&root, _)| root)
        .collect();
    loose.sort_unstable();
    let mut first_vertex = Vec::with_capacity(sheet.paths.len());
    let mut next = 0;
    for path in &sheet.paths {
        first_vertex.push(next);
        next += path.vertices.len();
    }
    for root in loose {
        let at = vertices[root].at;
        let group = &members[&root];
        let mut best: Option<(f64, f64, usize, usize)> = None;
        for (p, path) in sheet.paths.iter().enumerate() {
            for (i, j) in segments(path) {
                let (a, b) = (first_vertex[p] + i, first_vertex[p] + j);
                if roots[a] == root || roots[b] == root || group.contains(&a) || group.contains(&b) {
                    continue;
                }
                let (d, t) = to_segment(at, path.vertices[i], path.vertices[j]);
                if d <= snap && best.is_none_or(|(bd, ..)| d < bd) {
                    best = Some((d, t, p, i));
                }
            }
        }
        if let Some((_, t, p, i)) = best {
            splits.entry((p, i)).or_default().push((t, root));
        }
    }
    for inserted in splits.values_mut() {
        inserted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    }
    splits
}

/// The aisle segments in drawing order; a segment drawn twice is a problem.
fn aisles(
    sheet: &Sheet,
    point_of: &[usize],
    splits: &HashMap<(usize, usize), Vec<(f64, usize)>>,
    points: &[DrawnPoint],
    problems: &mut Problems,
) -> Vec<DrawnAisle> {
    let mut aisles = Vec::new();
    let mut seen: HashMap<(usize, usize, bool), usize> = HashMap::new();
    let mut first_vertex = 0;
    for (p, path) in sheet.paths.iter().enumerate() {
        for (i, j) in segments(path) {
            let mut chain = vec![point_of[first_vertex + i]];
            if let Some(inserted) = splits.get(&(p, i)) {
                chain.extend(inserted.iter().map(|&(_, root)| point_of[root]));
            }
            chain.push(point_of[first_vertex + j]);
            chain.dedup();
            for pair in chain.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                let unordered = (a.min(b), a.max(b), false);
                let key = if path.one_way { (a, b, true) } else { unordered };
                let clash = seen.get(&key).or_else(|| seen.get(&unordered)).or_else(|| {
                    if path.one_way {
                        None
                    } else {
                        seen.get(&(a, b, true)).or_else(|| seen.get(&(b, a, true)))
                    }
                });
                if let Some(&first) = clash {
                    let first: &DrawnAisle = &aisles[first];
                    problems.push(DxfProblem::at(
                        path.entity.clone(),
                        format!(
                            "draws the aisle between `{}` and `{}` again; {} drew it first: remove one",
                            points[a].name, points[b].name, first.entity
                        ),
                    ));
                    continue;
                }
                seen.insert(key, aisles.len());
                aisles.push(DrawnAisle {
                    from: a,
                    to: b,
                    one_way: path.one_way,
                    entity: path.entity.clone(),
                });
            }
        }
        first_vertex += path.vertices.len();
    }
    aisles
}

/// Names points from the labels, and adds the labelled POINTs that lie
/// off the aisles.
fn name_points(sheet: &Sheet, snap: f64, points: &mut Vec<DrawnPoint>, problems: &mut Problems) {
    let mut grid = Grid::new(snap);
    for (i, point) in points.iter().enumerate() {
        grid.insert(point.at, i);
    }
    let within = |grid: &Grid, points: &[DrawnPoint], at: [f64; 2]| {
        grid.around(at)
            .into_iter()
            .map(|i| (distance(points[i].at, at), i))
            .filter(|(d, _)| *d <= snap)
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
    };
    // POINTs near no vertex are points of their own, named by a label.
    let on_aisles = points.len();
    let mut marks = Vec::new();
    for mark in &sheet.marks {
        if within(&grid, points, mark.at).is_none() {
            marks.push(points.len());
            grid.insert(mark.at, points.len());
            points.push(DrawnPoint {
                name: String::new(),
                at: mark.at,
                labelled: false,
                entity: mark.entity.clone(),
            });
        }
    }
    let mut named_by: Vec<Option<&Entity>> = vec![None; points.len()];
    let mut names: HashMap<String, usize> = HashMap::new();
    for label in &sheet.labels {
        if label.text.is_empty() {
            problems.push(DxfProblem::at(
                label.entity.clone(),
                "is empty: a label names a point",
            ));
            continue;
        }
        let Some((_, p)) = within(&grid, points, label.at) else {
            let nearest = points
                .iter()
                .map(|point| (distance(point.at, label.at), point))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let hint = nearest.map_or_else(String::new, |(d, point)| {
                format!("; the nearest is `{}` at {d:.2} m", point.name_or("the POINT"))
            });
            problems.push(DxfProblem::at(
                label.entity.clone(),
                format!(
                    "`{}` at [{}, {}] m is near no aisle vertex and no POINT: a label names the point within \
                     dxf_snap ({snap} m) of its insertion point{hint}",
                    label.text, label.at[0], label.at[1]
                ),
            ));
            continue;
        };
        if let Some(first) = named_by[p] {
            problems.push(DxfProblem::at(
                label.entity.clone(),
                format!(
                    "names `{}` again: {first} names it `{}`",
                    if p < on_aisles {
                        format!("v{}", p + 1)
                    } else {
                        "a POINT".into()
                    },
                    points[p].name
                ),
            ));
            continue;
        }
        if let Some(&other) = names.get(&label.text) {
            problems.push(DxfProblem::at(
                label.entity.clone(),
                format!(
                    "`{}` names two points: this one at [{}, {}] m and the one at [{}, {}] m",
                    label.text, points[p].at[0], points[p].at[1], points[other].at[0], points[other].at[1]
                ),
            ));
            continue;
        }
        names.insert(label.text.clone(), p);
        named_by[p] = Some(&label.entity);
        points[p].name = label.text.clone();
        points[p].labelled = true;
    }
    for &p in &marks {
        if !points[p].labelled {
            problems.push(DxfProblem::at(
                points[p].entity.clone(),
                format!(
                    "at [{}, {}] m is near no aisle vertex and has no label: a POINT off the aisles needs a TEXT \
                     or MTEXT within dxf_snap to name it",
                    points[p].at[0], points[p].at[1]
                ),
            ));
        }
    }
    // A label may not take the name of another, unnamed vertex.
    for (p, point) in points.iter().enumerate().take(on_aisles) {
        if point.labelled {
            continue;
        }
        if let Some(&other) = names.get(&point.name) {
            if let Some(entity) = named_by[other] {
                problems.push(DxfProblem::at(
                    entity.clone(),
                    format!(
                        "names a point `{}`, the name of the unnamed vertex {} at [{}, {}] m: choose another name",
                        point.name,
                        p + 1,
                        point.at[0],
                        point.at[1]
                    ),
                ));
            }
        }
    }
}

impl DrawnPoint {
    fn name_or<'a>(&'a self, unnamed: &'a str) -> &'a str {
        if self.name.is_empty() {
            unnamed
        } else {
            &self.name
        }
    }
}
