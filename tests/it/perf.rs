//! The shortcuts taken for speed give the same model as the plain simulation.
//!
//! A station where a seized server can start processing at once takes a
//! shortcut past the readiness checks; the same plant with a setup that
//! never happens (one product) takes the general path and must give the
//! same output, bit for bit.
//!
//! Periodic flows are sampled by runs ([`FlowSampling::Runs`]): a run of valid
//! messages or of failures is drawn in one step, so a heartbeat that always
//! arrives costs no event. [`FlowSampling::EveryMessage`] decides every message
//! with an event of its own. Both must give the same protective-stop rate,
//! loss counts, availability and stopped time, within the confidence
//! intervals of the replications (fixed seeds, so the test is deterministic).

use super::{heartbeat_plant, model};
use factory5g::factory::{
    simulate_traced, simulate_with, FlowSampling, LinkProfiles, RunOutput, StationState, Trace,
};
use factory5g::model::Model;
use factory5g::stats::t_975;
use rayon::prelude::*;

fn runs(model: &Model, sampling: FlowSampling, seed: u64, reps: u32) -> Vec<RunOutput> {
    let profiles = LinkProfiles::compute(model).with_sampling(sampling);
    (0..reps)
        .into_par_iter()
        .map(|r| simulate_with(model, &profiles, seed, r).expect("runs"))
        .collect()
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Asserts that two sets of replications agree on a KPI: the difference of
/// the means lies within twice the 95% half-width of the difference (Welch,
/// about four standard errors), and each mean is known to within `max_rel`
/// (95%) so that the comparison has power.
fn assert_same(what: &str, a: &[f64], b: &[f64], max_rel: f64) {
    let (ma, va) = mean_var(a);
    let (mb, vb) = mean_var(b);
    let n = a.len() as f64;
    let se = (va / n + vb / n).sqrt();
    let half = t_975(a.len() as u64 - 1) * se;
    let diff = ma - mb;
    let rel_a = t_975(a.len() as u64 - 1) * (va / n).sqrt() / ma.abs();
    let rel_b = t_975(b.len() as u64 - 1) * (vb / n).sqrt() / mb.abs();
    eprintln!(
        "{what}: runs {ma:.6} (±{:.2}%), every message {mb:.6} (±{:.2}%), difference {diff:+.6} \
         = {:+.2} half-widths of its 95% interval (±{half:.6})",
        100.0 * rel_a,
        100.0 * rel_b,
        diff / half
    );
    assert!(
        diff.abs() <= 2.0 * half,
        "{what}: runs {ma} and every message {mb} differ by {diff}, more than twice ±{half}"
    );
    assert!(
        rel_a <= max_rel && rel_b <= max_rel,
        "{what}: intervals too wide to compare"
    );
}

#[test]
fn runs_and_every_message_give_the_same_stops_losses_and_availability() {
    // (loss p, survival n, deadline): deadlines shorter and longer than the
    // 100 ms period (a failure is known only at its deadline).
    // The last case is a good link: stops are rare and runs skip almost
    // every message.
    for (p, n, deadline_ms, seed) in [
        (0.3, 2u32, 50u32, 21u64),
        (0.2, 0, 250, 22),
        (0.5, 3, 100, 23),
        (0.01, 0, 100, 24),
    ] {
        let m = model(&heartbeat_plant(p, n, deadline_ms, "70min", "10min"));
        let reps = 12;
        let a = runs(&m, FlowSampling::Runs, seed, reps);
        let b = runs(&m, FlowSampling::EveryMessage, seed + 100, reps);
        eprintln!(
            "p {p} n {n} deadline {deadline_ms} ms: events per replication {} (runs) vs {} (every message)",
            a[0].events, b[0].events
        );
        if p < 0.1 {
            assert!(a[0].events * 10 < b[0].events, "runs should save most events");
        }
        // The same messages are counted in both, but at the ends of the
        // observed hour: runs count a message when it is decided (at its
        // deadline), every-message sampling when it is sent, so the messages
        // in flight at the warm-up and at the horizon may differ.
        let in_flight = 10 * (i64::from(deadline_ms) / 100 + 1);
        for (x, y) in a.iter().zip(&b) {
            let (sx, sy) = (x.flows[0].sent as i64, y.flows[0].sent as i64);
            assert!((sx - sy).abs() <= 2 * in_flight, "sent {sx} vs {sy}");
        }
        let observed_ns = |o: &RunOutput| o.observed_s * 1e9 * f64::from(o.flows[0].robots);
        let kpi = |runs: &[RunOutput], f: &dyn Fn(&RunOutput) -> f64| runs.iter().map(f).collect::<Vec<_>>();
        let label = |k: &str| format!("p {p} n {n} deadline {deadline_ms} ms: {k}");
        let stops = |o: &RunOutput| o.flows[0].survival_violations as f64 / o.flows[0].sent as f64;
        assert_same(
            &label("stops per message"),
            &kpi(&a, &stops),
            &kpi(&b, &stops),
            0.1,
        );
        let lost = |o: &RunOutput| o.flows[0].lost / o.flows[0].sent as f64;
        assert_same(&label("lost share"), &kpi(&a, &lost), &kpi(&b, &lost), 0.02);
        let unavailable = |o: &RunOutput| o.flows[0].unavailable_ns as f64 / observed_ns(o);
        assert_same(
            &label("unavailability"),
            &kpi(&a, &unavailable),
            &kpi(&b, &unavailable),
            0.1,
        );
        let stopped = |o: &RunOutput| o.stations[0].utilization()[StationState::Stopped as usize];
        assert_same(
            &label("arms stopped"),
            &kpi(&a, &stopped),
            &kpi(&b, &stopped),
            0.1,
        );
        // Against theory too: violations start at (1 - p) p^(n+1) per message.
        let theory = (1.0 - p) * p.powi(n as i32 + 1);
        let (ms, _) = mean_var(&kpi(&b, &stops));
        assert!(
            (ms / theory - 1.0).abs() < 0.1,
            "every message: {ms} vs theory {theory}"
        );
    }
}

/// A line of two stations, one product; with `setup`, each station has a
/// setup time, which one product never needs.
fn line(setup: &str) -> String {
    format!(
        r#"
[scenario]
horizon = "2000h"
warmup = "100h"

[[station]]
name = "saw"
servers = 2
process = "exp(50min)"
input_buffer = 4
{setup}

[[station]]
name = "mill"
servers = 3
process = "tri(40min, 70min, 100min)"
{setup}

[[product]]
name = "part"
release = "exp(30min)"
route = ["saw", "mill"]
"#
    )
}

#[test]
fn the_plain_station_shortcut_gives_the_general_path_s_output() {
    let shortcut = model(&line(""));
    let general = model(&line(r#"setup = "exp(5min)""#));
    for r in 0..3 {
        let a = simulate_with(&shortcut, &LinkProfiles::compute(&shortcut), 5, r).expect("runs");
        let b = simulate_with(&general, &LinkProfiles::compute(&general), 5, r).expect("runs");
        assert!(a.stations[1].completed > 1000, "{}", a.stations[1].completed);
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "replication {r}");
    }
    // The trace too: the same state changes at the same times.
    let (mut ta, mut tb) = (Trace::new(100_000), Trace::new(100_000));
    simulate_traced(&shortcut, 5, 0, &mut ta).expect("runs");
    simulate_traced(&general, 5, 0, &mut tb).expect("runs");
    assert!(ta.records.len() > 10_000, "{}", ta.records.len());
    assert_eq!(ta.records, tb.records);
}
