//! A [`History`] drawn as text swimlanes: a row per process, a column per
//! time step, a character for the state the process spent most of that
//! step in, and a sign where something happened to it. The characters are
//! ASCII signs, not letters, so that a picture reads as one shape however
//! its bars fall (and ASCII, since a Chinese terminal draws some symbols
//! two columns wide).

use std::fmt::Write;

use crate::history::{History, Moment, State, Stretch};

/// The widest picture, in columns.
const COLUMNS: f64 = 60.0;

/// The explanation under every picture.
const LEGEND: &str = concat!(
    "  = 运行 running   - 阻塞 blocked (in wait, sleep, read)   ~ 僵尸 zombie (Z in /proc)   blank: not yet, or gone\n",
    "  + forked 创建   ! signalled 发信号   ] exited 退出   * reaped 回收 (waited for)\n",
);

/// A time step that fits `end_ms` in at most 60 columns: 1, 2 or 5 times a
/// power of ten milliseconds.
pub fn step_for(end_ms: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for factor in [1.0, 2.0, 5.0] {
            if end_ms / (step * factor) <= COLUMNS {
                return step * factor;
            }
        }
        step *= 10.0;
    }
}

/// Draws `history` with one column per `step_ms`.
pub fn draw(history: &History, step_ms: f64) -> String {
    let columns = ((history.end_ms() / step_ms).ceil() as usize).max(1);
    let names: Vec<String> = history
        .lanes
        .iter()
        .map(|lane| format!("{} {}", lane.label, lane.pid))
        .collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0) + 2;

    let mut out = format!("\n{}    one column = {step_ms} ms\n", history.title);
    let mut axis = String::new();
    let mut ruler = String::new();
    for column in 0..columns {
        if column % 10 == 0 {
            let label = format!("{}", column as f64 * step_ms);
            if axis.chars().count() <= column {
                axis.push_str(&" ".repeat(column - axis.chars().count()));
                axis.push_str(&label);
            }
        }
        ruler.push(if column % 10 == 0 { '|' } else { '.' });
    }
    let _ = writeln!(out, "  {:width$}{axis} ms", "");
    let _ = writeln!(out, "  {:width$}{ruler}", "");
    for (lane, name) in history.lanes.iter().zip(&names) {
        let row: String = (0..columns)
            .map(|column| {
                let (from, to) = (column as f64 * step_ms, (column + 1) as f64 * step_ms);
                let mark = lane
                    .marks
                    .iter()
                    .filter(|m| m.at_ms >= from && m.at_ms < to)
                    .map(|m| m.what)
                    .max_by_key(|what| *what as u8);
                match mark {
                    Some(what) => sign(what),
                    None => most_of(lane.stretches.iter(), from, to),
                }
            })
            .collect();
        let _ = writeln!(out, "  {name:width$}{}", row.trim_end());
    }
    out.push_str(LEGEND);
    // A column hides what happens within it: the moments, to the 0.1 ms.
    for (lane, name) in history.lanes.iter().zip(&names) {
        let moments: Vec<String> = lane
            .marks
            .iter()
            .map(|m| format!("{} {:.1}", sign(m.what), m.at_ms))
            .collect();
        if !moments.is_empty() {
            let _ = writeln!(out, "  {name:width$}{} ms", moments.join("   "));
        }
    }
    out
}

/// The character for the state that covers most of `[from, to)`, or a
/// blank if none does.
fn most_of<'a>(stretches: impl Iterator<Item = &'a Stretch>, from: f64, to: f64) -> char {
    let mut cover = [
        (State::Running, 0.0),
        (State::Waiting, 0.0),
        (State::Zombie, 0.0),
    ];
    for s in stretches {
        // A single sample is an instant: one inside the column counts a little.
        let overlap = if s.start_ms == s.end_ms && (from..to).contains(&s.start_ms) {
            f64::EPSILON
        } else {
            s.end_ms.min(to) - s.start_ms.max(from)
        };
        if let Some((_, total)) = cover.iter_mut().find(|(state, _)| *state == s.state) {
            *total += overlap.max(0.0);
        }
    }
    let (state, total) = cover.into_iter().fold((State::Running, 0.0), |most, one| {
        if one.1 > most.1 { one } else { most }
    });
    match state {
        _ if total <= 0.0 => ' ',
        State::Running => '=',
        State::Waiting => '-',
        State::Zombie => '~',
    }
}

/// The sign of a moment.
fn sign(what: Moment) -> char {
    match what {
        Moment::Forked => '+',
        Moment::Signalled => '!',
        Moment::Exited => ']',
        Moment::Reaped => '*',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_round_and_fit_sixty_columns() {
        assert_eq!(step_for(50.0), 1.0);
        assert_eq!(step_for(1100.0), 20.0);
        assert_eq!(step_for(5200.0), 100.0);
    }

    #[test]
    fn a_child_is_drawn_from_fork_to_reap() {
        let mut history = History::new("t");
        let child = history.lane("child", 9);
        history.mark(child, 0.5, Moment::Forked);
        history.observe(child, 1.0, State::Waiting);
        history.observe(child, 7.0, State::Zombie);
        history.mark(child, 7.0, Moment::Exited);
        history.observe(child, 8.5, State::Zombie);
        history.mark(child, 9.5, Moment::Reaped);
        history.close(child, 9.5);
        let picture = draw(&history, 1.0);
        assert!(picture.contains("child 9  +------]~*\n"), "{picture}");
    }
}
