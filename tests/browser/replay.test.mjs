// The replay page (replay.html) in a real headless Chromium, driven by
// playwright-core (no browser download: it drives Debian's /usr/bin/chromium).
//
// Usage: node replay.test.mjs DIR [--screenshot FILE]
// where DIR holds what run.sh made: out/ (`run sany18 -R 1 --out` with
// `--trace trace.jsonl`), limited/ (the same with a small --replay-limit)
// stops/ with stops.jsonl (the same on a lossy network, so that AGVs stop)
// and bare/ (mm3: no layout, no AGVs, no network).
//
// What it checks, each against something the page does not compute itself:
// - no console error, no page error, no request but the page itself;
// - `#t=A` opens paused at A, `#t=B` (hashchange) jumps to B, and a fresh
//   load at B draws the same frame as the jump (seeking has no memory);
// - screenshots at A and B differ where AGVs moved, an AGV's pixel at A
//   has the colour of its state at A, and a patch of floor with nothing on
//   it is the same in both: positions and states from the trace file,
//   interpolated here;
// - the KPIs at A are those counted from the trace file, and a protective
//   stop is marked where and when the trace says an AGV stopped;
// - the page opens in under 2 s (one shift of sany18: the whole default
//   run, 48 h warm-up and an 8 h shift), and says what --replay-limit dropped;
// - a plant without layout, AGVs or network still loads without errors.
// Ends with "N passed, N failed" and exits 1 on any failure.

import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.argv[2];
const shotAt = process.argv.indexOf('--screenshot');
const screenshotFile = shotAt > 0 ? process.argv[shotAt + 1] : null;
if (!dir) {
  console.error('usage: node replay.test.mjs DIR [--screenshot FILE]');
  process.exit(2);
}
const LOAD_LIMIT_MS = 2000;

let passed = 0, failed = 0;
async function check(name, body) {
  try {
    await body();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e && e.stack || e).split('\n').join('\n     ')}`);
  }
}
function assert(cond, message) { if (!cond) throw new Error(message); }

// ---- the trace, read here: where each AGV is and in what state ----------

function readTrace(file) {
  const agvs = new Map();
  const agv = (name) => {
    if (!agvs.has(name)) agvs.set(name, { moves: [], states: [] });
    return agvs.get(name);
  };
  const jobs = [], stops = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (/^agv\d+$/.test(r.entity)) {
      const a = agv(r.entity);
      if (r.event === 'move') a.moves.push({ t: r.time, from: r.from_xy, to: r.to_xy, until: r.until });
      else if (r.event === 'pause') a.moves.push({ t: r.time, from: r.at_xy, to: r.at_xy, until: r.time });
      else if (r.event === 'state') a.states.push({ t: r.time, state: r.state });
    }
    if (r.event === 'state' && r.state === 'stopped') stops.push(r.time);
    if (r.event === 'release' || r.event === 'leave') jobs.push({ t: r.time, event: r.event, product: r.state });
  }
  return { agvs, jobs, stops };
}

/** Where the AGV is at t (null before its first movement). */
function positionAt(a, t) {
  let last = null;
  for (const m of a.moves) { if (m.t <= t) last = m; else break; }
  if (!last) return null;
  const span = last.until - last.t;
  const f = span > 0 ? Math.min(1, Math.max(0, (t - last.t) / span)) : 1;
  return [last.from[0] + f * (last.to[0] - last.from[0]), last.from[1] + f * (last.to[1] - last.from[1])];
}

function stateAt(a, t) {
  let state = 'idle';
  for (const s of a.states) { if (s.t <= t) state = s.state; else break; }
  return state;
}

// ---- pixels ----------------------------------------------------------------

function pixel(png, x, y) {
  const i = (Math.round(y) * png.width + Math.round(x)) * 4;
  return [png.data[i], png.data[i + 1], png.data[i + 2]];
}

/** Mean absolute difference of two screenshots over a square patch. */
function patchDiff(a, b, [cx, cy], half) {
  let sum = 0, n = 0;
  for (let y = Math.round(cy) - half; y <= Math.round(cy) + half; y++) {
    for (let x = Math.round(cx) - half; x <= Math.round(cx) + half; x++) {
      const p = pixel(a, x, y), q = pixel(b, x, y);
      sum += Math.abs(p[0] - q[0]) + Math.abs(p[1] - q[1]) + Math.abs(p[2] - q[2]);
      n++;
    }
  }
  return sum / n / 3;
}

function hexRgb(hex) { return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)); }

// ---- the browser -------------------------------------------------------

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

/** A fresh page that records every error and every request. */
async function open(file, hash) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = [];
  const pageUrl = pathToFileURL(file).href;
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (r.url().split('#')[0] !== pageUrl) problems.push(`request: ${r.url()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(pageUrl + (hash || ''));
  // Ready, or an error that will never let it be.
  await page.waitForFunction(() => window.replay && window.replay.ready, null, { timeout: 20000 })
    .catch((e) => { throw new Error(`${problems.join('\n') || 'not ready'} (${e.message})`); });
  return { page, context, problems };
}

async function afterFrames(page) {
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
}

async function shot(page) {
  return PNG.sync.read(await page.screenshot({ fullPage: true }));
}

const replayFile = path.join(dir, 'out', 'replay.html');
/** The page's data document, read from the file. */
function pageData(file) {
  const html = fs.readFileSync(file, 'utf8');
  const start = html.indexOf('<script type="application/json" id="replay-data">');
  return JSON.parse(html.slice(html.indexOf('>', start) + 1, html.indexOf('</script>', start)));
}
const meta = pageData(replayFile).meta;
const trace = readTrace(path.join(dir, 'trace.jsonl'));
const stateColour = new Map(meta.states.map((s, i) => [s, hexRgb(meta.colours[i])]));

// Two moments in the observed period a minute apart when AGVs drive.
const STEP = 60;
function moving(a, b) {
  const out = [];
  for (const [name, agv] of trace.agvs) {
    const pa = positionAt(agv, a), pb = positionAt(agv, b);
    if (pa && pb && Math.hypot(pb[0] - pa[0], pb[1] - pa[1]) >= 25) out.push(name);
  }
  return out;
}
let timeA = null;
for (let t = meta.warmup_s + 600; t + STEP <= meta.end_s; t += 600) {
  if (moving(t, t + STEP).length >= 2) { timeA = t; break; }
}
const timeB = timeA + STEP;

await check('a moment with AGVs driving exists in the trace', async () => {
  assert(timeA !== null, 'no ten-minute mark of the observed period where two AGVs drive 25 m in a minute');
});

let shotA = null, shotB = null, pageA = null;
await check('#t=A opens paused at A, without errors or requests', async () => {
  pageA = await open(replayFile, `#t=${timeA}`);
  const { page, problems } = pageA;
  assert(Math.abs(await page.evaluate(() => window.replay.time()) - timeA) < 1e-6, 'not at A');
  await page.waitForTimeout(300);
  assert(Math.abs(await page.evaluate(() => window.replay.time()) - timeA) < 1e-6, 'not paused: time moved');
  assert((await page.textContent('#play')).trim() === 'Play', 'the play button does not offer to play');
  assert(await page.isHidden('#banner'), 'a banner, but nothing was dropped');
  shotA = await shot(page);
  assert(problems.length === 0, problems.join('\n'));
});

/** Asserts the page's KPIs at t are those counted from `trace`. */
async function assertKpis(page, pageMeta, trace, t) {
  const end = new Set(pageMeta.products.filter((p) => p[1]).map((p) => p[0]));
  const upTo = trace.jobs.filter((j) => j.t <= t && end.has(j.product));
  const left = upTo.filter((j) => j.event === 'leave').length;
  const wip = upTo.filter((j) => j.event === 'release').length - left;
  const busy = [...trace.agvs.values()].filter((a) => stateAt(a, t) !== 'idle').length;
  const stops = trace.stops.filter((s) => s <= t).length;
  const read = async (id) => (await page.textContent(id)).trim();
  assert(await read('#kpi-completed') === left.toLocaleString('en-US'), `completed ${await read('#kpi-completed')}, trace ${left}`);
  assert(await read('#kpi-wip') === wip.toLocaleString('en-US'), `WIP ${await read('#kpi-wip')}, trace ${wip}`);
  assert(await read('#kpi-agvs') === `${busy} / ${pageMeta.agvs}`, `AGVs busy ${await read('#kpi-agvs')}, trace ${busy}`);
  assert(await read('#kpi-stops') === stops.toLocaleString('en-US'), `stops ${await read('#kpi-stops')}, trace ${stops}`);
  return { left, wip, busy, stops };
}

await check('the KPIs at A are those counted from the trace', async () => {
  await assertKpis(pageA.page, meta, trace, timeA);
});

await check('#t=B in the address jumps to B (hashchange), paused', async () => {
  const { page, problems } = pageA;
  await page.evaluate((t) => { window.location.hash = `#t=${t}`; }, timeB);
  await page.waitForFunction((t) => Math.abs(window.replay.time() - t) < 1e-6, timeB, { timeout: 5000 });
  await afterFrames(page);
  shotB = await shot(page);
  assert(problems.length === 0, problems.join('\n'));
});

await check('frames at A and B differ where AGVs moved, and only there', async () => {
  const { page } = pageA;
  const toPage = (xy) => page.evaluate(([x, y]) => window.replay.toPage(x, y), xy);
  const names = moving(timeA, timeB);
  const at = async (t) => {
    const out = new Map();
    for (const [name, agv] of trace.agvs) {
      const p = positionAt(agv, t);
      if (p) out.set(name, await toPage(p));
    }
    return out;
  };
  const pxA = await at(timeA), pxB = await at(timeB);
  const alone = (where, px, name) => [...px].every(([other, p]) => other === name || Math.hypot(p[0] - where[0], p[1] - where[1]) > 16);
  let checked = 0;
  for (const name of names) {
    const a = pxA.get(name);
    if (!alone(a, pxA, name) || !alone(a, pxB, null)) continue;
    // Drawn at A in its state's colour (the circle's centre) ...
    const want = stateColour.get(stateAt(trace.agvs.get(name), timeA));
    const got = pixel(shotA, a[0], a[1]);
    assert(want.every((c, i) => Math.abs(c - got[i]) <= 2), `${name} at A: pixel ${got} at ${a}, its state's colour is ${want}`);
    // ... and gone from there at B.
    const diff = patchDiff(shotA, shotB, a, 3);
    assert(diff > 20, `${name} left (${a}) between A and B, yet the frames differ there by only ${diff.toFixed(1)}`);
    checked++;
  }
  assert(checked >= 1, `no moving AGV stood alone at A (${names.join(', ')})`);
  // Nothing moves on the floor far from aisles, points and AGVs.
  const hall = meta.hall;
  let quiet = null, far = 0;
  for (let x = 10; x < hall[0]; x += 10) {
    for (let y = 10; y < hall[1]; y += 10) {
      let d = Infinity;
      for (const p of meta.points) d = Math.min(d, Math.hypot(p.x - x, p.y - y));
      for (const [, agv] of trace.agvs) {
        for (const t of [timeA, timeB]) {
          const p = positionAt(agv, t);
          if (p) d = Math.min(d, Math.hypot(p[0] - x, p[1] - y));
        }
      }
      if (d > far) { far = d; quiet = [x, y]; }
    }
  }
  assert(far > 20, 'no quiet place on the floor');
  const still = patchDiff(shotA, shotB, await toPage(quiet), 8);
  assert(still === 0, `the floor at ${quiet}, ${far.toFixed(0)} m from anything that moves, changed by ${still}`);
  console.log(`     A = ${timeA} s, B = ${timeB} s: ${checked} of ${names.length} moving AGVs checked pixel by pixel; quiet floor at ${quiet}`);
});

await check('a fresh load at #t=B draws the frame the jump drew', async () => {
  const fresh = await open(replayFile, `#t=${timeB}`);
  const again = await shot(fresh.page);
  const box = await fresh.page.evaluate(() => {
    const r = document.getElementById('floor').getBoundingClientRect();
    return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];
  });
  const diff = patchDiff(shotB, again, [box[0] + box[2] / 2, box[1] + box[3] / 2], Math.floor(Math.min(box[2], box[3]) / 2) - 2);
  assert(diff === 0, `the floor differs by ${diff}`);
  assert(fresh.problems.length === 0, fresh.problems.join('\n'));
  await fresh.context.close();
});

await check('play moves time on, pause stops it', async () => {
  const { page, problems } = pageA;
  await page.click('#play');
  await page.waitForTimeout(400);
  await page.click('#play');
  const t = await page.evaluate(() => window.replay.time());
  assert(t > timeB, `time ${t} did not move on from ${timeB}`);
  await page.waitForTimeout(200);
  assert(await page.evaluate(() => window.replay.time()) === t, 'time moved while paused');
  assert(problems.length === 0, problems.join('\n'));
  await pageA.context.close();
});

await check('a protective stop is marked where and when an AGV stopped; the KPIs count it', async () => {
  const file = path.join(dir, 'stops', 'replay.html');
  const stopsMeta = pageData(file).meta;
  const stopsTrace = readTrace(path.join(dir, 'stops.jsonl'));
  // An AGV's stop in the observed period with no other stop near it in
  // place or time, and no other AGV near it.
  const events = [];
  for (const [name, agv] of stopsTrace.agvs) {
    for (const s of agv.states) if (s.state === 'stopped') events.push({ name, t: s.t, xy: positionAt(agv, s.t) });
  }
  const clear = events.find((e) => e.t > stopsMeta.warmup_s && e.xy &&
    events.every((o) => o === e || Math.abs(o.t - e.t) > 400 || Math.hypot(o.xy[0] - e.xy[0], o.xy[1] - e.xy[1]) > 40) &&
    [...stopsTrace.agvs].every(([n, a]) => {
      if (n === e.name) return true;
      const p = positionAt(a, e.t);
      return !p || Math.hypot(p[0] - e.xy[0], p[1] - e.xy[1]) > 25;
    }));
  assert(clear, `no stop stands alone among ${events.length}`);
  const red = (png, [x, y]) => {
    // The mark's ring passes 9 to 10 px right of the AGV's centre.
    for (let dx = 8; dx <= 11; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        const p = pixel(png, x + dx, y + dy);
        if (p[0] > 170 && p[1] < 90 && p[2] < 90) return true;
      }
    }
    return false;
  };
  const at = async (t) => {
    const opened = await open(file, `#t=${t}`);
    const where = await opened.page.evaluate(([x, y]) => window.replay.toPage(x, y), clear.xy);
    const png = await shot(opened.page);
    return { opened, where, png };
  };
  const before = await at(clear.t - 1);
  const after = await at(clear.t + 0.001);
  assert(!red(before.png, before.where), `red by ${clear.name} at ${clear.xy} before its stop at ${clear.t} s`);
  assert(red(after.png, after.where), `no stop mark by ${clear.name} at ${clear.xy} after its stop at ${clear.t} s`);
  const k = await assertKpis(after.opened.page, stopsMeta, stopsTrace, clear.t + 0.001);
  assert(k.stops > 0, 'no stop counted');
  for (const { opened } of [before, after]) {
    assert(opened.problems.length === 0, opened.problems.join('\n'));
    await opened.context.close();
  }
  console.log(`     ${clear.name} stopped at ${clear.t.toFixed(3)} s at ${clear.xy.map((v) => v.toFixed(1))}; ${k.stops} stops by then`);
});

await check(`the page opens in under ${LOAD_LIMIT_MS} ms (one shift of sany18)`, async () => {
  const times = [];
  for (let k = 0; k < 3; k++) {
    const { page, context, problems } = await open(replayFile);
    times.push(await page.evaluate(() => window.replay.loadMs));
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  }
  const mb = fs.statSync(replayFile).size / 1e6;
  console.log(`     load to first frame: ${times.map((t) => t.toFixed(0)).join(', ')} ms; page ${mb.toFixed(2)} MB, ${meta.kept} records`);
  assert(Math.max(...times) < LOAD_LIMIT_MS, `slow: ${times}`);
});

await check('a replay cut by --replay-limit says what it dropped', async () => {
  const { page, context, problems } = await open(path.join(dir, 'limited', 'replay.html'));
  const banner = await page.textContent('#banner');
  assert(await page.isVisible('#banner'), 'no banner');
  assert(/last [\d,]+ records/.test(banner) && /dropped/.test(banner), banner);
  const span = await page.evaluate(() => window.replay.span);
  assert(span[0] > 0, `starts at ${span[0]}`);
  assert(problems.length === 0, problems.join('\n'));
  await context.close();
});

await check('a plant without layout, AGVs or network loads without errors', async () => {
  const { page, context, problems } = await open(path.join(dir, 'bare', 'replay.html'), '#t=3600');
  assert(await page.evaluate(() => window.replay.agvs) === 0, 'AGVs in mm3');
  await page.click('#play');
  await page.waitForTimeout(300);
  await page.click('#play');
  assert(problems.length === 0, problems.join('\n'));
  await context.close();
});

if (screenshotFile) {
  await check(`a screenshot for the README in ${screenshotFile}`, async () => {
    const { page, context, problems } = await open(replayFile, `#t=${timeA}`);
    await page.screenshot({ path: screenshotFile, fullPage: false });
    assert(problems.length === 0, problems.join('\n'));
    await context.close();
  });
}

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
