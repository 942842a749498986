//! The built-in plant, one replication (72 h warm-up + one 8 h shift), with
//! an ideal network, with the 5G `nr` model, and with the campus-calibrated
//! network of `sany18_campus` (`sany18/campus`: stack delays drawn per
//! message), and its two-way grid variant `sany18_two_way` (`nr`), in events
//! per second
//! (criterion's "elements" are events). The link profiles are computed once
//! per scenario, outside the timed loop, as `run` does.
//!
//! `cargo bench --bench plant` takes about half a minute.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use factory5g::factory::{simulate_with, LinkProfiles};
use std::hint::black_box;
use std::time::Duration;

fn plant(c: &mut Criterion) {
    let mut group = c.benchmark_group("sany18");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    let variants = [
        ("ideal", "sany18", vec!["network.model=ideal".to_string()]),
        ("nr", "sany18", vec![]),
        ("campus", "sany18_campus", vec![]),
    ];
    for (name, builtin, overrides) in variants {
        let model = factory5g::scenario::load_builtin_with(builtin, &overrides)
            .expect("the built-in plant is valid")
            .model;
        let profiles = LinkProfiles::compute(&model);
        let events = simulate_with(&model, &profiles, 18, 0).expect("runs").events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(name, |b| {
            b.iter(|| black_box(simulate_with(&model, &profiles, 18, 0)).map(|o| o.events))
        });
    }
    group.finish();
    // The same stations on a two-way grid of aisles with cross aisles,
    // zone control avoiding deadlock (`nr` network).
    let mut group = c.benchmark_group("sany18_two_way");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    let model = factory5g::scenario::load_builtin_with("sany18_two_way", &[])
        .expect("sany18_two_way is valid")
        .model;
    let profiles = LinkProfiles::compute(&model);
    let events = simulate_with(&model, &profiles, 18, 0).expect("runs").events;
    group.throughput(Throughput::Elements(events));
    group.bench_function("nr", |b| {
        b.iter(|| black_box(simulate_with(&model, &profiles, 18, 0)).map(|o| o.events))
    });
    group.finish();
}

criterion_group!(benches, plant);
criterion_main!(benches);
