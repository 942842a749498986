//! The command line (DESIGN section 1): a thin layer that parses arguments,
//! calls the library and maps failures to exit codes: 0 success, 1 simulation
//! or I/O failure, 2 bad usage or invalid scenario.

use crate::experiment::commands::{stopped_code, LimitArgs, EXIT_INTERRUPTED};
use crate::experiment::{run_replications_with, RunSettings, Stopped};
use crate::report::{self, summarize, text_summary};
use crate::scenario::{self, Diagnostics, Loaded, Severity};
use clap::{Args, Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

#[derive(Parser, Debug)]
#[command(
    name = "factory5g",
    version,
    about = "Discrete-event simulator of a 5G-connected smart factory",
    long_about = "Discrete-event simulator of a 5G-connected smart factory.\n\nWith no command, runs the built-in plant scenario (same as `factory5g run`)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a scenario for R replications and print the report.
    Run(RunArgs),
    /// Check scenario files; every problem is listed with file:line:col.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Paired comparison of two scenarios under common random numbers (B − A per KPI).
    Compare(crate::experiment::commands::CompareArgs),
    /// Parameter sweeps: plan, run in shards (cluster job arrays), merge.
    #[command(subcommand)]
    Sweep(crate::experiment::commands::SweepCommand),
    /// 5G NR user-plane latency calculator (TR 37.910 step model, InF link budget).
    Latency(crate::net::calculator::LatencyArgs),
    /// List the built-in scenarios, or print one's TOML.
    Scenarios {
        /// A built-in scenario's name.
        name: Option<String>,
    },
}

#[derive(Args, Debug, Default)]
struct RunArgs {
    /// A scenario file, or the name of a built-in scenario (default: the built-in plant).
    scenario: Option<String>,
    /// Seed of the random streams (default: the scenario's).
    #[arg(long)]
    seed: Option<u64>,
    /// Number of independent replications (default: the scenario's).
    #[arg(long, short = 'R', value_parser = clap::value_parser!(u32).range(1..=10_000))]
    replications: Option<u32>,
    /// Simulated time per replication, e.g. 8h (default: the scenario's).
    #[arg(long)]
    horizon: Option<String>,
    /// Time before statistics are collected, e.g. 1h (default: the scenario's).
    #[arg(long)]
    warmup: Option<String>,
    /// Override a scenario key, e.g. --set station.weld.servers=8 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
    /// Print report.json on stdout instead of the text summary.
    #[arg(long)]
    json: bool,
    /// Replications in parallel (default: every core); results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    threads: Option<u32>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Also write report.json, summary.md, CSVs, plots/ and report.html into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
    /// Write the events of replication 0 to FILE as JSON lines (time, entity, event, state).
    #[arg(long, value_name = "FILE")]
    trace: Option<std::path::PathBuf>,
    /// Keep at most N trace lines; later events are counted and dropped.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    trace_limit: usize,
    #[command(flatten)]
    limits: LimitArgs,
}

/// The flag that Ctrl-C (SIGINT), SIGTERM and SIGHUP set, the handler
/// installed on first use. A second signal ends the process at once.
fn interrupt_flag() -> Option<Arc<AtomicBool>> {
    static FLAG: OnceLock<Option<Arc<AtomicBool>>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let set = Arc::clone(&flag);
        let installed = ctrlc::set_handler(move || {
            if set.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted again: quitting at once");
                std::process::exit(EXIT_INTERRUPTED);
            }
            eprintln!("\ninterrupted: stopping; what has finished is kept (interrupt again to quit at once)");
        });
        // Without a handler (one already installed by an embedding program)
        // a signal ends the process as usual.
        installed.ok().map(|()| flag)
    })
    .clone()
}

/// Parses the process arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
        }
    };
    match cli.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(args) => run(args),
        Command::Validate { files } => validate(&files),
        Command::Compare(args) => emit(crate::experiment::commands::compare(args, interrupt_flag())),
        Command::Sweep(cmd) => {
            // Only `sweep run` runs long enough to be worth stopping cleanly.
            let cancel = match &cmd {
                crate::experiment::commands::SweepCommand::Run(_) => interrupt_flag(),
                _ => None,
            };
            emit(crate::experiment::commands::sweep(cmd, cancel))
        }
        Command::Latency(args) => crate::net::calculator::run(args),
        Command::Scenarios { name } => scenarios(name.as_deref()),
    }
}

fn out(text: &str) {
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Prints what a command of `experiment::commands` returned; its exit code.
fn emit(o: crate::experiment::commands::Outcome) -> i32 {
    let _ = std::io::stderr().lock().write_all(o.stderr.as_bytes());
    out(&o.stdout);
    o.code
}

fn print_diagnostics(d: &Diagnostics) {
    let mut err = std::io::stderr().lock();
    for diag in &d.0 {
        let _ = writeln!(err, "{diag}");
    }
}

/// Loads a scenario file, or a built-in one by name when no such file exists.
fn load(name: Option<&str>, overrides: &[String]) -> Result<Loaded, Diagnostics> {
    match name {
        None => scenario::load_builtin_with(scenario::DEFAULT_SCENARIO, overrides),
        Some(n) if !Path::new(n).exists() && scenario::builtin_text(n).is_some() => {
            scenario::load_builtin_with(n, overrides)
        }
        Some(path) => scenario::load_file(Path::new(path), overrides),
    }
}

fn run(args: RunArgs) -> i32 {
    let started = std::time::Instant::now();
    let mut overrides = Vec::new();
    if let Some(h) = &args.horizon {
        overrides.push(format!("scenario.horizon={h}"));
    }
    if let Some(w) = &args.warmup {
        overrides.push(format!("scenario.warmup={w}"));
    }
    overrides.extend(args.set.iter().cloned());
    let loaded = match load(args.scenario.as_deref(), &overrides) {
        Ok(l) => l,
        Err(d) => {
            print_diagnostics(&d);
            return 2;
        }
    };
    print_diagnostics(&Diagnostics(loaded.warnings.clone()));
    let model = loaded.model;
    let settings = RunSettings {
        seed: args.seed.unwrap_or(model.seed),
        replications: args.replications.unwrap_or(model.replications),
        threads: args.threads.map(|t| t as usize),
        progress: !args.quiet && std::io::stderr().is_terminal() && std::io::stdout().is_terminal(),
    };
    // A bad --out or --trace fails before the simulation, not after it.
    let out_ok = args.out.as_deref().map_or(Ok(()), report::out::prepare_dir);
    let trace_ok = args
        .trace
        .as_deref()
        .map_or(Ok(()), report::out::check_trace_path);
    if let Err(e) = out_ok.and(trace_ok) {
        eprintln!("error: {e}");
        return 1;
    }
    let limits = args.limits.limits(started, interrupt_flag());
    let runs = match run_replications_with(&model, &settings, &limits) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            // The trace shows how the run got there.
            let _ = trace(&model, settings.seed, &args, &limits);
            return 1;
        }
    };
    if let Some(stopped) = runs.stopped {
        let why = match stopped {
            Stopped::Interrupted => "interrupted".to_string(),
            Stopped::TimedOut => format!("the --timeout of {} was reached", args.limits.timeout_text()),
        };
        if runs.outputs.is_empty() {
            eprintln!(
                "{why} before any of the {} replications finished; no report written",
                settings.replications
            );
            return stopped_code(stopped);
        }
        let done: Vec<String> = runs.outputs.iter().map(|o| o.replication.to_string()).collect();
        eprintln!(
            "{why}: the report covers the {} of {} replications that finished ({})",
            runs.outputs.len(),
            settings.replications,
            done.join(", ")
        );
    }
    let report = summarize(&model, settings.seed, &runs);
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(j) => out(&format!("{j}\n")),
            Err(e) => {
                eprintln!("error: cannot write the report as JSON: {e}");
                return 1;
            }
        }
    } else {
        out(&text_summary(&report));
    }
    if let Some(dir) = &args.out {
        match report::out::write_out(dir, &model, &runs, &report) {
            Ok((files, _notes)) => {
                if !args.quiet {
                    eprintln!("wrote {} files to {}", files.len(), dir.display());
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    if let Some(stopped) = runs.stopped {
        if args.trace.is_some() {
            eprintln!("trace: not written, the run was stopped");
        }
        return stopped_code(stopped);
    }
    // The report files are written first: a trace stopped by Ctrl-C loses
    // nothing else.
    match trace(&model, settings.seed, &args, &limits) {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// With --trace, runs replication 0 again with a trace and writes it; says
/// on stderr what went wrong or how many events the limit dropped. Fails
/// with the exit code to return.
fn trace(
    model: &crate::model::Model,
    seed: u64,
    args: &RunArgs,
    limits: &crate::factory::Limits,
) -> Result<(), i32> {
    let Some(path) = &args.trace else {
        return Ok(());
    };
    let mut trace = crate::factory::Trace::new(args.trace_limit);
    // A failed run keeps its trace up to the failure (already reported);
    // a stopped one is not written.
    if let Err(e) = crate::factory::simulate_traced_with_limits(model, seed, 0, &mut trace, limits) {
        if e.is_stop() {
            eprintln!("trace: not written ({e})");
            return Err(if e.is_interrupt() { EXIT_INTERRUPTED } else { 1 });
        }
    }
    if let Err(e) = report::out::write_trace(path, &trace) {
        eprintln!("error: {e}");
        return Err(1);
    }
    if trace.dropped > 0 {
        eprintln!(
            "trace: wrote {} lines to {}; the --trace-limit of {} was reached and {} later events were dropped",
            trace.records.len(),
            path.display(),
            args.trace_limit,
            trace.dropped
        );
    }
    Ok(())
}

fn validate(files: &[String]) -> i32 {
    let mut code = 0;
    for f in files {
        match scenario::load_file(Path::new(f), &[]) {
            Ok(l) => {
                print_diagnostics(&Diagnostics(l.warnings.clone()));
                out(&format!(
                    "{f}: ok ({} stations, {} products, {} warnings)\n",
                    l.model.stations.len(),
                    l.model.products.len(),
                    l.warnings.len()
                ));
            }
            Err(d) => {
                print_diagnostics(&d);
                let errors = d.0.iter().filter(|x| x.severity == Severity::Error).count();
                eprintln!("{f}: {errors} error(s)");
                code = 2;
            }
        }
    }
    code
}

fn scenarios(name: Option<&str>) -> i32 {
    match name {
        None => {
            let mut s = String::new();
            let width = scenario::builtin_names()
                .iter()
                .map(|n| n.len() + 2)
                .max()
                .unwrap_or(0);
            for n in scenario::builtin_names() {
                let about = scenario::builtin_text(n)
                    .and_then(|t| t.lines().find_map(|l| l.strip_prefix("# ")))
                    .unwrap_or("");
                let default = if n == scenario::DEFAULT_SCENARIO {
                    " (default)"
                } else {
                    ""
                };
                s.push_str(&format!("{n:<width$}{about}{default}\n"));
            }
            out(&s);
            0
        }
        Some(n) => match scenario::builtin_text(n) {
            Some(text) => {
                out(text);
                0
            }
            None => {
                eprintln!(
                    "error: no built-in scenario named `{n}`; built-in scenarios: {}",
                    scenario::builtin_names().join(", ")
                );
                2
            }
        },
    }
}
