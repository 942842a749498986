//! `factory5g init [FILE]`: writes a commented starting scenario
//! (`examples/starter.toml`, embedded) to edit into one's own plant.

use super::{out, Failure};
use crate::report::out::write_atomic;
use clap::Args;
use std::path::PathBuf;

/// The starting scenario: three stations, two products, a crew, three AGVs
/// and a fixed 5G link with a heartbeat, every key commented.
pub const STARTER: &str = include_str!("../../examples/starter.toml");

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The file to write (`-` prints it instead); an existing file is left alone.
    #[arg(default_value = "plant.toml")]
    file: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    force: bool,
}

pub fn init(args: &InitArgs) -> Result<(), Failure> {
    if args.file.as_os_str() == "-" {
        out(STARTER);
        return Ok(());
    }
    let shown = args.file.display();
    if args.file.exists() && !args.force {
        return Err(Failure::Usage(format!(
            "{shown} exists; give another file name, or --force to replace it"
        )));
    }
    write_atomic(&args.file, STARTER.as_bytes())
        .map_err(|e| Failure::Io(format!("cannot write {shown}: {e}")))?;
    out(&format!(
        "wrote {shown}: a small plant to edit into yours. Next:\n  factory5g validate {shown}\n  factory5g run {shown}\n"
    ));
    Ok(())
}
