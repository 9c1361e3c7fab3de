//! # terminate: SIGTERM, the zombie moment, `is_alive()` and `exitcode`
//!
//! > p.terminate(): 强制终止进程p,不会进行任何清理操作
//! > p.is_alive(): 如果p仍然运行,返回True
//! > p.exitcode: 进程在运行时为None、如果为–N,表示被信号N结束
//!
//! `terminate()` is `kill(pid, SIGTERM)`: it returns as soon as the signal
//! is queued, before the child is dead. The child then dies (SIGTERM's
//! default action), and becomes a zombie: its memory is freed, but its PID
//! and exit status stay until its parent waits. Python's `is_alive()` is
//! `waitpid(pid, WNOHANG)`: for a running child it returns nothing, and
//! `is_alive()` says True; for a zombie it *collects* the child and
//! `is_alive()` says False. So in Python, the first `is_alive()` after the
//! death is the wait itself: no Python code can see the zombie moment.
//! Here we look at it without touching it: `/proc` says `Z`, `kill(pid, 0)`
//! still finds the process, and `waitid(..., WNOWAIT)` reads its exit
//! status while leaving it there. Only the wait makes it gone.
//!
//! What to watch:
//! - alive before the signal; after the signal and before the wait, a
//!   zombie that still exists; after the wait, gone;
//! - the status: killed by signal 15, which Python shows as exitcode -15.
//!
//! Run it: `cargo run -p processes -- terminate --work-ms 300`

use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::{Pid, getpid};
use serde::Serialize;

use crate::history::History;
use crate::narrator::Narrator;
use crate::report::{self, News};
use crate::status::Ended;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};
use crate::{procfs, show};

/// How long the child would work if nobody stopped it.
const UNLESS_STOPPED: Duration = Duration::from_secs(60);

/// What `terminate` observed.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// The child's PID.
    pub pid: i32,
    /// Our `is_alive()` (`waitpid(pid, WNOHANG)` found it running) before the signal.
    pub alive_before: bool,
    /// The child's state in `/proc` right after `kill()` returned.
    pub state_right_after_signal: char,
    /// After the signal, before any wait: the process still exists
    /// (`kill(pid, 0)` finds it) although it has died.
    pub alive_after_signal_before_wait: bool,
    /// Its state then: `Z`.
    pub state_before_wait: char,
    /// What `waitid(..., WNOWAIT)` read then, without collecting it.
    pub status_before_wait: Ended,
    /// After the wait: `kill(pid, 0)` finds it still (it must not).
    pub alive_after_wait: bool,
    /// After the wait: `/proc/<pid>` is gone.
    pub gone_after_wait: bool,
    /// The signal that ended it, from the wait status.
    pub signal: i32,
    /// What Python's `exitcode` shows for that end.
    pub exitcode: i32,
    /// How it ended, in words.
    pub ended: String,
    /// What was seen, lane by lane.
    pub timeline: History,
}

/// Runs the demo: the child works `work_ms` before it is stopped.
pub fn run(signals: &Signals, narrator: Narrator, work_ms: u64) -> Result<Facts, Stop> {
    let mut watch = Watch::new(
        signals,
        narrator,
        "terminate: SIGTERM, zombie, reaped",
        "parent",
    )
    .lasts_about(work_ms);
    let (mut inbox, outbox) = report::pipe()?;
    let pid = watch.start("child", || {
        narrator.say("child", "working until stopped");
        let running = News::Running {
            pid: getpid().as_raw(),
            ppid: nix::unistd::getppid().as_raw(),
            pdeathsig: None,
            at_ms: narrator.ms(),
        };
        if outbox.send(&running).is_err() {
            return 1;
        }
        std::thread::sleep(UNLESS_STOPPED);
        0
    })?;
    drop(outbox);
    let _: News = watch.recv(&mut inbox)?;
    watch.until_state(pid, 'S')?;
    watch.say(&format!("the child works; I let it, for {work_ms} ms"));
    watch.hold(work_ms)?;

    let alive_before = watch.poll(pid)?.is_none();
    watch.say(&format!("p.is_alive() -> {}", python_bool(alive_before)));

    watch.signal(pid, Signal::SIGTERM)?;
    let right_after = state(pid)?;
    // Often still R or S: the kernel delivers the signal when the child next
    // runs. Kept in the facts, not said: it differs from run to run.
    watch.say("p.terminate() sent SIGTERM and returned");

    watch.until_state(pid, 'Z')?;
    let before_wait = state(pid)?;
    let exists = kill(pid, None).is_ok();
    let unwaited = waitid(
        Id::Pid(pid),
        WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT,
    )?;
    let status_before_wait = Ended::from_status(unwaited)
        .ok_or_else(|| Stop::failed(format!("waitid(WNOWAIT) said {unwaited:?}")))?;
    let line = procfs::stat_line(pid)?.unwrap_or_default();
    watch.say(&format!(
        "before any wait: /proc/{pid}/stat says \"{line}\"; kill(pid, 0) {}; \
         waitid(WNOWAIT) reads \"{status_before_wait}\" and leaves it",
        if exists {
            "finds it"
        } else {
            "does not find it"
        },
    ));
    watch.say(
        "(Python's is_alive() here would call waitpid(WNOHANG): that reaps it, and says False)",
    );

    let ended = watch.join(pid)?;
    let alive_after_wait = kill(pid, None).is_ok();
    let gone_after_wait = procfs::stat(pid)?.is_none();
    let Ended::Killed { signal } = ended else {
        return Err(Stop::failed(format!("the child {ended}, not by SIGTERM")));
    };
    watch.say(&format!(
        "p.join(): {ended}; p.is_alive() -> {}; p.exitcode = {}",
        python_bool(alive_after_wait),
        ended.python_exitcode()
    ));
    let timeline = watch.into_history();
    show(&narrator, &[&timeline]);
    Ok(Facts {
        pid: pid.as_raw(),
        alive_before,
        state_right_after_signal: right_after,
        alive_after_signal_before_wait: exists,
        state_before_wait: before_wait,
        status_before_wait,
        alive_after_wait,
        gone_after_wait,
        signal,
        exitcode: ended.python_exitcode(),
        ended: ended.to_string(),
        timeline,
    })
}

/// `pid`'s state letter now, `-` if it is gone.
fn state(pid: Pid) -> Result<char, Stop> {
    Ok(procfs::stat(pid)?.map_or('-', |s| s.state))
}

/// `True` or `False`, as Python prints them.
fn python_bool(value: bool) -> &'static str {
    if value { "True" } else { "False" }
}
