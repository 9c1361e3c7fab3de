//! The parent's eyes: while it waits (for a child to end, for a message up
//! a pipe, or through its own work), it reads every watched process's state
//! from `/proc/<pid>/stat` each tick (and, for a process the kernel says is
//! `R`, whether it ran or waited for a CPU since, from `/proc/<pid>/schedstat`)
//! and writes it into the [`History`].
//!
//! Python's `join()` is `waitpid(pid, 0)`: the parent sleeps in the kernel
//! until the child ends. Ours blocks too, in `poll()`, on a signalfd: the
//! kernel makes it readable the moment a child ends (SIGCHLD) or Ctrl-C is
//! pressed, and `waitpid(pid, WNOHANG)` then collects the child. The poll also
//! times out every tick, to sample, and Ctrl-C can stop any wait: a plain
//! `waitpid(pid, 0)` would sleep through it.
//!
//! With `--live`, each tick also shows what was read so far on the live
//! view ([`Live::frame`](crate::live::Live::frame)).

use std::collections::HashMap;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::signal::{SigSet, SigmaskHow, Signal, sigprocmask};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{Pid, getpid};
use serde::de::DeserializeOwned;

use crate::fork;
use crate::history::{Happening, History, ProcessState, Schedstat};
use crate::live::Census;
use crate::narrator::Narrator;
use crate::procfs;
use crate::report::{Inbox, News};
use crate::status::Ended;
use crate::stop::Stop;

/// How often the watched processes' states are read while the parent waits.
const TICK: Duration = Duration::from_millis(2);

/// The live view's time axis for a scene that does not say how long it
/// lasts (a child that works no `--work-ms`), in ms.
const QUICK_SCENE_MS: f64 = 100.0;

/// The signals the demo reads instead of being killed by: Ctrl-C and
/// SIGTERM (to clean up before exiting) and SIGCHLD (a child ended).
#[derive(Debug)]
pub struct Signals {
    /// Where the kernel queues them, as data, while they are blocked.
    fd: SignalFd,
}

impl Signals {
    /// Blocks SIGINT, SIGTERM and SIGCHLD and opens a signalfd for them.
    /// Call it first thing, while the process has one thread: a thread
    /// started before would still take the signals the default way.
    pub fn take() -> Result<Signals, Stop> {
        let mut set = SigSet::empty();
        for signal in [Signal::SIGINT, Signal::SIGTERM, Signal::SIGCHLD] {
            set.add(signal);
        }
        sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), None)?;
        let fd = SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        Ok(Signals { fd })
    }

    /// Reads what arrived: Ctrl-C or SIGTERM stop the demo; SIGCHLD only
    /// woke the wait, and the wait's own check says which child it was.
    fn check(&self) -> Result<(), Stop> {
        while let Some(info) = self.fd.read_signal()? {
            let signal = i32::try_from(info.ssi_signo)
                .ok()
                .and_then(|n| Signal::try_from(n).ok());
            if let Some(signal @ (Signal::SIGINT | Signal::SIGTERM)) = signal {
                return Err(Stop::Interrupted(signal));
            }
        }
        Ok(())
    }
}

/// One demo's watch: who is watched, and what was seen.
#[derive(Debug)]
pub struct Watch<'a> {
    /// Ctrl-C and SIGCHLD, to wake and stop the waits.
    signals: &'a Signals,
    /// The clock and the voice.
    pub narrator: Narrator,
    /// What was seen so far.
    pub history: History,
    /// The lanes whose process is sampled at each tick, and its PID.
    sampled: Vec<(usize, Pid)>,
    /// Each sampled lane's `schedstat` at the last look: whether an `R`
    /// process ran or waited for a CPU since is the difference.
    schedstats: HashMap<usize, Schedstat>,
    /// This process's role in the story.
    role: String,
    /// This process's lane: what it does is known from its own calls.
    me: usize,
    /// Where the live view's time axis ends, in ms: about where the scene
    /// should ([`Watch::lasts_about`]), fixed so that the lanes fill it from
    /// left to right, and pushed on if the scene goes on.
    until_ms: f64,
}

impl<'a> Watch<'a> {
    /// A watch for the demo `title`, told by this process as `role`.
    pub fn new(signals: &'a Signals, narrator: Narrator, title: &str, role: &str) -> Watch<'a> {
        let mut history = History::new(title);
        let me = history.lane(role, getpid().as_raw());
        history.observe(me, narrator.ms(), ProcessState::Running);
        Watch {
            signals,
            narrator,
            history,
            sampled: Vec::new(),
            schedstats: HashMap::new(),
            role: role.to_string(),
            me,
            until_ms: QUICK_SCENE_MS,
        }
    }

    /// Says the scene should last about `ms`: the live view's time axis.
    pub fn lasts_about(mut self, ms: u64) -> Watch<'a> {
        self.until_ms = ms as f64;
        self
    }

    /// Milliseconds since the demo started.
    pub fn now(&self) -> f64 {
        self.narrator.ms()
    }

    /// This process says `what`.
    pub fn say(&self, what: &str) {
        self.narrator.say(&self.role, what);
    }

    /// Starts a child that runs `body` (see [`fork::start`]), gives it a
    /// lane labelled `label` and watches it.
    pub fn start(&mut self, label: &str, body: impl FnOnce() -> i32) -> Result<Pid, Stop> {
        let pid = fork::start(body)?;
        self.follow(label, pid, Some(self.now()));
        Ok(pid)
    }

    /// Watches `pid` on a new lane labelled `label`; `forked_ms` marks when it
    /// was forked, if known.
    pub fn follow(&mut self, label: &str, pid: Pid, forked_ms: Option<f64>) -> usize {
        let lane = self.history.lane(label, pid.as_raw());
        if let Some(at) = forked_ms {
            self.history.mark(lane, at, Happening::Forked);
        }
        self.sampled.push((lane, pid));
        lane
    }

    /// The lane of `pid`.
    pub fn lane(&self, pid: Pid) -> Result<usize, Stop> {
        self.history
            .lane_of(pid.as_raw())
            .ok_or_else(|| Stop::failed(format!("process {pid} is not watched")))
    }

    /// Records what this process itself is doing from now on.
    pub fn me(&mut self, state: ProcessState) {
        let now = self.now();
        self.history.observe(self.me, now, state);
    }

    /// Reads every watched process's state from `/proc/<pid>/stat` now. A
    /// process seen as a zombie for the first time gets its `exited` mark; a
    /// process gone from `/proc` is no longer watched.
    pub fn sample(&mut self) -> Result<(), Stop> {
        let now = self.now();
        // This process's own lane reaches now too: it knows its state
        // without asking `/proc`.
        if let Some(last) = self.history.lanes[self.me].stretches.last() {
            self.history.observe(self.me, now, last.state);
        }
        let mut gone = Vec::new();
        for &(lane, pid) in &self.sampled {
            match procfs::stat(pid)? {
                Some(stat) => {
                    let Some(mut state) = ProcessState::from_letter(stat.state) else {
                        continue;
                    };
                    let schedstat = procfs::schedstat(pid);
                    if state == ProcessState::Running {
                        let before = self.schedstats.get(&lane).copied();
                        state = ProcessState::on_cpu_or_ready(before, schedstat);
                    }
                    if let Some(schedstat) = schedstat {
                        self.schedstats.insert(lane, schedstat);
                    }
                    let was = self.history.lanes[lane].stretches.last().map(|s| s.state);
                    if state == ProcessState::Zombie && was != Some(ProcessState::Zombie) {
                        self.history.mark(lane, now, Happening::Exited);
                    }
                    self.history.observe(lane, now, state);
                }
                None => {
                    self.history.close(lane, now);
                    gone.push(pid);
                }
            }
        }
        self.sampled.retain(|(_, pid)| !gone.contains(pid));
        Ok(())
    }

    /// Blocks in `poll()` for one tick, or less if a signal or `inbox`
    /// wakes it, then samples. Ctrl-C or SIGTERM stop the demo here.
    fn tick(&mut self, inbox: Option<&mut Inbox>) -> Result<(), Stop> {
        let timeout = PollTimeout::try_from(TICK).unwrap_or(PollTimeout::ZERO);
        let mut fds = vec![PollFd::new(self.signals.fd.as_fd(), PollFlags::POLLIN)];
        if let Some(inbox) = &inbox {
            fds.push(PollFd::new(inbox.as_fd(), PollFlags::POLLIN));
        }
        match poll(&mut fds, timeout) {
            Ok(_) | Err(nix::Error::EINTR) => {}
            Err(err) => return Err(err.into()),
        }
        let readable = fds
            .get(1)
            .and_then(PollFd::revents)
            .is_some_and(|r| r.intersects(PollFlags::POLLIN | PollFlags::POLLHUP));
        drop(fds);
        self.signals.check()?;
        if let Some(inbox) = inbox
            && readable
        {
            inbox.fill()?;
        }
        self.sample()?;
        self.show_live();
        Ok(())
    }

    /// Where the watched processes are, as read so far.
    pub fn census(&self) -> Census {
        let last = |lane: usize| self.history.lanes[lane].stretches.last().map(|s| s.state);
        let zombies = self
            .sampled
            .iter()
            .filter(|&&(lane, _)| last(lane) == Some(ProcessState::Zombie))
            .count();
        let marked = |what: Happening| {
            let lanes = self.history.lanes.iter();
            lanes
                .flat_map(|lane| &lane.marks)
                .filter(|m| m.what == what)
                .count()
        };
        Census {
            // The watched processes that are not zombies, and this one.
            alive: self.sampled.len() - zombies + 1,
            zombies,
            reaped: marked(Happening::Reaped),
            signals: marked(Happening::Signalled),
        }
    }

    /// Shows what was read so far on the live view, if there is one, the
    /// time axis pushed on if the scene has outlasted it.
    fn show_live(&mut self) {
        let Some(live) = self.narrator.live() else {
            return;
        };
        let now = self.now();
        if now > self.until_ms {
            self.until_ms = now * 1.25;
        }
        live.frame(&self.history, self.census(), now, self.until_ms);
    }

    /// Python's `Popen.poll()`, which `is_alive()` calls: `waitpid(pid,
    /// WNOHANG)`. `None` while the child runs. Careful: if the child has
    /// ended, this *is* the wait: it collects the child, which is then gone.
    pub fn poll(&mut self, pid: Pid) -> Result<Option<Ended>, Stop> {
        self.sample()?;
        let status = waitpid(pid, Some(WaitPidFlag::WNOHANG))?;
        if status == WaitStatus::StillAlive {
            return Ok(None);
        }
        let ended = Ended::from_status(status)
            .ok_or_else(|| Stop::failed(format!("{pid}: unexpected wait status {status:?}")))?;
        let (now, lane) = (self.now(), self.lane(pid)?);
        if !self.history.lanes[lane]
            .marks
            .iter()
            .any(|m| m.what == Happening::Exited)
        {
            self.history.mark(lane, now, Happening::Exited);
        }
        self.history.mark(lane, now, Happening::Reaped);
        self.history.close(lane, now);
        self.sampled.retain(|(_, p)| *p != pid);
        Ok(Some(ended))
    }

    /// Python's `join()`: blocks until the child `pid` has ended, collects
    /// it, and says how it ended.
    pub fn join(&mut self, pid: Pid) -> Result<Ended, Stop> {
        self.me(ProcessState::Waiting);
        loop {
            if let Some(ended) = self.poll(pid)? {
                self.me(ProcessState::Running);
                return Ok(ended);
            }
            self.tick(None)?;
        }
    }

    /// This process is busy elsewhere for `ms` (in the lecture: its own
    /// `time.sleep()`), sampling the others meanwhile.
    pub fn hold(&mut self, ms: u64) -> Result<(), Stop> {
        self.me(ProcessState::Waiting);
        let until = Instant::now() + Duration::from_millis(ms);
        while Instant::now() < until {
            self.tick(None)?;
        }
        self.me(ProcessState::Running);
        Ok(())
    }

    /// Waits, sampling, until `seen` says yes; gives up after 10 s, saying
    /// it waited for `what`.
    pub fn until(
        &mut self,
        what: &str,
        mut seen: impl FnMut(&mut Watch<'a>) -> Result<bool, Stop>,
    ) -> Result<(), Stop> {
        let give_up = Instant::now() + Duration::from_secs(10);
        self.sample()?;
        while !seen(self)? {
            if Instant::now() > give_up {
                return Err(Stop::failed(format!("not seen within 10 s: {what}")));
            }
            self.tick(None)?;
        }
        Ok(())
    }

    /// Waits until `pid`'s `/proc/<pid>/stat` shows the state `letter`.
    pub fn until_state(&mut self, pid: Pid, letter: char) -> Result<(), Stop> {
        self.until(&format!("process {pid} in state {letter}"), |_| {
            Ok(procfs::stat(pid)?.is_some_and(|s| s.state == letter))
        })
    }

    /// The next message up `inbox`, blocking (and sampling) until it comes.
    pub fn recv<T: DeserializeOwned>(&mut self, inbox: &mut Inbox) -> Result<T, Stop> {
        self.me(ProcessState::Waiting);
        loop {
            if let Some(message) = inbox.take()? {
                self.me(ProcessState::Running);
                return Ok(message);
            }
            if inbox.closed() {
                return Err(Stop::failed(
                    "a child ended without sending what it was to send",
                ));
            }
            self.tick(Some(inbox))?;
        }
    }

    /// Puts what another process reported on the lanes: a forked process is
    /// watched from then on; a signal or a reap is marked where it happened.
    pub fn absorb(&mut self, news: &News) {
        match *news {
            News::Forked {
                ref role,
                pid,
                at_ms,
            } => {
                self.follow(role, Pid::from_raw(pid), Some(at_ms));
            }
            News::Running { .. } => {}
            News::Signalled { pid, at_ms, .. } => {
                if let Some(lane) = self.history.lane_of(pid) {
                    self.history.mark(lane, at_ms, Happening::Signalled);
                }
            }
            News::Reaped { pid, at_ms, .. } => {
                if let Some(lane) = self.history.lane_of(pid) {
                    self.history.mark(lane, at_ms, Happening::Reaped);
                    self.history.close(lane, at_ms);
                }
                self.sampled.retain(|(_, p)| p.as_raw() != pid);
            }
        }
    }

    /// Sends `signal` to `pid` and marks it on its lane.
    pub fn signal(&mut self, pid: Pid, signal: Signal) -> Result<(), Stop> {
        nix::sys::signal::kill(pid, signal)?;
        let (now, lane) = (self.now(), self.lane(pid)?);
        self.history.mark(lane, now, Happening::Signalled);
        Ok(())
    }

    /// What was seen, this process's lane closed now.
    pub fn into_history(mut self) -> History {
        let now = self.now();
        self.history.close(self.me, now);
        self.history
    }
}
