//! What was seen, drawn with the pictures every lesson shares: a
//! [`History`] becomes lanes (a process's, or a thread's), each stretch a
//! state of the one vocabulary (运行 running, 就绪 ready, 阻塞 blocked, 僵尸
//! zombie),
//! each moment a mark (forked, signalled, exited, reaped), and
//! `pictures::swimlane` draws them as it draws the bank's customers, with
//! the same glyphs and legend. Under the picture come every lane's moments
//! to the 0.1 ms: a column hides what happens within it.

use std::fmt::Write as _;

use pictures::look::mark;
use pictures::swimlane;
use timeline::model::{LaneView, Segment};
use timeline::{Lane, Mark, MarkKind};

use crate::history::{Happening, History, ProcessState};

/// The lecture's state for a state seen in `/proc`.
fn state(seen: ProcessState) -> timeline::State {
    match seen {
        // `R` in `/proc/<pid>/stat`, told apart by `/proc/<pid>/schedstat`.
        ProcessState::Running => timeline::State::Running,
        ProcessState::Ready => timeline::State::Ready,
        ProcessState::Waiting => timeline::State::Blocked,
        ProcessState::Zombie => timeline::State::Zombie,
    }
}

/// The mark for a moment.
fn kind(what: Happening) -> MarkKind {
    match what {
        Happening::Forked => MarkKind::Forked,
        Happening::Signalled => MarkKind::Signal,
        Happening::Exited => MarkKind::Exited,
        Happening::Reaped => MarkKind::Reaped,
    }
}

/// `history`'s lanes, as every picture draws them: `child 1 4712`.
pub fn lanes(history: &History) -> Vec<LaneView> {
    history
        .lanes
        .iter()
        .map(|seen| {
            let number = u32::try_from(seen.pid).unwrap_or_default();
            let lane = if seen.thread {
                Lane::Thread(number)
            } else {
                Lane::Process(number)
            };
            let segments = seen
                .stretches
                .iter()
                .map(|s| Segment {
                    start_ms: s.start_ms,
                    end_ms: s.end_ms,
                    state: state(s.state),
                })
                .collect();
            let marks = seen
                .marks
                .iter()
                .map(|m| Mark {
                    at_ms: m.at_ms,
                    kind: kind(m.what),
                })
                .collect();
            LaneView::plain(
                lane,
                format!("{} {}", seen.label, seen.pid),
                segments,
                marks,
            )
        })
        .collect()
}

/// Draws `history` in `width` columns, on a time axis that reaches at
/// least `until_ms` (so that several pictures share one scale), then lists
/// every lane's moments.
pub fn draw(history: &History, until_ms: f64, width: usize) -> String {
    let lanes = lanes(history);
    let options = swimlane::Options {
        width,
        until_ms: Some(until_ms),
    };
    let mut out = format!("\n{}", swimlane::draw(&history.title, &lanes, &options));
    for lane in &lanes {
        let moments: Vec<String> = lane
            .marks
            .iter()
            .map(|m| format!("{} {:.1}", mark(m.kind).glyph, m.at_ms))
            .collect();
        if !moments.is_empty() {
            let _ = writeln!(out, "  {}:  {} ms", lane.label, moments.join("   "));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Happening;

    #[test]
    fn a_child_is_drawn_from_fork_to_reap() {
        let mut history = History::new("t");
        let child = history.lane("child", 9);
        history.mark(child, 0.5, Happening::Forked);
        history.observe(child, 1.0, ProcessState::Waiting);
        history.observe(child, 7.0, ProcessState::Zombie);
        history.mark(child, 7.0, Happening::Exited);
        history.observe(child, 8.5, ProcessState::Zombie);
        history.mark(child, 9.5, Happening::Reaped);
        history.close(child, 9.5);
        let drawn = draw(&history, 10.0, 60);
        let picture = anstream::adapter::strip_str(&drawn).to_string();
        let row = picture
            .lines()
            .find(|l| l.starts_with("child 9"))
            .unwrap_or_default();
        let track: String = row.chars().skip("child 9 ".len()).collect();
        let glyph = |k| mark(k).glyph;
        let look = |s| pictures::look::look(s).glyph;
        // Forked, blocked, exited, a zombie, reaped: in that order.
        assert_eq!(track.trim().chars().next(), Some(glyph(MarkKind::Forked)));
        assert!(track.contains(&look(timeline::State::Blocked).to_string().repeat(5)));
        assert!(track.contains(glyph(MarkKind::Exited)));
        assert!(track.contains(look(timeline::State::Zombie)));
        assert_eq!(track.trim().chars().last(), Some(glyph(MarkKind::Reaped)));
        assert!(picture.contains("僵尸"), "the legend: {picture}");
        assert!(
            picture.contains("child 9:  ( 0.5   ) 7.0   ] 9.5 ms"),
            "{picture}"
        );
    }
}
