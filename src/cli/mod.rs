//! The command line: the only module that knows clap and the only one that
//! prints. It parses the arguments, calls the library, prints what it
//! returns (text or JSON on stdout, messages on stderr) and turns failures
//! into exit codes in one place ([`Failure::exit_code`]): 0 success, 1 a
//! simulation or file failure or the `--timeout`, 2 bad usage or an invalid
//! scenario, 130 interrupted.
//!
//! One file per command group (`run`, `validate`, `compare`, `sweep`,
//! `latency`, `scenarios`, `init`, `layout`); `args` holds the options several commands share,
//! `failure` the error type, `progress` the progress bar.
//!
//! ```
//! use factory5g::cli::{Failure, EXIT_INTERRUPTED};
//! let bad = Failure::Usage("--vary a=1: the value `1` is given twice".into());
//! assert_eq!(bad.exit_code(), 2);
//! assert_eq!(bad.to_string(), "error: --vary a=1: the value `1` is given twice");
//! assert_eq!(Failure::Interrupted(None).exit_code(), EXIT_INTERRUPTED);
//! ```

mod args;
mod compare;
mod failure;
mod init;
mod latency;
mod layout;
mod progress;
mod run;
mod scenarios;
mod sweep;
mod validate;

pub use failure::{Failure, EXIT_INTERRUPTED};

use crate::experiment::sweep::ScenarioRef;
use crate::scenario::{self, Diagnostic, Diagnostics, Loaded};
use clap::{Parser, Subcommand};
use std::io::Write;
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
    Run(run::RunArgs),
    /// Check scenario files; every problem is listed with file:line:col.
    Validate(validate::ValidateArgs),
    /// Paired comparison of two scenarios under common random numbers (B − A per KPI).
    #[command(
        after_help = "The scenario options apply to both scenarios; the seed and the replications default to A's. For a change in B only, write a variant file with `[scenario] base = ...`."
    )]
    Compare(compare::CompareArgs),
    /// Parameter sweeps: plan, run in shards (cluster job arrays), merge.
    #[command(subcommand)]
    Sweep(sweep::SweepCommand),
    /// 5G NR user-plane latency calculator (TR 37.910 step model, InF link budget).
    Latency(latency::LatencyArgs),
    /// List the built-in scenarios, or print one's TOML.
    Scenarios(scenarios::ScenariosArgs),
    /// Write a commented starting scenario to edit (default: plant.toml).
    Init(init::InitArgs),
    /// Draw a scenario's floor plan alone (points, aisles, names), before any simulation.
    Layout(layout::LayoutArgs),
}

/// Makes a panic (a bug) end the process with one plain message on stderr
/// and exit code 1, not Rust's debug text and 101.
/// A panic that the DXF reader catches (a corrupt drawing, reported as an
/// invalid scenario) passes silently.
pub fn report_panics() {
    std::panic::set_hook(Box::new(|info| {
        if scenario::dxf::panic_caught_here() {
            return;
        }
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let failure = Failure::Bug(format!("{place}: {message}"));
        failure.print();
        std::process::exit(failure.exit_code());
    }));
}

/// Parses the process arguments, runs, and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                let _ = e.print();
                return 0;
            }
            clap::error::ErrorKind::InvalidSubcommand => {
                if let Some(hint) = scenario_as_command() {
                    return finish(Err(Failure::Usage(hint)));
                }
                return finish(Err(Failure::Args(e)));
            }
            _ => return finish(Err(Failure::Args(e))),
        },
    };
    let result = match cli.command.unwrap_or(Command::Run(run::RunArgs::default())) {
        Command::Run(args) => run::run(args),
        Command::Validate(args) => validate::validate(&args),
        Command::Compare(args) => compare::compare(args),
        Command::Sweep(cmd) => sweep::sweep(cmd),
        Command::Latency(args) => latency::latency(&args),
        Command::Scenarios(args) => scenarios::scenarios(&args),
        Command::Init(args) => init::init(&args),
        Command::Layout(args) => layout::layout(&args),
    };
    finish(result)
}

/// When the first argument is a scenario (a file, a `.toml` name or a
/// built-in) rather than a command: what to type instead.
fn scenario_as_command() -> Option<String> {
    let first = std::env::args().nth(1)?;
    let looks_like_scenario = first.ends_with(".toml")
        || std::path::Path::new(&first).is_file()
        || scenario::builtin_text(&first).is_some();
    looks_like_scenario
        .then(|| format!("`{first}` is not a command; to run this scenario: factory5g run {first}"))
}

/// Prints a failure; the exit code of the outcome.
fn finish(result: Result<(), Failure>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(failure) => {
            failure.print();
            failure.exit_code()
        }
    }
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
                let failure = Failure::Interrupted(Some("\ninterrupted again: quitting at once".into()));
                failure.print();
                std::process::exit(failure.exit_code());
            }
            eprintln!("\ninterrupted: stopping; what has finished is kept (interrupt again to quit at once)");
        });
        // Without a handler (one already installed by an embedding program)
        // a signal ends the process as usual.
        installed.ok().map(|()| flag)
    })
    .clone()
}

/// Writes `text` on stdout.
fn out(text: &str) {
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Writes scenario warnings (or other diagnostics) on stderr, one a line.
fn print_diagnostics(diagnostics: &[Diagnostic]) {
    let mut err = std::io::stderr().lock();
    for diagnostic in diagnostics {
        let _ = writeln!(err, "{diagnostic}");
    }
}

/// Loads a scenario file, or a built-in one by name when no such file
/// exists; the built-in plant when none is named.
fn load(name: Option<&str>, overrides: &[String]) -> Result<Loaded, Diagnostics> {
    match name {
        None => scenario::load_builtin_with(scenario::DEFAULT_SCENARIO, overrides),
        Some(name) => ScenarioRef::resolve(name).load(overrides),
    }
}
