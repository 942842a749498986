//! `factory5g capacity SCENARIO...`: how much each layout can make, from a
//! sweep over CONWIP levels (see `experiment::capacity`), as a table or
//! JSON, optionally capacity.json and its plot in `--out`.

use super::args::{LimitOptions, RunnerOptions, ScenarioOptions};
use super::{interrupt_flag, out, print_diagnostics, Failure};
use crate::experiment::capacity::{curve, text, write_files, CapacityError, DEFAULT_LEVELS};
use crate::experiment::sweep::ScenarioRef;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug, Clone, Default)]
pub struct CapacityArgs {
    /// Scenarios: files, or names of built-in scenarios (default: the built-in plant).
    scenarios: Vec<String>,
    /// The levels of work in process to try (jobs in the plant), split over the end products in the scenario's mix.
    #[arg(long, value_delimiter = ',', value_name = "N,N,...", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    wip: Vec<u32>,
    #[command(flatten)]
    options: ScenarioOptions,
    /// Print the curves as JSON: { "capacity": [ { scenario, levels, capacity_per_h, capacity_wip, knee_wip, saturated, short_warmup_wip } ] }.
    #[arg(long)]
    json: bool,
    /// Write capacity.json and capacity.svg/.png into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    runner: RunnerOptions,
    #[command(flatten)]
    limits: LimitOptions,
}

pub fn capacity(args: CapacityArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let overrides = args.options.overrides();
    let names = if args.scenarios.is_empty() {
        vec![crate::scenario::DEFAULT_SCENARIO.to_string()]
    } else {
        args.scenarios.clone()
    };
    let mut levels = if args.wip.is_empty() {
        DEFAULT_LEVELS.to_vec()
    } else {
        args.wip.clone()
    };
    levels.sort_unstable();
    levels.dedup();
    // Every scenario is checked before the first run.
    let mut checked = Vec::new();
    for name in &names {
        let reference = ScenarioRef::resolve(name);
        let loaded = reference.load(&overrides).map_err(Failure::Invalid)?;
        print_diagnostics(&loaded.warnings);
        checked.push((reference, loaded.model));
    }
    let limits = args.limits.limits(started, interrupt_flag());
    let mut curves = Vec::new();
    let mut shown = (0, 0);
    for (reference, model) in &checked {
        let settings = args.options.settings(model, &args.runner);
        shown = (settings.seed, settings.replications);
        let c = curve(reference, &overrides, &levels, &settings, &limits).map_err(|e| match e {
            CapacityError::Invalid(d) => Failure::Invalid(d),
            CapacityError::Stopped { how, .. } => Failure::stopped(
                how,
                format!(
                    "{} ({e}): a capacity curve needs every level; nothing written",
                    args.limits.why(how)
                ),
            ),
            other => Failure::Run(other.to_string()),
        })?;
        curves.push(c);
    }
    if let Some(dir) = &args.out {
        write_files(&curves, dir).map_err(Failure::Io)?;
    }
    if args.json {
        let json = serde_json::to_string_pretty(&serde_json::json!({ "capacity": curves }))
            .map_err(|e| Failure::Io(e.to_string()))?;
        out(&format!("{json}\n"));
    } else {
        out(&text(&curves, shown.0, shown.1));
    }
    Ok(())
}
