//! The large-scale state of every gNB-UE link over the floor: LOS or NLOS,
//! path loss and shadow fading, in one of three modes ([`Shadowing`]).
//!
//! - `consistent` (TR 38.901 §7.6.3, spatial consistency): per gNB and
//!   replication, three independent [`CorrelatedField`]s over the floor,
//!   the LOS state's and the LOS and NLOS shadow fading's. The LOS state at
//!   a point is LOS when the spatially consistent uniform `Φ(G(x, y))` (G
//!   the LOS-state field, Φ the normal CDF) is below the sub-scenario's
//!   P_LOS(d2D) (§7.6.3.3); the shadow fading is σ times the field of that
//!   state (§7.6.3.1: LOS and NLOS parameters are generated independently).
//!   Correlation distances, TR 38.901 InF rows: shadow fading 10 m, LOS and
//!   NLOS alike (Table 7.5-6 Part-3); LOS state `d_clutter / 2`
//!   (Table 7.6.3.1-2): 5 m in sparse clutter (SL, SH), 1 m in dense (DL,
//!   DH); InF-HH is LOS everywhere. A UE that does not move keeps its link;
//!   one that moves sees it change over these distances.
//! - `per_message`: LOS drawn with P_LOS and shadow fading with σ,
//!   independently at every call (the draws, in the order uniform then
//!   normal, of the first stage's link profiles).
//! - `off`: no chance at all: the path loss is the LOS and NLOS path losses
//!   weighted by the LOS probability, `p·PL_LOS + (1 − p)·PL_NLOS` dB (the
//!   coverage map's), without shadow fading (its mean in dB is 0). For tests
//!   and for seeing the geometry alone.
//!
//! A [`RadioMap`] holds the fields of one replication; [`RadioMap::link`]
//! evaluates one gNB's link at a point (cheap enough to call at every aisle
//! point and every few metres an AGV drives: 2 fields of
//! [`FIELD_TERMS`](super::FIELD_TERMS) cosines each).
//!
//! ```
//! use factory5g::engine::RngStreams;
//! use factory5g::net::{Channel, InfScenario, RadioMap, Shadowing};
//! let channel = Channel::new(InfScenario::Sl, 3.5);
//! let streams = RngStreams::new(1, 0);
//! let map = RadioMap::new(channel, &[(0.0, 0.0), (40.0, 0.0)], Shadowing::Consistent, &streams);
//! let mut unused = streams.stream("unused");
//! let here = map.link(0, (12.0, 3.0), &mut unused);
//! assert_eq!(here, map.link(0, (12.0, 3.0), &mut unused));
//! let off = RadioMap::new(channel, &[(0.0, 0.0)], Shadowing::Off, &streams);
//! assert_eq!(off.link(0, (12.0, 3.0), &mut unused).shadow_db, 0.0);
//! ```

use super::channel::Channel;
use super::field::CorrelatedField;
use super::InfScenario;
use crate::engine::RngStreams;
use crate::stats::normal_cdf;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

/// How the LOS state and shadow fading of a link are drawn.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Shadowing {
    /// Spatially consistent fields per gNB and replication (TR 38.901
    /// §7.6.3).
    #[default]
    Consistent,
    /// Independent draws at every call.
    PerMessage,
    /// The LOS-probability-weighted mean path loss, no shadow fading.
    Off,
}

impl Shadowing {
    /// `consistent`, `per_message`, `off`.
    pub fn parse(text: &str) -> Result<Shadowing, String> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "consistent" => Ok(Shadowing::Consistent),
            "per_message" => Ok(Shadowing::PerMessage),
            "off" => Ok(Shadowing::Off),
            _ => Err(format!(
                "`{text}` is not a shadowing mode; allowed: consistent, per_message, off"
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Shadowing::Consistent => "consistent",
            Shadowing::PerMessage => "per_message",
            Shadowing::Off => "off",
        }
    }
}

/// The correlation distances (m) of an InF sub-scenario (TR 38.901 Table
/// 7.5-6 Part-3 and Table 7.6.3.1-2).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct CorrelationDistances {
    pub shadow_los_m: f64,
    pub shadow_nlos_m: f64,
    /// `d_clutter / 2`.
    pub los_state_m: f64,
}

impl Channel {
    /// The correlation distances of this channel's sub-scenario.
    pub fn correlation_distances(&self) -> CorrelationDistances {
        CorrelationDistances {
            shadow_los_m: 10.0,
            shadow_nlos_m: 10.0,
            los_state_m: self.params.d_clutter / 2.0,
        }
    }
}

/// Whether a link is in line of sight.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LosState {
    Los,
    Nlos,
    /// Neither: the LOS-probability-weighted mean ([`Shadowing::Off`]).
    Mean,
}

/// One gNB-UE link's large-scale state.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct LinkState {
    pub d2d_m: f64,
    pub los: LosState,
    pub path_loss_db: f64,
    /// Shadow fading (dB), added to the path loss.
    pub shadow_db: f64,
}

impl LinkState {
    /// Path loss plus shadow fading (dB).
    pub fn loss_db(&self) -> f64 {
        self.path_loss_db + self.shadow_db
    }
}

/// The three fields of one gNB in one replication.
#[derive(Clone, Debug, PartialEq)]
pub struct GnbFields {
    los_state: CorrelatedField,
    shadow_los: CorrelatedField,
    shadow_nlos: CorrelatedField,
}

impl GnbFields {
    /// Draws the fields of `channel`'s correlation distances from `rng`, in
    /// the order LOS state, LOS shadowing, NLOS shadowing.
    pub fn new<R: Rng + ?Sized>(channel: &Channel, rng: &mut R) -> GnbFields {
        let d = channel.correlation_distances();
        GnbFields {
            los_state: CorrelatedField::new(d.los_state_m, rng),
            shadow_los: CorrelatedField::new(d.shadow_los_m, rng),
            shadow_nlos: CorrelatedField::new(d.shadow_nlos_m, rng),
        }
    }

    /// The spatially consistent uniform of the LOS state at `at`
    /// (TR 38.901 §7.6.3.3).
    pub fn los_uniform(&self, at: (f64, f64)) -> f64 {
        normal_cdf(self.los_state.value(at.0, at.1))
    }

    /// The standard normal of the shadow fading in a state at `at`.
    pub fn shadow_normal(&self, los: bool, at: (f64, f64)) -> f64 {
        let field = if los { &self.shadow_los } else { &self.shadow_nlos };
        field.value(at.0, at.1)
    }
}

/// The channel from every gNB in one replication, in one [`Shadowing`]
/// mode.
#[derive(Clone, Debug)]
pub struct RadioMap {
    channel: Channel,
    gnbs: Vec<(f64, f64)>,
    shadowing: Shadowing,
    /// One per gNB under [`Shadowing::Consistent`], empty otherwise.
    fields: Vec<GnbFields>,
}

/// The name of gNB `index`'s field stream: `nr/gnb/INDEX/fields`.
pub fn field_stream_name(index: usize) -> String {
    format!("nr/gnb/{index}/fields")
}

impl RadioMap {
    /// The map of `gnbs` (x, y in metres). Under [`Shadowing::Consistent`]
    /// gNB i's fields come from the replication's stream
    /// [`field_stream_name`]`(i)`, so they depend only on the seed, the
    /// replication and the gNB's place in the list.
    pub fn new(
        channel: Channel,
        gnbs: &[(f64, f64)],
        shadowing: Shadowing,
        streams: &RngStreams,
    ) -> RadioMap {
        let fields = match shadowing {
            Shadowing::Consistent => (0..gnbs.len())
                .map(|i| GnbFields::new(&channel, &mut streams.stream(&field_stream_name(i))))
                .collect(),
            Shadowing::PerMessage | Shadowing::Off => Vec::new(),
        };
        RadioMap {
            channel,
            gnbs: gnbs.to_vec(),
            shadowing,
            fields,
        }
    }

    pub fn channel(&self) -> &Channel {
        &self.channel
    }

    pub fn gnbs(&self) -> &[(f64, f64)] {
        &self.gnbs
    }

    pub fn shadowing(&self) -> Shadowing {
        self.shadowing
    }

    /// The link of gNB `gnb` to a UE at `ue`. `rng` is drawn from only under
    /// [`Shadowing::PerMessage`] (a uniform, then a normal); the other modes
    /// give the same state at the same point every time.
    pub fn link<R: Rng + ?Sized>(&self, gnb: usize, ue: (f64, f64), rng: &mut R) -> LinkState {
        let (x, y) = self.gnbs[gnb];
        let d2d_m = (ue.0 - x).hypot(ue.1 - y);
        let ch = &self.channel;
        let in_state = |los: bool, normal: f64| LinkState {
            d2d_m,
            los: if los { LosState::Los } else { LosState::Nlos },
            path_loss_db: ch.path_loss(d2d_m, los),
            shadow_db: normal * ch.shadow_sigma_db(los),
        };
        match self.shadowing {
            Shadowing::Consistent => {
                let fields = &self.fields[gnb];
                let los = ch.scenario == InfScenario::Hh || fields.los_uniform(ue) < ch.p_los(d2d_m);
                in_state(los, fields.shadow_normal(los, ue))
            }
            Shadowing::PerMessage => {
                let u: f64 = rng.random();
                let los = u < ch.p_los(d2d_m);
                in_state(los, StandardNormal.sample(rng))
            }
            Shadowing::Off => LinkState {
                d2d_m,
                los: LosState::Mean,
                path_loss_db: ch.mean_path_loss(d2d_m),
                shadow_db: 0.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::mean_ci95;

    #[test]
    fn modes_parse_and_correlation_distances_follow_the_clutter() {
        assert_eq!(Shadowing::parse("per-message"), Ok(Shadowing::PerMessage));
        assert_eq!(Shadowing::parse(" OFF "), Ok(Shadowing::Off));
        assert!(Shadowing::parse("sometimes")
            .unwrap_err()
            .contains("consistent, per_message, off"));
        for s in [Shadowing::Consistent, Shadowing::PerMessage, Shadowing::Off] {
            assert_eq!(Shadowing::parse(s.name()), Ok(s));
        }
        let sparse = Channel::new(InfScenario::Sh, 3.5).correlation_distances();
        let dense = Channel::new(InfScenario::Dl, 3.5).correlation_distances();
        assert_eq!((sparse.los_state_m, dense.los_state_m), (5.0, 1.0));
        assert_eq!((dense.shadow_los_m, dense.shadow_nlos_m), (10.0, 10.0));
    }

    /// The LOS probability at distance d, measured over independent
    /// replications (each the fraction of LOS links from one gNB to 40
    /// points on the circle of radius d, far apart next to the LOS-state
    /// correlation distance), against P_LOS(d).
    #[test]
    fn los_frequency_at_a_distance_matches_p_los() {
        // Distances where P_LOS spans 0.9 to 0.1: k = 44.8 m (SL), 3.15 m (DH).
        for (scenario, distances) in [
            (InfScenario::Sl, [5.0, 10.0, 20.0, 40.0]),
            (InfScenario::Dh, [1.0, 2.0, 4.0, 8.0]),
        ] {
            let channel = Channel::new(scenario, 3.5);
            for d in distances {
                let fractions: Vec<f64> = (0..300)
                    .map(|r| {
                        let streams = RngStreams::new(11, r);
                        let map = RadioMap::new(channel, &[(0.0, 0.0)], Shadowing::Consistent, &streams);
                        let mut unused = streams.stream("unused");
                        let los = (0..40)
                            .filter(|i| {
                                let angle = f64::from(*i) * std::f64::consts::TAU / 40.0;
                                let at = (d * angle.cos(), d * angle.sin());
                                map.link(0, at, &mut unused).los == LosState::Los
                            })
                            .count();
                        los as f64 / 40.0
                    })
                    .collect();
                let (measured, ci) = mean_ci95(&fractions);
                let (lo, hi) = ci.unwrap();
                let expected = channel.p_los(d);
                assert!(hi - lo < 0.05, "interval too wide: {lo}..{hi}");
                assert!(
                    (lo..=hi).contains(&expected),
                    "{scenario} at {d} m: measured {measured:.4} in {lo:.4}..{hi:.4}, P_LOS {expected:.4}"
                );
            }
        }
    }

    #[test]
    fn consistent_links_keep_their_state_and_per_message_links_do_not() {
        let channel = Channel::new(InfScenario::Dl, 3.5);
        let streams = RngStreams::new(5, 2);
        let gnbs = [(0.0, 0.0), (30.0, 0.0)];
        let map = RadioMap::new(channel, &gnbs, Shadowing::Consistent, &streams);
        let again = RadioMap::new(channel, &gnbs, Shadowing::Consistent, &streams);
        let mut rng = streams.stream("draws");
        let at = (14.0, 6.5);
        let first = map.link(1, at, &mut rng);
        assert_eq!(first, map.link(1, at, &mut rng));
        assert_eq!(first, again.link(1, at, &mut rng));
        assert_ne!(map.link(0, at, &mut rng).shadow_db, first.shadow_db);
        // Path loss is the state's; the shadowing its σ times a field value.
        let pl = channel.path_loss(first.d2d_m, first.los == LosState::Los);
        assert_eq!(first.path_loss_db, pl);
        let per_message = RadioMap::new(channel, &gnbs, Shadowing::PerMessage, &streams);
        let draws: Vec<f64> = (0..5)
            .map(|_| per_message.link(1, at, &mut rng).shadow_db)
            .collect();
        assert!(draws.windows(2).all(|w| w[0] != w[1]), "{draws:?}");
        let off = RadioMap::new(channel, &gnbs, Shadowing::Off, &streams).link(1, at, &mut rng);
        let p = channel.p_los(off.d2d_m);
        let weighted =
            p * channel.path_loss(off.d2d_m, true) + (1.0 - p) * channel.path_loss(off.d2d_m, false);
        assert!((off.loss_db() - weighted).abs() < 1e-12 && off.los == LosState::Mean);
    }

    #[test]
    fn inf_hh_is_always_in_line_of_sight() {
        let channel = Channel::new(InfScenario::Hh, 28.0);
        let streams = RngStreams::new(1, 0);
        let map = RadioMap::new(channel, &[(0.0, 0.0)], Shadowing::Consistent, &streams);
        let mut rng = streams.stream("x");
        assert!((0..50).all(|i| map.link(0, (f64::from(i) * 7.0, 3.0), &mut rng).los == LosState::Los));
    }
}
