//! Paired comparison of two scenarios under common random numbers.
//!
//! Both scenarios run with the same seed and the same number of replications,
//! so replication `r` of A and replication `r` of B draw from the same random
//! streams (keyed by seed, replication and entity name). For each KPI of
//! [`super::kpi`], the difference B − A is taken replication by replication,
//! and its mean gets a Student-t 95% interval over those paired differences:
//! the noise A and B share cancels, which is why the interval is much narrower
//! than the two separate intervals would suggest.
//!
//! - `diff` is the mean of the paired differences (replications where the KPI
//!   is undefined in A or B are left out of the pairs).
//! - `ci95` is `null` with fewer than two pairs; when every difference is the
//!   same value `d` (zero variance), it is exactly `[d, d]`.
//! - `significant`: the interval excludes 0 (so `[d, d]` is significant iff
//!   `d ≠ 0`; never with one replication). This is each KPI taken alone.
//! - Many KPIs are compared at once, so some differ at 95% by chance: with
//!   27 KPIs and no real difference, 1.4 are expected to. `p_value` is the
//!   paired t-test's two-sided p-value, `p_holm` the same adjusted by Holm's
//!   method over every KPI tested (see [`crate::stats::holm`] for why Holm),
//!   and `significant_holm` is `p_holm < 0.05`: the verdict to trust when
//!   asking which KPIs differ. A zero-variance difference has p 0 (`d ≠ 0`)
//!   or 1; with one pair, or a KPI one side lacks, there is no test (`null`,
//!   not counted in Holm's m).
//! - KPIs are listed in A's order, then those only B has. A KPI that only one
//!   side has (a station added in B) gets `null` for the other side and for
//!   `diff` and `ci95`.
//!
//! ```
//! use factory5g::experiment::compare::compare;
//! use factory5g::experiment::kpi::KpiTable;
//! let a = KpiTable { names: vec!["x".into()], values: vec![vec![1.0, 2.0, 3.0]] };
//! let b = KpiTable { names: vec!["x".into()], values: vec![vec![2.0, 3.0, 4.0]] };
//! let c = compare(&a, &b);
//! assert_eq!(c.kpis[0].diff, Some(1.0));
//! assert_eq!(c.kpis[0].ci95, Some([1.0, 1.0]));
//! assert!(c.kpis[0].significant);
//! ```

use super::figures::comparison_plot;
use super::files::{create_dir, write_atomic};
use super::kpi::{estimate, KpiTable};
use crate::stats::{holm, mean_ci95, t_two_sided_p};
use crate::text::{fmt_sig, TextTable};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// What `compare --json` prints and `comparison.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub kpis: Vec<KpiDiff>,
}

impl Comparison {
    /// The comparison as `compare --json` prints it and `comparison.json`
    /// holds it (pretty, ending in a newline).
    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string_pretty(self)
            .map(|j| j + "\n")
            .map_err(|e| format!("cannot write the comparison as JSON: {e}"))
    }

    /// Writes `comparison.json` and the plot `comparison.svg`/`.png` into
    /// `dir` (created if missing), each atomically; returns the files.
    pub fn write_files(&self, a_label: &str, b_label: &str, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let json = self.to_json()?;
        create_dir(dir)?;
        let path = dir.join("comparison.json");
        write_atomic(&path, json.as_bytes())?;
        let mut files = vec![path];
        files.extend(comparison_plot(self, a_label, b_label, &dir.join("comparison"))?);
        Ok(files)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KpiDiff {
    pub name: String,
    /// Mean over A's replications.
    pub a: Option<f64>,
    /// Mean over B's replications.
    pub b: Option<f64>,
    /// Mean of the paired differences B − A.
    pub diff: Option<f64>,
    /// Paired Student-t 95% interval of `diff`.
    pub ci95: Option<[f64; 2]>,
    /// Whether `ci95` excludes 0 (this KPI taken alone).
    pub significant: bool,
    /// Two-sided p-value of the paired t-test (`null` without a test).
    #[serde(default)]
    pub p_value: Option<f64>,
    /// `p_value` adjusted by Holm's method over every KPI tested.
    #[serde(default)]
    pub p_holm: Option<f64>,
    /// `p_holm` below 0.05: the difference holds with every KPI tested.
    #[serde(default)]
    pub significant_holm: bool,
}

impl KpiDiff {
    /// The relative difference (B − A)/A and its interval, when A is a
    /// finite non-zero number.
    pub fn relative(&self) -> Option<(f64, Option<[f64; 2]>)> {
        let a = self.a.filter(|a| a.is_finite() && *a != 0.0)?;
        let d = self.diff?;
        let ci = self.ci95.map(|[lo, hi]| {
            let (x, y) = (lo / a, hi / a);
            [x.min(y), x.max(y)]
        });
        Some((d / a, ci))
    }
}

/// The differences B − A of the replications where both are defined.
fn differences(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter()
        .zip(b)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| y - x)
        .collect()
}

/// Mean and paired interval of B − A over the replications where both are
/// defined.
pub fn paired(a: &[f64], b: &[f64]) -> (Option<f64>, Option<[f64; 2]>) {
    let diffs = differences(a, b);
    let Some(&first) = diffs.first() else {
        return (None, None);
    };
    if diffs.iter().all(|d| *d == first) {
        // Zero variance: exactly [d, d], free of rounding in the mean.
        let ci = (diffs.len() >= 2).then_some([first, first]);
        return (Some(first), ci);
    }
    let (mean, ci) = mean_ci95(&diffs);
    (Some(mean), ci.map(|(lo, hi)| [lo, hi]))
}

/// The two-sided p-value of the paired t-test of B − A = 0, over the
/// replications where both are defined; `None` with fewer than two pairs.
pub fn paired_p(a: &[f64], b: &[f64]) -> Option<f64> {
    let diffs = differences(a, b);
    let n = diffs.len();
    if n < 2 {
        return None;
    }
    let first = diffs[0];
    if diffs.iter().all(|d| *d == first) {
        return Some(if first == 0.0 { 1.0 } else { 0.0 });
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let var = diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = mean / (var / n as f64).sqrt();
    Some(t_two_sided_p(t, (n - 1) as f64))
}

/// Compares the KPIs of A and B (replication `r` of each paired).
pub fn compare(a: &KpiTable, b: &KpiTable) -> Comparison {
    let mut names: Vec<&String> = a.names.iter().collect();
    names.extend(b.names.iter().filter(|n| !a.names.contains(n)));
    let kpis = names
        .into_iter()
        .map(|name| {
            let va = a.get(name);
            let vb = b.get(name);
            let mean_a = va.and_then(|v| estimate(v).0);
            let mean_b = vb.and_then(|v| estimate(v).0);
            let (diff, ci95, p_value) = match (va, vb) {
                (Some(x), Some(y)) => {
                    let (diff, ci95) = paired(x, y);
                    (diff, ci95, paired_p(x, y))
                }
                _ => (None, None, None),
            };
            let significant = ci95.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0);
            KpiDiff {
                name: name.clone(),
                a: mean_a,
                b: mean_b,
                diff,
                ci95,
                significant,
                p_value,
                p_holm: None,
                significant_holm: false,
            }
        })
        .collect::<Vec<_>>();
    let mut kpis = kpis;
    let p: Vec<f64> = kpis.iter().map(|k| k.p_value.unwrap_or(f64::NAN)).collect();
    for (k, adjusted) in kpis.iter_mut().zip(holm(&p)) {
        k.p_holm = (!adjusted.is_nan()).then_some(adjusted);
        k.significant_holm = adjusted < 0.05;
    }
    Comparison { kpis }
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "-".into(), |v| fmt_sig(v, 4))
}

/// The text table printed by `compare`.
pub fn text_table(c: &Comparison, a_label: &str, b_label: &str, seed: u64, reps: u32) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "A = {a_label}, B = {b_label}: {reps} replication(s) each, seed {seed}, common random numbers"
    );
    let _ = writeln!(
        s,
        "difference B - A, paired 95% interval; * = significant taken alone (the interval excludes 0), \
         ** = also after Holm's adjustment for all the KPIs compared\n"
    );
    let mut t = TextTable::new(
        &[
            "KPI",
            "unit",
            "A",
            "B",
            "B - A",
            "95% CI of B - A",
            "rel.",
            "p (Holm)",
            "",
        ],
        &[false, false, true, true, true, false, true, true, false],
    );
    for k in &c.kpis {
        let shown = super::kpi::shown(&k.name);
        let factor = shown.factor;
        let scaled = |x: Option<f64>| x.map(|v| v * factor);
        let ci = match k.ci95 {
            Some([lo, hi]) => format!("[{}, {}]", fmt_sig(lo * factor, 3), fmt_sig(hi * factor, 3)),
            None => "-".into(),
        };
        let rel = k
            .relative()
            .map_or_else(|| "-".into(), |(r, _)| format!("{:+.1}%", 100.0 * r));
        let star = match (k.significant, k.significant_holm) {
            (_, true) => "**",
            (true, false) => "*",
            _ => "",
        };
        t.row(vec![
            k.name.clone(),
            shown.unit.into(),
            opt(scaled(k.a)),
            opt(scaled(k.b)),
            scaled(k.diff).map_or_else(
                || "-".into(),
                |d| {
                    if d == 0.0 {
                        "0".into()
                    } else {
                        format!("{:+}", Sig(d))
                    }
                },
            ),
            ci,
            rel,
            k.p_holm.map_or_else(|| "-".into(), |p| fmt_sig(p, 2)),
            star.into(),
        ]);
    }
    s.push_str(&t.render(""));
    let tested = c.kpis.iter().filter(|k| k.p_value.is_some()).count();
    let alone = c.kpis.iter().filter(|k| k.significant).count();
    let holm = c.kpis.iter().filter(|k| k.significant_holm).count();
    let _ = writeln!(
        s,
        "\n{alone} of {} KPIs differ at 95% taken one by one (about {:.1} would by chance alone if A and B \
         were the same); {holm} of them after Holm's adjustment for the {tested} KPIs tested",
        c.kpis.len(),
        0.05 * tested as f64
    );
    s
}

/// Displays with [`fmt_sig`] (4 digits), honouring the `+` flag.
struct Sig(f64);

impl std::fmt::Display for Sig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = fmt_sig(self.0, 4);
        if f.sign_plus() && self.0 >= 0.0 {
            write!(f, "+{text}")
        } else {
            f.write_str(&text)
        }
    }
}
