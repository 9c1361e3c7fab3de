//! Terminal tables, and the metrics table of runs: a row per run, under the ideal schedule's row, with
//! what each style achieved (makespan, efficiency, waits, reactions, errand
//! done while waiting) and what it cost the machine (polls, threads, CPU,
//! memory, context switches).
//!
//! ```text
//!                          served  makespan  efficiency  wait  reaction  errand  polls  threads  CPU  peak RSS  switches
//!                                        ms                ms        ms      ms                   ms       MiB
//! ideal 理想                    6      1300        1.00   233         0
//! sync-blocking 同步阻塞        6      1309        0.99   239     0.169       0      0        9  4.1       9.1        64
//! ```
//!
//! Labels are aligned by display width (同步阻塞 takes eight columns); numbers
//! are right-aligned under their heading, with units on a line of their own.

use std::fmt::Write as _;

use timeline::Scenario;
use timeline::schedule::Schedule;
use timeline::trace::Metrics;

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
    /// The columns after the label.
    pub columns: Vec<Column>,
    /// Each row: its label, then a cell per column.
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
            .map(|(label, _)| columns(label))
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
        let names = line("", &mut self.columns.iter().map(|c| c.name.to_owned()));
        let units = line("", &mut self.columns.iter().map(|c| c.unit.to_owned()));
        let _ = writeln!(out, "{}", swimlane::paint(swimlane::bold(), &names));
        let _ = writeln!(out, "{}", swimlane::paint(swimlane::dim(), &units));
        for (label, cells) in &self.rows {
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

/// The columns of the metrics table.
const METRICS: [Column; 10] = [
    Column {
        name: "makespan",
        unit: "ms",
    },
    Column {
        name: "effic.",
        unit: "",
    },
    Column {
        name: "wait",
        unit: "ms",
    },
    Column {
        name: "react",
        unit: "ms",
    },
    Column {
        name: "errand",
        unit: "ms",
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

/// The metrics table: the ideal schedule's row (when given) above a row per
/// run, `(label, metrics)`.
pub fn metrics(ideal: Option<(&Scenario, &Schedule)>, runs: &[(String, &Metrics)]) -> Table {
    let mut rows = Vec::new();
    if let Some((scenario, schedule)) = ideal {
        let waits = schedule.visits.iter().filter_map(|v| {
            let c = scenario.customers.get(v.customer as usize)?;
            Some(v.start_ms - c.arrive_ms)
        });
        let (sum, n) = waits.fold((0.0, 0u32), |(s, n), w| (s + w, n + 1));
        let mean_wait = if n == 0 { 0.0 } else { sum / f64::from(n) };
        let mut cells = vec![
            number(schedule.makespan_ms),
            "1.00".to_owned(),
            number(mean_wait),
            "0".to_owned(),
        ];
        cells.resize(METRICS.len(), String::new());
        rows.push(("ideal 理想".to_owned(), cells));
    }
    for (label, m) in runs {
        let p = &m.process;
        rows.push((
            label.clone(),
            vec![
                number(m.makespan_ms),
                format!("{:.2}", m.efficiency),
                number(m.mean_wait_ms),
                number(m.mean_reaction_ms),
                number(m.errand_while_waiting_ms),
                m.polls.to_string(),
                p.threads_peak.to_string(),
                cpu(p.cpu_ms()),
                mib(p.max_rss_kib),
                (p.ctx_switches_voluntary + p.ctx_switches_involuntary).to_string(),
            ],
        ));
    }
    Table {
        columns: METRICS.to_vec(),
        rows,
        notes: vec![
            "effic.: efficiency, ideal makespan / makespan (1.00 is the limit). wait: called − \
             arrived, and react: reaction, at the counter − called, means over the served. \
             errand: errand done while waiting, per customer. polls: looks that found nothing. \
             threads (peak), CPU (user + sys), RSS (peak resident memory) and context switches \
             (voluntary + involuntary) are the customers' process's: a bank inside it is left \
             out, but for its memory."
                .to_owned(),
        ],
    }
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
            notes: vec![],
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
}
