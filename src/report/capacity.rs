//! The report's blocks on capacity, people and energy: `pools` (each
//! pool's operator utilization), `bottleneck` (the active period method's
//! shares per station and the main bottleneck) and `energy_kwh`, with
//! their lines of the text summary.
//!
//! Shares and utilizations are means over replications. The main
//! bottleneck is the station with the largest mean share of time as sole
//! or shifting bottleneck (Roser, Nakano and Tanaka 2002); `null` when no
//! station was ever active after the warm-up. Energy per end product is
//! the pooled ratio: energy over all replications divided by the end
//! products they made (`null` when they made none).
//!
//! ```text
//! bottleneck: painting (sole 62.0%, shifting 11.0%); next: final_assembly (sole 8.1%, shifting 9.3%)
//! operators: fitters (6) 78.2% busy on shift
//! energy: 1234.5 kWh per replication, 45.61 kWh per end product
//! ```

use crate::experiment::Replications;
use crate::factory::{bottleneck_shares, RunOutput};
use crate::model::Model;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PoolReport {
    pub name: String,
    pub size: u32,
    /// Operator time held over operator time on shift, after the warm-up.
    pub utilization: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq, Default)]
pub struct BottleneckReport {
    /// The station with the largest share as sole or shifting bottleneck.
    pub main: Option<String>,
    pub by_station: BTreeMap<String, BottleneckShare>,
}

/// Shares of the observed time.
#[derive(Copy, Clone, Debug, Serialize, PartialEq, Default)]
pub struct BottleneckShare {
    pub sole: f64,
    pub shifting: f64,
}

impl BottleneckShare {
    pub fn total(&self) -> f64 {
        self.sole + self.shifting
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EnergyReport {
    /// kWh per replication after the warm-up (stations and AGVs with
    /// `power_kw`).
    pub total: f64,
    /// kWh per end product made.
    pub per_end_product: Option<f64>,
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

pub fn pools(model: &Model, runs: &Replications) -> Vec<PoolReport> {
    model
        .pools
        .iter()
        .enumerate()
        .map(|(p, pool)| PoolReport {
            name: pool.name.clone(),
            size: pool.size,
            utilization: mean(runs.outputs.iter().map(|o| o.pools[p].utilization())),
        })
        .collect()
}

/// Each station's mean shares and the main bottleneck
/// ([`bottleneck_shares`]).
pub fn bottleneck(model: &Model, runs: &Replications) -> BottleneckReport {
    let (shares, main) = bottleneck_shares(&runs.outputs);
    BottleneckReport {
        main: main.map(|s| model.stations[s].name.clone()),
        by_station: model
            .stations
            .iter()
            .zip(shares)
            .map(|(st, (sole, shifting))| (st.name.clone(), BottleneckShare { sole, shifting }))
            .collect(),
    }
}

/// `None` when nothing has `power_kw`.
pub fn energy(runs: &Replications) -> Option<EnergyReport> {
    let per_rep: Vec<f64> = runs.outputs.iter().filter_map(RunOutput::energy_kwh).collect();
    if per_rep.is_empty() {
        return None;
    }
    let made: u64 = runs.outputs.iter().map(RunOutput::end_products_completed).sum();
    Some(EnergyReport {
        total: mean(per_rep.iter().copied()),
        per_end_product: (made > 0).then(|| per_rep.iter().sum::<f64>() / made as f64),
    })
}

/// The lines of the text summary: the bottleneck (and the runner-up),
/// the pools, the energy.
pub fn text_lines(
    bottleneck: &BottleneckReport,
    pools: &[PoolReport],
    energy: Option<&EnergyReport>,
) -> String {
    let mut s = String::new();
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let mut ranked: Vec<(&String, &BottleneckShare)> = bottleneck
        .by_station
        .iter()
        .filter(|(_, share)| share.total() > 0.0)
        .collect();
    ranked.sort_by(|a, b| b.1.total().total_cmp(&a.1.total()));
    match &bottleneck.main {
        Some(main) => {
            let share = bottleneck.by_station[main];
            let _ = write!(
                s,
                "bottleneck: {main} (sole {}, shifting {})",
                pct(share.sole),
                pct(share.shifting)
            );
            if let Some((next, share)) = ranked.iter().find(|(name, _)| *name != main) {
                let _ = write!(
                    s,
                    "; next: {next} (sole {}, shifting {})",
                    pct(share.sole),
                    pct(share.shifting)
                );
            }
            let _ = writeln!(s);
        }
        None => {
            let _ = writeln!(
                s,
                "bottleneck: none (no station was ever active after the warm-up)"
            );
        }
    }
    for pool in pools {
        let _ = writeln!(
            s,
            "operators: {} ({}) {} busy on shift",
            pool.name,
            pool.size,
            pct(pool.utilization)
        );
    }
    if let Some(energy) = energy {
        let per = energy.per_end_product.map_or_else(
            || "no end product made".to_string(),
            |e| format!("{e:.2} kWh per end product"),
        );
        let _ = writeln!(s, "energy: {:.1} kWh per replication, {per}", energy.total);
    }
    s
}
