//! # spawn: a parent starts a child, and `start()` returns at once
//!
//! > ```python
//! > def f(name):
//! >     print('hello', name)
//! >     time.sleep(1)
//! >     print('我是子进程')
//! > if __name__ == '__main__':
//! >     p = Process(target=f, args=('bob',))
//! >     p.start()
//! >     print('我是父进程')
//! > ```
//!
//! `start()` is `fork()`: it returns in the parent as soon as the kernel has
//! made the copy, long before the child's work is done. Both processes then
//! run side by side; each says its PID and its parent's, as the kernel tells
//! it (`getpid()`, `getppid()`). The child also sends its own view up a pipe,
//! so the parent can check it: the child's parent is the parent.
//!
//! What to watch:
//! - "start() returned" comes a fraction of a millisecond after the call,
//!   and "我是父进程" before the child's "我是子进程";
//! - the child's ppid is the parent's pid;
//! - the timeline: the parent goes on (`=`) while the child works, then
//!   blocks (`-`) in the wait Python does for it at exit, until the child
//!   is reaped (`*`).
//!
//! Run it: `cargo run -p processes -- spawn`

use nix::unistd::{getpid, getppid};
use serde::{Deserialize, Serialize};

use crate::history::History;
use crate::narrator::Narrator;
use crate::report::{self, Outbox};
use crate::status::Ended;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};
use crate::{procfs, show};

/// A process's own PID and its parent's.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Ids {
    /// `getpid()`.
    pub pid: i32,
    /// `getppid()`.
    pub ppid: i32,
}

impl Ids {
    /// This process's, read now.
    pub fn now() -> Ids {
        Ids {
            pid: getpid().as_raw(),
            ppid: getppid().as_raw(),
        }
    }
}

/// What the child sends up the pipe when its work is done.
#[derive(Debug, Serialize, Deserialize)]
struct ChildSays {
    /// Its own PID and parent, as it read them.
    ids: Ids,
    /// When its work was done.
    done_ms: f64,
}

/// What `spawn` observed.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// The parent's PID and parent, from its own `getpid()`, `getppid()`.
    pub parent: Ids,
    /// The child's, from the child's own calls, sent up a pipe.
    pub child: Ids,
    /// The PID `fork()` returned to the parent (the same as `child.pid`).
    pub child_pid_from_fork: i32,
    /// When `start()` returned in the parent, ms since the demo's start.
    pub start_returned_ms: f64,
    /// How long `start()` took.
    pub start_took_ms: f64,
    /// The child's state in `/proc` when `start()` had returned.
    pub child_state_after_start: char,
    /// When the child said its work was done.
    pub child_done_ms: f64,
    /// How the child ended, as the parent's wait says.
    pub child_ended: Ended,
    /// What was seen, lane by lane.
    pub timeline: History,
}

/// Runs the demo: one child working `work_ms`.
pub fn run(signals: &Signals, narrator: Narrator, work_ms: u64) -> Result<Facts, Stop> {
    let mut watch = Watch::new(
        signals,
        narrator,
        "spawn: start() returns at once",
        "parent",
    )
    .lasts_about(work_ms);
    let parent = Ids::now();
    watch.say("p = Process(target=f, args=('bob',)); p.start()");

    let (mut inbox, outbox) = report::pipe()?;
    let called = watch.now();
    let pid = watch.start("child", || child(&narrator, &outbox, work_ms))?;
    let start_returned_ms = watch.now();
    drop(outbox);
    // R or S, as it happens: the child may already be asleep in its work.
    let state = procfs::stat(pid)?.map_or('?', |s| s.state);
    watch.say(&format!(
        "start() returned after {:.3} ms; /proc/{pid}/stat is there: the child is alive",
        start_returned_ms - called
    ));
    watch.say("我是父进程 (I am the parent), and I go on at once");

    // Python joins every non-daemonic child at exit; so does this parent.
    watch.say("at exit, join() the child");
    let ended = watch.join(pid)?;
    let said: ChildSays = watch.recv(&mut inbox)?;
    watch.say(&format!(
        "child {pid} {ended}; it said its pid is {} and its parent is {}",
        said.ids.pid, said.ids.ppid
    ));
    let timeline = watch.into_history();
    show(&narrator, &[&timeline]);
    Ok(Facts {
        parent,
        child: said.ids,
        child_pid_from_fork: pid.as_raw(),
        start_returned_ms,
        start_took_ms: start_returned_ms - called,
        child_state_after_start: state,
        child_done_ms: said.done_ms,
        child_ended: ended,
        timeline,
    })
}

/// The child: the lecture's `f('bob')`, then its facts up the pipe.
fn child(narrator: &Narrator, outbox: &Outbox, work_ms: u64) -> i32 {
    narrator.say("child", "hello bob");
    std::thread::sleep(std::time::Duration::from_millis(work_ms));
    narrator.say("child", "我是子进程 (I am the child), done");
    let said = ChildSays {
        ids: Ids::now(),
        done_ms: narrator.ms(),
    };
    i32::from(outbox.send(&said).is_err())
}
