//! What stops a program: Ctrl-C (SIGINT) or SIGTERM, and the exit code a
//! shell then reports. The `bank` binary and every demo stop the same way.

use std::fmt;

use nix::libc::{SIGINT, SIGTERM};

/// What stopped a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C at the terminal.
    Interrupt,
    /// SIGTERM: `kill <pid>`, or a supervisor stopping the program.
    Terminate,
}

impl Signal {
    /// The signal's number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => SIGINT,
            Signal::Terminate => SIGTERM,
        }
    }

    /// The exit code of a program it stopped: 128 + its number, as a shell
    /// reports a process killed by it (130 for Ctrl-C, 143 for SIGTERM).
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => 130,
            Signal::Terminate => 143,
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Signal::Interrupt => "Ctrl-C (SIGINT)",
            Signal::Terminate => "SIGTERM",
        })
    }
}
