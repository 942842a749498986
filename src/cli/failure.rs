//! Why a command failed, and the one place where failures become exit codes:
//! 0 success, 1 a simulation or file failure or the `--timeout`, 2 bad usage
//! or an invalid scenario, 130 interrupted (128 + SIGINT).
//!
//! The library returns its own typed errors ([`RunError`], [`SweepError`],
//! [`Diagnostics`], the calculator's `RequestError`); the commands turn them
//! into a [`Failure`], and [`Failure::print`] writes it on stderr as one
//! readable message.

use crate::experiment::sweep::SweepError;
use crate::experiment::{RunError, Stopped};
use crate::scenario::Diagnostics;
use std::fmt;

/// Exit code of a run stopped by Ctrl-C (or SIGTERM, SIGHUP): 128 + SIGINT.
pub const EXIT_INTERRUPTED: i32 = 130;

#[derive(Debug)]
pub enum Failure {
    /// clap refused the arguments; it prints its own message and usage.
    Args(clap::Error),
    /// Options that cannot be used as given: a bad `--vary`, a plan file
    /// that is not a plan, calculator options out of range, an unknown
    /// built-in scenario.
    Usage(String),
    /// Scenarios that do not validate: every problem with file:line:col.
    /// Empty when the command listed them already among its other output
    /// (`validate`, file by file).
    Invalid(Diagnostics),
    /// A simulation failed: a deadlock, the event or job limit (the message
    /// names the replication or the run).
    Run(String),
    /// A file or directory that cannot be read or written; sweep runs
    /// missing at the merge.
    Io(String),
    /// Stopped by Ctrl-C, SIGTERM or SIGHUP; the message says what was kept
    /// (`None`: the command said so already).
    Interrupted(Option<String>),
    /// Stopped by the `--timeout`; the message as for `Interrupted`.
    TimedOut(Option<String>),
    /// A panic: a bug in factory5g, never a user's mistake (where, and the
    /// panic's message).
    Bug(String),
}

impl Failure {
    /// The exit code of this failure: the only place the codes are chosen.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Args(_) | Failure::Usage(_) | Failure::Invalid(_) => 2,
            Failure::Run(_) | Failure::Io(_) | Failure::TimedOut(_) | Failure::Bug(_) => 1,
            Failure::Interrupted(_) => EXIT_INTERRUPTED,
        }
    }

    /// A run stopped from outside, with what to say about it.
    pub fn stopped(how: Stopped, message: impl Into<Option<String>>) -> Failure {
        match how {
            Stopped::Interrupted => Failure::Interrupted(message.into()),
            Stopped::TimedOut => Failure::TimedOut(message.into()),
        }
    }

    /// Writes the failure on stderr (nothing when there is nothing more to
    /// say).
    pub fn print(&self) {
        if let Failure::Args(e) = self {
            let _ = e.print();
            return;
        }
        let text = self.to_string();
        if !text.is_empty() {
            eprintln!("{text}");
        }
    }
}

/// `error: MESSAGE`, unless the message is already a diagnostic (`FILE:
/// error: ...`) or starts with `error:`.
fn error_line(f: &mut fmt::Formatter<'_>, message: &str) -> fmt::Result {
    let message = message.trim_end();
    let first = message.lines().next().unwrap_or("");
    if first.contains(": error: ") || first.starts_with("error:") {
        f.write_str(message)
    } else {
        write!(f, "error: {message}")
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Args(e) => write!(f, "{e}"),
            Failure::Usage(m) | Failure::Run(m) | Failure::Io(m) => error_line(f, m),
            Failure::Invalid(d) => write!(f, "{d}"),
            Failure::Interrupted(m) | Failure::TimedOut(m) => f.write_str(m.as_deref().unwrap_or("")),
            Failure::Bug(m) => write!(
                f,
                "internal error{m}\nThis is a bug in factory5g; please report it with the scenario file."
            ),
        }
    }
}

impl From<RunError> for Failure {
    fn from(e: RunError) -> Self {
        Failure::Run(e.to_string())
    }
}

impl From<Diagnostics> for Failure {
    fn from(d: Diagnostics) -> Self {
        Failure::Invalid(d)
    }
}

impl From<SweepError> for Failure {
    fn from(e: SweepError) -> Self {
        match e {
            SweepError::Request(m) => Failure::Usage(m),
            SweepError::Scenario(d) => Failure::Invalid(d),
            SweepError::Files(m) => Failure::Io(m),
        }
    }
}
