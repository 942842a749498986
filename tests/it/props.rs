//! Properties over generated valid scenarios: random stations, crews,
//! products with routes, pull sub-assemblies, a layout with a fleet (zone
//! control, batteries, kits), and a fixed or NR network with periodic,
//! triggered and background flows, written as TOML, loaded, and simulated
//! for a few hours. For every one: no panic (an AGV deadlock is a valid
//! outcome), the jobs found in the plant at the end, place by place, are
//! those released and not completed, every server's and AGV's state times
//! are the sums of their intervals in the trace and sum exactly to the
//! observed period, every utilization and availability lies
//! in [0, 1], and no NR message arrives faster than the one-shot physical
//! minimum of its link (processing and transmission of one attempt).
//! Simulated time never going back is the event queue's guarantee, tested
//! here on random sequences of schedule, cancel and pop.
//!
//! Cases: 64 by default (CI); `PROPTEST_CASES=10000 cargo test --release
//! props` for the long run (see the README).

use super::plant::{assert_jobs_conserved, assert_state_times_match_the_trace};
use factory5g::engine::{EventQueue, SimTime};
use factory5g::factory::{simulate_traced, SimError, StationState, Trace};
use factory5g::model::{FlowKind, LinkModel, Model};
use factory5g::scenario;
use factory5g::stats::Histogram;
use proptest::prelude::*;
use std::fmt::Write as _;

/// Cases per property: `PROPTEST_CASES`, else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---- the generated scenario ------------------------------------------------

#[derive(Clone, Debug)]
struct Failures {
    mtbf: String,
    mttr: String,
    busy: bool,
    crew: Option<usize>,
}

#[derive(Clone, Debug)]
struct StationSpec {
    servers: u32,
    process: String,
    setup: Option<String>,
    input_buffer: Option<u32>,
    output_buffer: u32,
    robot: bool,
    failures: Option<Failures>,
}

#[derive(Clone, Debug)]
struct Step {
    /// A station index, taken modulo the number of stations.
    station: usize,
    process: Option<String>,
    kit: bool,
}

#[derive(Clone, Debug)]
struct ProductSpec {
    release: String,
    route: Vec<Step>,
}

/// A pull sub-assembly made for product 0, assembled at one of its steps.
#[derive(Clone, Debug)]
struct PullSpec {
    route: Vec<Step>,
    /// The step of product 0 that assembles it (modulo its route length).
    at_step: usize,
    units: usize,
}

#[derive(Clone, Debug)]
struct FleetSpec {
    agvs: u32,
    speed: String,
    load: String,
    unload: String,
    fifo: bool,
    battery: Option<(String, String, f64)>,
    zone_control: bool,
    /// Extra aisles between points (indices modulo the number of points).
    extra_aisles: Vec<(usize, usize)>,
}

#[derive(Clone, Debug)]
enum Link {
    Fixed {
        latency: String,
        loss: f64,
    },
    /// One of the radio configurations of `NR_CONFIGS`.
    Nr {
        config: usize,
        bler: f64,
        retx: u32,
        gnbs: Vec<(u32, u32)>,
    },
}

#[derive(Clone, Debug)]
enum FlowSpec {
    Periodic {
        robots: usize,
        ul: bool,
        period_ms: u32,
        survival: u32,
        stop_s: u32,
        size: u32,
    },
    Triggered {
        trigger: usize,
        robots: usize,
        ul: bool,
        timeout_ms: u32,
        size: u32,
    },
    Background {
        ues: u32,
        mbps: u32,
    },
}

#[derive(Clone, Debug)]
struct NetSpec {
    link: Link,
    core: Option<String>,
    flows: Vec<FlowSpec>,
}

#[derive(Clone, Debug)]
struct Spec {
    horizon_min: u32,
    warmup_min: u32,
    seed: u64,
    crews: Vec<u32>,
    stations: Vec<StationSpec>,
    products: Vec<ProductSpec>,
    pull: Option<PullSpec>,
    /// Point coordinates: home, store, charge, then one per station.
    layout: Option<Vec<(u32, u32)>>,
    fleet: Option<FleetSpec>,
    net: Option<NetSpec>,
}

/// Valid NR radio settings (each checked by the radio's own rules).
const NR_CONFIGS: [&str; 4] = [
    "scs_khz = 30\nsymbols = 14\nduplex = \"fdd\"\n",
    "scs_khz = 30\nsymbols = 7\nduplex = \"DDDSU\"\nspecial_split = \"6:4:4\"\nul_access = \"grant_based\"\nsr_period = \"1ms\"\ncapability = 2\nbandwidth_mhz = 40\ncarrier_ghz = 3.7\nchannel = \"InF-SH\"\nscheduler = \"round_robin\"\n",
    "scs_khz = 15\nsymbols = 2\nduplex = \"fdd\"\nbandwidth_mhz = 20\nscheduler = \"fifo\"\n",
    "scs_khz = 120\nsymbols = 14\nduplex = \"DDDSU\"\ncarrier_ghz = 28\nbandwidth_mhz = 100\nchannel = \"InF-DL\"\n",
];

/// A duration in seconds as TOML text.
fn secs(s: u32) -> String {
    format!("{s}s")
}

/// A distribution of durations with a mean of about `mean` seconds.
fn dist(mean: std::ops::RangeInclusive<u32>) -> impl Strategy<Value = String> {
    (0usize..9, mean, 1u32..5).prop_map(|(kind, m, k)| {
        let m = m.max(2);
        match kind {
            0 => format!("exp({m}s)"),
            1 => format!("const({m}s)"),
            2 => format!("uniform({}s, {}s)", m / 2, m + m / 2),
            3 => format!("tri({}s, {m}s, {}s)", m / 2, 2 * m),
            4 => format!("normal({m}s, {}s)", (m / 3).max(1)),
            5 => format!("lognormal({m}s, {}s)", (m / 2).max(1)),
            6 => format!("erlang({k}, {m}s)"),
            7 => format!("gamma({}.5, {m}s)", k - 1),
            _ => format!("weibull(1.{k}, {m}s)"),
        }
    })
}

fn step(stations: usize) -> impl Strategy<Value = Step> {
    (
        0..stations,
        prop::option::weighted(0.2, dist(30..=600)),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(station, process, kit)| Step {
            station,
            process,
            kit,
        })
}

fn station() -> impl Strategy<Value = StationSpec> {
    let failures = (
        dist(3600..=36000),
        dist(60..=3600),
        any::<bool>(),
        prop::option::of(0usize..3),
    )
        .prop_map(|(mtbf, mttr, busy, crew)| Failures {
            mtbf,
            mttr,
            busy,
            crew,
        });
    (
        1u32..5,
        dist(30..=1200),
        prop::option::weighted(0.3, dist(10..=600)),
        prop::option::weighted(0.4, 0u32..6),
        0u32..3,
        any::<bool>(),
        prop::option::weighted(0.4, failures),
    )
        .prop_map(
            |(servers, process, setup, input_buffer, output_buffer, robot, failures)| StationSpec {
                servers,
                process,
                setup,
                input_buffer,
                output_buffer,
                robot,
                failures,
            },
        )
}

fn fleet() -> impl Strategy<Value = FleetSpec> {
    (
        1u32..6,
        (1u32..30).prop_map(|d| format!("{}.{}m/s", d / 10, d % 10 + 1)),
        dist(5..=90),
        dist(5..=90),
        any::<bool>(),
        prop::option::weighted(
            0.4,
            (1800u32..28800, 600u32..7200, 1u32..5)
                .prop_map(|(r, c, t)| (secs(r), secs(c), f64::from(t) / 10.0)),
        ),
        any::<bool>(),
        prop::collection::vec((0usize..20, 0usize..20), 0..6),
    )
        .prop_map(
            |(agvs, speed, load, unload, fifo, battery, zone_control, extra_aisles)| FleetSpec {
                agvs,
                speed,
                load,
                unload,
                fifo,
                battery,
                zone_control,
                extra_aisles,
            },
        )
}

fn flow() -> impl Strategy<Value = FlowSpec> {
    prop_oneof![
        (
            0usize..3,
            any::<bool>(),
            5u32..200,
            0u32..4,
            1u32..20,
            20u32..2000
        )
            .prop_map(
                |(robots, ul, period_ms, survival, stop_s, size)| FlowSpec::Periodic {
                    robots,
                    ul,
                    period_ms,
                    survival,
                    stop_s,
                    size,
                }
            ),
        (0usize..3, 0usize..3, any::<bool>(), 1u32..500, 20u32..5000).prop_map(
            |(trigger, robots, ul, timeout_ms, size)| FlowSpec::Triggered {
                trigger,
                robots,
                ul,
                timeout_ms,
                size,
            }
        ),
        (1u32..20, 1u32..50).prop_map(|(ues, mbps)| FlowSpec::Background { ues, mbps }),
    ]
}

fn net() -> impl Strategy<Value = NetSpec> {
    let link = prop_oneof![
        ((1u32..50).prop_map(|ms| format!("{ms}ms")), 0u32..30).prop_map(|(latency, loss)| Link::Fixed {
            latency,
            loss: f64::from(loss) / 100.0,
        }),
        (
            0..NR_CONFIGS.len(),
            0u32..30,
            0u32..5,
            prop::collection::vec((0u32..=200, 0u32..=100), 1..4)
        )
            .prop_map(|(config, bler, retx, gnbs)| Link::Nr {
                config,
                bler: f64::from(bler) / 100.0,
                retx,
                gnbs,
            }),
    ];
    (
        link,
        prop::option::weighted(0.5, (50u32..2000).prop_map(|us| format!("exp({us}us)"))),
        prop::collection::vec(flow(), 0..5),
    )
        .prop_map(|(link, core, flows)| NetSpec { link, core, flows })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (60u32..480, 0u32..60, 0u64..=i64::MAX as u64),
        prop::collection::vec(1u32..4, 0..3),
        prop::collection::vec(station(), 1..6),
        prop::collection::vec(
            (dist(120..=3600), prop::collection::vec(step(8), 1..5))
                .prop_map(|(release, route)| ProductSpec { release, route }),
            1..4,
        ),
        prop::option::weighted(
            0.3,
            (prop::collection::vec(step(8), 1..3), 0usize..4, 1usize..3).prop_map(
                |(route, at_step, units)| PullSpec {
                    route,
                    at_step,
                    units,
                },
            ),
        ),
        prop::option::weighted(0.6, prop::collection::vec((0u32..=200, 0u32..=100), 8..9)),
        prop::option::weighted(0.7, fleet()),
        prop::option::weighted(0.6, net()),
    )
        .prop_map(
            |((horizon_min, warmup_min, seed), crews, stations, products, pull, layout, fleet, net)| Spec {
                horizon_min,
                warmup_min: warmup_min.min(horizon_min / 2),
                seed,
                crews,
                stations,
                products,
                pull,
                // A fleet and an NR network need a layout: with one, the
                // points; without, none.
                fleet: fleet.filter(|_| layout.is_some()),
                net: net.map(|mut n| {
                    if layout.is_none() {
                        if let Link::Nr { .. } = n.link {
                            n.link = Link::Fixed {
                                latency: "5ms".into(),
                                loss: 0.0,
                            };
                        }
                    }
                    n
                }),
                layout,
            },
        )
}

impl Spec {
    /// The point names: home, store, charge, then a point per station.
    fn points(&self) -> Vec<String> {
        let mut p = vec!["home".to_string(), "store".into(), "charge".into()];
        p.extend((0..self.stations.len()).map(|i| format!("p{i}")));
        p
    }

    fn has_robots(&self) -> bool {
        self.fleet.is_some() || self.stations.iter().any(|s| s.robot)
    }

    /// The scenario as TOML: valid by construction.
    fn toml(&self) -> String {
        let n = self.stations.len();
        let fleet = self.fleet.as_ref();
        let mut t = String::new();
        let _ = writeln!(
            t,
            "[scenario]\nname = \"generated\"\nhorizon = \"{}min\"\nwarmup = \"{}min\"\nseed = {}\nreplications = 1\n",
            self.horizon_min, self.warmup_min, self.seed
        );
        for (i, size) in self.crews.iter().enumerate() {
            let _ = writeln!(t, "[[crew]]\nname = \"crew{i}\"\nsize = {size}\n");
        }
        let points = self.points();
        if let Some(coords) = &self.layout {
            let _ = writeln!(t, "[layout]\nsize = [200, 100]");
            let pts: Vec<String> = points
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let (x, y) = coords[i % coords.len()];
                    format!("{name} = [{x}, {y}]")
                })
                .collect();
            let _ = writeln!(t, "points = {{ {} }}", pts.join(", "));
            if let Some(f) = fleet {
                // A chain through every point keeps them all reachable.
                let mut pairs: Vec<(usize, usize)> = (1..points.len()).map(|i| (i - 1, i)).collect();
                for &(a, b) in &f.extra_aisles {
                    let (a, b) = (a % points.len(), b % points.len());
                    let key = (a.min(b), a.max(b));
                    if a != b && !pairs.iter().any(|&(x, y)| (x.min(y), x.max(y)) == key) {
                        pairs.push((a, b));
                    }
                }
                let aisles: Vec<String> = pairs
                    .iter()
                    .map(|&(a, b)| format!("[\"{}\", \"{}\"]", points[a], points[b]))
                    .collect();
                let _ = writeln!(t, "aisles = [{}]", aisles.join(", "));
            }
            t.push('\n');
        }
        if let Some(f) = fleet {
            let _ = writeln!(
                t,
                "[fleet]\nagvs = {}\nspeed = \"{}\"\nload = \"{}\"\nunload = \"{}\"\nhome = \"home\"\nwarehouse = \"store\"\ndispatch = \"{}\"\nzone_control = {}",
                f.agvs,
                f.speed,
                f.load,
                f.unload,
                if f.fifo { "fifo" } else { "nearest" },
                f.zone_control
            );
            if let Some((runtime, recharge, threshold)) = &f.battery {
                let _ = writeln!(
                    t,
                    "battery = {{ runtime = \"{runtime}\", recharge = \"{recharge}\", chargers = [\"charge\"], threshold = {threshold} }}"
                );
            }
            t.push('\n');
        }
        for (i, s) in self.stations.iter().enumerate() {
            let _ = writeln!(
                t,
                "[[station]]\nname = \"s{i}\"\nservers = {}\nprocess = \"{}\"\noutput_buffer = {}\nrobot = {}",
                s.servers, s.process, s.output_buffer, s.robot
            );
            if self.layout.is_some() {
                let _ = writeln!(t, "at = \"p{i}\"");
            }
            if let Some(setup) = &s.setup {
                let _ = writeln!(t, "setup = \"{setup}\"");
            }
            if let Some(b) = s.input_buffer {
                let _ = writeln!(t, "input_buffer = {b}");
            }
            if let Some(f) = &s.failures {
                let crew = match f.crew {
                    Some(c) if !self.crews.is_empty() => format!(", crew = \"crew{}\"", c % self.crews.len()),
                    _ => String::new(),
                };
                let _ = writeln!(
                    t,
                    "failures = {{ mtbf = \"{}\", mttr = \"{}\", basis = \"{}\"{crew} }}",
                    f.mtbf,
                    f.mttr,
                    if f.busy { "busy" } else { "calendar" }
                );
            }
            t.push('\n');
        }
        let route = |steps: &[Step], assemble_at: Option<(usize, usize)>| -> String {
            let entries: Vec<String> = steps
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let mut e = format!("{{ station = \"s{}\"", s.station % n);
                    if let Some(p) = &s.process {
                        let _ = write!(e, ", process = \"{p}\"");
                    }
                    if s.kit && fleet.is_some() {
                        e.push_str(", parts = \"kit\"");
                    }
                    if let Some((step, units)) = assemble_at {
                        if step % steps.len() == k {
                            let names = vec!["\"sub\""; units];
                            let _ = write!(e, ", assemble = [{}]", names.join(", "));
                        }
                    }
                    e.push_str(" }");
                    e
                })
                .collect();
            format!("[{}]", entries.join(", "))
        };
        for (i, p) in self.products.iter().enumerate() {
            let assemble = if i == 0 {
                self.pull.as_ref().map(|s| (s.at_step, s.units))
            } else {
                None
            };
            let _ = writeln!(
                t,
                "[[product]]\nname = \"prod{i}\"\nrelease = \"{}\"\nroute = {}\n",
                p.release,
                route(&p.route, assemble)
            );
        }
        if let Some(sub) = &self.pull {
            let _ = writeln!(
                t,
                "[[product]]\nname = \"sub\"\nrelease = \"pull\"\nroute = {}\n",
                route(&sub.route, None)
            );
        }
        if let Some(net) = &self.net {
            self.network_toml(net, &mut t);
        }
        t
    }

    fn network_toml(&self, net: &NetSpec, t: &mut String) {
        let model = match net.link {
            Link::Fixed { .. } => "fixed",
            Link::Nr { .. } => "nr",
        };
        let _ = writeln!(t, "[network]\nmodel = \"{model}\"");
        if let Some(core) = &net.core {
            let _ = writeln!(t, "core = \"{core}\"");
        }
        match &net.link {
            Link::Fixed { latency, loss } => {
                let _ = writeln!(t, "\n[network.fixed]\nlatency = \"{latency}\"\nloss = {loss}\n");
            }
            Link::Nr {
                config,
                bler,
                retx,
                gnbs,
            } => {
                let g: Vec<String> = gnbs.iter().map(|(x, y)| format!("[{x}, {y}]")).collect();
                let _ = writeln!(
                    t,
                    "\n[network.nr]\n{}bler_target = {bler}\nharq_max_retx = {retx}\ngnb = [{}]\n",
                    NR_CONFIGS[*config],
                    g.join(", ")
                );
            }
        }
        let fleet = self.fleet.as_ref();
        for (i, f) in net.flows.iter().enumerate() {
            let dir = |ul: bool| if ul { "ul" } else { "dl" };
            match f {
                FlowSpec::Periodic {
                    robots,
                    ul,
                    period_ms,
                    survival,
                    stop_s,
                    size,
                } => {
                    let robots = match robots {
                        0 if fleet.is_some() => "agvs".to_string(),
                        1 if self.has_robots() => "all".to_string(),
                        r => format!("s{}", r % self.stations.len()),
                    };
                    let _ = writeln!(
                        t,
                        "[[flow]]\nname = \"f{i}\"\nrobots = \"{robots}\"\ndirection = \"{}\"\nperiod = \"{period_ms}ms\"\nsurvival = {survival}\non_violation = \"stop({stop_s}s)\"\nsize = \"{size}B\"\n",
                        dir(*ul)
                    );
                }
                FlowSpec::Triggered {
                    trigger,
                    robots,
                    ul,
                    timeout_ms,
                    size,
                } => {
                    // dispatch and segment need AGVs; cycle_start a station.
                    let (trigger, robots) = match (trigger, fleet) {
                        (0, Some(_)) => ("dispatch", if *robots == 0 { "agvs" } else { "all" }.to_string()),
                        (1, Some(_)) => ("segment", "agvs".to_string()),
                        _ if *robots == 1 && self.has_robots() => ("cycle_start", "all".to_string()),
                        _ => ("cycle_start", format!("s{}", robots % self.stations.len())),
                    };
                    let _ = writeln!(
                        t,
                        "[[flow]]\nname = \"f{i}\"\nrobots = \"{robots}\"\ndirection = \"{}\"\ntrigger = \"{trigger}\"\ntimeout = \"{timeout_ms}ms\"\nsize = \"{size}B\"\n",
                        dir(*ul)
                    );
                }
                FlowSpec::Background { ues, mbps } => {
                    let _ = writeln!(
                        t,
                        "[[flow]]\nname = \"f{i}\"\ndirection = \"ul\"\nues = {ues}\nrate = \"{mbps}Mbps\"\n"
                    );
                }
            }
        }
    }
}

// ---- the checks -------------------------------------------------------------

/// Loads a generated scenario; a generated scenario that does not load is a
/// bug of the generator (or of validation), shown with its text.
fn load(text: &str) -> Result<Model, TestCaseError> {
    scenario::load_str("generated.toml", text, None, &[])
        .map(|l| l.model)
        .map_err(|d| TestCaseError::fail(format!("a generated scenario is invalid:\n{d}\n---\n{text}")))
}

/// The smallest latency an NR message of direction `dir` can have: the
/// processing and transmission of one attempt, in nanoseconds.
fn nr_floor_ns(model: &Model, kind_dir: factory5g::net::Direction) -> Option<f64> {
    let LinkModel::Nr(nr) = model.network().link() else {
        return None;
    };
    let c = nr.nr().step(kind_dir).one_shot_components_ms;
    Some((c.processing + c.transmission) * 1e6)
}

/// The whole minutes of `key = "...min"` in the `[scenario]` table of a
/// generated scenario (which writes its horizon and warm-up so).
fn scenario_minutes(text: &str, key: &str) -> u32 {
    let prefix = format!("{key} = \"");
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {key} in\n{text}"));
    line.strip_suffix("min\"")
        .and_then(|minutes| minutes.parse().ok())
        .unwrap_or_else(|| panic!("{key} not in whole minutes: {line}"))
}

fn check(model: &Model, text: &str) -> Result<(), TestCaseError> {
    let mut trace = Trace::new(usize::MAX);
    let out = match simulate_traced(model, model.seed(), 0, &mut trace) {
        Ok(o) => o,
        // A deadlock of AGVs under zone control is a valid end, reported.
        Err(SimError::Deadlock { .. }) => return Ok(()),
        Err(e) => return Err(TestCaseError::fail(format!("{e}\n---\n{text}"))),
    };
    let observed = (model.horizon() - model.warmup()).as_nanos();
    // The observed period, from the minutes the generator wrote (not from
    // the model's times, from which the simulator computes it).
    let observed_min = scenario_minutes(text, "horizon") - scenario_minutes(text, "warmup");
    let observed_s = f64::from(observed_min) * 60.0;
    prop_assert!(
        (out.observed_s - observed_s).abs() <= 1e-12 * observed_s,
        "observed {} s, the scenario says {} s",
        out.observed_s,
        observed_s
    );
    // Conservation, per product, over the whole run: the jobs found in the
    // plant place by place against those released and not completed.
    assert_jobs_conserved(model, &out);
    for po in &out.products {
        prop_assert!(po.released <= po.released_total && po.completed <= po.completed_total);
    }
    // State times: the trace's intervals, summed independently.
    assert_state_times_match_the_trace(model, &out, &trace);
    // Every server's states sum exactly to the observed period.
    for (s, st) in out.stations.iter().enumerate() {
        let name = model.stations()[s].name();
        prop_assert_eq!(st.server_state_ns.len(), model.stations()[s].servers() as usize);
        for (k, server) in st.server_state_ns.iter().enumerate() {
            prop_assert_eq!(
                server.iter().sum::<u64>(),
                observed,
                "station {} server {}: {:?}",
                name,
                k,
                server
            );
        }
        prop_assert_eq!(
            st.state_ns.iter().sum::<u64>(),
            observed * st.server_state_ns.len() as u64
        );
        let u = st.utilization();
        prop_assert!(u.iter().all(|f| (0.0..=1.0).contains(f)), "{}: {:?}", name, u);
        prop_assert!((u.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{}: {:?}", name, u);
        // (After a warm-up, jobs that entered before it may finish.)
        if model.warmup() == SimTime::ZERO {
            prop_assert!(st.completed <= st.entered, "{}", name);
        }
        prop_assert!(st.queue_len_mean >= 0.0 && st.queue_len_mean.is_finite());
        // Only robots with a periodic flow make protective stops.
        let periodic = model
            .flows()
            .iter()
            .any(|f| matches!(f.kind(), FlowKind::Periodic { .. }));
        if !periodic {
            prop_assert_eq!(st.state_ns[StationState::Stopped as usize], 0);
        }
    }
    if let Some(f) = &out.fleet {
        prop_assert_eq!(
            f.agv_state_ns.len(),
            model.fleet().map_or(0, |f| f.agvs() as usize)
        );
        for (a, agv) in f.agv_state_ns.iter().enumerate() {
            prop_assert_eq!(agv.iter().sum::<u64>(), observed, "agv {}: {:?}", a, agv);
        }
        let u = f.utilization();
        prop_assert!(u.iter().all(|f| (0.0..=1.0).contains(f)), "{:?}", u);
        prop_assert!((u.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{:?}", u);
    }
    // The report: every utilization and availability in [0, 1].
    let runs = factory5g::experiment::Replications {
        outputs: vec![out.clone()],
        wall_s: 0.0,
        stopped: None,
    };
    let report = serde_json::to_value(factory5g::report::summarize(model, model.seed(), &runs))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut fractions = Vec::new();
    collect_fractions(&report, "", &mut fractions);
    for (path, v) in &fractions {
        prop_assert!((0.0..=1.0).contains(v), "{} = {} outside [0, 1]", path, v);
    }
    // No NR message faster than its link's physical minimum.
    for (flow, fo) in model.flows().iter().zip(&out.flows) {
        if matches!(flow.kind(), FlowKind::Background { .. }) || fo.latency_hist.count() == 0 {
            continue;
        }
        let Some(floor) = nr_floor_ns(model, flow.direction()) else {
            continue;
        };
        // The histogram reports the middle of a value's bucket: the fastest
        // message must not lie in a bucket below the minimum's.
        let fastest = fo.latency_hist.quantile(0.0).unwrap_or(f64::INFINITY);
        // (Two values: with one, the quantile is that value itself.)
        let mut at_floor = Histogram::default();
        at_floor.add(floor.floor() as u64);
        at_floor.add(floor.floor() as u64);
        let floor_bucket = at_floor.quantile(0.0).unwrap_or(0.0);
        prop_assert!(
            fastest >= floor_bucket,
            "flow {}: a message in {} ns, under the one-shot minimum of {} ns",
            flow.name(),
            fastest,
            floor
        );
        if fo.latency_n > 0 {
            let mean_ns = fo.latency_sum_ms / fo.latency_n as f64 * 1e6;
            prop_assert!(
                mean_ns >= floor * (1.0 - 1e-9),
                "flow {}: mean {} < {}",
                flow.name(),
                mean_ns,
                floor
            );
        }
    }
    Ok(())
}

/// Every number under a `utilization` object, and every `availability`.
fn collect_fractions(v: &serde_json::Value, path: &str, out: &mut Vec<(String, f64)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}.{k}");
                if k == "utilization" {
                    if let Some(u) = x.as_object() {
                        for (state, f) in u {
                            if let Some(f) = f.as_f64() {
                                out.push((format!("{p}.{state}"), f));
                            }
                        }
                    }
                } else if k == "availability" {
                    if let Some(f) = x.as_f64() {
                        out.push((p.clone(), f));
                    }
                }
                collect_fractions(x, &p, out);
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_fractions(x, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(64),
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    /// Generated valid scenarios load, run without panicking, and keep the
    /// simulator's invariants.
    #[test]
    fn generated_scenarios_keep_the_invariants(spec in spec()) {
        let text = spec.toml();
        let model = load(&text)?;
        check(&model, &text)?;
    }
}

// ---- the event queue ----------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    /// Schedule after a delay (ns), cancellable or not.
    Schedule {
        delay: u64,
        cancellable: bool,
    },
    /// Cancel the k-th cancellable event scheduled so far (modulo).
    Cancel(usize),
    Pop,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (prop_oneof![Just(0u64), 0u64..5, 0u64..1_000_000], any::<bool>())
            .prop_map(|(delay, cancellable)| Op::Schedule { delay, cancellable }),
        1 => any::<usize>().prop_map(Op::Cancel),
        3 => Just(Op::Pop),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    /// Against a plain list: the queue pops the earliest (time, scheduling
    /// order) of the events not cancelled, so time never goes back and ties
    /// run first in, first out; cancel removes exactly the events that have
    /// not fired.
    #[test]
    fn event_queue_pops_in_time_then_fifo_order(ops in prop::collection::vec(op(), 0..400)) {
        let mut q: EventQueue<u64> = EventQueue::new();
        // (time, sequence) of pending events, and cancellable ids with their sequence.
        let mut pending: Vec<(SimTime, u64)> = Vec::new();
        let mut ids = Vec::new();
        let mut seq = 0u64;
        let mut last = SimTime::ZERO;
        for op in ops {
            match op {
                Op::Schedule { delay, cancellable } => {
                    let at = q.now() + SimTime::from_nanos(delay);
                    if cancellable {
                        ids.push((q.schedule_cancellable(at, seq), seq));
                    } else {
                        q.schedule(at, seq);
                    }
                    pending.push((at, seq));
                    seq += 1;
                }
                Op::Cancel(k) if !ids.is_empty() => {
                    let (id, s) = ids[k % ids.len()];
                    let alive = pending.iter().position(|&(_, p)| p == s);
                    let got = q.cancel(id);
                    match alive {
                        Some(i) => {
                            prop_assert_eq!(got, Some(s));
                            pending.remove(i);
                        }
                        None => prop_assert_eq!(got, None),
                    }
                }
                Op::Cancel(_) => {}
                Op::Pop => {
                    let want = pending.iter().copied().enumerate().min_by_key(|&(_, (t, s))| (t, s));
                    prop_assert_eq!(q.peek_time(), want.map(|(_, (t, _))| t));
                    let got = q.pop();
                    match want {
                        Some((i, (t, s))) => {
                            prop_assert_eq!(got, Some((t, s)));
                            prop_assert!(t >= last, "time went back from {} to {}", last, t);
                            prop_assert_eq!(q.now(), t);
                            last = t;
                            pending.remove(i);
                        }
                        None => prop_assert_eq!(got, None),
                    }
                }
            }
            prop_assert_eq!(q.len(), pending.len());
        }
    }
}

/// One generated scenario with everything in it, as a smoke test that the
/// generator reaches the NR and fleet paths (the properties above draw
/// them at random).
#[test]
fn generator_covers_fleet_network_and_pull() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut fleet, mut nr, mut pull, mut flows) = (0, 0, 0, 0);
    for _ in 0..200 {
        let spec = spec().new_tree(&mut runner).expect("a tree").current();
        fleet += usize::from(spec.fleet.is_some());
        pull += usize::from(spec.pull.is_some());
        if let Some(n) = &spec.net {
            nr += usize::from(matches!(n.link, Link::Nr { .. }));
            flows += n.flows.len();
        }
    }
    assert!(
        fleet > 40 && nr > 20 && pull > 20 && flows > 100,
        "{fleet} {nr} {pull} {flows}"
    );
}

/// The first case the generator found: a protective stop while a server was
/// idle let it start a job anyway, and the end of the stop scheduled the end
/// of its phase a second time ("a phase runs on a job" panic). The scenario
/// as found, but with a constant process time: then when each job must
/// leave follows from the trace alone. One server, first come first served:
/// a job starts when it is released or when the job before it leaves,
/// whichever is later, and is processed for 30 s of time outside the
/// server's stops (a stop halts the phase; it resumes at the stop's end).
#[test]
fn a_job_arriving_during_a_protective_stop_waits_for_its_end() {
    let text = "[scenario]\nhorizon = \"60min\"\nseed = 0\n\n[[station]]\nname = \"s0\"\nprocess = \"const(30s)\"\n\n\
        [[product]]\nname = \"p\"\nrelease = \"exp(120s)\"\nroute = [\"s0\"]\n\n[network]\nmodel = \"fixed\"\n\n\
        [network.fixed]\nlatency = \"1ms\"\nloss = 0.01\n\n[[flow]]\nname = \"f0\"\nrobots = \"s0\"\n\
        direction = \"dl\"\nperiod = \"5ms\"\nsurvival = 0\non_violation = \"stop(1s)\"\n";
    let process_s = 30.0;
    let model = load(text).unwrap_or_else(|e| panic!("{e}"));
    let mut trace = Trace::new(usize::MAX);
    let out = simulate_traced(&model, 0, 0, &mut trace).expect("runs");
    let stopped = out.stations[0].state_ns[StationState::Stopped as usize];
    assert!(stopped > 0, "no stop in the run");
    // The server's stops, [begin, end), and each job's release and leave.
    let mut stops: Vec<(f64, f64)> = Vec::new();
    let mut stopped_since = None;
    let (mut released, mut left) = (Vec::new(), Vec::new());
    for r in &trace.records {
        match (r.entity.as_str(), r.event) {
            ("station:s0/0", "state") => match (r.state.as_str(), stopped_since) {
                ("stopped", None) => stopped_since = Some(r.time),
                ("stopped", Some(_)) => panic!("a second `stopped` record at {}", r.time),
                (_, Some(begin)) => {
                    stops.push((begin, r.time));
                    stopped_since = None;
                }
                (_, None) => {}
            },
            (_, "release") => released.push(r.time),
            (_, "leave") => left.push(r.time),
            _ => {}
        }
    }
    let horizon_s = model.horizon().as_secs_f64();
    stops.extend(stopped_since.map(|begin| (begin, horizon_s)));
    // When a job that starts at `start` is done: 30 s of work, none of it
    // during a stop.
    let done = |start: f64| {
        let (mut now, mut work) = (start, process_s);
        for &(begin, end) in stops.iter().filter(|&&(_, end)| end > start) {
            if begin > now {
                if begin - now >= work {
                    break;
                }
                work -= begin - now;
            }
            now = now.max(end);
        }
        now + work
    };
    assert!(left.len() > 10, "{} jobs done", left.len());
    let mut previous_leave = 0.0f64;
    let mut into_a_stop_at_rest = 0;
    for (job, (&release, &leave)) in released.iter().zip(&left).enumerate() {
        let start = release.max(previous_leave);
        assert!(
            (leave - done(start)).abs() < 1e-6,
            "job {job} released at {release} s, free server from {start} s: left at {leave} s, not {} s",
            done(start)
        );
        // The case of the name: released to an empty station while its
        // server was stopped; it must not start before the stop's end.
        if let Some(&(_, end)) = stops
            .iter()
            .find(|&&(begin, end)| begin <= release && release < end)
        {
            if previous_leave <= release {
                into_a_stop_at_rest += 1;
                assert!(
                    leave >= end + process_s - 1e-6,
                    "job {job}: left at {leave} s, stop over at {end} s"
                );
            }
        }
        previous_leave = leave;
    }
    assert!(
        into_a_stop_at_rest > 0,
        "no job arrived at a stopped, idle server"
    );
    eprintln!(
        "{} jobs done, {} of them released to a stopped idle server; {} stops",
        left.len(),
        into_a_stop_at_rest,
        stops.len()
    );
    assert_jobs_conserved(&model, &out);
}
