//! The targets of the 10,000-customer benchmark (issue 15), checked on a
//! scale run's medians: what `cargo bench -p compare --bench scale` holds the
//! bank and the styles to.
//!
//! A crowd of 10,000 customers, all in the bank within a second, should cost
//! the tellers nearly nothing when the customers wait asynchronously: both
//! asynchronous styles keep the tellers' efficiency at
//! [`EFFICIENCY_AT_LEAST`] or above, and at least as high as sync-blocking's
//! in the same run (a thread per customer reacts at once too, so it is the
//! yardstick); and async-nonblocking's process, 10,000 tasks on a few
//! threads, stays under [`RSS_UNDER_MIB`] of memory.
//!
//! Efficiencies are compared as the tables show them, to two decimals: a
//! difference the table cannot show is no difference between two styles.

use pictures::scale::{Ending, Point};
use timeline::style::Style;
use timeline::trace::Metrics;

/// The tellers' efficiency each asynchronous style must reach.
pub const EFFICIENCY_AT_LEAST: f64 = 0.95;

/// async-nonblocking's peak resident memory must stay under this, in MiB.
pub const RSS_UNDER_MIB: f64 = 64.0;

/// One target, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// What was asked, in words: `async-nonblocking: tellers' efficiency ≥ 0.95`.
    pub target: String,
    /// What the run measured, in words, or why it could not be measured.
    pub measured: String,
    /// Whether the target was met.
    pub met: bool,
}

/// Every target, checked on the points of `customers` customers.
pub fn check(points: &[Point], customers: u32) -> Vec<Verdict> {
    let figures = |style: Style| -> Result<&Metrics, String> {
        let point = points
            .iter()
            .find(|p| p.runner == style.name() && p.customers == customers)
            .ok_or_else(|| format!("{style} did not run"))?;
        match &point.result {
            Ending::Ran {
                complete: true,
                metrics,
            } => Ok(metrics),
            Ending::Ran { .. } => Err(format!("{style} lost customers")),
            Ending::Refused { reason } => Err(format!("{style} was refused: {reason}")),
            Ending::Failed { error } => Err(format!("{style} failed: {error}")),
        }
    };
    let efficiency = |style: Style| figures(style).map(|m| shown(m.efficiency));
    let mut verdicts = Vec::new();
    for style in [Style::AsyncBlocking, Style::AsyncNonblocking] {
        let target = format!("{style}: tellers' efficiency ≥ {EFFICIENCY_AT_LEAST:.2}");
        verdicts.push(match efficiency(style) {
            Ok(e) => Verdict {
                target,
                measured: format!("{e:.2}"),
                met: e >= EFFICIENCY_AT_LEAST,
            },
            Err(why) => unmeasured(target, why),
        });
        let target = format!("{style}: tellers' efficiency ≥ sync-blocking's");
        verdicts.push(match (efficiency(style), efficiency(Style::SyncBlocking)) {
            (Ok(e), Ok(sync)) => Verdict {
                target,
                measured: format!("{e:.2} against {sync:.2}"),
                met: e >= sync,
            },
            (Err(why), _) | (_, Err(why)) => unmeasured(target, why),
        });
    }
    let target = format!("async-nonblocking: peak RSS < {RSS_UNDER_MIB} MiB");
    verdicts.push(match figures(Style::AsyncNonblocking) {
        Ok(m) => {
            let mib = m.process.max_rss_kib as f64 / 1024.0;
            Verdict {
                target,
                measured: format!("{mib:.1} MiB"),
                met: mib < RSS_UNDER_MIB,
            }
        }
        Err(why) => unmeasured(target, why),
    });
    verdicts
}

/// An efficiency as the tables show it, to two decimals.
fn shown(efficiency: f64) -> f64 {
    (efficiency * 100.0).round() / 100.0
}

/// A target that could not be measured: missed.
fn unmeasured(target: String, why: String) -> Verdict {
    Verdict {
        target,
        measured: why,
        met: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::trace::ProcessFigures;

    /// A point of 10,000 customers where `style` reached `efficiency` in
    /// `rss_mib` of memory.
    fn ran(style: Style, efficiency: f64, rss_mib: u64) -> Point {
        Point {
            runner: style.name().to_owned(),
            customers: 10_000,
            result: Ending::Ran {
                complete: true,
                metrics: Box::new(Metrics {
                    efficiency,
                    process: ProcessFigures {
                        max_rss_kib: rss_mib * 1024,
                        ..ProcessFigures::default()
                    },
                    ..Metrics::default()
                }),
            },
        }
    }

    fn missed(verdicts: &[Verdict]) -> Vec<&str> {
        verdicts
            .iter()
            .filter(|v| !v.met)
            .map(|v| v.target.as_str())
            .collect()
    }

    /// The targets missed by a run where sync-blocking, async-blocking and
    /// async-nonblocking reached `efficiencies`, async-nonblocking in
    /// `rss_mib` of memory.
    fn missed_at(efficiencies: [f64; 3], rss_mib: u64) -> Vec<String> {
        let [sync, blocking, nonblocking] = efficiencies;
        let points = [
            ran(Style::SyncBlocking, sync, 150),
            ran(Style::AsyncBlocking, blocking, 18),
            ran(Style::AsyncNonblocking, nonblocking, rss_mib),
        ];
        let verdicts = check(&points, 10_000);
        assert_eq!(verdicts.len(), 5, "{verdicts:?}");
        missed(&verdicts).into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn every_target_met() {
        assert_eq!(missed_at([0.96, 0.97, 0.964], 40), Vec::<String>::new());
    }

    #[test]
    fn each_missed_target_is_named() {
        assert_eq!(
            missed_at([0.98, 0.94, 0.97], 64),
            [
                "async-blocking: tellers' efficiency ≥ 0.95",
                "async-blocking: tellers' efficiency ≥ sync-blocking's",
                "async-nonblocking: tellers' efficiency ≥ sync-blocking's",
                "async-nonblocking: peak RSS < 64 MiB",
            ]
        );
    }

    #[test]
    fn efficiencies_compare_as_the_table_shows_them() {
        assert_eq!(
            missed_at([0.9704, 0.9696, 0.944], 40),
            [
                "async-nonblocking: tellers' efficiency ≥ 0.95",
                "async-nonblocking: tellers' efficiency ≥ sync-blocking's",
            ]
        );
    }

    #[test]
    fn a_run_that_did_not_finish_misses_its_targets() {
        let mut lost = ran(Style::AsyncNonblocking, 0.99, 10);
        lost.result = match lost.result {
            Ending::Ran { metrics, .. } => Ending::Ran {
                complete: false,
                metrics,
            },
            other => other,
        };
        let points = [ran(Style::SyncBlocking, 0.96, 150), lost];
        let verdicts = check(&points, 10_000);
        let unmet = missed(&verdicts);
        assert_eq!(unmet.len(), 5, "{verdicts:?}");
        assert!(
            verdicts
                .iter()
                .filter(|v| !v.met)
                .all(|v| v.measured.ends_with("did not run")
                    || v.measured.ends_with("lost customers")),
            "{verdicts:?}"
        );
    }
}
