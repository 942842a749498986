//! The TR 37.910 §5.7.1 user-plane latency step model, analytic.
//!
//! Arrivals are uniform over time; the alignment waits are computed exactly
//! from the frame structure rather than approximated. The first wait of the
//! chain (for the data's opportunity, or for the SR occasion grant-based)
//! splits the arrivals into intervals: the arrivals between two consecutive
//! occasions (less the preparation time before the wait) all take the later
//! one, and from there every step is deterministic. So the mean latency of
//! attempt j is an exact finite sum over the occasions of one period
//! (the pattern, or its least common multiple with the SR period):
//! Σ_i (o_i − o_{i−1}) · (d_j(o_i) − (o_{i−1} + o_i)/2 + c) / period, where
//! d_j is the delivery time of attempt j and c the preparation time. The
//! packet model ([`Nr::transmit`](super::Nr::transmit)) runs the same steps,
//! so its sample mean converges to these values.
//!
//! Two conventions are reported:
//!
//! - TR 37.910 (the reference's formulas): `T_HARQ` is the feedback leg
//!   with its own average alignment (as if the feedback arrived at a uniform
//!   time) plus L0; the mean with BLER p is `L0 + p·T_HARQ`, and with up to k
//!   retransmissions `L0 + T_HARQ·(p + … + p^k)`, residual loss `p^(k+1)`.
//!   This is what reproduces the reference table.
//! - Frame-exact ([`FrameExact`]): each retransmission is timed on the frame
//!   from the failed attempt (in FDD with slots, the feedback leaves at a
//!   fixed offset from the slot grid, so its wait is not the average), and
//!   the mean is over delivered packets. This is what the packet model and
//!   `--simulate` measure.

use super::frame::Tick;
use super::nr::Nr;
use super::{ticks_to_ms, Components, Direction};
use serde::Serialize;

/// The step model's figures for one direction (milliseconds). Serialized,
/// they are the figures of `factory5g latency --json`, whose `config` block
/// has the direction, the BLER and the retransmissions.
#[derive(Clone, Debug, Serialize)]
pub struct StepLatency {
    #[serde(skip)]
    pub direction: Direction,
    #[serde(skip)]
    pub bler: f64,
    #[serde(skip)]
    pub harq_max_retx: u32,
    /// L0: first transmission, no error.
    pub one_shot_ms: f64,
    /// T_HARQ, TR 37.910 convention.
    pub harq_rtt_ms: f64,
    /// L0 + p·T_HARQ (TR 37.910: at most one retransmission counted; L0
    /// when no retransmission is allowed, `harq_max_retx` = 0).
    pub mean_ms: f64,
    /// L0 + T_HARQ·(p + p² + … + p^k), k = `harq_max_retx` (lost packets
    /// counted at their last attempt).
    pub mean_with_retx_ms: f64,
    /// p^(k+1): the packets lost after every attempt failed.
    pub residual_loss: f64,
    /// Components of `mean_ms` (harq = p·T_HARQ, 0 when `harq_max_retx` =
    /// 0); they sum to `mean_ms`.
    pub components_ms: Components,
    /// Components of `one_shot_ms`.
    #[serde(skip)]
    pub one_shot_components_ms: Components,
    pub frame_exact: FrameExact,
}

/// The same model with each retransmission timed on the frame structure.
#[derive(Clone, Debug, Serialize)]
pub struct FrameExact {
    /// Mean time from the first attempt's delivery to the first
    /// retransmission's.
    pub harq_rtt_ms: f64,
    /// Mean latency of delivered packets, up to `harq_max_retx`
    /// retransmissions each failing with p.
    pub mean_ms: f64,
    pub components_ms: Components,
}

impl Nr {
    /// The step model for `dir` at the configured BLER.
    pub fn step(&self, dir: Direction) -> StepLatency {
        self.step_with_bler(dir, self.config().bler)
    }

    /// The step model for `dir` at BLER `p` (clamped to [0, 1)), for a
    /// packet that fits the grant that answers an SR (grant-based uplink).
    pub fn step_with_bler(&self, dir: Direction, p: f64) -> StepLatency {
        self.step_for_packet(dir, p, 0)
    }

    /// The step model for `dir` at BLER `p` (clamped to [0, 1)), for a
    /// packet of `bits`: grant-based, a packet that does not fit the grant
    /// that answers its SR ([`fits_first_grant`](super::fits_first_grant))
    /// goes through one more grant cycle, the BSR's. The size changes
    /// nothing else.
    pub fn step_for_packet(&self, dir: Direction, p: f64, bits: u64) -> StepLatency {
        let p = if p.is_finite() {
            p.clamp(0.0, 0.999_999)
        } else {
            0.0
        };
        let k = self.config().harq_max_retx;
        let gb = self.grant_based(dir);
        let means = self.attempt_means(dir, gb, k.max(1) as usize, bits);
        let l0 = means[0];

        // Constant parts of the first attempt.
        let sym = self.frame.sym;
        let (processing, transmission) = if gb && !super::fits_first_grant(bits) {
            // The BSR's cycle: its PUSCH, its decoding, the data grant.
            (3 * self.p1h() + 8 * self.p2h(), 2 * self.frame.tx() + 3 * sym)
        } else if gb {
            (2 * self.p1h() + 4 * self.p2h(), self.frame.tx() + 2 * sym)
        } else {
            (self.p2h() + self.p1h(), self.frame.tx())
        };
        let (processing, transmission) = (processing as f64, transmission as f64);
        let alignment = l0 - processing - transmission;

        // TR 37.910 convention: feedback leg at its average alignment, then
        // a first transmission (configured-grant-like in the uplink).
        let fb = dir.opposite();
        let occ = self.frame.opps(fb);
        let mean_wait_fb = (occ.gap_squares() * sym) as f64 / (2 * u128::from(occ.period)) as f64;
        let l0_retx = if gb {
            self.attempt_means(dir, false, 0, bits)[0]
        } else {
            l0
        };
        let t_harq = (self.p1h() + self.p2h() + self.frame.tx()) as f64 + mean_wait_fb + l0_retx;
        let geometric: f64 = (1..=k).map(|j| p.powi(j as i32)).sum();
        // TR 37.910 counts one retransmission with probability p; with no
        // retransmission allowed (k = 0) there is none to count: a failed
        // packet is lost, and the mean of every packet is L0.
        let harq = if k == 0 { 0.0 } else { p * t_harq };
        let mean = l0 + harq;

        // Frame-exact: mean over delivered packets of attempt j's latency,
        // attempt j succeeding with p^j (1 − p) / (1 − p^(k+1)).
        let delivered = 1.0 - p.powi(k as i32 + 1);
        let exact: f64 = (0..=k as usize)
            .map(|j| p.powi(j as i32) * (1.0 - p) / delivered * means[j])
            .sum();

        let ms = ticks_to_ms;
        let one_shot = Components {
            processing: ms(processing),
            alignment: ms(alignment),
            transmission: ms(transmission),
            ..Components::default()
        };
        StepLatency {
            direction: dir,
            bler: p,
            harq_max_retx: k,
            one_shot_ms: ms(l0),
            harq_rtt_ms: ms(t_harq),
            mean_ms: ms(mean),
            mean_with_retx_ms: ms(l0 + t_harq * geometric),
            residual_loss: p.powi(k as i32 + 1),
            components_ms: Components {
                harq: ms(harq),
                ..one_shot
            },
            one_shot_components_ms: one_shot,
            frame_exact: FrameExact {
                harq_rtt_ms: ms(means[1] - means[0]),
                mean_ms: ms(exact),
                components_ms: Components {
                    harq: ms(exact - l0),
                    ..one_shot
                },
            },
        }
    }

    /// Mean of (delivery of attempt j − arrival), j = 0..=kmax, in ticks,
    /// for arrivals uniform over time: an exact sum over the first-stage
    /// occasions of one period (see the module documentation).
    fn attempt_means(&self, dir: Direction, grant_based: bool, kmax: usize, bits: u64) -> Vec<f64> {
        let (occ, c) = if grant_based {
            (
                self.frame
                    .sr
                    .as_ref()
                    .expect("grant-based uplink has SR occasions"),
                self.p1h(),
            )
        } else {
            (self.frame.opps(dir), self.p2h())
        };
        let sym = self.frame.sym as i128;
        let period = i128::from(occ.period) * sym;
        let c = c as i128;
        let n = occ.starts.len();
        let mut sums = vec![0i128; kmax + 1];
        for i in 0..n {
            let o = i128::from(occ.starts[i]) * sym;
            let prev = if i == 0 {
                i128::from(occ.starts[n - 1]) * sym - period
            } else {
                i128::from(occ.starts[i - 1]) * sym
            };
            let w = o - prev;
            let first: Tick = if grant_based {
                let p = self.after_sr(o as Tick, bits);
                self.done_after(self.frame.next_opp(Direction::Ul, p.ready))
            } else {
                self.done_after(o as Tick)
            };
            let mut d = first;
            for (j, sum) in sums.iter_mut().enumerate() {
                *sum += w * (2 * d as i128 - o - prev + 2 * c);
                if j < kmax {
                    d = self.retransmit(dir, d);
                }
            }
        }
        sums.iter().map(|&s| s as f64 / (2 * period) as f64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::config::{Duplex, NrConfig, SpecialSplit, SrPeriod, UlAccess};
    use crate::net::frame::TICKS_PER_NS;

    fn nr(scs: u32, symbols: u32, duplex: &str, ul: UlAccess) -> Nr {
        Nr::new(NrConfig {
            scs_khz: scs,
            symbols,
            duplex: Duplex::parse(duplex, SpecialSplit::default()).unwrap(),
            ul_access: ul,
            carrier_ghz: if scs == 120 { 28.0 } else { 3.5 },
            bandwidth_mhz: if scs == 15 { 50 } else { 100 },
            bler: 0.1,
            ..NrConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn fdd_slot_reproduces_the_reference_table() {
        let table = [
            (15, 2.141, 2.569, 4.28),
            (30, 1.142, 1.370, 2.28),
            (60, 0.731, 0.878, 1.46),
            (120, 0.437, 0.524, 0.87),
        ];
        for (scs, p0, p1, rtt) in table {
            for dir in [Direction::Dl, Direction::Ul] {
                let s = nr(scs, 14, "fdd", UlAccess::ConfiguredGrant).step(dir);
                assert!(
                    (s.one_shot_ms / p0 - 1.0).abs() < 0.001,
                    "{scs} {dir:?} {}",
                    s.one_shot_ms
                );
                assert!(
                    (s.mean_ms / p1 - 1.0).abs() < 0.001,
                    "{scs} {dir:?} {}",
                    s.mean_ms
                );
                // The reference rounds the round trip to 0.01 ms.
                assert!(
                    (s.harq_rtt_ms - rtt).abs() <= 0.005,
                    "{scs} {dir:?} {}",
                    s.harq_rtt_ms
                );
                assert!((s.components_ms.total() - s.mean_ms).abs() < 1e-9);
                assert!((s.frame_exact.components_ms.total() - s.frame_exact.mean_ms).abs() < 1e-9);
            }
        }
    }

    /// The exact sum against a brute-force average of the deterministic
    /// chain over a fine grid of arrival times, for TDD and grant-based.
    #[test]
    fn exact_sum_matches_brute_force_average() {
        let cases = [
            nr(30, 14, "DDDSU", UlAccess::ConfiguredGrant),
            nr(30, 4, "DDDDDDDSUU", UlAccess::ConfiguredGrant),
            nr(
                30,
                14,
                "DDDSU",
                UlAccess::GrantBased {
                    sr_period: SrPeriod::Slots(2),
                },
            ),
            nr(
                60,
                2,
                "fdd",
                UlAccess::GrantBased {
                    sr_period: SrPeriod::Symbols(7),
                },
            ),
        ];
        for n in &cases {
            for dir in [Direction::Dl, Direction::Ul] {
                let exact = n.attempt_means(dir, n.grant_based(dir), 2, 0);
                let occ = if n.grant_based(dir) {
                    n.frame.sr.clone().unwrap()
                } else {
                    n.frame.opps(dir).clone()
                };
                let period = u128::from(occ.period) * n.frame.sym;
                let steps = 20_000u128;
                let mut sums = [0f64; 3];
                for i in 0..steps {
                    let t = period * 5 + period * i / steps + 7;
                    let p = n.prepare(dir, t, 0);
                    let mut d = n.done_after(n.frame.next_opp(dir, p.ready));
                    for s in sums.iter_mut() {
                        *s += (d - t) as f64;
                        d = n.retransmit(dir, d);
                    }
                }
                for j in 0..3 {
                    let brute = sums[j] / steps as f64;
                    let tol = (period / steps) as f64 * 2.0;
                    assert!(
                        (brute - exact[j]).abs() < tol,
                        "{:?} {dir:?} attempt {j}: brute {brute} exact {}",
                        n.config().duplex,
                        exact[j]
                    );
                }
            }
        }
    }

    #[test]
    fn fdd_frame_exact_round_trip_is_timed_on_the_grid() {
        // 15 kHz slot: the failed attempt is decoded 4 symbols after a slot
        // boundary, the NACK ready 4 later, sent in the next slot; the gNB
        // then waits for the slot after: 56 symbols, not the 60 of the
        // convention.
        let s = nr(15, 14, "fdd", UlAccess::ConfiguredGrant).step(Direction::Dl);
        let sym_ms = 13_700_000.0 / TICKS_PER_NS as f64 / 1e6;
        assert!((s.frame_exact.harq_rtt_ms - 56.0 * sym_ms).abs() < 1e-9);
        assert!((s.harq_rtt_ms - 60.0 * sym_ms).abs() < 1e-9);
    }
}
