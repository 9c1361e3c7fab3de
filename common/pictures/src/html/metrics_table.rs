//! The metrics table (part 5 of the page): one row per run, one column per
//! figure, the columns grouped by whose view they are (the customer's
//! first, the lecture's), each heading explained in its tooltip, the best
//! value of each column marked by the column's own meaning, and a sentence
//! under the table saying which view each column is.

use std::fmt::Write as _;

use super::{PageRun, esc, group, mib, ms, ratio};
use timeline::trace::Metrics;

/// Which way a column is better.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Better {
    /// Less is better (time, cost).
    Lower,
    /// More is better (the tellers' efficiency, errand done).
    Higher,
}

/// Whose view a column is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    /// The customer's, the lecture's: how their business went.
    Customer,
    /// The tellers': how much of their day the way of waiting cost the bank.
    Tellers,
    /// The machine's: what the waiting cost in threads, CPU and memory.
    Machine,
}

impl View {
    /// The heading over its columns.
    fn heading(self) -> &'static str {
        match self {
            View::Customer => "the customer's view 顾客",
            View::Tellers => "the tellers' view 柜员",
            View::Machine => "the machine's cost 机器",
        }
    }

    /// Its name in the sentence under the table.
    fn name(self) -> &'static str {
        match self {
            View::Customer => "the customer's",
            View::Tellers => "the tellers'",
            View::Machine => "the machine's",
        }
    }
}

/// One column of the metrics table.
struct MetricColumn {
    /// The heading.
    head: &'static str,
    /// Its unit, after the heading ("" for none).
    unit: &'static str,
    /// What it means, for the heading's tooltip.
    explain: &'static str,
    /// Whose view it is.
    view: View,
    /// Which way is better.
    better: Better,
    /// Its value in a run.
    value: fn(&Metrics) -> f64,
    /// The value as shown: values that show alike are alike (both best, or neither).
    show: fn(f64) -> String,
    /// A second, smaller line under the value.
    detail: Option<fn(&Metrics) -> String>,
}

/// The metrics table's columns, after the run's name, view by view.
const COLUMNS: [MetricColumn; 13] = [
    MetricColumn {
        head: "turnaround",
        unit: "ms",
        explain: "arrival to finished, errand included: how long the customer's whole business \
                  took, mean over the served",
        view: View::Customer,
        better: Better::Lower,
        value: |m| m.mean_turnaround_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "time lost",
        unit: "ms",
        explain: "time in the bank neither on the errand nor at the counter, from arrival to \
                  DONE, mean over the served",
        view: View::Customer,
        better: Better::Lower,
        value: |m| m.mean_lost_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "mean wait",
        unit: "ms",
        explain: "time in line: called − arrived (and under rr or mlfq each PAUSE to the next \
                  CALL), mean over the served",
        view: View::Customer,
        better: Better::Lower,
        value: |m| m.mean_wait_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "errand while waiting",
        unit: "ms",
        explain: "own work done in line, from the ticket to the call, per served customer",
        view: View::Customer,
        better: Better::Higher,
        value: |m| m.errand_while_waiting_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "makespan",
        unit: "ms",
        explain: "from the start to the last DONE: how long the bank was busy",
        view: View::Tellers,
        better: Better::Lower,
        value: |m| m.makespan_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "tellers' efficiency",
        unit: "",
        explain: "ideal makespan ÷ makespan: 1.00 is the physical limit",
        view: View::Tellers,
        better: Better::Higher,
        value: |m| m.efficiency,
        show: ratio,
        detail: None,
    },
    MetricColumn {
        head: "mean reaction",
        unit: "ms",
        explain: "at the counter − called: how long a call went unnoticed while the teller \
                  waited, mean over every call of the served",
        view: View::Tellers,
        better: Better::Lower,
        value: |m| m.mean_reaction_ms,
        show: ms,
        detail: None,
    },
    MetricColumn {
        head: "polls",
        unit: "",
        explain: "looks at a socket that found nothing, in all",
        view: View::Machine,
        better: Better::Lower,
        value: |m| m.polls as f64,
        show: group,
        detail: None,
    },
    MetricColumn {
        head: "peak threads",
        unit: "",
        explain: "most threads alive at once on the customers' side",
        view: View::Machine,
        better: Better::Lower,
        value: |m| m.process.threads_peak as f64,
        show: group,
        detail: None,
    },
    MetricColumn {
        head: "CPU",
        unit: "ms",
        explain: "CPU time of the customers' side: user + system",
        view: View::Machine,
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
        head: "peak RSS",
        unit: "MiB",
        explain: "peak resident memory of the process",
        view: View::Machine,
        better: Better::Lower,
        value: |m| m.process.max_rss_kib as f64,
        show: |kib| mib(kib as u64),
        detail: None,
    },
    MetricColumn {
        head: "switches vol.",
        unit: "",
        explain: "voluntary context switches: a thread gave up the CPU to wait",
        view: View::Machine,
        better: Better::Lower,
        value: |m| m.process.ctx_switches_voluntary as f64,
        show: group,
        detail: None,
    },
    MetricColumn {
        head: "switches invol.",
        unit: "",
        explain: "involuntary context switches: the scheduler took a thread off the CPU",
        view: View::Machine,
        better: Better::Lower,
        value: |m| m.process.ctx_switches_involuntary as f64,
        show: group,
        detail: None,
    },
];

/// The response column, after time lost, when the runs' policy serves in
/// turns (round robin, MLFQ): there, a customer's first call and their
/// last are different moments.
const RESPONSE: MetricColumn = MetricColumn {
    head: "response",
    unit: "ms",
    explain: "the first call − arrived: how long before the customer was first served, mean \
              over the served",
    view: View::Customer,
    better: Better::Lower,
    value: |m| m.mean_response_ms.unwrap_or(m.mean_wait_ms),
    show: ms,
    detail: None,
};

/// The columns shown for `runs`: the response column joins when any run's
/// policy serves in turns.
fn columns(runs: &[PageRun]) -> Vec<&'static MetricColumn> {
    let mut columns: Vec<&MetricColumn> = COLUMNS.iter().collect();
    if runs.iter().any(|r| r.trace.scenario.policy.takes_turns()) {
        columns.insert(2, &RESPONSE);
    }
    columns
}

/// The best of `values` as shown, by `better`; `None` unless there are at
/// least two to choose from.
pub(super) fn best(
    values: impl Iterator<Item = f64>,
    better: Better,
    show: fn(f64) -> String,
) -> Option<String> {
    let finite: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    let pick = match better {
        Better::Lower => finite.iter().copied().fold(f64::INFINITY, f64::min),
        Better::Higher => finite.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    };
    (finite.len() > 1 && pick.is_finite()).then(|| show(pick))
}

/// A column heading, `text`, explained by `explain` in its tooltip.
pub(super) fn heading_cell(page: &mut String, text: &str, explain: &str) {
    put!(page, "<th title=\"{}\">{}</th>", esc(explain), esc(text));
}

/// A cell holding `text`, marked best when it shows as `best` does.
pub(super) fn cell(page: &mut String, text: &str, best: Option<&String>) {
    let mark = if best.is_some_and(|b| b == text) {
        " class=\"best\" title=\"best\""
    } else {
        ""
    };
    put!(page, "<td{mark}>{}", esc(text));
}

/// One row per run, one column per figure, under a row naming each view;
/// the best value of each column (when there are several runs) is marked;
/// then which view each column is.
pub(super) fn metrics_table(page: &mut String, runs: &[PageRun]) {
    if runs.is_empty() {
        return;
    }
    put!(
        page,
        "<h2>Metrics 指标</h2>\n<p class=\"note\">Hover a heading for its meaning.{}</p>\n\
         <table class=\"metrics\">\n<thead><tr class=\"views\"><th></th>",
        if runs.len() > 1 {
            " The best value of each column is highlighted."
        } else {
            ""
        }
    );
    let columns = columns(runs);
    for (view, span) in views(&columns) {
        put!(page, "<th colspan=\"{span}\">{}</th>", esc(view.heading()));
    }
    put!(page, "</tr>\n<tr><th>run</th>");
    for column in &columns {
        heading_cell(page, &heading(column), column.explain);
    }
    put!(page, "</tr></thead>\n<tbody>\n");
    let best: Vec<Option<String>> = columns
        .iter()
        .map(|column| {
            let values = runs.iter().map(|r| (column.value)(&r.trace.metrics));
            best(values, column.better, column.show)
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
        for (column, best) in columns.iter().zip(&best) {
            cell(page, &(column.show)((column.value)(m)), best.as_ref());
            if let Some(detail) = column.detail {
                put!(page, "<span class=\"sub\">{}</span>", esc(&detail(m)));
            }
            put!(page, "</td>");
        }
        put!(page, "</tr>\n");
    }
    put!(
        page,
        "</tbody>\n</table>\n<p class=\"note\">{}</p>\n",
        esc(&which_view(&columns))
    );
}

/// A column's heading with its unit: "turnaround ms".
fn heading(column: &MetricColumn) -> String {
    if column.unit.is_empty() {
        column.head.to_owned()
    } else {
        format!("{} {}", column.head, column.unit)
    }
}

/// The views in column order, each with how many columns it spans.
fn views(columns: &[&MetricColumn]) -> Vec<(View, usize)> {
    let mut out: Vec<(View, usize)> = Vec::new();
    for column in columns {
        match out.last_mut() {
            Some((view, span)) if *view == column.view => *span += 1,
            _ => out.push((column.view, 1)),
        }
    }
    out
}

/// The sentence under the table: which view each column is, and what
/// "best" means for each.
fn which_view(columns: &[&MetricColumn]) -> String {
    let parts: Vec<String> = views(columns)
        .into_iter()
        .map(|(view, _)| {
            let heads: Vec<&str> = columns
                .iter()
                .filter(|c| c.view == view)
                .map(|c| c.head)
                .collect();
            format!(
                "{}: {}",
                view.name(),
                heads.join(", ").trim_end_matches('.')
            )
        })
        .collect();
    let higher: Vec<&str> = columns
        .iter()
        .filter(|c| c.better == Better::Higher)
        .map(|c| c.head)
        .collect();
    format!(
        "Whose view each column is: {}. The customer's view is the lecture's (同步阻塞 效率最低, \
         异步非阻塞 效率更高: how long a customer's business takes, and how much of it is lost \
         waiting); the tellers' view is how much of their day the way of waiting cost the bank \
         (where it went is below). The best of each column is the lowest, but for {}: the highest.",
        parts.join("; "),
        higher.join(" and ")
    )
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
        slow.metrics.mean_turnaround_ms = 1600.0;
        slow.metrics.mean_lost_ms = 200.0;
        slow.metrics.errand_while_waiting_ms = 0.0;
        let mut fast = fast;
        fast.metrics.makespan_ms = 1000.0;
        fast.metrics.efficiency = 0.9;
        fast.metrics.process.threads_peak = 3;
        fast.metrics.mean_turnaround_ms = 1100.0;
        fast.metrics.mean_lost_ms = 0.2;
        fast.metrics.errand_while_waiting_ms = 201.0;
        let page = report(&[&slow, &fast], Some(&crate::html::tests::kept(&slow)), &[]);
        let table = page
            .split("<table class=\"metrics\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("a metrics table");
        let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows[0].starts_with("<td>1. sync-blocking 同步阻塞"));
        // The customer's view first: the lowest turnaround and time lost,
        // the most errand done while waiting.
        let best = |text: &str| format!("<td class=\"best\" title=\"best\">{text}</td>");
        let cells: Vec<&str> = rows[1].split("</td>").collect();
        assert_eq!(cells[1], "<td class=\"best\" title=\"best\">1,100");
        assert_eq!(cells[2], "<td class=\"best\" title=\"best\">0.2");
        assert!(rows[1].contains(&best("201")));
        assert!(!rows[0].contains(&best("1,600")) && !rows[0].contains(&best("200")));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">1,000</td>"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">0.90</td>"));
        assert!(rows[1].contains("<td class=\"best\" title=\"best\">3</td>"));
        assert!(!rows[0].contains(">2,000</td>") || !rows[0].contains("best\">2,000"));
        // Equal figures (both runs have 0 polls... and the same scene) are both best.
        assert!(rows[0].matches("class=\"best\"").count() >= 1);
        // Each view heads its columns, and a sentence says which is which.
        assert!(page.contains(
            "<tr class=\"views\"><th></th><th colspan=\"4\">the customer&#39;s view 顾客</th>\
             <th colspan=\"3\">the tellers&#39; view 柜员</th>"
        ));
        assert!(page.contains(
            "the customer&#39;s: turnaround, time lost, mean wait, errand while waiting; the \
             tellers&#39;: makespan, tellers&#39; efficiency, mean reaction;"
        ));
        assert!(
            page.contains("for errand while waiting and tellers&#39; efficiency: the highest.")
        );
        // One run alone has no best.
        let alone = report(&[&fast], Some(&crate::html::tests::kept(&fast)), &[]);
        assert!(!alone.contains("class=\"best\""));
    }

    #[test]
    fn under_a_policy_of_turns_the_table_has_the_response_too() {
        let fcfs = small_scene();
        let page = report(&[&fcfs], Some(&crate::html::tests::kept(&fcfs)), &[]);
        assert!(!page.contains("<th title=\"the first call"));
        let mut rr = small_scene();
        rr.scenario.policy = timeline::scenario::PolicyKind::Rr;
        rr.metrics.mean_response_ms = Some(123.0);
        rr.metrics.mean_wait_ms = 456.0;
        let page = report(&[&rr], Some(&crate::html::tests::kept(&rr)), &[]);
        let table = page
            .split("<table class=\"metrics\">")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .expect("a metrics table");
        // After time lost and before the wait, in the customer's view.
        let heads: Vec<&str> = table
            .split("<th title=")
            .skip(1)
            .map(|h| h.split('>').nth(1).unwrap_or("").trim_end_matches("</th"))
            .collect();
        assert_eq!(
            &heads[..4],
            [
                "turnaround ms",
                "time lost ms",
                "response ms",
                "mean wait ms"
            ]
        );
        assert!(table.contains("<th colspan=\"5\">the customer&#39;s view 顾客</th>"));
        let cells: Vec<&str> = table
            .split("<tr>")
            .nth(2)
            .unwrap_or("")
            .split("</td>")
            .collect();
        assert_eq!((cells[3], cells[4]), ("<td>123", "<td>456"));
        assert!(page.contains("the customer&#39;s: turnaround, time lost, response, mean wait,"));
    }
}
