//! Engine benchmarks.
//!
//! - `hold/*`: the classic hold model of a future event set: with N events
//!   pending (4, 100, 10,000 and 1,000,000), pop the next one and schedule a new
//!   one a random time later, 10,000 times per iteration, on a set built once
//!   (the hold model keeps its size). `event_queue` is ours with
//!   [`EventQueue::schedule`] (the plain heap every event that is never
//!   cancelled takes); `event_queue_cancellable` is ours with
//!   [`EventQueue::schedule_cancellable`] (the `priority-queue` indexed heap
//!   that cancellation needs); `binary_heap` is std's heap with (time, seq)
//!   keys, the floor to beat, in the same group so that criterion's report
//!   compares them side by side.
//! - `mmc/*`: an M/M/3 station at utilization 0.9, reported in events/s
//!   (criterion's "elements" are events).
//!
//! `cargo bench --bench engine` takes about two minutes.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use factory5g::engine::{EventQueue, SimTime};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

/// A tiny xorshift generator so that the benchmark measures the queue, not the RNG.
struct XorShift(u64);
impl XorShift {
    fn next_delay(&mut self) -> SimTime {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        SimTime::from_nanos(self.0 % 1_000_000)
    }
}

const OPS: u64 = 10_000;

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.throughput(Throughput::Elements(OPS));
    for &pending in &[4usize, 100, 10_000, 1_000_000] {
        // The set is built once per benchmark: the hold model keeps it at
        // `pending` events, so every iteration continues the same run.
        if pending >= 1_000_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(4));
        } else {
            group.sample_size(30);
            group.measurement_time(Duration::from_secs(3));
        }
        group.bench_with_input(BenchmarkId::new("event_queue", pending), &pending, |b, &n| {
            let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
            let mut q = EventQueue::new();
            for i in 0..n as u64 {
                q.schedule(rng.next_delay(), i);
            }
            b.iter(|| {
                for _ in 0..OPS {
                    let (t, ev) = q.pop().expect("pending");
                    q.schedule(t + rng.next_delay(), black_box(ev));
                }
            })
        });
        group.bench_with_input(
            BenchmarkId::new("event_queue_cancellable", pending),
            &pending,
            |b, &n| {
                let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
                let mut q = EventQueue::new();
                for i in 0..n as u64 {
                    q.schedule_cancellable(rng.next_delay(), i);
                }
                b.iter(|| {
                    for _ in 0..OPS {
                        let (t, ev) = q.pop().expect("pending");
                        black_box(q.schedule_cancellable(t + rng.next_delay(), black_box(ev)));
                    }
                })
            },
        );
        group.bench_with_input(BenchmarkId::new("binary_heap", pending), &pending, |b, &n| {
            let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
            let mut heap = BinaryHeap::new();
            for i in 0..n as u64 {
                heap.push(Reverse((rng.next_delay(), i, i)));
            }
            let mut seq = n as u64;
            b.iter(|| {
                for _ in 0..OPS {
                    let Reverse((t, _, ev)) = heap.pop().expect("pending");
                    seq += 1;
                    heap.push(Reverse((t + rng.next_delay(), seq, black_box(ev))));
                }
            })
        });
    }
    group.finish();
}

const MMC: &str = r#"
[scenario]
name = "bench M/M/3"
horizon = "2000h"
seed = 3

[[station]]
name = "cell"
servers = 3
process = "exp(2.7min)"

[[product]]
name = "job"
release = "exp(1min)"
route = ["cell"]
"#;

fn mmc(c: &mut Criterion) {
    let model = factory5g::scenario::load_str("bench", MMC, None, &[])
        .expect("the bench scenario is valid")
        .model;
    let events = factory5g::factory::simulate(&model, 3, 0).expect("runs").events;
    let mut group = c.benchmark_group("mmc");
    group.throughput(Throughput::Elements(events));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("mm3_rho0.9_2000h", |b| {
        b.iter(|| black_box(factory5g::factory::simulate(&model, 3, 0)).map(|o| o.events))
    });
    group.finish();
}

criterion_group!(benches, hold, mmc);
criterion_main!(benches);
