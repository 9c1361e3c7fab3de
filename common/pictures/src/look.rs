//! How every state and mark is shown: the one table every picture reads.
//!
//! A state of the [timeline](timeline::state) is drawn in four places: as a
//! glyph and a colour in the terminal, as a coloured bar (a CSS class) in the
//! HTML report, as a slice's name in Perfetto, and in each legend with the
//! lecture's words. They must all say the same thing, so they are all
//! written once, here, in [`look`] and [`mark`]; the renderers only read.
//!
//! Glyphs are ASCII, so any terminal shows them and the picture reads
//! without colour; colour comes on top, when the terminal has it. They are
//! signs, not letters (but for an abandon's `x`), so that a row reads as a
//! bar, not as a word.
//!
//! **Two vocabularies, two sets of words.** A customer's row tells the
//! scene, from the protocol's times: 排队 waiting in line (errand still to
//! do), 空等 idle (nothing left to do), 办事 on the errand, 未察觉 called
//! but not noticed yet, 办理 at the counter. None of these claims a process
//! state, because none is measured from the kernel: a customer "on the
//! errand" may be a thread asleep in `clock_nanosleep`, and one "waiting in
//! line" a task that holds no thread at all. The lecture's process states,
//! 运行 running, 就绪 ready (runnable, waiting for a CPU) and 阻塞 blocked,
//! are the words of the lanes read from the kernel (threads, processes) and
//! of jobs on a simulated CPU, and of nothing else; 就绪 is used in that one
//! sense only. The scene's words are everyday Chinese for the bank hall:
//! 排队 and 办理 as a bank says them, 办事 for running one's own errand, 空等
//! for waiting with nothing to do, and 未察觉 (three characters: there is no
//! shorter word that does not mean "ready") for a call not yet noticed.

use anstyle::{AnsiColor, Effects, Style as Ansi};
use timeline::{MarkKind, State};

/// How one state (or mark) is shown, everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Look {
    /// The terminal's glyph: one ASCII character.
    pub glyph: char,
    /// The terminal's colour for the glyph.
    pub ansi: Ansi,
    /// The HTML class of its bars (and the name of its CSS colour variable).
    pub class: &'static str,
    /// Its colour in HTML and SVG, `#rrggbb`: the terminal's, on a white page.
    pub colour: &'static str,
    /// The short English name: a slice's name in Perfetto, a tooltip's word.
    pub name: &'static str,
    /// A word for counting lanes in this state ("3 errand").
    pub short: &'static str,
    /// The lecture's word (Chinese).
    pub chinese: &'static str,
    /// What it means, for legends.
    pub meaning: &'static str,
}

/// A terminal colour.
const fn fg(colour: AnsiColor) -> Ansi {
    Ansi::new().fg_color(Some(anstyle::Color::Ansi(colour)))
}

/// How `state` is shown.
pub const fn look(state: State) -> Look {
    match state {
        State::InLine => Look {
            glyph: '-',
            ansi: fg(AnsiColor::Red),
            class: "in-line",
            colour: "#d64541",
            name: "waiting in line",
            short: "in line",
            chinese: "排队",
            meaning: "waiting in line: waits for the call, errand still to do",
        },
        State::Idle => Look {
            glyph: ':',
            ansi: fg(AnsiColor::Cyan),
            class: "idle",
            colour: "#4a90a4",
            name: "idle",
            short: "idle",
            chinese: "空等",
            meaning: "idle: waits for the call, nothing left to do",
        },
        State::Errand => Look {
            glyph: '=',
            ansi: fg(AnsiColor::Green),
            class: "errand",
            colour: "#3ba55c",
            name: "on the errand",
            short: "errand",
            chinese: "办事",
            meaning: "on the errand: does own work (the phone call, the cigarette)",
        },
        State::Unnoticed => Look {
            glyph: '!',
            ansi: fg(AnsiColor::Yellow).effects(Effects::BOLD),
            class: "unnoticed",
            colour: "#f2b200",
            name: "called, not noticed",
            short: "unnoticed",
            chinese: "未察觉",
            meaning: "called, not noticed yet: not at the counter",
        },
        State::AtCounter => Look {
            glyph: '#',
            ansi: fg(AnsiColor::Blue).effects(Effects::BOLD),
            class: "at-counter",
            colour: "#2f6db5",
            name: "at the counter",
            short: "at counter",
            chinese: "办理",
            meaning: "served at the counter",
        },
        State::Calling => Look {
            glyph: '~',
            ansi: fg(AnsiColor::Magenta),
            class: "calling",
            colour: "#b04fc4",
            name: "calling",
            short: "calling",
            chinese: "叫号",
            meaning: "teller calls, waits for HERE",
        },
        State::Serving => Look {
            glyph: '#',
            ansi: fg(AnsiColor::Blue).effects(Effects::BOLD),
            class: "serving",
            colour: "#2f6db5",
            name: "serving",
            short: "serving",
            chinese: "办理",
            meaning: "teller serves",
        },
        State::Running => Look {
            glyph: '@',
            ansi: fg(AnsiColor::Green).effects(Effects::BOLD),
            class: "running",
            colour: "#1e7b34",
            name: "running",
            short: "running",
            chinese: "运行",
            meaning: "running: on a CPU",
        },
        State::Ready => Look {
            glyph: '+',
            ansi: fg(AnsiColor::Yellow),
            class: "ready",
            colour: "#c98a00",
            name: "ready",
            short: "ready",
            chinese: "就绪",
            meaning: "ready: could run, waits for a CPU",
        },
        State::Blocked => Look {
            glyph: '.',
            ansi: fg(AnsiColor::Red),
            class: "blocked",
            colour: "#a93226",
            name: "blocked",
            short: "blocked",
            chinese: "阻塞",
            meaning: "blocked: waits for an event, off the CPU",
        },
        State::Zombie => Look {
            glyph: '%',
            ansi: fg(AnsiColor::BrightBlack),
            class: "zombie",
            colour: "#7f8c8d",
            name: "zombie",
            short: "zombie",
            chinese: "僵尸",
            meaning: "zombie: exited, its parent has not collected it yet",
        },
    }
}

/// How a mark is shown. A poll is drawn over a wait (in line or idle) or an
/// errand only; every other mark over whatever the column holds.
pub const fn mark(kind: MarkKind) -> Look {
    match kind {
        MarkKind::Poll => Look {
            glyph: '?',
            ansi: fg(AnsiColor::Yellow).effects(Effects::BOLD),
            class: "poll",
            colour: "#9a6b00",
            name: "poll",
            short: "polls",
            chinese: "查看",
            meaning: "poll: looked at the socket, nothing yet",
        },
        MarkKind::Abandon => Look {
            glyph: 'x',
            ansi: fg(AnsiColor::BrightRed).effects(Effects::BOLD),
            class: "abandon",
            colour: "#ff1a1a",
            name: "abandon",
            short: "abandoned",
            chinese: "放弃",
            meaning: "abandoned: left before DONE",
        },
        MarkKind::Forked => Look {
            glyph: '(',
            ansi: fg(AnsiColor::Cyan).effects(Effects::BOLD),
            class: "forked",
            colour: "#16a085",
            name: "forked",
            short: "forked",
            chinese: "创建",
            meaning: "forked: fork() made the process",
        },
        MarkKind::Exited => Look {
            glyph: ')',
            ansi: fg(AnsiColor::BrightBlack).effects(Effects::BOLD),
            class: "exited",
            colour: "#566573",
            name: "exited",
            short: "exited",
            chinese: "退出",
            meaning: "exited: the process ended",
        },
        MarkKind::Signal => Look {
            glyph: '*',
            ansi: fg(AnsiColor::BrightRed).effects(Effects::BOLD),
            class: "signal",
            colour: "#ff1a1a",
            name: "signal",
            short: "signals",
            chinese: "信号",
            meaning: "signal: the process was sent a signal",
        },
        MarkKind::Reaped => Look {
            glyph: ']',
            ansi: fg(AnsiColor::BrightBlack).effects(Effects::BOLD),
            class: "reaped",
            colour: "#34495e",
            name: "reaped",
            short: "reaped",
            chinese: "回收",
            meaning: "reaped: its parent collected the exit status; it is gone",
        },
    }
}

/// The legend line for the two sides of the counter when a picture shows
/// both (same glyph, same colour): a customer served, a teller serving.
pub const BOTH_SIDES_OF_THE_COUNTER: &str = "served at the counter (teller's row: serves)";

/// Every mark, in legend order.
pub const MARKS: [MarkKind; 6] = [
    MarkKind::Poll,
    MarkKind::Abandon,
    MarkKind::Forked,
    MarkKind::Signal,
    MarkKind::Exited,
    MarkKind::Reaped,
];

/// The CSS of every state's and mark's colour, from this table: a variable
/// per class, and each state's bars filled with it.
pub fn css() -> String {
    let mut out = String::from(":root {");
    for look in State::ALL.map(look).iter().chain(MARKS.map(mark).iter()) {
        out.push_str(&format!(" --{}: {};", look.class, look.colour));
    }
    out.push_str(" }\n");
    for look in State::ALL.map(look) {
        out.push_str(&format!(
            ".{0} {{ background: var(--{0}); fill: var(--{0}); }}\n",
            look.class
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_mark_has_its_own_class_and_a_one_column_glyph() {
        let looks: Vec<Look> = State::ALL
            .map(look)
            .into_iter()
            .chain(MARKS.map(mark))
            .collect();
        let mut classes: Vec<&str> = looks.iter().map(|l| l.class).collect();
        classes.sort_unstable();
        classes.dedup();
        assert_eq!(classes.len(), looks.len(), "one class each");
        for l in &looks {
            assert!(l.glyph.is_ascii_graphic(), "{l:?}");
            assert!(l.colour.len() == 7 && l.colour.starts_with('#'), "{l:?}");
            assert!(!l.chinese.is_empty() && !l.meaning.is_empty(), "{l:?}");
        }
        // Glyphs tell the states apart without colour, but for the two
        // sides of the counter, which are one thing seen from two rows.
        let mut glyphs: Vec<char> = State::ALL
            .into_iter()
            .filter(|&s| s != State::Serving)
            .map(|s| look(s).glyph)
            .chain(MARKS.map(|m| mark(m).glyph))
            .collect();
        glyphs.sort_unstable();
        glyphs.dedup();
        assert_eq!(glyphs.len(), State::ALL.len() - 1 + MARKS.len());
    }

    #[test]
    fn the_style_sheet_colours_every_state_from_the_table() {
        let css = css();
        for state in State::ALL {
            let l = look(state);
            assert!(css.contains(&format!("--{}: {};", l.class, l.colour)));
            assert!(css.contains(&format!(".{} {{", l.class)));
        }
    }
}
