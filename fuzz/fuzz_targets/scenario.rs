//! Fuzzes scenario parsing and validation: any UTF-8 text through
//! `scenario::load_str`, which must answer with a model or with located
//! errors, never a panic; a scenario that validates is then simulated for
//! a short while (at most one simulated hour and 100,000 events), since a
//! valid model must never panic the simulator either.
//!
//! `tests/it/fuzz_corpus.rs` replays the corpus (`corpus/scenario/`) the
//! same way on every `cargo test`.
#![no_main]

use factory5g::engine::SimTime;
use factory5g::factory::{simulate_with_limits, Limits, LinkProfiles};
use factory5g::model::FlowKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Parsing and validation are under test, not the machine's devices:
    // `base = "/dev/stdin"` or `empirical(/dev/zero)` would block or read
    // for long.
    if ["/dev/", "/proc/", "/sys/"].iter().any(|d| text.contains(d)) {
        return;
    }
    let Ok(loaded) = factory5g::scenario::load_str("fuzz.toml", text, None, &[]) else {
        return;
    };
    let model = loaded.model;
    // Link profiles cost thousands of messages each: keep runs short.
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
});
