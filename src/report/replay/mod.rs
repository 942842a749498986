//! The replay page, `replay.html`: replication 0 played on the floor plan
//! in a browser, the way AnyLogic, FlexSim or salabim animate a model, with
//! the radio on the same floor.
//!
//! The page is one self-contained file: the data ([`data`]) as one JSON
//! document in a `<script type="application/json">` element, and the
//! player (`assets/replay/replay-model.js` and `replay-view.js`, plain
//! JavaScript drawing on a canvas) and its style inline, all embedded in
//! the binary. Nothing is fetched:
//! no network, no other file.
//!
//! What it shows: AGVs moving along the aisles, placed by linear
//! interpolation along the trace's `move` records (from `from_xy` at `time`
//! to `to_xy` at `until`; at `at_xy` after a `pause`); each station's
//! servers coloured by state with the input queue's length; under `nr` the
//! SINR map of the floor plan as the background, the gNBs, and the cell
//! borders (where the best gNB of the map's grid changes); marks where and
//! when a robot enters `stopped` (a protective stop) or `network_wait`,
//! and where a `handover` or `rlf` record says one happened; and the KPIs
//! at the current time: end products completed and in the plant (WIP), AGVs
//! not idle, and protective stops since the run began.
//!
//! **The limit.** The page holds at most `limit` records of the trace
//! (`--replay-limit`): the last ones. A run with more loses its beginning
//! (the warm-up first, since it comes first), and the records let go are
//! folded into the state the replay starts from ([`start`]: each server's,
//! queue's and AGV's state and place, the counts so far), so the first
//! moment shown is complete. The page says so in a banner.
//!
//! ```
//! use factory5g::report::replay::Recorder;
//! let model = factory5g::scenario::load_builtin("small_plant").unwrap().model;
//! let mut recorder = Recorder::new(&model, 1_000);
//! factory5g::factory::simulate_traced(&model, 1, 0, recorder.trace()).unwrap();
//! let replay = recorder.finish(&model, 1);
//! assert!(replay.span.kept <= 1_000);
//! assert!(replay.page().contains("<canvas"));
//! ```

mod data;
mod start;

pub use data::Span;

use crate::factory::Trace;
use crate::model::Model;
use start::StartState;
use std::sync::{Arc, Mutex, PoisonError};

/// The default `--replay-limit`: records of the trace the page holds.
/// A run of `sany18` as built in (48 h of warm-up and an 8 h shift) makes
/// 58,108 (a page of 1.4 MB), so the whole run fits with room to spare;
/// a page at the limit is about 3.6 MB (measured on a 400 h run) and opens
/// in about half a second.
pub const DEFAULT_LIMIT: usize = 150_000;

/// The page, with `{{TITLE}}`, `{{DATA}}` and `{{SCRIPT}}` to fill.
static TEMPLATE: &str = include_str!("../../../assets/replay/replay.html");
/// The player: its model (the data decoded into timelines), then its view
/// (drawing and controls), in one function scope.
static SCRIPT: &str = concat!(
    include_str!("../../../assets/replay/replay-model.js"),
    "\n",
    include_str!("../../../assets/replay/replay-view.js")
);

/// Records a replication for the replay: a trace keeping its last records,
/// and the state folded from the ones it let go.
pub struct Recorder {
    trace: Trace,
    start: Arc<Mutex<StartState>>,
}

impl Recorder {
    /// A recorder keeping the last `limit` records.
    pub fn new(model: &Model, limit: usize) -> Recorder {
        let end_products = model
            .products
            .iter()
            .enumerate()
            .filter(|&(p, _)| !model.is_pull(p))
            .map(|(_, product)| product.name.clone());
        let start = Arc::new(Mutex::new(StartState::new(end_products)));
        let sink = Arc::clone(&start);
        let trace = Trace::keeping_last(limit, move |record| {
            sink.lock().unwrap_or_else(PoisonError::into_inner).add(record)
        });
        Recorder { trace, start }
    }

    /// The trace to simulate with.
    pub fn trace(&mut self) -> &mut Trace {
        &mut self.trace
    }

    /// The replay of what was recorded, a run of `model` with `seed`.
    pub fn finish(mut self, model: &Model, seed: u64) -> Replay {
        self.trace.settle();
        let start = std::mem::take(&mut *self.start.lock().unwrap_or_else(PoisonError::into_inner));
        let records = &self.trace.records;
        let last_s = records.last().map_or(0.0, |r| r.time);
        let end_s = model.horizon.as_secs_f64().max(last_s);
        let span = Span {
            limit: self.trace.limit,
            kept: records.len(),
            dropped: self.trace.dropped,
            start_s: match (self.trace.dropped, records.first()) {
                (0, _) => 0.0,
                (_, Some(first)) => first.time,
                (_, None) => end_s,
            },
            end_s,
        };
        let mut builder = data::Builder::new(model);
        builder.add_start_state(&start);
        for record in records {
            builder.add(record);
        }
        let rows = builder.rows();
        Replay {
            title: format!("factory5g replay: {}", model.name),
            json: builder.json(seed, &span, &start),
            span,
            rows,
        }
    }
}

/// A recorded replay, ready to be written as a page.
#[derive(Clone, Debug)]
pub struct Replay {
    title: String,
    /// The data document ([`data`]).
    json: String,
    pub span: Span,
    /// Records the page draws (the others are of kinds it does not know).
    pub rows: usize,
}

impl Replay {
    /// The page: one HTML document with its data, style and script inline.
    pub fn page(&self) -> String {
        let title = self
            .title
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let mut page = String::with_capacity(TEMPLATE.len() + SCRIPT.len() + self.json.len());
        let mut rest = TEMPLATE;
        for (mark, fill) in [
            ("{{TITLE}}", title.as_str()),
            ("{{DATA}}", self.json.as_str()),
            ("{{SCRIPT}}", SCRIPT),
        ] {
            if let Some((before, after)) = rest.split_once(mark) {
                page.push_str(before);
                page.push_str(fill);
                rest = after;
            }
        }
        page.push_str(rest);
        page
    }

    /// The data document the page embeds (JSON; see [`data`] for its parts).
    pub fn data(&self) -> &str {
        &self.json
    }

    /// What the page shows, for the link to it.
    pub fn link_text(&self) -> String {
        let span = &self.span;
        let dropped = if span.dropped > 0 {
            format!(
                " (the last {} records; the {} before are dropped by the --replay-limit)",
                crate::text::thousands(span.kept as u64),
                crate::text::thousands(span.dropped)
            )
        } else {
            String::new()
        };
        format!(
            "the plant in the browser, AGVs, stations and their queues, the radio map and every protective stop, \
             from {:.1} h to {:.1} h{dropped}; add #t=SECONDS to its address to open it at a moment.",
            span.start_s / 3600.0,
            span.end_s / 3600.0
        )
    }

    /// One sentence on what the limit dropped, when it dropped anything.
    pub fn dropped_note(&self) -> Option<String> {
        let span = &self.span;
        (span.dropped > 0).then(|| {
            format!(
                "replay: the --replay-limit of {} records was reached; the page starts at {:.2} h, the {} records \
                 before are summed up in the state it starts from",
                crate::text::thousands(span.limit as u64),
                span.start_s / 3600.0,
                crate::text::thousands(span.dropped)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_and_style_cannot_end_their_elements_early() {
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        for mark in ["{{TITLE}}", "{{DATA}}", "{{SCRIPT}}"] {
            assert_eq!(TEMPLATE.matches(mark).count(), 1, "{mark}");
        }
        for external in ["http://", "https://", "src=", "@import", "url(", "<link"] {
            assert!(!TEMPLATE.contains(external), "the page template holds {external}");
            assert!(!SCRIPT.contains(external), "the script holds {external}");
        }
    }
}
