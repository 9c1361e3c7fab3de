//! # orphan 孤儿进程: the parent exits first
//!
//! > ```python
//! > pid = os.fork()
//! > if pid > 0:
//! >     print 'father died..'
//! >     sys.exit(0)
//! > time.sleep(1)
//! > print 'im child', os.getpid(), os.getppid()      # im child 32516 1
//! > ```
//!
//! When a parent dies, the kernel gives each of its children a new parent:
//! the nearest ancestor that declared itself a *subreaper*
//! (`PR_SET_CHILD_SUBREAPER`), or else init, PID 1 (in a container, the
//! container's first process). The new parent is the one that waits for it.
//! This demo is a subreaper, so the orphan comes to the demo, which sees it
//! happen and waits for it: the lecture's `1` is, here, the demo's PID.
//!
//! Three generations: the demo starts the parent, the parent starts the
//! child, the child reads `getppid()` and tells the parent (through a pipe)
//! it has; the parent then exits. The child reads `getppid()` every
//! millisecond until it changes, instead of the lecture's `time.sleep(1)`,
//! and says who its parent is now.
//!
//! What to watch:
//! - the child's `(ppid …)` changes from the parent's PID to the demo's;
//! - the demo collects the parent first, then its adopted grandchild: no
//!   zombie is left.
//!
//! Run it: `cargo run -p processes -- orphan --work-ms 300`

use std::time::{Duration, Instant};

use nix::unistd::{Pid, getpid, getppid};
use serde::Serialize;

use crate::fork;
use crate::history::History;
use crate::narrator::Narrator;
use crate::report::{self, News, Outbox};
use crate::status::Ended;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};
use crate::{procfs, show};

/// How long the child waits for its parent to die, and the parent for the
/// child's word, before giving up.
const PATIENCE: Duration = Duration::from_secs(10);

/// What `orphan` observed.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// The child's PID.
    pub child: i32,
    /// Its parent's PID (the process that exits first).
    pub parent: i32,
    /// The demo's PID: the subreaper.
    pub subreaper: i32,
    /// The child's `getppid()` while its parent lived.
    pub ppid_before: i32,
    /// The child's `getppid()` after its parent exited.
    pub ppid_after: i32,
    /// The parent as `/proc/<child>/stat` had it once the parent was reaped.
    pub ppid_in_proc_after: i32,
    /// The parent was reaped while the child was still running.
    pub parent_exited_first: bool,
    /// How the parent ended.
    pub parent_ended: Ended,
    /// The demo's `waitpid()` collected the child (it had become its
    /// parent), and `/proc/<child>` is gone.
    pub reaped: bool,
    /// How the child ended.
    pub child_ended: Ended,
    /// What was seen, lane by lane.
    pub timeline: History,
}

/// Runs the demo: the parent works `work_ms` before it exits, the child
/// `work_ms` after it is adopted.
pub fn run(signals: &Signals, narrator: Narrator, work_ms: u64) -> Result<Facts, Stop> {
    let mut watch = Watch::new(signals, narrator, "orphan: the parent exits first", "demo")
        .lasts_about(2 * work_ms);
    let work = Duration::from_millis(work_ms);
    watch.say("I am a subreaper (PR_SET_CHILD_SUBREAPER): orphans below me come to me");
    let (mut inbox, outbox) = report::pipe()?;
    let parent = watch.start("parent", || parent(&narrator, &outbox, work))?;
    drop(outbox);

    // The parent says whom it forked; the child, whom it has as parent.
    let (mut child, mut ppid_before) = (None, None);
    let (child, ppid_before) = loop {
        if let (Some(child), Some(ppid)) = (child, ppid_before) {
            break (child, ppid);
        }
        let news: News = watch.recv(&mut inbox)?;
        watch.absorb(&news);
        match news {
            News::Forked { pid, .. } => child = Some(Pid::from_raw(pid)),
            News::Running { ppid, .. } => ppid_before = Some(ppid),
            _ => {}
        }
    };

    let parent_ended = watch.join(parent)?;
    let now = procfs::stat(child)?;
    let parent_exited_first = now.is_some_and(|s| s.state != 'Z');
    let ppid_in_proc_after = now.map_or(0, |s| s.ppid.as_raw());
    watch.say(&format!(
        "parent {parent} {parent_ended}; /proc/{child}/stat now names {ppid_in_proc_after} \
         as the child's parent"
    ));

    let News::Running {
        ppid: ppid_after, ..
    } = watch.recv(&mut inbox)?
    else {
        return Err(Stop::failed("the child did not say its new parent"));
    };
    let child_ended = watch.join(child)?;
    let reaped = procfs::stat(child)?.is_none();
    watch.say(&format!(
        "waitpid({child}): {child_ended}; I reaped my adopted child"
    ));
    let timeline = watch.into_history();
    show(&narrator, &[&timeline]);
    Ok(Facts {
        child: child.as_raw(),
        parent: parent.as_raw(),
        subreaper: getpid().as_raw(),
        ppid_before,
        ppid_after,
        ppid_in_proc_after,
        parent_exited_first,
        parent_ended,
        reaped,
        child_ended,
        timeline,
    })
}

/// The parent: starts the child, waits until the child has read its
/// parent, and exits first.
fn parent(narrator: &Narrator, outbox: &Outbox, work: Duration) -> i32 {
    let result = (|| -> Result<(), Stop> {
        let (mut heard, told) = report::pipe()?;
        let forked = fork::start(|| child(narrator, outbox, &told, work))?;
        outbox.send(&News::Forked {
            role: "child".to_string(),
            pid: forked.as_raw(),
            at_ms: narrator.ms(),
        })?;
        heard.wait(PATIENCE)?;
        narrator.say("parent", &format!("working {} ms", work.as_millis()));
        std::thread::sleep(work);
        narrator.say("parent", "father died..: exit(0) before my child");
        Ok(())
    })();
    i32::from(result.is_err())
}

/// The child: says its parent, tells the parent so, waits until
/// `getppid()` names another, says so, and works `work` more.
fn child(narrator: &Narrator, outbox: &Outbox, told: &Outbox, work: Duration) -> i32 {
    let running = |ppid: Pid| News::Running {
        pid: getpid().as_raw(),
        ppid: ppid.as_raw(),
        pdeathsig: None,
        at_ms: narrator.ms(),
    };
    let before = getppid();
    narrator.say("child", &format!("im child; my parent is {before}"));
    if outbox.send(&running(before)).is_err() || told.send(&"read").is_err() {
        return 1;
    }
    let give_up = Instant::now() + PATIENCE;
    while getppid() == before {
        if Instant::now() > give_up {
            return 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let after = getppid();
    narrator.say("child", &format!("im child; my parent is now {after}"));
    if outbox.send(&running(after)).is_err() {
        return 1;
    }
    std::thread::sleep(work);
    narrator.say("child", "work done: exit(0)");
    0
}
