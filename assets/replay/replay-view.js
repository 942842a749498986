// The replay's view: the floor drawn on a canvas (a background drawn once
// per size: hall, SINR map, cell borders, aisles, gNBs, labels; then at
// each frame the stations' servers and queues, the AGVs and the marks), the
// controls (play, pause, speed, time slider, a strip of the run's marks),
// the KPIs, and `#t=SECONDS` in the URL, which opens the page paused at
// that time (and jumps there when it changes).
//
// Uses the model of replay-model.js; the page's script is both files in one
// function scope.

var SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
/** Marks fade over this many seconds of wall time (at the speed chosen). */
var FADE_WALL_S = 1.5;
var MOST_MARKS = 3000;
var MARGIN = 28;
var MARK_STYLE = {
  stop: { colour: '#d62728', label: 'protective stop' },
  wait: { colour: '#9467bd', label: 'network wait' },
  handover: { colour: '#1f77b4', label: 'handover' },
  rlf: { colour: '#111111', label: 'radio link failure' }
};
var GNB_COLOUR = '#c81e78';

function byId(id) { return document.getElementById(id); }

function showError(text) {
  var box = byId('error');
  box.textContent = text;
  box.hidden = false;
}

function thousands(n) { return Math.round(n).toLocaleString('en-US'); }

/** 49:12:03 (hours may exceed 24), with tenths when asked. */
function clockText(s, tenths) {
  s = Math.max(0, s);
  var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, sec = s - 3600 * h - 60 * m;
  var secText = tenths ? sec.toFixed(1) : String(Math.floor(sec));
  if (sec < 10) secText = '0' + secText;
  return h + ':' + (m < 10 ? '0' : '') + m + ':' + secText;
}

function hoursText(s) {
  var h = s / 3600;
  return (Math.abs(h - Math.round(h)) < 1e-9 ? String(Math.round(h)) : h.toFixed(2)) + ' h';
}

function Player(model) {
  this.model = model;
  this.time = model.start;
  this.playing = false;
  this.speedIndex = 6;
  this.wall = 0;
  this.pending = false;
  this.show = { sinr: true, cells: true, stop: true, wait: true, handover: true, rlf: true };
  this.canvas = byId('floor');
  this.ctx = this.canvas.getContext('2d');
  this.background = document.createElement('canvas');
  this.view = { scale: 1, x0: 0, y0: 0, width: 0, height: 0 };
}

Player.prototype.speed = function () { return SPEEDS[this.speedIndex]; };

/** World (metres, y up) to canvas pixels (CSS), and back. */
Player.prototype.toPx = function (x, y) {
  var v = this.view;
  return [v.x0 + x * v.scale, v.y0 - y * v.scale];
};

/** Sizes the canvas to its box and draws the background again. */
Player.prototype.layout = function () {
  var place = this.model.place;
  var worldW = Math.max(place.hall[0], 1), worldH = Math.max(place.hall[1] + place.strip, 1);
  var cssW = Math.max(320, this.canvas.parentElement.clientWidth - 2);
  var maxH = Math.max(240, window.innerHeight * 0.72);
  var scale = Math.min((cssW - 2 * MARGIN) / worldW, (maxH - 2 * MARGIN) / worldH);
  var cssH = Math.round(worldH * scale + 2 * MARGIN);
  var dpr = window.devicePixelRatio || 1;
  this.canvas.style.height = cssH + 'px';
  this.canvas.width = Math.round(cssW * dpr);
  this.canvas.height = Math.round(cssH * dpr);
  this.background.width = this.canvas.width;
  this.background.height = this.canvas.height;
  this.dpr = dpr;
  this.view = {
    scale: scale, width: cssW, height: cssH,
    x0: (cssW - place.hall[0] * scale) / 2,
    y0: MARGIN + place.hall[1] * scale
  };
  this.drawBackground();
};

Player.prototype.drawBackground = function () {
  var m = this.model, place = m.place, ctx = this.background.getContext('2d');
  var self = this;
  ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, this.view.width, this.view.height);
  var o = this.toPx(0, 0), far = this.toPx(place.hall[0], place.hall[1]);
  var hallBox = [o[0], far[1], far[0] - o[0], o[1] - far[1]];
  ctx.fillStyle = place.floor ? '#fafaf6' : '#fbfbfb';
  ctx.fillRect(hallBox[0], hallBox[1], hallBox[2], hallBox[3]);
  var map = m.radioMap;
  if (map && place.floor) {
    var nx = Math.floor(num(map.nx, 0)), ny = Math.floor(num(map.ny, 0)), cell = num(map.cell_m, 0);
    var cells = list(map.cells), best = list(map.best), bands = list(map.bands);
    var s = this.view.scale;
    if (this.show.sinr && nx > 0 && ny > 0 && cells.length >= nx * ny) {
      for (var j = 0; j < ny; j++) {
        var i = 0;
        while (i < nx) {
          var band = cells[j * nx + i], k = i + 1;
          while (k < nx && cells[j * nx + k] === band) k++;
          var fill = band === -1 ? map.out : band >= 0 && bands[band] ? bands[band][1] : null;
          if (fill) {
            var x0 = i * cell, x1 = Math.min(k * cell, place.hall[0]);
            var y0 = j * cell, y1 = Math.min((j + 1) * cell, place.hall[1]);
            var p = this.toPx(x0, y1);
            ctx.fillStyle = fill;
            ctx.fillRect(p[0], p[1], (x1 - x0) * s + 0.6, (y1 - y0) * s + 0.6);
          }
          i = k;
        }
      }
    }
    if (this.show.cells && nx > 0 && ny > 0 && best.length >= nx * ny) {
      // Cell borders: the edges between grid cells of different best gNBs.
      ctx.strokeStyle = GNB_COLOUR;
      ctx.lineWidth = 1.6;
      ctx.setLineDash([5, 3]);
      ctx.beginPath();
      for (var jj = 0; jj < ny; jj++) {
        for (var ii = 0; ii < nx; ii++) {
          var here = best[jj * nx + ii];
          if (ii + 1 < nx && best[jj * nx + ii + 1] !== here) {
            var a = this.toPx((ii + 1) * cell, jj * cell), b = this.toPx((ii + 1) * cell, Math.min((jj + 1) * cell, place.hall[1]));
            ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]);
          }
          if (jj + 1 < ny && best[(jj + 1) * nx + ii] !== here) {
            var c = this.toPx(ii * cell, (jj + 1) * cell), d = this.toPx(Math.min((ii + 1) * cell, place.hall[0]), (jj + 1) * cell);
            ctx.moveTo(c[0], c[1]); ctx.lineTo(d[0], d[1]);
          }
        }
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }
  if (place.floor) {
    ctx.strokeStyle = '#282828';
    ctx.lineWidth = 2;
    ctx.strokeRect(hallBox[0], hallBox[1], hallBox[2], hallBox[3]);
  }
  // Aisles, with a chevron on one-way ones.
  var onMap = map && this.show.sinr;
  m.aisles.forEach(function (aisle) {
    var pa = m.points[aisle[0]], pb = m.points[aisle[1]];
    var a = self.toPx(pa.x, pa.y), b = self.toPx(pb.x, pb.y);
    if (onMap) {
      ctx.strokeStyle = 'rgba(40,40,40,0.8)';
      ctx.lineWidth = 6;
      ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
    }
    ctx.strokeStyle = '#c4c4c4';
    ctx.lineWidth = 3.5;
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
    if (aisle[2]) {
      var mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2, len = Math.hypot(b[0] - a[0], b[1] - a[1]);
      if (len > 14) {
        var ux = (b[0] - a[0]) / len, uy = (b[1] - a[1]) / len;
        ctx.strokeStyle = '#6e6e6e';
        ctx.lineWidth = 1.4;
        ctx.beginPath();
        ctx.moveTo(mx - 4 * ux - 3 * uy, my - 4 * uy + 3 * ux);
        ctx.lineTo(mx, my);
        ctx.lineTo(mx - 4 * ux + 3 * uy, my - 4 * uy - 3 * ux);
        ctx.stroke();
      }
    }
  });
  m.points.forEach(function (p) {
    if (p.kind === 'station') return;
    var q = self.toPx(p.x, p.y);
    ctx.fillStyle = p.kind === 'charger' ? '#2ca02c' : p.kind === 'warehouse' ? '#8c564b' : p.kind === 'home' ? '#9467bd' : '#969696';
    var r = p.kind === 'other' ? 1.8 : 4;
    ctx.fillRect(q[0] - r, q[1] - r, 2 * r, 2 * r);
    if (p.kind !== 'other') self.label(ctx, p.label, q[0] + 6, q[1] - 6, 'left');
  });
  m.gnbs.forEach(function (g, i) {
    var q = self.toPx(g[0], g[1]);
    diamond(ctx, q[0], q[1], 9, '#ffffff');
    diamond(ctx, q[0], q[1], 7, GNB_COLOUR);
    self.label(ctx, 'gNB ' + (i + 1), q[0] + 10, q[1] + 12, 'left');
  });
  m.stations.forEach(function (st) {
    var box = self.stationBox(st);
    self.label(ctx, st.name, box.x + box.w / 2, box.labelY, 'center');
  });
  if (place.strip > 0) {
    var top = this.toPx(0, -place.strip * 0.1);
    ctx.fillStyle = '#6e6e6e';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.fillText('stations without a place on the floor plan', top[0], top[1] + 10);
  }
};

function diamond(ctx, x, y, r, fill) {
  ctx.fillStyle = fill;
  ctx.beginPath();
  ctx.moveTo(x, y - r); ctx.lineTo(x + r, y); ctx.lineTo(x, y + r); ctx.lineTo(x - r, y);
  ctx.closePath();
  ctx.fill();
}

Player.prototype.label = function (ctx, text, x, y, align) {
  ctx.font = '11px system-ui, -apple-system, "DejaVu Sans", sans-serif';
  ctx.textAlign = align;
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(255,255,255,0.85)';
  ctx.strokeText(text, x, y);
  ctx.fillStyle = '#282828';
  ctx.fillText(text, x, y);
};

/**
 * A station's block of server cells (CSS pixels), beside its point: on the
 * side of the nearer long wall, off the aisle (stations sharing a point
 * are stacked).
 */
Player.prototype.stationBox = function (st) {
  var cell = 8;
  var shape = function (s) {
    var cols = Math.max(1, Math.min(s.servers, 10));
    return { cols: cols, w: cols * cell + 2, h: Math.max(1, Math.ceil(s.servers / cols)) * cell + 2 };
  };
  var own = shape(st), c = this.toPx(st.xy[0], st.xy[1]);
  var below = st.xy[1] < this.model.place.hall[1] / 2;
  var offset = 0;
  for (var i = 0; i < st.index; i++) {
    var other = this.model.stations[i];
    if (other.xy[0] === st.xy[0] && other.xy[1] === st.xy[1]) offset += shape(other).h + 16;
  }
  var y = below ? c[1] + 8 + offset : c[1] - own.h - 8 - offset;
  return {
    x: c[0] - own.w / 2, y: y, w: own.w, h: own.h, cols: own.cols, cell: cell,
    labelY: below ? y + own.h + 12 : y - 4
  };
};

Player.prototype.draw = function () {
  var m = this.model, ctx = this.ctx, t = this.time, self = this;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(this.background, 0, 0);
  ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
  // Stations: a cell per server in its state's colour, the queue beside.
  m.stations.forEach(function (st) {
    var box = self.stationBox(st);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(box.x - 1, box.y - 1, box.w + 2, box.h + 2);
    ctx.strokeStyle = '#282828';
    ctx.lineWidth = 1;
    ctx.strokeRect(box.x - 0.5, box.y - 0.5, box.w + 1, box.h + 1);
    for (var k = 0; k < st.servers; k++) {
      var state = m.serverStates[st.first + k].at(t);
      ctx.fillStyle = m.colours[state] || '#7f7f7f';
      ctx.fillRect(box.x + 1 + (k % box.cols) * box.cell, box.y + 1 + Math.floor(k / box.cols) * box.cell, box.cell - 1, box.cell - 1);
    }
    var queue = m.queues[st.index].at(t);
    if (queue > 0) {
      var text = String(queue);
      ctx.font = 'bold 11px system-ui, sans-serif';
      var w = Math.max(16, ctx.measureText(text).width + 8);
      ctx.fillStyle = '#282828';
      ctx.fillRect(box.x + box.w + 3, box.y, w, 14);
      ctx.fillStyle = '#ffffff';
      ctx.textAlign = 'center';
      ctx.fillText(text, box.x + box.w + 3 + w / 2, box.y + 11);
    }
  });
  // Marks of the last moments, fading.
  var fade = Math.max(2, this.speed() * FADE_WALL_S);
  recentMarks(m, t, fade, MOST_MARKS).forEach(function (mark) {
    if (!self.show[mark.kind]) return;
    var age = (t - mark.t) / fade, p = self.toPx(mark.xy[0], mark.xy[1]);
    ctx.globalAlpha = Math.max(0.15, 1 - age);
    ctx.strokeStyle = MARK_STYLE[mark.kind].colour;
    if (mark.kind === 'wait') {
      ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(p[0], p[1], 5 + 4 * age, 0, 2 * Math.PI); ctx.stroke();
    } else if (mark.kind === 'stop') {
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      for (var k = 0; k < 8; k++) {
        var angle = Math.PI / 8 + k * Math.PI / 4, r = 10 + 6 * age;
        ctx.lineTo(p[0] + r * Math.cos(angle), p[1] + r * Math.sin(angle));
      }
      ctx.closePath(); ctx.stroke();
    } else if (mark.kind === 'handover') {
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(p[0], p[1] - 11); ctx.lineTo(p[0] + 11, p[1]); ctx.lineTo(p[0], p[1] + 11); ctx.lineTo(p[0] - 11, p[1]);
      ctx.closePath(); ctx.stroke();
    } else {
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      ctx.moveTo(p[0] - 8, p[1] - 8); ctx.lineTo(p[0] + 8, p[1] + 8);
      ctx.moveTo(p[0] + 8, p[1] - 8); ctx.lineTo(p[0] - 8, p[1] + 8);
      ctx.stroke();
    }
  });
  ctx.globalAlpha = 1;
  // AGVs on top; AGVs standing together get their count.
  var together = {};
  for (var a = 0; a < m.agvCount; a++) {
    var p = this.toPx.apply(this, m.paths[a].at(t));
    var state = m.agvStates[a].at(t);
    ctx.fillStyle = m.colours[state] || '#7f7f7f';
    ctx.strokeStyle = '#1b1b1b';
    ctx.lineWidth = 1.5;
    ctx.beginPath(); ctx.arc(p[0], p[1], 6, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    var key = Math.round(p[0]) + ',' + Math.round(p[1]);
    together[key] = together[key] ? [p, together[key][1] + 1] : [p, 1];
  }
  Object.keys(together).forEach(function (key) {
    var group = together[key];
    if (group[1] > 1) self.label(ctx, '×' + group[1], group[0][0] + 8, group[0][1] - 7, 'left');
  });
  this.drawStrip();
  this.showKpis();
};

Player.prototype.showKpis = function () {
  var k = kpis(this.model, this.time);
  byId('kpi-completed').textContent = thousands(k.completed);
  byId('kpi-wip').textContent = thousands(k.wip);
  byId('kpi-agvs').textContent = this.model.agvCount ? k.agvsBusy + ' / ' + this.model.agvCount : '–';
  byId('kpi-stops').textContent = thousands(k.stops);
  byId('clock').textContent = clockText(this.time, this.speed() < 100);
  byId('phase').textContent = this.time < this.model.warmup ? 'warm-up' : 'observed period';
  byId('time').value = String(this.time);
  var link = byId('link');
  link.setAttribute('href', '#t=' + this.time.toFixed(1));
};

/** The strip under the slider: the warm-up shaded, marks per pixel, now. */
Player.prototype.drawStrip = function () {
  var strip = byId('strip'), m = this.model, dpr = this.dpr;
  var w = Math.max(1, strip.clientWidth), h = 26;
  var span = Math.max(m.end - m.start, 1e-9);
  var x = function (t) { return (t - m.start) / span * w; };
  if (strip.width !== Math.round(w * dpr) || !this.stripImage) {
    strip.width = Math.round(w * dpr);
    strip.height = Math.round(h * dpr);
    // What does not move, drawn once per size.
    var image = document.createElement('canvas');
    image.width = strip.width;
    image.height = strip.height;
    var g = image.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.fillStyle = '#f4f4f4';
    g.fillRect(0, 0, w, h);
    if (m.warmup > m.start) {
      g.fillStyle = '#e2e2e2';
      g.fillRect(0, 0, x(Math.min(m.warmup, m.end)), h);
    }
    var rows = { stop: 3, handover: 12, rlf: 12 };
    m.marks.forEach(function (mark) {
      if (mark.kind === 'wait') return;
      g.fillStyle = MARK_STYLE[mark.kind].colour;
      g.fillRect(Math.floor(x(mark.t)), rows[mark.kind], 1, 8);
    });
    this.stripImage = image;
  }
  var ctx = strip.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(this.stripImage, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.fillStyle = '#282828';
  ctx.fillRect(Math.round(x(this.time)) - 1, 0, 2, h);
};

Player.prototype.request = function () {
  var self = this;
  if (this.pending) return;
  this.pending = true;
  window.requestAnimationFrame(function (now) { self.frame(now); });
};

Player.prototype.frame = function (now) {
  this.pending = false;
  if (this.playing) {
    var dt = Math.min(0.25, (now - this.wall) / 1000);
    this.wall = now;
    this.time = Math.min(this.model.end, this.time + dt * this.speed());
    if (this.time >= this.model.end) this.pause();
  }
  this.draw();
  if (this.playing) this.request();
};

Player.prototype.seek = function (t) {
  this.time = clamp(num(t, this.time), this.model.start, this.model.end);
  this.request();
};

Player.prototype.play = function () {
  if (this.time >= this.model.end) this.time = this.model.start;
  this.playing = true;
  this.wall = performance.now();
  byId('play').textContent = 'Pause';
  this.request();
};

Player.prototype.pause = function () {
  this.playing = false;
  byId('play').textContent = 'Play';
  this.request();
};

/** The time in the URL (`#t=SECONDS`), or null. */
function hashTime() {
  var match = /(?:^#|[#&;])t=([-+0-9.eE]+)/.exec(window.location.hash);
  if (!match) return null;
  var t = parseFloat(match[1]);
  return isFinite(t) ? t : null;
}

/** What is near a point of the canvas, for the tooltip. */
Player.prototype.near = function (px, py) {
  var m = this.model, t = this.time, best = null, bestD = 12;
  for (var a = 0; a < m.agvCount; a++) {
    var p = this.toPx.apply(this, m.paths[a].at(t)), d = Math.hypot(p[0] - px, p[1] - py);
    if (d < bestD) { bestD = d; best = 'agv' + (a + 1) + ': ' + (m.states[m.agvStates[a].at(t)] || '?'); }
  }
  if (best) return best;
  for (var i = 0; i < m.stations.length; i++) {
    var st = m.stations[i], box = this.stationBox(st);
    if (px >= box.x - 2 && px <= box.x + box.w + 20 && py >= box.y - 2 && py <= box.y + box.h + 2) {
      var counts = {};
      for (var k = 0; k < st.servers; k++) {
        var s = m.states[m.serverStates[st.first + k].at(t)] || '?';
        counts[s] = (counts[s] || 0) + 1;
      }
      var parts = Object.keys(counts).map(function (s) { return counts[s] + ' ' + s; });
      return st.name + ' (' + st.servers + ' servers)\n' + parts.join(', ') + '\nqueue: ' + m.queues[i].at(t);
    }
  }
  return null;
};

function legend(model) {
  var box = byId('legend');
  var colour = /^#[0-9a-f]{6}$/i;
  function row(text, fill, ring, bold) {
    var div = document.createElement('div');
    div.className = 'legend-row';
    if (fill || ring) {
      var sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = fill || '#ffffff';
      if (ring) sw.style.border = '2px solid ' + ring;
      div.appendChild(sw);
    }
    var label = document.createElement(bold ? 'b' : 'span');
    label.textContent = text;
    div.appendChild(label);
    box.appendChild(div);
  }
  var used = {};
  model.serverStates.concat(model.agvStates).forEach(function (s) {
    used[s.initial] = true;
    s.v.forEach(function (v) { used[v] = true; });
  });
  row('States', null, null, true);
  model.states.forEach(function (name, i) {
    if (used[i] && colour.test(model.colours[i] || '')) row(name.replace(/_/g, ' '), model.colours[i]);
  });
  row('Marks', null, null, true);
  Object.keys(MARK_STYLE).forEach(function (kind) { row(MARK_STYLE[kind].label, null, MARK_STYLE[kind].colour); });
  if (model.gnbs.length) row('gNB; dashed: cell border', GNB_COLOUR);
  var map = model.radioMap;
  if (map && list(map.bands).length) {
    row(String(map.label || 'SINR (dB)'), null, null, true);
    list(map.bands).forEach(function (b) {
      var lo = num(list(b)[0], 0);
      if (colour.test(list(b)[1] || '')) row(lo + ' to ' + (lo + num(map.step, 0)) + ' dB', b[1]);
    });
    if (colour.test(map.out || '')) row('out of coverage', map.out);
  }
}

function describe(model) {
  var meta = model.meta;
  byId('title').textContent = 'Replay: ' + String(meta.scenario || 'factory5g');
  document.title = 'factory5g replay: ' + String(meta.scenario || '');
  byId('sub').textContent = 'Replication 0, seed ' + String(meta.seed) + ', ' + hoursText(num(meta.horizon_s, 0)) +
    ' run (' + hoursText(model.warmup) + ' warm-up), network ' + String(meta.network || '') + '; ' +
    model.agvCount + ' AGVs, ' + model.stations.length + ' stations.';
  var dropped = num(meta.dropped, 0);
  if (dropped > 0) {
    var banner = byId('banner');
    var lost = model.start > model.warmup
      ? ' It starts ' + hoursText(model.start - model.warmup) + ' into the observed period.'
      : ' The observed period (from ' + hoursText(model.warmup) + ') is all here.';
    banner.textContent = 'This replay holds the last ' + thousands(num(meta.kept, 0)) + ' records of the run (the --replay-limit of ' +
      thousands(num(meta.limit, 0)) + ' was reached): the ' + thousands(dropped) + ' records before ' + hoursText(model.start) +
      ' are dropped, and the replay starts there from the state they left (every station, queue and AGV as it was; completed, WIP and stops counted from the start of the run).' +
      lost + ' Raise --replay-limit to see more.';
    banner.hidden = false;
  }
  var notes = byId('notes');
  var lines = [
    'Stations: a cell per server, in its state\'s colour; the dark badge is the input queue. AGVs: circles in their state\'s colour, placed along the trace\'s movements. ' +
    'Marks show where and when a robot stopped (protective stop) or waited for the network, and where handovers and radio link failures happened; they fade over ' +
    FADE_WALL_S + ' s at the chosen speed. The strip under the slider shows the warm-up (shaded) and every stop (red), handover (blue) and RLF (black) of the replay.',
    'KPIs: completed and WIP count end products since the run began; AGVs busy are the AGVs not idle; stops so far count robots entering the stopped state since the run began.',
    'Keys: space plays or pauses, arrows step. Add #t=SECONDS to the address to open the replay paused at that time.'
  ];
  if (num(meta.ignored, 0) > 0) lines.push(thousands(meta.ignored) + ' trace records of kinds this page does not draw were left out.');
  lines.forEach(function (text) { var p = document.createElement('p'); p.textContent = text; notes.appendChild(p); });
}

function start() {
  var doc;
  try {
    doc = JSON.parse(byId('replay-data').textContent);
  } catch (e) {
    showError('The replay data cannot be read: ' + e.message);
    return;
  }
  var model = decode(doc);
  var player = new Player(model);
  describe(model);
  legend(model);
  var slider = byId('time');
  slider.min = String(model.start);
  slider.max = String(model.end);
  var speed = byId('speed');
  function showSpeed() {
    player.speedIndex = clamp(parseInt(speed.value, 10) || 0, 0, SPEEDS.length - 1);
    byId('speed-out').textContent = thousands(player.speed()) + '×';
    player.request();
  }
  speed.addEventListener('input', showSpeed);
  showSpeed();
  byId('play').addEventListener('click', function () { if (player.playing) player.pause(); else player.play(); });
  slider.addEventListener('input', function () { player.seek(parseFloat(slider.value)); });
  var strip = byId('strip');
  function stripSeek(event) {
    var box = strip.getBoundingClientRect();
    player.seek(model.start + (event.clientX - box.left) / Math.max(box.width, 1) * (model.end - model.start));
  }
  strip.addEventListener('mousedown', function (event) {
    stripSeek(event);
    var move = function (e) { stripSeek(e); };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', function up() {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
    });
  });
  [['sinr', 'show-sinr'], ['cells', 'show-cells'], ['stop', 'show-stops'], ['wait', 'show-waits'], ['radio', 'show-radio']].forEach(function (pair) {
    var box = byId(pair[1]);
    if (pair[0] === 'sinr' || pair[0] === 'cells') box.disabled = !model.radioMap;
    box.addEventListener('change', function () {
      if (pair[0] === 'radio') { player.show.handover = box.checked; player.show.rlf = box.checked; } else player.show[pair[0]] = box.checked;
      if (pair[0] === 'sinr' || pair[0] === 'cells') player.drawBackground();
      player.request();
    });
  });
  document.addEventListener('keydown', function (event) {
    if (event.target && /^(INPUT|BUTTON|SELECT|TEXTAREA)$/.test(event.target.tagName) && event.key !== ' ') return;
    if (event.key === ' ') {
      event.preventDefault();
      if (player.playing) player.pause(); else player.play();
    } else if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      player.seek(player.time + (event.key === 'ArrowRight' ? 1 : -1) * player.speed());
    }
  });
  var tip = byId('tip');
  player.canvas.addEventListener('mousemove', function (event) {
    var box = player.canvas.getBoundingClientRect();
    var text = player.near(event.clientX - box.left, event.clientY - box.top);
    tip.hidden = !text;
    if (text) {
      tip.textContent = text;
      tip.style.left = (event.clientX - box.left + 14) + 'px';
      tip.style.top = (event.clientY - box.top + 10) + 'px';
    }
  });
  player.canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  window.addEventListener('hashchange', function () {
    var t = hashTime();
    if (t !== null) { player.pause(); player.seek(t); }
  });
  window.addEventListener('resize', function () { player.layout(); player.stripImage = null; player.request(); });
  // Opens at #t= if given, else at the end of the warm-up; paused.
  var t0 = hashTime();
  player.time = clamp(t0 !== null ? t0 : Math.max(model.start, model.warmup), model.start, model.end);
  player.layout();
  player.draw();
  // For tests and tools: where things are drawn, and how long the page took.
  window.replay = {
    ready: true,
    loadMs: performance.now(),
    time: function () { return player.time; },
    seek: function (t) { player.pause(); player.seek(t); },
    /** Page coordinates (CSS pixels) of a point of the floor, in metres. */
    toPage: function (x, y) {
      var box = player.canvas.getBoundingClientRect(), p = player.toPx(x, y);
      return [box.left + window.scrollX + p[0], box.top + window.scrollY + p[1]];
    },
    agvs: model.agvCount,
    span: [model.start, model.end]
  };
  document.documentElement.setAttribute('data-ready', '1');
}

start();
