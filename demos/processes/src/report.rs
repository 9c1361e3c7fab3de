//! Child → parent: facts a child can only know itself (its own view of its
//! parent, when it finished its work) travel up a pipe, one JSON line per
//! message. A line shorter than `PIPE_BUF` (4096 bytes) goes in one
//! `write()`, and Linux never mixes such writes, so several processes can
//! share one pipe.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use std::time::Duration;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::status::Ended;

/// What a process tells the demo about itself or its children, in the
/// demos where the one who knows is not the demo's own child.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum News {
    /// A parent forked `pid` as `role` at `at_ms` (its `fork()` returned).
    Forked {
        /// Its role in the story.
        role: String,
        /// The PID `fork()` returned.
        pid: i32,
        /// When.
        at_ms: f64,
    },
    /// `pid` runs, and says what `getppid()` and `PR_GET_PDEATHSIG` tell it.
    Running {
        /// Its own `getpid()`.
        pid: i32,
        /// Its own `getppid()`.
        ppid: i32,
        /// The signal the kernel will send it when its parent dies, if any.
        pdeathsig: Option<i32>,
        /// When.
        at_ms: f64,
    },
    /// A parent sent `signal` to `pid`.
    Signalled {
        /// Who got it.
        pid: i32,
        /// Its number.
        signal: i32,
        /// When `kill()` returned.
        at_ms: f64,
    },
    /// A parent's `waitpid()` collected `pid`.
    Reaped {
        /// Who.
        pid: i32,
        /// How it ended, as the wait status says.
        ended: Ended,
        /// When `waitpid()` returned.
        at_ms: f64,
    },
}

/// The writing end, for the children.
#[derive(Debug)]
pub struct Outbox {
    /// The pipe's write end.
    fd: OwnedFd,
}

/// The reading end, for the parent.
#[derive(Debug)]
pub struct Inbox {
    /// The pipe's read end.
    fd: OwnedFd,
    /// Bytes read but not yet a whole line.
    pending: Vec<u8>,
    /// Every write end is closed: nothing more will come.
    closed: bool,
}

/// A new pipe: its reading end and its writing end.
pub fn pipe() -> Result<(Inbox, Outbox), nix::Error> {
    let (read, write) = nix::unistd::pipe()?;
    Ok((
        Inbox {
            fd: read,
            pending: Vec::new(),
            closed: false,
        },
        Outbox { fd: write },
    ))
}

impl Outbox {
    /// Sends `message` as one line, in one `write()`.
    pub fn send<T: Serialize>(&self, message: &T) -> io::Result<()> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        let written = nix::unistd::write(&self.fd, &line)?;
        if written == line.len() {
            Ok(())
        } else {
            Err(io::Error::other("a message was cut short"))
        }
    }
}

impl Inbox {
    /// The next whole message already read, if there is one.
    pub fn take<T: DeserializeOwned>(&mut self) -> io::Result<Option<T>> {
        let Some(end) = self.pending.iter().position(|&b| b == b'\n') else {
            return Ok(None);
        };
        let line: Vec<u8> = self.pending.drain(..=end).collect();
        Ok(Some(serde_json::from_slice(&line)?))
    }

    /// Reads what the pipe holds now (call it when `poll()` says it is
    /// readable, so it does not block). Zero bytes means every writer has
    /// closed its end.
    pub fn fill(&mut self) -> io::Result<()> {
        let mut chunk = [0u8; 4096];
        let n = nix::unistd::read(&self.fd, &mut chunk)?;
        self.closed |= n == 0;
        self.pending.extend_from_slice(&chunk[..n]);
        Ok(())
    }

    /// Blocks until the pipe has something to read (or every writer has
    /// closed it), `limit` at the most, and reads it. For a child, which has
    /// no Ctrl-C to watch for: its parent does that.
    pub fn wait(&mut self, limit: Duration) -> io::Result<()> {
        let timeout = PollTimeout::try_from(limit).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)];
        if poll(&mut fds, timeout)? == 0 {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "nothing came"));
        }
        self.fill()
    }

    /// Whether every writer has closed its end and all was read.
    pub fn closed(&self) -> bool {
        self.closed
    }
}

impl AsFd for Inbox {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
