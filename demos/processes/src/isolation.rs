//! # isolation: the child's copy of a global is its own; a thread's is not
//!
//! > ```python
//! > def work():
//! >     global n
//! >     n = 0
//! >     print('子进程内: ', n)
//! > if __name__ == '__main__':
//! >     n = 100
//! >     p = Process(target=work)
//! >     p.start()
//! >     print('主进程内: ', n)
//! > ```
//!
//! [`N`] is a real global, one `static` in this program. The parent sets it
//! to 100 and starts a child; the child sets *its* `N` to 0. After the child
//! has ended, the parent reads 100: `fork()` gave the child a copy of the
//! parent's memory, at the same virtual addresses, and a write to the copy
//! stays there (the kernel copies the page on the child's first write:
//! copy-on-write). Then the same with a thread: a thread runs inside this
//! process, in the same memory, so its 0 is what the main thread reads.
//!
//! What to watch:
//! - the address of `N` printed by the parent, the child and the thread is
//!   the same, and the child's 0 still leaves the parent's 100;
//! - the thread's 0 is the main thread's 0.
//!
//! Run it: `cargo run -p processes -- isolation`

use std::sync::atomic::{AtomicI64, Ordering};

use nix::unistd::gettid;
use serde::{Deserialize, Serialize};

use crate::history::{History, ProcessState};
use crate::narrator::Narrator;
use crate::report;
use crate::show;
use crate::stop::Stop;
use crate::watch::{Signals, Watch};

/// The lecture's global `n`.
pub static N: AtomicI64 = AtomicI64::new(0);

/// What a process or thread saw of `N` after setting it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct Seen {
    /// `N`'s virtual address, where it looked.
    pub address: usize,
    /// What it read there right after writing.
    pub value: i64,
}

/// What `isolation` observed.
#[derive(Debug, Serialize)]
pub struct Facts {
    /// What the parent read after setting `N` to 100.
    pub parent_set: i64,
    /// What the child read after setting its `N` to 0 (sent up a pipe).
    pub child_set: i64,
    /// What the parent read once the child had ended.
    pub parent_sees_after_child: i64,
    /// What the thread read after setting `N` to 0.
    pub thread_set: i64,
    /// What the main thread read once the thread had ended.
    pub main_sees_after_thread: i64,
    /// The address of `N` in the parent, the child and the thread.
    pub addresses: [usize; 3],
    /// What was seen, lane by lane.
    pub timeline: History,
}

/// Runs the demo.
pub fn run(signals: &Signals, narrator: Narrator) -> Result<Facts, Stop> {
    let mut watch = Watch::new(
        signals,
        narrator,
        "isolation: a child, then a thread",
        "parent",
    );
    let parent = set(100);
    watch.say(&format!(
        "n = {} at {:#x}; p.start()",
        parent.value, parent.address
    ));

    let (mut inbox, outbox) = report::pipe()?;
    let pid = watch.start("child", || {
        let seen = set(0);
        narrator.say(
            "child",
            &format!(
                "子进程内 (in the child): n = {} at {:#x}",
                seen.value, seen.address
            ),
        );
        i32::from(outbox.send(&seen).is_err())
    })?;
    drop(outbox);
    let ended = watch.join(pid)?;
    let child: Seen = watch.recv(&mut inbox)?;
    let after_child = N.load(Ordering::SeqCst);
    watch.say(&format!(
        "child {pid} {ended}; 主进程内 (in the parent): n = {after_child} at {:#x}",
        parent.address
    ));

    set(100);
    watch.say("n = 100 again; now a thread sets n = 0");
    let (thread, tid, ran) = std::thread::scope(|scope| {
        let thread = scope.spawn(|| {
            let began = narrator.ms();
            let seen = set(0);
            narrator.say(
                "thread",
                &format!(
                    "in the thread {}: n = {} at {:#x}",
                    gettid(),
                    seen.value,
                    seen.address
                ),
            );
            (seen, gettid(), (began, narrator.ms()))
        });
        thread.join()
    })
    .map_err(|_| Stop::failed("the thread panicked"))?;
    let after_thread = N.load(Ordering::SeqCst);
    watch.say(&format!(
        "thread joined; in the main thread: n = {after_thread}"
    ));

    let mut timeline = watch.into_history();
    let lane = timeline.thread_lane("thread", tid.as_raw());
    timeline.observe(lane, ran.0, ProcessState::Running);
    timeline.observe(lane, ran.1, ProcessState::Running);
    show(&narrator, &[&timeline]);
    Ok(Facts {
        parent_set: parent.value,
        child_set: child.value,
        parent_sees_after_child: after_child,
        thread_set: thread.value,
        main_sees_after_thread: after_thread,
        addresses: [parent.address, child.address, thread.address],
        timeline,
    })
}

/// Sets `N` to `value` and reads it back, with its address.
fn set(value: i64) -> Seen {
    N.store(value, Ordering::SeqCst);
    Seen {
        address: std::ptr::from_ref(&N) as usize,
        value: N.load(Ordering::SeqCst),
    }
}
