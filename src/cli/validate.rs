//! `factory5g validate FILE...`: every file checked, every problem listed
//! with file:line:col, file by file.

use super::{out, print_diagnostics, Failure};
use crate::scenario::{self, Diagnostics};
use clap::Args;
use std::path::Path;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// Scenario files.
    #[arg(required = true)]
    files: Vec<String>,
}

pub fn validate(args: &ValidateArgs) -> Result<(), Failure> {
    let mut invalid = false;
    for file in &args.files {
        match scenario::load_file(Path::new(file), &[]) {
            Ok(loaded) => {
                print_diagnostics(&loaded.warnings);
                out(&format!(
                    "{file}: ok ({} stations, {} products, {} warnings)\n",
                    loaded.model.stations.len(),
                    loaded.model.products.len(),
                    loaded.warnings.len()
                ));
            }
            Err(d) => {
                print_diagnostics(&d.0);
                eprintln!("{file}: {} error(s)", d.error_count());
                invalid = true;
            }
        }
    }
    // Each file's problems are listed already, beside its name.
    if invalid {
        return Err(Failure::Invalid(Diagnostics(Vec::new())));
    }
    Ok(())
}
