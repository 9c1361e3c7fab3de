//! The terminal picture: the ideal schedule above every run's swimlane, all
//! on ONE time axis, so that the same column is the same millisecond in
//! every row, and a glance down a column compares the styles at that moment.
//!
//! ```text
//!                            ms 0         200       400       600 ...
//!                               |.........|.........|.........|...
//! ideal 理想 — the simulator: instant reactions, exact service
//!   teller 1                    1###################3###############
//! sync-blocking 同步阻塞 — stands in line and does nothing else
//!   张三 #1                     ####################===============
//!   李四 #2                          -------------!!####################
//!   teller 1                    1###################~3###############
//! ...
//! ```
//!
//! The rows are the single-run swimlane's ([`swimlane::track`]), so every
//! glyph means here what it means in each demo. With many customers a run
//! is summarised instead of printing ten thousand rows: a few
//! representative customers (the first, the middle one, the last, and the
//! first who gave up), then one row per state counting how many customers
//! were in it, a digit per column (`9` = all of them, blank = none), and the
//! tellers (also counted, when there are many).

use std::fmt::Write as _;

use bank::ideal;
use pictures::swimlane::{self, Axis, MIN_WIDTH};
use pictures::text;
use timeline::Scenario;
use timeline::State;
use timeline::metrics;
use timeline::model::{self, LaneView};
use timeline::trace::{Outcome, Trace};
use timeline::{Lane, LaneKind};

/// One run in the picture.
#[derive(Clone, Copy, Debug)]
pub struct Panel<'a> {
    /// The run.
    pub trace: &'a Trace,
    /// Its name: the style, its Chinese term, where it came from.
    pub title: &'a str,
    /// After the name: what the style does, in the lecture's scene.
    pub about: &'a str,
}

/// With more customers than this, a run is summarised.
pub const MANY_CUSTOMERS: usize = 12;

/// With more tellers than this, the tellers are counted, not drawn one by one.
pub const MANY_TELLERS: usize = 8;

/// With more threads (or tasks) than this, they are counted, not drawn one by one.
pub const MANY_KERNEL_LANES: usize = 12;

/// Indent of a section's rows under its heading.
const INDENT: &str = "  ";

/// A row of a section.
enum Row {
    /// One lane, drawn as in a demo's swimlane.
    Lane(LaneView),
    /// How many lanes of a kind were in `state`, per column.
    Crowd {
        /// The state counted.
        state: State,
        /// How many lanes could be in it: a `9` means all of them.
        of: usize,
        /// What the lanes are, said after their number when they are
        /// neither customers nor tellers: `threads`.
        what: Option<&'static str>,
        /// Each counted lane's stretches in that state, `(start, end)` ms.
        stretches: Vec<(f64, f64)>,
    },
}

impl Row {
    /// What stands before the track.
    fn label(&self) -> String {
        match self {
            Row::Lane(lane) if lane.outcome == Some(Outcome::Abandoned) => {
                format!("{INDENT}{} (abandoned)", lane.label)
            }
            Row::Lane(lane) => format!("{INDENT}{}", lane.label),
            Row::Crowd {
                state,
                of,
                what: None,
                ..
            } => {
                format!(
                    "{INDENT}{} {} (of {of})",
                    swimlane::glyph(*state),
                    word(*state)
                )
            }
            Row::Crowd {
                state,
                of,
                what: Some(what),
                ..
            } => format!(
                "{INDENT}{} {} (of {of} {what})",
                swimlane::glyph(*state),
                word(*state)
            ),
        }
    }

    /// The row's track along `axis`.
    fn track(&self, axis: &Axis) -> String {
        match self {
            Row::Lane(lane) => swimlane::track(lane, axis),
            Row::Crowd {
                state,
                of,
                stretches,
                ..
            } => crowd_track(*state, *of, stretches, axis),
        }
    }

    /// Whether a counting row counts anyone at all.
    fn counts_anyone(&self) -> bool {
        match self {
            Row::Lane(_) => true,
            Row::Crowd { stretches, .. } => stretches.iter().any(|(a, b)| b > a),
        }
    }
}

/// A short English word for a counted state.
fn word(state: State) -> &'static str {
    pictures::look::look(state).short
}

/// A heading and its rows.
struct Section {
    /// The name.
    title: String,
    /// In brackets after the name: the makespan.
    note: String,
    /// After the note: what it is.
    about: String,
    /// The rows, in order.
    rows: Vec<Row>,
}

/// Draws `panels` under the ideal schedule (when they all ran the same
/// scenario), after the lines of `intro`, within `width` display columns;
/// then the legend. The string ends with a newline.
pub fn render(intro: &[String], panels: &[Panel], width: usize) -> String {
    let width = width.max(MIN_WIDTH);
    let mut sections = Vec::new();
    let mut legend_lanes = Vec::new();
    let mut end = 0.0f64;
    let mut summarised = false;

    if let Some(scenario) = common_scenario(panels) {
        let schedule = ideal::schedule(scenario);
        end = end.max(schedule.makespan_ms);
        let tellers = model::schedule_lanes(scenario, &schedule);
        legend_lanes.extend(tellers.iter().cloned());
        sections.push(Section {
            title: "ideal 理想".to_owned(),
            note: format!("makespan {} ms", swimlane::number(schedule.makespan_ms)),
            about: "the simulator: every reaction instant, every service exact".to_owned(),
            rows: teller_rows(tellers, &mut summarised),
        });
    }
    for panel in panels {
        let lanes = model::lanes(panel.trace);
        end = end.max(swimlane::end_ms(panel.trace, &lanes));
        let m = &panel.trace.metrics;
        let mut note = format!("makespan {} ms", swimlane::number(m.makespan_ms));
        if let Some(computing) = metrics::Computing::of(panel.trace) {
            let _ = write!(note, ", {:.2} CPUs at once", computing.cpus_at_once());
        }
        if m.abandoned > 0 {
            let _ = write!(note, ", {} abandoned", m.abandoned);
        }
        let rows = run_rows(&lanes, &mut summarised);
        legend_lanes.extend(lanes);
        sections.push(Section {
            title: panel.title.to_owned(),
            note,
            about: panel.about.to_owned(),
            rows,
        });
    }

    // One label column and one axis for every row of every section.
    let widest = sections
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| text::width(&r.label())))
        .max()
        .unwrap_or(0);
    let label_width = widest.clamp("ms".len(), (width * 2 / 5).max(8));
    let room = width - label_width - 1;
    let axis = Axis::fit(end, room);

    let mut out = String::new();
    for line in intro {
        push_wrapped(&mut out, line, width, None);
    }
    push_wrapped(
        &mut out,
        &format!(
            "one column = {} ms, the same for every row below",
            swimlane::number(axis.step_ms)
        ),
        width,
        None,
    );
    out.push('\n');
    let axis_lines = swimlane::axis_lines(&axis, label_width, room);
    for line in &axis_lines {
        let _ = writeln!(out, "{line}");
    }
    for section in &sections {
        let heading = format!("{} ({}) — {}", section.title, section.note, section.about);
        push_wrapped(&mut out, &heading, width, Some(swimlane::bold()));
        for row in &section.rows {
            let label = text::pad(&text::fit(&row.label(), label_width, ".."), label_width);
            let line = format!("{label} {}", row.track(&axis));
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    // The axis again at the foot: long pictures scroll their head away.
    if sections.iter().map(|s| s.rows.len() + 1).sum::<usize>() > 12 {
        for line in axis_lines.iter().rev() {
            let _ = writeln!(out, "{line}");
        }
    }
    out.push('\n');
    let any_abandoned = legend_lanes
        .iter()
        .any(|l| l.outcome == Some(Outcome::Abandoned));
    out.push_str(&swimlane::legend(&legend_lanes, any_abandoned, width));
    if summarised {
        push_wrapped(
            &mut out,
            "1-9 on a counting row: how many were in that state in that column; 9 = all of \
             them (the number after \"of\"), blank = none",
            width,
            None,
        );
    }
    out
}

/// The scenario every panel ran, if they all ran the same one.
fn common_scenario<'a>(panels: &[Panel<'a>]) -> Option<&'a Scenario> {
    let first = &panels.first()?.trace.scenario;
    panels
        .iter()
        .all(|p| p.trace.scenario == *first)
        .then_some(first)
}

/// A run's rows: every lane, or with many customers a summary; then the
/// tellers, then the kernel's lanes (threads, tasks).
fn run_rows(lanes: &[LaneView], summarised: &mut bool) -> Vec<Row> {
    let (customers, others): (Vec<&LaneView>, Vec<&LaneView>) = lanes
        .iter()
        .partition(|l| matches!(l.lane, Lane::Customer(_)));
    let (tellers, kernel): (Vec<&LaneView>, Vec<&LaneView>) = others
        .into_iter()
        .partition(|l| matches!(l.lane, Lane::Teller(_)));
    let mut rows = Vec::new();
    if customers.len() <= MANY_CUSTOMERS {
        rows.extend(customers.iter().map(|&l| Row::Lane(l.clone())));
    } else {
        *summarised = true;
        let n = customers.len();
        let mut picks = vec![0, n / 2, n - 1];
        if let Some(gave_up) = customers
            .iter()
            .position(|l| l.outcome == Some(Outcome::Abandoned))
        {
            picks.push(gave_up);
        }
        picks.sort_unstable();
        picks.dedup();
        rows.extend(picks.into_iter().map(|i| Row::Lane(customers[i].clone())));
        let tellers_count = tellers.len().max(1);
        for (state, of) in [
            (State::InLine, n),
            (State::Idle, n),
            (State::Errand, n),
            (State::Unnoticed, tellers_count),
            (State::AtCounter, tellers_count),
        ] {
            let row = crowd(&customers, state, of, None);
            // Idle is counted only where someone was.
            if state != State::Idle || row.counts_anyone() {
                rows.push(row);
            }
        }
    }
    rows.extend(teller_rows(
        tellers.into_iter().cloned().collect(),
        summarised,
    ));
    for (kind, what, states) in [
        (
            LaneKind::Thread,
            "threads",
            &[State::Blocked, State::Ready, State::Running][..],
        ),
        (LaneKind::Task, "tasks", &[State::Running][..]),
    ] {
        let group: Vec<&LaneView> = kernel
            .iter()
            .copied()
            .filter(|l| l.lane.kind() == kind)
            .collect();
        if group.len() <= MANY_KERNEL_LANES {
            rows.extend(group.into_iter().map(|l| Row::Lane(l.clone())));
        } else {
            *summarised = true;
            rows.extend(
                states
                    .iter()
                    .map(|&state| crowd(&group, state, group.len(), Some(what))),
            );
        }
    }
    rows
}

/// The tellers' rows: one each, or with many, counted.
fn teller_rows(tellers: Vec<LaneView>, summarised: &mut bool) -> Vec<Row> {
    if tellers.len() <= MANY_TELLERS {
        return tellers.into_iter().map(Row::Lane).collect();
    }
    *summarised = true;
    let all: Vec<&LaneView> = tellers.iter().collect();
    [State::Calling, State::Serving]
        .into_iter()
        .map(|state| crowd(&all, state, all.len(), None))
        .collect()
}

/// The counting row of `state` over `lanes` (of `what`, when not customers
/// or tellers).
fn crowd(lanes: &[&LaneView], state: State, of: usize, what: Option<&'static str>) -> Row {
    Row::Crowd {
        state,
        of,
        what,
        stretches: lanes
            .iter()
            .flat_map(|l| l.segments.iter())
            .filter(|s| s.state == state && s.start_ms.is_finite() && s.end_ms.is_finite())
            .map(|s| (s.start_ms, s.end_ms))
            .collect(),
    }
}

/// A counting row's track: per column, the mean number of lanes in the
/// state over the column's time, as a digit from 1 (a few) to 9 (all `of`).
fn crowd_track(state: State, of: usize, stretches: &[(f64, f64)], axis: &Axis) -> String {
    let mut covered = vec![0.0f64; axis.columns];
    for &(start, end) in stretches {
        if end <= start {
            continue;
        }
        for (c, time) in covered
            .iter_mut()
            .enumerate()
            .take(axis.column_of(end) + 1)
            .skip(axis.column_of(start))
        {
            let from = start.max(c as f64 * axis.step_ms);
            let to = end.min((c + 1) as f64 * axis.step_ms);
            *time += (to - from).max(0.0);
        }
    }
    let digits: String = covered
        .iter()
        .map(|&time| level(time / axis.step_ms, of))
        .collect();
    // Colour the digits as the state's glyph is coloured; blanks stay plain.
    let mut out = String::new();
    for (i, part) in digits.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&swimlane::paint(swimlane::look(state), part));
    }
    out
}

/// `mean` lanes out of `of`, as one character: blank for none, else 1 to 9.
fn level(mean: f64, of: usize) -> char {
    if mean.is_nan() || mean <= 0.0 {
        return ' ';
    }
    let share = mean / of.max(1) as f64;
    let digit = (share * 9.0).ceil().clamp(1.0, 9.0) as u32;
    char::from_digit(digit, 10).unwrap_or('9')
}

/// Pushes `text` wrapped to `width`, in `look` if given; lines after the
/// first are indented by 4, deeper than a section's rows.
fn push_wrapped(out: &mut String, words: &str, width: usize, look: Option<anstyle::Style>) {
    for line in text::wrap(words, width, 4) {
        match look {
            Some(look) => out.push_str(&swimlane::paint(look, &line)),
            None => out.push_str(&line),
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_go_from_a_few_to_all() {
        assert_eq!(level(0.0, 10), ' ');
        assert_eq!(level(f64::NAN, 10), ' ');
        assert_eq!(level(0.01, 10_000), '1');
        assert_eq!(level(5_000.0, 10_000), '5');
        assert_eq!(level(10_000.0, 10_000), '9');
        assert_eq!(level(20_000.0, 10_000), '9');
    }

    #[test]
    fn a_crowd_counts_overlapping_stretches() {
        let axis = Axis {
            step_ms: 10.0,
            columns: 4,
        };
        // Two of two blocked over [0, 20), one over [20, 30), none after.
        let track = crowd_track(State::InLine, 2, &[(0.0, 20.0), (0.0, 30.0)], &axis);
        let plain = anstream::adapter::strip_str(&track).to_string();
        assert_eq!(plain, "995 ");
    }
}
