//! `run --out`, `--trace`, the warm-up warning, the network's plots, text
//! summary and KPIs, through the binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn factory5g(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output) {
    assert!(out.status.success(), "run failed: {}", text(&out.stderr));
}

const PLOTS: [&str; 7] = [
    "utilization_stations",
    "bottleneck",
    "utilization_robots",
    "throughput",
    "wip",
    "latency_ccdf",
    "floor_plan",
];

const TABLES: [&str; 7] = [
    "report.json",
    "summary.md",
    "stations.csv",
    "robots.csv",
    "flows.csv",
    "report.html",
    "replay.html",
];

/// Every file under `dir`, relative paths, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Decodes a PNG; asserts it is not near-empty: at least 3% of its pixels
/// differ from the background (the top-left pixel), in more than 3 colours.
fn check_png(path: &Path) {
    let bytes = fs::read(path).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().expect("an image size")];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        info.width >= 400 && info.height >= 200,
        "{}: tiny",
        path.display()
    );
    let px = info.color_type.samples();
    let pixels = buf[..info.buffer_size()].chunks(px);
    let total = pixels.len();
    let background = &buf[..px];
    let (mut differ, mut colours) = (0usize, Vec::<&[u8]>::new());
    for p in pixels {
        if p != background {
            differ += 1;
        }
        if colours.len() <= 3 && !colours.contains(&p) {
            colours.push(p);
        }
    }
    assert!(
        differ * 100 >= 3 * total,
        "{}: only {differ} of {total} pixels drawn",
        path.display()
    );
    assert!(colours.len() > 3, "{}: {} colours", path.display(), colours.len());
}

fn check_svg(path: &Path) {
    let svg = fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(
        doc.descendants().any(|n| n.has_tag_name("text")),
        "{}: no text",
        path.display()
    );
}

/// Reads a CSV completely; returns the header and the rows.
fn read_csv(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (header, rows)
}

/// Asserts that a file written by `--out` is complete, whatever its kind.
fn check_complete(dir: &Path, rel: &Path) {
    let path = dir.join(rel);
    match path.extension().and_then(|e| e.to_str()) {
        Some("png") => check_png(&path),
        Some("svg") => check_svg(&path),
        Some("csv") => {
            read_csv(&path);
        }
        Some("json") => {
            let v: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(v.get("warnings").is_some(), "{}: incomplete", path.display());
        }
        Some("html") => {
            let html = fs::read_to_string(&path).unwrap();
            assert!(
                html.trim_end().ends_with("</html>"),
                "{}: truncated",
                path.display()
            );
        }
        Some("md") => {
            let md = fs::read_to_string(&path).unwrap();
            assert!(md.starts_with("# factory5g report"), "{}", path.display());
            assert!(md.contains("## Plots"), "{}: truncated", path.display());
        }
        _ => panic!("unexpected file {} in --out", rel.display()),
    }
}

fn is_temporary(rel: &Path) -> bool {
    rel.file_name()
        .is_some_and(|n| n.to_string_lossy().contains(".factory5g-tmp-"))
}

#[test]
fn out_writes_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("new").join("out");
    let out_s = out_dir.to_str().unwrap();
    let out = factory5g(&["run", "sany18", "-R", "2", "--json", "--quiet", "--out", out_s]);
    ok(&out);
    let mut expected: Vec<PathBuf> = TABLES.iter().map(PathBuf::from).collect();
    for p in PLOTS {
        for ext in ["png", "svg"] {
            expected.push(Path::new("plots").join(format!("{p}.{ext}")));
        }
    }
    expected.sort();
    assert_eq!(files(&out_dir), expected);
    for rel in &expected {
        check_complete(&out_dir, rel);
    }
    // report.json is what --json printed.
    let json = fs::read(out_dir.join("report.json")).unwrap();
    assert_eq!(text(&json), text(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let stations = report["stations"].as_array().unwrap();
    let groups = report["robots"]["by_group"].as_array().unwrap();

    let (header, rows) = read_csv(&out_dir.join("stations.csv"));
    assert_eq!(
        header,
        [
            "name",
            "servers",
            "completed",
            "busy",
            "setup",
            "idle",
            "starved",
            "blocked",
            "failed",
            "network_wait",
            "stopped",
            "no_operator",
            "off_shift",
            "queue_wait_s_mean",
            "queue_wait_s_ci95_low",
            "queue_wait_s_ci95_high",
            "queue_len_mean"
        ]
    );
    assert_eq!(rows.len(), stations.len());
    for (row, st) in rows.iter().zip(stations) {
        assert_eq!(&row[0], st["name"].as_str().unwrap());
        let shares: f64 = (3..13).map(|i| row[i].parse::<f64>().unwrap()).sum();
        assert!((shares - 1.0).abs() < 1e-9, "{row:?}");
    }
    let (header, rows) = read_csv(&out_dir.join("robots.csv"));
    assert_eq!(&header[..4], ["name", "kind", "count", "busy"]);
    assert!(header.iter().any(|h| h == "charging") && header.iter().any(|h| h == "travel_loaded"));
    assert!(header.iter().any(|h| h == "charge_wait"));
    assert_eq!(rows.len(), groups.len());
    assert_eq!((&rows[0][0], &rows[0][1]), ("agv", "agv"));
    let (header, rows) = read_csv(&out_dir.join("flows.csv"));
    assert_eq!(
        header,
        [
            "name",
            "sent",
            "delivered",
            "lost",
            "deadline_misses",
            "survival_violations",
            "availability",
            "latency_p50_ms",
            "latency_p90_ms",
            "latency_p99_ms",
            "latency_p999_ms",
            "latency_p99999_ms",
            "latency_max_ms"
        ]
    );
    let flows = report["network"]["flows"].as_array().unwrap();
    assert_eq!(rows.len(), flows.len());
    for (row, f) in rows.iter().zip(flows) {
        assert_eq!(&row[0], f["name"].as_str().unwrap());
        assert_eq!(row[1].parse::<f64>().unwrap(), f["sent"].as_f64().unwrap());
    }

    // report.html: self-contained, every plot inline.
    let html = fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert_eq!(html.matches("<svg").count(), PLOTS.len());
    for p in PLOTS {
        assert!(html.contains(&format!("<figure id=\"{p}\">")), "{p} not inline");
    }
    for bad in [
        "http://", "https://", "<script", "<link", "src=", "@import", "url(",
    ] {
        assert!(!html.contains(bad), "report.html holds {bad}");
    }
    assert!(
        html.contains("<a href=\"replay.html\">"),
        "report.html does not link the replay"
    );
    let md = fs::read_to_string(out_dir.join("summary.md")).unwrap();
    for part in [
        "## Stations",
        "| frame_weld |",
        "## Warm-up check",
        "(plots/floor_plan.svg)",
    ] {
        assert!(md.contains(part), "summary.md lacks {part}");
    }
}

#[test]
fn out_without_layout_skips_the_floor_plan_and_reuses_the_dir() {
    let dir = tempfile::tempdir().unwrap();
    let out_s = dir.path().to_str().unwrap();
    ok(&factory5g(&[
        "run", "sany18", "-R", "2", "--quiet", "--out", out_s,
    ]));
    assert!(dir.path().join("plots/floor_plan.png").exists());
    let out = factory5g(&[
        "run",
        "mm3",
        "-R",
        "2",
        "--horizon",
        "2000h",
        "--warmup",
        "100h",
        "--quiet",
        "--out",
        out_s,
    ]);
    ok(&out);
    let all = files(dir.path());
    for gone in ["floor_plan", "utilization_robots", "latency_ccdf"] {
        assert!(
            !all.iter().any(|f| f.to_string_lossy().contains(gone)),
            "{gone} of the earlier run left in {all:?}"
        );
    }
    for rel in &all {
        check_complete(dir.path(), rel);
    }
    let md = fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(md.contains("no [layout]: no floor plan"), "{md}");
    assert!(
        md.contains("no robot flows") && md.contains("no latency CCDF"),
        "{md}"
    );
    assert!(md.contains("# factory5g report: M/M/3"));
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("no latency CCDF") && !html.contains("latency_ccdf"),
        "{html}"
    );
    // No network: no network section in the text summary.
    assert!(!text(&out.stdout).contains("network:"), "{}", text(&out.stdout));
    let (_, rows) = read_csv(&dir.path().join("stations.csv"));
    assert_eq!(rows.len(), 1);
}

#[test]
fn unwritable_out_dir_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a_file");
    fs::write(&file, "x").unwrap();
    for target in [file.clone(), file.join("sub")] {
        let out = factory5g(&[
            "run",
            "mm3",
            "-R",
            "1",
            "--horizon",
            "100h",
            "--warmup",
            "1h",
            "--out",
            target.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        let err = text(&out.stderr);
        assert!(err.starts_with("error: ") && err.contains("a_file"), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(out.stdout.is_empty(), "failed before the simulation");
    }
    let out = factory5g(&[
        "run",
        "mm3",
        "-R",
        "1",
        "--trace",
        dir.path().join("no/such/dir/t.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("does not exist"));
}

#[test]
fn trace_is_json_lines_bounded_by_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.jsonl");
    let p = path.to_str().unwrap();
    let out = factory5g(&[
        "run",
        "small_plant",
        "-R",
        "1",
        "--trace",
        p,
        "--trace-limit",
        "500",
    ]);
    ok(&out);
    let trace = fs::read_to_string(&path).unwrap();
    assert_eq!(trace.lines().count(), 500);
    let mut last = 0.0;
    for line in trace.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let obj = v.as_object().unwrap();
        let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["entity", "event", "state", "time", "time_ns"]);
        let t = obj["time"].as_f64().unwrap();
        let ns = obj["time_ns"].as_u64().unwrap();
        assert!(
            (t - ns as f64 * 1e-9).abs() <= 1e-9 * t.max(1.0),
            "{t} s vs {ns} ns"
        );
        assert!(t >= last, "time goes back in the trace");
        last = t;
    }
    let err = text(&out.stderr);
    assert!(
        err.contains("--trace-limit of 500 was reached") && err.contains("dropped"),
        "{err}"
    );
    // A limit that does not bite: no word of dropping, and the same start.
    let out = factory5g(&["run", "small_plant", "-R", "1", "--trace", p]);
    ok(&out);
    assert!(!text(&out.stderr).contains("dropped"));
    let full = fs::read_to_string(&path).unwrap();
    assert!(full.lines().count() > 500);
    assert!(full.starts_with(&trace));
    assert_eq!(files(dir.path()), vec![PathBuf::from("trace.jsonl")]);
}

/// Kills the binary at `after` (if it is still running); returns whether
/// it was killed.
fn run_and_kill(args: &[&str], after: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_factory5g"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    child.wait().unwrap();
    true
}

#[test]
fn killed_run_leaves_no_half_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_s = dir.path().to_str().unwrap();
    // A complete report of a short run with every kind of file.
    ok(&factory5g(&[
        "run", "sany18", "-R", "2", "--quiet", "--out", out_s,
    ]));
    let before = fs::read(dir.path().join("report.json")).unwrap();

    // Killed during a long simulation (hours of work): the directory is
    // left exactly as it was.
    let long = [
        "run",
        "sany18",
        "-R",
        "2",
        "--threads",
        "2",
        "--horizon",
        "500000h",
        "--quiet",
        "--out",
        out_s,
    ];
    assert!(run_and_kill(&long, Duration::from_millis(300)));
    let after = files(dir.path());
    assert!(!after.iter().any(|f| is_temporary(f)), "{after:?}");
    for rel in &after {
        check_complete(dir.path(), rel);
    }
    assert_eq!(fs::read(dir.path().join("report.json")).unwrap(), before);

    // Killed at points spread over the second half of a short run, where it
    // draws and writes: every file under its own name is complete; at most
    // the temporary of the file being written remains, and the next run
    // into the directory removes it.
    let short = ["run", "small_plant", "-R", "2", "--quiet", "--out", out_s];
    let start = Instant::now();
    ok(&factory5g(&short));
    let full_run = start.elapsed();
    for k in 0..10 {
        run_and_kill(&short, full_run * (40 + 7 * k) / 100);
        for rel in files(dir.path()) {
            if !is_temporary(&rel) {
                check_complete(dir.path(), &rel);
            }
        }
    }
    ok(&factory5g(&short));
    let last = files(dir.path());
    assert!(!last.iter().any(|f| is_temporary(f)), "{last:?}");
    for rel in &last {
        check_complete(dir.path(), rel);
    }
}

/// The warm-up warnings of a run's report.json (other warnings, such as
/// those on latency quantiles, are not this test's business).
fn warmup_warnings(out: &Output) -> Vec<String> {
    ok(out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .filter(|w| w.contains("warm-up"))
        .collect()
}

#[test]
fn mser_warns_about_a_plant_still_filling_up() {
    // The plant starts empty and a truck takes about 30 h: after 24 h of
    // no warm-up, the WIP is still rising (the scenario's 10 replications).
    let out = factory5g(&["run", "sany18", "--json", "--warmup", "0s", "--horizon", "24h"]);
    let w = warmup_warnings(&out);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("WIP series is still rising") && w[0].contains("--warmup"),
        "{}",
        w[0]
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: the warm-up (0.0 s) looks too short"),
        "{err}"
    );
    // As shipped (48 h of warm-up), no warning.
    let out = factory5g(&["run", "sany18", "--json"]);
    assert_eq!(warmup_warnings(&out), Vec::<String>::new());
    assert!(!text(&out.stderr).contains("warm-up"), "{}", text(&out.stderr));
}

#[test]
fn a_failed_run_writes_its_trace_and_no_report() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("head_on.toml");
    // The head-on plant of the deadlock test, under zone control.
    fs::write(&scenario, super::plant::HEAD_ON.replace("ZONES", "true")).unwrap();
    let trace = dir.path().join("trace.jsonl");
    let out_dir = dir.path().join("out");
    let out = factory5g(&[
        "run",
        scenario.to_str().unwrap(),
        "-R",
        "1",
        "--trace",
        trace.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("deadlock"));
    // The trace shows how the run got there: the AGVs waiting for segments.
    let lines = fs::read_to_string(&trace).unwrap();
    let events: Vec<serde_json::Value> = lines.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(events.iter().any(|v| v["state"] == "zone_wait"), "{lines}");
    assert!(files(&out_dir).is_empty(), "{:?}", files(&out_dir));
}

/// The texts of an SVG document.
fn svg_texts(path: &Path) -> Vec<String> {
    let svg = fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

/// The robot flows of sany18 (not its background load), with their
/// deadlines in ms.
fn robot_flows() -> Vec<(String, Option<f64>)> {
    use factory5g::model::FlowKind;
    let model = factory5g::scenario::load_builtin("sany18").unwrap().model;
    let flows: Vec<(String, Option<f64>)> = model
        .flows()
        .iter()
        .filter_map(|f| {
            let deadline = match *f.kind() {
                FlowKind::Periodic { deadline, .. } => Some(deadline),
                FlowKind::Triggered { deadline, .. } => deadline,
                FlowKind::Background { .. } => return None,
            };
            Some((f.name().to_string(), deadline.map(|d| d.as_nanos() as f64 * 1e-6)))
        })
        .collect();
    assert!(
        flows.len() >= 3 && flows.iter().any(|f| f.1.is_some()),
        "{flows:?}"
    );
    assert!(model.flows().len() > flows.len(), "sany18 has background load");
    flows
}

#[test]
fn sany18_draws_the_latency_ccdf_and_the_coverage_map_and_summarizes_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let out = factory5g(&[
        "run",
        "sany18",
        "-R",
        "2",
        "--quiet",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    ok(&out);
    let plots = dir.path().join("plots");
    for p in ["latency_ccdf", "floor_plan"] {
        check_png(&plots.join(format!("{p}.png")));
        check_svg(&plots.join(format!("{p}.svg")));
    }

    // The CCDF: a legend entry and a labelled deadline per robot flow, the
    // probability axis down to 10^-k, latency in ms.
    let texts = svg_texts(&plots.join("latency_ccdf.svg"));
    let has = |t: &str| texts.iter().any(|x| x == t);
    for (flow, deadline) in robot_flows() {
        assert!(has(&flow), "{flow} not in the legend: {texts:?}");
        let label = format!("{flow}: deadline {} ms", deadline.unwrap_or(0.0));
        assert_eq!(has(&label), deadline.is_some(), "{label}: {texts:?}");
    }
    assert!(!texts.iter().any(|t| t.contains("inspection_video")));
    assert!(
        has("P(latency > x)") && has("latency x (ms, log scale)"),
        "{texts:?}"
    );
    assert!(has("1") && has("0.1") && has("0.01") && has("10⁻³"), "{texts:?}");
    assert!(texts.iter().any(|t| t.starts_with("Latency CCDF: sany18")));

    // The floor plan: the gNBs, the SINR scale in dB, the out-of-coverage
    // swatch, and still the AGV load scale.
    let texts = svg_texts(&plots.join("floor_plan.svg"));
    let has = |t: &str| texts.iter().any(|x| x == t);
    for k in 1..=8 {
        assert!(has(&format!("gNB {k}")), "gNB {k}: {texts:?}");
    }
    assert!(
        has("gNB") && has("downlink SINR to the best gNB (dB)"),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("path loss weighted by the LOS probability, no shadow fading")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("; other cells interfering at their load")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("out of coverage (SINR < −6.7 dB")),
        "{texts:?}"
    );
    assert!(has("aisle load"), "{texts:?}");
    // The heat map: many cells, in several colours, under the aisles.
    let svg = fs::read_to_string(plots.join("floor_plan.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let fills: std::collections::BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter_map(|n| n.attribute("fill"))
        .collect();
    let rects = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
    assert!(rects > 1000 && fills.len() >= 8, "{rects} rects, {fills:?}");

    // Both inline in report.html, with their captions.
    let html = fs::read_to_string(dir.path().join("report.html")).unwrap();
    for p in ["latency_ccdf", "floor_plan"] {
        assert!(html.contains(&format!("<figure id=\"{p}\">")), "{p} not inline");
    }
    assert!(html.contains("SINR coverage map"));

    // The text summary's network section agrees with report.json.
    let summary = text(&out.stdout);
    let report: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let section = summary
        .split("\nnetwork: nr")
        .nth(1)
        .unwrap_or_else(|| panic!("no network section: {summary}"));
    assert!(summary.find("robots:").unwrap() < summary.find("network: nr").unwrap());
    let header: Vec<&str> = section.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["flow", "dir", "sent", "lost", "late", "stops", "avail", "mean", "ms", "p99", "ms"]
    );
    for f in report["network"]["flows"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let line = section
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in {section}"));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols.len(), 9, "{line}");
        let num = |i: usize| cols[i].parse::<f64>().unwrap();
        let close = |got: f64, want: &serde_json::Value, tol: f64| {
            assert!(
                (got - want.as_f64().unwrap()).abs() <= tol,
                "{line}: {got} vs {want}"
            );
        };
        assert_eq!(cols[1], f["direction"].as_str().unwrap().to_uppercase());
        close(num(2), &f["sent"], 0.05);
        close(num(3), &f["lost"], 0.05);
        close(num(4), &f["deadline_misses"], 0.05);
        close(num(5), &f["survival_violations"], 0.05);
        close(num(6), &f["availability"], 5e-7);
        close(num(7), &f["latency_ms"]["mean"], 0.005);
        // A p99 the samples cannot support is not reported.
        if f["latency_ms"]["p99"].is_null() {
            assert_eq!(cols[8], "-", "{line}");
        } else {
            close(num(8), &f["latency_ms"]["p99"], 0.005);
        }
    }
    assert!(
        section.contains("background inspection_video: 10 × 20 Mbit/s UL"),
        "{section}"
    );
}

#[test]
fn compare_reports_each_flows_p99_and_stops() {
    let out = factory5g(&["compare", "sany18", "sany18", "-R", "2", "--json", "--quiet"]);
    ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kpis = v["kpis"].as_array().unwrap();
    let names: Vec<&str> = kpis.iter().map(|k| k["name"].as_str().unwrap()).collect();
    let flow_kpis: Vec<&str> = names.iter().copied().filter(|n| n.starts_with("flow.")).collect();
    let mut want = Vec::new();
    for (flow, _) in robot_flows() {
        want.push(format!("flow.{flow}.p99_ms"));
        want.push(format!("flow.{flow}.stops"));
        want.push(format!("flow.{flow}.stops_at_warmup"));
        want.push(format!("flow.{flow}.availability"));
    }
    assert_eq!(flow_kpis, want, "{names:?}");
    // Last, after the plant, the stations and the fleet.
    assert_eq!(names[names.len() - want.len()..], want);
    for k in kpis
        .iter()
        .filter(|k| k["name"].as_str().unwrap().starts_with("flow."))
    {
        assert_eq!(k["diff"].as_f64(), Some(0.0), "{k}");
        assert_eq!(k["a"], k["b"], "{k}");
        assert_eq!(k["ci95"], serde_json::json!([0.0, 0.0]), "{k}");
        assert_eq!(k["significant"], false, "{k}");
        let a = k["a"].as_f64().unwrap();
        if k["name"].as_str().unwrap().ends_with("p99_ms") {
            // Milliseconds of a 5G link, not nanoseconds or seconds.
            assert!(a > 0.5 && a < 100.0, "{k}");
        } else if k["name"].as_str().unwrap().ends_with("availability") {
            assert!((0.0..=1.0).contains(&a), "{k}");
        } else {
            // Protective stops per replication (a mean of counts).
            assert!(a >= 0.0, "{k}");
        }
    }
}
