//! The states a lane can be in, and the marks of moments on it: one
//! vocabulary for every lesson.
//!
//! A lane is in one [`State`] at a time, over stretches of time; a [`Mark`]
//! is a moment on it. Which states a lane uses depends on its kind: a bank
//! customer's row tells the scene (waiting in line, idle, on the errand,
//! called but not yet noticed, at the counter), a teller's its day (calling,
//! serving), and only the lanes measured from the machine (threads,
//! processes, jobs on a CPU) the lecture's process states (running 运行,
//! ready 就绪, blocked 阻塞) and the end of a process (zombie 僵尸).
//!
//! The two vocabularies are kept apart on purpose. A customer's row is drawn
//! from the protocol's times: it says where the customer is in the scene,
//! not what the kernel does with the thread behind it. Whether that thread
//! is on a CPU, waits for one, or sleeps is read from the kernel
//! (`/proc/self/task/<tid>/`) and drawn on the thread's own lane.
//!
//! How each is drawn (its glyph, colour and words) is the pictures'
//! business: one table there, read by every picture. In a trace file a
//! state or mark is written in snake_case (`in_line`, `running`, `poll`).

use serde::{Deserialize, Serialize};

/// What a lane is doing over a stretch of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Customer: waiting in line for the call with some of their errand
    /// still to do, and not doing it (see [`crate::model`] for when a wait
    /// is this and when it is [`State::Idle`]).
    InLine,
    /// Customer: waiting for the call with nothing left to do: their errand
    /// is all done (or they have none), so the wait keeps them from nothing.
    Idle,
    /// Customer: doing their own errand (the phone call, the cigarette).
    Errand,
    /// Customer: called, but has not noticed yet, so not at the counter.
    Unnoticed,
    /// Customer: at the counter, being served.
    AtCounter,
    /// Teller: called a ticket and waits for `HERE`.
    Calling,
    /// Teller: serving a customer.
    Serving,
    /// Thread, process or job: on a CPU (运行).
    Running,
    /// Thread, process or job: could run, waits for a CPU (就绪).
    Ready,
    /// Thread, process or job: waits for an event (I/O, a child, a timer),
    /// off the CPU (阻塞).
    Blocked,
    /// Process: has exited; its parent has not collected its status yet (僵尸).
    Zombie,
}

impl State {
    /// Every state, in the order of a visit and then of a process's life:
    /// where two states tie over a picture's column, the later one is shown.
    pub const ALL: [State; 11] = [
        State::InLine,
        State::Idle,
        State::Errand,
        State::Unnoticed,
        State::AtCounter,
        State::Calling,
        State::Serving,
        State::Blocked,
        State::Ready,
        State::Running,
        State::Zombie,
    ];

    /// Where this state is in [`State::ALL`]: an index for tables by state.
    pub fn index(self) -> usize {
        State::ALL
            .iter()
            .position(|&s| s == self)
            .unwrap_or_default()
    }
}

/// What happened at a moment on a lane, drawn over its stretches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// A customer looked at its socket and found nothing (sync-nonblocking).
    Poll,
    /// A customer left before `DONE`.
    Abandon,
    /// A process was made: `fork()` returned its PID to its parent.
    Forked,
    /// A process was sent a signal.
    Signal,
    /// A process ended (exited, or was killed by a signal).
    Exited,
    /// A process's exit status was collected by its parent: it is gone.
    Reaped,
}

/// A moment on a lane.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// When, in milliseconds from the run's start.
    pub at_ms: f64,
    /// What happened.
    pub kind: MarkKind,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_marks_are_written_in_snake_case() {
        let state = |s: State| serde_json::to_string(&s).unwrap_or_default();
        assert_eq!(state(State::InLine), r#""in_line""#);
        assert_eq!(state(State::AtCounter), r#""at_counter""#);
        assert_eq!(state(State::Ready), r#""ready""#);
        let mark = serde_json::to_string(&MarkKind::Reaped).unwrap_or_default();
        assert_eq!(mark, r#""reaped""#);
        for s in State::ALL {
            assert_eq!(serde_json::from_str::<State>(&state(s)).ok(), Some(s));
        }
    }
}
