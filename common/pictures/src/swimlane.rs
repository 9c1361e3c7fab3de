//! The terminal swimlane: a recorded run drawn as text.
//!
//! Time runs from left to right, one column per time step (the header says
//! how long a step is: `one column = 50 ms`), with an axis in milliseconds
//! above the rows. Below it comes one row per customer, then one per teller,
//! then (when the kernel was sampled) one per thread of the customers'
//! process and one per tokio task. Each column of a row shows what that lane
//! was doing then. A customer's row tells the scene:
//!
//! ```text
//! glyph  state            the words
//!   -    waiting in line  排队    waits for the call, errand still to do
//!   _    idle             空等    waits for the call, nothing left to do
//!   =    on the errand    办事    does own work (the phone call, the cigarette)
//!   !    called, unnoticed 未察觉 was called, has not noticed yet
//!   #    at the counter   办理    being served (on a teller's row: serving)
//!   ~    calling          叫号    a teller called a ticket and waits for HERE
//!   ?    poll             查看    looked at the socket, found nothing (over -, _ or =)
//!   x    abandoned        放弃    the customer left before DONE (end of the row)
//! ```
//!
//! and a thread's row, read from the kernel, the lecture's process states:
//! `@` running 运行 (on a CPU), `+` ready 就绪 (runnable, waiting for a CPU),
//! `.` blocked 阻塞 (asleep: in a receive, in `epoll_wait`, in a sleep). A
//! task's row shows `@` only while the task is polled on a thread.
//!
//! A small scene at 20 ms a column (李四 is a sync-nonblocking customer):
//!
//! ```text
//!                   ms 0         200       400       600       800
//!                      |.........|.........|.........|.........|....
//! 张三 #1              ---------------###############==========
//! 李四 #2                   =====?====?____?_!!!!!!!!###############
//! Alice #3 (abandoned)           ----------x
//!
//! teller 1                            ###############
//! teller 2                                   ~~~~~~~~###############
//!
//! customer 0's thread  .........................................
//! ```
//!
//! How to read it: a long run of `-` is a customer who could have done
//! their errand meanwhile. A run of `=` before the `#` is errand done while
//! waiting: that is what the asynchronous styles win; `_` after it is a
//! wait that costs the customer nothing. A run of `!` (and on the teller's
//! row, `~`) is the reaction time: the customer was called but had not
//! noticed yet, and the teller stood idle. Every `?` is a look at the socket
//! that found nothing: the "keeps looking up" of sync-nonblocking. Whether a
//! thread was blocked while its customer waited is on the thread's row, not
//! the customer's.
//!
//! One column stands for a whole step, in which a lane can change state. The
//! column shows the state that covered most of that step; a tie goes to the
//! state later in [`State::ALL`] (in line < idle < errand < unnoticed <
//! counter; calling < serving; blocked < ready < running). A column is blank
//! only when nothing at all covered it, so even a visit shorter than a step
//! shows up. A `?` replaces a `-`, `_` or `=` in the column where a poll
//! happened, and the `x` of an abandoned customer replaces whatever was in
//! the column where they left.
//!
//! The legend always names the scene's three basic states for customers
//! (waiting in line 排队, on the errand 办事, called but unnoticed 未察觉),
//! and, when the kernel was sampled, the three process states of a thread
//! (blocked 阻塞, ready 就绪, running 运行), seen in this run or not; then
//! whichever other states and marks the picture uses. Below it, a
//! short summary of the run's metrics.
//!
//! Colour comes from [`anstyle`] escapes in the returned string. Whether they
//! reach the screen is decided by the printer (`anstream::stdout()` strips them
//! when stdout is not a terminal or `NO_COLOR` is set), never here: the glyphs
//! alone must tell the story.
//!
//! Widths are display widths ([`unicode_width`]): 张三 takes four columns,
//! not two, and the tracks of all rows start in the same column.

use std::fmt::Write as _;

use anstyle::{Effects, Style as Ansi};
use unicode_width::UnicodeWidthStr as _;

use timeline::metrics;
use timeline::model::{self, LaneView};
use timeline::{Lane, LaneKind};
use timeline::{MarkKind, State};

use crate::look::{self, BOTH_SIDES_OF_THE_COUNTER, mark};
use crate::text;
use timeline::plural;
use timeline::trace::{Outcome, TellerLoss, Trace};

/// How to draw.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// Total columns the picture may use (default 100). Widths below
    /// [`MIN_WIDTH`] are drawn at [`MIN_WIDTH`].
    pub width: usize,
    /// Where the time axis ends at least, in ms: several pictures drawn
    /// with the same value share one time scale. `None`: where the lanes end.
    pub until_ms: Option<f64>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            width: 100,
            until_ms: None,
        }
    }
}

/// The narrowest picture drawn: a narrower `width` is raised to this.
pub const MIN_WIDTH: usize = 30;

/// With more customers than this, only the first [`HEAD`] and the last
/// [`TAIL`] get a row.
const MANY: usize = 40;
/// Rows shown before the elision line.
const HEAD: usize = 20;
/// Rows shown after the elision line.
const TAIL: usize = 10;

/// The glyph drawn for a state: readable without colour, and ASCII, so any
/// terminal shows it (from [the table](crate::look)).
pub fn glyph(state: State) -> char {
    look::look(state).glyph
}

/// The colour of a state (from [the table](crate::look)).
pub fn look(state: State) -> Ansi {
    look::look(state).ansi
}

/// Headings and names.
pub fn bold() -> Ansi {
    Ansi::new().effects(Effects::BOLD)
}

/// Secondary text: the axis, the mechanism line.
pub fn dim() -> Ansi {
    Ansi::new().effects(Effects::DIMMED)
}

/// `text` in `look`, reset afterwards.
pub fn paint(look: Ansi, text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!("{look}{text}{look:#}")
    }
}

/// The time axis: how long one column is, and how many columns the run takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Axis {
    /// Milliseconds per column: a "nice" number (1, 2, 5, 10, 20, 25, 50, 100, ...).
    pub step_ms: f64,
    /// Columns the run takes (at least 1): column `c` covers
    /// `[c × step_ms, (c + 1) × step_ms)`.
    pub columns: usize,
}

impl Axis {
    /// The smallest nice step that fits `[0, end_ms]` into at most `room`
    /// columns. An empty or zero-length run gets one column of 1 ms.
    pub fn fit(end_ms: f64, room: usize) -> Axis {
        let room = room.max(1);
        if !(end_ms.is_finite() && end_ms > 0.0) {
            return Axis {
                step_ms: 1.0,
                columns: 1,
            };
        }
        let needs = |step: f64| (end_ms / step).ceil().max(1.0);
        for exponent in -3..=300 {
            // 25, 250, 2500, ...: but below 10 ms, only 1, 2 and 5.
            let mantissas: &[f64] = if exponent >= 1 {
                &[1.0, 2.0, 2.5, 5.0]
            } else {
                &[1.0, 2.0, 5.0]
            };
            for &m in mantissas {
                // Divide for the small ones: 5.0 / 100.0 is exactly the double 0.05.
                let step = if exponent < 0 {
                    m / 10f64.powi(-exponent)
                } else {
                    m * 10f64.powi(exponent)
                };
                if needs(step) <= room as f64 {
                    return Axis {
                        step_ms: step,
                        columns: needs(step) as usize,
                    };
                }
            }
        }
        // Beyond any nice number (an absurd time): an exact, un-nice step.
        Axis {
            step_ms: end_ms / room as f64,
            columns: room,
        }
    }

    /// The column holding the instant `t_ms` (clamped into the axis).
    pub fn column_of(&self, t_ms: f64) -> usize {
        let c = (t_ms / self.step_ms).floor();
        if c.is_nan() || c < 0.0 {
            0
        } else {
            // `as` saturates: a huge time lands in the last column.
            (c as usize).min(self.columns - 1)
        }
    }
}

/// Where a run ends: the last segment end, poll, recorded moment or
/// customer/teller time, in ms (0 for an empty run). Times that are not
/// finite are ignored.
pub fn end_ms(trace: &Trace, lanes: &[LaneView]) -> f64 {
    let segments = lanes.iter().flat_map(|l| {
        l.segments
            .iter()
            .map(|s| s.end_ms)
            .chain(l.marks.iter().map(|m| m.at_ms))
    });
    let events = trace.events.iter().map(|e| e.t_us as f64 / 1000.0);
    let customers = trace.customers.iter().flat_map(|c| {
        [
            c.arrive_ms,
            c.called_ms,
            c.noticed_ms,
            c.at_counter_ms,
            c.done_ms,
            c.leave_ms,
        ]
        .into_iter()
        .flatten()
    });
    let tellers = trace
        .tellers
        .iter()
        .flat_map(|t| t.busy.iter().chain(&t.calling).map(|s| s[1]));
    segments
        .chain(events)
        .chain(customers)
        .chain(tellers)
        .filter(|t| t.is_finite())
        .fold(0.0, f64::max)
}

/// One cell of a track: a glyph and its colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// What the column shows.
    pub glyph: char,
    /// Its colour (`None`: plain, for blanks).
    pub look: Option<Ansi>,
}

/// A column nothing covered.
const BLANK: Cell = Cell {
    glyph: ' ',
    look: None,
};

/// The cells of one lane along `axis` (see the module header for the
/// rules): what [`track`] writes, for a picture that is not text (the live
/// view).
pub fn cells(lane: &LaneView, axis: &Axis) -> Vec<Cell> {
    // Time each state covers in each column, indexed like `State::ALL`.
    let mut cover = vec![[0.0f64; State::ALL.len()]; axis.columns];
    for seg in &lane.segments {
        if !(seg.start_ms.is_finite() && seg.end_ms.is_finite()) || seg.end_ms < seg.start_ms {
            continue;
        }
        let index = State::ALL
            .iter()
            .position(|&s| s == seg.state)
            .expect("State::ALL lists every state");
        for (c, column) in cover
            .iter_mut()
            .enumerate()
            .take(axis.column_of(seg.end_ms) + 1)
            .skip(axis.column_of(seg.start_ms))
        {
            let from = seg.start_ms.max(c as f64 * axis.step_ms);
            let to = seg.end_ms.min((c + 1) as f64 * axis.step_ms);
            if to > from {
                column[index] += to - from;
            } else if seg.start_ms == seg.end_ms {
                // A zero-length stretch still counts a little: it was there.
                column[index] += f64::MIN_POSITIVE;
            }
        }
    }
    let mut out: Vec<Cell> = cover
        .iter()
        .map(|column| {
            let mut best: Option<(usize, f64)> = None;
            for (i, &time) in column.iter().enumerate() {
                // `>=`: a tie goes to the later state.
                if time > 0.0 && best.is_none_or(|(_, b)| time >= b) {
                    best = Some((i, time));
                }
            }
            match best {
                Some((i, _)) => Cell {
                    glyph: glyph(State::ALL[i]),
                    look: Some(look(State::ALL[i])),
                },
                None => BLANK,
            }
        })
        .collect();
    for m in lane.marks.iter().filter(|m| m.kind == MarkKind::Poll) {
        if !m.at_ms.is_finite() {
            continue;
        }
        let cell = &mut out[axis.column_of(m.at_ms)];
        let waiting = [State::InLine, State::Idle, State::Errand].map(glyph);
        if waiting.contains(&cell.glyph) {
            *cell = Cell {
                glyph: mark(m.kind).glyph,
                look: Some(mark(m.kind).ansi),
            };
        }
    }
    for (start, end, text) in &lane.tags {
        // A ticket number is written over the start of its service, when the
        // service is wide enough to show it and at least one `#` after it.
        if !(start.is_finite() && end.is_finite()) {
            continue;
        }
        let serving = glyph(State::Serving);
        let mut from = axis.column_of(*start);
        if out[from].glyph != serving && from + 1 < out.len() {
            // The service began late in a column that the call still fills.
            from += 1;
        }
        let width = text.chars().count();
        let columns = (end - start) / axis.step_ms;
        let fits = columns >= (width + 1) as f64
            && out[from..]
                .iter()
                .take(width + 1)
                .all(|c| c.glyph == serving);
        if fits {
            for (cell, ch) in out[from..].iter_mut().zip(text.chars()) {
                cell.glyph = ch;
            }
        }
    }
    // Every other mark replaces whatever the column holds.
    for m in lane.marks.iter().filter(|m| m.kind != MarkKind::Poll) {
        if m.at_ms.is_finite() {
            out[axis.column_of(m.at_ms)] = Cell {
                glyph: mark(m.kind).glyph,
                look: Some(mark(m.kind).ansi),
            };
        }
    }
    out
}

/// One lane's track along `axis`: `axis.columns` columns of glyphs with their
/// colours; an `x` where an abandoned customer left.
/// (`compare` draws its rows with this, so all pictures read alike.)
pub fn track(lane: &LaneView, axis: &Axis) -> String {
    let mut out = String::new();
    let cells = cells(lane, axis);
    let mut run = String::new();
    let mut run_look = None;
    for cell in cells {
        if cell.look != run_look && !run.is_empty() {
            out.push_str(&styled(run_look, &run));
            run.clear();
        }
        run_look = cell.look;
        run.push(cell.glyph);
    }
    out.push_str(&styled(run_look, &run));
    out
}

fn styled(look: Option<Ansi>, text: &str) -> String {
    match look {
        Some(look) => paint(look, text),
        None => text.to_owned(),
    }
}

/// A time for people: whole numbers when they are, else up to three decimals.
pub fn number(value: f64) -> String {
    if !value.is_finite() {
        return "-".to_owned();
    }
    let text = if value.abs() >= 100.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else if value.abs() >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.3}")
    };
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

/// The two axis lines, for a label column `label_width` wide: the tick
/// labels in ms every 10 columns, and a ruler with `|` at each tick. Tick
/// labels never run past `room` track columns.
pub fn axis_lines(axis: &Axis, label_width: usize, room: usize) -> [String; 2] {
    let mut labels = String::new();
    let mut at = 0; // display columns used in `labels`
    for c in (0..axis.columns).step_by(10) {
        let text = number(c as f64 * axis.step_ms);
        let fits_before_next = at == 0 || c > at;
        if fits_before_next && c + text.len() <= room {
            labels.push_str(&" ".repeat(c - at));
            labels.push_str(&text);
            at = c + text.len();
        }
    }
    let ruler: String = (0..axis.columns)
        .map(|c| if c % 10 == 0 { '|' } else { '.' })
        .collect();
    let unit = text::fit("ms", label_width, "..");
    let unit = format!("{}{unit}", " ".repeat(label_width - unit.width()));
    [
        format!("{unit} {}", paint(dim(), &labels)),
        format!("{} {}", " ".repeat(label_width), paint(dim(), &ruler)),
    ]
}

/// Pushes `text` wrapped to `width`, each line in `look`.
fn push_text(out: &mut String, words: &str, width: usize, indent: usize, look: Option<Ansi>) {
    for line in text::wrap(words, width, indent) {
        out.push_str(&styled(look, &line));
        out.push('\n');
    }
}

/// Which rows to draw: all of them, or with many, the first [`HEAD`], a
/// count of the hidden ones, and the last [`TAIL`].
enum Row<'a> {
    /// A lane drawn in full.
    Lane(&'a LaneView),
    /// "... N more customers ...": how many rows were left out, and of what.
    Hidden(usize, LaneKind),
    /// A thin gap between two kinds of lanes.
    Gap,
}

/// The rows of `lanes` grouped by kind, in [`LaneKind::ALL`]'s order
/// (customers, tellers, then threads, tasks, processes, jobs) with a gap
/// between groups; a group of many keeps its head and tail.
fn rows(lanes: &[LaneView]) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    for kind in LaneKind::ALL {
        let group: Vec<&LaneView> = lanes.iter().filter(|l| l.lane.kind() == kind).collect();
        if group.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(Row::Gap);
        }
        if group.len() > MANY {
            let hidden = group.len() - HEAD - TAIL;
            out.extend(group[..HEAD].iter().map(|&l| Row::Lane(l)));
            out.push(Row::Hidden(hidden, kind));
            out.extend(group[group.len() - TAIL..].iter().map(|&l| Row::Lane(l)));
        } else {
            out.extend(group.into_iter().map(Row::Lane));
        }
    }
    out
}

/// Where the rows go: their labels' width, the time axis, and the rows.
struct Layout<'a> {
    /// The rows, in order.
    rows: Vec<Row<'a>>,
    /// Display columns of the label column.
    label_width: usize,
    /// Display columns left for the tracks.
    room: usize,
    /// The time axis across `room`.
    axis: Axis,
}

impl Layout<'_> {
    /// Lays `lanes` out in `width` columns on an axis that reaches `end_ms`.
    fn of(lanes: &[LaneView], end_ms: f64, width: usize) -> Layout<'_> {
        let rows = rows(lanes);
        // The label column: as wide as the widest shown label, within limits.
        let cap = (width * 2 / 5).max(8);
        let wanted = rows
            .iter()
            .filter_map(|row| match row {
                Row::Lane(l) => Some(
                    l.label.width()
                        + if l.outcome == Some(Outcome::Abandoned) {
                            ABANDONED.len()
                        } else {
                            0
                        },
                ),
                Row::Hidden(..) | Row::Gap => None,
            })
            .max()
            .unwrap_or(0);
        let label_width = wanted.clamp("ms".len(), cap);
        let room = width - label_width - 1;
        Layout {
            rows,
            label_width,
            room,
            axis: Axis::fit(end_ms, room),
        }
    }

    /// The axis lines and one line per row.
    fn draw(&self, out: &mut String, width: usize) {
        for line in axis_lines(&self.axis, self.label_width, self.room) {
            out.push_str(&line);
            out.push('\n');
        }
        for row in &self.rows {
            match row {
                Row::Lane(lane) => {
                    let name = text::pad(&label(lane, self.label_width), self.label_width);
                    let track = track(lane, &self.axis);
                    // Blank columns at the end of a row are plain spaces: drop them.
                    let _ = writeln!(out, "{}", format!("{name} {track}").trim_end());
                }
                Row::Hidden(n, kind) => {
                    let what = plural::noun(*n, kind.word());
                    let line = text::fit(&format!("... {n} more {what} ..."), width, "..");
                    let _ = writeln!(out, "{}", paint(dim(), &line));
                }
                Row::Gap => out.push('\n'),
            }
        }
    }
}

/// What an abandoned customer's label ends with.
const ABANDONED: &str = " (abandoned)";

/// A row's label, fitted into `width` columns; an abandoned customer's
/// label keeps its " (abandoned)" (or, when too narrow, " x").
fn label(lane: &LaneView, width: usize) -> String {
    if lane.outcome == Some(Outcome::Abandoned) {
        let suffix = if width >= lane.label.width().min(6) + ABANDONED.len() {
            ABANDONED.to_owned()
        } else {
            format!(" {}", mark(MarkKind::Abandon).glyph)
        };
        let name = text::fit(&lane.label, width.saturating_sub(suffix.len()), "..");
        format!("{name}{suffix}")
    } else {
        text::fit(&lane.label, width, "..")
    }
}

/// Display columns of the legend's Chinese words: three characters (未察觉).
const CHINESE_WIDTH: usize = 6;

/// The legend: for a picture of customers, their three basic states
/// always; then every other state and mark the picture uses. (`compare` passes the lanes of all its runs.)
pub fn legend(lanes: &[LaneView], any_abandoned: bool, width: usize) -> String {
    let used = |state: State| {
        lanes
            .iter()
            .any(|l| l.segments.iter().any(|s| s.state == state))
    };
    let has = |kind: LaneKind| lanes.iter().any(|l| l.lane.kind() == kind);
    // The states a lane of this kind can be in are named even when a run
    // happened not to show one: whether a thread was ever seen ready
    // depends on the machine's load, and the legend must not.
    let mut basic: Vec<State> = Vec::new();
    if has(LaneKind::Customer) {
        basic.extend([State::InLine, State::Errand, State::Unnoticed]);
    }
    if has(LaneKind::Thread) || has(LaneKind::Process) {
        basic.extend([State::Blocked, State::Ready, State::Running]);
    }
    let mut entries: Vec<(char, Ansi, &str, &str)> = Vec::new();
    for state in State::ALL {
        if !(basic.contains(&state) || used(state)) {
            continue;
        }
        let shown = look::look(state);
        let mut meaning = shown.meaning;
        if state == State::Serving && used(State::AtCounter) {
            // Same glyph, same word: one line for both sides of the counter.
            continue;
        }
        if state == State::AtCounter && used(State::Serving) {
            meaning = BOTH_SIDES_OF_THE_COUNTER;
        }
        entries.push((shown.glyph, shown.ansi, shown.chinese, meaning));
    }
    for kind in look::MARKS {
        let shown = mark(kind);
        let marked = match kind {
            MarkKind::Abandon => any_abandoned,
            _ => lanes.iter().any(|l| l.marks.iter().any(|m| m.kind == kind)),
        };
        if marked {
            entries.push((shown.glyph, shown.ansi, shown.chinese, shown.meaning));
        }
    }
    let mut out = String::new();
    let head = "legend";
    for (i, (glyph, look, chinese, english)) in entries.into_iter().enumerate() {
        let lead = if i == 0 { head } else { "" };
        let first = format!(
            "{} {glyph}  {} {english}",
            text::pad(lead, head.len()),
            text::pad(chinese, CHINESE_WIDTH)
        );
        for (j, line) in text::wrap(&first, width, head.len() + 5 + CHINESE_WIDTH)
            .into_iter()
            .enumerate()
        {
            if j == 0 {
                // Colour the glyph only: it is the sample of the picture.
                let (before, after) = line.split_at(head.len() + 1);
                let mut chars = after.chars();
                let g = chars.next().map(String::from).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{}{}{}",
                    paint(bold(), before),
                    paint(look, &g),
                    chars.as_str()
                );
            } else {
                let _ = writeln!(out, "{line}");
            }
        }
    }
    out
}

/// How many OS threads recorded customers' moments: one per customer, or one for all.
fn customer_threads(trace: &Trace) -> usize {
    let threads: std::collections::BTreeSet<u32> = trace
        .events
        .iter()
        .filter(|e| matches!(e.lane, Lane::Customer(_)))
        .map(|e| e.thread)
        .collect();
    threads.len()
}

/// The metrics, one short aligned line each.
fn summary(trace: &Trace, width: usize) -> String {
    let m = &trace.metrics;
    let p = &m.process;
    let ms = |v: f64| format!("{} ms", number(v));
    let rss = if p.max_rss_kib >= 1024 {
        format!(
            "{} MiB",
            number((p.max_rss_kib as f64 / 1024.0 * 10.0).round() / 10.0)
        )
    } else {
        format!("{} KiB", p.max_rss_kib)
    };
    let efficiency = if m.efficiency.is_finite() {
        format!("{:.2}", m.efficiency)
    } else {
        "-".to_owned()
    };
    // The customer's view first, the lecture's; then the tellers'; then the machine's.
    let lines = [
        (
            "turnaround",
            format!(
                "mean {}: arrival to finished, errand included",
                ms(m.mean_turnaround_ms)
            ),
        ),
        (
            "lost",
            format!(
                "mean {}: in the bank, neither on the errand nor at the counter",
                ms(m.mean_lost_ms)
            ),
        ),
        ("wait", format!("mean {}", ms(m.mean_wait_ms))),
    ];
    // Only a policy that takes turns makes these differ from a visit of one
    // call: the response from the wait, and the turns from the customers.
    let turns = trace.scenario.policy.takes_turns().then(|| {
        let calls = trace.customers.iter().map(|c| c.calls.len()).sum::<usize>();
        let pauses = trace
            .customers
            .iter()
            .flat_map(|c| &c.calls)
            .filter(|c| c.paused)
            .count();
        let calling: f64 = trace
            .tellers
            .iter()
            .flat_map(|t| &t.calling)
            .map(|[a, b]| b - a)
            .sum();
        [
            (
                "response",
                format!(
                    "mean {}: arrival to the first call",
                    ms(m.mean_response_ms.unwrap_or(m.mean_wait_ms))
                ),
            ),
            (
                "turns",
                format!(
                    "{} at the counter, {} ended by PAUSE; tellers' time spent calling {}",
                    calls,
                    pauses,
                    ms(calling)
                ),
            ),
        ]
    });
    let rest = [
        (
            "errand",
            format!(
                "{} done while waiting, per customer",
                ms(m.errand_while_waiting_ms)
            ),
        ),
        (
            "customers",
            format!("{} served, {} abandoned", m.served, m.abandoned),
        ),
        (
            "makespan",
            format!(
                "{}   ideal {}   tellers' efficiency {efficiency} (1.00 is the limit)",
                ms(m.makespan_ms),
                ms(m.ideal_makespan_ms)
            ),
        ),
        (
            "reaction",
            format!(
                "mean {}   max {}",
                ms(m.mean_reaction_ms),
                ms(m.max_reaction_ms)
            ),
        ),
        ("tellers", teller_loss_words(m.teller_loss.as_ref())),
        ("polls", format!("{} found nothing", m.polls)),
        (
            "threads",
            format!(
                "peak {}   customers' moments came from {}",
                p.threads_peak,
                plural::count(customer_threads(trace), "thread")
            ),
        ),
        (
            "CPU",
            // The total is the customers'; its split is the process's ratio.
            format!(
                "{} (user {} + sys {})",
                ms(p.cpu_ms()),
                number(p.cpu_user_ms),
                number(p.cpu_sys_ms)
            ),
        ),
        (
            "switches",
            format!(
                "{} voluntary   {} involuntary",
                p.ctx_switches_voluntary, p.ctx_switches_involuntary
            ),
        ),
        ("memory", format!("peak RSS {rss}")),
    ];
    let sampler = m.sampler.map(|s| {
        (
            "kernel",
            format!(
                "every thread read {} times a second ({} rounds, {} samples); the \
                 sampler's own CPU {} (left out of the CPU above)",
                number(s.rounds_per_second().round()),
                s.rounds,
                s.samples,
                ms(s.cpu_ms)
            ),
        )
    });
    lines
        .into_iter()
        .chain(turns.into_iter().flatten())
        .chain(rest)
        .chain(sampler)
        .chain(computing(trace))
        .map(|(key, value)| summary_line(key, &value, width))
        .collect()
}

/// With computed errands, the summary's lines on the CPUs: how many the
/// run kept busy at once (above 1 only in parallel), and how long the
/// errands waited for one.
fn computing(trace: &Trace) -> Vec<(&'static str, String)> {
    let Some(c) = metrics::Computing::of(trace) else {
        return Vec::new();
    };
    let ms = |v: f64| format!("{} ms", number(v));
    vec![
        (
            "parallel",
            format!(
                "{:.2} CPUs at once on average: {} of CPU in {} on the wall clock \
                 (above 1 only in parallel, 并行)",
                c.cpus_at_once(),
                ms(c.cpu_ms),
                ms(c.wall_ms)
            ),
        ),
        (
            "ready",
            format!(
                "errands computed {} and waited {} for a CPU (就绪)",
                ms(c.errand_cpu_ms),
                ms(c.errands_waited_ms())
            ),
        ),
    ]
}

/// Where the tellers' time beyond the services asked went, in a sentence.
fn teller_loss_words(loss: Option<&TellerLoss>) -> String {
    let Some(loss) = loss else {
        return "where their time went was not measured".to_owned();
    };
    let part =
        |name: &str, ms: f64| format!("{name} {} ({:.0}%)", number(ms), 100.0 * loss.share(ms));
    format!(
        "{} ms beyond the services asked: {}, {}, {}, {}",
        number(loss.total_ms),
        part("overrun", loss.overrun_ms),
        part("reaction", loss.reaction_ms),
        part("gap", loss.gap_ms),
        part("idle", loss.idle_ms)
    )
}

/// The summary's key column: its widest key, `turnaround`, and two spaces.
const KEY_WIDTH: usize = "turnaround".len() + 2;

/// One line of the summary, `key` in bold and `value` in the summary's
/// column, wrapped to `width`; ends with a newline. The driver adds its own
/// lines after the picture with it (`trace       written to run.json`).
/// Widths below [`MIN_WIDTH`] are taken as [`MIN_WIDTH`], as in [`render`].
pub fn summary_line(key: &str, value: &str, width: usize) -> String {
    debug_assert!(
        key.len() + 2 <= KEY_WIDTH,
        "{key:?} is wider than KEY_WIDTH"
    );
    let width = width.max(MIN_WIDTH);
    let line = format!("{}{value}", text::pad(key, KEY_WIDTH));
    let mut out = String::new();
    for (i, line) in text::wrap(&line, width, KEY_WIDTH).into_iter().enumerate() {
        if i == 0 {
            let (k, rest) = line.split_at(key.len().min(line.len()));
            let _ = writeln!(out, "{}{rest}", paint(bold(), k));
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
    out
}

/// Draws the run: header, time axis, one row per customer then per teller,
/// legend, and a short metrics summary. Every line fits in `options.width`
/// display columns (at least [`MIN_WIDTH`]); the string ends with a newline.
pub fn render(trace: &Trace, options: &Options) -> String {
    let width = options.width.max(MIN_WIDTH);
    let lanes = model::lanes(trace);
    let end = end_ms(trace, &lanes).max(options.until_ms.unwrap_or(0.0));
    let layout = Layout::of(&lanes, end, width);

    let mut out = String::new();
    // Header: what this style is, in the lecture's words and the machine's.
    let style = trace.style;
    let title = format!("{} {} — {}", style.name(), style.chinese(), style.scene());
    push_text(&mut out, &title, width, 2, Some(bold()));
    push_text(
        &mut out,
        &format!("  {}", style.mechanism()),
        width,
        4,
        Some(dim()),
    );
    let mut facts = format!(
        "  one column = {} ms; {}, {}, {}",
        number(layout.axis.step_ms),
        plural::count(trace.customers.len(), "customer"),
        plural::count(trace.tellers.len(), "teller"),
        trace.scenario.policy_words(),
    );
    if !trace.complete {
        facts.push_str(" (interrupted run: what was recorded)");
    }
    push_text(&mut out, &facts, width, 4, None);
    out.push('\n');
    layout.draw(&mut out, width);
    out.push('\n');
    let any_abandoned = lanes.iter().any(|l| l.outcome == Some(Outcome::Abandoned));
    out.push_str(&legend(&lanes, any_abandoned, width));
    out.push('\n');
    out.push_str(&summary(trace, width));
    out
}

/// Draws lanes of any kind (processes, threads, jobs on a CPU...) under
/// `title`: a header that says how long a column is and how many lanes of
/// each kind there are, the time axis, a row per lane grouped by kind, and
/// the legend of the states and marks they use.
pub fn draw(title: &str, lanes: &[LaneView], options: &Options) -> String {
    let width = options.width.max(MIN_WIDTH);
    let end = lanes
        .iter()
        .flat_map(|l| {
            l.segments
                .iter()
                .map(|s| s.end_ms)
                .chain(l.marks.iter().map(|m| m.at_ms))
        })
        .filter(|t| t.is_finite())
        .fold(options.until_ms.unwrap_or(0.0), f64::max);
    let layout = Layout::of(lanes, end, width);
    let mut out = String::new();
    push_text(&mut out, title, width, 2, Some(bold()));
    let counts: Vec<String> = LaneKind::ALL
        .into_iter()
        .map(|kind| (kind, lanes.iter().filter(|l| l.lane.kind() == kind).count()))
        .filter(|&(_, n)| n > 0)
        .map(|(kind, n)| plural::count(n, kind.word()))
        .collect();
    let facts = format!(
        "  one column = {} ms; {}",
        number(layout.axis.step_ms),
        counts.join(", ")
    );
    push_text(&mut out, &facts, width, 4, None);
    out.push('\n');
    layout.draw(&mut out, width);
    out.push('\n');
    let any_abandoned = lanes.iter().any(|l| l.outcome == Some(Outcome::Abandoned));
    out.push_str(&legend(lanes, any_abandoned, width));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use timeline::scenario::Generate;
    use timeline::style::Style;
    use timeline::{Event, Kind, WaitHow};

    fn at(t_ms: u64, lane: Lane, kind: Kind) -> Event {
        Event::at_ms(t_ms, lane, kind)
    }

    fn trace_of(customers: u32, tellers: u32, events: Vec<Event>) -> Trace {
        let scenario = Generate {
            customers,
            tellers,
            ..Generate::default()
        }
        .scenario();
        model::trace(Style::SyncNonblocking, true, scenario, events)
    }

    /// 张三 waits blocked, 李四 polls between errand slices, Alice gives up.
    pub(crate) fn small_scene() -> Trace {
        let (zhang, li, alice) = (Lane::Customer(0), Lane::Customer(1), Lane::Customer(2));
        let (t1, t2) = (Lane::Teller(1), Lane::Teller(2));
        let mut events = vec![
            at(0, zhang, Kind::Arrive),
            at(0, zhang, Kind::Ticket { ticket: 1 }),
            at(0, zhang, Kind::Wait { how: WaitHow::Read }),
            at(100, li, Kind::Arrive),
            at(100, li, Kind::Ticket { ticket: 2 }),
            at(100, li, Kind::Wait { how: WaitHow::Poll }),
            at(200, alice, Kind::Arrive),
            at(200, alice, Kind::Ticket { ticket: 3 }),
            at(
                300,
                t1,
                Kind::Called {
                    ticket: 1,
                    teller: 1,
                    unread_us: None,
                },
            ),
            at(
                300,
                zhang,
                Kind::Called {
                    ticket: 1,
                    teller: 1,
                    unread_us: None,
                },
            ),
            at(300, zhang, Kind::AtCounter { ticket: 1 }),
            at(300, t1, Kind::AtCounter { ticket: 1 }),
            at(400, alice, Kind::Abandon { ticket: Some(3) }),
            at(400, Lane::Bank, Kind::Abandon { ticket: Some(3) }),
            at(400, alice, Kind::Leave),
            at(
                450,
                t2,
                Kind::Called {
                    ticket: 2,
                    teller: 2,
                    unread_us: None,
                },
            ),
            at(
                600,
                t1,
                Kind::Served {
                    ticket: 1,
                    unread_us: None,
                },
            ),
            at(
                600,
                zhang,
                Kind::Served {
                    ticket: 1,
                    unread_us: None,
                },
            ),
            at(
                600,
                li,
                Kind::Called {
                    ticket: 2,
                    teller: 2,
                    unread_us: None,
                },
            ),
            at(600, li, Kind::AtCounter { ticket: 2 }),
            at(600, t2, Kind::AtCounter { ticket: 2 }),
            at(
                800,
                zhang,
                Kind::Errand {
                    dur_us: 200_000,
                    cpu_us: None,
                },
            ),
            at(800, zhang, Kind::Leave),
            at(
                900,
                t2,
                Kind::Served {
                    ticket: 2,
                    unread_us: None,
                },
            ),
            at(
                900,
                li,
                Kind::Served {
                    ticket: 2,
                    unread_us: None,
                },
            ),
            at(900, li, Kind::Leave),
        ];
        for end in [200, 300, 400, 500, 600] {
            events.push(at(
                end,
                li,
                Kind::Errand {
                    dur_us: 100_000,
                    cpu_us: None,
                },
            ));
            events.push(at(end, li, Kind::Poll { found: end == 600 }));
        }
        events.sort_by_key(|e| e.t_us);
        trace_of(3, 2, events)
    }

    fn plain(s: &str) -> String {
        anstream::adapter::strip_str(s).to_string()
    }

    /// The picture's track start (display column) and step, read back from it.
    fn geometry(text: &str) -> (usize, f64) {
        let ruler = text
            .lines()
            .find(|l| l.trim_start().starts_with("|....."))
            .expect("an axis ruler");
        let start = ruler.len() - ruler.trim_start().len();
        let step = text
            .split("one column = ")
            .nth(1)
            .and_then(|rest| rest.split(" ms").next())
            .and_then(|s| s.parse().ok())
            .expect("the header gives the step");
        (start, step)
    }

    /// The label and the track of the row whose label starts with `name`.
    fn row<'a>(text: &'a str, name: &str, start: usize) -> (&'a str, Vec<char>) {
        let line = text
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("a row for {name} in\n{text}"));
        let mut used = 0;
        for (i, ch) in line.char_indices() {
            if used == start {
                return (&line[..i], line[i..].chars().collect());
            }
            used += unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        }
        (line, Vec::new())
    }

    /// Columns lying wholly inside `[from, to)` ms.
    fn inside(from: f64, to: f64, step: f64) -> Vec<usize> {
        (0..1000)
            .filter(|&c| c as f64 * step >= from && (c + 1) as f64 * step <= to)
            .collect()
    }

    #[test]
    fn the_summary_leads_with_the_customers_view_and_says_where_the_tellers_time_went() {
        let mut trace = small_scene();
        trace.metrics = timeline::metrics::compute(&trace, 600.0, Default::default());
        let text = plain(&summary(&trace, 100));
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with(' '))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        assert_eq!(
            keys[..4],
            ["turnaround", "lost", "wait", "errand"],
            "{text}"
        );
        let at = |key: &str| keys.iter().position(|k| *k == key);
        assert!(at("errand") < at("makespan") && at("makespan") < at("tellers"));
        assert!(at("tellers") < at("polls"), "the machine's figures last");
        assert!(
            text.contains("tellers' efficiency 0.67 (1.00 is the limit)"),
            "{text}"
        );
        let loss = trace.metrics.teller_loss.expect("computed");
        let said = format!(
            "tellers     {} ms beyond the services asked: overrun {} ({:.0}%), reaction {} (",
            number(loss.total_ms),
            number(loss.overrun_ms),
            100.0 * loss.share(loss.overrun_ms),
            number(loss.reaction_ms)
        );
        assert!(text.contains(&said), "{said}\n{text}");
        trace.metrics.teller_loss = None;
        assert!(plain(&summary(&trace, 100)).contains("where their time went was not measured"));
    }

    #[test]
    fn a_policy_that_takes_turns_says_its_slices_response_and_turns() {
        let mut trace = small_scene();
        let plain_text = |trace: &Trace| {
            let options = Options {
                width: 100,
                ..Options::default()
            };
            anstream::adapter::strip_str(&render(trace, &options)).to_string()
        };
        let fcfs = plain_text(&trace);
        assert!(fcfs.contains("2 tellers, fcfs\n"), "{fcfs}");
        assert!(
            !fcfs.contains("response") && !fcfs.contains("turns"),
            "{fcfs}"
        );
        trace.scenario.policy = timeline::scenario::PolicyKind::Rr;
        trace.scenario.slices =
            timeline::scenario::Slices::of(trace.scenario.policy, Some(250.0), None, None)
                .unwrap_or_default();
        let rr = plain_text(&trace);
        assert!(rr.contains("2 tellers, rr, quantum 250 ms"), "{rr}");
        assert!(rr.contains("response    mean"), "{rr}");
        assert!(
            rr.contains("turns       2 at the counter, 0 ended by PAUSE"),
            "{rr}"
        );
    }

    #[test]
    fn fits_the_width_and_aligns_wide_names() {
        let trace = small_scene();
        for width in [100, 60] {
            let text = plain(&render(
                &trace,
                &Options {
                    width,
                    ..Options::default()
                },
            ));
            for line in text.lines() {
                assert!(line.width() <= width, "{line:?} is wider than {width}");
            }
            let (start, _) = geometry(&text);
            for name in ["张三 #1", "李四 #2", "Alice #3", "teller 1", "teller 2"] {
                let (label, track) = row(&text, name, start);
                assert_eq!(
                    label.width(),
                    start,
                    "{name}: track starts at the same column"
                );
                assert!(
                    label.ends_with(' '),
                    "{name}: label does not run into the track"
                );
                assert!(!track.is_empty());
            }
            assert!(row(&text, "Alice #3", start).0.contains("(abandoned)"));
            assert_eq!(text.lines().filter(|l| l.starts_with("teller ")).count(), 2);
            for word in ["排队", "办事", "未察觉", "查看", "叫号", "放弃"] {
                assert!(text.contains(word), "legend names {word}");
            }
            // The process states are the kernel's lanes' words, and this
            // picture has none: a customer's row claims none of them.
            let legend = text.split_once("\nlegend").map_or("", |(_, l)| l);
            for word in ["阻塞", "就绪", "运行"] {
                assert!(!legend.contains(word), "legend does not name {word}");
            }
            assert!(text.contains("sync-nonblocking 同步非阻塞"));
            assert!(text.ends_with('\n'));
        }
    }

    /// [`small_scene`] with the kernel's lanes: 张三's thread asleep in
    /// `recvfrom`, then running; and a task polled twice.
    pub(crate) fn scene_with_kernel_lanes() -> Trace {
        use timeline::model::{Note, Segment};
        use timeline::trace::LaneRecord;
        let mut trace = small_scene();
        let seg = |start_ms, end_ms, state| Segment {
            start_ms,
            end_ms,
            state,
        };
        trace.lanes.push(LaneRecord {
            lane: Lane::Thread(4711),
            label: "张三's thread".into(),
            segments: vec![
                seg(0.0, 300.0, State::Blocked),
                seg(300.0, 310.0, State::Ready),
                seg(310.0, 320.0, State::Running),
            ],
            notes: vec![Note {
                start_ms: 0.0,
                end_ms: 300.0,
                text: "recvfrom".into(),
            }],
        });
        trace.events.extend([
            at(
                5,
                Lane::Task(1),
                Kind::Polled {
                    dur_us: 400,
                    tid: 4711,
                },
            ),
            at(
                400,
                Lane::Task(1),
                Kind::Polled {
                    dur_us: 300,
                    tid: 4711,
                },
            ),
        ]);
        trace
    }

    #[test]
    fn the_legend_names_a_threads_three_states_even_when_the_run_showed_one() {
        let mut trace = scene_with_kernel_lanes();
        for lane in &mut trace.lanes {
            lane.segments.retain(|s| s.state == State::Blocked);
        }
        let text = plain(&render(&trace, &Options::default()));
        let legend = text.split_once("\nlegend").map_or("", |(_, l)| l);
        for word in ["阻塞", "就绪", "运行"] {
            assert!(legend.contains(word), "legend names {word}:\n{legend}");
        }
    }

    #[test]
    fn the_kernels_lanes_come_under_the_scene_with_their_words_and_notes() {
        let trace = scene_with_kernel_lanes();
        let text = plain(&render(&trace, &Options::default()));
        let (start, _) = geometry(&text);
        let thread: String = row(&text, "张三's thread", start).1.into_iter().collect();
        assert!(thread.starts_with(".........."), "asleep first: {thread:?}");
        assert!(
            thread.trim_end().ends_with('@'),
            "then on a CPU: {thread:?}"
        );
        let task: String = row(&text, "李四's task", start).1.into_iter().collect();
        assert_eq!(task.matches('@').count(), 2, "two polls: {task:?}");
        let legend = text.split_once("\nlegend").map_or("", |(_, l)| l);
        for word in ["阻塞", "就绪", "运行"] {
            assert!(legend.contains(word), "legend names {word}");
        }
        assert!(
            !text.contains("recvfrom"),
            "notes are not drawn in the terminal"
        );
        let lanes = model::lanes(&trace);
        let task = lanes
            .iter()
            .find(|l| l.lane == Lane::Task(1))
            .expect("a task lane");
        assert_eq!(
            task.note_on(&task.segments[0]),
            Some("polled on 张三's thread")
        );
        let chrome = crate::chrome::document(&[&trace]).to_string();
        assert!(
            chrome.contains(r#""note":"recvfrom""#),
            "Chrome's args carry the note"
        );
        let page = crate::html::report(&[&trace], None, &[]);
        assert!(
            page.contains("recvfrom"),
            "the page's hover carries the note"
        );
    }

    #[test]
    fn states_land_in_their_columns() {
        let trace = small_scene();
        for width in [100, 60] {
            let text = plain(&render(
                &trace,
                &Options {
                    width,
                    ..Options::default()
                },
            ));
            let (start, step) = geometry(&text);
            let col = |t: f64| (t / step).floor() as usize;
            let (_, zhang) = row(&text, "张三", start);
            for c in inside(0.0, 300.0, step) {
                assert_eq!(zhang[c], '-', "张三 blocked in column {c} ({width})");
            }
            for c in inside(300.0, 600.0, step) {
                assert_eq!(zhang[c], '#', "张三 at the counter in column {c}");
            }
            for c in inside(600.0, 800.0, step) {
                assert_eq!(zhang[c], '=', "张三 on the errand afterwards, column {c}");
            }
            let (_, li) = row(&text, "李四", start);
            let polls = [200.0, 300.0, 400.0, 500.0].map(col);
            for c in inside(100.0, 450.0, step) {
                let want = if polls.contains(&c) { '?' } else { '=' };
                assert_eq!(li[c], want, "李四 column {c}");
            }
            for t in [200.0, 300.0, 400.0] {
                assert_eq!(li[col(t)], '?', "a poll at {t} ms");
            }
            // The poll at 500 came while already called: ready wins, no `?`.
            assert_eq!(li[col(500.0)], '!');
            for c in inside(450.0, 600.0, step) {
                assert_eq!(li[c], '!', "李四 ready in column {c}");
            }
            let (_, t2) = row(&text, "teller 2", start);
            for c in inside(450.0, 600.0, step) {
                assert_eq!(t2[c], '~', "teller 2 calling in column {c}");
            }
            // The service starts with the number of the ticket served.
            assert_eq!(t2[col(600.0)], '2', "teller 2 serves ticket 2");
            for c in inside(600.0, 900.0, step)
                .into_iter()
                .filter(|&c| c > col(600.0))
            {
                assert_eq!(t2[c], '#', "teller 2 serving in column {c}");
            }
            let (_, alice) = row(&text, "Alice", start);
            assert_eq!(alice[col(400.0)], 'x');
            assert!(
                alice[..col(200.0)].iter().all(|&c| c == ' '),
                "not there before arriving"
            );
        }
    }

    #[test]
    fn the_summary_says_how_many_cpus_computed_errands_kept_busy() {
        let slept = small_scene();
        let said = plain(&summary(&slept, 100));
        assert!(
            !said.contains("parallel") && !said.contains("ready"),
            "errands that slept say nothing of CPUs:\n{said}"
        );

        // 张三 computed 150 ms of his 200 ms stretch; the process used
        // 1800 ms of CPU in the 900 ms the run lasted.
        let mut events = slept.events.clone();
        for e in &mut events {
            if let Kind::Errand { cpu_us, .. } = &mut e.kind {
                *cpu_us = Some(if e.lane == Lane::Customer(0) {
                    150_000
                } else {
                    100_000
                });
            }
        }
        let mut computed = trace_of(3, 2, events);
        computed.scenario.errand_work = timeline::scenario::ErrandWork::Cpu;
        computed.metrics.process.cpu_user_ms = 1800.0;
        let said = plain(&summary(&computed, 100));
        let line = |key: &str| {
            said.lines()
                .find(|l| l.starts_with(key))
                .unwrap_or_else(|| panic!("a {key} line in\n{said}"))
                .to_owned()
        };
        let parallel = line("parallel");
        assert!(
            parallel.contains("2.00 CPUs at once") && parallel.contains("1800 ms of CPU in 900 ms"),
            "{parallel}"
        );
        let ready = line("ready");
        assert!(
            ready.contains("computed 650 ms and waited 50 ms for a CPU"),
            "{ready}"
        );
    }

    #[test]
    fn nice_steps() {
        assert_eq!(Axis::fit(900.0, 79).step_ms, 20.0);
        assert_eq!(Axis::fit(900.0, 39).step_ms, 25.0);
        assert_eq!(Axis::fit(1000.0, 100).step_ms, 10.0);
        assert_eq!(Axis::fit(1001.0, 100).step_ms, 20.0);
        assert_eq!(Axis::fit(3.0, 80).step_ms, 0.05);
        assert_eq!(
            Axis::fit(0.0, 80),
            Axis {
                step_ms: 1.0,
                columns: 1
            }
        );
        assert_eq!(
            Axis::fit(f64::NAN, 80),
            Axis {
                step_ms: 1.0,
                columns: 1
            }
        );
        let axis = Axis::fit(1e300, 50);
        assert!(axis.columns <= 50 && axis.column_of(1e300) == axis.columns - 1);
    }

    #[test]
    fn many_customers_are_elided() {
        let events = (0..50)
            .map(|i| at(u64::from(i) * 10, Lane::Customer(i), Kind::Arrive))
            .collect();
        let trace = trace_of(50, 2, events);
        let text = plain(&render(&trace, &Options::default()));
        assert!(text.contains("... 20 more customers ..."), "{text}");
        assert!(text.lines().any(|l| l.starts_with("c20 ")));
        assert!(!text.lines().any(|l| l.starts_with("c21 ")));
        assert!(text.lines().any(|l| l.starts_with("c41 ")));
        assert!(text.lines().any(|l| l.starts_with("c50 ")));
    }

    #[test]
    fn odd_traces_do_not_panic() {
        let empty = trace_of(0, 0, Vec::new());
        let huge = trace_of(
            2,
            1,
            vec![
                at(0, Lane::Customer(0), Kind::Arrive),
                Event {
                    t_us: u64::MAX,
                    lane: Lane::Customer(0),
                    kind: Kind::Leave,
                    thread: 0,
                },
            ],
        );
        // Abandoned without a single time: nothing recorded for them at all.
        let silent = trace_of(3, 1, Vec::new());
        let instant = trace_of(
            1,
            1,
            vec![
                at(5, Lane::Customer(0), Kind::Arrive),
                at(5, Lane::Customer(0), Kind::Abandon { ticket: None }),
            ],
        );
        for trace in [&empty, &huge, &silent, &instant] {
            for width in [0, 10, 40, 60, 100, 400] {
                let text = plain(&render(
                    trace,
                    &Options {
                        width,
                        ..Options::default()
                    },
                ));
                let limit = width.max(MIN_WIDTH);
                for line in text.lines() {
                    assert!(line.width() <= limit, "{line:?} wider than {limit}");
                }
            }
        }
        let text = plain(&render(&silent, &Options::default()));
        assert_eq!(text.matches("(abandoned)").count(), 3);
    }

    #[test]
    fn wrapping_keeps_words_and_width() {
        let lines = text::wrap("one two three four five six seven", 10, 2);
        assert_eq!(
            lines,
            ["one two", "  three", "  four", "  five six", "  seven"]
        );
        for line in text::wrap("张三张三张三张三张三张三 and more", 7, 2) {
            assert!(line.width() <= 7, "{line:?}");
        }
    }
}
