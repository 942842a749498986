//! Tests of the floor: `[layout]`, `[fleet]` and its battery, parts kits
//! and sub-assemblies (`release = "pull"`, `assemble`).

use super::{errors, errors_with, messages, ok};
use crate::scenario::load_str;

/// A plant on a floor: five points in an L with a dead end, a fleet with
/// every key written, a kit step and a sub-assembly.
const FLOOR: &str = r#"[scenario]
horizon = "8h"

[layout]
size = [60, 40]
points = { depot = [0, 0], a = [30, 0], b = [30, 40], store = [60, 0], charge = [0, 10] }
aisles = [["depot", "a"], ["a", "b"], ["a", "store"], ["depot", "charge"]]

[fleet]
agvs = 2
speed = "1.5m/s"
load = "20s"
unload = "10s"
home = "depot"
warehouse = "store"
dispatch = "fifo"
zone_control = true
battery = { runtime = "4h", recharge = "1h", chargers = ["charge", "charge"], threshold = 0.3 }

[[station]]
name = "make"
at = "a"
process = "exp(5min)"

[[station]]
name = "fit"
at = "b"
process = "2min"

[[product]]
name = "unit"
release = "exp(20min)"
route = [{ station = "make", parts = "kit" }, { station = "fit", assemble = ["part", "part"] }]

[[product]]
name = "part"
release = "pull"
route = ["make"]
"#;

#[test]
fn layout_fleet_kits_and_assembly_load() {
    use crate::model::{Dispatch, Release};
    let l = ok(FLOOR, &[]);
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
    let m = &l.model;
    let layout = m.layout.as_ref().unwrap();
    assert_eq!(layout.size, [60.0, 40.0]);
    let names: Vec<&str> = layout.points.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["depot", "a", "b", "store", "charge"]);
    assert_eq!(layout.segments.len(), 4);
    let (depot, a, b, store, charge) = (0, 1, 2, 3, 4);
    assert_eq!(layout.distance(depot, b), 70.0);
    assert_eq!(layout.distance(store, b), 70.0);
    assert_eq!(layout.distance(charge, store), 70.0);
    assert_eq!(layout.path(store, b).points, vec![store, a, b]);
    assert_eq!((m.stations[0].at, m.stations[1].at), (Some(a), Some(b)));
    let f = m.fleet.as_ref().unwrap();
    assert_eq!((f.agvs, f.speed, f.home, f.warehouse), (2, 1.5, depot, store));
    assert_eq!((f.dispatch, f.zone_control), (Dispatch::Fifo, true));
    assert_eq!((f.load.mean_ns(), f.unload.mean_ns()), (2e10, 1e10));
    let bat = f.battery.as_ref().unwrap();
    assert_eq!(
        (bat.runtime.as_hours_f64(), bat.recharge.as_hours_f64()),
        (4.0, 1.0)
    );
    assert_eq!((bat.chargers.clone(), bat.threshold), (vec![charge, charge], 0.3));
    let unit = &m.products[0];
    assert!(matches!(unit.release, Release::Every(_)));
    assert!(unit.route[0].kit && unit.route[0].assemble.is_empty());
    assert!(!unit.route[1].kit);
    assert_eq!(unit.route[1].assemble, vec![1, 1]);
    assert!(matches!(m.products[1].release, Release::Pull));
    assert!(m.is_pull(1) && !m.is_pull(0));
    assert_eq!(m.consumer_station(1), Some(1));
    // The part is pulled twice per unit: 6 parts an hour at `make`, 5 min each.
    let rates = m.release_rates_per_ns();
    assert!((rates[1] / rates[0] - 2.0).abs() < 1e-12);
    let u = m.offered_utilization();
    assert!((u[0] - 0.75).abs() < 1e-9, "{u:?}");
}

#[test]
fn fleet_defaults_and_rectilinear_floor() {
    use crate::model::Dispatch;
    let text = r#"[scenario]
horizon = "8h"
[layout]
size = [10, 10.5]
[layout.points]
home = [0, 0]
st = [3, 4.5]
[fleet]
agvs = 1
speed = "3.6km/h"
home = "home"
[[station]]
name = "s"
at = "st"
process = "1min"
[[product]]
name = "p"
release = "exp(1h)"
route = ["s"]
"#;
    let m = ok(text, &[]).model;
    let layout = m.layout.as_ref().unwrap();
    assert!(!layout.has_aisles());
    assert_eq!(layout.distance(0, 1), 7.5);
    let f = m.fleet.as_ref().unwrap();
    assert!((f.speed - 1.0).abs() < 1e-12);
    assert_eq!((f.home, f.warehouse, f.dispatch), (0, 0, Dispatch::Nearest));
    assert_eq!((f.load.mean_ns(), f.unload.mean_ns()), (0.0, 0.0));
    assert!(f.battery.is_none() && !f.zone_control);
    let bat = ok(
        text,
        &["fleet.battery={ runtime = \"2h\", recharge = \"1h\", chargers = [\"home\"] }"],
    );
    let bat = bat.model.fleet.unwrap().battery.unwrap();
    assert_eq!(bat.threshold, 0.2);
    // A layout without a fleet: stations may stand on points, nothing drives.
    let m = ok(text, &["fleet.agvs=1"]).model;
    assert!(m.fleet.is_some());
    let plain = r#"[scenario]
horizon = "8h"
[layout]
size = [10, 10]
points = { p = [1, 1] }
[[station]]
name = "s"
at = "p"
process = "1min"
"#;
    let m = ok(plain, &[]).model;
    assert!(m.fleet.is_none());
    assert_eq!(m.stations[0].at, Some(0));
}

#[test]
fn set_reaches_the_new_keys() {
    let l = ok(
        FLOOR,
        &[
            "fleet.agvs=40",
            "fleet.zone_control=false",
            "layout.points.b=[30, 20]",
            "layout.points.c=[10, 10]",
            "fleet.speed=2m/s",
            "fleet.dispatch=nearest",
            "fleet.battery.threshold=0.5",
            "station.fit.at=store",
            "product.unit.route=[\"make\", { station = \"fit\", assemble = [\"part\"] }]",
        ],
    );
    let m = &l.model;
    let f = m.fleet.as_ref().unwrap();
    assert_eq!((f.agvs, f.zone_control, f.speed), (40, false, 2.0));
    assert_eq!(f.battery.as_ref().unwrap().threshold, 0.5);
    let layout = m.layout.as_ref().unwrap();
    assert_eq!(layout.distance(0, 2), 50.0);
    assert_eq!(layout.points[5].name, "c");
    assert_eq!(m.stations[1].at, Some(3));
    assert!(!m.products[0].route[0].kit);
    // An unreachable point added with --set is reported at the --set.
    let e = errors_with(FLOOR, &["station.fit.at=c", "layout.points.c=[10, 10]"]);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].file, "--set station.fit.at=c");
    assert_eq!(
        e[0].message,
        "point `c` cannot be reached from home `depot` over the aisles; connect it with an aisle"
    );
    let e = errors_with(FLOOR, &["layout.points.b=[100, 20]", "fleet.agvs=0"]);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0]
        .message
        .starts_with("point `b` at [100, 20] is outside the layout"));
    assert_eq!(e[1].message, "agvs must be a whole number of at least 1, found 0");
}

#[test]
fn layout_errors() {
    let text = r#"[scenario]
horizon = "8h"
[layout]
size = [0, 100001]
points = { a = [1, 1], b = [2, "3m"], "" = [0, 0] }
aisles = [["a", "a"], ["a", "c"], ["b", "a"], ["a", "b"], ["a"], "a-b"]
[[station]]
name = "s"
at = "d"
process = "1s"
"#;
    let e = errors(text);
    let msgs = messages(&e);
    let expected = [
        "layout.size: size must be two lengths above 0 and at most 100000 (metres), found 0",
        "layout.size: size must be two lengths above 0 and at most 100000 (metres), found 100001",
        "layout.points.b: b must be two numbers [x, y] in metres, e.g. weld = [30, 12.5], found string \"3m\"; lengths are plain numbers of metres, without a unit",
        "layout.points.: a point's name must not be empty",
        "layout.aisles[1]: an aisle must join two different points, found [\"a\", \"a\"]",
        "layout.aisles[2]: unknown point `c` in aisle; points are: a, b; did you mean `a`?",
        "layout.aisles[4]: duplicate aisle between `a` and `b`; the first is at t.toml:6:35",
        "layout.aisles[5]: an aisle must be two or more point names like [\"depot\", \"weld\"] or [\"a\", \"b\", \"c\"], found an array of 1 values",
        "layout.aisles[6]: an aisle must be two or more point names like [\"depot\", \"weld\"] or [\"a\", \"b\", \"c\"], found string \"a-b\"",
        "station.s.at: unknown point `d`; points are: a, b; did you mean `a`?",
    ];
    assert_eq!(msgs, expected, "{msgs:#?}");
    let e = errors("[scenario]\nhorizon = \"8h\"\n[layout]\npoints = 3\naisles = {}\n[[station]]\nname = \"s\"\nprocess = \"1s\"\n");
    let msgs = messages(&e);
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    assert!(msgs[0].starts_with("layout.size: missing `size`"));
    assert_eq!((e[0].line, e[0].col), (Some(3), Some(2)));
    assert!(msgs[1].starts_with("layout.points: points must be a table of NAME = [x, y]"));
    assert!(msgs[2].starts_with("layout.aisles: aisles must be an array of polylines of point names"));
    // At most MAX_POINTS points.
    let mut many = String::from("[scenario]\nhorizon = \"8h\"\n[layout]\nsize = [10, 10]\n[layout.points]\n");
    for i in 0..=crate::model::MAX_POINTS {
        many.push_str(&format!("p{i} = [1, 1]\n"));
    }
    many.push_str("[[station]]\nname = \"s\"\nprocess = \"1s\"\n");
    let e = errors(&many);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].message, "a layout holds at most 2000 points, found 2001");
    // A station on a point without a layout.
    let e = errors("[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"s\"\nat = \"x\"\nprocess = \"1s\"\n");
    assert_eq!(
        messages(&e),
        ["station.s.at: `at` names a point of [layout], but the scenario has no [layout]; add one, e.g. [layout] size = [100, 50] points = { x = [10, 10] }"]
    );
}

#[test]
fn fleet_errors() {
    let e = errors_with(
        FLOOR,
        &["fleet={ speed = \"fast\", dispatch = \"nearst\", home = \"dpot\", warehouse = \"charge\" }"],
    );
    // The table given with --set merges with the file's: agvs stays.
    let msgs = messages(&e);
    assert_eq!(
        msgs,
        [
            "fleet.speed: `fast` is not a number followed by a unit (e.g. \"1.5m/s\")",
            "fleet.dispatch: dispatch must be \"nearest\" or \"fifo\", found \"nearst\"; did you mean `nearest`?",
            "fleet.home: unknown point `dpot`; points are: depot, a, b, store, charge; did you mean `depot`?",
        ],
        "{msgs:#?}"
    );
    let text = "[scenario]\nhorizon = \"8h\"\n[layout]\nsize = [9, 9]\npoints = { p = [1, 1] }\n[fleet]\nbattery = { chargers = [\"q\"], threshold = 0 }\nzone_control = true\n[[station]]\nname = \"s\"\nprocess = \"1s\"\n";
    let msgs = messages(&errors(text));
    assert_eq!(
        msgs,
        [
            "fleet.agvs: missing `agvs` (how many AGVs), e.g. agvs = 4",
            "fleet.speed: missing `speed` (how fast an AGV drives), e.g. speed = \"1.5m/s\"",
            "fleet.home: missing `home` (the point where the AGVs start and wait), e.g. home = \"depot\"",
            "fleet.battery.runtime: missing `runtime` (driving and handling time on a full charge), e.g. runtime = \"8h\"",
            "fleet.battery.recharge: missing `recharge` (time to charge from empty to full), e.g. recharge = \"2h\"",
            "fleet.battery.chargers: unknown point `q`; points are: p; did you mean `p`?",
            "fleet.battery.threshold: threshold must be a fraction of a full charge above 0 and below 1, e.g. 0.2, found 0",
            "fleet.zone_control: zone_control = true needs aisles in [layout]: AGVs reserve aisle segments one at a time, and without aisles there are none; add aisles = [[\"a\", \"b\"], ...] or remove zone_control",
            "station.s: with a [fleet] every station needs `at`, the point where it stands",
        ],
        "{msgs:#?}"
    );
    let e = errors("fleet = 3\nlayout = []\n[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"s\"\nat = \"p\"\nprocess = \"1s\"\n");
    let msgs = messages(&e);
    assert_eq!(msgs.len(), 2, "{msgs:#?}");
    assert!(
        msgs[0].starts_with("fleet: fleet must be a table ([fleet]"),
        "{msgs:#?}"
    );
    assert!(
        msgs[1].starts_with("layout: layout must be a table ([layout]"),
        "{msgs:#?}"
    );
    let e = errors("layout = 1\n[fleet]\nagvs = 1\nspeed = \"1m/s\"\nhome = \"p\"\n[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"s\"\nat = \"p\"\nprocess = \"1s\"\n");
    let msgs = messages(&e);
    assert_eq!(msgs.len(), 1, "{msgs:#?}");
    assert!(
        msgs[0].starts_with("layout: layout must be a table ([layout]"),
        "{msgs:#?}"
    );
}

#[test]
fn speeds_in_the_file_need_units() {
    // A bare number in the file is a type error that says to write a unit.
    let msgs = messages(&errors_with(FLOOR, &["fleet.speed=2"]));
    assert_eq!(
        msgs,
        ["fleet.speed: expected a speed string like \"1.5m/s\" or \"5.4km/h\", found integer 2; speeds need a unit in a string, e.g. \"2m/s\""]
    );
}

#[test]
fn kits_need_a_fleet_and_say_kit() {
    let text = "[scenario]\nhorizon = \"8h\"\n[[station]]\nname = \"s\"\nprocess = \"1s\"\n[[product]]\nname = \"p\"\nrelease = \"exp(1h)\"\nroute = [{ station = \"s\", parts = \"kit\" }]\n";
    let e = errors(text);
    assert_eq!(
        messages(&e),
        ["product.p.route[1].parts: parts kits are brought by AGVs; add a [fleet] (with a [layout] and each station's `at`), or remove `parts`"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(9), Some(35)));
    let msgs = messages(&errors_with(
        FLOOR,
        &["product.unit.route=[{ station = \"make\", parts = \"kits\" }, { station = \"fit\", assemble = \"part\" }]"],
    ));
    assert_eq!(
        msgs,
        [
            "product.unit.route[1].parts: parts must be \"kit\" (an AGV brings a parts kit from the warehouse before the step starts), found \"kits\"",
            "product.unit.route[2].assemble: assemble must be an array of names like [\"boom\", \"pump_unit\"], found string \"part\"",
        ],
        "{msgs:#?}"
    );
}

#[test]
fn pull_products_are_checked_together() {
    // Assembling a product that is not pulled, and one that does not exist.
    let msgs = messages(&errors_with(
        FLOOR,
        &[
            "product.part.release=exp(1h)",
            "product.unit.route=[{ station = \"fit\", assemble = [\"part\", \"part\", \"prat\", \"unit\"] }]",
        ],
    ));
    assert_eq!(
        msgs,
        [
            "product.unit.route[1].assemble: product `part` cannot be assembled: only sub-assemblies, made on demand, can; give `part` release = \"pull\"",
            "product.unit.route[1].assemble: unknown product `prat` in assemble; products are: unit, part; did you mean `part`?",
            "product.unit.route[1].assemble: product `unit` cannot be assembled: only sub-assemblies, made on demand, can; give `unit` release = \"pull\"",
        ],
        "{msgs:#?}"
    );
    // Never assembled; chains; two stations; all pulled; a misspelt pull.
    let e = errors_with(FLOOR, &["product.unit.route=[\"make\"]"]);
    assert_eq!(
        messages(&e),
        ["product.part.release: product `part` has release = \"pull\" but no route step assembles it; add assemble = [\"part\"] to the step of another product that consumes it, or give it a release distribution"]
    );
    assert_eq!((e[0].line, e[0].col), (Some(37), Some(11)));
    let msgs = messages(&errors_with(
        FLOOR,
        &["product.part.route=[{ station = \"make\", assemble = [\"part\"] }]"],
    ));
    assert_eq!(
        msgs,
        ["product.part.route[1].assemble: `part` is itself a sub-assembly (release = \"pull\") and cannot assemble others: sub-assemblies do not chain; assemble these at the step that consumes `part` instead"]
    );
    let msgs = messages(&errors_with(
        FLOOR,
        &["product.unit.route=[{ station = \"make\", assemble = [\"part\"] }, { station = \"fit\", assemble = [\"part\", \"part\"] }]"],
    ));
    assert_eq!(
        msgs,
        ["product.unit.route[2].assemble: sub-assembly `part` is assembled at station `make` (--set product.unit.route=[{ station = \"make\", assemble = [\"part\"] }, { station = \"fit\", assemble = [\"part\", \"part\"] }]) and here at station `fit`; every step that assembles one sub-assembly must be at the same station"]
    );
    let msgs = messages(&errors_with(
        FLOOR,
        &["product.unit.release=pull", "product.unit.route=[\"fit\"]"],
    ));
    assert_eq!(msgs.len(), 3, "{msgs:#?}");
    // Sorted by place: the file first, then the overrides.
    assert!(msgs[0].starts_with("product.part.release: product `part` has release = \"pull\" but no"));
    assert!(
        msgs[1].starts_with("product.unit.release: product `unit` has release = \"pull\" but no route step")
    );
    assert!(msgs[2].starts_with("product.unit.release: every product has release = \"pull\"; at least one needs a release distribution"));
    let msgs = messages(&errors_with(FLOOR, &["product.part.release=Pull"]));
    assert_eq!(
        msgs,
        ["product.part.release: release must be a distribution or \"pull\", found \"Pull\"; did you mean \"pull\"?"]
    );
}

#[test]
fn unreachable_points_are_reported_where_referenced() {
    let text = FLOOR
        .replace(", [\"a\", \"b\"]", "")
        .replace(", [\"depot\", \"charge\"]", "");
    let e = errors(&text);
    let msgs = messages(&e);
    assert_eq!(
        msgs,
        [
            "fleet.battery.chargers: point `charge` cannot be reached from home `depot` over the aisles; connect it with an aisle",
            "fleet.battery.chargers: point `charge` cannot be reached from home `depot` over the aisles; connect it with an aisle",
            "station.fit.at: point `b` cannot be reached from home `depot` over the aisles; connect it with an aisle",
        ],
        "{msgs:#?}"
    );
    assert_eq!((e[2].line, e[2].col), (Some(27), Some(6)));
}

#[test]
fn pulled_work_counts_for_the_instability_warning() {
    // Four parts per unit at 5 min each, a unit every 20 min: `make` is at 1.25.
    let l = ok(
        FLOOR,
        &["product.unit.route=[\"make\", { station = \"fit\", assemble = [\"part\", \"part\", \"part\"] }]"],
    );
    assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
    assert_eq!(
        l.warnings[0].message,
        "unstable: offered utilization 1.00 ≥ 1 at station `make`; queues will grow without bound"
    );
}

#[test]
fn never_panics_on_odd_floors() {
    let odd = [
        "[layout]\nsize = [nan, inf]\npoints = { a = [nan, 1], b = [-inf, 1e308] }\naisles = [[\"a\", \"b\"]]\n[fleet]\nhome = \"a\"\nspeed = \"1e308m/s\"\nagvs = 99999999999",
        "[layout]\nsize = [1, 1]\npoints = { a = [0, 0] }\naisles = [[\"a\", \"a\"], [], [[]], [\"a\", 1]]\n[fleet]\nbattery = { chargers = [1, [], \"a\"] }\nhome = 3\nload = \"exp(-1s)\"",
        "[fleet]\nhome = \"x\"\nwarehouse = \"y\"\n[[station]]\nname = \"s\"\nat = 4\nprocess = \"1s\"\n[[product]]\nname = \"p\"\nrelease = \"pull\"\nroute = [{ station = \"s\", assemble = [\"p\", \"q\", 1], parts = [] }]",
        "[[product]]\nname = \"p\"\nrelease = \"pull\"\nroute = [{ station = \"s\", assemble = [\"p\"] }]\n[[product]]\nrelease = \"pull\"\nroute = [{ station = \"s\", assemble = [\"p\"] }]",
    ];
    for text in odd {
        let text = format!("[scenario]\nhorizon = \"8h\"\n{text}");
        let _ = load_str("odd.toml", &text, None, &[]);
    }
}
