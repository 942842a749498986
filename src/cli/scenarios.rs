//! `factory5g scenarios [NAME]`: the built-in scenarios, or one's TOML.

use super::{out, Failure};
use crate::scenario;
use clap::Args;

#[derive(Args, Debug)]
pub struct ScenariosArgs {
    /// A built-in scenario's name.
    name: Option<String>,
}

pub fn scenarios(args: &ScenariosArgs) -> Result<(), Failure> {
    let Some(name) = &args.name else {
        out(&listing());
        return Ok(());
    };
    let text = scenario::builtin_text(name).ok_or_else(|| {
        Failure::Usage(format!(
            "no built-in scenario named `{name}`; built-in scenarios: {}",
            scenario::builtin_names().join(", ")
        ))
    })?;
    out(text);
    Ok(())
}

/// One line per built-in scenario: its name and the first comment line.
fn listing() -> String {
    let names = scenario::builtin_names();
    let width = names.iter().map(|n| n.len() + 2).max().unwrap_or(0);
    let mut s = String::new();
    for name in names {
        let about = scenario::builtin_text(name)
            .and_then(|t| t.lines().find_map(|l| l.strip_prefix("# ")))
            .unwrap_or("");
        let default = if name == scenario::DEFAULT_SCENARIO {
            " (default)"
        } else {
            ""
        };
        s.push_str(&format!("{name:<width$}{about}{default}\n"));
    }
    s
}
