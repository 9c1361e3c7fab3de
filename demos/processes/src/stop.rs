//! Why a demo stops before its end: Ctrl-C (or SIGTERM) asked it to, or
//! something the kernel said was not what the demo needs.

use std::fmt;

use nix::sys::signal::Signal;

/// Why a demo stopped early.
#[derive(Debug)]
pub enum Stop {
    /// SIGINT (Ctrl-C) or SIGTERM arrived: every descendant is killed and
    /// reaped, then the demo exits 128 + the signal's number.
    Interrupted(Signal),
    /// A system call failed, or a process did not do what the demo needs.
    Failed(String),
}

impl Stop {
    /// A failure saying `what`.
    pub fn failed(what: impl Into<String>) -> Stop {
        Stop::Failed(what.into())
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Interrupted(Signal::SIGINT) => write!(f, "interrupted by Ctrl-C"),
            Stop::Interrupted(signal) => write!(f, "interrupted by {signal}"),
            Stop::Failed(what) => write!(f, "{what}"),
        }
    }
}

impl From<nix::Error> for Stop {
    fn from(err: nix::Error) -> Stop {
        Stop::Failed(format!("a system call failed: {err}"))
    }
}

impl From<std::io::Error> for Stop {
    fn from(err: std::io::Error) -> Stop {
        Stop::Failed(format!("reading or writing failed: {err}"))
    }
}
