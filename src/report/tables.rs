//! The report as tables: CSV files, and the Markdown and HTML of summary.md
//! and report.html.
//!
//! CSV columns (fractions are of time, 0 to 1; empty cells are values that
//! do not exist, such as a confidence interval with one replication):
//!
//! - `stations.csv`: `name, servers, completed`, the ten station states,
//!   `queue_wait_s_mean, queue_wait_s_ci95_low, queue_wait_s_ci95_high,
//!   queue_len_mean`; one row per station, in scenario order.
//! - `robots.csv`: `name, kind, count`, then the station states and the
//!   AGV-only states (`travel_empty, travel_loaded, handling, zone_wait,
//!   charging, charge_wait`); one row per robot group. `idle`, `network_wait`,
//!   `stopped` and `off_shift` are shared; a state a group cannot be in is
//!   empty.
//! - `flows.csv`: `name, sent, delivered, lost, deadline_misses,
//!   survival_violations, availability, latency_p50_ms, latency_p90_ms,
//!   latency_p99_ms, latency_p999_ms, latency_p99999_ms, latency_max_ms`;
//!   one row per flow of the `network` block (counts are means per
//!   replication; latencies pool all replications and are empty when no
//!   message was delivered); header only when there are no flows.

use super::text::hours;
use super::warmup::{fmt_duration, WarmupCheck, BATCH};
use super::Report;
use crate::factory::{AgvState, StationState};
use crate::net::Direction;
use crate::plot::Figure;
use std::fmt::Write;

/// A table with a header, rendered as Markdown or HTML.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    pub right: Vec<bool>,
}

impl Table {
    fn new(header: &[&str], right: &[bool]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            right: right.to_vec(),
        }
    }

    pub fn markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|").replace(['\n', '\r'], " ");
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| {} |",
            self.header
                .iter()
                .map(|h| cell(h))
                .collect::<Vec<_>>()
                .join(" | ")
        );
        let rule: Vec<&str> = (0..self.header.len())
            .map(|i| {
                if self.right.get(i).copied().unwrap_or(false) {
                    "---:"
                } else {
                    "---"
                }
            })
            .collect();
        let _ = writeln!(out, "|{}|", rule.join("|"));
        for row in &self.rows {
            let _ = writeln!(
                out,
                "| {} |",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
            );
        }
        out
    }

    pub fn html(&self) -> String {
        let class = |i: usize| {
            if self.right.get(i).copied().unwrap_or(false) {
                " class=\"num\""
            } else {
                ""
            }
        };
        let mut out = String::from("<table>\n<thead><tr>");
        for (i, h) in self.header.iter().enumerate() {
            let _ = write!(out, "<th{}>{}</th>", class(i), esc(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                let _ = write!(out, "<td{}>{}</td>", class(i), esc(c));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

/// Text as HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn pct(f: f64) -> String {
    format!("{:.1}", 100.0 * f)
}

/// `lo to hi` of an interval, each value through `f`; `(clipped)` when an
/// end was cut at the quantity's bound.
fn ci(ci95: Option<[f64; 2]>, clipped: bool, f: &dyn Fn(f64) -> String) -> String {
    match ci95 {
        Some([lo, hi]) => format!(
            "{} to {}{}",
            f(lo),
            f(hi),
            if clipped { " (clipped)" } else { "" }
        ),
        None => "–".into(),
    }
}

/// Throughput, lead time and WIP, in the units of the text summary
/// (lead time in hours).
pub fn key_figures(r: &Report) -> Table {
    let mut t = Table::new(
        &["quantity", "mean", "95% CI", "unit"],
        &[false, true, true, false],
    );
    let three = |x: f64| format!("{x:.3}");
    let tp = &r.throughput_per_h;
    t.rows.push(vec![
        "throughput (end products)".into(),
        format!("{:.3}", tp.mean),
        ci(tp.ci95, tp.clipped, &three),
        "end products/h".into(),
    ]);
    for (name, e) in &tp.by_product {
        t.rows.push(vec![
            format!("throughput: {name}"),
            format!("{:.3}", e.mean),
            ci(e.ci95, e.clipped, &three),
            "/h".into(),
        ]);
    }
    let lead: &super::LeadTime = &r.lead_time_s;
    if r.nothing_produced {
        t.rows.push(vec![
            "lead time".into(),
            "–".into(),
            "–".into(),
            "no end product finished".into(),
        ]);
    } else {
        t.rows.push(vec![
            "lead time".into(),
            hours(lead.mean),
            ci(lead.ci95, lead.clipped, &hours),
            "h".into(),
        ]);
        for (q, v) in [("p50", lead.p50), ("p95", lead.p95)] {
            if let Some(v) = v {
                t.rows.push(vec![
                    format!("lead time {q} (pooled)"),
                    hours(v),
                    "–".into(),
                    "h".into(),
                ]);
            }
        }
    }
    t.rows.push(vec![
        "WIP (time average)".into(),
        format!("{:.2}", r.wip.mean),
        "–".into(),
        "jobs".into(),
    ]);
    t
}

/// One row per station: utilization by state in percent, queues.
pub fn stations(r: &Report) -> Table {
    let mut header = vec!["station", "servers", "completed"];
    header.extend(StationState::ALL.iter().map(|s| s.key()));
    header.extend(["queue wait h", "queue wait 95% CI (h)", "queue length"]);
    let mut t = Table::new(&header, &[]);
    t.right = (0..header.len()).map(|i| i > 0).collect();
    for st in &r.stations {
        let mut row = vec![
            st.name.clone(),
            st.servers.to_string(),
            format!("{:.1}", st.completed),
        ];
        row.extend(StationState::ALL.iter().map(|&s| pct(st.utilization.get(s))));
        row.push(hours(st.queue_wait_s.mean));
        row.push(ci(st.queue_wait_s.ci95, st.queue_wait_s.clipped, &hours));
        row.push(format!("{:.2}", st.queue_len.mean));
        t.rows.push(row);
    }
    t
}

/// Robot groups of one kind (`agv` or `arm`), state shares in percent.
pub fn robot_groups(r: &Report, kind: &str) -> Option<Table> {
    let groups: Vec<_> = r.robots.by_group.iter().filter(|g| g.kind == kind).collect();
    if groups.is_empty() {
        return None;
    }
    let states: Vec<&str> = if kind == "agv" {
        AgvState::ALL.iter().map(|s| s.key()).collect()
    } else {
        StationState::ALL.iter().map(|s| s.key()).collect()
    };
    let mut header = vec!["group", "count"];
    header.extend(&states);
    let mut t = Table::new(&header, &[]);
    t.right = (0..header.len()).map(|i| i > 0).collect();
    for g in groups {
        let mut row = vec![g.name.clone(), g.count.to_string()];
        row.extend(
            states
                .iter()
                .map(|s| pct(g.utilization.get(s).copied().unwrap_or(0.0))),
        );
        t.rows.push(row);
    }
    Some(t)
}

/// How the warm-up was checked, and a table of the series checked.
pub fn warmup(check: &WarmupCheck) -> (String, Option<Table>) {
    if let Some(why) = &check.skipped {
        return (format!("Not applied: {why}."), None);
    }
    let Some(first) = check.series.first() else {
        return ("Not applied.".into(), None);
    };
    let over = format!("over the {} replications", first.replications);
    let text = format!(
        "MSER-5 on the series after the warm-up ({}), means over replications in bins of {}, batches of {BATCH} \
         bins. A series is flagged when MSER-5 truncates at least one batch and dropping the truncated part \
         raises its mean by more than the 95% confidence half-width of the truncated mean ({over}): the plant \
         was still filling up.",
        fmt_duration(check.warmup_s),
        fmt_duration(first.bin_s)
    );
    let mut t = Table::new(
        &[
            "series",
            "bins after warm-up",
            "MSER-5 truncates",
            "series settles at",
            "mean raised by",
            "95% half-width",
            "flagged",
        ],
        &[false, true, true, true, true, true, false],
    );
    for c in &check.series {
        t.rows.push(vec![
            c.series.to_string(),
            c.observed_bins.to_string(),
            format!("{} bins", c.mser.truncation()),
            fmt_duration(c.truncation_s),
            format!("{:+.3} {}", c.shift, c.unit),
            c.half_width.map_or("–".into(), |h| format!("{h:.3}")),
            if c.flagged { "yes" } else { "no" }.to_string(),
        ]);
    }
    (text, Some(t))
}

/// Formats a number for CSV: the shortest text that reads back the same.
fn num(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        String::new()
    }
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| format!("cannot format the CSV: {e}");
    w.write_record(header).map_err(fail)?;
    for row in rows {
        w.write_record(&row).map_err(fail)?;
    }
    w.into_inner().map_err(|e| format!("cannot format the CSV: {e}"))
}

pub fn stations_csv(r: &Report) -> Result<Vec<u8>, String> {
    let mut header = vec!["name", "servers", "completed"];
    header.extend(StationState::ALL.iter().map(|s| s.key()));
    header.extend([
        "queue_wait_s_mean",
        "queue_wait_s_ci95_low",
        "queue_wait_s_ci95_high",
        "queue_len_mean",
    ]);
    csv_bytes(
        &header,
        r.stations.iter().map(|st| {
            let mut row = vec![st.name.clone(), st.servers.to_string(), num(st.completed)];
            row.extend(StationState::ALL.iter().map(|&s| num(st.utilization.get(s))));
            row.push(num(st.queue_wait_s.mean));
            let (lo, hi) = st
                .queue_wait_s
                .ci95
                .map_or((String::new(), String::new()), |[lo, hi]| (num(lo), num(hi)));
            row.extend([lo, hi, num(st.queue_len.mean)]);
            row
        }),
    )
}

/// The state columns of robots.csv: station states, then AGV-only states.
pub fn robot_state_columns() -> Vec<&'static str> {
    let mut cols: Vec<&'static str> = StationState::ALL.iter().map(|s| s.key()).collect();
    for s in AgvState::ALL {
        if !cols.contains(&s.key()) {
            cols.push(s.key());
        }
    }
    cols
}

pub fn robots_csv(r: &Report) -> Result<Vec<u8>, String> {
    let states = robot_state_columns();
    let mut header = vec!["name", "kind", "count"];
    header.extend(&states);
    csv_bytes(
        &header,
        r.robots.by_group.iter().map(|g| {
            let mut row = vec![g.name.clone(), g.kind.to_string(), g.count.to_string()];
            row.extend(
                states
                    .iter()
                    .map(|s| g.utilization.get(s).map_or(String::new(), |&f| num(f))),
            );
            row
        }),
    )
}

pub const FLOWS_HEADER: [&str; 13] = [
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
    "latency_max_ms",
];

/// flows.csv: one row per network flow (none with an ideal network and no
/// flows); counts are means per replication, latencies in ms pool all
/// replications (empty when no message was delivered).
pub fn flows_csv(r: &Report) -> Result<Vec<u8>, String> {
    let opt = |x: Option<f64>| x.map_or(String::new(), num);
    csv_bytes(
        &FLOWS_HEADER,
        r.network.flows.iter().map(|f| {
            let l = &f.latency_ms;
            vec![
                f.name.clone(),
                num(f.sent),
                num(f.delivered),
                num(f.lost),
                num(f.deadline_misses),
                num(f.survival_violations),
                num(f.availability),
                opt(l.p50),
                opt(l.p90),
                opt(l.p99),
                opt(l.p999),
                opt(l.p99999),
                opt(l.max),
            ]
        }),
    )
}

/// One row per network flow, if there are any.
pub fn flows(r: &Report) -> Option<Table> {
    if r.network.flows.is_empty() {
        return None;
    }
    let header = [
        "flow",
        "direction",
        "robots",
        "sent",
        "delivered",
        "lost",
        "deadline misses",
        "survival violations",
        "availability",
        "p50 ms",
        "p99 ms",
        "p99.999 ms",
        "max ms",
    ];
    let mut t = Table::new(&header, &[]);
    t.right = (0..header.len()).map(|i| i > 1).collect();
    let ms = |x: Option<f64>| x.map_or("–".into(), |v| format!("{v:.2}"));
    for f in &r.network.flows {
        let l = &f.latency_ms;
        t.rows.push(vec![
            f.name.clone(),
            match f.direction {
                Direction::Dl => "DL",
                Direction::Ul => "UL",
            }
            .into(),
            f.robots.to_string(),
            format!("{:.1}", f.sent),
            format!("{:.1}", f.delivered),
            format!("{:.1}", f.lost),
            format!("{:.1}", f.deadline_misses),
            format!("{:.1}", f.survival_violations),
            format!("{:.6}", f.availability),
            ms(l.p50),
            ms(l.p99),
            ms(l.p99999),
            ms(l.max),
        ]);
    }
    Some(t)
}

/// The settings line at the top of summary.md and report.html.
fn settings(r: &Report) -> String {
    format!(
        "{} replication(s), seed {}, horizon {:.1} h, warm-up {:.1} h; {} events in {:.3} s.",
        r.replications,
        r.seed,
        r.horizon_s / 3600.0,
        r.warmup_s / 3600.0,
        r.run.events,
        r.run.wall_s
    )
}

/// summary.md: the text summary, then the tables in Markdown, the warm-up
/// check, and the plots (linked from plots/).
pub fn summary_md(r: &Report, text_summary: &str, figures: &[Figure], notes: &[String]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# factory5g report: {}\n",
        r.scenario.replace(['\n', '\r'], " ")
    );
    let _ = writeln!(s, "{}\n", settings(r));
    let _ = writeln!(s, "## Warnings\n");
    if r.warnings.is_empty() {
        let _ = writeln!(s, "None.\n");
    } else {
        for w in &r.warnings {
            let _ = writeln!(s, "- {w}");
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Summary\n\n```text\n{}```\n", text_summary);
    let _ = writeln!(
        s,
        "## Key figures\n\nMeans over replications; 95% Student-t intervals.\n"
    );
    s.push_str(&key_figures(r).markdown());
    let _ = writeln!(
        s,
        "\n## Stations\n\nShare of server time in each state (%), after the warm-up.\n"
    );
    s.push_str(&stations(r).markdown());
    let _ = writeln!(s, "\n## Robots\n");
    let _ = writeln!(
        s,
        "{} robots: {} AGVs, {} arms. Share of robot time in each state (%).\n",
        r.robots.total, r.robots.agvs, r.robots.arms
    );
    for kind in ["agv", "arm"] {
        if let Some(t) = robot_groups(r, kind) {
            s.push_str(&t.markdown());
            s.push('\n');
        }
    }
    if let Some(t) = flows(r) {
        let _ = writeln!(
            s,
            "## Network\n\nModel `{}`. Messages per replication (means); latency quantiles pool all \
             replications; availability counts the robot time with valid service.\n",
            r.network.model
        );
        s.push_str(&t.markdown());
        s.push('\n');
    }
    let (text, table) = warmup(&r.warmup_check);
    let _ = writeln!(s, "## Warm-up check\n\n{text}\n");
    if let Some(t) = table {
        s.push_str(&t.markdown());
        s.push('\n');
    }
    let _ = writeln!(s, "## Plots\n");
    for f in figures {
        let _ = writeln!(s, "![{}](plots/{}.svg)\n", f.caption, f.name);
        let _ = writeln!(
            s,
            "*{}* ([SVG](plots/{name}.svg), [PNG](plots/{name}.png))\n",
            f.caption,
            name = f.name
        );
    }
    for n in notes {
        let _ = writeln!(s, "- {n}");
    }
    s
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1180px;margin:2em auto;\
padding:0 1em;color:#222;line-height:1.45}h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd}\
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.25em .6em}\
th{background:#f4f4f4}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\
.warn{background:#fff4e5;border-left:4px solid #e6550d;padding:.5em 1em}\
pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;display:block}\
figcaption{color:#555;font-size:.9em;margin-top:.3em}";

/// report.html: one self-contained page, the SVGs inline; no scripts and
/// nothing loaded from elsewhere.
/// `replay`: what the replay page (`replay.html`, linked) shows, when
/// there is one.
pub fn report_html(
    r: &Report,
    text_summary: &str,
    figures: &[Figure],
    notes: &[String],
    replay: Option<&str>,
) -> String {
    let mut s = String::new();
    let title = format!("factory5g report: {}", r.scenario);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p>{}</p>\n",
        esc(&title),
        esc(&title),
        esc(&settings(r))
    );
    if let Some(replay) = replay {
        let _ = writeln!(
            s,
            "<p><a href=\"replay.html\">Replay of replication 0</a>: {}</p>",
            esc(replay)
        );
    }
    if !r.warnings.is_empty() {
        s.push_str("<h2>Warnings</h2>\n");
        for w in &r.warnings {
            let _ = writeln!(s, "<p class=\"warn\">{}</p>", esc(w));
        }
    }
    let _ = writeln!(
        s,
        "<h2>Key figures</h2>\n<p>Means over replications; 95% Student-t intervals.</p>"
    );
    s.push_str(&key_figures(r).html());
    let _ = writeln!(
        s,
        "<h2>Stations</h2>\n<p>Share of server time in each state (%), after the warm-up.</p>"
    );
    s.push_str(&stations(r).html());
    let _ = writeln!(
        s,
        "<h2>Robots</h2>\n<p>{} robots: {} AGVs, {} arms. Share of robot time in each state (%).</p>",
        r.robots.total, r.robots.agvs, r.robots.arms
    );
    for kind in ["agv", "arm"] {
        if let Some(t) = robot_groups(r, kind) {
            s.push_str(&t.html());
        }
    }
    if let Some(t) = flows(r) {
        let _ = writeln!(
            s,
            "<h2>Network</h2>\n<p>Model <code>{}</code>. Messages per replication (means); latency quantiles \
             pool all replications; availability counts the robot time with valid service.</p>",
            esc(r.network.model)
        );
        s.push_str(&t.html());
    }
    let (text, table) = warmup(&r.warmup_check);
    let _ = writeln!(s, "<h2>Warm-up check</h2>\n<p>{}</p>", esc(&text));
    if let Some(t) = table {
        s.push_str(&t.html());
    }
    s.push_str("<h2>Plots</h2>\n");
    for f in figures {
        let _ = writeln!(
            s,
            "<figure id=\"{}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
            esc(&f.name),
            inline_svg(&f.svg),
            esc(&f.caption)
        );
    }
    if !notes.is_empty() {
        s.push_str("<ul>\n");
        for n in notes {
            let _ = writeln!(s, "<li>{}</li>", esc(n));
        }
        s.push_str("</ul>\n");
    }
    let _ = writeln!(s, "<h2>Text summary</h2>\n<pre>{}</pre>", esc(text_summary));
    s.push_str("</body>\n</html>\n");
    s
}

/// An SVG document as an element of an HTML page: in HTML the SVG namespace
/// is implied, so the `xmlns` attribute (a URI, not a link) is dropped.
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_escape_their_cells() {
        let mut t = Table::new(&["a", "b"], &[false, true]);
        t.rows.push(vec!["x|y".into(), "<b>&".into()]);
        assert_eq!(t.markdown(), "| a | b |\n|---|---:|\n| x\\|y | <b>& |\n");
        assert!(t.html().contains("<td class=\"num\">&lt;b&gt;&amp;</td>"));
    }

    #[test]
    fn inline_svg_drops_the_namespace_uri() {
        let svg = "<svg width=\"1\" height=\"1\" viewBox=\"0 0 1 1\" xmlns=\"http://www.w3.org/2000/svg\">\n</svg>\n";
        assert_eq!(
            inline_svg(svg),
            "<svg width=\"1\" height=\"1\" viewBox=\"0 0 1 1\">\n</svg>\n"
        );
    }

    #[test]
    fn flows_csv_is_a_header() {
        let header = String::from_utf8(csv_bytes(&FLOWS_HEADER, std::iter::empty()).unwrap()).unwrap();
        assert!(header.starts_with("name,sent,delivered,lost,"));
        assert_eq!(header.lines().count(), 1);
    }
}
