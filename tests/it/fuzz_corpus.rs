//! Replays the fuzz corpus (`fuzz/corpus/scenario/`: the built-in
//! scenarios, the test fixtures, mutated and generated scenarios, and what
//! fuzzing found) the way the fuzz target `fuzz/fuzz_targets/scenario.rs`
//! does: every file through `scenario::load_str`, which must answer with a
//! model or located errors and never panic; a model that validates is run
//! for at most one simulated hour and 100,000 events, which must not panic
//! either.

use factory5g::engine::SimTime;
use factory5g::factory::{simulate_with_limits, Limits, LinkProfiles};
use factory5g::model::FlowKind;
use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/scenario");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// What the fuzz target does with one input.
fn replay(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if ["/dev/", "/proc/", "/sys/"].iter().any(|d| text.contains(d)) {
        return;
    }
    let loaded = match factory5g::scenario::load_str("fuzz.toml", text, None, &[]) {
        Ok(l) => l,
        Err(d) => {
            // Refused, with a reason at a place.
            assert!(d.error_count() > 0, "refused without an error: {d}");
            assert!(!d.to_string().contains("internal error"), "{d}");
            return;
        }
    };
    let model = loaded.model;
    let points = model.layout().map_or(1, |l| l.points().len().max(1));
    let periodic = model
        .flows()
        .iter()
        .filter(|f| matches!(f.kind(), FlowKind::Periodic { .. }))
        .count();
    if periodic * points > 64 {
        return;
    }
    // A model is changed only by validating again: the same text with a
    // shorter horizon (and a warm-up within it) must load too.
    let horizon = model.horizon().min(SimTime::from_secs(3600));
    let warmup = model.warmup().min(SimTime::from_nanos(horizon.as_nanos() / 2));
    let shorter = [
        format!("scenario.horizon={}ns", horizon.as_nanos()),
        format!("scenario.warmup={}ns", warmup.as_nanos()),
    ];
    let model = match factory5g::scenario::load_str("fuzz.toml", text, None, &shorter) {
        Ok(l) => l.model,
        Err(d) => panic!("valid, then refused with a shorter horizon: {d}"),
    };
    let limits = Limits {
        max_events: Some(100_000),
        max_jobs: 10_000,
        ..Limits::default()
    };
    let profiles = LinkProfiles::compute(&model);
    let _ = simulate_with_limits(&model, &profiles, model.seed(), 0, &limits);
}

#[test]
fn every_corpus_file_loads_or_fails_without_panic() {
    let files = corpus();
    assert!(files.len() >= 40, "only {} corpus files", files.len());
    let mut panicked = Vec::new();
    for f in &files {
        let data = std::fs::read(f).expect("readable");
        if std::panic::catch_unwind(|| replay(&data)).is_err() {
            panicked.push(f.display().to_string());
        }
    }
    assert!(panicked.is_empty(), "panics on: {panicked:?}");
}

/// The corpus holds every built-in scenario and every bad fixture, so that
/// fuzzing starts from them.
#[test]
fn corpus_holds_the_builtins_and_the_bad_fixtures() {
    let names: Vec<String> = corpus()
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for b in factory5g::scenario::builtin_names() {
        assert!(names.contains(&format!("{b}.toml")), "{b}.toml not in the corpus");
    }
    let bad = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    for e in std::fs::read_dir(bad).expect("tests/bad") {
        let e = e.expect("entry");
        // The drawings of tests/bad/dxf/ seed the DXF corpus (tests/it/dxf.rs).
        if e.path().is_dir() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        assert!(
            names.contains(&format!("bad-{name}")),
            "bad-{name} not in the corpus (copy tests/bad/{name} there)"
        );
    }
}
