//! How a process ended, as its parent's `wait()` reports it: an exit code,
//! or the signal that killed it, and the number Python's `exitcode` shows
//! for it (the code, or minus the signal: `-15` for SIGTERM).

use std::fmt;

use nix::sys::wait::WaitStatus;
use serde::{Deserialize, Serialize};

/// How a process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// It called `exit(code)` (or returned from `main`).
    Exited {
        /// The code it passed, 0 to 255.
        code: i32,
    },
    /// A signal ended it.
    Killed {
        /// The signal's number: 15 for SIGTERM, 9 for SIGKILL.
        signal: i32,
    },
}

impl Ended {
    /// The end a wait status reports; `None` for a status that is no end
    /// (still alive, stopped, continued).
    pub fn from_status(status: WaitStatus) -> Option<Ended> {
        match status {
            WaitStatus::Exited(_, code) => Some(Ended::Exited { code }),
            WaitStatus::Signaled(_, signal, _) => Some(Ended::Killed {
                signal: signal as i32,
            }),
            _ => None,
        }
    }

    /// What Python's `Process.exitcode` says for this end: the exit code,
    /// or `-N` for a process ended by signal N.
    pub fn python_exitcode(self) -> i32 {
        match self {
            Ended::Exited { code } => code,
            Ended::Killed { signal } => -signal,
        }
    }
}

impl fmt::Display for Ended {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ended::Exited { code } => write!(f, "exited with code {code}"),
            Ended::Killed { signal } => {
                let name = nix::sys::signal::Signal::try_from(signal)
                    .map(|s| s.as_str())
                    .unwrap_or("?");
                write!(f, "killed by signal {signal} ({name})")
            }
        }
    }
}
