//! Closed lines and bottlenecks against theory.
//!
//! - CONWIP lines of exponential stations against exact mean value
//!   analysis (Reiser and Lavenberg, "Mean-value analysis of closed
//!   multichain queuing networks", J. ACM 27(2), 1980), in its
//!   load-dependent form for stations with several servers (the marginal
//!   probabilities of Lazowska, Zahorjan, Graham and Sevcik, *Quantitative
//!   System Performance*, Prentice-Hall 1984, ch. 20): throughput and the
//!   mean number at each station, for N = 1, 2, 5, 10 jobs and lines of 2,
//!   3 and 5 stations. Under CONWIP the WIP is N at every instant, so its
//!   time average is N exactly.
//! - The active period method (Roser, Nakano and Tanaka 2002) on tandem
//!   lines: with utilizations 0.5 / 0.9 / 0.6 the middle station is the
//!   main bottleneck with the largest sole share; with two equal
//!   bottlenecks the two shift.

use super::{assert_matches_theory, model, replications};
use factory5g::factory::{RunOutput, StationState};
use factory5g::stats::mean_ci95;

/// Exact mean value analysis of a closed line: station k has `servers[k]`
/// exponential servers with mean service `demand[k]` (one visit per
/// cycle). Returns the throughput and the mean number at each station
/// with `jobs` jobs. Load-dependent MVA: a station with c servers serves
/// at rate min(j, c)/D with j jobs there.
pub fn mva(demand: &[f64], servers: &[u32], jobs: u32) -> (f64, Vec<f64>) {
    let stations = demand.len();
    let max = jobs as usize;
    // marginal[k][j]: P(j jobs at k) with the current population.
    let mut marginal: Vec<Vec<f64>> = vec![vec![0.0; max + 1]; stations];
    for m in &mut marginal {
        m[0] = 1.0;
    }
    let rate = |k: usize, j: usize| f64::from(servers[k]).min(j as f64) / demand[k];
    let mut throughput = 0.0;
    for n in 1..=max {
        let residence: Vec<f64> = (0..stations)
            .map(|k| (1..=n).map(|j| j as f64 / rate(k, j) * marginal[k][j - 1]).sum())
            .collect();
        throughput = n as f64 / residence.iter().sum::<f64>();
        for (k, m) in marginal.iter_mut().enumerate() {
            let previous = m.clone();
            for j in (1..=n).rev() {
                m[j] = throughput / rate(k, j) * previous[j - 1];
            }
            m[0] = 1.0 - m[1..=n].iter().sum::<f64>();
        }
    }
    let number = marginal
        .iter()
        .map(|m| m.iter().enumerate().map(|(j, p)| j as f64 * p).sum())
        .collect();
    (throughput, number)
}

#[test]
fn mva_reproduces_the_reference_example() {
    // reference/queueing.md: D = (1 h, 1 h), N = 2 gives X = 2/3 per hour;
    // by symmetry one job at each station on average.
    let (x, q) = mva(&[1.0, 1.0], &[1, 1], 2);
    assert!((x - 2.0 / 3.0).abs() < 1e-12, "{x}");
    assert!(q.iter().all(|&n| (n - 1.0).abs() < 1e-12), "{q:?}");
    // One job: no queueing, X = 1 / ΣD.
    let (x, _) = mva(&[0.5, 1.5, 2.0], &[1, 1, 1], 1);
    assert!((x - 0.25).abs() < 1e-12);
    // Two servers with one job each and D = 1 serve at rate 2: with the
    // jobs of the line stuck there, the closed form of a 2-station
    // network with N = 2 (states (2,0), (1,1), (0,2); rates 2 at the
    // two-server station, 1 at the other) has π ∝ (1/2, 1, 1).
    let (x, q) = mva(&[1.0, 1.0], &[2, 1], 2);
    let z = 0.5 + 1.0 + 1.0;
    let expected_x = (0.5 * 2.0 + 1.0 * 1.0) / z;
    assert!((x - expected_x).abs() < 1e-12, "{x} vs {expected_x}");
    assert!((q[0] - (2.0 * 0.5 + 1.0) / z).abs() < 1e-12, "{q:?}");
}

/// A line of exponential stations `s0, s1, ...` (mean service in
/// minutes, servers each), one product released by `release`.
fn line(demand_min: &[f64], servers: &[u32], release: &str, horizon_h: u32, warmup_h: u32) -> String {
    let mut text = format!("[scenario]\nhorizon = \"{horizon_h}h\"\nwarmup = \"{warmup_h}h\"\n");
    let mut route = Vec::new();
    for (k, (d, c)) in demand_min.iter().zip(servers).enumerate() {
        text.push_str(&format!(
            "[[station]]\nname = \"s{k}\"\nservers = {c}\nprocess = \"exp({d}min)\"\n"
        ));
        route.push(format!("\"s{k}\""));
    }
    text.push_str(&format!(
        "[[product]]\nname = \"job\"\nrelease = \"{release}\"\nroute = [{}]\n",
        route.join(", ")
    ));
    text
}

/// Mean number at station `k` in one replication: its queue and the
/// servers busy.
fn number_at(out: &RunOutput, k: usize, servers: u32) -> f64 {
    let st = &out.stations[k];
    st.queue_len_mean + f64::from(servers) * st.utilization()[StationState::Busy as usize]
}

fn check_line(demand_min: &[f64], servers: &[u32], jobs: u32, seed: u64) {
    let (x_per_min, q) = mva(demand_min, servers, jobs);
    let text = line(demand_min, servers, &format!("conwip({jobs})"), 600, 20);
    let runs = replications(&model(&text), seed, 16);
    let what = format!("CONWIP N = {jobs}, D = {demand_min:?} min, c = {servers:?}");
    let throughput: Vec<f64> = runs.iter().map(|o| o.throughput_per_h()).collect();
    assert_matches_theory(&format!("{what}: X"), &throughput, 60.0 * x_per_min, 0.01);
    for (k, &expected) in q.iter().enumerate() {
        let number: Vec<f64> = runs.iter().map(|o| number_at(o, k, servers[k])).collect();
        // A station that holds a small share of the jobs has a small mean
        // and a wider relative interval.
        let max_rel = if expected < 0.2 * f64::from(jobs) {
            0.06
        } else {
            0.03
        };
        assert_matches_theory(&format!("{what}: Q{k}"), &number, expected, max_rel);
    }
    for o in &runs {
        assert_eq!(
            o.wip_mean,
            f64::from(jobs),
            "{what}: the WIP is N at every instant"
        );
    }
}

#[test]
fn conwip_two_stations_against_exact_mva() {
    for (jobs, seed) in [(1, 11), (2, 12), (5, 13), (10, 14)] {
        check_line(&[1.0, 0.8], &[1, 1], jobs, seed);
    }
}

#[test]
fn conwip_three_stations_against_exact_mva() {
    for (jobs, seed) in [(1, 21), (2, 22), (5, 23), (10, 24)] {
        check_line(&[0.6, 1.0, 0.8], &[1, 1, 1], jobs, seed);
    }
}

#[test]
fn conwip_five_stations_against_exact_mva() {
    for (jobs, seed) in [(1, 31), (2, 32), (5, 33), (10, 34)] {
        check_line(&[0.5, 0.9, 0.7, 1.0, 0.6], &[1, 1, 1, 1, 1], jobs, seed);
    }
}

#[test]
fn conwip_with_a_two_server_station_against_load_dependent_mva() {
    for (jobs, seed) in [(2, 41), (5, 42), (10, 43)] {
        check_line(&[0.7, 1.6, 0.9], &[1, 2, 1], jobs, seed);
    }
}

/// An open tandem line of single exponential servers with mean service
/// times in minutes, Poisson releases one a minute.
fn open_tandem(service_min: &[f64]) -> String {
    line(service_min, &vec![1; service_min.len()], "exp(1min)", 400, 10)
}

/// Per replication, the sole and total (sole + shifting) shares of each
/// station.
fn shares(runs: &[RunOutput]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let stations = runs[0].stations.len();
    let of = |f: fn(&factory5g::factory::BottleneckTime) -> u64| {
        (0..stations)
            .map(|s| {
                runs.iter()
                    .map(|o| f(&o.bottleneck[s]) as f64 / (o.observed_s * 1e9))
                    .collect()
            })
            .collect()
    };
    (of(|b| b.sole_ns), of(|b| b.sole_ns + b.shifting_ns))
}

/// The 95% interval of the paired differences `a − b`.
fn difference_ci(a: &[f64], b: &[f64]) -> (f64, f64) {
    let diff: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    mean_ci95(&diff).1.expect("replications")
}

#[test]
fn the_most_utilized_station_of_a_tandem_line_is_the_main_bottleneck() {
    let m = model(&open_tandem(&[0.5, 0.9, 0.6]));
    let runs = replications(&m, 51, 10);
    let (sole, total) = shares(&runs);
    let report = factory5g::report::summarize(
        &m,
        51,
        &factory5g::experiment::Replications {
            outputs: runs.clone(),
            wall_s: 0.0,
            stopped: None,
        },
    );
    assert_eq!(report.bottleneck.main.as_deref(), Some("s1"));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    eprintln!(
        "tandem 0.5/0.9/0.6: sole {:.3} {:.3} {:.3}, total {:.3} {:.3} {:.3}",
        mean(&sole[0]),
        mean(&sole[1]),
        mean(&sole[2]),
        mean(&total[0]),
        mean(&total[1]),
        mean(&total[2])
    );
    for other in [0, 2] {
        let (low, _) = difference_ci(&sole[1], &sole[other]);
        assert!(
            low > 0.0,
            "the middle station's sole share exceeds s{other}'s (CI from {low})"
        );
    }
    // Utilizations 0.5, 0.9 and 0.6: the bottleneck is active 90% of the
    // time, so it is the bottleneck, sole or shifting, most of the time.
    assert!(mean(&total[1]) > 0.6, "{:?}", mean(&total[1]));
}

#[test]
fn two_equal_bottlenecks_shift() {
    let m = model(&open_tandem(&[0.5, 0.9, 0.9]));
    let runs = replications(&m, 52, 10);
    let (sole, total) = shares(&runs);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    eprintln!(
        "tandem 0.5/0.9/0.9: sole {:.3} {:.3} {:.3}, total {:.3} {:.3} {:.3}",
        mean(&sole[0]),
        mean(&sole[1]),
        mean(&sole[2]),
        mean(&total[0]),
        mean(&total[1]),
        mean(&total[2])
    );
    // Neither of the two is the bottleneck more than the other: the
    // interval of their paired difference holds 0 and is narrow.
    let (low, high) = difference_ci(&total[1], &total[2]);
    assert!(
        low < 0.0 && high > 0.0,
        "equal bottlenecks differ: [{low}, {high}]"
    );
    assert!(high - low < 0.1, "interval too wide to tell: [{low}, {high}]");
    // They hand the bottleneck to each other: each spends a good share of
    // the time shifting, far more than the light first station.
    for k in [1, 2] {
        let shifting = mean(&total[k]) - mean(&sole[k]);
        assert!(shifting > 0.1, "s{k} shifts {shifting:.3} of the time");
        assert!(mean(&total[k]) > 2.0 * mean(&total[0]));
    }
}
