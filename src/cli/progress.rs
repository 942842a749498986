//! The progress bar on stderr: the command line's [`Progress`], told by the
//! library of each finished replication or sweep run.

use crate::experiment::{Counted, Progress};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;

/// One bar at a time; a new task replaces it.
#[derive(Default)]
pub struct Bar {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bar {
    fn with_bar(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        // A worker that panicked while holding the lock leaves the bar as it
        // was: drawing goes on.
        let mut guard = self.bar.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard);
    }
}

impl Progress for Bar {
    fn begin(&self, label: &str, total: u64, counted: Counted) {
        let template = match counted {
            Counted::Replications => "{msg} [{bar:30}] {pos}/{len} replications ({elapsed})",
            Counted::Runs => "{msg} [{bar:30}] {pos}/{len} runs ({elapsed}, {eta} left)",
        };
        let bar = ProgressBar::new(total);
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(label.to_string());
        self.with_bar(|slot| {
            if let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
        });
    }

    fn advance(&self) {
        self.with_bar(|slot| {
            if let Some(bar) = slot {
                bar.inc(1);
            }
        });
    }

    fn end(&self) {
        self.with_bar(|slot| {
            if let Some(bar) = slot.take() {
                bar.finish_and_clear();
            }
        });
    }
}
