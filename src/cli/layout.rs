//! `factory5g layout SCENARIO --out DIR`: the floor plan alone, before any
//! simulation, so that an engineer can check a layout (typed, or imported
//! from a DXF drawing) before running it: `DIR/layout.svg` and
//! `DIR/layout.png`, and a line per file on stdout.

use super::{load, out, print_diagnostics, Failure};
use crate::report::out::write_layout;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct LayoutArgs {
    /// Scenario file, or the name of a built-in scenario.
    scenario: String,
    /// Directory to write layout.svg and layout.png into (created if missing).
    #[arg(long, short = 'o', value_name = "DIR")]
    out: PathBuf,
    /// Override a scenario key, e.g. --set layout.dxf_snap=1m (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
}

pub fn layout(args: &LayoutArgs) -> Result<(), Failure> {
    let loaded = load(Some(&args.scenario), &args.set)?;
    print_diagnostics(&loaded.warnings);
    let model = &loaded.model;
    let written = write_layout(&args.out, model).map_err(Failure::Io)?;
    let Some(files) = written else {
        return Err(Failure::Usage(format!(
            "scenario `{}` has no [layout]: there is no floor plan to draw",
            model.name()
        )));
    };
    let layout = model.layout().ok_or_else(|| Failure::Io("no layout".into()))?;
    let [x, y] = layout.size();
    let one_way = layout.segments().iter().filter(|s| s.one_way()).count();
    let mut text = format!(
        "{}: floor {x} m × {y} m, {} points, {} aisle segments ({one_way} one-way)\n",
        model.name(),
        // The points that `zone_length` adds to cut aisles are not the
        // scenario's; the segments are the zones they make.
        layout.points().iter().filter(|p| !p.hidden()).count(),
        layout.segments().len()
    );
    for file in files {
        text.push_str(&format!("wrote {}\n", file.display()));
    }
    out(&text);
    Ok(())
}
