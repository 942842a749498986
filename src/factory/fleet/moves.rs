//! The AGVs' movements in the trace, so that a replay can draw each AGV at
//! any time.
//!
//! A leg is cut into straight pieces: the aisle segments of its path, or,
//! without aisles, the rectilinear leg's run along x then along y (pieces
//! of no length left out). Each piece gets a `move` record when the AGV
//! starts it, with its points, their coordinates and its planned end
//! (`until`). A protective stop that halts the AGV mid-piece gets a
//! `pause` record with the position interpolated along the piece, and the
//! restart a `move` from that position (`from` empty) to the same point.
//!
//! An AGV drives one timed event at a time: one segment under zone
//! control, the whole leg otherwise. Within a leg driven in one event no
//! event of the AGV marks where a piece begins, so its records are made
//! late, at the AGV's next event (its arrival, a stop, the end of the run),
//! with the times the pieces began; [`Trace::push`] keeps the trace in
//! time order. Nothing here runs without a trace.
//!
//! [`Trace::push`]: crate::factory::Trace

use super::{agv_name, FleetRt};
use crate::engine::SimTime;
use crate::factory::event::Ctx;
use crate::factory::TraceRecord;
use crate::model::{Layout, Path, PointId};

/// The trace's view of the AGV's current timed event of travel.
#[derive(Copy, Clone, Debug, Default)]
pub(super) struct Moves {
    /// The first piece of the timed event.
    first: usize,
    /// One past its last piece.
    end: usize,
    /// When `first` began, put back by the time stopped since.
    origin: SimTime,
    /// Pieces of the leg recorded so far.
    traced: usize,
    /// Stopped since this time: at this position mid-piece, or (`None`)
    /// before the timed event began.
    paused: Option<(SimTime, Option<[f64; 2]>)>,
}

/// A straight piece of a leg.
struct Piece {
    from: Option<PointId>,
    from_xy: [f64; 2],
    to: Option<PointId>,
    to_xy: [f64; 2],
    length: f64,
}

fn xy(layout: &Layout, point: PointId) -> [f64; 2] {
    let p = &layout.points[point];
    [p.x, p.y]
}

/// How many straight pieces `path` has.
pub(super) fn piece_count(layout: &Layout, path: &Path) -> usize {
    if layout.has_aisles() {
        return path.segments.len();
    }
    match path.points[..] {
        [from, to] => {
            let ([x0, y0], [x1, y1]) = (xy(layout, from), xy(layout, to));
            usize::from(x0 != x1) + usize::from(y0 != y1)
        }
        _ => 0,
    }
}

/// Piece `k` of `path`.
fn piece(layout: &Layout, path: &Path, k: usize) -> Piece {
    if layout.has_aisles() {
        let (from, to) = (path.points[k], path.points[k + 1]);
        return Piece {
            from: Some(from),
            from_xy: xy(layout, from),
            to: Some(to),
            to_xy: xy(layout, to),
            length: layout.segments[path.segments[k]].length,
        };
    }
    // Rectilinear: along x to the corner, then along y.
    let (from, to) = (path.points[0], path.points[1]);
    let ([x0, y0], [x1, y1]) = (xy(layout, from), xy(layout, to));
    let corner = [x1, y0];
    let along_x = x0 != x1;
    match (k, along_x) {
        (0, true) => Piece {
            from: Some(from),
            from_xy: [x0, y0],
            to: (y0 == y1).then_some(to),
            to_xy: corner,
            length: (x0 - x1).abs(),
        },
        _ => Piece {
            from: (!along_x).then_some(from),
            from_xy: corner,
            to: Some(to),
            to_xy: [x1, y1],
            length: (y0 - y1).abs(),
        },
    }
}

/// The corners of pieces `first..end` of `path`: the first piece's start,
/// then every piece's end.
pub(super) fn polyline(
    layout: &Layout,
    path: &Path,
    (first, end): (usize, usize),
    corners: &mut Vec<[f64; 2]>,
) {
    for k in first..end {
        let piece = piece(layout, path, k);
        if k == first {
            corners.push(piece.from_xy);
        }
        corners.push(piece.to_xy);
    }
}

impl Moves {
    /// The planned start of piece `k` of the timed event (`end`: its end).
    fn start_of(&self, layout: &Layout, path: &Path, k: usize, speed: f64) -> SimTime {
        // Summed from 0.0 in path order, as the shortest path's length is,
        // so that the last piece ends exactly at the AGV's arrival event.
        let metres = (self.first..k).fold(0.0, |sum, i| sum + piece(layout, path, i).length);
        self.origin + SimTime::from_secs_f64(metres / speed)
    }
}

fn name(layout: &Layout, point: Option<PointId>) -> String {
    point.map_or_else(String::new, |p| layout.points[p].name.clone())
}

impl FleetRt {
    /// The AGV starts a timed event of travel over pieces `first..end` of
    /// its path: records those that begin now (or at its restart, when it
    /// is stopped).
    pub(super) fn trace_travel(&mut self, agv: usize, first: usize, end: usize, ctx: &mut Ctx) {
        if ctx.trace.is_none() {
            return;
        }
        let robot = &mut self.agvs[agv];
        let stopped = robot.stops > 0;
        let Some(travel) = robot.travel.as_mut() else {
            return;
        };
        travel.moves.first = first;
        travel.moves.end = end;
        travel.moves.origin = ctx.now;
        travel.moves.traced = first;
        if stopped {
            travel.moves.paused = Some((ctx.now, None));
            return;
        }
        self.trace_catch_up(agv, ctx);
    }

    /// Records the pieces of the AGV's timed event that began by now.
    pub(super) fn trace_catch_up(&mut self, agv: usize, ctx: &mut Ctx) {
        let Some(trace) = ctx.trace.as_deref_mut() else {
            return;
        };
        let model = ctx.model;
        let (Some(layout), Some(fleet)) = (model.layout.as_ref(), model.fleet.as_ref()) else {
            return;
        };
        let robot = &mut self.agvs[agv];
        let Some(travel) = robot.travel.as_mut() else {
            return;
        };
        if travel.moves.paused.is_some() {
            return;
        }
        let speed = fleet.speed_when(travel.loaded);
        let state = super::travel_state(travel.loaded).key();
        while travel.moves.traced < travel.moves.end {
            let k = travel.moves.traced;
            let start = travel.moves.start_of(layout, &travel.path, k, speed);
            if start > ctx.now {
                break;
            }
            let until = travel.moves.start_of(layout, &travel.path, k + 1, speed);
            let piece = piece(layout, &travel.path, k);
            trace.push(|| TraceRecord {
                from: Some(name(layout, piece.from)),
                to: Some(name(layout, piece.to)),
                from_xy: Some(piece.from_xy),
                to_xy: Some(piece.to_xy),
                until: Some(until.as_secs_f64()),
                ..TraceRecord::new(start, agv_name(agv), "move", state.to_string())
            });
            travel.moves.traced += 1;
        }
    }

    /// A stop halts the AGV: where it is, if it was driving.
    pub(super) fn trace_pause(&mut self, agv: usize, driving: bool, ctx: &mut Ctx) {
        if ctx.trace.is_none() {
            return;
        }
        self.trace_catch_up(agv, ctx);
        let model = ctx.model;
        let (Some(layout), Some(fleet)) = (model.layout.as_ref(), model.fleet.as_ref()) else {
            return;
        };
        let Some(travel) = self.agvs[agv].travel.as_mut() else {
            return;
        };
        if !driving || travel.moves.paused.is_some() || travel.moves.traced == travel.moves.first {
            return;
        }
        let k = travel.moves.traced - 1;
        let speed = fleet.speed_when(travel.loaded);
        let start = travel.moves.start_of(layout, &travel.path, k, speed);
        let end = travel.moves.start_of(layout, &travel.path, k + 1, speed);
        let piece = piece(layout, &travel.path, k);
        let done = if end > start {
            (ctx.now - start).as_nanos() as f64 / (end - start).as_nanos() as f64
        } else {
            1.0
        };
        let at = [0, 1].map(|i| piece.from_xy[i] + done * (piece.to_xy[i] - piece.from_xy[i]));
        travel.moves.paused = Some((ctx.now, Some(at)));
        if let Some(trace) = ctx.trace.as_deref_mut() {
            trace.push(|| TraceRecord {
                at_xy: Some(at),
                ..TraceRecord::new(ctx.now, agv_name(agv), "pause", "stopped".to_string())
            });
        }
    }

    /// The stop is over: the AGV drives on from where it halted.
    pub(super) fn trace_resume(&mut self, agv: usize, ctx: &mut Ctx) {
        if ctx.trace.is_none() {
            return;
        }
        let model = ctx.model;
        let (Some(layout), Some(fleet)) = (model.layout.as_ref(), model.fleet.as_ref()) else {
            return;
        };
        let Some(travel) = self.agvs[agv].travel.as_mut() else {
            return;
        };
        let Some((since, at)) = travel.moves.paused.take() else {
            return;
        };
        travel.moves.origin += ctx.now - since;
        let Some(at) = at else {
            // Stopped before it set off: it sets off now.
            self.trace_catch_up(agv, ctx);
            return;
        };
        let k = travel.moves.traced - 1;
        let until = travel
            .moves
            .start_of(layout, &travel.path, k + 1, fleet.speed_when(travel.loaded));
        let piece = piece(layout, &travel.path, k);
        let state = super::travel_state(travel.loaded).key();
        if let Some(trace) = ctx.trace.as_deref_mut() {
            trace.push(|| TraceRecord {
                from: Some(String::new()),
                to: Some(name(layout, piece.to)),
                from_xy: Some(at),
                to_xy: Some(piece.to_xy),
                until: Some(until.as_secs_f64()),
                ..TraceRecord::new(ctx.now, agv_name(agv), "move", state.to_string())
            });
        }
    }
}
