//! Terminal tables, and the two tables of runs `compare` prints, each a row
//! per run under the ideal schedule's row.
//!
//! The metrics table leads with the customer's view, the lecture's
//! (turnaround, time lost, wait, errand done while waiting), then the
//! tellers' (their efficiency), then the machine's (polls, threads, CPU,
//! memory, context switches):
//!
//! ```text
//!                              turnaround  lost wait errand tellers' polls threads CPU  RSS switches
//!                                      ms    ms   ms     ms   effic.                ms  MiB
//! ideal 理想                                     200              1.00
//! sync-blocking 同步阻塞             1614   208  207      0     0.99     0       7 5.6 11.8       38
//! async-nonblocking 异步非阻塞       1001  0.24  202    201     1.00     0       3 8.0 12.2       59
//! ```
//!
//! The teller-loss table says where the tellers' time beyond the services
//! asked went, each part in ms and as a share of the total, and how quickly
//! the called came while customers were still arriving, and after:
//!
//! ```text
//! where the tellers' time went total    overrun   reaction        gap     idle  arriving     after
//!                                 ms      ms, %      ms, %      ms, %    ms, %   p50/p99   p50/p99
//! ideal 理想                     200     0   0%     0   0%     0   0% 200 100%         -         -
//! sync-nonblocking 同步非阻塞    909 4.719   1%   746  82% 2.791   0% 155  17%   152/194  78.9/147
//! ```
//!
//! Labels are aligned by display width (同步阻塞 takes eight columns); numbers
//! are right-aligned under their heading, with units on a line of their own.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use timeline::Scenario;
use timeline::metrics::teller_loss;
use timeline::schedule::Schedule;
use timeline::trace::{Metrics, Reactions, TellerLoss, Trace};

use crate::swimlane::{self, number};
use crate::text::{self, width as columns};

/// A column of numbers: its heading and its unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The heading.
    pub name: &'static str,
    /// The unit, on the line under the heading ("" for none).
    pub unit: &'static str,
}

/// A table: a label column, then columns of numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// The label column's heading ("" for none): what the labels are, when
    /// they are not runs ("customers").
    pub corner: String,
    /// The columns after the label.
    pub columns: Vec<Column>,
    /// Each row: its label, then a cell per column. A row without cells is
    /// a heading over the rows below it (a runner over its sizes): written
    /// whole, in bold, and not counted in the label column's width.
    pub rows: Vec<(String, Vec<String>)>,
    /// Lines under the table, explaining it.
    pub notes: Vec<String>,
}

impl Table {
    /// Draws the table within `width` display columns where it can: labels
    /// left, numbers right-aligned, two spaces between columns (one when
    /// two do not fit). Ends with a newline.
    pub fn render(&self, width: usize) -> String {
        let cells_width: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                self.rows
                    .iter()
                    .filter_map(|(_, cells)| cells.get(i))
                    .map(|cell| columns(cell))
                    .chain([columns(c.name), columns(c.unit)])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numbers: usize = cells_width.iter().sum();
        let label_width = self
            .rows
            .iter()
            .filter(|(_, cells)| !cells.is_empty())
            .map(|(label, _)| columns(label))
            .chain([columns(&self.corner)])
            .max()
            .unwrap_or(0)
            .min((width / 2).max(12));
        let gap = if label_width + numbers + 2 * self.columns.len() <= width {
            2
        } else {
            1
        };
        let line = |label: &str, cells: &mut dyn Iterator<Item = String>| {
            let mut text = text::pad(&text::fit(label, label_width, ".."), label_width);
            for (cell, w) in cells.zip(&cells_width) {
                let _ = write!(text, "{}{}", " ".repeat(gap), text::pad_left(&cell, *w));
            }
            text.trim_end().to_owned()
        };
        let mut out = String::new();
        let names = line(
            &self.corner,
            &mut self.columns.iter().map(|c| c.name.to_owned()),
        );
        let units = line("", &mut self.columns.iter().map(|c| c.unit.to_owned()));
        let _ = writeln!(out, "{}", swimlane::paint(swimlane::bold(), &names));
        let _ = writeln!(out, "{}", swimlane::paint(swimlane::dim(), &units));
        for (label, cells) in &self.rows {
            if cells.is_empty() {
                let heading = text::fit(label, width, "..");
                let _ = writeln!(out, "{}", swimlane::paint(swimlane::bold(), &heading));
                continue;
            }
            let text = line(label, &mut cells.iter().cloned());
            // The label in bold: split at the label column's end.
            let cut = text
                .char_indices()
                .scan(0, |used, (i, ch)| {
                    *used += unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
                    Some((i + ch.len_utf8(), *used))
                })
                .find(|&(_, used)| used >= label_width)
                .map_or(text.len(), |(i, _)| i);
            let (head, tail) = text.split_at(cut);
            let _ = writeln!(out, "{}{tail}", swimlane::paint(swimlane::bold(), head));
        }
        for note in &self.notes {
            for line in text::wrap(note, width, 2) {
                let _ = writeln!(out, "{}", swimlane::paint(swimlane::dim(), &line));
            }
        }
        out
    }
}

/// The columns of the metrics table, by view: the customer's (turnaround,
/// lost, wait, errand), the tellers' (their efficiency), the machine's
/// (polls, threads, CPU, memory, switches).
const METRICS: [Column; 10] = [
    Column {
        name: "turnaround",
        unit: "ms",
    },
    Column {
        name: "lost",
        unit: "ms",
    },
    Column {
        name: "wait",
        unit: "ms",
    },
    Column {
        name: "errand",
        unit: "ms",
    },
    Column {
        name: "tellers'",
        unit: "effic.",
    },
    Column {
        name: "polls",
        unit: "",
    },
    Column {
        name: "threads",
        unit: "",
    },
    Column {
        name: "CPU",
        unit: "ms",
    },
    Column {
        name: "RSS",
        unit: "MiB",
    },
    Column {
        name: "switches",
        unit: "",
    },
];

/// The response column, shown when a policy served in turns.
const RESPONSE: Column = Column {
    name: "resp",
    unit: "ms",
};

/// The metrics table: the ideal schedule's row (when given) above a row per
/// run, `(label, metrics)`. `in_turns`: whether the runs' policy served in
/// turns (round robin, MLFQ); the table then has a response column too
/// (the first call − arrival), and its note says that the wait counts each
/// `PAUSE` to the next `CALL` as well.
pub fn metrics(
    ideal: Option<(&Scenario, &Schedule)>,
    runs: &[(String, &Metrics)],
    in_turns: bool,
) -> Table {
    let mut rows = Vec::new();
    if let Some((scenario, schedule)) = ideal {
        let (response, wait) = ideal_means(scenario, schedule);
        let mut cells = vec![String::new(), String::new()];
        if in_turns {
            cells.push(number(response));
        }
        cells.extend([number(wait), String::new(), "1.00".to_owned()]);
        cells.resize(METRICS.len() + usize::from(in_turns), String::new());
        rows.push((IDEAL.to_owned(), cells));
    }
    for (label, m) in runs {
        let p = &m.process;
        let mut cells = vec![number(m.mean_turnaround_ms), number(m.mean_lost_ms)];
        if in_turns {
            cells.push(number(m.mean_response_ms.unwrap_or(m.mean_wait_ms)));
        }
        cells.extend([
            number(m.mean_wait_ms),
            number(m.errand_while_waiting_ms),
            format!("{:.2}", m.efficiency),
            m.polls.to_string(),
            p.threads_peak.to_string(),
            cpu(p.cpu_ms()),
            mib(p.max_rss_kib),
            (p.ctx_switches_voluntary + p.ctx_switches_involuntary).to_string(),
        ]);
        rows.push((label.clone(), cells));
    }
    let mut columns = METRICS.to_vec();
    let wait = if in_turns {
        columns.insert(2, RESPONSE);
        "resp, response, the first call − arrived; wait, all the time in line: called − \
         arrived and each PAUSE to the next CALL;"
    } else {
        "wait, called − arrived;"
    };
    Table {
        columns,
        rows,
        notes: vec![format!(
            "The customer's view, means over the served: turnaround, arrival to finished, \
             errand included; lost, time in the bank neither on the errand nor at the counter, \
             from arrival to DONE; {wait} errand, errand done while waiting. The tellers' view: \
             tellers' effic., the tellers' efficiency, ideal makespan / makespan (1.00 is the \
             limit). The machine's: polls, looks that found nothing; threads (peak), CPU \
             (user + sys), RSS (peak resident memory) and context switches (voluntary + \
             involuntary) of the customers' process: a bank inside it is left out, but for its \
             memory."
        )],
        ..Table::default()
    }
}

/// The ideal schedule's mean response (its first turn's start − arrival)
/// and mean wait (the time, from arrival to its last turn's end, that a
/// customer was not served) over its customers.
fn ideal_means(scenario: &Scenario, schedule: &Schedule) -> (f64, f64) {
    let mut turns: BTreeMap<u32, (f64, f64, f64)> = BTreeMap::new();
    for v in &schedule.turns {
        let (first, last, served) =
            turns
                .entry(v.customer)
                .or_insert((f64::INFINITY, f64::NEG_INFINITY, 0.0));
        *first = first.min(v.start_ms);
        *last = last.max(v.end_ms);
        *served += v.end_ms - v.start_ms;
    }
    let (mut response, mut wait, mut n) = (0.0, 0.0, 0u32);
    for (customer, (first, last, served)) in turns {
        let Some(c) = scenario.customers.get(customer as usize) else {
            continue;
        };
        response += first - c.arrive_ms;
        wait += last - c.arrive_ms - served;
        n += 1;
    }
    if n == 0 {
        return (0.0, 0.0);
    }
    (response / f64::from(n), wait / f64::from(n))
}

/// The columns of the customers' table.
const EACH: [Column; 7] = [
    Column {
        name: "ticket",
        unit: "",
    },
    Column {
        name: "arrival",
        unit: "ms",
    },
    Column {
        name: "service",
        unit: "ms",
    },
    Column {
        name: "turns",
        unit: "",
    },
    Column {
        name: "response",
        unit: "ms",
    },
    Column {
        name: "wait",
        unit: "ms",
    },
    Column {
        name: "turnaround",
        unit: "ms",
    },
];

/// The customers' table: each customer of `trace`, with the three measures
/// of scheduling under the run's policy (as `scheduling` prints them for
/// jobs), then their means over the served.
pub fn customers(trace: &Trace) -> Table {
    let shown = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), number);
    let mut rows: Vec<(String, Vec<String>)> = trace
        .customers
        .iter()
        .map(|c| {
            let asked = trace.scenario.customers.get(c.id as usize);
            (
                c.name.clone(),
                vec![
                    c.ticket.map_or_else(|| "-".to_owned(), |n| n.to_string()),
                    shown(c.arrive_ms),
                    shown(asked.map(|a| a.service_ms)),
                    c.calls.len().to_string(),
                    shown(c.response_ms),
                    shown(c.wait_ms),
                    shown(c.turnaround_ms),
                ],
            )
        })
        .collect();
    let m = &trace.metrics;
    let mut mean = vec![String::new(); 4];
    mean.extend([
        number(m.mean_response_ms.unwrap_or(m.mean_wait_ms)),
        number(m.mean_wait_ms),
        number(m.mean_turnaround_ms),
    ]);
    rows.push(("mean of the served".to_owned(), mean));
    Table {
        columns: EACH.to_vec(),
        rows,
        notes: vec![format!(
            "under {}: response = the first call − arrival; wait = time in line, arrival to \
             the first call and each PAUSE to the next; turnaround = arrival to finished, \
             errand included; turns = calls to the counter.",
            trace.scenario.policy_words()
        )],
        ..Table::default()
    }
}

/// The ideal schedule's label in a table.
const IDEAL: &str = "ideal 理想";

/// The columns of the teller-loss table: the total, its four parts (each
/// in ms and as a share of the total), and the reactions in two phases.
pub const TELLER_LOSS: [Column; 7] = [
    Column {
        name: "total",
        unit: "ms",
    },
    Column {
        name: "overrun",
        unit: "ms, %",
    },
    Column {
        name: "reaction",
        unit: "ms, %",
    },
    Column {
        name: "gap",
        unit: "ms, %",
    },
    Column {
        name: "idle",
        unit: "ms, %",
    },
    Column {
        name: "arriving",
        unit: "p50/p99",
    },
    Column {
        name: "after",
        unit: "p50/p99",
    },
];

/// What the teller-loss table's columns mean.
pub const TELLER_LOSS_NOTE: &str = "Where the tellers' time went: total, tellers × makespan \
     − Σ services asked, is overrun (serving longer than asked: the bank's timers) + reaction \
     (CALL to HERE) + gap (free while someone waited to be called: DONE to the next CALL) + \
     idle (free with nobody waiting), each in ms and as a share of the total. arriving and \
     after: the median and 99th percentile reaction, in ms, to the calls made while \
     customers were still arriving (up to the last arrival), and after.";

/// The teller-loss table: the ideal schedule's row (when given: its loss
/// is all idle) above a row per run, `(label, metrics)`.
pub fn teller_loss(ideal: Option<(&Scenario, &Schedule)>, runs: &[(String, &Metrics)]) -> Table {
    let ideal_loss = ideal.map(|(scenario, schedule)| teller_loss::of_schedule(scenario, schedule));
    let mut labels: Vec<String> = Vec::new();
    let mut losses: Vec<Option<&TellerLoss>> = Vec::new();
    if let Some(loss) = &ideal_loss {
        labels.push(IDEAL.to_owned());
        losses.push(Some(loss));
    }
    for (label, m) in runs {
        labels.push(label.clone());
        losses.push(m.teller_loss.as_ref());
    }
    Table {
        corner: "where the tellers' time went".to_owned(),
        columns: TELLER_LOSS.to_vec(),
        rows: labels.into_iter().zip(teller_loss_cells(&losses)).collect(),
        notes: vec![TELLER_LOSS_NOTE.to_owned()],
    }
}

/// The cells of the teller-loss columns for each of `losses` (`None`: not
/// measured, every cell `-`). A part's cell is its ms and its share, each
/// right-aligned within the column, so that both line up down the column.
pub fn teller_loss_cells(losses: &[Option<&TellerLoss>]) -> Vec<Vec<String>> {
    let parts = |l: &TellerLoss| [l.overrun_ms, l.reaction_ms, l.gap_ms, l.idle_ms];
    // The widest ms of each part, over every row.
    let mut widest = [0usize; 4];
    for loss in losses.iter().flatten() {
        for (w, part) in widest.iter_mut().zip(parts(loss)) {
            *w = (*w).max(columns(&number(part)));
        }
    }
    losses
        .iter()
        .map(|loss| {
            let Some(loss) = loss else {
                return vec!["-".to_owned(); TELLER_LOSS.len()];
            };
            let mut cells = vec![number(loss.total_ms)];
            for (w, part) in widest.iter().zip(parts(loss)) {
                let share = format!("{:.0}%", 100.0 * loss.share(part));
                cells.push(format!(
                    "{} {}",
                    text::pad_left(&number(part), *w),
                    text::pad_left(&share, 4)
                ));
            }
            cells.push(reactions(&loss.reaction_arriving));
            cells.push(reactions(&loss.reaction_after));
            cells
        })
        .collect()
}

/// A phase's reactions: "p50/p99" in ms, two decimals below 10; `-` without calls.
fn reactions(r: &Reactions) -> String {
    if r.calls == 0 {
        return "-".to_owned();
    }
    let short = |ms: f64| {
        if ms < 10.0 {
            let text = format!("{ms:.2}");
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            number(ms)
        }
    };
    format!("{}/{}", short(r.p50_ms), short(r.p99_ms))
}

/// CPU milliseconds: whole ones from 100 on, else one decimal.
pub fn cpu(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else {
        format!("{ms:.1}")
    }
}

/// KiB as MiB, one decimal.
pub fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swimlane::tests::small_scene;
    use timeline::scenario::{PolicyKind, Slices};

    #[test]
    fn the_customers_table_has_a_row_each_and_the_means() {
        let trace = small_scene();
        let table = customers(&trace);
        let names: Vec<&str> = table.rows.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["张三", "李四", "Alice", "mean of the served"]);
        // Alice gave up before her call: no response, no wait.
        assert_eq!(table.rows[2].1[4..6], ["-", "-"]);
        assert_eq!(table.rows[0].1[3], "1", "one turn");
        assert!(
            table.notes[0].starts_with("under fcfs:"),
            "{:?}",
            table.notes
        );
    }

    #[test]
    fn under_a_policy_of_turns_the_metrics_table_has_the_response_too() {
        let mut scenario = timeline::scenario::Generate::default().scenario();
        let fcfs = crate::table::metrics(None, &[], false);
        assert_eq!(fcfs.columns, METRICS.to_vec());
        assert!(fcfs.notes[0].contains("wait, called − arrived;"));
        scenario.policy = PolicyKind::Rr;
        scenario.slices = Slices::of(PolicyKind::Rr, Some(100.0), None, None).unwrap_or_default();
        // Two customers, 400 ms each, arriving 100 ms apart, one teller:
        // the ideal alternates turns of 100 ms.
        scenario.customers.truncate(2);
        scenario.tellers = 1;
        let schedule = Schedule {
            makespan_ms: 800.0,
            turns: [
                (0, 0.0),
                (0, 100.0),
                (1, 200.0),
                (0, 300.0),
                (1, 400.0),
                (0, 500.0),
                (1, 600.0),
                (1, 700.0),
            ]
            .into_iter()
            .map(|(customer, start_ms)| timeline::schedule::Turn {
                customer,
                teller: 1,
                start_ms,
                end_ms: start_ms + 100.0,
            })
            .collect(),
        };
        let rr = metrics(Some((&scenario, &schedule)), &[], true);
        assert_eq!(rr.columns[2], RESPONSE);
        // Response: 0 and 100 ms; wait: 600 − 400 = 200 and 800 − 100 − 400 = 300.
        assert_eq!(rr.rows[0].1[2..4], ["50", "250"]);
        assert!(rr.notes[0].contains("each PAUSE to the next CALL"));
    }

    #[test]
    fn columns_line_up_by_display_width() {
        let table = Table {
            columns: vec![
                Column {
                    name: "makespan",
                    unit: "ms",
                },
                Column {
                    name: "x",
                    unit: "",
                },
            ],
            rows: vec![
                (
                    "sync-blocking 同步阻塞".to_owned(),
                    vec!["1300".into(), "7".into()],
                ),
                ("Bob".to_owned(), vec!["12".into(), "1000".into()]),
            ],
            ..Table::default()
        };
        let text = anstream::adapter::strip_str(&table.render(100)).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        // Every row ends at the same display column: numbers are right-aligned.
        let ends: Vec<usize> = lines[2..].iter().map(|l| columns(l)).collect();
        assert_eq!(ends[0], ends[1], "{text}");
        let makespan_end = lines[0]
            .find("makespan")
            .map(|i| columns(&lines[0][..i]) + 8);
        let first = lines[2];
        let at = first.find("1300").map(|i| columns(&first[..i]) + 4);
        assert_eq!(makespan_end, at, "{text}");
    }

    #[test]
    fn a_row_without_cells_is_a_heading_written_whole_and_the_corner_heads_the_labels() {
        let table = Table {
            corner: "customers".to_owned(),
            columns: vec![Column {
                name: "served",
                unit: "",
            }],
            rows: vec![
                ("async-nonblocking 异步非阻塞".to_owned(), vec![]),
                ("      100".to_owned(), vec!["100".into()]),
            ],
            ..Table::default()
        };
        let text = anstream::adapter::strip_str(&table.render(100)).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "customers  served", "{text}");
        assert_eq!(
            lines[2], "async-nonblocking 异步非阻塞",
            "not cut to the labels' width"
        );
        assert_eq!(lines[3], "      100     100", "{text}");
    }

    #[test]
    fn the_metrics_table_leads_with_the_customers_view() {
        let m = Metrics {
            mean_turnaround_ms: 1614.0,
            mean_lost_ms: 208.0,
            efficiency: 0.99,
            ..Metrics::default()
        };
        let table = metrics(None, &[("sync-blocking 同步阻塞".to_owned(), &m)], false);
        let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
        assert_eq!(names[..2], ["turnaround", "lost"]);
        let efficiency = names.iter().position(|&n| n == "tellers'");
        assert_eq!(efficiency.map(|i| table.columns[i].unit), Some("effic."));
        assert_eq!(table.rows[0].1[..2], ["1614", "208"]);
        assert!(table.notes[0].contains("tellers' efficiency"));
    }

    #[test]
    fn the_teller_loss_parts_line_up_and_say_their_shares() {
        let loss = |overrun_ms: f64, idle_ms: f64| TellerLoss {
            total_ms: overrun_ms + idle_ms,
            overrun_ms,
            idle_ms,
            reaction_arriving: Reactions {
                calls: 3,
                p50_ms: 0.123,
                p99_ms: 45.67,
            },
            ..TellerLoss::default()
        };
        let (small, large) = (loss(1.5, 98.5), loss(12_000.0, 4000.0));
        let cells = teller_loss_cells(&[Some(&small), None, Some(&large)]);
        assert_eq!(cells[0][0], "100");
        assert_eq!(
            cells[0][1], "  1.5   2%",
            "ms padded to the widest, then the share"
        );
        assert_eq!(cells[2][1], "12000  75%");
        assert_eq!(cells[0][4], "98.5  98%");
        assert_eq!(
            cells[0][5], "0.12/45.7",
            "p50/p99 of the calls while arriving"
        );
        assert_eq!(cells[0][6], "-", "no calls after the arrivals");
        assert!(cells[1].iter().all(|c| c == "-"), "not measured");
        for (small, large) in cells[0].iter().zip(&cells[2]).skip(1).take(4) {
            assert_eq!(columns(small), columns(large), "{small:?} {large:?}");
        }
    }
}
