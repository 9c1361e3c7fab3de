//! The metrics table (part 5 of the page): one row per run, one column per
//! figure, each heading explained in its tooltip, the best value of each
//! column marked.

use std::fmt::Write as _;

use super::{PageRun, esc, group, mib, ms, ratio};
use timeline::trace::Metrics;

/// Which way a column is better.
#[derive(Clone, Copy, PartialEq)]
enum Better {
    /// Less is better (time, cost).
    Lower,
    /// More is better (efficiency, errand done).
    Higher,
}

/// One column of the metrics table.
struct MetricColumn {
    /// The heading.
    head: &'static str,
    /// What it means, for the heading's tooltip.
    explain: &'static str,
    /// Which way is better.
    better: Better,
    /// Its value in a run.
    value: fn(&Metrics) -> f64,
    /// The value as shown: values that show alike are alike (both best, or neither).
    show: fn(f64) -> String,
    /// A second, smaller line under the value.
    detail: Option<fn(&Metrics) -> String>,
}

/// The metrics table's columns, after the run's name.
const COLUMNS: [MetricColumn; 11] = [
    MetricColumn {
        head: "makespan ms",
        explain: "from the start to the last DONE: how long the bank was busy",
        better: Better::Lower,
        value: |m| m.makespan_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "efficiency",
        explain: "ideal makespan ÷ makespan: 1.00 is the physical limit",
        better: Better::Higher,
        value: |m| m.efficiency,
        show: ratio,
        detail: None,
    },
    MetricColumn {
        head: "mean wait ms",
        explain: "time in line: called − arrived (and under rr or mlfq each PAUSE to the next \
                  CALL), mean over the served",
        better: Better::Lower,
        value: |m| m.mean_wait_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "mean reaction ms",
        explain: "at the counter − called: how long a call went unnoticed, mean over every call \
                  of the served",
        better: Better::Lower,
        value: |m| m.mean_reaction_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "errand while waiting ms",
        explain: "own work done in line, from the ticket to the call, per served customer",
        better: Better::Higher,
        value: |m| m.errand_while_waiting_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "polls",
        explain: "looks at a socket that found nothing, in all",
        better: Better::Lower,
        value: |m| m.polls as f64,
        show: group,
        detail: None,
    },
    MetricColumn {
        head: "peak threads",
        explain: "most threads alive at once on the customers' side",
        better: Better::Lower,
        value: |m| m.process.threads_peak as f64,
        show: group,
        detail: None,
    },
    MetricColumn {
        head: "CPU ms",
        explain: "CPU time of the customers' side: user + system",
        better: Better::Lower,
        value: |m| m.process.cpu_ms(),
        show: ms,
        detail: Some(|m| {
            format!(
                "{} + {}",
                ms(m.process.cpu_user_ms),
                ms(m.process.cpu_sys_ms)
            )
        }),
    },
    MetricColumn {
        head: "peak RSS MiB",
        explain: "peak resident memory of the process",
        better: Better::Lower,
        value: |m| m.process.max_rss_kib as f64,
        show: |kib| mib(kib as u64),
        detail: None,
    },
    MetricColumn {
        head: "switches vol.",
        explain: "voluntary context switches: a thread gave up the CPU to wait",
        better: Better::Lower,
        value: |m| m.process.ctx_switches_voluntary as f64,
        show: group,
        detail: None,
    },
    MetricColumn {
        head: "switches invol.",
        explain: "involuntary context switches: the scheduler took a thread off the CPU",
        better: Better::Lower,
        value: |m| m.process.ctx_switches_involuntary as f64,
        show: group,
        detail: None,
    },
];

/// One row per run, one column per figure; the best value of each column
/// (when there are several runs) is marked.
pub(super) fn metrics_table(page: &mut String, runs: &[PageRun]) {
    if runs.is_empty() {
        return;
    }
    put!(
        page,
        "<h2>Metrics 指标</h2>\n<p class=\"note\">Hover a heading for its meaning.{}</p>\n\
         <table class=\"metrics\">\n<thead><tr><th>run</th>",
        if runs.len() > 1 {
            " The best value of each column is highlighted."
        } else {
            ""
        }
    );
    for column in &COLUMNS {
        put!(
            page,
            "<th title=\"{}\">{}</th>",
            esc(column.explain),
            esc(column.head)
        );
    }
    put!(page, "</tr></thead>\n<tbody>\n");
    // The best value of each column, as shown (none with a single run).
    let best: Vec<Option<String>> = COLUMNS
        .iter()
        .map(|column| {
            let values = runs
                .iter()
                .map(|r| (column.value)(&r.trace.metrics))
                .filter(|v| v.is_finite());
            let pick = match column.better {
                Better::Lower => values.fold(f64::INFINITY, f64::min),
                Better::Higher => values.fold(f64::NEG_INFINITY, f64::max),
            };
            (runs.len() > 1 && pick.is_finite()).then(|| (column.show)(pick))
        })
        .collect();
    for run in runs {
        let m = &run.trace.metrics;
        put!(page, "<tr><td>{}", esc(&run.title()));
        if m.abandoned > 0 {
            put!(
                page,
                " <span class=\"warn\">({} abandoned)</span>",
                m.abandoned
            );
        }
        put!(page, "</td>");
        for (column, best) in COLUMNS.iter().zip(&best) {
            let text = (column.show)((column.value)(m));
            let mark = if best.as_ref() == Some(&text) {
                " class=\"best\" title=\"best\""
            } else {
                ""
            };
            put!(page, "<td{mark}>{}", esc(&text));
            if let Some(detail) = column.detail {
                put!(page, "<span class=\"sub\">{}</span>", esc(&detail(m)));
            }
            put!(page, "</td>");
        }
        put!(page, "</tr>\n");
    }
    put!(page, "</tbody>\n</table>\n");
}

#[cfg(test)]
mod tests {
    use crate::html::report;
    use crate::swimlane::tests::small_scene;
    use timeline::style::Style;

    #[test]
    fn the_best_of_each_column_is_marked() {
        let fast = small_scene();
        let mut slow = small_scene();
        slow.style = Style::SyncBlocking;
        slow.metrics.makespan_ms = 2000.0;
        slow.metrics.efficiency = 0.5;
        slow.metrics.process.threads_peak = 9;
        let mut fast = fast;
        fast.metrics.makespan_ms = 1000.0;
        fast.metrics.efficiency = 0.9;
        fast.metrics.process.threads_peak = 3;
        let page = report(&[&slow, &fast], Some(&crate::html::tests::kept(&slow)), &[]);
        let table = page
            .split("<table class=\"metrics\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("a metrics table");
        let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].starts_with("<td>1. sync-blocking 同步阻塞"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">1,000</td>"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">0.90</td>"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">3</td>"));
        assert!(!rows[0].contains(">2,000</td>") || !rows[0].contains("best\">2,000"));
        // Equal figures (both runs have 0 polls... and the same scene) are both best.
        assert!(rows[0].matches("class=\"best\"").count() >= 1);
        // One run alone has no best.
        let alone = report(&[&fast], Some(&crate::html::tests::kept(&fast)), &[]);
        assert!(!alone.contains("class=\"best\""));
    }
}
