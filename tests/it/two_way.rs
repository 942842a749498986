//! The built-in plant on two-way aisles, and deadlock avoidance on the
//! one-way loop it was built for.
//!
//! `sany18` with every aisle made two-way (its `one_way` list renamed
//! `aisles`) deadlocks within a shift under `deadlock = "detect"`; under
//! `"avoid"` it runs, with 30 and 60 AGVs, and so does the two-way grid
//! `sany18_two_way`. The fleet is not the plant's bottleneck (its AGVs are
//! busy a few percent of the time), so the throughput of the two-way
//! plants must be that of the one-way loop within the replications'
//! confidence interval. On the one-way loop, where `"detect"` never
//! deadlocks, `"avoid"` must not make things worse: the KPIs agree with
//! `"detect"` (today's zone control) within their intervals.
//!
//! Comparisons are paired (common random numbers: the same seed and
//! replication numbers for both plants) over 20 replications of 48 h
//! observed after the built-in's 48 h warm-up: the mean difference lies
//! within twice the half-width of its 95% interval, and that interval is
//! narrow enough (a share `max_rel` of the one-way plant's mean) for the
//! check to mean something.

use super::replications;
use factory5g::experiment::kpi::KpiTable;
use factory5g::factory::{RunOutput, SimError};
use factory5g::model::Model;
use factory5g::stats::mean_ci95;

const REPLICATIONS: u32 = 20;
const SEED: u64 = 18;
/// 48 h warm-up and 48 h observed: a shift alone gives throughput
/// intervals of ±12%.
const HORIZON: &str = "scenario.horizon=\"96h\"";

/// A built-in observed for 48 h, with `overrides`.
fn builtin(name: &str, overrides: &[String]) -> Model {
    let overrides: Vec<String> = std::iter::once(HORIZON.to_string())
        .chain(overrides.iter().cloned())
        .collect();
    factory5g::scenario::load_builtin_with(name, &overrides)
        .expect("a valid built-in")
        .model
}

/// `sany18` with every aisle two-way and `agvs` AGVs.
fn sany18_every_aisle_two_way(agvs: u32, deadlock: &str) -> Model {
    let text = factory5g::scenario::builtin_text("sany18")
        .expect("sany18")
        .replace("one_way = [", "aisles = [");
    let overrides = [
        HORIZON.to_string(),
        format!("fleet.agvs={agvs}"),
        format!("fleet.deadlock=\"{deadlock}\""),
    ];
    factory5g::scenario::load_str("two_way.toml", &text, None, &overrides)
        .expect("valid")
        .model
}

/// Asserts that `b` agrees with `a` on `kpi`, paired by replication: the
/// mean difference within twice the half-width of its 95% interval, and
/// that half-width under `max_rel` of `a`'s mean (narrow enough to mean
/// something).
fn assert_paired_same(what: &str, kpi: &str, a: &KpiTable, b: &KpiTable, max_rel: f64) {
    let (xa, xb) = (a.get(kpi).expect("a KPI"), b.get(kpi).expect("a KPI"));
    let diffs: Vec<f64> = xa.iter().zip(xb).map(|(x, y)| y - x).collect();
    let (diff, ci) = mean_ci95(&diffs);
    let (lo, hi) = ci.expect("replications");
    let half = (hi - lo) / 2.0;
    let (mean_a, ci_a) = mean_ci95(xa);
    let (lo_a, hi_a) = ci_a.expect("replications");
    let half_a = (hi_a - lo_a) / 2.0;
    eprintln!(
        "{what} {kpi}: A {mean_a:.5} ± {half_a:.5} (95%), B - A {diff:+.5} (95% CI {lo:.5} to {hi:.5})"
    );
    assert!(
        diff.abs() <= 2.0 * half.max(f64::EPSILON * mean_a.abs()),
        "{what} {kpi}: B - A = {diff} outside twice its interval ±{half}"
    );
    assert!(
        half <= max_rel * mean_a.abs(),
        "{what} {kpi}: interval ±{half} of the difference too wide to compare with {mean_a}"
    );
}

fn table(model: &Model, runs: &[RunOutput]) -> KpiTable {
    KpiTable::of(model, runs)
}

#[test]
fn sany18_on_two_way_aisles_deadlocks_under_detect() {
    // What the issue reported: the run ends with a deadlock error.
    let model = sany18_every_aisle_two_way(30, "detect");
    let deadlocked = (0..4).any(|r| {
        matches!(
            factory5g::factory::simulate(&model, SEED, r),
            Err(SimError::Deadlock { .. })
        )
    });
    assert!(deadlocked, "two-way sany18 under detect should deadlock");
}

#[test]
fn sany18_on_two_way_aisles_runs_and_keeps_the_one_way_throughput() {
    for agvs in [30, 60] {
        let one_way = builtin("sany18", &[format!("fleet.agvs={agvs}")]);
        let a = table(&one_way, &replications(&one_way, SEED, REPLICATIONS));
        let plants = [
            ("every aisle two-way", sany18_every_aisle_two_way(agvs, "avoid")),
            (
                "sany18_two_way",
                builtin("sany18_two_way", &[format!("fleet.agvs={agvs}")]),
            ),
        ];
        for (name, plant) in plants {
            // `replications` fails the test on any error, a deadlock included.
            let runs = replications(&plant, SEED, REPLICATIONS);
            for out in &runs {
                let fleet = out.fleet.as_ref().expect("a fleet");
                assert_eq!(fleet.max_segment_occupancy, 1, "{name}, {agvs} AGVs");
                assert!(fleet.max_crossing_occupancy <= 1, "{name}, {agvs} AGVs");
            }
            let b = table(&plant, &runs);
            let what = format!("{name}, {agvs} AGVs:");
            assert_paired_same(&what, "throughput_per_h", &a, &b, 0.1);
        }
    }
}

/// On sany18's one-way loop (about 50 zones, 30 AGVs, no crossings) plain
/// zone control cannot deadlock, and `"avoid"` uses it: the same results
/// as `"detect"`, bit for bit. With 60 AGVs the loop is shorter than the
/// fleet, `"avoid"` reserves paths, and the plant's KPIs stay within the
/// intervals of `"detect"` (which does not deadlock on this loop in these
/// replications).
#[test]
fn on_the_one_way_loop_avoidance_matches_detection() {
    let detect = builtin("sany18", &["fleet.deadlock=\"detect\"".to_string()]);
    let avoid = builtin("sany18", &[]);
    let a = table(&detect, &replications(&detect, SEED, 4));
    let b = table(&avoid, &replications(&avoid, SEED, 4));
    assert_eq!(a.names, b.names);
    for (name, (x, y)) in a.names.iter().zip(a.values.iter().zip(&b.values)) {
        let same = x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits());
        assert!(same, "{name}: detect {x:?}, avoid {y:?}");
    }
    let overrides = |deadlock: &str| {
        [
            "fleet.agvs=60".to_string(),
            format!("fleet.deadlock=\"{deadlock}\""),
        ]
    };
    let detect = builtin("sany18", &overrides("detect"));
    let avoid = builtin("sany18", &overrides("avoid"));
    let a = table(&detect, &replications(&detect, SEED, REPLICATIONS));
    let b = table(&avoid, &replications(&avoid, SEED, REPLICATIONS));
    let what = "one-way loop, 60 AGVs, avoid vs detect:";
    assert_paired_same(what, "throughput_per_h", &a, &b, 0.1);
    assert_paired_same(what, "lead_time_s", &a, &b, 0.05);
    assert_paired_same(what, "agv.travel_loaded", &a, &b, 0.05);
}
