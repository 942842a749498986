//! The model against queueing theory (closed forms of
//! shared/reference/queueing.md). Fixed seeds; tolerances come from the
//! replications' confidence intervals (see `assert_matches_theory`).

use super::{assert_matches_theory, model, replications};
use factory5g::factory::StationState;

fn factorial(n: u32) -> f64 {
    (1..=n).map(f64::from).product()
}

/// Erlang C: mean wait in queue of M/M/c.
fn erlang_c_wq(lambda: f64, es: f64, c: u32) -> f64 {
    let a = lambda * es;
    let rho = a / f64::from(c);
    let top = a.powi(c as i32) / factorial(c) / (1.0 - rho);
    let bottom: f64 = (0..c).map(|k| a.powi(k as i32) / factorial(k)).sum::<f64>() + top;
    top / bottom * es / (f64::from(c) * (1.0 - rho))
}

fn open_station(servers: u32, process: &str, release: &str, horizon: &str, warmup: &str) -> String {
    format!(
        r#"
[scenario]
name = "open station"
horizon = "{horizon}"
warmup = "{warmup}"

[[station]]
name = "s"
servers = {servers}
process = "{process}"

[[product]]
name = "job"
release = "{release}"
route = ["s"]
"#
    )
}

/// An open station and what theory says of it.
struct OpenStation<'a> {
    name: &'a str,
    text: String,
    lambda_per_s: f64,
    es_s: f64,
    servers: u32,
    wq_s: f64,
}

/// Checks mean wait, utilization and Little's law of a single open station.
fn check_open_station(st: OpenStation, seed: u64, reps: u32) {
    let OpenStation {
        name,
        text,
        lambda_per_s,
        es_s,
        servers: c,
        wq_s,
    } = st;
    let m = model(&text);
    let runs = replications(&m, seed, reps);
    let wq: Vec<f64> = runs.iter().map(|o| o.stations[0].queue_wait_s.mean()).collect();
    assert_matches_theory(&format!("{name} Wq"), &wq, wq_s, 0.05);
    let busy: Vec<f64> = runs
        .iter()
        .map(|o| o.stations[0].utilization()[StationState::Busy as usize])
        .collect();
    assert_matches_theory(
        &format!("{name} utilization"),
        &busy,
        lambda_per_s * es_s / f64::from(c),
        0.02,
    );
    // Little's law, per replication: Lq against (arrivals / time) * Wq.
    let little: Vec<f64> = runs
        .iter()
        .map(|o| {
            let st = &o.stations[0];
            st.queue_len_mean - st.entered as f64 / o.observed_s * st.queue_wait_s.mean()
        })
        .collect();
    let lq = runs.iter().map(|o| o.stations[0].queue_len_mean).sum::<f64>() / runs.len() as f64;
    let worst = little.iter().fold(0.0f64, |w, d| w.max(d.abs()));
    eprintln!("{name} Little: Lq {lq:.4}, worst |Lq - λWq| {worst:.2e}");
    assert!(
        worst <= 0.01 * lq.max(0.01),
        "{name}: Little's law off by {worst} (Lq {lq})"
    );
}

#[test]
fn mm1_wait_utilization_and_little() {
    // λ = 1/min, E[S] = 0.7 min: ρ = 0.7, Wq = ρ E[S] / (1 − ρ).
    let (lambda, es) = (1.0 / 60.0, 42.0);
    let rho: f64 = lambda * es;
    let text = open_station(1, "exp(42s)", "exp(1min)", "2000h", "20h");
    let wq_s = rho * es / (1.0 - rho);
    check_open_station(
        OpenStation {
            name: "M/M/1",
            text,
            lambda_per_s: lambda,
            es_s: es,
            servers: 1,
            wq_s,
        },
        101,
        16,
    );
}

#[test]
fn mmc_erlang_c() {
    // c = 3, λ = 1/min, E[S] = 2.25 min: ρ = 0.75.
    let (lambda, es) = (1.0 / 60.0, 135.0);
    let text = open_station(3, "exp(2.25min)", "exp(1min)", "2000h", "20h");
    let wq_s = erlang_c_wq(lambda, es, 3);
    check_open_station(
        OpenStation {
            name: "M/M/3",
            text,
            lambda_per_s: lambda,
            es_s: es,
            servers: 3,
            wq_s,
        },
        202,
        16,
    );
}

#[test]
fn mmc_erlang_c_five_servers_light() {
    // Another cell of the same formula: c = 5, ρ = 0.6.
    let (lambda, es) = (1.0 / 30.0, 90.0);
    let text = open_station(5, "exp(90s)", "exp(30s)", "1000h", "10h");
    let wq_s = erlang_c_wq(lambda, es, 5);
    check_open_station(
        OpenStation {
            name: "M/M/5",
            text,
            lambda_per_s: lambda,
            es_s: es,
            servers: 5,
            wq_s,
        },
        303,
        16,
    );
}

#[test]
fn md1_pollaczek_khinchine() {
    // λ = 1/min, S = 45 s: ρ = 0.75, Wq = ρ S / (2 (1 − ρ)).
    let (lambda, s) = (1.0 / 60.0, 45.0);
    let rho: f64 = lambda * s;
    let text = open_station(1, "const(45s)", "exp(1min)", "2000h", "20h");
    let wq_s = rho * s / (2.0 * (1.0 - rho));
    check_open_station(
        OpenStation {
            name: "M/D/1",
            text,
            lambda_per_s: lambda,
            es_s: s,
            servers: 1,
            wq_s,
        },
        404,
        16,
    );
}

#[test]
fn design_mm3_example_runs_as_written() {
    let text = factory5g::scenario::builtin_text("mm3").expect("built in");
    let m = model(text);
    assert_eq!(
        (m.stations()[0].servers(), m.replications(), m.seed()),
        (3, 4, 11)
    );
    let runs = replications(&m, m.seed(), m.replications());
    // ρ = 2.7 / 3 = 0.9; four replications of 19,500 h each.
    let busy: Vec<f64> = runs
        .iter()
        .map(|o| o.stations[0].utilization()[StationState::Busy as usize])
        .collect();
    assert_matches_theory("DESIGN M/M/3 utilization", &busy, 0.9, 0.03);
}

/// Finite-source machine-repairman model M/M/r//N: mean fraction of machines down.
fn repairman_down_fraction(n: u32, r: u32, x: f64) -> f64 {
    let choose = |n: u32, k: u32| factorial(n) / (factorial(k) * factorial(n - k));
    let weight = |k: u32| {
        if k <= r {
            choose(n, k) * x.powi(k as i32)
        } else {
            choose(n, k) * factorial(k) / (factorial(r) * f64::from(r).powi((k - r) as i32))
                * x.powi(k as i32)
        }
    };
    let total: f64 = (0..=n).map(weight).sum();
    let mean_down: f64 = (0..=n).map(|k| f64::from(k) * weight(k)).sum::<f64>() / total;
    mean_down / f64::from(n)
}

fn repairman_scenario(stations: &[u32], crew: u32, mtbf: &str, mttr: &str) -> String {
    let mut s = format!(
        "[scenario]\nname = \"repairman\"\nhorizon = \"20000h\"\nwarmup = \"200h\"\n\n[[crew]]\nname = \"fix\"\nsize = {crew}\n"
    );
    for (i, servers) in stations.iter().enumerate() {
        s += &format!(
            "\n[[station]]\nname = \"m{i}\"\nservers = {servers}\nprocess = \"1min\"\nfailures = {{ mtbf = \"{mtbf}\", mttr = \"{mttr}\", crew = \"fix\" }}\n"
        );
    }
    s
}

fn check_repairman(name: &str, stations: &[u32], crew: u32, mtbf_h: f64, mttr_h: f64, seed: u64) {
    let text = repairman_scenario(
        stations,
        crew,
        &format!("exp({mtbf_h}h)"),
        &format!("exp({mttr_h}h)"),
    );
    let m = model(&text);
    let n: u32 = stations.iter().sum();
    let runs = replications(&m, seed, 16);
    let failed: Vec<f64> = runs
        .iter()
        .map(|o| {
            let (down, total) = o.stations.iter().fold((0u64, 0u64), |(d, t), st| {
                (
                    d + st.state_ns[StationState::Failed as usize],
                    t + st.state_ns.iter().sum::<u64>(),
                )
            });
            down as f64 / total as f64
        })
        .collect();
    let theory = repairman_down_fraction(n, crew, mttr_h / mtbf_h);
    assert_matches_theory(name, &failed, theory, 0.05);
}

#[test]
fn machine_repairman_one_station() {
    // N = 5 servers of one station, r = 2 crews, MTBF 10 h, MTTR 2 h.
    check_repairman("repairman N=5 r=2", &[5], 2, 10.0, 2.0, 505);
}

#[test]
fn machine_repairman_shared_crew_across_stations() {
    // N = 3 + 4 machines at two stations sharing r = 1 crew: heavy contention.
    check_repairman("repairman N=7 r=1", &[3, 4], 1, 20.0, 1.5, 606);
}

const TANDEM: &str = r#"
[scenario]
name = "tandem"
horizon = "1000h"
warmup = "20h"

[[station]]
name = "fast"
process = "exp(36s)"

[[station]]
name = "slow"
process = "exp(1min)"
input_buffer = BUFFER

[[product]]
name = "job"
release = "exp(30s)"
route = ["fast", "slow"]
"#;

#[test]
fn tandem_line_blocks_upstream_and_runs_at_the_bottleneck_rate() {
    // The source outpaces both stations; `slow` (60/h) is the bottleneck.
    let m = model(&TANDEM.replace("BUFFER", "20"));
    let runs = replications(&m, 707, 16);
    let tp: Vec<f64> = runs.iter().map(|o| o.throughput_per_h()).collect();
    assert_matches_theory("tandem throughput (buffer 20)", &tp, 60.0, 0.02);
    for o in &runs {
        let fast = o.stations[0].utilization();
        // fast works 60/h × 0.6 min = 60% of the time and is blocked the rest.
        assert!(fast[StationState::Blocked as usize] > 0.3, "{fast:?}");
        assert!(o.stations[1].utilization()[StationState::Idle as usize] < 0.01);
    }
    // With no buffer the line loses capacity to blocking and starving.
    let m0 = model(&TANDEM.replace("BUFFER", "0"));
    let runs0 = replications(&m0, 707, 16);
    let tp0 = runs0.iter().map(|o| o.throughput_per_h()).sum::<f64>() / 16.0;
    let tp20 = tp.iter().sum::<f64>() / 16.0;
    assert!(tp0 < tp20 - 3.0, "no-buffer throughput {tp0} vs {tp20}");
}
