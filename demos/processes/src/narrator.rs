//! Who says what, and when: every line a process prints carries the time
//! since the demo started, the speaker's role, and its PID and parent's PID
//! as the kernel gives them at that moment (`getpid()`, `getppid()`), never
//! as remembered. A forked child gets a copy of the narrator, so its lines
//! are stamped on the same clock. While the live view has the terminal,
//! every line is held back for it ([`Live::hold`]) and printed at the end.

use std::io::Write;
use std::time::Instant;

use nix::unistd::{getpid, getppid};

use crate::live::{Held, Live};

/// The clock and the voice that every process of one demo shares.
#[derive(Clone, Copy, Debug)]
pub struct Narrator {
    /// The moment the demo started: every stamp and stretch counts from it.
    /// `Instant` is `CLOCK_MONOTONIC`, one clock for the whole machine, so a
    /// forked child's readings line up with its parent's.
    start: Instant,
    /// With `--json`, stdout holds the facts alone, so the narration goes to
    /// stderr instead.
    to_stderr: bool,
    /// The live view (`--live`), which holds back what is said while it
    /// has the terminal, and which the watch draws on.
    live: Option<&'static Live>,
}

impl Narrator {
    /// A narrator whose clock starts now, telling `live` if there is one.
    pub fn new(to_stderr: bool, live: Option<&'static Live>) -> Narrator {
        Narrator {
            start: Instant::now(),
            to_stderr,
            live,
        }
    }

    /// The same voice, its clock restarted: each demo counts from its own 0.
    pub fn restarted(self) -> Narrator {
        Narrator::new(self.to_stderr, self.live)
    }

    /// The live view, if the run has one.
    pub fn live(&self) -> Option<&'static Live> {
        self.live
    }

    /// Milliseconds since the start.
    pub fn ms(&self) -> f64 {
        self.start.elapsed().as_secs_f64() * 1000.0
    }

    /// Whether the narration goes to stderr (and the facts to stdout).
    pub fn json(&self) -> bool {
        self.to_stderr
    }

    /// Prints one line as `role`: `  0.003s  parent 4711 (ppid 4700)  what`.
    /// The line goes out in one `write()`, so lines from several processes
    /// sharing the terminal never mix within a line.
    pub fn say(&self, role: &str, what: &str) {
        let speaker = format!("{role} {} (ppid {})", getpid(), getppid());
        let line = format!("{:>8.3}s  {speaker:<34} {what}\n", self.ms() / 1000.0);
        self.print(&line);
    }

    /// Prints a picture on the narration's stream, in colour only where
    /// that stream is a terminal and `NO_COLOR` is unset ([`anstream`]).
    pub fn draw(&self, picture: &str) {
        if self.held_back(picture, Held::Picture) {
            return;
        }
        let _ = if self.to_stderr {
            let mut err = anstream::stderr();
            err.write_all(picture.as_bytes()).and_then(|()| err.flush())
        } else {
            let mut out = anstream::stdout();
            out.write_all(picture.as_bytes()).and_then(|()| out.flush())
        };
    }

    /// Prints `text` as it is (a heading, a line) on the narration's
    /// stream.
    pub fn print(&self, text: &str) {
        if self.held_back(text, Held::Words) {
            return;
        }
        // A closed terminal or pipe is no reason to stop a demo midway:
        // what it observed still has to be reaped and reported.
        let _ = if self.to_stderr {
            let mut err = std::io::stderr().lock();
            err.write_all(text.as_bytes()).and_then(|()| err.flush())
        } else {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        };
    }

    /// Ends the live view, if there is one: the terminal is given back, and
    /// everything held back is printed, in the order it was said.
    pub fn end_live(&self) {
        if let Some(live) = self.live {
            self.draw(&live.end());
        }
    }

    /// Whether the live view held `text` back (it has the terminal).
    fn held_back(&self, text: &str, what: Held) -> bool {
        self.live.is_some_and(|live| live.hold(text, what))
    }
}
