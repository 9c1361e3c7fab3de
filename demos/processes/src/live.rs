//! `--live`: the timeline grows while the processes really live, redrawn in
//! place, so a class watches a child be forked, block, exit, wait as a
//! zombie and be reaped.
//!
//! A frame shows what the watcher has read so far, never a replay of the
//! end: the parent's waits read every watched process's state from
//! `/proc/<pid>/stat` each tick ([`watch`](crate::watch)), and right after
//! a reading, 15 times a second at most, the watch hands its [`History`] to
//! [`Live::frame`]. No thread of its own draws: a process that forks must
//! have only one ([`fork`](crate::fork)), so the demo's thread draws between
//! two readings, and waits for nothing to do it.
//!
//! The lanes fill a time axis fixed for the scene, about as long as the
//! scene should last ([`Watch::lasts_about`](crate::watch::Watch::lasts_about));
//! the status line counts the processes alive, the zombies, the reaped and
//! the signals so far; under the lanes come the last lines said. There is
//! no `--speed`: the scene's time is the children's work, which
//! `--work-ms 3000` makes longer for a class; a `fork()` or a wait takes what
//! it takes.
//!
//! While the live view has the terminal, nothing else may write on it, so
//! what the processes say is held back. The demo keeps its own lines; a
//! child sends each of its lines up a pipe that every process of the run
//! inherits, in one `write()` (shorter than `PIPE_BUF`, so never mixed with
//! another's), and the demo reads the pipe before each line of its own and
//! each frame. When the run ends (done, failed, or Ctrl-C, which stays the
//! terminal's: SIGINT, read like any other), the terminal is given back and
//! everything held back is printed in the order it was said: the usual
//! output. Without a terminal on stderr, `--live` says so in one line and
//! the run goes on as usual.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use nix::fcntl::{FcntlArg, OFlag, fcntl};
use nix::unistd::{Pid, getpid, pipe2};
use pictures::live::{self, Board, Pace};
use pictures::terminal::{Keys, Session, Stream, no_colour};

use crate::history::History;
use crate::picture;

/// How many of the last lines said are shown under the lanes.
const LAST_SAID: usize = 6;

/// The live view of a run, on stderr.
#[derive(Debug)]
pub struct Live {
    /// The process that draws and holds back: the demo. Any other process
    /// is one of its descendants, and sends its lines up `pipe`.
    demo: Pid,
    /// The pipe's write end, for the descendants: each inherits it at its
    /// `fork()`.
    pipe: File,
    /// The terminal and what is held back: the demo's alone. Its one thread
    /// draws and says; the thread the isolation demo starts says a line too.
    screen: Mutex<Screen>,
}

/// What the demo keeps while the live view lasts.
struct Screen {
    /// The terminal, until it is given back.
    session: Option<Session>,
    /// The pipe's read end, non-blocking: the descendants' lines.
    heard: File,
    /// Bytes read from the pipe, not yet a whole line.
    partial: Vec<u8>,
    /// Everything said and drawn, in order: printed when the terminal is
    /// given back.
    held: String,
    /// The last lines said, shown under the lanes.
    last_said: VecDeque<String>,
    /// When the next frame is due.
    pace: Pace,
}

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen")
            .field("taken", &self.session.is_some())
            .field("held", &self.held.len())
            .finish_non_exhaustive()
    }
}

/// What the narration holds back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Held {
    /// Lines said, or a heading: shown under the lanes as well.
    Words,
    /// A scene's picture, drawn at its end: printed at the end of the run
    /// only (the live view draws the lanes themselves).
    Picture,
}

/// Where the watched processes are, for the status line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Processes alive, running or blocked, the demo among them.
    pub alive: usize,
    /// Processes exited and not yet reaped: `Z` in `/proc`.
    pub zombies: usize,
    /// Processes reaped so far: collected by a wait.
    pub reaped: usize,
    /// Signals sent so far.
    pub signals: usize,
}

impl Census {
    /// The status line at `now_ms`: `1.52 s   alive 2 · zombies 1 · reaped 0 · signals 0`.
    pub fn status(&self, now_ms: f64) -> String {
        format!(
            "{}   alive {} · zombies {} · reaped {} · signals {}",
            live::seconds(now_ms),
            self.alive,
            self.zombies,
            self.reaped,
            self.signals
        )
    }
}

impl Live {
    /// Takes the terminal on stderr for the whole run. Without a terminal:
    /// one line saying so, and `None`.
    ///
    /// Kept for the life of the process (leaked): every copy of the
    /// narrator, a forked child's included, may hold a line back until the
    /// run is over.
    pub fn open() -> Option<&'static Live> {
        let session = match Session::open(Stream::Stderr, Keys::Terminal) {
            Ok(session) => session,
            Err(err) => {
                eprintln!("{}", live::needs_a_terminal(&err));
                return None;
            }
        };
        // Close-on-exec: a program a demo runs (`ps`) does not keep it open.
        let pipe = pipe2(OFlag::O_CLOEXEC).and_then(|(heard, pipe)| {
            fcntl(&heard, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))?;
            Ok((heard, pipe))
        });
        let (heard, pipe) = match pipe {
            Ok(ends) => ends,
            Err(err) => {
                drop(session);
                eprintln!("--live: no pipe for the narration ({err}): the run goes on without it");
                return None;
            }
        };
        let live = Live {
            demo: getpid(),
            pipe: File::from(pipe),
            screen: Mutex::new(Screen {
                session: Some(session),
                heard: File::from(heard),
                partial: Vec::new(),
                held: String::new(),
                last_said: VecDeque::new(),
                pace: Pace::new(),
            }),
        };
        Some(Box::leak(Box::new(live)))
    }

    /// Holds `text` back while the live view has the terminal; says whether
    /// it did (if not, the caller prints it as usual). The demo keeps it
    /// after what its descendants had sent; a descendant sends it up the
    /// pipe.
    pub fn hold(&self, text: &str, what: Held) -> bool {
        if getpid() != self.demo {
            return (&self.pipe).write_all(text.as_bytes()).is_ok();
        }
        let mut screen = self.screen();
        if screen.session.is_none() {
            return false;
        }
        screen.hear();
        screen.keep(text, what);
        true
    }

    /// Draws `history` as read so far, at `now_ms`, on a time axis ending
    /// at `until_ms`, with `census` on the status line; unless the last
    /// frame was too recent.
    pub fn frame(&self, history: &History, census: Census, now_ms: f64, until_ms: f64) {
        let mut screen = self.screen();
        if screen.session.is_none() || !screen.pace.due() {
            return;
        }
        let started = Instant::now();
        screen.hear();
        let lanes = picture::lanes(history);
        let board = Board {
            title: format!("processes 进程 — live: {}", history.title),
            runs: vec![(String::new(), &lanes)],
            until_ms,
            now_ms,
            caption: screen.last_said.iter().cloned().collect(),
            status: census.status(now_ms),
            keys: vec![(
                "Ctrl-C",
                "stop: every process killed and reaped, then what was said",
            )],
            colour: !no_colour(),
        };
        if let Some(session) = &mut screen.session {
            // A terminal gone away is no reason to stop the processes: the
            // run goes on, and what was said is printed at its end.
            let _ = session.draw(|frame| frame.render_widget(&board, frame.area()));
        }
        screen.pace.drawn(started);
    }

    /// Ends the live view: the terminal given back as it was found; returns
    /// everything held back, in order, for the narrator to print. Call it
    /// once every descendant is gone, so that nothing is still on its way
    /// up the pipe; after it, nothing is held back.
    pub fn end(&self) -> String {
        let mut screen = self.screen();
        screen.hear();
        screen.session = None;
        std::mem::take(&mut screen.held)
    }

    /// The screen, whoever panicked while holding it.
    fn screen(&self) -> MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Screen {
    /// Reads what the descendants have sent so far and keeps its whole
    /// lines.
    fn hear(&mut self) {
        let mut chunk = [0u8; 4096];
        loop {
            match self.heard.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => self.partial.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == ErrorKind::Interrupted => {}
                // WouldBlock: nothing more for now.
                Err(_) => break,
            }
        }
        let Some(end) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return;
        };
        let lines: Vec<u8> = self.partial.drain(..=end).collect();
        self.keep(&String::from_utf8_lossy(&lines), Held::Words);
    }

    /// Keeps `text` for the end, and its lines for under the lanes if they
    /// are words.
    fn keep(&mut self, text: &str, what: Held) {
        self.held.push_str(text);
        if what == Held::Words {
            for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
                if self.last_said.len() == LAST_SAID {
                    self.last_said.pop_front();
                }
                self.last_said.push_back(line.to_owned());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_line_counts_where_the_processes_are() {
        let census = Census {
            alive: 2,
            zombies: 1,
            reaped: 3,
            signals: 1,
        };
        assert_eq!(
            census.status(1520.0),
            "1.52 s   alive 2 · zombies 1 · reaped 3 · signals 1"
        );
    }
}
