//! "How much can this layout make?": a sweep over CONWIP levels.
//!
//! For each level W of work in process, every end product of the scenario
//! is released by CONWIP (`release = "conwip(N)"`, an override validated
//! like the file) with W split over the products in the scenario's mix:
//! the shares of their mean release rates, by largest remainders, at least
//! one job each. A scenario whose end products are all CONWIP already
//! splits by their levels; one that mixes both (validation warns) counts a
//! CONWIP product as the mean rate of the others. The plant then always holds W jobs, and its throughput is what
//! it can make at that WIP. Throughput rises with W and levels off at the
//! plant's capacity (Hopp and Spearman, *Factory Physics*, 3rd ed.,
//! 2008, ch. 7: the best case is min(W/T0, r_b), with the bottleneck rate
//! r_b and the raw process time T0; the knee sits near W0 = r_b·T0).
//!
//! The answer: the capacity, the largest mean throughput over the levels
//! (with its 95% interval over replications); the knee, the smallest level
//! whose mean throughput reaches 95% of it ([`KNEE_SHARE`]); and at each
//! level the lead time and the main bottleneck (the active period
//! method). When the knee is the largest level, the curve may still rise:
//! [`Curve::saturated`] is false and larger levels should be tried.
//!
//! The warm-up: the N jobs of a level all start at time 0, as one wave,
//! and the throughput observed while that wave makes its first passes is
//! not the plant's. A level whose mean lead time is more than a third of
//! the warm-up ([`WARMUP_LEAD_TIMES`]) is listed in
//! [`Curve::short_warmup_wip`] and the text warns. The factor is a rule
//! of thumb from the built-in plant: with its 72 h warm-up the levels from
//! 8 to 128 jobs (lead times of 27 to 76 h) differed by 2% to 37% from
//! runs with a 240 h warm-up, and the curve was not monotone; with 240 h,
//! at least three lead times at every level, it rises and levels off
//! within its intervals.
//!
//! Common random numbers: every level runs the same seeds, so two layouts
//! compared level by level share their random streams by entity name.
//!
//! ```
//! use factory5g::experiment::capacity::conwip_split;
//! let model = factory5g::scenario::load_builtin("small_plant").unwrap().model;
//! let split = conwip_split(&model, 10);
//! assert_eq!(split.iter().map(|(_, n)| n).sum::<u32>(), 10);
//! ```

use super::files::write_atomic;
use super::kpi::estimate;
use super::sweep::ScenarioRef;
use super::{run_replications_with, RunError, RunSettings, Stopped};
use crate::factory::{bottleneck_shares, Limits, RunOutput};
use crate::model::{Model, ProductId, Release};
use crate::plot::{self, SweepChart, SweepPoint, SweepSeries};
use crate::scenario::Diagnostics;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The knee: the first level whose throughput reaches this share of the
/// capacity.
pub const KNEE_SHARE: f64 = 0.95;

/// A level is trusted when the warm-up lasts at least this many of its
/// mean lead times (see the module doc).
pub const WARMUP_LEAD_TIMES: f64 = 3.0;

/// The levels tried when none are given.
pub const DEFAULT_LEVELS: [u32; 8] = [1, 2, 4, 8, 16, 32, 64, 128];

/// A mean over replications and its Student-t 95% interval.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Mean {
    pub mean: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

impl Mean {
    fn of(values: &[f64]) -> Mean {
        let (mean, ci95) = estimate(values);
        Mean { mean, ci95 }
    }
}

/// One CONWIP level of one scenario.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Level {
    /// Jobs in the plant: the sum of the products' CONWIP levels.
    pub wip: u32,
    /// Each end product's CONWIP level.
    pub conwip: BTreeMap<String, u32>,
    pub throughput_per_h: Mean,
    pub lead_time_h: Mean,
    /// The station with the largest share of time as bottleneck.
    pub bottleneck: Option<String>,
}

/// The capacity curve of one scenario.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Curve {
    pub scenario: String,
    pub levels: Vec<Level>,
    /// The largest mean throughput over the levels, with its interval.
    pub capacity_per_h: Mean,
    /// The WIP of the level with the largest throughput.
    pub capacity_wip: u32,
    /// The smallest WIP whose throughput reaches [`KNEE_SHARE`] of the
    /// capacity.
    pub knee_wip: u32,
    /// Whether a level above the knee was tried (else the throughput may
    /// still rise with more WIP).
    pub saturated: bool,
    /// The levels whose warm-up is shorter than [`WARMUP_LEAD_TIMES`] of
    /// their mean lead times: their throughput may still carry the first
    /// pass of the jobs released at time 0.
    pub short_warmup_wip: Vec<u32>,
}

/// Why a capacity curve could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum CapacityError {
    #[error("{0}")]
    Invalid(Diagnostics),
    #[error("scenario {scenario} at WIP {wip}: {error}")]
    Run {
        scenario: String,
        wip: u32,
        error: RunError,
    },
    /// Stopped from outside (Ctrl-C, --timeout): nothing is kept.
    #[error("stopped at WIP {wip} of scenario {scenario}")]
    Stopped {
        scenario: String,
        wip: u32,
        how: Stopped,
    },
    #[error("the scenario has no end product to release by CONWIP")]
    NoEndProduct,
}

/// Total WIP `wip` split over the end products in the model's mix, by
/// largest remainders, at least one each (so the total is at least the
/// number of end products).
pub fn conwip_split(model: &Model, wip: u32) -> Vec<(ProductId, u32)> {
    let rates: Vec<f64> = model
        .products
        .iter()
        .filter_map(|p| p.release.interarrival().map(|every| 1.0 / every.mean_ns()))
        .collect();
    let mean_rate = (!rates.is_empty()).then(|| rates.iter().sum::<f64>() / rates.len() as f64);
    let weights: Vec<(ProductId, f64)> = model
        .products
        .iter()
        .enumerate()
        .filter_map(|(p, product)| match &product.release {
            Release::Every(every) => Some((p, 1.0 / every.mean_ns())),
            Release::Conwip(level) => Some((p, mean_rate.unwrap_or(f64::from(*level)))),
            Release::Pull => None,
        })
        .collect();
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    let quotas: Vec<f64> = weights.iter().map(|(_, w)| f64::from(wip) * w / total).collect();
    let mut split: Vec<u32> = quotas.iter().map(|q| q.floor() as u32).collect();
    let given: u32 = split.iter().sum();
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    // Largest remainder first; ties to the product listed first.
    order.sort_by(|&a, &b| (quotas[b] - quotas[b].floor()).total_cmp(&(quotas[a] - quotas[a].floor())));
    for &i in order.iter().take(wip.saturating_sub(given) as usize) {
        split[i] += 1;
    }
    weights
        .iter()
        .zip(split)
        .map(|(&(p, _), n)| (p, n.max(1)))
        .collect()
}

/// The overrides that release every end product by CONWIP at total `wip`.
pub fn conwip_overrides(model: &Model, wip: u32) -> Vec<String> {
    conwip_split(model, wip)
        .into_iter()
        .map(|(p, n)| format!("product.{}.release=conwip({n})", model.products[p].name))
        .collect()
}

/// Runs `levels` of `scenario` (with `overrides` before the CONWIP ones).
pub fn curve(
    scenario: &ScenarioRef,
    overrides: &[String],
    levels: &[u32],
    settings: &RunSettings,
    limits: &Limits,
) -> Result<Curve, CapacityError> {
    let base = scenario.load(overrides).map_err(CapacityError::Invalid)?.model;
    if conwip_split(&base, 1).is_empty() {
        return Err(CapacityError::NoEndProduct);
    }
    let mut done: Vec<Level> = Vec::new();
    for &level in levels {
        let split = conwip_split(&base, level);
        let wip: u32 = split.iter().map(|(_, n)| n).sum();
        if done.iter().any(|l| l.wip == wip) {
            continue;
        }
        let mut all = overrides.to_vec();
        all.extend(conwip_overrides(&base, level));
        let model = scenario.load(&all).map_err(CapacityError::Invalid)?.model;
        let runs = run_replications_with(&model, settings, limits).map_err(|error| CapacityError::Run {
            scenario: base.name.clone(),
            wip,
            error,
        })?;
        if let Some(how) = runs.stopped {
            return Err(CapacityError::Stopped {
                scenario: base.name.clone(),
                wip,
                how,
            });
        }
        done.push(level_of(&model, wip, &split, &runs.outputs));
    }
    Ok(summarize(
        base.name.clone(),
        done,
        base.warmup.as_secs_f64() / 3600.0,
    ))
}

fn level_of(model: &Model, wip: u32, split: &[(ProductId, u32)], outputs: &[RunOutput]) -> Level {
    let throughput: Vec<f64> = outputs.iter().map(RunOutput::throughput_per_h).collect();
    let lead: Vec<f64> = outputs
        .iter()
        .map(|o| {
            if o.lead_time_s.count() > 0 {
                o.lead_time_s.mean() / 3600.0
            } else {
                f64::NAN
            }
        })
        .collect();
    let (_, main) = bottleneck_shares(outputs);
    Level {
        wip,
        conwip: split
            .iter()
            .map(|&(p, n)| (model.products[p].name.clone(), n))
            .collect(),
        throughput_per_h: Mean::of(&throughput),
        lead_time_h: Mean::of(&lead),
        bottleneck: main.map(|s| model.stations[s].name.clone()),
    }
}

/// The capacity, its level and the knee of a curve's levels (in the order
/// run, increasing WIP).
fn summarize(scenario: String, levels: Vec<Level>, warmup_h: f64) -> Curve {
    let mean = |l: &Level| l.throughput_per_h.mean.unwrap_or(0.0);
    let best = levels
        .iter()
        .enumerate()
        .fold(None::<usize>, |best, (i, l)| match best {
            Some(b) if mean(&levels[b]) >= mean(l) => Some(b),
            _ => Some(i),
        });
    let (capacity_per_h, capacity_wip) = best.map_or(
        (
            Mean {
                mean: None,
                ci95: None,
            },
            0,
        ),
        |b| (levels[b].throughput_per_h.clone(), levels[b].wip),
    );
    let top = capacity_per_h.mean.unwrap_or(0.0);
    let knee = levels.iter().position(|l| mean(l) >= KNEE_SHARE * top);
    let knee_wip = knee.map_or(0, |k| levels[k].wip);
    let saturated = knee.is_some_and(|k| k + 1 < levels.len());
    let short_warmup_wip = levels
        .iter()
        .filter(|l| {
            l.lead_time_h
                .mean
                .is_some_and(|lead| WARMUP_LEAD_TIMES * lead > warmup_h)
        })
        .map(|l| l.wip)
        .collect();
    Curve {
        scenario,
        levels,
        capacity_per_h,
        capacity_wip,
        knee_wip,
        saturated,
        short_warmup_wip,
    }
}

/// The answer as text: a line per scenario, then its levels.
pub fn text(curves: &[Curve], seed: u64, replications: u32) -> String {
    let mut s = String::new();
    let num = |m: &Mean, digits: usize| match (m.mean, m.ci95) {
        (Some(mean), Some([lo, hi])) => format!("{mean:.digits$} ({lo:.digits$} to {hi:.digits$})"),
        (Some(mean), None) => format!("{mean:.digits$}"),
        (None, _) => "-".to_string(),
    };
    let _ = writeln!(
        s,
        "capacity by CONWIP level: {replications} replication(s) per level, seed {seed}; the knee is the first level at {:.0}% of the capacity\n",
        100.0 * KNEE_SHARE
    );
    for c in curves {
        let _ = writeln!(
            s,
            "{}: capacity {} end products/h at WIP {}, knee at WIP {}{}",
            c.scenario,
            num(&c.capacity_per_h, 3),
            c.capacity_wip,
            c.knee_wip,
            if c.saturated {
                ""
            } else {
                " (the throughput may still rise: try larger --wip levels)"
            }
        );
        if !c.short_warmup_wip.is_empty() {
            let wips: Vec<String> = c.short_warmup_wip.iter().map(u32::to_string).collect();
            let _ = writeln!(
                s,
                "  warning: at WIP {} the warm-up is shorter than {WARMUP_LEAD_TIMES} lead times: the jobs of a \
                 level all start at time 0 and their first pass may still show; raise --warmup and --horizon",
                wips.join(", ")
            );
        }
        let _ = writeln!(
            s,
            "  {:>6}  {:<26}  {:<24}  bottleneck",
            "WIP", "throughput/h (95% CI)", "lead time h (95% CI)"
        );
        for l in &c.levels {
            let _ = writeln!(
                s,
                "  {:>6}  {:<26}  {:<24}  {}",
                l.wip,
                num(&l.throughput_per_h, 3),
                num(&l.lead_time_h, 2),
                l.bottleneck.as_deref().unwrap_or("-")
            );
        }
        let _ = writeln!(s);
    }
    s
}

/// The curves as one chart: throughput against WIP, a line per scenario.
pub fn chart(curves: &[Curve]) -> SweepChart {
    let mut wips: Vec<u32> = curves
        .iter()
        .flat_map(|c| c.levels.iter().map(|l| l.wip))
        .collect();
    wips.sort_unstable();
    wips.dedup();
    SweepChart {
        title: "throughput against work in process (CONWIP)".into(),
        kpi: "throughput (end products per hour)".into(),
        axis: "WIP: jobs in the plant (CONWIP)".into(),
        numeric: Some(wips.iter().map(|&w| f64::from(w)).collect()),
        labels: wips.iter().map(u32::to_string).collect(),
        series: curves
            .iter()
            .map(|c| SweepSeries {
                legend: format!("{}: knee at WIP {}", c.scenario, c.knee_wip),
                points: c
                    .levels
                    .iter()
                    .filter_map(|l| {
                        l.throughput_per_h.mean.map(|mean| SweepPoint {
                            x: f64::from(l.wip),
                            mean,
                            ci95: l.throughput_per_h.ci95,
                        })
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Writes `capacity.json` and the plot `capacity.svg`/`.png` into `dir`
/// (created if missing), each atomically; returns their paths.
pub fn write_files(curves: &[Curve], dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let json = serde_json::to_string_pretty(&serde_json::json!({ "capacity": curves }))
        .map_err(|e| e.to_string())?;
    let json_path = dir.join("capacity.json");
    write_atomic(&json_path, format!("{json}\n").as_bytes())?;
    let fig = plot::render(
        "capacity",
        "Throughput against work in process under CONWIP, mean over replications with 95% intervals.",
        &chart(curves),
    )
    .map_err(|e| e.to_string())?;
    let (svg, png) = (dir.join("capacity.svg"), dir.join("capacity.png"));
    write_atomic(&svg, fig.svg.as_bytes())?;
    write_atomic(&png, &fig.png)?;
    Ok(vec![json_path, svg, png])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(wip: u32, mean: f64) -> Level {
        Level {
            wip,
            conwip: BTreeMap::new(),
            throughput_per_h: Mean {
                mean: Some(mean),
                ci95: None,
            },
            lead_time_h: Mean {
                mean: None,
                ci95: None,
            },
            bottleneck: None,
        }
    }

    #[test]
    fn the_knee_is_the_first_level_at_95_percent_of_the_capacity() {
        let c = summarize(
            "x".into(),
            vec![
                level(1, 0.3),
                level(2, 0.55),
                level(4, 0.93),
                level(8, 0.97),
                level(16, 0.96),
            ],
            10.0,
        );
        assert_eq!((c.capacity_wip, c.knee_wip, c.saturated), (8, 4, true));
        assert_eq!(c.capacity_per_h.mean, Some(0.97));
        let rising = summarize("y".into(), vec![level(1, 0.3), level(2, 0.6)], 10.0);
        assert_eq!((rising.knee_wip, rising.saturated), (2, false));
    }

    #[test]
    fn a_level_with_a_lead_time_above_a_third_of_the_warmup_is_flagged() {
        let with_lead = |wip, lead_h| Level {
            lead_time_h: Mean {
                mean: Some(lead_h),
                ci95: None,
            },
            ..level(wip, 1.0)
        };
        // Warm-up 10 h: a lead time of 3 h is within a third, 3.5 h not.
        let c = summarize(
            "z".into(),
            vec![with_lead(1, 3.0), with_lead(2, 3.5), level(4, 1.0)],
            10.0,
        );
        assert_eq!(c.short_warmup_wip, [2]);
        assert!(text(&[c], 1, 1).contains("warning: at WIP 2 the warm-up"));
    }

    #[test]
    fn wip_splits_by_the_mix_with_largest_remainders() {
        let text = r#"
[scenario]
horizon = "1h"
[[station]]
name = "s"
process = "1min"
[[product]]
name = "a"
release = "exp(2h)"
route = ["s"]
[[product]]
name = "b"
release = "exp(1h)"
route = ["s"]
[[product]]
name = "sub"
release = "pull"
route = ["s"]
[[product]]
name = "c"
release = "conwip(1)"
route = [{ station = "s", assemble = ["sub"] }]
"#;
        let model = crate::scenario::load_str("mix.toml", text, None, &[])
            .unwrap()
            .model;
        // Rates 0.5 and 1 per hour, and the CONWIP product at their mean,
        // 0.75: 2 : 4 : 3 of 9 exactly.
        assert_eq!(conwip_split(&model, 9), [(0, 2), (1, 4), (3, 3)]);
        // Quotas 2.22, 4.44, 3.33 of 10: the largest remainder, b's .44, gets
        // the one left.
        assert_eq!(conwip_split(&model, 10), [(0, 2), (1, 5), (3, 3)]);
        // At least one each.
        assert_eq!(conwip_split(&model, 1), [(0, 1), (1, 1), (3, 1)]);
    }
}
