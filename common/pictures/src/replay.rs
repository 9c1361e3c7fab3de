//! Recorded runs played again in the terminal, with a player's keys: a
//! student at home pauses at the moment of a call and steps through it.
//!
//! Every run is cut at the player's time with [`timeline::so_far`] and drawn
//! on one time axis as a [`Board`], the live view's picture; under the lanes
//! a table gives each run's figures so far. The keys, as the footer says:
//!
//! | key        | does                                                    |
//! |------------|---------------------------------------------------------|
//! | space      | pause, or play on                                       |
//! | ← →        | step one column back or on (and pause there)            |
//! | + -        | twice or half as fast                                   |
//! | Home End   | the start, the end                                      |
//! | q, Esc, Ctrl-C | quit                                                |
//!
//! Playing at `speed` 1, a second of the run takes a second; the player
//! stops at the end of the longest run, showing it whole.

use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use timeline::so_far::{self, SoFar};
use timeline::trace::Trace;

use crate::live::{self, Board};
use crate::swimlane::{self, number};
use crate::table::{Column, Table};
use crate::terminal::{Keys, NoTerminal, Session, Stream, no_colour};

/// The slowest and the fastest a replay plays.
const SPEEDS: std::ops::RangeInclusive<f64> = 1.0 / 64.0..=64.0;

/// The player's state: where it is, how fast it goes, whether it plays.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Player {
    /// The time shown, in ms from the runs' start.
    pub at_ms: f64,
    /// Where the longest run ends.
    pub end_ms: f64,
    /// Run milliseconds per real millisecond.
    pub speed: f64,
    /// Whether time stands still.
    pub paused: bool,
}

/// What a key asks of the player's loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Go,
    /// Leave the replay.
    Quit,
}

impl Player {
    /// A player at the start of runs ending at `end_ms`, playing at `speed`.
    pub fn new(end_ms: f64, speed: f64) -> Player {
        Player {
            at_ms: 0.0,
            end_ms: end_ms.max(0.0),
            speed: speed.clamp(*SPEEDS.start(), *SPEEDS.end()),
            paused: false,
        }
    }

    /// Moves time on by `real` of real time, if playing; stops at the end.
    pub fn advance(&mut self, real: Duration) {
        if self.paused {
            return;
        }
        self.at_ms = (self.at_ms + real.as_secs_f64() * 1000.0 * self.speed).min(self.end_ms);
        if self.at_ms >= self.end_ms {
            self.paused = true;
        }
    }

    /// Does what `key` says; `step_ms` is one column of the picture.
    pub fn key(&mut self, key: KeyEvent, step_ms: f64) -> Flow {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Flow::Quit,
            KeyCode::Char('c') if ctrl => return Flow::Quit,
            KeyCode::Char(' ') => {
                if self.paused && self.at_ms >= self.end_ms {
                    // Played to the end: space plays it again.
                    self.at_ms = 0.0;
                }
                self.paused = !self.paused;
            }
            KeyCode::Right => self.step(1, step_ms),
            KeyCode::Left => self.step(-1, step_ms),
            KeyCode::Char('+' | '=') => self.speed = (self.speed * 2.0).min(*SPEEDS.end()),
            KeyCode::Char('-' | '_') => self.speed = (self.speed / 2.0).max(*SPEEDS.start()),
            KeyCode::Home => self.at_ms = 0.0,
            KeyCode::End => {
                self.at_ms = self.end_ms;
                self.paused = true;
            }
            _ => {}
        }
        Flow::Go
    }

    /// Pauses on the next column boundary after (or before) the time shown.
    fn step(&mut self, by: i32, step_ms: f64) {
        self.paused = true;
        if !(step_ms.is_finite() && step_ms > 0.0) {
            return;
        }
        // A hair of slack: a time on a boundary is at that boundary.
        let column = self.at_ms / step_ms;
        let next = if by > 0 {
            (column + 1e-9).floor() + 1.0
        } else {
            (column - 1e-9).ceil() - 1.0
        };
        self.at_ms = (next * step_ms).clamp(0.0, self.end_ms);
    }
}

/// Plays `runs` (`(label, trace)`) on the terminal of stdout, keys from
/// stdin, starting at `speed`; returns when the user quits.
pub fn play(runs: &[(String, &Trace)], speed: f64) -> Result<(), NoTerminal> {
    let mut session = Session::open(Stream::Stdout, Keys::Program)?;
    let end_ms = runs
        .iter()
        .map(|(_, t)| swimlane::end_ms(t, &timeline::model::lanes(t)))
        .fold(0.0, f64::max);
    let mut player = Player::new(end_ms, speed);
    let mut last = Instant::now();
    loop {
        let cuts: Vec<SoFar> = runs
            .iter()
            .map(|(_, t)| so_far::at(t, player.at_ms))
            .collect();
        let width = session.width();
        let mut board = board(runs, &cuts, &player, usize::from(width));
        let step_ms = board.axis(width).step_ms;
        board.status = board.status.replacen(
            " · ",
            &format!(" · one column = {} ms · ", number(step_ms)),
            1,
        );
        session.draw(|frame| frame.render_widget(&board, frame.area()))?;
        // About 20 frames a second while playing; a key is answered at once.
        if event::poll(Duration::from_millis(50))? {
            if let Event::Key(key) = event::read()? {
                if key.kind != KeyEventKind::Release && player.key(key, step_ms) == Flow::Quit {
                    return Ok(());
                }
            }
        }
        let now = Instant::now();
        player.advance(now - last);
        last = now;
    }
}

/// The board of `runs` cut at the player's time.
fn board<'a>(
    runs: &[(String, &Trace)],
    cuts: &'a [SoFar],
    player: &Player,
    width: usize,
) -> Board<'a> {
    let state = if player.paused { "paused" } else { "playing" };
    let count = match cuts {
        [one] => format!("   {}", live::counts(&one.count)),
        _ => String::new(),
    };
    Board {
        title: format!(
            "replay of {}",
            runs.iter()
                .map(|(label, _)| label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        runs: runs
            .iter()
            .zip(cuts)
            .map(|((label, _), cut)| (label.clone(), cut.lanes.as_slice()))
            .collect(),
        until_ms: player.end_ms,
        now_ms: player.at_ms,
        caption: figures(runs, cuts, width),
        status: format!(
            "at {} ms of {} ms · {}× · {state}{count}",
            number(player.at_ms),
            number(player.end_ms),
            number(player.speed)
        ),
        keys: vec![
            ("space", "pause/play"),
            ("← →", "step a column"),
            ("+ -", "speed"),
            ("Home End", "start/end"),
            ("q", "quit"),
        ],
        colour: !no_colour(),
    }
}

/// The headings of the figures so far, and their units.
pub const FIGURES: [(&str, &str); 9] = [
    ("waiting", ""),
    ("counter", ""),
    ("served", ""),
    ("gone", ""),
    ("makespan", "ms"),
    ("wait", "ms"),
    ("react", "ms"),
    ("errand", "ms"),
    ("polls", ""),
];

/// A run's figures so far, as [`FIGURES`] heads them.
pub fn figures_of(cut: &SoFar) -> [String; 9] {
    let m = &cut.metrics;
    [
        cut.count.waiting.to_string(),
        cut.count.at_counter.to_string(),
        m.served.to_string(),
        m.abandoned.to_string(),
        number(m.makespan_ms),
        number(m.mean_wait_ms),
        number(m.mean_reaction_ms),
        number(m.errand_while_waiting_ms),
        m.polls.to_string(),
    ]
}

/// The figures so far, a row per run, as plain lines `width` wide.
pub fn figures(runs: &[(String, &Trace)], cuts: &[SoFar], width: usize) -> Vec<String> {
    let table = Table {
        corner: String::new(),
        columns: FIGURES
            .iter()
            .map(|&(name, unit)| Column { name, unit })
            .collect(),
        rows: runs
            .iter()
            .zip(cuts)
            .map(|((label, _), cut)| (label.clone(), figures_of(cut).to_vec()))
            .collect(),
        notes: vec!["so far: the figures of what has happened up to the time shown".to_owned()],
    };
    let text = table.render(width);
    anstream::adapter::strip_str(&text)
        .to_string()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn keys_pause_step_by_columns_and_change_speed() {
        let mut p = Player::new(1000.0, 1.0);
        p.advance(Duration::from_millis(130));
        assert!((p.at_ms - 130.0).abs() < 1e-6);
        p.key(press(KeyCode::Char(' ')), 50.0);
        assert!(p.paused);
        p.advance(Duration::from_secs(1));
        assert!((p.at_ms - 130.0).abs() < 1e-6, "pause holds");
        p.key(press(KeyCode::Right), 50.0);
        assert_eq!(p.at_ms, 150.0, "to the next column's boundary");
        p.key(press(KeyCode::Right), 50.0);
        assert_eq!(p.at_ms, 200.0, "one column on");
        p.key(press(KeyCode::Left), 50.0);
        assert_eq!(p.at_ms, 150.0, "one column back");
        p.key(press(KeyCode::Char('+')), 50.0);
        p.key(press(KeyCode::Char(' ')), 50.0);
        p.advance(Duration::from_millis(100));
        assert!((p.at_ms - 350.0).abs() < 1e-6, "twice as fast");
        p.key(press(KeyCode::End), 50.0);
        assert_eq!((p.at_ms, p.paused), (1000.0, true));
        p.key(press(KeyCode::Home), 50.0);
        assert_eq!(p.at_ms, 0.0);
        assert_eq!(p.key(press(KeyCode::Char('q')), 50.0), Flow::Quit);
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(p.key(ctrl_c, 50.0), Flow::Quit);
    }

    #[test]
    fn playing_stops_at_the_end() {
        let mut p = Player::new(100.0, 4.0);
        p.advance(Duration::from_millis(30));
        assert_eq!((p.at_ms, p.paused), (100.0, true));
        p.key(press(KeyCode::Char(' ')), 10.0);
        assert_eq!((p.at_ms, p.paused), (0.0, false), "space plays it again");
    }
}
