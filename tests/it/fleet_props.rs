//! Deadlock avoidance over generated layouts: random grids and trees of
//! two-way aisles (polylines, and zones cut by `zone_length` in some), random
//! fleets of up to one AGV per point with batteries, chargers and parking
//! points, under zone control with `deadlock = "avoid"`, and a wave of jobs
//! with parts kits released in the middle of the run and then drained.
//!
//! For every case: the run ends without a deadlock; never two AGVs on a
//! zone or in a crossing (counted as AGVs drive on and off, apart from the
//! bookings; and, from the trace alone, never two AGVs driving one aisle
//! segment, or the zone away from one crossing, at the same time, nor one
//! docking at a crossing while another drives away from it); every
//! job released has left the plant by the end, so every transport was done.
//!
//! Cases: 48 by default (CI); `PROPTEST_CASES=10000 cargo test --release
//! fleet_props` for the long run (see the README).

use factory5g::factory::{simulate_traced, RunOutput, SimError, Trace};
use factory5g::model::Model;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::collections::HashMap;

/// Cases per property: `PROPTEST_CASES`, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The layout's shape.
#[derive(Copy, Clone, Debug)]
enum Shape {
    /// A spanning tree of the grid: every point reached one way only.
    Tree,
    /// The tree and about half of the other grid neighbours: cycles.
    Grid,
}

#[derive(Clone, Debug)]
struct Plant {
    shape: Shape,
    width: usize,
    height: usize,
    /// Fleet size as a share of the points (at least one AGV).
    fleet_share: f64,
    products: usize,
    stations: usize,
    chargers: usize,
    parking: usize,
    /// Aisles of 20 m cut into zones of 12 m (two each).
    zones: bool,
    /// Battery runtime in minutes.
    runtime_min: u32,
    deadlock: &'static str,
    /// Draws the rest: which neighbours, where things stand.
    seed: u64,
}

/// SplitMix64: the details of a case from its seed.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn coin(&mut self) -> bool {
        self.next() & 1 == 1
    }
}

/// The plant as TOML: points `p0`... on a grid of 20 m, two-way aisles
/// (written as polylines where the spanning tree runs straight), a wave
/// of jobs released between 20 h and 21 h, each once, and drained by 40 h.
fn plant_text(plant: &Plant) -> String {
    let mut draw = Draw(plant.seed);
    let (w, h) = (plant.width, plant.height);
    let n = w * h;
    let at = |x: usize, y: usize| y * w + x;
    // A random spanning tree of the grid (randomized depth-first search),
    // then, for a grid, about half of the neighbours it left out.
    let mut seen = vec![false; n];
    let mut stack = vec![draw.below(n)];
    seen[stack[0]] = true;
    let mut tree: Vec<(usize, usize)> = Vec::new();
    while let Some(&top) = stack.last() {
        let (x, y) = (top % w, top / w);
        let mut next: Vec<usize> = Vec::new();
        if x > 0 {
            next.push(at(x - 1, y));
        }
        if x + 1 < w {
            next.push(at(x + 1, y));
        }
        if y > 0 {
            next.push(at(x, y - 1));
        }
        if y + 1 < h {
            next.push(at(x, y + 1));
        }
        next.retain(|&p| !seen[p]);
        if next.is_empty() {
            stack.pop();
            continue;
        }
        let p = next[draw.below(next.len())];
        seen[p] = true;
        tree.push((top, p));
        stack.push(p);
    }
    let mut aisles: Vec<Vec<usize>> = Vec::new();
    // Tree edges chained into polylines where one continues the last.
    for &(a, b) in &tree {
        match aisles.last_mut() {
            Some(line) if *line.last().expect("not empty") == a => line.push(b),
            _ => aisles.push(vec![a, b]),
        }
    }
    if let Shape::Grid = plant.shape {
        for y in 0..h {
            for x in 0..w {
                for (nx, ny) in [(x + 1, y), (x, y + 1)] {
                    if nx < w && ny < h {
                        let (a, b) = (at(x, y), at(nx, ny));
                        let in_tree = tree.contains(&(a, b)) || tree.contains(&(b, a));
                        if !in_tree && draw.coin() {
                            aisles.push(vec![a, b]);
                        }
                    }
                }
            }
        }
    }
    let points: Vec<String> = (0..n)
        .map(|p| format!("p{p} = [{}, {}]", (p % w) * 20, (p / w) * 20))
        .collect();
    let aisle_text: Vec<String> = aisles
        .iter()
        .map(|line| {
            let names: Vec<String> = line.iter().map(|p| format!("\"p{p}\"")).collect();
            format!("[{}]", names.join(", "))
        })
        .collect();
    let agvs = ((plant.fleet_share * n as f64).round() as usize).clamp(1, n);
    let home = draw.below(n);
    let warehouse = draw.below(n);
    let chargers: Vec<String> = (0..plant.chargers)
        .map(|_| format!("\"p{}\"", draw.below(n)))
        .collect();
    let mut parking: Vec<usize> = Vec::new();
    for _ in 0..plant.parking {
        let p = draw.below(n);
        if !parking.contains(&p) {
            parking.push(p);
        }
    }
    let parking: Vec<String> = parking.iter().map(|p| format!("\"p{p}\"")).collect();
    let mut text = format!(
        "[scenario]\nhorizon = \"40h\"\nwarmup = \"0s\"\nseed = {seed}\n\n\
         [layout]\nsize = [{sx}, {sy}]\npoints = {{ {points} }}\naisles = [{aisles}]\n{zones}\n\
         [fleet]\nagvs = {agvs}\nspeed = \"1m/s\"\nspeed_loaded = \"0.8m/s\"\nload = \"exp(20s)\"\nunload = \"exp(20s)\"\n\
         home = \"p{home}\"\nwarehouse = \"p{warehouse}\"\nzone_control = true\ndeadlock = \"{deadlock}\"\n\
         parking = [{parking}]\n\
         battery = {{ runtime = \"{runtime}min\", recharge = \"10min\", chargers = [{chargers}], threshold = 0.3 }}\n",
        seed = plant.seed % 1000,
        sx = (w - 1).max(1) * 20,
        sy = (h - 1).max(1) * 20,
        points = points.join(", "),
        aisles = aisle_text.join(", "),
        zones = if plant.zones { "zone_length = \"12m\"" } else { "" },
        deadlock = plant.deadlock,
        parking = parking.join(", "),
        runtime = plant.runtime_min,
        chargers = chargers.join(", "),
    );
    for s in 0..plant.stations {
        text += &format!(
            "\n[[station]]\nname = \"s{s}\"\nat = \"p{}\"\nservers = {}\nprocess = \"exp(2min)\"\n",
            draw.below(n),
            1 + draw.below(3)
        );
    }
    for j in 0..plant.products {
        let steps: Vec<String> = (0..1 + draw.below(3))
            .map(|_| {
                let station = draw.below(plant.stations);
                if draw.coin() {
                    format!("{{ station = \"s{station}\", parts = \"kit\" }}")
                } else {
                    format!("\"s{station}\"")
                }
            })
            .collect();
        // Once, between 20 h and 21 h: the next would come after 40 h.
        text += &format!(
            "\n[[product]]\nname = \"job{j}\"\nrelease = \"uniform(20h, 21h)\"\nroute = [{}]\n",
            steps.join(", ")
        );
    }
    text
}

fn plant_strategy(deadlock: &'static str) -> impl Strategy<Value = Plant> {
    (
        prop_oneof![Just(Shape::Tree), Just(Shape::Grid)],
        2usize..6,
        1usize..5,
        0.05f64..1.0,
        1usize..25,
        1usize..5,
        (1usize..3, 0usize..5, any::<bool>(), 20u32..120),
        any::<u64>(),
    )
        .prop_map(
            move |(
                shape,
                width,
                height,
                fleet_share,
                products,
                stations,
                (chargers, parking, zones, runtime_min),
                seed,
            )| {
                Plant {
                    shape,
                    width,
                    height,
                    fleet_share,
                    products,
                    stations,
                    chargers,
                    parking,
                    zones,
                    runtime_min,
                    deadlock,
                    seed,
                }
            },
        )
}

fn load(text: &str) -> Model {
    match factory5g::scenario::load_str("generated.toml", text, None, &[]) {
        Ok(loaded) => loaded.model,
        Err(d) => panic!("generated scenario invalid:\n{d}\n{text}"),
    }
}

/// From the trace alone: two AGVs' intervals on one key never overlap.
fn assert_apart(what: &str, spans: HashMap<String, Vec<(u64, u64, &str)>>) -> Result<(), TestCaseError> {
    for (key, mut spans) in spans {
        spans.sort();
        for pair in spans.windows(2) {
            let ((_, end, first), (start, _, second)) = (pair[0], pair[1]);
            // A microsecond of slack for the seconds of `until`.
            prop_assert!(
                first == second || start + 1_000 >= end,
                "{} and {} both in {} {} at {} s",
                first,
                second,
                what,
                key,
                start as f64 * 1e-9
            );
        }
    }
    Ok(())
}

/// One straight movement from the trace (a resumed movement, `from`
/// empty, merged into the one it continues), and when the AGV docked
/// after it (handled cargo, idled, charged or waited for a charger), if it
/// did before its next movement.
struct Drive<'t> {
    from: &'t str,
    to: &'t str,
    start: u64,
    end: u64,
    docked_at: Option<u64>,
}

/// Each AGV's movements, in order, from the trace.
fn drives(trace: &Trace) -> HashMap<&str, Vec<Drive<'_>>> {
    let mut by_agv: HashMap<&str, Vec<Drive<'_>>> = HashMap::new();
    for r in &trace.records {
        if !r.entity.starts_with("agv") {
            continue;
        }
        let list = by_agv.entry(r.entity.as_str()).or_default();
        match r.event {
            "move" => {
                let from = r.from.as_deref().unwrap_or("");
                let end = (r.until.expect("a move has an end") * 1e9).round() as u64;
                match list.last_mut() {
                    Some(last) if from.is_empty() => last.end = end,
                    _ => list.push(Drive {
                        from,
                        to: r.to.as_deref().unwrap_or(""),
                        start: r.time_ns,
                        end,
                        docked_at: None,
                    }),
                }
            }
            "state" if matches!(r.state.as_str(), "handling" | "idle" | "charging" | "charge_wait") => {
                if let Some(last) = list.last_mut() {
                    last.docked_at.get_or_insert(r.time_ns);
                }
            }
            _ => {}
        }
    }
    by_agv
}

/// From the trace alone: the AGVs driving each aisle segment, as intervals
/// of time, and the AGVs in each crossing: while driving the zone after it
/// (which they hold it for), and at the instant they dock at it (an AGV
/// that arrives waits at the end of its zone until the crossing is its
/// own, which the trace does not show); no two AGVs' intervals overlap on
/// a segment or at a crossing.
fn assert_one_agv_per_segment_and_crossing(model: &Model, trace: &Trace) -> Result<(), TestCaseError> {
    let layout = model.layout().expect("a layout");
    let crossing = |name: &str| layout.point(name).is_some_and(|p| layout.is_crossing(p));
    let mut segments: HashMap<String, Vec<(u64, u64, &str)>> = HashMap::new();
    let mut crossings: HashMap<String, Vec<(u64, u64, &str)>> = HashMap::new();
    for (agv, list) in drives(trace) {
        for drive in &list {
            let mut ends = [drive.from, drive.to];
            ends.sort();
            segments
                .entry(ends.join("-"))
                .or_default()
                .push((drive.start, drive.end, agv));
            if crossing(drive.from) {
                crossings
                    .entry(drive.from.to_string())
                    .or_default()
                    .push((drive.start, drive.end, agv));
            }
            if let Some(docked) = drive.docked_at.filter(|_| crossing(drive.to)) {
                crossings
                    .entry(drive.to.to_string())
                    .or_default()
                    .push((docked, docked, agv));
            }
        }
    }
    assert_apart("segment", segments)?;
    assert_apart("crossing", crossings)
}

/// Every job released has left the plant, every product's census is empty.
fn assert_drained(out: &RunOutput) -> Result<(), TestCaseError> {
    for (p, product) in out.products.iter().enumerate() {
        prop_assert_eq!(product.released_total, 1, "job{} is released once", p);
        prop_assert_eq!(
            product.completed_total,
            product.released_total,
            "job{} left in the plant: {:?}",
            p,
            product.census
        );
        prop_assert_eq!(product.census.in_process(), 0);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    /// Avoidance: no deadlock, one AGV per zone and crossing, every job done.
    #[test]
    fn avoidance_never_deadlocks_shares_no_zone_and_finishes_every_task(plant in plant_strategy("avoid")) {
        let text = plant_text(&plant);
        let model = load(&text);
        let mut trace = Trace::new(usize::MAX);
        let out = match simulate_traced(&model, model.seed(), 0, &mut trace) {
            Ok(out) => out,
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{text}"))),
        };
        let fleet = out.fleet.as_ref().expect("a fleet");
        prop_assert!(fleet.max_segment_occupancy <= 1, "{} AGVs on one zone\n{}", fleet.max_segment_occupancy, text);
        prop_assert!(fleet.max_crossing_occupancy <= 1, "{} AGVs in one crossing\n{}", fleet.max_crossing_occupancy, text);
        assert_one_agv_per_segment_and_crossing(&model, &trace)?;
        assert_drained(&out)?;
    }
}

/// The same plants under `"detect"` deadlock, often: the generator makes
/// the conflicts that avoidance resolves (a check that the property above
/// can fail).
#[test]
fn the_generated_plants_deadlock_under_detect() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = plant_strategy("detect");
    let (mut deadlocks, total) = (0, 64);
    for _ in 0..total {
        let plant = strategy.new_tree(&mut runner).expect("a plant").current();
        let model = load(&plant_text(&plant));
        match factory5g::factory::simulate(&model, model.seed(), 0) {
            Err(SimError::Deadlock { .. }) => deadlocks += 1,
            Err(e) => panic!("{e}"),
            Ok(_) => {}
        }
    }
    eprintln!("{deadlocks} of {total} generated plants deadlock under detect");
    assert!(deadlocks >= total / 8, "{deadlocks} of {total}");
}
