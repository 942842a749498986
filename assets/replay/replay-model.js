// The replay's model: the data document of the page (see
// src/report/replay/data.rs) decoded once, at load, into timelines that
// answer "what at time t" by binary search, so that seeking anywhere costs
// O(log n) per entity and playing costs nothing more.
//
// Every input is guarded: a missing or malformed part of the document
// gives an empty timeline (a plant without AGVs, network or layout still
// plays), never an exception.

/** The number of entries of `sorted` that are <= x. */
function upper(sorted, x) {
  var lo = 0, hi = sorted.length;
  while (lo < hi) {
    var mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function list(v) { return Array.isArray(v) ? v : []; }
function num(v, fallback) { return typeof v === 'number' && isFinite(v) ? v : fallback; }
function clamp(v, lo, hi) { return v < lo ? lo : v > hi ? hi : v; }

/** Calls each(flat, i) for each complete row of `width` numbers. */
function eachRow(flat, width, each) {
  flat = list(flat);
  for (var i = 0; i + width <= flat.length; i += width) {
    if (typeof flat[i] === 'number' && isFinite(flat[i])) each(flat, i);
  }
}

/** Values that change at times: the last one at or before t. */
function Steps(initial) { this.t = []; this.v = []; this.initial = initial; }
Steps.prototype.add = function (t, v) { this.t.push(t); this.v.push(v); };
Steps.prototype.at = function (t) {
  var i = upper(this.t, t) - 1;
  return i >= 0 ? this.v[i] : this.initial;
};
/** Puts the entries in time order (stable), if they are not. */
Steps.prototype.settle = function () {
  var t = this.t, sorted = true;
  for (var i = 1; i < t.length && sorted; i++) sorted = t[i - 1] <= t[i];
  if (sorted) return;
  var v = this.v;
  var order = t.map(function (_, k) { return k; });
  order.sort(function (a, b) { return t[a] - t[b] || a - b; });
  this.t = order.map(function (k) { return t[k]; });
  this.v = order.map(function (k) { return v[k]; });
};

function makeSteps(n, initial) {
  var out = [];
  for (var i = 0; i < n; i++) out.push(new Steps(initial));
  return out;
}

/**
 * An AGV's movements: straight pieces from (x0, y0) at t to (x1, y1) at
 * until; a pause is a piece of no length (it stays there until the next).
 */
function Path(home) { this.t = []; this.v = []; this.home = home; }
Path.prototype.add = function (t, x0, y0, x1, y1, until) {
  this.t.push(t);
  this.v.push([x0, y0, x1, y1, until]);
};
Path.prototype.at = function (t) {
  var i = upper(this.t, t) - 1;
  if (i < 0) return this.home;
  var p = this.v[i], t0 = this.t[i], span = p[4] - t0;
  var f = span > 0 ? clamp((t - t0) / span, 0, 1) : 1;
  return [p[0] + f * (p[2] - p[0]), p[1] + f * (p[3] - p[1])];
};
// Pieces and pauses come in two lists: into time order, moves first at a tie.
Path.prototype.settle = Steps.prototype.settle;

/** Where the stations and points are drawn, in metres, and the hall. */
function placeStations(meta, stations, points) {
  var hall = Array.isArray(meta.hall) ? [num(meta.hall[0], 0), num(meta.hall[1], 0)] : null;
  var loose = stations.filter(function (s) { return !s.point; });
  if (!hall || !(hall[0] > 0 && hall[1] > 0)) {
    // No floor plan: the stations on a grid of 40 m squares.
    var cols = Math.max(1, Math.ceil(Math.sqrt(stations.length * 2.5)));
    stations.forEach(function (s, i) {
      s.xy = [20 + 40 * (i % cols), 20 + 40 * Math.floor(i / cols)];
    });
    var rows = Math.max(1, Math.ceil(stations.length / cols));
    return { hall: [40 * cols, 40 * rows], floor: false, strip: 0 };
  }
  // Stations without a point: in a row under the hall.
  var strip = loose.length ? Math.max(12, hall[1] * 0.12) : 0;
  loose.forEach(function (s, i) {
    s.xy = [hall[0] * (i + 0.5) / loose.length, -strip / 2];
  });
  stations.forEach(function (s) { if (s.point) s.xy = [s.point.x, s.point.y]; });
  return { hall: hall, floor: true, strip: strip, points: points };
}

/** Decodes the page's data document into the model the view draws. */
function decode(doc) {
  doc = doc && typeof doc === 'object' ? doc : {};
  var meta = doc.meta && typeof doc.meta === 'object' ? doc.meta : {};
  var start = doc.start && typeof doc.start === 'object' ? doc.start : {};
  var records = doc.records && typeof doc.records === 'object' ? doc.records : {};
  var states = list(meta.states).map(String);
  var colours = list(meta.colours).map(String);
  var idle = states.indexOf('idle');
  var stopped = states.indexOf('stopped');
  var waiting = states.indexOf('network_wait');
  var points = list(meta.points).map(function (p) {
    p = p || {};
    return { name: String(p.name || ''), label: String(p.label || p.name || ''), x: num(p.x, 0), y: num(p.y, 0), kind: String(p.kind || 'other') };
  });
  var servers = [];
  var stations = list(meta.stations).map(function (s, i) {
    s = s || {};
    var count = Math.max(0, Math.min(10000, Math.floor(num(s.servers, 0))));
    var station = {
      index: i, name: String(s.name || 'station ' + i), servers: count, robot: !!s.robot,
      first: servers.length, point: points[s.at] || null, xy: [0, 0]
    };
    for (var k = 0; k < count; k++) servers.push(i);
    return station;
  });
  var place = placeStations(meta, stations, points);
  var agvCount = Math.max(0, Math.min(100000, Math.floor(num(meta.agvs, 0))));
  var homePoint = points[meta.home];
  var home = homePoint ? [homePoint.x, homePoint.y] : [0, 0];
  var products = list(meta.products).map(function (p) {
    return { name: String(list(p)[0] || ''), end: !!list(p)[1] };
  });

  var model = {
    meta: meta, states: states, colours: colours, idle: idle,
    stations: stations, points: points, place: place,
    aisles: list(meta.aisles).filter(function (a) {
      return Array.isArray(a) && points[a[0]] && points[a[1]];
    }),
    gnbs: list(meta.gnbs).filter(function (g) { return Array.isArray(g) && isFinite(g[0]) && isFinite(g[1]); }),
    radioMap: meta.radio_map && typeof meta.radio_map === 'object' ? meta.radio_map : null,
    agvCount: agvCount,
    serverStates: makeSteps(servers.length, idle),
    queues: makeSteps(stations.length, 0),
    agvStates: makeSteps(agvCount, idle),
    paths: [],
    endReleases: [], endLeaves: [], stopTimes: [], marks: [],
    start: num(meta.start_s, 0), end: num(meta.end_s, 0), warmup: num(meta.warmup_s, 0),
    before: { completed: num(meta.completed_before, 0), wip: num(meta.wip_before, 0), stops: num(meta.stops_before, 0) }
  };
  for (var a = 0; a < agvCount; a++) model.paths.push(new Path(home));
  if (!(model.end >= model.start)) model.end = model.start;

  function isServer(v) { return Number.isInteger(v) && v >= 0 && v < servers.length; }
  function isStation(v) { return Number.isInteger(v) && v >= 0 && v < stations.length; }
  function isAgv(v) { return Number.isInteger(v) && v >= 0 && v < agvCount; }
  function isState(v) { return Number.isInteger(v) && v >= 0 && v < states.length; }

  // The start state first (older than every record), then the records.
  [start, records].forEach(function (part, p) {
    var played = p === 1;
    eachRow(part.servers, 3, function (r, i) {
      var server = r[i + 1], state = r[i + 2];
      if (!isServer(server) || !isState(state)) return;
      model.serverStates[server].add(r[i], state);
      if (!played) return;
      var station = stations[servers[server]];
      if (state === stopped) {
        model.stopTimes.push(r[i]);
        model.marks.push({ t: r[i], kind: 'stop', station: station, server: server - station.first });
      } else if (state === waiting) {
        model.marks.push({ t: r[i], kind: 'wait', station: station, server: server - station.first });
      }
    });
    eachRow(part.queues, 3, function (r, i) {
      if (isStation(r[i + 1])) model.queues[r[i + 1]].add(r[i], num(r[i + 2], 0));
    });
    eachRow(part.agv_states, 3, function (r, i) {
      var agv = r[i + 1], state = r[i + 2];
      if (!isAgv(agv) || !isState(state)) return;
      model.agvStates[agv].add(r[i], state);
      if (!played) return;
      if (state === stopped) {
        model.stopTimes.push(r[i]);
        model.marks.push({ t: r[i], kind: 'stop', agv: agv });
      } else if (state === waiting) {
        model.marks.push({ t: r[i], kind: 'wait', agv: agv });
      }
    });
    // Moves before pauses of the same time: a piece begun at the instant
    // of a stop is paused at once.
    eachRow(part.moves, 7, function (r, i) {
      if (isAgv(r[i + 1])) {
        model.paths[r[i + 1]].add(r[i], num(r[i + 2], 0), num(r[i + 3], 0), num(r[i + 4], 0), num(r[i + 5], 0), num(r[i + 6], r[i]));
      }
    });
    eachRow(part.pauses, 4, function (r, i) {
      if (isAgv(r[i + 1])) {
        var x = num(r[i + 2], 0), y = num(r[i + 3], 0);
        model.paths[r[i + 1]].add(r[i], x, y, x, y, r[i]);
      }
    });
    if (!played) return;
    eachRow(part.jobs, 3, function (r, i) {
      var product = products[r[i + 1]];
      if (!product || !product.end) return;
      (r[i + 2] === 1 ? model.endLeaves : model.endReleases).push(r[i]);
    });
    eachRow(part.radio, 6, function (r, i) {
      var mark = { t: r[i], kind: r[i + 1] === 1 ? 'rlf' : 'handover' };
      if (typeof r[i + 4] === 'number' && typeof r[i + 5] === 'number') mark.xy = [r[i + 4], r[i + 5]];
      else if (isAgv(r[i + 2])) mark.agv = r[i + 2];
      else if (isStation(r[i + 3])) mark.station = stations[r[i + 3]];
      else return;
      model.marks.push(mark);
    });
  });

  [model.serverStates, model.queues, model.agvStates, model.paths].forEach(function (all) {
    all.forEach(function (timeline) { timeline.settle(); });
  });
  var byNumber = function (x, y) { return x - y; };
  model.endReleases.sort(byNumber);
  model.endLeaves.sort(byNumber);
  model.stopTimes.sort(byNumber);
  // Each mark's place, once: an AGV's where it was then.
  model.marks.forEach(function (m) {
    if (m.xy) return;
    m.xy = m.agv !== undefined ? model.paths[m.agv].at(m.t) : m.station.xy;
  });
  model.marks.sort(function (x, y) { return x.t - y.t; });
  model.markTimes = model.marks.map(function (m) { return m.t; });
  return model;
}

/** The KPIs at time t. */
function kpis(model, t) {
  var released = upper(model.endReleases, t), left = upper(model.endLeaves, t);
  var busy = 0;
  for (var a = 0; a < model.agvCount; a++) {
    if (model.agvStates[a].at(t) !== model.idle) busy++;
  }
  return {
    completed: model.before.completed + left,
    wip: model.before.wip + released - left,
    agvsBusy: busy,
    stops: model.before.stops + upper(model.stopTimes, t)
  };
}

/** The marks of the `window` seconds up to t, newest last (at most `most`). */
function recentMarks(model, t, window, most) {
  var end = upper(model.markTimes, t);
  var begin = Math.max(upper(model.markTimes, t - window), end - most);
  return model.marks.slice(begin, end);
}
