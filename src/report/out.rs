//! Writing files: the `--out` directory and the `--trace` file.
//!
//! **Every file is written atomically**: its bytes go to a hidden temporary
//! file in the same directory, `.NAME.factory5g-tmp-PID`, which is flushed to
//! disk (`fsync`) and renamed over `NAME`; the directory is synced after the
//! renames. A reader sees the old file or the new one, never part of one.
//!
//! **The order of `--out`**: the report, tables and plots are all computed
//! and rendered in memory first; only then are files written, one at a time:
//! `plots/*.svg` and `plots/*.png`, the CSVs, `summary.md`, `replay.html`,
//! `report.html`, and `report.json` last. So a run interrupted during the
//! simulation or the drawing leaves the directory as it was, and a new
//! `report.json` means that every other file is new too. The only trace an interruption can leave is
//! the temporary of the one file being written at that instant (its write
//! and fsync take milliseconds): a hidden file that the next run into the
//! directory removes, once the process that made it is gone.
//!
//! An existing directory is reused: files are replaced, and plots of an
//! earlier run that this run does not draw (a floor plan, when the scenario
//! now has no layout) are removed, so that `plots/` matches `report.html`.

use super::figures::{figures, PLOT_NAMES};
use super::replay::Replay;
use super::{tables, text_summary, Report};
use crate::experiment::Replications;
use crate::factory::Trace;
use crate::model::Model;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Marks the temporary files of an atomic write (followed by the process id).
pub const TMP_MARK: &str = ".factory5g-tmp-";

fn temporary_for(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    Ok(parent_of(path).join(format!(
        ".{}{TMP_MARK}{}",
        name.to_string_lossy(),
        std::process::id()
    )))
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `path` atomically with what `fill` writes: to a temporary in the
/// same directory, synced, then renamed over `path`. On failure the
/// temporary is removed and `path` is untouched.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let tmp = temporary_for(path)?;
    let result = (|| {
        let file = File::create(&tmp)?;
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Writes `bytes` to `path` atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Makes the renames in `dir` durable (where directories can be synced).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Whether the process `pid` may still be running (it may be writing).
fn may_be_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_dir = Path::new("/proc");
    if cfg!(target_os = "linux") && proc_dir.join("self").exists() {
        proc_dir.join(pid.to_string()).exists()
    } else {
        // Without a process table to ask, a temporary is assumed abandoned.
        false
    }
}

/// Removes the temporaries that interrupted runs left in `dir`.
pub fn remove_stale_temporaries(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with('.') {
            continue;
        }
        let Some((_, pid)) = name.rsplit_once(TMP_MARK) else {
            continue;
        };
        if let Ok(pid) = pid.parse::<u32>() {
            if !may_be_running(pid) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Creates `dir` and `dir/plots` if missing, checks that files can be
/// written there, and removes stale temporaries. Called before the
/// simulation, so a bad `--out` fails at once.
pub fn prepare_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() && !dir.is_dir() {
        return Err(format!("--out {}: exists and is not a directory", dir.display()));
    }
    let plots = dir.join("plots");
    fs::create_dir_all(&plots)
        .map_err(|e| format!("cannot create the output directory {}: {e}", plots.display()))?;
    for d in [dir, plots.as_path()] {
        let probe = temporary_for(&d.join("probe")).map_err(|e| format!("{}: {e}", d.display()))?;
        File::create(&probe)
            .map_err(|e| format!("cannot write in the output directory {}: {e}", d.display()))?;
        let _ = fs::remove_file(&probe);
        remove_stale_temporaries(d);
    }
    Ok(())
}

/// Checks, before the simulation, that the trace file's directory exists.
pub fn check_trace_path(path: &Path) -> Result<(), String> {
    let dir = parent_of(path);
    if !dir.is_dir() {
        return Err(format!(
            "--trace {}: the directory {} does not exist",
            path.display(),
            dir.display()
        ));
    }
    if path.is_dir() {
        return Err(format!("--trace {}: is a directory", path.display()));
    }
    Ok(())
}

/// Writes the report files of a run into `dir` (see the module doc for the
/// order), with the replay page when there is one; returns the files
/// written, relative to `dir`, and notes on the plots not drawn.
pub fn write_out(
    dir: &Path,
    model: &Model,
    runs: &Replications,
    report: &Report,
    replay: Option<&Replay>,
) -> Result<(Vec<String>, Vec<String>), String> {
    prepare_dir(dir)?;
    // Everything in memory first.
    let figs = figures(model, runs, report).map_err(|e| e.to_string())?;
    let summary = text_summary(report);
    let json =
        serde_json::to_string_pretty(report).map_err(|e| format!("cannot format report.json: {e}"))? + "\n";
    let mut plots: Vec<(String, &[u8])> = Vec::new();
    for f in &figs.figures {
        plots.push((format!("plots/{}.svg", f.name), f.svg.as_bytes()));
        plots.push((format!("plots/{}.png", f.name), &f.png));
    }
    let replay_link = replay.map(Replay::link_text);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("stations.csv".into(), tables::stations_csv(report)?),
        ("robots.csv".into(), tables::robots_csv(report)?),
        ("flows.csv".into(), tables::flows_csv(report)?),
        (
            "summary.md".into(),
            tables::summary_md(report, &summary, &figs.figures, &figs.notes).into_bytes(),
        ),
        (
            "report.html".into(),
            tables::report_html(
                report,
                &summary,
                &figs.figures,
                &figs.notes,
                replay_link.as_deref(),
            )
            .into_bytes(),
        ),
        ("report.json".into(), json.into_bytes()),
    ];
    if let Some(replay) = replay {
        files.insert(files.len() - 2, (REPLAY.into(), replay.page().into_bytes()));
    }
    // Then to disk, one file at a time: plots, tables, report.json last.
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        write_atomic(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    for (name, bytes) in &plots {
        write(name, bytes)?;
    }
    remove_undrawn_plots(dir, &figs.figures)?;
    if replay.is_none() {
        remove_if_present(&dir.join(REPLAY))?;
    }
    sync_dir(&dir.join("plots"));
    for (name, bytes) in &files {
        write(name, bytes)?;
    }
    sync_dir(dir);
    let names = plots
        .into_iter()
        .map(|(n, _)| n)
        .chain(files.into_iter().map(|(n, _)| n))
        .collect();
    Ok((names, figs.notes))
}

/// The replay page's file name.
pub const REPLAY: &str = "replay.html";

/// Removes a file of an earlier run that this run does not write.
fn remove_if_present(path: &Path) -> Result<(), String> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove the stale file {}: {e}", path.display())),
    }
}

/// Writes the floor plan alone (`layout.svg`, `layout.png`) into `dir`,
/// created if missing; returns the paths written, or `None` when the
/// model has no layout.
pub fn write_layout(dir: &Path, model: &Model) -> Result<Option<Vec<PathBuf>>, String> {
    let Some(plan) = super::figures::layout_plan(model) else {
        return Ok(None);
    };
    let figure = crate::plot::render(
        "layout",
        "The layout: aisles (arrows on one-way aisles), points and stations.",
        &plan,
    )
    .map_err(|e| e.to_string())?;
    if dir.exists() && !dir.is_dir() {
        return Err(format!("--out {}: exists and is not a directory", dir.display()));
    }
    fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the output directory {}: {e}", dir.display()))?;
    remove_stale_temporaries(dir);
    let mut written = Vec::new();
    for (ext, bytes) in [("svg", figure.svg.as_bytes()), ("png", figure.png.as_slice())] {
        let path = dir.join(format!("layout.{ext}"));
        write_atomic(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    sync_dir(dir);
    Ok(Some(written))
}

/// Removes `plots/NAME.{svg,png}` of the plots this run did not draw.
fn remove_undrawn_plots(dir: &Path, drawn: &[crate::plot::Figure]) -> Result<(), String> {
    for name in PLOT_NAMES {
        if drawn.iter().any(|f| f.name == name) {
            continue;
        }
        for ext in ["svg", "png"] {
            remove_if_present(&dir.join("plots").join(format!("{name}.{ext}")))?;
        }
    }
    Ok(())
}

/// Writes `trace` as JSON lines (`time`, `entity`, `event`, `state`), atomically.
pub fn write_trace(path: &Path, trace: &Trace) -> Result<(), String> {
    write_atomic_with(path, |w| {
        for record in &trace.records {
            serde_json::to_writer(&mut *w, record).map_err(io::Error::other)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
    .map_err(|e| format!("cannot write the trace {}: {e}", path.display()))?;
    sync_dir(parent_of(path));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }

    #[test]
    fn failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"old").unwrap();
        let err = write_atomic_with(&path, |w| {
            w.write_all(b"half")?;
            Err(io::Error::other("interrupted"))
        });
        assert!(err.is_err());
        assert_eq!(fs::read(&path).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        // A pid above Linux's maximum (2^22) is never running.
        let stale = dir.path().join(format!(".report.json{TMP_MARK}4999999"));
        let ours = dir
            .path()
            .join(format!(".report.json{TMP_MARK}{}", std::process::id()));
        let other = dir.path().join(".hidden");
        for p in [&stale, &ours, &other] {
            fs::write(p, b"x").unwrap();
        }
        remove_stale_temporaries(dir.path());
        assert!(!stale.exists());
        assert!(ours.exists() && other.exists());
    }
}
