//! The queue law against closed forms, its own fixed point and sampling.

use super::*;
use crate::engine::RngStreams;

#[test]
fn one_block_per_opportunity_is_the_md1_queue() {
    // Q' = max(Q + A − 1, 0), A ~ Poisson(ρ): E[Q] = ρ²/(2(1 − ρ)) and a
    // one-block robot packet waits ρ/(2(1 − ρ)) opportunities.
    for rho in [0.2, 0.5, 0.8, 0.95] {
        let law = QueueLaw::new(1, vec![Batches::Poisson { mean: rho, blocks: 1 }], Vec::new()).unwrap();
        let eq = rho * rho / (2.0 * (1.0 - rho));
        assert!(
            (law.mean_backlog() - eq).abs() < 1e-8 * (1.0 + eq),
            "{rho}: {}",
            law.mean_backlog()
        );
        let ew = rho / (2.0 * (1.0 - rho));
        let w = law.mean_wait(1).unwrap();
        // The u average is a midpoint rule: its error is far below 1e-4.
        assert!((w - ew).abs() < 1e-4 * (1.0 + ew), "{rho}: {w} against {ew}");
    }
}

#[test]
fn the_law_is_a_fixed_point_and_its_tail_is_cut_below_the_stated_mass() {
    let sources = vec![
        Batches::Poisson {
            mean: 3.0,
            blocks: 42,
        },
        Batches::Bernoulli {
            sources: 4,
            p: 0.3,
            blocks: 90,
        },
    ];
    let law = QueueLaw::new(273, sources.clone(), Vec::new()).unwrap();
    let pmf = law.backlog_pmf();
    let arrivals = convolve_all(&sources, 1.0);
    let mut next = vec![0.0; pmf.len()];
    for (i, &p) in pmf.iter().enumerate() {
        for (a, &q) in arrivals.iter().enumerate() {
            next[(i + a).saturating_sub(273).min(pmf.len() - 1)] += p * q;
        }
    }
    let moved: f64 = pmf.iter().zip(&next).map(|(a, b)| (a - b).abs()).sum();
    assert!(moved < 1e-11, "{moved}");
    assert!(pmf[pmf.len() - 1] < 1e-10, "{}", pmf[pmf.len() - 1]);
    let expected = (3.0 * 42.0 + 4.0 * 0.3 * 90.0) / 273.0;
    assert!((law.load() - expected).abs() < 1e-12);
}

#[test]
fn sampled_waits_follow_the_computed_law() {
    let law = QueueLaw::new(
        273,
        vec![Batches::Poisson {
            mean: 5.2,
            blocks: 42,
        }],
        Vec::new(),
    )
    .unwrap();
    let exact = law.mean_wait(10).unwrap();
    let mut rng = RngStreams::new(3, 0).stream("w");
    let n = 200_000;
    let draws: Vec<f64> = (0..n).map(|_| law.sample_wait(10, &mut rng) as f64).collect();
    let mean = draws.iter().sum::<f64>() / n as f64;
    let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    // Independent draws: a 99.9 % interval of the mean.
    let half = 3.29 * (var / n as f64).sqrt();
    assert!((mean - exact).abs() < half, "{mean} against {exact} ± {half}");
    assert!(exact > 0.1, "{exact}");
}

#[test]
fn under_a_discard_timer_work_offered_is_work_served_plus_work_dropped() {
    // 1,500-byte packets (42 blocks) on 273 blocks, timers of 20 and 200
    // intervals, below, at and above saturation. Stationarity: the mean
    // work offered per opportunity, E[A], is what the opportunity serves,
    // E[min(Z, C)] with Z = min(Q + A, B), plus what the buffer drops,
    // E[(Q + A − B)⁺]. Above saturation nearly every opportunity is full,
    // so the dropped share of the work is 1 − 1/ρ.
    for max_wait in [19u64, 199] {
        for rho in [0.9, 1.0, 1.2] {
            let mean = rho * 273.0 / 42.0;
            let sources = vec![Batches::Poisson { mean, blocks: 42 }];
            let start = std::time::Instant::now();
            let buffer = (max_wait as usize + 1) * 273;
            let law = QueueLaw::with_buffer(273, sources.clone(), Vec::new(), Some(buffer as u64)).unwrap();
            let arrivals = convolve_all(&sources, 1.0);
            let (mut served, mut dropped) = (0.0, 0.0);
            for (q, &pq) in law.backlog_pmf().iter().enumerate() {
                for (a, &pa) in arrivals.iter().enumerate() {
                    served += pq * pa * (q + a).min(buffer).min(273) as f64;
                    dropped += pq * pa * (q + a).saturating_sub(buffer) as f64;
                }
            }
            let offered = mean * 42.0;
            eprintln!(
                "W {max_wait} rho {rho}: served {served:.6} dropped {dropped:.6} of {offered:.6}; cycles {} residual {:.1e}; {:?}",
                law.iterations(),
                law.residual(),
                start.elapsed(),
            );
            assert!(
                ((served + dropped) - offered).abs() < 1e-8 * offered,
                "W {max_wait} ρ {rho}: {served} + {dropped} against {offered}"
            );
            if rho > 1.1 {
                let share = dropped / offered;
                assert!((share - (1.0 - 1.0 / rho)).abs() < 1e-3, "{share}");
            }
        }
    }
}

#[test]
fn higher_levels_overtake_and_a_saturating_load_has_no_law() {
    let low = QueueLaw::new(10, vec![Batches::Poisson { mean: 4.0, blocks: 1 }], Vec::new()).unwrap();
    let over = QueueLaw::new(
        10,
        vec![Batches::Poisson { mean: 4.0, blocks: 1 }],
        vec![Batches::Poisson { mean: 4.0, blocks: 1 }],
    )
    .unwrap();
    assert!(over.wait_pmf(1).is_none());
    let mut rng = RngStreams::new(1, 0).stream("o");
    let m = |law: &QueueLaw, rng: &mut StreamRng| {
        (0..20_000).map(|_| law.sample_wait(1, rng) as f64).sum::<f64>() / 20_000.0
    };
    assert!(m(&over, &mut rng) > m(&low, &mut rng));
    assert!(matches!(
        QueueLaw::new(
            10,
            vec![Batches::Poisson {
                mean: 10.0,
                blocks: 1
            }],
            Vec::new()
        ),
        Err(LawError::Saturated { .. })
    ));
    assert!(QueueLaw::new(0, Vec::new(), Vec::new()).is_err());
}
