//! Layouts read from DXF drawings: a scenario's hall from a drawing the test
//! writes (merged with the scenario's own points and aisles), an AGV trip
//! over a drawn aisle, the built-in `sany18_dxf` against `sany18`, the bad
//! drawings of tests/bad/, and a thousand mutated drawings that must give an
//! error or a layout, never a panic.

use factory5g::engine::RngStreams;
use factory5g::factory::simulate;
use factory5g::scenario::dxf::{import, DrawingUnits, DrawnLayout, DxfOptions};
use factory5g::scenario::{self, load_builtin, load_file, Diagnostics};
use rand::RngExt;
use std::path::{Path, PathBuf};

// The crate's entities have many fields: the few drawn are set.
#[allow(clippy::field_reassign_with_default)]
mod drawings {
    use dxf::entities::{Entity, EntityType, LwPolyline, Text};
    use dxf::enums::{AcadVersion, Units};
    use dxf::{Drawing, LwPolylineVertex, Point};

    /// An R2018 ASCII drawing in millimetres: open polylines on `layer`
    /// and TEXT labels on `POINTS` at the given places.
    pub fn millimetres(paths: &[(&str, &[[f64; 2]])], labels: &[([f64; 2], &str)]) -> Vec<u8> {
        let mut d = Drawing::new();
        d.header.version = AcadVersion::R2018;
        d.header.default_drawing_units = Units::Millimeters;
        for (layer, at) in paths {
            let mut poly = LwPolyline::default();
            poly.vertices = at
                .iter()
                .map(|&[x, y]| LwPolylineVertex {
                    x,
                    y,
                    ..Default::default()
                })
                .collect();
            let mut entity = Entity::new(EntityType::LwPolyline(poly));
            entity.common.layer = layer.to_string();
            d.add_entity(entity);
        }
        for &([x, y], name) in labels {
            let mut text = Text::default();
            text.location = Point::new(x, y, 0.0);
            text.value = name.to_string();
            let mut entity = Entity::new(EntityType::Text(text));
            entity.common.layer = "POINTS".into();
            d.add_entity(entity);
        }
        let mut out = Vec::new();
        d.save(&mut out).expect("written");
        out
    }
}

/// Writes `files` (name, bytes) into a new temporary directory.
fn dir_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).expect("written");
    }
    dir
}

fn load(dir: &Path, name: &str) -> Result<scenario::Loaded, Diagnostics> {
    load_file(&dir.join(name), &[])
}

const PLANT: &str = r#"
[fleet]
agvs = 1
speed = "2m/s"
load = "10s"
unload = "20s"
home = "w"
warehouse = "w"

[[station]]
name = "s"
at = "b"
process = "1min"

[[product]]
name = "job"
release = "const(1h)"
route = ["s"]
"#;

#[test]
fn a_scenario_reads_its_hall_from_a_drawing_and_wins_on_a_name() {
    let hall = drawings::millimetres(
        &[(
            "AISLES",
            &[[0.0, 0.0], [30_000.0, 40_000.0], [30_000.0, 100_000.0]],
        )],
        &[([0.0, 0.0], "w"), ([30_000.0, 100_000.0], "b")],
    );
    let toml = format!("[scenario]\nhorizon = \"10h\"\n[layout]\ndxf = \"hall.dxf\"\n{PLANT}");
    let dir = dir_with(&[("hall.dxf", &hall), ("plant.toml", toml.as_bytes())]);
    let model = load(dir.path(), "plant.toml").expect("valid").model;
    let layout = model.layout().expect("a layout");
    let points: Vec<(&str, f64, f64)> = layout.points().iter().map(|p| (p.name(), p.x(), p.y())).collect();
    assert_eq!(points, [("w", 0.0, 0.0), ("v2", 30.0, 40.0), ("b", 30.0, 100.0)]);
    assert_eq!(layout.size(), [30.0, 100.0]);
    let segments: Vec<(usize, usize, bool, f64)> = layout
        .segments()
        .iter()
        .map(|s| (s.a(), s.b(), s.one_way(), s.length()))
        .collect();
    assert_eq!(segments, [(0, 1, false, 50.0), (1, 2, false, 60.0)]);
    // The scenario's own point and aisle win: `b` moves, and the aisle
    // from v2 to b becomes one-way, written in the scenario.
    let variant = format!(
        "[scenario]\nhorizon = \"10h\"\n[layout]\ndxf = \"hall.dxf\"\nsize = [100, 120]\n\
         points = {{ b = [30, 110], extra = [50, 50] }}\n\
         one_way = [[\"v2\", \"b\"], [\"b\", \"extra\"], [\"extra\", \"v2\"]]\n{PLANT}"
    );
    std::fs::write(dir.path().join("variant.toml"), variant).expect("written");
    let model = load(dir.path(), "variant.toml").expect("valid").model;
    let layout = model.layout().expect("a layout");
    let points: Vec<(&str, f64, f64)> = layout.points().iter().map(|p| (p.name(), p.x(), p.y())).collect();
    assert_eq!(
        points,
        [
            ("w", 0.0, 0.0),
            ("v2", 30.0, 40.0),
            ("b", 30.0, 110.0),
            ("extra", 50.0, 50.0)
        ]
    );
    let segments: Vec<(usize, usize, bool)> = layout
        .segments()
        .iter()
        .map(|s| (s.a(), s.b(), s.one_way()))
        .collect();
    assert_eq!(
        segments,
        [(0, 1, false), (1, 2, true), (2, 3, true), (3, 1, true)]
    );
    // A base's typed hall is not inherited by a file that names a drawing.
    let base = format!(
        "[scenario]\nhorizon = \"10h\"\n[layout]\nsize = [10, 10]\npoints = {{ w = [0, 0], b = [5, 5], old = [1, 1] }}\n\
         aisles = [[\"w\", \"b\"]]\n{PLANT}"
    );
    std::fs::write(dir.path().join("base.toml"), base).expect("written");
    std::fs::write(
        dir.path().join("drawn.toml"),
        "[scenario]\nbase = \"base.toml\"\n[layout]\ndxf = \"hall.dxf\"\n",
    )
    .expect("written");
    let model = load(dir.path(), "drawn.toml").expect("valid").model;
    let names: Vec<&str> = model
        .layout()
        .unwrap()
        .points()
        .iter()
        .map(|p| p.name())
        .collect();
    assert_eq!(names, ["w", "v2", "b"]);
}

#[test]
fn an_agv_trip_on_a_drawn_aisle_takes_the_drawn_length_at_the_fleet_speed() {
    // w -> (30 m, 40 m) -> b, drawn in millimetres: 50 m + 60 m = 110 m,
    // 55 s at 2 m/s. As in the typed layout of tests/it/plant.rs: the first
    // trip is load + 55 s + unload = 85 s, the later ones start with 55 s
    // empty from the station: 140 s.
    let hall = drawings::millimetres(
        &[(
            "AISLES",
            &[[0.0, 0.0], [30_000.0, 40_000.0], [30_000.0, 100_000.0]],
        )],
        &[([100.0, 0.0], "w"), ([30_000.0, 100_300.0], "b")],
    );
    let toml = format!("[scenario]\nhorizon = \"10h\"\n[layout]\ndxf = \"hall.dxf\"\n{PLANT}");
    let dir = dir_with(&[("hall.dxf", &hall), ("plant.toml", toml.as_bytes())]);
    let model = load(dir.path(), "plant.toml").expect("valid").model;
    let drawn_m = 30f64.hypot(40.0) + (100.0 - 40.0);
    let travel_s = drawn_m / 2.0;
    let fleet = simulate(&model, 1, 0)
        .expect("no deadlock")
        .fleet
        .expect("a fleet");
    assert_eq!(fleet.trips, 9);
    assert_eq!(
        (fleet.trip_s.min(), fleet.trip_s.max()),
        (10.0 + travel_s + 20.0, 10.0 + 2.0 * travel_s + 20.0)
    );
}

#[test]
fn sany18_dxf_is_sany18_read_from_its_drawing() {
    let typed = load_builtin("sany18").expect("valid").model;
    let drawn = load_builtin("sany18_dxf").expect("valid").model;
    let (t, d) = (typed.layout().unwrap(), drawn.layout().unwrap());
    assert_eq!(t.size(), d.size());
    assert_eq!(t.points().len(), d.points().len());
    for (i, (tp, dp)) in t.points().iter().zip(d.points()).enumerate() {
        assert_eq!(
            (tp.x().to_bits(), tp.y().to_bits()),
            (dp.x().to_bits(), dp.y().to_bits()),
            "{}",
            tp.name()
        );
        // Waypoints a01, a02, ... are unnamed vertices in the drawing.
        let waypoint = tp.name().starts_with('a') && tp.name()[1..].chars().all(|c| c.is_ascii_digit());
        let expected = if waypoint {
            format!("v{}", i + 1)
        } else {
            tp.name().to_string()
        };
        assert_eq!(dp.name(), expected);
    }
    let segments = |l: &factory5g::model::Layout| -> Vec<(usize, usize, bool, u64)> {
        l.segments()
            .iter()
            .map(|s| (s.a(), s.b(), s.one_way(), s.length().to_bits()))
            .collect()
    };
    assert_eq!(segments(t), segments(d));
    // Same geometry, same point order: the same replications, bit for bit.
    for replication in 0..2 {
        let a = simulate(&typed, 18, replication).expect("runs");
        let b = simulate(&drawn, 18, replication).expect("runs");
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "replication {replication}");
    }
}

fn bad(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad").join(name)
}

/// Each class of bad drawing: one error, at the `dxf` key's line and
/// column (or the station's `at`), naming the entity where there is one.
#[test]
fn bad_drawings_are_errors_at_the_dxf_key() {
    let cases = [
        (
            "dxf_missing_file.toml",
            "layout.dxf",
            (5, 7),
            "cannot read the drawing `",
        ),
        (
            "dxf_no_aisles.toml",
            "layout.dxf",
            (5, 7),
            "dxf/no_aisles.dxf: no LINE, LWPOLYLINE or POLYLINE",
        ),
        (
            "dxf_label_far.toml",
            "layout.dxf",
            (5, 7),
            "dxf/label_far.dxf: TEXT (handle 2B, layer POINTS) `weld`",
        ),
        (
            "dxf_unknown_units.toml",
            "layout.dxf",
            (5, 7),
            "dxf/unitless.dxf: unknown units",
        ),
        (
            "dxf_corrupt.toml",
            "layout.dxf",
            (5, 7),
            "dxf/truncated.dxf: the file is not a DXF drawing",
        ),
        (
            "dxf_unknown_at.toml",
            "station.weld.at",
            (9, 6),
            "unknown point `paint`; points are: depot, weld",
        ),
    ];
    for (file, key, line_col, phrase) in cases {
        let errors = match load_file(&bad(file), &[]) {
            Ok(_) => panic!("{file} loaded"),
            Err(e) => e,
        };
        assert_eq!(errors.0.len(), 1, "{file}: {errors}");
        let d = &errors.0[0];
        assert_eq!(d.key.as_deref(), Some(key), "{d}");
        assert_eq!(d.line.zip(d.col), Some(line_col), "{d}");
        assert!(d.message.contains(phrase), "{file}: `{phrase}` not in {d}");
    }
}

/// What the fuzz target checks of one input: read as it says, and in
/// millimetres whatever it says.
fn check(bytes: &[u8]) -> Result<DrawnLayout, usize> {
    let _ = check_with(bytes, &DxfOptions::default());
    let millimetres = DxfOptions {
        units: Some(DrawingUnits::Millimetres),
        ..DxfOptions::default()
    };
    check_with(bytes, &millimetres)
}

fn check_with(bytes: &[u8], options: &DxfOptions) -> Result<DrawnLayout, usize> {
    match import(bytes, options) {
        Ok(layout) => {
            let n = layout.points.len();
            assert!(layout
                .aisles
                .iter()
                .all(|a| a.from < n && a.to < n && a.from != a.to));
            assert!(layout.points.iter().all(|p| p.at.iter().all(|v| v.is_finite())));
            Ok(layout)
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            Err(problems.len())
        }
    }
}

fn corpus() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/dxf");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let bytes = std::fs::read(&f).expect("readable");
            (f, bytes)
        })
        .collect()
}

#[test]
fn the_dxf_corpus_reads_without_panic() {
    let files = corpus();
    assert!(files.len() >= 8, "only {} corpus drawings", files.len());
    let mut read = 0;
    for (path, bytes) in &files {
        match std::panic::catch_unwind(|| check(bytes)) {
            Ok(Ok(_)) => read += 1,
            Ok(Err(_)) => {}
            Err(_) => panic!("panic on {}", path.display()),
        }
    }
    // The good seeds read (the bad- ones are the fixtures of tests/bad/).
    let good = files
        .iter()
        .filter(|(p, _)| !p.file_name().unwrap().to_string_lossy().starts_with("bad-"))
        .count();
    assert!(read >= good, "{read} of {} read", files.len());
    // Every bad drawing of tests/bad/dxf/ is a seed.
    for e in std::fs::read_dir(bad("dxf")).expect("tests/bad/dxf") {
        let name = e.expect("entry").file_name().to_string_lossy().into_owned();
        assert!(
            files.iter().any(|(p, _)| p.ends_with(format!("bad-{name}"))),
            "bad-{name} not in fuzz/corpus/dxf"
        );
    }
}

/// One mutation of a drawing: bytes flipped, the file cut, a line deleted,
/// two group codes swapped, or a group code replaced by another.
fn mutate(bytes: &[u8], rng: &mut impl RngExt) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return out;
    }
    let lines = |b: &[u8]| -> Vec<Vec<u8>> { b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect() };
    match rng.random_range(0..5u32) {
        0 => {
            for _ in 0..rng.random_range(1..5u32) {
                let at = rng.random_range(0..out.len());
                out[at] ^= rng.random_range(1..=255u8);
            }
        }
        1 => out.truncate(rng.random_range(0..out.len())),
        2 => {
            let mut all = lines(&out);
            all.remove(rng.random_range(0..all.len()));
            out = all.join(&b'\n');
        }
        3 => {
            // Lines at even places are group codes in ASCII DXF.
            let mut all = lines(&out);
            let pairs = all.len() / 2;
            if pairs > 1 {
                let (a, b) = (2 * rng.random_range(0..pairs), 2 * rng.random_range(0..pairs));
                all.swap(a, b);
            }
            out = all.join(&b'\n');
        }
        _ => {
            let mut all = lines(&out);
            let pairs = all.len() / 2;
            if pairs > 0 {
                let codes = [0, 1, 2, 5, 8, 9, 10, 20, 11, 21, 40, 42, 70, 90, 330, 1001, -5];
                let code = codes[rng.random_range(0..codes.len())];
                all[2 * rng.random_range(0..pairs)] = format!("{code:>3}").into_bytes();
            }
            out = all.join(&b'\n');
        }
    }
    out
}

#[test]
fn a_thousand_mutated_drawings_give_an_error_or_a_layout_never_a_panic() {
    let seeds = corpus();
    let mut rng = RngStreams::new(19, 0).stream("dxf mutations");
    let (mut read, mut refused) = (0, 0);
    let dir = tempfile::tempdir().expect("a temporary directory");
    for k in 0..1000 {
        let (path, bytes) = &seeds[k % seeds.len()];
        let mutated = mutate(bytes, &mut rng);
        match std::panic::catch_unwind(|| check(&mutated)) {
            Ok(Ok(_)) => read += 1,
            Ok(Err(_)) => refused += 1,
            Err(_) => {
                let kept = std::env::temp_dir().join(format!("factory5g-dxf-panic-{k}.dxf"));
                let _ = std::fs::write(&kept, &mutated);
                panic!(
                    "mutation {k} of {} panicked (kept as {})",
                    path.display(),
                    kept.display()
                );
            }
        }
        // One in ten also through a scenario, whose validation must hold.
        if k % 10 == 0 {
            std::fs::write(dir.path().join("hall.dxf"), &mutated).expect("written");
            let text = "[scenario]\nhorizon = \"1h\"\n[layout]\ndxf = \"hall.dxf\"\ndxf_units = \"mm\"\n\
                        [[station]]\nname = \"s\"\nprocess = \"1min\"\n";
            match scenario::load_str("mutated.toml", text, Some(dir.path()), &[]) {
                Ok(loaded) => assert!(loaded.model.layout().is_some()),
                Err(e) => assert!(
                    e.error_count() > 0 && !e.to_string().contains("internal error"),
                    "{e}"
                ),
            }
        }
    }
    // The mutations exercise both outcomes.
    assert!(read > 50 && refused > 50, "{read} read, {refused} refused");
}

/// `factory5g layout` draws the plan alone (exit 0, an SVG and a PNG), and
/// refuses a scenario without a layout (exit 2) or a bad drawing (exit 2,
/// the error at the `dxf` key).
#[test]
fn the_layout_command_draws_the_floor_plan_alone() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_factory5g"))
            .args(args)
            .output()
            .expect("the binary runs")
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out_dir = dir.path().join("plan");
    let out = run(&["layout", "sany18_dxf", "--out", out_dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("sany18_dxf: floor 500 m × 200 m, 55 points, 55 aisle segments (55 one-way)"),
        "{stdout}"
    );
    let svg = std::fs::read_to_string(out_dir.join("layout.svg")).expect("layout.svg");
    assert!(svg.starts_with("<svg") && svg.contains("boom_weld") && svg.contains("v2"));
    let png = std::fs::read(out_dir.join("layout.png")).expect("layout.png");
    assert_eq!(&png[1..4], b"PNG");
    let none = run(&["layout", "mm3", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&none.stderr).contains("has no [layout]"));
    let corrupt = run(&[
        "layout",
        bad("dxf_corrupt.toml").to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(corrupt.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&corrupt.stderr);
    assert!(
        stderr.contains("dxf_corrupt.toml:5:7: error: layout.dxf: "),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("internal error"),
        "{stderr}"
    );
}

/// The settings of the reader are checked like any key; without `dxf` they
/// are a warning, since they do nothing.
#[test]
fn dxf_settings_are_checked() {
    let hall = drawings::millimetres(
        &[("AGV", &[[0.0, 0.0], [30_000.0, 0.0], [30_000.0, 5_000.0]])],
        &[([0.0, 0.0], "w"), ([30_000.0, 0.0], "b")],
    );
    let flat = drawings::millimetres(
        &[("AISLES", &[[0.0, 0.0], [30_000.0, 0.0]])],
        &[([30_000.0, 0.0], "b")],
    );
    let dir = dir_with(&[("hall.dxf", &hall), ("flat.dxf", &flat)]);
    let scenario = |layout: &str| {
        format!("[scenario]\nhorizon = \"1h\"\n[layout]\n{layout}\n[[station]]\nname = \"s\"\nat = \"b\"\nprocess = \"1min\"\n")
    };
    let load = |layout: &str| scenario::load_str("s.toml", &scenario(layout), Some(dir.path()), &[]);
    let errors = |layout: &str| match load(layout) {
        Ok(_) => panic!("{layout}: valid"),
        Err(e) => e.to_string(),
    };
    // Another aisle layer, a tighter snap, the unit given.
    let good = load(
        "dxf = \"hall.dxf\"\ndxf_layers = { aisles = \"agv\" }\ndxf_snap = \"10cm\"\ndxf_units = \"mm\"",
    )
    .expect("valid");
    assert_eq!(good.model.layout().unwrap().segments().len(), 2);
    // A drawing along a line has no floor of its own.
    let e = errors("dxf = \"flat.dxf\"");
    assert!(
        e.contains("flat.dxf: the drawing spans 30 m × 0 m from [0, 0]: a floor needs both sides above 0"),
        "{e}"
    );
    assert!(load("dxf = \"flat.dxf\"\nsize = [40, 10]").is_ok());
    let e = errors("dxf = \"hall.dxf\"\ndxf_layers = { aisles = \"agv\", one_way = \"AGV\" }");
    assert!(
        e.contains("layout.dxf_layers: the aisles, one-way and points layers must be three different layers"),
        "{e}"
    );
    let e = errors("dxf = \"hall.dxf\"\ndxf_layers = { aisles = \"AGV\" }\ndxf_snap = \"0.5\"");
    assert!(
        e.contains("layout.dxf_snap: `0.5` has no unit; lengths need one of m, cm, mm"),
        "{e}"
    );
    let e = errors("dxf = \"hall.dxf\"\ndxf_layers = { aisles = \"AGV\" }\ndxf_units = \"yd\"");
    assert!(
        e.contains("layout.dxf_units: unknown unit `yd`; allowed units: mm, cm, m, in, ft"),
        "{e}"
    );
    // The default layers find no aisle in this drawing.
    let e = errors("dxf = \"hall.dxf\"");
    assert!(e.contains("its layers are: AGV, POINTS"), "{e}");
    let warned = load("size = [40, 10]\npoints = { b = [1, 1] }\ndxf_snap = \"1m\"").expect("valid");
    let dxf_warnings: Vec<String> = warned
        .warnings
        .iter()
        .map(ToString::to_string)
        .filter(|w| w.contains("dxf"))
        .collect();
    assert_eq!(dxf_warnings.len(), 1, "{dxf_warnings:?}");
    assert!(
        dxf_warnings[0].contains("warning: layout.dxf_snap: `dxf_snap` does nothing without `dxf`"),
        "{dxf_warnings:?}"
    );
}
