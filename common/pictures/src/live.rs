//! A picture that moves: runs at one moment, drawn on a terminal with
//! ratatui, frame after frame. The live view of a run going on and the
//! replay of recorded runs both draw a [`Board`].
//!
//! ```text
//! sync-blocking 同步阻塞 — live, at 0.25× speed                      (title)
//!                    ms 0         1000      2000      3000            (axis)
//!                       |.........|....^....|.........|....
//! 张三 #1               ----------#########=====                       (lanes, cut at now)
//! 李四 #2                 --------------------
//! teller 1              ~#########                                    (the same glyphs
//! teller 2                                                             and colours as
//!                                                                      the swimlane)
//! 1.52 s   waiting 3 · at the counter 2 · done 1 of 6 · threads 9 · polls 0    (status)
//! Ctrl-C stop the run (the picture and the trace follow)                     (keys)
//! ```
//!
//! A board draws lanes of any kind: the bank's come from
//! [`timeline::so_far`] (the lanes cut at the moment), a lesson of its own
//! brings its lanes as they stand now (the processes lesson's, as its
//! watcher has read them from `/proc`). Every cell comes from
//! [`swimlane::cells`] (the columns, glyphs and colours of the terminal
//! swimlane, from [the one table](crate::look)), on a time axis fixed for
//! the whole scene: the lanes fill from left to right as time goes, and `^`
//! under the axis is now. Under the lanes, a caption: a replay's figures
//! so far, or the last lines a lesson said.

use std::time::{Duration, Instant};

use anstyle::{AnsiColor, Color as AnsiColour, Effects};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};
use timeline::LaneKind;
use timeline::model::LaneView;
use timeline::so_far::Count;
use unicode_width::UnicodeWidthStr as _;

use crate::swimlane::{self, Axis};
use crate::terminal::NoTerminal;
use crate::text;

/// What one frame shows.
#[derive(Clone, Debug)]
pub struct Board<'a> {
    /// The first line: what is shown, and how fast.
    pub title: String,
    /// The runs, one above another on one time axis, each under its label
    /// (none for a run alone with an empty label): each run's lanes as they
    /// stand at `now_ms`.
    pub runs: Vec<(String, &'a [LaneView])>,
    /// Where the time axis ends, in ms: the same for every frame of a
    /// session, so the lanes fill it from left to right.
    pub until_ms: f64,
    /// Now, in ms: where the axis's marker is.
    pub now_ms: f64,
    /// Lines drawn under the lanes, plain text: a replay's figures so far,
    /// the last lines a lesson said.
    pub caption: Vec<String>,
    /// The status line: time and counts.
    pub status: String,
    /// The key help, `(key, what it does)`, on the last line.
    pub keys: Vec<(&'static str, &'static str)>,
    /// Whether to colour (a terminal, and `NO_COLOR` unset).
    pub colour: bool,
}

/// The status line's counts: `waiting 3 · at the counter 2 · done 1 of 6`.
pub fn counts(count: &Count) -> String {
    let all = count.not_yet + count.waiting + count.at_counter + count.done;
    format!(
        "waiting {} · at the counter {} · done {} of {all}",
        count.waiting, count.at_counter, count.done
    )
}

/// A time for the status line: `1.52 s`.
pub fn seconds(ms: f64) -> String {
    format!("{:.2} s", ms / 1000.0)
}

/// The line said when `--live` finds no terminal: the run goes on, and
/// prints what it prints without the live view.
pub fn needs_a_terminal(err: &NoTerminal) -> String {
    format!("--live needs a terminal ({err}): the run goes on without the live view")
}

/// When a live view's next frame is due: 15 frames a second at most, and
/// further apart when drawing gets dear (thousands of lanes), so that the
/// view never takes more than about a tenth of a CPU from the run it shows.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// The earliest the next frame may be drawn.
    next: Instant,
}

impl Pace {
    /// How often a frame is drawn, at most: 15 a second.
    pub const EVERY: Duration = Duration::from_millis(66);

    /// A pace whose first frame is due now.
    pub fn new() -> Pace {
        Pace {
            next: Instant::now(),
        }
    }

    /// Whether a frame may be drawn now.
    pub fn due(&self) -> bool {
        Instant::now() >= self.next
    }

    /// Notes a frame drawn since `started`: the next is due a fifteenth of
    /// a second on, or ten times the drawing's time if that is longer.
    pub fn drawn(&mut self, started: Instant) {
        self.next = Instant::now() + Self::EVERY.max(started.elapsed() * 10);
    }
}

impl Default for Pace {
    fn default() -> Pace {
        Pace::new()
    }
}

impl Board<'_> {
    /// The label column's width: the widest label, within limits.
    fn label_width(&self, width: usize) -> usize {
        let widest = self
            .runs
            .iter()
            .flat_map(|(_, lanes)| lanes.iter().map(|l| l.label.width()))
            .max()
            .unwrap_or(0);
        widest.clamp(8, (width * 2 / 5).max(8))
    }

    /// The style of `look` (none without colour).
    fn style(&self, look: Option<anstyle::Style>) -> Style {
        match look {
            Some(look) if self.colour => style_of(look),
            _ => Style::default(),
        }
    }
}

impl Board<'_> {
    /// The time axis of the board drawn `width` columns wide: one column is
    /// `step_ms` (a replay steps by it).
    pub fn axis(&self, width: u16) -> Axis {
        let width = usize::from(width);
        let room = width.saturating_sub(self.label_width(width) + 1).max(1);
        Axis::fit(self.until_ms, room)
    }
}

impl Widget for &Board<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = usize::from(area.width);
        if width < 20 || area.height < 6 {
            Paragraph::new("(the terminal is too small)").render(area, buf);
            return;
        }
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let dim = Style::default().add_modifier(Modifier::DIM);
        let mut lines: Vec<Line> = Vec::new();
        lines.push(Line::styled(text::fit(&self.title, width, ".."), bold));

        let label_width = self.label_width(width);
        let room = width.saturating_sub(label_width + 1).max(1);
        let axis = self.axis(area.width);
        let [labels, ruler] = swimlane::axis_lines(&axis, label_width, room);
        let plain = |s: &str| anstream::adapter::strip_str(s).to_string();
        lines.push(Line::styled(plain(&labels), dim));
        let now = axis.column_of(self.now_ms.min(self.until_ms));
        let ruler = plain(&ruler);
        let (before, after) = ruler.split_at((label_width + 1 + now).min(ruler.len()));
        lines.push(Line::from(vec![
            Span::styled(before.to_owned(), dim),
            Span::styled("^", bold),
            Span::styled(after.chars().skip(1).collect::<String>(), dim),
        ]));

        // Rows for the lanes: what the fixed lines leave.
        let fixed = lines.len() + self.caption.len() + 2 + self.runs.len();
        let room_rows = usize::from(area.height).saturating_sub(fixed);
        let share = room_rows / self.runs.len().max(1);
        for (label, lanes) in &self.runs {
            if self.runs.len() > 1 || !label.is_empty() {
                lines.push(Line::styled(text::fit(label, width, ".."), bold));
            }
            for row in rows(lanes, share) {
                match row {
                    Row::Lane(lane) => {
                        let name =
                            text::pad(&text::fit(&lane.label, label_width, ".."), label_width);
                        let mut spans = vec![Span::raw(format!("{name} "))];
                        for cell in swimlane::cells(lane, &axis) {
                            spans.push(Span::styled(cell.glyph.to_string(), self.style(cell.look)));
                        }
                        lines.push(Line::from(spans));
                    }
                    Row::Hidden(n, kind) => lines.push(Line::styled(
                        format!("... {n} more {}", timeline::plural::noun(n, kind.word())),
                        dim,
                    )),
                }
            }
        }
        let used = lines.len();
        let bottom = self.caption.len() + 2;
        let pad = usize::from(area.height).saturating_sub(used + bottom);
        lines.extend(std::iter::repeat_n(Line::raw(""), pad));
        for line in &self.caption {
            lines.push(Line::raw(text::fit(line, width, "..")));
        }
        lines.push(Line::styled(text::fit(&self.status, width, ".."), bold));
        let mut keys = Vec::new();
        for (i, (key, what)) in self.keys.iter().enumerate() {
            if i > 0 {
                keys.push(Span::styled(" · ", dim));
            }
            let key_style = if self.colour {
                bold.fg(Color::Cyan)
            } else {
                bold
            };
            keys.push(Span::styled(*key, key_style));
            keys.push(Span::raw(format!(" {what}")));
        }
        lines.push(Line::from(keys));
        Paragraph::new(lines).render(area, buf);
    }
}

/// A row of the board.
enum Row<'a> {
    /// A lane drawn in full.
    Lane(&'a LaneView),
    /// How many lanes of a kind were left out for want of room.
    Hidden(usize, LaneKind),
}

/// The rows of `lanes` that fit in `room` rows: every teller (they are few)
/// and as many of the others as fit, in order; a line counts the rest.
fn rows(lanes: &[LaneView], room: usize) -> Vec<Row<'_>> {
    if lanes.len() <= room {
        return lanes.iter().map(Row::Lane).collect();
    }
    let tellers: Vec<&LaneView> = lanes
        .iter()
        .filter(|l| l.lane.kind() == LaneKind::Teller)
        .collect();
    let others: Vec<&LaneView> = lanes
        .iter()
        .filter(|l| l.lane.kind() != LaneKind::Teller)
        .collect();
    let shown = room.saturating_sub(tellers.len() + 1);
    let mut out: Vec<Row> = others.iter().take(shown).map(|&l| Row::Lane(l)).collect();
    if others.len() > shown {
        let kind = others
            .get(shown)
            .map_or(LaneKind::Customer, |l| l.lane.kind());
        out.push(Row::Hidden(others.len() - shown, kind));
    }
    out.extend(tellers.into_iter().map(Row::Lane));
    out
}

/// ratatui's style for an `anstyle` style of the look table.
fn style_of(look: anstyle::Style) -> Style {
    let mut style = Style::default();
    if let Some(AnsiColour::Ansi(colour)) = look.get_fg_color() {
        style = style.fg(match colour {
            AnsiColor::Black => Color::Black,
            AnsiColor::Red => Color::Red,
            AnsiColor::Green => Color::Green,
            AnsiColor::Yellow => Color::Yellow,
            AnsiColor::Blue => Color::Blue,
            AnsiColor::Magenta => Color::Magenta,
            AnsiColor::Cyan => Color::Cyan,
            AnsiColor::White => Color::Gray,
            AnsiColor::BrightBlack => Color::DarkGray,
            AnsiColor::BrightRed => Color::LightRed,
            AnsiColor::BrightGreen => Color::LightGreen,
            AnsiColor::BrightYellow => Color::LightYellow,
            AnsiColor::BrightBlue => Color::LightBlue,
            AnsiColor::BrightMagenta => Color::LightMagenta,
            AnsiColor::BrightCyan => Color::LightCyan,
            AnsiColor::BrightWhite => Color::White,
        });
    }
    let effects = look.get_effects();
    if effects.contains(Effects::BOLD) {
        style = style.add_modifier(Modifier::BOLD);
    }
    if effects.contains(Effects::DIMMED) {
        style = style.add_modifier(Modifier::DIM);
    }
    style
}

#[cfg(test)]
mod tests {
    use super::*;
    use timeline::model::Segment;
    use timeline::{Lane, State};

    fn lane(id: u32, label: &str, end_ms: f64) -> LaneView {
        LaneView::plain(
            Lane::Customer(id),
            label.to_owned(),
            vec![Segment {
                start_ms: 0.0,
                end_ms,
                state: State::InLine,
            }],
            Vec::new(),
        )
    }

    /// The buffer's lines as text (a wide character's second cell skipped).
    fn text_of(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                let mut line = String::new();
                let mut x = 0;
                while x < buf.area.width {
                    let symbol = buf[(x, y)].symbol();
                    line.push_str(symbol);
                    x += u16::try_from(symbol.width().max(1)).unwrap_or(1);
                }
                line.trim_end().to_owned()
            })
            .collect()
    }

    #[test]
    fn lanes_fill_the_fixed_axis_up_to_now_with_the_swimlanes_glyphs() {
        let lanes = [lane(0, "张三 #1", 500.0), lane(1, "李四 #2", 250.0)];
        let board = Board {
            title: "sync-blocking".into(),
            runs: vec![(String::new(), &lanes)],
            until_ms: 1000.0,
            now_ms: 500.0,
            caption: Vec::new(),
            status: "0.50 s".into(),
            keys: vec![("Ctrl-C", "stop")],
            colour: true,
        };
        let area = Rect::new(0, 0, 60, 12);
        let mut buf = Buffer::empty(area);
        (&board).render(area, &mut buf);
        let text = text_of(&buf);
        let row = |name: &str| {
            text.iter()
                .find(|l| l.starts_with(name))
                .cloned()
                .unwrap_or_else(|| panic!("{name} in {text:#?}"))
        };
        let dashes = |l: &str| l.chars().filter(|&c| c == '-').count();
        let (zhang, li) = (row("张三"), row("李四"));
        // Half the axis for 张三, a quarter for 李四, whatever the step.
        assert!(
            dashes(&zhang) > 0 && dashes(&zhang) >= 2 * dashes(&li) - 1,
            "{text:#?}"
        );
        assert!(dashes(&zhang) <= 2 * dashes(&li) + 1, "{text:#?}");
        assert!(text.iter().any(|l| l.contains('^')), "the now marker");
        assert_eq!(text.last().map(String::as_str), Some("Ctrl-C stop"));
        // Coloured from the look table: the customer in line is red.
        let y = text.iter().position(|l| l.starts_with("张三")).unwrap_or(0) as u16;
        let x = (0..area.width)
            .find(|&x| buf[(x, y)].symbol() == "-")
            .unwrap_or(0);
        assert_eq!(buf[(x, y)].fg, Color::Red);
    }

    #[test]
    fn too_many_lanes_keep_the_tellers_and_count_the_rest() {
        let mut lanes: Vec<LaneView> = (0..30).map(|i| lane(i, &format!("c{i}"), 10.0)).collect();
        lanes.push(LaneView::plain(
            Lane::Teller(1),
            "teller 1".into(),
            Vec::new(),
            Vec::new(),
        ));
        let rows = rows(&lanes, 10);
        assert_eq!(rows.len(), 10);
        assert!(matches!(rows[8], Row::Hidden(22, LaneKind::Customer)));
        assert!(matches!(rows[9], Row::Lane(l) if l.lane == Lane::Teller(1)));
    }
}
