//! # The Gantt chart: a row per job, a column per tick
//!
//! The chart is the ticks drawn as text: one row per job (or process),
//! one column per tick, time running left to right. A glyph says what the
//! job did in that tick:
//!
//! ```text
//!         0    5    10   15
//! job 0   ████████
//! job 1   ········███
//! job 2   ···········█████
//! ```
//!
//! `█` running (运行), `·` ready (就绪), `░` blocked on I/O (阻塞), blank
//! not in the system. For the MLFQ the running glyph is the queue's number
//! (`1` is the top queue), so demotion shows as the digits growing. Long
//! runs wrap every [`WIDTH`] ticks, each band with its own time axis: one
//! column stays exactly one tick, whatever the length.
//!
//! Colour (running green, blocked blue, ready dim) is written as `anstyle`
//! escapes; `anstream` drops them unless stdout is a terminal and
//! `NO_COLOR` is unset.

use anstyle::{AnsiColor, Effects, Style};
use unicode_width::UnicodeWidthStr;

use crate::ticks::{Tick, Ticks};

/// Ticks per band before the chart wraps.
pub const WIDTH: usize = 60;

/// Axis labels every this many ticks.
const LABEL_EVERY: usize = 5;

/// What a cell shows, which decides its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Look {
    /// Holding the CPU, at this queue level (0 for the single-queue policies).
    Running(usize),
    /// Ready, waiting for the CPU.
    Ready,
    /// Blocked on I/O.
    Blocked,
    /// Not in the system, or nothing to show.
    Empty,
}

/// One cell: a glyph and how it looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The character drawn.
    pub glyph: char,
    /// Its colour class.
    pub look: Look,
}

/// One row of the chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The row's name, on the left: `job 0`, `process 1`, `CPU`.
    pub label: String,
    /// One cell per tick, from tick 0.
    pub cells: Vec<Cell>,
}

impl Cell {
    /// A cell for one tick: `█` (or the queue's number, if
    /// `numbered`) running, `·` ready, `░` blocked, blank absent.
    pub fn of_mark(mark: Tick, numbered: bool) -> Cell {
        match mark {
            Tick::Running { level } => Cell {
                glyph: if numbered { queue_digit(level) } else { '█' },
                look: Look::Running(level),
            },
            Tick::Ready => Cell {
                glyph: '·',
                look: Look::Ready,
            },
            Tick::Blocked => Cell {
                glyph: '░',
                look: Look::Blocked,
            },
            Tick::Absent => Cell {
                glyph: ' ',
                look: Look::Empty,
            },
        }
    }
}

/// The digit for queue `level` (0 is queue 1); `+` past queue 9.
fn queue_digit(level: usize) -> char {
    u32::try_from(level + 1)
        .ok()
        .and_then(|n| char::from_digit(n, 10))
        .unwrap_or('+')
}

/// One row per job of `run`, labelled `job 0`, `job 1`, ...
pub fn chart_rows(run: &Ticks, numbered: bool) -> Vec<Row> {
    run.rows
        .iter()
        .enumerate()
        .map(|(id, row)| Row {
            label: format!("job {id}"),
            cells: row
                .ticks
                .iter()
                .map(|&mark| Cell::of_mark(mark, numbered))
                .collect(),
        })
        .collect()
}

/// The chart of `rows`, wrapped in bands of [`WIDTH`] ticks, each under a
/// time axis labelled every 5 ticks. The text holds colour escapes.
pub fn draw(rows: &[Row]) -> String {
    let ticks = rows.iter().map(|row| row.cells.len()).max().unwrap_or(0);
    let label_width = rows.iter().map(|row| row.label.width()).max().unwrap_or(0) + 3;
    let mut out = String::new();
    for band_start in (0..ticks).step_by(WIDTH) {
        let band_end = (band_start + WIDTH).min(ticks);
        if band_start > 0 {
            out.push('\n');
        }
        out.push_str(&" ".repeat(label_width));
        out.push_str(&axis(band_start, band_end));
        out.push('\n');
        for row in rows {
            out.push_str(&row.label);
            out.push_str(&" ".repeat(label_width - row.label.width()));
            let cells = row.cells.get(band_start..band_end.min(row.cells.len()));
            let cells = cells.unwrap_or_default();
            // Blank cells at the end of a row are left out.
            let drawn = cells
                .iter()
                .rposition(|c| c.look != Look::Empty)
                .map_or(0, |at| at + 1);
            for cell in &cells[..drawn] {
                let style = style_of(cell.look);
                out.push_str(&format!(
                    "{}{}{}",
                    style.render(),
                    cell.glyph,
                    style.render_reset()
                ));
            }
            out.push('\n');
        }
    }
    out
}

/// The axis over ticks `start..end`: the time at every 5th tick, written
/// from that tick's column (the end time too, if a label fits there).
fn axis(start: usize, end: usize) -> String {
    let mut line = String::new();
    let first = start.div_ceil(LABEL_EVERY) * LABEL_EVERY;
    for time in (first..=end).step_by(LABEL_EVERY) {
        let column = time - start;
        if line.len() > column {
            continue;
        }
        line.push_str(&" ".repeat(column - line.len()));
        line.push_str(&time.to_string());
    }
    line.trim_end().to_string()
}

/// The colour of a look.
fn style_of(look: Look) -> Style {
    match look {
        Look::Running(level) => {
            let colours = [
                AnsiColor::Green,
                AnsiColor::Yellow,
                AnsiColor::Magenta,
                AnsiColor::Red,
            ];
            let colour = colours[level.min(colours.len() - 1)];
            Style::new()
                .fg_color(Some(colour.into()))
                .effects(Effects::BOLD)
        }
        Look::Ready => Style::new().effects(Effects::DIMMED),
        Look::Blocked => Style::new().fg_color(Some(AnsiColor::Blue.into())),
        Look::Empty => Style::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{self, Job, Policy};

    /// `draw` without its colour escapes.
    fn plain(rows: &[Row]) -> String {
        anstream::adapter::strip_str(&draw(rows)).to_string()
    }

    #[test]
    fn fcfs_on_three_jobs_draws_the_textbook_chart() {
        let jobs: Vec<Job> = [8, 3, 5]
            .into_iter()
            .map(|length| Job { arrival: 0, length })
            .collect();
        let run = jobs::schedule(Policy::Fcfs, &jobs);
        let chart = plain(&chart_rows(&run, false));
        let lines: Vec<&str> = chart.lines().map(str::trim_end).collect();
        assert_eq!(
            lines,
            [
                "        0    5    10   15",
                "job 0   ████████",
                "job 1   ········███",
                "job 2   ···········█████",
            ]
        );
    }

    #[test]
    fn long_runs_wrap_with_an_axis_per_band() {
        let run = jobs::schedule(
            Policy::Fcfs,
            &[Job {
                arrival: 0,
                length: 70,
            }],
        );
        let chart = plain(&chart_rows(&run, false));
        let lines: Vec<&str> = chart.lines().collect();
        assert_eq!(lines.len(), 5, "{chart}");
        assert!(lines[0].trim_start().starts_with("0    5"), "{chart}");
        assert!(lines[0].trim_end().ends_with("60"), "{chart}");
        assert_eq!(lines[1].chars().filter(|&c| c == '█').count(), WIDTH);
        assert!(lines[3].trim_start().starts_with("60   65   70"), "{chart}");
        assert_eq!(lines[4].chars().filter(|&c| c == '█').count(), 10);
    }

    #[test]
    fn mlfq_rows_show_the_queue_number() {
        assert_eq!(Cell::of_mark(Tick::Running { level: 2 }, true).glyph, '3');
        assert_eq!(Cell::of_mark(Tick::Running { level: 2 }, false).glyph, '█');
        assert_eq!(queue_digit(9), '+');
    }
}
