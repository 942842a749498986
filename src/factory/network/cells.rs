//! The cells as the plant's network sees them: each cell's background
//! (the UEs of every background flow dealt round robin over the cells),
//! its offered load over capacity (what `network.cells[]` reports and the
//! warnings name), and the queue laws of each cell and direction, computed
//! once per scenario for the priority levels the robot flows use.

use super::profiles::background_per_cell;
use crate::model::{FlowKind, LinkModel, Model};
use crate::net::{level_laws, Background, BackgroundFlow, Direction, LevelLaws, Traffic};
use std::sync::Arc;

/// The background of one cell and direction: its fluid flows summed, and
/// its packet flows.
pub(super) struct CellBackground {
    pub fluid: Background,
    pub flows: Vec<BackgroundFlow>,
}

/// Each cell's background, both directions: the UEs of every background
/// flow dealt round robin over the cells (as the link profiles deal them),
/// at the spectral efficiency the profiles give the background.
pub(super) fn cell_backgrounds(model: &Model) -> Vec<[CellBackground; 2]> {
    let all = background_per_cell(model);
    let cells = all.len();
    all.iter()
        .enumerate()
        .map(|(c, both)| {
            [Direction::Dl, Direction::Ul].map(|d| {
                let se = both[d as usize].spectral_efficiency;
                let mut out = CellBackground {
                    fluid: Background {
                        spectral_efficiency: se,
                        ..Background::default()
                    },
                    flows: Vec::new(),
                };
                for f in model.flows.iter().filter(|f| f.direction == d) {
                    let (FlowKind::Background { ues, rate_bps }, Some(traffic)) = (&f.kind, f.traffic) else {
                        continue;
                    };
                    let here = ues / cells as u32 + u32::from((c as u32) < ues % cells as u32);
                    if here == 0 {
                        continue;
                    }
                    match traffic {
                        Traffic::Fluid => {
                            out.fluid.rate_bps += f64::from(here) * rate_bps;
                            out.fluid.ues = out.fluid.ues.max(1) + here;
                        }
                        Traffic::Poisson | Traffic::Video { .. } => out.flows.push(BackgroundFlow {
                            traffic,
                            ues: here,
                            rate_bps: *rate_bps,
                            packet_bytes: f.size_bytes,
                            priority: f.priority,
                            spectral_efficiency: se,
                        }),
                    }
                }
                out
            })
        })
        .collect()
}

/// The offered background load of every cell, downlink then uplink, over
/// the cell's capacity (above 1: more than it can carry): packet flows by
/// the blocks their packets need, fluid flows by their rate. Empty unless
/// the link is `nr`.
pub fn cell_loads(model: &Model) -> Vec<[f64; 2]> {
    let LinkModel::Nr(nr) = &model.network.link else {
        return Vec::new();
    };
    let cap = f64::from(nr.nr.n_prb());
    cell_backgrounds(model)
        .iter()
        .map(|both| {
            [Direction::Dl, Direction::Ul].map(|d| {
                let bg = &both[d as usize];
                let packets: f64 = bg
                    .flows
                    .iter()
                    .filter_map(|f| f.batches(&nr.nr, d))
                    .map(|b| b.mean_blocks())
                    .sum::<f64>()
                    / cap;
                let fluid = if bg.fluid.rate_bps > 0.0 {
                    bg.fluid.rate_bps / nr.nr.capacity_bps(d, bg.fluid.spectral_efficiency).max(1.0)
                } else {
                    0.0
                };
                packets + fluid
            })
        })
        .collect()
}

/// The queue laws of every cell and direction, for the priority levels of
/// the robot flows (triggered and periodic) that cross them.
pub(super) fn cell_laws(model: &Model, backgrounds: &[[CellBackground; 2]]) -> Vec<[Arc<LevelLaws>; 2]> {
    let LinkModel::Nr(nr) = &model.network.link else {
        return Vec::new();
    };
    let levels = |d: Direction| -> Vec<u8> {
        model
            .flows
            .iter()
            .filter(|f| {
                f.direction == d && matches!(f.kind, FlowKind::Triggered { .. } | FlowKind::Periodic { .. })
            })
            .map(|f| f.priority)
            .collect()
    };
    let (dl, ul) = (levels(Direction::Dl), levels(Direction::Ul));
    backgrounds
        .iter()
        .map(|both| {
            [Direction::Dl, Direction::Ul].map(|d| {
                let want = if d == Direction::Dl { &dl } else { &ul };
                Arc::new(level_laws(&nr.nr, d, &both[d as usize].flows, want))
            })
        })
        .collect()
}
