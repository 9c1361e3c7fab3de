//! # zombie 僵尸进程: a child has exited, and its parent has not waited yet
//!
//! > 任何一个子进程(init除外)在exit()之后,并非马上就消失掉,而是留下一个称为僵尸进程
//! > (Zombie)的数据结构,等待父进程处理。
//!
//! The child exits at once; the parent does not wait yet (in the lecture it
//! is busy in `time.sleep(1000)`). The kernel has freed the child's memory
//! but keeps its PID and exit status for the parent to collect: `/proc`
//! shows it in state `Z`, and `ps` shows it as `<defunct>`. Only the
//! parent's wait (Python's `join()`) removes it.
//!
//! The child first blocks reading a pipe until the parent has seen it alive
//! (`S`), so the order of the states seen is the kernel's, not a race.
//!
//! What to watch:
//! - the states seen in `/proc/<pid>/stat`: `S`, then `Z`, and `Z` for as
//!   long as the parent does not wait;
//! - `ps` listing it as `<defunct>`;
//! - after the wait: no `/proc/<pid>` any more.
//!
//! Run it: `cargo run -p processes -- zombie`

use std::process::Command;
use std::time::Duration;

use nix::unistd::Pid;
use serde::Serialize;

use crate::history::{History, ProcessState};
use crate::narrator::Narrator;
use crate::report;
use crate::status::Ended;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};
use crate::{procfs, show};

/// How long the child waits for its parent's word before giving up.
const PATIENCE: Duration = Duration::from_secs(10);

/// What `zombie` observed.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// The child's PID.
    pub pid: i32,
    /// The state letters `/proc/<pid>/stat` showed, each time it changed.
    pub states_seen: Vec<char>,
    /// How long the parent saw it as a zombie before its wait.
    pub zombie_ms: f64,
    /// `/proc/<pid>/stat` while it was a zombie: `pid (comm) Z ppid`.
    pub stat_as_zombie: String,
    /// What `ps` printed for it, if `ps` is installed.
    pub ps: Option<String>,
    /// How it ended, as the wait said.
    pub ended: Ended,
    /// `/proc/<pid>` was gone after the wait.
    pub gone_after_wait: bool,
    /// What was seen, lane by lane.
    pub timeline: History,
}

/// Runs the demo; the parent leaves the zombie unwaited for `work_ms`.
pub fn run(signals: &Signals, narrator: Narrator, work_ms: u64) -> Result<Facts, Stop> {
    let mut watch = Watch::new(
        signals,
        narrator,
        "zombie: exited, not yet waited for",
        "parent",
    )
    .lasts_about(work_ms);
    let (mut go, outbox) = report::pipe()?;
    let pid = watch.start("child", move || {
        narrator.say("child", "hello; I wait for my parent's word, then exit");
        match go.wait(PATIENCE) {
            Ok(()) => {
                narrator.say("child", "bye: exit(0)");
                0
            }
            Err(_) => 1,
        }
    })?;
    // Every state read here is kept, in order, once per change.
    let mut seen: Vec<char> = Vec::new();
    let mut look = |pid: Pid, letter: char| -> Result<bool, Stop> {
        let now = procfs::stat(pid)?.map_or('-', |s| s.state);
        if seen.last() != Some(&now) {
            seen.push(now);
        }
        Ok(now == letter)
    };
    watch.until("the child blocked in read()", |_| look(pid, 'S'))?;
    watch.say(&format!(
        "child {pid} is in state S: blocked reading the pipe"
    ));
    outbox.send(&"go")?;
    watch.until("the child a zombie", |_| look(pid, 'Z'))?;
    let stat_as_zombie = procfs::stat_line(pid)?.unwrap_or_default();
    watch.say(&format!("/proc/{pid}/stat: {stat_as_zombie}"));
    let ps = ps(pid);
    if let Some(ps) = &ps {
        for line in ps.lines() {
            watch.say(&format!("ps: {line}"));
        }
    }

    watch.say(&format!(
        "busy with my own work for {work_ms} ms, not waiting"
    ));
    watch.hold(work_ms)?;
    look(pid, 'Z')?;
    let lane = watch.lane(pid)?;
    let zombie_ms = watch
        .history
        .stretches_in(lane, ProcessState::Zombie)
        .map(|s| s.end_ms - s.start_ms)
        .sum();

    let ended = watch.join(pid)?;
    let gone_after_wait = procfs::stat(pid)?.is_none();
    watch.say(&format!(
        "p.join(): child {pid} {ended}; /proc/{pid} {}",
        if gone_after_wait {
            "is gone"
        } else {
            "is still there"
        }
    ));
    let timeline = watch.into_history();
    show(&narrator, &[&timeline]);
    Ok(Facts {
        pid: pid.as_raw(),
        states_seen: seen,
        zombie_ms,
        stat_as_zombie,
        ps,
        ended,
        gone_after_wait,
        timeline,
    })
}

/// What `ps -o pid,ppid,stat,args -p PID` prints, if `ps` is here.
fn ps(pid: Pid) -> Option<String> {
    let out = Command::new("ps")
        .args(["-o", "pid,ppid,stat,args", "-p", &pid.to_string()])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}
