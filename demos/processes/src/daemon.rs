//! # daemon 守护进程: stopped with its parent, while a normal child is waited for
//!
//! > p.daemon: 默认值为False,如果设为True,代表p为后台运行的守护进程,当p的父进程终止时,
//! > p也随之终止,并且设定为True后,p不能创建自己的新进程,必须在p.start()之前设置
//!
//! Python keeps this promise itself, not the kernel: when the parent's
//! Python code is done, `multiprocessing`'s exit handler (an `atexit`
//! function) calls `terminate()` (SIGTERM) on each daemonic child still
//! running, then `join()`s every child. Part 1 does exactly that, and shows
//! it: the daemon is stopped the moment the parent's main code ends; the
//! normal child finishes its work, and the parent exits only after it.
//!
//! But an exit handler runs only if the parent ends normally. Linux has its
//! own mechanism: a child can ask, with `prctl(PR_SET_PDEATHSIG, SIGTERM)`,
//! that the kernel send it SIGTERM when its parent dies, however it dies
//! (precisely: when the *thread* that forked it ends). Part 2 starts one
//! child of each kind and kills the parent with SIGKILL, so no exit handler
//! runs: the kernel stops the PDEATHSIG child; the Python-style daemon
//! survives, an orphan, adopted by this demo (a subreaper), which then
//! stops and reaps it.
//!
//! What to watch:
//! - part 1: the daemon's lane ends (`!` signalled, `*` reaped) as soon as
//!   the parent's main code is done; the normal child's goes on to the end
//!   of its work, and the parent's after it;
//! - part 2: after the `!` on the parent (SIGKILL), the PDEATHSIG child
//!   ends at once; the other lives on, its parent now the demo.
//!
//! Run it: `cargo run -p processes -- daemon --work-ms 500`

use std::time::Duration;

use nix::sys::prctl;
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::waitpid;
use nix::unistd::{Pid, getpid, getppid};
use serde::Serialize;

use crate::fork;
use crate::history::History;
use crate::narrator::Narrator;
use crate::report::{self, Inbox, News, Outbox};
use crate::status::Ended;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};
use crate::{procfs, show};

/// How long a daemon would work if nobody stopped it.
const UNLESS_STOPPED: Duration = Duration::from_secs(60);

/// What `daemon` observed.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// The daemonic child of part 1.
    pub daemon: DaemonFacts,
    /// The normal child of part 1.
    pub normal: NormalFacts,
    /// The parent of part 1.
    pub parent: ParentFacts,
    /// Part 2: the parent killed with SIGKILL.
    pub parent_killed: KilledFacts,
    /// What was seen: part 1, part 2.
    pub timelines: [History; 2],
}

/// Part 1's daemonic child.
#[derive(Debug, Serialize)]
pub struct DaemonFacts {
    /// Its PID.
    pub pid: i32,
    /// SIGTERM ended it, sent by its parent when the parent's main code was
    /// done, while the normal child still worked.
    pub stopped_with_parent: bool,
    /// How it ended, as its parent's wait said.
    pub ended: Ended,
}

/// Part 1's normal child.
#[derive(Debug, Serialize)]
pub struct NormalFacts {
    /// Its PID.
    pub pid: i32,
    /// It ended with exit code 0, its work done, and was collected by its
    /// parent before the parent exited.
    pub waited_for: bool,
    /// Its exit code.
    pub exit_code: i32,
    /// From its fork's return in the parent to its reaping (the child may
    /// start before `fork()` has returned in its parent).
    pub lived_ms: f64,
}

/// Part 1's parent.
#[derive(Debug, Serialize)]
pub struct ParentFacts {
    /// Its PID.
    pub pid: i32,
    /// How it ended, as the demo's wait said.
    pub ended: Ended,
}

/// Part 2.
#[derive(Debug, Serialize)]
pub struct KilledFacts {
    /// The parent's PID.
    pub parent: i32,
    /// How it ended: SIGKILL.
    pub parent_ended: Ended,
    /// The child that asked for `PR_SET_PDEATHSIG`.
    pub pdeathsig_child: i32,
    /// The signal `PR_GET_PDEATHSIG` said it had asked for.
    pub pdeathsig: Option<i32>,
    /// How it ended (the demo, its new parent, waited for it).
    pub pdeathsig_child_ended: Ended,
    /// It died with its parent: the signal it asked for ended it.
    pub pdeathsig_child_died_with_parent: bool,
    /// The daemon that relied on its parent's exit handler.
    pub python_style_daemon: i32,
    /// Its parent before, as it read it.
    pub python_style_ppid_before: i32,
    /// Its parent after the kill, in `/proc/<pid>/stat`: the demo.
    pub python_style_ppid_after: i32,
    /// It was still alive (not a zombie) once its parent had been reaped.
    pub python_style_survived: bool,
    /// How it ended after the demo stopped it.
    pub python_style_ended: Ended,
}

/// Runs both parts.
pub fn run(signals: &Signals, narrator: Narrator, work_ms: u64) -> Result<Facts, Stop> {
    narrator.print("\n(1) the parent's main code ends: Python's exit handler stops the daemon\n");
    let (daemon, normal, parent, first) = parent_ends(signals, narrator, work_ms)?;
    narrator.print("\n(2) the parent is killed with SIGKILL: no exit handler runs\n");
    let narrator = narrator.restarted();
    let (parent_killed, second) = parent_killed(signals, narrator, work_ms)?;
    show(&narrator, &[&first, &second]);
    Ok(Facts {
        daemon,
        normal,
        parent,
        parent_killed,
        timelines: [first, second],
    })
}

/// Part 1: the demo watches a parent that starts a daemon and a normal
/// child, and ends as Python ends.
fn parent_ends(
    signals: &Signals,
    narrator: Narrator,
    work_ms: u64,
) -> Result<(DaemonFacts, NormalFacts, ParentFacts, History), Stop> {
    let mut watch =
        Watch::new(signals, narrator, "(1) the parent ends normally", "demo").lasts_about(work_ms);
    let (mut inbox, outbox) = report::pipe()?;
    let parent = watch.start("parent", || {
        exit_code(python_parent(&narrator, &outbox, work_ms))
    })?;
    drop(outbox);
    let news = gather(&mut watch, &mut inbox, |news| {
        how_many(news, |n| matches!(n, News::Reaped { .. })) == 2
    })?;
    let parent_ended = watch.join(parent)?;
    let parent_gone_ms = watch.now();
    watch.say(&format!("parent {parent} {parent_ended}"));

    let (daemon, _) = forked(&news, "daemon")?;
    let (normal, normal_forked_ms) = forked(&news, "normal child")?;
    let (daemon_ended, daemon_reaped_ms) = reaped(&news, daemon)?;
    let (normal_ended, normal_reaped_ms) = reaped(&news, normal)?;
    let signalled = news
        .iter()
        .any(|n| matches!(n, News::Signalled { pid, signal: 15, .. } if *pid == daemon));
    let lived_ms = normal_reaped_ms - normal_forked_ms;
    Ok((
        DaemonFacts {
            pid: daemon,
            stopped_with_parent: signalled
                && daemon_ended == Ended::Killed { signal: 15 }
                && daemon_reaped_ms < normal_reaped_ms,
            ended: daemon_ended,
        },
        NormalFacts {
            pid: normal,
            // Exit code 0 is the child's own word that its work was done.
            waited_for: normal_ended == Ended::Exited { code: 0 }
                && normal_reaped_ms <= parent_gone_ms,
            exit_code: normal_ended.python_exitcode(),
            lived_ms,
        },
        ParentFacts {
            pid: parent.as_raw(),
            ended: parent_ended,
        },
        watch.into_history(),
    ))
}

/// Part 1's parent, as Python runs it: starts a daemon and a normal child;
/// when its main code is done, its exit handler terminates the daemon and
/// joins both. Tells the demo each step.
fn python_parent(narrator: &Narrator, outbox: &Outbox, work_ms: u64) -> Result<(), Stop> {
    let say = |what: &str| narrator.say("parent", what);
    say("d = Process(daemon=True); n = Process(); d.start(); n.start()");
    let daemon = start(narrator, outbox, "daemon", || {
        work(narrator, "daemon", UNLESS_STOPPED)
    })?;
    start(narrator, outbox, "normal child", || {
        work(narrator, "normal child", Duration::from_millis(work_ms))
    })?;
    say(&format!("main code: my own work, {} ms", work_ms / 2));
    std::thread::sleep(Duration::from_millis(work_ms / 2));
    say("main code done; atexit: terminate() each daemon, then join() every child");
    kill(daemon, Signal::SIGTERM)?;
    outbox.send(&News::Signalled {
        pid: daemon.as_raw(),
        signal: Signal::SIGTERM as i32,
        at_ms: narrator.ms(),
    })?;
    for _ in 0..2 {
        let status = waitpid(None, None)?;
        let (Some(pid), Some(ended)) = (status.pid(), Ended::from_status(status)) else {
            return Err(Stop::failed(format!("unexpected wait status {status:?}")));
        };
        outbox.send(&News::Reaped {
            pid: pid.as_raw(),
            ended,
            at_ms: narrator.ms(),
        })?;
        say(&format!("joined {pid}: {ended}"));
    }
    say("exit(0)");
    Ok(())
}

/// Part 2: a parent with a PDEATHSIG child and a Python-style daemon is
/// killed with SIGKILL after `work_ms`; the orphan lives `work_ms` more.
fn parent_killed(
    signals: &Signals,
    narrator: Narrator,
    work_ms: u64,
) -> Result<(KilledFacts, History), Stop> {
    let mut watch =
        Watch::new(signals, narrator, "(2) the parent is killed", "demo").lasts_about(2 * work_ms);
    let (mut inbox, outbox) = report::pipe()?;
    let parent = watch.start("parent", || exit_code(doomed_parent(&narrator, &outbox)))?;
    drop(outbox);
    let news = gather(&mut watch, &mut inbox, |news| {
        how_many(news, |n| matches!(n, News::Running { .. })) == 2
            && how_many(news, |n| matches!(n, News::Forked { .. })) == 2
    })?;
    let (pdeathsig_child, _) = forked(&news, "PDEATHSIG child")?;
    let (python_style, _) = forked(&news, "python daemon")?;
    let running = |of: i32| {
        news.iter().find_map(|n| match *n {
            News::Running {
                pid,
                ppid,
                pdeathsig,
                ..
            } if pid == of => Some((ppid, pdeathsig)),
            _ => None,
        })
    };
    let pdeathsig = running(pdeathsig_child).and_then(|(_, signal)| signal);
    let python_style_ppid_before = running(python_style).map_or(0, |(ppid, _)| ppid);

    watch.say(&format!(
        "all three work; in {work_ms} ms I kill the parent"
    ));
    watch.hold(work_ms)?;
    watch.say(&format!("kill -9 {parent}: its exit handler cannot run"));
    watch.signal(parent, Signal::SIGKILL)?;
    let parent_ended = watch.join(parent)?;
    watch.say(&format!("parent {parent} {parent_ended}"));

    let after = procfs::stat(Pid::from_raw(python_style))?;
    let python_style_survived = after.is_some_and(|s| s.state != 'Z');
    let python_style_ppid_after = after.map_or(0, |s| s.ppid.as_raw());
    let pdeathsig_child_ended = watch.join(Pid::from_raw(pdeathsig_child))?;
    watch.say(&format!(
        "PDEATHSIG child {pdeathsig_child} {pdeathsig_child_ended}: the kernel stopped it \
         (it is my child now, so I waited for it)"
    ));
    watch.say(&format!(
        "daemon {python_style} is {}; /proc says its parent is now {python_style_ppid_after}: \
         an orphan. I let it live {work_ms} ms, then stop it.",
        if python_style_survived {
            "alive"
        } else {
            "not alive"
        }
    ));
    watch.hold(work_ms)?;
    watch.signal(Pid::from_raw(python_style), Signal::SIGTERM)?;
    let python_style_ended = watch.join(Pid::from_raw(python_style))?;
    watch.say(&format!("daemon {python_style} {python_style_ended}"));
    let facts = KilledFacts {
        parent: parent.as_raw(),
        parent_ended,
        pdeathsig_child,
        pdeathsig,
        pdeathsig_child_ended,
        pdeathsig_child_died_with_parent: pdeathsig
            .is_some_and(|signal| pdeathsig_child_ended == Ended::Killed { signal }),
        python_style_daemon: python_style,
        python_style_ppid_before,
        python_style_ppid_after,
        python_style_survived,
        python_style_ended,
    };
    Ok((facts, watch.into_history()))
}

/// Part 2's parent: starts a child that asks for `PR_SET_PDEATHSIG` and a
/// daemon that relies on its exit handler, then works until killed.
fn doomed_parent(narrator: &Narrator, outbox: &Outbox) -> Result<(), Stop> {
    let me = getpid();
    let running = |pdeathsig: Option<i32>| News::Running {
        pid: getpid().as_raw(),
        ppid: getppid().as_raw(),
        pdeathsig,
        at_ms: narrator.ms(),
    };
    start(narrator, outbox, "PDEATHSIG child", || {
        let asked = prctl::set_pdeathsig(Signal::SIGTERM).and_then(|()| prctl::get_pdeathsig());
        // If the parent died before the prctl, no signal will ever come.
        let (Ok(asked), true) = (asked, getppid() == me) else {
            return 1;
        };
        narrator.say(
            "PDEATHSIG child",
            "PR_SET_PDEATHSIG(SIGTERM): the kernel stops me with my parent",
        );
        if outbox.send(&running(asked.map(|s| s as i32))).is_err() {
            return 1;
        }
        work(narrator, "PDEATHSIG child", UNLESS_STOPPED)
    })?;
    start(narrator, outbox, "python daemon", || {
        narrator.say(
            "daemon",
            "daemon=True: only my parent's exit handler would stop me",
        );
        if outbox.send(&running(None)).is_err() {
            return 1;
        }
        work(narrator, "daemon", UNLESS_STOPPED)
    })?;
    narrator.say("parent", "working (until the demo kills me)");
    std::thread::sleep(UNLESS_STOPPED);
    Ok(())
}

/// Starts `body` in a child with the role `role`, and tells the demo.
fn start(
    narrator: &Narrator,
    outbox: &Outbox,
    role: &str,
    body: impl FnOnce() -> i32,
) -> Result<Pid, Stop> {
    let pid = fork::start(body)?;
    outbox.send(&News::Forked {
        role: role.to_string(),
        pid: pid.as_raw(),
        at_ms: narrator.ms(),
    })?;
    Ok(pid)
}

/// A child's work: a sleep of `length`.
fn work(narrator: &Narrator, role: &str, length: Duration) -> i32 {
    narrator.say(role, &format!("working {} ms", length.as_millis()));
    std::thread::sleep(length);
    narrator.say(role, "work done");
    0
}

/// The exit code of a process that did `result`: 0 or 1 (after saying why).
fn exit_code(result: Result<(), Stop>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(stop) => {
            eprintln!("processes: {stop}");
            1
        }
    }
}

/// Reads the news up `inbox`, putting it on the lanes, until `enough` says
/// it is enough.
fn gather(
    watch: &mut Watch<'_>,
    inbox: &mut Inbox,
    enough: impl Fn(&[News]) -> bool,
) -> Result<Vec<News>, Stop> {
    let mut news = Vec::new();
    while !enough(&news) {
        let one: News = watch.recv(inbox)?;
        watch.absorb(&one);
        news.push(one);
    }
    Ok(news)
}

/// How many pieces of `news` are `which`.
fn how_many(news: &[News], which: impl Fn(&News) -> bool) -> usize {
    news.iter().filter(|n| which(n)).count()
}

/// The PID and fork time of the child forked as `role`.
fn forked(news: &[News], role: &str) -> Result<(i32, f64), Stop> {
    news.iter()
        .find_map(|n| match n {
            News::Forked {
                role: r,
                pid,
                at_ms,
            } if r == role => Some((*pid, *at_ms)),
            _ => None,
        })
        .ok_or_else(|| Stop::failed(format!("no {role} was started")))
}

/// How `pid` ended and when it was reaped.
fn reaped(news: &[News], of: i32) -> Result<(Ended, f64), Stop> {
    news.iter()
        .find_map(|n| match *n {
            News::Reaped { pid, ended, at_ms } if pid == of => Some((ended, at_ms)),
            _ => None,
        })
        .ok_or_else(|| Stop::failed(format!("{of} was not reaped")))
}
