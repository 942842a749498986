//! The replay's inputs: queue records in the trace, a trace keeping its
//! last records, the state a cut replay starts from, and `replay.html`
//! through the binary. (The page itself is tested in a browser:
//! tests/browser/.)

use factory5g::factory::{simulate_traced, Trace, TraceRecord};
use factory5g::model::Model;
use factory5g::report::replay::Recorder;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn sany18() -> Model {
    factory5g::scenario::load_builtin("sany18")
        .expect("sany18 is valid")
        .model
}

fn full_trace(model: &Model) -> Trace {
    let mut trace = Trace::new(usize::MAX);
    simulate_traced(model, model.seed(), 0, &mut trace).expect("runs");
    trace
}

/// The time average of each station's queue from its `queue` records over
/// the observed period, and the lengths at the horizon.
fn queues_from_trace(model: &Model, trace: &Trace) -> (Vec<f64>, Vec<u64>) {
    let warmup = model.warmup().as_nanos();
    let horizon = model.horizon().as_nanos();
    let names: HashMap<String, usize> = model
        .stations()
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("station:{}", s.name()), i))
        .collect();
    // (length, since) per station; area in length-nanoseconds.
    let mut now = vec![(0u64, 0u64); names.len()];
    let mut area = vec![0u128; names.len()];
    let observed = |from: u64, to: u64| to.max(warmup) - from.max(warmup).min(to.max(warmup));
    for r in trace.records.iter().filter(|r| r.event == "queue") {
        let s = names[&r.entity];
        let len: u64 = r.state.parse().expect("a length");
        let (was, since) = now[s];
        area[s] += u128::from(was) * u128::from(observed(since, r.time_ns));
        now[s] = (len, r.time_ns);
    }
    let mut means = Vec::new();
    for (s, &(was, since)) in now.iter().enumerate() {
        area[s] += u128::from(was) * u128::from(observed(since, horizon));
        means.push(area[s] as f64 / (horizon - warmup) as f64);
    }
    (means, now.iter().map(|q| q.0).collect())
}

/// The queue records say what the stations' queues did: their time
/// averages are the reported `queue_len` means, and their last lengths add
/// up to the jobs the census finds queued.
#[test]
fn queue_records_follow_the_stations_queues() {
    let model = sany18();
    let mut trace = Trace::new(usize::MAX);
    let out = simulate_traced(&model, model.seed(), 0, &mut trace).expect("runs");
    let (means, last) = queues_from_trace(&model, &trace);
    let queued: u64 = out.products.iter().map(|p| p.census.queued).sum();
    assert_eq!(last.iter().sum::<u64>(), queued, "queues at the horizon");
    let mut seen = 0;
    for (st, mean) in out.stations.iter().zip(&means) {
        assert!(
            (st.queue_len_mean - mean).abs() <= 1e-9 * mean.max(1.0),
            "reported {}, from the trace {mean}",
            st.queue_len_mean
        );
        seen += usize::from(*mean > 0.0);
    }
    assert!(
        seen >= 2,
        "only {seen} stations ever had a queue: the test means little"
    );
}

/// A trace keeping the last N records keeps exactly the last N of the full
/// trace, and hands every other record, once, to its front.
#[test]
fn a_trace_keeping_the_last_records_keeps_the_tail_of_the_full_trace() {
    let model = sany18();
    let full = full_trace(&model);
    for limit in [0, 1, 777, 20_000] {
        let front: Arc<Mutex<Vec<TraceRecord>>> = Arc::default();
        let sink = Arc::clone(&front);
        let mut trace = Trace::keeping_last(limit, move |r| sink.lock().unwrap().push(r));
        simulate_traced(&model, model.seed(), 0, &mut trace).expect("runs");
        trace.settle();
        let cut = full.records.len() - limit;
        assert_eq!(trace.records, full.records[cut..], "limit {limit}");
        assert_eq!(trace.dropped, cut as u64);
        let mut front = front.lock().unwrap().clone();
        let mut expected = full.records[..cut].to_vec();
        let key = |r: &TraceRecord| (r.time_ns, r.entity.clone(), r.event, r.state.clone());
        front.sort_by_key(key);
        expected.sort_by_key(key);
        assert!(front == expected, "limit {limit}: the front did not get the rest");
    }
}

/// The last record of each entity (and purpose) among `records`, by
/// position.
fn last_of<'a>(records: &'a [TraceRecord], events: &[&str]) -> HashMap<&'a str, &'a TraceRecord> {
    let mut last = HashMap::new();
    for r in records.iter().filter(|r| events.contains(&r.event)) {
        last.insert(r.entity.as_str(), r);
    }
    last
}

fn rows(v: &Value, width: usize) -> Vec<Vec<f64>> {
    v.as_array()
        .expect("an array")
        .chunks(width)
        .map(|c| c.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .collect()
}

/// A replay cut by its limit starts from the state the full trace gives at
/// the cut: every server's and AGV's state, every queue, every AGV's last
/// movement, and the completed, WIP and stops counted from the records cut.
#[test]
fn a_cut_replay_starts_from_the_state_of_the_full_trace_at_the_cut() {
    let model = sany18();
    let full = full_trace(&model);
    let limit = 5_000;
    let mut recorder = Recorder::new(&model, limit);
    simulate_traced(&model, model.seed(), 0, recorder.trace()).expect("runs");
    let replay = recorder.finish(&model, model.seed());
    let doc: Value = serde_json::from_str(replay.data()).expect("JSON");
    let meta = &doc["meta"];
    let cut = full.records.len() - limit;
    let (before, kept) = full.records.split_at(cut);
    assert_eq!(meta["dropped"].as_u64(), Some(cut as u64));
    assert_eq!(meta["kept"].as_u64(), Some(limit as u64));
    assert!((meta["start_s"].as_f64().unwrap() - kept[0].time).abs() < 1e-9);
    assert!(
        meta["start_s"].as_f64().unwrap() > model.warmup().as_secs_f64(),
        "the cut is in the warm-up"
    );

    // Counts, straight from the records before the cut.
    let end: Vec<&str> = model
        .products()
        .iter()
        .filter(|p| p.release().interarrival().is_some())
        .map(|p| p.name())
        .collect();
    let count = |event: &str| {
        before
            .iter()
            .filter(|r| r.event == event && end.contains(&r.state.as_str()))
            .count() as u64
    };
    let stops = before
        .iter()
        .filter(|r| r.event == "state" && r.state == "stopped")
        .count() as u64;
    assert_eq!(meta["completed_before"].as_u64(), Some(count("leave")));
    assert_eq!(
        meta["wip_before"].as_u64(),
        Some(count("release") - count("leave"))
    );
    assert_eq!(meta["stops_before"].as_u64(), Some(stops));
    assert!(
        count("leave") > 0,
        "nothing completed before the cut: the test means little"
    );

    // States: the document numbers servers over all stations in order and
    // states by its table.
    let states: Vec<&str> = meta["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let mut servers = Vec::new();
    for st in model.stations() {
        for k in 0..st.servers() {
            servers.push(format!("station:{}/{k}", st.name()));
        }
    }
    let start = &doc["start"];
    let last = last_of(before, &["state"]);
    let mut got: HashMap<String, &str> = HashMap::new();
    for row in rows(&start["servers"], 3) {
        got.insert(servers[row[1] as usize].clone(), states[row[2] as usize]);
    }
    for row in rows(&start["agv_states"], 3) {
        got.insert(format!("agv{}", row[1] as usize + 1), states[row[2] as usize]);
    }
    let want: HashMap<String, &str> = last
        .iter()
        .map(|(entity, r)| (entity.to_string(), r.state.as_str()))
        .collect();
    assert_eq!(got, want, "states at the cut");

    let queues: HashMap<String, u64> = rows(&start["queues"], 3)
        .into_iter()
        .map(|row| {
            (
                format!("station:{}", model.stations()[row[1] as usize].name()),
                row[2] as u64,
            )
        })
        .collect();
    let want: HashMap<String, u64> = last_of(before, &["queue"])
        .iter()
        .map(|(e, r)| (e.to_string(), r.state.parse().unwrap()))
        .collect();
    assert_eq!(queues, want, "queues at the cut");

    // Places: the last movement (or pause) of each AGV, by time.
    let mut places: HashMap<String, (f64, [f64; 2])> = HashMap::new();
    for row in rows(&start["moves"], 7) {
        places.insert(format!("agv{}", row[1] as usize + 1), (row[0], [row[4], row[5]]));
    }
    for row in rows(&start["pauses"], 4) {
        places.insert(format!("agv{}", row[1] as usize + 1), (row[0], [row[2], row[3]]));
    }
    let want = last_of(before, &["move", "pause"]);
    assert_eq!(places.len(), want.len());
    assert!(want.len() >= 10, "{} AGVs moved before the cut", want.len());
    for (agv, r) in want {
        let (t, xy) = places[agv];
        let target = r.to_xy.or(r.at_xy).unwrap();
        assert!(
            (t - r.time).abs() < 1e-3 && (xy[0] - target[0]).abs() < 0.01 && (xy[1] - target[1]).abs() < 0.01,
            "{agv}: {t} {xy:?}, the trace {} {target:?}",
            r.time
        );
    }
}

/// When the limit does not bite, the page holds every record it can draw
/// and starts at the start of the run.
#[test]
fn an_uncut_replay_holds_the_whole_run() {
    let model = sany18();
    let full = full_trace(&model);
    let mut recorder = Recorder::new(&model, full.records.len());
    simulate_traced(&model, model.seed(), 0, recorder.trace()).expect("runs");
    let replay = recorder.finish(&model, model.seed());
    let doc: Value = serde_json::from_str(replay.data()).expect("JSON");
    let meta = &doc["meta"];
    assert_eq!(meta["dropped"].as_u64(), Some(0));
    assert_eq!(meta["start_s"].as_f64(), Some(0.0));
    assert_eq!(meta["end_s"].as_f64(), Some(model.horizon().as_secs_f64()));
    assert_eq!(meta["ignored"].as_u64(), Some(0));
    assert_eq!(replay.rows, full.records.len());
    let widths = [
        ("servers", 3),
        ("queues", 3),
        ("agv_states", 3),
        ("moves", 7),
        ("pauses", 4),
        ("jobs", 3),
        ("radio", 6),
    ];
    let mut total = 0;
    for (part, width) in widths {
        let values = doc["records"][part].as_array().unwrap().len();
        assert_eq!(values % width, 0, "{part}");
        total += values / width;
        assert!(
            doc["start"][part].as_array().unwrap().is_empty(),
            "a start state, but nothing was cut"
        );
    }
    assert_eq!(total, full.records.len());
    let moves = full.records.iter().filter(|r| r.event == "move").count();
    assert_eq!(doc["records"]["moves"].as_array().unwrap().len(), 7 * moves);
    assert!(replay.dropped_note().is_none());
    // Nothing in the page fetches anything.
    let page = replay.page();
    assert!(page.starts_with("<!DOCTYPE html>") && page.trim_end().ends_with("</html>"));
    for external in ["http://", "https://", " src=", "<link", "url("] {
        assert!(!page.contains(external), "the page holds {external}");
    }
}

/// The page's data, read back from `replay.html`.
fn page_data(html: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"replay-data\">";
    let start = html.find(open).expect("the data element") + open.len();
    let end = start + html[start..].find("</script>").expect("its end");
    serde_json::from_str(&html[start..end]).expect("JSON")
}

/// `run --out` writes the page, and `--replay-limit` bounds it and says so.
#[test]
fn run_out_writes_the_replay_bounded_by_its_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "small_plant", "-R", "1", "--quiet", "--out", out_dir];
        args.extend_from_slice(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_factory5g"))
            .args(&args)
            .output()
            .expect("the binary runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let html = std::fs::read_to_string(dir.path().join("replay.html")).unwrap();
        (
            String::from_utf8_lossy(&out.stderr).into_owned(),
            page_data(&html),
        )
    };
    let (err, whole) = run(&[]);
    assert!(!err.contains("replay"), "{err}");
    let records = whole["meta"]["kept"].as_u64().unwrap();
    assert!(records > 300, "{records} records");
    assert_eq!(whole["meta"]["dropped"].as_u64(), Some(0));
    let (err, cut) = run(&["--replay-limit", "300"]);
    assert!(
        err.contains("the --replay-limit of 300 records was reached")
            && err.contains(&format!("{}", records - 300)),
        "{err}"
    );
    assert_eq!(cut["meta"]["kept"].as_u64(), Some(300));
    assert_eq!(cut["meta"]["dropped"].as_u64(), Some(records - 300));
    assert!(cut["meta"]["start_s"].as_f64().unwrap() > 0.0);
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        report.contains("dropped by the --replay-limit"),
        "the link does not say it"
    );
}
