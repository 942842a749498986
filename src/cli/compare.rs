//! `factory5g compare A B`: both scenarios under common random numbers, the
//! paired differences as a table or JSON, optionally comparison.json and
//! its plot in `--out`.

use super::args::{LimitOptions, RunnerOptions, ScenarioOptions};
use super::{interrupt_flag, out, print_diagnostics, Failure};
use crate::experiment::compare::{compare as compare_tables, text_table};
use crate::experiment::kpi::KpiTable;
use crate::experiment::run_replications_with;
use crate::experiment::sweep::ScenarioRef;
use crate::scenario::Diagnostics;
use clap::Args;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args, Debug, Clone, Default)]
pub struct CompareArgs {
    /// Scenario A: a file, or the name of a built-in scenario.
    a: String,
    /// Scenario B: a file, or the name of a built-in scenario.
    b: String,
    #[command(flatten)]
    options: ScenarioOptions,
    /// Print the comparison as JSON: { "kpis": [ { name, a, b, diff, ci95, significant } ] }.
    #[arg(long)]
    json: bool,
    /// Write comparison.json and comparison.svg/.png into DIR.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    runner: RunnerOptions,
    #[command(flatten)]
    limits: LimitOptions,
}

pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let overrides = args.options.overrides();
    let (a, b) = match (
        ScenarioRef::resolve(&args.a).load(&overrides),
        ScenarioRef::resolve(&args.b).load(&overrides),
    ) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let problems = [a.err(), b.err()].into_iter().flatten().flat_map(|d| d.0);
            return Err(Failure::Invalid(Diagnostics(problems.collect())));
        }
    };
    print_diagnostics(&a.warnings);
    print_diagnostics(&b.warnings);
    let settings = args.options.settings(&a.model, &args.runner);
    let limits = args.limits.limits(started, interrupt_flag());
    let mut tables = Vec::new();
    for (label, model) in [("A", &a.model), ("B", &b.model)] {
        let runs = run_replications_with(model, &settings, &limits)
            .map_err(|e| Failure::Run(format!("scenario {label} ({}): {e}", model.name)))?;
        if let Some(stopped) = runs.stopped {
            return Err(Failure::stopped(
                stopped,
                format!(
                    "{} while running scenario {label} ({}): a comparison needs every replication of both; nothing compared",
                    args.limits.why(stopped),
                    model.name
                ),
            ));
        }
        tables.push(KpiTable::of(model, &runs.outputs));
    }
    let comparison = compare_tables(&tables[0], &tables[1]);
    let json = comparison.to_json().map_err(Failure::Io)?;
    if let Some(dir) = &args.out {
        comparison
            .write_files(&a.model.name, &b.model.name, dir)
            .map_err(Failure::Io)?;
    }
    if args.json {
        out(&json);
    } else {
        out(&text_table(
            &comparison,
            &a.model.name,
            &b.model.name,
            settings.seed,
            settings.replications,
        ));
    }
    Ok(())
}
