//! Two robots at one place share its link: the place's link is computed
//! once per replication, whichever robot comes first, and both robots read
//! it (under per-message shadowing too, where a place keeps its draws).

use super::*;
use crate::engine::RngStreams;
use crate::model::LinkModel;
use crate::net::CoreDelay;

/// Two arms at one point between two gNBs, with a periodic heartbeat.
fn plant(shadowing: &str) -> Model {
    let text = format!(
        r#"
[scenario]
horizon = "1h"
[layout]
size = [200, 20]
points = {{ a = [70, 3] }}
[[station]]
name = "arms"
at = "a"
servers = 2
process = "1min"
robot = true
[[product]]
name = "job"
release = "const(1h)"
route = ["arms"]
[network]
model = "nr"
[network.nr]
channel = "InF-DH"
gnb = [[0, 0], [200, 0]]
shadowing = "{shadowing}"
[[flow]]
name = "heartbeat"
robots = "arms"
direction = "ul"
period = "100ms"
survival = 1
"#
    );
    match crate::scenario::load_str("radio.toml", &text, None, &[]) {
        Ok(loaded) => loaded.model,
        Err(d) => panic!("test plant invalid:\n{d}"),
    }
}

fn radio_of(model: &Model, seed: u64) -> Radio {
    let LinkModel::Nr(nr) = &model.network.link else {
        panic!("an nr plant");
    };
    let streams = RngStreams::new(seed, 0);
    let core = CoreDelay::from_dists(model.network.core.clone(), model.network.edge_processing.clone());
    let flows = flow_radio(model, nr, &core, &[], &streams);
    let loads = vec![[0.0, 0.0]; nr.gnbs().len()];
    Radio::new(nr, loads, &[(70.0, 3.0), (70.0, 3.0)], flows, &streams)
}

#[test]
fn two_robots_at_one_place_see_the_same_link() {
    for shadowing in ["consistent", "per_message", "off"] {
        let model = plant(shadowing);
        for seed in 1..=5 {
            let mut radio = radio_of(&model, seed);
            for t in [0, 1, 3_600] {
                let at = SimTime::from_secs(t);
                let (first, first_until) = radio.link_at(0, at);
                let (second, second_until) = radio.link_at(1, at);
                assert_eq!(first, second, "{shadowing}, seed {seed}, {t} s");
                assert_eq!(first_until, second_until, "{shadowing}, seed {seed}, {t} s");
                let (a, b) = (radio.runs(0, first), radio.runs(0, second));
                assert_eq!(a.q, b.q, "{shadowing}, seed {seed}");
                assert_eq!(a.lost_share, b.lost_share, "{shadowing}, seed {seed}");
                // The cache is not what makes them equal: the quality
                // computed afresh for each robot's link agrees too.
                let mut qa = Quality::default();
                let mut qb = Quality::default();
                radio.flow_quality(0, first, &mut qa);
                radio.flow_quality(0, second, &mut qb);
                assert_eq!(qa, qb, "{shadowing}, seed {seed}");
            }
            // A link worth testing: up, with a failure chance that is
            // neither 0 nor 1 under shadowing that varies.
            let (link, _) = radio.link_at(0, SimTime::ZERO);
            assert!(matches!(link, Link::Up { .. }), "{shadowing}: {link:?}");
        }
    }
}
