//! The terminal, borrowed for a picture that moves: the live view of a run
//! and the replay of a recorded one.
//!
//! A [`Session`] takes the terminal over the way full-screen programs do
//! (`less`, `top`, tokio-console): it switches to the alternate screen,
//! hides the cursor and stops the terminal echoing what is typed; ratatui
//! draws each frame, writing only the cells that changed. When the session
//! ends, however it ends (done, an error, Ctrl-C, a panic), the terminal is
//! handed back as it was found: the alternate screen left (so the shell's
//! screen returns, with the usual picture printed after it), the cursor
//! shown, the terminal's modes restored.
//!
//! Two ways to take the keys ([`Keys`]):
//!
//! - [`Keys::Terminal`] for a live view: echo and line editing off, but
//!   Ctrl-C stays the terminal's, so it cuts the run short exactly as it
//!   does without the live view (SIGINT, the driver's own handling, the
//!   picture and the trace after it);
//! - [`Keys::Program`] for a replay: raw mode (crossterm's), every key,
//!   Ctrl-C included, read by the program.
//!
//! A panic hook restores the terminal before the panic's message is printed,
//! so a panic never leaves a class looking at a blank screen that ignores
//! its keys.

use std::io::{self, IsTerminal, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::{Mutex, Once, PoisonError};

use crossterm::{cursor, execute, terminal};
use nix::sys::termios::{self, LocalFlags, SetArg, Termios};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Frame, Terminal, TerminalOptions, Viewport};

/// Who reads the keys while a session lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// The terminal keeps Ctrl-C (a signal to the program); nothing typed is
    /// echoed. For a live view, which reads no keys.
    Terminal,
    /// The program reads every key (raw mode). For a replay.
    Program,
}

/// Which standard stream a session draws on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

impl Stream {
    /// Its name, for messages: `stdout`.
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }

    /// Whether it is a terminal.
    pub fn is_terminal(self) -> bool {
        self.with_fd(|fd| fd.is_terminal())
    }

    /// Runs `f` with the stream's file descriptor.
    fn with_fd<R>(self, f: impl FnOnce(BorrowedFd<'_>) -> R) -> R {
        match self {
            Stream::Stdout => f(io::stdout().as_fd()),
            Stream::Stderr => f(io::stderr().as_fd()),
        }
    }

    /// A writer to it.
    fn writer(self) -> Box<dyn Write + Send> {
        match self {
            Stream::Stdout => Box::new(io::stdout()),
            Stream::Stderr => Box::new(io::stderr()),
        }
    }
}

/// What must be put back when a session ends. One at a time per process:
/// the panic hook reads it from [`TAKEN`].
#[derive(Clone, Debug)]
struct Taken {
    /// The process that took the terminal. A child forked while a session
    /// lasts (the processes lesson draws its children live) has a copy of
    /// this, and must not give back a terminal its parent is drawing on.
    owner: u32,
    /// The stream the session drew on.
    stream: Stream,
    /// The terminal's modes before the session, for [`Keys::Terminal`]
    /// (raw mode, for [`Keys::Program`], is crossterm's to undo).
    modes: Option<Termios>,
}

/// The session under way, if any: what a panic must undo.
static TAKEN: Mutex<Option<Taken>> = Mutex::new(None);

/// A full-screen picture on a terminal, drawn with ratatui.
pub struct Session {
    /// ratatui's terminal, its viewport the terminal's size.
    terminal: Terminal<CrosstermBackend<Box<dyn Write + Send>>>,
    /// The stream it draws on.
    stream: Stream,
}

/// Why a session could not start.
#[derive(Debug, thiserror::Error)]
pub enum NoTerminal {
    /// The stream (or, for keys, stdin) is a file or a pipe.
    #[error("{0} is not a terminal")]
    NotATerminal(&'static str),
    /// The terminal would not take the session.
    #[error("the terminal refused: {0}")]
    Refused(#[from] io::Error),
}

impl Session {
    /// Takes the terminal that `stream` is, reading the keys as `keys` says
    /// (a replay's come from stdin, which must be a terminal too).
    pub fn open(stream: Stream, keys: Keys) -> Result<Session, NoTerminal> {
        if !stream.is_terminal() {
            return Err(NoTerminal::NotATerminal(stream.name()));
        }
        if keys == Keys::Program && !io::stdin().is_terminal() {
            return Err(NoTerminal::NotATerminal("stdin"));
        }
        let modes = match keys {
            Keys::Terminal => {
                let before = stream
                    .with_fd(|fd| termios::tcgetattr(fd))
                    .map_err(io::Error::from)?;
                let mut quiet = before.clone();
                quiet
                    .local_flags
                    .remove(LocalFlags::ECHO | LocalFlags::ICANON);
                stream
                    .with_fd(|fd| termios::tcsetattr(fd, SetArg::TCSANOW, &quiet))
                    .map_err(io::Error::from)?;
                Some(before)
            }
            Keys::Program => {
                terminal::enable_raw_mode()?;
                None
            }
        };
        *TAKEN.lock().unwrap_or_else(PoisonError::into_inner) = Some(Taken {
            owner: std::process::id(),
            stream,
            modes,
        });
        restore_on_panic();
        let mut backend = CrosstermBackend::new(stream.writer());
        let entered = execute!(backend, terminal::EnterAlternateScreen, cursor::Hide);
        let terminal = entered.and_then(|()| {
            Terminal::with_options(
                backend,
                TerminalOptions {
                    viewport: Viewport::Fixed(stream.with_fd(size_of)),
                },
            )
        });
        match terminal {
            Ok(terminal) => Ok(Session { terminal, stream }),
            Err(err) => {
                give_back();
                Err(err.into())
            }
        }
    }

    /// The terminal's width now, in columns.
    pub fn width(&self) -> u16 {
        self.stream.with_fd(size_of).width
    }

    /// Draws one frame, at the terminal's size now (a window resized
    /// between two frames is redrawn whole).
    pub fn draw(&mut self, picture: impl FnOnce(&mut Frame)) -> io::Result<()> {
        let size = self.stream.with_fd(size_of);
        if size != self.terminal.get_frame().area() {
            self.terminal.resize(size)?;
        }
        self.terminal.draw(picture).map(|_| ())
    }
}

impl Drop for Session {
    /// Ends the session: the terminal as it was found.
    fn drop(&mut self) {
        let _ = self.terminal.backend_mut().flush();
        give_back();
    }
}

/// The terminal's size on `fd` as ratatui's area (80 × 24 if it will not say).
fn size_of(fd: BorrowedFd<'_>) -> Rect {
    let (width, height) =
        terminal_size::terminal_size_of(fd).map_or((80, 24), |(w, h)| (w.0.max(1), h.0.max(1)));
    Rect::new(0, 0, width, height)
}

/// Puts the terminal back as the session found it; does nothing if no
/// session is under way (so twice is once), or in a forked child of the
/// process that took it.
fn give_back() {
    let Some(taken) = TAKEN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take_if(|t| t.owner == std::process::id())
    else {
        return;
    };
    // Each step is tried whatever the one before did: a terminal half
    // given back is better than one not given back at all.
    let mut out = taken.stream.writer();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
    match taken.modes {
        None => {
            let _ = terminal::disable_raw_mode();
        }
        Some(modes) => {
            let _ = taken
                .stream
                .with_fd(|fd| termios::tcsetattr(fd, SetArg::TCSANOW, &modes));
        }
    }
}

/// Installs, once, a panic hook that gives the terminal back before the
/// panic's message is printed (then the hook that was there before).
fn restore_on_panic() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            give_back();
            before(info);
        }));
    });
}

/// Whether the user asked for no colour (`NO_COLOR` set and not empty).
pub fn no_colour() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// A terminal's modes as found, kept by a program whose child processes
/// draw on it (`compare --live`): if a child is stopped in the middle of its
/// live view, [`Found::give_back`] puts the terminal back for it.
#[derive(Clone, Debug)]
pub struct Found {
    /// The stream the children draw on.
    stream: Stream,
    /// Its modes before any child took it.
    modes: Termios,
}

impl Found {
    /// The modes of the terminal `stream` is now; `None` if it is none.
    pub fn now(stream: Stream) -> Option<Found> {
        let modes = stream.with_fd(|fd| termios::tcgetattr(fd)).ok()?;
        Some(Found { stream, modes })
    }

    /// The terminal as found: the alternate screen left, the cursor shown,
    /// the modes restored. (Only when a child may have left it taken: on a
    /// terminal that is not in the alternate screen, leaving it moves the
    /// cursor back to where it was saved.)
    pub fn give_back(&self) {
        let mut out = self.stream.writer();
        let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
        let _ = out.flush();
        let _ = self
            .stream
            .with_fd(|fd| termios::tcsetattr(fd, SetArg::TCSANOW, &self.modes));
    }
}
