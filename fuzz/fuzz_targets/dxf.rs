//! Fuzzes the DXF reader: any bytes through `scenario::dxf::import`, which
//! must answer with a layout whose aisles join two different points of it,
//! every coordinate finite, or with at least one problem; never a panic
//! (the `dxf` crate's own panics on corrupt input are caught and reported).
//!
//! `tests/it/dxf.rs` replays the corpus (`corpus/dxf/`) the same way on
//! every `cargo test`, and mutates drawings a thousand times more.
#![no_main]

use factory5g::scenario::dxf::{import, DrawingUnits, DxfOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // As the drawing says, and in millimetres whatever it says (so that
    // drawings without units are read on).
    let millimetres = DxfOptions {
        units: Some(DrawingUnits::Millimetres),
        ..DxfOptions::default()
    };
    for options in [DxfOptions::default(), millimetres] {
        match import(data, &options) {
            Ok(layout) => {
                let n = layout.points.len();
                assert!(layout.aisles.iter().all(|a| a.from < n && a.to < n && a.from != a.to));
                assert!(layout.points.iter().all(|p| p.at.iter().all(|v| v.is_finite())));
            }
            Err(problems) => assert!(!problems.is_empty()),
        }
    }
});
