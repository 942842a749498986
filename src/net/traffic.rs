//! Background traffic as packets: how the other UEs of a cell (cameras,
//! bulk transfers) offer their load, packet by packet or as the arrival
//! law of a queue.
//!
//! ```
//! use factory5g::net::{BackgroundFlow, Traffic};
//! let cameras = BackgroundFlow {
//!     traffic: Traffic::Video { fps: 30.0 },
//!     ues: 10,
//!     rate_bps: 20e6,
//!     packet_bytes: 1500,
//!     priority: 9,
//!     spectral_efficiency: 5.0,
//! };
//! // 20 Mbit/s at 30 frames a second: frames of 83,334 bytes, 56 packets.
//! assert_eq!(cameras.frame_packets(), 56);
//! ```
//!
//! Three models of a flow's traffic ([`Traffic`]):
//! - `poisson`: each UE sends packets of `packet_bytes` at exponential
//!   intervals, `rate_bps` on average (the superposition of many
//!   independent senders; Kleinrock, "Queueing Systems" vol. 1, §2.4);
//! - `video`: each UE sends a frame of `rate_bps / fps` bits every 1/`fps`
//!   seconds, from a phase drawn uniformly per UE, split into packets of at
//!   most `packet_bytes`, all released at the frame's time (a camera's
//!   encoder hands the whole frame to the stack at once);
//! - `fluid`: no packets; the cell gives the load its mean share of blocks
//!   at every opportunity (see [`Cell`](crate::net::Cell)).
//!
//! A packet needs `⌈bits / bits per block⌉` blocks at its UE's spectral
//! efficiency, as a robot packet does. Every UE of a flow has the flow's
//! efficiency (the plant uses the link of a UE 30 m from its gNB in line
//! of sight); flows with other efficiencies stand for UEs with better or
//! worse channels, which is what proportional fair tells apart.
//!
//! For the queue's law ([`QueueLaw`](crate::net::QueueLaw)), a flow's
//! arrivals during one interval between opportunities are
//! [`Batches`](crate::net::Batches): Poisson packets exactly; video as one
//! Bernoulli trial per camera (a frame in the interval with probability
//! fps × interval), which keeps the frames' sizes and rate but forgets
//! their strict periodicity: periodic frames queue less, so the law is an
//! upper bound (close at a load of 0.5, about 1.7 times the simulated mean
//! wait at 0.8 for ten 30 fps cameras; `tests/it/queues.rs`).

use super::nr::Nr;
use super::stationary::Batches;
use super::Direction;
use crate::engine::{SimTime, StreamRng};
use rand::RngExt;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Frames per second of a video flow when `fps` is not written.
pub const DEFAULT_FPS: f64 = 30.0;
/// Packet size of background flows when `size` is not written: an Ethernet MTU.
pub const DEFAULT_PACKET_BYTES: u32 = 1500;
/// Priority of robot flows when `priority` is not written (served first).
pub const ROBOT_PRIORITY: u8 = 1;
/// Priority of background flows when `priority` is not written (served last).
pub const BACKGROUND_PRIORITY: u8 = 9;
/// Priorities run from 1 (served first) to this.
pub const LOWEST_PRIORITY: u8 = 9;

/// How a background flow's load arrives.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Traffic {
    /// Packets at exponential intervals.
    Poisson,
    /// Frames of rate/fps bits at `fps`, split into packets.
    Video { fps: f64 },
    /// A fluid share of every opportunity's blocks, without packets.
    Fluid,
}

impl Traffic {
    /// The names a scenario writes.
    pub const NAMES: &'static [&'static str] = &["poisson", "video", "fluid"];

    pub fn name(self) -> &'static str {
        match self {
            Traffic::Poisson => "poisson",
            Traffic::Video { .. } => "video",
            Traffic::Fluid => "fluid",
        }
    }
}

/// One background flow of a cell and direction.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct BackgroundFlow {
    pub traffic: Traffic,
    /// UEs of the flow in this cell.
    pub ues: u32,
    /// Mean bit rate of each UE.
    pub rate_bps: f64,
    /// Largest packet, bytes.
    pub packet_bytes: u32,
    /// 1 is served first.
    pub priority: u8,
    /// Bits per resource element of its UEs.
    pub spectral_efficiency: f64,
}

impl BackgroundFlow {
    fn packet_bits(&self) -> f64 {
        f64::from(self.packet_bytes.max(1)) * 8.0
    }

    /// Bits of a video frame.
    fn frame_bits(&self, fps: f64) -> f64 {
        self.rate_bps / fps
    }

    /// Packets per video frame (1 for other traffic).
    pub fn frame_packets(&self) -> u64 {
        match self.traffic {
            Traffic::Video { fps } => ((self.frame_bits(fps) / self.packet_bits()).ceil() as u64).max(1),
            Traffic::Poisson | Traffic::Fluid => 1,
        }
    }

    /// The sizes (bits) of the packets of one frame, or the one packet.
    fn packet_sizes(&self) -> impl Iterator<Item = u64> {
        let full = self.packet_bits() as u64;
        let (n, last) = match self.traffic {
            Traffic::Video { fps } => {
                let frame = self.frame_bits(fps).ceil().max(1.0) as u64;
                let n = frame.div_ceil(full);
                (n, frame - (n - 1) * full)
            }
            Traffic::Poisson | Traffic::Fluid => (1, full),
        };
        (0..n).map(move |i| if i + 1 == n { last } else { full })
    }

    /// Blocks a packet of `bits` needs.
    fn blocks(bits: u64, bits_per_prb: f64) -> u64 {
        ((bits as f64 / bits_per_prb).ceil() as u64).max(1)
    }

    /// Its arrivals per interval between `dir`'s opportunities of `nr`, in
    /// blocks (`None` for fluid traffic, which does not queue).
    pub fn batches(&self, nr: &Nr, dir: Direction) -> Option<Batches> {
        let bpp = nr.bits_per_prb(dir, self.spectral_efficiency);
        if bpp.is_nan() || bpp <= 0.0 {
            return None;
        }
        let interval_s = nr.opportunity_interval_ms(dir) * 1e-3;
        let blocks: u64 = self.packet_sizes().map(|b| Self::blocks(b, bpp)).sum();
        match self.traffic {
            Traffic::Fluid => None,
            Traffic::Poisson => Some(Batches::Poisson {
                mean: f64::from(self.ues) * self.rate_bps / self.packet_bits() * interval_s,
                blocks,
            }),
            Traffic::Video { fps } => {
                let p = fps * interval_s;
                if p <= 1.0 {
                    Some(Batches::Bernoulli {
                        sources: self.ues,
                        p,
                        blocks,
                    })
                } else {
                    // More than a frame per interval: as Poisson frames.
                    Some(Batches::Poisson {
                        mean: f64::from(self.ues) * p,
                        blocks,
                    })
                }
            }
        }
    }
}

/// A background packet that arrives at a cell.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct BackgroundPacket {
    pub at: SimTime,
    /// The UE, numbered over the direction's flows in order.
    pub ue: u32,
    /// Index of its flow in the list given to [`Arrivals::new`].
    pub flow: usize,
    pub bits: u64,
}

/// The packet arrivals of a direction's background flows, drawn as time
/// goes (each UE's next arrival kept in a heap).
#[derive(Clone, Debug)]
pub struct Arrivals {
    flows: Vec<BackgroundFlow>,
    /// (UE, flow) of every UE.
    ues: Vec<(u32, usize)>,
    /// Next arrival (ns) of each UE, by UE.
    heap: BinaryHeap<Reverse<(u64, u32)>>,
    /// Video: the UE's phase (ns) and frames sent.
    frames: Vec<(f64, u64)>,
    rng: StreamRng,
}

impl Arrivals {
    /// The arrivals from `start` on of `flows` (fluid ones send nothing).
    pub fn new(flows: &[BackgroundFlow], start: SimTime, mut rng: StreamRng) -> Arrivals {
        let mut ues = Vec::new();
        let mut heap = BinaryHeap::new();
        let mut frames = Vec::new();
        for (f, flow) in flows.iter().enumerate() {
            for _ in 0..flow.ues {
                let ue = ues.len() as u32;
                ues.push((ue, f));
                let first = match flow.traffic {
                    Traffic::Fluid => None,
                    Traffic::Poisson => Some(start.as_nanos() as f64 + exp_gap(flow, &mut rng)),
                    Traffic::Video { fps } => {
                        let u: f64 = rng.random();
                        Some(start.as_nanos() as f64 + u * 1e9 / fps)
                    }
                };
                frames.push((first.unwrap_or(0.0), 0));
                if let (Some(t), true) = (first, flow.rate_bps > 0.0) {
                    heap.push(Reverse((t as u64, ue)));
                }
            }
        }
        Arrivals {
            flows: flows.to_vec(),
            ues,
            heap,
            frames,
            rng,
        }
    }

    /// When the next packet arrives.
    pub fn next_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse((t, _))| SimTime::from_nanos(*t))
    }

    /// Appends the packets arriving at or before `until`, in time order.
    pub fn take_until(&mut self, until: SimTime, out: &mut Vec<BackgroundPacket>) {
        while let Some(&Reverse((t, ue))) = self.heap.peek() {
            if t > until.as_nanos() {
                break;
            }
            self.heap.pop();
            let (_, f) = self.ues[ue as usize];
            let flow = self.flows[f];
            let at = SimTime::from_nanos(t);
            for bits in flow.packet_sizes() {
                out.push(BackgroundPacket {
                    at,
                    ue,
                    flow: f,
                    bits,
                });
            }
            let next = match flow.traffic {
                Traffic::Poisson => t as f64 + exp_gap(&flow, &mut self.rng),
                Traffic::Video { fps } => {
                    let (phase, sent) = &mut self.frames[ue as usize];
                    *sent += 1;
                    *phase + *sent as f64 * 1e9 / fps
                }
                Traffic::Fluid => continue,
            };
            // Integer nanoseconds; never at or before the one just sent.
            self.heap.push(Reverse(((next as u64).max(t + 1), ue)));
        }
    }
}

/// An exponential gap (ns) between a UE's Poisson packets.
fn exp_gap(flow: &BackgroundFlow, rng: &mut StreamRng) -> f64 {
    let per_s = flow.rate_bps / flow.packet_bits();
    let u: f64 = rng.random();
    -(1.0 - u).ln() / per_s * 1e9
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn flow(traffic: Traffic, ues: u32, rate_bps: f64) -> BackgroundFlow {
        BackgroundFlow {
            traffic,
            ues,
            rate_bps,
            packet_bytes: 1500,
            priority: 9,
            spectral_efficiency: 2.0,
        }
    }

    #[test]
    fn poisson_and_video_send_their_rate_and_video_frames_come_whole() {
        let horizon = SimTime::from_secs(20);
        for traffic in [Traffic::Poisson, Traffic::Video { fps: 25.0 }] {
            let f = flow(traffic, 3, 8e6);
            let mut a = Arrivals::new(&[f], SimTime::ZERO, RngStreams::new(2, 0).stream("a"));
            let mut out = Vec::new();
            a.take_until(horizon, &mut out);
            let bits: u64 = out.iter().map(|p| p.bits).sum();
            let rate = bits as f64 / 20.0 / 3.0;
            // Poisson: 666.7 packets/s per UE, 40,000 in all: the count's
            // relative sd is 0.5 %; 2 % is four of them. Video is exact to
            // a frame per UE.
            assert!((rate / 8e6 - 1.0).abs() < 0.02, "{traffic:?}: {rate}");
            assert!(out.windows(2).all(|w| w[0].at <= w[1].at));
            if let Traffic::Video { .. } = traffic {
                // 40,000 bytes a frame: 27 packets, 26 of 1,500 B and one of 1,000 B.
                assert_eq!(f.frame_packets(), 27);
                let first = out[0].at;
                let frame: Vec<_> = out.iter().filter(|p| p.at == first).collect();
                assert_eq!(frame.len(), 27);
                assert_eq!(frame.iter().map(|p| p.bits).sum::<u64>(), 320_000);
            }
        }
    }

    #[test]
    fn fluid_flows_send_no_packets_and_have_no_batches() {
        let nr = Nr::new(crate::net::NrConfig::default()).unwrap();
        let f = flow(Traffic::Fluid, 2, 1e6);
        let mut a = Arrivals::new(&[f], SimTime::ZERO, RngStreams::new(2, 0).stream("a"));
        assert_eq!(a.next_at(), None);
        let mut out = Vec::new();
        a.take_until(SimTime::from_secs(1), &mut out);
        assert!(out.is_empty());
        assert_eq!(f.batches(&nr, Direction::Dl), None);
        let p = flow(Traffic::Poisson, 2, 1e6)
            .batches(&nr, Direction::Dl)
            .unwrap();
        // 2 Mbit/s of 12,000-bit packets, one opportunity every 0.5 ms.
        let Batches::Poisson { mean, .. } = p else {
            panic!("{p:?}")
        };
        let slot_s = nr.slot_ms() * 1e-3;
        assert!(
            (mean - 2e6 / 12_000.0 * slot_s).abs() < 1e-12,
            "{mean} {slot_s} {} {}",
            nr.pattern_ms(),
            nr.opportunities_per_period(Direction::Dl)
        );
    }
}
