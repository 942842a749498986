//! The fleet's rules, checked from the trace and the scenario reader:
//! waiting for a charger is not charging, idle AGVs park one per parking
//! point, validation warns when `deadlock = "detect"` can deadlock, and the
//! new keys refuse bad values.

use super::fleet::grid_plant;
use factory5g::factory::{simulate_traced, Trace};
use factory5g::model::Model;
use std::collections::HashMap;

fn load(text: &str) -> factory5g::scenario::Loaded {
    factory5g::scenario::load_str("t.toml", text, None, &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn traced(model: &Model) -> Trace {
    let mut trace = Trace::new(usize::MAX);
    simulate_traced(model, model.seed(), 0, &mut trace).expect("runs");
    trace
}

/// Each AGV's state over the trace, replayed in time order: calls `seen`
/// after every state change with the states of all AGVs.
fn replay_states(trace: &Trace, mut seen: impl FnMut(f64, &HashMap<String, String>)) {
    let mut states: HashMap<String, String> = HashMap::new();
    for r in &trace.records {
        if r.entity.starts_with("agv") && r.event == "state" {
            states.insert(r.entity.clone(), r.state.clone());
            seen(r.time, &states);
        }
    }
}

/// Six AGVs, short batteries and one charger: AGVs queue for it. The
/// trace never shows two AGVs charging at once (one charger), and the AGVs
/// do wait for it, as `charge_wait`.
#[test]
fn waiting_for_a_charger_is_not_charging() {
    let battery =
        r#"battery = { runtime = "20min", recharge = "10min", chargers = ["nw"], threshold = 0.3 }"#;
    let model = load(&grid_plant(6, true, battery, "")).model;
    let trace = traced(&model);
    let (mut most_charging, mut waits) = (0, 0);
    replay_states(&trace, |_, states| {
        let charging = states.values().filter(|s| *s == "charging").count();
        most_charging = most_charging.max(charging);
        waits += states.values().filter(|s| *s == "charge_wait").count();
    });
    assert_eq!(most_charging, 1, "one charger");
    assert!(waits > 0, "no AGV ever waited for the charger");
}

/// Three AGVs and two parking points where no station stands: at the
/// start two drive from home to park and the third stays; no two AGVs are
/// ever idle at one parking point; idle AGVs spend most of their idle time
/// parked.
#[test]
fn idle_agvs_park_one_per_parking_point() {
    let model = load(&grid_plant(3, true, r#"parking = ["nw", "nm"]"#, "")).model;
    let trace = traced(&model);
    let moved_at_start: std::collections::BTreeSet<&str> = trace
        .records
        .iter()
        .filter(|r| r.event == "move" && r.time == 0.0)
        .map(|r| r.entity.as_str())
        .collect();
    assert_eq!(moved_at_start.len(), 2, "{moved_at_start:?}");
    // Where each AGV stands: the end of its last movement (home at first).
    let mut at: HashMap<&str, &str> = HashMap::new();
    let mut state: HashMap<&str, &str> = HashMap::new();
    let (mut idle_parked, mut idle_elsewhere) = (0.0, 0.0);
    let mut last_time = 0.0;
    for r in &trace.records {
        if !r.entity.starts_with("agv") {
            continue;
        }
        // Idle time since the last record, by where the idle AGVs stand.
        for (agv, s) in &state {
            if *s == "idle" {
                let here = at.get(agv).copied().unwrap_or("w");
                let span = r.time - last_time;
                if here == "nw" || here == "nm" {
                    idle_parked += span;
                } else {
                    idle_elsewhere += span;
                }
            }
        }
        last_time = r.time;
        match r.event {
            "move" => {
                if let Some(to) = r.to.as_deref().filter(|t| !t.is_empty()) {
                    at.insert(&r.entity, to);
                }
            }
            "state" => {
                state.insert(&r.entity, &r.state);
            }
            _ => {}
        }
        let idle_at = |point: &str| {
            state
                .iter()
                .filter(|(agv, s)| **s == "idle" && at.get(*agv).copied().unwrap_or("w") == point)
                .count()
        };
        assert!(
            idle_at("nw") <= 1 && idle_at("nm") <= 1,
            "two AGVs parked at one point at {} s",
            r.time
        );
    }
    eprintln!("idle time parked {idle_parked:.0} s, elsewhere {idle_elsewhere:.0} s");
    assert!(
        idle_parked > idle_elsewhere,
        "parked {idle_parked} s, elsewhere {idle_elsewhere} s"
    );
}

#[test]
fn validation_warns_when_detect_can_deadlock() {
    let warned = |agvs: u32, deadlock: &str| {
        let extra = format!("zone_control = true\ndeadlock = \"{deadlock}\"");
        load(&grid_plant(agvs, true, &extra, ""))
            .warnings
            .iter()
            .any(|w| w.key.as_deref() == Some("fleet.deadlock") && w.message.contains("can deadlock"))
    };
    // Two-way aisles that routes drive both ways, two AGVs: a head-on
    // meeting can deadlock.
    assert!(warned(2, "detect"));
    assert!(!warned(1, "detect"), "one AGV cannot deadlock");
    assert!(!warned(2, "avoid"), "avoidance needs no warning");
    // sany18's one-way loop is longer than its 30 AGVs; not with 100.
    let sany18 = |agvs: u32| {
        factory5g::scenario::load_builtin_with(
            "sany18",
            &[
                format!("fleet.agvs={agvs}"),
                "fleet.deadlock=\"detect\"".to_string(),
            ],
        )
        .expect("valid")
        .warnings
        .iter()
        .any(|w| w.key.as_deref() == Some("fleet.deadlock"))
    };
    assert!(!sany18(30));
    assert!(sany18(100));
}

#[test]
fn bad_fleet_and_layout_values_are_refused() {
    let refused = |extra_fleet: &str, extra_layout: &str| {
        let text =
            grid_plant(2, true, extra_fleet, "").replace("[fleet]", &format!("{extra_layout}\n[fleet]"));
        let e = factory5g::scenario::load_str("t.toml", &text, None, &[]).expect_err("refused");
        e.to_string()
    };
    let e = refused(r#"deadlock = "avoidd""#, "");
    assert!(e.contains("fleet.deadlock") && e.contains("did you mean"), "{e}");
    let e = refused(r#"parking = ["nw", "nw"]"#, "");
    assert!(e.contains("parking names `nw` twice"), "{e}");
    let e = refused(r#"parking = ["nowhere"]"#, "");
    assert!(e.contains("unknown point `nowhere`"), "{e}");
    let e = refused("", r#"zone_length = "0m""#);
    assert!(e.contains("zone_length must be longer than 0"), "{e}");
    let e = refused("", r#"zone_length = "20""#);
    assert!(e.contains("has no unit"), "{e}");
    let e = refused(r#"speed_loaded = "fast""#, "");
    assert!(e.contains("fleet.speed_loaded"), "{e}");
}
